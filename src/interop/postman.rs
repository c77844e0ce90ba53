//! Postman collections, v2.1 and v2.0 (`info.schema`), and Postman environment files.
//!
//! `auth` sits on the collection, on folders (`item[]` with `item`) and on requests
//! (`item[].request.auth`); `null` or a missing `auth` inherits, `{"type": "noauth"}` is
//! none. The OAuth 2.0 settings are `{"type": "oauth2", "oauth2": [{key, value, type}…]}`
//! (v2.1) or, in v2.0 exports, an object of key → value. Values may be strings, booleans,
//! arrays (the request parameters) or objects (`audience` as `{"<uuid>": "value"}`).

use serde_json::Value;

use super::mapping::{Draft, Entry, Source, Target};
use super::vars::Vars;

/// Folders deeper than this are not walked (a hostile file's recursion).
const MAX_DEPTH: usize = 64;

/// What a collection holds for the importer.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub format: &'static str,
    pub drafts: Vec<Draft>,
    /// The collection's own `variable` list.
    pub vars: Vars,
}

/// `postman-v2.1` or `postman-v2.0` when `doc` is a Postman collection.
pub fn version(doc: &Value) -> Option<&'static str> {
    let schema = doc.pointer("/info/schema")?.as_str()?;
    if !schema.contains("schema.getpostman.com/json/collection/")
        && !schema.contains("schema.postman.com/json/collection/")
    {
        return None;
    }
    if schema.contains("/v2.1") {
        Some("postman-v2.1")
    } else if schema.contains("/v2.0") {
        Some("postman-v2.0")
    } else {
        None
    }
}

/// A Postman environment file (`values: [{key, value, enabled}]`): its name and variables.
pub fn environment(doc: &Value) -> Option<(String, Vars)> {
    let values = doc.get("values")?.as_array()?;
    let is_env = doc.get("_postman_variable_scope").is_some() || doc.get("name").is_some();
    if !is_env {
        return None;
    }
    let mut vars = Vars::new();
    for v in values {
        if v.get("enabled").and_then(Value::as_bool) == Some(false) {
            continue;
        }
        if let (Some(k), Some(val)) = (v.get("key").and_then(Value::as_str), v.get("value")) {
            vars.set(k, &scalar(val));
        }
    }
    let name = doc
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("environment");
    Some((name.to_owned(), vars))
}

pub fn read(doc: &Value, file: &str, format: &'static str) -> Parsed {
    let name = doc
        .pointer("/info/name")
        .and_then(Value::as_str)
        .unwrap_or("collection")
        .to_owned();
    let mut parsed = Parsed {
        format,
        ..Parsed::default()
    };
    for v in doc
        .get("variable")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if v.get("disabled").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        if let (Some(k), Some(val)) = (v.get("key").and_then(Value::as_str), v.get("value")) {
            parsed.vars.set(k, &scalar(val));
        }
    }
    let path = vec![name];
    if let Some(auth) = doc.get("auth") {
        push(&mut parsed.drafts, auth, file, &path, "auth".to_owned());
    }
    if let Some(items) = doc.get("item").and_then(Value::as_array) {
        walk(&mut parsed.drafts, items, file, &path, "item", 0);
    }
    parsed
}

fn walk(
    out: &mut Vec<Draft>,
    items: &[Value],
    file: &str,
    path: &[String],
    at: &str,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for (i, item) in items.iter().enumerate() {
        let here = format!("{at}[{i}]");
        let name = item
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let mut path = path.to_vec();
        path.push(name);
        if let Some(children) = item.get("item").and_then(Value::as_array) {
            if let Some(auth) = item.get("auth") {
                push(out, auth, file, &path, format!("{here}.auth"));
            }
            walk(
                out,
                children,
                file,
                &path,
                &format!("{here}.item"),
                depth + 1,
            );
        } else if let Some(auth) = item.pointer("/request/auth") {
            push(out, auth, file, &path, format!("{here}.request.auth"));
        }
    }
}

/// Adds a draft when `auth` is an OAuth 2.0 configuration.
fn push(out: &mut Vec<Draft>, auth: &Value, file: &str, path: &[String], location: String) {
    if auth.get("type").and_then(Value::as_str) != Some("oauth2") {
        return;
    }
    let pairs: Vec<(String, Value)> = match auth.get("oauth2") {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(|e| {
                Some((
                    e.get("key")?.as_str()?.to_owned(),
                    e.get("value").cloned().unwrap_or(Value::Null),
                ))
            })
            .collect(),
        Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        _ => Vec::new(),
    };
    let mut draft = Draft {
        source: Source {
            file: file.to_owned(),
            path: path.to_vec(),
            location,
        },
        ..Draft::default()
    };
    for (key, value) in &pairs {
        if key == "grant_type" {
            let g = scalar(value);
            draft.pkce = Some(g != "authorization_code");
            draft.grant = Some(match g.as_str() {
                "authorization_code_with_pkce" => "authorization_code".to_owned(),
                _ => g,
            });
            continue;
        }
        entries(&mut draft.entries, key, value);
    }
    out.push(draft);
}

/// A value as text: strings as they are, booleans and numbers written out, `null` empty;
/// an object (`{"<uuid>": "value"}`) its first non-empty string value.
pub fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Object(map) => map
            .values()
            .map(scalar)
            .find(|s| !s.is_empty())
            .unwrap_or_default(),
        Value::Null | Value::Array(_) => String::new(),
    }
}

fn key(k: &'static str) -> Target {
    Target::Key(k)
}

