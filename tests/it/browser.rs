//! Headless Chromium (Debian's `chromium`, which tests/setup.sh installs), driven over
//! the DevTools protocol: one browser for the whole test run, one tab per page. For each
//! page it records every network request, every console message and exception, the
//! accessibility tree and a screenshot.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use base64::Engine as _;
use serde_json::{json, Value};

/// The browser, or a failure that says how to get one: the tests never skip.
fn chromium_path() -> PathBuf {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|dir| dir.join(name))
                    .find(|p| p.is_file())
            })
        })
        .expect("no chromium on PATH: run `bash tests/setup.sh` (it installs Debian's chromium)")
}

/// One headless Chromium and its DevTools connection, shared by every test.
///
/// The connection is `--remote-debugging-pipe`: Chromium reads commands from its fd 3
/// and writes answers to its fd 4, each message ended by a NUL byte. Those are the two
/// ends of this process's pipes, so when the test process ends, however it ends (the
/// tests pass or fail, a panic, Ctrl-C, SIGTERM, SIGKILL), Chromium reads end of file
/// and quits, and the shell that started it removes the profile folder. A static is
/// never dropped, so nothing here may rely on `Drop`.
struct Browser {
    commands: ChildStdin,
    answers: BufReader<ChildStdout>,
    next_id: u64,
    _process: Child,
}

fn browser() -> &'static Mutex<Browser> {
    static BROWSER: OnceLock<Mutex<Browser>> = OnceLock::new();
    BROWSER.get_or_init(|| Mutex::new(Browser::start()))
}

/// The marker in the name of every profile folder these tests make, so that a test can
/// count what is left behind.
pub const PROFILE_PREFIX: &str = "doormat-it-chromium-";

impl Browser {
    fn start() -> Self {
        let profile = tempfile::Builder::new()
            .prefix(PROFILE_PREFIX)
            .tempdir()
            .unwrap()
            .keep();
        // The shell maps the pipes to fds 3 and 4, waits for Chromium and removes the
        // profile: it outlives this process if it must, and has nothing else to do.
        let script = r#"browser="$1"; shift; "$browser" "$@" 3<&0 4>&1 </dev/null >/dev/null 2>/dev/null; rm -rf "$PROFILE""#;
        let mut process = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("sh")
            .arg(chromium_path())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--hide-scrollbars",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .env("PROFILE", &profile)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromium starts");
        Browser {
            commands: process.stdin.take().unwrap(),
            answers: BufReader::new(process.stdout.take().unwrap()),
            next_id: 0,
            _process: process,
        }
    }

    fn send(&mut self, message: &Value) {
        let mut bytes = message.to_string().into_bytes();
        bytes.push(0);
        self.commands
            .write_all(&bytes)
            .and_then(|()| self.commands.flush())
            .expect("send to DevTools (did chromium start? run `bash tests/setup.sh`)");
    }

    fn read(&mut self) -> Value {
        let mut bytes = Vec::new();
        let n = self
            .answers
            .read_until(0, &mut bytes)
            .expect("read from DevTools");
        assert!(
            n > 0 && bytes.ends_with(&[0]),
            "chromium closed its DevTools pipe"
        );
        bytes.pop();
        serde_json::from_slice(&bytes).expect("DevTools sends JSON")
    }

    /// Sends a command (to a tab's session if `session`), and returns its result; the
    /// events that arrive meanwhile go to `events`.
    fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
        events: &mut Vec<Value>,
    ) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        self.send(&message);
        loop {
            let reply = self.read();
            if reply["id"] == id {
                assert!(reply.get("error").is_none(), "{method}: {reply}");
                return reply["result"].clone();
            }
            if reply.get("method").is_some() {
                events.push(reply);
            }
        }
    }

    /// Waits for an event of `method` in `session`, keeping all events in `events`.
    fn wait_for(&mut self, session: &str, method: &str, events: &mut Vec<Value>) {
        let seen = |events: &Vec<Value>| {
            events
                .iter()
                .any(|e| e["method"] == method && e["sessionId"] == session)
        };
        while !seen(events) {
            let event = self.read();
            if event.get("method").is_some() {
                events.push(event);
            }
        }
    }
}

