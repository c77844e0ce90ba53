//! Whole runs against what a hostile web page or a squatting process can do on loopback: a
//! forged callback must not end the sign-in, another process on `[::1]:PORT` must not receive
//! the code, and a JWKS that never answers must not hold up the browser. In process, against
//! the embedded IdP, over real sockets.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokenbench::flow::{
    resolve, run_flow, run_resolved, system_now, BrowserMode, FlowEvent, FlowIo, FlowOptions,
    FlowReport, Resolved,
};
use tokenbench::idp::{IdpConfig, IdpServer, DEMO_CLIENT_ID};
use tokenbench::net::callback_server::RequestKind;
use tokenbench::net::http::{HttpClient, HttpLimits};
use tokenbench::oauth::random::OsEntropy;
use tokenbench::profile::load::{parse_raw, validate};
use tokenbench::profile::Profile;
use tokio::io::AsyncReadExt;
use tokio::sync::{mpsc, watch};

async fn idp() -> IdpServer {
    IdpServer::start(IdpConfig {
        auto_approve: true,
        ..IdpConfig::default()
    })
    .await
    .unwrap()
}

fn profile_text(idp: &IdpServer, callback: &str) -> String {
    let issuer = idp.issuer();
    format!(
        "issuer = \"{issuer}\"\ncallback_url = \"{callback}\"\nauth_url = \"{issuer}/authorize\"\n\
         token_url = \"{issuer}/token\"\nclient_id = \"{DEMO_CLIENT_ID}\"\nscope = \"openid\"\n"
    )
}

