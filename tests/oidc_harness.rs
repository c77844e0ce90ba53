//! Self-tests of the end-to-end harness (tests/oidc), independent of the tokenbench binary:
//! the provider starts and advertises what the e2e tests rely on, and the fake browser
//! completes a real authorization (approve, deny, tamper-state) whose code redeems at the
//! token endpoint with each client's authentication method. If these fail, the e2e tests'
//! failures say nothing about tokenbench.
//!
//! Needs Node.js and `npm ci --prefix tests/oidc`.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{base64, browser_argv, clients, form_urlencode, http_request, query_param, Provider};
use serde_json::Value;

/// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

#[test]
fn provider_discovery_matches_the_harness() {
    let idp = Provider::start();
    eprintln!("provider ready in {:?}", idp.startup);
    let (status, _, body) = http_request(
        "GET",
        &format!("{}/.well-known/openid-configuration", idp.issuer),
        &[],
        None,
    );
    assert_eq!(status, 200, "{body}");
    let d: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(d["issuer"], idp.issuer.as_str());
    assert_eq!(d["authorization_endpoint"], idp.auth_url().as_str());
    assert_eq!(d["token_endpoint"], idp.token_url().as_str());
    assert_eq!(
        d["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(d["authorization_response_iss_parameter_supported"], true);
    let auth_methods = d["token_endpoint_auth_methods_supported"]
        .as_array()
        .unwrap();
    for m in ["none", "client_secret_basic", "client_secret_post"] {
        assert!(
            auth_methods.iter().any(|v| v == m),
            "{m} not supported: {body}"
        );
    }
    let scopes = d["scopes_supported"].as_array().unwrap();
    for s in ["openid", "offline_access", "email", "profile"] {
        assert!(
            scopes.iter().any(|v| v == s),
            "scope {s} not supported: {body}"
        );
    }
}

/// Runs browser.mjs on an authorization URL for `client_id` whose callback is a listener on
/// a free port here; returns the callback's request target (path and query) and the
/// redirect_uri used.
fn authorize(idp: &Provider, client_id: &str, mode: &str, state: &str) -> (String, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let redirect_uri = format!(
        "http://127.0.0.1:{}/callback",
        listener.local_addr().unwrap().port()
    );
    let url = format!(
        "{}?response_type=code&client_id={}&redirect_uri={}&scope={}&state={}&code_challenge={}&code_challenge_method=S256&prompt=consent",
        idp.auth_url(),
        form_urlencode(client_id),
        form_urlencode(&redirect_uri),
        form_urlencode("openid offline_access email profile"),
        form_urlencode(state),
        CHALLENGE,
    );
    let argv = browser_argv();
    let browser = Command::new(&argv[0])
        .args(&argv[1..])
        .arg(&url)
        .env("TB_BROWSER_MODE", mode)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn browser.mjs");

    // One connection: the browser's GET of the callback.
    let (mut conn, _) = {
        let (tx, rx) = std::sync::mpsc::channel();
        let l = listener.try_clone().unwrap();
        std::thread::spawn(move || {
            let _ = tx.send(l.accept());
        });
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Ok(c)) => c,
            other => {
                let out = browser.wait_with_output().unwrap();
                panic!(
                    "no callback ({other:?}); browser.mjs stderr:\n{}\nprovider log:\n{}",
                    String::from_utf8_lossy(&out.stderr),
                    idp.log()
                );
            }
        }
    };
    let mut request_line = String::new();
    BufReader::new(&conn).read_line(&mut request_line).unwrap();
    conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
        .unwrap();
    drop(conn);
    let out = browser.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "browser.mjs failed:\n{log}");
    let target = request_line
        .split(' ')
        .nth(1)
        .unwrap_or_else(|| panic!("bad request line {request_line:?}"))
        .to_string();
    assert!(target.starts_with("/callback?"), "{target}\n{log}");
    (target, redirect_uri)
}

fn redeem(
    idp: &Provider,
    code: &str,
    redirect_uri: &str,
    auth: &[(&str, &str)],
    extra: &str,
) -> (u16, String) {
    let form = format!(
        "grant_type=authorization_code&code={}&redirect_uri={}&code_verifier={VERIFIER}{extra}",
        form_urlencode(code),
        form_urlencode(redirect_uri)
    );
    let mut headers = vec![
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Accept", "application/json"),
    ];
    headers.extend_from_slice(auth);
    let (status, _, body) = http_request("POST", &idp.token_url(), &headers, Some(&form));
    (status, body)
}

fn check_tokens(body: &str, client_id: &str, issuer: &str) {
    let t: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert!(t["access_token"].is_string(), "{body}");
    assert!(
        t["refresh_token"].is_string(),
        "offline_access + prompt=consent gives a refresh token: {body}"
    );
    let id_token = t["id_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no id_token: {body}"));
    let payload = id_token.split('.').nth(1).unwrap();
    let payload = base64url_decode(payload);
    let claims: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(claims["aud"], client_id);
    assert_eq!(claims["iss"], issuer);
    assert_eq!(claims["sub"], "alice");
}

