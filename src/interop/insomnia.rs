//! Insomnia exports: v4 (`{"_type": "export", "__export_format": 4, "resources": […]}`, a
//! flat list of workspaces, folders (`request_group`), requests and environments linked by
//! `parentId`) and v5 (`type: collection.insomnia.rest/5.0` YAML, folders with `children`).
//! `authentication` sits on requests and folders; `{{ _.var }}` comes from the export's
//! environments (the base environment, then its first sub-environment).

use std::collections::HashMap;

use serde_json::Value;

use super::mapping::{Draft, Entry, Source, Target};
use super::postman::scalar;
use super::vars::Vars;

const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub format: &'static str,
    pub drafts: Vec<Draft>,
    pub vars: Vars,
    /// The environments whose variables are used, by name.
    pub environment: Option<String>,
}

pub fn is_v4(doc: &Value) -> bool {
    doc.get("_type").and_then(Value::as_str) == Some("export")
        && doc.get("__export_format").and_then(Value::as_u64) == Some(4)
        && doc.get("resources").is_some_and(Value::is_array)
}

/// The v5 marker, checked on the text before the YAML is parsed.
pub fn looks_like_v5(text: &str) -> bool {
    text.contains("collection.insomnia.rest/5")
}

pub fn is_v5(doc: &Value) -> bool {
    doc.get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.starts_with("collection.insomnia.rest/5"))
}

pub fn read_v4(doc: &Value, file: &str) -> Parsed {
    let resources: Vec<&Value> = doc
        .get("resources")
        .and_then(Value::as_array)
        .map(|r| r.iter().collect())
        .unwrap_or_default();
    let by_id: HashMap<&str, &Value> = resources
        .iter()
        .filter_map(|r| Some((r.get("_id")?.as_str()?, *r)))
        .collect();
    let mut parsed = Parsed {
        format: "insomnia-v4",
        ..Parsed::default()
    };
    for (i, r) in resources.iter().enumerate() {
        let kind = r.get("_type").and_then(Value::as_str).unwrap_or("");
        if !matches!(kind, "request" | "request_group") {
            continue;
        }
        if let Some(auth) = r.get("authentication") {
            let path = v4_path(r, &by_id);
            push(
                &mut parsed.drafts,
                auth,
                file,
                path,
                format!("resources[{i}].authentication"),
            );
        }
    }
    // The base environment hangs off the workspace; sub-environments off the base.
    let envs: Vec<&Value> = resources
        .iter()
        .copied()
        .filter(|r| r.get("_type").and_then(Value::as_str) == Some("environment"))
        .collect();
    let is_base = |e: &&&Value| {
        let parent = e.get("parentId").and_then(Value::as_str).unwrap_or("");
        by_id
            .get(parent)
            .is_none_or(|p| p.get("_type").and_then(Value::as_str) == Some("workspace"))
    };
    if let Some(base) = envs.iter().find(is_base) {
        let mut names = vec![name_of(base)];
        flatten(
            &mut parsed.vars,
            "",
            base.get("data").unwrap_or(&Value::Null),
            0,
        );
        let base_id = base.get("_id").and_then(Value::as_str).unwrap_or("");
        if let Some(sub) = envs
            .iter()
            .find(|e| e.get("parentId").and_then(Value::as_str) == Some(base_id))
        {
            names.push(name_of(sub));
            flatten(
                &mut parsed.vars,
                "",
                sub.get("data").unwrap_or(&Value::Null),
                0,
            );
        }
        parsed.environment = Some(names.join(" + "));
    }
    parsed
}

fn name_of(v: &Value) -> String {
    v.get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

/// Workspace / folders / request, following `parentId` (a cycle stops at the limit).
fn v4_path(r: &Value, by_id: &HashMap<&str, &Value>) -> Vec<String> {
    let mut path = vec![name_of(r)];
    let mut at = r;
    for _ in 0..MAX_DEPTH {
        let Some(parent) = at
            .get("parentId")
            .and_then(Value::as_str)
            .and_then(|p| by_id.get(p))
        else {
            break;
        };
        path.push(name_of(parent));
        at = parent;
    }
    path.reverse();
    path
}

pub fn read_v5(doc: &Value, file: &str) -> Parsed {
    let mut parsed = Parsed {
        format: "insomnia-v5",
        ..Parsed::default()
    };
    let root = vec![name_of(doc)];
    if let Some(items) = doc.get("collection").and_then(Value::as_array) {
        walk_v5(&mut parsed.drafts, items, file, &root, "collection", 0);
    }
    if let Some(env) = doc.get("environments") {
        let mut names = vec![name_of(env)];
        flatten(
            &mut parsed.vars,
            "",
            env.get("data").unwrap_or(&Value::Null),
            0,
        );
        if let Some(sub) = env
            .get("subEnvironments")
            .and_then(Value::as_array)
            .and_then(|s| s.first())
        {
            names.push(name_of(sub));
            flatten(
                &mut parsed.vars,
                "",
                sub.get("data").unwrap_or(&Value::Null),
                0,
            );
        }
        parsed.environment = Some(names.join(" + "));
    }
    parsed
}

fn walk_v5(
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
        let mut path = path.to_vec();
        path.push(name_of(item));
        if let Some(auth) = item.get("authentication") {
            push(
                out,
                auth,
                file,
                path.clone(),
                format!("{here}.authentication"),
            );
        }
        if let Some(children) = item.get("children").and_then(Value::as_array) {
            walk_v5(
                out,
                children,
                file,
                &path,
                &format!("{here}.children"),
                depth + 1,
            );
        }
    }
}

