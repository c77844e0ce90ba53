//! `demo` and `idp`: the embedded identity provider, with and without a flow.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use clap::Args;

use crate::flow::{resolve, system_now, BrowserMode, FlowOptions};
use crate::idp::{IdpConfig, IdpServer, DEMO_CLIENT_ID};
use crate::net::http::HttpLimits;
use crate::profile::document::ProfileDocument;
use crate::profile::load::{parse_raw, validate};
use crate::profile::{catalog, store, Profile, RawProfile};
use crate::tui::{self, App, Mode};

use super::term::{errln, outln, Term};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Print one JSON document on stdout (implies --headless).
    #[arg(long)]
    json: bool,
    /// Run the flow once and print the result instead of opening the workbench.
    #[arg(long)]
    headless: bool,
    /// Seconds to wait for the callback.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,
}

#[derive(Debug, Args)]
pub struct IdpArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
}

/// The demo profile for an IdP at `issuer`, as written in a file.
pub fn demo_raw(issuer: &str) -> Result<RawProfile, String> {
    let text = format!(
        "name = \"Demo IdP (embedded)\"\nissuer = \"{issuer}\"\ncallback_url = \"http://127.0.0.1:0/callback\"\n\
         auth_url = \"{issuer}/authorize\"\ntoken_url = \"{issuer}/token\"\nclient_id = \"{DEMO_CLIENT_ID}\"\n\
         scope = \"openid profile email offline_access\"\n"
    );
    parse_raw(std::path::Path::new("(demo)"), &text).map_err(|e| e.to_string())
}

/// The demo profile for an IdP at `issuer`, built through the same validation as a file.
pub fn demo_profile(issuer: &str) -> Result<Profile, String> {
    let path = std::path::Path::new("(demo)");
    demo_raw(issuer).and_then(|raw| validate(path, "demo", &raw).map_err(|e| e.to_string()))
}

impl DemoArgs {
    /// The workbench opens unless asked not to or there is no terminal to draw on.
    pub fn interactive(&self) -> bool {
        !self.json && !self.headless && super::workbench::interactive_terminal()
    }
}

/// The port `profiles/demo.toml` expects the demo IdP on.
pub const DEMO_PORT: u16 = 9400;

pub async fn demo(args: DemoArgs) -> i32 {
    if args.interactive() {
        return demo_workbench().await;
    }
    let config = IdpConfig {
        auto_approve: true,
        ..IdpConfig::default()
    };
    let idp = match IdpServer::start(config).await {
        Ok(idp) => idp,
        Err(e) => {
            return super::fail(
                args.json,
                "internal",
                1,
                &format!("cannot start the demo IdP: {e}"),
            )
        }
    };
    if !args.json {
        errln!(
            Term::std(),
            "• demo IdP listening at {} (approves without a person)",
            idp.issuer()
        );
    }
    let http = crate::net::http::HttpClient::new(HttpLimits::default());
    let resolved = match (demo_raw(idp.issuer()), http) {
        (Ok(raw), Ok(http)) => resolve(&raw, std::path::Path::new("(demo)"), &http)
            .await
            .map_err(|e| e.to_string()),
        (Err(e), _) => Err(e),
        (_, Err(e)) => Err(e.to_string()),
    };
    let code = match resolved {
        Ok(resolved) => {
            let options = FlowOptions {
                timeout: Duration::from_secs(args.timeout),
                browser: BrowserMode::Follow,
                http: HttpLimits::default(),
                ..FlowOptions::default()
            };
            super::run::execute_flow(&resolved, &options, args.json).await
        }
        Err(e) => super::fail(args.json, "internal", 1, &e),
    };
    idp.shutdown().await;
    code
}

pub async fn idp(args: IdpArgs) -> i32 {
    let config = IdpConfig {
        bind: SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)),
        ..IdpConfig::default()
    };
    let idp = match IdpServer::start(config).await {
        Ok(idp) => idp,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            return super::fail(
                false,
                "invalid_input",
                2,
                &format!("port {} is already in use", args.port),
            )
        }
        Err(e) => {
            return super::fail(
                false,
                "internal",
                1,
                &format!("cannot start the demo IdP: {e}"),
            )
        }
    };
    let mut t = Term::std();
    outln!(t, "{}", idp.issuer());
    errln!(t,
        "demo IdP (not for real use): public client {DEMO_CLIENT_ID}, discovery at {}/.well-known/openid-configuration; Ctrl+C stops it",
        idp.issuer()
    );
    let _ = tokio::signal::ctrl_c().await;
    idp.shutdown().await;
    0
}

/// The workbench on the embedded IdP. The IdP takes the demo profile's port when it is free,
/// so that `profiles/demo.toml` (edited and saved in one session) opens again in the next.
async fn demo_workbench() -> i32 {
    let fixed = IdpConfig {
        auto_approve: true,
        bind: SocketAddr::from((Ipv4Addr::LOCALHOST, DEMO_PORT)),
        ..IdpConfig::default()
    };
    let idp = match IdpServer::start(fixed).await {
        Ok(idp) => idp,
        Err(_) => match IdpServer::start(IdpConfig {
            auto_approve: true,
            ..IdpConfig::default()
        })
        .await
        {
            Ok(idp) => idp,
            Err(e) => {
                return super::fail(
                    false,
                    "internal",
                    1,
                    &format!("cannot start the demo IdP: {e}"),
                )
            }
        },
    };
    let mut app = App::new(Mode::Demo, system_now());
    let saved = store::resolve("demo", &store::search_dirs())
        .ok()
        .and_then(|p| ProfileDocument::open(&p).ok());
    match saved.filter(|doc| doc.raw().issuer.as_deref() == Some(idp.issuer())) {
        Some(doc) => {
            let raw = doc.raw().clone();
            app.load(doc, raw);
        }
        None => match demo_raw(idp.issuer()) {
            Ok(raw) => {
                let dir = catalog::default_save_dir(&store::search_dirs());
                // Never let a new document stand in for an existing file it did not read.
                let mut path = dir.join("demo.toml");
                if path.exists() {
                    path = dir.join(format!("demo-{}.toml", idp.addr().port()));
                }
                app.load(ProfileDocument::new_file(&path), raw);
            }
            Err(e) => return super::fail(false, "internal", 1, &e),
        },
    }
    let code = match tui::launch(app, tui::real_services(BrowserMode::Follow)).await {
        Ok(()) => 0,
        Err(e) => super::fail(false, "internal", 1, &format!("terminal error: {e}")),
    };
    idp.shutdown().await;
    code
}
