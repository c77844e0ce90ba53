//! IdPs and registrations that accept only `https://` redirect URIs say so in their own words;
//! tokenbench can then serve the loopback callback over https (`net::tls`).

/// Whether the IdP's words say the redirect URI must be https. Pure text matching, so the
/// real wordings are tested one by one.
pub fn says_https_required(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    let about_redirect = [
        "redirect",
        "reply url",
        "reply uri",
        "reply address",
        "callback",
    ]
    .iter()
    .any(|w| t.contains(w));
    let needs_https = [
        "must use https",
        "must use the https scheme",
        "must use an https",
        "must be https",
        "must be an https",
        "must begin with https",
        "must start with https",
        "requires https",
        "https is required",
        "https required",
        "only https",
        "isn't using a secure scheme",
        "is not using a secure scheme",
    ]
    .iter()
    .any(|w| t.contains(w));
    about_redirect && needs_https
}

/// The fix for an http loopback callback refused because https is required.
pub fn fix(uri: &str) -> Option<String> {
    let rest = uri.strip_prefix("http://")?;
    Some(format!(
        "the IdP (or this client's registration) accepts only https redirect URIs: set callback_url = \"https://{rest}\" — tokenbench then serves the callback over TLS with a certificate it makes for this profile (the browser warns once) — and register that URI"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_wordings_are_recognised() {
        for said in [
            // An authorization server's answer, `error_description` (found with code search).
            "redirect_uri must use HTTPS (except localhost)",
            // Slack-style validators, "OAuth redirect URI must use HTTPS".
            "OAuth redirect URI must use HTTPS",
            // The wording the brief asked about for Okta; not confirmed in a capture.
            "The 'redirect_uri' must use the https scheme",
            // Entra's AADSTS500117 (Microsoft's error code list; not found in a capture).
            "AADSTS500117: The reply uri specified in the request isn't using a secure scheme.",
            // The embedded IdP's https-only client.
            "redirect_uri did not match any registered redirect URI: \"http://127.0.0.1:1/callback\" (redirect_uri must use the https scheme for this client)",
        ] {
            assert!(says_https_required(said), "{said}");
        }
    }

    #[test]
    fn other_redirect_complaints_are_not() {
        for said in [
            "AADSTS50011: The redirect URI 'http://127.0.0.1:1/cb' specified in the request does not match the redirect URIs configured for the application",
            "Mismatching redirect URI.",
            "hint: loopback redirect URIs use http, not https (RFC 8252 §7.3)",
            "the token endpoint must use https",
        ] {
            assert!(!says_https_required(said), "{said}");
        }
    }

    #[test]
    fn fix_names_the_https_callback() {
        let f = fix("http://127.0.0.1:8765/callback").unwrap();
        assert!(f.contains("callback_url = \"https://127.0.0.1:8765/callback\""));
        assert_eq!(fix("https://127.0.0.1:1/cb"), None);
    }
}
