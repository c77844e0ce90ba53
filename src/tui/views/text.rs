//! Fitting text to a width, so that line counts (and so scrolling limits) are known before
//! rendering, and nothing is cut without a `…`. Widths are display columns (a CJK character
//! takes two). Each line is escaped on the way: the last line of defence for text a view
//! forgot to escape (ratatui drops control characters silently; bidi controls would reorder
//! what is shown).

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::oauth::text::sanitize;

/// The mark of text cut short.
pub const ELLIPSIS: char = '…';

/// Below this many free columns a long word starts on the next line rather than being split
/// right away.
const MIN_SPLIT_ROOM: usize = 4;

fn char_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// Display columns of `text`.
pub fn width(text: &str) -> usize {
    text.width()
}

/// Wraps `text` to `width` columns at word boundaries, continuation lines indented by
/// `indent` (one hanging indent). A word longer than a whole line (a token, a URL) is split
/// where the line ends. Each `\n` starts a new line; leading spaces of a line are kept.
pub fn wrap(text: &str, width: u16, indent: usize) -> Vec<String> {
    let width = usize::from(width).max(indent + 8);
    let mut out = Vec::new();
    for raw_line in text.split('\n') {
        let line = sanitize(raw_line);
        if line.width() <= width {
            out.push(line);
        } else {
            wrap_line(&line, width, indent, &mut out);
        }
    }
    out
}

/// One line too long for `width`, wrapped into `out`.
fn wrap_line(line: &str, width: usize, indent: usize, out: &mut Vec<String>) {
    let pad = " ".repeat(indent);
    let mut cur = String::new();
    let mut cur_w = 0usize;
    // Whether `cur` holds more than its indent.
    let mut content = false;
    let mut first = true;
    for (gap, word) in words(line) {
        if word.is_empty() {
            // Spaces at the end of the line.
            continue;
        }
        let (gap_w, word_w) = (gap.width(), word.width());
        // A continuation line drops the spaces it was broken at.
        let gap = if content || first { gap } else { "" };
        let gap_w = if content || first { gap_w } else { 0 };
        if cur_w + gap_w + word_w <= width {
            cur.push_str(gap);
            cur.push_str(word);
            cur_w += gap_w + word_w;
            content = content || !word.is_empty();
            continue;
        }
        let fresh_room = width - indent;
        let room_here = width.saturating_sub(cur_w + gap_w);
        if content && (word_w <= fresh_room || room_here < MIN_SPLIT_ROOM) {
            out.push(std::mem::take(&mut cur).trim_end().to_owned());
            first = false;
            cur.push_str(&pad);
            cur_w = indent;
        } else {
            cur.push_str(gap);
            cur_w += gap_w;
        }
        // The word fits on this (fresh) line, or is split across as many as it needs.
        for c in word.chars() {
            let cw = char_width(c);
            if cur_w + cw > width && cur_w > indent {
                out.push(std::mem::take(&mut cur));
                first = false;
                cur.push_str(&pad);
                cur_w = indent;
            }
            cur.push(c);
            cur_w += cw;
        }
        content = true;
    }
    out.push(cur.trim_end().to_owned());
}

/// `line` as (spaces before, word) pairs; a trailing run of spaces comes as a last pair with
/// an empty word.
fn words(line: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = line;
    while !rest.is_empty() {
        let gap_end = rest.find(|c: char| c != ' ').unwrap_or(rest.len());
        let (gap, after) = rest.split_at(gap_end);
        let word_end = after.find(' ').unwrap_or(after.len());
        let (word, next) = after.split_at(word_end);
        out.push((gap, word));
        rest = next;
    }
    out
}

/// `text` cut to `width` columns, ending in `…` when anything was cut.
pub fn truncate(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let cw = char_width(c);
        if used + cw > width - 1 {
            break;
        }
        out.push(c);
        used += cw;
    }
    out.push(ELLIPSIS);
    out
}

