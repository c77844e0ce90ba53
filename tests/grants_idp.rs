//! Refresh, userinfo, introspection and `current_token` in process against the embedded IdP
//! and its faults: rotation accepted, a refreshed ID token about someone else rejected, a
//! reused refresh token refused with the advice to sign in again.

use std::time::Duration;

use tokenbench::cache::{CachedTokens, Lookup, TokenCache};
use tokenbench::flow::grants::{
    cache_run, current_token, introspect, load_cached, refresh, require_cached, userinfo,
    GrantError, GrantIo, GrantResult, TokenSource,
};
use tokenbench::flow::{
    run_flow, system_now, BrowserMode, FlowIo, FlowOptions, FlowReport, Resolved,
};
use tokenbench::idp::{Faults, IdpConfig, IdpServer, DEMO_CLIENT_ID, OTHER_SUB};
use tokenbench::net::http::HttpLimits;
use tokenbench::oauth::introspection::TokenKind;
use tokenbench::oauth::random::OsEntropy;
use tokenbench::oauth::refreshed::RefreshTokenChange;
use tokenbench::profile::load::{parse_raw, validate};
use tokenbench::profile::Profile;

async fn idp() -> IdpServer {
    IdpServer::start(IdpConfig {
        auto_approve: true,
        ..IdpConfig::default()
    })
    .await
    .unwrap()
}

fn profile(idp: &IdpServer, with_issuer: bool) -> Profile {
    let issuer = idp.issuer();
    let mut text = format!(
        "client_id = \"{DEMO_CLIENT_ID}\"\ncallback_url = \"http://127.0.0.1:0/callback\"\n\
         auth_url = \"{issuer}/authorize\"\ntoken_url = \"{issuer}/token\"\n\
         scope = \"openid profile offline_access\"\n"
    );
    if with_issuer {
        text.push_str(&format!("issuer = \"{issuer}\"\n"));
    }
    let path = std::path::Path::new("grants.toml");
    validate(path, "grants", &parse_raw(path, &text).unwrap()).unwrap()
}

fn no_env(_: &str) -> Option<std::ffi::OsString> {
    None
}

fn options() -> FlowOptions {
    FlowOptions {
        timeout: Duration::from_secs(10),
        browser: BrowserMode::Follow,
        ..FlowOptions::default()
    }
}

fn flow_io(tx: tokio::sync::mpsc::UnboundedSender<tokenbench::flow::FlowEvent>) -> FlowIo<'static> {
    FlowIo {
        entropy: Box::leak(Box::new(OsEntropy)),
        now: system_now,
        env: &no_env,
        events: tx,
        paste: None,
    }
}

async fn run(profile: &Profile) -> FlowReport {
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let report = run_flow(profile, &options(), flow_io(tx)).await;
    assert_eq!(report.exit_code(), 0, "{:?}", report.error);
    report
}

