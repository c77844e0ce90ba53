//! JSON in the panes: pretty, escaped, wrapped, and every NumericDate member annotated with
//! its UTC date and how far it is from now. The value itself stays as received; the note is
//! a dim `// …` after it. The one place every pane draws JSON through.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use serde_json::Value;

use crate::oauth::text::to_json_pretty_safe;
use crate::oauth::time::{date_note, NUMERIC_DATE_KEYS};

use super::text::{styled, width as text_width, wrap};
use super::theme::Theme;

/// Columns between a value and its note.
const GAP: &str = "  ";

/// Pretty JSON with every control character escaped (claims cannot draw on the terminal),
/// NumericDates annotated against `now`.
pub fn json_lines(v: &Value, width: u16, now: i64, theme: &Theme) -> Vec<Line<'static>> {
    let text = to_json_pretty_safe(v);
    let mut out = Vec::new();
    for line in text.lines() {
        match date_member(line).and_then(|at| date_note(at, now)) {
            Some(note) => out.extend(annotated(line, &note, width, theme.dim())),
            None => out.extend(styled(line, width, 4, Style::new())),
        }
    }
    out
}

/// The NumericDate of a pretty-printed line `"exp": 1796122628,` whose member is one of
/// [`NUMERIC_DATE_KEYS`]. Keys and strings come escaped, so a quote inside a string cannot
/// fake a member.
pub fn date_member(line: &str) -> Option<i64> {
    let rest = line.trim_start().strip_prefix('"')?;
    let (key, value) = rest.split_once("\": ")?;
    if !NUMERIC_DATE_KEYS.contains(&key) {
        return None;
    }
    let number = value.strip_suffix(',').unwrap_or(value);
    if let Ok(n) = number.parse::<i64>() {
        return Some(n);
    }
    // RFC 7519 allows fractional seconds; the date is shown to the second.
    let f = number.parse::<f64>().ok().filter(|f| f.is_finite())?;
    if f.abs() > 1e15 {
        return None;
    }
    Some(f.floor() as i64)
}

/// `line` with its note after it when both fit, else the note on the lines below, indented
/// under the member.
fn annotated(line: &str, note: &str, width: u16, dim: Style) -> Vec<Line<'static>> {
    let note = format!("// {note}");
    let w = usize::from(width);
    if text_width(line) + GAP.len() + text_width(&note) <= w {
        return vec![Line::from(vec![
            Span::raw(line.to_owned()),
            Span::styled(format!("{GAP}{note}"), dim),
        ])];
    }
    let mut out = styled(line, width, 4, Style::new());
    let indent = line.len() - line.trim_start().len() + 4;
    let under = format!("{}{note}", " ".repeat(indent));
    out.extend(
        wrap(&under, width, indent + 3)
            .into_iter()
            .map(|l| Line::from(Span::styled(l, dim))),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_796_122_628 - 3_540;

    fn text(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn numeric_dates_get_a_note_and_keep_their_value() {
        let v = json!({"sub": "alice", "exp": 1_796_122_628, "iat": 1_795_999_218, "n": 5});
        let lines = text(&json_lines(&v, 80, NOW, &Theme { color: false }));
        assert_eq!(
            lines,
            vec![
                "{",
                "  \"sub\": \"alice\",",
                "  \"exp\": 1796122628,  // 2026-12-01 10:57:08 UTC, in 59m",
                "  \"iat\": 1795999218,  // 2026-11-30 00:40:18 UTC, 1d 9h ago",
                "  \"n\": 5",
                "}",
            ]
        );
    }

    #[test]
    fn nested_members_and_the_tools_own_fields_are_annotated() {
        let v = json!({"changes": {"expires_at_before": NOW, "expires_at_after": null},
                       "introspection": {"active": true, "nbf": NOW - 60}});
        let lines = text(&json_lines(&v, 100, NOW, &Theme { color: false }));
        assert!(lines
            .iter()
            .any(|l| l.contains("\"expires_at_before\": 1796119088,  // ") && l.ends_with("now")));
        assert!(lines.iter().any(|l| l.ends_with("UTC, 1m ago")));
        assert!(!lines.iter().any(|l| l.contains("null  //")));
    }

    #[test]
    fn strings_numbers_under_other_names_and_lookalikes_are_left_alone() {
        for line in [
            "  \"exp\": \"1796122628\",",
            "  \"expiry\": 1796122628,",
            "  \"x\": \"\\\"exp\\\": 1796122628\",",
            "  \"exp\": 1e300",
            "  \"exp\": [",
        ] {
            assert_eq!(date_member(line), None, "{line}");
        }
        assert_eq!(date_member("  \"exp\": 1796122628.75"), Some(1_796_122_628));
        assert_eq!(date_member("\"auth_time\": -1"), Some(-1));
    }

    #[test]
    fn a_note_that_does_not_fit_goes_under_its_member() {
        let v = json!({"exp": 1_796_122_628});
        let lines = text(&json_lines(&v, 36, NOW, &Theme { color: false }));
        assert_eq!(
            lines,
            vec![
                "{",
                "  \"exp\": 1796122628",
                "      // 2026-12-01 10:57:08 UTC, in",
                "         59m",
                "}",
            ]
        );
        assert!(lines.iter().all(|l| text_width(l) <= 36));
    }
}
