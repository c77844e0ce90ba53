//! `GET /userinfo` (OIDC Core §5.3) with RFC 6750 bearer errors.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header::{self, HeaderMap};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::jwt_sign::{user_claims, DEMO_SUB};
use super::responses::{json, sanitize_description, OAuthError};
use super::shared::Shared;

const REALM: &str = "tokenbench demo IdP";

pub async fn userinfo(State(idp): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let Some(token) = bearer_token(&headers) else {
        // RFC 6750 §3.1: no credentials at all → a challenge without an error code.
        let challenge = format!("Bearer realm=\"{REALM}\"");
        let error = OAuthError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_request",
            "send the access token as Authorization: Bearer <token>",
        );
        return error.with_challenge(challenge).into_response();
    };
    let record = match idp.store.lookup_access(token) {
        Ok(record) => record,
        Err(e) => return bearer_error(StatusCode::UNAUTHORIZED, "invalid_token", &e.to_string()),
    };
    if !record.scope.has("openid") {
        let why = "userinfo needs an access token with the openid scope";
        return bearer_error(StatusCode::FORBIDDEN, "insufficient_scope", why);
    }
    let mut claims = Map::new();
    claims.insert("sub".into(), DEMO_SUB.into());
    for (name, value) in user_claims(&record.scope) {
        claims.insert(name.into(), value);
    }
    json(StatusCode::OK, &Value::Object(claims))
}

/// The token from `Authorization: Bearer <token>`; the scheme is case-insensitive.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

fn bearer_error(status: StatusCode, error: &str, description: &str) -> Response {
    let description = sanitize_description(description);
    let challenge =
        format!("Bearer realm=\"{REALM}\", error=\"{error}\", error_description=\"{description}\"");
    OAuthError::new(status, error, description)
        .with_challenge(challenge)
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_auth(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn bearer_scheme_parsing() {
        assert_eq!(bearer_token(&with_auth("Bearer abc")), Some("abc"));
        assert_eq!(bearer_token(&with_auth("bearer  abc ")), Some("abc"));
        assert_eq!(bearer_token(&with_auth("Basic abc")), None);
        assert_eq!(bearer_token(&with_auth("Bearer ")), None);
        assert_eq!(bearer_token(&HeaderMap::new()), None);
    }

    #[test]
    fn invalid_token_challenge() {
        let response = bearer_error(StatusCode::UNAUTHORIZED, "invalid_token", "bad \"x\"");
        assert_eq!(
            response.headers()[header::WWW_AUTHENTICATE],
            "Bearer realm=\"tokenbench demo IdP\", error=\"invalid_token\", error_description=\"bad 'x'\""
        );
    }
}
