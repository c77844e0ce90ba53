//! Parsing and validating any profile text never panics.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let file = Path::new("fuzz.toml");
    if let Ok(raw) = tokenbench::profile::load::parse_raw(file, text) {
        let _ = tokenbench::profile::load::validate(file, "fuzz", &raw);
        let _ = tokenbench::profile::validate_all(file, &raw);
        let _ = tokenbench::profile::notes(&raw);
    }
});
