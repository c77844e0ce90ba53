//! Copy-as-curl and copy-the-header in the Tokens pane: what is copied, pasted into `sh`
//! with `curl` replaced by a recorder, runs exactly one `curl` with exactly the intended
//! argv, whatever the token or the discovered endpoint holds; a token that is not VSCHAR is
//! not copied at all, and only a b64token is copied as a bare header line.
#![cfg(unix)]

use std::path::Path;
use std::process::Command;

use serde_json::json;
use tokenbench::cache::CachedTokens;
use tokenbench::flow::Resolved;
use tokenbench::oauth::metadata::parse_metadata;
use tokenbench::profile::load::{parse_raw, validate};
use tokenbench::tui::app::{Level, Session};
use tokenbench::tui::event::Effect;
use tokenbench::tui::keymap::{Action, Pane};
use tokenbench::tui::{App, Mode};

const NOW: i64 = 1_795_999_218;
const ISSUER: &str = "https://idp.test";
/// Marks the start of one recorded `curl` call.
const CALL: &str = "--recorder-call--";

/// An app whose last run got `token`, at an issuer whose userinfo endpoint is `userinfo`.
fn app(token: &str, userinfo: Option<&str>) -> App {
    let mut app = App::new(Mode::Normal, NOW);
    app.tokens.report = Some(json!({"tokens": {"access_token": {"value": token}}}));
    let path = Path::new("t.toml");
    let text = format!(
        "issuer = \"{ISSUER}\"\ncallback_url = \"http://127.0.0.1:0/callback\"\nauth_url = \"{ISSUER}/a\"\n\
         token_url = \"{ISSUER}/t\"\nclient_id = \"c\"\n"
    );
    let profile = validate(path, "t", &parse_raw(path, &text).unwrap()).unwrap();
    let mut resolved = Resolved::without_discovery(profile);
    let document = json!({"issuer": ISSUER, "userinfo_endpoint": userinfo});
    resolved.metadata = Some(parse_metadata(ISSUER, document.to_string().as_bytes()).unwrap());
    let tokens: CachedTokens = serde_json::from_value(json!({
        "format": 1, "profile": "t", "issuer": ISSUER, "client_id": "c",
        "token_endpoint": format!("{ISSUER}/t"), "received_at": NOW,
        "response": {"access_token": "x"},
    }))
    .unwrap();
    app.session = Some(Session { resolved, tokens });
    app.set_focus(Pane::Tokens);
    app
}

/// The text the action copies, or the warning shown instead.
fn copy(app: &mut App, action: Action) -> Result<String, String> {
    let effects = app.on_action(action);
    match effects.as_slice() {
        [Effect::Copy { text, .. }] => Ok(text.clone()),
        [] => {
            let message = app.message.as_ref().expect("a message says why");
            assert_eq!(message.level, Level::Warn, "{}", message.text);
            Err(message.text.clone())
        }
        other => panic!("unexpected effects: {other:?}"),
    }
}

/// Pastes `text` into `sh -c` with `curl` a shell function that records its argv
/// (NUL-separated) instead of running; returns the recorded calls, and whether anything
/// else the text ran left a `pwned` file behind.
fn paste_into_sh(text: &str) -> (Vec<Vec<String>>, bool) {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("argv");
    let recorder = format!("curl() {{ printf '%s\\0' '{CALL}' \"$@\" >> \"$RECORD\"; }}\n{text}\n");
    let status = Command::new("sh")
        .arg("-c")
        .arg(recorder)
        .env("RECORD", &record)
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(status.success(), "{text}");
    let bytes = std::fs::read(&record).unwrap_or_default();
    let mut calls: Vec<Vec<String>> = Vec::new();
    for word in String::from_utf8(bytes).unwrap().split_terminator('\0') {
        if word == CALL {
            calls.push(Vec::new());
        } else {
            calls
                .last_mut()
                .expect("a call starts the record")
                .push(word.to_owned());
        }
    }
    (calls, dir.path().join("pwned").exists())
}

