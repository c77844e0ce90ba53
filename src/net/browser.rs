//! Opening the authorization URL in the person's browser.

use std::process::Stdio;

use tokio::process::Command;

/// How the browser was (or was not) started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrowserLaunch {
    /// A command was started; its name, for the log.
    Started(String),
    /// Nothing could be started; why.
    Failed(String),
}

/// Opens `url` with `$BROWSER` when set (a command line; the URL is appended as the last
/// argument, or replaces `%s`), else with the platform's opener. The command is not waited
/// for — a browser may run for hours — but it is reaped in the background.
/// `quiet` silences the command's stderr, which would otherwise draw over a full-screen UI.
pub fn open(url: &str, browser_env: Option<String>, quiet: bool) -> BrowserLaunch {
    let argv = match browser_env.filter(|b| !b.trim().is_empty()) {
        Some(cmd) => match shell_words::split(&cmd) {
            Ok(words) if !words.is_empty() => with_url(words, url),
            Ok(_) => return BrowserLaunch::Failed("$BROWSER is empty".to_owned()),
            Err(e) => {
                return BrowserLaunch::Failed(format!("$BROWSER is not a valid command line: {e}"))
            }
        },
        None => platform_opener(url),
    };
    let Some((program, args)) = argv.split_first() else {
        return BrowserLaunch::Failed("no browser command".to_owned());
    };
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    if quiet {
        command.stderr(Stdio::null());
    }
    match command.spawn() {
        Ok(mut child) => {
            tokio::spawn(async move {
                let _ = child.wait().await;
            });
            BrowserLaunch::Started(program.clone())
        }
        Err(e) => BrowserLaunch::Failed(format!("cannot start {program}: {e}")),
    }
}

fn with_url(mut words: Vec<String>, url: &str) -> Vec<String> {
    if words.iter().any(|w| w.contains("%s")) {
        for w in &mut words {
            *w = w.replace("%s", url);
        }
    } else {
        words.push(url.to_owned());
    }
    words
}

fn platform_opener(url: &str) -> Vec<String> {
    let url = url.to_owned();
    if cfg!(target_os = "macos") {
        vec!["open".into(), url]
    } else if cfg!(windows) {
        // `start` would need cmd.exe quoting of `&`; the URL handler takes it verbatim.
        vec!["rundll32".into(), "url.dll,FileProtocolHandler".into(), url]
    } else {
        vec!["xdg-open".into(), url]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_is_last_or_substituted() {
        let w = |s: &str| shell_words::split(s).unwrap();
        assert_eq!(
            with_url(w("node 'my helper.mjs'"), "http://x/?a=1&b=2"),
            vec!["node", "my helper.mjs", "http://x/?a=1&b=2"]
        );
        assert_eq!(
            with_url(w("firefox --new-tab %s"), "u"),
            vec!["firefox", "--new-tab", "u"]
        );
    }
}
