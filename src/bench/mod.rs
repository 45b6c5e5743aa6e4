//! What escrow costs, measured: the fixtures and the timing loop behind `doormat bench`.
//! The criterion benches in `benches/` build on the same fixtures.
//!
//! Every figure is a median: an operation runs in five batches of about a fifth of the
//! time budget each, and the middle batch's time per operation is reported. Everything
//! runs on one thread except the mass-recovery rows, which say how many threads they used.

mod estimate;
mod searches;
// Estimates of long commands, from short measurements; callers keep `bench::X`.
pub use estimate::*;
use searches::{brute_force_bench, dual_ec_bench, gpu_bench};
pub use searches::{
    BruteForceBench, BruteForceRow, DualEcBench, GpuBench, GpuSection, KernelBound,
};

use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;

use crate::attacks::brute_force::{
    bound_keys_per_second, brute_force, unopenable_envelope, Method, SearchOptions,
};
use crate::attacks::{Keyring, Opener, Outcome};
use crate::crypto::aead::{self, ContentKey};
use crate::crypto::random::Randomness;
use crate::crypto::rsa_oaep::Backend;
use crate::error::{Error, Result};
use crate::schemes::network::RunningChat;
use crate::schemes::registry::Inputs;
use crate::schemes::{self, Directory, Scheme, SchemeId, SchemeParams, DESIGNS};
use crate::wire::envelope::Envelope;
use crate::wire::world_file::Role;
use crate::world::traffic::{Message, SessionRef};
use crate::world::{directory, generate_parties, Party, ESCROW_NAME};

/// The message most rows measure: one-to-one, 200 bytes of text.
pub const MESSAGE_BYTES: usize = 200;
/// Messages per session in the per-session keying rows.
pub const SESSION_SIZE: u64 = 100;

/// What escrow costs is measured as the flagship design against the one without
/// escrow: the pair the sizes, recovery and ratio columns compare.
pub const WITH_ESCROW: SchemeId = SchemeId::FLAGSHIP;
/// The design the ratios are of (see [`WITH_ESCROW`]).
pub const WITHOUT_ESCROW: SchemeId = SchemeId::BASELINE;

/// What the numbers were measured on.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    /// CPU model.
    pub cpu: String,
    /// Logical cores.
    pub cores: usize,
    /// Operating system.
    pub os: &'static str,
    /// Architecture.
    pub arch: &'static str,
    /// doormat's version.
    pub doormat: &'static str,
}

