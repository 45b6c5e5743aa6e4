//! Brute force against `short-key`: try every possible secret until a message opens.
//!
//! An attacker does not need a full AES-GCM open to reject a wrong key. With a 96-bit
//! nonce, the first 16 bytes of the message are the ciphertext XORed with
//! AES_K(nonce ‖ 00000002) (SP 800-38D §7.2), and every doormat message is UTF-8 text
//! (wire format v1). So for each candidate the search expands the key, encrypts that one
//! counter block and asks whether the result could begin a UTF-8 text; about one wrong
//! key in 25,000 passes for a 16-byte block (more for shorter messages, which have
//! fewer bytes to judge). Only the survivors get the full AES-GCM open, tag and all, so
//! a key the search reports always authenticates.
//!
//! Ways to try candidates ([`Method`]): a many-keys kernel ([`Kernel`]: VAES with 512-
//! or 256-bit vectors, or AES-NI), the widest the processor has; a compute shader on a
//! GPU ([`gpu_key_search`], millions of keys a dispatch, the same filter, survivors
//! opened in full on the CPU); the `aes` crate one key at a time (any processor); and a
//! full open per candidate (the reference the tests compare the others with).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rand::{Rng, RngCore};
use rayon::prelude::*;
use serde::Serialize;
use zeroize::Zeroize;

use crate::crypto::aead::{self, KEY_LEN, NONCE_LEN, TAG_LEN};
use crate::crypto::gpu_key_search::{self, Adapter, GpuError, Keep};
use crate::crypto::key_search::{self, Block, HeadFilter, Kernel, Key, KeyRun, MAX_LANES};
use crate::crypto::random::{RandomStream, Randomness};
use crate::error::{Error, InputError, Result};
use crate::wire::envelope::{aad, Envelope};
use crate::wire::salted_key::{key_from_parts, write_secret, SALT_LEN, SECRET_BYTES};
use crate::wire::scheme_id::SchemeId;

/// Candidates per unit of parallel work: large enough to amortise scheduling, small
/// enough that the search stops (found, or out of time) within a millisecond or so.
const CHUNK: u64 = 1 << 16;

/// Above this expected time a command should ask before searching.
pub const CONFIRM_ABOVE: Duration = Duration::from_secs(10 * 60);
/// Key spaces searched without an estimate first: a few seconds at most on any CPU,
/// with the portable method.
pub const SEARCH_WITHOUT_ESTIMATE_BITS: u32 = 24;
/// How long the sample behind an estimate runs.
pub const ESTIMATE_SAMPLE: Duration = Duration::from_millis(300);

/// How candidates are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// VAES on 512-bit vectors (AVX-512), 32 keys at once, four per instruction.
    #[serde(rename = "vaes-512")]
    Vaes512,
    /// VAES on 256-bit vectors (AVX2), 8 keys at once, two per instruction.
    #[serde(rename = "vaes-256")]
    Vaes256,
    /// AES-NI, 8 keys at once, one per instruction. Each kernel encrypts one counter
    /// block per key; survivors are opened in full.
    AesNi,
    /// A WGSL compute shader on a GPU through wgpu, millions of keys a dispatch, with
    /// the same filter; survivors opened in full on the CPU.
    Gpu,
    /// The `aes` crate, one key at a time, one counter block each; survivors opened in
    /// full. Runs on any processor.
    Portable,
    /// A full AES-GCM open (key set-up, GHASH, tag) for every candidate.
    FullOpen,
}

impl Method {
    /// The names `--method` takes.
    pub const NAMES: &'static str = "vaes-512, vaes-256, aes-ni, gpu, portable or full-open";

