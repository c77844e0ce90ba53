//! `tokenbench cache list [--json]` and `tokenbench cache clear (--profile P | --all)`: what
//! the token cache holds and how to empty it. Never prints a token; runs without the async
//! runtime.

use clap::{Args, Subcommand};

use crate::cache::list::CacheRow;
use crate::cache::TokenCache;
use crate::flow::grants::read_offline;
use crate::oauth::text::sanitize;
use crate::oauth::time::relative;
use crate::profile::store;

use super::term::{errln, outln, Term};

#[derive(Debug, Args)]
pub struct CacheArgs {
    #[command(subcommand)]
    command: CacheCommand,
}

#[derive(Debug, Subcommand)]
enum CacheCommand {
    /// The cached entries: profile, issuer, client, access token expiry, refresh token.
    List {
        /// Print a JSON array on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Remove cached tokens (locally only: nothing is revoked at the IdP).
    Clear {
        /// This profile's entry (a name, or a path to its TOML file).
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        profile: Option<String>,
        /// Every entry.
        #[arg(long)]
        all: bool,
    },
}

pub fn cache(args: CacheArgs) -> i32 {
    let mut t = Term::std();
    let cache = match TokenCache::user() {
        Ok(c) => c,
        Err(e) => {
            errln!(t, "error: {}", sanitize(&e.to_string()));
            return 1;
        }
    };
    match args.command {
        CacheCommand::List { json } => list(&mut t, &cache, json),
        CacheCommand::Clear { all: true, .. } => match cache.clear_all() {
            Ok(removed) => {
                errln!(
                    t,
                    "• removed {} cached entr{}",
                    removed.len(),
                    plural(removed.len())
                );
                0
            }
            Err(e) => {
                errln!(t, "error: cannot clear {}: {e}", cache.dir().display());
                1
            }
        },
        CacheCommand::Clear { profile, .. } => clear_one(&mut t, &cache, profile.as_deref()),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        "y"
    } else {
        "ies"
    }
}

fn list(t: &mut Term, cache: &TokenCache, json: bool) -> i32 {
    let (rows, ignored) = cache.entries();
    for why in &ignored {
        errln!(t, "! {}", sanitize(why));
    }
    if json {
        t.json(&rows);
        return 0;
    }
    if rows.is_empty() {
        errln!(t, "no cached tokens in {}", cache.dir().display());
    }
    let now = crate::flow::system_now();
    for row in &rows {
        outln!(t, "{}", line(row, now));
    }
    0
}

/// `okta  https://i  client app  expires 2026-… (in 4m)  refresh token`
fn line(row: &CacheRow, now: i64) -> String {
    let expiry = match (&row.access_token_expires_at, row.expires_at) {
        (Some(at), Some(unix)) if unix <= now => format!("expired {at} ({})", relative(unix, now)),
        (Some(at), Some(unix)) => format!("expires {at} ({})", relative(unix, now)),
        _ => "no expiry known".to_owned(),
    };
    format!(
        "{}  {}  client {}  {}  {}",
        sanitize(&row.profile),
        sanitize(row.issuer.as_deref().unwrap_or("(no issuer)")),
        sanitize(&row.client_id),
        expiry,
        if row.refresh_token {
            "refresh token"
        } else {
            "no refresh token"
        }
    )
}

/// The entry of `--profile`: by the name in the profile file when it is found (the cache
/// is keyed by that), else by the name as given.
fn clear_one(t: &mut Term, cache: &TokenCache, arg: Option<&str>) -> i32 {
    let Some(arg) = arg else {
        errln!(t, "error: give --profile P or --all");
        return 2;
    };
    let name = store::resolve(arg, &store::search_dirs())
        .ok()
        .and_then(|path| read_offline(&path).ok())
        .map_or_else(|| arg.to_owned(), |p| p.owner.profile);
    let path = cache.path_for(&name);
    let existed = path.exists();
    match cache.remove(&name) {
        Ok(()) if existed => {
            errln!(t, "• removed {}", path.display());
            0
        }
        Ok(()) => {
            errln!(t, "• no cached tokens for {}", sanitize(&name));
            0
        }
        Err(e) => {
            errln!(t, "error: cannot remove {}: {e}", path.display());
            1
        }
    }
}
