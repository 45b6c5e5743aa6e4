//! Checking one event or one view of an act: its kind, its fields, and what the
//! scenario's world allows it to do.

use super::*;

/// One kind of event a scenario may hold, keyed by its `do`: the fields it takes and
/// how one is checked against the world. [`EVENTS`] lists them all; the parser, the
/// refusal of stray fields and the hint that lists the events all read it.
pub(super) struct EventKind {
    /// What `do = "..."` names.
    pub(super) name: &'static str,
    /// The fields it takes, as the hint lists them.
    pub(super) fields: &'static [&'static str],
    /// Checks one event of this kind.
    check: fn(&mut Checking) -> Result<Event, InputError>,
}

impl EventKind {
    const fn new(
        name: &'static str,
        fields: &'static [&'static str],
        check: fn(&mut Checking) -> Result<Event, InputError>,
    ) -> Self {
        EventKind {
            name,
            fields,
            check,
        }
    }
}

/// Every event a scenario may hold, in the order the hint lists them.
pub(super) static EVENTS: &[EventKind] = &[
    EventKind::new("send", &["messages"], send),
    EventKind::new("leak", &["key", "to"], leak),
    EventKind::new("rotate", &[], |_| Ok(Event::Rotate)),
    EventKind::new("compromise", &["user", "to"], compromise),
    EventKind::new("seize", &["user", "to"], seize),
    EventKind::new("warrant", &["target"], warrant),
    EventKind::new("insider", &["targets", "to", "logged"], insider),
    EventKind::new("breach", &["to"], breach),
    EventKind::new("repoint", &["targets", "to", "logged"], repoint),
    EventKind::new("brute-force", &["messages", "to", "key"], brute_force),
];

