//! Nothing from outside reaches the terminal as a control character: every printer, in text
//! mode and as JSON, shows C0 (but the layout's `\n` and `\t`), DEL, C1 and the bidi controls
//! as visible escapes, and JSON still parses back to the original values.

use assert_cmd::Command;
use base64::Engine as _;
use proptest::prelude::*;
use serde_json::{json, Value};

use tokenbench::cli::render::{
    discover_summary, print_event, print_failure, print_grant_report, print_report, print_token,
    Term,
};
use tokenbench::doctor::{render, DoctorReport, Finding, NearMiss, NearMissKind, Verdict};
use tokenbench::flow::error::Endpoint;
use tokenbench::flow::grants::{GrantError, GrantReport, GrantResult, Operation};
use tokenbench::flow::{FlowError, FlowEvent, FlowReport};
use tokenbench::net::browser::BrowserLaunch;
use tokenbench::net::callback_server::{RequestKind, RequestRecord};
use tokenbench::oauth::error::OAuthError;
use tokenbench::oauth::introspection::{parse_introspection, TokenKind};
use tokenbench::oauth::metadata::parse_metadata;
use tokenbench::oauth::refreshed::{RefreshChanges, RefreshTokenChange};
use tokenbench::oauth::userinfo::{UserInfo, UserInfoFormat};

const NOW: i64 = 1_795_999_218;

/// Written here rather than taken from the library, so that the test checks the library.
fn forbidden(c: char) -> bool {
    let c0 = c < '\u{20}' && c != '\n' && c != '\t';
    let del_c1 = ('\u{7f}'..='\u{9f}').contains(&c);
    let bidi = matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    c0 || del_c1 || bidi
}

fn assert_inert(bytes: &[u8], what: &str) {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{what}: not UTF-8: {e}"));
    if let Some((i, c)) = text.char_indices().find(|&(_, c)| forbidden(c)) {
        panic!("{what}: {c:?} at byte {i} in {text:?}");
    }
}

/// Runs a printer with a captured stdout and stderr.
fn capture(print: impl FnOnce(&mut Term)) -> (Vec<u8>, Vec<u8>) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut t = Term::new(&mut out, &mut err);
    print(&mut t);
    drop(t);
    (out, err)
}

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

fn jwt(header: &Value, claims: &Value) -> String {
    format!("{}.{}.c2ln", b64(header), b64(claims))
}

// --- Known cases, through the real binary ---

const OSC52: &str = "\u{1b}]52;c;cm0gLXJmIH4=\u{7}";

fn hostile_claims() -> Value {
    json!({
        "sub": "alice\u{9b}2J",
        "name": format!("{OSC52}\u{1b}]0;title\u{7}\u{1b}[2J\u{1b}c"),
        "file": "report\u{202e}fdp.exe",
        "isolate": "\u{2067}x\u{2069}\u{200f}\u{061c}",
        "del": "a\u{7f}b\u{85}c",
        "forged": "x\n✓ VERIFIED\r",
        "exp": NOW + 60,
    })
}

fn decode(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("tokenbench")
        .unwrap()
        .arg("decode")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn decode_shows_hostile_claims_as_escapes() {
    let header = json!({"alg": "none\u{9b}", "typ": "JWT\u{202e}"});
    let token = jwt(&header, &hostile_claims());
    let out = decode(&[&token]);
    assert!(out.status.success(), "{out:?}");
    assert_inert(&out.stdout, "decode stdout");
    assert_inert(&out.stderr, "decode stderr");
    let text = String::from_utf8(out.stdout).unwrap();
    for shown in [
        r"alice\u009b2J",
        r"report\u202efdp.exe",
        r"\u001b]52;c;",
        r"\u007f",
    ] {
        assert!(text.contains(shown), "{shown} missing from {text}");
    }
    assert!(
        !text.lines().any(|l| l.trim_start().starts_with('✓')),
        "{text}"
    );
}

#[test]
fn decode_json_escapes_c1_and_bidi_and_round_trips() {
    let header = json!({"alg": "none\u{9b}"});
    let token = jwt(&header, &hostile_claims());
    let out = decode(&["--json", &token]);
    assert!(out.status.success(), "{out:?}");
    assert_inert(&out.stdout, "decode --json stdout");
    assert_inert(&out.stderr, "decode --json stderr");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(r"\u009b") && text.contains(r"\u202e"),
        "{text}"
    );
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["claims"], hostile_claims());
    assert_eq!(doc["header"], header);
}

