//! An `https://` loopback callback (for IdPs or registrations that accept only https
//! redirects), end to end against the embedded IdP's https-only client: the callback is
//! served over TLS with a certificate made once per profile (0600, reused, its fingerprint
//! reported), a symbolic link at its path is refused, and `doctor` says when a registration
//! requires https.

use std::path::Path;
use std::time::Duration;

use tokenbench::doctor::{diagnose, render, DoctorOptions, Verdict};
use tokenbench::flow::{run_flow, system_now, BrowserMode, FlowEvent, FlowIo, FlowOptions};
use tokenbench::idp::{IdpConfig, IdpServer, DEMO_HTTPS_CLIENT_ID};
use tokenbench::net::tls;
use tokenbench::oauth::random::OsEntropy;
use tokenbench::profile::load::{parse_raw, validate};
use tokenbench::profile::Profile;

fn no_env(_: &str) -> Option<std::ffi::OsString> {
    None
}

fn profile(idp: &IdpServer, callback: &str) -> Profile {
    let issuer = idp.issuer();
    let text = format!(
        "issuer = \"{issuer}\"\ncallback_url = \"{callback}\"\nauth_url = \"{issuer}/authorize\"\n\
         token_url = \"{issuer}/token\"\nclient_id = \"{DEMO_HTTPS_CLIENT_ID}\"\nscope = \"openid profile\"\n"
    );
    let path = Path::new("https-only.toml");
    validate(path, "https-only", &parse_raw(path, &text).unwrap()).unwrap()
}

/// One run with the in-process browser; the report's JSON and the certificate event.
async fn run(profile: &Profile) -> (serde_json::Value, i32, Vec<FlowEvent>) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let options = FlowOptions {
        timeout: Duration::from_secs(20),
        browser: BrowserMode::Follow,
        diagnose_after: None,
        ..FlowOptions::default()
    };
    let io = FlowIo {
        entropy: Box::leak(Box::new(OsEntropy)),
        now: system_now,
        env: &no_env,
        events: tx,
        paste: None,
    };
    let report = run_flow(profile, &options, io).await;
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        if matches!(e, FlowEvent::CallbackCertificate { .. }) {
            events.push(e);
        }
    }
    (report.to_json(), report.exit_code(), events)
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

// The certificate lives under the data directory, found through XDG_DATA_HOME: set once,
// before anything runs, in the only test of this file that reads it.
#[tokio::test]
async fn https_loopback_callback_runs_end_to_end_with_a_reused_certificate() {
    let home = tempfile::tempdir().unwrap();
    std::env::set_var("XDG_DATA_HOME", home.path().join("data"));
    let idp = IdpServer::start(IdpConfig {
        auto_approve: true,
        ..IdpConfig::default()
    })
    .await
    .unwrap();
    let profile = profile(&idp, "https://127.0.0.1:0/callback");

    let (first, code, events) = run(&profile).await;
    assert_eq!(code, 0, "{first:#}");
    let tls_json = &first["callback"]["tls"];
    let fingerprint = tls_json["fingerprint_sha256"].as_str().unwrap().to_owned();
    assert_eq!(fingerprint.len(), 32 * 3 - 1, "{fingerprint}");
    assert_eq!(tls_json["created"], true);
    // The callback itself came over TLS to the https redirect URI.
    assert!(first["authorization_request"]["url"]
        .as_str()
        .unwrap()
        .contains("redirect_uri=https%3A%2F%2F127.0.0.1%3A"));
    assert_eq!(first["callback"]["response_mode"], "query");
    let [FlowEvent::CallbackCertificate {
        path, explanation, ..
    }] = events.as_slice()
    else {
        panic!("{events:?}");
    };
    assert!(explanation.starts_with(
        "your browser will warn once about this certificate: it was made by tokenbench for 127.0.0.1; fingerprint"
    ));
    assert!(explanation.ends_with(&fingerprint));
    let path = Path::new(path);
    assert_eq!(
        path,
        tls::path_for(
            &home.path().join("data/tokenbench/tls"),
            "https-only",
            "127.0.0.1"
        )
    );
    #[cfg(unix)]
    assert_eq!(mode(path), 0o600);

    // A second run serves the same certificate: the browser's exception still holds.
    let (second, code, _) = run(&profile).await;
    assert_eq!(code, 0, "{second:#}");
    assert_eq!(second["callback"]["tls"]["fingerprint_sha256"], fingerprint);
    assert_eq!(second["callback"]["tls"]["created"], false);

    // Plain http callbacks are unchanged: no certificate, no `tls`.
    let http = profile_with_client(&idp, "http://127.0.0.1:0/callback");
    let (plain, code, events) = run(&http).await;
    assert_eq!(code, 0, "{plain:#}");
    assert!(plain["callback"].get("tls").is_none(), "{plain:#}");
    assert!(events.is_empty());
}

