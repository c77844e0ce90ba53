//! The profiles on disk as the workbench lists them, and the file operations on them:
//! create, duplicate, rename, delete. None of them ever overwrites an existing file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use toml_edit::DocumentMut;

use super::edit;
use super::load::{file_stem, parse_raw, read_text, validate_all_in, ProfileError};
use super::model::RawProfile;
use super::name::{validate_name, NameError};
use super::store::{create_private_dir, write_new, NewMode};

/// Where a listed profile lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `./profiles/`, the first search dir.
    Local,
    /// The user's config dir, the later search dirs.
    Config,
    /// Named by a path rather than found in a search dir.
    Path,
}

/// One profile file: its name, label and whether it loads.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileEntry {
    /// The file stem, which `--profile` takes.
    pub name: String,
    /// The `name` key, when set and not blank.
    pub label: Option<String>,
    pub path: PathBuf,
    pub origin: Origin,
    /// Why the file cannot be read, parsed or validated (the first problem), if it cannot.
    pub error: Option<ProfileError>,
    /// The same name in another search dir.
    pub shadow: Option<Shadow>,
}

/// A name that exists both in `./profiles/` and in the config dir: `--profile NAME` takes
/// the first, so a cloned repository's file hides the user's own. Both are listed, marked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shadow {
    /// This file is the one `--profile NAME` uses; it hides that one.
    Hides(PathBuf),
    /// `--profile NAME` does not reach this file: that one comes first.
    HiddenBy(PathBuf),
}

impl ProfileEntry {
    /// Reads and validates one file now.
    pub fn from_path(path: &Path, origin: Origin) -> ProfileEntry {
        let name = file_stem(path);
        let read = read_text(path).and_then(|text| Ok((parse_raw(path, &text)?, text)));
        let (label, error) = match read {
            Err(e) => (None, Some(e)),
            Ok((raw, text)) => (
                raw.name.clone().filter(|n| !n.trim().is_empty()),
                // Lenient on endpoints left to discovery, like the form.
                validate_all_in(path, &text, &raw).into_iter().next(),
            ),
        };
        // A file that loads but cannot be reached by name still deserves a mention.
        let error = error.or_else(|| {
            validate_name(&name).err().map(|e| {
                ProfileError::new(
                    path,
                    None,
                    format!("the file name is not a valid profile name: {e}"),
                )
            })
        });
        ProfileEntry {
            name,
            label,
            path: path.to_owned(),
            origin,
            error,
            shadow: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{name:?} is not a valid profile name: {reason}")]
    InvalidName {
        name: String,
        #[source]
        reason: NameError,
    },
    #[error("{}: already exists; not overwritten", path.display())]
    Exists { path: PathBuf },
    #[error("{}: cannot create the directory: {source}", dir.display())]
    CreateDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: cannot read: {source}", file.display())]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: cannot write: {source}", file.display())]
    Write {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: cannot remove: {source}", file.display())]
    Remove {
        file: PathBuf,
        source: std::io::Error,
    },
}

/// Every `*.toml` in the search dirs, sorted by name. `dirs` is in [`search_dirs`] order:
/// the first is [`Origin::Local`], the others [`Origin::Config`]. A name found in an earlier
/// dir hides the same name in a later one, as `--profile NAME` would: both are listed (the
/// one used first) and marked with [`Shadow`]. Files that cannot be read or are invalid are
/// listed with their error; hidden files, and dirs that are missing or cannot be read, are
/// skipped.
///
/// [`search_dirs`]: super::store::search_dirs
pub fn list(dirs: &[PathBuf]) -> Vec<ProfileEntry> {
    // The file each name resolves to.
    let mut first: HashMap<String, PathBuf> = HashMap::new();
    let mut entries = Vec::new();
    for (index, dir) in dirs.iter().enumerate() {
        let origin = if index == 0 {
            Origin::Local
        } else {
            Origin::Config
        };
        let Ok(read) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = read
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| is_profile_file(p))
            .collect();
        files.sort();
        for path in files {
            let mut entry = ProfileEntry::from_path(&path, origin);
            match first.get(&entry.name) {
                None => {
                    first.insert(entry.name.clone(), path);
                }
                Some(used) => {
                    entry.shadow = Some(Shadow::HiddenBy(used.clone()));
                    if let Some(winner) = entries
                        .iter_mut()
                        .find(|e: &&mut ProfileEntry| e.path == *used)
                    {
                        winner.shadow.get_or_insert(Shadow::Hides(path.clone()));
                    }
                }
            }
            entries.push(entry);
        }
    }
    // Stable: of two files with one name, the one used stays first.
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    entries
}

