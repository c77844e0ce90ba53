//! The error forms of the identity providers people use, recognised by their own words, and
//! where each one keeps a client's redirect URIs.

use serde::Serialize;
use url::Url;

use super::text::{clean_message, find_line};

/// An identity provider tokenbench knows by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdpKind {
    OidcProvider,
    Keycloak,
    Entra,
    Okta,
    Auth0,
    Google,
    Cognito,
    GitHub,
    /// An oauthlib-based server: Django OAuth Toolkit, Flask-OAuthlib and their kin.
    Oauthlib,
    /// The embedded demo IdP (src/idp).
    Tokenbench,
}

impl IdpKind {
    pub fn name(self) -> &'static str {
        match self {
            IdpKind::OidcProvider => "oidc-provider",
            IdpKind::Keycloak => "Keycloak",
            IdpKind::Entra => "Microsoft Entra ID",
            IdpKind::Okta => "Okta",
            IdpKind::Auth0 => "Auth0",
            IdpKind::Google => "Google",
            IdpKind::Cognito => "Amazon Cognito",
            IdpKind::GitHub => "GitHub",
            IdpKind::Oauthlib => "an oauthlib-based server (Django OAuth Toolkit, Flask-OAuthlib)",
            IdpKind::Tokenbench => "the tokenbench demo IdP",
        }
    }

    /// Where a client's redirect URIs are registered, for the fix text.
    pub fn where_registered(self) -> &'static str {
        match self {
            IdpKind::OidcProvider => "the client's `redirect_uris` in the provider configuration",
            IdpKind::Keycloak => "Clients → the client → Settings → Valid redirect URIs",
            IdpKind::Entra => "App registrations → the app → Authentication → Redirect URIs (the \"Mobile and desktop applications\" platform lets http://localhost use any port)",
            IdpKind::Okta => "Applications → the app → General → Sign-in redirect URIs",
            IdpKind::Auth0 => "Applications → the application → Settings → Allowed Callback URLs",
            IdpKind::Google => "APIs & Services → Credentials → the OAuth client → Authorized redirect URIs (\"Desktop app\" clients accept loopback redirects on any port)",
            IdpKind::Cognito => "the user pool's app client → Login pages → Allowed callback URLs",
            IdpKind::GitHub => "the OAuth app's settings → Authorization callback URL",
            IdpKind::Oauthlib => "the application's redirect URIs (Django OAuth Toolkit: admin → Django OAuth Toolkit → Applications → Redirect uris; Flask-OAuthlib: the client's redirect_uris)",
            IdpKind::Tokenbench => "src/idp/clients.rs (http loopback, any port, path /callback)",
        }
    }

    /// The IdP an authorization endpoint belongs to, from its well-known host or path shape.
    pub fn from_url(url: &Url) -> Option<IdpKind> {
        let host = url.host_str()?.to_ascii_lowercase();
        let under = |suffix: &str| host == suffix || host.ends_with(&format!(".{suffix}"));
        if host.starts_with("login.microsoftonline.")
            || under("b2clogin.com")
            || under("ciamlogin.com")
        {
            Some(IdpKind::Entra)
        } else if under("okta.com") || under("oktapreview.com") || under("okta-emea.com") {
            Some(IdpKind::Okta)
        } else if under("auth0.com") {
            Some(IdpKind::Auth0)
        } else if host == "accounts.google.com" {
            Some(IdpKind::Google)
        } else if under("amazoncognito.com") {
            Some(IdpKind::Cognito)
        } else if host == "github.com" {
            Some(IdpKind::GitHub)
        } else if url.path().contains("/realms/") && url.path().contains("/protocol/openid-connect")
        {
            Some(IdpKind::Keycloak)
        } else {
            None
        }
    }
}

/// What an error is about, which decides the verdict and the hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    RedirectUri,
    Client,
    Scope,
    Pkce,
    Other,
}

/// A recognised error page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageMatch {
    pub idp: Option<IdpKind>,
    pub problem: Problem,
    /// The IdP's own words.
    pub message: String,
}

struct Signature {
    idp: Option<IdpKind>,
    /// Lower-case text that only this error shows.
    needle: &'static str,
    problem: Problem,
}

