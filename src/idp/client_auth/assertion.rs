//! JWT client assertions at the demo IdP (RFC 7523 §3): `private_key_jwt` checked against
//! the client's registered public JWKS, `client_secret_jwt` (HS256) against its secret.
//! `aud` must name the issuer or the token endpoint, `exp` must be near, and a `jti` is
//! accepted once.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value;

use crate::oauth::client_assertion::{ASSERTION_TYPE, LIFETIME};
use crate::oauth::jose::{parse_jwks, read_header, verify_jws};

/// The demo's `private_key_jwt` client.
pub const DEMO_KEY_CLIENT_ID: &str = "tokenbench-demo-key";
/// Its registered public key: the public half of tests/fixtures/keyauth/client-es256.pem
/// (a test-only key, public by design like the demo IdP's own).
pub const DEMO_KEY_CLIENT_JWKS: &str = r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"tb-test-es256","use":"sig","alg":"ES256","x":"ccxuG3iVioZ7N3w0sZQUtCG0gvxRTPJPxkCD6Lxn1xE","y":"zEZQK5a7hgwrNxGPrrtFX4c4D6unrn3OC81nPaf4n7s"}]}"#;

/// How a registered client proves its assertion.
pub enum AssertionKey<'a> {
    Jwks(&'a str),
    Secret(&'a str),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssertionError {
    #[error("client_assertion_type must be {ASSERTION_TYPE}")]
    Type,
    #[error("the client assertion's signature does not verify: {0}")]
    Signature(String),
    #[error("the client assertion is not a JWT with a JSON payload")]
    Malformed,
    #[error("the client assertion's iss and sub must both be the client_id {0:?}")]
    Subject(String),
    #[error("the client assertion's aud names neither the issuer nor the token endpoint")]
    Audience,
    #[error("the client assertion has expired, or lives longer than the IdP allows")]
    Expired,
    #[error("the client assertion's jti was seen before (replay)")]
    Replay,
}

/// `jti`s seen, each kept until its assertion expires.
#[derive(Debug, Default)]
pub struct SeenJtis(HashMap<String, i64>);

impl SeenJtis {
    /// True the first time `jti` comes (then remembered until `exp`).
    pub fn first_use(&mut self, jti: &str, exp: i64, now: i64) -> bool {
        self.0.retain(|_, until| *until >= now);
        if self.0.contains_key(jti) {
            return false;
        }
        self.0.insert(jti.to_owned(), exp);
        true
    }
}

/// What the request says and what the IdP knows.
pub struct Check<'a> {
    pub assertion_type: Option<&'a str>,
    pub assertion: &'a str,
    pub client_id: &'a str,
    pub audiences: &'a [&'a str],
    pub now: i64,
}

/// Verifies one assertion; the `jti` is recorded only when everything else holds.
pub fn verify(
    check: &Check<'_>,
    key: AssertionKey<'_>,
    seen: &mut SeenJtis,
) -> Result<(), AssertionError> {
    if check.assertion_type != Some(ASSERTION_TYPE) {
        return Err(AssertionError::Type);
    }
    match key {
        AssertionKey::Jwks(jwks) => {
            let keys = parse_jwks(jwks.as_bytes())
                .map_err(|e| AssertionError::Signature(e.to_string()))?;
            verify_jws(check.assertion, &keys)
                .map_err(|e| AssertionError::Signature(e.to_string()))?;
        }
        AssertionKey::Secret(secret) => verify_hs256(check.assertion, secret)?,
    }
    let claims: Value = check
        .assertion
        .split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(AssertionError::Malformed)?;
    let id = Some(check.client_id);
    if claims["iss"].as_str() != id || claims["sub"].as_str() != id {
        return Err(AssertionError::Subject(check.client_id.to_owned()));
    }
    let aud_ok = match &claims["aud"] {
        Value::String(a) => check.audiences.contains(&a.as_str()),
        Value::Array(list) => list
            .iter()
            .any(|a| a.as_str().is_some_and(|a| check.audiences.contains(&a))),
        _ => false,
    };
    if !aud_ok {
        return Err(AssertionError::Audience);
    }
    let exp = claims["exp"].as_i64().ok_or(AssertionError::Expired)?;
    // A little skew allowed; an assertion valid for long is refused like an expired one.
    if exp < check.now || exp > check.now + LIFETIME + 30 {
        return Err(AssertionError::Expired);
    }
    let jti = claims["jti"].as_str().ok_or(AssertionError::Replay)?;
    if !seen.first_use(jti, exp, check.now) {
        return Err(AssertionError::Replay);
    }
    Ok(())
}

