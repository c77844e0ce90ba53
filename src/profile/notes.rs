//! Warnings about a profile that is valid but probably not what the user wants. They never
//! stop a run; the workbench shows them next to the key.

use url::Host;

pub(super) use crate::oauth::types::is_loopback_url as is_loopback;
use crate::oauth::types::{EndpointUrl, RedirectUri};

use super::model::RawProfile;

pub const NOT_LOOPBACK: &str =
    "not a loopback address: tokenbench cannot listen there; you will paste the redirected URL";
pub const LOCALHOST: &str = "RFC 8252 §8.3 recommends 127.0.0.1 or [::1] over localhost";
pub const PLAIN_METHOD: &str =
    "plain sends the verifier in the clear; use S256 unless the client cannot hash";
pub const PLAIN_HTTP: &str = "plain http outside loopback exposes codes and tokens";
pub const DISCOVERED: &str = "empty: taken from the issuer's discovery document at run time";

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
        if !callback.is_loopback() {
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
}
