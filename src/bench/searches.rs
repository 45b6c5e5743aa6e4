//! The attack benches: the short-key brute force and the Dual_EC state recovery, each
//! beside its bound measured in the same run.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::*;
use crate::crypto::gpu_key_search::Adapter;

/// Brute force beside its bound, at one thread count.
#[derive(Debug, Clone, Serialize)]
pub struct BruteForceRow {
    /// Threads.
    pub threads: usize,
    /// Key expansion plus one block encryption per candidate, nothing else: the
    /// fastest this run did that work, alone or within the search.
    pub bound_keys_per_second: f64,
    /// The real search: the same, plus the filter and the full opens of survivors.
    pub search_keys_per_second: f64,
    /// `search_keys_per_second` over `bound_keys_per_second`: at most 1.
    pub share_of_bound: f64,
    /// Whether a run of the search itself was faster than every run of the bound, and
    /// so set it (the machine's speed moved during the run).
    pub bound_set_by_search: bool,
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

/// The key search on a GPU against its bound, measured side by side in one run; or why
/// there is no GPU to measure.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum GpuSection {
    /// Measured.
    Measured(GpuBench),
    /// Not measured, and why: no adapter, or a build without the `gpu` feature.
    Unavailable {
        /// Why, in words.
        unavailable: String,
    },
}

/// The GPU search against its bound.
#[derive(Debug, Clone, Serialize)]
pub struct GpuBench {
    /// The adapter, as wgpu names it: a software renderer such as lavapipe says so in
    /// `adapter.kind` ("CPU").
    pub adapter: Adapter,
    /// The search's shader with no filter and nothing kept, dispatched as the search
    /// dispatches it: key schedule and one block per key; the fastest this run did
    /// that work, alone or within the search.
    pub bound_keys_per_second: f64,
    /// The real search: the same, with the filter on the GPU and the survivors opened
    /// on the CPU.
    pub search_keys_per_second: f64,
    /// `search_keys_per_second` over `bound_keys_per_second`: at most 1.
    pub share_of_bound: f64,
    /// Whether a run of the search itself set the bound.
    pub bound_set_by_search: bool,
    /// A 32-bit key at the search's rate: seconds on average (half the key space).
    pub average_seconds_32_bits: f64,
    /// A 40-bit (export-grade) key, likewise.
    pub average_seconds_40_bits: f64,
}

/// Measures the GPU search and its bound in turn, three times each, and keeps the
/// median of each, as [`brute_force_bench`] does on the CPU.
pub(super) fn gpu_bench(window: Duration, spreads: &Spreads) -> Result<GpuSection> {
    let gpu = match crate::crypto::gpu_key_search::shared() {
        Ok(gpu) => gpu,
        Err(e) => {
            return Ok(GpuSection::Unavailable {
                unavailable: e.to_string(),
            })
        }
    };
    let envelope = unopenable_envelope(MESSAGE_BYTES);
    let options = SearchOptions {
        method: Method::Gpu,
        threads: None,
        time_limit: Some(window),
    };
    let mut bounds = Vec::new();
    let mut searches = Vec::new();
    for _ in 0..3 {
        bounds.push(bound_keys_per_second(Method::Gpu, None, window)?);
        searches.push(brute_force(&envelope, 40, &options, &|_, _| {})?.keys_per_second);
    }
    spreads.record("brute force on the GPU: bound", "keys/s", &bounds);
    spreads.record("brute force on the GPU: search", "keys/s", &searches);
    let (bound, bound_set_by_search) = fastest_work(&bounds, &searches);
    let search = median(searches);
    let expected = |bits| crate::attacks::brute_force::expected_seconds(bits, search).0;
    Ok(GpuSection::Measured(GpuBench {
        adapter: gpu.adapter().clone(),
        bound_keys_per_second: bound,
        search_keys_per_second: search,
        share_of_bound: search / bound,
        bound_set_by_search,
        average_seconds_32_bits: expected(32),
        average_seconds_40_bits: expected(40),
    }))
}

