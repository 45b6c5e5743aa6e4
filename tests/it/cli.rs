//! The conventions of a well-behaved command-line tool: help that fits 80 columns with
//! examples, one --color switch for every command, silence when the reader hangs up,
//! completions, a man page, and a guess for a mistyped name.

use std::io::Read;
use std::process::{Command, Stdio};

use crate::util::*;

/// Every command, as its words on the command line.
const COMMANDS: [&[&str]; 16] = [
    &[],
    &["demo"],
    &["simulate"],
    &["recover"],
    &["attack"],
    &["attack", "brute-force"],
    &["attack", "leaf-forgery"],
    &["attack", "leaf-metadata"],
    &["compare"],
    &["bench"],
    &["scale"],
    &["exercise"],
    &["exercise", "new"],
    &["exercise", "check"],
    &["completions"],
    &["man"],
];

fn run_with_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(bin());
    command
        .args(args)
        .env_remove("NO_COLOR")
        .stdin(Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("doormat runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn every_help_fits_80_columns_and_the_commands_show_examples() {
    for words in COMMANDS {
        let mut args = words.to_vec();
        args.push("--help");
        let run = run_with_env(&args, &[("COLUMNS", "80")]);
        run.ok();
        for line in run.stdout.lines() {
            assert!(line.chars().count() <= 80, "{words:?}: {line}");
        }
        // Every command that does work shows how it is used.
        let groups = [&[][..], &["attack"][..], &["exercise"][..]];
        if !groups.contains(&words) {
            assert!(run.stdout.contains("Example"), "{words:?}: no example");
        }
    }
}

#[test]
fn one_color_switch_for_every_command() {
    independent_of_rsa_backend!();
    let dir = scratch("cli-color");
    let ansi = "\x1b[";
    // A quick seeded demo: colour is the subject, not what the command computes (compare
    // spends ten seconds in the Dual_EC search before it prints).
    let quick = ["demo", "export-grade", "--seed", "1"];
    let with = |extra: &[&'static str]| [&quick[..], extra].concat();
    let always = doormat(&dir, &[&["--color", "always"][..], &quick[..]].concat());
    assert!(
        always.ok().stdout.contains(ansi),
        "--color always colours a pipe"
    );
    let never = doormat(&dir, &with(&["--color", "never"]));
    assert!(!never.ok().stdout.contains(ansi));
    let auto = doormat(&dir, &quick);
    assert!(!auto.ok().stdout.contains(ansi), "a pipe is not a terminal");
    // An explicit flag outranks NO_COLOR, as no-color.org asks.
    let flagged = run_with_env(&with(&["--color", "always"]), &[("NO_COLOR", "1")]);
    assert!(flagged.ok().stdout.contains(ansi));
    // compare colours its table through the same switch.
    let compared = doormat(
        &dir,
        &[
            "compare",
            "--messages",
            "10",
            "--seed",
            "1",
            "--color",
            "always",
        ],
    );
    assert!(
        compared.ok().stdout.contains(ansi),
        "compare under --color always"
    );
    // --no-color, the older spelling, is accepted by every command that runs.
    for args in [
        &["demo", "--list", "--no-color"][..],
        &["scale", "--no-color", "--json"][..],
        &["attack", "leaf-forgery", "--trials", "1", "--no-color"][..],
        &["simulate", "--color", "never", "--help"][..],
    ] {
        doormat(&dir, args).ok();
    }
    doormat(&dir, &["demo", "--color", "sometimes"]).refused(&["sometimes"]);
}

/// `doormat demo | head -1`: the reader hangs up, and doormat ends quietly with 0.
#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    independent_of_rsa_backend!();
    for args in [
        &["demo", "--seed", "1"][..],
        &["demo", "--seed", "1", "--json"][..],
        &["demo", "--list"][..],
        &["compare", "--seed", "1"][..],
        &["man"][..],
        &["completions", "bash"][..],
    ] {
        let mut child = Command::new(bin())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .dies_with_test()
            .spawn()
            .expect("doormat runs");
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 1];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

#[test]
fn completions_and_the_man_page_cover_every_command() {
    let dir = scratch("cli-completions");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = doormat(&dir, &["completions", shell]).ok().stdout.clone();
        for command in ["demo", "simulate", "recover", "brute-force", "exercise"] {
            assert!(script.contains(command), "{shell}: {command}");
        }
    }
    let page = doormat(&dir, &["man"]).ok().stdout.clone();
    assert!(page.contains(".TH doormat 1"), "{page}");
    for command in ["demo", "simulate", "recover", "compare", "completions"] {
        assert!(page.contains(command), "man page lacks {command}");
    }
    doormat(&dir, &["completions", "tcsh"]).refused(&["tcsh"]);
}

#[test]
fn a_mistyped_design_gets_a_guess() {
    let dir = scratch("cli-guess");
    doormat(&dir, &["simulate", "--out", "w", "--scheme", "slipt-key"])
        .refused(&["--scheme", "did you mean split-key?"]);
    doormat(&dir, &["simulate", "--out", "w", "--scheme", "qwerty"]).refused(&["known schemes"]);
    assert!(!dir.join("w").exists());
}

/// A path or a name from outside that holds an escape sequence is shown escaped in an
/// error, never obeyed by the terminal.
#[test]
fn errors_show_control_characters_escaped() {
    let dir = scratch("cli-escape");
    let hostile = "w\u{1b}]0;pwned\u{7}\u{1b}[2J";
    let run = doormat(&dir, &["recover", "--world", hostile, "--key", "k.pem"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        !run.stderr.contains('\u{1b}') && !run.stderr.contains('\u{7}'),
        "{:?}",
        run.stderr
    );
    assert!(run.stderr.contains("\\u{1b}"), "{}", run.stderr);
    let scenario = dir.join("bell.toml");
    std::fs::write(
        &scenario,
        "name = \"bell\"\nsummary = \"A bell.\"\nsources = [\"x\"]\n[world]\nusers = [\"ana\", \"ben\"]\nscheme = \"none\"\n[[act]]\ntitle = \"Ring\"\nsay = \"\\u0007\\u001b[2J\"\n",
    )
    .unwrap();
    doormat(&dir, &["demo", "--file", s(&scenario)]).refused(&[
        "bell.toml",
        "act[1].say",
        "control character U+0007",
    ]);
}

/// `DOORMAT_RSA_BACKEND` picks the RSA backend of a run (the suite's second pass uses
/// it); a name that is no backend of this build is refused before anything runs.
#[test]
fn the_rsa_backend_can_be_chosen_at_run_time_and_nonsense_is_refused() {
    let json = |backend: &str| {
        let run = run_with_env(&["scale", "--json"], &[("DOORMAT_RSA_BACKEND", backend)]);
        let value: serde_json::Value = serde_json::from_str(&run.ok().stdout).unwrap();
        value["inputs"]["rates_from"].as_str().unwrap().to_owned()
    };
    assert!(json("rsa").contains("RSA on rsa "), "{}", json("rsa"));
    #[cfg(feature = "aws-lc-rs")]
    assert!(json("aws-lc-rs").contains("RSA on aws-lc-rs "));
    let refused = run_with_env(&["scale"], &[("DOORMAT_RSA_BACKEND", "openssl")]);
    refused.refused(&["DOORMAT_RSA_BACKEND", "openssl", "rsa"]);
    assert!(refused.stdout.is_empty());
}
