//! The profile's own DPoP key when `dpop_key` names none: an ES256 key made once, 0600, in
//! the data directory next to the token cache (`<data>/tokenbench/dpop/<profile>.pem`), and
//! reused, so the tokens bound to it stay usable.

use std::ffi::OsString;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use crate::oauth::client_assertion::os_jti;
use crate::oauth::dpop::DpopProver;
use crate::oauth::jose::sign::{generate_pkcs8, pkcs8_pem};
use crate::oauth::jose::{SignAlg, Signer};
use crate::profile::store::create_private_dir;
use crate::profile::{Profile, SecretError};

use super::store::file_stem;

/// A key file is a few hundred bytes; anything larger is not ours.
const MAX_KEY_BYTES: u64 = 64 * 1024;

fn key_error(reason: String) -> SecretError {
    SecretError::Key {
        key: "dpop_key",
        reason,
    }
}

/// `<data dir>/tokenbench/dpop`.
pub fn user_dir() -> Result<PathBuf, SecretError> {
    let data = dirs::data_dir().ok_or_else(|| {
        key_error("is not set, and no data directory is known to keep one in".into())
    })?;
    Ok(data.join("tokenbench").join("dpop"))
}

/// The key file of `profile` in `dir`.
pub fn path_for(dir: &Path, profile: &str) -> PathBuf {
    dir.join(format!("{}.pem", file_stem(profile)))
}

fn open_options() -> std::fs::OpenOptions {
    let mut opts = std::fs::OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // A planted symbolic link is never followed, for reading or for writing.
        opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    opts
}

fn read_existing(path: &Path) -> std::io::Result<String> {
    let file = open_options().read(true).open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() || meta.len() > MAX_KEY_BYTES {
        return Err(std::io::Error::other("not a key file"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // Another user's file, or one others can read, is not a private key to trust.
        if meta.uid() != current_uid() || meta.mode() & 0o077 != 0 {
            return Err(std::io::Error::other(
                "is not private to this user (owner or mode 0600)",
            ));
        }
    }
    let mut text = String::new();
    file.take(MAX_KEY_BYTES).read_to_string(&mut text)?;
    Ok(text)
}

#[cfg(unix)]
fn current_uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

fn create(path: &Path, pem: &str) -> std::io::Result<()> {
    // create_new: O_EXCL, so an existing key (or link) is never overwritten.
    let mut file = open_options().write(true).create_new(true).open(path)?;
    file.write_all(pem.as_bytes())?;
    file.sync_all()
}

/// The key text of `profile` in `dir`: read when it exists, else made now.
pub fn load_or_create(dir: &Path, profile: &str) -> Result<String, SecretError> {
    let path = path_for(dir, profile);
    let shown = |e: std::io::Error| key_error(format!("(the key kept at {}) {e}", path.display()));
    create_private_dir(dir).map_err(shown)?;
    match read_existing(&path) {
        Ok(text) => return Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(shown(e)),
    }
    let der = generate_pkcs8(SignAlg::ES256).map_err(|e| key_error(e.to_string()))?;
    let pem = pkcs8_pem(&der);
    match create(&path, &pem) {
        Ok(()) => Ok(pem),
        // Another process made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            read_existing(&path).map_err(shown)
        }
        Err(e) => Err(shown(e)),
    }
}

/// The profile's DPoP prover, None without `dpop = true`. `dir`: where a key of its own is
/// kept (None: the user's data directory).
pub fn prover(
    profile: &Profile,
    env: &dyn Fn(&str) -> Option<OsString>,
    dir: Option<&Path>,
    now: fn() -> i64,
) -> Result<Option<DpopProver>, SecretError> {
    if !profile.dpop {
        return Ok(None);
    }
    let signer = match profile.dpop_key_signer(env)? {
        Some(signer) => signer,
        None => {
            let dir = match dir {
                Some(d) => d.to_owned(),
                None => user_dir()?,
            };
            let text = load_or_create(&dir, &profile.name)?;
            Signer::from_key_text(&text, None).map_err(|e| key_error(e.to_string()))?
        }
    };
    DpopProver::new(signer, now, os_jti)
        .map(Some)
        .map_err(|e| key_error(format!("cannot make DPoP proofs: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn made_once_private_and_reused() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("dpop");
        let first = load_or_create(&dir, "okta").unwrap();
        assert!(first.starts_with("-----BEGIN PRIVATE KEY-----"));
        let path = path_for(&dir, "okta");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(load_or_create(&dir, "okta").unwrap(), first);
        assert_ne!(load_or_create(&dir, "other").unwrap(), first);
        Signer::from_key_text(&first, None).unwrap();
    }

    #[test]
    fn a_planted_symlink_is_neither_followed_nor_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("dpop");
        create_private_dir(&dir).unwrap();
        let target = tmp.path().join("victim");
        std::fs::write(&target, "keep me").unwrap();
        std::os::unix::fs::symlink(&target, path_for(&dir, "p")).unwrap();
        let e = load_or_create(&dir, "p").unwrap_err();
        assert!(
            matches!(
                e,
                SecretError::Key {
                    key: "dpop_key",
                    ..
                }
            ),
            "{e}"
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
        // A dangling link is refused too, and nothing is created through it.
        let dangling = tmp.path().join("nowhere");
        std::fs::remove_file(path_for(&dir, "p")).unwrap();
        std::os::unix::fs::symlink(&dangling, path_for(&dir, "p")).unwrap();
        assert!(load_or_create(&dir, "p").is_err());
        assert!(!dangling.exists());
    }

    #[test]
    fn a_key_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("dpop");
        load_or_create(&dir, "p").unwrap();
        let path = path_for(&dir, "p");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(load_or_create(&dir, "p").is_err());
    }
}
