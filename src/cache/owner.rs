//! Who a cache entry is for: the profile's client at its issuer (or, without an issuer, at
//! its token endpoint). Known from the profile file alone, so a cached token can be matched
//! to a profile that leaves its endpoints to discovery without asking the issuer anything.

use crate::profile::Profile;

/// The part of a profile that a cache entry must match before it is served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheOwner {
    pub profile: String,
    pub issuer: Option<String>,
    pub client_id: String,
    /// Only consulted without an issuer (then the profile always names it).
    pub token_url: Option<String>,
}

impl CacheOwner {
    pub fn of(profile: &Profile) -> CacheOwner {
        CacheOwner {
            profile: profile.name.clone(),
            issuer: profile.issuer.clone(),
            client_id: profile.client_id.as_str().to_owned(),
            token_url: Some(profile.token_url.as_str().to_owned()),
        }
    }

    /// Where the tokens are good, for messages: the issuer, else the token endpoint.
    pub fn server(&self) -> &str {
        self.issuer
            .as_deref()
            .or(self.token_url.as_deref())
            .unwrap_or("(no issuer)")
    }
}
