//! `tokenbench export`: a profile written for Postman, Insomnia, Bruno or a curl script.

use clap::{Args, ValueEnum};

use crate::interop::{curl, export};
use crate::profile::load::{file_stem, parse_raw, read_text};

use super::term::{errln, Term};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum To {
    Postman,
    Insomnia,
    Bruno,
    Curl,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The profile: a name or a path.
    #[arg(long)]
    profile: String,
    /// What to write: a Postman v2.1 collection, an Insomnia v4 export, a Bruno
    /// collection.bru auth block, or a curl script (secrets as environment references).
    #[arg(long, value_enum)]
    to: To,
}

/// Prints the export on stdout and what it does not carry on stderr. Exit 2 when the
/// profile cannot be read or cannot be written in that form.
pub fn export(args: ExportArgs) -> i32 {
    let path = match crate::profile::store::resolve(
        &args.profile,
        &crate::profile::store::search_dirs(),
    ) {
        Ok(p) => p,
        Err(e) => return super::fail(false, "invalid_input", 2, &e.to_string()),
    };
    let raw = match read_text(&path).and_then(|text| parse_raw(&path, &text)) {
        Ok(raw) => raw,
        Err(e) => return super::fail(false, "invalid_input", 2, &e.to_string()),
    };
    let name = raw
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| file_stem(&path));
    let exported = match args.to {
        To::Postman => Ok(export::postman(&name, &raw)),
        To::Insomnia => Ok(export::insomnia(&name, &raw)),
        To::Bruno => Ok(export::bruno(&name, &raw)),
        To::Curl => curl::curl(&name, &raw),
    };
    match exported {
        Ok(e) => {
            let mut t = Term::std();
            t.out(&e.text);
            for note in &e.notes {
                errln!(t, "note: {}", crate::oauth::text::sanitize(note));
            }
            0
        }
        Err(e) => super::fail(false, "invalid_input", 2, &e.to_string()),
    }
}
