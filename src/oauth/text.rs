//! Making text chosen by a remote party safe to show: the one place that decides which
//! characters may reach a terminal, an HTML page or a JSON document printed on a terminal.
//!
//! Unsafe are all C0 controls, DEL, the C1 controls (U+0080–U+009F; a terminal reads U+009B
//! as CSI) and the bidi controls that reorder what is shown (U+061C, U+200E, U+200F,
//! U+202A–U+202E, U+2066–U+2069). They are shown as Rust-style escapes (`\u{1b}`), which
//! consist of safe characters only, so escaping twice changes nothing. A backslash itself is
//! not escaped: `\u{1b}` in the output may also be those six characters in the input; the
//! output is for reading, not for parsing back (JSON output is exact, see [`json`]).

mod json;
mod stream;

pub use json::{to_json_pretty_safe, to_json_safe, write_json_pretty_safe};
pub use stream::BlockEscaper;

/// True for a character that must never reach a terminal as itself.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// The invisible characters that change the display order of the text around them
/// (Unicode Bidi_Control), used to make text read differently from what it is.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// One value for a line of output: every unsafe character, including `\n`, `\r` and `\t`,
/// shown as an escape, so the value cannot start a line of its own.
pub fn sanitize(text: &str) -> String {
    escape_where(text, is_unsafe)
}

/// A whole block of output (many lines, already built): like [`sanitize`] but `\n` and `\t`
/// stay, as they are the block's own layout. The last line of defence for every printer;
/// values inside a line are escaped with [`sanitize`] first.
pub fn sanitize_block(text: &str) -> String {
    escape_where(text, is_unsafe_in_block)
}

/// What [`sanitize_block`] (and [`BlockEscaper`], its streaming form) escapes.
pub fn is_unsafe_in_block(c: char) -> bool {
    c != '\n' && c != '\t' && is_unsafe(c)
}

fn escape_where(text: &str, unsafe_char: impl Fn(char) -> bool) -> String {
    if !text.chars().any(&unsafe_char) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Escapes text for HTML element content and attribute values; unsafe characters are
/// shown as by [`sanitize`].
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_unsafe(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html("<script>a&b</script>\r\n\u{202e}"),
            "&lt;script&gt;a&amp;b&lt;/script&gt;\\u{d}\\u{a}\\u{202e}"
        );
    }

    #[test]
    fn ansi_escapes_are_shown_not_obeyed() {
        assert_eq!(sanitize("a\x1b[2Jb\n"), "a\\u{1b}[2Jb\\u{a}");
        assert_eq!(sanitize("\x1b]52;c;aGk=\x07"), "\\u{1b}]52;c;aGk=\\u{7}");
    }

    #[test]
    fn c1_del_and_bidi_controls_are_shown() {
        assert_eq!(sanitize("\u{9b}2J"), "\\u{9b}2J");
        assert_eq!(sanitize("\u{85}\u{7f}"), "\\u{85}\\u{7f}");
        assert_eq!(sanitize("admin\u{202e}txt.exe"), "admin\\u{202e}txt.exe");
        for c in [
            '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
            '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
        ] {
            assert_eq!(sanitize(&c.to_string()), c.escape_unicode().to_string());
        }
        assert_eq!(sanitize("héllo → ✓ 日本"), "héllo → ✓ 日本");
    }

    #[test]
    fn a_value_cannot_start_a_line_but_a_block_keeps_its_layout() {
        let forged = "bad\n✓ VERIFIED\r\tx";
        assert_eq!(sanitize(forged), "bad\\u{a}✓ VERIFIED\\u{d}\\u{9}x");
        assert_eq!(
            sanitize_block("a\tb\nc\r\n\u{1b}[1m"),
            "a\tb\nc\\u{d}\n\\u{1b}[1m"
        );
    }

    /// Any char, with the unsafe ranges weighted so that they actually occur.
    fn hostile_char() -> impl Strategy<Value = char> {
        prop_oneof![
            3 => any::<char>(),
            2 => (0u32..0x20).prop_map(|u| char::from_u32(u).unwrap_or('?')),
            2 => (0x7fu32..0xa0).prop_map(|u| char::from_u32(u).unwrap_or('?')),
            2 => prop::sample::select(vec![
                '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}',
                '\\', '\n', '\t',
            ]),
        ]
    }

    proptest! {
        #[test]
        fn escaped_text_holds_no_unsafe_char_and_is_stable(
            chars in prop::collection::vec(hostile_char(), 0..64)
        ) {
            let text: String = chars.into_iter().collect();
            let line = sanitize(&text);
            prop_assert!(!line.chars().any(is_unsafe));
            prop_assert_eq!(sanitize(&line), line.clone());
            let block = sanitize_block(&text);
            prop_assert!(!block.chars().any(|c| c != '\n' && c != '\t' && is_unsafe(c)));
            prop_assert_eq!(sanitize_block(&block), block.clone());
            prop_assert_eq!(block.lines().count(), text.lines().count());
            prop_assert!(!escape_html(&text).chars().any(|c| is_unsafe(c) || "<>\"'".contains(c)));
        }
    }
}
