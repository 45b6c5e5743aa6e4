//! Client-side scanning: doormat's PDQ against Meta's reference, and the attacks on it.

use std::collections::HashMap;

use doormat::imaging::{pdq, synth, RgbImage};

use crate::util::*;

/// doormat's PDQ gives the reference's hash and quality, bit for bit, on generated
/// pictures of every kind and of many sizes (the reference: the `pdqhash` package,
/// Cython over Meta's C++).
#[test]
fn pdq_agrees_with_meta_reference_on_generated_images() {
    independent_of_rsa_backend!();
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

/// A seeded client-scan world, made once per test run.
fn scan_world() -> &'static std::path::Path {
    static WORLD: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    WORLD.get_or_init(|| {
        let dir = scratch("shared-client-scan");
        simulate(&dir, "world", "client-scan", (6, 300), 13, &[]).ok();
        dir.join("world")
    })
}

fn photos(world: &std::path::Path) -> Vec<serde_json::Value> {
    read_jsonl(&world.join("photos.jsonl"))
}

/// The sent image of a message, read back out of its plaintext, and the file kept.
fn attached(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("data:image/png;base64,"))
        .expect("an image message carries a data URI");
    base64::engine::general_purpose::STANDARD
        .decode(line)
        .unwrap()
}

/// Every image message carries its picture inside the encrypted text; every match the
/// phones reported is a sent image within the threshold of a list entry, and every such
/// image was reported; each voucher opens with the provider's key to the image sent.
#[test]
fn a_client_scan_world_reports_exactly_the_listed_images_it_carries() {
    independent_of_rsa_backend!();
    let world = scan_world();
    let truth = read_jsonl(&world.join("truth.jsonl"));
    let list: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(world.join("scan-list.json")).unwrap())
            .unwrap();
    let entries: Vec<(String, pdq::PdqHash)> = list["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["id"].as_str().unwrap().to_owned(),
                pdq::PdqHash::from_hex(e["hash"].as_str().unwrap()).unwrap(),
            )
        })
        .collect();
    let sent = photos(world);
    assert!(sent.len() > 10, "{} images", sent.len());
    let mut expected = Vec::new();
    for photo in &sent {
        let id = photo["id"].as_str().unwrap();
        let file = std::fs::read(world.join(photo["file"].as_str().unwrap())).unwrap();
        let message = truth.iter().find(|m| m["id"] == id).unwrap();
        assert_eq!(attached(message["text"].as_str().unwrap()), file, "{id}");
        let hash = pdq::hash(&RgbImage::from_png(&file).unwrap()).unwrap().hash;
        if entries
            .iter()
            .any(|(_, h)| h.distance(&hash) <= pdq::MATCH_THRESHOLD)
        {
            expected.push(id.to_owned());
        }
        let listed = photo["picture"].as_str().unwrap().starts_with("known-");
        assert_eq!(
            expected.last().map(String::as_str) == Some(id),
            listed,
            "{id}"
        );
    }
    let reports = read_jsonl(&world.join("reports.jsonl"));
    let reported: Vec<String> = reports
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(reported, expected);
    // The vouchers open with the provider's key, and only with it.
    let provider = doormat::crypto::rsa_oaep::PrivateKey::from_pem(
        &std::fs::read_to_string(world.join("keys/provider.pem")).unwrap(),
    )
    .unwrap();
    let alice = doormat::crypto::rsa_oaep::PrivateKey::from_pem(
        &std::fs::read_to_string(world.join("keys/alice.pem")).unwrap(),
    )
    .unwrap();
    for line in std::fs::read_to_string(world.join("reports.jsonl"))
        .unwrap()
        .lines()
    {
        let report: doormat::schemes::client_scan::ScanReport = serde_json::from_str(line).unwrap();
        let png = doormat::schemes::client_scan::open_voucher(&report, &provider).unwrap();
        let kept = std::fs::read(world.join(format!("images/{}.png", report.id))).unwrap();
        assert_eq!(png, kept);
        assert!(doormat::schemes::client_scan::open_voucher(&report, &alice).is_err());
    }
    // The recipients still read their messages, images included, with their own keys.
    let run = doormat(
        world,
        &["recover", "--world", ".", "--key", "keys/bob.pem", "--json"],
    );
    assert!(run.ok().json()["messages_opened"].as_u64().unwrap() > 0);
}