fn base64url_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' | b'+' => 62,
        b'_' | b'/' => 63,
        _ => panic!("not base64url: {c}"),
    };
    let bits: Vec<u8> = s.bytes().filter(|&c| c != b'=').map(val).collect();
    let mut out = Vec::new();
    for chunk in bits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &v)| acc | (u32::from(v) << (18 - 6 * i)));
        for i in 0..chunk.len().saturating_sub(1) {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

#[test]
fn basic_credentials_known_answers() {
    // PROTOCOL.md's RFC 6749 §2.3.1 vectors, for the helpers used below.
    let basic = |id: &str, secret: &str| {
        base64(format!("{}:{}", form_urlencode(id), form_urlencode(secret)).as_bytes())
    };
    assert_eq!(
        basic("s6BhdRkqt3", "gX1fBat3bV"),
        "czZCaGRSa3F0MzpnWDFmQmF0M2JW"
    );
    assert_eq!(
        basic("my client", "p@ss:w/rd"),
        "bXkrY2xpZW50OnAlNDBzcyUzQXclMkZyZA=="
    );
    assert_eq!(
        basic("1PpG/Q 1", "z/tZ9VwFZqApmIQ+ZH1I5pLk/uB4ud:X2/8bL+wfFTt1rFw="),
        "MVBwRyUyRlErMTp6JTJGdFo5VndGWnFBcG1JUSUyQlpIMUk1cExrJTJGdUI0dWQlM0FYMiUyRjhiTCUyQndmRlR0MXJGdyUzRA=="
    );
    assert_eq!(
        basic(clients::BASIC_ID, clients::BASIC_SECRET),
        clients::BASIC_CREDENTIALS_B64
    );
    assert_eq!(
        form_urlencode(clients::BASIC_SECRET),
        clients::BASIC_SECRET_FORM_ENCODED
    );
}

#[test]
fn browser_approves_and_each_client_redeems_its_code() {
    let idp = Provider::start();

    // (a) public client: client_id in the form, no secret.
    let (cb, redirect_uri) = authorize(&idp, clients::PUBLIC_ID, "approve", "st-public");
    assert_eq!(
        query_param(&cb, "state").as_deref(),
        Some("st-public"),
        "{cb}"
    );
    assert_eq!(
        query_param(&cb, "iss").as_deref(),
        Some(idp.issuer.as_str()),
        "{cb}"
    );
    let code = query_param(&cb, "code").unwrap_or_else(|| panic!("no code: {cb}"));
    let (status, body) = redeem(&idp, &code, &redirect_uri, &[], "&client_id=tb-public");
    assert_eq!(status, 200, "{body}\n{}", idp.log());
    check_tokens(&body, clients::PUBLIC_ID, &idp.issuer);
    // Codes are single use (RFC 6749 §4.1.2).
    let (status, body) = redeem(&idp, &code, &redirect_uri, &[], "&client_id=tb-public");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("invalid_grant"), "{body}");

    // (b) client_secret_basic with reserved characters: the raw (not form-urlencoded)
    // credentials are refused, the §2.3.1-encoded ones accepted.
    let (cb, redirect_uri) = authorize(&idp, clients::BASIC_ID, "approve", "st-basic");
    let code = query_param(&cb, "code").unwrap_or_else(|| panic!("no code: {cb}"));
    let naive = format!(
        "Basic {}",
        base64(format!("{}:{}", clients::BASIC_ID, clients::BASIC_SECRET).as_bytes())
    );
    let (status, body) = redeem(&idp, &code, &redirect_uri, &[("Authorization", &naive)], "");
    assert!(
        status == 400 || status == 401,
        "naive Basic credentials accepted? {status} {body}"
    );
    let good = format!("Basic {}", clients::BASIC_CREDENTIALS_B64);
    let (status, body) = redeem(&idp, &code, &redirect_uri, &[("Authorization", &good)], "");
    assert_eq!(status, 200, "{body}\n{}", idp.log());
    check_tokens(&body, clients::BASIC_ID, &idp.issuer);

    // (c) client_secret_post.
    let (cb, redirect_uri) = authorize(&idp, clients::BODY_ID, "approve", "st-body");
    let code = query_param(&cb, "code").unwrap_or_else(|| panic!("no code: {cb}"));
    let extra = format!(
        "&client_id={}&client_secret={}",
        clients::BODY_ID,
        form_urlencode(clients::BODY_SECRET)
    );
    let (status, body) = redeem(&idp, &code, &redirect_uri, &[], &extra);
    assert_eq!(status, 200, "{body}\n{}", idp.log());
    check_tokens(&body, clients::BODY_ID, &idp.issuer);
}

#[test]
fn browser_deny_and_tamper_modes() {
    let idp = Provider::start();

    let (cb, _) = authorize(&idp, clients::PUBLIC_ID, "deny", "st-deny");
    assert_eq!(
        query_param(&cb, "error").as_deref(),
        Some("access_denied"),
        "{cb}"
    );
    assert_eq!(
        query_param(&cb, "state").as_deref(),
        Some("st-deny"),
        "{cb}"
    );
    assert_eq!(
        query_param(&cb, "iss").as_deref(),
        Some(idp.issuer.as_str()),
        "{cb}"
    );
    assert!(query_param(&cb, "code").is_none(), "{cb}");

    let (cb, _) = authorize(&idp, clients::PUBLIC_ID, "tamper-state", "st-tamper");
    assert!(query_param(&cb, "code").is_some(), "{cb}");
    let state = query_param(&cb, "state").unwrap();
    assert_ne!(state, "st-tamper", "{cb}");
}
