//! Plaintext records: `truth.jsonl` (what was really said, for teachers and graders) and
//! the output of `recover --out`, which has the same shape so the two can be compared
//! line by line.

use serde::{Deserialize, Serialize};

/// One message in the clear: `{"id","from","to","text"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plaintext {
    /// The message's id.
    pub id: String,
    /// The sender.
    pub from: String,
    /// Every recipient.
    pub to: Vec<String>,
    /// The message.
    pub text: String,
}

impl Plaintext {
    /// The record of an opened envelope.
    pub fn opened(envelope: &crate::wire::envelope::Envelope, text: String) -> Self {
        Plaintext {
            id: envelope.id.clone(),
            from: envelope.from.clone(),
            to: envelope.to.clone(),
            text,
        }
    }

    /// One line of `truth.jsonl`.
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).expect("plaintext record serialises to JSON")
    }
}
