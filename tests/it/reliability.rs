//! Reliability, round 2: faults and timing rather than malformed bytes. Real signals,
//! real FIFOs and sockets, real non-UTF-8 names (docs/security.md states the promises).

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{bin, doormat, scratch, shared_world, simulate, DiesWithTest};

/// Hidden entries of `dir`: doormat's temporaries, if any were left.
pub fn hidden(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

/// Starts a `simulate` long enough to be caught mid-write, and waits until its hidden
/// folder holds private keys. The caller signals and waits for the child.
fn start_long_simulate(dir: &Path) -> std::process::Child {
    start_long_simulate_with(dir, Stdio::piped())
}

/// [`start_long_simulate`] with stderr where the caller says.
#[allow(clippy::zombie_processes)]
pub fn start_long_simulate_with(dir: &Path, stderr: Stdio) -> std::process::Child {
    let mut child = Command::new(bin())
        .args([
            "simulate",
            "--scheme",
            "golden-key",
            "--out",
            "w",
            "--users",
            "4",
            "--messages",
            "900000",
        ])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(stderr)
        .dies_with_test()
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let keys_written = hidden(dir).iter().any(|name| {
            std::fs::read_dir(dir.join(name).join("keys")).is_ok_and(|mut k| k.next().is_some())
        });
        if keys_written {
            return child;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no temporary appeared");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn send_signal(child: &std::process::Child, signal: &str) {
    let status = Command::new("kill")
        .args(["-s", signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Ctrl-C and SIGTERM during a write: the half-built world, private keys and all, is
/// removed, and the exit code is the shell's 128 + the signal.
#[test]
fn an_interrupted_write_leaves_no_temporary() {
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let dir = scratch(&format!("signal-{signal}"));
        let child = start_long_simulate(&dir);
        send_signal(&child, signal);
        let output = child.wait_with_output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(code),
            "SIG{signal}: {:?}; stderr: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(String::from_utf8_lossy(&output.stderr).contains("interrupted"));
        assert!(hidden(&dir).is_empty(), "SIG{signal}: {:?}", hidden(&dir));
        assert!(!dir.join("w").exists());
    }
}

/// SIGKILL cannot be caught: the temporary stays, and the next run on the same --out
/// removes it (its process is gone).
#[test]
fn a_killed_run_is_cleaned_up_by_the_next() {
    let dir = scratch("signal-kill");
    let mut child = start_long_simulate(&dir);
    send_signal(&child, "KILL");
    child.wait().unwrap();
    let left = hidden(&dir);
    assert_eq!(left.len(), 2, "the staging folder and its lock: {left:?}");
    assert!(left.contains(&".w.lock".to_owned()), "{left:?}");
    simulate(&dir, "w", "none", (2, 5), 1, &[]).ok();
    assert!(hidden(&dir).is_empty(), "{:?}", hidden(&dir));
}

/// --force replaces a world, never the files a user put in it.
#[test]
fn force_keeps_files_doormat_did_not_write() {
    let dir = scratch("force-foreign");
    simulate(&dir, "w", "none", (2, 5), 1, &[]).ok();
    std::fs::write(dir.join("w/notes.txt"), "mine").unwrap();
    std::fs::create_dir(dir.join("w/keys/backup")).unwrap();
    simulate(&dir, "w", "none", (2, 5), 2, &["--force"]).refused(&[
        "notes.txt",
        "keys/backup",
        "did not write",
    ]);
    assert_eq!(
        std::fs::read_to_string(dir.join("w/notes.txt")).unwrap(),
        "mine"
    );
    std::fs::remove_file(dir.join("w/notes.txt")).unwrap();
    std::fs::remove_dir(dir.join("w/keys/backup")).unwrap();
    simulate(&dir, "w", "none", (2, 5), 2, &["--force"]).ok();
    assert!(hidden(&dir).is_empty());
}

/// A FIFO, a socket, a device or a folder given as a file: exit 2 at once, naming the
/// user's path. The FIFO has no writer, so a blocking open would hang.
#[test]
fn only_regular_files_are_read() {
    let dir = scratch("file-types");
    let world = shared_world("golden-key");
    let fifo = dir.join("key.fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let socket = dir.join("key.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    for (path, phrase) in [
        (fifo.as_path(), "FIFO"),
        (socket.as_path(), "socket"),
        (Path::new("/dev/null"), "device"),
        (dir.as_path(), "directory"),
    ] {
        let started = Instant::now();
        let run = Command::new("timeout")
            .arg("30")
            .arg(bin())
            .arg("recover")
            .arg("--world")
            .arg(world)
            .arg("--key")
            .arg(path)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{path:?}: {stderr}");
        assert!(stderr.contains(&*path.to_string_lossy()), "{stderr}");
        assert!(stderr.contains(phrase), "{stderr}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
    // A path that runs through a file, and an --out inside a file: the user's mistake.
    std::fs::write(dir.join("plain"), "x").unwrap();
    simulate(&dir, "plain/w", "none", (2, 5), 1, &[]).refused(&["plain"]);
    doormat(
        &dir,
        &["recover", "--world", "plain/w", "--key", "plain/k.pem"],
    )
    .refused(&["plain/w"]);
}

/// Paths that are not UTF-8: the work is done, --json stays valid JSON (the path with
/// U+FFFD), and a note on stderr says why.
#[test]
fn non_utf8_paths_are_written_lossily() {
    let dir = scratch("non-utf8");
    let out = OsStr::from_bytes(b"w\xff");
    let run = Command::new(bin())
        .args([
            "simulate",
            "--scheme",
            "none",
            "--users",
            "2",
            "--messages",
            "3",
        ])
        .arg("--out")
        .arg(out)
        .arg("--json")
        .current_dir(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("not UTF-8"), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(json["out"], "w\u{fffd}");
    assert!(dir.join(out).join("world.json").is_file());
    let run = Command::new(bin())
        .arg("recover")
        .arg("--world")
        .arg(out)
        .arg("--key")
        .arg(dir.join(out).join("keys/alice.pem"))
        .arg("--json")
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(json["world"], "w\u{fffd}");
}

/// A file name as long as the file system allows still gets a temporary beside it.
#[test]
fn names_at_the_length_limit_work() {
    let dir = scratch("name-max");
    let world = shared_world("golden-key");
    let name = format!("{}.jsonl", "o".repeat(249));
    assert_eq!(name.len(), 255);
    doormat(
        &dir,
        &[
            "recover",
            "--world",
            world.to_str().unwrap(),
            "--key",
            world.join("keys/escrow.pem").to_str().unwrap(),
            "--out",
            &name,
        ],
    )
    .ok();
    assert!(dir.join(&name).is_file());
}

/// A scenario's total work is bounded before anything runs, and the message names the
/// act and the limit.
#[test]
fn a_scenario_that_would_run_for_hours_is_refused_up_front() {
    let dir = scratch("scenario-totals");
    let mut text = String::from(
        "name = \"endless\"\nsummary = \"Too much.\"\nsources = [\"none\"]\n\n[world]\nusers = [\"alice\", \"bob\"]\nscheme = \"golden-key\"\ncompare = [\"none\"]\n",
    );
    for i in 0..8 {
        text.push_str(&format!(
            "\n[[act]]\ntitle = \"Act {i}\"\n[[act.event]]\ndo = \"send\"\nmessages = 5000\n"
        ));
    }
    std::fs::write(dir.join("endless.toml"), &text).unwrap();
    let started = Instant::now();
    doormat(&dir, &["demo", "--file", "endless.toml"]).refused(&[
        "endless.toml",
        "line ",
        "at most 50000",
        "split it",
    ]);
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// Small ones: a family key against a world that is not Clipper's; an absurd price in
/// `scale`; byte-order marks in a roster and a key.
#[test]
fn small_mistakes_get_the_right_message() {
    let dir = scratch("small-ones");
    simulate(&dir, "ck", "clipper", (2, 3), 1, &[]).ok();
    let golden = shared_world("golden-key");
    doormat(
        &dir,
        &[
            "attack",
            "leaf-metadata",
            "--world",
            golden.to_str().unwrap(),
            "--family-key",
            "ck/keys/family.key",
        ],
    )
    .refused(&["Clipper family key", "golden-key world"]);

    let run = doormat(
        &dir,
        &[
            "scale",
            "--usd-per-core-hour",
            "1e300",
            "--rsa-per-second",
            "1000",
            "--aes-per-second",
            "1000000",
            "--trials-per-second",
            "10000000",
        ],
    );
    run.ok();
    assert!(!run.stdout.contains("18,446,744"), "{}", run.stdout);
    assert!(run.stdout.contains("e30"), "{}", run.stdout);

    std::fs::write(dir.join("roster.csv"), "\u{feff}student\nana\nben\n").unwrap();
    let run = doormat(
        &dir,
        &[
            "exercise",
            "new",
            "--kind",
            "leaked-golden-key",
            "--roster",
            "roster.csv",
            "--out",
            "class",
            "--json",
        ],
    );
    run.ok();
    assert_eq!(run.json()["students"], serde_json::json!(["ana", "ben"]));

    let pem = std::fs::read_to_string(golden.join("keys/escrow.pem")).unwrap();
    std::fs::write(dir.join("bom.pem"), format!("\u{feff}{pem}")).unwrap();
    doormat(
        &dir,
        &[
            "recover",
            "--world",
            golden.to_str().unwrap(),
            "--key",
            "bom.pem",
        ],
    )
    .ok();
}
