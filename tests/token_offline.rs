//! `token` serves a valid cached token with no network at all: the profile names only an
//! issuer (its endpoints would come from discovery) whose port is closed, and the cached
//! token is still printed, in every `--format`. A cache entry for another issuer or client
//! is never served.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::cargo::CommandCargoExt;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

/// An issuer on a loopback port nothing listens on (bound, read, released).
fn closed_issuer() -> String {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}")
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// An ID token with `exp` (unsigned: `token` serves what was validated when it was cached).
fn id_token(exp: i64) -> String {
    let part = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.c2ln",
        part(json!({"alg": "RS256", "kid": "k"})),
        part(json!({"iss": "x", "sub": "alice", "aud": "app", "exp": exp, "iat": exp - 3600}))
    )
}

struct Home {
    dir: tempfile::TempDir,
    issuer: String,
}

impl Home {
    fn new() -> Home {
        let home = Home {
            dir: tempfile::tempdir().unwrap(),
            issuer: closed_issuer(),
        };
        let profiles = home
            .dir
            .path()
            .join("config")
            .join("tokenbench")
            .join("profiles");
        std::fs::create_dir_all(&profiles).unwrap();
        std::fs::write(
            profiles.join("kube.toml"),
            format!(
                "issuer = \"{}\"\ncallback_url = \"http://127.0.0.1:8400/callback\"\n\
                 client_id = \"app\"\nscope = \"openid offline_access\"\ncache_tokens = true\n",
                home.issuer
            ),
        )
        .unwrap();
        home
    }

    fn cache_file(&self) -> PathBuf {
        self.dir
            .path()
            .join("data")
            .join("tokenbench")
            .join("cache")
            .join("kube.json")
    }

    /// Plants the cache entry a sign-in would have left.
    fn plant(&self, issuer: &str, client_id: &str, response: Value, received_at: i64) {
        let entry = json!({
            "format": 1, "profile": "kube", "issuer": issuer, "client_id": client_id,
            "token_endpoint": format!("{issuer}/token"), "received_at": received_at,
            "response": response,
        });
        let file = self.cache_file();
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, entry.to_string()).unwrap();
    }

    fn token(&self, args: &[&str]) -> Output {
        run(self.dir.path(), args)
    }
}

fn run(home: &Path, args: &[&str]) -> Output {
    std::process::Command::cargo_bin("tokenbench")
        .unwrap()
        .args([
            "token",
            "--profile",
            "kube",
            "--no-browser",
            "--timeout",
            "2",
        ])
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("NO_COLOR", "1")
        .env_remove("BROWSER")
        .env_remove("RUST_LOG")
        .current_dir(home)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn context(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        stdout(out),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn valid_response(id: &str) -> Value {
    json!({"access_token": "at-cached", "token_type": "Bearer", "expires_in": 3600,
           "scope": "openid offline_access", "refresh_token": "rt", "id_token": id})
}

#[test]
fn a_valid_cached_token_is_served_with_the_idp_down_in_every_format() {
    let home = Home::new();
    let received = now();
    let id = id_token(received + 1800);
    home.plant(&home.issuer, "app", valid_response(&id), received);

    let out = home.token(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", context(&out));
    assert_eq!(stdout(&out), "at-cached\n");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("using the cached access token"),
        "{}",
        context(&out)
    );

    for args in [&["--header"][..], &["--format", "header"][..]] {
        let out = home.token(args);
        assert_eq!(out.status.code(), Some(0), "{}", context(&out));
        assert_eq!(stdout(&out), "Authorization: Bearer at-cached\n");
    }

    let out = home.token(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", context(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(doc["expires_at"].as_str().unwrap())
        .unwrap()
        .timestamp();
    assert_eq!(expires, received + 3600);
    assert_eq!(
        doc,
        json!({"access_token": "at-cached", "token_type": "Bearer",
               "expires_at": doc["expires_at"], "scope": "openid offline_access",
               "id_token": id})
    );

    let out = home.token(&["--format", "exec-credential"]);
    assert_eq!(out.status.code(), Some(0), "{}", context(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["apiVersion"], "client.authentication.k8s.io/v1");
    assert_eq!(doc["kind"], "ExecCredential");
    assert_eq!(doc["status"]["token"], id.as_str());
    let at = doc["status"]["expirationTimestamp"].as_str().unwrap();
    assert!(at.ends_with('Z'), "{at}");
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(at)
            .unwrap()
            .timestamp(),
        received + 1800,
        "the ID token's own expiry"
    );

    let out = home.token(&["--format", "exec-credential", "--use", "access"]);
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["status"]["token"], "at-cached");
}

#[test]
fn min_valid_and_force_refresh_go_to_the_idp_and_say_when_it_is_down() {
    let home = Home::new();
    let received = now();
    home.plant(
        &home.issuer,
        "app",
        valid_response(&id_token(received + 300)),
        received,
    );
    // The ID token has 300 s left: enough for --min-valid 60, not for 600.
    let out = home.token(&["--format", "exec-credential"]);
    assert_eq!(out.status.code(), Some(0), "{}", context(&out));
    for args in [
        &["--format", "exec-credential", "--min-valid", "600"][..],
        &["--min-valid", "3600"][..],
        &["--force-refresh"][..],
    ] {
        let out = home.token(args);
        assert_eq!(out.status.code(), Some(6), "{args:?}\n{}", context(&out));
        assert!(out.stdout.is_empty(), "{}", context(&out));
    }
}

#[test]
fn a_cache_entry_for_another_issuer_or_client_is_never_served() {
    let home = Home::new();
    let received = now();
    let id = id_token(received + 1800);
    for (issuer, client) in [(closed_issuer(), "app"), (home.issuer.clone(), "other")] {
        home.plant(&issuer, client, valid_response(&id), received);
        let out = home.token(&[]);
        assert_ne!(out.status.code(), Some(0), "{}", context(&out));
        assert!(out.stdout.is_empty(), "{}", context(&out));
        // It goes on to the issuer (down here) instead of serving the foreign entry.
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("using the cached"),
            "{}",
            context(&out)
        );
    }
}
