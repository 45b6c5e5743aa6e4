//! Reading JSON-lines files one bounded line at a time, so a hostile file cannot make
//! doormat hold more than one line in memory, and every error knows its line number.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use crate::error::{Error, InputError, Result};

/// The longest line doormat accepts: far above any envelope it writes (a 64 KiB message
/// is under 100 KiB of base64), far below what would exhaust memory.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// An iterator over the non-blank lines of a JSON-lines file, with 1-based numbers.
pub struct Lines<R> {
    reader: R,
    path: PathBuf,
    line_no: u64,
    bytes_read: u64,
    buffer: Vec<u8>,
}

impl<R: BufRead> Lines<R> {
    /// Lines of `reader`, which errors name as `path`.
    pub fn new(reader: R, path: impl AsRef<Path>) -> Self {
        Lines {
            reader,
            path: path.as_ref().to_path_buf(),
            line_no: 0,
            bytes_read: 0,
            buffer: Vec::new(),
        }
    }

    /// Bytes consumed so far, for progress bars.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The file being read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next non-blank line and its number, or `None` at the end of the file.
    pub fn next_line(&mut self) -> Result<Option<(u64, String)>> {
        loop {
            self.buffer.clear();
            let limit = MAX_LINE_BYTES as u64 + 1;
            let read = std::io::Read::take(&mut self.reader, limit)
                .read_until(b'\n', &mut self.buffer)
                .map_err(|e| Error::io(&self.path, e))?;
            if read == 0 {
                return Ok(None);
            }
            self.line_no += 1;
            self.bytes_read += read as u64;
            if self.buffer.len() > MAX_LINE_BYTES {
                return Err(InputError::new(format!(
                    "line is longer than {} MiB",
                    MAX_LINE_BYTES >> 20
                ))
                .file(&self.path)
                .line(self.line_no)
                .hint("each line must hold one JSON object; is this really a doormat file?")
                .into());
            }
            let text = std::str::from_utf8(&self.buffer).map_err(|e| {
                InputError::new(format!(
                    "not UTF-8 text (bad byte at column {})",
                    e.valid_up_to() + 1
                ))
                .file(&self.path)
                .line(self.line_no)
            })?;
            // A byte-order mark, as Windows editors write, opens the first line only.
            let text = if self.line_no == 1 {
                text.strip_prefix('\u{feff}').unwrap_or(text)
            } else {
                text
            };
            let text = text.trim();
            if !text.is_empty() {
                return Ok(Some((self.line_no, text.to_owned())));
            }
        }
    }
}

/// Turns a serde_json error on one line into an input error; the caller adds file and
/// line. `what` names what the line should have been ("an envelope").
pub(crate) fn json_problem(e: &serde_json::Error, what: &str) -> InputError {
    let detail = strip_position(&e.to_string());
    let problem = match e.classify() {
        serde_json::error::Category::Data => format!("not {what} ({detail})"),
        _ => format!("not valid JSON ({detail} at column {})", e.column()),
    };
    InputError::new(problem)
}

/// serde_json appends " at line L column C"; inside one line that is noise.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_skip_blank_lines() {
        let data = b"{\"a\":1}\n\n  \n{\"b\":2}\n";
        let mut lines = Lines::new(&data[..], "x.jsonl");
        assert_eq!(lines.next_line().unwrap(), Some((1, "{\"a\":1}".into())));
        assert_eq!(lines.next_line().unwrap(), Some((4, "{\"b\":2}".into())));
        assert_eq!(lines.next_line().unwrap(), None);
    }

    #[test]
    fn rejects_non_utf8_with_line() {
        let data = b"{}\n\xff\xfe\n";
        let mut lines = Lines::new(&data[..], "x.jsonl");
        lines.next_line().unwrap();
        let e = lines.next_line().unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("UTF-8"), "{e}");
    }
}
