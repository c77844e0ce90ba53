//! Every screen of the workbench, drawn on a `TestBackend` and compared with a snapshot.

use base64::Engine as _;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde_json::json;
use tokenbench::flow::FlowEvent;
use tokenbench::oauth::secret::UsedVerifier;
use tokenbench::profile::catalog::{Origin, ProfileEntry};
use tokenbench::profile::document::ProfileDocument;
use tokenbench::profile::RawProfile;
use tokenbench::tui::app::{FlowStatus, Overlay, TokenTab};
use tokenbench::tui::event::{AppEvent, Event};
use tokenbench::tui::keymap::Pane;
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
        raw.clone(),
    );
    app
}

fn filled() -> RawProfile {
    RawProfile {
        name: Some("Example IdP".into()),
        issuer: Some("https://idp.example".into()),
        callback_url: Some("http://127.0.0.1:8765/callback".into()),
        auth_url: Some("https://idp.example/authorize".into()),
        token_url: Some("https://idp.example/token".into()),
        client_id: Some("my-app".into()),
        client_secret: Some("hunter2-very-secret".into()),
        scope: Some("openid offline_access".into()),
        ..RawProfile::default()
    }
}

fn jwt(header: serde_json::Value, claims: serde_json::Value) -> String {
    let e = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    format!("{}.{}.c2lnbmF0dXJl", e(header), e(claims))
}

fn report() -> serde_json::Value {
    let id = jwt(
        json!({"alg": "RS256", "kid": "k1"}),
        json!({"iss": "https://idp.example", "sub": "alice", "aud": "my-app", "exp": NOW + 3600, "iat": NOW, "nonce": "n-123"}),
    );
    let at = jwt(
        json!({"alg": "RS256", "typ": "at+jwt"}),
        json!({"iss": "https://idp.example", "sub": "alice", "scope": "openid offline_access", "exp": NOW + 3600, "iat": NOW}),
    );
    let body = json!({"access_token": at, "token_type": "Bearer", "expires_in": 3600, "scope": "openid offline_access", "id_token": id, "refresh_token": "8xLOxBtZp8"}).to_string();
    let decoded = |t: &str| tokenbench::flow::report::token_json(t, NOW);
    json!({
        "profile": "Example IdP",
        "authorization_request": {"url": "https://idp.example/authorize?response_type=code&client_id=my-app&state=s-1", "params": {"response_type": "code", "client_id": "my-app", "state": "s-1"}},
        "callback": {"params": {"code": "[redacted]", "state": "s-1", "iss": "https://idp.example"}},
        "token_request": {"method": "POST", "url": "https://idp.example/token", "headers": {"accept": "application/json", "authorization": "Basic [redacted]"}, "form": {"grant_type": "authorization_code", "code": "[redacted]", "code_verifier": "[redacted]"}},
        "token_response": {"status": 200, "headers": {"content-type": "application/json", "cache-control": "no-store"}, "body": body, "elapsed_ms": 12},
        "tokens": {"token_type": "Bearer", "expires_in": 3600, "scope": "openid offline_access", "access_token": decoded(&at), "id_token": decoded(&id), "refresh_token": decoded("8xLOxBtZp8")},
        "warnings": []
    })
}

#[test]
fn profile_list() {
    let mut app = App::new(Mode::Normal, NOW);
    app.theme.color = false;
    let entry = |name: &str, label: Option<&str>, error: Option<&str>| ProfileEntry {
        name: name.into(),
        label: label.map(str::to_owned),
        path: format!("profiles/{name}.toml").into(),
        origin: Origin::Local,
        error: error.map(|e| {
            tokenbench::profile::ProfileError::new(std::path::Path::new("x"), Some("auth_url"), e)
        }),
        shadow: None,
    };
    app.profiles = vec![
        entry("auth0", Some("Auth0 (example)"), None),
        entry(
            "broken",
            None,
            Some("\"idp\" is not a valid URL: relative URL without a base"),
        ),
        entry("demo", Some("Demo IdP (embedded)"), None),
    ];
    app.selected_profile = 2;
    insta::assert_snapshot!(draw(&mut app, 80, 24).backend());
}

#[test]
fn empty_form() {
    let mut app = app_with(RawProfile::default());
    insta::assert_snapshot!(draw(&mut app, 80, 24).backend());
}