fn profile(idp: &IdpServer, callback: &str) -> Profile {
    let p = std::path::Path::new("hostile.toml");
    validate(
        p,
        "hostile",
        &parse_raw(p, &profile_text(idp, callback)).unwrap(),
    )
    .unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// What happens once the run has published its authorization URL.
type Browser = fn(String) -> futures::future::BoxFuture<'static, ()>;

/// Runs `run` with `browser` acting on the authorization URL; returns the report and the
/// events in the order they came.
async fn with_browser<F>(run: F, browser: Option<Browser>) -> (FlowReport, Vec<FlowEvent>)
where
    F: AsyncFnOnce(FlowIo<'_>) -> FlowReport,
{
    let (tx, mut rx) = mpsc::unbounded_channel();
    let collector = tokio::spawn(async move {
        let mut events = Vec::new();
        while let Some(e) = rx.recv().await {
            if let (FlowEvent::AuthorizationUrl(url), Some(b)) = (&e, browser) {
                tokio::spawn(b(url.clone()));
            }
            events.push(e);
        }
        events
    });
    let env = |_: &str| None;
    let io = FlowIo {
        entropy: &mut OsEntropy,
        now: system_now,
        env: &env,
        events: tx,
        paste: None,
    };
    let report = run(io).await;
    (report, collector.await.unwrap())
}

fn options(timeout: Duration) -> FlowOptions {
    FlowOptions {
        timeout,
        browser: BrowserMode::PrintOnly,
        diagnose_after: None,
        ..FlowOptions::default()
    }
}

/// The callback URL the run listens on, taken from the authorization URL.
fn redirect_uri(auth_url: &str) -> String {
    url::Url::parse(auth_url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .unwrap()
        .1
        .into_owned()
}

/// What a web page in the person's browser can send: a cross-origin GET to the callback.
async fn forge(auth_url: &str, query: &str) -> (u16, String) {
    let r = client()
        .get(format!("{}?{query}", redirect_uri(auth_url)))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The person signing in: the auto-approving IdP redirects to the real callback.
async fn sign_in(auth_url: &str) -> u16 {
    let r = client().get(auth_url).send().await.unwrap();
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    client()
        .get(location)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn message(report: &FlowReport) -> String {
    report
        .error
        .as_ref()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn forged_callbacks_are_recorded_and_the_run_waits_for_the_real_one() {
    let idp = idp().await;
    let p = profile(&idp, "http://127.0.0.1:0/callback");
    let browser: Browser = |url| {
        Box::pin(async move {
            let (status, page) = forge(&url, "code=attacker&state=guessed").await;
            assert_eq!(status, 400);
            assert!(page.contains("Callback rejected"), "{page}");
            assert!(page.contains("still waiting"), "{page}");
            // Without a state at all: refused the same way.
            assert_eq!(forge(&url, "code=attacker").await.0, 400);
            assert_eq!(sign_in(&url).await, 200);
        })
    };
    let (report, events) = with_browser(
        async |io| run_flow(&p, &options(Duration::from_secs(10)), io).await,
        Some(browser),
    )
    .await;
    assert_eq!(report.exit_code(), 0, "{}", message(&report));
    assert_eq!(idp.token_requests(), 1);
    let json = report.to_json();
    assert_eq!(json["invalid_callbacks"], 2, "{json:#}");
    let strays = json["stray_requests"].as_array().unwrap();
    assert_eq!(strays.len(), 2, "{json:#}");
    for s in strays {
        assert_eq!(s["kind"], "forged_callback");
        assert!(
            s["note"].as_str().unwrap().contains("forged or stale"),
            "{s}"
        );
    }
    assert_eq!(
        strays[0]["note"],
        "state does not match: forged or stale callback"
    );
    assert_eq!(
        strays[0]["params"][0][1], "[redacted]",
        "the code is redacted"
    );
    // Neither is a near miss: they are on the right path by design.
    assert!(json.get("near_misses").is_none());
    // Shown as they came, before the real callback.
    let forged_at: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e, FlowEvent::Stray(r) if r.kind == RequestKind::ForgedCallback))
        .map(|(i, _)| i)
        .collect();
    let received = events
        .iter()
        .position(|e| matches!(e, FlowEvent::CallbackReceived))
        .unwrap();
    assert_eq!(forged_at.len(), 2);
    assert!(forged_at.iter().all(|&i| i < received));
}

#[tokio::test]
async fn only_forged_callbacks_end_in_exit_4_at_the_timeout() {
    let idp = idp().await;
    let p = profile(&idp, "http://127.0.0.1:0/callback");
    let browser: Browser = |url| {
        Box::pin(async move {
            assert_eq!(forge(&url, "code=attacker&state=stale").await.0, 400);
        })
    };
    let (report, _) = with_browser(
        async |io| run_flow(&p, &options(Duration::from_secs(3)), io).await,
        Some(browser),
    )
    .await;
    assert_eq!(report.exit_code(), 4, "{}", message(&report));
    let json = report.to_json();
    assert_eq!(json["error"]["kind"], "callback_invalid");
    let text = message(&report);
    assert!(
        text.contains("1 callback(s) arrived") && text.contains("none carried the state"),
        "{text}"
    );
    assert_eq!(json["stray_requests"][0]["kind"], "forged_callback");
    assert!(report.token_request.is_none());
    assert_eq!(idp.token_requests(), 0);
}

#[tokio::test]
async fn a_callback_with_the_right_state_ends_the_run_whatever_it_carries() {
    let idp = idp().await;
    let p = profile(&idp, "http://127.0.0.1:0/callback");
    let browser: Browser = |url| {
        Box::pin(async move {
            let state = url::Url::parse(&url)
                .unwrap()
                .query_pairs()
                .find(|(k, _)| k == "state")
                .unwrap()
                .1
                .into_owned();
            // The right state, but an `iss` from another server (RFC 9207).
            let query = format!("code=c&state={state}&iss=https%3A%2F%2Fevil.example");
            assert_eq!(forge(&url, &query).await.0, 400);
        })
    };
    let (report, _) = with_browser(
        async |io| run_flow(&p, &options(Duration::from_secs(30)), io).await,
        Some(browser),
    )
    .await;
    // At once, with what is wrong with it (not "none carried the state" at the timeout).
    assert_eq!(report.exit_code(), 4, "{}", message(&report));
    assert_eq!(report.to_json()["error"]["kind"], "callback_invalid");
    assert!(
        message(&report).contains("iss is \"https://evil.example\""),
        "{}",
        message(&report)
    );
    assert_eq!(report.invalid_callbacks, 0);
    assert_eq!(idp.token_requests(), 0);
}

#[tokio::test]
async fn another_process_on_ipv6_localhost_stops_the_run_before_the_browser() {
    let squatter = match std::net::TcpListener::bind("[::1]:0") {
        Ok(l) => l,
        Err(e) => {
            eprintln!("SKIPPED: no IPv6 loopback here ({e})");
            return;
        }
    };
    let port = squatter.local_addr().unwrap().port();
    let idp = idp().await;
    let p = profile(&idp, &format!("http://localhost:{port}/cb"));
    let (report, events) = with_browser(
        async |io| run_flow(&p, &options(Duration::from_secs(10)), io).await,
        None,
    )
    .await;
    assert_eq!(report.exit_code(), 2, "{}", message(&report));
    let json = report.to_json();
    assert_eq!(json["error"]["kind"], "callback_server");
    let text = message(&report);
    // The squatter is this test process, which /proc names on Linux.
    let who = if cfg!(target_os = "linux") {
        format!("process {} (", std::process::id())
    } else {
        "another process".to_owned()
    };
    assert!(
        text.contains(&format!("[::1]:{port}")) && text.contains(&who),
        "{text}"
    );
    assert!(!events
        .iter()
        .any(|e| matches!(e, FlowEvent::AuthorizationUrl(_) | FlowEvent::Browser(_))));
    drop(squatter);
}

/// A JWKS endpoint that accepts and never answers until released; afterwards it drops every
/// connection. Counts the connections the client gave up on before the release.
struct SilentJwks {
    url: String,
    release: watch::Sender<bool>,
    abandoned: Arc<AtomicUsize>,
}

async fn released(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|r| *r).await;
}

async fn silent_jwks() -> SilentJwks {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks", listener.local_addr().unwrap());
    let (release, rx) = watch::channel(false);
    let abandoned = Arc::new(AtomicUsize::new(0));
    let gave_up = abandoned.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (mut rx, gave_up) = (rx.clone(), gave_up.clone());
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                loop {
                    tokio::select! {
                        () = released(&mut rx) => return,
                        n = stream.read(&mut buf) => match n {
                            Ok(0) | Err(_) => {
                                gave_up.fetch_add(1, Ordering::SeqCst);
                                return;
                            }
                            Ok(_) => {}
                        },
                    }
                }
            });
        }
    });
    SilentJwks {
        url,
        release,
        abandoned,
    }
}

