//! Checks of the callback URL that need no IdP: can tokenbench serve it, and what exactly
//! will be sent.

use crate::oauth::types::RedirectUri;

use super::port::PortStatus;
use super::report::Finding;

/// The local findings. `sent` is the redirect URI a run would send (port 0 replaced by the
/// port tried); `port` is the result of trying to bind it (None: not checked).
pub fn callback_checks(
    configured: &RedirectUri,
    sent: &RedirectUri,
    port: Option<&PortStatus>,
) -> Vec<Finding> {
    let raw = configured.as_str();
    let url = configured.url();
    let evidence = format!("callback_url = {raw:?}");
    let host = configured.host().unwrap_or_default();
    let loopback = configured.is_loopback();
    let mut out = vec![Finding::info(
        "callback.url",
        format!(
            "callback_url parses: scheme {}, host {host}, port {}, path {}",
            url.scheme(),
            if url.port().is_none() {
                format!("{} (default)", configured.port())
            } else {
                configured.port().to_string()
            },
            url.path()
        ),
        evidence.clone(),
    )];
    if url.as_str() != raw {
        out.push(
            Finding::warning(
                "callback.normalised",
                format!("callback_url is sent exactly as written, but a browser or IdP may normalise it to {}; IdPs compare the string", url.as_str()),
                evidence.clone(),
            )
            .with_fix(format!("write callback_url as {:?} and register exactly that", url.as_str())),
        );
    }

    let https = url.scheme() == "https";
    out.push(match (https, loopback) {
        // For IdPs or registrations that accept only https redirects (`net::tls`).
        (true, true) => Finding::info(
            "callback.scheme",
            format!("https on loopback: tokenbench serves it with a self-signed certificate it makes for this profile, which the browser warns about once; RFC 8252 §7.3 prefers http://{}{} where the IdP accepts it", authority(sent), url.path()),
            evidence.clone(),
        ),
        (false, true) => Finding::info("callback.scheme", "http on loopback, as RFC 8252 §7.3 prescribes", evidence.clone()),
        (true, false) => Finding::info("callback.scheme", "https on a remote host: tokenbench cannot listen there, so `run` asks you to paste the redirected URL", evidence.clone()),
        (false, false) => Finding::warning(
            "callback.scheme",
            "plain http to a remote host: the authorization code would cross the network unencrypted, and tokenbench cannot listen there",
            evidence.clone(),
        )
        .with_fix("use https for a remote callback, or a loopback one (http://127.0.0.1:PORT/callback)"),
    });

    out.push(host_finding(&host, loopback, sent, &evidence));
    if loopback {
        out.push(port_finding(configured, sent, port, &evidence));
    }
    out.push(path_finding(configured, &evidence));

    let encoded = form_urlencoded::Serializer::new(String::new())
        .append_pair("redirect_uri", sent.as_str())
        .finish();
    out.push(Finding::info(
        "callback.encoding",
        format!("the authorization URL carries redirect_uri percent-encoded; the IdP decodes it back to {}", sent.as_str()),
        encoded,
    ));
    let port_note = if configured.port() == 0 && loopback {
        " (with the port chosen for that run)"
    } else {
        ""
    };
    out.push(Finding::info(
        "callback.token_request",
        format!(
            "the token request repeats redirect_uri byte for byte (RFC 6749 §4.1.3){port_note}"
        ),
        format!("redirect_uri={}", sent.as_str()),
    ));
    out
}

fn authority(uri: &RedirectUri) -> String {
    let host = match uri.url().host() {
        Some(url::Host::Ipv6(ip)) => format!("[{ip}]"),
        Some(h) => h.to_string(),
        None => String::new(),
    };
    format!("{host}:{}", uri.port())
}

fn host_finding(host: &str, loopback: bool, sent: &RedirectUri, evidence: &str) -> Finding {
    if !loopback {
        return Finding::info(
            "callback.host",
            format!("{host} is not a loopback address: tokenbench cannot receive the callback there and will ask you to paste the redirected URL"),
            evidence,
        );
    }
    if host.eq_ignore_ascii_case("localhost") {
        let path = sent.url().path();
        return Finding::warning(
            "callback.host",
            "localhost works (tokenbench listens on 127.0.0.1 and ::1 for it), but RFC 8252 §8.3 recommends the IP literal: localhost can resolve elsewhere or to the other address family",
            evidence,
        )
        .with_fix(format!(
            "if the IdP accepts it, use http://127.0.0.1:{}{path} (some IdPs, e.g. Cognito, accept only localhost)",
            sent.port()
        ));
    }
    if host == "127.0.0.1" || host == "::1" {
        return Finding::info(
            "callback.host",
            format!("{host} is a loopback IP literal, as RFC 8252 §8.3 recommends"),
            evidence,
        );
    }
    Finding::warning(
        "callback.host",
        format!("{host} is loopback, but IdPs that allow any loopback redirect usually mean exactly 127.0.0.1, [::1] or localhost"),
        evidence,
    )
    .with_fix("use 127.0.0.1")
}