#[test]
fn filled_form_with_inline_errors() {
    let mut raw = filled();
    raw.callback_url = Some("https://app.example.com/callback".into());
    raw.token_url = Some("idp.example/token".into());
    raw.code_verifier = Some("too-short".into());
    let mut app = app_with(filled());
    app.form = tokenbench::tui::form::Form::from_raw(&raw);
    app.form.selected = 7;
    insta::assert_snapshot!(draw(&mut app, 100, 30).backend());
}

#[test]
fn secret_is_masked_until_revealed() {
    let mut app = app_with(filled());
    let masked = draw(&mut app, 80, 24).backend().to_string();
    assert!(!masked.contains("hunter2"));
    app.reveal = true;
    assert!(draw(&mut app, 80, 24)
        .backend()
        .to_string()
        .contains("hunter2-very-secret"));
    let mut env = filled();
    env.client_secret = Some("env:MY_SECRET".into());
    let mut app = app_with(env);
    assert!(draw(&mut app, 80, 24)
        .backend()
        .to_string()
        .contains("env:MY_SECRET"));
}

#[test]
fn running_flow() {
    let mut app = app_with(filled());
    app.set_focus(Pane::Flow);
    app.flow.status = FlowStatus::Running {
        started: NOW,
        deadline: NOW + 300,
    };
    app.now = NOW + 28;
    let events = [
        FlowEvent::Prepared {
            state: "s-1".into(),
            code_verifier: UsedVerifier::new("v".repeat(43)),
        },
        FlowEvent::Listening {
            addrs: vec!["127.0.0.1:8765".parse().unwrap()],
            redirect_uri: "http://127.0.0.1:8765/callback".into(),
        },
        FlowEvent::AuthorizationUrl(
            "https://idp.example/authorize?response_type=code&client_id=my-app&state=s-1".into(),
        ),
        FlowEvent::Browser(tokenbench::net::browser::BrowserLaunch::Started(
            "xdg-open".into(),
        )),
    ];
    for e in events {
        app.update(Event::App(Box::new(AppEvent::Flow(e))), NOW + 28);
    }
    insta::assert_snapshot!(draw(&mut app, 80, 24).backend());
}

#[test]
fn each_token_pane() {
    for tab in TokenTab::ALL {
        let mut app = app_with(filled());
        app.tokens.report = Some(report());
        app.tokens.received_at = NOW;
        app.tokens.tab = tab;
        app.set_focus(Pane::Tokens);
        let name = format!(
            "token_pane_{}",
            tab.title().to_lowercase().replace(' ', "_")
        );
        insta::assert_snapshot!(name, draw(&mut app, 100, 40).backend());
    }
}

#[test]
fn wide_layout_shows_form_and_tokens() {
    let mut app = app_with(filled());
    app.tokens.report = Some(report());
    app.tokens.received_at = NOW;
    app.set_focus(Pane::Tokens);
    app.left = Pane::Form;
    insta::assert_snapshot!(draw(&mut app, 160, 40).backend());
}

#[test]
fn help_80x24() {
    let mut app = app_with(filled());
    app.overlay = Some(Overlay::Help { scroll: 0 });
    insta::assert_snapshot!(draw(&mut app, 80, 24).backend());
}

#[test]
fn help_120x40() {
    let mut app = app_with(filled());
    app.overlay = Some(Overlay::Help { scroll: 0 });
    insta::assert_snapshot!(draw(&mut app, 120, 40).backend());
}

/// The whole help, as the 80-column overlay wraps it (the screens above show its top).
#[test]
fn help_full_text() {
    let app = app_with(filled());
    let lines = views::keys::help_lines(&app, 70);
    let text: Vec<String> = lines
        .iter()
        .map(|l| {
            let line: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
            assert!(line.chars().count() <= 70, "{line:?}");
            line.trim_end().to_owned()
        })
        .collect();
    insta::assert_snapshot!(text.join("\n"));
}

#[test]
fn unsaved_changes_prompt() {
    let mut app = app_with(filled());
    app.form
        .set_value(tokenbench::tui::form::FieldId::Scope, "openid");
    assert!(app.modified());
    app.overlay = Some(Overlay::Unsaved {
        then: tokenbench::tui::app::Then::Quit,
    });
    insta::assert_snapshot!(draw(&mut app, 80, 24).backend());
}

#[test]
fn small_terminal() {
    let mut app = app_with(filled());
    insta::assert_snapshot!(draw(&mut app, 50, 12).backend());
}

