//! The terminal side of output: errors on stderr and progress bars. What is printed
//! on stdout comes from the library's report layer (`doormat::report`).

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use doormat::error::Error;

/// Prints an error the way the command-line contract asks: one message on stderr, with
/// a hint where there is one.
pub fn error(error: &Error) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "error: {}", visible(&error.to_string()));
    if let Some(hint) = error.hint() {
        let _ = writeln!(err, "hint: {}", visible(hint));
    }
}

/// Writes a line on stderr, control characters shown, and never fails: stderr may be a
/// closed pipe or a full disk, and nothing doormat says there is worth a panic.
pub fn say(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{}", visible(line));
}

use doormat::report::text::visible;

/// A progress bar on stderr that appears only on a terminal, and only once a step has
/// run for half a second: quick steps stay quiet.
pub struct Progress {
    bar: indicatif::ProgressBar,
    started: Instant,
    shown: AtomicBool,
    /// Shows the rate in keys per second in the message (a brute-force search), as a
    /// number a room can read rather than indicatif's raw float.
    keys: bool,
    /// Plain lines instead of a bar ([`Progress::lines_on_a_pipe`]).
    lines: bool,
    /// The last tenth a line was written for.
    last_tenth: std::sync::atomic::AtomicU64,
}

impl Progress {
    pub fn new(total: u64, message: &'static str) -> Self {
        let bar = indicatif::ProgressBar::hidden();
        bar.set_length(total);
        bar.set_message(message);
        bar.set_style(
            indicatif::ProgressStyle::with_template("  {msg} {wide_bar} {pos}/{len} {eta}")
                .expect("static progress template is valid"),
        );
        Progress {
            bar,
            started: Instant::now(),
            shown: AtomicBool::new(false),
            keys: false,
            lines: false,
            last_tenth: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// A progress bar that never shows: for --json, which prints nothing before its
    /// one object.
    pub fn hidden() -> Self {
        let progress = Progress::new(0, "");
        progress.shown.store(true, Ordering::Relaxed);
        progress
    }

    /// Counts keys, with the rate: a brute-force search.
    pub fn counting_keys(mut self) -> Self {
        self.bar.set_style(
            indicatif::ProgressStyle::with_template(
                "  {msg} {wide_bar} {human_pos}/{human_len} keys, {eta} left",
            )
            .expect("static progress template is valid"),
        );
        self.keys = true;
        self
    }

    /// Off a terminal (a pipe, a log file), says how far it is in plain lines: one
    /// each tenth of the way once the work has run a second, and one at the end, so
    /// that a long job in a log is not silent.
    pub fn lines_on_a_pipe(mut self) -> Self {
        self.lines = !io::stderr().is_terminal();
        self
    }

    /// Counts bytes instead of items.
    pub fn in_bytes(self) -> Self {
        self.bar.set_style(
            indicatif::ProgressStyle::with_template(
                "  {msg} {wide_bar} {bytes}/{total_bytes} {eta}",
            )
            .expect("static progress template is valid"),
        );
        self
    }

    pub fn set(&self, done: u64) {
        if !self.shown.load(Ordering::Relaxed)
            && self.started.elapsed() > Duration::from_millis(500)
            && io::stderr().is_terminal()
        {
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
            self.shown.store(true, Ordering::Relaxed);
        }
        self.bar.set_position(done);
        if self.lines {
            self.line(done);
        }
        if self.keys {
            let seconds = self.started.elapsed().as_secs_f64();
            if seconds > 0.0 {
                self.bar.set_message(format!(
                    "trying keys, {:.1} M/s",
                    done as f64 / seconds / 1e6
                ));
            }
        }
    }

    fn line(&self, done: u64) {
        let total = self.bar.length().unwrap_or(0).max(1);
        let tenth = done * 10 / total;
        let seconds = self.started.elapsed().as_secs_f64();
        let finished = done >= total;
        if seconds < 1.0 || self.last_tenth.swap(tenth, Ordering::Relaxed) == tenth {
            return;
        }
        let message = self.bar.message();
        if finished {
            say(&format!(
                "  {message}: {done} of {total}, done in {}",
                doormat::demo::duration(seconds)
            ));
        } else {
            let left = seconds * (total - done) as f64 / done.max(1) as f64;
            say(&format!(
                "  {message}: {done} of {total}, about {} left",
                doormat::demo::duration(left)
            ));
        }
    }

    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}

/// A line on stderr that says a step is still working ("act 3: working 4s"), for a wait
/// with no count of its own (a backdoor's state search, a matrix's opening): it shows
/// only on a terminal, only once the wait has passed half a second (so that no wait is
/// silent for a second), and is gone when dropped.
pub struct Working(indicatif::ProgressBar);

impl Working {
    pub fn start(message: String) -> Self {
        let bar = indicatif::ProgressBar::hidden().with_message(message);
        let template =
            indicatif::ProgressStyle::with_template("  {msg}: working {elapsed} {spinner}");
        bar.set_style(template.expect("static progress template is valid"));
        if io::stderr().is_terminal() {
            let later = bar.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(500));
                if !later.is_finished() {
                    later.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                    later.enable_steady_tick(Duration::from_millis(150));
                }
            });
        }
        Working(bar)
    }
}

impl Drop for Working {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}
