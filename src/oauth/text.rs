//! Making text chosen by a remote party safe to show.

/// Replaces control characters (ANSI escapes, CR/LF) with U+FFFD so text chosen by a remote
/// party cannot rewrite the user's terminal.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

/// Escapes text for HTML element content and attribute values; control characters are
/// replaced as by `sanitize`.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html("<script>a&b</script>\r\n"),
            "&lt;script&gt;a&amp;b&lt;/script&gt;\u{FFFD}\u{FFFD}"
        );
    }

    #[test]
    fn ansi_escapes_are_neutralised() {
        assert_eq!(sanitize("a\x1b[2Jb\n"), "a\u{FFFD}[2Jb\u{FFFD}");
    }
}
