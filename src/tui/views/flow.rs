//! The run as it happens: each step, the authorization URL with its parameters, and the
//! paste box when the callback is not on loopback.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use crate::oauth::text::sanitize;
use crate::tui::app::{App, FlowStatus, Level};

use super::text::{styled, wrap};
use super::theme::symbol;

pub fn lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut out: Vec<Line<'static>> = Vec::new();
    if let Some(what) = app.flow.checking {
        out.push(Line::from(Span::styled(
            format!("Running {what}…"),
            t.level(Level::Warn),
        )));
        out.push(Line::from(""));
    }
    if let Some((title, lines)) = &app.flow.panel {
        out.extend(styled(title, width, 2, t.accent()));
        for line in lines {
            let style = if line.starts_with('✗') {
                t.level(Level::Error)
            } else if line.starts_with('!') {
                t.level(Level::Warn)
            } else {
                Style::new()
            };
            out.extend(styled(line, width, 14, style));
        }
        out.push(Line::from(""));
    }
    match app.flow.status {
        FlowStatus::Idle if app.flow.panel.is_some() || app.flow.checking.is_some() => return out,
        FlowStatus::Idle => {
            out.push(Line::from(
                "Press Ctrl+R to run the flow for the open profile.",
            ));
            out.push(Line::from(""));
            out.push(Line::from(Span::styled(
                "tokenbench starts a callback server, opens the browser, checks the callback and exchanges the code.",
                t.dim(),
            )));
            return out.into_iter().flat_map(|l| rewrap(l, width)).collect();
        }
        FlowStatus::Running { deadline, .. } => {
            let left = (deadline - app.now).max(0);
            out.push(Line::from(Span::styled(
                format!(
                    "Running — {}:{:02} left for the callback · Esc cancels",
                    left / 60,
                    left % 60
                ),
                t.level(Level::Warn),
            )));
        }
        FlowStatus::Succeeded => out.push(Line::from(Span::styled(
            "Done — tokens received (Tokens pane)",
            t.level(Level::Success),
        ))),
        FlowStatus::Failed => out.push(Line::from(Span::styled(
            "Failed — see the last step",
            t.level(Level::Error),
        ))),
        FlowStatus::Cancelled => out.push(Line::from(Span::styled("Cancelled", t.dim()))),
    }
    // The status line above wraps like the rest.
    if let Some(status) = out.pop() {
        out.extend(rewrap(status, width));
    }
    out.push(Line::from(""));
    for step in &app.flow.steps {
        let text = format!("{} {}", symbol(step.level), step.text);
        out.extend(styled(&text, width, 2, t.level(step.level)));
        for d in &step.detail {
            out.extend(styled(&format!("    {d}"), width, 6, t.dim()));
        }
    }
    if let Some(url) = &app.flow.auth_url {
        out.push(Line::from(""));
        out.push(Line::from(Span::styled(
            "Authorization URL (c copies it):",
            t.accent(),
        )));
        out.extend(styled(url, width, 0, Style::new()));
        if let Ok(parsed) = url::Url::parse(url) {
            for (k, v) in parsed.query_pairs() {
                out.extend(styled(
                    &format!("    {k} = {}", sanitize(&v)),
                    width,
                    6,
                    t.dim(),
                ));
            }
        }
    }
    out
}

/// A signed request object's header and claims, one member a line, escaped: what the
/// IdP is asked for, as the Flow pane shows it under its step.
pub fn request_object_lines(header: &serde_json::Value, claims: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    for (title, part) in [("header", header), ("claims", claims)] {
        out.push(format!("{title}:"));
        if let Some(m) = part.as_object() {
            for (k, v) in m {
                let v = v
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string());
                out.push(format!("  {} = {}", sanitize(k), sanitize(&v)));
            }
        }
    }
    out
}

fn rewrap(line: Line<'static>, width: u16) -> Vec<Line<'static>> {
    let style = line.spans.first().map(|s| s.style).unwrap_or_default();
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    wrap(&text, width, 0)
        .into_iter()
        .map(|l| Line::from(Span::styled(l, style)))
        .collect()
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let paste_height = if app.flow.paste_mode { 3 } else { 0 };
    let body = Rect::new(
        area.x,
        area.y,
        area.width,
        area.height.saturating_sub(paste_height),
    );
    frame.render_widget(
        Paragraph::new(lines(app, body.width)).scroll((app.flow.scroll, 0)),
        body,
    );
    if app.flow.paste_mode {
        let rect = Rect::new(area.x, area.y + body.height, area.width, paste_height);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(app.theme.accent())
            .title(" Paste the redirected URL, then Enter ");
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        let value = app.flow.paste.value();
        let skip = value
            .chars()
            .count()
            .saturating_sub(usize::from(inner.width).saturating_sub(1));
        let shown: String = value.chars().skip(skip).collect();
        frame.render_widget(Paragraph::new(sanitize(&shown)), inner);
        if app.overlay.is_none() && app.focus == crate::tui::keymap::Pane::Flow {
            let col = app.flow.paste.cursor().saturating_sub(skip) as u16;
            frame.set_cursor_position(ratatui::layout::Position::new(inner.x + col, inner.y));
        }
    }
}
