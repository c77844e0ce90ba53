//! The doctor's result: a verdict, the IdP's own message, findings with evidence and fixes,
//! and the redirect URI variants the IdP accepts.

use serde::Serialize;
use serde_json::{json, Value};

use crate::oauth::error::OAuthError;
use crate::oauth::text::sanitize;

use super::probe::ProbeTrace;

/// What the IdP made of the redirect URI (fixed JSON values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// It leads to a sign-in/consent page or back to the callback.
    Accepted,
    /// An error about the redirect URI.
    Rejected,
    /// Another OAuth error (client, scope, PKCE…).
    Error,
    /// Could not be told (or the IdP could not be reached).
    Unknown,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Accepted => "accepted",
            Verdict::Rejected => "rejected",
            Verdict::Error => "error",
            Verdict::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One thing the doctor checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// A stable id, e.g. `callback.port` or `probe.verdict`.
    pub check: String,
    pub message: String,
    /// What was sent and what came back, or what was looked at.
    pub evidence: String,
    /// The concrete change that fixes it, when there is one.
    pub fix: Option<String>,
}

impl Finding {
    pub fn new(
        severity: Severity,
        check: &str,
        message: impl Into<String>,
        evidence: impl Into<String>,
    ) -> Self {
        Finding {
            severity,
            check: check.to_owned(),
            message: message.into(),
            evidence: evidence.into(),
            fix: None,
        }
    }

    pub fn info(check: &str, message: impl Into<String>, evidence: impl Into<String>) -> Self {
        Self::new(Severity::Info, check, message, evidence)
    }

    pub fn warning(check: &str, message: impl Into<String>, evidence: impl Into<String>) -> Self {
        Self::new(Severity::Warning, check, message, evidence)
    }

    pub fn error(check: &str, message: impl Into<String>, evidence: impl Into<String>) -> Self {
        Self::new(Severity::Error, check, message, evidence)
    }

    pub fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
}

/// Everything `doctor` found for one profile.
#[derive(Debug, Clone)]
pub struct DoctorReport {
    pub profile: String,
    pub client_id: String,
    /// The redirect URI probed (port 0 replaced by the port tried).
    pub redirect_uri: String,
    pub verdict: Verdict,
    /// The IdP's own words, when it said something.
    pub idp_message: Option<String>,
    pub oauth_error: Option<OAuthError>,
    pub findings: Vec<Finding>,
    /// Variants of the redirect URI the IdP accepts (with `--variants`).
    pub accepted_variants: Vec<String>,
    /// Whether the IdP lets a loopback redirect URI's port vary (RFC 8252 §7.3), when told.
    pub port_may_vary: Option<bool>,
    /// The requests the probe made.
    pub probe: Option<ProbeTrace>,
    /// Why the IdP could not be reached, when it could not.
    pub unreachable: Option<String>,
}

impl DoctorReport {
    /// Exit code of `tokenbench doctor`: 0 accepted (or nothing wrong found), 3 rejected or
    /// another OAuth error, 6 the IdP could not be reached.
    pub fn exit_code(&self) -> i32 {
        if self.unreachable.is_some() {
            return 6;
        }
        match self.verdict {
            Verdict::Rejected | Verdict::Error => 3,
            Verdict::Accepted | Verdict::Unknown => 0,
        }
    }

    /// The one-line verdict.
    pub fn headline(&self) -> String {
        let uri = &self.redirect_uri;
        let did = self
            .probe
            .as_ref()
            .map(|p| p.reason.describe())
            .unwrap_or_default();
        let said = |fallback: &str| {
            self.idp_message
                .as_deref()
                .map(|m| format!(": “{m}”"))
                .unwrap_or_else(|| fallback.to_owned())
        };
        let line = match (self.verdict, &self.unreachable) {
            (_, Some(e)) => format!("unknown — the IdP could not be reached: {e}"),
            (Verdict::Accepted, None) => {
                format!("accepted — the IdP accepts redirect_uri {uri} (it {did})")
            }
            (Verdict::Rejected, None) => {
                format!("rejected — the IdP refuses redirect_uri {uri}{}", said(""))
            }
            (Verdict::Error, None) => {
                let what = match &self.oauth_error {
                    Some(e) => format!(": {e}"),
                    None => said(""),
                };
                format!("error — the IdP refuses the authorization request{what}")
            }
            (Verdict::Unknown, None) => format!(
                "unknown — the IdP {did}; tokenbench cannot tell whether it accepts redirect_uri {uri}{}",
                said("")
            ),
        };
        sanitize(&line)
    }

    /// The likely reason no callback arrived, for a run that timed out; None when the probe
    /// could not tell.
    pub fn likely_cause(&self) -> Option<String> {
        let uri = &self.redirect_uri;
        let quoted = self
            .idp_message
            .as_deref()
            .map(|m| format!(" (“{m}”)"))
            .unwrap_or_default();
        let cause = match (self.verdict, &self.unreachable) {
            (_, Some(e)) => format!("the IdP could not be reached from here: {e}"),
            (Verdict::Rejected, None) => format!(
                "the IdP rejects redirect_uri {uri}{quoted}, so it shows an error in the browser instead of redirecting; `tokenbench doctor --variants` on this profile finds the near variants it accepts"
            ),
            (Verdict::Error, None) => match &self.oauth_error {
                Some(e) => format!("the IdP answers the authorization request with an error: {e}"),
                None => format!("the IdP answers the authorization request with an error{quoted}"),
            },
            (Verdict::Accepted, None) if self.redirects_straight_back() => format!(
                "the IdP accepts redirect_uri {uri} and redirects straight back to it, so the browser never reached the callback server (was the URL opened, on this machine?)"
            ),
            (Verdict::Accepted, None) => format!(
                "the IdP accepts redirect_uri {uri} (it {}), so the sign-in was probably not completed in the browser (or the browser is on another machine)",
                self.probe.as_ref().map(|p| p.reason.describe()).unwrap_or_default()
            ),
            (Verdict::Unknown, None) => return None,
        };
        Some(sanitize(&cause))
    }

    fn redirects_straight_back(&self) -> bool {
        use super::classify::Reason;
        self.probe.as_ref().is_some_and(|p| {
            matches!(
                p.reason,
                Reason::CallbackCode | Reason::CallbackError | Reason::CallbackEmpty
            )
        })
    }

    /// The `--json` document.
    pub fn to_json(&self) -> Value {
        json!({
            "verdict": self.verdict,
            "idp_message": self.idp_message,
            "findings": self.findings,
            "accepted_variants": self.accepted_variants,
            "profile": self.profile,
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "headline": self.headline(),
            "oauth_error": self.oauth_error,
            "port_may_vary": self.port_may_vary,
            "unreachable": self.unreachable,
            "probe": self.probe,
            "exit_code": self.exit_code(),
        })
    }
}
