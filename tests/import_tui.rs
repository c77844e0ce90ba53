//! `I` in the Profiles pane: the path prompt, the import, the report popup. Driven with
//! synthetic keys through the real event loop, and drawn for snapshots.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tokenbench::flow::{system_now, BrowserMode};
use tokenbench::interop::disk::{import, Options};
use tokenbench::net::http::HttpLimits;
use tokenbench::tui::app::{NamePurpose, Overlay};
use tokenbench::tui::event::{Effect, Event, StoreOp};
use tokenbench::tui::runner::{buffer_text, run, Services};
use tokenbench::tui::views;
use tokenbench::tui::{App, Mode};
use tokio::sync::{mpsc, watch};

const NOW: i64 = 1_795_999_218;

fn key(c: KeyCode) -> Event {
    Event::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn draw(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    app.size = (w, h);
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| views::draw(app, f)).unwrap();
    terminal
}

#[test]
fn capital_i_asks_for_a_path_and_enter_imports_it() {
    let mut app = App::new(Mode::Normal, NOW);
    app.theme.color = false;
    let effects = app.update(key(KeyCode::Char('I')), NOW);
    assert!(effects.is_empty());
    assert!(matches!(
        app.overlay,
        Some(Overlay::NamePrompt {
            purpose: NamePurpose::Import,
            ..
        })
    ));
    // Printable keys are text at the prompt ('q' does not quit, '/' is typed).
    for c in "~/q/c.json".chars() {
        app.update(key(KeyCode::Char(c)), NOW);
    }
    insta::assert_snapshot!("import_prompt", draw(&mut app, 80, 24).backend());
    let effects = app.update(key(KeyCode::Enter), NOW);
    match effects.as_slice() {
        [Effect::Store(StoreOp::Import { path })] => {
            assert!(
                path.ends_with("q/c.json") && !path.starts_with("~"),
                "{path:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    // An empty path keeps the prompt open.
    app.update(key(KeyCode::Char('I')), NOW);
    assert!(app.update(key(KeyCode::Enter), NOW).is_empty());
    assert!(app.overlay.is_some());
}

#[test]
fn the_report_popup() {
    // A dry run into a relative directory: the report names no machine path.
    let report = import(
        &["tests/fixtures/import/postman/acme-v2.1.json".into()],
        &Options {
            into: Some("profiles".into()),
            dry_run: true,
            ..Options::default()
        },
    )
    .unwrap();
    let mut app = App::new(Mode::Normal, NOW);
    app.theme.color = false;
    app.overlay = Some(Overlay::Report {
        title: " Import ".into(),
        text: report.text(),
        scroll: 0,
    });
    insta::assert_snapshot!("import_report", draw(&mut app, 100, 40).backend());
    // The report scrolls, and Esc closes it.
    app.update(key(KeyCode::Down), NOW);
    assert!(matches!(
        app.overlay,
        Some(Overlay::Report { scroll: 1, .. })
    ));
    app.update(key(KeyCode::Esc), NOW);
    assert!(app.overlay.is_none());
}

#[tokio::test]
async fn importing_through_the_event_loop_writes_the_profile_and_shows_the_report() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("profiles");
    let (keys, rx) = mpsc::unbounded_channel();
    let (screen_tx, mut screen) = watch::channel(String::new());
    let services = Services {
        browser: BrowserMode::Follow,
        http: HttpLimits::default(),
        clock: system_now,
        dirs: vec![dir.clone()],
        clipboard: Box::new(|_: &str| Ok(())),
        observe: Some(Box::new(move |buffer| {
            let _ = screen_tx.send(buffer_text(buffer));
        })),
        tick: Duration::from_millis(200),
    };
    let input =
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (e, rx)) });
    let task = tokio::spawn(async move {
        let mut terminal = Terminal::new(TestBackend::new(100, 40)).unwrap();
        let mut app = App::new(Mode::Normal, system_now());
        run(&mut terminal, &mut app, Box::pin(input), services)
            .await
            .unwrap();
        app
    });
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/bruno/orders");
    keys.send(key(KeyCode::Char('I'))).unwrap();
    for c in fixture.display().to_string().chars() {
        keys.send(key(KeyCode::Char(c))).unwrap();
    }
    keys.send(key(KeyCode::Enter)).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let shown = loop {
        let s = screen.borrow_and_update().clone();
        if s.contains("profile orders-api ") {
            break s;
        }
        if tokio::time::timeout_at(deadline, screen.changed())
            .await
            .is_err()
        {
            panic!("the report never showed; the screen:\n{s}");
        }
    };
    assert!(shown.contains("mapped: callback_url"), "{shown}");
    assert!(dir.join("orders-api.toml").is_file());
    assert!(dir
        .join("orders-api-payments-pay-service-account.toml")
        .is_file());
    keys.send(key(KeyCode::Esc)).unwrap();
    keys.send(Event::Key(KeyEvent::new(
        KeyCode::Char('q'),
        KeyModifiers::CONTROL,
    )))
    .unwrap();
    let app = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .unwrap()
        .unwrap();
    assert!(app.overlay.is_none());
    // The new profiles are in the list.
    assert!(
        app.profiles.iter().any(|p| p.name == "orders-api"),
        "{:?}",
        app.profiles
    );
}
