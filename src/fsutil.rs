//! Writing files so that a failure leaves nothing half-written, and nothing overwritten
//! that the user did not ask to replace.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, InputError, Result};

/// The most doormat reads of a small file (a key, world.json): far above any real one.
pub const MAX_SMALL_FILE: u64 = 4 << 20;

/// Reads a small text file, refusing oversized or non-UTF-8 ones with a clear message.
pub fn read_small_text(path: &Path, what: &str) -> Result<String> {
    let metadata = fs::metadata(path).map_err(|e| missing_or_io(path, what, e))?;
    if metadata.is_dir() {
        return Err(InputError::new(format!("is a directory, not {what}"))
            .file(path)
            .into());
    }
    if metadata.len() > MAX_SMALL_FILE {
        return Err(InputError::new(format!(
            "is {} bytes; {what} is never larger than {} MiB",
            metadata.len(),
            MAX_SMALL_FILE >> 20
        ))
        .file(path)
        .into());
    }
    // The length in the metadata is only a first check: a device (/dev/zero), a pipe or
    // a file still growing reports less than it holds, so the read itself is bounded.
    let file = File::open(path).map_err(|e| missing_or_io(path, what, e))?;
    let mut bytes = Vec::new();
    file.take(MAX_SMALL_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| missing_or_io(path, what, e))?;
    if bytes.len() as u64 > MAX_SMALL_FILE {
        return Err(InputError::new(format!(
            "holds more than {} MiB; {what} is never that large",
            MAX_SMALL_FILE >> 20
        ))
        .file(path)
        .into());
    }
    String::from_utf8(bytes).map_err(|_| {
        InputError::new(format!("is not text, so it cannot be {what}"))
            .file(path)
            .into()
    })
}

/// A missing input file is the user's mistake (exit 2); other I/O errors are not.
pub fn missing_or_io(path: &Path, what: &str, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        InputError::new(format!("not found (expected {what})"))
            .file(path)
            .into()
    } else {
        Error::io(path, e)
    }
}

/// Creates a file that only its owner can read: for private keys.
pub fn create_private(path: &Path) -> Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(|e| Error::io(path, e))
}

/// Writes `contents` to a new file (it must not exist), private if asked.
pub fn write_new(path: &Path, contents: &[u8], private: bool) -> Result<()> {
    let mut file = if private {
        create_private(path)?
    } else {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?
    };
    file.write_all(contents).map_err(|e| Error::io(path, e))
}

/// A file written under a temporary name beside its destination, renamed into place
/// by [`AtomicFile::commit`]. Dropped uncommitted, it removes itself: readers see the
/// old file or the complete new one, never half of one.
#[derive(Debug)]
pub struct AtomicFile {
    destination: PathBuf,
    temporary: PathBuf,
    writer: Option<BufWriter<File>>,
    /// Whether the caller may replace what stands at `destination` (`--force`).
    force: bool,
}

impl AtomicFile {
    /// Refuses an existing destination unless `force`.
    pub fn create(destination: &Path, force: bool) -> Result<Self> {
        if destination.exists() && !force {
            return Err(InputError::new("already exists")
                .file(destination)
                .hint("choose another name, or add --force to replace it")
                .into());
        }
        if destination.is_dir() {
            return Err(InputError::new("is a directory")
                .file(destination)
                .hint("--out takes a file name")
                .into());
        }
        let name = destination
            .file_name()
            .ok_or_else(|| InputError::new("is not a file name").file(destination))?;
        if let Some(parent) = destination.parent().filter(|p| !p.as_os_str().is_empty()) {
            if !parent.is_dir() {
                return Err(InputError::new("is in a directory that does not exist")
                    .file(destination)
                    .hint(format!(
                        "create {} first, or choose another path",
                        parent.display()
                    ))
                    .into());
            }
        }
        let mut temporary_name = std::ffi::OsString::from(".");
        temporary_name.push(name);
        temporary_name.push(format!(".tmp-{}", std::process::id()));
        let temporary = destination.with_file_name(temporary_name);
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&temporary)
            .map_err(|e| Error::io(&temporary, e))?;
        Ok(AtomicFile {
            destination: destination.to_path_buf(),
            temporary,
            writer: Some(BufWriter::new(file)),
            force,
        })
    }

    /// Where the file will stand once committed.
    pub fn destination(&self) -> &Path {
        &self.destination
    }

    /// Where to write the file's contents.
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer
            .as_mut()
            .expect("writer is present until commit")
    }

    /// Flushes, syncs and moves into place. Without `force` the move itself refuses to
    /// replace anything: a file that appeared at the destination while the command ran
    /// stays, and the command ends with exit 2 and removes its own copy.
    pub fn commit(mut self) -> Result<()> {
        let writer = self.writer.take().expect("commit runs once");
        let file = writer
            .into_inner()
            .map_err(|e| Error::io(&self.temporary, e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(&self.temporary, e))?;
        let moved = if self.force {
            fs::rename(&self.temporary, &self.destination)
        } else {
            rename_noclobber(&self.temporary, &self.destination)
        };
        match moved {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = fs::remove_file(&self.temporary);
                Err(appeared_or_io(&self.destination, e))
            }
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = fs::remove_file(&self.temporary);
        }
    }
}

