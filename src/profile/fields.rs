//! The check of each profile key on its own, shared by `validate` (first error, typed profile)
//! and `validate_all` (every error, for inline messages while the user types).
//!
//! Each check takes the raw value and returns the typed one or the reason it is wrong; the
//! caller attaches the file and key.

use std::collections::BTreeMap;

use crate::oauth::grant::GrantType;
use crate::oauth::pkce::{validate_verifier, ChallengeMethod};
use crate::oauth::token_request::{ClientAuth, TokenOrigin};
use crate::oauth::types::{ClientId, EndpointUrl, RedirectUri};

use super::model::SecretSource;

/// A present, non-blank value (trimmed), or "is required".
fn required(value: Option<&str>) -> Result<&str, String> {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err("is required".to_owned()),
    }
}

/// An optional URL the callback's `iss` must equal (RFC 9207); empty means unset.
pub fn issuer(value: Option<&str>) -> Result<Option<String>, String> {
    match value {
        None | Some("") => Ok(None),
        Some(i) => {
            EndpointUrl::parse(i).map_err(|e| e.to_string())?;
            Ok(Some(i.to_owned()))
        }
    }
}

/// The grant; `implicit` and `password` are refused with RFC 9700's reason.
pub fn grant_type(value: Option<&str>) -> Result<GrantType, String> {
    GrantType::parse(value.unwrap_or(""))
}

pub fn callback_url(value: Option<&str>) -> Result<RedirectUri, String> {
    let value = required(value)?;
    if value.trim().eq_ignore_ascii_case(super::notes::OOB) {
        return Err(super::notes::OOB_ERROR.to_owned());
    }
    RedirectUri::parse(value).map_err(|e| e.to_string())
}

/// `auth_url` and `token_url`.
pub fn endpoint(value: Option<&str>) -> Result<EndpointUrl, String> {
    EndpointUrl::parse(required(value)?).map_err(|e| e.to_string())
}

/// `auth_url` and `token_url` when an issuer may supply them: None means "discover it".
/// Without `discoverable`, empty is an error that says how it could be left empty.
pub fn endpoint_or_discovered(
    value: Option<&str>,
    has_issuer: bool,
    discoverable: bool,
) -> Result<Option<EndpointUrl>, String> {
    match value.map(str::trim) {
        None | Some("") if discoverable => Ok(None),
        None | Some("") if has_issuer => Err(
            "is required; with `issuer` set it may stay empty, and is then taken from the discovery document when the profile is resolved for a run".to_owned(),
        ),
        _ => endpoint(value).map(Some),
    }
}

/// An endpoint set by hand (`userinfo_url`, `jwks_url`, …): empty means discovered.
pub fn endpoint_by_hand(value: Option<&str>) -> Result<Option<EndpointUrl>, String> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => EndpointUrl::parse(v).map(Some).map_err(|e| e.to_string()),
    }
}

/// Plain http to a host that is not loopback sends codes, secrets and tokens in the clear:
/// refused unless the profile opts out by name. Values that do not parse are left to their
/// own check.
pub fn transport(value: Option<&str>, insecure_http: bool) -> Result<(), String> {
    let Some(Ok(url)) = value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(url::Url::parse)
    else {
        return Ok(());
    };
    if url.scheme() == "http" && !super::notes::is_loopback(&url) && !insecure_http {
        return Err(
            "uses plain http to a host that is not loopback, which sends codes, secrets and tokens in the clear; use https, or set insecure_http = true for a test IdP"
                .to_owned(),
        );
    }
    Ok(())
}

pub fn client_id(value: Option<&str>) -> Result<ClientId, String> {
    required(value).map(ClientId::new)
}

