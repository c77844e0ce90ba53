//! End to end against oidc-provider (tests/oidc/server.mjs): `tokenbench doctor` on clients
//! registered in several ways, and live runs whose response comes as a fragment, as a
//! form_post, to a near-miss path, or not at all because the IdP rejects the redirect URI.
//!
//! Needs Node.js and `npm ci --prefix tests/oidc`.

mod common;

use std::sync::OnceLock;

use common::{clients, free_port, tokenbench, Profile, Provider, Run};
use serde_json::Value;

/// One provider for the whole file: the doctor only reads from it.
fn provider() -> &'static Provider {
    static PROVIDER: OnceLock<Provider> = OnceLock::new();
    PROVIDER.get_or_init(Provider::start)
}

fn profile(client_id: &str, callback: &str) -> Profile {
    let p = provider();
    let mut profile = Profile::new(p, client_id, client_id);
    profile.callback_url = callback.to_owned();
    profile.scope = "openid".to_owned();
    profile.auth_params.clear();
    profile
}

fn web(port: u16, path: &str) -> String {
    format!("http://127.0.0.1:{port}{path}")
}

struct Doctor {
    code: Option<i32>,
    json: Value,
    context: String,
}

impl Doctor {
    fn findings(&self, check: &str) -> Vec<&Value> {
        self.json["findings"]
            .as_array()
            .map(|a| a.iter().filter(|f| f["check"] == check).collect())
            .unwrap_or_default()
    }

    fn finding(&self, check: &str) -> &Value {
        self.findings(check)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no {check} finding\n{}", self.context))
    }

    fn accepted_variants(&self) -> Vec<&str> {
        self.json["accepted_variants"]
            .as_array()
            .unwrap_or_else(|| panic!("no accepted_variants\n{}", self.context))
            .iter()
            .filter_map(Value::as_str)
            .collect()
    }
}

fn doctor(profile: &Profile, variants: bool) -> Doctor {
    let home = tempfile::tempdir().unwrap();
    let path = profile.write(home.path());
    let mut cmd = tokenbench(home.path(), &home.path().join("browser.log"));
    cmd.args(["doctor", "--json", "--profile"]).arg(&path);
    if variants {
        cmd.arg("--variants");
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let context = format!(
        "exit {:?}\n--- profile\n{}--- stdout\n{stdout}\n--- stderr\n{}",
        out.status.code(),
        profile.to_toml(),
        String::from_utf8_lossy(&out.stderr)
    );
    let json =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e})\n{context}"));
    Doctor {
        code: out.status.code(),
        json,
        context,
    }
}

const MISMATCH: &str = "redirect_uri did not match any of the client's registered redirect_uris";

#[test]
fn correct_web_profile_is_accepted_and_its_port_is_fixed() {
    let d = doctor(
        &profile(clients::WEB_ID, &web(clients::WEB_PORT, "/callback")),
        true,
    );
    assert_eq!(d.code, Some(0), "{}", d.context);
    assert_eq!(d.json["verdict"], "accepted", "{}", d.context);
    assert!(d.json["idp_message"].is_null());
    assert!(d.accepted_variants().is_empty(), "{}", d.context);
    assert_eq!(d.json["port_may_vary"], false, "{}", d.context);
    assert_eq!(d.finding("probe.verdict")["severity"], "info");
    assert!(d.finding("probe.verdict")["message"]
        .as_str()
        .unwrap()
        .contains("showed its sign-in page"));
    assert_eq!(d.json["probe"]["reason"]["kind"], "login_page");
}

#[test]
fn web_client_on_another_port_is_rejected_with_the_idps_message() {
    let d = doctor(
        &profile(clients::WEB_ID, &web(clients::WEB_PORT + 1, "/callback")),
        true,
    );
    assert_eq!(d.code, Some(3), "{}", d.context);
    assert_eq!(d.json["verdict"], "rejected");
    assert_eq!(d.json["idp_message"], MISMATCH, "{}", d.context);
    assert_eq!(d.json["probe"]["idp"], "oidc_provider");
    // The registered port is not among the near variants, so nothing is found.
    assert!(d.accepted_variants().is_empty(), "{}", d.context);
    assert_eq!(d.finding("variants.none")["severity"], "warning");
    let fix = d.finding("probe.verdict")["fix"].as_str().unwrap();
    assert!(
        fix.contains(&web(clients::WEB_PORT + 1, "/callback")),
        "{fix}"
    );
}