#[test]
fn an_opaque_token_on_stdin_and_a_hostile_argument_are_inert() {
    let out = Command::cargo_bin("tokenbench")
        .unwrap()
        .args(["decode", "-"])
        .write_stdin(format!("{OSC52}\u{9b}\u{202e}"))
        .output()
        .unwrap();
    assert_inert(&out.stdout, "decode - stdout");
    assert_inert(&out.stderr, "decode - stderr");
    // Clap quotes a wrong argument back.
    let out = decode(&[&format!("--x{OSC52}\u{9b}\u{202e}")]);
    assert_eq!(out.status.code(), Some(2));
    assert_inert(&out.stdout, "usage error stdout");
    assert_inert(&out.stderr, "usage error stderr");
}

// --- Known cases, through the printers ---

fn oauth_error(description: &str) -> OAuthError {
    OAuthError {
        error: "invalid_grant".into(),
        error_description: Some(description.into()),
        error_uri: None,
    }
}

#[test]
fn an_error_description_cannot_forge_a_line() {
    let report = FlowReport {
        profile: "p".into(),
        error: Some(FlowError::OAuth {
            endpoint: Endpoint::Token,
            status: Some(400),
            error: oauth_error("nope\n✓ VERIFIED: all checks passed\u{1b}[32m"),
        }),
        warnings: vec!["w\r\n✓ fine".into()],
        ..FlowReport::default()
    };
    let (out, err) = capture(|t| print_report(t, &report, false));
    assert_inert(&out, "stdout");
    assert_inert(&err, "stderr");
    let err = String::from_utf8(err).unwrap();
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(
        err.lines()
            .all(|l| l.starts_with("! ") || l.starts_with("error: ")),
        "{err}"
    );
    assert!(err.contains(r"nope\u{a}✓ VERIFIED"), "{err}");
}

#[test]
fn a_token_value_with_osc52_is_printed_escaped() {
    let (out, _) = capture(|t| {
        let token = format!("abc{OSC52}\u{9b}");
        t.out(&format!("{token}\n"));
    });
    assert_inert(&out, "token");
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "abc\\u{1b}]52;c;cm0gLXJmIH4=\\u{7}\\u{9b}\n"
    );
}

// --- The property: arbitrary text into every printer ---

fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        3 => (0u32..0x20).prop_map(|u| char::from_u32(u).unwrap_or('?')),
        3 => (0x7fu32..0xa0).prop_map(|u| char::from_u32(u).unwrap_or('?')),
        2 => prop::sample::select(vec![
            '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
            '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\\', '"', '\n', '✓',
        ]),
    ]
}

fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::collection::vec(hostile_char(), 0..24).prop_map(|v| v.into_iter().collect()),
        1 => prop::collection::vec(any::<u8>(), 0..24)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        1 => Just(OSC52.to_owned()),
    ]
}

#[derive(Debug, Clone)]
struct Hostile {
    a: String,
    b: String,
    c: String,
    d: String,
}

fn hostile() -> impl Strategy<Value = Hostile> {
    (
        hostile_string(),
        hostile_string(),
        hostile_string(),
        hostile_string(),
    )
        .prop_map(|(a, b, c, d)| Hostile { a, b, c, d })
}

fn token_values(h: &Hostile) -> Vec<Value> {
    let checks = json!([{"check": h.a, "result": "fail", "detail": h.b},
                        {"check": "iss", "result": h.c, "detail": h.d}]);
    vec![
        tokenbench::flow::report::token_json(
            &jwt(
                &json!({"alg": h.a, "kid": h.b}),
                &json!({h.c.clone(): h.d, "exp": NOW}),
            ),
            NOW,
        ),
        json!({"kind": "jwt", "verified": false, "validation": checks,
               "header": {h.a.clone(): h.b}, "claims": {"sub": h.c, "n": [h.d]},
               "times": [{"claim": h.a, "utc": h.b, "relative": h.c}]}),
        json!({"kind": "jwt", "signature": {"result": h.a, "detail": h.b},
               "header": {}, "claims": {}}),
        json!({"kind": "jwe", "signature": {"result": h.c, "detail": h.d}, "header": {"enc": h.a}}),
        json!({"kind": "opaque", "value": h.a, "reason": h.b}),
        json!({"kind": h.c, "reason": h.d}),
    ]
}

