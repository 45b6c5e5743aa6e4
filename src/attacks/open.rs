//! The honest opening logic, run with whatever keys the attacker holds.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::crypto::aead::{self, ContentKey};
use crate::schemes::capability::{InOrder, Unwrapped};
use crate::schemes::keyring::Keyring;
use crate::wire::envelope::Envelope;

/// What happened to one envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Opened: the plaintext (lossily decoded if it was not UTF-8).
    Opened(String),
    /// A held key was a reader, but the envelope did not open: something in it was
    /// changed (ciphertext, tag, nonce, associated data or wrapped key).
    FailedIntegrity,
    /// No held key is a reader of this envelope.
    Sealed,
}

/// What is known of a session's content key.
enum SessionKey {
    Key(ContentKey),
    Failed,
}

/// Opens envelopes batch by batch, remembering session keys across batches so each is
/// unwrapped once.
pub struct Opener<'k> {
    keyring: &'k Keyring,
    sessions: HashMap<String, SessionKey>,
    /// Material that reads the capture in order (a stolen ratchet played forward, a
    /// Dual_EC generator predicted), each with its state between batches.
    readers: Vec<Box<dyn InOrder>>,
}

impl<'k> Opener<'k> {
    /// An opener with `keyring`'s keys.
    pub fn new(keyring: &'k Keyring) -> Self {
        Opener {
            keyring,
            sessions: HashMap::new(),
            readers: keyring.in_order_readers(),
        }
    }

    /// Opens a batch in capture order, spreading the RSA and AES work over all cores.
    pub fn open_batch(&mut self, batch: &[Envelope]) -> Vec<Outcome> {
        // 1. Unwrap the content keys carried in this batch: the RSA work, in parallel.
        let mut unwrapped: Vec<Unwrapped> = batch
            .par_iter()
            .map(|e| self.keyring.unwrap_content_key(e))
            .collect();
        // 1b. Material that moves with the traffic reads the batch in order, on one core
        //     each: a few hashes per envelope for a stolen ratchet; for a Dual_EC
        //     backdoor, a state search per sender (tens of thousands of scalar
        //     multiplications), then a few per envelope. Every envelope goes through
        //     every reader, so its state keeps pace with the traffic even where another
        //     key already opened it.
        for reader in &mut self.readers {
            for (result, followed) in unwrapped.iter_mut().zip(reader.content_keys(batch)) {
                match (followed, &result) {
                    (_, Unwrapped::Key(_)) | (None, _) => {}
                    (Some(Ok(key)), _) => *result = Unwrapped::Key(key),
                    (Some(Err(_)), _) => *result = Unwrapped::Failed,
                }
            }
        }
        // 2. Remember session keys; later envelopes of the session carry none.
        for (envelope, result) in batch.iter().zip(&unwrapped) {
            if let Some(session) = &envelope.session {
                match result {
                    Unwrapped::Key(key) => {
                        self.sessions
                            .insert(session.clone(), SessionKey::Key(key.clone()));
                    }
                    Unwrapped::Failed => {
                        self.sessions.insert(session.clone(), SessionKey::Failed);
                    }
                    Unwrapped::NoSlot => {}
                }
            }
        }
        // 3. Open the ciphertexts: the AES work, in parallel.
        let sessions = &self.sessions;
        batch
            .par_iter()
            .zip(unwrapped)
            .map(|(envelope, result)| {
                let key = match &result {
                    Unwrapped::Key(key) => key,
                    Unwrapped::Failed => return Outcome::FailedIntegrity,
                    Unwrapped::NoSlot => {
                        match envelope.session.as_ref().and_then(|s| sessions.get(s)) {
                            Some(SessionKey::Key(key)) => key,
                            Some(SessionKey::Failed) => return Outcome::FailedIntegrity,
                            None => return Outcome::Sealed,
                        }
                    }
                };
                match aead::open(key, &envelope.nonce, &envelope.aad(), &envelope.ct) {
                    Ok(plaintext) => {
                        Outcome::Opened(String::from_utf8_lossy(&plaintext).into_owned())
                    }
                    Err(_) => Outcome::FailedIntegrity,
                }
            })
            .collect()
    }
}

/// Opens in-memory envelopes with `keyring` and tallies what opened. The radius carries a
/// timeline for each device the keyring holds as stolen.
pub fn open_all(
    keyring: &Keyring,
    envelopes: &[Envelope],
    users: &[String],
) -> (super::BlastRadius, Vec<crate::wire::plaintext::Plaintext>) {
    let started = std::time::Instant::now();
    let mut opener = Opener::new(keyring);
    let mut tally = super::Tally::new(users.to_vec()).watching(keyring.stolen_devices());
    let mut opened = Vec::new();
    for (envelope, outcome) in envelopes.iter().zip(opener.open_batch(envelopes)) {
        tally.count(envelope, &outcome);
        if let Outcome::Opened(text) = outcome {
            opened.push(crate::wire::plaintext::Plaintext::opened(envelope, text));
        }
    }
    (tally.finish(started.elapsed().as_secs_f64()), opened)
}
