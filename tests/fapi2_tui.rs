//! The FAPI 2.0 flow in the workbench: the real event loop on a `TestBackend`, fed keys,
//! runs tests/fixtures/fapi2/profile.toml against oidc-provider (client `tb-fapi`:
//! private_key_jwt, PAR, DPoP, its FAPI 2.0 mode; tests/oidc/server.mjs) with the fake
//! browser (tests/oidc/browser.mjs) signing in. The Tokens pane shows the DPoP binding and
//! the ID token's verdict; the Flow pane the push and the FAPI 2.0 checklist.
//!
//! Needs Node.js and `npm ci --prefix tests/oidc`.

mod common;

use std::path::Path;

use common::tui_driver::{Driver, DriverOptions};
use crossterm::event::{KeyCode, KeyModifiers};
use tokenbench::flow::{system_now, BrowserMode};
use tokenbench::profile::document::ProfileDocument;
use tokenbench::tui::keymap::Pane;
use tokenbench::tui::{App, Mode};

/// The fixture profile for `issuer` with a free callback port, the client key's path, a DPoP
/// key of its own in `dir` (not the user's data directory) and no token cache.
fn write_profile(issuer: &str, dir: &Path) -> (std::path::PathBuf, String) {
    let template =
        std::fs::read_to_string(common::manifest_dir().join("tests/fixtures/fapi2/profile.toml"))
            .unwrap();
    let callback = format!("http://127.0.0.1:{}/callback", common::free_port());
    let key = common::manifest_dir().join("tests/fixtures/keyauth/client-es256.pem");
    let dpop_key = dir.join("dpop.pem");
    let out = assert_cmd::Command::cargo_bin("tokenbench")
        .unwrap()
        .args(["keygen", "--alg", "ES256", "--out"])
        .arg(&dpop_key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = template
        .replace("http://127.0.0.1:ISSUER_PORT", issuer)
        .replace("http://127.0.0.1:0/callback", &callback)
        .replace(
            "\"client-es256.pem\"",
            &common::toml_string(&key.display().to_string()),
        )
        .replace(
            "cache_tokens = true",
            &format!(
                "cache_tokens = false\ndpop_key = {}",
                common::toml_string(&dpop_key.display().to_string())
            ),
        );
    let path = dir.join("fapi.toml");
    std::fs::write(&path, text).unwrap();
    (path, callback)
}

#[tokio::test]
async fn a_fapi2_run_in_the_workbench_shows_every_item_verified() {
    common::require_node_modules();
    let idp = common::Provider::start_with_env(&[("TB_OIDC_FAPI_ALGS", "1")]);
    let dir = tempfile::tempdir().unwrap();
    let (path, callback) = write_profile(&idp.issuer, dir.path());
    let doc = ProfileDocument::open(&path).unwrap();
    let raw = doc.raw().clone();
    let mut app = App::new(Mode::Normal, system_now());
    app.load(doc, raw);

    // The pushed request's URL has no redirect_uri: the fake browser is told where to go
    // (through `env`, so that this process's environment stays as it is).
    let browser = BrowserMode::System {
        browser_env: Some(format!(
            "env TB_BROWSER_MODE=approve TB_BROWSER_REDIRECT_URI={callback} {}",
            common::browser_command()
        )),
        quiet: true,
    };
    let mut tb = Driver::start(
        app,
        DriverOptions::new(browser, vec![dir.path().to_owned()], (160, 60)),
    );

    tb.wait_for_secs("Callback URL", 10).await;
    tb.ctrl('r');
    // The Tokens pane: the DPoP binding checks and the ID token's verdict.
    let tokens = tb
        .wait_for_secs("DPoP: bound to this client's key", 60)
        .await;
    let ctx = format!("{tokens}\n--- idp\n{}", idp.log());
    assert!(tokens.contains("Token type    DPoP"), "{ctx}");
    assert!(tokens.contains("✓ token_type"), "{ctx}");
    // oidc-provider's access tokens are opaque: cnf.jkt is for introspection.
    assert!(tokens.contains("- cnf.jkt"), "{ctx}");
    assert!(
        tokens.contains("ID token verified: signature and claims checked"),
        "{ctx}"
    );
    assert!(tokens.contains("Refresh token present"), "{ctx}");

    // The Flow pane: the push, and the FAPI 2.0 checklist with every item ✓ but TLS (a
    // loopback http IdP) and the request object (not required), which are skipped.
    tb.key_with(KeyCode::BackTab, KeyModifiers::SHIFT);
    let flow = tb.wait_for_secs("FAPI 2.0 checks", 10).await;
    let ctx = format!("{flow}\n--- idp\n{}", idp.log());
    assert!(!flow.contains('✗'), "{ctx}");
    for check in [
        "discovery",
        "response_type",
        "pkce",
        "par",
        "iss_parameter",
        "sender_constrained",
        "client_authentication",
        "assertion_aud",
        "id_token_alg",
        "id_token_verified",
    ] {
        assert!(flow.contains(&format!("✓ {check} ")), "{check}: {ctx}");
    }
    assert!(flow.contains("– tls "), "{ctx}");
    assert!(flow.contains("– request_object "), "{ctx}");

    let app = tb.finish().await;
    assert!(app.quit);
    assert_eq!(app.focus, Pane::Flow);
    // The steps of the run, as the Flow pane lists them (it may be scrolled past them).
    let steps: Vec<&str> = app.flow.steps.iter().map(|s| s.text.as_str()).collect();
    let all = steps.join("\n");
    assert!(
        all.contains(
            "authorization request pushed: request_uri urn:ietf:params:oauth:request_uri:"
        ),
        "{all}"
    );
    assert!(all.contains("FAPI 2.0: "), "{all}");
    let url = app.flow.auth_url.as_deref().unwrap();
    let names: Vec<String> = url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, _)| k.into_owned())
        .collect();
    assert_eq!(names, ["client_id", "request_uri"], "{url}");
}
