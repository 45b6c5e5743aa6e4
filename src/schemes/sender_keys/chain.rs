//! Sender Keys on one device: the chains a user seals its group messages with, the
//! chains it holds of the other members, and the pairwise sessions those chains travel
//! through.
//!
//! A sender chain is Signal's: a 32-byte chain key `CK`; message `i`'s key comes from
//! `HMAC-SHA256(CK_i, 0x01)` and the next chain key from `HMAC-SHA256(CK_i, 0x02)`
//! (the Double Ratchet's `KDF_CK`, [`kdf_ck`]). The chain key moves only forward, so a
//! device that is copied reads none of the chain's earlier messages; but whoever holds
//! `CK_i` reads message `i` and every later one, until the sender starts a new chain.
//!
//! The sender hands its chain to each member who lacks it (`CK_i` and `i`, Signal's
//! SenderKeyDistributionMessage) through their pairwise X3DH and Double Ratchet
//! session, in the same envelope: a `ratchet` entry addressed to that member.

use std::collections::{BTreeMap, BTreeSet};

use rand_core::{CryptoRng, RngCore};

use crate::crypto::aead::{self, ContentKey};
use crate::crypto::kdf::hkdf_sha256;
use crate::crypto::CouldNotOpen;
use crate::schemes::forward_secret::device::{Device, PrekeyDirectory};
use crate::schemes::forward_secret::ratchet::{kdf_ck, Key32, MAX_SKIP};
use crate::wire::envelope::{aad, Envelope, SenderKeyHeader};
use crate::wire::message::Message;
use crate::wire::scheme_id::SchemeId;

/// HKDF's info for a message key: a message's AES-256-GCM key is
/// `HKDF-SHA256(salt = 32 zero bytes, ikm = the chain's message key, info)`.
const INFO_MESSAGE_KEY: &[u8] = b"doormat/1 sender key";

/// A sender chain as one holder has it: the chain key that gives message `n` next.
#[derive(Clone)]
pub struct SenderChain {
    /// The chain key for message `n`.
    pub ck: Key32,
    /// The number of the next message key it gives.
    pub n: u32,
}

impl std::fmt::Debug for SenderChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SenderChain")
            .field("n", &self.n)
            .finish_non_exhaustive()
    }
}

impl SenderChain {
    /// The AES-256-GCM key of message `n`, moving the chain past it: `None` for a
    /// message the chain has passed (its key is deleted) or one implausibly far ahead.
    pub fn key_for(&mut self, n: u32) -> Option<ContentKey> {
        if n < self.n || n - self.n > MAX_SKIP {
            return None;
        }
        loop {
            let (next, mk) = kdf_ck(&self.ck);
            self.ck = next;
            self.n += 1;
            if self.n - 1 == n {
                return Some(message_key(&mk));
            }
        }
    }
}

fn message_key(mk: &Key32) -> ContentKey {
    let bytes = hkdf_sha256::<32>(&[0u8; 32], mk.expose_secret(), INFO_MESSAGE_KEY);
    ContentKey::from_slice(&*bytes).expect("HKDF gives 32 bytes")
}

/// One of the user's own chains: the one it seals a conversation's messages with.
#[derive(Debug, Clone)]
pub struct OwnChain {
    /// Its id, unique among this user's chains.
    pub id: u32,
    /// The chain, at the next message to seal.
    pub chain: SenderChain,
    /// The members it has been handed to.
    pub holders: BTreeSet<String>,
}

/// A user's device under Sender Keys.
#[derive(Debug, Clone)]
pub struct SenderKeysDevice {
    /// Identity, prekeys and pairwise sessions, as under `forward-secret`.
    pub pairwise: Device,
    /// Its own chains, by conversation (its members' names, sorted, comma-joined).
    pub own: BTreeMap<String, OwnChain>,
    /// The other members' chains it holds, by (sender, chain id).
    pub received: BTreeMap<(String, u32), SenderChain>,
}

