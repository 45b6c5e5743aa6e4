//! Writing files so that a failure leaves nothing half-written, and nothing overwritten
//! that the user did not ask to replace.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::error::{Error, InputError, Result};

/// The most doormat reads of a small file (a key, world.json): far above any real one.
pub const MAX_SMALL_FILE: u64 = 4 << 20;

/// Opens a file doormat reads, refusing anything but a regular file before a byte is
/// read: a directory, a FIFO (whose open would wait for a writer, so it is opened
/// non-blocking), a socket or a device (`/dev/zero` never ends) gets exit 2, naming
/// `path`.
pub fn open_input(path: &Path, what: &str) -> Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "macos"))]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = options
        .open(path)
        .map_err(|e| missing_or_io(path, what, e))?;
    let metadata = file.metadata().map_err(|e| Error::io(path, e))?;
    check_regular(&metadata.file_type(), path, what)?;
    Ok(file)
}

/// Opens a folder to read files through ([`open_input_at`]), refusing anything else.
pub fn open_folder(path: &Path, what: &str) -> Result<File> {
    let folder = File::open(path).map_err(|e| missing_or_io(path, what, e))?;
    let metadata = folder.metadata().map_err(|e| Error::io(path, e))?;
    if !metadata.is_dir() {
        return Err(InputError::new(format!(
            "is {}, not {what}",
            describe_type(&metadata.file_type())
        ))
        .file(path)
        .into());
    }
    Ok(folder)
}

/// Opens `relative` inside an opened `folder` (shown in messages as `shown`), as
/// [`open_input`] does. The name is looked up in the folder that was opened, not in
/// whatever stands at its path now: a world replaced while a command reads it cannot
/// hand that command files from two worlds.
pub fn open_input_at(folder: &File, relative: &str, shown: &Path, what: &str) -> Result<File> {
    match open_input_at_if_any(folder, relative, shown, what)? {
        Some(file) => Ok(file),
        None => Err(missing_or_io(
            shown,
            what,
            std::io::ErrorKind::NotFound.into(),
        )),
    }
}

/// [`open_input_at`], with `None` for a file the folder does not hold (a log that a
/// world may lack): looked up through the same handle, not by path.
pub fn open_input_at_if_any(
    folder: &File,
    relative: &str,
    shown: &Path,
    what: &str,
) -> Result<Option<File>> {
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "macos"))]
    {
        use rustix::fs::{openat, Mode, OFlags};
        let opened = openat(
            folder,
            relative,
            OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        );
        let file = match opened {
            Ok(fd) => File::from(fd),
            Err(errno) => {
                let e = std::io::Error::from(errno);
                if e.kind() != std::io::ErrorKind::NotFound {
                    return Err(missing_or_io(shown, what, e));
                }
                if folder_removed(folder) {
                    // The opened folder is what `shown` minus `relative` names.
                    let depth = Path::new(relative).components().count();
                    let root = shown.ancestors().nth(depth).unwrap_or(shown);
                    return Err(InputError::new(
                        "was replaced or removed while this command read it",
                    )
                    .file(root)
                    .hint("run the command again")
                    .into());
                }
                return Ok(None);
            }
        };
        let metadata = file.metadata().map_err(|e| Error::io(shown, e))?;
        check_regular(&metadata.file_type(), shown, what)?;
        Ok(Some(file))
    }
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "macos")))]
    {
        let _ = (folder, relative);
        match open_input(shown, what) {
            Ok(file) => Ok(Some(file)),
            Err(_) if !shown.exists() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Whether an opened folder has since been deleted (its link count drops to 0).
#[cfg(unix)]
fn folder_removed(folder: &File) -> bool {
    use std::os::unix::fs::MetadataExt;
    folder.metadata().is_ok_and(|m| m.nlink() == 0)
}

/// A regular file passes; anything else is refused, said in words a user knows.
fn check_regular(kind: &fs::FileType, path: &Path, what: &str) -> Result<()> {
    if kind.is_file() {
        return Ok(());
    }
    let is = describe_type(kind);
    Err(InputError::new(format!("is {is}, not {what}"))
        .file(path)
        .hint("give the path of a regular file")
        .into())
}

/// "a directory", "a FIFO", ...: what stands at a path, for messages.
pub fn describe_type(kind: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_file() {
        "a file"
    } else {
        "not a regular file"
    }
}

/// Reads a small text file, refusing oversized or non-UTF-8 ones with a clear message.
/// A leading byte-order mark (as Windows editors write) is dropped.
pub fn read_small_text(path: &Path, what: &str) -> Result<String> {
    read_text_from(open_input(path, what)?, path, what)
}

/// Reads an opened file (see [`open_input`]) of at most `limit` bytes; errors name
/// `path`.
pub fn read_bytes_from(file: File, path: &Path, what: &str, limit: u64) -> Result<Vec<u8>> {
    let metadata = file.metadata().map_err(|e| Error::io(path, e))?;
    if metadata.len() > limit {
        return Err(InputError::new(format!(
            "is {} bytes; {what} is never larger than {} MiB",
            metadata.len(),
            limit >> 20
        ))
        .file(path)
        .into());
    }
    // The length in the metadata is only a first check: a file still growing holds more
    // than it reported, so the read itself is bounded.
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| missing_or_io(path, what, e))?;
    if bytes.len() as u64 > limit {
        return Err(InputError::new(format!(
            "holds more than {} MiB; {what} is never that large",
            limit >> 20
        ))
        .file(path)
        .into());
    }
    Ok(bytes)
}

/// Reads an opened small file (see [`open_input`]) as text; errors name `path`.
pub fn read_text_from(file: File, path: &Path, what: &str) -> Result<String> {
    let bytes = read_bytes_from(file, path, what, MAX_SMALL_FILE)?;
    let text = String::from_utf8(bytes).map_err(|_| -> Error {
        InputError::new(format!("is not text, so it cannot be {what}"))
            .file(path)
            .into()
    })?;
    Ok(without_bom(text))
}

/// `text` without a leading UTF-8 byte-order mark.
pub fn without_bom(text: String) -> String {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    }
}

