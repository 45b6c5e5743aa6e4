//! The exceptional-access designs beyond the golden key: what each compromise opens,
//! and the inputs each must refuse.

use crate::util::*;

fn world(name: &str, args: &[&str]) -> std::path::PathBuf {
    world_seeded(name, "21", args)
}

fn world_seeded(name: &str, seed: &str, args: &[&str]) -> std::path::PathBuf {
    let dir = scratch(name);
    let mut all = vec![
        "simulate",
        "--out",
        "w",
        "--users",
        "3",
        "--messages",
        "30",
        "--seed",
        seed,
    ];
    all.extend_from_slice(args);
    doormat(&dir, &all).ok();
    dir.join("w")
}

#[test]
fn split_key_needs_threshold_shares_and_then_opens_everything() {
    let w = world(
        "split",
        &["--scheme", "split-key", "--agents", "4", "--threshold", "3"],
    );
    assert!(
        !w.join("keys/escrow.pem").exists(),
        "the whole escrow key is never written"
    );
    #[cfg(unix)]
    for agent in 1..=4 {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(w.join(format!("keys/agent-{agent}.share")))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let share = |i: u32| format!("{}/keys/agent-{i}.share", s(&w));
    let dir = scratch("split-run");

    doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(&w),
            "--share",
            &share(1),
            "--share",
            &share(3),
        ],
    )
    .refused(&[
        "2 shares given",
        "3 are needed",
        "hint: add --share for 1 more agent",
    ]);
    doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(&w),
            "--share",
            &share(2),
            "--share",
            &share(2),
            "--share",
            &share(4),
        ],
    )
    .refused(&["agent 2's share is given twice"]);

    let report = doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(&w),
            "--share",
            &share(4),
            "--share",
            &share(1),
            "--share",
            &share(2),
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(report["messages_opened"], 30);
    assert!(report["notes"][0]
        .as_str()
        .unwrap()
        .contains("holds the golden key"));
    // The same step as values: three shares, and the key they rebuilt is the escrow key
    // the report holds.
    let found = &report["findings"][0];
    assert_eq!(found["kind"], "shares-combined");
    assert_eq!(found["shares"], 3);
    let escrow = report["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["role"] == "escrow")
        .expect("the rebuilt escrow key");
    let prefix = format!("sha256:{}", found["fingerprint"].as_str().unwrap());
    assert!(
        escrow["fingerprint"].as_str().unwrap().starts_with(&prefix),
        "{found} {escrow}"
    );
    assert_eq!(
        report["notes"].as_array().unwrap().len(),
        report["findings"].as_array().unwrap().len()
    );

    // A share from another split-key world is refused by name.
    let other = world_seeded(
        "split-other",
        "22",
        &["--scheme", "split-key", "--agents", "4", "--threshold", "3"],
    );
    let foreign = format!("{}/keys/agent-1.share", s(&other));
    doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(&w),
            "--share",
            &share(1),
            "--share",
            &share(2),
            "--share",
            &foreign,
        ],
    )
    .refused(&["agent-1.share", "another world's escrow key"]);

    // A damaged share: the combination is refused, never a wrong key used.
    let damaged = dir.join("damaged.share");
    let mut text: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(share(3)).unwrap()).unwrap();
    let mut bytes = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        text["share"].as_str().unwrap(),
    )
    .unwrap();
    bytes[100] ^= 0xff;
    text["share"] =
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes).into();
    std::fs::write(&damaged, text.to_string()).unwrap();
    doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(&w),
            "--share",
            &share(1),
            "--share",
            &share(2),
            "--share",
            s(&damaged),
        ],
    )
    .refused(&["do not combine", "damaged"]);

    // --share against a world without a split key.
    doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(shared_world("golden-key")),
            "--share",
            &share(1),
        ],
    )
    .refused(&["no split escrow key"]);
}