    /// Its name, as `--method` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Method::Vaes512 => "vaes-512",
            Method::Vaes256 => "vaes-256",
            Method::AesNi => "aes-ni",
            Method::Gpu => "gpu",
            Method::Portable => "portable",
            Method::FullOpen => "full-open",
        }
    }

    /// The method of `kernel`.
    pub fn of_kernel(kernel: Kernel) -> Method {
        match kernel.name() {
            "vaes-512" => Method::Vaes512,
            "vaes-256" => Method::Vaes256,
            _ => Method::AesNi,
        }
    }

    /// The kernel it runs, where it runs one and this processor has it.
    pub fn kernel(self) -> Option<Kernel> {
        Kernel::named(self.name())
    }

    /// The method called `name`, if this processor can run it.
    pub fn from_name(name: &str) -> std::result::Result<Method, InputError> {
        let method = [
            Method::Vaes512,
            Method::Vaes256,
            Method::AesNi,
            Method::Gpu,
            Method::Portable,
            Method::FullOpen,
        ]
        .into_iter()
        .find(|m| m.name() == name)
        .ok_or_else(|| {
            InputError::new(format!("{name:?} is not a search method"))
                .hint(format!("choose {}", Method::NAMES))
        })?;
        if method == Method::Gpu {
            gpu_key_search::shared().map_err(unavailable)?;
            return Ok(method);
        }
        let runs_here =
            matches!(method, Method::Portable | Method::FullOpen) || method.kernel().is_some();
        if !runs_here {
            let here: Vec<&str> = Kernel::available().iter().map(|k| k.name()).collect();
            return Err(
                InputError::new(format!("this processor cannot run {name}")).hint(format!(
                    "use --method {}",
                    here.first().copied().unwrap_or("portable")
                )),
            );
        }
        Ok(method)
    }

    /// The fastest method this processor can run.
    pub fn fastest() -> Method {
        Kernel::best().map_or(Method::Portable, Method::of_kernel)
    }

    /// A short description for reports.
    pub fn describe(&self) -> String {
        match self {
            Method::Vaes512 | Method::Vaes256 | Method::AesNi => {
                let (lanes, per) = self
                    .kernel()
                    .map_or((0, 0), |k| (k.lanes(), k.keys_per_instruction()));
                let what = match self {
                    Method::Vaes512 => "VAES-512",
                    Method::Vaes256 => "VAES-256",
                    _ => "AES-NI",
                };
                format!(
                    "{what}, {lanes} keys interleaved, {per} per instruction; one block each, then a filter"
                )
            }
            Method::Gpu => "WGSL shader: keys, blocks, filter on GPU; full opens on CPU".to_owned(),
            Method::Portable => "aes crate, one key at a time; one block, then a filter".to_owned(),
            Method::FullOpen => "a full AES-GCM open per key".to_owned(),
        }
    }
}

/// Why `--method gpu` (or `--device gpu`) cannot run here, as the user's problem to
/// solve: exit 2, with what to do.
pub fn unavailable(e: GpuError) -> InputError {
    let hint = match e {
        GpuError::NotBuilt => {
            "build doormat with its default features (the gpu feature), or search with --device cpu"
        }
        GpuError::NoAdapter(_) => {
            "install your GPU's Vulkan driver (on Debian, mesa-vulkan-drivers runs the shader on the CPU, slowly), or search with --device cpu"
        }
        GpuError::Failed(_) => "search with --device cpu",
    };
    InputError::new(e.to_string()).hint(hint)
}

/// Where `--device auto` searches: on a GPU where wgpu finds real graphics hardware,
/// else with the fastest CPU method (a software renderer such as lavapipe runs the
/// shader on the CPU far slower than the CPU's own AES instructions).
pub fn method_for_any_device() -> Method {
    match gpu_key_search::shared() {
        Ok(gpu) if gpu.adapter().is_hardware() => Method::Gpu,
        _ => Method::fastest(),
    }
}

/// How to search.
#[derive(Debug, Clone, Copy)]
pub struct SearchOptions {
    /// How candidates are tried.
    pub method: Method,
    /// Worker threads; `None` uses every core.
    pub threads: Option<usize>,
    /// Stop after this long, found or not: a timed sample of the search.
    pub time_limit: Option<Duration>,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            method: Method::fastest(),
            threads: None,
            time_limit: None,
        }
    }
}

/// What the search found and how fast it went.
#[derive(Debug, Clone, Serialize)]
pub struct BruteForceReport {
    /// The message searched.
    pub id: String,
    /// Secret bits of its content key.
    pub bits: u32,
    /// Candidates tried.
    pub keys_tried: u64,
    /// The measured rate.
    pub keys_per_second: f64,
    /// Wall-clock time of the search.
    pub seconds: f64,
    /// Whether the key was found.
    pub found: bool,
    /// The opened message, if found.
    pub text: Option<String>,
    /// How candidates were tried.
    pub method: Method,
    /// Threads searched on (with the GPU, the CPU threads that open its survivors).
    pub threads: usize,
    /// The GPU searched on, with [`Method::Gpu`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adapter: Option<Adapter>,
    /// Candidates that passed the one-block filter and were opened in full (the right
    /// key among them, if it was reached).
    pub filter_passed: u64,
    /// workfactor: the secret's top bits read from the workfactor reduction field with
    /// the agency's key before the search (`bits` is what was left); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escrowed_bits: Option<u32>,
    /// False when a time limit stopped the search before it found the key or tried
    /// every candidate: then `found` says nothing about the key space.
    pub complete: bool,
    /// How long the same search would take at the measured rate, on average (half the
    /// key space), for larger keys.
    pub extrapolation: Vec<Extrapolation>,
}

