//! Reading and validating a profile, with errors that name the file, the key and the reason.

use std::path::{Path, PathBuf};

use crate::oauth::authorize::RESERVED_AUTH_PARAMS;
use crate::oauth::pkce::{validate_verifier, ChallengeMethod};
use crate::oauth::token_request::ClientAuth;
use crate::oauth::types::{ClientId, EndpointUrl, RedirectUri};

use super::model::{Profile, RawProfile, SecretSource};

/// Parameters of the token request that extra `token_params` may not replace.
pub const RESERVED_TOKEN_PARAMS: &[&str] = &[
    "grant_type",
    "code",
    "redirect_uri",
    "code_verifier",
    "client_id",
    "client_secret",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}{reason}", file.display(), key.as_ref().map(|k| format!("key `{k}`: ")).unwrap_or_default())]
pub struct ProfileError {
    pub file: PathBuf,
    pub key: Option<String>,
    pub reason: String,
}

impl ProfileError {
    pub fn new(file: &Path, key: Option<&str>, reason: impl Into<String>) -> Self {
        ProfileError {
            file: file.to_owned(),
            key: key.map(str::to_owned),
            reason: reason.into(),
        }
    }
}

/// Parses TOML text into the raw profile, mapping TOML/serde errors to the key they concern.
pub fn parse_raw(file: &Path, text: &str) -> Result<RawProfile, ProfileError> {
    toml::from_str::<RawProfile>(text).map_err(|e| {
        let message = e.message().trim().to_owned();
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let key = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
            .or_else(|| e.span().and_then(|s| key_at(text, s.start)));
        let reason = match line {
            Some(l) => format!("{message} (line {l})"),
            None => message,
        };
        ProfileError {
            file: file.to_owned(),
            key,
            reason,
        }
    })
}

/// The key on the line where a TOML error points, if that line is `key = …`.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let line = text.get(start..)?.lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    (!key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then(|| key.to_owned())
}

/// Reads and validates a profile file.
pub fn load_file(path: &Path) -> Result<Profile, ProfileError> {
    let bytes = std::fs::read(path)
        .map_err(|e| ProfileError::new(path, None, format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        ProfileError::new(
            path,
            None,
            format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
        )
    })?;
    let raw = parse_raw(path, &text)?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    validate(path, &stem, &raw)
}

/// Turns the raw profile into a typed one, or says which key is wrong and why.
pub fn validate(
    file: &Path,
    default_name: &str,
    raw: &RawProfile,
) -> Result<Profile, ProfileError> {
    let err = |key: &str, reason: String| ProfileError::new(file, Some(key), reason);
    let required = |key: &str, value: &Option<String>| -> Result<String, ProfileError> {
        match value.as_deref().map(str::trim) {
            Some(v) if !v.is_empty() => Ok(v.to_owned()),
            _ => Err(err(key, "is required".to_owned())),
        }
    };

    if let Some(g) = raw.grant_type.as_deref() {
        if g != "authorization_code" {
            return Err(err(
                "grant_type",
                format!("{g:?} is not supported; the only accepted value is \"authorization_code\" (always with PKCE)"),
            ));
        }
    }
    let callback_url = RedirectUri::parse(&required("callback_url", &raw.callback_url)?)
        .map_err(|e| err("callback_url", e.to_string()))?;
    let auth_url = EndpointUrl::parse(&required("auth_url", &raw.auth_url)?)
        .map_err(|e| err("auth_url", e.to_string()))?;
    let token_url = EndpointUrl::parse(&required("token_url", &raw.token_url)?)
        .map_err(|e| err("token_url", e.to_string()))?;
    let client_id = ClientId::new(required("client_id", &raw.client_id)?);
    let client_auth = match raw.client_auth.as_deref() {
        None | Some("basic") => ClientAuth::Basic,
        Some("body") => ClientAuth::Body,
        Some(other) => {
            return Err(err(
                "client_auth",
                format!("{other:?} is not \"basic\" or \"body\""),
            ))
        }
    };
    let code_challenge_method = match raw.code_challenge_method.as_deref() {
        None => ChallengeMethod::S256,
        Some(m) => {
            ChallengeMethod::parse(m).map_err(|e| err("code_challenge_method", e.to_string()))?
        }
    };
    let code_verifier = match raw.code_verifier.as_deref() {
        None | Some("") => None,
        Some(v) => {
            validate_verifier(v).map_err(|e| err("code_verifier", e.to_string()))?;
            Some(v.to_owned())
        }
    };
    let issuer = match raw.issuer.as_deref() {
        None | Some("") => None,
        Some(i) => {
            EndpointUrl::parse(i).map_err(|e| err("issuer", e.to_string()))?;
            Some(i.to_owned())
        }
    };
    let auth_params = extra_params(file, "auth_params", &raw.auth_params, RESERVED_AUTH_PARAMS)?;
    let token_params = extra_params(
        file,
        "token_params",
        &raw.token_params,
        RESERVED_TOKEN_PARAMS,
    )?;

    Ok(Profile {
        name: raw
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| default_name.to_owned()),
        issuer,
        callback_url,
        auth_url,
        token_url,
        client_id,
        client_secret: raw.client_secret.as_deref().and_then(SecretSource::parse),
        client_auth,
        code_challenge_method,
        code_verifier,
        scope: raw
            .scope
            .clone()
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        state: raw.state.clone().filter(|s| !s.is_empty()),
        auth_params,
        token_params,
    })
}

