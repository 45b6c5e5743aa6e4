//! The names of the designs, as envelopes and `world.json` carry them: parsed here, at
//! the edge, so that a file naming an unknown design is refused where it is read. What
//! each design does lives in `schemes` (its summary, in the registry), which re-exports
//! this type.

use crate::error::InputError;

/// The schemes this doormat can simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemeId {
    /// End-to-end encryption with no exceptional access: the baseline.
    None,
    /// Every content key is also wrapped for one escrow ("golden") key.
    GoldenKey,
    /// The golden key, with its private half split k-of-n among agents (Shamir).
    SplitKey,
    /// The provider keeps a copy of every device key in its vault, as cloud backups
    /// without end-to-end encryption do. Earlier versions called it `vendor-escrow`.
    ProviderEscrow,
    /// Ray Ozzie's CLEAR: each phone keeps its passcode encrypted for the vendor, whose
    /// vault key unlocks any phone in hand (stored data, not messages in transit).
    Clear,
    /// Content keys with only n secret bits (export grade, TETRA TEA1).
    ShortKey,
    /// The relay silently adds a hidden reader to targeted conversations (GCHQ 2018).
    Ghost,
    /// Every envelope carries a LEAF for the sender's escrowed unit key (FIPS 185).
    Clipper,
    /// No escrow, and Signal's X3DH and Double Ratchet: a fresh key for every message.
    ForwardSecret,
    /// No escrow field at all: the devices' randomness comes from Dual_EC_DRBG, whose
    /// designer can predict it (NIST SP 800-90, 2006; Juniper ScreenOS, 2015).
    DualEc,
    /// Lotus Notes' workfactor reduction: short keys, some of whose bits are wrapped for
    /// an agency (1996-97).
    Workfactor,
    /// No escrow field either: before sealing, the phone hashes each image (PDQ) against
    /// a list and reports matches to the provider (Apple 2021, the EU's CSA Regulation).
    ClientScan,
    /// No escrow: group messages under per-sender hash-ratchet chains, each handed to
    /// the members through pairwise sessions, to a roster the server keeps (WhatsApp's
    /// Sender Keys, 2018).
    SenderKeys,
}

impl SchemeId {
    /// The design without exceptional access that every other is measured against.
    pub const BASELINE: SchemeId = SchemeId::None;

    /// The design shown where none is chosen: the flagship demo's, a class's and the
    /// benches' escrow case, one golden key.
    pub const FLAGSHIP: SchemeId = SchemeId::GoldenKey;

    /// Every design, in the order errors and hints list them.
    pub const ALL: [SchemeId; 13] = [
        SchemeId::None,
        SchemeId::GoldenKey,
        SchemeId::SplitKey,
        SchemeId::ProviderEscrow,
        SchemeId::Clear,
        SchemeId::ShortKey,
        SchemeId::Ghost,
        SchemeId::Clipper,
        SchemeId::ForwardSecret,
        SchemeId::DualEc,
        SchemeId::Workfactor,
        SchemeId::ClientScan,
        SchemeId::SenderKeys,
    ];

    /// Its name: `golden-key`.
    pub fn as_str(&self) -> &'static str {
        match self {
            SchemeId::None => "none",
            SchemeId::GoldenKey => "golden-key",
            SchemeId::SplitKey => "split-key",
            SchemeId::ProviderEscrow => "provider-escrow",
            SchemeId::Clear => "clear",
            SchemeId::ShortKey => "short-key",
            SchemeId::Ghost => "ghost",
            SchemeId::Clipper => "clipper",
            SchemeId::ForwardSecret => "forward-secret",
            SchemeId::DualEc => "dual-ec",
            SchemeId::Workfactor => "workfactor",
            SchemeId::ClientScan => "client-scan",
            SchemeId::SenderKeys => "sender-keys",
        }
    }

    /// Whether its users hold Ed25519 identities on stateful devices and no RSA key, so
    /// that its world.json records no RSA key size: the designs that seal on the
    /// devices.
    pub fn seals_on_devices(self) -> bool {
        matches!(self, SchemeId::ForwardSecret | SchemeId::SenderKeys)
    }

    /// Names that earlier versions wrote, still read: (old name, design).
    pub const ALIASES: [(&'static str, SchemeId); 1] =
        // Earlier versions called provider escrow vendor-escrow and presented it as CLEAR,
        // which it is not; worlds and captures written then still say so.
        [("vendor-escrow", SchemeId::ProviderEscrow)];

    /// The design called `text` (or an old name for it); an error listing the known
    /// ones otherwise.
    pub fn parse(text: &str) -> Result<Self, InputError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .or_else(|| {
                Self::ALIASES
                    .iter()
                    .find(|(alias, _)| *alias == text)
                    .map(|(_, id)| *id)
            })
            .ok_or_else(|| {
                let known: Vec<&str> = Self::ALL.iter().map(SchemeId::as_str).collect();
                let guess = crate::wire::names::closest(text, known.iter().copied())
                    .map(|name| format!("did you mean {name}? "))
                    .unwrap_or_default();
                InputError::new(format!(
                    "scheme {:?} is not one this doormat knows",
                    crate::wire::names::truncate(text, 40)
                ))
                .hint(format!("{guess}known schemes: {}", known.join(", ")))
            })
    }
}

impl serde::Serialize for SchemeId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for SchemeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
