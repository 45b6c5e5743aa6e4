//! A design's own parameters: one type per design, which is at once its `simulate`
//! flags (clap), its table in `world.json` and in a scenario's `[world]` (serde), and
//! the home of its defaults. Nothing outside the design looks into that type: the world,
//! the command line, the scenario parser and `compare` move it around as
//! [`SchemeParams`], and the design reads its own back with [`SchemeParams::get`].
//!
//! Where the values come from:
//! - **`simulate`'s flags**: [`DesignFlags`] gathers every design's flags into the
//!   command, and gives the chosen design's parameters, refusing another design's flag.
//! - **A table of fields** (`world.json`'s `parameters`, a scenario's `[world]`, or
//!   what `compare` and the exercises set): [`SchemeParams::from_fields`]. The new form is
//!   the design's own table, `"split-key": {"agents": 5, "threshold": 3}`; the old form,
//!   the same fields flat beside `users` and `messages`, is still read.

use std::any::Any;
use std::borrow::Cow;
use std::fmt::{self, Debug};
use std::marker::PhantomData;

use clap::parser::ValueSource;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use super::registry::WorldShape;
use super::{SchemeId, DESIGNS};
use crate::error::InputError;
use crate::wire::world_file::Parameters;

/// What a design's parameter type is: flags, a serde table with defaults for what is
/// left out (`#[serde(default)]`), and settled against the world it will make.
///
/// Field names are the same in all three forms: a field `ghost_after` is the flag
/// `--ghost-after` and the key `ghost_after`.
pub trait DesignParams:
    Serialize
    + DeserializeOwned
    + clap::Args
    + clap::FromArgMatches
    + Default
    + Clone
    + Debug
    + PartialEq
    + Send
    + Sync
    + 'static
{
    /// Fills the defaults that depend on the world (the ghost joins half-way through).
    fn settle(&mut self, _world: &WorldShape) {}
}

/// One design's parameters with their type hidden from everyone but the design.
pub trait OwnParams: Debug + Send + Sync {
    /// For [`SchemeParams::get`].
    fn as_any(&self) -> &dyn Any;
    /// A copy.
    fn clone_box(&self) -> Box<dyn OwnParams>;
    /// Whether `other` holds the same type and values.
    fn same(&self, other: &dyn OwnParams) -> bool;
    /// Its table, as `world.json` records it.
    fn to_table(&self) -> Map<String, Value>;
    /// See [`DesignParams::settle`].
    fn settle(&mut self, world: &WorldShape);
}

impl<T: DesignParams> OwnParams for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn clone_box(&self) -> Box<dyn OwnParams> {
        Box::new(self.clone())
    }
    fn same(&self, other: &dyn OwnParams) -> bool {
        other.as_any().downcast_ref::<T>() == Some(self)
    }
    fn to_table(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            // A parameter type is a struct of plain fields, which serialise as an object.
            _ => Map::new(),
        }
    }
    fn settle(&mut self, world: &WorldShape) {
        DesignParams::settle(self, world);
    }
}

/// A design's parameter type, as the registry hands it around: see
/// [`Design::params`](super::Design::params).
pub trait ParamsKind: Sync {
    /// Its fields' names (also its flags, with `--` and dashes).
    fn fields(&self) -> Vec<String>;
    /// Its flags, added to a command.
    fn augment(&self, command: clap::Command) -> clap::Command;
    /// Its value from a command line's matches.
    fn read_matches(&self, matches: &clap::ArgMatches) -> Result<Box<dyn OwnParams>, String>;
    /// Its value from a table, defaults for what is left out; on error, the field and
    /// what is wrong with it.
    fn read_table(
        &self,
        table: &Map<String, Value>,
    ) -> Result<Box<dyn OwnParams>, (String, String)>;
}

/// The [`ParamsKind`] of the type `T`: a design's `params()` returns `&Kind::<ItsType>::NEW`.
pub struct Kind<T>(PhantomData<fn() -> T>);

impl<T> Kind<T> {
    /// The one value.
    pub const NEW: Self = Kind(PhantomData);
}

