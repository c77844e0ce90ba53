//! `I` in the Profiles pane: a path prompt, the import into the directory new profiles go
//! to, and its report in a popup.

use std::path::{Path, PathBuf};

use crate::interop::disk::{self, Options};
use crate::profile::catalog;

use super::super::app::{App, NamePurpose, Overlay};
use super::super::event::{Effect, StoreOp, Stored};
use super::super::input::TextInput;

/// The path typed at the prompt (`~/` is the home directory).
pub(super) fn confirm_path(app: &mut App, input: TextInput) -> Vec<Effect> {
    let typed = input.value().trim().to_owned();
    if typed.is_empty() {
        app.error("type the path of a Postman or Insomnia export or a Bruno collection directory");
        app.overlay = Some(Overlay::NamePrompt {
            purpose: NamePurpose::Import,
            input,
        });
        return Vec::new();
    }
    let path = match (typed.strip_prefix("~/"), dirs::home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(&typed),
    };
    vec![Effect::Store(StoreOp::Import { path })]
}

pub(super) fn report_overlay(text: String) -> Overlay {
    Overlay::Report {
        title: " Import ".to_owned(),
        text,
        scroll: 0,
    }
}

/// Runs the import (on the runner's side: it reads and writes files). Nothing imported is
/// an error whose message says why.
pub fn import_file(path: &Path, dirs: &[PathBuf]) -> Result<Stored, String> {
    let dir = catalog::default_save_dir(dirs);
    let opts = Options {
        into: Some(dir.clone()),
        ..Options::default()
    };
    let report = disk::import(&[path.to_owned()], &opts).map_err(|e| e.to_string())?;
    if report.profiles.is_empty() {
        let why = report
            .skipped
            .first()
            .map(|s| format!(": skipped {}", s.why))
            .unwrap_or_default();
        return Err(format!("nothing imported from {}{why}", path.display()));
    }
    let n = report.profiles.len();
    Ok(Stored {
        message: format!(
            "imported {n} profile{} into {}",
            if n == 1 { "" } else { "s" },
            dir.display()
        ),
        report: Some(report.text()),
        ..Stored::default()
    })
}
