//! doormat's command line: parse, run, map the error to an exit code. All the work is in
//! the library; this binary reads flags and files and writes output.

// Mass recovery allocates a few small strings per envelope on several threads at once;
// mimalloc keeps that from serialising (per-session recovery of 100,000 envelopes on 2
// threads: median 0.28 s with the system allocator, 0.26 s with mimalloc; docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod terminal;

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use doormat::attacks::perceptual::Attack;
use doormat::attacks::{self, brute_force, leaf};
use doormat::crypto::random::Randomness;
use doormat::demo::{self, Act, DemoObserver, DemoOptions};
use doormat::error::{Error, InputError, Result};
use doormat::fsutil::AtomicFile;
use doormat::schemes::SchemeId;
use doormat::world::disk::{self, WorldDir};
use doormat::world::{SnapshotAt, WorldSpec};

use doormat::cli::{
    AttackCommand, BenchArgs, BruteForceArgs, ClassroomArgs, Cli, Command, CompareArgs, DemoArgs,
    DualEcArgs, ExerciseCommand, ImageAttackFlags, LeafForgeryArgs, LeafMetadataArgs, PoisonArgs,
    RecoverArgs, ScaleArgs, SimulateArgs,
};
use doormat::report::{text, ColorChoice, Destination, Style};
use terminal::Progress;

/// `--color`, set once from the flags before any command runs.
static COLOR: std::sync::OnceLock<ColorChoice> = std::sync::OnceLock::new();

fn color() -> ColorChoice {
    COLOR.get().copied().unwrap_or_default()
}

fn main() -> ExitCode {
    doormat::crypto::gpu_key_search::quiet_display_probe();
    clean_up_on_signals();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_error(e),
    };
    let _ = COLOR.set(cli.color_choice());
    if std::env::args_os().any(|arg| arg.to_str().is_none()) {
        // Said once, so that a script comparing paths knows why one differs.
        terminal::say(
            "note: a path given is not UTF-8; doormat shows it, in text and in --json, with U+FFFD for each byte that is not text",
        );
    }
    if let Err(error) = doormat::crypto::rsa_oaep::Backend::from_env() {
        let error = Error::from(error);
        terminal::error(&error);
        return ExitCode::from(error.exit_code() as u8);
    }
    // Nothing is used again after a panic, so nothing can be seen half-changed (the
    // command line's matches hold a `dyn Any`, which is not `UnwindSafe`).
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(cli)));
    // An error comes first on stderr (scripts read its first line); notes after it.
    if matches!(outcome, Ok(Ok(_))) {
        print_notes();
    }
    let code = match outcome {
        Ok(Ok(Outcome::Done)) => ExitCode::SUCCESS,
        // The command worked and its answer is "no": a wrong exercise answer.
        Ok(Ok(Outcome::No)) => ExitCode::from(1),
        // Whoever read the output stopped reading (`doormat demo | head`): that is their
        // choice, not a failure, as with ripgrep and coreutils.
        Ok(Err(Error::Io { source, .. })) if source.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Ok(Err(error)) => {
            terminal::error(&error);
            ExitCode::from(error.exit_code() as u8)
        }
        // The panic hook has already printed the message.
        Err(_) => ExitCode::from(1),
    };
    print_notes();
    code
}

/// On Ctrl-C, SIGTERM, SIGHUP (the terminal closed) or SIGQUIT, removes the
/// temporaries of a write in progress (a half-built world holds private keys) and exits
/// with 128 + the signal's number, as a shell reports it. A move into place that has
/// begun is finished first. Nothing here can panic: the message is written with its
/// error ignored, since stderr may be a closed pipe or a full disk, and a handler that
/// died on that would leave every later signal ignored.
fn clean_up_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT])
    else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let said = ON_INTERRUPT
                .get()
                .map_or("interrupted: unfinished files removed", String::as_str);
            terminal::say(&format!("\n{said}"));
            doormat::fsutil::remove_temporaries_and_exit(128 + signal);
        }
    });
}

