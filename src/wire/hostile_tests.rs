//! Every parser of outside input, fed hostile bytes: it may refuse, it must not panic.

use proptest::prelude::*;

use crate::crypto::rsa_oaep::{PrivateKey, PublicKey};
use crate::schemes::clipper::{FamilyKeyFile, UnitHalvesFile};
use crate::schemes::split_key::ShareFile;
use crate::wire::envelope::Envelope;
use crate::wire::lines::{Lines, MAX_LINE_BYTES};
use crate::wire::world_file::WorldFile;

const ENVELOPE: &str = r#"{"v":1,"id":"m000001","t":1,"from":"bob","to":["alice"],"scheme":"golden-key","nonce":"TClcStoZWq0C+wwW","ct":"iDUxbem75VceQG+O/cKbjwSyUuq/CZl2Z86SOI7DNWTYCeZ5DbCa","wrapped":{"bob":"MFHB","alice":"RwxzKvp+"},"escrow":"ec6SMEN0"}"#;

fn every_parser(text: &str) {
    let _ = Envelope::parse_json(text);
    let _ = WorldFile::parse(text);
    let _ = PrivateKey::from_pem(text);
    let _ = PublicKey::from_pem(text);
    let _ = ShareFile::parse(text);
    let _ = FamilyKeyFile::parse(text);
    let _ = UnitHalvesFile::parse(text);
    let mut lines = Lines::new(text.as_bytes(), "hostile.jsonl");
    while let Ok(Some(_)) = lines.next_line() {}
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}") {
        every_parser(&text);
    }

    #[test]
    fn mutated_envelopes_never_panic(at in 0usize..ENVELOPE.len(), junk in ".{0,12}") {
        let mut text = ENVELOPE.to_owned();
        let at = (0..=at).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        text.insert_str(at, &junk);
        every_parser(&text);
        text.truncate(at);
        every_parser(&text);
    }

    #[test]
    fn arbitrary_bytes_as_lines_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut lines = Lines::new(bytes.as_slice(), "hostile.jsonl");
        while let Ok(Some((_, line))) = lines.next_line() {
            let _ = Envelope::parse_json(&line);
        }
    }
}

#[test]
fn deeply_nested_json_is_refused_not_a_stack_overflow() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(Envelope::parse_json(&deep).is_err());
    let deep_field = format!(
        r#"{{"v":1,"x":{}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(Envelope::parse_json(&deep_field).is_err());
    assert!(WorldFile::parse(&deep).is_err());
}

#[test]
fn an_oversized_line_is_refused_with_its_number() {
    let mut data = b"{}\n".to_vec();
    data.extend(std::iter::repeat_n(b'a', MAX_LINE_BYTES + 10));
    data.push(b'\n');
    let mut lines = Lines::new(data.as_slice(), "huge.jsonl");
    assert!(lines.next_line().unwrap().is_some());
    let e = lines.next_line().unwrap_err().to_string();
    assert!(
        e.contains("huge.jsonl, line 2") && e.contains("longer than"),
        "{e}"
    );
}
