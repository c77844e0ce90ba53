//! The profile: one IdP + client configuration, as written in a TOML file.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::oauth::pkce::{ChallengeMethod, PkceVerifier};
use crate::oauth::secret::ClientSecret;
use crate::oauth::token_request::{ClientAuth, TokenOrigin};
use crate::oauth::types::{ClientId, EndpointUrl, RedirectUri};

pub use super::trust::Provenance;

/// The file as written. Every key is optional at this level so that validation can name
/// what is missing instead of serde's generic message.
// Debug is written by hand: a literal client secret or a fixed verifier must not reach logs.
#[derive(Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_auth: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_challenge_method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_verifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// A TOML boolean, the one key that is not a string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_tokens: Option<bool>,
    /// Allow plain http to a host that is not loopback (a test IdP); named to be noticed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insecure_http: Option<bool>,
    /// Turn TLS certificate verification off; every run then says so loudly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insecure_tls: Option<bool>,
    /// Endpoints set by hand, overriding discovery (empty = discovered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userinfo_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub introspection_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revocation_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_session_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwks_url: Option<String>,
    /// Credentials used only for introspection (a resource server's), not the app's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub introspection: Option<RawIntrospection>,
    /// Whether the token request carries an `Origin` header: "auto" (retry once the other
    /// way when Entra names its SPA/Web registration), "always", "never".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_origin: Option<String>,
    /// Who signs in (OIDC Core §3.1.2.1): sent with every run unless its flags say otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_hint: Option<String>,
    /// Seconds, written as a string like the form edits it ("3600").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_age: Option<String>,
    /// Where the IdP sends the browser back after `tokenbench logout` (default callback_url).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_logout_redirect_url: Option<String>,
    /// RFC 8628's device authorization endpoint, by hand (empty = discovered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_authorization_url: Option<String>,
    /// The private key for `private_key_jwt`: a path, `env:NAME` or `cmd:…` (PEM or JWK).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_key: Option<String>,
    /// The `kid` of the client assertion's header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_key_id: Option<String>,
    /// The assertion's `alg` when not the key's own (PS256 for an RSA key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_assertion_alg: Option<String>,
    /// "issuer" (default) or "token_endpoint": what the assertion's `aud` names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_assertion_aud: Option<String>,
    /// "auto" (default: when the IdP requires it), "always", "never": whether the
    /// authorization parameters are pushed first (RFC 9126).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub par: Option<String>,
    /// "none" (default) or "signed": the parameters as a JWT signed with `client_key`
    /// (RFC 9101).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_object: Option<String>,
    /// A security profile to lint the client against: "fapi2" (empty = none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// DPoP-bound tokens (RFC 9449): a TOML boolean.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dpop: Option<bool>,
    /// The DPoP key: a path, `env:NAME` or `cmd:…` (PEM or JWK); empty: one made for the
    /// profile in the data directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dpop_key: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub auth_params: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub token_params: BTreeMap<String, String>,
}

/// The `[introspection]` table as written.
#[derive(Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawIntrospection {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_auth: Option<String>,
    /// `env:NAME` or `cmd:…`: a bearer token sent instead of client authentication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bearer: Option<String>,
}

impl RawIntrospection {
    /// The table's keys, for "did you mean" (an unknown key is refused by serde).
    pub const KEYS: [&'static str; 4] = ["client_id", "client_secret", "client_auth", "bearer"];
}

impl std::fmt::Debug for RawIntrospection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let literal = matches!(
            self.client_secret.as_deref().and_then(SecretSource::parse),
            Some(SecretSource::Literal(_))
        );
        f.debug_struct("RawIntrospection")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &if literal {
                    Some("[redacted]")
                } else {
                    self.client_secret.as_deref()
                },
            )
            .field("client_auth", &self.client_auth)
            .field("bearer", &self.bearer)
            .finish()
    }
}

