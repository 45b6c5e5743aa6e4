//! Client-side scanning: doormat's PDQ against Meta's reference, and the attacks on it.

use std::collections::HashMap;

use doormat::imaging::{pdq, synth, RgbImage};

use crate::util::*;

/// doormat's PDQ gives the reference's hash and quality, bit for bit, on generated
/// pictures of every kind and of many sizes (the reference: the `pdqhash` package,
/// Cython over Meta's C++).
#[test]
fn pdq_agrees_with_meta_reference_on_generated_images() {
    require_pdqhash();
    let dir = scratch("pdq-reference");
    let sizes = [
        (256, 256),
        (512, 384),
        (300, 200),
        (97, 61),
        (64, 64),
        (999, 640),
    ];
    let mut expected = HashMap::new();
    let mut files = Vec::new();
    for i in 0..60u64 {
        let kind = synth::Kind::ALL[(i % 4) as usize];
        let (w, h) = sizes[(i as usize / 4) % sizes.len()];
        let image = synth::picture(kind, 1000 + i, w, h, Some("free press 2019"));
        let path = dir.join(format!("{i:03}.png"));
        std::fs::write(&path, image.to_png()).unwrap();
        // What doormat hashes is what was written.
        let read = RgbImage::from_png(&std::fs::read(&path).unwrap()).unwrap();
        expected.insert(s(&path).to_owned(), pdq::hash(&read).unwrap());
        files.push(s(&path).to_owned());
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/interop/pdq_reference.py"
    );
    let mut args = vec![script];
    args.extend(files.iter().map(String::as_str));
    let run = run_tool(&dir, "python3", &args);
    run.ok();
    let mut compared = 0;
    for line in run.stdout.lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        let file = row["file"].as_str().unwrap();
        let reference = pdq::PdqHash::from_hex(row["hash"].as_str().unwrap()).unwrap();
        let ours = expected[file];
        assert_eq!(
            ours.hash.distance(&reference),
            0,
            "{file}: doormat {} reference {reference}",
            ours.hash
        );
        assert_eq!(
            u64::from(ours.quality),
            row["quality"].as_u64().unwrap(),
            "{file}"
        );
        compared += 1;
    }
    assert_eq!(compared, 60);
}
