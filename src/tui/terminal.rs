//! The real terminal: raw mode, alternate screen, mouse and bracketed paste, restored on
//! every way out (return, error, panic).

use std::io::{self, Write};

use base64::Engine as _;
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use futures::StreamExt;

use super::app::App;
use super::event::Event;
use super::runner::{run, Services};

/// Runs the workbench on the real terminal until the person quits.
pub async fn run_on_terminal(app: &mut App, services: Services) -> io::Result<()> {
    let mut terminal = ratatui::try_init()?;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(io::stdout(), DisableMouseCapture, DisableBracketedPaste);
        previous(info);
    }));
    let result = async {
        crossterm::execute!(io::stdout(), EnableMouseCapture, EnableBracketedPaste)?;
        let input = crossterm::event::EventStream::new()
            .filter_map(|e| async move { e.ok().and_then(to_event) });
        run(&mut terminal, app, Box::pin(input), services).await
    }
    .await;
    let _ = crossterm::execute!(io::stdout(), DisableMouseCapture, DisableBracketedPaste);
    ratatui::try_restore()?;
    result
}

fn to_event(e: crossterm::event::Event) -> Option<Event> {
    use crossterm::event::Event as C;
    match e {
        C::Key(k) => Some(Event::Key(k)),
        C::Mouse(m) => Some(Event::Mouse(m)),
        C::Paste(p) => Some(Event::Paste(p)),
        C::Resize(w, h) => Some(Event::Resize(w, h)),
        C::FocusGained | C::FocusLost => None,
    }
}

/// Copies text with OSC 52, which terminals (and tmux, and SSH) pass to the clipboard.
pub fn osc52_copy(text: &str) -> io::Result<()> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = io::stdout();
    write!(out, "\x1b]52;c;{encoded}\x07")?;
    out.flush()
}
