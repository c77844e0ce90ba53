//! Helpers for the end-to-end tests that drive the real `tokenbench` binary against a
//! real, certified OpenID Provider: panva's `oidc-provider` (tests/oidc/server.mjs) and
//! an HTTP-only fake browser (tests/oidc/browser.mjs) used as `$BROWSER`.
//!
//! Needs Node.js and `npm ci --prefix tests/oidc` (the README test command does this).
//!
//! Use from a test file with `mod common;`.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command as StdCommand, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

pub mod tui_driver;

/// The clients registered in tests/oidc/server.mjs (`CLIENTS`). Keep in sync with it.
pub mod clients {
    /// Public client: `token_endpoint_auth_method: 'none'`.
    pub const PUBLIC_ID: &str = "tb-public";
    /// Confidential client, `client_secret_basic`. Id and secret contain characters that
    /// RFC 6749 §2.3.1 form-urlencodes before base64.
    pub const BASIC_ID: &str = "tb basic:client/1";
    pub const BASIC_SECRET: &str = "p@ss:w/rd+ =&%";
    /// `BASIC_SECRET` as application/x-www-form-urlencoded (what goes into the Basic
    /// credentials before base64).
    pub const BASIC_SECRET_FORM_ENCODED: &str = "p%40ss%3Aw%2Frd%2B+%3D%26%25";
    /// base64("tb+basic%3Aclient%2F1:p%40ss%3Aw%2Frd%2B+%3D%26%25"): the correct
    /// Authorization header value after `Basic `.
    pub const BASIC_CREDENTIALS_B64: &str =
        "dGIrYmFzaWMlM0FjbGllbnQlMkYxOnAlNDBzcyUzQXclMkZyZCUyQislM0QlMjYlMjU=";
    /// Confidential client, `client_secret_post`.
    pub const BODY_ID: &str = "tb-body";
    pub const BODY_SECRET: &str = "tb-body-secret-7Qx9";

    // Public clients for the `doctor` tests, registered the ways redirect URIs go wrong.
    /// The port of the `web` clients' exact redirect URIs (server.mjs `--web-port` default).
    pub const WEB_PORT: u16 = 8765;
    /// `web`: exactly `http://127.0.0.1:WEB_PORT/callback`.
    pub const WEB_ID: &str = "tb-web";
    /// `native`: `http://127.0.0.1/callback` with any port (RFC 8252 §7.3).
    pub const NATIVE_ANY_PORT_ID: &str = "tb-native-any-port";
    /// `web`: exactly `http://localhost:WEB_PORT/callback` (not 127.0.0.1).
    pub const LOCALHOST_ID: &str = "tb-localhost";
    /// `web`: exactly `http://127.0.0.1:WEB_PORT/callback/` (trailing slash).
    pub const SLASH_ID: &str = "tb-slash";
}