/// A literal secret or `env:NAME`; empty means none.
pub fn client_secret(value: Option<&str>) -> Result<Option<SecretSource>, String> {
    let source = value.and_then(SecretSource::parse);
    match &source {
        // Caught here rather than at run time, where it would read as a missing variable.
        Some(SecretSource::Env(name)) if name.is_empty() => {
            Err("`env:` needs the name of an environment variable after the colon".to_owned())
        }
        Some(SecretSource::Cmd(argv)) if argv.is_empty() => Err(
            "`cmd:` needs a command after the colon (run without a shell; its first line of output is the secret)".to_owned(),
        ),
        _ => Ok(source),
    }
}

pub fn client_auth(value: Option<&str>) -> Result<ClientAuth, String> {
    match value {
        None | Some("basic") => Ok(ClientAuth::Basic),
        Some("body") => Ok(ClientAuth::Body),
        Some("none") => Ok(ClientAuth::None),
        Some("private_key_jwt") => Ok(ClientAuth::PrivateKeyJwt),
        Some("client_secret_jwt") => Ok(ClientAuth::ClientSecretJwt),
        Some(other) => Err(format!("{other:?} is not \"basic\", \"body\", \"none\", \"private_key_jwt\" or \"client_secret_jwt\"")),
    }
}

pub fn token_origin(value: Option<&str>) -> Result<TokenOrigin, String> {
    match value.map(str::trim) {
        None | Some("auto") => Ok(TokenOrigin::Auto),
        Some("always") => Ok(TokenOrigin::Always),
        Some("never") => Ok(TokenOrigin::Never),
        Some(other) => Err(format!(
            "{other:?} is not \"auto\", \"always\" or \"never\""
        )),
    }
}

pub fn par(value: Option<&str>) -> Result<crate::oauth::par::ParMode, String> {
    match value.map(str::trim) {
        None => Ok(crate::oauth::par::ParMode::Auto),
        Some(v) => crate::oauth::par::ParMode::parse(v)
            .ok_or_else(|| format!("{v:?} is not \"auto\", \"always\" or \"never\"")),
    }
}

pub fn request_object(
    value: Option<&str>,
) -> Result<crate::oauth::request_object::RequestObjectMode, String> {
    use crate::oauth::request_object::RequestObjectMode;
    match value.map(str::trim) {
        None => Ok(RequestObjectMode::None),
        Some(v) => RequestObjectMode::parse(v)
            .ok_or_else(|| format!("{v:?} is not \"none\" or \"signed\"")),
    }
}

pub fn code_challenge_method(value: Option<&str>) -> Result<ChallengeMethod, String> {
    match value {
        None => Ok(ChallengeMethod::S256),
        Some(m) => ChallengeMethod::parse(m).map_err(|e| e.to_string()),
    }
}

/// A fixed verifier; empty means a fresh one per run.
pub fn code_verifier(value: Option<&str>) -> Result<Option<String>, String> {
    match value {
        None | Some("") => Ok(None),
        Some(v) => {
            validate_verifier(v).map_err(|e| e.to_string())?;
            Ok(Some(v.to_owned()))
        }
    }
}

/// Scopes separated by any whitespace, sent separated by single spaces.
pub fn scope(value: Option<&str>) -> String {
    value
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A fixed state; empty means a fresh random one per run.
pub fn state(value: Option<&str>) -> Option<String> {
    value.filter(|s| !s.is_empty()).map(str::to_owned)
}

/// The label; blank means the file stem.
pub fn name(value: Option<&str>, default_name: &str) -> String {
    value
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(default_name)
        .to_owned()
}

/// `(name, value)` or `(name, reason)` pairs.
type Pairs = Vec<(String, String)>;

/// Extra request parameters: every name that tokenbench sets itself is refused, each as
/// `(param name, reason)`, in name order.
pub fn extra_params(params: &BTreeMap<String, String>, reserved: &[&str]) -> Result<Pairs, Pairs> {
    let refused: Pairs = params
        .keys()
        .filter(|name| reserved.contains(&name.as_str()))
        .map(|name| {
            (
                name.clone(),
                format!("`{name}` is set by tokenbench itself; use the profile's own key instead"),
            )
        })
        .collect();
    if refused.is_empty() {
        Ok(params.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    } else {
        Err(refused)
    }
}

/// `prompt`: empty means not sent.
pub fn prompt(value: Option<&str>) -> Result<Option<String>, String> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => crate::oauth::authorize::parse_prompt(v).map(Some),
    }
}

