//! `dual-ec`: exceptional access hidden in the randomness, with no escrow field at all.
//!
//! Every message is sealed as in `none`: a fresh content key, wrapped for its readers
//! only. But each device draws its randomness from Dual_EC_DRBG (NIST SP 800-90, 2006)
//! over P-256, and each envelope carries 32 public random bytes (`rnd`), drawn from the
//! generator just before the content key, as TLS's client random and IKE's nonces were.
//! Whoever chose the generator's point Q keeps `d` with `d·Q = P` (keys/designer.key):
//! from one `rnd` it recovers the device's state and predicts the content key that
//! follows, and every later one (Shumow and Ferguson, 2007; Checkoway et al., 2014).
//!
//! The promise was "nobody but us": only the designer holds `d`. `--rekeyed-by NAME`
//! plays Juniper ScreenOS (Checkoway et al., 2016): someone replaced the Q in the
//! firmware with their own, so the designer's `d` now opens nothing and NAME's opens
//! everything. Nothing in the envelopes changes; only the constant.
//!
//! Modelling choices: only `rnd` and the content key come from the generator (the
//! nonce and the RSA-OAEP padding come from the device's other randomness), and
//! sessions are refused, so that each message draws its own key from its sender's
//! generator, in the sender's order.

pub mod attack;
pub mod predict;

use std::collections::HashMap;
use std::sync::Mutex;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::capability::InOrder;
use super::keyring::Keyring;
use super::params::{DesignParams, Kind, ParamsKind};
use super::registry::{
    Built, Design, Inputs, Invited, KeptFile, Loot, OwnMaterial, Rotated, Theft, WorldShape,
};
use super::stage::{DesignEvent, OwnEvent, Stage};
use super::{DeviceDraw, Scheme, SchemeId, SchemeParams};
use crate::crypto::aead::ContentKey;
use crate::crypto::dual_ec::{Backdoor, DualEcDrbg, PointQ};
use crate::crypto::random::{RandomStream, Randomness};
use crate::error::{InputError, Result};
use crate::schemes::said::Fact;
use crate::wire::envelope::{Envelope, RND_LEN};
use crate::wire::message::Message;
use crate::wire::names::check_name;
use crate::wire::world_file::Parameters;
use predict::Predictor;

/// The party that chose Q and keeps its `d`.
pub const DESIGNER_NAME: &str = "designer";
/// What a backdoor file says it is.
pub const BACKDOOR_KIND: &str = "dual-ec backdoor";

/// Where `holder`'s backdoor file goes in a world.
pub fn backdoor_path(holder: &str) -> String {
    format!("keys/{holder}.key")
}

/// A backdoor file (keys/designer.key): `d`, and the Q it was made for.
#[derive(Serialize, Deserialize)]
struct BackdoorText {
    v: u64,
    kind: String,
    holder: String,
    d: String,
    q: String,
}

/// A backdoor as read from its file.
#[derive(Debug, Clone)]
pub struct BackdoorFile {
    /// Who holds it.
    pub holder: String,
    /// Its `d`.
    pub backdoor: Backdoor,
    /// The Q it opens.
    pub q: PointQ,
}

impl BackdoorFile {
    fn text(holder: &str, backdoor: &Backdoor) -> Zeroizing<String> {
        let text = BackdoorText {
            v: 1,
            kind: BACKDOOR_KIND.to_owned(),
            holder: holder.to_owned(),
            d: backdoor.to_hex().to_string(),
            q: backdoor.point_q().to_hex(),
        };
        let mut json = serde_json::to_string_pretty(&text).expect("a backdoor file serialises");
        json.push('\n');
        Zeroizing::new(json)
    }