/// The entries for one key of the `oauth2` list.
fn entries(out: &mut Vec<Entry>, name: &str, value: &Value) {
    let text = scalar(value);
    let empty = match value {
        Value::Array(a) => a.is_empty(),
        Value::Bool(_) | Value::Number(_) => false,
        _ => text.trim().is_empty(),
    };
    if empty {
        return;
    }
    let target = match name {
        "authUrl" => key("auth_url"),
        "accessTokenUrl" => key("token_url"),
        "redirect_uri" => key("callback_url"),
        "clientId" => key("client_id"),
        "clientSecret" => key("client_secret"),
        "scope" => key("scope"),
        // A dynamic variable means "a new one each time", which tokenbench does anyway.
        "state" if text.contains("{{$") => Target::Dropped(
            "a Postman dynamic variable; tokenbench makes a fresh random state for every run".into(),
        ),
        "state" => key("state"),
        "challengeAlgorithm" => key("code_challenge_method"),
        "code_verifier" => key("code_verifier"),
        "client_authentication" => {
            let auth = match text.as_str() {
                "header" => "basic",
                "body" => "body",
                other => {
                    out.push(Entry::dropped(name, format!("{other:?} is not \"header\" or \"body\"")));
                    return;
                }
            };
            out.push(Entry::new(name, auth, key("client_auth")));
            return;
        }
        "audience" | "resource" => Target::AuthParam(name.to_owned()),
        "authRequestParams" => return params(out, name, value, Target::AuthParam),
        "tokenRequestParams" => return params(out, name, value, Target::TokenParam),
        "refreshRequestParams" => Target::Dropped(
            "tokenbench's refresh sends only the refresh token, client and scope".into(),
        ),
        "refreshTokenUrl" => Target::Dropped(
            "tokenbench refreshes at the token endpoint (token_url)".into(),
        ),
        "useBrowser" => Target::Dropped(
            "tokenbench always signs in through the system browser and its loopback callback".into(),
        ),
        "addTokenTo" | "headerPrefix" => Target::Dropped(
            "says how Postman attaches the token to API requests; tokenbench prints tokens, it does not send API requests".into(),
        ),
        "tokenName" => Target::Dropped("names a token in Postman's token list; tokenbench keeps no token names".into()),
        "tokenType" | "accessToken" | "refreshToken" | "id_token" | "available_tokens" => Target::Dropped(
            "a token Postman obtained; tokenbench gets its own".into(),
        ),
        "username" | "password" => Target::Dropped("password grant data is never imported".into()),
        _ => Target::Dropped("has no tokenbench equivalent".into()),
    };
    match target {
        Target::Dropped(why) => out.push(Entry::dropped(name, why)),
        t => out.push(Entry::new(name, text, t)),
    }
}

/// `authRequestParams` / `tokenRequestParams`: `[{key, value, enabled, send_as}]`. Only
/// query parameters of the authorization request and body parameters of the token request
/// have a place in a profile.
fn params(out: &mut Vec<Entry>, list: &str, value: &Value, target: fn(String) -> Target) {
    for p in value.as_array().into_iter().flatten() {
        let Some(k) = p
            .get("key")
            .and_then(Value::as_str)
            .filter(|k| !k.is_empty())
        else {
            continue;
        };
        let from = format!("{list}.{k}");
        if p.get("enabled").and_then(Value::as_bool) == Some(false) {
            out.push(Entry::dropped(from, "disabled in the source"));
            continue;
        }
        let send_as = p.get("send_as").and_then(Value::as_str).unwrap_or("");
        let fits = match list {
            "authRequestParams" => matches!(send_as, "" | "request_url"),
            _ => matches!(send_as, "" | "request_body"),
        };
        if !fits {
            out.push(Entry::dropped(
                from,
                format!("sent as {send_as:?}; a profile's extra parameters go in the authorization URL or the token request body"),
            ));
            continue;
        }
        let v = p.get("value").map(scalar).unwrap_or_default();
        out.push(Entry::new(from, v, target(k.to_owned())));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn v2_0_object_form_and_audience_as_object() {
        let doc = json!({
            "info": {"name": "Old", "schema": "https://schema.getpostman.com/json/collection/v2.0.0/collection.json"},
            "auth": {"type": "oauth2", "oauth2": {"accessTokenUrl": "https://i/token", "audience": {"5b1f": "api://x"}, "grant_type": "authorization_code"}},
            "item": []
        });
        assert_eq!(version(&doc), Some("postman-v2.0"));
        let parsed = read(&doc, "old.json", "postman-v2.0");
        let d = &parsed.drafts[0];
        assert_eq!(d.pkce, Some(false));
        assert!(d.entries.contains(&Entry::new(
            "audience",
            "api://x",
            Target::AuthParam("audience".into())
        )));
        assert!(d.entries.contains(&Entry::new(
            "accessTokenUrl",
            "https://i/token",
            Target::Key("token_url")
        )));
    }

    #[test]
    fn inherited_and_noauth_items_add_nothing() {
        let doc = json!({
            "info": {"name": "C", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
            "item": [
                {"name": "a", "request": {"auth": null}},
                {"name": "b", "request": {"auth": {"type": "noauth"}}},
                {"name": "f", "auth": {"type": "oauth2", "oauth2": []}, "item": [{"name": "c", "request": {}}]}
            ]
        });
        let parsed = read(&doc, "c.json", "postman-v2.1");
        assert_eq!(parsed.drafts.len(), 1);
        assert_eq!(parsed.drafts[0].source.location, "item[2].auth");
        assert_eq!(parsed.drafts[0].source.path, ["C", "f"]);
    }
}
