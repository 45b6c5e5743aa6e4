//! The attack benches: the short-key brute force and the Dual_EC state recovery, each
//! beside its bound measured in the same run.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::*;

/// Brute force beside its bound, at one thread count.
#[derive(Debug, Clone, Serialize)]
pub struct BruteForceRow {
    /// Threads.
    pub threads: usize,
    /// Key expansion plus one block encryption per candidate, nothing else.
    pub bound_keys_per_second: f64,
    /// The real search: the same, plus the filter and the full opens of survivors.
    pub search_keys_per_second: f64,
    /// `search_keys_per_second` over `bound_keys_per_second`.
    pub share_of_bound: f64,
}

/// What a short-key brute force reaches against what the hardware allows, measured
/// side by side in one run.
#[derive(Debug, Clone, Serialize)]
pub struct BruteForceBench {
    /// Every many-keys kernel this processor runs, with its bound on one thread: the
    /// search runs the one whose bound is highest, so that the share of the bound is a
    /// share of the best this processor can do.
    pub kernel_bounds: Vec<KernelBound>,
    /// The search method.
    pub method: Method,
    /// What it does, in words.
    pub method_description: String,
    /// One thread, then every core.
    pub rows: Vec<BruteForceRow>,
    /// The search's rate on every core over its rate on one thread.
    pub scaling: f64,
    /// A 32-bit key (TEA1's effective strength) at the all-core search rate: seconds
    /// on average (half the key space).
    pub average_seconds_32_bits: f64,
    /// The search without the filter, a full AES-GCM open per key, on every core.
    pub full_open_keys_per_second: f64,
}

/// One kernel's bound: key schedule and one block per key, nothing else.
#[derive(Debug, Clone, Serialize)]
pub struct KernelBound {
    /// The kernel, by its `--method` name.
    pub method: Method,
    /// Keys a second on one thread.
    pub keys_per_second: f64,
}

/// A Dual_EC state recovery against its bound, measured side by side in one run.
#[derive(Debug, Clone, Serialize)]
pub struct DualEcBench {
    /// Threads the search and the bound ran on: every core.
    pub threads: usize,
    /// P-256 scalar multiplications a second, on every core, as the search does them.
    pub scalar_mults_per_second: f64,
    /// Candidate x-coordinates lifted to points (or found off the curve) a second, on
    /// every core, as the search does it.
    pub decompressions_per_second: f64,
    /// States recovered (each from one 32-byte output of a fresh generator).
    pub states: u64,
    /// x-coordinates tried, over all of them.
    pub candidates_tried: u64,
    /// Of those, points on the curve: two multiplications each.
    pub points_on_curve: u64,
    /// Wall-clock seconds of the searches.
    pub seconds: f64,
    /// The search's own work at the measured rates, nothing else: a decompression for
    /// every candidate, two multiplications for each point on the curve.
    pub bound_seconds: f64,
    /// `bound_seconds` over `seconds`.
    pub share_of_bound: f64,
    /// Seconds per state recovered.
    pub seconds_per_state: f64,
}