/// The same search for a larger key, at the measured rate.
#[derive(Debug, Clone, Serialize)]
pub struct Extrapolation {
    /// Secret bits.
    pub bits: u32,
    /// Expected time: half the key space.
    pub average_seconds: f64,
}

/// Key sizes the report extrapolates to: TEA1's 32 bits, export grade's 40, DES's 56,
/// 64, TEA1's nominal 80, and AES's 128.
pub const EXTRAPOLATE_TO: [u32; 6] = [32, 40, 56, 64, 80, 128];

/// Seconds to search `2^bits` keys at `keys_per_second`: on average (half the space)
/// and at worst (all of it).
pub fn expected_seconds(bits: u32, keys_per_second: f64) -> (f64, f64) {
    if keys_per_second > 0.0 {
        let worst = 2f64.powi(bits as i32) / keys_per_second;
        (worst / 2.0, worst)
    } else {
        (f64::INFINITY, f64::INFINITY)
    }
}

/// What a whole search should take, from a short timed sample of it.
#[derive(Debug, Clone, Copy)]
pub struct Estimate {
    /// The sample's rate.
    pub keys_per_second: f64,
    /// Threads it ran on.
    pub threads: usize,
    /// Half the key space at that rate: the expected time.
    pub average_seconds: f64,
    /// All of it: the longest the search can take.
    pub worst_seconds: f64,
}

impl Estimate {
    /// Whether the search may run past [`CONFIRM_ABOVE`]: a command should ask first.
    pub fn needs_confirmation(&self) -> bool {
        self.worst_seconds > CONFIRM_ABOVE.as_secs_f64()
    }
}

/// Before a search: either the sample already found the key, or what the whole search
/// should take.
#[derive(Debug)]
pub enum Preflight {
    /// No estimate needed: a small key space, or a search that is timed anyway.
    Quick,
    /// The sample found the key: this is the whole search.
    Found(BruteForceReport),
    /// What the whole search should take.
    Estimated(Estimate),
}

/// Times [`ESTIMATE_SAMPLE`] of the search `options` describe, for key spaces above
/// [`SEARCH_WITHOUT_ESTIMATE_BITS`] without a time limit, so that a command can say
/// what it is about to take on, and ask when that is long.
pub fn preflight(envelope: &Envelope, bits: u32, options: &SearchOptions) -> Result<Preflight> {
    if options.time_limit.is_some() || bits <= SEARCH_WITHOUT_ESTIMATE_BITS {
        return Ok(Preflight::Quick);
    }
    let sample = SearchOptions {
        time_limit: Some(ESTIMATE_SAMPLE),
        ..*options
    };
    let timed = brute_force(envelope, bits, &sample, &|_, _| {})?;
    if timed.found {
        return Ok(Preflight::Found(timed));
    }
    let (average_seconds, worst_seconds) = expected_seconds(bits, timed.keys_per_second);
    Ok(Preflight::Estimated(Estimate {
        keys_per_second: timed.keys_per_second,
        threads: timed.threads,
        average_seconds,
        worst_seconds,
    }))
}

/// One envelope under attack: what the filter and the full open need.
struct Target<'a> {
    envelope: &'a Envelope,
    aad: Vec<u8>,
    salt: [u8; SALT_LEN],
    /// nonce ‖ 00000002: the counter block of the message's first 16 bytes.
    counter_block: Block,
    /// The first ciphertext bytes (up to 16, little-endian), how many there are, and a
    /// mask of them.
    head_word: u128,
    head_len: usize,
    head_mask: u128,
    /// The top bit of each of the message's bytes in `head_word`.
    head_high_bits: u128,
    /// The message goes on past `head`, so a UTF-8 character may be cut at its end.
    longer: bool,
}

