//! Reliability, round 3: what a system administrator running doormat for a department
//! expects. Signals that work whatever stderr is, secrets no other user can read, one
//! server per class, checks before estimates, and outside text that a terminal shows
//! rather than obeys.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::reliability::{hidden, send_signal, start_long_simulate_with};

/// Waits for `child` at most `limit`; kills it and returns None past that.
fn wait_at_most(child: &mut std::process::Child, limit: Duration) -> Option<i32> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Where stderr goes in a signal test.
#[derive(Debug, Clone, Copy)]
enum Stderr {
    /// A pipe whose reader has gone (`doormat ... 2>&1 | head -1` after head exits).
    Closed,
    /// A file on a full disk (`2>/dev/full`).
    Full,
}

/// INT, TERM, HUP (the terminal closed) and QUIT each end a write in progress: the
/// half-built world (private keys) is removed and the exit code is 128 + the signal,
/// also when stderr is a closed pipe or a full disk, where the message cannot be
/// written. The handler used to panic on that write and ignore every later signal.
#[test]
fn every_signal_cleans_up_whatever_stderr_is() {
    independent_of_rsa_backend!();
    let cases: Vec<(&str, i32, Stderr)> = [("INT", 2), ("TERM", 15), ("HUP", 1), ("QUIT", 3)]
        .into_iter()
        .flat_map(|(name, number)| {
            [Stderr::Closed, Stderr::Full].map(|stderr| (name, 128 + number, stderr))
        })
        .collect();
    let failures: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = cases
            .iter()
            .map(|&(signal, code, stderr)| {
                scope.spawn(move || {
                    let dir = crate::util::scratch(&format!("signal3-{signal}-{stderr:?}"));
                    one_signal(&dir, signal, code, stderr)
                })
            })
            .collect();
        runs.into_iter()
            .filter_map(|run| run.join().unwrap().err())
            .collect()
    });
    assert!(failures.is_empty(), "{failures:#?}");
}

fn one_signal(dir: &Path, signal: &str, code: i32, stderr: Stderr) -> Result<(), String> {
    let target = match stderr {
        Stderr::Closed => Stdio::piped(),
        Stderr::Full => std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
            .into(),
    };
    let mut child = start_long_simulate_with(dir, target);
    // The reader goes away before the signal: the handler's message meets EPIPE.
    drop(child.stderr.take());
    send_signal(&child, signal);
    let got = wait_at_most(&mut child, Duration::from_secs(30));
    if got != Some(code) {
        return Err(format!(
            "SIG{signal}, stderr {stderr:?}: exit {got:?} (None: still running after 30 s), expected {code}"
        ));
    }
    let left = hidden(dir);
    if !left.is_empty() || dir.join("w").exists() {
        return Err(format!("SIG{signal}, stderr {stderr:?}: left {left:?}"));
    }
    Ok(())
}

/// What may be readable by other users: what a network tap, the directory or a
/// student's handout already shows (public keys, ciphertext, the scan list, the
/// published pictures, the instructions). Everything else doormat writes (keys, shares,
/// snapshots, truth, plaintexts, flags, grades, class tokens, reports) is 0600, in
/// folders that are 0700.
fn may_be_public(path: &Path) -> bool {
    let name = path.file_name().unwrap().to_string_lossy();
    let folder = path
        .parent()
        .and_then(Path::file_name)
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let public_names = [
        "world.json",
        "capture.jsonl",
        "delivery.jsonl",
        "notices.jsonl",
        "reports.jsonl",
        "scan-list.json",
        "requests.jsonl",
        "README.md",
        "cert.pem",
        "hints.json",
    ];
    public_names.contains(&name.as_ref())
        || name.ends_with(".pub.pem")
        || ["gallery", "phones", "vault", "tools", "docs", "exercises"].contains(&folder.as_str())
}

