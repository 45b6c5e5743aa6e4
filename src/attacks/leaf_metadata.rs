//! Clipper, attack a: the family key alone. Every device shares it, so anyone holding it
//! decrypts every LEAF and reads the sending device's unit id: traffic analysis of every
//! call, with no warrant and no unit key.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::error::Result;
use crate::schemes::clipper::{read_leaf, Secret32};
use crate::world::disk::WorldDir;

/// What Clipper's family key alone reveals: who talks to whom, by device.
#[derive(Debug, Clone, Serialize)]
pub struct MetadataReport {
    /// Envelopes in the capture.
    pub messages_total: u64,
    /// Messages whose LEAF named a device.
    pub leafs_read: u64,
    /// Every device seen, by unit id.
    pub devices: Vec<DeviceSeen>,
    /// Pairs of devices seen sending in the same conversation: who talks to whom.
    pub contacts: Vec<Contact>,
}

/// A device identified by the unit id its LEAFs carry.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceSeen {
    /// Its unit id.
    pub unit_id: u32,
    /// Messages it sent.
    pub messages: u64,
    /// The sender names that device's LEAFs travelled with (one, for an honest world).
    pub senders: Vec<String>,
}

/// Two devices seen in one conversation.
#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    /// Their unit ids.
    pub units: [u32; 2],
    /// Messages between them.
    pub messages: u64,
}

/// Reads every LEAF of `world`'s capture with the family key alone.
pub fn leaf_metadata(
    world: &WorldDir,
    family: &Secret32,
    progress: &dyn Fn(u64, u64),
) -> Result<MetadataReport> {
    let mut capture = world.capture()?;
    let mut total = 0;
    let mut read = 0;
    let mut devices: BTreeMap<u32, (u64, BTreeSet<String>)> = BTreeMap::new();
    let mut conversations: BTreeMap<Vec<String>, (BTreeSet<u32>, u64)> = BTreeMap::new();
    while let Some(envelope) = capture.next_envelope()? {
        total += 1;
        if total % 1024 == 0 {
            progress(capture.bytes_read(), capture.total_bytes);
        }
        let Some(contents) = envelope
            .leaf
            .as_deref()
            .and_then(|leaf| read_leaf(family, leaf, &envelope.nonce))
        else {
            continue;
        };
        read += 1;
        let device = devices.entry(contents.unit_id).or_default();
        device.0 += 1;
        device.1.insert(envelope.from.clone());
        let mut members: Vec<String> = envelope.participants().map(str::to_owned).collect();
        members.sort();
        let conversation = conversations.entry(members).or_default();
        conversation.0.insert(contents.unit_id);
        conversation.1 += 1;
    }
    let mut contacts: BTreeMap<[u32; 2], u64> = BTreeMap::new();
    for (units, messages) in conversations.values() {
        let units: Vec<u32> = units.iter().copied().collect();
        for (i, a) in units.iter().enumerate() {
            for b in &units[i + 1..] {
                *contacts.entry([*a, *b]).or_default() += messages;
            }
        }
    }
    Ok(MetadataReport {
        messages_total: total,
        leafs_read: read,
        devices: devices
            .into_iter()
            .map(|(unit_id, (messages, senders))| DeviceSeen {
                unit_id,
                messages,
                senders: senders.into_iter().collect(),
            })
            .collect(),
        contacts: contacts
            .into_iter()
            .map(|(units, messages)| Contact { units, messages })
            .collect(),
    })
}
