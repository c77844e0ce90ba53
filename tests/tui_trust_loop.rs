//! The real event loop, driven by synthetic keys: a profile from a cloned repository asks
//! before its `cmd:` helper runs; yes records trust and the run goes on. In a binary of its
//! own because the trust store is found through XDG_DATA_HOME, set once before anything runs.

mod common;

use std::time::Duration;

use common::tui_driver::{Driver, DriverOptions};
use crossterm::event::KeyCode;
use tokenbench::flow::{system_now, BrowserMode};
use tokenbench::idp::{
    IdpConfig, IdpServer, DEMO_CONFIDENTIAL_CLIENT_ID, DEMO_CONFIDENTIAL_SECRET,
};
use tokenbench::profile::document::ProfileDocument;
use tokenbench::tui::{App, Mode};

#[test]
fn ctrl_r_asks_once_before_a_cloned_profile_runs_its_command() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    // Set before any thread exists: the loop's trust store and config dir live here.
    std::env::set_var("HOME", &home);
    std::env::set_var("XDG_CONFIG_HOME", home.join("config"));
    std::env::set_var("XDG_DATA_HOME", home.join("data"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let idp = IdpServer::start(IdpConfig {
            auto_approve: true,
            ..IdpConfig::default()
        })
        .await
        .unwrap();
        let repo = dir.path().join("repo").join("profiles");
        std::fs::create_dir_all(&repo).unwrap();
        let marker = dir.path().join("the-command-ran");
        let file = repo.join("work.toml");
        let issuer = idp.issuer();
        std::fs::write(
            &file,
            format!(
                "callback_url = \"http://127.0.0.1:0/callback\"\nauth_url = \"{issuer}/authorize\"\n\
                 token_url = \"{issuer}/token\"\nclient_id = \"{DEMO_CONFIDENTIAL_CLIENT_ID}\"\n\
                 scope = \"openid\"\nclient_secret = \"cmd:sh -c 'touch {} && echo {DEMO_CONFIDENTIAL_SECRET}'\"\n",
                marker.display()
            ),
        )
        .unwrap();
        let mut app = App::new(Mode::Normal, system_now());
        let doc = ProfileDocument::open(&file).unwrap();
        let raw = doc.raw().clone();
        app.load(doc, raw);

        let mut tb = Driver::start(
            app,
            DriverOptions {
                wait: Duration::from_secs(30),
                ..DriverOptions::new(BrowserMode::Follow, vec![repo.clone()], (100, 32))
            },
        );

        // The form shows the command itself, not dots.
        tb.wait_for("cmd:sh -c").await;
        tb.ctrl('r');
        let prompt = tb.wait_for("Run a command from this file?").await;
        assert!(prompt.contains("sh -c 'touch"), "{prompt}");
        assert!(prompt.contains("work.toml"), "{prompt}");
        assert!(!marker.exists(), "the command ran before the user said yes");

        tb.key(KeyCode::Char('y'));
        tb.wait_for("tokens received").await;
        assert!(marker.exists(), "the trusted command did not run");
        let store = std::fs::read_to_string(home.join("data/tokenbench/trust.json")).unwrap();
        assert!(store.contains("work.toml"), "{store}");

        // Asked once: a second run goes straight through, running the command again.
        std::fs::remove_file(&marker).unwrap();
        tb.ctrl('r');
        let after = tb
            .wait_until(
                "a second run with its command",
                |s| marker.exists() && s.contains("tokens received"),
                30,
            )
            .await;
        assert!(!after.contains("Run a command from this file?"), "{after}");

        tb.finish().await;
        idp.shutdown().await;
    });
}
