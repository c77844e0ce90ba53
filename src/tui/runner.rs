//! The event loop: one queue of events in, `update`, effects performed, a frame drawn when
//! something changed. Generic over the backend and the input stream, so tests drive the
//! real loop with synthetic keys on a `TestBackend`.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use futures::{Stream, StreamExt};
use ratatui::backend::Backend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::cache::{CachedTokens, TokenCache};
use crate::doctor::{self, DoctorOptions};
use crate::flow::grants::{self, GrantIo};
use crate::flow::{resolve, run_resolved, BrowserMode, FlowError, FlowIo, FlowOptions, FlowReport};
use crate::net::discovery::discover;
use crate::net::http::{HttpClient, HttpLimits};
use crate::oauth::introspection::TokenKind;
use crate::oauth::random::OsEntropy;
use crate::oauth::types::RedirectUri;
use crate::profile::catalog;
use crate::profile::document::ProfileDocument;
use crate::profile::load::file_stem;

use super::app::App;
use super::app::Session;
use super::event::{AppEvent, Call, Effect, Event, StoreOp, Stored};
use super::update::{new_profile_template, FLOW_TIMEOUT_SECS};
use super::views;

/// Puts text on the clipboard.
pub type Clipboard = Box<dyn FnMut(&str) -> io::Result<()> + Send>;
/// Sees every frame drawn.
pub type Observer = Box<dyn FnMut(&Buffer) + Send>;

/// Everything the loop needs from outside.
pub struct Services {
    pub browser: BrowserMode,
    pub http: HttpLimits,
    pub clock: fn() -> i64,
    /// Where profiles are listed from; new profiles go to the first that exists.
    pub dirs: Vec<PathBuf>,
    /// Puts text on the clipboard (OSC 52 on a real terminal).
    pub clipboard: Clipboard,
    /// Called with every frame drawn (tests read the screen through it).
    pub observe: Option<Observer>,
    pub tick: Duration,
}

struct RunningFlow {
    task: JoinHandle<()>,
    paste: mpsc::UnboundedSender<String>,
}

pub async fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    mut input: impl Stream<Item = Event> + Unpin,
    mut services: Services,
) -> io::Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel::<AppEvent>();
    let mut flow: Option<RunningFlow> = None;
    let mut tick = tokio::time::interval(services.tick);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    if let Ok(size) = terminal.size() {
        app.size = (size.width, size.height);
    }
    let mut dirty = true;
    loop {
        if dirty {
            let frame = terminal
                .draw(|f| views::draw(app, f))
                .map_err(|e| io::Error::other(e.to_string()))?;
            if let Some(observe) = &mut services.observe {
                observe(frame.buffer);
            }
        }
        let event = tokio::select! {
            e = input.next() => match e {
                Some(e) => e,
                // Input ended (a test, or the terminal went away): leave cleanly.
                None => break,
            },
            Some(e) = rx.recv() => Event::App(Box::new(e)),
            _ = tick.tick() => Event::Tick,
        };
        let is_tick = matches!(event, Event::Tick);
        let had_status = app.message.is_some();
        let effects = app.update(event, (services.clock)());
        // A tick only redraws when something on screen counts time or a status faded.
        dirty = !is_tick
            || app.flow_running()
            || app.tokens.report.is_some()
            || had_status != app.message.is_some()
            || !effects.is_empty();
        for effect in effects {
            if matches!(effect, Effect::Quit) {
                if let Some(f) = flow.take() {
                    f.task.abort();
                }
                return Ok(());
            }
            perform(effect, &mut services, &tx, &mut flow);
        }
        if app.quit {
            break;
        }
    }
    if let Some(f) = flow.take() {
        f.task.abort();
    }
    Ok(())
}

