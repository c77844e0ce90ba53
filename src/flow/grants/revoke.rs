//! RFC 7009 revocation of a cached token. The token stays in the cache marked revoked, so it
//! can still be introspected but is never served again.

use crate::cache::CachedTokens;
use crate::oauth::introspection::TokenKind;
use crate::oauth::revocation::{parse_revocation, revocation_request};

use super::super::resolve::Resolved;
use super::endpoints::{discovered, Discovered};
use super::error::GrantError;
use super::exchange::{cached_token, client_credentials, http_client, send, GrantIo};
use super::report::{GrantReport, GrantResult, Operation};

/// Revokes the cached `kind` token at the issuer's revocation endpoint.
pub async fn revoke(
    resolved: &Resolved,
    cached: &CachedTokens,
    kind: TokenKind,
    io: &GrantIo<'_>,
) -> GrantReport {
    let mut report = GrantReport::new(Operation::Revoke, &resolved.profile.name);
    let outcome = revoke_inner(resolved, cached, kind, io, &mut report).await;
    report.finish(outcome)
}

async fn revoke_inner(
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
    let endpoint = discovered(&http, resolved, Discovered::Revocation).await?;
    let request = revocation_request(&endpoint, &client, &token, kind);
    let response = send(&http, &request, report).await?;
    parse_revocation(
        response.status,
        response.header("content-type"),
        &response.body,
    )?;
    let mut updated = cached.with_revoked(kind);
    if kind == TokenKind::Refresh {
        // RFC 7009 §2.1: revoking a refresh token should also end the access tokens of its
        // grant; do not serve them on the chance it did.
        updated = updated.with_revoked(TokenKind::Access);
    }
    report.updated = Some(updated);
    report.result = Some(GrantResult::Revoked { kind });
    Ok(())
}
