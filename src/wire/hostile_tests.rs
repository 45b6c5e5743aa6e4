//! Every parser of outside input, fed hostile bytes: it may refuse, it must not panic.

use proptest::prelude::*;

use crate::crypto::rsa_oaep::{PrivateKey, PublicKey};
use crate::exercise::{ExerciseKind, Grading, GradingFile, InstructorSecret};
use crate::wire::envelope::Envelope;
use crate::wire::lines::{Lines, MAX_LINE_BYTES};
use crate::wire::world_file::WorldFile;

const ENVELOPE: &str = r#"{"v":1,"id":"m000001","t":1,"from":"bob","to":["alice"],"scheme":"golden-key","nonce":"TClcStoZWq0C+wwW","ct":"iDUxbem75VceQG+O/cKbjwSyUuq/CZl2Z86SOI7DNWTYCeZ5DbCa","wrapped":{"bob":"MFHB","alice":"RwxzKvp+"},"escrow":"ec6SMEN0"}"#;

/// A forward-secret envelope that starts a session (it carries X3DH).
const RATCHET_ENVELOPE: &str = r#"{"v":1,"id":"m000001","t":1,"from":"bob","to":["alice"],"scheme":"forward-secret","nonce":"R83Xd6mNCayBSe1J","ct":"i2t30Z3jBlw3m9ZuN0F229wtsmQ/GzibXgS97kXElhNz+6MSO03R5Mno4Q==","ratchet":{"alice":{"dh":"N0kwHgoE9tX2kLm6IvmHeij8QycKLXdgb6TvcaQTfDI=","pn":0,"n":0,"x3dh":{"ik":"MwpE9/QFFUMNMpMcE785I8CsSNWBGnw34L5MiTn2NI4=","ek":"F25hAuMdihvmR0xc2CD5Iwt/uWpYu5nvd7dKQjRZgS4=","spk":1,"opk":1},"key":"YgWse/SlU7qwV8G3R0e8E5eNek3wkY3P7HIM4+cURJQz4s1Ni3c70+ECf8L0xhJL"}}}"#;

/// The flagship's scenario: every event and view kind a demo file may hold.
const SCENARIO: &str = include_str!("../../demos/golden-key-leak.toml");

/// A design's own file parsers (shares, key files, snapshots) are fed hostile text in
/// its module's tests, through [`never_panics`].
fn every_parser(text: &str) {
    let _ = crate::crypto::ed25519::IdentityKey::from_pem(text);
    let _ = Envelope::parse_json(text);
    let _ = WorldFile::parse(text);
    let _ = PrivateKey::from_pem(text);
    let _ = PublicKey::from_pem(text);
    let _ = crate::demo::scenario::parse("hostile.toml", text);
    let _ = GradingFile::parse(text);
    let _ = crate::exercise::check_batch(class(), text);
    let mut lines = Lines::new(text.as_bytes(), "hostile.jsonl");
    while let Ok(Some(_)) = lines.next_line() {}
}

/// Feeds `parse` arbitrary text and arbitrary bytes (made text as a reader would):
/// it may refuse, it must not panic.
pub(crate) fn never_panics(parse: impl Fn(&str)) {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(512));
    runner
        .run(&".{0,400}", |text| {
            parse(&text);
            Ok(())
        })
        .unwrap();
    runner
        .run(&proptest::collection::vec(any::<u8>(), 0..600), |bytes| {
            parse(&String::from_utf8_lossy(&bytes));
            Ok(())
        })
        .unwrap();
}

/// A class to grade hostile CSVs against.
fn class() -> &'static Grading {
    static CLASS: std::sync::OnceLock<Grading> = std::sync::OnceLock::new();
    CLASS.get_or_init(|| {
        let file = GradingFile::new(
            ExerciseKind::LeakedGoldenKey,
            &InstructorSecret::from_bytes([7; 32]),
            &["ada".to_owned(), "grace".to_owned()],
        );
        GradingFile::parse(&file.to_json()).unwrap()
    })
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
    fn mutated_scenarios_never_panic(at in 0usize..SCENARIO.len(), junk in ".{0,12}") {
        let mut text = SCENARIO.to_owned();
        let at = (0..=at).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        text.insert_str(at, &junk);
        let _ = crate::demo::scenario::parse("mutated.toml", &text);
        text.truncate(at);
        let _ = crate::demo::scenario::parse("mutated.toml", &text);
    }

    #[test]
    fn mutated_ratchet_envelopes_never_panic(at in 0usize..RATCHET_ENVELOPE.len(), junk in ".{0,12}") {
        let mut text = RATCHET_ENVELOPE.to_owned();
        let at = (0..=at).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        text.insert_str(at, &junk);
        every_parser(&text);
        text.truncate(at);
        every_parser(&text);
    }

    /// Bytes, not text: every parser through the same file reader the commands use,
    /// which must refuse what is not UTF-8 rather than pass it on.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hostile");
        std::fs::write(&path, &bytes).unwrap();
        match crate::fsutil::read_small_text(&path, "a hostile file") {
            Ok(text) => {
                prop_assert_eq!(text.as_bytes(), bytes.as_slice());
                every_parser(&text);
            }
            Err(e) => prop_assert!(std::str::from_utf8(&bytes).is_err(), "{}", e),
        }
        let _ = crate::exercise::read_roster(&path);
        every_parser(&String::from_utf8_lossy(&bytes));
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
fn the_ratchet_sample_parses_and_its_bad_entries_name_their_field() {
    let envelope = Envelope::parse_json(RATCHET_ENVELOPE).unwrap();
    assert_eq!(envelope.ratchet.len(), 1);
    assert!(envelope.ratchet[0].1.x3dh.is_some());
    let refused = |from: &str, to: &str| {
        let text = RATCHET_ENVELOPE.replacen(from, to, 1);
        assert_ne!(text, RATCHET_ENVELOPE, "{from}");
        Envelope::parse_json(&text)
            .unwrap_err()
            .field
            .unwrap_or_default()
    };
    assert_eq!(
        refused("\"ratchet\":{\"alice\"", "\"ratchet\":{\"zed\""),
        "ratchet.zed"
    );
    assert_eq!(refused("\"key\":\"", "\"key\":\"AAAA"), "ratchet.alice.key");
    assert_eq!(refused("\"dh\":\"", "\"dh\":\"AAAA"), "ratchet.alice.dh");
    assert_eq!(
        refused("\"ek\":\"", "\"ek\":\"AAAA"),
        "ratchet.alice.x3dh.ek"
    );
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

/// Wire format v1 says readers ignore fields they do not know: a deeply nested unknown
/// field is skipped (serde_json skips without recursing), not refused, and not a crash.
#[test]
fn a_deeply_nested_unknown_field_is_ignored_without_recursion() {
    let deep = format!(
        r#"{},"x":{}{}}}"#,
        &ENVELOPE[..ENVELOPE.len() - 1],
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let envelope = Envelope::parse_json(&deep).unwrap();
    assert_eq!(envelope, Envelope::parse_json(ENVELOPE).unwrap());
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
