//! `doormat classroom`: the live class, black-box over HTTP, as "Live classroom protocol
//! v1" (docs/classroom.md) describes it. Students are headless Chromium tabs running the
//! embedded pages (WebCrypto), a Python client written from the docs alone, and Rust
//! clients built here from doormat's crypto for the hostile requests.
//!
//! The class's pages and protocol do not depend on the RSA backend: these tests run once,
//! in the default build.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{json, Value};

use doormat::crypto::aead::{self, ContentKey};
use doormat::crypto::random::Randomness;
use doormat::crypto::rsa_oaep::{PrivateKey, PublicKey};

use crate::browser::{assert_not_blank, new_context, Tab};
use crate::util::{bin, doormat, read_jsonl, scratch, shared_world, simulate, DiesWithTest};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A running class: the server process and what its `--json` line said.
pub struct Class {
    child: Child,
    /// `host:port` to connect to.
    pub addr: String,
    pub student_url: String,
    pub teacher_url: String,
    pub teacher_token: String,
    pub cert_sha256: Option<String>,
    pub dir: PathBuf,
    /// The whole `--json` start-up line.
    pub first: Value,
}

impl Class {
    /// `doormat classroom --out DIR --json` and `extra` (loopback, a free port, unless
    /// `extra` binds elsewhere), once its first line has come.
    pub fn start(dir: &Path, extra: &[&str]) -> Class {
        let mut args = vec!["classroom", "--out", "class", "--json"];
        if !extra.contains(&"--bind") {
            args.extend(["--bind", "127.0.0.1:0"]);
        }
        args.extend_from_slice(extra);
        let mut child = Command::new(bin())
            .args(&args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .dies_with_test()
            .spawn()
            .expect("doormat classroom starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        if line.is_empty() {
            let mut stderr = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            panic!("classroom printed nothing; stderr: {stderr}");
        }
        let first: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let student_url = first["student_url"].as_str().unwrap().to_owned();
        let addr = student_url
            .split("://")
            .nth(1)
            .unwrap()
            .trim_end_matches('/')
            .to_owned();
        Class {
            child,
            addr,
            student_url,
            teacher_url: first["teacher_url"].as_str().unwrap().to_owned(),
            teacher_token: first["teacher_token"].as_str().unwrap().to_owned(),
            cert_sha256: first["cert_sha256"].as_str().map(str::to_owned),
            dir: dir.join("class"),
            first,
        }
    }

    /// The projector page, in a browser context of its own (the room's laptop).
    pub fn open_projector(&self) -> Tab {
        Tab::open(
            &format!("{}projector", self.student_url),
            &new_context(),
            "",
        )
    }

    /// The server's process ID.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the server with SIGTERM and returns everything it wrote on stderr.
    pub fn stop_and_read_stderr(mut self) -> String {
        crate::reliability::send_signal(&self.child, "TERM");
        let _ = self.child.wait();
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        stderr
    }

    /// Kills the server at once (SIGKILL: no chance to tidy up), as a laptop that dies.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// One plain-HTTP request; the status and the body.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&[u8]>,
    ) -> (u16, String) {
        http(&self.addr, method, path, token, body)
    }

    /// [`call`](Self::call) with a JSON body, answered in JSON.
    pub fn json(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> (u16, Value) {
        let text = body.to_string();
        let (status, answer) = self.call(method, path, token, Some(text.as_bytes()));
        (
            status,
            serde_json::from_str(&answer).unwrap_or(Value::String(answer)),
        )
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let (status, answer) = self.call("GET", path, token, None);
        (
            status,
            serde_json::from_str(&answer).unwrap_or(Value::String(answer)),
        )
    }
}

impl Drop for Class {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 client (one request per connection): enough for the API.
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&[u8]>,
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(token) = token {
        request.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    let body = body.unwrap_or(b"");
    if method == "POST" {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    // A server that refuses early may close before reading all of a large body.
    let _ = stream.write_all(body);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, rest) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {answer:?}"));
    (status, rest.to_owned())
}

/// A student written here: a key from the shared seeded world (key generation is the
/// slow part), its token once joined.
pub struct RustStudent {
    pub key: PrivateKey,
    pub token: String,
}

fn world_key(user: &str) -> PrivateKey {
    let path = shared_world("golden-key")
        .join("keys")
        .join(format!("{user}.pem"));
    PrivateKey::from_pem(&std::fs::read_to_string(path).unwrap()).unwrap()
}

impl RustStudent {
    /// Joins as `name` with the shared world's key of `user`.
    pub fn join(class: &Class, name: &str, user: &str) -> RustStudent {
        let key = world_key(user);
        let (status, answer) = class.json(
            "POST",
            "/api/join",
            None,
            &json!({ "name": name, "public_key": key.public_key().to_pem() }),
        );
        assert_eq!(status, 200, "join {name}: {answer}");
        assert_eq!(answer["name"], name);
        RustStudent {
            key,
            token: answer["token"].as_str().unwrap().to_owned(),
        }
    }
}

/// The directory's public keys, by name.
pub fn directory_keys(class: &Class) -> std::collections::HashMap<String, PublicKey> {
    let (status, world) = class.get("/api/directory", None);
    assert_eq!(status, 200);
    world["parties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                PublicKey::from_pem(p["public_key_pem"].as_str().unwrap()).unwrap(),
            )
        })
        .collect()
}

/// A well-formed envelope from `from` to `to`, wrapped for every reader and, where the
/// directory has one, for the escrow key.
fn seal(class: &Class, from: &str, to: &[&str], id: &str, text: &str) -> Value {
    seal_for(&directory_keys(class), from, to, id, text)
}

/// [`seal`] with the directory's keys already in hand (a large class's directory is
/// fetched once, not once per envelope).
pub fn seal_for(
    keys: &std::collections::HashMap<String, PublicKey>,
    from: &str,
    to: &[&str],
    id: &str,
    text: &str,
) -> Value {
    let mut rng = Randomness::Os.stream("test");
    let content = ContentKey::generate(&mut rng);
    let nonce = aead::random_nonce(&mut rng);
    let to: Vec<String> = to.iter().map(|s| (*s).to_owned()).collect();
    let ct = aead::seal(
        &content,
        &nonce,
        &doormat::wire::envelope::aad(id, from, &to),
        text.as_bytes(),
    );
    let mut wrapped = serde_json::Map::new();
    for reader in std::iter::once(from).chain(to.iter().map(String::as_str)) {
        wrapped.insert(
            reader.into(),
            b64(&keys[reader].wrap(&mut rng, &content)).into(),
        );
    }
    let mut envelope = json!({
        "v": 1, "id": id, "from": from, "to": to, "scheme": "golden-key",
        "nonce": b64(&nonce), "ct": b64(&ct), "wrapped": wrapped,
    });
    if let Some(escrow) = keys.get("escrow") {
        envelope["escrow"] = b64(&escrow.wrap(&mut rng, &content)).into();
    }
    envelope
}