/// Every entry under `root` that other users could read but should not: a folder with
/// any group or other bit, or a file outside [`may_be_public`] with a read bit for them.
fn exposed(root: &Path) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let mut found = Vec::new();
    let mut entries = crate::util::tree(root);
    entries.push(root.to_path_buf());
    for path in entries {
        let metadata = std::fs::symlink_metadata(&path).unwrap();
        let mode = metadata.permissions().mode() & 0o777;
        let open_to_others = if metadata.is_dir() {
            mode & 0o077 != 0
        } else {
            mode & 0o044 != 0 && !may_be_public(&path)
        };
        if open_to_others {
            found.push(format!("{:o} {}", mode, path.display()));
        }
    }
    found
}

/// Whatever the umask (a department's is often 022): every world of every design, every
/// exercise kind's bundles and instructor folder, a live class's folder (its TLS key
/// included), and every --out and --html file keep their secrets from other users.
#[test]
fn secrets_are_0600_in_0700_folders_in_every_output_tree() {
    independent_of_rsa_backend!();
    let dir = crate::util::scratch("modes");
    let designs: Vec<&str> = doormat::schemes::DESIGNS
        .iter()
        .map(|d| d.id().as_str())
        .collect();
    let kinds: Vec<&str> = doormat::exercise::ExerciseKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect();
    assert_eq!((designs.len(), kinds.len()), (13, 10));
    let dir_ref = &dir;
    std::thread::scope(|scope| {
        scope.spawn(|| {
            for design in &designs {
                let out = format!("world-{design}");
                crate::util::doormat(
                    dir_ref,
                    &[
                        "simulate",
                        "--scheme",
                        design,
                        "--out",
                        &out,
                        "--users",
                        "3",
                        "--messages",
                        "12",
                    ],
                )
                .ok();
            }
        });
        for kind in &kinds {
            let out = format!("exercise-{kind}");
            crate::util::doormat(
                dir_ref,
                &[
                    "exercise",
                    "new",
                    "--kind",
                    kind,
                    "--students",
                    "1",
                    "--out",
                    &out,
                ],
            )
            .ok();
        }
    });
    crate::util::doormat(
        &dir,
        &[
            "simulate",
            "--scheme",
            "forward-secret",
            "--out",
            "snapshots",
            "--users",
            "3",
            "--messages",
            "12",
            "--snapshot",
            "alice@6",
        ],
    )
    .ok();
    let opened = crate::util::doormat(
        &dir,
        &[
            "recover",
            "--world",
            "world-golden-key",
            "--key",
            "world-golden-key/keys/escrow.pem",
            "--out",
            "opened.jsonl",
            "--html",
            "recover.html",
        ],
    );
    opened.ok();
    crate::util::doormat(&dir, &["demo", "--seed", "1", "--html", "demo.html"]).ok();
    crate::util::doormat(
        &dir,
        &[
            "exercise",
            "check",
            "--key",
            "exercise-split-key/instructor/grading.json",
            "--student",
            "student01",
            "--answer",
            "wrong",
            "--html",
            "grade.html",
        ],
    );
    {
        let class = crate::classroom::Class::start(&dir, &[]);
        crate::classroom::RustStudent::join(&class, "ana", "alice");
        let (status, _) = class.json(
            "POST",
            "/api/leak",
            Some(&class.teacher_token),
            &serde_json::json!({}),
        );
        assert_eq!(status, 200);
    }
    let mut found = exposed(&dir);
    // The scratch folder itself is the test's, made under the test's umask.
    found.retain(|line| !line.ends_with(&format!(" {}", dir.display())));
    assert!(
        found.is_empty(),
        "readable by other users:\n{}",
        found.join("\n")
    );
    assert!(dir.join("world-golden-key/truth.jsonl").is_file());
    assert!(dir.join("class").is_dir());
}

