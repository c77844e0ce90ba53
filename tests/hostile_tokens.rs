//! An IdP that issues tokens no client may use as text (a CR LF that adds a header where the
//! token is pasted, an escape sequence that rewrites the terminal): the real binary
//! refuses the response (exit 3, `invalid_token_response`, the offending position), caches
//! nothing, and `token` never prints such a token or a header made of it. The embedded IdP
//! runs in this process; tests/oidc/browser.mjs (Node.js, no npm packages) is the browser.

mod common;

use std::path::PathBuf;

use serde_json::Value;
use tokenbench::idp::{Faults, HostileToken, IdpConfig, IdpServer, DEMO_CLIENT_ID, HOSTILE_PREFIX};

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
    stdout: Vec<u8>,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\n--- stderr\n{}",
                String::from_utf8_lossy(&self.stdout),
                self.stderr
            )
        })
    }

    #[track_caller]
    fn expect(&self, code: i32) -> &Out {
        assert_eq!(
            self.code,
            Some(code),
            "--- stdout\n{}\n--- stderr\n{}",
            String::from_utf8_lossy(&self.stdout),
            self.stderr
        );
        self
    }
}

impl World {
    fn new(faults: Faults) -> World {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let idp = runtime
            .block_on(IdpServer::start(IdpConfig {
                auto_approve: true,
                faults,
                ..IdpConfig::default()
            }))
            .unwrap();
        let home = tempfile::tempdir().unwrap();
        let issuer = idp.issuer();
        let profile = home.path().join("hostile.toml");
        std::fs::write(
            &profile,
            format!(
                "issuer = \"{issuer}\"\ncallback_url = \"http://127.0.0.1:0/callback\"\n\
                 auth_url = \"{issuer}/authorize\"\ntoken_url = \"{issuer}/token\"\n\
                 client_id = \"{DEMO_CLIENT_ID}\"\nscope = \"openid offline_access\"\n"
            ),
        )
        .unwrap();
        World {
            runtime,
            idp,
            home,
            profile,
        }
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
            stdout: output.stdout,
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    fn cache_dir(&self) -> PathBuf {
        self.home.path().join("data/tokenbench/cache")
    }

    fn cache_files(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.cache_dir())
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default()
    }

    fn set_faults(&self, faults: Faults) {
        let _guard = self.runtime.enter();
        self.idp.set_faults(faults);
    }
}

/// Nothing of the hostile token's tail on stdout or stderr, in any form a terminal acts on.
#[track_caller]
fn no_raw_token(out: &Out) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    for text in [&*stdout, &out.stderr] {
        assert!(
            !text.contains('\r') && !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{text:?}"
        );
        assert!(!text.contains("X-Injected: yes\n"), "{text:?}");
    }
}

fn assert_refused(error: &Value, field: &str) {
    assert_eq!(error["kind"], "invalid_token_response", "{error}");
    assert_eq!(error["exit_code"], 3, "{error}");
    assert_eq!(error["field"], field, "{error}");
    assert_eq!(error["position"], HOSTILE_PREFIX.len(), "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("position {}", HOSTILE_PREFIX.len())),
        "{message}"
    );
}

#[test]
fn run_refuses_a_hostile_access_token_and_caches_nothing() {
    for (hostile, character) in [
        (HostileToken::HeaderInjection, "\\u{d} (CR)"),
        (HostileToken::Escape, "\\u{1b} (ESC)"),
    ] {
        let world = World::new(Faults {
            hostile_access_token: Some(hostile),
            ..Faults::default()
        });
        let out = world.tokenbench(&["run", "--json", "--cache", "--timeout", "30"]);
        out.expect(3);
        let report = out.json();
        assert_refused(&report["error"], "access_token");
        assert_eq!(report["error"]["character"], character);
        assert!(report["tokens"].is_null(), "{report}");
        assert!(world.cache_files().is_empty(), "{:?}", world.cache_files());

        // `token` signs in, is refused the same way, and prints nothing on stdout.
        for args in [&["token", "--cache", "--header"][..], &["token", "--cache"]] {
            let mut args = args.to_vec();
            args.extend(["--timeout", "30"]);
            let out = world.tokenbench(&args);
            out.expect(3);
            assert!(
                out.stdout.is_empty(),
                "{:?}",
                String::from_utf8_lossy(&out.stdout)
            );
            no_raw_token(&out);
            assert!(out.stderr.contains("position 10"), "{}", out.stderr);
            assert!(world.cache_files().is_empty());
        }
    }
}

#[test]
fn a_hostile_refresh_token_is_refused_too() {
    let world = World::new(Faults {
        hostile_refresh_token: Some(HostileToken::HeaderInjection),
        ..Faults::default()
    });
    let out = world.tokenbench(&["run", "--json", "--cache", "--timeout", "30"]);
    out.expect(3);
    assert_refused(&out.json()["error"], "refresh_token");
    assert!(world.cache_files().is_empty());
}

#[test]
fn a_refresh_answered_with_a_hostile_token_keeps_the_cache_as_it_was() {
    let world = World::new(Faults::default());
    world
        .tokenbench(&["run", "--json", "--cache", "--timeout", "30"])
        .expect(0);
    let [file] = &world.cache_files()[..] else {
        panic!("one cache file expected: {:?}", world.cache_files());
    };
    let before = std::fs::read(file).unwrap();
    world.set_faults(Faults {
        hostile_access_token: Some(HostileToken::Escape),
        ..Faults::default()
    });
    let out = world.tokenbench(&["refresh", "--json"]);
    out.expect(3);
    assert_refused(&out.json()["error"], "access_token");
    no_raw_token(&out);
    assert_eq!(std::fs::read(file).unwrap(), before, "the cache changed");
}

#[test]
fn a_planted_cache_entry_with_a_hostile_token_is_never_served() {
    let world = World::new(Faults::default());
    world
        .tokenbench(&["run", "--json", "--cache", "--timeout", "30"])
        .expect(0);
    let [file] = &world.cache_files()[..] else {
        panic!("one cache file expected");
    };
    let mut entry: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    entry["response"]["access_token"] = HostileToken::HeaderInjection.value().into();
    entry["response"]["expires_in"] = 86_400.into();
    std::fs::write(file, entry.to_string()).unwrap();

    // The planted entry is ignored with a warning; a new sign-in gets a clean token.
    let out = world.tokenbench(&["token", "--cache", "--header", "--timeout", "30"]);
    out.expect(0);
    no_raw_token(&out);
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(
        stdout.starts_with("Authorization: Bearer ey") && stdout.matches('\n').count() == 1,
        "{stdout:?}"
    );
    assert!(!stdout.contains(HOSTILE_PREFIX), "{stdout:?}");
    assert!(
        out.stderr.contains("ignoring the token cache") && out.stderr.contains("position 10"),
        "{}",
        out.stderr
    );
}
