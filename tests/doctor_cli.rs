//! `tokenbench doctor` without an IdP: bad profiles and unreachable endpoints.

use assert_cmd::Command;
use serde_json::Value;

fn doctor(dir: &std::path::Path, profile: &str, extra: &[&str]) -> (Option<i32>, String, String) {
    let path = dir.join("p.toml");
    std::fs::write(&path, profile).unwrap();
    let out = Command::cargo_bin("tokenbench")
        .unwrap()
        .current_dir(dir)
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .arg("doctor")
        .arg("--profile")
        .arg(&path)
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn bad_profile_is_exit_2_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, _) = doctor(dir.path(), "callback_url = \"not a url\"\n", &["--json"]);
    assert_eq!(code, Some(2));
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["error"]["kind"], "invalid_input");
    assert!(json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("callback_url"));
}

#[test]
fn unreachable_idp_is_exit_6() {
    let dir = tempfile::tempdir().unwrap();
    let port = closed_port();
    let profile = format!(
        "callback_url = \"http://127.0.0.1:0/callback\"\nauth_url = \"http://127.0.0.1:{port}/authorize\"\n\
         token_url = \"http://127.0.0.1:{port}/token\"\nclient_id = \"app\"\n"
    );
    let (code, stdout, _) = doctor(dir.path(), &profile, &["--json", "--variants"]);
    assert_eq!(code, Some(6), "{stdout}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["verdict"], "unknown");
    assert!(json["accepted_variants"].as_array().unwrap().is_empty());
    let (code, text, _) = doctor(dir.path(), &profile, &[]);
    assert_eq!(code, Some(6));
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .starts_with("verdict: unknown — the IdP could not be reached"),
        "{text}"
    );
}

#[test]
fn help_lists_doctor_and_its_flags() {
    let out = Command::cargo_bin("tokenbench")
        .unwrap()
        .args(["doctor", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in ["--profile", "--json", "--variants"] {
        assert!(help.contains(flag), "{help}");
    }
}
