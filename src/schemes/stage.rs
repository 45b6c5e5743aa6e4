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
//!
//! An experiment that brings its own devices (Clipper's LEAF forgery) is
//! [`OwnEvent::anywhere`]: it plays once, in a world of any design. A costly one caps
//! what all its events of a demo may ask for together ([`OwnEvent::total`]).

use std::any::Any;
use std::fmt;

use super::network::DeviceNetwork;
use super::registry::Loot;
use super::said::Fact;
use super::snapshot::Snapshot;
use super::{Scheme, SchemeId, SchemeParams, DESIGNS};
use crate::crypto::random::Randomness;
use crate::crypto::rsa_oaep::PrivateKey;
use crate::error::{InputError, Result};
use crate::wire::message::Message;
use crate::wire::world_file::Role;

/// One kind of event a design plays itself, keyed by its TOML `do`.
pub struct OwnEvent {
    /// What `do = "..."` names.
    pub name: &'static str,
    /// The fields it takes, as the scenario parser's hint lists them.
    pub fields: &'static [&'static str],
    /// Reads one event of this kind from its fields.
    pub parse: ParseEvent,
    /// It needs nothing of a world of its design, and plays once in any world.
    pub anywhere: bool,
    /// The most work all its events of one demo may ask for together, where there is a
    /// bound ([`DesignEvent::work`] says how much each asks).
    pub total: Option<TotalWork>,
}

/// A bound on the work of all the events of one kind in a demo.
#[derive(Debug, Clone, Copy)]
pub struct TotalWork {
    /// What is counted, in the plural: "LEAF forgeries".
    pub noun: &'static str,
    /// The most a demo may ask for.
    pub most: u64,
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
    /// A field that names one of the pictures of the world's main design
    /// ([`Design::pictures`](super::Design::pictures)).
    fn picture(&mut self, name: &str) -> std::result::Result<String, InputError>;
    /// The parameters of the scenario's world, to check a field against.
    fn params(&self) -> &SchemeParams;
}

/// One event of a design's own kind, parsed and ready to play.
pub trait DesignEvent: fmt::Debug + Send + Sync {
    /// Plays the event on one design of a demo, and says what happened as facts, in the
    /// order a renderer shows them.
    fn play(&self, stage: &mut dyn Stage) -> Result<Vec<Fact>>;

    /// The work it asks for, in its kind's [`TotalWork::noun`]: counted against the
    /// kind's [`OwnEvent::total`] before the demo runs.
    fn work(&self) -> u64 {
        0
    }
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
    /// The users' devices, for a design that seals on them; `None` for one with a
    /// sealer.
    fn network(&mut self) -> Option<&mut dyn DeviceNetwork>;
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
    /// `adversary` enters the story: it has a row of its own from now on, holding
    /// nothing yet.
    fn enters(&mut self, adversary: &str);
    /// What the design keeps of the demo itself ([`Design::demo_state`](super::Design::demo_state)),
    /// if it keeps anything.
    fn state(&mut self) -> Option<&mut dyn DesignState>;
    /// The next message of the story's traffic, written by `from` to one of its contacts
    /// with `words`; nothing is sent until it is [`deliver`](Stage::deliver)ed.
    fn write(&mut self, from: &str, words: &str) -> Message;
    /// Sends `message` as the story sends every message: sealed under each design of
    /// the demo, and recorded by the tap.
    fn deliver(&mut self, message: Message) -> Result<()>;
    /// `to`, an adversary of the story, takes `party`'s `material`: from now on it reads
    /// what that material opens, as the design's [`open_loot`](super::Design::open_loot)
    /// reads it.
    fn hand_over(&mut self, to: &str, party: &str, material: &Loot);
    /// `to`, an adversary of the story, holds `copy`, a device of this design as it was
    /// copied: from now on it reads what that device opens, played forward.
    fn hand_device(&mut self, to: &str, copy: Snapshot);
}

/// What a design keeps of one demo in play, besides its sealer and loot: client-scan's
/// phones keep their list, the pictures they sent and what they reported. The engine
/// calls it as the traffic flows; the design's own events reach it through
/// [`Stage::state`] and downcast it to their own type.
pub trait DesignState: Any + Send {
    /// What the users' clients attach to `plain` as they write it, before it is sealed.
    fn compose(&mut self, _plain: &mut [Message]) {}
    /// Takes in what the sealer reported while sealing (see
    /// [`Scheme::take_reports`]).
    fn collect(&mut self, _reports: Vec<String>) {}
    /// What the provider has received beyond the envelopes, as a scenario's `reports`
    /// view shows it.
    fn reports(&self) -> Vec<Fact> {
        Vec::new()
    }
    /// The state as `Any`, for a design's own events to downcast.
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

/// The designs that play the scenario event `kind` (those that list it in
/// [`Design::events`](super::Design::events)); empty for an event every design plays.
pub fn designs_playing(kind: &str) -> Vec<SchemeId> {
    DESIGNS
        .iter()
        .filter(|d| {
            d.events().contains(&kind)
                || d.own_events().iter().any(|e| e.name == kind && !e.anywhere)
        })
        .map(|d| d.id())
        .collect()
}

/// Whether `kind` is a design's own experiment that plays in a world of any design
/// ([`OwnEvent::anywhere`]).
pub fn plays_anywhere(kind: &str) -> bool {
    own_event(kind).is_some_and(|e| e.anywhere)
}

/// The design's own event kind `kind`, whichever design lists it.
pub fn own_event(kind: &str) -> Option<&'static OwnEvent> {
    DESIGNS
        .iter()
        .flat_map(|d| d.own_events())
        .find(|e| e.name == kind)
}
