//! The profile form: label, need, value, and inline errors and notes under each field.

use std::path::Path;

use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::oauth::text::sanitize;
use crate::profile::{notes, validate_all};
use crate::tui::app::{App, Level};
use crate::tui::form::{field_for_key, FieldId, Kind, FIELDS};

use super::text;

const LABEL_WIDTH: usize = 23;
const NEED_WIDTH: usize = 12;
/// What an empty State or Code Verifier was in the last run.
const USED: &str = "last run used: ";

/// Inline problems per field: (field, level, text).
pub fn problems(app: &App) -> Vec<(FieldId, Level, String)> {
    let raw = app.edited();
    let path = app.doc.as_ref().map_or(Path::new(""), |d| d.path());
    let mut out: Vec<(FieldId, Level, String)> = validate_all(path, &raw)
        .into_iter()
        .filter_map(|e| Some((field_for_key(e.key.as_deref()?)?, Level::Error, e.reason)))
        .collect();
    for (key, note) in notes(&raw) {
        if let Some(field) = field_for_key(&key) {
            out.push((field, Level::Warn, note));
        }
    }
    out
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    if app.doc.is_none() {
        let text = "No profile open.\n\nChoose one in Profiles (Tab) and press Enter, or press n there to create one.";
        frame.render_widget(
            Paragraph::new(text::styled(text, area.width, 0, Style::new())),
            area,
        );
        return;
    }
    let problems = problems(app);
    let value_width = usize::from(area.width)
        .saturating_sub(LABEL_WIDTH + NEED_WIDTH + 2)
        .max(8);
    let mut lines: Vec<Line> = Vec::new();
    let mut selected_line = 0usize;
    let mut cursor: Option<(usize, usize)> = None;
    for (i, spec) in FIELDS.iter().enumerate() {
        let selected = i == app.form.selected;
        if selected {
            selected_line = lines.len();
        }
        let value = app.form.input(i).map(|inp| inp.value()).unwrap_or("");
        let (shown, style) = shown_value(app, spec.id, spec.kind, value, spec.placeholder);
        let editing = selected && matches!(spec.kind, Kind::Text | Kind::Secret);
        let at = app.form.input(i).map_or(0, |inp| inp.cursor());
        // The value being edited scrolls to keep the cursor in view; others are cut with `…`.
        let (shown, col) = if editing && !value.is_empty() && shown == sanitize(value) {
            text::window(&shown, at, value_width)
        } else {
            (text::truncate(&shown, value_width), at.min(value_width))
        };
        if editing {
            cursor = Some((lines.len(), LABEL_WIDTH + NEED_WIDTH + 2 + col));
        }
        let marker = if selected { "›" } else { " " };
        let label_style = if selected { t.accent() } else { Style::new() };
        lines.push(Line::from(vec![
            Span::styled(marker, t.accent()),
            Span::styled(
                format!(" {:<w$}", spec.label, w = LABEL_WIDTH - 1),
                label_style,
            ),
            Span::styled(
                format!("{:<w$}", need_label(app, spec), w = NEED_WIDTH),
                t.dim(),
            ),
            Span::raw(" "),
            Span::styled(
                shown,
                if app.form.unused(spec.id) {
                    t.dim()
                } else if selected {
                    style.patch(Style::new().add_modifier(ratatui::style::Modifier::UNDERLINED))
                } else {
                    style
                },
            ),
        ]));
        let indent = LABEL_WIDTH + NEED_WIDTH + 1;
        for (_, level, text) in problems.iter().filter(|(f, _, _)| *f == spec.id) {
            let text = format!("{} {}", super::theme::symbol(*level), sanitize(text));
            let width = area.width.saturating_sub(indent as u16);
            for piece in text::wrap(&text, width, 2) {
                lines.push(Line::from(Span::styled(
                    format!("{:>indent$}{piece}", ""),
                    t.level(*level),
                )));
            }
        }
        if let Some(used) = used_value(app, spec.id) {
            let indent = LABEL_WIDTH + NEED_WIDTH + 1;
            let width = area.width.saturating_sub(indent as u16);
            for piece in text::wrap(&used, width, USED.len()) {
                lines.push(Line::from(Span::styled(
                    format!("{:>indent$}{piece}", ""),
                    t.dim(),
                )));
            }
        }
    }
    // The focused field's help sits at the bottom of the pane, under a blank line.
    let help = help_lines(app, area.width, area.height / 4);
    let help_height = help.len() as u16;
    let body = Rect::new(
        area.x,
        area.y,
        area.width,
        area.height.saturating_sub(help_height + 1),
    );
    let height = usize::from(body.height);
    let offset = (selected_line + 2).saturating_sub(height);
    frame.render_widget(
        Paragraph::new(lines).scroll((u16::try_from(offset).unwrap_or(0), 0)),
        body,
    );
    let help_rect = Rect::new(
        area.x,
        area.y + area.height.saturating_sub(help_height),
        area.width,
        help_height.min(area.height),
    );
    frame.render_widget(Paragraph::new(help), help_rect);
    if app.overlay.is_none() && app.focus == crate::tui::keymap::Pane::Form {
        if let Some((line, col)) = cursor {
            if let Some(row) = line.checked_sub(offset).filter(|r| *r < height) {
                frame.set_cursor_position(Position::new(area.x + col as u16, area.y + row as u16));
            }
        }
    }
}

