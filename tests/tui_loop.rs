//! The real event loop driven by synthetic keys on a `TestBackend`: full runs against the
//! embedded IdP and against oidc-provider, asserting on what the screen shows.

mod common;

use std::time::Duration;

use common::tui_driver::{auto_idp, demo_app, Driver, DriverOptions};
use crossterm::event::{KeyCode, KeyModifiers};
use tokenbench::flow::{system_now, BrowserMode};
use tokenbench::idp::{IdpConfig, IdpServer};
use tokenbench::profile::document::ProfileDocument;
use tokenbench::tui::event::Event;
use tokenbench::tui::{App, Mode};

/// A workbench with `raw` open as the (not yet saved) file `file`.
fn app_for(raw: tokenbench::profile::RawProfile, file: &std::path::Path, mode: Mode) -> App {
    let mut app = App::new(mode, system_now());
    app.load(ProfileDocument::new_file(file), raw);
    app
}

/// A profile whose IdP is not there: a run listens on `port` and waits.
fn waiting_profile(port: u16) -> tokenbench::profile::RawProfile {
    let mut raw = tokenbench::cli::demo_raw("http://127.0.0.1:9").unwrap();
    raw.callback_url = Some(format!("http://127.0.0.1:{port}/callback"));
    raw
}

/// The demo profile for `idp`, open in a workbench whose browser follows redirects.
fn demo_harness(idp: &IdpServer, dir: &std::path::Path, size: (u16, u16)) -> Driver {
    Driver::start(
        demo_app(idp.issuer(), dir),
        DriverOptions::new(BrowserMode::Follow, vec![dir.to_owned()], size),
    )
}

#[tokio::test]
async fn ctrl_r_against_the_embedded_idp_shows_the_decoded_tokens() {
    let idp = auto_idp().await;
    let dir = tempfile::tempdir().unwrap();
    let mut h = demo_harness(&idp, dir.path(), (100, 40));
    h.wait_for_secs("Callback URL", 5).await;
    // How fast is for the benchmarks (BENCHMARKS.md), not for a timed test.
    h.ctrl('r');
    let screen = h.wait_for_secs("ID token claims", 10).await;
    assert!(screen.contains("\"sub\": \"demo-user\""), "{screen}");
    assert!(screen.contains("Access token claims"), "{screen}");
    // Each token pane is one key away.
    h.key(KeyCode::Right);
    h.wait_for_secs("typ\": \"at+jwt", 5).await;
    h.key(KeyCode::Right);
    h.wait_for_secs("\"nonce\"", 5).await;
    h.key(KeyCode::Char('c'));
    h.wait_for_secs("copied the ID token", 5).await;
    assert_eq!(h.copied().len(), 1);
    // The flow pane kept the steps.
    h.key_with(KeyCode::BackTab, KeyModifiers::SHIFT);
    let flow = h.wait_for_secs("callback server listening", 5).await;
    assert!(flow.contains("callback received"), "{flow}");
    assert!(flow.contains("✓ tokens received"), "{flow}");
    let app = h.finish().await;
    assert!(app.quit);
}

#[tokio::test]
async fn edit_save_quit_and_the_file_is_as_saved() {
    let idp = auto_idp().await;
    let dir = tempfile::tempdir().unwrap();
    let mut h = demo_harness(&idp, dir.path(), (80, 24));
    h.wait_for_secs("Callback URL", 5).await;
    // Scope is the 9th row: move down from Callback URL and type.
    for _ in 0..7 {
        h.key(KeyCode::Down);
    }
    h.key(KeyCode::End);
    h.text(" extra");
    h.wait_for_secs("● modified", 5).await;
    // Quitting with changes asks first; cancel, then save.
    h.ctrl('q');
    h.wait_for_secs("has unsaved changes", 5).await;
    h.key(KeyCode::Esc);
    h.ctrl('s');
    h.wait_for_secs(" saved /", 5).await;
    let app = h.finish().await;
    assert!(app.quit);
    let saved = std::fs::read_to_string(dir.path().join("demo.toml")).unwrap();
    assert!(saved.contains("offline_access extra"), "{saved}");
    let reopened = ProfileDocument::open(&dir.path().join("demo.toml")).unwrap();
    assert_eq!(
        reopened.raw().scope.as_deref(),
        Some("openid profile email offline_access extra")
    );
}

