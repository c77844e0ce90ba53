//! The Grant Type field and the device grant in the workbench: the choices, the fields a
//! grant does not use marked, the Flow pane's user code and QR code (snapshots), and a
//! device run driven by synthetic keys through the real event loop.

mod common;

use std::time::Duration;

use common::tui_driver::{auto_idp, demo_app, Driver, DriverOptions};
use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tokenbench::flow::device::DevicePrompt;
use tokenbench::flow::{BrowserMode, FlowEvent};
use tokenbench::profile::document::ProfileDocument;
use tokenbench::profile::RawProfile;
use tokenbench::tui::app::FlowStatus;
use tokenbench::tui::event::{AppEvent, Event};
use tokenbench::tui::keymap::Pane;
use tokenbench::tui::runner::buffer_text;
use tokenbench::tui::views;
use tokenbench::tui::{App, Mode};

const NOW: i64 = 1_795_999_218; // 2026-11-30 00:40:18 UTC

fn draw(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    app.size = (w, h);
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| views::draw(app, f)).unwrap();
    terminal
}

fn app_with(raw: RawProfile) -> App {
    let mut app = App::new(Mode::Normal, NOW);
    app.theme.color = false;
    app.load(
        ProfileDocument::new_file(std::path::Path::new("profiles/example.toml")),
        raw,
    );
    app
}

fn grant(grant: &str) -> RawProfile {
    RawProfile {
        name: Some("Example IdP".into()),
        issuer: Some("https://idp.example".into()),
        grant_type: Some(grant.into()),
        token_url: Some("https://idp.example/token".into()),
        client_id: Some("my-app".into()),
        scope: Some("openid".into()),
        ..RawProfile::default()
    }
}

#[test]
fn client_credentials_form_marks_the_browser_fields_unused() {
    let mut app = app_with(grant("client_credentials"));
    insta::assert_snapshot!(draw(&mut app, 80, 24).backend());
}

#[test]
fn device_flow_pane_shows_the_code_the_uri_and_the_qr_code() {
    let mut app = app_with(grant("device_code"));
    app.set_focus(Pane::Flow);
    app.flow.status = FlowStatus::Running {
        started: NOW,
        deadline: NOW + 300,
    };
    // RFC 8628 §3.2's example response.
    let events = [
        FlowEvent::DeviceAuthorization(DevicePrompt {
            user_code: "WDJB-MJHT".into(),
            verification_uri: "https://example.com/device".into(),
            verification_uri_complete: Some(
                "https://example.com/device?user_code=WDJB-MJHT".into(),
            ),
            expires_in: 1800,
            interval: 5,
        }),
        FlowEvent::TokenRequestSent {
            url: "https://idp.example/token".into(),
        },
        FlowEvent::DevicePending {
            polls: 1,
            interval: 5,
        },
        FlowEvent::DevicePending {
            polls: 2,
            interval: 5,
        },
    ];
    for e in events {
        app.update(Event::App(Box::new(AppEvent::Flow(e))), NOW + 10);
    }
    let terminal = draw(&mut app, 100, 45);
    let screen = buffer_text(terminal.backend().buffer());
    // One line for the polls, updated in place.
    assert_eq!(
        screen.matches("waiting for approval").count(),
        1,
        "{screen}"
    );
    insta::assert_snapshot!(terminal.backend());
}

/// The demo IdP's device grant from the form: Up to Grant Type, Right to Device, Ctrl+R.
#[tokio::test]
async fn choosing_device_code_and_running_shows_the_code_then_the_tokens() {
    let idp = auto_idp().await;
    let dir = tempfile::tempdir().unwrap();
    let app = demo_app(idp.issuer(), dir.path());

    let mut tb = Driver::start(
        app,
        DriverOptions {
            wait: Duration::from_secs(15),
            ..DriverOptions::new(BrowserMode::Follow, vec![dir.path().to_owned()], (100, 50))
        },
    );
    tb.wait_for("Callback URL").await;
    tb.key(KeyCode::Up);
    tb.key(KeyCode::Right);
    let form = tb.wait_for("[Device]").await;
    assert!(form.contains("unused"), "{form}");
    tb.ctrl('r');
    let flow = tb.wait_for("Sign in on another device").await;
    assert!(flow.contains("enter the code"), "{flow}");
    let tokens = tb.wait_for("ID token claims").await;
    assert!(tokens.contains("\"sub\": \"demo-user\""), "{tokens}");
    // The grant was changed and not saved: quitting asks, and `d` discards.
    tb.ctrl('q');
    tb.wait_for("has unsaved changes").await;
    tb.key(KeyCode::Char('d'));
    let app = tb.ended().await.unwrap();
    assert!(app.quit);
    idp.shutdown().await;
}
