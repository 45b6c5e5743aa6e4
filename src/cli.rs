//! The command line's grammar, as the design notes fix it: clap's types, from which the
//! binary parses its arguments and the man page and shell completions are generated.
//! It lives in the library so that a second front end (a GUI, a web form) and the
//! tests can build the same commands; turning the flags into library values, and
//! refusing bad ones, happens in the library modules each command calls.

// clap turns a doc comment into help text, so the types that carry none (a struct
// whose subcommand's doc comment is its help, `--color`'s values) stay without one:
// a doc comment there would change `--help`.
#![allow(missing_docs)]

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::error::Result;
use crate::schemes::{self, SchemeId, SchemeParams};

/// A lab that shows, with real cryptography, why exceptional access to encrypted
/// messages (key escrow, golden keys) weakens everyone.
#[derive(Debug, Parser)]
#[command(name = "doormat", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to colour the output: auto (on a terminal, unless NO_COLOR is set or
    /// TERM=dumb), always or never
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
    /// The same as --color never
    #[arg(long, global = true, hide = true)]
    pub no_color: bool,
}

/// `--color`'s values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

impl Cli {
    /// The colour choice the flags make (`--no-color` is kept for older scripts).
    pub fn color_choice(&self) -> crate::report::ColorChoice {
        use crate::report::ColorChoice;
        match (self.no_color, self.color) {
            (true, _) | (_, ColorWhen::Never) => ColorChoice::Never,
            (false, ColorWhen::Always) => ColorChoice::Always,
            (false, ColorWhen::Auto) => ColorChoice::Auto,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scripted classroom demo (no NAME: the flagship)
    #[command(
        after_help = "Examples:\n  doormat demo                          the flagship: a golden key leaks\n  doormat demo clear-unlock --step      pause before each act, for a class\n  doormat demo --seed 42                the same run every time (rehearsal)\n  doormat demo --seed 1 --html class.html   a page to project, act by act\n  doormat demo --file my-demo.toml      your own story (docs/scenario-format.md)"
    )]
    Demo(DemoArgs),
    /// Build a world: users, keys, traffic, and what a network tap records
    #[command(
        after_help = "Examples:\n  doormat simulate --out w --scheme golden-key\n  doormat simulate --out w --scheme split-key --agents 5 --threshold 3\n  doormat simulate --out w --scheme clear --users 4 --messages 200"
    )]
    Simulate(SimulateArgs),
    /// Open every recorded message the given keys can open, and report the blast radius
    #[command(
        after_help = "Examples:\n  doormat recover --world w --key w/keys/escrow.pem\n  doormat recover --world w --share w/keys/agent-1.share \\\n      --share w/keys/agent-2.share\n  doormat recover --world w --key w/keys/vendor.pem --phone w/phones/alice.json\n  doormat recover --world w --key w/keys/escrow.pem --out opened.jsonl --json"
    )]
    Recover(RecoverArgs),
    /// Attacks that are algorithms rather than stolen keys
    #[command(subcommand)]
    Attack(AttackCommand),
    /// Every design against the same traffic, each with the compromise it invites
    #[command(
        after_help = "Examples:\n  doormat compare --seed 1\n  doormat compare --messages 1000 --json\n  doormat compare --seed 1 --html compare.html"
    )]
    Compare(CompareArgs),
    /// Measure what escrow costs per message: CPU, bytes, mass recovery, per backend
    #[command(
        after_help = "Examples:\n  doormat bench --quick                 under a minute, RSA-2048 only\n  doormat bench --json > bench.json\n  doormat bench --quick --html bench.html"
    )]
    Bench(BenchArgs),
    /// Project measured rates onto a day of WhatsApp-sized traffic, arithmetic shown
    #[command(
        after_help = "Examples:\n  doormat scale\n  doormat scale --usd-per-core-hour 0.04 --bits 40\n  doormat bench --json > bench.json; doormat scale --rates bench.json"
    )]
    Scale(ScaleArgs),
    /// Classroom exercises: a bundle per student, and grading
    #[command(subcommand)]
    Exercise(ExerciseCommand),
    /// Serve a live class: the room's own chats, sealed in their browsers, then leaked
    #[command(
        after_help = "Examples:\n  doormat classroom --out class                    this computer only (http://127.0.0.1:8443)\n  doormat classroom --out class --bind 0.0.0.0:8443    the room's phones (HTTPS)\n  doormat classroom --out class --scheme none      the baseline: nothing to leak\n  doormat classroom --out class --demo golden-key-leak   the flagship's acts, stepped\n  doormat classroom --out class                    again after a restart: carries on\n\nThe lesson plan and the protocol: docs/classroom.md"
    )]
    Classroom(ClassroomArgs),
    /// Print a shell completion script
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
    /// Print the manual page (roff)
    #[command(after_help = "Example:\n  doormat man > doormat.1 && man ./doormat.1")]
    Man,
}

