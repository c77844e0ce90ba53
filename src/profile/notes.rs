//! Warnings about a profile that is valid but probably not what the user wants. They never
//! stop a run; the workbench shows them next to the key.

use url::Host;

pub(super) use crate::oauth::types::is_loopback_url as is_loopback;
use crate::oauth::types::{EndpointUrl, RedirectUri};

use super::lint::{Level, LintWarning};
use super::model::{Profile, RawProfile};
use crate::oauth::vendor::{is_vendor, Vendor};

pub const NOT_LOOPBACK: &str =
    "not a loopback address: tokenbench cannot listen there; you will paste the redirected URL";
pub const LOCALHOST: &str = "RFC 8252 §8.3 recommends 127.0.0.1 or [::1] over localhost";
pub const PLAIN_METHOD: &str =
    "plain sends the verifier in the clear; use S256 unless the client cannot hash";
pub const PLAIN_HTTP: &str = "plain http outside loopback exposes codes and tokens";
pub const DISCOVERED: &str = "empty: taken from the issuer's discovery document at run time";
pub const UNSPECIFIED_HOST: &str = "0.0.0.0 (or [::]) is not loopback: a server listens on it, a browser cannot be sent to it, and Google refuses it as a redirect; use 127.0.0.1";
/// The out-of-band "redirect" of installed apps, which Google blocked (its OOB migration
/// guide, 2022-2023) and tokenbench cannot receive.
pub const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";
pub const OOB_ERROR: &str = "urn:ietf:wg:oauth:2.0:oob (out-of-band copy/paste) is not a redirect tokenbench can receive, and Google has blocked the OOB flow: use a loopback callback such as http://127.0.0.1:8765/callback and register that (Google's \"Desktop app\" clients accept any loopback port)";

/// `(key, note)` pairs in form order. Values that do not parse get no note: their error
/// says enough.
pub fn notes(raw: &RawProfile) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut note = |key: &str, text: &str| found.push((key.to_owned(), text.to_owned()));

    if let Some(Ok(callback)) = raw
        .callback_url
        .as_deref()
        .map(|v| RedirectUri::parse(v.trim()))
    {
        if unspecified_host(callback.url()) {
            note("callback_url", UNSPECIFIED_HOST);
        } else if !callback.is_loopback() {
            note("callback_url", NOT_LOOPBACK);
        } else if matches!(callback.url().host(), Some(Host::Domain(_))) {
            // The only loopback domain is localhost; it may resolve elsewhere or to the
            // other IP family than the one the server listens on.
            note("callback_url", LOCALHOST);
        }
    }
    for (key, value) in [("auth_url", &raw.auth_url), ("token_url", &raw.token_url)] {
        if let Some(Ok(url)) = value.as_deref().map(|v| EndpointUrl::parse(v.trim())) {
            if url.url().scheme() == "http" && !is_loopback(url.url()) {
                note(key, PLAIN_HTTP);
            }
        }
    }
    let issuer = raw.issuer.as_deref().map(str::trim).unwrap_or_default();
    if EndpointUrl::parse(issuer).is_ok() {
        for (key, value) in [("auth_url", &raw.auth_url), ("token_url", &raw.token_url)] {
            if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
                note(key, DISCOVERED);
            }
        }
    }
    if raw.code_challenge_method.as_deref() == Some("plain") {
        note("code_challenge_method", PLAIN_METHOD);
    }
    found
}

/// 0.0.0.0 or [::]: "every address" to a server, no destination for a browser.
fn unspecified_host(url: &url::Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_unspecified(),
        Some(Host::Ipv6(ip)) => ip.is_unspecified(),
        _ => false,
    }
}

