//! The embedded demo IdP accepts `private_key_jwt` (its `tokenbench-demo-key` client is
//! registered with the public half of tests/fixtures/keyauth/client-es256.pem) and
//! `client_secret_jwt` (the confidential demo client): a run, a refresh and an
//! introspection each send a fresh assertion, and a client_id alone is refused.

use std::time::Duration;

use tokenbench::cache::CachedTokens;
use tokenbench::flow::grants::{introspect, refresh, GrantIo};
use tokenbench::flow::{
    run_flow, system_now, BrowserMode, FlowIo, FlowOptions, FlowReport, Resolved,
};
use tokenbench::idp::{
    IdpConfig, IdpServer, DEMO_CONFIDENTIAL_CLIENT_ID, DEMO_CONFIDENTIAL_SECRET,
};
use tokenbench::net::http::HttpLimits;
use tokenbench::oauth::introspection::TokenKind;
use tokenbench::oauth::random::OsEntropy;
use tokenbench::profile::load::{parse_raw, validate};
use tokenbench::profile::Profile;

const KEY_CLIENT: &str = "tokenbench-demo-key";

fn key_path() -> String {
    format!(
        "{}/tests/fixtures/keyauth/client-es256.pem",
        env!("CARGO_MANIFEST_DIR")
    )
}

async fn idp() -> IdpServer {
    IdpServer::start(IdpConfig {
        auto_approve: true,
        ..IdpConfig::default()
    })
    .await
    .unwrap()
}

fn profile(idp: &IdpServer, client_id: &str, auth: &str) -> Profile {
    let issuer = idp.issuer();
    let text = format!(
        "issuer = \"{issuer}\"\nclient_id = \"{client_id}\"\ncallback_url = \"http://127.0.0.1:0/callback\"\n\
         auth_url = \"{issuer}/authorize\"\ntoken_url = \"{issuer}/token\"\n\
         scope = \"openid profile offline_access\"\n{auth}"
    );
    let path = std::path::Path::new("keyauth.toml");
    validate(path, "keyauth", &parse_raw(path, &text).unwrap()).unwrap()
}

fn no_env(_: &str) -> Option<std::ffi::OsString> {
    None
}

async fn run(profile: &Profile) -> FlowReport {
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let options = FlowOptions {
        timeout: Duration::from_secs(10),
        browser: BrowserMode::Follow,
        ..FlowOptions::default()
    };
    let io = FlowIo {
        entropy: Box::leak(Box::new(OsEntropy)),
        now: system_now,
        env: &no_env,
        events: tx,
        paste: None,
    };
    run_flow(profile, &options, io).await
}

const IO: GrantIo<'static> = GrantIo {
    now: system_now,
    env: &no_env,
    http: HttpLimits {
        timeout: Duration::from_secs(10),
        max_body: 1024 * 1024,
        insecure_tls: false,
        allow_insecure_http: false,
    },
};

async fn full_round(p: &Profile, alg: &str) {
    let report = run(p).await;
    assert_eq!(report.exit_code(), 0, "{:?}", report.error);
    let json = report.to_json();
    let record = &json["token_request"];
    assert_eq!(record["form"]["client_assertion"], "[redacted]");
    assert_eq!(record["client_assertion"]["header"]["alg"], alg);
    let first_jti = record["client_assertion"]["claims"]["jti"].clone();
    let received = report
        .received
        .expect("a successful run keeps its response");
    let cached = CachedTokens::new(p, p.token_url.as_str(), &received.response, received.at);

    let resolved = Resolved::without_discovery(p.clone());
    let refreshed = refresh(&resolved, &cached, &IO).await;
    assert_eq!(refreshed.exit_code(), 0, "{:?}", refreshed.error);
    let json = refreshed.to_json();
    assert_eq!(json["request"]["client_assertion"]["header"]["alg"], alg);
    assert_ne!(
        json["request"]["client_assertion"]["claims"]["jti"],
        first_jti
    );

    let by_hand = format!("{}/introspect", p.issuer.clone().unwrap());
    let mut with_endpoint = p.clone();
    with_endpoint.by_hand.push((
        "introspection_endpoint",
        tokenbench::oauth::types::EndpointUrl::parse(&by_hand).unwrap(),
    ));
    let resolved = Resolved::without_discovery(with_endpoint);
    let looked = introspect(&resolved, &cached, TokenKind::Access, &IO).await;
    assert_eq!(looked.exit_code(), 0, "{:?}", looked.error);
}

#[tokio::test]
async fn private_key_jwt_runs_refreshes_and_introspects() {
    let idp = idp().await;
    let auth = format!(
        "client_auth = \"private_key_jwt\"\nclient_key = \"{}\"\nclient_key_id = \"tb-test-es256\"\n",
        key_path()
    );
    full_round(&profile(&idp, KEY_CLIENT, &auth), "ES256").await;
}

#[tokio::test]
async fn client_secret_jwt_runs_refreshes_and_introspects() {
    let idp = idp().await;
    let auth = format!(
        "client_auth = \"client_secret_jwt\"\nclient_secret = \"{DEMO_CONFIDENTIAL_SECRET}\"\n"
    );
    full_round(&profile(&idp, DEMO_CONFIDENTIAL_CLIENT_ID, &auth), "HS256").await;
}

#[tokio::test]
async fn the_key_client_is_refused_without_an_assertion_or_with_a_wrong_key() {
    let idp = idp().await;
    let report = run(&profile(&idp, KEY_CLIENT, "client_auth = \"none\"\n")).await;
    assert_eq!(report.exit_code(), 3, "{:?}", report.error);
    assert!(report.to_json().to_string().contains("private_key_jwt"));
    // A key the IdP does not know for this client.
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.pem");
    let der =
        tokenbench::oauth::jose::sign::generate_pkcs8(tokenbench::oauth::jose::SignAlg::ES256)
            .unwrap();
    std::fs::write(&other, tokenbench::oauth::jose::sign::pkcs8_pem(&der)).unwrap();
    let auth = format!(
        "client_auth = \"private_key_jwt\"\nclient_key = \"{}\"\n",
        other.display()
    );
    let report = run(&profile(&idp, KEY_CLIENT, &auth)).await;
    assert_eq!(report.exit_code(), 3, "{:?}", report.error);
    assert_eq!(report.to_json()["error"]["oauth_error"], "invalid_client");
}