/// What the browser made of a page.
pub struct Loaded {
    /// The DOM, serialised after loading.
    pub dom: String,
    /// Console messages, exceptions and log entries (a refused request is one).
    pub console: Vec<String>,
    /// Every URL the page asked for, the page's own included.
    pub requests: Vec<String>,
    /// Roles in the accessibility tree, in order (`table`, `columnheader`, ...).
    pub roles: Vec<String>,
    /// A PNG screenshot of the page, `height` pixels of it at 1280 wide.
    pub png: Vec<u8>,
}

/// Loads `page` in a new tab of the shared browser and records what it did.
pub fn load(page: &Path, height: u32) -> Loaded {
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let mut guard = browser().lock().unwrap_or_else(|e| e.into_inner());
    let b = &mut *guard;
    let mut events = Vec::new();
    let target = b.call(
        None,
        "Target.createTarget",
        json!({ "url": "about:blank" }),
        &mut events,
    );
    let target_id = target["targetId"].as_str().unwrap().to_owned();
    let attached = b.call(
        None,
        "Target.attachToTarget",
        json!({ "targetId": target_id, "flatten": true }),
        &mut events,
    );
    let session = attached["sessionId"].as_str().unwrap().to_owned();
    let s = Some(session.as_str());
    for domain in ["Page", "Network", "Runtime", "Log"] {
        b.call(s, &format!("{domain}.enable"), json!({}), &mut events);
    }
    b.call(
        s,
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": 1280, "height": height, "deviceScaleFactor": 1, "mobile": false }),
        &mut events,
    );
    b.call(s, "Page.navigate", json!({ "url": url }), &mut events);
    b.wait_for(&session, "Page.loadEventFired", &mut events);
    let dom = b.call(
        s,
        "Runtime.evaluate",
        json!({ "expression": "document.documentElement.outerHTML", "returnByValue": true }),
        &mut events,
    )["result"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let tree = b.call(s, "Accessibility.getFullAXTree", json!({}), &mut events);
    let roles = tree["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["role"]["value"].as_str().map(str::to_owned))
        .collect();
    let shot = b.call(
        s,
        "Page.captureScreenshot",
        json!({ "format": "png" }),
        &mut events,
    );
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().unwrap())
        .unwrap();
    b.call(
        None,
        "Target.closeTarget",
        json!({ "targetId": target_id }),
        &mut events,
    );
    let mine = |e: &&Value| e["sessionId"] == session.as_str();
    let requests = events
        .iter()
        .filter(mine)
        .filter(|e| e["method"] == "Network.requestWillBeSent")
        .map(|e| {
            e["params"]["request"]["url"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    let console = events
        .iter()
        .filter(mine)
        .filter(|e| {
            [
                "Runtime.consoleAPICalled",
                "Runtime.exceptionThrown",
                "Log.entryAdded",
            ]
            .contains(&e["method"].as_str().unwrap_or(""))
        })
        .map(|e| e["params"].to_string())
        .collect();
    Loaded {
        dom,
        console,
        requests,
        roles,
        png,
    }
}

/// Asserts that a screenshot shows something: not one flat colour.
pub fn assert_not_blank(png_bytes: &[u8], what: &str) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let channels = info.color_type.samples();
    let pixels = &pixels[..info.buffer_size()];
    let first = &pixels[..channels];
    let differing = pixels
        .chunks(channels)
        .filter(|p| p[..3] != first[..3])
        .count();
    let total = pixels.len() / channels;
    assert!(
        differing * 50 > total,
        "{what}: only {differing} of {total} pixels differ from the first"
    );
}

/// The page loaded with no console message, asked for nothing but itself, shows its
/// tables in the accessibility tree, and draws something.
pub fn assert_clean_page(page: &Path, loaded: &Loaded) {
    assert_loads_clean(page, loaded);
    for role in ["table", "columnheader", "rowheader", "cell"] {
        assert!(
            loaded.roles.iter().any(|r| r == role),
            "{}: no {role} in the accessibility tree",
            page.display()
        );
    }
    assert!(
        loaded.roles.iter().any(|r| r == "image" || r == "img"),
        "{}: no chart in the accessibility tree",
        page.display()
    );
}

/// A page that loads with no console message, no request but itself, and a screenshot
/// that is not blank.
pub fn assert_loads_clean(page: &Path, loaded: &Loaded) {
    assert!(
        loaded.console.is_empty(),
        "{}: {:#?}",
        page.display(),
        loaded.console
    );
    let own = format!("file://{}", page.canonicalize().unwrap().display());
    assert_eq!(loaded.requests, vec![own], "{}: requests", page.display());
    assert_not_blank(&loaded.png, &page.display().to_string());
}

/// A live tab of the shared browser, for pages that run scripts and talk to a server
/// (the classroom). Each call takes the browser for itself only while it runs, so tabs
/// of several tests interleave; a tab uses commands, never events, so that no other
/// test's reads can take what it waits for.
pub struct Tab {
    session: String,
    target: String,
}

/// A fresh browser context: its own cookies, storage and IndexedDB, as a separate
/// device would have.
pub fn new_context() -> String {
    command(None, "Target.createBrowserContext", json!({}))["browserContextId"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn command(session: Option<&str>, method: &str, params: Value) -> Value {
    let mut guard = browser().lock().unwrap_or_else(|e| e.into_inner());
    let mut events = Vec::new();
    guard.call(session, method, params, &mut events)
}

/// Recorded in every tab before its page's own scripts run: errors, rejected promises,
/// `console.error` and Content-Security-Policy refusals, read back by
/// [`Tab::errors`].
const ERROR_RECORDER: &str = "window.__errors = [];
addEventListener('error', (e) => window.__errors.push('error: ' + e.message));
addEventListener('unhandledrejection', (e) => window.__errors.push('rejection: ' + e.reason));
addEventListener('securitypolicyviolation', (e) => window.__errors.push('csp: ' + e.violatedDirective + ' ' + e.blockedURI));
const __consoleError = console.error;
console.error = (...args) => { window.__errors.push('console: ' + args.join(' ')); __consoleError(...args); };";

impl Tab {
    /// Opens `url` in `context`, with `prelude` run before the page's scripts.
    pub fn open(url: &str, context: &str, prelude: &str) -> Tab {
        let target = command(
            None,
            "Target.createTarget",
            json!({ "url": "about:blank", "browserContextId": context }),
        )["targetId"]
            .as_str()
            .unwrap()
            .to_owned();
        let session = command(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target, "flatten": true }),
        )["sessionId"]
            .as_str()
            .unwrap()
            .to_owned();
        let tab = Tab { session, target };
        let s = Some(tab.session.as_str());
        command(s, "Page.enable", json!({}));
        command(
            s,
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": format!("{ERROR_RECORDER}\n{prelude}") }),
        );
        command(
            s,
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false }),
        );
        command(s, "Page.navigate", json!({ "url": url }));
        tab.wait_for("document.readyState === 'complete'", "the page to load", 30);
        tab
    }

    /// Evaluates `expression` (awaiting it if it is a promise) and returns its value.
    pub fn eval(&self, expression: &str) -> Value {
        let reply = command(
            Some(&self.session),
            "Runtime.evaluate",
            json!({ "expression": expression, "awaitPromise": true, "returnByValue": true }),
        );
        assert!(
            reply.get("exceptionDetails").is_none(),
            "{expression}: {}",
            reply["exceptionDetails"]
        );
        reply["result"]["value"].clone()
    }

    /// Waits until `condition` is true in the page, for at most `seconds`; on timeout
    /// fails with the page's text, to show what it said instead.
    pub fn wait_for(&self, condition: &str, what: &str, seconds: u64) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
        loop {
            let reply = command(
                Some(&self.session),
                "Runtime.evaluate",
                json!({ "expression": format!("!!({condition})"), "returnByValue": true }),
            );
            if reply["result"]["value"] == json!(true) {
                return;
            }
            if std::time::Instant::now() > deadline {
                let text = self.eval("document.body ? document.body.innerText : ''");
                let errors = self.eval("JSON.stringify(window.__errors || [])");
                panic!("waited {seconds} s for {what} ({condition}); the page says:\n{text}\nerrors: {errors}");
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    /// Gives the page a window of `width` by `height` CSS pixels (a projector's screen).
    pub fn resize(&self, width: u32, height: u32) {
        command(
            Some(&self.session),
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
        );
    }

    /// What the error recorder caught.
    pub fn errors(&self) -> Vec<String> {
        serde_json::from_value(self.eval("window.__errors || []")).unwrap()
    }

    /// A PNG screenshot.
    pub fn screenshot(&self) -> Vec<u8> {
        let shot = command(
            Some(&self.session),
            "Page.captureScreenshot",
            json!({ "format": "png" }),
        );
        base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap()
    }
}

impl Drop for Tab {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            command(
                None,
                "Target.closeTarget",
                json!({ "targetId": self.target }),
            );
        }
    }
}

/// Processes that carry `mark` in their environment (every descendant of a process
/// started with it does, Chromium's helpers included): their command lines.
fn processes_marked(mark: &str) -> Vec<String> {
    let needle = mark.as_bytes();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let path = entry.path();
        let is_pid = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()));
        if !is_pid {
            continue;
        }
        let Ok(environ) = std::fs::read(path.join("environ")) else {
            continue;
        };
        if environ.windows(needle.len()).any(|w| w == needle) {
            let cmdline = std::fs::read(path.join("cmdline")).unwrap_or_default();
            found.push(String::from_utf8_lossy(&cmdline).replace('\0', " "));
        }
    }
    found
}

