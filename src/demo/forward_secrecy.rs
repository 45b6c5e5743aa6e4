//! The forward-secrecy demo: the same conversation, and the same phone stolen at the
//! same moment, under three designs.
//!
//! `none` and `golden-key` share their sealed messages (the none envelope is the golden
//! one without `escrow`, as in the flagship); `forward-secret` seals the same plaintexts
//! with X3DH and the Double Ratchet, on devices whose deliveries are sometimes late. The
//! thief takes what the phone holds just after T: under none and golden-key the user's
//! RSA private key, under forward-secret the ratchet state. Every number comes from
//! really opening the recorded envelopes with what was taken.

use super::flagship::strip_escrow;
use super::{
    demo_cast, demo_key, open_all, open_all_watching, Block, DemoObserver, DemoOptions, DemoRun,
    ExposureRow, Fact,
};
use crate::attacks::timeline::{Span, Timeline};
use crate::attacks::{BlastRadius, Keyring};
use crate::crypto::random::SessionKeys;
use crate::error::{Error, Result};
use crate::schemes::forward_secret::device::Device;
use crate::schemes::forward_secret::snapshot::Snapshot;
use crate::schemes::SchemeId;
use crate::wire::envelope::Envelope;
use crate::wire::world_file::Role;
use crate::world::forward::ForwardWorld;
use crate::world::traffic::{Message, TrafficGenerator};
use crate::world::{directory, scheme_for, seal_batch, Party, SchemeParams, ESCROW_NAME};

const USERS: [&str; 4] = ["alice", "bob", "carol", "dave"];
/// Whose phone is stolen.
const VICTIM: &str = "alice";
/// Messages in the recording.
const MESSAGES: u64 = 300;
/// The phone is copied just after this logical time: half-way.
const STOLEN_AT: u64 = 150;

/// Runs the demo, calling `observer` around each act.
pub fn run(options: &DemoOptions, observer: &mut dyn DemoObserver) -> Result<DemoRun> {
    let mut stage = super::Stage::new(observer);
    let finished = play(options, &mut stage)?;
    Ok(DemoRun {
        demo: "forward-secrecy".to_owned(),
        seed: options.randomness.seed(),
        acts: stage.acts,
        stopped_early: !finished,
    })
}

/// The recordings of the three designs and what the thief took from the phone.
struct Recorded {
    users: Vec<String>,
    parties: Vec<Party>,
    golden: Vec<Envelope>,
    none: Vec<Envelope>,
    forward: Vec<Envelope>,
    /// The victim's forward-secret device, as it was just after T.
    device_at_t: Option<Device>,
}

