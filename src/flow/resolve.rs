//! From a profile as written to one ready to run: with an `issuer`, its discovery document
//! is fetched and checked, empty endpoints are filled from it, and the profile is linted
//! against it. Shared by `run`, `demo`, `doctor` and the workbench.

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

use crate::net::discovery::{discover_within, DiscoveryError, METADATA_TIMEOUT};
use crate::net::http::HttpClient;
use crate::oauth::metadata::Metadata;
use crate::profile::lint::{lint, LintWarning};
use crate::profile::load::{
    file_stem, parse_raw, read_text, validate, validate_all, validate_all_in,
};
use crate::profile::{Profile, Provenance, RawProfile};

use super::error::FlowError;
use super::report::FlowReport;

/// A profile ready to run, with what discovery found.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub profile: Profile,
    /// The issuer's metadata; None without an issuer, or when it could not be fetched and
    /// the profile names both endpoints itself (then `warnings` says why).
    pub metadata: Option<Metadata>,
    pub lint: Vec<LintWarning>,
    /// The profile keys filled from the metadata: "auth_url", "token_url".
    pub discovered: Vec<&'static str>,
    /// Why discovery did not happen although the profile has an issuer.
    pub warnings: Vec<String>,
}

impl Resolved {
    /// A profile that needs no discovery (no issuer), or whose metadata is already known.
    pub fn without_discovery(profile: Profile) -> Resolved {
        Resolved {
            profile,
            metadata: None,
            lint: Vec::new(),
            discovered: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The `discovery` object of the JSON output; None without metadata.
    pub fn discovery_json(&self) -> Option<Value> {
        discovery_json(self.metadata.as_ref(), &self.discovered, &self.lint)
    }
}

/// The `discovery` object: the metadata summary, which profile keys it filled, the lint.
pub fn discovery_json(
    metadata: Option<&Metadata>,
    discovered: &[&'static str],
    lint: &[LintWarning],
) -> Option<Value> {
    let mut v = metadata?.summary_json();
    v["filled"] = json!(discovered);
    v["lint"] = json!(lint);
    Some(v)
}

/// Resolves a profile as written in `file` (which names it in errors and gives its default
/// name). Errors: an invalid profile (exit 2), an issuer whose metadata names another issuer
/// (exit 3), or metadata that cannot be fetched when endpoints must come from it (exit 6).
pub async fn resolve(
    raw: &RawProfile,
    file: &Path,
    http: &HttpClient,
) -> Result<Resolved, FlowError> {
    if let Some(e) = validate_all(file, raw).into_iter().next() {
        return Err(FlowError::InvalidInput(e.to_string()));
    }
    // Discovery talks to the same IdP, so it follows the profile's TLS and plain-http
    // opt-outs too (and only those).
    let http = http.with_plain_http(raw.insecure_http == Some(true));
    let insecure;
    let http = if raw.insecure_tls == Some(true) {
        insecure = http
            .with_insecure_tls()
            .map_err(|e| FlowError::Internal(e.to_string()))?;
        &insecure
    } else {
        &http
    };
    let issuer = raw
        .issuer
        .as_deref()
        .map(str::trim)
        .filter(|i| !i.is_empty());
    let empty = |v: &Option<String>| v.as_deref().is_none_or(|v| v.trim().is_empty());
    let complete = !empty(&raw.auth_url) && !empty(&raw.token_url);
    let (metadata, mut warnings) = match issuer {
        Some(issuer) => discover_for_run(http, issuer, complete, METADATA_TIMEOUT).await?,
        None => (None, Vec::new()),
    };

    let mut filled = raw.clone();
    let mut discovered = Vec::new();
    if let Some(m) = &metadata {
        for (key, slot, found, name) in [
            (
                "auth_url",
                &mut filled.auth_url,
                &m.authorization_endpoint,
                "authorization_endpoint",
            ),
            (
                "token_url",
                &mut filled.token_url,
                &m.token_endpoint,
                "token_endpoint",
            ),
        ] {
            if empty(slot) {
                let found = found.clone().ok_or_else(|| {
                    FlowError::InvalidInput(format!(
                        "{}: key `{key}`: is empty and the issuer's discovery document has no {name}; set {key}",
                        file.display()
                    ))
                })?;
                *slot = Some(found);
                discovered.push(key);
            }
        }
    }
    let profile = validate(file, &file_stem(file), &filled)
        .map_err(|e| FlowError::InvalidInput(e.to_string()))?;
    warnings.extend(crate::profile::perms::literal_secret_exposed(file, raw));
    let mut metadata = metadata;
    if let Some(m) = metadata.as_mut() {
        apply_by_hand(m, &profile);
    }
    let lint = metadata
        .as_ref()
        .map(|m| lint(&profile, m))
        .unwrap_or_default();
    Ok(Resolved {
        profile,
        metadata,
        lint,
        discovered,
        warnings,
    })
}

/// Reads, parses and resolves a profile file; the profile remembers the bytes it came from.
pub async fn resolve_file(path: &Path, http: &HttpClient) -> Result<Resolved, FlowError> {
    let text = read_text(path).map_err(|e| FlowError::InvalidInput(e.to_string()))?;
    let raw = parse_raw(path, &text).map_err(|e| FlowError::InvalidInput(e.to_string()))?;
    // With the text at hand the first error in the file is reported, with its line.
    if let Some(e) = validate_all_in(path, &text, &raw).into_iter().next() {
        return Err(FlowError::InvalidInput(e.to_string()));
    }
    let mut resolved = resolve(&raw, path, http).await?;
    resolved.profile.source = Provenance::file(path, text.as_bytes());
    Ok(resolved)
}

/// The metadata for a run: the resolved one, or for a profile with an issuer fetched now.
/// Recorded in `report` with the lint, which also goes into its warnings. Each request may
/// take `limit`.
pub async fn metadata_for_run(
    http: &HttpClient,
    profile: &Profile,
    resolved: Option<&Resolved>,
    report: &mut FlowReport,
    limit: Duration,
) -> Result<Option<Metadata>, FlowError> {
    let (metadata, discovered, found, warnings) = match (resolved, &profile.issuer) {
        (Some(r), _) => (
            r.metadata.clone(),
            r.discovered.clone(),
            r.lint.clone(),
            r.warnings.clone(),
        ),
        (None, None) => return Ok(None),
        (None, Some(issuer)) => {
            let (mut m, warnings) = discover_for_run(http, issuer, true, limit).await?;
            if let Some(m) = m.as_mut() {
                apply_by_hand(m, profile);
            }
            let found = m.as_ref().map(|m| lint(profile, m)).unwrap_or_default();
            (m, Vec::new(), found, warnings)
        }
    };
    report.warnings.extend(warnings);
    report.warnings.extend(
        found
            .iter()
            .filter(|l| l.is_warning())
            .map(|l| format!("lint {}: {l}", l.check)),
    );
    report.metadata = metadata.clone();
    report.discovered = discovered;
    report.lint = found;
    Ok(metadata)
}

/// The endpoints the profile sets by hand replace the discovered ones, so every user of the
/// metadata (grants, the JWKS fetch, the JSON's `discovery.sources`) sees them.
pub fn apply_by_hand(metadata: &mut Metadata, profile: &Profile) {
    for (field, url) in &profile.by_hand {
        metadata.set_by_hand(field, url.as_str());
    }
}

/// Discovery for a run. A document for another issuer always stops the run; a document
/// that cannot be fetched stops it only when the endpoints must come from it. An issuer that
/// never answers costs one `limit` (see [`discover_within`]).
pub async fn discover_for_run(
    http: &HttpClient,
    issuer: &str,
    endpoints_complete: bool,
    limit: Duration,
) -> Result<(Option<Metadata>, Vec<String>), FlowError> {
    match discover_within(http, issuer, limit).await {
        Ok(m) => Ok((Some(m), Vec::new())),
        Err(e @ (DiscoveryError::InvalidIssuer { .. } | DiscoveryError::IssuerMismatch { .. })) => {
            Err(FlowError::Discovery(e))
        }
        Err(e) if endpoints_complete => Ok((
            None,
            vec![format!(
                "{e}; continuing with the profile's endpoints, but a missing `iss` in the callback will be accepted and the ID token cannot be verified"
            )],
        )),
        Err(e) => Err(FlowError::Discovery(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::http::HttpLimits;

    #[tokio::test]
    async fn without_an_issuer_nothing_is_fetched() {
        let f = Path::new("p.toml");
        let raw = parse_raw(
            f,
            "callback_url = \"http://127.0.0.1:1/cb\"\nauth_url = \"https://i.invalid/a\"\n\
             token_url = \"https://i.invalid/t\"\nclient_id = \"c\"\n",
        )
        .unwrap();
        let http = HttpClient::new(HttpLimits::default()).unwrap();
        let r = resolve(&raw, f, &http).await.unwrap();
        assert!(r.metadata.is_none() && r.lint.is_empty() && r.discovered.is_empty());
        assert_eq!(r.profile.name, "p");
        assert!(r.discovery_json().is_none());
    }

    #[tokio::test]
    async fn invalid_profiles_are_invalid_input() {
        let f = Path::new("p.toml");
        let raw = parse_raw(f, "issuer = \"https://i.invalid\"\n").unwrap();
        let http = HttpClient::new(HttpLimits::default()).unwrap();
        let e = resolve(&raw, f, &http).await.unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("callback_url"), "{e}");
    }
}
