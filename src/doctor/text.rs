//! Small text helpers for reading IdP messages: finding the line that says something,
//! trimming it to the message, and recognising talk about the redirect URI.

use crate::oauth::text::sanitize;

/// Messages longer than this are cut: an error page may hold a whole stack trace.
const MAX_MESSAGE: usize = 400;

/// The first line containing `needle` (lower-case), compared case-insensitively.
pub fn find_line<'a>(lines: &'a [String], needle: &str) -> Option<&'a str> {
    lines
        .iter()
        .find(|l| l.to_ascii_lowercase().contains(needle))
        .map(String::as_str)
}

/// A line as a message: labels such as `error_description:` dropped, control characters
/// neutralised, length bounded.
pub fn clean_message(line: &str) -> String {
    let mut text = line.trim();
    for label in [
        "error_description:",
        "description:",
        "error description:",
        "message:",
    ] {
        let labelled = text
            .get(..label.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(label));
        if labelled && text.len() > label.len() {
            text = text[label.len()..].trim_start();
        }
    }
    let mut out = sanitize(text);
    if out.chars().count() > MAX_MESSAGE {
        out = out.chars().take(MAX_MESSAGE).collect::<String>() + "…";
    }
    out
}

/// Words that name the redirect URI in IdP messages.
const REDIRECT_WORDS: &[&str] = &[
    "redirect_uri",
    "redirect uri",
    "redirect url",
    "redirect_url",
    "redirecturi",
    "callback url",
    "callback uri",
    "reply url",
    "reply address",
];

/// Words that say something is wrong with it.
const PROBLEM_WORDS: &[&str] = &[
    "mismatch",
    "not match",
    "n't match",
    "invalid",
    "not registered",
    "not allowed",
    "not in the list",
    "not permitted",
    "not valid",
    "unregistered",
    "must be",
];

/// True when a sentence complains about the redirect URI ("the redirect_uri is not
/// registered", "Invalid redirect URL", …).
pub fn complains_about_redirect(sentence: &str) -> bool {
    let lower = sentence.to_ascii_lowercase();
    REDIRECT_WORDS.iter().any(|w| lower.contains(w))
        && PROBLEM_WORDS.iter().any(|w| lower.contains(w))
}

/// True when a text mentions PKCE parameters.
pub fn mentions_pkce(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    ["code_challenge", "code_verifier", "pkce", "proof key"]
        .iter()
        .any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_dropped_and_length_bounded() {
        assert_eq!(clean_message("Description: The thing"), "The thing");
        assert_eq!(
            clean_message("error_description: x\u{1b}[2J"),
            "x\\u{1b}[2J"
        );
        assert_eq!(clean_message("Description:"), "Description:");
        let long = "a".repeat(1000);
        assert_eq!(clean_message(&long).chars().count(), MAX_MESSAGE + 1);
    }

    #[test]
    fn redirect_complaints() {
        assert!(complains_about_redirect(
            "The redirect_uri is not registered for this client"
        ));
        assert!(complains_about_redirect("Invalid redirect URL"));
        assert!(complains_about_redirect("Reply URL does not match"));
        assert!(!complains_about_redirect(
            "redirect_uri: 'http://127.0.0.1/callback'"
        ));
        assert!(!complains_about_redirect("Invalid username or password"));
    }

    #[test]
    fn pkce_mentions() {
        assert!(mentions_pkce(
            "not supported value of code_challenge_method"
        ));
        assert!(mentions_pkce("PKCE is required"));
        assert!(!mentions_pkce("scope is invalid"));
    }
}
