//! The open profile's life: running it, checking its redirect, saving, leaving, and the
//! profile-list operations that ask for a name or a confirmation.

use crate::profile::load::validate;

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

    pub(super) fn save(&mut self, then: Then) -> Vec<Effect> {
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

    pub(super) fn run(&mut self) -> Vec<Effect> {
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
    pub(super) fn form_profile(&mut self, what: &str) -> Option<crate::profile::Profile> {
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

    pub(super) fn check_redirect(&mut self) -> Vec<Effect> {
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
}