impl RawProfile {
    /// The top-level keys in form order, which is also the order new keys are written in.
    pub const KEYS: [&'static str; 36] = [
        "name",
        "issuer",
        "grant_type",
        "callback_url",
        "auth_url",
        "token_url",
        "client_id",
        "client_secret",
        "client_auth",
        "code_challenge_method",
        "code_verifier",
        "scope",
        "state",
        "cache_tokens",
        "insecure_http",
        "insecure_tls",
        "userinfo_url",
        "introspection_url",
        "revocation_url",
        "end_session_url",
        "jwks_url",
        "token_origin",
        "prompt",
        "login_hint",
        "max_age",
        "post_logout_redirect_url",
        "device_authorization_url",
        "client_key",
        "client_key_id",
        "client_assertion_alg",
        "client_assertion_aud",
        "par",
        "request_object",
        "profile",
        "dpop",
        "dpop_key",
    ];

    /// Keys whose value is a TOML boolean; `scalars` shows them as "true" / "false".
    pub const BOOL_KEYS: [&'static str; 4] =
        ["cache_tokens", "insecure_http", "insecure_tls", "dpop"];

    /// Every top-level key with its value, in the order of [`RawProfile::KEYS`].
    pub fn scalars(&self) -> [(&'static str, Option<&str>); 36] {
        let flag = |b: Option<bool>| b.map(|b| if b { "true" } else { "false" });
        [
            ("name", self.name.as_deref()),
            ("issuer", self.issuer.as_deref()),
            ("grant_type", self.grant_type.as_deref()),
            ("callback_url", self.callback_url.as_deref()),
            ("auth_url", self.auth_url.as_deref()),
            ("token_url", self.token_url.as_deref()),
            ("client_id", self.client_id.as_deref()),
            ("client_secret", self.client_secret.as_deref()),
            ("client_auth", self.client_auth.as_deref()),
            (
                "code_challenge_method",
                self.code_challenge_method.as_deref(),
            ),
            ("code_verifier", self.code_verifier.as_deref()),
            ("scope", self.scope.as_deref()),
            ("state", self.state.as_deref()),
            ("cache_tokens", flag(self.cache_tokens)),
            ("insecure_http", flag(self.insecure_http)),
            ("insecure_tls", flag(self.insecure_tls)),
            ("userinfo_url", self.userinfo_url.as_deref()),
            ("introspection_url", self.introspection_url.as_deref()),
            ("revocation_url", self.revocation_url.as_deref()),
            ("end_session_url", self.end_session_url.as_deref()),
            ("jwks_url", self.jwks_url.as_deref()),
            ("token_origin", self.token_origin.as_deref()),
            ("prompt", self.prompt.as_deref()),
            ("login_hint", self.login_hint.as_deref()),
            ("max_age", self.max_age.as_deref()),
            (
                "post_logout_redirect_url",
                self.post_logout_redirect_url.as_deref(),
            ),
            (
                "device_authorization_url",
                self.device_authorization_url.as_deref(),
            ),
            ("client_key", self.client_key.as_deref()),
            ("client_key_id", self.client_key_id.as_deref()),
            ("client_assertion_alg", self.client_assertion_alg.as_deref()),
            ("client_assertion_aud", self.client_assertion_aud.as_deref()),
            ("par", self.par.as_deref()),
            ("request_object", self.request_object.as_deref()),
            ("profile", self.profile.as_deref()),
            ("dpop", flag(self.dpop)),
            ("dpop_key", self.dpop_key.as_deref()),
        ]
    }

    /// The endpoint keys set by hand, with the metadata field each one overrides.
    pub const BY_HAND: [(&'static str, &'static str); 6] = [
        ("userinfo_url", "userinfo_endpoint"),
        ("introspection_url", "introspection_endpoint"),
        ("revocation_url", "revocation_endpoint"),
        ("end_session_url", "end_session_endpoint"),
        ("jwks_url", "jwks_uri"),
        ("device_authorization_url", "device_authorization_endpoint"),
    ];

    /// The value of one of the [`RawProfile::BY_HAND`] keys, writable.
    pub fn by_hand_mut(&mut self, key: &str) -> Option<&mut Option<String>> {
        match key {
            "userinfo_url" => Some(&mut self.userinfo_url),
            "introspection_url" => Some(&mut self.introspection_url),
            "revocation_url" => Some(&mut self.revocation_url),
            "end_session_url" => Some(&mut self.end_session_url),
            "jwks_url" => Some(&mut self.jwks_url),
            "device_authorization_url" => Some(&mut self.device_authorization_url),
            _ => None,
        }
    }

    /// The sign-in and sign-out keys, in form order.
    pub const SIGN_IN: [&'static str; 4] = [
        "prompt",
        "login_hint",
        "max_age",
        "post_logout_redirect_url",
    ];

    /// The value of one of the [`RawProfile::SIGN_IN`] keys, writable.
    pub fn sign_in_mut(&mut self, key: &str) -> Option<&mut Option<String>> {
        match key {
            "prompt" => Some(&mut self.prompt),
            "login_hint" => Some(&mut self.login_hint),
            "max_age" => Some(&mut self.max_age),
            "post_logout_redirect_url" => Some(&mut self.post_logout_redirect_url),
            _ => None,
        }
    }

    /// True when `client_secret` is the secret itself rather than an `env:` reference, which
    /// is what makes the file private.
    pub fn has_literal_secret(&self) -> bool {
        let literal = |v: Option<&str>| {
            matches!(
                v.and_then(SecretSource::parse),
                Some(SecretSource::Literal(_))
            )
        };
        literal(self.client_secret.as_deref())
            || self
                .introspection
                .as_ref()
                .is_some_and(|i| literal(i.client_secret.as_deref()))
    }
}

impl RawProfile {
    /// The commands the profile would run (today only a `cmd:` client secret), each as the
    /// exact argv it runs, shell-quoted. What trusting its file allows.
    pub fn commands(&self) -> Vec<String> {
        let table = self.introspection.as_ref();
        [
            self.client_secret.as_deref(),
            table.and_then(|i| i.client_secret.as_deref()),
            table.and_then(|i| i.bearer.as_deref()),
            self.client_key.as_deref(),
            self.dpop_key.as_deref(),
        ]
        .into_iter()
        .filter_map(|v| match v.and_then(SecretSource::parse) {
            Some(SecretSource::Cmd(argv)) => Some(shell_words::join(argv)),
            _ => None,
        })
        .collect()
    }
}

impl std::fmt::Debug for RawProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct("RawProfile");
        for (key, value) in self.scalars() {
            let hidden = match key {
                "client_secret" => self.has_literal_secret(),
                "code_verifier" => value.is_some_and(|v| !v.is_empty()),
                _ => false,
            };
            s.field(key, &if hidden { Some("[redacted]") } else { value });
        }
        s.field("introspection", &self.introspection)
            .field("auth_params", &self.auth_params)
            .field("token_params", &self.token_params)
            .finish()
    }
}

