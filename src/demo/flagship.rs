//! The flagship demo: a golden key leaks.
//!
//! The two worlds share the very same sealed messages: the no-escrow envelope is the
//! golden-key envelope without its `escrow` field. That is exactly the difference between
//! the two designs, so the comparison changes one thing only (and the demo pays for each
//! RSA operation once, which keeps it within a classroom's patience).

use super::{
    demo_cast, open_all, Block, ComparisonRow, DemoObserver, DemoOptions, DemoRun, Fact, PartyRow,
    Stage,
};
use crate::attacks::{BlastRadius, Keyring};
use crate::crypto::random::SessionKeys;
use crate::error::Result;
use crate::schemes::{Scheme, SchemeId};
use crate::wire::envelope::Envelope;
use crate::wire::plaintext::Plaintext;
use crate::wire::world_file::Role;
use crate::world::traffic::TrafficGenerator;
use crate::world::{directory, scheme_for, seal_batch, Party, SchemeParams, ESCROW_NAME};

const USERS: [&str; 6] = ["alice", "bob", "carol", "dave", "erin", "frank"];
/// The user whose device is compromised in the no-escrow comparison.
const VICTIM: &str = "alice";
/// The user named in the warrant.
const SUSPECT: &str = "dave";
/// Messages sent after the leak, which the attacker reads as they pass.
const AFTER_LEAK: u64 = 50;

/// Runs the demo, calling `observer` around each act.
pub fn run(options: &DemoOptions, observer: &mut dyn DemoObserver) -> Result<DemoRun> {
    let mut story = Story::new(options, observer);
    let finished = story.play()?;
    Ok(DemoRun {
        demo: super::FLAGSHIP.to_owned(),
        seed: options.randomness.seed(),
        acts: story.stage.acts,
        stopped_early: !finished,
    })
}

struct Story<'a> {
    options: &'a DemoOptions,
    stage: Stage<'a>,
}

/// What earlier acts hand to later ones.
struct World {
    parties: Vec<Party>,
    users: Vec<String>,
    golden: Box<dyn Scheme>,
    traffic: TrafficGenerator,
    /// The recorded golden-key envelopes and the truth behind them.
    recorded: Vec<Envelope>,
}

impl<'a> Story<'a> {
    fn new(options: &'a DemoOptions, observer: &'a mut dyn DemoObserver) -> Self {
        Story {
            options,
            stage: Stage::new(observer),
        }
    }

