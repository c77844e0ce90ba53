//! `lint`: a profile and its issuer's metadata checked against a security profile (the
//! profile's `profile` key, FAPI 2.0 when it names none), without signing in.

use clap::Args;

use crate::oauth::id_token::CheckResult;
use crate::oauth::security_profile::SecurityProfile;
use crate::oauth::text::sanitize;

use super::term::{outln, Term};

#[derive(Debug, Args)]
pub struct LintArgs {
    /// A profile name (looked up in ./profiles/, then the config dir) or a path to a TOML file.
    #[arg(long)]
    profile: String,
    /// Print `{"profile": "fapi2", "checks": [...]}` on stdout.
    #[arg(long)]
    json: bool,
}

/// Exit codes: 0 the lint ran (failing checks included: it reports, it does not judge), 2 an
/// invalid profile, 6 the issuer's metadata could not be fetched.
pub async fn lint(args: LintArgs) -> i32 {
    let path = match super::trust::find_profile(&args.profile) {
        Ok(p) => p,
        Err(e) => return super::fail(args.json, "invalid_input", 2, &e.to_string()),
    };
    let mut resolved = match super::run::resolve_profile(&path, args.json).await {
        Ok(r) => r,
        Err(code) => return code,
    };
    let wanted = resolved
        .profile
        .security_profile
        .unwrap_or(SecurityProfile::Fapi2);
    resolved.profile.security_profile = Some(wanted);
    let Some(report) =
        crate::flow::security_profile::lint(&resolved.profile, resolved.metadata.as_ref())
    else {
        return super::fail(args.json, "internal", 1, "no security profile to check");
    };
    let mut t = Term::std();
    if args.json {
        t.json(&serde_json::json!(report));
        return 0;
    }
    for c in &report.checks {
        let mark = match c.result {
            CheckResult::Pass => "pass",
            CheckResult::Fail => "FAIL",
            CheckResult::Skipped => "skip",
        };
        outln!(
            t,
            "{mark}  {:<22} {}",
            sanitize(&c.check),
            sanitize(&c.detail)
        );
    }
    outln!(t, "{}", sanitize(&report.summary()));
    0
}