#[test]
fn no_color_draws_without_colours() {
    let mut app = app_with(filled());
    app.tokens.report = Some(report());
    app.set_focus(Pane::Tokens);
    let terminal = draw(&mut app, 100, 30);
    let buffer = terminal.backend().buffer();
    for cell in buffer.content() {
        assert_eq!(
            cell.fg,
            ratatui::style::Color::Reset,
            "a coloured cell under NO_COLOR: {cell:?}"
        );
        assert_eq!(cell.bg, ratatui::style::Color::Reset);
    }
    // With colours on, the focused pane's border is coloured.
    app.theme.color = true;
    let terminal = draw(&mut app, 100, 30);
    assert!(terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .any(|c| c.fg != ratatui::style::Color::Reset));
}

fn with_cmd_secret() -> RawProfile {
    RawProfile {
        client_secret: Some("cmd:pass show idp/work".into()),
        ..filled()
    }
}

#[test]
fn trust_prompt() {
    let mut app = app_with(with_cmd_secret());
    app.overlay = Some(Overlay::Trust {
        file: "profiles/work.toml".into(),
        sha256: Some("0".repeat(64)),
        command: "pass show idp/work".into(),
        then: tokenbench::tui::event::Retry::Run,
    });
    let screen = draw(&mut app, 80, 24);
    let text = screen.backend().to_string();
    assert!(text.contains("pass show idp/work") && text.contains("profiles/work.toml"));
    insta::assert_snapshot!(screen.backend());
}

#[test]
fn a_cmd_secret_is_shown_as_its_command_never_masked() {
    let mut app = app_with(with_cmd_secret());
    assert!(!app.reveal);
    let text = draw(&mut app, 100, 24).backend().to_string();
    assert!(text.contains("cmd:pass show idp/work"), "{text}");
    assert!(!text.contains("••••"), "{text}");
}

#[test]
fn shadowed_profiles_are_marked() {
    let mut app = App::new(Mode::Normal, NOW);
    app.theme.color = false;
    let entry = |path: &str, origin: Origin, shadow| ProfileEntry {
        name: "work".into(),
        label: None,
        path: path.into(),
        origin,
        error: None,
        shadow: Some(shadow),
    };
    let own = "/home/me/.config/tokenbench/profiles/work.toml";
    app.profiles = vec![
        entry(
            "profiles/work.toml",
            Origin::Local,
            tokenbench::profile::Shadow::Hides(own.into()),
        ),
        entry(
            own,
            Origin::Config,
            tokenbench::profile::Shadow::HiddenBy("profiles/work.toml".into()),
        ),
    ];
    insta::assert_snapshot!(draw(&mut app, 110, 18).backend());
}

/// The state a run leaves behind: tokens, and the State and Code Verifier it generated.
fn after_a_run() -> App {
    let mut app = app_with(filled());
    app.tokens.report = Some(report());
    app.tokens.received_at = NOW;
    app.flow.status = FlowStatus::Succeeded;
    app.flow.used_state = Some("Xq2tKp9vYb3nR7sLm4wZc8dF1gHj6kAe0uTiOyP5xQ".into());
    app.flow.used_verifier = Some(UsedVerifier::new(
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
    ));
    app.reveal = true;
    app.form.selected =
        tokenbench::tui::form::Form::index_of(tokenbench::tui::form::FieldId::State);
    app
}

/// Every row of the screen, for checks that nothing is cut without `…`.
fn rows(terminal: &Terminal<TestBackend>) -> Vec<String> {
    let buffer = terminal.backend().buffer();
    let width = usize::from(buffer.area.width);
    buffer
        .content()
        .chunks(width)
        .map(|row| row.iter().map(|c| c.symbol()).collect())
        .collect()
}

#[test]
fn after_a_run_at_80x24_and_100x32_nothing_is_cut_without_an_ellipsis() {
    for (w, h) in [(80, 24), (100, 32)] {
        let mut app = after_a_run();
        app.set_focus(Pane::Tokens);
        let tokens = draw(&mut app, w, h);
        let strip = &rows(&tokens)[2];
        assert!(
            strip.contains("Calls │"),
            "the last tab is shown whole: {strip}"
        );
        insta::assert_snapshot!(format!("after_a_run_tokens_{w}x{h}"), tokens.backend());
        app.set_focus(Pane::Form);
        let form = draw(&mut app, w, h);
        let text = rows(&form).join("\n");
        assert!(
            text.contains("Xq2tKp9vYb3nR7sLm4wZc8dF1g"),
            "the State used is shown: {text}"
        );
        insta::assert_snapshot!(format!("after_a_run_form_{w}x{h}"), form.backend());
    }
}

