//! kubectl starts credential plugins in parallel: 20 `tokenbench token` processes on an
//! expired access token with a valid refresh token make exactly one refresh grant at the
//! embedded IdP (the others wait on the profile's cache lock and serve its result), and all
//! print the same new token. The demo IdP rotates refresh tokens and revokes the grant when
//! a rotated one is reused, so a second refresh would also fail loudly.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use assert_cmd::cargo::CommandCargoExt;
use reqwest::header::LOCATION;
use serde_json::{json, Value};
use tokenbench::idp::{IdpConfig, IdpServer, DEMO_CLIENT_ID};
use tokenbench::oauth::pkce::{challenge_for, ChallengeMethod};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const REDIRECT: &str = "http://127.0.0.1:47011/callback";
const CALLERS: usize = 20;

/// Signs in as the public demo client (auto-approved) and returns the token response.
async fn sign_in(idp: &IdpServer) -> Value {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();
    let challenge = challenge_for(VERIFIER, ChallengeMethod::S256);
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("response_type", "code"),
            ("client_id", DEMO_CLIENT_ID),
            ("redirect_uri", REDIRECT),
            ("scope", "openid offline_access"),
            ("state", "s"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .finish();
    let response = http
        .get(format!("{}/authorize?{query}", idp.issuer()))
        .send()
        .await
        .unwrap();
    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    let params: HashMap<String, String> =
        form_urlencoded::parse(location.split_once('?').unwrap().1.as_bytes())
            .into_owned()
            .collect();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", params["code"].as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
        ("client_id", DEMO_CLIENT_ID),
    ];
    let response = http
        .post(format!("{}/token", idp.issuer()))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    serde_json::from_str(&response.text().await.unwrap()).unwrap()
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
        .env_remove("RUST_LOG")
        .current_dir(home)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_callers_refresh_once_and_print_the_same_new_token() {
    let idp = IdpServer::start(IdpConfig {
        auto_approve: true,
        ..IdpConfig::default()
    })
    .await
    .unwrap();
    let response = sign_in(&idp).await;
    let home = tempfile::tempdir().unwrap();
    let home = home.path().to_owned();
    let profile = home.join("kube.toml");
    std::fs::write(
        &profile,
        format!(
            "issuer = \"{}\"\ncallback_url = \"{REDIRECT}\"\nclient_id = \"{DEMO_CLIENT_ID}\"\n\
             scope = \"openid offline_access\"\ncache_tokens = true\n",
            idp.issuer()
        ),
    )
    .unwrap();
    // Received two hours ago: the access token has expired, the refresh token has not.
    let received = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        - 7200;
    let cache = home.join("data").join("tokenbench").join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    let entry = json!({
        "format": 1, "profile": "kube", "issuer": idp.issuer(), "client_id": DEMO_CLIENT_ID,
        "token_endpoint": format!("{}/token", idp.issuer()), "received_at": received,
        "response": response,
    });
    std::fs::write(cache.join("kube.json"), entry.to_string()).unwrap();
    let before = idp.token_requests();

    let profile_arg = profile.display().to_string();
    let outputs = tokio::task::spawn_blocking(move || {
        let args = [
            "token",
            "--profile",
            profile_arg.as_str(),
            "--no-browser",
            "--timeout",
            "5",
        ];
        let children: Vec<Child> = (0..CALLERS).map(|_| spawn(&home, &args)).collect();
        let outputs: Vec<_> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        (outputs, home)
    })
    .await
    .unwrap();
    let (outputs, home) = outputs;

    let mut printed = BTreeSet::new();
    for out in &outputs {
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(
            out.status.code(),
            Some(0),
            "stdout: {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        printed.insert(stdout);
    }
    assert_eq!(
        idp.token_requests(),
        before + 1,
        "exactly one refresh grant reached the IdP"
    );
    assert_eq!(printed.len(), 1, "all print the same token: {printed:?}");
    let printed = printed.into_iter().next().unwrap();
    let cached: Value = serde_json::from_slice(
        &std::fs::read(home.join("data/tokenbench/cache/kube.json")).unwrap(),
    )
    .unwrap();
    let new_access = cached["response"]["access_token"].as_str().unwrap();
    assert_eq!(printed, format!("{new_access}\n"));
    assert_ne!(new_access, response["access_token"].as_str().unwrap());
    // The rotated refresh token was kept, and it is the one the IdP takes now.
    let rotated = cached["response"]["refresh_token"].as_str().unwrap();
    assert_ne!(rotated, response["refresh_token"].as_str().unwrap());
    let again = spawn(
        &home,
        &[
            "token",
            "--profile",
            profile.to_str().unwrap(),
            "--force-refresh",
        ],
    );
    let again = tokio::task::spawn_blocking(move || again.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(idp.token_requests(), before + 2);
}