fn flow_report(h: &Hostile) -> FlowReport {
    let tokens = token_values(h);
    let metadata = parse_metadata(
        &h.a,
        json!({"issuer": h.a, "token_endpoint": h.b})
            .to_string()
            .as_bytes(),
    )
    .ok();
    FlowReport {
        profile: h.a.clone(),
        tokens: Some(json!({
            "token_type": h.b, "scope": h.c, "expires_in": h.d,
            "access_token": tokens[0], "id_token": tokens[1], "refresh_token": tokens[4],
        })),
        warnings: vec![h.b.clone(), h.c.clone()],
        error: Some(FlowError::OAuth {
            endpoint: Endpoint::Authorization,
            status: None,
            error: OAuthError {
                error: h.a.clone(),
                error_description: Some(h.b.clone()),
                error_uri: Some(h.c.clone()),
            },
        }),
        metadata,
        ..FlowReport::default()
    }
}

fn doctor_report(h: &Hostile) -> DoctorReport {
    DoctorReport {
        profile: h.a.clone(),
        client_id: h.b.clone(),
        redirect_uri: h.c.clone(),
        verdict: Verdict::Rejected,
        idp_message: Some(h.d.clone()),
        oauth_error: Some(oauth_error(&h.a)),
        findings: vec![
            Finding::error("probe.verdict", h.a.clone(), h.b.clone()).with_fix(h.c.clone()),
            Finding::info(&h.d, h.c.clone(), format!("{}\n{}", h.a, h.b)),
        ],
        accepted_variants: vec![h.d.clone()],
        port_may_vary: None,
        probe: None,
        unreachable: Some(h.a.clone()),
    }
}

fn events(h: &Hostile) -> Vec<FlowEvent> {
    vec![
        FlowEvent::Listening {
            addrs: vec![],
            redirect_uri: h.a.clone(),
        },
        FlowEvent::PasteMode {
            redirect_uri: h.b.clone(),
        },
        FlowEvent::AuthorizationUrl(h.c.clone()),
        FlowEvent::Browser(BrowserLaunch::Started(h.d.clone())),
        FlowEvent::Browser(BrowserLaunch::Failed(h.a.clone())),
        FlowEvent::NearMiss(NearMiss {
            kind: NearMissKind::OtherPath,
            method: h.a.clone(),
            path: h.b.clone(),
            expected_path: h.c.clone(),
            via: "query",
            carries_response: true,
            message: h.d.clone(),
        }),
        FlowEvent::Diagnosis(Box::new(doctor_report(h))),
        FlowEvent::TokenRequestSent { url: h.b.clone() },
        FlowEvent::Warning(h.c.clone()),
        // The path carries the profile's name, which a shared profile file chooses.
        FlowEvent::CallbackCertificate {
            path: h.a.clone(),
            fingerprint_sha256: h.b.clone(),
            created: true,
            explanation: h.d.clone(),
        },
        FlowEvent::Stray(stray(h, RequestKind::Stray)),
        FlowEvent::Stray(stray(h, RequestKind::ForgedCallback)),
    ]
}

/// A request on the loopback port: method, path and note are the sender's to choose.
fn stray(h: &Hostile, kind: RequestKind) -> RequestRecord {
    RequestRecord {
        kind,
        method: h.a.clone(),
        path: h.b.clone(),
        params: vec![(h.c.clone(), h.d.clone())],
        form: vec![],
        content_type: Some(h.a.clone()),
        fragment: false,
        status: 400,
        note: h.d.clone(),
    }
}

fn grant_reports(h: &Hostile) -> Vec<GrantReport> {
    let with = |operation, result: GrantResult| {
        let mut r = GrantReport::new(operation, &h.a);
        r.warnings = vec![h.b.clone()];
        r.result = Some(result);
        r.response = Some(json!({"status": h.c}));
        r
    };
    let claims = json!({h.a.clone(): h.b, "sub": h.c, "n": {"x": h.d}});
    let introspection = parse_introspection(
        200,
        Some("application/json"),
        json!({"active": true, "scope": h.a, "sub": h.b, h.c.clone(): h.d, "exp": NOW})
            .to_string()
            .as_bytes(),
    );
    let mut reports = vec![
        with(
            Operation::Userinfo,
            GrantResult::Userinfo(UserInfo {
                format: UserInfoFormat::Json,
                claims: claims.as_object().cloned().unwrap_or_default(),
            }),
        ),
        with(
            Operation::Refresh,
            GrantResult::Refreshed {
                changes: RefreshChanges {
                    refresh_token: RefreshTokenChange::Rotated,
                    access_token_changed: true,
                    scope_before: Some(h.a.clone()),
                    scope_after: Some(h.b.clone()),
                    scopes_added: vec![h.c.clone()],
                    scopes_removed: vec![h.d.clone()],
                    expires_at_before: None,
                    expires_at_after: Some(NOW),
                    id_token_returned: true,
                },
                tokens: json!({"access_token": token_values(h)[0]}),
                id_token_checked: false,
                id_token_validation: None,
            },
        ),
        with(
            Operation::Revoke,
            GrantResult::Revoked {
                kind: TokenKind::Refresh,
            },
        ),
    ];
    if let Ok(introspection) = introspection {
        reports.push(with(
            Operation::Introspect,
            GrantResult::Introspected {
                kind: TokenKind::Access,
                introspection,
            },
        ));
    }
    let mut failed = GrantReport::new(Operation::Refresh, &h.d);
    failed.warnings = vec![h.a.clone()];
    failed.error = Some(GrantError::OAuth {
        endpoint: "token",
        status: 400,
        error: oauth_error(&h.b),
    });
    reports.push(failed);
    reports
}

