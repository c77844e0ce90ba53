//! Signing out (OpenID Connect RP-Initiated Logout 1.0): the browser goes to the issuer's
//! `end_session_endpoint` with the cached ID token as `id_token_hint` and comes back to a
//! loopback `post_logout_redirect_uri` with `state`; then the refresh token is revoked where
//! the issuer can revoke, and the profile's cached tokens are deleted. Shared by the CLI and
//! the TUI; each step is recorded in a [`LogoutReport`].

use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::cache::{CachedTokens, TokenCache};
use crate::net::callback_server::{CallbackServer, RequestKind, ServerEvent};
use crate::net::http::HttpLimits;
use crate::oauth::callback::{CallbackError, CallbackExpectation, CallbackParams};
use crate::oauth::introspection::TokenKind;
use crate::oauth::logout::{logout_answer, LogoutAnswer, LogoutRequest};
use crate::oauth::random::Entropy;
use crate::oauth::random_token;
use crate::oauth::types::EndpointUrl;

use super::error::{Endpoint, FlowError};
use super::grants::{load_cached, revoke, GrantIo};
use super::report::pairs_json;
use super::resolve::Resolved;
use super::run::{launch_browser, BrowserMode, FlowEvent};

#[derive(Debug, Clone)]
pub struct LogoutOptions {
    /// How long to wait for the browser to come back.
    pub timeout: Duration,
    pub browser: BrowserMode,
    pub http: HttpLimits,
}

/// What logging out needs from outside.
pub struct LogoutIo<'a> {
    pub entropy: &'a mut (dyn Entropy + Send),
    pub now: fn() -> i64,
    pub env: &'a (dyn Fn(&str) -> Option<std::ffi::OsString> + Sync),
    /// Progress: `Listening`, `AuthorizationUrl` (here the end-session URL), `Browser`,
    /// `Stray`, `Warning`.
    pub events: mpsc::UnboundedSender<FlowEvent>,
    /// The token cache holding the ID token hint and the refresh token; cleared at the end.
    pub cache: Option<&'a TokenCache>,
    /// Tokens known otherwise (the TUI's last run), used instead of the cached ones.
    pub tokens: Option<CachedTokens>,
}

/// Every step, for `--json`, the summary and the TUI.
#[derive(Debug, Default)]
pub struct LogoutReport {
    pub profile: String,
    /// None: the issuer advertises none and the profile sets no `end_session_url`.
    pub end_session_endpoint: Option<String>,
    /// `{"step", "result", "detail", …}` in the order they ran.
    pub steps: Vec<Value>,
    pub warnings: Vec<String>,
    /// Why the IdP did not confirm the logout (refused, timeout, only forged redirects).
    pub error: Option<FlowError>,
}

impl LogoutReport {
    pub fn exit_code(&self) -> i32 {
        self.error.as_ref().map_or(0, FlowError::exit_code)
    }

    pub fn to_json(&self) -> Value {
        json!({
            "profile": self.profile,
            "end_session_endpoint": self.end_session_endpoint,
            "steps": self.steps,
            "warnings": self.warnings,
            "error": self.error.as_ref().map(FlowError::to_json),
            "exit_code": self.exit_code(),
        })
    }

    fn step(&mut self, step: &str, result: &str, detail: String, extra: Value) {
        let mut v = json!({ "step": step, "result": result, "detail": detail });
        if let (Value::Object(v), Value::Object(extra)) = (&mut v, extra) {
            v.extend(extra);
        }
        self.steps.push(v);
    }
}

/// Logs the profile out: end session (when there is an endpoint), revoke, clear the cache.
pub async fn logout(
    resolved: &Resolved,
    options: &LogoutOptions,
    mut io: LogoutIo<'_>,
) -> LogoutReport {
    let profile = &resolved.profile;
    let mut report = LogoutReport {
        profile: profile.name.clone(),
        warnings: resolved.warnings.clone(),
        ..LogoutReport::default()
    };
    let cached = match io.tokens.take() {
        Some(tokens) => Some(tokens),
        None => io
            .cache
            .and_then(|c| load_cached(c, profile, &mut report.warnings)),
    };
    match end_session_endpoint(resolved) {
        Ok(Some(endpoint)) => {
            report.end_session_endpoint = Some(endpoint.as_str().to_owned());
            if let Err(e) = end_session(resolved, endpoint, cached.as_ref(), options, &mut io, &mut report).await {
                report.error = Some(e);
            }
        }
        Ok(None) => report.step(
            "end_session",
            "skipped",
            "the issuer advertises no end_session_endpoint and the profile sets no end_session_url: the IdP's session stays; only revoking and clearing the cache".to_owned(),
            json!({}),
        ),
        Err(why) => report.step("end_session", "failed", why, json!({})),
    }
    let grant_io = GrantIo {
        now: io.now,
        env: io.env,
        http: options.http,
    };
    revoke_refresh(resolved, cached.as_ref(), &grant_io, &mut report).await;
    clear_cache(io.cache, &profile.name, &mut report);
    report
}

