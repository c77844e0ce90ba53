//! The embedded demo identity provider: a small OAuth 2.0 / OpenID Connect server on a
//! loopback port. It powers `tokenbench demo` (a full flow without a browser or network)
//! and is the fault-injection IdP of the tests. Demo only: its signing key is public.

mod authorize;
mod authorize_request;
mod client_auth;
mod clients;
mod device;
mod discovery;
mod dpop;
mod end_session;
mod faults;
mod form;
mod id_token_faults;
mod introspect;
mod jwt_sign;
mod key_ring;
mod keys;
mod pages;
mod par;
mod responses;
mod revoke;
mod scope;
mod shared;
mod sign_in_first;
mod store;
mod token;
mod userinfo;

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use device::{DeviceFault, DEVICE_EXPIRES_IN, DEVICE_INTERVAL};
pub use faults::{
    Faults, HostileToken, Registration, HOSTILE_PREFIX, OTHER_SUB, WRONG_ISSUER, WRONG_STATE,
};
pub use id_token_faults::{
    IdTokenFault, OTHER_CLIENT, UNKNOWN_KID, UNTRUSTED_AUDIENCE, WRONG_NONCE,
};
pub use keys::{KeyError, RsaAlg};
pub use sign_in_first::SignInFirst;

use key_ring::KeyRing;
use shared::Shared;
use store::{system_clock, Store};

/// The public (PKCE-only) demo client.
pub const DEMO_CLIENT_ID: &str = "tokenbench-demo";
/// The confidential demo client; authenticates with [`DEMO_CONFIDENTIAL_SECRET`].
pub const DEMO_CONFIDENTIAL_CLIENT_ID: &str = "tokenbench-demo-confidential";
/// Demo only: printed in docs and tests, protects nothing.
pub const DEMO_CONFIDENTIAL_SECRET: &str = "demo-secret";
/// A public client registered with https loopback redirects only, like an IdP registration
/// that accepts no `http://` redirect URI.
pub const DEMO_HTTPS_CLIENT_ID: &str = "tokenbench-demo-https";
/// A FAPI 2.0-style client: `private_key_jwt` with the `tokenbench-demo-key` client's key,
/// pushed authorization requests required, DPoP-bound access tokens required.
pub const DEMO_FAPI_CLIENT_ID: &str = "tokenbench-demo-fapi";

/// How long `shutdown` waits for in-flight requests (a delayed or huge token response).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

#[derive(Clone, Debug)]
pub struct IdpConfig {
    pub bind: SocketAddr,
    pub auto_approve: bool,
    pub faults: Faults,
    /// What ID and access tokens are signed with (and discovery offers).
    pub signing_alg: RsaAlg,
}

impl Default for IdpConfig {
    fn default() -> Self {
        IdpConfig {
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            auto_approve: false,
            faults: Faults::default(),
            signing_alg: RsaAlg::default(),
        }
    }
}

/// A running demo IdP. Dropping it also stops the server (once open connections close).
pub struct IdpServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<io::Result<()>>,
}

