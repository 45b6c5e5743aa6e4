//! What escrow costs, with criterion's rigour: `cargo bench --bench escrow`.
//!
//! The same fixtures as `doormat bench` (src/bench.rs): RSA keys generated from a fixed
//! seed, sealing with OS randomness so the preferred backend wraps. Groups:
//!
//! - `send` and `read`: one 200-byte one-to-one message under each design, each backend;
//!   `escrow-read`: the exceptional-access holder opening it;
//! - `rsa`: OAEP encrypt and decrypt at 2048, 3072 and 4096 bits, each backend;
//! - `size`: none against golden-key for 64 B, 1 KiB and 64 KiB messages;
//! - `keying`: a session's later message (no wrap) against a per-message one;
//! - `recover`: opening recorded traffic with the escrow key, in messages per second;
//! - `brute-force`: one thread searching all 2^16 keys of a short-key message no key
//!   opens, by each method, beside its bound (key expansion and one block alone), in
//!   keys per second.
//!
//! Bytes on the wire are not timings; `doormat bench` reports them, and this bench
//! prints them once on stderr.
//!
//! `DOORMAT_BENCH_QUICK=1` keeps to RSA-2048 and the preferred backend.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use doormat::attacks::brute_force::{self, Method, SearchOptions};
use doormat::attacks::{Keyring, Opener};
use doormat::bench::{self, MESSAGE_BYTES, SESSION_SIZE};
use doormat::crypto::aead::ContentKey;
use doormat::crypto::key_search::{Kernel, MAX_LANES};
use doormat::crypto::random::Randomness;
use doormat::crypto::rsa_oaep::Backend;
use doormat::schemes::ghost::GHOST_NAME;
use doormat::schemes::{self, SchemeId};
use doormat::world::traffic::SessionRef;
use doormat::world::{directory, ESCROW_NAME};

fn quick() -> bool {
    std::env::var_os("DOORMAT_BENCH_QUICK").is_some()
}

fn backends() -> Vec<Backend> {
    if quick() {
        vec![Backend::preferred()]
    } else {
        Backend::built_in()
    }
}

fn per_message(c: &mut Criterion) {
    let parties = bench::parties(2048);
    let directory = directory(&parties);
    let message = bench::message(MESSAGE_BYTES);
    let bob = Keyring::of_parties(&parties, &["bob"]);
    for backend in backends() {
        backend.prefer();
        let mut send = c.benchmark_group(format!("send/{}", backend.name()));
        for id in SchemeId::ALL {
            if schemes::design(id).on_devices() {
                let mut pair = bench::running_chat(id, &message).expect("a bench session starts");
                send.bench_function(id.as_str(), |b| b.iter(|| pair.send().expect("sends")));
                continue;
            }
            let scheme = bench::scheme(id, &parties).expect("the bench cast is complete");
            send.bench_function(id.as_str(), |b| {
                b.iter(|| bench::seal_one(scheme.as_ref(), &directory, &message))
            });
        }
        send.finish();

        let mut read = c.benchmark_group(format!("read/{}", backend.name()));
        for id in SchemeId::ALL {
            if schemes::design(id).on_devices() {
                // Every read needs a fresh message: this is send and read together.
                let mut pair = bench::running_chat(id, &message).expect("a bench session starts");
                read.bench_function(format!("{id} (send and read)"), |b| {
                    b.iter(|| {
                        let envelope = pair.send().expect("sends");
                        pair.read(&envelope).expect("reads")
                    })
                });
                continue;
            }
            let scheme = bench::scheme(id, &parties).expect("the bench cast is complete");
            let envelope = bench::seal_one(scheme.as_ref(), &directory, &message);
            eprintln!(
                "bytes on the wire, {}: {}",
                id,
                envelope.to_json_line().len() + 1
            );
            read.bench_function(id.as_str(), |b| {
                b.iter(|| assert!(bench::open_one(&bob, &envelope)))
            });
            let holder = match id {
                SchemeId::GoldenKey | SchemeId::SplitKey => ESCROW_NAME,
                SchemeId::Ghost => GHOST_NAME,
                _ => continue,
            };
            let keyring = Keyring::of_parties(&parties, &[holder]);
            read.bench_function(format!("{id} (escrow-read)"), |b| {
                b.iter(|| assert!(bench::open_one(&keyring, &envelope)))
            });
        }
        read.finish();
    }
    Backend::fastest().prefer();
}

