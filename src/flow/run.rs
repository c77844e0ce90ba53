//! One authorization-code-with-PKCE run: callback server, browser, callback checks, token
//! exchange. Shared by the CLI and the TUI; progress is reported as `FlowEvent`s.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::doctor::{analyse_near_miss, DoctorReport, NearMiss};
use crate::net::browser::{self, BrowserLaunch};
use crate::net::callback_server::{
    CallbackServer, RequestKind, RequestRecord, ResponseMode, ServerEvent, ServerOptions,
};
use crate::net::discovery::METADATA_TIMEOUT;
use crate::net::http::{HttpClient, HttpLimits};
use crate::net::tls;
use crate::oauth::authorize::AuthorizationRequest;
use crate::oauth::callback::{
    answers_this_request, forged_note, validate, CallbackError, CallbackExpectation, CallbackParams,
};
use crate::oauth::grant::GrantType;
use crate::oauth::metadata::Metadata;
use crate::oauth::random::Entropy;
use crate::oauth::random_token;
use crate::oauth::secret::{AuthorizationCode, UsedVerifier};
use crate::oauth::types::RedirectUri;

use crate::profile::Profile;

use super::device::{PollClock, TokioClock};
use super::diagnosis::{BackgroundDiagnosis, AFTER_TIMEOUT_BUDGET};
use super::error::FlowError;
use super::reach::{self, Reach};
use super::report::{pairs_json, FlowReport};
use super::resolve::{metadata_for_run, Resolved};
use super::verify::prefetch_keys;

/// How the authorization URL reaches a browser.
#[derive(Debug, Clone)]
pub enum BrowserMode {
    /// `$BROWSER` (given here) or the platform opener.
    System {
        browser_env: Option<String>,
        /// Silence the browser command's stderr (under a full-screen UI).
        quiet: bool,
    },
    /// Only tell the person the URL.
    PrintOnly,
    /// Fetch it in-process, following redirects: for an IdP that approves without a person
    /// (the embedded demo IdP).
    Follow,
}

#[derive(Debug, Clone)]
pub struct FlowOptions {
    pub timeout: Duration,
    pub browser: BrowserMode,
    pub http: HttpLimits,
    /// When no callback has arrived after this long, probe the authorization endpoint in
    /// the background and report its verdict (`FlowEvent::Diagnosis`); None: only at the
    /// timeout, to name the likely cause.
    pub diagnose_after: Option<Duration>,
}

/// How long a run waits for the callback before it probes the IdP in the background.
pub const DIAGNOSE_AFTER: Duration = Duration::from_secs(20);

impl Default for FlowOptions {
    fn default() -> Self {
        FlowOptions {
            timeout: Duration::from_secs(300),
            browser: BrowserMode::PrintOnly,
            http: HttpLimits::default(),
            diagnose_after: Some(DIAGNOSE_AFTER),
        }
    }
}

/// The timeout's cause for a pushed request that was not expired: the redirect URI itself
/// was accepted at the push, so what is left is the person or the IdP's page.
const PUSHED_NO_CALLBACK: &str = "the IdP accepted the pushed request and its redirect URI, so the sign-in did not finish: was it completed in the browser, or did the IdP show an error page there?";

/// How many stray requests a run records and reports one by one.
pub const STRAY_RECORDS_KEPT: usize = 50;

