//! `tokenbench keygen` and the `client_key` failure modes, with the real binary: keys are
//! 0600 and never overwritten, only public parts are printed, a missing, unreadable or
//! wrong-type key is an exit-2 error naming `client_key`, a `cmd:` key in a profile outside
//! the config dir needs trust, and the key never appears in any output.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

struct Sandbox {
    _dir: tempfile::TempDir,
    home: PathBuf,
    repo: PathBuf,
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }
    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join("profiles")).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        Sandbox {
            _dir: dir,
            home,
            repo,
        }
    }

    fn tokenbench(&self, args: &[&str]) -> Out {
        let out = Command::cargo_bin("tokenbench")
            .unwrap()
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join("config"))
            .env("XDG_DATA_HOME", self.home.join("data"))
            .env("XDG_STATE_HOME", self.home.join("state"))
            .env("XDG_CACHE_HOME", self.home.join("cache"))
            .env("NO_COLOR", "1")
            .env_remove("BROWSER")
            .current_dir(&self.repo)
            .args(args)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        Out {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// A profile (no IdP listens) authenticating with `client_key`.
    fn profile(&self, name: &str, client_key: &str) {
        let text = format!(
            "callback_url = \"http://127.0.0.1:0/callback\"\nauth_url = \"http://127.0.0.1:9/authorize\"\n\
             token_url = \"http://127.0.0.1:9/token\"\nclient_id = \"c\"\n\
             client_auth = \"private_key_jwt\"\nclient_key = '{client_key}'\n"
        );
        std::fs::write(
            self.repo.join("profiles").join(format!("{name}.toml")),
            text,
        )
        .unwrap();
    }

    fn run(&self, profile: &str) -> Out {
        self.tokenbench(&[
            "run",
            "--profile",
            profile,
            "--json",
            "--no-browser",
            "--timeout",
            "1",
        ])
    }
}

fn keygen(s: &Sandbox, alg: &str, out: &Path) -> Out {
    s.tokenbench(&[
        "keygen",
        "--alg",
        alg,
        "--out",
        out.to_str().unwrap(),
        "--kid",
        "k1",
        "--json",
    ])
}

/// The base64 lines of a PEM file.
fn pem_body(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn keygen_writes_a_private_0600_key_and_prints_only_public_parts() {
    let s = Sandbox::new();
    for (alg, kty) in [("ES256", "EC"), ("ES384", "EC"), ("EdDSA", "OKP")] {
        let key = s.repo.join(format!("{alg}.pem"));
        let out = keygen(&s, alg, &key);
        assert_eq!(out.code, Some(0), "{}", out.all());
        let json = out.json();
        assert_eq!(json["alg"], alg);
        assert_eq!(json["kid"], "k1");
        assert_eq!(json["jwk"]["kty"], kty);
        assert_eq!(json["jwks"]["keys"][0], json["jwk"]);
        for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
            assert!(
                json["jwk"].get(private).is_none(),
                "{alg}: {private} printed"
            );
        }
        let pem = std::fs::read_to_string(&key).unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        for line in pem_body(&key) {
            assert!(!out.all().contains(&line), "the private key was printed");
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{alg}");
        }
        // Human output: the JWK then the JWKS, one JSON document a line.
        let text = s.tokenbench(&[
            "keygen",
            "--alg",
            alg,
            "--out",
            s.repo.join(format!("{alg}-2.pem")).to_str().unwrap(),
        ]);
        assert_eq!(text.code, Some(0));
        let lines: Vec<Value> = text
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].get("d").is_none() && lines[1]["keys"][0].get("d").is_none());
    }
}

#[test]
fn keygen_never_overwrites_and_refuses_what_it_cannot_make() {
    let s = Sandbox::new();
    let key = s.repo.join("k.pem");
    std::fs::write(&key, "precious").unwrap();
    let out = keygen(&s, "ES256", &key);
    assert_eq!(out.code, Some(2), "{}", out.all());
    assert_eq!(out.json()["error"]["kind"], "invalid_input");
    assert_eq!(std::fs::read_to_string(&key).unwrap(), "precious");
    for alg in ["RS256", "PS256"] {
        let out = keygen(&s, alg, &s.repo.join("r.pem"));
        assert_eq!(out.code, Some(2));
        assert!(out.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("openssl genpkey"));
        assert!(!s.repo.join("r.pem").exists());
    }
    assert_eq!(keygen(&s, "HS256", &s.repo.join("h.pem")).code, Some(2));
    assert_eq!(keygen(&s, "none", &s.repo.join("n.pem")).code, Some(2));
}

