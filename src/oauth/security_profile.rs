//! A security-profile lint: the client's settings and the IdP's discovery document checked
//! against the FAPI 2.0 Security Profile's client requirements (OpenID Foundation, final,
//! February 2025; section numbers below are that text's). A lint, not a gate: every item is
//! reported, none stops a run.

use serde::Serialize;
use serde_json::Value;

use super::client_assertion::AssertionAudience;
use super::id_token::{Check, CheckResult};
use super::metadata::Metadata;
use super::pkce::ChallengeMethod;
use super::text::sanitize;
use super::token_request::ClientAuth;
use super::types::is_loopback_url;

/// The profiles a profile's `profile` key may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SecurityProfile {
    /// The FAPI 2.0 Security Profile.
    #[serde(rename = "fapi2")]
    Fapi2,
}

impl SecurityProfile {
    /// The allowed values of the `profile` key, for its error message.
    pub const ALLOWED: [&'static str; 1] = ["fapi2"];

    pub fn parse(value: &str) -> Option<SecurityProfile> {
        match value {
            "fapi2" => Some(SecurityProfile::Fapi2),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SecurityProfile::Fapi2 => "fapi2",
        }
    }

    /// How people write its name.
    pub fn title(self) -> &'static str {
        match self {
            SecurityProfile::Fapi2 => "FAPI 2.0",
        }
    }
}

/// What the client does, as plain facts (taken from a profile by `flow::security_profile`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSettings {
    /// The grant is the authorization code grant (the flow §5.3.3.2 profiles).
    pub authorization_code: bool,
    pub pkce_method: ChallengeMethod,
    pub client_auth: ClientAuth,
    /// What a client assertion's `aud` names (`private_key_jwt`, `client_secret_jwt`).
    pub assertion_aud: AssertionAudience,
    /// The authorization parameters are pushed (RFC 9126).
    pub uses_par: bool,
    /// Tokens are bound to a DPoP key (RFC 9449).
    pub dpop: bool,
    /// The authorization parameters travel as a signed request object (RFC 9101).
    pub signed_request_object: bool,
    pub auth_url: String,
    pub token_url: String,
    /// The `openid` scope is asked for: an ID token comes back and is verified.
    pub openid: bool,
    /// TLS certificate verification is off (`insecure_tls`).
    pub insecure_tls: bool,
}

/// The lint's result: `{"profile": "fapi2", "checks": [{"check", "result", "detail"}]}`,
/// the same check shape as the ID token's `validation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecurityProfileReport {
    pub profile: SecurityProfile,
    pub checks: Vec<Check>,
}

impl SecurityProfileReport {
    pub fn failed(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.result == CheckResult::Fail)
    }

    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.check == name)
    }

    /// One line: "FAPI 2.0: 3 of 11 checks fail: par, dpop, tls" (or "… all N checks pass").
    pub fn summary(&self) -> String {
        let failed: Vec<&str> = self.failed().map(|c| c.check.as_str()).collect();
        let title = self.profile.title();
        let total = self.checks.len();
        if failed.is_empty() {
            let skipped = self
                .checks
                .iter()
                .filter(|c| c.result == CheckResult::Skipped)
                .count();
            if skipped == 0 {
                format!("{title}: all {total} checks pass")
            } else {
                format!("{title}: no check fails ({skipped} of {total} skipped)")
            }
        } else {
            format!(
                "{title}: {} of {total} checks fail: {}",
                failed.len(),
                failed.join(", ")
            )
        }
    }
}

/// Lints the client against `profile`. `metadata` is None when no discovery document was
/// read (no issuer, or the fetch failed): what depends on it is then reported as such.
pub fn check(
    profile: SecurityProfile,
    client: &ClientSettings,
    metadata: Option<&Metadata>,
) -> SecurityProfileReport {
    let SecurityProfile::Fapi2 = profile;
    let checks = vec![
        discovery(client, metadata),
        tls(client, metadata),
        response_type(client, metadata),
        pkce(client, metadata),
        par(client, metadata),
        iss_parameter(metadata),
        sender_constrained(client, metadata),
        client_authentication(client, metadata),
        assertion_audience(client),
        id_token_algs(client, metadata),
        id_token_verified(client, metadata),
        request_object(client),
    ];
    SecurityProfileReport { profile, checks }
}