fn rsa(c: &mut Criterion) {
    let sizes: &[usize] = if quick() {
        &[2048]
    } else {
        &[2048, 3072, 4096]
    };
    for &bits in sizes {
        let parties = bench::parties(bits);
        let key = &parties[0].key;
        let content = ContentKey::generate(&mut Randomness::Os.stream("bench"));
        let mut group = c.benchmark_group(format!("rsa/{bits}"));
        for backend in backends() {
            let mut rng = Randomness::Os.stream("bench");
            let wrapped = key.public_key().wrap_with(backend, &mut rng, &content);
            group.bench_function(BenchmarkId::new("encrypt", backend.name()), |b| {
                b.iter(|| key.public_key().wrap_with(backend, &mut rng, &content))
            });
            group.bench_function(BenchmarkId::new("decrypt", backend.name()), |b| {
                b.iter(|| key.unwrap_key_with(backend, &wrapped).expect("opens"))
            });
        }
        group.finish();
    }
}

fn sizes_and_keying(c: &mut Criterion) {
    let parties = bench::parties(2048);
    let directory = directory(&parties);
    let none = bench::scheme(SchemeId::None, &parties).expect("cast");
    let golden = bench::scheme(SchemeId::GoldenKey, &parties).expect("cast");
    let mut group = c.benchmark_group("size");
    for bytes in [64, 1024, 65536] {
        let message = bench::message(bytes);
        group.throughput(Throughput::Bytes(bytes as u64));
        for scheme in [&none, &golden] {
            group.bench_function(BenchmarkId::new(scheme.id().as_str(), bytes), |b| {
                b.iter(|| bench::seal_one(scheme.as_ref(), &directory, &message))
            });
        }
    }
    group.finish();

    let mut later = bench::message(MESSAGE_BYTES);
    later.session = Some(SessionRef {
        id: "s000001".into(),
        first: false,
    });
    let key = ContentKey::generate(&mut Randomness::Os.stream("bench"));
    let mut group = c.benchmark_group("keying");
    for scheme in [&none, &golden] {
        let message = bench::message(MESSAGE_BYTES);
        group.bench_function(BenchmarkId::new("per message", scheme.id().as_str()), |b| {
            b.iter(|| bench::seal_one(scheme.as_ref(), &directory, &message))
        });
        let mut rng = Randomness::Os.stream("bench");
        group.bench_function(
            BenchmarkId::new(
                format!("later message of a session of {SESSION_SIZE}"),
                scheme.id().as_str(),
            ),
            |b| {
                b.iter(|| schemes::seal(scheme.as_ref(), &directory, &later, &key, false, &mut rng))
            },
        );
    }
    group.finish();
}

fn recover(c: &mut Criterion) {
    let parties = bench::parties(2048);
    let directory = directory(&parties);
    let golden = bench::scheme(SchemeId::GoldenKey, &parties).expect("cast");
    let escrow = Keyring::of_parties(&parties, &[ESCROW_NAME]);
    for backend in backends() {
        backend.prefer();
        let mut group = c.benchmark_group(format!("recover/{}", backend.name()));
        for (keying, count, session) in [
            ("per message", 512, 1),
            ("per session", 20_000, SESSION_SIZE),
        ] {
            let envelopes = bench::recorded(golden.as_ref(), &directory, count, session);
            group.throughput(Throughput::Elements(count as u64));
            group.bench_function(keying, |b| {
                b.iter(|| {
                    let mut opener = Opener::new(&escrow);
                    envelopes
                        .chunks(4096)
                        .map(|batch| opener.open_batch(batch).len())
                        .sum::<usize>()
                })
            });
        }
        group.finish();
    }
    Backend::fastest().prefer();
}

fn brute_force(c: &mut Criterion) {
    const KEYS: u64 = 1 << 16;
    let envelope = brute_force::unopenable_envelope(MESSAGE_BYTES);
    let mut group = c.benchmark_group("brute-force");
    group.throughput(Throughput::Elements(KEYS));
    for kernel in Kernel::available() {
        group.bench_function(format!("bound ({})", kernel.name()), |b| {
            let mut keys = [[0x5a; 32]; MAX_LANES];
            let mut out = [[0u8; 16]; MAX_LANES];
            b.iter(|| {
                let mut sink = 0u8;
                for first in (0..KEYS).step_by(kernel.lanes()) {
                    for (lane, key) in keys[..kernel.lanes()].iter_mut().enumerate() {
                        key[24..].copy_from_slice(&(first + lane as u64).to_be_bytes());
                    }
                    kernel.encrypt_block(&keys, &[0; 16], &mut out);
                    for block in &out[..kernel.lanes()] {
                        sink ^= block[0];
                    }
                }
                sink
            })
        });
    }
    let kernels = Kernel::available().into_iter().map(Method::of_kernel);
    for method in kernels.chain([Method::Portable, Method::FullOpen]) {
        let options = SearchOptions {
            method,
            threads: Some(1),
            time_limit: None,
        };
        let name = serde_json::to_value(method).expect("a method serialises");
        group.bench_function(name.as_str().unwrap_or("method"), |b| {
            b.iter(|| {
                brute_force::brute_force(&envelope, 16, &options, &|_, _| {})
                    .expect("searches")
                    .keys_tried
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = per_message, rsa, sizes_and_keying, recover, brute_force
}
criterion_main!(benches);
