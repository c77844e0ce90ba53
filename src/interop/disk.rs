//! The one part of the importer that touches files: reads the inputs (a file, or a Bruno
//! collection directory), and writes each profile new, never over an existing file, with
//! the profile store's writer (0600, in a private directory).

use std::path::{Path, PathBuf};

use crate::profile::catalog::{self, StoreError};

use super::bruno;
use super::detect::{self, Found, Input, NotRecognised};
use super::plan::plan;
use super::report::Report;
use super::slug::unique;

/// Larger inputs are refused: no real collection comes near, and a hostile one must not
/// exhaust memory.
const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;
/// A Bruno collection is walked this deep and this wide, no further.
const MAX_DIR_DEPTH: usize = 16;
const MAX_DIR_FILES: usize = 10_000;

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Where the profiles go (default: the config directory's profiles).
    pub into: Option<PathBuf>,
    /// A Postman or Bruno environment for `{{var}}`.
    pub env: Option<PathBuf>,
    pub dry_run: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}: cannot read: {source}", file.display())]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {why}", file.display())]
    Input { file: PathBuf, why: String },
    #[error(transparent)]
    NotRecognised(#[from] NotRecognised),
    #[error(transparent)]
    Write(#[from] StoreError),
}

impl ImportError {
    /// Exit code: 2 for an input that cannot be used, 1 when writing failed.
    pub fn exit_code(&self) -> i32 {
        match self {
            ImportError::Write(_) => 1,
            _ => 2,
        }
    }
}

/// The default destination: the user's config directory's profiles.
pub fn default_dir() -> PathBuf {
    crate::profile::store::search_dirs()
        .pop()
        .unwrap_or_else(|| PathBuf::from("profiles"))
}

/// Reads every input, plans the profiles and (unless a dry run) writes them. The report
/// lists each profile with the file it went to.
pub fn import(paths: &[PathBuf], opts: &Options) -> Result<Report, ImportError> {
    let env = match &opts.env {
        Some(file) => {
            let text = read_text(file)?;
            Some(detect::environment(&file.display().to_string(), &text)?)
        }
        None => None,
    };
    let mut found: Vec<(String, Found)> = Vec::new();
    for path in paths {
        let input = read_input(path)?;
        found.push((input.file().to_owned(), detect::detect(&input)?));
    }
    let planned = plan(&found, env.as_ref());
    let dir = opts.into.clone().unwrap_or_else(default_dir);
    let mut report = Report {
        dry_run: opts.dry_run,
        inputs: planned.inputs,
        skipped: planned.skipped,
        profiles: Vec::new(),
    };
    let mut used: Vec<String> = Vec::new();
    for p in planned.profiles {
        let (name, file) = if opts.dry_run {
            let name = unique(&p.base_name, |n| {
                used.iter().any(|u| u == n) || exists(&dir, n)
            });
            let file = dir.join(format!("{name}.toml"));
            (name, file)
        } else {
            write_new(&dir, &p.base_name, &p.raw, &used)?
        };
        used.push(name.clone());
        let mut r = p.report;
        r.name = name;
        r.file = file.display().to_string();
        report.profiles.push(r);
    }
    Ok(report)
}

fn exists(dir: &Path, name: &str) -> bool {
    std::fs::symlink_metadata(dir.join(format!("{name}.toml"))).is_ok()
}

/// Creates `dir/NAME.toml` with the first free name; a file that appears meanwhile is
/// never overwritten, the next name is tried.
fn write_new(
    dir: &Path,
    base: &str,
    raw: &crate::profile::RawProfile,
    used: &[String],
) -> Result<(String, PathBuf), ImportError> {
    let mut refused: Vec<String> = used.to_vec();
    loop {
        let name = unique(base, |n| refused.iter().any(|u| u == n) || exists(dir, n));
        match catalog::create(dir, &name, raw) {
            Ok(path) => return Ok((name, path)),
            Err(StoreError::Exists { .. }) => refused.push(name),
            Err(e) => return Err(e.into()),
        }
    }
}

fn read_text(file: &Path) -> Result<String, ImportError> {
    let read = |source| ImportError::Read {
        file: file.to_owned(),
        source,
    };
    let meta = std::fs::metadata(file).map_err(read)?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(ImportError::Input {
            file: file.to_owned(),
            why: format!(
                "is larger than {} MB; not read",
                MAX_FILE_BYTES / 1024 / 1024
            ),
        });
    }
    let bytes = std::fs::read(file).map_err(read)?;
    String::from_utf8(bytes).map_err(|e| ImportError::Input {
        file: file.to_owned(),
        why: format!("is not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
    })
}

fn read_input(path: &Path) -> Result<Input, ImportError> {
    let shown = path.display().to_string();
    if !path.is_dir() {
        return Ok(Input::Text {
            file: shown,
            text: read_text(path)?,
        });
    }
    let mut files = Vec::new();
    collect(path, "", 0, &mut files)?;
    let name = files
        .iter()
        .find(|f| f.path == "bruno.json")
        .and_then(|f| serde_json::from_str::<serde_json::Value>(&f.text).ok())
        .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_owned))
        .or_else(|| path.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "collection".to_owned());
    Ok(Input::Collection {
        file: shown,
        name,
        files,
    })
}

/// The `.bru` files and `bruno.json` under `dir`, by relative path. Symbolic links, hidden
/// entries and `node_modules` are skipped.
fn collect(
    dir: &Path,
    rel: &str,
    depth: usize,
    out: &mut Vec<bruno::File>,
) -> Result<(), ImportError> {
    if depth > MAX_DIR_DEPTH {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir).map_err(|source| ImportError::Read {
        file: dir.to_owned(),
        source,
    })?;
    let mut names: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    names.sort();
    for (name, path) in names {
        if out.len() >= MAX_DIR_FILES || name.starts_with('.') || name == "node_modules" {
            continue;
        }
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let inner = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        if meta.is_dir() {
            collect(&path, &inner, depth + 1, out)?;
        } else if meta.is_file()
            && (name.ends_with(".bru") || (rel.is_empty() && name == "bruno.json"))
        {
            out.push(bruno::File {
                path: inner,
                text: read_text(&path)?,
            });
        }
    }
    Ok(())
}
