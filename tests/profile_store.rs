//! Editing and storing profiles on disk: saves keep what the user wrote, modes protect
//! secrets, nothing is overwritten that should not be, and the catalog lists every file.

use std::path::{Path, PathBuf};

use rstest::rstest;
use tokenbench::profile::catalog::{self, Origin, ProfileEntry, StoreError};
use tokenbench::profile::store::resolve;
use tokenbench::profile::{load_file, DiskChange, ProfileDocument, RawProfile, SaveError};

const BEFORE: &str = r#"# Okta, EU tenant: ask Sam before changing the client.
name     = "Okta EU"
issuer   = 'https://eu.okta.example'   # literal string, kept as is

callback_url = "http://127.0.0.1:8765/callback"
auth_url     = "https://eu.okta.example/oauth2/v1/authorize"
token_url    = "https://eu.okta.example/oauth2/v1/token"

# the app registered in 2024
client_id     = "0oa1b2c3"  # public id
client_secret = "env:OKTA_SECRET"
scope = "openid profile"

[auth_params]
# always ask
prompt = "login"
audience = "api://default"   # for the API

# extra form fields
[token_params]
resource = "https://api.example"
"#;

const AFTER: &str = r#"# Okta, EU tenant: ask Sam before changing the client.
name     = "Okta EU"
issuer   = 'https://eu.okta.example'   # literal string, kept as is

callback_url = "http://127.0.0.1:8765/callback"
auth_url     = "https://eu.okta.example/oauth2/v1/authorize"
token_url    = "https://eu.okta.example/oauth2/v1/token"

# the app registered in 2024
client_id     = "0oa9z8y7"  # public id
scope = "openid profile email"
code_challenge_method = "S256"
state = "fixed-state"

[auth_params]
# always ask
audience = "api://v2"   # for the API

# extra form fields
[token_params]
resource = "https://api.example"
extra = "1"
"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn valid() -> RawProfile {
    RawProfile {
        name: Some("Demo".into()),
        callback_url: Some("http://127.0.0.1:8765/callback".into()),
        auth_url: Some("https://idp.example/authorize".into()),
        token_url: Some("https://idp.example/token".into()),
        client_id: Some("app".into()),
        scope: Some("openid".into()),
        ..RawProfile::default()
    }
}

// ---- saving ----------------------------------------------------------------------------

#[test]
fn save_keeps_comments_and_formatting_and_changes_only_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "okta.toml", BEFORE);
    let mut doc = ProfileDocument::open(&path).unwrap();
    let mut raw = doc.raw().clone();
    raw.client_id = Some("0oa9z8y7".into());
    raw.client_secret = None;
    raw.scope = Some("openid profile email".into());
    raw.state = Some("fixed-state".into());
    raw.code_challenge_method = Some("S256".into());
    raw.auth_params.remove("prompt");
    raw.auth_params.insert("audience".into(), "api://v2".into());
    raw.token_params.insert("extra".into(), "1".into());
    doc.save(&raw).unwrap();
    assert_eq!(read(&path), AFTER);
    assert_eq!(doc.raw(), &raw);
}

#[test]
fn removed_and_added_keys_follow_the_canonical_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "p.toml",
        "client_id = \"a\"\nscope = \"s\"\n\n[token_params]\nk = \"v\"\n",
    );
    let mut doc = ProfileDocument::open(&path).unwrap();
    let raw = RawProfile {
        client_id: Some("a".into()),
        state: Some("st".into()),
        token_url: Some("https://i/t".into()),
        name: Some("n".into()),
        auth_params: [("p".to_owned(), "1".to_owned())].into(),
        ..RawProfile::default()
    };
    doc.save(&raw).unwrap();
    assert_eq!(
        read(&path),
        "client_id = \"a\"\nname = \"n\"\ntoken_url = \"https://i/t\"\nstate = \"st\"\n\n[auth_params]\np = \"1\"\n"
    );
}

