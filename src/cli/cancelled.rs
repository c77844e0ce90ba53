//! What a run had done when Ctrl+C stopped it. The flow's own report is dropped with the
//! cancelled flow, so the CLI rebuilds the part that matters from the events it printed.

use serde_json::{json, Value};

use crate::flow::error::error_json;
use crate::flow::report::pairs_json;
use crate::flow::{FlowEvent, FlowReport, Resolved};
use crate::net::callback_server::RequestKind;

/// The exit code of a run stopped by Ctrl+C (128 + SIGINT, as shells report it).
pub const CANCELLED_EXIT: i32 = 130;

/// The events of a run so far, as report fields.
#[derive(Debug, Default)]
pub struct SoFar {
    authorization_request: Option<Value>,
    stray_requests: Vec<Value>,
    invalid_callbacks: usize,
    near_misses: Vec<Value>,
    diagnosis: Option<Value>,
    warnings: Vec<String>,
}

impl SoFar {
    pub fn record(&mut self, event: &FlowEvent) {
        match event {
            FlowEvent::AuthorizationUrl(url) => {
                let params: Vec<(String, String)> = url::Url::parse(url)
                    .map(|u| u.query_pairs().into_owned().collect())
                    .unwrap_or_default();
                self.authorization_request =
                    Some(json!({ "url": url, "params": pairs_json(&params) }));
            }
            FlowEvent::Stray(record) => {
                if record.kind == RequestKind::ForgedCallback {
                    self.invalid_callbacks += 1;
                }
                self.stray_requests
                    .push(serde_json::to_value(record).unwrap_or(Value::Null));
            }
            FlowEvent::NearMiss(near) => self
                .near_misses
                .push(serde_json::to_value(near).unwrap_or(Value::Null)),
            FlowEvent::Diagnosis(report) => self.diagnosis = Some(report.to_json()),
            FlowEvent::Warning(w) => self.warnings.push(w.clone()),
            _ => {}
        }
    }

    /// The report of the cancelled run: what resolving found and what the events said.
    pub fn report(self, resolved: &Resolved) -> FlowReport {
        // As `flow::resolve::metadata_for_run` records them, before any event.
        let mut warnings = resolved.warnings.clone();
        warnings.extend(
            resolved
                .lint
                .iter()
                .filter(|l| l.is_warning())
                .map(|l| format!("lint {}: {l}", l.check)),
        );
        warnings.extend(self.warnings);
        FlowReport {
            profile: resolved.profile.name.clone(),
            authorization_request: self.authorization_request,
            stray_total: self.stray_requests.len(),
            stray_requests: self.stray_requests,
            invalid_callbacks: self.invalid_callbacks,
            near_misses: self.near_misses,
            diagnosis: self.diagnosis,
            warnings,
            metadata: resolved.metadata.clone(),
            discovered: resolved.discovered.clone(),
            lint: resolved.lint.clone(),
            ..FlowReport::default()
        }
    }
}

/// The report's JSON document with `error.kind = "cancelled"`.
pub fn cancelled_json(report: &FlowReport) -> Value {
    let mut doc = report.to_json();
    doc["error"] = error_json(
        "cancelled",
        "cancelled (Ctrl+C) before the run finished",
        CANCELLED_EXIT,
        None,
    );
    doc
}
