//! Discovery metadata (OIDC Discovery §3, RFC 8414 §2) and the JWKS.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use super::responses::json;
use super::shared::Shared;

/// Every endpoint that authenticates clients accepts the same methods (client_auth.rs,
/// client_auth/assertion.rs).
const AUTH_METHODS: [&str; 5] = [
    "client_secret_basic",
    "client_secret_post",
    "none",
    "private_key_jwt",
    "client_secret_jwt",
];

/// What a client assertion may be signed with: every asymmetric alg `verify_jws` checks,
/// and HS256 for `client_secret_jwt`.
const AUTH_SIGNING_ALGS: [&str; 10] = [
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA", "HS256",
];

pub fn metadata(issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "introspection_endpoint": format!("{issuer}/introspect"),
        "revocation_endpoint": format!("{issuer}/revoke"),
        "end_session_endpoint": format!("{issuer}/end_session"),
        "device_authorization_endpoint": format!("{issuer}/device_authorization"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token", crate::oauth::grant::DEVICE_CODE_URN, "client_credentials"],
        "code_challenge_methods_supported": ["S256", "plain"],
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "scopes_supported": super::scope::SUPPORTED_SCOPES,
        "id_token_signing_alg_values_supported": ["RS256"],
        "subject_types_supported": ["public"],
        "authorization_response_iss_parameter_supported": true,
        "token_endpoint_auth_signing_alg_values_supported": AUTH_SIGNING_ALGS,
        "introspection_endpoint_auth_signing_alg_values_supported": AUTH_SIGNING_ALGS,
        "revocation_endpoint_auth_signing_alg_values_supported": AUTH_SIGNING_ALGS,
        "pushed_authorization_request_endpoint": format!("{issuer}/par"),
        // Only some clients must push (clients.rs); the IdP as a whole does not demand it.
        "require_pushed_authorization_requests": false,
        "dpop_signing_alg_values_supported": super::dpop::PROOF_ALGS,
    })
}

pub async fn openid_configuration(State(idp): State<Arc<Shared>>) -> Response {
    let mut m = metadata(&idp.issuer);
    // Only what the IdP signs with, so a PS256 IdP passes a FAPI 2.0 lint (§5.4.1).
    m["id_token_signing_alg_values_supported"] = json!([idp.keys.current().alg().as_str()]);
    json(StatusCode::OK, &m)
}

pub async fn jwks(State(idp): State<Arc<Shared>>) -> Response {
    json(StatusCode::OK, &idp.keys.public_jwks())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_hang_off_the_issuer() {
        let m = metadata("http://127.0.0.1:9");
        assert_eq!(m["issuer"], "http://127.0.0.1:9");
        assert_eq!(m["authorization_endpoint"], "http://127.0.0.1:9/authorize");
        assert_eq!(m["token_endpoint"], "http://127.0.0.1:9/token");
        assert_eq!(m["jwks_uri"], "http://127.0.0.1:9/jwks");
        assert_eq!(m["userinfo_endpoint"], "http://127.0.0.1:9/userinfo");
        assert_eq!(m["introspection_endpoint"], "http://127.0.0.1:9/introspect");
        assert_eq!(m["revocation_endpoint"], "http://127.0.0.1:9/revoke");
        let methods = json!([
            "client_secret_basic",
            "client_secret_post",
            "none",
            "private_key_jwt",
            "client_secret_jwt"
        ]);
        assert_eq!(m["introspection_endpoint_auth_methods_supported"], methods);
        assert_eq!(m["revocation_endpoint_auth_methods_supported"], methods);
        assert_eq!(
            m["scopes_supported"],
            json!(["openid", "profile", "email", "offline_access"])
        );
        assert_eq!(m["authorization_response_iss_parameter_supported"], true);
        assert_eq!(
            m["pushed_authorization_request_endpoint"],
            "http://127.0.0.1:9/par"
        );
        assert_eq!(m["require_pushed_authorization_requests"], false);
        assert_eq!(
            m["dpop_signing_alg_values_supported"],
            json!(["ES256", "EdDSA"])
        );
        assert_eq!(
            m["token_endpoint_auth_signing_alg_values_supported"][9],
            "HS256"
        );
    }
}
