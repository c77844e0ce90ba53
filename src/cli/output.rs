//! Human-readable output of runs and tokens, and the JSON of a run, written to a [`Term`].

use std::io::Write;

use serde_json::Value;

use crate::doctor::Verdict;
use crate::flow::{FlowEvent, FlowReport};
use crate::net::browser::BrowserLaunch;
use crate::net::callback_server::{RequestKind, ResponseMode};
use crate::oauth::text::{sanitize, to_json_safe, write_json_pretty_safe};

use super::term::{errln, outln, Term};

/// Progress lines, on stderr so that stdout stays clean for `--json` and pipes.
pub fn print_event(t: &mut Term, event: &FlowEvent) {
    match event {
        FlowEvent::Prepared { .. } => {}
        FlowEvent::Listening {
            addrs,
            redirect_uri,
        } => {
            let addrs: Vec<String> = addrs.iter().map(ToString::to_string).collect();
            errln!(
                t,
                "• callback server listening on {} for {}",
                addrs.join(" and "),
                sanitize(redirect_uri)
            );
        }
        FlowEvent::CallbackCertificate { explanation, .. } => {
            errln!(t, "• {}", sanitize(explanation));
        }
        FlowEvent::PasteMode { redirect_uri } => {
            errln!(
                t,
                "• {} is not a loopback address, so tokenbench cannot receive the callback itself.",
                sanitize(redirect_uri)
            );
            errln!(t, "  After signing in, copy the whole URL the browser was sent to and paste it here, then press Enter.");
        }
        FlowEvent::AuthorizationUrl(url) => errln!(t, "• authorization URL:\n  {}", sanitize(url)),
        FlowEvent::Browser(BrowserLaunch::Started(how)) => {
            errln!(
                t,
                "• opened the browser ({}); if nothing appears, open the URL above yourself",
                sanitize(how)
            )
        }
        FlowEvent::Browser(BrowserLaunch::Failed(why)) => {
            errln!(
                t,
                "• no browser opened ({}): open the URL above yourself",
                sanitize(why)
            )
        }
        FlowEvent::Stray(r) if r.kind == RequestKind::ForgedCallback => errln!(
            t,
            "! refused a callback on {} {} ({}); still waiting for the real one",
            sanitize(&r.method),
            sanitize(&r.path),
            sanitize(&r.note)
        ),
        FlowEvent::Stray(r) => errln!(
            t,
            "• ignored {} {} → {} ({})",
            sanitize(&r.method),
            sanitize(&r.path),
            r.status,
            sanitize(&r.note)
        ),
        FlowEvent::NearMiss(n) => errln!(t, "! near miss: {}", sanitize(&n.message)),
        FlowEvent::Diagnosis(d) => {
            errln!(
                t,
                "• still no callback; checked the authorization endpoint: {}",
                sanitize(&d.headline())
            );
            let fixes = d.findings.iter().filter_map(|f| f.fix.as_deref());
            if d.verdict != Verdict::Accepted {
                for fix in fixes {
                    errln!(t, "  fix: {}", sanitize(fix));
                }
            }
        }
        FlowEvent::CallbackVia(ResponseMode::Query) => {}
        FlowEvent::CallbackVia(mode) => {
            errln!(
                t,
                "• the response arrived as {} and was handled as the callback",
                mode.as_str()
            )
        }
        FlowEvent::CallbackReceived => errln!(t, "• callback received"),
        FlowEvent::TokenRequestSent { url } => {
            errln!(t, "• token request sent to {}", sanitize(url))
        }
        FlowEvent::TokenResponse { status, elapsed_ms } => {
            errln!(t, "• token response: HTTP {status} in {elapsed_ms} ms")
        }
        FlowEvent::Warning(w) => errln!(t, "! {}", sanitize(w)),
        FlowEvent::DeviceAuthorization(prompt) => {
            for line in crate::flow::device::prompt_lines(prompt) {
                errln!(t, "{line}");
            }
        }
        FlowEvent::DevicePending { polls, interval } => {
            errln!(
                t,
                "• waiting for approval (poll {polls}, every {interval} s)"
            )
        }
        FlowEvent::DeviceSlowDown { interval, .. } => {
            errln!(
                t,
                "! the IdP asked to slow down: polling every {interval} s now"
            )
        }
        FlowEvent::Pushed {
            request_uri,
            expires_in,
        } => errln!(
            t,
            "• authorization request pushed: request_uri {} (expires in {expires_in} s)",
            sanitize(request_uri)
        ),
        FlowEvent::RequestObject { .. } => {
            errln!(
                t,
                "• authorization parameters sent as a signed request object"
            )
        }
        FlowEvent::SecurityProfile(lint) => {
            let mark = if lint.failed().next().is_some() {
                "!"
            } else {
                "•"
            };
            errln!(t, "{mark} {}", sanitize(&lint.summary()));
        }
    }
}