#[test]
fn crlf_files_keep_their_line_endings() {
    let dir = tempfile::tempdir().unwrap();
    let crlf = BEFORE.replace('\n', "\r\n");
    let path = write(dir.path(), "p.toml", &crlf);
    let mut doc = ProfileDocument::open(&path).unwrap();
    let mut raw = doc.raw().clone();
    raw.client_id = Some("0oa9z8y7".into());
    raw.client_secret = None;
    raw.scope = Some("openid profile email".into());
    raw.state = Some("fixed-state".into());
    raw.code_challenge_method = Some("S256".into());
    raw.auth_params.remove("prompt");
    raw.auth_params.insert("audience".into(), "api://v2".into());
    raw.token_params.insert("extra".into(), "1".into());
    doc.save(&raw).unwrap();
    assert_eq!(read(&path), AFTER.replace('\n', "\r\n"));

    // A line break in a value is written escaped, so every line still ends in \r\n.
    raw.state = Some("two\nlines".into());
    doc.save(&raw).unwrap();
    let text = read(&path);
    assert!(text.contains("state = \"two\\nlines\"\r\n"), "{text:?}");
    assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());
    assert_eq!(ProfileDocument::open(&path).unwrap().raw(), &raw);
}

#[test]
fn a_new_file_gets_every_key_in_canonical_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.toml");
    let mut doc = ProfileDocument::new_file(&path);
    let mut raw = valid();
    raw.state = Some("s".into());
    raw.issuer = Some("https://idp.example".into());
    raw.token_params.insert("resource".into(), "r".into());
    doc.save(&raw).unwrap();
    assert_eq!(
        read(&path),
        r#"name = "Demo"
issuer = "https://idp.example"
callback_url = "http://127.0.0.1:8765/callback"
auth_url = "https://idp.example/authorize"
token_url = "https://idp.example/token"
client_id = "app"
scope = "openid"
state = "s"

[token_params]
resource = "r"
"#
    );
}

#[test]
fn save_then_load_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rt.toml");
    let mut raw = valid();
    raw.client_secret = Some("s3 \"quoted\" \\ 'x'".into());
    raw.state = Some("line\nbreak\ttab".into());
    raw.auth_params
        .insert("odd key.with dots".into(), "ü".into());
    let mut doc = ProfileDocument::new_file(&path);
    doc.save(&raw).unwrap();
    assert_eq!(ProfileDocument::open(&path).unwrap().raw(), &raw);
    let profile = load_file(&path).unwrap();
    assert_eq!(profile.client_id.as_str(), "app");
    assert_eq!(
        profile.auth_params,
        [("odd key.with dots".into(), "ü".into())]
    );

    // Then edited again, by the same document.
    raw.auth_params.clear();
    raw.scope = None;
    doc.save(&raw).unwrap();
    assert_eq!(ProfileDocument::open(&path).unwrap().raw(), &raw);
}

#[test]
fn every_example_profile_survives_an_edit_and_back() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles");
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(examples).unwrap() {
        let source = entry.unwrap().path();
        let original = read(&source);
        let path = write(dir.path(), "copy.toml", &original);
        let mut doc = ProfileDocument::open(&path).unwrap();
        let before = doc.raw().clone();
        let mut raw = before.clone();
        raw.state = Some("edited".into());
        doc.save(&raw).unwrap();
        doc.save(&before).unwrap();
        assert_eq!(read(&path), original, "{}", source.display());
        std::fs::remove_file(&path).unwrap();
    }
}

#[cfg(unix)]
#[test]
fn literal_secret_makes_the_file_0600_env_secret_keeps_its_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "p.toml", "client_id = \"a\"\n");
    set_mode(&path, 0o644);
    let mut doc = ProfileDocument::open(&path).unwrap();

    let mut raw = doc.raw().clone();
    raw.client_secret = Some("env:APP_SECRET".into());
    doc.save(&raw).unwrap();
    assert_eq!(mode(&path), 0o644);

    raw.client_secret = Some("hunter2".into());
    doc.save(&raw).unwrap();
    assert_eq!(mode(&path), 0o600);

    let fresh = dir.path().join("fresh.toml");
    ProfileDocument::new_file(&fresh).save(&raw).unwrap();
    assert_eq!(mode(&fresh), 0o600, "private from the start");

    let public = dir.path().join("public.toml");
    let env_only = RawProfile {
        client_secret: Some("env:X".into()),
        ..RawProfile::default()
    };
    ProfileDocument::new_file(&public).save(&env_only).unwrap();
    assert_eq!(mode(&public) & !0o644, 0, "0644 less the umask");
    assert_eq!(mode(&public) & 0o600, 0o600);
}

