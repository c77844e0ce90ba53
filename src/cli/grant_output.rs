//! Human-readable output of `refresh`, `userinfo`, `introspect` and `revoke`: a short summary
//! on stdout, warnings and errors on stderr. `--json` prints the whole record instead.

use serde_json::{Map, Value};

use crate::flow::grants::{GrantReport, GrantResult};
use crate::flow::system_now;
use crate::oauth::refreshed::{RefreshChanges, RefreshTokenChange};
use crate::oauth::text::{sanitize, to_json_pretty_safe, to_json_safe};
use crate::oauth::time::{relative, utc};

use super::term::{errln, outln, Term};

pub fn print_grant_report(t: &mut Term, report: &GrantReport, json: bool) {
    if json {
        t.json(&report.to_json());
        return;
    }
    for w in &report.warnings {
        errln!(t, "! {}", sanitize(w));
    }
    if let Some(e) = &report.error {
        errln!(t, "error: {}", sanitize(&e.to_string()));
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
            print_refresh(
                t,
                &report.profile,
                changes,
                *id_token_checked,
                verified,
                now,
            )
        }
        Some(GrantResult::Userinfo(info)) => {
            outln!(t, "Userinfo for profile {:?}", report.profile);
            print_object(t, &info.claims);
        }
        Some(GrantResult::Introspected {
            kind,
            introspection,
        }) => {
            if introspection.active {
                outln!(t, "The {} is active.", kind.label());
            } else {
                outln!(
                    t,
                    "The {} is NOT active (expired, revoked, or unknown to the IdP).",
                    kind.label()
                );
            }
            for (claim, at) in [("exp", introspection.exp), ("iat", introspection.iat)] {
                if let Some(at) = at {
                    outln!(t, "  {claim:<4} {}", when(at, now));
                }
            }
            print_object(t, &introspection.fields);
        }
        Some(GrantResult::Revoked { kind }) => {
            let status = report
                .response
                .as_ref()
                .and_then(|r| r.get("status"))
                .map(to_json_safe)
                .unwrap_or_default();
            outln!(
                t,
                "Revoked the {} of profile {:?} (HTTP {status}).",
                kind.label(),
                report.profile
            );
        }
        None => {}
    }
}

fn print_refresh(
    t: &mut Term,
    profile: &str,
    c: &RefreshChanges,
    id_token_checked: bool,
    verified: Option<bool>,
    now: i64,
) {
    outln!(t, "Refreshed the tokens of profile {profile:?}");
    let refresh = match c.refresh_token {
        RefreshTokenChange::Rotated => "rotated: a new one replaces the old",
        RefreshTokenChange::Same => "unchanged: the same value came back",
        RefreshTokenChange::Kept => "not returned: the old one stays valid and is kept",
    };
    outln!(t, "  refresh token  {refresh}");
    let access = if c.access_token_changed {
        "new"
    } else {
        "the same value came back"
    };
    outln!(t, "  access token   {access}");
    let scope = sanitize(c.scope_after.as_deref().unwrap_or("(not stated)"));
    if c.scopes_added.is_empty() && c.scopes_removed.is_empty() {
        outln!(t, "  scope          {scope} (unchanged)");
    } else {
        let mut diff: Vec<String> = c
            .scopes_added
            .iter()
            .map(|s| format!("+{}", sanitize(s)))
            .collect();
        diff.extend(c.scopes_removed.iter().map(|s| format!("-{}", sanitize(s))));
        outln!(t, "  scope          {scope} ({})", diff.join(" "));
    }
    let expiry = |at: Option<i64>| at.map_or("not stated".to_owned(), |t| when(t, now));
    outln!(
        t,
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
    outln!(t, "  ID token       {id}{checklist}");
}

fn when(at: i64, now: i64) -> String {
    match utc(at) {
        Some(t) => format!("{} ({t})", relative(at, now)),
        None => at.to_string(),
    }
}

/// Safe JSON escapes every control character, so claims cannot inject terminal escapes.
fn print_object(t: &mut Term, m: &Map<String, Value>) {
    let text = to_json_pretty_safe(m);
    for line in text.lines() {
        outln!(t, "  {line}");
    }
}
