//! Text from outside (paths, names, narration, arguments) shown so that a terminal
//! cannot obey it: control characters and bidirectional overrides are written as
//! `\u{..}`. An escape sequence in a path could clear the teacher's screen or retitle
//! the window; U+202E in a name turns the rest of the line around.

use std::io::{self, Write};

/// The SGR sequences [`super::Style`] itself writes when colour is on; every other
/// escape is shown, not obeyed. A copy of one of these in outside text gets through as
/// colour only (never cursor movement, titles or clearing), and only where colour is
/// on, that is on a terminal.
const STYLE_SEQUENCES: [&str; 5] = ["\x1b[0m", "\x1b[1m", "\x1b[2m", "\x1b[1;31m", "\x1b[1;32m"];

pub use crate::wire::names::is_unshowable;

/// `text` with every unshowable character (see [`is_unshowable`]) written as `\u{..}`.
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_unshowable) {
        return text.into();
    }
    escape(text, false).into()
}

fn escape(text: &str, keep_style: bool) -> String {
    let mut shown = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if keep_style && c == '\x1b' {
            if let Some(sequence) = STYLE_SEQUENCES.iter().find(|s| rest.starts_with(**s)) {
                shown.push_str(sequence);
                rest = &rest[sequence.len()..];
                continue;
            }
        }
        if is_unshowable(c) {
            shown.extend(c.escape_unicode());
        } else {
            shown.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    shown
}

/// A writer that passes text on with unshowable characters escaped, keeping the
/// styling sequences when `keep_style` (colour is on). It works a line at a time, so a
/// character or a sequence split between two writes is seen whole; `flush` passes on a
/// line in progress (a prompt).
pub struct Visible<W: Write> {
    inner: W,
    keep_style: bool,
    pending: Vec<u8>,
}

impl<W: Write> Visible<W> {
    /// Wraps `inner`; `keep_style` is whether colour is on.
    pub fn new(inner: W, keep_style: bool) -> Self {
        Visible {
            inner,
            keep_style,
            pending: Vec::new(),
        }
    }

    fn pass_on(&mut self, upto: usize) -> io::Result<()> {
        let line: Vec<u8> = self.pending.drain(..upto).collect();
        let text = String::from_utf8_lossy(&line);
        self.inner
            .write_all(escape(&text, self.keep_style).as_bytes())
    }
}

impl<W: Write> Write for Visible<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(bytes);
        if let Some(last) = self.pending.iter().rposition(|&b| b == b'\n') {
            self.pass_on(last + 1)?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        // A line cut inside a UTF-8 character waits for the rest of it.
        let complete = match std::str::from_utf8(&self.pending) {
            Ok(_) => self.pending.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => self.pending.len(),
        };
        self.pass_on(complete)?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for Visible<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through(chunks: &[&[u8]], keep_style: bool) -> String {
        let mut out = Vec::new();
        {
            let mut v = Visible::new(&mut out, keep_style);
            for chunk in chunks {
                v.write_all(chunk).unwrap();
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_controls_and_bidi_overrides_but_not_layout() {
        assert_eq!(
            visible("a\x1b]0;owned\x07b\u{202E}c\td\n"),
            "a\\u{1b}]0;owned\\u{7}b\\u{202e}c\td\n"
        );
        assert_eq!(visible("plain é ✓"), "plain é ✓");
        assert_eq!(visible("\r\u{9b}\u{2067}"), "\\u{d}\\u{9b}\\u{2067}");
    }

    #[test]
    fn keeps_only_the_styles_own_sequences_and_only_with_colour() {
        let styled = "\x1b[1;31m✓ OPEN\x1b[0m \x1b[2J\n";
        assert_eq!(
            through(&[styled.as_bytes()], true),
            "\x1b[1;31m✓ OPEN\x1b[0m \\u{1b}[2J\n"
        );
        assert_eq!(
            through(&[styled.as_bytes()], false),
            "\\u{1b}[1;31m✓ OPEN\\u{1b}[0m \\u{1b}[2J\n"
        );
    }

    #[test]
    fn a_character_split_between_writes_is_seen_whole() {
        let text = "x\u{202E}y\n".as_bytes();
        // U+202E is three bytes: cut in its middle, and flush between the halves.
        let mut out = Vec::new();
        {
            let mut v = Visible::new(&mut out, false);
            v.write_all(&text[..2]).unwrap();
            v.flush().unwrap();
            v.write_all(&text[2..]).unwrap();
        }
        assert_eq!(String::from_utf8(out).unwrap(), "x\\u{202e}y\n");
        assert_eq!(through(&[b"\x1b[1", b";31mz\n"], true), "\x1b[1;31mz\n");
    }
}
