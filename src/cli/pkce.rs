use clap::Args;

use crate::oauth::pkce::{ChallengeMethod, PkceVerifier};
use crate::oauth::random::OsEntropy;

use super::term::{outln, Term};

#[derive(Debug, Args)]
pub struct PkceArgs {
    /// Use this verifier instead of generating one.
    #[arg(long)]
    verifier: Option<String>,
    /// S256 or plain.
    #[arg(long, default_value = "S256")]
    method: String,
    /// Print `{"verifier", "method", "challenge"}` as JSON on stdout.
    #[arg(long)]
    json: bool,
}

pub fn pkce(args: PkceArgs) -> i32 {
    let method = match ChallengeMethod::parse(&args.method) {
        Ok(m) => m,
        Err(e) => return super::fail(args.json, "invalid_input", 2, &e.to_string()),
    };
    let verifier = match args.verifier {
        Some(v) => match PkceVerifier::new(v) {
            Ok(v) => v,
            Err(e) => return super::fail(args.json, "invalid_input", 2, &e.to_string()),
        },
        None => PkceVerifier::generate(&mut OsEntropy),
    };
    let challenge = verifier.challenge(method);
    let mut t = Term::std();
    if args.json {
        let doc = serde_json::json!({ "verifier": verifier.secret(), "method": method.as_str(), "challenge": challenge });
        t.json(&doc);
    } else {
        outln!(t, "verifier:  {}", verifier.secret());
        outln!(t, "method:    {method}");
        outln!(t, "challenge: {challenge}");
    }
    0
}
