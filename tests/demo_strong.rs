//! `tokenbench demo --strong`: the FAPI 2.0-style flow (private_key_jwt, PAR, DPoP, S256,
//! the fapi2 lint) against the embedded IdP, through the real binary and in the workbench.

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::tui_driver::{Driver, DriverOptions};
use serde_json::Value;
use tokenbench::flow::{system_now, BrowserMode};
use tokenbench::idp::{IdpConfig, IdpServer, RsaAlg, DEMO_FAPI_CLIENT_ID};
use tokenbench::profile::load::validate;

/// `demo --strong --json` with HOME and the XDG directories in `home`, so a key or cache
/// written by mistake lands there, where the test can see it.
fn strong_json(home: &Path) -> (Option<i32>, Value, String) {
    let out = Command::cargo_bin("tokenbench")
        .unwrap()
        .args(["demo", "--strong", "--json"])
        .env_remove("BROWSER")
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let doc = serde_json::from_str(&stdout)
        .unwrap_or_else(|_| panic!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), doc, stdout)
}

fn checks(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["check"].as_str().unwrap().to_owned(),
                c["result"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// What a strong run's JSON must show, from the CLI or the workbench.
fn assert_strong(doc: &Value) {
    // PAR: the browser got only client_id and request_uri.
    let request_uri = doc["par"]["request_uri"].as_str().unwrap();
    assert!(
        request_uri.starts_with("urn:ietf:params:oauth:request_uri:"),
        "{doc}"
    );
    assert_eq!(
        doc["authorization_request"]["params"]["request_uri"],
        request_uri
    );
    let url = doc["authorization_request"]["url"].as_str().unwrap();
    assert!(!url.contains("code_challenge"), "{url}");
    assert!(doc["par"]["request"]["form"]["code_challenge_method"] == "S256");
    // private_key_jwt on the push and on the token request, with the demo key's kid.
    for at in ["par", "token_request"] {
        let request = if at == "par" {
            &doc["par"]["request"]
        } else {
            &doc["token_request"]
        };
        let assertion = &request["client_assertion"];
        assert_eq!(assertion["header"]["kid"], "tb-test-es256", "{at}");
        assert_eq!(assertion["claims"]["iss"], DEMO_FAPI_CLIENT_ID, "{at}");
        assert_eq!(assertion["claims"]["sub"], DEMO_FAPI_CLIENT_ID, "{at}");
        assert_eq!(request["form"]["client_assertion"], "[redacted]", "{at}");
    }
    // DPoP-bound tokens, and the binding checked.
    let tokens = &doc["tokens"];
    assert_eq!(tokens["token_type"], "DPoP");
    let dpop = checks(&tokens["dpop"]["validation"]);
    assert_eq!(
        dpop,
        [
            ("token_type".to_owned(), "pass".to_owned()),
            ("cnf.jkt".to_owned(), "pass".to_owned())
        ]
    );
    assert_eq!(
        tokens["access_token"]["claims"]["cnf"]["jkt"],
        tokens["dpop"]["jkt"]
    );
    // The ID token: PS256, and every check passes (c_hash is not in a token-endpoint token).
    assert_eq!(tokens["id_token"]["header"]["alg"], "PS256");
    assert_eq!(tokens["id_token"]["verified"], true);
    for (check, result) in checks(&tokens["id_token"]["validation"]) {
        let expected = if check == "c_hash" { "skipped" } else { "pass" };
        assert_eq!(result, expected, "{check}");
    }
    // FAPI 2.0: all pass but TLS (loopback http) and the signed request object (Message
    // Signing, not the Security Profile).
    assert_eq!(doc["security_profile"]["profile"], "fapi2");
    let lint = checks(&doc["security_profile"]["checks"]);
    assert!(lint.len() >= 10, "{lint:?}");
    for (check, result) in lint {
        let expected = match check.as_str() {
            "tls" | "request_object" => "skipped",
            _ => "pass",
        };
        assert_eq!(result, expected, "{check}");
    }
}

#[test]
fn demo_strong_json_runs_a_fapi2_flow_and_every_check_passes() {
    let home = tempfile::tempdir().unwrap();
    let (code, doc, stdout) = strong_json(home.path());
    assert_eq!(code, Some(0), "{doc}");
    assert_strong(&doc);
    // Neither the client key nor the session's DPoP key is ever printed.
    assert!(!stdout.contains("PRIVATE KEY"), "{stdout}");
    // The DPoP key is the demo's own, in memory: nothing was made in the data directory.
    assert!(!home.path().join("data/tokenbench/dpop").exists());
    assert!(!home.path().join(".local/share/tokenbench/dpop").exists());
}

#[test]
fn each_strong_demo_has_a_dpop_key_of_its_own() {
    let home = tempfile::tempdir().unwrap();
    let (_, first, _) = strong_json(home.path());
    let (_, second, _) = strong_json(home.path());
    assert_ne!(
        first["tokens"]["dpop"]["jkt"],
        second["tokens"]["dpop"]["jkt"]
    );
}

#[test]
fn strong_goes_with_the_code_flow_only() {
    let out = Command::cargo_bin("tokenbench")
        .unwrap()
        .args(["demo", "--strong", "--json", "--grant", "device_code"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["kind"], "invalid_input", "{doc}");
}

#[test]
fn the_strong_demo_profile_validates_with_every_strong_setting() {
    let raw = tokenbench::cli::demo_raw_strong(
        "http://127.0.0.1:9",
        &tokenbench::cli::demo_dpop_key().unwrap(),
    )
    .unwrap();
    let p = validate(Path::new("(demo)"), "demo", &raw).unwrap();
    assert!(p.par == tokenbench::oauth::par::ParMode::Always);
    assert_eq!(raw.client_id.as_deref(), Some(DEMO_FAPI_CLIENT_ID));
    assert_eq!(raw.client_auth.as_deref(), Some("private_key_jwt"));
    assert_eq!(raw.par.as_deref(), Some("always"));
    assert_eq!(raw.dpop, Some(true));
    assert_eq!(raw.profile.as_deref(), Some("fapi2"));
    assert_eq!(raw.code_challenge_method.as_deref(), Some("S256"));
    assert!(p.dpop_key.is_some(), "the demo names its own DPoP key");
}

#[tokio::test]
async fn the_workbench_opens_the_strong_demo_and_ctrl_r_runs_it() {
    let idp = IdpServer::start(IdpConfig {
        auto_approve: true,
        signing_alg: RsaAlg::PS256,
        ..IdpConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let app =
        tokenbench::cli::demo_strong_app(dir.path(), idp.issuer(), None, system_now()).unwrap();
    assert_eq!(app.edited().client_id.as_deref(), Some(DEMO_FAPI_CLIENT_ID));
    // Nothing is written before Ctrl+S.
    assert!(!dir.path().join("demo-strong.toml").exists());

    let mut tb = Driver::start(
        app,
        DriverOptions::new(BrowserMode::Follow, vec![dir.path().to_owned()], (140, 45)),
    );
    tb.wait_for("Callback URL").await;
    tb.ctrl('r');
    tb.wait_for("ID token claims").await;
    let app = tb.finish().await;
    assert_strong(app.tokens.report.as_ref().unwrap());
}

#[tokio::test]
async fn a_ps256_idp_offers_ps256_only_and_the_default_keeps_rs256() {
    for (alg, name) in [(RsaAlg::PS256, "PS256"), (RsaAlg::RS256, "RS256")] {
        let idp = IdpServer::start(IdpConfig {
            signing_alg: alg,
            ..IdpConfig::default()
        })
        .await
        .unwrap();
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let get = |path: &str| {
            let url = format!("{}{path}", idp.issuer());
            let http = http.clone();
            async move {
                let body = http.get(url).send().await.unwrap().bytes().await.unwrap();
                serde_json::from_slice::<Value>(&body).unwrap()
            }
        };
        let meta = get("/.well-known/openid-configuration").await;
        assert_eq!(
            meta["id_token_signing_alg_values_supported"],
            serde_json::json!([name])
        );
        let jwks = get("/jwks").await;
        assert_eq!(jwks["keys"][0]["alg"], name);
        idp.shutdown().await;
    }
}
