//! A cloned repository cannot run commands: a `cmd:` client secret in a profile outside the
//! user's config directory runs only after `tokenbench trust PATH`, for that exact content.
//! Every test works in a temporary "cloned repository" with HOME and XDG dirs of its own,
//! and its command would create a marker file, so "it did not run" is checked on disk.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

/// A home with config and data dirs, and a repository (the working directory) with
/// `profiles/`.
struct Sandbox {
    _dir: tempfile::TempDir,
    home: PathBuf,
    repo: PathBuf,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join("profiles")).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        Sandbox {
            _dir: dir,
            home,
            repo,
        }
    }

    fn config_profiles(&self) -> PathBuf {
        self.home.join("config").join("tokenbench").join("profiles")
    }

    fn marker(&self) -> PathBuf {
        self.repo.join("the-command-ran")
    }

    /// A profile whose client secret comes from a command that leaves the marker behind.
    fn profile_text(&self, extra: &str) -> String {
        format!(
            "callback_url = \"http://127.0.0.1:0/callback\"\nauth_url = \"http://127.0.0.1:9/authorize\"\n\
             token_url = \"http://127.0.0.1:9/token\"\nclient_id = \"c\"\n\
             client_secret = \"cmd:sh -c 'touch {} && echo s3cret'\"\n{extra}",
            self.marker().display()
        )
    }

    fn write(&self, path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn tokenbench(&self, args: &[&str]) -> std::process::Output {
        Command::cargo_bin("tokenbench")
            .unwrap()
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join("config"))
            .env("XDG_DATA_HOME", self.home.join("data"))
            .env("XDG_STATE_HOME", self.home.join("state"))
            .env("XDG_CACHE_HOME", self.home.join("cache"))
            .env("NO_COLOR", "1")
            .env_remove("BROWSER")
            .current_dir(&self.repo)
            .args(args)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap()
    }

    /// `run --profile NAME --json` that gives up after a second (no IdP is there).
    fn run(&self, profile: &str) -> (i32, Value, String) {
        let out = self.tokenbench(&[
            "run",
            "--profile",
            profile,
            "--json",
            "--no-browser",
            "--timeout",
            "1",
        ]);
        let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        (
            out.status.code().unwrap_or(-1),
            json,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ran(&self) -> bool {
        self.marker().exists()
    }
}

fn command_of(s: &Sandbox) -> String {
    format!("sh -c 'touch {} && echo s3cret'", s.marker().display())
}

#[test]
fn an_untrusted_command_is_refused_naming_the_file_the_command_and_the_fix() {
    let s = Sandbox::new();
    s.write(&s.repo.join("profiles/work.toml"), &s.profile_text(""));

    let (code, json, _) = s.run("work");
    assert_eq!(code, 2, "{json:#}");
    assert!(!s.ran(), "the command ran before being trusted");
    let error = &json["error"];
    assert_eq!(error["kind"], "untrusted_command", "{json:#}");
    assert_eq!(error["exit_code"], 2);
    assert_eq!(error["file"], "profiles/work.toml");
    assert_eq!(error["command"], command_of(&s));
    assert_eq!(error["argv"][0], "sh");
    assert_eq!(error["fix"], "tokenbench trust profiles/work.toml");

    // Text mode says the same on stderr.
    let out = s.tokenbench(&["run", "--profile", "work", "--no-browser", "--timeout", "1"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("profiles/work.toml"), "{stderr}");
    assert!(stderr.contains(&command_of(&s)), "{stderr}");
    assert!(
        stderr.contains("tokenbench trust profiles/work.toml"),
        "{stderr}"
    );
    // So does `token`, which signs in through the same gate.
    let out = s.tokenbench(&[
        "token",
        "--profile",
        "work",
        "--no-browser",
        "--timeout",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(!s.ran());
}

#[test]
fn trust_allows_exactly_that_content_until_it_changes_or_is_revoked() {
    let s = Sandbox::new();
    let file = s.repo.join("profiles/work.toml");
    s.write(&file, &s.profile_text(""));

    let out = s.tokenbench(&["trust", "profiles/work.toml", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["trusted"]["commands"][0], command_of(&s));
    assert!(!s.ran(), "trusting does not run the command");
    let store = s.home.join("data/tokenbench/trust.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&store), 0o600);
        assert_eq!(mode(store.parent().unwrap()), 0o700);
    }

    // Trusted: the command runs (the run then waits for a callback that never comes).
    let (code, json, _) = s.run("work");
    assert_eq!(code, 5, "{json:#}");
    assert!(s.ran(), "the trusted command did not run");
    std::fs::remove_file(s.marker()).unwrap();

    let list = |s: &Sandbox| -> Value {
        let out = s.tokenbench(&["trust", "--list", "--json"]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let listed = list(&s);
    let entry = &listed["trusted"][0];
    assert_eq!(
        entry["path"],
        std::fs::canonicalize(&file).unwrap().display().to_string()
    );
    assert_eq!(entry["matches"], true);
    assert_eq!(entry["status"], "matches");
    assert_eq!(entry["sha256"].as_str().unwrap().len(), 64);
    assert!(entry["trusted_at"].as_i64().unwrap() > 0);

    // Edited after it was trusted: refused again, and the list says it no longer matches.
    s.write(&file, &s.profile_text("scope = \"openid\"\n"));
    let (code, json, _) = s.run("work");
    assert_eq!(code, 2, "{json:#}");
    assert_eq!(json["error"]["kind"], "untrusted_command");
    assert!(!s.ran(), "an edited file ran its command");
    assert_eq!(list(&s)["trusted"][0]["matches"], false);
    assert_eq!(list(&s)["trusted"][0]["status"], "changed");

    // Trusted again, then revoked: refused.
    assert_eq!(
        s.tokenbench(&["trust", "profiles/work.toml"]).status.code(),
        Some(0)
    );
    let out = s.tokenbench(&["trust", "--revoke", "profiles/work.toml"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(list(&s)["trusted"], serde_json::json!([]));
    let (code, _, _) = s.run("work");
    assert_eq!(code, 2);
    assert!(!s.ran());
    // Revoking what is not trusted says so.
    let out = s.tokenbench(&["trust", "--revoke", "profiles/work.toml"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_profile_in_the_config_dir_runs_its_command_without_asking() {
    let s = Sandbox::new();
    s.write(&s.config_profiles().join("mine.toml"), &s.profile_text(""));
    let (code, json, _) = s.run("mine");
    assert_eq!(code, 5, "{json:#}");
    assert!(s.ran());
}

#[test]
fn a_local_profile_shadowing_the_users_own_is_named_on_stderr() {
    let s = Sandbox::new();
    let own = s.config_profiles().join("work.toml");
    s.write(&own, &s.profile_text(""));
    s.write(&s.repo.join("profiles/work.toml"), &s.profile_text(""));

    let (code, json, stderr) = s.run("work");
    assert_eq!(
        code, 2,
        "the repository's file is used, and it is not trusted"
    );
    assert_eq!(json["error"]["file"], "profiles/work.toml");
    assert!(!s.ran());
    let warning = stderr
        .lines()
        .find(|l| l.contains("shadows"))
        .unwrap_or_else(|| panic!("no shadowing warning: {stderr}"));
    assert!(warning.contains("profiles/work.toml"), "{warning}");
    assert!(warning.contains(&own.display().to_string()), "{warning}");
    // The user's own file is still reachable by path, and runs.
    let (code, _, stderr) = s.run(own.to_str().unwrap());
    assert_eq!(code, 5);
    assert!(s.ran());
    assert!(!stderr.contains("shadows"), "{stderr}");
}

#[test]
fn doctor_opening_and_listing_never_run_the_command() {
    let s = Sandbox::new();
    let file = s.repo.join("profiles/work.toml");
    s.write(&file, &s.profile_text(""));
    s.write(&s.config_profiles().join("mine.toml"), &s.profile_text(""));

    let out = s.tokenbench(&["doctor", "--profile", "work", "--json"]);
    assert!(out.status.code().is_some(), "{out:?}");
    let out = s.tokenbench(&["doctor", "--profile", "mine", "--json"]);
    assert!(out.status.code().is_some(), "{out:?}");
    let out = s.tokenbench(&["trust", "--list"]);
    assert_eq!(out.status.code(), Some(0));

    // What the workbench does to open and list profiles.
    let dirs = vec![s.repo.join("profiles"), s.config_profiles()];
    assert_eq!(tokenbench::profile::catalog::list(&dirs).len(), 2);
    tokenbench::profile::ProfileDocument::open(&file).unwrap();
    tokenbench::profile::load_file(&file).unwrap();
    assert!(!s.ran(), "opening, listing or doctor ran the command");
}

#[test]
fn a_corrupt_trust_store_is_a_clear_error_and_nothing_runs() {
    let s = Sandbox::new();
    s.write(&s.repo.join("profiles/work.toml"), &s.profile_text(""));
    let store = s.home.join("data/tokenbench/trust.json");
    s.write(&store, "{ not json");

    let (code, json, _) = s.run("work");
    assert_eq!(code, 2, "{json:#}");
    assert_eq!(json["error"]["kind"], "trust_store");
    let message = json["error"]["message"].as_str().unwrap();
    assert!(message.contains(&store.display().to_string()), "{message}");
    assert!(!s.ran());

    let out = s.tokenbench(&["trust", "--list", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["kind"], "trust_store");
    // Trusting does not overwrite a store it cannot read.
    let out = s.tokenbench(&["trust", "profiles/work.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&store).unwrap(), "{ not json");
}

#[test]
fn a_hostile_directory_name_is_quoted_in_the_fix() {
    let s = Sandbox::new();
    let dir = s.repo.join("x'; touch pwned; '");
    let file = dir.join("work.toml");
    s.write(&file, &s.profile_text(""));
    let rel = "x'; touch pwned; '/work.toml";
    let (code, json, _) = s.run(rel);
    assert_eq!(code, 2);
    let fix = json["error"]["fix"].as_str().unwrap();
    let argv = shell_words::split(fix).unwrap();
    assert_eq!(argv, ["tokenbench", "trust", rel], "{fix}");
}
