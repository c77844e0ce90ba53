//! The client credentials grant step (RFC 6749 §4.4): one token request, no browser; the
//! tokens then go through the same checks and report as the code flow's.

use crate::oauth::client_credentials::client_credentials_request;

use super::accept::{accept_tokens, parse, record_response};
use super::error::FlowError;
use super::grant_step::Step;
use super::report::FlowReport;
use super::run::FlowEvent;
use super::verify::prefetch_keys;

pub async fn run(step: Step<'_>, report: &mut FlowReport) -> Result<(), FlowError> {
    let keys = prefetch_keys(step.http, step.metadata, step.openid(), step.fetch_limit);
    let request = client_credentials_request(
        &step.profile.token_url,
        step.client,
        &step.profile.scope,
        &step.profile.token_params,
    );
    let mut request = request;
    report.token_request = Some(request.redacted_json());
    step.emit(FlowEvent::TokenRequestSent {
        url: request.url.clone(),
    });
    let response = super::code_exchange::send(&step, &mut request, report).await?;
    record_response(&response, step.events, report);
    let tokens = parse(&response)?;
    accept_tokens(step.accept(), tokens, Vec::new(), keys, report).await?;
    super::verify::check_dpop(step.dpop, report)
}
