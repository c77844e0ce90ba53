//! Reading what the authorization endpoint answered: follow the redirect, stop at the
//! callback, or hand the page to `page`. Pure: the probe feeds it responses.

use serde::Serialize;
use url::{Origin, Url};

use crate::oauth::error::OAuthError;

use super::report::Verdict;
use super::signatures::{IdpKind, Problem};
use super::text::{clean_message, complains_about_redirect, mentions_pkce};

pub use super::page::{classify_page, json_error};

/// OAuth error codes that mean "this redirect URI is not registered".
const REDIRECT_CODES: &[&str] = &[
    "invalid_redirect_uri",
    "redirect_uri_mismatch",
    "redirect_mismatch",
];

/// Errors `prompt=none` earns when a person would have to act: the request itself,
/// redirect URI included, was fine.
const INTERACTION_CODES: &[&str] = &[
    "login_required",
    "consent_required",
    "interaction_required",
    "account_selection_required",
];

/// Why the probe reached its verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The IdP redirected to the callback with a code.
    CallbackCode,
    /// The IdP redirected to the callback with an OAuth error.
    CallbackError,
    /// The IdP redirected to the callback with neither code nor error.
    CallbackEmpty,
    /// A page with a sign-in form.
    LoginPage,
    /// A page asking to approve the client.
    ConsentPage,
    /// A page that reads like a sign-in page but shows no form (a script renders it).
    SignInPage,
    /// An HTML or text error page.
    ErrorPage {
        status: u16,
    },
    /// A JSON error body.
    ErrorJson {
        status: u16,
    },
    /// An authorization response sent to a URI other than the callback.
    ResponseElsewhere {
        location: String,
    },
    /// A redirect to another origin, not followed.
    ForeignRedirect {
        location: String,
    },
    TooManyRedirects,
    /// A sign-in page reached through a redirect that carries the whole request onward in
    /// `parameter` (before the IdP checked the redirect URI), and a `prompt=none` retry that
    /// did not tell either.
    SignInFirst {
        parameter: String,
    },
    /// No HTTP answer at all.
    Unreachable,
    Unrecognised {
        status: u16,
    },
}

impl Reason {
    /// What the IdP did, in words.
    pub fn describe(&self) -> String {
        match self {
            Reason::CallbackCode => "redirected back to the callback with a code".into(),
            Reason::CallbackError => "redirected back to the callback with an error".into(),
            Reason::CallbackEmpty => "redirected back to the callback without code or error".into(),
            Reason::LoginPage => "showed its sign-in page".into(),
            Reason::ConsentPage => "showed its consent page".into(),
            Reason::SignInPage => "showed what looks like its sign-in page".into(),
            Reason::ErrorPage { status } => format!("showed an error page (HTTP {status})"),
            Reason::ErrorJson { status } => format!("answered with a JSON error (HTTP {status})"),
            Reason::ResponseElsewhere { location } => {
                format!("sent the authorization response to {location}, not to the callback")
            }
            Reason::ForeignRedirect { location } => {
                format!("redirected to {location} (another origin, not followed)")
            }
            Reason::TooManyRedirects => "kept redirecting".into(),
            Reason::SignInFirst { parameter } => format!(
                "sent the browser to its sign-in page with the whole authorization request in `{parameter}=`, before checking the redirect URI, and a retry with prompt=none did not tell either"
            ),
            Reason::Unreachable => "could not be reached".into(),
            Reason::Unrecognised { status } => {
                format!("answered HTTP {status} with a page tokenbench does not recognise")
            }
        }
    }
}

/// The probe's reading of the IdP's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    pub verdict: Verdict,
    pub reason: Reason,
    /// What an error is about, when it is one.
    pub problem: Option<Problem>,
    pub idp: Option<IdpKind>,
    /// The IdP's own words.
    pub idp_message: Option<String>,
    pub oauth_error: Option<OAuthError>,
}

impl Classification {
    pub fn new(verdict: Verdict, reason: Reason) -> Self {
        Classification {
            verdict,
            reason,
            problem: None,
            idp: None,
            idp_message: None,
            oauth_error: None,
        }
    }
}

/// One HTTP answer, as the classifier needs it.
#[derive(Debug, Clone, Copy)]
pub struct Response<'a> {
    pub status: u16,
    pub location: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
}

/// What to do after an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A redirect within the IdP's origin: request it next.
    Follow(Url),
    Done(Classification),
}

/// Decides the next step after `response` to a request for `current`. Redirects are followed
/// only within `idp`'s origin, so the probe never signs in anywhere else nor calls the
/// callback itself.
pub fn step(current: &Url, redirect_uri: &Url, idp: &Origin, response: &Response<'_>) -> Step {
    if (300..400).contains(&response.status) {
        let Some(target) = response.location.and_then(|l| current.join(l).ok()) else {
            return Step::Done(Classification::new(
                Verdict::Unknown,
                Reason::Unrecognised {
                    status: response.status,
                },
            ));
        };
        if is_callback(&target, redirect_uri) {
            return Step::Done(classify_callback(&target));
        }
        let foreign = target.origin() != *idp;
        if foreign && response_params(&target).is_some() {
            return Step::Done(classify_elsewhere(&target));
        }
        if foreign {
            return Step::Done(Classification::new(
                Verdict::Unknown,
                Reason::ForeignRedirect {
                    location: without_query(&target),
                },
            ));
        }
        return Step::Follow(target);
    }
    Step::Done(classify_page(
        response.status,
        response.content_type,
        response.body,
    ))
}

