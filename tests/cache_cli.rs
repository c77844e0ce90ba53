//! `tokenbench cache list [--json]` describes the cached entries without a token, and
//! `cache clear --profile P | --all` removes them.

use std::path::Path;
use std::process::Output;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::{json, Value};

fn run(home: &Path, args: &[&str]) -> Output {
    std::process::Command::cargo_bin("tokenbench")
        .unwrap()
        .arg("cache")
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("NO_COLOR", "1")
        .current_dir(home)
        .output()
        .unwrap()
}

fn plant(home: &Path, profile: &str, response: Value) {
    let dir = home.join("data").join("tokenbench").join("cache");
    std::fs::create_dir_all(&dir).unwrap();
    let entry = json!({
        "format": 1, "profile": profile, "issuer": "https://idp.example", "client_id": "app",
        "token_endpoint": "https://idp.example/token", "received_at": 1_000_000_000,
        "response": response,
    });
    std::fs::write(dir.join(format!("{profile}.json")), entry.to_string()).unwrap();
}

#[test]
fn list_shows_entries_without_tokens_and_clear_removes_them() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let out = run(home, &["list", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).unwrap(),
        json!([])
    );

    plant(
        home,
        "okta",
        json!({"access_token": "at-secret", "refresh_token": "rt-secret", "expires_in": 3600,
               "id_token": "id-secret"}),
    );
    plant(home, "auth0", json!({"access_token": "at2-secret"}));
    let out = run(home, &["list", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(!text.contains("secret"), "never a token: {text}");
    let doc: Value = serde_json::from_str(&text).unwrap();
    let file = |p: &str| {
        home.join("data/tokenbench/cache")
            .join(format!("{p}.json"))
            .display()
            .to_string()
    };
    assert_eq!(
        doc,
        json!([
            {"profile": "auth0", "issuer": "https://idp.example", "client_id": "app",
             "access_token_expires_at": null, "refresh_token": false, "file": file("auth0")},
            {"profile": "okta", "issuer": "https://idp.example", "client_id": "app",
             "access_token_expires_at": "2001-09-09T02:46:40Z", "refresh_token": true,
             "file": file("okta")},
        ])
    );
    let out = run(home, &["list"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains("secret") && text.lines().count() == 2,
        "{text}"
    );

    let out = run(home, &["clear", "--profile", "okta"]);
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&run(home, &["list", "--json"]).stdout).unwrap();
    assert_eq!(doc.as_array().unwrap().len(), 1);
    assert_eq!(doc[0]["profile"], "auth0");

    let out = run(home, &["clear", "--all"]);
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&run(home, &["list", "--json"]).stdout).unwrap();
    assert_eq!(doc, json!([]));

    // One of the two is required, not both.
    assert_eq!(run(home, &["clear"]).status.code(), Some(2));
    assert_eq!(
        run(home, &["clear", "--all", "--profile", "x"])
            .status
            .code(),
        Some(2)
    );
}
