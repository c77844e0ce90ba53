//! The device authorization grant step (RFC 8628): ask for a user code, show it, then poll
//! the token endpoint until the person has approved, refused, or the code expired. The
//! waiting goes through a [`PollClock`] so tests poll without waiting real seconds.

use std::time::Duration;

use futures::future::BoxFuture;
use serde_json::{json, Value};

use crate::oauth::device::{
    classify_poll, device_authorization_request, device_token_request, parse_device_authorization,
    DeviceAuthorization, PollAnswer, MAX_INTERVAL_SECS, SLOW_DOWN_STEP_SECS,
};
use crate::oauth::token_response::parse_token_response;
use crate::oauth::types::EndpointUrl;

use super::accept::{accept_tokens, record_response};
use super::error::{Endpoint, FlowError};
use super::grant_step::Step;
use super::report::FlowReport;
use super::run::FlowEvent;
use super::verify::prefetch_keys;

/// The wait between polls.
pub trait PollClock: Send + Sync {
    fn sleep(&self, duration: Duration) -> BoxFuture<'_, ()>;
}

/// Real waiting.
pub struct TokioClock;

impl PollClock for TokioClock {
    fn sleep(&self, duration: Duration) -> BoxFuture<'_, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// What the person is asked to do, as shown by the CLI and the TUI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePrompt {
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: u64,
    pub interval: u64,
}

impl From<&DeviceAuthorization> for DevicePrompt {
    fn from(d: &DeviceAuthorization) -> Self {
        DevicePrompt {
            user_code: d.user_code.clone(),
            verification_uri: d.verification_uri.clone(),
            verification_uri_complete: d.verification_uri_complete.clone(),
            expires_in: d.expires_in,
            interval: d.interval,
        }
    }
}

/// What the person reads: the code, where to enter it, and the QR code of the URI that
/// carries the code. Everything from the IdP is escaped.
pub fn prompt_lines(prompt: &DevicePrompt) -> Vec<String> {
    use crate::oauth::text::sanitize;
    let mut lines = vec![
        format!(
            "• on another device, open {} and enter the code {}",
            sanitize(&prompt.verification_uri),
            sanitize(&prompt.user_code)
        ),
        format!(
            "  the code expires in {} s; polling every {} s",
            prompt.expires_in, prompt.interval
        ),
    ];
    if let Some(complete) = &prompt.verification_uri_complete {
        lines.push(format!(
            "  or scan this code, which opens {}",
            sanitize(complete)
        ));
        lines.extend(super::qr::qr_lines(complete).unwrap_or_default());
    }
    lines
}

/// The device authorization endpoint: set by hand, else discovered.
fn endpoint(step: &Step<'_>) -> Result<EndpointUrl, FlowError> {
    if let Some(url) = step.profile.by_hand("device_authorization_endpoint") {
        return Ok(url.clone());
    }
    let discovered = step
        .metadata
        .and_then(|m| m.device_authorization_endpoint.as_deref());
    match discovered {
        Some(url) => EndpointUrl::parse(url).map_err(|e| {
            FlowError::InvalidInput(format!("the discovered device_authorization_endpoint: {e}"))
        }),
        None => Err(FlowError::InvalidInput(
            "grant_type is device_code, but the profile has no device_authorization_url and the issuer's discovery document names no device_authorization_endpoint".to_owned(),
        )),
    }
}

pub async fn run(
    step: Step<'_>,
    clock: &dyn PollClock,
    report: &mut FlowReport,
) -> Result<(), FlowError> {
    let url = endpoint(&step)?;
    let request = device_authorization_request(
        &url,
        step.client,
        &step.profile.scope,
        &step.profile.auth_params,
    );
    report.device_authorization = Some(json!({ "request": request.redacted_json() }));
    let response = step.http.execute(&request).await?;
    let device = parse_device_authorization(
        response.status,
        response.header("content-type"),
        &response.body,
    )
    .map_err(|e| FlowError::from_endpoint(Endpoint::DeviceAuthorization, e))?;
    if let Some(Value::Object(d)) = report.device_authorization.as_mut() {
        d.insert("response".into(), device.shown_json());
        d.insert("polls".into(), json!(0));
    }
    step.emit(FlowEvent::DeviceAuthorization(DevicePrompt::from(&device)));
    let keys = prefetch_keys(step.http, step.metadata, step.openid(), step.fetch_limit);
    let tokens = poll(&step, &device, clock, report).await?;
    accept_tokens(step.accept(), tokens, Vec::new(), keys, report).await?;
    super::verify::check_dpop(step.dpop, report)
}

