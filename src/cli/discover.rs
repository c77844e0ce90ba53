//! `discover`: an issuer's metadata, summarised.

use clap::Args;
use serde_json::json;

use crate::net::discovery::{discover as fetch, DiscoveryError};
use crate::net::http::{HttpClient, HttpLimits};
use crate::oauth::metadata::Metadata;
use crate::oauth::text::sanitize;

use super::term::{errln, Term};

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// The issuer URL, exactly as the IdP names itself (a trailing slash matters).
    issuer: String,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

/// Exit codes: 0 found, 2 not a usable issuer URL, 3 the metadata names another issuer,
/// 6 no metadata could be fetched.
pub async fn discover(args: DiscoverArgs) -> i32 {
    // Only public metadata is fetched, from the URL the user typed: nothing secret travels,
    // so plain http is allowed here (a run with the profile still follows its own rule).
    let http = match HttpClient::new(HttpLimits::default().plain_http(true)) {
        Ok(h) => h,
        Err(e) => return super::fail(args.json, "internal", 1, &e.to_string()),
    };
    match fetch(&http, &args.issuer).await {
        Ok(metadata) => {
            if args.json {
                let mut doc = metadata.summary_json();
                doc["document"] = metadata.raw.clone();
                Term::std().json(&doc);
            } else {
                Term::std().out(&summary(&metadata));
            }
            0
        }
        Err(e) => failure(&e, args.json),
    }
}

fn failure(e: &DiscoveryError, json: bool) -> i32 {
    let (kind, code) = match e {
        DiscoveryError::InvalidIssuer { .. } => ("invalid_input", 2),
        DiscoveryError::IssuerMismatch { .. } => ("issuer_mismatch", 3),
        DiscoveryError::Unreachable { .. } | DiscoveryError::NotFound { .. } => {
            ("discovery_failed", 6)
        }
    };
    let tried: Vec<String> = e.tried().iter().map(|a| sanitize(&a.to_string())).collect();
    let mut t = Term::std();
    if json {
        let doc = json!({ "error": { "kind": kind, "message": sanitize(&e.to_string()),
            "exit_code": code, "tried": tried } });
        t.json(&doc);
    } else {
        let headline = match e {
            DiscoveryError::Unreachable { .. } => "the issuer is unreachable",
            DiscoveryError::NotFound { .. } => "no discovery document found",
            _ => {
                errln!(t, "error: {}", sanitize(&e.to_string()));
                return code;
            }
        };
        errln!(t, "error: {headline}; tried:");
        for address in &tried {
            errln!(t, "  {address}");
        }
    }
    code
}

/// The summary people read: issuer, endpoints, what is supported.
pub fn summary(m: &Metadata) -> String {
    let mut out = String::new();
    let mut line = |label: &str, value: String| {
        out.push_str(&format!("{label:<24}{value}\n"));
    };
    line("issuer", sanitize(&m.issuer));
    for (name, url) in m.endpoints() {
        line(name, url.map(sanitize).unwrap_or_else(|| "-".to_owned()));
    }
    let list = |items: &[String]| {
        if items.is_empty() {
            "(not advertised)".to_owned()
        } else {
            items
                .iter()
                .map(|s| sanitize(s))
                .collect::<Vec<_>>()
                .join(" ")
        }
    };
    line(
        "code challenge methods",
        list(&m.code_challenge_methods_supported),
    );
    line(
        "token endpoint auth",
        list(&m.token_endpoint_auth_methods_supported),
    );
    line("scopes", list(&m.scopes_supported));
    let iss = if m.authorization_response_iss_parameter_supported {
        "supported (the callback's iss is required)"
    } else {
        "not advertised (a callback without iss is accepted)"
    };
    line("iss response parameter", iss.to_owned());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::metadata::parse_metadata;

    #[test]
    fn summary_lists_endpoints_and_support() {
        let m = parse_metadata(
            "https://i",
            br#"{"issuer":"https://i","token_endpoint":"https://i/t","scopes_supported":["openid"]}"#,
        )
        .unwrap();
        let text = summary(&m);
        assert!(
            text.contains("token_endpoint          https://i/t\n"),
            "{text}"
        );
        assert!(text.contains("revocation_endpoint     -\n"), "{text}");
        assert!(
            text.contains("code challenge methods  (not advertised)\n"),
            "{text}"
        );
        assert!(
            text.contains("iss response parameter  not advertised"),
            "{text}"
        );
    }
}