/// The event kinds, each with its fields: the hint for a mistyped `do` or field.
pub(super) fn event_kinds() -> String {
    let own = crate::schemes::DESIGNS
        .iter()
        .flat_map(|design| design.own_events())
        .map(|own| (own.name, own.fields));
    let mut listed: Vec<&str> = Vec::new();
    EVENTS
        .iter()
        .map(|kind| (kind.name, kind.fields))
        .chain(own)
        .filter(|(name, _)| {
            let new = !listed.contains(name);
            listed.push(name);
            new
        })
        .map(|(name, fields)| match fields {
            [] => name.to_owned(),
            fields => format!("{name} ({})", fields.join(", ")),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One event being checked: where it is, and the world and names it is checked against.
pub(super) struct Checking<'a> {
    at: &'a Locator<'a>,
    field: &'a str,
    raw: &'a Spanned<RawEvent>,
    world: &'a WorldDef,
    names: &'a mut Names,
}

impl<'a> Checking<'a> {
    fn event(&self) -> &RawEvent {
        self.raw.get_ref()
    }

    fn kind(&self) -> &str {
        self.event().kind.get_ref()
    }

    /// The path of one of the event's fields.
    fn sub(&self, name: &str) -> String {
        format!("{}.{name}", self.field)
    }

    /// A field the kind needs and the file lacks.
    fn missing(&self, name: &str) -> InputError {
        self.at
            .error(
                self.raw.span(),
                &self.sub(name),
                format!("a {} event needs {name}", self.kind()),
            )
            .hint(format!("the events and their fields: {}", event_kinds()))
    }

    /// Refuses the event unless the world's main design allows it.
    fn needs(&self, design_ok: bool, what: &str) -> Result<(), InputError> {
        if design_ok {
            return Ok(());
        }
        Err(self
            .at
            .error(
                self.event().kind.span(),
                &self.sub("do"),
                format!(
                    "a {} event needs {what}, and this world's scheme is {}",
                    self.kind(),
                    self.world.main()
                ),
            )
            .hint("change world.scheme, or drop the event"))
    }

    /// A field that names one of the world's users.
    fn user(&self, value: &Option<Spanned<String>>, name: &str) -> Result<String, InputError> {
        let value = value.as_ref().ok_or_else(|| self.missing(name))?;
        if self.world.users.contains(value.get_ref()) {
            Ok(value.get_ref().clone())
        } else {
            Err(unknown_user(
                self.at,
                value,
                &self.sub(name),
                &self.world.users,
            ))
        }
    }

    /// A field that lists some of the world's users, at least one.
    fn users(
        &self,
        value: &Option<Spanned<Vec<Spanned<String>>>>,
        name: &str,
    ) -> Result<Vec<String>, InputError> {
        let list = value.as_ref().ok_or_else(|| self.missing(name))?;
        if list.get_ref().is_empty() {
            return Err(self.at.error(list.span(), &self.sub(name), "names no one"));
        }
        list.get_ref()
            .iter()
            .map(|u| {
                if self.world.users.contains(u.get_ref()) {
                    Ok(u.get_ref().clone())
                } else {
                    Err(unknown_user(self.at, u, &self.sub(name), &self.world.users))
                }
            })
            .collect()
    }

    /// The `to` field: who gains what the event hands over, an adversary of the story.
    fn to(&mut self) -> Result<String, InputError> {
        let raw: &'a Spanned<RawEvent> = self.raw;
        let to = raw
            .get_ref()
            .to
            .as_ref()
            .ok_or_else(|| self.missing("to"))?;
        let field = self.sub("to");
        self.names.adversary(self.at, to, &field)
    }

    /// A field that names one of the world's pictures.
    fn picture(&self, value: &Option<Spanned<String>>, name: &str) -> Result<String, InputError> {
        let value = value.as_ref().ok_or_else(|| self.missing(name))?;
        let known = crate::schemes::design(self.world.main()).pictures();
        if known.contains(&value.get_ref().as_str()) {
            Ok(value.get_ref().clone())
        } else {
            Err(self
                .at
                .error(
                    value.span(),
                    &self.sub(name),
                    format!("the world has no picture called {:?}", value.get_ref()),
                )
                .hint(format!("its pictures are: {}", known.join(", "))))
        }
    }

    /// A count field the kind needs, from 1 to `max`; otherwise refused, saying
    /// `problem` of the number given (and `hint`, if any).
    fn count(
        &self,
        value: &Option<Spanned<u64>>,
        name: &str,
        max: u64,
        problem: impl FnOnce(u64) -> String,
        hint: Option<&str>,
    ) -> Result<u64, InputError> {
        let value = value.as_ref().ok_or_else(|| self.missing(name))?;
        let n = *value.get_ref();
        if (1..=max).contains(&n) {
            return Ok(n);
        }
        let error = self.at.error(value.span(), &self.sub(name), problem(n));
        Err(match hint {
            Some(hint) => error.hint(hint),
            None => error,
        })
    }

    /// Refuses an event of the interception system unless the design has an authority
    /// with exceptional access.
    fn needs_authority(&self) -> Result<(), InputError> {
        self.needs(
            crate::schemes::design(self.world.main())
                .authority()
                .is_some(),
            "an authority with exceptional access",
        )
    }
}

/// A design's own event reads its fields through the same checks as the events every
/// design plays: a field it names that the file lacks, or that names no user, is refused
/// at its line.
impl<'a> crate::schemes::stage::EventFields for Checking<'a> {
    fn user(&mut self, name: &str) -> Result<String, InputError> {
        let value = self.text_field(name)?;
        Checking::user(self, value, name)
    }

    fn adversary(&mut self, name: &str) -> Result<String, InputError> {
        let raw: &'a Spanned<RawEvent> = self.raw;
        let value = text_field_of(raw.get_ref(), name)
            .and_then(Option::as_ref)
            .ok_or_else(|| self.missing(name))?;
        let field = self.sub(name);
        self.names.adversary(self.at, value, &field)
    }

    fn count(&mut self, name: &str, max: u64) -> Result<u64, InputError> {
        let agent = self
            .event()
            .agent
            .as_ref()
            .map(|a| Spanned::new(a.span(), u64::from(*a.get_ref())));
        let value = match name {
            "messages" => &self.event().messages,
            "trials" => &self.event().trials,
            "agent" => &agent,
            _ => return Err(self.missing(name)),
        };
        Checking::count(
            self,
            value,
            name,
            max,
            |n| {
                format!(
                    "there is no {name} {n}: a {} event's {name} is 1 to {max}",
                    self.kind()
                )
            },
            None,
        )
    }

    fn picture(&mut self, name: &str) -> Result<String, InputError> {
        let value = self.text_field(name)?;
        Checking::picture(self, value, name)
    }

    fn params(&self) -> &crate::schemes::SchemeParams {
        &self.world.params
    }
}

impl Checking<'_> {
    /// One of the text fields of the event, by its name.
    fn text_field(&self, name: &str) -> Result<&Option<Spanned<String>>, InputError> {
        text_field_of(self.event(), name).ok_or_else(|| self.missing(name))
    }
}

/// The text field of `event` called `name`, if events have one.
fn text_field_of<'e>(event: &'e RawEvent, name: &str) -> Option<&'e Option<Spanned<String>>> {
    Some(match name {
        "user" => &event.user,
        "target" => &event.target,
        "to" => &event.to,
        "key" => &event.key,
        "picture" => &event.picture,
        _ => return None,
    })
}

