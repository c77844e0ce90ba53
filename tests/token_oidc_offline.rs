//! `token` against oidc-provider, then with oidc-provider stopped: a valid cached token is
//! served in every format from the profile and cache files alone (issue 12's no-network
//! point, against the real IdP rather than the embedded one).
//!
//! Needs Node.js and `npm ci --prefix tests/oidc`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{tokenbench, Profile, Provider};
use serde_json::Value;

fn cache_entry(home: &Path) -> Value {
    let dir = home.join("data").join("tokenbench").join("cache");
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the cache directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    assert_eq!(files.len(), 1, "one cache entry expected: {files:?}");
    serde_json::from_str(&std::fs::read_to_string(&files[0]).expect("read")).expect("JSON")
}

fn context(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn the_cached_token_is_served_in_every_format_with_oidc_provider_stopped() {
    let idp = Provider::start();
    let home = tempfile::tempdir().expect("tempdir");
    let mut profile = Profile::public(&idp);
    profile.cache_tokens = true;
    let path = profile.write(home.path());
    let log = home.path().join("browser.log");
    let tb = |args: &[&str]| -> Output {
        let mut cmd = tokenbench(home.path(), &log);
        cmd.env("TB_BROWSER_MODE", "approve")
            .args(args)
            .arg("--profile")
            .arg(&path);
        cmd.output().expect("run tokenbench")
    };

    let out = tb(&["run", "--json", "--timeout", "30"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        context(&out),
        idp.log()
    );
    let entry = cache_entry(home.path());
    let access = entry["response"]["access_token"].as_str().expect("access");
    let id_token = entry["response"]["id_token"].as_str().expect("id token");

    // The IdP is gone: its port is closed from here on.
    drop(idp);

    let out = tb(&["token"]);
    assert_eq!(out.status.code(), Some(0), "{}", context(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{access}\n"));

    let out = tb(&["token", "--format", "header"]);
    assert_eq!(out.status.code(), Some(0), "{}", context(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("Authorization: Bearer {access}\n")
    );

    let out = tb(&["token", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", context(&out));
    let json: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(json["access_token"], access);
    assert_eq!(json["id_token"], id_token);
    assert_eq!(json["token_type"], "Bearer");
    let expires_at = json["expires_at"].as_str().expect("expires_at");
    assert!(
        expires_at.ends_with('Z') && expires_at.contains('T'),
        "RFC 3339 UTC: {expires_at}"
    );

    let out = tb(&["token", "--format", "exec-credential"]);
    assert_eq!(out.status.code(), Some(0), "{}", context(&out));
    let json: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(json["apiVersion"], "client.authentication.k8s.io/v1");
    assert_eq!(json["kind"], "ExecCredential");
    assert_eq!(json["status"]["token"], id_token, "the ID token by default");
    assert!(json["status"]["expirationTimestamp"].is_string());

    let out = tb(&["token", "--format", "exec-credential", "--use", "access"]);
    assert_eq!(out.status.code(), Some(0), "{}", context(&out));
    let json: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(json["status"]["token"], access);

    // Asking for a refresh does need the IdP: a transport failure, nothing on stdout.
    let out = tb(&["token", "--force-refresh"]);
    assert_eq!(out.status.code(), Some(6), "{}", context(&out));
    assert!(out.stdout.is_empty(), "{}", context(&out));
}
