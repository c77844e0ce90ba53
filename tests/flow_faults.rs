//! The whole flow, in process, against the embedded IdP: every fault it can inject gives the
//! exit code and message it must.

use std::time::Duration;

use tokenbench::flow::{run_flow, system_now, BrowserMode, FlowIo, FlowOptions, FlowReport};
use tokenbench::idp::{
    Faults, IdpConfig, IdpServer, DEMO_CLIENT_ID, DEMO_CONFIDENTIAL_CLIENT_ID,
    DEMO_CONFIDENTIAL_SECRET,
};
use tokenbench::net::http::HttpLimits;
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

fn profile(idp: &IdpServer, extra: &str) -> Profile {
    let issuer = idp.issuer();
    let text = format!(
        "issuer = \"{issuer}\"\ncallback_url = \"http://127.0.0.1:0/callback\"\n\
         auth_url = \"{issuer}/authorize\"\ntoken_url = \"{issuer}/token\"\n\
         scope = \"openid profile offline_access\"\n{extra}"
    );
    let text = if text.contains("client_id") {
        text
    } else {
        format!("client_id = \"{DEMO_CLIENT_ID}\"\n{text}")
    };
    let path = std::path::Path::new("test.toml");
    validate(path, "test", &parse_raw(path, &text).unwrap()).unwrap()
}

async fn run_with(profile: &Profile, http: HttpLimits, env: &[(&str, &str)]) -> FlowReport {
    run_within(profile, http, env, Duration::from_secs(10)).await
}

async fn run_within(
    profile: &Profile,
    http: HttpLimits,
    env: &[(&str, &str)],
    timeout: Duration,
) -> FlowReport {
    let options = FlowOptions {
        timeout,
        browser: BrowserMode::Follow,
        http,
        ..FlowOptions::default()
    };
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let lookup = move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.into());
    let io = FlowIo {
        entropy: &mut OsEntropy,
        now: system_now,
        env: &lookup,
        events: tx,
        paste: None,
    };
    run_flow(profile, &options, io).await
}

async fn run(profile: &Profile) -> FlowReport {
    run_with(profile, HttpLimits::default(), &[]).await
}

