//! `workfactor`: Lotus Notes International Edition (1996-97), scaled to run in class.
//!
//! Notes sold abroad used 64-bit keys, and put 24 of each key's bits, encrypted under
//! an NSA public key, in a "workfactor reduction field": 40 bits of work for the NSA,
//! 64 for everyone else. A golden key and a short key in one. Here the content key is
//! built as under `short-key` with 40 secret bits (its other 27 bytes travel as `salt`),
//! and the top 24 of those bits are wrapped with RSA-OAEP for `keys/agency.pem` in the
//! envelope's `wrf` field: the agency searches 2^16 keys per message, everyone else
//! 2^40. `doormat attack brute-force` measures both and projects them to Notes' real 40
//! and 64 bits.

use super::registry::{Built, Design, Inputs, Invited, KeySearch, Theft};
use super::short_key::ShortKey;
use super::{Scheme, SchemeId, SchemeParams};
use crate::crypto::aead::ContentKey;
use crate::crypto::random::RandomStream;
use crate::crypto::rsa_oaep::{PrivateKey, PublicKey};
use crate::crypto::CouldNotOpen;
use crate::error::Result;
use crate::wire::envelope::Envelope;
use crate::wire::message::Message;
use crate::wire::salted_key::SALT_LEN;
use crate::wire::world_file::{Parameters, Role};

/// The party that holds the key for the workfactor reduction field.
pub const AGENCY_NAME: &str = "agency";
/// Secret bits of each content key here (Notes: 64).
pub const KEY_BITS: u32 = 40;
/// Of those, the bits wrapped for the agency (Notes: 24, as here).
pub const ESCROWED_BITS: u32 = 24;
/// What the agency is left to search (Notes: 40).
pub const AGENCY_BITS: u32 = KEY_BITS - ESCROWED_BITS;
/// Notes' real key length, for the projection.
pub const NOTES_KEY_BITS: u32 = 64;
/// Notes' real work left to the NSA.
pub const NOTES_AGENCY_BITS: u32 = NOTES_KEY_BITS - ESCROWED_BITS;
/// Bytes of the escrowed bits, big-endian, as `wrf` wraps them.
const ESCROWED_BYTES: usize = (ESCROWED_BITS / 8) as usize;

/// The sealer: a 40-bit key, its top 24 bits wrapped for the agency.
pub struct Workfactor {
    agency: PublicKey,
}

impl Scheme for Workfactor {
    fn id(&self) -> SchemeId {
        SchemeId::Workfactor
    }

    fn new_content_key(&self, rng: &mut RandomStream) -> ContentKey {
        ShortKey { bits: KEY_BITS }.new_content_key(rng)
    }

    fn add_exceptional_access(
        &self,
        envelope: &mut Envelope,
        _: &Message,
        key: &ContentKey,
        rng: &mut RandomStream,
    ) {
        let bytes = key.expose_secret();
        envelope.salt = Some(bytes[..SALT_LEN].to_vec());
        // The secret is the last five bytes; its top 24 bits are their first three.
        let escrowed = zeroize::Zeroizing::new(bytes[SALT_LEN..SALT_LEN + ESCROWED_BYTES].to_vec());
        envelope.wrf = Some(self.agency.wrap_bytes(rng, &escrowed));
    }
}

/// What the agency's key reads from an envelope's `wrf`: the secret's top 24 bits, in
/// place (shifted left by the 16 bits left to search).
pub fn escrowed_high_bits(
    envelope: &Envelope,
    agency: &PrivateKey,
) -> std::result::Result<u64, CouldNotOpen> {
    let wrapped = envelope.wrf.as_deref().ok_or(CouldNotOpen)?;
    let bytes = agency.unwrap_bytes(wrapped)?;
    if bytes.len() != ESCROWED_BYTES {
        return Err(CouldNotOpen);
    }
    let top = bytes.iter().fold(0u64, |v, b| (v << 8) | u64::from(*b));
    Ok(top << AGENCY_BITS)
}

/// The workfactor design.
pub struct WorkfactorDesign;

impl Design for WorkfactorDesign {
    fn events(&self) -> &'static [&'static str] {
        &["brute-force"]
    }

    fn escrowed_bits(
        &self,
        envelope: &Envelope,
        key: &PrivateKey,
    ) -> std::result::Result<u64, CouldNotOpen> {
        escrowed_high_bits(envelope, key)
    }
    fn key_search(&self, _params: &SchemeParams) -> Option<KeySearch> {
        Some(KeySearch {
            bits: KEY_BITS,
            escrowed: Some((AGENCY_NAME, AGENCY_BITS)),
        })
    }

    fn id(&self) -> SchemeId {
        SchemeId::Workfactor
    }
    fn summary(&self) -> &'static str {
        "40-bit keys; 24 of the bits escrowed for an agency"
    }
    fn parties(&self) -> &'static [(&'static str, Role)] {
        &[(AGENCY_NAME, Role::Escrow)]
    }
    fn authority(&self) -> Option<&'static str> {
        Some(AGENCY_NAME)
    }
    fn holds(&self, _: &str) -> &'static str {
        "24 of every key's 40 secret bits"
    }
    fn build(&self, inputs: &Inputs) -> Result<Built> {
        Ok(Built::sealer(Workfactor {
            agency: inputs.party(AGENCY_NAME)?.key.public_key().clone(),
        }))
    }
    fn record(&self, _: &SchemeParams, parameters: &mut Parameters) {
        parameters.record("bits", KEY_BITS);
    }
    fn invited(&self, _: &SchemeParams, _: &str, _: u64) -> Vec<Invited> {
        vec![Invited::new(
            format!("agency key + 2^{AGENCY_BITS}"),
            vec![
                Theft::Party(AGENCY_NAME.to_owned()),
                Theft::KeySpace { bits: AGENCY_BITS },
            ],
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::random::Randomness;
    use crate::crypto::rsa_oaep::tests::test_keys;

    #[test]
    fn the_agency_reads_the_top_24_bits_and_no_one_else_does() {
        let keys = test_keys();
        let scheme = Workfactor {
            agency: keys[0].public_key().clone(),
        };
        let mut rng = Randomness::Seeded(3).stream("wf");
        let message = Message {
            id: "m000001".into(),
            t: 1,
            from: "alice".into(),
            to: vec!["bob".into()],
            text: "hi".into(),
            session: None,
        };
        let key = scheme.new_content_key(&mut rng);
        let mut envelope = Envelope::new(&message, SchemeId::Workfactor, [0; 12], vec![0; 18]);
        scheme.add_exceptional_access(&mut envelope, &message, &key, &mut rng);
        let secret = key.expose_secret()[SALT_LEN..]
            .iter()
            .fold(0u64, |v, b| (v << 8) | u64::from(*b));
        assert!(secret < 1 << KEY_BITS);
        let high = escrowed_high_bits(&envelope, &keys[0]).unwrap();
        assert_eq!(high, secret >> AGENCY_BITS << AGENCY_BITS);
        assert!(escrowed_high_bits(&envelope, &keys[1]).is_err());
        assert_eq!(
            envelope.salt.as_deref(),
            Some(&key.expose_secret()[..SALT_LEN])
        );
    }
}
