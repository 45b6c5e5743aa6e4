//! doormat's command-line tests: one binary, one module per command, plus the interop
//! tests against code no one here wrote (OpenSSL, Python `cryptography`).

mod bench;
mod browser;
mod classroom;
mod cli;
mod demo;
mod docs;
mod dual_ec;
mod exercise;
mod files;
mod forward_secret;
mod hostile;
mod html;
mod interop;
mod json;
mod layers;
mod recover;
mod reliability;
mod scanning;
mod schemes;
mod simulate;
mod util;
mod workfactor;
