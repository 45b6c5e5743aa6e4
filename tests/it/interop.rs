//! Interop with code no one here wrote: Python `cryptography` (OpenSSL inside) opens
//! doormat's captures, and doormat opens envelopes Python made. These tests fail, never
//! skip, when python3 or its `cryptography` package is missing.

use crate::docs::worked_example_blocks;
use crate::util::*;

fn open_capture_script(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("open_capture.py");
    std::fs::write(&path, &worked_example_blocks()["open_capture.py"]).unwrap();
    path
}

fn python_opens(world: &std::path::Path, key: &str) -> Vec<serde_json::Value> {
    let dir = scratch("py-open");
    let script = open_capture_script(&dir);
    let run = run_tool(
        &dir,
        "python3",
        &[
            s(&script),
            s(world),
            &format!("{}/keys/{key}.pem", s(world)),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn python_opens_what_doormat_sealed() {
    require_python();
    let golden = shared_world("golden-key");
    assert_eq!(
        python_opens(golden, "escrow"),
        read_jsonl(&golden.join("truth.jsonl"))
    );
    let none = shared_world("none");
    assert_eq!(python_opens(none, "dave"), truth_of(none, "dave"));
}

#[test]
fn doormat_opens_what_python_sealed() {
    require_python();
    let world = copy_of(shared_world("golden-key"), "py-made");
    let made = world.join("python.jsonl");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/interop/make_envelopes.py"
    );
    let run = run_tool(
        &world,
        "python3",
        &[script, s(&world), "bob", "carol", s(&made)],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut capture = std::fs::read_to_string(world.join("capture.jsonl")).unwrap();
    capture.push_str(&std::fs::read_to_string(&made).unwrap());
    std::fs::write(world.join("capture.jsonl"), capture).unwrap();

    for key in ["carol", "escrow"] {
        let dir = scratch("py-made-recover");
        let out = dir.join("opened.jsonl");
        doormat(
            &dir,
            &[
                "recover",
                "--world",
                s(&world),
                "--key",
                &format!("{}/keys/{key}.pem", s(&world)),
                "--out",
                s(&out),
            ],
        )
        .ok();
        let texts: Vec<String> = read_jsonl(&out)
            .iter()
            .filter(|m| m["id"].as_str().unwrap().starts_with("py"))
            .map(|m| m["text"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            texts,
            [
                "written by Python, per-message key",
                "written by Python, session message 1",
                "written by Python, session message 2",
                "written by Python, session message 3"
            ],
            "opened with {key}"
        );
    }
}

#[test]
fn python_opens_a_per_session_capture() {
    require_python();
    let dir = scratch("py-sessions");
    doormat(
        &dir,
        &[
            "simulate",
            "--out",
            "w",
            "--scheme",
            "golden-key",
            "--users",
            "2",
            "--messages",
            "30",
            "--session-size",
            "4",
            "--seed",
            "8",
        ],
    )
    .ok();
    assert_eq!(
        python_opens(&dir.join("w"), "escrow"),
        read_jsonl(&dir.join("w/truth.jsonl"))
    );
}

const STUDENT_TOOLS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/interop/student_tools.py"
);

fn student(dir: &std::path::Path, args: &[&str]) -> String {
    let mut all = vec![STUDENT_TOOLS];
    all.extend_from_slice(args);
    let run = run_tool(dir, "python3", &all);
    assert_eq!(run.code, 0, "student_tools.py {args:?}: {}", run.stderr);
    run.stdout
}

/// The scheme files documented in docs/wire-format.md, handled by plain Python alone.
#[test]
fn python_alone_handles_shares_vaults_leaves_and_short_keys() {
    require_python();
    let dir = scratch("py-schemes");
    let make = |name: &str, args: &[&str]| {
        let mut all = vec![
            "simulate",
            "--out",
            name,
            "--users",
            "3",
            "--messages",
            "12",
            "--seed",
            "31",
        ];
        all.extend_from_slice(args);
        doormat(&dir, &all).ok();
        dir.join(name)
    };

    // split-key: three shares of five, combined with GF(256) Lagrange in Python, give an
    // escrow key that opens the whole capture.
    let w = make(
        "split",
        &["--scheme", "split-key", "--agents", "5", "--threshold", "3"],
    );
    let share = |i: u32| format!("{}/keys/agent-{i}.share", s(&w));
    student(
        &dir,
        &[
            "combine-shares",
            "escrow.pem",
            &share(5),
            &share(2),
            &share(4),
        ],
    );
    let script = open_capture_script(&dir);
    let run = run_tool(&dir, "python3", &[s(&script), s(&w), "escrow.pem"]);
    let opened: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(opened, read_jsonl(&w.join("truth.jsonl")), "{}", run.stderr);

    // provider-escrow: the vault entry unseals to the device key world.json lists.
    let w = make("provider", &["--scheme", "provider-escrow"]);
    let fingerprint = student(
        &dir,
        &[
            "unseal-vault",
            &format!("{}/keys/provider.pem", s(&w)),
            &format!("{}/vault/bob.json", s(&w)),
        ],
    );
    let world: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.join("world.json")).unwrap()).unwrap();
    assert_eq!(fingerprint.trim(), world["parties"][1]["fingerprint"]);

    // clear: the vault key opens a phone's blob, HKDF and AES-GCM its storage.
    let w = make("clear", &["--scheme", "clear"]);
    let fingerprint = student(
        &dir,
        &[
            "unlock-phone",
            &format!("{}/keys/vendor.pem", s(&w)),
            &format!("{}/phones/carol.json", s(&w)),
        ],
    );
    let world: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.join("world.json")).unwrap()).unwrap();
    assert_eq!(fingerprint.trim(), world["parties"][2]["fingerprint"]);

    // clipper: family key, XOR'd unit-key halves, AES-CTR, RFC 3394 unwrap, checksum.
    let w = make("clipper", &["--scheme", "clipper"]);
    let opened: Vec<serde_json::Value> = student(&dir, &["open-leaves", s(&w)])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(opened, read_jsonl(&w.join("truth.jsonl")));

    // short-key: every key of a 16-bit message, tried in Python.
    let w = make("short", &["--scheme", "short-key", "--bits", "16"]);
    let text = student(&dir, &["brute-force", s(&w), "m000004"]);
    assert_eq!(text.trim(), read_jsonl(&w.join("truth.jsonl"))[3]["text"]);
}
