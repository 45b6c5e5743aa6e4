//! Classroom exercises: a bundle per student, each hiding that student's own flag, and
//! grading that needs nothing but the instructor's grading file.
//!
//! Every flag is `doormat{` + 20 hex digits + `}`: the first 80 bits of
//! HMAC-SHA256(instructor secret, exercise ‖ student). The secret is 32 random bytes kept
//! in `instructor/grading.json`, so the instructor can regrade without the bundles, and
//! a student who copies a neighbour's flag is told so. Each student's world is built
//! from a 64-bit seed derived the same way; the bundle's `world.json` does not say it.

mod bundle;
pub mod grading;
pub mod hints;
mod roster;

use serde::Serialize;

use crate::crypto::random::Randomness;
use crate::crypto::rsa_oaep::hex;
use crate::crypto::symmetric::hmac_sha256;
use crate::error::InputError;
use crate::schemes::SchemeId;

pub mod gradebook;

pub use bundle::{create, ExerciseSummary, NewExercise};
pub use grading::{
    check, check_batch, tidy, GradedRow, Grades, Grading, GradingFile, Slip, StudentVerdict,
    Verdict,
};
pub use roster::{
    folder_name, numbered_students, read_roster, Contact, Renamed, Roster, RESERVED_FOLDERS,
};

/// The exercises doormat can hand out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExerciseKind {
    /// The escrow key leaked: find the message one user sent another on a given day.
    LeakedGoldenKey,
    /// A user's key and the escrow key leaked: count what each opens, find what only
    /// the escrow key opens.
    UserKeyVsEscrow,
    /// Three of five agents' shares leaked: rebuild the escrow key.
    SplitKey,
    /// Export-grade keys: brute-force the 20 secret bits of one message's key.
    ShortKey,
    /// A phone stolen at T under the Double Ratchet: read the short window it opens.
    ForwardSecretWindow,
    /// Blaze 1994: forge a Clipper LEAF that passes the receiver's 16-bit check. The
    /// answer is the forged LEAF itself, `doormat{` + 92 hex digits + `}`.
    LeafForgery,
    /// Dual_EC: the standard's designer's d leaked; recover the sender's generator
    /// state from one public `rnd` and predict the key of the message with the flag.
    DualEc,
    /// client-scan: make a look-alike of a listed picture that the list misses.
    EvadeList,
    /// client-scan: find who shared a picture whose hash was slipped into the list.
    PoisonedList,
    /// CLEAR: a seized, locked phone and the vendor's leaked key; recover the passcode,
    /// unlock the phone and read its history.
    LockedPhone,
}

impl ExerciseKind {
    /// Every kind, in the order `--help` lists them.
    pub const ALL: [ExerciseKind; 10] = [
        ExerciseKind::LeakedGoldenKey,
        ExerciseKind::UserKeyVsEscrow,
        ExerciseKind::SplitKey,
        ExerciseKind::ShortKey,
        ExerciseKind::ForwardSecretWindow,
        ExerciseKind::LeafForgery,
        ExerciseKind::DualEc,
        ExerciseKind::EvadeList,
        ExerciseKind::PoisonedList,
        ExerciseKind::LockedPhone,
    ];

    /// Its name, as `--kind` takes it.
    pub fn as_str(&self) -> &'static str {
        match self {
            ExerciseKind::LeakedGoldenKey => "leaked-golden-key",
            ExerciseKind::UserKeyVsEscrow => "user-key-vs-escrow",
            ExerciseKind::SplitKey => "split-key",
            ExerciseKind::ShortKey => "short-key",
            ExerciseKind::ForwardSecretWindow => "forward-secret-window",
            ExerciseKind::LeafForgery => "leaf-forgery",
            ExerciseKind::DualEc => "dual-ec",
            ExerciseKind::EvadeList => "evade-list",
            ExerciseKind::PoisonedList => "poisoned-list",
            ExerciseKind::LockedPhone => "locked-phone",
        }
    }

    /// The design its worlds are of: the one that lists it among its exercises.
    pub fn scheme(&self) -> SchemeId {
        crate::schemes::DESIGNS
            .iter()
            .find(|d| d.exercises().contains(&self.as_str()))
            .map(|d| d.id())
            // tests::every_kind_belongs_to_one_design keeps this true.
            .unwrap_or_else(|| unreachable!("no design lists the exercise {}", self.as_str()))
    }

    /// The kind called `text`; an error listing the kinds otherwise.
    pub fn parse(text: &str) -> Result<Self, InputError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == text)
            .ok_or_else(|| {
                let known: Vec<&str> = Self::ALL.iter().map(ExerciseKind::as_str).collect();
                InputError::new(format!(
                    "there is no exercise kind {:?}",
                    crate::wire::names::truncate(text, 40)
                ))
                .field("--kind")
                .hint(format!("kinds: {}", known.join(", ")))
            })
    }
}

impl Serialize for ExerciseKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The instructor's secret: 32 bytes that make every flag and every student's world.
#[derive(Clone, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct InstructorSecret([u8; 32]);

impl InstructorSecret {
    /// A fresh secret: from the OS, or from a seed when trying an exercise out.
    pub fn generate(randomness: &Randomness) -> Self {
        let mut bytes = [0u8; 32];
        rand_core::RngCore::fill_bytes(&mut randomness.stream("exercise/secret"), &mut bytes);
        InstructorSecret(bytes)
    }