#[test]
fn a_missing_unreadable_or_wrong_key_is_an_exit_2_error_naming_client_key() {
    let s = Sandbox::new();
    let key = s.repo.join("good.pem");
    assert_eq!(keygen(&s, "ES256", &key).code, Some(0));
    let public_jwk = s.repo.join("public.jwk");
    let jwk = keygen(&s, "ES256", &s.repo.join("other.pem")).json()["jwk"].to_string();
    std::fs::write(&public_jwk, jwk).unwrap();
    let pkcs1 = s.repo.join("rsa1.pem");
    std::fs::write(
        &pkcs1,
        "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n",
    )
    .unwrap();
    let cases = [
        (
            "missing",
            s.repo.join("nope.pem").display().to_string(),
            "cannot be read",
        ),
        ("dir", s.repo.display().to_string(), "not a regular file"),
        ("public", public_jwk.display().to_string(), "public key"),
        ("pkcs1", pkcs1.display().to_string(), "PKCS#8"),
        ("env", "env:TB_NO_SUCH_KEY_VAR".to_owned(), "not set"),
    ];
    for (name, value, why) in cases {
        s.profile(name, &value);
        let out = s.run(name);
        assert_eq!(out.code, Some(2), "{name}: {}", out.all());
        let message = out.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(message.starts_with("client_key"), "{name}: {message}");
        assert!(message.contains(why), "{name}: {message}");
    }
    // The wrong algorithm for the key.
    std::fs::write(
        s.repo.join("profiles/alg.toml"),
        format!(
            "callback_url = \"http://127.0.0.1:0/callback\"\nauth_url = \"http://127.0.0.1:9/a\"\ntoken_url = \"http://127.0.0.1:9/t\"\nclient_id = \"c\"\nclient_auth = \"private_key_jwt\"\nclient_key = '{}'\nclient_assertion_alg = \"RS256\"\n",
            key.display()
        ),
    )
    .unwrap();
    let out = s.run("alg");
    assert_eq!(out.code, Some(2), "{}", out.all());
    assert!(out.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("cannot sign RS256"));
    // private_key_jwt without a key is an invalid profile.
    std::fs::write(
        s.repo.join("profiles/nokey.toml"),
        "callback_url = \"http://127.0.0.1:0/callback\"\nauth_url = \"http://127.0.0.1:9/a\"\ntoken_url = \"http://127.0.0.1:9/t\"\nclient_id = \"c\"\nclient_auth = \"private_key_jwt\"\n",
    )
    .unwrap();
    let out = s.run("nokey");
    assert_eq!(out.code, Some(2), "{}", out.all());
    assert!(out.all().contains("client_key"), "{}", out.all());
}

#[test]
fn a_cmd_key_in_a_profile_outside_the_config_dir_needs_trust() {
    let s = Sandbox::new();
    let key = s.repo.join("k.pem");
    assert_eq!(keygen(&s, "ES256", &key).code, Some(0));
    let marker = s.repo.join("ran");
    s.profile(
        "cmdkey",
        &format!(
            "cmd:sh -c \"touch {} && echo {}\"",
            marker.display(),
            key.display()
        ),
    );
    let out = s.run("cmdkey");
    assert_eq!(out.code, Some(2), "{}", out.all());
    let json = out.json();
    assert_eq!(json["error"]["kind"], "untrusted_command", "{json:#}");
    assert!(json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("client_key"));
    assert!(!marker.exists(), "the command ran before being trusted");

    // Trusted: the command runs and prints the key's path, and the key signs. No IdP
    // listens, so the run ends in a transport failure, after the assertion was made.
    let trust = s.tokenbench(&["trust", "profiles/cmdkey.toml"]);
    assert_eq!(trust.code, Some(0), "{}", trust.all());
    let out = s.run("cmdkey");
    assert!(marker.exists());
    assert_ne!(out.code, Some(2), "{}", out.all());
    for line in pem_body(&key) {
        assert!(!out.all().contains(&line), "the key leaked: {}", out.all());
    }
}
