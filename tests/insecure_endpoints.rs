//! Endpoints taken from discovery follow the rule of the profile's own URLs: plain http to
//! a host that is not loopback is refused before connecting unless the profile says
//! `insecure_http = true`.
//!
//! No traffic ever leaves the machine: the "remote" endpoints are
//! `http://[::ffff:127.0.0.1]:PORT/…`, an IPv4-mapped address that the rule does not count
//! as loopback (it is neither 127.0.0.0/8 nor ::1) but that the kernel delivers to a
//! counting server on 127.0.0.1. So a request that should have been refused would be
//! counted here rather than sent anywhere else.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::Router;
use serde_json::json;

use tokenbench::cache::CachedTokens;
use tokenbench::flow::grants::{introspect, revoke, userinfo, GrantIo, GrantReport};
use tokenbench::flow::{resolve, FlowError, Resolved};
use tokenbench::net::http::{HttpClient, HttpLimits, TransportError};
use tokenbench::net::jwks::{JwksCache, KeysError};
use tokenbench::oauth::introspection::TokenKind;
use tokenbench::oauth::metadata::parse_metadata;
use tokenbench::oauth::token_response::parse_token_response;
use tokenbench::profile::load::{parse_raw, validate};
use tokenbench::profile::{Profile, RawProfile};

/// A server on 127.0.0.1 that counts every request and answers 401, reached through
/// its IPv4-mapped address. Also serves a discovery document on its loopback address.
struct Counting {
    /// `http://127.0.0.1:PORT` (loopback by the rule).
    loopback: String,
    /// `http://[::ffff:127.0.0.1]:PORT` (not loopback by the rule; still this server).
    mapped: String,
    /// Requests to anything but the discovery document.
    hits: Arc<AtomicUsize>,
}

async fn counting() -> Counting {
    let hits = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let loopback = format!("http://127.0.0.1:{port}");
    let mapped = format!("http://[::ffff:127.0.0.1]:{port}");
    let discovery = metadata_json(&loopback, &mapped);
    let app = Router::new()
        .route(
            "/.well-known/openid-configuration",
            axum::routing::get(move || async move { as_json(&discovery) }),
        )
        .fallback(|State(hits): State<Arc<AtomicUsize>>| async move {
            hits.fetch_add(1, Ordering::SeqCst);
            (axum::http::StatusCode::UNAUTHORIZED, "counted")
        })
        .with_state(hits.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Counting {
        loopback,
        mapped,
        hits,
    }
}

fn as_json(doc: &serde_json::Value) -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        doc.to_string(),
    )
}

/// The issuer on loopback; every other endpoint on the mapped address.
fn metadata_json(issuer: &str, mapped: &str) -> serde_json::Value {
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{mapped}/userinfo"),
        "introspection_endpoint": format!("{mapped}/introspect"),
        "revocation_endpoint": format!("{mapped}/revoke"),
        "jwks_uri": format!("{mapped}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    })
}

/// Whether this machine delivers IPv4-mapped IPv6 connections (a host without IPv6
/// cannot; then the tests that need a connection say so and check the refusal only).
fn mapped_works() -> bool {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::net::TcpStream::connect(("::ffff:127.0.0.1", port)).is_ok()
}

fn raw(server: &Counting, insecure_http: bool) -> RawProfile {
    let issuer = &server.loopback;
    let mut text = format!(
        "client_id = \"app\"\nclient_secret = \"s3cret\"\ncallback_url = \"http://127.0.0.1:0/callback\"\n\
         issuer = \"{issuer}\"\nauth_url = \"{issuer}/authorize\"\ntoken_url = \"{issuer}/token\"\n"
    );
    if insecure_http {
        text.push_str("insecure_http = true\n");
    }
    parse_raw(std::path::Path::new("remote.toml"), &text).unwrap()
}

fn profile(server: &Counting, insecure_http: bool) -> Profile {
    let path = std::path::Path::new("remote.toml");
    validate(path, "remote", &raw(server, insecure_http)).unwrap()
}

fn resolved(server: &Counting, insecure_http: bool) -> Resolved {
    let doc = metadata_json(&server.loopback, &server.mapped);
    let metadata = parse_metadata(&server.loopback, doc.to_string().as_bytes()).unwrap();
    Resolved {
        metadata: Some(metadata),
        ..Resolved::without_discovery(profile(server, insecure_http))
    }
}

fn cached(profile: &Profile) -> CachedTokens {
    let body = br#"{"access_token":"at-1","refresh_token":"rt-1","token_type":"Bearer"}"#;
    let response = parse_token_response(200, Some("application/json"), body).unwrap();
    CachedTokens::new(profile, profile.token_url.as_str(), &response, 0)
}

fn no_env(_: &str) -> Option<std::ffi::OsString> {
    None
}

fn io() -> GrantIo<'static> {
    GrantIo {
        now: || 0,
        env: &no_env,
        http: HttpLimits {
            timeout: Duration::from_secs(10),
            ..HttpLimits::default()
        },
    }
}