#[tokio::test]
async fn invalid_input_is_marked_inline_and_blocks_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = Driver::start(
        demo_app("http://127.0.0.1:9", dir.path()),
        DriverOptions::new(BrowserMode::Follow, vec![dir.path().to_owned()], (100, 30)),
    );
    h.wait_for_secs("Callback URL", 5).await;
    // Code Verifier is the 8th row.
    for _ in 0..6 {
        h.key(KeyCode::Down);
    }
    h.text("abc+");
    h.wait_for_secs("code verifier contains '+'", 5).await;
    h.ctrl('r');
    h.wait_for_secs("cannot run", 5).await;
    let app = h.quit_discarding().await;
    assert!(!app.flow_running());
}

#[tokio::test]
async fn esc_cancels_a_waiting_flow_and_frees_the_port() {
    let dir = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let raw = waiting_profile(port);
    let app = app_for(raw, &dir.path().join("x.toml"), Mode::Normal);
    let mut h = Driver::start(
        app,
        DriverOptions::new(
            BrowserMode::PrintOnly,
            vec![dir.path().to_owned()],
            (80, 24),
        ),
    );
    h.wait_for_secs("Callback URL", 5).await;
    h.ctrl('r');
    h.wait_for_secs(&format!("listening on 127.0.0.1:{port}"), 5)
        .await;
    h.wait_for_secs("waiting for the callback", 5).await;
    h.key(KeyCode::Esc);
    h.wait_for_secs("cancelled", 5).await;
    // The server closes after the screen says so: wait for the port, with a deadline.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the port is free again"
        );
        tokio::time::sleep(Duration::from_millis(10)).await; // a poll interval, not a guess
    }
    h.quit_discarding().await;
}

#[tokio::test]
async fn full_run_against_oidc_provider() {
    common::require_node_modules();
    let provider = common::Provider::start();
    let dir = tempfile::tempdir().unwrap();
    let path = common::Profile::public(&provider).write(dir.path());
    let doc = ProfileDocument::open(&path).unwrap();
    let mut app = App::new(Mode::Normal, system_now());
    let raw = doc.raw().clone();
    app.load(doc, raw);
    let browser = BrowserMode::System {
        browser_env: Some(common::browser_command()),
        quiet: true,
    };
    let mut h = Driver::start(
        app,
        DriverOptions::new(browser, vec![dir.path().to_owned()], (120, 40)),
    );
    h.wait_for_secs("Callback URL", 5).await;
    h.ctrl('r');
    let screen = h.wait_for_secs("ID token claims", 30).await;
    assert!(screen.contains("\"sub\": \"alice\""), "{screen}");
    assert!(screen.contains("Refresh token present"), "{screen}");
    h.finish().await;
}

impl Driver {
    /// Quits, discarding unsaved edits if asked.
    async fn quit_discarding(self) -> App {
        self.ctrl('q');
        self.key(KeyCode::Char('d'));
        self.ended().await.unwrap()
    }
}

fn profile_app(dir: &std::path::Path) -> App {
    let mut app = App::new(Mode::Normal, system_now());
    app.profiles = tokenbench::profile::catalog::list(&[dir.to_owned()]);
    app
}