/// Where the client secret comes from. Resolved only when a run needs it, so that a profile
/// can be shown and edited without the secret ever being read.
#[derive(Clone, PartialEq, Eq)]
pub enum SecretSource {
    Literal(ClientSecret),
    /// `env:NAME`
    Env(String),
    /// `cmd:<command line>`: the first line the command prints, like a credential helper.
    /// Empty when the command line could not be split.
    Cmd(Vec<String>),
}

impl std::fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretSource::Literal(_) => f.write_str("Literal([redacted])"),
            SecretSource::Env(name) => write!(f, "Env({name})"),
            SecretSource::Cmd(argv) => {
                write!(f, "Cmd({})", argv.first().map_or("", String::as_str))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// `key` is the profile key the source is written under (`client_secret`,
    /// `introspection.client_secret`, `introspection.bearer`), in every variant.
    #[error("{key} refers to the environment variable {name}, which is not set")]
    EnvMissing { key: &'static str, name: String },
    #[error("{key} refers to the environment variable {name}, which is empty or not valid UTF-8")]
    EnvInvalid { key: &'static str, name: String },
    #[error("{key} comes from the command {command:?}, which {reason}")]
    Cmd {
        key: &'static str,
        command: String,
        reason: String,
    },
    /// A `cmd:` helper in a file outside the user's config dir whose content the user has
    /// not trusted: nothing was run.
    #[error("{} is outside your config directory and wants to run the command {command:?} for its {key}; it was not run. Read the file, then trust this content with `{}`", file.display(), super::trust::trust_command(file))]
    Untrusted {
        file: PathBuf,
        /// Of the bytes that were parsed (None: not known, the file cannot be trusted as read).
        sha256: Option<String>,
        command: String,
        key: &'static str,
    },
    /// Whether the command may run could not be decided (the trust store is unreadable).
    #[error("{} wants to run the command {command:?} for its {key}, but its trust cannot be checked: {reason}", file.display())]
    TrustUnknown {
        file: PathBuf,
        command: String,
        reason: String,
        key: &'static str,
    },
    /// The client's private key (`client_key`) could not be read or used.
    #[error("{key} {reason}")]
    Key { key: &'static str, reason: String },
}

impl SecretError {
    /// The `error.kind` of the JSON output.
    pub fn kind(&self) -> &'static str {
        match self {
            SecretError::Untrusted { .. } => "untrusted_command",
            SecretError::TrustUnknown { .. } => "trust_store",
            _ => "invalid_input",
        }
    }
}

/// How long a `cmd:` secret helper may take.
pub const SECRET_COMMAND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl SecretSource {
    pub fn parse(value: &str) -> Option<SecretSource> {
        if value.is_empty() {
            return None;
        }
        if let Some(name) = value.strip_prefix("env:") {
            return Some(SecretSource::Env(name.to_owned()));
        }
        if let Some(command) = value.strip_prefix("cmd:") {
            return Some(SecretSource::Cmd(
                shell_words::split(command).unwrap_or_default(),
            ));
        }
        Some(SecretSource::Literal(ClientSecret::new(value)))
    }

    /// Reads the secret now, with `env` looked up through the given function. A `cmd:`
    /// helper runs only when the profile's `source` may run commands (see `profile::trust`):
    /// this is the one place a command is ever run for a profile.
    pub fn resolve(
        &self,
        env: impl Fn(&str) -> Option<std::ffi::OsString>,
        source: &Provenance,
    ) -> Result<ClientSecret, SecretError> {
        self.resolve_as("client_secret", env, source)
    }

    /// [`SecretSource::resolve`] for a source written under `key` (errors name it).
    pub fn resolve_as(
        &self,
        key: &'static str,
        env: impl Fn(&str) -> Option<std::ffi::OsString>,
        source: &Provenance,
    ) -> Result<ClientSecret, SecretError> {
        if let SecretSource::Cmd(argv) = self {
            gate(key, source, &shell_words::join(argv))?;
        }
        let name = |name: &String| name.clone();
        match self {
            SecretSource::Literal(s) => Ok(s.clone()),
            SecretSource::Env(n) => match env(n) {
                None => Err(SecretError::EnvMissing { key, name: name(n) }),
                Some(v) => match v.into_string() {
                    Ok(s) if !s.is_empty() => Ok(ClientSecret::new(s)),
                    _ => Err(SecretError::EnvInvalid { key, name: name(n) }),
                },
            },
            SecretSource::Cmd(argv) => run_secret_command(key, argv, SECRET_COMMAND_TIMEOUT),
        }
    }

    /// How the source may be shown: env references by name, literals never.
    pub fn describe(&self) -> String {
        match self {
            SecretSource::Literal(_) => "(literal, hidden)".to_owned(),
            SecretSource::Env(name) => format!("env:{name}"),
            SecretSource::Cmd(argv) => format!("cmd:{}", shell_words::join(argv)),
        }
    }
}

/// Refuses a command from a file the user has not trusted, before anything runs.
fn gate(key: &'static str, source: &Provenance, command: &str) -> Result<(), SecretError> {
    let Provenance::File { path, sha256 } = source else {
        return Ok(());
    };
    match super::trust::permitted_for_user(source) {
        Ok(true) => Ok(()),
        Ok(false) => Err(SecretError::Untrusted {
            file: path.clone(),
            sha256: sha256.clone(),
            command: command.to_owned(),
            key,
        }),
        Err(e) => Err(SecretError::TrustUnknown {
            file: path.clone(),
            command: command.to_owned(),
            reason: e.to_string(),
            key,
        }),
    }
}

/// Runs a secret helper without a shell and returns the first line of its output. Its
/// stderr goes to the user (a password prompt, a hint); it gets no stdin.
fn run_secret_command(
    key: &'static str,
    argv: &[String],
    timeout: std::time::Duration,
) -> Result<ClientSecret, SecretError> {
    use std::io::Read;
    let command = shell_words::join(argv);
    let fail = |reason: String| SecretError::Cmd {
        key,
        command: command.clone(),
        reason,
    };
    let Some((program, args)) = argv.split_first() else {
        return Err(fail("is empty".to_owned()));
    };
    let mut child = std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| fail(format!("could not be started: {e}")))?;
    let deadline = std::time::Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(10))
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(fail(format!(
                    "did not finish within {} s",
                    timeout.as_secs()
                )));
            }
            Err(e) => return Err(fail(format!("could not be waited for: {e}"))),
        }
    };
    let mut out = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        // A secret is one short line; a helper printing megabytes is broken.
        let _ = stdout.by_ref().take(64 * 1024).read_to_string(&mut out);
    }
    if !status.success() {
        return Err(fail(format!("failed ({status})")));
    }
    match out.lines().next().map(str::trim_end) {
        Some(line) if !line.is_empty() => Ok(ClientSecret::new(line)),
        _ => Err(fail("printed nothing".to_owned())),
    }
}

