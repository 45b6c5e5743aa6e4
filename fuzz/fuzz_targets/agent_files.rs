//! What escrow agents, thieves and instructors hand doormat: split-key shares, Clipper
//! unit-key halves and family keys, device snapshots, grading files and CSVs of answers.
#![no_main]

use doormat::exercise::grading::{self, GradingFile};
use doormat::exercise::{ExerciseKind, InstructorSecret};
use doormat::schemes::clipper::{FamilyKeyFile, UnitHalvesFile};
use doormat::schemes::forward_secret::snapshot;
use doormat::schemes::split_key::ShareFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = ShareFile::parse(text);
        let _ = UnitHalvesFile::parse(text);
        let _ = FamilyKeyFile::parse(text);
        let _ = snapshot::parse(text);
        let _ = GradingFile::parse(text);
        let class = GradingFile::new(
            ExerciseKind::LeakedGoldenKey,
            &InstructorSecret::from_bytes([7; 32]),
            &["ada".to_owned(), "grace".to_owned()],
        );
        let class = GradingFile::parse(&class.to_json()).expect("own grading file parses");
        let _ = grading::check_batch(&class, text);
    }
});