fn port_finding(
    configured: &RedirectUri,
    sent: &RedirectUri,
    port: Option<&PortStatus>,
    evidence: &str,
) -> Finding {
    let host = configured.host().unwrap_or_default();
    if configured.port() == 0 {
        return Finding::info(
            "callback.port",
            format!("port 0: each run listens on a free port (this check tried {}); the IdP must let the loopback port vary (RFC 8252 §7.3)", sent.port()),
            evidence,
        );
    }
    let p = configured.port();
    let default_port = configured.url().port().is_none();
    match port {
        Some(PortStatus::Busy(holder)) => {
            let who = match holder {
                Some(h) => h.to_string(),
                None if cfg!(target_os = "linux") => "an unknown process (not visible to this user)".to_owned(),
                None => "another process".to_owned(),
            };
            Finding::error("callback.port", format!("port {p} on {host} is in use by {who}, so `run` could not receive the callback"), evidence)
                .with_fix("stop that process (another tokenbench run?) or choose another port in callback_url and register it")
        }
        Some(PortStatus::Untested(why)) => Finding::warning(
            "callback.port",
            format!("port {p} on {host} cannot be bound: {why}"),
            evidence,
        )
        .with_fix(if default_port { "put an explicit port above 1024 in callback_url" } else { "choose another port in callback_url" }),
        Some(PortStatus::Free) if default_port => Finding::warning(
            "callback.port",
            format!("callback_url has no port, so port {p} is used; it is free now, but low ports need privileges on most systems"),
            evidence,
        )
        .with_fix("put an explicit port above 1024 in callback_url and register that"),
        Some(PortStatus::Free) => Finding::info("callback.port", format!("port {p} on {host} is free"), evidence),
        None => Finding::info("callback.port", format!("port {p} on {host} (not checked)"), evidence),
    }
}

fn path_finding(configured: &RedirectUri, evidence: &str) -> Finding {
    let url = configured.url();
    let path = url.path();
    if let Some(q) = url.query() {
        return Finding::warning(
            "callback.path",
            format!("callback_url has a query ({q}): the IdP appends code and state to it, and some IdPs refuse or drop registered queries"),
            evidence,
        )
        .with_fix("move the query out of callback_url");
    }
    if path == "/" {
        return Finding::warning(
            "callback.path",
            "callback_url has no path: any request to the port (favicon, other tabs) hits the callback address",
            evidence,
        )
        .with_fix("use a path such as /callback and register it");
    }
    if path.chars().any(|c| c.is_ascii_uppercase()) {
        return Finding::info(
            "callback.path",
            format!("path {path} has capital letters: paths are case-sensitive, so register it with the same case"),
            evidence,
        );
    }
    Finding::info("callback.path", format!("path {path}"), evidence)
}

/// The big IdPs' known traps in the profile (0.0.0.0, Google's offline_access), as
/// warnings with their fix.
pub fn quirk_findings(profile: &crate::profile::Profile) -> Vec<Finding> {
    crate::profile::quirks(profile)
        .into_iter()
        .map(|q| {
            Finding::warning(&format!("quirk.{}", q.check), q.message, q.check).with_fix(q.fix)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::report::Severity;

    fn checks(uri: &str, port: Option<PortStatus>) -> Vec<Finding> {
        let u = RedirectUri::parse(uri).unwrap();
        let sent = if u.port() == 0 {
            u.with_port(40000)
        } else {
            u.clone()
        };
        callback_checks(&u, &sent, port.as_ref())
    }

    fn find<'a>(f: &'a [Finding], check: &str) -> &'a Finding {
        f.iter()
            .find(|x| x.check == check)
            .unwrap_or_else(|| panic!("no {check} in {f:?}"))
    }

    #[test]
    fn https_loopback_is_served_with_its_own_certificate() {
        let f = checks("https://127.0.0.1:8765/callback", Some(PortStatus::Free));
        let s = find(&f, "callback.scheme");
        assert_eq!(s.severity, Severity::Info);
        assert!(s.message.contains("self-signed certificate"));
        assert!(s.message.contains("http://127.0.0.1:8765/callback"));
    }

    #[test]
    fn localhost_is_a_warning_with_the_ip_literal_as_fix() {
        let f = checks("http://localhost:8765/cb", Some(PortStatus::Free));
        let h = find(&f, "callback.host");
        assert_eq!(h.severity, Severity::Warning);
        assert!(h
            .fix
            .as_deref()
            .unwrap()
            .contains("http://127.0.0.1:8765/cb"));
    }

    #[test]
    fn busy_port_names_the_process() {
        let busy = PortStatus::Busy(Some(super::super::port::Holder {
            pid: 42,
            name: Some("node".into()),
        }));
        let f = checks("http://127.0.0.1:8765/callback", Some(busy));
        let p = find(&f, "callback.port");
        assert_eq!(p.severity, Severity::Error);
        assert!(p.message.contains("process 42 (node)"), "{}", p.message);
        let f = checks(
            "http://127.0.0.1:8765/callback",
            Some(PortStatus::Busy(None)),
        );
        assert!(find(&f, "callback.port").message.contains("process"));
    }

    #[test]
    fn encoding_and_token_request() {
        let f = checks("http://127.0.0.1:0/callback", None);
        assert_eq!(
            find(&f, "callback.encoding").evidence,
            "redirect_uri=http%3A%2F%2F127.0.0.1%3A40000%2Fcallback"
        );
        assert!(find(&f, "callback.port").message.contains("port 0"));
        assert!(find(&f, "callback.token_request")
            .message
            .contains("byte for byte"));
    }

    #[test]
    fn path_and_normalisation() {
        let f = checks("http://localhost:9000", Some(PortStatus::Free));
        assert_eq!(find(&f, "callback.path").severity, Severity::Warning);
        assert_eq!(find(&f, "callback.normalised").severity, Severity::Warning);
        let f = checks("http://127.0.0.1:9000/cb?x=1", Some(PortStatus::Free));
        assert!(find(&f, "callback.path").message.contains("query"));
        let remote = checks("https://app.example.com/cb", None);
        assert!(remote.iter().all(|x| x.check != "callback.port"));
        assert!(find(&remote, "callback.host").message.contains("paste"));
    }
}
