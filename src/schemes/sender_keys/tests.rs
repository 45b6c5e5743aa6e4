//! What a copied Sender Keys device opens, chain by chain, and what a member the server
//! adds reads with no key of anyone's.

use std::collections::{BTreeMap, BTreeSet};

use super::network::SenderKeysWorld;
use crate::crypto::random::Randomness;
use crate::schemes::keyring::Keyring;
use crate::schemes::network::{DeviceNetwork, HiddenMember};
use crate::schemes::opening::{Opener, Outcome};
use crate::wire::envelope::Envelope;
use crate::wire::message::{message_id, Message};

fn users() -> Vec<String> {
    ["alice", "bob", "carol", "dave"].map(String::from).to_vec()
}

/// Message `t`: the users take turns writing to the group of the first three, and every
/// fourth message goes from the writer to dave alone.
fn message(t: u64) -> Message {
    let users = users();
    let from = &users[(t as usize) % 3];
    let to: Vec<String> = if t.is_multiple_of(4) {
        vec!["dave".into()]
    } else {
        users[..3].iter().filter(|u| *u != from).cloned().collect()
    };
    Message {
        id: message_id(t),
        t,
        from: from.clone(),
        to,
        text: format!("message {t}"),
        session: None,
    }
}

/// The ids of the envelopes `keyring` opens.
fn opened(keyring: &Keyring, envelopes: &[Envelope]) -> BTreeSet<u64> {
    let mut opener = Opener::new(keyring);
    envelopes
        .iter()
        .zip(opener.open_batch(envelopes))
        .filter(|(_, outcome)| matches!(outcome, Outcome::Opened(_)))
        .map(|(e, _)| e.t)
        .collect()
}

fn record(world: &mut SenderKeysWorld, n: u64, user: &str, t: u64) -> (Vec<Envelope>, Keyring) {
    let messages: Vec<Message> = (1..=n).map(message).collect();
    let (envelopes, copy) = world.record(&messages, user, t).unwrap();
    let mut keyring = Keyring::new();
    copy.unwrap().give_to(&mut keyring);
    (envelopes, keyring)
}

/// With no rotation, a copy of carol's phone opens every later message of each chain
/// she held, and nothing sent before it was taken: not even her own messages.
#[test]
fn a_copied_device_opens_each_chain_it_held_from_then_on() {
    let mut world = SenderKeysWorld::new(&users(), &Randomness::Seeded(3), 0);
    let (envelopes, keyring) = record(&mut world, 60, "carol", 20);
    let expected: BTreeSet<u64> = envelopes
        .iter()
        .filter(|e| e.t > 20 && e.participants().any(|p| p == "carol"))
        .map(|e| e.t)
        .collect();
    assert_eq!(opened(&keyring, &envelopes), expected);
    // 40 messages after t=20; every fourth goes to dave, of which carol writes a third.
    assert_eq!(expected.len(), 33);
}