#[tokio::test]
async fn profiles_new_duplicate_rename_delete() {
    let dir = tempfile::tempdir().unwrap();
    let dirs = vec![dir.path().to_owned()];
    let mut h = Driver::start(
        profile_app(dir.path()),
        DriverOptions::new(BrowserMode::PrintOnly, dirs, (100, 30)),
    );
    h.wait_for_secs("No profiles yet", 5).await;
    h.text("n");
    h.wait_for_secs("Name of the new profile", 5).await;
    h.text("okta");
    h.key(KeyCode::Enter);
    // The new profile opens in the form.
    h.wait_for_secs("Form — okta", 5).await;
    assert!(dir.path().join("okta.toml").is_file());
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.wait_for_secs("● open", 5).await;
    h.text("d");
    h.wait_for_secs("Name of the copy", 5).await;
    h.key(KeyCode::Enter);
    h.wait_for_secs("│  okta-copy", 5).await;
    // A bad name is refused with the reason, and the prompt stays.
    h.key(KeyCode::Down);
    h.text("r");
    h.wait_for_secs("New name", 5).await;
    h.text("/x");
    h.key(KeyCode::Enter);
    h.wait_for_secs("/", 5).await;
    h.key(KeyCode::Esc);
    h.wait_until("the prompt closed", |s| !s.contains("New name"), 5)
        .await;
    h.text("x");
    h.wait_for_secs("okta-copy.toml?", 5).await;
    h.text("y");
    let screen = h.wait_for_secs("deleted", 5).await;
    assert!(
        !dir.path().join("okta-copy.toml").exists(),
        "{screen}\n{:?}",
        std::fs::read_dir(dir.path()).unwrap().collect::<Vec<_>>()
    );
    assert!(dir.path().join("okta.toml").exists());
    h.quit_discarding().await;
}

