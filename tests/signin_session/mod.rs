//! One profile in one home against oidc-provider, for the sign-in and logout tests: the
//! real binary with tests/oidc/browser.mjs as the browser (its mode per command).
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::common::{clients, tokenbench, Profile, Provider};

pub struct Session<'a> {
    pub provider: &'a Provider,
    pub home: tempfile::TempDir,
    pub profile_path: PathBuf,
    profile_toml: String,
}

pub struct Out {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub context: String,
}

impl Out {
    #[track_caller]
    pub fn expect(&self, code: i32) -> Value {
        assert_eq!(
            self.code,
            Some(code),
            "unexpected exit code\n{}",
            self.context
        );
        self.json()
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e})\n{}", self.context))
    }

    #[track_caller]
    pub fn check(&self, cond: bool, what: &str) {
        assert!(cond, "{what}\n{}", self.context);
    }
}

impl<'a> Session<'a> {
    pub fn new(provider: &'a Provider, profile: Profile) -> Session<'a> {
        Session::with_toml(provider, profile.to_toml())
    }

    /// A profile written as given (extra keys appended to a common one).
    pub fn with_toml(provider: &'a Provider, toml: String) -> Session<'a> {
        let home = tempfile::tempdir().expect("tempdir");
        let profile_path = home.path().join("profile.toml");
        std::fs::write(&profile_path, &toml).expect("write profile");
        Session {
            provider,
            home,
            profile_path,
            profile_toml: toml,
        }
    }

    /// `tokenbench <args> --profile <path>`, the browser in `mode`.
    pub fn run(&self, mode: &str, args: &[&str]) -> Out {
        let log = self.home.path().join("browser.log");
        let mut cmd = tokenbench(self.home.path(), &log);
        cmd.env("TB_BROWSER_MODE", mode)
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

    pub fn cache_dir(&self) -> PathBuf {
        self.home
            .path()
            .join("data")
            .join("tokenbench")
            .join("cache")
    }

    /// The cache files there are.
    pub fn cache_files(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.cache_dir())
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default()
    }

    /// The cached response member (`access_token`, `refresh_token`, …).
    pub fn cached(&self, member: &str) -> String {
        let files = self.cache_files();
        assert_eq!(files.len(), 1, "one cache file expected: {files:?}");
        let text = std::fs::read_to_string(&files[0]).expect("read the cache");
        let v: Value = serde_json::from_str(&text).expect("the cache is JSON");
        v["response"][member]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// The `check` entry of a validation list.
pub fn check<'v>(validation: &'v Value, name: &str) -> Option<&'v Value> {
    validation.as_array()?.iter().find(|c| c["check"] == name)
}
