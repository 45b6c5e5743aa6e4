//! The hostile corpus (tests/data/hostile/): every file in it, fed to the command that
//! reads its kind, must be refused with exit 2 and one message that names the file and
//! says what is wrong; within a minute and 1 GiB of address space; writing nothing.
//!
//! The corpus README's table is the list of cases: each row names a file and a phrase
//! its message must contain. A file without a row, or a row without a file, fails.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{bin, tree, DiesWithTest};

/// Every case must finish within this; the slowest takes well under a second.
const TIME_LIMIT: Duration = Duration::from_secs(60);
/// Address space for one run (`ulimit -v`, KiB): a normal run of the flagship demo fits
/// in half of it.
const MEMORY_LIMIT_KIB: u64 = 1 << 20;
/// The size of the generated huge files: one line of 100 MB.
const HUGE_BYTES: u64 = 100 << 20;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hostile")
}

/// `KIND/FILE` → the phrase its refusal must contain, from the README's table.
fn cases() -> BTreeMap<String, String> {
    let readme = fs::read_to_string(corpus().join("README.md")).unwrap();
    let mut cases = BTreeMap::new();
    for line in readme.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line
            .split(" | ")
            .map(|c| c.trim_matches('|').trim())
            .collect();
        assert_eq!(cells.len(), 3, "README row needs 3 cells: {line}");
        let file = cells[0].trim_matches('`').to_owned();
        let phrase = cells[2].trim_matches('`').trim().to_owned();
        assert!(!phrase.is_empty(), "README row without a phrase: {line}");
        assert!(
            cases.insert(file.clone(), phrase).is_none(),
            "README lists {file} twice"
        );
    }
    cases
}

/// The worlds the cases are fed to, made once for the corpus and removed with it (the
/// 100 MB file included).
struct Bases {
    _dir: tempfile::TempDir,
    golden: PathBuf,
    split: PathBuf,
    clipper: PathBuf,
    vendor: PathBuf,
    exercise: PathBuf,
    huge: PathBuf,
}

impl Bases {
    fn new() -> Bases {
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| {
            let status = Command::new(bin())
                .args(args)
                .current_dir(dir.path())
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "{args:?}");
        };
        let common = ["--users", "3", "--messages", "6", "--seed", "7"];
        for (out, scheme) in [
            ("golden", "golden-key"),
            ("split", "split-key"),
            ("clipper", "clipper"),
            ("vendor", "provider-escrow"),
        ] {
            let mut args = vec!["simulate", "--out", out, "--scheme", scheme];
            args.extend(common);
            run(&args);
        }
        run(&[
            "exercise",
            "new",
            "--kind",
            "leaked-golden-key",
            "--students",
            "2",
            "--seed",
            "7",
            "--out",
            "exercise",
        ]);
        // One line of 100 MB, no newline: real bytes, not a sparse file, so a reader
        // that streams meets every one of them.
        let huge = dir.path().join("huge");
        let chunk = vec![b'a'; 1 << 20];
        let mut file = fs::File::create(&huge).unwrap();
        for _ in 0..HUGE_BYTES >> 20 {
            std::io::Write::write_all(&mut file, &chunk).unwrap();
        }
        Bases {
            golden: dir.path().join("golden"),
            split: dir.path().join("split"),
            clipper: dir.path().join("clipper"),
            vendor: dir.path().join("vendor"),
            exercise: dir.path().join("exercise"),
            huge,
            _dir: dir,
        }
    }
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every path under `dir` with its length and modification time: what a run must not
/// change. A directory's own time is left out: a temporary file made and removed again
/// (an output that was never committed) moves it, and leaves nothing behind.
fn listing(dir: &Path) -> BTreeMap<PathBuf, Option<(u64, std::time::SystemTime)>> {
    tree(dir)
        .into_iter()
        .map(|path| {
            let meta = fs::symlink_metadata(&path).unwrap();
            let seen = (!meta.is_dir()).then(|| (meta.len(), meta.modified().unwrap()));
            (path, seen)
        })
        .collect()
}

