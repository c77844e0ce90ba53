//! The tokens the demo IdP issues: an RFC 9068-style JWT access token and an OIDC ID token,
//! both signed with the demo key (RS256, or PS256 when the IdP is configured so).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::keys::{KeyError, SigningKey};
use super::scope::Scope;

/// The one demo user every approval signs in as.
pub const DEMO_SUB: &str = "demo-user";
pub const DEMO_NAME: &str = "Demo User";
pub const DEMO_EMAIL: &str = "demo-user@example.com";

pub const ACCESS_TOKEN_LIFETIME: u64 = 3600;
pub const ID_TOKEN_LIFETIME: u64 = 3600;

/// What both tokens need to know about the grant they belong to.
#[derive(Clone, Debug)]
pub struct TokenContext<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub scope: &'a Scope,
    pub now: u64,
    pub auth_time: u64,
}

/// `header.payload.signature`, each part base64url without padding (RFC 7515 §7.1).
pub fn encode(key: &SigningKey, typ: &str, claims: &Value) -> Result<String, KeyError> {
    let header = json!({ "alg": key.alg().as_str(), "typ": typ, "kid": key.kid() });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = key.sign(signing_input.as_bytes())?;
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    ))
}

/// RFC 9068 claims; `aud` is the client because the demo has no separate resource server.
pub fn access_token_claims(ctx: &TokenContext<'_>, jti: &str) -> Value {
    json!({
        "iss": ctx.issuer,
        "sub": DEMO_SUB,
        "aud": ctx.client_id,
        "client_id": ctx.client_id,
        "scope": ctx.scope.to_string(),
        "exp": ctx.now + ACCESS_TOKEN_LIFETIME,
        "iat": ctx.now,
        "jti": jti,
    })
}

/// OIDC Core §2 claims plus the profile/email claims the granted scope allows (§5.4).
pub fn id_token_claims(ctx: &TokenContext<'_>, nonce: Option<&str>, access_token: &str) -> Value {
    let mut claims = Map::new();
    claims.insert("iss".into(), ctx.issuer.into());
    claims.insert("sub".into(), DEMO_SUB.into());
    claims.insert("aud".into(), ctx.client_id.into());
    claims.insert("azp".into(), ctx.client_id.into());
    claims.insert("exp".into(), (ctx.now + ID_TOKEN_LIFETIME).into());
    claims.insert("iat".into(), ctx.now.into());
    claims.insert("auth_time".into(), ctx.auth_time.into());
    if let Some(nonce) = nonce {
        claims.insert("nonce".into(), nonce.into());
    }
    claims.insert("at_hash".into(), at_hash(access_token).into());
    for (name, value) in user_claims(ctx.scope) {
        claims.insert(name.into(), value);
    }
    Value::Object(claims)
}

/// Claims about the demo user released for `scope` (shared by the ID token and userinfo).
pub fn user_claims(scope: &Scope) -> Vec<(&'static str, Value)> {
    let mut claims = Vec::new();
    if scope.has("profile") {
        claims.push(("name", Value::from(DEMO_NAME)));
    }
    if scope.has("email") {
        claims.push(("email", Value::from(DEMO_EMAIL)));
        claims.push(("email_verified", Value::from(true)));
    }
    claims
}

/// OIDC Core §3.1.3.6: base64url of the left half of SHA-256 (the hash of RS256).
pub fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_part(part: &str) -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    #[test]
    fn at_hash_oidc_core_a4() {
        assert_eq!(
            at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }

    #[test]
    fn encoded_jwt_has_header_kid_and_claims() {
        let key = SigningKey::demo().unwrap();
        let jwt = encode(&key, "at+jwt", &json!({"sub": "x"})).unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header = decode_part(parts[0]);
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["typ"], "at+jwt");
        assert_eq!(header["kid"], key.kid());
        assert_eq!(decode_part(parts[1])["sub"], "x");
    }

    #[test]
    fn id_token_claims_follow_scope_and_nonce() {
        let scope = Scope::parse(Some("openid email")).unwrap();
        let ctx = TokenContext {
            issuer: "http://127.0.0.1:1",
            client_id: "c",
            scope: &scope,
            now: 1000,
            auth_time: 990,
        };
        let claims = id_token_claims(&ctx, Some("n-1"), "tok");
        assert_eq!(claims["exp"], 1000 + ID_TOKEN_LIFETIME);
        assert_eq!(claims["auth_time"], 990);
        assert_eq!(claims["nonce"], "n-1");
        assert_eq!(claims["email"], DEMO_EMAIL);
        assert!(claims.get("name").is_none());
        assert_eq!(claims["at_hash"], at_hash("tok"));
        assert!(id_token_claims(&ctx, None, "tok").get("nonce").is_none());
    }

    #[test]
    fn access_token_claims_name_the_client() {
        let scope = Scope::parse(Some("openid")).unwrap();
        let ctx = TokenContext {
            issuer: "i",
            client_id: "c",
            scope: &scope,
            now: 5,
            auth_time: 5,
        };
        let claims = access_token_claims(&ctx, "j");
        assert_eq!(claims["aud"], "c");
        assert_eq!(claims["client_id"], "c");
        assert_eq!(claims["scope"], "openid");
        assert_eq!(claims["exp"], 5 + ACCESS_TOKEN_LIFETIME);
        assert_eq!(claims["jti"], "j");
    }
}
