//! The readable form of a doctor report, as lines (the CLI prints them; the TUI can show
//! them in a pane). Everything from the IdP is sanitised.

use crate::oauth::text::sanitize;

use super::report::{DoctorReport, Severity};

/// The report as lines of text, verdict first, then findings (errors first) with evidence
/// and fix, then the accepted variants.
pub fn render_lines(report: &DoctorReport, include_info: bool) -> Vec<String> {
    let mut out = vec![
        format!(
            "tokenbench doctor: profile {:?}, client_id {:?}",
            sanitize(&report.profile),
            sanitize(&report.client_id)
        ),
        format!("verdict: {}", sanitize(&report.headline())),
    ];
    let mut findings: Vec<_> = report
        .findings
        .iter()
        .filter(|f| include_info || f.severity > Severity::Info)
        .collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    for f in findings {
        let mark = match f.severity {
            Severity::Error => "✗",
            Severity::Warning => "!",
            Severity::Info => "•",
        };
        out.push(String::new());
        out.push(format!(
            "{mark} {} [{}] {}",
            f.severity.as_str(),
            sanitize(&f.check),
            sanitize(&f.message)
        ));
        if !f.evidence.is_empty() {
            for (i, line) in f.evidence.lines().enumerate() {
                let label = if i == 0 { "evidence:" } else { "         " };
                out.push(format!("    {label} {}", sanitize(line)));
            }
        }
        if let Some(fix) = &f.fix {
            out.push(format!("    fix:      {}", sanitize(fix)));
        }
    }
    if !report.accepted_variants.is_empty() {
        out.push(String::new());
        out.push("the IdP accepts these variants of the redirect URI:".to_owned());
        for v in &report.accepted_variants {
            out.push(format!("  {}", sanitize(v)));
        }
    }
    out
}

/// [`render_lines`] joined, with a trailing newline.
pub fn render(report: &DoctorReport, include_info: bool) -> String {
    let mut s = render_lines(report, include_info).join("\n");
    s.push('\n');
    s
}
