//! `short-key`: content keys with only n secret bits.
//!
//! The 1990s US export rules allowed 40-bit keys abroad; TETRA's TEA1 cipher quietly
//! reduces its 80-bit key to 32 bits of effective strength (TETRA:BURST, 2023,
//! CVE-2022-24402). Here the content key is still 32 bytes of AES-256, but only its last
//! `bits` bits are secret: the first 27 bytes travel in the clear as the envelope's
//! `salt` (as export-grade RC4 sent its non-secret key bytes), and the top `40 - bits`
//! bits of the last five bytes are zero. Anyone with a CPU can try every key.

use super::params::{DesignParams, Kind, ParamsKind};
use super::registry::{Built, Design, Inputs, Invited, KeySearch, Theft, WorldShape};
use super::SchemeParams;
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::{Scheme, SchemeId};
use crate::crypto::aead::ContentKey;
use crate::crypto::random::RandomStream;
use crate::error::InputError;
use crate::wire::envelope::Envelope;
use crate::wire::salted_key::{key_from_parts, SALT_LEN};

/// The smallest number of secret bits `--bits` accepts.
pub const MIN_BITS: u32 = 16;
/// The largest: what the five secret bytes hold.
pub const MAX_BITS: u32 = crate::wire::salted_key::MAX_SECRET_BITS;
/// Secret bits when `--bits` is not given.
pub const DEFAULT_BITS: u32 = 24;

/// short-key's parameters: its `simulate` flag and its table in world.json.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, clap::Args)]
#[serde(default)]
pub struct ShortKeyParams {
    /// short-key: secret bits in each content key, 16 to 40
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BITS)]
    pub bits: u32,
}

impl Default for ShortKeyParams {
    fn default() -> Self {
        ShortKeyParams { bits: DEFAULT_BITS }
    }
}

impl DesignParams for ShortKeyParams {}

/// Refuses a `--bits` outside 16 to 40.
pub fn check_bits(bits: u32) -> Result<(), InputError> {
    if (MIN_BITS..=MAX_BITS).contains(&bits) {
        Ok(())
    } else {
        Err(InputError::new(format!(
            "{bits} secret bits is outside what short-key models"
        ))
        .field("--bits")
        .hint(format!(
            "choose {MIN_BITS} to {MAX_BITS}: 40 was export grade, TEA1's effective strength is 32"
        )))
    }
}

/// The design: weak keys, normally wrapped for their readers.
pub struct ShortKey {
    /// Secret bits in each content key.
    pub bits: u32,
}

impl Scheme for ShortKey {
    fn id(&self) -> SchemeId {
        SchemeId::ShortKey
    }

    fn new_content_key(&self, rng: &mut RandomStream) -> ContentKey {
        let mut salt = [0u8; SALT_LEN];
        rng.fill(&mut salt[..]);
        let secret = rng.gen_range(0..1u64 << self.bits);
        key_from_parts(&salt, secret)
    }

    fn add_exceptional_access(
        &self,
        envelope: &mut Envelope,
        _: &crate::wire::message::Message,
        key: &ContentKey,
        _: &mut RandomStream,
    ) {
        envelope.salt = Some(key.expose_secret()[..SALT_LEN].to_vec());
    }
}

/// The short-key design.
pub struct ShortKeyDesign;

impl Design for ShortKeyDesign {
    fn exercises(&self) -> &'static [&'static str] {
        &["short-key"]
    }
    fn events(&self) -> &'static [&'static str] {
        &["brute-force"]
    }

    fn key_search(&self, params: &SchemeParams) -> Option<KeySearch> {
        Some(KeySearch {
            bits: params.get::<ShortKeyParams>().bits,
            escrowed: None,
        })
    }

    fn id(&self) -> SchemeId {
        SchemeId::ShortKey
    }
    fn summary(&self) -> &'static str {
        "content keys with only n secret bits"
    }
    fn params(&self) -> Option<&'static dyn ParamsKind> {
        Some(&Kind::<ShortKeyParams>::NEW)
    }
    fn check(&self, params: &SchemeParams, _: &WorldShape) -> Result<(), InputError> {
        check_bits(params.get::<ShortKeyParams>().bits)
    }
    fn scenario_fields(&self) -> &'static [(&'static str, &'static str)] {
        &[("bits", "24")]
    }
    fn main_scheme_only(&self) -> Option<&'static str> {
        Some(
            "its keys are opened by brute force, which a brute-force event runs on the main scheme",
        )
    }
    fn build(&self, inputs: &Inputs) -> crate::error::Result<Built> {
        Ok(Built::sealer(ShortKey {
            bits: inputs.params.get::<ShortKeyParams>().bits,
        }))
    }
    fn invited(&self, params: &SchemeParams, _: &str, _: u64) -> Vec<Invited> {
        let bits = params.get::<ShortKeyParams>().bits;
        vec![Invited::new(
            format!("brute force, {bits} bits"),
            vec![Theft::KeySpace { bits }],
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::random::Randomness;

    #[test]
    fn only_the_low_bits_are_secret() {
        let scheme = ShortKey { bits: 20 };
        let mut rng = Randomness::Seeded(4).stream("t");
        for _ in 0..50 {
            let key = scheme.new_content_key(&mut rng);
            let tail = &key.expose_secret()[SALT_LEN..];
            let value = tail.iter().fold(0u64, |v, b| (v << 8) | u64::from(*b));
            assert!(value < 1 << 20);
        }
    }

    #[test]
    fn bits_outside_the_model_are_refused() {
        assert!(check_bits(15).is_err());
        assert!(check_bits(41).is_err());
        assert!(check_bits(32).is_ok());
    }
}
