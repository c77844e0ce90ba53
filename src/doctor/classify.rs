//! Reading what the authorization endpoint answered: follow the redirect, stop at the
//! callback, or classify the page. Pure: the probe feeds it responses.

use serde::Serialize;
use url::{Origin, Url};

use crate::oauth::error::OAuthError;

use super::html::{text_lines, title};
use super::report::Verdict;
use super::signatures::{match_page, IdpKind, Problem};
use super::text::{clean_message, complains_about_redirect, mentions_pkce};

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

/// OAuth error codes recognised in the text of an error page.
const KNOWN_CODES: &[&str] = &[
    "invalid_redirect_uri",
    "redirect_uri_mismatch",
    "redirect_mismatch",
    "unauthorized_client",
    "invalid_client",
    "unsupported_response_type",
    "invalid_scope",
    "access_denied",
    "server_error",
    "temporarily_unavailable",
    "invalid_request",
    "login_required",
    "consent_required",
    "interaction_required",
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

fn with_oauth_error(reason: Reason, error: OAuthError) -> Classification {
    let (verdict, problem) = judge_oauth_error(&error);
    let mut c = Classification::new(verdict, reason);
    c.problem = problem;
    c.idp_message = Some(clean_message(
        error.error_description.as_deref().unwrap_or(&error.error),
    ));
    c.oauth_error = Some(error);
    c
}

/// A JSON error body: RFC 6749 `error`/`error_description`, or Okta's API shape.
pub fn json_error(body: &[u8]) -> Option<OAuthError> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
    if let Some(error) = s("error") {
        return Some(OAuthError {
            error,
            error_description: s("error_description").or_else(|| s("message")),
            error_uri: s("error_uri"),
        });
    }
    Some(OAuthError {
        error: s("errorCode")?,
        error_description: s("errorSummary"),
        error_uri: None,
    })
}

/// Classifies a page that is not a redirect.
pub fn classify_page(status: u16, content_type: Option<&str>, body: &[u8]) -> Classification {
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    let text = String::from_utf8_lossy(body);
    let looks_json = ct.contains("json") || text.trim_start().starts_with('{');
    if looks_json {
        if let Some(error) = json_error(body) {
            return with_oauth_error(Reason::ErrorJson { status }, error);
        }
    }
    let lines: Vec<String> = if ct.starts_with("text/plain") || looks_json {
        text.lines()
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect()
    } else {
        text_lines(&text)
    };
    let error_page = Reason::ErrorPage { status };

    if let Some(m) = match_page(&lines, &text) {
        let verdict = match m.problem {
            Problem::RedirectUri => Verdict::Rejected,
            _ => Verdict::Error,
        };
        let mut c = Classification::new(verdict, error_page);
        c.problem = Some(m.problem);
        c.idp = m.idp;
        c.idp_message = Some(m.message);
        c.oauth_error = error_in_text(&lines);
        return c;
    }
    if let Some(error) = error_in_text(&lines) {
        return with_oauth_error(error_page, error);
    }
    if let Some(line) = lines.iter().find(|l| complains_about_redirect(l)) {
        let mut c = Classification::new(Verdict::Rejected, error_page);
        c.problem = Some(Problem::RedirectUri);
        c.idp_message = Some(clean_message(line));
        return c;
    }
    if (200..300).contains(&status) {
        if let Some(reason) = interaction_page(&text, &lines) {
            return Classification::new(Verdict::Accepted, reason);
        }
    }
    let mut c = Classification::new(Verdict::Unknown, Reason::Unrecognised { status });
    if status >= 400 {
        c.idp_message = summary(&text, &lines);
    }
    c
}

/// `error: invalid_client` / `Error 400: invalid_request` in a page, with the description
/// line when there is one.
fn error_in_text(lines: &[String]) -> Option<OAuthError> {
    let code = lines.iter().find_map(|line| {
        let lower = line.to_ascii_lowercase();
        if !lower.contains("error") {
            return None;
        }
        KNOWN_CODES
            .iter()
            .find(|code| contains_token(&lower, code))
            .map(|c| (*c).to_owned())
    })?;
    let description = lines.iter().find_map(|l| {
        let lower = l.to_ascii_lowercase();
        (lower.starts_with("error_description") || lower.starts_with("description:"))
            .then(|| clean_message(l))
    });
    Some(OAuthError {
        error: code,
        error_description: description,
        error_uri: None,
    })
}

/// `needle` with no word character on either side.
fn contains_token(haystack: &str, needle: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    haystack.match_indices(needle).any(|(i, _)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + needle.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// A sign-in or consent page: the IdP accepted the request and waits for a person.
fn interaction_page(raw: &str, lines: &[String]) -> Option<Reason> {
    let lower = raw.to_ascii_lowercase();
    let has_form = lower.contains("<form");
    let password = ["type=\"password\"", "type='password'", "type=password"]
        .iter()
        .any(|p| lower.contains(p));
    let user_field = [
        "login",
        "username",
        "loginfmt",
        "identifier",
        "email",
        "j_username",
    ]
    .iter()
    .any(|n| lower.contains(&format!("name=\"{n}\"")) || lower.contains(&format!("name='{n}'")));
    if has_form && (password || user_field) {
        return Some(Reason::LoginPage);
    }
    let text = lines.join("\n").to_ascii_lowercase();
    let consent_words = [
        "consent",
        "authorize",
        "approve",
        "allow",
        "permission",
        "grant access",
    ];
    if has_form && consent_words.iter().any(|w| text.contains(w)) {
        return Some(Reason::ConsentPage);
    }
    let signin_words = ["sign in", "sign-in", "signin", "log in", "login", "log-in"];
    if signin_words.iter().any(|w| text.contains(w)) {
        return Some(Reason::SignInPage);
    }
    None
}

/// Title and first lines of an unrecognised error page, so the person sees what it said.
fn summary(raw: &str, lines: &[String]) -> Option<String> {
    let title = title(raw);
    let mut parts: Vec<&str> = Vec::new();
    if let Some(t) = &title {
        parts.push(t);
    }
    for l in lines.iter().take(4) {
        if !parts.contains(&l.as_str()) {
            parts.push(l);
        }
    }
    (!parts.is_empty()).then(|| clean_message(&parts.join(" — ")))
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
