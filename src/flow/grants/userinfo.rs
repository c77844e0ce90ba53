//! The UserInfo endpoint with the cached access token; its `sub` must be the ID token's.

use crate::cache::CachedTokens;
use crate::oauth::introspection::TokenKind;
use crate::oauth::jwt::decode;
use crate::oauth::userinfo::{parse_userinfo, userinfo_request, UserInfoFormat};

use super::super::resolve::Resolved;
use super::dpop::send_recorded;
use super::endpoints::{discovered, Discovered};
use super::error::GrantError;
use super::exchange::{cached_token, http_client, GrantIo};
use super::report::{GrantReport, GrantResult, Operation};

/// Asks the issuer's userinfo endpoint about the cached access token's user.
pub async fn userinfo(resolved: &Resolved, cached: &CachedTokens, io: &GrantIo<'_>) -> GrantReport {
    let mut report = GrantReport::new(Operation::Userinfo, &resolved.profile.name);
    let outcome = userinfo_inner(resolved, cached, io, &mut report).await;
    report.finish(outcome)
}

async fn userinfo_inner(
    resolved: &Resolved,
    cached: &CachedTokens,
    io: &GrantIo<'_>,
    report: &mut GrantReport,
) -> Result<(), GrantError> {
    let profile = &resolved.profile;
    let access_token = cached_token(profile, cached, TokenKind::Access, true)?;
    let http = http_client(io.http, profile)?;
    let endpoint = discovered(&http, resolved, Discovered::Userinfo).await?;
    let mut request = userinfo_request(&endpoint, &access_token);
    // A DPoP-bound token goes as `Authorization: DPoP` with a proof carrying its `ath`.
    let dpop = match super::dpop::is_bound(cached) {
        true => super::dpop::prover(profile, io.env)?,
        false => None,
    };
    let response = send_recorded(
        &http,
        &mut request,
        dpop.as_ref(),
        Some(access_token.secret()),
        None,
        report,
    )
    .await?;
    let info = parse_userinfo(
        response.status,
        response.header("content-type"),
        response.header("www-authenticate"),
        &response.body,
    )?;
    let id_token_sub = cached.id_token().and_then(|t| {
        decode(t)
            .claims()
            .and_then(|c| c.get("sub"))
            .and_then(|s| s.as_str())
            .map(str::to_owned)
    });
    match (info.sub(), id_token_sub) {
        (Some(sub), Some(expected)) if sub != expected => {
            return Err(GrantError::SubjectMismatch {
                userinfo: sub.to_owned(),
                id_token: expected,
            })
        }
        (None, _) if !matches!(info.format, UserInfoFormat::Jwe { .. }) => report
            .warnings
            .push("the userinfo response has no `sub`, which OIDC Core §5.3.2 requires".into()),
        _ => {}
    }
    if matches!(info.format, UserInfoFormat::Jwt { .. }) {
        report
            .warnings
            .push("the userinfo response is a JWT: decoded, its signature not verified".into());
    }
    report.result = Some(GrantResult::Userinfo(info));
    Ok(())
}