impl Machine {
    /// This machine.
    pub fn describe() -> Machine {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|text| {
                text.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, name)| name.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown CPU".to_owned());
        Machine {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            os: std::env::consts::OS,
            arch: std::env::consts::ARCH,
            doormat: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// How long to measure.
#[derive(Debug, Clone, Copy)]
pub struct BenchOptions {
    /// About a minute in all, RSA-2048 only, fewer envelopes to recover.
    pub quick: bool,
}

impl BenchOptions {
    /// How many times [`run`] reports progress: for a progress bar's length.
    pub fn steps(&self) -> u64 {
        (Backend::built_in().len() * (self.key_sizes().len() + 2) + 5) as u64
    }

    fn budget(&self) -> Duration {
        Duration::from_millis(if self.quick { 100 } else { 400 })
    }
    /// How long each brute-force rate is measured.
    fn brute_force_window(&self) -> Duration {
        Duration::from_millis(if self.quick { 300 } else { 1000 })
    }
    fn key_sizes(&self) -> &'static [usize] {
        if self.quick {
            &[2048]
        } else {
            &[2048, 3072, 4096]
        }
    }
    fn recovered_envelopes(&self) -> usize {
        if self.quick {
            1000
        } else {
            4000
        }
    }
}

/// One RSA operation's speed on one backend.
#[derive(Debug, Clone, Serialize)]
pub struct PrimitiveRow {
    /// The backend.
    pub backend: Backend,
    /// The operation.
    pub operation: String,
    /// Operations per second, one thread.
    pub per_second: f64,
}

/// AES-256-GCM throughput (the `aes-gcm` crate, whatever the RSA backend).
#[derive(Debug, Clone, Serialize)]
pub struct AeadRow {
    /// Message size.
    pub message_bytes: usize,
    /// Sealing speed.
    pub seal_mb_per_second: f64,
    /// Opening speed.
    pub open_mb_per_second: f64,
}

/// One design's cost per message, RSA-2048, a 200-byte one-to-one message.
#[derive(Debug, Clone, Serialize)]
pub struct SchemeRow {
    /// The RSA backend.
    pub backend: Backend,
    /// The design.
    pub scheme: SchemeId,
    /// Sealing: content key, AES-256-GCM, every wrap the design adds.
    pub send_us: f64,
    /// `send_us` over the same figure for `none`.
    pub send_ratio: f64,
    /// The recipient opening it.
    pub read_us: f64,
    /// The exceptional-access holder opening it, where the envelope carries its slot.
    pub escrow_read_us: Option<f64>,
    /// The envelope as one line of `capture.jsonl`.
    pub bytes: usize,
    /// `bytes` over `none`'s.
    pub bytes_ratio: f64,
}

/// Cost by message size, none against golden-key, on the preferred backend.
#[derive(Debug, Clone, Serialize)]
pub struct SizeRow {
    /// Message size.
    pub message_bytes: usize,
    /// µs to seal under `none`.
    pub none_send_us: f64,
    /// µs to seal under `golden-key`.
    pub golden_send_us: f64,
    /// Their ratio.
    pub send_ratio: f64,
    /// Envelope bytes under `none`.
    pub none_bytes: usize,
    /// Envelope bytes under `golden-key`.
    pub golden_bytes: usize,
    /// Their ratio.
    pub bytes_ratio: f64,
}

/// Per-message against per-session keying, RSA-2048, 200-byte messages.
#[derive(Debug, Clone, Serialize)]
pub struct KeyingRow {
    /// `per-message`, or a session size.
    pub keying: String,
    /// µs per message under `none`.
    pub none_send_us: f64,
    /// µs per message under `golden-key`.
    pub golden_send_us: f64,
    /// Their ratio.
    pub send_ratio: f64,
    /// Bytes per message under `none`.
    pub none_bytes: f64,
    /// Bytes per message under `golden-key`.
    pub golden_bytes: f64,
    /// Their ratio.
    pub bytes_ratio: f64,
}

/// Opening a recorded capture with the escrow key.
#[derive(Debug, Clone, Serialize)]
pub struct RecoveryRow {
    /// The RSA backend.
    pub backend: Backend,
    /// The keying.
    pub keying: String,
    /// Threads.
    pub threads: usize,
    /// Envelopes opened.
    pub envelopes: usize,
    /// The rate: the faster of two runs (one under `--quick`).
    pub messages_per_second: f64,
    /// The same keying's cryptography alone on the same threads: an RSA-OAEP unwrap per
    /// content key and an AES-256-GCM open per message, nothing else (no parsing, no
    /// batches, no key lookup). It and the rate are each the faster of two runs, taken
    /// in turn (one each under `--quick`); where a recovery was faster than every run
    /// of the bound, that recovery sets it (`searches::fastest_work`).
    pub bound_messages_per_second: f64,
    /// `messages_per_second` over `bound_messages_per_second`: at most 1.
    pub share_of_bound: f64,
    /// Whether a recovery set the bound.
    pub bound_set_by_search: bool,
}

/// Everything `doormat bench` measured.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// Where it ran.
    pub machine: Machine,
    /// RSA backends measured.
    pub backends: Vec<Backend>,
    /// The backend doormat uses.
    pub preferred: Backend,
    /// How each figure was measured.
    pub method: String,
    /// Primitive operations per backend.
    pub primitives: Vec<PrimitiveRow>,
    /// AES-256-GCM by message size.
    pub aead: Vec<AeadRow>,
    /// Each design on each backend: one message sent and read.
    pub schemes: Vec<SchemeRow>,
    /// `none` against `golden-key` by message size.
    pub sizes: Vec<SizeRow>,
    /// Per message against per session keying.
    pub keying: Vec<KeyingRow>,
    /// Mass recovery with the escrow key.
    pub recovery: Vec<RecoveryRow>,
    /// The key search against its bound.
    pub brute_force: BruteForceBench,
    /// The key search on a GPU against its bound, or why there is none.
    pub gpu: GpuSection,
    /// The Dual_EC state search against its bound.
    pub dual_ec: DualEcBench,
    /// One core's rates, as `doormat scale` measures them: `scale --rates FILE` reads
    /// them from a saved report, so that a rehearsal and the class show the same sums.
    pub rates: Rates,
    /// Every figure's spread over its batches or runs: min, median and max.
    pub spread: Vec<Spread>,
    /// How busy the machine was, and whether that makes the figures less sure.
    pub load: Load,
    /// Wall-clock time of the whole bench.
    pub seconds: f64,
}

/// Median seconds per call of `op`, over five batches of about `budget / 5` each.
pub fn time_per_op(budget: Duration, op: impl FnMut()) -> f64 {
    batch_times(budget, op)[2]
}

/// Seconds per call of `op` in each of five batches of about `budget / 5`, fastest
/// first.
fn batch_times(budget: Duration, mut op: impl FnMut()) -> [f64; 5] {
    // One call to warm up (first calls pay for lazy set-up, such as seeding a random
    // generator), one to size the batches.
    op();
    let started = Instant::now();
    op();
    let once = started.elapsed().as_secs_f64().max(1e-9);
    let per_batch = budget.as_secs_f64() / 5.0;
    let calls = ((per_batch / once) as u64).clamp(1, 1_000_000);
    let mut batches = [0.0; 5].map(|_: f64| {
        let started = Instant::now();
        for _ in 0..calls {
            op();
        }
        started.elapsed().as_secs_f64() / calls as f64
    });
    batches.sort_by(f64::total_cmp);
    batches
}

/// "1 thread", "16 threads".
fn thread_count(threads: usize) -> String {
    match threads {
        1 => "1 thread".to_owned(),
        n => format!("{n} threads"),
    }
}

/// One figure's spread: the least, middle and greatest of the batches or runs it was
/// measured in, in its own unit.
#[derive(Debug, Clone, Serialize)]
pub struct Spread {
    /// What was measured, in words ("AES-256-GCM seal, 64 B", "brute force, 2
    /// threads: search").
    pub figure: String,
    /// `s/op` (seconds per operation: the report's rates and times are made from the
    /// median), `keys/s`, `messages/s` or `per s`.
    pub unit: &'static str,
    /// How many batches or runs.
    pub samples: usize,
    /// The least.
    pub min: f64,
    /// The middle one (of an even count, the upper middle).
    pub median: f64,
    /// The greatest.
    pub max: f64,
}

impl Spread {
    /// `(max - min) / median`: 0.1 means the batches differ by 10% of the figure.
    pub fn relative(&self) -> f64 {
        if self.median > 0.0 {
            (self.max - self.min) / self.median
        } else {
            0.0
        }
    }
}

/// A spread above this makes the run "busy": its figures are less sure than their
/// digits suggest.
pub const BUSY_SPREAD: f64 = 0.25;

/// Every figure's spread, collected while the bench runs.
#[derive(Debug, Default)]
pub struct Spreads(std::cell::RefCell<Vec<Spread>>);

impl Spreads {
    /// [`time_per_op`], keeping the spread of its batches as `figure`.
    pub fn time(&self, figure: impl Into<String>, budget: Duration, op: impl FnMut()) -> f64 {
        let batches = batch_times(budget, op);
        self.record(figure, "s/op", &batches);
        batches[2]
    }