#[test]
fn localhost_only_client_names_the_accepted_variant() {
    let sent = web(clients::WEB_PORT, "/callback");
    let d = doctor(&profile(clients::LOCALHOST_ID, &sent), true);
    assert_eq!(d.code, Some(3), "{}", d.context);
    assert_eq!(d.json["verdict"], "rejected");
    assert_eq!(d.json["idp_message"], MISMATCH);
    let registered = format!("http://localhost:{}/callback", clients::WEB_PORT);
    assert_eq!(
        d.accepted_variants(),
        vec![registered.as_str()],
        "{}",
        d.context
    );
    let f = d.finding("variants.accepted");
    assert_eq!(f["severity"], "error");
    assert_eq!(
        f["message"],
        format!("the IdP accepts {registered}, not {sent}: register the one you use or set callback_url to the registered one")
    );
    assert!(f["fix"]
        .as_str()
        .unwrap()
        .contains(&format!("set callback_url = \"{registered}\"")));
    assert_eq!(d.json["port_may_vary"], false, "{}", d.context);
}

#[test]
fn trailing_slash_client_is_found_by_the_slash_variant() {
    let d = doctor(
        &profile(clients::SLASH_ID, &web(clients::WEB_PORT, "/callback")),
        true,
    );
    assert_eq!(d.code, Some(3), "{}", d.context);
    assert_eq!(d.json["idp_message"], MISMATCH);
    assert_eq!(
        d.accepted_variants(),
        vec![web(clients::WEB_PORT, "/callback/").as_str()],
        "{}",
        d.context
    );
}

#[test]
fn native_client_accepts_any_port() {
    let d = doctor(
        &profile(clients::NATIVE_ANY_PORT_ID, "http://127.0.0.1:0/callback"),
        true,
    );
    assert_eq!(d.code, Some(0), "{}", d.context);
    assert_eq!(d.json["verdict"], "accepted");
    assert_eq!(d.json["port_may_vary"], true, "{}", d.context);
    assert_eq!(d.finding("variants.port")["severity"], "info");
    // Only the port may vary: localhost and a trailing slash are still refused.
    let accepted = d.accepted_variants();
    assert!(
        accepted
            .iter()
            .all(|v| v.starts_with("http://127.0.0.1") && v.ends_with("/callback")),
        "{accepted:?}"
    );
}

#[test]
fn unknown_client_and_plain_pkce_are_other_errors() {
    let d = doctor(
        &profile("nobody", &web(clients::WEB_PORT, "/callback")),
        true,
    );
    assert_eq!(d.code, Some(3), "{}", d.context);
    assert_eq!(d.json["verdict"], "error");
    assert_eq!(d.json["oauth_error"]["error"], "invalid_client");
    assert_eq!(d.finding("variants.skipped")["severity"], "info");

    let mut plain = profile(clients::WEB_ID, &web(clients::WEB_PORT, "/callback"));
    plain.name = "plain".into();
    let home = tempfile::tempdir().unwrap();
    let path = plain.write(home.path());
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "code_challenge_method = \"S256\"",
        "code_challenge_method = \"plain\"",
    );
    std::fs::write(&path, text).unwrap();
    let out = tokenbench(home.path(), &home.path().join("b.log"))
        .args(["doctor", "--json", "--profile"])
        .arg(&path)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(3), "{json:#}");
    assert_eq!(json["verdict"], "error");
    assert_eq!(json["oauth_error"]["error"], "invalid_request");
    let fix = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "probe.verdict")
        .and_then(|f| f["fix"].as_str())
        .unwrap();
    assert!(fix.contains("PKCE"), "{fix}");
}

