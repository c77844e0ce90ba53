//! The callback server under hostile input: each case asserts the exact outcome, and that
//! the server is still alive and still completes a real callback afterwards.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use tokenbench::flow::FlowError;
use tokenbench::net::callback_server::{CallbackServer, RequestKind, ServerEvent, ServerOptions};
use tokenbench::oauth::callback::{CallbackError, CallbackExpectation};
use tokenbench::oauth::types::RedirectUri;

fn expect() -> CallbackExpectation {
    CallbackExpectation {
        state: "st".into(),
        issuer: None,
        iss_required: false,
    }
}

async fn bind() -> (CallbackServer, SocketAddr) {
    let s = CallbackServer::bind(
        &RedirectUri::parse("http://127.0.0.1:0/callback").unwrap(),
        expect(),
    )
    .await
    .unwrap();
    let addr = s.local_addrs()[0];
    (s, addr)
}

/// Sends raw bytes and returns the status code of the answer (0 when the connection closed
/// without one).
fn raw(addr: SocketAddr, request: &[u8]) -> u16 {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    // The server may close before it has read everything: a write error is an answer too.
    let _ = stream.write_all(request);
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    text.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

fn get(addr: SocketAddr, target: &str) -> u16 {
    raw(
        addr,
        format!(
            "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            addr.port()
        )
        .as_bytes(),
    )
}

async fn callback_result(server: &mut CallbackServer) -> Result<String, CallbackError> {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), server.next_event())
            .await
            .unwrap()
            .unwrap()
        {
            ServerEvent::Stray(_) => continue,
            ServerEvent::Callback { result, .. } => return result.map(|c| c.secret().to_owned()),
        }
    }
}

/// The real callback still works: the server survived.
async fn still_alive(mut server: CallbackServer, addr: SocketAddr) {
    let status = tokio::task::spawn_blocking(move || get(addr, "/callback?code=real&state=st"))
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(callback_result(&mut server).await.unwrap(), "real");
}

/// Sends raw bytes and returns the whole answer.
fn raw_text(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = stream.write_all(request);
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

#[tokio::test]
async fn wrong_or_missing_state_is_refused_and_recorded_and_the_server_waits_on() {
    for (query, note) in [
        ("code=c&state=forged", "state does not match"),
        ("error=access_denied&state=forged", "state does not match"),
        ("code=c&state=st&state=forged", "state does not match"),
        ("code=c", "no state"),
    ] {
        let (mut server, addr) = bind().await;
        let q = query.to_owned();
        let page = tokio::task::spawn_blocking(move || {
            raw_text(
                addr,
                format!(
                    "GET /callback?{q} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                )
                .as_bytes(),
            )
        })
        .await
        .unwrap();
        assert!(page.starts_with("HTTP/1.1 400"), "{query}: {page}");
        assert!(page.contains("Callback rejected"), "{query}");
        // The page never tells the sender the state it should have used.
        assert!(
            !page.contains("\"st\"") && !page.contains("&quot;st&quot;"),
            "{page}"
        );
        match tokio::time::timeout(Duration::from_secs(5), server.next_event())
            .await
            .unwrap()
            .unwrap()
        {
            ServerEvent::Stray(r) => {
                assert_eq!(r.kind, RequestKind::ForgedCallback, "{query}");
                assert!(
                    r.note.contains(note) && r.note.contains("forged or stale"),
                    "{r:?}"
                );
            }
            other => panic!("{query}: {other:?}"),
        }
        still_alive(server, addr).await;
    }
}

#[tokio::test]
async fn with_the_right_state_ambiguous_responses_end_the_flow_as_invalid() {
    for (query, want) in [
        (
            "code=c&state=st&state=st",
            "repeats the parameter \"state\"",
        ),
        ("code=c&code=d&state=st", "repeats the parameter \"code\""),
        (
            "code=c&error=access_denied&state=st",
            "both `code` and `error`",
        ),
    ] {
        let (mut server, addr) = bind().await;
        let q = query.to_owned();
        let status = tokio::task::spawn_blocking(move || get(addr, &format!("/callback?{q}")))
            .await
            .unwrap();
        assert_eq!(status, 400, "{query}");
        let err = callback_result(&mut server).await.unwrap_err();
        assert!(err.to_string().contains(want), "{query}: {err}");
        assert_eq!(FlowError::from_callback(err).exit_code(), 4);
    }
}

#[tokio::test]
async fn replayed_callback_is_refused() {
    let (mut server, addr) = bind().await;
    let first = tokio::task::spawn_blocking(move || get(addr, "/callback?code=c&state=st"))
        .await
        .unwrap();
    assert_eq!(first, 200);
    assert!(callback_result(&mut server).await.is_ok());
    let replay = tokio::task::spawn_blocking(move || get(addr, "/callback?code=c&state=st"))
        .await
        .unwrap();
    assert_eq!(replay, 409);
}

#[tokio::test]
async fn hostile_error_description_is_neutralised_on_screen_and_escaped_in_the_page() {
    let (mut server, addr) = bind().await;
    let query = "error=access_denied&state=st&error_description=%1B%5B2J%1B%5B31mpwned%0D%0Anext%3Cscript%3Ealert(1)%3C%2Fscript%3E";
    let page = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "GET /callback?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut buf = String::new();
        stream.read_to_string(&mut buf).unwrap();
        buf
    })
    .await
    .unwrap();
    assert!(!page.contains("<script>"), "{page}");
    assert!(page.contains("&lt;script&gt;"), "{page}");
    assert!(!page.contains('\u{1b}'));
    let err = FlowError::from_callback(callback_result(&mut server).await.unwrap_err());
    assert_eq!(err.exit_code(), 3);
    let shown = err.to_json()["message"].as_str().unwrap().to_owned();
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\r') && !shown.contains('\n'),
        "{shown:?}"
    );
    assert!(shown.contains("pwned"));
}