#[tokio::test]
async fn a_jwks_that_never_answers_does_not_hold_up_the_browser() {
    let idp = idp().await;
    let path = std::path::Path::new("hostile.toml");
    let text = profile_text(&idp, "http://127.0.0.1:0/callback");
    let http = HttpClient::new(HttpLimits::default()).unwrap();
    let mut resolved: Resolved = resolve(&parse_raw(path, &text).unwrap(), path, &http)
        .await
        .unwrap();
    let jwks = silent_jwks().await;
    resolved.metadata.as_mut().unwrap().jwks_uri = Some(jwks.url.clone());

    let (tx, mut rx) = mpsc::unbounded_channel();
    let release = jwks.release.clone();
    let collector = tokio::spawn(async move {
        let mut events = Vec::new();
        while let Some(e) = rx.recv().await {
            if let FlowEvent::AuthorizationUrl(url) = &e {
                let url = url.clone();
                tokio::spawn(async move { sign_in(&url).await });
            }
            // The browser is open while the keys are still being fetched: only now may the
            // JWKS endpoint let go. Before the change, the run waited for it first.
            if matches!(e, FlowEvent::Browser(_)) {
                let _ = release.send(true);
            }
            events.push(e);
        }
        events
    });
    let env = |_: &str| None;
    let io = FlowIo {
        entropy: &mut OsEntropy,
        now: system_now,
        env: &env,
        events: tx,
        paste: None,
    };
    let report = run_resolved(&resolved, &options(Duration::from_secs(30)), io).await;
    let events = collector.await.unwrap();
    assert!(events.iter().any(|e| matches!(e, FlowEvent::Browser(_))));
    assert_eq!(
        jwks.abandoned.load(Ordering::SeqCst),
        0,
        "the JWKS fetch ran out before the browser opened"
    );
    // The run still finishes: the ID token is UNVERIFIED, and says why.
    let json = report.to_json();
    assert_eq!(report.exit_code(), 4, "{json:#}");
    assert_eq!(json["error"]["kind"], "id_token_invalid");
    let signature = json["tokens"]["id_token"]["validation"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "signature")
        .unwrap();
    assert!(
        signature["detail"]
            .as_str()
            .unwrap()
            .contains("keys could not be fetched"),
        "{signature}"
    );
    assert_eq!(json["tokens"]["id_token"]["verified"], false);
}

#[test]
fn the_flow_pane_says_a_forged_callback_was_refused_and_the_run_waits() {
    use tokenbench::net::callback_server::RequestRecord;
    use tokenbench::tui::event::{AppEvent, Event};
    use tokenbench::tui::{App, Mode};
    let mut app = App::new(Mode::Normal, 0);
    app.flow.status = tokenbench::tui::app::FlowStatus::Running {
        started: 0,
        deadline: 300,
    };
    let record = RequestRecord {
        kind: RequestKind::ForgedCallback,
        method: "GET".into(),
        path: "/callback".into(),
        params: vec![("state".into(), "guessed\u{1b}[2J".into())],
        form: Vec::new(),
        content_type: None,
        fragment: false,
        status: 400,
        note: "state does not match: forged or stale callback".into(),
    };
    app.update(
        Event::App(Box::new(AppEvent::Flow(FlowEvent::Stray(record)))),
        0,
    );
    let last = &app.flow.steps.last().unwrap().text;
    assert_eq!(
        last,
        "refused a callback (state does not match: forged or stale callback); still waiting for the real one"
    );
}
