//! Live diagnosis during a run, in process against the embedded IdP over real sockets: the
//! background probe's verdict while waiting, the timeout's likely cause, near-miss callbacks,
//! fragment and form_post responses, and hints for callback errors.

use std::time::{Duration, Instant};

use base64::Engine as _;
use sha2::Digest as _;
use tokenbench::doctor::{NearMissKind, Verdict};
use tokenbench::flow::{
    run_flow, system_now, BrowserMode, FlowEvent, FlowIo, FlowOptions, FlowReport,
};
use tokenbench::idp::{IdpConfig, IdpServer, DEMO_CLIENT_ID};
use tokenbench::net::callback_server::ResponseMode;
use tokenbench::oauth::random::OsEntropy;
use tokenbench::profile::load::{parse_raw, validate};
use tokenbench::profile::Profile;
use tokio::sync::mpsc;

async fn idp(auto_approve: bool) -> IdpServer {
    IdpServer::start(IdpConfig {
        auto_approve,
        ..IdpConfig::default()
    })
    .await
    .unwrap()
}

fn profile(idp: &IdpServer, path: &str) -> Profile {
    let issuer = idp.issuer();
    let text = format!(
        "issuer = \"{issuer}\"\ncallback_url = \"http://127.0.0.1:0{path}\"\nauth_url = \"{issuer}/authorize\"\n\
         token_url = \"{issuer}/token\"\nclient_id = \"{DEMO_CLIENT_ID}\"\nscope = \"openid\"\n"
    );
    let p = std::path::Path::new("live.toml");
    validate(p, "live", &parse_raw(p, &text).unwrap()).unwrap()
}

/// What the person's browser does once it has the authorization URL.
type Browser = fn(String) -> futures::future::BoxFuture<'static, ()>;

