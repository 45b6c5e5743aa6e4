//! The events of the story that change who holds what: messages sent, keys leaked and
//! rotated, phones stolen and seized, pictures evaded, collided and poisoned.

use super::*;
use crate::schemes::stage::{DesignEvent, DesignState, Stage};

impl Engine {
    // ── Events ─────────────────────────────────────────────────────────────────────────

    pub(super) fn event(
        &mut self,
        event: &Event,
        observer: &mut dyn DemoObserver,
    ) -> Result<Vec<Block>> {
        Ok(match event {
            Event::Send { messages } => self.send(*messages, observer)?,
            Event::Leak { key, to } => self.leak(key, to),
            Event::Rotate => self.rotate(),
            Event::Compromise { user, to } => self.compromise(user, to)?,
            Event::Seize { user, to } => self.seize(user, to),
            Event::Warrant { target } => self.warrant(target)?,
            Event::Insider {
                targets,
                to,
                logged,
            } => self.insider(targets, to, *logged),
            Event::Breach { to } => self.breach(to),
            Event::Repoint {
                targets,
                to,
                logged,
            } => self.repoint(targets, to, *logged),
            Event::Own { kind, event } => self.own_event(kind, event.0.as_ref())?,
            Event::BruteForce {
                messages,
                to,
                key,
                bits,
            } => self.brute_force(*messages, to, key.as_deref(), *bits, observer)?,
        })
    }

    /// A design's own event: played on every design of the demo that lists its kind,
    /// each through a [`Stage`] over its own state; an experiment that plays anywhere,
    /// once, on the main design's.
    fn own_event(&mut self, kind: &str, event: &dyn DesignEvent) -> Result<Vec<Block>> {
        let mut facts = Vec::new();
        let anywhere = schemes::stage::plays_anywhere(kind);
        for d in 0..self.designs.len() {
            let design = schemes::design(self.designs[d].id);
            let plays = if anywhere {
                d == 0
            } else {
                design.own_events().iter().any(|own| own.name == kind)
            };
            if plays {
                facts.extend(event.play(&mut DesignStage { engine: self, d })?);
            }
        }
        Ok(vec![Block::Facts { facts }])
    }

    pub(super) fn send(
        &mut self,
        messages: u64,
        observer: &mut dyn DemoObserver,
    ) -> Result<Vec<Block>> {
        const BATCH: u64 = 250;
        let first = self.now() + 1;
        let mut sent = 0;
        while sent < messages {
            let n = BATCH.min(messages - sent);
            let mut plain: Vec<Message> = (0..n).map(|_| self.traffic.next_message()).collect();
            self.compose(&mut plain);
            self.deliver(plain)?;
            sent += n;
            observer.progress(sent, messages);
        }
        let fresh = &self.truth[self.truth.len() - messages as usize..];
        let one_to_one = fresh.iter().filter(|m| m.to.len() == 1).count();
        let mut facts = vec![Fact::new(Said::Sent {
            messages,
            first,
            last: self.now(),
            one_to_one: one_to_one as u64,
        })
        .measuring(messages as f64, "messages")];
        if self.designs.len() > 1 {
            facts.push(Fact::new(Said::SealedUnderEach {
                designs: self.designs.iter().map(|d| d.id).collect(),
            }));
        }
        facts.push(Fact::new(Said::Recorded));
        Ok(vec![Block::Facts { facts }])
    }

    /// What the users' clients attach as they write (client-scan: photos), once for
    /// every design, since all of them seal the same words.
    pub(super) fn compose(&mut self, plain: &mut [Message]) {
        if let Some(state) = self.designs.iter_mut().find_map(|d| d.state.as_mut()) {
            state.compose(plain);
        }
    }

    /// Seals `plain` under every design; the tap records it.
    pub(super) fn deliver(&mut self, plain: Vec<Message>) -> Result<()> {
        for design in &mut self.designs {
            design.seal(&self.users, &plain)?;
        }
        self.truth.extend(plain);
        Ok(())
    }

    /// The next message of the traffic, written by `user` to one contact.
    pub(super) fn write_message(&mut self, user: &str, words: &str) -> Message {
        let mut message = self.traffic.next_message();
        let names = self.user_names();
        let at = names.iter().position(|n| n == user).unwrap_or(0);
        message.from = user.to_owned();
        message.to = vec![names[(at + 1) % names.len()].clone()];
        message.text = words.to_owned();
        message
    }