/// A missing input file is the user's mistake (exit 2); other I/O errors are not.
pub fn missing_or_io(path: &Path, what: &str, e: std::io::Error) -> Error {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => InputError::new(format!("not found (expected {what})"))
            .file(path)
            .into(),
        ErrorKind::IsADirectory => InputError::new(format!("is a directory, not {what}"))
            .file(path)
            .into(),
        ErrorKind::NotADirectory => {
            InputError::new(format!("is not a path to {what}: a part of it is a file"))
                .file(path)
                .into()
        }
        // ENXIO: opening a socket, or a FIFO with no writer.
        _ if e.raw_os_error() == Some(6) => {
            InputError::new(format!("is a socket or a device, not {what}"))
                .file(path)
                .hint("give the path of a regular file")
                .into()
        }
        _ => Error::io(path, e),
    }
}

/// Serialises a path for `--json`: as text, with U+FFFD in place of bytes that are not
/// UTF-8. serde's own serialiser fails on such a path, and the work done would end in
/// an error; JSON can only hold text (docs/cli.md, "Paths").
pub fn serialize_path_lossy<S: serde::Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&path.to_string_lossy())
}

/// [`serialize_path_lossy`] for an optional path.
pub fn serialize_option_path_lossy<S: serde::Serializer>(
    path: &Option<PathBuf>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match path {
        Some(path) => serialize_path_lossy(path, s),
        None => s.serialize_none(),
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

/// Creates a folder only its owner can enter (0700): every folder doormat writes holds
/// something private (a key, a flag, a plaintext) or sits above one.
pub fn create_private_dir(path: &Path) -> Result<()> {
    private_dir_builder(false)
        .create(path)
        .map_err(|e| Error::io(path, e))
}

/// [`create_private_dir`] with any missing parents, each 0700 too.
pub fn create_private_dir_all(path: &Path) -> Result<()> {
    private_dir_builder(true)
        .create(path)
        .map_err(|e| Error::io(path, e))
}

fn private_dir_builder(recursive: bool) -> fs::DirBuilder {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(recursive);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
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

/// The longest file name that Linux and most file systems allow (NAME_MAX).
const NAME_MAX: usize = 255;

/// Room kept in a temporary's name for `.TAG-PID` and the leading dot.
const TEMPORARY_SUFFIX_ROOM: usize = 20;

/// The hidden name beside `destination` under which doormat writes it:
/// `.NAME.TAG-PID`. NAME is cut short when needed, so that a destination whose name is
/// near the file system's limit still gets a temporary name within it.
pub fn temporary_path(destination: &Path, tag: &str) -> Result<PathBuf> {
    let prefix = temporary_prefix(destination, tag)?;
    let mut name = prefix;
    name.push(std::process::id().to_string());
    Ok(destination.with_file_name(name))
}

/// `.NAME.TAG-`: the part of a temporary's name that says what it is for.
fn temporary_prefix(destination: &Path, tag: &str) -> Result<std::ffi::OsString> {
    let name = destination
        .file_name()
        .ok_or_else(|| InputError::new("is not a file or folder name").file(destination))?;
    let keep = NAME_MAX - TEMPORARY_SUFFIX_ROOM - tag.len();
    #[cfg(unix)]
    let cut = {
        use std::os::unix::ffi::{OsStrExt, OsStringExt};
        let bytes = name.as_bytes();
        std::ffi::OsString::from_vec(bytes[..bytes.len().min(keep)].to_vec())
    };
    #[cfg(not(unix))]
    let cut = {
        let text = name.to_string_lossy();
        let mut end = text.len().min(keep);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        std::ffi::OsString::from(&text[..end])
    };
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(cut);
    prefix.push(format!(".{tag}-"));
    Ok(prefix)
}

/// Where the writer of `destination` holds its lock: `.NAME.lock` beside it.
pub fn lock_path_beside(destination: &Path) -> Result<PathBuf> {
    let mut name = temporary_prefix(destination, "lock")?;
    // The prefix ends in '-' for a PID to follow; a lock's name is the same for every
    // process, so that they meet on it.
    let mut text = name.to_string_lossy().into_owned();
    if text.ends_with('-') {
        text.pop();
        name = text.into();
    }
    Ok(destination.with_file_name(name))
}

/// An exclusive hold on something doormat writes (a class folder, a world being
/// built): a lock file holding the holder's PID, locked with `flock`. A second doormat
/// on the same thing is refused with exit 2 and told the holder's PID. The kernel
/// releases a dead process's lock by itself; the file it leaves (killed outright) is
/// taken over, with a note. Dropped, the lock file is removed; on SIGINT, SIGTERM,
/// SIGHUP or SIGQUIT too (it is on the temporaries' list).
#[derive(Debug)]
pub struct WriterLock {
    path: PathBuf,
    _file: File,
}

/// What the file layer has to tell the user besides errors (a stale lock taken over),
/// for the binary to print on stderr ([`take_notes`]).
static NOTES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// The notes gathered since the last call, oldest first.
pub fn take_notes() -> Vec<String> {
    std::mem::take(&mut *NOTES.lock().unwrap_or_else(PoisonError::into_inner))
}

impl WriterLock {
    /// Takes the lock at `path`; `doing` says what the holder does ("serving this class"),
    /// `shown` is the path the user gave, for messages.
    pub fn acquire(path: &Path, shown: &Path, doing: &str) -> Result<Self> {
        loop {
            let mut options = OpenOptions::new();
            options.read(true).write(true).create(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            // Errors name what the user gave, not the hidden lock file's name.
            let mut file = options.open(path).map_err(|e| Error::io(shown, e))?;
            if !try_lock(&file).map_err(|e| Error::io(path, e))? {
                // The holder writes its PID just after it locks: give it that moment.
                let mut holder = String::new();
                for _ in 0..20 {
                    use std::io::Seek;
                    holder.clear();
                    let _ = file.seek(std::io::SeekFrom::Start(0));
                    let _ = file.read_to_string(&mut holder);
                    if !holder.trim().is_empty() {
                        break;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                let holder = holder.trim();
                let who = if holder.is_empty() {
                    "another doormat".to_owned()
                } else {
                    format!("doormat (PID {holder})")
                };
                return Err(InputError::new(format!("is in use: {who} is {doing}"))
                    .file(shown)
                    .hint(format!(
                        "stop that doormat first (it holds {}), or choose another --out",
                        path.display()
                    ))
                    .into());
            }
            // The file may have been removed (and a new one made) between our open and
            // our lock, by a holder that was just finishing: then the lock we hold is
            // on a name no one else will open. Start again on the file that is there.
            if !same_file(&file, path) {
                continue;
            }
            let mut before = String::new();
            let _ = file.read_to_string(&mut before);
            if let Some(pid) = before
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|pid| *pid != std::process::id())
            {
                NOTES.lock().unwrap_or_else(PoisonError::into_inner).push(format!(
                    "note: {} was left locked by doormat PID {pid}, which is no longer running; lock taken over",
                    shown.display()
                ));
            }
            file.set_len(0)
                .and_then(|()| {
                    use std::io::Seek;
                    file.seek(std::io::SeekFrom::Start(0))?;
                    write!(file, "{}", std::process::id())
                })
                .map_err(|e| Error::io(path, e))?;
            track_temporary(path);
            return Ok(WriterLock {
                path: path.to_path_buf(),
                _file: file,
            });
        }
    }
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        // Removed while still held, so no one can lock the old file and think it theirs.
        let mut list = temporaries();
        let _ = fs::remove_file(&self.path);
        untrack_temporary(&mut list, &self.path);
    }
}

/// `flock(LOCK_EX | LOCK_NB)`: true if this process now holds the lock, false if
/// another does.
#[cfg(unix)]
fn try_lock(file: &File) -> std::io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    #[allow(unsafe_code)]
    // SAFETY: flock on a descriptor this function borrows, valid for the call.
    let status = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if status == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    if e.kind() == std::io::ErrorKind::WouldBlock {
        Ok(false)
    } else {
        Err(e)
    }
}

#[cfg(not(unix))]
fn try_lock(_file: &File) -> std::io::Result<bool> {
    Ok(true)
}

/// Whether `path` still names the file that `file` has open.
fn same_file(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

/// Removes temporaries for `destination` that an earlier run left behind when it was
/// killed outright (SIGKILL, a power cut): those whose process no longer exists. A
/// temporary of a run still going is left alone.
pub fn remove_stale_temporaries(destination: &Path, tag: &str) -> Result<()> {
    let prefix = temporary_prefix(destination, tag)?;
    let parent = match destination.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(());
    };
    let own = std::process::id();
    for entry in entries.flatten() {
        let name = entry.file_name();
        #[cfg(unix)]
        let pid = {
            use std::os::unix::ffi::OsStrExt;
            name.as_bytes()
                .strip_prefix(prefix.as_bytes())
                .and_then(|rest| std::str::from_utf8(rest).ok())
                .and_then(|rest| rest.parse::<u32>().ok())
        };
        #[cfg(not(unix))]
        let pid: Option<u32> = None;
        if !pid.is_some_and(|pid| pid != own && !process_alive(pid)) {
            continue;
        }
        let path = entry.path();
        let removed = match entry.file_type() {
            // A folder is doormat's only while it holds the mark it was made with.
            Ok(kind) if kind.is_dir() => {
                if path.join(PARTIAL_MARK).is_file() {
                    fs::remove_dir_all(&path)
                } else {
                    continue;
                }
            }
            Ok(kind) if kind.is_file() => fs::remove_file(&path),
            _ => continue,
        };
        removed.map_err(|e| Error::io(&path, e))?;
    }
    Ok(())
}

/// The file inside a folder that doormat is still building: it marks the folder as
/// doormat's to remove should the run die. It is taken out just before the folder is
/// moved into place.
pub const PARTIAL_MARK: &str = ".doormat-partial";

/// Whether process `pid` exists (if in doubt, yes: then nothing of it is removed).
fn process_alive(pid: u32) -> bool {
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "macos"))]
    {
        let Some(pid) = i32::try_from(pid)
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        else {
            return true;
        };
        !matches!(
            rustix::process::test_kill_process(pid),
            Err(rustix::io::Errno::SRCH)
        )
    }
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "macos")))]
    {
        let _ = pid;
        true
    }
}