/// A conversation's name: its members, sorted, comma-joined.
pub fn conversation(message: &Message) -> String {
    let mut members: Vec<&str> = std::iter::once(message.from.as_str())
        .chain(message.to.iter().map(String::as_str))
        .collect();
    members.sort_unstable();
    members.join(",")
}

impl SenderKeysDevice {
    /// A device that has sent nothing yet.
    pub fn new(pairwise: Device) -> Self {
        SenderKeysDevice {
            pairwise,
            own: BTreeMap::new(),
            received: BTreeMap::new(),
        }
    }

    /// The next id for a chain of this user's: one more than any it has made.
    fn next_id(&self) -> u32 {
        self.own.values().map(|c| c.id).max().unwrap_or(0) + 1
    }

    /// Seals `message` for `roster` (every member the server lists for its conversation
    /// but the sender: `message.to`, and whoever the server added): a new chain if the
    /// conversation has none or its chain has sealed `rotate_after` messages (0: never
    /// rotate), handed to each member of the roster who lacks it.
    pub fn seal(
        &mut self,
        message: &Message,
        roster: &[String],
        directory: &mut PrekeyDirectory,
        rotate_after: u32,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<Envelope, CouldNotOpen> {
        let name = conversation(message);
        let due = self
            .own
            .get(&name)
            .is_none_or(|c| rotate_after > 0 && c.chain.n >= rotate_after);
        if due {
            let mut ck = [0u8; 32];
            rng.fill_bytes(&mut ck);
            let fresh = OwnChain {
                id: self.next_id(),
                chain: SenderChain {
                    ck: Key32::from_bytes(ck),
                    n: 0,
                },
                holders: BTreeSet::new(),
            };
            ck.fill(0);
            self.own.insert(name.clone(), fresh);
        }
        let own = self.own.get_mut(&name).ok_or(CouldNotOpen)?;
        let ad = aad(&message.id, &message.from, roster);
        let header = SenderKeyHeader {
            id: own.id,
            iteration: own.chain.n,
        };
        // What a member who lacks the chain gets: the chain key for this very message.
        let handed = ContentKey::from_slice(own.chain.ck.expose_secret())?;
        let mut ratchet = Vec::new();
        for member in roster {
            if !own.holders.contains(member) {
                own.holders.insert(member.clone());
                let entry = self
                    .pairwise
                    .seal_key_for(member, directory, &handed, &ad, rng)?;
                ratchet.push((member.clone(), entry));
            }
        }
        let key = own.chain.key_for(header.iteration).ok_or(CouldNotOpen)?;
        let nonce = aead::random_nonce(rng);
        let ct = aead::seal(&key, &nonce, &ad, message.text.as_bytes());
        let addressed = Message {
            to: roster.to_vec(),
            ..message.clone()
        };
        Ok(Envelope {
            ratchet,
            sender_key: Some(header),
            ..Envelope::new(&addressed, SchemeId::SenderKeys, nonce, ct)
        })
    }

    /// Opens this member's copy of `envelope`: takes the sender's chain from its
    /// `ratchet` entry if it carries one, then the message's key from the chain.
    pub fn open(
        &mut self,
        envelope: &Envelope,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<Vec<u8>, CouldNotOpen> {
        let header = envelope.sender_key.ok_or(CouldNotOpen)?;
        let ad = envelope.aad();
        let slot = (envelope.from.clone(), header.id);
        let me = self.pairwise.name.clone();
        if let Some((_, entry)) = envelope.ratchet.iter().find(|(n, _)| *n == me) {
            let handed = self.pairwise.open_entry(&envelope.from, entry, &ad, rng)?;
            self.received.insert(
                slot.clone(),
                SenderChain {
                    ck: Key32::from_bytes(*handed.expose_secret()),
                    n: header.iteration,
                },
            );
        }
        let chain = self.received.get_mut(&slot).ok_or(CouldNotOpen)?;
        let key = chain.key_for(header.iteration).ok_or(CouldNotOpen)?;
        aead::open(&key, &envelope.nonce, &ad, &envelope.ct)
    }
}