/// How long to wait for the provider's ready line (it takes about 0.3 s on an idle
/// 2-core machine; a busy one running cargo can be much slower). A deadline, not a
/// measurement: a healthy start never comes near it.
const PROVIDER_READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Starts tried before giving up. Now and then (about one suite run in thirty, on Node.js 20,
/// which oidc-provider 9 warns it does not support) a server.mjs process prints that warning
/// and then nothing, however long it is given: a fresh process starts at once.
const PROVIDER_START_ATTEMPTS: usize = 3;
/// Upper bound for one `tokenbench run` (its own `--timeout` is 30 s at most here).
const RUN_TIMEOUT: Duration = Duration::from_secs(90);

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/oidc`, absolute.
pub fn oidc_dir() -> PathBuf {
    manifest_dir().join("tests").join("oidc")
}

/// Panics with the setup instruction when the npm dependencies are not installed.
pub fn require_node_modules() {
    let dir = oidc_dir().join("node_modules").join("oidc-provider");
    if !dir.is_dir() {
        panic!(
            "{} is missing: run `npm ci --prefix tests/oidc` first (the README test command does this)",
            dir.display()
        );
    }
}

/// The Node.js executable: `$TB_NODE` if set, else `node` from `PATH`.
pub fn node() -> String {
    std::env::var("TB_NODE").unwrap_or_else(|_| "node".to_string())
}

/// A running tests/oidc/server.mjs. Killed on drop. Its stdin is a pipe that stays open
/// while this value lives, and server.mjs exits on EOF, so even a test process that dies
/// without running destructors leaves no provider behind.
pub struct Provider {
    child: Child,
    stdin: Option<ChildStdin>,
    pub issuer: String,
    stderr: Arc<Mutex<String>>,
    pub startup: Duration,
}

impl Provider {
    pub fn start() -> Provider {
        Provider::start_with_env(&[])
    }

    /// [`Provider::start`] with more environment for server.mjs (its optional settings).
    pub fn start_with_env(env: &[(&str, &str)]) -> Provider {
        let mut hung = Vec::new();
        for _ in 0..PROVIDER_START_ATTEMPTS {
            match Provider::try_start(env) {
                Ok(provider) => return provider,
                // The silent process is killed when its Provider drops.
                Err(log) => hung.push(log),
            }
        }
        panic!(
            "tests/oidc/server.mjs printed no ready line within {PROVIDER_READY_TIMEOUT:?}, {} times; its stderr each time:\n{}",
            hung.len(),
            hung.join("\n---\n")
        );
    }

    /// One start: the provider, or its stderr when it printed no ready line in time. A
    /// process that exits first is a real failure and panics here.
    fn try_start(env: &[(&str, &str)]) -> Result<Provider, String> {
        require_node_modules();
        let started = Instant::now();
        let mut child = StdCommand::new(node())
            .arg(oidc_dir().join("server.mjs"))
            .args(["--port", "0"])
            .current_dir(oidc_dir())
            .env("TB_OIDC_DEBUG", "1") // one stderr line per request, for the diagnostics
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run `{} tests/oidc/server.mjs`: {e} (is Node.js installed?)",
                    node()
                )
            });

        let stderr = Arc::new(Mutex::new(String::new()));
        {
            let sink = Arc::clone(&stderr);
            let mut pipe = child.stderr.take().expect("stderr is piped");
            thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    sink.lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            });
        }

        // Read stdout on a thread so that waiting for the ready line can time out.
        let (tx, rx) = mpsc::channel::<Option<String>>();
        let stdout = child.stdout.take().expect("stdout is piped");
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                match line {
                    Ok(line) => {
                        if tx.send(Some(line)).is_err() {
                            return;
                        }
                    }
                    Err(_) => break,
                }
            }
            let _ = tx.send(None);
        });

        let stdin = child.stdin.take();
        let mut provider = Provider {
            child,
            stdin,
            issuer: String::new(),
            stderr,
            startup: Duration::ZERO,
        };
        let deadline = started + PROVIDER_READY_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(Some(line)) => {
                    let issuer = serde_json::from_str::<Value>(&line)
                        .ok()
                        .and_then(|v| v.get("issuer").and_then(Value::as_str).map(str::to_owned));
                    if let Some(issuer) = issuer {
                        provider.issuer = issuer;
                        provider.startup = started.elapsed();
                        return Ok(provider);
                    }
                    // Not the ready line: keep it for the diagnostics.
                    provider
                        .stderr
                        .lock()
                        .unwrap()
                        .push_str(&format!("[stdout] {line}\n"));
                }
                Ok(None) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = provider.child.wait().ok();
                    thread::sleep(Duration::from_millis(100)); // let the stderr thread drain
                    panic!(
                        "tests/oidc/server.mjs exited ({status:?}) before printing its ready line; its stderr:\n{}",
                        provider.log()
                    );
                }
                Err(mpsc::RecvTimeoutError::Timeout) => return Err(provider.log()),
            }
        }
    }

    /// The authorization endpoint (oidc-provider's default route).
    pub fn auth_url(&self) -> String {
        format!("{}/auth", self.issuer)
    }

    /// The token endpoint (oidc-provider's default route).
    pub fn token_url(&self) -> String {
        format!("{}/token", self.issuer)
    }

    /// What the provider wrote to stderr so far (warnings, `oidc <event>` error lines).
    pub fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        drop(self.stdin.take()); // EOF: server.mjs exits by itself
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port that was free a moment ago (bind to port 0, read it, release it).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind 127.0.0.1:0")
}

/// A TOML basic string (quoted, escaped).
pub fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One profile (the TOML file `tokenbench run --profile` reads).
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    /// `Some` makes tokenbench check the callback's `iss` (RFC 9207).
    pub issuer: Option<String>,
    pub callback_url: String,
    pub auth_url: String,
    pub token_url: String,
    pub client_id: String,
    /// A literal or `env:NAME`.
    pub client_secret: Option<String>,
    /// `basic` or `body`.
    pub client_auth: Option<String>,
    pub scope: String,
    pub auth_params: Vec<(String, String)>,
    /// Writes `cache_tokens = true` (the opt-in token cache).
    pub cache_tokens: bool,
}

impl Profile {
    /// A profile for `provider` with a callback on a free loopback port, asking for
    /// `openid offline_access` with `prompt=consent` (so a refresh token is issued).
    pub fn new(provider: &Provider, name: &str, client_id: &str) -> Profile {
        Profile {
            name: name.to_string(),
            issuer: Some(provider.issuer.clone()),
            callback_url: format!("http://127.0.0.1:{}/callback", free_port()),
            auth_url: provider.auth_url(),
            token_url: provider.token_url(),
            client_id: client_id.to_string(),
            client_secret: None,
            client_auth: None,
            scope: "openid offline_access".to_string(),
            auth_params: vec![("prompt".to_string(), "consent".to_string())],
            cache_tokens: false,
        }
    }

    /// `tb-public`, no secret.
    pub fn public(provider: &Provider) -> Profile {
        Profile::new(provider, "oidc-provider public", clients::PUBLIC_ID)
    }

    /// The `client_secret_basic` client, secret read from `$TB_BASIC_SECRET` (which
    /// [`Run`] sets unless told otherwise).
    pub fn basic(provider: &Provider) -> Profile {
        let mut p = Profile::new(provider, "oidc-provider basic", clients::BASIC_ID);
        p.client_secret = Some("env:TB_BASIC_SECRET".to_string());
        p.client_auth = Some("basic".to_string());
        p
    }

    /// The `client_secret_post` client, secret written literally in the profile.
    pub fn body(provider: &Provider) -> Profile {
        let mut p = Profile::new(provider, "oidc-provider body", clients::BODY_ID);
        p.client_secret = Some(clients::BODY_SECRET.to_string());
        p.client_auth = Some("body".to_string());
        p
    }

    pub fn to_toml(&self) -> String {
        let mut t = String::new();
        let mut kv = |k: &str, v: &str| {
            let _ = writeln!(t, "{k} = {}", toml_string(v));
        };
        kv("name", &self.name);
        if let Some(issuer) = &self.issuer {
            kv("issuer", issuer);
        }
        kv("grant_type", "authorization_code");
        kv("callback_url", &self.callback_url);
        kv("auth_url", &self.auth_url);
        kv("token_url", &self.token_url);
        kv("client_id", &self.client_id);
        if let Some(secret) = &self.client_secret {
            kv("client_secret", secret);
        }
        if let Some(auth) = &self.client_auth {
            kv("client_auth", auth);
        }
        kv("code_challenge_method", "S256");
        kv("scope", &self.scope);
        if self.cache_tokens {
            t.push_str("cache_tokens = true\n");
        }
        if !self.auth_params.is_empty() {
            t.push_str("\n[auth_params]\n");
            for (k, v) in &self.auth_params {
                let _ = writeln!(t, "{} = {}", toml_string(k), toml_string(v));
            }
        }
        t
    }

    /// Writes the profile to `dir/profile.toml` and returns the path.
    pub fn write(&self, dir: &Path) -> PathBuf {
        let path = dir.join("profile.toml");
        std::fs::write(&path, self.to_toml()).expect("write profile");
        path
    }
}

/// The fake browser's argv: `node`, `<abs>/tests/oidc/browser.mjs`.
pub fn browser_argv() -> Vec<String> {
    vec![
        node(),
        oidc_dir()
            .join("browser.mjs")
            .to_string_lossy()
            .into_owned(),
    ]
}

/// `$BROWSER` for tokenbench (which splits it shell-style and appends the URL):
/// [`browser_argv`] quoted where needed.
pub fn browser_command() -> String {
    browser_argv()
        .iter()
        .map(|w| shell_quote(w))
        .collect::<Vec<_>>()
        .join(" ")
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:=@%,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The `Command` for the real binary with `$BROWSER` set to the fake browser and
/// `HOME`/XDG directories pointed into `home`, so no user configuration is read or
/// written. `TB_BROWSER_LOG` is set to `browser_log`.
pub fn tokenbench(home: &Path, browser_log: &Path) -> Command {
    let mut cmd =
        Command::cargo_bin("tokenbench").expect("the tokenbench binary is built by cargo test");
    cmd.env("BROWSER", browser_command())
        .env("TB_BROWSER_LOG", browser_log)
        .env_remove("TB_BROWSER_MODE")
        .env_remove("TB_BASIC_SECRET")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("NO_COLOR", "1")
        .current_dir(home)
        .timeout(RUN_TIMEOUT);
    cmd
}

/// One `tokenbench run --profile <toml> --json --timeout N` against a provider.
pub struct Run {
    pub profile: Profile,
    pub timeout_secs: u64,
    pub browser_mode: String,
    pub env: Vec<(String, String)>,
}

impl Run {
    /// Browser mode `approve`, `--timeout 30`, `TB_BASIC_SECRET` set to the real secret.
    pub fn new(profile: Profile) -> Run {
        Run {
            profile,
            timeout_secs: 30,
            browser_mode: "approve".to_string(),
            env: vec![(
                "TB_BASIC_SECRET".to_string(),
                clients::BASIC_SECRET.to_string(),
            )],
        }
    }

    pub fn browser_mode(mut self, mode: &str) -> Run {
        self.browser_mode = mode.to_string();
        self
    }

    pub fn timeout(mut self, secs: u64) -> Run {
        self.timeout_secs = secs;
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Run {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    pub fn without_env(mut self, key: &str) -> Run {
        self.env.retain(|(k, _)| k != key);
        self
    }

    pub fn execute(self, provider: &Provider) -> Outcome {
        let home = tempfile::tempdir().expect("tempdir");
        let profile_path = self.profile.write(home.path());
        let browser_log = home.path().join("browser.log");
        let mut cmd = tokenbench(home.path(), &browser_log);
        cmd.env("TB_BROWSER_MODE", &self.browser_mode);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.arg("run")
            .arg("--profile")
            .arg(&profile_path)
            .arg("--json")
            .arg("--timeout")
            .arg(self.timeout_secs.to_string());
        let started = Instant::now();
        let output = cmd.output().expect("run tokenbench");
        let elapsed = started.elapsed();
        // The browser is not waited for by tokenbench; give it a moment to finish its log.
        thread::sleep(Duration::from_millis(50));
        Outcome {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            browser_log: std::fs::read_to_string(&browser_log).unwrap_or_default(),
            provider_log: provider.log(),
            profile_toml: self.profile.to_toml(),
            elapsed,
        }
    }
}

/// What one run produced, with everything needed to understand a failure.
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub browser_log: String,
    pub provider_log: String,
    pub profile_toml: String,
    pub elapsed: Duration,
}

impl Outcome {
    pub fn context(&self) -> String {
        format!(
            "exit code: {:?} after {:.1?}\n--- profile\n{}--- stdout\n{}\n--- stderr\n{}\n--- browser log (tests/oidc/browser.mjs)\n{}--- provider log (tests/oidc/server.mjs)\n{}",
            self.code,
            self.elapsed,
            self.profile_toml,
            self.stdout,
            self.stderr,
            self.browser_log,
            self.provider_log
        )
    }

    /// Asserts the exit code and returns stdout parsed as one JSON document.
    #[track_caller]
    pub fn expect(&self, code: i32) -> Value {
        assert_eq!(
            self.code,
            Some(code),
            "unexpected exit code\n{}",
            self.context()
        );
        self.json()
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e})\n{}", self.context()))
    }

    /// `json.pointer(ptr)`, panicking with the whole run's context when it is missing.
    #[track_caller]
    pub fn at<'a>(&self, json: &'a Value, ptr: &str) -> &'a Value {
        json.pointer(ptr)
            .unwrap_or_else(|| panic!("JSON has no {ptr}\n{}", self.context()))
    }

    /// The string at `ptr`.
    #[track_caller]
    pub fn str_at<'a>(&self, json: &'a Value, ptr: &str) -> &'a str {
        let v = self.at(json, ptr);
        v.as_str()
            .unwrap_or_else(|| panic!("{ptr} is not a string but {v}\n{}", self.context()))
    }

    /// Asserts `cond`, printing the run's context otherwise.
    #[track_caller]
    pub fn check(&self, cond: bool, what: &str) {
        assert!(cond, "{what}\n{}", self.context());
    }
}

/// The decoded value of query parameter `name` in `url` (`+` is a space).
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or("");
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k) == name).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A minimal HTTP/1.1 client for the harness self-tests (plain http on loopback only):
/// sends one request with `Connection: close` and returns (status, headers, body).
pub fn http_request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, Vec<(String, String)>, String) {
    use std::io::Write;
    use std::net::TcpStream;

    let rest = url.strip_prefix("http://").expect("http:// URL");
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let mut stream =
        TcpStream::connect(authority).unwrap_or_else(|e| panic!("connect {authority}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
    for (k, v) in headers {
        let _ = write!(req, "{k}: {v}\r\n");
    }
    if let Some(body) = body {
        let _ = write!(req, "Content-Length: {}\r\n", body.len());
    }
    req.push_str("\r\n");
    req.push_str(body.unwrap_or(""));
    stream.write_all(req.as_bytes()).expect("send request");

    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").expect("HTTP response head");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("HTTP status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    (status, headers, body)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let size =
            usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16).unwrap_or(0);
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        s = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// application/x-www-form-urlencoded (WHATWG: space as `+`, `*-._` and alphanumerics kept).
pub fn form_urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// Standard base64 with padding (RFC 4648 §4).
pub fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// What a `tokenbench` process left: its exit code, its two streams apart, and the IdP's
/// log at the time (empty when there is none to show).
pub struct Out {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub idp_log: String,
}

impl Out {
    pub fn of(output: std::process::Output, idp_log: String) -> Out {
        Out {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            idp_log,
        }
    }

    /// The exit code must be `code`; stdout is then one JSON document.
    #[track_caller]
    pub fn expect(&self, code: i32) -> serde_json::Value {
        assert_eq!(self.code, Some(code), "{}", self.context());
        self.json()
    }

    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.context()))
    }

    pub fn context(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}\n--- idp\n{}",
            self.code, self.stdout, self.stderr, self.idp_log
        )
    }
}
