//! The live classroom under load: `cargo bench --bench classroom`.
//!
//! 300 protocol clients (tokio, HTTP/1.1, one keep-alive connection each) join one class
//! served by the release binary in a child process, then each sends 20 messages to
//! others (one in five to a group of two or three), paced under the server's limit of
//! ten a second. Reported:
//!
//! - the acceptance rate (every send should be accepted) and the refusals by status;
//! - the latency of `POST /api/send` (p50, p90, p99, max), beside two bounds measured in
//!   the same run on the same machine: a request that does no work (`GET /api/class`
//!   over the same connections) and one `fsync` of a file beside the capture, since each
//!   acknowledgement waits for one (shared by every envelope of a group commit);
//! - the server's CPU time (from /proc) as a share of one core over the sending phase,
//!   and its peak resident memory (VmHWM);
//! - the capture check: every acknowledged envelope is in capture.jsonl exactly once.
//!
//! Clients join from distinct loopback addresses (127.0.x.y), as a room's phones would,
//! so that the limit of 50 joins a minute per address applies to each as in class.
//! Keys: RSA-2048 from fixed seeds, generated once and kept under target/.
//!
//! Flags (after `--`): `--clients N`, `--messages M`, `--json`. Linux only (/proc).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde_json::{json, Value};

use doormat::crypto::aead::{self, ContentKey};
use doormat::crypto::random::Randomness;
use doormat::crypto::rsa_oaep::{PrivateKey, PublicKey};

struct Options {
    clients: usize,
    messages: usize,
    json: bool,
}

fn options() -> Options {
    let mut options = Options {
        clients: 300,
        messages: 20,
        json: false,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = |i: usize| -> usize {
            args.get(i + 1)
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| {
                    eprintln!("{} needs a whole number", args[i]);
                    std::process::exit(2)
                })
        };
        match args[i].as_str() {
            "--clients" => {
                options.clients = value(i).clamp(2, 1000);
                i += 1;
            }
            "--messages" => {
                options.messages = value(i).clamp(1, 1000);
                i += 1;
            }
            "--json" => options.json = true,
            // cargo bench passes --bench; criterion-style filters are not used here.
            _ => {}
        }
        i += 1;
    }
    options
}

/// RSA-2048 keys from seeds 0..n, kept under target/ so that later runs skip the slow
/// part. They are benchmark fixtures, not secrets.
fn client_keys(n: usize) -> Vec<PrivateKey> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/classroom-bench-keys");
    std::fs::create_dir_all(&dir).unwrap();
    (0..n)
        .into_par_iter()
        .map(|i| {
            let path = dir.join(format!("{i:04}.pem"));
            if let Ok(text) = std::fs::read_to_string(&path) {
                if let Ok(key) = PrivateKey::from_pem(&text) {
                    return key;
                }
            }
            let key = PrivateKey::generate(
                &mut Randomness::Seeded(i as u64).stream("classroom-bench"),
                2048,
            );
            std::fs::write(&path, key.to_pem().as_bytes()).unwrap();
            key
        })
        .collect()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// One client's connection, from its own loopback address.
struct Client {
    name: String,
    token: String,
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    addr: String,
}

async fn connect(
    server: SocketAddr,
    from: IpAddr,
) -> hyper::client::conn::http1::SendRequest<Full<Bytes>> {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(from, 0)).unwrap();
    let stream = socket.connect(server).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    sender
}

async fn request(
    sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    host: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<String>,
) -> (u16, Bytes) {
    sender.ready().await.unwrap();
    let mut builder = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("Host", host);
    if let Some(token) = token {
        builder = builder.header("Authorization", format!("Bearer {token}"));
    }
    if body.is_some() {
        builder = builder.header("Content-Type", "application/json");
    }
    let request = builder
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, bytes)
}

