//! Lint: a profile checked against what its issuer advertises. Each finding is a warning
//! with the fix; none stops a run, because metadata is often incomplete.

use serde::Serialize;

use crate::oauth::metadata::Metadata;
use crate::oauth::pkce::ChallengeMethod;
use crate::oauth::text::sanitize;
use crate::oauth::token_request::ClientAuth;

use super::model::Profile;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintWarning {
    /// "code_challenge_method", "client_auth", "scope", "iss_parameter", "auth_url", "token_url".
    pub check: &'static str,
    pub message: String,
    pub fix: String,
    /// A note is kept in `discovery.lint` only; a warning is also said on every run.
    pub level: Level,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Warning,
    /// Often harmless: not repeated among a run's warnings.
    Note,
}

impl LintWarning {
    pub fn is_warning(&self) -> bool {
        self.level == Level::Warning
    }
}

impl std::fmt::Display for LintWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}; fix: {}", self.message, self.fix)
    }
}

/// The metadata name of the way the profile authenticates the client.
pub fn auth_method(profile: &Profile) -> &'static str {
    match (&profile.client_secret, profile.client_auth) {
        (_, ClientAuth::PrivateKeyJwt) => "private_key_jwt",
        (_, ClientAuth::ClientSecretJwt) => "client_secret_jwt",
        (None, _) | (_, ClientAuth::None) => "none",
        (Some(_), ClientAuth::Basic) => "client_secret_basic",
        (Some(_), ClientAuth::Body) => "client_secret_post",
    }
}

/// Lists that are absent say nothing (many IdPs omit them), so only a list that is present
/// and lacks the value produces a warning.
pub fn lint(profile: &Profile, metadata: &Metadata) -> Vec<LintWarning> {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let mut warn = |check, message: String, fix: String| {
        out.push(LintWarning {
            check,
            message,
            fix,
            level: Level::Warning,
        })
    };
    let methods = &metadata.code_challenge_methods_supported;
    let method = profile.code_challenge_method.as_str();
    if !methods.is_empty() && !methods.iter().any(|m| m == method) {
        let fix =
            if method == ChallengeMethod::Plain.as_str() && methods.iter().any(|m| m == "S256") {
                "set code_challenge_method = \"S256\"".to_owned()
            } else {
                format!("use one of: {}", shown(methods))
            };
        warn(
            "code_challenge_method",
            format!(
                "code_challenge_method {method} is not in the IdP's code_challenge_methods_supported ({})",
                shown(methods)
            ),
            fix,
        );
    }

    let auth = &metadata.token_endpoint_auth_methods_supported;
    let used = auth_method(profile);
    if !auth.is_empty() && !auth.iter().any(|m| m == used) && used == "none" {
        // Many IdPs leave `none` out of the list and accept PKCE public clients anyway
        // (issue 11): one quiet note, not a warning on every run.
        notes.push(LintWarning {
            check: "client_auth",
            message: format!(
                "the client is public (no client_secret), and the IdP's token_endpoint_auth_methods_supported ({}) does not list none; many IdPs accept PKCE public clients anyway",
                shown(auth)
            ),
            fix: "nothing unless the token request fails with invalid_client: then set client_secret (and client_auth), or register the client as public".to_owned(),
            level: Level::Note,
        });
    } else if !auth.is_empty() && !auth.iter().any(|m| m == used) {
        let has = |m: &str| auth.iter().any(|a| a == m);
        let fix = match used {
            "client_secret_basic" if has("client_secret_post") => "set client_auth = \"body\"".to_owned(),
            "client_secret_post" if has("client_secret_basic") => "set client_auth = \"basic\"".to_owned(),
            _ if has("none") => "leave client_secret empty if the client is registered as public".to_owned(),
            _ => "tokenbench supports client_secret_basic, client_secret_post, none, private_key_jwt and client_secret_jwt; register the client with one of them".to_owned(),
        };
        warn(
            "client_auth",
            format!(
                "the client authenticates with {used}, which is not in the IdP's token_endpoint_auth_methods_supported ({})",
                shown(auth)
            ),
            fix,
        );
    }

    let scopes = &metadata.scopes_supported;
    let unknown: Vec<String> = profile
        .scope
        .split(' ')
        .filter(|s| !s.is_empty() && !scopes.iter().any(|x| x == s))
        .map(str::to_owned)
        .collect();
    if !scopes.is_empty() && !unknown.is_empty() {
        warn(
            "scope",
            format!(
                "scope {} is not in the IdP's scopes_supported ({})",
                shown(&unknown),
                shown(scopes)
            ),
            "check the spelling; ignore this if the IdP accepts scopes it does not list (API scopes often are)".to_owned(),
        );
    }

    if !metadata.authorization_response_iss_parameter_supported {
        warn(
            "iss_parameter",
            "the IdP does not advertise authorization_response_iss_parameter_supported: a callback without `iss` is accepted, so a mix-up between IdPs (RFC 9207) cannot be detected".to_owned(),
            "nothing to change in the profile; use a distinct callback URL per IdP (RFC 9700 §4.4.2)".to_owned(),
        );
    }

    for (check, ours, theirs, name) in [
        (
            "auth_url",
            profile.auth_url.as_str(),
            &metadata.authorization_endpoint,
            "authorization_endpoint",
        ),
        (
            "token_url",
            profile.token_url.as_str(),
            &metadata.token_endpoint,
            "token_endpoint",
        ),
    ] {
        if let Some(theirs) = theirs.as_deref().filter(|t| !same_url(t, ours)) {
            warn(
                check,
                format!(
                    "{check} {} differs from the IdP's {name} {}",
                    sanitize(ours),
                    sanitize(theirs)
                ),
                format!(
                    "leave {check} empty to use the discovered endpoint, or check it is intended"
                ),
            );
        }
    }
    out.extend(notes);
    out
}

