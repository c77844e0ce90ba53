//! Callback query parsing and validation never panic, whatever the browser delivers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokenbench::oauth::callback::{validate, CallbackExpectation, CallbackParams};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let params = CallbackParams::parse_query(&text);
    let expect = CallbackExpectation {
        state: "s".into(),
        issuer: Some("https://idp.example".into()),
        iss_required: true,
    };
    let _ = validate(&params, &expect);
    let _ = params.redacted();
    if let Ok(p) = CallbackParams::parse_url(&text) {
        let _ = validate(&p, &expect);
    }
});
