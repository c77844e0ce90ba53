//! Bruno collections: a directory with `bruno.json` (the collection's name),
//! `collection.bru` and `folder.bru` files (`auth { mode: oauth2 }`), request files
//! (`get { … auth: oauth2 }`, or `auth: inherit`), each with its `auth:oauth2 { … }` block
//! and the `auth:oauth2:additional_params:…` blocks; `environments/*.bru` hold `vars { … }`.

use std::collections::BTreeMap;

use super::bru::{self, Block};
use super::mapping::{Draft, Entry, Source, Target};
use super::vars::Vars;

/// One file of the collection, by its path inside the directory (`/`-separated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub path: String,
    pub text: String,
}

#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub drafts: Vec<Draft>,
    pub vars: Vars,
    pub environment: Option<String>,
}

const METHODS: [&str; 9] = [
    "get", "post", "put", "delete", "patch", "options", "head", "connect", "trace",
];

/// A collection directory. `name` is the collection's name (from `bruno.json`, else the
/// directory's). The first environment (by file name) supplies `{{var}}`.
pub fn read_collection(name: &str, files: &[File]) -> Parsed {
    let mut parsed = Parsed::default();
    let mut sorted: Vec<&File> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    // Folder names from folder.bru `meta { name }`, else the directory's own.
    let folder_names: BTreeMap<&str, String> = sorted
        .iter()
        .filter_map(|f| {
            let dir = f.path.strip_suffix("/folder.bru")?;
            let blocks = bru::parse(&f.text);
            let meta = bru::block(&blocks, "meta").and_then(|m| m.get("name"));
            Some((
                dir,
                meta.map(str::to_owned)
                    .unwrap_or_else(|| last(dir).to_owned()),
            ))
        })
        .collect();
    let folder_path = |dir: &str| -> Vec<String> {
        let mut path = vec![name.to_owned()];
        let mut at = String::new();
        for part in dir.split('/').filter(|p| !p.is_empty()) {
            at = if at.is_empty() {
                part.to_owned()
            } else {
                format!("{at}/{part}")
            };
            path.push(
                folder_names
                    .get(at.as_str())
                    .cloned()
                    .unwrap_or_else(|| part.to_owned()),
            );
        }
        path
    };
    for file in &sorted {
        if let Some(env) = file.path.strip_prefix("environments/") {
            if parsed.environment.is_none() && env.ends_with(".bru") && !env.contains('/') {
                parsed.vars = environment(&file.text);
                parsed.environment = Some(env.trim_end_matches(".bru").to_owned());
            }
            continue;
        }
        if !file.path.ends_with(".bru") {
            continue;
        }
        let blocks = bru::parse(&file.text);
        let (dir, stem) = match file.path.rsplit_once('/') {
            Some((d, s)) => (d, s),
            None => ("", file.path.as_str()),
        };
        let (path, oauth2) = match stem {
            "collection.bru" if dir.is_empty() => (vec![name.to_owned()], mode_is_oauth2(&blocks)),
            "folder.bru" => (folder_path(dir), mode_is_oauth2(&blocks)),
            _ => {
                let mut path = folder_path(dir);
                let request = bru::block(&blocks, "meta").and_then(|m| m.get("name"));
                path.push(request.unwrap_or(stem.trim_end_matches(".bru")).to_owned());
                let auth = METHODS
                    .iter()
                    .find_map(|m| bru::block(&blocks, m))
                    .and_then(|b| b.get("auth"));
                (path, auth == Some("oauth2"))
            }
        };
        if oauth2 {
            if let Some(d) = draft(&blocks, &file.path, path) {
                parsed.drafts.push(d);
            }
        }
    }
    parsed
}

/// One `.bru` file on its own (a `collection.bru`, or what `export --to bruno` prints):
/// its `auth:oauth2` block, named after `name`.
pub fn read_file(name: &str, file: &str, text: &str) -> Parsed {
    let blocks = bru::parse(text);
    Parsed {
        drafts: draft(&blocks, file, vec![name.to_owned()])
            .into_iter()
            .collect(),
        ..Parsed::default()
    }
}

/// Whether `text` holds Bruno's OAuth 2.0 block.
pub fn has_oauth2_block(text: &str) -> bool {
    bru::block(&bru::parse(text), "auth:oauth2").is_some()
}

/// `vars { name: value }` of an environment file (`vars:secret [ … ]` has no values).
pub fn environment(text: &str) -> Vars {
    let mut vars = Vars::new();
    if let Some(b) = bru::block(&bru::parse(text), "vars") {
        for p in b.pairs.iter().filter(|p| p.enabled) {
            vars.set(&p.key, &p.value);
        }
    }
    vars
}

fn last(dir: &str) -> &str {
    dir.rsplit('/').next().unwrap_or(dir)
}

fn mode_is_oauth2(blocks: &[Block]) -> bool {
    bru::block(blocks, "auth").and_then(|b| b.get("mode")) == Some("oauth2")
}

