//! RFC 7662 introspection of a cached token, revoked ones included (that is how a
//! revocation is seen to have worked).

use crate::cache::CachedTokens;
use crate::oauth::introspection::{
    bearer_introspection_request, introspection_request, parse_introspection, TokenKind,
};
use crate::oauth::token_request::ClientCredentials;
use crate::profile::IntrospectionAuth;

use super::super::resolve::Resolved;
use super::endpoints::{discovered, Discovered};
use super::error::GrantError;
use super::exchange::{cached_token, client_credentials, http_client, GrantIo};
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
    let http = http_client(io.http, profile)?;
    let endpoint = discovered(&http, resolved, Discovered::Introspection).await?;
    // The app's own credentials, kept to renew an assertion before a second sending.
    let mut own_client = None;
    let mut request = match &profile.introspection {
        None => {
            let client = own_client.insert(client_credentials(profile, io.env)?);
            introspection_request(&endpoint, client, &token, kind)
        }
        // The `[introspection]` table's secrets follow the main secret's rules: a `cmd:`
        // helper runs only from a trusted file.
        Some(IntrospectionAuth::Bearer(source)) => {
            let bearer = source
                .resolve_as("introspection.bearer", io.env, &profile.source)
                .map_err(GrantError::Secret)?;
            bearer_introspection_request(&endpoint, &bearer, &token, kind)
        }
        Some(IntrospectionAuth::Client {
            client_id,
            client_secret,
            client_auth,
        }) => {
            let secret = client_secret
                .as_ref()
                .map(|s| s.resolve_as("introspection.client_secret", io.env, &profile.source))
                .transpose()
                .map_err(GrantError::Secret)?;
            let client = ClientCredentials {
                client_id: client_id.clone(),
                secret,
                auth: *client_auth,
                assertion: None,
            };
            introspection_request(&endpoint, &client, &token, kind)
        }
    };
    let dpop = super::dpop::prover(profile, io.env)?;
    let response = super::dpop::send_recorded(
        &http,
        &mut request,
        dpop.as_ref(),
        None,
        own_client.as_ref(),
        report,
    )
    .await?;
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
    // RFC 9449 §6.2: a bound token's introspection carries the key's thumbprint. Another
    // key's is a binding failure (exit 4), like a run's; none at all is the IdP's omission.
    if let (Some(prover), true, TokenKind::Access) = (&dpop, introspection.active, kind) {
        let cnf = introspection.fields.get("cnf");
        let check = crate::oauth::dpop::cnf_jkt_check(cnf, prover.jkt());
        if check.result == crate::oauth::id_token::CheckResult::Fail {
            if cnf.and_then(|c| c.get("jkt")).is_some() {
                return Err(GrantError::DpopInvalid(vec![check]));
            }
            report.warnings.push(format!(
                "cnf.jkt: {} (RFC 9449 §6.2 asks the IdP to say which key the token is bound to)",
                check.detail
            ));
        }
    }
    report.result = Some(GrantResult::Introspected {
        kind,
        introspection,
    });
    Ok(())
}
