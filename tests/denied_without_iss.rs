//! An IdP that sends `iss` only on success (against RFC 9207 §2) while its metadata
//! advertises it: a denied sign-in is refused for the missing `iss` (exit 4), and the run
//! still says what the IdP said, in the message and in the JSON's `oauth_error` fields.

use std::time::Duration;

use tokenbench::flow::{run_flow, system_now, BrowserMode, FlowIo, FlowOptions, FlowReport};
use tokenbench::idp::{Faults, IdpConfig, IdpServer, DEMO_CLIENT_ID};
use tokenbench::oauth::random::OsEntropy;
use tokenbench::profile::load::{parse_raw, validate};
use tokenbench::profile::Profile;

async fn idp(faults: Faults) -> IdpServer {
    IdpServer::start(IdpConfig {
        auto_approve: true,
        faults,
        ..IdpConfig::default()
    })
    .await
    .unwrap()
}

fn profile(idp: &IdpServer) -> Profile {
    let issuer = idp.issuer();
    let text = format!(
        "client_id = \"{DEMO_CLIENT_ID}\"\nissuer = \"{issuer}\"\n\
         callback_url = \"http://127.0.0.1:0/callback\"\nauth_url = \"{issuer}/authorize\"\n\
         token_url = \"{issuer}/token\"\nscope = \"openid profile\"\n"
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
    let io = FlowIo {
        entropy: &mut OsEntropy,
        now: system_now,
        env: &|_: &str| None,
        events: tx,
        paste: None,
    };
    run_flow(profile, &options, io).await
}

#[tokio::test]
async fn a_denial_without_iss_still_says_what_the_idp_said() {
    let idp = idp(Faults {
        authorize_error: Some("access_denied".into()),
        error_without_iss: true,
        ..Faults::default()
    })
    .await;
    let report = run(&profile(&idp)).await;
    assert_eq!(report.exit_code(), 4);
    let err = report.to_json()["error"].clone();
    assert_eq!(err["kind"], "callback_invalid");
    assert_eq!(err["oauth_error"], "access_denied");
    assert_eq!(
        err["oauth_error_description"],
        "injected fault: authorize_error=access_denied"
    );
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("no `iss`"), "{message}");
    assert!(
        message.contains("access_denied: injected fault: authorize_error=access_denied"),
        "{message}"
    );
    assert_eq!(idp.token_requests(), 0);
}

#[tokio::test]
async fn the_same_idp_still_signs_in() {
    // Only error callbacks lack iss: a success keeps it and the run completes.
    let idp = idp(Faults {
        error_without_iss: true,
        ..Faults::default()
    })
    .await;
    let report = run(&profile(&idp)).await;
    assert_eq!(report.exit_code(), 0, "{}", report.to_json());
}
