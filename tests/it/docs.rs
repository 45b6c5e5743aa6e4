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