impl<'a> Target<'a> {
    fn new(envelope: &'a Envelope) -> std::result::Result<Self, InputError> {
        let salt: [u8; SALT_LEN] = envelope
            .salt
            .as_deref()
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| {
                InputError::new(format!(
                    "envelope {} has no {SALT_LEN}-byte salt",
                    envelope.id
                ))
                .field("salt")
                .hint("brute force applies to short-key worlds; under per-session keying, attack a session's first envelope")
            })?;
        let message_len = envelope.ct.len().saturating_sub(TAG_LEN);
        let head_len = message_len.min(16);
        let mut head = [0u8; 16];
        head[..head_len].copy_from_slice(&envelope.ct[..head_len]);
        let head_mask = u128::MAX
            .checked_shr(128 - 8 * head_len as u32)
            .unwrap_or(0);
        let mut counter_block = [0u8; 16];
        counter_block[..NONCE_LEN].copy_from_slice(&envelope.nonce);
        counter_block[15] = 2;
        Ok(Target {
            envelope,
            aad: envelope.aad(),
            salt,
            counter_block,
            head_word: u128::from_le_bytes(head),
            head_len,
            head_mask,
            head_high_bits: head_mask & HIGH_BITS,
            longer: message_len > 16,
        })
    }

    /// A key with the salt in place; [`write_secret`] fills in the rest.
    fn key_template(&self) -> Key {
        let mut key = [0u8; KEY_LEN];
        key[..SALT_LEN].copy_from_slice(&self.salt);
        key
    }

    /// The filter the kernels apply, in their terms.
    fn head_filter(&self) -> HeadFilter {
        HeadFilter {
            head: self.head_word,
            mask: self.head_mask,
            high_bits: self.head_high_bits,
        }
    }

    /// The first message bytes (little-endian, zero past `head_len`) that `keystream`
    /// (the encrypted counter block) would give.
    #[inline]
    fn head_text(&self, keystream: &Block) -> u128 {
        (u128::from_le_bytes(*keystream) ^ self.head_word) & self.head_mask
    }

    /// Whether `keystream` could have sealed the start of a UTF-8 text: the filter
    /// every candidate faces, as the search loops apply it (a quick necessary condition
    /// first, then the real check).
    #[cfg(test)]
    fn could_be_text(&self, keystream: &Block) -> bool {
        let text = self.head_text(keystream);
        plausible_utf8(text, self.head_high_bits) && self.is_utf8_start(text)
    }

    /// The exact test: `text` is UTF-8, or would be but for a character cut by the
    /// block's end when the message goes on.
    fn is_utf8_start(&self, text: u128) -> bool {
        match std::str::from_utf8(&text.to_le_bytes()[..self.head_len]) {
            Ok(_) => true,
            Err(e) => self.longer && e.error_len().is_none(),
        }
    }

    /// The full AES-GCM open with the key whose secret part is `secret`.
    fn open(&self, secret: u64) -> Option<String> {
        let key = key_from_parts(&self.salt, secret);
        aead::open(&key, &self.envelope.nonce, &self.aad, &self.envelope.ct)
            .ok()
            .map(|plaintext| String::from_utf8_lossy(&plaintext).into_owned())
    }

    /// Tries `start..end`. Returns the key's secret and the text if one opens, and
    /// counts the candidates that passed the filter into `passed`.
    fn search(
        &self,
        method: Method,
        start: u64,
        end: u64,
        passed: &AtomicU64,
    ) -> Option<(u64, String)> {
        let mut survivors = 0u64;
        let mut open_if_text = |secret: u64, keystream: &Block| -> Option<(u64, String)> {
            if !self.is_utf8_start(self.head_text(keystream)) {
                return None;
            }
            survivors += 1;
            self.open(secret).map(|text| (secret, text))
        };
        let found = match method {
            Method::FullOpen => (start..end).find_map(|secret| {
                let text = self.open(secret)?;
                survivors += 1;
                Some((secret, text))
            }),
            Method::Portable => {
                let mut key = self.key_template();
                let found = (start..end).find_map(|secret| {
                    write_secret(&mut key, secret);
                    let keystream = key_search::encrypt_block_portable(&key, &self.counter_block);
                    if plausible_utf8(self.head_text(&keystream), self.head_high_bits) {
                        open_if_text(secret, &keystream)
                    } else {
                        None
                    }
                });
                key.zeroize();
                found
            }
            Method::Vaes512 | Method::Vaes256 | Method::AesNi => match method.kernel() {
                Some(kernel) => {
                    let lanes = kernel.lanes();
                    let filter = self.head_filter();
                    let run = KeyRun::new(self.key_template(), SECRET_BYTES);
                    let mut keystreams = [[0u8; 16]; MAX_LANES];
                    let mut found = None;
                    let mut first = start;
                    'groups: while first < end {
                        // The lanes whose block could be text, as bits, tested in the
                        // kernel's vector registers: one branch per group, almost
                        // never taken.
                        // Lanes past `end` (in a last, short group) are made and
                        // tested like the others, and ignored below.
                        let mut plausible = kernel.encrypt_run(
                            &run,
                            first,
                            &self.counter_block,
                            Some(&filter),
                            &mut keystreams,
                        );
                        while plausible != 0 {
                            let lane = plausible.trailing_zeros() as usize;
                            plausible &= plausible - 1;
                            let secret = first + lane as u64;
                            if secret >= end {
                                break;
                            }
                            if let Some(hit) = open_if_text(secret, &keystreams[lane]) {
                                found = Some(hit);
                                break 'groups;
                            }
                        }
                        first += lanes as u64;
                    }
                    keystreams.zeroize();
                    found
                }
                None => return self.search(Method::Portable, start, end, passed),
            },
            // Searched by `search_on_gpu`, which calls this only for CPU methods.
            Method::Gpu => return self.search(Method::fastest(), start, end, passed),
        };
        passed.fetch_add(survivors, Ordering::Relaxed);
        found
    }
}

