//! Checking a scenario as a whole: its world, its acts, the names they use and the
//! totals of work they ask for, each refusal naming the line and the field.

use super::*;
use crate::schemes::stage::TotalWork;
use crate::schemes::{self, registry::WorldShape};

// ── Checking ───────────────────────────────────────────────────────────────────────────

pub(super) fn check(at: &Locator, raw: RawScenario) -> Result<Scenario, InputError> {
    let name = raw.name.get_ref().trim().to_owned();
    let name_ok = !name.is_empty()
        && name.len() <= 40
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !name_ok {
        return Err(at
            .error(
                raw.name.span(),
                "name",
                format!("{name:?} cannot name a demo"),
            )
            .hint("use 1 to 40 lowercase letters, digits and dashes, like \"golden-key-leak\""));
    }
    let summary = raw.summary.get_ref().trim().to_owned();
    if summary.is_empty() || !summary.ends_with('.') || summary.contains('\n') {
        return Err(at
            .error(
                raw.summary.span(),
                "summary",
                "must be one sentence, ending with a full stop",
            )
            .hint("doormat demo --list prints it beside the name"));
    }
    printable(at, raw.summary.span(), "summary", raw.summary.get_ref())?;
    for source in raw.sources.get_ref() {
        printable(at, raw.sources.span(), "sources", source)?;
    }
    if let Some(blank) = raw
        .sources
        .get_ref()
        .iter()
        .position(|s| s.trim().is_empty())
    {
        return Err(at
            .error(
                raw.sources.span(),
                "sources",
                format!("source {} is empty", blank + 1),
            )
            .hint("write where the facts come from: author, title, date"));
    }
    if raw.sources.get_ref().is_empty() {
        return Err(at
            .error(
                raw.sources.span(),
                "sources",
                "a demo must cite at least one source",
            )
            .hint(
                "cite from docs/references.md, or your own source: the demo ends by showing them",
            ));
    }
    let world = check_world(at, raw.world.get_ref())?;
    let mut names = Names::new(&world);
    if raw.acts.get_ref().is_empty() {
        return Err(at.error(raw.acts.span(), "act", "a demo needs at least one [[act]]"));
    }
    let mut acts = Vec::new();
    for (i, act) in raw.acts.get_ref().iter().enumerate() {
        acts.push(check_act(
            at,
            i + 1,
            act.get_ref(),
            &world,
            &mut names,
            raw.sources.get_ref().len(),
        )?);
    }
    check_totals(at, &raw.acts, &acts, &world)?;
    Ok(Scenario {
        name,
        summary,
        sources: raw.sources.into_inner(),
        world,
        acts,
    })
}

/// The demo's whole work, bounded before anything runs: each event is bounded on its
/// own, but a file of a thousand acts would still run for hours. The first act that
/// takes a total over its limit is named.
pub(super) fn check_totals(
    at: &Locator,
    raw_acts: &Spanned<Vec<Spanned<RawAct>>>,
    acts: &[ActDef],
    world: &WorldDef,
) -> Result<(), InputError> {
    if acts.len() > MAX_ACTS {
        return Err(at
            .error(
                raw_acts.get_ref()[MAX_ACTS].span(),
                "act",
                format!("{} acts: a demo has at most {MAX_ACTS}", acts.len()),
            )
            .hint("split the story into two demos"));
    }
    let designs = world.designs.len() as u64;
    let (mut events, mut sealed, mut keys) = (0usize, 0u64, 0u64);
    // What the design's own events of each bounded kind ask for together.
    let mut own_work: Vec<(&str, TotalWork, u64)> = Vec::new();
    for (i, act) in acts.iter().enumerate() {
        events += act.events.len();
        for event in &act.events {
            match event {
                Event::Send { messages } => {
                    sealed = sealed.saturating_add(messages.saturating_mul(designs))
                }
                Event::BruteForce { messages, bits, .. } => {
                    keys = keys.saturating_add(messages.saturating_mul(1u64 << (*bits).min(63)));
                }
                Event::Own { kind, event } => {
                    if let Some(total) =
                        crate::schemes::stage::own_event(kind).and_then(|o| o.total)
                    {
                        match own_work.iter_mut().find(|(k, _, _)| k == kind) {
                            Some((_, _, sum)) => *sum = sum.saturating_add(event.0.work()),
                            None => own_work.push((kind, total, event.0.work())),
                        }
                    }
                }
                _ => {}
            }
        }
        let own_over = own_work.iter().find(|(_, total, sum)| *sum > total.most);
        let over = if events > MAX_EVENTS {
            Some(format!(
                "{events} events by this act: a demo has at most {MAX_EVENTS}"
            ))
        } else if sealed > MAX_TOTAL_SEALED {
            Some(format!(
                "{sealed} messages sealed by this act ({designs} design{} each): a demo seals at most {MAX_TOTAL_SEALED}",
                if designs == 1 { "" } else { "s" }
            ))
        } else if keys > MAX_TOTAL_KEYS {
            Some(format!(
                "{keys} keys to try by this act: a demo's brute-force events try at most 2^33 together"
            ))
        } else if let Some((kind, total, sum)) = own_over {
            Some(format!(
                "{sum} {} by this act: a demo's {kind} events run at most {} together",
                total.noun, total.most
            ))
        } else {
            None
        };
        if let Some(problem) = over {
            return Err(at
                .error(raw_acts.get_ref()[i].span(), "act", problem)
                .hint("a demo must finish within a class: send, crack or forge less, or split it into two demos"));
        }
    }
    Ok(())
}