/// Runs userinfo, introspection and revocation; their reports in that order.
async fn three_grants(resolved: &Resolved) -> Vec<GrantReport> {
    let tokens = cached(&resolved.profile);
    let io = io();
    vec![
        userinfo(resolved, &tokens, &io).await,
        introspect(resolved, &tokens, TokenKind::Access, &io).await,
        revoke(resolved, &tokens, TokenKind::Refresh, &io).await,
    ]
}

#[tokio::test]
async fn discovered_endpoints_over_plain_http_are_refused_before_connecting() {
    let server = counting().await;
    for (report, path) in three_grants(&resolved(&server, false)).await.iter().zip([
        "/userinfo",
        "/introspect",
        "/revoke",
    ]) {
        let json = report.to_json();
        let error = &json["error"];
        assert_eq!(report.exit_code(), 2, "{json:#}");
        assert_eq!(error["kind"], "insecure_endpoint", "{json:#}");
        assert_eq!(error["exit_code"], 2);
        let message = error["message"].as_str().unwrap();
        let url = format!(
            "{}{path}",
            server.mapped.replace("::ffff:127.0.0.1", "::ffff:7f00:1")
        );
        assert!(
            message.contains(&url) && message.contains("insecure_http = true"),
            "{message}"
        );
        // Nothing was sent, so nothing is recorded as a response.
        assert!(json.get("response").is_none(), "{json:#}");
    }
    assert_eq!(
        server.hits.load(Ordering::SeqCst),
        0,
        "no request reached the endpoints"
    );
}

