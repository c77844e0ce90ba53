//! The loopback callback server (RFC 8252 §7.3): it receives the browser's redirect, checks
//! it, shows the person a small result page and hands the result to the flow. Responses in
//! the query, in a `form_post` form, or in the fragment (relayed by the page) are accepted.
//!
//! Anything on the loopback port may come from a hostile web page: only a callback carrying
//! the state this run sent ends the run; others are recorded and refused while it waits.
//! `localhost` is bound on every address it names, and idle connections are dropped.
//! An `https://` callback is served over TLS with the profile's own certificate (`net::tls`),
//! for IdPs that accept only https redirects; the handshake has the header-read limit too.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use crate::oauth::callback::{
    answers_this_request, forged_note, validate, CallbackError, CallbackExpectation, CallbackParams,
};
use crate::oauth::secret::AuthorizationCode;
use crate::oauth::text::escape_html;
use crate::oauth::types::RedirectUri;

use super::port_owner::Holder;

const PAGE: &str = include_str!("../../assets/callback.html");
/// Served for the callback path without a query: its script relays a fragment response.
const FRAGMENT_PAGE: &str = include_str!("../../assets/fragment.html");
/// Marks the fragment page's relay POST, as opposed to a `response_mode=form_post` one.
pub const FRAGMENT_HEADER: &str = "x-tokenbench-fragment";
/// Form bodies larger than this are refused: a response is a few hundred bytes.
const MAX_FORM: usize = 64 * 1024;
/// How long a connection may take to send its request head before it is dropped.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// How many ephemeral ports are tried for `localhost` before giving up: one free on IPv4
/// may be taken on IPv6.
const EPHEMERAL_ATTEMPTS: usize = 16;

/// How the server treats connections.
#[derive(Debug, Clone, Copy)]
pub struct ServerOptions {
    /// A connection that has not sent a whole request head by then is closed, so slow or
    /// idle sockets cannot pile up until the run ends.
    pub header_read_timeout: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            header_read_timeout: HEADER_READ_TIMEOUT,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("callback_url {0} is not a loopback address, so tokenbench cannot listen there")]
    NotLoopback(String),
    /// An https callback_url bound without a certificate (the flow supplies one).
    #[error("callback_url {0} uses https but no certificate was given to serve it")]
    Https(String),
    #[error("port {port} on {host} is already in use: {} listens on {addr} and would receive the authorization code; stop it or choose another port in callback_url", holder.as_ref().map_or_else(|| "another process".to_owned(), ToString::to_string))]
    PortBusy {
        host: String,
        /// The address that is taken (for `localhost`, either of 127.0.0.1 and ::1).
        addr: String,
        port: u16,
        /// Who holds it, when /proc says (Linux, a process of this user).
        holder: Option<Holder>,
    },
    #[error("cannot listen on {addr}: {reason}")]
    Other { addr: String, reason: String },
}

/// What a recorded request was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// Not a callback: another path, method or host, or no parameters.
    Stray,
    /// On the callback path, but without the state this run sent: forged (any web page can
    /// send one to the port) or stale (from an earlier attempt). Refused; the run waits on.
    ForgedCallback,
}

/// A request the server saw, kept for the log and for diagnosing near misses.
#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    pub kind: RequestKind,
    pub method: String,
    pub path: String,
    /// Query parameters with `code` redacted.
    pub params: Vec<(String, String)>,
    /// Form parameters of a POST, `code` redacted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub form: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Sent by the callback page to relay a URL fragment.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fragment: bool,
    pub status: u16,
    pub note: String,
}

/// How the authorization response reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseMode {
    /// In the query of a GET (the default).
    Query,
    /// In the URL fragment, relayed by the callback page's script.
    Fragment,
    /// Posted as a form (`response_mode=form_post`).
    FormPost,
}

impl ResponseMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseMode::Query => "query",
            ResponseMode::Fragment => "fragment",
            ResponseMode::FormPost => "form_post",
        }
    }
}