#[test]
fn split_key_parameters_are_checked() {
    let dir = scratch("split-params");
    for (args, needle) in [
        (vec!["--agents", "1"], "--agents"),
        (vec!["--agents", "3", "--threshold", "4"], "--threshold"),
        (vec!["--agents", "3", "--threshold", "1"], "--threshold"),
    ] {
        let mut all = vec!["simulate", "--out", "w", "--scheme", "split-key"];
        all.extend(args);
        doormat(&dir, &all).refused(&[needle]);
    }
    doormat(
        &dir,
        &[
            "simulate",
            "--out",
            "w",
            "--scheme",
            "golden-key",
            "--threshold",
            "2",
        ],
    )
    .refused(&["--threshold", "applies to split-key worlds"]);
    assert!(!dir.join("w").exists());
}

#[test]
fn the_provider_vault_key_opens_every_device() {
    let w = world("provider", &["--scheme", "provider-escrow"]);
    for line in read_jsonl(&w.join("capture.jsonl")) {
        assert!(
            line.get("escrow").is_none(),
            "no escrow field: the access is in the vault"
        );
    }
    let requests = read_jsonl(&w.join("vault/requests.jsonl"));
    assert!(!requests.is_empty());
    let dir = scratch("provider-run");
    let out = dir.join("all.jsonl");
    let report = doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(&w),
            "--key",
            &format!("{}/keys/provider.pem", s(&w)),
            "--json",
            "--out",
            s(&out),
        ],
    )
    .ok()
    .json();
    assert_eq!(report["messages_opened"], 30);
    assert_eq!(report["users_fully_exposed"].as_array().unwrap().len(), 3);
    assert!(report["notes"][0]
        .as_str()
        .unwrap()
        .contains(&format!("{} routine requests", requests.len())));
    assert_eq!(read_jsonl(&out), read_jsonl(&w.join("truth.jsonl")));

    // A damaged vault entry is refused with its file name, not silently skipped.
    let entry = w.join("vault/bob.json");
    let text = std::fs::read_to_string(&entry).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["device"] = "carol".into();
    std::fs::write(&entry, value.to_string()).unwrap();
    doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(&w),
            "--key",
            &format!("{}/keys/provider.pem", s(&w)),
        ],
    )
    .refused(&["vault/bob.json", "does not open"]);
}

