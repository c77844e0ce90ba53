//! The list of saved profiles.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::oauth::text::sanitize;
use crate::profile::catalog::{Origin, Shadow};
use crate::tui::app::{App, Level};

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    if app.profiles.is_empty() {
        let text = vec![
            Line::from("No profiles yet."),
            Line::from(""),
            Line::from("Press n to create one. Profiles are TOML files in ./profiles/"),
            Line::from("or in the config directory (tokenbench/profiles/)."),
        ];
        frame.render_widget(Paragraph::new(text), area);
        return;
    }
    let open = app.doc.as_ref().map(|d| d.path().to_owned());
    let mut lines = Vec::new();
    let mut selected_line = 0;
    for (i, entry) in app.profiles.iter().enumerate() {
        let selected = i == app.selected_profile;
        if selected {
            selected_line = lines.len();
        }
        let marker = if selected { "› " } else { "  " };
        let is_open = open.as_deref() == Some(entry.path.as_path());
        let origin = match entry.origin {
            Origin::Local => "./profiles",
            Origin::Config => "config",
            Origin::Path => "path",
        };
        let mut spans = vec![
            Span::raw(marker),
            Span::styled(
                format!("{:<24}", sanitize(&entry.name)),
                if selected { t.selected() } else { t.accent() },
            ),
            Span::raw(" "),
            Span::raw(format!(
                "{:<30}",
                entry.label.as_deref().map(sanitize).unwrap_or_default()
            )),
            Span::styled(format!(" {origin}"), t.dim()),
        ];
        if is_open {
            spans.push(Span::styled(
                if app.modified() {
                    "  ● open, modified"
                } else {
                    "  ● open"
                },
                t.accent(),
            ));
        }
        lines.push(Line::from(spans));
        if let Some(shadow) = &entry.shadow {
            let (level, text) = match shadow {
                Shadow::Hides(other) => (
                    Level::Warn,
                    format!(
                        "    ! --profile {} uses this file; it shadows {}",
                        sanitize(&entry.name),
                        sanitize(&other.display().to_string())
                    ),
                ),
                Shadow::HiddenBy(other) => (
                    Level::Warn,
                    format!(
                        "    ! shadowed by {}: --profile {} does not reach this file",
                        sanitize(&other.display().to_string()),
                        sanitize(&entry.name)
                    ),
                ),
            };
            lines.push(Line::from(Span::styled(text, t.level(level))));
        }
        if let Some(e) = &entry.error {
            lines.push(Line::from(Span::styled(
                match &e.key {
                    Some(key) => format!("    ✗ {key}: {}", sanitize(&e.reason)),
                    None => format!("    ✗ {}", sanitize(&e.reason)),
                },
                t.level(Level::Error),
            )));
        }
    }
    let offset = selected_line.saturating_sub(usize::from(area.height).saturating_sub(2));
    let paragraph = Paragraph::new(lines).scroll((u16::try_from(offset).unwrap_or(0), 0));
    frame.render_widget(paragraph, area);
}