/// The client of a request authenticating with `client_assertion`: found by `client_id`,
/// else by the assertion's `sub`, then verified with its registered key.
pub fn authenticate(
    idp: &super::super::shared::Shared,
    params: &HashMap<String, String>,
) -> Result<&'static super::Client, super::ClientAuthError> {
    let assertion = params
        .get("client_assertion")
        .map(String::as_str)
        .unwrap_or_default();
    let sub = assertion
        .split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|c| c["sub"].as_str().map(str::to_owned));
    let id = params
        .get("client_id")
        .cloned()
        .or(sub)
        .ok_or(super::ClientAuthError::Missing)?;
    let client =
        super::clients::find(&id).ok_or_else(|| super::ClientAuthError::Unknown(id.clone()))?;
    let key = match (client.jwks, client.secret) {
        (Some(jwks), _) => AssertionKey::Jwks(jwks),
        (_, Some(secret)) => AssertionKey::Secret(secret),
        (_, None) => return Err(super::ClientAuthError::PublicWithSecret(id)),
    };
    let issuer = idp.issuer.as_str();
    let endpoints = [
        issuer.to_owned(),
        format!("{issuer}/token"),
        format!("{issuer}/introspect"),
        format!("{issuer}/revoke"),
        format!("{issuer}/par"),
    ];
    let audiences: Vec<&str> = endpoints.iter().map(String::as_str).collect();
    let check = Check {
        assertion_type: params.get("client_assertion_type").map(String::as_str),
        assertion,
        client_id: client.id,
        audiences: &audiences,
        now: idp.store.now() as i64,
    };
    let mut seen = idp
        .jtis
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    verify(&check, key, &mut seen)?;
    Ok(client)
}

