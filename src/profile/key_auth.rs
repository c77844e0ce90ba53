//! `client_key`, `client_key_id`, `client_assertion_alg`, `client_assertion_aud`: validated
//! when the profile loads, the key itself read only when a request needs it.

use std::ffi::OsString;

use crate::oauth::client_assertion::{os_jti, AssertionAudience, ClientAssertion};
use crate::oauth::jose::{SignAlg, Signer};
use crate::oauth::token_request::{ClientAuth, ClientCredentials};

use super::model::{Profile, RawProfile, SecretError, SecretSource};

/// The JWT client authentication settings of a profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyAuth {
    pub key: Option<SecretSource>,
    pub kid: Option<String>,
    pub alg: Option<SignAlg>,
    pub aud: AssertionAudience,
}

/// Validates the keys against `client_auth`; errors name the key at fault.
pub fn parse(
    raw: &RawProfile,
    auth: ClientAuth,
    has_secret: bool,
) -> Result<KeyAuth, (&'static str, String)> {
    fn non_empty(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
    let key = non_empty(&raw.client_key).and_then(SecretSource::parse);
    match (&key, auth) {
        (None, ClientAuth::PrivateKeyJwt) => {
            return Err(("client_key", "is needed with client_auth = \"private_key_jwt\": a path, env:NAME or cmd:… giving a PKCS#8 PEM or a JWK (tokenbench keygen makes one)".to_owned()))
        }
        (Some(_), a) if a != ClientAuth::PrivateKeyJwt => {
            return Err(("client_key", "is used only with client_auth = \"private_key_jwt\"".to_owned()))
        }
        (Some(SecretSource::Cmd(argv)), _) if argv.is_empty() => {
            return Err(("client_key", "`cmd:` needs a command after the colon".to_owned()))
        }
        (Some(SecretSource::Env(name)), _) if name.is_empty() => {
            return Err(("client_key", "`env:` needs the name of an environment variable".to_owned()))
        }
        _ => {}
    }
    if auth == ClientAuth::ClientSecretJwt && !has_secret {
        return Err((
            "client_secret",
            "is needed with client_auth = \"client_secret_jwt\" (the HS256 key)".to_owned(),
        ));
    }
    let alg = match non_empty(&raw.client_assertion_alg) {
        None => None,
        Some(name) => {
            let alg = SignAlg::parse(name).ok_or_else(|| {
                (
                    "client_assertion_alg",
                    format!("{name:?} is not RS256, PS256, ES256, ES384, EdDSA or HS256"),
                )
            })?;
            let fits = match auth {
                ClientAuth::PrivateKeyJwt => alg != SignAlg::HS256,
                ClientAuth::ClientSecretJwt => alg == SignAlg::HS256,
                _ => false,
            };
            if !fits {
                return Err((
                    "client_assertion_alg",
                    format!(
                        "{name} does not go with client_auth = \"{}\"",
                        auth.as_str()
                    ),
                ));
            }
            Some(alg)
        }
    };
    let aud = match non_empty(&raw.client_assertion_aud) {
        None | Some("issuer") => AssertionAudience::Issuer,
        Some("token_endpoint") => AssertionAudience::TokenEndpoint,
        Some(other) => {
            return Err((
                "client_assertion_aud",
                format!("{other:?} is not \"issuer\" or \"token_endpoint\""),
            ))
        }
    };
    Ok(KeyAuth {
        key,
        kid: non_empty(&raw.client_key_id).map(str::to_owned),
        alg,
        aud,
    })
}

/// Key text (PEM or JWK) as it stands, or else a path to read it from.
pub(super) fn key_text(value: &str) -> Result<String, String> {
    let trimmed = value.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with("-----BEGIN") {
        return Ok(value.to_owned());
    }
    let path = std::path::Path::new(value.trim());
    // A key is a few kilobytes; refuse to read a device or a huge file whole.
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => return Err(format!("{} is not a regular file", path.display())),
        Ok(m) if m.len() > 64 * 1024 => {
            return Err(format!(
                "{} is larger than 64 KiB: not a key",
                path.display()
            ))
        }
        Ok(_) => {}
        Err(e) => return Err(format!("{} cannot be read: {e}", path.display())),
    }
    std::fs::read_to_string(path)
        .map_err(|e| format!("{} cannot be read as text: {e}", path.display()))
}

impl Profile {
    /// The client as the token endpoint sees it, with its secret and key read now. `now`
    /// is the clock the assertions' `iat`/`exp` come from.
    pub fn client_credentials(
        &self,
        env: &dyn Fn(&str) -> Option<OsString>,
        now: fn() -> i64,
    ) -> Result<ClientCredentials, SecretError> {
        let secret = match self.client_auth {
            ClientAuth::None | ClientAuth::PrivateKeyJwt => None,
            _ => self.resolve_secret(env)?,
        };
        let audience = match (self.key_auth.aud, &self.issuer) {
            (AssertionAudience::Issuer, Some(issuer)) => issuer.clone(),
            // Without an issuer identifier the token endpoint is the only audience there is.
            _ => self.token_url.as_str().to_owned(),
        };
        let signer = match (self.client_auth, &secret) {
            (ClientAuth::PrivateKeyJwt, _) => Some(self.key_signer(env)?),
            (ClientAuth::ClientSecretJwt, Some(secret)) => {
                Some(Signer::hmac(secret.secret().as_bytes()))
            }
            _ => None,
        };
        let assertion = match signer {
            None => None,
            Some(signer) => {
                let assertion = ClientAssertion::new(signer, audience, now, os_jti);
                // Sign once now so a key that cannot sign fails here, as a usage error.
                assertion
                    .make(self.client_id.as_str())
                    .map_err(|e| key_error(format!("cannot sign: {e}")))?;
                Some(assertion)
            }
        };
        Ok(ClientCredentials {
            client_id: self.client_id.clone(),
            secret,
            auth: self.client_auth,
            assertion,
        })
    }

    fn key_signer(&self, env: &dyn Fn(&str) -> Option<OsString>) -> Result<Signer, SecretError> {
        let source = self
            .key_auth
            .key
            .as_ref()
            .ok_or_else(|| key_error("is not set".to_owned()))?;
        let value = source.resolve_as("client_key", env, &self.source)?;
        let text = key_text(value.secret()).map_err(key_error)?;
        Signer::from_key_text(&text, self.key_auth.alg)
            .map(|s| s.with_kid(self.key_auth.kid.clone()))
            .map_err(|e| key_error(e.to_string()))
    }
}

fn key_error(reason: String) -> SecretError {
    SecretError::Key {
        key: "client_key",
        reason,
    }
}
