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
    FlowFinished(Box<FlowReport>),
    Profiles(Vec<ProfileEntry>),
    Opened(Result<ProfileDocument, String>),
    Saved(Result<ProfileDocument, String>),
    /// A store operation finished.
    Stored(Result<Stored, String>),
    Copied(String),
    /// A redirect check (doctor) finished.
    Diagnosis(Box<crate::doctor::DoctorReport>),
    /// An effect failed; the message says what and why.
    Failed(String),
}

/// What a finished store operation changed.
#[derive(Debug, Default)]
pub struct Stored {
    pub message: String,
    /// Open this profile next.
    pub open: Option<PathBuf>,
    /// This file is gone (deleted, or renamed away).
    pub removed: Option<PathBuf>,
}

/// What `update` asks the runner to do.
#[derive(Debug)]
pub enum Effect {
    StartFlow(Box<crate::profile::Profile>),
    CancelFlow,
    SubmitPaste(String),
    /// Probe the IdP about the redirect URI; with the URI a running flow sent, only that one.
    CheckRedirect(Box<crate::profile::Profile>, Option<String>),
    ListProfiles,
    Open(PathBuf),
    Save(Box<ProfileDocument>, Box<crate::profile::RawProfile>),
    Store(StoreOp),
    Copy {
        what: String,
        text: String,
    },
    Quit,
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
}
