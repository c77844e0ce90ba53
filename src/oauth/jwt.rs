//! Decoding (not verifying) JWTs for display: JWS compact serialisation is decoded, JWE
//! and anything else is labelled.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::Serialize;
use serde_json::{Map, Value};

use super::time::{relative, utc};

/// Claims shown as times in addition to their numeric value.
pub const TIME_CLAIMS: &[&str] = &["exp", "iat", "nbf", "auth_time"];

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum DecodedToken {
    Jwt {
        header: Value,
        claims: Value,
    },
    /// Encrypted: only the protected header can be read without the key.
    Jwe {
        header: Value,
    },
    /// Not a JWT (or not decodable as one); `reason` says why.
    Opaque {
        reason: String,
    },
}

impl DecodedToken {
    pub fn kind(&self) -> &'static str {
        match self {
            DecodedToken::Jwt { .. } => "jwt",
            DecodedToken::Jwe { .. } => "jwe",
            DecodedToken::Opaque { .. } => "opaque",
        }
    }

    pub fn claims(&self) -> Option<&Map<String, Value>> {
        match self {
            DecodedToken::Jwt {
                claims: Value::Object(m),
                ..
            } => Some(m),
            _ => None,
        }
    }
}

/// Decodes a token. Never fails: what cannot be decoded is reported as opaque, with why.
pub fn decode(token: &str) -> DecodedToken {
    let token = token.trim();
    let parts: Vec<&str> = token.split('.').collect();
    match parts.len() {
        3 => match (decode_json(parts[0]), decode_json(parts[1])) {
            (Ok(header), Ok(claims)) => DecodedToken::Jwt { header, claims },
            (Err(e), _) => DecodedToken::Opaque {
                reason: format!("three segments, but the header {e}"),
            },
            (_, Err(e)) => DecodedToken::Opaque {
                reason: format!("three segments, but the payload {e}"),
            },
        },
        5 => match decode_json(parts[0]) {
            Ok(header) => DecodedToken::Jwe { header },
            Err(e) => DecodedToken::Opaque {
                reason: format!("five segments, but the header {e}"),
            },
        },
        n => DecodedToken::Opaque {
            reason: format!(
                "{n} segment{}; a JWT has 3 (JWS) or 5 (JWE)",
                if n == 1 { "" } else { "s" }
            ),
        },
    }
}

fn decode_json(segment: &str) -> Result<Value, String> {
    // Tolerate padding some encoders add, although RFC 7515 forbids it.
    let bytes = URL_SAFE_NO_PAD
        .decode(segment.trim_end_matches('='))
        .map_err(|e| format!("is not base64url ({e})"))?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| format!("is not JSON ({e})"))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err("is not a JSON object".to_owned())
    }
}

/// A time claim rendered for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeClaim {
    pub claim: String,
    pub unix: i64,
    pub utc: Option<String>,
    pub relative: String,
}

/// The time claims present, as UTC and relative to `now`.
pub fn time_claims(claims: &Map<String, Value>, now: i64) -> Vec<TimeClaim> {
    TIME_CLAIMS
        .iter()
        .filter_map(|name| {
            let unix = claims.get(*name)?.as_i64()?;
            Some(TimeClaim {
                claim: (*name).to_owned(),
                unix,
                utc: utc(unix),
                relative: relative(unix, now),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn decodes_a_jws() {
        let t = format!(
            "{}.{}.sig",
            b64(r#"{"alg":"RS256","kid":"k1"}"#),
            b64(r#"{"sub":"u","exp":100}"#)
        );
        let d = decode(&t);
        assert_eq!(d.kind(), "jwt");
        assert_eq!(d.claims().unwrap()["sub"], "u");
        let times = time_claims(d.claims().unwrap(), 40);
        assert_eq!(times[0].claim, "exp");
        assert_eq!(times[0].relative, "in 1m");
    }

    #[test]
    fn labels_jwe_and_opaque() {
        let jwe = format!("{}.a.b.c.d", b64(r#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#));
        assert_eq!(decode(&jwe).kind(), "jwe");
        assert_eq!(decode("2YotnFZFEjr1zCsicMWpAA").kind(), "opaque");
        match decode("a.b") {
            DecodedToken::Opaque { reason } => assert!(reason.contains("2 segments")),
            other => panic!("{other:?}"),
        }
        match decode("!!!.e30.x") {
            DecodedToken::Opaque { reason } => assert!(reason.contains("header is not base64url")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn padded_segments_and_nested_json_decode() {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#) + "==";
        let nested = format!("{}{}", "[".repeat(100), "]".repeat(100));
        let claims = b64(&format!(r#"{{"deep":{nested}}}"#));
        assert_eq!(decode(&format!("{header}.{claims}.")).kind(), "jwt");
    }
}
