//! `doormat classroom`: the room's own chats, sealed in the students' browsers with
//! WebCrypto, escrowed as the design says, recorded as a world, and opened on the
//! projector when the teacher leaks the escrow key.
//!
//! The server never sees a plaintext or a student's private key: it checks that each
//! envelope is well formed and wrapped for every reader (and for the escrow key, under
//! `golden-key`), records it, and relays it. The protocol is "Live classroom protocol
//! v1" (docs/classroom.md); clients no one here wrote join through it.
//!
//! - [`state`]: who has joined, what was recorded, every refusal rule;
//! - [`store`]: the class on disk, durable before acknowledged, resumable;
//! - [`server`]: the routes;
//! - [`connections`]: the connection loop, its caps and its idle timeout;
//! - [`pages`]: the embedded student, teacher and projector pages.

pub mod connections;
pub mod pages;
pub mod server;
pub mod start;
pub mod state;
pub mod store;
mod teacher;
#[cfg(feature = "tls")]
pub mod tls;

use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::path::PathBuf;

use serde::Serialize;

use crate::error::{InputError, Result};
use crate::report::doc::Doc;
use crate::report::Style;
use crate::wire::scheme_id::SchemeId;

/// What start-up tells the teacher: the first line of `--json`, or the text with the
/// QR code.
#[derive(Debug, Clone, Serialize)]
pub struct Started {
    /// The URL students open.
    pub student_url: String,
    /// The teacher's page, token included.
    pub teacher_url: String,
    /// The teacher's token (for API calls).
    pub teacher_token: String,
    /// The HTTPS certificate's SHA-256 (colon-separated hex), or null on plain HTTP.
    pub cert_sha256: Option<String>,
    /// The class's folder.
    #[serde(serialize_with = "crate::fsutil::serialize_path_lossy")]
    pub world: PathBuf,
    /// The projector's page.
    #[serde(skip)]
    pub projector_url: String,
    /// The design.
    #[serde(skip)]
    pub scheme: SchemeId,
    /// Whether an earlier class carries on, and what it held.
    #[serde(skip)]
    pub resumed: Option<(usize, usize)>,
    /// A half-written capture line was dropped on resuming.
    #[serde(skip)]
    pub dropped_partial_line: bool,
    /// Capture lines an older version wrote out of `t` order, put back in order.
    #[serde(skip)]
    pub reordered_lines: usize,
    /// The code joins must carry (`--join-code`); the script that started the class
    /// knows it, so the JSON line stays as protocol v1 fixes it.
    #[serde(skip)]
    pub join_code: Option<String>,
}

impl Started {
    /// Prints the start-up as a program or a teacher reads it: with `json`, the one
    /// line protocol v1 fixes, first on stdout and nothing before it; otherwise the
    /// teacher's part on stderr and the room's on stdout.
    pub fn print(&self, json: bool, color: crate::report::ColorChoice) -> crate::error::Result<()> {
        let mut stdout = std::io::stdout().lock();
        let stdout_error = |e| crate::error::Error::io("stdout", e);
        if json {
            let line = serde_json::to_string(self)
                .map_err(|e| crate::error::Error::Internal(format!("start-up line: {e}")))?;
            writeln!(stdout, "{line}").map_err(stdout_error)?;
        } else {
            self.write_teacher_text(&mut std::io::stderr().lock(), &Style::for_stderr(color))
                .map_err(|e| crate::error::Error::io("stderr", e))?;
            crate::report::Output::Text(Style::for_stdout(color))
                .write(self, &mut stdout)
                .map_err(stdout_error)?;
        }
        stdout.flush().map_err(stdout_error)
    }

    /// The teacher's part, meant for the teacher's eyes alone: the binary writes it on
    /// stderr, apart from the room's part (the students' QR code) on stdout, which the
    /// lesson plan may put on the projector.
    pub fn write_teacher_text(&self, out: &mut dyn Write, style: &Style) -> io::Result<()> {
        let label = |text: &str| style.bold(&format!("{text:<12}"));
        writeln!(out, "{}{}", label("teacher"), self.teacher_url)?;
        writeln!(
            out,
            "{}open it on this laptop now (it logs this browser in, then leaves the",
            label("")
        )?;
        writeln!(
            out,
            "{}address bar); show the room the projector page, not this terminal",
            label("")
        )?;
        writeln!(out)
    }
}

