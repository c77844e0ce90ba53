//! An IdP that is down is said at once, before the browser opens: a run whose authorization
//! endpoint nothing listens on ends with exit 6 and names the URL and the cause, in the
//! flow's events, in the CLI's JSON, with and without an issuer.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use tokenbench::flow::{run_flow, system_now, BrowserMode, FlowEvent, FlowIo, FlowOptions};
use tokenbench::oauth::random::OsEntropy;
use tokenbench::profile::load::{parse_raw, validate};

/// A loopback port that is bound but not listening: connecting is refused, and no other
/// process can take the port while the socket lives.
fn closed_port() -> (tokio::net::TcpSocket, u16) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
    let port = socket.local_addr().unwrap().port();
    (socket, port)
}

fn profile_text(port: u16, with_issuer: bool) -> String {
    let idp = format!("http://127.0.0.1:{port}");
    let mut text = format!(
        "client_id = \"tokenbench-demo\"\ncallback_url = \"http://127.0.0.1:0/callback\"\n\
         auth_url = \"{idp}/authorize\"\ntoken_url = \"{idp}/token\"\nscope = \"openid\"\n"
    );
    if with_issuer {
        text.push_str(&format!("issuer = \"{idp}\"\n"));
    }
    text
}

fn no_env(_: &str) -> Option<std::ffi::OsString> {
    None
}

#[tokio::test]
async fn a_closed_port_ends_the_run_before_the_browser_opens() {
    let (_held, port) = closed_port();
    for with_issuer in [false, true] {
        let path = Path::new("down.toml");
        let raw = parse_raw(path, &profile_text(port, with_issuer)).unwrap();
        let profile = validate(path, "down", &raw).unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let options = FlowOptions {
            timeout: Duration::from_secs(300),
            browser: BrowserMode::Follow,
            ..FlowOptions::default()
        };
        let io = FlowIo {
            entropy: &mut OsEntropy,
            now: system_now,
            env: &no_env,
            events: tx,
            paste: None,
        };
        let report = run_flow(&profile, &options, io).await;
        assert_eq!(report.exit_code(), 6, "{:?}", report.error);
        let message = report.error.as_ref().unwrap().to_string();
        assert_eq!(
            message,
            format!(
                "cannot reach the authorization endpoint http://127.0.0.1:{port}/authorize: \
                 nothing listens on 127.0.0.1:{port} — is the IdP running?"
            )
        );
        let mut events = Vec::new();
        while let Ok(event) = rx.try_recv() {
            events.push(event);
        }
        assert!(
            !events.iter().any(|e| matches!(
                e,
                FlowEvent::Listening { .. }
                    | FlowEvent::AuthorizationUrl(_)
                    | FlowEvent::Browser(_)
                    | FlowEvent::Prepared { .. }
            )),
            "with_issuer={with_issuer}: {events:?}"
        );
        assert!(report.authorization_request.is_none());
    }
}

#[tokio::test]
async fn no_browser_skips_the_check_the_url_may_be_opened_elsewhere() {
    let (_held, port) = closed_port();
    let path = Path::new("down.toml");
    let raw = parse_raw(path, &profile_text(port, false)).unwrap();
    let profile = validate(path, "down", &raw).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let options = FlowOptions {
        timeout: Duration::from_secs(1),
        browser: BrowserMode::PrintOnly,
        diagnose_after: None,
        ..FlowOptions::default()
    };
    let io = FlowIo {
        entropy: &mut OsEntropy,
        now: system_now,
        env: &no_env,
        events: tx,
        paste: None,
    };
    let report = run_flow(&profile, &options, io).await;
    // It waited for the callback, as --no-browser asks.
    assert_eq!(report.exit_code(), 5, "{:?}", report.error);
    let mut saw_url = false;
    while let Ok(event) = rx.try_recv() {
        saw_url |= matches!(event, FlowEvent::AuthorizationUrl(_));
    }
    assert!(saw_url);
}

/// `$BROWSER` as a script that records each URL it is asked to open.
fn recording_browser(dir: &Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let script = dir.join("browser.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\nprintf '%s\\n' \"$1\" >> \"$(dirname \"$0\")/opened\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

#[test]
fn run_json_against_a_closed_port_is_exit_6_and_no_browser() {
    let home = tempfile::tempdir().unwrap();
    let browser = recording_browser(home.path());
    let (_held, port) = closed_port();
    for with_issuer in [false, true] {
        let profile = home.path().join("down.toml");
        std::fs::write(&profile, profile_text(port, with_issuer)).unwrap();
        let out = common::tokenbench(home.path(), &home.path().join("browser.log"))
            .env("BROWSER", &browser)
            .env_remove("HTTPS_PROXY")
            .env_remove("HTTP_PROXY")
            .env_remove("ALL_PROXY")
            .args(["run", "--json", "--timeout", "300", "--profile"])
            .arg(&profile)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(6),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["error"]["kind"], "transport", "{doc}");
        assert_eq!(doc["error"]["exit_code"], 6);
        let message = doc["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("http://127.0.0.1:{port}/authorize"))
                && message.contains(&format!(
                    "nothing listens on 127.0.0.1:{port} — is the IdP running?"
                )),
            "{message}"
        );
        assert!(
            doc.get("authorization_request").is_none_or(|v| v.is_null()),
            "{doc}"
        );
        assert!(
            !home.path().join("opened").exists(),
            "the browser was opened"
        );
    }
}