fn perform(
    effect: Effect,
    services: &mut Services,
    tx: &mpsc::UnboundedSender<AppEvent>,
    flow: &mut Option<RunningFlow>,
) {
    let send = |e: AppEvent| {
        let _ = tx.send(e);
    };
    match effect {
        Effect::StartFlow { raw, path, source } => {
            if let Some(old) = flow.take() {
                old.task.abort();
            }
            let (paste_tx, paste_rx) = mpsc::unbounded_channel();
            let options = FlowOptions {
                timeout: Duration::from_secs(FLOW_TIMEOUT_SECS.unsigned_abs()),
                browser: services.browser.clone(),
                http: services.http,
                ..FlowOptions::default()
            };
            let tx = tx.clone();
            let now = services.clock;
            let limits = services.http;
            let task = tokio::spawn(async move {
                // Discovery first (when the profile has an issuer): it may fill endpoints and
                // gives the keys the ID token is checked against.
                let resolved = match HttpClient::new(limits) {
                    Ok(http) => resolve(&raw, &path, &http).await,
                    Err(e) => Err(FlowError::Internal(e.to_string())),
                };
                let resolved = match resolved {
                    Ok(mut r) => {
                        r.profile.source = source;
                        r
                    }
                    Err(error) => {
                        let name = raw.name.clone().unwrap_or_else(|| file_stem(&path));
                        let report = FlowReport {
                            profile: name,
                            error: Some(error),
                            ..FlowReport::default()
                        };
                        let _ = tx.send(AppEvent::FlowFinished(Box::new(report), None));
                        return;
                    }
                };
                let (events_tx, mut events_rx) = mpsc::unbounded_channel();
                let forward_tx = tx.clone();
                let forward = tokio::spawn(async move {
                    while let Some(e) = events_rx.recv().await {
                        let _ = forward_tx.send(AppEvent::Flow(e));
                    }
                });
                let env = |name: &str| std::env::var_os(name);
                let mut entropy = OsEntropy;
                let io = FlowIo {
                    entropy: &mut entropy,
                    now,
                    env: &env,
                    events: events_tx,
                    paste: Some(paste_rx),
                };
                let report = run_resolved(&resolved, &options, io).await;
                // Every progress event reaches the app before the result does.
                let _ = forward.await;
                let session = session_of(&resolved, &report);
                if let (true, Some(s)) = (resolved.profile.cache_tokens, &session) {
                    if let Err(e) = TokenCache::user().and_then(|c| c.save(&s.tokens)) {
                        let _ =
                            tx.send(AppEvent::Failed(format!("the tokens were not cached: {e}")));
                    }
                }
                let _ = tx.send(AppEvent::FlowFinished(
                    Box::new(report),
                    session.map(Box::new),
                ));
            });
            *flow = Some(RunningFlow {
                task,
                paste: paste_tx,
            });
        }
        Effect::CancelFlow => {
            // Dropping the flow's future drops its callback server, which frees the port.
            if let Some(f) = flow.take() {
                f.task.abort();
            }
        }
        Effect::SubmitPaste(text) => {
            if let Some(f) = flow {
                let _ = f.paste.send(text);
            }
        }
        Effect::CheckRedirect { raw, path, sent } => {
            let tx = tx.clone();
            let limits = services.http;
            tokio::spawn(async move {
                let resolved = match HttpClient::new(limits) {
                    Ok(http) => resolve(&raw, &path, &http).await.map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                let profile = match resolved {
                    Ok(r) => r.profile,
                    Err(e) => {
                        let _ = tx.send(AppEvent::CheckFailed(e));
                        return;
                    }
                };
                // While a run listens on the port, probe only the URI it sent; otherwise the
                // whole diagnosis, variants included.
                let sent = sent.and_then(|s| RedirectUri::parse(&s).ok());
                let opts = DoctorOptions {
                    variants: sent.is_none(),
                    check_port: sent.is_none(),
                    ..DoctorOptions::default()
                };
                let report = match sent {
                    Some(uri) => doctor::check_redirect(&profile, &uri, &opts).await,
                    None => doctor::diagnose(&profile, opts).await,
                };
                let _ = tx.send(AppEvent::Diagnosis(Box::new(report)));
            });
        }
        Effect::Call(call, session) => {
            let tx = tx.clone();
            let limits = services.http;
            let now = services.clock;
            tokio::spawn(async move {
                let env = |name: &str| std::env::var_os(name);
                let io = GrantIo {
                    now,
                    env: &env,
                    http: limits,
                };
                let (resolved, tokens) = (&session.resolved, &session.tokens);
                let report = match call {
                    Call::Refresh => grants::refresh(resolved, tokens, &io).await,
                    Call::Userinfo => grants::userinfo(resolved, tokens, &io).await,
                    Call::Introspect => {
                        grants::introspect(resolved, tokens, TokenKind::Access, &io).await
                    }
                    Call::Revoke => grants::revoke(resolved, tokens, TokenKind::Access, &io).await,
                };
                if let (true, Some(updated)) = (resolved.profile.cache_tokens, &report.updated) {
                    if let Err(e) = TokenCache::user().and_then(|c| c.save(updated)) {
                        let _ =
                            tx.send(AppEvent::Failed(format!("the tokens were not cached: {e}")));
                    }
                }
                let _ = tx.send(AppEvent::Called(Box::new(report)));
            });
        }
        Effect::Discover(issuer) => {
            let tx = tx.clone();
            let limits = services.http;
            tokio::spawn(async move {
                // Public metadata only, as `tokenbench discover`: plain http allowed.
                let found = match HttpClient::new(limits.plain_http(true)) {
                    Ok(http) => discover(&http, &issuer)
                        .await
                        .map(Box::new)
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                let _ = tx.send(AppEvent::Discovered(found));
            });
        }
        Effect::ListProfiles => send(AppEvent::Profiles(catalog::list(&services.dirs))),
        Effect::Open(path) => send(AppEvent::Opened(
            ProfileDocument::open(&path).map_err(|e| e.to_string()),
        )),
        Effect::Save(mut doc, raw) => send(AppEvent::Saved(
            doc.save(&raw).map(|()| *doc).map_err(|e| e.to_string()),
        )),
        Effect::Store(op) => send(AppEvent::Stored(store(op, &services.dirs))),
        Effect::Copy { what, text } => match (services.clipboard)(&text) {
            Ok(()) => send(AppEvent::Copied(what)),
            Err(e) => send(AppEvent::Failed(format!("cannot copy {what}: {e}"))),
        },
        Effect::Trust {
            file,
            sha256,
            commands,
            then,
        } => send(AppEvent::Trusted(
            crate::profile::trust::trust_for_user(&file, &sha256, commands, (services.clock)())
                .map(|_| then)
                .map_err(|e| e.to_string()),
        )),
        Effect::Quit => {}
        Effect::Logout(session) => {
            let tx = tx.clone();
            let options = crate::flow::logout::LogoutOptions {
                timeout: Duration::from_secs(FLOW_TIMEOUT_SECS.unsigned_abs()),
                browser: services.browser.clone(),
                http: services.http,
            };
            let now = services.clock;
            tokio::spawn(async move {
                let env = |name: &str| std::env::var_os(name);
                let mut entropy = OsEntropy;
                let cache = TokenCache::user().ok();
                // Progress is not shown: the result reports every step.
                let (events, _) = mpsc::unbounded_channel();
                let io = crate::flow::logout::LogoutIo {
                    entropy: &mut entropy,
                    now,
                    env: &env,
                    events,
                    cache: cache.as_ref(),
                    tokens: Some(session.tokens.clone()),
                };
                let report = crate::flow::logout::logout(&session.resolved, &options, io).await;
                let _ = tx.send(AppEvent::LoggedOut(Box::new(report)));
            });
        }
    }
}

/// What a successful run leaves for follow-up calls: its tokens, as the cache would keep them.
fn session_of(resolved: &crate::flow::Resolved, report: &FlowReport) -> Option<Session> {
    let received = report
        .received
        .as_ref()
        .filter(|_| report.error.is_none())?;
    let profile = &resolved.profile;
    let tokens = CachedTokens::new(
        profile,
        profile.token_url.as_str(),
        &received.response,
        received.at,
    );
    Some(Session {
        resolved: resolved.clone(),
        tokens,
    })
}

fn store(op: StoreOp, dirs: &[PathBuf]) -> Result<Stored, String> {
    let done = |message: String, open: Option<PathBuf>, removed: Option<PathBuf>| Stored {
        message,
        open,
        removed,
        report: None,
    };
    match op {
        StoreOp::Create { name } => {
            let dir = catalog::default_save_dir(dirs);
            let path =
                catalog::create(&dir, &name, &new_profile_template()).map_err(|e| e.to_string())?;
            Ok(done(
                format!("created {}", path.display()),
                Some(path),
                None,
            ))
        }
        StoreOp::Duplicate { entry, name } => {
            let path = catalog::duplicate(&entry, &name).map_err(|e| e.to_string())?;
            Ok(done(
                format!("duplicated {} as {}", entry.name, path.display()),
                None,
                None,
            ))
        }
        StoreOp::Rename {
            entry,
            name,
            reopen,
        } => {
            let path = catalog::rename(&entry, &name).map_err(|e| e.to_string())?;
            let open = reopen.then(|| path.clone());
            Ok(done(
                format!("renamed {} to {}", entry.name, path.display()),
                open,
                Some(entry.path),
            ))
        }
        StoreOp::Delete { entry } => {
            catalog::delete(&entry).map_err(|e| e.to_string())?;
            Ok(done(
                format!("deleted {}", entry.path.display()),
                None,
                Some(entry.path),
            ))
        }
        StoreOp::Import { path } => super::update::import_file(&path, dirs),
    }
}

/// The screen as text, one line per row (for tests and the observer).
pub fn buffer_text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in area.y..area.y + area.height {
        let mut line = String::new();
        for x in area.x..area.x + area.width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
