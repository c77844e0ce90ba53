//! Commands for the user to paste into a POSIX shell. Every interpolated value is quoted in
//! single quotes (inside which sh gives no character a meaning; a `'` becomes `'\''`), so
//! pasting runs exactly the intended command with exactly the intended arguments. Values
//! holding control characters (a newline ends the command for a terminal paste even when
//! sh would keep it quoted) or bidi controls (which make the shown text differ from what
//! runs) are refused instead: the copied text is always one visible line.

use super::token_syntax::describe;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnsafeForShell {
    #[error("{what} holds {character} at position {position} (0-based), which cannot be pasted as part of a one-line command")]
    Character {
        what: &'static str,
        position: usize,
        character: String,
    },
    #[error("{what} is not an http(s) URL, so it is not put in a command")]
    NotHttpUrl { what: &'static str },
}

/// `value` in single quotes for a POSIX shell; `what` names it in the error.
pub fn quote(what: &'static str, value: &str) -> Result<String, UnsafeForShell> {
    if let Some((position, c)) = value.chars().enumerate().find(|&(_, c)| unpastable(c)) {
        return Err(UnsafeForShell::Character {
            what,
            position,
            character: describe(c),
        });
    }
    Ok(format!("'{}'", value.replace('\'', r"'\''")))
}

/// Characters that break a one-line paste or disguise it: C0, DEL, C1, the bidi
/// embeddings, overrides, isolates and marks, and the Unicode line separators.
fn unpastable(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
                | '\u{2028}' | '\u{2029}'
        )
}

/// `curl -H '<header>' '<url>'`. The URL must be an absolute http(s) URL: anything else
/// (a value starting with `-` that curl would read as an option, say) is refused.
pub fn curl_command(header: &str, url: &str) -> Result<String, UnsafeForShell> {
    let what = "the URL";
    let header = quote("the header", header)?;
    let quoted = quote(what, url)?;
    match url::Url::parse(url) {
        // The parser forgives leading spaces; a command must not: the URL starts with its scheme.
        Ok(u)
            if matches!(u.scheme(), "http" | "https")
                && url.starts_with(|c: char| c.is_ascii_alphabetic()) =>
        {
            Ok(format!("curl -H {header} {quoted}"))
        }
        _ => Err(UnsafeForShell::NotHttpUrl { what }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::plain("abc", "'abc'")]
    #[case::empty("", "''")]
    #[case::quote("it's", r"'it'\''s'")]
    #[case::only_quotes("''", r"''\'''\'''")]
    #[case::substitution("$(touch pwned) `id` ; & | > *", "'$(touch pwned) `id` ; & | > *'")]
    #[case::non_ascii("héllo", "'héllo'")]
    fn quoting(#[case] value: &str, #[case] quoted: &str) {
        assert_eq!(quote("x", value).unwrap(), quoted);
    }

    #[rstest]
    #[case::lf("a\nb", 1)]
    #[case::cr("a\rb", 1)]
    #[case::esc("\u{1b}[2J", 0)]
    #[case::del("a\u{7f}", 1)]
    #[case::c1("ab\u{9b}", 2)]
    #[case::rlo("ab\u{202e}", 2)]
    #[case::isolate("\u{2066}", 0)]
    #[case::line_separator("a\u{2028}", 1)]
    fn control_characters_are_refused(#[case] value: &str, #[case] at: usize) {
        match quote("the URL", value) {
            Err(UnsafeForShell::Character { position, .. }) => assert_eq!(position, at),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn curl_quotes_both_values_and_wants_an_http_url() {
        assert_eq!(
            curl_command("Authorization: Bearer abc", "https://i/userinfo").unwrap(),
            "curl -H 'Authorization: Bearer abc' 'https://i/userinfo'"
        );
        assert_eq!(
            curl_command("h", "https://i/u'; touch pwned; '").unwrap(),
            r"curl -H 'h' 'https://i/u'\''; touch pwned; '\'''"
        );
        for url in [
            "-o/tmp/x",
            "file:///etc/passwd",
            "relative/path",
            " https://i/",
        ] {
            assert_eq!(
                curl_command("h", url),
                Err(UnsafeForShell::NotHttpUrl { what: "the URL" }),
                "{url}"
            );
        }
        assert!(curl_command("h", "https://i/\n").is_err());
        assert!(curl_command("a\r\nb", "https://i/").is_err());
    }
}
