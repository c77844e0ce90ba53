//! `tokenbench logout` end to end against oidc-provider (tests/oidc/server.mjs), which
//! registers the loopback callbacks as `post_logout_redirect_uris`; tests/oidc/browser.mjs
//! confirms its end-session page (xsrf + logout=yes) as a person would.
//!
//! Needs Node.js and `npm ci --prefix tests/oidc`.

mod common;
mod signin_session;

use common::{clients, form_urlencode, http_request, query_param, Profile, Provider};
use serde_json::Value;
use signin_session::Session;

fn step<'v>(json: &'v Value, name: &str) -> &'v Value {
    json["steps"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["step"] == name))
        .unwrap_or(&Value::Null)
}

/// Whether oidc-provider still considers `token` active (RFC 7662, as the basic client).
fn active(provider: &Provider, token: &str) -> bool {
    let credentials = common::base64(
        format!(
            "{}:{}",
            form_urlencode(clients::BASIC_ID),
            form_urlencode(clients::BASIC_SECRET)
        )
        .as_bytes(),
    );
    let body = format!("token={}", form_urlencode(token));
    let (status, _, body) = http_request(
        "POST",
        &format!("{}/token/introspection", provider.issuer),
        &[
            ("Authorization", &format!("Basic {credentials}")),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        Some(&body),
    );
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    v["active"] == true
}

fn signed_in(provider: &Provider) -> Session<'_> {
    let s = Session::new(provider, Profile::basic(provider));
    s.run("approve", &["run", "--json", "--timeout", "30", "--cache"])
        .expect(0);
    s
}

#[test]
fn logout_ends_the_session_revokes_and_clears_the_cache() {
    let provider = Provider::start();
    let s = signed_in(&provider);
    let refresh = s.cached("refresh_token");
    assert!(!refresh.is_empty(), "a refresh token was cached");
    assert!(active(&provider, &refresh), "active before logout");

    let out = s.run("approve", &["logout", "--json", "--timeout", "30"]);
    let json = out.expect(0);
    let end = step(&json, "end_session");
    out.check(
        end["result"] == "logged_out",
        "the IdP sent the browser back",
    );
    let url = end["request"]["url"].as_str().unwrap_or_default();
    out.check(
        url.starts_with(&format!("{}/session/end?", provider.issuer)),
        "the discovered end_session_endpoint",
    );
    out.check(
        query_param(url, "id_token_hint").as_deref() == Some("[redacted]"),
        "id_token_hint sent and redacted in the report",
    );
    let state = query_param(url, "state").unwrap_or_default();
    out.check(
        !state.is_empty() && end["redirect"]["state"] == state.as_str(),
        "back with the state sent",
    );
    out.check(step(&json, "revoke")["result"] == "revoked", "revoked");
    out.check(step(&json, "clear_cache")["result"] == "cleared", "cleared");
    out.check(s.cache_files().is_empty(), "no cache file left");
    out.check(!active(&provider, &refresh), "the refresh token is revoked");
}

#[test]
fn a_forged_state_on_the_way_back_is_refused() {
    let provider = Provider::start();
    let s = signed_in(&provider);
    // The browser changes `state` before it follows the redirect back.
    let out = s.run("tamper-state", &["logout", "--json", "--timeout", "5"]);
    let json = out.expect(4);
    out.check(json["error"]["kind"] == "callback_invalid", "refused");
    out.check(
        step(&json, "end_session")["result"] == "forged",
        "the end_session step says why",
    );
    out.check(
        step(&json, "end_session")["refused_redirects"] == 1,
        "one redirect refused",
    );
}

#[test]
fn no_redirect_back_before_the_timeout_is_exit_5() {
    let provider = Provider::start();
    let s = signed_in(&provider);
    let out = s.run(
        "none",
        &["logout", "--json", "--timeout", "1", "--no-browser"],
    );
    let json = out.expect(5);
    out.check(json["error"]["kind"] == "timeout", "timeout");
    // Still logged out locally.
    out.check(step(&json, "clear_cache")["result"] == "cleared", "cleared");
}

#[test]
fn without_an_end_session_endpoint_it_says_so_and_only_revokes_and_clears() {
    let provider = Provider::start();
    // No issuer: nothing discovered, so no end_session_endpoint; revocation set by hand.
    let mut profile = Profile::basic(&provider);
    profile.issuer = None;
    let mut toml = profile.to_toml();
    toml = toml.replacen(
        "code_challenge_method",
        &format!(
            "revocation_url = \"{}/token/revocation\"\ncode_challenge_method",
            provider.issuer
        ),
        1,
    );
    let s = Session::with_toml(&provider, toml);
    s.run("approve", &["run", "--json", "--timeout", "30", "--cache"])
        .expect(0);
    let refresh = s.cached("refresh_token");
    let out = s.run("none", &["logout", "--json", "--timeout", "5"]);
    let json = out.expect(0);
    out.check(json["end_session_endpoint"].is_null(), "none known");
    let end = step(&json, "end_session");
    out.check(
        end["result"] == "skipped"
            && end["detail"]
                .as_str()
                .is_some_and(|d| d.contains("no end_session_endpoint")),
        "says so",
    );
    out.check(step(&json, "revoke")["result"] == "revoked", "revoked");
    out.check(s.cache_files().is_empty(), "cleared");
    out.check(!active(&provider, &refresh), "the refresh token is revoked");
}
