//! JWT client assertions (RFC 7523 §2.2, RFC 7521 §4.2): `private_key_jwt` signs with the
//! client's key, `client_secret_jwt` with HS256 keyed by its secret. One fresh assertion per
//! request, so a replay-checking IdP never sees a `jti` twice.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::jose::{SignError, Signer};
use super::random::OsEntropy;

/// `client_assertion_type` (RFC 7523 §2.2).
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The assertion's lifetime: short, as FAPI 2.0 asks (`exp` ≤ `iat` + 60 s).
pub const LIFETIME: i64 = 60;

/// What `aud` names (`client_assertion_aud`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AssertionAudience {
    /// The issuer identifier, as the rfc7523bis draft and FAPI 2.0 require.
    #[default]
    Issuer,
    /// The token endpoint URL, for IdPs that still want RFC 7523's original reading.
    TokenEndpoint,
}

impl AssertionAudience {
    pub fn as_str(self) -> &'static str {
        match self {
            AssertionAudience::Issuer => "issuer",
            AssertionAudience::TokenEndpoint => "token_endpoint",
        }
    }
}

/// A fresh unique `jti` from the operating system's randomness.
pub fn os_jti() -> String {
    super::random_token(&mut OsEntropy)
}

/// Everything needed to make assertions; clock and randomness are injected.
#[derive(Clone)]
pub struct ClientAssertion {
    signer: Arc<Signer>,
    audience: String,
    now: fn() -> i64,
    jti: fn() -> String,
}

impl std::fmt::Debug for ClientAssertion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientAssertion")
            .field("signer", &self.signer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl ClientAssertion {
    pub fn new(signer: Signer, audience: String, now: fn() -> i64, jti: fn() -> String) -> Self {
        ClientAssertion {
            signer: Arc::new(signer),
            audience,
            now,
            jti,
        }
    }

    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The claims of one assertion: `iss` = `sub` = the client, `aud`, `jti`, `iat`, `exp`.
    pub fn claims(&self, client_id: &str, now: i64, jti: &str) -> Value {
        json!({
            "iss": client_id,
            "sub": client_id,
            "aud": self.audience,
            "jti": jti,
            "iat": now,
            "exp": now + LIFETIME,
        })
    }

    /// A newly signed assertion for `client_id`.
    pub fn make(&self, client_id: &str) -> Result<String, SignError> {
        let claims = self.claims(client_id, (self.now)(), &(self.jti)());
        self.signer.sign_jwt(Some("JWT"), &Map::new(), &claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::jose::sign::{decode_parts, generate_pkcs8, pkcs8_pem};
    use crate::oauth::jose::SignAlg;

    fn fixed_now() -> i64 {
        1_700_000_000
    }
    fn fixed_jti() -> String {
        "jti-1".into()
    }

    fn es256() -> Signer {
        let pem = pkcs8_pem(&generate_pkcs8(SignAlg::ES256).unwrap());
        Signer::from_key_text(&pem, None)
            .unwrap()
            .with_kid(Some("k1".into()))
    }

    #[test]
    fn claims_for_both_audiences() {
        for aud in ["https://idp.example", "https://idp.example/token"] {
            let a = ClientAssertion::new(es256(), aud.into(), fixed_now, fixed_jti);
            let jwt = a.make("app").unwrap();
            let (header, claims) = decode_parts(&jwt).unwrap();
            assert_eq!(header["alg"], "ES256");
            assert_eq!(header["kid"], "k1");
            assert_eq!(header["typ"], "JWT");
            assert_eq!(claims["iss"], "app");
            assert_eq!(claims["sub"], "app");
            assert_eq!(claims["aud"], aud);
            assert_eq!(claims["jti"], "jti-1");
            assert_eq!(claims["iat"], 1_700_000_000);
            let life = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
            assert!(life > 0 && life <= 60, "{life}");
        }
    }

    #[test]
    fn every_assertion_has_a_fresh_jti() {
        let a = ClientAssertion::new(es256(), "https://idp".into(), fixed_now, os_jti);
        let jtis: std::collections::HashSet<String> = (0..20)
            .map(|_| decode_parts(&a.make("app").unwrap()).unwrap().1["jti"].to_string())
            .collect();
        assert_eq!(jtis.len(), 20);
    }

    #[test]
    fn client_secret_jwt_is_hs256() {
        let a = ClientAssertion::new(
            Signer::hmac(b"s3cret"),
            "https://idp".into(),
            fixed_now,
            fixed_jti,
        );
        let jwt = a.make("app").unwrap();
        let (header, _) = decode_parts(&jwt).unwrap();
        assert_eq!(header["alg"], "HS256");
        assert!(!jwt.contains("s3cret"));
        assert!(!format!("{a:?}").contains("s3cret"));
    }
}
