//! `tokenbench import`: each fixture format through the real binary, asserting on the JSON
//! report and the profile files written (a temporary HOME, so no real configuration is
//! touched).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use tokenbench::profile::{load::parse_raw, RawProfile};

fn fixture(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(rel)
        .display()
        .to_string()
}

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn dest(&self) -> PathBuf {
        self.dir.path().join("imported")
    }

    fn run(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let out = Command::cargo_bin("tokenbench")
            .unwrap()
            .args(args)
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("NO_COLOR", "1")
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// `import ARGS --into <home>/imported --json`: exit code and the report.
    fn import(&self, args: &[&str]) -> (Option<i32>, Value, String) {
        let into = self.dest().display().to_string();
        let mut all: Vec<&str> = vec!["import"];
        all.extend(args);
        all.extend(["--into", &into, "--json"]);
        let (code, stdout, stderr) = self.run(&all);
        let json = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e})\n{stdout}\n--- stderr\n{stderr}"));
        (code, json, stdout + &stderr)
    }

    fn profile(&self, name: &str) -> RawProfile {
        let path = self.dest().join(format!("{name}.toml"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        parse_raw(&path, &text).unwrap()
    }
}

fn profile<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no profile {name} in {report:#}"))
}

fn strings(v: &Value, field: &str) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|e| e[field].as_str().unwrap().to_owned())
        .collect()
}

fn names(report: &Value) -> Vec<String> {
    strings(&report["profiles"], "name")
}

#[test]
fn postman_v2_1_with_an_environment() {
    let home = Home::new();
    let (code, report, all) = home.import(&[
        &fixture("postman/acme-v2.1.json"),
        "--env",
        &fixture("postman/acme.postman_environment.json"),
    ]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["inputs"][0]["format"], "postman-v2.1");
    assert_eq!(report["inputs"][0]["environment"], "Acme dev");
    // The collection's configuration and the identical one on a request: one profile.
    assert_eq!(names(&report), ["acme-api", "acme-api-machines"]);
    let web = profile(&report, "acme-api");
    assert_eq!(
        strings(&web["sources"], "location"),
        ["auth", "item[3].request.auth"]
    );
    assert_eq!(web["grant_type"], "authorization_code");
    let dropped = strings(&web["dropped"], "key");
    for key in [
        "tokenName",
        "refreshTokenUrl",
        "state",
        "useBrowser",
        "addTokenTo",
        "headerPrefix",
        "authRequestParams.login_hint",
        "tokenRequestParams.X-Trace",
    ] {
        assert!(
            dropped.contains(&key.to_owned()),
            "{key} not in {dropped:?}"
        );
    }
    assert_eq!(web["unresolved"][0]["variable"], "extraScope");
    assert_eq!(web["unresolved"][0]["key"], "scope");

    let raw = home.profile("acme-api");
    assert_eq!(
        raw.auth_url.as_deref(),
        Some("https://login.dev.acme.example/oauth2/authorize")
    );
    assert_eq!(raw.client_id.as_deref(), Some("acme-web"));
    assert_eq!(raw.client_secret.as_deref(), Some("dev-secret-Zq81"));
    assert_eq!(raw.client_auth.as_deref(), Some("body"));
    assert_eq!(raw.scope.as_deref(), Some("openid profile {{extraScope}}"));
    assert_eq!(raw.state, None);
    assert_eq!(
        raw.auth_params.get("audience").map(String::as_str),
        Some("https://api.acme.example")
    );
    assert_eq!(
        raw.auth_params.get("prompt").map(String::as_str),
        Some("consent")
    );
    assert!(!raw.auth_params.contains_key("login_hint"));
    assert_eq!(
        raw.token_params.get("resource").map(String::as_str),
        Some("https://api.acme.example")
    );

    // A collection mixing grants: the folder's client credentials are their own profile.
    let machines = home.profile("acme-api-machines");
    assert_eq!(machines.grant_type.as_deref(), Some("client_credentials"));
    assert_eq!(machines.client_auth.as_deref(), Some("basic"));
    assert_eq!(
        machines.token_params.get("audience").map(String::as_str),
        Some("https://jobs.acme.example")
    );
    assert_eq!(machines.client_secret.as_deref(), Some("{{batchSecret}}"));

    let skipped = &report["skipped"][0];
    assert_eq!(skipped["grant_type"], "implicit");
    assert_eq!(
        skipped["source"]["path"],
        serde_json::json!(["Acme API", "Legacy SPA"])
    );
    assert!(skipped["why"].as_str().unwrap().contains("RFC 9700"));

    // The secret is in the 0600 file only.
    assert!(!all.contains("dev-secret-Zq81"), "{all}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for name in ["acme-api", "acme-api-machines"] {
            let mode = std::fs::metadata(home.dest().join(format!("{name}.toml")))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
    }
}

