//! One table, every design: the same six users and the same traffic, sealed under each
//! scheme, then opened with the one compromise that scheme invites. Every number comes
//! from really opening (or brute-forcing) the envelopes.

use serde::Serialize;

use crate::attacks::brute_force::{brute_force_from, SearchOptions};
use crate::attacks::{keyring_from_loot, open_all, BlastRadius, ComparisonRow, Outcome, Tally};
use crate::crypto::random::{Randomness, SessionKeys};
use crate::crypto::rsa_oaep::PrivateKey;
use crate::error::{Error, InputError, Result};
use crate::schemes::network::HiddenMember;
use crate::schemes::registry::{Built, Inputs, Loot, Theft, WorldShape};
use crate::schemes::snapshot::Snapshot;
use crate::schemes::{Design, Party, SchemeParams, DESIGNS};
use crate::wire::envelope::Envelope;
use crate::world::cast::demo_cast;
use crate::world::traffic::{Message, TrafficGenerator};
use crate::world::{directory, seal_batch};

/// The comparison's users: the demo cast, whose keys are published.
pub const USERS: [&str; 6] = ["alice", "bob", "carol", "dave", "erin", "frank"];

/// How the comparison runs.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// Messages of traffic, sealed under each design: 10 to 5000.
    pub messages: u64,
    /// Where keys and traffic come from: the OS, or a classroom seed.
    pub randomness: Randomness,
    /// Secret bits of the short-key row: every message is brute-forced, so keep it small.
    pub bits: u32,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            messages: 300,
            randomness: Randomness::Os,
            bits: 16,
        }
    }
}

/// The comparison, as `doormat compare --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The users, the same in every design.
    pub users: Vec<String>,
    /// Messages of traffic.
    pub messages: u64,
    /// The classroom seed, if any.
    pub seed: Option<u64>,
    /// One per design and compromise, in the order of the table.
    pub rows: Vec<ComparisonRow>,
}

/// Runs every design against the same traffic. `progress` hears which row is running.
pub fn compare(options: &CompareOptions, progress: &mut dyn FnMut(&str)) -> Result<Comparison> {
    if !(10..=5000).contains(&options.messages) {
        return Err(InputError::new(format!(
            "{} messages: the comparison takes 10 to 5000",
            options.messages
        ))
        .field("--messages")
        .into());
    }
    let users: Vec<String> = USERS.iter().map(|u| (*u).to_owned()).collect();
    let victim = &users[0];
    let after = options.messages / 2 + 1;
    // Every design refuses what cannot make it, as `simulate` would.
    let shape = WorldShape {
        users: &users,
        messages: options.messages,
        session_size: 1,
    };
    // As flags would give them: a short key's bits, and the ghost aimed at the victim
    // from half-way; every other parameter its design's default.
    let flags =
        serde_json::json!({ "bits": options.bits, "ghost_after": after, "ghost_target": victim });
    let ids: Vec<_> = DESIGNS.iter().map(|d| d.id()).collect();
    let params =
        SchemeParams::from_fields(&ids, flags.as_object().expect("an object"), Some(&shape))?;
    for design in DESIGNS {
        design.check(&params, &shape)?;
    }
    if options.bits > 24 {
        return Err(InputError::new(
            "brute-forcing every message above 24 bits would take hours here",
        )
        .field("--bits")
        .hint("use doormat attack brute-force for one message of a larger key")
        .into());
    }
    let mut traffic = TrafficGenerator::new(&users, 1, &options.randomness.fork("traffic"));
    let plain: Vec<Message> = (0..options.messages)
        .map(|_| traffic.next_message())
        .collect();
    // The comparison keys every message on its own; no message belongs to a session.
    let sessions = SessionKeys::new(&options.randomness);

    let mut rows = Vec::new();
    for design in DESIGNS {
        let id = design.id();
        progress(id.as_str());
        let randomness = options.randomness.fork(id.as_str());
        let parties = demo_cast(&USERS, design.parties());
        let mut built = design.build(&Inputs {
            users: &users,
            parties: &parties,
            params: &params,
            messages: options.messages,
            randomness: &randomness,
        })?;
        let invited = design.invited(&params, victim, after);
        // A device theft is copied while the traffic flows.
        let device = invited
            .iter()
            .flat_map(|i| i.theft.iter().flatten())
            .find_map(|t| match t {
                Theft::Device { user, t } => Some((user.as_str(), *t)),
                _ => None,
            });
        // A member the server adds is added before the traffic flows, and its device
        // copied as the server made it.
        let added = invited
            .iter()
            .flat_map(|i| i.theft.iter().flatten())
            .find_map(|t| match t {
                Theft::AddedMember { name, target, from } => Some(HiddenMember {
                    name: name.clone(),
                    target: target.clone(),
                    from: *from,
                }),
                _ => None,
            });
        let mut added_device = None;
        if let (Some(member), Some(world)) = (added, built.network.as_mut()) {
            let name = member.name.clone();
            if world.add_hidden_member(member) {
                added_device = world.copy_device(&name, 0);
            }
        }
        let (envelopes, phone) = match (&built.sealer, built.network.take()) {
            (Some(scheme), _) => {
                let envelopes = seal_batch(
                    scheme.as_ref(),
                    &directory(&parties),
                    &plain,
                    &randomness,
                    &sessions,
                );
                let phone = device.and_then(|(user, t)| {
                    let party = parties.iter().find(|p| p.name == user)?;
                    Some(Snapshot::of_rsa_key(id, user, t, party.key.clone()))
                });
                (envelopes, phone)
            }
            (None, Some(mut world)) => {
                let (user, t) = device.unwrap_or((victim, 0));
                world.record(&plain, user, t)?
            }
            (None, None) => {
                return Err(Error::Internal(format!(
                    "{id} built neither sealer nor devices"
                )));
            }
        };
        for compromise in invited {
            let radius = match &compromise.theft {
                None => None,
                Some(theft) => Some(open_with(
                    *design,
                    &built,
                    &parties,
                    theft,
                    Copies {
                        phone: phone.clone(),
                        added: added_device.clone(),
                    },
                    &envelopes,
                    &users,
                )?),
            };
            rows.push(ComparisonRow {
                scheme: id.as_str().to_owned(),
                compromise: compromise.label,
                radius,
            });
        }
    }

    Ok(Comparison {
        users,
        messages: options.messages,
        seed: options.randomness.seed(),
        rows,
    })
}

