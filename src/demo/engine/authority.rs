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
                facts.push(Fact::new(Said::NoExceptionalAccess {
                    design: self.designs[d].id,
                }));
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
            let answer = match served {
                Warranted::SharesCombined { agents, key } => {
                    access.add_key(ESCROW_NAME, Role::Escrow, &key);
                    WarrantAnswer::SharesCombined { agents }
                }
                Warranted::DeviceKeyHalves(released) => {
                    access.released.push((target.to_owned(), released));
                    WarrantAnswer::DeviceKeyHalves
                }
                Warranted::VaultOpened { key } => WarrantAnswer::VaultOpened {
                    fingerprint: key.fingerprint().short(8).to_owned(),
                },
                Warranted::PhoneSpent => WarrantAnswer::PhoneSpent,
                Warranted::PhoneUnlocked { key } => {
                    design.bricked.insert(target.to_owned());
                    access.histories.push((target.to_owned(), t, key));
                    WarrantAnswer::PhoneUnlocked { t }
                }
                Warranted::GhostJoins { from } => {
                    design.point_hidden_reader(target, from);
                    WarrantAnswer::GhostJoins { from }
                }
                Warranted::EscrowKeyOpens => WarrantAnswer::EscrowKeyOpens,
            };
            facts.push(Fact::new(Said::Warrant {
                design: self.designs[d].id,
                target: target.to_owned(),
                answer,
            }));
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
                Fact::new(Said::TargetReadable {
                    target: target.to_owned(),
                    who: who.to_owned(),
                    read: target_read as u64,
                    total: target_total as u64,
                })
                .marked(target_read > 0)
                .counting(target_read as u64, target_total as u64, "messages"),
                Fact::new(Said::OthersReadable {
                    unwarranted: samples && warranted.len() > 1,
                    read: other_read as u64,
                    total: other_total as u64,
                })
                .marked(other_read > 0)
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
        facts.push(Fact::new(Said::AccessLog {
            entries: logged.then_some(targets.len() as u64),
        }));
        vec![Block::Facts { facts }]
    }

    pub(super) fn breach(&mut self, to: &str) -> Vec<Block> {
        self.take_authority_access(to);
        let targets = self
            .warrants
            .iter()
            .enumerate()
            .map(|(i, (user, t))| WarrantTarget {
                user: user.clone(),
                warrant: i + 1,
                since: *t,
            })
            .collect();
        vec![Block::Facts {
            facts: vec![
                Fact::new(Said::InterceptionTaken { by: to.to_owned() }),
                Fact::new(Said::WarrantTargets { targets }),
                Fact::new(Said::LearnsTheWatchlist),
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
                Fact::new(Said::AddedTargets {
                    targets: targets.to_vec(),
                }),
                Fact::new(Said::CopiesGoTo {
                    to: to.to_owned(),
                    from,
                }),
                Fact::new(Said::LogEntries {
                    entries: logged.then_some(targets.len() as u64),
                })
                .marked(!logged),
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
                facts: vec![Fact::new(Said::HoldsNoKey {
                    holder: to.to_owned(),
                    key: name.to_owned(),
                })
                .marked(false)],
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
            self.rows[row].access[0].tried.insert(envelope.id.clone());
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
            Fact::new(Said::KeySpace { bits }).measuring((1u64 << bits) as f64, "keys"),
            Fact::new(Said::Cracked {
                ids: cracked.clone(),
                of: targets.len() as u64,
            })
            .marked(!cracked.is_empty())
            .counting(cracked.len() as u64, targets.len() as u64, "messages"),
            Fact::new(Said::TookAllCores { seconds }).timed(seconds, "seconds"),
            Fact::new(Said::Rate {
                keys_per_second: rate,
            })
            .timed(rate, "keys/s"),
        ];
        // What a partial search projects to: the recorded messages it left, at the
        // rate it just ran (a class reads the matrix, so the matrix says "of those
        // tried", and this says what the rest would take).
        let access = &self.rows[row].access[0];
        let rest = self.designs[0]
            .recording
            .iter()
            // Every message a search opened, it tried.
            .filter(|e| !access.tried.contains(&e.id))
            .count() as u64;
        if rest > 0 && !targets.is_empty() {
            let projected = seconds / targets.len() as f64 * rest as f64;
            facts.push(
                Fact::new(Said::SearchTheRest {
                    messages: rest,
                    seconds: projected,
                })
                .timed(projected, "seconds"),
            );
        }
        for e in extrapolation.iter().filter(|e| e.bits > bits) {
            facts.push(
                Fact::new(Said::LongerKey {
                    bits: e.bits,
                    seconds: e.average_seconds,
                })
                .measuring(e.average_seconds, "seconds"),
            );
        }
        Ok(vec![Block::Facts { facts }])
    }
}
