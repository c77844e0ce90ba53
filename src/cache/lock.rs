//! One writer per profile at a time: `token` takes an exclusive advisory lock before it
//! refreshes or signs in, so parallel callers (kubectl runs credential plugins in parallel)
//! wait and then serve what the first one cached, instead of each spending the refresh
//! token (an IdP that rotates them would see a reused one and revoke the whole grant).
//!
//! The lock is on a file of its own, `<profile>.lock` in `cache-locks/` beside the cache
//! directory, not on the JSON file: that one is replaced by a rename on every save, and a
//! lock on the replaced file guards nothing. Outside the cache directory, so that the
//! directory holds the entries and nothing else.

use std::fs::{File, OpenOptions};
use std::path::PathBuf;

use super::store::{CacheError, TokenCache};
use crate::profile::store::create_private_dir;

/// Held while it lives; dropping it (or the process ending) releases the lock.
#[derive(Debug)]
pub struct CacheLock {
    _file: File,
    path: PathBuf,
}

impl CacheLock {
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl TokenCache {
    /// Where the lock files live: `<cache dir>-locks`, beside the cache directory.
    pub fn lock_dir(&self) -> PathBuf {
        let name = self.dir().file_name().map_or_else(
            || "tokenbench-locks".to_owned(),
            |n| format!("{}-locks", n.to_string_lossy()),
        );
        self.dir().with_file_name(name)
    }

    /// The lock file of a profile's entry.
    pub fn lock_path_for(&self, profile: &str) -> PathBuf {
        let entry = self.path_for(profile);
        let stem = entry.file_stem().unwrap_or_default().to_string_lossy();
        self.lock_dir().join(format!("{stem}.lock"))
    }

    /// Waits for the profile's lock (blocking: call it off the async workers).
    pub fn lock(&self, profile: &str) -> Result<CacheLock, CacheError> {
        let dir = self.lock_dir();
        create_private_dir(&dir).map_err(|source| CacheError::CreateDir { dir, source })?;
        let path = self.lock_path_for(profile);
        let failed = |source| CacheError::Lock {
            file: path.clone(),
            source,
        };
        let file = open_lock_file(&path).map_err(failed)?;
        lock_exclusive(&file).map_err(failed)?;
        Ok(CacheLock { _file: file, path })
    }
}

/// flock(2), waiting: std's `File::lock` is newer than this crate's MSRV.
#[cfg(unix)]
fn lock_exclusive(file: &File) -> std::io::Result<()> {
    use std::os::unix::io::AsRawFd;
    loop {
        // SAFETY: the descriptor is open for as long as `file` lives.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// Without flock(2) parallel callers are not serialised (the cache stays whole: every
/// save is atomic).
#[cfg(not(unix))]
fn lock_exclusive(_file: &File) -> std::io::Result<()> {
    Ok(())
}

/// Created 0600, never through a symbolic link; an existing file is reused as it is (its
/// content is never read or written).
fn open_lock_file(path: &std::path::Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;

    fn try_lock(file: &File) -> bool {
        use std::os::unix::io::AsRawFd;
        // SAFETY: the descriptor is open for as long as `file` lives.
        unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
    }

    #[test]
    fn a_second_lock_waits_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let cache = TokenCache::at(dir.path().join("cache"));
        let first = cache.lock("p").unwrap();
        assert_eq!(first.path(), cache.lock_path_for("p"));
        // Another open file description of the same file: flock semantics, as between two
        // processes.
        let other = open_lock_file(first.path()).unwrap();
        assert!(!try_lock(&other));
        drop(first);
        assert!(try_lock(&other));
        // Another profile's lock is independent.
        let _q = cache.lock("q").unwrap();
    }

    #[test]
    fn the_lock_file_is_private_and_never_followed_through_a_link() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let cache = TokenCache::at(dir.path().join("cache"));
        let lock = cache.lock("p").unwrap();
        let mode = std::fs::metadata(lock.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        drop(lock);
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, "keep").unwrap();
        std::fs::remove_file(cache.lock_path_for("l")).ok();
        std::os::unix::fs::symlink(&target, cache.lock_path_for("l")).unwrap();
        assert!(cache.lock("l").is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    }
}
