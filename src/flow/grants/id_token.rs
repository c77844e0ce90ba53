//! The checklist of OIDC Core §3.1.3.7 for an ID token that came with a refresh: signature
//! with the issuer's keys, `iss`, `aud`, `azp`, `exp`, `iat`, `at_hash` against the new
//! access token. No nonce is sent on a refresh, so its check is skipped (§12.2).

use crate::net::discovery::discover;
use crate::net::http::HttpClient;
use crate::net::jwks::JwksCache;
use crate::oauth::id_token::{
    validate_id_token, IdTokenExpectation, IdTokenValidation, LEEWAY_SECS,
};
use crate::oauth::jose::{read_header, Jwks};
use crate::oauth::metadata::Metadata;
use crate::oauth::token_response::TokenResponse;

use super::super::resolve::Resolved;

/// The issuer's metadata: as resolved, else fetched now; None without an issuer, or when it
/// cannot be fetched (then `warnings` says so and the checklist is not run).
pub(super) async fn metadata_for(
    http: &HttpClient,
    resolved: &Resolved,
    warnings: &mut Vec<String>,
) -> Option<Metadata> {
    if let Some(m) = &resolved.metadata {
        return Some(m.clone());
    }
    let issuer = resolved.profile.issuer.as_deref()?;
    match discover(http, issuer).await {
        Ok(m) => Some(m),
        Err(e) => {
            warnings.push(format!("the refreshed ID token is not verified: {e}"));
            None
        }
    }
}

/// Validates the refreshed ID token against the issuer; None when the response has none.
pub(super) async fn validate_refreshed(
    http: &HttpClient,
    metadata: &Metadata,
    client_id: &str,
    tokens: &TokenResponse,
    now: i64,
) -> Option<IdTokenValidation> {
    let token = tokens.id_token.as_deref()?;
    let kid = read_header(token).ok().and_then(|h| h.kid);
    let (keys, unavailable) = match &metadata.jwks_uri {
        Some(uri) => match JwksCache::new(uri.clone())
            .keys_for(http, kid.as_deref())
            .await
        {
            Ok(found) => (found.keys.clone(), None),
            Err(e) => (Jwks::default(), Some(e.to_string())),
        },
        None => (
            Jwks::default(),
            Some("the issuer's metadata has no jwks_uri".to_owned()),
        ),
    };
    let expectation = IdTokenExpectation {
        issuer: metadata.issuer.clone(),
        client_id: client_id.to_owned(),
        nonce: None,
        now,
        leeway: LEEWAY_SECS,
        access_token: Some(tokens.access_token.clone()),
        code: None,
    };
    let mut validation = validate_id_token(token, &keys, &expectation);
    if let Some(why) = unavailable {
        validation.set_detail("signature", format!("cannot be checked: {why}"));
    }
    Some(validation)
}
