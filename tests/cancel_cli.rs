//! Ctrl+C while a run waits for its callback: `run --json` still prints its document, with
//! `error.kind = "cancelled"` and exit 130; `token` says "cancelled".
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

/// A profile whose callback never comes: nothing is contacted with `--no-browser` and no
/// issuer, and the callback server listens on a free port.
fn write_profile(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("never.toml");
    std::fs::write(
        &path,
        "name = \"Never\"\n\
         callback_url = \"http://127.0.0.1:0/callback\"\n\
         auth_url = \"https://idp.invalid/authorize\"\n\
         token_url = \"https://idp.invalid/token\"\n\
         client_id = \"app\"\n",
    )
    .unwrap();
    path
}

fn spawn(home: &Path, args: &[&str]) -> Child {
    Command::cargo_bin("tokenbench")
        .unwrap()
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("NO_COLOR", "1")
        .env_remove("BROWSER")
        .current_dir(home)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Reads stderr up to the authorization URL (the run is then waiting), sends SIGINT and
/// returns (exit code, stdout, the whole of stderr).
fn interrupt_once_waiting(mut child: Child) -> (Option<i32>, String, String) {
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        let n = stderr.read_line(&mut line).unwrap();
        assert!(n > 0, "stderr ended before the run waited:\n{seen}");
        seen.push_str(&line);
        if line.contains("https://idp.invalid/authorize?") {
            break;
        }
    }
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: kill(2) with a child's PID and a valid signal has no memory effects.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    stderr.read_to_string(&mut seen).unwrap();
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code(), stdout, seen)
}

#[test]
fn ctrl_c_during_run_json_prints_the_report_as_cancelled() {
    let home = tempfile::tempdir().unwrap();
    let profile = write_profile(home.path());
    let child = spawn(
        home.path(),
        &[
            "run",
            "--profile",
            profile.to_str().unwrap(),
            "--json",
            "--no-browser",
            "--timeout",
            "120",
        ],
    );
    let (code, stdout, stderr) = interrupt_once_waiting(child);
    assert_eq!(code, Some(130), "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(doc["error"]["kind"], "cancelled", "{doc}");
    assert_eq!(doc["error"]["exit_code"], 130);
    assert_eq!(doc["profile"], "Never");
    // What happened so far: the authorization request that was waiting for its callback.
    let url = doc["authorization_request"]["url"].as_str().unwrap();
    assert!(url.starts_with("https://idp.invalid/authorize?"), "{url}");
    assert_eq!(doc["authorization_request"]["params"]["client_id"], "app");
    assert!(doc.get("tokens").is_none());
    assert!(stderr.lines().any(|l| l == "cancelled"), "{stderr}");
}

/// Runs `command --profile P --no-browser`, interrupts it once it waits, and checks that it
/// ends with 130, "cancelled" on stderr and nothing on stdout.
fn says_cancelled_and_prints_nothing(command: &str) {
    let home = tempfile::tempdir().unwrap();
    let profile = write_profile(home.path());
    let child = spawn(
        home.path(),
        &[
            command,
            "--profile",
            profile.to_str().unwrap(),
            "--no-browser",
        ],
    );
    let (code, stdout, stderr) = interrupt_once_waiting(child);
    assert_eq!(code, Some(130), "{command}: {stderr}");
    assert_eq!(stdout, "", "{command}");
    assert!(
        stderr.lines().any(|l| l == "cancelled"),
        "{command}: {stderr}"
    );
}

#[test]
fn ctrl_c_during_run_without_json_says_cancelled_and_prints_nothing() {
    says_cancelled_and_prints_nothing("run");
}

#[test]
fn ctrl_c_during_token_says_cancelled() {
    says_cancelled_and_prints_nothing("token");
}
