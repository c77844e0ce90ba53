//! `tokenbench trust`: which profile files outside the config directory may run their
//! `cmd:` helper. Trust is recorded per file path and content hash; an edited file asks
//! again. Also the `--profile NAME` lookup that says when a name is shadowed.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::{json, Value};

use crate::oauth::text::sanitize;
use crate::profile::load::{decode_text, parse_raw, ProfileError};
use crate::profile::store;
use crate::profile::trust::{self, TrustEntry, TrustStore};

use super::term::{errln, Term};

#[derive(Debug, Args)]
pub struct TrustArgs {
    /// The profile file whose current content may run its commands.
    #[arg(required_unless_present_any = ["list", "revoke"], conflicts_with_all = ["list", "revoke"])]
    path: Option<PathBuf>,
    /// List the trusted files: path, hash, when, and whether the file still matches.
    #[arg(long, conflicts_with = "revoke")]
    list: bool,
    /// Forget a trusted file: its commands are refused again.
    #[arg(long, value_name = "PATH")]
    revoke: Option<PathBuf>,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

pub fn trust(args: TrustArgs) -> i32 {
    let now = chrono::Utc::now().timestamp();
    let result = match (&args.path, &args.revoke) {
        (_, Some(path)) => revoke(path),
        (Some(path), None) => record(path, now),
        (None, None) => list(),
    };
    match result {
        Ok((doc, text)) => {
            let mut t = Term::std();
            if args.json {
                t.json(&doc);
            } else {
                t.out(&text);
            }
            0
        }
        Err((kind, code, message)) => super::fail(args.json, kind, code, &message),
    }
}

type Outcome = Result<(Value, String), (&'static str, i32, String)>;

fn store_failed(e: trust::TrustError) -> (&'static str, i32, String) {
    ("trust_store", 1, e.to_string())
}

/// Records the file's current bytes as trusted, after showing what they allow.
fn record(path: &Path, now: i64) -> Outcome {
    let bytes = std::fs::read(path).map_err(|e| {
        (
            "invalid_input",
            2,
            format!("{}: cannot read: {e}", path.display()),
        )
    })?;
    let sha256 = trust::sha256_hex(&bytes);
    let raw = decode_text(path, bytes)
        .and_then(|text| parse_raw(path, &text))
        .map_err(|e| {
            (
                "invalid_input",
                2,
                format!("not a profile, not trusted: {e}"),
            )
        })?;
    let commands = raw.commands();
    let canonical = trust::canonical(path);
    let own = trust::config_profiles_dir().is_some_and(|dir| trust::inside(path, &dir));
    let mut text = format!(
        "{}\n  sha256 {sha256}\n",
        sanitize(&canonical.display().to_string())
    );
    if commands.is_empty() {
        text.push_str("  runs no command\n");
    }
    for c in &commands {
        text.push_str(&format!("  may run: {}\n", sanitize(c)));
    }
    let store_file = if own {
        text.push_str("is in your config directory: its commands run without being trusted\n");
        None
    } else {
        let file =
            trust::trust_for_user(path, &sha256, commands.clone(), now).map_err(store_failed)?;
        text.push_str(&format!(
            "trusted (this content only; an edited file asks again), recorded in {}\n",
            sanitize(&file.display().to_string())
        ));
        Some(file)
    };
    let doc = json!({
        "trusted": {
            "path": canonical.display().to_string(),
            "sha256": sha256,
            "commands": commands,
            "config_dir": own,
            "store": store_file.map(|f| f.display().to_string()),
        }
    });
    Ok((doc, text))
}

fn revoke(path: &Path) -> Outcome {
    let mut store = TrustStore::user().map_err(store_failed)?;
    if !store.revoke(path) {
        return Err((
            "invalid_input",
            2,
            format!(
                "{} is not trusted; nothing to revoke",
                trust::canonical(path).display()
            ),
        ));
    }
    store.save().map_err(store_failed)?;
    let canonical = trust::canonical(path).display().to_string();
    let text = format!(
        "{}: no longer trusted; its commands are refused\n",
        sanitize(&canonical)
    );
    Ok((json!({ "revoked": { "path": canonical } }), text))
}

/// Whether a trusted file is still the content that was trusted.
fn status(entry: &TrustEntry) -> &'static str {
    match std::fs::read(&entry.path) {
        Ok(bytes) if trust::sha256_hex(&bytes) == entry.sha256 => "matches",
        Ok(_) => "changed",
        Err(_) => "missing",
    }
}

fn list() -> Outcome {
    let store = TrustStore::user().map_err(store_failed)?;
    let mut text = String::new();
    let mut files = Vec::new();
    for e in store.entries() {
        let status = status(e);
        let when = chrono::DateTime::from_timestamp(e.trusted_at, 0)
            .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_default();
        text.push_str(&format!(
            "{}\n  sha256 {}  trusted {when}  {}\n",
            sanitize(&e.path),
            sanitize(&e.sha256),
            match status {
                "matches" => "file matches",
                "changed" => "file CHANGED since (its commands are refused)",
                _ => "file missing",
            }
        ));
        for c in &e.commands {
            text.push_str(&format!("  may run: {}\n", sanitize(c)));
        }
        files.push(json!({
            "path": e.path,
            "sha256": e.sha256,
            "trusted_at": e.trusted_at,
            "commands": e.commands,
            "matches": status == "matches",
            "status": status,
        }));
    }
    if files.is_empty() {
        text.push_str("no files are trusted\n");
    }
    let doc = json!({
        "store": store.file().display().to_string(),
        "trusted": files,
    });
    Ok((doc, text))
}

/// Finds `--profile` as the other commands do, saying on stderr when the name also exists
/// in a later search dir: `./profiles/` comes first, and hides the user's own file.
pub(super) fn find_profile(arg: &str) -> Result<PathBuf, ProfileError> {
    let dirs = store::search_dirs();
    let path = store::resolve(arg, &dirs)?;
    let mut t = Term::std();
    for hidden in store::shadowed(arg, &dirs) {
        errln!(
            t,
            "! profile {}: using {} (./profiles/ is searched first); it shadows {} — pass that path to --profile to use it instead",
            sanitize(arg),
            sanitize(&path.display().to_string()),
            sanitize(&hidden.display().to_string()),
        );
    }
    Ok(path)
}
