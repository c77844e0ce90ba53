//! Conformance cases for the ID token checks (OIDC Core §3.1.3.7): the whole flow, in
//! process, through `resolve` and `run_resolved` as `tokenbench run` does, against the
//! embedded IdP bending one thing at a time. Each case names the one check that must fail,
//! and the run ends with exit 4 (`id_token_invalid`) while still reporting the tokens.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use tokenbench::flow::{
    resolve, run_resolved, system_now, BrowserMode, FlowIo, FlowOptions, FlowReport, Resolved,
};
use tokenbench::idp::{
    Faults, IdTokenFault, IdpConfig, IdpServer, DEMO_CLIENT_ID, UNKNOWN_KID, UNTRUSTED_AUDIENCE,
    WRONG_ISSUER, WRONG_NONCE,
};
use tokenbench::net::http::{HttpClient, HttpLimits};
use tokenbench::oauth::id_token::CheckResult;
use tokenbench::oauth::random::OsEntropy;
use tokenbench::profile::lint::{Level, LintWarning};
use tokenbench::profile::load::parse_raw;

async fn idp(faults: Faults) -> IdpServer {
    IdpServer::start(IdpConfig {
        auto_approve: true,
        faults,
        ..IdpConfig::default()
    })
    .await
    .unwrap()
}

/// The demo client with only the issuer: the endpoints come from discovery.
async fn resolved(idp: &IdpServer, extra: &str) -> Resolved {
    let text = format!(
        "issuer = \"{}\"\ncallback_url = \"http://127.0.0.1:0/callback\"\nclient_id = \"{DEMO_CLIENT_ID}\"\n\
         scope = \"openid profile\"\n{extra}",
        idp.issuer()
    );
    let path = Path::new("conformance.toml");
    let http = HttpClient::new(HttpLimits::default()).unwrap();
    resolve(&parse_raw(path, &text).unwrap(), path, &http)
        .await
        .unwrap()
}

async fn run(resolved: &Resolved) -> FlowReport {
    let options = FlowOptions {
        timeout: Duration::from_secs(10),
        browser: BrowserMode::Follow,
        ..FlowOptions::default()
    };
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = FlowIo {
        entropy: &mut OsEntropy,
        now: system_now,
        env: &|_: &str| None,
        events: tx,
        paste: None,
    };
    run_resolved(resolved, &options, io).await
}

/// Runs against an IdP with `fault` on its ID tokens.
async fn run_fault(fault: IdTokenFault) -> (FlowReport, Value) {
    let idp = idp(Faults {
        id_token: Some(fault),
        ..Faults::default()
    })
    .await;
    let report = run(&resolved(&idp, "").await).await;
    let json = report.to_json();
    (report, json)
}

/// The check names that failed, from the JSON checklist.
fn failed(json: &Value) -> Vec<String> {
    json["tokens"]["id_token"]["validation"]
        .as_array()
        .unwrap_or_else(|| panic!("no validation in {json:#}"))
        .iter()
        .filter(|c| c["result"] == "fail")
        .map(|c| c["check"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn detail<'a>(json: &'a Value, check: &str) -> &'a str {
    json["tokens"]["id_token"]["validation"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["check"] == check))
        .and_then(|c| c["detail"].as_str())
        .unwrap_or_default()
}

/// Exit 4, `id_token_invalid`, exactly `check` failing, the token still decoded and shown.
fn assert_only_failure(report: &FlowReport, json: &Value, check: &str) {
    assert_eq!(report.exit_code(), 4, "{json:#}");
    assert_eq!(json["error"]["kind"], "id_token_invalid");
    assert_eq!(json["error"]["failed_checks"], serde_json::json!([check]));
    assert_eq!(failed(json), [check], "{json:#}");
    assert_eq!(json["tokens"]["id_token"]["verified"], false);
    assert_eq!(json["tokens"]["id_token"]["kind"], "jwt", "still decoded");
    assert!(json["tokens"]["id_token"]["claims"].is_object());
    let message = json["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("UNVERIFIED") && message.contains(check),
        "{message}"
    );
    let v = report.id_token_validation.as_ref().unwrap();
    assert!(!v.verified);
}