#[test]
fn after_a_run_side_by_side_at_160x40() {
    let mut app = after_a_run();
    app.set_focus(Pane::Tokens);
    app.left = Pane::Form;
    let screen = draw(&mut app, 160, 40);
    let strip = &rows(&screen)[2];
    assert!(strip.contains("│ Calls │"), "{strip}");
    insta::assert_snapshot!(screen.backend());
}

/// Follow-up calls as the workbench records them: a refresh, an introspection, one the IdP
/// does not offer, one that got no answer.
fn calls() -> Vec<serde_json::Value> {
    use tokenbench::flow::grants::{GrantError, GrantReport, GrantResult, Operation};
    use tokenbench::oauth::introspection::{parse_introspection, TokenKind};
    use tokenbench::oauth::refreshed::{RefreshChanges, RefreshTokenChange};
    let mut refresh = GrantReport::new(Operation::Refresh, "Example IdP");
    refresh.endpoint = Some("https://idp.example/token".into());
    refresh.request = Some(json!({"method": "POST"}));
    refresh.response = Some(json!({"status": 200}));
    refresh.result = Some(GrantResult::Refreshed {
        changes: RefreshChanges {
            refresh_token: RefreshTokenChange::Rotated,
            access_token_changed: true,
            scope_before: Some("openid".into()),
            scope_after: Some("openid".into()),
            scopes_added: vec![],
            scopes_removed: vec![],
            expires_at_before: Some(NOW + 600),
            expires_at_after: Some(NOW + 3600),
            id_token_returned: false,
        },
        tokens: json!({}),
        id_token_checked: false,
        id_token_validation: None,
    });
    let body =
        json!({"active": true, "client_id": "my-app", "exp": NOW + 3540, "iat": NOW - 3 * 86_400});
    let mut introspect = GrantReport::new(Operation::Introspect, "Example IdP");
    introspect.endpoint = Some("https://idp.example/introspect".into());
    introspect.request = Some(json!({"method": "POST"}));
    introspect.response = Some(json!({"status": 200}));
    introspect.result = Some(GrantResult::Introspected {
        kind: TokenKind::Access,
        introspection: parse_introspection(
            200,
            Some("application/json"),
            body.to_string().as_bytes(),
        )
        .unwrap(),
    });
    let not_offered = GrantReport::new(Operation::Introspect, "Example IdP").finish(Err(
        GrantError::NotAdvertised {
            issuer: "https://idp.example".into(),
            endpoint: "introspection",
        },
    ));
    let mut unanswered = GrantReport::new(Operation::Revoke, "Example IdP");
    unanswered.endpoint = Some("https://idp.example/revoke".into());
    unanswered.request = Some(json!({"method": "POST"}));
    let unanswered = unanswered.finish(Err(GrantError::Transport(
        "cannot connect to https://idp.example/revoke: connection refused".into(),
    )));
    [unanswered, not_offered, introspect, refresh]
        .iter()
        .map(GrantReport::to_json)
        .collect()
}

#[test]
fn calls_show_dates_and_why_a_call_got_no_response() {
    let mut app = after_a_run();
    app.calls = calls();
    app.tokens.tab = TokenTab::Calls;
    app.set_focus(Pane::Tokens);
    let screen = draw(&mut app, 100, 40);
    let text = rows(&screen).join("\n");
    // The value as received, the date and how far from now after it.
    assert!(
        text.contains("\"expires_at_before\": 1795999818,  // 2026-11-30 00:50:18 UTC, in 10m"),
        "{text}"
    );
    assert!(
        text.contains("\"iat\": 1795740018  // 2026-11-27 00:40:18 UTC, 3d ago"),
        "{text}"
    );
    assert!(!text.contains("· no response"), "{text}");
    assert!(text.contains("introspect · not sent"), "{text}");
    assert!(
        text.contains("does not advertise an introspection endpoint"),
        "{text}"
    );
    assert!(
        text.contains("revoke → https://idp.example/revoke · sent, no response"),
        "{text}"
    );
    insta::assert_snapshot!(screen.backend());
}