#[cfg(test)]
mod secret_command_tests {
    use super::*;

    #[test]
    fn first_line_of_the_command_is_the_secret() {
        let src = SecretSource::parse("cmd:printf 's3cret\nsecond line'").unwrap();
        assert_eq!(src.describe(), "cmd:printf 's3cret\nsecond line'");
        assert_eq!(
            src.resolve(|_| None, &Provenance::User).unwrap().secret(),
            "s3cret"
        );
        assert!(!format!("{src:?}").contains("s3cret"));
    }

    #[test]
    fn failures_say_what_happened() {
        let err = |v: &str| {
            SecretSource::parse(v)
                .unwrap()
                .resolve(|_| None, &Provenance::User)
                .unwrap_err()
                .to_string()
        };
        assert!(err("cmd:false").contains("failed"));
        assert!(err("cmd:true").contains("printed nothing"));
        assert!(err("cmd:/no/such/helper").contains("could not be started"));
        let slow = run_secret_command(
            "client_secret",
            &["sleep".into(), "5".into()],
            std::time::Duration::from_millis(200),
        );
        assert!(slow
            .unwrap_err()
            .to_string()
            .contains("did not finish within"));
    }

    #[test]
    fn a_source_under_another_key_is_named_by_it() {
        let env = SecretSource::Env("RS_SECRET".into());
        let e = env
            .resolve_as("introspection.client_secret", |_| None, &Provenance::User)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "introspection.client_secret refers to the environment variable RS_SECRET, which is not set"
        );
        let e = SecretSource::parse("cmd:false")
            .unwrap()
            .resolve_as("introspection.bearer", |_| None, &Provenance::User)
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("introspection.bearer comes from the command"),
            "{e}"
        );
        // The app's own secret keeps its name.
        let e = env.resolve(|_| None, &Provenance::User).unwrap_err();
        assert!(e.to_string().starts_with("client_secret refers"), "{e}");
    }
}

