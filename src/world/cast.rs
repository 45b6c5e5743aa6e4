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
    let index = KEYS
        .iter()
        .position(|(n, _)| *n == name)
        .unwrap_or_else(|| unreachable!("demo_key is only asked for the demo cast"));
    PARSED[index]
        .get_or_init(|| {
            PrivateKey::from_pem(KEYS[index].1)
                .expect("the shipped demo keys parse (checked by a test)")
                .into_published()
        })
        .clone()
}
