//! Helpers: run the binary, give each test its own directory, share seeded worlds.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use serde_json::Value;

/// Whether this is the suite's second pass, on the pure-Rust `rsa` backend of a build
/// whose default is AWS-LC (`DOORMAT_RSA_BACKEND=rsa`, inherited by every doormat the
/// tests start).
pub fn on_second_backend() -> bool {
    use doormat::crypto::rsa_oaep::{Backend, BACKEND_ENV};
    std::env::var_os(BACKEND_ENV).is_some() && Backend::preferred() != Backend::fastest()
}

/// A child process that dies with the test that started it.
pub trait DiesWithTest {
    /// On Linux the child gets SIGKILL when the thread that spawns it ends: the test's
    /// own thread, or the whole test process when it is killed (SIGTERM, SIGKILL, Ctrl-C)
    /// before any `Drop` could run. A server a test starts must never outlive the run.
    fn dies_with_test(&mut self) -> &mut Self;
}

impl DiesWithTest for Command {
    #[cfg(target_os = "linux")]
    fn dies_with_test(&mut self) -> &mut Self {
        use std::os::unix::process::CommandExt;
        let parent = std::process::id();
        // SAFETY: between fork and exec the closure makes two system calls (prctl,
        // getppid), both async-signal-safe, and allocates nothing.
        unsafe {
            self.pre_exec(move || {
                rustix::process::set_parent_process_death_signal(Some(
                    rustix::process::Signal::KILL,
                ))?;
                // The parent may have died before prctl: then no signal would come.
                match rustix::process::getppid() {
                    Some(ppid) if ppid.as_raw_nonzero().get() as u32 == parent => Ok(()),
                    _ => Err(std::io::Error::other("the test process is gone")),
                }
            })
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn dies_with_test(&mut self) -> &mut Self {
        self
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts a bad-input refusal: exit 2, and stderr mentions every `needle`.
    pub fn refused(&self, needles: &[&str]) {
        assert_eq!(
            self.code, 2,
            "expected exit 2\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        assert!(
            self.stderr.starts_with("error: "),
            "stderr: {}",
            self.stderr
        );
        for needle in needles {
            assert!(
                self.stderr.contains(needle),
                "stderr lacks {needle:?}: {}",
                self.stderr
            );
        }
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
    }

    pub fn ok(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "expected exit 0\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_doormat")
}

/// Runs doormat in `dir` with `args`, stdin empty.
pub fn doormat(dir: &Path, args: &[&str]) -> Run {
    doormat_with_input(dir, args, "")
}

pub fn doormat_with_input(dir: &Path, args: &[&str], input: &str) -> Run {
    use std::io::Write;
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .dies_with_test()
        .spawn()
        .expect("doormat binary runs");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input.as_bytes())
        .expect("write stdin");
    let output = child.wait_with_output().expect("doormat finishes");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A fresh, empty directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("it-{}-{name}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// `doormat simulate --out OUT --scheme SCHEME --users U --messages M --seed SEED` and
/// then `extra`, in `dir`: the run, for the caller to check.
pub fn simulate(
    dir: &Path,
    out: &str,
    scheme: &str,
    (users, messages): (u32, u64),
    seed: u64,
    extra: &[&str],
) -> Run {
    let (users, messages, seed) = (users.to_string(), messages.to_string(), seed.to_string());
    let mut args = vec![
        "simulate",
        "--out",
        out,
        "--scheme",
        scheme,
        "--users",
        &users,
        "--messages",
        &messages,
        "--seed",
        &seed,
    ];
    args.extend_from_slice(extra);
    doormat(dir, &args)
}

/// Seeded worlds shared by the tests that only read them: RSA key generation is the
/// slow part, so each is made once per test run.
pub fn shared_world(scheme: &str) -> &'static Path {
    static GOLDEN: OnceLock<PathBuf> = OnceLock::new();
    static NONE: OnceLock<PathBuf> = OnceLock::new();
    let (cell, seed) = match scheme {
        "golden-key" => (&GOLDEN, 11),
        "none" => (&NONE, 12),
        _ => unreachable!("no shared world for {scheme}"),
    };
    cell.get_or_init(|| {
        let dir = scratch(&format!("shared-{scheme}"));
        simulate(&dir, "world", scheme, (4, 120), seed, &[]).ok();
        dir.join("world")
    })
}

/// Every path below `dir`, directories included, sorted; symbolic links are listed, not
/// followed.
pub fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
            }
            paths.push(entry.path());
        }
    }
    paths.sort();
    paths
}

/// A private copy of a shared world, for tests that change it.
pub fn copy_of(world: &Path, name: &str) -> PathBuf {
    let dir = scratch(name).join("world");
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    for entry in ["world.json", "capture.jsonl", "truth.jsonl"] {
        std::fs::copy(world.join(entry), dir.join(entry)).unwrap();
    }
    for key in std::fs::read_dir(world.join("keys")).unwrap() {
        let key = key.unwrap();
        std::fs::copy(key.path(), dir.join("keys").join(key.file_name())).unwrap();
    }
    dir
}

/// Copies the tree at `from` to `to`, file by file.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