fn play(options: &DemoOptions, stage: &mut super::Stage) -> Result<bool> {
    let randomness = options.randomness;
    let users: Vec<String> = USERS.iter().map(|u| (*u).to_owned()).collect();
    let mut recorded = Recorded {
        users,
        parties: demo_cast(&USERS, &[(ESCROW_NAME, Role::Escrow)]),
        golden: Vec::new(),
        none: Vec::new(),
        forward: Vec::new(),
        device_at_t: None,
    };

    if !stage.act("One conversation, three designs", |_| Ok(act_designs()))? {
        return Ok(false);
    }

    if !stage.act("Everyone talks; the tap records", |_| {
        let mut traffic = TrafficGenerator::new(&recorded.users, 1, &randomness);
        let plain: Vec<Message> = (0..MESSAGES).map(|_| traffic.next_message()).collect();
        let golden = scheme_for(
            SchemeId::GoldenKey,
            &SchemeParams::default(),
            &recorded.parties,
        )?;
        recorded.golden = seal_batch(
            golden.as_ref(),
            &directory(&recorded.parties),
            &plain,
            &randomness.fork("golden-key"),
            &SessionKeys::new(&randomness),
        );
        recorded.none = recorded.golden.iter().map(strip_escrow).collect();
        let mut world = ForwardWorld::new(&recorded.users, &randomness.fork("forward-secret"));
        (recorded.forward, recorded.device_at_t) = world.record(&plain, VICTIM, STOLEN_AT)?;
        Ok(act_traffic(&recorded))
    })? {
        return Ok(false);
    }

    if !stage.act(
        &format!("Malware on {VICTIM}'s phone at t={STOLEN_AT}"),
        |_| Ok(act_theft(&recorded)),
    )? {
        return Ok(false);
    }

    let mut rows = Vec::new();
    let watch = [(VICTIM.to_owned(), STOLEN_AT)];
    let mut rsa_phone = Keyring::new();
    rsa_phone.add_stolen_device(Snapshot::of_rsa_key(
        SchemeId::None.as_str(),
        VICTIM,
        STOLEN_AT,
        demo_key(VICTIM),
    ));

    if !stage.act("No escrow, no ratchet", |observer| {
        let (radius, _) = open_all(&rsa_phone, &recorded.none, &recorded.users, observer);
        rows.push(exposure("none", &format!("{VICTIM}'s phone at T"), &radius)?);
        Ok((
            vec![
                format!("Under none, {VICTIM}'s phone holds one long-term private key."),
                format!("Every message {VICTIM} ever sent or received was wrapped for it: the whole history opens, and so does everything after, until {VICTIM} changes keys."),
                "No one else's messages open.".to_owned(),
            ],
            radius_blocks(&format!("the thief, holding {VICTIM}'s RSA key"), radius)?,
        ))
    })? {
        return Ok(false);
    }

    if !stage.act("The Double Ratchet", |observer| {
        let device = recorded
            .device_at_t
            .clone()
            .ok_or_else(|| Error::Internal("the phone was not copied".into()))?;
        let mut ratchet_phone = Keyring::new();
        ratchet_phone.add_stolen_device(Snapshot::of_device(device, STOLEN_AT));
        let (radius, _) = open_all(&ratchet_phone, &recorded.forward, &recorded.users, observer);
        rows.push(exposure("forward-secret", &format!("{VICTIM}'s phone at T"), &radius)?);
        Ok((
            vec![
                "Under forward-secret, the phone holds ratchet state: chain keys that only move forward, and the keys of messages still on their way.".to_owned(),
                "The past stays sealed: each message key was derived, used once and deleted.".to_owned(),
                "The thief reads on for a short while, until a new Diffie-Hellman step mixes in a key generated after the theft. Then the session heals.".to_owned(),
            ],
            radius_blocks("the thief, holding the ratchet state", radius)?,
        ))
    })? {
        return Ok(false);
    }

    if !stage.act("The same phone, with a golden key", |observer| {
        let (phone, _) = open_all(&rsa_phone, &recorded.golden, &recorded.users, observer);
        rows.push(exposure("golden-key", &format!("{VICTIM}'s phone at T"), &phone)?);
        let escrow = Keyring::of_parties(&recorded.parties, &[ESCROW_NAME]);
        let (leak, _) =
            open_all_watching(&escrow, &recorded.golden, &recorded.users, &watch, observer);
        rows.push(exposure("golden-key", "the escrow key", &leak)?);
        Ok((
            vec![
                format!("Under golden-key, {VICTIM}'s phone is as exposed as under none."),
                "And every message key, past and future, of every user, is also wrapped for one escrow key. Whoever takes it reads the whole recording, with no window and no healing.".to_owned(),
            ],
            vec![
                Block::Radius {
                    label: format!("the thief, holding {VICTIM}'s RSA key"),
                    radius: phone,
                },
                Block::Radius {
                    label: "the thief, holding escrow.pem".to_owned(),
                    radius: leak,
                },
            ],
        ))
    })? {
        return Ok(false);
    }

    stage.act("What one theft costs", |_| {
        Ok((
            vec![
                format!("The same phone, stolen at the same moment: {VICTIM}'s messages before T, after T, and everyone else's."),
                "Forward secrecy keeps the past; post-compromise security takes back the future.".to_owned(),
                "An escrow key cancels both, for all recorded traffic at once: \"Keys Under Doormats\" warned that exceptional access would reverse forward secrecy.".to_owned(),
            ],
            vec![
                Block::Exposure {
                    victim: VICTIM.to_owned(),
                    t: STOLEN_AT,
                    rows,
                },
                Block::Sources {
                    sources: vec![
                        "Marlinspike and Perrin, \"The X3DH Key Agreement Protocol\", Signal, 2016".to_owned(),
                        "Perrin and Marlinspike, \"The Double Ratchet Algorithm\", Signal, 2016".to_owned(),
                        "Abelson et al., \"Keys Under Doormats\", MIT-CSAIL-TR-2015-026, July 2015".to_owned(),
                    ],
                },
            ],
        ))
    })
}

fn act_designs() -> (Vec<String>, Vec<Block>) {
    (
        vec![
            format!("Four people, {MESSAGES} messages, recorded by a tap on the network."),
            "The same words are sent three times, under three designs.".to_owned(),
            format!("Half-way through, just after t={STOLEN_AT}, malware copies {VICTIM}'s phone."),
        ],
        vec![Block::Facts {
            facts: vec![
                Fact::plain(
                    "none",
                    "each message key wrapped (RSA-OAEP) for its readers",
                ),
                Fact::plain(
                    "forward-secret",
                    "X3DH, then the Double Ratchet: every message its own key",
                ),
                Fact::plain(
                    "golden-key",
                    "as none, and every key also wrapped for escrow",
                ),
            ],
        }],
    )
}

