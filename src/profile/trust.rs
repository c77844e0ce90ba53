//! Which profile files may run commands. A profile in the user's config directory is the
//! user's own; any other file (a cloned repository's `./profiles/`, a path given to
//! `--profile`) may run its `cmd:` helper only after the user trusted that exact content:
//! the file's path and the SHA-256 of its bytes, kept in `<data dir>/tokenbench/trust.json`.
//! An edited file is a new content and asks again.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::store::{create_private_dir, write_atomic};

/// Where a profile's text came from, which decides whether it may run a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provenance {
    /// The user's own: typed in the workbench form, or built by the program (the demo).
    User,
    /// Read from `path`; `sha256` is of the exact bytes that were parsed (None: not known,
    /// so only the file's place can make it trusted).
    File {
        path: PathBuf,
        sha256: Option<String>,
    },
}

impl Provenance {
    /// The profile parsed from these bytes of `path`.
    pub fn file(path: &Path, bytes: &[u8]) -> Provenance {
        Provenance::File {
            path: path.to_owned(),
            sha256: Some(sha256_hex(bytes)),
        }
    }
}

/// The lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The user's own profiles: `<config dir>/tokenbench/profiles` (on Linux
/// `$XDG_CONFIG_HOME/tokenbench/profiles`).
pub fn config_profiles_dir() -> Option<PathBuf> {
    dirs::config_dir().map(|c| c.join("tokenbench").join("profiles"))
}

/// The trust store: `<data dir>/tokenbench/trust.json` (on Linux `$XDG_DATA_HOME/…`).
pub fn user_store_file() -> Result<PathBuf, TrustError> {
    dirs::data_dir()
        .map(|d| d.join("tokenbench").join("trust.json"))
        .ok_or(TrustError::NoDataDir)
}

/// The path a file is recorded under: absolute, symlinks resolved (a link in the config dir
/// to a file elsewhere is that file). A file that is gone keeps its absolute path.
pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_owned())
}

/// True when `file` lies inside `dir`, both resolved.
pub fn inside(file: &Path, dir: &Path) -> bool {
    match std::fs::canonicalize(dir) {
        Ok(dir) => canonical(file).starts_with(dir),
        Err(_) => false,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("no data directory is known for this user, so trust cannot be recorded")]
    NoDataDir,
    #[error("cannot read the trust store {}: {source}", file.display())]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("the trust store {} is not valid ({reason}); move it away and trust the files again", file.display())]
    Corrupt { file: PathBuf, reason: String },
    #[error("cannot create the directory {}: {source}", dir.display())]
    CreateDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the trust store {}: {source}", file.display())]
    Write {
        file: PathBuf,
        source: std::io::Error,
    },
}

/// One trusted file content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustEntry {
    /// [`canonical`], as text.
    pub path: String,
    pub sha256: String,
    /// Unix seconds.
    pub trusted_at: i64,
    /// The commands the file held when it was trusted, for `trust --list`.
    #[serde(default)]
    pub commands: Vec<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreFile {
    format: u32,
    files: Vec<TrustEntry>,
}

const FORMAT: u32 = 1;

/// The trusted contents, one per file (trusting a new content replaces the old one).
#[derive(Debug, Clone)]
pub struct TrustStore {
    file: PathBuf,
    entries: Vec<TrustEntry>,
}