pub fn read_jsonl(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

pub fn write_jsonl(path: &Path, values: &[Value]) {
    let text: String = values.iter().map(|v| format!("{v}\n")).collect();
    std::fs::write(path, text).unwrap();
}

/// The truth records that involve `user` as sender or recipient.
pub fn truth_of(world: &Path, user: &str) -> Vec<Value> {
    read_jsonl(&world.join("truth.jsonl"))
        .into_iter()
        .filter(|m| m["from"] == user || m["to"].as_array().unwrap().iter().any(|t| t == user))
        .collect()
}

pub fn s(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

/// The Python the interop tests run: the virtual environment `tests/setup.sh` makes in
/// target/test-python where the system Python refuses pip (Debian, PEP 668), otherwise
/// `python3` from PATH.
pub fn python() -> std::ffi::OsString {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-python/bin/python3");
    if venv.exists() {
        venv.into_os_string()
    } else {
        "python3".into()
    }
}

/// Fails, not skips, when the interop tools are missing: CI must install them.
/// The oldest Python `cryptography` the interop tests and the students' scripts are
/// checked with (3.4.8, as Ubuntu 22.04 ships it; Debian 12 ships 38.0.4).
pub const MIN_CRYPTOGRAPHY: (u32, u32) = (3, 4);

/// Fails with what to install, unless python3 has `cryptography` 3.4 or later.
pub fn require_python() {
    let output = Command::new(python())
        .args(["-c", "import cryptography; print(cryptography.__version__)"])
        .output();
    let version = output
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let install = "bash tests/setup.sh installs it (with pip, or in a virtual environment in \
                   target/test-python where the system Python refuses pip)";
    let Some(version) = version else {
        panic!("the interop tests need python3 with the `cryptography` package. {install}");
    };
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let found = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    assert!(
        found >= MIN_CRYPTOGRAPHY,
        "python3 has cryptography {version}; the interop tests need {}.{} or later. {install}",
        MIN_CRYPTOGRAPHY.0,
        MIN_CRYPTOGRAPHY.1
    );
}

/// Runs `program` (`python3` means [`python`]) in `dir`.
pub fn run_tool(dir: &Path, program: &str, args: &[&str]) -> Run {
    let program = if program == "python3" {
        python()
    } else {
        program.into()
    };
    let output = Command::new(&program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program:?} is required for this test: {e}"));
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Fails with what to install, unless python3 has Meta's reference PDQ (`pdqhash`).
pub fn require_pdqhash() {
    let found = Command::new(python())
        .args(["-c", "import pdqhash, numpy"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "the PDQ interop tests need python3 with the `pdqhash` package (bindings to Meta's \
         C++ reference) and numpy; bash tests/setup.sh installs them"
    );
}

/// One demo's seeded run (`--seed 42`): its text, and its JSON with the HTML page the
/// same process wrote.
pub struct DemoRun {
    pub text: String,
    pub json: Value,
    pub html: String,
}

/// `demo`'s seeded run, made once per test process and shared by every test that reads
/// it (the snapshots, the JSON checks, the all-formats agreement): a demo costs seconds,
/// and the same seed gives the same output.
pub fn demo_run(demo: &str) -> std::sync::Arc<DemoRun> {
    type Slot = std::sync::Arc<OnceLock<std::sync::Arc<DemoRun>>>;
    static RUNS: OnceLock<std::sync::Mutex<std::collections::HashMap<String, Slot>>> =
        OnceLock::new();
    let slot = RUNS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(demo.to_owned())
        .or_default()
        .clone();
    // Only the tests that want this demo wait for it.
    slot.get_or_init(|| {
        let dir = scratch(&format!("demo-run-{demo}"));
        // The text run goes beside the JSON and HTML run: two processes, two cores.
        let (text, json) = std::thread::scope(|scope| {
            let text = scope.spawn(|| {
                let run = doormat(&dir, &["demo", demo, "--seed", "42"]);
                run.ok();
                run.stdout
            });
            let json = doormat(
                &dir,
                &[
                    "demo",
                    demo,
                    "--seed",
                    "42",
                    "--json",
                    "--html",
                    "page.html",
                ],
            )
            .ok()
            .json();
            (text.join().unwrap(), json)
        });
        let html = std::fs::read_to_string(dir.join("page.html")).unwrap();
        std::sync::Arc::new(DemoRun { text, json, html })
    })
    .clone()
}

/// `doormat compare --messages 60 --seed 1`'s seeded run: its text, and its JSON with the
/// HTML page (`page`) the same process wrote.
pub struct CompareRun {
    pub text: String,
    pub json: Value,
    pub page: PathBuf,
}

/// The seeded `compare` run, made once per test process and shared by the tests that
/// read it (the rows, the JSON schema, the page): each run searches every sender's
/// Dual_EC state, about ten seconds on two cores.
pub fn compare_run() -> &'static CompareRun {
    static RUN: OnceLock<CompareRun> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = scratch("compare-run");
        let args = ["compare", "--messages", "60", "--seed", "1"];
        let (text, json) = std::thread::scope(|scope| {
            let text = scope.spawn(|| {
                let run = doormat(&dir, &args);
                run.ok();
                run.stdout
            });
            let mut with_json = args.to_vec();
            with_json.extend(["--json", "--html", "page.html"]);
            let json = doormat(&dir, &with_json).ok().json();
            (text.join().unwrap(), json)
        });
        CompareRun {
            text,
            json,
            page: dir.join("page.html"),
        }
    })
}