fn draft(blocks: &[Block], file: &str, path: Vec<String>) -> Option<Draft> {
    let auth = bru::block(blocks, "auth:oauth2")?;
    let mut d = Draft {
        source: Source {
            file: file.to_owned(),
            path,
            location: "auth:oauth2".to_owned(),
        },
        ..Draft::default()
    };
    for p in &auth.pairs {
        if p.value.trim().is_empty() {
            continue;
        }
        if !p.enabled {
            d.entries
                .push(Entry::dropped(p.key.as_str(), "disabled in the source (~)"));
            continue;
        }
        let target = match p.key.as_str() {
            "grant_type" => {
                d.grant = Some(p.value.clone());
                continue;
            }
            "pkce" => {
                d.pkce = Some(p.value == "true");
                continue;
            }
            "callback_url" => Target::Key("callback_url"),
            "authorization_url" => Target::Key("auth_url"),
            "access_token_url" => Target::Key("token_url"),
            "client_id" => Target::Key("client_id"),
            "client_secret" => Target::Key("client_secret"),
            "scope" => Target::Key("scope"),
            "state" => Target::Key("state"),
            "credentials_placement" => {
                let auth = match p.value.as_str() {
                    "body" => "body",
                    "basic_auth_header" => "basic",
                    other => {
                        d.entries.push(Entry::dropped(
                            "credentials_placement",
                            format!("{other:?} is not \"body\" or \"basic_auth_header\""),
                        ));
                        continue;
                    }
                };
                d.entries.push(Entry::new("credentials_placement", auth, Target::Key("client_auth")));
                continue;
            }
            "refresh_token_url" => Target::Dropped("tokenbench refreshes at the token endpoint (token_url)".into()),
            "token_placement" | "token_header_prefix" | "token_query_key" => Target::Dropped(
                "says how Bruno attaches the token to API requests; tokenbench does not send API requests".into(),
            ),
            "auto_fetch_token" | "auto_refresh_token" => Target::Dropped(
                "tokenbench fetches and refreshes when asked (run, token, refresh)".into(),
            ),
            "credentials_id" => Target::Dropped("names a token in Bruno's store; tokenbench keeps no token names".into()),
            "username" | "password" => Target::Dropped("password grant data is never imported".into()),
            _ => Target::Dropped("has no tokenbench equivalent".into()),
        };
        match target {
            Target::Dropped(why) => d.entries.push(Entry::dropped(p.key.as_str(), why)),
            t => d
                .entries
                .push(Entry::new(p.key.as_str(), p.value.as_str(), t)),
        }
    }
    additional_params(blocks, &mut d.entries);
    Some(d)
}

/// `auth:oauth2:additional_params:{auth_req|access_token_req|refresh_token_req}:{headers|queryparams|body}`.
fn additional_params(blocks: &[Block], out: &mut Vec<Entry>) {
    const PREFIX: &str = "auth:oauth2:additional_params:";
    for b in blocks {
        let Some(which) = b.name.strip_prefix(PREFIX) else {
            continue;
        };
        for p in &b.pairs {
            let from = format!("{which}.{}", p.key);
            if !p.enabled {
                out.push(Entry::dropped(from, "disabled in the source (~)"));
                continue;
            }
            let target = match which {
                "auth_req:queryparams" => Target::AuthParam(p.key.clone()),
                "access_token_req:body" => Target::TokenParam(p.key.clone()),
                "refresh_token_req:headers" | "refresh_token_req:queryparams" | "refresh_token_req:body" => {
                    Target::Dropped("tokenbench's refresh sends only the refresh token, client and scope".into())
                }
                _ => Target::Dropped(
                    "a profile's extra parameters go in the authorization URL or the token request body".into(),
                ),
            };
            match target {
                Target::Dropped(why) => out.push(Entry::dropped(from, why)),
                t => out.push(Entry::new(from, p.value.as_str(), t)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // Hostile collections: any paths and texts read without panicking.
        #[test]
        fn any_collection_reads_without_panicking(
            files in proptest::collection::vec(("[a-z/.]{0,20}(folder|collection)?\\.bru", "(?s).{0,200}"), 0..6)
        ) {
            let files: Vec<File> = files.into_iter().map(|(path, text)| File { path, text }).collect();
            let _ = read_collection("c", &files);
            for f in &files {
                let _ = read_file("c", &f.path, &f.text);
            }
        }
    }

    fn f(path: &str, text: &str) -> File {
        File {
            path: path.into(),
            text: text.into(),
        }
    }

    #[test]
    fn folders_requests_and_inherit() {
        let files = [
            f("collection.bru", "auth {\n  mode: none\n}\n"),
            f("users/folder.bru", "meta {\n  name: Users\n}\n\nauth {\n  mode: oauth2\n}\n\nauth:oauth2 {\n  grant_type: authorization_code\n  client_id: {{cid}}\n  pkce: true\n}\n"),
            f("users/get.bru", "meta {\n  name: Get\n}\n\nget {\n  url: x\n  auth: inherit\n}\n"),
            f("users/admin/own.bru", "meta {\n  name: Own\n}\n\nget {\n  auth: oauth2\n}\n\nauth:oauth2 {\n  grant_type: client_credentials\n  ~scope: x\n}\n\nauth:oauth2:additional_params:access_token_req:body {\n  audience: api\n}\n"),
            f("environments/dev.bru", "vars {\n  cid: app\n}\n"),
        ];
        let p = read_collection("Coll", &files);
        assert_eq!(p.drafts.len(), 2);
        assert_eq!(p.drafts[0].source.path, ["Coll", "Users", "admin", "Own"]);
        assert!(p.drafts[0].entries.contains(&Entry::new(
            "access_token_req:body.audience",
            "api",
            Target::TokenParam("audience".into())
        )));
        assert_eq!(p.drafts[1].source.path, ["Coll", "Users"]);
        assert_eq!(p.drafts[1].pkce, Some(true));
        assert_eq!(p.vars.resolve("{{cid}}").0, "app");
        assert_eq!(p.environment.as_deref(), Some("dev"));
    }
}
