//! What every grant does with the token endpoint's answer: record it, parse it, check the
//! tokens against the issuer and keep them for the cache. Shared so that a token from the
//! device or client credentials grant is treated exactly like one from the code flow.

use serde_json::json;
use tokio::sync::mpsc;

use crate::net::http::{HttpClient, HttpResponse};
use crate::oauth::metadata::Metadata;
use crate::oauth::token_response::{parse_token_response, TokenResponse};
use crate::profile::Profile;

use super::error::FlowError;
use super::report::{pairs_json, tokens_json, FlowReport, Received};
use super::run::FlowEvent;
use super::verify::{verify_into_report, PendingKeys, RunExpectation};

/// What the tokens are checked against.
pub struct Accept<'a> {
    pub profile: &'a Profile,
    pub metadata: Option<&'a Metadata>,
    pub http: &'a HttpClient,
    pub events: &'a mpsc::UnboundedSender<FlowEvent>,
    pub now: fn() -> i64,
    /// The nonce sent (code flow with `openid`); None: the nonce check is skipped.
    pub nonce: Option<String>,
    /// The authorization code redeemed (for `c_hash`); None for the other grants.
    pub code: Option<String>,
    /// The `max_age` sent (code flow): the ID token's `auth_time` is then checked.
    pub max_age: Option<u64>,
}

/// Records the token response in the report and announces it.
pub fn record_response(
    response: &HttpResponse,
    events: &mpsc::UnboundedSender<FlowEvent>,
    report: &mut FlowReport,
) {
    let _ = events.send(FlowEvent::TokenResponse {
        status: response.status,
        elapsed_ms: response.elapsed.as_millis(),
    });
    report.token_response = Some(json!({
        "status": response.status,
        "headers": pairs_json(&response.headers),
        "body": String::from_utf8_lossy(&response.body),
        "elapsed_ms": response.elapsed.as_millis() as u64,
    }));
}

/// Parses an already recorded response.
pub fn parse(response: &HttpResponse) -> Result<TokenResponse, FlowError> {
    Ok(parse_token_response(
        response.status,
        response.header("content-type"),
        &response.body,
    )?)
}

/// Checks and keeps parsed tokens. `notes` are extra warnings about them (Auth0's trap).
pub async fn accept_tokens(
    a: Accept<'_>,
    tokens: TokenResponse,
    notes: Vec<String>,
    keys: PendingKeys,
    report: &mut FlowReport,
) -> Result<(), FlowError> {
    let now = (a.now)();
    report.tokens = Some(tokens_json(&tokens, now));
    for note in tokens.notes.iter().chain(notes.iter()) {
        let _ = a.events.send(FlowEvent::Warning(note.clone()));
        report.warnings.push(note.clone());
    }
    if let Some(metadata) = a.metadata {
        let mut keys = keys.wait().await;
        let expect = RunExpectation {
            metadata,
            client_id: a.profile.client_id.as_str(),
            nonce: a.nonce,
            code: a.code,
            now,
            max_age: a.max_age,
        };
        verify_into_report(&tokens, expect, keys.as_mut(), a.http, report).await?;
    }
    // Kept only for tokens that passed validation: these may be cached.
    report.received = Some(Received {
        response: tokens,
        at: now,
    });
    Ok(())
}
