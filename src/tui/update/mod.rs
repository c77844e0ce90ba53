//! `update(event) -> effects`: the one place where the workbench's state changes. Keys and
//! actions here; the open profile's life (lifecycle.rs) and results of background work
//! (results.rs) in their own files.
mod import;
pub use import::import_file;
mod lifecycle;
mod results;
mod security_profile;
#[cfg(test)]
mod sign_in_tests;
mod trust;

use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};

use crate::profile::RawProfile;

use super::app::{App, FlowStatus, Level, NamePurpose, Overlay, Then, TokenTab};
use super::event::{Call, Effect, Event};
use super::form::Form;
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
            Event::Tick => {
                self.fade_status();
                Vec::new()
            }
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
                self.message = None;
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
        // The status line speaks of the last action only.
        self.message = None;
        match action {
            Action::Run => self.run(),
            Action::Save => self.save_key(),
            Action::Quit => {
                self.overlay = None;
                self.leave(Then::Quit)
            }
            Action::Help => {
                self.overlay = Some(Overlay::Help { scroll: 0 });
                Vec::new()
            }
            Action::CloseOverlay => {
                if matches!(self.overlay, Some(Overlay::Trust { .. })) {
                    self.decline_trust();
                }
                self.overlay = None;
                Vec::new()
            }
            Action::TrustFile => self.trust_file(),
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
                    self.error("no authorization URL yet: run the flow with Ctrl+R");
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
            Action::Import => self.prompt(NamePurpose::Import, ""),
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
            Action::Discover => self.discover(),
            Action::SecurityProfileCheck => self.lint_form(),
            Action::Refresh => self.call(Call::Refresh),
            Action::Userinfo => self.call(Call::Userinfo),
            Action::Introspect => self.call(Call::Introspect),
            Action::Revoke => self.call(Call::Revoke),
            Action::RunAsOther => self.run_as_someone_else(),
            Action::Logout => self.logout(),
            Action::CopyHeader | Action::CopyCurl => self.copy_bearer(action == Action::CopyCurl),
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

    pub(super) fn copy_token(&mut self) -> Vec<Effect> {
        let Some(report) = &self.tokens.report else {
            self.error("no tokens yet: run the flow with Ctrl+R");
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
            TokenTab::Calls => (
                "the calls",
                Some(serde_json::to_string_pretty(&self.calls).unwrap_or_default()),
            ),
            TokenTab::Log => ("the log", Some(super::views::tokens::log_text(report))),
        };
        match text {
            Some(text) => vec![Effect::Copy {
                what: what.into(),
                text,
            }],
            None => {
                self.error(format!(
                    "nothing to copy: no {}",
                    what.trim_start_matches("the ")
                ));
                Vec::new()
            }
        }
    }

    pub(super) fn move_vertically(&mut self, down: bool, by: u16) {
        if let Some(Overlay::Help { scroll } | Overlay::Report { scroll, .. }) = &mut self.overlay {
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
    pub(super) fn max_scroll(&self) -> u16 {
        let areas = layout::areas(self, self.size);
        let width = areas
            .panes
            .iter()
            .find(|(p, _)| *p == Pane::Tokens)
            .map_or(self.size.0, |(_, r)| r.width);
        let lines = super::views::tokens::tab_lines(self, width.saturating_sub(2)).len();
        u16::try_from(lines.saturating_sub(1)).unwrap_or(u16::MAX)
    }
}

impl App {
    /// A run with `prompt=login`, for this run only (the form and the file keep theirs).
    pub(super) fn run_as_someone_else(&mut self) -> Vec<Effect> {
        let mut effects = self.run();
        for effect in &mut effects {
            if let Effect::StartFlow { raw, .. } = effect {
                raw.prompt = Some("login".to_owned());
            }
        }
        effects
    }

    /// Logs out with the last run's tokens; they are forgotten once it is done.
    pub(super) fn logout(&mut self) -> Vec<Effect> {
        let Some(session) = self.session.clone() else {
            self.error("no session to log out of: run the flow first (Ctrl+R)");
            return Vec::new();
        };
        if let Some(what) = self.calling {
            self.info(format!("{what} is already under way"));
            return Vec::new();
        }
        self.calling = Some("logout");
        self.info("logout… (the browser shows the IdP's sign-out page)");
        vec![Effect::Logout(Box::new(session))]
    }

    /// A follow-up call with the last run's tokens.
    pub(super) fn call(&mut self, call: Call) -> Vec<Effect> {
        let Some(session) = self.session.clone() else {
            self.error(format!(
                "no tokens for a {}: run the flow first (Ctrl+R)",
                call.name()
            ));
            return Vec::new();
        };
        if let Some(what) = self.calling {
            self.info(format!("{what} is already under way"));
            return Vec::new();
        }
        self.calling = Some(call.name());
        self.info(format!("{}…", call.name()));
        vec![Effect::Call(call, Box::new(session))]
    }

    /// Copies `Authorization: Bearer …`, or a curl command using it against the userinfo
    /// endpoint (a stand-in URL when the IdP has none). A token that cannot be a header
    /// (no b64token) or a URL that cannot be pasted safely is refused with a warning.
    fn copy_bearer(&mut self, curl: bool) -> Vec<Effect> {
        let token = self
            .tokens
            .report
            .as_ref()
            .and_then(|r| r["tokens"]["access_token"]["value"].as_str())
            .map(str::to_owned);
        let Some(token) = token else {
            self.error("no access token yet: run the flow with Ctrl+R");
            return Vec::new();
        };
        let url = self
            .session
            .as_ref()
            .and_then(|s| s.resolved.metadata.as_ref())
            .and_then(|m| m.userinfo_endpoint.clone())
            .unwrap_or_else(|| "https://api.example.com/".to_owned());
        let dpop = match self.dpop_proof(&token, &url, curl) {
            Ok(dpop) => dpop,
            Err(why) => {
                self.warn(crate::oauth::text::sanitize(&why));
                return Vec::new();
            }
        };
        match bearer_copy(&token, curl.then_some(url.as_str()), dpop.as_deref()) {
            Ok((what, text)) => vec![Effect::Copy {
                what: what.into(),
                text,
            }],
            Err(why) => {
                self.warn(crate::oauth::text::sanitize(&why));
                Vec::new()
            }
        }
    }
}

impl App {
    /// For a DPoP-bound token (RFC 9449): `Some("")` for the header alone, a fresh proof for
    /// `url` for the curl command; None for a Bearer token.
    fn dpop_proof(&self, token: &str, url: &str, curl: bool) -> Result<Option<String>, String> {
        let bound = self
            .tokens
            .report
            .as_ref()
            .and_then(|r| r["tokens"]["token_type"].as_str())
            .is_some_and(|t| t.eq_ignore_ascii_case("DPoP"));
        let profile = self.session.as_ref().map(|s| &s.resolved.profile);
        let (true, Some(profile)) = (bound, profile) else {
            return Ok(None);
        };
        if !curl {
            return Ok(Some(String::new()));
        }
        let env = |name: &str| std::env::var_os(name);
        let prover = crate::cache::dpop_key::prover(profile, &env, None, crate::flow::system_now)
            .map_err(|e| format!("no curl command copied: {e}"))?
            .ok_or("no curl command copied: the profile no longer has dpop = true")?;
        prover
            .proof("GET", url, None, Some(token))
            .map(Some)
            .map_err(|e| format!("no curl command copied: {e}"))
    }
}

/// What `a` (no `url`) or `C` copies, or why nothing is. The header line alone comes from
/// the one builder that refuses a non-b64token (it is pasted into other tools as is); the
/// command takes any VSCHAR token, since the one builder that quotes for sh makes every
/// value exactly one argument. `dpop`: the token is DPoP-bound (and the proof for `url`).
fn bearer_copy(
    token: &str,
    url: Option<&str>,
    dpop: Option<&str>,
) -> Result<(&'static str, String), String> {
    use crate::oauth::{shell, token_syntax};
    let scheme = if dpop.is_some() { "DPoP" } else { "Bearer" };
    let Some(url) = url else {
        return token_syntax::bearer_header(token)
            .map(|header| match dpop {
                Some(_) => format!("Authorization: DPoP {token}"),
                None => header,
            })
            .map(|header| ("the Authorization header", header))
            .map_err(|e| format!("not copied: {e}"));
    };
    token_syntax::check_vschar("access_token", token)
        .map_err(|e| format!("no curl command copied: {e}"))?;
    let mut command = shell::curl_command(&format!("Authorization: {scheme} {token}"), url)
        .map_err(|e| format!("no curl command copied: {e}"))?;
    if let Some(proof) = dpop.filter(|p| !p.is_empty()) {
        let header = shell::quote("the DPoP proof", &format!("DPoP: {proof}"))
            .map_err(|e| format!("no curl command copied: {e}"))?;
        command = command.replacen("curl ", &format!("curl -H {header} "), 1);
    }
    Ok(("a curl command", command))
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

#[cfg(test)]
mod dpop_copy_tests {
    use super::bearer_copy;

    #[test]
    fn a_dpop_bound_token_is_copied_with_its_scheme_and_a_proof() {
        let (_, header) = bearer_copy("at", None, Some("")).unwrap();
        assert_eq!(header, "Authorization: DPoP at");
        let (_, curl) = bearer_copy("at", Some("https://idp/me"), Some("a.b.c")).unwrap();
        assert_eq!(
            curl,
            "curl -H 'DPoP: a.b.c' -H 'Authorization: DPoP at' 'https://idp/me'"
        );
        let (_, plain) = bearer_copy("at", Some("https://idp/me"), None).unwrap();
        assert_eq!(plain, "curl -H 'Authorization: Bearer at' 'https://idp/me'");
    }
}
