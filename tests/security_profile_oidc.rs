//! The FAPI 2.0 lint (`profile = "fapi2"`) on a real run against oidc-provider
//! (tests/oidc/server.mjs, client `tb-pkjwt`): `run --json` carries `security_profile`, a
//! failing item does not stop the run, stderr has its one-line summary; without the key
//! there is no lint.
//!
//! Needs Node.js and `npm ci --prefix tests/oidc`.

mod common;

use std::path::Path;

use common::{tokenbench, Profile, Provider};
use serde_json::Value;

fn run(idp: &Provider, home: &Path, extra: &str) -> (Option<i32>, Value, String) {
    let key = home.join("client.pem");
    std::fs::copy(
        common::manifest_dir().join("tests/fixtures/keyauth/client-es256.pem"),
        &key,
    )
    .unwrap();
    let text = format!(
        "client_auth = \"private_key_jwt\"\nclient_key = {}\nclient_key_id = \"tb-test-es256\"\n{extra}{}",
        common::toml_string(&key.display().to_string()),
        Profile::new(idp, "fapi", "tb-pkjwt").to_toml()
    );
    let path = home.join("profile.toml");
    std::fs::write(&path, text).unwrap();
    let out = tokenbench(home, &home.join("browser.log"))
        .args(["run", "--json", "--timeout", "30", "--profile"])
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}\n{}", idp.log()));
    (out.status.code(), json, stderr)
}

fn result<'a>(lint: &'a Value, check: &str) -> &'a str {
    lint["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == check)
        .and_then(|c| c["result"].as_str())
        .unwrap_or_else(|| panic!("no check {check}: {lint:#}"))
}

#[test]
fn a_fapi2_lint_is_reported_and_does_not_stop_the_run() {
    let idp = Provider::start();
    let home = tempfile::tempdir().unwrap();
    let (code, json, stderr) = run(&idp, home.path(), "profile = \"fapi2\"\n");
    let ctx = format!("{json:#}\n--- stderr\n{stderr}\n--- idp\n{}", idp.log());
    assert_eq!(code, Some(0), "a lint never fails the run: {ctx}");
    let lint = &json["security_profile"];
    assert_eq!(lint["profile"], "fapi2", "{ctx}");
    for c in lint["checks"].as_array().unwrap() {
        assert!(c["check"].is_string() && c["detail"].is_string(), "{ctx}");
        assert!(
            ["pass", "fail", "skipped"].contains(&c["result"].as_str().unwrap()),
            "{ctx}"
        );
    }
    assert_eq!(result(lint, "client_authentication"), "pass", "{ctx}");
    assert_eq!(result(lint, "pkce"), "pass", "{ctx}");
    assert_eq!(result(lint, "discovery"), "pass", "{ctx}");
    // oidc-provider on 127.0.0.1 over http: a local test IdP, not a TLS failure.
    assert_eq!(result(lint, "tls"), "skipped", "{ctx}");
    let failed: Vec<&str> = lint["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["result"] == "fail")
        .filter_map(|c| c["check"].as_str())
        .collect();
    if failed.is_empty() {
        assert!(stderr.contains("FAPI 2.0: "), "{ctx}");
    } else {
        let line = format!("FAPI 2.0: {} of ", failed.len());
        assert!(
            stderr.contains(&line) && stderr.contains(&failed.join(", ")),
            "{ctx}"
        );
    }
}

#[test]
fn without_the_key_there_is_no_lint() {
    let idp = Provider::start();
    let home = tempfile::tempdir().unwrap();
    let (code, json, stderr) = run(&idp, home.path(), "");
    assert_eq!(code, Some(0), "{json:#}\n{stderr}");
    assert!(json.get("security_profile").is_none(), "{json:#}");
    assert!(!stderr.contains("FAPI 2.0"), "{stderr}");
}

#[test]
fn lint_checks_a_profile_without_signing_in() {
    let idp = Provider::start();
    let home = tempfile::tempdir().unwrap();
    // No `profile` key: `lint` checks against FAPI 2.0, the one there is.
    let path = home.path().join("plain.toml");
    std::fs::write(&path, Profile::public(&idp).to_toml()).unwrap();
    let out = tokenbench(home.path(), &home.path().join("browser.log"))
        .args(["lint", "--json", "--profile"])
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let ctx = format!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{ctx}");
    let lint: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(lint["profile"], "fapi2", "{ctx}");
    assert_eq!(result(&lint, "client_authentication"), "fail", "{ctx}");
    assert_eq!(result(&lint, "discovery"), "pass", "{ctx}");
    assert!(
        !home.path().join("browser.log").exists(),
        "no browser was started: {ctx}"
    );
}
