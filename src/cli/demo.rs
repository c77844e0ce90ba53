//! `demo` and `idp`: the embedded identity provider, with and without a flow.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use crate::doctor::port::{holder, Holder};
use crate::flow::{resolve, system_now, BrowserMode, FlowOptions};
use crate::idp::{
    IdpConfig, IdpServer, RsaAlg, DEMO_CLIENT_ID, DEMO_CONFIDENTIAL_CLIENT_ID,
    DEMO_CONFIDENTIAL_SECRET, DEMO_FAPI_CLIENT_ID,
};
use crate::net::http::HttpLimits;
use crate::oauth::grant::GrantType;
use crate::oauth::jose::sign::{generate_pkcs8, pkcs8_pem};
use crate::oauth::jose::SignAlg;
use crate::oauth::text::sanitize;
use crate::profile::document::ProfileDocument;
use crate::profile::load::{parse_raw, validate};
use crate::profile::{Profile, RawProfile};
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
    /// The grant to show: authorization_code, device_code or client_credentials.
    #[arg(long, default_value = "authorization_code")]
    grant: String,
    /// A FAPI 2.0-style flow: private_key_jwt, PAR, DPoP, S256 and the fapi2 lint.
    #[arg(long)]
    strong: bool,
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

/// The demo profile for another grant: the device grant as the public client, client
/// credentials as the confidential one (no user, so no `openid`).
pub fn demo_raw_for(issuer: &str, grant: GrantType) -> Result<RawProfile, String> {
    let client = match grant {
        GrantType::AuthorizationCode => return demo_raw(issuer),
        GrantType::DeviceCode => {
            format!("client_id = \"{DEMO_CLIENT_ID}\"\nscope = \"openid profile email\"\n")
        }
        GrantType::ClientCredentials => format!(
            "client_id = \"{DEMO_CONFIDENTIAL_CLIENT_ID}\"\nclient_secret = \"{DEMO_CONFIDENTIAL_SECRET}\"\n"
        ),
    };
    let text = format!(
        "name = \"Demo IdP (embedded, {grant})\"\nissuer = \"{issuer}\"\ngrant_type = \"{grant}\"\n\
         token_url = \"{issuer}/token\"\n{client}",
        grant = grant.as_str()
    );
    parse_raw(std::path::Path::new("(demo)"), &text).map_err(|e| e.to_string())
}

/// The client key of `tokenbench-demo-fapi`: a test-only key, public by design (see
/// assets/README.md), so tokens it earns prove nothing anywhere but the demo IdP.
const DEMO_FAPI_CLIENT_KEY: &str = include_str!("../../assets/demo-keys/client-es256.pem");
/// The `kid` the demo IdP registered for [`DEMO_FAPI_CLIENT_KEY`].
const DEMO_FAPI_CLIENT_KID: &str = "tb-test-es256";

/// The strong demo profile: the FAPI 2.0-style client (private_key_jwt with the shipped
/// test key, PAR always, DPoP, S256, the fapi2 lint). `dpop_key_pem` is given inline, so
/// no key is made in the user's data directory (which `dpop` without `dpop_key` does).
pub fn demo_raw_strong(issuer: &str, dpop_key_pem: &str) -> Result<RawProfile, String> {
    let key = DEMO_FAPI_CLIENT_KEY.trim();
    let dpop_key = dpop_key_pem.trim();
    let text = format!(
        "name = \"Demo IdP (embedded, FAPI 2.0-style)\"\nissuer = \"{issuer}\"\n\
         callback_url = \"http://127.0.0.1:0/callback\"\nauth_url = \"{issuer}/authorize\"\n\
         token_url = \"{issuer}/token\"\nclient_id = \"{DEMO_FAPI_CLIENT_ID}\"\n\
         scope = \"openid profile email offline_access\"\ncode_challenge_method = \"S256\"\n\
         client_auth = \"private_key_jwt\"\nclient_key_id = \"{DEMO_FAPI_CLIENT_KID}\"\n\
         client_key = '''\n{key}\n'''\npar = \"always\"\ndpop = true\n\
         dpop_key = '''\n{dpop_key}\n'''\nprofile = \"fapi2\"\n"
    );
    parse_raw(std::path::Path::new("(demo)"), &text).map_err(|e| e.to_string())
}