/// An envelope of wire format v1 from `from` to `to`.
fn seal(
    id: &str,
    from: &str,
    to: &[String],
    keys: &HashMap<String, PublicKey>,
    escrow: &PublicKey,
) -> String {
    let mut rng = Randomness::Os.stream("bench");
    let content = ContentKey::generate(&mut rng);
    let nonce = aead::random_nonce(&mut rng);
    let text = format!("message {id} from {from}: a classroom's worth of words, about this long");
    let ct = aead::seal(
        &content,
        &nonce,
        &doormat::wire::envelope::aad(id, from, to),
        text.as_bytes(),
    );
    let mut wrapped = serde_json::Map::new();
    for reader in std::iter::once(from).chain(to.iter().map(String::as_str)) {
        wrapped.insert(
            reader.into(),
            b64(&keys[reader].wrap(&mut rng, &content)).into(),
        );
    }
    json!({
        "v": 1, "id": id, "from": from, "to": to, "scheme": "golden-key",
        "nonce": b64(&nonce), "ct": b64(&ct), "wrapped": wrapped,
        "escrow": b64(&escrow.wrap(&mut rng, &content)),
    })
    .to_string()
}

/// CPU seconds (user + system) the process has used, from /proc/PID/stat.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    // The kernel's USER_HZ: 100 on every Linux this runs on.
    ticks / 100.0
}

