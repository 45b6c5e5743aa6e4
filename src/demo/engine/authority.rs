//! The events about the authority and its access: warrants, insiders, breaches and
//! re-pointed taps, forged LEAFs, brute force. (The ghost, stolen shares and a
//! re-keyed Dual_EC are their designs' own events: see `schemes::stage`.)

use super::*;

impl Engine {
    pub(super) fn warrant(&mut self, target: &str) -> Result<Vec<Block>> {
        let t = self.now();
        let number = self.warrants.len() + 1;
        self.warrants.push((target.to_owned(), t));
        let mut facts = Vec::new();
        for d in 0..self.designs.len() {
            let Some(row) = self.authority_row(d) else {
                facts.push(Fact::plain(
                    self.designs[d].id.as_str(),
                    "no exceptional access: the provider has nothing to hand over",
                ));
                continue;
            };
            let design = &mut self.designs[d];
            // What a warrant does is the design's to say; the demo words it.
            let loot: Vec<&Loot> = design.loot.iter().map(|(_, l)| l).collect();
            let served = schemes::design(design.id).serve_warrant(&Warrant {
                target,
                t,
                loot: &loot,
                key_of: &|name: &str| demo_key(name),
                device_spent: design.bricked.contains(target),
            })?;
            let access = &mut self.rows[row].access[d];
            let how = match served {
                Warranted::SharesCombined { agents, key } => {
                    access.add_key(ESCROW_NAME, Role::Escrow, &key);
                    format!("agents 1 to {agents} bring their shares together: the whole escrow key, in one place")
                }
                Warranted::DeviceKeyHalves(released) => {
                    access.released.push((target.to_owned(), released));
                    format!("both agents release {target}'s unit key halves; XORed, they open what {target}'s device sends")
                }
                Warranted::VaultOpened { key } => format!(
                    "the provider opens its copy of {target}'s key, without the phone: {}",
                    key.fingerprint().short(8)
                ),
                Warranted::PhoneSpent => format!("{target}'s phone was bricked by an earlier unlock: what it held then is all there is"),
                Warranted::PhoneUnlocked { key } => {
                    design.bricked.insert(target.to_owned());
                    access.histories.push((target.to_owned(), t, key));
                    format!("police bring {target}'s phone; the vendor's vault key decrypts its blob to the passcode, the phone unlocks its history to t={t}, then bricks itself for good")
                }
                Warranted::GhostJoins { from } => {
                    design.point_hidden_reader(target, from);
                    format!("from t={from} the relay adds the ghost to {target}'s conversations")
                }
                Warranted::EscrowKeyOpens => "the escrow key opens the target's messages".to_owned(),
            };
            facts.push(Fact::plain(self.designs[d].id.as_str(), how));
        }
        let mut blocks = vec![Block::Facts { facts }];
        if let Some(row) = self.authority_row(0) {
            let name = self.rows[row].name.clone();
            self.log.push(LogEntry {
                t,
                by: name.clone(),
                target: target.to_owned(),
                warrant: Some(format!("W-{number}")),
            });
            // A ghost only reads from now on: what it reaches shows as traffic flows.
            if schemes::design(self.designs[0].id).warrant_reads_recorded() {
                blocks.extend(self.reach(row, target, &name, true));
            }
        }
        Ok(blocks)
    }

    /// What `row` reads, in the main design, of `target`'s messages and of everyone
    /// else's: the "a key does not read the warrant" facts. With `samples` (a warrant),
    /// "everyone else" is everyone under no warrant so far, and two of their messages
    /// are shown.
    pub(super) fn reach(
        &mut self,
        row: usize,
        target: &str,
        who: &str,
        samples: bool,
    ) -> Vec<Block> {
        let access = self.rows[row].access[0].clone();
        let read = self.designs[0].read(&access, &self.truth);
        let recording = &self.designs[0].recording;
        let involves = |e: &Envelope| e.participants().any(|p| p == target);
        let warranted: Vec<&str> = self.warrants.iter().map(|(u, _)| u.as_str()).collect();
        let covered = |e: &Envelope| {
            involves(e) || (samples && e.participants().any(|p| warranted.contains(&p)))
        };
        let count = |wanted: bool| -> (usize, usize) {
            let mine: Vec<usize> = (0..recording.len())
                .filter(|&i| {
                    if wanted {
                        involves(&recording[i])
                    } else {
                        !covered(&recording[i])
                    }
                })
                .collect();
            (
                mine.iter().filter(|&&i| read[i].is_some()).count(),
                mine.len(),
            )
        };
        let ((target_read, target_total), (other_read, other_total)) = (count(true), count(false));
        let mut blocks = vec![Block::Facts {
            facts: vec![
                Fact::marked(
                    format!("{target}'s messages"),
                    format!("{target_read} of {target_total} readable by {who}"),
                    target_read > 0,
                )
                .counting(target_read as u64, target_total as u64, "messages"),
                Fact::marked(
                    if samples && warranted.len() > 1 {
                        "under no warrant"
                    } else {
                        "everyone else's"
                    },
                    format!("{other_read} of {other_total}, with the same access"),
                    other_read > 0,
                )
                .counting(other_read as u64, other_total as u64, "messages"),
            ],
        }];
        if samples && other_read > 0 {
            let bystanders: Vec<Plaintext> = (0..recording.len())
                .filter(|&i| !covered(&recording[i]))
                .filter_map(|i| {
                    read[i]
                        .clone()
                        .map(|text| Plaintext::opened(&recording[i], text))
                })
                .take(2)
                .collect();
            blocks.push(Block::Recovered {
                label: who.to_owned(),
                sample: Sample::Unwarranted,
                messages: bystanders,
            });
        }
        blocks
    }

