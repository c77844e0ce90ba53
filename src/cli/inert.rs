//! The invariant behind the `output_sanitize` fuzz target, as a function so that the unit
//! tests run it on every build (cargo-fuzz needs a nightly toolchain; this does not).

use serde_json::{json, Value};

use crate::flow::report::token_json;
use crate::oauth::text::{
    escape_html, is_unsafe, sanitize, sanitize_block, to_json_pretty_safe, to_json_safe,
};

use super::output::print_token;
use super::term::Term;

/// Feeds `data` (as text, and as JSON when it is JSON) through the escapers, the JSON
/// formatter and the token printer; says what broke the invariant: no unsafe character
/// out (but a block's `\n` and `\t`), escaping is stable, JSON parses back to its input.
pub fn check_output(data: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(data);
    let layout = |c: char| c == '\n' || c == '\t';
    let line = sanitize(&text);
    expect(&line, "sanitize", |_| false)?;
    if sanitize(&line) != line {
        return Err(format!("sanitize is not stable on {text:?}"));
    }
    let block = sanitize_block(&text);
    expect(&block, "sanitize_block", layout)?;
    if block.split('\n').count() != text.split('\n').count() {
        return Err(format!("sanitize_block changed the lines of {text:?}"));
    }
    let html = escape_html(&text);
    expect(&html, "escape_html", |_| false)?;
    if html.contains(['<', '>', '"', '\'']) {
        return Err(format!("escape_html left markup in {html:?}"));
    }
    let mut values = vec![json!(text), json!({ text.as_ref(): [text, 1, null] })];
    values.extend(serde_json::from_slice::<Value>(data).ok());
    for value in &values {
        round_trip(value)?;
    }
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut t = Term::new(&mut out, &mut err);
    print_token(&mut t, &text, &token_json(&text, 0));
    drop(t);
    for (name, bytes) in [("print_token stdout", out), ("print_token stderr", err)] {
        let printed = String::from_utf8(bytes).map_err(|e| format!("{name}: {e}"))?;
        expect(&printed, name, layout)?;
    }
    Ok(())
}

/// The safe JSON must read back as serde_json's own output does. Compared with that, not
/// with `value`: serde_json's default float parsing does not round-trip every f64 exactly
/// (the fuzzer found 30.077777777204443, printed back as …442), which is no concern of the escaping.
fn round_trip(value: &Value) -> Result<(), String> {
    let plain = serde_json::to_string(value)
        .ok()
        .and_then(|s| serde_json::from_str::<Value>(&s).ok());
    for (name, json) in [
        ("pretty JSON", to_json_pretty_safe(value)),
        ("JSON", to_json_safe(value)),
    ] {
        expect(&json, name, |c| c == '\n')?;
        match serde_json::from_str::<Value>(&json) {
            Ok(back) if Some(&back) == plain.as_ref() => {}
            _ => return Err(format!("{name} does not parse back: {json:?}")),
        }
    }
    Ok(())
}

/// Fails on the first unsafe character that `allowed` does not let through.
fn expect(text: &str, what: &str, allowed: impl Fn(char) -> bool) -> Result<(), String> {
    match text.chars().find(|&c| is_unsafe(c) && !allowed(c)) {
        Some(c) => Err(format!("{what} wrote {c:?} in {text:?}")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_float_serde_json_does_not_round_trip_is_not_an_escaping_failure() {
        assert_eq!(check_output(b"30.077777777204443"), Ok(()));
    }

    #[test]
    fn known_attacks_hold_the_invariant() {
        for data in [
            &b"\x1b]52;c;cm0gLXJmIH4=\x07"[..],
            "\u{9b}2J\u{202e}\u{2066}".as_bytes(),
            b"\xc2\x9b\xff\xfe\r\n\t\x7f",
            br#"{"a\u009b":["\u202e",1,{"b":"\u001b[2J"}]}"#,
            b"eyJhbGciOiJub25lwpsifQ.eyJzdWIiOiLigK4ifQ.",
        ] {
            assert_eq!(check_output(data), Ok(()));
        }
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_hold_the_invariant(data in prop::collection::vec(
            prop_oneof![4 => any::<u8>(), 1 => 0xc2u8..0xc3, 1 => 0x80u8..0xa0], 0..96)
        ) {
            prop_assert_eq!(check_output(&data), Ok(()));
        }
    }
}
