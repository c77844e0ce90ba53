//! The profile: one IdP + client configuration, as written in a TOML file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::oauth::pkce::{ChallengeMethod, PkceVerifier};
use crate::oauth::secret::ClientSecret;
use crate::oauth::token_request::ClientAuth;
use crate::oauth::types::{ClientId, EndpointUrl, RedirectUri};

/// The file as written. Every key is optional at this level so that validation can name
/// what is missing instead of serde's generic message.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
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
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub auth_params: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub token_params: BTreeMap<String, String>,
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