/// Lays out one case in `scratch` and returns the arguments that feed it to doormat,
/// with the path its message must name. Each kind names the world it needs, where in
/// that world the file goes (or nowhere: it is passed by name), and the command the
/// corpus README gives, with `@W` the world, `@F` the file and `@O` the output folder.
fn arrange(bases: &Bases, kind: &str, source: &Path, scratch: &Path) -> (Vec<OsString>, PathBuf) {
    let recover_escrow = "recover --world @W --key @W/keys/escrow.pem --out @O/opened.jsonl";
    let (base, inside, command): (Option<PathBuf>, Option<&str>, &str) = match kind {
        "capture" => (
            Some(bases.golden.clone()),
            Some("capture.jsonl"),
            recover_escrow,
        ),
        "world" => (
            Some(bases.golden.clone()),
            Some("world.json"),
            recover_escrow,
        ),
        "vault" => (
            Some(bases.vendor.clone()),
            Some("vault/alice.json"),
            "recover --world @W --key @W/keys/provider.pem",
        ),
        "keys" => (
            Some(bases.golden.clone()),
            None,
            "recover --world @W --key @F",
        ),
        "snapshots" => (
            Some(bases.golden.clone()),
            None,
            "recover --world @W --state @F",
        ),
        "shares" => (
            Some(bases.split.clone()),
            None,
            "recover --world @W --share @F --share @W/keys/agent-2.share \
             --share @W/keys/agent-3.share",
        ),
        "unit-halves" => (
            Some(bases.clipper.clone()),
            None,
            "recover --world @W --family-key @W/keys/family.key --share @F \
             --share @W/keys/unit-agent-2.json",
        ),
        "family-key" => (
            Some(bases.clipper.clone()),
            None,
            "recover --world @W --family-key @F",
        ),
        "scenarios" => (None, None, "demo --file @F"),
        "rosters" => (
            None,
            None,
            "exercise new --kind leaked-golden-key --seed 7 --roster @F --out @O/class",
        ),
        "submissions" => (
            Some(bases.exercise.join("instructor")),
            None,
            "exercise check --key @W/grading.json --csv @F",
        ),
        "grading" => (
            Some(bases.exercise.join("instructor")),
            None,
            "exercise check --key @F --student student01 --answer doormat{0}",
        ),
        other => panic!("the corpus has a folder doormat does not read: {other}"),
    };
    let world = scratch.join("world");
    if let Some(base) = base {
        copy_tree(&base, &world);
    }
    let named = match inside {
        Some(relative) => {
            fs::remove_file(world.join(relative)).unwrap();
            world.join(relative)
        }
        None => scratch.join("input").join(source.file_name().unwrap()),
    };
    fs::create_dir_all(named.parent().unwrap()).unwrap();
    if source == bases.huge {
        fs::hard_link(source, &named).unwrap();
    } else {
        fs::copy(source, &named).unwrap();
    }
    let out = scratch.join("out");
    fs::create_dir_all(&out).unwrap();
    // Scratch paths are plain ASCII, so substituting them into words is safe.
    let args = command
        .split_whitespace()
        .map(|word| {
            word.replace("@W", world.to_str().unwrap())
                .replace("@F", named.to_str().unwrap())
                .replace("@O", out.to_str().unwrap())
                .into()
        })
        .collect();
    (args, named)
}

struct Outcome {
    code: Option<i32>,
    stderr: String,
    took: Duration,
}

/// Runs doormat under `ulimit -v`, killing it at the time limit.
fn run_bounded(args: &[OsString], cwd: &Path) -> Outcome {
    let started = Instant::now();
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -v {MEMORY_LIMIT_KIB} && exec \"$0\" \"$@\""
        ))
        .arg(bin())
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .dies_with_test()
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut text).unwrap();
        text
    });
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if started.elapsed() > TIME_LIMIT {
            child.kill().unwrap();
            child.wait().unwrap();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Outcome {
        code,
        stderr: reader.join().unwrap(),
        took: started.elapsed(),
    }
}

/// Runs one case; returns what went wrong, if anything.
fn check(bases: &Bases, kind: &str, source: &Path, phrase: &str) -> Option<String> {
    let scratch = tempfile::tempdir().unwrap();
    let (args, named) = arrange(bases, kind, source, scratch.path());
    let cwd = scratch.path().join("cwd");
    fs::create_dir(&cwd).unwrap();
    let before = listing(scratch.path());
    let outcome = run_bounded(&args, &cwd);
    let after = listing(scratch.path());

    let label = format!("{kind}/{}", source.file_name().unwrap().to_string_lossy());
    let mut problems = Vec::new();
    match outcome.code {
        Some(2) => {}
        None => problems.push(format!(
            "killed after {:.1?} (time or memory limit)",
            outcome.took
        )),
        Some(code) => problems.push(format!("exit {code}, not 2")),
    }
    let stderr = &outcome.stderr;
    if !stderr.starts_with("error: ") || stderr.contains("panicked") {
        problems.push("not one clear error message".to_owned());
    }
    let file_name = named.file_name().unwrap().to_string_lossy();
    if !stderr.contains(&*file_name) {
        problems.push(format!("message does not name {file_name}"));
    }
    if !stderr.contains(phrase) {
        problems.push(format!("message lacks {phrase:?}"));
    }
    if stderr.lines().count() > 6 {
        problems.push(format!("{} lines of message", stderr.lines().count()));
    }
    if before != after {
        let changed: Vec<_> = after
            .iter()
            .filter(|(path, meta)| before.get(*path) != Some(meta))
            .map(|(path, _)| {
                path.strip_prefix(scratch.path())
                    .unwrap()
                    .display()
                    .to_string()
            })
            .chain(
                before
                    .keys()
                    .filter(|path| !after.contains_key(*path))
                    .map(|path| format!("removed {}", path.display())),
            )
            .collect();
        problems.push(format!("wrote {changed:?}"));
    }
    if problems.is_empty() {
        None
    } else {
        Some(format!(
            "{label}: {}\n    {}",
            problems.join("; "),
            stderr.trim()
        ))
    }
}