    fn play(&mut self) -> Result<bool> {
        let randomness = self.options.randomness;
        let messages = self.options.messages.max(10);

        let parties = demo_cast(&USERS, &[(ESCROW_NAME, Role::Escrow)]);
        let users: Vec<String> = USERS.iter().map(|u| (*u).to_owned()).collect();
        let golden = scheme_for(SchemeId::GoldenKey, &SchemeParams::default(), &parties)?;
        let mut world = World {
            traffic: TrafficGenerator::new(&users, 1, &randomness),
            parties,
            users,
            golden,
            recorded: Vec::new(),
        };

        // Act 1.
        if !self.stage.act("A messenger with a golden key", |_| {
            Ok(act_world(&world.parties))
        })? {
            return Ok(false);
        }

        // Act 2.
        let mut tap_radius = None;
        if !self
            .stage
            .act("Everyone talks; the tap records", |observer| {
                let directory = directory(&world.parties);
                let plain: Vec<_> = (0..messages)
                    .map(|_| world.traffic.next_message())
                    .collect();
                world.recorded = seal_batch(
                    world.golden.as_ref(),
                    &directory,
                    &plain,
                    &randomness,
                    &SessionKeys::new(&randomness),
                );
                let (radius, _) =
                    open_all(&Keyring::new(), &world.recorded, &world.users, observer);
                let blocks = act_traffic(&world.recorded, &radius);
                tap_radius = Some(radius);
                Ok((
                    vec![
                        format!("The six exchange {messages} messages, one-to-one and in groups."),
                        "A tap on the network records every envelope (\"harvest now\").".to_owned(),
                        "It tries to read them: it holds no private key, so it opens none."
                            .to_owned(),
                    ],
                    blocks,
                ))
            })?
        {
            return Ok(false);
        }

        // Act 3.
        if !self
            .stage
            .act("Lawful access works, and has no limits", |observer| {
                Ok(act_warrant(&world, observer))
            })?
        {
            return Ok(false);
        }

        // Act 4.
        if !self
            .stage
            .act("The golden key leaks", |_| Ok(act_leak(&world.parties)))?
        {
            return Ok(false);
        }

        // Act 5.
        let mut escrow_radius = None;
        if !self.stage.act("Harvest now, decrypt later", |observer| {
            let keyring = Keyring::of_parties(&world.parties, &[ESCROW_NAME]);
            let (radius, opened) = open_all(&keyring, &world.recorded, &world.users, observer);
            let blocks = vec![
                Block::Radius {
                    label: "the attacker, holding escrow.pem".to_owned(),
                    radius: radius.clone(),
                },
                Block::Recovered {
                    label: "a few of the recovered messages".to_owned(),
                    messages: telling_samples(&opened),
                },
            ];
            escrow_radius = Some(radius);
            Ok((
                vec![
                    "The attacker runs the authority's own opening code over the recording."
                        .to_owned(),
                    "Every message of every user opens, back to the first one.".to_owned(),
                ],
                blocks,
            ))
        })? {
            return Ok(false);
        }

        // Act 6.
        if !self.stage.act("And tomorrow's messages too", |observer| {
                let directory = directory(&world.parties);
                let plain: Vec<_> = (0..AFTER_LEAK).map(|_| world.traffic.next_message()).collect();
                let fresh = seal_batch(
                    world.golden.as_ref(),
                    &directory,
                    &plain,
                    &randomness,
                    &SessionKeys::new(&randomness),
                );
                let keyring = Keyring::of_parties(&world.parties, &[ESCROW_NAME]);
                let (radius, _) = open_all(&keyring, &fresh, &world.users, observer);
                Ok((
                    vec![
                        format!("The users keep talking: {AFTER_LEAK} new messages, fresh content keys."),
                        "Each fresh key is still wrapped for the same escrow key, so each opens as it passes the tap."
                            .to_owned(),
                        "Nothing in the users' apps can tell them.".to_owned(),
                    ],
                    vec![Block::Radius {
                        label: "the attacker, on traffic sent after the leak".to_owned(),
                        radius,
                    }],
                ))
            })? {
            return Ok(false);
        }

        // Act 7.
        let mut victim_radius = None;
        if !self.stage.act(
            "The same budget against a design without escrow",
            |observer| {
                let without_escrow: Vec<Envelope> =
                    world.recorded.iter().map(strip_escrow).collect();
                let keyring = Keyring::of_parties(&world.parties, &[VICTIM]);
                let (radius, _) = open_all(&keyring, &without_escrow, &world.users, observer);
                let blocks = vec![Block::Radius {
                    label: format!("the attacker, holding {VICTIM}.pem, against scheme none"),
                    radius: radius.clone(),
                }];
                victim_radius = Some(radius);
                Ok((
                    vec![
                        "Same messages, same keys, but no escrow field: scheme none.".to_owned(),
                        format!("The attacker gets one key again: malware on {VICTIM}'s phone."),
                        format!("It opens {VICTIM}'s conversations and nothing else."),
                    ],
                    blocks,
                ))
            },
        )? {
            return Ok(false);
        }

        // Act 8.
        let (Some(tap), Some(escrow), Some(victim)) = (tap_radius, escrow_radius, victim_radius)
        else {
            unreachable!("acts 2, 5 and 7 ran");
        };
        self.stage
            .act("Blast radius", |_| Ok(act_table(tap, escrow, victim)))
    }
}

fn act_world(parties: &[Party]) -> (Vec<String>, Vec<Block>) {
    let mut rows: Vec<PartyRow> = parties
        .iter()
        .map(|p| PartyRow {
            name: p.name.clone(),
            role: p.role.as_str().to_owned(),
            key: format!(
                "RSA-{} {}",
                p.key.public_key().bits(),
                p.key.fingerprint().short(8)
            ),
            holds: if p.role == Role::Escrow {
                "a copy of every message key".to_owned()
            } else {
                "own messages".to_owned()
            },
        })
        .collect();
    rows.push(PartyRow {
        name: "relay".to_owned(),
        role: "relay".to_owned(),
        key: String::new(),
        holds: "routes envelopes, reads none".to_owned(),
    });
    rows.push(PartyRow {
        name: "tap".to_owned(),
        role: "network".to_owned(),
        key: String::new(),
        holds: "a recording of all traffic".to_owned(),
    });
    (
        vec![
            "Six people use an end-to-end encrypted messenger.".to_owned(),
            "Each message gets a fresh AES-256 key, wrapped with RSA-OAEP for each reader.".to_owned(),
            "In 2019 the US, UK and Australian governments asked Facebook for \"a means for lawful access\". Here it is: every message key is also wrapped for one escrow key, the golden key.".to_owned(),
        ],
        vec![
            Block::Parties { parties: rows },
            Block::Facts {
                facts: vec![Fact::plain(
                    "keys",
                    "published demo keys (demos/keys); doormat simulate makes fresh ones",
                )],
            },
        ],
    )
}

