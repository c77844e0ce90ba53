//! Reading a profile's cached tokens (with the warnings a broken or foreign entry gives) and
//! caching what a run received.

use std::path::PathBuf;

use crate::cache::{CacheError, CachedTokens, Lookup, TokenCache};
use crate::profile::Profile;

use super::super::report::FlowReport;
use super::error::GrantError;

/// The profile's cached tokens when there are usable ones; why not goes to `warnings`.
pub fn load_cached(
    cache: &TokenCache,
    profile: &Profile,
    warnings: &mut Vec<String>,
) -> Option<CachedTokens> {
    match cache.load(&profile.name) {
        Lookup::Found(entry) => match entry.belongs_to(profile) {
            Ok(()) => Some(entry),
            Err(why) => {
                warnings.push(format!(
                    "ignoring the cached tokens for {}: {why}",
                    profile.name
                ));
                None
            }
        },
        Lookup::Missing => None,
        Lookup::Ignored(why) => {
            warnings.push(why);
            None
        }
    }
}

/// Like [`load_cached`], but no tokens is an error that says how to get some.
pub fn require_cached(
    cache: &TokenCache,
    profile: &Profile,
    warnings: &mut Vec<String>,
) -> Result<CachedTokens, GrantError> {
    load_cached(cache, profile, warnings).ok_or_else(|| GrantError::NoCachedTokens {
        profile: profile.name.clone(),
    })
}

/// Caches the tokens a successful run received; Ok(None) when it received none.
pub fn cache_run(
    cache: &TokenCache,
    profile: &Profile,
    report: &FlowReport,
) -> Result<Option<PathBuf>, CacheError> {
    let Some(received) = report.received.as_ref().filter(|_| report.error.is_none()) else {
        return Ok(None);
    };
    let entry = CachedTokens::new(
        profile,
        profile.token_url.as_str(),
        &received.response,
        received.at,
    );
    cache.save(&entry).map(Some)
}