fn item(check: &str, result: Result<String, String>) -> Check {
    let (result, detail) = match result {
        Ok(d) => (CheckResult::Pass, d),
        Err(d) => (CheckResult::Fail, d),
    };
    Check {
        check: check.to_owned(),
        result,
        detail,
    }
}

fn skipped(check: &str, detail: impl Into<String>) -> Check {
    Check {
        check: check.to_owned(),
        result: CheckResult::Skipped,
        detail: detail.into(),
    }
}

const NO_METADATA: &str = "no discovery document was read (set issuer)";

/// A string list from the raw document; None when absent or not a list of strings.
fn raw_list(metadata: &Metadata, field: &str) -> Option<Vec<String>> {
    let list = metadata.raw.get(field)?.as_array()?;
    Some(
        list.iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
    )
}

fn raw_str<'a>(metadata: &'a Metadata, field: &str) -> Option<&'a str> {
    metadata
        .raw
        .get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Discovery-document values, escaped and joined for a detail line.
fn shown(values: &[String]) -> String {
    values
        .iter()
        .map(|v| sanitize(v))
        .collect::<Vec<_>>()
        .join(", ")
}

/// §5.3.3.1 items 9–11: endpoints only from the issuer's metadata document.
fn discovery(client: &ClientSettings, metadata: Option<&Metadata>) -> Check {
    let Some(m) = metadata else {
        return item(
            "discovery",
            Err(format!(
                "§5.3.3.1: endpoints must come from the issuer's metadata document; {NO_METADATA}"
            )),
        );
    };
    let mut differ = Vec::new();
    if m.authorization_endpoint.as_deref() != Some(client.auth_url.as_str())
        && client.authorization_code
    {
        differ.push("auth_url");
    }
    if m.token_endpoint.as_deref() != Some(client.token_url.as_str()) {
        differ.push("token_url");
    }
    item(
        "discovery",
        if differ.is_empty() {
            Ok(format!(
                "endpoints from the metadata of {} (§5.3.3.1)",
                sanitize(&m.issuer)
            ))
        } else {
            Err(format!(
                "{} set by hand, not the metadata's (§5.3.3.1: only endpoints from the metadata document)",
                differ.join(" and ")
            ))
        },
    )
}

/// §5.2.1: TLS everywhere, with the server certificate checked. A loopback test IdP on plain
/// http cannot have TLS and is not the deployment the profile is about: skipped, not failed.
fn tls(client: &ClientSettings, metadata: Option<&Metadata>) -> Check {
    let mut urls = vec![client.token_url.as_str()];
    if client.authorization_code {
        urls.push(client.auth_url.as_str());
    }
    if let Some(m) = metadata {
        urls.push(m.issuer.as_str());
        urls.extend(raw_str(m, "pushed_authorization_request_endpoint"));
    }
    let mut remote_http = Vec::new();
    let mut loopback_http = 0;
    for u in urls {
        match url::Url::parse(u) {
            Ok(url) if url.scheme() == "https" => {}
            Ok(url) if is_loopback_url(&url) => loopback_http += 1,
            _ => remote_http.push(sanitize(u)),
        }
    }
    if !remote_http.is_empty() {
        return item(
            "tls",
            Err(format!(
                "§5.2.1: TLS protected endpoints only; plain http to {}",
                remote_http.join(", ")
            )),
        );
    }
    if loopback_http > 0 {
        return skipped(
            "tls",
            "the IdP is on loopback over plain http (a local test IdP): §5.2.1's TLS requirements do not apply here and are not checked",
        );
    }
    if client.insecure_tls {
        return item(
            "tls",
            Err("§5.2.1 item 5: the TLS server certificate must be checked; insecure_tls = true turns that off".to_owned()),
        );
    }
    item(
        "tls",
        Ok("https to every endpoint, certificates verified (§5.2.1)".to_owned()),
    )
}

/// §5.3.3.2 item 1 (and §5.3.2.2 item 1): the authorization code grant, `response_type=code`.
fn response_type(client: &ClientSettings, metadata: Option<&Metadata>) -> Check {
    if !client.authorization_code {
        return item(
            "response_type",
            Err("§5.3.3.2 item 1: the authorization code grant; this profile's grant_type is another".to_owned()),
        );
    }
    match metadata.and_then(|m| raw_list(m, "response_types_supported")) {
        Some(types) if !types.iter().any(|t| t == "code") => item(
            "response_type",
            Err(format!(
                "tokenbench sends response_type=code, which the IdP does not list (response_types_supported: {})",
                shown(&types)
            )),
        ),
        _ => item(
            "response_type",
            Ok("response_type=code, nothing in the front channel but the code (§5.3.3.2 item 1)".to_owned()),
        ),
    }
}

