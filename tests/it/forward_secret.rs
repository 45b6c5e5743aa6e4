//! The forward-secret baseline: what a device stolen at time T opens, how the ratchet
//! heals, and the snapshots that must be refused.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::*;

fn simulate_fs(dir: &Path, seed: &str, snapshots: &[String]) -> PathBuf {
    let mut args = vec![
        "simulate",
        "--out",
        "world",
        "--scheme",
        "forward-secret",
        "--users",
        "4",
        "--messages",
        "200",
        "--seed",
        seed,
        "--force",
    ];
    for snapshot in snapshots {
        args.extend(["--snapshot", snapshot]);
    }
    doormat(dir, &args).ok();
    dir.join("world")
}

/// Recovers with one snapshot; returns the report and the ids that opened.
fn recover_state(world: &Path, snapshot: &str) -> (Value, HashSet<String>) {
    let dir = world.parent().unwrap();
    let out = dir.join(format!("opened-{snapshot}.jsonl"));
    let report = doormat(
        dir,
        &[
            "recover",
            "--world",
            s(world),
            "--state",
            &format!("{}/snapshots/{snapshot}.json", s(world)),
            "--out",
            s(&out),
            "--force",
            "--json",
        ],
    )
    .ok()
    .json();
    let opened = read_jsonl(&out)
        .into_iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    (report, opened)
}

/// When each (message, recipient) reached the recipient's device; `None`: never.
fn deliveries(world: &Path) -> HashMap<(String, String), Option<u64>> {
    read_jsonl(&world.join("delivery.jsonl"))
        .into_iter()
        .map(|d| {
            (
                (
                    d["id"].as_str().unwrap().to_owned(),
                    d["to"].as_str().unwrap().to_owned(),
                ),
                d["delivered"].as_u64(),
            )
        })
        .collect()
}

fn involves(m: &Value, user: &str) -> bool {
    m["from"] == user || m["to"].as_array().unwrap().iter().any(|t| t == user)
}

#[test]
fn a_snapshot_opens_nothing_sent_before_t_but_what_was_still_in_flight() {
    let dir = scratch("fs-before-t");
    let world = simulate_fs(&dir, "3", &["alice@100".to_owned()]);
    let (report, opened) = recover_state(&world, "alice@100");
    let delivered = deliveries(&world);
    let capture = read_jsonl(&world.join("capture.jsonl"));
    for m in capture
        .iter()
        .filter(|m| opened.contains(m["id"].as_str().unwrap()))
    {
        assert!(involves(m, "alice"), "{} does not involve alice", m["id"]);
        if m["t"].as_u64().unwrap() <= 100 {
            let id = m["id"].as_str().unwrap().to_owned();
            let when = delivered[&(id, "alice".to_owned())];
            assert!(
                when.is_none_or(|t| t > 100),
                "{} was sent before T and delivered at {when:?}, yet it opened",
                m["id"]
            );
        }
    }
    let timeline = &report["timelines"][0];
    assert_eq!(timeline["user"], "alice");
    assert_eq!(timeline["t"], 100);
    assert!(
        timeline["after"]["opened"].as_u64().unwrap() > 0,
        "{timeline}"
    );
    assert!(
        timeline["after"]["opened"].as_u64() < timeline["after"]["messages"].as_u64(),
        "the window closes: {timeline}"
    );
    assert_eq!(timeline["other_users_opened"], 0);
    // What opened is what was said.
    let out = read_jsonl(&dir.join("opened-alice@100.jsonl"));
    let truth: HashMap<String, Value> = read_jsonl(&world.join("truth.jsonl"))
        .into_iter()
        .map(|m| (m["id"].as_str().unwrap().to_owned(), m))
        .collect();
    for m in &out {
        assert_eq!(m, &truth[m["id"].as_str().unwrap()]);
    }
}