/// What the server tells the flow.
#[derive(Debug)]
pub enum ServerEvent {
    /// A request that is not the callback (favicon, probes, a near miss, a callback with
    /// another state: see `kind`); the flow goes on.
    Stray(RequestRecord),
    /// The callback (its state is the one sent), with the result of validating it.
    Callback {
        params: CallbackParams,
        result: Result<AuthorizationCode, CallbackError>,
        mode: ResponseMode,
    },
}

struct Shared {
    path: String,
    expect: CallbackExpectation,
    done: Mutex<bool>,
    events: mpsc::UnboundedSender<ServerEvent>,
    /// Waiting for the browser to come back from a logout, not for an authorization code.
    logout: bool,
}

/// A running callback server. Dropping it stops it.
pub struct CallbackServer {
    redirect_uri: RedirectUri,
    addrs: Vec<SocketAddr>,
    events: mpsc::UnboundedReceiver<ServerEvent>,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl CallbackServer {
    /// Binds the callback URL's host and port (port 0: an ephemeral one, reflected in
    /// `redirect_uri()`). Binding happens before the browser opens, so a busy port is
    /// reported first.
    pub async fn bind(
        configured: &RedirectUri,
        expect: CallbackExpectation,
    ) -> Result<CallbackServer, BindError> {
        Self::bind_with(configured, expect, ServerOptions::default()).await
    }

    /// [`bind`](Self::bind) with explicit connection limits.
    pub async fn bind_with(
        configured: &RedirectUri,
        expect: CallbackExpectation,
        options: ServerOptions,
    ) -> Result<CallbackServer, BindError> {
        Self::bind_tls(configured, expect, options, None).await
    }

    /// Binds an `https://` callback URL, served with `tls` (see `net::tls`); an `http://`
    /// one ignores it. Without a certificate an https URL is refused: serving plain http
    /// there would fail in the browser with a protocol error nobody could read.
    pub async fn bind_tls(
        configured: &RedirectUri,
        expect: CallbackExpectation,
        options: ServerOptions,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> Result<CallbackServer, BindError> {
        Self::bind_inner(configured, expect, options, tls, false).await
    }

    /// For the redirect back after an RP-initiated logout (`post_logout_redirect_uri`): the
    /// same checks of `state`, and a page that says "signed out" rather than asking for a code.
    pub async fn bind_logout(
        configured: &RedirectUri,
        expect: CallbackExpectation,
    ) -> Result<CallbackServer, BindError> {
        Self::bind_inner(configured, expect, ServerOptions::default(), None, true).await
    }

    async fn bind_inner(
        configured: &RedirectUri,
        expect: CallbackExpectation,
        options: ServerOptions,
        tls: Option<Arc<rustls::ServerConfig>>,
        logout: bool,
    ) -> Result<CallbackServer, BindError> {
        if !configured.is_loopback() {
            return Err(BindError::NotLoopback(configured.as_str().to_owned()));
        }
        let acceptor = match (configured.url().scheme() == "https", tls) {
            (false, _) => None,
            (true, Some(config)) => Some(tokio_rustls::TlsAcceptor::from(config)),
            (true, None) => return Err(BindError::Https(configured.as_str().to_owned())),
        };
        let host = configured.host().unwrap_or_default();
        let listeners = match host.parse::<IpAddr>() {
            Ok(ip) => vec![listen(SocketAddr::new(ip, configured.port()), &host).await?],
            Err(_) => listen_localhost(configured.port(), &host).await?,
        };
        let mut addrs = Vec::new();
        for listener in &listeners {
            addrs.push(listener.local_addr().map_err(|e| other(&host, e))?);
        }
        let redirect_uri = match addrs.first() {
            Some(a) if configured.port() == 0 => configured.with_port(a.port()),
            _ => configured.clone(),
        };

        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            path: configured.path().to_owned(),
            expect,
            done: Mutex::new(false),
            events: tx,
            logout,
        });
        let (stop, stop_rx) = watch::channel(false);
        let app = Router::new().fallback(handle).with_state(shared);
        let tasks = listeners
            .into_iter()
            .map(|l| {
                let tls = acceptor.clone();
                tokio::spawn(serve(l, app.clone(), stop_rx.clone(), options, tls))
            })
            .collect();
        Ok(CallbackServer {
            redirect_uri,
            addrs,
            events: rx,
            stop,
            tasks,
        })
    }