/// Environment data is a tree: `{"a": {"b": 1}}` is `{{ _.a.b }}`.
fn flatten(vars: &mut Vars, prefix: &str, data: &Value, depth: usize) {
    let Some(map) = data.as_object() else {
        return;
    };
    for (k, v) in map {
        let name = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Object(_) if depth < MAX_DEPTH => flatten(vars, &name, v, depth + 1),
            other => vars.set(&name, &scalar(other)),
        }
    }
}

fn push(out: &mut Vec<Draft>, auth: &Value, file: &str, path: Vec<String>, location: String) {
    if auth.get("type").and_then(Value::as_str) != Some("oauth2") {
        return;
    }
    let Some(map) = auth.as_object() else {
        return;
    };
    let mut draft = Draft {
        source: Source {
            file: file.to_owned(),
            path,
            location,
        },
        disabled: auth.get("disabled").and_then(Value::as_bool) == Some(true),
        ..Draft::default()
    };
    for (name, value) in map {
        let text = scalar(value);
        let target = match name.as_str() {
            "type" | "disabled" => continue,
            "grantType" => {
                draft.grant = Some(text);
                continue;
            }
            "usePkce" => {
                draft.pkce = value.as_bool();
                continue;
            }
            "authorizationUrl" => Target::Key("auth_url"),
            "accessTokenUrl" => Target::Key("token_url"),
            "redirectUrl" => Target::Key("callback_url"),
            "clientId" => Target::Key("client_id"),
            "clientSecret" => Target::Key("client_secret"),
            "scope" => Target::Key("scope"),
            "state" => Target::Key("state"),
            "pkceMethod" => Target::Key("code_challenge_method"),
            "audience" | "resource" => Target::AuthParam(name.clone()),
            "credentialsInBody" => {
                let auth = if value.as_bool() == Some(true) { "body" } else { "basic" };
                draft.entries.push(Entry::new(name.as_str(), auth, Target::Key("client_auth")));
                continue;
            }
            "origin" => Target::Dropped(
                "tokenbench decides the token request's Origin header with token_origin (auto: only when Entra asks for it)".into(),
            ),
            "tokenPrefix" => Target::Dropped(
                "says how Insomnia attaches the token to API requests; tokenbench does not send API requests".into(),
            ),
            "responseType" => Target::Dropped("tokenbench always asks for `code`".into()),
            "username" | "password" => Target::Dropped("password grant data is never imported".into()),
            "accessToken" | "refreshToken" | "identityToken" => {
                Target::Dropped("a token Insomnia obtained; tokenbench gets its own".into())
            }
            _ => Target::Dropped("has no tokenbench equivalent".into()),
        };
        let empty = match value {
            Value::Bool(_) | Value::Number(_) => false,
            _ => text.trim().is_empty(),
        };
        if empty {
            continue;
        }
        match target {
            Target::Dropped(why) => draft.entries.push(Entry::dropped(name.as_str(), why)),
            t => draft.entries.push(Entry::new(name.as_str(), text, t)),
        }
    }
    out.push(draft);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn v4_paths_follow_parents_and_environments_merge() {
        let doc = json!({"_type": "export", "__export_format": 4, "resources": [
            {"_id": "wrk_1", "_type": "workspace", "name": "W"},
            {"_id": "fld_1", "_type": "request_group", "parentId": "wrk_1", "name": "F"},
            {"_id": "req_1", "_type": "request", "parentId": "fld_1", "name": "R",
             "authentication": {"type": "oauth2", "grantType": "authorization_code", "clientId": "{{ _.cid }}", "usePkce": true, "credentialsInBody": true}},
            {"_id": "env_1", "_type": "environment", "parentId": "wrk_1", "name": "Base", "data": {"cid": "base", "o": {"host": "h"}}},
            {"_id": "env_2", "_type": "environment", "parentId": "env_1", "name": "Dev", "data": {"cid": "dev"}},
            {"_id": "cyc", "_type": "request", "parentId": "cyc", "name": "loop", "authentication": {"type": "oauth2"}}
        ]});
        assert!(is_v4(&doc));
        let p = read_v4(&doc, "x.json");
        assert_eq!(p.drafts[0].source.path, ["W", "F", "R"]);
        assert_eq!(p.drafts[0].pkce, Some(true));
        assert!(p.drafts[0].entries.contains(&Entry::new(
            "credentialsInBody",
            "body",
            Target::Key("client_auth")
        )));
        assert_eq!(p.vars.resolve("{{ _.cid }} {{ _.o.host }}").0, "dev h");
        assert_eq!(p.environment.as_deref(), Some("Base + Dev"));
        assert_eq!(p.drafts[1].source.path.len(), MAX_DEPTH + 1);
    }
}
