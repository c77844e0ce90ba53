//! End to end: the real `tokenbench run` binary against a real certified OpenID Provider
//! (panva's oidc-provider 9.x, tests/oidc/server.mjs), with tests/oidc/browser.mjs as the
//! browser. Each test starts its own provider (about 0.3 s) on an ephemeral port and picks
//! a free loopback port for its callback.
//!
//! Needs Node.js and `npm ci --prefix tests/oidc`.
//!
//! Exit codes: 0 ok, 1 internal, 2 usage/invalid profile, 3 OAuth error from the IdP,
//! 4 callback failed validation, 5 timeout, 6 transport.

mod common;

use common::{clients, query_param, Outcome, Profile, Provider, Run};
use serde_json::Value;

/// Checks shared by every successful run, whatever the client.
fn check_success(out: &Outcome, json: &Value, profile: &Profile) {
    // Authorization request: PKCE S256, always with the method (RFC 7636 §4.3).
    let auth_url = out.str_at(json, "/authorization_request/url");
    out.check(
        auth_url.starts_with(&profile.auth_url),
        "authorization_request.url is not at the profile's auth_url",
    );
    out.check(
        auth_url.contains("code_challenge_method=S256"),
        "authorization_request.url lacks code_challenge_method=S256",
    );
    out.check(
        query_param(auth_url, "client_id").as_deref() == Some(profile.client_id.as_str()),
        "authorization_request.url has the wrong client_id",
    );
    out.check(
        query_param(auth_url, "redirect_uri").as_deref() == Some(profile.callback_url.as_str()),
        "authorization_request.url has a redirect_uri other than the profile's callback_url",
    );

    // Callback: the state that came back is the one sent.
    let state = out.str_at(json, "/callback/params/state");
    out.check(
        query_param(auth_url, "state").as_deref() == Some(state),
        "callback.params.state differs from the state in the authorization URL",
    );

    // Token request.
    assert_eq!(
        out.str_at(json, "/token_request/url"),
        profile.token_url,
        "token_request.url\n{}",
        out.context()
    );
    let headers = out.at(json, "/token_request/headers");
    out.check(
        headers.is_object(),
        "token_request.headers is not an object",
    );
    let form = out.at(json, "/token_request/form");
    out.check(form.is_object(), "token_request.form is not an object");
    assert_eq!(
        out.str_at(json, "/token_request/form/grant_type"),
        "authorization_code",
        "token_request.form.grant_type\n{}",
        out.context()
    );
    // RFC 6749 §4.1.3: identical to the authorization request's redirect_uri.
    assert_eq!(
        out.str_at(json, "/token_request/form/redirect_uri"),
        profile.callback_url,
        "token_request.form.redirect_uri\n{}",
        out.context()
    );
    assert_eq!(
        out.str_at(json, "/token_request/form/code_verifier"),
        "[redacted]",
        "token_request.form.code_verifier must be redacted\n{}",
        out.context()
    );

    // Token response, as received.
    assert_eq!(
        out.at(json, "/token_response/status").as_u64(),
        Some(200),
        "token_response.status\n{}",
        out.context()
    );
    let body = out.str_at(json, "/token_response/body");
    let body: Value = serde_json::from_str(body).unwrap_or_else(|e| {
        panic!(
            "token_response.body is not the JSON oidc-provider sent ({e})\n{}",
            out.context()
        )
    });
    out.check(
        body.get("access_token").is_some_and(Value::is_string),
        "token_response.body has no access_token",
    );

    // Decoded tokens. oidc-provider issues opaque access tokens (JWT ones only with a
    // resource indicator) and an RS256 ID token whose aud is the client id.
    assert_eq!(
        out.str_at(json, "/tokens/access_token/kind"),
        "opaque",
        "tokens.access_token.kind\n{}",
        out.context()
    );
    assert_eq!(
        out.str_at(json, "/tokens/id_token/kind"),
        "jwt",
        "tokens.id_token.kind\n{}",
        out.context()
    );
    assert_eq!(
        out.str_at(json, "/tokens/id_token/claims/sub"),
        "alice",
        "tokens.id_token.claims.sub (the login the fake browser signs in with)\n{}",
        out.context()
    );
    assert_eq!(
        out.str_at(json, "/tokens/id_token/claims/aud"),
        profile.client_id,
        "tokens.id_token.claims.aud\n{}",
        out.context()
    );
    assert_eq!(
        out.str_at(json, "/tokens/id_token/claims/iss"),
        profile.issuer.as_deref().unwrap(),
        "tokens.id_token.claims.iss\n{}",
        out.context()
    );
    // offline_access + prompt=consent + the refresh_token grant: a refresh token.
    out.check(
        json.pointer("/tokens/refresh_token")
            .is_some_and(|v| !v.is_null()),
        "tokens.refresh_token missing although the scope has offline_access (with prompt=consent)",
    );
    out.check(
        body.get("refresh_token").is_some_and(Value::is_string),
        "oidc-provider sent no refresh_token (provider config?)",
    );
}

