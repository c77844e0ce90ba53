//! `demo` and `idp`: the embedded identity provider, with and without a flow.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use clap::Args;

use crate::flow::{BrowserMode, FlowOptions};
use crate::idp::{IdpConfig, IdpServer, DEMO_CLIENT_ID};
use crate::net::http::HttpLimits;
use crate::profile::load::{parse_raw, validate};
use crate::profile::Profile;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
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

/// The demo profile for an IdP at `issuer`, built through the same validation as a file.
pub fn demo_profile(issuer: &str) -> Result<Profile, String> {
    let text = format!(
        "name = \"Demo IdP (embedded)\"\nissuer = \"{issuer}\"\ncallback_url = \"http://127.0.0.1:0/callback\"\n\
         auth_url = \"{issuer}/authorize\"\ntoken_url = \"{issuer}/token\"\nclient_id = \"{DEMO_CLIENT_ID}\"\n\
         scope = \"openid profile email offline_access\"\n"
    );
    let path = std::path::Path::new("(demo)");
    parse_raw(path, &text)
        .and_then(|raw| validate(path, "demo", &raw))
        .map_err(|e| e.to_string())
}

pub async fn demo(args: DemoArgs) -> i32 {
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
        eprintln!(
            "• demo IdP listening at {} (approves without a person)",
            idp.issuer()
        );
    }
    let code = match demo_profile(idp.issuer()) {
        Ok(profile) => {
            let options = FlowOptions {
                timeout: Duration::from_secs(args.timeout),
                browser: BrowserMode::Follow,
                http: HttpLimits::default(),
                ..FlowOptions::default()
            };
            super::run::execute_flow(&profile, &options, args.json).await
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
    println!("{}", idp.issuer());
    eprintln!(
        "demo IdP (not for real use): public client {DEMO_CLIENT_ID}, discovery at {}/.well-known/openid-configuration; Ctrl+C stops it",
        idp.issuer()
    );
    let _ = tokio::signal::ctrl_c().await;
    idp.shutdown().await;
    0
}