/// One writer per world: a second `simulate` on an --out being written is refused with
/// exit 2 and the first one's PID, and the first finishes untouched. A lock left by a
/// killed doormat is taken over with a note, and no lock file stays behind.
#[test]
fn a_world_being_written_has_one_writer() {
    independent_of_rsa_backend!();
    let dir = crate::util::scratch("lock-world");
    let mut first = start_long_simulate_with(&dir, Stdio::null());
    let second = crate::util::simulate(&dir, "w", "none", (2, 3), 1, &[]);
    second.refused(&["w", "in use", &format!("PID {}", first.id())]);
    send_signal(&first, "KILL");
    first.wait().unwrap();
    assert!(
        hidden(&dir).contains(&".w.lock".to_owned()),
        "{:?}",
        hidden(&dir)
    );
    let third = crate::util::simulate(&dir, "w", "none", (2, 3), 1, &[]);
    third.ok();
    assert!(
        third
            .stderr
            .contains(&format!("left locked by doormat PID {}", first.id()))
            && third.stderr.contains("taken over"),
        "{}",
        third.stderr
    );
    assert!(hidden(&dir).is_empty(), "{:?}", hidden(&dir));
}

/// One server per class folder: a second `doormat classroom` on the same --out (another
/// port) is refused with exit 2 and the first server's PID, and the class file is not
/// touched. After the server is killed outright, the next start takes the lock over and
/// says so.
#[test]
fn a_class_has_one_server() {
    independent_of_rsa_backend!();
    use crate::classroom::{Class, RustStudent};
    let dir = crate::util::scratch("lock-class");
    let class = Class::start(&dir, &[]);
    RustStudent::join(&class, "ana", "alice");
    let before = std::fs::read(dir.join("class/class.json")).unwrap();
    let mut second = std::process::Command::new(crate::util::bin())
        .args(["classroom", "--out", "class", "--bind", "127.0.0.1:0"])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let code = wait_at_most(&mut second, Duration::from_secs(20));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut second.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(
        code,
        Some(2),
        "a second server must be refused at once: {stderr}"
    );
    assert!(
        stderr.contains("in use") && stderr.contains(&format!("PID {}", class.pid())),
        "{stderr}"
    );
    assert_eq!(std::fs::read(dir.join("class/class.json")).unwrap(), before);
    let killed = class.pid();
    class.kill();
    let again = Class::start(&dir, &[]);
    let (status, who) = again.get("/api/directory", None);
    assert_eq!(status, 200);
    assert!(who.to_string().contains("\"ana\""), "{who}");
    let stderr = again.stop_and_read_stderr();
    assert!(
        stderr.contains(&format!("left locked by doormat PID {killed}"))
            && stderr.contains("taken over"),
        "{stderr}"
    );
    assert!(hidden(&dir).is_empty(), "{:?}", hidden(&dir));
}

/// A disk that fills before the first byte lands (here a file-size limit of 0, which
/// fails writes as a full disk does, without root): the command fails and leaves
/// nothing beside --out, no 0-byte temporary and no half-written file. Both a page
/// larger than a write buffer (`demo --html`) and a small file that fits in one
/// (`recover --out` of three messages: its first write is the final flush).
#[test]
fn a_full_disk_leaves_nothing_behind() {
    independent_of_rsa_backend!();
    let dir = crate::util::scratch("full-disk");
    crate::util::simulate(&dir, "w", "none", (2, 3), 1, &[]).ok();
    let world = dir.join("w");
    let key = world.join("keys/alice.pem");
    for (name, args) in [
        (
            "page.html",
            vec!["demo", "--seed", "1", "--html", "page.html"],
        ),
        (
            "o.jsonl",
            vec![
                "recover",
                "--world",
                crate::util::s(&world),
                "--key",
                crate::util::s(&key),
                "--out",
                "o.jsonl",
            ],
        ),
    ] {
        let out = dir.join(format!("out-{name}"));
        std::fs::create_dir(&out).unwrap();
        let command = "trap '' XFSZ; ulimit -f 0; exec \"$0\" \"$@\"";
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .arg(crate::util::bin())
            .args(&args)
            .current_dir(&out)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_ne!(output.status.code(), Some(0), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(stderr.contains(name), "{name}: {stderr}");
        let left: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
        assert!(left.is_empty(), "{name}: left {left:?}");
    }
}

/// --force replaces regular files only: a symbolic link (to /dev/stdout, or to a file
/// elsewhere) is refused with exit 2 and left as it was, and so is its target.
#[test]
fn force_never_replaces_a_symbolic_link() {
    independent_of_rsa_backend!();
    let dir = crate::util::scratch("force-symlink");
    let world = crate::util::shared_world("golden-key");
    let key = world.join("keys/escrow.pem");
    std::fs::write(dir.join("elsewhere.txt"), "mine").unwrap();
    std::os::unix::fs::symlink("/dev/stdout", dir.join("stdout.jsonl")).unwrap();
    std::os::unix::fs::symlink(dir.join("elsewhere.txt"), dir.join("link.jsonl")).unwrap();
    for (out, flag) in [
        ("stdout.jsonl", "--out"),
        ("link.jsonl", "--out"),
        ("link.jsonl", "--html"),
    ] {
        crate::util::doormat(
            &dir,
            &[
                "recover",
                "--world",
                crate::util::s(world),
                "--key",
                crate::util::s(&key),
                flag,
                out,
                "--force",
            ],
        )
        .refused(&[out, "symbolic link", "--force"]);
        assert!(dir
            .join(out)
            .symlink_metadata()
            .unwrap()
            .file_type()
            .is_symlink());
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("elsewhere.txt")).unwrap(),
        "mine"
    );
}

