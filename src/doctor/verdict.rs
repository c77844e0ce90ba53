//! The probe's verdict as a finding: what the IdP did, the evidence, and the fix.

use crate::oauth::types::RedirectUri;
use crate::profile::Profile;

use super::classify::Reason;
use super::hints;
use super::probe::ProbeResult;
use super::report::{Finding, Verdict};
use super::signatures::Problem;

pub(super) fn verdict_finding(
    profile: &Profile,
    uri: &RedirectUri,
    result: &ProbeResult,
) -> Finding {
    let c = &result.classification;
    let trace = &result.trace;
    let evidence = trace.evidence();
    let uri = uri.as_str();
    let client = profile.client_id.as_str();
    let where_ = trace
        .idp
        .map(|i| format!(" ({})", i.where_registered()))
        .unwrap_or_default();
    let said = c
        .idp_message
        .as_deref()
        .map(|m| format!(": “{m}”"))
        .unwrap_or_default();
    if let Some(e) = &result.unreachable {
        return Finding::error("probe.unreachable", format!("the authorization endpoint could not be reached: {e}"), evidence)
            .with_fix("check auth_url, the network and any proxy (HTTPS_PROXY), and the IdP's TLS certificate");
    }
    match c.verdict {
        Verdict::Accepted => {
            let mut f = Finding::info(
                "probe.verdict",
                format!(
                    "the IdP accepts redirect_uri {uri}: it {}",
                    c.reason.describe()
                ),
                evidence,
            );
            if let Some(e) = &c.oauth_error {
                f.message
                    .push_str(&format!(" ({e}: the request itself is valid)"));
            }
            if let Some(p) = &trace.sign_in_first {
                f.message.push_str(&format!(" — asked with prompt=none, because its sign-in page (the request carried in `{p}=`) came before any redirect-URI check"));
            }
            f
        }
        Verdict::Rejected => {
            let fix = match (&c.reason, https_required_fix(c, uri)) {
                (_, Some(https)) => https,
                (Reason::ResponseElsewhere { location }, None) => format!(
                    "the IdP uses {location} for this client: set callback_url to it, or register {uri} for client {client:?}{where_}"
                ),
                _ => format!(
                    "register {uri} exactly (scheme, host, port, path, trailing slash) for client {client:?}{where_}, or set callback_url to a redirect URI already registered (`--variants` finds near ones)"
                ),
            };
            Finding::error(
                "probe.verdict",
                format!("the IdP rejects redirect_uri {uri}{said}"),
                evidence,
            )
            .with_fix(fix)
        }
        Verdict::Error => {
            let what = match &c.oauth_error {
                Some(e) => format!(": {e}"),
                None => said,
            };
            // At the authorization endpoint, invalid_client means an unknown client_id, not
            // bad credentials: the problem's own hint comes first.
            let hint = c
                .problem
                .and_then(problem_hint)
                .or_else(|| c.oauth_error.as_ref().and_then(hints::oauth_hint));
            let f = Finding::error(
                "probe.verdict",
                format!("the IdP refuses the authorization request for a reason other than the redirect URI{what}"),
                evidence,
            );
            match hint {
                Some(h) => f.with_fix(h),
                None => f,
            }
        }
        Verdict::Unknown => {
            let mut f = Finding::warning(
                "probe.verdict",
                format!("tokenbench cannot tell whether the IdP accepts redirect_uri {uri}: it {}{said}", c.reason.describe()),
                evidence,
            )
            .with_fix(match c.reason {
                Reason::SignInFirst { .. } => format!("open the authorization URL in a browser, sign in, and read what the IdP shows then (a sign-in page proves nothing about the redirect URI here): {}", trace.authorization_url),
                _ => format!("open the authorization URL in a browser and read what the IdP shows: {}", trace.authorization_url),
            });
            if matches!(c.reason, Reason::ForeignRedirect { .. }) {
                f.message.push_str(" — IdPs usually check the redirect URI before sending the browser on, so it was probably accepted");
            }
            f
        }
    }
}

/// When the IdP's words say its redirect URIs must be https and this one is http.
fn https_required_fix(c: &super::classify::Classification, uri: &str) -> Option<String> {
    let said = [
        c.idp_message.as_deref(),
        c.oauth_error
            .as_ref()
            .and_then(|e| e.error_description.as_deref()),
    ];
    said.into_iter()
        .flatten()
        .any(super::https_required::says_https_required)
        .then(|| super::https_required::fix(uri))
        .flatten()
}

fn problem_hint(problem: Problem) -> Option<&'static str> {
    match problem {
        Problem::Client => Some("the IdP does not know this client_id (or it is disabled): check client_id and the realm/tenant in auth_url"),
        Problem::Scope => Some("a requested scope is unknown or not allowed for this client: compare `scope` with the client's allowed scopes"),
        Problem::Pkce => Some("the IdP rejected the PKCE parameters: check code_challenge_method (most IdPs accept only S256)"),
        Problem::RedirectUri | Problem::Other => None,
    }
}
