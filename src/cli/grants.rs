//! `refresh`, `userinfo`, `introspect`, `revoke`: one operation on the profile's cached
//! tokens, printed as a summary or as JSON; the cache is updated when the operation says so.

use clap::{Args, ValueEnum};

use crate::cache::{CacheLock, TokenCache};
use crate::flow::grants::{
    introspect, refresh, require_cached, revoke, userinfo, GrantError, GrantIo, GrantReport,
    Operation,
};
use crate::flow::{resolve_file, system_now, Resolved};
use crate::net::http::{HttpClient, HttpLimits};
use crate::oauth::introspection::TokenKind;

use super::grant_output::print_grant_report;
use super::term::{errln, Term};

#[derive(Debug, Args)]
pub struct GrantArgs {
    /// A profile name (looked up in ./profiles/, then the config dir) or a path to a TOML file.
    #[arg(long)]
    profile: String,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct TokenChoiceArgs {
    #[command(flatten)]
    common: GrantArgs,
    /// Which cached token.
    #[arg(long, value_enum, default_value_t = TokenArg::Access)]
    token: TokenArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TokenArg {
    Access,
    Refresh,
}

impl From<TokenArg> for TokenKind {
    fn from(t: TokenArg) -> Self {
        match t {
            TokenArg::Access => TokenKind::Access,
            TokenArg::Refresh => TokenKind::Refresh,
        }
    }
}

pub async fn refresh_command(args: GrantArgs) -> i32 {
    execute(&args, Operation::Refresh, TokenKind::Refresh).await
}

pub async fn userinfo_command(args: GrantArgs) -> i32 {
    execute(&args, Operation::Userinfo, TokenKind::Access).await
}

pub async fn introspect_command(args: TokenChoiceArgs) -> i32 {
    execute(&args.common, Operation::Introspect, args.token.into()).await
}

pub async fn revoke_command(args: TokenChoiceArgs) -> i32 {
    execute(&args.common, Operation::Revoke, args.token.into()).await
}

/// Loads the profile and its cached tokens, runs the operation, updates the cache, prints.
async fn execute(args: &GrantArgs, operation: Operation, kind: TokenKind) -> i32 {
    let resolved = match load(&args.profile).await {
        Ok(r) => r,
        Err(e) => {
            let mut report = GrantReport::new(operation, &args.profile);
            report.error = Some(e);
            return finish(report, args.json);
        }
    };
    let profile = &resolved.profile;
    let mut warnings = resolved.warnings.clone();
    // Held from reading the entry until the updated one is saved: a parallel `token` or
    // `refresh` must not refresh with a refresh token this one is rotating.
    let _lock = lock_cache(&profile.name, &mut warnings).await;
    let cached = TokenCache::user()
        .map_err(GrantError::from)
        .and_then(|cache| require_cached(&cache, profile, &mut warnings).map(|c| (cache, c)));
    let (cache, cached) = match cached {
        Ok(found) => found,
        Err(e) => {
            let mut report = GrantReport::new(operation, &profile.name);
            report.warnings = warnings;
            // The advice repeats `--profile` as typed, which may be a path.
            report.error = Some(match e {
                GrantError::NoCachedTokens { .. } => GrantError::NoCachedTokens {
                    profile: args.profile.clone(),
                },
                other => other,
            });
            return finish(report, args.json);
        }
    };
    let env = |name: &str| std::env::var_os(name);
    let io = GrantIo {
        now: system_now,
        env: &env,
        http: HttpLimits::default(),
    };
    let mut report = match operation {
        Operation::Refresh => refresh(&resolved, &cached, &io).await,
        Operation::Userinfo => userinfo(&resolved, &cached, &io).await,
        Operation::Introspect => introspect(&resolved, &cached, kind, &io).await,
        Operation::Revoke => revoke(&resolved, &cached, kind, &io).await,
    };
    warnings.append(&mut report.warnings);
    report.warnings = warnings;
    if let Some(updated) = &report.updated {
        match cache.save(updated) {
            Ok(path) if !args.json => {
                errln!(Term::std(), "• token cache updated: {}", path.display())
            }
            Ok(_) => {}
            // A rotated refresh token that cannot be kept is lost: that is a failure.
            Err(e) if report.error.is_none() => report.error = Some(e.into()),
            Err(e) => report.warnings.push(e.to_string()),
        }
    }
    finish(report, args.json)
}

/// Waits for the profile's cache lock (off the async workers); without one the operation
/// still runs, with a warning.
async fn lock_cache(profile: &str, warnings: &mut Vec<String>) -> Option<CacheLock> {
    let cache = TokenCache::user().ok()?;
    let name = profile.to_owned();
    match tokio::task::spawn_blocking(move || cache.lock(&name)).await {
        Ok(Ok(held)) => Some(held),
        Ok(Err(e)) => {
            warnings.push(format!("{e}; going on without it"));
            None
        }
        Err(e) => {
            warnings.push(format!("the cache lock: {e}"));
            None
        }
    }
}

fn finish(report: GrantReport, json: bool) -> i32 {
    print_grant_report(&mut Term::std(), &report, json);
    report.exit_code()
}

/// Finds and reads `--profile`, then resolves it through its issuer's metadata (which
/// fills endpoints left empty and names the userinfo, introspection and revocation ones).
pub(super) async fn load(arg: &str) -> Result<Resolved, GrantError> {
    let path =
        super::trust::find_profile(arg).map_err(|e| GrantError::InvalidInput(e.to_string()))?;
    let http =
        HttpClient::new(HttpLimits::default()).map_err(|e| GrantError::Internal(e.to_string()))?;
    resolve_file(&path, &http)
        .await
        .map_err(GrantError::Resolve)
}