/// Renames `from` to `to` unless something stands at `to`, checked by the system call
/// itself, so that nothing that appears there meanwhile is replaced: `renameat2` with
/// `RENAME_NOREPLACE` on Linux (`renameatx_np` on macOS), through rustix. Where that is
/// missing (old kernels, some file systems), and on other systems: a file is hard-linked
/// into place (which fails if `to` exists) and then unlinked; a directory is renamed
/// after a check, which at worst replaces a directory made empty in between.
pub fn rename_noclobber(from: &Path, to: &Path) -> std::io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "macos"))]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        use rustix::io::Errno;
        match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
            Ok(()) => return Ok(()),
            // No renameat2 in this kernel, or not for this file system: fall back.
            Err(Errno::NOSYS | Errno::INVAL | Errno::NOTSUP) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if from.is_dir() {
        if to.symlink_metadata().is_ok() {
            return Err(std::io::ErrorKind::AlreadyExists.into());
        }
        fs::rename(from, to)
    } else {
        fs::hard_link(from, to)?;
        fs::remove_file(from)
    }
}

/// The error for a move that found something at its destination: the user's files there
/// were not touched.
pub fn appeared_or_io(destination: &Path, e: std::io::Error) -> Error {
    let exists = e.kind() == std::io::ErrorKind::AlreadyExists
        || e.raw_os_error() == Some(39) // ENOTEMPTY on Linux
        || e.raw_os_error() == Some(66); // ENOTEMPTY on the BSDs and macOS
    if exists {
        InputError::new("appeared while this command ran; it was left as it is")
            .file(destination)
            .hint("run the command again, choosing another name or adding --force")
            .into()
    } else {
        Error::io(destination, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file that appears at the destination after the check is not replaced.
    #[test]
    fn a_file_that_appears_meanwhile_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        let mut f = AtomicFile::create(&path, false).unwrap();
        f.writer().write_all(b"new").unwrap();
        fs::write(&path, "theirs").unwrap();
        let e = f.commit().unwrap_err();
        assert_eq!(e.exit_code(), 2, "{e}");
        assert!(
            e.to_string().contains("appeared while this command ran"),
            "{e}"
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "theirs");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary left"
        );
        // With --force the replacement is what was asked for.
        let mut f = AtomicFile::create(&path, true).unwrap();
        f.writer().write_all(b"new").unwrap();
        f.commit().unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
    }

    #[test]
    fn rename_noclobber_moves_into_a_free_name_only() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        fs::write(&a, "a").unwrap();
        rename_noclobber(&a, &b).unwrap();
        assert_eq!(fs::read_to_string(&b).unwrap(), "a");
        fs::write(&a, "a2").unwrap();
        assert!(rename_noclobber(&a, &b).is_err());
        assert_eq!(fs::read_to_string(&b).unwrap(), "a");
        // Directories: an existing one, even empty, is not replaced.
        let (d, e) = (dir.path().join("d"), dir.path().join("e"));
        fs::create_dir(&d).unwrap();
        fs::create_dir(&e).unwrap();
        assert!(rename_noclobber(&d, &e).is_err());
        fs::remove_dir(&e).unwrap();
        rename_noclobber(&d, &e).unwrap();
        assert!(e.is_dir() && !d.exists());
    }

    #[test]
    fn atomic_file_refuses_overwrite_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        fs::write(&path, "old").unwrap();
        assert_eq!(AtomicFile::create(&path, false).unwrap_err().exit_code(), 2);
        let nowhere = dir.path().join("no/such/dir/out.jsonl");
        assert_eq!(
            AtomicFile::create(&nowhere, false).unwrap_err().exit_code(),
            2
        );

        // Dropped without commit: the old file stays whole and no temporary is left.
        {
            let mut f = AtomicFile::create(&path, true).unwrap();
            f.writer().write_all(b"half").unwrap();
        }
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);

        let mut f = AtomicFile::create(&path, true).unwrap();
        f.writer().write_all(b"new").unwrap();
        f.commit().unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
    }

    #[cfg(unix)]
    #[test]
    fn an_endless_file_is_read_only_up_to_the_limit() {
        let e = read_small_text(Path::new("/dev/zero"), "a key").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("more than 4 MiB"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.pem");
        write_new(&path, b"x", true).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(write_new(&path, b"y", true).is_err(), "must not overwrite");
    }
}
