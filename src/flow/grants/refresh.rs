//! The refresh-token grant on cached tokens: what rotated, what changed, and a refreshed ID
//! token that must still be about the same user and pass the issuer's checklist. No
//! retries: a refused refresh token means signing in again.

use crate::cache::CachedTokens;
use crate::oauth::introspection::TokenKind;
use crate::oauth::refresh::refresh_token_request;
use crate::oauth::refreshed::{check_continuity, refresh_changes};
use crate::oauth::token_request::{callback_origin, set_origin};
use crate::oauth::token_response::parse_token_response;
use crate::oauth::vendor::auth0_note;

use super::super::report::tokens_json;
use super::super::resolve::Resolved;
use super::super::token_origin::retry_after;
use super::dpop::send_recorded;
use super::error::GrantError;
use super::exchange::{cached_token, client_credentials, http_client, GrantIo};
use super::id_token::{metadata_for, validate_refreshed};
use super::report::{GrantReport, GrantResult, Operation};

/// Refreshes the cached tokens at the profile's token endpoint. On success `result` says
/// what changed and `updated` holds the entry to cache.
pub async fn refresh(resolved: &Resolved, cached: &CachedTokens, io: &GrantIo<'_>) -> GrantReport {
    let mut report = GrantReport::new(Operation::Refresh, &resolved.profile.name);
    let outcome = refresh_inner(resolved, cached, io, &mut report).await;
    report.finish(outcome)
}

async fn refresh_inner(
    resolved: &Resolved,
    cached: &CachedTokens,
    io: &GrantIo<'_>,
    report: &mut GrantReport,
) -> Result<(), GrantError> {
    let profile = &resolved.profile;
    let refresh_token = cached_token(profile, cached, TokenKind::Refresh, true)?;
    let before = cached
        .tokens()
        .map_err(|e| GrantError::Internal(format!("the cached response is unusable: {e}")))?;
    let client = client_credentials(profile, io.env)?;
    let http = http_client(io.http, profile)?;
    let mut request = refresh_token_request(
        &profile.token_url,
        &client,
        &refresh_token,
        None,
        &profile.token_params,
    );
    // A SPA registration wants its refresh tokens redeemed cross-origin too (Entra).
    let origin = callback_origin(&profile.callback_url);
    let origin_sent = profile.token_origin.first_attempt();
    set_origin(&mut request, origin_sent.then_some(origin.as_str()));
    let dpop = super::dpop::prover(profile, io.env)?;
    let dpop = dpop.as_ref();
    let mut response =
        send_recorded(&http, &mut request, dpop, None, Some(&client), report).await?;
    if let Some(retry) = retry_after(profile.token_origin, origin_sent, &response, &origin) {
        set_origin(&mut request, retry.origin.as_deref());
        report.warnings.push(retry.warning());
        response = send_recorded(&http, &mut request, dpop, None, Some(&client), report).await?;
        if let Some(shown) = report.request.as_mut() {
            shown["origin_retry"] = retry.to_json();
        }
    }
    let after = parse_token_response(
        response.status,
        response.header("content-type"),
        &response.body,
    )?;
    let mut id_token_checked = false;
    if let (Some(original), Some(refreshed)) = (cached.id_token(), after.id_token.as_deref()) {
        check_continuity(original, refreshed)?;
        id_token_checked = true;
    }
    let now = (io.now)();
    report.warnings.extend(after.notes.iter().cloned());
    report
        .warnings
        .extend(auth0_refresh_note(resolved, &after.access_token));
    let mut tokens = tokens_json(&after, now);
    let mut validation = None;
    if after.id_token.is_some() {
        if let Some(metadata) = metadata_for(&http, resolved, &mut report.warnings).await {
            validation =
                validate_refreshed(&http, &metadata, profile.client_id.as_str(), &after, now).await;
        }
    }
    if let (Some(v), Some(serde_json::Value::Object(t))) = (&validation, tokens.get_mut("id_token"))
    {
        t.insert("validation".into(), serde_json::json!(v.checks));
        t.insert("verified".into(), serde_json::Value::Bool(v.verified));
    }
    if let Some(prover) = dpop {
        // A refreshed token must stay bound to the same key (RFC 9449 §5).
        let check = crate::oauth::dpop::token_type_check(&after.token_type);
        if check.result == crate::oauth::id_token::CheckResult::Fail {
            return Err(GrantError::DpopInvalid(vec![check]));
        }
        let check = crate::oauth::dpop::access_token_jkt_check(&after.access_token, prover.jkt());
        if check.result == crate::oauth::id_token::CheckResult::Fail {
            return Err(GrantError::DpopInvalid(vec![check]));
        }
    }
    let changes = refresh_changes(&before, cached.received_at, &after, now);
    let failed: Vec<_> = validation
        .as_ref()
        .map(|v| v.failed().cloned().collect())
        .unwrap_or_default();
    report.result = Some(GrantResult::Refreshed {
        changes,
        tokens,
        id_token_checked,
        id_token_validation: validation,
    });
    if !failed.is_empty() {
        return Err(GrantError::IdTokenInvalid(failed));
    }
    report.updated = Some(cached.refreshed(&after, now));
    Ok(())
}

/// The Auth0 trap after a refresh as after a run: no `audience` was sent, so the refreshed
/// access token is opaque or a JWE too.
fn auth0_refresh_note(resolved: &Resolved, access_token: &str) -> Option<String> {
    let profile = &resolved.profile;
    let mut urls = vec![profile.auth_url.as_str(), profile.token_url.as_str()];
    urls.extend(profile.issuer.as_deref());
    let audience_sent = profile
        .auth_params
        .iter()
        .chain(&profile.token_params)
        .any(|(k, _)| k == "audience");
    let metadata = resolved.metadata.as_ref().map(|m| &m.raw);
    auth0_note(&urls, metadata, audience_sent, access_token)
}