    /// Parses a backdoor file; errors name the field. The caller adds the file name.
    pub fn parse(text: &str) -> std::result::Result<BackdoorFile, InputError> {
        let raw: BackdoorText = serde_json::from_str(text).map_err(|e| {
            InputError::new(format!("not a Dual_EC backdoor file ({e})"))
                .hint("a backdoor file is keys/NAME.key in a dual-ec world")
        })?;
        if raw.v != 1 || raw.kind != BACKDOOR_KIND {
            return Err(InputError::new(format!(
                "is version {} of {:?}; this doormat reads version 1 of {BACKDOOR_KIND:?}",
                raw.v,
                crate::wire::names::truncate(&raw.kind, 40)
            ))
            .field("kind"));
        }
        check_name(&raw.holder).map_err(|e| e.field("holder"))?;
        let backdoor = Backdoor::from_hex(&raw.d).ok_or_else(|| {
            InputError::new("is not a P-256 scalar: 64 hex digits, nonzero, below the group order")
                .field("d")
        })?;
        let q = PointQ::from_hex(&raw.q)
            .ok_or_else(|| InputError::new("is not a point of P-256 (SEC1, hex)").field("q"))?;
        if !backdoor.opens(&q) {
            return Err(
                InputError::new("d·q is not P: this d was not made for this q")
                    .field("d")
                    .hint("the file is damaged; take it again from the world's keys/"),
            );
        }
        Ok(BackdoorFile {
            holder: raw.holder,
            backdoor,
            q,
        })
    }
}

/// Where world.json records the devices' Q, among the parameters.
pub const Q_FIELD: &str = "dual_ec_q";

/// dual-ec's parameters: its `simulate` flag and its table in world.json.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, clap::Args)]
#[serde(default)]
pub struct DualEcParams {
    /// dual-ec: NAME replaced the designer's Q with their own, as at Juniper; NAME's
    /// backdoor goes to keys/NAME.key
    #[arg(long, value_name = "NAME")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rekeyed_by: Option<String>,
}

impl DesignParams for DualEcParams {}

/// The devices' Q, as world.json records it; an input error naming the field if absent
/// or not a point.
pub fn world_q(parameters: &Parameters) -> std::result::Result<PointQ, InputError> {
    let text = parameters
        .text(Q_FIELD)
        .ok_or_else(|| InputError::new("is missing").field("parameters.dual_ec_q"))?;
    PointQ::from_hex(text).ok_or_else(|| {
        InputError::new("is not a point of P-256 (SEC1, hex)").field("parameters.dual_ec_q")
    })
}

/// The sealer: each sender's device keeps one generator for all its messages.
pub struct DualEc {
    q: PointQ,
    randomness: Randomness,
    devices: Mutex<HashMap<String, DualEcDrbg>>,
}

impl DualEc {
    /// Devices whose generators use `q`, each instantiated on its first message from
    /// its own stream of `randomness`.
    pub fn new(q: PointQ, randomness: Randomness) -> Self {
        DualEc {
            q,
            randomness,
            devices: Mutex::new(HashMap::new()),
        }
    }
}

impl Scheme for DualEc {
    fn id(&self) -> SchemeId {
        SchemeId::DualEc
    }

    fn device_draws(&self, batch: &[Message]) -> Option<Vec<DeviceDraw>> {
        // Each sender's messages, in order; senders in parallel (a draw is ten P-256
        // scalar multiplications).
        let mut by_sender: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, message) in batch.iter().enumerate() {
            match by_sender.iter_mut().find(|(name, _)| *name == message.from) {
                Some((_, indices)) => indices.push(i),
                None => by_sender.push((message.from.clone(), vec![i])),
            }
        }
        let mut devices = self
            .devices
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let work: Vec<(String, Vec<usize>, DualEcDrbg)> = by_sender
            .into_iter()
            .map(|(name, indices)| {
                let generator = devices.remove(&name).unwrap_or_else(|| {
                    let mut rng = self.randomness.stream(&format!("dual-ec/device/{name}"));
                    DualEcDrbg::instantiate(&mut rng, self.q)
                });
                (name, indices, generator)
            })
            .collect();
        let done: Vec<SenderDraws> = work
            .into_par_iter()
            .map(|(name, indices, mut generator)| {
                let draws = indices
                    .into_iter()
                    .map(|i| (i, draw(&mut generator)))
                    .collect();
                (name, generator, draws)
            })
            .collect();
        let mut slots: Vec<Option<DeviceDraw>> = (0..batch.len()).map(|_| None).collect();
        for (name, generator, draws) in done {
            devices.insert(name, generator);
            for (i, d) in draws {
                slots[i] = Some(d);
            }
        }
        Some(slots.into_iter().flatten().collect())
    }

    fn add_exceptional_access(
        &self,
        _: &mut Envelope,
        _: &Message,
        _: &ContentKey,
        _: &mut RandomStream,
    ) {
        // Nothing: the access is in `rnd`, which the device drew with the key.
    }

    fn in_order_reader(&self, material: &Loot, live_searches: usize) -> Option<Box<dyn InOrder>> {
        let held = material.as_own::<DeployedBackdoor>()?;
        // A backdoor made for another Q predicts nothing: an attacker checks d·Q = P
        // against the firmware before searching.
        held.file.backdoor.opens(&self.q).then(|| {
            Box::new(predict::LivePredictor::new(
                Predictor::new(held.file.backdoor.clone(), self.q).with_search_limit(live_searches),
            )) as Box<dyn InOrder>
        })
    }
}