/// The part of a one-line input `text` to show in `width` columns so that the cursor (a
/// char index; at the end it needs a cell of its own) stays visible, with `…` where the
/// text goes on. Returns the shown text and the cursor's column in it.
pub fn window(text: &str, cursor: usize, width: usize) -> (String, usize) {
    let chars: Vec<(char, usize)> = text.chars().map(|c| (c, char_width(c))).collect();
    let cursor = cursor.min(chars.len());
    let col_of = |from: usize, to: usize| chars[from..to].iter().map(|(_, w)| w).sum::<usize>();
    let total = col_of(0, chars.len());
    let needs = total + usize::from(cursor == chars.len());
    if needs <= width || width < 3 {
        return (text.to_owned(), col_of(0, cursor).min(width));
    }
    // Start as far right as keeps the cursor's cell, a `…` on each side, in the width.
    let mut start = cursor;
    let mut used = 1;
    while start > 0 && used + chars[start - 1].1 + 2 <= width {
        start -= 1;
        used += chars[start].1;
    }
    if start == 1 {
        // A `…` would hide just one character: show it instead when the cursor allows.
        start = 0;
    }
    // From the start, fill what is left.
    let left = usize::from(start > 0);
    let mut shown = String::new();
    if left == 1 {
        shown.push(ELLIPSIS);
    }
    let mut cols = left;
    let mut end = start;
    while end < chars.len() {
        let w = chars[end].1;
        let more_after = end + 1 < chars.len();
        let reserve = usize::from(more_after);
        if cols + w + reserve > width {
            break;
        }
        shown.push(chars[end].0);
        cols += w;
        end += 1;
    }
    if end < chars.len() {
        shown.push(ELLIPSIS);
    }
    (shown, left + col_of(start, cursor))
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
    fn wraps_at_word_boundaries_with_one_hanging_indent() {
        assert_eq!(
            wrap("the quick brown fox jumps over the lazy dog", 16, 2),
            vec!["the quick brown", "  fox jumps over", "  the lazy dog"]
        );
        assert_eq!(wrap("a\nb", 8, 0), vec!["a", "b"]);
        assert_eq!(wrap("", 8, 0), vec![""]);
    }

    #[test]
    fn a_word_longer_than_a_line_is_split_where_the_line_ends() {
        assert_eq!(
            wrap("abcdefghijklmnop", 12, 2),
            vec!["abcdefghijkl", "  mnop"]
        );
        // A long value after a short label starts on the label's line.
        assert_eq!(
            wrap("GET https://idp.example/authorize?x=1", 16, 2),
            vec!["GET https://idp.", "  example/author", "  ize?x=1"]
        );
    }

    #[test]
    fn leading_spaces_are_kept_and_breaks_drop_trailing_ones() {
        assert_eq!(
            wrap("    key = one two three four", 16, 6),
            vec!["    key = one", "      two three", "      four"]
        );
        for line in wrap("aaaa bbbb cccc dddd eeee ffff", 10, 2) {
            assert!(!line.ends_with(' '), "{line:?}");
            assert!(width(&line) <= 10, "{line:?}");
        }
    }

    #[test]
    fn widths_are_display_columns() {
        // Each of these takes two columns.
        let lines = wrap("日本語のテキストです", 8, 0);
        assert_eq!(lines, vec!["日本語の", "テキスト", "です"]);
        assert!(lines.iter().all(|l| width(l) <= 8));
        assert_eq!(truncate("日本語", 5), "日本…");
        assert_eq!(width("日本…"), 5);
    }

    #[test]
    fn truncate_marks_every_cut() {
        assert_eq!(truncate("Raw Response", 20), "Raw Response");
        assert_eq!(truncate("Raw Response", 12), "Raw Response");
        assert_eq!(truncate("Raw Response", 11), "Raw Respon…");
        assert_eq!(truncate("Raw", 1), "…");
        assert_eq!(truncate("Raw", 0), "");
    }

    #[test]
    fn the_window_keeps_the_cursor_visible_and_marks_hidden_text() {
        let text = "https://idp.example/authorize";
        // Fits: as is.
        assert_eq!(window("abc", 3, 10), ("abc".to_owned(), 3));
        // Cursor at the start: the end is cut.
        assert_eq!(window(text, 0, 10), ("https://i…".to_owned(), 0));
        // Cursor at the end: the start is cut, the cursor has its cell.
        let (shown, col) = window(text, text.len(), 10);
        assert_eq!(shown, "…thorize");
        assert_eq!(col, 8);
        // In the middle: both ends cut, the cursor on its character.
        let (shown, col) = window(text, 15, 10);
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        assert!(width(&shown) <= 10);
        assert_eq!(shown.chars().nth(col), text.chars().nth(15));
    }

    #[test]
    fn control_and_bidi_characters_are_shown_as_escapes() {
        assert_eq!(
            wrap("a\u{202e}b\u{1b}[2J\u{9b}\nc", 40, 0),
            vec!["a\\u{202e}b\\u{1b}[2J\\u{9b}", "c"]
        );
    }
}
