//! End to end against oidc-provider (tests/oidc/server.mjs): discovery fills the endpoints
//! of a profile that names only its issuer, and the ID token passes every check of the
//! checklist (OIDC Core §3.1.3.7) with the provider's own JWKS. The `discover` command
//! reads the same metadata.
//!
//! Needs Node.js and `npm ci --prefix tests/oidc`.

mod common;

use assert_cmd::Command;
use common::{Profile, Provider, Run};
use serde_json::Value;

#[test]
fn discovery_and_a_fully_verified_id_token_for_the_public_client() {
    let idp = Provider::start();
    let mut profile = Profile::public(&idp);
    // Only the issuer: both endpoints come from its discovery document.
    profile.auth_url = String::new();
    profile.token_url = String::new();
    let out = Run::new(profile).execute(&idp);
    let json = out.expect(0);

    assert_eq!(out.str_at(&json, "/discovery/issuer"), idp.issuer);
    assert_eq!(
        out.at(&json, "/discovery/filled"),
        &serde_json::json!(["auth_url", "token_url"])
    );
    assert_eq!(out.str_at(&json, "/token_request/url"), idp.token_url());
    out.check(
        out.str_at(&json, "/authorization_request/url")
            .starts_with(&idp.auth_url()),
        "the authorization request went to the discovered endpoint",
    );
    // oidc-provider advertises S256, `none` auth, the scopes and RFC 9207: nothing to lint.
    assert_eq!(
        out.at(&json, "/discovery/lint"),
        &serde_json::json!([]),
        "{}",
        out.context()
    );

    assert_eq!(
        out.at(&json, "/tokens/id_token/verified"),
        &Value::Bool(true),
        "{}",
        out.context()
    );
    let checks = out
        .at(&json, "/tokens/id_token/validation")
        .as_array()
        .cloned()
        .unwrap_or_default();
    let result = |name: &str| {
        checks
            .iter()
            .find(|c| c["check"] == name)
            .and_then(|c| c["result"].as_str())
            .unwrap_or("absent")
            .to_owned()
    };
    for must_pass in ["signature", "iss", "aud", "exp", "iat", "sub", "nonce"] {
        assert_eq!(result(must_pass), "pass", "{must_pass}\n{}", out.context());
    }
    out.check(
        checks
            .iter()
            .all(|c| c["result"] == "pass" || c["result"] == "skipped"),
        "every check passes or does not apply",
    );
    // Its access tokens are opaque here: labelled, not judged.
    assert_eq!(
        out.str_at(&json, "/tokens/access_token/signature/result"),
        "skipped"
    );
    out.check(
        out.str_at(&json, "/tokens/access_token/signature/detail")
            .starts_with("opaque"),
        "the opaque access token is labelled",
    );
}

#[test]
fn discover_command_reads_the_providers_metadata() {
    let idp = Provider::start();
    let out = Command::cargo_bin("tokenbench")
        .unwrap()
        .args(["discover", &idp.issuer, "--json"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", idp.log());
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["issuer"], idp.issuer.as_str());
    assert_eq!(json["token_endpoint"], idp.token_url());
    assert_eq!(
        json["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(json["authorization_response_iss_parameter_supported"], true);
}
