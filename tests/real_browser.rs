//! The callback page in a real browser (headless Chromium): a response delivered in the URL
//! fragment never reaches a server, so the page's script must post it back — under the
//! page's own Content-Security-Policy. Skipped when no Chromium is installed
//! (scripts/test.sh installs it when it can).

use std::process::{Command, Stdio};
use std::time::Duration;

fn chromium() -> Option<String> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .map(str::to_owned)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `tokenbench run` on a profile with a fixed state, then opens `fragment` on its
/// callback in Chromium; returns the run's exit code, its JSON and the page's final DOM.
fn run_with_fragment(browser: &str, fragment: &str) -> (i32, serde_json::Value, String) {
    run_with_fragment_then(browser, fragment, None)
}

/// [`run_with_fragment`], then `then` sent as the callback's query once the page is done.
fn run_with_fragment_then(
    browser: &str,
    fragment: &str,
    then: Option<&str>,
) -> (i32, serde_json::Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let closed = free_port();
    let profile = dir.path().join("p.toml");
    std::fs::write(
        &profile,
        format!(
            "callback_url = \"http://127.0.0.1:{port}/callback\"\nauth_url = \"http://127.0.0.1:{closed}/authorize\"\n\
             token_url = \"http://127.0.0.1:{closed}/token\"\nclient_id = \"x\"\nstate = \"fixed-state\"\n"
        ),
    )
    .unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_tokenbench"))
        .args([
            "run",
            "--profile",
            profile.to_str().unwrap(),
            "--json",
            "--no-browser",
            "--timeout",
            "20",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The server is up once the port answers.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the callback server never listened"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let profile_dir = dir.path().join("chromium");
    let dom = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=3000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile_dir.display()))
        .arg(format!("http://127.0.0.1:{port}/callback#{fragment}"))
        .stderr(Stdio::null())
        .output()
        .unwrap();
    if let Some(query) = then {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            s,
            "GET /callback?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let _ = s.read_to_end(&mut Vec::new());
    }
    let out = run.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_slice(&out.stdout).unwrap(),
        String::from_utf8_lossy(&dom.stdout).into_owned(),
    )
}

#[test]
fn a_fragment_response_is_relayed_by_the_page_in_chromium() {
    let Some(browser) = chromium() else {
        eprintln!("SKIPPED: no Chromium installed");
        return;
    };
    let (code, doc, _) = run_with_fragment(&browser, "code=abc&state=fixed-state");
    // The callback was accepted; the token endpoint is closed, so the run ends there.
    assert_eq!(code, 6, "{doc:#}");
    assert_eq!(doc["callback"]["response_mode"], "fragment");
    assert_eq!(doc["callback"]["params"]["code"], "[redacted]");
    assert!(doc["token_request"].is_object());
}

#[test]
fn a_forged_fragment_is_rejected_and_the_page_says_so() {
    let Some(browser) = chromium() else {
        eprintln!("SKIPPED: no Chromium installed");
        return;
    };
    // A page relaying a forged fragment is refused and recorded; the run waits on and takes
    // the real callback after it.
    let (code, doc, dom) = run_with_fragment_then(
        &browser,
        "code=abc&state=forged",
        Some("code=real&state=fixed-state"),
    );
    assert!(dom.contains("Callback rejected"), "{dom}");
    assert_eq!(code, 6, "{doc:#}");
    assert_eq!(doc["invalid_callbacks"], 1, "{doc:#}");
    let forged = doc["stray_requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "forged_callback")
        .unwrap_or_else(|| panic!("{doc:#}"));
    assert_eq!(forged["fragment"], true);
    assert!(doc["token_request"].is_object());
}
