//! One table, every design: the same six users and the same traffic, sealed under each
//! scheme, then opened with the one compromise that scheme invites. Every number comes
//! from really opening (or brute-forcing) the envelopes.

use serde::Serialize;

use crate::attacks::brute_force::{brute_force, SearchOptions};
use crate::attacks::{open_all, BlastRadius, ComparisonRow, Keyring, Outcome, Tally};
use crate::crypto::random::{Randomness, SessionKeys};
use crate::error::{InputError, Result};
use crate::schemes::clipper::Clipper;
use crate::schemes::forward_secret::snapshot::Snapshot;
use crate::schemes::ghost::{Ghost, GHOST_NAME};
use crate::schemes::short_key::{self, ShortKey};
use crate::schemes::{split_key, vendor, GoldenKey, NoEscrow, Scheme, SchemeId};
use crate::wire::envelope::Envelope;
use crate::wire::world_file::Role;
use crate::world::cast::demo_cast;
use crate::world::forward::ForwardWorld;
use crate::world::traffic::{Message, TrafficGenerator};
use crate::world::{directory, seal_batch, SchemeParams, ESCROW_NAME, VENDOR_NAME};

/// The comparison's users: the demo cast, whose keys are published.
pub const USERS: [&str; 6] = ["alice", "bob", "carol", "dave", "erin", "frank"];

