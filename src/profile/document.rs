//! A profile file opened for editing: saving changes only the keys that changed, and never
//! overwrites a file that someone else changed or broke in the meantime.

use std::path::{Path, PathBuf};

use toml_edit::DocumentMut;

use super::edit;
use super::load::{decode_text, parse_raw, read_text, ProfileError};
use super::model::RawProfile;
use super::store::{create_private_dir, write_atomic};

/// What happened to the file on disk since it was opened or last saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskChange {
    Modified,
    Deleted,
    /// A file appeared where a new profile was to be written.
    Created,
}

impl std::fmt::Display for DiskChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DiskChange::Modified => "changed on disk since it was opened",
            DiskChange::Deleted => "deleted on disk since it was opened",
            DiskChange::Created => "created on disk by something else",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The file is not what this document last read or wrote; the caller decides (reload,
    /// save elsewhere). Nothing was written.
    #[error("{}: {change}; not saved", file.display())]
    ChangedOnDisk { file: PathBuf, change: DiskChange },
    /// The file on disk no longer parses; it is left exactly as it is.
    #[error("{}: not saved, the file on disk no longer parses: {}", error.file.display(), error.detail())]
    Unparseable { error: ProfileError },
    #[error("{}: cannot read the file on disk: {source}", file.display())]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: cannot create the directory: {source}", dir.display())]
    CreateDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    /// Writing failed; the old file is unchanged.
    #[error("{}: cannot write: {source}", file.display())]
    Write {
        file: PathBuf,
        source: std::io::Error,
    },
    /// The edited text would not load back as the values given (a bug, or a layout the
    /// editor does not handle); nothing was written.
    #[error("{}: not saved, the edited file would not read back as given: {detail}", file.display())]
    NotRoundTrip { file: PathBuf, detail: String },
}

/// A profile file as loaded, kept so that saving can change it in place.
#[derive(Clone)]
pub struct ProfileDocument {
    path: PathBuf,
    /// The document as last read or written, comments and layout included.
    doc: DocumentMut,
    /// The values `doc` holds.
    raw: RawProfile,
    /// The file's text as last read or written; None while it is not on disk.
    on_disk: Option<String>,
}

// By hand: the document text may hold a literal secret; RawProfile's Debug hides it.
impl std::fmt::Debug for ProfileDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProfileDocument")
            .field("path", &self.path)
            .field("raw", &self.raw)
            .field("on_disk", &self.on_disk.is_some())
            .finish()
    }
}

impl ProfileDocument {
    /// Reads and parses a profile. It need not be valid (that is what editing is for), but it
    /// must be TOML holding only profile keys with string values.
    pub fn open(path: &Path) -> Result<ProfileDocument, ProfileError> {
        let text = read_text(path)?;
        let (doc, raw) = parse(path, &text)?;
        Ok(ProfileDocument {
            path: path.to_owned(),
            doc,
            raw,
            on_disk: Some(text),
        })
    }

