//! Endpoints as real IdPs publish them: split over the OpenID and RFC 8414 documents, set by
//! hand in the profile, and introspection with its own credentials.
//!
//! The stand-in server mirrors an oauthlib-based IdP (and the report in issue 11): its
//! `/.well-known/openid-configuration` has no `introspection_endpoint` and no
//! `revocation_endpoint`, while its `/.well-known/oauth-authorization-server` for the same
//! issuer has both.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::Router;
use serde_json::{json, Value};

use tokenbench::cache::CachedTokens;
use tokenbench::flow::grants::{introspect, revoke, GrantIo};
use tokenbench::flow::{resolve, Resolved};
use tokenbench::net::http::{HttpClient, HttpLimits};
use tokenbench::oauth::introspection::TokenKind;
use tokenbench::oauth::token_response::parse_token_response;
use tokenbench::profile::load::parse_raw;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub authorization: Option<String>,
    pub body: String,
}

/// What each path answers: status, content type, body.
type Answers = BTreeMap<String, (u16, &'static str, String)>;

#[derive(Clone)]
struct Shared {
    answers: Arc<Answers>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

pub struct Server {
    pub issuer: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    pub fn seen(&self, path: &str) -> Vec<Seen> {
        let seen = self.seen.lock().unwrap();
        seen.iter().filter(|s| s.path == path).cloned().collect()
    }
}

async fn answer(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, [(&'static str, &'static str); 1], String) {
    let path = uri.path().to_owned();
    shared.seen.lock().unwrap().push(Seen {
        path: path.clone(),
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    match shared.answers.get(&path) {
        Some((status, ct, body)) => (
            StatusCode::from_u16(*status).unwrap(),
            [("content-type", ct)],
            body.clone(),
        ),
        None => (
            StatusCode::NOT_FOUND,
            [("content-type", "text/plain")],
            "Not Found".into(),
        ),
    }
}

/// Starts a server; `docs` gets the issuer and returns (OpenID document, RFC 8414 document),
/// `extra` adds answers for other paths.
pub async fn server(
    docs: impl FnOnce(&str) -> (Value, Option<Value>),
    extra: &[(&str, u16, &'static str, &str)],
) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let (openid, rfc8414) = docs(&issuer);
    let mut answers = Answers::new();
    let json_ct = "application/json";
    answers.insert(
        "/.well-known/openid-configuration".into(),
        (200, json_ct, openid.to_string()),
    );
    if let Some(doc) = rfc8414 {
        answers.insert(
            "/.well-known/oauth-authorization-server".into(),
            (200, json_ct, doc.to_string()),
        );
    }
    answers.insert(
        "/introspect".into(),
        (200, json_ct, r#"{"active":true,"scope":"openid"}"#.into()),
    );
    answers.insert("/revoke".into(), (200, json_ct, String::new()));
    for (path, status, ct, body) in extra {
        answers.insert((*path).into(), (*status, ct, (*body).into()));
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let shared = Shared {
        answers: Arc::new(answers),
        seen: seen.clone(),
    };
    let app = Router::new().fallback(answer).with_state(shared);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Server { issuer, seen }
}

/// The OpenID document of an oauthlib-based server: no introspection, no revocation.
pub fn openid_without_introspection(issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
    })
}

/// Its RFC 8414 document for the same issuer, which has both.
pub fn rfc8414_with_introspection(issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "introspection_endpoint": format!("{issuer}/introspect"),
        "revocation_endpoint": format!("{issuer}/revoke"),
    })
}

pub async fn resolved_with(issuer: &str, extra: &str) -> Resolved {
    let text = format!(
        "client_id = \"app\"\nclient_secret = \"s3cret\"\ncallback_url = \"http://127.0.0.1:0/callback\"\n\
         issuer = \"{issuer}\"\n{extra}"
    );
    let path = Path::new("oauthlib.toml");
    let raw = parse_raw(path, &text).unwrap();
    let http = HttpClient::new(HttpLimits::default()).unwrap();
    resolve(&raw, path, &http).await.unwrap()
}

pub fn cached(resolved: &Resolved) -> CachedTokens {
    let body = br#"{"access_token":"at-1","refresh_token":"rt-1","token_type":"Bearer"}"#;
    let response = parse_token_response(200, Some("application/json"), body).unwrap();
    let profile = &resolved.profile;
    CachedTokens::new(profile, profile.token_url.as_str(), &response, 0)
}

fn env(name: &str) -> Option<std::ffi::OsString> {
    match name {
        "RS_TOKEN" => Some("rs-bearer-1".into()),
        "RS_SECRET" => Some("rs-secret-1".into()),
        _ => None,
    }
}

pub fn io() -> GrantIo<'static> {
    GrantIo {
        now: || 0,
        env: &env,
        http: HttpLimits {
            timeout: Duration::from_secs(10),
            ..HttpLimits::default()
        },
    }
}

#[tokio::test]
async fn endpoints_missing_from_the_openid_document_come_from_rfc8414() {
    let server = server(
        |i| {
            (
                openid_without_introspection(i),
                Some(rfc8414_with_introspection(i)),
            )
        },
        &[],
    )
    .await;
    let resolved = resolved_with(&server.issuer, "").await;
    let discovery = resolved.discovery_json().unwrap();
    let sources = &discovery["sources"];
    assert_eq!(
        sources["introspection_endpoint"],
        "oauth-authorization-server"
    );
    assert_eq!(sources["revocation_endpoint"], "oauth-authorization-server");
    assert_eq!(sources["token_endpoint"], "openid-configuration");
    assert_eq!(sources["userinfo_endpoint"], "openid-configuration");
    assert_eq!(
        discovery["introspection_endpoint"],
        format!("{}/introspect", server.issuer)
    );

    let tokens = cached(&resolved);
    let report = introspect(&resolved, &tokens, TokenKind::Access, &io()).await;
    let json = report.to_json();
    assert_eq!(report.exit_code(), 0, "{json:#}");
    assert_eq!(server.seen("/introspect").len(), 1);
    let report = revoke(&resolved, &tokens, TokenKind::Refresh, &io()).await;
    assert_eq!(report.exit_code(), 0, "{:#}", report.to_json());
    assert_eq!(server.seen("/revoke").len(), 1);
}

#[tokio::test]
async fn an_rfc8414_document_for_another_issuer_is_not_merged() {
    let server = server(
        |i| {
            let mut other = rfc8414_with_introspection(i);
            other["issuer"] = json!("https://elsewhere.example");
            (openid_without_introspection(i), Some(other))
        },
        &[],
    )
    .await;
    let resolved = resolved_with(&server.issuer, "").await;
    let discovery = resolved.discovery_json().unwrap();
    assert!(
        discovery["introspection_endpoint"].is_null(),
        "{discovery:#}"
    );
    let tokens = cached(&resolved);
    let report = introspect(&resolved, &tokens, TokenKind::Access, &io()).await;
    assert_eq!(report.to_json()["error"]["kind"], "not_advertised");
    assert!(server.seen("/introspect").is_empty());
}

#[tokio::test]
async fn a_complete_openid_document_is_the_only_one_fetched() {
    let server = server(
        |i| {
            let mut doc = openid_without_introspection(i);
            doc["introspection_endpoint"] = json!(format!("{i}/introspect"));
            doc["revocation_endpoint"] = json!(format!("{i}/revoke"));
            (doc, Some(rfc8414_with_introspection(i)))
        },
        &[],
    )
    .await;
    let resolved = resolved_with(&server.issuer, "").await;
    assert!(server
        .seen("/.well-known/oauth-authorization-server")
        .is_empty());
    assert_eq!(
        resolved.discovery_json().unwrap()["sources"]["introspection_endpoint"],
        "openid-configuration"
    );
}

#[tokio::test]
async fn an_endpoint_set_by_hand_wins_over_the_advertised_one() {
    let server = server(
        |i| {
            let mut doc = openid_without_introspection(i);
            doc["introspection_endpoint"] = json!(format!("{i}/introspect"));
            (doc, None)
        },
        &[(
            "/rs/introspect",
            200,
            "application/json",
            r#"{"active":false}"#,
        )],
    )
    .await;
    let issuer = server.issuer.clone();
    let resolved = resolved_with(
        &issuer,
        &format!(
            "introspection_url = \"{issuer}/rs/introspect\"\njwks_url = \"{issuer}/rs/jwks\"\n"
        ),
    )
    .await;
    let discovery = resolved.discovery_json().unwrap();
    assert_eq!(discovery["sources"]["introspection_endpoint"], "profile");
    assert_eq!(discovery["jwks_uri"], format!("{issuer}/rs/jwks"));
    assert_eq!(discovery["sources"]["jwks_uri"], "profile");
    let m = resolved.metadata.as_ref().unwrap();
    assert_eq!(
        m.jwks_uri.as_deref(),
        Some(format!("{issuer}/rs/jwks").as_str())
    );

    let tokens = cached(&resolved);
    let report = introspect(&resolved, &tokens, TokenKind::Access, &io()).await;
    let json = report.to_json();
    assert_eq!(report.exit_code(), 0, "{json:#}");
    assert_eq!(server.seen("/rs/introspect").len(), 1);
    assert!(server.seen("/introspect").is_empty());
}

/// Without an issuer there is no discovery, and the endpoint set by hand is enough.
#[tokio::test]
async fn an_endpoint_set_by_hand_needs_no_issuer() {
    let server = server(|i| (openid_without_introspection(i), None), &[]).await;
    let issuer = server.issuer.clone();
    let text = format!(
        "client_id = \"app\"\ncallback_url = \"http://127.0.0.1:0/callback\"\n\
         auth_url = \"{issuer}/authorize\"\ntoken_url = \"{issuer}/token\"\n\
         revocation_url = \"{issuer}/revoke\"\n"
    );
    let path = Path::new("by-hand.toml");
    let raw = parse_raw(path, &text).unwrap();
    let http = HttpClient::new(HttpLimits::default()).unwrap();
    let resolved = resolve(&raw, path, &http).await.unwrap();
    let tokens = cached(&resolved);
    let report = revoke(&resolved, &tokens, TokenKind::Access, &io()).await;
    assert_eq!(report.exit_code(), 0, "{:#}", report.to_json());
    assert_eq!(server.seen("/revoke").len(), 1);
}

fn complete_openid(issuer: &str) -> (Value, Option<Value>) {
    let mut doc = openid_without_introspection(issuer);
    doc["introspection_endpoint"] = json!(format!("{issuer}/introspect"));
    (doc, None)
}

/// `[introspection]` credentials (a resource server's) replace the app's for introspection.
#[tokio::test]
async fn the_introspection_table_sends_its_own_client() {
    let server = server(complete_openid, &[]).await;
    let resolved = resolved_with(
        &server.issuer,
        "[introspection]\nclient_id = \"rs\"\nclient_secret = \"env:RS_SECRET\"\nclient_auth = \"body\"\n",
    )
    .await;
    let tokens = cached(&resolved);
    let report = introspect(&resolved, &tokens, TokenKind::Access, &io()).await;
    let json = report.to_json();
    assert_eq!(report.exit_code(), 0, "{json:#}");
    let seen = server.seen("/introspect");
    assert_eq!(seen.len(), 1);
    assert!(
        seen[0]
            .body
            .ends_with("&client_id=rs&client_secret=rs-secret-1"),
        "{:?}",
        seen[0].body
    );
    // The app's own secret is not sent.
    assert!(seen[0].authorization.is_none() && !seen[0].body.contains("s3cret"));
    assert!(!json.to_string().contains("rs-secret-1"), "{json:#}");
}

#[tokio::test]
async fn the_introspection_table_may_send_a_bearer_token() {
    let server = server(complete_openid, &[]).await;
    let resolved = resolved_with(
        &server.issuer,
        "[introspection]\nbearer = \"env:RS_TOKEN\"\n",
    )
    .await;
    let tokens = cached(&resolved);
    let report = introspect(&resolved, &tokens, TokenKind::Access, &io()).await;
    let json = report.to_json();
    assert_eq!(report.exit_code(), 0, "{json:#}");
    let seen = server.seen("/introspect");
    assert_eq!(seen[0].authorization.as_deref(), Some("Bearer rs-bearer-1"));
    assert_eq!(seen[0].body, "token=at-1&token_type_hint=access_token");
    assert_eq!(
        json["request"]["headers"]["authorization"],
        "Bearer [redacted]"
    );
}

/// A `cmd:` helper in the table is gated like the main secret: from a file the user has not
/// trusted it is not run.
#[tokio::test]
async fn an_introspection_command_from_an_untrusted_file_is_not_run() {
    let server = server(complete_openid, &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let resolved = resolved_with(
        &server.issuer,
        &format!(
            "[introspection]\nbearer = \"cmd:touch {}\"\n",
            marker.display()
        ),
    )
    .await;
    let tokens = cached(&resolved);
    let report = introspect(&resolved, &tokens, TokenKind::Access, &io()).await;
    let json = report.to_json();
    assert_eq!(json["error"]["kind"], "untrusted_command", "{json:#}");
    assert!(!marker.exists());
    assert!(server.seen("/introspect").is_empty());
}

/// A server that refuses the app's client with 403 and an empty body (what the issue's
/// oauthlib-based IdP does for a public client): an IdP answer, exit 3 with the status.
#[tokio::test]
async fn a_refusal_with_an_empty_body_is_the_idps_answer() {
    let server = server(complete_openid, &[("/introspect", 403, "text/plain", "")]).await;
    let resolved = resolved_with(&server.issuer, "").await;
    let tokens = cached(&resolved);
    let report = introspect(&resolved, &tokens, TokenKind::Access, &io()).await;
    let json = report.to_json();
    assert_eq!(report.exit_code(), 3, "{json:#}");
    assert_eq!(json["error"]["kind"], "refused", "{json:#}");
    assert_eq!(json["error"]["status"], 403, "{json:#}");
    let message = json["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("HTTP 403: (empty body)") && message.contains("[introspection]"),
        "{message}"
    );
    assert_eq!(json["response"]["status"], 403);
}

#[tokio::test]
async fn a_401_without_an_oauth_error_is_refused_too() {
    let server = server(
        complete_openid,
        &[("/introspect", 401, "text/html", "<h1>Unauthorized</h1>")],
    )
    .await;
    let resolved = resolved_with(&server.issuer, "").await;
    let report = introspect(&resolved, &cached(&resolved), TokenKind::Access, &io()).await;
    assert_eq!(report.exit_code(), 3, "{:#}", report.to_json());
    assert_eq!(report.to_json()["error"]["status"], 401);
}

/// Many IdPs leave `none` out of `token_endpoint_auth_methods_supported` and accept PKCE
/// public clients anyway: a public client gets one note in `discovery.lint`, not a warning
/// on every run.
#[tokio::test]
async fn a_public_client_without_none_advertised_gets_a_quiet_note() {
    let server = server(
        |i| {
            let mut doc = openid_without_introspection(i);
            doc["token_endpoint_auth_methods_supported"] =
                json!(["client_secret_basic", "client_secret_post"]);
            doc["authorization_response_iss_parameter_supported"] = json!(true);
            (doc, None)
        },
        &[],
    )
    .await;
    let issuer = &server.issuer;
    let text = format!(
        "client_id = \"app\"\ncallback_url = \"http://127.0.0.1:0/callback\"\nissuer = \"{issuer}\"\n"
    );
    let path = Path::new("public.toml");
    let raw = parse_raw(path, &text).unwrap();
    let http = HttpClient::new(HttpLimits::default()).unwrap();
    let resolved = resolve(&raw, path, &http).await.unwrap();
    let mut report = tokenbench::flow::FlowReport::default();
    tokenbench::flow::resolve::metadata_for_run(
        &http,
        &resolved.profile,
        Some(&resolved),
        &mut report,
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    let json = report.to_json();
    let lint = json["discovery"]["lint"].as_array().unwrap();
    assert_eq!(lint.len(), 1, "{json:#}");
    assert_eq!(lint[0]["check"], "client_auth");
    assert_eq!(lint[0]["level"], "note");
    assert!(
        !report.warnings.iter().any(|w| w.contains("client_auth")),
        "{:?}",
        report.warnings
    );
}