/// `needle` must appear neither in stdout nor in stderr.
fn check_absent(out: &Outcome, needle: &str, what: &str) {
    out.check(
        !out.stdout.contains(needle),
        &format!("{what} appears in stdout"),
    );
    out.check(
        !out.stderr.contains(needle),
        &format!("{what} appears in stderr"),
    );
}

#[test]
fn public_client_completes() {
    let idp = Provider::start();
    let profile = Profile::public(&idp);
    let out = Run::new(profile.clone()).execute(&idp);
    let json = out.expect(0);
    check_success(&out, &json, &profile);

    assert_eq!(
        out.str_at(&json, "/token_request/form/client_id"),
        clients::PUBLIC_ID,
        "a public client identifies itself with client_id in the form\n{}",
        out.context()
    );
    out.check(
        json.pointer("/token_request/headers/authorization")
            .is_none(),
        "a public client must send no Authorization header",
    );
    out.check(
        json.pointer("/token_request/form/client_secret").is_none(),
        "a public client must send no client_secret",
    );
}

#[test]
fn basic_client_with_reserved_characters_completes() {
    // The secret comes from $TB_BASIC_SECRET (profile: client_secret = "env:TB_BASIC_SECRET").
    // oidc-provider rejects credentials that were not form-urlencoded before base64
    // (RFC 6749 §2.3.1): the raw id holds ':', and the raw secret holds '%'.
    let idp = Provider::start();
    let profile = Profile::basic(&idp);
    let out = Run::new(profile.clone()).execute(&idp);
    let json = out.expect(0);
    check_success(&out, &json, &profile);

    let authorization = out.str_at(&json, "/token_request/headers/authorization");
    out.check(
        authorization.starts_with("Basic "),
        "token_request.headers.authorization does not start with `Basic `",
    );
    out.check(
        json.pointer("/token_request/form/client_secret").is_none(),
        "client_secret_basic must not also put the secret in the form",
    );
    check_absent(&out, clients::BASIC_SECRET, "the client secret");
    check_absent(
        &out,
        clients::BASIC_SECRET_FORM_ENCODED,
        "the form-urlencoded client secret",
    );
    check_absent(
        &out,
        clients::BASIC_CREDENTIALS_B64,
        "the base64 Basic credentials (they decode to the secret)",
    );
}

#[test]
fn body_client_completes() {
    let idp = Provider::start();
    let profile = Profile::body(&idp);
    let out = Run::new(profile.clone()).execute(&idp);
    let json = out.expect(0);
    check_success(&out, &json, &profile);

    assert_eq!(
        out.str_at(&json, "/token_request/form/client_id"),
        clients::BODY_ID,
        "token_request.form.client_id\n{}",
        out.context()
    );
    assert_eq!(
        out.str_at(&json, "/token_request/form/client_secret"),
        "[redacted]",
        "token_request.form.client_secret must be redacted\n{}",
        out.context()
    );
    out.check(
        json.pointer("/token_request/headers/authorization")
            .is_none(),
        "client_secret_post must send no Authorization header",
    );
    check_absent(&out, clients::BODY_SECRET, "the client secret");
}

#[test]
fn consent_denied_is_an_oauth_error() {
    let idp = Provider::start();
    let out = Run::new(Profile::public(&idp))
        .browser_mode("deny")
        .execute(&idp);
    let json = out.expect(3);
    assert_eq!(
        out.str_at(&json, "/error/kind"),
        "oauth_error",
        "error.kind\n{}",
        out.context()
    );
    assert_eq!(
        out.str_at(&json, "/error/oauth_error"),
        "access_denied",
        "error.oauth_error\n{}",
        out.context()
    );
    out.check(
        json.get("token_request").is_none(),
        "no token request may follow an error callback",
    );
    out.check(
        !out.provider_log.contains("POST /token "),
        "the provider saw a token request",
    );
}