/// Progress, as it happens.
#[derive(Debug, Clone)]
pub enum FlowEvent {
    /// The values this run generated or took from the profile.
    Prepared {
        state: String,
        code_verifier: UsedVerifier,
    },
    Listening {
        addrs: Vec<SocketAddr>,
        redirect_uri: String,
    },
    /// An https callback: the certificate it serves (made or reused) and the line that
    /// explains the browser's one-time warning.
    CallbackCertificate {
        path: String,
        fingerprint_sha256: String,
        created: bool,
        explanation: String,
    },
    /// The callback is not on loopback: the person pastes the redirected URL.
    PasteMode {
        redirect_uri: String,
    },
    AuthorizationUrl(String),
    Browser(BrowserLaunch),
    Stray(RequestRecord),
    /// A stray request that looks like a misdirected callback, with what differs.
    NearMiss(NearMiss),
    /// The background probe's verdict, while the run still waits for the callback.
    Diagnosis(Box<DoctorReport>),
    /// How the authorization response arrived (sent just before `CallbackReceived`).
    CallbackVia(ResponseMode),
    CallbackReceived,
    TokenRequestSent {
        url: String,
    },
    TokenResponse {
        status: u16,
        elapsed_ms: u128,
    },
    Warning(String),
    /// The device grant's user code and where to enter it.
    DeviceAuthorization(super::device::DevicePrompt),
    /// A poll answered `authorization_pending`: still waiting for the person.
    DevicePending {
        polls: u64,
        interval: u64,
    },
    /// A poll answered `slow_down`: the interval is now `interval` seconds.
    DeviceSlowDown {
        polls: u64,
        interval: u64,
    },
    /// The authorization request was pushed (RFC 9126): the browser gets `request_uri`.
    Pushed {
        request_uri: String,
        expires_in: u64,
    },
    /// The signed request object sent (RFC 9101), decoded.
    RequestObject {
        header: Value,
        claims: Value,
    },
    /// The security-profile lint (`profile = "fapi2"`), after discovery: a list, never a stop.
    SecurityProfile(crate::oauth::security_profile::SecurityProfileReport),
}

/// Everything a run needs from outside, injected so that tests and the TUI can supply it.
pub struct FlowIo<'a> {
    pub entropy: &'a mut (dyn Entropy + Send),
    pub now: fn() -> i64,
    pub env: &'a (dyn Fn(&str) -> Option<std::ffi::OsString> + Sync),
    pub events: mpsc::UnboundedSender<FlowEvent>,
    /// Pasted redirect URLs, for a callback that is not on loopback.
    pub paste: Option<mpsc::UnboundedReceiver<String>>,
}

pub fn system_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Runs the whole flow. Never panics on bad input; failures end up in `report.error`. With
/// an issuer in the profile, its metadata is fetched first (see [`run_resolved`] for a
/// profile already resolved).
pub async fn run_flow(profile: &Profile, options: &FlowOptions, io: FlowIo<'_>) -> FlowReport {
    run_with(profile, None, options, io).await
}

/// Runs the whole flow for a resolved profile, using the metadata found when resolving.
pub async fn run_resolved(
    resolved: &Resolved,
    options: &FlowOptions,
    io: FlowIo<'_>,
) -> FlowReport {
    run_with(&resolved.profile, Some(resolved), options, io).await
}

/// [`run_flow`] with the device grant's waits between polls taken from `clock`.
pub async fn run_flow_with_clock(
    profile: &Profile,
    options: &FlowOptions,
    io: FlowIo<'_>,
    clock: &dyn PollClock,
) -> FlowReport {
    run_with_clock(profile, None, options, io, clock).await
}

/// [`run_resolved`] with the device grant's waits between polls taken from `clock` (tests
/// pass one that does not wait).
pub async fn run_resolved_with_clock(
    resolved: &Resolved,
    options: &FlowOptions,
    io: FlowIo<'_>,
    clock: &dyn PollClock,
) -> FlowReport {
    run_with_clock(&resolved.profile, Some(resolved), options, io, clock).await
}

async fn run_with(
    profile: &Profile,
    resolved: Option<&Resolved>,
    options: &FlowOptions,
    io: FlowIo<'_>,
) -> FlowReport {
    run_with_clock(profile, resolved, options, io, &TokioClock).await
}

