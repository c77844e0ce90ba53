//! The keys on screen, from the keymap that handles them: the hint bar, an overlay's key
//! line and the help screen.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::app::App;
use crate::tui::keymap::{self, Hint, HINT_GAP};

/// The bottom bar: the keys that can act now, the best ranked that fit, and `? more` when
/// some did not.
pub fn bar(app: &App, frame: &mut Frame, rect: Rect) {
    let hints = keymap::hint_bar(&app.ctx(), rect.width);
    let mut line = hint_line(app, &hints, HINT_GAP);
    line.spans.insert(0, Span::raw(" "));
    frame.render_widget(Paragraph::new(line), rect);
}

/// An overlay's keys, all of them (an overlay has few).
pub fn key_line(app: &App) -> Line<'static> {
    hint_line(app, &keymap::hints(&app.ctx()), 3)
}

fn hint_line(app: &App, hints: &[Hint], gap: usize) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, hint) in hints.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" ".repeat(gap)));
        }
        spans.push(Span::styled(hint.key.clone(), app.theme.key()));
        spans.push(Span::raw(format!(" {}", hint.words)));
    }
    Line::from(spans)
}

/// (A no-break space keeps "? more" on one line.)
const INTRO: &str = "tokenbench runs OAuth 2.0 Authorization Code with PKCE against a profile. \
The bar at the bottom lists the keys that can act now, and ends with ?\u{a0}more when some \
did not fit.";

/// The help screen for `width` columns: one entry per binding, grouped, each entry's text
/// wrapped at word boundaries and indented under itself.
pub fn help_lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width);
    let t = &app.theme;
    let mut lines: Vec<Line<'static>> = wrap_words(INTRO, width, width)
        .into_iter()
        .map(Line::from)
        .collect();
    let groups = keymap::help_groups();
    let widest = groups
        .iter()
        .flat_map(|(_, entries)| entries.iter().map(|e| e.keys.chars().count()))
        .max()
        .unwrap_or(0);
    // Two spaces in, the keys, two spaces: then the text, never narrower than half the width.
    let column = (widest + 4).min(width / 2);
    let room = width.saturating_sub(column).max(1);
    for (group, entries) in groups {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(group, t.accent())));
        for entry in entries {
            let keys = format!("  {}", entry.keys);
            let pad = column.saturating_sub(keys.chars().count());
            let text = wrap_words(entry.help, room, room);
            let mut rest = text.into_iter();
            let mut first = vec![Span::styled(keys, t.key())];
            if pad == 0 {
                // Keys wider than the column: the text starts on the next line.
                lines.push(Line::from(first));
            } else {
                first.push(Span::raw(" ".repeat(pad)));
                first.push(Span::raw(rest.next().unwrap_or_default()));
                lines.push(Line::from(first));
            }
            for piece in rest {
                lines.push(Line::from(format!("{}{piece}", " ".repeat(column))));
            }
        }
    }
    lines
}

/// Breaks `text` at spaces into lines of at most `first` (the first line) and `rest`
/// columns; a word longer than a line is split.
pub fn wrap_words(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    let room = |out: &Vec<String>| if out.is_empty() { first } else { rest }.max(1);
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let len = line.chars().count();
        let need = if len == 0 { 0 } else { len + 1 };
        if need + word.chars().count() <= room(&out) {
            if len > 0 {
                line.push(' ');
            }
            line.push_str(word);
            continue;
        }
        if len > 0 {
            out.push(std::mem::take(&mut line));
        }
        let mut chars: Vec<char> = word.chars().collect();
        while chars.len() > room(&out) {
            let tail = chars.split_off(room(&out));
            out.push(chars.into_iter().collect());
            chars = tail;
        }
        line = chars.into_iter().collect();
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_word_boundaries() {
        assert_eq!(
            wrap_words("the quick brown fox jumps", 10, 8),
            ["the quick", "brown", "fox", "jumps"]
        );
        assert_eq!(wrap_words("short", 10, 10), ["short"]);
        assert_eq!(wrap_words("", 10, 10), [""]);
        // Only a word longer than a whole line is split.
        assert_eq!(
            wrap_words("a abcdefghijkl b", 5, 5),
            ["a", "abcde", "fghij", "kl b"]
        );
        for width in 1..30 {
            for line in wrap_words(INTRO, width, width) {
                assert!(line.chars().count() <= width, "{width}: {line:?}");
            }
        }
    }
}
