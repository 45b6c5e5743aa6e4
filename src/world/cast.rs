//! The published cast that demos and `compare` use: six users and the authorities, with
//! keys shipped in demos/keys/ so that nothing waits seconds for RSA key generation.

use crate::crypto::rsa_oaep::PrivateKey;
use crate::wire::world_file::Role;
use crate::world::Party;

/// The demo cast with their published keys: the users, then the authorities.
pub fn demo_cast(users: &[&str], authorities: &[(&str, Role)]) -> Vec<Party> {
    users
        .iter()
        .map(|name| (*name, Role::User))
        .chain(authorities.iter().copied())
        .map(|(name, role)| Party {
            name: name.to_owned(),
            role,
            key: demo_key(name),
        })
        .collect()
}

/// The published demo keys (see `demos/keys/README.md`): not secret, so that a demo
/// never spends seconds generating RSA keys in front of a class.
pub fn demo_key(name: &str) -> PrivateKey {
    const KEYS: [(&str, &str); 12] = [
        ("alice", include_str!("../../demos/keys/alice.pem")),
        ("bob", include_str!("../../demos/keys/bob.pem")),
        ("carol", include_str!("../../demos/keys/carol.pem")),
        ("dave", include_str!("../../demos/keys/dave.pem")),
        ("erin", include_str!("../../demos/keys/erin.pem")),
        ("frank", include_str!("../../demos/keys/frank.pem")),
        ("escrow", include_str!("../../demos/keys/escrow.pem")),
        ("vendor", include_str!("../../demos/keys/vendor.pem")),
        ("provider", include_str!("../../demos/keys/provider.pem")),
        ("ghost", include_str!("../../demos/keys/ghost.pem")),
        ("escrow-2", include_str!("../../demos/keys/escrow-2.pem")),
        ("agency", include_str!("../../demos/keys/agency.pem")),
    ];
    // Parsed once per process (about 0.4 ms each): a demo asks for the same keys for
    // every design and every row.
    static PARSED: [std::sync::OnceLock<PrivateKey>; 12] =
        [const { std::sync::OnceLock::new() }; 12];
    let Some(index) = KEYS.iter().position(|(n, _)| *n == name) else {
        return unshipped_key(name);
    };
    PARSED[index]
        .get_or_init(|| {
            PrivateKey::from_pem(KEYS[index].1)
                .expect("the shipped demo keys parse (checked by a test)")
                .into_published()
        })
        .clone()
}

/// A published key for a party no shipped key is for (a design added since, whose
/// authority has a name of its own): drawn from the name, so every run agrees, once per
/// process. It costs a key generation, a second or so; shipping a PEM in demos/keys/
/// and a line above saves it.
fn unshipped_key(name: &str) -> PrivateKey {
    use std::collections::BTreeMap;
    use std::sync::Mutex;
    static DRAWN: Mutex<BTreeMap<String, PrivateKey>> = Mutex::new(BTreeMap::new());
    let mut drawn = DRAWN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    drawn
        .entry(name.to_owned())
        .or_insert_with(|| {
            let mut rng = crate::crypto::random::Randomness::Seeded(0)
                .stream(&format!("unshipped demo key/{name}"));
            PrivateKey::generate(&mut rng, 2048).into_published()
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A party the shipped keys do not cover still gets a key, the same one each time,
    /// and not another party's.
    #[test]
    fn an_unshipped_party_gets_a_key_of_its_own_drawn_from_its_name() {
        let first = demo_key("locksmith");
        assert_eq!(first.fingerprint(), demo_key("locksmith").fingerprint());
        assert_ne!(first.fingerprint(), demo_key("escrow").fingerprint());
        assert_ne!(first.fingerprint(), demo_key("burglar").fingerprint());
    }
}
