//! A profile as far as its token cache needs it, read from the file alone: no discovery,
//! no secret helper, no network. `token` serves a valid cached token with only this.

use std::path::Path;

use crate::cache::CacheOwner;
use crate::profile::load::{file_stem, parse_raw, read_text, validate, validate_all_in};
use crate::profile::perms::literal_secret_exposed;

/// Who the profile's cache entry must belong to, and whether the profile caches tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineProfile {
    pub owner: CacheOwner,
    pub cache_tokens: bool,
    /// As resolving would warn (a literal secret in a file others can read).
    pub warnings: Vec<String>,
}

/// Reads and checks the profile at `path`; the first error (as text) when it is invalid.
pub fn read_offline(path: &Path) -> Result<OfflineProfile, String> {
    let text = read_text(path).map_err(|e| e.to_string())?;
    let raw = parse_raw(path, &text).map_err(|e| e.to_string())?;
    if let Some(e) = validate_all_in(path, &text, &raw).into_iter().next() {
        return Err(e.to_string());
    }
    // Endpoints left to discovery are filled with the issuer, only so that the one
    // validation produces the typed profile; nothing here uses an endpoint but a token_url
    // written in the file.
    let mut filled = raw.clone();
    let written = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
    let token_url_written = written(&raw.token_url);
    for slot in [&mut filled.auth_url, &mut filled.token_url] {
        if !written(slot) {
            slot.clone_from(&raw.issuer);
        }
    }
    let profile = validate(path, &file_stem(path), &filled).map_err(|e| e.to_string())?;
    let mut owner = CacheOwner::of(&profile);
    if !token_url_written {
        owner.token_url = None;
    }
    Ok(OfflineProfile {
        owner,
        cache_tokens: profile.cache_tokens,
        warnings: literal_secret_exposed(path, &raw).into_iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<OfflineProfile, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("okta.toml");
        std::fs::write(&path, text).unwrap();
        read_offline(&path)
    }

    #[test]
    fn an_issuer_only_profile_is_known_without_discovery() {
        let p = read(
            "issuer = \"https://i.example\"\ncallback_url = \"http://127.0.0.1:8400/cb\"\n\
             client_id = \"app\"\ncache_tokens = true\n",
        )
        .unwrap();
        assert_eq!(
            p.owner,
            CacheOwner {
                profile: "okta".into(),
                issuer: Some("https://i.example".into()),
                client_id: "app".into(),
                token_url: None,
            }
        );
        assert!(p.cache_tokens);
        let p = read(
            "name = \"n\"\ncallback_url = \"http://127.0.0.1:8400/cb\"\nclient_id = \"app\"\n\
             auth_url = \"https://i/a\"\ntoken_url = \"https://i/t\"\n",
        )
        .unwrap();
        assert_eq!(p.owner.profile, "n");
        assert_eq!(p.owner.token_url.as_deref(), Some("https://i/t"));
        assert!(!p.cache_tokens);
        let e = read("issuer = \"https://i.example\"\nclient_id = \"app\"\n").unwrap_err();
        assert!(e.contains("callback_url"), "{e}");
    }
}