#[test]
fn every_hostile_file_is_refused_cleanly() {
    let cases = cases();
    let mut on_disk = Vec::new();
    for kind in fs::read_dir(corpus()).unwrap() {
        let kind = kind.unwrap();
        if !kind.file_type().unwrap().is_dir() {
            continue;
        }
        for file in fs::read_dir(kind.path()).unwrap() {
            let kind_name = kind.file_name().to_string_lossy().into_owned();
            let file_name = file.unwrap().file_name().to_string_lossy().into_owned();
            on_disk.push(format!("{kind_name}/{file_name}"));
        }
    }
    on_disk.sort();
    let listed: Vec<_> = cases
        .keys()
        .filter(|c| !c.ends_with("/huge"))
        .cloned()
        .collect();
    let unlisted: Vec<_> = on_disk.iter().filter(|f| !listed.contains(f)).collect();
    let missing: Vec<_> = listed.iter().filter(|f| !on_disk.contains(f)).collect();
    assert!(
        unlisted.is_empty() && missing.is_empty(),
        "the README's table and the corpus disagree: not in the table {unlisted:?}, \
         not on disk {missing:?}"
    );

    let security = fs::read_to_string(corpus().join("../../../docs/security.md")).unwrap();
    let count = format!("({} cases)", cases.len());
    assert!(
        security.contains(&count),
        "docs/security.md should say {count}"
    );

    // Cases run a few at a time: each is a process, most wait on the disk.
    let bases = &Bases::new();
    let all: Vec<_> = cases.iter().collect();
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = all
            .chunks(all.len().div_ceil(4))
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|(case, phrase)| {
                            let (kind, file) = case.split_once('/').unwrap();
                            let source = if file == "huge" {
                                bases.huge.clone()
                            } else {
                                corpus().join(case)
                            };
                            check(bases, kind, &source, phrase)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {} hostile files were not refused cleanly:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Files whose size the file system does not know: a device that never ends, linked in
/// where doormat expects a world's files, or named on the command line.
#[cfg(unix)]
#[test]
fn endless_files_are_refused_within_bounds() {
    let scratch = tempfile::tempdir().unwrap();
    let world = scratch.path().join("world");
    copy_tree(crate::util::shared_world("golden-key"), &world);
    let endless = Path::new("/dev/zero");
    let cases: Vec<(&str, Vec<OsString>)> = vec![
        ("world.json", vec![]),
        ("capture.jsonl", vec![]),
        ("", vec!["--key".into(), endless.into()]),
        ("", vec!["--state".into(), endless.into()]),
    ];
    for (link, extra) in cases {
        let copy = scratch.path().join(format!("w-{link}"));
        copy_tree(&world, &copy);
        if !link.is_empty() {
            fs::remove_file(copy.join(link)).unwrap();
            std::os::unix::fs::symlink(endless, copy.join(link)).unwrap();
        }
        let mut args: Vec<OsString> = vec!["recover".into(), "--world".into(), copy.into()];
        if extra.is_empty() {
            args.push("--key".into());
            args.push(world.join("keys/escrow.pem").into());
        }
        args.extend(extra);
        let outcome = run_bounded(&args, scratch.path());
        assert_eq!(outcome.code, Some(2), "{args:?}: {}", outcome.stderr);
        assert!(outcome.stderr.starts_with("error: "), "{}", outcome.stderr);
    }
    let outcome = run_bounded(
        &["demo".into(), "--file".into(), endless.into()],
        scratch.path(),
    );
    assert_eq!(outcome.code, Some(2), "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("is a device, not a scenario file"),
        "{}",
        outcome.stderr
    );
}