const fn sig(idp: Option<IdpKind>, needle: &'static str, problem: Problem) -> Signature {
    Signature {
        idp,
        needle,
        problem,
    }
}

/// Most specific first: a page is matched by the first signature whose text it shows.
const SIGNATURES: &[Signature] = &[
    sig(
        Some(IdpKind::Tokenbench),
        "redirect_uri did not match any registered redirect uri",
        Problem::RedirectUri,
    ),
    sig(
        Some(IdpKind::OidcProvider),
        "redirect_uri did not match any of the client's registered redirect_uris",
        Problem::RedirectUri,
    ),
    sig(
        Some(IdpKind::Keycloak),
        "invalid parameter: redirect_uri",
        Problem::RedirectUri,
    ),
    sig(Some(IdpKind::Entra), "aadsts50011", Problem::RedirectUri),
    sig(Some(IdpKind::Entra), "aadsts500113", Problem::RedirectUri),
    // "AADSTS500117: The reply uri specified in the request isn't using a secure scheme."
    // (captured in praetorian-inc/oauthseeker's README): an http redirect URI that is not
    // localhost, refused for its scheme.
    sig(Some(IdpKind::Entra), "aadsts500117", Problem::RedirectUri),
    sig(
        Some(IdpKind::Okta),
        "parameter must be a login redirect uri in the client app settings",
        Problem::RedirectUri,
    ),
    // Okta's older wording of the same refusal, "The 'redirect_uri' parameter must be an
    // absolute URI that is whitelisted in the client app settings." (okta/okta-sdk-dotnet#206,
    // okta/samples-python-flask#19).
    sig(
        Some(IdpKind::Okta),
        "parameter must be an absolute uri that is whitelisted in the client app settings",
        Problem::RedirectUri,
    ),
    sig(
        Some(IdpKind::Auth0),
        "callback url mismatch",
        Problem::RedirectUri,
    ),
    sig(None, "redirect_uri_mismatch", Problem::RedirectUri),
    // oauthlib's MismatchingRedirectURIError.description, under "Error: invalid_request".
    sig(
        Some(IdpKind::Oauthlib),
        "mismatching redirect uri",
        Problem::RedirectUri,
    ),
    sig(
        Some(IdpKind::Cognito),
        "redirect_mismatch",
        Problem::RedirectUri,
    ),
    sig(
        Some(IdpKind::Cognito),
        "redirect mismatch",
        Problem::RedirectUri,
    ),
    sig(
        Some(IdpKind::Tokenbench),
        "unknown client_id",
        Problem::Client,
    ),
    sig(Some(IdpKind::Keycloak), "client not found", Problem::Client),
    // oauthlib's InvalidClientIdError.description.
    sig(
        Some(IdpKind::Oauthlib),
        "invalid client_id parameter value",
        Problem::Client,
    ),
    sig(
        Some(IdpKind::Keycloak),
        "parameter: code_challenge_method",
        Problem::Pkce,
    ),
    sig(
        Some(IdpKind::Keycloak),
        "missing parameter: code_challenge",
        Problem::Pkce,
    ),
    sig(Some(IdpKind::Entra), "aadsts700016", Problem::Client),
    sig(Some(IdpKind::Entra), "aadsts70011", Problem::Scope),
    sig(Some(IdpKind::Entra), "aadsts650053", Problem::Scope),
    sig(
        Some(IdpKind::Google),
        "the oauth client was not found",
        Problem::Client,
    ),
];

/// The first known error form the page shows, with the IdP's message.
pub fn match_page(lines: &[String], raw: &str) -> Option<PageMatch> {
    for s in SIGNATURES {
        let message = if s.needle.starts_with("aadsts") {
            // Entra renders its message from a script ($Config), so it may not be text.
            entra_message(raw, s.needle)
        } else {
            find_line(lines, s.needle).map(clean_message)
        };
        if let Some(message) = message {
            return Some(PageMatch {
                idp: s.idp,
                problem: s.problem,
                message,
            });
        }
    }
    // Any other Entra error still has a code and a sentence worth showing.
    entra_message(raw, "aadsts").map(|message| PageMatch {
        idp: Some(IdpKind::Entra),
        problem: Problem::Other,
        message,
    })
}

