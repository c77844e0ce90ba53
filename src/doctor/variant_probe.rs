//! Probing near variants of the redirect URI (at most `max_variants` authorization
//! requests, plus one to tell whether the port may vary).

use std::net::{IpAddr, Ipv4Addr, TcpListener};

use crate::oauth::types::RedirectUri;
use crate::profile::Profile;

use super::probe::{probe, ProbeOptions};
use super::report::{DoctorReport, Verdict};
use super::variant_findings::{findings, VariantResults};
use super::variants::{variants, with_other_port, Variant};
use super::DoctorOptions;

/// Variant probes stop earlier: the answer is almost always at the first or second page.
const VARIANT_HOPS: usize = 4;

pub(super) async fn probe_variants(
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
    report.findings.extend(findings(&results));
}

async fn verdict_of(profile: &Profile, uri: &str, options: &ProbeOptions) -> Verdict {
    match RedirectUri::parse(uri) {
        Ok(u) => probe(profile, &u, options).await.classification.verdict,
        Err(_) => Verdict::Unknown,
    }
}

/// A port that was free a moment ago on the callback's address (not `avoid`).
pub(super) fn free_port(uri: &RedirectUri, avoid: Option<u16>) -> u16 {
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