/// A line of /proc/PID/status, in kB.
fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The median of 50 fsyncs of a small file in `dir`: what one group commit waits for.
fn fsync_median_ms(dir: &Path) -> f64 {
    let path = dir.join("fsync-probe");
    let mut file = std::fs::File::create(&path).unwrap();
    let mut times: Vec<f64> = (0..50)
        .map(|_| {
            file.write_all(&[b'x'; 2048]).unwrap();
            let start = Instant::now();
            file.sync_data().unwrap();
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    let _ = std::fs::remove_file(&path);
    times.sort_by(f64::total_cmp);
    percentile(&times, 50.0)
}

fn main() {
    let options = options();
    let started = Instant::now();
    eprintln!(
        "classroom bench: {} clients × {} messages",
        options.clients, options.messages
    );
    let keys = client_keys(options.clients);
    eprintln!("  keys ready ({:.1} s)", started.elapsed().as_secs_f64());

    let work = std::env::temp_dir().join(format!("doormat-classroom-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let class_dir = work.join("class");
    let mut server = Command::new(env!("CARGO_BIN_EXE_doormat"))
        .args(["classroom", "--out"])
        .arg(&class_dir)
        .args(["--bind", "127.0.0.1:0", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the doormat binary starts (cargo bench builds it)");
    let pid = server.id();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let first: Value = serde_json::from_str(&line).expect("the --json start-up line");
    let url = first["student_url"].as_str().unwrap();
    let host = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let server_addr: SocketAddr = host.parse().unwrap();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = runtime.block_on(run(&options, keys, server_addr, host, pid, &class_dir));
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&work);
    let report = json!({
        "cpu": cpu_model(),
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "clients": options.clients,
        "messages_per_client": options.messages,
        "seconds_total": started.elapsed().as_secs_f64(),
        "results": report,
    });
    if options.json {
        println!("{}", serde_json::to_string_pretty(&report).unwrap());
    } else {
        print_text(&report);
    }
}

async fn run(
    options: &Options,
    keys: Vec<PrivateKey>,
    server: SocketAddr,
    host: String,
    pid: u32,
    class_dir: &Path,
) -> Value {
    let fsync_ms = fsync_median_ms(class_dir);
    // Join: every client at once, each from its own address.
    let joins: Vec<_> = keys
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let pem = key.public_key().to_pem();
            let host = host.clone();
            tokio::spawn(async move {
                let from = IpAddr::V4(Ipv4Addr::new(
                    127,
                    0,
                    1 + (i / 250) as u8,
                    2 + (i % 250) as u8,
                ));
                let mut sender = connect(server, from).await;
                let name = format!("s{i:03}");
                let body = json!({ "name": name, "public_key": pem }).to_string();
                let (status, answer) =
                    request(&mut sender, &host, "POST", "/api/join", None, Some(body)).await;
                assert_eq!(
                    status,
                    200,
                    "join {name}: {}",
                    String::from_utf8_lossy(&answer)
                );
                let answer: Value = serde_json::from_slice(&answer).unwrap();
                Client {
                    name,
                    token: answer["token"].as_str().unwrap().to_owned(),
                    sender,
                    addr: host,
                }
            })
        })
        .collect();
    let join_started = Instant::now();
    let mut clients = Vec::new();
    for join in joins {
        clients.push(join.await.unwrap());
    }
    let join_seconds = join_started.elapsed().as_secs_f64();

    // The directory once (every client would fetch the same), then every envelope sealed
    // before the clock starts: the clients' RSA work is not the server's latency.
    let (status, directory) = request(
        &mut clients[0].sender,
        &host,
        "GET",
        "/api/directory",
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let directory: Value = serde_json::from_slice(&directory).unwrap();
    let mut public: HashMap<String, PublicKey> = HashMap::new();
    for party in directory["parties"].as_array().unwrap() {
        public.insert(
            party["name"].as_str().unwrap().to_owned(),
            PublicKey::from_pem(party["public_key_pem"].as_str().unwrap()).unwrap(),
        );
    }
    let escrow = public["escrow"].clone();
    let names: Vec<String> = clients.iter().map(|c| c.name.clone()).collect();
    let plans: Vec<Vec<(String, String)>> = (0..clients.len())
        .into_par_iter()
        .map(|c| {
            let mut rng = rand::rngs::StdRng::seed_from_u64(c as u64);
            (0..options.messages)
                .map(|m| {
                    let group = if rng.gen_range(0..5) == 0 {
                        rng.gen_range(2..=3)
                    } else {
                        1
                    };
                    let mut to: Vec<String> = Vec::new();
                    while to.len() < group {
                        let other = &names[rng.gen_range(0..names.len())];
                        if *other != names[c] && !to.contains(other) {
                            to.push(other.clone());
                        }
                    }
                    let id = format!("b{c:03}m{m:03}");
                    let body = seal(&id, &names[c], &to, &public, &escrow);
                    (id, body)
                })
                .collect()
        })
        .collect();

    // The floor: a request that does no work, over the same connections.
    let mut floor = Vec::new();
    for client in clients.iter_mut().take(100) {
        let start = Instant::now();
        let (status, _) = request(&mut client.sender, &host, "GET", "/api/class", None, None).await;
        assert_eq!(status, 200);
        floor.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    floor.sort_by(f64::total_cmp);

    // Send: each client paced at one message every 120 ms (the limit is ten a second),
    // starting at a random offset so that the room does not speak in unison.
    let cpu_before = cpu_seconds(pid);
    let send_started = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .zip(plans)
        .enumerate()
        .map(|(c, (mut client, plan))| {
            tokio::spawn(async move {
                let offset = Duration::from_millis((c as u64 * 7919) % 120);
                tokio::time::sleep(offset).await;
                let mut pace = tokio::time::interval(Duration::from_millis(120));
                let mut results = Vec::new();
                for (id, body) in plan {
                    pace.tick().await;
                    let start = Instant::now();
                    let (status, _) = request(
                        &mut client.sender,
                        &client.addr,
                        "POST",
                        "/api/send",
                        Some(&client.token),
                        Some(body),
                    )
                    .await;
                    results.push((id, status, start.elapsed().as_secs_f64() * 1000.0));
                }
                results
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.extend(task.await.unwrap());
    }
    let send_seconds = send_started.elapsed().as_secs_f64();
    let cpu = cpu_seconds(pid) - cpu_before;
    let peak_kb = status_kb(pid, "VmHWM:");
    let rss_kb = status_kb(pid, "VmRSS:");

    let mut by_status: std::collections::BTreeMap<u16, u64> = Default::default();
    for (_, status, _) in &results {
        *by_status.entry(*status).or_default() += 1;
    }
    let accepted: Vec<&String> = results
        .iter()
        .filter(|r| r.1 == 200)
        .map(|r| &r.0)
        .collect();
    let mut latencies: Vec<f64> = results.iter().filter(|r| r.1 == 200).map(|r| r.2).collect();
    latencies.sort_by(f64::total_cmp);

    // Nothing lost, nothing twice.
    let capture = std::fs::read_to_string(class_dir.join("capture.jsonl")).unwrap();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for line in capture.lines() {
        let envelope: Value = serde_json::from_str(line).unwrap();
        *counts
            .entry(envelope["id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let exactly_once = accepted.iter().all(|id| counts.get(*id) == Some(&1));
    let capture_check = exactly_once && counts.len() == accepted.len();

    json!({
        "offered": results.len(),
        "accepted": accepted.len(),
        "acceptance_rate": accepted.len() as f64 / results.len().max(1) as f64,
        "by_status": by_status,
        "join_seconds": join_seconds,
        "send_seconds": send_seconds,
        "messages_per_second": accepted.len() as f64 / send_seconds,
        "latency_ms": {
            "p50": percentile(&latencies, 50.0),
            "p90": percentile(&latencies, 90.0),
            "p99": percentile(&latencies, 99.0),
            "max": latencies.last().copied().unwrap_or(f64::NAN),
        },
        "bounds_ms": {
            "no_work_request_p50": percentile(&floor, 50.0),
            "fsync_p50": fsync_ms,
        },
        "server": {
            "cpu_seconds": cpu,
            "cpu_share_of_one_core": cpu / send_seconds,
            "peak_rss_mib": peak_kb as f64 / 1024.0,
            "rss_mib_after": rss_kb as f64 / 1024.0,
        },
        "capture_exactly_once": capture_check,
        "capture_lines": capture.lines().count(),
    })
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn print_text(report: &Value) {
    let r = &report["results"];
    let ms = |v: &Value| format!("{:.1} ms", v.as_f64().unwrap_or(f64::NAN));
    println!(
        "classroom load: {} clients × {} messages, {} ({} cores)",
        report["clients"],
        report["messages_per_client"],
        report["cpu"].as_str().unwrap_or(""),
        report["cores"]
    );
    println!(
        "  accepted      {} of {} ({:.2}%)  by status {}",
        r["accepted"],
        r["offered"],
        100.0 * r["acceptance_rate"].as_f64().unwrap_or(0.0),
        r["by_status"]
    );
    println!(
        "  joins         {:.2} s for all",
        r["join_seconds"].as_f64().unwrap_or(0.0)
    );
    println!(
        "  sending       {:.1} s, {:.0} messages/s accepted",
        r["send_seconds"].as_f64().unwrap_or(0.0),
        r["messages_per_second"].as_f64().unwrap_or(0.0)
    );
    let l = &r["latency_ms"];
    println!(
        "  send latency  p50 {}  p90 {}  p99 {}  max {}",
        ms(&l["p50"]),
        ms(&l["p90"]),
        ms(&l["p99"]),
        ms(&l["max"])
    );
    let b = &r["bounds_ms"];
    println!(
        "  bounds        a request with no work p50 {}; one fsync p50 {}",
        ms(&b["no_work_request_p50"]),
        ms(&b["fsync_p50"])
    );
    let s = &r["server"];
    println!(
        "  server        {:.1} CPU s ({:.0}% of one core), peak RSS {:.0} MiB",
        s["cpu_seconds"].as_f64().unwrap_or(0.0),
        100.0 * s["cpu_share_of_one_core"].as_f64().unwrap_or(0.0),
        s["peak_rss_mib"].as_f64().unwrap_or(0.0)
    );
    println!(
        "  capture       {} lines; every accepted envelope exactly once: {}",
        r["capture_lines"],
        if r["capture_exactly_once"] == true {
            "yes"
        } else {
            "NO"
        }
    );
    let _ = std::io::stdout().flush();
}