/// A sender's generator after a batch, and what it drew for each of its messages.
type SenderDraws = (String, DualEcDrbg, Vec<(usize, DeviceDraw)>);

/// One message's draws: the public `rnd`, then the content key, each one Generate call.
pub fn draw(generator: &mut DualEcDrbg) -> DeviceDraw {
    let mut rnd = [0u8; RND_LEN];
    generator.generate(&mut rnd);
    DeviceDraw {
        key: next_content_key(generator),
        rnd: Some(rnd),
    }
}

/// The content key a generator draws next: one 32-byte Generate call.
pub fn next_content_key(generator: &mut DualEcDrbg) -> ContentKey {
    let mut bytes = Zeroizing::new([0u8; 32]);
    generator.generate(&mut bytes[..]);
    ContentKey::from_slice(&bytes[..]).expect("32 bytes make a content key")
}

/// A scenario's `rekey` event, Juniper's: `to` puts its own Q in the devices'
/// firmware, and the devices, reseeded, draw from it from the next message on. Nothing
/// in the envelopes changes.
#[derive(Debug)]
struct Rekey {
    to: String,
}

impl DesignEvent for Rekey {
    fn play(&self, stage: &mut dyn Stage) -> Result<Vec<Fact>> {
        let from = stage.now() + 1;
        let rekeyed = DualEcDesign::rekeyed(&self.to, stage.randomness());
        // Whoever read the old sealer's envelopes in order reads nothing new.
        let fits_before: Vec<String> = stage
            .loot()
            .iter()
            .filter(|(_, loot)| loot.reads_in_order().is_some())
            .map(|(party, _)| party.clone())
            .collect();
        stage.replace_sealer(rekeyed.sealer);
        for (party, loot) in rekeyed.loot {
            stage.hand_over(&self.to, &party, &loot);
            stage.add_loot(&party, loot);
        }
        let mut told = vec![Fact::told(
            "new Q",
            format!("{}'s, in every device from t={from}", self.to),
        )];
        for holder in fits_before {
            told.push(
                Fact::told(
                    format!("{holder}'s d"),
                    "d·Q ≠ P for the new Q: it predicts nothing new",
                )
                .marked(false),
            );
        }
        told.push(
            Fact::told(
                format!("{}'s d", self.to),
                "fits the new Q: every message from now on",
            )
            .marked(true),
        );
        Ok(told)
    }
}

impl DualEcDesign {
    /// The design after `holder` replaces its Q with one of their own, as an intruder
    /// re-keyed Juniper's Dual_EC: the new sealer (its devices reseeded from
    /// `randomness`), and the backdoor `holder` now holds.
    pub fn rekeyed(holder: &str, randomness: &Randomness) -> Rotated {
        let mut rng = randomness.stream(&format!("dual-ec/backdoor/{holder}"));
        let (backdoor, q) = Backdoor::generate(&mut rng);
        let file = BackdoorFile {
            holder: holder.to_owned(),
            backdoor,
            q,
        };
        // The devices are reseeded with the new firmware.
        let reseeded = randomness.fork(&format!("dual-ec/rekeyed/{holder}"));
        Rotated {
            sealer: Box::new(DualEc::new(q, reseeded)),
            loot: vec![(
                holder.to_owned(),
                Loot::own(DeployedBackdoor { file, deployed: q }),
            )],
        }
    }
}

/// The dual-ec design.
pub struct DualEcDesign;

impl DualEcDesign {
    /// The backdoors a world of `params` has: the designer's, and the re-keyer's.
    fn backdoors(params: &SchemeParams, randomness: &Randomness) -> Vec<(String, Backdoor)> {
        let mut holders = vec![DESIGNER_NAME.to_owned()];
        holders.extend(params.get::<DualEcParams>().rekeyed_by.clone());
        holders
            .into_iter()
            .map(|holder| {
                let (backdoor, _) = Backdoor::generate(
                    &mut randomness.stream(&format!("dual-ec/backdoor/{holder}")),
                );
                (holder, backdoor)
            })
            .collect()
    }
}

