//! Talking to the world: the HTTP client that executes requests-as-data, the loopback
//! callback server, and the browser launcher.
pub mod browser;
pub mod callback_server;
pub mod discovery;
pub mod http;
pub mod jwks;
pub mod port_owner;
pub mod procnet;
pub mod tls;