fn act_traffic(recorded: &Recorded) -> (Vec<String>, Vec<Block>) {
    let bytes = |envelopes: &[Envelope]| -> usize {
        envelopes
            .iter()
            .map(|e| e.to_json_line().len() + 1)
            .sum::<usize>()
            / envelopes.len().max(1)
    };
    // A message well into the recording, after its session's X3DH is done.
    let sample = recorded
        .forward
        .iter()
        .find(|e| e.to.len() == 1 && e.ratchet.iter().all(|(_, r)| r.x3dh.is_none()))
        .or(recorded.forward.first());
    (
        vec![
            "Under forward-secret each recipient's entry carries a ratchet header: the sender's current Diffie-Hellman public key and the message's number in its chain.".to_owned(),
            "About one delivery in five arrives late: phones go offline. Late messages leave skipped keys on the receiving phone.".to_owned(),
        ],
        vec![
            Block::Facts {
                facts: vec![
                    Fact::plain("bytes per message, none", bytes(&recorded.none).to_string()),
                    Fact::plain(
                        "bytes per message, forward-secret",
                        bytes(&recorded.forward).to_string(),
                    ),
                    Fact::plain(
                        "bytes per message, golden-key",
                        bytes(&recorded.golden).to_string(),
                    ),
                ],
            },
            Block::Envelope {
                json: sample.map(Envelope::to_json_line).unwrap_or_default(),
            },
        ],
    )
}

fn act_theft(recorded: &Recorded) -> (Vec<String>, Vec<Block>) {
    let (sessions, skipped, prekeys) = recorded.device_at_t.as_ref().map_or((0, 0, 0), |d| {
        (
            d.sessions.len(),
            d.sessions
                .values()
                .map(|s| s.ratchet.skipped.len())
                .sum::<usize>(),
            d.one_time_prekeys.len(),
        )
    });
    (
        vec![
            "The thief copies everything the messenger keeps on the phone. Which keys that is depends on the design.".to_owned(),
            "Nothing else changes: same tap, same recording.".to_owned(),
        ],
        vec![Block::Facts {
            facts: vec![
                Fact::plain("none, golden-key", format!("{VICTIM}.pem: one RSA-2048 private key")),
                Fact::plain(
                    "forward-secret",
                    format!(
                        "identity key, {}, {}, {}",
                        plural(sessions, "ratchet session"),
                        plural(skipped, "skipped message key"),
                        plural(prekeys, "unused one-time prekey")
                    ),
                ),
            ],
        }],
    )
}

/// "1 key", "3 keys".
fn plural(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

fn radius_blocks(label: &str, mut radius: BlastRadius) -> Result<Vec<Block>> {
    let timeline = radius
        .timelines
        .pop()
        .ok_or_else(|| Error::Internal("no timeline for the stolen phone".into()))?;
    Ok(vec![
        Block::Radius {
            label: label.to_owned(),
            radius,
        },
        Block::Timeline {
            label: format!("{VICTIM}'s messages over time"),
            timeline,
        },
    ])
}

/// One row of the closing table, from a radius that watched the victim.
fn exposure(scheme: &str, compromise: &str, radius: &BlastRadius) -> Result<ExposureRow> {
    let timeline: &Timeline = radius
        .timelines
        .first()
        .ok_or_else(|| Error::Internal("no timeline for the stolen phone".into()))?;
    let victims = timeline.before.messages + timeline.after.messages;
    Ok(ExposureRow {
        scheme: scheme.to_owned(),
        compromise: compromise.to_owned(),
        before: timeline.before,
        after: timeline.after,
        others: Span {
            messages: radius.messages_total - victims,
            opened: timeline.other_users_opened,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::random::Randomness;
    use crate::demo::Quiet;

    #[test]
    fn the_ratchet_keeps_the_past_and_heals_and_the_golden_key_keeps_nothing() {
        let options = DemoOptions {
            randomness: Randomness::Seeded(8),
            ..DemoOptions::default()
        };
        let run = run(&options, &mut Quiet).unwrap();
        assert_eq!(run.acts.len(), 7);
        let Some(Block::Exposure { rows, .. }) = run.acts[6].blocks.first() else {
            panic!("the last act shows the exposure table")
        };
        let [none, forward, golden_phone, escrow] = &rows[..] else {
            panic!("four rows")
        };
        assert_eq!(none.before.opened, none.before.messages);
        assert_eq!(none.after.opened, none.after.messages);
        assert_eq!(none.others.opened, 0);
        assert!(forward.before.opened * 10 < forward.before.messages);
        assert!(forward.after.opened < forward.after.messages / 2);
        assert_eq!(forward.others.opened, 0);
        assert_eq!(golden_phone.after.opened, golden_phone.after.messages);
        assert_eq!(escrow.others.opened, escrow.others.messages);
        assert_eq!(escrow.before.opened, escrow.before.messages);
    }
}
