//! `POST /revoke`: token revocation (RFC 7009), authenticated like the token request.
//!
//! RFC 7009 §2.1: the client authenticates (a public client sends its `client_id`) and may
//! revoke only tokens issued to itself; another client's token is refused with
//! `invalid_request` and left alone. An unknown or already invalid token is answered 200
//! (§2.2). Revoking a refresh token also ends the access tokens of its grant.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::form::{authenticate_client, check_content_type, invalid_request, parse_form, required};
use super::introspect::token_hint;
use super::responses::{json, OAuthError};
use super::shared::Shared;

pub async fn revoke(State(idp): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    match handle(&idp, &headers, &body) {
        // §2.2: the body of a 200 is ignored; an empty JSON object keeps clients simple.
        Ok(()) => json(StatusCode::OK, &serde_json::json!({})),
        Err(error) => {
            tracing::debug!(error = %error.error, description = %error.description, "revocation refused");
            error.into_response()
        }
    }
}

fn handle(idp: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<(), OAuthError> {
    check_content_type(headers, "the revocation request")?;
    let params = parse_form(body)?;
    let client = authenticate_client(idp, headers, &params)?;
    let token = required(&params, "token")?;
    let hint = token_hint(params.get("token_type_hint").map(String::as_str));
    idp.store
        .revoke_token(token, hint, client.id)
        .map_err(|e| invalid_request(&e.to_string()))
}