/// Profile folders of these tests' browsers left in `tmp`.
fn profiles_in(tmp: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(tmp)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with(PROFILE_PREFIX))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}

/// Runs this test binary on one test, with its own temporary folder and a mark in its
/// environment; with `stop`, sends that signal once a process whose command line holds
/// `stop_when` is running. Then waits for the run to end and for what it started to go.
fn run_and_check_nothing_is_left(test: &str, stop: Option<(i32, &str)>) {
    use crate::util::scratch;
    let dir = scratch("leftovers");
    let tmp = dir.join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let mark = format!("DOORMAT_IT_LEFTOVER_MARK={}", dir.display());
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--test-threads=1", "--include-ignored"])
        .env("TMPDIR", &tmp)
        .env("DOORMAT_IT_LEFTOVER_MARK", dir.display().to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    if let Some((signal, stop_when)) = stop {
        let started = std::time::Instant::now();
        while !processes_marked(&mark)
            .iter()
            .any(|cmdline| cmdline.contains(stop_when))
        {
            assert!(
                child.try_wait().unwrap().is_none(),
                "{test} ended before {stop_when} started"
            );
            assert!(
                started.elapsed().as_secs() < 60,
                "{stop_when} never started"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
        let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
        let signal = match signal {
            15 => rustix::process::Signal::TERM,
            9 => rustix::process::Signal::KILL,
            2 => rustix::process::Signal::INT,
            _ => unreachable!(),
        };
        rustix::process::kill_process(pid, signal).unwrap();
    }
    let status = child.wait().unwrap();
    if stop.is_none() {
        assert!(status.success(), "{test} failed in the child run");
    }
    let started = std::time::Instant::now();
    loop {
        let left = processes_marked(&mark);
        let profiles = profiles_in(&tmp);
        if left.is_empty() && profiles.is_empty() {
            break;
        }
        assert!(
            started.elapsed().as_secs() < 20,
            "after {test} ({status}): processes left {left:#?}, profiles left {profiles:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// The browser and the servers the tests start die with the test process, however it
/// ends, and leave no profile folder behind: a run to the end, and runs stopped with
/// SIGTERM, Ctrl-C's SIGINT and SIGKILL halfway through.
#[test]
fn a_test_run_leaves_no_browser_or_server_behind() {
    independent_of_rsa_backend!();
    if std::env::var_os("DOORMAT_IT_LEFTOVER_MARK").is_some() {
        return; // this run is the one being checked
    }
    let page_test = "html::the_browser_checks_see_requests_and_errors";
    run_and_check_nothing_is_left(page_test, None);
    run_and_check_nothing_is_left(page_test, Some((15, "--remote-debugging-pipe")));
    run_and_check_nothing_is_left(page_test, Some((9, "--remote-debugging-pipe")));
    let class_test = "classroom::a_restart_loses_nothing_that_was_acknowledged";
    run_and_check_nothing_is_left(class_test, Some((15, "classroom --out")));
    run_and_check_nothing_is_left(class_test, Some((2, "classroom --out")));
}