    /// The redirect URI to send: the configured one, with the real port if it was 0.
    pub fn redirect_uri(&self) -> &RedirectUri {
        &self.redirect_uri
    }

    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// The next thing that happened; None once the server has stopped.
    pub async fn next_event(&mut self) -> Option<ServerEvent> {
        self.events.recv().await
    }

    /// Stops listening and frees the port.
    pub async fn close(mut self) {
        let _ = self.stop.send(true);
        for task in self.tasks.drain(..) {
            let abort = task.abort_handle();
            // `serve` itself gives open connections at most a second to finish.
            if tokio::time::timeout(Duration::from_secs(2), task)
                .await
                .is_err()
            {
                // A browser holding a keep-alive connection must not keep the port busy.
                abort.abort();
            }
        }
    }
}

impl Drop for CallbackServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn listen(addr: SocketAddr, host: &str) -> Result<TcpListener, BindError> {
    TcpListener::bind(addr).await.map_err(|e| match e.kind() {
        io::ErrorKind::AddrInUse => busy(host, addr),
        _ => other(&addr.ip().to_string(), e),
    })
}

/// `localhost` may resolve to 127.0.0.1 or ::1 in the browser, so both are bound on the same
/// port: a port left to another process on either would hand it the authorization code.
async fn listen_localhost(port: u16, host: &str) -> Result<Vec<TcpListener>, BindError> {
    let attempts = if port == 0 { EPHEMERAL_ATTEMPTS } else { 1 };
    let mut taken = None;
    for _ in 0..attempts {
        let v4 = listen(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port), host).await?;
        let chosen = v4.local_addr().map_err(|e| other(host, e))?.port();
        let v6_addr = SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), chosen);
        match TcpListener::bind(v6_addr).await {
            Ok(v6) => return Ok(vec![v4, v6]),
            // No IPv6 loopback on this machine: nothing can listen on ::1 either, and no
            // browser can reach it, so IPv4 alone is safe.
            Err(e) if ipv6_unavailable(&e) => return Ok(vec![v4]),
            // An ephemeral port free on IPv4 but taken on IPv6: try another one.
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => taken = Some(v6_addr),
            Err(e) => return Err(other(&v6_addr.to_string(), e)),
        }
    }
    let taken = taken.unwrap_or(SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), port));
    Err(busy(host, taken))
}

fn ipv6_unavailable(e: &io::Error) -> bool {
    #[cfg(unix)]
    let unsupported = e.raw_os_error() == Some(libc::EAFNOSUPPORT);
    #[cfg(not(unix))]
    let unsupported = false;
    e.kind() == io::ErrorKind::AddrNotAvailable || unsupported
}

fn busy(host: &str, addr: SocketAddr) -> BindError {
    BindError::PortBusy {
        host: host.to_owned(),
        addr: addr.to_string(),
        port: addr.port(),
        holder: super::port_owner::holder(addr.port()),
    }
}

fn other(addr: &str, e: io::Error) -> BindError {
    BindError::Other {
        addr: addr.to_owned(),
        reason: e.to_string(),
    }
}

async fn stopped(stop: &mut watch::Receiver<bool>) {
    // The guard it returns must not live across an await (it is not Send).
    let _ = stop.wait_for(|s| *s).await;
}

/// Accepts until told to stop. Served with hyper directly because `axum::serve` has no
/// header-read timeout: each connection must send its request head in time, carries one
/// request (no keep-alive), and is dropped with the server.
async fn serve(
    listener: TcpListener,
    app: Router,
    mut stop: watch::Receiver<bool>,
    options: ServerOptions,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            () = stopped(&mut stop) => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(error) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::debug!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let service = TowerToHyperService::new(app.clone());
                let header_read_timeout = options.header_read_timeout;
                let tls = tls.clone();
                connections.spawn(async move {
                    match tls {
                        None => serve_one(stream, service, header_read_timeout).await,
                        Some(acceptor) => {
                            // The handshake gets the same limit as the request head: a
                            // socket that never finishes it must not stay open either.
                            let handshake =
                                tokio::time::timeout(header_read_timeout, acceptor.accept(stream));
                            if let Ok(Ok(stream)) = handshake.await {
                                serve_one(stream, service, header_read_timeout).await;
                            }
                        }
                    }
                });
            }
        }
    }
    // Free the port now; let the pages being written finish.
    drop(listener);
    let drain = async { while connections.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(Duration::from_secs(1), drain).await;
}

