//! `doctor` against the embedded IdP, in process: verdicts, messages, variants, exit codes
//! and the JSON shape.

use std::time::Duration;

use tokenbench::doctor::classify::Reason;
use tokenbench::doctor::signatures::IdpKind;
use tokenbench::doctor::{diagnose, render, DoctorOptions, DoctorReport, Severity, Verdict};
use tokenbench::idp::{IdpConfig, IdpServer, DEMO_CLIENT_ID};
use tokenbench::profile::load::{parse_raw, validate};
use tokenbench::profile::Profile;

async fn idp(auto_approve: bool) -> IdpServer {
    IdpServer::start(IdpConfig {
        auto_approve,
        ..IdpConfig::default()
    })
    .await
    .unwrap()
}

fn profile(auth_url: &str, callback: &str, extra: &str) -> Profile {
    let scope = if extra.contains("scope") {
        ""
    } else {
        "scope = \"openid profile\"\n"
    };
    let text = format!(
        "callback_url = \"{callback}\"\nauth_url = \"{auth_url}\"\ntoken_url = \"{auth_url}/../token\"\n\
         {scope}{extra}"
    );
    let text = if extra.contains("client_id") {
        text
    } else {
        format!("client_id = \"{DEMO_CLIENT_ID}\"\n{text}")
    };
    let path = std::path::Path::new("doctor.toml");
    validate(path, "doctor", &parse_raw(path, &text).unwrap()).unwrap()
}

fn for_idp(idp: &IdpServer, callback: &str, extra: &str) -> Profile {
    profile(&format!("{}/authorize", idp.issuer()), callback, extra)
}

fn options(variants: bool) -> DoctorOptions {
    DoctorOptions {
        variants,
        ..DoctorOptions::default()
    }
}

fn finding<'a>(r: &'a DoctorReport, check: &str) -> &'a tokenbench::doctor::Finding {
    r.findings
        .iter()
        .find(|f| f.check == check)
        .unwrap_or_else(|| panic!("no {check}: {}", render(r, true)))
}

#[tokio::test]
async fn correct_profile_is_accepted_at_the_consent_page() {
    let idp = idp(false).await;
    let r = diagnose(
        &for_idp(&idp, "http://127.0.0.1:0/callback", ""),
        options(false),
    )
    .await;
    assert_eq!(r.verdict, Verdict::Accepted, "{}", render(&r, true));
    assert_eq!(r.exit_code(), 0);
    assert_eq!(r.probe.as_ref().unwrap().reason, Reason::ConsentPage);
    assert!(r.headline().starts_with("accepted"));
    assert_eq!(finding(&r, "probe.verdict").severity, Severity::Info);
    // No code was issued and no token requested: the probe never signs in.
    assert_eq!(idp.token_requests(), 0);
}

#[tokio::test]
async fn auto_approving_idp_is_accepted_without_calling_the_callback() {
    let idp = idp(true).await;
    // Something listens on the callback port: the probe must not deliver the code there.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let r = diagnose(
        &for_idp(&idp, &format!("http://127.0.0.1:{port}/callback"), ""),
        options(false),
    )
    .await;
    assert_eq!(r.verdict, Verdict::Accepted);
    assert_eq!(r.probe.as_ref().unwrap().reason, Reason::CallbackCode);
    let dump = r.to_json().to_string();
    assert!(
        dump.contains("code=[redacted]"),
        "the issued code must be redacted: {dump}"
    );
    let accepted = tokio::time::timeout(Duration::from_millis(200), listener.accept()).await;
    assert!(accepted.is_err(), "the probe connected to the callback");
    // The port is held by this test: reported, with the holder on Linux.
    let port_finding = finding(&r, "callback.port");
    assert_eq!(port_finding.severity, Severity::Error);
    if cfg!(target_os = "linux") {
        assert!(
            port_finding
                .message
                .contains(&format!("process {}", std::process::id())),
            "{}",
            port_finding.message
        );
    }
}

#[tokio::test]
async fn wrong_path_is_rejected_with_the_idps_message() {
    let idp = idp(false).await;
    let r = diagnose(&for_idp(&idp, "http://127.0.0.1:0/cb", ""), options(false)).await;
    assert_eq!(r.verdict, Verdict::Rejected, "{}", render(&r, true));
    assert_eq!(r.exit_code(), 3);
    let message = r.idp_message.as_deref().unwrap();
    assert!(
        message.starts_with("redirect_uri did not match any registered redirect URI"),
        "{message}"
    );
    assert_eq!(r.probe.as_ref().unwrap().idp, Some(IdpKind::Tokenbench));
    let f = finding(&r, "probe.verdict");
    assert_eq!(f.severity, Severity::Error);
    assert!(f.evidence.contains("HTTP 400"), "{}", f.evidence);
    assert!(f.fix.as_deref().unwrap().contains("src/idp/clients.rs"));
}

