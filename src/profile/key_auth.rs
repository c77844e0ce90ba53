//! `client_key`, `client_key_id`, `client_assertion_alg`, `client_assertion_aud`: validated
//! when the profile loads, the key itself read only when a request needs it. The same key
//! signs request objects (`request_object = "signed"`, RFC 9101).

use std::ffi::OsString;
use std::path::Path;

use crate::oauth::client_assertion::{os_jti, AssertionAudience, ClientAssertion};
use crate::oauth::jose::{SignAlg, Signer};
use crate::oauth::request_object::RequestObjectMode;
use crate::oauth::token_request::{ClientAuth, ClientCredentials};

use super::model::{Profile, RawProfile, SecretError, SecretSource};
use super::trust::Provenance;

/// The JWT client authentication settings of a profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyAuth {
    pub key: Option<SecretSource>,
    pub kid: Option<String>,
    pub alg: Option<SignAlg>,
    pub aud: AssertionAudience,
}

/// Validates the keys against `client_auth` and `request_object`; errors name the key at
/// fault.
pub fn parse(
    raw: &RawProfile,
    auth: ClientAuth,
    has_secret: bool,
    request_object: RequestObjectMode,
) -> Result<KeyAuth, (&'static str, String)> {
    fn non_empty(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
    let key = non_empty(&raw.client_key).and_then(SecretSource::parse);
    let signs_requests = request_object == RequestObjectMode::Signed;
    match (&key, auth) {
        (None, ClientAuth::PrivateKeyJwt) => {
            return Err(("client_key", "is needed with client_auth = \"private_key_jwt\": a path, env:NAME or cmd:… giving a PKCS#8 PEM or a JWK (tokenbench keygen makes one)".to_owned()))
        }
        (None, _) if signs_requests => {
            return Err(("client_key", "is needed with request_object = \"signed\": the key that signs the request object (a path, env:NAME or cmd:…)".to_owned()))
        }
        (Some(_), a) if a != ClientAuth::PrivateKeyJwt && !signs_requests => {
            return Err(("client_key", "is used only with client_auth = \"private_key_jwt\" or request_object = \"signed\"".to_owned()))
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
                // Only the request object is signed: with the key's own kind of algorithm.
                _ => signs_requests && alg != SignAlg::HS256,
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

/// Key text (PEM or JWK) as it stands, or else a path to read it from; a relative path
/// written in a profile file is relative to that file's directory (`base`), so the profile
/// works from any current directory.
pub(super) fn key_text(value: &str, base: Option<&Path>) -> Result<String, String> {
    let trimmed = value.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with("-----BEGIN") {
        return Ok(value.to_owned());
    }
    let written = Path::new(value.trim());
    let joined;
    let path = match base {
        Some(dir) if written.is_relative() => {
            joined = dir.join(written);
            joined.as_path()
        }
        _ => written,
    };
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

    /// The signer of request objects (`request_object = "signed"`), read now; None when
    /// requests are not signed.
    pub fn request_signer(
        &self,
        env: &dyn Fn(&str) -> Option<OsString>,
    ) -> Result<Option<Signer>, SecretError> {
        if self.request_object != RequestObjectMode::Signed {
            return Ok(None);
        }
        let signer = self.key_signer(env)?;
        // Sign once now so a key that cannot sign fails before the browser opens.
        signer
            .sign_jwt(None, &serde_json::Map::new(), &serde_json::json!({}))
            .map_err(|e| key_error(format!("cannot sign: {e}")))?;
        Ok(Some(signer))
    }

    /// Where a relative key path is anchored: only a path written in the file itself is the
    /// file's to anchor (not one an `env:` or `cmd:` produced).
    pub(super) fn key_base(&self, source: &SecretSource) -> Option<&Path> {
        match (source, &self.source) {
            (SecretSource::Literal(_), Provenance::File { path, .. }) => path.parent(),
            _ => None,
        }
    }

    fn key_signer(&self, env: &dyn Fn(&str) -> Option<OsString>) -> Result<Signer, SecretError> {
        let source = self
            .key_auth
            .key
            .as_ref()
            .ok_or_else(|| key_error("is not set".to_owned()))?;
        let value = source.resolve_as("client_key", env, &self.source)?;
        let text = key_text(value.secret(), self.key_base(source)).map_err(key_error)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::jose::sign::{generate_pkcs8, pkcs8_pem};

    const BASE: &str = "callback_url = \"http://127.0.0.1:0/cb\"\nauth_url = \"http://127.0.0.1:9/a\"\ntoken_url = \"http://127.0.0.1:9/t\"\nclient_id = \"c\"\n";

    fn load(dir: &Path, extra: &str) -> Result<Profile, String> {
        let path = dir.join("p.toml");
        std::fs::write(&path, format!("{BASE}{extra}")).unwrap();
        super::super::load::load_file(&path).map_err(|e| e.to_string())
    }

    #[test]
    fn a_signed_request_object_takes_the_key_whatever_the_client_auth() {
        let dir = tempfile::tempdir().unwrap();
        let p = load(
            dir.path(),
            "client_auth = \"none\"\nclient_key = \"k.pem\"\nrequest_object = \"signed\"\n",
        )
        .unwrap();
        assert_eq!(p.request_object, RequestObjectMode::Signed);
        let e = load(
            dir.path(),
            "client_auth = \"none\"\nrequest_object = \"signed\"\n",
        )
        .unwrap_err();
        assert!(
            e.contains("client_key") && e.contains("request_object"),
            "{e}"
        );
        let e = load(dir.path(), "client_key = \"k.pem\"\n").unwrap_err();
        assert!(
            e.contains("client_key") && e.contains("request_object = \"signed\""),
            "{e}"
        );
        let e = load(dir.path(), "request_object = \"yes\"\n").unwrap_err();
        assert!(e.contains("request_object"), "{e}");
        let e = load(dir.path(), "par = \"sometimes\"\n").unwrap_err();
        assert!(e.contains("par"), "{e}");
    }

    /// A relative `client_key` is found next to the profile, from any current directory.
    #[test]
    fn a_relative_client_key_is_relative_to_the_profile_file() {
        let dir = tempfile::tempdir().unwrap();
        let pem = pkcs8_pem(&generate_pkcs8(SignAlg::ES256).unwrap());
        std::fs::create_dir(dir.path().join("keys")).unwrap();
        std::fs::write(dir.path().join("keys/client.pem"), pem).unwrap();
        let p = load(
            dir.path(),
            "client_auth = \"private_key_jwt\"\nclient_key = \"keys/client.pem\"\nrequest_object = \"signed\"\n",
        )
        .unwrap();
        // The test's current directory is the crate, where keys/client.pem does not exist.
        assert!(!Path::new("keys/client.pem").exists());
        let creds = p.client_credentials(&|_| None, || 1_000).unwrap();
        assert!(creds.assertion.is_some());
        assert!(p.request_signer(&|_| None).unwrap().is_some());
        let missing = load(
            dir.path(),
            "client_auth = \"private_key_jwt\"\nclient_key = \"keys/none.pem\"\n",
        )
        .unwrap();
        let e = missing.client_credentials(&|_| None, || 1_000).unwrap_err();
        let shown = e.to_string();
        assert!(shown.starts_with("client_key"), "{shown}");
        assert!(
            shown.contains(&dir.path().join("keys/none.pem").display().to_string()),
            "{shown}"
        );
    }
}