const COMPLETIONS_EXAMPLES: &str = "Examples:
  doormat completions bash > ~/.local/share/bash-completion/completions/doormat
  doormat completions zsh > ~/.zfunc/_doormat
  doormat completions fish > ~/.config/fish/completions/doormat.fish";

#[derive(Debug, Args)]
pub struct ClassroomArgs {
    /// The class's folder: a world that grows as the class talks (an earlier class's
    /// folder carries that class on)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Where to listen: loopback is served as plain HTTP, any other address as HTTPS
    /// with a certificate made for it
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8443")]
    pub bind: String,
    /// The design: golden-key (default: every message also wrapped for the escrow
    /// key) or none (the baseline)
    #[arg(long, value_name = "S")]
    pub scheme: Option<String>,
    /// Make the escrow key from this seed (rehearsals; anyone can recompute it).
    /// Tokens stay random
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// The name or address students type, when the one found for --bind is not it
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,
    /// Print one JSON line with the URLs, the teacher's token and the certificate's
    /// fingerprint, and nothing else
    #[arg(long)]
    pub json: bool,
    /// Step mode: the teacher plays this demo's acts one by one beside the class; when
    /// the story's escrow key leaks, so does the class's (golden-key-leak, for one)
    #[arg(long, value_name = "NAME")]
    pub demo: Option<String>,
    /// A code every join must carry (letters, digits, hyphens), shown on the projector:
    /// keeps out whoever has the address but is not in the room
    #[arg(long, value_name = "CODE")]
    pub join_code: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Subcommand)]
pub enum ExerciseCommand {
    /// Make one bundle per student (each with its own flag) and the instructor's folder
    #[command(
        after_help = "Examples:\n  doormat exercise new --kind leaked-golden-key --students 30 --out class\n  doormat exercise new --kind split-key --roster roster.csv --out class"
    )]
    New(ExerciseNewArgs),
    /// Grade an answer (exit 0 right, 1 wrong), or a CSV of answers
    #[command(
        after_help = "Examples:\n  doormat exercise check --key class/instructor/grading.json \\\n      --student ana --answer FLAG\n  doormat exercise check --key class/instructor/grading.json \\\n      --csv answers.csv --html grades.html"
    )]
    Check(ExerciseCheckArgs),
    /// Put several classes' grades into one gradebook file, a column per exercise
    #[command(
        after_help = "Examples:\n  doormat exercise gradebook --format canvas --out grades.csv \\\n      --grades week3/instructor/grading.json week3.csv \\\n      --grades week5/instructor/grading.json week5.csv"
    )]
    Gradebook(ExerciseGradebookArgs),
    /// Print the code that opens one of the worksheet's sealed hints, to read out or post
    #[command(
        after_help = "Example:\n  doormat exercise hint --key class/instructor/grading.json --level 1"
    )]
    Hint(ExerciseHintArgs),
}