async fn run_with_clock(
    profile: &Profile,
    resolved: Option<&Resolved>,
    options: &FlowOptions,
    io: FlowIo<'_>,
    clock: &dyn PollClock,
) -> FlowReport {
    let mut report = FlowReport {
        profile: profile.name.clone(),
        ..FlowReport::default()
    };
    if let Err(e) = run_inner(profile, resolved, options, io, clock, &mut report).await {
        report.error = Some(e);
    }
    report
}

async fn run_inner(
    profile: &Profile,
    resolved: Option<&Resolved>,
    options: &FlowOptions,
    mut io: FlowIo<'_>,
    clock: &dyn PollClock,
    report: &mut FlowReport,
) -> Result<(), FlowError> {
    let emit = |events: &mpsc::UnboundedSender<FlowEvent>, e: FlowEvent| {
        let _ = events.send(e);
    };
    let client = profile
        .client_credentials(io.env, io.now)
        .map_err(FlowError::Secret)?;
    let dpop =
        crate::cache::dpop_key::prover(profile, io.env, None, io.now).map_err(FlowError::Secret)?;
    let limits = options.http.tls(profile.insecure_tls);
    let http = HttpClient::new(limits.plain_http(profile.insecure_http))
        .map_err(|e| FlowError::Internal(e.to_string()))?;
    if profile.insecure_tls {
        let warning = "TLS CERTIFICATE VERIFICATION IS OFF for this profile (insecure_tls = true): anyone on the path can read and change this exchange".to_owned();
        let _ = io.events.send(FlowEvent::Warning(warning.clone()));
        report.warnings.push(warning);
    }

    // The big IdPs' known traps, before anything is sent.
    for quirk in crate::profile::quirks(profile) {
        let warning = quirk.to_string();
        let _ = io.events.send(FlowEvent::Warning(warning.clone()));
        report.warnings.push(warning);
    }

    let verifier = profile.verifier(io.entropy);
    let state = profile
        .state
        .clone()
        .unwrap_or_else(|| random_token(io.entropy));
    // A nonce binds the ID token to this request (OIDC Core §3.1.2.1).
    let nonce = profile
        .scope
        .split(' ')
        .any(|s| s == "openid")
        .then(|| random_token(io.entropy));

    // Metadata and keys get a short limit of their own: an endpoint that never answers must
    // cost seconds, not the token request's limit.
    let fetch_limit = options.http.timeout.min(METADATA_TIMEOUT);
    // Discovery stays ahead of the browser even when the profile names both endpoints: an
    // issuer mismatch must stop the run before the person signs in, and the callback check
    // needs to know whether the IdP promises `iss` (RFC 9207 §3: then a missing one is
    // suspicious). It costs at most `fetch_limit` when the issuer never answers.
    let metadata = metadata_for_run(&http, profile, resolved, report, fetch_limit).await?;
    report.grant_type = Some(profile.grant.as_str());
    // A lint: failing items are reported, the run goes on.
    if let Some(lint) = super::security_profile::lint(profile, metadata.as_ref()) {
        emit(&io.events, FlowEvent::SecurityProfile(lint.clone()));
        report.security_profile = Some(lint);
    }
    let step = super::grant_step::Step {
        profile,
        client: &client,
        metadata: metadata.as_ref(),
        http: &http,
        events: &io.events,
        now: io.now,
        fetch_limit,
        dpop: dpop.as_ref(),
    };
    match profile.grant {
        GrantType::DeviceCode => return super::device::run(step, clock, report).await,
        GrantType::ClientCredentials => return super::client_credentials::run(step, report).await,
        GrantType::AuthorizationCode => {}
    }
    let front = super::front_channel::prepare(&step, io.env)?;
    if metadata.is_none() {
        check_reachable(profile, options, io.env, &io.events, report).await?;
    }
    let iss_required = metadata
        .as_ref()
        .is_some_and(|m| m.authorization_response_iss_parameter_supported);
    // The keys are needed only after the token response: fetched while the person signs in.
    let keys = prefetch_keys(&http, metadata.as_ref(), nonce.is_some(), fetch_limit);
    let nonce_sent = nonce.clone();
    emit(
        &io.events,
        FlowEvent::Prepared {
            state: state.clone(),
            code_verifier: UsedVerifier::new(verifier.secret()),
        },
    );
    let expect = CallbackExpectation {
        state: state.clone(),
        issuer: profile.issuer.clone(),
        iss_required,
    };

    // Bind before anything opens a browser, so a busy port fails first.
    let mut server = None;
    let mut pinned = None;
    let redirect_uri: RedirectUri = if profile.callback_url.is_loopback() {
        let cert = callback_certificate(profile, &io.events, report)?;
        let s = CallbackServer::bind_tls(
            &profile.callback_url,
            expect.clone(),
            ServerOptions::default(),
            cert.as_ref().map(|c| c.config.clone()),
        )
        .await?;
        pinned = cert.map(|c| c.der);
        let uri = s.redirect_uri().clone();
        emit(
            &io.events,
            FlowEvent::Listening {
                addrs: s.local_addrs().to_vec(),
                redirect_uri: uri.as_str().to_owned(),
            },
        );
        server = Some(s);
        uri
    } else {
        if io.paste.is_none() {
            return Err(FlowError::InvalidInput(format!(
                "callback_url {} is not a loopback address and no way to paste the redirected URL was given",
                profile.callback_url.as_str()
            )));
        }
        emit(
            &io.events,
            FlowEvent::PasteMode {
                redirect_uri: profile.callback_url.as_str().to_owned(),
            },
        );
        profile.callback_url.clone()
    };

    let mut extra = profile.sign_in.merged_into(&profile.auth_params);
    // RFC 9449 §10: the code is bound to the key too (pushed requests carry it as well).
    if let Some(p) = &dpop {
        extra.push(("dpop_jkt".into(), p.jkt().to_owned()));
    }
    let request = AuthorizationRequest {
        auth_url: profile.auth_url.clone(),
        client_id: profile.client_id.clone(),
        redirect_uri: redirect_uri.clone(),
        scope: profile.scope.clone(),
        state,
        code_challenge: verifier.challenge(profile.code_challenge_method),
        method: profile.code_challenge_method,
        nonce,
        extra,
    };
    // Also when set through [auth_params]: what was sent is what the token must honour.
    let max_age_sent = request
        .extra
        .iter()
        .find(|(k, _)| k == "max_age")
        .and_then(|(_, v)| v.trim().parse::<u64>().ok());
    let sent = super::front_channel::authorization_url(&step, &front, &request, report).await?;
    let url = sent.url.clone();
    emit(&io.events, FlowEvent::AuthorizationUrl(url.clone()));
    launch_browser(&options.browser, &url, pinned, &io.events);
    // A pushed request's redirect URI was checked by the IdP at the push (RFC 9126 §2.1): a
    // probe of the plain URL would only meet the IdP's "must push" refusal and blame it.
    let mut diagnosis = if report.par.is_some() {
        BackgroundDiagnosis::off()
    } else {
        BackgroundDiagnosis::start(profile, &redirect_uri, options.diagnose_after)
    };

    let waited = wait_for_callback(
        server.as_mut(),
        io.paste.as_mut(),
        &expect,
        options.timeout,
        &io.events,
        report,
        &redirect_uri,
        &mut diagnosis,
    )
    .await;
    if let Some(s) = server {
        s.close().await;
    }
    let expired = sent.expired_note(std::time::Instant::now());
    if let (Some(note), Some(_)) = (&expired, &waited) {
        emit(&io.events, FlowEvent::Warning(note.clone()));
        report.warnings.push(note.clone());
    }
    let code = match waited {
        Some(Ok(code)) => code,
        Some(Err(e)) => return Err(FlowError::from_callback(e)),
        // Only callbacks for another request came: that is what to report, not silence.
        None if report.invalid_callbacks > 0 => {
            return Err(FlowError::CallbackInvalid(CallbackError::NoneMatched {
                count: report.invalid_callbacks,
                secs: options.timeout.as_secs(),
            }))
        }
        None => {
            let found = diagnosis.finish(AFTER_TIMEOUT_BUDGET).await;
            if report.diagnosis.is_none() {
                report.diagnosis = found.as_ref().map(DoctorReport::to_json);
            }
            // A misdirected callback is direct evidence; the probe's verdict is the next best.
            let near_miss = report
                .near_misses
                .first()
                .and_then(|n| n.get("message"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            return Err(FlowError::Timeout {
                secs: options.timeout.as_secs(),
                redirect_uri: redirect_uri.as_str().to_owned(),
                cause: expired
                    .or(near_miss)
                    .or_else(|| found.and_then(|d| d.likely_cause()))
                    .or_else(|| report.par.is_some().then(|| PUSHED_NO_CALLBACK.to_owned())),
            });
        }
    };
    drop(diagnosis);

    let redeem = super::code_exchange::Redeem {
        code,
        redirect_uri: &redirect_uri,
        verifier: &verifier,
        nonce: nonce_sent,
        max_age: max_age_sent,
        keys,
    };
    super::code_exchange::redeem(&step, redeem, report).await
}

/// The certificate for an `https://` loopback callback (None for http), made once per
/// profile and host and reused; its fingerprint goes to the events and to `callback.tls`.
fn callback_certificate(
    profile: &Profile,
    events: &mpsc::UnboundedSender<FlowEvent>,
    report: &mut FlowReport,
) -> Result<Option<tls::CallbackCert>, FlowError> {
    if profile.callback_url.url().scheme() != "https" {
        return Ok(None);
    }
    let host = profile.callback_url.host().unwrap_or_default();
    let cert = tls::user_dir()
        .and_then(|dir| tls::load_or_create(&dir, &profile.name, &host))
        .map_err(|e| FlowError::InvalidInput(e.to_string()))?;
    report.callback = Some(json!({ "tls": {
        "certificate": cert.path.display().to_string(),
        "fingerprint_sha256": cert.fingerprint_sha256,
        "created": cert.created,
    }}));
    let _ = events.send(FlowEvent::CallbackCertificate {
        path: cert.path.display().to_string(),
        fingerprint_sha256: cert.fingerprint_sha256.clone(),
        created: cert.created,
        explanation: cert.explanation(),
    });
    Ok(Some(cert))
}

/// The Auth0 trap: no `audience` sent, so the access token is opaque or a JWE.
pub(super) fn auth0_note(
    profile: &Profile,
    metadata: Option<&Metadata>,
    access_token: &str,
) -> Option<String> {
    let mut urls = vec![profile.auth_url.as_str(), profile.token_url.as_str()];
    urls.extend(profile.issuer.as_deref());
    let audience_sent = profile
        .auth_params
        .iter()
        .chain(&profile.token_params)
        .any(|(k, _)| k == "audience");
    crate::oauth::vendor::auth0_note(&urls, metadata.map(|m| &m.raw), audience_sent, access_token)
}

/// When the browser runs on this machine, an authorization endpoint nothing listens on
/// ends the run before it opens (exit 6). Skipped when the URL may be opened elsewhere
/// (`--no-browser`, a pasted redirect).
async fn check_reachable(
    profile: &Profile,
    options: &FlowOptions,
    env: &(dyn Fn(&str) -> Option<std::ffi::OsString> + Sync),
    events: &mpsc::UnboundedSender<FlowEvent>,
    report: &mut FlowReport,
) -> Result<(), FlowError> {
    let here = matches!(
        options.browser,
        BrowserMode::System { .. } | BrowserMode::Follow
    );
    if !here || !profile.callback_url.is_loopback() {
        return Ok(());
    }
    let url = profile.auth_url.as_str();
    match reach::check(url, env, reach::REACH_TIMEOUT).await {
        Reach::Reachable => Ok(()),
        Reach::Unreachable(cause) => Err(FlowError::Transport(format!(
            "cannot reach the authorization endpoint {url}: {cause}"
        ))),
        Reach::Unknown(cause) => {
            let warning = format!("the authorization endpoint {url} may be unreachable: {cause}");
            let _ = events.send(FlowEvent::Warning(warning.clone()));
            report.warnings.push(warning);
            Ok(())
        }
    }
}

/// `pinned`: the https callback's certificate, the only one the in-process browser trusts
/// besides the usual roots.
pub(super) fn launch_browser(
    mode: &BrowserMode,
    url: &str,
    pinned: Option<Vec<u8>>,
    events: &mpsc::UnboundedSender<FlowEvent>,
) {
    let launch = match mode {
        BrowserMode::System { browser_env, quiet } => {
            browser::open(url, browser_env.clone(), *quiet)
        }
        BrowserMode::PrintOnly => BrowserLaunch::Failed("--no-browser".to_owned()),
        BrowserMode::Follow => {
            let url = url.to_owned();
            let events = events.clone();
            tokio::spawn(async move {
                if let Err(e) = follow(&url, pinned).await {
                    let _ = events.send(FlowEvent::Warning(format!(
                        "the in-process browser failed: {e}"
                    )));
                }
            });
            BrowserLaunch::Started("in-process browser".to_owned())
        }
    };
    let _ = events.send(FlowEvent::Browser(launch));
}

/// A minimal browser: GET, following redirects, as the demo needs no person.
async fn follow(url: &str, pinned: Option<Vec<u8>>) -> Result<(), reqwest::Error> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(10))
        .no_proxy()
        .timeout(Duration::from_secs(30));
    // An https loopback callback serves tokenbench's own self-signed certificate, which a
    // person accepts once in a real browser. This one trusts exactly that certificate (made
    // by this run's profile, read from the file the server serves), never "any certificate".
    if let Some(der) = pinned {
        builder = builder.add_root_certificate(reqwest::Certificate::from_der(&der)?);
    }
    let client = builder.build()?;
    client.get(url).send().await?.bytes().await?;
    Ok(())
}

