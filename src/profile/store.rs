//! Finding profiles by name or path, and writing them safely.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::load::ProfileError;
use super::name::validate_name;

/// Where named profiles are looked up, in order: `./profiles/`, then the user's config dir.
pub fn search_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![PathBuf::from("profiles")];
    if let Some(config) = dirs::config_dir() {
        dirs.push(config.join("tokenbench").join("profiles"));
    }
    dirs
}

/// Resolves `--profile`: an existing path is used as is; a bare name is looked up as
/// `NAME.toml` in the search dirs.
pub fn resolve(arg: &str, dirs: &[PathBuf]) -> Result<PathBuf, ProfileError> {
    let as_path = Path::new(arg);
    let looks_like_path =
        arg.contains(std::path::MAIN_SEPARATOR) || arg.contains('/') || arg.ends_with(".toml");
    if as_path.is_file() || looks_like_path {
        return Ok(as_path.to_owned());
    }
    if let Err(e) = validate_name(arg) {
        return Err(ProfileError::new(
            as_path,
            None,
            format!("is not a valid profile name: {e}"),
        ));
    }
    let file = format!("{arg}.toml");
    for dir in dirs {
        let candidate = dir.join(&file);
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    let looked: Vec<String> = dirs
        .iter()
        .map(|d| d.join(&file).display().to_string())
        .collect();
    Err(ProfileError::new(
        as_path,
        None,
        format!("no such profile (looked for {})", looked.join(", ")),
    ))
}

/// For a bare name found in more than one search dir: the files after the first, which
/// `--profile NAME` does not reach (a cloned repository's `./profiles/NAME.toml` shadows the
/// user's own). Empty for a path, or a name found once.
pub fn shadowed(arg: &str, dirs: &[PathBuf]) -> Vec<PathBuf> {
    let as_path = Path::new(arg);
    let looks_like_path =
        arg.contains(std::path::MAIN_SEPARATOR) || arg.contains('/') || arg.ends_with(".toml");
    if as_path.is_file() || looks_like_path || validate_name(arg).is_err() {
        return Vec::new();
    }
    let file = format!("{arg}.toml");
    let found: Vec<PathBuf> = dirs
        .iter()
        .map(|d| d.join(&file))
        .filter(|c| c.is_file())
        .collect();
    found.into_iter().skip(1).collect()
}

/// Creates `dir` and any missing parents, private to the user (0700) from the start: the
/// directory may come to hold literal client secrets. An existing `dir` must pass
/// [`check_private_dir`].
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)?;
    check_private_dir(dir)
}

/// Refuses a directory that someone else could change under tokenbench's feet: it must be
/// owned by the user (or root) and not writable by its group or others. Whoever can write
/// to a directory can plant a symbolic link or swap a file there between two of our steps,
/// so every writer checks the directory first. The error names the directory and the
/// `chmod` or `chown` that fixes it (kind `PermissionDenied`).
///
/// A symbolic link to a directory is judged by the directory it points to; only the
/// directory that holds the file is checked, not its parents.
pub fn check_private_dir(dir: &Path) -> std::io::Result<()> {
    let meta = std::fs::metadata(dir)?;
    if !meta.is_dir() {
        return Err(std::io::Error::other(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if let Some(why) = unsafe_dir(dir, meta.uid(), meta.mode(), me) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                why,
            ));
        }
    }
    Ok(())
}

/// Why a directory owned by `owner` with `mode` is unsafe for user `me` to write into;
/// None when it is safe. Pure, so the rules are tested without a second user account.
#[cfg(unix)]
fn unsafe_dir(dir: &Path, owner: u32, mode: u32, me: u32) -> Option<String> {
    let shown = shell_word(&dir.display().to_string());
    if owner != me && owner != 0 {
        return Some(format!(
            "refusing to write in {}: the directory is owned by uid {owner}, not by you (uid {me}), so its owner could swap the files tokenbench writes there; fix: chown {me} {shown} (or use a directory of your own)",
            dir.display()
        ));
    }
    let who = match (mode & 0o020 != 0, mode & 0o002 != 0) {
        (true, true) => "its group and by others",
        (true, false) => "its group",
        (false, true) => "others",
        (false, false) => return None,
    };
    Some(format!(
        "refusing to write in {}: the directory is writable by {who} (mode {:04o}), so they could swap the files tokenbench writes there; fix: chmod go-w {shown}",
        dir.display(),
        mode & 0o7777
    ))
}

/// `word` quoted for a POSIX shell when it needs it, so a suggested command can be pasted.
#[cfg(unix)]
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+,:@%".contains(&b));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The directory that holds `path` ("." for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Options for creating a file that never follow a symbolic link at `path` (`O_NOFOLLOW`;
/// with `create_new`, `O_EXCL` refuses any existing entry, a link included) and are 0600
/// from their creation.
fn no_follow(opts: &mut std::fs::OpenOptions) -> &mut std::fs::OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    opts
}

