//! The real TUI event loop on a `TestBackend`, fed synthetic events and read through its
//! frames: one driver for every test that runs `tokenbench::tui::runner::run`.
//!
//! Waiting is on the frames themselves (a watch channel the loop's `observe` hook feeds),
//! never on a sleep; a wait gives up with the last screen after its overall timeout.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tokenbench::flow::{system_now, BrowserMode};
use tokenbench::idp::{IdpConfig, IdpServer};
use tokenbench::net::http::HttpLimits;
use tokenbench::profile::document::ProfileDocument;
use tokenbench::tui::event::Event;
use tokenbench::tui::runner::{buffer_text, run, Services};
use tokenbench::tui::{App, Mode};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// How long the loop gets to end once asked (Ctrl+Q or a dialog's answer).
const END_WITHIN: Duration = Duration::from_secs(5);

/// How a workbench is started.
pub struct DriverOptions {
    pub browser: BrowserMode,
    /// The profile directories the workbench lists and saves into.
    pub dirs: Vec<PathBuf>,
    /// The terminal's width and height.
    pub size: (u16, u16),
    /// The overall timeout of `wait_for` and `wait_until`.
    pub wait: Duration,
}

impl DriverOptions {
    /// Waits of 10 s.
    pub fn new(browser: BrowserMode, dirs: Vec<PathBuf>, size: (u16, u16)) -> DriverOptions {
        DriverOptions {
            browser,
            dirs,
            size,
            wait: Duration::from_secs(10),
        }
    }
}

/// A workbench running in a task. What it copies to the clipboard is kept, not copied.
pub struct Driver {
    keys: mpsc::UnboundedSender<Event>,
    screen: watch::Receiver<String>,
    copied: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<App>,
    wait: Duration,
}

impl Driver {
    /// Spawns the event loop for `app`; needs a tokio runtime.
    pub fn start(app: App, options: DriverOptions) -> Driver {
        let DriverOptions {
            browser,
            dirs,
            size,
            wait,
        } = options;
        let (keys, rx) = mpsc::unbounded_channel();
        let (screen_tx, screen) = watch::channel(String::new());
        let copied = Arc::new(Mutex::new(Vec::new()));
        let copied_in = copied.clone();
        let services = Services {
            browser,
            http: HttpLimits::default(),
            clock: system_now,
            dirs,
            clipboard: Box::new(move |text: &str| {
                copied_in.lock().unwrap().push(text.to_owned());
                Ok(())
            }),
            observe: Some(Box::new(move |buffer| {
                let _ = screen_tx.send(buffer_text(buffer));
            })),
            tick: Duration::from_millis(200),
        };
        let input =
            futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (e, rx)) });
        let task = tokio::spawn(async move {
            let mut terminal = Terminal::new(TestBackend::new(size.0, size.1)).unwrap();
            let mut app = app;
            run(&mut terminal, &mut app, Box::pin(input), services)
                .await
                .unwrap();
            app
        });
        Driver {
            keys,
            screen,
            copied,
            task,
            wait,
        }
    }

    /// Any event: a paste, a mouse click, a resize.
    pub fn send(&self, event: Event) {
        self.keys.send(event).unwrap();
    }

    /// A key without modifiers.
    pub fn key(&self, code: KeyCode) {
        self.key_with(code, KeyModifiers::NONE);
    }

    pub fn key_with(&self, code: KeyCode, mods: KeyModifiers) {
        self.send(Event::Key(KeyEvent::new(code, mods)));
    }

    pub fn ctrl(&self, c: char) {
        self.key_with(KeyCode::Char(c), KeyModifiers::CONTROL);
    }

    /// Types `text`, one key per character.
    pub fn text(&self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    /// What the workbench copied to the clipboard so far.
    pub fn copied(&self) -> Vec<String> {
        self.copied.lock().unwrap().clone()
    }

    /// Waits until the screen shows `text`; panics with the screen after the driver's wait.
    pub async fn wait_for(&mut self, text: &str) -> String {
        self.wait_for_secs(text, self.wait.as_secs()).await
    }

    /// Waits until the screen shows `text`; panics with the screen after `secs`.
    pub async fn wait_for_secs(&mut self, text: &str, secs: u64) -> String {
        self.wait_until(text, |s| s.contains(text), secs).await
    }

    /// Waits until `ok` holds for the screen; panics naming `what` after `secs`.
    pub async fn wait_until(&mut self, what: &str, ok: impl Fn(&str) -> bool, secs: u64) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let screen = self.screen.borrow_and_update().clone();
            if ok(&screen) {
                return screen;
            }
            if tokio::time::timeout_at(deadline, self.screen.changed())
                .await
                .is_err()
            {
                panic!("the screen never showed {what:?}; it shows:\n{screen}");
            }
        }
    }

    /// Sends Ctrl+Q and returns the app once the loop has ended.
    pub async fn finish(self) -> App {
        self.ctrl('q');
        self.ended().await.unwrap()
    }

    /// The app once the loop ends by itself (no key is sent), or the timeout if it does not.
    pub async fn ended(self) -> Result<App, tokio::time::error::Elapsed> {
        tokio::time::timeout(END_WITHIN, self.task)
            .await
            .map(|joined| joined.unwrap())
    }
}

/// The embedded IdP, approving without a person.
pub async fn auto_idp() -> IdpServer {
    IdpServer::start(IdpConfig {
        auto_approve: true,
        ..IdpConfig::default()
    })
    .await
    .unwrap()
}

/// A demo workbench for `issuer`, its profile the (not yet saved) file `dir/demo.toml`.
pub fn demo_app(issuer: &str, dir: &Path) -> App {
    let raw = tokenbench::cli::demo_raw(issuer).unwrap();
    let mut app = App::new(Mode::Demo, system_now());
    app.load(ProfileDocument::new_file(&dir.join("demo.toml")), raw);
    app
}