/// Waits for the callback (or a pasted URL); None on timeout. Near misses and the
/// background probe's verdict are reported while waiting.
#[allow(clippy::too_many_arguments)]
async fn wait_for_callback(
    mut server: Option<&mut CallbackServer>,
    mut paste: Option<&mut mpsc::UnboundedReceiver<String>>,
    expect: &CallbackExpectation,
    timeout: Duration,
    events: &mpsc::UnboundedSender<FlowEvent>,
    report: &mut FlowReport,
    callback: &RedirectUri,
    diagnosis: &mut BackgroundDiagnosis,
) -> Option<Result<AuthorizationCode, CallbackError>> {
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    loop {
        let (params, result, mode) = tokio::select! {
            _ = &mut deadline => return None,
            found = diagnosis.next() => {
                report.diagnosis = Some(found.to_json());
                let _ = events.send(FlowEvent::Diagnosis(Box::new(found)));
                continue;
            }
            event = next_server_event(server.as_deref_mut()) => match event {
                ServerEvent::Stray(record) => {
                    record_stray(record, callback, report, events);
                    continue;
                }
                ServerEvent::Callback { params, result, mode } => (params, result, mode),
            },
            line = next_paste(paste.as_deref_mut()) => {
                // stdin closed: nothing more can be pasted, but the deadline still applies.
                let Some(line) = line else { paste = None; continue };
                if line.trim().is_empty() {
                    continue;
                }
                match CallbackParams::parse_url(&line) {
                    // Like a forged request on the port: said, counted, and the run waits on.
                    Ok(params) if !answers_this_request(&params, expect) => {
                        report.invalid_callbacks += 1;
                        let warning = format!("pasted URL refused ({}); paste the URL of this sign-in, or wait for it", forged_note(&params));
                        report.warnings.push(warning.clone());
                        let _ = events.send(FlowEvent::Warning(warning));
                        continue;
                    }
                    Ok(params) => {
                        let result = validate(&params, expect);
                        (params, result, ResponseMode::Query)
                    }
                    Err(e) => {
                        let _ = events.send(FlowEvent::Warning(format!("{e}; paste the whole URL the browser was sent to")));
                        continue;
                    }
                }
            }
        };
        let shown = params.redacted();
        // Kept next to what an https callback already put there (`tls`).
        let mut callback = report.callback.take().unwrap_or_else(|| json!({}));
        callback["params"] = pairs_json(&shown);
        callback["response_mode"] = json!(mode.as_str());
        report.callback = Some(callback);
        let _ = events.send(FlowEvent::CallbackVia(mode));
        let _ = events.send(FlowEvent::CallbackReceived);
        return Some(result);
    }
}