/// Runs a flow with `browser` acting on the authorization URL; returns the report, the
/// events with the time they arrived, and how long the run took.
async fn run(
    profile: &Profile,
    options: FlowOptions,
    browser: Option<Browser>,
) -> (FlowReport, Vec<(Duration, FlowEvent)>, Duration) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let started = Instant::now();
    let collector = tokio::spawn(async move {
        let mut events = Vec::new();
        while let Some(e) = rx.recv().await {
            if let (FlowEvent::AuthorizationUrl(url), Some(b)) = (&e, browser) {
                tokio::spawn(b(url.clone()));
            }
            events.push((started.elapsed(), e));
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
    let report = run_flow(profile, &options, io).await;
    let took = started.elapsed();
    (report, collector.await.unwrap(), took)
}

fn options(timeout: Duration, diagnose_after: Option<Duration>) -> FlowOptions {
    FlowOptions {
        timeout,
        browser: BrowserMode::PrintOnly,
        diagnose_after,
        ..FlowOptions::default()
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The auto-approving IdP's answer: the callback URL with code, state and iss.
async fn callback_location(auth_url: &str) -> url::Url {
    let r = client().get(auth_url).send().await.unwrap();
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    url::Url::parse(&location).unwrap()
}

fn message(report: &FlowReport) -> String {
    report
        .error
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default()
}

#[tokio::test]
async fn background_probe_reports_a_rejected_redirect_while_waiting() {
    let idp = idp(false).await;
    let (report, events, _) = run(
        &profile(&idp, "/cb"),
        options(Duration::from_secs(2), Some(Duration::from_millis(500))),
        None,
    )
    .await;
    assert_eq!(report.exit_code(), 5, "{}", message(&report));
    let (at, diagnosis) = events
        .iter()
        .find_map(|(t, e)| match e {
            FlowEvent::Diagnosis(d) => Some((*t, d)),
            _ => None,
        })
        .expect("a Diagnosis event");
    // Not before it was due; the upper bound is the run's own timeout (it is in the events).
    assert!(at >= Duration::from_millis(450), "diagnosis at {at:?}");
    assert_eq!(diagnosis.verdict, Verdict::Rejected);
    let m = message(&report);
    assert!(
        m.starts_with("no callback arrived within 2 s; likely cause: the IdP rejects redirect_uri"),
        "{m}"
    );
    assert!(
        m.contains("redirect_uri did not match any registered redirect URI"),
        "{m}"
    );
    assert_eq!(report.to_json()["diagnosis"]["verdict"], "rejected");
}

#[tokio::test]
async fn timeout_names_the_cause_even_without_the_background_probe() {
    let idp = idp(false).await;
    let (report, events, _) = run(
        &profile(&idp, "/callback"),
        options(Duration::from_secs(1), None),
        None,
    )
    .await;
    assert_eq!(report.exit_code(), 5);
    assert!(!events
        .iter()
        .any(|(_, e)| matches!(e, FlowEvent::Diagnosis(_))));
    let m = message(&report);
    assert!(
        m.contains("likely cause: the IdP accepts redirect_uri"),
        "{m}"
    );
    assert!(m.contains("sign-in was probably not completed"), "{m}");
}

#[tokio::test]
async fn near_miss_path_is_reported_and_the_run_goes_on() {
    let idp = idp(true).await;
    let browser: Browser = |url| {
        Box::pin(async move {
            let real = callback_location(&url).await;
            let mut slash = real.clone();
            slash.set_path(&format!("{}/", real.path()));
            let c = client();
            assert_eq!(c.get(slash.as_str()).send().await.unwrap().status(), 404);
            c.get(real.as_str()).send().await.unwrap();
        })
    };
    let (report, events, _) = run(
        &profile(&idp, "/callback"),
        options(Duration::from_secs(10), None),
        Some(browser),
    )
    .await;
    assert_eq!(report.exit_code(), 0, "{}", message(&report));
    let near = events
        .iter()
        .find_map(|(_, e)| match e {
            FlowEvent::NearMiss(n) => Some(n),
            _ => None,
        })
        .expect("a NearMiss event");
    assert_eq!(near.kind, NearMissKind::TrailingSlash);
    assert!(near.carries_response);
    assert!(
        near.message.contains("only the trailing slash differs"),
        "{}",
        near.message
    );
    let json = report.to_json();
    assert_eq!(json["near_misses"][0]["kind"], "trailing_slash");
    assert_eq!(json["near_misses"][0]["path"], "/callback/");
    assert_eq!(json["stray_requests"][0]["params"][0][1], "[redacted]");
}

#[tokio::test]
async fn fragment_response_is_relayed_by_the_callback_page() {
    let idp = idp(true).await;
    let browser: Browser = |url| {
        Box::pin(async move {
            let real = callback_location(&url).await;
            let fragment = real.query().unwrap().to_owned();
            let mut bare = real.clone();
            bare.set_query(None);
            // The browser requests the callback without the fragment...
            let page = client().get(bare.as_str()).send().await.unwrap();
            let csp = page.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .to_owned();
            let html = page.text().await.unwrap();
            let script = html
                .split("<script>")
                .nth(1)
                .unwrap()
                .split("</script>")
                .next()
                .unwrap();
            let hash = base64::engine::general_purpose::STANDARD
                .encode(sha2::Sha256::digest(script.as_bytes()));
            // ...and the CSP allows exactly that page's script, which posts the fragment back.
            assert!(
                csp.contains(&format!("script-src 'sha256-{hash}'")),
                "{csp}"
            );
            assert!(
                csp.contains("connect-src 'self'") && csp.contains("default-src 'none'"),
                "{csp}"
            );
            assert!(script.contains("location.hash") && script.contains("X-Tokenbench-Fragment"));
            let r = client()
                .post(bare.as_str())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Tokenbench-Fragment", "1")
                .body(fragment)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            assert!(r.text().await.unwrap().contains("Signed in"));
        })
    };
    let (report, events, _) = run(
        &profile(&idp, "/callback"),
        options(Duration::from_secs(10), None),
        Some(browser),
    )
    .await;
    assert_eq!(report.exit_code(), 0, "{}", message(&report));
    assert!(events
        .iter()
        .any(|(_, e)| matches!(e, FlowEvent::CallbackVia(ResponseMode::Fragment))));
    let json = report.to_json();
    assert_eq!(json["callback"]["response_mode"], "fragment");
    assert_eq!(json["callback"]["params"]["code"], "[redacted]");
    assert_eq!(json["tokens"]["id_token"]["kind"], "jwt");
}

#[tokio::test]
async fn form_post_response_is_handled_like_a_query() {
    let idp = idp(true).await;
    let browser: Browser = |url| {
        Box::pin(async move {
            let real = callback_location(&url).await;
            let mut bare = real.clone();
            bare.set_query(None);
            let r = client()
                .post(bare.as_str())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(real.query().unwrap().to_owned())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
        })
    };
    let (report, events, _) = run(
        &profile(&idp, "/callback"),
        options(Duration::from_secs(10), None),
        Some(browser),
    )
    .await;
    assert_eq!(report.exit_code(), 0, "{}", message(&report));
    assert!(events
        .iter()
        .any(|(_, e)| matches!(e, FlowEvent::CallbackVia(ResponseMode::FormPost))));
    assert_eq!(report.to_json()["callback"]["response_mode"], "form_post");
}

#[tokio::test]
async fn form_post_with_the_wrong_state_is_refused_like_a_get() {
    let idp = idp(true).await;
    let browser: Browser = |url| {
        Box::pin(async move {
            let real = callback_location(&url).await;
            let mut bare = real.clone();
            bare.set_query(None);
            let forged: String = real
                .query_pairs()
                .map(|(k, v)| {
                    if k == "state" {
                        format!("{k}=forged")
                    } else {
                        format!("{k}={}", urlencode(&v))
                    }
                })
                .collect::<Vec<_>>()
                .join("&");
            let post = |body: String| {
                client()
                    .post(bare.as_str())
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(body)
            };
            assert_eq!(post(forged).send().await.unwrap().status(), 400);
            // The run is still waiting: the real response is taken.
            let real_body = real.query().unwrap_or_default().to_owned();
            assert_eq!(post(real_body).send().await.unwrap().status(), 200);
        })
    };
    let (report, _, _) = run(
        &profile(&idp, "/callback"),
        options(Duration::from_secs(10), None),
        Some(browser),
    )
    .await;
    assert_eq!(report.exit_code(), 0, "{}", message(&report));
    assert_eq!(idp.token_requests(), 1);
    let json = report.to_json();
    assert_eq!(json["invalid_callbacks"], 1);
    assert_eq!(json["stray_requests"][0]["kind"], "forged_callback");
    assert_eq!(json["stray_requests"][0]["method"], "POST");
    assert_eq!(json["callback"]["response_mode"], "form_post");
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn callback_error_shows_the_hint_and_error_uri() {
    let idp = idp(true).await;
    let browser: Browser = |url| {
        Box::pin(async move {
            let real = callback_location(&url).await;
            let get = |k: &str| {
                real.query_pairs()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.into_owned())
                    .unwrap()
            };
            let mut error = real.clone();
            error
                .query_pairs_mut()
                .clear()
                .append_pair("error", "invalid_request")
                .append_pair(
                    "error_description",
                    "code_challenge_method plain is not allowed",
                )
                .append_pair("error_uri", "https://idp.example/docs/pkce")
                .append_pair("state", &get("state"))
                .append_pair("iss", &get("iss"));
            client().get(error.as_str()).send().await.unwrap();
        })
    };
    let (report, _, _) = run(
        &profile(&idp, "/callback"),
        options(Duration::from_secs(10), None),
        Some(browser),
    )
    .await;
    assert_eq!(report.exit_code(), 3);
    let m = message(&report);
    assert!(
        m.contains("invalid_request: code_challenge_method plain is not allowed"),
        "{m}"
    );
    assert!(m.contains("(see https://idp.example/docs/pkce)"), "{m}");
    assert!(m.contains("PKCE"), "{m}");
    assert_eq!(
        report.to_json()["error"]["oauth_error_uri"],
        "https://idp.example/docs/pkce"
    );
}
