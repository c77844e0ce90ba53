//! Finding the userinfo, introspection and revocation endpoints: set by hand in the profile
//! (`userinfo_url`, …), else from the issuer's metadata (discovery), which needs `issuer`.

use crate::net::discovery::discover;
use crate::net::http::HttpClient;
use crate::oauth::metadata::Metadata;
use crate::oauth::types::EndpointUrl;

use super::super::resolve::Resolved;
use super::error::GrantError;

/// The endpoints found by discovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discovered {
    Userinfo,
    Introspection,
    Revocation,
}

impl Discovered {
    pub fn name(self) -> &'static str {
        match self {
            Discovered::Userinfo => "userinfo",
            Discovered::Introspection => "introspection",
            Discovered::Revocation => "revocation",
        }
    }

    /// The metadata field, which is also how the profile's by-hand endpoints are keyed.
    fn field(self) -> &'static str {
        match self {
            Discovered::Userinfo => "userinfo_endpoint",
            Discovered::Introspection => "introspection_endpoint",
            Discovered::Revocation => "revocation_endpoint",
        }
    }

    fn in_metadata(self, metadata: &Metadata) -> Option<&str> {
        match self {
            Discovered::Userinfo => metadata.userinfo_endpoint.as_deref(),
            Discovered::Introspection => metadata.introspection_endpoint.as_deref(),
            Discovered::Revocation => metadata.revocation_endpoint.as_deref(),
        }
    }
}

/// The endpoint the profile sets by hand, else as the profile's issuer advertises it: from
/// the metadata found when the profile was resolved, else fetched now (so a discovery
/// failure says why).
pub(super) async fn discovered(
    http: &HttpClient,
    resolved: &Resolved,
    which: Discovered,
) -> Result<EndpointUrl, GrantError> {
    let profile = &resolved.profile;
    if let Some(url) = profile.by_hand(which.field()) {
        return Ok(url.clone());
    }
    let Some(issuer) = profile.issuer.as_deref() else {
        return Err(GrantError::NoIssuer {
            profile: profile.name.clone(),
            endpoint: which.name(),
        });
    };
    let metadata = match &resolved.metadata {
        Some(m) => m.clone(),
        None => discover(http, issuer).await?,
    };
    let Some(url) = which.in_metadata(&metadata) else {
        return Err(GrantError::NotAdvertised {
            issuer: issuer.to_owned(),
            endpoint: which.name(),
        });
    };
    EndpointUrl::parse(url).map_err(|e| {
        GrantError::Transport(format!(
            "the issuer's {}_endpoint is not usable: {e}",
            which.name()
        ))
    })
}
