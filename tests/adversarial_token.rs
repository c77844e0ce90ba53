//! Hostile or broken token endpoints: each response gives a specific error, never a panic,
//! and credentials are never sent anywhere else.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use axum::Router;
use tokenbench::flow::FlowError;
use tokenbench::net::http::{HttpClient, HttpLimits};
use tokenbench::oauth::pkce::PkceVerifier;
use tokenbench::oauth::secret::{AuthorizationCode, ClientSecret};
use tokenbench::oauth::token_request::{authorization_code_request, ClientAuth, ClientCredentials};
use tokenbench::oauth::token_response::parse_token_response;
use tokenbench::oauth::types::{ClientId, EndpointUrl, RedirectUri};

/// A stub IdP whose /token answers with `answer`; /elsewhere counts requests.
async fn stub(answer: fn() -> Response) -> (String, Arc<AtomicUsize>) {
    let elsewhere = Arc::new(AtomicUsize::new(0));
    let counter = elsewhere.clone();
    let app = Router::new()
        .route("/token", post(move || async move { answer() }))
        .route(
            "/elsewhere",
            any(move || {
                let c = counter.clone();
                async move {
                    c.fetch_add(1, Ordering::SeqCst);
                    "{}"
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), elsewhere)
}

/// Runs the token exchange against the stub, as the flow does, and returns the flow error.
async fn exchange(base: &str, limits: HttpLimits) -> Result<(), FlowError> {
    let request = authorization_code_request(
        &EndpointUrl::parse(&format!("{base}/token")).unwrap(),
        &ClientCredentials {
            client_id: ClientId::new("app"),
            secret: Some(ClientSecret::new("s3cret")),
            auth: ClientAuth::Basic,
            assertion: None,
        },
        &AuthorizationCode::new("code"),
        &RedirectUri::parse("http://127.0.0.1:1/callback").unwrap(),
        &PkceVerifier::new("a".repeat(43)).unwrap(),
        &[],
    );
    let http = HttpClient::new(limits).unwrap();
    let response = http.execute(&request).await?;
    parse_token_response(
        response.status,
        response.header("content-type"),
        &response.body,
    )?;
    Ok(())
}

fn message(r: Result<(), FlowError>) -> (i32, String) {
    let e = r.expect_err("the exchange should fail");
    (e.exit_code(), e.to_string())
}

#[tokio::test]
async fn a_stalled_endpoint_times_out() {
    // The stall: a handler that never finishes within the client's timeout.
    let app = Router::new().route(
        "/token",
        post(|| async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            "late"
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let stalled = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let limits = HttpLimits {
        timeout: Duration::from_millis(500),
        ..HttpLimits::default()
    };
    let started = std::time::Instant::now();
    let (code, msg) = message(exchange(&stalled, limits).await);
    assert_eq!(code, 6);
    assert!(
        msg.contains("no response") && msg.contains("within"),
        "{msg}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_fifty_megabyte_body_is_capped() {
    let (base, _) = stub(|| {
        let body = format!("{{\"access_token\":\"{}\"}}", "x".repeat(50 * 1024 * 1024));
        ([(header::CONTENT_TYPE, "application/json")], body).into_response()
    })
    .await;
    let (code, msg) = message(exchange(&base, HttpLimits::default()).await);
    assert_eq!(code, 6);
    assert!(msg.contains("larger than 1048576 bytes"), "{msg}");
}

#[tokio::test]
async fn an_html_502_is_reported_with_status_and_excerpt() {
    let (base, _) = stub(|| {
        (
            StatusCode::BAD_GATEWAY,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><h1>502 Bad Gateway</h1></html>",
        )
            .into_response()
    })
    .await;
    let (code, msg) = message(exchange(&base, HttpLimits::default()).await);
    assert_eq!(code, 6);
    assert!(
        msg.contains("HTTP 502") && msg.contains("text/html") && msg.contains("502 Bad Gateway"),
        "{msg}"
    );
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_credentials_go_nowhere_else() {
    let (base, elsewhere) = stub(|| {
        (
            StatusCode::TEMPORARY_REDIRECT,
            [(header::LOCATION, "/elsewhere")],
            "",
        )
            .into_response()
    })
    .await;
    let (code, msg) = message(exchange(&base, HttpLimits::default()).await);
    assert_eq!(code, 6);
    assert!(msg.contains("HTTP 307"), "{msg}");
    assert_eq!(
        elsewhere.load(Ordering::SeqCst),
        0,
        "the redirect was followed"
    );
}

#[tokio::test]
async fn a_200_without_access_token() {
    let (base, _) = stub(|| {
        (
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"token_type":"Bearer"}"#,
        )
            .into_response()
    })
    .await;
    let (code, msg) = message(exchange(&base, HttpLimits::default()).await);
    assert_eq!(code, 6);
    assert!(msg.contains("has no access_token"), "{msg}");
}

#[tokio::test]
async fn a_401_with_www_authenticate() {
    let (base, _) = stub(|| {
        (
            StatusCode::UNAUTHORIZED,
            [
                (header::WWW_AUTHENTICATE, "Basic realm=\"idp\""),
                (header::CONTENT_TYPE, "application/json"),
            ],
            r#"{"error":"invalid_client","error_description":"client authentication failed"}"#,
        )
            .into_response()
    })
    .await;
    let (code, msg) = message(exchange(&base, HttpLimits::default()).await);
    assert_eq!(code, 3);
    assert!(
        msg.contains("invalid_client") && msg.contains("client_auth"),
        "{msg}"
    );

    let (bare, _) = stub(|| {
        (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Basic realm=\"idp\"")],
            "",
        )
            .into_response()
    })
    .await;
    let (code, msg) = message(exchange(&bare, HttpLimits::default()).await);
    assert_eq!(code, 6);
    assert!(
        msg.contains("HTTP 401") && msg.contains("(empty body)"),
        "{msg}"
    );
}
