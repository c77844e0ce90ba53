//! Validation of the authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3).
//! The order matters: client and redirect URI first, because until both are known to be
//! good the IdP must not redirect anywhere (RFC 6749 §4.1.2.1).

use std::collections::HashMap;

use super::clients::{self, Client, REGISTERED_REDIRECT_PATTERNS};
use super::scope::Scope;
use crate::oauth::pkce::{validate_verifier, ChallengeMethod};

/// A request that passed every check; what the consent page and the code remember.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationRequest {
    pub client: &'static Client,
    pub redirect_uri: String,
    pub scope: Scope,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: String,
    pub method: ChallengeMethod,
    /// OIDC `prompt=none`: the client asks for no user interaction at all.
    pub prompt_none: bool,
    /// RFC 9449 §10: the thumbprint of the DPoP key that must redeem the code.
    pub dpop_jkt: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizeError {
    /// Shown as a page; the client never hears of it.
    #[error("{message}")]
    NoRedirect {
        message: String,
        details: Vec<String>,
    },
    /// Sent back to the (validated) redirect URI as `error=...`.
    #[error("{error}: {description}")]
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: &'static str,
        description: String,
    },
}

/// Parses and validates the raw query string of `GET /authorize`.
pub fn parse(query: &str) -> Result<AuthorizationRequest, AuthorizeError> {
    let mut params: HashMap<String, Vec<String>> = HashMap::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        params
            .entry(name.into_owned())
            .or_default()
            .push(value.into_owned());
    }
    let (client, redirect_uri) = client_and_redirect(&params)?;

    let state = first(&params, "state").map(str::to_owned);
    let fail = |error: &'static str, description: String| AuthorizeError::Redirect {
        redirect_uri: redirect_uri.clone(),
        state: state.clone(),
        error,
        description,
    };

    // RFC 6749 §3.1: parameters must not be included more than once.
    let mut repeated: Vec<&str> = params
        .iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(k, _)| k.as_str())
        .collect();
    repeated.sort_unstable();
    if let Some(name) = repeated.first() {
        return Err(fail(
            "invalid_request",
            format!("parameter {name} was sent more than once"),
        ));
    }

    match first(&params, "response_type") {
        None => return Err(fail("invalid_request", "response_type is missing".into())),
        Some("code") => {}
        Some(other) => {
            return Err(fail(
                "unsupported_response_type",
                format!(
                    "response_type {other:?} is not supported; this IdP supports only \"code\""
                ),
            ))
        }
    }

    let Some(code_challenge) = first(&params, "code_challenge") else {
        return Err(fail(
            "invalid_request",
            "code_challenge is missing; this IdP requires PKCE (RFC 7636)".into(),
        ));
    };
    // RFC 7636 §4.3: an absent method means plain.
    let method = match first(&params, "code_challenge_method") {
        None => ChallengeMethod::Plain,
        Some(m) => ChallengeMethod::parse(m).map_err(|e| fail("invalid_request", e.to_string()))?,
    };
    check_challenge(code_challenge, method).map_err(|d| fail("invalid_request", d))?;

    let scope =
        Scope::parse(first(&params, "scope")).map_err(|e| fail("invalid_scope", e.to_string()))?;

    Ok(AuthorizationRequest {
        client,
        redirect_uri: redirect_uri.clone(),
        scope,
        state: state.clone(),
        nonce: first(&params, "nonce").map(str::to_owned),
        code_challenge: code_challenge.to_owned(),
        method,
        prompt_none: first(&params, "prompt").is_some_and(|p| p.split(' ').any(|v| v == "none")),
        dpop_jkt: first(&params, "dpop_jkt").map(str::to_owned),
    })
}