/// How the comparison runs.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    pub messages: u64,
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
    pub users: Vec<String>,
    pub messages: u64,
    pub seed: Option<u64>,
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
    short_key::check_bits(options.bits)?;
    if options.bits > 24 {
        return Err(InputError::new(
            "brute-forcing every message above 24 bits would take hours here",
        )
        .field("--bits")
        .hint("use doormat attack brute-force for one message of a larger key")
        .into());
    }
    let users: Vec<String> = USERS.iter().map(|u| (*u).to_owned()).collect();
    let parties = demo_cast(
        &USERS,
        &[
            (ESCROW_NAME, Role::Escrow),
            (VENDOR_NAME, Role::Vendor),
            (GHOST_NAME, Role::Escrow),
        ],
    );
    let party = |name: &str| {
        parties
            .iter()
            .find(|p| p.name == name)
            .expect("the comparison cast is complete")
    };
    let mut traffic = TrafficGenerator::new(&users, 1, &options.randomness.fork("traffic"));
    let plain: Vec<Message> = (0..options.messages)
        .map(|_| traffic.next_message())
        .collect();
    let directory = directory(&parties);
    let victim = &users[0];
    let after = options.messages / 2 + 1;
    let params = SchemeParams {
        agents: 5,
        threshold: 3,
        ..SchemeParams::default()
    };

    // The comparison keys every message on its own; no message belongs to a session.
    let sessions = SessionKeys::new(&options.randomness);
    let seal = |scheme: &dyn Scheme| {
        seal_batch(
            scheme,
            &directory,
            &plain,
            &options.randomness.fork(scheme.id().as_str()),
            &sessions,
        )
    };
    let keyring_of = |names: &[&str]| Keyring::of_parties(&parties, names);
    let open = |keyring: &Keyring, envelopes: &[Envelope]| open_all(keyring, envelopes, &users).0;
    let row = |scheme: &str, compromise: String, radius: Option<BlastRadius>| ComparisonRow {
        scheme: scheme.to_owned(),
        compromise,
        radius,
    };
    let mut rows = Vec::new();

    progress("none");
    let none = seal(&NoEscrow { id: SchemeId::None });
    rows.push(row(
        "none",
        format!("{victim}'s key"),
        Some(open(&keyring_of(&[victim]), &none)),
    ));
    rows.push(row("none", "escrow key".to_owned(), None));

    progress("forward-secret");
    let mut world = ForwardWorld::new(&users, &options.randomness.fork("forward-secret"));
    let (ratcheted, phone) = world.record(&plain, victim, after)?;
    let phone = phone.ok_or_else(|| crate::error::Error::Internal("no phone to steal".into()))?;
    let mut keyring = Keyring::new();
    keyring.add_stolen_device(Snapshot::of_device(phone, after));
    rows.push(row(
        "forward-secret",
        format!("{victim}'s phone, t={after}"),
        Some(open(&keyring, &ratcheted)),
    ));

    progress("golden-key");
    let golden = seal(&GoldenKey {
        escrow: party(ESCROW_NAME).key.public_key().clone(),
        id: SchemeId::GoldenKey,
    });
    rows.push(row(
        "golden-key",
        "escrow key".to_owned(),
        Some(open(&keyring_of(&[ESCROW_NAME]), &golden)),
    ));

    progress("split-key");
    let split = seal(&GoldenKey {
        escrow: party(ESCROW_NAME).key.public_key().clone(),
        id: SchemeId::SplitKey,
    });
    let escrow = party(ESCROW_NAME);
    let shares = split_key::split(
        &escrow.key,
        &params,
        &mut options.randomness.fork("split").stream("shares"),
    );
    let combined = split_key::combine(
        &shares[..params.threshold as usize],
        escrow.key.fingerprint().as_str(),
    )
    .map_err(|e| crate::error::Error::Internal(format!("shares did not combine: {e:?}")))?;
    let mut keyring = Keyring::new();
    keyring.add(ESCROW_NAME, Role::Escrow, combined);
    rows.push(row(
        "split-key",
        "3 of 5 shares".to_owned(),
        Some(open(&keyring, &split)),
    ));

    progress("vendor-escrow");
    let vended = seal(&NoEscrow {
        id: SchemeId::VendorEscrow,
    });
    let vendor_key = &party(VENDOR_NAME).key;
    let mut keyring = Keyring::new();
    let mut rng = options.randomness.fork("vault").stream("entries");
    for user in &users {
        let entry =
            vendor::escrow_device(user, &party(user).key, vendor_key.public_key(), &mut rng);
        keyring.add(user, Role::User, vendor::unseal(&entry, vendor_key)?);
    }
    rows.push(row(
        "vendor-escrow",
        "vendor vault key".to_owned(),
        Some(open(&keyring, &vended)),
    ));

    progress("ghost");
    let ghosted = seal(&Ghost {
        ghost: party(GHOST_NAME).key.public_key().clone(),
        after,
        target: victim.clone(),
    });
    rows.push(row(
        "ghost",
        format!("relay: {victim}, t>={after}"),
        Some(open(&keyring_of(&[GHOST_NAME]), &ghosted)),
    ));

    progress("clipper");
    let clipper = Clipper::generate(&users, &options.randomness.fork("clipper"));
    let leafed = seal(&clipper);
    let halves = clipper.halves(&mut options.randomness.fork("clipper").stream("halves"));
    let units = crate::schemes::clipper::combine_halves(&halves, &clipper.family, None)?;
    let mut keyring = Keyring::new();
    keyring.add_leaf_access(clipper.family.clone(), units);
    rows.push(row(
        "clipper",
        "escrow agents' files".to_owned(),
        Some(open(&keyring, &leafed)),
    ));

    progress("short-key");
    let weak = seal(&ShortKey { bits: options.bits });
    let started = std::time::Instant::now();
    let mut tally = Tally::new(users.clone());
    for envelope in &weak {
        let report = brute_force(
            envelope,
            options.bits,
            &SearchOptions::default(),
            &|_, _| {},
        )?;
        let outcome = match report.text {
            Some(text) => Outcome::Opened(text),
            None => Outcome::Sealed,
        };
        tally.count(envelope, &outcome);
    }
    rows.push(row(
        "short-key",
        format!("brute force, {} bits", options.bits),
        Some(tally.finish(started.elapsed().as_secs_f64())),
    ));

    Ok(Comparison {
        users,
        messages: options.messages,
        seed: options.randomness.seed(),
        rows,
    })
}