#[tokio::test]
async fn pasted_redirect_url_for_a_non_loopback_callback() {
    let idp = IdpServer::start(IdpConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut raw = tokenbench::cli::demo_raw(idp.issuer()).unwrap();
    raw.callback_url = Some("https://app.example.com/callback".into());
    raw.state = Some("fixed-state".into());
    raw.issuer = None;
    let app = app_for(raw, &dir.path().join("remote.toml"), Mode::Normal);
    let mut h = Driver::start(
        app,
        DriverOptions::new(
            BrowserMode::PrintOnly,
            vec![dir.path().to_owned()],
            (100, 30),
        ),
    );
    h.wait_for_secs("Callback URL", 5).await;
    h.ctrl('r');
    h.wait_for_secs("Paste the redirected URL", 5).await;
    h.send(Event::Paste(
        "https://app.example.com/callback?code=forged&state=fixed-state".into(),
    ));
    h.key(KeyCode::Enter);
    // The code is not one the IdP issued: the token endpoint says so, after a real exchange.
    let screen = h.wait_for_secs("invalid_grant", 10).await;
    assert!(screen.contains("callback received"), "{screen}");
    assert_eq!(idp.token_requests(), 1);
    h.quit_discarding().await;
}

#[tokio::test]
async fn the_ui_stays_live_while_the_flow_waits() {
    let dir = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let raw = waiting_profile(port);
    let app = app_for(raw, &dir.path().join("x.toml"), Mode::Normal);
    let mut h = Driver::start(
        app,
        DriverOptions::new(
            BrowserMode::PrintOnly,
            vec![dir.path().to_owned()],
            (100, 30),
        ),
    );
    h.wait_for_secs("Callback URL", 5).await;
    h.ctrl('r');
    h.wait_for_secs("waiting for the callback", 5).await;
    // Back to the form and type while the flow waits.
    h.key_with(KeyCode::BackTab, KeyModifiers::SHIFT);
    h.wait_for_secs("Form — ", 5).await;
    h.key(KeyCode::Down);
    h.key(KeyCode::Down);
    h.key(KeyCode::End);
    h.text("?x=1");
    let screen = h.wait_for_secs("token?x=1", 5).await;
    assert!(screen.contains("waiting for the callback"), "{screen}");
    // A click on the Tokens tab focuses it.
    h.send(Event::Mouse(crossterm::event::MouseEvent {
        kind: crossterm::event::MouseEventKind::Down(crossterm::event::MouseButton::Left),
        column: 40,
        row: 0,
        modifiers: KeyModifiers::NONE,
    }));
    h.wait_for_secs("No tokens yet", 5).await;
    h.quit_discarding().await;
}

#[tokio::test]
async fn after_a_run_the_generated_state_is_shown_in_the_form() {
    let idp = auto_idp().await;
    let dir = tempfile::tempdir().unwrap();
    let mut h = demo_harness(&idp, dir.path(), (100, 40));
    h.wait_for_secs("Callback URL", 5).await;
    h.ctrl('r');
    h.wait_for_secs("ID token claims", 10).await;
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    let form = h.wait_for_secs("last run used:", 5).await;
    assert!(
        form.contains("(F2 reveals)"),
        "the verifier stays hidden:\n{form}"
    );
    h.key(KeyCode::F(2));
    let revealed = h
        .wait_until("the verifier revealed", |s| !s.contains("(F2 reveals)"), 5)
        .await;
    assert_eq!(revealed.matches("last run used:").count(), 2, "{revealed}");
    h.finish().await;
}

#[tokio::test]
async fn ctrl_d_checks_the_redirect_uri_with_the_idp() {
    let idp = auto_idp().await;
    let dir = tempfile::tempdir().unwrap();
    let mut raw = tokenbench::cli::demo_raw(idp.issuer()).unwrap();
    raw.callback_url = Some("http://127.0.0.1:0/cb".into());
    let app = app_for(raw, &dir.path().join("demo.toml"), Mode::Demo);
    let mut h = Driver::start(
        app,
        DriverOptions::new(BrowserMode::Follow, vec![dir.path().to_owned()], (120, 50)),
    );
    h.wait_for_secs("Callback URL", 5).await;
    h.ctrl('d');
    let screen = h.wait_for_secs("Redirect check", 10).await;
    assert!(screen.contains("rejected"), "{screen}");
    assert!(screen.contains("fix:"), "{screen}");
    assert_eq!(idp.token_requests(), 0);
    h.quit_discarding().await;
}

#[tokio::test]
async fn follow_up_calls_refresh_and_userinfo_from_the_token_pane() {
    let idp = auto_idp().await;
    let dir = tempfile::tempdir().unwrap();
    let mut h = demo_harness(&idp, dir.path(), (110, 45));
    h.wait_for_secs("Callback URL", 5).await;
    h.ctrl('r');
    h.wait_for_secs("ID token claims", 10).await;
    h.text("f");
    let screen = h.wait_for_secs("refresh → ", 10).await;
    assert!(screen.contains("HTTP 200"), "{screen}");
    assert!(
        screen.contains("\"refresh_token\": \"rotated\"") || screen.contains("rotated"),
        "{screen}"
    );
    h.text("u");
    let screen = h.wait_for_secs("userinfo → ", 10).await;
    assert!(screen.contains("demo-user"), "{screen}");
    h.text("a");
    h.wait_for_secs("copied the Authorization header", 5).await;
    h.text("C");
    h.wait_for_secs("copied a curl command", 5).await;
    let copied = h.copied().clone();
    assert!(
        copied[0].starts_with("Authorization: Bearer ey"),
        "{copied:?}"
    );
    assert!(
        copied[1].starts_with("curl -H 'Authorization: Bearer ey")
            && copied[1].contains("/userinfo'"),
        "{copied:?}"
    );
    h.finish().await;
}

#[tokio::test]
async fn ctrl_o_discovers_and_fills_empty_endpoints_then_the_run_uses_them() {
    let idp = auto_idp().await;
    let dir = tempfile::tempdir().unwrap();
    let mut raw = tokenbench::cli::demo_raw(idp.issuer()).unwrap();
    raw.auth_url = None;
    raw.token_url = None;
    let app = app_for(raw, &dir.path().join("demo.toml"), Mode::Demo);
    let mut h = Driver::start(
        app,
        DriverOptions::new(BrowserMode::Follow, vec![dir.path().to_owned()], (110, 45)),
    );
    let form = h.wait_for_secs("Callback URL", 5).await;
    assert!(
        form.contains("taken from the issuer's discovery document"),
        "{form}"
    );
    h.ctrl('o');
    let screen = h.wait_for_secs("Discovery (Ctrl+O", 10).await;
    assert!(
        screen.contains("filled Auth URL and Access Token URL"),
        "{screen}"
    );
    assert!(screen.contains("authorization_endpoint"), "{screen}");
    h.ctrl('r');
    let screen = h.wait_for_secs("ID token verified", 10).await;
    assert!(screen.contains("Token type"), "{screen}");
    h.quit_discarding().await;
}

/// The demo profile with its scope edited: the form has unsaved changes.
async fn edited_scope(h: &mut Driver) {
    h.wait_for_secs("Callback URL", 5).await;
    // Scope is the 9th row: move down from Callback URL and type.
    for _ in 0..7 {
        h.key(KeyCode::Down);
    }
    h.key(KeyCode::End);
    h.text(" extra");
    h.wait_for_secs("● modified", 5).await;
}

#[tokio::test]
async fn quit_with_unsaved_changes_then_s_saves_and_quits() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = Driver::start(
        demo_app("http://127.0.0.1:9", dir.path()),
        DriverOptions::new(
            BrowserMode::PrintOnly,
            vec![dir.path().to_owned()],
            (80, 24),
        ),
    );
    edited_scope(&mut h).await;
    h.ctrl('q');
    h.wait_for_secs("has unsaved changes", 5).await;
    h.text("s");
    // The loop ends by itself: no second Ctrl+Q is sent.
    let app = h.ended().await.expect("saving from the quit dialog quits");
    assert!(app.quit);
    assert!(!app.modified());
    let saved = ProfileDocument::open(&dir.path().join("demo.toml")).unwrap();
    assert_eq!(
        saved.raw().scope.as_deref(),
        Some("openid profile email offline_access extra")
    );
}