/// The big IdPs' known traps a valid profile walks into, found before anything is sent:
/// shown by `doctor` among its local checks and as warnings of a run.
pub fn quirks(profile: &Profile) -> Vec<LintWarning> {
    let mut out = Vec::new();
    let callback = &profile.callback_url;
    if unspecified_host(callback.url()) {
        out.push(LintWarning {
            level: Level::Warning,
            check: "callback_url",
            message: format!(
                "callback_url {} uses the unspecified address: {UNSPECIFIED_HOST}",
                callback.as_str()
            ),
            fix: format!(
                "write callback_url with 127.0.0.1 (http://127.0.0.1:{}{}) and register exactly that",
                callback.port(),
                callback.path()
            ),
        });
    }
    let mut urls = vec![profile.auth_url.as_str(), profile.token_url.as_str()];
    urls.extend(profile.issuer.as_deref());
    let offline_access = profile.scope.split(' ').any(|s| s == "offline_access");
    if offline_access && is_vendor(Vendor::Google, &urls, None) {
        let has_access_type = profile
            .auth_params
            .iter()
            .any(|(k, v)| k == "access_type" && v == "offline");
        out.push(LintWarning {
            level: Level::Warning,
            check: "scope",
            message: "Google does not take the offline_access scope: it issues a refresh token when the authorization request carries access_type=offline".to_owned(),
            fix: if has_access_type {
                "remove offline_access from scope (access_type = \"offline\" is already set)".to_owned()
            } else {
                "remove offline_access from scope and add `[auth_params] access_type = \"offline\"` (with prompt = \"consent\" to get a refresh token again for an app already approved)".to_owned()
            },
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(callback: &str, auth: &str, token: &str, method: Option<&str>) -> RawProfile {
        RawProfile {
            callback_url: Some(callback.into()),
            auth_url: Some(auth.into()),
            token_url: Some(token.into()),
            code_challenge_method: method.map(str::to_owned),
            ..RawProfile::default()
        }
    }

    fn keys(notes: &[(String, String)]) -> Vec<&str> {
        notes.iter().map(|(k, _)| k.as_str()).collect()
    }

    #[test]
    fn a_good_profile_has_no_notes() {
        let r = raw(
            "http://127.0.0.1:8765/cb",
            "https://idp.example/a",
            "http://[::1]:9400/t",
            Some("S256"),
        );
        assert!(notes(&r).is_empty(), "{:?}", notes(&r));
    }

    #[test]
    fn every_kind_of_note_names_its_key() {
        let r = raw(
            "https://app.example/cb",
            "http://idp.example/a",
            "http://idp.example/t",
            Some("plain"),
        );
        let found = notes(&r);
        assert_eq!(
            keys(&found),
            [
                "callback_url",
                "auth_url",
                "token_url",
                "code_challenge_method"
            ]
        );
        assert_eq!(found[0].1, NOT_LOOPBACK);
        assert_eq!(found[1].1, PLAIN_HTTP);
        assert_eq!(found[3].1, PLAIN_METHOD);
    }

    #[test]
    fn localhost_is_loopback_but_noted() {
        let r = raw(
            "http://LocalHost:1/cb",
            "http://localhost:2/a",
            "https://x/t",
            None,
        );
        assert_eq!(
            notes(&r),
            [("callback_url".to_owned(), LOCALHOST.to_owned())]
        );
    }

    #[test]
    fn empty_endpoints_with_an_issuer_are_discovered() {
        let mut r = raw("http://127.0.0.1:1/cb", "", "https://x/t", None);
        assert!(notes(&r).is_empty(), "no issuer: the error says enough");
        r.issuer = Some("https://idp.example".into());
        assert_eq!(notes(&r), [("auth_url".to_owned(), DISCOVERED.to_owned())]);
        r.token_url = None;
        assert_eq!(keys(&notes(&r)), ["auth_url", "token_url"]);
    }

    #[test]
    fn unparseable_values_get_no_note() {
        let r = raw("not a url", "idp.example", "", Some("Plain"));
        assert!(notes(&r).is_empty());
    }

    fn profile(text: &str) -> Profile {
        let f = std::path::Path::new("p.toml");
        crate::profile::load::validate(f, "p", &crate::profile::load::parse_raw(f, text).unwrap())
            .unwrap()
    }

    const GOOGLE: &str = "auth_url = \"https://accounts.google.com/o/oauth2/v2/auth\"\n\
        token_url = \"https://oauth2.googleapis.com/token\"\nclient_id = \"c\"\n";

    #[test]
    fn google_offline_access_and_unspecified_hosts_are_linted_before_sending() {
        let p = profile(&format!(
            "callback_url = \"http://0.0.0.0:8765/cb\"\n{GOOGLE}scope = \"openid offline_access\"\n"
        ));
        let q = quirks(&p);
        let checks: Vec<_> = q.iter().map(|w| w.check).collect();
        assert_eq!(checks, ["callback_url", "scope"]);
        assert!(q[0].fix.contains("http://127.0.0.1:8765/cb"), "{}", q[0]);
        assert!(q[1].fix.contains("access_type = \"offline\""), "{}", q[1]);
        let fine = profile(&format!(
            "callback_url = \"http://127.0.0.1:8765/cb\"\n{GOOGLE}scope = \"openid\"\n[auth_params]\naccess_type = \"offline\"\n"
        ));
        assert_eq!(quirks(&fine), []);
        // offline_access elsewhere is the standard scope (OIDC Core §11).
        let other = profile(
            "callback_url = \"http://127.0.0.1:1/cb\"\nauth_url = \"https://idp.example/a\"\n\
             token_url = \"https://idp.example/t\"\nclient_id = \"c\"\nscope = \"openid offline_access\"\n",
        );
        assert_eq!(quirks(&other), []);
        let v6 = raw("http://[::]:8765/cb", "https://a/x", "https://a/t", None);
        assert_eq!(
            notes(&v6),
            [("callback_url".to_owned(), UNSPECIFIED_HOST.to_owned())]
        );
    }

    #[test]
    fn the_oob_callback_is_refused_with_the_way_out() {
        let text = format!("callback_url = \"urn:ietf:wg:oauth:2.0:oob\"\n{GOOGLE}");
        let f = std::path::Path::new("p.toml");
        let raw = crate::profile::load::parse_raw(f, &text).unwrap();
        let errors = crate::profile::load::validate_all(f, &raw);
        let shown = format!("{errors:?}");
        assert!(shown.contains("Google has blocked the OOB flow"), "{shown}");
        assert!(shown.contains("http://127.0.0.1:8765/callback"), "{shown}");
    }
}
