//! The real binary in a real terminal (tmux), driven as a person would: send-keys to type,
//! capture-pane to read the screen.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn available() -> bool {
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    fn start(name: &str, home: &Path, cwd: &Path, command: &str) -> Tmux {
        let socket = format!("tb-{name}-{}", std::process::id());
        let home_env = format!("HOME={}", home.display());
        let config_env = format!("XDG_CONFIG_HOME={}", home.join(".config").display());
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "100",
                "-y",
                "30",
            ])
            .args([
                "-e",
                &home_env,
                "-e",
                &config_env,
                "-e",
                "TERM=xterm-256color",
                "-e",
                "NO_COLOR=",
            ])
            .arg("-c")
            .arg(cwd)
            .arg(command)
            .status()
            .unwrap();
        assert!(status.success());
        Tmux { socket }
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "0"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "0"]).stdout).into_owned()
    }

    fn wait_for(&self, text: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("tmux never showed {text:?}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits for the program (and so the session) to end.
    fn wait_exit(&self, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while self.tmux(&["has-session", "-t", "0"]).status.success() {
            if Instant::now() > deadline {
                panic!("the program did not exit; the screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

fn binary() -> String {
    env!("CARGO_BIN_EXE_tokenbench").to_owned()
}

#[test]
fn demo_workbench_runs_the_flow_on_ctrl_r() {
    if !Tmux::available() {
        eprintln!("SKIPPED: tmux is not installed (scripts/test.sh installs it)");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let t = Tmux::start(
        "demo",
        home.path(),
        home.path(),
        &format!("{} demo", binary()),
    );
    t.wait_for("Code Challenge Method", 10);
    t.keys(&["C-r"]);
    // A capture can catch a frame half drawn: wait for the claim itself, not a heading.
    let screen = t.wait_for("demo-user", 10);
    assert!(screen.contains("ID token claims"), "{screen}");
    t.keys(&["?"]);
    t.wait_for("Help", 5);
    t.keys(&["Escape"]);
    // An Esc followed at once by another key reads as Alt+key; pause as a person would.
    std::thread::sleep(Duration::from_millis(300));
    let screen = t.wait_for("Token type", 5);
    assert!(!screen.contains("close help"), "{screen}");
    t.keys(&["C-q"]);
    t.wait_exit(5);
}

#[test]
fn edit_save_quit_restart_finds_the_profile_as_saved() {
    if !Tmux::available() {
        eprintln!("SKIPPED: tmux is not installed (scripts/test.sh installs it)");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let profiles = home.path().join("profiles");
    std::fs::create_dir(&profiles).unwrap();
    std::fs::write(
        profiles.join("mine.toml"),
        "# my comment\ncallback_url = \"http://127.0.0.1:8765/callback\"\nauth_url = \"https://idp.example/authorize\"\n\
         token_url = \"https://idp.example/token\"\nclient_id = \"app\"\nscope = \"openid\"\n",
    )
    .unwrap();
    let command = format!("{} --profile mine", binary());
    let t = Tmux::start("edit", home.path(), home.path(), &command);
    t.wait_for("Client ID", 10);
    // Down to Client ID (row 5) and append to it.
    for _ in 0..3 {
        t.keys(&["Down"]);
    }
    t.keys(&["End", "-", "v", "2"]);
    t.wait_for("modified", 5);
    t.keys(&["C-s"]);
    t.wait_for("saved", 5);
    t.keys(&["C-q"]);
    t.wait_exit(5);
    let text = std::fs::read_to_string(profiles.join("mine.toml")).unwrap();
    assert!(text.starts_with("# my comment\n"), "{text}");
    assert!(text.contains("client_id = \"app-v2\""), "{text}");

    let t = Tmux::start("reopen", home.path(), home.path(), &command);
    let screen = t.wait_for("Client ID", 10);
    assert!(screen.contains("app-v2"), "{screen}");
    t.keys(&["C-q"]);
    t.wait_exit(5);
}