#[test]
fn postman_v2_0_object_form_and_audience_object() {
    let home = Home::new();
    let (code, report, _) = home.import(&[&fixture("postman/legacy-v2.0.json")]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["inputs"][0]["format"], "postman-v2.0");
    let p = profile(&report, "legacy-v2-0-profile");
    assert!(p["notes"][0].as_str().unwrap().contains("did not use PKCE"));
    let dropped = strings(&p["dropped"], "key");
    assert!(
        dropped.contains(&"accessToken".to_owned()) && dropped.contains(&"addTokenTo".to_owned())
    );
    let raw = home.profile("legacy-v2-0-profile");
    assert_eq!(
        raw.auth_params.get("audience").map(String::as_str),
        Some("https://api.legacy.example")
    );
    assert_eq!(
        raw.callback_url.as_deref(),
        Some("http://localhost:3000/callback")
    );
    assert_eq!(raw.scope.as_deref(), Some("openid email"));
    // An access token from the export is never written.
    let text = std::fs::read_to_string(home.dest().join("legacy-v2-0-profile.toml")).unwrap();
    assert!(!text.contains("eyJhbGciOiJub25lIn0"), "{text}");
}

#[test]
fn insomnia_v4_export_with_environments() {
    let home = Home::new();
    let (code, report, _) = home.import(&[&fixture("insomnia/export-v4.json")]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["inputs"][0]["format"], "insomnia-v4");
    assert_eq!(
        report["inputs"][0]["environment"],
        "Base Environment + Staging"
    );
    assert_eq!(names(&report), ["shop-orders-list-orders"]);
    let raw = home.profile("shop-orders-list-orders");
    assert_eq!(
        raw.auth_url.as_deref(),
        Some("https://sso.staging.example/realms/shop/protocol/openid-connect/auth")
    );
    assert_eq!(raw.client_id.as_deref(), Some("shop-web"));
    assert_eq!(raw.client_auth.as_deref(), Some("basic"));
    assert_eq!(raw.code_challenge_method.as_deref(), Some("S256"));
    assert_eq!(
        raw.auth_params.get("audience").map(String::as_str),
        Some("https://orders.example")
    );
    assert_eq!(raw.client_secret, None);
    let skipped: Vec<(String, String)> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["grant_type"].as_str().unwrap().to_owned(),
                s["why"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        skipped
            .iter()
            .any(|(g, why)| g == "password" && why.contains("RFC 9700")),
        "{skipped:?}"
    );
    assert!(
        skipped.iter().any(|(_, why)| why.contains("disabled")),
        "{skipped:?}"
    );
}

#[test]
fn insomnia_v5_yaml_folders_three_deep() {
    let home = Home::new();
    let (code, report, _) = home.import(&[&fixture("insomnia/collection-v5.yaml")]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["inputs"][0]["format"], "insomnia-v5");
    assert_eq!(
        names(&report),
        ["payments-accounts", "payments-reports-no-pkce"]
    );
    let accounts = home.profile("payments-accounts");
    assert_eq!(
        accounts.auth_url.as_deref(),
        Some("https://payments.eu.auth0.example/authorize")
    );
    assert_eq!(accounts.client_auth.as_deref(), Some("body"));
    assert_eq!(
        accounts.client_secret.as_deref(),
        Some("{{ _.client_secret }}")
    );
    assert_eq!(
        profile(&report, "payments-accounts")["unresolved"][0]["variable"],
        "client_secret"
    );
    let reports = profile(&report, "payments-reports-no-pkce");
    assert!(reports["notes"][0]
        .as_str()
        .unwrap()
        .contains("did not use PKCE"));
}

#[test]
fn bruno_collection_directory() {
    let home = Home::new();
    let (code, report, _) = home.import(&[&fixture("bruno/orders")]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["inputs"][0]["format"], "bruno");
    assert_eq!(report["inputs"][0]["environment"], "Local");
    assert_eq!(
        names(&report),
        ["orders-api", "orders-api-payments-pay-service-account"]
    );
    let coll = home.profile("orders-api");
    assert_eq!(
        coll.auth_url.as_deref(),
        Some("https://dev-123456.okta.example/oauth2/v1/authorize")
    );
    assert_eq!(coll.client_id.as_deref(), Some("0oa1b2c3d4e5F6g7H8i9"));
    assert_eq!(coll.client_auth.as_deref(), Some("basic"));
    assert_eq!(
        coll.auth_params.get("prompt").map(String::as_str),
        Some("login")
    );
    assert!(!coll.auth_params.contains_key("acr_values"));
    let c = profile(&report, "orders-api");
    let dropped = strings(&c["dropped"], "key");
    for key in [
        "auth_req:queryparams.acr_values",
        "access_token_req:headers.X-Tenant",
        "token_placement",
        "credentials_id",
    ] {
        assert!(
            dropped.contains(&key.to_owned()),
            "{key} not in {dropped:?}"
        );
    }
    // A secret variable has no value in the environment file: kept verbatim, listed.
    assert_eq!(coll.client_secret.as_deref(), Some("{{clientSecret}}"));
    assert_eq!(c["unresolved"][0]["variable"], "clientSecret");

    let pay = home.profile("orders-api-payments-pay-service-account");
    assert_eq!(pay.grant_type.as_deref(), Some("client_credentials"));
    assert_eq!(pay.client_auth.as_deref(), Some("body"));
    assert_eq!(
        pay.token_params.get("audience").map(String::as_str),
        Some("https://payments.orders.example")
    );
    assert!(!pay.token_params.contains_key("debug"));
    assert_eq!(report["skipped"][0]["grant_type"], "implicit");
}

