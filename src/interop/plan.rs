//! From what the inputs hold to the profiles to write: variables resolved, identical
//! configurations folded into one, each named from where it was first found. Pure; the
//! names are made unique against the disk by [`super::disk`].

use crate::profile::RawProfile;

use super::detect::Found;
use super::mapping::{convert, same_configuration, Converted};
use super::report::{InputReport, Problem, ProfileReport, Skipped};
use super::slug::slug;
use super::vars::Vars;

/// A profile to write: its base name (before `-2`, `-3`), its values and its report.
#[derive(Debug, Clone)]
pub struct Planned {
    pub base_name: String,
    pub raw: RawProfile,
    pub report: ProfileReport,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub inputs: Vec<InputReport>,
    pub profiles: Vec<Planned>,
    pub skipped: Vec<Skipped>,
}

/// `found` per input file; `env` (from `--env`) overrides the inputs' own variables.
pub fn plan(found: &[(String, Found)], env: Option<&(String, Vars)>) -> Plan {
    let mut out = Plan::default();
    for (file, f) in found {
        let mut vars = f.vars.clone();
        let mut environment = f.environment.clone();
        if let Some((name, env_vars)) = env {
            vars.extend(env_vars);
            environment = Some(name.clone());
        }
        out.inputs.push(InputReport {
            file: file.clone(),
            format: f.format.to_owned(),
            environment,
        });
        for draft in &f.drafts {
            match convert(draft, &vars) {
                Converted::Skipped(s) => out.skipped.push(s),
                Converted::Profile(p) => add(&mut out.profiles, p.0, p.1),
            }
        }
    }
    for p in &mut out.profiles {
        p.report.problems = problems(&p.raw);
    }
    out
}

fn add(profiles: &mut Vec<Planned>, raw: RawProfile, report: ProfileReport) {
    if let Some(same) = profiles
        .iter_mut()
        .find(|p| same_configuration(&p.raw, &raw))
    {
        same.report.merge(report);
        return;
    }
    let base_name = slug(&report.sources[0].path);
    profiles.push(Planned {
        base_name,
        raw,
        report,
    });
}

/// What the profile still lacks, as the form would say it (endpoints may stay empty when
/// an issuer is set).
fn problems(raw: &RawProfile) -> Vec<Problem> {
    crate::profile::validate_all(std::path::Path::new("imported"), raw)
        .into_iter()
        .map(|e| Problem {
            key: e.key.clone(),
            message: e.reason.clone(),
        })
        .collect()
}
