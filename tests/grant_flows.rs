//! The device and client credentials grants in process against the embedded IdP: the poll
//! answers (pending, slow_down, denied, expired) with the waits they ask for, taken from a
//! clock that records them instead of sleeping.

use std::sync::Mutex;
use std::time::Duration;

use futures::future::BoxFuture;
use tokenbench::flow::device::PollClock;
use tokenbench::flow::{
    run_flow_with_clock, system_now, FlowEvent, FlowIo, FlowOptions, FlowReport,
};
use tokenbench::idp::{
    DeviceFault, Faults, IdpConfig, IdpServer, DEMO_CLIENT_ID, DEMO_CONFIDENTIAL_CLIENT_ID,
    DEMO_CONFIDENTIAL_SECRET, DEVICE_INTERVAL,
};
use tokenbench::oauth::random::OsEntropy;
use tokenbench::profile::load::{parse_raw, validate};
use tokenbench::profile::Profile;

/// Records every wait asked for and returns at once.
#[derive(Default)]
struct RecordingClock(Mutex<Vec<Duration>>);

impl PollClock for RecordingClock {
    fn sleep(&self, duration: Duration) -> BoxFuture<'_, ()> {
        self.0.lock().unwrap().push(duration);
        Box::pin(async {})
    }
}

impl RecordingClock {
    fn secs(&self) -> Vec<u64> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(Duration::as_secs)
            .collect()
    }
}

async fn idp(faults: Faults) -> IdpServer {
    IdpServer::start(IdpConfig {
        auto_approve: true,
        faults,
        ..IdpConfig::default()
    })
    .await
    .unwrap()
}

fn profile(idp: &IdpServer, grant: &str, client: &str, scope: &str) -> Profile {
    let text = format!(
        "issuer = \"{0}\"\ntoken_url = \"{0}/token\"\ngrant_type = \"{grant}\"\n{client}\nscope = \"{scope}\"\n",
        idp.issuer()
    );
    let path = std::path::Path::new("test.toml");
    validate(path, "test", &parse_raw(path, &text).unwrap()).unwrap()
}

fn public() -> String {
    format!("client_id = \"{DEMO_CLIENT_ID}\"")
}

fn confidential() -> String {
    format!(
        "client_id = \"{DEMO_CONFIDENTIAL_CLIENT_ID}\"\nclient_secret = \"{DEMO_CONFIDENTIAL_SECRET}\""
    )
}

async fn run(profile: &Profile, clock: &RecordingClock) -> (FlowReport, Vec<FlowEvent>) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let io = FlowIo {
        entropy: &mut OsEntropy,
        now: system_now,
        env: &|_| None,
        events: tx,
        paste: None,
    };
    let report = run_flow_with_clock(profile, &FlowOptions::default(), io, clock).await;
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    (report, events)
}

fn message(report: &FlowReport) -> String {
    report
        .error
        .as_ref()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn device_grant_waits_while_pending_then_verifies_the_id_token() {
    let idp = idp(Faults::default()).await;
    let clock = RecordingClock::default();
    let p = profile(&idp, "device_code", &public(), "openid profile");
    let (report, events) = run(&p, &clock).await;
    assert_eq!(report.exit_code(), 0, "{}", message(&report));
    let json = report.to_json();
    assert_eq!(json["grant_type"], "device_code");
    let device = &json["device_authorization"];
    assert_eq!(device["polls"], 2);
    assert_eq!(device["response"]["interval"], DEVICE_INTERVAL);
    assert!(device["response"]["user_code"].is_string());
    assert!(device["response"].get("device_code").is_none());
    assert_eq!(device["request"]["form"]["client_id"], DEMO_CLIENT_ID);
    assert_eq!(json["token_request"]["form"]["device_code"], "[redacted]");
    // The ID token passed every check that applies; no nonce was sent.
    assert_eq!(json["tokens"]["id_token"]["verified"], true);
    assert!(report.received.is_some());
    assert_eq!(clock.secs(), [DEVICE_INTERVAL, DEVICE_INTERVAL]);
    assert!(events
        .iter()
        .any(|e| matches!(e, FlowEvent::DevicePending { polls: 1, .. })));
    assert!(events.iter().any(
        |e| matches!(e, FlowEvent::DeviceAuthorization(p) if p.verification_uri_complete.is_some())
    ));
}

#[tokio::test]
async fn slow_down_adds_five_seconds_to_this_and_every_later_poll() {
    let idp = idp(Faults {
        device: Some(DeviceFault::SlowDown),
        ..Faults::default()
    })
    .await;
    let clock = RecordingClock::default();
    let (report, events) = run(&profile(&idp, "device_code", &public(), "openid"), &clock).await;
    assert_eq!(report.exit_code(), 0, "{}", message(&report));
    let slower = DEVICE_INTERVAL + 5;
    assert_eq!(clock.secs(), [DEVICE_INTERVAL, slower, slower]);
    assert!(events
        .iter()
        .any(|e| matches!(e, FlowEvent::DeviceSlowDown { interval, .. } if *interval == slower)));
    assert_eq!(report.to_json()["device_authorization"]["polls"], 3);
}

#[tokio::test]
async fn access_denied_is_exit_3_and_expired_token_exit_5() {
    for (fault, code, kind) in [
        (DeviceFault::Denied, 3, "oauth_error"),
        (DeviceFault::Expired, 5, "expired_token"),
    ] {
        let idp = idp(Faults {
            device: Some(fault),
            ..Faults::default()
        })
        .await;
        let clock = RecordingClock::default();
        let (report, _) = run(&profile(&idp, "device_code", &public(), "openid"), &clock).await;
        assert_eq!(report.exit_code(), code, "{fault:?}: {}", message(&report));
        let json = report.to_json();
        assert_eq!(json["error"]["kind"], kind, "{json}");
        assert_eq!(json["device_authorization"]["polls"], 2);
        assert!(report.received.is_none());
    }
}

#[tokio::test]
async fn an_idp_that_never_decides_ends_at_expires_in_with_exit_5() {
    // Not auto-approved, no one at the verification page: pending until the code's life ends.
    let idp = IdpServer::start(IdpConfig::default()).await.unwrap();
    let clock = RecordingClock::default();
    let (report, _) = run(&profile(&idp, "device_code", &public(), "openid"), &clock).await;
    assert_eq!(report.exit_code(), 5, "{}", message(&report));
    let waited: u64 = clock.secs().iter().sum();
    assert_eq!(waited, tokenbench::idp::DEVICE_EXPIRES_IN);
}

#[tokio::test]
async fn client_credentials_authenticates_the_client_and_gets_a_token() {
    let idp = idp(Faults::default()).await;
    let clock = RecordingClock::default();
    let (report, _) = run(
        &profile(&idp, "client_credentials", &confidential(), ""),
        &clock,
    )
    .await;
    assert_eq!(report.exit_code(), 0, "{}", message(&report));
    let json = report.to_json();
    assert_eq!(json["grant_type"], "client_credentials");
    assert_eq!(
        json["token_request"]["form"]["grant_type"],
        "client_credentials"
    );
    assert_eq!(
        json["token_request"]["headers"]["authorization"],
        "Basic [redacted]"
    );
    assert!(json.get("authorization_request").is_none());
    assert!(json["tokens"]["access_token"].is_object());
    assert!(clock.secs().is_empty());
    // A public client may not use it: the IdP's refusal is exit 3.
    let (report, _) = run(&profile(&idp, "client_credentials", &public(), ""), &clock).await;
    assert_eq!(report.exit_code(), 3, "{}", message(&report));
}
