//! `doormat recover`: what each compromise opens, and every bad input it must refuse.

use base64::Engine;
use serde_json::Value;

use crate::util::*;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

#[test]
fn escrow_key_opens_every_message_of_a_golden_key_world() {
    let world = shared_world("golden-key");
    let dir = scratch("escrow-opens-all");
    let out = dir.join("opened.jsonl");
    let run = doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(world),
            "--key",
            &format!("{}/keys/escrow.pem", s(world)),
            "--out",
            s(&out),
            "--json",
        ],
    );
    let report = run.ok().json();
    assert_eq!(report["messages_total"], 120);
    assert_eq!(report["messages_opened"], 120);
    assert_eq!(report["messages_failed_integrity"], 0);
    assert_eq!(report["users_total"], 4);
    assert_eq!(report["users_exposed"].as_array().unwrap().len(), 4);
    assert_eq!(
        report["conversations_exposed"],
        report["conversations_total"]
    );
    assert!(report["seconds"].as_f64().unwrap() >= 0.0);
    assert_eq!(read_jsonl(&out), read_jsonl(&world.join("truth.jsonl")));
}

#[test]
fn one_user_key_opens_exactly_that_users_messages() {
    for scheme in ["golden-key", "none"] {
        let world = shared_world(scheme);
        let dir = scratch("user-key");
        let out = dir.join("bob.jsonl");
        let report = doormat(
            &dir,
            &[
                "recover",
                "--world",
                s(world),
                "--key",
                &format!("{}/keys/bob.pem", s(world)),
                "--out",
                s(&out),
                "--json",
            ],
        )
        .ok()
        .json();
        let expected = truth_of(world, "bob");
        assert!(!expected.is_empty() && expected.len() < 120);
        assert_eq!(read_jsonl(&out), expected, "{scheme}");
        assert_eq!(report["messages_opened"], expected.len());
        assert_eq!(report["users_fully_exposed"], serde_json::json!(["bob"]));
        // Bob's conversations are exposed, and only those.
        let mut bobs: Vec<Vec<String>> = expected
            .iter()
            .map(|m| {
                let mut members: Vec<String> = std::iter::once(&m["from"])
                    .chain(m["to"].as_array().unwrap())
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect();
                members.sort();
                members
            })
            .collect();
        bobs.sort();
        bobs.dedup();
        assert_eq!(report["conversations_exposed"], bobs.len());
        assert!(report["conversations_exposed"].as_u64() < report["conversations_total"].as_u64());
    }
}

#[test]
fn several_keys_open_the_union_of_their_messages() {
    let world = shared_world("none");
    let dir = scratch("union");
    let key = |n: &str| format!("{}/keys/{n}.pem", s(world));
    let report = doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(world),
            "--key",
            &key("alice"),
            "--key",
            &key("dave"),
            "--json",
        ],
    )
    .ok()
    .json();
    let mut ids: Vec<Value> = truth_of(world, "alice")
        .into_iter()
        .chain(truth_of(world, "dave"))
        .map(|m| m["id"].clone())
        .collect();
    ids.sort_by_key(|v| v.to_string());
    ids.dedup();
    assert_eq!(report["messages_opened"], ids.len());
}

#[test]
fn a_none_world_has_no_escrow_field_and_a_golden_world_always_has_one() {
    for line in read_jsonl(&shared_world("none").join("capture.jsonl")) {
        assert!(line.get("escrow").is_none());
        assert_eq!(line["scheme"], "none");
    }
    for line in read_jsonl(&shared_world("golden-key").join("capture.jsonl")) {
        assert_eq!(
            B64.decode(line["escrow"].as_str().unwrap()).unwrap().len(),
            256
        );
    }
}

/// Flips one bit of a base64 field.
fn flip(envelope: &mut Value, field: &str, byte: isize) {
    let slot = field.split('.').fold(&mut *envelope, |v, k| &mut v[k]);
    let mut bytes = B64.decode(slot.as_str().unwrap()).unwrap();
    let at = if byte < 0 {
        bytes.len() - byte.unsigned_abs()
    } else {
        byte as usize
    };
    bytes[at] ^= 0x01;
    *slot = Value::String(B64.encode(bytes));
}

#[test]
fn tampered_envelopes_are_counted_and_the_rest_recovered() {
    let world = copy_of(shared_world("golden-key"), "tamper");
    let capture = world.join("capture.jsonl");
    let mut lines = read_jsonl(&capture);
    flip(&mut lines[0], "ct", 0); // ciphertext
    flip(&mut lines[1], "ct", -1); // tag
    flip(&mut lines[2], "nonce", 5); // nonce
    lines[3]["id"] = "m900004".into(); // associated data: the id
    let to = lines[4]["to"].as_array().unwrap().clone();
    lines[4]["from"] = if to[0] == "alice" {
        "carol".into()
    } else {
        "alice".into()
    }; // associated data: the sender
    flip(&mut lines[5], "escrow", 200); // the escrow's wrapped key
    write_jsonl(&capture, &lines);

    let dir = scratch("tamper-run");
    let report = doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(&world),
            "--key",
            &format!("{}/keys/escrow.pem", s(&world)),
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(report["messages_failed_integrity"], 6);
    assert_eq!(report["messages_opened"], 114);

    // A user's own wrapped key, tampered: the same verdict for that user.
    let bob_line = lines
        .iter()
        .position(|l| l["wrapped"].get("bob").is_some())
        .unwrap();
    let mut lines = read_jsonl(&capture);
    flip(&mut lines[bob_line], "wrapped.bob", 17);
    write_jsonl(&capture, &lines);
    let report = doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(&world),
            "--key",
            &format!("{}/keys/bob.pem", s(&world)),
            "--json",
        ],
    )
    .ok()
    .json();
    assert!(report["messages_failed_integrity"].as_u64().unwrap() >= 1);
}

