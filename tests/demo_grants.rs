//! The demo profile end to end, in process: sign in on the embedded IdP, then introspect
//! (active), revoke, introspect again (inactive), and a refresh with the revoked refresh
//! token refused with invalid_grant. What `i` and `v` do in `tokenbench demo`.

use std::path::Path;
use std::time::Duration;

use tokenbench::cache::CachedTokens;
use tokenbench::cli::demo_raw;
use tokenbench::flow::grants::{introspect, refresh, revoke, GrantIo, GrantResult};
use tokenbench::flow::{
    resolve, run_resolved, system_now, BrowserMode, FlowIo, FlowOptions, Resolved,
};
use tokenbench::idp::{IdpConfig, IdpServer, DEMO_CLIENT_ID};
use tokenbench::net::http::{HttpClient, HttpLimits};
use tokenbench::oauth::introspection::TokenKind;
use tokenbench::oauth::random::OsEntropy;

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

/// The demo profile resolved against `idp` (discovery included, as the workbench does).
async fn demo_resolved(idp: &IdpServer) -> Resolved {
    let raw = demo_raw(idp.issuer()).unwrap();
    let http = HttpClient::new(HttpLimits::default()).unwrap();
    resolve(&raw, Path::new("demo.toml"), &http).await.unwrap()
}

async fn signed_in(resolved: &Resolved) -> CachedTokens {
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
    let report = run_resolved(resolved, &options, io).await;
    assert_eq!(report.exit_code(), 0, "{:?}", report.error);
    let received = report
        .received
        .expect("a successful run keeps its response");
    let profile = &resolved.profile;
    CachedTokens::new(
        profile,
        profile.token_url.as_str(),
        &received.response,
        received.at,
    )
}

fn active(report: &tokenbench::flow::grants::GrantReport) -> bool {
    assert_eq!(report.exit_code(), 0, "{:?}", report.error);
    match &report.result {
        Some(GrantResult::Introspected { introspection, .. }) => introspection.active,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn demo_profile_introspects_revokes_and_then_sees_the_token_inactive() {
    let idp = IdpServer::start(IdpConfig {
        auto_approve: true,
        ..IdpConfig::default()
    })
    .await
    .unwrap();
    let resolved = demo_resolved(&idp).await;
    // The demo profile is the public PKCE client: no secret anywhere.
    assert_eq!(resolved.profile.client_id.as_str(), DEMO_CLIENT_ID);
    assert!(resolved.profile.client_secret.is_none());
    let tokens = signed_in(&resolved).await;

    let before = introspect(&resolved, &tokens, TokenKind::Access, &IO).await;
    assert!(active(&before));
    let json = before.to_json();
    assert_eq!(json["endpoint"], format!("{}/introspect", idp.issuer()));
    assert_eq!(json["result"]["introspection"]["client_id"], DEMO_CLIENT_ID);

    let revoked = revoke(&resolved, &tokens, TokenKind::Refresh, &IO).await;
    assert_eq!(revoked.exit_code(), 0, "{:?}", revoked.error);
    assert_eq!(
        revoked.to_json()["endpoint"],
        format!("{}/revoke", idp.issuer())
    );
    let after = revoked.updated.clone().expect("the cache marks it revoked");

    // The refresh token and, with it, the grant's access token are inactive now.
    let refresh_shown = introspect(&resolved, &after, TokenKind::Refresh, &IO).await;
    assert!(!active(&refresh_shown));
    let access_shown = introspect(&resolved, &after, TokenKind::Access, &IO).await;
    assert!(!active(&access_shown));
    assert!(
        access_shown.warnings.is_empty(),
        "{:?}",
        access_shown.warnings
    );

    // The revoked refresh token, presented anyway, is refused by the IdP.
    let refused = refresh(&resolved, &tokens, &IO).await;
    assert_eq!(refused.exit_code(), 3, "{:?}", refused.error);
    let message = refused.error.as_ref().unwrap().to_string();
    assert!(message.contains("invalid_grant"), "{message}");
    assert!(message.contains("revoked"), "{message}");
    idp.shutdown().await;
}