#[test]
fn poisoning_the_list_names_exactly_who_sent_the_poster() {
    independent_of_rsa_backend!();
    let world = scan_world();
    let run = doormat(
        world,
        &[
            "attack",
            "poison",
            "--world",
            ".",
            "--image",
            "gallery/poster.png",
            "--json",
        ],
    );
    let report = run.ok().json();
    let mut senders: Vec<String> = photos(world)
        .iter()
        .filter(|p| p["picture"] == "poster")
        .map(|p| p["from"].as_str().unwrap().to_owned())
        .collect();
    let shares = senders.len() as u64;
    senders.sort();
    senders.dedup();
    assert!(shares > 0, "the seeded world shares the poster");
    let reported: Vec<String> = report["reported_users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(reported, senders);
    assert_eq!(report["reports"].as_u64().unwrap(), shares);
    assert_eq!(report["false_reports"], 0);
    assert_eq!(report["picture"], "poster");
    assert_eq!(report["list_entries"], 4);
    // Nothing is written into the world: the list on disk is the phones' own.
    let list = std::fs::read_to_string(world.join("scan-list.json")).unwrap();
    assert_eq!(list.matches("\"id\"").count(), 3);
    // An image the world never held: every match it makes is a false report.
    let dir = scratch("poison-foreign");
    let foreign = dir.join("foreign.png");
    std::fs::write(
        &foreign,
        synth::picture(synth::Kind::Shapes, 9, 200, 200, None).to_png(),
    )
    .unwrap();
    let run = doormat(
        &dir,
        &[
            "attack",
            "poison",
            "--world",
            s(world),
            "--image",
            "foreign.png",
            "--json",
        ],
    );
    let report = run.ok().json();
    assert!(report["picture"].is_null());
    assert_eq!(report["reports"], report["false_reports"]);
    // With trials: generated pictures, one at a time.
    let run = doormat(
        &dir,
        &[
            "attack",
            "poison",
            "--world",
            s(world),
            "--image",
            "foreign.png",
            "--trials",
            "20",
            "--seed",
            "1",
            "--json",
        ],
    );
    let trials = &run.ok().json()["trials"];
    assert_eq!(trials["trials"], 20);
    assert_eq!(trials["successes"], 20, "{trials}");
}

#[test]
fn poisoning_refuses_what_it_cannot_use() {
    independent_of_rsa_backend!();
    let dir = scratch("poison-refusals");
    std::fs::write(dir.join("text.png"), "not a picture").unwrap();
    let golden = shared_world("golden-key");
    doormat(
        &dir,
        &[
            "attack",
            "poison",
            "--world",
            s(golden),
            "--image",
            "text.png",
        ],
    )
    .refused(&["golden-key world", "client-scan"]);
    let world = scan_world();
    doormat(
        &dir,
        &[
            "attack",
            "poison",
            "--world",
            s(world),
            "--image",
            "text.png",
        ],
    )
    .refused(&["text.png", "is not a PNG"]);
    doormat(
        &dir,
        &[
            "attack",
            "poison",
            "--world",
            s(world),
            "--image",
            "missing.png",
        ],
    )
    .refused(&["missing.png"]);
    doormat(
        &dir,
        &[
            "attack",
            "poison",
            "--world",
            s(world),
            "--image",
            "text.png",
            "--trials",
            "0",
        ],
    )
    .refused(&["--trials"]);
    // A damaged record of sent images is named by file and line.
    let copy = scratch("damaged").join("world");
    copy_dir(world, &copy);
    let path = copy.join("photos.jsonl");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("{\"id\": 5}\n");
    std::fs::write(&path, text).unwrap();
    let lines = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .count()
        .to_string();
    doormat(
        &dir,
        &[
            "attack",
            "poison",
            "--world",
            s(&copy),
            "--image",
            s(&copy.join("gallery/poster.png")),
        ],
    )
    .refused(&["photos.jsonl", &format!("line {lines}")]);
}

/// Runs Meta's reference over `files`: their hashes, in order.
fn reference_hashes(dir: &std::path::Path, files: &[&std::path::Path]) -> Vec<pdq::PdqHash> {
    require_pdqhash();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/interop/pdq_reference.py"
    );
    let mut args = vec![script];
    args.extend(files.iter().map(|f| s(f)));
    let run = run_tool(dir, "python3", &args);
    run.ok();
    run.stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            pdq::PdqHash::from_hex(v["hash"].as_str().unwrap()).unwrap()
        })
        .collect()
}

