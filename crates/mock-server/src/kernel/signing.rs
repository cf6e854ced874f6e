//! Stateless signed tokens (cursors now, download links later): a payload serialised to
//! JSON, base64url-encoded, and an HMAC-SHA256 tag over it. Nothing is stored server-side,
//! so any replica with the same key can check any token it did not issue.
//!
//! The key is derived from the seed so that two processes with the same seed and clock
//! issue byte-identical tokens (SPEC §0 determinism).

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, Mac};
use serde::{de::DeserializeOwned, Serialize};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Tag length in bytes: 128 bits is ample against forgery and keeps tokens short.
const TAG_LEN: usize = 16;

#[derive(Clone)]
pub struct Signer {
    key: [u8; 32],
}

/// Why a token was refused. Callers map both to their family's "invalid parameter".
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not well-formed")]
    Malformed,
    #[error("the token's signature does not match (was it altered?)")]
    BadSignature,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer { key: <redacted> }")
    }
}

impl Signer {
    pub fn from_seed(seed: u64) -> Signer {
        let mut hasher = Sha256::new();
        hasher.update(b"jiguang-mock token key v1");
        hasher.update(seed.to_le_bytes());
        Signer {
            key: hasher.finalize().into(),
        }
    }

    pub fn sign<T: Serialize>(&self, payload: &T) -> String {
        let json = serde_json::to_vec(payload).expect("token payloads serialise");
        let body = URL_SAFE_NO_PAD.encode(json);
        let tag = URL_SAFE_NO_PAD.encode(self.tag(body.as_bytes()));
        format!("{body}.{tag}")
    }

    pub fn verify<T: DeserializeOwned>(&self, token: &str) -> Result<T, TokenError> {
        let (body, tag) = token.split_once('.').ok_or(TokenError::Malformed)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| TokenError::Malformed)?;
        let mut mac = self.mac();
        mac.update(body.as_bytes());
        mac.verify_truncated_left(&tag)
            .ok()
            .filter(|_| tag.len() == TAG_LEN)
            .ok_or(TokenError::BadSignature)?;
        let json = URL_SAFE_NO_PAD.decode(body).map_err(|_| TokenError::Malformed)?;
        serde_json::from_slice(&json).map_err(|_| TokenError::Malformed)
    }

    fn tag(&self, body: &[u8]) -> [u8; TAG_LEN] {
        let mut mac = self.mac();
        mac.update(body);
        let full = mac.finalize().into_bytes();
        let mut tag = [0; TAG_LEN];
        tag.copy_from_slice(&full[..TAG_LEN]);
        tag
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper_detection() {
        let signer = Signer::from_seed(1);
        let token = signer.sign(&(7u32, "x"));
        assert_eq!(signer.verify::<(u32, String)>(&token), Ok((7, "x".into())));

        let mut altered = token.clone().into_bytes();
        altered[2] ^= 1;
        let altered = String::from_utf8(altered).unwrap();
        assert_eq!(signer.verify::<(u32, String)>(&altered), Err(TokenError::BadSignature));

        let other = Signer::from_seed(2);
        assert_eq!(other.verify::<(u32, String)>(&token), Err(TokenError::BadSignature));
        assert_eq!(signer.verify::<(u32, String)>("garbage"), Err(TokenError::Malformed));
    }

    #[test]
    fn same_seed_signs_identically() {
        assert_eq!(Signer::from_seed(5).sign(&1u8), Signer::from_seed(5).sign(&1u8));
    }
}
