//! Which big IdP a profile talks to, from its hosts and metadata: some of their known traps
//! can be named before (or right after) anything goes wrong.

use serde_json::Value;
use url::Url;

use super::jwt::{decode, DecodedToken};

/// The IdPs with traps of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    Auth0,
    Google,
    Entra,
}

/// The host of a URL, lowercased; None when it does not parse.
pub fn host_of(url: &str) -> Option<String> {
    Url::parse(url)
        .ok()?
        .host_str()
        .map(|h| h.trim_end_matches('.').to_ascii_lowercase())
}

fn under(host: &str, domain: &str) -> bool {
    host == domain || host.ends_with(&format!(".{domain}"))
}

/// The vendor a URL's host belongs to.
pub fn vendor_of_url(url: &str) -> Option<Vendor> {
    let host = host_of(url)?;
    if under(&host, "auth0.com") {
        Some(Vendor::Auth0)
    } else if host == "accounts.google.com" || host == "oauth2.googleapis.com" {
        Some(Vendor::Google)
    } else if under(&host, "login.microsoftonline.com")
        || under(&host, "login.microsoftonline.us")
        || under(&host, "login.partner.microsoftonline.cn")
        || under(&host, "login.windows.net")
    {
        Some(Vendor::Entra)
    } else {
        None
    }
}

/// Whether any of `urls` (issuer, endpoints) or the metadata says `vendor`. Auth0 on a
/// custom domain is known by its metadata: it alone publishes `mfa_challenge_endpoint`
/// (seen in every Auth0 discovery document, custom domains included).
pub fn is_vendor(vendor: Vendor, urls: &[&str], metadata: Option<&Value>) -> bool {
    if urls.iter().any(|u| vendor_of_url(u) == Some(vendor)) {
        return true;
    }
    vendor == Vendor::Auth0
        && metadata
            .and_then(|m| m.get("mfa_challenge_endpoint"))
            .is_some_and(Value::is_string)
}

/// The warning for an Auth0 access token that is opaque or a JWE (`alg: dir`): what Auth0
/// issues when the request named no API (`audience`), meant only for its /userinfo.
/// Sources: auth0/nextjs-auth0#1809 ("If an audience it not specified, Auth0 will assume that
/// the only audience is the /userinfo endpoint and will issue an opaque, encrypted token"),
/// oauth2-proxy#3159 (the JWE's `alg` is `dir`), auth0/docs#5001 (opaque strings when
/// /userinfo is the audience).
pub fn auth0_audience_note(access_token: &str, audience_sent: bool) -> Option<String> {
    if audience_sent {
        return None;
    }
    let shape = match decode(access_token) {
        DecodedToken::Jwe { header } => {
            let alg = header.get("alg").and_then(Value::as_str).unwrap_or("?");
            if alg == "dir" {
                "an encrypted JWE (alg: dir)"
            } else {
                "an encrypted JWE"
            }
        }
        DecodedToken::Opaque { .. } => "opaque",
        DecodedToken::Jwt { .. } => return None,
    };
    Some(format!(
        "this looks like an Auth0 token without `audience`: the access token is {shape}, good only for Auth0's /userinfo; add `[auth_params] audience = \"<your API identifier>\"` to get a JWT for your API"
    ))
}

/// The Auth0 note for a token response, when the profile talks to Auth0 (by `urls` or its
/// metadata) and sent no `audience`: the same after a refresh as after a run, since the
/// refreshed token has the shape of the grant's first one.
pub fn auth0_note(
    urls: &[&str],
    metadata: Option<&Value>,
    audience_sent: bool,
    access_token: &str,
) -> Option<String> {
    if !is_vendor(Vendor::Auth0, urls, metadata) {
        return None;
    }
    auth0_audience_note(access_token, audience_sent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use serde_json::json;

    /// A JWE-shaped token as Auth0 issues it without `audience`: five parts, a protected
    /// header `{"alg":"dir","enc":"A256GCM","iss":…}` (oauth2-proxy#3159, the Auth0 community
    /// thread "Access token is a JWE when expecting a JWT").
    fn auth0_jwe() -> String {
        let header = URL_SAFE_NO_PAD.encode(
            json!({"alg":"dir","enc":"A256GCM","iss":"https://tenant.us.auth0.com/"}).to_string(),
        );
        format!("{header}..aW5pdHZlY3Rvcg.Y2lwaGVydGV4dA.dGFn")
    }

    #[test]
    fn auth0_hosts_and_custom_domains() {
        assert!(is_vendor(
            Vendor::Auth0,
            &["https://tenant.us.auth0.com/"],
            None
        ));
        assert!(is_vendor(
            Vendor::Auth0,
            &["https://TENANT.auth0.com./oauth/token"],
            None
        ));
        assert!(!is_vendor(
            Vendor::Auth0,
            &["https://auth0.com.evil.example/"],
            None
        ));
        let meta = json!({"mfa_challenge_endpoint": "https://login.example.com/mfa/challenge"});
        assert!(is_vendor(
            Vendor::Auth0,
            &["https://login.example.com/"],
            Some(&meta)
        ));
        assert!(!is_vendor(
            Vendor::Auth0,
            &["https://login.example.com/"],
            Some(&json!({}))
        ));
        assert!(is_vendor(
            Vendor::Google,
            &["https://accounts.google.com"],
            None
        ));
        assert!(is_vendor(
            Vendor::Entra,
            &["https://login.microsoftonline.com/common/v2.0"],
            None
        ));
    }

    #[test]
    fn jwe_or_opaque_without_audience_is_named() {
        let note = auth0_audience_note(&auth0_jwe(), false).unwrap();
        assert!(
            note.contains("this looks like an Auth0 token without `audience`"),
            "{note}"
        );
        assert!(note.contains("alg: dir"), "{note}");
        assert!(note.contains("[auth_params] audience"), "{note}");
        let opaque = auth0_audience_note("KBSxkmG-OcpA6-cg", false).unwrap();
        assert!(opaque.contains("opaque"), "{opaque}");
        assert_eq!(auth0_audience_note(&auth0_jwe(), true), None);
        let jwt = format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256"}"#),
            URL_SAFE_NO_PAD.encode(r#"{"aud":"https://api"}"#)
        );
        assert_eq!(auth0_audience_note(&jwt, false), None);
    }

    #[test]
    fn the_note_needs_auth0_by_host_or_metadata() {
        let auth0 = ["https://tenant.eu.auth0.com/oauth/token"];
        assert!(auth0_note(&auth0, None, false, "opaque-token").is_some());
        assert_eq!(auth0_note(&auth0, None, true, "opaque-token"), None);
        let other = ["https://login.example.com/token"];
        assert_eq!(auth0_note(&other, None, false, "opaque-token"), None);
        let meta = json!({"mfa_challenge_endpoint": "https://login.example.com/mfa/challenge"});
        assert!(auth0_note(&other, Some(&meta), false, &auth0_jwe()).is_some());
    }
}