    /// Keeps the spread of `values` (at least one), measured in `unit`, as `figure`.
    pub fn record(&self, figure: impl Into<String>, unit: &'static str, values: &[f64]) {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        if let (Some(&min), Some(&max)) = (sorted.first(), sorted.last()) {
            self.0.borrow_mut().push(Spread {
                figure: figure.into(),
                unit,
                samples: sorted.len(),
                min,
                median: sorted[sorted.len() / 2],
                max,
            });
        }
    }

    fn into_vec(self) -> Vec<Spread> {
        self.0.into_inner()
    }
}

/// How busy the machine was while the bench ran: the load average before and after
/// (where the system tells it), and the widest spread of any figure.
#[derive(Debug, Clone, Serialize)]
pub struct Load {
    /// The one-minute load average when the bench began (Linux: /proc/loadavg).
    pub load_average_before: Option<f64>,
    /// The same when it ended; the bench's own threads count in it.
    pub load_average_after: Option<f64>,
    /// The figure whose batches or runs differed most, relative to its median.
    pub widest_figure: Option<String>,
    /// That figure's `(max - min) / median`.
    pub widest_spread: f64,
    /// The load average was above the core count before or after, or a figure spread
    /// more than [`BUSY_SPREAD`]: run the bench again on a quiet machine before quoting
    /// it.
    pub busy: bool,
}

