//! The Flow pane of a run that pushed its authorization request (RFC 9126) and signed it
//! (RFC 9101): the push with its lifetime, and the request object decoded, escaped.

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde_json::json;
use tokenbench::flow::FlowEvent;
use tokenbench::profile::document::ProfileDocument;
use tokenbench::profile::RawProfile;
use tokenbench::tui::app::FlowStatus;
use tokenbench::tui::event::{AppEvent, Event};
use tokenbench::tui::keymap::Pane;
use tokenbench::tui::views;
use tokenbench::tui::{App, Mode};

const NOW: i64 = 1_795_999_218; // 2026-11-30 00:40:18 UTC

fn app() -> App {
    let mut app = App::new(Mode::Normal, NOW);
    app.theme.color = false;
    app.load(
        ProfileDocument::new_file(std::path::Path::new("profiles/example.toml")),
        RawProfile {
            name: Some("FAPI".into()),
            issuer: Some("https://idp.example".into()),
            callback_url: Some("http://127.0.0.1:8765/callback".into()),
            client_id: Some("my-app".into()),
            par: Some("always".into()),
            request_object: Some("signed".into()),
            ..RawProfile::default()
        },
    );
    app
}

fn screen(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    app.size = (w, h);
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| views::draw(app, f)).unwrap();
    terminal
}

#[test]
fn flow_pane_shows_the_push_and_the_signed_request_object() {
    let mut app = app();
    app.set_focus(Pane::Flow);
    app.flow.status = FlowStatus::Running {
        started: NOW,
        deadline: NOW + 300,
    };
    app.now = NOW + 5;
    let events = [
        FlowEvent::RequestObject {
            header: json!({"alg": "ES256", "typ": "oauth-authz-req+jwt", "kid": "k1"}),
            claims: json!({
                "response_type": "code",
                "client_id": "my-app",
                // Hostile text from a parameter is escaped, not interpreted.
                "state": "s-1\u{1b}[2J",
                "iss": "my-app",
                "aud": "https://idp.example",
                "exp": NOW + 300,
                "nbf": NOW,
            }),
        },
        FlowEvent::Pushed {
            request_uri: "urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c".into(),
            expires_in: 60,
        },
        FlowEvent::AuthorizationUrl(
            "https://idp.example/authorize?client_id=my-app&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A6esc_11ACC5bwc014ltc14eY22c".into(),
        ),
    ];
    for e in events {
        app.update(Event::App(Box::new(AppEvent::Flow(e))), NOW + 5);
    }
    let terminal = screen(&mut app, 100, 40);
    let text: String = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(!text.contains('\u{1b}'));
    assert!(text.contains("typ = oauth-authz-req+jwt"), "{text}");
    assert!(text.contains("expires in 60 s"), "{text}");
    insta::assert_snapshot!(terminal.backend());
}