pub(super) fn check_event(
    at: &Locator,
    field: &str,
    raw: &Spanned<RawEvent>,
    world: &WorldDef,
    names: &mut Names,
) -> Result<Event, InputError> {
    let e = raw.get_ref();
    let name = e.kind.get_ref().as_str();
    let main = world.main();
    let mut checking = Checking {
        at,
        field,
        raw,
        world,
        names,
    };
    // An event that belongs to some designs plays only where one of them is the main
    // scheme: the designs say which events are theirs.
    let playing = crate::schemes::stage::designs_playing(name);
    if !playing.is_empty() {
        let names: Vec<&str> = playing.iter().map(|id| id.as_str()).collect();
        checking.needs(
            playing.contains(&main),
            &format!("a world of {}", names.join(" or ")),
        )?;
    }
    // The main design's own events, then the experiments any world plays.
    let own = crate::schemes::design(main)
        .own_events()
        .iter()
        .chain(
            crate::schemes::DESIGNS
                .iter()
                .flat_map(|design| design.own_events())
                .filter(|own| own.anywhere),
        )
        .find(|own| own.name == name);
    if let Some(own) = own {
        let event = (own.parse)(&mut checking)?;
        refuse_extra_fields(at, field, own.name, own.fields, e)?;
        return Ok(Event::Own {
            kind: own.name.to_owned(),
            event: OwnPlay(event.into()),
        });
    }
    let Some(kind) = EVENTS.iter().find(|kind| kind.name == name) else {
        return Err(at
            .error(
                e.kind.span(),
                &format!("{field}.do"),
                format!("there is no event called {name:?}"),
            )
            .hint(format!("the events and their fields: {}", event_kinds())));
    };
    let event = (kind.check)(&mut checking)?;
    refuse_extra_fields(at, field, kind.name, kind.fields, e)?;
    Ok(event)
}

fn send(c: &mut Checking) -> Result<Event, InputError> {
    let messages = c.count(
        &c.event().messages,
        "messages",
        MAX_SEND,
        |n| format!("{n} messages: one send event sends 1 to {MAX_SEND}"),
        Some("a demo must run in seconds in front of a class"),
    )?;
    Ok(Event::Send { messages })
}

fn leak(c: &mut Checking) -> Result<Event, InputError> {
    let key = c.event().key.as_ref().ok_or_else(|| c.missing("key"))?;
    if !c.names.keys.contains(key.get_ref()) {
        return Err(c
            .at
            .error(
                key.span(),
                &c.sub("key"),
                format!(
                    "no party called {:?} holds a key in this world",
                    key.get_ref()
                ),
            )
            .hint(format!("the keys are: {}", c.names.keys.join(", "))));
    }
    let key = key.get_ref().clone();
    Ok(Event::Leak { key, to: c.to()? })
}