/// Temporaries this process is writing, removed if it is interrupted (Ctrl-C, SIGTERM).
static TEMPORARIES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The list of temporaries, held: while held, no signal handler removes anything, so a
/// move into place finishes whole.
pub(crate) fn temporaries() -> MutexGuard<'static, Vec<PathBuf>> {
    TEMPORARIES.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Adds `path` to the temporaries removed on interruption.
pub(crate) fn track_temporary(path: &Path) {
    temporaries().push(path.to_path_buf());
}

/// Takes `path` off the list (moved into place, or removed).
pub(crate) fn untrack_temporary(list: &mut Vec<PathBuf>, path: &Path) {
    list.retain(|p| p != path);
}

/// For the binary's handler of SIGINT and SIGTERM: removes every temporary this process
/// was writing and exits with `code`. It waits for a move into place that has begun,
/// and none begins after, so the destination holds either the old or the new contents.
pub fn remove_temporaries_and_exit(code: i32) -> ! {
    let list = temporaries();
    for path in list.iter() {
        let _ = match path.symlink_metadata() {
            Ok(m) if m.is_dir() => fs::remove_dir_all(path),
            Ok(_) => fs::remove_file(path),
            Err(_) => Ok(()),
        };
    }
    // The list stays locked: no thread can start a move into place before the exit.
    exit_now(code)
}