/// §5.3.3.2 item 3: PKCE with S256 (`plain` is never what the client uses).
fn pkce(client: &ClientSettings, metadata: Option<&Metadata>) -> Check {
    if client.pkce_method == ChallengeMethod::Plain {
        return item(
            "pkce",
            Err("§5.3.3.2 item 3: PKCE with S256; code_challenge_method = \"plain\" sends the verifier in the clear".to_owned()),
        );
    }
    match metadata.map(|m| &m.code_challenge_methods_supported) {
        Some(methods) if !methods.is_empty() && !methods.iter().any(|m| m == "S256") => item(
            "pkce",
            Err(format!(
                "the client uses S256, which the IdP does not list (code_challenge_methods_supported: {})",
                shown(methods)
            )),
        ),
        _ => item("pkce", Ok("S256, a fresh verifier per run (§5.3.3.2 items 3–4)".to_owned())),
    }
}

/// §5.3.3.2 items 2 and 6: pushed authorization requests; the browser gets only `client_id`
/// and `request_uri`.
fn par(client: &ClientSettings, metadata: Option<&Metadata>) -> Check {
    let endpoint = metadata.and_then(|m| raw_str(m, "pushed_authorization_request_endpoint"));
    match (client.uses_par, endpoint, metadata) {
        (true, Some(_), _) => item(
            "par",
            Ok("pushed to the IdP's pushed_authorization_request_endpoint; the browser gets client_id and request_uri only (§5.3.3.2 items 2, 6)".to_owned()),
        ),
        (false, _, _) => item(
            "par",
            Err("§5.3.3.2 item 2: pushed authorization requests (RFC 9126); set par = \"always\"".to_owned()),
        ),
        (true, None, Some(_)) => item(
            "par",
            Err("§5.3.3.2 item 2: the IdP's metadata has no pushed_authorization_request_endpoint".to_owned()),
        ),
        (true, None, None) => item(
            "par",
            Err(format!("§5.3.3.2 item 2: the pushed_authorization_request_endpoint is unknown: {NO_METADATA}")),
        ),
    }
}

/// §5.3.3.2 item 5: check `iss` in the authorization response (RFC 9207). tokenbench checks
/// it whenever the IdP promises it, so the promise is what is linted.
fn iss_parameter(metadata: Option<&Metadata>) -> Check {
    match metadata {
        None => item(
            "iss_parameter",
            Err(format!("§5.3.3.2 item 5: whether the IdP returns iss is unknown: {NO_METADATA}")),
        ),
        Some(m) if m.authorization_response_iss_parameter_supported => item(
            "iss_parameter",
            Ok("the IdP returns iss (authorization_response_iss_parameter_supported) and tokenbench checks it against the issuer (§5.3.3.2 item 5, RFC 9207)".to_owned()),
        ),
        Some(_) => item(
            "iss_parameter",
            Err("§5.3.3.2 item 5: the IdP does not say it returns iss in the authorization response (authorization_response_iss_parameter_supported), so a mix-up cannot be detected".to_owned()),
        ),
    }
}

/// The algorithm tokenbench signs DPoP proofs with.
const DPOP_ALG: &str = "ES256";

/// §5.3.3.1 item 1: sender-constrained access tokens, by mTLS or DPoP. tokenbench has no
/// mTLS (no client certificates), so DPoP is the only way it can pass.
fn sender_constrained(client: &ClientSettings, metadata: Option<&Metadata>) -> Check {
    if !client.dpop {
        return item(
            "sender_constrained",
            Err("§5.3.3.1 item 1: sender-constrained access tokens (mTLS or DPoP); tokenbench has no mTLS, so set dpop = true".to_owned()),
        );
    }
    match metadata.and_then(|m| raw_list(m, "dpop_signing_alg_values_supported")) {
        Some(algs) if !algs.iter().any(|a| a == DPOP_ALG) => item(
            "sender_constrained",
            Err(format!(
                "DPoP proofs are signed with {DPOP_ALG}, which the IdP does not list (dpop_signing_alg_values_supported: {})",
                shown(&algs)
            )),
        ),
        Some(_) => item(
            "sender_constrained",
            Ok(format!("DPoP (RFC 9449), proofs signed with {DPOP_ALG} (§5.3.3.1 item 1)")),
        ),
        None => item(
            "sender_constrained",
            Ok(format!("DPoP (RFC 9449), proofs signed with {DPOP_ALG} (§5.3.3.1 item 1); the IdP does not list dpop_signing_alg_values_supported")),
        ),
    }
}