pub(super) fn check_world(at: &Locator, raw: &RawWorld) -> Result<WorldDef, InputError> {
    let users: Vec<String> = raw
        .users
        .get_ref()
        .iter()
        .map(|u| u.get_ref().clone())
        .collect();
    if users.len() < 2 || users.len() > MAX_USERS {
        return Err(at
            .error(
                raw.users.span(),
                "world.users",
                format!("{} users: a demo world has 2 to {MAX_USERS}", users.len()),
            )
            .hint("each user gets one of the published keys in demos/keys"));
    }
    for (i, user) in raw.users.get_ref().iter().enumerate() {
        let name = user.get_ref();
        if !is_party_name(name) {
            return Err(at
                .error(
                    user.span(),
                    "world.users",
                    format!("{name:?} cannot name a user"),
                )
                .hint("use 1 to 12 lowercase letters, digits and dashes"));
        }
        if is_reserved(name) {
            return Err(at.error(
                user.span(),
                "world.users",
                format!(
                    "{name:?} is the name of a party every world may have: pick another user name"
                ),
            ));
        }
        if users[..i].contains(name) {
            return Err(at.error(
                user.span(),
                "world.users",
                format!("{name} is listed twice"),
            ));
        }
    }
    let scheme = parse_scheme(at, &raw.scheme, "world.scheme")?;
    let mut designs = vec![scheme];
    if let Some(compare) = &raw.compare {
        for design in compare.get_ref() {
            let id = parse_scheme(at, design, "world.compare")?;
            if designs.contains(&id) {
                return Err(at.error(
                    design.span(),
                    "world.compare",
                    format!("{id} is already in the world"),
                ));
            }
            designs.push(id);
        }
    }
    if let Some((id, why)) = designs
        .iter()
        .filter(|&&id| id != scheme)
        .find_map(|&id| Some((id, schemes::design(id).main_scheme_only()?)))
    {
        let span = raw.compare.as_ref().map_or(raw.scheme.span(), |c| c.span());
        return Err(at
            .error(
                span,
                "world.compare",
                format!("{id} can only be the main scheme of a demo"),
            )
            .hint(why));
    }
    let given = design_fields(at, raw, &designs)?;
    // The designs' fields as the world gives them; each design reads its own.
    let mut fields = serde_json::Map::new();
    for field in &given {
        match field.table {
            Some(id) => {
                let table = fields
                    .entry(id.as_str())
                    .or_insert_with(|| serde_json::Value::Object(Default::default()));
                if let serde_json::Value::Object(table) = table {
                    table.insert(field.name.clone(), field.value.clone());
                }
            }
            None => {
                fields.insert(field.name.clone(), field.value.clone());
            }
        }
    }
    let params = SchemeParams::from_fields(&designs, &fields, None).map_err(|e| {
        let path = e.field.clone().unwrap_or_default();
        let span = given
            .iter()
            .find(|g| g.path == format!("world.{path}"))
            .map_or(raw.scheme.span(), |g| g.span.clone());
        at.error(span, &format!("world.{path}"), e.problem)
    })?;
    check_design_fields(at, raw, &designs, &users, &params, &given)?;
    Ok(WorldDef {
        users,
        designs,
        seed: raw.seed.as_ref().map(|s| *s.get_ref()),
        params,
    })
}

/// A design's field as a scenario's `[world]` gives it: flat (`bits = 24`, the older
/// form) or in the design's own table (`[world.short-key]`).
pub(super) struct GivenField {
    /// As the design names it: `bits`.
    name: String,
    /// As the scenario places it: `world.bits` or `world.short-key.bits`.
    path: String,
    value: serde_json::Value,
    span: Range<usize>,
    /// The design whose table holds it; `None` for a flat field.
    table: Option<SchemeId>,
}

