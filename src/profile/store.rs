//! Finding profiles by name or path, and writing them safely.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::load::ProfileError;

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
    if arg.is_empty() || arg.contains("..") || arg.chars().any(char::is_control) {
        return Err(ProfileError::new(
            as_path,
            None,
            "is not a valid profile name",
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

/// Writes `contents` to `path` atomically: a temporary file in the same directory, synced,
/// then renamed over the target, so a crash never leaves half a profile. `private` creates
/// the file 0600 from the start (it holds a literal secret).
pub fn write_atomic(path: &Path, contents: &str, private: bool) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut attempt = 0u32;
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(".{name}.tmp{}-{attempt}", std::process::id()));
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(if private { 0o600 } else { 0o644 });
        }
        match opts.open(&tmp) {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 16 => attempt += 1,
            Err(e) => return Err(e),
        }
    };
    let result = file
        .write_all(contents.as_bytes())
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
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
}
