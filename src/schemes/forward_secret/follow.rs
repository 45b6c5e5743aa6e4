//! What a stolen device state opens: the attacker plays the snapshot forward over the
//! recorded traffic, running the receiving half of the Double Ratchet exactly as the
//! device would (the same KDF chains, the same skipped-key store, the same bounds).
//!
//! It holds only what was stolen, so it stops where the device's own fresh randomness
//! takes over:
//!
//! - *Before T*: chain keys only move forward and used message keys are deleted, so an
//!   envelope sent before T opens only if the device had not yet received it (its key
//!   is still ahead in a receiving chain, or stored as a skipped key).
//! - *After T*: the current chains keep opening until a Diffie-Hellman ratchet step mixes
//!   in a private key generated after the theft. The first new ratchet key the peer
//!   sends is still combined with the stolen ratchet private key and opens; the victim's
//!   answer uses a fresh private key, and from then on the session is out of reach: it
//!   has *healed* (post-compromise security).
//! - New sessions that peers start after T with the stolen one-time prekeys open too,
//!   until they heal the same way; sessions the victim starts use a fresh ephemeral key.

use std::collections::{BTreeMap, HashMap};

use super::device::{Device, SIGNED_PREKEY_ID};
use super::ratchet::{kdf_ck, kdf_rk, open_with, Key32, SkippedKeys, MAX_SKIP};
use super::x3dh;
use crate::crypto::aead::ContentKey;
use crate::crypto::ed25519::IdentityKey;
use crate::crypto::x25519::{DhKeyPair, DhPublic};
use crate::crypto::CouldNotOpen;
use crate::schemes::capability::{Capability, InOrder};
use crate::wire::envelope::{Envelope, RatchetEntry};

/// A chain key and the number of the next message key it gives.
#[derive(Clone)]
struct Chain {
    ck: Key32,
    n: u32,
}

impl Chain {
    /// The message key numbered `n`, storing the ones stepped over in `skipped`.
    fn key_for(
        &mut self,
        dh: DhPublic,
        n: u32,
        mut skipped: Option<&mut SkippedKeys>,
    ) -> Option<Key32> {
        if n < self.n || n - self.n > MAX_SKIP {
            return None;
        }
        loop {
            let (next, mk) = kdf_ck(&self.ck);
            self.ck = next;
            self.n += 1;
            if self.n - 1 == n {
                return Some(mk);
            }
            if let Some(store) = skipped.as_deref_mut() {
                store.insert(dh, self.n - 1, mk);
            }
        }
    }
}

/// One stolen session, followed.
#[derive(Clone)]
struct Followed {
    ad: Vec<u8>,
    /// The root key, while no secret generated after the theft has entered it.
    root: Option<Key32>,
    /// The victim's ratchet key pair the peer's next new ratchet key is combined with.
    ratchet_key: Option<DhKeyPair>,
    receiving: HashMap<DhPublic, Chain>,
    sending: HashMap<DhPublic, Chain>,
    skipped: SkippedKeys,
}

/// A stolen device, played forward over a capture in send order.
#[derive(Clone)]
pub struct Follower {
    /// The victim.
    pub user: String,
    /// The device was copied just after this logical time.
    pub t: u64,
    identity: IdentityKey,
    signed_prekey: DhKeyPair,
    one_time_prekeys: BTreeMap<u32, DhKeyPair>,
    sessions: BTreeMap<String, Followed>,
}

impl std::fmt::Debug for Follower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Follower")
            .field("user", &self.user)
            .field("t", &self.t)
            .field("sessions", &self.sessions.len())
            .finish_non_exhaustive()
    }
}

// A stolen device needs no other order than the capture's: each reader starts from the
// state as it was copied.
impl Capability for Follower {
    fn in_order(&self) -> Option<Box<dyn InOrder>> {
        Some(Box::new(self.clone()))
    }
}

impl InOrder for Follower {
    fn content_keys(
        &mut self,
        batch: &[Envelope],
    ) -> Vec<Option<Result<ContentKey, CouldNotOpen>>> {
        batch.iter().map(|e| self.content_key(e)).collect()
    }
}

impl Follower {
    /// Follows `device`, copied just after `t`, over the traffic from then on.
    pub fn new(device: &Device, t: u64) -> Self {
        let sessions = device
            .sessions
            .iter()
            .map(|(peer, session)| {
                let r = &session.ratchet;
                let mut receiving = HashMap::new();
                if let (Some(dhr), Some(ckr)) = (r.dhr, &r.ckr) {
                    receiving.insert(
                        dhr,
                        Chain {
                            ck: ckr.clone(),
                            n: r.nr,
                        },
                    );
                }
                let mut sending = HashMap::new();
                if let Some(cks) = &r.cks {
                    sending.insert(
                        r.dhs.public(),
                        Chain {
                            ck: cks.clone(),
                            n: r.ns,
                        },
                    );
                }
                let followed = Followed {
                    ad: r.ad.clone(),
                    root: Some(r.rk.clone()),
                    ratchet_key: Some(r.dhs.clone()),
                    receiving,
                    sending,
                    skipped: r.skipped.clone(),
                };
                (peer.clone(), followed)
            })
            .collect();
        Follower {
            user: device.name.clone(),
            t,
            identity: device.identity.clone(),
            signed_prekey: device.signed_prekey.clone(),
            one_time_prekeys: device.one_time_prekeys.clone(),
            sessions,
        }
    }

