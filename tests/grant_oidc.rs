//! The grants without a browser end to end against oidc-provider (tests/oidc/server.mjs
//! with its `deviceFlow` and `clientCredentials` features): the real binary's `run` of a
//! device profile while tests/oidc/device.mjs approves (or denies) on the IdP's device
//! pages as a person would, and a client credentials run.
//!
//! Needs Node.js and `npm ci --prefix tests/oidc`.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::{node, oidc_dir, Provider};
use serde_json::Value;

/// Mirrors the clients server.mjs registers for these grants.
const DEVICE_ID: &str = "tb-device";
const SERVICE_ID: &str = "tb-service";
const SERVICE_SECRET: &str = "tb-service-secret-3Kp8";

fn tokenbench(home: &Path) -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("tokenbench"));
    c.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("NO_COLOR", "1")
        .env_remove("BROWSER")
        .current_dir(home);
    c
}

/// Kills the run if the test fails before it ends (a device code lives ten minutes).
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn write_profile(home: &Path, text: &str) -> std::path::PathBuf {
    let file = home.join("p.toml");
    std::fs::write(&file, text).unwrap();
    file
}

/// Runs a device profile, hands the verification URI to device.mjs, and returns the exit
/// code and JSON of the run.
fn device_run(provider: &Provider, decision: &str) -> (Option<i32>, Value, String) {
    let home = tempfile::tempdir().unwrap();
    let file = write_profile(
        home.path(),
        &format!(
            "issuer = \"{}\"\ngrant_type = \"device_code\"\nclient_id = \"{DEVICE_ID}\"\nscope = \"openid\"\n",
            provider.issuer
        ),
    );
    let child = tokenbench(home.path())
        .args(["run", "--json", "--profile"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut run = Killed(child);
    let mut stderr = BufReader::new(run.0.stderr.take().unwrap());
    let mut seen = String::new();
    let uri = loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 {
            panic!(
                "the run ended without a verification URI:\n{seen}\n{}",
                provider.log()
            );
        }
        seen.push_str(&line);
        if let Some(uri) = line.trim().strip_prefix("or scan this code, which opens ") {
            break uri.to_owned();
        }
    };
    // The rest of stderr is drained so the run never blocks on a full pipe.
    let drain = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = stderr.read_to_string(&mut rest);
        rest
    });
    let person = Command::new(node())
        .arg(oidc_dir().join("device.mjs"))
        .args([uri.as_str(), decision])
        .current_dir(oidc_dir())
        .output()
        .unwrap();
    assert!(
        person.status.success(),
        "device.mjs: {}\n{}",
        String::from_utf8_lossy(&person.stderr),
        provider.log()
    );
    let mut stdout = String::new();
    run.0
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let code = run.0.wait().unwrap().code();
    seen.push_str(&drain.join().unwrap());
    let doc = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout}\n{seen}\n{}", provider.log()));
    (code, doc, seen)
}

#[test]
fn device_grant_approved_on_the_idp_pages_gives_verified_tokens() {
    let provider = Provider::start();
    let (code, doc, stderr) = device_run(&provider, "approve");
    assert_eq!(code, Some(0), "{doc}\n{stderr}");
    assert_eq!(doc["grant_type"], "device_code");
    assert_eq!(
        doc["discovery"]["device_authorization_endpoint"],
        format!("{}/device/auth", provider.issuer)
    );
    let device = &doc["device_authorization"];
    assert!(device["polls"].as_u64().unwrap() >= 1, "{device}");
    // oidc-provider sends no interval: RFC 8628's default of 5 s applies.
    assert_eq!(device["response"]["interval"], 5);
    assert_eq!(doc["tokens"]["id_token"]["claims"]["sub"], "dora");
    assert_eq!(doc["tokens"]["id_token"]["verified"], true, "{doc}");
    assert!(stderr.contains("enter the code"), "{stderr}");
}

#[test]
fn device_grant_aborted_on_the_idp_pages_is_access_denied_exit_3() {
    let provider = Provider::start();
    let (code, doc, stderr) = device_run(&provider, "deny");
    assert_eq!(code, Some(3), "{doc}\n{stderr}");
    assert_eq!(doc["error"]["oauth_error"], "access_denied");
}

#[test]
fn client_credentials_against_oidc_provider() {
    let provider = Provider::start();
    let home = tempfile::tempdir().unwrap();
    let file = write_profile(
        home.path(),
        &format!(
            "issuer = \"{}\"\ngrant_type = \"client_credentials\"\nclient_id = \"{SERVICE_ID}\"\nclient_secret = \"env:TB_SERVICE_SECRET\"\nscope = \"\"\n",
            provider.issuer
        ),
    );
    let out = tokenbench(home.path())
        .env("TB_SERVICE_SECRET", SERVICE_SECRET)
        .args(["run", "--json", "--profile"])
        .arg(&file)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(0), "{doc}\n{}", provider.log());
    assert_eq!(doc["grant_type"], "client_credentials");
    assert_eq!(
        doc["token_request"]["headers"]["authorization"],
        "Basic [redacted]"
    );
    assert!(doc["tokens"]["access_token"].is_object());
}