/// Help and the version go to stdout as clap writes them. A usage error goes to stderr
/// as plain text with control characters shown as `\u{..}`: clap quotes the argument
/// it refuses, which may hold an escape sequence, and its own plain rendering drops the
/// sequence silently (`invalid value ''`). So the arguments are parsed once more with
/// their unshowable characters escaped, and that error, which quotes them visibly, is
/// the one shown.
fn clap_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let escaped = std::env::args_os().map(|arg| text::visible(&arg.to_string_lossy()).into_owned());
    let shown = match Cli::try_parse_from(escaped) {
        Err(visible) if visible.kind() == e.kind() => visible,
        _ => e,
    };
    let _ = write!(
        std::io::stderr().lock(),
        "{}",
        text::visible(&shown.render().to_string())
    );
    ExitCode::from(shown.exit_code() as u8)
}

/// Prints what the library noted besides errors (a stale lock taken over).
fn print_notes() {
    for note in doormat::fsutil::take_notes() {
        terminal::say(&note);
    }
}

/// What Ctrl-C says, where a command has something better to say than the default.
static ON_INTERRUPT: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// How a command that did its work ended.
enum Outcome {
    Done,
    /// The work was done and the answer is no (`exercise check` of a wrong flag).
    No,
}

fn run(cli: Cli) -> Result<Outcome> {
    if let Command::Exercise(command) = cli.command {
        return run_exercise(command);
    }
    run_command(cli.command).map(|()| Outcome::Done)
}

fn run_command(command: Command) -> Result<()> {
    match command {
        Command::Exercise(_) => unreachable!("handled by run"),
        Command::Demo(args) => run_demo(args),
        Command::Simulate(args) => run_simulate(args),
        Command::Recover(args) => run_recover(args),
        Command::Attack(AttackCommand::BruteForce(args)) => run_brute_force(args),
        Command::Attack(AttackCommand::LeafForgery(args)) => run_leaf_forgery(args),
        Command::Attack(AttackCommand::LeafMetadata(args)) => run_leaf_metadata(args),
        Command::Attack(AttackCommand::DualEc(args)) => run_dual_ec(args),
        Command::Attack(AttackCommand::Poison(args)) => run_poison(args),
        Command::Attack(AttackCommand::Collide(args)) => {
            let inputs = [args.from.clone(), args.target.clone()];
            run_image_attack(Attack::Collide, &inputs, args.flags)
        }
        Command::Attack(AttackCommand::Evade(args)) => {
            run_image_attack(Attack::Evade, std::slice::from_ref(&args.image), args.flags)
        }
        Command::Compare(args) => run_compare(args),
        Command::Bench(args) => run_bench(args),
        Command::Scale(args) => run_scale(args),
        Command::Classroom(args) => run_classroom(args),
        Command::Completions(args) => {
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut Cli::command(), "doormat", &mut script);
            write_stdout(&script)
        }
        Command::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut page)
                .map_err(|e| Error::Internal(format!("rendering the man page: {e}")))?;
            write_stdout(&page)
        }
    }
}

/// `doormat classroom`: opens (or carries on) the class, prints where to find it, and
/// serves until interrupted. Every acknowledged envelope is already on disk then.
fn run_classroom(args: ClassroomArgs) -> Result<()> {
    use doormat::classroom::start::{Class, ClassConfig};
    let class = Class::open(&ClassConfig {
        out: args.out,
        bind: args.bind,
        scheme: args.scheme,
        seed: args.seed,
        host: args.host,
        demo: args.demo,
        join_code: args.join_code,
    })?;
    let _ = ON_INTERRUPT.set(format!(
        "class stopped: every acknowledged message is in {}; start again with the same --out to carry on",
        class.root().display()
    ));
    let json = args.json;
    let started = |started: &doormat::classroom::Started| -> Result<()> {
        print_notes();
        started.print(json, color())
    };
    let began = std::time::Instant::now();
    let log: Option<doormat::classroom::server::Log> = (!json).then(|| {
        Box::new(move |line: &str| {
            let clock = doormat::report::words::clock(began.elapsed().as_secs());
            // A line that cannot be written (stdout closed) is dropped: the class goes on.
            let _ = writeln!(std::io::stdout().lock(), "{clock}  {line}");
        }) as doormat::classroom::server::Log
    });
    // Ctrl-C and SIGTERM end the class through the handler every command has
    // (clean_up_on_signals).
    class.serve(started, log)
}

/// Writes `bytes` to stdout as one piece (generated text, made whole before any of it
/// is written).
fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(stdout_error)
}