/// CLEAR: the vault key alone opens nothing recorded; with a phone in hand it opens that
/// phone's history; a phone alone stays locked. Every refusal names its file and field.
#[test]
fn clear_opens_only_the_phones_in_hand_and_only_with_the_vault_key() {
    let w = world("clear", &["--scheme", "clear"]);
    let capture = read_jsonl(&w.join("capture.jsonl"));
    assert!(capture
        .iter()
        .all(|e| e["scheme"] == "clear" && e.get("escrow").is_none()));
    let dir = scratch("clear-run");
    let vendor = format!("{}/keys/vendor.pem", s(&w));
    let phone = |name: &str| format!("{}/phones/{name}.json", s(&w));
    let recover = |extra: &[&str]| {
        let mut args = vec!["recover", "--world", s(&w), "--json"];
        args.extend_from_slice(extra);
        doormat(&dir, &args)
    };
    let alone = recover(&["--key", &vendor]).ok().json();
    assert_eq!(alone["messages_opened"], 0, "stored data, not transit");
    assert!(alone["notes"][0].as_str().unwrap().contains("--phone"));

    let locked = recover(&["--phone", &phone("alice")]).ok().json();
    assert_eq!(
        locked["messages_opened"], 0,
        "no vault key: the phone stays locked"
    );

    let truth = read_jsonl(&w.join("truth.jsonl"));
    let alices = truth_of(&w, "alice").len();
    let one = recover(&["--key", &vendor, "--phone", &phone("alice")])
        .ok()
        .json();
    assert_eq!(one["messages_opened"], alices as u64);
    assert!(alices > 0 && alices < truth.len());
    let two = recover(&[
        "--key",
        &vendor,
        "--phone",
        &phone("alice"),
        "--phone",
        &phone("bob"),
    ])
    .ok()
    .json();
    assert!(two["messages_opened"].as_u64() > one["messages_opened"].as_u64());

    // Hostile phones: refused with the file and the field, never half-read.
    let bad = dir.join("bad.json");
    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(phone("carol")).unwrap()).unwrap();
    for (field, value, needle) in [
        ("bricked", serde_json::json!(true), "bricked"),
        ("device", serde_json::json!("alice"), "another world"),
        ("storage", serde_json::json!("AAAA"), "storage"),
        ("clear_blob", serde_json::json!("AAAA"), "clear_blob"),
        ("v", serde_json::json!(2), "version 2"),
    ] {
        let mut damaged = original.clone();
        damaged[field] = value;
        std::fs::write(&bad, damaged.to_string()).unwrap();
        recover(&["--key", &vendor, "--phone", s(&bad)]).refused(&["bad.json", needle]);
    }
    // Another world's vault key does not open this world's phones.
    let other = world_seeded("clear-other", "22", &["--scheme", "clear"]);
    let other_vendor = format!("{}/keys/vendor.pem", s(&other));
    doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(&w),
            "--key",
            &other_vendor,
            "--phone",
            &phone("alice"),
        ],
    )
    .refused(&["belongs to no party"]);
    // A phone is a clear world's: elsewhere --phone is refused.
    let golden = world("clear-golden", &["--scheme", "golden-key"]);
    doormat(
        &dir,
        &["recover", "--world", s(&golden), "--phone", &phone("alice")],
    )
    .refused(&["--phone", "clear world"]);
}

/// A world written before provider escrow had its name still opens: the old name is an
/// alias, and the provider there is called vendor.
#[test]
fn a_world_written_as_vendor_escrow_still_opens() {
    let dir = scratch("old-world");
    let w = dir.join("w");
    copy_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/worlds/vendor-escrow-v1"),
        &w,
    );
    #[cfg(unix)]
    for name in ["alice", "bob", "vendor"] {
        use std::os::unix::fs::PermissionsExt;
        let key = w.join(format!("keys/{name}.pem"));
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let report = doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(&w),
            "--key",
            &format!("{}/keys/vendor.pem", s(&w)),
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(report["scheme"], "provider-escrow");
    assert_eq!(report["messages_opened"], 6);
}

