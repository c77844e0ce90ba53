//! Diagnosing redirect URIs: local checks of the callback URL, a pre-flight probe of the
//! authorization endpoint, near variants, and the analysis of near-miss callbacks.
//!
//! Pure logic (HTML/JSON message extraction, classification, variants, near misses) lives
//! in its own files with no I/O; `probe`, `variant_probe` and `port` do the talking. Used by `cli` (the
//! `doctor` command), by `flow` (the background probe of a run) and by the TUI.

pub mod classify;
pub mod hints;
pub mod html;
pub mod https_required;
pub mod known_answers;
pub mod local;
pub mod near_miss;
pub mod page;
pub mod port;
pub mod probe;
// Moved to `net` with the port-owner lookup; the old path stays.
pub use crate::net::procnet;
pub mod render;
pub mod report;
pub mod sign_in_first;
pub mod signatures;
pub mod text;
pub mod variant_findings;
mod variant_probe;
pub mod variants;
mod verdict;

use std::time::Duration;

use crate::net::http::HttpLimits;
use crate::oauth::types::RedirectUri;
use crate::profile::Profile;

pub use near_miss::{analyse as analyse_near_miss, NearMiss, NearMissKind};
pub use render::{render, render_lines};
pub use report::{DoctorReport, Finding, Severity, Verdict};

use probe::{probe, ProbeOptions};
use variant_probe::{free_port, probe_variants};
use verdict::verdict_finding;

/// How much the doctor may do.
#[derive(Debug, Clone, Copy)]
pub struct DoctorOptions {
    /// Also probe near variants of the redirect URI (`--variants`).
    pub variants: bool,
    /// At most this many variant probes (the bound: a dozen).
    pub max_variants: usize,
    /// Redirects followed within the IdP's origin.
    pub max_hops: usize,
    /// Try to bind the callback port (off when a run already listens there).
    pub check_port: bool,
    pub http: HttpLimits,
}

impl Default for DoctorOptions {
    fn default() -> Self {
        DoctorOptions {
            variants: false,
            max_variants: 12,
            max_hops: 10,
            check_port: true,
            http: HttpLimits {
                timeout: Duration::from_secs(10),
                ..HttpLimits::default()
            },
        }
    }
}

/// The whole diagnosis of a profile: local checks, the probe, and (when asked) variants.
/// Never fails: problems become findings, an unreachable IdP sets `unreachable`.
pub async fn diagnose(profile: &Profile, opts: DoctorOptions) -> DoctorReport {
    let configured = &profile.callback_url;
    let loopback = configured.is_loopback();
    // Port 0 means "any free port" to a run; probe with a concrete one, as a run would send.
    let sent = if loopback && configured.port() == 0 {
        configured.with_port(free_port(configured, None))
    } else {
        configured.clone()
    };
    let port =
        (opts.check_port && loopback && configured.port() != 0).then(|| port::check(configured));
    let mut findings = local::callback_checks(configured, &sent, port.as_ref());
    findings.extend(local::quirk_findings(profile));
    let mut report = check_redirect(profile, &sent, &opts).await;
    findings.append(&mut report.findings);
    report.findings = findings;
    if opts.variants && report.verdict == Verdict::Error {
        // Every variant would fail for the same reason before the redirect URI is looked at.
        report.findings.push(Finding::info(
            "variants.skipped",
            "variants not probed: the authorization request fails for another reason than the redirect URI, so every variant would too",
            report.headline(),
        ));
    } else if opts.variants && report.unreachable.is_none() {
        probe_variants(profile, &sent, &opts, &mut report).await;
    }
    report
}

/// Only the probe of one redirect URI: what a run does in the background while it waits,
/// and what the TUI's "Check redirect" needs.
pub async fn check_redirect(
    profile: &Profile,
    redirect_uri: &RedirectUri,
    opts: &DoctorOptions,
) -> DoctorReport {
    let options = ProbeOptions {
        http: opts.http,
        max_hops: opts.max_hops,
    };
    let result = probe(profile, redirect_uri, &options).await;
    let finding = verdict_finding(profile, redirect_uri, &result);
    let c = result.classification;
    DoctorReport {
        profile: profile.name.clone(),
        client_id: profile.client_id.as_str().to_owned(),
        redirect_uri: redirect_uri.as_str().to_owned(),
        verdict: c.verdict,
        idp_message: c.idp_message,
        oauth_error: c.oauth_error,
        findings: vec![finding],
        accepted_variants: Vec::new(),
        port_may_vary: None,
        probe: Some(result.trace),
        unreachable: result.unreachable,
    }
}
