//! `tokenbench cache list` and `clear`: what the cache holds, described without a token.

use std::path::PathBuf;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::entry::CachedTokens;
use super::store::{parse_any, TokenCache};
use crate::oauth::introspection::TokenKind;

/// One cached entry as `cache list` shows it: who it is for, and when it runs out. Never a
/// token (only whether a usable refresh token is there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacheRow {
    pub profile: String,
    pub issuer: Option<String>,
    pub client_id: String,
    /// RFC 3339 UTC; None when the IdP gave no expiry.
    pub access_token_expires_at: Option<String>,
    pub refresh_token: bool,
    pub file: PathBuf,
    /// Unix seconds, for people (not in the JSON).
    #[serde(skip)]
    pub expires_at: Option<i64>,
}

impl CacheRow {
    pub fn of(entry: &CachedTokens, file: PathBuf) -> CacheRow {
        let expires_at = entry
            .token(TokenKind::Access)
            .and_then(|_| entry.expires_at());
        CacheRow {
            profile: entry.profile.clone(),
            issuer: entry.issuer.clone(),
            client_id: entry.client_id.clone(),
            access_token_expires_at: expires_at.and_then(rfc3339),
            refresh_token: entry.token(TokenKind::Refresh).is_some(),
            file,
            expires_at,
        }
    }
}

/// Unix seconds as RFC 3339 in UTC (`2026-12-01T13:40:53Z`); None when out of range.
pub fn rfc3339(unix: i64) -> Option<String> {
    DateTime::<Utc>::from_timestamp(unix, 0).map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

impl TokenCache {
    /// Every usable entry, sorted by profile; files that cannot be used are reported in the
    /// second list (the reason, never the content). No directory yet: nothing cached.
    pub fn entries(&self) -> (Vec<CacheRow>, Vec<String>) {
        let mut rows = Vec::new();
        let mut ignored = Vec::new();
        let Ok(dir) = std::fs::read_dir(self.dir()) else {
            return (rows, ignored);
        };
        for file in dir.flatten() {
            let path = file.path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let read = std::fs::read(&path).map_err(|e| format!("cannot read it: {e}"));
            match read.and_then(|bytes| parse_any(&bytes)) {
                // A file not at its profile's own name is never loaded for that profile.
                Ok(entry) if self.path_for(&entry.profile) == path => {
                    rows.push(CacheRow::of(&entry, path))
                }
                Ok(entry) => ignored.push(format!(
                    "ignoring the token cache {}: it names profile {:?}, whose file is another",
                    path.display(),
                    entry.profile
                )),
                Err(why) => ignored.push(format!(
                    "ignoring the token cache {}: {why}",
                    path.display()
                )),
            }
        }
        rows.sort_by(|a, b| a.profile.cmp(&b.profile));
        ignored.sort();
        (rows, ignored)
    }

    /// Profile name → when its cached access token expires (None: no expiry known), for
    /// the workbench's badges.
    pub fn expiries(&self) -> std::collections::BTreeMap<String, Option<i64>> {
        self.entries()
            .0
            .into_iter()
            .map(|row| (row.profile, row.expires_at))
            .collect()
    }

    /// Removes every entry file (`*.json`); returns the files removed. Lock files stay (in
    /// their own directory): a process may hold one, and removing it would let a second
    /// writer in beside it.
    pub fn clear_all(&self) -> std::io::Result<Vec<PathBuf>> {
        let dir = match std::fs::read_dir(self.dir()) {
            Ok(dir) => dir,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut removed = Vec::new();
        for file in dir {
            let path = file?.path();
            if path.extension().is_some_and(|e| e == "json") {
                std::fs::remove_file(&path)?;
                removed.push(path);
            }
        }
        removed.sort();
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::entry::FORMAT;

    fn entry(profile: &str, response: serde_json::Value) -> CachedTokens {
        serde_json::from_value(serde_json::json!({
            "format": FORMAT, "profile": profile, "issuer": "https://i", "client_id": "app",
            "token_endpoint": "https://i/token", "received_at": 1_000, "response": response,
        }))
        .unwrap()
    }

    #[test]
    fn rows_describe_entries_without_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let cache = TokenCache::at(dir.path());
        assert_eq!(cache.entries(), (Vec::new(), Vec::new()));
        let b = entry(
            "b",
            serde_json::json!({"access_token": "at-secret", "refresh_token": "rt-secret", "expires_in": 60}),
        );
        cache.save(&b).unwrap();
        cache
            .save(&entry("a", serde_json::json!({"access_token": "x"})))
            .unwrap();
        std::fs::write(dir.path().join("broken.json"), "{").unwrap();
        // A copy of b's entry under another name.
        std::fs::copy(cache.path_for("b"), dir.path().join("c.json")).unwrap();
        let (rows, ignored) = cache.entries();
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[0].profile, "a");
        assert_eq!(rows[0].access_token_expires_at, None);
        assert!(!rows[0].refresh_token);
        assert_eq!(
            rows[1].access_token_expires_at.as_deref(),
            Some("1970-01-01T00:17:40Z")
        );
        assert!(rows[1].refresh_token);
        assert_eq!(rows[1].file, cache.path_for("b"));
        assert_eq!(ignored.len(), 2, "{ignored:?}");
        let json = serde_json::to_value(&rows).unwrap();
        assert!(!json.to_string().contains("secret"), "{json}");
        let keys: Vec<_> = json[1].as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            [
                "profile",
                "issuer",
                "client_id",
                "access_token_expires_at",
                "refresh_token",
                "file"
            ]
        );
        assert_eq!(cache.clear_all().unwrap().len(), 4);
        assert_eq!(cache.entries(), (Vec::new(), Vec::new()));
    }
}
