//! A POSIX shell script that does what a run does, with curl and openssl: the
//! authorization URL (with a fresh PKCE pair and state), then the token request with the
//! code pasted back. Every value from the profile is single-quoted by
//! `oauth::shell::quote` (control characters are refused); the client secret is never in
//! the script, only a reference to an environment variable.

use crate::oauth::shell::quote;
use crate::profile::{RawProfile, SecretSource};

use super::export::{ExportError, Exported};

/// The variable the script reads the secret from when the profile names none.
pub const SECRET_VAR: &str = "TOKENBENCH_CLIENT_SECRET";

fn valid_var(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn url(key: &'static str, value: Option<&str>) -> Result<url::Url, ExportError> {
    let value = value.filter(|v| !v.trim().is_empty()).ok_or(ExportError::Url {
        key,
        why: "it is empty (it is discovered from the issuer at run time; set it in the profile to export)".into(),
    })?;
    let parsed = url::Url::parse(value.trim()).map_err(|e| ExportError::Url {
        key,
        why: e.to_string(),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(ExportError::Url {
            key,
            why: "not http(s)".into(),
        });
    }
    Ok(parsed)
}

pub fn curl(name: &str, raw: &RawProfile) -> Result<Exported, ExportError> {
    let mut notes = Vec::new();
    let client_id = raw.client_id.as_deref().unwrap_or("");
    let secret_var = match raw.client_secret.as_deref().and_then(SecretSource::parse) {
        None => None,
        Some(SecretSource::Env(n)) if valid_var(&n) => Some(n),
        Some(_) => {
            notes.push(format!(
                "the script reads the client secret from ${SECRET_VAR}; set it before running"
            ));
            Some(SECRET_VAR.to_owned())
        }
    };
    let code_flow =
        raw.grant_type.as_deref().unwrap_or("authorization_code") == "authorization_code";
    let token_url = url("token_url", raw.token_url.as_deref())?;
    let mut s = String::new();
    s.push_str("#!/bin/sh\n");
    s.push_str(&format!(
        "# tokenbench export --to curl, profile {}.\n",
        crate::oauth::text::sanitize(name).replace('\n', " ")
    ));
    if code_flow {
        s.push_str("# The authorization code flow with PKCE by hand: open the printed URL, sign in, then paste\n# the `code` parameter of the redirect. Needs curl and openssl.\n");
    } else {
        s.push_str("# The client credentials grant. Needs curl.\n");
    }
    s.push_str("set -eu\n");
    if let Some(var) = &secret_var {
        s.push_str(&format!(
            ": \"${{{var}:?set {var} to the client secret}}\"\n"
        ));
    }
    let mut form: Vec<String> = Vec::new();
    if code_flow {
        code_steps(&mut s, raw, client_id, &mut form)?;
    } else {
        form.push(format!(
            "--data-urlencode {}",
            quote("a value", "grant_type=client_credentials")?
        ));
        if let Some(scope) = raw.scope.as_deref().filter(|v| !v.is_empty()) {
            form.push(format!(
                "--data-urlencode {}",
                quote("scope", &format!("scope={scope}"))?
            ));
        }
    }
    for (k, v) in &raw.token_params {
        form.push(format!(
            "--data-urlencode {}",
            quote("a token parameter", &format!("{k}={v}"))?
        ));
    }
    let body_auth = raw.client_auth.as_deref() == Some("body");
    match (&secret_var, body_auth) {
        (Some(var), false) => {
            s.push_str("# HTTP Basic: RFC 6749 section 2.3.1 wants the id and the secret form-encoded first; a\n# secret with characters other than letters, digits and -._~ must be given encoded.\n");
            let id = form_encode(client_id);
            form.insert(
                0,
                format!(
                    "--user {}\"${var}\"",
                    quote("client_id", &format!("{id}:"))?
                ),
            );
        }
        (Some(var), true) => {
            form.push(format!(
                "--data-urlencode {}",
                quote("client_id", &format!("client_id={client_id}"))?
            ));
            form.push(format!("--data-urlencode \"client_secret=${var}\""));
        }
        (None, _) => {
            form.push(format!(
                "--data-urlencode {}",
                quote("client_id", &format!("client_id={client_id}"))?
            ));
        }
    }
    s.push_str(&format!(
        "curl --fail-with-body -sS -X POST {} \\\n",
        quote("token_url", token_url.as_str())?
    ));
    let lines: Vec<String> = form.iter().map(|f| format!("  {f}")).collect();
    s.push_str(&lines.join(" \\\n"));
    s.push('\n');
    Ok(Exported { text: s, notes })
}

/// The PKCE pair, the state, the authorization URL and the pasted code; adds the code's
/// fields to the token request.
fn code_steps(
    s: &mut String,
    raw: &RawProfile,
    client_id: &str,
    form: &mut Vec<String>,
) -> Result<(), ExportError> {
    let mut auth_url = url("auth_url", raw.auth_url.as_deref())?;
    let callback = raw.callback_url.as_deref().unwrap_or("");
    let plain = raw.code_challenge_method.as_deref() == Some("plain");
    match raw.code_verifier.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => s.push_str(&format!("verifier={}\n", quote("code_verifier", v)?)),
        None => s.push_str("verifier=$(openssl rand -base64 48 | tr '+/' '-_' | tr -d '=\\n')\n"),
    }
    if plain {
        s.push_str("challenge=$verifier\n");
    } else {
        s.push_str("challenge=$(printf '%s' \"$verifier\" | openssl dgst -sha256 -binary | openssl base64 -A | tr '+/' '-_' | tr -d '=')\n");
    }
    match raw.state.as_deref().filter(|v| !v.is_empty()) {
        Some(st) => s.push_str(&format!("state={}\n", quote("state", st)?)),
        None => s.push_str("state=$(openssl rand -hex 16)\n"),
    }
    {
        let mut q = auth_url.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair("redirect_uri", callback);
        if let Some(scope) = raw.scope.as_deref().filter(|v| !v.is_empty()) {
            q.append_pair("scope", scope);
        }
        q.append_pair(
            "code_challenge_method",
            if plain { "plain" } else { "S256" },
        );
        for (k, v) in &raw.auth_params {
            q.append_pair(k, v);
        }
    }
    s.push_str(
        "echo 'Open this URL, sign in, then paste the code parameter of the redirect:' >&2\n",
    );
    s.push_str(&format!(
        "printf '%s&code_challenge=%s&state=%s\\n' {} \"$challenge\" \"$(printf '%s' \"$state\" | od -An -tx1 | tr -d ' \\n' | sed 's/../%&/g')\"\n",
        quote("the authorization URL", auth_url.as_str())?
    ));
    s.push_str("printf 'code: ' >&2\nread -r code\n");
    form.push(format!(
        "--data-urlencode {}",
        quote("a value", "grant_type=authorization_code")?
    ));
    form.push("--data-urlencode \"code=$code\"".to_owned());
    form.push(format!(
        "--data-urlencode {}",
        quote("callback_url", &format!("redirect_uri={callback}"))?
    ));
    form.push("--data-urlencode \"code_verifier=$verifier\"".to_owned());
    Ok(())
}

fn form_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
