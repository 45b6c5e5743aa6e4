//! The search on a wgpu device: the shader, its buffers and the dispatch loop.

use std::collections::VecDeque;
use std::fmt;
use std::ops::{ControlFlow, Range};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zeroize::Zeroize;

use super::{Adapter, Batch, GpuError, Hit, Keep, Target};

const SHADER: &str = include_str!("search.wgsl");
/// Invocations in a workgroup, as the shader declares.
const WORKGROUP: u64 = 256;
/// Keys each invocation tries ([`SHADER`]'s `PER_INVOCATION`).
const PER_INVOCATION: u64 = 16;
/// The most workgroups in one dimension of a dispatch (WebGPU's default limit).
const MAX_GROUPS_X: u64 = 65_535;
/// The fewest and most keys in one dispatch: small enough at first that a slow adapter
/// answers within a fraction of a second, and at most what keeps the hit buffer small.
const MIN_BATCH: u64 = 1 << 14;
const MAX_BATCH: u64 = 1 << 28;
/// Hits one dispatch has room for: 1 in 256 of the largest batch, five times what the
/// filter lets through on random 16-byte blocks. A batch with more (short messages pass
/// the filter far more often) is reported as overflowed and searched again elsewhere.
const CAPACITY: u64 = MAX_BATCH / 256;
/// How long a batch should take once the adapter's rate is known: short enough for
/// progress and time limits, long enough that each submission's overhead is small.
const BATCH_TARGET: Duration = Duration::from_millis(100);

/// The GPU, its search shader compiled: open once, search many times.
pub struct GpuSearch {
    adapter: Adapter,
    device: wgpu::Device,
    queue: wgpu::Queue,
    layout: wgpu::BindGroupLayout,
    pipeline_layout: wgpu::PipelineLayout,
    module: wgpu::ShaderModule,
    pipelines: Mutex<Vec<(Keep, Arc<wgpu::ComputePipeline>)>>,
    table: wgpu::Buffer,
    /// The first error wgpu reported outside a call's own result (a lost device, a
    /// validation error), taken by the next check.
    error: Arc<Mutex<Option<String>>>,
}

impl fmt::Debug for GpuSearch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GpuSearch")
            .field("adapter", &self.adapter)
            .finish_non_exhaustive()
    }
}

/// The AES S-box (FIPS 197 §5.1.1), computed: the inverse in GF(2^8) (x^254), then the
/// affine map. Computed rather than copied from the standard, so that no table can hold
/// a typing mistake; the tests compare the shader's AES with the `aes` crate's.
fn s_box() -> [u8; 256] {
    fn multiply(mut a: u8, mut b: u8) -> u8 {
        let mut product = 0;
        while b != 0 {
            if b & 1 != 0 {
                product ^= a;
            }
            a = (a << 1) ^ if a & 0x80 != 0 { 0x1b } else { 0 };
            b >>= 1;
        }
        product
    }
    std::array::from_fn(|x| {
        let x = x as u8;
        let inverse = (0..254).fold(1u8, |power, _| multiply(power, x));
        let inverse = if x == 0 { 0 } else { inverse };
        inverse
            ^ inverse.rotate_left(1)
            ^ inverse.rotate_left(2)
            ^ inverse.rotate_left(3)
            ^ inverse.rotate_left(4)
            ^ 0x63
    })
}

/// The shader's lookup table: for each x, (2·S(x), S(x), S(x), 3·S(x)), big-endian.
fn round_table() -> Vec<u8> {
    s_box()
        .iter()
        .flat_map(|&s| {
            let double = (s << 1) ^ if s & 0x80 != 0 { 0x1b } else { 0 };
            u32::from_be_bytes([double, s, s, double ^ s]).to_le_bytes()
        })
        .collect()
}

