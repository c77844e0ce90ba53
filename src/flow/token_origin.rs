//! Entra's redirect URI platforms at the token endpoint: a Single-Page Application
//! registration redeems codes and refresh tokens only from a cross-origin request (an
//! `Origin` header), a Web or desktop one refuses such a request. With `token_origin =
//! "auto"` the first refusal that names the platform earns one retry the other way.

use serde_json::{json, Value};

use crate::net::http::HttpResponse;
use crate::oauth::token_request::{OriginRefusal, TokenOrigin};
use crate::oauth::token_response::{parse_token_response, TokenResponseError};

/// A refused attempt that was retried the other way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginRetry {
    pub refusal: OriginRefusal,
    pub first_status: u16,
    /// The IdP's error_description, as received (escaped where shown).
    pub first_description: String,
    /// The Origin header of the retry, if it carries one.
    pub origin: Option<String>,
}

/// The retry to make after `response`, when the policy allows one and the IdP's answer
/// names the platform the other way than this attempt went.
pub fn retry_after(
    policy: TokenOrigin,
    origin_sent: bool,
    response: &HttpResponse,
    origin: &str,
) -> Option<OriginRetry> {
    if policy != TokenOrigin::Auto {
        return None;
    }
    let Err(TokenResponseError::OAuth { status, error }) = parse_token_response(
        response.status,
        response.header("content-type"),
        &response.body,
    ) else {
        return None;
    };
    let description = error.error_description?;
    let refusal = OriginRefusal::of(&description)?;
    // Already sent the way the answer asks for: a retry would be refused the same way.
    if refusal.retry_with_origin() == origin_sent {
        return None;
    }
    Some(OriginRetry {
        refusal,
        first_status: status,
        first_description: description,
        origin: refusal.retry_with_origin().then(|| origin.to_owned()),
    })
}

impl OriginRetry {
    /// The note in the JSON report (`token_request.origin_retry` or the grant's request).
    pub fn to_json(&self) -> Value {
        json!({
            "retried_with_origin": self.origin.is_some(),
            "origin": self.origin,
            "registration": self.refusal.platform(),
            "first_attempt": {
                "status": self.first_status,
                "error_description": crate::oauth::text::sanitize(&self.first_description),
            },
        })
    }

    /// The warning a run shows.
    pub fn warning(&self) -> String {
        let (how, setting) = match &self.origin {
            Some(o) => (
                format!("retried once with Origin: {o}"),
                "token_origin = \"always\"",
            ),
            None => (
                "retried once without an Origin header".to_owned(),
                "token_origin = \"never\"",
            ),
        };
        format!(
            "the token endpoint refused the first attempt: the redirect URI is registered as {} (Entra); {how}. Set {setting} to skip the refused attempt",
            self.refusal.platform()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
            elapsed: Duration::ZERO,
        }
    }

    /// Entra's answer for a SPA registration (its shape as captured in
    /// vippsas/vipps-ecom-api#246, with the AADSTS9002327 text of
    /// AzureAD/microsoft-authentication-library-for-js#2482).
    const SPA: &str = r#"{"error":"invalid_request","error_description":"AADSTS9002327: Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.\r\nTrace ID: 1\r\nCorrelation ID: 2\r\nTimestamp: 2026-12-01 10:00:00Z","error_codes":[9002327]}"#;
    const WEB: &str = r#"{"error":"invalid_request","error_description":"AADSTS9002326: Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type.\r\nTrace ID: 1","error_codes":[9002326]}"#;

    #[test]
    fn auto_retries_once_the_way_the_answer_names() {
        let o = "http://127.0.0.1:8765";
        let r = retry_after(TokenOrigin::Auto, false, &response(400, SPA), o).unwrap();
        assert_eq!(r.origin.as_deref(), Some(o));
        assert_eq!(r.to_json()["retried_with_origin"], true);
        assert!(
            r.warning().contains("Single-Page Application"),
            "{}",
            r.warning()
        );
        let r = retry_after(TokenOrigin::Auto, true, &response(400, WEB), o).unwrap();
        assert_eq!(r.origin, None);
        // Sent the asked-for way already, or the policy is fixed: no retry.
        assert_eq!(
            retry_after(TokenOrigin::Auto, true, &response(400, SPA), o),
            None
        );
        assert_eq!(
            retry_after(TokenOrigin::Never, false, &response(400, SPA), o),
            None
        );
        assert_eq!(
            retry_after(
                TokenOrigin::Auto,
                false,
                &response(400, r#"{"error":"invalid_grant"}"#),
                o
            ),
            None
        );
    }
}