    pub(super) fn leak(&mut self, party: &str, to: &str) -> Vec<Block> {
        let row = self.row_index(to, RowKind::Adversary);
        let mut facts = Vec::new();
        let mut stolen = None;
        for d in 0..self.designs.len() {
            let design = &self.designs[d];
            let spec = schemes::design(design.id);
            // Material that reads in order (a Dual_EC `d`) is copied as it is.
            let reader = design
                .loot
                .iter()
                .find(|(holder, loot)| holder == party && loot.reads_in_order().is_some());
            if let Some((_, loot)) = reader {
                let name = loot.reads_in_order().unwrap_or_default();
                facts.push(Fact::new(Said::HoldsBackdoor {
                    design: design.id,
                    to: to.to_owned(),
                    party: party.to_owned(),
                    material: name.to_owned(),
                }));
                self.rows[row].access[d].hold_in_order(party, loot);
                continue;
            }
            let own = spec.parties().iter().find(|(n, _)| *n == party);
            let key = match party {
                ESCROW_NAME => {
                    // The escrow key is copied where it is held: from the start under
                    // golden-key, only once a warrant has rebuilt it under split-key.
                    let holder = self.rows.iter().find(|r| r.name == ESCROW_NAME);
                    holder.and_then(|r| {
                        r.access[d]
                            .keys
                            .iter()
                            .find(|(p, _, _)| p == ESCROW_NAME)
                            .map(|(_, _, k)| k.clone())
                    })
                }
                _ if own.is_some() => Some(demo_key(party)),
                user => self
                    .users
                    .iter()
                    .position(|u| u.name == user)
                    .filter(|_| !spec.on_devices())
                    .map(user_key),
            };
            let Some(key) = key else {
                let withheld = own.is_some_and(|(_, role)| spec.withholds_key(*role));
                facts.push(Fact::new(Said::NoKeyToCopy {
                    design: design.id,
                    party: party.to_owned(),
                    why: if withheld {
                        NoKey::NotYetWhole
                    } else if spec.on_devices() {
                        NoKey::OnDevices
                    } else {
                        NoKey::NoSuchKey
                    },
                }));
                continue;
            };
            let access = &mut self.rows[row].access[d];
            match own.map(|(_, role)| *role) {
                // What the party keeps sits beside its key: with both, what that opens
                // (a provider's vault: every device). CLEAR's vault holds the key
                // alone: it opens the phones in hand, below.
                Some(Role::Vendor) => {
                    let kept: Vec<&Loot> = design
                        .loot
                        .iter()
                        .filter(|(holder, _)| holder == party)
                        .map(|(_, loot)| loot)
                        .collect();
                    let mut opened = Keyring::new();
                    opened.add(party, Role::Vendor, key.clone());
                    // Material that does not open is a gap in the scenario's world: it
                    // opens nothing, as it would for a thief.
                    if spec.open_loot(&kept, &mut opened).is_ok() {
                        for held in opened.holdings().iter().filter(|h| h.party != party) {
                            access.add_key(&held.party, held.role, &held.key);
                        }
                    }
                    access.add_key(party, Role::Vendor, &key);
                }
                Some(role) => access.add_key(party, role, &key),
                None if party == ESCROW_NAME => access.add_key(party, Role::Escrow, &key),
                None => access.add_key(party, Role::User, &key),
            }
            stolen = Some(key);
        }
        let unlocked = self.unlock_seized(row);
        facts.extend(unlocked);
        if let Some(key) = stolen {
            let bytes = key.to_pem().len() as u64;
            facts.insert(
                0,
                Fact::new(Said::KeyFileStolen {
                    party: party.to_owned(),
                    bytes,
                })
                .measuring(bytes as f64, "bytes"),
            );
            facts.insert(
                1,
                Fact::new(Said::Fingerprint {
                    fingerprint: key.fingerprint().short(16).to_owned(),
                }),
            );
            facts.insert(
                2,
                Fact::new(Said::NowHeldBy {
                    holder: to.to_owned(),
                }),
            );
        }
        vec![Block::Facts { facts }]
    }

