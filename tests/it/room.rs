//! The live class at a room's size and with a room's pranksters: hundreds of students,
//! restarts in the middle of the traffic, the projector at 1920x1080 and 1280x720, the
//! teacher's link, the join code, the caps on joins and connections.
//!
//! Students here join from addresses of their own (127.0.x.y: all of 127/8 is
//! loopback on Linux), as a room's phones do, so the per-address limits apply to each as
//! they would in class.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use doormat::crypto::rsa_oaep::PublicKey;

use crate::browser::{new_context, Tab};
use crate::classroom::{capture_in_t_order, directory_keys, raw_status, seal_for, Class};
use crate::util::{bin, scratch, DiesWithTest};

/// The loopback address of student `i`: 127.0.1.1, 127.0.1.2, ... (never 127.0.0.1,
/// where the tests' other requests come from).
fn address_of(i: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(
        127,
        0,
        1 + (i / 250) as u8,
        1 + (i % 250) as u8,
    ))
}

/// A connection to `addr` from the local address `from`. The standard library cannot
/// choose the local address, so tokio's socket makes the connection and hands it over.
fn connect_from(from: IpAddr, addr: &str) -> std::io::Result<TcpStream> {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .unwrap()
    });
    let target: std::net::SocketAddr = addr.parse().unwrap();
    let stream = runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind((from, 0).into())?;
        socket.connect(target).await
    })?;
    let stream = stream.into_std()?;
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    Ok(stream)
}