/// Ends the process at once with `code`, as `_exit` does: no atexit handlers and no
/// destructors of statics. Other threads are still running (a simulate's workers, deep
/// in AWS-LC or the allocator), and `exit`'s clean-up under them aborted about one
/// interrupted run in fifteen on a busy machine (SIGABRT, nothing said). Whatever had to
/// be removed is removed, and stderr is unbuffered.
fn exit_now(code: i32) -> ! {
    #[cfg(unix)]
    {
        // Not even stdout is flushed: its lock may be held by a thread blocked on a
        // full pipe, and an interrupted command's output is incomplete anyway.
        #[allow(unsafe_code)]
        // SAFETY: `_exit` takes any status and does not return; skipping the process's
        // clean-up is the point, and the files that matter were handled above.
        unsafe {
            libc::_exit(code)
        }
    }
    #[cfg(not(unix))]
    std::process::exit(code)
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
    /// Refuses an existing destination unless `force`, and even then anything but a
    /// regular file (or a symbolic link, which is replaced itself, not what it points
    /// to): `--force` never replaces a folder, a FIFO or a device.
    pub fn create(destination: &Path, force: bool) -> Result<Self> {
        check_replaceable(destination, force)?;
        check_name_length(destination)?;
        check_parent_folder(destination)?;
        remove_stale_temporaries(destination, "tmp")?;
        let temporary = temporary_path(destination, "tmp")?;
        // Private: what doormat writes to a chosen file is a page of read messages, the
        // plaintexts of a recovery, a class's grades. Its owner can share it (chmod).
        let file = create_private(&temporary).map_err(|e| e.relocated(&temporary, destination))?;
        track_temporary(&temporary);
        Ok(AtomicFile {
            destination: destination.to_path_buf(),
            temporary,
            writer: Some(BufWriter::new(file)),
            force,
        })
    }

    /// An output file a flag names (`--html`, `--gradebook`; `None` if not given),
    /// opened before any work, so that an existing file (without `force`) or one of the
    /// command's `inputs` is refused at once.
    pub fn for_flag(
        path: Option<&Path>,
        flag: &str,
        force: bool,
        inputs: &[&Path],
    ) -> Result<Option<Self>> {
        let Some(path) = path else {
            return Ok(None);
        };
        refuse_output_among_inputs(path, flag, inputs.iter().copied())?;
        Self::create(path, force).map(Some)
    }

    /// Writes `text` and moves the file into place.
    pub fn write_and_commit(mut self, text: &str) -> Result<()> {
        let destination = self.destination().to_path_buf();
        self.writer()
            .write_all(text.as_bytes())
            .map_err(|e| Error::io(&destination, e))?;
        self.commit()
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
    /// stays, and the command ends with exit 2 and removes its own copy. With `force`
    /// what stands there now must still be a file doormat may replace.
    pub fn commit(mut self) -> Result<()> {
        let writer = self.writer.take().expect("commit runs once");
        // A write that fails here (a full disk: the buffer is written only now) must
        // not leave the empty temporary behind, and Drop no longer sees a writer.
        let synced = writer
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|file| file.sync_all());
        if let Err(e) = synced {
            let mut list = temporaries();
            let _ = fs::remove_file(&self.temporary);
            untrack_temporary(&mut list, &self.temporary);
            return Err(Error::io(&self.destination, e));
        }
        let mut list = temporaries();
        let moved = if self.force {
            check_replaceable(&self.destination, true).and_then(|()| {
                fs::rename(&self.temporary, &self.destination)
                    .map_err(|e| Error::io(&self.destination, e))
            })
        } else {
            rename_noclobber(&self.temporary, &self.destination)
                .map_err(|e| appeared_or_io(&self.destination, e))
        };
        untrack_temporary(&mut list, &self.temporary);
        if moved.is_err() {
            let _ = fs::remove_file(&self.temporary);
        }
        moved
    }
}