fn run_demo(args: DemoArgs) -> Result<()> {
    let style = Style::for_stdout(color());
    if args.list {
        let out = args.page.destination(args.json, color(), &[])?;
        return out.show(&demo::catalogue()?);
    }
    let scenario = demo::choose(args.file.as_deref(), args.name.as_deref())?;
    let options = DemoOptions { seed: args.seed };
    let inputs: Vec<&std::path::Path> = args.file.iter().map(PathBuf::as_path).collect();
    let out = args.destination(color(), &inputs)?;
    if args.json {
        return out.show(&demo::run_scenario(&scenario, &options, &mut demo::Quiet)?);
    }
    let mut screen = Screen {
        style,
        step: args.step,
        progress: None,
        working: Some(terminal::Working::start("setting up".into())),
        act: String::new(),
        out: text::Visible::new(std::io::stdout(), style.color()),
        acts: text::ActWriter::default(),
    };
    let seed = args.seed.or(scenario.world.seed);
    text::demo_header(&mut screen.out, &style, &scenario.name, seed).map_err(stdout_error)?;
    let run = demo::run_scenario(&scenario, &options, &mut screen)?;
    if run.stopped_early {
        writeln!(screen.out, "\n(stopped)").map_err(stdout_error)?;
    }
    text::measured_on(&mut screen.out, &style, &run).map_err(stdout_error)?;
    out.write_page(&run)
}

/// Shows a demo act by act as it runs.
struct Screen {
    style: Style,
    step: bool,
    progress: Option<Progress>,
    working: Option<terminal::Working>,
    act: String,
    out: text::Visible<std::io::Stdout>,
    acts: text::ActWriter,
}

