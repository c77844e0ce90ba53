//! The security-profile lint in the Flow pane: its pass/fail list as the pane's panel.

use crate::oauth::id_token::CheckResult;
use crate::oauth::security_profile::SecurityProfileReport;
use crate::oauth::text::sanitize;

use super::super::app::{App, Level};

impl App {
    /// Shows the lint's checklist in the Flow pane, with its summary as a step.
    pub(super) fn show_security_profile(&mut self, lint: &SecurityProfileReport) {
        let level = if lint.failed().next().is_some() {
            Level::Warn
        } else {
            Level::Success
        };
        let summary = sanitize(&lint.summary());
        self.step(level, summary.clone());
        // Also on the status line: the step may be below the fold under the list.
        if level == Level::Warn {
            self.warn(summary);
        } else {
            self.success(summary);
        }
        self.flow.panel = Some((
            format!("{} checks", lint.profile.title()),
            checklist_lines(lint),
        ));
    }
}

/// One line per check: `✓ pkce  S256, …`, `✗ par  …`, `– tls  …`.
pub fn checklist_lines(lint: &SecurityProfileReport) -> Vec<String> {
    lint.checks
        .iter()
        .map(|c| {
            let mark = match c.result {
                CheckResult::Pass => "✓",
                CheckResult::Fail => "✗",
                CheckResult::Skipped => "–",
            };
            format!("{mark} {:<22} {}", sanitize(&c.check), sanitize(&c.detail))
        })
        .collect()
}

/// What `flow.checking` says while the discovery for a lint is under way.
pub(super) const LINT_CHECKING: &str = "the security-profile check";

impl App {
    /// Lints the form's current values without a run: discovery first when there is an
    /// issuer (the checks read the IdP's metadata), then the checklist.
    pub(super) fn lint_form(&mut self) -> Vec<crate::tui::event::Effect> {
        if self.check_under_way() {
            return Vec::new();
        }
        let issuer = self.form_issuer();
        if issuer.is_empty() {
            self.lint_with(None);
            return Vec::new();
        }
        self.flow.checking = Some(LINT_CHECKING);
        self.info(format!(
            "fetching the discovery document of {} for the security-profile check…",
            sanitize(&issuer)
        ));
        vec![crate::tui::event::Effect::Discover(issuer)]
    }

    /// The checklist for the form's values and `metadata`; the form's profile, or FAPI 2.0
    /// when it names none (the one there is).
    pub(super) fn lint_with(&mut self, metadata: Option<&crate::oauth::metadata::Metadata>) {
        use crate::oauth::security_profile::SecurityProfile;
        use crate::profile::load::{file_stem, validate};
        let raw = self.edited();
        let path = self
            .doc
            .as_ref()
            .map(|d| d.path().to_owned())
            .unwrap_or_default();
        match validate(&path, &file_stem(&path), &raw) {
            Ok(mut profile) => {
                profile.security_profile =
                    Some(profile.security_profile.unwrap_or(SecurityProfile::Fapi2));
                if let Some(lint) = crate::flow::security_profile::lint(&profile, metadata) {
                    self.show_security_profile(&lint);
                }
            }
            Err(e) => self.error(format!(
                "the security-profile check needs a valid profile: {}",
                sanitize(&e.to_string())
            )),
        }
    }
}