/// A long `exercise new` says what it will take before it goes on: the first bundle is
/// timed and the rest estimated from it; past ten minutes (500 students of the slowest
/// kind) it stops without `--yes`, with nothing left behind. On a pipe, a class that
/// takes more than a second reports its progress in plain lines.
#[test]
fn a_large_exercise_estimates_gates_and_reports_progress() {
    independent_of_rsa_backend!();
    let dir = crate::util::scratch("exercise-gate");
    let started = Instant::now();
    crate::util::doormat(
        &dir,
        &[
            "exercise",
            "new",
            "--kind",
            "poisoned-list",
            "--students",
            "500",
            "--out",
            "big",
        ],
    )
    .refused(&[
        "--yes",
        "making the other 499 bundles could take",
        "minutes",
    ]);
    assert!(started.elapsed() < Duration::from_secs(60));
    assert!(
        std::fs::read_dir(&dir).unwrap().next().is_none(),
        "left behind"
    );
    let run = crate::util::doormat(
        &dir,
        &[
            "exercise",
            "new",
            "--kind",
            "leaked-golden-key",
            "--students",
            "8",
            "--out",
            "class",
        ],
    );
    run.ok();
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("making bundles: "))
        .collect();
    assert!(
        lines.last().is_some_and(|l| l.contains("8 of 8, done in")),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains('\r'),
        "a pipe gets lines, not a bar: {:?}",
        run.stderr
    );
}

/// Names in a roster: at most 100 characters (a 5,000-character one is refused, and not
/// echoed whole), no direction overrides, no folder Windows keeps for a device.
#[test]
fn roster_names_are_bounded_and_safe_to_show_and_unzip() {
    independent_of_rsa_backend!();
    let dir = crate::util::scratch("roster-names");
    // Writes `names` as roster FILE and runs `exercise new` on it.
    let with_roster = |file: &str, names: &str| {
        std::fs::write(dir.join(file), names).unwrap();
        let args = [
            "exercise",
            "new",
            "--kind",
            "split-key",
            "--roster",
            file,
            "--out",
            "c",
        ];
        crate::util::doormat(&dir, &args)
    };
    let run = with_roster("long.txt", &format!("ana\n{}\n", "A".repeat(5000)));
    run.refused(&["long.txt", "line 2", "5000 characters", "at most 100"]);
    assert!(run.stderr.len() < 600, "{}", run.stderr);
    let run = with_roster("rlo.txt", "ana\nevil\u{202E}fdp.exe\n");
    run.refused(&["rlo.txt", "line 2", "direction override"]);
    assert!(!run.stderr.contains('\u{202E}'), "{}", run.stderr);
    with_roster("win.txt", "ana\nCom1\n").refused(&["win.txt", "line 2", "com1/", "Windows"]);
    assert!(!dir.join("c").exists());
}