/// The end of a run: JSON on stdout, or a readable summary.
pub fn print_report(t: &mut Term, report: &FlowReport, json: bool) {
    if json {
        t.json(&report.to_json());
        return;
    }
    for w in &report.warnings {
        errln!(t, "! {}", sanitize(w));
    }
    // Tokens that failed validation are still shown, below the verdict; other failures
    // have no tokens.
    let error = report.error.as_ref().map(|e| sanitize(&e.to_string()));
    let Some(tokens) = &report.tokens else {
        if let Some(e) = error {
            errln!(t, "error: {e}");
        }
        return;
    };
    if let Some(v) = report.id_token_validation.as_ref().filter(|v| !v.verified) {
        let failed: Vec<&str> = v.failed().map(|c| c.check.as_str()).collect();
        let plural = if failed.len() == 1 { "" } else { "s" };
        outln!(
            t,
            "UNVERIFIED: the ID token failed the {} check{plural} — do not trust its claims",
            failed.join(", ")
        );
        outln!(t);
    }
    outln!(t, "Tokens for profile {:?}", report.profile);
    if let Some(m) = &report.metadata {
        let filled = if report.discovered.is_empty() {
            String::new()
        } else {
            format!(
                "; {} from its discovery document",
                report.discovered.join(", ")
            )
        };
        outln!(t, "  issuer      {}{filled}", sanitize(&m.issuer));
    }
    let field = |name: &str| tokens.get(name).filter(|v| !v.is_null()).map(plain);
    if let Some(ty) = field("token_type") {
        outln!(t, "  token_type  {ty}");
    }
    if let Some(s) = field("scope") {
        outln!(t, "  scope       {s}");
    }
    if let Some(e) = field("expires_in") {
        outln!(t, "  expires_in  {e} s");
    }
    for (key, label) in [
        ("access_token", "access token"),
        ("id_token", "ID token"),
        ("refresh_token", "refresh token"),
    ] {
        if let Some(token) = tokens.get(key) {
            outln!(t);
            print_token(t, label, token);
        }
    }
    if let Some(e) = error {
        errln!(t, "error: {e}");
    }
}

/// One decoded token (the shape made by `flow::report::token_json`).
pub fn print_token(t: &mut Term, label: &str, token: &Value) {
    let label = sanitize(label);
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
                (Some(true), _) => outln!(t, "{label}: JWT, VERIFIED (every check passed)"),
                (Some(false), _) => outln!(t, "{label}: JWT, UNVERIFIED (failed checks below)"),
                (None, Some(sig)) => outln!(t, "{label}: JWT (signature: {})", check_text(sig)),
                (None, None) => outln!(t, "{label}: JWT (decoded, signature not verified)"),
            }
            if let Some(Value::Array(checks)) = token.get("validation") {
                outln!(t, "checks:");
                for c in checks {
                    let get = |k: &str| c.get(k).map(plain).unwrap_or_default();
                    let mark = match get("result").as_str() {
                        "pass" => "pass",
                        "fail" => "FAIL",
                        _ => "skip",
                    };
                    outln!(t, "  {mark}  {:<9}  {}", get("check"), get("detail"));
                }
            }
            print_json_block(t, "header:", token.get("header"));
            print_json_block(t, "claims:", token.get("claims"));
            if let Some(Value::Array(times)) = token.get("times") {
                for time in times {
                    let get = |k: &str| time.get(k).map(plain).unwrap_or_default();
                    outln!(
                        t,
                        "  {:<9} {} ({})",
                        get("claim"),
                        get("utc"),
                        get("relative")
                    );
                }
            }
        }
        "jwe" => {
            outln!(t, "{label}: JWE (encrypted; only the header can be read)");
            if let Some(sig) = token.get("signature") {
                outln!(t, "signature: {}", check_text(sig));
            }
            print_json_block(t, "header:", token.get("header"));
        }
        _ => {
            let len = token.get("value").and_then(Value::as_str).map(str::len);
            let reason = token.get("reason").map(plain).unwrap_or_default();
            match len {
                Some(n) => outln!(t, "{label}: opaque ({n} characters; {reason})"),
                None => outln!(t, "{label}: opaque ({reason})"),
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
        other => to_json_safe(other),
    }
}