    /// The content key of `envelope`, if the stolen state reaches it: `None` when it has
    /// no way in, `Some(Err)` when it derived a key that does not open the entry (the
    /// envelope was changed).
    pub fn content_key(&mut self, envelope: &Envelope) -> Option<Result<ContentKey, CouldNotOpen>> {
        if envelope.ratchet.is_empty() {
            return None;
        }
        let ad = envelope.aad();
        if envelope.from == self.user {
            let mut outcome = None;
            for (peer, entry) in &envelope.ratchet {
                match self.sent(peer, entry, &ad) {
                    Some(Ok(key)) => return Some(Ok(key)),
                    Some(Err(e)) => outcome = Some(Err(e)),
                    None => {}
                }
            }
            return outcome;
        }
        let (_, entry) = envelope
            .ratchet
            .iter()
            .find(|(name, _)| *name == self.user)?;
        let from = envelope.from.clone();
        self.received(&from, entry, &ad)
    }

    fn sent(
        &mut self,
        peer: &str,
        entry: &RatchetEntry,
        ad: &[u8],
    ) -> Option<Result<ContentKey, CouldNotOpen>> {
        let session = self.sessions.get_mut(peer)?;
        let dh = DhPublic(entry.header.dh);
        let mk = session
            .sending
            .get_mut(&dh)?
            .key_for(dh, entry.header.n, None)?;
        Some(open_key(&mk, &session.ad, ad, entry))
    }

    fn received(
        &mut self,
        peer: &str,
        entry: &RatchetEntry,
        ad: &[u8],
    ) -> Option<Result<ContentKey, CouldNotOpen>> {
        if !self.sessions.contains_key(peer) {
            // A session the peer starts with prekeys the thief also stole. Kept only if
            // it really opens this entry.
            let mut started = self.answer_x3dh(entry)?;
            let key = started.ratchet_step(entry, ad)?;
            self.sessions.insert(peer.to_owned(), started);
            return Some(Ok(key));
        }
        let session = self.sessions.get_mut(peer)?;
        let dh = DhPublic(entry.header.dh);
        let n = entry.header.n;
        let mk = if let Some(mk) = session.skipped.take(&dh, n) {
            mk
        } else if let Some(chain) = session.receiving.get_mut(&dh) {
            chain.key_for(dh, n, Some(&mut session.skipped))?
        } else {
            return session.ratchet_step(entry, ad).map(Ok);
        };
        Some(open_key(&mk, &session.ad, ad, entry))
    }

    /// A session a peer starts after the theft, with prekeys the thief also stole.
    fn answer_x3dh(&self, entry: &RatchetEntry) -> Option<Followed> {
        let header = entry.x3dh.as_ref()?;
        if header.spk != SIGNED_PREKEY_ID {
            return None;
        }
        let opk = match header.opk {
            Some(id) => Some(self.one_time_prekeys.get(&id)?),
            None => None,
        };
        let agreement = x3dh::respond(&self.identity, &self.signed_prekey, opk, header).ok()?;
        Some(Followed {
            ad: agreement.ad,
            root: Some(agreement.sk),
            ratchet_key: Some(self.signed_prekey.clone()),
            receiving: HashMap::new(),
            sending: HashMap::new(),
            skipped: SkippedKeys::default(),
        })
    }
}

impl Followed {
    /// A ratchet key from the peer that no known chain has: either the peer's next one,
    /// combined with the stolen ratchet private key, or an old one whose chain the device
    /// had already passed before the theft. Like the device's own `RatchetDecrypt`, the
    /// step is tried and kept only if the entry opens: an old chain's message stays
    /// sealed and changes nothing. Once kept, the device makes a fresh key pair that the
    /// thief never sees, and the root chain moves out of reach.
    fn ratchet_step(&mut self, entry: &RatchetEntry, ad: &[u8]) -> Option<ContentKey> {
        let dh = DhPublic(entry.header.dh);
        let root = self.root.as_ref()?;
        let mine = self.ratchet_key.as_ref()?;
        let (_, ck) = kdf_rk(root, &mine.diffie_hellman(&dh));
        let mut chain = Chain { ck, n: 0 };
        let mut skipped = self.skipped.clone();
        let mk = chain.key_for(dh, entry.header.n, Some(&mut skipped))?;
        let key = open_key(&mk, &self.ad, ad, entry).ok()?;
        self.root = None;
        self.ratchet_key = None;
        self.receiving.insert(dh, chain);
        self.skipped = skipped;
        Some(key)
    }
}

fn open_key(
    mk: &Key32,
    session_ad: &[u8],
    envelope_ad: &[u8],
    entry: &RatchetEntry,
) -> Result<ContentKey, CouldNotOpen> {
    let bytes = zeroize::Zeroizing::new(open_with(
        mk,
        session_ad,
        envelope_ad,
        &entry.header,
        &entry.key,
    )?);
    ContentKey::from_slice(&bytes)
}