/// One request from `from`: the status and the body, or the error of a server that is
/// not there (stopped in the middle of the traffic, on purpose).
fn request_from(
    from: IpAddr,
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> std::io::Result<(u16, Value)> {
    let mut stream = connect_from(from, addr)?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if method == "POST" {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (status_line, rest) = answer
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other(format!("no answer: {answer:?}")))?;
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status: {status_line:?}")))?;
    Ok((
        status,
        serde_json::from_str(rest).unwrap_or(Value::String(rest.to_owned())),
    ))
}

/// `n` distinct RSA-2048 public keys, made in microseconds: a random odd modulus with
/// its top bit set. Nobody can open what is wrapped for them, and nobody here needs
/// to: the server never opens a wrap (it cannot), these tests check what it records and
/// relays, and the projector opens the escrow's wrap, made for the class's real key.
/// Generating 300 real key pairs would spend a minute on the CI machine's two cores.
fn public_keys(n: usize) -> Vec<String> {
    use rand::{RngCore, SeedableRng};
    use rsa::pkcs8::{EncodePublicKey, LineEnding};
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(n as u64);
    (0..n)
        .map(|_| {
            let mut modulus = [0u8; 256];
            rng.fill_bytes(&mut modulus);
            modulus[0] |= 0x80;
            modulus[255] |= 1;
            let key = rsa::RsaPublicKey::new(
                rsa::BigUint::from_bytes_be(&modulus),
                rsa::BigUint::from(65_537u32),
            )
            .unwrap();
            key.to_public_key_pem(LineEnding::LF).unwrap()
        })
        .collect()
}

/// A student of a large class: a name, an address, a token.
#[derive(Clone)]
struct Student {
    name: String,
    from: IpAddr,
    token: String,
}

/// `names.len()` students join `class`, each from an address of its own, on eight
/// threads (a room joins at once).
fn join_all(class: &Class, names: &[String], offset: usize) -> Vec<Student> {
    let keys = public_keys(offset + names.len());
    let work: Vec<(usize, String, String)> = names
        .iter()
        .enumerate()
        .map(|(i, name)| (offset + i, name.clone(), keys[offset + i].clone()))
        .collect();
    let work = Arc::new(Mutex::new(work));
    let joined = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (work, joined, addr) = (work.clone(), joined.clone(), class.addr.clone());
            std::thread::spawn(move || loop {
                let Some((i, name, pem)) = work.lock().unwrap().pop() else {
                    return;
                };
                let from = address_of(i);
                let body = json!({ "name": name, "public_key": pem });
                let (status, answer) =
                    request_from(from, &addr, "POST", "/api/join", None, Some(&body)).unwrap();
                assert_eq!(status, 200, "join {name}: {answer}");
                let token = answer["token"].as_str().unwrap().to_owned();
                joined
                    .lock()
                    .unwrap()
                    .push((i, Student { name, from, token }));
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let mut joined = std::mem::take(&mut *joined.lock().unwrap());
    joined.sort_by_key(|(i, _)| *i);
    joined.into_iter().map(|(_, s)| s).collect()
}

/// Every student sends `each` messages to two classmates, on sixteen threads, while
/// `interrupt` runs once `interrupt_after` messages have been acknowledged (or never,
/// for `usize::MAX`). Returns the ids acknowledged; a send the server did not answer
/// (it was stopped) is not acknowledged, and that student's thread moves on.
fn busy_round(
    addr: &str,
    students: &[Student],
    keys: &HashMap<String, PublicKey>,
    round: &str,
    each: usize,
    interrupt_after: usize,
    interrupt: impl FnOnce(),
) -> Vec<String> {
    let n = students.len();
    let mut work = Vec::new();
    for k in 0..each {
        for (i, student) in students.iter().enumerate() {
            let mut to: Vec<&str> = vec![
                &students[(i + 1 + k) % n].name,
                &students[(i + 7 + 3 * k) % n].name,
            ];
            to.dedup();
            to.retain(|name| *name != student.name);
            let id = format!("{round}-{}-{k}", student.name);
            let text = format!("round {round}, message {k} from {}", student.name);
            let envelope = seal_for(keys, &student.name, &to, &id, &text);
            work.push((student.clone(), id, envelope));
        }
    }
    work.reverse();
    let work = Arc::new(Mutex::new(work));
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let (work, acknowledged, addr) = (work.clone(), acknowledged.clone(), addr.to_owned());
            std::thread::spawn(move || loop {
                let Some((student, id, envelope)) = work.lock().unwrap().pop() else {
                    return;
                };
                let sent = request_from(
                    student.from,
                    &addr,
                    "POST",
                    "/api/send",
                    Some(&student.token),
                    Some(&envelope),
                );
                match sent {
                    Ok((200, answer)) => {
                        assert_eq!(answer["id"], id);
                        acknowledged.lock().unwrap().push(id);
                    }
                    Ok((status, answer)) => panic!("{id}: {status} {answer}"),
                    // The server is gone: nothing more will be acknowledged.
                    Err(_) => {
                        work.lock().unwrap().clear();
                        return;
                    }
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    while acknowledged.lock().unwrap().len() < interrupt_after.min(n * each) {
        assert!(
            Instant::now() < deadline,
            "the round did not get going: {} acknowledged",
            acknowledged.lock().unwrap().len()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    if interrupt_after != usize::MAX {
        interrupt();
    }
    threads.into_iter().for_each(|t| t.join().unwrap());
    let acknowledged = std::mem::take(&mut *acknowledged.lock().unwrap());
    acknowledged
}

/// Every acknowledged id is in the capture exactly once, and the capture is in `t`
/// order; the running class serves the same capture.
fn check_capture(class: &Class, acknowledged: &HashSet<String>) {
    let captured = capture_in_t_order(&class.dir.join("capture.jsonl"));
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for envelope in &captured {
        *seen.entry(envelope["id"].as_str().unwrap()).or_default() += 1;
    }
    let repeated: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "ids recorded twice: {repeated:?}");
    let missing: Vec<_> = acknowledged
        .iter()
        .filter(|id| !seen.contains_key(id.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "acknowledged, not recorded: {missing:?}"
    );
    let (status, served) = class.get("/api/capture?after=0", None);
    assert_eq!(status, 200);
    let served: Vec<&str> = served["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    let on_disk: Vec<&str> = captured.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(served, on_disk, "the restarted class serves its capture");
}

/// The documented recovery holds for a busy class: 300 students send at once, the
/// server is stopped with SIGTERM in the middle of it, then again with SIGKILL, and
/// each time it starts again on the same folder with every acknowledged message
/// present exactly once and in `t` order, and the same tokens still work.
#[test]
fn a_busy_class_restarts_after_sigterm_and_sigkill_with_nothing_lost() {
    independent_of_rsa_backend!();
    const STUDENTS: usize = 300;
    let dir = scratch("room-busy-restart");
    let mut class = Class::start(&dir, &["--seed", "31"]);
    let names: Vec<String> = (0..STUDENTS).map(|i| format!("s{i:03}")).collect();
    let students = join_all(&class, &names, 0);
    let keys = directory_keys(&class);
    assert_eq!(keys.len(), STUDENTS + 1, "the students and the escrow key");

    let mut acknowledged: HashSet<String> = HashSet::new();
    for (round, stop) in [("a", "SIGTERM"), ("b", "SIGKILL")] {
        let addr = class.addr.clone();
        let running = Mutex::new(Some(class));
        let sent = busy_round(&addr, &students, &keys, round, 2, 250, || {
            let class = running.lock().unwrap().take().unwrap();
            if stop == "SIGTERM" {
                let said = class.stop_and_read_stderr();
                assert!(said.contains("class stopped"), "{said}");
            } else {
                class.kill();
            }
        });
        assert!(sent.len() >= 250, "{round}: {} acknowledged", sent.len());
        acknowledged.extend(sent);
        class = Class::start(&dir, &[]);
        check_capture(&class, &acknowledged);
    }

    // The class carries on: the same tokens send, and the count is what was recorded.
    let last = busy_round(
        &class.addr,
        &students[..10],
        &keys,
        "c",
        1,
        usize::MAX,
        || {},
    );
    assert_eq!(last.len(), 10);
    acknowledged.extend(last);
    check_capture(&class, &acknowledged);
}

/// `GET path` with `extra` headers from 127.0.0.1: the status line's code, the head and
/// the body.
fn get_raw(addr: &str, path: &str, extra: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{extra}\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head.to_owned(), body.to_owned())
}

/// The teacher's link logs the browser in once, with an `HttpOnly`, `SameSite=Strict`
/// cookie that is not the token, and sends it on to plain `/teacher`: the address bar,
/// the history's last entry and the page's scripts never hold the token. The cookie
/// works only for the teacher's calls and only from the class's own pages; the token
/// keeps working for programs.
#[test]
fn the_teacher_link_logs_in_once_and_leaves_no_token_in_the_address() {
    independent_of_rsa_backend!();
    let dir = scratch("room-teacher-link");
    let class = Class::start(&dir, &[]);
    let token = class.teacher_token.clone();
    let path = format!("/teacher?token={token}");
    let (status, head, _) = get_raw(&class.addr, &path, "");
    assert_eq!(status, 303, "{head}");
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                l.split_once(':')
                    .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.trim().to_owned())
            })
            .unwrap_or_else(|| panic!("no {name} in {head}"))
    };
    assert_eq!(header("location"), "/teacher");
    let cookie = header("set-cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(
        !cookie.contains(&token),
        "the cookie is not the token: {cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_owned();

    // The cookie is the teacher's on the teacher's calls, and nothing else is.
    let (status, _, body) = get_raw(&class.addr, "/api/teacher", &format!("Cookie: {pair}\r\n"));
    assert_eq!(status, 200, "{body}");
    // The same cookie with its last digit changed (to another digit, whatever it was).
    let last = if pair.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{last}\r\n", &pair[..pair.len() - 1]);
    let (status, _, _) = get_raw(&class.addr, "/api/teacher", &format!("Cookie: {forged}"));
    assert_eq!(status, 401);
    let (status, _, _) = get_raw(&class.addr, "/teacher?token=not-the-token", "");
    assert_eq!(status, 401, "a wrong link logs no one in");
    let leak_from = |origin: &str| {
        raw_status(
            &class.addr,
            &format!("POST /api/leak HTTP/1.1\r\nConnection: close\r\nCookie: {pair}\r\n{origin}"),
            "",
        )
    };
    assert_eq!(leak_from("Origin: https://evil.example\r\n"), 403);

    // In a browser: the page ends at plain /teacher, logged in, with no token anywhere a
    // script or the room could see it.
    let teacher = Tab::open(&class.teacher_url, &new_context(), "");
    teacher.wait_for(
        "!document.getElementById('panel').hidden",
        "the teacher page to log in",
        20,
    );
    let seen = teacher.eval(
        "JSON.stringify([location.href, document.cookie, JSON.stringify(sessionStorage), \
         JSON.stringify(localStorage), document.documentElement.outerHTML])",
    );
    let seen = seen.as_str().unwrap();
    assert!(
        !seen.contains(&token),
        "the token is still in the page: {seen}"
    );
    let href = teacher.eval("location.href");
    assert!(href.as_str().unwrap().ends_with("/teacher"), "{href}");
    // A reload keeps the session (the cookie), not a token.
    teacher.eval("location.reload(); true");
    std::thread::sleep(Duration::from_millis(300));
    teacher.wait_for(
        "document.readyState === 'complete' && !document.getElementById('panel').hidden",
        "the teacher page after a reload",
        20,
    );
    let leak = teacher.eval("fetch('/api/leak', {method: 'POST'}).then((r) => r.status)");
    assert_eq!(leak, json!(200), "the page's own call, with the cookie");
    assert!(teacher.errors().is_empty(), "{:?}", teacher.errors());
    // Programs keep their token.
    let (status, _) = class.get("/api/teacher", Some(&token));
    assert_eq!(status, 200);
}

/// In text mode the teacher's link goes to stderr, apart from what the room may see on
/// stdout (the students' URL and QR code, the join code).
#[test]
fn the_start_up_text_keeps_the_teacher_link_off_the_rooms_screen() {
    independent_of_rsa_backend!();
    let dir = scratch("room-start-up-text");
    let mut child = Command::new(bin())
        .args([
            "classroom",
            "--out",
            "class",
            "--bind",
            "127.0.0.1:0",
            "--join-code",
            "owl-42",
        ])
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .dies_with_test()
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut said = String::new();
    while !said.contains("Ctrl-C") {
        if out.read_line(&mut said).unwrap() == 0 {
            break;
        }
    }
    crate::reliability::send_signal(&child, "TERM");
    let _ = child.wait();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let class: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("class/class.json")).unwrap())
            .unwrap();
    let token = class["teacher_token"].as_str().unwrap();
    assert!(!said.contains(token), "the token on stdout:\n{said}");
    assert!(!said.contains("teacher"), "{said}");
    assert!(said.contains("join code   owl-42"), "{said}");
    assert!(said.contains("students    http://127.0.0.1:"), "{said}");
    let link = stderr
        .lines()
        .find(|l| l.starts_with("teacher "))
        .unwrap_or_else(|| panic!("no teacher line on stderr:\n{stderr}"));
    assert!(link.ends_with(&format!("/teacher?token={token}")), "{link}");
}

/// With `--join-code`, a join needs the code (any case), the student page asks for it,
/// the projector on the teacher's laptop shows it, and no one else is told it; a class
/// without one takes joins that know nothing of codes.
#[test]
fn a_join_code_keeps_out_whoever_is_not_in_the_room() {
    independent_of_rsa_backend!();
    let dir = scratch("room-join-code");
    let class = Class::start(&dir, &["--join-code", "Owl-42"]);
    let keys = public_keys(4);
    let join = |name: &str, key: &str, code: Option<&str>| {
        let mut body = json!({ "name": name, "public_key": key });
        if let Some(code) = code {
            body["join_code"] = code.into();
        }
        class.json("POST", "/api/join", None, &body)
    };
    let (status, answer) = join("ana", &keys[0], None);
    assert_eq!(status, 403, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("join code"),
        "{answer}"
    );
    assert_eq!(join("ana", &keys[0], Some("owl-41")).0, 403);
    assert_eq!(join("ana", &keys[0], Some("OWL-42")).0, 200);
    let (_, info) = class.get("/api/class", None);
    assert_eq!(info["join_code_required"], true);
    assert!(
        !info.to_string().to_lowercase().contains("owl-42"),
        "{info}"
    );
    let (_, told) = class.get("/api/join-code", None);
    assert_eq!(told, json!({ "required": true, "join_code": null }));
    let (_, told) = class.get("/api/join-code", Some(&class.teacher_token));
    assert_eq!(told["join_code"], "Owl-42");

    // A student's page asks for the code and joins with it.
    let student = Tab::open(&class.student_url, &new_context(), "");
    student.wait_for(
        "!document.getElementById('join').hidden && !document.getElementById('code-box').hidden",
        "the join form with its code box",
        20,
    );
    student.eval(
        "document.getElementById('name').value = 'ben'; \
         document.getElementById('join-code').value = 'owl-42'; \
         document.getElementById('join-form').requestSubmit(); true",
    );
    student.wait_for("!document.getElementById('chat').hidden", "ben to join", 30);

    // The projector in the teacher's browser shows the code; in another, it does not.
    let context = new_context();
    let teacher = Tab::open(&class.teacher_url, &context, "");
    teacher.wait_for(
        "!document.getElementById('panel').hidden",
        "the teacher page",
        20,
    );
    let projector = Tab::open(&format!("{}projector", class.student_url), &context, "");
    projector.wait_for(
        "document.getElementById('join-code').textContent === 'Owl-42'",
        "the projector to show the code",
        20,
    );
    let elsewhere = class.open_projector();
    elsewhere.wait_for(
        "!document.getElementById('join-code-line').hidden",
        "the room's projector to say there is a code",
        20,
    );
    let shown = elsewhere.eval("document.body.innerText");
    assert!(!shown.as_str().unwrap().contains("Owl-42"), "{shown}");
    for tab in [&student, &teacher, &projector, &elsewhere] {
        assert!(tab.errors().is_empty(), "{:?}", tab.errors());
    }
    drop(class);

    // Without a code, a join that names none is as before; a bad code is refused at start.
    let plain = Class::start(&scratch("room-no-join-code"), &[]);
    assert_eq!(
        plain
            .json(
                "POST",
                "/api/join",
                None,
                &json!({ "name": "cat", "public_key": keys[2] })
            )
            .0,
        200
    );
    let output = Command::new(bin())
        .args([
            "classroom",
            "--out",
            "class",
            "--bind",
            "127.0.0.1:0",
            "--join-code",
            "no spaces",
        ])
        .current_dir(scratch("room-bad-join-code"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("--join-code") && said.contains("letters, digits"),
        "{said}"
    );
}

/// One address cannot hold every connection: past its cap its next connection gets a
/// 503 and is closed, while another address is served; once it lets go, it is served
/// again. Joins from one address are capped too (429), and not another's.
#[test]
fn one_address_cannot_take_the_room() {
    independent_of_rsa_backend!();
    let dir = scratch("room-caps");
    let class = Class::start(&dir, &[]);
    let prankster = address_of(900);
    let held: Vec<TcpStream> = (0..doormat::classroom::connections::MAX_CONNECTIONS_PER_ADDRESS)
        .map(|_| connect_from(prankster, &class.addr).unwrap())
        .collect();
    // The server counts a connection when it accepts it: give it a moment.
    std::thread::sleep(Duration::from_millis(300));
    let (status, answer) =
        request_from(prankster, &class.addr, "GET", "/api/class", None, None).unwrap();
    assert_eq!(status, 503, "{answer}");
    assert!(answer["error"]
        .as_str()
        .unwrap()
        .contains("too many connections"));
    let (status, _) = request_from(
        address_of(901),
        &class.addr,
        "GET",
        "/api/class",
        None,
        None,
    )
    .unwrap();
    assert_eq!(status, 200, "another address is served");
    drop(held);
    std::thread::sleep(Duration::from_millis(300));
    let (status, _) =
        request_from(prankster, &class.addr, "GET", "/api/class", None, None).unwrap();
    assert_eq!(status, 200, "served again once it let go");

    let burst = doormat::classroom::state::JOIN_BURST as usize;
    let keys = public_keys(burst + 2);
    for (i, key) in keys.iter().enumerate().take(burst) {
        let body = json!({ "name": format!("fake{i}"), "public_key": key });
        let (status, answer) = request_from(
            prankster,
            &class.addr,
            "POST",
            "/api/join",
            None,
            Some(&body),
        )
        .unwrap();
        assert_eq!(status, 200, "{answer}");
    }
    let body = json!({ "name": "onemore", "public_key": keys[burst] });
    let (status, answer) = request_from(
        prankster,
        &class.addr,
        "POST",
        "/api/join",
        None,
        Some(&body),
    )
    .unwrap();
    assert_eq!(status, 429, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("a minute"),
        "{answer}"
    );
    let body = json!({ "name": "honest", "public_key": keys[burst + 1] });
    let (status, _) = request_from(
        address_of(902),
        &class.addr,
        "POST",
        "/api/join",
        None,
        Some(&body),
    )
    .unwrap();
    assert_eq!(status, 200, "another address still joins");
}

/// Everything on the projector's screen fits it: no scrolling, nothing past an edge
/// (the grid's numbers, kept for screen readers, aside), no name cut short. Waits for the page to settle
/// after a change of size or of class, then fails with what sticks out.
fn assert_fits(projector: &Tab, what: &str) {
    const CHECK: &str = "(() => {
      const W = innerWidth, H = innerHeight, doc = document.documentElement, out = [];
      if (doc.scrollHeight > H + 1 || doc.scrollWidth > W + 1) out.push(`page ${doc.scrollWidth}x${doc.scrollHeight}`);
      for (const el of document.querySelectorAll('main *')) {
        if (el.closest('[hidden]') || el.closest('#matrix table') || el.closest('figcaption')) continue;
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        if (r.right > W + 1 || r.bottom > H + 1 || r.left < -1 || r.top < -1) {
          out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className.baseVal ?? el.className}: ${Math.round(r.left)},${Math.round(r.top)} to ${Math.round(r.right)},${Math.round(r.bottom)}`);
        }
      }
      for (const el of document.querySelectorAll('li.card .name, li.card .readers')) {
        if (el.getBoundingClientRect().height > 0 && el.scrollWidth > el.clientWidth + 1) out.push(`cut: ${el.textContent}`);
      }
      return out.slice(0, 8);
    })()";
    // The page fits itself to a new size on the next frame; let it.
    std::thread::sleep(Duration::from_millis(400));
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let problems = projector.eval(CHECK);
        if problems.as_array().is_some_and(Vec::is_empty) {
            return;
        }
        if Instant::now() > deadline {
            let debug = projector.eval("JSON.stringify(Array.from(document.querySelectorAll('main, main > *, .room-body > *, #who > *, #matrix > *, #matrix figure > *')).map((e) => [e.tagName, e.id, e.className.baseVal ?? e.className, Math.round(e.getBoundingClientRect().top), Math.round(e.getBoundingClientRect().bottom), e.scrollHeight]))");
            std::fs::write("/tmp/projector.png", projector.screenshot()).unwrap();
            panic!("{what}: the projector does not fit its screen: {problems} {debug}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The smallest font size, in CSS pixels, of the visible elements `selector` finds (and
/// how many there are).
fn smallest_text(projector: &Tab, selector: &str) -> (f64, u64) {
    let found = projector.eval(&format!(
        "(() => {{ const sizes = Array.from(document.querySelectorAll({selector:?}))
            .filter((e) => !e.closest('[hidden]') && e.getBoundingClientRect().height > 0)
            .map((e) => parseFloat(getComputedStyle(e).fontSize));
          return [sizes.length ? Math.min(...sizes) : 0, sizes.length]; }})()"
    ));
    (found[0].as_f64().unwrap(), found[1].as_u64().unwrap())
}

/// The projector is made for a room: at 1920x1080 and at 1280x720, with 2, 30 and 100
/// students, everything fits one screen with no scrolling; the counters and the newest
/// opened messages are large (at least 40 and 28 px); the QR code is large while the
/// class joins and shrinks once it talks; above ten students each student is a card that says who reads them,
/// in text no smaller than 16 px at 30 students.
#[test]
fn the_projector_fits_one_screen_at_both_sizes_as_the_class_grows() {
    independent_of_rsa_backend!();
    const SIZES: [(u32, u32); 2] = [(1920, 1080), (1280, 720)];
    let dir = scratch("room-projector");
    let class = Class::start(&dir, &["--seed", "32"]);
    let projector = class.open_projector();
    projector.wait_for(
        "document.getElementById('student-url').textContent !== ''",
        "the projector to say where to join",
        20,
    );
    for (w, h) in SIZES {
        projector.resize(w, h);
        assert_fits(&projector, &format!("an empty class at {w}x{h}"));
        let qr = projector
            .eval("document.getElementById('qr').getBoundingClientRect().height / innerHeight");
        assert!(
            qr.as_f64().unwrap() >= 0.3,
            "a class still joining: the QR code takes {qr} of the height"
        );
    }
    let names: Vec<String> = (0..100).map(|i| format!("student{i:02}")).collect();
    let mut students = join_all(&class, &names[..2], 0);
    let keys = directory_keys(&class);
    busy_round(&class.addr, &students, &keys, "a", 1, usize::MAX, || {});
    projector.wait_for(
        "document.querySelector('#matrix svg') && document.getElementById('count-messages').textContent === '2'",
        "the projector's grid of 2 students",
        20,
    );
    for (w, h) in SIZES {
        projector.resize(w, h);
        assert_fits(&projector, &format!("2 students at {w}x{h}"));
    }

    students.extend(join_all(&class, &names[2..30], 2));
    let keys = directory_keys(&class);
    let sent = busy_round(&class.addr, &students, &keys, "b", 2, usize::MAX, || {});
    let total = 2 + sent.len();
    let (status, _) = class.call("POST", "/api/leak", Some(&class.teacher_token), None);
    assert_eq!(status, 200);
    projector.wait_for(
        &format!(
            "document.getElementById('leak-progress').textContent.startsWith('{total} of {total} ') \
             && document.querySelectorAll('#matrix li.card.anyone').length === 30"
        ),
        "the projector to open every message and show 30 cards",
        60,
    );
    for (w, h) in SIZES {
        projector.resize(w, h);
        let what = format!("30 students at {w}x{h}");
        assert_fits(&projector, &what);
        let (counters, _) = smallest_text(&projector, "dl.counters dd");
        assert!(counters >= 40.0, "{what}: counters at {counters} px");
        let (newest, shown) = smallest_text(&projector, "#opened li.opened .text");
        assert!(
            shown >= 1 && newest >= 28.0,
            "{what}: {shown} messages shown, at {newest} px"
        );
        let (cards, count) = smallest_text(&projector, "li.card .name");
        assert!(
            count == 30 && cards >= 16.0,
            "{what}: {count} cards at {cards} px"
        );
        let (join, _) = smallest_text(&projector, ".join-line");
        assert!(join >= 24.0, "{what}: the join line at {join} px");
        let qr = projector
            .eval("document.getElementById('qr').getBoundingClientRect().height / innerHeight");
        assert!(
            qr.as_f64().unwrap() <= 0.2,
            "{what}: the QR code takes {qr} of the height"
        );
    }

    join_all(&class, &names[30..], 30);
    projector.wait_for(
        "document.querySelectorAll('#matrix li.card').length === 100",
        "100 cards",
        30,
    );
    for (w, h) in SIZES {
        projector.resize(w, h);
        let what = format!("100 students at {w}x{h}");
        assert_fits(&projector, &what);
        let (cards, _) = smallest_text(&projector, "li.card .name");
        assert!(cards >= 12.0, "{what}: cards at {cards} px");
    }
    assert!(projector.errors().is_empty(), "{:?}", projector.errors());
}

/// The teacher renames a student whose name the room should not see: every page and
/// the matrix show the new name from then on, also after a restart, while the record
/// (the capture, the protocol's name) is not rewritten; no one can join as, or be
/// renamed to, a name in use.
#[test]
fn the_teacher_renames_a_student_and_every_page_shows_the_new_name() {
    independent_of_rsa_backend!();
    let dir = scratch("room-rename");
    let class = Class::start(&dir, &["--seed", "33"]);
    let names = ["rude-name".to_owned(), "ben".to_owned()];
    let students = join_all(&class, &names, 0);
    let keys = directory_keys(&class);
    busy_round(&class.addr, &students, &keys, "a", 1, usize::MAX, || {});
    let cat = Tab::open(&class.student_url, &new_context(), "");
    cat.wait_for(
        "!document.getElementById('join').hidden",
        "the join form",
        20,
    );
    cat.eval(
        "document.getElementById('name').value = 'cat'; \
         document.getElementById('join-form').requestSubmit(); true",
    );
    cat.wait_for(
        "document.getElementById('to-rude-name')",
        "cat to join and see the class",
        30,
    );

    let rename = |token: Option<&str>, body: Value| class.json("POST", "/api/rename", token, &body);
    let teacher = Some(class.teacher_token.as_str());
    assert_eq!(
        rename(
            Some(&students[1].token),
            json!({ "name": "rude-name", "to": "x" })
        )
        .0,
        403
    );
    assert_eq!(rename(teacher, json!({ "name": "rude-name" })).0, 422);
    assert_eq!(
        rename(teacher, json!({ "name": "rude-name", "to": "Bad Name" })).0,
        422
    );
    assert_eq!(
        rename(teacher, json!({ "name": "rude-name", "to": "ben" })).0,
        409
    );
    assert_eq!(
        rename(teacher, json!({ "name": "nobody", "to": "x" })).0,
        404
    );
    let (status, answer) = rename(teacher, json!({ "name": "rude-name", "to": "student-1" }));
    assert_eq!(status, 200, "{answer}");
    let (_, info) = class.get("/api/class", None);
    assert_eq!(info["renamed"], json!({ "rude-name": "student-1" }));
    let key = public_keys(5)[4].clone();
    let (status, _) = class.json(
        "POST",
        "/api/join",
        None,
        &json!({ "name": "student-1", "public_key": key }),
    );
    assert_eq!(status, 409, "a given name is taken");
    let (_, matrix) = class.get("/api/matrix", None);
    let users = matrix["matrix"]["users"].to_string();
    assert!(
        users.contains("\"student-1\"") && !users.contains("rude-name"),
        "{users}"
    );
    assert!(!matrix["html"].as_str().unwrap().contains("rude-name"));

    // The student's page relabels its recipient at once (the "renamed" event).
    cat.wait_for(
        "document.querySelector('label[for=\"to-rude-name\"]').textContent.trim() === 'student-1'",
        "cat's page to show the new name",
        20,
    );
    // The projector opens the messages under the new name.
    assert_eq!(class.call("POST", "/api/leak", teacher, None).0, 200);
    let projector = class.open_projector();
    projector.wait_for(
        "document.getElementById('leak-progress').textContent.startsWith('2 of 2 ')",
        "the projector to open both messages",
        30,
    );
    let heads = projector.eval(
        "Array.from(document.querySelectorAll('#opened .head'), (p) => p.textContent).join(' | ')",
    );
    let heads = heads.as_str().unwrap();
    assert!(
        heads.contains("student-1 → ben") && !heads.contains("rude-name"),
        "{heads}"
    );
    for tab in [&cat, &projector] {
        assert!(tab.errors().is_empty(), "{:?}", tab.errors());
    }
    // The record keeps the name the student joined as: the envelopes bind it.
    let captured = capture_in_t_order(&class.dir.join("capture.jsonl"));
    assert!(captured.iter().any(|e| e["from"] == "rude-name"));
    drop(class);
    let class = Class::start(&dir, &[]);
    let (_, info) = class.get("/api/class", None);
    assert_eq!(
        info["renamed"],
        json!({ "rude-name": "student-1" }),
        "after a restart"
    );
}
