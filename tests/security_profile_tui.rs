//! The FAPI 2.0 checklist in the workbench: drawn on a `TestBackend` (snapshot), and Ctrl+F
//! through the real event loop against the embedded IdP, without a run.

mod common;

use common::tui_driver::{auto_idp, demo_app, Driver, DriverOptions};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde_json::json;
use tokenbench::flow::{BrowserMode, FlowEvent};
use tokenbench::oauth::client_assertion::AssertionAudience;
use tokenbench::oauth::metadata::parse_metadata;
use tokenbench::oauth::pkce::ChallengeMethod;
use tokenbench::oauth::security_profile::{check, ClientSettings, SecurityProfile};
use tokenbench::oauth::token_request::ClientAuth;
use tokenbench::profile::document::ProfileDocument;
use tokenbench::profile::RawProfile;
use tokenbench::tui::app::FlowStatus;
use tokenbench::tui::event::{AppEvent, Event};
use tokenbench::tui::keymap::Pane;
use tokenbench::tui::views;
use tokenbench::tui::{App, Mode};

const NOW: i64 = 1_795_999_218;

#[test]
fn the_checklist_shows_in_the_flow_pane() {
    let doc = json!({
        "issuer": "https://idp.example",
        "authorization_endpoint": "https://idp.example/authorize",
        "token_endpoint": "https://idp.example/token",
        "jwks_uri": "https://idp.example/jwks",
        "authorization_response_iss_parameter_supported": true,
        "id_token_signing_alg_values_supported": ["RS256", "PS256"],
    });
    let metadata = parse_metadata("https://idp.example", doc.to_string().as_bytes()).unwrap();
    let client = ClientSettings {
        authorization_code: true,
        pkce_method: ChallengeMethod::S256,
        client_auth: ClientAuth::Basic,
        assertion_aud: AssertionAudience::Issuer,
        uses_par: false,
        dpop: false,
        signed_request_object: false,
        auth_url: "https://idp.example/authorize".into(),
        token_url: "https://idp.example/token".into(),
        openid: true,
        insecure_tls: false,
    };
    let lint = check(SecurityProfile::Fapi2, &client, Some(&metadata));
    let mut app = App::new(Mode::Normal, NOW);
    app.theme.color = false;
    app.load(
        ProfileDocument::new_file(std::path::Path::new("profiles/example.toml")),
        RawProfile {
            name: Some("Example IdP".into()),
            issuer: Some("https://idp.example".into()),
            client_id: Some("my-app".into()),
            profile: Some("fapi2".into()),
            ..RawProfile::default()
        },
    );
    app.set_focus(Pane::Flow);
    // The event arrives while a run is under way, after discovery.
    app.flow.status = FlowStatus::Running {
        started: NOW,
        deadline: NOW + 300,
    };
    app.update(
        Event::App(Box::new(AppEvent::Flow(FlowEvent::SecurityProfile(lint)))),
        NOW,
    );
    app.size = (140, 40);
    let mut terminal = Terminal::new(TestBackend::new(140, 40)).unwrap();
    terminal.draw(|f| views::draw(&app, f)).unwrap();
    insta::assert_snapshot!(terminal.backend());
}

#[tokio::test]
async fn ctrl_f_checks_the_form_against_fapi2_without_a_run() {
    let idp = auto_idp().await;
    let dir = tempfile::tempdir().unwrap();
    let app = demo_app(idp.issuer(), dir.path());

    let mut tb = Driver::start(
        app,
        DriverOptions::new(
            BrowserMode::PrintOnly,
            vec![dir.path().to_owned()],
            (140, 45),
        ),
    );
    tb.wait_for("Callback URL").await;
    tb.ctrl('f');
    let shown = tb.wait_for("FAPI 2.0 checks").await;
    // The demo client is public, without PAR or DPoP: the list says so, and no run started.
    assert!(shown.contains("client_authentication"), "{shown}");
    assert!(shown.contains("✗ par"), "{shown}");
    let shown = tb.wait_for("FAPI 2.0: ").await;
    assert!(!shown.contains("Token type"), "{shown}");
    let app = tb.finish().await;
    assert!(app.quit);
}
