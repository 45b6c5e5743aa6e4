//! doormat's command line: parse, run, map the error to an exit code. All the work is in
//! the library; this binary reads flags and files and writes output.

mod cli;
mod render;

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use doormat::attacks::{self, Keyring};
use doormat::crypto::random::Randomness;
use doormat::demo::{self, Act, DemoObserver, DemoOptions};
use doormat::error::{Error, Result};
use doormat::fsutil::AtomicFile;
use doormat::schemes::SchemeId;
use doormat::world::disk::{self, WorldDir};
use doormat::world::WorldSpec;

use cli::{Cli, Command, DemoArgs, RecoverArgs, SimulateArgs};
use render::{Progress, Style};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(error)) => {
            render::error(&error);
            ExitCode::from(error.exit_code() as u8)
        }
        // The panic hook has already printed the message.
        Err(_) => ExitCode::from(1),
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Demo(args) => run_demo(args),
        Command::Simulate(args) => run_simulate(args),
        Command::Recover(args) => run_recover(args),
    }
}

fn run_demo(args: DemoArgs) -> Result<()> {
    let style = Style::for_stdout(args.no_color);
    if args.list {
        let mut out = std::io::stdout().lock();
        for info in demo::DEMOS {
            writeln!(out, "{:<18} {}", info.name, info.summary).map_err(stdout_error)?;
        }
        return Ok(());
    }
    let name = args.name.as_deref().unwrap_or(demo::FLAGSHIP);
    demo::find(name)?;
    let options = DemoOptions {
        randomness: Randomness::from_seed(args.seed),
        ..DemoOptions::default()
    };
    if args.json {
        let run = demo::run_flagship(&options, &mut demo::Quiet)?;
        return print_json(&run);
    }
    let mut screen = Screen {
        style,
        step: args.step,
        progress: None,
        out: std::io::stdout(),
    };
    render::demo_header(&mut screen.out, &style, name, args.seed).map_err(stdout_error)?;
    let run = demo::run_flagship(&options, &mut screen)?;
    if run.stopped_early {
        writeln!(screen.out, "\n(stopped)").map_err(stdout_error)?;
    }
    Ok(())
}

/// Shows a demo act by act as it runs.
struct Screen {
    style: Style,
    step: bool,
    progress: Option<Progress>,
    out: std::io::Stdout,
}

impl DemoObserver for Screen {
    fn before_act(&mut self, number: usize, title: &str) -> bool {
        if !self.step {
            return true;
        }
        let _ = write!(
            self.out,
            "\n{} ",
            self.style
                .dim(&format!("[Enter] act {number}: {title}   [q] quit"))
        );
        let _ = self.out.flush();
        let mut line = String::new();
        // End of input (a script, a closed pipe) means "go on": a demo must not hang.
        let _ = std::io::stdin().lock().read_line(&mut line);
        !line.trim().eq_ignore_ascii_case("q")
    }

    fn progress(&mut self, done: u64, total: u64) {
        self.progress
            .get_or_insert_with(|| Progress::new(total, "opening envelopes"))
            .set(done);
    }

    fn after_act(&mut self, act: &Act) {
        if let Some(progress) = self.progress.take() {
            progress.finish();
        }
        let _ = render::act(&mut self.out, &self.style, act);
    }
}

fn run_simulate(args: SimulateArgs) -> Result<()> {
    let spec = WorldSpec {
        scheme: SchemeId::parse(&args.scheme).map_err(|e| e.field("--scheme"))?,
        users: args.users,
        messages: args.messages,
        key_bits: args.key_bits,
        session_size: args.session_size,
        randomness: Randomness::from_seed(args.seed),
    };
    spec.check()?;
    let style = Style::for_stdout(false);
    let progress = Progress::new(args.messages, "sealing messages");
    let summary = disk::simulate(&spec, &args.out, args.force, &|done, _| progress.set(done))?;
    progress.finish();
    if args.json {
        print_json(&summary)
    } else {
        render::simulate_summary(&mut std::io::stdout(), &style, &summary, args.seed)
            .map_err(stdout_error)
    }
}

fn run_recover(args: RecoverArgs) -> Result<()> {
    let world = WorldDir::open(&args.world)?;
    let mut keys = Vec::new();
    for path in &args.keys {
        keys.push((path.clone(), disk::load_private_key(path)?));
    }
    let keyring = Keyring::from_key_files(&world.file, keys)?;
    // Refuse an existing --out before doing any work.
    let mut out_file = match &args.out {
        Some(path) => Some(AtomicFile::create(path, args.force)?),
        None => None,
    };
    let progress = Progress::new(
        world.capture_path().metadata().map_or(0, |m| m.len()),
        "opening envelopes",
    )
    .in_bytes();
    let radius = attacks::recover(
        &world,
        &keyring,
        out_file.as_mut().map(|f| f.writer() as &mut dyn Write),
        &|done, _| progress.set(done),
    )?;
    progress.finish();
    if let Some(file) = out_file {
        file.commit()?;
    }
    if args.json {
        let mut value =
            serde_json::to_value(&radius).map_err(|e| Error::Internal(e.to_string()))?;
        value["world"] = serde_json::json!(args.world);
        value["scheme"] = serde_json::json!(world.file.scheme);
        value["keys"] = serde_json::json!(keyring
            .holdings()
            .iter()
            .map(|h| serde_json::json!({"party": h.party, "role": h.role, "fingerprint": h.key.fingerprint().as_str()}))
            .collect::<Vec<_>>());
        if let Some(out) = &args.out {
            value["out"] = serde_json::json!(out);
        }
        print_json(&value)
    } else {
        let style = Style::for_stdout(args.no_color);
        render::recover_report(
            &mut std::io::stdout(),
            &style,
            &world,
            &keyring,
            &radius,
            args.out.as_ref(),
        )
        .map_err(stdout_error)
    }
}

fn print_json(value: &impl serde::Serialize) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::Internal(e.to_string()))?;
    writeln!(std::io::stdout(), "{text}").map_err(stdout_error)
}

fn stdout_error(e: std::io::Error) -> Error {
    Error::io(PathBuf::from("<stdout>"), e)
}
