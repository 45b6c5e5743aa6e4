//! What `recover` found on its way from stolen material to keys, as values.
//!
//! A design loading its stolen files ([`Design::load_stolen`](super::Design::load_stolen))
//! says what each step came to; the renderers (text, JSON, HTML) put it in words, so the
//! three say the same thing and a program reads the values without parsing a sentence.

use serde::Serialize;

/// One step that turned exceptional access, or a theft, into keys (or into nothing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Finding {
    /// A forward-secret identity key: it signs prekeys and enters X3DH, but opens no
    /// message by itself.
    IdentityKeyAlone {
        /// Whose key.
        party: String,
    },
    /// A device that holds an RSA key, copied just after `t`: its key opens every
    /// message its user ever sent or received.
    DeviceKeyCopied {
        /// Whose device.
        user: String,
        /// Copied just after this logical time.
        t: u64,
    },
    /// A device that keeps state (a ratchet), copied just after `t`, with what it held.
    DeviceStateCopied {
        /// Whose device.
        user: String,
        /// Copied just after this logical time.
        t: u64,
        /// One-time prekeys nobody had used yet.
        unused_prekeys: usize,
        /// Sessions, each with its ratchet state.
        sessions: usize,
        /// Message keys it kept for messages still on their way.
        skipped_keys: usize,
        /// Sender chains it held (`sender-keys`), its own and the other members'.
        sender_chains: usize,
    },
    /// Escrow agents' shares, combined into the whole escrow key.
    SharesCombined {
        /// How many shares.
        shares: usize,
        /// The first 16 hex digits of the key's fingerprint.
        fingerprint: String,
    },
    /// A family key alone: every LEAF names its device, but no content opens.
    FamilyKeyAlone,
    /// Both escrow agents' halves of these devices' keys, combined: they open every
    /// message those devices sent, before and after any warrant.
    DeviceKeysFromHalves {
        /// The devices.
        devices: Vec<String>,
    },
    /// A provider's vault, opened with its key.
    VaultOpened {
        /// Device keys it held.
        device_keys: usize,
        /// Routine requests the same key had already served, by its log; `None` if the
        /// log is missing.
        routine_requests: Option<u64>,
        /// The log, relative to the world.
        request_log: String,
    },
    /// A vendor's vault key with no phone: it opens nothing that was recorded, only the
    /// phones in hand.
    VaultKeyAlone {
        /// Where the world keeps its phones.
        phones_dir: String,
    },
    /// A phone held locked, with no key to its passcode.
    PhoneLocked {
        /// Whose phone.
        user: String,
    },
    /// A phone unlocked with the vendor's vault key: its key opens its whole stored
    /// history.
    PhoneUnlocked {
        /// Whose phone.
        user: String,
    },
}
