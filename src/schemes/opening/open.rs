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

/// Opens `envelope` with a content key found some other way (predicted, searched).
pub fn open_with_key(envelope: &Envelope, key: &ContentKey) -> Outcome {
    match aead::open(key, &envelope.nonce, &envelope.aad(), &envelope.ct) {
        Ok(text) => Outcome::Opened(String::from_utf8_lossy(&text).into_owned()),
        Err(_) => Outcome::FailedIntegrity,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::crypto::random::Randomness;
    use crate::crypto::CouldNotOpen;
    use crate::schemes::capability::{Capability, InOrder};
    use crate::wire::message::Message;
    use crate::wire::scheme_id::SchemeId;

    /// Material no design has: every content key, by envelope id, tried per envelope.
    #[derive(Debug)]
    struct Ledger(Vec<(String, ContentKey)>);

    impl Capability for Ledger {
        fn unwrap(&self, envelope: &Envelope) -> Unwrapped {
            match self.0.iter().find(|(id, _)| *id == envelope.id) {
                Some((_, key)) => Unwrapped::Key(key.clone()),
                None => Unwrapped::NoSlot,
            }
        }
    }

    /// Material that knows the keys only one after another: it must see every envelope,
    /// in order, and it fails loudly on one whose key it was sure of but which is not.
    #[derive(Debug, Clone)]
    struct Stream(Vec<ContentKey>);

    impl Capability for Stream {
        fn in_order(&self) -> Option<Box<dyn InOrder>> {
            Some(Box::new(self.clone()))
        }
    }

    impl InOrder for Stream {
        fn content_keys(
            &mut self,
            batch: &[Envelope],
        ) -> Vec<Option<Result<ContentKey, CouldNotOpen>>> {
            batch
                .iter()
                .map(|_| (!self.0.is_empty()).then(|| Ok(self.0.remove(0))))
                .collect()
        }
    }

    fn sealed(n: usize) -> (Vec<Envelope>, Vec<ContentKey>) {
        let randomness = Randomness::from_seed(Some(7));
        let mut rng = randomness.stream("open/tests");
        (1..=n)
            .map(|t| {
                let message = Message {
                    id: format!("m{t:06}"),
                    t: t as u64,
                    from: "alice".into(),
                    to: vec!["bob".into()],
                    text: format!("message {t}"),
                    session: None,
                };
                let key = ContentKey::generate(&mut rng);
                let nonce = aead::random_nonce(&mut rng);
                let ct = aead::seal(
                    &key,
                    &nonce,
                    &crate::wire::envelope::aad(&message.id, &message.from, &message.to),
                    message.text.as_bytes(),
                );
                (Envelope::new(&message, SchemeId::BASELINE, nonce, ct), key)
            })
            .unzip()
    }

    /// A new kind of material opens envelopes through the keyring and the opener alone,
    /// whichever way it works: per envelope, or in capture order across batches.
    #[test]
    fn a_new_kind_of_material_opens_through_the_capability_alone() {
        let (envelopes, keys) = sealed(6);
        let opened = |keyring: &Keyring| -> Vec<Outcome> {
            let mut opener = Opener::new(keyring);
            // Two batches: an in-order reader keeps its place between them.
            let mut outcomes = opener.open_batch(&envelopes[..4]);
            outcomes.extend(opener.open_batch(&envelopes[4..]));
            outcomes
        };
        let mut ledger = Keyring::new();
        ledger.add_capability(Arc::new(Ledger(vec![
            (envelopes[1].id.clone(), keys[1].clone()),
            (envelopes[5].id.clone(), keys[5].clone()),
        ])));
        let outcomes = opened(&ledger);
        assert_eq!(outcomes[1], Outcome::Opened("message 2".into()));
        assert_eq!(outcomes[5], Outcome::Opened("message 6".into()));
        assert_eq!(
            outcomes.iter().filter(|o| **o == Outcome::Sealed).count(),
            4
        );

        // Keys for the first five, in order: the sixth stays sealed, and a wrong key
        // given in order is an integrity failure, not a silent miss.
        let mut stream_keys = keys[..5].to_vec();
        stream_keys[2] = keys[3].clone();
        let mut stream = Keyring::new();
        stream.add_capability(Arc::new(Stream(stream_keys)));
        let outcomes = opened(&stream);
        assert_eq!(outcomes[0], Outcome::Opened("message 1".into()));
        assert_eq!(outcomes[2], Outcome::FailedIntegrity);
        assert_eq!(outcomes[4], Outcome::Opened("message 5".into()));
        assert_eq!(outcomes[5], Outcome::Sealed);
        assert!(!stream.is_empty() && Keyring::new().is_empty());
    }
}
