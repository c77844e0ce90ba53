//! File permissions that expose a secret.

use std::path::Path;

use super::RawProfile;

/// A warning when `file` holds a literal client secret and others may read it.
pub fn literal_secret_exposed(file: &Path, raw: &RawProfile) -> Option<String> {
    if !raw.has_literal_secret() {
        return None;
    }
    exposed_mode(file).map(|mode| {
        format!(
            "{} holds a literal client_secret and is readable by others (mode {mode:04o}): run `chmod 600 {}`, or use client_secret = \"env:NAME\" or \"cmd:<helper>\"",
            file.display(),
            file.display()
        )
    })
}

#[cfg(unix)]
fn exposed_mode(file: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(file).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn exposed_mode(_file: &Path) -> Option<u32> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn warns_only_for_a_readable_literal_secret() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.toml");
        std::fs::write(&file, "").unwrap();
        let literal = RawProfile {
            client_secret: Some("hunter2".into()),
            ..RawProfile::default()
        };
        let env = RawProfile {
            client_secret: Some("env:X".into()),
            ..RawProfile::default()
        };
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let w = literal_secret_exposed(&file, &literal).unwrap();
        assert!(
            w.contains("mode 0644") && w.contains("chmod 600") && !w.contains("hunter2"),
            "{w}"
        );
        assert!(literal_secret_exposed(&file, &env).is_none());
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(literal_secret_exposed(&file, &literal).is_none());
    }
}
