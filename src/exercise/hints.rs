//! What a student can do alone with a bundle: check an answer against a salted hash, and
//! open the hints the teacher releases one at a time.
//!
//! **Self-check.** A bundle's README carries `SHA-256(salt ‖ answer)` as hex, with a salt
//! of its own (32 hex digits from the instructor secret), and a one-line Python command
//! that compares. The hash tells nothing a student could use: a flag is 80 bits of an
//! HMAC, so finding it from the hash means trying about 2^79 candidates, and the salt
//! differs per student, so no table made for one bundle fits another, and two students'
//! hashes say nothing about whether their flags are alike. A poisoned-list answer is a
//! set of the world's four users: 16 candidates, so its check confirms an answer but could
//! also be used to guess one; docs/exercises/README.md says so.
//!
//! **Hints.** Each hint of a kind's worksheet is sealed with AES-256-GCM under
//! `SHA-256("doormat/hint/1\n" ‖ CODE)`, CODE a 12-character code in Crockford's base32
//! (60 bits from the instructor secret, one per class and hint), with the associated data
//! `"doormat/hint/1\n" ‖ LEVEL`. `exercise hint` prints the code; `tools/hint.py N CODE`
//! opens hint N. 60 bits are out of reach of guessing (2^59 SHA-256 and AES-GCM trials
//! on average) and short enough to read out to a room.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{ExerciseKind, InstructorSecret};
use crate::crypto::aead::{self, ContentKey};
use crate::crypto::rsa_oaep::hex;
use crate::error::InputError;
use crate::wire::{b64, unb64};

/// The heading a worksheet's hints follow ("## Hints", "## Hints, from gentle to
/// generous").
const HINTS_HEADING: &str = "\n## Hints";

/// Crockford's base32 alphabet: no I, L, O or U, so that a code read aloud or copied by
/// hand is not misread.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters of a hint code, without its dashes: 60 bits.
const CODE_CHARS: usize = 12;

/// A worksheet split at its hints: what every student reads, and the hints, numbered
/// from 1, as the teacher releases them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Worksheet {
    /// The worksheet up to (not including) its hints heading.
    pub body: String,
    /// Each hint's text, its number and the indentation of its continuation lines
    /// removed.
    pub hints: Vec<String>,
}

impl Worksheet {
    /// Splits a worksheet (docs/exercises/KIND.md) at its `## Hints` heading; the hints
    /// are the numbered items below it.
    pub fn parse(text: &str) -> Worksheet {
        let Some(at) = text.find(HINTS_HEADING) else {
            return Worksheet {
                body: text.to_owned(),
                hints: Vec::new(),
            };
        };
        let mut hints: Vec<String> = Vec::new();
        for line in text[at + 1..].lines().skip(1) {
            let numbered = line
                .split_once(". ")
                .filter(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            match (numbered, hints.last_mut()) {
                (Some((_, first)), _) => hints.push(first.trim().to_owned()),
                (None, Some(hint)) if !line.trim().is_empty() => {
                    hint.push(' ');
                    hint.push_str(line.trim());
                }
                _ => {}
            }
        }
        Worksheet {
            body: text[..at + 1].to_owned(),
            hints,
        }
    }

    /// The worksheet a bundle carries: the body, and in place of the hints, how to open
    /// them when the teacher releases them.
    pub fn sealed(&self) -> String {
        format!(
            "{}## Hints\n\nThis worksheet has {} hints, sealed in `hints.json`. Your teacher \
             releases them one at a time, each with a code; open hint N with\n\n\
             ```sh\npython3 tools/hint.py N CODE\n```\n",
            self.body,
            self.hints.len()
        )
    }
}

/// `hints.json` in a bundle: every hint of the worksheet, sealed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SealedHints {
    /// Format version: 1.
    pub v: u64,
    /// Always `doormat-hints`.
    pub kind: String,
    /// The exercise.
    pub exercise: String,
    /// The class whose teacher has the codes.
    pub class_id: String,
    /// One per hint, in order.
    pub hints: Vec<SealedHint>,
}

