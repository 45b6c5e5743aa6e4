//! `doormat simulate`: the world on disk, exactly as the design notes fix it.

use std::collections::HashSet;

use serde_json::Value;

use crate::util::*;

#[test]
fn writes_the_fixed_layout_with_private_keys_0600() {
    let world = shared_world("golden-key");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(world.join("world.json")).unwrap()).unwrap();
    assert_eq!(manifest["scheme"], "golden-key");
    let names: Vec<&str> = manifest["parties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "bob", "carol", "dave", "escrow"]);
    assert_eq!(manifest["parties"][4]["role"], "escrow");
    for party in manifest["parties"].as_array().unwrap() {
        let name = party["name"].as_str().unwrap();
        assert_eq!(party["public_key"], format!("keys/{name}.pub.pem"));
        let private = world.join(format!("keys/{name}.pem"));
        let text = std::fs::read_to_string(&private).unwrap();
        assert!(
            text.starts_with("-----BEGIN PRIVATE KEY-----"),
            "PKCS#8 PEM"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&private).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{name}.pem");
        }
        let public = std::fs::read_to_string(world.join(format!("keys/{name}.pub.pem"))).unwrap();
        assert!(public.starts_with("-----BEGIN PUBLIC KEY-----"), "SPKI PEM");
    }
    assert!(
        manifest["note"].as_str().unwrap().contains("classroom"),
        "a seeded world says so"
    );
}

