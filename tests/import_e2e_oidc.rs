//! End to end: a Postman collection imported with `tokenbench import`, then `tokenbench
//! run --json` with the imported profile against a real oidc-provider (tests/oidc). The
//! collection (tests/fixtures/import/oidc/) names `{{issuer}}` and `{{callbackPort}}`; the
//! test gives the live values in a Postman environment, as a user would with `--env`.
//!
//! Needs Node.js and `npm ci --prefix tests/oidc`.

mod common;

use common::{free_port, tokenbench, Provider};
use serde_json::{json, Value};

#[test]
fn a_profile_imported_from_postman_runs_against_oidc_provider() {
    let idp = Provider::start();
    let home = tempfile::tempdir().unwrap();
    let env = home.path().join("live.postman_environment.json");
    let port = free_port();
    let env_doc = json!({
        "name": "live",
        "values": [
            {"key": "issuer", "value": idp.issuer, "enabled": true},
            {"key": "callbackPort", "value": port.to_string(), "enabled": true}
        ],
        "_postman_variable_scope": "environment"
    });
    std::fs::write(&env, env_doc.to_string()).unwrap();
    let collection = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import/oidc/oidc-provider.postman_collection.json");
    let into = home.path().join("profiles");
    let browser_log = home.path().join("browser.log");

    let out = tokenbench(home.path(), &browser_log)
        .arg("import")
        .arg(&collection)
        .arg("--env")
        .arg(&env)
        .arg("--into")
        .arg(&into)
        .arg("--json")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["profiles"][0]["name"], "oidc-provider-userinfo");
    assert_eq!(report["profiles"][0]["unresolved"], json!([]));
    assert_eq!(report["profiles"][0]["problems"], json!([]), "{report:#}");
    let profile = into.join("oidc-provider-userinfo.toml");

    let out = tokenbench(home.path(), &browser_log)
        .env("TB_BROWSER_MODE", "approve")
        .arg("run")
        .arg("--profile")
        .arg(&profile)
        .arg("--json")
        .arg("--timeout")
        .arg("30")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let context = format!(
        "--- profile\n{}\n--- stdout\n{stdout}\n--- stderr\n{}\n--- provider\n{}",
        std::fs::read_to_string(&profile).unwrap_or_default(),
        String::from_utf8_lossy(&out.stderr),
        idp.log()
    );
    assert_eq!(out.status.code(), Some(0), "{context}");
    let run: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(run["token_response"]["status"], 200, "{context}");
    let url = run["authorization_request"]["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/auth?", idp.issuer)), "{url}");
    assert!(
        url.contains("prompt=consent") && url.contains("code_challenge_method=S256"),
        "{url}"
    );
    assert_eq!(
        run["token_request"]["form"]["redirect_uri"],
        format!("http://127.0.0.1:{port}/callback")
    );
    let body: Value =
        serde_json::from_str(run["token_response"]["body"].as_str().unwrap()).unwrap();
    assert!(body["access_token"].is_string(), "{context}");
}
