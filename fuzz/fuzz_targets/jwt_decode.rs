//! Decoding any token for display never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = tokenbench::oauth::jwt::decode(&text);
    let _ = tokenbench::flow::report::token_json(&text, 1_800_000_000);
});
