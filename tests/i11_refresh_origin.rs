//! Entra's redirect URI platforms on the refresh grant, end to end: the real binary signs in
//! (`run --cache`) against the embedded IdP, then the IdP starts refusing as a Single-Page
//! Application (AADSTS9002327, no `Origin`) or a Web registration (AADSTS9002326, an
//! `Origin`), and `tokenbench refresh --json` retries once the other way under
//! `token_origin = "auto"` and keeps to `always` / `never`. tests/oidc/browser.mjs (Node.js,
//! no npm packages) is the browser.

mod common;

use std::path::PathBuf;

use serde_json::Value;
use tokenbench::idp::{Faults, IdpConfig, IdpServer, Registration, DEMO_CLIENT_ID};

/// The embedded IdP on its own runtime (the binary runs on this thread meanwhile), and one
/// home with one profile for it.
struct World {
    runtime: tokio::runtime::Runtime,
    idp: IdpServer,
    home: tempfile::TempDir,
    profile: PathBuf,
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Out {
    #[track_caller]
    fn json(&self, code: i32) -> Value {
        assert_eq!(
            self.code,
            Some(code),
            "--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }
}

impl World {
    /// Signed in with cached tokens, the IdP not yet refusing anything.
    fn signed_in() -> World {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let idp = runtime
            .block_on(IdpServer::start(IdpConfig {
                auto_approve: true,
                ..IdpConfig::default()
            }))
            .unwrap();
        let home = tempfile::tempdir().unwrap();
        let profile = home.path().join("entra.toml");
        let world = World {
            runtime,
            idp,
            home,
            profile,
        };
        world.write_profile("");
        world
            .tokenbench(&["run", "--json", "--cache", "--timeout", "30"])
            .json(0);
        world
    }

    /// The profile, with `extra` lines (same name, so the same cache entry).
    fn write_profile(&self, extra: &str) {
        let issuer = self.idp.issuer();
        std::fs::write(
            &self.profile,
            format!(
                "issuer = \"{issuer}\"\ncallback_url = \"http://127.0.0.1:0/callback\"\n\
                 auth_url = \"{issuer}/authorize\"\ntoken_url = \"{issuer}/token\"\n\
                 client_id = \"{DEMO_CLIENT_ID}\"\nscope = \"openid offline_access\"\n{extra}"
            ),
        )
        .unwrap();
    }

    fn tokenbench(&self, args: &[&str]) -> Out {
        let log = self.home.path().join("browser.log");
        let output = common::tokenbench(self.home.path(), &log)
            .args(args)
            .arg("--profile")
            .arg(&self.profile)
            .output()
            .unwrap();
        Out {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    fn register_as(&self, registration: Registration) {
        let _guard = self.runtime.enter();
        self.idp.set_faults(Faults {
            registration: Some(registration),
            ..Faults::default()
        });
    }

    /// `refresh --json` with the exit code expected, and how many token requests it made.
    fn refresh(&self, code: i32) -> (Value, usize) {
        let before = self.idp.token_requests();
        let json = self.tokenbench(&["refresh", "--json"]).json(code);
        (json, self.idp.token_requests() - before)
    }
}

fn warnings(json: &Value) -> String {
    json["warnings"].to_string()
}

#[test]
fn a_spa_registration_refresh_is_retried_once_with_an_origin() {
    let world = World::signed_in();
    world.register_as(Registration::Spa);
    let (json, requests) = world.refresh(0);
    assert_eq!(requests, 2, "{json}");
    let retry = &json["request"]["origin_retry"];
    assert_eq!(retry["retried_with_origin"], true, "{json}");
    assert_eq!(retry["registration"], "Single-Page Application");
    assert_eq!(retry["first_attempt"]["status"], 400);
    let first = retry["first_attempt"]["error_description"]
        .as_str()
        .unwrap();
    assert!(first.starts_with("AADSTS9002327"), "{first}");
    // The request shown is the retry, carrying the callback's origin.
    let origin = json["request"]["headers"]["origin"].as_str().unwrap();
    assert_eq!(retry["origin"], origin);
    assert!(origin.starts_with("http://127.0.0.1"), "{origin}");
    assert_eq!(json["result"]["changes"]["refresh_token"], "rotated");
    assert!(
        warnings(&json).contains("registered as Single-Page Application"),
        "{json}"
    );

    // The retried refresh cached its tokens: the next one works the same way.
    let (json, requests) = world.refresh(0);
    assert_eq!(requests, 2, "{json}");
}

#[test]
fn a_spa_registration_refresh_keeps_to_always_and_never() {
    let world = World::signed_in();
    world.register_as(Registration::Spa);
    // `never`: refused once, not retried, the platform named, nothing cached anew.
    world.write_profile("token_origin = \"never\"");
    let (json, requests) = world.refresh(3);
    assert_eq!(requests, 1, "{json}");
    assert!(json["request"]["origin_retry"].is_null(), "{json}");
    assert!(json["request"]["headers"]["origin"].is_null(), "{json}");
    assert_eq!(json["error"]["kind"], "oauth_error", "{json}");
    let message = json["error"]["message"].as_str().unwrap();
    assert!(message.contains("AADSTS9002327"), "{message}");
    // `always`: the first attempt carries the origin and passes.
    world.write_profile("token_origin = \"always\"");
    let (json, requests) = world.refresh(0);
    assert_eq!(requests, 1, "{json}");
    assert!(json["request"]["headers"]["origin"].is_string(), "{json}");
    assert!(json["request"]["origin_retry"].is_null(), "{json}");
    assert!(
        !warnings(&json).contains("Single-Page Application"),
        "{json}"
    );
}

#[test]
fn a_web_registration_refresh_refuses_always_and_passes_auto() {
    let world = World::signed_in();
    world.register_as(Registration::Web);
    // `always` is what the profile asked for: refused, no retry, the fix named.
    world.write_profile("token_origin = \"always\"");
    let (json, requests) = world.refresh(3);
    assert_eq!(requests, 1, "{json}");
    let first = json["error"]["oauth_error_description"].as_str().unwrap();
    assert!(first.starts_with("AADSTS9002326"), "{json}");
    let message = json["error"]["message"].as_str().unwrap();
    assert!(message.contains("token_origin = \"never\""), "{message}");
    // `auto` sends no Origin first, so a Web registration passes at once.
    world.write_profile("");
    let (json, requests) = world.refresh(0);
    assert_eq!(requests, 1, "{json}");
    assert!(json["request"]["headers"]["origin"].is_null(), "{json}");
    assert!(json["request"]["origin_retry"].is_null(), "{json}");
}
