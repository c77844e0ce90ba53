//! A profile file outside the config dir wants to run its `cmd:` helper: the run or call
//! stopped before anything ran, and the user is asked once, with the exact command and the
//! file. Yes records trust for the bytes the command was read from and does it again.

use crate::flow::grants::{GrantError, GrantReport, Operation};
use crate::flow::{FlowError, FlowReport};
use crate::oauth::text::sanitize;
use crate::profile::SecretError;

use super::super::app::{App, FlowStatus, Level, Overlay};
use super::super::event::{Call, Effect, Retry};

impl App {
    /// When the run stopped at an untrusted command: asks, and returns true.
    pub(super) fn ask_trust_for_run(&mut self, report: &FlowReport) -> bool {
        let Some(FlowError::Secret(e)) = &report.error else {
            return false;
        };
        if !self.flow_running() || !self.ask_trust(e, Retry::Run) {
            return false;
        }
        self.flow.status = FlowStatus::Cancelled;
        self.flow.paste_mode = false;
        self.step(
            Level::Warn,
            "stopped before the client secret's command ran: the profile's file is not trusted",
        );
        true
    }

    /// When a follow-up call stopped at an untrusted command: asks, and returns true.
    pub(super) fn ask_trust_for_call(&mut self, report: &GrantReport) -> bool {
        let Some(GrantError::Secret(e)) = &report.error else {
            return false;
        };
        let call = match report.operation {
            Operation::Refresh => Call::Refresh,
            Operation::Userinfo => Call::Userinfo,
            Operation::Introspect => Call::Introspect,
            Operation::Revoke => Call::Revoke,
        };
        if !self.ask_trust(e, Retry::Call(call)) {
            return false;
        }
        self.calling = None;
        true
    }

    fn ask_trust(&mut self, e: &SecretError, then: Retry) -> bool {
        let SecretError::Untrusted {
            file,
            sha256,
            command,
            ..
        } = e
        else {
            return false;
        };
        self.overlay = Some(Overlay::Trust {
            file: file.clone(),
            sha256: sha256.clone(),
            command: command.clone(),
            then,
        });
        self.message = None;
        true
    }

    /// Yes: record trust for the bytes the command was read from.
    pub(super) fn trust_file(&mut self) -> Vec<Effect> {
        let Some(Overlay::Trust {
            file,
            sha256,
            command,
            then,
        }) = self.overlay.take()
        else {
            return Vec::new();
        };
        match sha256 {
            Some(sha256) => vec![Effect::Trust {
                file,
                sha256,
                commands: vec![command],
                then,
            }],
            None => {
                self.error(format!(
                    "{} cannot be trusted from here: reopen it, or run `{}`",
                    sanitize(&file.display().to_string()),
                    crate::profile::trust::trust_command(&file)
                ));
                Vec::new()
            }
        }
    }

    /// No: nothing runs.
    pub(super) fn decline_trust(&mut self) {
        if let Some(Overlay::Trust { file, .. }) = self.overlay.take() {
            self.warn(format!(
                "not trusted: the command of {} did not run",
                sanitize(&file.display().to_string())
            ));
        }
    }

    pub(super) fn on_trusted(&mut self, result: Result<Retry, String>) -> Vec<Effect> {
        match result {
            Ok(Retry::Run) => self.run(),
            Ok(Retry::Call(call)) => self.call(call),
            Err(e) => {
                self.error(format!("not trusted: {}", sanitize(&e)));
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::profile::document::ProfileDocument;
    use crate::profile::{Provenance, RawProfile};
    use crate::tui::app::Mode;
    use crate::tui::event::{AppEvent, Event};

    fn key(c: char) -> Event {
        Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    fn refused() -> FlowReport {
        FlowReport {
            error: Some(FlowError::Secret(SecretError::Untrusted {
                file: "profiles/work.toml".into(),
                sha256: Some("ab".into()),
                command: "pass show w".into(),
                key: "client_secret",
            })),
            ..FlowReport::default()
        }
    }

    fn running_app() -> App {
        let mut app = App::new(Mode::Normal, 0);
        let raw = RawProfile {
            auth_url: Some("https://idp.example/a".into()),
            token_url: Some("https://idp.example/t".into()),
            client_id: Some("c".into()),
            ..crate::tui::update::new_profile_template()
        };
        app.load(ProfileDocument::new_file("p.toml".as_ref()), raw);
        let effects = app.on_action(crate::tui::keymap::Action::Run);
        assert!(matches!(effects[..], [Effect::StartFlow { .. }]));
        app
    }

    #[test]
    fn an_untrusted_run_asks_and_yes_records_trust_then_runs_again() {
        let mut app = running_app();
        let effects = app.update(
            Event::App(Box::new(AppEvent::FlowFinished(Box::new(refused()), None))),
            1,
        );
        assert!(effects.is_empty());
        assert!(matches!(app.overlay, Some(Overlay::Trust { .. })));
        assert_eq!(app.flow.status, FlowStatus::Cancelled);
        // Other keys do nothing while it asks.
        assert!(app
            .update(
                Event::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL)),
                1
            )
            .is_empty());
        let effects = app.update(key('y'), 1);
        let [Effect::Trust {
            file,
            sha256,
            commands,
            then,
        }] = &effects[..]
        else {
            panic!("{effects:?}")
        };
        assert_eq!(file, std::path::Path::new("profiles/work.toml"));
        assert_eq!(
            (sha256.as_str(), commands.as_slice()),
            ("ab", &["pass show w".to_owned()][..])
        );
        assert_eq!(*then, Retry::Run);
        assert!(app.overlay.is_none());
        let effects = app.update(Event::App(Box::new(AppEvent::Trusted(Ok(Retry::Run)))), 2);
        assert!(
            matches!(effects[..], [Effect::StartFlow { .. }]),
            "{effects:?}"
        );
    }

    #[test]
    fn no_cancels_and_nothing_runs() {
        let mut app = running_app();
        app.update(
            Event::App(Box::new(AppEvent::FlowFinished(Box::new(refused()), None))),
            1,
        );
        assert!(app.update(key('n'), 1).is_empty());
        assert!(app.overlay.is_none());
        assert!(app.message.as_ref().unwrap().text.contains("did not run"));
    }

    #[test]
    fn the_form_is_the_files_content_until_the_secret_is_typed_here() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.toml");
        std::fs::write(&path, "client_secret = \"cmd:a\"\n").unwrap();
        let doc = ProfileDocument::open(&path).unwrap();
        let mut app = App::new(Mode::Normal, 0);
        let raw = doc.raw().clone();
        app.load(doc, raw);
        assert_eq!(
            app.provenance(),
            Provenance::file(&path, b"client_secret = \"cmd:a\"\n")
        );
        app.form
            .set_value(crate::tui::form::FieldId::Scope, "openid");
        assert!(matches!(app.provenance(), Provenance::File { .. }));
        app.form
            .set_value(crate::tui::form::FieldId::ClientSecret, "cmd:b");
        assert_eq!(app.provenance(), Provenance::User);
        let mut fresh = App::new(Mode::Normal, 0);
        fresh.load(ProfileDocument::new_file(&path), RawProfile::default());
        assert_eq!(fresh.provenance(), Provenance::User);
    }
}