#[tokio::test]
async fn wrong_host_method_and_path_do_not_end_the_flow() {
    let (server, addr) = bind().await;
    let statuses = tokio::task::spawn_blocking(move || {
        [
            raw(addr, b"GET /callback?code=c&state=st HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"),
            raw(addr, b"POST /callback HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"),
            raw(addr, b"PUT /callback?code=c&state=st HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
            get(addr, "/favicon.ico"),
            get(addr, "/callback/../callback2"),
        ]
    })
    .await
    .unwrap();
    assert_eq!(statuses[0], 403);
    assert!(statuses[1] >= 400 && statuses[1] < 500, "{statuses:?}");
    assert_eq!(statuses[2], 405);
    assert_eq!(statuses[3], 404);
    assert_eq!(statuses[4], 404);
    still_alive(server, addr).await;
}

#[tokio::test]
async fn one_megabyte_query_and_oversized_headers_are_rejected_and_the_server_lives() {
    let (server, addr) = bind().await;
    let (long_query, big_headers) = tokio::task::spawn_blocking(move || {
        let q = format!("/callback?code=c&state=st&junk={}", "a".repeat(1024 * 1024));
        let long_query = get(addr, &q);
        let mut req = String::from("GET /callback?code=c&state=st HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for i in 0..200 {
            req.push_str(&format!("X-Junk-{i}: {}\r\n", "b".repeat(8 * 1024)));
        }
        req.push_str("Connection: close\r\n\r\n");
        (long_query, raw(addr, req.as_bytes()))
    })
    .await
    .unwrap();
    assert!(
        long_query == 0 || long_query >= 400,
        "1 MB query answered {long_query}"
    );
    assert!(
        big_headers == 0 || big_headers >= 400,
        "oversized headers answered {big_headers}"
    );
    still_alive(server, addr).await;
}

/// Whether the server ends the connection (EOF or reset); the read limit is only a guard
/// against hanging when it does not.
fn closed_by_server(mut stream: TcpStream) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut buf = Vec::new();
    match stream.read_to_end(&mut buf) {
        Ok(_) => true,
        Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
    }
}

#[tokio::test]
async fn a_connection_that_never_finishes_its_request_is_closed() {
    let server = CallbackServer::bind_with(
        &RedirectUri::parse("http://127.0.0.1:0/callback").unwrap(),
        expect(),
        ServerOptions {
            header_read_timeout: Duration::from_millis(200),
        },
    )
    .await
    .unwrap();
    let addr = server.local_addrs()[0];
    let (half_sent, idle) = tokio::task::spawn_blocking(move || {
        let mut half = TcpStream::connect(addr).unwrap();
        half.write_all(b"GET /callback?code=x&state=st HTTP/1.1\r\nHost: 127.0")
            .unwrap();
        let idle = TcpStream::connect(addr).unwrap();
        (closed_by_server(half), closed_by_server(idle))
    })
    .await
    .unwrap();
    assert!(half_sent, "the server kept a half-sent request open");
    assert!(idle, "the server kept an idle connection open");
    still_alive(server, addr).await;
}

#[tokio::test]
async fn slow_loris_connections_do_not_block_the_real_callback() {
    let (server, addr) = bind().await;
    // Fifty connections that send a few header bytes and then nothing.
    let mut loris = Vec::new();
    for _ in 0..50 {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(b"GET /callback?code=x&state=st HTTP/1.1\r\nHost: 127.0")
            .unwrap();
        loris.push(s);
    }
    // The real callback gets through while they hang (speed lives in the benchmarks).
    still_alive(server, addr).await;
    drop(loris);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_junk_does_not_delay_the_real_callback() {
    let (mut server, addr) = bind().await;
    let flooders: Vec<_> = (0..4)
        .map(|t| {
            tokio::task::spawn_blocking(move || {
                for i in 0..2_500 {
                    let _ = get(addr, &format!("/junk/{t}/{i}"));
                }
            })
        })
        .collect();
    // Midway through the flood, the browser arrives.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let status = tokio::task::spawn_blocking(move || get(addr, "/callback?code=real&state=st"))
        .await
        .unwrap();
    assert_eq!(status, 200);
    // Handed to the flow while junk still arrives; how fast is measured in the benchmarks.
    assert_eq!(callback_result(&mut server).await.unwrap(), "real");
    for f in flooders {
        f.await.unwrap();
    }
}