/// The focused field's help, wrapped under its label in at most `max` lines (the last cut
/// with `…` when it needs more).
fn help_lines(app: &App, width: u16, max: u16) -> Vec<Line<'static>> {
    const LABEL: &str = " Help: ";
    let t = &app.theme;
    let text = format!("{LABEL}{}", app.form.selected_spec().help);
    let mut pieces = text::wrap(&text, width, LABEL.len());
    let max = usize::from(max.max(1));
    if pieces.len() > max {
        pieces.truncate(max);
        if let Some(last) = pieces.last_mut() {
            if text::width(last) < usize::from(width) {
                last.push(text::ELLIPSIS);
            } else {
                *last = text::truncate(last, usize::from(width) - 1) + "…";
            }
        }
    }
    pieces
        .into_iter()
        .enumerate()
        .map(
            |(i, piece)| match piece.strip_prefix(LABEL).filter(|_| i == 0) {
                Some(rest) => Line::from(vec![
                    Span::styled(LABEL, t.dim()),
                    Span::raw(rest.to_owned()),
                ]),
                None => Line::from(piece),
            },
        )
        .collect()
}

/// The need, or `unused` when the chosen grant ignores the field.
fn need_label(app: &App, spec: &crate::tui::form::FieldSpec) -> &'static str {
    if app.form.unused(spec.id) {
        "unused"
    } else {
        spec.need.label()
    }
}

fn shown_value(
    app: &App,
    id: FieldId,
    kind: Kind,
    value: &str,
    placeholder: &str,
) -> (String, Style) {
    let t = &app.theme;
    match kind {
        Kind::Fixed(text) => (text.to_owned(), t.dim()),
        Kind::Choice(options) => {
            let parts: Vec<String> = options
                .iter()
                .map(|(v, label)| {
                    if *v == value {
                        format!("[{label}]")
                    } else {
                        format!(" {label} ")
                    }
                })
                .collect();
            (parts.join(" "), Style::new())
        }
        _ if value.is_empty() => (placeholder.to_owned(), t.dim()),
        Kind::Secret if value.starts_with("env:") => (
            format!(
                "{}  (read from the environment at run time)",
                sanitize(value)
            ),
            Style::new(),
        ),
        // Never masked: what runs must be seen.
        Kind::Secret if value.starts_with("cmd:") => (
            format!("{}  (this command runs at run time)", sanitize(value)),
            Style::new(),
        ),
        Kind::Secret if !app.reveal => ("•".repeat(value.chars().count().min(16)), Style::new()),
        _ => {
            let _ = id;
            (sanitize(value), Style::new())
        }
    }
}

/// After a run, what an empty Code Verifier or State actually was.
fn used_value(app: &App, id: FieldId) -> Option<String> {
    let value = app.form.value(id);
    if !value.is_empty() {
        return None;
    }
    match id {
        FieldId::State => app
            .flow
            .used_state
            .as_ref()
            .map(|s| format!("{USED}{}", sanitize(s))),
        FieldId::CodeVerifier => app.flow.used_verifier.as_ref().map(|v| {
            if app.reveal {
                format!("{USED}{}", v.secret())
            } else {
                format!("{USED}•••••• (F2 reveals)")
            }
        }),
        _ => None,
    }
}
