//! world.json: any text.
#![no_main]

use doormat::wire::world_file::WorldFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = WorldFile::parse(text);
    }
});
