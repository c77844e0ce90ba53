//! Discovery against the embedded IdP and small stand-in servers: which URLs are tried, and
//! what each failure says.

use axum::routing::get;
use axum::Router;
use tokenbench::idp::{IdpConfig, IdpServer};
use tokenbench::net::discovery::{discover, AttemptOutcome, DiscoveryError};
use tokenbench::net::http::{HttpClient, HttpLimits};

fn http() -> HttpClient {
    HttpClient::new(HttpLimits::default()).unwrap()
}

/// Serves `router` on a loopback port; returns its base URL.
async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

#[tokio::test]
async fn embedded_idp_is_discovered() {
    let idp = IdpServer::start(IdpConfig::default()).await.unwrap();
    let m = discover(&http(), idp.issuer()).await.unwrap();
    assert_eq!(m.issuer, idp.issuer());
    assert_eq!(
        m.token_endpoint.as_deref(),
        Some(format!("{}/token", idp.issuer()).as_str())
    );
    assert_eq!(
        m.jwks_uri.as_deref(),
        Some(format!("{}/jwks", idp.issuer()).as_str())
    );
    assert!(m.authorization_response_iss_parameter_supported);
}

#[tokio::test]
async fn rfc8414_inserted_form_is_used_for_an_issuer_with_a_path() {
    // Only the RFC 8414 form, well-known segment between host and path.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let issuer = format!("http://{addr}/tenant/a");
    let doc = format!(r#"{{"issuer":"{issuer}","token_endpoint":"{issuer}/token"}}"#);
    let router = Router::new().route(
        "/.well-known/oauth-authorization-server/tenant/a",
        get(move || async move { doc }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    let m = discover(&http(), &issuer).await.unwrap();
    assert_eq!(m.token_endpoint.unwrap(), format!("{issuer}/token"));
}

#[tokio::test]
async fn another_issuers_document_is_a_mismatch_naming_both() {
    let base = serve(Router::new().route(
        "/.well-known/openid-configuration",
        get(|| async { r#"{"issuer":"https://elsewhere.example"}"# }),
    ))
    .await;
    let e = discover(&http(), &base).await.unwrap_err();
    match &e {
        DiscoveryError::IssuerMismatch {
            expected, actual, ..
        } => {
            assert_eq!(expected, &base);
            assert_eq!(actual, "https://elsewhere.example");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("https://elsewhere.example"));
}

#[tokio::test]
async fn nothing_served_lists_every_url_and_status() {
    let base = serve(Router::new()).await;
    let e = discover(&http(), &base).await.unwrap_err();
    assert!(matches!(e, DiscoveryError::NotFound { .. }), "{e:?}");
    assert_eq!(e.tried().len(), 2);
    assert!(e
        .tried()
        .iter()
        .all(|a| matches!(a.outcome, AttemptOutcome::Status { status: 404, .. })));
    // One short line; each URL with its status is in `tried`.
    assert_eq!(
        e.to_string(),
        format!("no discovery document found for {base}; 2 URLs tried, each: HTTP 404")
    );
    let tried: Vec<String> = e.tried().iter().map(ToString::to_string).collect();
    assert_eq!(
        tried,
        [
            format!("{base}/.well-known/openid-configuration: HTTP 404"),
            format!("{base}/.well-known/oauth-authorization-server: HTTP 404"),
        ]
    );
}

#[tokio::test]
async fn closed_port_is_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let e = discover(&http(), &format!("http://{addr}"))
        .await
        .unwrap_err();
    assert!(matches!(e, DiscoveryError::Unreachable { .. }), "{e:?}");
}