/// `login_hint`: any text; empty means not sent.
pub fn login_hint(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// `max_age`: whole seconds; empty means not sent.
pub fn max_age(value: Option<&str>) -> Result<Option<u64>, String> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v.parse::<u64>().map(Some).map_err(|_| {
            format!(
                "{:?} is not a number of seconds (like \"3600\")",
                crate::oauth::text::sanitize(v)
            )
        }),
    }
}

/// `post_logout_redirect_url`: empty means the callback URL.
pub fn post_logout_redirect_url(value: Option<&str>) -> Result<Option<RedirectUri>, String> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => RedirectUri::parse(v).map(Some).map_err(|e| e.to_string()),
    }
}

/// `profile`: a security profile to lint against; empty means none.
pub fn security_profile(
    value: Option<&str>,
) -> Result<Option<crate::oauth::security_profile::SecurityProfile>, String> {
    use crate::oauth::security_profile::SecurityProfile;
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => {
            SecurityProfile::parse(v).map(Some).ok_or_else(|| {
                format!(
                "{v:?} is not a security profile tokenbench knows; allowed: {} (or empty for none)",
                SecurityProfile::ALLOWED.map(|a| format!("\"{a}\"")).join(", ")
            )
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_values_are_trimmed_and_blank_is_missing() {
        assert_eq!(client_id(Some("  app ")).unwrap().as_str(), "app");
        assert_eq!(client_id(Some("   ")).unwrap_err(), "is required");
        assert_eq!(endpoint(None).unwrap_err(), "is required");
        assert!(callback_url(Some("http://127.0.0.1:1/cb")).is_ok());
        assert!(callback_url(Some("ftp://x/"))
            .unwrap_err()
            .contains("http or https"));
    }

    #[test]
    fn optional_values_treat_empty_as_unset() {
        assert_eq!(issuer(Some("")), Ok(None));
        assert!(issuer(Some("nope")).is_err());
        assert_eq!(code_verifier(Some("")), Ok(None));
        assert!(code_verifier(Some("short"))
            .unwrap_err()
            .contains("5 characters"));
        assert_eq!(client_secret(Some("")), Ok(None));
        assert_eq!(state(Some("")), None);
        assert_eq!(name(Some(" "), "stem"), "stem");
        assert_eq!(scope(Some(" openid\n email ")), "openid email");
    }

    #[test]
    fn enumerations_name_the_wrong_value() {
        assert!(grant_type(Some("implicit"))
            .unwrap_err()
            .contains("RFC 9700"));
        assert!(grant_type(Some("saml")).unwrap_err().contains("\"saml\""));
        assert_eq!(grant_type(None), Ok(GrantType::AuthorizationCode));
        assert!(client_auth(Some("header"))
            .unwrap_err()
            .contains("\"header\""));
        assert_eq!(client_auth(Some("body")), Ok(ClientAuth::Body));
        assert!(code_challenge_method(Some("s256")).is_err());
        assert_eq!(code_challenge_method(None), Ok(ChallengeMethod::S256));
    }

    #[test]
    fn env_secret_needs_a_name() {
        assert!(client_secret(Some("env:"))
            .unwrap_err()
            .contains("environment variable"));
        assert_eq!(
            client_secret(Some("env:X")),
            Ok(Some(SecretSource::Env("X".into())))
        );
    }

    #[test]
    fn every_reserved_parameter_is_reported() {
        let params: BTreeMap<String, String> = [("state", "x"), ("audience", "a"), ("nonce", "n")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let refused = extra_params(&params, &["state", "nonce"]).unwrap_err();
        let names: Vec<&str> = refused.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["nonce", "state"]);
        assert_eq!(
            extra_params(&params, &[]).unwrap().len(),
            3,
            "nothing reserved, everything kept"
        );
    }
}