/// The top bit of every byte.
const HIGH_BITS: u128 = 0x8080_8080_8080_8080_8080_8080_8080_8080;

/// [`key_search::plausible_utf8_start`]: `text` little-endian, zero past the message,
/// with `high_bits` marking the message's bytes.
#[inline]
fn plausible_utf8(text: u128, high_bits: u128) -> bool {
    key_search::plausible_utf8_start(text, high_bits)
}

/// Runs `work` on `threads` worker threads (every core when `None`).
fn on_threads<T: Send>(threads: Option<usize>, work: impl FnOnce() -> T + Send) -> Result<T> {
    match threads {
        None => Ok(work()),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map(|pool| pool.install(work))
            .map_err(|e| Error::Internal(format!("could not start {n} search threads: {e}"))),
    }
}

/// Searches the `2^bits` keys of one envelope, in parallel, stopping at the first key
/// that opens it (or at `options.time_limit`). `progress` gets `(keys tried, key space)`
/// from worker threads.
pub fn brute_force(
    envelope: &Envelope,
    bits: u32,
    options: &SearchOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<BruteForceReport> {
    brute_force_from(envelope, bits, 0, options, progress)
}

/// [`brute_force`] over the secrets `known..known + 2^bits`: the search left once the
/// top bits of the secret are known (`known` holds them in place, its low `bits` zero),
/// as the agency's are from a workfactor reduction field.
pub fn brute_force_from(
    envelope: &Envelope,
    bits: u32,
    known: u64,
    options: &SearchOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<BruteForceReport> {
    let target = Target::new(envelope)?;
    let space = 1u64 << bits;
    if options.method == Method::Gpu {
        let (searched, threads) = on_threads(options.threads, || {
            let searched = search_on_gpu(&target, known..known + space, options, progress);
            (searched, rayon::current_num_threads())
        })?;
        let (found, keys_tried, filter_passed, adapter, seconds) = searched?;
        return Ok(report(
            envelope,
            (bits, space, seconds),
            (found, keys_tried, filter_passed),
            (options.method, threads, Some(adapter)),
        ));
    }
    let stop = AtomicBool::new(false);
    let tried = AtomicU64::new(0);
    let passed = AtomicU64::new(0);
    let started = Instant::now();
    let deadline = options.time_limit.map(|limit| started + limit);
    let (found, threads) = on_threads(options.threads, || {
        let found = (0..space.div_ceil(CHUNK))
            .into_par_iter()
            .find_map_any(|chunk| {
                if stop.load(Ordering::Relaxed) {
                    return None;
                }
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    stop.store(true, Ordering::Relaxed);
                    return None;
                }
                let start = chunk * CHUNK;
                let end = (start + CHUNK).min(space);
                if let Some((secret, text)) =
                    target.search(options.method, known + start, known + end, &passed)
                {
                    stop.store(true, Ordering::Relaxed);
                    tried.fetch_add(secret - known - start + 1, Ordering::Relaxed);
                    return Some(text);
                }
                let done = tried.fetch_add(end - start, Ordering::Relaxed) + (end - start);
                progress(done, space);
                None
            });
        (found, rayon::current_num_threads())
    })?;
    Ok(report(
        envelope,
        (bits, space, started.elapsed().as_secs_f64()),
        (
            found,
            tried.load(Ordering::Relaxed),
            passed.load(Ordering::Relaxed),
        ),
        (options.method, threads, None),
    ))
}

/// The report of a search of `space` keys that took `seconds`: what it found, how many
/// keys it tried and how many passed the filter, and how and where it ran.
fn report(
    envelope: &Envelope,
    (bits, space, seconds): (u32, u64, f64),
    (found, keys_tried, filter_passed): (Option<String>, u64, u64),
    (method, threads, adapter): (Method, usize, Option<Adapter>),
) -> BruteForceReport {
    let keys_per_second = if seconds > 0.0 {
        keys_tried as f64 / seconds
    } else {
        0.0
    };
    let extrapolation = EXTRAPOLATE_TO
        .iter()
        .map(|&b| Extrapolation {
            bits: b,
            average_seconds: expected_seconds(b, keys_per_second).0,
        })
        .collect();
    BruteForceReport {
        id: envelope.id.clone(),
        bits,
        keys_tried,
        keys_per_second,
        seconds,
        found: found.is_some(),
        complete: found.is_some() || keys_tried == space,
        text: found,
        method,
        threads,
        adapter,
        filter_passed,
        escrowed_bits: None,
        extrapolation,
    }
}

/// The search of `secrets` on the GPU: the shader tries every key and filters, the CPU
/// judges each survivor exactly and opens those that pass, in order of secret, and
/// searches itself any batch whose survivors overflowed the GPU's buffer. Returns the
/// text found, the keys tried, the survivors opened, the adapter, and the seconds the
/// search took.
fn search_on_gpu(
    target: &Target<'_>,
    secrets: std::ops::Range<u64>,
    options: &SearchOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<(Option<String>, u64, u64, Adapter, f64)> {
    let gpu = gpu_key_search::shared().map_err(unavailable)?;
    let run = KeyRun::new(target.key_template(), SECRET_BYTES);
    let filter = target.head_filter();
    let searched = gpu_key_search::Target {
        run: &run,
        block: &target.counter_block,
        filter: &filter,
    };
    let space = secrets.end - secrets.start;
    let deadline = options.time_limit.map(|limit| Instant::now() + limit);
    let passed = AtomicU64::new(0);
    let mut found = None;
    let mut tried = 0u64;
    let took = gpu
        .search(&searched, Keep::Plausible, secrets.clone(), |batch| {
            let end = batch.first + batch.count;
            let hit = match batch.hits {
                Some(hits) => hits.iter().find_map(|hit| {
                    if !target.is_utf8_start(hit.text) {
                        return None;
                    }
                    passed.fetch_add(1, Ordering::Relaxed);
                    target.open(hit.secret).map(|text| (hit.secret, text))
                }),
                None => (batch.first..end)
                    .step_by(CHUNK as usize)
                    .collect::<Vec<_>>()
                    .into_par_iter()
                    .find_map_first(|start| {
                        let method = Method::fastest();
                        target.search(method, start, (start + CHUNK).min(end), &passed)
                    }),
            };
            if let Some((secret, text)) = hit {
                tried += secret - batch.first + 1;
                found = Some(text);
                return std::ops::ControlFlow::Break(());
            }
            tried += batch.count;
            progress(tried, space);
            match deadline {
                Some(d) if Instant::now() >= d => std::ops::ControlFlow::Break(()),
                _ => std::ops::ControlFlow::Continue(()),
            }
        })
        .map_err(unavailable)?;
    Ok((
        found,
        tried,
        passed.load(Ordering::Relaxed),
        gpu.adapter().clone(),
        took.as_secs_f64(),
    ))
}

/// `text` from alice to bob, sealed under a fresh salted key with `bits` secret bits,
/// as a short-key world records it: the wrapped keys left out, which a search never
/// reads.
fn seal_short(bits: u32, text: &str, rng: &mut RandomStream) -> Envelope {
    let mut salt = [0u8; SALT_LEN];
    rng.fill_bytes(&mut salt);
    let key = key_from_parts(&salt, rng.gen_range(0..1u64 << bits));
    let nonce = aead::random_nonce(rng);
    let message = crate::wire::message::Message {
        id: "m000001".to_owned(),
        t: 1,
        from: "alice".to_owned(),
        to: vec!["bob".to_owned()],
        text: text.to_owned(),
        session: None,
    };
    let ad = aad(&message.id, &message.from, &message.to);
    let ct = aead::seal(&key, &nonce, &ad, text.as_bytes());
    let mut envelope = Envelope::new(&message, SchemeId::ShortKey, nonce, ct);
    envelope.salt = Some(salt.to_vec());
    envelope
}

/// A 40-bit short-key envelope of `message_bytes` bytes that no key opens (its tag is
/// flipped): searched for a fixed time, it measures the real search's rate, since every
/// candidate costs what it costs in a real search and none ends it.
pub fn unopenable_envelope(message_bytes: usize) -> Envelope {
    let text = "x".repeat(message_bytes);
    let mut envelope = seal_short(40, &text, &mut Randomness::Os.stream("brute-force/measure"));
    if let Some(last) = envelope.ct.last_mut() {
        *last ^= 1;
    }
    envelope
}

/// The ceiling for a kernel method (or [`Method::Portable`]): candidate keys per
/// second for key expansion and one block encryption alone, with the same kernel the
/// search uses but no filter, no bookkeeping and no full opens. Measured for `duration`
/// on `threads` threads (every core when `None`).
pub fn bound_keys_per_second(
    method: Method,
    threads: Option<usize>,
    duration: Duration,
) -> Result<f64> {
    if method == Method::Gpu {
        return gpu_bound_keys_per_second(duration);
    }
    let kernel = method.kernel();
    let tried = AtomicU64::new(0);
    let started = Instant::now();
    let deadline = started + duration;
    on_threads(threads, || {
        // Every thread works on its own key range until the deadline; chunks are as
        // large as the search's so that the clock is read as rarely.
        (0..rayon::current_num_threads() as u64)
            .into_par_iter()
            .for_each(|thread| {
                let mut keys = [[0x5a; KEY_LEN]; MAX_LANES];
                let mut out = [[0u8; 16]; MAX_LANES];
                let run = KeyRun::new(keys[0], SECRET_BYTES);
                let block = [0u8; 16];
                let mut sink = 0u8;
                let mut next = thread << 40;
                while Instant::now() < deadline {
                    let end = next + CHUNK;
                    match kernel {
                        Some(kernel) => {
                            let lanes = kernel.lanes();
                            while next < end {
                                kernel.encrypt_run(&run, next, &block, None, &mut out);
                                for keystream in &out[..lanes] {
                                    sink ^= keystream[0];
                                }
                                next += lanes as u64;
                            }
                        }
                        None => {
                            while next < end {
                                write_secret(&mut keys[0], next);
                                sink ^= key_search::encrypt_block_portable(&keys[0], &block)[0];
                                next += 1;
                            }
                        }
                    }
                    tried.fetch_add(CHUNK, Ordering::Relaxed);
                }
                std::hint::black_box(sink);
            });
    })?;
    Ok(tried.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64())
}

/// [`bound_keys_per_second`] on the GPU: the search's shader with no filter and
/// nothing kept, dispatched as the search dispatches it, for `duration`.
fn gpu_bound_keys_per_second(duration: Duration) -> Result<f64> {
    let gpu = gpu_key_search::shared().map_err(unavailable)?;
    let run = KeyRun::new([0x5a; KEY_LEN], SECRET_BYTES);
    let filter = HeadFilter {
        head: 0,
        mask: u128::MAX,
        high_bits: 0,
    };
    let target = gpu_key_search::Target {
        run: &run,
        block: &[0; 16],
        filter: &filter,
    };
    let started = Instant::now();
    let mut tried = 0u64;
    let took = gpu
        .search(&target, Keep::Nothing, 0..1 << 40, |batch| {
            tried += batch.count;
            if started.elapsed() >= duration {
                std::ops::ControlFlow::Break(())
            } else {
                std::ops::ControlFlow::Continue(())
            }
        })
        .map_err(unavailable)?;
    Ok(tried as f64 / took.as_secs_f64().max(1e-9))
}

#[cfg(test)]
mod tests;