fn act_traffic(recorded: &[Envelope], tap: &BlastRadius) -> Vec<Block> {
    let one_to_one = recorded.iter().filter(|e| e.to.len() == 1).count();
    let bytes: usize = recorded.iter().map(|e| e.to_json_line().len() + 1).sum();
    vec![
        Block::Facts {
            facts: vec![
                Fact::plain(
                    "messages recorded",
                    format!(
                        "{} ({one_to_one} one-to-one, {} in groups)",
                        recorded.len(),
                        recorded.len() - one_to_one
                    ),
                ),
                Fact::plain("conversations", tap.conversations_total.to_string()),
                Fact::plain("capture size", format!("{} KiB", bytes.div_ceil(1024))),
            ],
        },
        Block::Envelope {
            json: recorded
                .first()
                .map(Envelope::to_json_line)
                .unwrap_or_default(),
        },
        Block::Radius {
            label: "the tap, holding no key".to_owned(),
            radius: tap.clone(),
        },
    ]
}

fn act_warrant(world: &World, observer: &mut dyn DemoObserver) -> (Vec<String>, Vec<Block>) {
    let total = world.recorded.len() as u64;
    // The warrant covers a period: one twentieth of the recording.
    let (from_t, to_t) = (total * 6 / 20 + 1, total * 7 / 20);
    let window: Vec<Envelope> = world
        .recorded
        .iter()
        .filter(|e| (from_t..=to_t).contains(&e.t))
        .cloned()
        .collect();
    let keyring = Keyring::of_parties(&world.parties, &[ESCROW_NAME]);
    let (_, opened) = open_all(&keyring, &window, &world.users, observer);
    let involves_suspect =
        |from: &str, to: &[String]| from == SUSPECT || to.iter().any(|t| t == SUSPECT);
    let warranted = window
        .iter()
        .filter(|e| involves_suspect(&e.from, &e.to))
        .count();
    let warranted_opened = opened
        .iter()
        .filter(|m| involves_suspect(&m.from, &m.to))
        .count();
    let others = window.len() - warranted;
    let others_opened = opened.len() - warranted_opened;
    let bystanders: Vec<Plaintext> = opened
        .iter()
        .filter(|m| !involves_suspect(&m.from, &m.to))
        .take(2)
        .cloned()
        .collect();
    (
        vec![
            format!("A judge signs a warrant for {SUSPECT}'s messages sent from t={from_t} to t={to_t}."),
            "The authority opens them with the escrow key. Lawful access works.".to_owned(),
            "But the key does not know what the warrant says: at the same moment it opens everyone else's messages too. Only policy says it must not.".to_owned(),
        ],
        vec![
            Block::Facts {
                facts: vec![
                    Fact::marked(
                        format!("{SUSPECT}'s messages in the warrant"),
                        format!("{warranted_opened} of {warranted} opened"),
                        warranted_opened > 0,
                    ),
                    Fact::marked(
                        "other people's messages, same period",
                        format!("{others_opened} of {others} opened"),
                        others_opened > 0,
                    ),
                ],
            },
            Block::Recovered {
                label: "read without any warrant".to_owned(),
                messages: bystanders,
            },
        ],
    )
}

fn act_leak(parties: &[Party]) -> (Vec<String>, Vec<Block>) {
    let escrow = parties
        .iter()
        .find(|p| p.role == Role::Escrow)
        .expect("the demo world has an escrow party");
    (
        vec![
            "Interception systems are targets, and they have been hit.".to_owned(),
            "Athens, 2004-05: rogue code in Vodafone Greece's switches used the lawful-interception system to tap about 100 phones, the prime minister's among them, while the interception log stayed empty.".to_owned(),
            "Salt Typhoon, reported 2024: intruders reached the systems US carriers use for court-ordered wiretaps.".to_owned(),
            "Here, an insider copies one file: escrow.pem.".to_owned(),
        ],
        vec![Block::Facts {
            facts: vec![
                Fact::plain(
                    "stolen",
                    format!("escrow.pem, one file of {} bytes", escrow.key.to_pem().len()),
                ),
                Fact::plain("fingerprint", escrow.key.fingerprint().short(16).to_owned()),
            ],
        }],
    )
}