/// A Dual_EC backdoor `d` as loot, and the Q in the devices' firmware: it predicts
/// their randomness if that Q is the one it was made for.
#[derive(Debug, Clone)]
pub struct DeployedBackdoor {
    /// The backdoor, with the Q it was made for.
    pub file: BackdoorFile,
    /// The Q in the devices' firmware.
    pub deployed: PointQ,
}

impl OwnMaterial for DeployedBackdoor {
    fn reads_in_order(&self) -> Option<&'static str> {
        Some("d")
    }
}

impl Design for DualEcDesign {
    fn exercises(&self) -> &'static [&'static str] {
        &["dual-ec"]
    }
    fn open_loot(&self, loot: &[&Loot], keyring: &mut Keyring) -> Result<()> {
        for held in loot.iter().filter_map(|l| l.as_own::<DeployedBackdoor>()) {
            // A backdoor made for another Q predicts nothing, and adds nothing.
            if let Some(fitted) = predict::FittedBackdoor::fitting(&held.file, held.deployed) {
                keyring.add_capability(fitted);
            }
        }
        Ok(())
    }

    fn predictable_randomness(&self) -> bool {
        true
    }

    fn own_events(&self) -> &'static [OwnEvent] {
        &[OwnEvent {
            name: "rekey",
            fields: &["to"],
            parse: |fields| {
                Ok(Box::new(Rekey {
                    to: fields.adversary("to")?,
                }))
            },
            anywhere: false,
            total: None,
        }]
    }

    fn id(&self) -> SchemeId {
        SchemeId::DualEc
    }
    fn summary(&self) -> &'static str {
        "device randomness from Dual_EC; its author holds d"
    }
    fn params(&self) -> Option<&'static dyn ParamsKind> {
        Some(&Kind::<DualEcParams>::NEW)
    }
    fn check(
        &self,
        params: &SchemeParams,
        world: &WorldShape,
    ) -> std::result::Result<(), InputError> {
        if world.session_size != 1 {
            return Err(InputError::new(
                "dual-ec draws a fresh content key for every message from the sender's generator",
            )
            .field("--session-size")
            .hint("leave it at 1"));
        }
        if let Some(name) = &params.get::<DualEcParams>().rekeyed_by {
            check_name(name).map_err(|e| e.field("--rekeyed-by"))?;
            if name == DESIGNER_NAME || world.users.contains(name) {
                return Err(
                    InputError::new(format!("{name} is already a party of this world"))
                        .field("--rekeyed-by")
                        .hint("name whoever replaced Q: for example --rekeyed-by intruder"),
                );
            }
        }
        Ok(())
    }
    fn authorities(&self, params: &SchemeParams) -> Vec<String> {
        let mut names = vec![DESIGNER_NAME.to_owned()];
        names.extend(params.get::<DualEcParams>().rekeyed_by.clone());
        names
    }
    fn holds(&self, _: &str) -> &'static str {
        "d for its Q: predicts the devices' randomness"
    }
    fn key_label(&self, _: &str) -> Option<&'static str> {
        Some("Dual_EC backdoor d")
    }
    fn authority(&self) -> Option<&'static str> {
        Some(DESIGNER_NAME)
    }
    fn build(&self, inputs: &Inputs) -> Result<Built> {
        let backdoors = Self::backdoors(inputs.params, inputs.randomness);
        // The last one made is in the firmware: the designer's, or the re-keyer's.
        let (_, deployed) = backdoors.last().expect("the designer always has one");
        let q = deployed.point_q();
        let mut built = Built::sealer(DualEc::new(q, *inputs.randomness));
        for (holder, backdoor) in backdoors {
            built.kept.push(KeptFile::text(
                backdoor_path(&holder),
                BackdoorFile::text(&holder, &backdoor),
                true,
            ));
            built.loot.push((
                holder.clone(),
                Loot::own(DeployedBackdoor {
                    file: BackdoorFile {
                        q: backdoor.point_q(),
                        holder,
                        backdoor,
                    },
                    deployed: q,
                }),
            ));
        }
        let q_text = q.to_hex();
        built.public = Some(Box::new(move |parameters: &mut Parameters| {
            parameters.record(Q_FIELD, q_text.clone());
        }));
        Ok(built)
    }
    fn invited(&self, params: &SchemeParams, _: &str, _: u64) -> Vec<Invited> {
        self.authorities(params)
            .into_iter()
            .map(|holder| Invited::new(format!("{holder}'s d"), vec![Theft::Party(holder)]))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::random::Randomness;
    use crate::secret_tests::{assert_hidden, bytes, debug_both};

    #[test]
    fn a_rekeyed_sealer_is_read_in_order_only_by_the_new_holders_backdoor() {
        let randomness = Randomness::Seeded(3);
        let (d, q) = Backdoor::generate(&mut randomness.stream("designer"));
        let file = BackdoorFile {
            holder: DESIGNER_NAME.into(),
            backdoor: d,
            q,
        };
        let designer = Loot::own(DeployedBackdoor { file, deployed: q });
        let original = DualEc::new(q, randomness.fork("devices"));
        assert!(original.in_order_reader(&designer, 1).is_some());

        let rekeyed = DualEcDesign::rekeyed("intruder", &randomness);
        let [(holder, intruder)] = &rekeyed.loot[..] else {
            panic!("one holder of the new d, not {:?}", rekeyed.loot);
        };
        assert_eq!(holder, "intruder");
        assert_eq!(intruder.reads_in_order(), Some("d"));
        assert!(rekeyed.sealer.in_order_reader(intruder, 1).is_some());
        // Each d fits its own Q only: the designer's reads nothing new, the intruder's
        // nothing old.
        assert!(rekeyed.sealer.in_order_reader(&designer, 1).is_none());
        assert!(original.in_order_reader(intruder, 1).is_none());
    }

    #[test]
    fn a_backdoor_file_does_not_print_its_backdoor() {
        let secret = bytes();
        let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
        let d = Backdoor::from_hex(&hex).expect("below the group order");
        let file = BackdoorFile {
            holder: "designer".into(),
            q: d.point_q(),
            backdoor: d,
        };
        assert_hidden("BackdoorFile", &debug_both(&file), &secret);
    }

    #[test]
    fn a_backdoor_file_round_trips_and_refuses_a_mismatched_pair() {
        let (backdoor, q) = Backdoor::generate(&mut Randomness::Seeded(1).stream("d"));
        let text = BackdoorFile::text("designer", &backdoor);
        let file = BackdoorFile::parse(&text).unwrap();
        assert_eq!(file.q, q);
        assert_eq!(file.holder, "designer");
        let (_, other_q) = Backdoor::generate(&mut Randomness::Seeded(2).stream("d"));
        let swapped = text.replace(&q.to_hex(), &other_q.to_hex());
        let e = BackdoorFile::parse(&swapped).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("d"), "{e:?}");
        let e = BackdoorFile::parse(&text.replace("\"v\": 1", "\"v\": 2")).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("kind"));
        assert!(BackdoorFile::parse("{}").is_err());
    }

    /// A sender's draws come from one generator in order, whatever the batch holds
    /// besides: the same messages split over two batches draw the same keys.
    #[test]
    fn draws_follow_each_sender_across_batches() {
        let (_, q) = Backdoor::generate(&mut Randomness::Seeded(3).stream("d"));
        let message = |t: u64, from: &str| Message {
            id: crate::wire::message::message_id(t),
            t,
            from: from.into(),
            to: vec![if from == "alice" { "bob" } else { "alice" }.into()],
            text: "hi".into(),
            session: None,
        };
        let batch: Vec<Message> = [(1, "alice"), (2, "bob"), (3, "alice"), (4, "alice")]
            .map(|(t, f)| message(t, f))
            .to_vec();
        let whole = DualEc::new(q, Randomness::Seeded(4))
            .device_draws(&batch)
            .unwrap();
        let split = DualEc::new(q, Randomness::Seeded(4));
        let mut parts = split.device_draws(&batch[..2]).unwrap();
        parts.extend(split.device_draws(&batch[2..]).unwrap());
        for (a, b) in whole.iter().zip(&parts) {
            assert_eq!(a.rnd, b.rnd);
            assert_eq!(a.key.expose_secret(), b.key.expose_secret());
        }
        // alice's third message is her generator's sixth Generate call.
        let mut alice =
            DualEcDrbg::instantiate(&mut Randomness::Seeded(4).stream("dual-ec/device/alice"), q);
        draw(&mut alice);
        draw(&mut alice);
        assert_eq!(draw(&mut alice).rnd, whole[3].rnd);
    }
}
