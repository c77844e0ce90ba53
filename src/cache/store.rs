//! The cache on disk: one JSON file per profile in a private directory, written atomically,
//! read forgivingly (a broken file is a warning, never a crash).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::entry::{CachedTokens, FORMAT};
use crate::profile::store::{create_private_dir, write_atomic};

/// Where the cache lives, and the operations on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenCache {
    dir: PathBuf,
}

/// What a lookup found.
#[derive(Debug)]
pub enum Lookup {
    Found(CachedTokens),
    Missing,
    /// A file is there but cannot be used; the reason is the warning to show.
    Ignored(String),
}

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("no data directory is known for this user, so tokens cannot be cached")]
    NoDataDir,
    #[error("cannot use the token cache directory {}: {source}", dir.display())]
    CreateDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the token cache {}: {source}", file.display())]
    Write {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot lock the token cache {}: {source}", file.display())]
    Lock {
        file: PathBuf,
        source: std::io::Error,
    },
}

impl TokenCache {
    /// The user's cache: `<data dir>/tokenbench/cache` (on Linux
    /// `$XDG_DATA_HOME/tokenbench/cache`, by default `~/.local/share/tokenbench/cache`).
    pub fn user() -> Result<TokenCache, CacheError> {
        let data = dirs::data_dir().ok_or(CacheError::NoDataDir)?;
        Ok(TokenCache::at(data.join("tokenbench").join("cache")))
    }