/// How introspection authenticates when the `[introspection]` table says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntrospectionAuth {
    /// Another client (a resource server's credentials).
    Client {
        client_id: ClientId,
        client_secret: Option<SecretSource>,
        client_auth: ClientAuth,
    },
    /// `Authorization: Bearer …` instead of client authentication.
    Bearer(SecretSource),
}

/// A validated profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub issuer: Option<String>,
    pub callback_url: RedirectUri,
    pub auth_url: EndpointUrl,
    pub token_url: EndpointUrl,
    pub client_id: ClientId,
    pub client_secret: Option<SecretSource>,
    pub client_auth: ClientAuth,
    pub code_challenge_method: ChallengeMethod,
    /// A fixed verifier (validated); None means a fresh one per run.
    pub code_verifier: Option<String>,
    pub scope: String,
    /// A fixed state; None means a fresh random one per run.
    pub state: Option<String>,
    /// Keep the last token response in the user's token cache (opt-in).
    pub cache_tokens: bool,
    /// Plain http to non-loopback endpoints was allowed by the profile.
    pub insecure_http: bool,
    /// TLS certificate verification is off for this profile.
    pub insecure_tls: bool,
    pub auth_params: Vec<(String, String)>,
    pub token_params: Vec<(String, String)>,
    /// Credentials for introspection only; None: the app's own.
    pub introspection: Option<IntrospectionAuth>,
    /// Endpoints set by hand: (metadata field, URL), overriding discovery.
    pub by_hand: Vec<(&'static str, EndpointUrl)>,
    /// Whether the token request carries an `Origin` header (Entra's SPA registrations).
    pub token_origin: TokenOrigin,
    /// Where the profile's text came from: decides whether its `cmd:` helper may run.
    pub source: Provenance,
    /// `prompt`, `login_hint`, `max_age` for every run (empty: not sent).
    pub sign_in: crate::oauth::authorize::SignIn,
    /// `post_logout_redirect_url`; None: the callback URL.
    pub post_logout_redirect_url: Option<RedirectUri>,
    /// The grant a run performs (`grant_type`).
    pub grant: crate::oauth::grant::GrantType,
    /// `private_key_jwt` / `client_secret_jwt` settings (`client_key`, …).
    pub key_auth: super::key_auth::KeyAuth,
    /// Whether the authorization parameters are pushed (RFC 9126).
    pub par: crate::oauth::par::ParMode,
    /// Whether they travel as a signed request object (RFC 9101).
    pub request_object: crate::oauth::request_object::RequestObjectMode,
    /// The security profile the client is linted against (`profile`); None: no lint.
    pub security_profile: Option<crate::oauth::security_profile::SecurityProfile>,
    /// `dpop = true`: tokens bound to a key (RFC 9449).
    pub dpop: bool,
    /// `dpop_key`; None: the profile's own key in the data directory.
    pub dpop_key: Option<SecretSource>,
}

