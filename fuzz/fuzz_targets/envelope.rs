//! A capture: any bytes, read line by line as `recover` reads capture.jsonl.
#![no_main]

use doormat::wire::envelope::Envelope;
use doormat::wire::lines::Lines;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut lines = Lines::new(data, "fuzz.jsonl");
    while let Ok(Some((_, line))) = lines.next_line() {
        if let Ok(envelope) = Envelope::parse_json(&line) {
            // What parses must write back and parse to the same envelope.
            let again = Envelope::parse_json(envelope.to_json_line().trim_end()).expect("own output parses");
            assert_eq!(again, envelope);
        }
    }
});