/// Every printer, in text mode and as JSON, with the same hostile values.
fn print_everything(t: &mut Term, h: &Hostile) {
    for event in events(h) {
        print_event(t, &event);
    }
    for json in [false, true] {
        print_report(t, &flow_report(h), json);
        for report in grant_reports(h) {
            print_grant_report(t, &report, json);
        }
        print_failure(t, json, "invalid_input", 2, &h.a);
    }
    for token in token_values(h) {
        print_token(t, &h.a, &token);
    }
    let doctor = doctor_report(h);
    t.out(&render(&doctor, true));
    t.json(&doctor.to_json());
    let metadata = json!({
        "issuer": h.a, "authorization_endpoint": h.b, "userinfo_endpoint": h.c,
        "scopes_supported": [h.d, h.a], "code_challenge_methods_supported": [h.b],
    });
    if let Ok(m) = parse_metadata(&h.a, metadata.to_string().as_bytes()) {
        t.out(&discover_summary(&m));
        t.json(&m.summary_json());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn no_printer_writes_a_control_character(h in hostile()) {
        let (out, err) = capture(|t| print_everything(t, &h));
        assert_inert(&out, "stdout");
        assert_inert(&err, "stderr");
    }

    #[test]
    fn json_output_parses_back_to_the_hostile_values(h in hostile()) {
        let report = flow_report(&h);
        let (out, _) = capture(|t| print_report(t, &report, true));
        assert_inert(&out, "run --json");
        let doc: Value = serde_json::from_slice(&out).unwrap();
        prop_assert_eq!(&doc["profile"], &json!(h.a));
        prop_assert_eq!(&doc["tokens"]["scope"], &json!(h.c));
        prop_assert_eq!(&doc["warnings"], &json!([h.b, h.c]));
        let grant = &grant_reports(&h)[0];
        let (out, _) = capture(|t| print_grant_report(t, grant, true));
        let doc: Value = serde_json::from_slice(&out).unwrap();
        prop_assert_eq!(&doc["result"]["claims"][&h.a], &json!(h.b));
    }
}

// --- The workbench ---

#[test]
fn the_token_panes_show_control_and_bidi_characters_as_escapes() {
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;
    use tokenbench::tui::app::TokenTab;
    use tokenbench::tui::keymap::Pane;
    use tokenbench::tui::{views, App, Mode};

    let id = jwt(&json!({"alg": "RS256\u{202e}"}), &hostile_claims());
    let access = format!("opaque{OSC52}\u{9b}\u{2066}");
    let decoded = |t: &str| tokenbench::flow::report::token_json(t, NOW);
    let report = json!({
        "profile": "p\u{202e}",
        "token_response": {"status": 200, "headers": {"x-evil": "a\u{9b}\u{202e}"},
                           "body": format!("{{\"access_token\":\"{}\"}}\u{1b}[2J", access.escape_default())},
        "tokens": {"token_type": "Bearer\u{202e}", "access_token": decoded(&access), "id_token": decoded(&id)},
        "warnings": ["w\u{202e}\u{9b}"],
    });
    for tab in TokenTab::ALL {
        let mut app = App::new(Mode::Normal, NOW);
        app.tokens.report = Some(report.clone());
        app.tokens.received_at = NOW;
        app.tokens.tab = tab;
        app.set_focus(Pane::Tokens);
        app.size = (100, 60);
        let mut terminal = Terminal::new(TestBackend::new(100, 60)).unwrap();
        terminal.draw(|f| views::draw(&app, f)).unwrap();
        let screen: String = terminal
            .backend()
            .buffer()
            .content()
            .iter()
            .map(|cell| cell.symbol())
            .collect();
        assert_inert(screen.as_bytes(), tab.title());
        if matches!(tab, TokenTab::Id | TokenTab::Raw) {
            assert!(screen.contains("202e"), "{}: {screen}", tab.title());
        }
    }
}
