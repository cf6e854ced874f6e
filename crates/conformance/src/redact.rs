//! The one redaction function. Every string the harness prints or writes — console lines,
//! JUnit and JSON reports, recordings — goes through [`Redactor::redact`], so no secret
//! reaches a screen, a CI log or a committed file.
//!
//! Two layers, because either alone can miss: the literal values of every credential
//! and token the run knows (and their Basic-auth encodings), and patterns that catch
//! secrets by their shape (an `Authorization` value, `"access_token": ...`,
//! `master_secret = ...`, a signed URL's `Signature=`), even ones the run never saw.

use std::sync::{LazyLock, RwLock};

use base64::{engine::general_purpose::STANDARD, Engine};
use regex::Regex;
use serde_json::Value;

/// What every secret is replaced with.
pub const REDACTED: &str = "<redacted>";
/// Shorter values are not registered: replacing them would mangle ordinary text.
const MIN_SECRET_LEN: usize = 8;

/// An Authorization value, or a token after `Basic`/`Bearer` anywhere else (which must
/// look like a credential: see [`looks_like_credential`]).
static AUTH_SCHEME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r#"((?i:authorization)["']?\s*[:=]\s*["']?(?i:basic|bearer)\s+)([A-Za-z0-9+/=._~-]{4,})"#,
        r"|(\b(?:Basic|Bearer)\s+)([A-Za-z0-9+/=._~-]{12,})",
    ))
    .expect("valid regex")
});
/// Names whose values are secrets; [`SECRET_FIELD`] finds them in text, [`SECRET_KEY`]
/// as JSON keys.
const SECRET_NAMES: &str = "access_token|master_?secret|client_?secret|api_?secret|secret|token|password";
/// A secret name then its value. A value never starts with `[` or `{` (a JSON key
/// whose value is structure) nor `<` (already redacted, or a `<secret:N>` placeholder).
static SECRET_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r#"(?i)((?:{SECRET_NAMES})["']?\s*[:=]\s*["']?)([^"'&\s,}}<\[{{]+)"#
    ))
    .expect("valid regex")
});
static SECRET_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("(?i)(?:{SECRET_NAMES})$")).expect("valid regex"));
/// A placeholder of a normalised recording (`<secret:1>`): not a secret itself.
static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^<[a-z_]+:\d+>$").expect("valid regex"));
static SIGNED_URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)([?&](?:signature|x-amz-signature|sig)=)[^&\s\x22'<]+").expect("valid regex"));

#[derive(Debug, Default)]
pub struct Redactor {
    secrets: RwLock<Vec<String>>,
}

impl Redactor {
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Registers a secret value (a master secret, client secret, token).
    pub fn add_secret(&self, secret: &str) {
        let secret = secret.trim();
        if secret.len() < MIN_SECRET_LEN {
            return;
        }
        let mut secrets = self.secrets.write().unwrap_or_else(|p| p.into_inner());
        if !secrets.iter().any(|s| s == secret) {
            secrets.push(secret.to_owned());
            // Longest first, so a secret containing another is replaced whole.
            secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// Registers an `id:secret` pair: the secret, and the pair's Basic-auth encoding.
    pub fn add_credentials(&self, id: &str, secret: &str) {
        self.add_secret(secret);
        self.add_secret(&STANDARD.encode(format!("{id}:{secret}")));
    }

    /// `text` with every known secret and every secret-shaped value replaced.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in self.secrets.read().unwrap_or_else(|p| p.into_inner()).iter() {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        let out = AUTH_SCHEME.replace_all(&out, |caps: &regex::Captures| match (caps.get(1), caps.get(3)) {
            (Some(header), _) => format!("{}{REDACTED}", header.as_str()),
            (None, Some(prefix)) if looks_like_credential(&caps[4]) => format!("{}{REDACTED}", prefix.as_str()),
            _ => caps[0].to_owned(),
        });
        let out = SECRET_FIELD.replace_all(&out, |caps: &regex::Captures| {
            let start = caps.get(0).map_or(0, |m| m.start());
            // `<secret:1>` is a placeholder; `null`, `true`, `false` are no secrets, and
            // replacing them would break the JSON they are part of.
            let in_placeholder = out[..start].ends_with('<');
            if in_placeholder || matches!(&caps[2], "null" | "true" | "false") {
                caps[0].to_owned()
            } else {
                format!("{}{REDACTED}", &caps[1])
            }
        });
        SIGNED_URL.replace_all(&out, format!("${{1}}{REDACTED}")).into_owned()
    }
}

impl Redactor {
    /// `value` with every secret replaced, still valid JSON: each string redacted as
    /// text, and the string or number of a secret-named key (`access_token`, `…secret`,
    /// `…token`, `password`) replaced by the string [`REDACTED`], placeholders excepted.
    pub fn redact_json(&self, value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(key, child)| {
                        let secret = SECRET_KEY.is_match(key)
                            && match child {
                                Value::String(s) => !PLACEHOLDER.is_match(s) && s != REDACTED,
                                Value::Number(_) => true,
                                _ => false,
                            };
                        let child = if secret {
                            Value::String(REDACTED.to_owned())
                        } else {
                            self.redact_json(child)
                        };
                        (self.redact(key), child)
                    })
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.redact_json(v)).collect()),
            Value::String(text) => Value::String(self.redact(text)),
            other => other.clone(),
        }
    }
}