/// The refusal for a symbolic link where a file is to be written.
fn symlink_refused(path: &Path) -> std::io::Error {
    let target = std::fs::read_link(path)
        .map(|t| format!(" (it points to {})", t.display()))
        .unwrap_or_default();
    std::io::Error::new(
        std::io::ErrorKind::PermissionDenied,
        format!(
            "refusing to write {}: it is a symbolic link{target}, and tokenbench never writes through one; replace the link with a regular file if it is yours",
            path.display()
        ),
    )
}

/// Says so when an open failed because `O_NOFOLLOW` met a symbolic link (ELOOP).
fn explain_open(path: &Path, e: std::io::Error) -> std::io::Error {
    #[cfg(unix)]
    if e.raw_os_error() == Some(libc::ELOOP) {
        return symlink_refused(path);
    }
    let _ = path;
    e
}

/// Writes `contents` to `path` atomically: a temporary file in the same directory, synced,
/// then renamed over the target, so a crash or a failed write never leaves half a profile
/// and the old file stays as it was until the rename.
///
/// Mode: a new file is 0600 from its creation (profiles and caches are the user's own);
/// `private` keeps it exactly 0600 even over an existing file (it holds a literal secret);
/// otherwise an existing file keeps its mode.
///
/// No symbolic link is ever followed: the directory must pass [`check_private_dir`]; a link
/// at `path` is refused (a repository could ship `profiles/work.toml` pointing at the
/// user's `~/.bashrc`); the temporary file is created `O_EXCL | O_NOFOLLOW`, so a link
/// planted at its name is skipped, never written through; and `rename` replaces a directory
/// entry without following it, so a link planted at `path` after the check is itself
/// replaced and whatever it pointed to stays untouched.
pub fn write_atomic(path: &Path, contents: &str, private: bool) -> std::io::Result<()> {
    let dir = parent_dir(path);
    check_private_dir(dir)?;
    let existing_mode = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => return Err(symlink_refused(path)),
        Ok(meta) => Some(meta.permissions()),
        Err(_) => None,
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut attempt = 0u32;
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(".{name}.tmp{}-{attempt}", std::process::id()));
        match no_follow(std::fs::OpenOptions::new().write(true).create_new(true)).open(&tmp) {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 16 => attempt += 1,
            Err(e) => return Err(explain_open(&tmp, e)),
        }
    };
    let result = set_mode(&file, private, existing_mode)
        .and_then(|()| file.write_all(contents.as_bytes()))
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return result;
    }
    // Makes the rename itself durable; the write has succeeded either way.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Gives the temporary file its final mode before it holds anything: exactly 0600 for a
/// secret (whatever the umask), else the replaced file's mode.
fn set_mode(
    file: &std::fs::File,
    private: bool,
    existing: Option<std::fs::Permissions>,
) -> std::io::Result<()> {
    let wanted = if private {
        private_permissions()
    } else {
        existing
    };
    wanted.map_or(Ok(()), |p| file.set_permissions(p))
}

