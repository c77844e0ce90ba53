//! `tokenbench profiles`: the profiles `--profile NAME` can reach, and `--examples`, which
//! puts the example profiles (built into the binary) where an installed tokenbench finds
//! them: the user's config directory.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::{json, Value};

use crate::oauth::text::sanitize;
use crate::profile::catalog::{self, Origin, ProfileEntry, Shadow};
use crate::profile::store::{self, NewMode};

use super::term::{errln, outln, Term};

/// The example profiles of the repository's `profiles/` (not the demo's, which names the
/// demo IdP's fixed port and belongs to `tokenbench demo`), so `cargo install` users get
/// them too.
const EXAMPLES: [(&str, &str); 7] = [
    ("auth0", include_str!("../../profiles/auth0.toml")),
    ("cognito", include_str!("../../profiles/cognito.toml")),
    ("entra", include_str!("../../profiles/entra.toml")),
    // Sorted like the directory (the test below): not appended.
    (
        "fapi2-example",
        include_str!("../../profiles/fapi2-example.toml"),
    ),
    ("google", include_str!("../../profiles/google.toml")),
    ("keycloak", include_str!("../../profiles/keycloak.toml")),
    ("okta", include_str!("../../profiles/okta.toml")),
];

#[derive(Debug, Args)]
pub struct ProfilesArgs {
    /// Write the example profiles (Auth0, Cognito, Entra ID, a FAPI 2.0 client, Google,
    /// Keycloak, Okta) into the config directory's profile folder; existing files are kept
    /// and said.
    #[arg(long)]
    examples: bool,
    /// With --examples: write them into DIR instead.
    #[arg(long, value_name = "DIR", requires = "examples")]
    into: Option<PathBuf>,
    /// With --examples: replace example files that already exist.
    #[arg(long, requires = "examples")]
    force: bool,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

pub fn profiles(args: ProfilesArgs) -> i32 {
    if !args.examples {
        return list(args.json);
    }
    let Some(dir) = args.into.clone().or_else(config_profile_dir) else {
        return super::fail(
            args.json,
            "invalid_input",
            2,
            "no config directory is known (set HOME or XDG_CONFIG_HOME), or name one with --into DIR",
        );
    };
    write_examples(&dir, args.force, args.json)
}

/// `tokenbench/profiles` in the user's config directory: the last of the search dirs.
fn config_profile_dir() -> Option<PathBuf> {
    dirs::config_dir().map(|c| c.join("tokenbench").join("profiles"))
}

/// Every profile in the search dirs, with which file `--profile NAME` uses.
fn list(json: bool) -> i32 {
    let dirs = store::search_dirs();
    let entries = catalog::list(&dirs);
    let mut t = Term::std();
    if json {
        t.json(&json!({
            "search_dirs": dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>(),
            "profiles": entries.iter().map(entry_json).collect::<Vec<_>>(),
        }));
        return 0;
    }
    if entries.is_empty() {
        let looked: Vec<String> = dirs
            .iter()
            .map(|d| sanitize(&d.display().to_string()))
            .collect();
        errln!(
            t,
            "no profiles in {}; `tokenbench profiles --examples` writes the example profiles into the config directory",
            looked.join(" or ")
        );
        return 0;
    }
    for e in &entries {
        outln!(
            t,
            "{:<20} {}{}",
            sanitize(&e.name),
            sanitize(&e.path.display().to_string()),
            note(e)
        );
    }
    0
}

fn origin(o: Origin) -> &'static str {
    match o {
        Origin::Local => "local",
        Origin::Config => "config",
        Origin::Path => "path",
    }
}

fn entry_json(e: &ProfileEntry) -> Value {
    let (hides, shadowed_by) = match &e.shadow {
        Some(Shadow::Hides(p)) => (Some(p.display().to_string()), None),
        Some(Shadow::HiddenBy(p)) => (None, Some(p.display().to_string())),
        None => (None, None),
    };
    json!({
        "name": e.name,
        "label": e.label,
        "file": e.path.display().to_string(),
        "origin": origin(e.origin),
        "shadowed": shadowed_by.is_some(),
        "shadowed_by": shadowed_by,
        "hides": hides,
        "error": e.error.as_ref().map(|err| err.detail()),
    })
}

/// What follows a listed file on its line: shadowing, then why it does not load.
fn note(e: &ProfileEntry) -> String {
    let mut notes = Vec::new();
    match &e.shadow {
        Some(Shadow::Hides(p)) => notes.push(format!("used; hides {}", p.display())),
        Some(Shadow::HiddenBy(p)) => notes.push(format!(
            "shadowed by {}: --profile {} does not reach this file",
            p.display(),
            e.name
        )),
        None => {}
    }
    if let Some(err) = &e.error {
        notes.push(format!("invalid: {}", err.detail()));
    }
    if notes.is_empty() {
        String::new()
    } else {
        format!("  ({})", sanitize(&notes.join("; ")))
    }
}

/// Writes each example as `dir/NAME.toml`, 0600, never over an existing file unless `force`.
fn write_examples(dir: &Path, force: bool, json: bool) -> i32 {
    if let Err(e) = store::create_private_dir(dir) {
        return super::fail(
            json,
            "invalid_input",
            2,
            &format!("{}: cannot write profiles here: {e}", dir.display()),
        );
    }
    let (mut written, mut skipped, mut failed) = (Vec::new(), Vec::new(), Vec::new());
    for (name, text) in EXAMPLES {
        let path = dir.join(format!("{name}.toml"));
        let exists = std::fs::symlink_metadata(&path).is_ok();
        let result = if exists && force {
            store::write_atomic(&path, text, true)
        } else {
            store::write_new(&path, text.as_bytes(), NewMode::Private)
        };
        match result {
            Ok(()) => written.push(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => skipped.push(path),
            Err(e) => failed.push((path, e.to_string())),
        }
    }
    let code = if failed.is_empty() { 0 } else { 1 };
    let mut t = Term::std();
    if json {
        let paths = |v: &[PathBuf]| {
            v.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
        };
        let mut doc = json!({
            "dir": dir.display().to_string(),
            "written": paths(&written),
            "skipped": paths(&skipped),
            "failed": failed.iter().map(|(p, e)| json!({"file": p.display().to_string(), "message": e})).collect::<Vec<_>>(),
        });
        if code != 0 {
            doc["error"] = crate::flow::error::error_json(
                "write_failed",
                "some example profiles could not be written",
                code,
                None,
            );
        }
        t.json(&doc);
        return code;
    }
    for p in &written {
        outln!(t, "wrote   {}", sanitize(&p.display().to_string()));
    }
    for p in &skipped {
        outln!(
            t,
            "skipped {} (it exists; --force replaces it)",
            sanitize(&p.display().to_string())
        );
    }
    for (p, e) in &failed {
        errln!(
            t,
            "error: {}: {}",
            sanitize(&p.display().to_string()),
            sanitize(e)
        );
    }
    if !written.is_empty() {
        errln!(
            t,
            "next: fill in one (its comments say what to register at the IdP), then `tokenbench doctor --profile NAME`"
        );
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every example in the repository is built in, and nothing else.
    #[test]
    fn the_built_in_examples_are_the_repositorys() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .filter(|n| n != "demo")
            .collect();
        on_disk.sort();
        let built_in: Vec<String> = EXAMPLES.iter().map(|(n, _)| (*n).to_owned()).collect();
        assert_eq!(built_in, on_disk);
    }
}
