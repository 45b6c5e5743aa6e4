//! Party names and message ids. Both end up in file names (`keys/NAME.pem`) and in the
//! associated data, where a comma would make `to` ambiguous, so both are kept to a small
//! safe alphabet.

use crate::error::InputError;

/// Longest party name accepted: names become file names.
pub const MAX_NAME_LEN: usize = 32;
/// Longest message or session id accepted.
pub const MAX_ID_LEN: usize = 64;

/// Checks a party name: 1 to 32 of `a-z 0-9 - _`, starting with a letter.
pub fn check_name(name: &str) -> Result<(), InputError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.as_bytes()[0].is_ascii_lowercase()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(InputError::new(format!(
            "{:?} is not a valid party name",
            truncate(name, 40)
        ))
        .hint("names are 1 to 32 characters of a-z, 0-9, '-' and '_', starting with a letter"))
    }
}

/// Whether `c` changes how a terminal shows what follows rather than being shown:
/// a C0 or C1 control (line breaks and tabs excepted: they are layout) or a Unicode
/// bidirectional formatting character (UAX #9: embeddings, overrides, isolates, marks).
pub fn is_unshowable(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\t'))
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// Checks a message or session id: 1 to 64 of `A-Z a-z 0-9 - _`.
pub fn check_id(id: &str) -> Result<(), InputError> {
    let ok = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(
            InputError::new(format!("{:?} is not a valid id", truncate(id, 40)))
                .hint("ids are 1 to 64 characters of A-Z, a-z, 0-9, '-' and '_', such as m000001"),
        )
    }
}

/// At most `max` characters of `text`, for quoting bad input back without flooding.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_owned(),
    }
}

/// The default user names: the cryptographers' cast, then `user11`, `user12`, ...
pub fn user_name(index: usize) -> String {
    const CAST: [&str; 10] = [
        "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
    ];
    CAST.get(index)
        .map_or_else(|| format!("user{}", index + 1), |name| (*name).to_owned())
}

/// The candidate closest to a mistyped `name`, if one is close enough to be what was
/// meant: for "did you mean" hints.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // Up to a third of the name's length in edits (a swap of two letters is one), and
    // at least two ("slipt-key" finds "split-key"); a name that begins a candidate
    // counts as one edit ("golden" finds "golden-key"). "xyz" finds nothing.
    let allowed = (name.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| {
            let prefix = name.chars().count() >= 3 && c.starts_with(name);
            let distance = if prefix {
                1
            } else {
                strsim::damerau_levenshtein(name, c)
            };
            (distance, c)
        })
        .filter(|(d, _)| *d <= allowed)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(check_name("alice").is_ok());
        assert!(check_name("user-11_b").is_ok());
        for bad in [
            "",
            "Alice",
            "1bob",
            "a,b",
            "../../x",
            "a/b",
            &"a".repeat(33),
            "é",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn ids() {
        assert!(check_id("m000001").is_ok());
        for bad in ["", "m 1", "../x", &"m".repeat(65)] {
            assert!(check_id(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn default_user_names() {
        let names: Vec<String> = (0..12).map(user_name).collect();
        assert_eq!(names[0], "alice");
        assert_eq!(names[9], "judy");
        assert_eq!(names[10], "user11");
        assert_eq!(names[11], "user12");
    }

    #[test]
    fn closest_finds_typos_and_prefixes_but_not_strangers() {
        let designs = ["none", "golden-key", "split-key", "clear", "short-key"];
        assert_eq!(closest("slipt-key", designs), Some("split-key"));
        assert_eq!(closest("golden", designs), Some("golden-key"));
        assert_eq!(closest("golden-keys", designs), Some("golden-key"));
        assert_eq!(closest("xyz", designs), None);
        assert_eq!(closest("", designs), None);
        assert_eq!(
            closest("teal-live", ["tea1-live", "tea1-short-key"]),
            Some("tea1-live")
        );
    }
}