#[cfg(unix)]
#[test]
fn a_missing_directory_is_created_0700() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("config").join("profiles");
    let path = sub.join("p.toml");
    ProfileDocument::new_file(&path).save(&valid()).unwrap();
    assert_eq!(mode(&sub), 0o700);
    assert_eq!(mode(&dir.path().join("config")), 0o700);
}

#[test]
fn refuses_a_file_changed_on_disk_and_leaves_it_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "p.toml", BEFORE);
    let mut doc = ProfileDocument::open(&path).unwrap();
    let theirs = BEFORE.replace("0oa1b2c3", "theirs");
    std::fs::write(&path, &theirs).unwrap();
    let mut raw = doc.raw().clone();
    raw.scope = Some("mine".into());
    let e = doc.save(&raw).unwrap_err();
    assert!(
        matches!(
            &e,
            SaveError::ChangedOnDisk {
                change: DiskChange::Modified,
                file
            } if file == &path
        ),
        "{e}"
    );
    assert!(e.to_string().contains("changed on disk"), "{e}");
    assert_eq!(read(&path), theirs);
}

#[test]
fn refuses_a_file_that_no_longer_parses_and_leaves_it_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "p.toml", BEFORE);
    let mut doc = ProfileDocument::open(&path).unwrap();
    for broken in [
        b"client_id = \"half".as_slice(),
        b"colour = \"blue\"\n",
        &[0xff, 0xfe, 0x00],
    ] {
        std::fs::write(&path, broken).unwrap();
        let mut raw = doc.raw().clone();
        raw.scope = Some("mine".into());
        let e = doc.save(&raw).unwrap_err();
        assert!(matches!(e, SaveError::Unparseable { .. }), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), broken);
    }
}