fn words_be(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    bytes
        .chunks_exact(4)
        .map(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
}

fn words_le(value: u128) -> [u32; 4] {
    [0, 1, 2, 3].map(|i| (value >> (32 * i)) as u32)
}

/// The shader's `Params`, without its range: what every dispatch of one search shares.
struct SearchParams([u32; 28]);

impl SearchParams {
    fn new(&Target { run, block, filter }: &Target<'_>) -> SearchParams {
        let mut key = run.key(0);
        let secret_bits = 8 * run.secret_bytes() as u32;
        let mut words = [0u32; 28];
        for (slot, word) in words.iter_mut().zip(words_be(&key)) {
            *slot = word;
        }
        key.zeroize();
        // The secret's bits in words 6 and 7 (its high and low halves).
        let secret = if secret_bits == 64 {
            u64::MAX
        } else {
            (1u64 << secret_bits) - 1
        };
        words[8..12].copy_from_slice(&[0, 0, (secret >> 32) as u32, secret as u32]);
        for (slot, word) in words[12..16].iter_mut().zip(words_be(block)) {
            *slot = word;
        }
        words[16..20].copy_from_slice(&words_le(filter.head));
        words[20..24].copy_from_slice(&words_le(filter.mask));
        words[24..28].copy_from_slice(&words_le(filter.high_bits));
        SearchParams(words)
    }

    /// The uniform buffer's bytes for a dispatch of `count` secrets from `first` with
    /// room for `capacity` hits.
    fn bytes(&self, first: u64, count: u64, capacity: u64) -> Vec<u8> {
        let range = [
            first as u32,
            (first >> 32) as u32,
            count as u32,
            capacity as u32,
        ];
        self.0
            .iter()
            .chain(&range)
            .flat_map(|w| w.to_le_bytes())
            .collect()
    }
}

impl Drop for SearchParams {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// One dispatch's buffers: two of these let the GPU work while the CPU reads.
struct Slot {
    params: wgpu::Buffer,
    hits: wgpu::Buffer,
    readback: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
}

/// The shader's `MODE` for `keep`.
fn mode(keep: Keep) -> f64 {
    match keep {
        Keep::Nothing => 0.0,
        Keep::Plausible => 1.0,
        Keep::Every => 2.0,
    }
}

/// Keys whose blocks the CPU tries first, to size the room for hits.
const SAMPLE: u64 = 4096;
/// Bytes of the hit buffer: the count, then five words per hit.
const HITS_BYTES: u64 = hit_bytes(CAPACITY);

const fn hit_bytes(capacity: u64) -> u64 {
    4 + 20 * capacity
}

/// Room for hits in a dispatch of `count` keys, of which one in `one_in` may pass:
/// what comes back is copied whole, so it is sized to the batch.
fn capacity(keep: Keep, count: u64, one_in: u64) -> u64 {
    match keep {
        Keep::Nothing => 0,
        Keep::Plausible | Keep::Every => (count / one_in).clamp(4096, CAPACITY),
    }
}
/// Bytes of `Params` (eight 16-byte vectors).
const PARAMS_BYTES: u64 = 8 * 16;

impl GpuSearch {
    /// The best adapter wgpu finds (a discrete GPU before an integrated one before a
    /// software renderer), with the search shader compiled for it.
    pub fn open() -> Result<GpuSearch, GpuError> {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle());
        let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            ..Default::default()
        }))
        .map_err(|e| {
            GpuError::NoAdapter(format!(
                "{e} (wgpu looked for Vulkan, Metal and DX12 devices)"
            ))
        })?;
        let info = adapter.get_info();
        let described = Adapter {
            name: info.name.clone(),
            backend: info.backend.to_str().to_owned(),
            kind: match info.device_type {
                wgpu::DeviceType::DiscreteGpu => "discrete GPU",
                wgpu::DeviceType::IntegratedGpu => "integrated GPU",
                wgpu::DeviceType::VirtualGpu => "virtual GPU",
                wgpu::DeviceType::Cpu => "CPU",
                wgpu::DeviceType::Other => "other",
            }
            .to_owned(),
            driver: [info.driver.as_str(), info.driver_info.as_str()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(", "),
        };
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("doormat key search"),
            required_limits: wgpu::Limits::downlevel_defaults(),
            ..Default::default()
        }))
        .map_err(|e| GpuError::Failed(format!("{} refused a device: {e}", described.name)))?;
        let error = Arc::new(Mutex::new(None));
        let seen = Arc::clone(&error);
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            let mut slot = seen.lock().unwrap_or_else(|p| p.into_inner());
            slot.get_or_insert_with(|| e.to_string());
        }));
        let storage = |binding, read_only| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Storage { read_only },
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("key search"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::COMPUTE,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: wgpu::BufferSize::new(PARAMS_BYTES),
                    },
                    count: None,
                },
                storage(1, true),
                storage(2, false),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("key search"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("gpu_key_search.wgsl"),
            source: wgpu::ShaderSource::Wgsl(SHADER.into()),
        });
        let table = wgpu::util::DeviceExt::create_buffer_init(
            &device,
            &wgpu::util::BufferInitDescriptor {
                label: Some("AES table"),
                contents: &round_table(),
                usage: wgpu::BufferUsages::STORAGE,
            },
        );
        let search = GpuSearch {
            adapter: described,
            device,
            queue,
            layout,
            pipeline_layout,
            module,
            pipelines: Mutex::new(Vec::new()),
            table,
            error,
        };
        search.check()?;
        Ok(search)
    }

    /// The adapter it runs on.
    pub fn adapter(&self) -> &Adapter {
        &self.adapter
    }

    /// The first error wgpu reported since the last check.
    fn check(&self) -> Result<(), GpuError> {
        let mut slot = self.error.lock().unwrap_or_else(|p| p.into_inner());
        match slot.take() {
            Some(e) => Err(GpuError::Failed(format!("{}: {e}", self.adapter.name))),
            None => Ok(()),
        }
    }

    fn pipeline(&self, keep: Keep) -> Arc<wgpu::ComputePipeline> {
        let mut pipelines = self.pipelines.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, p)) = pipelines.iter().find(|(k, _)| *k == keep) {
            return Arc::clone(p);
        }
        let pipeline = Arc::new(self.device.create_compute_pipeline(
            &wgpu::ComputePipelineDescriptor {
                label: Some("key search"),
                layout: Some(&self.pipeline_layout),
                module: &self.module,
                entry_point: Some("search"),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants: &[
                        ("MODE", mode(keep)),
                        ("PER_INVOCATION", PER_INVOCATION as f64),
                    ],
                    ..Default::default()
                },
                cache: None,
            },
        ));
        pipelines.push((keep, Arc::clone(&pipeline)));
        pipeline
    }

    fn slot(&self) -> Slot {
        let buffer = |label, size, usage| {
            self.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size,
                usage,
                mapped_at_creation: false,
            })
        };
        use wgpu::BufferUsages as U;
        let params = buffer("params", PARAMS_BYTES, U::UNIFORM | U::COPY_DST);
        let hits = buffer("hits", HITS_BYTES, U::STORAGE | U::COPY_SRC | U::COPY_DST);
        let readback = buffer("hits, read back", HITS_BYTES, U::MAP_READ | U::COPY_DST);
        let bind_group = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("key search"),
            layout: &self.layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: params.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: self.table.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: hits.as_entire_binding(),
                },
            ],
        });
        Slot {
            params,
            hits,
            readback,
            bind_group,
        }
    }

    /// Encrypts `target.block` under the keys of `target.run` for the secrets in
    /// `secrets` (within the run's secret bytes), keeping what `keep` says, and hands
    /// each batch to `on_batch` in order, until it breaks or the range ends. Batches
    /// grow until each takes about a tenth of a second on this adapter.
    ///
    /// Returns the time from the call to the end of the last batch handed on: the
    /// search's own time, without the batch still in flight when `on_batch` broke
    /// (finished, and its hits dropped, before this returns).
    pub fn search(
        &self,
        target: &Target<'_>,
        keep: Keep,
        secrets: Range<u64>,
        mut on_batch: impl FnMut(Batch<'_>) -> ControlFlow<()>,
    ) -> Result<Duration, GpuError> {
        let started = Instant::now();
        let mut searched = Duration::ZERO;
        let pipeline = self.pipeline(keep);
        let params = SearchParams::new(target);
        let slots = [self.slot(), self.slot()];
        let end = secrets.end;
        let mut next = secrets.start;
        let mut batch = MIN_BATCH;
        // Dispatches in flight, oldest first: (slot, first, count, bytes coming back).
        let mut in_flight: VecDeque<(usize, u64, u64, u64)> = VecDeque::new();
        let mut free = vec![1usize, 0];
        let mut hits = Vec::new();
        let mut stopped = false;
        let mut last_done = Instant::now();
        // Room for one hit in this many keys: four times the share that passes among
        // the range's first keys, tried here on the CPU. A short message's head
        // passes far more often than a long one's (half the time for one byte, one in
        // 1,300 for sixteen). A batch that overflows all the same is handed on without
        // its hits, to be searched again by other means, and the next have more room.
        let mut one_in = match keep {
            Keep::Plausible => {
                let sample = secrets.start..end.min(secrets.start.saturating_add(SAMPLE));
                let tried = sample.end - sample.start;
                let passed = sample
                    .filter(|&secret| {
                        let mut key = target.run.key(secret);
                        let block =
                            crate::crypto::key_search::encrypt_block_portable(&key, target.block);
                        key.zeroize();
                        target.filter.passes(&block)
                    })
                    .count() as u64;
                (tried / (4 * passed).max(1)).clamp(1, 256)
            }
            Keep::Nothing | Keep::Every => 1,
        };
        loop {
            while !stopped && next < end {
                let Some(slot) = free.pop() else { break };
                let size = batch.min(end - next).min(CAPACITY * one_in);
                let room = capacity(keep, size, one_in);
                let bytes = self.dispatch(&slots[slot], &pipeline, &params, (next, size), room);
                in_flight.push_back((slot, next, size, bytes));
                next += size;
            }
            let Some((slot, from, size, bytes)) = in_flight.pop_front() else {
                break;
            };
            let passed = self.read(&slots[slot], (from, bytes), &mut hits)?;
            free.push(slot);
            let complete = passed <= hits.len() as u64;
            if !complete {
                // Room for twice the share that passed.
                one_in = one_in.min(size / (2 * passed)).max(1);
            }
            // The time since the last batch finished is this one's share of the GPU
            // (the next was already queued behind it): grow towards the target, at
            // most fourfold a step.
            let seconds = last_done.elapsed().as_secs_f64().max(1e-6);
            last_done = Instant::now();
            let wanted = (size as f64 / seconds * BATCH_TARGET.as_secs_f64()) as u64;
            batch = wanted.clamp(MIN_BATCH, MAX_BATCH.min(batch.saturating_mul(4)));
            let answer = Batch {
                first: from,
                count: size,
                hits: complete.then_some(&hits[..]),
            };
            if !stopped {
                stopped = on_batch(answer).is_break();
                searched = started.elapsed();
            }
        }
        // Hits carry the start of candidate plaintexts.
        for hit in &mut hits {
            hit.text.zeroize();
        }
        self.check().map(|()| searched)
    }

    /// Submits a dispatch of `count` keys from `first` on `slot` with room for
    /// `capacity` hits, and its copy back; returns how many bytes come back.
    fn dispatch(
        &self,
        slot: &Slot,
        pipeline: &wgpu::ComputePipeline,
        params: &SearchParams,
        (first, count): (u64, u64),
        capacity: u64,
    ) -> u64 {
        let mut bytes = params.bytes(first, count, capacity);
        self.queue.write_buffer(&slot.params, 0, &bytes);
        bytes.zeroize();
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None });
        encoder.clear_buffer(&slot.hits, 0, Some(4));
        let invocations = count.div_ceil(PER_INVOCATION);
        let groups = invocations.div_ceil(WORKGROUP);
        let (x, y) = if groups <= MAX_GROUPS_X {
            (groups, 1)
        } else {
            (MAX_GROUPS_X, groups.div_ceil(MAX_GROUPS_X))
        };
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &slot.bind_group, &[]);
            pass.dispatch_workgroups(x as u32, y as u32, 1);
        }
        let bytes = hit_bytes(capacity);
        encoder.copy_buffer_to_buffer(&slot.hits, 0, &slot.readback, 0, bytes);
        self.queue.submit([encoder.finish()]);
        slot.readback
            .slice(..bytes)
            .map_async(wgpu::MapMode::Read, |_| {});
        bytes
    }

    /// Waits for `slot`'s dispatch and reads the `bytes` it copied back into `hits`,
    /// sorted by secret. Returns how many keys passed: more than `hits` holds when
    /// there was not room for all.
    fn read(
        &self,
        slot: &Slot,
        (first, bytes): (u64, u64),
        hits: &mut Vec<Hit>,
    ) -> Result<u64, GpuError> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| GpuError::Failed(format!("{}: {e}", self.adapter.name)))?;
        self.check()?;
        hits.clear();
        let passed;
        let room = (bytes - 4) / 20;
        {
            let view = slot
                .readback
                .slice(..bytes)
                .get_mapped_range()
                .map_err(|e| GpuError::Failed(format!("{}: {e}", self.adapter.name)))?;
            let word = |i: usize| {
                u32::from_le_bytes([
                    view[4 * i],
                    view[4 * i + 1],
                    view[4 * i + 2],
                    view[4 * i + 3],
                ])
            };
            passed = u64::from(word(0));
            for record in 0..passed.min(room) as usize {
                let at = 1 + 5 * record;
                let text = (1..5).fold(0u128, |text, i| {
                    text | u128::from(word(at + i)) << (32 * (i - 1))
                });
                hits.push(Hit {
                    secret: first + u64::from(word(at)),
                    text,
                });
            }
        }
        slot.readback.unmap();
        hits.sort_unstable();
        Ok(passed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::key_search::{encrypt_block_portable, Block, HeadFilter, Key, KeyRun};

    fn gpu() -> GpuSearch {
        GpuSearch::open().expect(
            "the GPU tests need a wgpu adapter; on Debian, mesa-vulkan-drivers (lavapipe) runs them on the CPU",
        )
    }

    fn template() -> Key {
        std::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11))
    }

    const BLOCK: Block = [
        1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31, 34, 37, 40, 43, 0xf2,
    ];

    /// Every key's block, from the shader, as (secret, block little-endian).
    fn every(gpu: &GpuSearch, run: &KeyRun, first: u64, count: u64) -> Vec<Hit> {
        let filter = HeadFilter {
            head: 0,
            mask: u128::MAX,
            high_bits: 0,
        };
        let mut all = Vec::new();
        let target = Target {
            run,
            block: &BLOCK,
            filter: &filter,
        };
        gpu.search(&target, Keep::Every, first..first + count, |batch| {
            all.extend_from_slice(batch.hits.expect("every key fits"));
            ControlFlow::Continue(())
        })
        .expect("the search runs");
        all
    }

    #[test]
    fn the_s_box_is_fips_197s() {
        let s = s_box();
        // FIPS 197 Figure 7's corners and its worked example (S(0x53) = 0xed).
        assert_eq!(
            (s[0x00], s[0x01], s[0x53], s[0xff]),
            (0x63, 0x7c, 0xed, 0x16)
        );
        let mut seen = [false; 256];
        s.iter().for_each(|&v| seen[v as usize] = true);
        assert!(seen.iter().all(|&v| v), "a permutation");
    }

    #[test]
    fn the_shader_encrypts_as_the_aes_crate_does_across_every_boundary() {
        let gpu = gpu();
        for secret_bytes in [1, 3, 4, 5, 8] {
            let run = KeyRun::new(template(), secret_bytes);
            let space = if secret_bytes == 8 {
                u64::MAX
            } else {
                (1u64 << (8 * secret_bytes)) - 1
            };
            // Runs that cross a byte, the low word's end, and the secret's end.
            let starts = [0, 250, (1 << 32) - 3000, space.saturating_sub(2000)];
            for &first in &starts {
                if first > space {
                    continue;
                }
                let count = 3000.min(space - first);
                let got = every(&gpu, &run, first, count);
                assert_eq!(got.len() as u64, count, "{secret_bytes} bytes from {first}");
                for (i, hit) in got.iter().enumerate() {
                    let secret = first + i as u64;
                    assert_eq!(hit.secret, secret);
                    let want = encrypt_block_portable(&run.key(secret), &BLOCK);
                    assert_eq!(hit.text, u128::from_le_bytes(want), "secret {secret:#x}");
                }
            }
        }
    }

    #[test]
    fn the_shader_keeps_exactly_the_keys_the_filter_passes() {
        let gpu = gpu();
        let run = KeyRun::new(template(), 5);
        // Heads of 16, 5 and 1 bytes: every byte of the filter's rule is exercised.
        for head_len in [16usize, 5, 1] {
            let mask = u128::MAX >> (128 - 8 * head_len);
            let filter = HeadFilter {
                head: 0x0123_4567_89ab_cdef_f0e1_d2c3_b4a5_9687 & mask,
                mask,
                high_bits: mask & 0x8080_8080_8080_8080_8080_8080_8080_8080,
            };
            let (first, count) = (0xff_fff0_0000u64, 200_000u64);
            let mut got = Vec::new();
            let mut overflowed = Vec::new();
            let mut complete = 0;
            let target = Target {
                run: &run,
                block: &BLOCK,
                filter: &filter,
            };
            gpu.search(&target, Keep::Plausible, first..first + count, |batch| {
                match batch.hits {
                    Some(hits) => {
                        got.extend_from_slice(hits);
                        complete += 1;
                    }
                    None => overflowed.push(batch.first..batch.first + batch.count),
                }
                ControlFlow::Continue(())
            })
            .expect("the search runs");
            let want: Vec<Hit> = (first..first + count)
                .filter(|secret| !overflowed.iter().any(|r| r.contains(secret)))
                .filter_map(|secret| {
                    let block = encrypt_block_portable(&run.key(secret), &BLOCK);
                    filter.passes(&block).then(|| Hit {
                        secret,
                        text: (u128::from_le_bytes(block) ^ filter.head) & filter.mask,
                    })
                })
                .collect();
            assert_eq!(got, want, "head of {head_len} bytes");
            assert!(complete > 0 && !want.is_empty());
            // The room for hits was sized from a sample of the same keys.
            assert_eq!(overflowed, []);
        }
    }

    #[test]
    fn the_bound_keeps_nothing_and_batches_cover_the_range_once() {
        let gpu = gpu();
        let run = KeyRun::new(template(), 5);
        let filter = HeadFilter {
            head: 0,
            mask: u128::MAX,
            high_bits: 0,
        };
        let mut covered = Vec::new();
        let target = Target {
            run: &run,
            block: &BLOCK,
            filter: &filter,
        };
        gpu.search(&target, Keep::Nothing, 7..100_007, |batch| {
            assert_eq!(batch.hits.map(<[Hit]>::len), Some(0));
            covered.push((batch.first, batch.count));
            ControlFlow::Continue(())
        })
        .expect("the search runs");
        let mut next = 7;
        for (first, count) in covered {
            assert_eq!(first, next);
            next += count;
        }
        assert_eq!(next, 100_007);
        // A break ends the search after that batch.
        let mut batches = 0;
        gpu.search(&target, Keep::Nothing, 0..1 << 30, |_| {
            batches += 1;
            ControlFlow::Break(())
        })
        .expect("the search runs");
        assert_eq!(batches, 1);
    }
}
