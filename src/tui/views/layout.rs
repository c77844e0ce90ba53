//! Where things go on screen. Pure, so that `update` can hit-test mouse clicks against the
//! same rectangles the views draw into.

use ratatui::layout::Rect;

use crate::tui::app::App;
use crate::tui::keymap::Pane;

/// Below this the workbench shows a "too small" notice instead of panes.
pub const MIN_SIZE: (u16, u16) = (60, 16);
/// From this width on, two panes show side by side.
pub const WIDE: u16 = 140;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub tabs: Vec<(Pane, Rect)>,
    pub panes: Vec<(Pane, Rect)>,
    pub message: Rect,
    pub hints: Rect,
}

pub fn too_small(size: (u16, u16)) -> bool {
    size.0 < MIN_SIZE.0 || size.1 < MIN_SIZE.1
}

pub fn areas(app: &App, size: (u16, u16)) -> Areas {
    let (w, h) = size;
    let header = Rect::new(0, 0, w, 1);
    // Tabs sit in the header after the product name.
    let mut tabs = Vec::new();
    let mut x = 13u16;
    for pane in Pane::ALL {
        let width = pane.title().len() as u16 + 2;
        if x + width <= w {
            tabs.push((pane, Rect::new(x, 0, width, 1)));
        }
        x += width + 1;
    }
    let body = Rect::new(0, 1, w, h.saturating_sub(3));
    let panes = if w >= WIDE {
        let left = w / 2;
        vec![
            (app.left, Rect::new(0, body.y, left, body.height)),
            (app.right, Rect::new(left, body.y, w - left, body.height)),
        ]
    } else {
        vec![(app.focus, body)]
    };
    Areas {
        header,
        tabs,
        panes,
        message: Rect::new(0, h.saturating_sub(2), w, 1),
        hints: Rect::new(0, h.saturating_sub(1), w, 1),
    }
}