/// Polls until the tokens come or the run must end (§3.5).
async fn poll(
    step: &Step<'_>,
    device: &DeviceAuthorization,
    clock: &dyn PollClock,
    report: &mut FlowReport,
) -> Result<crate::oauth::token_response::TokenResponse, FlowError> {
    let mut interval = device.interval;
    let mut waited = 0u64;
    let mut polls = 0u64;
    let mut request = device_token_request(
        &step.profile.token_url,
        step.client,
        &device.device_code,
        &step.profile.token_params,
    );
    report.token_request = Some(request.redacted_json());
    step.emit(FlowEvent::TokenRequestSent {
        url: request.url.clone(),
    });
    loop {
        // Counted in the waits asked for: the IdP's `expired_token` is the authority, this
        // only ends a run whose IdP never says so.
        if waited >= device.expires_in {
            return Err(FlowError::DeviceExpired(format!(
                "the user code was not approved within its {} s (expires_in); start again",
                device.expires_in
            )));
        }
        clock.sleep(Duration::from_secs(interval)).await;
        waited += interval;
        polls += 1;
        if let Some(Value::Object(d)) = report.device_authorization.as_mut() {
            d.insert("polls".into(), json!(polls));
        }
        // Each poll is a new request: a fresh DPoP proof (a `jti` is never reused).
        let response = super::code_exchange::send(step, &mut request, report).await?;
        let parsed = parse_token_response(
            response.status,
            response.header("content-type"),
            &response.body,
        );
        match classify_poll(parsed) {
            PollAnswer::Pending => step.emit(FlowEvent::DevicePending { polls, interval }),
            PollAnswer::SlowDown => {
                interval = (interval + SLOW_DOWN_STEP_SECS).min(MAX_INTERVAL_SECS);
                step.emit(FlowEvent::DeviceSlowDown { polls, interval });
            }
            PollAnswer::Tokens(tokens) => {
                record_response(&response, step.events, report);
                return Ok(tokens);
            }
            PollAnswer::Denied(error) => {
                record_response(&response, step.events, report);
                return Err(FlowError::OAuth {
                    endpoint: Endpoint::Token,
                    status: Some(response.status),
                    error,
                });
            }
            PollAnswer::Expired(error) => {
                record_response(&response, step.events, report);
                return Err(FlowError::DeviceExpired(format!(
                    "the IdP says the device code expired ({error}); start again"
                )));
            }
            PollAnswer::Failed(e) => {
                record_response(&response, step.events, report);
                return Err(e.into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hostile IdP's user code and URI cannot move the cursor or retitle the terminal.
    #[test]
    fn prompt_lines_escape_what_the_idp_sent() {
        let prompt = DevicePrompt {
            user_code: "AB\u{1b}]0;owned\u{7}CD".into(),
            verification_uri: "https://idp.example/device\u{1b}[2J".into(),
            verification_uri_complete: Some("https://idp.example/d?c=\u{9b}1".into()),
            expires_in: 60,
            interval: 5,
        };
        let lines = prompt_lines(&prompt);
        assert!(lines
            .iter()
            .all(|l| !l.chars().any(|c| c.is_control() && c != ' ')));
        assert!(lines[0].contains("AB\\u{1b}]0;owned"), "{}", lines[0]);
        // The QR code encodes the URI as sent; it is drawn, not printed.
        assert!(lines.len() > 10);
    }
}
