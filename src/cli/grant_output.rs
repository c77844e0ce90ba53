//! Human-readable output of `refresh`, `userinfo`, `introspect` and `revoke`: a short summary
//! on stdout, warnings and errors on stderr. `--json` prints the whole record instead.

use serde_json::{Map, Value};

use crate::flow::grants::{GrantReport, GrantResult};
use crate::flow::system_now;
use crate::oauth::refreshed::{RefreshChanges, RefreshTokenChange};
use crate::oauth::text::sanitize;
use crate::oauth::time::{relative, utc};

pub fn print_grant_report(report: &GrantReport, json: bool) {
    if json {
        println!("{:#}", report.to_json());
        return;
    }
    for w in &report.warnings {
        eprintln!("! {}", sanitize(w));
    }
    if let Some(e) = &report.error {
        eprintln!("error: {}", sanitize(&e.to_string()));
        return;
    }
    let now = system_now();
    match &report.result {
        Some(GrantResult::Refreshed {
            changes,
            id_token_checked,
            id_token_validation,
            ..
        }) => {
            let verified = id_token_validation.as_ref().map(|v| v.verified);
            print_refresh(&report.profile, changes, *id_token_checked, verified, now)
        }
        Some(GrantResult::Userinfo(info)) => {
            println!("Userinfo for profile {:?}", report.profile);
            print_object(&info.claims);
        }
        Some(GrantResult::Introspected {
            kind,
            introspection,
        }) => {
            if introspection.active {
                println!("The {} is active.", kind.label());
            } else {
                println!(
                    "The {} is NOT active (expired, revoked, or unknown to the IdP).",
                    kind.label()
                );
            }
            for (claim, at) in [("exp", introspection.exp), ("iat", introspection.iat)] {
                if let Some(at) = at {
                    println!("  {claim:<4} {}", when(at, now));
                }
            }
            print_object(&introspection.fields);
        }
        Some(GrantResult::Revoked { kind }) => {
            let status = report
                .response
                .as_ref()
                .and_then(|r| r.get("status"))
                .map(Value::to_string)
                .unwrap_or_default();
            println!(
                "Revoked the {} of profile {:?} (HTTP {status}).",
                kind.label(),
                report.profile
            );
        }
        None => {}
    }
}

fn print_refresh(
    profile: &str,
    c: &RefreshChanges,
    id_token_checked: bool,
    verified: Option<bool>,
    now: i64,
) {
    println!("Refreshed the tokens of profile {profile:?}");
    let refresh = match c.refresh_token {
        RefreshTokenChange::Rotated => "rotated: a new one replaces the old",
        RefreshTokenChange::Same => "unchanged: the same value came back",
        RefreshTokenChange::Kept => "not returned: the old one stays valid and is kept",
    };
    println!("  refresh token  {refresh}");
    let access = if c.access_token_changed {
        "new"
    } else {
        "the same value came back"
    };
    println!("  access token   {access}");
    let scope = sanitize(c.scope_after.as_deref().unwrap_or("(not stated)"));
    if c.scopes_added.is_empty() && c.scopes_removed.is_empty() {
        println!("  scope          {scope} (unchanged)");
    } else {
        let mut diff: Vec<String> = c.scopes_added.iter().map(|s| format!("+{s}")).collect();
        diff.extend(c.scopes_removed.iter().map(|s| format!("-{s}")));
        println!("  scope          {scope} ({})", sanitize(&diff.join(" ")));
    }
    let expiry = |at: Option<i64>| at.map_or("not stated".to_owned(), |t| when(t, now));
    println!(
        "  expires        {} (before: {})",
        expiry(c.expires_at_after),
        expiry(c.expires_at_before)
    );
    let id = match (c.id_token_returned, id_token_checked) {
        (true, true) => "new, with the same iss, sub and aud as before",
        (true, false) => "new (no earlier ID token to compare with)",
        (false, _) => "not returned; the earlier one is kept",
    };
    let checklist = match verified {
        Some(true) => "; verified against the issuer (signature, iss, aud, exp, iat)",
        Some(false) => "; UNVERIFIED",
        None if c.id_token_returned => "; not verified (no issuer metadata)",
        None => "",
    };
    println!("  ID token       {id}{checklist}");
}

fn when(at: i64, now: i64) -> String {
    match utc(at) {
        Some(t) => format!("{} ({t})", relative(at, now)),
        None => at.to_string(),
    }
}

/// JSON escapes control characters, so claims cannot inject terminal escapes.
fn print_object(m: &Map<String, Value>) {
    let text = serde_json::to_string_pretty(m).unwrap_or_default();
    for line in text.lines() {
        println!("  {line}");
    }
}
