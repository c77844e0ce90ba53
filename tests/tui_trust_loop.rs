//! The real event loop, driven by synthetic keys: a profile from a cloned repository asks
//! before its `cmd:` helper runs; yes records trust and the run goes on. In a binary of its
//! own because the trust store is found through XDG_DATA_HOME, set once before anything runs.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tokenbench::flow::{system_now, BrowserMode};
use tokenbench::idp::{
    IdpConfig, IdpServer, DEMO_CONFIDENTIAL_CLIENT_ID, DEMO_CONFIDENTIAL_SECRET,
};
use tokenbench::net::http::HttpLimits;
use tokenbench::profile::document::ProfileDocument;
use tokenbench::tui::event::Event;
use tokenbench::tui::runner::{buffer_text, run, Services};
use tokenbench::tui::{App, Mode};
use tokio::sync::{mpsc, watch};

async fn wait_for(screen: &mut watch::Receiver<String>, text: &str) -> String {
    wait_until(screen, text, |s| s.contains(text)).await
}

async fn wait_until(
    screen: &mut watch::Receiver<String>,
    text: &str,
    ok: impl Fn(&str) -> bool,
) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let now = screen.borrow_and_update().clone();
        if ok(&now) {
            return now;
        }
        if tokio::time::timeout_at(deadline, screen.changed())
            .await
            .is_err()
        {
            panic!("the screen never showed {text:?}; it shows:\n{now}");
        }
    }
}

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

        let (keys, rx) = mpsc::unbounded_channel();
        let (screen_tx, mut screen) = watch::channel(String::new());
        let services = Services {
            browser: BrowserMode::Follow,
            http: HttpLimits::default(),
            clock: system_now,
            dirs: vec![repo.clone()],
            clipboard: Box::new(|_: &str| Ok(())),
            observe: Some(Box::new(move |buffer| {
                let _ = screen_tx.send(buffer_text(buffer));
            })),
            tick: Duration::from_millis(200),
        };
        let input =
            futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (e, rx)) });
        let task = tokio::spawn(async move {
            let mut terminal = Terminal::new(TestBackend::new(100, 32)).unwrap();
            run(&mut terminal, &mut app, Box::pin(input), services)
                .await
                .unwrap();
        });
        let key = |code, mods| {
            keys.send(Event::Key(KeyEvent::new(code, mods))).unwrap();
        };

        // The form shows the command itself, not dots.
        wait_for(&mut screen, "cmd:sh -c").await;
        key(KeyCode::Char('r'), KeyModifiers::CONTROL);
        let prompt = wait_for(&mut screen, "Run a command from this file?").await;
        assert!(prompt.contains("sh -c 'touch"), "{prompt}");
        assert!(prompt.contains("work.toml"), "{prompt}");
        assert!(!marker.exists(), "the command ran before the user said yes");

        key(KeyCode::Char('y'), KeyModifiers::NONE);
        wait_for(&mut screen, "tokens received").await;
        assert!(marker.exists(), "the trusted command did not run");
        let store = std::fs::read_to_string(home.join("data/tokenbench/trust.json")).unwrap();
        assert!(store.contains("work.toml"), "{store}");

        // Asked once: a second run goes straight through, running the command again.
        std::fs::remove_file(&marker).unwrap();
        key(KeyCode::Char('r'), KeyModifiers::CONTROL);
        let after = wait_until(&mut screen, "a second run with its command", |s| {
            marker.exists() && s.contains("tokens received")
        })
        .await;
        assert!(!after.contains("Run a command from this file?"), "{after}");

        key(KeyCode::Char('q'), KeyModifiers::CONTROL);
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .unwrap()
            .unwrap();
        idp.shutdown().await;
    });
}
