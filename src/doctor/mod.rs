//! Diagnosing redirect URIs: local checks of the callback URL, a pre-flight probe of the
//! authorization endpoint, near variants, and the analysis of near-miss callbacks.
//!
//! Pure logic (HTML/JSON message extraction, classification, variants, near misses) lives
//! in its own files with no I/O; `probe` and `port` do the talking. Used by `cli` (the
//! `doctor` command), by `flow` (the background probe of a run) and by the TUI.

pub mod classify;
pub mod hints;
pub mod html;
pub mod local;
pub mod near_miss;
pub mod port;
pub mod probe;
pub mod procnet;
pub mod render;
pub mod report;
pub mod signatures;
pub mod text;
pub mod variants;

use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::time::Duration;

use crate::net::http::HttpLimits;
use crate::oauth::types::RedirectUri;
use crate::profile::Profile;

pub use near_miss::{analyse as analyse_near_miss, NearMiss, NearMissKind};
pub use render::{render, render_lines};
pub use report::{DoctorReport, Finding, Severity, Verdict};

use probe::{probe, ProbeOptions, ProbeResult};
use signatures::Problem;
use variants::{variants, with_other_port, Variant, VariantResults};

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

/// Variant probes stop earlier: the answer is almost always at the first or second page.
const VARIANT_HOPS: usize = 4;

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

fn verdict_finding(profile: &Profile, uri: &RedirectUri, result: &ProbeResult) -> Finding {
    let c = &result.classification;
    let trace = &result.trace;
    let evidence = trace.evidence();
    let uri = uri.as_str();
    let client = profile.client_id.as_str();
    let where_ = trace
        .idp
        .map(|i| format!(" ({})", i.where_registered()))
        .unwrap_or_default();
    let said = c
        .idp_message
        .as_deref()
        .map(|m| format!(": “{m}”"))
        .unwrap_or_default();
    if let Some(e) = &result.unreachable {
        return Finding::error("probe.unreachable", format!("the authorization endpoint could not be reached: {e}"), evidence)
            .with_fix("check auth_url, the network and any proxy (HTTPS_PROXY), and the IdP's TLS certificate");
    }
    match c.verdict {
        Verdict::Accepted => {
            let mut f = Finding::info(
                "probe.verdict",
                format!(
                    "the IdP accepts redirect_uri {uri}: it {}",
                    c.reason.describe()
                ),
                evidence,
            );
            if let Some(e) = &c.oauth_error {
                f.message
                    .push_str(&format!(" ({e}: the request itself is valid)"));
            }
            f
        }
        Verdict::Rejected => {
            let fix = match &c.reason {
                classify::Reason::ResponseElsewhere { location } => format!(
                    "the IdP uses {location} for this client: set callback_url to it, or register {uri} for client {client:?}{where_}"
                ),
                _ => format!(
                    "register {uri} exactly (scheme, host, port, path, trailing slash) for client {client:?}{where_}, or set callback_url to a redirect URI already registered (`--variants` finds near ones)"
                ),
            };
            Finding::error(
                "probe.verdict",
                format!("the IdP rejects redirect_uri {uri}{said}"),
                evidence,
            )
            .with_fix(fix)
        }
        Verdict::Error => {
            let what = match &c.oauth_error {
                Some(e) => format!(": {e}"),
                None => said,
            };
            // At the authorization endpoint, invalid_client means an unknown client_id, not
            // bad credentials: the problem's own hint comes first.
            let hint = c
                .problem
                .and_then(problem_hint)
                .or_else(|| c.oauth_error.as_ref().and_then(hints::oauth_hint));
            let f = Finding::error(
                "probe.verdict",
                format!("the IdP refuses the authorization request for a reason other than the redirect URI{what}"),
                evidence,
            );
            match hint {
                Some(h) => f.with_fix(h),
                None => f,
            }
        }
        Verdict::Unknown => {
            let mut f = Finding::warning(
                "probe.verdict",
                format!("tokenbench cannot tell whether the IdP accepts redirect_uri {uri}: it {}{said}", c.reason.describe()),
                evidence,
            )
            .with_fix(format!("open the authorization URL in a browser and read what the IdP shows: {}", trace.authorization_url));
            if matches!(c.reason, classify::Reason::ForeignRedirect { .. }) {
                f.message.push_str(" — IdPs usually check the redirect URI before sending the browser on, so it was probably accepted");
            }
            f
        }
    }
}

