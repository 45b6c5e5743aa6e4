#![doc = include_str!("../README.md")]
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod attacks;
pub mod bench;
pub mod classroom;
pub mod cli;
pub mod compare;
pub mod crypto;
pub mod demo;
pub mod error;
pub mod exercise;
pub mod fsutil;
pub mod imaging;
pub mod report;
pub mod scale;
pub mod schemes;
pub mod wire;
pub mod world;

pub use error::{Error, InputError, Result};

// The surface most programs (and the two front ends to come) start from; every module
// stays public for the rest.
pub use attacks::{BlastRadius, Keyring, RecoverReport};
pub use compare::{compare, Comparison};
pub use demo::{Act, Block, DemoOptions, DemoRun, DemoSession};
pub use report::{Output, Report};
pub use schemes::{Design, SchemeId, DESIGNS};
pub use world::disk::simulate;
pub use world::WorldSpec;

#[cfg(test)]
mod secret_tests;
