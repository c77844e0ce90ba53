//! Files tokenbench writes (the token cache, saved profiles, the log, and anything else
//! written with `profile::store`) never follow a symbolic link and only go into
//! directories that no one else can change.
//!
//! The tests run as root here, and root bypasses the kernel's permission checks: what is
//! tested is tokenbench's own refusal (it reads the owner and mode bits itself), not the
//! kernel's.
#![cfg(unix)]

use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;

use tokenbench::cache::{CacheError, CachedTokens, TokenCache};
use tokenbench::profile::store::{
    check_private_dir, create_private_dir, open_private_append, write_atomic, write_new, NewMode,
};
use tokenbench::profile::{ProfileDocument, RawProfile};

fn entry(profile: &str) -> CachedTokens {
    serde_json::from_value(serde_json::json!({
        "format": 1,
        "profile": profile,
        "issuer": "https://i",
        "client_id": "app",
        "token_endpoint": "https://i/token",
        "received_at": 1000,
        "response": {"access_token": "at-secret", "token_type": "Bearer"}
    }))
    .unwrap()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A file outside the directory that an attacker wants overwritten.
fn victim(dir: &Path) -> std::path::PathBuf {
    let victim = dir.join("victim");
    std::fs::write(&victim, "precious").unwrap();
    victim
}

#[test]
fn a_symlink_at_the_cache_file_is_refused_and_its_target_untouched() {
    let home = tempfile::tempdir().unwrap();
    let victim = victim(home.path());
    let cache = TokenCache::at(home.path().join("cache"));
    create_private_dir(cache.dir()).unwrap();
    symlink(&victim, cache.path_for("p")).unwrap();
    let e = cache.save(&entry("p")).unwrap_err();
    assert!(matches!(e, CacheError::Write { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("symbolic link") && text.contains("p.json"),
        "{text}"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(std::fs::symlink_metadata(cache.path_for("p"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn a_symlink_at_the_temporary_name_is_never_written_through() {
    let home = tempfile::tempdir().unwrap();
    let victim = victim(home.path());
    let dir = home.path().join("cache");
    create_private_dir(&dir).unwrap();
    // The first temporary name write_atomic tries for `p.json` in this process.
    let planted = dir.join(format!(".p.json.tmp{}-0", std::process::id()));
    symlink(&victim, &planted).unwrap();
    write_atomic(&dir.join("p.json"), "{}\n", true).unwrap();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(std::fs::read_to_string(dir.join("p.json")).unwrap(), "{}\n");
    assert_eq!(mode(&dir.join("p.json")), 0o600);
    assert!(std::fs::symlink_metadata(&planted)
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn a_symlinked_profile_from_a_repository_cannot_make_a_save_overwrite_its_target() {
    let home = tempfile::tempdir().unwrap();
    let victim = home.path().join(".bashrc");
    std::fs::write(&victim, "client_id = \"x\"\n").unwrap();
    let profiles = home.path().join("repo").join("profiles");
    create_private_dir(&profiles).unwrap();
    let work = profiles.join("work.toml");
    symlink(&victim, &work).unwrap();
    let mut doc = ProfileDocument::open(&work).unwrap();
    let raw = RawProfile {
        client_id: Some("changed".into()),
        ..doc.raw().clone()
    };
    let e = doc.save(&raw).unwrap_err();
    assert!(e.to_string().contains("symbolic link"), "{e}");
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "client_id = \"x\"\n"
    );
    // write_new does not follow it either: the name is taken.
    let e = write_new(&work, b"x", NewMode::Default).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "client_id = \"x\"\n"
    );
}

#[test]
fn the_log_is_0600_and_never_opened_through_a_symlink() {
    let home = tempfile::tempdir().unwrap();
    let victim = victim(home.path());
    let dir = home.path().join("state").join("tokenbench");
    create_private_dir(&dir).unwrap();
    let log = dir.join("tokenbench.log");

    symlink(&victim, &log).unwrap();
    let e = open_private_append(&log).unwrap_err();
    assert!(e.to_string().contains("symbolic link"), "{e}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");

    std::fs::remove_file(&log).unwrap();
    open_private_append(&log).unwrap();
    assert_eq!(mode(&log), 0o600);
    // A log left readable by an older version is made private.
    chmod(&log, 0o644);
    use std::io::Write as _;
    writeln!(open_private_append(&log).unwrap(), "line").unwrap();
    assert_eq!(mode(&log), 0o600);
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "line\n");
}

#[test]
fn a_group_or_world_writable_directory_is_refused_with_the_chmod_that_fixes_it() {
    let home = tempfile::tempdir().unwrap();
    for (bits, who) in [
        (0o770, "its group (mode 0770)"),
        (0o707, "others (mode 0707)"),
        (0o1777, "its group and by others (mode 1777)"),
    ] {
        let data = home.path().join(format!("data-{bits:o}"));
        std::fs::create_dir(&data).unwrap();
        chmod(&data, bits);
        let fix = format!("fix: chmod go-w {}", data.display());

        let e = create_private_dir(&data).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::PermissionDenied);
        let text = e.to_string();
        assert!(text.contains(who) && text.ends_with(&fix), "{text}");

        let cache = TokenCache::at(&data);
        let text = cache.save(&entry("p")).unwrap_err().to_string();
        assert!(text.contains(&fix), "{text}");
        assert!(!cache.path_for("p").exists());

        let file = data.join("p.toml");
        assert!(write_atomic(&file, "x", false)
            .unwrap_err()
            .to_string()
            .contains(&fix));
        assert!(write_new(&file, b"x", NewMode::Default)
            .unwrap_err()
            .to_string()
            .contains(&fix));
        assert!(open_private_append(&data.join("tokenbench.log"))
            .unwrap_err()
            .to_string()
            .contains(&fix));
        assert_eq!(
            std::fs::read_dir(&data).unwrap().count(),
            0,
            "nothing written"
        );

        // The fix works.
        chmod(&data, bits & !0o022);
        cache.save(&entry("p")).unwrap();
    }
}

#[test]
fn a_directory_owned_by_someone_else_is_refused_with_the_chown_that_fixes_it() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("theirs");
    std::fs::create_dir(&data).unwrap();
    chmod(&data, 0o700);
    // Giving a directory away needs root; as another user this test has nothing to check
    // (a directory owned by someone else cannot be made here), so it ends.
    if std::os::unix::fs::chown(&data, Some(65534), Some(65534)).is_err() {
        eprintln!("skipped: not root, cannot give a directory to another user");
        return;
    }
    let e = check_private_dir(&data).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::PermissionDenied);
    let text = e.to_string();
    assert!(text.contains("owned by uid 65534"), "{text}");
    assert!(text.contains("fix: chown "), "{text}");
    let text = TokenCache::at(&data)
        .save(&entry("p"))
        .unwrap_err()
        .to_string();
    assert!(text.contains("owned by uid 65534"), "{text}");
}

#[test]
fn directories_tokenbench_creates_are_0700_and_accepted() {
    let home = tempfile::tempdir().unwrap();
    let cache = TokenCache::at(home.path().join("a").join("b").join("cache"));
    let path = cache.save(&entry("p")).unwrap();
    assert_eq!((mode(cache.dir()), mode(&path)), (0o700, 0o600));
    // A directory of the user's own that others may read (0755) is fine too.
    chmod(cache.dir(), 0o755);
    cache.save(&entry("p")).unwrap();
    check_private_dir(cache.dir()).unwrap();
}
