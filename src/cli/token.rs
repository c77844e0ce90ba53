//! `tokenbench token`: a currently valid token on stdout and nothing else, so that
//! `curl -H "Authorization: Bearer $(tokenbench token --profile P)"` works, or kubectl's
//! credential plugin document. Progress goes to stderr.
//!
//! A valid cached token is served by [`token_from_cache`] before any runtime exists, from
//! the profile file and the cache file alone: no discovery, no connection. Everything else
//! runs under the profile's cache lock, so parallel callers refresh once.

use std::time::Duration;

use clap::{Args, ValueEnum};
use tokio::sync::mpsc;

use crate::cache::{CacheLock, CachedTokens, Lookup, TokenCache};
use crate::flow::grants::{
    current_token_for, load_cached, plan_for, read_offline, render_token, GrantError,
    OfflineProfile, Plan, Rendered, TokenFormat, TokenSource, TokenUse, Want,
};
use crate::flow::{system_now, FlowEvent, FlowIo, FlowOptions};
use crate::oauth::random::OsEntropy;
use crate::oauth::text::sanitize;
use crate::profile::store;

use super::grants::load;
use super::output::print_event;
use super::run::stdin_lines;
use super::term::{errln, outln, Term};

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// A profile name (looked up in ./profiles/, then the config dir) or a path to a TOML file.
    #[arg(long)]
    profile: String,
    /// What to print: the bare token (raw), `Authorization: Bearer <token>` (header; refused,
    /// exit 3, for a token that is not a b64token, RFC 6750 §2.1), a JSON summary (json), or
    /// kubectl's credential plugin document (exec-credential).
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// The same as --format header.
    #[arg(long, conflicts_with = "format")]
    header: bool,
    /// Which token to serve: access, or id (the default with --format exec-credential).
    #[arg(long = "use", value_enum, value_name = "TOKEN")]
    use_token: Option<UseArg>,
    /// Refresh when the token served expires within this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    min_valid: u32,
    /// Refresh even when the cached token is still valid.
    #[arg(long)]
    force_refresh: bool,
    /// Use and update the token cache even when the profile does not set cache_tokens.
    #[arg(long)]
    cache: bool,
    /// Seconds to wait for the callback, when a sign-in is needed.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,
    /// Do not open a browser when a sign-in is needed; print the URL to stderr.
    #[arg(long)]
    no_browser: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    Raw,
    Header,
    Json,
    ExecCredential,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum UseArg {
    Access,
    Id,
}

impl TokenArgs {
    fn format(&self) -> TokenFormat {
        match (self.format, self.header) {
            (Some(FormatArg::Header), _) | (None, true) => TokenFormat::Header,
            (Some(FormatArg::Json), _) => TokenFormat::Json,
            (Some(FormatArg::ExecCredential), _) => TokenFormat::ExecCredential,
            (Some(FormatArg::Raw), _) | (None, false) => TokenFormat::Raw,
        }
    }

    fn want(&self) -> Want {
        let token = match self.use_token {
            Some(UseArg::Access) => TokenUse::Access,
            Some(UseArg::Id) => TokenUse::Id,
            None => self.format().default_use(),
        };
        Want {
            token,
            min_valid: i64::from(self.min_valid),
            force_refresh: self.force_refresh,
        }
    }

    /// The profile file, its cache identity and the cache, when it caches tokens.
    fn offline(&self) -> Option<(OfflineProfile, TokenCache)> {
        let path = store::resolve(&self.profile, &store::search_dirs()).ok()?;
        let offline = read_offline(&path).ok()?;
        if !(self.cache || offline.cache_tokens) {
            return None;
        }
        Some((offline, TokenCache::user().ok()?))
    }
}

/// The cached entry of `offline`'s profile when it is its own and valid for `want`.
fn servable(cache: &TokenCache, offline: &OfflineProfile, want: &Want) -> Option<CachedTokens> {
    let Lookup::Found(entry) = cache.load(&offline.owner.profile) else {
        return None;
    };
    entry.belongs_to_owner(&offline.owner).ok()?;
    (plan_for(Some(&entry), want, system_now()) == Plan::UseCached).then_some(entry)
}

/// Serves a valid cached token with no runtime and no network; None hands the command to
/// the async path (no cache, an expired token, a foreign or broken entry: it reports those).
pub fn token_from_cache(args: &TokenArgs) -> Option<i32> {
    if args.force_refresh {
        return None;
    }
    let (offline, cache) = args.offline()?;
    let entry = servable(&cache, &offline, &args.want())?;
    let mut t = Term::std();
    warn_shadowed(&mut t, &args.profile);
    for w in &offline.warnings {
        errln!(t, "! {}", sanitize(w));
    }
    Some(serve(&mut t, &entry, args, Some("using the cached")))
}

/// The profiles a name hides, as `find_profile` would say (it is not called on this path).
fn warn_shadowed(t: &mut Term, arg: &str) {
    let dirs = store::search_dirs();
    let Ok(path) = store::resolve(arg, &dirs) else {
        return;
    };
    for hidden in store::shadowed(arg, &dirs) {
        errln!(
            t,
            "! profile {}: using {} (./profiles/ is searched first); it shadows {}",
            sanitize(arg),
            sanitize(&path.display().to_string()),
            sanitize(&hidden.display().to_string()),
        );
    }
}

