//! `tokenbench demo` and `tokenbench idp` through the real binary.

use std::io::{BufRead, BufReader};
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::cargo::CommandCargoExt;
use assert_cmd::Command;

#[test]
fn demo_runs_the_whole_flow_and_decodes_the_id_token() {
    let out = Command::cargo_bin("tokenbench")
        .unwrap()
        .args(["demo", "--json"])
        .env_remove("BROWSER")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["tokens"]["id_token"]["kind"], "jwt");
    assert_eq!(doc["tokens"]["id_token"]["claims"]["sub"], "demo-user");
    assert_eq!(doc["tokens"]["access_token"]["kind"], "jwt");
    assert!(doc["tokens"]["refresh_token"].is_object());
    assert_eq!(doc["token_response"]["status"], 200);
    assert!(doc["authorization_request"]["url"]
        .as_str()
        .unwrap()
        .contains("code_challenge_method=S256"));
}

#[test]
fn demo_human_output_shows_the_id_token() {
    let out = Command::cargo_bin("tokenbench")
        .unwrap()
        .arg("demo")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("ID token: JWT"), "{stdout}");
    assert!(stdout.contains("\"sub\": \"demo-user\""), "{stdout}");
}

#[test]
fn idp_command_serves_discovery() {
    let mut child = StdCommand::cargo_bin("tokenbench")
        .unwrap()
        .args(["idp", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let issuer = line.trim().to_owned();
    assert!(issuer.starts_with("http://127.0.0.1:"), "{issuer}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let body = rt.block_on(async {
        reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .get(format!("{issuer}/.well-known/openid-configuration"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
    });
    let meta: serde_json::Value = serde_json::from_slice(&body).unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(meta["issuer"], issuer.as_str());
    assert_eq!(meta["authorization_response_iss_parameter_supported"], true);
}
