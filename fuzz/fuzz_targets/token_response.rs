//! Parsing any token endpoint response never panics; the first bytes choose the status and
//! the content type.
#![no_main]

use libfuzzer_sys::fuzz_target;

const TYPES: [&str; 4] = [
    "application/json",
    "application/x-www-form-urlencoded",
    "text/html",
    "",
];

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = 100 + u16::from(data[0]) * 2;
    let content_type = TYPES[usize::from(data[1]) % TYPES.len()];
    let _ = tokenbench::oauth::token_response::parse_token_response(status, Some(content_type), &data[2..]);
});