/// A DPoP key for this demo session only, kept in memory: the demo IdP forgets its tokens
/// when it stops, so a lasting key would keep nothing usable.
pub fn demo_dpop_key() -> Result<String, String> {
    generate_pkcs8(SignAlg::ES256)
        .map(|der| pkcs8_pem(&der))
        .map_err(|e| format!("cannot make the demo's DPoP key: {e}"))
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

/// The port `profiles/demo.toml` (for `tokenbench idp --port 9400`) and the workbench's
/// demo prefer.
pub const DEMO_PORT: u16 = 9400;

pub async fn demo(args: DemoArgs) -> i32 {
    let grant = match GrantType::parse(&args.grant) {
        Ok(g) => g,
        Err(e) => return super::fail(args.json, "invalid_input", 2, &format!("--grant: {e}")),
    };
    if args.strong && grant != GrantType::AuthorizationCode {
        let e = "--strong shows the authorization code flow; leave out --grant";
        return super::fail(args.json, "invalid_input", 2, e);
    }
    if args.interactive() && grant == GrantType::AuthorizationCode {
        return demo_workbench(args.strong).await;
    }
    let dpop_key = match args.strong.then(demo_dpop_key).transpose() {
        Ok(key) => key,
        Err(e) => return super::fail(args.json, "internal", 1, &e),
    };
    let config = IdpConfig {
        auto_approve: true,
        signing_alg: signing_alg(args.strong),
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
    let raw = match &dpop_key {
        Some(key) => demo_raw_strong(idp.issuer(), key),
        None => demo_raw_for(idp.issuer(), grant),
    };
    let resolved = match (raw, http) {
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

/// The workbench on the embedded IdP, on [`DEMO_PORT`] when it is free (else on any port,
/// said on screen). The demo profile is kept in the state directory, never in the
/// repository's `profiles/`, so `Ctrl+S` in the demo leaves a clone's files as they are.
async fn demo_workbench(strong: bool) -> i32 {
    let (idp, note) = match start_demo_idp_signing(DEMO_PORT, signing_alg(strong)).await {
        Ok(started) => started,
        Err(e) => {
            return super::fail(
                false,
                "internal",
                1,
                &format!("cannot start the demo IdP: {e}"),
            )
        }
    };
    let Some(state) = demo_state_dir() else {
        return super::fail(
            false,
            "internal",
            1,
            "no state or data directory to keep the demo profile in",
        );
    };
    let app = if strong {
        demo_strong_app(&state, idp.issuer(), note, system_now())
    } else {
        demo_app(&state, idp.issuer(), note, system_now())
    };
    let app = match app {
        Ok(app) => app,
        Err(e) => return super::fail(false, "internal", 1, &e),
    };
    let code = match tui::launch(app, tui::real_services(BrowserMode::Follow)).await {
        Ok(()) => 0,
        Err(e) => super::fail(false, "internal", 1, &format!("terminal error: {e}")),
    };
    idp.shutdown().await;
    code
}

/// The strong demo's IdP signs with PS256, as FAPI 2.0 asks (§5.4.1); the plain demo keeps
/// RS256, what most IdPs use.
fn signing_alg(strong: bool) -> RsaAlg {
    if strong {
        RsaAlg::PS256
    } else {
        RsaAlg::RS256
    }
}

/// Starts the demo IdP on `preferred` ([`DEMO_PORT`]), or on a free port when that one is
/// taken; then with the note that says so (and who holds it, when that can be found).
pub async fn start_demo_idp(preferred: u16) -> std::io::Result<(IdpServer, Option<String>)> {
    start_demo_idp_signing(preferred, RsaAlg::RS256).await
}

async fn start_demo_idp_signing(
    preferred: u16,
    signing_alg: RsaAlg,
) -> std::io::Result<(IdpServer, Option<String>)> {
    let on = |port: u16| IdpConfig {
        auto_approve: true,
        signing_alg,
        bind: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        ..IdpConfig::default()
    };
    match IdpServer::start(on(preferred)).await {
        Ok(idp) => Ok((idp, None)),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            let idp = IdpServer::start(on(0)).await?;
            let note = busy_port_note(preferred, holder(preferred).as_ref(), idp.addr().port());
            Ok((idp, Some(note)))
        }
        Err(e) => Err(e),
    }
}

/// "port 9400 is busy (held by NAME, PID N): the demo IdP runs on port M for this session".
pub fn busy_port_note(busy: u16, holder: Option<&Holder>, port: u16) -> String {
    let by = match holder {
        Some(Holder {
            pid,
            name: Some(name),
        }) => format!(" (held by {}, PID {pid})", sanitize(name)),
        Some(Holder { pid, name: None }) => format!(" (held by PID {pid})"),
        None => String::new(),
    };
    format!("port {busy} is busy{by}: the demo IdP runs on port {port} for this session")
}

/// Where the demo profile is kept: `tokenbench/` in the state directory (the local data
/// directory where there is none).
pub fn demo_state_dir() -> Option<PathBuf> {
    dirs::state_dir()
        .or_else(dirs::data_local_dir)
        .map(|d| d.join("tokenbench"))
}

/// The workbench with the demo profile open: `state/demo.toml` as saved in an earlier
/// session, or a new one there (written on the first `Ctrl+S`). Either way it points at
/// the IdP running now. `note` (a busy port) is shown in the status line and the Flow pane.
pub fn demo_app(state: &Path, issuer: &str, note: Option<String>, now: i64) -> Result<App, String> {
    let path = state.join("demo.toml");
    open_demo(&path, issuer, note, now, || demo_raw(issuer))
}

/// [`demo_app`] for `demo --strong`: `state/demo-strong.toml`, or a new strong demo profile
/// with a DPoP key made for this session (kept in the profile, so only `Ctrl+S` writes it,
/// next to the demo profile, never in the data directory's `dpop/`).
pub fn demo_strong_app(
    state: &Path,
    issuer: &str,
    note: Option<String>,
    now: i64,
) -> Result<App, String> {
    let path = state.join("demo-strong.toml");
    open_demo(&path, issuer, note, now, || {
        demo_raw_strong(issuer, &demo_dpop_key()?)
    })
}

fn open_demo(
    path: &Path,
    issuer: &str,
    note: Option<String>,
    now: i64,
    fresh: impl FnOnce() -> Result<RawProfile, String>,
) -> Result<App, String> {
    let mut app = App::new(Mode::Demo, now);
    if path.exists() {
        let doc = ProfileDocument::open(path).map_err(|e| e.to_string())?;
        let base = retarget(doc.raw(), issuer);
        app.load(doc, base);
    } else {
        app.load(ProfileDocument::new_file(path), fresh()?);
    }
    if let Some(note) = note {
        app.flow.panel = Some(("demo IdP".to_owned(), vec![note.clone()]));
        app.warn(note);
    }
    Ok(app)
}

/// A saved demo profile points at the demo IdP of the session it was saved in; its port may
/// differ now. Endpoints under that old loopback issuer move to `issuer`; a profile whose
/// issuer was changed to another IdP is left as it is.
fn retarget(raw: &RawProfile, issuer: &str) -> RawProfile {
    let mut raw = raw.clone();
    let Some(old) = raw.issuer.clone().filter(|old| {
        old != issuer
            && old
                .strip_prefix("http://127.0.0.1:")
                .is_some_and(|port| port.parse::<u16>().is_ok())
    }) else {
        return raw;
    };
    for slot in [&mut raw.issuer, &mut raw.auth_url, &mut raw.token_url] {
        if let Some(rest) = slot.as_deref().and_then(|v| v.strip_prefix(old.as_str())) {
            if rest.is_empty() || rest.starts_with('/') {
                *slot = Some(format!("{issuer}{rest}"));
            }
        }
    }
    raw
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retarget_moves_only_the_old_demo_issuers_endpoints() {
        let saved = demo_raw("http://127.0.0.1:51000").unwrap();
        let moved = retarget(&saved, "http://127.0.0.1:9400");
        assert_eq!(moved.issuer.as_deref(), Some("http://127.0.0.1:9400"));
        assert_eq!(
            moved.auth_url.as_deref(),
            Some("http://127.0.0.1:9400/authorize")
        );
        assert_eq!(
            moved.token_url.as_deref(),
            Some("http://127.0.0.1:9400/token")
        );
        assert_eq!(moved.client_id, saved.client_id);
        let mut elsewhere = saved.clone();
        elsewhere.issuer = Some("https://idp.example".into());
        assert_eq!(retarget(&elsewhere, "http://127.0.0.1:9400"), elsewhere);
        // A longer port that merely starts like the old one is not the old issuer.
        let mut other = saved.clone();
        other.token_url = Some("http://127.0.0.1:510001/token".into());
        let moved = retarget(&other, "http://127.0.0.1:9400");
        assert_eq!(
            moved.token_url.as_deref(),
            Some("http://127.0.0.1:510001/token")
        );
    }

    #[test]
    fn busy_port_note_names_the_holder() {
        let holder = Holder {
            pid: 42,
            name: Some("tokenbench".into()),
        };
        assert_eq!(
            busy_port_note(9400, Some(&holder), 51000),
            "port 9400 is busy (held by tokenbench, PID 42): the demo IdP runs on port 51000 for this session"
        );
        assert_eq!(
            busy_port_note(9400, None, 51000),
            "port 9400 is busy: the demo IdP runs on port 51000 for this session"
        );
        let hostile = Holder {
            pid: 1,
            name: Some("x\u{1b}[2J".into()),
        };
        assert!(!busy_port_note(9400, Some(&hostile), 1).contains('\u{1b}'));
    }
}
