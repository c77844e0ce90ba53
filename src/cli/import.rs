//! `tokenbench import`: Postman, Insomnia and Bruno OAuth 2.0 settings into profiles.

use std::path::PathBuf;

use clap::Args;

use crate::interop::disk::{self, Options};

use super::term::Term;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Postman collections (v2.1, v2.0), Insomnia exports (v4 JSON, v5 YAML), Bruno
    /// collection directories; the format is read from the content.
    #[arg(required = true, value_name = "FILE_OR_DIR")]
    inputs: Vec<PathBuf>,
    /// Write the profiles into DIR (default: the config directory's profiles).
    #[arg(long, value_name = "DIR")]
    into: Option<PathBuf>,
    /// A Postman environment (JSON) or Bruno environment (.bru) for `{{var}}`.
    #[arg(long, value_name = "FILE")]
    env: Option<PathBuf>,
    /// Say what would be written, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print the report as one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

/// Exit 0 when at least one profile was imported, 2 when an input is not a recognised
/// format or nothing in them could be imported, 1 when writing failed.
pub fn import(args: ImportArgs) -> i32 {
    let opts = Options {
        into: args.into,
        env: args.env,
        dry_run: args.dry_run,
    };
    let report = match disk::import(&args.inputs, &opts) {
        Ok(r) => r,
        Err(e) => {
            let kind = if e.exit_code() == 2 {
                "invalid_input"
            } else {
                "write"
            };
            return super::fail(args.json, kind, e.exit_code(), &e.to_string());
        }
    };
    let mut t = Term::std();
    if args.json {
        t.json(&report);
    } else {
        t.out(&report.text());
    }
    if report.profiles.is_empty() {
        let why = if report.skipped.is_empty() {
            "no OAuth 2.0 configuration found in the input"
        } else {
            "no OAuth 2.0 configuration could be imported (see skipped)"
        };
        if !args.json {
            super::term::errln!(t, "error: {why}");
        }
        return 2;
    }
    0
}
