//! Pushed authorization requests (RFC 9126): `POST /par` takes the authorization
//! parameters from an authenticated client and answers a `request_uri`; `/authorize` then
//! gets only `client_id` and that `request_uri`, used once, before it expires.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::authorize_request::{self, AuthorizationRequest, AuthorizeError};
use super::form::{authenticate_client, check_content_type, invalid_request, parse_form};
use super::responses::{json, OAuthError};
use super::shared::Shared;
use super::store::random_token;

/// RFC 9126 §2.2's URN prefix for request_uris.
pub const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";
/// RFC 9126 §2.2 suggests a short lifetime; oidc-provider's default is 60 s too.
pub const PAR_LIFETIME: u64 = 60;
/// Form members that authenticate the client, not part of the authorization request.
const CLIENT_AUTH_PARAMS: [&str; 3] =
    ["client_secret", "client_assertion", "client_assertion_type"];

struct Entry {
    client_id: &'static str,
    query: String,
    expires_at: u64,
}

/// The pushed requests not used yet.
#[derive(Default)]
pub struct Pushed(Mutex<HashMap<String, Entry>>);

pub async fn par(State(idp): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    match handle(&idp, &headers, &body) {
        Ok(answer) => json(StatusCode::CREATED, &answer),
        Err(error) => {
            tracing::debug!(error = %error.error, description = %error.description, "pushed request refused");
            error.into_response()
        }
    }
}

fn handle(idp: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Value, OAuthError> {
    check_content_type(headers, "the pushed authorization request")?;
    let mut params = parse_form(body)?;
    if params.contains_key("request_uri") {
        return Err(invalid_request(
            "request_uri must not be pushed (RFC 9126 section 2.1)",
        ));
    }
    // The `dpop_nonce` fault is for the token endpoint and userinfo; PAR takes proofs without.
    let jkt = super::dpop::check_request(idp, headers, "POST", "/par", None, false)
        .map_err(|e| super::token::proof_refused(idp, &e))?;
    let client = authenticate_client(idp, headers, &params)?;
    if params.get("client_id").is_some_and(|id| id != client.id) {
        return Err(invalid_request(
            "client_id differs from the authenticated client (RFC 9126 section 2.1)",
        ));
    }
    for name in CLIENT_AUTH_PARAMS {
        params.remove(name);
    }
    params.insert("client_id".into(), client.id.into());
    // RFC 9449 §10.1: a proof at PAR binds the code like dpop_jkt does.
    if let Some(jkt) = jkt {
        if params.get("dpop_jkt").is_some_and(|sent| *sent != jkt) {
            return Err(OAuthError::bad_request(
                "invalid_dpop_proof",
                "dpop_jkt is not the thumbprint of the DPoP proof's key (RFC 9449 section 10.1)",
            ));
        }
        params.insert("dpop_jkt".into(), jkt);
    }
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter())
        .finish();
    // Validated now, so the client hears of a bad request here rather than in the browser.
    authorize_request::parse(&query).map_err(|e| match e {
        AuthorizeError::NoRedirect { message, .. } => invalid_request(&message),
        AuthorizeError::Redirect {
            error, description, ..
        } => OAuthError::bad_request(error, description),
    })?;
    let expires_in = idp.faults().par_expires_in.unwrap_or(PAR_LIFETIME);
    let request_uri = format!("{REQUEST_URI_PREFIX}{}", random_token());
    idp.pushed.put(
        request_uri.clone(),
        Entry {
            client_id: client.id,
            query,
            expires_at: idp.store.now() + expires_in,
        },
        idp.store.now(),
    );
    Ok(json!({ "request_uri": request_uri, "expires_in": expires_in }))
}

impl Pushed {
    fn put(&self, request_uri: String, entry: Entry, now: u64) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.retain(|_, e| e.expires_at > now);
        map.insert(request_uri, entry);
    }

    /// The stored query, spent by this call; left alone when another client asks.
    fn take(&self, request_uri: &str, client_id: &str, now: u64) -> Result<String, String> {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = map
            .get(request_uri)
            .ok_or("the request_uri is unknown, or was already used (it is single use)")?;
        if entry.client_id != client_id {
            return Err(format!(
                "the request_uri was pushed by another client, not {client_id:?}"
            ));
        }
        let entry = map
            .remove(request_uri)
            .ok_or("the request_uri is unknown")?;
        if now >= entry.expires_at {
            return Err(format!(
                "the request_uri expired {} s ago",
                now - entry.expires_at
            ));
        }
        Ok(entry.query)
    }
}

/// The authorization request `/authorize` got: the pushed one when it names a
/// request_uri (whose other parameters are ignored, RFC 9126 §4), else the query itself,
/// which a client that must push may not use.
pub fn resolve(idp: &Shared, raw: &str) -> Result<AuthorizationRequest, AuthorizeError> {
    let mut client_id = None;
    let mut request_uri = None;
    let mut repeated = false;
    for (name, value) in form_urlencoded::parse(raw.as_bytes()) {
        let slot = match &*name {
            "client_id" => &mut client_id,
            "request_uri" => &mut request_uri,
            _ => continue,
        };
        repeated |= slot.replace(value.into_owned()).is_some();
    }
    let Some(request_uri) = request_uri else {
        let request = authorize_request::parse(raw)?;
        return refuse_unpushed(request);
    };
    let page = |why: String| AuthorizeError::NoRedirect {
        message: format!("invalid_request_uri: {why}"),
        details: vec!["push the authorization request again (RFC 9126)".into()],
    };
    if repeated {
        return Err(page(
            "client_id or request_uri was sent more than once".into(),
        ));
    }
    let client_id = client_id.ok_or_else(|| page("client_id is missing".into()))?;
    let query = idp
        .pushed
        .take(&request_uri, &client_id, idp.store.now())
        .map_err(page)?;
    authorize_request::parse(&query)
}

fn refuse_unpushed(request: AuthorizationRequest) -> Result<AuthorizationRequest, AuthorizeError> {
    if !request.client.require_par {
        return Ok(request);
    }
    Err(AuthorizeError::Redirect {
        redirect_uri: request.redirect_uri,
        state: request.state,
        error: "invalid_request",
        description: format!(
            "client {} must push its authorization requests (require_pushed_authorization_requests, RFC 9126 section 6)",
            request.client.id
        ),
    })
}
