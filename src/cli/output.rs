//! Human-readable output for the terminal. JSON is printed by the commands themselves.

use serde_json::Value;

use crate::doctor::Verdict;
use crate::flow::{FlowEvent, FlowReport};
use crate::net::browser::BrowserLaunch;
use crate::net::callback_server::ResponseMode;
use crate::oauth::text::sanitize;

/// Progress lines, on stderr so that stdout stays clean for `--json` and pipes.
pub fn print_event(event: &FlowEvent) {
    match event {
        FlowEvent::Prepared { .. } => {}
        FlowEvent::Listening {
            addrs,
            redirect_uri,
        } => {
            let addrs: Vec<String> = addrs.iter().map(ToString::to_string).collect();
            eprintln!(
                "• callback server listening on {} for {redirect_uri}",
                addrs.join(" and ")
            );
        }
        FlowEvent::PasteMode { redirect_uri } => {
            eprintln!("• {redirect_uri} is not a loopback address, so tokenbench cannot receive the callback itself.");
            eprintln!("  After signing in, copy the whole URL the browser was sent to and paste it here, then press Enter.");
        }
        FlowEvent::AuthorizationUrl(url) => eprintln!("• authorization URL:\n  {url}"),
        FlowEvent::Browser(BrowserLaunch::Started(how)) => {
            eprintln!(
                "• opened the browser ({how}); if nothing appears, open the URL above yourself"
            )
        }
        FlowEvent::Browser(BrowserLaunch::Failed(why)) => {
            eprintln!("• no browser opened ({why}): open the URL above yourself")
        }
        FlowEvent::Stray(r) => eprintln!(
            "• ignored {} {} → {} ({})",
            sanitize(&r.method),
            sanitize(&r.path),
            r.status,
            sanitize(&r.note)
        ),
        FlowEvent::NearMiss(n) => eprintln!("! near miss: {}", sanitize(&n.message)),
        FlowEvent::Diagnosis(d) => {
            eprintln!(
                "• still no callback; checked the authorization endpoint: {}",
                d.headline()
            );
            let fixes = d.findings.iter().filter_map(|f| f.fix.as_deref());
            if d.verdict != Verdict::Accepted {
                for fix in fixes {
                    eprintln!("  fix: {}", sanitize(fix));
                }
            }
        }
        FlowEvent::CallbackVia(ResponseMode::Query) => {}
        FlowEvent::CallbackVia(mode) => {
            eprintln!(
                "• the response arrived as {} and was handled as the callback",
                mode.as_str()
            )
        }
        FlowEvent::CallbackReceived => eprintln!("• callback received"),
        FlowEvent::TokenRequestSent { url } => eprintln!("• token request sent to {url}"),
        FlowEvent::TokenResponse { status, elapsed_ms } => {
            eprintln!("• token response: HTTP {status} in {elapsed_ms} ms")
        }
        FlowEvent::Warning(w) => eprintln!("! {}", sanitize(w)),
    }
}

/// The end of a run: JSON on stdout, or a readable summary.
pub fn print_report(report: &FlowReport, json: bool) {
    if json {
        println!("{:#}", report.to_json());
        return;
    }
    for w in &report.warnings {
        eprintln!("! {}", sanitize(w));
    }
    // Tokens that failed validation are still shown, below the verdict; other failures
    // have no tokens.
    let error = report.error.as_ref().map(|e| sanitize(&e.to_string()));
    let Some(tokens) = &report.tokens else {
        if let Some(e) = error {
            eprintln!("error: {e}");
        }
        return;
    };
    if let Some(v) = report.id_token_validation.as_ref().filter(|v| !v.verified) {
        let failed: Vec<&str> = v.failed().map(|c| c.check.as_str()).collect();
        let plural = if failed.len() == 1 { "" } else { "s" };
        println!(
            "UNVERIFIED: the ID token failed the {} check{plural} — do not trust its claims",
            failed.join(", ")
        );
        println!();
    }
    println!("Tokens for profile {:?}", report.profile);
    if let Some(m) = &report.metadata {
        let filled = if report.discovered.is_empty() {
            String::new()
        } else {
            format!(
                "; {} from its discovery document",
                report.discovered.join(", ")
            )
        };
        println!("  issuer      {}{filled}", sanitize(&m.issuer));
    }
    let field = |name: &str| tokens.get(name).filter(|v| !v.is_null()).map(plain);
    if let Some(t) = field("token_type") {
        println!("  token_type  {t}");
    }
    if let Some(s) = field("scope") {
        println!("  scope       {s}");
    }
    if let Some(e) = field("expires_in") {
        println!("  expires_in  {e} s");
    }
    for (key, label) in [
        ("access_token", "access token"),
        ("id_token", "ID token"),
        ("refresh_token", "refresh token"),
    ] {
        if let Some(t) = tokens.get(key) {
            println!();
            print_token(label, t);
        }
    }
    if let Some(e) = error {
        eprintln!("error: {e}");
    }
}

/// One decoded token (the shape made by `flow::report::token_json`).
pub fn print_token(label: &str, token: &Value) {
    let kind = token
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("opaque");
    match kind {
        "jwt" => {
            match (
                token.get("verified").and_then(Value::as_bool),
                token.get("signature"),
            ) {
                (Some(true), _) => println!("{label}: JWT, VERIFIED (every check passed)"),
                (Some(false), _) => println!("{label}: JWT, UNVERIFIED (failed checks below)"),
                (None, Some(sig)) => println!("{label}: JWT (signature: {})", check_text(sig)),
                (None, None) => println!("{label}: JWT (decoded, signature not verified)"),
            }
            if let Some(Value::Array(checks)) = token.get("validation") {
                println!("checks:");
                for c in checks {
                    let get = |k: &str| c.get(k).map(plain).unwrap_or_default();
                    let mark = match get("result").as_str() {
                        "pass" => "pass",
                        "fail" => "FAIL",
                        _ => "skip",
                    };
                    println!("  {mark}  {:<9}  {}", get("check"), get("detail"));
                }
            }
            println!("header:\n{}", indent(&pretty(token.get("header"))));
            println!("claims:\n{}", indent(&pretty(token.get("claims"))));
            if let Some(Value::Array(times)) = token.get("times") {
                for t in times {
                    let get = |k: &str| t.get(k).map(plain).unwrap_or_default();
                    println!("  {:<9} {} ({})", get("claim"), get("utc"), get("relative"));
                }
            }
        }
        "jwe" => {
            println!("{label}: JWE (encrypted; only the header can be read)");
            if let Some(sig) = token.get("signature") {
                println!("signature: {}", check_text(sig));
            }
            println!("header:\n{}", indent(&pretty(token.get("header"))));
        }
        _ => {
            let len = token.get("value").and_then(Value::as_str).map(str::len);
            let reason = token.get("reason").map(plain).unwrap_or_default();
            match len {
                Some(n) => println!("{label}: opaque ({n} characters; {reason})"),
                None => println!("{label}: opaque ({reason})"),
            }
        }
    }
}

/// `{result, detail}` as "pass — detail".
fn check_text(check: &Value) -> String {
    let get = |k: &str| check.get(k).map(plain).unwrap_or_default();
    format!("{} — {}", get("result"), get("detail"))
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => sanitize(s),
        other => other.to_string(),
    }
}

/// JSON escapes control characters, so claims cannot inject terminal escapes.
fn pretty(v: Option<&Value>) -> String {
    v.and_then(|v| serde_json::to_string_pretty(v).ok())
        .unwrap_or_default()
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
