//! Which format an input is, decided by its content (never by its file name).

use serde_json::Value;

use super::mapping::Draft;
use super::vars::Vars;
use super::{bruno, insomnia, postman};

/// What is tried, in this order; the error for an unknown input lists it.
pub const TRIED: &str = "Postman collection v2.1 / v2.0 (JSON with info.schema), Insomnia export v4 (JSON with \"__export_format\": 4), Insomnia v5 (YAML with type: collection.insomnia.rest/5.0), Bruno (a collection directory, or a .bru file with an auth:oauth2 block)";

/// One input, read.
#[derive(Debug, Clone)]
pub enum Input {
    /// A file's text.
    Text { file: String, text: String },
    /// A Bruno collection directory: its name and its files.
    Collection {
        file: String,
        name: String,
        files: Vec<bruno::File>,
    },
}

impl Input {
    pub fn file(&self) -> &str {
        match self {
            Input::Text { file, .. } | Input::Collection { file, .. } => file,
        }
    }
}

/// What an input holds for the importer.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub format: &'static str,
    pub drafts: Vec<Draft>,
    pub vars: Vars,
    pub environment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {why}")]
pub struct NotRecognised {
    pub file: String,
    pub why: String,
}

fn not_recognised(file: &str, why: impl Into<String>) -> NotRecognised {
    NotRecognised {
        file: file.to_owned(),
        why: why.into(),
    }
}

pub fn detect(input: &Input) -> Result<Found, NotRecognised> {
    match input {
        Input::Collection { file, name, files } => {
            let has_bru = files.iter().any(|f| f.path.ends_with(".bru"));
            let has_json = files.iter().any(|f| f.path == "bruno.json");
            if !has_bru && !has_json {
                return Err(not_recognised(
                    file,
                    format!("a directory without bruno.json or .bru files is not a Bruno collection; tried: {TRIED}"),
                ));
            }
            let p = bruno::read_collection(name, files);
            Ok(Found {
                format: "bruno",
                drafts: p.drafts,
                vars: p.vars,
                environment: p.environment,
            })
        }
        Input::Text { file, text } => detect_text(file, text),
    }
}

fn detect_text(file: &str, text: &str) -> Result<Found, NotRecognised> {
    if let Ok(doc) = serde_json::from_str::<Value>(text) {
        if let Some(format) = postman::version(&doc) {
            let p = postman::read(&doc, file, format);
            return Ok(Found {
                format: p.format,
                drafts: p.drafts,
                vars: p.vars,
                environment: None,
            });
        }
        if insomnia::is_v4(&doc) {
            let p = insomnia::read_v4(&doc, file);
            return Ok(insomnia_found(p));
        }
        if postman::environment(&doc).is_some() {
            return Err(not_recognised(
                file,
                "is a Postman environment, not a collection: give it with --env",
            ));
        }
        return Err(not_recognised(
            file,
            format!("JSON, but not a collection this importer knows; tried: {TRIED}"),
        ));
    }
    if insomnia::looks_like_v5(text) {
        match serde_norway::from_str::<Value>(text) {
            Ok(doc) if insomnia::is_v5(&doc) => {
                return Ok(insomnia_found(insomnia::read_v5(&doc, file)));
            }
            Ok(_) => {}
            Err(e) => {
                return Err(not_recognised(
                    file,
                    format!("names collection.insomnia.rest/5.0 but is not valid YAML: {e}"),
                ))
            }
        }
    }
    if bruno::has_oauth2_block(text) {
        let p = bruno::read_file(&stem(file), file, text);
        return Ok(Found {
            format: "bruno",
            drafts: p.drafts,
            ..Found::default()
        });
    }
    Err(not_recognised(
        file,
        format!("not a recognised format; tried: {TRIED}"),
    ))
}

fn insomnia_found(p: insomnia::Parsed) -> Found {
    Found {
        format: p.format,
        drafts: p.drafts,
        vars: p.vars,
        environment: p.environment,
    }
}

/// The file name without directories and extension, for a lone `.bru` file's name.
fn stem(file: &str) -> String {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    name.split('.').next().unwrap_or(name).to_owned()
}

/// An environment for `--env`: a Postman environment (JSON) or a Bruno environment
/// (`vars { … }`). Its name and variables.
pub fn environment(file: &str, text: &str) -> Result<(String, Vars), NotRecognised> {
    if let Ok(doc) = serde_json::from_str::<Value>(text) {
        return postman::environment(&doc).ok_or_else(|| {
            not_recognised(
                file,
                "is JSON but not a Postman environment (`values: [{key, value}]`)",
            )
        });
    }
    let vars = bruno::environment(text);
    if vars.is_empty() {
        return Err(not_recognised(
            file,
            "is neither a Postman environment (JSON) nor a Bruno environment (vars { … })",
        ));
    }
    Ok((stem(file), vars))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text(t: &str) -> Input {
        Input::Text {
            file: "in".into(),
            text: t.into(),
        }
    }

    #[test]
    fn unknown_input_says_what_was_tried() {
        for t in ["{}", "hello", "type: something/else\n", "[1,2]"] {
            let e = detect(&text(t)).unwrap_err();
            assert!(
                e.why.contains("tried:") || e.why.contains("Postman"),
                "{t}: {e}"
            );
        }
        let env = r#"{"name": "dev", "values": [], "_postman_variable_scope": "environment"}"#;
        assert!(detect(&text(env)).unwrap_err().why.contains("--env"));
    }

    proptest! {
        // Every reader gets arbitrary text: it may refuse, never panic.
        #[test]
        fn any_text_is_refused_or_read(t in "(?s).{0,300}") {
            let _ = detect(&text(&t));
            let _ = environment("e", &t);
        }

        #[test]
        fn shaped_json_is_refused_or_read(
            grant in "[a-z_]{0,30}", key in "[a-zA-Z_]{0,12}", v in ".{0,20}", nested in 0usize..70
        ) {
            let item = format!(r#"{{"name":"r","request":{{"auth":{{"type":"oauth2","oauth2":[{{"key":"grant_type","value":"{grant}"}},{{"key":{k},"value":{v}}}]}}}}}}"#,
                k = serde_json::to_string(&key).unwrap(), v = serde_json::to_string(&v).unwrap());
            let mut items = item.clone();
            for _ in 0..nested { items = format!(r#"{{"name":"f","item":[{items}]}}"#); }
            let postman = format!(r#"{{"info":{{"name":"c","schema":"https://schema.getpostman.com/json/collection/v2.1.0/collection.json"}},"item":[{items}]}}"#);
            let _ = detect(&text(&postman));
            let insomnia = format!(r#"{{"_type":"export","__export_format":4,"resources":[{{"_id":"a","_type":"request","parentId":"a","authentication":{{"type":"oauth2","grantType":"{grant}",{k}:{v}}}}}]}}"#,
                k = serde_json::to_string(&key).unwrap(), v = serde_json::to_string(&v).unwrap());
            let _ = detect(&text(&insomnia));
            let yaml = format!("type: collection.insomnia.rest/5.0\nname: x\ncollection:\n  - name: r\n    authentication:\n      type: oauth2\n      grantType: {grant}\n      {key}: {v:?}\n");
            let _ = detect(&text(&yaml));
        }
    }
}