/// The profile's URL is stored normalised (a trailing `/` on a bare host), the metadata's
/// as written.
fn same_url(a: &str, b: &str) -> bool {
    match (url::Url::parse(a), url::Url::parse(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn shown(items: &[String]) -> String {
    items
        .iter()
        .map(|s| sanitize(s))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::metadata::parse_metadata;
    use crate::profile::load::{parse_raw, validate};

    fn profile(extra: &str) -> Profile {
        let text = format!(
            "callback_url = \"http://127.0.0.1:1/cb\"\nauth_url = \"https://i/authorize\"\n\
             token_url = \"https://i/token\"\nclient_id = \"c\"\nscope = \"openid email\"\n{extra}"
        );
        let f = std::path::Path::new("p.toml");
        validate(f, "p", &parse_raw(f, &text).unwrap()).unwrap()
    }

    fn metadata(json: &str) -> Metadata {
        let doc = format!(
            r#"{{"issuer":"https://i","authorization_endpoint":"https://i/authorize","token_endpoint":"https://i/token",{json}}}"#
        );
        parse_metadata("https://i", doc.as_bytes()).unwrap()
    }

    fn checks(w: &[LintWarning]) -> Vec<&str> {
        w.iter().map(|w| w.check).collect()
    }

    const ALL_GOOD: &str = r#""code_challenge_methods_supported":["S256"],
        "token_endpoint_auth_methods_supported":["none"],"scopes_supported":["openid","email"],
        "authorization_response_iss_parameter_supported":true"#;

    #[test]
    fn a_matching_profile_has_no_warnings() {
        assert_eq!(lint(&profile(""), &metadata(ALL_GOOD)), []);
    }

    #[test]
    fn absent_lists_say_nothing_but_absent_iss_support_warns() {
        let w = lint(&profile(""), &metadata(r#""x":1"#));
        assert_eq!(checks(&w), ["iss_parameter"]);
    }

    #[test]
    fn each_mismatch_names_the_check_and_the_fix() {
        let m = metadata(&ALL_GOOD.replace("[\"none\"]", "[\"client_secret_post\"]"));
        let mut p = profile("code_challenge_method = \"plain\"\nclient_secret = \"s\"\n");
        p.scope = "openid phone".into();
        let w = lint(&p, &m);
        assert_eq!(
            checks(&w),
            ["code_challenge_method", "client_auth", "scope"]
        );
        assert_eq!(w[0].fix, "set code_challenge_method = \"S256\"");
        assert!(
            w[1].message.contains("client_secret_basic"),
            "{}",
            w[1].message
        );
        assert_eq!(w[1].fix, "set client_auth = \"body\"");
        assert!(w[2].message.starts_with("scope phone "), "{}", w[2].message);
    }

    #[test]
    fn a_public_client_where_only_secrets_are_advertised_gets_a_note() {
        let m = metadata(&ALL_GOOD.replace("[\"none\"]", "[\"client_secret_basic\"]"));
        let w = lint(&profile(""), &m);
        assert_eq!(checks(&w), ["client_auth"]);
        assert_eq!(w[0].level, Level::Note);
        assert!(!w[0].is_warning());
        assert!(w[0].fix.contains("set client_secret"));
        assert_eq!(serde_json::json!(w[0])["level"], "note");
        // A confidential client whose method is missing still gets a warning.
        let p = profile("client_secret = \"s\"\nclient_auth = \"basic\"\n");
        let m = metadata(&ALL_GOOD.replace("[\"none\"]", "[\"client_secret_post\"]"));
        let w = lint(&p, &m);
        assert_eq!(w[0].level, Level::Warning);
        assert_eq!(serde_json::json!(w[0])["level"], "warning");
        assert_eq!(
            auth_method(&profile("client_secret = \"s\"\nclient_auth = \"body\"\n")),
            "client_secret_post"
        );
    }

    #[test]
    fn explicit_endpoints_that_differ_from_discovery_are_named() {
        let mut p = profile("");
        p.token_url = crate::oauth::types::EndpointUrl::parse("https://i/oauth/token").unwrap();
        let w = lint(&p, &metadata(ALL_GOOD));
        assert_eq!(checks(&w), ["token_url"]);
        assert!(
            w[0].message.contains("https://i/oauth/token")
                && w[0].message.contains("https://i/token")
        );
    }
}