/// `AADSTS50011: The redirect URI …` out of visible text or a JavaScript string literal.
fn entra_message(raw: &str, needle: &str) -> Option<String> {
    let lower = raw.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find(needle).map(|i| from + i) {
        from = at + needle.len();
        let code_end = at
            + 6
            + raw[at + 6..]
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(raw.len() - at - 6);
        // A needle with a code must match the whole code (AADSTS50011, not AADSTS500113).
        let whole = needle.len() == 6 || code_end == at + needle.len();
        if code_end == at + 6 || !whole || !raw[code_end..].starts_with(':') {
            continue;
        }
        let tail = &raw[at..];
        let mut end = tail.len();
        let mut escaped = false;
        for (i, c) in tail.char_indices() {
            match c {
                '\\' if !escaped => {
                    escaped = true;
                    continue;
                }
                '"' | '<' | '\n' if !escaped => {
                    end = i;
                    break;
                }
                _ => {}
            }
            escaped = false;
        }
        let literal = &tail[..end];
        let text = serde_json::from_str::<String>(&format!("\"{literal}\""))
            .unwrap_or_else(|_| literal.replace("\\u0027", "'"));
        return Some(clean_message(&super::html::decode_entities(&text)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn idp_from_the_authorization_endpoint() {
        let cases = [
            (
                "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
                Some(IdpKind::Entra),
            ),
            (
                "https://dev-123.okta.com/oauth2/default/v1/authorize",
                Some(IdpKind::Okta),
            ),
            (
                "https://tenant.eu.auth0.com/authorize",
                Some(IdpKind::Auth0),
            ),
            (
                "https://accounts.google.com/o/oauth2/v2/auth",
                Some(IdpKind::Google),
            ),
            (
                "https://x.auth.eu-west-1.amazoncognito.com/oauth2/authorize",
                Some(IdpKind::Cognito),
            ),
            (
                "https://sso.example/realms/demo/protocol/openid-connect/auth",
                Some(IdpKind::Keycloak),
            ),
            (
                "https://github.com/login/oauth/authorize",
                Some(IdpKind::GitHub),
            ),
            ("https://notokta.com.evil.example/authorize", None),
            ("https://evilokta.com/authorize", None),
        ];
        for (u, want) in cases {
            assert_eq!(IdpKind::from_url(&url(u)), want, "{u}");
        }
    }

    #[test]
    fn entra_message_from_a_script_string() {
        let raw = r#"$Config={"strServiceExceptionMessage":"AADSTS50011: The redirect URI \u0027http://127.0.0.1:8765/callback\u0027 specified in the request does not match.","x":1};"#;
        let m = match_page(&[], raw).unwrap();
        assert_eq!(m.idp, Some(IdpKind::Entra));
        assert_eq!(m.problem, Problem::RedirectUri);
        assert_eq!(
            m.message,
            "AADSTS50011: The redirect URI 'http://127.0.0.1:8765/callback' specified in the request does not match."
        );
    }

    #[test]
    fn captured_wordings_of_a_refused_redirect_uri() {
        let m = match_page(
            &[],
            r#"$Config={"strServiceExceptionMessage":"AADSTS500117: The reply uri specified in the request isn\u0027t using a secure scheme.","x":1};"#,
        )
        .unwrap();
        assert_eq!(
            (m.idp, m.problem),
            (Some(IdpKind::Entra), Problem::RedirectUri)
        );
        assert_eq!(
            m.message,
            "AADSTS500117: The reply uri specified in the request isn't using a secure scheme."
        );
        let line = "Description: The 'redirect_uri' parameter must be an absolute URI that is whitelisted in the client app settings.".to_owned();
        let m = match_page(&[line], "").unwrap();
        assert_eq!(
            (m.idp, m.problem),
            (Some(IdpKind::Okta), Problem::RedirectUri)
        );
    }

    #[test]
    fn other_entra_codes_are_other_errors() {
        let m = match_page(&[], "<p>AADSTS90002: Tenant 'x' not found.</p>").unwrap();
        assert_eq!(m.problem, Problem::Other);
        assert!(m.message.starts_with("AADSTS90002: Tenant"));
        assert!(match_page(&[], "AADSTS without a code").is_none());
    }
}
