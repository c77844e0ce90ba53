//! The workbench's state. `update` (in update.rs) is the only place it changes.

use std::path::PathBuf;

use serde_json::Value;

use crate::oauth::secret::UsedVerifier;
use crate::profile::catalog::ProfileEntry;
use crate::profile::document::ProfileDocument;
use crate::profile::{Provenance, RawProfile};

use super::event::Retry;
use super::form::{Form, Kind};
use super::input::TextInput;
use super::keymap::{Ctx, OverlayKind, Pane};
use super::views::theme::Theme;

/// What to do once unsaved changes are dealt with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Then {
    Quit,
    Open(PathBuf),
    /// Nothing more: the save was the point.
    Stay,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamePurpose {
    New,
    Duplicate,
    Rename,
    /// Saving a profile that has no file yet (the demo's, or a new one).
    SaveAs,
    /// Not a name: the path of a Postman, Insomnia or Bruno export to import.
    Import,
}

#[derive(Debug)]
pub enum Overlay {
    Help {
        scroll: u16,
    },
    Unsaved {
        then: Then,
    },
    ConfirmDelete {
        index: usize,
    },
    NamePrompt {
        purpose: NamePurpose,
        input: TextInput,
    },
    /// A profile file outside the config dir wants to run a command: trust it or not.
    Trust {
        file: PathBuf,
        /// Of the bytes the command was read from; None: they are not known, so the file
        /// cannot be trusted from here.
        sha256: Option<String>,
        command: String,
        then: Retry,
    },
    /// What an import did (the importer's text report, already escaped).
    Report {
        title: String,
        text: String,
        scroll: u16,
    },
}

