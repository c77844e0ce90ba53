//! RFC 7662 introspection of a cached token, revoked ones included (that is how a
//! revocation is seen to have worked).

use crate::cache::CachedTokens;
use crate::oauth::introspection::{introspection_request, parse_introspection, TokenKind};

use super::super::resolve::Resolved;
use super::endpoints::{discovered, Discovered};
use super::error::GrantError;
use super::exchange::{cached_token, client_credentials, http_client, send, GrantIo};
use super::report::{GrantReport, GrantResult, Operation};

/// Asks the issuer's introspection endpoint whether the cached `kind` token is active.
pub async fn introspect(
    resolved: &Resolved,
    cached: &CachedTokens,
    kind: TokenKind,
    io: &GrantIo<'_>,
) -> GrantReport {
    let mut report = GrantReport::new(Operation::Introspect, &resolved.profile.name);
    let outcome = introspect_inner(resolved, cached, kind, io, &mut report).await;
    report.finish(outcome)
}

async fn introspect_inner(
    resolved: &Resolved,
    cached: &CachedTokens,
    kind: TokenKind,
    io: &GrantIo<'_>,
    report: &mut GrantReport,
) -> Result<(), GrantError> {
    let profile = &resolved.profile;
    let token = cached_token(profile, cached, kind, false)?;
    let client = client_credentials(profile, io.env)?;
    let http = http_client(io.http, profile)?;
    let endpoint = discovered(&http, resolved, Discovered::Introspection).await?;
    let request = introspection_request(&endpoint, &client, &token, kind);
    let response = send(&http, &request, report).await?;
    let introspection = parse_introspection(
        response.status,
        response.header("content-type"),
        &response.body,
    )?;
    if introspection.active && cached.revoked.contains(&kind) {
        report.warnings.push(format!(
            "the {} was revoked, yet the IdP says it is still active",
            kind.label()
        ));
    }
    report.result = Some(GrantResult::Introspected {
        kind,
        introspection,
    });
    Ok(())
}
