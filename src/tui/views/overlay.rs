//! Popups drawn over the panes: help, the unsaved-changes and delete prompts, name entry.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use crate::oauth::text::sanitize;
use crate::tui::app::{App, NamePurpose, Overlay};

use super::keys;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let Some(overlay) = &app.overlay else { return };
    let t = &app.theme;
    let width = if matches!(
        overlay,
        Overlay::Help { .. } | Overlay::Trust { .. } | Overlay::Report { .. }
    ) {
        area.width.saturating_sub(8).min(76)
    } else {
        area.width.saturating_sub(8).min(60)
    };
    let (title, lines, scroll) = match overlay {
        Overlay::Help { scroll } => (
            " Help ".to_owned(),
            keys::help_lines(app, width.saturating_sub(2)),
            *scroll,
        ),
        Overlay::Unsaved { .. } => (
            " Unsaved changes ".to_owned(),
            vec![
                Line::from(format!(
                    "{} has unsaved changes.",
                    sanitize(&app.profile_title())
                )),
                Line::from(""),
                keys::key_line(app),
            ],
            0,
        ),
        Overlay::ConfirmDelete { index } => {
            let path = app
                .profiles
                .get(*index)
                .map(|e| e.path.display().to_string())
                .unwrap_or_default();
            (
                " Delete profile ".to_owned(),
                vec![
                    Line::from(format!("Delete {}?", sanitize(&path))),
                    Line::from("The file is removed."),
                    Line::from(""),
                    keys::key_line(app),
                ],
                0,
            )
        }
        Overlay::NamePrompt { purpose, input } => {
            let what = match purpose {
                NamePurpose::New => "Name of the new profile",
                NamePurpose::Duplicate => "Name of the copy",
                NamePurpose::Rename => "New name",
                NamePurpose::SaveAs => "Save as",
                NamePurpose::Import => "Import from (a file or a Bruno directory)",
            };
            let hint = if *purpose == NamePurpose::Import {
                "a Postman or Insomnia export, or a Bruno directory"
            } else {
                "letters, digits, - and _; saved as NAME.toml"
            };
            (
                format!(" {what} "),
                vec![
                    Line::from(vec![
                        Span::raw("› "),
                        Span::styled(format!("{}▏", sanitize(input.value())), t.accent()),
                    ]),
                    Line::from(Span::styled(hint, t.dim())),
                    Line::from(""),
                    keys::key_line(app),
                ],
                0,
            )
        }
        Overlay::Trust { file, command, .. } => (
            " Run a command from this file? ".to_owned(),
            trust_lines(app, file, command, width),
            0,
        ),
        Overlay::Report {
            title,
            text,
            scroll,
        } => (title.clone(), report_lines(app, text, width), *scroll),
    };
    let height = (lines.len() as u16 + 2).min(area.height.saturating_sub(2));
    let rect = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    );
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.accent())
        .title(Span::styled(title, t.accent()));
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), rect);
}

/// The exact command and the file, each on lines of their own so that nothing is cut.
fn trust_lines(app: &App, file: &std::path::Path, command: &str, width: u16) -> Vec<Line<'static>> {
    let room = width.saturating_sub(4);
    let t = &app.theme;
    let mut lines = vec![
        Line::from("This profile is outside your config directory. To read its client"),
        Line::from("secret it runs, without a shell, the command:"),
        Line::from(""),
    ];
    for piece in super::text::wrap(&sanitize(command), room, 2) {
        lines.push(Line::from(Span::styled(format!("  {piece}"), t.accent())));
    }
    lines.push(Line::from(""));
    lines.push(Line::from("from the file"));
    for piece in super::text::wrap(&sanitize(&file.display().to_string()), room, 2) {
        lines.push(Line::from(Span::styled(format!("  {piece}"), t.accent())));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(
        "Trusting records this exact content: an edited file asks again.",
    ));
    lines.push(Line::from(""));
    lines.push(keys::key_line(app));
    lines
}

/// The import report, wrapped to the popup, then the keys.
fn report_lines(app: &App, text: &str, width: u16) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> =
        super::text::wrap(text.trim_end(), width.saturating_sub(4), 4)
            .into_iter()
            .map(Line::from)
            .collect();
    lines.push(Line::from(""));
    lines.push(keys::key_line(app));
    lines
}