/// One sealed hint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SealedHint {
    /// Its number, from 1.
    pub level: usize,
    /// The AES-GCM nonce, base64.
    pub nonce: String,
    /// The hint's UTF-8 text sealed under its code's key, base64 (ciphertext ‖ tag).
    pub sealed: String,
}

/// The code that opens hint `level` of `kind` for the class of `secret`: 12 characters of
/// Crockford's base32 in three groups, `7KQM-2XHD-9FRA`.
pub fn hint_code(secret: &InstructorSecret, kind: ExerciseKind, level: usize) -> String {
    let mac = secret.mac(&format!("hint/{level}"), kind, "");
    let bits = u64::from_be_bytes(mac[..8].try_into().expect("8 bytes"));
    let chars: Vec<u8> = (0..CODE_CHARS)
        .map(|i| CROCKFORD[((bits >> (55 - 5 * i as u32)) & 31) as usize])
        .collect();
    chars
        .chunks(4)
        .map(|group| String::from_utf8_lossy(group).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// A code as a student may type it, in the form its key is made from: upper case, no
/// dashes or spaces, and the letters Crockford reads as digits (O as 0, I and L as 1).
pub fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect()
}

fn code_key(code: &str) -> ContentKey {
    let digest = Sha256::new()
        .chain_update(b"doormat/hint/1\n")
        .chain_update(normalize_code(code).as_bytes())
        .finalize();
    ContentKey::from_slice(&digest).expect("SHA-256 is 32 bytes")
}

fn hint_aad(level: usize) -> Vec<u8> {
    format!("doormat/hint/1\n{level}").into_bytes()
}

/// Seals every hint of `worksheet` for the class of `secret`. The same class gets the
/// same bytes in every bundle: each key seals one text, so a nonce drawn from the secret
/// is never reused with another.
pub fn seal_hints(
    secret: &InstructorSecret,
    kind: ExerciseKind,
    worksheet: &Worksheet,
) -> SealedHints {
    let hints = worksheet
        .hints
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let level = i + 1;
            let nonce: [u8; aead::NONCE_LEN] = secret.mac(&format!("hint-nonce/{level}"), kind, "")
                [..aead::NONCE_LEN]
                .try_into()
                .expect("12 bytes");
            let key = code_key(&hint_code(secret, kind, level));
            SealedHint {
                level,
                nonce: b64(&nonce),
                sealed: b64(&aead::seal(&key, &nonce, &hint_aad(level), text.as_bytes())),
            }
        })
        .collect();
    SealedHints {
        v: 1,
        kind: "doormat-hints".to_owned(),
        exercise: kind.as_str().to_owned(),
        class_id: secret.class_id(),
        hints,
    }
}

impl SealedHints {
    /// The file's text, pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("hints serialise") + "\n"
    }

    /// Hint `level` opened with `code`: `None` if the code is not the one for it.
    pub fn open(&self, level: usize, code: &str) -> Option<String> {
        let hint = self.hints.iter().find(|h| h.level == level)?;
        let nonce: [u8; aead::NONCE_LEN] = unb64("nonce", &hint.nonce).ok()?.try_into().ok()?;
        let sealed = unb64("sealed", &hint.sealed).ok()?;
        let text = aead::open(&code_key(code), &nonce, &hint_aad(level), &sealed).ok()?;
        String::from_utf8(text).ok()
    }
}

/// The script a bundle carries as `tools/hint.py`.
pub const HINT_PY: &str = include_str!("hint.py");

/// What `exercise hint` prints: the code of one hint, and how students use it.
#[derive(Debug, Clone, Serialize)]
pub struct HintRelease {
    /// The exercise.
    pub exercise: ExerciseKind,
    /// The class.
    pub class_id: String,
    /// Which hint.
    pub level: usize,
    /// How many the worksheet has.
    pub hints: usize,
    /// The code that opens it.
    pub code: String,
}

