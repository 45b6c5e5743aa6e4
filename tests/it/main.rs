//! doormat's command-line tests: one binary, one module per command, plus the interop
//! tests against code no one here wrote (OpenSSL, Python `cryptography`).

/// Starts a test whose subject does not depend on the RSA backend (pages, the live class,
/// PDQ, formatting, Dual_EC...). The suite runs twice from one release build: on the
/// default backend, and again with `DOORMAT_RSA_BACKEND=rsa` (.ci/run) for the tests
/// that wrap or open with RSA. In that second pass such a test returns at once: it has
/// already run in the first.
macro_rules! independent_of_rsa_backend {
    () => {
        if crate::util::on_second_backend() {
            eprintln!("independent of the RSA backend: run in the default pass only");
            return;
        }
    };
}

mod admin;
mod agreement;
mod bench;
mod browser;
mod citations;
mod classroom;
mod cli;
mod demo;
mod docs;
mod dual_ec;
mod exercise;
mod files;
mod forward_secret;
#[cfg(feature = "gpu")]
mod gpu;
mod hostile;
mod html;
mod interop;
mod json;
mod layers;
mod recover;
mod reliability;
mod room;
mod scanning;
mod schemes;
mod simulate;
mod util;
mod workfactor;