/// Outside text reaches the terminal escaped on every path that prints it: clap's own
/// errors (a bad value, an unknown flag), the folder `simulate` names on stdout,
/// `recover`'s plaintexts line, and a scenario whose narration holds U+202E, which is
/// refused with its line like any control character.
#[test]
fn outside_text_is_escaped_on_stdout_stderr_and_in_clap_errors() {
    independent_of_rsa_backend!();
    let dir = crate::util::scratch("escape-all");
    let raw = |text: &str| text.contains(['\u{1b}', '\u{7}', '\u{202E}']);
    for args in [
        vec![
            "simulate",
            "--scheme",
            "none",
            "--out",
            "w",
            "--users",
            "\u{1b}[2J",
        ],
        vec!["--\u{1b}]0;pwned\u{7}"],
        vec!["simulate", "--scheme", "none", "--out", "w", "--\u{202E}x"],
    ] {
        let run = crate::util::doormat(&dir, &args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(!raw(&run.stderr), "{args:?}: {:?}", run.stderr);
        assert!(run.stderr.contains("\\u{"), "{args:?}: {}", run.stderr);
    }
    let world = "w\u{1b}[2J";
    let run = crate::util::simulate(&dir, world, "none", (2, 3), 1, &[]);
    run.ok();
    assert!(!raw(&run.stdout), "{:?}", run.stdout);
    assert!(run.stdout.contains("w\\u{1b}[2J"), "{}", run.stdout);
    let key = format!("{world}/keys/alice.pem");
    let out = "o\u{1b}]0;pwned\u{7}.jsonl";
    let run = crate::util::doormat(
        &dir,
        &["recover", "--world", world, "--key", &key, "--out", out],
    );
    run.ok();
    assert!(!raw(&run.stdout) && !raw(&run.stderr), "{:?}", run.stdout);
    assert!(
        run.stdout.contains("o\\u{1b}]0;pwned\\u{7}.jsonl"),
        "{}",
        run.stdout
    );
    assert!(dir.join(out).is_file(), "the file has its real name");
    std::fs::write(
        dir.join("rlo.toml"),
        "name = \"rlo\"\nsummary = \"A turn.\"\nsources = [\"x\"]\n[world]\nusers = [\"ana\", \"ben\"]\nscheme = \"none\"\n[[act]]\ntitle = \"Turn\"\nsay = \"harmless \u{202E}txt.exe\"\n",
    )
    .unwrap();
    let run = crate::util::doormat(&dir, &["demo", "--file", "rlo.toml"]);
    run.refused(&["rlo.toml", "line 9", "act[1].say", "U+202E"]);
    assert!(!raw(&run.stderr), "{:?}", run.stderr);
}

/// The words fit the case: a `--bind` address that is not this machine's, or a port in
/// use; a demo about another design; `--html` named as `--html`; a file name too long
/// (exit 2, before any work); a path through a file; another world's Dual_EC backdoor;
/// keys given to the tap.
#[test]
fn each_mistake_gets_its_own_words() {
    independent_of_rsa_backend!();
    use crate::util::{doormat, s, scratch, simulate};
    let dir = scratch("wrong-words");
    doormat(
        &dir,
        &["classroom", "--out", "c", "--bind", "192.0.2.1:8443"],
    )
    .refused(&["--bind", "not an address of this machine", "0.0.0.0:8443"]);
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().to_string();
    let run = doormat(&dir, &["classroom", "--out", "c", "--bind", &port]);
    run.refused(&["--bind", "another program", "another port"]);
    drop(busy);
    let run = doormat(
        &dir,
        &[
            "classroom",
            "--out",
            "c",
            "--scheme",
            "none",
            "--demo",
            "golden-key-leak",
        ],
    );
    run.refused(&[
        "--demo",
        "--scheme golden-key",
        "no shipped demo is about none",
    ]);
    assert!(
        !run.stderr.contains("try --demo golden-key-leak"),
        "{}",
        run.stderr
    );
    assert!(!dir.join("c").exists());

    simulate(&dir, "d1", "dual-ec", (2, 4), 1, &[]).ok();
    simulate(&dir, "d2", "dual-ec", (2, 4), 2, &[]).ok();
    let foreign = doormat(
        &dir,
        &[
            "attack",
            "dual-ec",
            "--world",
            "d1",
            "--backdoor",
            "d2/keys/designer.key",
        ],
    );
    foreign.ok();
    assert!(
        foreign.stdout.contains("made for another world"),
        "{}",
        foreign.stdout
    );
    assert!(!foreign.stdout.contains("Juniper"), "{}", foreign.stdout);
    simulate(
        &dir,
        "d3",
        "dual-ec",
        (2, 4),
        3,
        &["--rekeyed-by", "intruder"],
    )
    .ok();
    let rekeyed = doormat(
        &dir,
        &[
            "attack",
            "dual-ec",
            "--world",
            "d3",
            "--backdoor",
            "d3/keys/designer.key",
        ],
    );
    assert!(
        rekeyed.ok().stdout.contains("intruder replaced Q"),
        "{}",
        rekeyed.stdout
    );

    doormat(
        &dir,
        &[
            "exercise",
            "new",
            "--kind",
            "split-key",
            "--students",
            "1",
            "--out",
            "ex",
        ],
    )
    .ok();
    let grading = "ex/instructor/grading.json";
    doormat(
        &dir,
        &[
            "exercise",
            "check",
            "--key",
            grading,
            "--student",
            "student01",
            "--answer",
            "x",
            "--html",
            grading,
        ],
    )
    .refused(&["--html", "is also an input", "choose another --html"]);
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    let long = "a".repeat(300);
    let key = "d1/keys/alice.pem";
    for args in [
        vec!["simulate", "--scheme", "none", "--out", &long],
        vec!["recover", "--world", "d1", "--key", key, "--html", &long],
        vec!["recover", "--world", "d1", "--key", key, "--out", &long],
        vec![
            "exercise",
            "new",
            "--kind",
            "split-key",
            "--students",
            "1",
            "--out",
            &long,
        ],
    ] {
        let run = doormat(&dir, &args);
        run.refused(&["300 bytes", "at most 255"]);
        assert!(
            run.stdout.is_empty(),
            "refused before any work: {}",
            run.stdout
        );
    }
    for args in [
        vec!["simulate", "--scheme", "none", "--out", "notes.txt/w"],
        vec![
            "recover",
            "--world",
            "d1",
            "--key",
            key,
            "--out",
            "notes.txt/o.jsonl",
        ],
        vec![
            "exercise",
            "new",
            "--kind",
            "split-key",
            "--students",
            "1",
            "--out",
            "notes.txt/e",
        ],
        vec!["classroom", "--out", "notes.txt/c"],
    ] {
        let run = doormat(&dir, &args);
        run.refused(&["is inside notes.txt, which is a file"]);
        assert!(!run.stderr.contains(".lock"), "{}", run.stderr);
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
        "mine"
    );

    std::fs::write(
        dir.join("tap.toml"),
        "name = \"tap\"\nsummary = \"A tap.\"\nsources = [\"x\"]\n[world]\nusers = [\"ana\", \"ben\"]\nscheme = \"golden-key\"\n[[act]]\ntitle = \"Leak\"\n[[act.event]]\ndo = \"leak\"\nkey = \"escrow\"\nto = \"tap\"\n",
    )
    .unwrap();
    doormat(&dir, &["demo", "--file", s(&dir.join("tap.toml"))]).refused(&[
        "tap.toml",
        "line 12",
        "act[1].event[1].to",
        "tap operator",
    ]);
}

/// `scale` at the edges of what a float holds: no figure is a saturated integer that
/// looks exact (18,446,744,073,709,551,615), none reads "inf", tiny rates are not shown
/// as 0, and a cost past any float says "more than".
#[test]
fn scale_says_more_than_instead_of_saturating() {
    independent_of_rsa_backend!();
    let dir = crate::util::scratch("scale-edges");
    let run = crate::util::doormat(
        &dir,
        &[
            "scale",
            "--messages-per-day",
            "1e300",
            "--rsa-per-second",
            "1e-300",
            "--aes-per-second",
            "0.000001",
            "--trials-per-second",
            "1e-9",
            "--usd-per-core-hour",
            "1e300",
            "--bits",
            "56",
        ],
    );
    run.ok();
    let text = &run.stdout;
    assert!(!text.contains("18,446,744,073,709,551,615"), "{text}");
    assert!(!text.contains("inf") && !text.contains("NaN"), "{text}");
    assert!(text.contains("more than"), "{text}");
    assert!(text.contains("more than $"), "{text}");
    assert!(text.contains("1.00e-6 per core-second"), "{text}");
    assert!(!text.contains("forever"), "{text}");
    // However wide a figure grows, the brute-force table keeps its cells apart.
    let row = text
        .lines()
        .find(|l| l.trim_start().starts_with("56 "))
        .unwrap_or_else(|| panic!("no 56-bit row: {text}"));
    assert!(
        !row.contains("yearsmore") && !row.contains("1.8e308more"),
        "{row}"
    );
    assert_eq!(row.matches("more than").count(), 3, "{row}");
    let run = crate::util::doormat(
        &dir,
        &[
            "scale",
            "--messages-per-day",
            "18446744073709551615",
            "--rsa-per-second",
            "0.5",
            "--aes-per-second",
            "1",
            "--trials-per-second",
            "1",
        ],
    );
    assert!(
        !run.ok().stdout.contains("18,446,744,073,709,551,615"),
        "{}",
        run.stdout
    );
}

/// tests/setup.sh never installs into a Python the system manages (PEP 668): where the
/// system refuses pip it makes a virtual environment, in the folder where the tests'
/// `python()` looks for one.
#[test]
fn setup_leaves_the_system_python_alone() {
    independent_of_rsa_backend!();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = std::fs::read_to_string(root.join("tests/setup.sh")).unwrap();
    assert!(
        !script.contains("--break-system-packages"),
        "setup.sh breaks PEP 668"
    );
    assert!(
        script.contains("venv=target/test-python"),
        "setup.sh makes no venv"
    );
    assert!(script.contains("EXTERNALLY-MANAGED"));
    let venv = root.join("target/test-python/bin/python3");
    let expected = if venv.exists() {
        venv.into_os_string()
    } else {
        "python3".into()
    };
    assert_eq!(crate::util::python(), expected);
}

/// A world that would be refused is refused at once, with no estimate and no question
/// about --yes; a seeded world is estimated at the seeded rate (RSA on the `rsa`
/// crate), so ten million seeded messages ask for --yes, where the unseeded rate said
/// minutes and let them run for hours.
#[test]
fn simulate_checks_before_it_estimates_and_estimates_the_path_that_runs() {
    independent_of_rsa_backend!();
    let dir = crate::util::scratch("estimate-order");
    for (extra, field) in [
        (["--users", "5000", "--messages", "10"], "users"),
        (["--users", "4", "--messages", "100000000"], "messages"),
        (["--users", "1000", "--key-bits", "1024"], "--key-bits"),
    ] {
        let mut args = vec!["simulate", "--scheme", "none", "--out", "w"];
        args.extend(extra);
        let run = crate::util::doormat(&dir, &args);
        run.refused(&[field]);
        assert!(!run.stderr.contains("--yes"), "{args:?}: {}", run.stderr);
        assert!(
            !run.stderr.contains("could take"),
            "{args:?}: {}",
            run.stderr
        );
    }
    let started = Instant::now();
    let run = crate::util::doormat(
        &dir,
        &[
            "simulate",
            "--scheme",
            "none",
            "--out",
            "w",
            "--users",
            "4",
            "--messages",
            "10000000",
            "--seed",
            "1",
        ],
    );
    run.refused(&["--yes", "building this world could take"]);
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        std::fs::read_dir(&dir).unwrap().next().is_none(),
        "nothing made"
    );
}
