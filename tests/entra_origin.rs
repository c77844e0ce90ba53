//! Entra's redirect URI platforms at the token endpoint, played by the embedded IdP: a SPA
//! registration refuses a token request without `Origin` (AADSTS9002327), a Web one refuses
//! one with it (AADSTS9002326). `token_origin = "auto"` retries once the other way.

use std::time::Duration;

use tokenbench::flow::{run_flow, system_now, BrowserMode, FlowIo, FlowOptions, FlowReport};
use tokenbench::idp::{Faults, IdpConfig, IdpServer, Registration, DEMO_CLIENT_ID};
use tokenbench::oauth::random::OsEntropy;
use tokenbench::profile::load::{parse_raw, validate};
use tokenbench::profile::Profile;

async fn idp(registration: Registration) -> IdpServer {
    IdpServer::start(IdpConfig {
        auto_approve: true,
        faults: Faults {
            registration: Some(registration),
            ..Faults::default()
        },
        ..IdpConfig::default()
    })
    .await
    .unwrap()
}

fn profile(idp: &IdpServer, extra: &str) -> Profile {
    let issuer = idp.issuer();
    let text = format!(
        "issuer = \"{issuer}\"\ncallback_url = \"http://127.0.0.1:0/callback\"\n\
         auth_url = \"{issuer}/authorize\"\ntoken_url = \"{issuer}/token\"\n\
         client_id = \"{DEMO_CLIENT_ID}\"\nscope = \"openid offline_access\"\n{extra}"
    );
    let path = std::path::Path::new("test.toml");
    validate(path, "test", &parse_raw(path, &text).unwrap()).unwrap()
}

async fn run(profile: &Profile) -> FlowReport {
    let options = FlowOptions {
        timeout: Duration::from_secs(10),
        browser: BrowserMode::Follow,
        ..FlowOptions::default()
    };
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let no_env = |_: &str| None;
    let io = FlowIo {
        entropy: &mut OsEntropy,
        now: system_now,
        env: &no_env,
        events: tx,
        paste: None,
    };
    run_flow(profile, &options, io).await
}

#[tokio::test]
async fn a_spa_registration_is_retried_once_with_the_callback_origin() {
    let idp = idp(Registration::Spa).await;
    let report = run(&profile(&idp, "")).await;
    let json = report.to_json();
    assert_eq!(report.exit_code(), 0, "{json}");
    assert_eq!(idp.token_requests(), 2);
    let retry = &json["token_request"]["origin_retry"];
    assert_eq!(retry["retried_with_origin"], true, "{json}");
    assert_eq!(retry["registration"], "Single-Page Application");
    assert_eq!(retry["first_attempt"]["status"], 400);
    assert!(retry["first_attempt"]["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS9002327"));
    // The origin is the callback's, with the port actually bound.
    let redirect = json["authorization_request"]["params"]["redirect_uri"]
        .as_str()
        .unwrap();
    let origin = json["token_request"]["headers"]["origin"].as_str().unwrap();
    assert!(
        redirect.starts_with(&format!("{origin}/")),
        "{origin} {redirect}"
    );
    assert_eq!(retry["origin"], origin);
    assert!(json["warnings"].as_array().unwrap().iter().any(|w| w
        .as_str()
        .unwrap()
        .contains("registered as Single-Page Application")));
}

#[tokio::test]
async fn a_web_registration_refuses_always_and_passes_never_and_auto() {
    let idp = idp(Registration::Web).await;
    // `always` is what the profile asked for: refused, no retry, the hint names the fix.
    let report = run(&profile(&idp, "token_origin = \"always\"")).await;
    assert_eq!(report.exit_code(), 3);
    let message = report.error.as_ref().unwrap().to_string();
    assert!(message.contains("token_origin = \"never\""), "{message}");
    assert_eq!(idp.token_requests(), 1);
    // `never` passes at once; `auto` never sends Origin first, so it passes too.
    for policy in ["never", "auto"] {
        let before = idp.token_requests();
        let report = run(&profile(&idp, &format!("token_origin = \"{policy}\""))).await;
        assert_eq!(report.exit_code(), 0, "{policy}");
        assert_eq!(idp.token_requests(), before + 1, "{policy}");
        assert!(report.to_json()["token_request"]["headers"]["origin"].is_null());
    }
}

#[tokio::test]
async fn a_spa_registration_with_never_is_refused_with_the_platform_named() {
    let idp = idp(Registration::Spa).await;
    let report = run(&profile(&idp, "token_origin = \"never\"")).await;
    assert_eq!(report.exit_code(), 3);
    let message = report.error.as_ref().unwrap().to_string();
    assert!(message.contains("AADSTS9002327"), "{message}");
    assert!(
        message.contains("Single-Page Application platform"),
        "{message}"
    );
    assert_eq!(idp.token_requests(), 1);
}
