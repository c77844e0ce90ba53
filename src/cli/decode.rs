use std::io::{BufWriter, Read, Write};

use clap::Args;
use serde_json::Value;

use crate::flow::error::error_json;
use crate::flow::report::decoded_json;
use crate::flow::system_now;
use crate::oauth::jwt::decode as decode_token;

use crate::oauth::text::{sanitize, write_json_pretty_safe};

use super::term::{errln, Term};

#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The token; `-` or nothing reads it from standard input.
    token: Option<String>,
    /// Print one JSON document on stdout (header, claims, times; an `error` object when the
    /// input is not a JWT or JWE).
    #[arg(long)]
    json: bool,
}

/// Tokens beyond this are refused rather than read into memory.
const MAX_TOKEN: u64 = 16 * 1024 * 1024;

pub fn decode(args: DecodeArgs) -> i32 {
    // The argument is used where it is: a 100 KB token is not copied before decoding.
    let from_stdin;
    let token = match args.token.as_deref() {
        Some(t) if t != "-" => t,
        _ => match read_stdin() {
            Ok(s) => {
                from_stdin = s;
                from_stdin.as_str()
            }
            Err(e) => {
                return super::fail(
                    args.json,
                    "invalid_input",
                    2,
                    &format!("cannot read the token from standard input: {e}"),
                )
            }
        },
    };
    let token = token.trim();
    if token.is_empty() {
        return super::fail(
            args.json,
            "invalid_input",
            2,
            "no token given (pass it as an argument or on standard input)",
        );
    }
    // The input is the user's own: echoing it back (`"value"`) adds nothing, so the
    // document is built without it.
    let mut doc = decoded_json(decode_token(token), system_now());
    // Only a decoded JWT or a recognised JWE is a success, so scripts can tell.
    let failure = not_a_jwt(&doc);
    {
        // Buffered: the output is streamed in small pieces, which stdout's line buffering
        // would write one line at a time. Flushed (dropped) before any error line.
        let mut t = Term::new(
            BufWriter::with_capacity(OUT_BUF, std::io::stdout()),
            std::io::sink(),
        );
        if args.json {
            if let (Some(message), Value::Object(m)) = (&failure, &mut doc) {
                m.insert(
                    "error".into(),
                    error_json(NOT_A_JWT, message, NOT_A_JWT_EXIT, None),
                );
            }
            let mut out = t.out_stream();
            let _ = write_json_pretty_safe(&mut out, &doc).and_then(|()| out.write_all(b"\n"));
        } else {
            super::output::print_token(&mut t, "token", &doc);
        }
    }
    if let Some(message) = &failure {
        if !args.json {
            errln!(Term::std(), "error: {}", sanitize(message));
        }
        NOT_A_JWT_EXIT
    } else {
        0
    }
}

const OUT_BUF: usize = 32 * 1024;

/// Standard input, read into one buffer sized from the file when it is one (`< token`), so
/// that a large token is not copied while the buffer grows.
fn read_stdin() -> std::io::Result<String> {
    let hint = std::fs::metadata("/dev/stdin").map_or(0, |m| m.len());
    // usize from a value ≤ MAX_TOKEN, which fits.
    let mut buf = Vec::with_capacity(usize::try_from(hint.min(MAX_TOKEN)).unwrap_or(0) + 1);
    std::io::stdin()
        .lock()
        .take(MAX_TOKEN)
        .read_to_end(&mut buf)?;
    String::from_utf8(buf).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

const NOT_A_JWT: &str = "not_a_jwt";
const NOT_A_JWT_EXIT: i32 = 2;

/// Why the decoded document is not a JWT or JWE, or `None` when it is one.
fn not_a_jwt(doc: &Value) -> Option<String> {
    match doc.get("kind").and_then(Value::as_str) {
        Some("jwt" | "jwe") => None,
        _ => {
            let reason = doc
                .get("reason")
                .and_then(Value::as_str)
                .unwrap_or("not decodable");
            Some(format!("not a JWT or JWE: {reason}"))
        }
    }
}