#[test]
fn a_failed_write_leaves_the_old_file() {
    // A name so long that the temporary file's name cannot exist: the write fails before
    // the rename, whoever runs the test.
    let dir = tempfile::tempdir().unwrap();
    let name = format!("{}.toml", "x".repeat(245));
    let path = write(dir.path(), &name, BEFORE);
    let mut doc = ProfileDocument::open(&path).unwrap();
    let mut raw = doc.raw().clone();
    raw.scope = Some("mine".into());
    let e = doc.save(&raw).unwrap_err();
    assert!(matches!(e, SaveError::Write { .. }), "{e}");
    assert_eq!(read(&path), BEFORE);
    assert_eq!(doc.raw().scope.as_deref(), Some("openid profile"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[cfg(unix)]
#[test]
fn a_read_only_directory_leaves_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "p.toml", BEFORE);
    let mut doc = ProfileDocument::open(&path).unwrap();
    set_mode(dir.path(), 0o500);
    // Root ignores directory modes; the test means nothing then.
    let probe = dir.path().join("probe");
    if std::fs::write(&probe, "").is_ok() {
        let _ = std::fs::remove_file(&probe);
        set_mode(dir.path(), 0o700);
        eprintln!("skipped: directory modes do not apply to this user");
        return;
    }
    let mut raw = doc.raw().clone();
    raw.scope = Some("mine".into());
    let result = doc.save(&raw);
    set_mode(dir.path(), 0o700);
    assert!(matches!(result, Err(SaveError::Write { .. })), "{result:?}");
    assert_eq!(read(&path), BEFORE);
}

// ---- the catalog -----------------------------------------------------------------------

const VALID: &str = r#"callback_url = "http://127.0.0.1:1/cb"
auth_url = "https://i/a"
token_url = "https://i/t"
client_id = "c"
"#;

#[test]
fn list_shows_every_profile_with_errors_and_shadowing() {
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("profiles");
    let config = dir.path().join("config");
    std::fs::create_dir(&local).unwrap();
    std::fs::create_dir(&config).unwrap();
    write(&local, "b.toml", &format!("name = \"Bee\"\n{VALID}"));
    write(&local, "broken.toml", "client_id = [");
    write(&local, "shared.toml", VALID);
    write(&local, "notes.txt", "not a profile");
    write(&local, ".hidden.toml", VALID);
    std::fs::create_dir(local.join("dir.toml")).unwrap();
    write(
        &config,
        "shared.toml",
        "name = \"hidden by the local one\"\n",
    );
    write(&config, "a.toml", "client_id = \"c\"\n");
    let dirs = vec![local.clone(), config.clone(), dir.path().join("missing")];

    let entries = catalog::list(&dirs);
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "broken", "shared", "shared"]);

    let by_name = |n: &str| entries.iter().find(|e| e.name == n).unwrap();
    assert_eq!(by_name("b").label.as_deref(), Some("Bee"));
    assert_eq!(by_name("b").error, None);
    assert_eq!(by_name("shared").path, local.join("shared.toml"));
    assert_eq!(by_name("shared").label, None);
    assert_eq!(by_name("shared").origin, Origin::Local);
    // Both files of a shadowed name are listed, the one `--profile shared` uses first,
    // each saying which other file is involved.
    assert_eq!(
        by_name("shared").shadow,
        Some(catalog::Shadow::Hides(config.join("shared.toml")))
    );
    let hidden = entries.iter().rfind(|e| e.name == "shared").unwrap();
    assert_eq!(hidden.path, config.join("shared.toml"));
    assert_eq!(hidden.origin, Origin::Config);
    assert_eq!(
        hidden.shadow,
        Some(catalog::Shadow::HiddenBy(local.join("shared.toml")))
    );
    assert_eq!(by_name("a").shadow, None);
    assert_eq!(by_name("a").origin, Origin::Config);
    let broken = by_name("broken").error.as_ref().unwrap();
    assert_eq!(broken.file, local.join("broken.toml"));
    assert!(broken.reason.contains("line 1"), "{broken}");
    let a = by_name("a").error.as_ref().unwrap();
    assert_eq!(a.key.as_deref(), Some("callback_url"));
    assert!(catalog::list(&[]).is_empty());
}

#[cfg(unix)]
#[test]
fn create_writes_a_new_profile_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("profiles");
    let path = catalog::create(&profiles, "demo", &valid()).unwrap();
    assert_eq!(path, profiles.join("demo.toml"));
    assert_eq!(mode(&profiles), 0o700);
    assert_eq!(load_file(&path).unwrap().name, "Demo");
    assert!(read(&path).starts_with("name = \"Demo\"\ncallback_url"));

    let other = RawProfile {
        client_id: Some("other".into()),
        ..RawProfile::default()
    };
    let e = catalog::create(&profiles, "demo", &other).unwrap_err();
    assert!(
        matches!(&e, StoreError::Exists { path: p } if p == &path),
        "{e}"
    );
    assert_eq!(load_file(&path).unwrap().client_id.as_str(), "app");

    let mut secret = valid();
    secret.client_secret = Some("hunter2".into());
    let private = catalog::create(&profiles, "secret", &secret).unwrap();
    assert_eq!(mode(&private), 0o600);
}

#[rstest]
#[case::empty("")]
#[case::slash("a/b")]
#[case::backslash("a\\b")]
#[case::dot_dot("..")]
#[case::leading_dot(".okta")]
#[case::newline("okta\nprod")]
#[case::control("okta\u{1b}[31m")]
#[case::too_long(&"n".repeat(65))]
#[case::extension("okta.toml")]
fn invalid_names_are_refused_everywhere(#[case] name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let source = write(dir.path(), "src.toml", VALID);
    let entry = ProfileEntry::from_path(&source, Origin::Path);
    let invalid = |r: Result<PathBuf, StoreError>| matches!(r, Err(StoreError::InvalidName { .. }));
    assert!(invalid(catalog::create(dir.path(), name, &valid())));
    assert!(invalid(catalog::duplicate(&entry, name)));
    assert!(invalid(catalog::rename(&entry, name)));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    assert!(source.is_file());
    if !name.contains(['/', '\\']) && !name.ends_with(".toml") {
        // Not taken as a path, so refused as a name.
        let e = resolve(name, &[dir.path().to_owned()]).unwrap_err();
        assert!(e.reason.contains("not a valid profile name"), "{e}");
    }
}