/// §5.3.3.1 item 2: client authentication by mTLS or `private_key_jwt`; no shared secrets.
fn client_authentication(client: &ClientSettings, metadata: Option<&Metadata>) -> Check {
    let why = match client.client_auth {
        ClientAuth::PrivateKeyJwt => None,
        ClientAuth::Basic => Some("client_auth = \"basic\" sends the client secret in an Authorization: Basic header (client_secret_basic)"),
        ClientAuth::Body => Some("client_auth = \"body\" sends the client secret in the form (client_secret_post)"),
        ClientAuth::ClientSecretJwt => Some("client_auth = \"client_secret_jwt\" signs with a shared secret"),
        ClientAuth::None => Some("client_auth = \"none\" is a public client, which the profile does not cover (§5.1.1)"),
    };
    if let Some(why) = why {
        return item(
            "client_authentication",
            Err(format!(
                "§5.3.3.1 item 2: private_key_jwt or mTLS (tokenbench has no mTLS); {why}"
            )),
        );
    }
    match metadata.map(|m| &m.token_endpoint_auth_methods_supported) {
        Some(methods) if !methods.is_empty() && !methods.iter().any(|m| m == "private_key_jwt") => {
            item(
                "client_authentication",
                Err(format!(
                    "private_key_jwt, which the IdP does not list (token_endpoint_auth_methods_supported: {})",
                    shown(methods)
                )),
            )
        }
        _ => item(
            "client_authentication",
            Ok("private_key_jwt (§5.3.3.1 item 2)".to_owned()),
        ),
    }
}

/// §5.3.3.1 item 5: a client assertion's `aud` is the issuer identifier, as a string.
fn assertion_audience(client: &ClientSettings) -> Check {
    if client.client_auth != ClientAuth::PrivateKeyJwt {
        return skipped(
            "assertion_aud",
            "no private_key_jwt assertion is sent (see client_authentication)",
        );
    }
    item(
        "assertion_aud",
        match client.assertion_aud {
            AssertionAudience::Issuer => Ok("the assertion's aud is the issuer identifier, a string (§5.3.3.1 item 5)".to_owned()),
            AssertionAudience::TokenEndpoint => Err("§5.3.3.1 item 5: the assertion's aud must be the issuer identifier; client_assertion_aud = \"token_endpoint\" sends the token endpoint URL".to_owned()),
        },
    )
}

/// §5.4.1 item 1.2: JWTs signed with PS256, ES256 or EdDSA (Ed25519) only.
const FAPI_ALGS: [&str; 3] = ["PS256", "ES256", "EdDSA"];

fn id_token_algs(client: &ClientSettings, metadata: Option<&Metadata>) -> Check {
    if !client.openid {
        return skipped("id_token_alg", "no ID token: the scope has no openid");
    }
    let Some(m) = metadata else {
        return item(
            "id_token_alg",
            Err(format!(
                "§5.4.1: the ID token's algorithms are unknown: {NO_METADATA}"
            )),
        );
    };
    let Some(algs) = raw_list(m, "id_token_signing_alg_values_supported") else {
        return item(
            "id_token_alg",
            Err(
                "§5.4.1: the IdP's metadata has no id_token_signing_alg_values_supported"
                    .to_owned(),
            ),
        );
    };
    let other: Vec<String> = algs
        .iter()
        .filter(|a| !FAPI_ALGS.contains(&a.as_str()))
        .cloned()
        .collect();
    if other.is_empty() && !algs.is_empty() {
        item(
            "id_token_alg",
            Ok(format!(
                "the IdP signs ID tokens with {} (§5.4.1: PS256, ES256, EdDSA)",
                shown(&algs)
            )),
        )
    } else if algs.is_empty() {
        item(
            "id_token_alg",
            Err("§5.4.1: id_token_signing_alg_values_supported is empty".to_owned()),
        )
    } else {
        item(
            "id_token_alg",
            Err(format!(
                "§5.4.1 allows PS256, ES256 and EdDSA only; the IdP also offers {}",
                shown(&other)
            )),
        )
    }
}

