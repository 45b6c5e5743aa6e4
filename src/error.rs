//! One error type for the whole library.
//!
//! Errors about *input* are precise: which file, which line, which field, what is wrong and
//! what to do. Errors about *cryptography* are deliberately vague ("could not open"): a
//! precise reason (bad padding vs. bad tag) would be an oracle for an attacker, and the
//! student learns the same lesson from "this key is not a reader of this message".

use std::fmt;
use std::path::{Path, PathBuf};

/// Everything that can go wrong in doormat.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An outside input (file, flag, key) is malformed or does not fit. Probably the
    /// user's mistake, or a file edited by hand: exit code 2.
    #[error("{0}")]
    Input(Box<InputError>),
    /// The operating system refused a read or write that should have worked: exit code 1.
    #[error("{path}: {source}")]
    Io {
        /// The file that could not be read or written.
        path: PathBuf,
        #[source]
        /// What the system said.
        source: std::io::Error,
    },
    /// Something that should be impossible happened; a bug in doormat: exit code 1.
    #[error("internal error: {0} (this is a bug in doormat; please report it)")]
    Internal(String),
}

impl Error {
    /// The process exit code the command-line contract assigns to this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) => 2,
            Error::Io { .. } | Error::Internal(_) => 1,
        }
    }

    /// An I/O error while touching `path`. A path that names a directory where a file
    /// belongs, or runs through a file as if it were a directory, is the user's mistake
    /// (exit 2), not the system's.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        match source.kind() {
            std::io::ErrorKind::IsADirectory => InputError::new("is a directory")
                .file(&path)
                .hint("give the path of a file")
                .into(),
            std::io::ErrorKind::NotADirectory => {
                let file = path.ancestors().skip(1).find(|a| a.is_file());
                let problem = match file {
                    Some(file) => format!("is inside {}, which is a file", file.display()),
                    None => "is not a usable path: a part of it is a file, not a folder".into(),
                };
                InputError::new(problem)
                    .file(&path)
                    .hint("give a path whose folders are folders")
                    .into()
            }
            _ if source.raw_os_error() == Some(libc_enametoolong()) => InputError::new(
                "has a name too long for the file system (at most 255 bytes a name)",
            )
            .file(&path)
            .hint("choose a shorter name")
            .into(),
            _ => Error::Io { path, source },
        }
    }

    /// The same error, naming `to` wherever it named a path under `from`: work done in
    /// a temporary folder is reported at the destination the user asked for.
    pub fn relocated(self, from: &Path, to: &Path) -> Self {
        let moved = |path: &Path| match path.strip_prefix(from) {
            Ok(rest) if rest.as_os_str().is_empty() => to.to_path_buf(),
            Ok(rest) => to.join(rest),
            Err(_) => path.to_path_buf(),
        };
        match self {
            Error::Io { path, source } => Error::Io {
                path: moved(&path),
                source,
            },
            Error::Input(mut input) => {
                if let Some(file) = input.file.take() {
                    input.file = Some(moved(&file));
                }
                Error::Input(input)
            }
            other => other,
        }
    }

    /// The hint attached to an input error, if any.
    pub fn hint(&self) -> Option<&str> {
        match self {
            Error::Input(e) => e.hint.as_deref(),
            _ => None,
        }
    }
}

/// A bad outside input, located as precisely as we can.
#[derive(Debug)]
pub struct InputError {
    /// The file, or `None` for a command-line flag.
    pub file: Option<PathBuf>,
    /// 1-based line number, where the input is line-oriented.
    pub line: Option<u64>,
    /// The field (JSON key) or flag at fault.
    pub field: Option<String>,
    /// What is wrong, in one sentence.
    pub problem: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl InputError {
    /// A refusal stating `problem`. Say where with `file`, `line` and `field`, and what to
    /// do with `hint`.
    pub fn new(problem: impl Into<String>) -> Self {
        InputError {
            file: None,
            line: None,
            field: None,
            problem: problem.into(),
            hint: None,
        }
    }
    /// The file the bad input came from.
    pub fn file(mut self, file: impl AsRef<Path>) -> Self {
        self.file = Some(file.as_ref().to_path_buf());
        self
    }
    /// Its line, from 1.
    pub fn line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }
    /// The field or flag that is wrong (`parties[2].fingerprint`, `--bits`).
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
    /// Its field, as a field of `outer` (`agents` within `parameters` is
    /// `parameters.agents`).
    pub fn within(mut self, outer: &str) -> Self {
        self.field = Some(match self.field.take() {
            Some(field) => format!("{outer}.{field}"),
            None => outer.to_owned(),
        });
        self
    }
    /// What to do about it, in one sentence.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut located = false;
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            located = true;
        }
        if let Some(line) = self.line {
            write!(f, "{}line {line}", if located { ", " } else { "" })?;
            located = true;
        }
        if let Some(field) = &self.field {
            let sep = if located { ", " } else { "" };
            if field.starts_with("--") {
                write!(f, "{sep}{field}")?;
            } else {
                write!(f, "{sep}field \"{field}\"")?;
            }
            located = true;
        }
        if located {
            write!(f, ": ")?;
        }
        write!(f, "{}", self.problem)
    }
}

impl From<InputError> for Error {
    fn from(e: InputError) -> Self {
        Error::Input(Box::new(e))
    }
}

/// doormat's result: an [`Error`] unless said otherwise.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// ENAMETOOLONG: a name or path the file system cannot hold is the user's to shorten.
fn libc_enametoolong() -> i32 {
    rustix::io::Errno::NAMETOOLONG.raw_os_error()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Work done in a hidden folder is reported at the path the user gave.
    #[test]
    fn errors_name_the_destination_not_the_temporary() {
        let (tmp, out) = (Path::new("d/.w.tmp-7"), Path::new("d/w"));
        let e = Error::io(
            tmp.join("keys/a.pem"),
            std::io::ErrorKind::StorageFull.into(),
        );
        assert_eq!(
            e.relocated(tmp, out).to_string().split(':').next(),
            Some("d/w/keys/a.pem")
        );
        let e: Error = InputError::new("bad").file(tmp).into();
        assert_eq!(e.relocated(tmp, out).to_string(), "d/w: bad");
        let e = Error::io("elsewhere", std::io::ErrorKind::StorageFull.into());
        assert!(e.relocated(tmp, out).to_string().starts_with("elsewhere"));
    }

    /// A directory where a file belongs, or a file inside a path, is the user's mistake.
    #[test]
    fn misplaced_directories_are_input_errors() {
        for kind in [
            std::io::ErrorKind::IsADirectory,
            std::io::ErrorKind::NotADirectory,
        ] {
            assert_eq!(Error::io("x", kind.into()).exit_code(), 2);
        }
        assert_eq!(
            Error::io("x", std::io::ErrorKind::PermissionDenied.into()).exit_code(),
            1
        );
    }
}