#[cfg(unix)]
#[test]
fn duplicate_copies_bytes_and_mode() {
    let dir = tempfile::tempdir().unwrap();
    let source = write(dir.path(), "okta.toml", BEFORE);
    set_mode(&source, 0o640);
    let entry = ProfileEntry::from_path(&source, Origin::Local);
    let copy = catalog::duplicate(&entry, "okta-copy").unwrap();
    assert_eq!(copy, dir.path().join("okta-copy.toml"));
    assert_eq!(read(&copy), BEFORE);
    assert_eq!(mode(&copy), 0o640);

    let e = catalog::duplicate(&entry, "okta-copy").unwrap_err();
    assert!(matches!(e, StoreError::Exists { .. }), "{e}");
    assert_eq!(read(&copy), BEFORE);
    assert_eq!(read(&source), BEFORE);
}

#[cfg(unix)]
#[test]
fn rename_moves_the_file_and_the_label_only_when_it_was_the_stem() {
    let dir = tempfile::tempdir().unwrap();
    let stem_label = write(
        dir.path(),
        "okta.toml",
        &format!("name = \"okta\"  # same as the file\n{VALID}"),
    );
    set_mode(&stem_label, 0o600);
    let entry = ProfileEntry::from_path(&stem_label, Origin::Local);
    let renamed = catalog::rename(&entry, "okta-prod").unwrap();
    assert!(!stem_label.exists());
    assert_eq!(
        read(&renamed),
        format!("name = \"okta-prod\"  # same as the file\n{VALID}")
    );
    assert_eq!(mode(&renamed), 0o600);

    let own_label = write(dir.path(), "eu.toml", BEFORE);
    let entry = ProfileEntry::from_path(&own_label, Origin::Local);
    let renamed = catalog::rename(&entry, "okta-eu").unwrap();
    assert_eq!(read(&renamed), BEFORE, "a label of its own is kept");

    let same = ProfileEntry::from_path(&renamed, Origin::Local);
    assert_eq!(catalog::rename(&same, "okta-eu").unwrap(), renamed);
}

#[test]
fn rename_refuses_an_existing_target() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.toml", "client_id = \"a\"\n");
    let b = write(dir.path(), "b.toml", "client_id = \"b\"\n");
    let entry = ProfileEntry::from_path(&a, Origin::Local);
    let e = catalog::rename(&entry, "b").unwrap_err();
    assert!(
        matches!(&e, StoreError::Exists { path } if path == &b),
        "{e}"
    );
    assert_eq!(read(&a), "client_id = \"a\"\n");
    assert_eq!(read(&b), "client_id = \"b\"\n");
}

#[test]
fn rename_of_a_missing_file_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let gone = ProfileEntry::from_path(&dir.path().join("gone.toml"), Origin::Local);
    let e = catalog::rename(&gone, "new").unwrap_err();
    assert!(matches!(e, StoreError::Read { .. }), "{e}");
    assert!(!dir.path().join("new.toml").exists());
}

#[test]
fn delete_removes_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "p.toml", VALID);
    let entry = ProfileEntry::from_path(&path, Origin::Config);
    catalog::delete(&entry).unwrap();
    assert!(!path.exists());
    catalog::delete(&entry).unwrap();
}

#[cfg(unix)]
#[test]
fn delete_reports_what_it_could_not_remove() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub.toml");
    std::fs::create_dir(&sub).unwrap();
    write(&sub, "inside", "x");
    let entry = ProfileEntry::from_path(&sub, Origin::Path);
    let e = catalog::delete(&entry).unwrap_err();
    assert!(matches!(e, StoreError::Remove { .. }), "{e}");
}