#[test]
fn short_keys_fall_to_brute_force_in_seconds() {
    let w = world("short", &["--scheme", "short-key", "--bits", "20"]);
    let capture = read_jsonl(&w.join("capture.jsonl"));
    assert_eq!(capture[0]["scheme"], "short-key");
    assert!(capture[0]["salt"].is_string());
    let dir = scratch("short-run");
    let report = doormat(
        &dir,
        &[
            "attack",
            "brute-force",
            "--world",
            s(&w),
            "--id",
            "m000003",
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(report["bits"], 20);
    assert_eq!(report["found"], true);
    let truth = read_jsonl(&w.join("truth.jsonl"));
    assert_eq!(report["text"], truth[2]["text"]);
    let tried = report["keys_tried"].as_u64().unwrap();
    assert!((1..=1 << 20).contains(&tried));
    assert!(report["keys_per_second"].as_f64().unwrap() > 0.0);
    assert!(report["seconds"].as_f64().unwrap() >= 0.0);
    let bits: Vec<u64> = report["extrapolation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["bits"].as_u64().unwrap())
        .collect();
    assert_eq!(bits, [32, 40, 56, 64, 80, 128]);

    // The readers' own keys still open everything the normal way.
    let report = doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(&w),
            "--key",
            &format!("{}/keys/alice.pem", s(&w)),
            "--json",
        ],
    )
    .ok()
    .json();
    assert!(report["messages_opened"].as_u64().unwrap() > 0);
}

#[test]
fn brute_force_refuses_what_it_cannot_attack() {
    let dir = scratch("short-bad");
    doormat(
        &dir,
        &[
            "simulate",
            "--out",
            "w",
            "--scheme",
            "short-key",
            "--bits",
            "12",
        ],
    )
    .refused(&["--bits", "16 to 40"]);
    doormat(
        &dir,
        &[
            "simulate",
            "--out",
            "w",
            "--scheme",
            "short-key",
            "--bits",
            "41",
        ],
    )
    .refused(&["--bits"]);
    doormat(
        &dir,
        &["attack", "brute-force", "--world", s(shared_world("none"))],
    )
    .refused(&["none world", "short-key"]);
    let w = world("short-ids", &["--scheme", "short-key", "--bits", "16"]);
    doormat(
        &dir,
        &["attack", "brute-force", "--world", s(&w), "--id", "m999999"],
    )
    .refused(&["holds no message m999999"]);
    for (flag, value, needle) in [
        ("--method", "fastest", "not a search method"),
        ("--threads", "0", "choose 1 to 1024"),
        ("--sample", "0", "0.1 to 86400 seconds"),
        ("--sample", "NaN", "0.1 to 86400 seconds"),
    ] {
        brute_force(&dir, &w, &[flag, value]).refused(&[flag, needle]);
    }
}

/// `doormat attack brute-force --world W` with `extra` flags, run in `dir`.
fn brute_force(dir: &std::path::Path, world: &std::path::Path, extra: &[&str]) -> Run {
    let mut args = vec!["attack", "brute-force", "--world", s(world)];
    args.extend_from_slice(extra);
    doormat(dir, &args)
}

#[test]
fn every_search_method_finds_the_same_key() {
    let w = world("short-methods", &["--scheme", "short-key", "--bits", "18"]);
    let dir = scratch("short-methods-run");
    let truth = read_jsonl(&w.join("truth.jsonl"));
    for method in ["portable", "full-open", "aes-ni"] {
        let run = brute_force(
            &dir,
            &w,
            &[
                "--id",
                "m000002",
                "--method",
                method,
                "--threads",
                "1",
                "--json",
            ],
        );
        if method == "aes-ni" && run.code == 2 {
            run.refused(&["no AES-NI"]);
            continue;
        }
        let report = run.ok().json();
        assert_eq!(report["text"], truth[1]["text"], "{method}");
        assert_eq!(report["method"], method);
        assert_eq!(report["threads"], 1);
        assert_eq!(report["complete"], true);
    }
}

#[test]
fn a_long_search_asks_first_or_samples() {
    let w = world("short-40", &["--scheme", "short-key", "--bits", "40"]);
    let dir = scratch("short-40-run");
    // 2^40 keys take hours on a laptop: refused without --yes, with the estimate.
    brute_force(&dir, &w, &[]).refused(&["--yes", "could take", "--sample"]);
    // A timed sample runs, says it is incomplete, and extrapolates.
    let report = brute_force(&dir, &w, &["--sample", "0.5", "--json"])
        .ok()
        .json();
    assert_eq!(report["complete"], false);
    assert_eq!(report["found"], false);
    assert!(report["keys_tried"].as_u64().unwrap() > 0);
    let average = report["extrapolation"][0]["average_seconds"].as_f64();
    assert!(average.unwrap() > 0.0);
    // --json prints its one object and nothing on stderr before it.
    let run = brute_force(&dir, &w, &["--sample", "0.2", "--json"]);
    run.ok();
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let run = brute_force(&dir, &w, &["--sample", "0.2"]);
    let text = &run.ok().stdout;
    assert!(
        text.contains("not among the keys of this timed sample"),
        "{text}"
    );
}

#[test]
fn the_ghost_reads_the_targets_conversations_from_t_and_nothing_before() {
    let dir = scratch("ghost");
    doormat(
        &dir,
        &[
            "simulate",
            "--out",
            "w",
            "--scheme",
            "ghost",
            "--users",
            "4",
            "--messages",
            "80",
            "--seed",
            "6",
            "--ghost-after",
            "41",
            "--ghost-target",
            "carol",
            "--verifying",
            "dave",
        ],
    )
    .ok();
    let w = dir.join("w");
    let out = dir.join("ghost.jsonl");
    let report = doormat(
        &dir,
        &[
            "recover",
            "--world",
            "w",
            "--key",
            "w/keys/ghost.pem",
            "--json",
            "--out",
            s(&out),
        ],
    )
    .ok()
    .json();
    let expected: Vec<serde_json::Value> = read_jsonl(&w.join("truth.jsonl"))
        .into_iter()
        .enumerate()
        .filter(|(i, m)| {
            *i >= 40
                && (m["from"] == "carol"
                    || m["to"].as_array().unwrap().iter().any(|t| t == "carol"))
        })
        .map(|(_, m)| m)
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(
        read_jsonl(&out),
        expected,
        "the targeted conversations from t=41 on, and only those"
    );
    assert!(report["first_exposed_t"].as_u64().unwrap() >= 41);
    assert!(
        read_jsonl(&w.join("capture.jsonl"))
            .iter()
            .all(|e| e.get("escrow").is_none()),
        "no escrow key at all"
    );

    // Dave's client verifies: it noticed the ghost in each targeted conversation it is in;
    // nobody else's client said a word.
    let notices = read_jsonl(&w.join("notices.jsonl"));
    assert!(!notices.is_empty());
    for notice in &notices {
        assert_eq!(notice["user"], "dave");
        assert!(notice["t"].as_u64().unwrap() >= 41);
        assert!(notice["conversation"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == "carol"));
    }

    doormat(
        &dir,
        &[
            "simulate",
            "--out",
            "x",
            "--scheme",
            "ghost",
            "--ghost-target",
            "mallory",
        ],
    )
    .refused(&["--ghost-target"]);
    doormat(
        &dir,
        &[
            "simulate",
            "--out",
            "x",
            "--scheme",
            "ghost",
            "--messages",
            "10",
            "--ghost-after",
            "11",
        ],
    )
    .refused(&["--ghost-after"]);
    doormat(
        &dir,
        &[
            "simulate",
            "--out",
            "x",
            "--scheme",
            "none",
            "--verifying",
            "bob",
        ],
    )
    .refused(&["--verifying", "ghost"]);
}

#[test]
fn clipper_family_key_names_devices_and_unit_keys_open_for_good() {
    let w = world("clipper", &["--scheme", "clipper"]);
    let key = |f: &str| format!("{}/keys/{f}", s(&w));
    #[cfg(unix)]
    for f in ["family.key", "unit-agent-1.json", "unit-agent-2.json"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(key(f)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{f}");
    }
    let dir = scratch("clipper-run");

    // Attack a: the family key alone names the sending device of every message.
    let meta = doormat(
        &dir,
        &[
            "attack",
            "leaf-metadata",
            "--world",
            s(&w),
            "--family-key",
            &key("family.key"),
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(meta["leafs_read"], 30);
    assert_eq!(meta["devices"].as_array().unwrap().len(), 3);
    // Every LEAF read is counted for exactly one device, each as many as its user sent
    // (found by cargo-mutants: a count turned to a subtraction went unnoticed).
    let truth = read_jsonl(&w.join("truth.jsonl"));
    for device in meta["devices"].as_array().unwrap() {
        let sender = device["senders"][0].as_str().unwrap();
        let sent = truth.iter().filter(|m| m["from"] == sender).count() as u64;
        assert_eq!(device["messages"].as_u64(), Some(sent), "{sender}");
    }
    for device in meta["devices"].as_array().unwrap() {
        assert_eq!(
            device["senders"].as_array().unwrap().len(),
            1,
            "one device, one sender"
        );
    }
    assert!(!meta["contacts"].as_array().unwrap().is_empty());
    let none = doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(&w),
            "--family-key",
            &key("family.key"),
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(
        none["messages_opened"], 0,
        "the family key alone opens no content"
    );

    // A warrant for bob: both agents release his halves, and every message bob's device
    // sent opens, from the first one on.
    let out = dir.join("bob.jsonl");
    let bob = doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(&w),
            "--family-key",
            &key("family.key"),
            "--share",
            &key("unit-agent-1.json"),
            "--share",
            &key("unit-agent-2.json"),
            "--device",
            "bob",
            "--json",
            "--out",
            s(&out),
        ],
    )
    .ok()
    .json();
    let sent_by_bob: Vec<serde_json::Value> = read_jsonl(&w.join("truth.jsonl"))
        .into_iter()
        .filter(|m| m["from"] == "bob")
        .collect();
    assert_eq!(read_jsonl(&out), sent_by_bob);
    assert!(bob["notes"][0].as_str().unwrap().contains("for good"));

    // Both databases: every message.
    let all = doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(&w),
            "--family-key",
            &key("family.key"),
            "--share",
            &key("unit-agent-1.json"),
            "--share",
            &key("unit-agent-2.json"),
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(all["messages_opened"], 30);

    doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(&w),
            "--family-key",
            &key("family.key"),
            "--share",
            &key("unit-agent-1.json"),
        ],
    )
    .refused(&["XOR of two halves"]);
    doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(&w),
            "--share",
            &key("unit-agent-1.json"),
            "--share",
            &key("unit-agent-2.json"),
        ],
    )
    .refused(&["--family-key"]);
    doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(&w),
            "--family-key",
            &key("family.key"),
            "--share",
            &key("unit-agent-1.json"),
            "--share",
            &key("unit-agent-2.json"),
            "--device",
            "mallory",
        ],
    )
    .refused(&["mallory"]);
    let other = world_seeded("clipper-other", "23", &["--scheme", "clipper"]);
    doormat(
        &dir,
        &[
            "attack",
            "leaf-metadata",
            "--world",
            s(&w),
            "--family-key",
            &format!("{}/keys/family.key", s(&other)),
        ],
    )
    .refused(&["family key of another clipper world"]);
}