    /// A cache in `dir` (tests, or a caller with its own place).
    pub fn at(dir: impl Into<PathBuf>) -> TokenCache {
        TokenCache { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file for a profile name.
    pub fn path_for(&self, profile: &str) -> PathBuf {
        self.dir.join(format!("{}.json", file_stem(profile)))
    }

    /// The entry for `profile`, if a usable one is there.
    pub fn load(&self, profile: &str) -> Lookup {
        let path = self.path_for(profile);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Lookup::Missing,
            Err(e) => {
                return Lookup::Ignored(format!(
                    "ignoring the token cache {}: cannot read it: {e}",
                    path.display()
                ))
            }
        };
        match parse(&bytes, profile) {
            Ok(entry) => Lookup::Found(entry),
            Err(why) => Lookup::Ignored(format!(
                "ignoring the token cache {}: {why}",
                path.display()
            )),
        }
    }

    /// Writes the entry for its profile: the directory is created 0700 and the file 0600
    /// from the start, and the old file stays whole until the new one replaces it.
    pub fn save(&self, entry: &CachedTokens) -> Result<PathBuf, CacheError> {
        create_private_dir(&self.dir).map_err(|source| CacheError::CreateDir {
            dir: self.dir.clone(),
            source,
        })?;
        let path = self.path_for(&entry.profile);
        // A map of strings and numbers always serialises; the fallback is never written.
        let text = serde_json::to_string_pretty(entry).unwrap_or_default();
        if text.is_empty() {
            return Err(CacheError::Write {
                file: path,
                source: std::io::Error::other("the entry cannot be serialised"),
            });
        }
        write_atomic(&path, &format!("{text}\n"), true).map_err(|source| CacheError::Write {
            file: path.clone(),
            source,
        })?;
        Ok(path)
    }

    /// Removes the entry for `profile`; a missing one is fine.
    pub fn remove(&self, profile: &str) -> std::io::Result<()> {
        match std::fs::remove_file(self.path_for(profile)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// A usable entry for `profile`, or why not.
fn parse(bytes: &[u8], profile: &str) -> Result<CachedTokens, String> {
    let entry = parse_any(bytes)?;
    if entry.profile != profile {
        return Err(format!("it was written for profile {:?}", entry.profile));
    }
    Ok(entry)
}

/// A usable entry for whichever profile it names, or why not.
pub(super) fn parse_any(bytes: &[u8]) -> Result<CachedTokens, String> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON ({e})"))?;
    let format = value.get("format").and_then(serde_json::Value::as_u64);
    if format != Some(u64::from(FORMAT)) {
        return Err(format!(
            "format {} is not the format {FORMAT} this version reads",
            format.map_or("(none)".to_owned(), |f| f.to_string())
        ));
    }
    let entry: CachedTokens =
        serde_json::from_value(value).map_err(|e| format!("not a token cache entry ({e})"))?;
    entry
        .tokens()
        .map_err(|e| format!("the cached response is unusable ({e})"))?;
    Ok(entry)
}

/// A file name for any profile name: safe characters are kept; when anything had to be
/// replaced, a hash of the full name keeps two names from sharing a file.
pub(super) fn file_stem(profile: &str) -> String {
    let safe: String = profile
        .chars()
        .take(80)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe == profile && !safe.is_empty() && !safe.starts_with('.') {
        return safe;
    }
    let digest = Sha256::digest(profile.as_bytes());
    let hash: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("{}-{hash}", safe.trim_start_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_and_distinct() {
        assert_eq!(file_stem("okta"), "okta");
        assert_eq!(file_stem("my-idp_2.dev"), "my-idp_2.dev");
        let a = file_stem("Demo IdP");
        let b = file_stem("Demo_IdP");
        assert!(a.starts_with("Demo_IdP-") && a != b, "{a} {b}");
        assert!(!file_stem("../x").contains('/'));
        assert!(!file_stem(".hidden").starts_with('.'));
        assert!(!file_stem("").is_empty());
    }

    fn entry(profile: &str) -> CachedTokens {
        serde_json::from_value(serde_json::json!({
            "format": FORMAT,
            "profile": profile,
            "issuer": "https://i",
            "client_id": "app",
            "token_endpoint": "https://i/token",
            "received_at": 1000,
            "response": {"access_token": "at-secret", "expires_in": 60}
        }))
        .unwrap()
    }

    #[cfg(unix)]
    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn save_then_load_private_and_atomic() {
        let home = tempfile::tempdir().unwrap();
        let cache = TokenCache::at(home.path().join("data").join("tokenbench").join("cache"));
        assert!(matches!(cache.load("p"), Lookup::Missing));
        let path = cache.save(&entry("p")).unwrap();
        assert_eq!(path, cache.path_for("p"));
        match cache.load("p") {
            Lookup::Found(e) => assert_eq!(e, entry("p")),
            other => panic!("{other:?}"),
        }
        #[cfg(unix)]
        {
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(cache.dir()), 0o700);
            assert_eq!(mode(&home.path().join("data").join("tokenbench")), 0o700);
        }
        cache.save(&entry("p")).unwrap();
        let names: Vec<_> = std::fs::read_dir(cache.dir()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left");
        cache.remove("p").unwrap();
        cache.remove("p").unwrap();
        assert!(matches!(cache.load("p"), Lookup::Missing));
    }

    #[test]
    fn broken_files_are_ignored_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let cache = TokenCache::at(dir.path());
        let cases = [
            ("{not json", "not valid JSON"),
            ("{\"format\": 99}", "format 99"),
            ("[]", "format (none)"),
            (
                "{\"format\": 1, \"profile\": \"p\"}",
                "not a token cache entry",
            ),
        ];
        for (text, why) in cases {
            std::fs::write(cache.path_for("p"), text).unwrap();
            match cache.load("p") {
                Lookup::Ignored(w) => assert!(w.contains(why) && w.contains("p.json"), "{w}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        let mut e = entry("other");
        std::fs::write(cache.path_for("p"), serde_json::to_string(&e).unwrap()).unwrap();
        assert!(matches!(cache.load("p"), Lookup::Ignored(w) if w.contains("\"other\"")));
        e.profile = "p".into();
        e.response.remove("access_token");
        std::fs::write(cache.path_for("p"), serde_json::to_string(&e).unwrap()).unwrap();
        assert!(matches!(cache.load("p"), Lookup::Ignored(w) if w.contains("unusable")));
        // Never the token in a warning.
        std::fs::write(cache.path_for("p"), "{\"access_token\": \"at-secret\"").unwrap();
        assert!(matches!(cache.load("p"), Lookup::Ignored(w) if !w.contains("at-secret")));
    }
}
