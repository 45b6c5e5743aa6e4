//! A teacher's scenario file: any text, parsed and checked as `demo --file` does
//! before anything runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = doormat::demo::scenario::parse("fuzz.toml", text);
    }
});
