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
    let Some((scheme, token)) = access_token(&headers) else {
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
    if let Some(refusal) = binding_refusal(&idp, &headers, scheme, token, record.jkt.as_deref()) {
        return refusal;
    }
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scheme {
    Bearer,
    /// RFC 9449 §7.1.
    Dpop,
}

/// The token from `Authorization: Bearer <token>`; the scheme is case-insensitive.
#[cfg(test)]
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    access_token(headers)
        .filter(|(scheme, _)| *scheme == Scheme::Bearer)
        .map(|(_, token)| token)
}

/// The token from `Authorization: Bearer <token>` or `Authorization: DPoP <token>`.
fn access_token(headers: &HeaderMap) -> Option<(Scheme, &str)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    let scheme = if scheme.eq_ignore_ascii_case("bearer") {
        Scheme::Bearer
    } else if scheme.eq_ignore_ascii_case("dpop") {
        Scheme::Dpop
    } else {
        return None;
    };
    (!token.is_empty()).then_some((scheme, token))
}

/// Why the token may not be used this way, if it may not: a DPoP-bound token needs the
/// DPoP scheme and a proof by its key (RFC 9449 §7.1); a Bearer token is not accepted
/// under the DPoP scheme.
fn binding_refusal(
    idp: &Shared,
    headers: &HeaderMap,
    scheme: Scheme,
    token: &str,
    bound: Option<&str>,
) -> Option<Response> {
    let Some(bound) = bound else {
        return (scheme == Scheme::Dpop).then(|| {
            let why = "the access token is not DPoP-bound; send it as Bearer";
            dpop_error("invalid_token", why, None)
        });
    };
    if scheme == Scheme::Bearer {
        let why = "the access token is DPoP-bound: send it as Authorization: DPoP with a DPoP proof (RFC 9449 section 7.1)";
        return Some(dpop_error("invalid_token", why, None));
    }
    let proof = super::dpop::check_request(idp, headers, "GET", "/userinfo", Some(token), true);
    let why = match proof {
        Ok(Some(jkt)) if jkt == bound => return None,
        Ok(Some(_)) => "the DPoP proof is signed by another key than the token is bound to",
        Ok(None) => "a DPoP-bound access token needs a DPoP proof header",
        Err(e) => {
            let nonce = (e == super::dpop::ProofError::Nonce).then_some(idp.dpop_nonce.as_str());
            return Some(dpop_error(e.code(), &e.to_string(), nonce));
        }
    };
    Some(dpop_error("invalid_dpop_proof", why, None))
}

/// RFC 9449 §7.1: a 401 with a DPoP challenge (and §9: the nonce to use, if that is why).
fn dpop_error(error: &str, description: &str, nonce: Option<&str>) -> Response {
    let description = sanitize_description(description);
    let algs = super::dpop::PROOF_ALGS.join(" ");
    let challenge =
        format!("DPoP algs=\"{algs}\", error=\"{error}\", error_description=\"{description}\"");
    let mut refusal =
        OAuthError::new(StatusCode::UNAUTHORIZED, error, description).with_challenge(challenge);
    if let Some(nonce) = nonce {
        refusal = refusal.with_dpop_nonce(nonce);
    }
    refusal.into_response()
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