#[tokio::test]
async fn trailing_slash_variant_is_found_and_the_port_may_vary() {
    let idp = idp(false).await;
    let r = diagnose(
        &for_idp(&idp, "http://127.0.0.1:0/callback/", ""),
        options(true),
    )
    .await;
    assert_eq!(r.verdict, Verdict::Rejected);
    let without_slash = r.redirect_uri.trim_end_matches('/').to_owned();
    assert!(
        r.accepted_variants.contains(&without_slash),
        "{:?}",
        r.accepted_variants
    );
    assert_eq!(r.port_may_vary, Some(true));
    let f = finding(&r, "variants.accepted");
    assert!(
        f.message
            .starts_with(&format!("the IdP accepts {without_slash}")),
        "{}",
        f.message
    );
    assert!(f
        .fix
        .as_deref()
        .unwrap()
        .contains(&format!("set callback_url = {without_slash:?}")));
    assert_eq!(finding(&r, "variants.port").severity, Severity::Info);
    let tried = finding(&r, "variants.accepted").evidence.lines().count();
    assert!(tried <= 12, "{tried} variants");
}

#[tokio::test]
async fn https_loopback_is_served_but_refused_by_an_http_only_registration() {
    let idp = idp(false).await;
    let r = diagnose(
        &for_idp(&idp, "https://127.0.0.1:0/callback", ""),
        options(true),
    )
    .await;
    assert_eq!(r.verdict, Verdict::Rejected);
    // tokenbench serves https on loopback (its own certificate); this client is registered
    // with http loopback redirects only, which the variants find.
    assert_eq!(finding(&r, "callback.scheme").severity, Severity::Info);
    assert!(
        r.accepted_variants
            .iter()
            .any(|v| v.starts_with("http://127.0.0.1:")),
        "{:?}",
        r.accepted_variants
    );
}

#[tokio::test]
async fn scope_and_client_errors_are_errors_not_rejections() {
    let idp = idp(false).await;
    let r = diagnose(
        &for_idp(
            &idp,
            "http://127.0.0.1:0/callback",
            "scope = \"openid admin\"\n",
        ),
        options(true),
    )
    .await;
    assert_eq!(r.verdict, Verdict::Error, "{}", render(&r, true));
    assert_eq!(r.oauth_error.as_ref().unwrap().error, "invalid_scope");
    assert_eq!(r.exit_code(), 3);
    assert!(finding(&r, "probe.verdict")
        .fix
        .as_deref()
        .unwrap()
        .contains("scope"));
    // Variants would all fail for the same reason.
    assert_eq!(finding(&r, "variants.skipped").severity, Severity::Info);
    assert!(r.accepted_variants.is_empty());

    let r = diagnose(
        &for_idp(
            &idp,
            "http://127.0.0.1:0/callback",
            "client_id = \"nobody\"\n",
        ),
        options(false),
    )
    .await;
    assert_eq!(r.verdict, Verdict::Error);
    assert!(r
        .idp_message
        .as_deref()
        .unwrap()
        .contains("unknown client_id"));
    assert!(finding(&r, "probe.verdict")
        .fix
        .as_deref()
        .unwrap()
        .contains("client_id"));
}

#[tokio::test]
async fn unreachable_idp_is_exit_6() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = diagnose(
        &profile(
            &format!("http://127.0.0.1:{closed}/authorize"),
            "http://127.0.0.1:0/callback",
            "",
        ),
        options(true),
    )
    .await;
    assert_eq!(r.verdict, Verdict::Unknown);
    assert_eq!(r.exit_code(), 6);
    assert!(r.unreachable.as_deref().unwrap().contains("cannot connect"));
    assert!(
        !r.unreachable.as_deref().unwrap().contains("state="),
        "the message names only the endpoint"
    );
    assert_eq!(finding(&r, "probe.unreachable").severity, Severity::Error);
    assert!(r.likely_cause().unwrap().contains("could not be reached"));
}

