//! What the browser is sent to: the authorization request turned into a URL, and the
//! record of what was asked. One place, so that a pushed request (RFC 9126) or a signed
//! request object (RFC 9101) changes what travels through the browser and nothing else.

use serde_json::json;

use crate::oauth::authorize::AuthorizationRequest;

use super::error::FlowError;
use super::grant_step::Step;
use super::report::{pairs_json, FlowReport};

/// The URL to open for `request`, recorded in `report.authorization_request`.
pub(super) async fn authorization_url(
    _step: &Step<'_>,
    request: &AuthorizationRequest,
    report: &mut FlowReport,
) -> Result<String, FlowError> {
    let url = request.url();
    report.authorization_request =
        Some(json!({ "url": url, "params": pairs_json(&request.params()) }));
    Ok(url)
}