fn client_and_redirect(
    params: &HashMap<String, Vec<String>>,
) -> Result<(&'static Client, String), AuthorizeError> {
    let no_redirect =
        |message: String, details: Vec<String>| AuthorizeError::NoRedirect { message, details };
    let patterns = || {
        REGISTERED_REDIRECT_PATTERNS
            .iter()
            .map(|p| format!("registered: {p}"))
            .collect()
    };

    let client_id = single(params, "client_id").map_err(|m| no_redirect(m, vec![]))?;
    let client = clients::find(client_id).ok_or_else(|| {
        no_redirect(
            format!("unknown client_id {client_id:?}"),
            vec![format!(
                "registered clients: {}, {}",
                super::DEMO_CLIENT_ID,
                super::DEMO_CONFIDENTIAL_CLIENT_ID
            )],
        )
    })?;
    let redirect_uri = single(params, "redirect_uri").map_err(|m| no_redirect(m, patterns()))?;
    if !client.allows_redirect(redirect_uri) {
        let mut details: Vec<String> = patterns();
        if client.scheme == "https" && redirect_uri.starts_with("http://") {
            // Worded like the IdPs whose registrations accept only https redirects.
            details = vec![
                "redirect_uri must use the https scheme: this client is registered with https loopback redirect URIs only".to_owned(),
                "registered: https://127.0.0.1:<any port>/callback".to_owned(),
            ];
        } else if let Some(hint) = mismatch_hint(redirect_uri) {
            details.insert(0, hint.to_owned());
        }
        let https_only = if client.scheme == "https" {
            " (redirect_uri must use the https scheme for this client)"
        } else {
            ""
        };
        return Err(no_redirect(
            format!(
                "redirect_uri did not match any registered redirect URI: {redirect_uri:?}{https_only}"
            ),
            details,
        ));
    }
    Ok((client, redirect_uri.to_owned()))
}

/// The value of a parameter that must appear exactly once before anything can be trusted.
fn single<'a>(params: &'a HashMap<String, Vec<String>>, name: &str) -> Result<&'a str, String> {
    match params.get(name).map(Vec::as_slice) {
        None | Some([]) => Err(format!("{name} is missing")),
        Some([value]) => Ok(value),
        Some(_) => Err(format!("{name} was sent more than once")),
    }
}

fn first<'a>(params: &'a HashMap<String, Vec<String>>, name: &str) -> Option<&'a str> {
    params.get(name).and_then(|v| v.first()).map(String::as_str)
}

/// RFC 7636 §4.2: S256 challenges are 43 base64url characters; plain ones are verifiers.
fn check_challenge(challenge: &str, method: ChallengeMethod) -> Result<(), String> {
    validate_verifier(challenge).map_err(|e| format!("code_challenge is malformed: {e}"))?;
    if method == ChallengeMethod::S256 && challenge.len() != 43 {
        return Err(format!(
            "an S256 code_challenge is 43 base64url characters (SHA-256, RFC 7636 §4.2); got {}",
            challenge.len()
        ));
    }
    Ok(())
}

/// The commonest near-misses, named so the user does not have to diff URIs by eye.
fn mismatch_hint(uri: &str) -> Option<&'static str> {
    if uri.starts_with("https://") {
        Some("hint: loopback redirect URIs use http, not https (RFC 8252 §7.3)")
    } else if uri.ends_with("/callback/") {
        Some("hint: the trailing slash makes it a different URI")
    } else if uri.contains('?') || uri.contains('#') {
        Some("hint: the registered URIs have no query or fragment")
    } else {
        None
    }
}