impl<T: DesignParams> ParamsKind for Kind<T> {
    fn fields(&self) -> Vec<String> {
        T::augment_args(clap::Command::new("params"))
            .get_arguments()
            .map(|a| a.get_id().to_string())
            .collect()
    }
    fn augment(&self, command: clap::Command) -> clap::Command {
        T::augment_args(command)
    }
    fn read_matches(&self, matches: &clap::ArgMatches) -> Result<Box<dyn OwnParams>, String> {
        T::from_arg_matches(matches)
            .map(|p| Box::new(p) as Box<dyn OwnParams>)
            .map_err(|e| e.to_string())
    }
    fn read_table(
        &self,
        table: &Map<String, Value>,
    ) -> Result<Box<dyn OwnParams>, (String, String)> {
        // serde_json does not say which field a type error is in: try each alone first.
        for (name, value) in table {
            let alone = Map::from_iter([(name.clone(), value.clone())]);
            if let Err(e) = serde_json::from_value::<T>(Value::Object(alone)) {
                return Err((name.clone(), e.to_string()));
            }
        }
        serde_json::from_value::<T>(Value::Object(table.clone()))
            .map(|p| Box::new(p) as Box<dyn OwnParams>)
            .map_err(|e| (String::new(), e.to_string()))
    }
}

/// Every design's parameters in one world, each its own type, under its design.
#[derive(Default)]
pub struct SchemeParams {
    own: Vec<(SchemeId, Box<dyn OwnParams>)>,
}

impl Debug for SchemeParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.own.iter().map(|(id, p)| (id.as_str(), p)))
            .finish()
    }
}

impl Clone for SchemeParams {
    fn clone(&self) -> Self {
        SchemeParams {
            own: self
                .own
                .iter()
                .map(|(id, p)| (*id, p.clone_box()))
                .collect(),
        }
    }
}

impl PartialEq for SchemeParams {
    fn eq(&self, other: &Self) -> bool {
        self.own.len() == other.own.len()
            && self
                .own
                .iter()
                .zip(&other.own)
                .all(|((a, p), (b, q))| a == b && p.same(q.as_ref()))
    }
}

impl SchemeParams {
    /// The parameters of type `T` (a design's own), or its defaults where this world was
    /// given none.
    pub fn get<T: DesignParams>(&self) -> Cow<'_, T> {
        self.own
            .iter()
            .find_map(|(_, p)| p.as_any().downcast_ref::<T>())
            .map_or_else(|| Cow::Owned(T::default()), Cow::Borrowed)
    }

    /// Sets a design's parameters.
    pub fn set(&mut self, id: SchemeId, params: Box<dyn OwnParams>) {
        self.own.retain(|(i, _)| *i != id);
        self.own.push((id, params));
    }

    /// The parameters of each of `designs` that has some, read from `fields`: the
    /// design's own table (`fields["split-key"]`) if there is one, else the fields it
    /// knows among the flat ones (the older form). Defaults fill the rest, and those that
    /// depend on the world are settled against `world` where one is given (a demo's
    /// scenario gives none: its events aim what they aim). Not checked:
    /// [`Design::check`](super::Design::check) does that.
    ///
    /// An error names the field: `split-key.agents`, or `agents` in the flat form.
    pub fn from_fields(
        designs: &[SchemeId],
        fields: &Map<String, Value>,
        world: Option<&WorldShape>,
    ) -> Result<Self, InputError> {
        let mut params = SchemeParams::default();
        for &id in designs {
            let Some(kind) = super::design(id).params() else {
                continue;
            };
            let (table, prefix) = match fields.get(id.as_str()) {
                Some(Value::Object(table)) => {
                    let known = kind.fields();
                    if let Some(stray) = table.keys().find(|k| !known.contains(k)) {
                        return Err(InputError::new(format!(
                            "{id} takes no parameter {stray:?}; it takes {}",
                            known.join(", ")
                        ))
                        .field(format!("{id}.{stray}")));
                    }
                    (table.clone(), format!("{id}."))
                }
                Some(_) => {
                    return Err(
                        InputError::new(format!("is not a table of {id}'s parameters"))
                            .field(id.as_str()),
                    )
                }
                None => {
                    let known = kind.fields();
                    let flat = fields
                        .iter()
                        .filter(|(k, _)| known.contains(k))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    (flat, String::new())
                }
            };
            let mut own = kind
                .read_table(&table)
                .map_err(|(field, why)| InputError::new(why).field(format!("{prefix}{field}")))?;
            if let Some(world) = world {
                own.settle(world);
            }
            params.set(id, own);
        }
        Ok(params)
    }

    /// Writes `id`'s table into world.json's parameters under its name, and the same
    /// fields flat beside them: the first worlds had them there, and students' scripts
    /// read them so (`parameters.bits`).
    pub fn record(&self, id: SchemeId, parameters: &mut Parameters) {
        if let Some(table) = self.table(id) {
            parameters
                .designs
                .insert(id.as_str().to_owned(), Value::Object(table.clone()));
            parameters.designs.extend(table);
        }
    }

    /// `id`'s table as `world.json` records it, if the design has parameters.
    pub fn table(&self, id: SchemeId) -> Option<Map<String, Value>> {
        self.own
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, p)| p.to_table())
    }
}