fn verify_hs256(jwt: &str, secret: &str) -> Result<(), AssertionError> {
    let header = read_header(jwt).map_err(|e| AssertionError::Signature(e.to_string()))?;
    if header.alg != "HS256" {
        return Err(AssertionError::Signature(format!(
            "alg {} is not HS256",
            header.alg
        )));
    }
    let (input, signature) = jwt.rsplit_once('.').ok_or(AssertionError::Malformed)?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| AssertionError::Malformed)?;
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    ring::hmac::verify(&key, input.as_bytes(), &signature)
        .map_err(|_| AssertionError::Signature("the HMAC does not match".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::client_assertion::ClientAssertion;
    use crate::oauth::jose::Signer;

    const KEY: &str = include_str!("../../../tests/fixtures/keyauth/client-es256.pem");
    const ISS: &str = "http://127.0.0.1:1";
    const TOKEN: &str = "http://127.0.0.1:1/token";

    fn now() -> i64 {
        1_000
    }
    fn jti() -> String {
        "j".into()
    }

    fn check<'a>(assertion: &'a str, client_id: &'a str, at: i64) -> Check<'a> {
        Check {
            assertion_type: Some(ASSERTION_TYPE),
            assertion,
            client_id,
            audiences: &[ISS, TOKEN],
            now: at,
        }
    }

    fn signed(aud: &str) -> String {
        let signer = Signer::from_key_text(KEY, None)
            .unwrap()
            .with_kid(Some("tb-test-es256".into()));
        ClientAssertion::new(signer, aud.into(), now, jti)
            .make(DEMO_KEY_CLIENT_ID)
            .unwrap()
    }

    #[test]
    fn private_key_jwt_verifies_once() {
        let mut seen = SeenJtis::default();
        let jwks = AssertionKey::Jwks(DEMO_KEY_CLIENT_JWKS);
        let a = signed(ISS);
        assert_eq!(
            verify(&check(&a, DEMO_KEY_CLIENT_ID, 1_010), jwks, &mut seen),
            Ok(())
        );
        let jwks = AssertionKey::Jwks(DEMO_KEY_CLIENT_JWKS);
        assert_eq!(
            verify(&check(&a, DEMO_KEY_CLIENT_ID, 1_010), jwks, &mut seen),
            Err(AssertionError::Replay)
        );
        // The token endpoint is an audience too.
        let mut fresh = SeenJtis::default();
        let b = signed(TOKEN);
        assert!(verify(
            &check(&b, DEMO_KEY_CLIENT_ID, 1_010),
            AssertionKey::Jwks(DEMO_KEY_CLIENT_JWKS),
            &mut fresh
        )
        .is_ok());
    }

    #[test]
    fn private_key_jwt_failures() {
        let jwks = || AssertionKey::Jwks(DEMO_KEY_CLIENT_JWKS);
        let mut seen = SeenJtis::default();
        let a = signed(ISS);
        assert_eq!(
            verify(&check(&a, DEMO_KEY_CLIENT_ID, 1_061), jwks(), &mut seen),
            Err(AssertionError::Expired)
        );
        assert_eq!(
            verify(
                &check(&signed("https://elsewhere"), DEMO_KEY_CLIENT_ID, 1_000),
                jwks(),
                &mut seen
            ),
            Err(AssertionError::Audience)
        );
        assert!(matches!(
            verify(&check(&a, "other", 1_000), jwks(), &mut seen),
            Err(AssertionError::Subject(_))
        ));
        let mut wrong_type = check(&a, DEMO_KEY_CLIENT_ID, 1_000);
        wrong_type.assertion_type = Some("urn:x");
        assert_eq!(
            verify(&wrong_type, jwks(), &mut seen),
            Err(AssertionError::Type)
        );
        // Signed with another key.
        let other = crate::oauth::jose::sign::pkcs8_pem(
            &crate::oauth::jose::sign::generate_pkcs8(crate::oauth::jose::SignAlg::ES256).unwrap(),
        );
        let forged = ClientAssertion::new(
            Signer::from_key_text(&other, None).unwrap(),
            ISS.into(),
            now,
            jti,
        )
        .make(DEMO_KEY_CLIENT_ID)
        .unwrap();
        assert!(matches!(
            verify(
                &check(&forged, DEMO_KEY_CLIENT_ID, 1_000),
                jwks(),
                &mut seen
            ),
            Err(AssertionError::Signature(_))
        ));
        // Nothing failed was remembered: the good one still passes once.
        assert_eq!(
            verify(&check(&a, DEMO_KEY_CLIENT_ID, 1_000), jwks(), &mut seen),
            Ok(())
        );
    }

    #[test]
    fn client_secret_jwt_verifies_with_the_secret() {
        let mut seen = SeenJtis::default();
        let a = ClientAssertion::new(Signer::hmac(b"demo-secret"), ISS.into(), now, jti)
            .make("c")
            .unwrap();
        assert!(matches!(
            verify(
                &check(&a, "c", 1_000),
                AssertionKey::Secret("wrong"),
                &mut seen
            ),
            Err(AssertionError::Signature(_))
        ));
        assert_eq!(
            verify(
                &check(&a, "c", 1_000),
                AssertionKey::Secret("demo-secret"),
                &mut seen
            ),
            Ok(())
        );
        // An asymmetric assertion is not accepted where the secret is the key.
        assert!(verify(
            &check(&signed(ISS), DEMO_KEY_CLIENT_ID, 1_000),
            AssertionKey::Secret("demo-secret"),
            &mut SeenJtis::default()
        )
        .is_err());
    }
}
