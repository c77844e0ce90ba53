//! One queue of events: terminal input, ticks, and results of background work.

use std::path::PathBuf;

use crossterm::event::{KeyEvent, MouseEvent};

use crate::flow::{FlowEvent, FlowReport};
use crate::profile::catalog::ProfileEntry;
use crate::profile::document::ProfileDocument;

#[derive(Debug)]
pub enum Event {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(String),
    Resize(u16, u16),
    Tick,
    App(Box<AppEvent>),
}

/// Results of effects, sent back by the runner.
#[derive(Debug)]
pub enum AppEvent {
    Flow(FlowEvent),
    /// The run's record, and what a successful run leaves for follow-up calls.
    FlowFinished(Box<FlowReport>, Option<Box<crate::tui::app::Session>>),
    /// A follow-up call (refresh, userinfo, introspection, revocation) finished.
    Called(Box<crate::flow::grants::GrantReport>),
    Profiles(Vec<ProfileEntry>),
    Opened(Result<ProfileDocument, String>),
    Saved(Result<ProfileDocument, String>),
    /// A store operation finished.
    Stored(Result<Stored, String>),
    Copied(String),
    /// A redirect check (doctor) finished.
    Diagnosis(Box<crate::doctor::DoctorReport>),
    /// A redirect check could not start (the profile did not resolve).
    CheckFailed(String),
    /// Trust was recorded for a file (then do what asked for it again), or could not be.
    Trusted(Result<Retry, String>),
    /// Discovery finished.
    Discovered(Result<Box<crate::oauth::metadata::Metadata>, String>),
    /// An effect failed; the message says what and why.
    Failed(String),
    /// A logout finished.
    LoggedOut(Box<crate::flow::logout::LogoutReport>),
}

/// What a finished store operation changed.
#[derive(Debug, Default)]
pub struct Stored {
    pub message: String,
    /// Open this profile next.
    pub open: Option<PathBuf>,
    /// This file is gone (deleted, or renamed away).
    pub removed: Option<PathBuf>,
    /// An import's report, to show.
    pub report: Option<String>,
}

/// What `update` asks the runner to do.
#[derive(Debug)]
pub enum Effect {
    /// Resolve the profile (discovery when it has an issuer), then run it.
    StartFlow {
        raw: Box<crate::profile::RawProfile>,
        path: PathBuf,
        /// Where the form's values came from, for the `cmd:` trust gate.
        source: crate::profile::Provenance,
    },
    CancelFlow,
    SubmitPaste(String),
    /// Probe the IdP about the redirect URI; with the URI a running flow sent, only that one.
    CheckRedirect {
        raw: Box<crate::profile::RawProfile>,
        path: PathBuf,
        sent: Option<String>,
    },
    /// Fetch the issuer's discovery document.
    Discover(String),
    /// A follow-up call with the last run's tokens.
    Call(Call, Box<crate::tui::app::Session>),
    ListProfiles,
    Open(PathBuf),
    Save(Box<ProfileDocument>, Box<crate::profile::RawProfile>),
    Store(StoreOp),
    Copy {
        what: String,
        text: String,
    },
    /// Record that the user trusts this content of `file` (it may run `commands`), then
    /// report `Trusted(Ok(then))`.
    Trust {
        file: PathBuf,
        sha256: String,
        commands: Vec<String>,
        then: Retry,
    },
    Quit,
    /// Log out with the last run's tokens (RP-initiated logout, revoke, clear the cache).
    Logout(Box<crate::tui::app::Session>),
}

/// What asked to run a command the user was then asked to trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    Run,
    Call(Call),
}

/// Follow-up calls with the tokens of the last run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    Refresh,
    Userinfo,
    Introspect,
    Revoke,
}

impl Call {
    pub fn name(self) -> &'static str {
        match self {
            Call::Refresh => "refresh",
            Call::Userinfo => "userinfo",
            Call::Introspect => "introspection",
            Call::Revoke => "revocation",
        }
    }
}

#[derive(Debug)]
pub enum StoreOp {
    Create {
        name: String,
    },
    Duplicate {
        entry: ProfileEntry,
        name: String,
    },
    /// `reopen`: the renamed profile is the one open in the form.
    Rename {
        entry: ProfileEntry,
        name: String,
        reopen: bool,
    },
    Delete {
        entry: ProfileEntry,
    },
    /// Import a Postman, Insomnia or Bruno export into the save directory.
    Import {
        path: PathBuf,
    },
}