fn compromise(c: &mut Checking) -> Result<Event, InputError> {
    let victim = c.user(&c.event().user, "user")?;
    c.event().to.as_ref().ok_or_else(|| c.missing("to"))?;
    c.names.compromised.push(victim.clone());
    Ok(Event::Compromise {
        user: victim,
        to: c.to()?,
    })
}

fn seize(c: &mut Checking) -> Result<Event, InputError> {
    let owner = c.user(&c.event().user, "user")?;
    Ok(Event::Seize {
        user: owner,
        to: c.to()?,
    })
}

fn warrant(c: &mut Checking) -> Result<Event, InputError> {
    Ok(Event::Warrant {
        target: c.user(&c.event().target, "target")?,
    })
}

/// An insider or a re-pointed tap (`make` says which): whose messages, who gains them,
/// and whether the access log records it.
fn access_abuse(
    c: &mut Checking,
    make: fn(Vec<String>, String, bool) -> Event,
) -> Result<Event, InputError> {
    c.needs_authority()?;
    let targets = c.users(&c.event().targets, "targets")?;
    let to = c.to()?;
    let logged = c
        .event()
        .logged
        .as_ref()
        .map(|l| *l.get_ref())
        .ok_or_else(|| c.missing("logged"))?;
    Ok(make(targets, to, logged))
}

fn insider(c: &mut Checking) -> Result<Event, InputError> {
    access_abuse(c, |targets, to, logged| Event::Insider {
        targets,
        to,
        logged,
    })
}

fn repoint(c: &mut Checking) -> Result<Event, InputError> {
    access_abuse(c, |targets, to, logged| Event::Repoint {
        targets,
        to,
        logged,
    })
}

fn breach(c: &mut Checking) -> Result<Event, InputError> {
    c.needs_authority()?;
    Ok(Event::Breach { to: c.to()? })
}

fn brute_force(c: &mut Checking) -> Result<Event, InputError> {
    let e = c.event();
    let search = crate::schemes::design(c.world.main())
        .key_search(&c.world.params)
        .ok_or_else(|| c.missing("a design with short keys"))?;
    // What is left to search once the key, if any, has read its bits.
    let bits = match &e.key {
        None => search.bits,
        Some(key) => search.bits_with(Some(key.get_ref())).ok_or_else(|| {
            c.at.error(
                key.span(),
                &c.sub("key"),
                format!("{:?} holds no bits of the content keys here", key.get_ref()),
            )
            .hint(match search.escrowed {
                Some((holder, _)) => {
                    format!("key = {holder:?} reads the escrowed bits of this world")
                }
                None => "this world escrows no bits: leave key out".to_owned(),
            })
        })?,
    };
    let key = e.key.as_ref().map(|k| k.get_ref().clone());
    let count = c.count(
        &e.messages,
        "messages",
        MAX_CRACK,
        |n| format!("{n} messages: a demo cracks 1 to {MAX_CRACK} live"),
        None,
    )?;
    let messages = e.messages.as_ref().ok_or_else(|| c.missing("messages"))?;
    let keys = count.saturating_mul(1u64 << bits.min(63));
    if keys > MAX_LIVE_KEYS {
        return Err(c
            .at
            .error(
                messages.span(),
                &c.sub("messages"),
                format!(
                    "{} messages of {} bits: up to {keys} keys to try, more than a class can wait for",
                    messages.get_ref(),
                    bits
                ),
            )
            .hint(format!(
                "a brute-force event tries at most 2^32 keys: {} messages of {} bits",
                (MAX_LIVE_KEYS >> bits.min(32)).clamp(1, MAX_CRACK),
                bits
            )));
    }
    let messages = *messages.get_ref();
    Ok(Event::BruteForce {
        messages,
        to: c.to()?,
        key,
        bits,
    })
}