impl TrustStore {
    /// Reads the store at `file`; a missing file is an empty store, a broken one an error
    /// that names it (never trusted by accident, never a crash).
    pub fn load(file: &Path) -> Result<TrustStore, TrustError> {
        let bytes = match std::fs::read(file) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(TrustStore {
                    file: file.to_owned(),
                    entries: Vec::new(),
                })
            }
            Err(source) => {
                return Err(TrustError::Read {
                    file: file.to_owned(),
                    source,
                })
            }
        };
        let corrupt = |reason: String| TrustError::Corrupt {
            file: file.to_owned(),
            reason,
        };
        let parsed: StoreFile =
            serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
        if parsed.format != FORMAT {
            return Err(corrupt(format!(
                "format {} is not the {FORMAT} this version reads",
                parsed.format
            )));
        }
        Ok(TrustStore {
            file: file.to_owned(),
            entries: parsed.files,
        })
    }

    /// The user's store.
    pub fn user() -> Result<TrustStore, TrustError> {
        TrustStore::load(&user_store_file()?)
    }

    pub fn file(&self) -> &Path {
        &self.file
    }

    pub fn entries(&self) -> &[TrustEntry] {
        &self.entries
    }

    /// The entry for a file, whatever its content.
    pub fn entry(&self, path: &Path) -> Option<&TrustEntry> {
        let key = key(path);
        self.entries.iter().find(|e| e.path == key)
    }

    /// Whether this exact content of this file is trusted.
    pub fn is_trusted(&self, path: &Path, sha256: &str) -> bool {
        self.entry(path).is_some_and(|e| e.sha256 == sha256)
    }

    /// Records `sha256` as the trusted content of `path`, replacing an earlier one.
    pub fn trust(&mut self, path: &Path, sha256: &str, commands: Vec<String>, now: i64) {
        let key = key(path);
        self.entries.retain(|e| e.path != key);
        self.entries.push(TrustEntry {
            path: key,
            sha256: sha256.to_owned(),
            trusted_at: now,
            commands,
        });
        self.entries.sort_by(|a, b| a.path.cmp(&b.path));
    }

    /// Forgets the file; false when it was not trusted.
    pub fn revoke(&mut self, path: &Path) -> bool {
        let key = key(path);
        let before = self.entries.len();
        self.entries.retain(|e| e.path != key);
        self.entries.len() != before
    }

    /// Writes the store: its directory 0700, the file 0600, atomically.
    pub fn save(&self) -> Result<(), TrustError> {
        if let Some(dir) = self.file.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(|source| TrustError::CreateDir {
                dir: dir.to_owned(),
                source,
            })?;
        }
        let doc = StoreFile {
            format: FORMAT,
            files: self.entries.clone(),
        };
        // Serialising plain strings and numbers cannot fail; keep it an error, not a panic.
        let text = serde_json::to_string_pretty(&doc).map_err(|e| TrustError::Write {
            file: self.file.clone(),
            source: std::io::Error::other(e),
        })?;
        write_atomic(&self.file, &format!("{text}\n"), true).map_err(|source| TrustError::Write {
            file: self.file.clone(),
            source,
        })
    }
}

fn key(path: &Path) -> String {
    canonical(path).to_string_lossy().into_owned()
}

/// Whether a profile from `source` may run a command: always when it is the user's own or
/// lies in `config_dir`; otherwise only when `store` trusts its exact content. The store is
/// read only when it is needed.
pub fn permitted(
    source: &Provenance,
    config_dir: Option<&Path>,
    store: impl FnOnce() -> Result<TrustStore, TrustError>,
) -> Result<bool, TrustError> {
    let (path, sha256) = match source {
        Provenance::User => return Ok(true),
        Provenance::File { path, sha256 } => (path, sha256),
    };
    if config_dir.is_some_and(|dir| inside(path, dir)) {
        return Ok(true);
    }
    match sha256 {
        Some(sha256) => Ok(store()?.is_trusted(path, sha256)),
        None => Ok(false),
    }
}

/// [`permitted`] with the user's config dir and trust store.
pub fn permitted_for_user(source: &Provenance) -> Result<bool, TrustError> {
    permitted(source, config_profiles_dir().as_deref(), TrustStore::user)
}

/// Records trust in the user's store: `sha256` must be of the bytes the user was shown.
pub fn trust_for_user(
    path: &Path,
    sha256: &str,
    commands: Vec<String>,
    now: i64,
) -> Result<PathBuf, TrustError> {
    let mut store = TrustStore::user()?;
    store.trust(path, sha256, commands, now);
    store.save()?;
    Ok(store.file)
}

