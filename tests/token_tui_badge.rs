//! The Profiles pane shows a cached-token badge with its expiry (computed when the list is
//! loaded; the view only draws `App::cached_tokens`).

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tokenbench::profile::catalog::{Origin, ProfileEntry};
use tokenbench::tui::views;
use tokenbench::tui::{App, Mode};

const NOW: i64 = 1_795_999_218; // 2026-11-30 00:40:18 UTC

fn entry(name: &str) -> ProfileEntry {
    ProfileEntry {
        name: name.into(),
        label: Some(format!("{name} tenant")),
        path: format!("profiles/{name}.toml").into(),
        origin: Origin::Local,
        error: None,
        shadow: None,
    }
}

#[test]
fn cached_token_badges_show_the_expiry() {
    let mut app = App::new(Mode::Normal, NOW);
    app.theme.color = false;
    app.profiles = vec![entry("okta"), entry("auth0"), entry("entra"), entry("none")];
    app.cached_tokens = [
        ("okta".to_owned(), Some(NOW + 59 * 60)),
        ("auth0".to_owned(), Some(NOW - 2 * 3600)),
        ("entra".to_owned(), None),
    ]
    .into_iter()
    .collect();
    app.size = (100, 16);
    let mut terminal = Terminal::new(TestBackend::new(100, 16)).unwrap();
    terminal.draw(|f| views::draw(&app, f)).unwrap();
    insta::assert_snapshot!(terminal.backend());
}
