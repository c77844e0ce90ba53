//! Parsing and validating the authorization response that reaches the callback
//! (RFC 6749 §4.1.2, RFC 9207 `iss`, RFC 9700 state handling).

use super::error::OAuthError;
use super::secret::{AuthorizationCode, REDACTED};

/// The callback's query parameters in the order received, duplicates kept so that they can
/// be detected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallbackParams(pub Vec<(String, String)>);

impl CallbackParams {
    pub fn parse_query(query: &str) -> Self {
        CallbackParams(
            form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The query of a pasted redirect URL (used when the callback is not on loopback). A
    /// response delivered in the fragment (`response_mode=fragment`) is read too.
    pub fn parse_url(url: &str) -> Result<Self, CallbackError> {
        let parsed =
            url::Url::parse(url.trim()).map_err(|e| CallbackError::Malformed(e.to_string()))?;
        let query = match (parsed.query(), parsed.fragment()) {
            (Some(q), _) if !q.is_empty() => q,
            (_, Some(f)) if !f.is_empty() => f,
            _ => {
                return Err(CallbackError::Malformed(
                    "the URL has no query parameters".into(),
                ))
            }
        };
        Ok(Self::parse_query(query))
    }

    /// The parameters as they may be shown: the code is a credential until redeemed.
    pub fn redacted(&self) -> Vec<(String, String)> {
        self.0
            .iter()
            .map(|(k, v)| {
                let shown = if k == "code" {
                    REDACTED.to_owned()
                } else {
                    v.clone()
                };
                (k.clone(), shown)
            })
            .collect()
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the callback must match.
#[derive(Debug, Clone)]
pub struct CallbackExpectation {
    pub state: String,
    /// The profile's issuer; when set, `iss` must equal it exactly.
    pub issuer: Option<String>,
    /// Whether the IdP advertises `authorization_response_iss_parameter_supported`, in which
    /// case a missing `iss` is a mix-up signal rather than an old server.
    pub iss_required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    #[error("malformed callback: {0}")]
    Malformed(String),
    #[error("the callback repeats the parameter {0:?}; a response must carry each parameter once")]
    RepeatedParameter(String),
    #[error("the callback carries both `code` and `error`; refusing an ambiguous response")]
    CodeAndError,
    #[error("the callback has no `state`; it may not answer this request (CSRF protection)")]
    MissingState,
    #[error("the callback's state does not match the one sent (sent {expected:?}, got {received:?}); it may be forged or from another attempt")]
    StateMismatch { expected: String, received: String },
    #[error(
        "the callback's iss is {received:?}, expected {expected:?} (RFC 9207 mix-up protection)"
    )]
    IssuerMismatch { expected: String, received: String },
    #[error("the callback has no `iss`, but the IdP advertises authorization_response_iss_parameter_supported (expected {expected:?}){}", said_too(.said))]
    MissingIssuer {
        expected: String,
        /// The error the callback carried (state matched, so it answers this request): some
        /// IdPs send `iss` only on success, against RFC 9207 §2, and what they said still
        /// matters to the person.
        said: Option<OAuthError>,
    },
    #[error("the callback has neither `code` nor `error`")]
    MissingCode,
    #[error("the authorization server returned an error: {0}")]
    Authorization(OAuthError),
    /// The run timed out having seen only callbacks for another request.
    #[error("{count} callback(s) arrived within {secs} s, but none carried the state this run sent: they were forged, or stale (from an earlier attempt); the real callback never came")]
    NoneMatched { count: usize, secs: u64 },
}

fn said_too(said: &Option<OAuthError>) -> String {
    said.as_ref()
        .map(|e| format!("; the callback's error (no `iss`, so unverified): {e}"))
        .unwrap_or_default()
}

impl CallbackError {
    /// The IdP reported an OAuth error, as opposed to the callback failing validation.
    pub fn oauth_error(&self) -> Option<&OAuthError> {
        match self {
            CallbackError::Authorization(e) => Some(e),
            _ => None,
        }
    }

    /// The OAuth error the callback carried, also when it failed validation for want of
    /// `iss` (after state matched): what to show next to the finding.
    pub fn reported_error(&self) -> Option<&OAuthError> {
        match self {
            CallbackError::Authorization(e) => Some(e),
            CallbackError::MissingIssuer { said, .. } => said.as_ref(),
            _ => None,
        }
    }
}

/// The `error` a callback carries, with its description and URI.
fn error_of(params: &CallbackParams) -> Option<OAuthError> {
    Some(OAuthError {
        error: params.get("error")?.to_owned(),
        error_description: params.get("error_description").map(str::to_owned),
        error_uri: params.get("error_uri").map(str::to_owned),
    })
}

/// Whether a callback answers this request: it carries `state`, and every `state` it carries
/// is the one sent. Only the IdP learnt that value, so anything else may be a forged or stale
/// callback; it is refused and the run keeps waiting for the real one (RFC 6749 §10.12,
/// RFC 9700 §4.7): state exists to reject such a request, not to end the sign-in.
pub fn answers_this_request(params: &CallbackParams, expect: &CallbackExpectation) -> bool {
    let mut states = params.0.iter().filter(|(k, _)| k == "state").peekable();
    states.peek().is_some() && states.all(|(_, v)| *v == expect.state)
}

/// Why a callback does not answer this request, in words that never repeat the state sent
/// (the browser page and the record are seen by whoever sent it).
pub fn forged_note(params: &CallbackParams) -> &'static str {
    if params.get("state").is_none() {
        "no state: forged or stale callback"
    } else {
        "state does not match: forged or stale callback"
    }
}

/// Validates a callback. The order matters: structural problems first, then state (so an
/// attacker-supplied `error` cannot be shown as if the IdP said it), then `iss`.
pub fn validate(
    params: &CallbackParams,
    expect: &CallbackExpectation,
) -> Result<AuthorizationCode, CallbackError> {
    for (i, (name, _)) in params.0.iter().enumerate() {
        if params.0[..i].iter().any(|(n, _)| n == name) {
            return Err(CallbackError::RepeatedParameter(name.clone()));
        }
    }
    let code = params.get("code");
    if code.is_some() && params.get("error").is_some() {
        return Err(CallbackError::CodeAndError);
    }
    match params.get("state") {
        None => return Err(CallbackError::MissingState),
        Some(received) if received != expect.state => {
            return Err(CallbackError::StateMismatch {
                expected: expect.state.clone(),
                received: received.to_owned(),
            })
        }
        Some(_) => {}
    }
    if let Some(expected) = &expect.issuer {
        match params.get("iss") {
            Some(received) if received != expected => {
                return Err(CallbackError::IssuerMismatch {
                    expected: expected.clone(),
                    received: received.to_owned(),
                })
            }
            None if expect.iss_required => {
                return Err(CallbackError::MissingIssuer {
                    expected: expected.clone(),
                    said: error_of(params),
                })
            }
            _ => {}
        }
    }
    if let Some(error) = error_of(params) {
        return Err(CallbackError::Authorization(error));
    }
    match code {
        Some(code) if !code.is_empty() => Ok(AuthorizationCode::new(code)),
        _ => Err(CallbackError::MissingCode),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expect(issuer: Option<&str>, iss_required: bool) -> CallbackExpectation {
        CallbackExpectation {
            state: "s1".into(),
            issuer: issuer.map(str::to_owned),
            iss_required,
        }
    }

    fn check(query: &str, e: &CallbackExpectation) -> Result<String, CallbackError> {
        validate(&CallbackParams::parse_query(query), e).map(|c| c.secret().to_owned())
    }

    #[test]
    fn good_callback_yields_the_code() {
        assert_eq!(
            check("code=abc&state=s1", &expect(None, false)).unwrap(),
            "abc"
        );
        assert_eq!(
            check(
                "code=abc&state=s1&iss=https%3A%2F%2Fidp",
                &expect(Some("https://idp"), true)
            )
            .unwrap(),
            "abc"
        );
    }

    #[test]
    fn state_problems() {
        let e = expect(None, false);
        assert_eq!(check("code=abc", &e), Err(CallbackError::MissingState));
        assert!(matches!(
            check("code=abc&state=s2", &e),
            Err(CallbackError::StateMismatch { .. })
        ));
        assert_eq!(
            check("code=abc&state=s1&state=s1", &e),
            Err(CallbackError::RepeatedParameter("state".into()))
        );
        assert_eq!(
            check("code=a&error=x&state=s1", &e),
            Err(CallbackError::CodeAndError)
        );
        assert_eq!(check("state=s1", &e), Err(CallbackError::MissingCode));
        assert_eq!(check("state=s1&code=", &e), Err(CallbackError::MissingCode));
    }

    #[test]
    fn only_the_state_sent_answers_this_request() {
        let e = expect(None, false);
        let answers = |q: &str| answers_this_request(&CallbackParams::parse_query(q), &e);
        assert!(answers("code=a&state=s1"));
        // Whatever else it carries: it is then validated and ends the run.
        assert!(answers("error=x&state=s1&iss=https://evil"));
        assert!(answers("code=a&state=s1&state=s1"));
        assert!(!answers("code=a"));
        assert!(!answers("code=a&state=s2"));
        assert!(!answers("code=a&state=s1&state=s2"));
        assert!(!answers("code=a&state="));
    }

    #[test]
    fn error_with_wrong_state_is_a_state_error() {
        assert!(matches!(
            check("error=access_denied&state=evil", &expect(None, false)),
            Err(CallbackError::StateMismatch { .. })
        ));
    }

    #[test]
    fn oauth_error_is_typed() {
        let err = check(
            "error=access_denied&error_description=User+said+no&state=s1",
            &expect(None, false),
        )
        .unwrap_err();
        let oauth = err.oauth_error().unwrap();
        assert_eq!(oauth.error, "access_denied");
        assert_eq!(oauth.error_description.as_deref(), Some("User said no"));
    }

    #[test]
    fn issuer_rules() {
        let strict = expect(Some("https://idp"), true);
        let lenient = expect(Some("https://idp"), false);
        assert!(matches!(
            check("code=a&state=s1&iss=https://evil", &strict),
            Err(CallbackError::IssuerMismatch { .. })
        ));
        assert!(matches!(
            check("code=a&state=s1&iss=https://idp/", &lenient),
            Err(CallbackError::IssuerMismatch { .. })
        ));
        assert!(matches!(
            check("code=a&state=s1", &strict),
            Err(CallbackError::MissingIssuer { .. })
        ));
        assert!(check("code=a&state=s1", &lenient).is_ok());
    }

    #[test]
    fn a_denial_without_iss_keeps_what_the_idp_said() {
        let strict = expect(Some("https://idp"), true);
        let err = check(
            "error=access_denied&error_description=the+user+said+no&state=s1",
            &strict,
        )
        .unwrap_err();
        let said = err.reported_error().unwrap();
        assert_eq!(said.error, "access_denied");
        assert_eq!(said.error_description.as_deref(), Some("the user said no"));
        assert!(err.oauth_error().is_none(), "still a validation failure");
        let text = err.to_string();
        assert!(text.contains("no `iss`"), "{text}");
        assert!(text.contains("access_denied: the user said no"), "{text}");
        // A code without iss has nothing to add; a wrong state shows nothing at all.
        let err = check("code=a&state=s1", &strict).unwrap_err();
        assert!(err.reported_error().is_none());
        let err = check("error=access_denied&state=other", &strict).unwrap_err();
        assert!(err.reported_error().is_none());
    }

    #[test]
    fn pasted_url_query_or_fragment() {
        let q = CallbackParams::parse_url("https://app.example/cb?code=a&state=s1").unwrap();
        assert_eq!(q.get("code"), Some("a"));
        let f = CallbackParams::parse_url("https://app.example/cb#code=b&state=s1").unwrap();
        assert_eq!(f.get("code"), Some("b"));
        assert!(CallbackParams::parse_url("https://app.example/cb").is_err());
        assert!(CallbackParams::parse_url("garbage").is_err());
    }
}
