//! `logout` against the embedded IdP's end_session endpoint, in process: the redirect back
//! ends it (exit 0), an error on the way back is the IdP refusing (exit 3).

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use tokenbench::cache::TokenCache;
use tokenbench::flow::grants::cache_run;
use tokenbench::flow::logout::{logout, LogoutIo, LogoutOptions};
use tokenbench::flow::{
    resolve, run_resolved, system_now, BrowserMode, FlowIo, FlowOptions, Resolved,
};
use tokenbench::idp::{Faults, IdpConfig, IdpServer, DEMO_CLIENT_ID};
use tokenbench::net::http::{HttpClient, HttpLimits};
use tokenbench::oauth::random::OsEntropy;
use tokenbench::profile::load::parse_raw;

async fn signed_in(idp: &IdpServer, cache: &TokenCache) -> Resolved {
    let text = format!(
        "name = \"demo-logout\"\nissuer = \"{}\"\ncallback_url = \"http://127.0.0.1:0/callback\"\n\
         client_id = \"{DEMO_CLIENT_ID}\"\nscope = \"openid profile offline_access\"\n",
        idp.issuer()
    );
    let path = Path::new("logout.toml");
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
    assert_eq!(report.exit_code(), 0, "{:#}", report.to_json());
    cache_run(cache, &resolved.profile, &report).unwrap();
    resolved
}

async fn log_out(resolved: &Resolved, cache: &TokenCache) -> (i32, Value) {
    let options = LogoutOptions {
        timeout: Duration::from_secs(10),
        browser: BrowserMode::Follow,
        http: HttpLimits::default(),
    };
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = LogoutIo {
        entropy: &mut OsEntropy,
        now: system_now,
        env: &|_: &str| None,
        events: tx,
        cache: Some(cache),
        tokens: None,
    };
    let report = logout(resolved, &options, io).await;
    (report.exit_code(), report.to_json())
}

fn step(json: &Value, name: &str) -> Value {
    json["steps"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["step"] == name))
        .cloned()
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn the_demo_idp_logs_out_and_the_cache_is_cleared() {
    let idp = IdpServer::start(IdpConfig {
        auto_approve: true,
        ..IdpConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cache = TokenCache::at(dir.path());
    let resolved = signed_in(&idp, &cache).await;
    let (code, json) = log_out(&resolved, &cache).await;
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(
        json["end_session_endpoint"],
        format!("{}/end_session", idp.issuer())
    );
    assert_eq!(
        step(&json, "end_session")["result"],
        "logged_out",
        "{json:#}"
    );
    assert_eq!(step(&json, "revoke")["result"], "revoked", "{json:#}");
    assert_eq!(step(&json, "clear_cache")["result"], "cleared", "{json:#}");
    assert!(!cache.path_for("demo-logout").exists());
    idp.shutdown().await;
}

#[tokio::test]
async fn an_error_on_the_way_back_is_a_refusal_exit_3() {
    let idp = IdpServer::start(IdpConfig {
        auto_approve: true,
        faults: Faults {
            end_session_error: Some("invalid_request".into()),
            ..Faults::default()
        },
        ..IdpConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cache = TokenCache::at(dir.path());
    let resolved = signed_in(&idp, &cache).await;
    let (code, json) = log_out(&resolved, &cache).await;
    assert_eq!(code, 3, "{json:#}");
    assert_eq!(json["error"]["oauth_error"], "invalid_request");
    assert_eq!(step(&json, "end_session")["result"], "refused", "{json:#}");
    // Signed out locally all the same.
    assert_eq!(step(&json, "clear_cache")["result"], "cleared", "{json:#}");
    idp.shutdown().await;
}

#[tokio::test]
async fn the_browser_coming_back_sees_signed_out_and_a_forged_state_is_refused() {
    use tokenbench::net::callback_server::{CallbackServer, ServerEvent};
    use tokenbench::oauth::callback::CallbackExpectation;
    use tokenbench::oauth::types::RedirectUri;
    let expect = CallbackExpectation {
        state: "st".into(),
        issuer: None,
        iss_required: false,
    };
    let mut server = CallbackServer::bind_logout(
        &RedirectUri::parse("http://127.0.0.1:0/callback").unwrap(),
        expect,
    )
    .await
    .unwrap();
    let base = server.redirect_uri().as_str().to_owned();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let forged = client
        .get(format!("{base}?state=evil"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    assert!(matches!(
        server.next_event().await,
        Some(ServerEvent::Stray(_))
    ));
    let back = client.get(format!("{base}?state=st")).send().await.unwrap();
    assert_eq!(back.status(), 200);
    assert!(back.text().await.unwrap().contains("Signed out"));
    assert!(matches!(
        server.next_event().await,
        Some(ServerEvent::Callback { .. })
    ));
    server.close().await;
}
