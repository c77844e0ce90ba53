//! End to end, pushed authorization requests (RFC 9126) and signed request objects
//! (RFC 9101): `run --json` against oidc-provider (tests/oidc/server.mjs) with `tb-par` (a
//! public client that must push) and `tb-jar` (private_key_jwt with the test key
//! tests/fixtures/keyauth/client-es256.pem, which must sign its requests with ES256).
//!
//! Needs Node.js and `npm ci --prefix tests/oidc`.

mod common;

use std::path::{Path, PathBuf};

use common::{tokenbench, Out, Profile, Provider};
use serde_json::Value;

const PAR_ID: &str = "tb-par";
const JAR_ID: &str = "tb-jar";
const JAR_KID: &str = "tb-test-es256";
/// A public client that must sign its requests with the same key.
const JAR_PUBLIC_ID: &str = "tb-jar-public";

fn key_fixture() -> PathBuf {
    common::manifest_dir().join("tests/fixtures/keyauth/client-es256.pem")
}

/// `run --json` for `profile` with `extra` top-level keys, the browser signing in and
/// approving (tests/oidc/browser.mjs).
fn run(idp: &Provider, profile: &Profile, extra: &str) -> Out {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("profile.toml");
    std::fs::write(&path, format!("{extra}{}", profile.to_toml())).unwrap();
    let log = home.path().join("browser.log");
    let output = tokenbench(home.path(), &log)
        .env("TB_BROWSER_MODE", "approve")
        // The URL carries no redirect_uri: the fake browser is told where the callback is.
        .env("TB_BROWSER_REDIRECT_URI", &profile.callback_url)
        .args(["run", "--json", "--timeout", "30", "--profile"])
        .arg(&path)
        .output()
        .unwrap();
    Out::of(output, idp.log())
}

fn query_names(url: &str) -> Vec<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, _)| k.into_owned())
        .collect()
}