/// The `[world]` fields and tables of designs, each table of a design of this world.
fn design_fields(
    at: &Locator,
    raw: &RawWorld,
    designs: &[SchemeId],
) -> Result<Vec<GivenField>, InputError> {
    let json = |value: &toml::Value| serde_json::to_value(value).unwrap_or_default();
    let mut given = Vec::new();
    for (key, value) in &raw.design_fields {
        let path = format!("world.{key}");
        let Ok(id) = SchemeId::parse(key) else {
            given.push(GivenField {
                name: key.clone(),
                path,
                value: json(value.get_ref()),
                span: value.span(),
                table: None,
            });
            continue;
        };
        if !designs.contains(&id) {
            return Err(at
                .error(
                    value.span(),
                    &path,
                    format!("{id} is not a design of this world"),
                )
                .hint(format!(
                    "remove [world.{id}], or make {id} the scheme or one compared"
                )));
        }
        let Some(table) = value.get_ref().as_table() else {
            return Err(at.error(
                value.span(),
                &path,
                format!("is not a table of {id}'s parameters"),
            ));
        };
        for (name, field) in table {
            given.push(GivenField {
                name: name.clone(),
                path: format!("{path}.{name}"),
                value: json(field),
                span: value.span(),
                table: Some(id),
            });
        }
    }
    Ok(given)
}

/// The `[world]` fields that belong to a design (`agents`, `threshold`, `bits`): each
/// design of the world that takes some must have them all, and they must make the
/// design; a field no design of the world takes is refused rather than ignored, and so
/// is one given both flat and in its design's table.
fn check_design_fields(
    at: &Locator,
    raw: &RawWorld,
    designs: &[SchemeId],
    users: &[String],
    params: &SchemeParams,
    given: &[GivenField],
) -> Result<(), InputError> {
    let takes = |id: SchemeId, name: &str| {
        schemes::design(id)
            .params()
            .is_some_and(|kind| kind.fields().iter().any(|f| f == name))
    };
    // A field in a design's table that the design does not take was refused by
    // `SchemeParams::from_fields`, with the design's own list; here, the flat ones.
    for field in given.iter().filter(|g| g.table.is_none()) {
        let name = &field.name;
        let Some(&taker) = designs.iter().find(|&&id| takes(id, name)) else {
            let takers: Vec<&str> = schemes::DESIGNS
                .iter()
                .filter(|d| takes(d.id(), name))
                .map(|d| d.id().as_str())
                .collect();
            return Err(at
                .error(
                    field.span.clone(),
                    &field.path,
                    format!("no design of this world takes {name}"),
                )
                .hint(format!(
                    "{name} is for {} worlds: remove it, or add such a design",
                    takers.join(" and ")
                )));
        };
        if given.iter().any(|g| g.table == Some(taker)) {
            return Err(at
                .error(
                    field.span.clone(),
                    &field.path,
                    format!("{taker}'s parameters are in [world.{taker}]: give {name} there"),
                )
                .hint(format!("move {name} into [world.{taker}]")));
        }
    }
    // Where a design's field is: flat, or in its table.
    let find = |id: SchemeId, name: &str| {
        given
            .iter()
            .find(|g| g.name == name && (g.table == Some(id) || g.table.is_none()))
    };
    // A live brute force has its own limit, below what the design models.
    let live = given.iter().filter(|g| g.name == "bits").find_map(|g| {
        Some((
            g,
            g.value.as_u64().filter(|&b| b > u64::from(MAX_LIVE_BITS))?,
        ))
    });
    if let Some((field, bits)) = live {
        return Err(at
            .error(field.span.clone(), &field.path, format!("{bits} bits: a demo brute-forces keys of at most {MAX_LIVE_BITS} bits live"))
            .hint("the brute-force event extrapolates to 32, 40, 56, 80 and 128 bits from the measured rate"));
    }
    let shape = WorldShape {
        users,
        messages: 1,
        session_size: 1,
    };
    for &id in designs {
        let design = schemes::design(id);
        let fields = design.scenario_fields();
        // A design checks what the world gives it (ghost's `verifying`), and what it
        // needs must be given.
        let given_any = given.iter().any(|g| match g.table {
            Some(table) => table == id,
            None => takes(id, &g.name),
        });
        if fields.is_empty() && !given_any {
            continue;
        }
        if let Some((missing, _)) = fields.iter().find(|(f, _)| find(id, f).is_none()) {
            let names: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
            let example: Vec<String> = fields.iter().map(|(f, v)| format!("{f} = {v}")).collect();
            return Err(at
                .error(
                    raw.scheme.span(),
                    &format!("world.{missing}"),
                    format!("a {id} world needs {}", names.join(" and ")),
                )
                .hint(format!("for example {}", example.join(" and "))));
        }
        design.check(params, &shape).map_err(|e| {
            // The design names its command-line flag; here the field is the world's.
            let name = e
                .field
                .as_deref()
                .unwrap_or("")
                .trim_start_matches("--")
                .replace('-', "_");
            let (span, path) = find(id, &name).map_or_else(
                || (raw.scheme.span(), format!("world.{name}")),
                |g| (g.span.clone(), g.path.clone()),
            );
            let error = at.error(span, &path, e.problem);
            // The design's range for bits is the command line's; a demo searches live
            // and takes less (above), so its hint says so.
            let live = (name == "bits")
                .then(|| format!(" (a demo takes at most {MAX_LIVE_BITS}, searched live)"));
            match e.hint {
                Some(hint) => error.hint(format!("{hint}{}", live.unwrap_or_default())),
                None => error,
            }
        })?;
    }
    Ok(())
}

