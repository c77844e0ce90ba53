//! What an import did, per profile: where it came from, which keys were mapped, dropped
//! (and why), which variables stayed unresolved. Never a value: a secret must not reach the
//! terminal or a log through it.

use serde::Serialize;

use crate::oauth::text::sanitize;

use super::mapping::Source;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub dry_run: bool,
    pub inputs: Vec<InputReport>,
    pub profiles: Vec<ProfileReport>,
    pub skipped: Vec<Skipped>,
}

/// One file or directory given on the command line.
#[derive(Debug, Clone, Default, Serialize)]
pub struct InputReport {
    pub file: String,
    /// `postman-v2.1`, `postman-v2.0`, `insomnia-v4`, `insomnia-v5`, `bruno`.
    pub format: String,
    /// The environment whose variables were used, if any.
    pub environment: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ProfileReport {
    /// The profile name (the file stem).
    pub name: String,
    /// The file written (or, with --dry-run, that would be).
    pub file: String,
    pub grant_type: String,
    /// Every place the configuration was found (identical ones become one profile).
    pub sources: Vec<Source>,
    pub mapped: Vec<MappedKey>,
    pub dropped: Vec<DroppedKey>,
    pub unresolved: Vec<UnresolvedVar>,
    pub notes: Vec<String>,
    /// What the profile still needs before it runs (validation, as the form shows it).
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappedKey {
    /// The profile key (`client_id`, `auth_params.audience`).
    pub key: String,
    /// The source's key.
    pub from: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DroppedKey {
    /// The source's key.
    pub key: String,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnresolvedVar {
    /// The profile key whose value keeps `{{variable}}` verbatim.
    pub key: String,
    pub variable: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub key: Option<String>,
    pub message: String,
}

/// A configuration that was found but not imported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub source: Source,
    pub grant_type: String,
    pub why: String,
}

impl ProfileReport {
    /// Folds in the report of an identical configuration found elsewhere.
    pub fn merge(&mut self, other: ProfileReport) {
        self.sources.extend(other.sources);
        push_new(&mut self.mapped, other.mapped);
        push_new(&mut self.dropped, other.dropped);
        push_new(&mut self.unresolved, other.unresolved);
        push_new(&mut self.notes, other.notes);
    }
}

fn push_new<T: PartialEq>(into: &mut Vec<T>, items: Vec<T>) {
    for item in items {
        if !into.contains(&item) {
            into.push(item);
        }
    }
}

/// `file: Collection / Folder / Request (location)`, escaped for a terminal.
pub fn describe_source(s: &Source) -> String {
    let path = if s.path.is_empty() {
        String::new()
    } else {
        format!(" {}", s.path.join(" / "))
    };
    sanitize(&format!("{}:{path} ({})", s.file, s.location))
}

impl Report {
    /// The report for a terminal: every value from the files escaped.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for input in &self.inputs {
            let env = input
                .environment
                .as_deref()
                .map(|e| format!(", variables from {}", sanitize(e)))
                .unwrap_or_default();
            out.push_str(&format!(
                "{} ({}{env})\n",
                sanitize(&input.file),
                input.format
            ));
        }
        let verb = if self.dry_run { "would write" } else { "wrote" };
        for p in &self.profiles {
            out.push_str(&format!(
                "\nprofile {} ({}) — {verb} {}\n",
                sanitize(&p.name),
                p.grant_type,
                sanitize(&p.file)
            ));
            for s in &p.sources {
                out.push_str(&format!("  from {}\n", describe_source(s)));
            }
            if !p.mapped.is_empty() {
                let keys: Vec<String> = p
                    .mapped
                    .iter()
                    .map(|m| format!("{} ← {}", sanitize(&m.key), sanitize(&m.from)))
                    .collect();
                out.push_str(&format!("  mapped: {}\n", keys.join(", ")));
            }
            for d in &p.dropped {
                out.push_str(&format!(
                    "  dropped {}: {}\n",
                    sanitize(&d.key),
                    sanitize(&d.why)
                ));
            }
            for u in &p.unresolved {
                out.push_str(&format!(
                    "  unresolved {{{{{}}}}} in {}, kept as written\n",
                    sanitize(&u.variable),
                    sanitize(&u.key)
                ));
            }
            for n in &p.notes {
                out.push_str(&format!("  note: {}\n", sanitize(n)));
            }
            for problem in &p.problems {
                let key = problem
                    .key
                    .as_deref()
                    .map(|k| format!("{k}: "))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "  to fix before a run: {}{}\n",
                    sanitize(&key),
                    sanitize(&problem.message)
                ));
            }
        }
        for s in &self.skipped {
            out.push_str(&format!(
                "\nskipped {}: {}\n",
                describe_source(&s.source),
                sanitize(&s.why)
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_names_from_the_file() {
        let report = Report {
            profiles: vec![ProfileReport {
                name: "x".into(),
                sources: vec![Source {
                    file: "c.json".into(),
                    path: vec!["evil\u{1b}[2J".into()],
                    location: "auth".into(),
                }],
                ..ProfileReport::default()
            }],
            ..Report::default()
        };
        let text = report.text();
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(text.contains("evil\\u{1b}[2J"), "{text}");
    }
}