#[test]
fn readable_report_starts_with_the_verdict() {
    let home = tempfile::tempdir().unwrap();
    let path =
        profile(clients::LOCALHOST_ID, &web(clients::WEB_PORT, "/callback")).write(home.path());
    let out = tokenbench(home.path(), &home.path().join("b.log"))
        .args(["doctor", "--variants", "--profile"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{text}");
    let second = text.lines().nth(1).unwrap();
    assert!(
        second.starts_with("verdict: rejected — the IdP refuses redirect_uri"),
        "{text}"
    );
    assert!(second.contains(MISMATCH), "{text}");
    assert!(text.contains("    evidence: GET "), "{text}");
    assert!(text.contains("    fix:"), "{text}");
}

// ---- live runs ----

fn with_mode(mut profile: Profile, mode: &str) -> Profile {
    profile
        .auth_params
        .push(("response_mode".into(), mode.into()));
    profile
}

#[test]
fn fragment_response_is_relayed_by_the_callback_page_in_a_real_run() {
    let idp = provider();
    let out = Run::new(with_mode(Profile::public(idp), "fragment")).execute(idp);
    let json = out.expect(0);
    assert_eq!(out.str_at(&json, "/callback/response_mode"), "fragment");
    out.check(
        out.browser_log.contains("script: fetch POST"),
        "the page's script did not post the fragment",
    );
    out.check(
        out.browser_log.contains("history.replaceState"),
        "the fragment stayed in the address bar",
    );
    out.check(json.pointer("/tokens/id_token").is_some(), "no tokens");
}

#[test]
fn form_post_response_is_handled_in_a_real_run() {
    let idp = provider();
    let out = Run::new(with_mode(Profile::public(idp), "form_post")).execute(idp);
    let json = out.expect(0);
    // The JSON and the browser's own log, never stderr: the progress line's words are the
    // printer's business (tested below without a browser writing anywhere near them).
    assert_eq!(out.str_at(&json, "/callback/response_mode"), "form_post");
    out.check(json.pointer("/tokens/id_token").is_some(), "no tokens");
    out.check(
        out.browser_log.contains("form_post to the callback"),
        "the browser did not post the form",
    );
}

/// The progress lines a live run prints for a form_post response and a near miss, from the
/// printer itself into separate buffers.
#[test]
fn progress_lines_name_the_response_mode_and_the_near_miss() {
    use tokenbench::cli::render::{print_event, Term};
    use tokenbench::doctor::{NearMiss, NearMissKind};
    use tokenbench::flow::run::FlowEvent;
    use tokenbench::net::callback_server::ResponseMode;

    let (mut out, mut err) = (Vec::new(), Vec::new());
    {
        let mut t = Term::new(&mut out, &mut err);
        print_event(&mut t, &FlowEvent::CallbackVia(ResponseMode::FormPost));
        print_event(
            &mut t,
            &FlowEvent::NearMiss(NearMiss {
                kind: NearMissKind::TrailingSlash,
                method: "GET".into(),
                path: "/callback/".into(),
                expected_path: "/callback".into(),
                via: "query",
                carries_response: true,
                message: "GET /callback/ carried an authorization response".into(),
            }),
        );
    }
    assert!(out.is_empty(), "progress goes to stderr only");
    let err = String::from_utf8(err).unwrap();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines,
        [
            "• the response arrived as form_post and was handled as the callback",
            "! near miss: GET /callback/ carried an authorization response",
        ]
    );
}

#[test]
fn near_miss_callback_path_is_reported_and_named_at_the_timeout() {
    let idp = provider();
    let out = Run::new(Profile::public(idp))
        .browser_mode("slash")
        .timeout(3)
        .execute(idp);
    let json = out.expect(5);
    assert_eq!(out.str_at(&json, "/near_misses/0/kind"), "trailing_slash");
    assert_eq!(out.str_at(&json, "/near_misses/0/path"), "/callback/");
    let message = out.str_at(&json, "/error/message");
    out.check(
        message.contains("likely cause: GET /callback/ carried an authorization response"),
        "timeout message without the near miss",
    );
}

#[test]
fn rejected_redirect_uri_is_named_at_the_timeout() {
    let idp = provider();
    let port = free_port();
    let mut p = profile(clients::WEB_ID, &web(port, "/callback"));
    p.issuer = Some(idp.issuer.clone());
    // oidc-provider shows its error page; the fake browser stops there, as a person would.
    let out = Run::new(p).timeout(3).execute(idp);
    let json = out.expect(5);
    let message = out.str_at(&json, "/error/message");
    out.check(
        message.contains("likely cause: the IdP rejects redirect_uri"),
        "timeout message without the probe's verdict",
    );
    out.check(
        message.contains(MISMATCH),
        "timeout message without the IdP's words",
    );
    assert_eq!(out.str_at(&json, "/diagnosis/verdict"), "rejected");
}
