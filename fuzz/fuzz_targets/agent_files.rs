//! What escrow agents, thieves and instructors hand doormat: split-key shares, Clipper
//! unit-key halves and family keys, device snapshots, grading files and CSVs of answers.
#![no_main]

use doormat::exercise::grading::{self, GradingFile};
use doormat::exercise::{ExerciseKind, InstructorSecret};
use doormat::schemes::clipper::{FamilyKeyFile, UnitHalvesFile};
use doormat::schemes::snapshot::{self, SnapshotFile};
use doormat::schemes::split_key::ShareFile;
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

/// A snapshot's SHA-256 digest stops almost every mutation at the first check, which a
/// fuzzer cannot get past by itself: recompute it, as a deliberate tamperer would, so
/// that every field check behind it is fuzzed too.
fn resealed(text: &str) -> Option<String> {
    let mut file: SnapshotFile = serde_json::from_str(text).ok()?;
    file.digest = String::new();
    let compact = serde_json::to_string(&file).ok()?;
    let digest: String = Sha256::digest(compact.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    file.digest = format!("sha256:{digest}");
    serde_json::to_string(&file).ok()
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = ShareFile::parse(text);
        let _ = UnitHalvesFile::parse(text);
        let _ = FamilyKeyFile::parse(text);
        let _ = snapshot::parse(text);
        if let Some(resealed) = resealed(text) {
            let _ = snapshot::parse(&resealed);
        }
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