#[test]
fn tampered_state_is_rejected_before_the_token_request() {
    // The tampered callback is refused and the run waits on for the real one (a forged
    // callback must not end the sign-in); none comes, so the timeout says exit 4.
    let idp = Provider::start();
    let out = Run::new(Profile::public(&idp))
        .browser_mode("tamper-state")
        .timeout(3)
        .execute(&idp);
    let json = out.expect(4);
    assert_eq!(
        out.str_at(&json, "/stray_requests/0/kind"),
        "forged_callback",
        "stray_requests\n{}",
        out.context()
    );
    assert_eq!(
        out.str_at(&json, "/error/kind"),
        "callback_invalid",
        "error.kind\n{}",
        out.context()
    );
    out.check(
        json.get("token_request").is_none(),
        "a callback with the wrong state must not lead to a token request",
    );
    out.check(
        !out.provider_log.contains("POST /token "),
        "the provider saw a token request",
    );
}

#[test]
fn wrong_issuer_in_profile_is_rejected_before_the_browser() {
    // The profile expects another issuer (the same URL with a trailing slash, which must not
    // compare equal). Discovery catches it first: the provider's metadata names its real
    // issuer, so the run stops before any authorization request (exit 3, issuer_mismatch).
    // The callback's own `iss` check (RFC 9207) is covered by tests/flow_faults.rs.
    let idp = Provider::start();
    let mut profile = Profile::public(&idp);
    profile.issuer = Some(format!("{}/", idp.issuer));
    let out = Run::new(profile).execute(&idp);
    let json = out.expect(3);
    assert_eq!(
        out.str_at(&json, "/error/kind"),
        "issuer_mismatch",
        "error.kind\n{}",
        out.context()
    );
    out.check(
        json.get("authorization_request").is_none() && json.get("token_request").is_none(),
        "an issuer mismatch must stop the run before the authorization request",
    );
}

#[test]
fn no_callback_times_out() {
    let idp = Provider::start();
    let out = Run::new(Profile::public(&idp))
        .browser_mode("none")
        .timeout(3)
        .execute(&idp);
    let json = out.expect(5);
    assert_eq!(
        out.str_at(&json, "/error/kind"),
        "timeout",
        "error.kind\n{}",
        out.context()
    );
    out.check(
        out.elapsed.as_secs_f64() >= 2.5,
        "gave up before the 3 s --timeout",
    );
    out.check(
        out.elapsed.as_secs_f64() < 25.0,
        "--timeout 3 was not honoured",
    );
}

#[test]
fn wrong_basic_secret_is_an_oauth_error_from_the_token_endpoint() {
    let idp = Provider::start();
    let out = Run::new(Profile::basic(&idp))
        .env("TB_BASIC_SECRET", "not-the-secret")
        .execute(&idp);
    let json = out.expect(3);
    assert_eq!(
        out.str_at(&json, "/error/kind"),
        "oauth_error",
        "error.kind\n{}",
        out.context()
    );
    assert_eq!(
        out.str_at(&json, "/error/oauth_error"),
        "invalid_client",
        "error.oauth_error\n{}",
        out.context()
    );
    check_absent(&out, "not-the-secret", "the (wrong) client secret");
}

#[test]
fn missing_secret_env_var_is_invalid_input() {
    // client_secret = "env:TB_BASIC_SECRET" with the variable unset: a usage error, found
    // before any browser is opened (the browser would do nothing anyway).
    let idp = Provider::start();
    let out = Run::new(Profile::basic(&idp))
        .without_env("TB_BASIC_SECRET")
        .browser_mode("none")
        .timeout(5)
        .execute(&idp);
    let json = out.expect(2);
    assert_eq!(
        out.str_at(&json, "/error/kind"),
        "invalid_input",
        "error.kind\n{}",
        out.context()
    );
    out.check(
        out.str_at(&json, "/error/message")
            .contains("TB_BASIC_SECRET"),
        "error.message should name the missing variable",
    );
}