#[test]
fn leaf_forgery_takes_about_two_to_the_sixteen_tries_and_escrow_gets_garbage() {
    let dir = scratch("forgery");
    for seed in ["1", "3"] {
        let report = doormat(
            &dir,
            &[
                "attack",
                "leaf-forgery",
                "--trials",
                "100",
                "--seed",
                seed,
                "--json",
            ],
        )
        .ok()
        .json();
        assert_eq!(report["trials"], 100);
        assert_eq!(report["expected_tries"], 65536);
        let mean = report["mean_tries"].as_f64().unwrap();
        let se = report["standard_error"].as_f64().unwrap();
        // The tries are geometric with a 1-in-65,536 chance each: the mean of 100 trials
        // has a standard error near 10%, so the honest check is three standard errors.
        assert!(
            (mean - 65536.0).abs() < 3.0 * se,
            "seed {seed}: mean {mean}, standard error {se}"
        );
        assert!(report["min_tries"].as_u64() <= report["max_tries"].as_u64());
        assert_eq!(report["escrow_recovered"], 0, "escrow recovers garbage");
        assert_eq!(
            report["honest_recovered"], 100,
            "while honest users stay fully exposed"
        );
        assert_eq!(
            report["conversation_worked"], 100,
            "the rogue pair talks on"
        );
    }
    // Seed 3's 100 trials land within 10% of 65,536 (docs/schemes.md quotes this run).
    let report = doormat(
        &dir,
        &[
            "attack",
            "leaf-forgery",
            "--trials",
            "100",
            "--seed",
            "3",
            "--json",
        ],
    )
    .ok()
    .json();
    let mean = report["mean_tries"].as_f64().unwrap();
    assert!((mean - 65536.0).abs() < 6553.6, "mean {mean}");
    assert_eq!(report["escrow_recovered"], 0);
    doormat(&dir, &["attack", "leaf-forgery", "--trials", "0"]).refused(&["--trials"]);
}