#[test]
fn a_hostile_userinfo_endpoint_is_one_argument_of_one_curl() {
    let token = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.x-_~+/==";
    for url in [
        "https://idp.test/userinfo'; touch pwned; '",
        "https://idp.test/u?a=$(touch pwned)&b=`touch pwned`;touch pwned",
        "https://idp.test/u\\'\"'\"; touch pwned #",
        "https://idp.test/userinfo",
    ] {
        let mut app = app(token, Some(url));
        let text = copy(&mut app, Action::CopyCurl).unwrap();
        assert!(!text.contains('\n') && !text.contains('\r'), "{text:?}");
        let (calls, pwned) = paste_into_sh(&text);
        assert_eq!(
            calls,
            [["-H", &format!("Authorization: Bearer {token}"), url]],
            "{text}"
        );
        assert!(!pwned, "the pasted text ran an injected command: {text}");
    }
}

#[test]
fn a_hostile_token_is_one_argument_of_one_curl() {
    // Any VSCHAR token may be quoted into the command, `'` and `$(…)` included.
    for token in [
        "it's$(touch pwned)`touch pwned`;touch pwned;'",
        "a b",
        "x'\\''y",
    ] {
        for url in [
            "https://idp.test/userinfo",
            "https://idp.test/userinfo'; touch pwned; '",
        ] {
            let mut app = app(token, Some(url));
            let text = copy(&mut app, Action::CopyCurl).unwrap();
            let (calls, pwned) = paste_into_sh(&text);
            let header = format!("Authorization: Bearer {token}");
            assert_eq!(calls, [["-H", header.as_str(), url]], "{text}");
            assert!(!pwned, "the pasted text ran an injected command: {text}");
        }
    }
}

#[test]
fn a_token_that_cannot_be_a_header_line_is_not_copied_as_one() {
    for token in ["it's$(touch pwned)`id`;x", "a b"] {
        let mut app = app(token, Some("https://idp.test/userinfo"));
        let why = copy(&mut app, Action::CopyHeader).unwrap_err();
        assert!(
            why.contains("b64token") && why.contains("position"),
            "{why}"
        );
    }
}

#[test]
fn a_token_that_is_not_vschar_is_copied_in_no_form() {
    for token in [
        "x\r\nX-Injected: yes",
        "x\u{1b}]52;c;AAAA\u{7}",
        "x\u{9b}2J",
    ] {
        for action in [Action::CopyHeader, Action::CopyCurl] {
            let mut app = app(token, Some("https://idp.test/userinfo"));
            let why = copy(&mut app, action).unwrap_err();
            assert!(why.contains("position"), "{why}");
            assert!(!why.chars().any(char::is_control), "{why:?}");
        }
    }
}

#[test]
fn an_endpoint_that_cannot_be_pasted_as_one_line_is_refused() {
    let token = "abc";
    for url in [
        "https://idp.test/u\ntouch pwned",
        "https://idp.test/u\u{1b}[2K",
        "https://idp.test/u\u{202e}",
        "-o/tmp/pwned",
        "file:///etc/passwd",
    ] {
        let mut app = app(token, Some(url));
        let why = copy(&mut app, Action::CopyCurl).unwrap_err();
        assert!(why.starts_with("no curl command copied"), "{why}");
        assert!(!why.chars().any(char::is_control), "{why:?}");
    }
}

#[test]
fn the_header_and_the_stand_in_url() {
    let mut app = app("abc.def", None);
    assert_eq!(
        copy(&mut app, Action::CopyHeader).unwrap(),
        "Authorization: Bearer abc.def"
    );
    assert_eq!(
        copy(&mut app, Action::CopyCurl).unwrap(),
        "curl -H 'Authorization: Bearer abc.def' 'https://api.example.com/'"
    );
}