/// With rotation every 3 messages, each chain opens only from the copy on, and a
/// chain started after the theft opens only while the pairwise sessions that carry it
/// are still the stolen ones: the first answers after the theft heal them.
#[test]
fn a_chain_started_after_the_copy_opens_only_through_an_unhealed_session() {
    let mut world = SenderKeysWorld::new(&users(), &Randomness::Seeded(3), 3);
    let (envelopes, keyring) = record(&mut world, 90, "carol", 20);
    let open = opened(&keyring, &envelopes);
    let chain_of = |e: &Envelope| (e.from.clone(), e.sender_key.unwrap().id);
    assert!(open.iter().all(|&t| t > 20), "{open:?}");
    let mut chains: BTreeMap<(String, u32), Vec<(u64, bool)>> = BTreeMap::new();
    for e in envelopes
        .iter()
        .filter(|e| e.participants().any(|p| p == "carol"))
    {
        chains
            .entry(chain_of(e))
            .or_default()
            .push((e.t, open.contains(&e.t)));
    }
    // Per chain: one that opens at all opens every message of it after the theft.
    for (chain, messages) in &chains {
        if messages.iter().any(|(_, o)| *o) {
            assert!(
                messages.iter().all(|(t, o)| *o == (*t > 20)),
                "{chain:?}: {messages:?}"
            );
        }
    }
    // Exact counts, chain by chain (the world is seeded). In the group of three:
    // each of the three chains running at t=20 opens its one later message (t=21-23);
    // each of the three started next (t=25-27) is handed over the stolen sessions and
    // opens all three of its messages; by then every member has answered carol with a
    // fresh ratchet key, and none of the 15 chains started from t=37 on opens.
    let group = |m: &&Vec<(u64, bool)>| m.iter().all(|(t, _)| t % 4 != 0);
    let opened_in = |m: &Vec<(u64, bool)>| m.iter().filter(|(_, o)| *o).count();
    let mut per_chain: Vec<(u64, usize)> = chains
        .values()
        .filter(group)
        .filter(|m| m.iter().any(|(t, _)| *t > 20))
        .map(|m| (m[0].0, opened_in(m)))
        .collect();
    per_chain.sort_unstable();
    let counts: Vec<usize> = per_chain.iter().map(|(_, n)| *n).collect();
    assert_eq!(&counts[..6], &[1, 1, 1, 3, 3, 3], "{per_chain:?}");
    assert!(counts[6..].iter().all(|n| *n == 0), "{per_chain:?}");
    assert_eq!(counts.len() - 6, 15, "{per_chain:?}");
    // Carol's chains for dave alone travel over a session dave never answers, so it
    // never heals: every one of her messages to him after t=20 opens.
    let to_dave: Vec<u64> = envelopes
        .iter()
        .filter(|e| e.from == "carol" && e.to == ["dave"] && e.t > 20)
        .map(|e| e.t)
        .collect();
    assert_eq!(to_dave, [32, 44, 56, 68, 80]);
    assert!(to_dave.iter().all(|t| open.contains(t)));
}

/// The server adds a member to alice's conversations from t=31: the members' own
/// clients hand it their chains, and it reads each of those conversations' messages
/// from then on, without any member's key.
#[test]
fn a_member_the_server_adds_reads_with_no_members_key() {
    let mut world = SenderKeysWorld::new(&users(), &Randomness::Seeded(3), 0);
    world.add_hidden_member(HiddenMember {
        name: "ghost".into(),
        target: "alice".into(),
        from: 31,
    });
    // The ghost's own device as the server made it, before anyone wrote to it: its
    // prekeys, no chain.
    let messages: Vec<Message> = (1..=60).map(message).collect();
    let (envelopes, ghost) = world.record(&messages, "ghost", 1).unwrap();
    let mut keyring = Keyring::new();
    ghost.unwrap().give_to(&mut keyring);
    let expected: BTreeSet<u64> = envelopes
        .iter()
        .filter(|e| e.t >= 31 && e.participants().any(|p| p == "alice"))
        .map(|e| e.t)
        .collect();
    assert!(expected.len() > 10);
    assert_eq!(opened(&keyring, &envelopes), expected);
    // The capture lists it: the roster the server gave is in each envelope's `to`.
    assert!(envelopes
        .iter()
        .filter(|e| expected.contains(&e.t))
        .all(|e| e.to.contains(&"ghost".to_owned())));
}

#[test]
fn snapshots_round_trip_with_their_chains() {
    let mut world = SenderKeysWorld::new(&users(), &Randomness::Seeded(3), 0);
    let messages: Vec<Message> = (1..=12).map(message).collect();
    let (_, copy) = world.record(&messages, "bob", 12).unwrap();
    let text = copy.unwrap().to_text();
    assert!(text.contains("\"chains\""), "{}", &*text);
    let parsed = crate::schemes::snapshot::parse(&text).unwrap();
    assert_eq!(*parsed.to_text(), *text);
    // Bob sent in and received from the group of three, and wrote to dave: his own two
    // chains and alice's and carol's in the group.
    assert_eq!(parsed.device_state().unwrap().sender_chains, 4);
}
