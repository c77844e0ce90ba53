//! `tokenbench profiles`: listing what `--profile NAME` finds, and `--examples` writing the
//! built-in example profiles into the config directory (XDG_CONFIG_HOME points into a
//! temporary directory, so no real configuration is touched).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use tokenbench::profile::load_file;

const EXAMPLES: [&str; 7] = [
    "auth0",
    "cognito",
    "entra",
    "fapi2-example",
    "google",
    "keycloak",
    "okta",
];

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn config_profiles(&self) -> PathBuf {
        self.dir.path().join("config/tokenbench/profiles")
    }

    /// Runs tokenbench there: exit code, stdout, stderr.
    fn run(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let out = Command::cargo_bin("tokenbench")
            .unwrap()
            .args(args)
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
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

    fn json(&self, args: &[&str]) -> (Option<i32>, Value) {
        let (code, stdout, stderr) = self.run(args);
        let json = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e})\n{stdout}\n--- stderr\n{stderr}"));
        (code, json)
    }
}

fn names(json: &Value, key: &str) -> Vec<String> {
    let mut v: Vec<String> = json[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {json:#}"))
        .iter()
        .map(|p| {
            Path::new(p.as_str().unwrap())
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    v.sort();
    v
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn examples_go_into_the_config_dir_private_and_loadable() {
    let home = Home::new();
    let (code, json) = home.json(&["profiles", "--examples", "--json"]);
    assert_eq!(code, Some(0), "{json:#}");
    let dir = home.config_profiles();
    assert_eq!(json["dir"], dir.display().to_string());
    assert_eq!(names(&json, "written"), EXAMPLES);
    assert!(names(&json, "skipped").is_empty());
    for name in EXAMPLES {
        let file = dir.join(format!("{name}.toml"));
        // Byte for byte the repository's example.
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("profiles/{name}.toml"));
        assert_eq!(std::fs::read(&file).unwrap(), std::fs::read(&repo).unwrap());
        load_file(&file).unwrap_or_else(|e| panic!("{e}"));
        #[cfg(unix)]
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    #[cfg(unix)]
    assert_eq!(mode(&dir), 0o700);
    assert!(
        !dir.join("demo.toml").exists(),
        "the demo profile is not an example"
    );

    // Reachable by name from anywhere now.
    let (code, json) = home.json(&["profiles", "--json"]);
    assert_eq!(code, Some(0));
    let listed: Vec<&str> = json["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(listed, EXAMPLES);
}

#[test]
fn existing_files_are_kept_unless_forced() {
    let home = Home::new();
    let dir = home.config_profiles();
    std::fs::create_dir_all(&dir).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let mine = dir.join("okta.toml");
    std::fs::write(&mine, "# my own okta\n").unwrap();

    let (code, stdout, _) = home.run(&["profiles", "--examples"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "skipped {} (it exists; --force replaces it)",
            mine.display()
        )),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("wrote   {}", dir.join("auth0.toml").display())));
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "# my own okta\n");

    // A second time nothing is written at all.
    let (_, json) = home.json(&["profiles", "--examples", "--json"]);
    assert!(names(&json, "written").is_empty(), "{json:#}");
    assert_eq!(names(&json, "skipped"), EXAMPLES);

    let (code, json) = home.json(&["profiles", "--examples", "--force", "--json"]);
    assert_eq!(code, Some(0), "{json:#}");
    assert_eq!(names(&json, "written"), EXAMPLES);
    assert!(std::fs::read_to_string(&mine).unwrap().contains("Okta"));
    #[cfg(unix)]
    assert_eq!(mode(&mine), 0o600);
}

#[test]
fn into_names_another_directory() {
    let home = Home::new();
    let target = home.dir.path().join("elsewhere");
    let (code, json) = home.json(&[
        "profiles",
        "--examples",
        "--into",
        target.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, Some(0), "{json:#}");
    assert_eq!(names(&json, "written"), EXAMPLES);
    assert!(target.join("entra.toml").is_file());
    assert!(!home.config_profiles().exists());
}

#[test]
fn into_and_force_need_examples() {
    let home = Home::new();
    for args in [&["profiles", "--force"][..], &["profiles", "--into", "x"]] {
        let (code, _, stderr) = home.run(args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("--examples"), "{stderr}");
    }
}

/// A link planted where an example goes is never written through, even with --force.
#[cfg(unix)]
#[test]
fn a_symbolic_link_at_an_example_is_refused() {
    let home = Home::new();
    let target = home.dir.path().join("victim");
    std::fs::create_dir(&target).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o700)).unwrap();
    let precious = home.dir.path().join("precious");
    std::fs::write(&precious, "keep me\n").unwrap();
    std::os::unix::fs::symlink(&precious, target.join("google.toml")).unwrap();
    for force in [false, true] {
        let mut args = vec![
            "profiles",
            "--examples",
            "--into",
            target.to_str().unwrap(),
            "--json",
        ];
        if force {
            args.push("--force");
        }
        let (code, json) = home.json(&args);
        assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep me\n");
        if force {
            assert_eq!(code, Some(1), "{json:#}");
            assert_eq!(json["error"]["kind"], "write_failed");
            let failed = &json["failed"][0];
            assert!(failed["file"].as_str().unwrap().ends_with("google.toml"));
            assert!(
                failed["message"]
                    .as_str()
                    .unwrap()
                    .contains("symbolic link"),
                "{json:#}"
            );
        } else {
            // Without --force a link counts as an existing file: kept, said.
            assert_eq!(code, Some(0), "{json:#}");
            assert!(names(&json, "skipped").contains(&"google".to_owned()));
        }
    }
}

#[test]
fn a_local_profile_that_shadows_the_users_own_is_listed_as_such() {
    let home = Home::new();
    let config = home.config_profiles();
    let local = home.dir.path().join("profiles");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::create_dir_all(&local).unwrap();
    let body = "callback_url = \"http://127.0.0.1:8765/callback\"\nauth_url = \"https://idp.example/a\"\ntoken_url = \"https://idp.example/t\"\nclient_id = \"c\"\n";
    std::fs::write(local.join("work.toml"), body).unwrap();
    std::fs::write(config.join("work.toml"), body).unwrap();
    std::fs::write(config.join("own.toml"), body).unwrap();
    std::fs::write(config.join("broken.toml"), "client_id = [").unwrap();

    let (code, json) = home.json(&["profiles", "--json"]);
    assert_eq!(code, Some(0), "{json:#}");
    let profiles = json["profiles"].as_array().unwrap();
    let find = |name: &str, origin: &str| {
        profiles
            .iter()
            .find(|p| p["name"] == name && p["origin"] == origin)
            .unwrap_or_else(|| panic!("no {origin} {name} in {json:#}"))
    };
    let used = find("work", "local");
    assert_eq!(used["shadowed"], false);
    assert!(used["hides"]
        .as_str()
        .unwrap()
        .ends_with("config/tokenbench/profiles/work.toml"));
    let hidden = find("work", "config");
    assert_eq!(hidden["shadowed"], true);
    assert_eq!(hidden["shadowed_by"], "profiles/work.toml");
    assert_eq!(find("own", "config")["shadowed"], false);
    assert!(find("own", "config")["error"].is_null());
    assert!(!find("broken", "config")["error"].is_null());

    let (code, stdout, _) = home.run(&["profiles"]);
    assert_eq!(code, Some(0));
    let line = stdout
        .lines()
        .find(|l| {
            l.split_whitespace()
                .nth(1)
                .is_some_and(|f| f.ends_with("config/tokenbench/profiles/work.toml"))
        })
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        line.contains("shadowed by profiles/work.toml: --profile work does not reach this file"),
        "{line}"
    );
}

#[test]
fn no_profiles_says_how_to_get_the_examples() {
    let home = Home::new();
    let (code, stdout, stderr) = home.run(&["profiles"]);
    assert_eq!(code, Some(0));
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("tokenbench profiles --examples"),
        "{stderr}"
    );
}