/// The evasion and the forgery do what they claim by Meta's own code, not only by
/// doormat's: the reference hashes the images they wrote.
#[test]
fn evasion_and_forgery_hold_against_the_reference_hash() {
    independent_of_rsa_backend!();
    let world = scan_world();
    let dir = scratch("image-attacks");
    let known = world.join("gallery/known-1.png");
    let photo = world.join("gallery/photo-2.png");
    let evaded = dir.join("evaded.png");
    let forged = dir.join("forged.png");
    let e = doormat(
        &dir,
        &[
            "attack",
            "evade",
            "--image",
            s(&known),
            "--out",
            "evaded.png",
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(e["attack"], "evade");
    assert!(e["distance"].as_u64().unwrap() > 31, "{e}");
    assert!(e["psnr_db"].as_f64().unwrap() >= 30.0, "{e}");
    assert_eq!(e["success"], true);
    let c = doormat(
        &dir,
        &[
            "attack",
            "collide",
            "--target",
            s(&known),
            "--from",
            s(&photo),
            "--out",
            "forged.png",
            "--json",
        ],
    )
    .ok()
    .json();
    assert!(c["distance"].as_u64().unwrap() <= 31, "{c}");
    assert_eq!(c["threshold"], 31);
    assert!(c["seconds"].as_f64().unwrap() < 10.0);
    let hashes = reference_hashes(&dir, &[&known, &evaded, &forged, &photo]);
    assert!(hashes[0].distance(&hashes[1]) > 31);
    assert!(hashes[0].distance(&hashes[2]) <= 31);
    assert!(
        hashes[0].distance(&hashes[3]) > 31,
        "the photo alone does not match"
    );
    assert_eq!(hashes[1].to_hex(), e["hash"].as_str().unwrap());
    // The forgery looks like the photo, by the PSNR doormat reports.
    let made = RgbImage::from_png(&std::fs::read(&forged).unwrap()).unwrap();
    let source = RgbImage::from_png(&std::fs::read(&photo).unwrap()).unwrap();
    let psnr = doormat::imaging::psnr_db(&source, &made).unwrap();
    assert!((psnr - c["psnr_db"].as_f64().unwrap()).abs() < 1e-9);
}

#[test]
fn image_attacks_over_generated_pictures_report_their_success_rate() {
    independent_of_rsa_backend!();
    let dir = scratch("image-trials");
    for attack in ["evade", "collide"] {
        let t = doormat(&dir, &["attack", attack, "--trials", "6", "--json"])
            .ok()
            .json();
        let trials = &t["trials"];
        assert_eq!(trials["trials"], 6);
        assert_eq!(trials["successes"], 6, "{attack}: {trials}");
        assert!(trials["max_seconds"].as_f64().unwrap() < 10.0);
        assert!(t.get("distance").is_none(), "no image was given");
        if attack == "evade" {
            assert!(trials["min_psnr_db"].as_f64().unwrap() >= 30.0);
        }
    }
}

#[test]
fn image_attacks_refuse_bad_flags_and_never_overwrite() {
    independent_of_rsa_backend!();
    let dir = scratch("image-refusals");
    let a = dir.join("a.png");
    std::fs::write(
        &a,
        synth::picture(synth::Kind::Scene, 1, 128, 128, None).to_png(),
    )
    .unwrap();
    std::fs::write(dir.join("taken.png"), "mine").unwrap();
    doormat(
        &dir,
        &["attack", "evade", "--image", "a.png", "--out", "taken.png"],
    )
    .refused(&["taken.png", "--force"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("taken.png")).unwrap(),
        "mine"
    );
    doormat(
        &dir,
        &[
            "attack", "evade", "--image", "a.png", "--out", "a.png", "--force",
        ],
    )
    .refused(&["also an input"]);
    doormat(&dir, &["attack", "evade", "--image", "a.png"]).refused(&["--out"]);
    doormat(&dir, &["attack", "evade"]).refused(&["--trials"]);
    doormat(
        &dir,
        &["attack", "collide", "--from", "a.png", "--out", "f.png"],
    )
    .refused(&["--target"]);
    doormat(
        &dir,
        &[
            "attack",
            "evade",
            "--image",
            "a.png",
            "--out",
            "e.png",
            "--threshold",
            "200",
        ],
    )
    .refused(&["--threshold"]);
    doormat(&dir, &["attack", "collide", "--trials", "0"]).refused(&["--trials"]);
    std::fs::write(
        dir.join("tiny.png"),
        RgbImage::filled(3, 3, [0; 3]).to_png(),
    )
    .unwrap();
    doormat(
        &dir,
        &["attack", "evade", "--image", "tiny.png", "--out", "e.png"],
    )
    .refused(&["tiny.png", "at least 5 pixels"]);
    assert!(!dir.join("e.png").exists());
    // --force replaces a file doormat may replace.
    doormat(
        &dir,
        &[
            "attack",
            "evade",
            "--image",
            "a.png",
            "--out",
            "taken.png",
            "--force",
        ],
    )
    .ok();
    assert!(RgbImage::from_png(&std::fs::read(dir.join("taken.png")).unwrap()).is_ok());
}

#[test]
fn scan_flags_are_checked() {
    independent_of_rsa_backend!();
    let dir = scratch("scan-flags");
    simulate(
        &dir,
        "w",
        "golden-key",
        (3, 10),
        1,
        &["--scan-threshold", "20"],
    )
    .refused(&["--scan-threshold", "client-scan"]);
    simulate(
        &dir,
        "w",
        "client-scan",
        (3, 10),
        1,
        &["--scan-threshold", "200"],
    )
    .refused(&["--scan-threshold"]);
    let run = simulate(
        &dir,
        "w",
        "client-scan",
        (3, 40),
        1,
        &["--scan-threshold", "0", "--json"],
    );
    run.ok();
    let world: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("w/world.json")).unwrap()).unwrap();
    assert_eq!(world["parameters"]["scan_threshold"], 0);
    let list = std::fs::read_to_string(dir.join("w/scan-list.json")).unwrap();
    assert!(list.contains("\"threshold\": 0"));
}

#[test]
fn a_client_scan_world_is_bounded_before_it_fills_the_disk() {
    independent_of_rsa_backend!();
    let dir = scratch("scan-bound");
    simulate(&dir, "w", "client-scan", (3, 20_001), 1, &[]).refused(&["--messages", "20000"]);
    assert!(!dir.join("w").exists());
}