impl DemoObserver for Screen {
    fn before_act(&mut self, number: usize, title: &str) -> bool {
        self.act = format!("act {number}");
        if !self.step {
            self.working = Some(terminal::Working::start(self.act.clone()));
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
        self.working = Some(terminal::Working::start(self.act.clone()));
        !line.trim().eq_ignore_ascii_case("q")
    }

    fn progress(&mut self, done: u64, total: u64) {
        self.working = None;
        self.progress
            .get_or_insert_with(|| Progress::new(total, "sealing and opening"))
            .set(done);
        // What the act does after sending (opening with every key) may take a while too.
        if done >= total {
            if let Some(bar) = self.progress.take() {
                bar.finish();
            }
            self.working = Some(terminal::Working::start(self.act.clone()));
        }
    }

    fn searching(&mut self, tried: u64, space: u64) {
        self.working = None;
        self.progress
            .get_or_insert_with(|| Progress::new(space, "trying keys").counting_keys())
            .set(tried);
    }

    fn after_act(&mut self, act: &Act) {
        self.working = None;
        if let Some(progress) = self.progress.take() {
            progress.finish();
        }
        let _ = self.acts.write(&mut self.out, &self.style, act);
    }
}

fn run_simulate(args: SimulateArgs) -> Result<()> {
    let scheme = SchemeId::parse(&args.scheme).map_err(|e| e.field("--scheme"))?;
    let spec = WorldSpec {
        params: args.scheme_params(scheme)?,
        scheme,
        users: args.users,
        messages: args.messages,
        key_bits: args.key_bits,
        session_size: args.session_size,
        randomness: Randomness::from_seed(args.seed),
        snapshots: args
            .snapshots
            .iter()
            .map(|text| SnapshotAt::parse(text))
            .collect::<std::result::Result<_, _>>()?,
        plants: Default::default(),
    };
    let out = args.destination(color())?;
    if let Some(estimate) = doormat::bench::estimate_simulate(&spec)? {
        confirm_long_work(&estimate, "building this world", args.yes)?;
    }
    let progress = Progress::new(args.messages, "sealing messages").lines_on_a_pipe();
    let summary = disk::simulate(&spec, &args.out, args.force, &|done, _| progress.set(done))?;
    progress.finish();
    out.show(&summary)
}

fn run_recover(args: RecoverArgs) -> Result<()> {
    let world = WorldDir::open(&args.world)?;
    let stolen = attacks::Stolen {
        keys: &args.keys,
        shares: &args.shares,
        family_key: args.family_key.as_deref(),
        device: args.device.as_deref(),
        states: &args.states,
        phones: &args.phones,
    };
    // Refuse an existing --out or --html, or one that is an input or a file of the
    // world, before doing any work.
    let world_files = [disk::WORLD_JSON, disk::CAPTURE].map(|f| world.root.join(f));
    let inputs: Vec<&std::path::Path> = world_files
        .iter()
        .map(PathBuf::as_path)
        .chain(stolen.files())
        .collect();
    let compromise = attacks::assemble(&world, stolen)?;
    disk::refuse_outputs_in_world(
        &world.root,
        &[
            ("--out", args.out.as_deref()),
            ("--html", args.html.as_deref()),
        ],
    )?;
    let mut out_file = AtomicFile::for_flag(args.out.as_deref(), "--out", args.force, &inputs)?;
    let out = to(args.json, args.html.as_deref(), args.force, &inputs)?;
    let parameters = &world.file.parameters;
    if let Some(estimate) =
        doormat::bench::estimate_recover(parameters.messages, parameters.session_size)?
    {
        confirm_long_work(&estimate, "opening this capture", args.yes)?;
    }
    let progress = Progress::new(
        world.capture_path().metadata().map_or(0, |m| m.len()),
        "opening envelopes",
    )
    .in_bytes();
    let radius = attacks::recover(
        &world,
        &compromise.keyring,
        out_file.as_mut(),
        &|done, _| progress.set(done),
    )?;
    progress.finish();
    if let Some(file) = out_file {
        file.commit()?;
    }
    let report = attacks::RecoverReport::new(&world, &compromise, radius, args.out.clone());
    out.show(&report)
}

fn run_brute_force(args: BruteForceArgs) -> Result<()> {
    let world = WorldDir::open(&args.world)?;
    let out = args
        .page
        .destination(args.json, color(), &[&world.capture_path()])?;
    let target = attacks::search_target::SearchTarget::find(
        &world,
        args.id.as_deref(),
        args.key.as_deref(),
    )?;
    let flags = (args.device.as_deref(), args.method.as_deref());
    let options = brute_force::SearchOptions::from_flags(flags, args.threads, args.sample)?;
    let mut report = search_with_estimate(&target, &options, &args, &world.capture_path())?;
    report.escrowed_bits = target.escrowed_bits;
    out.show(&report)
}

/// Says what the whole search should take (on stderr, not with --json), and refuses one
/// that may run past ten minutes without --yes. Then searches, with progress on a
/// terminal.
fn search_with_estimate(
    target: &attacks::search_target::SearchTarget,
    options: &brute_force::SearchOptions,
    args: &BruteForceArgs,
    capture: &std::path::Path,
) -> Result<brute_force::BruteForceReport> {
    // The envelope's own problems (no salt) belong to the capture it came from.
    let located = |e: Error| match e {
        Error::Input(input) => (*input).file(capture).into(),
        other => other,
    };
    let (envelope, bits) = (&target.envelope, target.bits);
    match brute_force::preflight(envelope, bits, options).map_err(located)? {
        brute_force::Preflight::Quick => {}
        brute_force::Preflight::Found(report) => return Ok(report),
        brute_force::Preflight::Estimated(estimate) => {
            let expected = doormat::report::words::confirm_search(&estimate, bits, args.yes)?;
            terminal::say(&expected);
        }
    }
    let progress = if args.json {
        Progress::hidden()
    } else {
        Progress::new(1u64 << bits, "trying keys").counting_keys()
    };
    let report =
        brute_force::brute_force_from(envelope, bits, target.known, options, &|done, _| {
            progress.set(done)
        });
    progress.finish();
    report.map_err(located)
}

/// Says on stderr what a long command should take here, before it starts (stdout may
/// be piped to a file; the person waiting still sees it), and refuses one that may run
/// past ten minutes without `--yes`.
fn confirm_long_work(estimate: &doormat::bench::WorkEstimate, what: &str, yes: bool) -> Result<()> {
    estimate.confirmed(what, yes)?;
    let expected = demo::duration(estimate.seconds);
    let worst = demo::duration(estimate.worst_seconds);
    terminal::say(&format!(
        "  {what}: about {expected} expected here, {worst} at most"
    ));
    Ok(())
}

fn run_leaf_forgery(args: LeafForgeryArgs) -> Result<()> {
    leaf::check_forgery_trials(args.trials)?;
    let out = args.page.destination(args.json, color(), &[])?;
    let progress = Progress::new(args.trials, "forging LEAFs");
    let report = leaf::leaf_forgery(
        args.trials,
        &Randomness::from_seed(args.seed),
        &|done, _| progress.set(done),
    );
    progress.finish();
    out.show(&report)
}

fn run_leaf_metadata(args: LeafMetadataArgs) -> Result<()> {
    let world = WorldDir::open(&args.world)?;
    let out = args
        .page
        .destination(args.json, color(), &[&world.capture_path()])?;
    let progress = Progress::new(
        world.capture_path().metadata().map_or(0, |m| m.len()),
        "reading LEAFs",
    )
    .in_bytes();
    let report = leaf::leaf_metadata(&world, &args.family_key, &|done, _| progress.set(done))?;
    progress.finish();
    out.show(&report)
}

fn run_dual_ec(args: DualEcArgs) -> Result<()> {
    let world = WorldDir::open(&args.world)?;
    let file = attacks::dual_ec::load_backdoor(&world, &args.backdoor)?;
    let out = args
        .page
        .destination(args.json, color(), &[&args.backdoor])?;
    // One search per sender, each a few seconds on two cores.
    let progress = Progress::new(
        world.file.user_names().len() as u64,
        "recovering generator states",
    );
    let report = attacks::dual_ec::attack(&world, &file, &|done| progress.set(done))?;
    progress.finish();
    out.show(&report)
}

fn run_poison(args: PoisonArgs) -> Result<()> {
    attacks::image_job::check_trials(args.trials, "each draws and hashes one picture")?;
    let world = WorldDir::open(&args.world)?;
    let out = args.page.destination(args.json, color(), &[&args.image])?;
    let mut report = attacks::poison::poison(&world, &args.image)?;
    if let Some(n) = args.trials {
        report.trials = Some(attacks::poison::poison_trials(
            &world,
            n,
            &Randomness::from_seed(args.seed),
        )?);
    }
    out.show(&report)
}

/// `attack collide` (`inputs`: --from, --target) and `attack evade` (--image).
fn run_image_attack(
    attack: Attack,
    inputs: &[Option<PathBuf>],
    flags: ImageAttackFlags,
) -> Result<()> {
    let given: Vec<&std::path::Path> = inputs.iter().flatten().map(PathBuf::as_path).collect();
    let out = to(flags.json, flags.html.as_deref(), flags.force, &given)?;
    let job = attacks::image_job::ImageAttackJob {
        attack,
        inputs,
        out: flags.out.as_deref(),
        force: flags.force,
        threshold: flags.threshold,
        trials: flags.trials,
        seed: flags.seed,
    };
    // The bar stays hidden for its first second, so a refused flag prints no bar.
    let progress = match flags.trials {
        Some(n) => Progress::new(u64::from(n), "attacking generated pictures"),
        None => Progress::hidden(),
    };
    let report = job.run(&|done| progress.set(done))?;
    progress.finish();
    out.show(&report)
}

fn run_compare(args: CompareArgs) -> Result<()> {
    let options = doormat::compare::CompareOptions {
        messages: args.messages,
        randomness: Randomness::from_seed(args.seed),
        bits: args.bits,
    };
    let out = args.page.destination(args.json, color(), &[])?;
    if let Some(estimate) = doormat::bench::estimate_compare(&options)? {
        confirm_long_work(&estimate, "this comparison", args.yes)?;
    }
    let progress = Progress::new(doormat::DESIGNS.len() as u64, "sealing and opening");
    let mut step = 0;
    let comparison = doormat::compare::compare(&options, &mut |_| {
        progress.set(step);
        step += 1;
    })?;
    progress.finish();
    out.show(&comparison)
}

fn run_bench(args: BenchArgs) -> Result<()> {
    let options = doormat::bench::BenchOptions { quick: args.quick };
    let out = args.page.destination(args.json, color(), &[])?;
    let progress = Progress::new(options.steps(), "measuring");
    let mut step = 0;
    let report = doormat::bench::run(&options, &mut |_| {
        progress.set(step);
        step += 1;
    })?;
    progress.finish();
    out.show(&report)
}

fn run_scale(args: ScaleArgs) -> Result<()> {
    let rates: Vec<&std::path::Path> = args.rates.iter().map(PathBuf::as_path).collect();
    let out = args.page.destination(args.json, color(), &rates)?;
    let inputs = doormat::scale::ScaleInputs::from_flags(&args.flags())?;
    out.show(&doormat::scale::project(&inputs)?)
}

fn run_exercise(command: ExerciseCommand) -> Result<Outcome> {
    use doormat::exercise::{
        self, gradebook, ExerciseKind, Grades, GradingFile, StudentVerdict, Verdict,
    };
    match command {
        ExerciseCommand::New(args) => {
            let kind = ExerciseKind::parse(&args.kind)?;
            let out = args.page.destination(args.json, color(), &[])?;
            let roster =
                exercise::Roster::from_flags(args.roster.as_deref(), args.students, &args.out)?;
            let progress =
                Progress::new(roster.students.len() as u64, "making bundles").lines_on_a_pipe();
            let students = roster.students.len();
            let confirm = |estimate: &doormat::bench::WorkEstimate| -> Result<()> {
                // A class made in under half a minute needs no word about it.
                if estimate.seconds < 30.0 && !estimate.needs_confirmation() {
                    return Ok(());
                }
                let what = format!("making the other {} bundles", students - 1);
                confirm_long_work(estimate, &what, args.yes)
            };
            let summary = exercise::create(
                &exercise::NewExercise {
                    kind,
                    students: roster.students,
                    renamed: roster.renamed,
                    contacts: roster.contacts,
                    randomness: Randomness::from_seed(args.seed),
                },
                &args.out,
                &|done, _| progress.set(done),
                &confirm,
            )?;
            progress.finish();
            out.show(&summary)?;
            Ok(Outcome::Done)
        }
        ExerciseCommand::Gradebook(args) => {
            let platform =
                gradebook::Platform::parse(&args.format).map_err(|e| e.field("--format"))?;
            let inputs: Vec<&std::path::Path> = args.grades.iter().map(PathBuf::as_path).collect();
            let file = AtomicFile::for_flag(Some(&args.out), "--out", args.force, &inputs)?;
            let out = to(args.json, args.html.as_deref(), args.force, &inputs)?;
            let book = gradebook::merge(&args.grades, args.points)?;
            if let Some(file) = file {
                file.write_and_commit(&book.to_csv(platform))?;
            }
            out.show(&book)?;
            Ok(Outcome::Done)
        }
        ExerciseCommand::Hint(args) => {
            let out = args.page.destination(args.json, color(), &[&args.key])?;
            let grading = GradingFile::load(&args.key)?;
            out.show(&exercise::hints::release(&grading, args.level)?)?;
            Ok(Outcome::Done)
        }
        ExerciseCommand::Check(args) => {
            let inputs: Vec<&std::path::Path> = std::iter::once(args.key.as_path())
                .chain(args.csv.as_deref())
                .collect();
            let out = args.page.destination(args.json, color(), &inputs)?;
            let gradebook = gradebook::requested(&args.gradebook, args.points)?
                .map(|(format, file)| {
                    Ok::<_, Error>((
                        format,
                        AtomicFile::for_flag(Some(&file), "--gradebook", false, &inputs)?,
                    ))
                })
                .transpose()?;
            let grading = GradingFile::load(&args.key)?;
            if let Some(csv) = &args.csv {
                let grades = Grades {
                    show_answers: args.show_answers,
                    ..Grades::of_file(&grading, csv, args.points)?
                };
                out.show(&grades)?;
                // A row left out would be imported as a zero: the gradebook is whole or not written.
                if let (Some((platform, Some(file))), true) =
                    (gradebook, grades.not_graded.is_empty())
                {
                    let book = gradebook::Gradebook::of_class(&grading, &grades.rows, args.points);
                    file.write_and_commit(&book.to_csv(platform))?;
                }
                grades.all_graded(csv)?;
                return Ok(Outcome::Done);
            }
            let (Some(student), Some(answer)) = (&args.student, &args.answer) else {
                return Err(
                    InputError::new("give --student NAME --answer FLAG, or --csv FILE")
                        .field("--student")
                        .into(),
                );
            };
            let report = StudentVerdict::of(&grading, student, answer)?;
            let right = report.verdict == Verdict::Right;
            out.show(&report)?;
            Ok(if right { Outcome::Done } else { Outcome::No })
        }
    }
}

/// Where a report goes under `--color`: stdout, and the `html` page if given.
fn to(json: bool, html: Option<&Path>, force: bool, inputs: &[&Path]) -> Result<Destination> {
    Destination::new(json, color(), html, force, inputs)
}

fn stdout_error(e: std::io::Error) -> Error {
    Error::io(PathBuf::from("<stdout>"), e)
}
