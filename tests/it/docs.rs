//! docs/wire-format.md's worked example, run exactly as a student would run it.

use std::collections::HashMap;

use crate::util::*;

/// The code blocks the doc marks with `<!-- worked-example: NAME -->`.
pub fn worked_example_blocks() -> HashMap<String, String> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/wire-format.md"))
        .unwrap();
    let marker =
        regex::Regex::new(r"(?s)<!-- worked-example: (\S+) -->\n```\w*\n(.*?)```").unwrap();
    marker
        .captures_iter(&doc)
        .map(|c| (c[1].to_owned(), c[2].to_owned()))
        .collect()
}

#[test]
fn the_worked_example_prints_what_the_doc_says() {
    require_python();
    let blocks = worked_example_blocks();
    let dir = scratch("worked-example");
    for name in ["slot.py", "open.py", "steps.sh"] {
        std::fs::write(dir.join(name), &blocks[name]).unwrap();
    }
    let bin_dir = std::path::Path::new(bin()).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = std::process::Command::new("sh")
        .arg("-e")
        .arg("steps.sh")
        .current_dir(&dir)
        .env("PATH", path)
        .output()
        .expect("sh runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout, blocks["expected-output"]);
}

/// docs/schemes.md quotes `doormat compare --seed 1`; the quote must stay true.
#[test]
fn the_comparison_quoted_in_the_docs_is_what_doormat_prints() {
    independent_of_rsa_backend!();
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/schemes.md")).unwrap();
    let marker =
        regex::Regex::new(r"(?s)<!-- output-of: compare --seed 1 -->\n```text\n(.*?)```").unwrap();
    let quoted = &marker
        .captures(&doc)
        .expect("docs/schemes.md quotes the comparison")[1];
    let run = doormat(&scratch("docs-compare"), &["compare", "--seed", "1"]);
    assert_eq!(run.ok().stdout, quoted);
}

/// docs/schemes.md quotes the forward-secrecy demo's closing table; it must stay true.
#[test]
fn the_forward_secrecy_table_quoted_in_the_docs_is_what_the_demo_prints() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/schemes.md")).unwrap();
    let marker = regex::Regex::new(
        r"(?s)<!-- excerpt-of: demo forward-secrecy --seed 42 -->\n```text\n(.*?)```",
    )
    .unwrap();
    let quoted = &marker
        .captures(&doc)
        .expect("docs/schemes.md quotes the forward-secrecy table")[1];
    let run = doormat(
        &scratch("docs-fs-demo"),
        &["demo", "forward-secrecy", "--seed", "42"],
    );
    assert!(run.ok().stdout.contains(quoted), "{}", run.stdout);
}

/// docs/scenario-format.md's complete example runs as printed, and its quoted error is
/// what a typo in it really gives.
#[test]
fn the_scenario_format_example_runs_and_its_error_is_true() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/scenario-format.md"
    ))
    .unwrap();
    let example =
        regex::Regex::new(r"(?s)<!-- scenario: tested by tests/it/docs.rs -->\n```toml\n(.*?)```")
            .unwrap()
            .captures(&doc)
            .expect("the complete example")[1]
            .to_owned();
    let quoted_error = regex::Regex::new(r"(?s)<!-- error-of: [^>]*-->\n```text\n(.*?)```")
        .unwrap()
        .captures(&doc)
        .expect("the quoted error")[1]
        .to_owned();
    let dir = scratch("docs-scenario");
    std::fs::write(dir.join("example.toml"), &example).unwrap();
    let run = doormat(
        &dir,
        &["demo", "--file", "example.toml", "--seed", "1", "--json"],
    );
    let json = run.ok().json();
    assert_eq!(json["demo"], "our-class");
    assert_eq!(json["acts"].as_array().unwrap().len(), 3);
    std::fs::write(
        dir.join("my-demo.toml"),
        example.replacen("key = \"escrow\"", "key = \"escrw\"", 1),
    )
    .unwrap();
    let broken = doormat(&dir, &["demo", "--file", "my-demo.toml"]);
    assert_eq!(broken.code, 2);
    assert_eq!(broken.stderr, quoted_error);
}