    /// The secret a grading file holds.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        InstructorSecret(bytes)
    }

    /// Its bytes, for deriving flags and worlds.
    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.0
    }

    fn mac(&self, purpose: &str, kind: ExerciseKind, student: &str) -> [u8; 32] {
        hmac_sha256(
            &self.0,
            &[
                b"doormat/exercise/1\0",
                purpose.as_bytes(),
                b"\0",
                kind.as_str().as_bytes(),
                b"\0",
                student.as_bytes(),
            ],
        )
    }

    /// The student's flag.
    pub fn flag(&self, kind: ExerciseKind, student: &str) -> String {
        format!(
            "doormat{{{}}}",
            &hex(&self.mac("flag", kind, student))[..20]
        )
    }

    /// A decoy that looks like a flag and is not one.
    pub fn decoy(&self, kind: ExerciseKind, student: &str, n: usize) -> String {
        let mac = self.mac(&format!("decoy/{n}"), kind, student);
        format!("doormat{{{}}}", &hex(&mac)[..20])
    }

    /// The seed of the student's world: never written into the bundle.
    pub fn world_seed(&self, kind: ExerciseKind, student: &str) -> u64 {
        let mac = self.mac("world", kind, student);
        u64::from_be_bytes(mac[..8].try_into().expect("8 bytes"))
    }

    /// A public name for the class: ties submissions and grading files together.
    pub fn class_id(&self) -> String {
        let mac = hmac_sha256(&self.0, &[b"doormat/exercise/1\0class"]);
        hex(&mac)[..12].to_owned()
    }
}

impl std::fmt::Debug for InstructorSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InstructorSecret([redacted])")
    }
}

/// Whether `text` has the shape of a flag: `doormat{` + 20 lowercase hex digits + `}`.
pub fn is_flag_shaped(text: &str) -> bool {
    hex_in_braces(text).is_some_and(|hex| hex.len() == 20)
}

/// The lowercase hex digits between `doormat{` and `}`, if that is all there is.
pub fn hex_in_braces(text: &str) -> Option<&str> {
    text.strip_prefix("doormat{")
        .and_then(|rest| rest.strip_suffix('}'))
        .filter(|hex| {
            hex.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

impl ExerciseKind {
    /// Hex digits between the braces of this exercise's answer.
    pub fn answer_digits(&self) -> usize {
        match self {
            ExerciseKind::LeafForgery => grading::LeafCheck::ANSWER_DIGITS,
            _ => 20,
        }
    }

    /// What an answer to this exercise looks like, in one sentence for a student.
    pub fn answer_form(&self) -> String {
        match self {
            ExerciseKind::EvadeList => {
                "An answer is a PNG file: submit the path of your image, such as `evaded.png`."
                    .to_owned()
            }
            ExerciseKind::PoisonedList => "An answer looks like `doormat{` followed by the \
                 users' names in alphabetical order, separated by commas, and `}`, such as \
                 `doormat{bob,dave}` (`doormat{}` if no one did)."
                .to_owned(),
            _ => format!(
                "An answer looks like `doormat{{` followed by {} lowercase hexadecimal digits \
                 and `}}`. Submit exactly that string.",
                self.answer_digits()
            ),
        }
    }
}

/// The names between `doormat{` and `}` of a poisoned-list answer, sorted; `None` if
/// the answer is not of that shape.
pub fn names_in_braces(text: &str) -> Option<Vec<String>> {
    let inner = text.strip_prefix("doormat{")?.strip_suffix('}')?;
    let mut names: Vec<String> = inner
        .split(',')
        .map(|n| n.trim().to_ascii_lowercase())
        .filter(|n| !n.is_empty())
        .collect();
    if names
        .iter()
        .any(|n| crate::wire::names::check_name(n).is_err())
    {
        return None;
    }
    names.sort();
    names.dedup();
    Some(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each exercise kind is listed by exactly one design, and each name a design lists
    /// is a kind: a design owns its exercises as it owns its events.
    #[test]
    fn every_kind_belongs_to_one_design() {
        for kind in ExerciseKind::ALL {
            let owners = crate::schemes::DESIGNS
                .iter()
                .filter(|d| d.exercises().contains(&kind.as_str()))
                .count();
            assert_eq!(owners, 1, "{}", kind.as_str());
        }
        for design in crate::schemes::DESIGNS {
            for name in design.exercises() {
                assert!(
                    ExerciseKind::parse(name).is_ok(),
                    "{} lists {name}",
                    design.id()
                );
            }
        }
    }

    #[test]
    fn flags_differ_by_student_kind_and_secret_and_decoys_are_not_flags() {
        let a = InstructorSecret::from_bytes([1; 32]);
        let b = InstructorSecret::from_bytes([2; 32]);
        let k = ExerciseKind::LeakedGoldenKey;
        let flag = a.flag(k, "ana");
        assert!(is_flag_shaped(&flag), "{flag}");
        assert_eq!(flag, a.flag(k, "ana"));
        assert_ne!(flag, a.flag(k, "ben"));
        assert_ne!(flag, a.flag(ExerciseKind::SplitKey, "ana"));
        assert_ne!(flag, b.flag(k, "ana"));
        assert_ne!(flag, a.decoy(k, "ana", 0));
        assert!(is_flag_shaped(&a.decoy(k, "ana", 0)));
        assert_ne!(a.class_id(), b.class_id());
        assert_eq!(format!("{a:?}"), "InstructorSecret([redacted])");
    }

    #[test]
    fn flag_shape_is_strict() {
        assert!(is_flag_shaped("doormat{0123456789abcdef0123}"));
        for bad in [
            "doormat{0123456789abcdef012}",
            "doormat{0123456789ABCDEF0123}",
            "flag{0123456789abcdef0123}",
            "doormat{0123456789abcdef0123} ",
            "",
        ] {
            assert!(!is_flag_shaped(bad), "{bad}");
        }
    }
}