/// A copy of the shared golden world with `edit` applied to its capture's lines.
fn edited_capture(name: &str, edit: impl FnOnce(&mut Vec<String>)) -> std::path::PathBuf {
    let world = copy_of(shared_world("golden-key"), name);
    let path = world.join("capture.jsonl");
    let mut lines: Vec<String> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    edit(&mut lines);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    world
}

fn recover_refused(world: &std::path::Path, key: &str, needles: &[&str]) {
    let dir = scratch("refused");
    let out = dir.join("out.jsonl");
    doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(world),
            "--key",
            key,
            "--out",
            s(&out),
        ],
    )
    .refused(needles);
    assert!(!out.exists(), "a refused run must write no output");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "no temporary file left behind"
    );
}

#[test]
fn malformed_captures_are_refused_with_file_line_and_field() {
    let escrow = |w: &std::path::Path| format!("{}/keys/escrow.pem", s(w));

    let w = edited_capture("not-json", |l| l[2] = "{not json".into());
    recover_refused(
        &w,
        &escrow(&w),
        &["capture.jsonl", "line 3", "not valid JSON"],
    );

    let w = edited_capture("bad-b64", |l| {
        let mut v: Value = serde_json::from_str(&l[1]).unwrap();
        v["nonce"] = "@@@@".into();
        l[1] = v.to_string();
    });
    recover_refused(&w, &escrow(&w), &["line 2", "field \"nonce\"", "base64"]);

    let w = edited_capture("bad-v", |l| l[0] = l[0].replacen("\"v\":1", "\"v\":2", 1));
    recover_refused(&w, &escrow(&w), &["line 1", "field \"v\"", "version 2"]);

    let w = edited_capture("short-nonce", |l| {
        let mut v: Value = serde_json::from_str(&l[4]).unwrap();
        v["nonce"] = "AAAAAAAA".into();
        l[4] = v.to_string();
    });
    recover_refused(&w, &escrow(&w), &["line 5", "field \"nonce\"", "12 bytes"]);

    let w = edited_capture("duplicate-id", |l| {
        let first = l[0].clone();
        l.push(first);
    });
    recover_refused(&w, &escrow(&w), &["line 121", "appears twice"]);

    let w = edited_capture("path-name", |l| {
        let mut v: Value = serde_json::from_str(&l[0]).unwrap();
        v["from"] = "../../x".into();
        l[0] = v.to_string();
    });
    recover_refused(&w, &escrow(&w), &["line 1", "field \"from\""]);
}

#[test]
fn bad_keys_and_worlds_are_refused_with_a_hint() {
    let world = shared_world("golden-key");
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
    let dir = scratch("bad-keys");
    let fake = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };

    recover_refused(
        world,
        &format!("{}/keys/bob.pub.pem", s(world)),
        &["public key", "hint: use keys/NAME.pem"],
    );
    recover_refused(
        world,
        &fake("garbage.pem", "hello\n"),
        &["garbage.pem", "not a PEM file"],
    );
    recover_refused(
        world,
        &fake(
            "enc.pem",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
        ),
        &["password-protected", "hint: decrypt it first"],
    );
    recover_refused(
        world,
        &fake(
            "broken.pem",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        ),
        &["broken.pem"],
    );
    recover_refused(world, &format!("{data}/ec-p256.pem"), &["non-RSA"]);
    // A real RSA key, but of no party of this world: one of the published demo keys.
    let stranger = concat!(env!("CARGO_MANIFEST_DIR"), "/demos/keys/alice.pem");
    recover_refused(world, stranger, &["belongs to no party", "another world"]);
    recover_refused(
        world,
        &dir.join("missing.pem").to_string_lossy(),
        &["missing.pem", "not found"],
    );

    let run = doormat(
        &dir,
        &["recover", "--world", "no-such-world", "--key", stranger],
    );
    run.refused(&["no-such-world", "hint: make one with"]);

    let broken = copy_of(world, "bad-world-json");
    std::fs::write(broken.join("world.json"), "{\"v\": 1, \"scheme\": 3}").unwrap();
    let run = doormat(&dir, &["recover", "--world", s(&broken), "--key", stranger]);
    run.refused(&["world.json", "not a valid world file"]);

    let run = doormat(&dir, &["recover", "--world", s(world)]);
    assert_eq!(run.code, 2, "a missing --key is a usage error");
}

#[test]
fn existing_output_is_kept_without_force_and_replaced_with_it() {
    let world = shared_world("none");
    let dir = scratch("out-force");
    let out = dir.join("opened.jsonl");
    std::fs::write(&out, "precious\n").unwrap();
    let key = format!("{}/keys/carol.pem", s(world));
    doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(world),
            "--key",
            &key,
            "--out",
            s(&out),
        ],
    )
    .refused(&["already exists", "--force"]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "precious\n");
    doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(world),
            "--key",
            &key,
            "--out",
            s(&out),
            "--force",
        ],
    )
    .ok();
    assert_eq!(read_jsonl(&out), truth_of(world, "carol"));
}

#[test]
fn human_report_names_the_key_and_the_numbers() {
    let world = shared_world("golden-key");
    let dir = scratch("human");
    let run = doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(world),
            "--key",
            &format!("{}/keys/escrow.pem", s(world)),
        ],
    );
    run.ok();
    assert!(run.stdout.contains("escrow (escrow)"), "{}", run.stdout);
    assert!(
        run.stdout.contains("120 of 120 opened (100%)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("✓ OPEN"));
    assert!(
        !run.stdout.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
}
