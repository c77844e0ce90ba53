//! What every operation shares: the client's credentials, the HTTP client, and sending one
//! request while recording it.

use std::ffi::OsString;

use serde_json::json;

use crate::net::http::{HttpClient, HttpLimits, HttpResponse};
use crate::oauth::request::HttpRequest;
use crate::oauth::token_request::ClientCredentials;
use crate::profile::Profile;

use super::super::report::pairs_json;
use super::error::GrantError;
use super::report::GrantReport;

/// Everything an operation needs from outside, injected so that tests and the TUI supply it.
pub struct GrantIo<'a> {
    pub now: fn() -> i64,
    pub env: &'a (dyn Fn(&str) -> Option<OsString> + Sync),
    pub http: HttpLimits,
}

/// The profile's client, its secret read now.
pub(super) fn client_credentials(
    profile: &Profile,
    env: &(dyn Fn(&str) -> Option<OsString> + Sync),
) -> Result<ClientCredentials, GrantError> {
    profile
        .client_credentials(env, super::super::run::system_now)
        .map_err(GrantError::Secret)
}

/// The client for `profile`'s endpoints: its TLS and plain-http opt-outs apply to every
/// endpoint, discovered ones included.
pub(super) fn http_client(limits: HttpLimits, profile: &Profile) -> Result<HttpClient, GrantError> {
    let limits = limits
        .tls(profile.insecure_tls)
        .plain_http(profile.insecure_http);
    HttpClient::new(limits).map_err(|e| GrantError::Internal(e.to_string()))
}

/// Sends `request`, recording it (redacted) and the response (as received) in `report`.
pub(super) async fn send(
    http: &HttpClient,
    request: &HttpRequest,
    report: &mut GrantReport,
) -> Result<HttpResponse, GrantError> {
    report.endpoint = Some(request.url.clone());
    report.request = Some(request.redacted_json());
    let response = http.execute(request).await?;
    report.response = Some(json!({
        "status": response.status,
        "headers": pairs_json(&response.headers),
        "body": String::from_utf8_lossy(&response.body),
        "elapsed_ms": response.elapsed.as_millis() as u64,
    }));
    Ok(response)
}

/// The cached `kind` token: only a live one to use it (`use_it`), or also a revoked one, which
/// introspection and revocation may still name.
pub(super) fn cached_token(
    profile: &crate::profile::Profile,
    cached: &crate::cache::CachedTokens,
    kind: crate::oauth::introspection::TokenKind,
    use_it: bool,
) -> Result<crate::oauth::secret::TokenValue, GrantError> {
    let token = if use_it {
        cached.token(kind)
    } else {
        cached.stored(kind)
    };
    token.ok_or_else(|| GrantError::MissingToken {
        profile: profile.name.clone(),
        kind,
        revoked: use_it && cached.stored(kind).is_some(),
    })
}