/// Names of parties every world may have besides its users. Agents run from `agent-1`
/// to `agent-32`, so the whole `agent-` prefix is reserved.
pub(super) const RESERVED: [&str; 6] = ["escrow", "vendor", "provider", "ghost", "tap", "relay"];

pub(super) fn is_reserved(name: &str) -> bool {
    RESERVED.contains(&name) || name.starts_with("agent-")
}

pub(super) fn is_party_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 12
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

pub(super) fn parse_scheme(
    at: &Locator,
    raw: &Spanned<String>,
    field: &str,
) -> Result<SchemeId, InputError> {
    SchemeId::parse(raw.get_ref()).map_err(|e| {
        let mut error = at.error(raw.span(), field, e.problem);
        error.hint = e.hint;
        error
    })
}

pub(super) fn unknown_user(
    at: &Locator,
    name: &Spanned<String>,
    field: &str,
    users: &[String],
) -> InputError {
    at.error(
        name.span(),
        field,
        format!("{:?} is not a user of this world", name.get_ref()),
    )
    .hint(format!("the users are: {}", users.join(", ")))
}

/// The names a scenario may use, as they come into being act by act.
pub(super) struct Names {
    pub(super) users: Vec<String>,
    /// Parties whose keys exist in some design: users, escrow, vendor, ghost.
    pub(super) keys: Vec<String>,
    /// Everyone a view may be about: users, the authority's parties, the tap, and the
    /// adversaries named so far.
    pub(super) rows: Vec<String>,
    /// Users whose device has been taken.
    pub(super) compromised: Vec<String>,
}

impl Names {
    pub(super) fn new(world: &WorldDef) -> Self {
        let mut keys = world.users.clone();
        let mut rows = world.users.clone();
        for design in &world.designs {
            let spec = crate::schemes::design(*design);
            // A design's parties hold keys, and so does its authority (Clipper's holds
            // the family key).
            let holders: Vec<&str> = spec.parties().iter().map(|(n, _)| *n).collect();
            for party in spec.authorities(&world.params) {
                if !rows.contains(&party) {
                    rows.push(party.clone());
                }
                let holds = holders.contains(&party.as_str()) || spec.authority() == Some(&party);
                if holds && !keys.contains(&party) {
                    keys.push(party);
                }
            }
        }
        rows.push("tap".to_owned());
        Names {
            users: world.users.clone(),
            keys,
            rows,
            compromised: Vec::new(),
        }
    }

    pub(super) fn adversary(
        &mut self,
        at: &Locator,
        name: &Spanned<String>,
        field: &str,
    ) -> Result<String, InputError> {
        let who = name.get_ref().trim();
        let ok = !who.is_empty()
            && who.chars().count() <= 16
            && who
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ' || c == '\'');
        if !ok {
            return Err(at
                .error(
                    name.span(),
                    field,
                    format!("{who:?} cannot name an adversary"),
                )
                .hint("use 1 to 16 letters, digits, spaces and dashes, like \"attacker\""));
        }
        // The tap's row is what the recording alone opens, the baseline every other row
        // is read against; keys given to it would make that row a lie.
        if who == "tap" {
            return Err(at
                .error(
                    name.span(),
                    field,
                    "the tap is the network's recording, not someone who can be given keys",
                )
                .hint("name whoever holds the recording, such as \"tap operator\""));
        }
        if self.users.iter().any(|u| u == who) {
            return Err(at
                .error(
                    name.span(),
                    field,
                    format!("{who} is a user: an adversary needs a name of its own"),
                )
                .hint("to give a user's key away, leak it to an adversary such as \"attacker\""));
        }
        if !self.rows.iter().any(|r| r == who) {
            self.rows.push(who.to_owned());
        }
        Ok(who.to_owned())
    }

    pub(super) fn row(
        &self,
        at: &Locator,
        name: &str,
        span: Range<usize>,
        field: &str,
    ) -> Result<String, InputError> {
        if self.rows.iter().any(|r| r == name) {
            Ok(name.to_owned())
        } else {
            Err(at
                .error(
                    span,
                    field,
                    format!("no one called {name:?} exists yet at this act"),
                )
                .hint(format!("so far: {}", self.rows.join(", "))))
        }
    }
}

