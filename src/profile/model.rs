//! The profile: one IdP + client configuration, as written in a TOML file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::oauth::pkce::{ChallengeMethod, PkceVerifier};
use crate::oauth::secret::ClientSecret;
use crate::oauth::token_request::ClientAuth;
use crate::oauth::types::{ClientId, EndpointUrl, RedirectUri};

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
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub auth_params: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub token_params: BTreeMap<String, String>,
}

impl RawProfile {
    /// The top-level keys in form order, which is also the order new keys are written in.
    pub const KEYS: [&'static str; 14] = [
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
    ];

    /// Keys whose value is a TOML boolean; `scalars` shows them as "true" / "false".
    pub const BOOL_KEYS: [&'static str; 1] = ["cache_tokens"];

    /// Every top-level key with its value, in the order of [`RawProfile::KEYS`].
    pub fn scalars(&self) -> [(&'static str, Option<&str>); 14] {
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
            (
                "cache_tokens",
                self.cache_tokens.map(|b| if b { "true" } else { "false" }),
            ),
        ]
    }

    /// True when `client_secret` is the secret itself rather than an `env:` reference, which
    /// is what makes the file private.
    pub fn has_literal_secret(&self) -> bool {
        matches!(
            self.client_secret.as_deref().and_then(SecretSource::parse),
            Some(SecretSource::Literal(_))
        )
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
        s.field("auth_params", &self.auth_params)
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
}

impl std::fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretSource::Literal(_) => f.write_str("Literal([redacted])"),
            SecretSource::Env(name) => write!(f, "Env({name})"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("client_secret refers to the environment variable {0}, which is not set")]
    EnvMissing(String),
    #[error(
        "client_secret refers to the environment variable {0}, which is empty or not valid UTF-8"
    )]
    EnvInvalid(String),
}

impl SecretSource {
    pub fn parse(value: &str) -> Option<SecretSource> {
        if value.is_empty() {
            return None;
        }
        Some(match value.strip_prefix("env:") {
            Some(name) => SecretSource::Env(name.to_owned()),
            None => SecretSource::Literal(ClientSecret::new(value)),
        })
    }

    /// Reads the secret now, with `env` looked up through the given function.
    pub fn resolve(
        &self,
        env: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<ClientSecret, SecretError> {
        match self {
            SecretSource::Literal(s) => Ok(s.clone()),
            SecretSource::Env(name) => match env(name) {
                None => Err(SecretError::EnvMissing(name.clone())),
                Some(v) => match v.into_string() {
                    Ok(s) if !s.is_empty() => Ok(ClientSecret::new(s)),
                    _ => Err(SecretError::EnvInvalid(name.clone())),
                },
            },
        }
    }

    /// How the source may be shown: env references by name, literals never.
    pub fn describe(&self) -> String {
        match self {
            SecretSource::Literal(_) => "(literal, hidden)".to_owned(),
            SecretSource::Env(name) => format!("env:{name}"),
        }
    }
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
    pub auth_params: Vec<(String, String)>,
    pub token_params: Vec<(String, String)>,
}

impl Profile {
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
