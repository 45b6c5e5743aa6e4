//! A message in the clear, as the traffic generator makes it and a design seals it.
//! It sits here, below the designs, because every design seals one.

/// A message in the clear, before sealing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// `m000001`: unique in a world.
    pub id: String,
    /// Logical clock: the message's index, from 1.
    pub t: u64,
    /// The sender.
    pub from: String,
    /// Every recipient; a group message has several.
    pub to: Vec<String>,
    /// The plaintext.
    pub text: String,
    /// Set under per-session keying.
    pub session: Option<SessionRef>,
}

/// The session a message belongs to, and whether it opens it (and so carries the key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRef {
    /// `s000001`.
    pub id: String,
    /// Whether this message opens the session, and so carries its key wrapped.
    pub first: bool,
}

/// The id of the message at logical time `t`: `m000001`.
pub fn message_id(t: u64) -> String {
    format!("m{t:06}")
}

/// The id of the `n`-th session: `s000001`.
pub fn session_id(n: u64) -> String {
    format!("s{n:06}")
}