/// Records a request that did not end the run. A flood of junk must not grow the record or
/// the screen without bound: the first ones tell the story, the rest are counted.
fn record_stray(
    record: RequestRecord,
    callback: &RedirectUri,
    report: &mut FlowReport,
    events: &mpsc::UnboundedSender<FlowEvent>,
) {
    report.stray_total += 1;
    let forged = record.kind == RequestKind::ForgedCallback;
    if forged {
        report.invalid_callbacks += 1;
    }
    if report.stray_requests.len() >= STRAY_RECORDS_KEPT {
        return;
    }
    report
        .stray_requests
        .push(serde_json::to_value(&record).unwrap_or(Value::Null));
    // A forged callback is on the right path by design: not a near miss.
    let near = (!forged)
        .then(|| analyse_near_miss(callback, &record))
        .flatten();
    let _ = events.send(FlowEvent::Stray(record));
    if let Some(near) = near {
        report
            .near_misses
            .push(serde_json::to_value(&near).unwrap_or(Value::Null));
        let _ = events.send(FlowEvent::NearMiss(near));
    }
}

async fn next_server_event(server: Option<&mut CallbackServer>) -> ServerEvent {
    match server {
        Some(s) => match s.next_event().await {
            Some(e) => e,
            None => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}

async fn next_paste(paste: Option<&mut mpsc::UnboundedReceiver<String>>) -> Option<String> {
    match paste {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::load::{parse_raw, validate};

    fn profile(urls: &str, extra: &str) -> Profile {
        let text = format!(
            "callback_url = \"http://127.0.0.1:1/cb\"\n{urls}\nclient_id = \"c\"\nscope = \"openid\"\n{extra}"
        );
        let f = std::path::Path::new("p.toml");
        validate(f, "p", &parse_raw(f, &text).unwrap()).unwrap()
    }

    /// Five parts, `{"alg":"dir","enc":"A256GCM"}`: Auth0's access token without `audience`.
    const JWE: &str = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aXY.Y2lwaGVy.dGFn";

    #[test]
    fn an_auth0_jwe_without_audience_is_named_once_the_token_is_in() {
        let auth0 = "auth_url = \"https://t.eu.auth0.com/authorize\"\ntoken_url = \"https://t.eu.auth0.com/oauth/token\"";
        let note = auth0_note(&profile(auth0, ""), None, JWE).unwrap();
        assert!(
            note.starts_with("this looks like an Auth0 token without `audience`"),
            "{note}"
        );
        assert!(note.contains("alg: dir"), "{note}");
        let with_audience = profile(auth0, "[auth_params]\naudience = \"https://api\"");
        assert_eq!(auth0_note(&with_audience, None, JWE), None);
        let other = "auth_url = \"https://idp.example/authorize\"\ntoken_url = \"https://idp.example/token\"";
        assert_eq!(auth0_note(&profile(other, ""), None, JWE), None);
    }
}
