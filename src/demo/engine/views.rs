//! What an act shows: radii, matrices, comparisons, exposures, parties, envelopes.

use super::*;

impl Engine {
    // ── Views ──────────────────────────────────────────────────────────────────────────

    pub(super) fn design_index(&self, id: Option<SchemeId>) -> usize {
        id.and_then(|id| self.designs.iter().position(|d| d.id == id))
            .unwrap_or(0)
    }

    pub(super) fn row_named(&self, name: &str) -> Result<usize> {
        self.rows
            .iter()
            .position(|r| r.name == name)
            .ok_or_else(|| Error::Internal(format!("no row called {name}")))
    }

    pub(super) fn show(&mut self, view: &Show) -> Result<Vec<Block>> {
        Ok(match view {
            Show::Parties => vec![self.parties()],
            Show::Envelope => vec![Block::Envelope {
                envelope: self.sample_envelope().map(Box::new),
            }],
            Show::Radius { who, design } => {
                let d = self.design_index(*design);
                let row = self.row_named(who)?;
                let radius = self.radius(row, d, 0..self.truth.len());
                let timelines: Vec<Block> = radius
                    .timelines
                    .iter()
                    .map(|timeline| Block::Timeline {
                        label: timeline.user.clone(),
                        timeline: timeline.clone(),
                    })
                    .collect();
                let mut blocks = vec![Block::Radius {
                    label: who.clone(),
                    holding: self.rows[row].access[d].holdings(),
                    design: Some(self.designs[d].id.to_string()),
                    scope: Scope::Recording,
                    radius,
                }];
                blocks.extend(timelines);
                blocks
            }
            Show::New { who } => {
                let row = self.row_named(who)?;
                let radius = self.radius(row, 0, self.act_start..self.truth.len());
                vec![Block::Radius {
                    label: who.clone(),
                    holding: Default::default(),
                    design: None,
                    scope: Scope::ThisAct,
                    radius,
                }]
            }
            Show::Recovered { who } => {
                let row = self.row_named(who)?;
                let access = self.rows[row].access[0].clone();
                let read = self.designs[0].read(&access, &self.truth);
                let opened: Vec<Plaintext> = read
                    .into_iter()
                    .enumerate()
                    .filter_map(|(i, text)| {
                        text.map(|t| Plaintext::opened(&self.designs[0].recording[i], t))
                    })
                    .collect();
                vec![Block::Recovered {
                    label: who.clone(),
                    sample: Sample::Telling,
                    messages: telling_samples(&opened),
                }]
            }
            Show::Compare => vec![self.compare()],
            Show::Exposure { user } => vec![self.exposure(user)?],
            Show::Reports => {
                let state = self.designs.iter().find_map(|d| d.state.as_ref());
                let state = state.ok_or_else(|| {
                    Error::Internal("no design of this demo keeps reports".into())
                })?;
                vec![Block::Facts {
                    facts: state.reports(),
                }]
            }
            Show::Log => vec![Block::Log {
                entries: self.log.clone(),
            }],
            Show::Notices => {
                let notices: Vec<Fact> = self
                    .designs
                    .iter()
                    .flat_map(|d| &d.notices)
                    .map(|n| {
                        Fact::new(Said::Notice {
                            t: n.t,
                            user: n.user.clone(),
                            notice: n.notice.clone(),
                            conversation: n.conversation.clone(),
                        })
                        .marked(false)
                    })
                    .collect();
                vec![Block::Facts {
                    facts: if notices.is_empty() {
                        vec![Fact::new(Said::NoNotices)]
                    } else {
                        notices
                    },
                }]
            }
        })
    }

    pub(super) fn radius(&mut self, row: usize, d: usize, range: Range<usize>) -> BlastRadius {
        let access = self.rows[row].access[d].clone();
        let read = self.designs[d].read(&access, &self.truth);
        let mut watch: Vec<(String, u64)> = access.phones.clone();
        watch.extend(
            access
                .devices
                .iter()
                .map(|copy| (copy.user.clone(), copy.t)),
        );
        let mut tally = Tally::new(self.user_names()).watching(&watch);
        for i in range {
            let outcome = match &read[i] {
                Some(text) => Outcome::Opened(text.clone()),
                None => Outcome::Sealed,
            };
            tally.count(&self.designs[d].recording[i], &outcome);
        }
        // No seconds: each key's opening is cached and shared across rows and acts, so
        // a time here would be a cache lookup, and a rate computed from it a fiction.
        // `doormat recover` and `doormat bench` time real opening.
        tally.finish(0.0)
    }