/// The code of hint `level` of the class `grading` grades; an error naming the levels
/// there are otherwise.
pub fn release(
    grading: &super::Grading,
    level: usize,
) -> std::result::Result<HintRelease, InputError> {
    let hints = Worksheet::parse(super::bundle::worksheet(grading.exercise))
        .hints
        .len();
    if level == 0 || level > hints {
        return Err(InputError::new(format!(
            "{} has hints 1 to {hints}, not {level}",
            grading.exercise.as_str()
        ))
        .field("--level")
        .hint("release them in order, from 1"));
    }
    Ok(HintRelease {
        exercise: grading.exercise,
        class_id: grading.class_id.clone(),
        level,
        hints,
        code: hint_code(grading.secret(), grading.exercise, level),
    })
}

/// The salt of `student`'s self-check: 32 hex digits.
pub fn self_check_salt(secret: &InstructorSecret, kind: ExerciseKind, student: &str) -> String {
    hex(&secret.mac("self-check", kind, student))[..32].to_owned()
}

/// SHA-256 of the salt followed by the answer, hex: what the self-check compares with.
pub fn self_check_hash(salt: &str, answer: &str) -> String {
    hex(&Sha256::new()
        .chain_update(salt.as_bytes())
        .chain_update(answer.as_bytes())
        .finalize())
}

/// The one-line Python command of a bundle's README that says whether `ANSWER` is right.
pub fn self_check_command(salt: &str, hash: &str) -> String {
    format!(
        "python3 -c \"import hashlib,sys; ok = hashlib.sha256(b'{salt}' + \
         sys.argv[1].encode()).hexdigest() == '{hash}'; print('right' if ok else 'not \
         right'); sys.exit(not ok)\" 'YOUR ANSWER'"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worksheets_split_at_their_hints_and_every_hint_opens_only_with_its_code() {
        let sheet = Worksheet::parse(
            "# W\n\nbody\n\n## Hints, from gentle to generous\n1. first\n   line two\n2. second\n\n10. tenth\n",
        );
        assert_eq!(sheet.body, "# W\n\nbody\n\n");
        assert_eq!(sheet.hints, ["first line two", "second", "tenth"]);
        assert!(!sheet.sealed().contains("first"));
        let secret = InstructorSecret::from_bytes([7; 32]);
        let other = InstructorSecret::from_bytes([8; 32]);
        let kind = ExerciseKind::ShortKey;
        let sealed = seal_hints(&secret, kind, &sheet);
        let code = hint_code(&secret, kind, 2);
        assert_eq!(code.len(), 14, "{code}");
        assert_eq!(sealed.open(2, &code).as_deref(), Some("second"));
        // Typed in lower case, with spaces, O for 0: the same code.
        let typed = code.to_lowercase().replace('-', " ").replace('0', "o");
        assert_eq!(sealed.open(2, &typed).as_deref(), Some("second"));
        assert_eq!(sealed.open(1, &code), None, "another hint's code");
        assert_eq!(sealed.open(2, &hint_code(&other, kind, 2)), None);
        assert_ne!(code, hint_code(&secret, ExerciseKind::SplitKey, 2));
        assert_ne!(hint_code(&secret, kind, 1), code);
    }

    #[test]
    fn codes_use_crockfords_alphabet() {
        let secret = InstructorSecret::from_bytes([9; 32]);
        for level in 1..50 {
            let code = hint_code(&secret, ExerciseKind::DualEc, level);
            assert!(code
                .chars()
                .all(|c| c == '-' || CROCKFORD.contains(&(c as u8))));
            assert_eq!(normalize_code(&code), code.replace('-', ""));
        }
    }

    #[test]
    fn the_self_check_hash_is_salted_per_student() {
        let secret = InstructorSecret::from_bytes([3; 32]);
        let kind = ExerciseKind::LeakedGoldenKey;
        let (ana, ben) = (
            self_check_salt(&secret, kind, "ana"),
            self_check_salt(&secret, kind, "ben"),
        );
        assert_ne!(ana, ben);
        assert_eq!(ana.len(), 32);
        let flag = "doormat{0123456789abcdef0123}";
        assert_ne!(self_check_hash(&ana, flag), self_check_hash(&ben, flag));
        assert_eq!(
            self_check_hash("", "abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
