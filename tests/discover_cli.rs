//! `tokenbench discover` and discovery in `tokenbench run`, through the binary: the summary,
//! an issuer mismatch, an unreachable issuer, bad input.

use assert_cmd::Command;
use axum::routing::get;
use axum::Router;
use serde_json::Value;
use tokenbench::idp::{IdpConfig, IdpServer, DEMO_CLIENT_ID};

/// Runs the binary off the async runtime, so the in-process servers keep answering.
async fn tokenbench(args: Vec<String>, dir: std::path::PathBuf) -> (Option<i32>, String, String) {
    tokio::task::spawn_blocking(move || {
        let out = Command::cargo_bin("tokenbench")
            .unwrap()
            .current_dir(&dir)
            .env("HOME", &dir)
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env_remove("BROWSER")
            .args(&args)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// A server whose discovery document names another issuer; returns its URL.
async fn impostor() -> String {
    let app = Router::new().route(
        "/.well-known/openid-configuration",
        get(|| async { r#"{"issuer":"https://real-idp.example"}"# }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread")]
async fn discover_prints_the_summary() {
    let idp = IdpServer::start(IdpConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let issuer = idp.issuer().to_owned();
    let (code, stdout, stderr) =
        tokenbench(args(&["discover", &issuer]), dir.path().to_owned()).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains(&format!("issuer                  {issuer}\n")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("token_endpoint          {issuer}/token\n")),
        "{stdout}"
    );
    assert!(
        stdout.contains("code challenge methods  S256 plain\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "token endpoint auth     client_secret_basic client_secret_post none private_key_jwt client_secret_jwt\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("iss response parameter  supported"),
        "{stdout}"
    );

    let (code, stdout, _) = tokenbench(
        args(&["discover", &issuer, "--json"]),
        dir.path().to_owned(),
    )
    .await;
    assert_eq!(code, Some(0));
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["issuer"], issuer.as_str());
    assert_eq!(json["jwks_uri"], format!("{issuer}/jwks"));
    assert_eq!(json["scopes_supported"][0], "openid");
    assert_eq!(json["document"]["response_types_supported"][0], "code");
}

#[tokio::test(flavor = "multi_thread")]
async fn discover_issuer_mismatch_is_exit_3_naming_both() {
    let base = impostor().await;
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) =
        tokenbench(args(&["discover", &base]), dir.path().to_owned()).await;
    assert_eq!(code, Some(3), "{stdout}{stderr}");
    assert!(
        stderr.contains("https://real-idp.example") && stderr.contains(&base),
        "{stderr}"
    );

    let (code, stdout, _) =
        tokenbench(args(&["discover", &base, "--json"]), dir.path().to_owned()).await;
    assert_eq!(code, Some(3));
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["error"]["kind"], "issuer_mismatch");
    assert_eq!(json["error"]["exit_code"], 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn discover_unreachable_is_exit_6_listing_the_urls_tried() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let issuer = format!("http://127.0.0.1:{port}/realms/dev");
    let (code, _, stderr) = tokenbench(args(&["discover", &issuer]), dir.path().to_owned()).await;
    assert_eq!(code, Some(6), "{stderr}");
    assert!(stderr.contains("unreachable"), "{stderr}");
    assert!(
        stderr.contains(&format!("{issuer}/.well-known/openid-configuration")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "http://127.0.0.1:{port}/.well-known/oauth-authorization-server/realms/dev"
        )),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn discover_bad_issuer_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) =
        tokenbench(args(&["discover", "idp.example"]), dir.path().to_owned()).await;
    assert_eq!(code, Some(2), "{stderr}");
    let (code, _, _) = tokenbench(args(&["discover"]), dir.path().to_owned()).await;
    assert_eq!(code, Some(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn run_with_an_issuer_whose_metadata_names_another_stops_before_the_browser() {
    let base = impostor().await;
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.toml");
    std::fs::write(
        &profile,
        format!(
            "issuer = \"{base}\"\ncallback_url = \"http://127.0.0.1:0/callback\"\n\
             auth_url = \"{base}/authorize\"\ntoken_url = \"{base}/token\"\nclient_id = \"app\"\n"
        ),
    )
    .unwrap();
    let path = profile.to_string_lossy().into_owned();
    let (code, stdout, _) = tokenbench(
        args(&[
            "run",
            "--profile",
            &path,
            "--json",
            "--no-browser",
            "--timeout",
            "5",
        ]),
        dir.path().to_owned(),
    )
    .await;
    assert_eq!(code, Some(3), "{stdout}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["error"]["kind"], "issuer_mismatch");
    assert!(json.get("authorization_request").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn run_fills_empty_endpoints_from_discovery() {
    let idp = IdpServer::start(IdpConfig {
        auto_approve: true,
        ..IdpConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.toml");
    std::fs::write(
        &profile,
        format!(
            "issuer = \"{}\"\ncallback_url = \"http://127.0.0.1:0/callback\"\nauth_url = \"\"\n\
             client_id = \"{DEMO_CLIENT_ID}\"\nscope = \"openid\"\n",
            idp.issuer()
        ),
    )
    .unwrap();
    // No browser: the run stops at the timeout, after the authorization URL is known.
    let path = profile.to_string_lossy().into_owned();
    let (code, stdout, _) = tokenbench(
        args(&[
            "run",
            "--profile",
            &path,
            "--json",
            "--no-browser",
            "--timeout",
            "1",
        ]),
        dir.path().to_owned(),
    )
    .await;
    assert_eq!(code, Some(5), "{stdout}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let url = json["authorization_request"]["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/authorize?", idp.issuer())),
        "{url}"
    );
    assert_eq!(
        json["discovery"]["filled"],
        serde_json::json!(["auth_url", "token_url"])
    );
}