impl Load {
    /// The one-minute load average, where the system says.
    pub fn average() -> Option<f64> {
        std::fs::read_to_string("/proc/loadavg")
            .ok()?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    }

    fn judge(before: Option<f64>, after: Option<f64>, cores: usize, spreads: &[Spread]) -> Load {
        let widest = spreads
            .iter()
            .max_by(|a, b| a.relative().total_cmp(&b.relative()));
        let widest_spread = widest.map_or(0.0, Spread::relative);
        let loaded = [before, after]
            .iter()
            .flatten()
            .any(|&load| load > cores as f64);
        Load {
            load_average_before: before,
            load_average_after: after,
            widest_figure: widest.map(|w| w.figure.clone()),
            widest_spread,
            busy: loaded || widest_spread > BUSY_SPREAD,
        }
    }
}

/// Parties with seeded RSA keys of `bits` bits: alice, bob, and every party a design
/// adds (the escrow authority, the vendor, the ghost). Seeded so that key generation is
/// the same every run; sealing uses OS randomness, so the preferred backend does the
/// wrapping.
pub fn parties(bits: usize) -> Vec<Party> {
    let mut names = vec![
        ("alice".to_owned(), Role::User),
        ("bob".to_owned(), Role::User),
    ];
    for design in DESIGNS {
        for (name, role) in design.parties() {
            if !names.iter().any(|(n, _)| n == name) {
                names.push(((*name).to_owned(), *role));
            }
        }
    }
    generate_parties(&names, bits, &Randomness::Seeded(2024))
}

/// A one-to-one message from alice to bob of `bytes` bytes.
pub fn message(bytes: usize) -> Message {
    Message {
        id: "m000001".into(),
        t: 1,
        from: "alice".into(),
        to: vec!["bob".into()],
        text: "x".repeat(bytes),
        session: None,
    }
}

/// The design `id` sealing among `parties` (not forward-secret, which seals on devices).
pub fn scheme(id: SchemeId, parties: &[Party]) -> Result<Box<dyn Scheme>> {
    let users = ["alice".to_owned(), "bob".to_owned()];
    // Three agents, two of whom rebuild the key; the ghost reads alice's conversations
    // from the start; every other parameter its design's default.
    let fields = serde_json::json!({ "agents": 3, "threshold": 2, "ghost_after": 0, "ghost_target": "alice" });
    let params = SchemeParams::from_fields(&[id], fields.as_object().expect("an object"), None)?;
    schemes::design(id)
        .build(&Inputs {
            users: &users,
            parties,
            params: &params,
            messages: 1,
            randomness: &Randomness::Seeded(2024),
        })?
        .sealer
        .ok_or_else(|| Error::Internal(format!("{id} is measured on devices")))
}

/// Seals `message` once, with a fresh content key.
pub fn seal_one(scheme: &dyn Scheme, directory: &Directory, message: &Message) -> Envelope {
    let mut rng = Randomness::Os.stream("bench");
    // A design whose devices carry generator state draws from it, as it would.
    if let Some(draw) = scheme
        .device_draws(std::slice::from_ref(message))
        .and_then(|mut draws| draws.pop())
    {
        return schemes::seal_drawn(scheme, directory, message, draw, &mut rng);
    }
    let key = scheme.new_content_key(&mut rng);
    schemes::seal(scheme, directory, message, &key, true, &mut rng)
}

/// Opens one envelope with `keyring`: whether it opened. (A benchmark of a failure would
/// measure nothing useful, so callers check.)
pub fn open_one(keyring: &Keyring, envelope: &Envelope) -> bool {
    let outcome = Opener::new(keyring).open_batch(std::slice::from_ref(envelope));
    matches!(outcome.first(), Some(Outcome::Opened(_)))
}