#[tokio::test]
async fn open_another_with_unsaved_changes_then_s_saves_and_opens_it() {
    let dir = tempfile::tempdir().unwrap();
    let profile = |issuer: &str| {
        format!(
            "issuer = \"{issuer}\"\ncallback_url = \"http://127.0.0.1:8765/callback\"\n\
             auth_url = \"{issuer}/authorize\"\ntoken_url = \"{issuer}/token\"\n\
             client_id = \"c\"\nscope = \"openid profile email offline_access\"\n"
        )
    };
    std::fs::write(dir.path().join("alpha.toml"), profile("http://127.0.0.1:9")).unwrap();
    std::fs::write(dir.path().join("beta.toml"), profile("http://127.0.0.1:19")).unwrap();
    let mut app = profile_app(dir.path());
    let doc = ProfileDocument::open(&dir.path().join("alpha.toml")).unwrap();
    let raw = doc.raw().clone();
    app.load(doc, raw);
    let mut h = Driver::start(
        app,
        DriverOptions::new(
            BrowserMode::PrintOnly,
            vec![dir.path().to_owned()],
            (100, 30),
        ),
    );
    h.wait_for_secs("Form — alpha", 5).await;
    edited_scope(&mut h).await;
    // To the profile list (Form → Flow → Tokens → Profiles), then beta.
    for _ in 0..3 {
        h.key(KeyCode::Tab);
    }
    h.wait_for_secs("│  beta", 5).await;
    h.key(KeyCode::Down);
    h.key(KeyCode::Enter);
    h.wait_for_secs("has unsaved changes", 5).await;
    h.text("s");
    let screen = h.wait_for_secs("Form — beta", 5).await;
    assert!(!screen.contains("● modified"), "{screen}");
    let saved = ProfileDocument::open(&dir.path().join("alpha.toml")).unwrap();
    assert_eq!(
        saved.raw().scope.as_deref(),
        Some("openid profile email offline_access extra")
    );
    // Keys now go to beta's form, which has nothing to save: one Ctrl+Q quits.
    let app = h.finish().await;
    assert!(app.quit);
    assert!(app.doc.unwrap().path().ends_with("beta.toml"));
}