/// `label`, then `value` as pretty JSON with every line indented by two spaces, streamed to
/// stdout (a token's claims may be 100 KB): safe JSON escapes every control character, so
/// claims cannot inject terminal escapes, and the stream is escaped as any block is.
fn print_json_block(t: &mut Term, label: &str, value: Option<&Value>) {
    outln!(t, "{label}");
    let mut out = t.out_stream();
    if let Some(v) = value {
        // Write errors are ignored as in `Term::out`: a closed pipe ends the process.
        let _ = write_json_pretty_safe(Indented::new(&mut out), v);
    }
    let _ = out.write_all(b"\n");
}

/// Puts two spaces before every line written through it.
struct Indented<W: Write> {
    inner: W,
    at_line_start: bool,
}

impl<W: Write> Indented<W> {
    fn new(inner: W) -> Self {
        Indented {
            inner,
            at_line_start: true,
        }
    }
}

impl<W: Write> Write for Indented<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for line in buf.split_inclusive(|&b| b == b'\n') {
            if self.at_line_start {
                self.inner.write_all(b"  ")?;
            }
            self.inner.write_all(line)?;
            self.at_line_start = line.ends_with(b"\n");
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use serde_json::json;

    use super::*;
    use crate::flow::report::token_json;
    use crate::oauth::text::{sanitize_block, to_json_pretty_safe};

    /// How `print_token` wrote a JSON block before it streamed: the whole pretty document,
    /// re-indented line by line, then escaped as a block.
    fn old_json_block(label: &str, value: Option<&Value>) -> String {
        let pretty = value.map(to_json_pretty_safe).unwrap_or_default();
        let indented = pretty
            .lines()
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n");
        sanitize_block(&format!("{label}\n{indented}\n"))
    }

    fn old_print_token(token: &Value) -> String {
        let mut out = String::new();
        let (mut new_out, mut err) = (Vec::new(), Vec::new());
        let mut t = Term::new(&mut new_out, &mut err);
        // The lines around the blocks did not change; only the blocks are rebuilt the old way.
        print_token(&mut t, "token", token);
        drop(t);
        let new_text = String::from_utf8(new_out).unwrap();
        let mut rest = new_text.as_str();
        for key in ["header", "claims"] {
            let label = format!("{key}:\n");
            let Some(at) = rest.find(&label) else {
                continue;
            };
            out.push_str(&rest[..at]);
            let block = old_json_block(&format!("{key}:"), token.get(key));
            out.push_str(&block);
            rest = &rest[at + block.len()..];
        }
        out.push_str(rest);
        out
    }

    fn printed(token: &Value) -> String {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut t = Term::new(&mut out, &mut err);
        print_token(&mut t, "token", token);
        drop(t);
        String::from_utf8(out).unwrap()
    }

    fn jwt(header: &Value, claims: &Value) -> String {
        let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
        format!("{}.{}.c2ln", b64(header), b64(claims))
    }

    #[test]
    fn json_blocks_print_as_before_for_a_large_token_and_hostile_claims() {
        let groups: Vec<String> = (0..2000).map(|i| format!("grp-{i:05}-readers")).collect();
        let large = json!({ "sub": "alice", "exp": 1_795_999_218, "groups": groups });
        let hostile = json!({
            "sub": "a\n✓ VERIFIED\r\u{1b}[2J\u{9b}31m\u{202e}\u{7f}\t\"\\",
            "n\u{2066}": { "deep": [[["\u{1b}]52;c;eA==\u{7}"]]], "empty": {}, "list": [] },
            "日本": "é → ✓",
        });
        let header = json!({ "alg": "RS256", "kid": "k\u{1b}1\n" });
        for claims in [large, hostile, json!({})] {
            let token = token_json(&jwt(&header, &claims), 1_795_999_000);
            let text = printed(&token);
            assert!(text.contains("claims:\n  {"), "{text}");
            assert_eq!(text, old_print_token(&token));
            assert!(!text.chars().any(crate::oauth::text::is_unsafe_in_block));
        }
        let jwe = token_json(
            &format!(
                "{}.a.b.c.d",
                URL_SAFE_NO_PAD.encode(r#"{"alg":"RSA-OAEP","x":"\u001b"}"#)
            ),
            0,
        );
        assert_eq!(printed(&jwe), old_print_token(&jwe));
    }

    #[test]
    fn a_json_block_is_the_old_block_byte_for_byte() {
        for v in [
            json!({ "a": [1, { "b": "\u{1b}\n" }], "c": {}, "d": [] }),
            json!("x"),
            json!(null),
        ] {
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let mut t = Term::new(&mut out, &mut err);
            print_json_block(&mut t, "claims:", Some(&v));
            print_json_block(&mut t, "none:", None);
            drop(t);
            let expected = old_json_block("claims:", Some(&v)) + &old_json_block("none:", None);
            assert_eq!(String::from_utf8(out).unwrap(), expected);
        }
    }
}