#[derive(Debug, Args)]
pub struct ExerciseHintArgs {
    /// The instructor's grading file (DIR/instructor/grading.json)
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// Which hint, from 1 (release them in order)
    #[arg(long, value_name = "N")]
    pub level: usize,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub page: HtmlPage,
}

#[derive(Debug, Args)]
pub struct ExerciseGradebookArgs {
    /// One class: its grading file and its CSV of submissions (repeatable; a column each)
    #[arg(long, num_args = 2, value_names = ["KEY", "CSV"], required = true)]
    pub grades: Vec<PathBuf>,
    /// canvas (its gradebook import CSV), moodle (its grade import CSV) or csv
    #[arg(long, value_name = "FORMAT")]
    pub format: String,
    /// The gradebook file to write
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Points for a right answer, in every column
    #[arg(long, value_name = "N", default_value_t = 10.0)]
    pub points: f64,
    /// Replace an existing --out or --html file
    #[arg(long)]
    pub force: bool,
    /// Print the gradebook as JSON instead of a summary
    #[arg(long)]
    pub json: bool,
    /// Also write the report as one self-contained HTML page (works offline; prints well)
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExerciseNewArgs {
    /// leaked-golden-key, user-key-vs-escrow, split-key, short-key,
    /// forward-secret-window, leaf-forgery, dual-ec, evade-list, poisoned-list or
    /// locked-phone
    #[arg(long, value_name = "KIND")]
    pub kind: String,
    /// Number of students (named student01, student02, ...)
    #[arg(long, value_name = "N", conflicts_with = "roster")]
    pub students: Option<usize>,
    /// A roster: one student name per line (or a CSV whose first column is the name)
    #[arg(long, value_name = "FILE")]
    pub roster: Option<PathBuf>,
    /// The folder to create (it must not exist yet, or be empty)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Repeatable bundles, for trying an exercise out: anyone with the seed can make
    /// every flag, so never use it for graded work
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Print a JSON summary instead of text
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub page: HtmlPage,
    /// Run even when it is expected to take more than ten minutes
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct ExerciseCheckArgs {
    /// The instructor's grading file (DIR/instructor/grading.json)
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// The student who answers
    #[arg(long, value_name = "NAME", requires = "answer", conflicts_with = "csv")]
    pub student: Option<String>,
    /// The flag the student found
    #[arg(long, value_name = "FLAG", requires = "student")]
    pub answer: Option<String>,
    /// A CSV of submissions with a header naming `student` and `answer` columns
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// With --csv, also write the grades as a gradebook: FORMAT is canvas, moodle or
    /// csv; FILE must not exist yet
    #[arg(long, num_args = 2, value_names = ["FORMAT", "FILE"], requires = "csv")]
    pub gradebook: Vec<String>,
    /// Points for a right answer in the gradebook
    #[arg(long, value_name = "N", default_value_t = 10.0)]
    pub points: f64,
    /// Show each answer on the --html page (hidden by default, so that it can be
    /// projected)
    #[arg(long)]
    pub show_answers: bool,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub page: HtmlPage,
}

#[derive(Debug, Args)]
pub struct ScaleArgs {
    /// Messages a day [default: 100,000,000,000: WhatsApp, as Facebook reported in Oct 2020]
    #[arg(long, value_name = "N")]
    pub messages_per_day: Option<f64>,
    /// Messages per content key for the per-session line
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub session_size: u64,
    /// RSA-OAEP decryptions per core-second [default: measured here, RSA-2048]
    #[arg(long, value_name = "R")]
    pub rsa_per_second: Option<f64>,
    /// AES-256-GCM opens of one message per core-second [default: measured here]
    #[arg(long, value_name = "R")]
    pub aes_per_second: Option<f64>,
    /// Short-key trials per core-second [default: measured here]
    #[arg(long, value_name = "R")]
    pub trials_per_second: Option<f64>,
    /// Price of a core-hour in US dollars, to turn core-hours into money (doormat
    /// quotes no price of its own)
    #[arg(long, value_name = "USD")]
    pub usd_per_core_hour: Option<f64>,
    /// Short-key sizes to project; repeatable [default: 24, 32, 40, 56]
    #[arg(long, value_name = "N")]
    pub bits: Vec<u32>,
    /// Take the rates from a saved `doormat bench --json` (a rate flag still wins), so
    /// that a rehearsal and the class show the same sums
    #[arg(long, value_name = "FILE")]
    pub rates: Option<PathBuf>,
    /// Print one JSON object instead of text
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub page: HtmlPage,
}

impl ScaleArgs {
    /// The flags as the projection reads them.
    pub fn flags(&self) -> crate::scale::ScaleFlags {
        crate::scale::ScaleFlags {
            messages_per_day: self.messages_per_day,
            session_size: self.session_size,
            rsa_per_second: self.rsa_per_second,
            aes_per_second: self.aes_per_second,
            trials_per_second: self.trials_per_second,
            usd_per_core_hour: self.usd_per_core_hour,
            bits: self.bits.clone(),
            rates_file: self.rates.clone(),
        }
    }
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Finish in well under a minute: RSA-2048 only, shorter measurements
    #[arg(long)]
    pub quick: bool,
    /// Print one JSON document instead of the tables
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub page: HtmlPage,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Messages among the six users
    #[arg(long, value_name = "M", default_value_t = 300)]
    pub messages: u64,
    /// Repeat a run exactly (classroom use)
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Secret bits of the short-key row (16 to 24: every message is brute-forced)
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub bits: u32,
    /// Print one JSON document instead of the table
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub page: HtmlPage,
    /// Run even when it is expected to take more than ten minutes
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub enum AttackCommand {
    /// Try every key of a short-key world's message until one opens it
    #[command(
        after_help = "Examples:\n  doormat attack brute-force --world sk\n  doormat attack brute-force --world sk40 --sample 30\n  doormat attack brute-force --world notes --key notes/keys/agency.pem"
    )]
    BruteForce(BruteForceArgs),
    /// Blaze 1994: forge Clipper LEAFs that pass the receiver's 16-bit check
    #[command(after_help = "Example:\n  doormat attack leaf-forgery --trials 100 --seed 1")]
    LeafForgery(LeafForgeryArgs),
    /// Read every LEAF of a clipper world with the family key alone: who talks to whom
    #[command(
        after_help = "Example:\n  doormat attack leaf-metadata --world w --family-key w/keys/family.key"
    )]
    LeafMetadata(LeafMetadataArgs),
    /// Shumow and Ferguson 2007: predict a dual-ec world's content keys from its public
    /// randomness with the backdoor d
    #[command(
        after_help = "Examples:\n  doormat attack dual-ec --world w --backdoor w/keys/designer.key\n  doormat attack dual-ec --world juniper --backdoor juniper/keys/intruder.key --json"
    )]
    DualEc(DualEcArgs),
    /// Client-side scanning: add an image's hash to a client-scan world's list and
    /// learn who sent it
    #[command(
        after_help = "Examples:\n  doormat attack poison --world w --image w/gallery/poster.png\n  doormat attack poison --world w --image poster.png --trials 100 --json"
    )]
    Poison(PoisonArgs),
    /// Forge an image that looks like --from but matches --target's PDQ hash
    #[command(
        after_help = "Examples:\n  doormat attack collide --target w/gallery/known-1.png --from cat.png --out forged.png\n  doormat attack collide --trials 100 --json"
    )]
    Collide(CollideArgs),
    /// Make an image that looks like --image but escapes its PDQ hash's match
    #[command(
        after_help = "Examples:\n  doormat attack evade --image w/gallery/known-1.png --out evaded.png\n  doormat attack evade --trials 100 --json"
    )]
    Evade(EvadeArgs),
}