    /// A profile that is not on disk yet; saving creates it (and refuses if the file has
    /// appeared meanwhile).
    pub fn new_file(path: &Path) -> ProfileDocument {
        ProfileDocument {
            path: path.to_owned(),
            doc: DocumentMut::new(),
            raw: RawProfile::default(),
            on_disk: None,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The SHA-256 of the file's bytes as last read or written; None while it is not on disk.
    /// What trusting the file records (see `profile::trust`).
    pub fn sha256(&self) -> Option<String> {
        self.on_disk
            .as_deref()
            .map(|t| super::trust::sha256_hex(t.as_bytes()))
    }

    /// The values as last loaded or saved.
    pub fn raw(&self) -> &RawProfile {
        &self.raw
    }

    /// Re-reads the file as it is on disk now, after a [`SaveError::ChangedOnDisk`]: the next
    /// save writes its values over the new contents, still keeping their layout.
    pub fn reload(&mut self) -> Result<&RawProfile, ProfileError> {
        *self = ProfileDocument::open(&self.path)?;
        Ok(&self.raw)
    }

    /// Writes `raw`, changing only the keys whose value differs from [`raw`](Self::raw).
    /// Invalid profiles are saved too: drafts are allowed, validation is the caller's.
    ///
    /// The file becomes 0600 when it holds a literal client secret, else keeps its mode (0644
    /// for a new file); a missing directory is created 0700. Saving the unchanged values of a
    /// file on disk writes nothing.
    pub fn save(&mut self, raw: &RawProfile) -> Result<(), SaveError> {
        self.check_disk()?;
        if self.on_disk.is_some() && *raw == self.raw {
            return Ok(());
        }
        let mut doc = self.doc.clone();
        edit::apply(&mut doc, &self.raw, raw);
        let text = self.with_line_endings(doc.to_string(), raw);
        self.check_round_trip(&text, raw)?;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(|source| SaveError::CreateDir {
                dir: dir.to_owned(),
                source,
            })?;
        }
        write_atomic(&self.path, &text, raw.has_literal_secret()).map_err(|source| {
            SaveError::Write {
                file: self.path.clone(),
                source,
            }
        })?;
        self.doc = doc;
        self.raw = raw.clone();
        self.on_disk = Some(text);
        Ok(())
    }

    /// Refuses to save over anything but the bytes this document last read or wrote. (A
    /// change between this check and the rename is not caught; there is no file locking.)
    fn check_disk(&self) -> Result<(), SaveError> {
        let current = match std::fs::read(&self.path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(SaveError::Read {
                    file: self.path.clone(),
                    source,
                })
            }
        };
        let expected = self.on_disk.as_deref().map(str::as_bytes);
        if current.as_deref() == expected {
            return Ok(());
        }
        let change = match current {
            // Not on disk now, so it was when last read or written.
            None => DiskChange::Deleted,
            Some(bytes) => {
                let parsed =
                    decode_text(&self.path, bytes).and_then(|text| parse(&self.path, &text));
                if let Err(error) = parsed {
                    return Err(SaveError::Unparseable { error });
                }
                if expected.is_some() {
                    DiskChange::Modified
                } else {
                    DiskChange::Created
                }
            }
        };
        Err(SaveError::ChangedOnDisk {
            file: self.path.clone(),
            change,
        })
    }

    /// The rendered text (always `\n`) with the file's own `\r\n` line endings when it had
    /// them, unless that would change a multi-line string's value.
    fn with_line_endings(&self, text: String, raw: &RawProfile) -> String {
        if !self.on_disk.as_deref().is_some_and(edit::uses_crlf) {
            return text;
        }
        let crlf = edit::to_crlf(&text);
        if parse_raw(&self.path, &crlf).is_ok_and(|back| back == *raw) {
            crlf
        } else {
            text
        }
    }

    /// The text about to be written must read back as exactly `raw`.
    fn check_round_trip(&self, text: &str, raw: &RawProfile) -> Result<(), SaveError> {
        let detail = match parse_raw(&self.path, text) {
            Ok(back) if back == *raw => return Ok(()),
            Ok(back) => format!("key `{}` differs", first_difference(&back, raw)),
            Err(e) => e.detail(),
        };
        Err(SaveError::NotRoundTrip {
            file: self.path.clone(),
            detail,
        })
    }
}

/// Both views of the text: the editable document and the values.
fn parse(path: &Path, text: &str) -> Result<(DocumentMut, RawProfile), ProfileError> {
    // The values first: their errors name the key.
    let raw = parse_raw(path, text)?;
    let doc = text
        .parse::<DocumentMut>()
        .map_err(|e| ProfileError::new(path, None, e.message().trim().to_owned()))?;
    Ok((doc, raw))
}