impl Overlay {
    pub fn kind(&self) -> OverlayKind {
        match self {
            Overlay::Help { .. } => OverlayKind::Help,
            Overlay::Unsaved { .. } => OverlayKind::Unsaved,
            Overlay::ConfirmDelete { .. } => OverlayKind::ConfirmDelete,
            Overlay::NamePrompt { .. } => OverlayKind::NamePrompt,
            Overlay::Trust { .. } => OverlayKind::Trust,
            Overlay::Report { .. } => OverlayKind::Report,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Neutral: something under way, nothing to do.
    Info,
    /// Something asked for was done.
    Success,
    Warn,
    /// Something asked for could not be done.
    Error,
}

impl Level {
    /// Seconds a status line of this level stays (unless the next action clears it):
    /// long enough to read, longer for what went wrong.
    pub fn linger(self) -> i64 {
        match self {
            Level::Info | Level::Success => 5,
            Level::Warn | Level::Error => 10,
        }
    }
}

/// The status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub level: Level,
    pub text: String,
    /// When it was set (the injected clock's Unix seconds), for fading.
    pub at: i64,
}

/// One line of the flow's progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub level: Level,
    pub text: String,
    /// Indented detail lines.
    pub detail: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowStatus {
    Idle,
    Running { started: i64, deadline: i64 },
    Succeeded,
    Failed,
    Cancelled,
}

#[derive(Debug)]
pub struct FlowView {
    pub status: FlowStatus,
    pub steps: Vec<Step>,
    pub auth_url: Option<String>,
    pub used_state: Option<String>,
    pub used_verifier: Option<UsedVerifier>,
    pub paste_mode: bool,
    pub paste: TextInput,
    pub scroll: u16,
    /// The redirect URI the run sent (the real port when the profile says 0).
    pub redirect_uri: Option<String>,
    /// The last redirect check or discovery, rendered: a title and its lines; shown at the
    /// top of the Flow pane.
    pub panel: Option<(String, Vec<String>)>,
    /// A redirect check or discovery is under way; what it is.
    pub checking: Option<&'static str>,
}

impl Default for FlowView {
    fn default() -> Self {
        FlowView {
            status: FlowStatus::Idle,
            steps: Vec::new(),
            auth_url: None,
            used_state: None,
            used_verifier: None,
            paste_mode: false,
            paste: TextInput::default(),
            scroll: 0,
            redirect_uri: None,
            panel: None,
            checking: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenTab {
    Summary,
    Access,
    Id,
    Refresh,
    Raw,
    Log,
    Calls,
}

impl TokenTab {
    pub const ALL: [TokenTab; 7] = [
        TokenTab::Summary,
        TokenTab::Access,
        TokenTab::Id,
        TokenTab::Refresh,
        TokenTab::Raw,
        TokenTab::Log,
        TokenTab::Calls,
    ];

    pub fn title(self) -> &'static str {
        match self {
            TokenTab::Summary => "Summary",
            TokenTab::Access => "Access Token",
            TokenTab::Id => "ID Token",
            TokenTab::Refresh => "Refresh Token",
            TokenTab::Raw => "Raw Response",
            TokenTab::Log => "Log",
            TokenTab::Calls => "Calls",
        }
    }

    pub fn index(self) -> usize {
        Self::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

#[derive(Debug)]
pub struct TokenView {
    pub tab: TokenTab,
    pub scroll: [u16; 7],
    /// The last run's record (`FlowReport::to_json`), kept after the flow ends.
    pub report: Option<Value>,
    /// When the token response arrived, for expiry countdowns.
    pub received_at: i64,
}

impl Default for TokenView {
    fn default() -> Self {
        TokenView {
            tab: TokenTab::Summary,
            scroll: [0; 7],
            report: None,
            received_at: 0,
        }
    }
}

/// What the last successful run left for follow-up calls (refresh, userinfo, …).
#[derive(Debug, Clone)]
pub struct Session {
    pub resolved: crate::flow::Resolved,
    pub tokens: crate::cache::CachedTokens,
}

/// How flows are run: against the embedded demo IdP (no person) or a real browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Demo,
}

#[derive(Debug)]
pub struct App {
    pub mode: Mode,
    pub focus: Pane,
    /// In the wide layout, which of Profiles/Form shows on the left and Flow/Tokens on the right.
    pub left: Pane,
    pub right: Pane,
    pub overlay: Option<Overlay>,
    pub profiles: Vec<ProfileEntry>,
    pub selected_profile: usize,
    /// The profile open in the form; None when nothing is open.
    pub doc: Option<ProfileDocument>,
    /// The profile as opened or last saved (the form's baseline for "modified").
    pub base: RawProfile,
    pub form: Form,
    pub reveal: bool,
    pub flow: FlowView,
    pub tokens: TokenView,
    pub message: Option<Message>,
    /// Unix seconds, refreshed on every tick (injected so that screens are reproducible).
    pub now: i64,
    pub size: (u16, u16),
    /// What to do after the save under way.
    pub pending: Option<Then>,
    /// The tokens of the last successful run, for refresh, userinfo, introspection, revocation.
    pub session: Option<Session>,
    /// Follow-up calls made with them (newest first), as their JSON records.
    pub calls: Vec<serde_json::Value>,
    /// A follow-up call is under way; which.
    pub calling: Option<&'static str>,
    pub theme: Theme,
    pub quit: bool,
    /// The Profiles pane's cached-token badges: profile name → when its cached access token
    /// expires (None: no expiry known). Loaded with the list, so the view only draws.
    pub cached_tokens: std::collections::BTreeMap<String, Option<i64>>,
}

impl App {
    pub fn new(mode: Mode, now: i64) -> App {
        App {
            mode,
            focus: Pane::Profiles,
            left: Pane::Profiles,
            right: Pane::Flow,
            overlay: None,
            profiles: Vec::new(),
            selected_profile: 0,
            doc: None,
            base: RawProfile::default(),
            form: Form::from_raw(&RawProfile::default()),
            reveal: false,
            flow: FlowView::default(),
            tokens: TokenView::default(),
            message: None,
            now,
            size: (80, 24),
            pending: None,
            session: None,
            calls: Vec::new(),
            calling: None,
            theme: Theme::from_env(),
            quit: false,
            cached_tokens: std::collections::BTreeMap::new(),
        }
    }

    /// Opens a profile document in the form. `base` is what counts as unmodified: the file's
    /// values, or for a profile not yet on disk (the demo's) the values it starts with.
    pub fn load(&mut self, doc: ProfileDocument, base: RawProfile) {
        self.base = base;
        self.form = Form::from_raw(&self.base);
        self.doc = Some(doc);
        self.set_focus(Pane::Form);
    }

    /// The form's profile as it would be saved.
    pub fn edited(&self) -> RawProfile {
        self.form.to_raw(&self.base)
    }

    /// Where the form's profile comes from, for the `cmd:` trust gate: the open file's bytes
    /// as read, unless the secret in the form was typed here (then it is the user's own), or
    /// the profile is not on disk yet (the demo's, a new one).
    pub fn provenance(&self) -> Provenance {
        let Some(doc) = &self.doc else {
            return Provenance::User;
        };
        match doc.sha256() {
            Some(sha256) if self.edited().client_secret == doc.raw().client_secret => {
                Provenance::File {
                    path: doc.path().to_owned(),
                    sha256: Some(sha256),
                }
            }
            _ => Provenance::User,
        }
    }

    pub fn modified(&self) -> bool {
        self.doc.is_some() && self.edited() != self.base
    }

    pub fn profile_title(&self) -> String {
        match &self.doc {
            None => "no profile open".to_owned(),
            Some(doc) => {
                let stem = doc
                    .path()
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                self.base
                    .name
                    .clone()
                    .filter(|n| !n.is_empty())
                    .unwrap_or(stem)
            }
        }
    }

    pub fn flow_running(&self) -> bool {
        matches!(self.flow.status, FlowStatus::Running { .. })
    }

    pub fn ctx(&self) -> Ctx {
        Ctx {
            focus: self.focus,
            overlay: self.overlay.as_ref().map(Overlay::kind),
            field: (self.focus == Pane::Form).then(|| self.form.selected_spec().kind),
            flow_running: self.flow_running(),
            paste_mode: self.flow.paste_mode,
            profile_open: self.doc.is_some(),
            modified: self.modified(),
            profiles: !self.profiles.is_empty(),
            auth_url: self.flow.auth_url.is_some(),
            tokens: self.tokens.report.is_some(),
            session: self.session.is_some(),
            refresh: self.session.as_ref().is_some_and(|s| {
                let refresh = crate::oauth::introspection::TokenKind::Refresh;
                s.tokens.token(refresh).is_some()
            }),
        }
    }

    pub fn set_focus(&mut self, pane: Pane) {
        self.focus = pane;
        match pane {
            Pane::Profiles | Pane::Form => self.left = pane,
            Pane::Flow | Pane::Tokens => self.right = pane,
        }
    }

    /// Sets the status line; it fades after [`Level::linger`] seconds or at the next action.
    pub fn status(&mut self, level: Level, text: impl Into<String>) {
        self.message = Some(Message {
            level,
            text: text.into(),
            at: self.now,
        });
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.status(Level::Info, text);
    }

    pub fn success(&mut self, text: impl Into<String>) {
        self.status(Level::Success, text);
    }

    pub fn warn(&mut self, text: impl Into<String>) {
        self.status(Level::Warn, text);
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.status(Level::Error, text);
    }

    /// Clears a status line that has been shown long enough (called on every tick).
    pub fn fade_status(&mut self) {
        if self
            .message
            .as_ref()
            .is_some_and(|m| self.now.saturating_sub(m.at) >= m.level.linger())
        {
            self.message = None;
        }
    }

    /// The focused form field's kind (for views).
    pub fn field_kind(&self) -> Kind {
        self.form.selected_spec().kind
    }
}
