//! Sending a request with a DPoP proof (RFC 9449), once more with the server's nonce when it
//! asks for one (§8 at the token endpoint, §9 at a resource); a second refusal stands. Shared
//! by the code flow, the other grants and the calls on cached tokens.

use serde_json::{json, Value};

use crate::cache::CachedTokens;
use crate::net::http::{HttpClient, HttpResponse, TransportError};
use crate::oauth::dpop::{
    nonce_value, resource_wants_nonce, token_endpoint_wants_nonce, DpopProver, NONCE_HEADER,
};
use crate::oauth::jose::SignError;
use crate::oauth::request::HttpRequest;
use crate::oauth::token_request::{renew_client_assertion, ClientCredentials};

#[derive(Debug)]
pub enum DpopSendError {
    Transport(TransportError),
    Sign(SignError),
}

impl From<DpopSendError> for super::GrantError {
    fn from(e: DpopSendError) -> Self {
        match e {
            DpopSendError::Transport(t) => t.into(),
            DpopSendError::Sign(s) => super::GrantError::Internal(format!("DPoP proof: {s}")),
        }
    }
}

impl From<DpopSendError> for crate::flow::error::FlowError {
    fn from(e: DpopSendError) -> Self {
        match e {
            DpopSendError::Transport(t) => t.into(),
            DpopSendError::Sign(s) => {
                crate::flow::error::FlowError::Internal(format!("DPoP proof: {s}"))
            }
        }
    }
}

/// What one exchange with DPoP did: the final answer, and the retry when there was one.
pub struct DpopSent {
    pub response: HttpResponse,
    /// `{"nonce", "first_status"}` when the server asked for a nonce and got a second try.
    pub nonce_retry: Option<Value>,
}

/// Sends `request` with a fresh proof (and `access_token` as `Authorization: DPoP`, with
/// `ath`, for a resource); on a `use_dpop_nonce` answer, once more with the nonce given.
/// `request` keeps the last proof sent, for the record.
pub async fn send(
    http: &HttpClient,
    request: &mut HttpRequest,
    prover: &DpopProver,
    access_token: Option<&str>,
    client: Option<&ClientCredentials>,
) -> Result<DpopSent, DpopSendError> {
    prover
        .bind(request, None, access_token)
        .map_err(DpopSendError::Sign)?;
    let response = http
        .execute(request)
        .await
        .map_err(DpopSendError::Transport)?;
    let wants = match access_token {
        None => token_endpoint_wants_nonce(response.status, &response.body),
        Some(_) => resource_wants_nonce(response.status, response.header("www-authenticate")),
    };
    let nonce = nonce_value(response.header(NONCE_HEADER));
    let (true, Some(nonce)) = (wants, nonce) else {
        return Ok(DpopSent {
            response,
            nonce_retry: None,
        });
    };
    if let Some(client) = client {
        renew_client_assertion(client, request);
    }
    prover
        .bind(request, Some(&nonce), access_token)
        .map_err(DpopSendError::Sign)?;
    let second = http
        .execute(request)
        .await
        .map_err(DpopSendError::Transport)?;
    Ok(DpopSent {
        response: second,
        nonce_retry: Some(json!({
            "nonce": nonce,
            "first_status": response.status,
            "first_error": "use_dpop_nonce",
        })),
    })
}

/// Whether the cached tokens are DPoP-bound (`token_type` as the IdP sent it).
pub fn is_bound(cached: &CachedTokens) -> bool {
    cached
        .response
        .get("token_type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("DPoP"))
}

/// The profile's DPoP key for a call on cached tokens; None without `dpop = true`.
pub(super) fn prover(
    profile: &crate::profile::Profile,
    env: &(dyn Fn(&str) -> Option<std::ffi::OsString> + Sync),
) -> Result<Option<DpopProver>, super::GrantError> {
    crate::cache::dpop_key::prover(profile, env, None, crate::flow::run::system_now)
        .map_err(super::GrantError::Secret)
}

/// Like `exchange::send`, with a DPoP proof when `prover` is set (and `access_token` as
/// `Authorization: DPoP` for a resource); the retry is recorded as `dpop_nonce_retry`.
pub(super) async fn send_recorded(
    http: &HttpClient,
    request: &mut HttpRequest,
    prover: Option<&DpopProver>,
    access_token: Option<&str>,
    client: Option<&ClientCredentials>,
    report: &mut super::GrantReport,
) -> Result<HttpResponse, super::GrantError> {
    if let Some(client) = client {
        renew_client_assertion(client, request);
    }
    let Some(prover) = prover else {
        return super::exchange::send(http, request, report).await;
    };
    report.endpoint = Some(request.url.clone());
    let sent = send(http, request, prover, access_token, client).await;
    let mut shown = request.redacted_json();
    let sent = sent?;
    if let Some(retry) = sent.nonce_retry {
        shown["dpop_nonce_retry"] = retry;
    }
    report.request = Some(shown);
    let response = sent.response;
    report.response = Some(json!({
        "status": response.status,
        "headers": crate::flow::report::pairs_json(&response.headers),
        "body": String::from_utf8_lossy(&response.body),
        "elapsed_ms": response.elapsed.as_millis() as u64,
    }));
    Ok(response)
}
