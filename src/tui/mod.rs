//! The terminal workbench: state and `update` (app, update), one event queue (event), the
//! keymap that feeds handling, hints and help (keymap), views that only draw (views), and
//! the loop that performs effects (runner, terminal).
pub mod app;
pub mod event;
pub mod form;
pub mod input;
pub mod keymap;
pub mod runner;
pub mod terminal;
pub mod update;
pub mod views;

use std::time::Duration;

use crate::flow::{system_now, BrowserMode};
use crate::net::http::HttpLimits;
use crate::profile::{catalog, store};

pub use app::{App, Mode};
pub use runner::Services;

/// The services of an interactive session on a real terminal.
pub fn real_services(browser: BrowserMode) -> Services {
    Services {
        browser,
        http: HttpLimits::default(),
        clock: system_now,
        dirs: store::search_dirs(),
        clipboard: Box::new(terminal::osc52_copy),
        observe: None,
        tick: Duration::from_secs(1),
    }
}

/// Starts the workbench: the profile list, or `profile` open in the form.
pub async fn launch(mut app: App, services: Services) -> std::io::Result<()> {
    app.profiles = catalog::list(&services.dirs);
    app.cached_tokens = crate::cache::TokenCache::user()
        .map(|c| c.expiries())
        .unwrap_or_default();
    terminal::run_on_terminal(&mut app, services).await
}