impl IdpServer {
    /// Binds, then serves in a background task. A bad embedded key is an error, not a panic.
    pub async fn start(config: IdpConfig) -> io::Result<IdpServer> {
        let keys = KeyRing::demo_with(config.signing_alg).map_err(io::Error::other)?;
        let listener = TcpListener::bind(config.bind).await?;
        let addr = listener.local_addr()?;
        let issuer = issuer_for(addr);
        let store = Store::new(system_clock());
        let shared = Arc::new(Shared::new(
            issuer,
            config.auto_approve,
            keys,
            store,
            config.faults,
        ));
        let app = router(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            // A dropped sender also ends the wait, so dropping the IdpServer stops serving.
            let signal = async move {
                let _ = stopped.await;
            };
            axum::serve(listener, app)
                .with_graceful_shutdown(signal)
                .await
        });
        tracing::info!(issuer = %shared.issuer, "demo IdP listening");
        Ok(IdpServer {
            shared,
            addr,
            stop,
            task,
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn issuer(&self) -> &str {
        &self.shared.issuer
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Applies to the next request onwards.
    pub fn set_faults(&self, faults: Faults) {
        self.shared.set_faults(faults);
    }

    /// Rotates the signing key: from now on tokens carry the second demo key's `kid`, and
    /// the JWKS serves only that key.
    pub fn rotate_key(&self) {
        self.shared.keys.rotate();
    }

    /// The `kid` tokens are signed with now.
    pub fn current_kid(&self) -> String {
        self.shared.keys.current().kid().to_owned()
    }

    /// Token requests received so far, including ones answered by a fault.
    pub fn token_requests(&self) -> usize {
        self.shared.token_requests()
    }

    /// Stops accepting, lets in-flight requests finish (bounded), then returns.
    pub async fn shutdown(self) {
        let IdpServer { stop, mut task, .. } = self;
        let _ = stop.send(());
        match tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(error))) => tracing::warn!(%error, "demo IdP stopped with an error"),
            Ok(Err(error)) => tracing::warn!(%error, "demo IdP task failed"),
            Err(_) => task.abort(),
        }
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(discovery::openid_configuration),
        )
        .route("/authorize", get(authorize::authorize))
        .route("/authorize/decision", post(authorize::decision))
        .route("/login", get(sign_in_first::login))
        .route("/token", post(token::token))
        .route("/jwks", get(discovery::jwks))
        .route("/userinfo", get(userinfo::userinfo))
        .route("/introspect", post(introspect::introspect))
        .route("/revoke", post(revoke::revoke))
        .route("/end_session", get(end_session::end_session))
        .route("/device_authorization", post(device::device_authorization))
        .route("/device", get(device::verification_page))
        .route("/device/decision", post(device::decision))
        .route("/par", post(par::par))
        .with_state(shared)
}

/// A wildcard bind still needs a reachable issuer, so name the loopback of that family.
fn issuer_for(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    // SocketAddr's Display brackets IPv6 addresses, as a URL authority needs.
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_has_no_trailing_slash_and_names_loopback() {
        let v4: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        assert_eq!(issuer_for(v4), "http://127.0.0.1:8080");
        let v6: SocketAddr = "[::1]:8080".parse().unwrap();
        assert_eq!(issuer_for(v6), "http://[::1]:8080");
        let any: SocketAddr = "0.0.0.0:9".parse().unwrap();
        assert_eq!(issuer_for(any), "http://127.0.0.1:9");
    }

    #[test]
    fn default_config() {
        let config = IdpConfig::default();
        assert_eq!(config.bind.to_string(), "127.0.0.1:0");
        assert!(!config.auto_approve);
        assert!(config.faults.token_error.is_none());
    }

    #[tokio::test]
    async fn start_and_shutdown() {
        let server = IdpServer::start(IdpConfig::default()).await.unwrap();
        assert_ne!(server.addr().port(), 0);
        assert_eq!(server.issuer(), format!("http://{}", server.addr()));
        assert_eq!(server.token_requests(), 0);
        server.shutdown().await;
    }

    #[tokio::test]
    async fn dropping_the_server_stops_it() {
        let server = IdpServer::start(IdpConfig::default()).await.unwrap();
        let addr = server.addr();
        assert!(tokio::net::TcpStream::connect(addr).await.is_ok());
        drop(server);
        let mut refused = false;
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(10)).await;
            if tokio::net::TcpStream::connect(addr).await.is_err() {
                refused = true;
                break;
            }
        }
        assert!(refused, "the listener is still accepting after drop");
    }

    #[tokio::test]
    async fn bind_failure_is_an_io_error() {
        let first = IdpServer::start(IdpConfig::default()).await.unwrap();
        let config = IdpConfig {
            bind: first.addr(),
            ..IdpConfig::default()
        };
        assert!(IdpServer::start(config).await.is_err());
        first.shutdown().await;
    }
}
