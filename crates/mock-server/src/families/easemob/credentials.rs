//! What this family signs with the shared [`Signer`]: bearer tokens and the download links
//! of hourly history files. Both are stateless (nothing is stored), bound to one app's
//! slot, and expire on the mock clock. One enum tags every claim, so that a token cannot
//! pass for a link, nor either for a JMessage or ql cursor.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{rules::LINK_TTL, EmError};
use crate::kernel::signing::Signer;

/// Real Easemob app tokens start with this; SDKs print it, none depends on it.
const TOKEN_PREFIX: &str = "YWMt";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Claim {
    Token {
        app: u64,
        /// `None`: the token never expires (ttl 0).
        expires_ms: Option<i64>,
        /// The token epoch it was issued in: `POST /_mock/reset` starts a new one, which
        /// voids every token issued before, as after a restart.
        epoch: u64,
    },
    Link {
        app: u64,
        hour_ms: i64,
        expires_s: i64,
    },
}

/// A bearer token for app `app`, valid `ttl_secs` from `now` (0: forever) within `epoch`.
pub fn issue_token(signer: &Signer, app: u64, epoch: u64, ttl_secs: u64, now: DateTime<Utc>) -> String {
    let expires_ms = (ttl_secs > 0).then(|| now.timestamp_millis() + ttl_secs as i64 * 1000);
    format!(
        "{TOKEN_PREFIX}{}",
        signer.sign(&Claim::Token { app, expires_ms, epoch })
    )
}

/// Checks a bearer token presented to app `app` at `now`, in token epoch `epoch`.
pub fn check_token(signer: &Signer, token: &str, app: u64, epoch: u64, now: DateTime<Utc>) -> Result<(), EmError> {
    let claim = token
        .strip_prefix(TOKEN_PREFIX)
        .and_then(|signed| signer.verify::<Claim>(signed).ok());
    let Some(Claim::Token {
        app: owner,
        expires_ms,
        epoch: issued_in,
    }) = claim
    else {
        return Err(EmError::CorruptToken);
    };
    if owner != app {
        return Err(EmError::ForeignToken);
    }
    match expires_ms {
        _ if issued_in != epoch => Err(EmError::ExpiredToken),
        Some(expires) if now.timestamp_millis() >= expires => Err(EmError::ExpiredToken),
        _ => Ok(()),
    }
}

/// The signed query of a download link: `Expires` (Unix seconds) and `Signature`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkQuery {
    pub expires_s: i64,
    pub signature: String,
}

/// Signs a link to the file of the hour starting at `hour_ms`, valid [`LINK_TTL`] from `now`.
pub fn sign_link(signer: &Signer, app: u64, hour_ms: i64, now: DateTime<Utc>) -> LinkQuery {
    let expires_s = (now + LINK_TTL).timestamp();
    LinkQuery {
        expires_s,
        signature: signer.sign(&Claim::Link {
            app,
            hour_ms,
            expires_s,
        }),
    }
}

/// Checks a download link of app `app` for the hour starting at `hour_ms`, at `now`:
/// the signature must cover exactly this app, hour and `Expires`, and not have expired.
pub fn check_link(
    signer: &Signer,
    link: &LinkQuery,
    app: u64,
    hour_ms: i64,
    now: DateTime<Utc>,
) -> Result<(), EmError> {
    let expected = Claim::Link {
        app,
        hour_ms,
        expires_s: link.expires_s,
    };
    match signer.verify::<Claim>(&link.signature) {
        Ok(claim) if claim == expected => {}
        Ok(Claim::Link { app: owner, .. }) if owner != app => {
            return Err(EmError::Forbidden(
                "this download link was issued to another application".into(),
            ))
        }
        _ => {
            return Err(EmError::Forbidden(
                "the signature of this download link does not match".into(),
            ))
        }
    }
    if now.timestamp() >= link.expires_s {
        return Err(EmError::Forbidden(
            format!(
                "this download link has expired (links work for {} minutes)",
                LINK_TTL.num_minutes()
            )
            .into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn tokens_are_bound_to_an_app_and_expire() {
        let signer = Signer::from_seed(1);
        let token = issue_token(&signer, 7, 0, 60, t0());
        assert!(token.starts_with("YWMt"));
        assert_eq!(
            check_token(&signer, &token, 7, 0, t0() + TimeDelta::seconds(59)),
            Ok(())
        );
        assert_eq!(
            check_token(&signer, &token, 7, 1, t0()),
            Err(EmError::ExpiredToken),
            "a later epoch"
        );
        assert_eq!(
            check_token(&signer, &token, 7, 0, t0() + TimeDelta::seconds(60)),
            Err(EmError::ExpiredToken)
        );
        assert_eq!(check_token(&signer, &token, 8, 0, t0()), Err(EmError::ForeignToken));
        assert_eq!(
            check_token(&signer, &token[4..], 7, 0, t0()),
            Err(EmError::CorruptToken)
        );
        assert_eq!(
            check_token(&signer, "YWMtgarbage", 7, 0, t0()),
            Err(EmError::CorruptToken)
        );
        let forever = issue_token(&signer, 7, 0, 0, t0());
        assert_eq!(
            check_token(&signer, &forever, 7, 0, t0() + TimeDelta::days(9999)),
            Ok(())
        );
    }

    #[test]
    fn links_cover_app_hour_and_expiry() {
        let signer = Signer::from_seed(1);
        let link = sign_link(&signer, 7, 3_600_000, t0());
        assert_eq!(link.expires_s, t0().timestamp() + 1800);
        let at = |s: i64| t0() + TimeDelta::seconds(s);
        assert_eq!(check_link(&signer, &link, 7, 3_600_000, at(1799)), Ok(()));
        assert!(check_link(&signer, &link, 7, 3_600_000, at(1800)).is_err());
        assert!(check_link(&signer, &link, 8, 3_600_000, at(0)).is_err());
        assert!(check_link(&signer, &link, 7, 7_200_000, at(0)).is_err());
        let stretched = LinkQuery {
            expires_s: link.expires_s + 3600,
            ..link.clone()
        };
        assert!(check_link(&signer, &stretched, 7, 3_600_000, at(0)).is_err());
        let token = issue_token(&signer, 7, 0, 60, t0());
        let as_link = LinkQuery {
            signature: token[4..].to_owned(),
            ..link
        };
        assert!(check_link(&signer, &as_link, 7, 3_600_000, at(0)).is_err());
    }
}