/// Same scheme, host, port and path: the browser would deliver this to the callback server.
pub fn is_callback(target: &Url, redirect_uri: &Url) -> bool {
    target.scheme() == redirect_uri.scheme()
        && target.host_str() == redirect_uri.host_str()
        && target.port_or_known_default() == redirect_uri.port_or_known_default()
        && target.path() == redirect_uri.path()
}

fn without_query(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

/// The response parameters of a redirect, from the query or (response_mode=fragment) the
/// fragment; None when it carries neither `code` nor `error`.
fn response_params(url: &Url) -> Option<Vec<(String, String)>> {
    let parse = |s: &str| -> Vec<(String, String)> {
        form_urlencoded::parse(s.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    };
    let has_response = |p: &[(String, String)]| p.iter().any(|(k, _)| k == "code" || k == "error");
    let query = parse(url.query().unwrap_or(""));
    if has_response(&query) {
        return Some(query);
    }
    let fragment = parse(url.fragment().unwrap_or(""));
    has_response(&fragment).then_some(fragment)
}

fn oauth_error_of(params: &[(String, String)]) -> Option<OAuthError> {
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    Some(OAuthError {
        error: get("error")?,
        error_description: get("error_description"),
        error_uri: get("error_uri"),
    })
}

/// An `error` carried by a URL's query (Auth0's and Cognito's `/error?error=…` pages).
pub fn error_in_url(url: &Url) -> Option<OAuthError> {
    let params: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    oauth_error_of(&params)
}

fn classify_callback(target: &Url) -> Classification {
    let Some(params) = response_params(target) else {
        return Classification::new(Verdict::Unknown, Reason::CallbackEmpty);
    };
    match oauth_error_of(&params) {
        None => Classification::new(Verdict::Accepted, Reason::CallbackCode),
        Some(error) => with_oauth_error(Reason::CallbackError, error),
    }
}

fn classify_elsewhere(target: &Url) -> Classification {
    let location = without_query(target);
    let error = response_params(target).and_then(|p| oauth_error_of(&p));
    let mut c = Classification::new(
        Verdict::Rejected,
        Reason::ResponseElsewhere {
            location: location.clone(),
        },
    );
    c.problem = Some(Problem::RedirectUri);
    c.idp_message = Some(match &error {
        Some(e) => clean_message(&e.to_string()),
        None => format!("the IdP sent the authorization response to {location}"),
    });
    c.oauth_error = error;
    c
}

/// The verdict an OAuth error code implies.
pub fn judge_oauth_error(error: &OAuthError) -> (Verdict, Option<Problem>) {
    let code = error.error.as_str();
    let description = error.error_description.as_deref().unwrap_or("");
    if REDIRECT_CODES.contains(&code) || complains_about_redirect(description) {
        (Verdict::Rejected, Some(Problem::RedirectUri))
    } else if INTERACTION_CODES.contains(&code) {
        (Verdict::Accepted, None)
    } else if code == "invalid_client" || code == "unauthorized_client" {
        (Verdict::Error, Some(Problem::Client))
    } else if code == "invalid_scope" {
        (Verdict::Error, Some(Problem::Scope))
    } else if mentions_pkce(code) || mentions_pkce(description) {
        (Verdict::Error, Some(Problem::Pkce))
    } else {
        (Verdict::Error, Some(Problem::Other))
    }
}

pub(super) fn with_oauth_error(reason: Reason, error: OAuthError) -> Classification {
    let (verdict, problem) = judge_oauth_error(&error);
    let mut c = Classification::new(verdict, reason);
    c.problem = problem;
    c.idp_message = Some(clean_message(
        error.error_description.as_deref().unwrap_or(&error.error),
    ));
    c.oauth_error = Some(error);
    c
}

/// Combines the final page with an `error` seen in an earlier same-origin redirect's URL
/// (Auth0's and Cognito's `/error?error=…`): the page wins when it said something definite.
pub fn merge(page: Classification, url_error: Option<OAuthError>) -> Classification {
    let Some(error) = url_error else { return page };
    if matches!(page.verdict, Verdict::Rejected | Verdict::Error) {
        let mut page = page;
        page.oauth_error.get_or_insert(error);
        return page;
    }
    let reason = match page.reason {
        Reason::Unrecognised { status } => Reason::ErrorPage { status },
        other => other,
    };
    let described = error.error_description.is_some();
    let mut c = with_oauth_error(reason, error);
    if !described {
        c.idp_message = page.idp_message.or(c.idp_message);
    }
    c.idp = page.idp;
    c
}
