//! Checking one event or one view of an act: its kind, its fields, and what the
//! scenario's world allows it to do.

use super::*;

pub(super) fn check_event(
    at: &Locator,
    field: &str,
    raw: &Spanned<RawEvent>,
    world: &WorldDef,
    names: &mut Names,
) -> Result<Event, InputError> {
    let e = raw.get_ref();
    let kind = e.kind.get_ref().as_str();
    let main = world.main();
    let sub = |name: &str| format!("{field}.{name}");
    // A field the kind needs and the file lacks.
    let missing = |name: &str| {
        at.error(
            raw.span(),
            &sub(name),
            format!("a {kind} event needs {name}"),
        )
        .hint(format!("the events and their fields: {EVENT_KINDS}"))
    };
    let needs = |design_ok: bool, what: &str| -> Result<(), InputError> {
        if design_ok {
            Ok(())
        } else {
            Err(at
                .error(
                    e.kind.span(),
                    &sub("do"),
                    format!("a {kind} event needs {what}, and this world's scheme is {main}"),
                )
                .hint("change world.scheme, or drop the event"))
        }
    };
    // An event that belongs to some designs plays only where one of them is the main
    // scheme: the designs say which events are theirs.
    let playing = crate::schemes::registry::designs_playing(kind);
    if !playing.is_empty() {
        let names: Vec<&str> = playing.iter().map(|id| id.as_str()).collect();
        needs(
            playing.contains(&main),
            &format!("a world of {}", names.join(" or ")),
        )?;
    }
    let user = |value: &Option<Spanned<String>>, name: &str| -> Result<String, InputError> {
        let value = value.as_ref().ok_or_else(|| missing(name))?;
        if world.users.contains(value.get_ref()) {
            Ok(value.get_ref().clone())
        } else {
            Err(unknown_user(at, value, &sub(name), &world.users))
        }
    };
    let users = |value: &Option<Spanned<Vec<Spanned<String>>>>,
                 name: &str|
     -> Result<Vec<String>, InputError> {
        let list = value.as_ref().ok_or_else(|| missing(name))?;
        if list.get_ref().is_empty() {
            return Err(at.error(list.span(), &sub(name), "names no one"));
        }
        list.get_ref()
            .iter()
            .map(|u| {
                if world.users.contains(u.get_ref()) {
                    Ok(u.get_ref().clone())
                } else {
                    Err(unknown_user(at, u, &sub(name), &world.users))
                }
            })
            .collect()
    };
    let event = match kind {
        "send" => {
            let messages = e.messages.as_ref().ok_or_else(|| missing("messages"))?;
            if *messages.get_ref() == 0 || *messages.get_ref() > MAX_SEND {
                return Err(at
                    .error(
                        messages.span(),
                        &sub("messages"),
                        format!(
                            "{} messages: one send event sends 1 to {MAX_SEND}",
                            messages.get_ref()
                        ),
                    )
                    .hint("a demo must run in seconds in front of a class"));
            }
            Event::Send {
                messages: *messages.get_ref(),
            }
        }
        "leak" => {
            let key = e.key.as_ref().ok_or_else(|| missing("key"))?;
            if !names.keys.contains(key.get_ref()) {
                return Err(at
                    .error(
                        key.span(),
                        &sub("key"),
                        format!(
                            "no party called {:?} holds a key in this world",
                            key.get_ref()
                        ),
                    )
                    .hint(format!("the keys are: {}", names.keys.join(", "))));
            }
            let to = e.to.as_ref().ok_or_else(|| missing("to"))?;
            Event::Leak {
                key: key.get_ref().clone(),
                to: names.adversary(at, to, &sub("to"))?,
            }
        }
        "rotate" => Event::Rotate,
        "compromise" => {
            let victim = user(&e.user, "user")?;
            let to = e.to.as_ref().ok_or_else(|| missing("to"))?;
            names.compromised.push(victim.clone());
            Event::Compromise {
                user: victim,
                to: names.adversary(at, to, &sub("to"))?,
            }
        }
        "seize" => {
            let owner = user(&e.user, "user")?;
            let to = e.to.as_ref().ok_or_else(|| missing("to"))?;
            Event::Seize {
                user: owner,
                to: names.adversary(at, to, &sub("to"))?,
            }
        }
        "warrant" => Event::Warrant {
            target: user(&e.target, "target")?,
        },
        "insider" | "repoint" => {
            needs(
                crate::schemes::design(main).authority().is_some(),
                "an authority with exceptional access",
            )?;
            let targets = users(&e.targets, "targets")?;
            let to = e.to.as_ref().ok_or_else(|| missing("to"))?;
            let to = names.adversary(at, to, &sub("to"))?;
            let logged = e
                .logged
                .as_ref()
                .map(|l| *l.get_ref())
                .ok_or_else(|| missing("logged"))?;
            if kind == "insider" {
                Event::Insider {
                    targets,
                    to,
                    logged,
                }
            } else {
                Event::Repoint {
                    targets,
                    to,
                    logged,
                }
            }
        }
        "rekey" => {
            let to = e.to.as_ref().ok_or_else(|| missing("to"))?;
            Event::Rekey {
                to: names.adversary(at, to, &sub("to"))?,
            }
        }
        "breach" => {
            needs(
                crate::schemes::design(main).authority().is_some(),
                "an authority with exceptional access",
            )?;
            let to = e.to.as_ref().ok_or_else(|| missing("to"))?;
            Event::Breach {
                to: names.adversary(at, to, &sub("to"))?,
            }
        }
        "ghost" => Event::Ghost {
            target: user(&e.target, "target")?,
        },
        "steal-share" => {
            let agent = e.agent.as_ref().ok_or_else(|| missing("agent"))?;
            if *agent.get_ref() == 0 || *agent.get_ref() > world.params.agents {
                return Err(at.error(
                    agent.span(),
                    &sub("agent"),
                    format!(
                        "there is no agent {}: the agents are 1 to {}",
                        agent.get_ref(),
                        world.params.agents
                    ),
                ));
            }
            let to = e.to.as_ref().ok_or_else(|| missing("to"))?;
            Event::StealShare {
                agent: *agent.get_ref(),
                to: names.adversary(at, to, &sub("to"))?,
            }
        }
        "evade" | "collide" | "poison" => {
            let picture =
                |value: &Option<Spanned<String>>, name: &str| -> Result<String, InputError> {
                    let value = value.as_ref().ok_or_else(|| missing(name))?;
                    let known = crate::demo::scanning::picture_names();
                    if known.contains(&value.get_ref().as_str()) {
                        Ok(value.get_ref().clone())
                    } else {
                        Err(at
                            .error(
                                value.span(),
                                &sub(name),
                                format!("the world has no picture called {:?}", value.get_ref()),
                            )
                            .hint(format!("its pictures are: {}", known.join(", "))))
                    }
                };
            match kind {
                "evade" => Event::Evade {
                    user: user(&e.user, "user")?,
                    picture: picture(&e.picture, "picture")?,
                },
                "collide" => Event::Collide {
                    user: user(&e.user, "user")?,
                    picture: picture(&e.picture, "picture")?,
                    target: picture(&e.target, "target")?,
                },
                _ => {
                    let to = e.to.as_ref().ok_or_else(|| missing("to"))?;
                    Event::Poison {
                        picture: picture(&e.picture, "picture")?,
                        to: names.adversary(at, to, &sub("to"))?,
                    }
                }
            }
        }
        "forge-leaf" => {
            let trials = e.trials.as_ref().ok_or_else(|| missing("trials"))?;
            if *trials.get_ref() == 0 || *trials.get_ref() > MAX_FORGERIES {
                return Err(at.error(
                    trials.span(),
                    &sub("trials"),
                    format!(
                        "{} trials: a demo runs 1 to {MAX_FORGERIES} (each is about 65,536 tries)",
                        trials.get_ref()
                    ),
                ));
            }
            Event::ForgeLeaf {
                trials: *trials.get_ref(),
            }
        }
        "brute-force" => {
            let search = crate::schemes::design(main)
                .key_search(&world.params)
                .ok_or_else(|| missing("a design with short keys"))?;
            // What is left to search once the key, if any, has read its bits.
            let bits = match &e.key {
                None => search.bits,
                Some(key) => search.bits_with(Some(key.get_ref())).ok_or_else(|| {
                    at.error(
                        key.span(),
                        &sub("key"),
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
            let messages = e.messages.as_ref().ok_or_else(|| missing("messages"))?;
            if *messages.get_ref() == 0 || *messages.get_ref() > MAX_CRACK {
                return Err(at.error(
                    messages.span(),
                    &sub("messages"),
                    format!(
                        "{} messages: a demo cracks 1 to {MAX_CRACK} live",
                        messages.get_ref()
                    ),
                ));
            }
            let keys = messages.get_ref().saturating_mul(1u64 << bits.min(63));
            if keys > MAX_LIVE_KEYS {
                return Err(at
                    .error(
                        messages.span(),
                        &sub("messages"),
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
            let to = e.to.as_ref().ok_or_else(|| missing("to"))?;
            Event::BruteForce {
                messages: *messages.get_ref(),
                to: names.adversary(at, to, &sub("to"))?,
                key,
                bits,
            }
        }
        other => {
            return Err(at
                .error(
                    e.kind.span(),
                    &sub("do"),
                    format!("there is no event called {other:?}"),
                )
                .hint(format!("the events and their fields: {EVENT_KINDS}")))
        }
    };
    refuse_extra_fields(at, field, kind, e)?;
    Ok(event)
}

/// A field the event's kind does not use is a mistake (`target` on a leak, say): the
/// teacher meant something, and silently ignoring it would hide what.
pub(super) fn refuse_extra_fields(
    at: &Locator,
    field: &str,
    kind: &str,
    e: &RawEvent,
) -> Result<(), InputError> {
    let used: &[&str] = match kind {
        "send" => &["messages"],
        "leak" => &["key", "to"],
        "rotate" => &[],
        "compromise" | "seize" => &["user", "to"],
        "warrant" | "ghost" => &["target"],
        "insider" | "repoint" => &["targets", "to", "logged"],
        "breach" | "rekey" => &["to"],
        "steal-share" => &["agent", "to"],
        "forge-leaf" => &["trials"],
        "evade" => &["user", "picture"],
        "collide" => &["user", "picture", "target"],
        "poison" => &["picture", "to"],
        _ => &["messages", "to", "key"],
    };
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
            if !used.contains(&name) {
                return Err(at
                    .error(
                        span,
                        &format!("{field}.{name}"),
                        format!("a {kind} event does not take {name}"),
                    )
                    .hint(format!("the events and their fields: {EVENT_KINDS}")));
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