/// The first key whose value differs, for the error message.
fn first_difference(a: &RawProfile, b: &RawProfile) -> String {
    let scalars = a.scalars().into_iter().zip(b.scalars());
    if let Some(((key, _), _)) = scalars.into_iter().find(|((_, x), (_, y))| x != y) {
        return key.to_owned();
    }
    if a.auth_params != b.auth_params {
        "auth_params".to_owned()
    } else {
        "token_params".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# mine\nclient_id = \"app\"  # registered 2024\n";

    fn opened(text: &str) -> (tempfile::TempDir, PathBuf, ProfileDocument) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        std::fs::write(&path, text).unwrap();
        let doc = ProfileDocument::open(&path).unwrap();
        (dir, path, doc)
    }

    #[test]
    fn open_reads_values_and_names_parse_errors() {
        let (_dir, path, doc) = opened(TEXT);
        assert_eq!(doc.path(), path);
        assert_eq!(doc.raw().client_id.as_deref(), Some("app"));
        std::fs::write(&path, "colour = \"blue\"\n").unwrap();
        let e = ProfileDocument::open(&path).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("colour"));
        assert_eq!(e.file, path);
    }

    #[test]
    fn save_changes_only_what_changed_and_updates_raw() {
        let (_dir, path, mut doc) = opened(TEXT);
        let mut raw = doc.raw().clone();
        raw.client_id = Some("other".into());
        doc.save(&raw).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "# mine\nclient_id = \"other\"  # registered 2024\n"
        );
        assert_eq!(doc.raw(), &raw);
        raw.scope = Some("openid".into());
        doc.save(&raw).unwrap();
        assert!(std::fs::read_to_string(&path)
            .unwrap()
            .ends_with("scope = \"openid\"\n"));
    }

    #[test]
    fn unchanged_save_writes_nothing() {
        let (_dir, path, mut doc) = opened(TEXT);
        let before = std::fs::metadata(&path).unwrap().modified().unwrap();
        let raw = doc.raw().clone();
        doc.save(&raw).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), TEXT);
        assert_eq!(
            std::fs::metadata(&path).unwrap().modified().unwrap(),
            before
        );
    }

    #[test]
    fn refuses_changed_deleted_created_and_broken_files() {
        let (_dir, path, mut doc) = opened(TEXT);
        let raw = RawProfile {
            client_id: Some("x".into()),
            ..RawProfile::default()
        };
        std::fs::write(&path, "client_id = \"theirs\"\n").unwrap();
        assert!(matches!(
            doc.save(&raw),
            Err(SaveError::ChangedOnDisk {
                change: DiskChange::Modified,
                ..
            })
        ));
        std::fs::write(&path, "client_id = [").unwrap();
        let e = doc.save(&raw).unwrap_err();
        assert!(matches!(e, SaveError::Unparseable { .. }), "{e}");
        assert!(e.to_string().contains("no longer parses"), "{e}");
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(
            doc.save(&raw),
            Err(SaveError::ChangedOnDisk {
                change: DiskChange::Deleted,
                ..
            })
        ));

        let mut fresh = ProfileDocument::new_file(&path);
        std::fs::write(&path, TEXT).unwrap();
        assert!(matches!(
            fresh.save(&raw),
            Err(SaveError::ChangedOnDisk {
                change: DiskChange::Created,
                ..
            })
        ));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), TEXT);
    }

    #[test]
    fn reload_then_save_writes_over_the_new_contents() {
        let (_dir, path, mut doc) = opened(TEXT);
        std::fs::write(&path, "# theirs\nclient_id = \"theirs\"\n").unwrap();
        let mut raw = doc.raw().clone();
        raw.client_id = Some("mine".into());
        assert!(doc.save(&raw).is_err());
        assert_eq!(doc.reload().unwrap().client_id.as_deref(), Some("theirs"));
        doc.save(&raw).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "# theirs\nclient_id = \"mine\"\n"
        );
    }

    #[test]
    fn debug_shows_no_literal_secret() {
        let (_dir, _path, doc) = opened("client_secret = \"hunter2\"\n");
        assert!(!format!("{doc:?}").contains("hunter2"));
    }

    #[test]
    fn text_that_would_not_read_back_is_refused() {
        let (_dir, _path, doc) = opened(TEXT);
        let e = doc
            .check_round_trip("client_id = \"other\"\n", doc.raw())
            .unwrap_err();
        assert!(e.to_string().contains("key `client_id` differs"), "{e}");
        let e = doc
            .check_round_trip("client_id = [", doc.raw())
            .unwrap_err();
        assert!(matches!(e, SaveError::NotRoundTrip { .. }), "{e}");
    }

    #[test]
    fn crlf_is_dropped_rather_than_change_a_multi_line_value() {
        let text = "client_id = \"a\"\r\nstate = \"\"\"x\ny\"\"\"\r\n";
        let (_dir, path, mut doc) = opened(text);
        let mut raw = doc.raw().clone();
        raw.client_id = Some("b".into());
        doc.save(&raw).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "client_id = \"b\"\nstate = \"\"\"x\ny\"\"\"\n"
        );
    }

    #[test]
    fn first_difference_names_the_key() {
        let a = RawProfile::default();
        let mut b = a.clone();
        b.state = Some("s".into());
        assert_eq!(first_difference(&a, &b), "state");
        let mut c = a.clone();
        c.token_params.insert("k".into(), "v".into());
        assert_eq!(first_difference(&a, &c), "token_params");
    }
}