    /// Who can read what, in design `d`: each row's share of each user's messages.
    pub(super) fn matrix(&mut self, d: usize) -> Matrix {
        let users = self.user_names();
        let main = self.designs[d].id;
        let shown: Vec<usize> = (0..self.rows.len())
            .filter(|&r| {
                let row = &self.rows[r];
                row.kind != RowKind::Authority
                    || schemes::design(main)
                        .authorities(&self.scenario.world.params)
                        .contains(&row.name)
            })
            .collect();
        // Each user's messages, found once for all rows.
        let recording = &self.designs[d].recording;
        let columns: Vec<Vec<usize>> = users
            .iter()
            .map(|user| {
                (0..recording.len())
                    .filter(|&i| recording[i].participants().any(|p| p == user))
                    .collect()
            })
            .collect();
        let mut rows = Vec::new();
        for r in shown {
            let access = self.rows[r].access[d].clone();
            let read = self.designs[d].read(&access, &self.truth);
            let recording = &self.designs[d].recording;
            // What a row's searches left untried (a key search run on a few messages,
            // a Dual_EC backdoor's state search run on a few phones) is not counted
            // against it: its cells are what it opened of what it tried, and its
            // `searched` says how much that was.
            let skipped: BTreeSet<&str> = access
                .in_order
                .iter()
                .filter_map(|(party, _)| self.designs[d].skipped.get(party))
                .flatten()
                .map(String::as_str)
                .collect();
            let untried = |i: usize| {
                let envelope = &recording[i];
                read[i].is_none()
                    && ((!access.tried.is_empty() && !access.tried.contains(&envelope.id))
                        || skipped.contains(envelope.from.as_str()))
            };
            let cells = columns
                .iter()
                .map(|mine| MatrixCell {
                    readable: mine.iter().filter(|&&i| read[i].is_some()).count() as u64,
                    messages: mine.iter().filter(|&&i| !untried(i)).count() as u64,
                })
                .collect();
            let left = (0..recording.len()).filter(|&i| untried(i)).count() as u64;
            let searched = (left > 0).then_some(Searched {
                tried: recording.len() as u64 - left,
                recorded: recording.len() as u64,
            });
            let row = &self.rows[r];
            rows.push(MatrixRow {
                name: row.name.clone(),
                kind: match row.kind {
                    RowKind::User => "user",
                    RowKind::Authority => "authority",
                    RowKind::Tap => "network",
                    RowKind::Adversary => "adversary",
                }
                .to_owned(),
                cells,
                searched,
            });
        }
        Matrix {
            design: main.as_str().to_owned(),
            users,
            rows,
        }
    }

    pub(super) fn compare(&mut self) -> Block {
        let mut rows = Vec::new();
        for d in 0..self.designs.len() {
            for r in 0..self.rows.len() {
                if !matches!(self.rows[r].kind, RowKind::Tap | RowKind::Adversary) {
                    continue;
                }
                let access = &self.rows[r].access[d];
                let label = self.rows[r].name.clone();
                // A row that holds something (a locked phone, a key with no slot) shows
                // what it opens, even nothing; one that holds nothing has no row.
                let holds =
                    access.opens_anything() || !access.seized.is_empty() || !access.keys.is_empty();
                let radius = (self.rows[r].kind == RowKind::Tap || holds)
                    .then(|| self.radius(r, d, 0..self.truth.len()));
                rows.push(ComparisonRow {
                    scheme: self.designs[d].id.as_str().to_owned(),
                    compromise: label,
                    radius,
                });
            }
        }
        Block::Comparison { rows }
    }

    pub(super) fn exposure(&mut self, user: &str) -> Result<Block> {
        let mut t = None;
        let mut rows = Vec::new();
        for d in 0..self.designs.len() {
            for r in 0..self.rows.len() {
                if self.rows[r].kind != RowKind::Adversary {
                    continue;
                }
                let access = self.rows[r].access[d].clone();
                if !access.opens_anything() {
                    continue;
                }
                let stolen_at = access
                    .phones
                    .iter()
                    .filter(|(u, _)| u == user)
                    .map(|(_, t)| *t)
                    .chain(
                        access
                            .devices
                            .iter()
                            .filter(|copy| copy.user == *user)
                            .map(|copy| copy.t),
                    )
                    .next();
                if let Some(at) = stolen_at {
                    t.get_or_insert(at);
                }
                let Some(at) = stolen_at.or(t) else {
                    continue;
                };
                let read = self.designs[d].read(&access, &self.truth);
                let (mut before, mut after, mut others) =
                    (Span::default(), Span::default(), Span::default());
                for (i, envelope) in self.designs[d].recording.iter().enumerate() {
                    let span = if !envelope.participants().any(|p| p == user) {
                        &mut others
                    } else if envelope.t <= at {
                        &mut before
                    } else {
                        &mut after
                    };
                    span.messages += 1;
                    span.opened += u64::from(read[i].is_some());
                }
                rows.push(ExposureRow {
                    scheme: self.designs[d].id.as_str().to_owned(),
                    compromise: self.rows[r].name.clone(),
                    before,
                    after,
                    others,
                });
            }
        }
        Ok(Block::Exposure {
            victim: user.to_owned(),
            t: t.unwrap_or(0),
            rows,
        })
    }

    pub(super) fn parties(&self) -> Block {
        let main = self.designs[0].id;
        let mut parties: Vec<PartyRow> = self
            .users
            .iter()
            .map(|u| PartyRow {
                name: u.name.clone(),
                role: "user".to_owned(),
                key: if schemes::design(main).on_devices() {
                    PartyKey::DeviceKeys
                } else {
                    rsa_key(&u.key)
                },
                holds: PartyHolds::OwnMessages,
            })
            .collect();
        for name in schemes::design(main).authorities(&self.scenario.world.params) {
            let spec = schemes::design(main);
            let rsa = spec
                .parties()
                .iter()
                .any(|(n, role)| *n == name && !spec.withholds_key(*role));
            let key = match (rsa, spec.key_label(&name)) {
                (true, _) => rsa_key(&demo_key(&name)),
                (false, Some(label)) => PartyKey::Named(label),
                (false, None) => PartyKey::None,
            };
            let holds = spec.holds(&name);
            parties.push(PartyRow {
                name,
                role: "authority".to_owned(),
                key,
                holds: PartyHolds::Named(holds),
            });
        }
        parties.push(PartyRow {
            name: "tap".to_owned(),
            role: "network".to_owned(),
            key: PartyKey::None,
            holds: PartyHolds::Recording,
        });
        Block::Parties { parties }
    }

    /// An envelope that shows the design: under forward-secret, one past its X3DH.
    pub(super) fn sample_envelope(&self) -> Option<Envelope> {
        let recording = &self.designs[0].recording;
        recording
            .iter()
            .find(|e| e.to.len() == 1 && e.ratchet.iter().all(|(_, r)| r.x3dh.is_none()))
            .or(recording.first())
            .cloned()
    }
}