#[derive(Debug, Args)]
pub struct PoisonArgs {
    /// The world directory (a client-scan world)
    #[arg(long, value_name = "DIR")]
    pub world: PathBuf,
    /// The image to add to the list (a PNG)
    #[arg(long, value_name = "FILE")]
    pub image: PathBuf,
    /// Also add N generated pictures one at a time and report how often a shared copy
    /// is caught with no false report
    #[arg(long, value_name = "N")]
    pub trials: Option<u32>,
    /// Repeat the trials exactly
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Print one JSON object instead of text
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub page: HtmlPage,
}

/// Flags the two image attacks share.
#[derive(Debug, Args)]
pub struct ImageAttackFlags {
    /// Where the made image goes (a PNG)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// A match is a Hamming distance of at most N bits [default: 31, Meta's guidance]
    #[arg(long, value_name = "N", default_value_t = 31)]
    pub threshold: u32,
    /// Also run the attack on N generated 512x512 pictures and report its success rate
    #[arg(long, value_name = "N")]
    pub trials: Option<u32>,
    /// Which generated pictures the trials use
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Replace an existing --out or --html
    #[arg(long)]
    pub force: bool,
    /// Print one JSON object instead of text
    #[arg(long)]
    pub json: bool,
    /// Also write the report as one self-contained HTML page (works offline; prints well)
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CollideArgs {
    /// The image whose hash the forgery must match (a PNG)
    #[arg(long, value_name = "A.png")]
    pub target: Option<PathBuf>,
    /// The image the forgery must look like (a PNG)
    #[arg(long, value_name = "B.png")]
    pub from: Option<PathBuf>,
    #[command(flatten)]
    pub flags: ImageAttackFlags,
}

#[derive(Debug, Args)]
pub struct EvadeArgs {
    /// The image to disguise (a PNG)
    #[arg(long, value_name = "A.png")]
    pub image: Option<PathBuf>,
    #[command(flatten)]
    pub flags: ImageAttackFlags,
}

#[derive(Debug, Args)]
pub struct DualEcArgs {
    /// The world directory (a dual-ec world)
    #[arg(long, value_name = "DIR")]
    pub world: PathBuf,
    /// A backdoor file: d, and the Q it was made for (keys/NAME.key)
    #[arg(long, value_name = "FILE")]
    pub backdoor: PathBuf,
    /// Print one JSON object instead of text
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub page: HtmlPage,
}

#[derive(Debug, Args)]
pub struct LeafForgeryArgs {
    /// Forgeries to run
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub trials: u64,
    /// Repeat a run exactly (classroom use)
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Print one JSON object instead of text
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub page: HtmlPage,
}

#[derive(Debug, Args)]
pub struct LeafMetadataArgs {
    /// The world directory (a clipper world)
    #[arg(long, value_name = "DIR")]
    pub world: PathBuf,
    /// The family key every device shares (keys/family.key)
    #[arg(long, value_name = "FILE")]
    pub family_key: PathBuf,
    /// Print one JSON object instead of text
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub page: HtmlPage,
}

#[derive(Debug, Args)]
pub struct BruteForceArgs {
    /// The world directory (a short-key or workfactor world)
    #[arg(long, value_name = "DIR")]
    pub world: PathBuf,
    /// workfactor: the agency's key (keys/agency.pem), which reads the escrowed bits
    /// from the workfactor reduction field and leaves the rest to search
    #[arg(long, value_name = "PEM")]
    pub key: Option<PathBuf>,
    /// Which message to attack (default: the first in the capture)
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// Search even when it is expected to take more than ten minutes
    #[arg(long)]
    pub yes: bool,
    /// Search for this many seconds only, then extrapolate from the measured rate
    #[arg(long, value_name = "SECONDS")]
    pub sample: Option<f64>,
    /// Worker threads (default: every core)
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Where to search: cpu (the default), gpu (a compute shader through wgpu, on
    /// Vulkan, Metal or DX12), or auto (the GPU where there is graphics hardware,
    /// else the CPU)
    #[arg(long, value_name = "DEVICE")]
    pub device: Option<String>,
    /// How to try each key: vaes-512, vaes-256 or aes-ni (the widest the CPU has is the
    /// default), gpu (as --device gpu), portable, or full-open (a whole AES-GCM open
    /// per key, the slow reference)
    #[arg(long, value_name = "METHOD")]
    pub method: Option<String>,
    /// Print one JSON object instead of text, and nothing before it
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub page: HtmlPage,
}

#[derive(Debug, Args)]
// --html and --slides may come together; --force replaces either.
#[command(group(clap::ArgGroup::new("page_out").multiple(true)))]
pub struct DemoArgs {
    /// Which demo (see --list); the flagship if left out
    pub name: Option<String>,
    /// List the demos, one line each
    #[arg(long)]
    pub list: bool,
    /// Run your own scenario file (format: docs/scenario-format.md)
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Repeat a run exactly (classroom use: the run is predictable to anyone with the seed)
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Print the results of each act as one JSON document
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub page: HtmlPage,
    /// Also write the run as slides for a projector: one act a screen, arrow keys
    /// step, N shows the speaker notes (one self-contained HTML file)
    #[arg(long, value_name = "FILE", group = "page_out")]
    pub slides: Option<PathBuf>,
    /// Pause before each act: Enter continues, q quits
    #[arg(long)]
    pub step: bool,
}

impl DemoArgs {
    /// Where the run goes: stdout as `json` and `color` say, the `--html` page and the
    /// `--slides` deck. Neither file may be an input or the other.
    pub fn destination(
        &self,
        color: crate::report::ColorChoice,
        inputs: &[&std::path::Path],
    ) -> Result<crate::report::Destination> {
        let mut given = inputs.to_vec();
        given.extend(self.page.html.as_deref());
        let slides = crate::fsutil::AtomicFile::for_flag(
            self.slides.as_deref(),
            "--slides",
            self.page.force,
            &given,
        )?;
        Ok(self
            .page
            .destination(self.json, color, inputs)?
            .with_slides(slides))
    }
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Directory to create the world in
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Exceptional-access design (the list: doormat simulate --help)
    #[arg(long, value_name = "S", long_help = crate::schemes::registry::design_help())]
    pub scheme: String,
    /// Number of users (alice, bob, ..., judy, user11, ...)
    #[arg(long, value_name = "N", default_value_t = 6)]
    pub users: usize,
    /// Number of messages to send
    #[arg(long, value_name = "M", default_value_t = 1000)]
    pub messages: u64,
    /// Derive every key and message from this seed (classroom use only: keys become predictable)
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// RSA key size: 2048, 3072 or 4096
    #[arg(long, value_name = "B", default_value_t = 2048)]
    pub key_bits: usize,
    /// Messages per content key (1: a fresh key per message; more: per-session keying)
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub session_size: u64,
    #[command(flatten)]
    pub design: schemes::DesignFlags,
    /// Save what malware on NAME's device would steal just after logical time T
    /// (snapshots/NAME@T.json); repeatable. For none, golden-key and forward-secret
    #[arg(long = "snapshot", value_name = "NAME@T")]
    pub snapshots: Vec<String>,
    /// Replace an existing world in DIR, keys included (and an existing --html)
    #[arg(long)]
    pub force: bool,
    /// Print a JSON summary instead of text
    #[arg(long)]
    pub json: bool,
    /// Also write the report as one self-contained HTML page (works offline; prints well)
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Run even when it is expected to take more than ten minutes
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// The world directory (written by simulate)
    #[arg(long, value_name = "DIR")]
    pub world: PathBuf,
    /// A private key (PEM) the attacker holds; repeat for several
    #[arg(long = "key", value_name = "PEM", required_unless_present_any = ["shares", "family_key", "states", "phones"])]
    pub keys: Vec<PathBuf>,
    /// An escrow agent's file: a share of a split escrow key (keys/agent-I.share), or
    /// Clipper unit-key halves (keys/unit-agent-I.json); repeat for several
    #[arg(long = "share", value_name = "FILE")]
    pub shares: Vec<PathBuf>,
    /// clipper: the family key, needed to read any LEAF (keys/family.key)
    #[arg(long, value_name = "FILE")]
    pub family_key: Option<PathBuf>,
    /// clipper: the one device a warrant names; only its unit key is released
    #[arg(long, value_name = "NAME")]
    pub device: Option<String>,
    /// A stolen device (snapshots/NAME@T.json from simulate --snapshot): opens what
    /// that device could still open at T and after; repeatable
    #[arg(long = "state", value_name = "FILE")]
    pub states: Vec<PathBuf>,
    /// clear: a phone in the attacker's hands, locked (phones/NAME.json); with the
    /// vendor's key (--key keys/vendor.pem) it opens; repeatable
    #[arg(long = "phone", value_name = "FILE")]
    pub phones: Vec<PathBuf>,
    /// Write the opened messages here, as JSON lines like truth.jsonl
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace an existing --out or --html file
    #[arg(long)]
    pub force: bool,
    /// Also write the report as one self-contained HTML page, charts as inline SVG
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Run even when it is expected to take more than ten minutes
    #[arg(long)]
    pub yes: bool,
    /// Print one JSON object instead of text
    #[arg(long)]
    pub json: bool,
}

/// `--html FILE`, for the commands whose report can be a page.
#[derive(Debug, Args)]
pub struct HtmlPage {
    /// Also write the report as one self-contained HTML page, charts as inline SVG
    /// (works offline; prints well)
    #[arg(long, value_name = "FILE", group = "page_out")]
    pub html: Option<PathBuf>,
    /// Replace an existing --html file
    #[arg(long, requires = "page_out")]
    pub force: bool,
}

impl HtmlPage {
    /// Where the report goes: stdout as `json` and `color` say, and this page.
    pub fn destination(
        &self,
        json: bool,
        color: crate::report::ColorChoice,
        inputs: &[&std::path::Path],
    ) -> Result<crate::report::Destination> {
        crate::report::Destination::new(json, color, self.html.as_deref(), self.force, inputs)
    }
}

impl SimulateArgs {
    /// Where the summary goes: stdout, and the `--html` page, which may not be inside
    /// the world's folder: a world holds only what doormat writes there, and `--force`
    /// replaces the folder whole.
    pub fn destination(
        &self,
        color: crate::report::ColorChoice,
    ) -> Result<crate::report::Destination> {
        let inside = |html: &std::path::Path| {
            let parent = html.parent().filter(|p| !p.as_os_str().is_empty());
            let parent = parent.unwrap_or(std::path::Path::new("."));
            match (parent.canonicalize(), self.out.canonicalize()) {
                (Ok(parent), Ok(world)) => parent.starts_with(world),
                _ => false,
            }
        };
        if let Some(html) = self.html.as_deref().filter(|html| inside(html)) {
            return Err(crate::error::InputError::new(format!(
                "is inside the world's folder {}",
                self.out.display()
            ))
            .file(html)
            .field("--html")
            .hint("write the page outside the world, beside it")
            .into());
        }
        let html = self.html.as_deref();
        crate::report::Destination::new(self.json, color, html, self.force, &[])
    }

    /// The design's parameters from these flags, refusing a flag the chosen scheme does
    /// not take.
    pub fn scheme_params(&self, scheme: SchemeId) -> Result<SchemeParams> {
        let users: Vec<String> = (0..self.users).map(crate::wire::names::user_name).collect();
        let world = schemes::registry::WorldShape {
            users: &users,
            messages: self.messages,
            session_size: self.session_size,
        };
        Ok(self.design.params(scheme, &world)?)
    }
}
