//! Signed request objects (RFC 9101, JAR): the authorization parameters as a JWT signed
//! with the client's key, sent by value (`request`) or pushed (RFC 9126).

use serde_json::{json, Map, Value};

use super::jose::{SignError, Signer};

/// `typ` of a request object (RFC 9101 §10.8): keeps it from being taken for another JWT.
pub const TYP: &str = "oauth-authz-req+jwt";
/// The request object's lifetime. RFC 9101 sets none; FAPI 1.0 Advanced (§5.2.2 item 13)
/// allows at most 60 minutes after `nbf`. 300 s covers a slow sign-in page after a push
/// while keeping a leaked object short-lived; not 60 s like the client assertion, since an
/// object sent by value is read only once the browser reaches the IdP.
pub const LIFETIME: i64 = 300;

/// Whether the authorization parameters travel as a signed request object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequestObjectMode {
    #[default]
    None,
    Signed,
}

impl RequestObjectMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestObjectMode::None => "none",
            RequestObjectMode::Signed => "signed",
        }
    }

    pub fn parse(value: &str) -> Option<RequestObjectMode> {
        match value {
            "none" => Some(RequestObjectMode::None),
            "signed" => Some(RequestObjectMode::Signed),
            _ => None,
        }
    }
}

/// The claims (RFC 9101 §4, §10.2): every authorization parameter, then `iss` = the
/// client, `aud` = the issuer identifier, `iat`, `nbf`, `exp`, `jti`. A parameter with
/// the name of one of those is replaced by it: the registered claims are the object's own.
pub fn claims(
    params: &[(String, String)],
    client_id: &str,
    audience: &str,
    now: i64,
    jti: &str,
) -> Value {
    let mut m = Map::new();
    for (k, v) in params {
        // `max_age` is a number in a request object (OIDC Core §6.1, as in the claims).
        let value = match (k.as_str(), v.parse::<u64>()) {
            ("max_age", Ok(n)) => json!(n),
            _ => Value::String(v.clone()),
        };
        m.insert(k.clone(), value);
    }
    for (k, v) in [
        ("iss", json!(client_id)),
        ("aud", json!(audience)),
        ("iat", json!(now)),
        ("nbf", json!(now)),
        ("exp", json!(now + LIFETIME)),
        ("jti", json!(jti)),
    ] {
        m.insert(k.to_owned(), v);
    }
    Value::Object(m)
}

/// The signed request object.
pub fn sign(
    signer: &Signer,
    params: &[(String, String)],
    client_id: &str,
    audience: &str,
    now: i64,
    jti: &str,
) -> Result<String, SignError> {
    signer.sign_jwt(
        Some(TYP),
        &Map::new(),
        &claims(params, client_id, audience, now, jti),
    )
}

/// The parameters the browser carries with the object by value: `client_id` and
/// `request`, plus `response_type` and `scope`, which OIDC Core §6.1 requires outside the
/// object too (and must equal the object's).
pub fn by_value_params(params: &[(String, String)], request: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| matches!(k.as_str(), "response_type" | "client_id" | "scope"))
        .cloned()
        .collect();
    out.push(("request".to_owned(), request.to_owned()));
    out
}

/// The parameters pushed with the object (RFC 9126 §3): only `client_id` and `request`.
pub fn pushed_params(client_id: &str, request: &str) -> Vec<(String, String)> {
    vec![
        ("client_id".to_owned(), client_id.to_owned()),
        ("request".to_owned(), request.to_owned()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::jose::sign::{decode_parts, generate_pkcs8, pkcs8_pem};
    use crate::oauth::jose::SignAlg;

    fn params() -> Vec<(String, String)> {
        [
            ("response_type", "code"),
            ("client_id", "app"),
            ("redirect_uri", "http://127.0.0.1:1/cb"),
            ("scope", "openid"),
            ("state", "st"),
            ("max_age", "30"),
            ("iss", "forged"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn header_and_claims() {
        let pem = pkcs8_pem(&generate_pkcs8(SignAlg::ES256).unwrap());
        let signer = Signer::from_key_text(&pem, None)
            .unwrap()
            .with_kid(Some("k1".into()));
        let jwt = sign(
            &signer,
            &params(),
            "app",
            "https://idp.example",
            1_000,
            "j1",
        )
        .unwrap();
        let (header, claims) = decode_parts(&jwt).unwrap();
        assert_eq!(header["typ"], TYP);
        assert_eq!(header["kid"], "k1");
        assert_eq!(header["alg"], "ES256");
        assert_eq!(claims["iss"], "app");
        assert_eq!(claims["aud"], "https://idp.example");
        assert_eq!(claims["client_id"], "app");
        assert_eq!(claims["state"], "st");
        assert_eq!(claims["max_age"], 30);
        assert_eq!(claims["jti"], "j1");
        assert_eq!(claims["iat"], 1_000);
        assert_eq!(claims["nbf"], 1_000);
        let life = claims["exp"].as_i64().unwrap() - claims["nbf"].as_i64().unwrap();
        assert!(life > 0 && life <= 300, "{life}");
    }

    #[test]
    fn what_travels_outside_the_object() {
        let outside = by_value_params(&params(), "J.W.T");
        let names: Vec<&str> = outside.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["response_type", "client_id", "scope", "request"]);
        let pushed = pushed_params("app", "J.W.T");
        assert_eq!(pushed[0], ("client_id".into(), "app".into()));
        assert_eq!(pushed.len(), 2);
        assert_eq!(
            RequestObjectMode::parse("signed"),
            Some(RequestObjectMode::Signed)
        );
        assert_eq!(RequestObjectMode::parse("unsigned"), None);
    }
}