/// The devices a comparison copied: the victim's phone, and a member the server added.
struct Copies {
    phone: Option<Snapshot>,
    added: Option<Snapshot>,
}

/// What `theft` opens of `envelopes`: the keys and loot it hands over, the devices it
/// copies, or (with no key at all) every message's key space searched.
fn open_with(
    design: &dyn Design,
    built: &Built,
    parties: &[Party],
    theft: &[Theft],
    copies: Copies,
    envelopes: &[Envelope],
    users: &[String],
) -> Result<BlastRadius> {
    if let Some(bits) = theft.iter().find_map(|t| match t {
        Theft::KeySpace { bits } => Some(*bits),
        _ => None,
    }) {
        // A party stolen beside the key space holds part of every key (workfactor).
        let holder = theft.iter().find_map(|t| match t {
            Theft::Party(name) => parties.iter().find(|p| &p.name == name),
            _ => None,
        });
        return search_every_key(design, envelopes, bits, holder.map(|p| &p.key), users);
    }
    let mut loot = Vec::new();
    let mut devices = Vec::new();
    for t in theft {
        match t {
            Theft::Party(name) => {
                if let Some(p) = parties.iter().find(|p| &p.name == name) {
                    if !design.withholds_key(p.role) {
                        loot.push(Loot::Key {
                            holder: p.name.clone(),
                            role: p.role,
                            key: p.key.clone(),
                        });
                    }
                }
                loot.extend(built.loot_of(name).cloned());
            }
            Theft::Device { .. } => devices.extend(copies.phone.clone()),
            Theft::AddedMember { .. } => devices.extend(copies.added.clone()),
            Theft::Phone { user, t } => {
                loot.extend(built.loot_of(user).filter_map(|l| l.seized_at(*t)))
            }
            Theft::KeySpace { .. } => {}
        }
    }
    let mut keyring = keyring_from_loot(design, &loot)?;
    for device in devices {
        device.give_to(&mut keyring);
    }
    Ok(open_all(&keyring, envelopes, users).0)
}

/// Brute-forces every envelope's content key: what a short key hands anyone. With the
/// agency's key, the top bits come from each envelope's workfactor reduction field and
/// `bits` are what is left.
fn search_every_key(
    design: &dyn Design,
    envelopes: &[Envelope],
    bits: u32,
    agency: Option<&PrivateKey>,
    users: &[String],
) -> Result<BlastRadius> {
    let started = std::time::Instant::now();
    let mut tally = Tally::new(users.to_vec());
    for envelope in envelopes {
        let known = match agency.map(|key| design.escrowed_bits(envelope, key)) {
            None => 0,
            Some(Ok(known)) => known,
            Some(Err(_)) => {
                tally.count(envelope, &Outcome::FailedIntegrity);
                continue;
            }
        };
        let report =
            brute_force_from(envelope, bits, known, &SearchOptions::default(), &|_, _| {})?;
        let outcome = match report.text {
            Some(text) => Outcome::Opened(text),
            None => Outcome::Sealed,
        };
        tally.count(envelope, &outcome);
    }
    Ok(tally.finish(started.elapsed().as_secs_f64()))
}
