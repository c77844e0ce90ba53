//! The binary builds only the named subcommand's arguments (`#[command(defer = true)]`).
//! What a person or a script sees must be what the whole, eagerly built command tree gives:
//! the same help, the same usage errors, the same exit codes, for every subcommand.

use assert_cmd::Command;
use clap::CommandFactory;
use tokenbench::cli::Cli;

/// The whole tree, every deferred subcommand built, as clap would build it at once.
fn eager() -> clap::Command {
    let mut cmd = Cli::command();
    cmd.build();
    cmd
}

fn subcommands() -> Vec<String> {
    let names: Vec<String> = eager()
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .filter(|n| n != "help")
        .collect();
    assert!(names.len() > 5, "the subcommands are listed: {names:?}");
    names
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn tokenbench(args: &[&str]) -> Out {
    let out = Command::cargo_bin("tokenbench")
        .unwrap()
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// What the eager tree answers for `args`: (exit code, the text, whether it goes to stdout).
fn eager_answer(args: &[&str]) -> (i32, String, bool) {
    let argv = std::iter::once("tokenbench").chain(args.iter().copied());
    match eager().try_get_matches_from(argv) {
        Ok(_) => (0, String::new(), true),
        Err(e) => (e.exit_code(), e.render().to_string(), e.use_stderr()),
    }
}

fn same_as_eager(args: &[&str]) {
    let out = tokenbench(args);
    let (code, text, on_stderr) = eager_answer(args);
    assert_eq!(out.code, code, "exit code of {args:?}\n{}", out.stderr);
    let (shown, other) = if on_stderr {
        (&out.stderr, &out.stdout)
    } else {
        (&out.stdout, &out.stderr)
    };
    assert_eq!(shown, &text, "what {args:?} prints");
    assert_eq!(other, "", "nothing on the other stream for {args:?}");
}

#[test]
fn each_subcommands_help_is_the_eager_trees() {
    for name in subcommands() {
        same_as_eager(&[&name, "--help"]);
        same_as_eager(&[&name, "-h"]);
        same_as_eager(&["help", &name]);
    }
}

#[test]
fn the_top_level_help_lists_every_subcommand_as_before() {
    same_as_eager(&["--help"]);
    same_as_eager(&["help"]);
    same_as_eager(&["--version"]);
    let out = tokenbench(&["--help"]);
    for name in subcommands() {
        assert!(
            out.stdout.contains(&format!("  {name} ")),
            "{name} in the help\n{}",
            out.stdout
        );
    }
}

#[test]
fn usage_errors_are_the_eager_trees_with_exit_2() {
    for name in subcommands() {
        same_as_eager(&[&name, "--no-such-option"]);
    }
    same_as_eager(&["no-such-command"]);
    same_as_eager(&["decode", "a.b.c", "extra"]);
    same_as_eager(&["token"]);
    same_as_eager(&["run", "--profile"]);
    same_as_eager(&["idp", "--port", "not-a-number"]);
    assert_eq!(tokenbench(&["token"]).code, 2);
}

#[test]
fn a_deferred_subcommand_still_parses_its_arguments() {
    let out = tokenbench(&["pkce", "--verifier", &"a".repeat(43), "--method", "plain"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains(&"a".repeat(43)), "{}", out.stdout);
}