#[test]
fn claims_in_the_token_tabs_are_dated() {
    let mut app = after_a_run();
    app.tokens.tab = TokenTab::Id;
    app.set_focus(Pane::Tokens);
    app.now = NOW + 60;
    let text = rows(&draw(&mut app, 100, 40)).join("\n");
    assert!(
        text.contains("\"exp\": 1796002818,  // 2026-11-30 01:40:18 UTC, in 59m"),
        "{text}"
    );
    assert!(
        text.contains("\"iat\": 1795999218,  // 2026-11-30 00:40:18 UTC, 1m ago"),
        "{text}"
    );
}

mod status_line {
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use tokenbench::tui::app::Level;

    fn key(app: &mut App, code: KeyCode, mods: KeyModifiers, now: i64) {
        app.update(Event::Key(KeyEvent::new(code, mods)), now);
    }

    /// The status row (second to last) of an 80×24 screen.
    fn status_row(app: &mut App) -> String {
        rows(&draw(app, 80, 24))[22].trim_end().to_owned()
    }

    #[test]
    fn an_error_gets_a_cross_and_the_error_style() {
        let mut app = App::new(Mode::Normal, NOW);
        app.theme.color = true;
        key(&mut app, KeyCode::Char('r'), KeyModifiers::CONTROL, NOW);
        let message = app.message.clone().expect("a status says why nothing ran");
        assert_eq!(message.level, Level::Error);
        let terminal = draw(&mut app, 80, 24);
        let row = &rows(&terminal)[22];
        assert!(row.starts_with(" ✗ open a profile first"), "{row}");
        let cell = &terminal.backend().buffer()[(1, 22)];
        assert_eq!(cell.fg, ratatui::style::Color::Red);
        assert!(cell.modifier.contains(ratatui::style::Modifier::BOLD));
        // The text too, not only the symbol.
        assert_eq!(
            terminal.backend().buffer()[(5, 22)].fg,
            ratatui::style::Color::Red
        );
    }

    #[test]
    fn success_keeps_its_tick_and_info_is_neutral() {
        let mut app = App::new(Mode::Normal, NOW);
        app.theme.color = false;
        app.success("copied a curl command to the clipboard (OSC 52)");
        assert!(status_row(&mut app).starts_with(" ✓ copied"));
        app.info("checking the redirect URI with the IdP…");
        assert!(status_row(&mut app).starts_with(" · checking"));
    }

    #[test]
    fn a_status_fades_on_ticks_with_the_injected_clock() {
        let mut app = App::new(Mode::Normal, NOW);
        app.success("copied a curl command to the clipboard (OSC 52)");
        app.update(Event::Tick, NOW + 4);
        assert!(app.message.is_some(), "still there after 4 s");
        app.update(Event::Tick, NOW + 5);
        assert_eq!(app.message, None, "gone after 5 s");
        // What went wrong stays longer.
        app.now = NOW + 100;
        app.error("not saved: permission denied");
        app.update(Event::Tick, NOW + 109);
        assert!(app.message.is_some());
        app.update(Event::Tick, NOW + 110);
        assert_eq!(app.message, None);
    }

    #[test]
    fn a_pane_switch_or_the_next_action_clears_it_a_resize_does_not_keep_it() {
        let mut app = app_with(filled());
        app.success("copied a curl command to the clipboard (OSC 52)");
        key(&mut app, KeyCode::Tab, KeyModifiers::NONE, NOW + 1);
        assert_eq!(app.message, None, "a pane switch clears it");
        assert!(!status_row(&mut app).contains("copied"));

        app.now = NOW + 2;
        app.success("copied the ID token to the clipboard (OSC 52)");
        key(&mut app, KeyCode::Down, KeyModifiers::NONE, NOW + 2);
        assert_eq!(app.message, None, "any action clears it");

        app.success("copied the ID token to the clipboard (OSC 52)");
        app.update(Event::Resize(100, 32), NOW + 3);
        assert!(app.message.is_some(), "a resize alone keeps it");
        app.update(Event::Tick, NOW + 7);
        assert_eq!(app.message, None, "but not forever");
    }
}

#[cfg(test)]
mod tab_strip {
    use tokenbench::tui::app::TokenTab;
    use tokenbench::tui::views::tokens::visible_tabs;

