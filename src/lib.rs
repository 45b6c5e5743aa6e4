#![doc = include_str!("../README.md")]
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod attacks;
pub mod bench;
pub mod compare;
pub mod crypto;
pub mod demo;
pub mod error;
pub mod exercise;
pub mod fsutil;
pub mod report;
pub mod scale;
pub mod schemes;
pub mod wire;
pub mod world;

pub use error::{Error, InputError, Result};

#[cfg(test)]
mod secret_tests;