/// Every design's `simulate` flags, gathered into the command; the chosen design's are
/// read back with [`DesignFlags::params`].
#[derive(Debug, Clone)]
pub struct DesignFlags {
    matches: clap::ArgMatches,
}

impl clap::FromArgMatches for DesignFlags {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        Ok(DesignFlags {
            matches: matches.clone(),
        })
    }
    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        self.matches = matches.clone();
        Ok(())
    }
}

impl clap::Args for DesignFlags {
    fn augment_args(command: clap::Command) -> clap::Command {
        DESIGNS
            .iter()
            .filter_map(|d| d.params())
            .fold(command, |command, kind| kind.augment(command))
    }
    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        Self::augment_args(command)
    }
}

impl DesignFlags {
    /// `scheme`'s parameters from these flags, settled against `world`; a flag of
    /// another design is refused, naming the design it belongs to.
    pub fn params(&self, scheme: SchemeId, world: &WorldShape) -> Result<SchemeParams, InputError> {
        for design in DESIGNS.iter().filter(|d| d.id() != scheme) {
            let Some(kind) = design.params() else {
                continue;
            };
            let given = kind
                .fields()
                .into_iter()
                .find(|id| self.matches.value_source(id) == Some(ValueSource::CommandLine));
            if let Some(id) = given {
                let flag = format!("--{}", id.replace('_', "-"));
                let owner = design.id();
                return Err(
                    InputError::new(format!("applies to {owner} worlds, not {scheme}"))
                        .field(flag.clone())
                        .hint(format!("drop {flag}, or use --scheme {owner}")),
                );
            }
        }
        let mut params = SchemeParams::default();
        if let Some(kind) = super::design(scheme).params() {
            let mut own = kind.read_matches(&self.matches).map_err(InputError::new)?;
            own.settle(world);
            params.set(scheme, own);
        }
        Ok(params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schemes::split_key::SplitKeyParams;
    use clap::{Args, FromArgMatches};

    fn object(value: serde_json::Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    fn world(users: &[String], messages: u64) -> WorldShape<'_> {
        WorldShape {
            users,
            messages,
            session_size: 1,
        }
    }

    /// Every design's parameters go out as its table and come back the same, through
    /// the new form and the old flat one; what is left out takes the type's defaults.
    #[test]
    fn every_designs_table_reads_back_in_both_forms() {
        let mut designs = 0;
        for design in DESIGNS {
            let Some(kind) = design.params() else {
                continue;
            };
            designs += 1;
            let id = design.id();
            let defaults = SchemeParams::from_fields(&[id], &Map::new(), None).unwrap();
            let table = defaults.table(id).unwrap();
            let new = Map::from_iter([(id.as_str().to_owned(), Value::Object(table.clone()))]);
            let from_new = SchemeParams::from_fields(&[id], &new, None).unwrap();
            let from_flat = SchemeParams::from_fields(&[id], &table, None).unwrap();
            assert_eq!(from_new, defaults, "{id}");
            assert_eq!(from_flat, defaults, "{id}");
            // The fields are the flags: each written field is one of them.
            let fields = kind.fields();
            assert!(table.keys().all(|k| fields.contains(k)), "{id}: {table:?}");
        }
        assert!(designs >= 5, "{designs} designs with parameters");
    }

    /// The flat form and the command line share one namespace, so no two designs may
    /// name a field alike, nor take a name of the world's own.
    #[test]
    fn no_two_designs_share_a_field_name() {
        let mut seen: Vec<(String, SchemeId)> = Vec::new();
        for design in DESIGNS {
            for field in design.params().map(|k| k.fields()).unwrap_or_default() {
                if let Some((_, other)) = seen.iter().find(|(f, _)| *f == field) {
                    panic!("{field} is both {other}'s and {}'s", design.id());
                }
                assert!(
                    !["users", "messages", "seed", "scheme", "key_bits"].contains(&field.as_str()),
                    "{field}"
                );
                seen.push((field, design.id()));
            }
        }
    }

    #[test]
    fn a_table_and_the_flat_fields_give_the_same_values() {
        let flat = object(serde_json::json!({ "agents": 4, "threshold": 2, "users": 3 }));
        let table = object(serde_json::json!({ "split-key": { "agents": 4, "threshold": 2 } }));
        let a = SchemeParams::from_fields(&[SchemeId::SplitKey], &flat, None).unwrap();
        let b = SchemeParams::from_fields(&[SchemeId::SplitKey], &table, None).unwrap();
        assert_eq!(a, b);
        let got = a.get::<SplitKeyParams>();
        assert_eq!((got.agents, got.threshold), (4, 2));
        // Left out: the design's defaults.
        let one = object(serde_json::json!({ "split-key": { "threshold": 4 } }));
        let got = SchemeParams::from_fields(&[SchemeId::SplitKey], &one, None).unwrap();
        assert_eq!(
            got.get::<SplitKeyParams>().agents,
            SplitKeyParams::default().agents
        );
        // A world that never set them reads the defaults too.
        assert_eq!(
            *SchemeParams::default().get::<SplitKeyParams>(),
            SplitKeyParams::default()
        );
    }

    #[test]
    fn a_stray_or_mistyped_field_is_named() {
        let parse = |v: serde_json::Value| {
            SchemeParams::from_fields(&[SchemeId::SplitKey], &object(v), None).unwrap_err()
        };
        let stray = parse(serde_json::json!({ "split-key": { "agentz": 4 } }));
        assert_eq!(stray.field.as_deref(), Some("split-key.agentz"), "{stray}");
        assert!(stray.problem.contains("agents, threshold"), "{stray}");
        let typed = parse(serde_json::json!({ "split-key": { "agents": "four" } }));
        assert_eq!(typed.field.as_deref(), Some("split-key.agents"), "{typed}");
        let flat = parse(serde_json::json!({ "threshold": -1 }));
        assert_eq!(flat.field.as_deref(), Some("threshold"), "{flat}");
        let not_a_table = parse(serde_json::json!({ "split-key": 5 }));
        assert_eq!(
            not_a_table.field.as_deref(),
            Some("split-key"),
            "{not_a_table}"
        );
    }

    fn flags(args: &[&str]) -> DesignFlags {
        let command = DesignFlags::augment_args(clap::Command::new("simulate"));
        let matches = command.try_get_matches_from(args).unwrap();
        DesignFlags::from_arg_matches(&matches).unwrap()
    }

    /// The chosen design reads its flags; another design's flag is refused, naming the
    /// design it belongs to; a world-dependent default is settled against the world.
    #[test]
    fn flags_give_the_chosen_designs_parameters_and_refuse_anothers() {
        let users: Vec<String> = ["alice", "bob"].map(String::from).to_vec();
        let given = flags(&["simulate", "--agents", "4"]);
        let params = given
            .params(SchemeId::SplitKey, &world(&users, 10))
            .unwrap();
        assert_eq!(params.get::<SplitKeyParams>().agents, 4);
        assert_eq!(params.get::<SplitKeyParams>().threshold, 3);
        let refused = given
            .params(SchemeId::GoldenKey, &world(&users, 10))
            .unwrap_err();
        assert_eq!(refused.field.as_deref(), Some("--agents"));
        assert!(refused.problem.contains("split-key"), "{refused}");
        // Defaults given by clap are not "given": golden-key takes the bare command.
        assert!(flags(&["simulate"])
            .params(SchemeId::GoldenKey, &world(&users, 10))
            .is_ok());
        let ghost = flags(&["simulate"])
            .params(SchemeId::Ghost, &world(&users, 40))
            .unwrap();
        let table = ghost.table(SchemeId::Ghost).unwrap();
        assert_eq!(table["ghost_after"], 21, "{table:?}");
        assert_eq!(table["ghost_target"], "alice", "{table:?}");
    }
}
