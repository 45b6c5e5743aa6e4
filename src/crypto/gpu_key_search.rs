//! AES-256 key search on a GPU, through wgpu (Vulkan, Metal or DX12): the same work as
//! [`key_search::Kernel::encrypt_run`](super::key_search::Kernel::encrypt_run) with its
//! filter, for millions of keys in each dispatch.
//!
//! A compute shader (`gpu_key_search.wgsl`) expands each candidate key, encrypts one
//! block, and applies [`plausible_utf8_start`](super::key_search::plausible_utf8_start)
//! to what the block would decrypt to. The keys that pass (about one in 1,300 for a
//! 16-byte head) come back with the text they give; the caller confirms each on the
//! CPU, as the CPU search does. Dispatches are double-buffered: the GPU searches the
//! next range while the CPU reads the last one's hits.
//!
//! No crate runs AES in a shader, so the shader is doormat's own AES-256 (FIPS 197, by
//! table lookup). The tests check it against the `aes` crate on every key of sweeps
//! that cross the secret's byte and word boundaries, and on both sides of the filter.
//!
//! The key's public part travels to the GPU in a uniform buffer; the GPU's memory is
//! not zeroized afterwards (no API offers it), which is why this module serves attacks
//! on keys that are already the attacker's problem, never a sealing path.

use std::fmt;
#[cfg(not(feature = "gpu"))]
use std::ops::{ControlFlow, Range};
use std::sync::OnceLock;

use serde::Serialize;

use super::key_search::{Block, HeadFilter, KeyRun};

#[cfg(feature = "gpu")]
mod device;
#[cfg(feature = "gpu")]
pub use device::GpuSearch;

/// The adapter a search runs on, as wgpu describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Adapter {
    /// The device's name ("NVIDIA H200", "llvmpipe (LLVM 15.0.6, 256 bits)").
    pub name: String,
    /// The API: "vulkan", "metal" or "dx12".
    pub backend: String,
    /// "discrete GPU", "integrated GPU", "virtual GPU", "CPU" (a software rasteriser
    /// such as Mesa's lavapipe) or "other".
    pub kind: String,
    /// The driver and its version, where the backend says.
    pub driver: String,
}

impl Adapter {
    /// Whether it is real graphics hardware, not a renderer running on the CPU.
    pub fn is_hardware(&self) -> bool {
        self.kind.ends_with("GPU")
    }
}

/// Why the GPU path cannot run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GpuError {
    /// wgpu found no adapter: no GPU, or no Vulkan, Metal or DX12 driver for it.
    NoAdapter(String),
    /// The adapter refused the device, the shader or a dispatch.
    Failed(String),
    /// This doormat was built without the `gpu` feature.
    NotBuilt,
}

impl fmt::Display for GpuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GpuError::NoAdapter(why) => write!(f, "no GPU adapter: {why}"),
            GpuError::Failed(why) => write!(f, "the GPU failed: {why}"),
            GpuError::NotBuilt => write!(f, "this doormat was built without the gpu feature"),
        }
    }
}

impl std::error::Error for GpuError {}

/// What is searched: the keys of `run`, each encrypting `block`, judged by `filter`
/// (which [`Keep::Plausible`] applies; the others only use its mask and head).
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The keys.
    pub run: &'a KeyRun,
    /// The block each encrypts.
    pub block: &'a Block,
    /// The test each result faces.
    pub filter: &'a HeadFilter,
}

/// What a dispatch keeps, beside what it computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Keys whose block passes the filter: the search.
    Plausible,
    /// Nothing: the same work with no filter, the search's bound.
    Nothing,
    /// Every key (for checking the shader, in batches small enough to hold them all).
    Every,
}

/// A key that passed, as the shader reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    /// Its secret.
    pub secret: u64,
    /// The filtered text its block gives: `(block ^ head) & mask`, little-endian, as
    /// [`HeadFilter`] computes it (the whole block, little-endian, under [`Keep::Every`]
    /// with a full mask and a zero head).
    pub text: u128,
}

/// One dispatch's answer.
#[derive(Debug)]
pub struct Batch<'a> {
    /// The secrets it tried: `first..first + count`.
    pub first: u64,
    /// How many.
    pub count: u64,
    /// The keys that passed, in order of secret; `None` when more passed than the
    /// buffer holds, so that the range must be searched again by other means.
    pub hits: Option<&'a [Hit]>,
}

/// Keeps Mesa's Vulkan device-select layer, which wgpu's instance loads, from probing
/// for a display where there is none (a server, CI: `XDG_RUNTIME_DIR` unset), which
/// prints an error about Wayland to stderr on every GPU search. A compute search needs
/// no display. Call it before the process starts any thread: it sets an environment
/// variable.
pub fn quiet_display_probe() {
    let no_display = std::env::var_os("XDG_RUNTIME_DIR").is_none();
    let chosen = std::env::var_os("MESA_VK_DEVICE_SELECT").is_some();
    if no_display && !chosen && std::env::var_os("NODEVICE_SELECT").is_none() {
        std::env::set_var("NODEVICE_SELECT", "1");
    }
}

/// The GPU search every caller shares, opened at its first use: opening compiles the
/// shader, which takes a moment, and a device is better opened once per process.
pub fn shared() -> Result<&'static GpuSearch, GpuError> {
    static SHARED: OnceLock<Result<GpuSearch, GpuError>> = OnceLock::new();
    SHARED
        .get_or_init(GpuSearch::open)
        .as_ref()
        .map_err(Clone::clone)
}

/// Without the `gpu` feature: a search that cannot be opened.
#[cfg(not(feature = "gpu"))]
#[derive(Debug)]
pub struct GpuSearch {
    never: std::convert::Infallible,
}

#[cfg(not(feature = "gpu"))]
impl GpuSearch {
    /// Always [`GpuError::NotBuilt`].
    pub fn open() -> Result<GpuSearch, GpuError> {
        Err(GpuError::NotBuilt)
    }

    /// Never called: there is no search to ask.
    pub fn adapter(&self) -> &Adapter {
        match self.never {}
    }

    /// Never called: there is no search to run.
    pub fn search(
        &self,
        _target: &Target<'_>,
        _keep: Keep,
        _secrets: Range<u64>,
        _on_batch: impl FnMut(Batch<'_>) -> ControlFlow<()>,
    ) -> Result<std::time::Duration, GpuError> {
        match self.never {}
    }
}