fn act_table(
    tap: BlastRadius,
    escrow: BlastRadius,
    victim: BlastRadius,
) -> (Vec<String>, Vec<Block>) {
    let rows = vec![
        ComparisonRow {
            scheme: "golden-key".to_owned(),
            compromise: "network tap alone".to_owned(),
            radius: Some(tap.clone()),
        },
        ComparisonRow {
            scheme: "golden-key".to_owned(),
            compromise: "escrow key stolen".to_owned(),
            radius: Some(escrow),
        },
        ComparisonRow {
            scheme: "none".to_owned(),
            compromise: "network tap alone".to_owned(),
            radius: Some(tap),
        },
        ComparisonRow {
            scheme: "none".to_owned(),
            compromise: "escrow key stolen".to_owned(),
            radius: None,
        },
        ComparisonRow {
            scheme: "none".to_owned(),
            compromise: format!("{VICTIM}'s key stolen"),
            radius: Some(victim),
        },
    ];
    (
        vec![
            "One stolen key, two designs. With escrow, one file opens everyone's messages, past and future.".to_owned(),
            "Without it, the worst single theft opens one person's conversations.".to_owned(),
            "Facebook, December 2019: a backdoor \"would be a gift to criminals, hackers and repressive regimes\".".to_owned(),
        ],
        vec![
            Block::Comparison { rows },
            Block::Sources {
                sources: vec![
                    "Open letter of Barr, McAleenan, Patel and Dutton to Facebook, 4 Oct 2019".to_owned(),
                    "Facebook (Cathcart, Chudnovsky) reply, Dec 2019, as reported by AFP".to_owned(),
                    "Abelson et al., \"Keys Under Doormats\", MIT-CSAIL-TR-2015-026, July 2015".to_owned(),
                    "Athens affair, Vodafone Greece, 2004-05; Salt Typhoon, reported Oct 2024".to_owned(),
                ],
            },
        ],
    )
}

/// The scheme-none envelope: the same bytes, minus the escrow field.
pub(super) fn strip_escrow(envelope: &Envelope) -> Envelope {
    Envelope {
        escrow: None,
        scheme: SchemeId::None.as_str().to_owned(),
        ..envelope.clone()
    }
}

/// Up to three recovered messages that show why this matters (codes, health, money),
/// chosen by content so the choice is deterministic under a seed.
fn telling_samples(opened: &[Plaintext]) -> Vec<Plaintext> {
    const TELLING: [&str; 5] = ["door code", "Pin for", "test came back", "quit", "password"];
    let mut picked: Vec<Plaintext> = Vec::new();
    for word in TELLING {
        if picked.len() == 3 {
            break;
        }
        if let Some(m) = opened.iter().find(|m| m.text.contains(word)) {
            picked.push(m.clone());
        }
    }
    for m in opened {
        if picked.len() >= 3 {
            break;
        }
        if !picked.iter().any(|p| p.id == m.id) {
            picked.push(m.clone());
        }
    }
    picked.sort_by(|a, b| a.id.cmp(&b.id));
    picked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::random::Randomness;
    use crate::demo::Quiet;

    #[test]
    fn small_seeded_run_tells_the_whole_story() {
        let options = DemoOptions {
            randomness: Randomness::Seeded(5),
            messages: 60,
        };
        let run = run(&options, &mut Quiet).unwrap();
        assert_eq!(run.acts.len(), 8);
        let radii: Vec<&BlastRadius> = run
            .acts
            .iter()
            .flat_map(|a| &a.blocks)
            .filter_map(|b| match b {
                Block::Radius { radius, .. } => Some(radius),
                _ => None,
            })
            .collect();
        let [tap, escrow, after, victim] = radii[..] else {
            panic!("four radii")
        };
        assert_eq!(tap.messages_opened, 0);
        assert_eq!(escrow.messages_opened, 60);
        assert_eq!(escrow.users_fully_exposed.len(), 6);
        assert_eq!(after.messages_opened, AFTER_LEAK);
        assert_eq!(victim.users_fully_exposed, vec![VICTIM.to_owned()]);
        assert!(victim.messages_opened < 60 && victim.messages_opened > 0);
    }
}
