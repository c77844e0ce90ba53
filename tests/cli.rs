//! The small commands, through the real binary.

use assert_cmd::Command;
use base64::Engine as _;
use predicates::prelude::*;

fn tb() -> Command {
    Command::cargo_bin("tokenbench").unwrap()
}

#[test]
fn pkce_known_answer() {
    tb().args([
        "pkce",
        "--verifier",
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
    ])
    .assert()
    .success()
    .stdout(predicate::str::contains(
        "challenge: E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    ));
}

#[test]
fn pkce_generates_a_valid_verifier_as_json() {
    let out = tb().args(["pkce", "--json"]).output().unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let v = doc["verifier"].as_str().unwrap();
    assert!(tokenbench::oauth::pkce::validate_verifier(v).is_ok());
    assert_eq!(doc["method"], "S256");
    assert_eq!(
        doc["challenge"],
        tokenbench::oauth::pkce::challenge_for(v, tokenbench::oauth::pkce::ChallengeMethod::S256)
    );
}

#[test]
fn pkce_plain_echoes_the_verifier() {
    let v = "a".repeat(43);
    tb().args(["pkce", "--verifier", &v, "--method", "plain"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("challenge: {v}")));
}

#[test]
fn pkce_invalid_verifiers_exit_2_with_the_reason() {
    for (verifier, reason) in [
        ("a".repeat(42), "42 characters long".to_owned()),
        ("a".repeat(129), "129 characters long".to_owned()),
        (
            format!("{}+/=", "a".repeat(43)),
            "'+' at position 43".to_owned(),
        ),
        (
            format!("{} ", "a".repeat(43)),
            "' ' at position 43".to_owned(),
        ),
        (
            format!("ü{}", "a".repeat(43)),
            "'ü' at position 0".to_owned(),
        ),
    ] {
        tb().args(["pkce", "--verifier", &verifier])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(reason));
    }
    tb().args(["pkce", "--method", "sha256"]).assert().code(2);
}

fn jwt(header: &str, claims: &str) -> String {
    let e = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!("{}.{}.c2ln", e(header), e(claims))
}

#[test]
fn decode_jwt_with_times() {
    let t = jwt(
        r#"{"alg":"RS256","kid":"k"}"#,
        r#"{"sub":"alice","exp":4102444800,"iat":1700000000}"#,
    );
    let out = tb().args(["decode", &t, "--json"]).output().unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["kind"], "jwt");
    assert_eq!(doc["header"]["kid"], "k");
    assert_eq!(doc["claims"]["sub"], "alice");
    assert_eq!(doc["times"][0]["claim"], "exp");
    assert_eq!(doc["times"][0]["utc"], "2100-01-01 00:00:00 UTC");
    assert!(doc["times"][0]["relative"]
        .as_str()
        .unwrap()
        .starts_with("in "));
    assert!(doc["times"][1]["relative"]
        .as_str()
        .unwrap()
        .ends_with(" ago"));

    tb().args(["decode", &t]).assert().success().stdout(
        predicate::str::contains("\"sub\": \"alice\"")
            .and(predicate::str::contains("2100-01-01 00:00:00 UTC")),
    );
}

#[test]
fn decode_from_stdin_and_labels() {
    let t = jwt(r#"{"alg":"none"}"#, r#"{"sub":"x"}"#);
    tb().args(["decode", "-"])
        .write_stdin(format!("{t}\n"))
        .assert()
        .success()
        .stdout(predicate::str::contains("JWT"));
    let jwe = format!(
        "{}.k.iv.ct.tag",
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"alg":"RSA-OAEP","enc":"A128GCM"}"#)
    );
    tb().args(["decode", &jwe])
        .assert()
        .success()
        .stdout(predicate::str::contains("JWE"));
    tb().args(["decode", "2YotnFZFEjr1zCsicMWpAA"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("opaque"));
    tb().args(["decode"]).write_stdin("").assert().code(2);
}

#[test]
fn decode_exits_2_unless_it_decoded_a_jwt_or_recognised_a_jwe() {
    let e = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    for (token, reason) in [
        ("garbage".to_owned(), "1 segment"),
        ("abc.def.ghi".to_owned(), "three segments, but the header"),
        (
            format!("{}.{}.x", e("not json"), e("{}")),
            "header is not JSON",
        ),
        (format!("{}.a.b.c.d", e("[1]")), "five segments"),
    ] {
        let out = tb().args(["decode", "--json", &token]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{token}");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["kind"], "opaque", "{token}");
        assert!(doc["reason"].as_str().unwrap().contains(reason), "{doc}");
        assert_eq!(doc["error"]["kind"], "not_a_jwt");
        assert_eq!(doc["error"]["exit_code"], 2);
        assert!(doc["error"]["message"].as_str().unwrap().contains(reason));

        // Text: what it can on stdout, why on stderr.
        let out = tb().args(["decode", &token]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{token}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stdout.contains("opaque") && stdout.contains(reason),
            "{stdout}"
        );
        assert!(stderr.starts_with("error: not a JWT or JWE: "), "{stderr}");
    }
    // A JWT and a JWE are successes with no `error`.
    let jws = jwt(r#"{"alg":"none"}"#, r#"{"sub":"x"}"#);
    let jwe = format!("{}.k.iv.ct.tag", e(r#"{"alg":"RSA-OAEP","enc":"A128GCM"}"#));
    for token in [jws, jwe] {
        let out = tb().args(["decode", "--json", &token]).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(doc.get("error").is_none(), "{doc}");
    }
}

#[test]
fn every_json_flag_has_help_text() {
    for cmd in ["decode", "pkce"] {
        let out = tb().args([cmd, "--help"]).output().unwrap();
        assert!(out.status.success());
        let help = String::from_utf8(out.stdout).unwrap();
        let line = help
            .lines()
            .find(|l| l.trim_start().starts_with("--json"))
            .unwrap_or_else(|| panic!("{help}"));
        assert!(line.contains("JSON"), "{cmd}: {line}");
    }
}

#[test]
fn decode_never_panics_on_hostile_tokens() {
    let huge = "a".repeat(1024 * 1024);
    let deep = jwt(
        r#"{"alg":"none"}"#,
        &format!("{{\"x\":{}{}}}", "[".repeat(5000), "]".repeat(5000)),
    );
    for t in [
        "a.b",
        "!!.@@.##",
        "e30=.e30=.",
        huge.as_str(),
        deep.as_str(),
        "\u{1b}[31m.x.y",
    ] {
        let out = tb()
            .args(["decode", "--json", "-"])
            .write_stdin(t)
            .output()
            .unwrap();
        // A hostile token is never a panic (101): 0 or "not a JWT" (2), and always a document.
        assert!(
            matches!(out.status.code(), Some(0 | 2)),
            "{}",
            &t[..t.len().min(20)]
        );
        let _: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    }
}

#[test]
fn usage_errors_exit_2() {
    tb().args(["run"]).assert().code(2);
    tb().args(["frobnicate"]).assert().code(2);
    tb().args(["run", "--profile", "x", "--timeout", "0"])
        .assert()
        .code(2);
}