#[test]
fn compare_prints_one_row_per_design_from_real_openings() {
    let dir = scratch("compare");
    let run = compare_run();
    let doc = &run.json;
    let rows = doc["rows"].as_array().unwrap();
    let row = |scheme: &str| {
        rows.iter()
            .find(|r| r["scheme"] == scheme && !r["radius"].is_null())
            .unwrap_or_else(|| panic!("{scheme}"))
    };
    for everything in [
        "golden-key",
        "split-key",
        "provider-escrow",
        "clipper",
        "short-key",
    ] {
        assert_eq!(
            row(everything)["radius"]["messages_opened"],
            60,
            "{everything}"
        );
        assert_eq!(
            row(everything)["radius"]["users_fully_exposed"]
                .as_array()
                .unwrap()
                .len(),
            6
        );
    }
    let none = &row("none")["radius"];
    assert_eq!(none["users_fully_exposed"], serde_json::json!(["alice"]));
    assert!(none["messages_opened"].as_u64().unwrap() < 60);
    let ghost = &row("ghost")["radius"];
    assert!(ghost["first_exposed_t"].as_u64().unwrap() >= 31);
    assert!(ghost["messages_opened"].as_u64().unwrap() < 60);
    assert!(
        rows.iter()
            .any(|r| r["scheme"] == "none" && r["radius"].is_null()),
        "no escrow key to steal"
    );

    let table = &run.text;
    assert!(table.lines().all(|l| l.chars().count() <= 80), "{table}");
    doormat(&dir, &["compare", "--bits", "30"]).refused(&["--bits"]);
    doormat(&dir, &["compare", "--messages", "5"]).refused(&["--messages"]);
}