/// One request on one connection (plain or TLS), its head within `header_read_timeout`.
async fn serve_one<S>(
    stream: S,
    service: TowerToHyperService<Router>,
    header_read_timeout: Duration,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .keep_alive(false)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// Only loopback names may address the server: a page on another site that rebinds its
/// DNS name to 127.0.0.1 still sends its own name in `Host`.
fn host_allowed(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query = CallbackParams::parse_query(request.uri().query().unwrap_or(""));
    // Read in a block: a borrow of the request must not live across the body's await.
    let (host, content_type, relay) = {
        let header = |name: &str| {
            request
                .headers()
                .get(name)
                .and_then(|h| h.to_str().ok())
                .map(str::to_owned)
        };
        (
            header(header::HOST.as_str()).unwrap_or_default(),
            header(header::CONTENT_TYPE.as_str()),
            header(FRAGMENT_HEADER).is_some(),
        )
    };
    // A response can also come as a form: response_mode=form_post, or the fragment relay.
    let is_form = method == Method::POST
        && content_type.as_deref().is_some_and(|ct| {
            ct.split(';').next().is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
    let (form, too_large) = if is_form {
        match axum::body::to_bytes(request.into_body(), MAX_FORM).await {
            Ok(body) => (
                CallbackParams::parse_query(&String::from_utf8_lossy(&body)),
                false,
            ),
            Err(_) => (CallbackParams::default(), true),
        }
    } else {
        (CallbackParams::default(), false)
    };
    let mode = match (relay, is_form) {
        (true, true) => ResponseMode::Fragment,
        (false, true) => ResponseMode::FormPost,
        _ => ResponseMode::Query,
    };
    let params = if is_form { form.clone() } else { query.clone() };

    let record = |kind: RequestKind, status: StatusCode, note: &str| {
        let _ = shared.events.send(ServerEvent::Stray(RequestRecord {
            kind,
            method: method.to_string(),
            path: path.clone(),
            params: query.redacted(),
            form: form.redacted(),
            content_type: content_type.clone(),
            fragment: relay,
            status: status.as_u16(),
            note: note.to_owned(),
        }));
    };
    let stray = |status: StatusCode, note: &str, title: &str, message: &str| {
        record(RequestKind::Stray, status, note);
        page(status, false, title, message)
    };

    if !host_allowed(&host) {
        return stray(
            StatusCode::FORBIDDEN,
            &format!("refused Host {host:?}"),
            "Forbidden",
            "This server only answers on a loopback address.",
        );
    }
    if path != shared.path {
        return stray(
            StatusCode::NOT_FOUND,
            "not the callback path",
            "Not found",
            "This is not the callback address.",
        );
    }
    if method == Method::GET && params.0.is_empty() {
        // The response may be in the fragment, which browsers never send: the page relays it.
        record(RequestKind::Stray, StatusCode::BAD_REQUEST, "no parameters");
        return fragment_page();
    }
    if method != Method::GET && !is_form {
        return stray(
            StatusCode::METHOD_NOT_ALLOWED,
            "wrong method",
            "Method not allowed",
            "The callback expects a GET request, or a form POST (response_mode=form_post).",
        );
    }
    if too_large {
        return stray(
            StatusCode::PAYLOAD_TOO_LARGE,
            "form too large",
            "Too large",
            "This request is too large to be an authorization response.",
        );
    }
    if params.0.is_empty() {
        let note = if relay {
            "no parameters in the fragment either"
        } else {
            "no parameters"
        };
        return stray(
            StatusCode::BAD_REQUEST,
            note,
            "Waiting",
            "This request carried no authorization response; tokenbench is still waiting.",
        );
    }
    let answers = answers_this_request(&params, &shared.expect);
    {
        let mut done = match shared.done.lock() {
            Ok(d) => d,
            Err(poisoned) => poisoned.into_inner(),
        };
        if *done {
            drop(done);
            return stray(
                StatusCode::CONFLICT,
                "callback already received",
                "Already handled",
                "This flow has already received its callback.",
            );
        }
        // Only a callback with this run's state may end it; the page never names the state.
        if !answers {
            drop(done);
            record(
                RequestKind::ForgedCallback,
                StatusCode::BAD_REQUEST,
                forged_note(&params),
            );
            return page(
                StatusCode::BAD_REQUEST,
                false,
                "Callback rejected",
                "This response does not belong to the sign-in tokenbench is waiting for (its state does not match): it may be forged, or from an earlier attempt. tokenbench is still waiting for the real callback.",
            );
        }
        *done = true;
    }
    let result = validate(&params, &shared.expect);
    let response = match &result {
        // A logout answer carries no code: the IdP's error, else a plain "signed out".
        Err(CallbackError::MissingCode) if shared.logout => page(
            StatusCode::OK,
            true,
            "Signed out",
            "The identity provider signed you out; tokenbench is finishing the logout.",
        ),
        Ok(_) => page(
            StatusCode::OK,
            true,
            "Signed in",
            "tokenbench received the authorization code and is exchanging it for tokens.",
        ),
        Err(CallbackError::Authorization(e)) => page(
            StatusCode::OK,
            false,
            "The identity provider returned an error",
            &e.to_string(),
        ),
        Err(e) => page(
            StatusCode::BAD_REQUEST,
            false,
            "Callback rejected",
            &e.to_string(),
        ),
    };
    let _ = shared.events.send(ServerEvent::Callback {
        params,
        result,
        mode,
    });
    response
}

/// The fragment relay page, with a CSP that allows exactly its one inline script.
fn fragment_page() -> Response {
    let script_src = match inline_script_hash(FRAGMENT_PAGE) {
        Some(hash) => format!("script-src 'sha256-{hash}'; connect-src 'self'; "),
        // Without the hash the script is blocked: the page still says what happened.
        None => String::new(),
    };
    let csp = format!(
        "default-src 'none'; {script_src}style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'"
    );
    html_response(StatusCode::BAD_REQUEST, FRAGMENT_PAGE.to_owned(), &csp)
}

/// base64(SHA-256) of the text of the page's first inline `<script>`, as CSP hashes it.
pub fn inline_script_hash(html: &str) -> Option<String> {
    use base64::Engine as _;
    use sha2::Digest as _;
    let start = html.find("<script>")? + "<script>".len();
    let end = start + html[start..].find("</script>")?;
    let digest = sha2::Sha256::digest(&html.as_bytes()[start..end]);
    Some(base64::engine::general_purpose::STANDARD.encode(digest))
}

/// The page shown in the browser: no tokens, nothing third-party, not cached, no referrer.
fn page(status: StatusCode, ok: bool, title: &str, message: &str) -> Response {
    let html = PAGE
        .replace("{{title}}", &escape_html(title))
        .replace("{{class}}", if ok { "ok" } else { "fail" })
        .replace("{{message}}", &escape_html(message));
    html_response(
        status,
        html,
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'",
    )
}

fn html_response(status: StatusCode, html: String, csp: &str) -> Response {
    let mut response = Response::new(Body::from(html));
    *response.status_mut() = status;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if let Ok(csp) = HeaderValue::from_str(csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_check() {
        for ok in [
            "127.0.0.1:8765",
            "localhost:1",
            "[::1]:80",
            "LOCALHOST",
            "127.0.0.1",
        ] {
            assert!(host_allowed(ok), "{ok}");
        }
        for bad in [
            "evil.example:8765",
            "",
            "127.0.0.1.evil.example",
            "10.0.0.1:80",
        ] {
            assert!(!host_allowed(bad), "{bad}");
        }
    }
}
