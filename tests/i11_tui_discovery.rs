//! The workbench's discovery panel (Ctrl+O): a lint warning carries the warning marker, a
//! note (a public client where `none` is not listed, issue 11) the info marker and "note:",
//! never the warning's "!".

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde_json::json;
use tokenbench::oauth::metadata::parse_metadata;
use tokenbench::profile::document::ProfileDocument;
use tokenbench::profile::RawProfile;
use tokenbench::tui::event::{AppEvent, Event};
use tokenbench::tui::views;
use tokenbench::tui::{App, Mode};

const NOW: i64 = 1_795_999_218; // 2026-11-30 00:40:18 UTC
const ISSUER: &str = "https://idp.example";

fn discovered_app() -> App {
    let mut app = App::new(Mode::Normal, NOW);
    app.theme.color = false;
    let raw = RawProfile {
        issuer: Some(ISSUER.into()),
        callback_url: Some("http://127.0.0.1:8765/callback".into()),
        auth_url: Some(format!("{ISSUER}/authorize")),
        token_url: Some(format!("{ISSUER}/token")),
        client_id: Some("my-app".into()),
        scope: Some("openid".into()),
        ..RawProfile::default()
    };
    app.load(
        ProfileDocument::new_file(std::path::Path::new("profiles/example.toml")),
        raw,
    );
    // A public client, `none` not listed (a note); no RFC 9207 `iss` (a warning).
    let metadata = parse_metadata(
        ISSUER,
        json!({
            "issuer": ISSUER,
            "authorization_endpoint": format!("{ISSUER}/authorize"),
            "token_endpoint": format!("{ISSUER}/token"),
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "scopes_supported": ["openid"],
        })
        .to_string()
        .as_bytes(),
    )
    .unwrap();
    app.update(
        Event::App(Box::new(AppEvent::Discovered(Ok(Box::new(metadata))))),
        NOW,
    );
    app
}

fn draw(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    app.size = (w, h);
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| views::draw(app, f)).unwrap();
    terminal
}

#[test]
fn a_note_is_not_marked_as_a_warning() {
    let app = discovered_app();
    let (_, lines) = app.flow.panel.as_ref().unwrap();
    let note = lines
        .iter()
        .find(|l| l.contains("does not list none"))
        .unwrap();
    assert!(note.starts_with("· note: the client is public"), "{note}");
    let warning = lines
        .iter()
        .find(|l| l.contains("authorization_response_iss_parameter_supported"))
        .unwrap();
    assert!(warning.starts_with("! "), "{warning}");
}

#[test]
fn discovery_panel_with_a_note_and_a_warning() {
    let mut app = discovered_app();
    insta::assert_snapshot!(draw(&mut app, 100, 40).backend());
}
