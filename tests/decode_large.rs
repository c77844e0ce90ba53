//! `decode` of a large token (the 100 KB JWT of scripts/bench.sh) streams its output; what it
//! prints must be what the library's printers give for the same document, byte for byte,
//! whether the token comes as an argument, through a pipe or from a file on stdin.

use std::io::Write;

use assert_cmd::Command;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

use tokenbench::cli::render::{print_token, Term};
use tokenbench::oauth::text::to_json_pretty_safe;

fn tb() -> Command {
    Command::cargo_bin("tokenbench").unwrap()
}

/// No time claims: their relative times would depend on when each side ran.
fn large_token() -> (String, Value) {
    let groups: Vec<String> = (0..2100)
        .map(|i| format!("grp-{i:05}-engineering-platform-readers"))
        .collect();
    let claims = json!({
        "iss": "https://idp.example", "sub": "alice\u{1b}[2J\u{9b}31m\u{202e}", "groups": groups,
        "nested": { "x\u{7f}": [["\n✓ VERIFIED\r"]], "empty": {} },
    });
    let header = json!({ "alg": "RS256", "typ": "JWT", "kid": "k\u{1b}1" });
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let token = format!("{}.{}.{}", b64(&header), b64(&claims), "c2ln".repeat(86));
    assert!(token.len() > 100 * 1024);
    let mut doc = tokenbench::flow::report::token_json(&token, 0);
    doc.as_object_mut().unwrap().remove("value");
    (token, doc)
}

#[test]
fn a_large_token_prints_as_the_library_prints_it_from_argument_pipe_and_file() {
    let (token, doc) = large_token();
    let mut expected = Vec::new();
    let mut t = Term::new(&mut expected, std::io::sink());
    print_token(&mut t, "token", &doc);
    drop(t);

    let arg = tb().args(["decode", &token]).output().unwrap();
    assert!(arg.status.success());
    assert_eq!(
        String::from_utf8(arg.stdout).unwrap(),
        String::from_utf8(expected).unwrap()
    );
    assert!(arg.stderr.is_empty());

    let arg = tb().args(["decode", &token]).output().unwrap().stdout;
    let piped = tb()
        .args(["decode"])
        .write_stdin(format!("{token}\n"))
        .output()
        .unwrap();
    assert_eq!(piped.stdout, arg);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(token.as_bytes())
        .unwrap();
    // A real file on stdin (not a pipe), whose size the reader sees.
    let from_file = std::process::Command::new(assert_cmd::cargo::cargo_bin("tokenbench"))
        .args(["decode", "-"])
        .stdin(std::fs::File::open(&path).unwrap())
        .output()
        .unwrap();
    assert_eq!(from_file.stdout, arg);
}

#[test]
fn a_large_tokens_json_is_the_safe_pretty_document_byte_for_byte() {
    let (token, doc) = large_token();
    let out = tb().args(["decode", "--json", &token]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text, to_json_pretty_safe(&doc) + "\n");
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), doc);
}

#[test]
fn stdin_that_is_not_utf8_is_refused_as_before() {
    let out = tb()
        .args(["decode", "--json"])
        .write_stdin(b"e30.\xff.x".to_vec())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["error"]["message"]
        .as_str()
        .unwrap()
        .contains("stream did not contain valid UTF-8"));
}
