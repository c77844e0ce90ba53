//! The open profile's life: running it, checking its redirect, saving, leaving, and the
//! profile-list operations that ask for a name or a confirmation.

use std::path::PathBuf;

use crate::profile::{validate_all, RawProfile};

use super::super::app::{App, FlowStatus, FlowView, NamePurpose, Overlay, Then};
use super::super::event::{Effect, StoreOp};
use super::super::form::{field_for_key, Form};
use super::super::input::TextInput;
use super::super::keymap::Pane;
use super::FLOW_TIMEOUT_SECS;

impl App {
    pub(super) fn is_open(&self, path: &std::path::Path) -> bool {
        self.doc.as_ref().is_some_and(|d| d.path() == path)
    }

    pub(super) fn prompt(&mut self, purpose: NamePurpose, suggestion: &str) -> Vec<Effect> {
        self.overlay = Some(Overlay::NamePrompt {
            purpose,
            input: TextInput::new(suggestion),
        });
        Vec::new()
    }

    pub(super) fn confirm(&mut self) -> Vec<Effect> {
        match self.overlay.take() {
            Some(Overlay::ConfirmDelete { index }) => match self.profiles.get(index).cloned() {
                Some(entry) => vec![Effect::Store(StoreOp::Delete { entry })],
                None => Vec::new(),
            },
            Some(Overlay::NamePrompt {
                purpose: NamePurpose::Import,
                input,
            }) => super::import::confirm_path(self, input),
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
    pub(super) fn leave(&mut self, then: Then) -> Vec<Effect> {
        if self.modified() {
            self.overlay = Some(Overlay::Unsaved { then });
            return Vec::new();
        }
        self.after(then)
    }

    pub(super) fn after(&mut self, then: Then) -> Vec<Effect> {
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

    /// `s` in the unsaved-changes dialog saves and then does what the dialog interrupted
    /// (quit, open another profile); `Ctrl+S` anywhere else just saves.
    pub(super) fn save_key(&mut self) -> Vec<Effect> {
        let then = match self.overlay.take() {
            Some(Overlay::Unsaved { then }) => then,
            other => {
                self.overlay = other;
                Then::Stay
            }
        };
        self.save(then)
    }

    pub(super) fn save(&mut self, then: Then) -> Vec<Effect> {
        self.overlay = None;
        let Some(doc) = &self.doc else {
            self.error("nothing to save: open or create a profile first");
            return Vec::new();
        };
        if !self.modified() && doc.path().is_file() {
            self.info("no changes to save");
            return self.after(then);
        }
        self.pending = Some(then);
        vec![Effect::Save(Box::new(doc.clone()), Box::new(self.edited()))]
    }

    pub(super) fn run(&mut self) -> Vec<Effect> {
        let Some((raw, path)) = self.form_raw("run") else {
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
        let source = self.provenance();
        vec![Effect::StartFlow { raw, path, source }]
    }

    /// The profile in the form and its file, checked as a run checks it (endpoints may be
    /// left to discovery); on failure the form shows why.
    pub(super) fn form_raw(&mut self, what: &str) -> Option<(Box<RawProfile>, PathBuf)> {
        let Some(doc) = &self.doc else {
            self.error("open a profile first (Profiles: Enter), or create one (n)");
            return None;
        };
        let path = doc.path().to_owned();
        let raw = self.edited();
        if let Some(e) = validate_all(&path, &raw).into_iter().next() {
            if let Some(field) = e.key.as_deref().and_then(field_for_key) {
                self.form.selected = Form::index_of(field);
            }
            self.set_focus(Pane::Form);
            self.error(format!("cannot {what}: {}", e.reason));
            return None;
        }
        Some((Box::new(raw), path))
    }

    pub(super) fn check_redirect(&mut self) -> Vec<Effect> {
        if let Some(what) = self.flow.checking {
            self.info(format!("{what} is already under way"));
            return Vec::new();
        }
        let Some((raw, path)) = self.form_raw("check the redirect") else {
            return Vec::new();
        };
        self.flow.checking = Some("a redirect check");
        self.flow.panel = None;
        self.set_focus(Pane::Flow);
        self.info("checking the redirect URI with the IdP…");
        let sent = if self.flow_running() {
            self.flow.redirect_uri.clone()
        } else {
            None
        };
        vec![Effect::CheckRedirect { raw, path, sent }]
    }

    /// Whether a discovery or a check is already running (said on the status line): one at a
    /// time, as their results land in the same place.
    pub(super) fn check_under_way(&mut self) -> bool {
        let Some(what) = self.flow.checking else {
            return false;
        };
        self.info(format!("{what} is already under way"));
        true
    }

    /// The form's Issuer, trimmed.
    pub(super) fn form_issuer(&self) -> String {
        self.form
            .value(crate::tui::form::FieldId::Issuer)
            .trim()
            .to_owned()
    }

    /// Fetches the issuer's discovery document; the result fills empty endpoints.
    pub(super) fn discover(&mut self) -> Vec<Effect> {
        if self.check_under_way() {
            return Vec::new();
        }
        let issuer = self.form_issuer();
        if issuer.is_empty() {
            self.form.selected = Form::index_of(crate::tui::form::FieldId::Issuer);
            self.set_focus(Pane::Form);
            self.error(
                "set Issuer first: discovery reads {issuer}/.well-known/openid-configuration",
            );
            return Vec::new();
        }
        self.flow.checking = Some("discovery");
        self.info(format!("fetching the discovery document of {issuer}…"));
        vec![Effect::Discover(issuer)]
    }
}
