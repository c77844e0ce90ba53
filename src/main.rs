use std::io::Write;

use clap::Parser;

use tokenbench::cli::{execute, Cli};
use tokenbench::oauth::text::{sanitize, sanitize_block};
use tokenbench::profile::store::{create_private_dir, open_private_append};

fn main() {
    restore_sigpipe();
    let cli = Cli::try_parse().unwrap_or_else(|e| usage_error(e));
    init_logging(cli.takes_terminal());
    let cli = match tokenbench::cli::execute_without_runtime(cli) {
        Ok(code) => exit(code),
        Err(cli) => cli,
    };
    let mut builder = if cli.needs_workers() {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(2);
        b
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            let e = sanitize(&e.to_string());
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = runtime.block_on(execute(cli));
    // Background tasks (a browser being reaped, a server closing) must not hold the exit.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    exit(code)
}

fn exit(code: i32) -> ! {
    if std::env::var_os("TOKENBENCH_RUSAGE").is_some() {
        print_rusage();
    }
    std::process::exit(code)
}

/// Clap's own messages quote the arguments given, which may come from anywhere (a file
/// name, a pasted token): they are printed plain and escaped. Help and version stay as clap
/// prints them (our own text, in colour).
fn usage_error(e: clap::Error) -> ! {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit()
    }
    let _ = std::io::stderr().write_all(sanitize_block(&e.render().to_string()).as_bytes());
    std::process::exit(e.exit_code())
}

/// For scripts/bench.sh: this process's own CPU time and peak RSS (children excluded).
#[cfg(not(unix))]
fn print_rusage() {}

/// For scripts/bench.sh: this process's own CPU time and peak RSS (children excluded).
#[cfg(unix)]
fn print_rusage() {
    // SAFETY: getrusage only writes into the zeroed struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } == 0 {
        let us = |t: libc::timeval| t.tv_sec * 1_000_000 + t.tv_usec;
        eprintln!(
            "tokenbench-rusage: utime_us={} stime_us={} maxrss_kb={}",
            us(usage.ru_utime),
            us(usage.ru_stime),
            usage.ru_maxrss
        );
    }
}

/// Logs only when RUST_LOG asks for them: on stderr, or in a file when the workbench owns
/// the terminal (a log line drawn over the screen would garble it). Nothing secret is logged.
fn init_logging(to_file: bool) {
    if std::env::var_os("RUST_LOG").is_none() {
        return;
    }
    let filter = tracing_subscriber::EnvFilter::from_default_env();
    if to_file {
        let Some(dir) = dirs::state_dir()
            .or_else(dirs::data_local_dir)
            .map(|d| d.join("tokenbench"))
        else {
            return;
        };
        // 0700 directory, 0600 file, never through a symbolic link (profile::store).
        let path = dir.join("tokenbench.log");
        let file = create_private_dir(&dir).and_then(|()| open_private_append(&path));
        match file {
            Ok(file) => {
                let _ = tracing_subscriber::fmt()
                    .with_env_filter(filter)
                    .with_ansi(false)
                    .with_writer(std::sync::Mutex::new(Escaped(file)))
                    .try_init();
            }
            Err(e) => eprintln!(
                "warning: RUST_LOG is set, but nothing is logged: {}",
                sanitize(&e.to_string())
            ),
        }
    } else {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(|| Escaped(std::io::stderr()))
            .try_init();
    }
}

/// A log line may quote what an IdP sent; it is escaped like everything else printed (a
/// log file is read with `tail -f` on a terminal too). tracing writes each event at once.
struct Escaped<W>(W);

impl<W: Write> Write for Escaped<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(sanitize_block(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Rust ignores SIGPIPE, so `tokenbench decode … | head` would panic on the closed pipe;
/// behave like every other Unix tool and end quietly instead.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is always valid.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
