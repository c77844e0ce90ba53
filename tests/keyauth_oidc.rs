//! End to end, client authentication with keys (RFC 7523): `run --json` and `refresh --json`
//! against oidc-provider (tests/oidc/server.mjs) with a `private_key_jwt` client (its JWKS
//! is the public half of tests/fixtures/keyauth/client-es256.pem, a test-only key made with
//! `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`) and a
//! `client_secret_jwt` client. The key and the secret never reach the outputs.
//!
//! Needs Node.js and `npm ci --prefix tests/oidc`.

mod common;

use std::path::{Path, PathBuf};

use common::{tokenbench, Out, Profile, Provider};
use serde_json::Value;

const PKJWT_ID: &str = "tb-pkjwt";
const PKJWT_KID: &str = "tb-test-es256";
const CSJWT_ID: &str = "tb-csjwt";
const CSJWT_SECRET: &str = "tb-csjwt-secret-a-long-one-for-hs256-0123456789abcdef";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn key_fixture() -> PathBuf {
    common::manifest_dir().join("tests/fixtures/keyauth/client-es256.pem")
}

/// The PEM body lines: none may appear in any output.
fn pem_body(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 8)
        .map(str::to_owned)
        .collect()
}

fn run(home: &Path, profile: &Path, env: &[(&str, &str)], args: &[&str]) -> Out {
    let log = home.join("browser.log");
    let mut cmd = tokenbench(home, &log);
    cmd.env("TB_BROWSER_MODE", "approve");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = cmd
        .args(args)
        .arg("--profile")
        .arg(profile)
        .output()
        .unwrap();
    Out::of(output, String::new())
}

/// The profile with `extra` top-level keys before its tables.
fn write_profile(home: &Path, profile: &Profile, extra: &str) -> PathBuf {
    let path = home.join("profile.toml");
    let mut p = profile.clone();
    p.cache_tokens = true;
    std::fs::write(&path, format!("{extra}{}", p.to_toml())).unwrap();
    path
}

#[track_caller]
fn check_assertion(record: &Value, client_id: &str, alg: &str, aud: &str, context: &str) {
    let form = &record["form"];
    assert_eq!(form["client_assertion_type"], ASSERTION_TYPE, "{context}");
    assert_eq!(form["client_assertion"], "[redacted]", "{context}");
    assert!(form.get("client_secret").is_none(), "{context}");
    assert!(
        record["headers"].get("authorization").is_none(),
        "{context}"
    );
    let a = &record["client_assertion"];
    assert_eq!(a["header"]["alg"], alg, "{context}");
    assert_eq!(a["claims"]["iss"], client_id, "{context}");
    assert_eq!(a["claims"]["sub"], client_id, "{context}");
    assert_eq!(a["claims"]["aud"], aud, "{context}");
    let life = a["claims"]["exp"].as_i64().unwrap() - a["claims"]["iat"].as_i64().unwrap();
    assert!(life > 0 && life <= 60, "{context}");
}

fn no_leak(out: &Out, secrets: &[String]) {
    for s in secrets {
        assert!(
            !out.stdout.contains(s.as_str()) && !out.stderr.contains(s.as_str()),
            "{s:?} leaked\n{}\n{}",
            out.stdout,
            out.stderr
        );
    }
}