    /// Gives `to` a copy of the authority's access in every design.
    pub(super) fn take_authority_access(&mut self, to: &str) -> usize {
        let row = self.row_index(to, RowKind::Adversary);
        for d in 0..self.designs.len() {
            if let Some(authority) = self.authority_row(d) {
                let access = self.rows[authority].access[d].clone();
                let mine = &mut self.rows[row].access[d];
                for (party, role, key) in &access.keys {
                    mine.add_key(party, *role, key);
                }
                mine.released.extend(access.released);
            }
        }
        // A vault key taken opens the phones this row already holds.
        self.unlock_seized(row);
        row
    }

    pub(super) fn insider(&mut self, targets: &[String], to: &str, logged: bool) -> Vec<Block> {
        let row = self.take_authority_access(to);
        let t = self.now();
        let mut facts = Vec::new();
        for target in targets {
            if let Some(Block::Facts { facts: reached }) =
                self.reach(row, target, to, false).into_iter().next()
            {
                facts.extend(reached.into_iter().take(1));
            }
            if logged {
                self.log.push(LogEntry {
                    t,
                    by: to.to_owned(),
                    target: target.clone(),
                    warrant: None,
                });
            }
        }
        facts.push(Fact::plain(
            "access log",
            if logged {
                format!(
                    "{} written, none citing a warrant",
                    plural(targets.len(), "entry")
                )
            } else {
                "nothing written: the access went around the logging".to_owned()
            },
        ));
        vec![Block::Facts { facts }]
    }

    pub(super) fn breach(&mut self, to: &str) -> Vec<Block> {
        self.take_authority_access(to);
        let targets: Vec<String> = if self.warrants.is_empty() {
            vec!["(no warrants yet)".to_owned()]
        } else {
            self.warrants
                .iter()
                .enumerate()
                .map(|(i, (user, t))| format!("{user} (W-{}, since t={t})", i + 1))
                .collect()
        };
        vec![Block::Facts {
            facts: vec![
                Fact::plain(
                    "taken",
                    format!("the interception system's access, by {to}"),
                ),
                Fact::plain("targets", targets.join(", ")),
                Fact::plain(
                    "meaning",
                    "the attacker learns whom the authority is watching",
                ),
            ],
        }]
    }

    pub(super) fn repoint(&mut self, targets: &[String], to: &str, logged: bool) -> Vec<Block> {
        let row = self.row_index(to, RowKind::Adversary);
        let from = self.now() + 1;
        for d in 0..self.designs.len() {
            if let Some(authority) = self.authority_row(d) {
                let access = Box::new(self.rows[authority].access[d].clone());
                self.rows[row].access[d].live.push(LiveTap {
                    targets: targets.to_vec(),
                    from,
                    access,
                });
            }
        }
        if logged {
            for target in targets {
                self.log.push(LogEntry {
                    t: from - 1,
                    by: to.to_owned(),
                    target: target.clone(),
                    warrant: None,
                });
            }
        }
        vec![Block::Facts {
            facts: vec![
                Fact::plain("added targets", targets.join(", ")),
                Fact::plain("copies go to", format!("{to}, from t={from}")),
                Fact::marked(
                    "log entries",
                    if logged {
                        targets.len().to_string()
                    } else {
                        "0: the interception log stays empty".to_owned()
                    },
                    !logged,
                ),
            ],
        }]
    }