/// Prints the token of `entry` as asked; the exit code.
fn serve(t: &mut Term, entry: &CachedTokens, args: &TokenArgs, progress: Option<&str>) -> i32 {
    let want = args.want();
    if let Some(progress) = progress {
        errln!(t, "• {progress} {}", want.token.label());
    }
    // Checked where it is built: never a CR or LF, no header from a non-b64token.
    match render_token(entry, args.format(), want.token) {
        Ok(Rendered::Line(line)) => outln!(t, "{line}"),
        Ok(Rendered::Json(doc)) => t.json(&doc),
        Err(e) => {
            errln!(t, "error: {}", sanitize(&e.to_string()));
            return e.exit_code();
        }
    }
    0
}

pub async fn token(args: TokenArgs) -> i32 {
    tokio::select! {
        // Ctrl+C's handler is installed on its first poll: before anything can start waiting.
        biased;
        _ = tokio::signal::ctrl_c() => {
            errln!(Term::std(), "cancelled");
            130
        }
        code = token_locked(&args) => code,
    }
}

/// Waits for the profile's cache lock, then serves what a parallel caller may have cached
/// meanwhile, or gets a token and caches it before the lock is released (so a rotated
/// refresh token is never lost to a second refresh with the old one).
async fn token_locked(args: &TokenArgs) -> i32 {
    let mut t = Term::std();
    let mut lock = None;
    if let Some((offline, cache)) = args.offline() {
        let name = offline.owner.profile.clone();
        let waiting = cache.clone();
        match tokio::task::spawn_blocking(move || waiting.lock(&name)).await {
            Ok(Ok(held)) => lock = Some(held),
            Ok(Err(e)) => errln!(t, "! {}; going on without it", sanitize(&e.to_string())),
            Err(e) => errln!(t, "! the cache lock: {e}"),
        }
        if !args.force_refresh {
            if let Some(entry) = servable(&cache, &offline, &args.want()) {
                return serve(&mut t, &entry, args, Some("using the cached"));
            }
        }
    }
    let code = fetch(args, &mut t).await;
    drop::<Option<CacheLock>>(lock);
    code
}

/// Resolves the profile (discovery) and gets a token: cached, refreshed or signed in.
async fn fetch(args: &TokenArgs, t: &mut Term<'_>) -> i32 {
    let resolved = match load(&args.profile).await {
        Ok(r) => r,
        Err(e) => {
            errln!(t, "error: {}", sanitize(&e.to_string()));
            return e.exit_code();
        }
    };
    for w in &resolved.warnings {
        errln!(t, "! {}", sanitize(w));
    }
    let profile = &resolved.profile;
    let cache = if args.cache || profile.cache_tokens {
        match TokenCache::user() {
            Ok(cache) => Some(cache),
            Err(e) => {
                errln!(t, "! {e}");
                None
            }
        }
    } else {
        None
    };
    let mut warnings = Vec::new();
    let cached = cache
        .as_ref()
        .and_then(|c| load_cached(c, profile, &mut warnings));
    for w in &warnings {
        errln!(t, "! {}", sanitize(w));
    }
    let options = FlowOptions {
        timeout: Duration::from_secs(args.timeout),
        browser: super::run::browser_mode(args.no_browser),
        ..FlowOptions::default()
    };
    let (tx, mut rx) = mpsc::unbounded_channel::<FlowEvent>();
    let printer = tokio::spawn(async move {
        let mut t = Term::std();
        while let Some(event) = rx.recv().await {
            print_event(&mut t, &event);
        }
    });
    let env = |name: &str| std::env::var_os(name);
    let mut entropy = OsEntropy;
    let io = FlowIo {
        entropy: &mut entropy,
        now: system_now,
        env: &env,
        events: tx,
        paste: (!profile.callback_url.is_loopback()).then(stdin_lines),
    };
    let progress = |m: &str| errln!(Term::std(), "• {}", sanitize(m));
    let want = args.want();
    let result = current_token_for(&resolved, cached, &want, &options, io, &progress).await;
    let _ = printer.await;
    let got = match result {
        Ok(got) => got,
        Err(e) => {
            errln!(t, "error: {}", sanitize(&e.to_string()));
            return e.exit_code();
        }
    };
    if let Some(run) = &got.run {
        for w in &run.warnings {
            errln!(t, "! {}", sanitize(w));
        }
    }
    match (&cache, &got.updated) {
        (Some(cache), Some(entry)) => match cache.save(entry) {
            Ok(path) => errln!(t, "• token cache updated: {}", path.display()),
            Err(e) => errln!(t, "! {e}"),
        },
        (None, _) if got.source == TokenSource::SignIn => {
            errln!(
                t,
                "• not cached (set cache_tokens = true in the profile, or pass --cache)"
            )
        }
        _ => {}
    }
    if got.no_new_id_token {
        let now = system_now();
        let expiry = match got.entry.id_token_expires_at() {
            Some(at) if at > now => format!("expires in {} s", at - now),
            Some(at) => format!("expired {} s ago", now - at),
            None => "has no expiry".to_owned(),
        };
        let e = GrantError::NoNewIdToken {
            profile: profile.name.clone(),
            expiry,
        };
        errln!(t, "error: {}", sanitize(&e.to_string()));
        return e.exit_code();
    }
    // The cache was announced by `current_token_for` already.
    let source = match got.source {
        TokenSource::Cache => None,
        TokenSource::Refresh => Some("serving the refreshed"),
        TokenSource::SignIn => Some("serving the new"),
    };
    serve(t, &got.entry, args, source)
}
