//! End to end, beyond the first token: the real binary's `run --cache`, `refresh`,
//! `userinfo`, `introspect`, `revoke` and `token` against oidc-provider
//! (tests/oidc/server.mjs), with tests/oidc/browser.mjs as the browser. Each test has its
//! own home (so its own token cache under `$XDG_DATA_HOME/tokenbench/cache`) and provider.
//!
//! Needs Node.js and `npm ci --prefix tests/oidc`.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{clients, tokenbench, Profile, Provider};
use serde_json::Value;

/// One profile in one home, and the commands run there.
struct Session<'a> {
    provider: &'a Provider,
    home: tempfile::TempDir,
    profile_path: PathBuf,
    profile_toml: String,
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    context: String,
}

impl Out {
    #[track_caller]
    fn expect(&self, code: i32) -> &Out {
        assert_eq!(
            self.code,
            Some(code),
            "unexpected exit code\n{}",
            self.context
        );
        self
    }

    #[track_caller]
    fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e})\n{}", self.context))
    }

    #[track_caller]
    fn check(&self, cond: bool, what: &str) {
        assert!(cond, "{what}\n{}", self.context);
    }
}

impl<'a> Session<'a> {
    fn new(provider: &'a Provider, profile: Profile) -> Session<'a> {
        let home = tempfile::tempdir().expect("tempdir");
        let profile_path = profile.write(home.path());
        Session {
            provider,
            home,
            profile_path,
            profile_toml: profile.to_toml(),
        }
    }

    /// `tokenbench <args> --profile <path>`, the browser approving.
    fn run(&self, args: &[&str]) -> Out {
        let log = self.home.path().join("browser.log");
        let mut cmd = tokenbench(self.home.path(), &log);
        cmd.env("TB_BROWSER_MODE", "approve")
            .env("TB_BASIC_SECRET", clients::BASIC_SECRET)
            .args(args)
            .arg("--profile")
            .arg(&self.profile_path);
        let started = Instant::now();
        let output = cmd.output().expect("run tokenbench");
        std::thread::sleep(Duration::from_millis(50)); // the browser's last log lines
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let context = format!(
            "tokenbench {args:?}: exit {:?} after {:.1?}\n--- profile\n{}--- stdout\n{stdout}\n--- stderr\n{stderr}\n--- browser log\n{}--- provider log\n{}",
            output.status.code(),
            started.elapsed(),
            self.profile_toml,
            std::fs::read_to_string(&log).unwrap_or_default(),
            self.provider.log(),
        );
        Out {
            code: output.status.code(),
            stdout,
            stderr,
            context,
        }
    }

    fn cache_dir(&self) -> PathBuf {
        self.home
            .path()
            .join("data")
            .join("tokenbench")
            .join("cache")
    }

    /// The one cache file (its name comes from the profile's name).
    fn cache_file(&self) -> PathBuf {
        let files: Vec<PathBuf> = std::fs::read_dir(self.cache_dir())
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        assert_eq!(files.len(), 1, "one cache file expected: {files:?}");
        files[0].clone()
    }

    fn cache(&self) -> Value {
        let text = std::fs::read_to_string(self.cache_file()).expect("read the cache");
        serde_json::from_str(&text).expect("the cache is JSON")
    }

    fn cached(&self, member: &str) -> String {
        self.cache()["response"][member]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    fn write_cache(&self, value: &Value) {
        std::fs::write(self.cache_file(), value.to_string()).expect("write the cache");
    }

    /// `run --cache`, which must succeed.
    fn sign_in(&self) {
        self.run(&["run", "--json", "--timeout", "30", "--cache"])
            .expect(0);
    }
}

#[cfg(unix)]
fn mode(p: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn run_cache_then_refresh_with_basic_client_auth() {
    let idp = Provider::start();
    let s = Session::new(&idp, Profile::basic(&idp));
    let run = s.run(&["run", "--json", "--timeout", "30", "--cache"]);
    run.expect(0);
    run.check(
        run.stderr.contains("tokens cached in "),
        "run --cache says where the tokens went",
    );
    #[cfg(unix)]
    {
        assert_eq!(mode(&s.cache_file()), 0o600, "cache file mode");
        assert_eq!(mode(&s.cache_dir()), 0o700, "cache dir mode");
    }
    let before = s.cache();
    assert_eq!(before["client_id"], clients::BASIC_ID);
    assert_eq!(before["issuer"], idp.issuer.as_str());
    let old_refresh = s.cached("refresh_token");
    let old_access = s.cached("access_token");
    assert!(!old_refresh.is_empty());

    let out = s.run(&["refresh", "--json"]);
    let json = out.expect(0).json();
    assert_eq!(json["operation"], "refresh");
    assert_eq!(json["endpoint"], idp.token_url());
    assert_eq!(json["request"]["form"]["grant_type"], "refresh_token");
    assert_eq!(json["request"]["form"]["refresh_token"], "[redacted]");
    assert_eq!(
        json["request"]["headers"]["authorization"],
        "Basic [redacted]"
    );
    out.check(
        json["request"]["form"].get("client_secret").is_none(),
        "the secret goes in one place only",
    );
    assert_eq!(json["response"]["status"], 200);
    // oidc-provider rotates the refresh tokens of public clients only (its default
    // `rotateRefreshToken`): this confidential client gets the same one back.
    assert_eq!(json["result"]["changes"]["refresh_token"], "same");
    assert_eq!(json["result"]["changes"]["access_token_changed"], true);
    assert_eq!(json["result"]["id_token_checked"], true);
    assert_eq!(
        json["result"]["tokens"]["id_token"]["claims"]["sub"],
        "alice"
    );
    for secret in [clients::BASIC_SECRET, clients::BASIC_CREDENTIALS_B64] {
        out.check(
            !out.stdout.contains(secret) && !out.stderr.contains(secret),
            "the client secret leaked",
        );
    }
    out.check(
        !json["request"].to_string().contains(&old_refresh),
        "the refresh token leaked into the request record",
    );
    // The cache now holds the new access token.
    assert_eq!(s.cached("refresh_token"), old_refresh);
    assert_ne!(s.cached("access_token"), old_access);

    // Human output says the same in words.
    let out = s.run(&["refresh"]);
    out.expect(0);
    out.check(
        out.stdout.contains("refresh token  unchanged"),
        "the summary says the refresh token came back unchanged",
    );
    out.check(
        out.stdout.contains("same iss, sub and aud"),
        "the summary says the ID token was compared",
    );
}

#[test]
fn userinfo_introspection_and_revocation() {
    let idp = Provider::start();
    let s = Session::new(&idp, Profile::public(&idp));
    s.sign_in();
    let access = s.cached("access_token");

    let out = s.run(&["userinfo", "--json"]);
    let json = out.expect(0).json();
    assert_eq!(json["endpoint"], format!("{}/me", idp.issuer));
    assert_eq!(json["request"]["method"], "GET");
    assert_eq!(
        json["request"]["headers"]["authorization"],
        "Bearer [redacted]"
    );
    assert_eq!(json["result"]["claims"]["sub"], "alice");
    out.check(
        !json["request"].to_string().contains(&access),
        "the access token leaked into the request record",
    );

    let out = s.run(&["introspect", "--json"]);
    let json = out.expect(0).json();
    assert_eq!(
        json["endpoint"],
        format!("{}/token/introspection", idp.issuer)
    );
    assert_eq!(json["request"]["form"]["token"], "[redacted]");
    assert_eq!(json["request"]["form"]["token_type_hint"], "access_token");
    assert_eq!(json["result"]["active"], true);
    assert_eq!(
        json["result"]["introspection"]["client_id"],
        clients::PUBLIC_ID
    );
    assert_eq!(json["result"]["introspection"]["sub"], "alice");
    let out = s.run(&["introspect", "--json", "--token", "refresh"]);
    let json = out.expect(0).json();
    assert_eq!(json["request"]["form"]["token_type_hint"], "refresh_token");
    assert_eq!(json["result"]["active"], true);

    let out = s.run(&["revoke", "--json"]);
    let json = out.expect(0).json();
    assert_eq!(json["endpoint"], format!("{}/token/revocation", idp.issuer));
    assert_eq!(json["result"]["revoked"], true);
    assert_eq!(json["result"]["token"], "access_token");
    assert_eq!(s.cache()["revoked"], serde_json::json!(["access"]));

    let out = s.run(&["introspect"]);
    out.expect(0);
    out.check(
        out.stdout.contains("The access token is NOT active"),
        "after revocation, introspection says inactive",
    );
    let json = s.run(&["introspect", "--json"]).json();
    assert_eq!(json["result"]["active"], false);
    // A revoked access token is not used for userinfo.
    let out = s.run(&["userinfo"]);
    out.expect(2);
    out.check(
        out.stderr.contains("no access token that is not revoked"),
        "userinfo refuses the revoked token",
    );
}

#[test]
fn revoked_refresh_token_means_signing_in_again() {
    let idp = Provider::start();
    let s = Session::new(&idp, Profile::public(&idp));
    s.sign_in();
    s.run(&["revoke", "--token", "refresh"]).expect(0);
    let json = s
        .run(&["introspect", "--json", "--token", "refresh"])
        .json();
    assert_eq!(json["result"]["active"], false);
    // The cache marks it revoked, so refresh refuses before asking the IdP...
    let out = s.run(&["refresh"]);
    out.expect(2);
    // ...and with the mark gone, the IdP answers invalid_grant: exit 3, sign in again.
    let mut cache = s.cache();
    cache["revoked"] = serde_json::json!([]);
    s.write_cache(&cache);
    let out = s.run(&["refresh", "--json"]);
    let json = out.expect(3).json();
    assert_eq!(json["error"]["oauth_error"], "invalid_grant");
    let message = json["error"]["message"].as_str().unwrap_or_default();
    out.check(
        message.contains("sign in again (tokenbench run)"),
        "invalid_grant says to sign in again",
    );
}

#[test]
fn token_serves_the_cache_then_refreshes_near_expiry() {
    let idp = Provider::start();
    // A public client, whose refresh tokens oidc-provider rotates.
    let mut profile = Profile::public(&idp);
    profile.cache_tokens = true;
    let s = Session::new(&idp, profile);
    // cache_tokens = true: a plain run caches.
    s.run(&["run", "--json", "--timeout", "30"]).expect(0);
    let cached = s.cached("access_token");
    let authorizations = idp.log().matches("GET /auth ").count();
    assert!(
        authorizations >= 1,
        "the provider logs requests\n{}",
        idp.log()
    );

    let out = s.run(&["token"]);
    out.expect(0);
    assert_eq!(
        out.stdout,
        format!("{cached}\n"),
        "only the token on stdout\n{}",
        out.context
    );
    out.check(
        out.stderr.contains("using the cached access token"),
        "progress on stderr",
    );
    let out = s.run(&["token", "--header"]);
    assert_eq!(
        out.expect(0).stdout,
        format!("Authorization: Bearer {cached}\n")
    );

    // Thirty seconds before expiry: refreshed, and the cache updated.
    let old_refresh = s.cached("refresh_token");
    let mut cache = s.cache();
    let received = cache["received_at"].as_i64().unwrap();
    cache["received_at"] = (received - 3600 + 30).into();
    s.write_cache(&cache);
    let out = s.run(&["token"]);
    out.expect(0);
    let fresh = out.stdout.trim().to_owned();
    out.check(!fresh.is_empty() && fresh != cached, "a new access token");
    out.check(out.stderr.contains("refreshing"), "says it refreshed");
    out.check(!out.stdout.contains('•'), "no progress on stdout");
    assert_eq!(s.cached("access_token"), fresh);
    assert_ne!(
        s.cached("refresh_token"),
        old_refresh,
        "the rotated refresh token is kept"
    );
    assert_eq!(
        idp.log().matches("GET /auth ").count(),
        authorizations,
        "no browser sign-in was needed\n{}",
        out.context
    );
    // And it is a token the IdP takes.
    let json = s.run(&["introspect", "--json"]).json();
    assert_eq!(json["result"]["active"], true);
}

#[test]
fn missing_or_corrupt_cache_is_an_input_error_not_a_crash() {
    let idp = Provider::start();
    let s = Session::new(&idp, Profile::public(&idp));
    let path = s.profile_path.display().to_string();
    for command in ["refresh", "userinfo", "introspect", "revoke"] {
        let out = s.run(&[command]);
        out.expect(2);
        out.check(
            out.stderr.contains(&format!(
                "no cached tokens for {path}: run `tokenbench run --profile {path} --cache` first"
            )),
            &format!("{command} says how to get cached tokens"),
        );
    }
    let json = s.run(&["userinfo", "--json"]).json();
    assert_eq!(json["error"]["kind"], "no_cached_tokens");
    assert_eq!(json["error"]["exit_code"], 2);

    s.sign_in();
    std::fs::write(s.cache_file(), "{\"format\": 1, \"response\": ").unwrap();
    let out = s.run(&["userinfo"]);
    out.expect(2);
    out.check(
        out.stderr.contains("ignoring the token cache") && out.stderr.contains("not valid JSON"),
        "a corrupt cache is named in a warning",
    );
    out.check(!out.stderr.contains("panicked"), "no crash");
    // `token --cache` signs in again and replaces the corrupt file.
    let out = s.run(&["token", "--cache", "--timeout", "30"]);
    out.expect(0);
    assert_eq!(out.stdout.trim(), s.cached("access_token"));
    out.check(
        out.stderr.contains("signing in with the browser"),
        "signed in",
    );
}

#[test]
fn endpoints_need_an_issuer() {
    let idp = Provider::start();
    let mut profile = Profile::public(&idp);
    profile.issuer = None;
    let s = Session::new(&idp, profile);
    s.sign_in();
    let out = s.run(&["introspect"]);
    out.expect(2);
    out.check(
        out.stderr
            .contains("has no `issuer`: the introspection endpoint is found by discovery"),
        "a clear error without an issuer",
    );
    // The refresh needs only the token endpoint.
    s.run(&["refresh"]).expect(0);
}

#[test]
fn refresh_uses_the_discovered_token_endpoint_when_the_profile_leaves_it_empty() {
    let idp = Provider::start();
    let mut profile = Profile::public(&idp);
    profile.auth_url = String::new();
    profile.token_url = String::new();
    let s = Session::new(&idp, profile);
    s.sign_in();
    let out = s.run(&["refresh", "--json"]);
    let json = out.expect(0).json();
    assert_eq!(json["endpoint"], idp.token_url());
    assert_eq!(json["result"]["changes"]["refresh_token"], "rotated");
}
