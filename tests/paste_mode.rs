//! A callback URL that is not on loopback: tokenbench cannot listen there, so it reads the
//! redirected URL from stdin.

use assert_cmd::Command;

fn profile(dir: &std::path::Path, token_port: u16) -> std::path::PathBuf {
    let path = dir.join("remote.toml");
    std::fs::write(
        &path,
        format!(
            "callback_url = \"https://app.example.com/callback\"\nauth_url = \"https://idp.example/authorize\"\n\
             token_url = \"http://127.0.0.1:{token_port}/token\"\nclient_id = \"app\"\nstate = \"fixed\"\n"
        ),
    )
    .unwrap();
    path
}

fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn run(stdin: &str) -> (i32, serde_json::Value, String) {
    run_within(stdin, "10")
}

fn run_within(stdin: &str, timeout: &str) -> (i32, serde_json::Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = profile(dir.path(), closed_port());
    let out = Command::cargo_bin("tokenbench")
        .unwrap()
        .args([
            "run",
            "--profile",
            p.to_str().unwrap(),
            "--json",
            "--no-browser",
            "--timeout",
            timeout,
        ])
        .write_stdin(stdin)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn pasted_url_leads_to_the_token_request() {
    let (code, doc, stderr) =
        run("not a url\nhttps://app.example.com/callback?code=abc&state=fixed\n");
    assert!(stderr.contains("not a loopback address"), "{stderr}");
    assert!(stderr.contains("paste"), "{stderr}");
    // The token endpoint is closed, so the run ends in a transport error — after the request.
    assert_eq!(code, 6, "{doc:#}");
    assert_eq!(doc["callback"]["params"]["code"], "[redacted]");
    assert_eq!(
        doc["token_request"]["form"]["redirect_uri"],
        "https://app.example.com/callback"
    );
}

#[test]
fn pasted_url_with_wrong_state_is_refused_and_the_run_waits_for_another() {
    let (code, doc, stderr) = run("https://app.example.com/callback?code=abc&state=forged\n\
         https://app.example.com/callback?code=abc&state=fixed\n");
    assert!(stderr.contains("state does not match"), "{stderr}");
    // The second paste was taken: the token request went out (to a closed port).
    assert_eq!(code, 6, "{doc:#}");
    assert_eq!(doc["invalid_callbacks"], 1);
    assert!(doc["token_request"].is_object());
}

#[test]
fn only_pasted_urls_with_wrong_state_end_in_exit_4_at_the_timeout() {
    let (code, doc, _) = run_within(
        "https://app.example.com/callback?code=abc&state=forged\n",
        "1",
    );
    assert_eq!(code, 4, "{doc:#}");
    assert_eq!(doc["error"]["kind"], "callback_invalid");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("none carried the state"),
        "{doc:#}"
    );
    assert!(doc.get("token_request").is_none());
}

#[test]
fn pasted_fragment_response_is_read() {
    let (code, doc, _) = run("https://app.example.com/callback#error=access_denied&state=fixed\n");
    assert_eq!(code, 3);
    assert_eq!(doc["error"]["oauth_error"], "access_denied");
}