/// Whether doormat may write at `destination`: nothing there, or with `force` a
/// regular file. A symbolic link is refused even with `force` (a dangling one too): the
/// link may be /dev/stdout or point into someone else's folder, and replacing the link
/// with a file of plaintexts is never what `--force` meant.
/// Refuses, before any work, a destination whose file name no file system here can
/// hold: the command would otherwise do its work and fail only at the final move.
pub fn check_name_length(destination: &Path) -> Result<()> {
    let long = destination
        .file_name()
        .map_or(0, |name| name.as_encoded_bytes().len());
    if long > NAME_MAX {
        return Err(InputError::new(format!(
            "has a file name of {long} bytes; file systems take at most {NAME_MAX}"
        ))
        .file(destination)
        .hint("choose a shorter name")
        .into());
    }
    Ok(())
}

/// Refuses a destination whose folder is not there: one of its "folders" is a file
/// (`--out notes.txt/x`), or the folder does not exist. Checked before any work.
pub fn check_parent_folder(destination: &Path) -> Result<()> {
    let Some(parent) = destination.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(());
    };
    if let Some(file) = parent.ancestors().find(|a| a.is_file()) {
        return Err(
            InputError::new(format!("is inside {}, which is a file", file.display()))
                .file(destination)
                .hint("give a path whose folders are folders")
                .into(),
        );
    }
    if !parent.is_dir() {
        return Err(InputError::new("is in a folder that does not exist")
            .file(destination)
            .hint(format!(
                "create {} first, or choose another path",
                parent.display()
            ))
            .into());
    }
    Ok(())
}