/// A field the event's kind does not use is a mistake (`target` on a leak, say): the
/// teacher meant something, and silently ignoring it would hide what.
pub(super) fn refuse_extra_fields(
    at: &Locator,
    field: &str,
    kind: &str,
    fields: &[&str],
    e: &RawEvent,
) -> Result<(), InputError> {
    let present: [(&str, Option<Range<usize>>); 10] = [
        ("messages", e.messages.as_ref().map(Spanned::span)),
        ("key", e.key.as_ref().map(Spanned::span)),
        ("to", e.to.as_ref().map(Spanned::span)),
        ("user", e.user.as_ref().map(Spanned::span)),
        ("target", e.target.as_ref().map(Spanned::span)),
        ("targets", e.targets.as_ref().map(Spanned::span)),
        ("logged", e.logged.as_ref().map(Spanned::span)),
        ("agent", e.agent.as_ref().map(Spanned::span)),
        ("trials", e.trials.as_ref().map(Spanned::span)),
        ("picture", e.picture.as_ref().map(Spanned::span)),
    ];
    for (name, span) in present {
        if let Some(span) = span {
            if !fields.contains(&name) {
                return Err(at
                    .error(
                        span,
                        &format!("{field}.{name}"),
                        format!("a {kind} event does not take {name}"),
                    )
                    .hint(format!("the events and their fields: {}", event_kinds())));
            }
        }
    }
    Ok(())
}

pub(super) fn check_show(
    at: &Locator,
    field: &str,
    raw: &Spanned<String>,
    world: &WorldDef,
    names: &Names,
) -> Result<Show, InputError> {
    let text = raw.get_ref().trim();
    let (verb, rest) = text.split_once(' ').unwrap_or((text, ""));
    let rest = rest.trim();
    let who = |name: &str| names.row(at, name, raw.span(), field);
    let needs_who = || {
        at.error(
            raw.span(),
            field,
            format!("\"{verb}\" needs a name, as in \"{verb} attacker\""),
        )
    };
    let show = match verb {
        "parties" if rest.is_empty() => Show::Parties,
        "envelope" if rest.is_empty() => Show::Envelope,
        "compare" if rest.is_empty() => Show::Compare,
        "log" if rest.is_empty() => Show::Log,
        "notices" if rest.is_empty() => Show::Notices,
        "reports" if rest.is_empty() => {
            // The devices' reports, which only a design with a report file makes.
            if crate::schemes::design(world.main()).report_file().is_none() {
                let reporting: Vec<&str> = crate::schemes::DESIGNS
                    .iter()
                    .filter(|d| d.report_file().is_some())
                    .map(|d| d.id().as_str())
                    .collect();
                return Err(at
                    .error(
                        raw.span(),
                        field,
                        format!("\"reports\" needs a {} world", reporting.join(" or ")),
                    )
                    .hint("change world.scheme, or drop the view"));
            }
            Show::Reports
        }
        "radius" => {
            if rest.is_empty() {
                return Err(needs_who());
            }
            match rest.rsplit_once(" in ") {
                Some((name, design)) => {
                    let id = SchemeId::parse(design.trim())
                        .map_err(|e| at.error(raw.span(), field, e.problem))?;
                    if !world.designs.contains(&id) {
                        return Err(at
                            .error(
                                raw.span(),
                                field,
                                format!("{id} is not one of this world's designs"),
                            )
                            .hint("add it to world.compare"));
                    }
                    Show::Radius {
                        who: who(name.trim())?,
                        design: Some(id),
                    }
                }
                None => Show::Radius {
                    who: who(rest)?,
                    design: None,
                },
            }
        }
        "new" | "recovered" if rest.is_empty() => return Err(needs_who()),
        "new" => Show::New { who: who(rest)? },
        "recovered" => Show::Recovered { who: who(rest)? },
        "exposure" => {
            if !names.compromised.iter().any(|u| u == rest) {
                return Err(at
                    .error(
                        raw.span(),
                        field,
                        format!("no compromise of a user called {rest:?} has happened by this act"),
                    )
                    .hint("an exposure table follows a compromise event"));
            }
            Show::Exposure {
                user: rest.to_owned(),
            }
        }
        _ => {
            return Err(at
                .error(raw.span(), field, format!("cannot show {text:?}"))
                .hint(format!("the views are: {SHOW_KINDS}")))
        }
    };
    Ok(show)
}
