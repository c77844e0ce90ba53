//! Redeeming the authorization code (RFC 6749 §4.1.3, RFC 7636 §4.5): the token request,
//! the IdP's known second-attempt cases, and the checks on what came back.

use crate::oauth::pkce::PkceVerifier;
use crate::oauth::secret::AuthorizationCode;
use crate::oauth::token_request::{
    authorization_code_request, callback_origin, renew_client_assertion, set_origin,
};
use crate::oauth::types::RedirectUri;

use super::accept::Accept;
use super::error::FlowError;
use super::grant_step::Step;
use super::report::FlowReport;
use super::run::FlowEvent;
use super::token_origin::retry_after;
use super::verify::PendingKeys;

/// What the front channel produced and the token request must match.
pub(super) struct Redeem<'a> {
    pub code: AuthorizationCode,
    pub redirect_uri: &'a RedirectUri,
    pub verifier: &'a PkceVerifier,
    /// The nonce sent (with `openid`).
    pub nonce: Option<String>,
    /// The `max_age` sent: the ID token's `auth_time` is then checked.
    pub max_age: Option<u64>,
    /// The issuer's keys, fetched while the person signed in.
    pub keys: PendingKeys,
}

pub(super) async fn redeem(
    step: &Step<'_>,
    r: Redeem<'_>,
    report: &mut FlowReport,
) -> Result<(), FlowError> {
    let profile = step.profile;
    let mut token_request = authorization_code_request(
        &profile.token_url,
        step.client,
        &r.code,
        r.redirect_uri,
        r.verifier,
        &profile.token_params,
    );
    let origin = callback_origin(r.redirect_uri);
    let origin_sent = profile.token_origin.first_attempt();
    set_origin(&mut token_request, origin_sent.then_some(origin.as_str()));
    report.token_request = Some(token_request.redacted_json());
    step.emit(FlowEvent::TokenRequestSent {
        url: token_request.url.clone(),
    });
    let mut response = send(step, &mut token_request, report).await?;
    // Entra names its SPA/Web registration in the refusal: once more the other way.
    if let Some(retry) = retry_after(profile.token_origin, origin_sent, &response, &origin) {
        set_origin(&mut token_request, retry.origin.as_deref());
        let warning = retry.warning();
        step.emit(FlowEvent::Warning(warning.clone()));
        report.warnings.push(warning);
        response = send(step, &mut token_request, report).await?;
        if let Some(shown) = report.token_request.as_mut() {
            shown["origin_retry"] = retry.to_json();
        }
    }
    super::accept::record_response(&response, step.events, report);
    let tokens = super::accept::parse(&response)?;
    let auth0 = super::run::auth0_note(profile, step.metadata, &tokens.access_token);
    let accept = Accept {
        nonce: r.nonce,
        code: Some(r.code.secret().to_owned()),
        max_age: r.max_age,
        ..step.accept()
    };
    super::accept::accept_tokens(accept, tokens, auth0.into_iter().collect(), r.keys, report)
        .await?;
    super::verify::check_dpop(step.dpop, report)
}

/// Sends a token request, with a DPoP proof (and the nonce retry) when the profile binds its
/// tokens; the request is recorded as last sent.
pub(super) async fn send(
    step: &Step<'_>,
    request: &mut crate::oauth::request::HttpRequest,
    report: &mut FlowReport,
) -> Result<crate::net::http::HttpResponse, FlowError> {
    renew_client_assertion(step.client, request);
    let Some(prover) = step.dpop else {
        report.token_request = Some(request.redacted_json());
        return Ok(step.http.execute(request).await?);
    };
    let sent = super::grants::dpop::send(step.http, request, prover, None, Some(step.client)).await;
    let mut shown = request.redacted_json();
    let sent = sent?;
    if let Some(retry) = sent.nonce_retry {
        shown["dpop_nonce_retry"] = retry;
    }
    report.token_request = Some(shown);
    Ok(sent.response)
}