    pub(super) fn rotate(&mut self) -> Vec<Block> {
        let new_key = demo_key("escrow-2");
        let recorded = self.now();
        let escrow_row = self.rows.iter().position(|r| r.name == ESCROW_NAME);
        let rotating = crate::schemes::stage::designs_playing("rotate");
        for d in 0..self.designs.len() {
            let design = &mut self.designs[d];
            if !rotating.contains(&design.id) {
                continue;
            }
            let params = &self.scenario.world.params;
            let mut rng = design.randomness.stream("shares/rotated");
            let Some(rotated) = schemes::design(design.id).rotate(&new_key, params, &mut rng)
            else {
                continue;
            };
            design.replace_sealer(rotated.sealer);
            // What a party holds of the new key replaces what it held of the old (a key
            // kept as agents' shares is split again, as the old one was).
            for (party, loot) in rotated.loot {
                design.loot.retain(|(p, _)| *p != party);
                design.loot.push((party, loot));
            }
            design.escrow = Some(new_key.clone());
            // The authority keeps the old key: old warrants still need it. Where the key
            // exists whole only after a warrant (split-key), there is nothing to add.
            let held_whole = !schemes::design(design.id).withholds_key(Role::Escrow);
            if let (Some(row), true) = (escrow_row, held_whole) {
                self.rows[row].access[d].add_key(ESCROW_NAME, Role::Escrow, &new_key);
            }
        }
        vec![Block::Facts {
            facts: vec![
                Fact::new(Said::NewEscrowKey {
                    fingerprint: new_key.fingerprint().short(16).to_owned(),
                }),
                Fact::new(Said::WrapsFrom { from: recorded + 1 }),
                Fact::new(Said::RecordedBefore { messages: recorded })
                    .marked(recorded > 0)
                    .measuring(recorded as f64, "messages"),
            ],
        }]
    }

    pub(super) fn compromise(&mut self, user: &str, to: &str) -> Result<Vec<Block>> {
        let row = self.row_index(to, RowKind::Adversary);
        let t = self.now();
        let index = self
            .users
            .iter()
            .position(|u| u.name == user)
            .ok_or_else(|| Error::Internal(format!("{user} is not a user")))?;
        let mut rsa = Vec::new();
        let mut facts = Vec::new();
        for d in 0..self.designs.len() {
            let design = &self.designs[d];
            let access = &mut self.rows[row].access[d];
            match &design.sealer {
                Sealer::Devices(world) => {
                    let copy = world
                        .copy_device(user, t)
                        .ok_or_else(|| Error::Internal(format!("no device for {user}")))?;
                    let state = copy.device_state().unwrap_or_default();
                    facts.push(Fact::new(Said::DeviceState {
                        design: design.id,
                        sessions: state.peers.len() as u64,
                        skipped_keys: state.skipped_keys as u64,
                        unused_prekeys: state.unused_prekeys as u64,
                        sender_chains: state.sender_chains as u64,
                    }));
                    access.devices.push(copy);
                }
                _ => {
                    access.add_key(user, Role::User, &user_key(index));
                    access.phones.push((user.to_owned(), t));
                    rsa.push(design.id);
                }
            }
        }
        if !rsa.is_empty() {
            facts.insert(
                0,
                Fact::new(Said::PhoneKeyFile {
                    designs: rsa,
                    user: user.to_owned(),
                }),
            );
        }
        facts.insert(
            0,
            Fact::new(Said::PhoneTaken {
                user: user.to_owned(),
                t,
                by: to.to_owned(),
                locked: false,
            }),
        );
        Ok(vec![Block::Facts { facts }])
    }

    pub(super) fn seize(&mut self, user: &str, to: &str) -> Vec<Block> {
        let row = self.row_index(to, RowKind::Adversary);
        let t = self.now();
        let mut facts = vec![Fact::new(Said::PhoneTaken {
            user: user.to_owned(),
            t,
            by: to.to_owned(),
            locked: true,
        })];
        for d in 0..self.designs.len() {
            let design = &self.designs[d];
            let access = &mut self.rows[row].access[d];
            // Held locked in every design; only a design that keeps the user's phone as
            // material of its own (CLEAR's blob) has anything on it to open.
            access.seized.push((user.to_owned(), t));
            if design
                .loot
                .iter()
                .any(|(holder, loot)| holder == user && loot.seized_at(t).is_some())
            {
                facts.push(Fact::new(Said::PasscodeOnPhone { design: design.id }));
            } else {
                facts.push(Fact::new(Said::PhoneStaysLocked { design: design.id }));
            }
        }
        facts.extend(self.unlock_seized(row));
        vec![Block::Facts { facts }]
    }

