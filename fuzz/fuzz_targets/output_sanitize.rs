//! Nothing printed carries a control character: any bytes through the escapers, the safe
//! JSON formatter (which must parse back) and the token printer.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = tokenbench::cli::render::check_output(data) {
        panic!("{broken}");
    }
});