/// Measures the search and its bound in turn, three times each, on one thread and on
/// every core, and keeps the median of each: alternating them spreads any change in the
/// machine's speed (turbo, a neighbour) over both.
pub(super) fn brute_force_bench(window: Duration) -> Result<BruteForceBench> {
    let envelope = unopenable_envelope(MESSAGE_BYTES);
    let median = |mut rates: Vec<f64>| {
        rates.sort_by(f64::total_cmp);
        rates[rates.len() / 2]
    };
    let mut kernel_bounds = Vec::new();
    for kernel in crate::crypto::key_search::Kernel::available() {
        let method = Method::of_kernel(kernel);
        kernel_bounds.push(KernelBound {
            method,
            keys_per_second: bound_keys_per_second(method, Some(1), window)?,
        });
    }
    let method = kernel_bounds
        .iter()
        .max_by(|a, b| a.keys_per_second.total_cmp(&b.keys_per_second))
        .map_or(Method::Portable, |best| best.method);
    let search = |threads: Option<usize>, method: Method| -> Result<f64> {
        let options = SearchOptions {
            method,
            threads,
            time_limit: Some(window),
        };
        Ok(brute_force(&envelope, 40, &options, &|_, _| {})?.keys_per_second)
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut rows = Vec::new();
    for threads in [1, cores] {
        let mut bounds = Vec::new();
        let mut searches = Vec::new();
        for _ in 0..3 {
            bounds.push(bound_keys_per_second(method, Some(threads), window)?);
            searches.push(search(Some(threads), method)?);
        }
        let (bound, search) = (median(bounds), median(searches));
        rows.push(BruteForceRow {
            threads,
            bound_keys_per_second: bound,
            search_keys_per_second: search,
            share_of_bound: search / bound,
        });
    }
    let one = rows[0].search_keys_per_second;
    let all = rows[rows.len() - 1].search_keys_per_second;
    Ok(BruteForceBench {
        kernel_bounds,
        method,
        method_description: method.describe(),
        scaling: all / one,
        average_seconds_32_bits: crate::attacks::brute_force::expected_seconds(32, all).0,
        full_open_keys_per_second: search(Some(cores), Method::FullOpen)?,
        rows,
    })
}

/// Recovers `states` generators' states from one output each, and times P-256 scalar
/// multiplications on every core beside it.
pub(super) fn dual_ec_bench(states: u64) -> Result<DualEcBench> {
    use crate::crypto::dual_ec::{
        decompress_steps, recover_state, search_steps, Backdoor, DualEcDrbg,
    };
    let threads = rayon::current_num_threads();
    let (backdoor, q) = Backdoor::generate(&mut Randomness::Os.stream("bench/dual-ec"));
    // The bound: the search's own work, made as it makes it, on every core, and nothing
    // else (no checks, no chunking): a decompression for every candidate, then two
    // multiplications for each point on the curve. Timed before and after each search,
    // keeping the fastest rates seen: a bound is what the machine did at best in this
    // run, so a moment of load makes the share lower, never above 1.
    let bound_rates = || {
        let candidates_per_thread = 8_192;
        let timer = Instant::now();
        let sink: u64 = (0..threads as u64)
            .into_par_iter()
            .map(|i| decompress_steps(i * candidates_per_thread, candidates_per_thread))
            .sum();
        std::hint::black_box(sink);
        let decompressions =
            (candidates_per_thread * threads as u64) as f64 / timer.elapsed().as_secs_f64();
        let steps_per_thread = 1024;
        let timer = Instant::now();
        let sink: u64 = (0..threads as u64)
            .into_par_iter()
            .map(|_| search_steps(&backdoor, &q, steps_per_thread))
            .sum();
        std::hint::black_box(sink);
        let mults = (2 * steps_per_thread * threads as u64) as f64 / timer.elapsed().as_secs_f64();
        (decompressions, mults)
    };
    let (mut decompressions_per_second, mut scalar_mults_per_second) = (0.0_f64, 0.0_f64);
    let mut fastest = |(decompressions, mults): (f64, f64)| {
        decompressions_per_second = decompressions_per_second.max(decompressions);
        scalar_mults_per_second = scalar_mults_per_second.max(mults);
    };
    for _ in 0..3 {
        fastest(bound_rates());
    }
    let (mut candidates_tried, mut points_on_curve) = (0, 0);
    let mut seconds = 0.0;
    for _ in 0..states {
        let mut device = DualEcDrbg::instantiate(&mut Randomness::Os.stream("bench/device"), q);
        let mut public = [0u8; 32];
        device.generate(&mut public);
        let mut next = [0u8; 32];
        device.generate(&mut next);
        let confirm = |g: &mut DualEcDrbg| {
            let mut predicted = [0u8; 32];
            g.generate(&mut predicted);
            predicted == next
        };
        let timer = Instant::now();
        let found = recover_state(&backdoor, q, &public, confirm)
            .ok_or_else(|| Error::Internal("the Dual_EC bench found no state".into()))?;
        seconds += timer.elapsed().as_secs_f64();
        candidates_tried += found.candidates_tried;
        points_on_curve += found.points_on_curve;
        fastest(bound_rates());
    }
    let bound_seconds = candidates_tried as f64 / decompressions_per_second
        + 2.0 * points_on_curve as f64 / scalar_mults_per_second;
    Ok(DualEcBench {
        threads,
        scalar_mults_per_second,
        decompressions_per_second,
        states,
        candidates_tried,
        points_on_curve,
        seconds,
        bound_seconds,
        share_of_bound: bound_seconds / seconds,
        seconds_per_state: seconds / states as f64,
    })
}
