//! Limits that files and flags are checked against, kept here, at the bottom of the
//! layers, so that the file readers in `wire` and the designs in `schemes` can check
//! them without reaching up; `world` and `schemes::split_key` re-export them.

/// Most users `simulate` will make: each needs an RSA key, ~0.2 s apiece.
pub const MAX_USERS: usize = 1000;

/// Agents a split can have: shares are numbered by one byte.
pub const MAX_AGENTS: u8 = 32;