#[tokio::test]
async fn insecure_http_in_the_profile_lifts_the_refusal() {
    if !mapped_works() {
        eprintln!("skipped: this host does not deliver IPv4-mapped IPv6 connections");
        return;
    }
    let server = counting().await;
    for report in three_grants(&resolved(&server, true)).await {
        let json = report.to_json();
        assert_ne!(json["error"]["kind"], "insecure_endpoint", "{json:#}");
        assert_eq!(json["response"]["status"], 401, "{json:#}");
    }
    assert_eq!(server.hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_jwks_over_plain_http_is_refused_before_connecting() {
    let server = counting().await;
    let uri = format!("{}/jwks", server.mapped);
    let http = HttpClient::new(HttpLimits::default()).unwrap();
    let e = JwksCache::new(uri.clone())
        .keys_for(&http, Some("k1"))
        .await
        .unwrap_err();
    let KeysError::Transport(TransportError::InsecureHttp { url }) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(url, &uri);
    assert_eq!(server.hits.load(Ordering::SeqCst), 0);
    if mapped_works() {
        let lifted = http.with_plain_http(true);
        let e = JwksCache::new(uri)
            .keys_for(&lifted, None)
            .await
            .unwrap_err();
        assert!(matches!(e, KeysError::Status { status: 401, .. }), "{e:?}");
        assert_eq!(server.hits.load(Ordering::SeqCst), 1);
    }
}

/// The endpoints a run uses (authorization, token) are checked when discovery fills them,
/// as if the profile named them.
#[tokio::test]
async fn discovered_run_endpoints_meet_the_profile_rule() {
    let server = counting().await;
    let mut raw = raw(&server, false);
    raw.auth_url = None;
    raw.token_url = None;
    let http = HttpClient::new(HttpLimits::default()).unwrap();
    // The discovery document's own endpoints are on loopback: accepted.
    let ok = resolve(&raw, std::path::Path::new("remote.toml"), &http)
        .await
        .unwrap();
    assert_eq!(ok.discovered, vec!["auth_url", "token_url"]);
    // One whose token endpoint is not: refused (exit 2) before anything is sent there.
    let mut doc = metadata_json(&server.loopback, &server.mapped);
    doc["token_endpoint"] = json!(format!("{}/token", server.mapped));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    doc["issuer"] = json!(issuer);
    let app = Router::new().route(
        "/.well-known/openid-configuration",
        axum::routing::get(move || async move { as_json(&doc) }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    raw.issuer = Some(issuer);
    let e = resolve(&raw, std::path::Path::new("remote.toml"), &http)
        .await
        .unwrap_err();
    assert!(matches!(e, FlowError::InvalidInput(_)), "{e:?}");
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("token_url"), "{e}");
    assert_eq!(server.hits.load(Ordering::SeqCst), 0);
}

/// A profile whose own issuer is plain http off loopback (allowed by `insecure_http`)
/// gets its discovery through: the flag reaches the client that fetches it.
#[tokio::test]
async fn the_flag_reaches_discovery() {
    if !mapped_works() {
        eprintln!("skipped: this host does not deliver IPv4-mapped IPv6 connections");
        return;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let issuer = format!("http://[::ffff:7f00:1]:{port}");
    let doc = metadata_json(&issuer, &issuer);
    let app = Router::new().route(
        "/.well-known/openid-configuration",
        axum::routing::get(move || async move { as_json(&doc) }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let text = format!("client_id = \"app\"\ncallback_url = \"http://127.0.0.1:0/callback\"\nissuer = \"{issuer}\"\ninsecure_http = true\n");
    let raw = parse_raw(std::path::Path::new("remote.toml"), &text).unwrap();
    let http = HttpClient::new(HttpLimits::default()).unwrap();
    let resolved = resolve(&raw, std::path::Path::new("remote.toml"), &http)
        .await
        .unwrap();
    assert_eq!(resolved.metadata.unwrap().issuer, issuer);
}

/// A run against a test IdP on plain http off loopback, allowed by `insecure_http`: the
/// flag reaches the client that sends the token request.
#[tokio::test]
async fn the_flag_reaches_the_run() {
    use tokenbench::flow::{run_flow, BrowserMode, FlowIo, FlowOptions};
    use tokenbench::idp::{IdpConfig, IdpServer, DEMO_CLIENT_ID};
    if !mapped_works() {
        eprintln!("skipped: this host does not deliver IPv4-mapped IPv6 connections");
        return;
    }
    let idp = IdpServer::start(IdpConfig {
        auto_approve: true,
        ..IdpConfig::default()
    })
    .await
    .unwrap();
    let base = idp.issuer().replace("127.0.0.1", "[::ffff:7f00:1]");
    let text = format!(
        "client_id = \"{DEMO_CLIENT_ID}\"\ncallback_url = \"http://127.0.0.1:0/callback\"\n\
         auth_url = \"{base}/authorize\"\ntoken_url = \"{base}/token\"\ninsecure_http = true\n"
    );
    let path = std::path::Path::new("remote.toml");
    let profile = validate(path, "remote", &parse_raw(path, &text).unwrap()).unwrap();
    let options = FlowOptions {
        timeout: Duration::from_secs(10),
        browser: BrowserMode::Follow,
        ..FlowOptions::default()
    };
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = FlowIo {
        entropy: Box::leak(Box::new(tokenbench::oauth::random::OsEntropy)),
        now: tokenbench::flow::system_now,
        env: &no_env,
        events: tx,
        paste: None,
    };
    let report = run_flow(&profile, &options, io).await;
    assert_eq!(report.exit_code(), 0, "{:?}", report.error);
}