#[test]
fn a_message_still_in_flight_at_t_opens() {
    let dir = scratch("fs-in-flight");
    let world = simulate_fs(&dir, "3", &[]);
    // Pick a T at which some message to alice is sent but not yet delivered.
    let (id, sent) = read_jsonl(&world.join("delivery.jsonl"))
        .into_iter()
        .filter(|d| d["to"] == "alice")
        .find_map(|d| {
            let sent = d["sent"].as_u64().unwrap();
            let late = d["delivered"].as_u64().is_none_or(|t| t > sent + 1);
            (late && sent > 20).then(|| (d["id"].as_str().unwrap().to_owned(), sent))
        })
        .expect("seed 3 delays some delivery to alice");
    let snapshot = format!("alice@{sent}");
    let world = simulate_fs(&dir, "3", std::slice::from_ref(&snapshot));
    let (report, opened) = recover_state(&world, &snapshot);
    assert!(
        opened.contains(&id),
        "{id}, in flight at T={sent}, stayed sealed"
    );
    assert!(report["timelines"][0]["before"]["opened"].as_u64().unwrap() >= 1);
}

#[test]
fn sessions_heal_once_the_peer_answers_a_fresh_ratchet_key() {
    let dir = scratch("fs-heal");
    let t = 100;
    let world = simulate_fs(&dir, "5", &[format!("alice@{t}")]);
    let (_, opened) = recover_state(&world, &format!("alice@{t}"));
    let capture = read_jsonl(&world.join("capture.jsonl"));
    let mut healed_peers = 0;
    for peer in ["bob", "carol", "dave"] {
        // The peer's ratchet keys towards alice, in the order they appear after T.
        let mut before_t = HashSet::new();
        let mut new_keys: Vec<(String, u64)> = Vec::new();
        for m in capture.iter().filter(|m| m["from"] == peer) {
            let Some(entry) = m["ratchet"].get("alice") else {
                continue;
            };
            let dh = entry["dh"].as_str().unwrap().to_owned();
            let mt = m["t"].as_u64().unwrap();
            if mt <= t {
                before_t.insert(dh);
            } else if !before_t.contains(&dh) && !new_keys.iter().any(|(k, _)| *k == dh) {
                new_keys.push((dh, mt));
            }
        }
        // The first new key is still combined with the stolen ratchet key; the second
        // answers alice's fresh one. From then on, nothing between the two opens.
        let Some((_, second)) = new_keys.get(1) else {
            continue;
        };
        healed_peers += 1;
        for m in &capture {
            let one_to_one = m["to"].as_array().unwrap().len() == 1;
            let between = (m["from"] == peer && m["to"][0] == "alice")
                || (m["from"] == "alice" && m["to"][0] == peer);
            if one_to_one && between && m["t"].as_u64().unwrap() >= *second {
                assert!(
                    !opened.contains(m["id"].as_str().unwrap()),
                    "{} between alice and {peer} opened after the session healed at t={second}",
                    m["id"]
                );
            }
        }
    }
    assert!(
        healed_peers >= 2,
        "only {healed_peers} sessions took two steps"
    );
}

#[test]
fn the_identity_key_alone_opens_nothing_and_there_is_no_escrow_anywhere() {
    let dir = scratch("fs-identity");
    let world = simulate_fs(&dir, "7", &[]);
    let report = doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(&world),
            "--key",
            &format!("{}/keys/alice.pem", s(&world)),
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(report["messages_total"], 200);
    assert_eq!(report["messages_opened"], 0);
    assert_eq!(report["messages_failed_integrity"], 0);
    assert_eq!(report["keys"][0]["kind"], "identity");
    assert_eq!(report["keys"][0]["party"], "alice");
    let capture = std::fs::read_to_string(world.join("capture.jsonl")).unwrap();
    assert!(!capture.contains("\"escrow\""));
    assert!(!capture.contains("\"wrapped\""));
    let text = doormat(
        &dir,
        &[
            "recover",
            "--world",
            s(&world),
            "--key",
            &format!("{}/keys/alice.pem", s(&world)),
        ],
    );
    let words = text
        .ok()
        .stdout
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(words.contains("opens nothing by itself"), "{words}");
}