/// docs/teaching-guide.md has, for every demo doormat lists, a goal, a 10-minute plan,
/// three discussion questions and the command that runs it.
#[test]
fn the_teaching_guide_covers_every_demo() {
    let guide = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/teaching-guide.md"
    ))
    .unwrap();
    let list = doormat(&scratch("docs-guide"), &["demo", "--list", "--json"])
        .ok()
        .json();
    let names: Vec<String> = list["demos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(names.len() >= 12);
    for name in names {
        let start = guide
            .find(&format!("\n## {name}"))
            .unwrap_or_else(|| panic!("no section for {name}"));
        let section = &guide[start + 1..];
        let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
        assert!(
            section.contains(&format!("doormat demo {name} ")),
            "{name}: command"
        );
        for part in ["**Goal.**", "**Lesson plan (10 min).**", "**Discussion.**"] {
            assert!(section.contains(part), "{name}: {part}");
        }
        let questions = &section[section.find("**Discussion.**").unwrap()..];
        for n in ["1. ", "2. ", "3. "] {
            assert!(questions.contains(n), "{name}: question {n}");
        }
    }
}

/// docs/lesson-plans.md: each plan's rows run without gap from minute 0 to its length;
/// every demo it runs exists and has a measured time beside it; every exercise it hands
/// out is one doormat makes; and the README's first screen leads a teacher to it.
#[test]
fn the_lesson_plans_name_real_demos_and_exercises_and_add_up() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let plans = std::fs::read_to_string(root.join("docs/lesson-plans.md")).unwrap();
    assert!(!plans.contains('@'), "a timing was left unfilled");
    let list = doormat(&scratch("docs-plans"), &["demo", "--list", "--json"])
        .ok()
        .json();
    let demos: Vec<&str> = list["demos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    let row = regex::Regex::new(r"(?m)^\|\s*(\d+)-(\d+)\s*\|([^|]*)\|([^|]*)\|$").unwrap();
    let mut lengths = Vec::new();
    for section in plans.split("\n## ").skip(1) {
        let title = section.lines().next().unwrap();
        let Some(length) = title.split(' ').next().and_then(|m| m.parse::<u32>().ok()) else {
            continue;
        };
        let mut at = 0;
        for cells in row.captures_iter(section) {
            let (from, to): (u32, u32) = (cells[1].parse().unwrap(), cells[2].parse().unwrap());
            assert_eq!(from, at, "{title}: a gap or overlap at minute {from}");
            assert!(to > from, "{title}: {from}-{to}");
            at = to;
            if let Some(name) = cells[3].split('`').nth(1) {
                assert!(demos.contains(&name), "{title}: no demo called {name}");
                let took = cells[4].trim().trim_end_matches(" s");
                assert!(
                    took.parse::<f64>().is_ok(),
                    "{title}: {name} runs in {took:?}"
                );
            }
        }
        assert_eq!(at, length, "{title}: the rows end at minute {at}");
        lengths.push(length);
    }
    assert_eq!(lengths, [50, 90]);
    for command in regex::Regex::new(r"doormat demo ([a-z0-9-]+)")
        .unwrap()
        .captures_iter(&plans)
    {
        assert!(
            demos.contains(&&command[1]),
            "no demo called {}",
            &command[1]
        );
    }
    for kind in regex::Regex::new(r"--kind ([a-z0-9-]+)")
        .unwrap()
        .captures_iter(&plans)
    {
        assert!(
            root.join(format!("docs/exercises/{}.md", &kind[1]))
                .is_file(),
            "no exercise kind {}",
            &kind[1]
        );
        let help = doormat(&scratch("docs-plans"), &["exercise", "new", "--help"]);
        assert!(
            help.ok().stdout.contains(&kind[1]),
            "exercise new --help lacks {}",
            &kind[1]
        );
    }
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let first_screen: String = readme.lines().take(40).collect::<Vec<_>>().join("\n");
    for needed in [
        "cargo run --release -- demo",
        "(docs/lesson-plans.md)",
        "(docs/teaching-guide.md)",
    ] {
        assert!(
            first_screen.contains(needed),
            "README's first 40 lines lack {needed}"
        );
    }
}