fn python_client(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/classroom_client.py");
    let output = Command::new(crate::util::python())
        .arg(script)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("python3 runs (bash tests/setup.sh installs it)");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn python_ok(dir: &Path, args: &[&str]) -> Vec<Value> {
    let (code, stdout, stderr) = python_client(dir, args);
    assert_eq!(code, 0, "python {args:?}: {stdout}\n{stderr}");
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// In a student's tab: joins as `name` and waits for the chat.
fn join_in_browser(tab: &Tab, name: &str) {
    tab.wait_for(
        "!document.getElementById('join').hidden",
        "the join form",
        20,
    );
    tab.eval(&format!(
        "document.getElementById('name').value = {name:?}; document.getElementById('join-form').requestSubmit(); true"
    ));
    tab.wait_for(
        "!document.getElementById('chat').hidden",
        &format!("{name} to join"),
        30,
    );
}

/// In a student's tab: sends `text` to `to`, once they are in its directory.
fn send_in_browser(tab: &Tab, to: &[&str], text: &str) {
    let present: Vec<String> = to
        .iter()
        .map(|n| format!("document.getElementById('to-{n}')"))
        .collect();
    tab.wait_for(&present.join(" && "), "the recipients to appear", 20);
    let check: String = to
        .iter()
        .map(|n| format!("document.getElementById('to-{n}').checked = true;"))
        .collect();
    tab.eval(&format!(
        "document.querySelectorAll('#recipients input').forEach((i) => i.checked = false); {check} \
         document.getElementById('text').value = {text:?}; document.getElementById('send-status').textContent = ''; \
         document.getElementById('send-form').requestSubmit(); true"
    ));
    tab.wait_for(
        "document.getElementById('send-status').textContent.startsWith('Sent')",
        &format!("{text:?} to be sent"),
        20,
    );
}

/// The texts a tab's list shows as opened.
fn opened_texts(tab: &Tab, list: &str) -> Vec<String> {
    serde_json::from_value(tab.eval(&format!(
        "Array.from(document.querySelectorAll('#{list} li.opened .text'), (p) => p.textContent)"
    )))
    .unwrap()
}

fn sorted(mut texts: Vec<String>) -> Vec<String> {
    texts.sort();
    texts
}

/// The whole lesson: three students in Chromium and one in Python talk one-to-one and in
/// a group; each reads only its own; the teacher leaks; the projector and a student open
/// everything in the browser; `recover` opens everything from the command line.
#[test]
fn a_class_chats_in_browsers_and_python_then_the_leak_opens_everything() {
    independent_of_rsa_backend!();
    let dir = scratch("classroom-browser");
    let class = Class::start(&dir, &[]);
    let tabs: Vec<(&str, Tab)> = ["ana", "ben", "cat"]
        .into_iter()
        .map(|name| (name, Tab::open(&class.student_url, &new_context(), "")))
        .collect();
    for (name, tab) in &tabs {
        join_in_browser(tab, name);
    }
    let joined = python_ok(&dir, &["join", &class.student_url, "py", "py.json"]);
    assert_eq!(joined[0]["scheme"], "golden-key");

    let (ana, ben, cat) = (&tabs[0].1, &tabs[1].1, &tabs[2].1);
    send_in_browser(ana, &["ben"], "ana to ben: the bus leaves at eight");
    send_in_browser(ben, &["ana", "cat"], "ben to ana and cat: bring the map");
    send_in_browser(cat, &["py"], "cat to py: can Python read WebCrypto?");
    python_ok(
        &dir,
        &["send", "py.json", "ana", "py to ana: yes, and back"],
    );
    python_ok(
        &dir,
        &[
            "send",
            "py.json",
            "ben,cat",
            "py to ben and cat: a group from Python",
        ],
    );
    let everything = sorted(vec![
        "ana to ben: the bus leaves at eight".into(),
        "ben to ana and cat: bring the map".into(),
        "cat to py: can Python read WebCrypto?".into(),
        "py to ana: yes, and back".into(),
        "py to ben and cat: a group from Python".into(),
    ]);
    let expected = |name: &str| -> Vec<String> {
        everything
            .iter()
            .filter(|t| {
                let (head, _) = t.split_once(':').unwrap();
                head.split([' ', ',']).any(|w| w == name)
            })
            .cloned()
            .collect()
    };
    for (name, tab) in &tabs {
        let want = expected(name);
        tab.wait_for(
            &format!(
                "document.querySelectorAll('#inbox li.opened').length >= {}",
                want.len()
            ),
            &format!("{name}'s messages"),
            30,
        );
        assert_eq!(
            sorted(opened_texts(tab, "inbox")),
            want,
            "{name} reads exactly its own"
        );
        // The wraps for others do not open with this student's key: only its own do.
        let foreign = tab.eval(
            "(async () => { const c = await doormat.api('GET', '/api/capture?after=0'); \
              const db = await new Promise((ok) => { const r = indexedDB.open('doormat-classroom', 1); r.onsuccess = () => ok(r.result); }); \
              const id = await new Promise((ok) => { const q = db.transaction('identity').objectStore('identity').get(location.origin); q.onsuccess = () => ok(q.result); }); \
              let opened = 0, tried = 0; \
              for (const e of c.data.messages) { for (const [reader, wrap] of Object.entries(e.wrapped)) { if (reader === id.name) continue; tried++; \
                try { await doormat.open(e, id.keys.privateKey, wrap); opened++; } catch (x) {} } } \
              return [tried, opened]; })()",
        );
        assert!(foreign[0].as_u64().unwrap() >= 5, "{name}: {foreign}");
        assert_eq!(foreign[1], 0, "{name} opened a wrap made for someone else");
        assert!(tab.errors().is_empty(), "{name}: {:?}", tab.errors());
    }
    let py: Vec<Value> = python_ok(&dir, &["read", "py.json"]);
    let py_texts: Vec<String> = py
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        sorted(py_texts),
        expected("py"),
        "Python reads what the browser sealed"
    );
    // A reload keeps the identity: the key in IndexedDB, the token with it.
    ana.eval("location.reload(); true");
    std::thread::sleep(Duration::from_millis(300));
    ana.wait_for(
        "document.readyState === 'complete' && !document.getElementById('chat').hidden && document.querySelectorAll('#inbox li.opened').length >= 3",
        "ana's page to come back as ana",
        30,
    );
    assert!(ana
        .eval("document.getElementById('me').textContent")
        .as_str()
        .unwrap()
        .contains("ana"));

    // The teacher's page: the class, the matrix, the leak button.
    let teacher = Tab::open(&class.teacher_url, &new_context(), "");
    teacher.wait_for(
        "document.getElementById('students').textContent.startsWith('4:') && document.querySelector('#matrix svg')",
        "the teacher's page to show the class",
        20,
    );
    assert_eq!(
        teacher.eval("location.search"),
        json!(""),
        "the token leaves the address bar"
    );
    let projector = class.open_projector();
    projector.wait_for(
        "document.querySelector('#matrix svg')",
        "the projector's matrix",
        20,
    );
    assert!(projector
        .eval("document.getElementById('opened-box').hidden")
        .as_bool()
        .unwrap());
    teacher.eval("document.getElementById('leak').click(); true");
    teacher.wait_for(
        "document.getElementById('leak-status').textContent.startsWith('Leaked')",
        "the leak",
        20,
    );
    projector.wait_for(
        "document.querySelectorAll('#opened li.opened').length === 5",
        "the projector to open every message",
        30,
    );
    assert_eq!(sorted(opened_texts(&projector, "opened")), everything);
    projector.wait_for(
        "document.querySelector('#matrix svg') && document.getElementById('matrix').textContent.includes('anyone (leaked key)')",
        "the matrix's leak row",
        20,
    );
    let leak_row = projector.eval(
        "Array.from(document.querySelectorAll('#matrix tbody tr')).find((r) => r.textContent.startsWith('anyone')).textContent",
    );
    assert!(leak_row.as_str().unwrap().contains("(100%)"), "{leak_row}");
    assert_not_blank(&projector.screenshot(), "the projector after the leak");
    cat.wait_for(
        "!document.getElementById('leak-banner').hidden",
        "cat to hear of the leak",
        20,
    );
    cat.eval("document.getElementById('read-everyone').click(); true");
    cat.wait_for(
        "document.querySelectorAll('#everyone-list li.opened').length === 5",
        "cat to read everyone",
        30,
    );
    assert_eq!(sorted(opened_texts(cat, "everyone-list")), everything);
    for (what, tab) in [
        ("teacher", &teacher),
        ("projector", &projector),
        ("cat", cat),
    ] {
        assert!(tab.errors().is_empty(), "{what}: {:?}", tab.errors());
    }

    // Python reads everyone with the leaked key, and so does the command line.
    let leaked = python_ok(&dir, &["leaked", "py.json"]);
    assert_eq!(
        sorted(
            leaked
                .iter()
                .map(|m| m["text"].as_str().unwrap().to_owned())
                .collect()
        ),
        everything
    );
    let run = doormat(
        &dir,
        &[
            "recover",
            "--world",
            "class",
            "--key",
            "class/keys/escrow.pem",
            "--out",
            "opened.jsonl",
            "--json",
        ],
    );
    let report = run.ok().json();
    assert_eq!(report["messages_total"], 5);
    assert_eq!(report["messages_opened"], 5);
    assert_eq!(report["users_total"], 4);
    let opened: Vec<String> = read_jsonl(&dir.join("opened.jsonl"))
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(sorted(opened), everything);
    assert!(
        !class.dir.join("truth.jsonl").exists(),
        "the server never sees a plaintext"
    );
}

/// A page that is not a secure context says so and what to do, instead of failing.
#[test]
fn the_student_page_explains_a_missing_secure_context() {
    independent_of_rsa_backend!();
    let dir = scratch("classroom-insecure");
    let class = Class::start(&dir, &[]);
    let tab = Tab::open(
        &class.student_url,
        &new_context(),
        "Object.defineProperty(window, 'isSecureContext', { value: false });",
    );
    tab.wait_for(
        "!document.getElementById('insecure').hidden",
        "the secure-context explanation",
        20,
    );
    let text = tab.eval("document.getElementById('insecure').textContent");
    assert!(text.as_str().unwrap().contains("https://"), "{text}");
    assert!(tab
        .eval("document.getElementById('join').hidden")
        .as_bool()
        .unwrap());
}

/// Every refusal of the contract, each with its status code, counted on the teacher's
/// page; none stops the server recording.
#[test]
fn the_class_refuses_hostile_requests_and_keeps_recording() {
    independent_of_rsa_backend!();
    let dir = scratch("classroom-hostile");
    let class = Class::start(&dir, &[]);
    // Loopback is plain HTTP: no certificate. The start-up line is as docs/json.md says.
    assert!(class.cert_sha256.is_none());
    crate::json::assert_documented("classroom", &class.first);
    assert!(class.teacher_url.ends_with(&class.teacher_token));
    let ana = RustStudent::join(&class, "ana", "alice");
    let ben = RustStudent::join(&class, "ben", "bob");
    let refusal = |(status, answer): (u16, Value), want: u16, needle: &str| {
        assert_eq!(status, want, "{answer}");
        let message = answer["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error field: {answer}"));
        assert!(message.contains(needle), "{message:?} lacks {needle:?}");
    };
    // Joins.
    let carol_pem = world_key("carol").public_key().to_pem();
    refusal(
        class.json(
            "POST",
            "/api/join",
            None,
            &json!({"name": "ana", "public_key": carol_pem}),
        ),
        409,
        "already joined",
    );
    refusal(
        class.json(
            "POST",
            "/api/join",
            None,
            &json!({"name": "Bad Name", "public_key": carol_pem}),
        ),
        422,
        "name",
    );
    refusal(
        class.json(
            "POST",
            "/api/join",
            None,
            &json!({"name": "../x", "public_key": carol_pem}),
        ),
        422,
        "name",
    );
    refusal(
        class.json(
            "POST",
            "/api/join",
            None,
            &json!({"name": "escrow", "public_key": carol_pem}),
        ),
        422,
        "reserved",
    );
    refusal(class.json("POST", "/api/join", None, &json!({"name": "cy", "public_key": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"})), 422, "public_key");
    refusal(
        class.json(
            "POST",
            "/api/join",
            None,
            &json!({"name": "cy", "public_key": ana.key.public_key().to_pem()}),
        ),
        409,
        "already belongs",
    );
    refusal(
        class.json("POST", "/api/join", None, &json!({"name": "cy"})),
        422,
        "public_key",
    );
    refusal(
        class.json("POST", "/api/join", None, &json!(["cy"])),
        400,
        "one JSON object",
    );
    let (status, answer) = class.call("POST", "/api/join", None, Some(b"{\"name\": "));
    refusal(
        (status, serde_json::from_str(&answer).unwrap()),
        400,
        "not valid JSON",
    );
    // Sends.
    let good = seal(&class, "ana", &["ben"], "m-ok-1", "hello");
    let (status, answer) = class.json("POST", "/api/send", Some(&ana.token), &good);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer, json!({"id": "m-ok-1", "t": 1}));
    refusal(
        class.json("POST", "/api/send", Some(&ana.token), &good),
        409,
        "already in the capture",
    );
    refusal(
        class.json(
            "POST",
            "/api/send",
            None,
            &seal(&class, "ana", &["ben"], "m2", "x"),
        ),
        401,
        "token",
    );
    refusal(
        class.json(
            "POST",
            "/api/send",
            Some("not-a-token"),
            &seal(&class, "ana", &["ben"], "m2", "x"),
        ),
        401,
        "token",
    );
    refusal(
        class.json(
            "POST",
            "/api/send",
            Some(&ben.token),
            &seal(&class, "ana", &["ben"], "m3", "x"),
        ),
        403,
        "not ana",
    );
    let mut unknown = seal(&class, "ana", &["ben"], "m4", "x");
    unknown["to"] = json!(["ben", "zed"]);
    refusal(
        class.json("POST", "/api/send", Some(&ana.token), &unknown),
        422,
        "zed has not joined",
    );
    let mut no_wrap = seal(&class, "ana", &["ben"], "m5", "x");
    no_wrap["wrapped"].as_object_mut().unwrap().remove("ben");
    refusal(
        class.json("POST", "/api/send", Some(&ana.token), &no_wrap),
        422,
        "wrapped.ben: missing",
    );
    let mut no_escrow = seal(&class, "ana", &["ben"], "m6", "x");
    no_escrow.as_object_mut().unwrap().remove("escrow");
    refusal(
        class.json("POST", "/api/send", Some(&ana.token), &no_escrow),
        422,
        "escrow: missing",
    );
    let mut bad_escrow = seal(&class, "ana", &["ben"], "m7", "x");
    bad_escrow["escrow"] = b64(&[7u8; 100]).into();
    refusal(
        class.json("POST", "/api/send", Some(&ana.token), &bad_escrow),
        422,
        "escrow: is 100 bytes",
    );
    bad_escrow["escrow"] = "not base64!".into();
    refusal(
        class.json("POST", "/api/send", Some(&ana.token), &bad_escrow),
        422,
        "escrow",
    );
    let mut bad_version = seal(&class, "ana", &["ben"], "m8", "x");
    bad_version["v"] = 2.into();
    refusal(
        class.json("POST", "/api/send", Some(&ana.token), &bad_version),
        422,
        "version 2",
    );
    let (status, answer) = class.call("POST", "/api/send", Some(&ana.token), Some(b"{not json"));
    refusal(
        (status, serde_json::from_str(&answer).unwrap()),
        400,
        "not valid JSON",
    );
    let mut huge = seal(&class, "ana", &["ben"], "m9", "x");
    huge["padding"] = "x".repeat(70 * 1024).into();
    refusal(
        class.json("POST", "/api/send", Some(&ana.token), &huge),
        413,
        "64 KiB",
    );
    // The teacher's calls.
    refusal(
        class.json("POST", "/api/leak", None, &json!({})),
        401,
        "teacher",
    );
    // A student's token is a real token, not allowed here: 403 (round 3; it was 401).
    refusal(
        class.json("POST", "/api/leak", Some(&ana.token), &json!({})),
        403,
        "teacher",
    );
    refusal(class.get("/api/teacher", Some("0000")), 401, "teacher");
    refusal(class.get("/api/leaked-key", None), 404, "not leaked");
    refusal(
        class.get("/api/messages?after=x", Some(&ana.token)),
        400,
        "after",
    );
    refusal(class.get("/api/messages", None), 401, "token");
    refusal(class.get("/api/nowhere", None), 404, "no such");
    refusal(
        class.json("POST", "/api/step", Some(&class.teacher_token), &json!({})),
        409,
        "without --demo",
    );

    // More than ten messages a second: refused with 429, the rest recorded. A student
    // who has sent nothing yet, since every send counts, refused ones too.
    let cat = RustStudent::join(&class, "cat", "carol");
    let mut accepted = vec!["m-ok-1".to_owned()];
    let mut limited = 0;
    let envelopes: Vec<Value> = (0..25)
        .map(|i| seal(&class, "cat", &["ana"], &format!("burst-{i}"), "burst"))
        .collect();
    for envelope in &envelopes {
        match class.json("POST", "/api/send", Some(&cat.token), envelope) {
            (200, answer) => accepted.push(answer["id"].as_str().unwrap().to_owned()),
            (429, answer) => {
                assert!(answer["error"].as_str().unwrap().contains("a second"));
                limited += 1;
            }
            (status, answer) => panic!("{status}: {answer}"),
        }
    }
    assert!(limited > 0, "25 messages in a burst were all accepted");
    assert!(
        accepted.len() > 10,
        "the first ten of a burst are accepted: {accepted:?}"
    );

    // More joins at once from one address than its burst allows: refused with 429.
    let mut join_limited = false;
    for i in 0..55 {
        let (status, _) = class.json(
            "POST",
            "/api/join",
            None,
            &json!({"name": format!("Bad{i}"), "public_key": ""}),
        );
        if status == 429 {
            join_limited = true;
            break;
        }
        assert_eq!(status, 422);
    }
    assert!(
        join_limited,
        "55 joins in a row from one address were never limited"
    );

    // Still up, still recording, every refusal counted.
    std::thread::sleep(Duration::from_millis(1200));
    let (status, answer) = class.json(
        "POST",
        "/api/send",
        Some(&ana.token),
        &seal(&class, "ana", &["ben"], "after-all", "still here"),
    );
    assert_eq!(status, 200, "{answer}");
    accepted.push("after-all".into());
    let (status, teacher) = class.get("/api/teacher", Some(&class.teacher_token));
    assert_eq!(status, 200, "{teacher}");
    let tally = &teacher["refusals"];
    for kind in [
        "name-taken",
        "bad-name",
        "bad-key",
        "key-taken",
        "bad-join",
        "malformed",
        "repeated-id",
        "no-token",
        "bad-token",
        "not-your-name",
        "bad-envelope",
        "too-large",
        "bad-teacher-token",
        "rate-limit-send",
        "rate-limit-join",
    ] {
        assert!(
            tally[kind].as_u64().unwrap_or(0) > 0,
            "{kind} not counted: {tally}"
        );
    }
    assert_eq!(tally["rate-limit-send"], limited);
    let captured: Vec<String> = read_jsonl(&class.dir.join("capture.jsonl"))
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        captured, accepted,
        "exactly the accepted envelopes, once each, in order"
    );
    // Each student gets only its own messages.
    let (_, mine) = class.get("/api/messages?after=0", Some(&ana.token));
    assert_eq!(mine["messages"].as_array().unwrap().len(), accepted.len());
    let (_, later) = class.get("/api/messages?after=1", Some(&ana.token));
    assert_eq!(
        later["messages"].as_array().unwrap().len(),
        accepted.len() - 1
    );
}

/// Killed mid-class and started again with the same --out, the class carries on: every
/// acknowledged envelope is in the capture once, the tokens and keys are the same, a
/// half-written last line is dropped.
#[test]
fn a_restart_loses_nothing_that_was_acknowledged() {
    independent_of_rsa_backend!();
    let dir = scratch("classroom-restart");
    let class = Class::start(&dir, &["--seed", "5"]);
    let ana = RustStudent::join(&class, "ana", "alice");
    let ben = RustStudent::join(&class, "ben", "bob");
    let envelopes: Vec<Value> = (0..200)
        .map(|i| {
            seal(
                &class,
                if i % 2 == 0 { "ana" } else { "ben" },
                &[if i % 2 == 0 { "ben" } else { "ana" }],
                &format!("r{i}"),
                "before the crash",
            )
        })
        .collect();
    let escrow_before = std::fs::read(class.dir.join("keys/escrow.pem")).unwrap();
    let teacher_token = class.teacher_token.clone();
    let addr = class.addr.clone();
    let (ana_token, ben_token) = (ana.token.clone(), ben.token.clone());
    // Two senders, paced under the rate limit, until the server dies under them.
    let senders: Vec<_> = [(ana_token.clone(), 0usize), (ben_token.clone(), 1usize)]
        .into_iter()
        .map(|(token, parity)| {
            let addr = addr.clone();
            let mine: Vec<Value> = envelopes.iter().skip(parity).step_by(2).cloned().collect();
            std::thread::spawn(move || {
                let mut acknowledged = Vec::new();
                for envelope in mine {
                    let text = envelope.to_string();
                    let answer = std::panic::catch_unwind(|| {
                        http(
                            &addr,
                            "POST",
                            "/api/send",
                            Some(&token),
                            Some(text.as_bytes()),
                        )
                    });
                    match answer {
                        Ok((200, _)) => {
                            acknowledged.push(envelope["id"].as_str().unwrap().to_owned())
                        }
                        Ok((status, body)) => panic!("{status}: {body}"),
                        Err(_) => break, // the server is gone
                    }
                    std::thread::sleep(Duration::from_millis(110));
                }
                acknowledged
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(2500));
    class.kill();
    let acknowledged: Vec<String> = senders
        .into_iter()
        .flat_map(|s| s.join().unwrap())
        .collect();
    assert!(
        acknowledged.len() >= 20,
        "only {} sent before the kill",
        acknowledged.len()
    );
    // As if the laptop died in the middle of a write: half a line at the end.
    let capture = dir.join("class/capture.jsonl");
    std::fs::OpenOptions::new()
        .append(true)
        .open(&capture)
        .unwrap()
        .write_all(b"{\"v\":1,\"id\":\"half")
        .unwrap();

    // The text start-up says it carried on and dropped the half line.
    let said = restart_in_text(&dir);
    assert!(said.contains("carried on: 2 students"), "{said}");
    assert!(said.contains("dropped a half-written last line"), "{said}");
    assert!(!said.contains("back in t order"), "{said}");

    let class = Class::start(&dir, &[]);
    assert_eq!(class.teacher_token, teacher_token, "the same teacher token");
    assert_eq!(
        std::fs::read(class.dir.join("keys/escrow.pem")).unwrap(),
        escrow_before
    );
    let captured: Vec<Value> = read_jsonl(&capture);
    let ids: Vec<&str> = captured.iter().map(|e| e["id"].as_str().unwrap()).collect();
    for id in &acknowledged {
        assert_eq!(
            ids.iter().filter(|i| *i == id).count(),
            1,
            "{id} acknowledged, not in the capture once"
        );
    }
    let unique: std::collections::HashSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "no id twice");
    // The old tokens still work, the clock carries on, the names are still taken.
    let last_t = captured.last().unwrap()["t"].as_u64().unwrap();
    let (status, answer) = class.json(
        "POST",
        "/api/send",
        Some(&ana_token),
        &seal(&class, "ana", &["ben"], "after-restart", "back"),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["t"].as_u64().unwrap(), last_t + 1);
    let (status, _) = class.json(
        "POST",
        "/api/join",
        None,
        &json!({"name": "ben", "public_key": world_key("carol").public_key().to_pem()}),
    );
    assert_eq!(status, 409);
    let (status, mine) = class.get("/api/messages?after=0", Some(&ben_token));
    assert_eq!(status, 200);
    assert_eq!(mine["messages"].as_array().unwrap().len(), ids.len() + 1);
    // A resent envelope that was acknowledged before the crash is a repeat.
    let first = envelopes
        .iter()
        .find(|e| e["id"] == acknowledged[0].as_str())
        .unwrap();
    let token = if first["from"] == "ana" {
        &ana_token
    } else {
        &ben_token
    };
    assert_eq!(class.json("POST", "/api/send", Some(token), first).0, 409);
}

/// Starts the class in `dir` in text mode, reads its start-up up to the students' URL,
/// and stops it: what it printed. If it refused to start, the panic shows its stderr.
fn restart_in_text(dir: &Path) -> String {
    let mut child = Command::new(bin())
        .args(["classroom", "--out", "class", "--bind", "127.0.0.1:0"])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .dies_with_test()
        .spawn()
        .expect("doormat classroom starts");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut said = String::new();
    loop {
        let before = said.len();
        if out.read_line(&mut said).unwrap_or(0) == 0 || said[before..].starts_with("students ") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    if !said.lines().any(|line| line.starts_with("students ")) {
        let mut stderr = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
        panic!("the class did not start again\nstdout: {said}\nstderr: {stderr}");
    }
    said
}

/// The `t` of every capture line, in file order, after checking that they increase.
pub fn capture_in_t_order(capture: &Path) -> Vec<Value> {
    let captured = read_jsonl(capture);
    let ts: Vec<u64> = captured.iter().map(|e| e["t"].as_u64().unwrap()).collect();
    if let Some(i) = (1..ts.len()).find(|&i| ts[i - 1] >= ts[i]) {
        panic!(
            "capture line {}: t = {} after t = {}; the capture must be in t order",
            i + 1,
            ts[i],
            ts[i - 1]
        );
    }
    captured
}

/// Many students send at once to one receiver who polls `after` the largest `t` it has
/// seen, as student.js does: it sees every acknowledged message, the capture is in
/// strictly increasing `t` order, and the class starts again after a SIGKILL.
#[test]
fn concurrent_senders_keep_the_capture_in_t_order_and_pollers_miss_nothing() {
    independent_of_rsa_backend!();
    use std::collections::HashSet;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let dir = scratch("classroom-concurrent");
    let class = Class::start(&dir, &["--seed", "6"]);
    let senders = [("ana", "alice"), ("ben", "bob"), ("cat", "carol")];
    let tokens: Vec<String> = senders
        .iter()
        .map(|(name, user)| RustStudent::join(&class, name, user).token)
        .collect();
    let dan = RustStudent::join(&class, "dan", "dave");
    // Three threads per sender, each paced so that a sender stays near its 10 a second.
    const THREADS: usize = 3;
    const EACH: usize = 16;
    let mut work = Vec::new();
    for ((name, _), token) in senders.iter().zip(&tokens) {
        for thread in 0..THREADS {
            let envelopes: Vec<Value> = (0..EACH)
                .map(|i| {
                    seal(
                        &class,
                        name,
                        &["dan"],
                        &format!("{name}-{thread}-{i}"),
                        "hi",
                    )
                })
                .collect();
            work.push((token.clone(), envelopes));
        }
    }
    let done = Arc::new(AtomicBool::new(false));
    let poller = {
        let (addr, token, done) = (class.addr.clone(), dan.token.clone(), done.clone());
        std::thread::spawn(move || {
            let mut seen = HashSet::new();
            let mut after = 0u64;
            loop {
                let finished = done.load(Ordering::SeqCst);
                let path = format!("/api/messages?after={after}");
                let (status, body) = http(&addr, "GET", &path, Some(&token), None);
                assert_eq!(status, 200, "{body}");
                let answer: Value = serde_json::from_str(&body).unwrap();
                for message in answer["messages"].as_array().unwrap() {
                    after = after.max(message["t"].as_u64().unwrap());
                    seen.insert(message["id"].as_str().unwrap().to_owned());
                }
                if finished {
                    return seen;
                }
                std::thread::sleep(Duration::from_millis(15));
            }
        })
    };
    let threads: Vec<_> = work
        .into_iter()
        .map(|(token, envelopes)| {
            let addr = class.addr.clone();
            std::thread::spawn(move || {
                let mut acknowledged = Vec::new();
                for envelope in envelopes {
                    let text = envelope.to_string();
                    loop {
                        let (status, body) = http(
                            &addr,
                            "POST",
                            "/api/send",
                            Some(&token),
                            Some(text.as_bytes()),
                        );
                        match status {
                            200 => break,
                            // Three threads share one student's rate limit.
                            429 => std::thread::sleep(Duration::from_millis(50)),
                            _ => panic!("{status}: {body}"),
                        }
                    }
                    acknowledged.push(envelope["id"].as_str().unwrap().to_owned());
                    std::thread::sleep(Duration::from_millis(300));
                }
                acknowledged
            })
        })
        .collect();
    let acknowledged: HashSet<String> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    done.store(true, Ordering::SeqCst);
    let seen = poller.join().unwrap();
    assert_eq!(acknowledged.len(), senders.len() * THREADS * EACH);
    let missed: Vec<&String> = acknowledged.difference(&seen).collect();
    assert!(missed.is_empty(), "the poller never saw {missed:?}");

    class.kill();
    let captured = capture_in_t_order(&dir.join("class/capture.jsonl"));
    assert_eq!(captured.len(), acknowledged.len());
    let said = restart_in_text(&dir);
    assert!(
        said.contains(&format!(
            "carried on: 4 students, {} messages",
            acknowledged.len()
        )),
        "{said}"
    );
}

/// A capture an older doormat wrote out of `t` order is put back in order on start, with
/// a note; one with two lines of the same `t` is refused, naming both lines.
#[test]
fn a_capture_out_of_t_order_is_repaired_and_a_repeated_t_refused() {
    independent_of_rsa_backend!();
    let dir = scratch("classroom-reorder");
    let class = Class::start(&dir, &["--seed", "7"]);
    let ana = RustStudent::join(&class, "ana", "alice");
    RustStudent::join(&class, "ben", "bob");
    for i in 0..5 {
        let envelope = seal(&class, "ana", &["ben"], &format!("m{i}"), "in order");
        assert_eq!(
            class
                .json("POST", "/api/send", Some(&ana.token), &envelope)
                .0,
            200
        );
    }
    class.kill();
    let capture = dir.join("class/capture.jsonl");
    let in_order = std::fs::read_to_string(&capture).unwrap();
    let mut lines: Vec<&str> = in_order.lines().collect();
    // t = 1, 4, 3, 2, 5: lines 3 and 4 each follow a larger t.
    lines.swap(1, 3);
    std::fs::write(&capture, lines.join("\n") + "\n").unwrap();

    let said = restart_in_text(&dir);
    assert!(
        said.contains("carried on: 2 students, 5 messages"),
        "{said}"
    );
    assert!(
        said.contains("put 2 lines of capture.jsonl back in t order"),
        "{said}"
    );
    assert_eq!(
        std::fs::read_to_string(&capture).unwrap(),
        in_order,
        "the repaired capture is the one the server wrote, line for line"
    );
    // Once repaired, nothing more to say.
    assert!(!restart_in_text(&dir).contains("back in t order"));

    // Two lines that share a t are not a matter of order: refused, nothing rewritten.
    let mut repeated: Vec<Value> = read_jsonl(&capture);
    repeated[3]["t"] = repeated[1]["t"].clone();
    crate::util::write_jsonl(&capture, &repeated);
    let before = std::fs::read(&capture).unwrap();
    let run = doormat(
        &dir,
        &["classroom", "--out", "class", "--bind", "127.0.0.1:0"],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("line 4") && run.stderr.contains("same as line 2"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(&capture).unwrap(), before);
}

/// Start-up refusals: exit 2, one clear message, nothing replaced.
#[test]
fn start_up_refuses_bad_flags_and_folders_that_are_not_classes() {
    independent_of_rsa_backend!();
    let dir = scratch("classroom-refusals");
    simulate(&dir, "world", "none", (2, 3), 1, &[]).ok();
    let before = std::fs::read(dir.join("world/world.json")).unwrap();
    doormat(&dir, &["classroom", "--out", "world"]).refused(&["world", "not a class", "--out"]);
    assert_eq!(std::fs::read(dir.join("world/world.json")).unwrap(), before);
    doormat(&dir, &["classroom", "--out", "c", "--scheme", "split-key"])
        .refused(&["--scheme", "golden-key, none"]);
    doormat(&dir, &["classroom", "--out", "c", "--scheme", "nobus"]).refused(&["--scheme"]);
    doormat(&dir, &["classroom", "--out", "c", "--bind", "localhost"])
        .refused(&["--bind", "127.0.0.1:8443"]);
    doormat(
        &dir,
        &[
            "classroom",
            "--out",
            "c",
            "--bind",
            "0.0.0.0:0",
            "--host",
            "a b",
        ],
    )
    .refused(&["--host"]);
    doormat(
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
    )
    .refused(&["--demo", "runs none"]);
    doormat(&dir, &["classroom", "--out", "c", "--demo", "no-such-demo"])
        .refused(&["no-such-demo"]);
    assert!(!dir.join("c").exists(), "a refused start makes no class");
    std::fs::create_dir(dir.join("busy")).unwrap();
    std::fs::write(dir.join("busy/notes.txt"), "mine").unwrap();
    doormat(&dir, &["classroom", "--out", "busy"]).refused(&["busy", "not empty"]);
    // A class of one design does not carry on as another.
    let class = Class::start(&dir, &["--scheme", "none"]);
    let (status, answer) = class.json("POST", "/api/leak", Some(&class.teacher_token), &json!({}));
    assert_eq!(status, 409, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("no escrow key"));
    let (_, info) = class.get("/api/class", None);
    assert_eq!(info["has_escrow"], false);
    drop(class);
    doormat(
        &dir,
        &["classroom", "--out", "class", "--scheme", "golden-key"],
    )
    .refused(&["runs none", "--scheme"]);
}

/// Off loopback the class is HTTPS, with a certificate made for the address; the Python
/// client pins its fingerprint and talks over it, and refuses a wrong one.
#[test]
#[cfg(feature = "tls")]
fn off_loopback_the_class_is_https_with_the_printed_fingerprint() {
    let dir = scratch("classroom-tls");
    let class = Class::start(&dir, &["--bind", "0.0.0.0:0", "--host", "127.0.0.1"]);
    assert!(
        class.student_url.starts_with("https://127.0.0.1:"),
        "{}",
        class.student_url
    );
    let fingerprint = class.cert_sha256.clone().expect("a fingerprint on HTTPS");
    assert_eq!(fingerprint.len(), 95, "{fingerprint}");
    python_ok(
        &dir,
        &[
            "join",
            &class.student_url,
            "ana",
            "ana.json",
            "--fingerprint",
            &fingerprint,
        ],
    );
    python_ok(
        &dir,
        &[
            "join",
            &class.student_url,
            "ben",
            "ben.json",
            "--fingerprint",
            &fingerprint,
        ],
    );
    python_ok(&dir, &["send", "ana.json", "ben", "over TLS"]);
    let read = python_ok(&dir, &["read", "ben.json"]);
    assert_eq!(read[0]["text"], "over TLS");
    let wrong = format!(
        "{}{}",
        if fingerprint.starts_with("00") {
            "11"
        } else {
            "00"
        },
        &fingerprint[2..]
    );
    let (code, _, stderr) = python_client(
        &dir,
        &[
            "join",
            &class.student_url,
            "cy",
            "cy.json",
            "--fingerprint",
            &wrong,
        ],
    );
    assert_ne!(code, 0);
    assert!(stderr.contains("fingerprint"), "{stderr}");
    // Plain HTTP to the TLS port gets nowhere.
    let plain = std::panic::catch_unwind(|| http(&class.addr, "GET", "/api/class", None, None));
    assert!(!matches!(plain, Ok((200, _))));
    // The same certificate after a restart.
    drop(class);
    let again = Class::start(&dir, &["--bind", "0.0.0.0:0", "--host", "127.0.0.1"]);
    assert_eq!(again.cert_sha256.as_deref(), Some(fingerprint.as_str()));
    let key = std::fs::metadata(dir.join("class/tls/key.der")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(key.permissions().mode() & 0o777, 0o600);
}

/// Step mode: the teacher plays the flagship's acts beside the class; the act in which
/// the story's escrow key leaks leaks the class's, and the projector shows the act and
/// then opens the class's own messages.
#[test]
fn step_mode_plays_a_demo_and_its_leak_leaks_the_class_key() {
    independent_of_rsa_backend!();
    let dir = scratch("classroom-step");
    let class = Class::start(&dir, &["--demo", "golden-key-leak", "--seed", "3"]);
    let ana = RustStudent::join(&class, "ana", "alice");
    RustStudent::join(&class, "ben", "bob");
    for (i, text) in ["first words", "second words"].iter().enumerate() {
        let envelope = seal(&class, "ana", &["ben"], &format!("s{i}"), text);
        assert_eq!(
            class
                .json("POST", "/api/send", Some(&ana.token), &envelope)
                .0,
            200
        );
    }
    let projector = class.open_projector();
    let teacher = Tab::open(&class.teacher_url, &new_context(), "");
    teacher.wait_for(
        "!document.getElementById('step').hidden",
        "the step controls",
        20,
    );
    assert!(teacher
        .eval("document.getElementById('next-act').textContent")
        .as_str()
        .unwrap()
        .contains("A messenger with a golden key"));
    teacher.eval("document.getElementById('next-act').click(); true");
    teacher.wait_for(
        "document.getElementById('step-status').textContent.startsWith('Played act 1')",
        "act 1",
        30,
    );
    projector.wait_for(
        "document.getElementById('act-heading').textContent.includes('act 1 of')",
        "the projector to show act 1",
        20,
    );
    let mut leaked_at = None;
    for number in 2.. {
        let (status, act) = class.json("POST", "/api/step", Some(&class.teacher_token), &json!({}));
        if status == 409 {
            assert!(
                act["error"].as_str().unwrap().contains("every act"),
                "{act}"
            );
            break;
        }
        assert_eq!(status, 200, "{act}");
        assert_eq!(act["number"], number);
        assert!(act["html"]
            .as_str()
            .unwrap()
            .contains("<section class=\"act\">"));
        let (_, info) = class.get("/api/class", None);
        if act["leaked_the_class_key"] == true {
            leaked_at.get_or_insert(number);
            assert_eq!(act["title"], "The golden key leaks");
        }
        assert_eq!(info["leaked"], json!(leaked_at.is_some()), "act {number}");
    }
    assert_eq!(
        leaked_at,
        Some(4),
        "the flagship's key leaks in its fourth act"
    );
    projector.wait_for(
        "document.querySelectorAll('#opened li.opened').length === 2",
        "the projector to open the class's messages",
        30,
    );
    assert_eq!(
        sorted(opened_texts(&projector, "opened")),
        vec!["first words".to_owned(), "second words".to_owned()]
    );
    for (what, tab) in [("teacher", &teacher), ("projector", &projector)] {
        assert!(tab.errors().is_empty(), "{what}: {:?}", tab.errors());
    }
}

/// The string `field` of each object in the JSON array `list`.
fn field_of_each<'a>(list: &'a Value, field: &str) -> Vec<&'a str> {
    list.as_array()
        .unwrap()
        .iter()
        .filter_map(|item| item[field].as_str())
        .collect()
}

/// The status line's code of one raw HTTP/1.1 request (headers as given), read up to
/// the end of the head: enough for a refusal or a WebSocket's 101.
pub fn raw_status(addr: &str, head: &str, body: &str) -> u16 {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let request = format!(
        "{head}Host: {addr}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).unwrap();
    line.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {line:?}"))
}

/// What another web site's page could make a student's browser send is refused before
/// any route: a `text/plain` join (415), a join or a WebSocket from a foreign `Origin`
/// (403). The class's own pages (same Origin) and programs (no Origin) still work, and
/// a student's token on a teacher's call gets 403, not 401.
#[test]
fn cross_site_requests_are_refused() {
    independent_of_rsa_backend!();
    let dir = scratch("classroom-cross-site");
    let class = Class::start(&dir, &[]);
    let join = |name: &str, user: &str| {
        let key = world_key(user).public_key().to_pem();
        json!({ "name": name, "public_key": key }).to_string()
    };
    let addr = class.addr.clone();
    let post = |extra: &str, body: &str| {
        raw_status(
            &addr,
            &format!("POST /api/join HTTP/1.1\r\nConnection: close\r\n{extra}"),
            body,
        )
    };
    assert_eq!(
        post(
            "Content-Type: text/plain;charset=UTF-8\r\n",
            &join("forged", "alice")
        ),
        415
    );
    assert_eq!(post("", &join("untyped", "alice")), 415);
    let evil = "Content-Type: application/json\r\nOrigin: https://evil.example\r\n";
    assert_eq!(post(evil, &join("forged", "alice")), 403);
    let null = "Content-Type: application/json\r\nOrigin: null\r\n";
    assert_eq!(post(null, &join("forged", "alice")), 403);
    let own = format!("Content-Type: application/json\r\nOrigin: http://{addr}\r\n");
    assert_eq!(post(&own, &join("ana", "alice")), 200);
    let program = "Content-Type: application/json; charset=utf-8\r\n";
    assert_eq!(post(program, &join("ben", "bob")), 200);
    let (_, directory) = class.get("/api/directory", None);
    let names = field_of_each(&directory["parties"], "name");
    assert!(
        names.contains(&"ana") && names.contains(&"ben"),
        "{names:?}"
    );
    assert!(
        !names.contains(&"forged") && !names.contains(&"untyped"),
        "{names:?}"
    );

    let socket = |origin: &str| {
        raw_status(
            &addr,
            &format!(
                "GET /api/events HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                 Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{origin}"
            ),
            "",
        )
    };
    assert_eq!(socket("Origin: https://evil.example\r\n"), 403);
    assert_eq!(socket(&format!("Origin: http://{addr}\r\n")), 101);
    assert_eq!(socket(""), 101);

    let student = RustStudent::join(&class, "cleo", "carol");
    let (status, _) = class.call("POST", "/api/leak", Some(&student.token), None);
    assert_eq!(status, 403, "a student's token on the teacher's call");
    let (status, _) = class.call("POST", "/api/leak", Some("not-a-token"), None);
    assert_eq!(status, 401);
    let (status, _) = class.call("POST", "/api/leak", Some(&class.teacher_token), None);
    assert_eq!(status, 200, "the teacher's leak needs no body and no type");
}

/// The teacher removes a student: their token is refused (401) at once and after a
/// restart, no one can send to them, their name is not free again, and what they sent
/// stays in the capture. The class says who was removed.
#[test]
fn the_teacher_removes_a_student_for_good() {
    independent_of_rsa_backend!();
    let dir = scratch("classroom-remove");
    let class = Class::start(&dir, &[]);
    let ana = RustStudent::join(&class, "ana", "alice");
    let ben = RustStudent::join(&class, "ben", "bob");
    let sent = seal(&class, "ana", &["ben"], "before-removal", "hello from ana");
    let (status, answer) = class.json("POST", "/api/send", Some(&ana.token), &sent);
    assert_eq!(status, 200, "{answer}");
    let remove = |who: &str, token: Option<&str>| {
        class.json("POST", "/api/remove", token, &json!({ "name": who }))
    };
    assert_eq!(
        remove("ana", Some(&ben.token)).0,
        403,
        "only the teacher removes"
    );
    assert_eq!(remove("nobody", Some(&class.teacher_token)).0, 404);
    let (status, answer) = remove("ana", Some(&class.teacher_token));
    assert_eq!(
        (status, answer["removed"].as_str()),
        (200, Some("ana")),
        "{answer}"
    );
    let again = seal(&class, "ana", &["ben"], "after-removal", "still here?");
    assert_eq!(
        class.json("POST", "/api/send", Some(&ana.token), &again).0,
        401
    );
    assert_eq!(class.get("/api/messages?after=0", Some(&ana.token)).0, 401);
    let to_ana = seal(&class, "ben", &["ana"], "to-removed", "hello ana");
    let (status, answer) = class.json("POST", "/api/send", Some(&ben.token), &to_ana);
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("removed"),
        "{answer}"
    );
    let key = world_key("carol").public_key().to_pem();
    let (status, _) = class.json(
        "POST",
        "/api/join",
        None,
        &json!({ "name": "ana", "public_key": key }),
    );
    assert_eq!(status, 409, "a removed name is not free again");
    let (_, info) = class.get("/api/class", None);
    assert_eq!(info["removed"], json!(["ana"]));
    let (_, capture) = class.get("/api/capture?after=0", None);
    assert_eq!(
        field_of_each(&capture["messages"], "id"),
        ["before-removal"]
    );
    class.kill();
    let class = Class::start(&dir, &[]);
    assert_eq!(
        class.json("POST", "/api/send", Some(&ana.token), &again).0,
        401
    );
    let (_, info) = class.get("/api/class", None);
    assert_eq!(
        info["removed"],
        json!(["ana"]),
        "the removal outlives a restart"
    );
    let (status, _) = class.json("POST", "/api/send", Some(&ben.token), &to_ana);
    assert_eq!(status, 422);
}

/// Messages sent while the projector is opening what it has are opened too: the count
/// it shows ends equal to the class's. It used to drop a request to open that came
/// while an opening ran, and stop short ("84 of 84" in a class of 89).
#[test]
fn the_projector_catches_up_with_a_burst_during_its_opening() {
    independent_of_rsa_backend!();
    let dir = scratch("classroom-burst");
    let class = Class::start(&dir, &[]);
    let students = [
        RustStudent::join(&class, "ana", "alice"),
        RustStudent::join(&class, "ben", "bob"),
        RustStudent::join(&class, "cleo", "carol"),
    ];
    let names = ["ana", "ben", "cleo"];
    let send = |i: usize| {
        let (from, to) = (names[i % 3], names[(i + 1) % 3]);
        let envelope = seal(
            &class,
            from,
            &[to],
            &format!("m{i:03}"),
            &format!("note {i}"),
        );
        let (status, answer) =
            class.json("POST", "/api/send", Some(&students[i % 3].token), &envelope);
        assert_eq!(status, 200, "{answer}");
    };
    (0..16).for_each(send);
    let (status, _) = class.call("POST", "/api/leak", Some(&class.teacher_token), None);
    assert_eq!(status, 200);
    let projector = class.open_projector();
    projector.wait_for(
        "document.querySelectorAll('#opened li').length >= 1",
        "the projector to begin opening",
        30,
    );
    // The burst lands while the first sixteen are still being opened, one by one.
    for i in 16..28 {
        send(i);
        std::thread::sleep(Duration::from_millis(110));
    }
    let (_, info) = class.get("/api/class", None);
    assert_eq!(info["messages"], 28);
    projector.wait_for(
        "document.getElementById('leak-progress').textContent.startsWith('28 of 28 ')",
        "the projector to open all 28 messages",
        60,
    );
    assert_eq!(
        projector.eval("document.querySelectorAll('#opened li.opened').length"),
        json!(28)
    );
    assert!(projector.errors().is_empty(), "{:?}", projector.errors());
}
