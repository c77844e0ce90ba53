//! What the IdP's answers to the variants mean, as findings: which variant to register or
//! switch to, and whether the loopback port may vary (RFC 8252 §7.3). Pure.

use super::report::{Finding, Verdict};
use super::signatures::IdpKind;
use super::variants::Variant;

/// The facts the variant probes established, as findings.
pub struct VariantResults<'a> {
    pub configured: &'a str,
    pub configured_verdict: Verdict,
    pub client_id: &'a str,
    pub idp: Option<IdpKind>,
    pub tried: &'a [(Variant, Verdict)],
    /// (port tried, accepted?) for the accepted URI, when tested.
    pub port_test: Option<(String, bool)>,
    /// The profile's callback port is 0 (any free port per run).
    pub ephemeral_port: bool,
    pub loopback: bool,
}

pub fn findings(r: &VariantResults<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let accepted: Vec<&Variant> = r
        .tried
        .iter()
        .filter(|(_, v)| *v == Verdict::Accepted)
        .map(|(v, _)| v)
        .collect();
    let evidence = r
        .tried
        .iter()
        .map(|(v, verdict)| format!("{} ({}): {}", v.uri, v.change, verdict.as_str()))
        .collect::<Vec<_>>()
        .join("\n");
    let where_ = r
        .idp
        .map(|i| format!(" ({})", i.where_registered()))
        .unwrap_or_default();
    let configured_ok = r.configured_verdict == Verdict::Accepted;
    if !configured_ok && !accepted.is_empty() {
        let list = accepted
            .iter()
            .map(|v| v.uri.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        // http first on loopback (RFC 8252 §7.3); an https one is served with tokenbench's
        // own certificate when it is all the IdP accepts.
        let servable = accepted
            .iter()
            .find(|v| !(r.loopback && v.uri.starts_with("https://")))
            .or_else(|| accepted.first())
            .map(|v| v.uri.as_str());
        let fix = match servable {
            Some(s) => format!(
                "register {} for client {:?} at the IdP{where_}, or set callback_url = {s:?} in the profile",
                r.configured, r.client_id
            ),
            None => format!("register {} for client {:?} at the IdP{where_}", r.configured, r.client_id),
        };
        out.push(
            Finding::error(
                "variants.accepted",
                format!("the IdP accepts {list}, not {}: register the one you use or set callback_url to the registered one", r.configured),
                evidence.clone(),
            )
            .with_fix(fix),
        );
    } else if !configured_ok && !r.tried.is_empty() {
        out.push(
            Finding::warning(
                "variants.none",
                format!("none of the {} near variants of {} is accepted either: the registered redirect URI differs more (another host, port or path?)", r.tried.len(), r.configured),
                evidence.clone(),
            )
            .with_fix(format!(
                "look up the redirect URIs registered for client {:?}{where_} and copy one into callback_url, or register {}",
                r.client_id, r.configured
            )),
        );
    } else if configured_ok && !accepted.is_empty() {
        let list = accepted
            .iter()
            .map(|v| v.uri.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        out.push(Finding::info(
            "variants.accepted",
            format!("besides {}, the IdP also accepts {list}", r.configured),
            evidence.clone(),
        ));
    } else if configured_ok {
        out.push(Finding::info(
            "variants.accepted",
            format!(
                "only {} itself is accepted: the IdP compares the redirect URI exactly",
                r.configured
            ),
            evidence,
        ));
    }
    if let Some((tried, varies)) = &r.port_test {
        out.push(port_finding(tried, *varies, r.ephemeral_port));
    }
    out
}

fn port_finding(tried: &str, varies: bool, ephemeral: bool) -> Finding {
    let evidence = format!("{tried}: {}", if varies { "accepted" } else { "rejected" });
    match (varies, ephemeral) {
        (true, _) => Finding::info(
            "variants.port",
            "the IdP lets the port of the loopback redirect URI vary (RFC 8252 §7.3): callback_url may use port 0 (a free port per run)",
            evidence,
        ),
        (false, true) => Finding::error(
            "variants.port",
            "the IdP accepts only the exact registered port, but callback_url uses port 0 (a new port each run)",
            evidence,
        )
        .with_fix("put the registered port in callback_url (or make the client a native/desktop one, whose loopback port may vary)"),
        (false, false) => Finding::warning(
            "variants.port",
            "the IdP accepts only the exact registered port (it does not apply RFC 8252 §7.3's any-port rule to this client): keep callback_url's port, and keep it free",
            evidence,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_name_the_accepted_variant_and_the_fix() {
        let tried = vec![
            (
                Variant {
                    uri: "http://localhost:8765/callback".into(),
                    change: "localhost".into(),
                },
                Verdict::Accepted,
            ),
            (
                Variant {
                    uri: "http://127.0.0.1:8765/callback/".into(),
                    change: "slash".into(),
                },
                Verdict::Rejected,
            ),
        ];
        let f = findings(&VariantResults {
            configured: "http://127.0.0.1:8765/callback",
            configured_verdict: Verdict::Rejected,
            client_id: "app",
            idp: Some(IdpKind::Keycloak),
            tried: &tried,
            port_test: Some(("http://localhost:9999/callback".into(), false)),
            ephemeral_port: false,
            loopback: true,
        });
        assert_eq!(f[0].check, "variants.accepted");
        assert!(f[0].message.starts_with(
            "the IdP accepts http://localhost:8765/callback, not http://127.0.0.1:8765/callback"
        ));
        let fix = f[0].fix.as_deref().unwrap();
        assert!(
            fix.contains("set callback_url = \"http://localhost:8765/callback\""),
            "{fix}"
        );
        assert!(fix.contains("Valid redirect URIs"), "{fix}");
        assert_eq!(f[1].check, "variants.port");
    }
}
