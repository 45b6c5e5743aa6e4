//! What doormat reads and writes: wire format v1 envelopes, `world.json`, plaintext
//! records. Parse, don't validate: a value of these types is well-formed by
//! construction, and every refusal names the file, line and field.

pub mod envelope;
pub mod limits;
pub mod lines;
pub mod message;
pub mod names;
pub mod plaintext;
pub mod salted_key;
pub mod scheme_id;
pub mod world_file;

use base64::Engine;

use crate::error::InputError;

/// Standard base64 with padding, as fixed by wire format v1.
pub(crate) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Decodes the base64 value of `field`.
pub(crate) fn unb64(field: &str, text: &str) -> Result<Vec<u8>, InputError> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| {
            InputError::new(format!("not valid base64 ({e})"))
                .field(field)
                .hint("wire format v1 uses the standard base64 alphabet with = padding")
        })
}

#[cfg(test)]
pub(crate) mod hostile_tests;