/// The middle of `rates`.
fn median(mut rates: Vec<f64>) -> f64 {
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

/// A bound that is a bound by construction: the fastest rate at which this run did the
/// bound's work, timed alone (`bounds`) or as part of the real job (`jobs`, which do
/// that work and more, so the machine did the work at least that fast). Alone, a bound
/// timed while the machine was slower than during the job reads below the job on a
/// shared machine; with this, the job's share of the bound is at most 1. Also says
/// whether a job set it.
pub(super) fn fastest_work(bounds: &[f64], jobs: &[f64]) -> (f64, bool) {
    let alone = bounds.iter().copied().fold(0.0, f64::max);
    let job = jobs.iter().copied().fold(0.0, f64::max);
    (alone.max(job), job > alone)
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
    /// every candidate, two multiplications for each point on the curve; or the search's
    /// own time where that was shorter (the search did that work and more in it).
    pub bound_seconds: f64,
    /// `bound_seconds` over `seconds`: at most 1.
    pub share_of_bound: f64,
    /// Whether the search's own time set the bound.
    pub bound_set_by_search: bool,
    /// Seconds per state recovered.
    pub seconds_per_state: f64,
}

/// Measures the search and its bound in turn, three times each, on one thread and on
/// every core, and keeps the median of each: alternating them spreads any change in the
/// machine's speed (turbo, a neighbour) over both.
pub(super) fn brute_force_bench(window: Duration, spreads: &Spreads) -> Result<BruteForceBench> {
    let envelope = unopenable_envelope(MESSAGE_BYTES);
    let mut kernel_bounds = Vec::new();
    for kernel in crate::crypto::key_search::Kernel::available() {
        let method = Method::of_kernel(kernel);
        let keys_per_second = bound_keys_per_second(method, Some(1), window)?;
        let figure = format!("kernel bound, {}, 1 thread", method.name());
        spreads.record(figure, "keys/s", &[keys_per_second]);
        kernel_bounds.push(KernelBound {
            method,
            keys_per_second,
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
        let what = format!("brute force, {}", thread_count(threads));
        spreads.record(format!("{what}: bound"), "keys/s", &bounds);
        spreads.record(format!("{what}: search"), "keys/s", &searches);
        let (bound, bound_set_by_search) = fastest_work(&bounds, &searches);
        let search = median(searches);
        rows.push(BruteForceRow {
            threads,
            bound_keys_per_second: bound,
            search_keys_per_second: search,
            share_of_bound: search / bound,
            bound_set_by_search,
        });
    }
    let full_open = search(Some(cores), Method::FullOpen)?;
    spreads.record("brute force, a full open per key", "keys/s", &[full_open]);
    let one = rows[0].search_keys_per_second;
    let all = rows[rows.len() - 1].search_keys_per_second;
    Ok(BruteForceBench {
        kernel_bounds,
        method,
        method_description: method.describe(),
        scaling: all / one,
        average_seconds_32_bits: crate::attacks::brute_force::expected_seconds(32, all).0,
        full_open_keys_per_second: full_open,
        rows,
    })
}

/// Recovers `states` generators' states from one output each, and times P-256 scalar
/// multiplications on every core beside it.
pub(super) fn dual_ec_bench(states: u64, spreads: &Spreads) -> Result<DualEcBench> {
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
    let (mut decompressions, mut mults) = (Vec::new(), Vec::new());
    let mut fastest = |(decompression_rate, mult_rate): (f64, f64)| {
        decompressions.push(decompression_rate);
        mults.push(mult_rate);
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
    let decompressions_per_second = decompressions.iter().copied().fold(0.0, f64::max);
    let scalar_mults_per_second = mults.iter().copied().fold(0.0, f64::max);
    spreads.record("Dual_EC decompressions", "per s", &decompressions);
    spreads.record("Dual_EC scalar multiplications", "per s", &mults);
    let work_seconds = candidates_tried as f64 / decompressions_per_second
        + 2.0 * points_on_curve as f64 / scalar_mults_per_second;
    // Times, not rates: the shorter is the faster.
    let bound_seconds = work_seconds.min(seconds);
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
        bound_set_by_search: seconds < work_seconds,
        seconds_per_state: seconds / states as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::fastest_work;

    #[test]
    fn the_bound_is_the_fastest_work_and_never_below_the_job() {
        // The bound's own runs were the fastest: they set it.
        assert_eq!(
            fastest_work(&[90.0, 100.0, 95.0], &[80.0, 85.0]),
            (100.0, false)
        );
        // A job ran faster than every run of the bound (the machine sped up): the job
        // did the bound's work at least that fast, so it is the bound.
        assert_eq!(fastest_work(&[90.0, 70.0], &[80.0, 104.0]), (104.0, true));
        // Hence no job's share of it is above 1, whatever the timings.
        for (bounds, jobs) in [(&[1.0][..], &[5.0, 0.5][..]), (&[3.0, 9.0], &[2.0])] {
            let (bound, _) = fastest_work(bounds, jobs);
            assert!(jobs.iter().all(|job| job / bound <= 1.0));
        }
    }
}
