//! `update(event) -> effects`: the one place where the workbench's state changes.

use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};

use crate::flow::{FlowEvent, FlowReport};
use crate::net::browser::BrowserLaunch;
use crate::net::callback_server::ResponseMode;
use crate::oauth::text::sanitize;
use crate::profile::load::validate;
use crate::profile::RawProfile;

use super::app::{App, FlowStatus, FlowView, Level, NamePurpose, Overlay, Step, Then, TokenTab};
use super::event::{AppEvent, Effect, Event, StoreOp};
use super::form::{field_for_key, Form};
use super::input::TextInput;
use super::keymap::{self, Action, Pane};
use super::views::layout;

/// How long the TUI waits for a callback.
pub const FLOW_TIMEOUT_SECS: i64 = 300;
const PAGE: u16 = 10;

impl App {
    pub fn update(&mut self, event: Event, now: i64) -> Vec<Effect> {
        self.now = now;
        match event {
            Event::Key(key) => self.on_key(key),
            Event::Mouse(mouse) => self.on_mouse(mouse),
            Event::Paste(text) => {
                if let Some(input) = self.focused_input() {
                    input.paste(&text);
                }
                Vec::new()
            }
            Event::Resize(w, h) => {
                self.size = (w, h);
                Vec::new()
            }
            Event::Tick => Vec::new(),
            Event::App(e) => self.on_app_event(*e),
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind == crossterm::event::KeyEventKind::Release {
            return Vec::new();
        }
        match keymap::resolve(&key, &self.ctx()) {
            Some(action) => self.on_action(action),
            None => {
                if self.ctx().typing() {
                    if let Some(input) = self.focused_input() {
                        input.handle(&key);
                    }
                }
                Vec::new()
            }
        }
    }

    /// The text input that typing goes to, if any.
    fn focused_input(&mut self) -> Option<&mut TextInput> {
        if self.overlay.is_some() {
            return match &mut self.overlay {
                Some(Overlay::NamePrompt { input, .. }) => Some(input),
                _ => None,
            };
        }
        match self.focus {
            Pane::Form if self.doc.is_some() => self.form.selected_input_mut(),
            Pane::Flow if self.flow.paste_mode => Some(&mut self.flow.paste),
            _ => None,
        }
    }

    fn on_mouse(&mut self, mouse: MouseEvent) -> Vec<Effect> {
        let areas = layout::areas(self, self.size);
        let hit = |r: ratatui::layout::Rect| {
            mouse.column >= r.x
                && mouse.column < r.x + r.width
                && mouse.row >= r.y
                && mouse.row < r.y + r.height
        };
        match mouse.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                if self.overlay.is_some() {
                    return Vec::new();
                }
                if let Some((pane, _)) = areas.tabs.iter().find(|(_, r)| hit(*r)) {
                    self.set_focus(*pane);
                } else if let Some((pane, _)) = areas.panes.iter().find(|(_, r)| hit(*r)) {
                    self.set_focus(*pane);
                }
                Vec::new()
            }
            MouseEventKind::ScrollUp => self.on_action(Action::Up),
            MouseEventKind::ScrollDown => self.on_action(Action::Down),
            _ => Vec::new(),
        }
    }

    pub fn on_action(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Run => self.run(),
            Action::Save => self.save(Then::Stay),
            Action::Quit => {
                self.overlay = None;
                self.leave(Then::Quit)
            }
            Action::Help => {
                self.overlay = Some(Overlay::Help { scroll: 0 });
                Vec::new()
            }
            Action::CloseOverlay => {
                self.overlay = None;
                Vec::new()
            }
            Action::NextPane | Action::PrevPane => {
                let i = Pane::ALL.iter().position(|p| *p == self.focus).unwrap_or(0);
                let n = Pane::ALL.len();
                let next = if action == Action::NextPane {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.set_focus(Pane::ALL[next]);
                Vec::new()
            }
            Action::Up | Action::Down => {
                self.move_vertically(action == Action::Down, 1);
                Vec::new()
            }
            Action::PageUp | Action::PageDown => {
                self.move_vertically(action == Action::PageDown, PAGE);
                Vec::new()
            }
            Action::Top => {
                self.tokens.scroll[self.tokens.tab.index()] = 0;
                Vec::new()
            }
            Action::Bottom => {
                let max = self.max_scroll();
                self.tokens.scroll[self.tokens.tab.index()] = max;
                Vec::new()
            }
            Action::NextTab | Action::PrevTab => {
                let i = self.tokens.tab.index();
                let n = TokenTab::ALL.len();
                let next = if action == Action::NextTab {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.tokens.tab = TokenTab::ALL[next];
                Vec::new()
            }
            Action::NextChoice | Action::PrevChoice => {
                self.form.cycle_choice(action == Action::NextChoice);
                Vec::new()
            }
            Action::Reveal => {
                self.reveal = !self.reveal;
                Vec::new()
            }
            Action::CancelFlow => {
                if self.flow_running() {
                    self.flow.status = FlowStatus::Cancelled;
                    self.flow.paste_mode = false;
                    self.step(
                        Level::Warn,
                        "cancelled; the callback server is closed and its port free",
                    );
                    return vec![Effect::CancelFlow];
                }
                Vec::new()
            }
            Action::Copy => self.copy_token(),
            Action::CopyAuthUrl => match self.flow.auth_url.clone() {
                Some(url) => vec![Effect::Copy {
                    what: "the authorization URL".into(),
                    text: url,
                }],
                None => {
                    self.info("no authorization URL yet: run the flow with Ctrl+R");
                    Vec::new()
                }
            },
            Action::Open => match self
                .profiles
                .get(self.selected_profile)
                .map(|e| e.path.clone())
            {
                Some(path) => self.leave(Then::Open(path)),
                None => Vec::new(),
            },
            Action::NewProfile => self.prompt(NamePurpose::New, ""),
            Action::DuplicateProfile | Action::RenameProfile => {
                let Some(entry) = self.profiles.get(self.selected_profile) else {
                    return Vec::new();
                };
                let suggestion = if action == Action::DuplicateProfile {
                    format!("{}-copy", entry.name)
                } else {
                    entry.name.clone()
                };
                let purpose = if action == Action::DuplicateProfile {
                    NamePurpose::Duplicate
                } else {
                    NamePurpose::Rename
                };
                self.prompt(purpose, &suggestion)
            }
            Action::DeleteProfile => {
                if self.selected_profile < self.profiles.len() {
                    self.overlay = Some(Overlay::ConfirmDelete {
                        index: self.selected_profile,
                    });
                }
                Vec::new()
            }
            Action::Confirm => self.confirm(),
            Action::Discard => {
                let then = match self.overlay.take() {
                    Some(Overlay::Unsaved { then }) => then,
                    _ => return Vec::new(),
                };
                self.form = Form::from_raw(&self.base);
                self.after(then)
            }
            Action::CheckRedirect => self.check_redirect(),
            Action::SubmitPaste => {
                let text = self.flow.paste.value().trim().to_owned();
                if text.is_empty() {
                    return Vec::new();
                }
                self.flow.paste.set("");
                vec![Effect::SubmitPaste(text)]
            }
        }
    }

    fn is_open(&self, path: &std::path::Path) -> bool {
        self.doc.as_ref().is_some_and(|d| d.path() == path)
    }

    fn prompt(&mut self, purpose: NamePurpose, suggestion: &str) -> Vec<Effect> {
        self.overlay = Some(Overlay::NamePrompt {
            purpose,
            input: TextInput::new(suggestion),
        });
        Vec::new()
    }

    fn confirm(&mut self) -> Vec<Effect> {
        match self.overlay.take() {
            Some(Overlay::ConfirmDelete { index }) => match self.profiles.get(index).cloned() {
                Some(entry) => vec![Effect::Store(StoreOp::Delete { entry })],
                None => Vec::new(),
            },
            Some(Overlay::NamePrompt { purpose, input }) => {
                let name = input.value().trim().to_owned();
                if let Err(e) = crate::profile::validate_name(&name) {
                    self.error(e.to_string());
                    self.overlay = Some(Overlay::NamePrompt { purpose, input });
                    return Vec::new();
                }
                let entry = self.profiles.get(self.selected_profile).cloned();
                let op = match (purpose, entry) {
                    (NamePurpose::New | NamePurpose::SaveAs, _) => StoreOp::Create { name },
                    (NamePurpose::Duplicate, Some(entry)) => StoreOp::Duplicate { entry, name },
                    (NamePurpose::Rename, Some(entry)) => {
                        let reopen = self.is_open(&entry.path);
                        if reopen && self.modified() {
                            self.error(
                                "save or discard the open profile's changes before renaming it",
                            );
                            return Vec::new();
                        }
                        StoreOp::Rename {
                            entry,
                            name,
                            reopen,
                        }
                    }
                    _ => return Vec::new(),
                };
                vec![Effect::Store(op)]
            }
            other => {
                self.overlay = other;
                Vec::new()
            }
        }
    }

    /// Leaves the open profile (to quit or open another), asking first when it has changes.
    fn leave(&mut self, then: Then) -> Vec<Effect> {
        if self.modified() {
            self.overlay = Some(Overlay::Unsaved { then });
            return Vec::new();
        }
        self.after(then)
    }

    fn after(&mut self, then: Then) -> Vec<Effect> {
        match then {
            Then::Quit => {
                self.quit = true;
                let mut effects = Vec::new();
                if self.flow_running() {
                    effects.push(Effect::CancelFlow);
                }
                effects.push(Effect::Quit);
                effects
            }
            Then::Open(path) => vec![Effect::Open(path)],
            Then::Stay => Vec::new(),
        }
    }

    fn save(&mut self, then: Then) -> Vec<Effect> {
        self.overlay = None;
        let Some(doc) = &self.doc else {
            self.info("nothing to save: open or create a profile first");
            return Vec::new();
        };
        if !self.modified() && doc.path().is_file() {
            self.info("no changes to save");
            return self.after(then);
        }
        self.pending = Some(then);
        vec![Effect::Save(Box::new(doc.clone()), Box::new(self.edited()))]
    }

    fn run(&mut self) -> Vec<Effect> {
        let Some(profile) = self.form_profile("run") else {
            return Vec::new();
        };
        self.flow = FlowView {
            status: FlowStatus::Running {
                started: self.now,
                deadline: self.now + FLOW_TIMEOUT_SECS,
            },
            ..FlowView::default()
        };
        self.tokens.report = None;
        self.message = None;
        self.set_focus(Pane::Flow);
        vec![Effect::StartFlow(Box::new(profile))]
    }

    /// The profile in the form, validated; on failure the form shows why.
    fn form_profile(&mut self, what: &str) -> Option<crate::profile::Profile> {
        if self.doc.is_none() {
            self.info("open a profile first (Profiles: Enter), or create one (n)");
            return None;
        }
        let raw = self.edited();
        let path = self
            .doc
            .as_ref()
            .map(|d| d.path().to_owned())
            .unwrap_or_default();
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        match validate(&path, &stem, &raw) {
            Ok(p) => Some(p),
            Err(e) => {
                if let Some(field) = e.key.as_deref().and_then(field_for_key) {
                    self.form.selected = Form::index_of(field);
                }
                self.set_focus(Pane::Form);
                self.error(format!("cannot {what}: {}", e.reason));
                None
            }
        }
    }

    fn check_redirect(&mut self) -> Vec<Effect> {
        if self.flow.checking {
            self.info("a redirect check is already running");
            return Vec::new();
        }
        let Some(profile) = self.form_profile("check the redirect") else {
            return Vec::new();
        };
        self.flow.checking = true;
        self.flow.diagnosis = None;
        self.set_focus(Pane::Flow);
        self.info("checking the redirect URI with the IdP…");
        let sent = if self.flow_running() {
            self.flow.redirect_uri.clone()
        } else {
            None
        };
        vec![Effect::CheckRedirect(Box::new(profile), sent)]
    }

    fn copy_token(&mut self) -> Vec<Effect> {
        let Some(report) = &self.tokens.report else {
            self.info("no tokens yet: run the flow with Ctrl+R");
            return Vec::new();
        };
        let token = |k: &str| report["tokens"][k]["value"].as_str().map(str::to_owned);
        let (what, text) = match self.tokens.tab {
            TokenTab::Summary | TokenTab::Access => ("the access token", token("access_token")),
            TokenTab::Id => ("the ID token", token("id_token")),
            TokenTab::Refresh => ("the refresh token", token("refresh_token")),
            TokenTab::Raw => (
                "the raw response",
                report["token_response"]["body"].as_str().map(str::to_owned),
            ),
            TokenTab::Log => ("the log", Some(super::views::tokens::log_text(report))),
        };
        match text {
            Some(text) => vec![Effect::Copy {
                what: what.into(),
                text,
            }],
            None => {
                self.info(format!(
                    "nothing to copy: no {}",
                    what.trim_start_matches("the ")
                ));
                Vec::new()
            }
        }
    }

    fn move_vertically(&mut self, down: bool, by: u16) {
        if let Some(Overlay::Help { scroll }) = &mut self.overlay {
            *scroll = if down {
                scroll.saturating_add(by)
            } else {
                scroll.saturating_sub(by)
            };
            return;
        }
        match self.focus {
            Pane::Profiles => {
                let last = self.profiles.len().saturating_sub(1);
                self.selected_profile = if down {
                    (self.selected_profile + 1).min(last)
                } else {
                    self.selected_profile.saturating_sub(1)
                };
            }
            Pane::Form => self.form.move_selection(down),
            Pane::Flow => {
                self.flow.scroll = if down {
                    self.flow.scroll.saturating_add(by)
                } else {
                    self.flow.scroll.saturating_sub(by)
                };
            }
            Pane::Tokens => {
                let max = self.max_scroll();
                let s = &mut self.tokens.scroll[self.tokens.tab.index()];
                *s = if down {
                    s.saturating_add(by).min(max)
                } else {
                    s.saturating_sub(by)
                };
            }
        }
    }

    /// The last line the token tab can scroll to at the current size.
    fn max_scroll(&self) -> u16 {
        let areas = layout::areas(self, self.size);
        let width = areas
            .panes
            .iter()
            .find(|(p, _)| *p == Pane::Tokens)
            .map_or(self.size.0, |(_, r)| r.width);
        let lines = super::views::tokens::tab_lines(self, width.saturating_sub(2)).len();
        u16::try_from(lines.saturating_sub(1)).unwrap_or(u16::MAX)
    }

    fn step(&mut self, level: Level, text: impl Into<String>) {
        self.flow.steps.push(Step {
            level,
            text: text.into(),
            detail: Vec::new(),
        });
    }

    fn on_app_event(&mut self, event: AppEvent) -> Vec<Effect> {
        match event {
            AppEvent::Flow(e) => {
                self.on_flow_event(e);
                Vec::new()
            }
            AppEvent::FlowFinished(report) => {
                self.on_flow_finished(&report);
                Vec::new()
            }
            AppEvent::Profiles(entries) => {
                self.profiles = entries;
                self.selected_profile = self
                    .selected_profile
                    .min(self.profiles.len().saturating_sub(1));
                Vec::new()
            }
            AppEvent::Opened(Ok(doc)) => {
                let raw = doc.raw().clone();
                self.load(doc, raw);
                Vec::new()
            }
            AppEvent::Opened(Err(e)) => {
                self.error(e);
                Vec::new()
            }
            AppEvent::Saved(Ok(doc)) => {
                self.base = doc.raw().clone();
                let path = doc.path().display().to_string();
                self.doc = Some(doc);
                self.info(format!("saved {path}"));
                let then = self.pending.take().unwrap_or(Then::Stay);
                let mut effects = vec![Effect::ListProfiles];
                effects.extend(self.after(then));
                effects
            }
            AppEvent::Saved(Err(e)) => {
                self.pending = None;
                self.error(format!("not saved: {e}"));
                Vec::new()
            }
            AppEvent::Stored(Ok(stored)) => {
                self.info(stored.message);
                if stored.removed.as_deref().is_some_and(|p| self.is_open(p)) {
                    // The open profile's file is gone: close it rather than keep a form
                    // whose save would recreate a deleted file.
                    self.doc = None;
                    self.base = RawProfile::default();
                    self.form = Form::from_raw(&self.base);
                }
                let mut effects = vec![Effect::ListProfiles];
                if let Some(path) = stored.open {
                    effects.push(Effect::Open(path));
                }
                effects
            }
            AppEvent::Stored(Err(e)) => {
                self.error(e);
                vec![Effect::ListProfiles]
            }
            AppEvent::Failed(e) => {
                self.error(e);
                Vec::new()
            }
            AppEvent::Diagnosis(report) => {
                self.flow.checking = false;
                self.flow.diagnosis = Some(crate::doctor::render_lines(&report, true));
                if report.exit_code() == 0 {
                    self.info(report.headline());
                } else {
                    self.warn(report.headline());
                }
                Vec::new()
            }
            AppEvent::Copied(what) => {
                self.info(format!("copied {what} to the clipboard (OSC 52)"));
                Vec::new()
            }
        }
    }

    fn on_flow_event(&mut self, event: FlowEvent) {
        if !self.flow_running() {
            // Late events of a cancelled run.
            return;
        }
        match event {
            FlowEvent::Prepared {
                state,
                code_verifier,
            } => {
                self.flow.used_state = Some(state);
                self.flow.used_verifier = Some(code_verifier);
            }
            FlowEvent::Listening {
                addrs,
                redirect_uri,
            } => {
                let addrs: Vec<String> = addrs.iter().map(ToString::to_string).collect();
                self.step(
                    Level::Info,
                    format!("callback server listening on {}", addrs.join(" and ")),
                );
                if let Some(step) = self.flow.steps.last_mut() {
                    step.detail.push(format!("redirect_uri {redirect_uri}"));
                }
            }
            FlowEvent::PasteMode { redirect_uri } => {
                self.flow.paste_mode = true;
                self.step(
                    Level::Warn,
                    format!("{redirect_uri} is not on loopback: after signing in, paste the URL the browser was sent to"),
                );
            }
            FlowEvent::AuthorizationUrl(url) => {
                self.flow.auth_url = Some(url);
            }
            FlowEvent::Browser(BrowserLaunch::Started(how)) => {
                self.step(Level::Info, format!("browser opened ({how})"))
            }
            FlowEvent::Browser(BrowserLaunch::Failed(why)) => self.step(
                Level::Warn,
                format!("no browser opened ({why}): press c to copy the URL and open it yourself"),
            ),
            FlowEvent::Stray(r) => self.step(
                Level::Warn,
                format!(
                    "ignored {} {} → {} ({})",
                    sanitize(&r.method),
                    sanitize(&r.path),
                    r.status,
                    sanitize(&r.note)
                ),
            ),
            // Shown as plain steps for now (the diagnosis pane is the workbench's to design).
            FlowEvent::NearMiss(n) => self.step(Level::Warn, sanitize(&n.message)),
            FlowEvent::Diagnosis(d) => {
                let level = if d.exit_code() == 0 {
                    Level::Info
                } else {
                    Level::Warn
                };
                self.step(
                    level,
                    format!("no callback yet; the IdP was asked: {}", d.headline()),
                );
                self.flow.diagnosis = Some(crate::doctor::render_lines(&d, false));
            }
            FlowEvent::CallbackVia(ResponseMode::Query) => {}
            FlowEvent::CallbackVia(mode) => self.step(
                Level::Info,
                format!("response arrived as {}", mode.as_str()),
            ),
            FlowEvent::CallbackReceived => {
                self.flow.paste_mode = false;
                self.step(Level::Info, "callback received");
            }
            FlowEvent::TokenRequestSent { url } => {
                self.step(Level::Info, format!("token request sent to {url}"))
            }
            FlowEvent::TokenResponse { status, elapsed_ms } => {
                let level = if (200..300).contains(&status) {
                    Level::Info
                } else {
                    Level::Warn
                };
                self.step(
                    level,
                    format!("token response: HTTP {status} in {elapsed_ms} ms"),
                );
            }
            FlowEvent::Warning(w) => self.step(Level::Warn, sanitize(&w)),
        }
    }

    fn on_flow_finished(&mut self, report: &FlowReport) {
        if !self.flow_running() {
            return;
        }
        let json = report.to_json();
        if let Some(params) = json["callback"]["params"].as_object() {
            if let Some(step) = self
                .flow
                .steps
                .iter_mut()
                .rev()
                .find(|s| s.text == "callback received")
            {
                step.detail = params
                    .iter()
                    .map(|(k, v)| format!("{k} = {}", v.as_str().map_or(v.to_string(), sanitize)))
                    .collect();
            }
        }
        self.flow.paste_mode = false;
        match &report.error {
            None => {
                self.flow.status = FlowStatus::Succeeded;
                self.step(Level::Info, "tokens received");
                self.tokens.tab = TokenTab::Summary;
                self.tokens.scroll = [0; 6];
                self.set_focus(Pane::Tokens);
            }
            Some(e) => {
                self.flow.status = FlowStatus::Failed;
                self.step(Level::Error, sanitize(&e.to_string()));
            }
        }
        self.tokens.report = Some(json);
        self.tokens.received_at = self.now;
    }
}

/// A fresh profile's starting values.
pub fn new_profile_template() -> RawProfile {
    RawProfile {
        callback_url: Some("http://127.0.0.1:8765/callback".into()),
        code_challenge_method: Some("S256".into()),
        scope: Some("openid".into()),
        ..RawProfile::default()
    }
}
