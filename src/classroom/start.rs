//! Starting a class: the checks, the listening socket, the class folder, the URLs and
//! the server's runtime, as one library entry point ([`Class::open`], then
//! [`Class::serve`]) that the binary calls with what it parsed.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};

use super::server::{self, Log, StepMode};
use super::store::{self, ClassStore, Opened};
use super::{needs_tls, public_host, Started};
use crate::demo::{self, DemoOptions, DemoSession};
use crate::error::{Error, InputError, Result};
use crate::wire::scheme_id::SchemeId;

/// What the teacher asked for, as given on the command line.
#[derive(Debug, Clone, Default)]
pub struct ClassConfig {
    /// The class's folder.
    pub out: PathBuf,
    /// `ADDR:PORT`, as typed.
    pub bind: String,
    /// The design's name, as typed (golden-key when a new class names none).
    pub scheme: Option<String>,
    /// The escrow key's seed, for rehearsals.
    pub seed: Option<u64>,
    /// The name students type, where the address found for `bind` is not it.
    pub host: Option<String>,
    /// A demo to play act by act beside the class.
    pub demo: Option<String>,
    /// A code every join must carry, shown on the projector and printed for the room.
    pub join_code: Option<String>,
}

/// A class whose folder is open and whose socket listens, not yet serving.
pub struct Class {
    listener: TcpListener,
    local: SocketAddr,
    host: String,
    opened: Opened,
    step_mode: Option<StepMode>,
}

impl Class {
    /// Checks `config`, listens, and opens (or makes) the class folder: in that order,
    /// so that a port in use or a bad `--host` makes no folder.
    pub fn open(config: &ClassConfig) -> Result<Class> {
        let bind: SocketAddr = config.bind.parse().map_err(|_| {
            InputError::new(format!("{:?} is not an address and port", config.bind))
                .field("--bind")
                .hint(
                    "such as 127.0.0.1:8443 (this computer only) or 0.0.0.0:8443 (the room's network)",
                )
        })?;
        let scheme = config
            .scheme
            .as_deref()
            .map(|s| SchemeId::parse(s).map_err(|e| e.field("--scheme")))
            .transpose()?;
        if needs_tls(&bind) && !cfg!(feature = "tls") {
            return Err(InputError::new(format!(
                "{bind} is not loopback, and this doormat was built without TLS"
            ))
            .field("--bind")
            .hint("bind to 127.0.0.1, or build with the default features (cargo build --release)")
            .into());
        }
        let listener = TcpListener::bind(bind)
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|e| {
                InputError::new(format!("cannot listen on {bind} ({e})"))
                    .field("--bind")
                    .hint(bind_hint(&e, &bind))
            })?;
        let local = listener
            .local_addr()
            .map_err(|e| Error::Internal(format!("the listening address: {e}")))?;
        let host = public_host(&local, config.host.as_deref())?;
        if let Some(code) = &config.join_code {
            check_join_code(code)?;
        }
        let scenario = config.demo.as_deref().map(demo::find).transpose()?;
        let fits = |class: SchemeId| -> Result<()> {
            match &scenario {
                Some(s) if s.world.designs.first() != Some(&class) => {
                    let story = s.world.designs.first().copied();
                    Err(InputError::new(format!(
                        "{} is a story about {}, and this class runs {class}",
                        s.name,
                        story.map_or("nothing", |d| d.as_str())
                    ))
                    .field("--demo")
                    .hint(demo_mismatch_hint(&s.name, story, class))
                    .into())
                }
                _ => Ok(()),
            }
        };
        if !config.out.join(store::CLASS_FILE).exists() {
            fits(scheme.unwrap_or(store::CLASS_DEFAULT))?;
        }
        let mut opened = ClassStore::open(&config.out, scheme, config.seed)?;
        opened.state.require_join_code(config.join_code.clone());
        fits(opened.state.scheme)?;
        let step_mode = match (config.demo.as_deref(), scenario) {
            (Some(name), Some(scenario)) => Some(StepMode::new(
                name,
                DemoSession::new(scenario, &DemoOptions { seed: config.seed })?,
            )),
            _ => None,
        };
        Ok(Class {
            listener,
            local,
            host,
            opened,
            step_mode,
        })
    }

    /// The class's folder.
    pub fn root(&self) -> &Path {
        self.opened.store.root()
    }

    /// Serves the class until the process ends. `started` is told the URLs (and the
    /// teacher's token) once the certificate, if any, is made and before the first
    /// request is served; `log` hears each event of the lesson.
    pub fn serve(
        self,
        started: impl FnOnce(&Started) -> Result<()>,
        log: Option<Log>,
    ) -> Result<()> {
        let Class {
            listener,
            local,
            host,
            opened,
            step_mode,
        } = self;
        let tls = needs_tls(&local);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Internal(format!("starting the server's runtime: {e}")))?;
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener)
                .map_err(|e| Error::Internal(format!("the listening socket: {e}")))?;
            let base = format!(
                "{}://{host}:{}",
                if tls { "https" } else { "http" },
                local.port()
            );
            #[cfg(feature = "tls")]
            let (acceptor, cert_sha256) = if tls {
                let mut hosts = vec![host.trim_matches(|c| c == '[' || c == ']').to_owned()];
                for also in ["localhost", "127.0.0.1"] {
                    if !hosts.iter().any(|h| h == also) {
                        hosts.push(also.to_owned());
                    }
                }
                let (acceptor, fingerprint) = super::tls::acceptor(opened.store.root(), &hosts)?;
                (Some(acceptor), Some(fingerprint))
            } else {
                (None, None)
            };
            #[cfg(not(feature = "tls"))]
            let cert_sha256: Option<String> = None;
            let teacher_token = opened.teacher_token.expose().to_owned();
            let report = Started {
                student_url: format!("{base}/"),
                teacher_url: format!("{base}/teacher?token={teacher_token}"),
                teacher_token,
                cert_sha256: cert_sha256.clone(),
                world: opened.store.root().to_path_buf(),
                projector_url: format!("{base}/projector"),
                scheme: opened.state.scheme,
                resumed: opened
                    .resumed
                    .then_some((opened.state.order.len(), opened.state.recorded.len())),
                dropped_partial_line: opened.dropped_partial_line,
                reordered_lines: opened.reordered_lines,
                join_code: opened.state.join_code().map(str::to_owned),
            };
            started(&report)?;
            let shared = server::Shared::new(
                opened.store,
                opened.state,
                report.student_url.clone(),
                cert_sha256,
                log,
                step_mode,
            );
            let router = server::router(shared);
            // Nothing here ends the class: the process's signal handler does, and
            // nothing acknowledged is lost, since each envelope is synced before its
            // sender hears it was accepted.
            super::connections::serve(
                listener,
                router,
                #[cfg(feature = "tls")]
                acceptor,
                std::future::pending(),
            )
            .await;
            Ok(())
        })
    }
}