/// Base64 and tokens mix digits, symbols or letter cases; words ("authentication") do not.
fn looks_like_credential(token: &str) -> bool {
    let has = |test: fn(&char) -> bool| token.chars().skip(1).any(|c| test(&c));
    has(char::is_ascii_digit)
        || has(|c| matches!(c, '+' | '/' | '='))
        || (has(char::is_ascii_uppercase) && has(char::is_ascii_lowercase))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "7d431e42dfa6a6d693ac2d04";
    const SECRET: &str = "5e987ac6d2e04d95a9d8f0d1";

    fn redactor() -> Redactor {
        let redactor = Redactor::new();
        redactor.add_credentials(KEY, SECRET);
        redactor.add_secret("YXA6mockClientSecretDemo000000000001");
        redactor
    }

    #[test]
    fn known_secrets_and_their_encodings_disappear() {
        let basic = STANDARD.encode(format!("{KEY}:{SECRET}"));
        let text = format!("secret {SECRET} in prose, encoded {basic}, client YXA6mockClientSecretDemo000000000001.");
        let out = redactor().redact(&text);
        assert!(
            !out.contains(SECRET) && !out.contains(&basic) && !out.contains("ClientSecretDemo"),
            "{out}"
        );
        assert!(out.contains("in prose"), "ordinary text stays: {out}");
    }

    #[test]
    fn secret_shaped_values_disappear_even_when_unknown() {
        let r = Redactor::new();
        let cases = [
            (
                "Authorization: Basic dW5rbm93bjpzZWNyZXQ=",
                "Authorization: Basic <redacted>",
            ),
            (
                "authorization: bearer YWMtabc.def-ghi",
                "authorization: bearer <redacted>",
            ),
            (
                r#"{"access_token":"YWMt123456","expires_in":7200}"#,
                r#"{"access_token":"<redacted>","expires_in":7200}"#,
            ),
            (
                r#"{"master_secret": "abcdefabcdef"}"#,
                r#"{"master_secret": "<redacted>"}"#,
            ),
            ("client_secret = \"s3cr3tvalue\"", "client_secret = \"<redacted>\""),
            (
                "http://h/dl?Expires=1700000000&Signature=AbC123%2F&x=1",
                "http://h/dl?Expires=1700000000&Signature=<redacted>&x=1",
            ),
            ("https://h/f?sig=zzz", "https://h/f?sig=<redacted>"),
            (
                "sent Bearer YWMtQ2hhbmdlZFRva2Vu in prose",
                "sent Bearer <redacted> in prose",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(r.redact(input), expected);
        }
    }

    #[test]
    fn harmless_text_is_untouched_and_redaction_is_idempotent() {
        let r = redactor();
        for text in [
            "GET /v2/messages?count=10&begin_time=2026-11-20%2011:00:00",
            "`$.error.code` equals 899004: got integer 899003",
            "a basic idea, Basic idea",
            "899008 \"Basic authentication failed\"",
            "cursor expired: it was issued 121 s ago",
        ] {
            assert_eq!(r.redact(text), text);
        }
        let once = r.redact(&format!(
            "Authorization: Basic {}",
            STANDARD.encode(format!("{KEY}:{SECRET}"))
        ));
        assert_eq!(r.redact(&once), once);
        assert_eq!(once, "Authorization: Basic <redacted>");
    }

    #[test]
    fn redacted_json_stays_json() {
        let r = redactor();
        let value = serde_json::json!({
            "access_token": "YWMtSecretToken123", "expires_in": 7200, "token": 123456789,
            "client_secret": null, "shape": {"$.access_token": ["string"], "$.expires_in": ["integer"]},
            "placeholder": {"access_token": "<secret:1>"},
            "url": "http://h/dl?Expires=1&Signature=AbC123", "note": format!("secret {SECRET}"),
        });
        let redacted = r.redact_json(&value);
        let text = r.redact(&serde_json::to_string_pretty(&redacted).unwrap());
        let back: Value = serde_json::from_str(&text).expect(&text);
        assert_eq!(back["access_token"], REDACTED);
        assert_eq!(back["token"], REDACTED);
        assert_eq!(back["client_secret"], Value::Null);
        assert_eq!(back["expires_in"], 7200);
        assert_eq!(back["shape"]["$.access_token"], serde_json::json!(["string"]));
        assert_eq!(back["placeholder"]["access_token"], "<secret:1>");
        assert_eq!(back["url"], "http://h/dl?Expires=1&Signature=<redacted>");
        assert!(!text.contains("SecretToken") && !text.contains(SECRET), "{text}");
    }

    #[test]
    fn short_values_are_not_registered() {
        let r = Redactor::new();
        r.add_secret("abc");
        assert_eq!(r.redact("abc abc"), "abc abc");
    }
}
