use std::io::Read;

use clap::Args;
use serde_json::Value;

use crate::flow::report::token_json;
use crate::flow::system_now;

use super::term::Term;

#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The token; `-` or nothing reads it from standard input.
    token: Option<String>,
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
    let mut t = Term::std();
    if args.json {
        t.json(&doc);
    } else {
        super::output::print_token(&mut t, "token", &doc);
    }
    0
}
