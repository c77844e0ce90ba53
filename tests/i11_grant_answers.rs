//! What a stub IdP answers after the first token, as the JSON report shows it: a bare 401/403
//! from revocation or userinfo is the IdP refusing (exit 3, `refused`, the status), not a
//! transport failure; an Auth0 refresh without `audience` gets the same warning as a run; a
//! missing `[introspection]` secret is named by its table key.

use std::time::Duration;

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};
use tokenbench::cache::CachedTokens;
use tokenbench::flow::grants::{introspect, refresh, revoke, userinfo, GrantIo};
use tokenbench::flow::{system_now, Resolved};
use tokenbench::net::http::HttpLimits;
use tokenbench::oauth::introspection::TokenKind;
use tokenbench::oauth::metadata::parse_metadata;
use tokenbench::oauth::token_response::parse_token_response;
use tokenbench::profile::load::{parse_raw, validate};
use tokenbench::profile::Profile;

/// Five parts, `{"alg":"dir","enc":"A256GCM"}`: what Auth0 issues without `audience`
/// (oauth2-proxy#3159).
fn auth0_jwe() -> String {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"dir","enc":"A256GCM"}"#);
    format!("{header}..aXY.Y2lwaGVy.dGFn")
}

/// The stub: /token answers a refresh with a JWE access token; the others refuse bare.
async fn stub() -> String {
    let app = Router::new()
        .route(
            "/token",
            post(|| async {
                let body = json!({
                    "access_token": auth0_jwe(),
                    "token_type": "Bearer",
                    "expires_in": 86400,
                });
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    body.to_string(),
                )
            }),
        )
        .route("/revoke/403", post(|| async { StatusCode::FORBIDDEN }))
        .route(
            "/revoke/401",
            post(|| async {
                (
                    StatusCode::UNAUTHORIZED,
                    [(header::CONTENT_TYPE, "text/html")],
                    "<h1>401 Unauthorized</h1>",
                )
                    .into_response()
            }),
        )
        .route(
            "/userinfo/401",
            get(|| async {
                (
                    StatusCode::UNAUTHORIZED,
                    [(header::WWW_AUTHENTICATE, r#"Bearer realm="api""#)],
                )
                    .into_response()
            }),
        )
        .route("/userinfo/403", get(|| async { StatusCode::FORBIDDEN }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

fn profile(base: &str, extra: &str) -> Profile {
    let text = format!(
        "client_id = \"app\"\ncallback_url = \"http://127.0.0.1:0/callback\"\n\
         auth_url = \"{base}/authorize\"\ntoken_url = \"{base}/token\"\n\
         scope = \"openid offline_access\"\n{extra}"
    );
    let path = std::path::Path::new("stub.toml");
    validate(path, "stub", &parse_raw(path, &text).unwrap()).unwrap()
}

fn cached(profile: &Profile) -> CachedTokens {
    let body = json!({
        "access_token": "opaque-access",
        "refresh_token": "opaque-refresh",
        "token_type": "Bearer",
        "expires_in": 60,
    });
    let response =
        parse_token_response(200, Some("application/json"), body.to_string().as_bytes()).unwrap();
    CachedTokens::new(profile, profile.token_url.as_str(), &response, 1_000)
}

fn no_env(_: &str) -> Option<std::ffi::OsString> {
    None
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

#[track_caller]
fn assert_refused(json: &Value, status: u16, hint: &str) {
    let error = &json["error"];
    assert_eq!(error["kind"], "refused", "{json}");
    assert_eq!(error["exit_code"], 3, "{json}");
    assert_eq!(error["status"], status, "{json}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains(&format!("HTTP {status}")), "{message}");
    assert!(message.contains(hint), "{message}");
}

#[tokio::test]
async fn a_bare_refusal_from_revocation_is_an_idp_answer() {
    let base = stub().await;
    for status in [403, 401] {
        let p = profile(
            &base,
            &format!("revocation_url = \"{base}/revoke/{status}\""),
        );
        let report = revoke(
            &Resolved::without_discovery(p.clone()),
            &cached(&p),
            TokenKind::Refresh,
            &IO,
        )
        .await;
        assert_eq!(report.exit_code(), 3, "{:?}", report.error);
        let json = report.to_json();
        assert_refused(
            &json,
            status,
            "check client_id, client_secret and client_auth",
        );
        // Nothing was revoked, so nothing new is cached.
        assert!(report.updated.is_none());
    }
}

#[tokio::test]
async fn a_bare_refusal_from_userinfo_is_an_idp_answer() {
    let base = stub().await;
    for status in [401, 403] {
        let p = profile(
            &base,
            &format!("userinfo_url = \"{base}/userinfo/{status}\""),
        );
        let report = userinfo(&Resolved::without_discovery(p.clone()), &cached(&p), &IO).await;
        assert_eq!(report.exit_code(), 3, "{:?}", report.error);
        assert_refused(&report.to_json(), status, "did not accept the access token");
    }
}

#[tokio::test]
async fn an_auth0_refresh_without_audience_is_named() {
    let base = stub().await;
    // Auth0 on a custom domain, known by its metadata (`mfa_challenge_endpoint`).
    let issuer = base.clone();
    let p = profile(&base, &format!("issuer = \"{issuer}\""));
    let metadata = parse_metadata(
        &issuer,
        json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{base}/authorize"),
            "token_endpoint": format!("{base}/token"),
            "mfa_challenge_endpoint": format!("{base}/mfa/challenge"),
        })
        .to_string()
        .as_bytes(),
    )
    .unwrap();
    let resolved = Resolved {
        metadata: Some(metadata),
        ..Resolved::without_discovery(p.clone())
    };
    let report = refresh(&resolved, &cached(&p), &IO).await;
    assert_eq!(report.exit_code(), 0, "{:?}", report.error);
    let json = report.to_json();
    let warnings = json["warnings"].to_string();
    assert!(
        warnings.contains("this looks like an Auth0 token without `audience`"),
        "{json}"
    );
    assert!(warnings.contains("alg: dir"), "{warnings}");

    // With `audience` in the profile, or for another IdP, no such warning.
    let with_audience = profile(
        &base,
        &format!("issuer = \"{issuer}\"\n[auth_params]\naudience = \"https://api\""),
    );
    let resolved = Resolved {
        profile: with_audience.clone(),
        ..resolved.clone()
    };
    let report = refresh(&resolved, &cached(&with_audience), &IO).await;
    assert_eq!(report.exit_code(), 0, "{:?}", report.error);
    assert!(!report.to_json()["warnings"].to_string().contains("Auth0"));
    let report = refresh(&Resolved::without_discovery(p.clone()), &cached(&p), &IO).await;
    assert_eq!(report.exit_code(), 0, "{:?}", report.error);
    assert!(!report.to_json()["warnings"].to_string().contains("Auth0"));
}

#[tokio::test]
async fn a_missing_introspection_secret_is_named_by_its_table_key() {
    let base = stub().await;
    for (table, key) in [
        (
            "client_id = \"rs\"\nclient_secret = \"env:TB_I11_RS_SECRET\"",
            "introspection.client_secret",
        ),
        ("bearer = \"env:TB_I11_RS_SECRET\"", "introspection.bearer"),
    ] {
        let p = profile(
            &base,
            &format!("introspection_url = \"{base}/introspect\"\n[introspection]\n{table}\n"),
        );
        let report = introspect(
            &Resolved::without_discovery(p.clone()),
            &cached(&p),
            TokenKind::Access,
            &IO,
        )
        .await;
        assert_eq!(report.exit_code(), 2, "{:?}", report.error);
        let json = report.to_json();
        let message = json["error"]["message"].as_str().unwrap();
        assert_eq!(
            message,
            format!("{key} refers to the environment variable TB_I11_RS_SECRET, which is not set")
        );
    }
}
