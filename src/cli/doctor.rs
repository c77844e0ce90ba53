//! `doctor`: why a profile's redirect URI would fail, before (or instead of) a run.

use clap::Args;

use crate::doctor::{diagnose, render, DoctorOptions};
use crate::oauth::text::sanitize;

use super::term::{errln, Term};

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// A profile name (looked up in ./profiles/, then the config dir) or a path to a TOML file.
    #[arg(long)]
    profile: String,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
    /// Also probe near variants of the redirect URI (at most 12 authorization requests).
    #[arg(long)]
    variants: bool,
}

/// Exit codes: 0 accepted (or nothing wrong found), 2 invalid profile, 3 rejected or another
/// OAuth error, 6 the IdP could not be reached.
pub async fn doctor(args: DoctorArgs) -> i32 {
    let path = match super::trust::find_profile(&args.profile) {
        Ok(p) => p,
        Err(e) => return super::fail(args.json, "invalid_input", 2, &e.to_string()),
    };
    let resolved = match super::run::resolve_profile(&path, args.json).await {
        Ok(r) => r,
        Err(code) => return code,
    };
    let mut t = Term::std();
    if !args.json {
        for w in &resolved.warnings {
            errln!(t, "! {}", sanitize(w));
        }
        for l in resolved.lint.iter().filter(|l| l.is_warning()) {
            errln!(t, "! lint {}: {}", l.check, sanitize(&l.to_string()));
        }
    }
    let profile = resolved.profile;
    let options = DoctorOptions {
        variants: args.variants,
        ..DoctorOptions::default()
    };
    let report = tokio::select! {
        // Ctrl+C's handler is installed on its first poll: before the probe starts.
        biased;
        _ = tokio::signal::ctrl_c() => {
            errln!(t, "cancelled");
            return 130;
        }
        r = diagnose(&profile, options) => r,
    };
    if args.json {
        t.json(&report.to_json());
    } else {
        t.out(&render(&report, true));
    }
    report.exit_code()
}
