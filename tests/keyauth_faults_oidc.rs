//! Client authentication with keys, the failures: oidc-provider (tests/oidc/server.mjs,
//! client `tb-pkjwt`, whose JWKS holds the public half of
//! tests/fixtures/keyauth/client-es256.pem under the kid `tb-test-es256`) refuses an
//! assertion with a `kid` it does not know and one that has expired, with `invalid_client`
//! (RFC 6749 §5.2): exit 3. The expired one is made through the library with the clock
//! injected 10 minutes in the past, as the CLI always uses the system clock.
//!
//! Needs Node.js and `npm ci --prefix tests/oidc`.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{tokenbench, Profile, Provider};
use serde_json::Value;
use tokenbench::flow::{run_flow, system_now, BrowserMode, FlowIo, FlowOptions};
use tokenbench::oauth::random::OsEntropy;

const PKJWT_ID: &str = "tb-pkjwt";
const PKJWT_KID: &str = "tb-test-es256";

fn key_copy(home: &Path) -> PathBuf {
    let key = home.join("client.pem");
    std::fs::copy(
        common::manifest_dir().join("tests/fixtures/keyauth/client-es256.pem"),
        &key,
    )
    .unwrap();
    key
}

/// The `tb-pkjwt` profile signing with the fixture key under `kid`.
fn write_profile(idp: &Provider, home: &Path, kid: &str) -> PathBuf {
    let key = key_copy(home);
    let extra = format!(
        "client_auth = \"private_key_jwt\"\nclient_key = {}\nclient_key_id = \"{kid}\"\n",
        common::toml_string(&key.display().to_string())
    );
    let path = home.join("profile.toml");
    let p = Profile::new(idp, "pkjwt", PKJWT_ID);
    std::fs::write(&path, format!("{extra}{}", p.to_toml())).unwrap();
    path
}

#[test]
fn a_kid_the_idp_does_not_know_is_refused_as_invalid_client_exit_3() {
    let idp = Provider::start();
    let home = tempfile::tempdir().unwrap();
    let profile = write_profile(&idp, home.path(), "not-a-registered-kid");
    let out = tokenbench(home.path(), &home.path().join("browser.log"))
        .args(["run", "--json", "--timeout", "30", "--profile"])
        .arg(&profile)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let ctx = format!(
        "{stdout}\n--- stderr\n{}\n--- idp\n{}",
        String::from_utf8_lossy(&out.stderr),
        idp.log()
    );
    assert_eq!(out.status.code(), Some(3), "{ctx}");
    let json: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(json["error"]["oauth_error"], "invalid_client", "{ctx}");
    let sent = &json["token_request"]["client_assertion"]["header"];
    assert_eq!(sent["kid"], "not-a-registered-kid", "{ctx}");
}

/// The clock a client that is 10 minutes slow would have.
fn ten_minutes_ago() -> i64 {
    system_now() - 600
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_assertion_is_refused_as_invalid_client_exit_3() {
    let idp = tokio::task::spawn_blocking(Provider::start).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let path = write_profile(&idp, home.path(), PKJWT_KID);
    let profile = tokenbench::profile::load::load_file(&path).unwrap();
    let options = FlowOptions {
        timeout: Duration::from_secs(30),
        browser: BrowserMode::System {
            browser_env: Some(common::browser_command()),
            quiet: true,
        },
        ..FlowOptions::default()
    };
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let no_env = |_: &str| None;
    let io = FlowIo {
        entropy: &mut OsEntropy,
        now: ten_minutes_ago,
        env: &no_env,
        events: tx,
        paste: None,
    };
    let report = run_flow(&profile, &options, io).await;
    let json = report.to_json();
    let ctx = format!("{json:#}\n--- idp\n{}", idp.log());
    assert_eq!(report.exit_code(), 3, "{ctx}");
    assert_eq!(json["error"]["oauth_error"], "invalid_client", "{ctx}");
    let claims = &json["token_request"]["client_assertion"]["claims"];
    let exp = claims["exp"].as_i64().unwrap();
    assert!(exp < system_now() - 400, "the assertion had expired: {ctx}");
}