/// The profile's `end_session_url`, else the metadata's `end_session_endpoint`.
fn end_session_endpoint(resolved: &Resolved) -> Result<Option<EndpointUrl>, String> {
    if let Some(url) = resolved.profile.by_hand("end_session_endpoint") {
        return Ok(Some(url.clone()));
    }
    let Some(url) = resolved
        .metadata
        .as_ref()
        .and_then(|m| m.end_session_endpoint.as_deref())
    else {
        return Ok(None);
    };
    EndpointUrl::parse(url)
        .map(Some)
        .map_err(|e| format!("the issuer's end_session_endpoint is not usable: {e}"))
}

async fn end_session(
    resolved: &Resolved,
    endpoint: EndpointUrl,
    cached: Option<&CachedTokens>,
    options: &LogoutOptions,
    io: &mut LogoutIo<'_>,
    report: &mut LogoutReport,
) -> Result<(), FlowError> {
    let profile = &resolved.profile;
    let back = profile
        .post_logout_redirect_url
        .clone()
        .unwrap_or_else(|| profile.callback_url.clone());
    if !back.is_loopback() {
        return Err(FlowError::InvalidInput(format!(
            "post_logout_redirect_url {} is not a loopback address, so tokenbench cannot see the IdP send the browser back",
            back.as_str()
        )));
    }
    let state = random_token(io.entropy);
    let expect = CallbackExpectation {
        state: state.clone(),
        issuer: None,
        iss_required: false,
    };
    let mut server = CallbackServer::bind_logout(&back, expect).await?;
    let _ = io.events.send(FlowEvent::Listening {
        addrs: server.local_addrs().to_vec(),
        redirect_uri: server.redirect_uri().as_str().to_owned(),
    });
    let request = LogoutRequest {
        end_session: endpoint,
        id_token_hint: cached.and_then(|c| c.id_token()).map(str::to_owned),
        client_id: profile.client_id.clone(),
        post_logout_redirect_uri: server.redirect_uri().clone(),
        state: state.clone(),
    };
    if request.id_token_hint.is_none() {
        report.warnings.push("no cached ID token: the logout request carries no id_token_hint, so the IdP may ask which session to end".to_owned());
    }
    let shown = json!({
        "url": request.redacted_url(),
        "params": pairs_json(&request.redacted_params()),
    });
    let url = request.url();
    let _ = io.events.send(FlowEvent::AuthorizationUrl(url.clone()));
    launch_browser(&options.browser, &url, None, &io.events);
    let waited = wait_back(&mut server, &state, options.timeout, &io.events).await;
    server.close().await;
    let (params, answer, forged) = match waited {
        (Some((params, answer)), forged) => (params, answer, forged),
        (None, forged) => {
            let (result, error) = if forged > 0 {
                (
                    "forged",
                    FlowError::CallbackInvalid(CallbackError::NoneMatched {
                        count: forged,
                        secs: options.timeout.as_secs(),
                    }),
                )
            } else {
                ("timeout", FlowError::Timeout {
                    secs: options.timeout.as_secs(),
                    redirect_uri: request.post_logout_redirect_uri.as_str().to_owned(),
                    cause: Some(format!(
                        "the IdP did not send the browser back to {}: is it registered as a post_logout_redirect_uri of this client?",
                        request.post_logout_redirect_uri.as_str()
                    )),
                })
            };
            report.step(
                "end_session",
                result,
                error.to_string(),
                json!({ "request": shown, "refused_redirects": forged }),
            );
            return Err(error);
        }
    };
    let redirect = pairs_json(&params.0);
    match answer {
        LogoutAnswer::LoggedOut => {
            report.step(
                "end_session",
                "logged_out",
                "the IdP ended its session and sent the browser back with this request's state"
                    .to_owned(),
                json!({ "request": shown, "redirect": redirect, "refused_redirects": forged }),
            );
            Ok(())
        }
        LogoutAnswer::Refused(error) => {
            let error = FlowError::OAuth {
                endpoint: Endpoint::Authorization,
                status: None,
                error,
            };
            report.step(
                "end_session",
                "refused",
                error.to_string(),
                json!({ "request": shown, "redirect": redirect, "refused_redirects": forged }),
            );
            Err(error)
        }
    }
}

