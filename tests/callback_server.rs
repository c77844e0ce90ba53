//! The loopback callback server over real sockets.

use std::time::Duration;

use tokenbench::net::callback_server::{BindError, CallbackServer, RequestKind, ServerEvent};
use tokenbench::oauth::callback::{CallbackError, CallbackExpectation};
use tokenbench::oauth::types::RedirectUri;

fn expect() -> CallbackExpectation {
    CallbackExpectation {
        state: "st".into(),
        issuer: Some("https://idp".into()),
        iss_required: true,
    }
}

async fn bind() -> CallbackServer {
    CallbackServer::bind(
        &RedirectUri::parse("http://127.0.0.1:0/callback").unwrap(),
        expect(),
    )
    .await
    .unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn next(server: &mut CallbackServer) -> ServerEvent {
    tokio::time::timeout(Duration::from_secs(5), server.next_event())
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn ephemeral_port_is_reflected_in_the_redirect_uri() {
    let server = bind().await;
    let port = server.local_addrs()[0].port();
    assert_ne!(port, 0);
    assert_eq!(
        server.redirect_uri().as_str(),
        format!("http://127.0.0.1:{port}/callback")
    );
}

#[tokio::test]
async fn valid_callback_gets_a_safe_page_and_the_code() {
    let mut server = bind().await;
    let url = format!(
        "{}?code=c0de&state=st&iss=https%3A%2F%2Fidp",
        server.redirect_uri().as_str()
    );
    let resp = client().get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let h = resp.headers();
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    let body = resp.text().await.unwrap();
    assert!(!body.contains("c0de"), "the page must not echo the code");
    match next(&mut server).await {
        ServerEvent::Callback { result, .. } => assert_eq!(result.unwrap().secret(), "c0de"),
        other => panic!("{other:?}"),
    }
    // Exactly one callback: a replay is refused.
    assert_eq!(client().get(&url).send().await.unwrap().status(), 409);
    server.close().await;
}

#[tokio::test]
async fn stray_requests_do_not_end_the_flow() {
    let mut server = bind().await;
    let base = server.redirect_uri().url().clone();
    let origin = format!("http://{}", server.local_addrs()[0]);
    let c = client();
    assert_eq!(
        c.get(format!("{origin}/favicon.ico"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        c.get(format!("{origin}/callback/"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        c.post(base.as_str())
            .body("code=x")
            .send()
            .await
            .unwrap()
            .status(),
        405
    );
    assert_eq!(c.get(base.as_str()).send().await.unwrap().status(), 400);
    let rebinding = c
        .get(base.as_str())
        .header("Host", "evil.example:80")
        .send()
        .await
        .unwrap();
    assert_eq!(rebinding.status(), 403);
    for _ in 0..5 {
        assert!(matches!(next(&mut server).await, ServerEvent::Stray(_)));
    }
    // Still waiting for the real one.
    let url = format!(
        "{}?code=c&state=st&iss=https%3A%2F%2Fidp",
        server.redirect_uri().as_str()
    );
    assert_eq!(c.get(&url).send().await.unwrap().status(), 200);
    assert!(matches!(
        next(&mut server).await,
        ServerEvent::Callback { result: Ok(_), .. }
    ));
}

#[tokio::test]
async fn forged_callbacks_are_recorded_and_the_real_one_still_ends_the_flow() {
    let mut server = bind().await;
    let url = format!(
        "{}?code=c&state=other&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        server.redirect_uri().as_str()
    );
    let resp = client().get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    let body = resp.text().await.unwrap();
    assert!(!body.contains("<script>"));
    match next(&mut server).await {
        ServerEvent::Stray(r) => {
            assert_eq!(r.kind, RequestKind::ForgedCallback);
            assert_eq!(r.note, "state does not match: forged or stale callback");
            let json = serde_json::to_value(&r).unwrap();
            assert_eq!(json["kind"], "forged_callback");
        }
        other => panic!("{other:?}"),
    }
    let real = format!(
        "{}?code=c&state=st&iss=https%3A%2F%2Fidp",
        server.redirect_uri().as_str()
    );
    assert_eq!(client().get(&real).send().await.unwrap().status(), 200);
    assert!(matches!(
        next(&mut server).await,
        ServerEvent::Callback { result: Ok(_), .. }
    ));
}

#[tokio::test]
async fn the_right_state_with_a_wrong_iss_ends_the_flow_as_invalid() {
    let mut server = bind().await;
    let url = format!(
        "{}?code=c&state=st&iss=https%3A%2F%2Fevil",
        server.redirect_uri().as_str()
    );
    assert_eq!(client().get(&url).send().await.unwrap().status(), 400);
    match next(&mut server).await {
        ServerEvent::Callback { result, .. } => {
            assert!(matches!(result, Err(CallbackError::IssuerMismatch { .. })))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn busy_port_is_a_clear_error_and_close_frees_the_port() {
    let server = bind().await;
    let port = server.local_addrs()[0].port();
    let same = RedirectUri::parse(&format!("http://127.0.0.1:{port}/callback")).unwrap();
    match CallbackServer::bind(&same, expect()).await {
        Err(e @ BindError::PortBusy { .. }) => {
            assert!(e.to_string().contains(&format!("port {port}")))
        }
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("bound a busy port"),
    }
    server.close().await;
    CallbackServer::bind(&same, expect())
        .await
        .expect("port freed after close");
}

#[tokio::test]
async fn non_loopback_and_https_are_refused() {
    let remote = RedirectUri::parse("https://app.example.com/callback").unwrap();
    assert!(matches!(
        CallbackServer::bind(&remote, expect()).await,
        Err(BindError::NotLoopback(_))
    ));
    let tls = RedirectUri::parse("https://127.0.0.1:0/callback").unwrap();
    assert!(matches!(
        CallbackServer::bind(&tls, expect()).await,
        Err(BindError::Https(_))
    ));
}

fn ipv6_loopback() -> bool {
    std::net::TcpListener::bind("[::1]:0").is_ok()
}

#[tokio::test]
async fn localhost_listens_on_ipv4_and_ipv6_on_one_port() {
    let server = CallbackServer::bind(
        &RedirectUri::parse("http://localhost:0/cb").unwrap(),
        expect(),
    )
    .await
    .unwrap();
    let addrs = server.local_addrs();
    assert!(addrs[0].is_ipv4());
    let port = addrs[0].port();
    assert_eq!(
        server.redirect_uri().as_str(),
        format!("http://localhost:{port}/cb")
    );
    if ipv6_loopback() {
        assert_eq!(addrs.len(), 2, "{addrs:?}");
        assert!(addrs[1].is_ipv6() && addrs[1].port() == port, "{addrs:?}");
    } else {
        // No IPv6 loopback here: IPv4 alone is all a browser can reach.
        assert_eq!(addrs.len(), 1);
    }
}

#[tokio::test]
async fn localhost_refuses_to_start_when_another_process_holds_either_address() {
    if !ipv6_loopback() {
        eprintln!("SKIPPED: no IPv6 loopback here");
        return;
    }
    for squat in ["[::1]:0", "127.0.0.1:0"] {
        let squatter = std::net::TcpListener::bind(squat).unwrap();
        let taken = squatter.local_addr().unwrap();
        let uri = RedirectUri::parse(&format!("http://localhost:{}/cb", taken.port())).unwrap();
        match CallbackServer::bind(&uri, expect()).await {
            Err(e @ BindError::PortBusy { .. }) => {
                let text = e.to_string();
                // The squatter is this test process, which /proc names on Linux.
                let who = if cfg!(target_os = "linux") {
                    format!("process {} (", std::process::id())
                } else {
                    "another process".to_owned()
                };
                assert!(
                    text.contains(&taken.to_string()) && text.contains(&who),
                    "{text}"
                );
            }
            Err(other) => panic!("{other}"),
            Ok(s) => panic!("started beside another process: {:?}", s.local_addrs()),
        }
    }
}