/// Exactly 0600, whatever the umask; None where modes do not exist.
fn private_permissions() -> Option<std::fs::Permissions> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(std::fs::Permissions::from_mode(0o600))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The mode of a file made by [`write_new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewMode {
    /// 0600 (less the umask): the user's own file.
    Default,
    /// Exactly 0600: the file holds a literal secret.
    Private,
    /// The same permissions as another file (a copy).
    Like(std::fs::Permissions),
}

/// Creates `path` with `contents`, refusing with `AlreadyExists` when it exists (a symbolic
/// link included, which is never followed): the existence check and the creation are one
/// step, so nothing is ever overwritten. The directory must pass [`check_private_dir`]. The
/// file has its final mode before it holds anything; a failed write removes it again.
pub fn write_new(path: &Path, contents: &[u8], mode: NewMode) -> std::io::Result<()> {
    check_private_dir(parent_dir(path))?;
    let mut file = no_follow(std::fs::OpenOptions::new().write(true).create_new(true))
        .open(path)
        .map_err(|e| explain_open(path, e))?;
    let permissions = match mode {
        NewMode::Like(permissions) => Some(permissions),
        NewMode::Private => private_permissions(),
        NewMode::Default => None,
    };
    let result = permissions
        .map_or(Ok(()), |p| file.set_permissions(p))
        .and_then(|()| file.write_all(contents))
        .and_then(|()| file.sync_all());
    if result.is_err() {
        let _ = std::fs::remove_file(path);
    }
    result
}

/// Opens `path` for appending (a log), creating it 0600; an existing file is made 0600 too.
/// Like every writer: the directory must pass [`check_private_dir`], and a symbolic link at
/// `path` is refused, never followed.
pub fn open_private_append(path: &Path) -> std::io::Result<std::fs::File> {
    check_private_dir(parent_dir(path))?;
    let file = no_follow(std::fs::OpenOptions::new().create(true).append(true))
        .open(path)
        .map_err(|e| explain_open(path, e))?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other(format!(
            "{} is not a regular file",
            path.display()
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_names_then_paths() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("okta.toml"), "").unwrap();
        let dirs = vec![dir.path().join("missing"), dir.path().to_owned()];
        assert_eq!(
            resolve("okta", &dirs).unwrap(),
            dir.path().join("okta.toml")
        );
        let e = resolve("nope", &dirs).unwrap_err();
        assert!(e.reason.contains("nope.toml"));
        assert_eq!(
            resolve("x/y.toml", &dirs).unwrap(),
            PathBuf::from("x/y.toml")
        );
        assert!(resolve("..", &dirs).is_err());
    }

    #[test]
    fn a_name_in_two_dirs_shadows_the_later_one() {
        let dir = tempfile::tempdir().unwrap();
        let (local, config) = (dir.path().join("profiles"), dir.path().join("config"));
        std::fs::create_dir(&local).unwrap();
        std::fs::create_dir(&config).unwrap();
        std::fs::write(local.join("work.toml"), "").unwrap();
        std::fs::write(config.join("work.toml"), "").unwrap();
        std::fs::write(config.join("own.toml"), "").unwrap();
        let dirs = vec![local.clone(), config.clone()];
        assert_eq!(resolve("work", &dirs).unwrap(), local.join("work.toml"));
        assert_eq!(shadowed("work", &dirs), vec![config.join("work.toml")]);
        assert!(shadowed("own", &dirs).is_empty());
        assert!(shadowed("nope", &dirs).is_empty());
        let path = config.join("work.toml").display().to_string();
        assert!(shadowed(&path, &dirs).is_empty(), "a path names one file");
    }

    #[test]
    fn atomic_write_replaces_and_sets_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.toml");
        write_atomic(&p, "one", false).unwrap();
        write_atomic(&p, "two", true).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[cfg(unix)]
    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[cfg(unix)]
    #[test]
    fn atomic_write_keeps_the_existing_mode_unless_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.toml");
        write_atomic(&p, "one", false).unwrap();
        assert_eq!(
            mode(&p),
            0o600,
            "new files are the user's own from their creation"
        );
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&p, "two", false).unwrap();
        assert_eq!(mode(&p), 0o640);
        write_atomic(&p, "three", true).unwrap();
        assert_eq!(mode(&p), 0o600);
        write_atomic(&p, "four", false).unwrap();
        assert_eq!(mode(&p), 0o600, "a private file stays private");
    }

    #[cfg(unix)]
    #[test]
    fn atomic_write_never_follows_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.toml");
        let link = dir.path().join("link.toml");
        std::fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let e = write_atomic(&link, "new", false).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::PermissionDenied);
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "old");
    }

    #[cfg(unix)]
    #[test]
    fn unsafe_dirs_name_the_fix() {
        let dir = Path::new("/home/u/.local/share/tokenbench");
        assert_eq!(unsafe_dir(dir, 1000, 0o40700, 1000), None);
        assert_eq!(unsafe_dir(dir, 1000, 0o40755, 1000), None);
        // Root's directories are safe for everyone (only root can change them).
        assert_eq!(unsafe_dir(dir, 0, 0o40755, 1000), None);
        let group = unsafe_dir(dir, 1000, 0o40775, 1000).unwrap();
        assert!(
            group.contains("writable by its group (mode 0775)"),
            "{group}"
        );
        assert!(
            group.ends_with("fix: chmod go-w /home/u/.local/share/tokenbench"),
            "{group}"
        );
        let world = unsafe_dir(dir, 1000, 0o41777, 1000).unwrap();
        assert!(
            world.contains("its group and by others (mode 1777)"),
            "{world}"
        );
        let theirs = unsafe_dir(dir, 1001, 0o40700, 1000).unwrap();
        assert!(
            theirs.contains("owned by uid 1001, not by you (uid 1000)"),
            "{theirs}"
        );
        assert!(
            theirs.contains("fix: chown 1000 /home/u/.local/share/tokenbench"),
            "{theirs}"
        );
        // A path a shell would split is quoted in the suggested command.
        let odd = unsafe_dir(Path::new("/tmp/it's here"), 1000, 0o40777, 1000).unwrap();
        assert!(odd.ends_with(r"chmod go-w '/tmp/it'\''s here'"), "{odd}");
    }

    #[cfg(unix)]
    #[test]
    fn private_dirs_are_0700_with_their_parents() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a").join("b");
        create_private_dir(&deep).unwrap();
        assert_eq!(mode(&deep), 0o700);
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        create_private_dir(&deep).unwrap();
    }

    #[test]
    fn resolve_refuses_invalid_names_but_takes_paths() {
        let dirs = vec![PathBuf::from("profiles")];
        for bad in ["", ".hidden", "a\\b", "x\n"] {
            let e = resolve(bad, &dirs).unwrap_err();
            assert!(e.reason.starts_with("is not a valid profile name: "), "{e}");
        }
        assert_eq!(
            resolve("../elsewhere/p.toml", &dirs).unwrap(),
            PathBuf::from("../elsewhere/p.toml")
        );
    }

    #[test]
    fn write_new_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("n.toml");
        write_new(&p, b"first", NewMode::Private).unwrap();
        let e = write_new(&p, b"second", NewMode::Default).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "first");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(mode(&p), 0o600);
            let q = dir.path().join("q.toml");
            let like = std::fs::Permissions::from_mode(0o640);
            write_new(&q, b"x", NewMode::Like(like)).unwrap();
            assert_eq!(mode(&q), 0o640);
        }
    }
}
