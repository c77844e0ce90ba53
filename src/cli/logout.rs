//! `logout`: RP-Initiated Logout at the issuer, revocation of the refresh token, and the
//! profile's cached tokens deleted; each step printed, or one JSON document.

use std::time::Duration;

use clap::Args;
use tokio::sync::mpsc;

use crate::cache::TokenCache;
use crate::flow::logout::{logout as run_logout, LogoutIo, LogoutOptions, LogoutReport};
use crate::flow::{resolve_file, system_now, FlowError, FlowEvent};
use crate::net::http::{HttpClient, HttpLimits};
use crate::oauth::random::OsEntropy;
use crate::oauth::text::sanitize;

use super::output::print_event;
use super::term::{errln, Term};

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// A profile name (looked up in ./profiles/, then the config dir) or a path to a TOML file.
    #[arg(long)]
    profile: String,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
    /// Seconds to wait for the IdP to send the browser back.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,
    /// Do not open a browser; print the end-session URL to stderr.
    #[arg(long)]
    no_browser: bool,
}

pub async fn logout(args: LogoutArgs) -> i32 {
    let resolved = match load(&args.profile).await {
        Ok(r) => r,
        Err(e) => {
            let report = LogoutReport {
                profile: args.profile.clone(),
                error: Some(e),
                ..LogoutReport::default()
            };
            return finish(&report, args.json);
        }
    };
    let cache = match TokenCache::user() {
        Ok(c) => c,
        Err(e) => return super::fail(args.json, "cache", 1, &e.to_string()),
    };
    let browser = super::run::browser_mode(args.no_browser);
    let options = LogoutOptions {
        timeout: Duration::from_secs(args.timeout),
        browser,
        http: HttpLimits::default(),
    };
    let (tx, mut rx) = mpsc::unbounded_channel::<FlowEvent>();
    let printer = tokio::spawn(async move {
        let mut t = Term::std();
        while let Some(event) = rx.recv().await {
            match event {
                FlowEvent::AuthorizationUrl(url) => {
                    errln!(t, "• end-session URL:\n  {}", sanitize(&url))
                }
                FlowEvent::Listening { redirect_uri, .. } => errln!(
                    t,
                    "• waiting for the IdP to send the browser back to {}",
                    sanitize(&redirect_uri)
                ),
                other => print_event(&mut t, &other),
            }
        }
    });
    let env = |name: &str| std::env::var_os(name);
    let mut entropy = OsEntropy;
    let io = LogoutIo {
        entropy: &mut entropy,
        now: system_now,
        env: &env,
        events: tx,
        cache: Some(&cache),
        tokens: None,
    };
    let report = run_logout(&resolved, &options, io).await;
    let _ = printer.await;
    finish(&report, args.json)
}

async fn load(arg: &str) -> Result<crate::flow::Resolved, FlowError> {
    let path =
        super::trust::find_profile(arg).map_err(|e| FlowError::InvalidInput(e.to_string()))?;
    let http =
        HttpClient::new(HttpLimits::default()).map_err(|e| FlowError::Internal(e.to_string()))?;
    resolve_file(&path, &http).await
}

fn finish(report: &LogoutReport, json: bool) -> i32 {
    let mut t = Term::std();
    if json {
        t.json(&report.to_json());
        return report.exit_code();
    }
    for w in &report.warnings {
        errln!(t, "! {}", sanitize(w));
    }
    for step in &report.steps {
        let text = |k: &str| step[k].as_str().unwrap_or_default().to_owned();
        errln!(
            t,
            "• {}: {} — {}",
            sanitize(&text("step")),
            sanitize(&text("result")),
            sanitize(&text("detail"))
        );
    }
    if let Some(e) = &report.error {
        errln!(t, "error: {}", sanitize(&e.to_string()));
    } else {
        errln!(t, "logged out of {}", sanitize(&report.profile));
    }
    report.exit_code()
}
