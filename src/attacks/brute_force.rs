//! Brute force against `short-key`: try every possible secret until a message opens.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::crypto::aead;
use crate::error::InputError;
use crate::schemes::short_key::{key_from_parts, SALT_LEN};
use crate::wire::envelope::Envelope;

/// Candidates per unit of parallel work: large enough to amortise scheduling, small
/// enough that the search stops soon after a key is found.
const CHUNK: u64 = 1 << 14;

/// What the search found and how fast it went.
#[derive(Debug, Clone, Serialize)]
pub struct BruteForceReport {
    pub id: String,
    pub bits: u32,
    pub keys_tried: u64,
    pub keys_per_second: f64,
    pub seconds: f64,
    pub found: bool,
    /// The opened message, if found.
    pub text: Option<String>,
    /// How long the same search would take at the measured rate, on average (half the
    /// key space), for larger keys.
    pub extrapolation: Vec<Extrapolation>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Extrapolation {
    pub bits: u32,
    pub average_seconds: f64,
}

/// Key sizes the report extrapolates to.
pub const EXTRAPOLATE_TO: [u32; 6] = [32, 40, 56, 64, 80, 128];

/// Searches all `2^bits` keys of one envelope on every core, stopping at the first key
/// that opens it. `progress` gets `(keys tried, key space)` from worker threads.
pub fn brute_force(
    envelope: &Envelope,
    bits: u32,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<BruteForceReport, InputError> {
    let salt: [u8; SALT_LEN] = envelope
        .salt
        .as_deref()
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| {
            InputError::new(format!(
                "envelope {} has no {SALT_LEN}-byte salt",
                envelope.id
            ))
            .field("salt")
            .hint("brute force applies to short-key worlds; under per-session keying, attack a session's first envelope")
        })?;
    let space = 1u64 << bits;
    let aad = envelope.aad();
    let stop = AtomicBool::new(false);
    let tried = AtomicU64::new(0);
    let started = Instant::now();
    let found = (0..space.div_ceil(CHUNK))
        .into_par_iter()
        .find_map_any(|chunk| {
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            let start = chunk * CHUNK;
            let end = (start + CHUNK).min(space);
            for secret in start..end {
                let key = key_from_parts(&salt, secret);
                if let Ok(plaintext) = aead::open(&key, &envelope.nonce, &aad, &envelope.ct) {
                    stop.store(true, Ordering::Relaxed);
                    tried.fetch_add(secret - start + 1, Ordering::Relaxed);
                    return Some(String::from_utf8_lossy(&plaintext).into_owned());
                }
            }
            let done = tried.fetch_add(end - start, Ordering::Relaxed) + (end - start);
            progress(done, space);
            None
        });
    let seconds = started.elapsed().as_secs_f64();
    let keys_tried = tried.load(Ordering::Relaxed);
    let keys_per_second = if seconds > 0.0 {
        keys_tried as f64 / seconds
    } else {
        0.0
    };
    let extrapolation = EXTRAPOLATE_TO
        .iter()
        .map(|&b| Extrapolation {
            bits: b,
            average_seconds: if keys_per_second > 0.0 {
                2f64.powi(b as i32 - 1) / keys_per_second
            } else {
                f64::INFINITY
            },
        })
        .collect();
    Ok(BruteForceReport {
        id: envelope.id.clone(),
        bits,
        keys_tried,
        keys_per_second,
        seconds,
        found: found.is_some(),
        text: found,
        extrapolation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::random::Randomness;
    use crate::schemes::short_key::ShortKey;
    use crate::schemes::Scheme;

    #[test]
    fn finds_a_16_bit_key_and_nothing_in_a_tampered_envelope() {
        let scheme = ShortKey { bits: 16 };
        let mut rng = Randomness::Seeded(9).stream("bf");
        let key = scheme.new_content_key(&mut rng);
        let nonce = [3u8; 12];
        let to = vec!["bob".to_owned()];
        let mut envelope = Envelope {
            id: "m000001".into(),
            t: 1,
            from: "alice".into(),
            to: to.clone(),
            scheme: "short-key".into(),
            session: None,
            nonce,
            ct: aead::seal(
                &key,
                &nonce,
                &crate::wire::envelope::aad("m000001", "alice", &to),
                b"meet at noon",
            ),
            wrapped: vec![],
            escrow: None,
            salt: None,
            leaf: None,
            ratchet: Vec::new(),
        };
        scheme.add_exceptional_access(&mut envelope, &key, &mut rng);
        let report = brute_force(&envelope, 16, &|_, _| {}).unwrap();
        assert!(report.found);
        assert_eq!(report.text.as_deref(), Some("meet at noon"));
        assert!((1..=1 << 16).contains(&report.keys_tried));
        assert_eq!(report.extrapolation.len(), EXTRAPOLATE_TO.len());

        envelope.ct[0] ^= 1;
        let report = brute_force(&envelope, 16, &|_, _| {}).unwrap();
        assert!(!report.found);
        assert_eq!(report.keys_tried, 1 << 16, "the whole space was searched");
    }
}