fn problem_hint(problem: Problem) -> Option<&'static str> {
    match problem {
        Problem::Client => Some("the IdP does not know this client_id (or it is disabled): check client_id and the realm/tenant in auth_url"),
        Problem::Scope => Some("a requested scope is unknown or not allowed for this client: compare `scope` with the client's allowed scopes"),
        Problem::Pkce => Some("the IdP rejected the PKCE parameters: check code_challenge_method (most IdPs accept only S256)"),
        Problem::RedirectUri | Problem::Other => None,
    }
}

async fn probe_variants(
    profile: &Profile,
    sent: &RedirectUri,
    opts: &DoctorOptions,
    report: &mut DoctorReport,
) {
    let loopback = sent.is_loopback();
    let other_port = free_port(sent, Some(sent.port()));
    let accepted_already = report.verdict == Verdict::Accepted;
    // Keep one request for telling whether the port may vary at an accepted variant.
    let n = if accepted_already || !loopback {
        opts.max_variants
    } else {
        opts.max_variants.saturating_sub(1)
    };
    let list = variants(sent, other_port, n);
    let options = ProbeOptions {
        http: opts.http,
        max_hops: VARIANT_HOPS.min(opts.max_hops),
    };
    let verdicts =
        futures::future::join_all(list.iter().map(|v| verdict_of(profile, &v.uri, &options))).await;
    let tried: Vec<(Variant, Verdict)> = list.into_iter().zip(verdicts).collect();
    report.accepted_variants = tried
        .iter()
        .filter(|(_, v)| *v == Verdict::Accepted)
        .map(|(v, _)| v.uri.clone())
        .collect();

    let port_change = format!("port {other_port}");
    let port_test = if !loopback {
        None
    } else if accepted_already {
        tried
            .iter()
            .find(|(v, _)| v.change == port_change)
            .map(|(v, verdict)| (v.uri.clone(), *verdict == Verdict::Accepted))
    } else {
        let candidate = tried.iter().find(|(v, verdict)| {
            *verdict == Verdict::Accepted
                && v.change != port_change
                && !v.uri.starts_with("https://")
        });
        match candidate.and_then(|(v, _)| with_other_port(&v.uri, other_port)) {
            Some(uri) => {
                let accepted = verdict_of(profile, &uri, &options).await == Verdict::Accepted;
                Some((uri, accepted))
            }
            None => None,
        }
    };
    report.port_may_vary = port_test.as_ref().map(|(_, v)| *v);
    let results = VariantResults {
        configured: sent.as_str(),
        configured_verdict: report.verdict,
        client_id: profile.client_id.as_str(),
        idp: report.probe.as_ref().and_then(|p| p.idp),
        tried: &tried,
        port_test,
        ephemeral_port: profile.callback_url.port() == 0 && loopback,
        loopback,
    };
    report.findings.extend(variants::findings(&results));
}

async fn verdict_of(profile: &Profile, uri: &str, options: &ProbeOptions) -> Verdict {
    match RedirectUri::parse(uri) {
        Ok(u) => probe(profile, &u, options).await.classification.verdict,
        Err(_) => Verdict::Unknown,
    }
}

/// A port that was free a moment ago on the callback's address (not `avoid`).
fn free_port(uri: &RedirectUri, avoid: Option<u16>) -> u16 {
    let ip = uri
        .host()
        .and_then(|h| h.parse::<IpAddr>().ok())
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    for _ in 0..4 {
        let port = TcpListener::bind((ip, 0))
            .or_else(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))
            .and_then(|l| l.local_addr())
            .map(|a| a.port());
        match port {
            Ok(p) if Some(p) != avoid => return p,
            _ => {}
        }
    }
    // No socket could be bound at all: any other port still tells the IdP's rule apart.
    avoid.map_or(49152, |p| if p == 49152 { 49153 } else { 49152 })
}
