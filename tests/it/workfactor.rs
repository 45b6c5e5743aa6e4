//! workfactor: Lotus Notes' 24 escrowed bits of a 40-bit key (64 in Notes).

use crate::util::{doormat, read_jsonl, s, scratch, simulate};

#[test]
fn the_agency_searches_16_bits_and_everyone_else_40() {
    let dir = scratch("workfactor");
    simulate(&dir, "w", "workfactor", (3, 6), 4, &[]).ok();
    let w = dir.join("w");
    let truth = read_jsonl(&w.join("truth.jsonl"));
    let capture = read_jsonl(&w.join("capture.jsonl"));
    assert!(capture
        .iter()
        .all(|e| e["wrf"].is_string() && e["salt"].is_string()));
    for id in ["m000001", "m000004"] {
        let agency = doormat(
            &dir,
            &[
                "attack",
                "brute-force",
                "--world",
                s(&w),
                "--id",
                id,
                "--key",
                "w/keys/agency.pem",
                "--json",
            ],
        )
        .ok()
        .json();
        assert_eq!(agency["bits"], 16);
        assert_eq!(agency["escrowed_bits"], 24);
        assert_eq!(agency["found"], true);
        let sent = truth.iter().find(|m| m["id"] == id).unwrap();
        assert_eq!(agency["text"], sent["text"]);
        assert!(agency["keys_tried"].as_u64().unwrap() <= 1 << 16);
    }
    // Without the key: all 40 bits, timed for half a second and extrapolated.
    let anyone = doormat(
        &dir,
        &[
            "attack",
            "brute-force",
            "--world",
            "w",
            "--sample",
            "0.5",
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(anyone["bits"], 40);
    assert!(anyone.get("escrowed_bits").is_none());
    assert_eq!(anyone["complete"], false);
    // The agency key alone, through recover, opens nothing: it holds bits, not keys.
    let recovered = doormat(
        &dir,
        &[
            "recover",
            "--world",
            "w",
            "--key",
            "w/keys/agency.pem",
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(recovered["messages_opened"], 0);
}

#[test]
fn only_the_worlds_agency_key_is_taken() {
    let dir = scratch("workfactor-refusals");
    simulate(&dir, "w", "workfactor", (2, 2), 1, &[]).ok();
    simulate(&dir, "sk", "short-key", (2, 2), 1, &["--bits", "16"]).ok();
    let run = |world: &str, key: &str| {
        doormat(
            &dir,
            &["attack", "brute-force", "--world", world, "--key", key],
        )
    };
    run("w", "w/keys/alice.pem").refused(&["alice.pem", "not this world's agency key"]);
    run("sk", "w/keys/agency.pem").refused(&["--key", "short-key world escrows no key bits"]);
}
