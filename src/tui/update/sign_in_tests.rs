//! The sign-in-as-someone-else and logout keys: what they ask the runner to do.

use crate::flow::logout::LogoutReport;
use crate::flow::Resolved;
use crate::oauth::token_response::parse_token_response;
use crate::profile::document::ProfileDocument;
use crate::profile::load::{parse_raw, validate};
use crate::profile::RawProfile;
use crate::tui::app::{App, Mode, Session};
use crate::tui::event::{AppEvent, Effect, Event};
use crate::tui::keymap::Action;

fn open_app() -> App {
    let mut app = App::new(Mode::Normal, 0);
    let raw = RawProfile {
        auth_url: Some("https://idp.example/a".into()),
        token_url: Some("https://idp.example/t".into()),
        client_id: Some("c".into()),
        prompt: Some("consent".into()),
        ..crate::tui::update::new_profile_template()
    };
    app.load(ProfileDocument::new_file("p.toml".as_ref()), raw);
    app
}

fn session() -> Session {
    let f = std::path::Path::new("p.toml");
    let text = "callback_url = \"http://127.0.0.1:0/cb\"\nauth_url = \"https://idp.example/a\"\ntoken_url = \"https://idp.example/t\"\nclient_id = \"c\"\n";
    let profile = validate(f, "p", &parse_raw(f, text).unwrap()).unwrap();
    let body = br#"{"access_token":"at","token_type":"Bearer","refresh_token":"rt"}"#;
    let response = parse_token_response(200, Some("application/json"), body).unwrap();
    let tokens = crate::cache::CachedTokens::new(&profile, "https://idp.example/t", &response, 0);
    Session {
        resolved: Resolved {
            profile,
            metadata: None,
            lint: Vec::new(),
            discovered: Vec::new(),
            warnings: Vec::new(),
        },
        tokens,
    }
}

#[test]
fn someone_else_runs_with_prompt_login_for_this_run_only() {
    let mut app = open_app();
    let effects = app.on_action(Action::RunAsOther);
    let [Effect::StartFlow { raw, .. }] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert_eq!(raw.prompt.as_deref(), Some("login"));
    // The form still says what the profile says.
    assert_eq!(app.edited().prompt.as_deref(), Some("consent"));
}

#[test]
fn logout_needs_a_session_then_forgets_it() {
    let mut app = open_app();
    assert!(app.on_action(Action::Logout).is_empty(), "no session yet");
    app.session = Some(session());
    let effects = app.on_action(Action::Logout);
    assert!(matches!(effects[..], [Effect::Logout(_)]), "{effects:?}");
    assert!(
        app.on_action(Action::Logout).is_empty(),
        "one logout at a time"
    );
    let report = LogoutReport {
        profile: "p".into(),
        ..LogoutReport::default()
    };
    app.update(
        Event::App(Box::new(AppEvent::LoggedOut(Box::new(report)))),
        1,
    );
    assert!(app.session.is_none());
    assert!(app.calling.is_none());
    assert_eq!(app.calls.len(), 1);
}
