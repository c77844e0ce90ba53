//! Views only read the state and draw it.
pub mod flow;
pub mod form;
pub mod json;
pub mod keys;
pub mod layout;
pub mod overlay;
pub mod profiles;
pub mod text;
pub mod theme;
pub mod tokens;

use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::app::{App, FlowStatus};
use super::keymap::Pane;
use crate::oauth::text::sanitize;
use theme::symbol;

pub fn draw(app: &App, frame: &mut Frame) {
    let area = frame.area();
    let size = (area.width, area.height);
    if layout::too_small(size) {
        let text = format!(
            "Terminal too small ({}×{}).\ntokenbench needs at least {}×{}.\nCtrl+Q quits.",
            size.0,
            size.1,
            layout::MIN_SIZE.0,
            layout::MIN_SIZE.1
        );
        frame.render_widget(Paragraph::new(text), area);
        return;
    }
    let areas = layout::areas(app, size);
    header(app, frame, &areas);
    for (pane, rect) in &areas.panes {
        pane_view(app, frame, *pane, *rect);
    }
    message(app, frame, areas.message);
    hints(app, frame, areas.hints);
    overlay::draw(app, frame, area);
}

fn pane_view(app: &App, frame: &mut Frame, pane: Pane, rect: Rect) {
    let focused = app.focus == pane;
    let title = match pane {
        Pane::Form if app.modified() => {
            format!(
                " {} — {} ● modified ",
                pane.title(),
                sanitize(&app.profile_title())
            )
        }
        Pane::Form => format!(" {} — {} ", pane.title(), sanitize(&app.profile_title())),
        _ => format!(" {} ", pane.title()),
    };
    let title = text::truncate(&title, usize::from(rect.width.saturating_sub(2)));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.border(focused))
        .title(Span::styled(title, app.theme.border(focused)));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    match pane {
        Pane::Profiles => profiles::draw(app, frame, inner),
        Pane::Form => form::draw(app, frame, inner),
        Pane::Flow => flow::draw(app, frame, inner),
        Pane::Tokens => tokens::draw(app, frame, inner),
    }
}

fn header(app: &App, frame: &mut Frame, areas: &layout::Areas) {
    let t = &app.theme;
    frame.render_widget(
        Paragraph::new(Span::styled(" tokenbench", t.accent())),
        areas.header,
    );
    for (pane, rect) in &areas.tabs {
        let visible = areas.panes.iter().any(|(p, _)| p == pane);
        let style = if app.focus == *pane {
            t.selected().add_modifier(Modifier::BOLD)
        } else if visible {
            t.accent()
        } else {
            ratatui::style::Style::new()
        };
        frame.render_widget(
            Paragraph::new(Span::styled(format!(" {} ", pane.title()), style)),
            *rect,
        );
    }
    let status = flow_status(app);
    let end = areas.tabs.last().map_or(13, |(_, r)| r.x + r.width + 2);
    if end < areas.header.width {
        let rect = Rect::new(end, 0, areas.header.width - end, 1);
        let status: Vec<Span> = status
            .into_iter()
            .map(|s| Span::styled(text::truncate(&s.content, usize::from(rect.width)), s.style))
            .collect();
        frame.render_widget(
            Paragraph::new(Line::from(status)).alignment(ratatui::layout::Alignment::Right),
            rect,
        );
    }
}

/// The flow's state in a few words, for the header.
pub fn flow_status(app: &App) -> Vec<Span<'static>> {
    let t = &app.theme;
    match app.flow.status {
        FlowStatus::Idle => vec![Span::styled("ready ", t.dim())],
        FlowStatus::Running { deadline, .. } => {
            let left = (deadline - app.now).max(0);
            let what = if app.flow.steps.iter().any(|s| s.text == "callback received") {
                "exchanging the code".to_owned()
            } else {
                format!("waiting for the callback {}:{:02} ", left / 60, left % 60)
            };
            vec![Span::styled(
                format!("● {what}"),
                t.level(super::app::Level::Warn),
            )]
        }
        FlowStatus::Succeeded => vec![Span::styled(
            format!("{} tokens received ", symbol(super::app::Level::Success)),
            t.level(super::app::Level::Success),
        )],
        FlowStatus::Failed => vec![Span::styled(
            format!("{} flow failed ", symbol(super::app::Level::Error)),
            t.level(super::app::Level::Error),
        )],
        FlowStatus::Cancelled => vec![Span::styled("cancelled ", t.dim())],
    }
}

/// The status line: its symbol, and the text in its level's style, cut with `…` to fit.
fn message(app: &App, frame: &mut Frame, rect: Rect) {
    if let Some(m) = &app.message {
        let style = app.theme.level(m.level);
        let room = usize::from(rect.width).saturating_sub(4);
        let line = Line::from(vec![
            Span::styled(format!(" {} ", symbol(m.level)), style),
            Span::styled(text::truncate(&sanitize(&m.text), room), style),
        ]);
        frame.render_widget(Paragraph::new(line), rect);
    }
}

/// The keys valid now, from the keymap that handles them.
fn hints(app: &App, frame: &mut Frame, rect: Rect) {
    keys::bar(app, frame, rect);
}