async fn signed_in(profile: &Profile) -> CachedTokens {
    let report = run(profile).await;
    let received = report
        .received
        .expect("a successful run keeps its response");
    CachedTokens::new(
        profile,
        profile.token_url.as_str(),
        &received.response,
        received.at,
    )
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

#[tokio::test]
async fn refresh_rotates_the_refresh_token_and_is_accepted() {
    let idp = idp().await;
    let p = profile(&idp, true);
    let first = signed_in(&p).await;

    let report = refresh(&Resolved::without_discovery(p.clone()), &first, &IO).await;
    assert_eq!(report.exit_code(), 0, "{:?}", report.error);
    let Some(GrantResult::Refreshed {
        changes,
        id_token_checked,
        ..
    }) = &report.result
    else {
        panic!("{:?}", report.result)
    };
    assert_eq!(changes.refresh_token, RefreshTokenChange::Rotated);
    assert!(changes.access_token_changed);
    assert!(changes.scopes_added.is_empty() && changes.scopes_removed.is_empty());
    assert!(changes.expires_at_after.is_some());
    assert!(*id_token_checked, "the refreshed ID token was compared");
    let json = report.to_json();
    assert_eq!(json["operation"], "refresh");
    assert_eq!(json["request"]["form"]["grant_type"], "refresh_token");
    assert_eq!(json["request"]["form"]["refresh_token"], "[redacted]");
    assert_eq!(json["result"]["changes"]["refresh_token"], "rotated");
    // The issuer is known, so the refreshed ID token went through the checklist too.
    assert_eq!(json["result"]["id_token_verified"], true);
    assert_eq!(json["result"]["tokens"]["id_token"]["verified"], true);
    let checks = json["result"]["tokens"]["id_token"]["validation"].to_string();
    assert!(
        checks.contains("signature") && checks.contains("at_hash"),
        "{checks}"
    );
    let old_refresh = first.token(TokenKind::Refresh).unwrap();
    assert!(!json["request"].to_string().contains(old_refresh.secret()));

    let debug = format!("{report:?}");
    let second = report.updated.clone().expect("an entry to cache");
    for token in [
        second.token(TokenKind::Access).unwrap(),
        second.token(TokenKind::Refresh).unwrap(),
        old_refresh.clone(),
    ] {
        assert!(!debug.contains(token.secret()), "a token in Debug: {debug}");
    }

    // The rotated token works; the one it replaced is refused, with the advice to sign in.
    assert_ne!(
        second.token(TokenKind::Refresh).unwrap().secret(),
        old_refresh.secret()
    );
    let again = refresh(&Resolved::without_discovery(p.clone()), &second, &IO).await;
    assert_eq!(again.exit_code(), 0, "{:?}", again.error);
    let reused = refresh(&Resolved::without_discovery(p.clone()), &first, &IO).await;
    assert_eq!(reused.exit_code(), 3);
    let message = reused.error.as_ref().unwrap().to_string();
    assert!(message.contains("invalid_grant"), "{message}");
    assert!(
        message.contains("sign in again (tokenbench run)"),
        "{message}"
    );
    assert!(reused.updated.is_none());
}

#[tokio::test]
async fn a_refreshed_id_token_about_someone_else_is_rejected() {
    let idp = idp().await;
    let p = profile(&idp, true);
    let first = signed_in(&p).await;
    idp.set_faults(Faults {
        refresh_other_sub: true,
        ..Faults::default()
    });
    let report = refresh(&Resolved::without_discovery(p.clone()), &first, &IO).await;
    assert_eq!(report.exit_code(), 4);
    let error = report.error.as_ref().unwrap();
    assert!(
        matches!(error, GrantError::IdTokenChanged(e) if e.claim() == Some("sub")),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("`sub`") && message.contains(OTHER_SUB),
        "{message}"
    );
    assert_eq!(report.to_json()["error"]["claim"], "sub");
    assert!(
        report.updated.is_none(),
        "nothing to cache from a rejected refresh"
    );
}

#[tokio::test]
async fn userinfo_by_discovery_and_endpoints_that_are_not_there() {
    let idp = idp().await;
    let p = profile(&idp, true);
    let tokens = signed_in(&p).await;
    let report = userinfo(&Resolved::without_discovery(p.clone()), &tokens, &IO).await;
    assert_eq!(report.exit_code(), 0, "{:?}", report.error);
    let json = report.to_json();
    assert_eq!(json["endpoint"], format!("{}/userinfo", idp.issuer()));
    assert_eq!(json["request"]["method"], "GET");
    assert_eq!(
        json["request"]["headers"]["authorization"],
        "Bearer [redacted]"
    );
    assert_eq!(json["result"]["claims"]["sub"], "demo-user");
    assert_eq!(json["result"]["claims"]["name"], "Demo User");
    let access = tokens.token(TokenKind::Access).unwrap();
    assert!(!json["request"].to_string().contains(access.secret()));

    // An issuer whose metadata has no introspection endpoint: a clear error, exit 2.
    let mut without = Resolved::without_discovery(p.clone());
    let http = tokenbench::net::http::HttpClient::new(HttpLimits::default()).unwrap();
    let mut metadata = tokenbench::net::discovery::discover(&http, idp.issuer())
        .await
        .unwrap();
    metadata.introspection_endpoint = None;
    without.metadata = Some(metadata);
    let report = introspect(&without, &tokens, TokenKind::Access, &IO).await;
    assert_eq!(report.exit_code(), 2);
    assert!(
        report
            .error
            .as_ref()
            .unwrap()
            .to_string()
            .contains("does not advertise an introspection endpoint"),
        "{:?}",
        report.error
    );
    // Without an issuer there is nothing to discover from.
    let no_issuer = profile(&idp, false);
    let report = userinfo(&Resolved::without_discovery(no_issuer), &tokens, &IO).await;
    assert_eq!(report.exit_code(), 2);
    assert!(
        report
            .error
            .as_ref()
            .unwrap()
            .to_string()
            .contains("has no `issuer`"),
        "{:?}",
        report.error
    );
}

#[tokio::test]
async fn current_token_serves_the_cache_refreshes_then_signs_in() {
    let idp = idp().await;
    let p = profile(&idp, true);
    let dir = tempfile::tempdir().unwrap();
    let cache = TokenCache::at(dir.path().join("cache"));
    let mut warnings = Vec::new();
    assert!(matches!(
        require_cached(&cache, &p, &mut warnings),
        Err(GrantError::NoCachedTokens { .. })
    ));
    let report = run(&p).await;
    cache_run(&cache, &p, &report).unwrap().expect("written");
    let entry = load_cached(&cache, &p, &mut warnings).expect("cached");
    assert!(warnings.is_empty(), "{warnings:?}");
    let requests = idp.token_requests();

    let quiet = |_: &str| {};
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let got = current_token(
        &Resolved::without_discovery(p.clone()),
        Some(entry.clone()),
        &options(),
        flow_io(tx),
        &quiet,
    )
    .await
    .unwrap();
    assert_eq!(got.source, TokenSource::Cache);
    assert_eq!(
        got.access_token.secret(),
        entry.token(TokenKind::Access).unwrap().secret()
    );
    assert_eq!(
        idp.token_requests(),
        requests,
        "no request for a fresh token"
    );

    // Within a minute of expiry: refreshed.
    let mut expiring = entry.clone();
    expiring.received_at -= 3600 - 30;
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let got = current_token(
        &Resolved::without_discovery(p.clone()),
        Some(expiring),
        &options(),
        flow_io(tx),
        &quiet,
    )
    .await
    .unwrap();
    assert_eq!(got.source, TokenSource::Refresh);
    assert_ne!(
        got.access_token.secret(),
        entry.token(TokenKind::Access).unwrap().secret()
    );
    assert_eq!(idp.token_requests(), requests + 1);
    let updated = got.updated.expect("the refreshed entry");

    // The refresh token from the first entry was rotated away: refused, so a sign-in follows.
    let mut stale = entry.clone();
    stale.received_at -= 7200;
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let got = current_token(
        &Resolved::without_discovery(p.clone()),
        Some(stale),
        &options(),
        flow_io(tx),
        &quiet,
    )
    .await
    .unwrap();
    assert_eq!(got.source, TokenSource::SignIn);
    assert!(got.refresh.as_ref().is_some_and(|r| r.exit_code() == 3));
    assert!(got.run.is_some());
    drop(updated);
}

#[tokio::test]
async fn foreign_or_broken_cache_entries_are_ignored_with_a_warning() {
    let idp = idp().await;
    let p = profile(&idp, true);
    let dir = tempfile::tempdir().unwrap();
    let cache = TokenCache::at(dir.path());
    std::fs::write(cache.path_for(&p.name), "{ this is not json").unwrap();
    let mut warnings = Vec::new();
    assert!(load_cached(&cache, &p, &mut warnings).is_none());
    assert!(warnings[0].contains("not valid JSON"), "{warnings:?}");

    let tokens = signed_in(&p).await;
    cache.save(&tokens).unwrap();
    let mut other = p.clone();
    other.client_id = tokenbench::oauth::types::ClientId::new("someone-elses-client");
    let mut warnings = Vec::new();
    assert!(load_cached(&cache, &other, &mut warnings).is_none());
    assert!(warnings[0].contains("someone-elses-client"), "{warnings:?}");
    assert!(matches!(cache.load(&p.name), Lookup::Found(_)));
}

#[tokio::test]
async fn a_refreshed_id_token_that_fails_the_checklist_is_unverified_and_not_cached() {
    let idp = idp().await;
    let p = profile(&idp, true);
    let first = signed_in(&p).await;
    // Metadata that names another issuer: the refreshed token's `iss` cannot match it.
    let http = tokenbench::net::http::HttpClient::new(HttpLimits::default()).unwrap();
    let mut metadata = tokenbench::net::discovery::discover(&http, idp.issuer())
        .await
        .unwrap();
    metadata.issuer = "https://other-issuer.invalid".into();
    let mut resolved = Resolved::without_discovery(p.clone());
    resolved.metadata = Some(metadata);
    let report = refresh(&resolved, &first, &IO).await;
    assert_eq!(report.exit_code(), 4, "{:?}", report.error);
    let json = report.to_json();
    assert_eq!(json["error"]["kind"], "id_token_invalid");
    let message = json["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("UNVERIFIED") && message.contains("iss"),
        "{message}"
    );
    assert_eq!(json["result"]["id_token_verified"], false);
    assert!(
        report.updated.is_none(),
        "an unverified refresh is not cached"
    );
}
