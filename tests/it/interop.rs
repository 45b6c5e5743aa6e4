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