/// The browser got only `client_id` and `request_uri`, and the JSON has the push.
#[track_caller]
fn check_pushed(json: &Value, client_id: &str, context: &str) {
    let url = json["authorization_request"]["url"].as_str().unwrap();
    assert_eq!(query_names(url), ["client_id", "request_uri"], "{context}");
    let par = &json["par"];
    assert_eq!(par["response"]["status"], 201, "{context}");
    let request_uri = par["request_uri"].as_str().unwrap();
    assert!(
        request_uri.starts_with("urn:ietf:params:oauth:request_uri:"),
        "{context}"
    );
    assert_eq!(
        json["authorization_request"]["params"]["request_uri"],
        request_uri
    );
    assert!(par["expires_in"].as_u64().unwrap() > 0, "{context}");
    assert!(
        par["request"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/request"),
        "{context}"
    );
    assert_eq!(par["request"]["form"]["client_id"], client_id, "{context}");
    assert!(json["tokens"]["access_token"].is_object(), "{context}");
}

fn key_keys(kid: &str) -> String {
    format!("client_auth = \"private_key_jwt\"\n{}", signing_keys(kid))
}

/// `request_object = "signed"` alone: the key signs requests, not the client.
fn signing_keys(kid: &str) -> String {
    format!(
        "client_key = {}\nclient_key_id = \"{kid}\"\nrequest_object = \"signed\"\n",
        common::toml_string(&key_fixture().display().to_string())
    )
}

#[track_caller]
fn check_request_object(record: &Value, issuer: &str, context: &str) {
    let ro = &record["request_object"];
    assert_eq!(ro["header"]["typ"], "oauth-authz-req+jwt", "{context}");
    assert_eq!(ro["header"]["alg"], "ES256", "{context}");
    assert_eq!(ro["header"]["kid"], JAR_KID, "{context}");
    let c = &ro["claims"];
    assert_eq!(c["iss"], JAR_ID, "{context}");
    assert_eq!(c["aud"], issuer, "{context}");
    assert_eq!(c["response_type"], "code", "{context}");
    assert!(c["state"].is_string() && c["code_challenge"].is_string() && c["jti"].is_string());
    let life = c["exp"].as_i64().unwrap() - c["nbf"].as_i64().unwrap();
    assert!(life > 0 && life <= 300, "{context}");
}

#[test]
fn par_always_pushes_and_the_browser_gets_only_the_request_uri() {
    let idp = Provider::start();
    let out = run(
        &idp,
        &Profile::new(&idp, "par", PAR_ID),
        "par = \"always\"\n",
    );
    let json = out.expect(0);
    check_pushed(&json, PAR_ID, &out.context());
    // The pushed form carries the parameters themselves.
    let form = &json["par"]["request"]["form"];
    assert_eq!(form["response_type"], "code");
    assert_eq!(form["code_challenge_method"], "S256");
}

/// A pushed run that hears nothing back does not blame the redirect URI: the IdP accepted it
/// at the push, and a probe of the plain URL would only meet "must push".
#[test]
fn a_pushed_run_that_times_out_does_not_probe_the_plain_url() {
    let idp = Provider::start();
    let profile = Profile::new(&idp, "par", PAR_ID);
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("profile.toml");
    std::fs::write(&path, format!("par = \"always\"\n{}", profile.to_toml())).unwrap();
    let log = home.path().join("browser.log");
    let output = tokenbench(home.path(), &log)
        .env("TB_BROWSER_MODE", "none")
        .args(["run", "--json", "--timeout", "2", "--profile"])
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let ctx = format!(
        "{stdout}\n--- stderr\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(5), "{ctx}");
    let json: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert!(json["par"]["request_uri"].is_string(), "{ctx}");
    assert!(json.get("diagnosis").is_none_or(|d| d.is_null()), "{ctx}");
    let message = json["error"]["message"].as_str().unwrap();
    assert!(message.contains("accepted the pushed request"), "{ctx}");
    assert!(
        !message.contains("Pushed Authorization Request must be used"),
        "{ctx}"
    );
}

#[test]
fn par_auto_pushes_when_the_metadata_requires_it() {
    let idp = Provider::start_with_env(&[("TB_OIDC_REQUIRE_PAR", "1")]);
    let out = run(&idp, &Profile::new(&idp, "par", PAR_ID), "");
    let json = out.expect(0);
    assert_eq!(
        json["discovery"]["require_pushed_authorization_requests"],
        true
    );
    check_pushed(&json, PAR_ID, &out.context());
}

#[test]
fn par_never_for_a_client_that_must_push_is_refused_by_the_idp() {
    let idp = Provider::start();
    let out = run(
        &idp,
        &Profile::new(&idp, "par", PAR_ID),
        "par = \"never\"\n",
    );
    let json = out.expect(3);
    assert!(json.get("par").is_none(), "{}", out.context());
    assert_eq!(
        json["error"]["oauth_error"],
        "invalid_request",
        "{}",
        out.context()
    );
    let description = json["error"]["oauth_error_description"].as_str().unwrap();
    assert!(
        description.to_lowercase().contains("pushed"),
        "{}",
        out.context()
    );
}

#[test]
fn jar_by_value() {
    let idp = Provider::start();
    let out = run(&idp, &Profile::new(&idp, "jar", JAR_ID), &key_keys(JAR_KID));
    let json = out.expect(0);
    let ctx = out.context();
    let request = &json["authorization_request"];
    let url = request["url"].as_str().unwrap();
    // OIDC Core §6.1: response_type and scope outside the object too; nothing else.
    assert_eq!(
        query_names(url),
        ["response_type", "client_id", "scope", "request"],
        "{ctx}"
    );
    check_request_object(request, &idp.issuer, &ctx);
    assert!(json.get("par").is_none(), "{ctx}");
}

#[test]
fn jar_pushed() {
    let idp = Provider::start();
    let out = run(
        &idp,
        &Profile::new(&idp, "jar", JAR_ID),
        &format!("{}par = \"always\"\n", key_keys(JAR_KID)),
    );
    let json = out.expect(0);
    let ctx = out.context();
    check_pushed(&json, JAR_ID, &ctx);
    let pushed = &json["par"]["request"];
    // Only the client's authentication, client_id and the object travel (RFC 9126 §3).
    let mut names: Vec<&str> = pushed["form"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "client_assertion",
            "client_assertion_type",
            "client_id",
            "request"
        ],
        "{ctx}"
    );
    assert_eq!(pushed["form"]["request"], "[redacted]", "{ctx}");
    check_request_object(pushed, &idp.issuer, &ctx);
    check_request_object(&json["authorization_request"], &idp.issuer, &ctx);
}

/// Pushed, the IdP's refusal of the object is an answer the run reads: exit 3 with the
/// IdP's error. (By value, oidc-provider shows its error page in the browser with HTTP 400
/// and never redirects, so a run can only time out: not tested here.)
#[test]
fn jar_with_a_wrong_kid_is_refused() {
    let idp = Provider::start();
    let public = Profile::new(&idp, "jar", JAR_PUBLIC_ID);
    // The right kid works for this client with client_auth = "none"...
    let good = run(
        &idp,
        &public,
        &format!(
            "client_auth = \"none\"\npar = \"always\"\n{}",
            signing_keys(JAR_KID)
        ),
    );
    good.expect(0);
    // ...and a wrong one is refused.
    let extra = format!(
        "client_auth = \"none\"\npar = \"always\"\n{}",
        signing_keys("not-the-registered-kid")
    );
    let out = run(&idp, &public, &extra);
    let json = out.expect(3);
    let ctx = out.context();
    assert_eq!(
        json["error"]["oauth_error"], "invalid_request_object",
        "{ctx}"
    );
    assert_eq!(json["par"]["response"]["status"], 400, "{ctx}");
    assert!(json["par"].get("request_uri").is_none(), "{ctx}");
    assert!(json.get("tokens").is_none(), "{ctx}");
    let message = json["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("pushed authorization request endpoint"),
        "{message}"
    );
}

/// `par = "always"` with no issuer (so no metadata to push to) stops before anything runs.
#[test]
fn par_always_without_an_endpoint_is_a_usage_error_naming_the_field() {
    let home = tempfile::tempdir().unwrap();
    let path: &Path = &home.path().join("p.toml");
    std::fs::write(
        path,
        "callback_url = \"http://127.0.0.1:0/callback\"\nauth_url = \"http://127.0.0.1:9/a\"\ntoken_url = \"http://127.0.0.1:9/t\"\nclient_id = \"c\"\npar = \"always\"\n",
    )
    .unwrap();
    let log = home.path().join("browser.log");
    let output = tokenbench(home.path(), &log)
        .args([
            "run",
            "--json",
            "--no-browser",
            "--timeout",
            "5",
            "--profile",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let message = json["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("pushed_authorization_request_endpoint"),
        "{message}"
    );
    assert!(json.get("authorization_request").is_none());
}