/// `$BROWSER` as a script that records each URL it is asked to open.
fn recording_browser(dir: &std::path::Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    let script = dir.join("browser.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\nprintf '%s\\n' \"$1\" >> \"$(dirname \"$0\")/opened\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script.display().to_string()
}

#[tokio::test]
async fn ctrl_r_with_the_idp_down_fails_at_once_without_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    // Bound but not listening: refused, and the port stays ours.
    let held = tokio::net::TcpSocket::new_v4().unwrap();
    held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = held.local_addr().unwrap().port();
    let raw = tokenbench::cli::demo_raw(&format!("http://127.0.0.1:{port}")).unwrap();
    let app = app_for(raw, &dir.path().join("down.toml"), Mode::Normal);
    let browser = BrowserMode::System {
        browser_env: Some(recording_browser(dir.path())),
        quiet: true,
    };
    // Wide enough for the whole message on one line of the Flow pane.
    let mut h = Driver::start(
        app,
        DriverOptions::new(browser, vec![dir.path().to_owned()], (320, 40)),
    );
    h.wait_for_secs("Callback URL", 5).await;
    h.ctrl('r');
    let screen = h
        .wait_for_secs(&format!("nothing listens on 127.0.0.1:{port}"), 10)
        .await;
    let url = format!("http://127.0.0.1:{port}/authorize");
    assert!(
        screen.contains(&format!("✗ cannot reach the authorization endpoint {url}")),
        "{screen}"
    );
    assert!(screen.contains("is the IdP running?"), "{screen}");
    assert!(!screen.contains("waiting for the callback"), "{screen}");
    assert!(!screen.contains("callback server listening"), "{screen}");
    let app = h.finish().await;
    assert!(!app.flow_running());
    assert!(
        !dir.path().join("opened").exists(),
        "the browser was opened"
    );
}

/// Every file under `dir` with its bytes, to compare before and after.
fn snapshot(dir: &std::path::Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(snapshot(&path));
        } else {
            files.insert(path.clone(), std::fs::read(&path).unwrap());
        }
    }
    files
}

#[tokio::test]
async fn demo_save_writes_the_state_dir_never_the_repositorys_profiles() {
    let repo = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let profiles = repo.path().join("profiles");
    std::fs::create_dir(&profiles).unwrap();
    for entry in std::fs::read_dir(common::manifest_dir().join("profiles")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, profiles.join(path.file_name().unwrap())).unwrap();
    }
    let before = snapshot(repo.path());
    // Port 9400 "busy": the demo runs elsewhere and says so.
    let (held, held_port) = {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let port = socket.local_addr().unwrap().port();
        (socket.listen(1).unwrap(), port)
    };
    let (idp, note) = tokenbench::cli::start_demo_idp(held_port).await.unwrap();
    let note = note.expect("a busy port is said");
    assert!(
        note.starts_with(&format!("port {held_port} is busy")),
        "{note}"
    );
    assert!(note.ends_with(&format!(
        "the demo IdP runs on port {} for this session",
        idp.addr().port()
    )));
    let app =
        tokenbench::cli::demo_app(state.path(), idp.issuer(), Some(note), system_now()).unwrap();
    let mut h = Driver::start(
        app,
        DriverOptions::new(BrowserMode::Follow, vec![profiles.clone()], (200, 40)),
    );
    h.wait_for_secs(&format!("port {held_port} is busy"), 5)
        .await;
    h.wait_for_secs("Callback URL", 5).await;
    for _ in 0..7 {
        h.key(KeyCode::Down);
    }
    h.key(KeyCode::End);
    h.text(" extra");
    h.wait_for_secs("● modified", 5).await;
    h.ctrl('s');
    h.wait_for_secs(" saved /", 5).await;
    h.finish().await;
    drop(held);

    assert_eq!(
        snapshot(repo.path()),
        before,
        "the repository's profiles changed"
    );
    let saved = ProfileDocument::open(&state.path().join("demo.toml")).unwrap();
    assert_eq!(
        saved.raw().scope.as_deref(),
        Some("openid profile email offline_access extra")
    );
    assert_eq!(saved.raw().issuer.as_deref(), Some(idp.issuer()));
    let files: Vec<_> = std::fs::read_dir(state.path()).unwrap().collect();
    assert_eq!(files.len(), 1, "only demo.toml in the state dir");

    // The next session, on another port: the saved edit, pointed at the IdP running now.
    let next = auto_idp().await;
    let app = tokenbench::cli::demo_app(state.path(), next.issuer(), None, system_now()).unwrap();
    assert_eq!(app.base.issuer.as_deref(), Some(next.issuer()));
    assert_eq!(
        app.base.token_url.as_deref(),
        Some(format!("{}/token", next.issuer()).as_str())
    );
    assert_eq!(
        app.base.scope.as_deref(),
        Some("openid profile email offline_access extra")
    );
    assert!(!app.modified());
    assert!(
        app.message.is_none(),
        "no busy-port note when the port was free"
    );
    idp.shutdown().await;
    next.shutdown().await;
}