/// The shell command that trusts `path`, quoted so that a hostile file name pastes as one
/// argument.
pub fn trust_command(path: &Path) -> String {
    format!(
        "tokenbench trust {}",
        shell_words::quote(&path.to_string_lossy())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &Path, bytes: &[u8]) -> Provenance {
        Provenance::file(path, bytes)
    }

    #[test]
    fn the_hash_is_sha256_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn trust_is_per_path_and_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("work.toml");
        std::fs::write(&p, "a").unwrap();
        let other = dir.path().join("other.toml");
        std::fs::write(&other, "a").unwrap();
        let mut store = TrustStore::load(&dir.path().join("t.json")).unwrap();
        assert!(store.entries().is_empty());
        store.trust(&p, &sha256_hex(b"a"), vec!["cmd:x".into()], 7);
        assert!(store.is_trusted(&p, &sha256_hex(b"a")));
        assert!(!store.is_trusted(&p, &sha256_hex(b"b")), "edited content");
        assert!(!store.is_trusted(&other, &sha256_hex(b"a")), "another file");
        // A relative spelling of the same file is the same file.
        let cwd_relative = pathdiff_like(&p);
        assert!(store.is_trusted(&cwd_relative, &sha256_hex(b"a")));
        store.trust(&p, &sha256_hex(b"b"), Vec::new(), 8);
        assert_eq!(store.entries().len(), 1, "one content per file");
        assert!(store.revoke(&p));
        assert!(!store.revoke(&p));
    }

    /// `p` spelled with a `..` detour.
    fn pathdiff_like(p: &Path) -> PathBuf {
        let parent = p.parent().unwrap();
        parent
            .join("..")
            .join(parent.file_name().unwrap())
            .join(p.file_name().unwrap())
    }

    #[test]
    fn save_then_load_round_trips_privately() {
        let dir = tempfile::tempdir().unwrap();
        let store_file = dir
            .path()
            .join("data")
            .join("tokenbench")
            .join("trust.json");
        let p = dir.path().join("w.toml");
        let mut store = TrustStore::load(&store_file).unwrap();
        store.trust(&p, "00", vec!["cmd:a b".into()], 5);
        store.save().unwrap();
        let again = TrustStore::load(&store_file).unwrap();
        assert_eq!(again.entries(), store.entries());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&store_file), 0o600);
            assert_eq!(mode(store_file.parent().unwrap()), 0o700);
        }
    }

    #[test]
    fn a_corrupt_store_is_a_clear_error_never_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("trust.json");
        for bad in [
            &b"{"[..],
            b"[]",
            b"{\"format\": 9, \"files\": []}",
            b"{\"format\": 1, \"files\": [{\"path\": 1}]}",
            b"\xff\xfe",
        ] {
            std::fs::write(&f, bad).unwrap();
            let e = TrustStore::load(&f).unwrap_err();
            assert!(matches!(e, TrustError::Corrupt { .. }), "{e}");
            let text = e.to_string();
            assert!(text.contains(&f.display().to_string()), "{text}");
            // And a check against it refuses rather than trusting.
            let source = file(&dir.path().join("x.toml"), b"x");
            assert!(permitted(&source, None, || TrustStore::load(&f)).is_err());
        }
    }

    #[test]
    fn the_config_dir_and_the_user_need_no_trust() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        std::fs::create_dir(&config).unwrap();
        let own = config.join("work.toml");
        std::fs::write(&own, "x").unwrap();
        let repo = dir.path().join("repo").join("work.toml");
        let no_store = || -> Result<TrustStore, TrustError> { panic!("the store is not read") };
        assert!(permitted(&Provenance::User, None, no_store).unwrap());
        assert!(permitted(&file(&own, b"x"), Some(&config), no_store).unwrap());
        let empty = || TrustStore::load(&dir.path().join("none.json"));
        assert!(!permitted(&file(&repo, b"x"), Some(&config), empty).unwrap());
        let unhashed = Provenance::File {
            path: repo.clone(),
            sha256: None,
        };
        assert!(!permitted(&unhashed, Some(&config), empty).unwrap());
    }

    #[cfg(unix)]
    #[test]
    fn a_link_in_the_config_dir_to_a_file_elsewhere_is_that_file() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        std::fs::create_dir(&config).unwrap();
        let repo = dir.path().join("repo.toml");
        std::fs::write(&repo, "x").unwrap();
        let link = config.join("work.toml");
        std::os::unix::fs::symlink(&repo, &link).unwrap();
        let empty = || TrustStore::load(&dir.path().join("none.json"));
        assert!(!permitted(&file(&link, b"x"), Some(&config), empty).unwrap());
    }

    #[test]
    fn the_fix_quotes_the_path() {
        assert_eq!(
            trust_command(Path::new("profiles/work.toml")),
            "tokenbench trust profiles/work.toml"
        );
        assert_eq!(
            trust_command(Path::new("x; rm -rf ~/w.toml")),
            "tokenbench trust 'x; rm -rf ~/w.toml'"
        );
    }
}
