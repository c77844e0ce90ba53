//! What a token may hold before it is used as text. RFC 6749 Appendix A.12/A.13: an
//! `access_token` or `refresh_token` is 1*VSCHAR (%x20-7E), so a CR, LF, ESC or any
//! non-ASCII character in one is an IdP bug or an attack. RFC 6750 §2.1: the
//! `Authorization: Bearer` header carries a b64token, a narrower set (no space, no quote).
//!
//! Positions are 0-based indexes of the offending character. Everything before it is
//! ASCII (both rules admit ASCII only), so the char index and the byte index are the same.

use std::fmt;

/// The grammar a token was checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRule {
    /// RFC 6749 Appendix A: 1*VSCHAR, the printable ASCII characters and space.
    Vschar,
    /// RFC 6750 §2.1: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
    B64token,
}

impl TokenRule {
    fn explain(self) -> &'static str {
        match self {
            TokenRule::Vschar => "a token may hold only printable ASCII and space (%x20-7E, RFC 6749 Appendix A.12/A.13)",
            TokenRule::B64token => "an Authorization: Bearer header carries only letters, digits, - . _ ~ + / and trailing = (b64token, RFC 6750 §2.1)",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenSyntaxError {
    #[error("the {field} is empty; {}", .rule.explain())]
    Empty {
        field: &'static str,
        rule: TokenRule,
    },
    /// `character` is an escape such as `\u{d}` (never the raw character).
    #[error("the {field} holds {character} at position {position} (0-based); {}", .rule.explain())]
    Character {
        field: &'static str,
        position: usize,
        character: String,
        rule: TokenRule,
    },
}

impl TokenSyntaxError {
    pub fn field(&self) -> &'static str {
        match self {
            TokenSyntaxError::Empty { field, .. } | TokenSyntaxError::Character { field, .. } => {
                field
            }
        }
    }

    /// The offending character's 0-based index (0 for an empty token).
    pub fn position(&self) -> usize {
        match self {
            TokenSyntaxError::Empty { .. } => 0,
            TokenSyntaxError::Character { position, .. } => *position,
        }
    }

    /// The offending character as an escape, when there is one.
    pub fn character(&self) -> Option<&str> {
        match self {
            TokenSyntaxError::Empty { .. } => None,
            TokenSyntaxError::Character { character, .. } => Some(character),
        }
    }
}

/// Checks that `token` is 1*VSCHAR; `field` names it in the error (`access_token`, …).
pub fn check_vschar(field: &'static str, token: &str) -> Result<(), TokenSyntaxError> {
    check(field, token, TokenRule::Vschar, |_, c| {
        matches!(c, ' '..='~')
    })
}

/// Checks that `token` is a b64token (RFC 6750 §2.1).
pub fn check_b64token(field: &'static str, token: &str) -> Result<(), TokenSyntaxError> {
    let mut padding = false;
    check(field, token, TokenRule::B64token, |i, c| {
        if c == '=' {
            // Padding only after at least one token character.
            padding = i > 0;
            return padding;
        }
        !padding && (c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/'))
    })
}

fn check(
    field: &'static str,
    token: &str,
    rule: TokenRule,
    mut allowed: impl FnMut(usize, char) -> bool,
) -> Result<(), TokenSyntaxError> {
    if token.is_empty() {
        return Err(TokenSyntaxError::Empty { field, rule });
    }
    match token.chars().enumerate().find(|&(i, c)| !allowed(i, c)) {
        None => Ok(()),
        Some((position, c)) => Err(TokenSyntaxError::Character {
            field,
            position,
            character: describe(c),
            rule,
        }),
    }
}

/// `\u{d}` (CR), `\u{20}` (space): an escape that is safe to print, with a name where one helps.
pub fn describe(c: char) -> String {
    let name = match c {
        '\r' => Some("CR"),
        '\n' => Some("LF"),
        '\t' => Some("TAB"),
        '\0' => Some("NUL"),
        '\u{1b}' => Some("ESC"),
        '\u{7f}' => Some("DEL"),
        ' ' => Some("space"),
        '\'' => Some("single quote"),
        '"' => Some("double quote"),
        '\u{80}'..='\u{9f}' => Some("a C1 control"),
        _ => None,
    };
    let mut out = String::new();
    let _ = fmt::Write::write_fmt(&mut out, format_args!("\\u{{{:x}}}", u32::from(c)));
    if let Some(name) = name {
        out.push_str(" (");
        out.push_str(name);
        out.push(')');
    }
    out
}

/// The header line `Authorization: Bearer <token>`, only for a token that can be one
/// (b64token): never a CR or LF, never a space that splits the credentials.
pub fn bearer_header(token: &str) -> Result<String, TokenSyntaxError> {
    check_b64token("access_token", token)?;
    Ok(format!("Authorization: Bearer {token}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::plain("abc", None)]
    #[case::jwt("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln", None)]
    #[case::every_vschar(" !\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~", None)]
    #[case::shell_metacharacters("it's $(touch pwned) `id`; x", None)]
    #[case::space_inside("a b", None)]
    #[case::header_injection("abc\r\nX-Injected: yes", Some((3, "\\u{d} (CR)")))]
    #[case::lf("abc\nX", Some((3, "\\u{a} (LF)")))]
    #[case::esc("\u{1b}]52;c;aGk=\u{7}", Some((0, "\\u{1b} (ESC)")))]
    #[case::tab("a\tb", Some((1, "\\u{9} (TAB)")))]
    #[case::nul("ab\0", Some((2, "\\u{0} (NUL)")))]
    #[case::del("ab\u{7f}", Some((2, "\\u{7f} (DEL)")))]
    #[case::c1_csi("a\u{9b}2J", Some((1, "\\u{9b} (a C1 control)")))]
    #[case::non_ascii("tök", Some((1, "\\u{f6}")))]
    #[case::bidi("ab\u{202e}cd", Some((2, "\\u{202e}")))]
    fn vschar(#[case] token: &str, #[case] bad: Option<(usize, &str)>) {
        let got = check_vschar("access_token", token);
        match bad {
            None => assert_eq!(got, Ok(())),
            Some((position, character)) => {
                let e = got.unwrap_err();
                assert_eq!(e.position(), position, "{e}");
                assert_eq!(e.character(), Some(character), "{e}");
                assert_eq!(e.field(), "access_token");
                let text = e.to_string();
                assert!(!text.chars().any(char::is_control), "{text:?}");
                assert!(text.contains(&format!("position {position}")), "{text}");
            }
        }
    }

    #[test]
    fn an_empty_token_is_not_a_token() {
        let e = check_vschar("refresh_token", "").unwrap_err();
        assert_eq!(
            e,
            TokenSyntaxError::Empty {
                field: "refresh_token",
                rule: TokenRule::Vschar
            }
        );
        assert!(e.to_string().contains("refresh_token is empty"), "{e}");
        assert!(check_b64token("access_token", "").is_err());
    }

    #[rstest]
    #[case::plain("abc", None)]
    #[case::jwt("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln-_", None)]
    #[case::all_classes("AZaz09-._~+/", None)]
    #[case::padding("YWJj==", None)]
    #[case::space("a b", Some(1))]
    #[case::quote("it's", Some(2))]
    #[case::dollar("$(touch pwned)", Some(0))]
    #[case::only_padding("==", Some(0))]
    #[case::char_after_padding("ab=c", Some(3))]
    #[case::header_injection("abc\r\nX-Injected: yes", Some(3))]
    #[case::del("ab\u{7f}", Some(2))]
    #[case::c1("\u{85}", Some(0))]
    #[case::non_ascii("é", Some(0))]
    fn b64token(#[case] token: &str, #[case] bad: Option<usize>) {
        let got = check_b64token("access_token", token);
        assert_eq!(
            got.as_ref().err().map(TokenSyntaxError::position),
            bad,
            "{got:?}"
        );
        assert_eq!(bearer_header(token).is_ok(), bad.is_none());
    }

    #[test]
    fn the_header_line_is_one_line() {
        assert_eq!(
            bearer_header("abc.def").unwrap(),
            "Authorization: Bearer abc.def"
        );
        let e = bearer_header("abc\r\nX-Injected: yes").unwrap_err();
        assert!(e.to_string().contains("b64token, RFC 6750"), "{e}");
        let e = bearer_header("a b").unwrap_err();
        assert_eq!(e.character(), Some("\\u{20} (space)"));
    }
}