/// `*.toml`, not hidden, not a directory (a dangling symlink is listed, with its error).
fn is_profile_file(path: &Path) -> bool {
    let visible = path
        .file_name()
        .is_some_and(|n| !n.to_string_lossy().starts_with('.'));
    visible && path.extension().is_some_and(|e| e == "toml") && !path.is_dir()
}

/// Where a new profile goes: the first search dir that exists (`./profiles/` when there is
/// one), else the last (the config dir, created when the profile is saved).
pub fn default_save_dir(dirs: &[PathBuf]) -> PathBuf {
    dirs.iter()
        .find(|d| d.is_dir())
        .or(dirs.last())
        .cloned()
        .unwrap_or_else(|| PathBuf::from("profiles"))
}

/// Writes a new profile `dir/NAME.toml` with the keys in canonical order. Refuses an invalid
/// name or an existing file; creates `dir` 0700 if missing; the file is 0600 when it holds
/// a literal secret.
pub fn create(dir: &Path, name: &str, raw: &RawProfile) -> Result<PathBuf, StoreError> {
    let path = target(dir, name)?;
    create_private_dir(dir).map_err(|source| StoreError::CreateDir {
        dir: dir.to_owned(),
        source,
    })?;
    let mode = if raw.has_literal_secret() {
        NewMode::Private
    } else {
        NewMode::Default
    };
    new_file(&path, edit::render(raw).as_bytes(), mode)?;
    Ok(path)
}

/// Copies the profile byte for byte (comments and all, the label too) to `NEW_NAME.toml` in
/// the same dir, with the same mode.
pub fn duplicate(entry: &ProfileEntry, new_name: &str) -> Result<PathBuf, StoreError> {
    let path = target(parent(&entry.path), new_name)?;
    let (bytes, permissions) = read_with_mode(&entry.path)?;
    new_file(&path, &bytes, NewMode::Like(permissions))?;
    Ok(path)
}

/// Renames the profile to `NEW_NAME.toml` in the same dir, refusing when that exists. The
/// `name` key follows the file only when it equalled the old file stem (it was just the
/// stem spelled out); a label of its own is kept. The rest of the file and its mode are kept.
/// Renaming to the current name does nothing.
pub fn rename(entry: &ProfileEntry, new_name: &str) -> Result<PathBuf, StoreError> {
    let path = target(parent(&entry.path), new_name)?;
    if path == entry.path {
        return Ok(path);
    }
    let (bytes, permissions) = read_with_mode(&entry.path)?;
    let contents = relabelled(&entry.path, &bytes, new_name).map_or(bytes, String::into_bytes);
    new_file(&path, &contents, NewMode::Like(permissions))?;
    if let Err(source) = std::fs::remove_file(&entry.path) {
        // Leave one profile, not two.
        let _ = std::fs::remove_file(&path);
        return Err(StoreError::Remove {
            file: entry.path.clone(),
            source,
        });
    }
    Ok(path)
}