/// Waits for the redirect back with this `state`: (its parameters and what they say, how
/// many redirects with another state were refused); None on timeout.
async fn wait_back(
    server: &mut CallbackServer,
    state: &str,
    timeout: Duration,
    events: &mpsc::UnboundedSender<FlowEvent>,
) -> (Option<(CallbackParams, LogoutAnswer)>, usize) {
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    let mut forged = 0;
    loop {
        let event = tokio::select! {
            _ = &mut deadline => return (None, forged),
            e = server.next_event() => e,
        };
        match event {
            Some(ServerEvent::Callback { params, .. }) => match logout_answer(&params, state) {
                Some(answer) => return (Some((params, answer)), forged),
                // The server passes on only this state; counted should that ever change.
                None => forged += 1,
            },
            Some(ServerEvent::Stray(record)) => {
                if record.kind == RequestKind::ForgedCallback {
                    forged += 1;
                }
                let _ = events.send(FlowEvent::Stray(record));
            }
            None => return (None, forged),
        }
    }
}

/// Revokes the cached refresh token (RFC 7009) when there is one and somewhere to revoke it.
async fn revoke_refresh(
    resolved: &Resolved,
    cached: Option<&CachedTokens>,
    grant_io: &GrantIo<'_>,
    report: &mut LogoutReport,
) {
    let Some(cached) = cached.filter(|c| c.stored(TokenKind::Refresh).is_some()) else {
        report.step(
            "revoke",
            "skipped",
            "no cached refresh token".to_owned(),
            json!({}),
        );
        return;
    };
    let endpoint = resolved
        .profile
        .by_hand("revocation_endpoint")
        .map(|u| u.as_str().to_owned())
        .or_else(|| {
            resolved
                .metadata
                .as_ref()
                .and_then(|m| m.revocation_endpoint.clone())
        });
    if endpoint.is_none() {
        report.step(
            "revoke",
            "skipped",
            "the issuer advertises no revocation_endpoint and the profile sets no revocation_url: the refresh token stays valid at the IdP until it expires".to_owned(),
            json!({}),
        );
        return;
    }
    let revoked = revoke(resolved, cached, TokenKind::Refresh, grant_io).await;
    match &revoked.error {
        None => report.step(
            "revoke",
            "revoked",
            "the refresh token was revoked (RFC 7009)".to_owned(),
            json!({ "endpoint": revoked.endpoint }),
        ),
        Some(e) => {
            let why = format!("the refresh token could not be revoked: {e}");
            report.warnings.push(why.clone());
            report.step(
                "revoke",
                "failed",
                why,
                json!({ "endpoint": revoked.endpoint }),
            );
        }
    }
}

/// Deletes the profile's cache file.
fn clear_cache(cache: Option<&TokenCache>, profile: &str, report: &mut LogoutReport) {
    let Some(cache) = cache else {
        report.step(
            "clear_cache",
            "skipped",
            "no token cache".to_owned(),
            json!({}),
        );
        return;
    };
    let file = cache.path_for(profile);
    let shown = json!({ "file": file.display().to_string() });
    if !file.exists() {
        report.step(
            "clear_cache",
            "nothing_cached",
            "no cached tokens".to_owned(),
            shown,
        );
        return;
    }
    match cache.remove(profile) {
        Ok(()) => report.step(
            "clear_cache",
            "cleared",
            "the cached tokens were deleted".to_owned(),
            shown,
        ),
        Err(e) => {
            let why = format!("the cached tokens could not be deleted: {e}");
            report.warnings.push(why.clone());
            report.step("clear_cache", "failed", why, shown);
        }
    }
}