/// The public demo client (http loopback registrations).
fn profile_with_client(idp: &IdpServer, callback: &str) -> Profile {
    let issuer = idp.issuer();
    let text = format!(
        "issuer = \"{issuer}\"\ncallback_url = \"{callback}\"\nauth_url = \"{issuer}/authorize\"\n\
         token_url = \"{issuer}/token\"\nclient_id = \"{}\"\nscope = \"openid profile\"\n",
        tokenbench::idp::DEMO_CLIENT_ID
    );
    let path = Path::new("plain.toml");
    validate(path, "plain", &parse_raw(path, &text).unwrap()).unwrap()
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_at_the_certificate_path_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tls_dir = dir.path().join("tls");
    std::fs::create_dir(&tls_dir).unwrap();
    std::fs::set_permissions(
        &tls_dir,
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let target = dir.path().join("elsewhere.pem");
    std::fs::write(&target, "not yours").unwrap();
    let at = tls::path_for(&tls_dir, "p", "127.0.0.1");
    std::os::unix::fs::symlink(&target, &at).unwrap();
    let e = tls::load_or_create(&tls_dir, "p", "127.0.0.1").unwrap_err();
    assert!(e.to_string().contains("symbolic link"), "{e}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "not yours");
}

#[test]
fn certificates_are_made_once_per_profile_and_host() {
    let dir = tempfile::tempdir().unwrap();
    let tls_dir = dir.path().join("tls");
    let a = tls::load_or_create(&tls_dir, "p", "127.0.0.1").unwrap();
    assert!(a.created);
    let again = tls::load_or_create(&tls_dir, "p", "127.0.0.1").unwrap();
    assert!(!again.created);
    assert_eq!(a.fingerprint_sha256, again.fingerprint_sha256);
    let v6 = tls::load_or_create(&tls_dir, "p", "[::1]").unwrap();
    let localhost = tls::load_or_create(&tls_dir, "p", "localhost").unwrap();
    assert_ne!(v6.fingerprint_sha256, a.fingerprint_sha256);
    assert_ne!(localhost.path, a.path);
}

#[tokio::test]
async fn doctor_says_when_the_registration_requires_https() {
    let idp = IdpServer::start(IdpConfig::default()).await.unwrap();
    let r = diagnose(
        &profile(&idp, "http://127.0.0.1:0/callback"),
        DoctorOptions::default(),
    )
    .await;
    assert_eq!(r.verdict, Verdict::Rejected, "{}", render(&r, true));
    let verdict = r
        .findings
        .iter()
        .find(|f| f.check == "probe.verdict")
        .unwrap();
    let fix = verdict.fix.as_deref().unwrap_or_default();
    assert!(
        fix.contains("accepts only https redirect URIs")
            && fix.contains("callback_url = \"https://127.0.0.1:"),
        "{}",
        render(&r, true)
    );
    // The https callback is accepted by the same registration.
    let ok = diagnose(
        &profile(&idp, "https://127.0.0.1:0/callback"),
        DoctorOptions::default(),
    )
    .await;
    assert_eq!(ok.verdict, Verdict::Accepted, "{}", render(&ok, true));
    assert_eq!(ok.exit_code(), 0, "{}", render(&ok, true));
    let scheme = ok
        .findings
        .iter()
        .find(|f| f.check == "callback.scheme")
        .unwrap();
    assert_eq!(scheme.severity, tokenbench::doctor::Severity::Info);
}