/// Removes the profile file. One that is already gone counts as deleted.
pub fn delete(entry: &ProfileEntry) -> Result<(), StoreError> {
    match std::fs::remove_file(&entry.path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::Remove {
            file: entry.path.clone(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// `dir/NAME.toml` for a valid name.
fn target(dir: &Path, name: &str) -> Result<PathBuf, StoreError> {
    validate_name(name).map_err(|reason| StoreError::InvalidName {
        name: name.to_owned(),
        reason,
    })?;
    Ok(dir.join(format!("{name}.toml")))
}

fn parent(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new(""))
}

fn read_with_mode(path: &Path) -> Result<(Vec<u8>, std::fs::Permissions), StoreError> {
    let read = |source| StoreError::Read {
        file: path.to_owned(),
        source,
    };
    let bytes = std::fs::read(path).map_err(read)?;
    let permissions = std::fs::metadata(path).map_err(read)?.permissions();
    Ok((bytes, permissions))
}

fn new_file(path: &Path, contents: &[u8], mode: NewMode) -> Result<(), StoreError> {
    write_new(path, contents, mode).map_err(|source| match source.kind() {
        std::io::ErrorKind::AlreadyExists => StoreError::Exists {
            path: path.to_owned(),
        },
        _ => StoreError::Write {
            file: path.to_owned(),
            source,
        },
    })
}

/// The text with `name = "<new name>"`, when the `name` key equalled the old file stem;
/// None when the label stays (no such key, a label of its own, or a file that does not parse).
fn relabelled(path: &Path, bytes: &[u8], new_name: &str) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    let old = parse_raw(path, text).ok()?;
    if old.name.as_deref() != Some(file_stem(path).as_str()) {
        return None;
    }
    let mut doc: DocumentMut = text.parse().ok()?;
    let new = RawProfile {
        name: Some(new_name.to_owned()),
        ..old.clone()
    };
    edit::apply(&mut doc, &old, &new);
    Some(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &Path) -> ProfileEntry {
        ProfileEntry::from_path(path, Origin::Path)
    }

    #[test]
    fn entries_carry_label_and_first_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("okta.toml");
        std::fs::write(&p, "name = \"Okta\"\nclient_id = \"x\"\n").unwrap();
        let e = entry(&p);
        assert_eq!(e.name, "okta");
        assert_eq!(e.label.as_deref(), Some("Okta"));
        assert_eq!(e.origin, Origin::Path);
        assert_eq!(e.error.and_then(|e| e.key).as_deref(), Some("callback_url"));
        let missing = entry(&dir.path().join("gone.toml"));
        assert!(missing.error.unwrap().reason.starts_with("cannot read"));
    }

    #[test]
    fn a_bad_file_name_is_an_error_of_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let long = dir.path().join(format!("{}.toml", "x".repeat(65)));
        std::fs::write(
            &long,
            "callback_url = \"http://127.0.0.1/cb\"\nauth_url = \"https://i/a\"\ntoken_url = \"https://i/t\"\nclient_id = \"c\"\n",
        )
        .unwrap();
        let e = entry(&long).error.unwrap();
        assert!(e.reason.contains("at most 64"), "{e}");
    }

    #[test]
    fn default_save_dir_prefers_an_existing_local_dir() {
        let dir = tempfile::tempdir().unwrap();
        let local = dir.path().join("profiles");
        let config = dir.path().join("config");
        let dirs = vec![local.clone(), config.clone()];
        assert_eq!(default_save_dir(&dirs), config);
        std::fs::create_dir(&config).unwrap();
        assert_eq!(default_save_dir(&dirs), config);
        std::fs::create_dir(&local).unwrap();
        assert_eq!(default_save_dir(&dirs), local);
        assert_eq!(default_save_dir(&[]), PathBuf::from("profiles"));
    }

    #[test]
    fn relabel_only_when_the_label_was_the_stem() {
        let p = Path::new("okta.toml");
        assert_eq!(
            relabelled(p, b"name = \"okta\" # same\n", "prod").as_deref(),
            Some("name = \"prod\" # same\n")
        );
        assert_eq!(relabelled(p, b"name = \"Okta EU\"\n", "prod"), None);
        assert_eq!(relabelled(p, b"client_id = \"x\"\n", "prod"), None);
        assert_eq!(relabelled(p, b"name = [", "prod"), None);
    }

    #[test]
    fn target_refuses_invalid_names() {
        let e = target(Path::new("d"), "../x").unwrap_err();
        assert!(matches!(e, StoreError::InvalidName { .. }));
        assert!(e
            .to_string()
            .starts_with("\"../x\" is not a valid profile name: "));
        assert_eq!(
            target(Path::new("d"), "x").unwrap(),
            Path::new("d").join("x.toml")
        );
    }
}
