//! What a profile name may be: it becomes `NAME.toml` in a profiles directory, so it must stay
//! one plain file name there and be found again by `--profile NAME`.

/// The longest name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// Why a name was refused; the message completes "the profile name …".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {MAX_NAME_CHARS} characters (has {0})")]
    TooLong(usize),
    #[error("must not contain a line break")]
    Newline,
    #[error("must not contain the control character U+{:04X}", u32::from(*.0))]
    Control(char),
    #[error("must not contain {0:?}: a name is one file, not a path")]
    Separator(char),
    #[error("must not contain \"..\"")]
    DotDot,
    #[error("must not start with \".\": it would be a hidden file")]
    LeadingDot,
    // `--profile x.toml` is taken as a path, so such a name could never be found by name.
    #[error("must not end in \".toml\": the extension is added to the name")]
    TomlSuffix,
}

/// Checks a profile name (the file stem), saying which rule it breaks.
pub fn validate_name(name: &str) -> Result<(), NameError> {
    let len = name.chars().count();
    if len == 0 {
        return Err(NameError::Empty);
    }
    if len > MAX_NAME_CHARS {
        return Err(NameError::TooLong(len));
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(if c == '\n' || c == '\r' {
            NameError::Newline
        } else {
            NameError::Control(c)
        });
    }
    if let Some(c) = name.chars().find(|c| matches!(c, '/' | '\\')) {
        return Err(NameError::Separator(c));
    }
    if name.contains("..") {
        return Err(NameError::DotDot);
    }
    if name.starts_with('.') {
        return Err(NameError::LeadingDot);
    }
    if name.ends_with(".toml") {
        return Err(NameError::TomlSuffix);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::plain("okta")]
    #[case::punctuation("okta-prod_2 (eu)")]
    #[case::inner_dot("auth0.dev")]
    #[case::unicode("ünïcødé-名前")]
    #[case::max_length(&"x".repeat(64))]
    #[case::max_length_in_chars(&"é".repeat(64))]
    fn accepted(#[case] name: &str) {
        assert_eq!(validate_name(name), Ok(()));
    }

    #[rstest]
    #[case::empty("", NameError::Empty)]
    #[case::too_long(&"x".repeat(65), NameError::TooLong(65))]
    #[case::slash("a/b", NameError::Separator('/'))]
    #[case::backslash("a\\b", NameError::Separator('\\'))]
    #[case::dot_dot("..", NameError::DotDot)]
    #[case::dot_dot_inside("a..b", NameError::DotDot)]
    #[case::leading_dot(".hidden", NameError::LeadingDot)]
    #[case::newline("a\nb", NameError::Newline)]
    #[case::carriage_return("a\r", NameError::Newline)]
    #[case::control("a\u{7}", NameError::Control('\u{7}'))]
    #[case::delete("a\u{7f}", NameError::Control('\u{7f}'))]
    #[case::toml_suffix("okta.toml", NameError::TomlSuffix)]
    fn refused(#[case] name: &str, #[case] expected: NameError) {
        assert_eq!(validate_name(name), Err(expected));
    }

    #[test]
    fn messages_say_which_rule() {
        assert_eq!(
            NameError::Control('\u{7}').to_string(),
            "must not contain the control character U+0007"
        );
        assert_eq!(
            NameError::TooLong(65).to_string(),
            "must be at most 64 characters (has 65)"
        );
        assert!(NameError::Separator('/').to_string().contains("'/'"));
    }
}
