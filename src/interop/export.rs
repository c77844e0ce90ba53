//! A profile written for another tool: a Postman v2.1 collection with one request carrying
//! the OAuth 2.0 settings, an Insomnia v4 export, a Bruno `collection.bru` auth block.
//! (The curl script is in [`super::curl`].) What the tool cannot hold is listed in the
//! notes; reading the output back with the importer gives the carried keys exactly.

use serde_json::{json, Map, Value};

use crate::profile::{RawProfile, SecretSource};

/// The text for the other tool and what it does not carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub text: String,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error("{0}")]
    Unsafe(#[from] crate::oauth::shell::UnsafeForShell),
    #[error("{key} is not a URL the script can use: {why}")]
    Url { key: &'static str, why: String },
}

/// The client secret as the other tool writes it: a literal as is, `env:NAME` as the
/// tool's variable `NAME` (template built by `var`); a `cmd:` helper cannot be carried.
fn secret(
    raw: &RawProfile,
    var: impl Fn(&str) -> String,
    notes: &mut Vec<String>,
) -> Option<String> {
    match raw.client_secret.as_deref().and_then(SecretSource::parse)? {
        SecretSource::Literal(s) => {
            notes.push("the export holds the profile's literal client secret".to_owned());
            Some(s.secret().to_owned())
        }
        SecretSource::Env(name) => {
            notes.push(format!(
                "client_secret is read from ${name} here; the export refers to the variable {name}, which the other tool must define"
            ));
            Some(var(&name))
        }
        SecretSource::Cmd(_) => {
            notes.push("client_secret comes from a cmd: helper, which the other tool cannot run; it is left out".to_owned());
            None
        }
    }
}

/// Keys no other tool has, named in the notes when set.
fn not_carried(raw: &RawProfile, also: &[&str], notes: &mut Vec<String>) {
    let mut keys: Vec<&str> = raw
        .scalars()
        .into_iter()
        .filter(|(k, v)| {
            v.is_some_and(|v| !v.is_empty())
                && (also.contains(k)
                    || matches!(
                        *k,
                        "issuer"
                            | "cache_tokens"
                            | "insecure_http"
                            | "insecure_tls"
                            | "userinfo_url"
                            | "introspection_url"
                            | "revocation_url"
                            | "end_session_url"
                            | "jwks_url"
                            | "token_origin"
                    ))
        })
        .map(|(k, _)| k)
        .collect();
    if raw.introspection.is_some() {
        keys.push("[introspection]");
    }
    if !keys.is_empty() {
        notes.push(format!(
            "not carried (the other tool has no place for them): {}",
            keys.join(", ")
        ));
    }
}

fn grant(raw: &RawProfile) -> &str {
    raw.grant_type.as_deref().unwrap_or("authorization_code")
}

fn basic(raw: &RawProfile) -> bool {
    raw.client_auth.as_deref() != Some("body")
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

/// A Postman v2.1 collection: one request whose `auth` is the profile.
pub fn postman(name: &str, raw: &RawProfile) -> Exported {
    let mut notes = Vec::new();
    let mut list: Vec<Value> = Vec::new();
    let mut kv = |key: &str, value: Value| {
        list.push(json!({"key": key, "value": value, "type": if value.is_string() { "string" } else { "any" }}))
    };
    let g = match grant(raw) {
        "authorization_code" => "authorization_code_with_pkce",
        other => other,
    };
    kv("grant_type", json!(g));
    for (key, value) in [
        ("authUrl", &raw.auth_url),
        ("accessTokenUrl", &raw.token_url),
        ("redirect_uri", &raw.callback_url),
        ("clientId", &raw.client_id),
        ("scope", &raw.scope),
        ("state", &raw.state),
        ("challengeAlgorithm", &raw.code_challenge_method),
        ("code_verifier", &raw.code_verifier),
    ] {
        if let Some(v) = non_empty(value) {
            kv(key, json!(v));
        }
    }
    if let Some(s) = secret(raw, |n| format!("{{{{{n}}}}}"), &mut notes) {
        kv("clientSecret", json!(s));
    }
    kv(
        "client_authentication",
        json!(if basic(raw) { "header" } else { "body" }),
    );
    let params = |map: &std::collections::BTreeMap<String, String>, send_as: &str| -> Value {
        map.iter()
            .map(|(k, v)| json!({"key": k, "value": v, "enabled": true, "send_as": send_as}))
            .collect()
    };
    if !raw.auth_params.is_empty() {
        kv("authRequestParams", params(&raw.auth_params, "request_url"));
    }
    if !raw.token_params.is_empty() {
        kv(
            "tokenRequestParams",
            params(&raw.token_params, "request_body"),
        );
    }
    kv("addTokenTo", json!("header"));
    not_carried(raw, &[], &mut notes);
    let url = non_empty(&raw.issuer)
        .or(non_empty(&raw.auth_url))
        .unwrap_or("");
    let doc = json!({
        "info": {
            "name": name,
            "description": "Exported by tokenbench: the OAuth 2.0 settings of one profile.",
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
        },
        "item": [{
            "name": name,
            "request": {
                "auth": {"type": "oauth2", "oauth2": list},
                "method": "GET",
                "header": [],
                "url": {"raw": url}
            }
        }]
    });
    Exported {
        text: pretty(&doc),
        notes,
    }
}

/// An Insomnia v4 export: a workspace with one request whose `authentication` is the
/// profile. Insomnia has `audience` and `resource` but no other extra parameters.
pub fn insomnia(name: &str, raw: &RawProfile) -> Exported {
    let mut notes = Vec::new();
    let mut auth = Map::new();
    auth.insert("type".into(), json!("oauth2"));
    auth.insert("grantType".into(), json!(grant(raw)));
    for (key, value) in [
        ("authorizationUrl", &raw.auth_url),
        ("accessTokenUrl", &raw.token_url),
        ("redirectUrl", &raw.callback_url),
        ("clientId", &raw.client_id),
        ("scope", &raw.scope),
        ("state", &raw.state),
    ] {
        if let Some(v) = non_empty(value) {
            auth.insert(key.into(), json!(v));
        }
    }
    if let Some(s) = secret(raw, |n| format!("{{{{ _.{n} }}}}"), &mut notes) {
        auth.insert("clientSecret".into(), json!(s));
    }
    auth.insert("credentialsInBody".into(), json!(!basic(raw)));
    auth.insert("usePkce".into(), json!(true));
    auth.insert(
        "pkceMethod".into(),
        json!(raw.code_challenge_method.as_deref().unwrap_or("S256")),
    );
    let mut lost: Vec<String> = Vec::new();
    for (k, v) in &raw.auth_params {
        if matches!(k.as_str(), "audience" | "resource") {
            auth.insert(k.clone(), json!(v));
        } else {
            lost.push(format!("auth_params.{k}"));
        }
    }
    lost.extend(raw.token_params.keys().map(|k| format!("token_params.{k}")));
    if non_empty(&raw.code_verifier).is_some() {
        lost.push("code_verifier".into());
    }
    if !lost.is_empty() {
        notes.push(format!("Insomnia has no place for: {}", lost.join(", ")));
    }
    auth.insert("disabled".into(), json!(false));
    not_carried(raw, &[], &mut notes);
    let url = non_empty(&raw.issuer)
        .or(non_empty(&raw.auth_url))
        .unwrap_or("");
    let doc = json!({
        "_type": "export",
        "__export_format": 4,
        "__export_source": "tokenbench",
        "resources": [
            {"_id": "wrk_tokenbench", "_type": "workspace", "parentId": null, "name": name, "scope": "collection"},
            {"_id": "req_tokenbench", "_type": "request", "parentId": "wrk_tokenbench", "name": name,
             "method": "GET", "url": url, "body": {}, "parameters": [], "headers": [],
             "authentication": Value::Object(auth)}
        ]
    });
    Exported {
        text: pretty(&doc),
        notes,
    }
}

/// A Bruno `collection.bru`: `auth { mode: oauth2 }`, the `auth:oauth2` block and the
/// extra parameters as `additional_params` blocks. Bruno always uses S256 and its own
/// verifier.
pub fn bruno(_name: &str, raw: &RawProfile) -> Exported {
    let mut notes = Vec::new();
    let mut out = String::from("auth {\n  mode: oauth2\n}\n\nauth:oauth2 {\n");
    let line = |out: &mut String, key: &str, value: &str| out.push_str(&bru_entry(key, value));
    line(&mut out, "grant_type", grant(raw));
    for (key, value) in [
        ("callback_url", &raw.callback_url),
        ("authorization_url", &raw.auth_url),
        ("access_token_url", &raw.token_url),
        ("client_id", &raw.client_id),
    ] {
        if let Some(v) = non_empty(value) {
            line(&mut out, key, v);
        }
    }
    if let Some(s) = secret(raw, |n| format!("{{{{process.env.{n}}}}}"), &mut notes) {
        line(&mut out, "client_secret", &s);
    }
    for (key, value) in [("scope", &raw.scope), ("state", &raw.state)] {
        if let Some(v) = non_empty(value) {
            line(&mut out, key, v);
        }
    }
    line(&mut out, "pkce", "true");
    line(
        &mut out,
        "credentials_placement",
        if basic(raw) {
            "basic_auth_header"
        } else {
            "body"
        },
    );
    out.push_str("}\n");
    for (block, map) in [
        ("auth_req:queryparams", &raw.auth_params),
        ("access_token_req:body", &raw.token_params),
    ] {
        if map.is_empty() {
            continue;
        }
        out.push_str(&format!("\nauth:oauth2:additional_params:{block} {{\n"));
        for (k, v) in map {
            out.push_str(&bru_entry(k, v));
        }
        out.push_str("}\n");
    }
    let mut lost = Vec::new();
    if raw.code_challenge_method.as_deref() == Some("plain") {
        lost.push("code_challenge_method = plain (Bruno always uses S256)");
    }
    if non_empty(&raw.code_verifier).is_some() {
        lost.push("code_verifier (Bruno makes its own)");
    }
    if !lost.is_empty() {
        notes.push(format!("Bruno has no place for: {}", lost.join(", ")));
    }
    not_carried(raw, &[], &mut notes);
    Exported { text: out, notes }
}

/// `  key: value`, the key quoted when it holds what would end it, a multi-line value in
/// `'''`.
fn bru_entry(key: &str, value: &str) -> String {
    let key = if key.contains([':', ' ', '~', '{', '}']) || key.starts_with('"') {
        format!("\"{}\"", key.replace('"', ""))
    } else {
        key.to_owned()
    };
    if value.contains('\n') || value == "'''" {
        let body: Vec<String> = value.lines().map(|l| format!("    {l}")).collect();
        format!("  {key}: '''\n{}\n  '''\n", body.join("\n"))
    } else {
        format!("  {key}: {value}\n")
    }
}

fn pretty(doc: &Value) -> String {
    // Bidi controls escaped as JSON escapes: the text stays exact JSON and safe to print.
    let mut text = crate::oauth::text::to_json_pretty_safe(doc);
    text.push('\n');
    text
}