#[test]
fn snapshots_of_none_and_golden_key_devices_open_everything_of_their_owner() {
    for scheme in ["none", "golden-key"] {
        let dir = scratch("fs-rsa-snapshot");
        doormat(
            &dir,
            &[
                "simulate",
                "--out",
                "world",
                "--scheme",
                scheme,
                "--users",
                "4",
                "--messages",
                "60",
                "--seed",
                "2",
                "--snapshot",
                "bob@30",
            ],
        )
        .ok();
        let world = dir.join("world");
        let (report, opened) = recover_state(&world, "bob@30");
        let bobs = truth_of(&world, "bob");
        assert_eq!(opened.len(), bobs.len());
        let timeline = &report["timelines"][0];
        assert_eq!(timeline["before"]["opened"], timeline["before"]["messages"]);
        assert_eq!(timeline["after"]["opened"], timeline["after"]["messages"]);
        assert!(timeline["healed_at"].is_null());
    }
}

#[cfg(unix)]
#[test]
fn snapshots_are_private_files() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("fs-mode");
    let world = simulate_fs(&dir, "1", &["bob@10".to_owned(), "alice@200".to_owned()]);
    for name in ["bob@10.json", "alice@200.json"] {
        let mode = std::fs::metadata(world.join("snapshots").join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }
    let mode = std::fs::metadata(world.join("keys/alice.pem"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn bad_snapshots_are_refused_with_the_file_and_the_problem() {
    let dir = scratch("fs-bad-snapshot");
    let world = simulate_fs(&dir, "1", &["alice@50".to_owned()]);
    let good = std::fs::read_to_string(world.join("snapshots/alice@50.json")).unwrap();
    let recover =
        |path: &Path| doormat(&dir, &["recover", "--world", s(&world), "--state", s(path)]);
    let truncated = dir.join("truncated.json");
    std::fs::write(&truncated, &good[..good.len() / 3]).unwrap();
    recover(&truncated).refused(&["truncated.json", "truncated?"]);

    let tampered = dir.join("tampered.json");
    let edited = good.replacen("\"nr\": ", "\"nr\": 1", 1);
    assert_ne!(edited, good);
    std::fs::write(&tampered, edited).unwrap();
    recover(&tampered).refused(&["tampered.json", "digest", "changed after it was taken"]);

    let other_dir = scratch("fs-other-world");
    let other = simulate_fs(&other_dir, "2", &["alice@50".to_owned()]);
    recover(&other.join("snapshots/alice@50.json")).refused(&["alice@50.json", "another world"]);

    let golden_dir = scratch("fs-golden-snapshot");
    doormat(
        &golden_dir,
        &[
            "simulate",
            "--out",
            "world",
            "--scheme",
            "golden-key",
            "--users",
            "4",
            "--messages",
            "10",
            "--seed",
            "1",
            "--snapshot",
            "alice@5",
        ],
    )
    .ok();
    recover(&golden_dir.join("world/snapshots/alice@5.json")).refused(&[
        "alice@5.json",
        "golden-key world",
        "forward-secret world",
    ]);

    recover(&world.join("world.json")).refused(&["world.json", "device snapshot"]);
    recover(&dir.join("missing.json")).refused(&["missing.json", "not found"]);
}

#[test]
fn bad_snapshot_flags_are_refused() {
    let dir = scratch("fs-bad-flags");
    let simulate = |scheme: &str, snapshot: &str| {
        doormat(
            &dir,
            &[
                "simulate",
                "--out",
                "w",
                "--scheme",
                scheme,
                "--users",
                "3",
                "--messages",
                "20",
                "--snapshot",
                snapshot,
            ],
        )
    };
    simulate("forward-secret", "alice").refused(&["--snapshot", "NAME@T"]);
    simulate("forward-secret", "alice@x").refused(&["--snapshot", "NAME@T"]);
    simulate("forward-secret", "zed@5").refused(&["--snapshot", "not a user"]);
    simulate("forward-secret", "alice@0").refused(&["--snapshot", "outside"]);
    simulate("forward-secret", "alice@21").refused(&["--snapshot", "outside"]);
    simulate("short-key", "alice@5").refused(&[
        "--snapshot",
        "none, forward-secret, sender-keys and golden-key",
    ]);
    assert!(
        !dir.join("w").exists(),
        "nothing is written for a refused flag"
    );
    doormat(
        &dir,
        &[
            "simulate",
            "--out",
            "w",
            "--scheme",
            "forward-secret",
            "--session-size",
            "10",
        ],
    )
    .refused(&["--session-size", "every message its own key"]);
}

#[test]
fn seeded_forward_secret_worlds_repeat_byte_for_byte() {
    let a = simulate_fs(&scratch("fs-repeat-a"), "9", &["carol@77".to_owned()]);
    let b = simulate_fs(&scratch("fs-repeat-b"), "9", &["carol@77".to_owned()]);
    for file in [
        "capture.jsonl",
        "delivery.jsonl",
        "snapshots/carol@77.json",
        "keys/carol.pem",
    ] {
        assert_eq!(
            std::fs::read(a.join(file)).unwrap(),
            std::fs::read(b.join(file)).unwrap(),
            "{file}"
        );
    }
}

/// The KDF chains against values Python `cryptography` computes from the spec's own
/// definitions (tests/interop/ratchet_kdf.py): independent code, same numbers.
#[test]
fn ratchet_kdfs_match_an_independent_python_computation() {
    use doormat::schemes::forward_secret::ratchet::{kdf_ck, kdf_rk, seal_with, Key32};
    use doormat::wire::envelope::RatchetHeader;
    require_python();
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let rk = Key32::from_bytes(core::array::from_fn(|i| i as u8));
    let dh: [u8; 32] = core::array::from_fn(|i| 0xa0 ^ i as u8);
    let ck = Key32::from_bytes([0x5c; 32]);
    let header = RatchetHeader {
        dh: [7; 32],
        pn: 3,
        n: 9,
    };
    let session_ad = [0x11u8; 64];
    let envelope_ad = b"doormat/1\nm000042\nbob\nalice";
    let plaintext = [0x42u8; 32];

    let (root, chain) = kdf_rk(&rk, &dh);
    let (next, mk) = kdf_ck(&ck);
    let sealed = seal_with(&mk, &session_ad, envelope_ad, &header, &plaintext);
    let mut full_ad = session_ad.to_vec();
    full_ad.extend_from_slice(envelope_ad);
    full_ad.extend_from_slice(&header.encode());

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/ratchet_kdf.py");
    let dir = scratch("ratchet-kdf");
    let run = run_tool(
        &dir,
        "python3",
        &[
            script,
            &hex(rk.expose_secret()),
            &hex(&dh),
            &hex(ck.expose_secret()),
            &hex(&full_ad),
            &hex(&plaintext),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let python: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(python["root_key"], hex(root.expose_secret()));
    assert_eq!(python["chain_key"], hex(chain.expose_secret()));
    assert_eq!(python["message_key"], hex(mk.expose_secret()));
    assert_eq!(python["next_chain_key"], hex(next.expose_secret()));
    assert_eq!(python["sealed"], hex(&sealed));
}

/// docs/wire-format.md's follow.py, Python `cryptography` alone, opens exactly what
/// doormat's follower opens with the same stolen phone.
#[test]
fn the_documented_python_follower_opens_what_doormat_opens() {
    require_python();
    let dir = scratch("fs-python-follower");
    let world = simulate_fs(&dir, "3", &["alice@100".to_owned()]);
    let snapshot = world.join("snapshots/alice@100.json");
    let sessions: Value =
        serde_json::from_str(&std::fs::read_to_string(&snapshot).unwrap()).unwrap();
    assert_eq!(
        sessions["sessions"].as_array().unwrap().len(),
        3,
        "every session began before T, so the script needs no X3DH"
    );
    let script = dir.join("follow.py");
    std::fs::write(&script, &crate::docs::worked_example_blocks()["follow.py"]).unwrap();
    let run = run_tool(&dir, "python3", &[s(&script), s(&world), s(&snapshot)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let python: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    recover_state(&world, "alice@100");
    let doormat_opened = read_jsonl(&dir.join("opened-alice@100.jsonl"));
    assert!(!python.is_empty());
    assert_eq!(python, doormat_opened);
}
