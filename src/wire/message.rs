//! A message in the clear, as the traffic generator makes it and a design seals it.
//! It sits here, below the designs, because every design seals one.

/// A message in the clear, before sealing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: String,
    /// Logical clock: the message's index, from 1.
    pub t: u64,
    pub from: String,
    pub to: Vec<String>,
    pub text: String,
    /// Set under per-session keying.
    pub session: Option<SessionRef>,
}

/// The session a message belongs to, and whether it opens it (and so carries the key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRef {
    pub id: String,
    pub first: bool,
}

pub fn message_id(t: u64) -> String {
    format!("m{t:06}")
}

pub fn session_id(n: u64) -> String {
    format!("s{n:06}")
}