/// A join code students can type on a phone: 1 to 32 letters, digits and hyphens.
fn check_join_code(code: &str) -> Result<()> {
    let typeable = (1..=32).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if typeable {
        Ok(())
    } else {
        Err(InputError::new(format!("{code:?} is not a join code"))
            .field("--join-code")
            .hint("use 1 to 32 letters, digits and hyphens, such as owl-42")
            .into())
    }
}

/// What to do when `--demo` tells a story about `story` and the class runs `class`:
/// start a class of the story's design where a class can run it, and name the demos
/// about the class's own design, if there are any.
fn demo_mismatch_hint(demo: &str, story: Option<SchemeId>, class: SchemeId) -> String {
    let about_class: Vec<String> = demo::EMBEDDED
        .iter()
        .filter_map(|(file, text)| demo::embedded(file, text).ok())
        .filter(|s| s.world.designs.first() == Some(&class))
        .map(|s| s.name)
        .collect();
    let for_class = if about_class.is_empty() {
        format!("no shipped demo is about {class}")
    } else {
        format!("the demos about {class}: {}", about_class.join(", "))
    };
    match story {
        Some(story) if store::CLASS_SCHEMES.contains(&story) => format!(
            "start a new class with --scheme {story} --demo {demo}, or leave --demo out ({for_class})"
        ),
        Some(story) => format!(
            "a live class runs golden-key or none, not {story}: play this story on the projector with doormat demo {demo} ({for_class})"
        ),
        None => for_class,
    }
}

/// Why `--bind` failed, in words that lead somewhere: only a port in use can be another
/// class.
fn bind_hint(error: &std::io::Error, bind: &std::net::SocketAddr) -> String {
    match error.kind() {
        std::io::ErrorKind::AddrInUse => {
            "another program (another class?) is listening there: stop it, or choose another port".into()
        }
        std::io::ErrorKind::AddrNotAvailable => format!(
            "{} is not an address of this machine: use 0.0.0.0:{} for every network, or one of this machine's addresses (ip addr)",
            bind.ip(),
            bind.port()
        ),
        std::io::ErrorKind::PermissionDenied => format!(
            "ports below 1024 need administrator rights: choose a port of 1024 or more, such as {}:8443",
            bind.ip()
        ),
        _ => "check the address and port, or leave --bind out for 127.0.0.1:8443".into(),
    }
}