#[tokio::test]
async fn a_good_id_token_passes_every_check() {
    let idp = idp(Faults::default()).await;
    let resolved = resolved(&idp, "").await;
    assert_eq!(resolved.discovered, ["auth_url", "token_url"]);
    let report = run(&resolved).await;
    let json = report.to_json();
    assert_eq!(report.exit_code(), 0, "{json:#}");
    assert_eq!(json["tokens"]["id_token"]["verified"], true);
    let results: Vec<(&str, &str)> = json["tokens"]["id_token"]["validation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["check"].as_str().unwrap(), c["result"].as_str().unwrap()))
        .collect();
    assert_eq!(
        results,
        [
            ("signature", "pass"),
            ("iss", "pass"),
            ("aud", "pass"),
            ("azp", "pass"),
            ("exp", "pass"),
            ("iat", "pass"),
            ("sub", "pass"),
            ("nonce", "pass"),
            ("at_hash", "pass"),
            ("c_hash", "skipped"),
        ]
    );
    // The JWT access token is signed with the issuer's key, and labelled as such.
    assert_eq!(
        json["tokens"]["access_token"]["signature"]["result"],
        "pass"
    );
    // Discovery is in the report: endpoints, what was filled, no lint.
    assert_eq!(json["discovery"]["issuer"], idp.issuer());
    assert_eq!(
        json["discovery"]["filled"],
        serde_json::json!(["auth_url", "token_url"])
    );
    assert_eq!(json["discovery"]["lint"], serde_json::json!([]));
    assert_eq!(
        json["token_request"]["url"],
        format!("{}/token", idp.issuer())
    );
}

#[tokio::test]
async fn wrong_iss_fails_iss() {
    let (report, json) = run_fault(IdTokenFault::WrongIss).await;
    assert_only_failure(&report, &json, "iss");
    assert!(detail(&json, "iss").contains(WRONG_ISSUER));
}

#[tokio::test]
async fn aud_without_the_client_fails_aud() {
    let (report, json) = run_fault(IdTokenFault::AudWithoutClient).await;
    assert_only_failure(&report, &json, "aud");
}

#[tokio::test]
async fn extra_untrusted_aud_without_azp_fails_azp() {
    let (report, json) = run_fault(IdTokenFault::ExtraAudNoAzp).await;
    assert_only_failure(&report, &json, "azp");
    assert_eq!(
        json["tokens"]["id_token"]["claims"]["aud"][1],
        UNTRUSTED_AUDIENCE
    );
}

#[tokio::test]
async fn expired_fails_exp() {
    let (report, json) = run_fault(IdTokenFault::Expired).await;
    assert_only_failure(&report, &json, "exp");
    assert!(detail(&json, "exp").contains("leeway 60 s"));
}

#[tokio::test]
async fn missing_iat_fails_iat() {
    let (report, json) = run_fault(IdTokenFault::MissingIat).await;
    assert_only_failure(&report, &json, "iat");
}

#[tokio::test]
async fn missing_sub_fails_sub() {
    let (report, json) = run_fault(IdTokenFault::MissingSub).await;
    assert_only_failure(&report, &json, "sub");
}

#[tokio::test]
async fn wrong_nonce_fails_nonce() {
    let (report, json) = run_fault(IdTokenFault::WrongNonce).await;
    assert_only_failure(&report, &json, "nonce");
    assert!(detail(&json, "nonce").contains(WRONG_NONCE));
}

#[tokio::test]
async fn missing_nonce_fails_nonce() {
    let (report, json) = run_fault(IdTokenFault::MissingNonce).await;
    assert_only_failure(&report, &json, "nonce");
    assert!(detail(&json, "nonce").starts_with("missing"));
}

#[tokio::test]
async fn bad_signature_fails_signature() {
    let (report, json) = run_fault(IdTokenFault::BadSignature).await;
    assert_only_failure(&report, &json, "signature");
    assert!(detail(&json, "signature").contains("does not verify"));
}

#[tokio::test]
async fn alg_none_fails_signature() {
    let (report, json) = run_fault(IdTokenFault::AlgNone).await;
    assert_only_failure(&report, &json, "signature");
    assert!(detail(&json, "signature").contains("alg \"none\""));
}

#[tokio::test]
async fn hs256_signed_with_the_rsa_public_key_fails_signature() {
    let (report, json) = run_fault(IdTokenFault::Hs256WithPublicKey).await;
    assert_only_failure(&report, &json, "signature");
    assert!(detail(&json, "signature").contains("HMAC"));
}

#[tokio::test]
async fn wrong_at_hash_fails_at_hash() {
    let (report, json) = run_fault(IdTokenFault::WrongAtHash).await;
    assert_only_failure(&report, &json, "at_hash");
}

#[tokio::test]
async fn unknown_kid_fails_even_after_one_refetch() {
    let (report, json) = run_fault(IdTokenFault::UnknownKid).await;
    assert_only_failure(&report, &json, "signature");
    let d = detail(&json, "signature");
    assert!(
        d.contains(UNKNOWN_KID) && d.contains("even after refetching"),
        "{d}"
    );
}

#[tokio::test]
async fn rotated_key_is_accepted_after_refetching_the_jwks() {
    // The run fetches the JWKS before the authorization request (old key); the IdP
    // rotates just before it issues the tokens, so the ID token's kid is unknown at first.
    let idp = idp(Faults {
        rotate_key: true,
        ..Faults::default()
    })
    .await;
    let before = idp.current_kid();
    let report = run(&resolved(&idp, "").await).await;
    let json = report.to_json();
    assert_eq!(report.exit_code(), 0, "{json:#}");
    assert_ne!(idp.current_kid(), before, "the IdP rotated");
    assert_eq!(
        json["tokens"]["id_token"]["header"]["kid"],
        idp.current_kid()
    );
    assert_eq!(json["tokens"]["id_token"]["verified"], true);
    let d = detail(&json, "signature");
    assert!(d.contains("refetched once and found"), "{d}");
}

#[tokio::test]
async fn without_an_issuer_nothing_is_verified_or_claimed_to_be() {
    let idp = idp(Faults {
        id_token: Some(IdTokenFault::WrongIss),
        ..Faults::default()
    })
    .await;
    let issuer = idp.issuer();
    let text = format!(
        "callback_url = \"http://127.0.0.1:0/callback\"\nauth_url = \"{issuer}/authorize\"\n\
         token_url = \"{issuer}/token\"\nclient_id = \"{DEMO_CLIENT_ID}\"\nscope = \"openid\"\n"
    );
    let path = Path::new("no-issuer.toml");
    let http = HttpClient::new(HttpLimits::default()).unwrap();
    let resolved = resolve(&parse_raw(path, &text).unwrap(), path, &http)
        .await
        .unwrap();
    let report = run(&resolved).await;
    let json = report.to_json();
    assert_eq!(report.exit_code(), 0, "{json:#}");
    assert!(json.get("discovery").is_none());
    assert!(json["tokens"]["id_token"].get("validation").is_none());
    assert!(json["tokens"]["id_token"].get("verified").is_none());
    assert!(report.id_token_validation.is_none());
}

#[tokio::test]
async fn lint_warnings_reach_the_json_warnings() {
    let idp = idp(Faults::default()).await;
    let mut resolved = resolved(&idp, "").await;
    resolved.lint.push(LintWarning {
        check: "scope",
        message: "scope x is not in the IdP's scopes_supported".into(),
        fix: "check the spelling".into(),
        level: Level::Warning,
    });
    let json = run(&resolved).await.to_json();
    assert_eq!(json["discovery"]["lint"][0]["check"], "scope");
    assert_eq!(json["discovery"]["lint"][0]["fix"], "check the spelling");
    let warnings = json["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .unwrap_or_default()
            .starts_with("lint scope: scope x")),
        "{warnings:?}"
    );
}

#[tokio::test]
async fn the_typed_checklist_matches_the_json() {
    let (report, json) = run_fault(IdTokenFault::MissingSub).await;
    let v = report.id_token_validation.unwrap();
    assert_eq!(v.check("sub").unwrap().result, CheckResult::Fail);
    assert_eq!(
        serde_json::to_value(&v.checks).unwrap(),
        json["tokens"]["id_token"]["validation"]
    );
}