    /// Every locked phone `row` holds, opened by its design if the row also holds the
    /// key that opens it (CLEAR's vault key).
    pub(super) fn unlock_seized(&mut self, row: usize) -> Vec<Fact> {
        let mut facts = Vec::new();
        for d in 0..self.designs.len() {
            let design = &self.designs[d];
            let spec = schemes::design(design.id);
            let access = &mut self.rows[row].access[d];
            for (user, t) in access.seized.clone() {
                if access.histories.iter().any(|(u, _, _)| *u == user) {
                    continue;
                }
                let phones: Vec<Loot> = design
                    .loot
                    .iter()
                    .filter(|(holder, _)| *holder == user)
                    .filter_map(|(_, loot)| loot.seized_at(t))
                    .collect();
                if phones.is_empty() {
                    continue;
                }
                let mut opened = Keyring::new();
                for (party, role, key) in &access.keys {
                    opened.add(party, *role, key.clone());
                }
                let phones: Vec<&Loot> = phones.iter().collect();
                if spec.open_loot(&phones, &mut opened).is_err() {
                    continue;
                }
                let Some(key) = opened
                    .holdings()
                    .iter()
                    .find(|h| h.party == user && h.until == Some(t))
                    .map(|h| h.key.clone())
                else {
                    continue;
                };
                facts.push(
                    Fact::new(Said::PhoneOpened {
                        user: user.clone(),
                        t,
                    })
                    .marked(true),
                );
                access.histories.push((user, t, key));
            }
        }
        facts
    }

    pub(super) fn authority_row(&self, d: usize) -> Option<usize> {
        let name = schemes::design(self.designs[d].id).authority()?;
        self.rows.iter().position(|r| r.name == name)
    }
}

/// One design of a demo, as a design's own event sees it.
struct DesignStage<'e> {
    engine: &'e mut Engine,
    /// The design's place in the world's design order.
    d: usize,
}

impl Stage for DesignStage<'_> {
    fn now(&self) -> u64 {
        self.engine.now()
    }

    fn params(&self) -> &schemes::SchemeParams {
        &self.engine.scenario.world.params
    }

    fn randomness(&self) -> &Randomness {
        &self.engine.designs[self.d].randomness
    }

    fn sealer(&mut self) -> Option<&mut dyn Scheme> {
        match &mut self.engine.designs[self.d].sealer {
            Sealer::Plain(scheme) => Some(scheme.as_mut()),
            Sealer::Devices(_) => None,
        }
    }

    fn network(&mut self) -> Option<&mut dyn DeviceNetwork> {
        match &mut self.engine.designs[self.d].sealer {
            Sealer::Devices(world) => Some(world.as_mut()),
            Sealer::Plain(_) => None,
        }
    }

    fn loot(&self) -> &[(String, Loot)] {
        &self.engine.designs[self.d].loot
    }

    fn replace_sealer(&mut self, sealer: Box<dyn Scheme>) {
        self.engine.designs[self.d].replace_sealer(sealer);
    }

    fn add_loot(&mut self, party: &str, material: Loot) {
        self.engine.designs[self.d]
            .loot
            .push((party.to_owned(), material));
    }

    fn pieces_held(&mut self, to: &str) -> Vec<Loot> {
        let row = self.engine.row_index(to, RowKind::Adversary);
        self.engine.rows[row].access[self.d].pieces.clone()
    }

    fn hand_key(&mut self, to: &str, holder: &str, role: Role, key: &PrivateKey) {
        let row = self.engine.row_index(to, RowKind::Adversary);
        self.engine.rows[row].access[self.d].add_key(holder, role, key);
    }

    fn enters(&mut self, adversary: &str) {
        self.engine.row_index(adversary, RowKind::Adversary);
    }

    fn state(&mut self) -> Option<&mut dyn DesignState> {
        self.engine.designs[self.d].state.as_deref_mut()
    }

    fn write(&mut self, from: &str, words: &str) -> Message {
        self.engine.write_message(from, words)
    }

    fn deliver(&mut self, message: Message) -> Result<()> {
        self.engine.deliver(vec![message])
    }

    fn hand_over(&mut self, to: &str, party: &str, material: &Loot) {
        let row = self.engine.row_index(to, RowKind::Adversary);
        let design = schemes::design(self.engine.designs[self.d].id);
        self.engine.rows[row].access[self.d].take(design, party, material);
    }

    fn hand_device(&mut self, to: &str, copy: Snapshot) {
        let row = self.engine.row_index(to, RowKind::Adversary);
        self.engine.rows[row].access[self.d].devices.push(copy);
    }
}