#[test]
fn fingerprints_match_openssl() {
    let world = shared_world("none");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(world.join("world.json")).unwrap()).unwrap();
    let party = &manifest["parties"][1];
    let der = world.join("bob.spki.der");
    let run = run_tool(
        world,
        "openssl",
        &[
            "pkey",
            "-in",
            "keys/bob.pem",
            "-pubout",
            "-outform",
            "DER",
            "-out",
            s(&der),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let digest = run_tool(world, "sha256sum", &[s(&der)]);
    std::fs::remove_file(&der).unwrap();
    let hex = digest.stdout.split_whitespace().next().unwrap();
    assert_eq!(party["fingerprint"], format!("sha256:{hex}"));
}

#[test]
fn traffic_is_numbered_mixed_and_unique() {
    let world = shared_world("golden-key");
    let capture = read_jsonl(&world.join("capture.jsonl"));
    let truth = read_jsonl(&world.join("truth.jsonl"));
    assert_eq!(capture.len(), 120);
    assert_eq!(truth.len(), 120);
    let mut ids = HashSet::new();
    for (i, (envelope, said)) in capture.iter().zip(&truth).enumerate() {
        assert_eq!(envelope["v"], 1);
        assert_eq!(envelope["t"], i as u64 + 1);
        assert_eq!(envelope["id"], format!("m{:06}", i + 1));
        assert_eq!(envelope["id"], said["id"]);
        assert_eq!(envelope["from"], said["from"]);
        assert_eq!(envelope["to"], said["to"]);
        assert!(ids.insert(envelope["id"].to_string()));
        // The sender is a reader of its own message, and so is every recipient.
        let wrapped = envelope["wrapped"].as_object().unwrap();
        assert!(wrapped.contains_key(envelope["from"].as_str().unwrap()));
        for to in envelope["to"].as_array().unwrap() {
            assert!(wrapped.contains_key(to.as_str().unwrap()));
        }
        assert!(!said["text"].as_str().unwrap().is_empty());
    }
    assert!(capture
        .iter()
        .any(|e| e["to"].as_array().unwrap().len() == 1));
    assert!(capture
        .iter()
        .any(|e| e["to"].as_array().unwrap().len() > 1));
}

#[test]
fn the_same_seed_makes_the_same_world() {
    let dir = scratch("seeded-twice");
    for out in ["a", "b"] {
        doormat(
            &dir,
            &[
                "simulate",
                "--out",
                out,
                "--scheme",
                "none",
                "--users",
                "3",
                "--messages",
                "20",
                "--seed",
                "5",
            ],
        )
        .ok();
    }
    for file in [
        "world.json",
        "capture.jsonl",
        "truth.jsonl",
        "keys/alice.pem",
        "keys/carol.pub.pem",
    ] {
        let a = std::fs::read(dir.join("a").join(file)).unwrap();
        let b = std::fs::read(dir.join("b").join(file)).unwrap();
        assert!(a == b, "{file} differs between two runs with --seed 5");
    }
    // And without a seed, two worlds share nothing.
    for out in ["c", "d"] {
        doormat(
            &dir,
            &[
                "simulate",
                "--out",
                out,
                "--scheme",
                "none",
                "--users",
                "2",
                "--messages",
                "3",
            ],
        )
        .ok();
    }
    assert_ne!(
        std::fs::read(dir.join("c/keys/alice.pem")).unwrap(),
        std::fs::read(dir.join("d/keys/alice.pem")).unwrap()
    );
}

#[test]
fn refuses_to_overwrite_a_world_without_force() {
    let dir = scratch("overwrite");
    let args = [
        "simulate",
        "--out",
        "w",
        "--scheme",
        "none",
        "--users",
        "2",
        "--messages",
        "5",
        "--seed",
        "1",
    ];
    doormat(&dir, &args).ok();
    let before = std::fs::read(dir.join("w/keys/alice.pem")).unwrap();

    let other = [
        "simulate",
        "--out",
        "w",
        "--scheme",
        "none",
        "--users",
        "2",
        "--messages",
        "5",
        "--seed",
        "2",
    ];
    doormat(&dir, &other).refused(&["already holds a world", "--force"]);
    assert_eq!(
        std::fs::read(dir.join("w/keys/alice.pem")).unwrap(),
        before,
        "key untouched"
    );

    let mut forced = other.to_vec();
    forced.push("--force");
    doormat(&dir, &forced).ok();
    assert_ne!(
        std::fs::read(dir.join("w/keys/alice.pem")).unwrap(),
        before,
        "replaced with --force"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers,
        vec![std::ffi::OsString::from("w")],
        "no staging directory left behind"
    );
}

#[test]
fn never_deletes_a_directory_that_is_not_a_world() {
    let dir = scratch("not-a-world");
    std::fs::create_dir(dir.join("thesis")).unwrap();
    std::fs::write(dir.join("thesis/chapter1.tex"), "precious").unwrap();
    let run = doormat(
        &dir,
        &[
            "simulate",
            "--out",
            "thesis",
            "--scheme",
            "none",
            "--users",
            "2",
            "--messages",
            "5",
            "--force",
        ],
    );
    run.refused(&["holds no doormat world", "will not delete"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("thesis/chapter1.tex")).unwrap(),
        "precious"
    );
}

#[test]
fn bad_parameters_are_refused_and_create_nothing() {
    let dir = scratch("bad-params");
    let cases: [(&[&str], &str); 6] = [
        (&["--scheme", "none", "--users", "0"], "--users"),
        (&["--scheme", "none", "--users", "1"], "--users"),
        (&["--scheme", "none", "--messages", "0"], "--messages"),
        (&["--scheme", "golden"], "known schemes: none, golden-key"),
        (&["--scheme", "none", "--key-bits", "1024"], "--key-bits"),
        (
            &["--scheme", "none", "--session-size", "0"],
            "--session-size",
        ),
    ];
    for (extra, needle) in cases {
        let mut args = vec!["simulate", "--out", "w"];
        args.extend_from_slice(extra);
        doormat(&dir, &args).refused(&[needle]);
        assert!(!dir.join("w").exists());
    }
    let run = doormat(
        &dir,
        &[
            "simulate", "--out", "w", "--scheme", "none", "--users", "-3",
        ],
    );
    assert_eq!(run.code, 2, "clap refuses a negative count");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}

#[test]
fn per_session_keying_carries_keys_only_in_the_first_envelope() {
    let dir = scratch("sessions");
    doormat(
        &dir,
        &[
            "simulate",
            "--out",
            "w",
            "--scheme",
            "golden-key",
            "--users",
            "3",
            "--messages",
            "60",
            "--session-size",
            "5",
            "--seed",
            "3",
        ],
    )
    .ok();
    let world = dir.join("w");
    let mut seen = HashSet::new();
    let capture = read_jsonl(&world.join("capture.jsonl"));
    for e in &capture {
        let session = e["session"]
            .as_str()
            .expect("every envelope names its session")
            .to_owned();
        let first = seen.insert(session);
        assert_eq!(e.get("wrapped").is_some(), first);
        assert_eq!(e.get("escrow").is_some(), first);
    }
    assert!(seen.len() < capture.len());
    let report = doormat(
        &dir,
        &[
            "recover",
            "--world",
            "w",
            "--key",
            "w/keys/escrow.pem",
            "--json",
            "--out",
            "opened.jsonl",
        ],
    )
    .ok()
    .json();
    assert_eq!(report["messages_opened"], 60);
    assert_eq!(
        read_jsonl(&dir.join("opened.jsonl")),
        read_jsonl(&world.join("truth.jsonl"))
    );
}

/// Regression: without --seed, each message of a session drew a fresh key from the OS
/// instead of the session's key, so later messages of a session never opened.
#[test]
fn unseeded_per_session_worlds_open_completely() {
    let dir = scratch("unseeded-sessions");
    doormat(
        &dir,
        &[
            "simulate",
            "--out",
            "w",
            "--scheme",
            "golden-key",
            "--users",
            "3",
            "--messages",
            "300",
            "--session-size",
            "10",
        ],
    )
    .ok();
    let world = dir.join("w");
    for (key, expected) in [
        ("escrow", read_jsonl(&world.join("truth.jsonl")).len()),
        ("alice", truth_of(&world, "alice").len()),
    ] {
        let report = doormat(
            &dir,
            &[
                "recover",
                "--world",
                "w",
                "--key",
                &format!("w/keys/{key}.pem"),
                "--json",
            ],
        )
        .ok()
        .json();
        assert_eq!(report["messages_failed_integrity"], 0, "{key}");
        assert_eq!(report["messages_opened"], expected as u64, "{key}");
    }
}

/// Two runs on one --out at once: one world is made, the other run says so and exits 2;
/// neither reports a success it did not have, and the world that stands is whole.
#[test]
fn concurrent_runs_on_one_out_leave_one_world_and_one_refusal() {
    let dir = scratch("simulate-race");
    for round in 0..3 {
        let out = format!("w{round}");
        let spawn = || {
            std::process::Command::new(bin())
                .args([
                    "simulate",
                    "--scheme",
                    "none",
                    "--out",
                    &out,
                    "--users",
                    "3",
                    "--messages",
                    "200",
                    "--seed",
                    "5",
                ])
                .current_dir(&dir)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .dies_with_test()
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        let runs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
        let mut codes: Vec<i32> = runs.iter().map(|r| r.status.code().unwrap()).collect();
        codes.sort_unstable();
        assert_eq!(codes, vec![0, 2], "round {round}");
        let loser = runs.iter().find(|r| r.status.code() == Some(2)).unwrap();
        let stderr = String::from_utf8_lossy(&loser.stderr);
        assert!(
            stderr.contains("appeared while")
                || stderr.contains("already holds a world")
                || stderr.contains("is in use: doormat (PID "),
            "{stderr}"
        );
        let world = dir.join(&out);
        let lines = read_jsonl(&world.join("capture.jsonl")).len();
        assert_eq!(lines, 200);
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");
    }
}
