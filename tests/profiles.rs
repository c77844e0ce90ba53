//! Profile files: every example loads; every invalid fixture fails with its exact error.

use std::path::Path;

use assert_cmd::Command;
use tokenbench::profile::load_file;

fn toml_files(dir: &str) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no profiles in {dir}");
    files
}

#[test]
fn example_profiles_are_valid() {
    for file in toml_files("profiles") {
        let profile = load_file(&file).unwrap_or_else(|e| panic!("{e}"));
        assert!(!profile.name.is_empty());
        let text = std::fs::read_to_string(&file).unwrap();
        // Examples carry no real secrets: only env: references.
        if let Some(line) = text.lines().find(|l| l.starts_with("client_secret")) {
            assert!(
                line.contains("\"env:"),
                "{}: literal secret in an example",
                file.display()
            );
        }
    }
    assert!(Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("profiles/demo.toml")
        .is_file());
}

/// Each fixture's first line is `# expect: <the exact error after the file name>`, with the
/// line it names; through `load_file` and through the CLI (which resolves the profile).
#[test]
fn invalid_profiles_fail_with_their_exact_error() {
    for file in toml_files("tests/fixtures/profiles/invalid") {
        let text = std::fs::read_to_string(&file).unwrap();
        let expected = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap();
        let expected = format!("{}: {expected}", file.display());
        let err = load_file(&file)
            .expect_err(&file.display().to_string())
            .to_string();
        assert_eq!(err, expected, "load_file");

        let out = Command::cargo_bin("tokenbench")
            .unwrap()
            .args(["run", "--profile", file.to_str().unwrap(), "--json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", file.display());
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["error"]["message"], expected.as_str(), "run --json");
    }
}

#[test]
fn valid_fixtures_load() {
    for file in toml_files("tests/fixtures/profiles/valid") {
        load_file(&file).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn invalid_profile_through_the_cli_exits_2_naming_the_file() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/profiles/invalid/method_typo.toml");
    let out = Command::cargo_bin("tokenbench")
        .unwrap()
        .args(["run", "--profile", file.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["kind"], "invalid_input");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("method_typo.toml") && msg.contains("code_challenge_method"),
        "{msg}"
    );
}

#[test]
fn binary_garbage_and_empty_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.toml");
    std::fs::write(&garbage, [0xff, 0xfe, 0x00, 0x9c, 0x10, 0x80]).unwrap();
    assert!(load_file(&garbage)
        .unwrap_err()
        .to_string()
        .contains("not UTF-8"));
    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "").unwrap();
    assert!(load_file(&empty)
        .unwrap_err()
        .to_string()
        .contains("key `callback_url`: is required"));
    let missing = dir.path().join("missing.toml");
    assert!(load_file(&missing)
        .unwrap_err()
        .to_string()
        .contains("cannot read"));
}

#[test]
fn profile_names_resolve_in_the_profiles_dir() {
    let out = Command::cargo_bin("tokenbench")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--profile", "no-such-profile", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["error"]["message"]
        .as_str()
        .unwrap()
        .contains("profiles/no-such-profile.toml"));
}

/// The form's inline errors agree with what loading reports: the first of `validate_all_in`
/// is the error `load_file` gives, for every fixture that parses; `validate_all` (no text, as
/// the form has) finds the same keys, without lines.
#[test]
fn validate_all_starts_with_the_load_error() {
    use tokenbench::profile::load::{parse_raw, validate_all_in};
    use tokenbench::profile::validate_all;
    for file in toml_files("tests/fixtures/profiles/invalid") {
        let text = std::fs::read_to_string(&file).unwrap();
        let Ok(raw) = parse_raw(&file, &text) else {
            continue;
        };
        let all = validate_all_in(&file, &text, &raw);
        assert!(all.iter().all(|e| e.key.is_some()), "{}", file.display());
        assert_eq!(Some(&load_file(&file).unwrap_err()), all.first());
        let mut keys: Vec<_> = all.iter().map(|e| e.key.clone()).collect();
        let mut form: Vec<_> = validate_all(&file, &raw)
            .into_iter()
            .map(|e| e.key)
            .collect();
        keys.sort();
        form.sort();
        assert_eq!(keys, form, "{}", file.display());
    }
}
