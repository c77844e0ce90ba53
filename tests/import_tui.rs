//! `I` in the Profiles pane: the path prompt, the import, the report popup. Driven with
//! synthetic keys through the real event loop, and drawn for snapshots.

mod common;

use std::time::Duration;

use common::tui_driver::{Driver, DriverOptions};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tokenbench::flow::{system_now, BrowserMode};
use tokenbench::interop::disk::{import, Options};
use tokenbench::tui::app::{NamePurpose, Overlay};
use tokenbench::tui::event::{Effect, Event, StoreOp};
use tokenbench::tui::views;
use tokenbench::tui::{App, Mode};

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
    let mut tb = Driver::start(
        App::new(Mode::Normal, system_now()),
        DriverOptions {
            wait: Duration::from_secs(20),
            ..DriverOptions::new(BrowserMode::Follow, vec![dir.clone()], (100, 40))
        },
    );
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/bruno/orders");
    tb.key(KeyCode::Char('I'));
    tb.text(&fixture.display().to_string());
    tb.key(KeyCode::Enter);
    let shown = tb.wait_for("profile orders-api ").await;
    assert!(shown.contains("mapped: callback_url"), "{shown}");
    assert!(dir.join("orders-api.toml").is_file());
    assert!(dir
        .join("orders-api-payments-pay-service-account.toml")
        .is_file());
    tb.key(KeyCode::Esc);
    let app = tb.finish().await;
    assert!(app.overlay.is_none());
    // The new profiles are in the list.
    assert!(
        app.profiles.iter().any(|p| p.name == "orders-api"),
        "{:?}",
        app.profiles
    );
}
