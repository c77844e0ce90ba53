//! One frame of the token panes holding a ~100 KB ID token, 200×60, on ratatui's
//! TestBackend. Target: < 2 ms per frame.

mod fixtures;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tokenbench::profile::document::ProfileDocument;
use tokenbench::profile::RawProfile;
use tokenbench::tui::app::TokenTab;
use tokenbench::tui::keymap::Pane;
use tokenbench::tui::views;
use tokenbench::tui::{App, Mode};

const WIDTH: u16 = 200;
const HEIGHT: u16 = 60;

fn app(tab: TokenTab) -> App {
    let mut app = App::new(Mode::Normal, fixtures::NOW);
    app.theme.color = false;
    app.load(
        ProfileDocument::new_file(std::path::Path::new("profiles/example.toml")),
        RawProfile {
            name: Some("Example IdP".into()),
            issuer: Some("https://idp.example".into()),
            callback_url: Some("http://127.0.0.1:8765/callback".into()),
            auth_url: Some("https://idp.example/authorize".into()),
            token_url: Some("https://idp.example/token".into()),
            client_id: Some("my-app".into()),
            scope: Some("openid offline_access".into()),
            ..RawProfile::default()
        },
    );
    app.tokens.report = Some(fixtures::report(&fixtures::big_jwt(100 * 1024)));
    app.tokens.received_at = fixtures::NOW;
    app.tokens.tab = tab;
    app.set_focus(Pane::Tokens);
    app.size = (WIDTH, HEIGHT);
    app
}

fn render(c: &mut Criterion) {
    let mut group = c.benchmark_group("render_200x60_100KB_token");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    for (name, tab) in [
        ("summary", TokenTab::Summary),
        ("id_token", TokenTab::Id),
        ("raw", TokenTab::Raw),
    ] {
        let app = app(tab);
        let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("test backend");
        group.bench_function(name, |b| {
            b.iter(|| {
                terminal
                    .draw(|f| views::draw(&app, f))
                    .expect("draw on the test backend");
            })
        });
    }
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