    #[test]
    fn full_names_then_short_ones_then_a_run_around_the_selected_tab() {
        let (_, names, before, after) = visible_tabs(TokenTab::Calls, 98);
        assert_eq!(names.first(), Some(&"Summary"));
        assert!(names.contains(&"Raw Response") && !before && !after);
        let (_, names, before, after) = visible_tabs(TokenTab::Calls, 78);
        assert_eq!(
            names,
            ["Summary", "Access", "ID", "Refresh", "Raw", "Log", "Calls"]
        );
        assert!(!before && !after);
        for tab in TokenTab::ALL {
            let (first, names, before, after) = visible_tabs(tab, 24);
            let shown = first..first + names.len();
            assert!(shown.contains(&tab.index()), "{tab:?} is shown");
            assert_eq!(before, first > 0);
            assert_eq!(after, shown.end < TokenTab::ALL.len());
            let width: usize = names.iter().map(|n| n.len() + 3).sum::<usize>()
                + usize::from(before)
                + usize::from(after);
            assert!(width <= 24, "{names:?}");
        }
    }
}

fn listed_profiles() -> Vec<ProfileEntry> {
    ["auth0", "demo", "okta"]
        .iter()
        .map(|name| ProfileEntry {
            name: (*name).into(),
            label: None,
            path: format!("profiles/{name}.toml").into(),
            origin: Origin::Local,
            error: None,
            shadow: None,
        })
        .collect()
}

/// The tokens of `report()` kept for follow-up calls: refresh, userinfo, introspection and
/// revocation can act.
fn session() -> tokenbench::tui::app::Session {
    let path = std::path::Path::new("profiles/example.toml");
    let text = "issuer = \"https://idp.example\"\ncallback_url = \"http://127.0.0.1:8765/callback\"\n\
                auth_url = \"https://idp.example/authorize\"\ntoken_url = \"https://idp.example/token\"\n\
                client_id = \"my-app\"\n";
    let raw = tokenbench::profile::load::parse_raw(path, text).unwrap();
    let profile = tokenbench::profile::load::validate(path, "example", &raw).unwrap();
    let tokens = serde_json::from_value(json!({
        "format": 1, "profile": "example", "issuer": "https://idp.example", "client_id": "my-app",
        "token_endpoint": "https://idp.example/token", "received_at": NOW,
        "response": {"access_token": "at-1", "token_type": "Bearer", "refresh_token": "8xLOxBtZp8"},
    }))
    .unwrap();
    tokenbench::tui::app::Session {
        resolved: tokenbench::flow::Resolved::without_discovery(profile),
        tokens,
    }
}

/// The bottom row at each size people use (80×24, the README's 100×32, 120×40).
fn hint_bars(app: &mut App) -> String {
    let mut out = Vec::new();
    for (w, h) in [(80, 24), (100, 32), (120, 40)] {
        let screen = tokenbench::tui::runner::buffer_text(draw(app, w, h).backend().buffer());
        let bar = screen.lines().last().unwrap_or_default().to_owned();
        assert!(bar.chars().count() <= usize::from(w), "{bar:?}");
        out.push(format!("{w}×{h}: \"{bar}\""));
    }
    out.join("\n")
}

#[test]
fn hint_bar_profiles() {
    // First start: profiles to choose from, none open, so nothing to run, save or check.
    let mut app = App::new(Mode::Normal, NOW);
    app.theme.color = false;
    app.profiles = listed_profiles();
    let bars = hint_bars(&mut app);
    for absent in ["^R", "^S", "^D"] {
        assert!(!bars.contains(absent), "{bars}");
    }
    insta::assert_snapshot!(bars);
}

#[test]
fn hint_bar_form() {
    // An open profile with an unsaved edit, a text field focused (so F1, not ?, is help).
    let mut app = app_with(filled());
    app.profiles = listed_profiles();
    app.form
        .set_value(tokenbench::tui::form::FieldId::Scope, "openid");
    assert!(app.modified());
    insta::assert_snapshot!(hint_bars(&mut app));
}

#[test]
fn hint_bar_tokens() {
    // After a run: every token key can act, more than fit on 80 or 100 columns.
    let mut app = app_with(filled());
    app.profiles = listed_profiles();
    app.tokens.report = Some(report());
    app.tokens.received_at = NOW;
    app.session = Some(session());
    app.set_focus(Pane::Tokens);
    let bars = hint_bars(&mut app);
    let lines: Vec<&str> = bars.lines().collect();
    assert!(lines[0].ends_with("? more\""), "{bars}");
    insta::assert_snapshot!(bars);
}