/// OIDC Core §3.1.3.7, which the profile builds on (§5.3.1): the ID token's signature and
/// claims verified. tokenbench does this whenever it has the issuer's keys.
fn id_token_verified(client: &ClientSettings, metadata: Option<&Metadata>) -> Check {
    if !client.openid {
        return skipped("id_token_verified", "no ID token: the scope has no openid");
    }
    match metadata {
        Some(m) if m.jwks_uri.is_some() => item(
            "id_token_verified",
            Ok("tokenbench verifies the ID token's signature with the issuer's jwks_uri and its claims (OIDC Core §3.1.3.7)".to_owned()),
        ),
        Some(_) => item(
            "id_token_verified",
            Err("the metadata has no jwks_uri: the ID token's signature cannot be verified".to_owned()),
        ),
        None => item(
            "id_token_verified",
            Err(format!("the ID token cannot be verified: {NO_METADATA}")),
        ),
    }
}

/// Signed request objects are FAPI 2.0 Message Signing's (§5.3), not the Security Profile's:
/// reported, never failed.
fn request_object(client: &ClientSettings) -> Check {
    if client.signed_request_object {
        item(
            "request_object",
            Ok("the authorization parameters are a signed request object (RFC 9101)".to_owned()),
        )
    } else {
        skipped(
            "request_object",
            "not required by the Security Profile (FAPI 2.0 Message Signing asks for it); request_object = \"signed\" adds it",
        )
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::oauth::metadata::parse_metadata;

    const ISSUER: &str = "https://idp.example";

    /// A FAPI 2.0 client that passes every check.
    fn strong() -> ClientSettings {
        ClientSettings {
            authorization_code: true,
            pkce_method: ChallengeMethod::S256,
            client_auth: ClientAuth::PrivateKeyJwt,
            assertion_aud: AssertionAudience::Issuer,
            uses_par: true,
            dpop: true,
            signed_request_object: false,
            auth_url: format!("{ISSUER}/authorize"),
            token_url: format!("{ISSUER}/token"),
            openid: true,
            insecure_tls: false,
        }
    }

    fn document() -> Value {
        json!({
            "issuer": ISSUER,
            "authorization_endpoint": format!("{ISSUER}/authorize"),
            "token_endpoint": format!("{ISSUER}/token"),
            "jwks_uri": format!("{ISSUER}/jwks"),
            "pushed_authorization_request_endpoint": format!("{ISSUER}/par"),
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "authorization_response_iss_parameter_supported": true,
            "dpop_signing_alg_values_supported": ["ES256", "PS256"],
            "id_token_signing_alg_values_supported": ["PS256", "ES256", "EdDSA"],
        })
    }

    fn metadata(doc: &Value) -> Metadata {
        let issuer = doc["issuer"].as_str().unwrap();
        parse_metadata(issuer, doc.to_string().as_bytes()).unwrap()
    }

    fn with(edit: impl FnOnce(&mut Value)) -> Metadata {
        let mut doc = document();
        edit(&mut doc);
        metadata(&doc)
    }

    fn result(client: &ClientSettings, m: Option<&Metadata>, name: &str) -> (CheckResult, String) {
        let report = check(SecurityProfile::Fapi2, client, m);
        let c = report
            .check(name)
            .unwrap_or_else(|| panic!("no check {name}"));
        (c.result, c.detail.clone())
    }

    fn fails(client: &ClientSettings, m: Option<&Metadata>, name: &str, says: &str) {
        let (r, detail) = result(client, m, name);
        assert_eq!(r, CheckResult::Fail, "{name}: {detail}");
        assert!(detail.contains(says), "{name}: {detail}");
    }

    #[test]
    fn a_fapi2_client_passes_every_check_with_the_same_shape_as_validation() {
        let m = metadata(&document());
        let report = check(SecurityProfile::Fapi2, &strong(), Some(&m));
        let failed: Vec<_> = report.failed().collect();
        assert!(failed.is_empty(), "{failed:?}");
        let v = serde_json::to_value(&report).unwrap();
        assert_eq!(v["profile"], "fapi2");
        let first = &v["checks"][0];
        assert_eq!(first["check"], "discovery");
        assert_eq!(first["result"], "pass");
        assert!(first["detail"].is_string());
        assert_eq!(
            v["checks"].as_array().unwrap().len(),
            12,
            "{}",
            report.summary()
        );
        assert_eq!(
            report.check("request_object").unwrap().result,
            CheckResult::Skipped
        );
        assert_eq!(
            report.summary(),
            "FAPI 2.0: no check fails (1 of 12 skipped)"
        );
    }

    #[test]
    fn summary_names_the_failed_checks() {
        let weak = ClientSettings {
            uses_par: false,
            dpop: false,
            client_auth: ClientAuth::Basic,
            ..strong()
        };
        let m = metadata(&document());
        let report = check(SecurityProfile::Fapi2, &weak, Some(&m));
        assert_eq!(
            report.summary(),
            "FAPI 2.0: 3 of 12 checks fail: par, sender_constrained, client_authentication"
        );
    }

    #[test]
    fn discovery_fails_without_metadata_or_with_endpoints_by_hand() {
        fails(&strong(), None, "discovery", "no discovery document");
        let by_hand = ClientSettings {
            token_url: "https://elsewhere.example/token".into(),
            ..strong()
        };
        let m = metadata(&document());
        fails(&by_hand, Some(&m), "discovery", "token_url set by hand");
    }

    #[test]
    fn tls_passes_on_https_is_skipped_on_loopback_http_and_fails_on_remote_http() {
        let m = metadata(&document());
        assert_eq!(result(&strong(), Some(&m), "tls").0, CheckResult::Pass);

        let local = "http://127.0.0.1:4000";
        let loopback = ClientSettings {
            auth_url: format!("{local}/auth"),
            token_url: format!("{local}/token"),
            ..strong()
        };
        let lm = with(|d| {
            d["issuer"] = json!(local);
            d["authorization_endpoint"] = json!(format!("{local}/auth"));
            d["token_endpoint"] = json!(format!("{local}/token"));
            d["pushed_authorization_request_endpoint"] = json!(format!("{local}/par"));
        });
        let (r, detail) = result(&loopback, Some(&lm), "tls");
        assert_eq!(r, CheckResult::Skipped);
        assert!(detail.contains("loopback"), "{detail}");

        let remote = ClientSettings {
            token_url: "http://idp.example/token".into(),
            ..strong()
        };
        fails(
            &remote,
            Some(&m),
            "tls",
            "plain http to http://idp.example/token",
        );

        let unverified = ClientSettings {
            insecure_tls: true,
            ..strong()
        };
        fails(&unverified, Some(&m), "tls", "insecure_tls");
    }

    #[test]
    fn response_type_is_code_from_the_authorization_code_grant() {
        let m = metadata(&document());
        let device = ClientSettings {
            authorization_code: false,
            ..strong()
        };
        fails(
            &device,
            Some(&m),
            "response_type",
            "authorization code grant",
        );
        let no_code = with(|d| d["response_types_supported"] = json!(["id_token"]));
        fails(&strong(), Some(&no_code), "response_type", "does not list");
    }

    #[test]
    fn pkce_needs_s256_and_never_plain() {
        let m = metadata(&document());
        assert_eq!(result(&strong(), Some(&m), "pkce").0, CheckResult::Pass);
        let plain = ClientSettings {
            pkce_method: ChallengeMethod::Plain,
            ..strong()
        };
        fails(&plain, Some(&m), "pkce", "plain");
        let only_plain = with(|d| d["code_challenge_methods_supported"] = json!(["plain"]));
        fails(&strong(), Some(&only_plain), "pkce", "does not list");
    }

    #[test]
    fn par_needs_the_client_to_push_and_the_idp_to_offer_it() {
        let m = metadata(&document());
        assert_eq!(result(&strong(), Some(&m), "par").0, CheckResult::Pass);
        let front = ClientSettings {
            uses_par: false,
            ..strong()
        };
        fails(&front, Some(&m), "par", "par = \"always\"");
        let none = with(|d| {
            d.as_object_mut()
                .unwrap()
                .remove("pushed_authorization_request_endpoint");
        });
        fails(
            &strong(),
            Some(&none),
            "par",
            "no pushed_authorization_request_endpoint",
        );
    }

    #[test]
    fn iss_parameter_needs_the_idps_promise() {
        let m = metadata(&document());
        assert_eq!(
            result(&strong(), Some(&m), "iss_parameter").0,
            CheckResult::Pass
        );
        let silent = with(|d| d["authorization_response_iss_parameter_supported"] = json!(false));
        fails(&strong(), Some(&silent), "iss_parameter", "mix-up");
    }

    #[test]
    fn sender_constrained_tokens_are_dpop_here() {
        let m = metadata(&document());
        assert_eq!(
            result(&strong(), Some(&m), "sender_constrained").0,
            CheckResult::Pass
        );
        let bearer = ClientSettings {
            dpop: false,
            ..strong()
        };
        fails(
            &bearer,
            Some(&m),
            "sender_constrained",
            "tokenbench has no mTLS",
        );
        let rsa_only = with(|d| d["dpop_signing_alg_values_supported"] = json!(["PS256"]));
        fails(&strong(), Some(&rsa_only), "sender_constrained", "ES256");
    }

    #[test]
    fn client_authentication_is_private_key_jwt_never_a_secret() {
        let m = metadata(&document());
        assert_eq!(
            result(&strong(), Some(&m), "client_authentication").0,
            CheckResult::Pass
        );
        for (auth, says) in [
            (ClientAuth::Basic, "client_secret_basic"),
            (ClientAuth::Body, "client_secret_post"),
            (ClientAuth::ClientSecretJwt, "shared secret"),
            (ClientAuth::None, "public client"),
        ] {
            let c = ClientSettings {
                client_auth: auth,
                ..strong()
            };
            fails(&c, Some(&m), "client_authentication", says);
            assert_eq!(
                result(&c, Some(&m), "assertion_aud").0,
                CheckResult::Skipped
            );
        }
        let secrets_only =
            with(|d| d["token_endpoint_auth_methods_supported"] = json!(["client_secret_basic"]));
        fails(
            &strong(),
            Some(&secrets_only),
            "client_authentication",
            "does not list",
        );
    }

    #[test]
    fn assertion_aud_is_the_issuer() {
        let m = metadata(&document());
        assert_eq!(
            result(&strong(), Some(&m), "assertion_aud").0,
            CheckResult::Pass
        );
        let token_endpoint = ClientSettings {
            assertion_aud: AssertionAudience::TokenEndpoint,
            ..strong()
        };
        fails(&token_endpoint, Some(&m), "assertion_aud", "token_endpoint");
    }

    #[test]
    fn id_token_algorithms_are_ps256_es256_eddsa_only_and_escaped() {
        let m = metadata(&document());
        assert_eq!(
            result(&strong(), Some(&m), "id_token_alg").0,
            CheckResult::Pass
        );
        let rs = with(|d| {
            d["id_token_signing_alg_values_supported"] = json!(["RS256", "ES256", "x\u{1b}[2J"])
        });
        let (r, detail) = result(&strong(), Some(&rs), "id_token_alg");
        assert_eq!(r, CheckResult::Fail);
        assert!(
            detail.contains("RS256") && !detail.contains('\u{1b}'),
            "{detail}"
        );
        let absent = with(|d| {
            d.as_object_mut()
                .unwrap()
                .remove("id_token_signing_alg_values_supported");
        });
        fails(
            &strong(),
            Some(&absent),
            "id_token_alg",
            "no id_token_signing_alg_values_supported",
        );
        let oauth_only = ClientSettings {
            openid: false,
            ..strong()
        };
        assert_eq!(
            result(&oauth_only, Some(&rs), "id_token_alg").0,
            CheckResult::Skipped
        );
    }

    #[test]
    fn id_token_is_verified_with_the_issuers_keys() {
        let m = metadata(&document());
        assert_eq!(
            result(&strong(), Some(&m), "id_token_verified").0,
            CheckResult::Pass
        );
        let keyless = with(|d| {
            d.as_object_mut().unwrap().remove("jwks_uri");
        });
        fails(
            &strong(),
            Some(&keyless),
            "id_token_verified",
            "no jwks_uri",
        );
    }

    #[test]
    fn request_object_is_reported_never_failed() {
        let signed = ClientSettings {
            signed_request_object: true,
            ..strong()
        };
        assert_eq!(result(&signed, None, "request_object").0, CheckResult::Pass);
        assert_eq!(
            result(&strong(), None, "request_object").0,
            CheckResult::Skipped
        );
    }

    #[test]
    fn only_fapi2_is_a_profile() {
        assert_eq!(
            SecurityProfile::parse("fapi2"),
            Some(SecurityProfile::Fapi2)
        );
        assert_eq!(SecurityProfile::parse("FAPI2"), None);
        assert_eq!(SecurityProfile::ALLOWED, ["fapi2"]);
    }
}
