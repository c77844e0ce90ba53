//! Pre-wrapping text to a width, so that line counts (and so scrolling limits) are known
//! before rendering. Each line is escaped on the way: the last line of defence for text a
//! view forgot to escape (ratatui drops control characters silently; bidi controls would
//! reorder what is shown).

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::oauth::text::sanitize;

/// Hard-wraps `text` at `width` characters, keeping `indent` on continuation lines.
pub fn wrap(text: &str, width: u16, indent: usize) -> Vec<String> {
    let width = usize::from(width).max(indent + 8);
    let mut out = Vec::new();
    for raw_line in text.split('\n') {
        let raw_line = sanitize(raw_line);
        let chars: Vec<char> = raw_line.chars().collect();
        if chars.len() <= width {
            out.push(raw_line);
            continue;
        }
        let mut start = 0;
        let mut first = true;
        while start < chars.len() {
            let room = if first { width } else { width - indent };
            let end = (start + room).min(chars.len());
            let piece: String = chars[start..end].iter().collect();
            out.push(if first {
                piece
            } else {
                format!("{}{}", " ".repeat(indent), piece)
            });
            start = end;
            first = false;
        }
    }
    out
}

/// Wrapped lines in one style.
pub fn styled(text: &str, width: u16, indent: usize, style: Style) -> Vec<Line<'static>> {
    wrap(text, width, indent)
        .into_iter()
        .map(|l| Line::from(Span::styled(l, style)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_long_lines_with_indent() {
        assert_eq!(
            wrap("abcdefghijklmnop", 12, 2),
            vec!["abcdefghijkl", "  mnop"]
        );
        assert_eq!(wrap("a\nb", 8, 0), vec!["a", "b"]);
        assert_eq!(wrap("", 8, 0), vec![""]);
    }

    #[test]
    fn control_and_bidi_characters_are_shown_as_escapes() {
        assert_eq!(
            wrap("a\u{202e}b\u{1b}[2J\u{9b}\nc", 40, 0),
            vec!["a\\u{202e}b\\u{1b}[2J\\u{9b}", "c"]
        );
    }
}