    pub(super) fn forge_leaf(&mut self, trials: u64) -> Vec<Block> {
        let report = crate::attacks::leaf::leaf_forgery(
            trials,
            &self.randomness.fork("forgery"),
            &|_, _| {},
        );
        vec![Block::Facts {
            facts: vec![
                Fact::plain(
                    "forgeries",
                    format!("{trials}, each until the 16-bit check passed"),
                )
                .measuring(trials as f64, "LEAFs"),
                Fact::plain(
                    "tries, mean",
                    format!(
                        "{:.0} (2^16 = {} expected; min {}, max {})",
                        report.mean_tries,
                        report.expected_tries,
                        report.min_tries,
                        report.max_tries
                    ),
                )
                .measuring(report.mean_tries, "tries"),
                Fact::marked(
                    "receiver accepted",
                    format!(
                        "{} of {trials}: the rogue pair talks on",
                        report.conversation_worked
                    ),
                    report.conversation_worked > 0,
                )
                .counting(report.conversation_worked, trials, "LEAFs"),
                Fact::marked(
                    "agents recovered the key",
                    format!("{} of {trials} forged LEAFs", report.escrow_recovered),
                    report.escrow_recovered > 0,
                )
                .counting(report.escrow_recovered, trials, "LEAFs"),
                Fact::marked(
                    "an honest device's LEAF",
                    format!("{} of {trials} recovered", report.honest_recovered),
                    report.honest_recovered > 0,
                )
                .counting(report.honest_recovered, trials, "LEAFs"),
                Fact::plain("took", duration(report.seconds)).timed(report.seconds, "seconds"),
            ],
        }]
    }

    /// Searches the first messages `to` has not read. With `key` (workfactor's agency
    /// key, if `to` holds it), the escrowed bits come from each envelope's `wrf` and
    /// `bits` are what is left.
    pub(super) fn brute_force(
        &mut self,
        messages: u64,
        to: &str,
        key: Option<&str>,
        bits: u32,
        observer: &mut dyn DemoObserver,
    ) -> Result<Vec<Block>> {
        let row = self.row_index(to, RowKind::Adversary);
        let held = key.map(|name| {
            self.rows[row].access[0]
                .keys
                .iter()
                .find(|(party, _, _)| party == name)
                .map(|(_, _, k)| k.clone())
        });
        if let (Some(name), Some(None)) = (key, &held) {
            return Ok(vec![Block::Facts {
                facts: vec![Fact::marked(
                    to.to_owned(),
                    format!("holds no {name} key: every secret bit is left to search"),
                    false,
                )],
            }]);
        }
        let agency = held.flatten();
        let mut cracked = Vec::new();
        let mut rate: f64 = 0.0;
        let mut seconds = 0.0;
        let mut extrapolation = Vec::new();
        let targets: Vec<Envelope> = self.designs[0]
            .recording
            .iter()
            .filter(|e| !self.rows[row].access[0].cracked.contains_key(&e.id))
            .take(messages as usize)
            .cloned()
            .collect();
        for envelope in &targets {
            let known = match &agency {
                None => 0,
                Some(key) => match schemes::design(self.designs[0].id).escrowed_bits(envelope, key)
                {
                    Ok(known) => known,
                    Err(_) => continue,
                },
            };
            let report = search_watched(envelope, bits, known, observer)?;
            seconds += report.seconds;
            rate = rate.max(report.keys_per_second);
            extrapolation = report.extrapolation;
            if let Some(text) = report.text {
                cracked.push(envelope.id.clone());
                self.rows[row].access[0]
                    .cracked
                    .insert(envelope.id.clone(), text);
            }
        }
        let mut facts = vec![
            Fact::plain(
                "key space",
                format!("2^{bits} = {} keys per message", 1u64 << bits),
            )
            .measuring((1u64 << bits) as f64, "keys"),
            Fact::marked(
                "cracked",
                format!(
                    "{} of {} messages: {}",
                    cracked.len(),
                    targets.len(),
                    cracked.join(", ")
                ),
                !cracked.is_empty(),
            )
            .counting(cracked.len() as u64, targets.len() as u64, "messages"),
            Fact::plain("took", format!("{}, all cores", duration(seconds)))
                .timed(seconds, "seconds"),
            Fact::plain("rate", format!("{} keys/s", rate_text(rate))).timed(rate, "keys/s"),
        ];
        for e in extrapolation.iter().filter(|e| e.bits > bits) {
            facts.push(
                Fact::plain(
                    format!("{}-bit keys", e.bits),
                    format!("{} per message, on average", duration(e.average_seconds)),
                )
                .measuring(e.average_seconds, "seconds"),
            );
        }
        Ok(vec![Block::Facts { facts }])
    }
}