fn check_replaceable(destination: &Path, force: bool) -> Result<()> {
    let Ok(metadata) = destination.symlink_metadata() else {
        return Ok(());
    };
    let kind = metadata.file_type();
    if kind.is_dir() {
        return Err(InputError::new("is a directory")
            .file(destination)
            .hint("give the name of a file to write")
            .into());
    }
    if !kind.is_file() {
        let what = if kind.is_symlink() {
            match destination.read_link() {
                Ok(to) => format!("a symbolic link (to {})", to.display()),
                Err(_) => "a symbolic link".to_owned(),
            }
        } else {
            describe_type(&kind).to_owned()
        };
        return Err(InputError::new(format!(
            "is {what}; doormat replaces only regular files, even with --force"
        ))
        .file(destination)
        .hint("choose another name: a new file, or the file the link points to")
        .into());
    }
    if !force {
        return Err(InputError::new("already exists")
            .file(destination)
            .hint("choose another name, or add --force to replace it")
            .into());
    }
    Ok(())
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.is_some() {
            let mut list = temporaries();
            let _ = fs::remove_file(&self.temporary);
            untrack_temporary(&mut list, &self.temporary);
        }
    }
}

/// Refuses an `--out` that is one of the command's own inputs (the same file, by any
/// path or link), `--force` or not: replacing it while reading it would destroy it.
pub fn refuse_output_among_inputs<'a>(
    out: &Path,
    flag: &str,
    inputs: impl IntoIterator<Item = &'a Path>,
) -> Result<()> {
    let Some(target) = file_identity(out) else {
        return Ok(());
    };
    for input in inputs {
        if file_identity(input) == Some(target) {
            return Err(InputError::new(format!(
                "is also an input of this command ({}); doormat will not write over what it reads",
                input.display()
            ))
            .file(out)
            .field(flag)
            .hint(format!("choose another {flag}"))
            .into());
        }
    }
    Ok(())
}

/// The device and inode of what stands at `path`, following links.
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    let metadata = path.metadata().ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((metadata.dev(), metadata.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        path.canonicalize().ok().map(|p| {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            p.hash(&mut h);
            (0, h.finish())
        })
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
            // Not "--force": `exercise new` and `classroom` have none, and what
            // appeared may be someone's work.
            .hint("look at what is there now, then run the command again with another name")
            .into()
    } else {
        Error::io(destination, e)
    }
}

#[cfg(test)]
mod tests;