#[test]
fn private_key_jwt_run_and_refresh_against_oidc_provider() {
    let idp = Provider::start();
    let home = tempfile::tempdir().unwrap();
    let key = home.path().join("client.pem");
    std::fs::copy(key_fixture(), &key).unwrap();
    let extra = format!(
        "client_auth = \"private_key_jwt\"\nclient_key = {}\nclient_key_id = \"{PKJWT_KID}\"\n",
        common::toml_string(&key.display().to_string())
    );
    let profile = write_profile(home.path(), &Profile::new(&idp, "pkjwt", PKJWT_ID), &extra);
    let secrets = pem_body(&key);

    let out = run(
        home.path(),
        &profile,
        &[],
        &["run", "--json", "--timeout", "30", "--cache"],
    );
    let ctx = format!(
        "{}\n--- stderr\n{}\n--- idp\n{}",
        out.stdout,
        out.stderr,
        idp.log()
    );
    assert_eq!(out.code, Some(0), "{ctx}");
    let json = out.json();
    check_assertion(&json["token_request"], PKJWT_ID, "ES256", &idp.issuer, &ctx);
    assert_eq!(
        json["token_request"]["client_assertion"]["header"]["kid"],
        PKJWT_KID
    );
    no_leak(&out, &secrets);

    let out = run(home.path(), &profile, &[], &["refresh", "--json"]);
    let ctx = format!(
        "{}\n--- stderr\n{}\n--- idp\n{}",
        out.stdout,
        out.stderr,
        idp.log()
    );
    assert_eq!(out.code, Some(0), "{ctx}");
    let json = out.json();
    check_assertion(&json["request"], PKJWT_ID, "ES256", &idp.issuer, &ctx);
    no_leak(&out, &secrets);
    // A second refresh makes a new assertion (a fresh jti): oidc-provider refuses replays.
    let again = run(home.path(), &profile, &[], &["refresh", "--json"]);
    assert_eq!(again.code, Some(0), "{}\n{}", again.stdout, again.stderr);
    assert_ne!(
        again.json()["request"]["client_assertion"]["claims"]["jti"],
        json["request"]["client_assertion"]["claims"]["jti"]
    );
}

#[test]
fn private_key_jwt_with_the_token_endpoint_as_audience() {
    let idp = Provider::start();
    let home = tempfile::tempdir().unwrap();
    let extra = format!(
        "client_auth = \"private_key_jwt\"\nclient_key = \"env:TB_CLIENT_KEY\"\nclient_key_id = \"{PKJWT_KID}\"\nclient_assertion_aud = \"token_endpoint\"\n"
    );
    let profile = write_profile(home.path(), &Profile::new(&idp, "pkjwt", PKJWT_ID), &extra);
    let pem = std::fs::read_to_string(key_fixture()).unwrap();
    let out = run(
        home.path(),
        &profile,
        &[("TB_CLIENT_KEY", pem.as_str())],
        &["run", "--json", "--timeout", "30"],
    );
    let ctx = format!(
        "{}\n--- stderr\n{}\n--- idp\n{}",
        out.stdout,
        out.stderr,
        idp.log()
    );
    assert_eq!(out.code, Some(0), "{ctx}");
    check_assertion(
        &out.json()["token_request"],
        PKJWT_ID,
        "ES256",
        &idp.token_url(),
        &ctx,
    );
    no_leak(&out, &pem_body(&key_fixture()));
}

#[test]
fn client_secret_jwt_run_and_refresh_against_oidc_provider() {
    let idp = Provider::start();
    let home = tempfile::tempdir().unwrap();
    let extra = "client_auth = \"client_secret_jwt\"\nclient_secret = \"env:TB_CSJWT\"\n";
    let profile = write_profile(home.path(), &Profile::new(&idp, "csjwt", CSJWT_ID), extra);
    let env = [("TB_CSJWT", CSJWT_SECRET)];
    let out = run(
        home.path(),
        &profile,
        &env,
        &["run", "--json", "--timeout", "30", "--cache"],
    );
    let ctx = format!(
        "{}\n--- stderr\n{}\n--- idp\n{}",
        out.stdout,
        out.stderr,
        idp.log()
    );
    assert_eq!(out.code, Some(0), "{ctx}");
    check_assertion(
        &out.json()["token_request"],
        CSJWT_ID,
        "HS256",
        &idp.issuer,
        &ctx,
    );
    no_leak(&out, &[CSJWT_SECRET.to_owned()]);
    let out = run(home.path(), &profile, &env, &["refresh", "--json"]);
    let ctx = format!(
        "{}\n--- stderr\n{}\n--- idp\n{}",
        out.stdout,
        out.stderr,
        idp.log()
    );
    assert_eq!(out.code, Some(0), "{ctx}");
    check_assertion(&out.json()["request"], CSJWT_ID, "HS256", &idp.issuer, &ctx);
    no_leak(&out, &[CSJWT_SECRET.to_owned()]);
}
