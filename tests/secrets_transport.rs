//! Secrets from helpers, exposed secret files, and the transport opt-outs.

use std::time::Duration;

use assert_cmd::Command;
use tokenbench::flow::{run_flow, system_now, BrowserMode, FlowIo, FlowOptions, FlowReport};
use tokenbench::idp::{
    IdpConfig, IdpServer, DEMO_CONFIDENTIAL_CLIENT_ID, DEMO_CONFIDENTIAL_SECRET,
};
use tokenbench::oauth::random::OsEntropy;
use tokenbench::profile::load::{parse_raw, validate};

async fn run(text: &str) -> FlowReport {
    let path = std::path::Path::new("t.toml");
    let mut profile = validate(path, "t", &parse_raw(path, text).unwrap()).unwrap();
    // Written here, not read from a file: the user's own (files are gated, see trust_cli.rs).
    profile.source = tokenbench::profile::Provenance::User;
    let options = FlowOptions {
        timeout: Duration::from_secs(10),
        browser: BrowserMode::Follow,
        ..FlowOptions::default()
    };
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let env = |_: &str| None;
    let io = FlowIo {
        entropy: &mut OsEntropy,
        now: system_now,
        env: &env,
        events: tx,
        paste: None,
    };
    run_flow(&profile, &options, io).await
}

fn confidential(issuer: &str, extra: &str) -> String {
    format!(
        "callback_url = \"http://127.0.0.1:0/callback\"\nauth_url = \"{issuer}/authorize\"\ntoken_url = \"{issuer}/token\"\n\
         client_id = \"{DEMO_CONFIDENTIAL_CLIENT_ID}\"\nscope = \"openid\"\n{extra}"
    )
}

#[tokio::test]
async fn a_cmd_secret_is_the_first_line_the_helper_prints() {
    let idp = IdpServer::start(IdpConfig {
        auto_approve: true,
        ..IdpConfig::default()
    })
    .await
    .unwrap();
    let report = run(&confidential(
        idp.issuer(),
        &format!("client_secret = \"cmd:printf '{DEMO_CONFIDENTIAL_SECRET}\\\\nignored'\"\n"),
    ))
    .await;
    assert_eq!(
        report.exit_code(),
        0,
        "{:?}",
        report.error.map(|e| e.to_string())
    );
    assert!(!report
        .to_json()
        .to_string()
        .contains(DEMO_CONFIDENTIAL_SECRET));

    let report = run(&confidential(
        idp.issuer(),
        "client_secret = \"cmd:false\"\n",
    ))
    .await;
    assert_eq!(report.exit_code(), 2);
    let msg = report.error.unwrap().to_string();
    assert!(
        msg.contains("the command \"false\"") && msg.contains("failed"),
        "{msg}"
    );
}

#[tokio::test]
async fn insecure_tls_is_announced_loudly() {
    let idp = IdpServer::start(IdpConfig {
        auto_approve: true,
        ..IdpConfig::default()
    })
    .await
    .unwrap();
    let report = run(&confidential(
        idp.issuer(),
        &format!("client_secret = \"{DEMO_CONFIDENTIAL_SECRET}\"\ninsecure_tls = true\n"),
    ))
    .await;
    assert_eq!(report.exit_code(), 0);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("TLS CERTIFICATE VERIFICATION IS OFF")),
        "{:?}",
        report.warnings
    );
}

#[test]
fn plain_http_needs_the_opt_out_by_name() {
    let path = std::path::Path::new("t.toml");
    let text = "callback_url = \"http://127.0.0.1:1/cb\"\nauth_url = \"http://idp.test/a\"\ntoken_url = \"https://idp.test/t\"\nclient_id = \"x\"\n";
    let err = validate(path, "t", &parse_raw(path, text).unwrap()).unwrap_err();
    assert_eq!(err.key.as_deref(), Some("auth_url"));
    let ok = format!("{text}insecure_http = true\n");
    let profile = validate(path, "t", &parse_raw(path, &ok).unwrap()).unwrap();
    assert!(profile.insecure_http);
}

#[cfg(unix)]
#[test]
fn a_readable_literal_secret_is_a_warning_naming_the_file_and_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("open.toml");
    std::fs::write(
        &file,
        "callback_url = \"http://127.0.0.1:0/callback\"\nauth_url = \"http://127.0.0.1:9/a\"\ntoken_url = \"http://127.0.0.1:9/t\"\nclient_id = \"x\"\nclient_secret = \"hunter2\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = Command::cargo_bin("tokenbench")
        .unwrap()
        .args([
            "run",
            "--profile",
            file.to_str().unwrap(),
            "--json",
            "--no-browser",
            "--timeout",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let warnings = doc["warnings"].to_string();
    assert!(
        warnings.contains("readable by others")
            && warnings.contains("open.toml")
            && warnings.contains("chmod 600"),
        "{warnings}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("hunter2"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("hunter2"));
}
