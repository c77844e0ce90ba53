//! Who signs in, end to end against oidc-provider (tests/oidc/server.mjs): `run --prompt`,
//! `--login-hint`, `--max-age` and what the IdP answers to them.
//!
//! Needs Node.js and `npm ci --prefix tests/oidc`.

mod common;
mod signin_session;

use common::{query_param, Profile, Provider};
use signin_session::{check, Session};

#[test]
fn prompt_login_and_login_hint_go_into_the_authorization_request() {
    let provider = Provider::start();
    // The profile's [auth_params] say prompt=consent: the flag replaces it, never doubles it.
    let s = Session::new(&provider, Profile::public(&provider));
    let out = s.run(
        "approve",
        &[
            "run",
            "--json",
            "--timeout",
            "30",
            "--prompt",
            "login",
            "--login-hint",
            "alice@example.test",
        ],
    );
    let json = out.expect(0);
    let url = json["authorization_request"]["url"]
        .as_str()
        .unwrap_or_default();
    out.check(
        query_param(url, "prompt").as_deref() == Some("login"),
        "prompt=login in the URL",
    );
    out.check(url.matches("prompt=").count() == 1, "one prompt parameter");
    out.check(
        query_param(url, "login_hint").as_deref() == Some("alice@example.test"),
        "login_hint in the URL",
    );
}

#[test]
fn prompt_none_without_a_session_is_login_required_exit_3() {
    let provider = Provider::start();
    let s = Session::new(&provider, Profile::public(&provider));
    let out = s.run(
        "approve",
        &["run", "--json", "--timeout", "30", "--prompt", "none"],
    );
    let json = out.expect(3);
    let error = &json["error"];
    out.check(error["oauth_error"] == "login_required", "login_required");
    let message = error["message"].as_str().unwrap_or_default();
    out.check(
        message.contains("the IdP needs the user to sign in")
            && message.contains("run without --prompt none"),
        "the message says what login_required means",
    );
}

#[test]
fn max_age_asks_for_auth_time_and_checks_it() {
    let provider = Provider::start();
    let s = Session::new(&provider, Profile::public(&provider));
    let out = s.run(
        "approve",
        &["run", "--json", "--timeout", "30", "--max-age", "300"],
    );
    let json = out.expect(0);
    let url = json["authorization_request"]["url"]
        .as_str()
        .unwrap_or_default();
    out.check(
        query_param(url, "max_age").as_deref() == Some("300"),
        "max_age in the URL",
    );
    let validation = &json["tokens"]["id_token"]["validation"];
    let auth_time = check(validation, "auth_time");
    out.check(
        auth_time.is_some_and(|c| c["result"] == "pass"),
        "the auth_time check passes",
    );
    out.check(
        json["tokens"]["id_token"]["verified"] == true,
        "the ID token is verified",
    );
}

#[test]
fn prompt_and_max_age_flags_are_checked() {
    let provider = Provider::start();
    let s = Session::new(&provider, Profile::public(&provider));
    let out = s.run("none", &["run", "--json", "--prompt", "always"]);
    out.check(out.code == Some(2), "an unknown prompt is a usage error");
    let out = s.run("none", &["run", "--json", "--max-age", "-1"]);
    out.check(out.code == Some(2), "a negative max_age is a usage error");
}
