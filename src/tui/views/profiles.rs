//! The list of saved profiles.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::oauth::text::sanitize;
use crate::oauth::time::relative;
use crate::profile::catalog::{Origin, Shadow};
use crate::tui::app::{App, Level};

use super::text;

/// `  ◆ token in 59m`, `  ◆ token expired 2h ago`, or nothing without a cached token.
fn token_badge(app: &App, name: &str) -> String {
    match app.cached_tokens.get(name) {
        None => String::new(),
        Some(None) => "  ◆ token".to_owned(),
        Some(Some(at)) if *at <= app.now => {
            format!("  ◆ token expired {}", relative(*at, app.now))
        }
        Some(Some(at)) => format!("  ◆ token {}", relative(*at, app.now)),
    }
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    if app.profiles.is_empty() {
        let text = "No profiles yet.\n\nPress n to create one. Profiles are TOML files in ./profiles/ or in the config directory (tokenbench/profiles/).";
        frame.render_widget(
            Paragraph::new(text::styled(
                text,
                area.width,
                0,
                ratatui::style::Style::new(),
            )),
            area,
        );
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
        let open_mark = match (is_open, app.modified()) {
            (false, _) => "",
            (true, false) => "  ● open",
            (true, true) => "  ● open, modified",
        };
        let badge = token_badge(app, &entry.name);
        // The label gives way (cut with `…`) so that where the file is, whether it is open
        // and its cached token stay in view.
        let label_room = usize::from(area.width)
            .saturating_sub(
                2 + 24 + 1 + 1 + origin.len() + text::width(open_mark) + text::width(&badge),
            )
            .min(30);
        let label = text::truncate(
            &entry.label.as_deref().map(sanitize).unwrap_or_default(),
            label_room,
        );
        let spans = vec![
            Span::raw(marker),
            Span::styled(
                format!("{:<24}", text::truncate(&sanitize(&entry.name), 24)),
                if selected { t.selected() } else { t.accent() },
            ),
            Span::raw(" "),
            Span::raw(format!(
                "{label}{:pad$}",
                "",
                pad = label_room.saturating_sub(text::width(&label))
            )),
            Span::styled(format!(" {origin}"), t.dim()),
            Span::styled(open_mark, t.accent()),
            Span::styled(badge, t.dim()),
        ];
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
            lines.extend(text::styled(&text, area.width, 6, t.level(level)));
        }
        if let Some(e) = &entry.error {
            let text = match &e.key {
                Some(key) => format!("    ✗ {key}: {}", sanitize(&e.reason)),
                None => format!("    ✗ {}", sanitize(&e.reason)),
            };
            lines.extend(text::styled(&text, area.width, 6, t.level(Level::Error)));
        }
    }
    let offset = selected_line.saturating_sub(usize::from(area.height).saturating_sub(2));
    let paragraph = Paragraph::new(lines).scroll((u16::try_from(offset).unwrap_or(0), 0));
    frame.render_widget(paragraph, area);
}