#[test]
fn a_second_import_never_overwrites() {
    let home = Home::new();
    let file = fixture("postman/legacy-v2.0.json");
    let (code, _, _) = home.import(&[&file]);
    assert_eq!(code, Some(0));
    let first = home.dest().join("legacy-v2-0-profile.toml");
    std::fs::write(&first, "# mine\nclient_id = \"edited\"\n").unwrap();
    let (code, report, _) = home.import(&[&file, &file]);
    assert_eq!(code, Some(0), "{report:#}");
    // The same configuration twice is one profile; the existing file keeps its name.
    assert_eq!(names(&report), ["legacy-v2-0-profile-2"]);
    assert_eq!(
        std::fs::read_to_string(&first).unwrap(),
        "# mine\nclient_id = \"edited\"\n"
    );
    assert_eq!(
        home.profile("legacy-v2-0-profile-2").client_id.as_deref(),
        Some("legacy-app")
    );
}

#[test]
fn dry_run_writes_nothing() {
    let home = Home::new();
    let (code, report, _) = home.import(&[&fixture("bruno/orders"), "--dry-run"]);
    assert_eq!(code, Some(0));
    assert_eq!(report["dry_run"], true);
    assert!(report["profiles"][0]["file"]
        .as_str()
        .unwrap()
        .ends_with("orders-api.toml"));
    assert!(!home.dest().exists());
}

#[test]
fn the_format_comes_from_the_content_not_the_name() {
    let home = Home::new();
    let renamed = home.dir.path().join("export.yaml");
    std::fs::copy(fixture("insomnia/export-v4.json"), &renamed).unwrap();
    let (code, report, _) = home.import(&[&renamed.display().to_string()]);
    assert_eq!(code, Some(0));
    assert_eq!(report["inputs"][0]["format"], "insomnia-v4");
}

#[test]
fn unknown_input_exits_2_naming_the_formats_tried() {
    let home = Home::new();
    for file in ["invalid/not-a-collection.csv", "invalid/openapi.json"] {
        let (code, report, _) = home.import(&[&fixture(file)]);
        assert_eq!(code, Some(2), "{file}");
        let message = report["error"]["message"].as_str().unwrap();
        for tried in [
            "Postman collection v2.1 / v2.0",
            "Insomnia export v4",
            "Insomnia v5",
            "Bruno",
        ] {
            assert!(message.contains(tried), "{file}: {message}");
        }
    }
    let (code, _, stderr) = home.run(&["import", &fixture("invalid/openapi.json")]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("not a collection this importer knows"),
        "{stderr}"
    );
}

#[test]
fn no_oauth_configuration_exits_2() {
    let home = Home::new();
    let (code, report, _) = home.import(&[&fixture("invalid/no-oauth.json")]);
    assert_eq!(code, Some(2));
    assert_eq!(report["profiles"], serde_json::json!([]));
    let (code, _, stderr) = home.run(&["import", &fixture("invalid/no-oauth.json"), "--dry-run"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("no OAuth 2.0 configuration"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn a_bruno_collection_never_follows_a_symbolic_link() {
    let home = Home::new();
    let coll = home.dir.path().join("coll");
    std::fs::create_dir(&coll).unwrap();
    std::fs::write(coll.join("bruno.json"), r#"{"name": "linked"}"#).unwrap();
    // The link would give an OAuth 2.0 configuration; it is not read.
    std::os::unix::fs::symlink(
        fixture("bruno/orders/collection.bru"),
        coll.join("collection.bru"),
    )
    .unwrap();
    let (code, report, _) = home.import(&[&coll.display().to_string()]);
    assert_eq!(code, Some(2), "{report:#}");
    assert_eq!(report["profiles"], serde_json::json!([]));
}