fn extra_params(
    file: &Path,
    table: &str,
    params: &std::collections::BTreeMap<String, String>,
    reserved: &[&str],
) -> Result<Vec<(String, String)>, ProfileError> {
    for name in params.keys() {
        if reserved.contains(&name.as_str()) {
            return Err(ProfileError::new(
                file,
                Some(&format!("{table}.{name}")),
                format!("`{name}` is set by tokenbench itself; use the profile's own key instead"),
            ));
        }
    }
    Ok(params.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "Demo"
callback_url = "http://127.0.0.1:8765/callback"
auth_url = "https://idp.example/authorize"
token_url = "https://idp.example/token"
client_id = "my-app"
scope = "openid   offline_access"
"#;

    fn load(text: &str) -> Result<Profile, ProfileError> {
        let f = Path::new("p.toml");
        validate(f, "p", &parse_raw(f, text)?)
    }

    fn error_of(extra: &str) -> ProfileError {
        load(&format!("{GOOD}{extra}")).unwrap_err()
    }

    #[test]
    fn minimal_profile_gets_defaults() {
        let p = load(GOOD).unwrap();
        assert_eq!(p.name, "Demo");
        assert_eq!(p.client_auth, ClientAuth::Basic);
        assert_eq!(p.code_challenge_method, ChallengeMethod::S256);
        assert_eq!(p.scope, "openid offline_access");
        assert!(p.code_verifier.is_none() && p.state.is_none() && p.client_secret.is_none());
    }

    #[test]
    fn errors_name_file_key_and_reason() {
        let e = error_of("colour = \"blue\"\n");
        assert_eq!(e.key.as_deref(), Some("colour"));
        assert!(
            e.to_string()
                .starts_with("p.toml: key `colour`: unknown field"),
            "{e}"
        );

        let e = error_of("grant_type = \"client_credentials\"\n");
        assert_eq!(e.key.as_deref(), Some("grant_type"));

        let e = error_of("code_challenge_method = \"s256\"\n");
        assert_eq!(e.key.as_deref(), Some("code_challenge_method"));
        assert!(e.reason.contains("\"s256\""));

        let e = error_of("code_verifier = \"short\"\n");
        assert_eq!(e.key.as_deref(), Some("code_verifier"));
        assert!(e.reason.contains("5 characters"));

        let e = error_of("client_auth = \"header\"\n");
        assert_eq!(e.key.as_deref(), Some("client_auth"));

        let e = error_of("[auth_params]\nstate = \"x\"\n");
        assert_eq!(e.key.as_deref(), Some("auth_params.state"));
    }

    #[test]
    fn bad_url_and_missing_keys() {
        let e = load(&GOOD.replace("https://idp.example/token", "not a url")).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("token_url"));
        let e = load(&GOOD.replace("client_id = \"my-app\"", "")).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("client_id"));
        assert_eq!(e.reason, "is required");
    }

    #[test]
    fn wrong_types_and_truncation_name_the_line() {
        let e = load(&format!("{GOOD}state = 5\n")).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("state"));
        assert!(e.reason.contains("line"), "{e}");
        let e = load("callback_url = \"http://127.0.0.1:1/cb").unwrap_err();
        assert!(e.reason.contains("line 1"), "{e}");
    }

    #[test]
    fn secret_sources() {
        let p = load(&format!("{GOOD}client_secret = \"env:APP_SECRET\"\n")).unwrap();
        let src = p.client_secret.unwrap();
        assert_eq!(src.describe(), "env:APP_SECRET");
        assert!(src.resolve(|_| None).is_err());
        assert_eq!(src.resolve(|_| Some("s3".into())).unwrap().secret(), "s3");
        let p = load(&format!("{GOOD}client_secret = \"hunter2\"\n")).unwrap();
        assert!(!format!("{p:?}").contains("hunter2"));
    }
}
