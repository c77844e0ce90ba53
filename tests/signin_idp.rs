//! `max_age` against the embedded IdP: the ID token's `auth_time` is checked (OIDC Core
//! §3.1.2.1, §3.1.3.7), and a missing or old one fails the run with exit 4.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use tokenbench::flow::{
    resolve, run_resolved, system_now, BrowserMode, FlowIo, FlowOptions, FlowReport,
};
use tokenbench::idp::{Faults, IdTokenFault, IdpConfig, IdpServer, DEMO_CLIENT_ID};
use tokenbench::net::http::{HttpClient, HttpLimits};
use tokenbench::oauth::random::OsEntropy;
use tokenbench::profile::load::parse_raw;

async fn run(fault: Option<IdTokenFault>, extra: &str) -> FlowReport {
    let idp = IdpServer::start(IdpConfig {
        auto_approve: true,
        faults: Faults {
            id_token: fault,
            ..Faults::default()
        },
        ..IdpConfig::default()
    })
    .await
    .unwrap();
    let text = format!(
        "issuer = \"{}\"\ncallback_url = \"http://127.0.0.1:0/callback\"\nclient_id = \"{DEMO_CLIENT_ID}\"\n\
         scope = \"openid profile\"\n{extra}",
        idp.issuer()
    );
    let path = Path::new("signin.toml");
    let http = HttpClient::new(HttpLimits::default()).unwrap();
    let resolved = resolve(&parse_raw(path, &text).unwrap(), path, &http)
        .await
        .unwrap();
    let options = FlowOptions {
        timeout: Duration::from_secs(10),
        browser: BrowserMode::Follow,
        ..FlowOptions::default()
    };
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = FlowIo {
        entropy: &mut OsEntropy,
        now: system_now,
        env: &|_: &str| None,
        events: tx,
        paste: None,
    };
    let report = run_resolved(&resolved, &options, io).await;
    idp.shutdown().await;
    report
}

fn auth_time(json: &Value) -> Option<Value> {
    json["tokens"]["id_token"]["validation"]
        .as_array()?
        .iter()
        .find(|c| c["check"] == "auth_time")
        .cloned()
}

#[tokio::test]
async fn max_age_from_the_profile_checks_auth_time() {
    let report = run(None, "max_age = \"300\"\n").await;
    let json = report.to_json();
    assert_eq!(report.exit_code(), 0, "{json:#}");
    let url = json["authorization_request"]["url"].as_str().unwrap();
    assert!(url.contains("&max_age=300"), "{url}");
    assert_eq!(auth_time(&json).unwrap()["result"], "pass", "{json:#}");
}

#[tokio::test]
async fn without_max_age_there_is_no_auth_time_check() {
    let report = run(Some(IdTokenFault::MissingAuthTime), "").await;
    let json = report.to_json();
    assert_eq!(report.exit_code(), 0, "{json:#}");
    assert!(auth_time(&json).is_none(), "{json:#}");
}

#[tokio::test]
async fn a_missing_auth_time_fails_a_max_age_run() {
    let report = run(Some(IdTokenFault::MissingAuthTime), "max_age = \"300\"\n").await;
    let json = report.to_json();
    assert_eq!(report.exit_code(), 4, "{json:#}");
    assert_eq!(
        json["error"]["failed_checks"],
        serde_json::json!(["auth_time"])
    );
    let check = auth_time(&json).unwrap();
    assert!(
        check["detail"].as_str().unwrap().starts_with("missing"),
        "{check}"
    );
}

#[tokio::test]
async fn an_old_auth_time_fails_a_max_age_run_also_from_auth_params() {
    // max_age written in [auth_params] is what was sent, so it is checked too.
    let report = run(
        Some(IdTokenFault::OldAuthTime),
        "[auth_params]\nmax_age = \"600\"\n",
    )
    .await;
    let json = report.to_json();
    assert_eq!(report.exit_code(), 4, "{json:#}");
    let check = auth_time(&json).unwrap();
    assert_eq!(check["result"], "fail");
    assert!(
        check["detail"]
            .as_str()
            .unwrap()
            .contains("older than max_age=600"),
        "{check}"
    );
}
