//! What doormat writes: secrets only their owner can read, nothing replaced without
//! --force, and a write that fails half-way leaves the old file as it was.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::util::{bin, doormat, scratch, tree};

/// Every file under `dir` with its bytes.
fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    tree(dir)
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A file that holds something secret: a private key, a share, a unit-key half, the
/// family key, a device snapshot, the instructor's grading file and answers.
fn is_secret(path: &Path) -> bool {
    let name = path.file_name().unwrap().to_string_lossy();
    let in_dir = |dir: &str| path.parent().is_some_and(|p| p.ends_with(dir));
    (in_dir("keys") && !name.ends_with(".pub.pem"))
        || in_dir("snapshots")
        || in_dir("leaks")
        || (in_dir("instructor") && (name == "grading.json" || name == "answers.csv"))
}

#[test]
fn every_secret_of_every_design_is_written_0600() {
    let dir = scratch("modes");
    let mut secrets = 0;
    for scheme in [
        "none",
        "golden-key",
        "split-key",
        "provider-escrow",
        "clear",
        "ghost",
        "clipper",
        "short-key",
        "forward-secret",
    ] {
        let mut args = vec![
            "simulate",
            "--out",
            scheme,
            "--scheme",
            scheme,
            "--users",
            "3",
            "--messages",
            "8",
            "--seed",
            "3",
        ];
        if matches!(scheme, "none" | "golden-key" | "forward-secret") {
            args.extend(["--snapshot", "alice@4"]);
        }
        doormat(&dir, &args).ok();
    }
    doormat(
        &dir,
        &[
            "exercise",
            "new",
            "--kind",
            "split-key",
            "--students",
            "2",
            "--seed",
            "3",
            "--out",
            "class",
        ],
    )
    .ok();
    for path in contents(&dir).keys() {
        if is_secret(path) {
            secrets += 1;
            assert_eq!(mode(path), 0o600, "{}", path.display());
        } else {
            // Public files are readable by others; none is writable by them.
            assert_eq!(mode(path) & 0o022, 0, "{}", path.display());
        }
    }
    // keys of 8 designs, 3 snapshots, shares, halves, leaks, grading files: dozens.
    assert!(secrets > 40, "only {secrets} secret files found");
}

/// `simulate` of a seeded golden-key world of three users into `world`.
fn golden_world(
    messages: &'static str,
    seed: &'static str,
    more: &[&'static str],
) -> Vec<&'static str> {
    let mut args = vec![
        "simulate",
        "--out",
        "world",
        "--scheme",
        "golden-key",
        "--users",
        "3",
        "--messages",
        messages,
        "--seed",
        seed,
    ];
    args.extend(more);
    args
}

#[test]
fn nothing_is_replaced_without_force() {
    let dir = scratch("no-force");
    doormat(&dir, &golden_world("10", "1", &["--snapshot", "alice@3"])).ok();
    let world = dir.join("world");
    let before = contents(&world);

    let mut again = golden_world("10", "2", &["--snapshot", "alice@3"]);
    doormat(&dir, &again).refused(&["already holds a world", "--force"]);
    let key = world.join("keys/escrow.pem");
    doormat(
        &dir,
        &[
            "recover",
            "--world",
            "world",
            "--key",
            key.to_str().unwrap(),
            "--out",
            "world/keys/alice.pem",
        ],
    )
    .refused(&["world/keys/alice.pem", "one of the world's own files"]);
    // Nor with --force, by any route to the same file, nor over an input key.
    std::fs::copy(&key, dir.join("stolen.pem")).unwrap();
    for (key, out, phrase) in [
        (
            "stolen.pem",
            "world/../world/capture.jsonl",
            "world's own files",
        ),
        ("stolen.pem", "./stolen.pem", "also an input"),
        (
            "stolen.pem",
            "world/vault-notes/../keys/x.pem",
            "world's own files",
        ),
    ] {
        let _ = std::fs::create_dir(dir.join("world/vault-notes"));
        doormat(
            &dir,
            &[
                "recover", "--world", "world", "--key", key, "--out", out, "--force",
            ],
        )
        .refused(&[phrase]);
        let _ = std::fs::remove_dir(dir.join("world/vault-notes"));
    }
    doormat(
        &dir,
        &[
            "exercise",
            "new",
            "--kind",
            "leaked-golden-key",
            "--students",
            "1",
            "--out",
            "world",
        ],
    )
    .refused(&["world"]);
    assert_eq!(
        contents(&world),
        before,
        "a refused command changed the world"
    );

    // With --force the world is replaced as a whole, and its secrets are still 0600.
    again.push("--force");
    doormat(&dir, &again).ok();
    let after = contents(&world);
    assert_ne!(after[&key], before[&key]);
    assert_eq!(mode(&key), 0o600);
    assert_eq!(mode(&world.join("snapshots/alice@3.json")), 0o600);
}

/// Runs doormat with its file-size limit at `kib` KiB, so that a write fails half-way:
/// `ignore_signal` makes the write return an error (EFBIG) that doormat must handle;
/// without it the kernel kills doormat on the spot (SIGXFSZ), as a crash or power cut
/// would.
fn run_with_file_limit(dir: &Path, kib: u64, ignore_signal: bool, args: &[&str]) -> Option<i32> {
    let trap = if ignore_signal { "trap '' XFSZ; " } else { "" };
    Command::new("bash")
        .arg("-c")
        .arg(format!("{trap}ulimit -f {kib} && exec \"$0\" \"$@\""))
        .arg(bin())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .code()
}

#[test]
fn a_write_that_fails_half_way_leaves_the_old_file_intact() {
    let dir = scratch("half-written");
    doormat(&dir, &golden_world("400", "1", &[])).ok();
    let world = dir.join("world");
    let old_world = contents(&world);
    let key = world.join("keys/escrow.pem");
    let key = key.to_str().unwrap();
    let out = dir.join("opened.jsonl");
    fs::write(&out, "the old file\n").unwrap();
    let recover = [
        "recover",
        "--world",
        "world",
        "--key",
        key,
        "--out",
        "opened.jsonl",
        "--force",
    ];
    let leftovers = || -> Vec<String> {
        fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect()
    };

    // The plaintexts of 400 messages are far more than 16 KiB.
    let code = run_with_file_limit(&dir, 16, true, &recover);
    assert_eq!(code, Some(1), "a failed write is an I/O error, exit 1");
    assert_eq!(fs::read_to_string(&out).unwrap(), "the old file\n");
    assert_eq!(
        leftovers(),
        Vec::<String>::new(),
        "the temporary file stays"
    );

    let code = run_with_file_limit(&dir, 16, false, &recover);
    assert_eq!(code, None, "killed by SIGXFSZ");
    assert_eq!(fs::read_to_string(&out).unwrap(), "the old file\n");

    // The same for a whole world: --force over the old one, failing inside capture.jsonl.
    let mut replace = golden_world("400", "2", &[]);
    replace.push("--force");
    for ignore_signal in [true, false] {
        let code = run_with_file_limit(&dir, 64, ignore_signal, &replace);
        assert_eq!(code, if ignore_signal { Some(1) } else { None });
        assert_eq!(contents(&world), old_world, "the old world was touched");
    }
    // And with room to write, the world is replaced.
    doormat(&dir, &replace).ok();
    assert_ne!(contents(&world), old_world);
}
