//! Where every byte the CLI prints goes through. Printers write to a [`Term`] (stdout and
//! stderr, or buffers in tests) with [`outln!`] and [`errln!`]; each block written passes
//! through `sanitize_block`, so even a value a printer forgot to escape cannot put a control
//! character on the terminal. Values inside a line are still escaped with `sanitize` (which
//! also escapes `\n`), so that they cannot start a line of their own.

use std::io::Write;

use serde::Serialize;

use crate::oauth::text::{sanitize_block, to_json_pretty_safe, BlockEscaper};

/// The two output streams of a command.
pub struct Term<'a> {
    out: Box<dyn Write + Send + 'a>,
    err: Box<dyn Write + Send + 'a>,
}

impl Term<'static> {
    /// The process's stdout and stderr.
    pub fn std() -> Self {
        Term::new(std::io::stdout(), std::io::stderr())
    }
}

impl<'a> Term<'a> {
    /// Any two writers, e.g. `&mut Vec<u8>` in tests.
    pub fn new(out: impl Write + Send + 'a, err: impl Write + Send + 'a) -> Self {
        Term {
            out: Box::new(out),
            err: Box::new(err),
        }
    }

    /// Writes a block of text on stdout, escaped except for its `\n` and `\t`.
    pub fn out(&mut self, block: &str) {
        write_escaped(&mut self.out, block);
    }

    /// Writes a block of text on stderr, escaped except for its `\n` and `\t`.
    pub fn err(&mut self, block: &str) {
        write_escaped(&mut self.err, block);
    }

    /// Stdout as a writer, escaped as [`Term::out`] escapes, while it is written: for
    /// blocks too large to build in memory first.
    pub fn out_stream(&mut self) -> BlockEscaper<&mut (dyn Write + Send + 'a)> {
        BlockEscaper::new(&mut *self.out)
    }

    /// A JSON document and a newline on stdout, with every unsafe character escaped.
    pub fn json<T: Serialize + ?Sized>(&mut self, value: &T) {
        let mut text = to_json_pretty_safe(value);
        text.push('\n');
        self.out(&text);
    }
}

impl Drop for Term<'_> {
    fn drop(&mut self) {
        let _ = self.out.flush();
        let _ = self.err.flush();
    }
}

/// Write errors are ignored as `print!` would not be able to report them either: a closed
/// pipe ends the process (main restores SIGPIPE), and there is nowhere else to say it.
fn write_escaped(w: &mut dyn Write, block: &str) {
    let _ = w.write_all(sanitize_block(block).as_bytes());
}

/// `println!` for a [`Term`]'s stdout.
macro_rules! outln {
    ($t:expr) => {
        $t.out("\n")
    };
    ($t:expr, $($arg:tt)*) => {
        $t.out(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprintln!` for a [`Term`]'s stderr.
macro_rules! errln {
    ($t:expr) => {
        $t.err("\n")
    };
    ($t:expr, $($arg:tt)*) => {
        $t.err(&format!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {errln, outln};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_keep_layout_and_lose_control_characters() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut t = Term::new(&mut out, &mut err);
        outln!(t, "a\tb {}", "\u{1b}]52;c;eA==\u{7}");
        errln!(t, "! {}", "\u{9b}31m\u{202e}");
        t.json(&serde_json::json!({ "x": "\u{9b}" }));
        drop(t);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a\tb \\u{1b}]52;c;eA==\\u{7}\n{\n  \"x\": \"\\u009b\"\n}\n"
        );
        assert_eq!(String::from_utf8(err).unwrap(), "! \\u{9b}31m\\u{202e}\n");
    }
}
