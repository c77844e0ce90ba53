//! The loopback callback server (RFC 8252 §7.3): it receives the browser's redirect, checks
//! it, shows the person a small result page and hands the result to the flow. Responses in
//! the query, in a `form_post` form, or in the fragment (relayed by the page) are accepted.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::Router;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

use crate::oauth::callback::{validate, CallbackError, CallbackExpectation, CallbackParams};
use crate::oauth::secret::AuthorizationCode;
use crate::oauth::text::escape_html;
use crate::oauth::types::RedirectUri;

const PAGE: &str = include_str!("../../assets/callback.html");
/// Served for the callback path without a query: its script relays a fragment response.
const FRAGMENT_PAGE: &str = include_str!("../../assets/fragment.html");
/// Marks the fragment page's relay POST, as opposed to a `response_mode=form_post` one.
pub const FRAGMENT_HEADER: &str = "x-tokenbench-fragment";
/// Form bodies larger than this are refused: a response is a few hundred bytes.
const MAX_FORM: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("callback_url {0} is not a loopback address, so tokenbench cannot listen there")]
    NotLoopback(String),
    #[error("callback_url {0} uses https; a loopback callback server cannot present a trusted certificate — use http://127.0.0.1:PORT/… (RFC 8252 §7.3) and register that")]
    Https(String),
    #[error("port {port} on {host} is already in use, so the callback cannot be received; stop whatever holds it (another tokenbench run?) or choose another port in callback_url")]
    PortBusy { host: String, port: u16 },
    #[error("cannot listen on {addr}: {reason}")]
    Other { addr: String, reason: String },
}

/// A request the server saw, kept for the log and for diagnosing near misses.
#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
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
    /// A request that is not the callback (favicon, probes, a near miss); the flow goes on.
    Stray(RequestRecord),
    /// The callback, with the result of validating it.
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
        if !configured.is_loopback() {
            return Err(BindError::NotLoopback(configured.as_str().to_owned()));
        }
        if configured.url().scheme() == "https" {
            return Err(BindError::Https(configured.as_str().to_owned()));
        }
        let host = configured.host().unwrap_or_default();
        let (primary, secondary): (IpAddr, Option<IpAddr>) = match host.parse::<IpAddr>() {
            Ok(ip) => (ip, None),
            // `localhost` may resolve to either family in the browser; listen on both.
            Err(_) => (
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                Some(IpAddr::V6(Ipv6Addr::LOCALHOST)),
            ),
        };
        let first = listen(SocketAddr::new(primary, configured.port()), &host).await?;
        let port = first.local_addr().map_err(|e| other(primary, e))?.port();
        let mut listeners = vec![first];
        if let Some(ip) = secondary {
            // Best effort: a machine without IPv6 still works over IPv4.
            if let Ok(l) = TcpListener::bind(SocketAddr::new(ip, port)).await {
                listeners.push(l);
            }
        }
        let redirect_uri = if configured.port() == 0 {
            configured.with_port(port)
        } else {
            configured.clone()
        };

        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            path: configured.path().to_owned(),
            expect,
            done: Mutex::new(false),
            events: tx,
        });
        let (stop, stop_rx) = watch::channel(false);
        let mut addrs = Vec::new();
        let mut tasks = Vec::new();
        for listener in listeners {
            if let Ok(a) = listener.local_addr() {
                addrs.push(a);
            }
            let app = Router::new().fallback(handle).with_state(shared.clone());
            let mut stop_rx = stop_rx.clone();
            tasks.push(tokio::spawn(async move {
                let shutdown = async move {
                    let _ = stop_rx.wait_for(|s| *s).await;
                };
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown)
                    .await;
            }));
        }
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
            if tokio::time::timeout(Duration::from_secs(1), task)
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
        std::io::ErrorKind::AddrInUse => BindError::PortBusy {
            host: host.to_owned(),
            port: addr.port(),
        },
        _ => other(addr.ip(), e),
    })
}

fn other(ip: IpAddr, e: std::io::Error) -> BindError {
    BindError::Other {
        addr: ip.to_string(),
        reason: e.to_string(),
    }
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

    let record = |status: StatusCode, note: &str| {
        let _ = shared.events.send(ServerEvent::Stray(RequestRecord {
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
        record(status, note);
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
        record(StatusCode::BAD_REQUEST, "no parameters");
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
        *done = true;
    }
    let result = validate(&params, &shared.expect);
    let response = match &result {
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