/// The class as it opens: where the students, the projector and the teacher go.
fn started_doc(_: &Style, started: &Started) -> Doc {
    const W: usize = 12;
    let mut doc = Doc::default();
    doc.bold_labels();
    let how = match started.resumed {
        Some((students, messages)) => {
            format!("carried on: {students} students, {messages} messages recorded")
        }
        None => "new".to_owned(),
    };
    let fact = |doc: &mut Doc, label: &str, text: String| {
        doc.fact_in(0, label, W, vec![text.into()]);
    };
    fact(
        &mut doc,
        "class",
        format!("{} in {} ({how})", started.scheme, started.world.display()),
    );
    if started.dropped_partial_line {
        fact(
            &mut doc,
            "",
            "dropped a half-written last line of capture.jsonl (never acknowledged)".into(),
        );
    }
    if started.reordered_lines > 0 {
        let lines = match started.reordered_lines {
            1 => "1 line".to_owned(),
            n => format!("{n} lines"),
        };
        fact(
            &mut doc,
            "",
            format!("put {lines} of capture.jsonl back in t order"),
        );
        fact(
            &mut doc,
            "",
            "(an older doormat wrote them out of order; nothing was lost)".into(),
        );
    }
    fact(&mut doc, "students", started.student_url.clone());
    if let Some(code) = &started.join_code {
        fact(&mut doc, "join code", code.clone());
    }
    doc.qr(W, &started.student_url);
    fact(&mut doc, "projector", started.projector_url.clone());
    match &started.cert_sha256 {
        Some(fingerprint) => {
            fact(
                &mut doc,
                "certificate",
                format!("SHA-256 {}", &fingerprint[..47]),
            );
            fact(&mut doc, "", format!("        {}", &fingerprint[48..]));
            fact(
                &mut doc,
                "",
                "students check it before accepting the browser's warning".into(),
            );
        }
        None => fact(
            &mut doc,
            "http",
            "plain HTTP on loopback (a secure context)".into(),
        ),
    }
    fact(
        &mut doc,
        "stop",
        "Ctrl-C; start again with the same --out to carry on".into(),
    );
    doc
}

crate::report::doc::documented_reports! {
    Started => started_doc, "The class is open";
}

/// The address students should type for a server bound to `bind`: the bound address
/// itself, or for a wildcard bind the address of the interface that holds the default
/// route (found by "connecting" a UDP socket, which sends nothing).
pub fn public_host(bind: &SocketAddr, host: Option<&str>) -> Result<String> {
    if let Some(host) = host {
        let ok = !host.is_empty()
            && host.len() <= 253
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:".contains(&b));
        if !ok {
            return Err(InputError::new(format!("{host:?} is not a host name or address"))
                .field("--host")
                .hint("give the name or address students' devices reach this machine by, such as 192.168.1.20")
                .into());
        }
        return Ok(host.to_owned());
    }
    let ip = if bind.ip().is_unspecified() {
        let probe = match bind.ip() {
            IpAddr::V4(_) => UdpSocket::bind("0.0.0.0:0").and_then(|s| {
                s.connect("192.0.2.1:9")?;
                s.local_addr()
            }),
            IpAddr::V6(_) => UdpSocket::bind("[::]:0").and_then(|s| {
                s.connect("[2001:db8::1]:9")?;
                s.local_addr()
            }),
        };
        match probe {
            Ok(addr) if !addr.ip().is_unspecified() => addr.ip(),
            _ => {
                return Err(InputError::new(
                    "found no network interface with a route for students to reach",
                )
                .field("--bind")
                .hint("give the address with --host, or bind to that address itself")
                .into())
            }
        }
    } else {
        bind.ip()
    };
    Ok(match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    })
}

/// Whether a class bound to `bind` is served over HTTPS: anything but loopback.
pub fn needs_tls(bind: &SocketAddr) -> bool {
    !bind.ip().is_loopback()
}
