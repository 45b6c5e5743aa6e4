//! A design's own scenario events: the event kinds a design parses from a scenario
//! file and plays on a demo itself, so that a design's story needs no arm in the demo
//! engine.
//!
//! A design lists them in [`Design::own_events`](super::Design::own_events). The
//! scenario parser looks an event's `do` up there, in the world's main design, before
//! the events the engine plays; it refuses the fields the kind does not take, and hands
//! the rest to the kind's parser through [`EventFields`], which checks each field
//! against the world as it is read (a user that exists, an adversary's name, a count in
//! range). An own event in a world of another design is refused at its line. The
//! engine plays the event on every design of the demo that lists it, through a
//! [`Stage`]: what a design may see and change of a demo in play.

use std::fmt;

use super::registry::Loot;
use super::{Scheme, SchemeParams};
use crate::crypto::random::Randomness;
use crate::crypto::rsa_oaep::PrivateKey;
use crate::error::{InputError, Result};
use crate::wire::world_file::Role;

/// One kind of event a design plays itself, keyed by its TOML `do`.
pub struct OwnEvent {
    /// What `do = "..."` names.
    pub name: &'static str,
    /// The fields it takes, as the scenario parser's hint lists them.
    pub fields: &'static [&'static str],
    /// Reads one event of this kind from its fields.
    pub parse: ParseEvent,
}

/// Reads one event of a design's own kind from its fields: see [`OwnEvent::parse`].
pub type ParseEvent =
    fn(&mut dyn EventFields) -> std::result::Result<Box<dyn DesignEvent>, InputError>;

/// The fields of one event of a scenario file, each checked against the world as it is
/// read: an error names the field and its line.
pub trait EventFields {
    /// A field that names one of the world's users.
    fn user(&mut self, name: &str) -> std::result::Result<String, InputError>;
    /// A field that names who gains what the event takes: an adversary of the story.
    fn adversary(&mut self, name: &str) -> std::result::Result<String, InputError>;
    /// A whole-number field from 1 to `max`.
    fn count(&mut self, name: &str, max: u64) -> std::result::Result<u64, InputError>;
    /// The parameters of the scenario's world, to check a field against.
    fn params(&self) -> &SchemeParams;
}

/// One event of a design's own kind, parsed and ready to play.
pub trait DesignEvent: fmt::Debug + Send + Sync {
    /// Plays the event on one design of a demo, and says what happened as facts (a
    /// label and a value each), in the order a renderer shows them.
    fn play(&self, stage: &mut dyn Stage) -> Result<Vec<Told>>;
}

/// What a design's event may see and change of one design of a demo in play.
pub trait Stage {
    /// The logical time of the last message sent: the event happens just after it.
    fn now(&self) -> u64;
    /// The design's parameters in this demo.
    fn params(&self) -> &SchemeParams;
    /// The design's randomness in this demo, for draws of its own.
    fn randomness(&self) -> &Randomness;
    /// The sealer the users' clients run now; `None` for a design that seals on
    /// devices.
    fn sealer(&mut self) -> Option<&mut dyn Scheme>;
    /// What each of the design's parties holds besides its RSA key, as the design built
    /// it: (party, material).
    fn loot(&self) -> &[(String, Loot)];
    /// From the next message on, `sealer` seals in place of the current one, which is
    /// kept with the envelopes it sealed (material that reads in order fits one sealer).
    fn replace_sealer(&mut self, sealer: Box<dyn Scheme>);
    /// `party` now holds `material` too: what a thief of that party takes from here on.
    fn add_loot(&mut self, party: &str, material: Loot);
    /// The pieces of a split secret `to` holds of this design ([`Loot::piece`]), once
    /// each.
    fn pieces_held(&mut self, to: &str) -> Vec<Loot>;
    /// `to` now holds `key`, `holder`'s, which opens what that party's `role` opens.
    fn hand_key(&mut self, to: &str, holder: &str, role: Role, key: &PrivateKey);
    /// `to`, an adversary of the story, takes `party`'s `material`: from now on it reads
    /// what that material opens, as the design's [`open_loot`](super::Design::open_loot)
    /// reads it.
    fn hand_over(&mut self, to: &str, party: &str, material: &Loot);
}

/// One fact an event tells: a label and a value, shown as opened (✓), sealed (✗) or
/// plain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Told {
    /// What the value is about.
    pub label: String,
    /// The value, in words.
    pub value: String,
    /// `Some(true)`: opened; `Some(false)`: sealed; `None`: plain.
    pub open: Option<bool>,
}

impl Told {
    /// A fact shown as it is.
    pub fn plain(label: impl Into<String>, value: impl Into<String>) -> Self {
        Told {
            label: label.into(),
            value: value.into(),
            open: None,
        }
    }
    /// A fact shown as opened (`true`) or sealed.
    pub fn marked(label: impl Into<String>, value: impl Into<String>, open: bool) -> Self {
        Told {
            open: Some(open),
            ..Told::plain(label, value)
        }
    }
}