impl Profile {
    /// The client secret, read now (None for a public client). Every run and follow-up call
    /// reads it here, so a `cmd:` helper is always checked against the profile's source.
    pub fn resolve_secret(
        &self,
        env: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Option<ClientSecret>, SecretError> {
        self.client_secret
            .as_ref()
            .map(|src| src.resolve(env, &self.source))
            .transpose()
    }

    /// The endpoint set by hand for a metadata field (`introspection_endpoint`, `jwks_uri`, …).
    pub fn by_hand(&self, field: &str) -> Option<&EndpointUrl> {
        self.by_hand
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, url)| url)
    }

    /// The verifier for one run: the fixed one, or a fresh one.
    pub fn verifier(&self, entropy: &mut dyn crate::oauth::random::Entropy) -> PkceVerifier {
        match &self.code_verifier {
            // Validated when the profile was loaded, so this cannot fail; fall back to a fresh
            // one rather than panic if that invariant is ever broken.
            Some(v) => {
                PkceVerifier::new(v.clone()).unwrap_or_else(|_| PkceVerifier::generate(entropy))
            }
            None => PkceVerifier::generate(entropy),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_follow_the_key_order() {
        let keys = RawProfile::default().scalars().map(|(k, _)| k);
        assert_eq!(keys, RawProfile::KEYS);
    }

    #[test]
    fn debug_hides_literal_secrets_and_verifiers() {
        let raw = RawProfile {
            client_secret: Some("hunter2".into()),
            code_verifier: Some("v".repeat(43)),
            client_id: Some("app".into()),
            ..RawProfile::default()
        };
        let shown = format!("{raw:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("vvv"),
            "{shown}"
        );
        assert!(
            shown.contains("app") && shown.contains("[redacted]"),
            "{shown}"
        );
        let env = RawProfile {
            client_secret: Some("env:APP_SECRET".into()),
            ..RawProfile::default()
        };
        assert!(format!("{env:?}").contains("env:APP_SECRET"));
        assert!(!env.has_literal_secret() && raw.has_literal_secret());
        assert!(!RawProfile::default().has_literal_secret());
    }
}
