//! The grants through the real binary: `demo --grant`, `run` of a device profile against
//! the embedded IdP with the tokens cached and served by `token`, and the refused grants.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;
use tokenbench::idp::{
    IdpConfig, IdpServer, DEMO_CLIENT_ID, DEMO_CONFIDENTIAL_CLIENT_ID, DEMO_CONFIDENTIAL_SECRET,
};

fn tokenbench(home: &Path) -> Command {
    let mut c = Command::cargo_bin("tokenbench").unwrap();
    c.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env_remove("BROWSER")
        .current_dir(home);
    c
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn demo_shows_the_device_grant_with_a_qr_code() {
    let home = tempfile::tempdir().unwrap();
    let out = tokenbench(home.path())
        .args(["demo", "--grant", "device_code", "--json"])
        .output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(out.status.code(), Some(0), "{doc}");
    assert_eq!(doc["grant_type"], "device_code");
    assert_eq!(doc["device_authorization"]["polls"], 2);
    let user_code = doc["device_authorization"]["response"]["user_code"]
        .as_str()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("enter the code {user_code}")),
        "{stderr}"
    );
    assert!(stderr.contains("waiting for approval (poll 1"), "{stderr}");
    // The QR code: rows of half blocks.
    assert!(
        stderr.lines().filter(|l| l.starts_with("██")).count() > 10,
        "{stderr}"
    );
    assert_eq!(doc["tokens"]["id_token"]["verified"], true);
}

#[test]
fn demo_shows_client_credentials() {
    let home = tempfile::tempdir().unwrap();
    let out = tokenbench(home.path())
        .args(["demo", "--grant", "client_credentials", "--json"])
        .output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(out.status.code(), Some(0), "{doc}");
    assert_eq!(doc["grant_type"], "client_credentials");
    assert_eq!(
        doc["token_request"]["form"]["grant_type"],
        "client_credentials"
    );
    assert!(doc.get("authorization_request").is_none());
}

#[test]
fn implicit_and_password_profiles_are_refused_with_exit_2() {
    let home = tempfile::tempdir().unwrap();
    for grant in ["implicit", "password"] {
        let file = home.path().join(format!("{grant}.toml"));
        std::fs::write(
            &file,
            format!(
                "grant_type = \"{grant}\"\ntoken_url = \"https://idp.example/token\"\nclient_id = \"c\"\n"
            ),
        )
        .unwrap();
        let out = tokenbench(home.path())
            .args(["run", "--json", "--profile"])
            .arg(&file)
            .output()
            .unwrap();
        let doc = json(&out);
        assert_eq!(out.status.code(), Some(2), "{doc}");
        let message = doc["error"]["message"].as_str().unwrap();
        assert!(message.contains("RFC 9700"), "{message}");
        assert!(message.contains("use \"authorization_code\""), "{message}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_run_is_cached_and_served_by_token() {
    let idp = IdpServer::start(IdpConfig {
        auto_approve: true,
        ..IdpConfig::default()
    })
    .await
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("device.toml");
    std::fs::write(
        &file,
        format!(
            "issuer = \"{}\"\ngrant_type = \"device_code\"\nclient_id = \"{DEMO_CLIENT_ID}\"\nscope = \"openid offline_access\"\ncache_tokens = true\n",
            idp.issuer()
        ),
    )
    .unwrap();
    let dir = home.path().to_owned();
    let (run, token) = tokio::task::spawn_blocking(move || {
        let run = tokenbench(&dir)
            .args(["run", "--json", "--profile"])
            .arg(dir.join("device.toml"))
            .output()
            .unwrap();
        let token = tokenbench(&dir)
            .args(["token", "--profile"])
            .arg(dir.join("device.toml"))
            .output()
            .unwrap();
        (run, token)
    })
    .await
    .unwrap();
    let doc = json(&run);
    assert_eq!(run.status.code(), Some(0), "{doc}");
    assert_eq!(doc["grant_type"], "device_code");
    let requests = idp.token_requests();
    assert_eq!(token.status.code(), Some(0));
    let served = String::from_utf8(token.stdout).unwrap();
    assert!(served.trim().starts_with("ey"), "{served}");
    // Served from the cache: no further token request reached the IdP.
    assert_eq!(idp.token_requests(), requests);
    idp.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_credentials_run_by_profile_file() {
    let idp = IdpServer::start(IdpConfig::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("cc.toml");
    std::fs::write(
        &file,
        format!(
            "issuer = \"{}\"\ngrant_type = \"client_credentials\"\nclient_id = \"{DEMO_CONFIDENTIAL_CLIENT_ID}\"\nclient_secret = \"env:CC_SECRET\"\nclient_auth = \"body\"\nscope = \"\"\n",
            idp.issuer()
        ),
    )
    .unwrap();
    let dir = home.path().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        tokenbench(&dir)
            .env("CC_SECRET", DEMO_CONFIDENTIAL_SECRET)
            .args(["run", "--json", "--profile"])
            .arg(dir.join("cc.toml"))
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let doc = json(&out);
    assert_eq!(out.status.code(), Some(0), "{doc}");
    assert_eq!(doc["token_request"]["form"]["client_secret"], "[redacted]");
    assert_eq!(doc["tokens"]["access_token"]["kind"], "jwt");
    idp.shutdown().await;
}
