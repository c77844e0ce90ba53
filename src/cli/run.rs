use std::time::Duration;

use clap::Args;
use tokio::io::AsyncBufReadExt;
use tokio::sync::mpsc;

use crate::cache::TokenCache;
use crate::flow::grants::cache_run;
use crate::flow::{
    resolve_file, run_resolved, system_now, BrowserMode, FlowError, FlowEvent, FlowIo, FlowOptions,
    FlowReport, Resolved,
};
use crate::net::http::{HttpClient, HttpLimits};
use crate::oauth::authorize::SignIn;
use crate::oauth::random::OsEntropy;

use super::cancelled::{cancelled_json, SoFar, CANCELLED_EXIT};
use super::output::{print_event, print_report};
use super::term::{errln, Term};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// A profile name (looked up in ./profiles/, then the config dir) or a path to a TOML file.
    #[arg(long)]
    profile: String,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
    /// Seconds to wait for the callback.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,
    /// Do not open a browser; print the URL to stderr.
    #[arg(long)]
    no_browser: bool,
    /// Keep the tokens in the token cache (as `cache_tokens = true` in the profile does).
    #[arg(long)]
    cache: bool,
    // Boxed: the command enum stays small (clippy's result_large_err on `Cli`).
    #[command(flatten)]
    sign_in: Box<SignInArgs>,
}

// Who signs in, for one run (not a doc comment: clap would make it the `run` help).
#[derive(Debug, Args)]
struct SignInArgs {
    /// For this run: `prompt` (login, select_account, consent, none), over the profile's.
    #[arg(long, value_parser = ["login", "select_account", "consent", "none"])]
    prompt: Option<String>,
    /// For this run: `login_hint`, the account the IdP should suggest.
    #[arg(long)]
    login_hint: Option<String>,
    /// For this run: `max_age` in seconds; the ID token's `auth_time` must then be that recent.
    #[arg(long, value_name = "SECS")]
    max_age: Option<u64>,
}

impl SignInArgs {
    /// What the flags say about who signs in.
    fn sign_in(&self) -> SignIn {
        SignIn {
            prompt: self.prompt.clone(),
            login_hint: self.login_hint.clone(),
            max_age: self.max_age,
        }
    }
}

pub async fn run(args: RunArgs) -> i32 {
    let path = match super::trust::find_profile(&args.profile) {
        Ok(p) => p,
        Err(e) => return super::fail(args.json, "invalid_input", 2, &e.to_string()),
    };
    let mut resolved = match resolve_profile(&path, args.json).await {
        Ok(r) => r,
        Err(code) => return code,
    };
    resolved.profile.sign_in = resolved
        .profile
        .sign_in
        .overridden_by(&args.sign_in.sign_in());
    let browser = browser_mode(args.no_browser);
    let options = FlowOptions {
        timeout: Duration::from_secs(args.timeout),
        browser,
        http: HttpLimits::default(),
        ..FlowOptions::default()
    };
    let cache = if args.cache || resolved.profile.cache_tokens {
        match TokenCache::user() {
            Ok(cache) => Some(cache),
            Err(e) => return super::fail(args.json, "cache", 1, &e.to_string()),
        }
    } else {
        None
    };
    execute_flow_with(&resolved, &options, args.json, cache.as_ref()).await
}

/// Reads a profile and resolves it through its issuer's metadata; a failure is printed
/// (as a report, so JSON keeps its shape) and its exit code returned.
pub(super) async fn resolve_profile(path: &std::path::Path, json: bool) -> Result<Resolved, i32> {
    let resolved = match HttpClient::new(HttpLimits::default()) {
        Ok(http) => resolve_file(path, &http).await,
        Err(e) => Err(FlowError::Internal(e.to_string())),
    };
    resolved.map_err(|e| {
        let report = FlowReport {
            profile: crate::profile::load::file_stem(path),
            error: Some(e),
            ..FlowReport::default()
        };
        print_report(&mut Term::std(), &report, json);
        report.exit_code()
    })
}

/// Runs a flow with progress on stderr, then prints the report; Ctrl+C cancels cleanly.
pub(super) async fn execute_flow(resolved: &Resolved, options: &FlowOptions, json: bool) -> i32 {
    execute_flow_with(resolved, options, json, None).await
}

/// [`execute_flow`], caching the tokens of a successful run when given a cache.
async fn execute_flow_with(
    resolved: &Resolved,
    options: &FlowOptions,
    json: bool,
    cache: Option<&TokenCache>,
) -> i32 {
    let profile = &resolved.profile;
    let (tx, mut rx) = mpsc::unbounded_channel::<FlowEvent>();
    // The printer also keeps what happened, for the report of a cancelled run.
    let printer = tokio::spawn(async move {
        let mut t = Term::std();
        let mut so_far = SoFar::default();
        while let Some(event) = rx.recv().await {
            print_event(&mut t, &event);
            so_far.record(&event);
        }
        so_far
    });
    let paste = (!profile.callback_url.is_loopback()).then(stdin_lines);
    let env = |name: &str| std::env::var_os(name);
    let mut entropy = OsEntropy;
    let io = FlowIo {
        entropy: &mut entropy,
        now: system_now,
        env: &env,
        events: tx,
        paste,
    };
    let finished: Option<FlowReport> = tokio::select! {
        // Ctrl+C first: its handler is installed when first polled, which must be before
        // the flow says it is waiting, or an early Ctrl+C kills the process unreported.
        biased;
        _ = tokio::signal::ctrl_c() => None,
        r = run_resolved(resolved, options, io) => Some(r),
    };
    // The flow has dropped its sender (finished or cancelled); let the printer finish so
    // lines keep their order.
    let so_far = printer.await.unwrap_or_default();
    let mut t = Term::std();
    let Some(mut report) = finished else {
        errln!(t, "cancelled");
        if json {
            t.json(&cancelled_json(&so_far.report(resolved)));
        }
        return CANCELLED_EXIT;
    };
    if let Some(cache) = cache {
        match cache_run(cache, profile, &report) {
            Ok(Some(path)) => errln!(t, "• tokens cached in {}", path.display()),
            Ok(None) => {}
            Err(e) => report.warnings.push(e.to_string()),
        }
    }
    print_report(&mut t, &report, json);
    report.exit_code()
}

/// Lines typed or pasted on stdin.
/// `--no-browser` prints the URL; otherwise `$BROWSER` or the system's opener.
pub(super) fn browser_mode(no_browser: bool) -> BrowserMode {
    if no_browser {
        BrowserMode::PrintOnly
    } else {
        BrowserMode::System {
            browser_env: std::env::var("BROWSER").ok(),
            quiet: false,
        }
    }
}

pub(super) fn stdin_lines() -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}
