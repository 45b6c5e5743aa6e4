//! Where randomness comes from.
//!
//! By default every random byte comes from the operating system. Under `--seed` it comes
//! from ChaCha20 keyed by SHA-256 of the seed and a label, so a classroom can rerun a
//! demo and get the very same keys, traffic and ciphertexts. A seeded run is predictable
//! to anyone who knows the seed: it is for teaching, never for protecting anything.

use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, OsRng, RngCore, SeedableRng};
use sha2::{Digest, Sha256};

/// The source of randomness for one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Randomness {
    /// The operating system's CSPRNG (getrandom).
    Os,
    /// Deterministic, derived from a public seed. For classrooms only.
    Seeded(u64),
}

impl Randomness {
    /// A classroom seed, or the OS when there is none.
    pub fn from_seed(seed: Option<u64>) -> Self {
        seed.map_or(Randomness::Os, Randomness::Seeded)
    }

    /// The seed, if seeded.
    pub fn seed(&self) -> Option<u64> {
        match self {
            Randomness::Os => None,
            Randomness::Seeded(seed) => Some(*seed),
        }
    }

    /// An independent source for one part of a run (one scheme of a comparison): seeded
    /// runs stay repeatable, and the parts share no random bytes.
    pub fn fork(&self, label: &str) -> Randomness {
        match self {
            Randomness::Os => Randomness::Os,
            Randomness::Seeded(_) => {
                Randomness::Seeded(self.stream(&format!("fork/{label}")).next_u64())
            }
        }
    }

    /// An independent stream for one purpose (`"key/alice"`, `"message/m000017"`).
    ///
    /// Labels make seeded runs reproducible even when the work is spread over threads
    /// in whatever order: each item draws from its own stream, not from a shared one.
    pub fn stream(&self, label: &str) -> RandomStream {
        match self {
            Randomness::Os => RandomStream::Os(OsRng),
            Randomness::Seeded(seed) => {
                let mut hash = Sha256::new();
                hash.update(b"doormat/seed/v1\0");
                hash.update(seed.to_le_bytes());
                hash.update(label.as_bytes());
                RandomStream::Seeded(Box::new(ChaCha20Rng::from_seed(hash.finalize().into())))
            }
        }
    }
}

/// A stream of random bytes from a [`Randomness`].
pub enum RandomStream {
    /// The OS's randomness.
    Os(OsRng),
    /// ChaCha20 from a classroom seed and a label.
    Seeded(Box<ChaCha20Rng>),
}

impl RandomStream {
    /// Whether the bytes come from a public seed (and so must be reproducible).
    pub fn is_seeded(&self) -> bool {
        matches!(self, RandomStream::Seeded(_))
    }
}

impl RngCore for RandomStream {
    fn next_u32(&mut self) -> u32 {
        match self {
            RandomStream::Os(rng) => rng.next_u32(),
            RandomStream::Seeded(rng) => rng.next_u32(),
        }
    }
    fn next_u64(&mut self) -> u64 {
        match self {
            RandomStream::Os(rng) => rng.next_u64(),
            RandomStream::Seeded(rng) => rng.next_u64(),
        }
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        match self {
            RandomStream::Os(rng) => rng.fill_bytes(dest),
            RandomStream::Seeded(rng) => rng.fill_bytes(dest),
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        match self {
            RandomStream::Os(rng) => rng.try_fill_bytes(dest),
            RandomStream::Seeded(rng) => rng.try_fill_bytes(dest),
        }
    }
}

/// Where the content keys of sessions come from. Every message of a session must derive
/// the same key, even when its messages are sealed in different batches on different
/// threads: under `--seed` the key comes from the seeded stream `session/ID`; otherwise
/// from ChaCha20 keyed by SHA-256 of a 32-byte secret drawn from the OS once per world
/// and the session id. The secret is never written anywhere and zeroizes on drop.
pub struct SessionKeys(SessionSource);

enum SessionSource {
    Seeded(Randomness),
    Secret(zeroize::Zeroizing<[u8; 32]>),
}

impl SessionKeys {
    /// The session keys of a world with `randomness`.
    pub fn new(randomness: &Randomness) -> Self {
        match randomness {
            Randomness::Seeded(_) => SessionKeys(SessionSource::Seeded(*randomness)),
            Randomness::Os => {
                let mut secret = zeroize::Zeroizing::new([0u8; 32]);
                OsRng.fill_bytes(secret.as_mut());
                SessionKeys(SessionSource::Secret(secret))
            }
        }
    }

    /// The stream a session's content key is drawn from: the same for every call with
    /// the same session id.
    pub fn stream(&self, session: &str) -> RandomStream {
        let label = format!("session/{session}");
        match &self.0 {
            SessionSource::Seeded(randomness) => randomness.stream(&label),
            SessionSource::Secret(secret) => {
                let mut hash = Sha256::new();
                hash.update(b"doormat/session-keys/v1\0");
                hash.update(secret.as_ref());
                hash.update(label.as_bytes());
                RandomStream::Seeded(Box::new(ChaCha20Rng::from_seed(hash.finalize().into())))
            }
        }
    }
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            SessionSource::Seeded(r) => write!(f, "SessionKeys({r:?})"),
            SessionSource::Secret(_) => f.write_str("SessionKeys([redacted])"),
        }
    }
}

// Both arms are cryptographically secure generators; the seeded one is merely public.
impl CryptoRng for RandomStream {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_streams_repeat_and_differ_by_label() {
        let r = Randomness::Seeded(7);
        let a1 = r.stream("a").next_u64();
        let a2 = r.stream("a").next_u64();
        let b = r.stream("b").next_u64();
        let other_seed = Randomness::Seeded(8).stream("a").next_u64();
        assert_eq!(a1, a2);
        assert_ne!(a1, b);
        assert_ne!(a1, other_seed);
    }

    #[test]
    fn session_keys_repeat_within_a_world_and_differ_between_worlds() {
        let world = SessionKeys::new(&Randomness::Os);
        assert_eq!(world.stream("s1").next_u64(), world.stream("s1").next_u64());
        assert_ne!(world.stream("s1").next_u64(), world.stream("s2").next_u64());
        let other = SessionKeys::new(&Randomness::Os);
        assert_ne!(world.stream("s1").next_u64(), other.stream("s1").next_u64());
        assert_eq!(format!("{world:?}"), "SessionKeys([redacted])");
        let seeded = SessionKeys::new(&Randomness::Seeded(4));
        assert_eq!(
            seeded.stream("s1").next_u64(),
            Randomness::Seeded(4).stream("session/s1").next_u64()
        );
    }

    #[test]
    fn os_streams_differ() {
        let r = Randomness::Os;
        assert_ne!(r.stream("a").next_u64(), r.stream("a").next_u64());
    }
}
