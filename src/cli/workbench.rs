//! `tokenbench` with no command: the terminal workbench.

use std::io::IsTerminal;

use crate::flow::{system_now, BrowserMode};
use crate::profile::document::ProfileDocument;
use crate::tui::{self, App, Mode};

/// True when both ends are a terminal, which a full-screen UI needs.
pub fn interactive_terminal() -> bool {
    std::io::stdout().is_terminal() && std::io::stdin().is_terminal()
}

pub async fn workbench(profile: Option<String>) -> i32 {
    if !interactive_terminal() {
        return super::fail(
            false,
            "invalid_input",
            2,
            "the workbench needs a terminal; in scripts use `tokenbench run --profile P`",
        );
    }
    let mut app = App::new(Mode::Normal, system_now());
    if let Some(arg) = profile {
        let doc = super::trust::find_profile(&arg)
            .map_err(|e| e.to_string())
            .and_then(|path| ProfileDocument::open(&path).map_err(|e| e.to_string()));
        match doc {
            Ok(doc) => {
                let raw = doc.raw().clone();
                app.load(doc, raw);
            }
            Err(e) => return super::fail(false, "invalid_input", 2, &e),
        }
    }
    let browser = BrowserMode::System {
        browser_env: std::env::var("BROWSER").ok(),
        quiet: true,
    };
    match tui::launch(app, tui::real_services(browser)).await {
        Ok(()) => 0,
        Err(e) => super::fail(false, "internal", 1, &format!("terminal error: {e}")),
    }
}
