//! `tokenbench export`: what each format prints, read back as structured data (JSON, the
//! Bruno blocks, the shell words of the curl script), and where the secret goes.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;
use tokenbench::interop::bru;

const PROFILE: &str = r#"name = "Shop (dev)"
grant_type = "authorization_code"
callback_url = "http://127.0.0.1:8765/callback"
auth_url = "https://sso.example/authorize"
token_url = "https://sso.example/token"
client_id = "shop web"
client_secret = "s3cret-'$(touch pwned)'"
client_auth = "basic"
code_challenge_method = "S256"
scope = "openid orders:read"

[auth_params]
audience = "https://api.example"
prompt = "consent"

[token_params]
resource = "https://api.example"
"#;

fn export(dir: &Path, profile: &str, to: &str) -> (Option<i32>, String, String) {
    let path = dir.join("shop.toml");
    std::fs::write(&path, profile).unwrap();
    let out = Command::cargo_bin("tokenbench")
        .unwrap()
        .args([
            "export",
            "--profile",
            &path.display().to_string(),
            "--to",
            to,
        ])
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn oauth2_list(doc: &Value) -> Vec<(String, Value)> {
    doc["item"][0]["request"]["auth"]["oauth2"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["key"].as_str().unwrap().to_owned(), e["value"].clone()))
        .collect()
}

#[test]
fn postman_collection_with_one_request() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = export(dir.path(), PROFILE, "postman");
    assert_eq!(code, Some(0), "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        doc["info"]["schema"],
        "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
    );
    assert_eq!(doc["item"].as_array().unwrap().len(), 1);
    assert_eq!(doc["item"][0]["request"]["auth"]["type"], "oauth2");
    let list = oauth2_list(&doc);
    let get = |k: &str| {
        list.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(get("grant_type"), "authorization_code_with_pkce");
    assert_eq!(get("authUrl"), "https://sso.example/authorize");
    assert_eq!(get("clientId"), "shop web");
    assert_eq!(get("client_authentication"), "header");
    assert_eq!(get("authRequestParams")[0]["key"], "audience");
    assert_eq!(get("tokenRequestParams")[0]["send_as"], "request_body");
    assert!(err.contains("literal client secret"), "{err}");
}

#[test]
fn insomnia_v4_export() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = export(dir.path(), PROFILE, "insomnia");
    assert_eq!(code, Some(0), "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["_type"], "export");
    assert_eq!(doc["__export_format"], 4);
    let request = doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["_type"] == "request")
        .unwrap();
    let auth = &request["authentication"];
    assert_eq!(auth["type"], "oauth2");
    assert_eq!(auth["usePkce"], true);
    assert_eq!(auth["pkceMethod"], "S256");
    assert_eq!(auth["credentialsInBody"], false);
    assert_eq!(auth["audience"], "https://api.example");
    assert!(
        err.contains("auth_params.prompt") && err.contains("token_params.resource"),
        "{err}"
    );
}

#[test]
fn bruno_collection_auth_block() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = export(dir.path(), PROFILE, "bruno");
    assert_eq!(code, Some(0));
    let blocks = bru::parse(&out);
    assert_eq!(
        bru::block(&blocks, "auth").unwrap().get("mode"),
        Some("oauth2")
    );
    let auth = bru::block(&blocks, "auth:oauth2").unwrap();
    assert_eq!(auth.get("grant_type"), Some("authorization_code"));
    assert_eq!(auth.get("pkce"), Some("true"));
    assert_eq!(auth.get("credentials_placement"), Some("basic_auth_header"));
    assert_eq!(auth.get("client_id"), Some("shop web"));
    let q = bru::block(
        &blocks,
        "auth:oauth2:additional_params:auth_req:queryparams",
    )
    .unwrap();
    assert_eq!(q.get("prompt"), Some("consent"));
    let b = bru::block(
        &blocks,
        "auth:oauth2:additional_params:access_token_req:body",
    )
    .unwrap();
    assert_eq!(b.get("resource"), Some("https://api.example"));
}

#[test]
fn curl_script_quotes_every_value_and_keeps_the_secret_out() {
    let dir = tempfile::tempdir().unwrap();
    let (code, script, err) = export(dir.path(), PROFILE, "curl");
    assert_eq!(code, Some(0), "{err}");
    assert!(!script.contains("s3cret"), "{script}");
    assert!(script.contains("\"$TOKENBENCH_CLIENT_SECRET\""), "{script}");
    assert!(err.contains("TOKENBENCH_CLIENT_SECRET"), "{err}");
    // The shell reads it without error, and every word is what the profile says.
    let check = std::process::Command::new("sh")
        .arg("-n")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let words: Vec<String> = script
        .lines()
        .flat_map(|l| shell_words::split(l.trim_end_matches('\\')).unwrap_or_default())
        .collect();
    assert!(
        words.contains(&"https://sso.example/token".to_owned()),
        "{words:?}"
    );
    assert!(
        words.contains(&"redirect_uri=http://127.0.0.1:8765/callback".to_owned()),
        "{words:?}"
    );
    assert!(
        words.contains(&"resource=https://api.example".to_owned()),
        "{words:?}"
    );
    let url = words
        .iter()
        .find(|w| w.starts_with("https://sso.example/authorize?"))
        .unwrap();
    let parsed = url::Url::parse(url).unwrap();
    let q: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
    assert!(
        q.contains(&("client_id".into(), "shop web".into())),
        "{q:?}"
    );
    assert!(
        q.contains(&("code_challenge_method".into(), "S256".into())),
        "{q:?}"
    );
    assert!(
        q.contains(&("audience".into(), "https://api.example".into())),
        "{q:?}"
    );
    // Basic: the client id form-encoded before the secret.
    assert!(
        words
            .iter()
            .any(|w| w == "shop+web:$TOKENBENCH_CLIENT_SECRET"),
        "{words:?}"
    );
}

#[test]
fn curl_uses_the_profiles_environment_variable() {
    let dir = tempfile::tempdir().unwrap();
    let profile = PROFILE
        .replace("s3cret-'$(touch pwned)'", "env:SHOP_SECRET")
        .replace("client_auth = \"basic\"", "client_auth = \"body\"");
    let (code, script, _) = export(dir.path(), &profile, "curl");
    assert_eq!(code, Some(0));
    assert!(
        script.contains("--data-urlencode \"client_secret=$SHOP_SECRET\""),
        "{script}"
    );
    assert!(script.contains(": \"${SHOP_SECRET:?"), "{script}");
}

#[test]
fn a_value_that_cannot_be_pasted_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // In the authorization URL a control character is percent-encoded; a form value is
    // quoted as it is, so there it is refused.
    let profile = PROFILE.replace(
        "resource = \"https://api.example\"",
        "resource = \"https://api.example\\u001b[2J\"",
    );
    let (code, out, err) = export(dir.path(), &profile, "curl");
    assert_eq!(code, Some(2), "{out}");
    assert!(out.is_empty());
    assert!(err.contains("token parameter"), "{err}");
}