fn message(report: &FlowReport) -> String {
    report
        .error
        .as_ref()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn public_client_gets_a_decodable_id_token() {
    let idp = idp(Faults::default()).await;
    let report = run(&profile(&idp, "")).await;
    assert_eq!(report.exit_code(), 0, "{}", message(&report));
    let json = report.to_json();
    assert_eq!(json["tokens"]["id_token"]["kind"], "jwt");
    assert_eq!(json["tokens"]["id_token"]["claims"]["aud"], DEMO_CLIENT_ID);
    assert_eq!(json["tokens"]["id_token"]["claims"]["iss"], idp.issuer());
    // The nonce sent is the nonce in the ID token.
    assert_eq!(
        json["tokens"]["id_token"]["claims"]["nonce"],
        json["authorization_request"]["params"]["nonce"]
    );
    assert!(json["tokens"]["refresh_token"].is_object());
    assert_eq!(json["token_request"]["form"]["code"], "[redacted]");
    assert_eq!(json["token_request"]["form"]["code_verifier"], "[redacted]");
    assert_eq!(json["callback"]["params"]["code"], "[redacted]");
    assert_eq!(idp.token_requests(), 1);
}

#[tokio::test]
async fn confidential_client_basic_and_body() {
    let idp = idp(Faults::default()).await;
    for auth in ["basic", "body"] {
        let p = profile(
            &idp,
            &format!(
                "client_id = \"{DEMO_CONFIDENTIAL_CLIENT_ID}\"\nclient_secret = \"env:DEMO_SECRET\"\nclient_auth = \"{auth}\"\n"
            ),
        );
        let report = run_with(
            &p,
            HttpLimits::default(),
            &[("DEMO_SECRET", DEMO_CONFIDENTIAL_SECRET)],
        )
        .await;
        assert_eq!(report.exit_code(), 0, "{auth}: {}", message(&report));
        let dump = report.to_json().to_string();
        assert!(
            !dump.contains(DEMO_CONFIDENTIAL_SECRET),
            "{auth}: secret leaked into the report"
        );
    }
}

#[tokio::test]
async fn plain_method_and_fixed_verifier_and_state() {
    let idp = idp(Faults::default()).await;
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let p = profile(&idp, &format!("code_challenge_method = \"plain\"\ncode_verifier = \"{verifier}\"\nstate = \"fixed-state\"\n"));
    let report = run(&p).await;
    assert_eq!(report.exit_code(), 0, "{}", message(&report));
    let params = &report.to_json()["authorization_request"]["params"];
    assert_eq!(params["code_challenge"], verifier);
    assert_eq!(params["code_challenge_method"], "plain");
    assert_eq!(params["state"], "fixed-state");
}

#[tokio::test]
async fn wrong_state_is_rejected_before_any_token_request() {
    let idp = idp(Faults {
        wrong_state: true,
        ..Faults::default()
    })
    .await;
    // A callback with another state does not end the run: it waits on, and at the timeout
    // says that only such callbacks came.
    let report = run_within(
        &profile(&idp, ""),
        HttpLimits::default(),
        &[],
        Duration::from_secs(3),
    )
    .await;
    assert_eq!(report.exit_code(), 4, "{}", message(&report));
    assert!(
        message(&report).contains("none carried the state"),
        "{}",
        message(&report)
    );
    assert_eq!(report.invalid_callbacks, 1);
    assert_eq!(
        report.to_json()["stray_requests"][0]["kind"],
        "forged_callback"
    );
    assert!(report.token_request.is_none());
    assert_eq!(idp.token_requests(), 0);
}

#[tokio::test]
async fn wrong_or_missing_iss_is_rejected() {
    let idp = idp(Faults {
        wrong_iss: true,
        ..Faults::default()
    })
    .await;
    let report = run(&profile(&idp, "")).await;
    assert_eq!(report.exit_code(), 4);
    assert!(message(&report).contains("iss"), "{}", message(&report));
    assert_eq!(idp.token_requests(), 0);

    // The embedded IdP advertises iss support, so a missing iss is a mix-up signal.
    idp.set_faults(Faults {
        missing_iss: true,
        ..Faults::default()
    });
    let report = run(&profile(&idp, "")).await;
    assert_eq!(report.exit_code(), 4);
    assert!(
        message(&report).contains("no `iss`"),
        "{}",
        message(&report)
    );
    assert_eq!(idp.token_requests(), 0);
}

#[tokio::test]
async fn without_an_issuer_in_the_profile_iss_is_not_checked() {
    let idp = idp(Faults {
        wrong_iss: true,
        ..Faults::default()
    })
    .await;
    let mut p = profile(&idp, "");
    p.issuer = None;
    assert_eq!(run(&p).await.exit_code(), 0);
}

#[tokio::test]
async fn authorization_error_redirect_is_an_oauth_error() {
    let idp = idp(Faults {
        authorize_error: Some("access_denied".into()),
        ..Faults::default()
    })
    .await;
    let report = run(&profile(&idp, "")).await;
    assert_eq!(report.exit_code(), 3);
    let err = report.to_json()["error"].clone();
    assert_eq!(err["kind"], "oauth_error");
    assert_eq!(err["oauth_error"], "access_denied");
    assert!(err["message"].as_str().unwrap().contains("declined"));
    assert_eq!(idp.token_requests(), 0);
}

#[tokio::test]
async fn token_endpoint_oauth_error() {
    let idp = idp(Faults {
        token_error: Some("invalid_grant".into()),
        ..Faults::default()
    })
    .await;
    let report = run(&profile(&idp, "")).await;
    assert_eq!(report.exit_code(), 3);
    let json = report.to_json();
    assert_eq!(json["error"]["oauth_error"], "invalid_grant");
    assert_eq!(json["token_response"]["status"], 400);
}

#[tokio::test]
async fn html_token_response_is_a_transport_error_with_status_and_excerpt() {
    let idp = idp(Faults {
        token_html: true,
        ..Faults::default()
    })
    .await;
    let report = run(&profile(&idp, "")).await;
    assert_eq!(report.exit_code(), 6);
    let m = message(&report);
    assert!(m.contains("HTTP 502") && m.contains("text/html"), "{m}");
}

#[tokio::test]
async fn slow_token_endpoint_times_out() {
    let idp = idp(Faults {
        token_delay: Some(Duration::from_secs(3)),
        ..Faults::default()
    })
    .await;
    let limits = HttpLimits {
        timeout: Duration::from_millis(500),
        ..HttpLimits::default()
    };
    let report = run_with(&profile(&idp, ""), limits, &[]).await;
    assert_eq!(report.exit_code(), 6);
    assert!(
        message(&report).contains("no response"),
        "{}",
        message(&report)
    );
}

#[tokio::test]
async fn huge_token_response_is_capped() {
    let idp = idp(Faults {
        token_huge: true,
        ..Faults::default()
    })
    .await;
    let report = run(&profile(&idp, "")).await;
    assert_eq!(report.exit_code(), 6);
    assert!(
        message(&report).contains("larger than"),
        "{}",
        message(&report)
    );
}

#[tokio::test]
async fn form_encoded_token_response_is_understood() {
    let idp = idp(Faults {
        token_form_encoded: true,
        ..Faults::default()
    })
    .await;
    let report = run(&profile(&idp, "")).await;
    assert_eq!(report.exit_code(), 0, "{}", message(&report));
    assert_eq!(report.to_json()["tokens"]["id_token"]["kind"], "jwt");
}

#[tokio::test]
async fn missing_env_secret_is_invalid_input_before_anything_happens() {
    let idp = idp(Faults::default()).await;
    let p = profile(&idp, &format!("client_id = \"{DEMO_CONFIDENTIAL_CLIENT_ID}\"\nclient_secret = \"env:NOT_SET_ANYWHERE\"\n"));
    let report = run(&p).await;
    assert_eq!(report.exit_code(), 2);
    assert!(message(&report).contains("NOT_SET_ANYWHERE"));
    assert!(report.authorization_request.is_none());
}

#[tokio::test]
async fn unreachable_token_endpoint_is_a_transport_error() {
    let idp = idp(Faults::default()).await;
    let mut p = profile(&idp, "");
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    p.token_url =
        tokenbench::oauth::types::EndpointUrl::parse(&format!("http://127.0.0.1:{port}/token"))
            .unwrap();
    let report = run(&p).await;
    assert_eq!(report.exit_code(), 6);
    assert!(
        message(&report).contains("cannot connect"),
        "{}",
        message(&report)
    );
}
