//! Classifying a page the authorization endpoint showed instead of redirecting: a known
//! IdP error, an OAuth error in JSON or text, a complaint about the redirect URI, or a
//! sign-in/consent page. Pure.

use crate::oauth::error::OAuthError;

use super::classify::{with_oauth_error, Classification, Reason};
use super::html::{text_lines, title};
use super::report::Verdict;
use super::signatures::{match_page, Problem};
use super::text::{clean_message, complains_about_redirect};

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
        // The error code and the sentence may sit on separate lines (oauthlib): the
        // sentence is the description.
        c.oauth_error = error_in_text(&lines).map(|mut e| {
            if !m.message.contains(&e.error) {
                e.error_description.get_or_insert_with(|| m.message.clone());
            }
            e
        });
        c.idp_message = Some(m.message);
        return redirect_complaint_wins(c, &lines);
    }
    if let Some(error) = error_in_text(&lines) {
        return redirect_complaint_wins(with_oauth_error(error_page, error), &lines);
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

/// A generic error (`Error: invalid_request`) on a page whose other line complains about the
/// redirect URI (oauthlib's `Mismatching redirect URI.` on the next line) is about the redirect
/// URI: every line is read, and the complaint decides.
fn redirect_complaint_wins(c: Classification, lines: &[String]) -> Classification {
    if c.problem != Some(Problem::Other) {
        return c;
    }
    let Some(line) = lines.iter().find(|l| complains_about_redirect(l)) else {
        return c;
    };
    let message = clean_message(line);
    let mut c = c;
    c.verdict = Verdict::Rejected;
    c.problem = Some(Problem::RedirectUri);
    if let Some(e) = c.oauth_error.as_mut() {
        e.error_description.get_or_insert_with(|| message.clone());
    }
    c.idp_message = Some(message);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_complaint_on_any_line_beats_a_generic_error() {
        let page = b"<h2>Error: invalid_request</h2>\n<p>The redirect URI is not registered for this client.</p>";
        let c = classify_page(400, Some("text/html"), page);
        assert_eq!(
            (c.verdict, c.problem),
            (Verdict::Rejected, Some(Problem::RedirectUri))
        );
        let e = c.oauth_error.unwrap();
        assert_eq!(e.error, "invalid_request");
        assert_eq!(
            e.error_description.as_deref(),
            Some("The redirect URI is not registered for this client.")
        );
        // Without the complaint it stays a generic error.
        let c = classify_page(
            400,
            Some("text/html"),
            b"<h2>Error: invalid_request</h2><p>Missing state.</p>",
        );
        assert_eq!(
            (c.verdict, c.problem),
            (Verdict::Error, Some(Problem::Other))
        );
    }
}
