//! A callback port someone else holds: the error says who, by name and PID (Linux /proc).
#![cfg(target_os = "linux")]

use assert_cmd::Command;
use serde_json::Value;

#[test]
fn a_busy_callback_port_names_the_process_holding_it() {
    // This test process holds the port; the run is a child that must name it.
    let squatter = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = squatter.local_addr().unwrap().port();
    let home = tempfile::tempdir().unwrap();
    let profile = home.path().join("busy.toml");
    std::fs::write(
        &profile,
        format!(
            "callback_url = \"http://127.0.0.1:{port}/callback\"\n\
             auth_url = \"https://idp.invalid/authorize\"\n\
             token_url = \"https://idp.invalid/token\"\n\
             client_id = \"app\"\n"
        ),
    )
    .unwrap();
    let out = Command::cargo_bin("tokenbench")
        .unwrap()
        .args([
            "run",
            "--profile",
            profile.to_str().unwrap(),
            "--json",
            "--no-browser",
        ])
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env_remove("BROWSER")
        .current_dir(home.path())
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let message = doc["error"]["message"].as_str().unwrap();
    let name = std::fs::read_to_string("/proc/self/comm").unwrap();
    let who = format!("process {} ({})", std::process::id(), name.trim());
    assert_eq!(
        message,
        format!(
            "port {port} on 127.0.0.1 is already in use: {who} listens on 127.0.0.1:{port} and \
             would receive the authorization code; stop it or choose another port in callback_url"
        )
    );
    assert!(!message.contains("another tokenbench run"), "{message}");
    drop(squatter);
}