pub(super) fn check_act(
    at: &Locator,
    number: usize,
    raw: &RawAct,
    world: &WorldDef,
    names: &mut Names,
    sources: usize,
) -> Result<ActDef, InputError> {
    let title = raw.title.get_ref().trim().to_owned();
    printable(
        at,
        raw.title.span(),
        &format!("act[{number}].title"),
        &title,
    )?;
    if let Some(say) = &raw.say {
        let texts: Vec<&str> = match say.get_ref() {
            Say::One(text) => vec![text.as_str()],
            Say::Many(lines) => lines.iter().map(String::as_str).collect(),
        };
        for text in texts {
            printable(at, say.span(), &format!("act[{number}].say"), text)?;
        }
    }
    if title.is_empty() || title.chars().count() > 60 {
        return Err(at
            .error(
                raw.title.span(),
                &format!("act[{number}].title"),
                "a title has 1 to 60 characters",
            )
            .hint("it is the act's heading on the projector"));
    }
    let say = match raw.say.as_ref().map(Spanned::get_ref) {
        None => Vec::new(),
        Some(Say::One(text)) => paragraphs(text),
        Some(Say::Many(lines)) => lines.iter().map(|l| l.trim().to_owned()).collect(),
    };
    let mut events = Vec::new();
    for (i, event) in raw.events.iter().enumerate() {
        let field = format!("act[{number}].event[{}]", i + 1);
        events.push(check_event(at, &field, event, world, names)?);
    }
    let mut show = Vec::new();
    if let Some(views) = &raw.show {
        for view in views.get_ref() {
            show.push(check_show(
                at,
                &format!("act[{number}].show"),
                view,
                world,
                names,
            )?);
        }
    }
    let mut cite = Vec::new();
    if let Some(list) = &raw.cite {
        let field = format!("act[{number}].cite");
        if list.get_ref().is_empty() {
            return Err(at
                .error(list.span(), &field, "cites no source")
                .hint("list source numbers, like cite = [1, 2], or drop the line"));
        }
        for n in list.get_ref() {
            let value = *n.get_ref();
            if value < 1 || value as u64 > sources as u64 {
                return Err(at
                    .error(
                        n.span(),
                        &field,
                        format!("there is no source {value}: sources lists 1 to {sources}"),
                    )
                    .hint("sources are numbered from 1, in the order the file lists them"));
            }
            if cite.contains(&(value as usize)) {
                return Err(at.error(n.span(), &field, format!("source {value} is cited twice")));
            }
            cite.push(value as usize);
        }
    }
    Ok(ActDef {
        cite,
        title,
        say,
        events,
        show,
    })
}

/// A multi-line `say`: blank lines separate paragraphs; lines within one are joined.
/// Refuses a control character (an escape sequence, a bell) in text the projector will
/// show: printed raw, it could clear the screen or retitle the teacher's window. Line
/// breaks and tabs are layout, and allowed.
pub(super) fn printable(
    at: &Locator,
    span: Range<usize>,
    field: &str,
    text: &str,
) -> Result<(), InputError> {
    match text
        .chars()
        .find(|&c| c != '\r' && crate::wire::names::is_unshowable(c))
    {
        None => Ok(()),
        Some(c) if c.is_control() => Err(at
            .error(
                span,
                field,
                format!("holds the control character U+{:04X}", u32::from(c)),
            )
            .hint("a demo's words are plain text: remove the escape sequence")),
        // A bidi override makes a terminal show text in another order than it is
        // stored: a narration could then read differently from what was checked.
        Some(c) => Err(at
            .error(
                span,
                field,
                format!(
                    "holds the bidirectional formatting character U+{:04X}",
                    u32::from(c)
                ),
            )
            .hint("a demo's words are plain text: remove the direction override")),
    }
}

pub(super) fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}
