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
