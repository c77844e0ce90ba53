//! `tokenbench token`: a currently valid access token on stdout and nothing else, so that
//! `curl -H "Authorization: Bearer $(tokenbench token --profile P)"` works. Progress goes
//! to stderr.

use std::time::Duration;

use clap::Args;
use tokio::sync::mpsc;

use crate::cache::TokenCache;
use crate::flow::grants::{current_token, load_cached, TokenSource};
use crate::flow::{system_now, BrowserMode, FlowEvent, FlowIo, FlowOptions};
use crate::oauth::random::OsEntropy;
use crate::oauth::text::sanitize;

use super::grants::load;
use super::output::print_event;
use super::run::stdin_lines;
use super::term::{errln, outln, Term};

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// A profile name (looked up in ./profiles/, then the config dir) or a path to a TOML file.
    #[arg(long)]
    profile: String,
    /// Print the whole header line: `Authorization: Bearer <token>` (refused, exit 3, for a
    /// token that is not a b64token, RFC 6750 §2.1).
    #[arg(long)]
    header: bool,
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

pub async fn token(args: TokenArgs) -> i32 {
    let mut t = Term::std();
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
        browser: if args.no_browser {
            BrowserMode::PrintOnly
        } else {
            BrowserMode::System {
                browser_env: std::env::var("BROWSER").ok(),
                quiet: false,
            }
        },
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
    let result = tokio::select! {
        // Ctrl+C's handler is installed on its first poll: before the flow can start waiting.
        biased;
        _ = tokio::signal::ctrl_c() => {
            errln!(t, "cancelled");
            return 130;
        }
        r = current_token(&resolved, cached, &options, io, &progress) => r,
    };
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
    // Checked where it is built: never a CR or LF, no header from a non-b64token.
    match got.line(args.header) {
        Ok(line) => outln!(t, "{line}"),
        Err(e) => {
            errln!(t, "error: {}", sanitize(&e.to_string()));
            return e.exit_code();
        }
    }
    0
}
