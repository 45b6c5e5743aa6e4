//! Reading a world's capture back: every line parsed and checked, in order.

use std::collections::HashSet;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::error::{Error, InputError, Result};
use crate::schemes::opening::CaptureStream;
use crate::wire::envelope::Envelope;
use crate::wire::lines::Lines;
use crate::wire::world_file::Parameters;

/// Envelopes from `capture.jsonl`, checked line by line: malformed lines and duplicate
/// ids are input errors naming the line.
pub struct CaptureReader {
    lines: Lines<BufReader<File>>,
    /// The first 128 bits of SHA-256 of every id seen: 16 bytes an envelope instead of
    /// the whole id, so a million-message capture costs about 30 MB rather than 100.
    /// Two distinct ids collide with probability about n²/2^129: never, in practice.
    seen: HashSet<[u8; 16]>,
    /// Size of the capture, for progress.
    pub total_bytes: u64,
    /// What world.json says was sent: an empty capture of a busy world was damaged.
    messages_sent: u64,
    /// Every RSA-OAEP wrap is exactly as long as the world's moduli (0: no RSA here); in
    /// a live class, where students bring keys of their own sizes, within this range.
    wrap_lens: std::ops::RangeInclusive<usize>,
}

fn id_digest(id: &str) -> [u8; 16] {
    let digest = Sha256::digest(id.as_bytes());
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

impl CaptureReader {
    /// A reader of the capture `file`, at `path`, of a world with `parameters`.
    pub(super) fn new(file: File, path: &Path, parameters: &Parameters) -> Result<Self> {
        let total_bytes = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let least = (parameters.key_bits / 8) as usize;
        let most = parameters.max_key_bits.map_or(least, |b| (b / 8) as usize);
        Ok(CaptureReader {
            lines: Lines::new(BufReader::with_capacity(1 << 20, file), path),
            seen: HashSet::new(),
            total_bytes,
            messages_sent: parameters.messages,
            wrap_lens: least..=most,
        })
    }

    /// The next envelope, or `None` at the end.
    pub fn next_envelope(&mut self) -> Result<Option<Envelope>> {
        Ok(self.next_batch(1)?.pop())
    }

    /// Up to `n` envelopes. Lines are read in order, parsed in parallel (JSON and base64
    /// are most of the work of a per-session capture), then checked for duplicate ids in
    /// order, so the first bad line is the one reported.
    pub fn next_batch(&mut self, n: usize) -> Result<Vec<Envelope>> {
        let mut lines = Vec::with_capacity(n);
        while lines.len() < n {
            match self.lines.next_line()? {
                Some(line) => lines.push(line),
                None => break,
            }
        }
        if lines.is_empty() && self.seen.is_empty() && self.messages_sent > 0 {
            return Err(InputError::new(format!(
                "holds no envelope, but world.json says {} messages were sent",
                self.messages_sent
            ))
            .file(self.lines.path())
            .hint("was it emptied or replaced? make the world again with doormat simulate")
            .into());
        }
        let parsed: Vec<_> = lines
            .par_iter()
            .map(|(_, text)| {
                Envelope::parse_json(text).map(|e| {
                    let digest = id_digest(&e.id);
                    (e, digest)
                })
            })
            .collect();
        let path = self.lines.path();
        let mut batch = Vec::with_capacity(lines.len());
        for ((line_no, _), result) in lines.iter().zip(parsed) {
            let (envelope, digest) = result
                .and_then(|(envelope, digest)| {
                    check_wrap_lengths(&envelope, &self.wrap_lens)?;
                    Ok((envelope, digest))
                })
                .map_err(|e| e.file(path).line(*line_no))?;
            if !self.seen.insert(digest) {
                return Err(InputError::new(format!(
                    "id {} appears twice in the capture",
                    envelope.id
                ))
                .file(path)
                .line(*line_no)
                .field("id")
                .hint("ids must be unique; was a line duplicated by hand?")
                .into());
            }
            batch.push(envelope);
        }
        Ok(batch)
    }

    /// Bytes read so far, for progress.
    pub fn bytes_read(&self) -> u64 {
        self.lines.bytes_read()
    }
}

/// An RSA-OAEP ciphertext is exactly as long as the modulus it was made with. A wrap of
/// another length opens with no key of this world: it was damaged or made up, and
/// counting it as "could not open" would hide that.
fn check_wrap_lengths(
    envelope: &Envelope,
    wrap_lens: &std::ops::RangeInclusive<usize>,
) -> Result<(), InputError> {
    let (least, most) = (*wrap_lens.start(), *wrap_lens.end());
    if most == 0 {
        return Ok(());
    }
    let wraps = envelope
        .wrapped
        .iter()
        .map(|(name, wrap)| (format!("wrapped.{name}"), wrap))
        .chain(
            envelope
                .escrow
                .iter()
                .map(|wrap| ("escrow".to_owned(), wrap)),
        );
    for (field, wrap) in wraps {
        if least == most && wrap.len() != least {
            return Err(InputError::new(format!(
                "is {} bytes; every wrapped key in this world is {least} (RSA-{})",
                wrap.len(),
                least * 8
            ))
            .field(field));
        }
        if !wrap_lens.contains(&wrap.len()) {
            return Err(InputError::new(format!(
                "is {} bytes; wrapped keys in this class are {least} to {most} bytes (RSA-{} to RSA-{})",
                wrap.len(),
                least * 8,
                most * 8
            ))
            .field(field));
        }
    }
    Ok(())
}

impl CaptureStream for CaptureReader {
    fn next_batch(&mut self, n: usize) -> Result<Vec<Envelope>> {
        CaptureReader::next_batch(self, n)
    }
    fn bytes_read(&self) -> u64 {
        CaptureReader::bytes_read(self)
    }
    fn total_bytes(&self) -> u64 {
        self.total_bytes
    }
}