/// Runs everything. `progress` hears each step's name.
pub fn run(options: &BenchOptions, progress: &mut dyn FnMut(&str)) -> Result<BenchReport> {
    let started = Instant::now();
    let load_before = Load::average();
    let spreads = Spreads::default();
    let budget = options.budget();
    let backends = Backend::built_in();
    let preferred = Backend::preferred();
    let mut primitives = Vec::new();
    let mut scheme_rows = Vec::new();
    let mut recovery = Vec::new();
    let parties_2048 = parties(2048);

    for &backend in &backends {
        backend.prefer();
        for &bits in options.key_sizes() {
            progress(&format!("RSA-{bits} on {}", backend.name()));
            let keys = if bits == 2048 {
                parties_2048.clone()
            } else {
                parties(bits)
            };
            let key = &keys[0].key;
            let content = ContentKey::generate(&mut Randomness::Os.stream("bench"));
            let mut rng = Randomness::Os.stream("bench");
            let wrapped = key.public_key().wrap_with(backend, &mut rng, &content);
            let on = backend.name();
            let encrypt = spreads.time(format!("RSA-{bits} OAEP encrypt, {on}"), budget, || {
                std::hint::black_box(key.public_key().wrap_with(backend, &mut rng, &content));
            });
            let decrypt = spreads.time(format!("RSA-{bits} OAEP decrypt, {on}"), budget, || {
                std::hint::black_box(key.unwrap_key_with(backend, &wrapped).is_ok());
            });
            primitives.push(PrimitiveRow {
                backend,
                operation: format!("RSA-{bits} OAEP encrypt"),
                per_second: 1.0 / encrypt,
            });
            primitives.push(PrimitiveRow {
                backend,
                operation: format!("RSA-{bits} OAEP decrypt"),
                per_second: 1.0 / decrypt,
            });
        }
        progress(&format!("designs on {}", backend.name()));
        scheme_rows.extend(scheme_rows_for(backend, &parties_2048, (budget, &spreads))?);
        progress(&format!("mass recovery on {}", backend.name()));
        recovery.extend(recovery_rows(backend, &parties_2048, options, &spreads)?);
    }
    preferred.prefer();

    progress("AES-256-GCM");
    let mut aead_rows = Vec::new();
    for bytes in [64, 1024, 65536] {
        let key = ContentKey::generate(&mut Randomness::Os.stream("bench"));
        let text = vec![7u8; bytes];
        let sealed = aead::seal(&key, &[1; 12], b"ad", &text);
        let seal = spreads.time(format!("AES-256-GCM seal, {bytes} B"), budget, || {
            std::hint::black_box(aead::seal(&key, &[1; 12], b"ad", &text));
        });
        let open = spreads.time(format!("AES-256-GCM open, {bytes} B"), budget, || {
            std::hint::black_box(aead::open(&key, &[1; 12], b"ad", &sealed).is_ok());
        });
        aead_rows.push(AeadRow {
            message_bytes: bytes,
            seal_mb_per_second: bytes as f64 / seal / 1e6,
            open_mb_per_second: bytes as f64 / open / 1e6,
        });
    }

    progress("message sizes and keying");
    let directory = directory(&parties_2048);
    let none = scheme(WITHOUT_ESCROW, &parties_2048)?;
    let golden = scheme(WITH_ESCROW, &parties_2048)?;
    let mut sizes = Vec::new();
    for bytes in [64, 1024, 65536] {
        let message = message(bytes);
        let none_send = spreads.time(format!("none send, {bytes} B"), budget, || {
            std::hint::black_box(seal_one(none.as_ref(), &directory, &message));
        });
        let golden_send = spreads.time(format!("golden-key send, {bytes} B"), budget, || {
            std::hint::black_box(seal_one(golden.as_ref(), &directory, &message));
        });
        let none_bytes = line_bytes(&seal_one(none.as_ref(), &directory, &message));
        let golden_bytes = line_bytes(&seal_one(golden.as_ref(), &directory, &message));
        sizes.push(SizeRow {
            message_bytes: bytes,
            none_send_us: none_send * 1e6,
            golden_send_us: golden_send * 1e6,
            send_ratio: golden_send / none_send,
            none_bytes,
            golden_bytes,
            bytes_ratio: golden_bytes as f64 / none_bytes as f64,
        });
    }
    let keying = keying_rows(
        none.as_ref(),
        golden.as_ref(),
        &directory,
        (budget, &spreads),
    );

    progress("brute force against its bound");
    let brute_force = brute_force_bench(options.brute_force_window(), &spreads)?;

    progress("brute force on a GPU against its bound");
    let gpu = gpu_bench(options.brute_force_window(), &spreads)?;

    progress("Dual_EC state recovery against its bound");
    let dual_ec = dual_ec_bench(if options.quick { 1 } else { 3 }, &spreads)?;

    progress("one core's rates, for doormat scale");
    let rates = estimate::measure_rates_into(budget, &spreads)?;

    let spread = spreads.into_vec();
    let machine = Machine::describe();
    let load = Load::judge(load_before, Load::average(), machine.cores, &spread);
    Ok(BenchReport {
        machine,
        backends,
        preferred,
        method: format!(
            "median of 5 batches of about {} ms each; one thread except mass recovery; \
             RSA keys seeded, padding and content keys from the OS",
            budget.as_millis() / 5
        ),
        primitives,
        aead: aead_rows,
        schemes: scheme_rows,
        sizes,
        keying,
        recovery,
        brute_force,
        gpu,
        dual_ec,
        rates,
        load,
        spread,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn line_bytes(envelope: &Envelope) -> usize {
    envelope.to_json_line().len() + 1
}

fn scheme_rows_for(
    backend: Backend,
    parties: &[Party],
    (budget, spreads): (Duration, &Spreads),
) -> Result<Vec<SchemeRow>> {
    let directory = directory(parties);
    let message = message(MESSAGE_BYTES);
    let bob = Keyring::of_parties(parties, &["bob"]);
    let mut rows: Vec<SchemeRow> = Vec::new();
    for id in DESIGNS.iter().map(|d| d.id()) {
        if schemes::design(id).on_devices() {
            rows.push(on_devices_row(id, backend, (budget, spreads), &message)?);
            continue;
        }
        let scheme = scheme(id, parties)?;
        let envelope = seal_one(scheme.as_ref(), &directory, &message);
        let on = backend.name();
        let send = spreads.time(format!("{id} send, {on}"), budget, || {
            std::hint::black_box(seal_one(scheme.as_ref(), &directory, &message));
        });
        let mut opened = true;
        let read = spreads.time(format!("{id} read, {on}"), budget, || {
            opened &= open_one(&bob, &envelope)
        });
        // The party that reads envelopes by exceptional access: an escrow key, or a
        // hidden participant (a vendor's key opens its vault, not envelopes).
        // (workfactor's agency key reads 24 bits of a key, not a key: its search is the
        // brute-force table's.)
        let holder = schemes::design(id)
            .parties()
            .iter()
            .find(|(_, role)| *role == Role::Escrow)
            .filter(|_| {
                schemes::design(id)
                    .key_search(&SchemeParams::default())
                    .is_none()
            });
        let escrow_read = holder.map(|(name, _)| {
            let keyring = Keyring::of_parties(parties, &[name]);
            let figure = format!("{id} escrow read, {on}");
            spreads.time(figure, budget, || opened &= open_one(&keyring, &envelope)) * 1e6
        });
        if !opened {
            return Err(Error::Internal(format!(
                "a {id} bench envelope did not open"
            )));
        }
        rows.push(SchemeRow {
            backend,
            scheme: id,
            send_us: send * 1e6,
            send_ratio: 0.0,
            read_us: read * 1e6,
            escrow_read_us: escrow_read,
            bytes: line_bytes(&envelope),
            bytes_ratio: 0.0,
        });
    }
    let (base_send, base_bytes) = rows
        .iter()
        .find(|r| r.scheme == WITHOUT_ESCROW)
        .map(|r| (r.send_us, r.bytes as f64))
        .ok_or_else(|| Error::Internal("no baseline row".into()))?;
    for row in &mut rows {
        row.send_ratio = row.send_us / base_send;
        row.bytes_ratio = row.bytes as f64 / base_bytes;
    }
    Ok(rows)
}

/// The running chat of `id`, a design that seals on the devices.
pub fn running_chat(id: SchemeId, message: &Message) -> Result<Box<dyn RunningChat>> {
    schemes::design(id)
        .running_chat(message)
        .unwrap_or_else(|| Err(Error::Internal(format!("{id} has no running chat"))))
}

/// A design that seals on the devices: sending advances the sender's chain; reading is
/// measured as (send and read) minus send, since every read needs a fresh message. Each
/// measurement has its own chat, so that the reader never falls more than a few keys
/// behind.
fn on_devices_row(
    id: SchemeId,
    backend: Backend,
    (budget, spreads): (Duration, &Spreads),
    message: &Message,
) -> Result<SchemeRow> {
    let mut pair = running_chat(id, message)?;
    let mut ok = true;
    let on = backend.name();
    let send = spreads.time(format!("{id} send, {on}"), budget, || {
        ok &= std::hint::black_box(pair.send()).is_ok()
    });
    let mut pair = running_chat(id, message)?;
    let both = spreads.time(format!("{id} send and read, {on}"), budget, || {
        ok &= pair.send().and_then(|e| pair.read(&e)).is_ok();
    });
    if !ok {
        return Err(Error::Internal(format!(
            "a {id} bench message did not open"
        )));
    }
    Ok(SchemeRow {
        backend,
        scheme: id,
        send_us: send * 1e6,
        send_ratio: 0.0,
        read_us: (both - send).max(0.0) * 1e6,
        escrow_read_us: None,
        bytes: line_bytes(&pair.send()?),
        bytes_ratio: 0.0,
    })
}

fn keying_rows(
    none: &dyn Scheme,
    golden: &dyn Scheme,
    directory: &Directory,
    (budget, spreads): (Duration, &Spreads),
) -> Vec<KeyingRow> {
    let first = message(MESSAGE_BYTES);
    let mut later = message(MESSAGE_BYTES);
    later.session = Some(SessionRef {
        id: "s000001".into(),
        first: false,
    });
    let key = ContentKey::generate(&mut Randomness::Os.stream("bench"));
    let later_cost = |scheme: &dyn Scheme| {
        let mut rng = Randomness::Os.stream("bench");
        let figure = format!("{} send, later in a session", scheme.id());
        let seconds = spreads.time(figure, budget, || {
            std::hint::black_box(schemes::seal(
                scheme, directory, &later, &key, false, &mut rng,
            ));
        });
        let bytes = line_bytes(&schemes::seal(
            scheme, directory, &later, &key, false, &mut rng,
        ));
        (seconds, bytes as f64)
    };
    let first_cost = |scheme: &dyn Scheme| {
        let figure = format!("{} send, first in a session", scheme.id());
        let seconds = spreads.time(figure, budget, || {
            std::hint::black_box(seal_one(scheme, directory, &first));
        });
        (
            seconds,
            line_bytes(&seal_one(scheme, directory, &first)) as f64,
        )
    };
    let (none_first, none_first_bytes) = first_cost(none);
    let (golden_first, golden_first_bytes) = first_cost(golden);
    let (none_later, none_later_bytes) = later_cost(none);
    let (golden_later, golden_later_bytes) = later_cost(golden);
    let n = SESSION_SIZE as f64;
    let per_session = |first: f64, later: f64| (first + (n - 1.0) * later) / n;
    let row =
        |keying: String, none_send: f64, golden_send: f64, none_bytes: f64, golden_bytes: f64| {
            KeyingRow {
                keying,
                none_send_us: none_send * 1e6,
                golden_send_us: golden_send * 1e6,
                send_ratio: golden_send / none_send,
                none_bytes,
                golden_bytes,
                bytes_ratio: golden_bytes / none_bytes,
            }
        };
    vec![
        row(
            "per message".to_owned(),
            none_first,
            golden_first,
            none_first_bytes,
            golden_first_bytes,
        ),
        row(
            format!("per session of {SESSION_SIZE}"),
            per_session(none_first, none_later),
            per_session(golden_first, golden_later),
            per_session(none_first_bytes, none_later_bytes),
            per_session(golden_first_bytes, golden_later_bytes),
        ),
    ]
}

/// `count` golden-key envelopes of 200-byte messages, keyed per message (`session` 1)
/// or per session of `session` messages.
pub fn recorded(
    scheme: &dyn Scheme,
    directory: &Directory,
    count: usize,
    session: u64,
) -> Vec<Envelope> {
    (0..count)
        .into_par_iter()
        .map(|i| {
            let mut m = message(MESSAGE_BYTES);
            m.id = format!("m{:06}", i + 1);
            m.t = i as u64 + 1;
            let mut rng = Randomness::Os.stream("bench");
            if session <= 1 {
                let key = scheme.new_content_key(&mut rng);
                return schemes::seal(scheme, directory, &m, &key, true, &mut rng);
            }
            let s = i as u64 / session;
            let first = (i as u64).is_multiple_of(session);
            m.session = Some(SessionRef {
                id: format!("s{:06}", s + 1),
                first,
            });
            // Every message of a session shares its key: derive it from the session.
            let key = scheme.new_content_key(&mut Randomness::Seeded(s).stream("bench/session"));
            schemes::seal(scheme, directory, &m, &key, first, &mut rng)
        })
        .collect()
}

/// Envelopes recorded under golden-key, opened with the escrow key on 1 thread and on
/// every core, per-message keyed and per-session keyed.
fn recovery_rows(
    backend: Backend,
    parties: &[Party],
    options: &BenchOptions,
    spreads: &Spreads,
) -> Result<Vec<RecoveryRow>> {
    let directory = directory(parties);
    let golden = scheme(WITH_ESCROW, parties)?;
    let n = options.recovered_envelopes();
    let escrow = Keyring::of_parties(parties, &[ESCROW_NAME]);
    let escrow_key = &parties
        .iter()
        .find(|p| p.name == ESCROW_NAME)
        .ok_or_else(|| Error::Internal("the bench's parties hold no escrow key".into()))?
        .key;
    // The bound's work on `envelopes`, whose content keys (one per session) and
    // associated data are worked out beforehand: each escrow wrap unwrapped, each
    // ciphertext opened, nothing else.
    // The unwraps first, then the opens, each spread evenly over the threads.
    let bound = |envelopes: &[Envelope], keys: &[(ContentKey, Vec<u8>)]| {
        envelopes
            .par_iter()
            .filter_map(|envelope| envelope.escrow.as_ref())
            .for_each(|escrow| {
                std::hint::black_box(escrow_key.unwrap_key_with(backend, escrow).is_ok());
            });
        envelopes
            .par_iter()
            .zip(keys)
            .for_each(|(envelope, (key, aad))| {
                std::hint::black_box(aead::open(key, &envelope.nonce, aad, &envelope.ct).is_ok());
            });
    };
    let mut rows = Vec::new();
    for (keying, session) in [("per message", 1u64), ("per session of 100", SESSION_SIZE)] {
        let count = if session == 1 { n } else { n * 10 };
        let envelopes = recorded(golden.as_ref(), &directory, count, session);
        let mut session_key = None;
        let keys: Vec<(ContentKey, Vec<u8>)> = envelopes
            .iter()
            .map(|envelope| {
                if let Some(escrow) = &envelope.escrow {
                    session_key = escrow_key.unwrap_key_with(backend, escrow).ok();
                }
                let key = session_key.clone().ok_or_else(|| {
                    Error::Internal(format!("{} has no content key to open", envelope.id))
                })?;
                Ok((key, envelope.aad()))
            })
            .collect::<Result<_>>()?;
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        let mut thread_counts = vec![1];
        if cores > 1 {
            thread_counts.push(cores);
        }
        for threads in thread_counts {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .map_err(|e| Error::Internal(e.to_string()))?;
            // The recovery and its bound in turn, twice each on the same threads (once
            // under --quick), keeping the faster of each: a moment of load slows one run,
            // not the comparison.
            let (mut seconds, mut bound_seconds) = (f64::INFINITY, f64::INFINITY);
            let (mut rates, mut bound_rates) = (Vec::new(), Vec::new());
            for _ in 0..if options.quick { 1 } else { 2 } {
                let started = Instant::now();
                let opened = pool.install(|| {
                    let mut opener = Opener::new(&escrow);
                    envelopes
                        .chunks(4096)
                        .flat_map(|batch| opener.open_batch(batch))
                        .filter(|o| matches!(o, Outcome::Opened(_)))
                        .count()
                });
                seconds = seconds.min(started.elapsed().as_secs_f64());
                rates.push(envelopes.len() as f64 / started.elapsed().as_secs_f64());
                if opened != envelopes.len() {
                    return Err(Error::Internal(format!(
                        "mass recovery opened {opened} of {}",
                        envelopes.len()
                    )));
                }
                let started = Instant::now();
                pool.install(|| bound(&envelopes, &keys));
                bound_seconds = bound_seconds.min(started.elapsed().as_secs_f64());
                bound_rates.push(envelopes.len() as f64 / started.elapsed().as_secs_f64());
            }
            let what = format!(
                "recovery, {}, {keying}, {}",
                backend.name(),
                thread_count(threads)
            );
            spreads.record(format!("{what}: recovery"), "messages/s", &rates);
            spreads.record(format!("{what}: bound"), "messages/s", &bound_rates);
            let messages_per_second = envelopes.len() as f64 / seconds;
            let (bound_messages_per_second, bound_set_by_search) = searches::fastest_work(
                &[envelopes.len() as f64 / bound_seconds],
                &[messages_per_second],
            );
            rows.push(RecoveryRow {
                backend,
                keying: keying.to_owned(),
                threads,
                envelopes: envelopes.len(),
                messages_per_second,
                bound_messages_per_second,
                share_of_bound: messages_per_second / bound_messages_per_second,
                bound_set_by_search,
            });
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests;
