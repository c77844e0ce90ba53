use std::io::Read;

use clap::Args;
use serde_json::Value;

use crate::flow::error::error_json;
use crate::flow::report::token_json;
use crate::flow::system_now;

use crate::oauth::text::sanitize;

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
    let token = match args.token.as_deref() {
        Some(t) if t != "-" => t.to_owned(),
        _ => {
            let mut s = String::new();
            match std::io::stdin().take(MAX_TOKEN).read_to_string(&mut s) {
                Ok(_) => s,
                Err(e) => {
                    return super::fail(
                        args.json,
                        "invalid_input",
                        2,
                        &format!("cannot read the token from standard input: {e}"),
                    )
                }
            }
        }
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
    let mut doc = token_json(token, system_now());
    if let Value::Object(m) = &mut doc {
        // The input is the user's own; echoing it back adds nothing.
        m.remove("value");
    }
    // Only a decoded JWT or a recognised JWE is a success, so scripts can tell.
    let failure = not_a_jwt(&doc);
    let mut t = Term::std();
    if args.json {
        if let (Some(message), Value::Object(m)) = (&failure, &mut doc) {
            m.insert(
                "error".into(),
                error_json(NOT_A_JWT, message, NOT_A_JWT_EXIT, None),
            );
        }
        t.json(&doc);
    } else {
        super::output::print_token(&mut t, "token", &doc);
        if let Some(message) = &failure {
            errln!(t, "error: {}", sanitize(message));
        }
    }
    if failure.is_some() {
        NOT_A_JWT_EXIT
    } else {
        0
    }
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
