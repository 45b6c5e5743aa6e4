//! What `attack brute-force` searches, found in a world: the envelope, how many key
//! bits are secret, and what an agency's key gives away first (a workfactor world's
//! escrowed bits). Kept apart from the search itself, which needs no world.

use std::path::Path;
use std::time::Duration;

use super::brute_force::{Method, SearchOptions};
use crate::crypto::rsa_oaep::PrivateKey;
use crate::error::{InputError, Result};
use crate::schemes::registry::WorldShape;
use crate::schemes::SchemeParams;
use crate::wire::envelope::Envelope;
use crate::world::disk::WorldDir;

/// One envelope to search, and what is known of its key.
pub struct SearchTarget {
    /// The envelope.
    pub envelope: Envelope,
    /// Secret bits left to search.
    pub bits: u32,
    /// The key's bits already known (the escrowed high bits), as the search takes them.
    pub known: u64,
    /// Bits the agency's key gave away, where one was given.
    pub escrowed_bits: Option<u32>,
}

impl SearchTarget {
    /// The envelope `id` of `world` (or its first that carries a salt), and, with
    /// `agency_key` (a PEM file), the bits that key opens of a workfactor world.
    pub fn find(world: &WorldDir, id: Option<&str>, agency_key: Option<&Path>) -> Result<Self> {
        let scheme = world.file.scheme;
        let world_json = world.root.join("world.json");
        let design = crate::schemes::design(scheme);
        // The world's own parameters, checked by its design as `simulate` checked them:
        // world.json may have been edited since.
        let recorded = SchemeParams::from_fields(&[scheme], &world.file.parameters.designs, None)
            .map_err(|e| {
            e.within("parameters")
                .file(&world_json)
                .hint("world.json is written by `doormat simulate`; was it edited by hand?")
        })?;
        // A world whose design recorded nothing of its keys (edited, or not a searched
        // design) is not searched.
        let search = (!world.file.parameters.designs.is_empty())
            .then(|| design.key_search(&recorded))
            .flatten();
        let Some(bits) = search.map(|s| s.bits) else {
            // The designs whose keys are searched say so; the refusal lists them.
            let searched: Vec<&str> = crate::schemes::DESIGNS
                .iter()
                .filter(|d| d.key_search(&SchemeParams::default()).is_some())
                .map(|d| d.id().as_str())
                .collect();
            return Err(InputError::new(format!(
                "is a {scheme} world; brute force needs a world of {}",
                searched.join(" or ")
            ))
            .file(world_json)
            .hint("make one with: doormat simulate --out DIR --scheme short-key --bits 24")
            .into());
        };
        let users = world.file.user_names();
        let shape = WorldShape {
            users: &users,
            messages: world.file.parameters.messages,
            session_size: world.file.parameters.session_size,
        };
        design
            .check(&recorded, &shape)
            .map_err(|e| e.file(&world_json))?;
        let agency = match (agency_key, scheme) {
            (None, _) => None,
            (Some(path), _) => match search.and_then(|s| s.escrowed) {
                Some((holder, _)) => Some(load_agency_key(world, path, holder)?),
                None => {
                    return Err(InputError::new(format!(
                        "a {scheme} world escrows no key bits: there is no key to give"
                    ))
                    .field("--key")
                    .hint("--key reads the workfactor reduction field of a workfactor world")
                    .into())
                }
            },
        };
        let mut capture = world.capture()?;
        // Under per-session keying only a session's first envelope carries the salt.
        let envelope = loop {
            match capture.next_envelope()? {
                Some(e) if id.map_or(e.salt.is_some(), |id| id == e.id) => break e,
                Some(_) => continue,
                None => {
                    return Err(InputError::new(match id {
                        Some(id) => format!("holds no message {id}"),
                        None => "holds no message".to_owned(),
                    })
                    .file(world.capture_path())
                    .into())
                }
            }
        };
        let Some(key) = agency else {
            return Ok(SearchTarget {
                envelope,
                bits,
                known: 0,
                escrowed_bits: None,
            });
        };
        let known = design.escrowed_bits(&envelope, &key).map_err(|_| {
            InputError::new(format!(
                "the workfactor reduction field of {} does not open with this key",
                envelope.id
            ))
            .file(world.capture_path())
            .field("wrf")
        })?;
        // The key was taken only where the design escrows bits.
        let (total, left) = search
            .and_then(|s| Some((s.bits, s.escrowed?.1)))
            .unwrap_or((bits, bits));
        Ok(SearchTarget {
            envelope,
            bits: left,
            known,
            escrowed_bits: Some(total - left),
        })
    }
}

/// The agency's key for a workfactor world: a PEM private key whose fingerprint is the
/// world's agency's.
fn load_agency_key(world: &WorldDir, path: &Path, holder: &str) -> Result<PrivateKey> {
    let text = crate::fsutil::read_small_text(path, "a private key in PEM")?;
    let key = PrivateKey::from_pem(&text).map_err(|e| e.file(path))?;
    let agency = world
        .file
        .party_by_fingerprint(key.fingerprint())
        .filter(|p| p.name == holder);
    if agency.is_none() {
        return Err(InputError::new(format!("is not this world's {holder} key"))
            .file(path)
            .hint(format!("use {}/keys/{holder}.pem", world.root.display()))
            .into());
    }
    Ok(key)
}

impl SearchOptions {
    /// The search `--device`, `--method`, `--threads` and `--sample` ask for, each
    /// checked.
    pub fn from_flags(
        (device, method): (Option<&str>, Option<&str>),
        threads: Option<usize>,
        sample_seconds: Option<f64>,
    ) -> Result<Self> {
        let mut options = SearchOptions::default();
        if let Some(name) = method {
            options.method = Method::from_name(name).map_err(|e| e.field("--method"))?;
        }
        if let Some(device) = device {
            let on_gpu = options.method == Method::Gpu;
            let clash = |why: &str| {
                InputError::new(format!(
                    "--device {device} with --method {}: {why}",
                    options.method.name()
                ))
                .field("--device")
                .hint("give one of the two")
            };
            options.method = match (device, method) {
                ("gpu", Some(_)) if !on_gpu => {
                    return Err(clash("that method runs on the CPU").into())
                }
                ("cpu", Some(_)) if on_gpu => {
                    return Err(clash("that method runs on the GPU").into())
                }
                ("auto", Some(_)) => return Err(clash("auto chooses the method").into()),
                ("cpu" | "gpu", Some(_)) => options.method,
                ("cpu", None) => Method::fastest(),
                ("gpu", None) => Method::from_name("gpu").map_err(|e| e.field("--device"))?,
                ("auto", None) => crate::attacks::brute_force::method_for_any_device(),
                _ => {
                    return Err(InputError::new(format!("{device:?} is not a device"))
                        .field("--device")
                        .hint("choose cpu, gpu or auto")
                        .into())
                }
            };
        }
        if let Some(threads) = threads {
            if !(1..=1024).contains(&threads) {
                return Err(
                    InputError::new(format!("{threads} threads: choose 1 to 1024"))
                        .field("--threads")
                        .into(),
                );
            }
            options.threads = Some(threads);
        }
        if let Some(seconds) = sample_seconds {
            if !(seconds.is_finite() && (0.1..=86_400.0).contains(&seconds)) {
                return Err(InputError::new(format!("a {seconds} s sample"))
                    .field("--sample")
                    .hint("choose 0.1 to 86400 seconds; 30 gives a steady rate")
                    .into());
            }
            options.time_limit = Some(Duration::from_secs_f64(seconds));
        }
        Ok(options)
    }
}
