//! `POST /introspect`: token introspection (RFC 7662), authenticated like the token request.
//!
//! Who may see what follows oidc-provider's default policy: a client learns about the tokens
//! issued to itself, a public client included (it sends only its `client_id`, so what it
//! learns is no more than holding the token already tells). Any other token, an unknown,
//! expired or revoked one is `{"active": false}` (RFC 7662 §2.2), never an error that would
//! tell them apart.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::form::{authenticate_client, check_content_type, parse_form, required};
use super::jwt_sign::DEMO_SUB;
use super::responses::{json, OAuthError};
use super::shared::Shared;
use super::store::{ActiveToken, Hint};

pub async fn introspect(
    State(idp): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match handle(&idp, &headers, &body) {
        Ok(body) => json(StatusCode::OK, &body),
        Err(error) => error.into_response(),
    }
}

fn handle(idp: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Value, OAuthError> {
    check_content_type(headers, "the introspection request")?;
    let params = parse_form(body)?;
    let client = authenticate_client(idp, headers, &params)?;
    let token = required(&params, "token")?;
    let hint = token_hint(params.get("token_type_hint").map(String::as_str));
    Ok(match idp.store.active(token, hint) {
        Some(found) if found.client_id() == client.id => describe(&idp.issuer, &found),
        _ => json!({ "active": false }),
    })
}

/// An unknown hint is ignored (RFC 7662 §2.1: the server searches all token types).
pub fn token_hint(hint: Option<&str>) -> Hint {
    match hint {
        Some("refresh_token") => Hint::Refresh,
        _ => Hint::Access,
    }
}

/// The members of RFC 7662 §2.2 this IdP knows for an active token.
fn describe(issuer: &str, found: &ActiveToken) -> Value {
    match found {
        ActiveToken::Access(record) => {
            let mut answer = json!({
                "active": true,
                "scope": record.scope.to_string(),
                "client_id": record.client_id,
                "token_type": "Bearer",
                "exp": record.expires_at,
                "iat": record.issued_at,
                "sub": DEMO_SUB,
                "aud": record.client_id,
                "iss": issuer,
            });
            // RFC 9449 §6.2: the binding, for resource servers that introspect.
            if let Some(jkt) = &record.jkt {
                answer["token_type"] = "DPoP".into();
                answer["cnf"] = json!({ "jkt": jkt });
            }
            answer
        }
        ActiveToken::Refresh(grant) => json!({
            "active": true,
            "scope": grant.scope.to_string(),
            "client_id": grant.client_id,
            "sub": DEMO_SUB,
            "iss": issuer,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_default_to_access() {
        assert_eq!(token_hint(Some("refresh_token")), Hint::Refresh);
        assert_eq!(token_hint(Some("access_token")), Hint::Access);
        assert_eq!(token_hint(Some("id_token")), Hint::Access);
        assert_eq!(token_hint(None), Hint::Access);
    }
}