/// A design's parameters are its own table in world.json, with the same fields flat
/// beside them for the scripts written against the first worlds; a world with only one
/// of the two forms (an old world, or one whose flat copies were dropped) still reads.
#[test]
fn a_worlds_design_parameters_read_in_the_new_form_and_the_old() {
    let w = world("params-forms", &["--scheme", "short-key", "--bits", "17"]);
    let text = std::fs::read_to_string(w.join("world.json")).unwrap();
    let file: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(file["parameters"]["short-key"]["bits"], 17, "{text}");
    assert_eq!(file["parameters"]["bits"], 17, "{text}");
    let search = |dir: &std::path::Path| {
        doormat(
            &scratch("params-forms-run"),
            &[
                "attack",
                "brute-force",
                "--world",
                s(dir),
                "--id",
                "m000002",
                "--json",
            ],
        )
        .ok()
        .json()
    };
    for keep in ["short-key", "bits"] {
        let mut edited = file.clone();
        let parameters = edited["parameters"].as_object_mut().unwrap();
        parameters.retain(|k, _| k != if keep == "bits" { "short-key" } else { "bits" });
        std::fs::write(
            w.join("world.json"),
            serde_json::to_string_pretty(&edited).unwrap(),
        )
        .unwrap();
        let report = search(&w);
        assert_eq!(report["bits"], 17, "with only {keep}: {report}");
        assert_eq!(report["found"], true, "with only {keep}: {report}");
    }
    // A table that does not fit its design is refused, naming the field.
    let mut edited = file.clone();
    edited["parameters"]["short-key"]["bits"] = serde_json::json!("many");
    std::fs::write(w.join("world.json"), edited.to_string()).unwrap();
    doormat(
        &scratch("params-forms-bad"),
        &["attack", "brute-force", "--world", s(&w), "--id", "m000002"],
    )
    .refused(&["world.json", "parameters.short-key.bits"]);
}