#[tokio::test]
async fn json_has_the_fixed_keys_and_every_finding_its_fields() {
    let idp = idp(false).await;
    let r = diagnose(
        &for_idp(&idp, "http://localhost:0/callback/", ""),
        options(true),
    )
    .await;
    let j = r.to_json();
    assert_eq!(j["verdict"], "rejected");
    assert!(j["idp_message"].is_string());
    assert!(j["accepted_variants"]
        .as_array()
        .unwrap()
        .iter()
        .all(|v| v.is_string()));
    for f in j["findings"].as_array().unwrap() {
        for key in ["severity", "check", "message", "evidence", "fix"] {
            assert!(f.get(key).is_some(), "{key} missing in {f}");
        }
        assert!(["error", "warning", "info"].contains(&f["severity"].as_str().unwrap()));
    }
    let text = render(&r, true);
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .starts_with("verdict: rejected"),
        "{text}"
    );
    assert!(text.contains("fix:"));
}

#[tokio::test]
async fn diagnose_can_run_in_a_spawned_task() {
    // The TUI runs it in the background: the future must be Send + 'static once owned.
    let idp = idp(false).await;
    let p = for_idp(&idp, "http://127.0.0.1:0/callback", "");
    let r = tokio::spawn(async move { diagnose(&p, options(false)).await })
        .await
        .unwrap();
    assert_eq!(r.verdict, Verdict::Accepted);
}

async fn signs_in_first(mode: tokenbench::idp::SignInFirst) -> IdpServer {
    let idp = idp(false).await;
    idp.set_faults(tokenbench::idp::Faults {
        sign_in_first: Some(mode),
        ..Default::default()
    });
    idp
}

#[tokio::test]
async fn a_sign_in_page_before_validation_is_settled_with_prompt_none() {
    use tokenbench::idp::SignInFirst;
    let idp = signs_in_first(SignInFirst::HonoursPromptNone).await;
    // Registered: prompt=none earns login_required at the callback.
    let r = diagnose(
        &for_idp(&idp, "http://127.0.0.1:0/callback", ""),
        options(false),
    )
    .await;
    assert_eq!(r.verdict, Verdict::Accepted, "{}", render(&r, true));
    let probe = r.probe.as_ref().unwrap();
    assert_eq!(probe.sign_in_first.as_deref(), Some("next"));
    assert!(probe
        .prompt_none_retry
        .as_ref()
        .unwrap()
        .contains("prompt=none"));
    assert_eq!(probe.reason, Reason::CallbackError);
    assert_eq!(r.oauth_error.as_ref().unwrap().error, "login_required");
    let j = r.to_json();
    assert_eq!(j["probe"]["sign_in_first"], "next");
    // Not registered: the sign-in page first, the error page with prompt=none.
    let r = diagnose(
        &for_idp(&idp, "http://127.0.0.1:0/callback/", ""),
        options(true),
    )
    .await;
    assert_eq!(r.verdict, Verdict::Rejected, "{}", render(&r, true));
    assert_eq!(r.exit_code(), 3);
    assert!(r
        .idp_message
        .as_deref()
        .unwrap()
        .starts_with("redirect_uri did not match any registered redirect URI"));
    // Variants likewise: only the registered path is accepted, not every one.
    assert!(!r.accepted_variants.is_empty(), "{}", render(&r, true));
    assert!(
        r.accepted_variants.iter().all(|v| v.ends_with("/callback")),
        "{:?}",
        r.accepted_variants
    );
    assert_eq!(idp.token_requests(), 0);
}

#[tokio::test]
async fn a_sign_in_page_before_validation_is_unknown_when_prompt_none_tells_nothing() {
    use tokenbench::idp::SignInFirst;
    let idp = signs_in_first(SignInFirst::IgnoresPromptNone).await;
    for callback in [
        "http://127.0.0.1:0/callback",
        "http://127.0.0.1:0/callback/",
    ] {
        let r = diagnose(&for_idp(&idp, callback, ""), options(true)).await;
        assert_eq!(r.verdict, Verdict::Unknown, "{}", render(&r, true));
        assert_eq!(
            r.probe.as_ref().unwrap().reason,
            Reason::SignInFirst {
                parameter: "next".into()
            }
        );
        let f = finding(&r, "probe.verdict");
        assert_eq!(f.severity, Severity::Warning);
        assert!(
            f.message.contains("before checking the redirect URI"),
            "{}",
            f.message
        );
        assert!(
            f.message.starts_with("tokenbench cannot tell"),
            "{}",
            f.message
        );
        assert!(r.accepted_variants.is_empty(), "{:?}", r.accepted_variants);
        let j = r.to_json();
        assert_eq!(j["verdict"], "unknown");
        assert_eq!(j["probe"]["reason"]["kind"], "sign_in_first");
    }
}