#[cfg(test)]
impl AuthorizationRequest {
    pub fn sample() -> Self {
        AuthorizationRequest {
            client: clients::find(super::DEMO_CLIENT_ID).unwrap(),
            redirect_uri: "http://127.0.0.1:1/callback".into(),
            scope: Scope::parse(Some("openid")).unwrap(),
            state: Some("s".into()),
            nonce: None,
            code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
            method: ChallengeMethod::S256,
            prompt_none: false,
            dpop_jkt: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idp::DEMO_CLIENT_ID;

    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn query(pairs: &[(&str, &str)]) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    }

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![
            ("response_type", "code"),
            ("client_id", DEMO_CLIENT_ID),
            ("redirect_uri", "http://127.0.0.1:4321/callback"),
            ("scope", "openid profile"),
            ("state", "st"),
            ("nonce", "no"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ]
    }

    fn without(name: &str) -> Vec<(&'static str, &'static str)> {
        base().into_iter().filter(|(k, _)| *k != name).collect()
    }

    fn with(name: &'static str, value: &'static str) -> Vec<(&'static str, &'static str)> {
        let mut pairs = without(name);
        pairs.push((name, value));
        pairs
    }

    fn redirect_error(pairs: &[(&str, &str)]) -> (&'static str, String) {
        match parse(&query(pairs)) {
            Err(AuthorizeError::Redirect {
                error,
                description,
                state,
                ..
            }) => {
                assert_eq!(state.as_deref(), Some("st"));
                (error, description)
            }
            other => panic!("expected a redirect error, got {other:?}"),
        }
    }

    fn page_error(pairs: &[(&str, &str)]) -> String {
        match parse(&query(pairs)) {
            Err(AuthorizeError::NoRedirect { message, .. }) => message,
            other => panic!("expected a page error, got {other:?}"),
        }
    }

    #[test]
    fn valid_request() {
        let r = parse(&query(&base())).unwrap();
        assert_eq!(r.client.id, DEMO_CLIENT_ID);
        assert_eq!(r.redirect_uri, "http://127.0.0.1:4321/callback");
        assert_eq!(r.scope.to_string(), "openid profile");
        assert_eq!(r.state.as_deref(), Some("st"));
        assert_eq!(r.nonce.as_deref(), Some("no"));
        assert_eq!(r.method, ChallengeMethod::S256);
        assert!(!r.prompt_none);
        let r = parse(&query(&with("prompt", "login none"))).unwrap();
        assert!(r.prompt_none);
    }

    #[test]
    fn missing_method_means_plain() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let r = parse(&query(
            &with("code_challenge", verifier)
                .into_iter()
                .filter(|(k, _)| *k != "code_challenge_method")
                .collect::<Vec<_>>(),
        ))
        .unwrap();
        assert_eq!(r.method, ChallengeMethod::Plain);
    }

    #[test]
    fn client_and_redirect_problems_do_not_redirect() {
        assert_eq!(page_error(&without("client_id")), "client_id is missing");
        assert!(page_error(&with("client_id", "evil")).contains("unknown client_id"));
        assert_eq!(
            page_error(&without("redirect_uri")),
            "redirect_uri is missing"
        );
        let msg = page_error(&with("redirect_uri", "http://127.0.0.1:4321/callback/"));
        assert!(msg.starts_with("redirect_uri did not match any registered redirect URI"));
        let mut twice = base();
        twice.push(("redirect_uri", "http://127.0.0.1:1/callback"));
        assert_eq!(page_error(&twice), "redirect_uri was sent more than once");
    }

    #[test]
    fn mismatch_page_lists_patterns_and_hint() {
        let Err(AuthorizeError::NoRedirect { details, .. }) = parse(&query(&with(
            "redirect_uri",
            "https://127.0.0.1:1/callback",
        ))) else {
            panic!("expected page error");
        };
        assert!(details[0].contains("http, not https"));
        assert!(details
            .iter()
            .any(|d| d.contains("http://127.0.0.1:<any port>/callback")));
    }

    #[test]
    fn other_problems_redirect_with_state() {
        assert_eq!(
            redirect_error(&without("response_type")).0,
            "invalid_request"
        );
        assert_eq!(
            redirect_error(&with("response_type", "token")).0,
            "unsupported_response_type"
        );
        let (error, description) = redirect_error(&without("code_challenge"));
        assert_eq!(error, "invalid_request");
        assert!(description.contains("PKCE"));
        assert_eq!(
            redirect_error(&with("code_challenge_method", "s256")).0,
            "invalid_request"
        );
        assert_eq!(
            redirect_error(&with("code_challenge", "short")).0,
            "invalid_request"
        );
        let long_s256 = "a".repeat(44).leak();
        assert_eq!(
            redirect_error(&with("code_challenge", long_s256)).0,
            "invalid_request"
        );
        assert_eq!(
            redirect_error(&with("scope", "openid admin")).0,
            "invalid_scope"
        );
        let mut twice = base();
        twice.push(("scope", "email"));
        assert_eq!(redirect_error(&twice).0, "invalid_request");
    }
}
