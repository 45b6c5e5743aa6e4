//! `doormat exercise`: bundles a student solves with Python and openssl alone, and the
//! grading of their answers.

use std::path::{Path, PathBuf};

use crate::util::*;

/// Every kind, the scanning ones too.
const ALL_KINDS: [&str; 10] = [
    "leaked-golden-key",
    "user-key-vs-escrow",
    "split-key",
    "short-key",
    "forward-secret-window",
    "leaf-forgery",
    "dual-ec",
    "evade-list",
    "poisoned-list",
    "locked-phone",
];

/// The kinds exercise_solver.py solves: all but the two client-side scanning ones
/// (scan_solver.py's, which needs Meta's PDQ).
fn solver_kinds() -> impl Iterator<Item = &'static str> {
    ALL_KINDS
        .into_iter()
        .filter(|k| !matches!(*k, "evade-list" | "poisoned-list"))
}

fn new_exercise(dir: &Path, kind: &str, seed: &str) -> PathBuf {
    doormat(
        dir,
        &[
            "exercise",
            "new",
            "--kind",
            kind,
            "--students",
            "2",
            "--out",
            kind,
            "--seed",
            seed,
        ],
    )
    .ok();
    dir.join(kind)
}

/// What exercise_solver.py (Python `cryptography` and openssl, no doormat) finds.
fn solve(kind: &str, bundle: &Path) -> String {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/interop/exercise_solver.py"
    );
    // forward-secret-window is solved with the follow.py the bundle itself carries.
    let follow = bundle.join("tools/follow.py");
    let output = std::process::Command::new(crate::util::python())
        .args([script, kind, s(bundle)])
        .env("FOLLOW_PY", &follow)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{kind}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn check(dir: &Path, grading: &Path, student: &str, answer: &str) -> Run {
    doormat(
        dir,
        &[
            "exercise",
            "check",
            "--key",
            s(grading),
            "--student",
            student,
            "--answer",
            answer,
        ],
    )
}

/// A bundle works offline: the wire format, the worksheet (its hints sealed) and the
/// helper scripts it uses are in it, identical to the repository's, and every file its
/// task sheet names is there.
fn assert_self_contained(kind: &str, bundle: &Path) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert_eq!(
        std::fs::read_to_string(bundle.join("docs/wire-format.md")).unwrap(),
        std::fs::read_to_string(repo.join("docs/wire-format.md")).unwrap(),
        "{kind}: the wire format"
    );
    let sheet = format!("docs/exercises/{kind}.md");
    let (repo_body, _) = std::fs::read_to_string(repo.join(&sheet))
        .unwrap()
        .split_once("\n## Hints")
        .map(|(body, hints)| (body.to_owned(), hints.to_owned()))
        .unwrap();
    let (bundle_body, sealed) = std::fs::read_to_string(bundle.join(&sheet))
        .unwrap()
        .split_once("\n## Hints")
        .map(|(body, hints)| (body.to_owned(), hints.to_owned()))
        .unwrap();
    assert_eq!(bundle_body, repo_body, "{kind}: the worksheet");
    assert!(sealed.contains("tools/hint.py N CODE"), "{kind}: {sealed}");
    let blocks = crate::docs::worked_example_blocks();
    for entry in std::fs::read_dir(bundle.join("tools")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name != "hint.py" {
            assert_eq!(
                std::fs::read_to_string(bundle.join("tools").join(&name)).unwrap(),
                blocks[&name],
                "{kind}: tools/{name}"
            );
        }
    }
    assert!(!bundle.join("docs/exercises/solutions").exists());
    let sheet = std::fs::read_to_string(bundle.join("README.md")).unwrap();
    let named =
        regex::Regex::new(r"`((?:docs|tools|keys|leaks)/[^`*]+|world\.json|capture\.jsonl)`")
            .unwrap();
    for path in named.captures_iter(&sheet) {
        // keys/NAME.pub.pem is a pattern, not a file.
        if !path[1].contains("NAME") {
            let named = bundle.join(&path[1]);
            assert!(named.exists(), "{kind}: the sheet names {}", &path[1]);
        }
    }
}

#[test]
fn every_kind_is_solved_the_way_a_student_would_and_graded() {
    independent_of_rsa_backend!();
    require_python();
    for kind in solver_kinds() {
        let dir = scratch("exercise-solve");
        let out = new_exercise(&dir, kind, "4");
        assert_self_contained(kind, &out.join("student01"));
        let grading = out.join("instructor/grading.json");
        let first = solve(kind, &out.join("student01"));
        let second = solve(kind, &out.join("student02"));
        assert_ne!(
            first, second,
            "{kind}: each student has a flag of their own"
        );
        check(&dir, &grading, "student01", &first).ok();
        check(&dir, &grading, "student02", &second).ok();
        let shared = check(&dir, &grading, "student01", &second);
        assert_eq!(shared.code, 1, "{kind}: {}", shared.stdout);
        if kind == "leaf-forgery" {
            // A forged LEAF is checked against the student's own message: a neighbour's
            // passes only their chip's check, and the genuine LEAF is no forgery.
            let genuine = genuine_leaf(&out.join("student01"));
            assert_eq!(check(&dir, &grading, "student01", &genuine).code, 1);
            let zeros = format!("doormat{{{}}}", "0".repeat(92));
            assert_eq!(check(&dir, &grading, "student01", &zeros).code, 1);
        } else {
            assert!(
                shared.stdout.contains("student02's flag"),
                "{}",
                shared.stdout
            );
            let decoy = check(&dir, &grading, "student01", "doormat{0123456789abcdef0123}");
            assert_eq!(decoy.code, 1);
        }
        check(&dir, &grading, "student01", "the flag").refused(&["--answer", "not a flag"]);
        check(&dir, &grading, "nobody", &first).refused(&["--student", "not a student"]);
        // The roster's name in another case is the same student.
        assert_eq!(check(&dir, &grading, "STUDENT01", &first).code, 0);
    }
}

/// The LEAF the student's own chip made for the exercise message, as a would-be answer.
fn genuine_leaf(bundle: &Path) -> String {
    use base64::Engine;
    let mine: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(bundle.join("leaks/my-message.json")).unwrap(),
    )
    .unwrap();
    let capture = read_jsonl(&bundle.join("capture.jsonl"));
    let envelope = capture.iter().find(|e| e["id"] == mine["id"]).unwrap();
    let leaf = base64::engine::general_purpose::STANDARD
        .decode(envelope["leaf"].as_str().unwrap())
        .unwrap();
    let hex: String = leaf.iter().map(|b| format!("{b:02x}")).collect();
    format!("doormat{{{hex}}}")
}

#[test]
fn bundles_hold_only_what_a_student_may_see() {
    independent_of_rsa_backend!();
    let dir = scratch("exercise-bundle");
    let out = new_exercise(&dir, "split-key", "1");
    let bundle = out.join("student01");
    let world = std::fs::read_to_string(bundle.join("world.json")).unwrap();
    assert!(
        !world.contains("\"seed\""),
        "the seed would give every key away"
    );
    assert!(!bundle.join("truth.jsonl").exists());
    let mut private = Vec::new();
    // docs/ is the repository's own documentation (checked identical to it), whose
    // examples show the shape of a PEM header.
    let docs = bundle.join("docs");
    for entry in walk(&bundle).into_iter().filter(|p| !p.starts_with(&docs)) {
        let text = std::fs::read_to_string(&entry).unwrap_or_default();
        if text.contains("PRIVATE KEY") {
            private.push(entry.clone());
        }
    }
    assert!(
        private.is_empty(),
        "private keys in a split-key bundle: {private:?}"
    );
    let shares: Vec<PathBuf> = walk(&bundle.join("leaks"));
    assert_eq!(shares.len(), 3, "three of five shares leak");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for path in shares.iter().chain([&out.join("instructor/grading.json")]) {
            let mode = std::fs::metadata(path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", path.display());
        }
    }
    let readme = std::fs::read_to_string(bundle.join("README.md")).unwrap();
    assert!(readme.contains("student01") && readme.contains("docs/exercises/split-key.md"));
}

/// The files below `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    tree(dir).into_iter().filter(|p| p.is_file()).collect()
}

#[test]
fn a_csv_of_submissions_is_graded_in_one_command() {
    independent_of_rsa_backend!();
    let dir = scratch("exercise-csv");
    let out = new_exercise(&dir, "leaked-golden-key", "2");
    let grading = out.join("instructor/grading.json");
    let answers = std::fs::read_to_string(out.join("instructor/answers.csv")).unwrap();
    let flag = |student: &str| {
        answers
            .lines()
            .find(|l| l.starts_with(&format!("{student},")))
            .unwrap()
            .split(',')
            .nth(1)
            .unwrap()
            .to_owned()
    };
    let csv = dir.join("submissions.csv");
    std::fs::write(
        &csv,
        format!("student,answer\nstudent01,{}\n", flag("student01")),
    )
    .unwrap();
    let run = doormat(
        &dir,
        &["exercise", "check", "--key", s(&grading), "--csv", s(&csv)],
    );
    assert!(
        run.ok().stdout.contains("1 right, 0 wrong"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("no answer"));
    std::fs::write(
        &csv,
        format!(
            "answer,student\n{},student01\n{},student02\n",
            flag("student02"),
            flag("student02")
        ),
    )
    .unwrap();
    let doc = doormat(
        &dir,
        &[
            "exercise",
            "check",
            "--key",
            s(&grading),
            "--csv",
            s(&csv),
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(doc["right"], 1);
    assert_eq!(doc["rows"][0]["verdict"], "another-students-flag");
    assert_eq!(doc["rows"][0]["of"], "student02");
    assert_eq!(doc["rows"][1]["verdict"], "right");

    // A broken row is reported with its line; the others are graded all the same, and
    // the exit code says that not every row was.
    std::fs::write(
        &csv,
        format!(
            "student,answer\nStudent02,{}\nstudent01,\"doormat{{\n",
            flag("student02")
        ),
    )
    .unwrap();
    let run = doormat(
        &dir,
        &["exercise", "check", "--key", s(&grading), "--csv", s(&csv)],
    );
    run.refused(&["submissions.csv", "1 row could not be graded"]);
    assert!(
        run.stdout
            .contains("line 3: has a quote that is never closed"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("1 right"), "{}", run.stdout);

    // The grading file of another class.
    let other = scratch("exercise-other-class");
    doormat(
        &other,
        &[
            "exercise",
            "new",
            "--kind",
            "leaked-golden-key",
            "--roster",
            s(&write_roster(&other)),
            "--out",
            "x",
        ],
    )
    .ok();
    std::fs::write(
        &csv,
        format!("student,answer\nstudent01,{}\n", flag("student01")),
    )
    .unwrap();
    doormat(
        &dir,
        &[
            "exercise",
            "check",
            "--key",
            s(&other.join("x/instructor/grading.json")),
            "--csv",
            s(&csv),
        ],
    )
    .refused(&["could not be graded"]);
    let doc = doormat(
        &dir,
        &[
            "exercise",
            "check",
            "--key",
            s(&other.join("x/instructor/grading.json")),
            "--csv",
            s(&csv),
            "--json",
        ],
    )
    .json();
    assert_eq!(doc["not_graded"][0]["line"], 2);
    assert!(doc["not_graded"][0]["problem"]
        .as_str()
        .unwrap()
        .contains("\"student01\" is not a student of class"));
}

fn write_roster(dir: &Path) -> PathBuf {
    let path = dir.join("roster.csv");
    std::fs::write(
        &path,
        "name,email\nana,ana@example.org\n# a comment\n\nben,\n",
    )
    .unwrap();
    path
}

#[test]
fn bad_requests_are_refused_and_write_nothing() {
    independent_of_rsa_backend!();
    let dir = scratch("exercise-bad");
    let new = |args: &[&str]| {
        let mut all = vec!["exercise", "new"];
        all.extend_from_slice(args);
        doormat(&dir, &all)
    };
    new(&["--kind", "golden", "--students", "2", "--out", "a"])
        .refused(&["--kind", "leaked-golden-key"]);
    new(&["--kind", "split-key", "--students", "0", "--out", "a"]).refused(&["--students"]);
    new(&["--kind", "split-key", "--out", "a"]).refused(&["--students N or --roster FILE"]);
    let roster = dir.join("bad-roster.txt");
    std::fs::write(&roster, "ana\n...\n").unwrap();
    new(&["--kind", "split-key", "--roster", s(&roster), "--out", "a"]).refused(&[
        "bad-roster.txt",
        "line 2",
        "no letter or digit",
    ]);
    std::fs::write(&roster, "ana\nAna\n").unwrap();
    new(&["--kind", "split-key", "--roster", s(&roster), "--out", "a"]).refused(&[
        "line 2",
        "\"Ana\" and \"ana\" (line 1) would share the folder ana/",
    ]);
    // doormat's own folder is no student's, in any kind of exercise, however written.
    for (kind, name) in [
        ("leaked-golden-key", "Instructor"),
        ("user-key-vs-escrow", "INSTRUCTOR"),
        ("split-key", "instructor"),
        ("short-key", " Instructor "),
        ("forward-secret-window", "Instructor"),
        ("leaf-forgery", "instructor"),
    ] {
        std::fs::write(&roster, format!("ana\n{name}\n")).unwrap();
        new(&["--kind", kind, "--roster", s(&roster), "--out", "a"]).refused(&[
            "line 2",
            "instructor/",
            "instructor's files",
        ]);
    }
    assert!(!dir.join("a").exists());
    std::fs::create_dir(dir.join("full")).unwrap();
    std::fs::write(dir.join("full/keep.txt"), "mine").unwrap();
    new(&["--kind", "split-key", "--students", "1", "--out", "full"]).refused(&["not empty"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("full/keep.txt")).unwrap(),
        "mine"
    );
    std::fs::write(dir.join("grading.json"), "{\"kind\":\"doormat-share\"}").unwrap();
    doormat(
        &dir,
        &[
            "exercise",
            "check",
            "--key",
            "grading.json",
            "--student",
            "a",
            "--answer",
            "x",
        ],
    )
    .refused(&["grading.json"]);
}

#[test]
fn every_kind_has_a_worksheet_and_a_solution() {
    independent_of_rsa_backend!();
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/exercises");
    let index = std::fs::read_to_string(docs.join("README.md")).unwrap();
    for kind in solver_kinds() {
        let sheet = std::fs::read_to_string(docs.join(format!("{kind}.md"))).unwrap();
        assert!(
            sheet.contains("Learning goals") && sheet.contains("## Hints"),
            "{kind}"
        );
        assert!(
            docs.join(format!("solutions/{kind}.md")).is_file(),
            "{kind}"
        );
        assert!(index.contains(&format!("`{kind}`")), "{kind} in the index");
    }
}

/// A roster as a teacher has it ("Ana Lopez", "Chloé Martin", "O'Brien, Dan") makes folder
/// names, says which, and grading knows the students by either name.
#[test]
fn display_names_make_folders_and_grade_by_either_name() {
    independent_of_rsa_backend!();
    let dir = scratch("exercise-display-names");
    let roster = dir.join("roster.csv");
    std::fs::write(&roster, "name\nAna Lopez\nChloé Martin\n\"O'Brien, Dan\"\n").unwrap();
    let summary = doormat(
        &dir,
        &[
            "exercise",
            "new",
            "--kind",
            "split-key",
            "--roster",
            s(&roster),
            "--out",
            "c",
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(
        summary["students"],
        serde_json::json!(["ana-lopez", "chloe-martin", "o-brien-dan"])
    );
    assert_eq!(summary["renamed"][0]["name"], "Ana Lopez");
    assert_eq!(summary["renamed"][0]["folder"], "ana-lopez");
    for folder in ["ana-lopez", "chloe-martin", "o-brien-dan", "instructor"] {
        assert!(dir.join("c").join(folder).is_dir(), "{folder}");
    }
    let answers = std::fs::read_to_string(dir.join("c/instructor/answers.csv")).unwrap();
    let flag = |student: &str| {
        answers
            .lines()
            .find(|l| l.starts_with(&format!("{student},")))
            .unwrap()
            .split(',')
            .nth(1)
            .unwrap()
            .to_owned()
    };
    let csv = dir.join("answers.csv");
    std::fs::write(
        &csv,
        format!(
            "student,answer\nAna Lopez,{}\nCHLOE-MARTIN,{}\n",
            flag("ana-lopez"),
            flag("chloe-martin")
        ),
    )
    .unwrap();
    let doc = doormat(
        &dir,
        &[
            "exercise",
            "check",
            "--key",
            "c/instructor/grading.json",
            "--csv",
            s(&csv),
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(doc["right"], 2);
    assert_eq!(doc["not_graded"], serde_json::json!([]));
}

/// What scan_solver.py (Meta's `pdqhash` and Python `cryptography`, no doormat) finds.
fn solve_scan(kind: &str, bundle: &Path) -> String {
    require_pdqhash();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/scan_solver.py");
    let run = run_tool(bundle, "python3", &[script, kind, s(bundle)]);
    run.ok();
    run.stdout.trim().to_owned()
}

/// The poisoned list's sharers are found from the bundle alone and graded per student;
/// an answer's case, spaces and order do not matter, its names do.
#[test]
fn poisoned_list_is_solved_from_the_reports_and_graded() {
    independent_of_rsa_backend!();
    let dir = scratch("exercise-poisoned");
    let out = new_exercise(&dir, "poisoned-list", "4");
    let grading = out.join("instructor/grading.json");
    let bundle = out.join("student01");
    assert_self_contained("poisoned-list", &bundle);
    assert!(bundle.join("reports.jsonl").exists() && bundle.join("poster.png").exists());
    assert!(
        !bundle.join("photos.jsonl").exists(),
        "who sent what stays with the instructor"
    );
    let first = solve_scan("poisoned-list", &bundle);
    let second = solve_scan("poisoned-list", &out.join("student02"));
    // The answer is the truth of the instructor's world, not the solver's opinion.
    let truth = |student: &str| {
        let mut senders: Vec<String> =
            read_jsonl(&out.join(format!("instructor/worlds/{student}/photos.jsonl")))
                .iter()
                .filter(|p| p["picture"] == "poster")
                .map(|p| p["from"].as_str().unwrap().to_owned())
                .collect();
        senders.sort();
        senders.dedup();
        format!("doormat{{{}}}", senders.join(","))
    };
    assert_eq!(first, truth("student01"));
    assert_eq!(second, truth("student02"));
    assert_ne!(first, second, "each student's world is their own");
    check(&dir, &grading, "student01", &first).ok();
    check(&dir, &grading, "student02", &second).ok();
    assert_eq!(check(&dir, &grading, "student01", &second).code, 1);
    let shuffled = first
        .replace('{', "{ ")
        .to_uppercase()
        .replace("DOORMAT", "doormat");
    assert_eq!(
        check(&dir, &grading, "student01", &shuffled).code,
        0,
        "{shuffled}"
    );
    assert_eq!(
        check(
            &dir,
            &grading,
            "student01",
            "doormat{alice,bob,carol,dave,erin}"
        )
        .code,
        1
    );
    check(&dir, &grading, "student01", "alice").refused(&["--answer", "not a flag"]);
}

/// An evasion is graded by what it is: like the student's own picture, and beyond its
/// hash. The solver is black-box, with only the reference PDQ as its oracle.
#[test]
fn evade_list_is_solved_with_the_reference_hash_and_graded_by_the_image() {
    independent_of_rsa_backend!();
    let dir = scratch("exercise-evade");
    let out = new_exercise(&dir, "evade-list", "4");
    let grading = out.join("instructor/grading.json");
    let bundle = out.join("student01");
    assert_self_contained("evade-list", &bundle);
    let evaded = solve_scan("evade-list", &bundle);
    check(&dir, &grading, "student01", &evaded).ok();
    // The same file is no evasion of another student's picture.
    assert_eq!(check(&dir, &grading, "student02", &evaded).code, 1);
    // The picture itself matches the list; doormat's own attack is accepted too.
    let picture = bundle.join("picture.png");
    assert_eq!(check(&dir, &grading, "student01", s(&picture)).code, 1);
    let made = dir.join("by-doormat.png");
    doormat(
        &dir,
        &["attack", "evade", "--image", s(&picture), "--out", s(&made)],
    )
    .ok();
    check(&dir, &grading, "student01", s(&made)).ok();
    // An image the eye can tell apart is wrong, however far its hash moved.
    let other = dir.join("other.png");
    std::fs::write(
        &other,
        doormat::imaging::synth::picture(doormat::imaging::synth::Kind::Stripes, 3, 256, 256, None)
            .to_png(),
    )
    .unwrap();
    assert_eq!(check(&dir, &grading, "student01", s(&other)).code, 1);
    check(&dir, &grading, "student01", "missing.png").refused(&["missing.png", "--answer"]);
    check(&dir, &grading, "student01", "doormat{abc}").refused(&["--answer", "PNG"]);
    // A CSV of paths grades the class in one command.
    let csv = dir.join("submissions.csv");
    std::fs::write(
        &csv,
        format!(
            "student,answer\nstudent01,{evaded}\nstudent02,{}\n",
            s(&picture)
        ),
    )
    .unwrap();
    let run = doormat(
        &dir,
        &[
            "exercise",
            "check",
            "--key",
            s(&grading),
            "--csv",
            s(&csv),
            "--json",
        ],
    );
    let graded = run.json();
    let verdicts: Vec<String> = graded["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["verdict"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(verdicts, ["right", "wrong"], "{graded}");
}

/// A wrong answer says what went wrong without giving the flag away: the decoy planted
/// in the student's own traffic, a typo, another exercise's answer. A right flag
/// written with capitals, spaces or without its braces is graded right, and the
/// student is told how to write it.
#[test]
fn feedback_names_the_decoy_the_typo_and_the_slip() {
    independent_of_rsa_backend!();
    require_python();
    let dir = scratch("exercise-feedback");
    let out = new_exercise(&dir, "leaked-golden-key", "5");
    let grading = out.join("instructor/grading.json");
    let flag = solve("leaked-golden-key", &out.join("student01"));
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&grading).unwrap()).unwrap();
    let secret: [u8; 32] = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        file["secret"].as_str().unwrap(),
    )
    .unwrap()
    .try_into()
    .unwrap();
    let secret = doormat::exercise::InstructorSecret::from_bytes(secret);
    let decoy = secret.decoy(
        doormat::exercise::ExerciseKind::LeakedGoldenKey,
        "student01",
        0,
    );
    let said = check(&dir, &grading, "student01", &decoy);
    assert_eq!(said.code, 1);
    assert!(said.stdout.contains("a decoy"), "{}", said.stdout);
    assert!(!said.stdout.contains(&flag), "{}", said.stdout);

    let mut typo = flag.clone().into_bytes();
    typo[12] = if typo[12] == b'a' { b'b' } else { b'a' };
    let said = check(
        &dir,
        &grading,
        "student01",
        &String::from_utf8(typo).unwrap(),
    );
    assert_eq!(said.code, 1);
    assert!(said.stdout.contains("close"), "{}", said.stdout);

    let leaf = format!("doormat{{{}}}", "0".repeat(92));
    let said = check(&dir, &grading, "student01", &leaf);
    assert_eq!(said.code, 1);
    assert!(
        said.stdout.contains("another exercise (leaf-forgery)"),
        "{}",
        said.stdout
    );

    let said = check(&dir, &grading, "student01", &flag.to_uppercase());
    assert_eq!(said.code, 0, "{}", said.stdout);
    assert!(
        said.stdout.contains("flags are lowercase"),
        "{}",
        said.stdout
    );
    let bare = &flag["doormat{".len()..flag.len() - 1];
    let said = check(&dir, &grading, "student01", bare);
    assert_eq!(said.code, 0, "{}", said.stdout);
    assert!(said.stdout.contains("braces"), "{}", said.stdout);

    let as_json = |answer: &str| -> serde_json::Value {
        let run = doormat(
            &dir,
            &[
                "exercise",
                "check",
                "--key",
                s(&grading),
                "--student",
                "student01",
                "--answer",
                answer,
                "--json",
            ],
        );
        serde_json::from_str(&run.stdout).unwrap()
    };
    assert_eq!(as_json(&decoy)["verdict"], "decoy");
    let verdict = as_json(bare);
    assert_eq!(verdict["slips"], serde_json::json!(["no-braces"]));
}

/// Each student's flag, by folder, from the instructor's answers.csv.
fn flags_of(out: &Path) -> std::collections::HashMap<String, String> {
    std::fs::read_to_string(out.join("instructor/answers.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|line| {
            let mut fields = line.split(',');
            let student = fields.next().unwrap().to_owned();
            (student, fields.next().unwrap().to_owned())
        })
        .collect()
}

/// The rows of a CSV file, parsed as a platform would (quotes and all).
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap()
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// A class of 30 from a messy roster (accents, a "Last, First" in quotes, stray spaces,
/// a comment, a blank line, emails and student ids) is graded and written as Canvas and
/// Moodle import it: the documented headers, the points-possible row, the roster's ids
/// and emails kept through, ten points for a right answer (slips forgiven) and none for
/// a wrong or missing one. Then three exercises of one course go into one gradebook.
#[test]
fn grades_go_to_canvas_and_moodle_and_three_exercises_into_one_gradebook() {
    independent_of_rsa_backend!();
    let dir = scratch("exercise-gradebook");
    let first = [
        "Ana", "Ben", "Chloé", "Dário", "Eve", "Fatima", "Gül", "Hana", "Ivo", "Joë",
    ];
    let last = ["López", "Okafor", "Martin"];
    let mut roster = String::from("Name,Email,Student ID\n# week 3, section B\n\n");
    let mut people = Vec::new();
    // Fifteen students: every way of writing a name, every kind of answer, both surnames
    // sorted apart (a class of 30 made the same checks at twice the key generation).
    for i in 0..15 {
        let (given, family) = (first[i % 10], last[i / 10]);
        let email = format!("{}.{}@uni.example", i, given.to_lowercase());
        let id = format!("S{:04}", 1000 + i);
        let name = match i % 3 {
            0 => format!("{given} {family}"),
            1 => format!("\"{family}, {given}\""),
            _ => format!("  {given}   {family} "),
        };
        roster.push_str(&format!("{name},{email},{id}\n"));
        people.push((email, id));
    }
    std::fs::write(dir.join("roster.csv"), &roster).unwrap();
    doormat(
        &dir,
        &[
            "exercise",
            "new",
            "--kind",
            "short-key",
            "--roster",
            "roster.csv",
            "--out",
            "week3",
            "--seed",
            "8",
        ],
    )
    .ok();
    let out = dir.join("week3");
    let flags = flags_of(&out);
    let grading: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("instructor/grading.json")).unwrap(),
    )
    .unwrap();
    let students: Vec<String> = serde_json::from_value(grading["students"].clone()).unwrap();
    assert_eq!(students.len(), 15);
    // Right answers for two thirds of the class (every fifth in capitals), a wrong one
    // for some, nothing for the rest; names written as the roster wrote them or not.
    let mut submissions = String::from("student,answer\n");
    let mut expected = Vec::new();
    for (i, student) in students.iter().enumerate() {
        let points = match i % 6 {
            0..=3 => {
                let flag = &flags[student];
                let answer = if i % 5 == 0 {
                    flag.to_uppercase()
                } else {
                    flag.clone()
                };
                submissions.push_str(&format!("{},{answer}\n", student.to_uppercase()));
                "10"
            }
            4 => {
                submissions.push_str(&format!("{student},doormat{{00000000000000000000}}\n"));
                "0"
            }
            _ => "0",
        };
        expected.push(points);
    }
    std::fs::write(dir.join("week3.csv"), &submissions).unwrap();
    let key = s(&out.join("instructor/grading.json")).to_owned();
    for format in ["canvas", "moodle"] {
        let file = format!("{format}.csv");
        doormat(
            &dir,
            &[
                "exercise",
                "check",
                "--key",
                &key,
                "--csv",
                "week3.csv",
                "--gradebook",
                format,
                &file,
            ],
        )
        .ok();
        let rows = csv_rows(&dir.join(&file));
        let title = format!(
            "doormat short-key ({})",
            grading["class_id"].as_str().unwrap()
        );
        let (header, body, email_at, id_at) = if format == "canvas" {
            assert_eq!(
                rows[0],
                [
                    "Student",
                    "ID",
                    "SIS User ID",
                    "SIS Login ID",
                    "Section",
                    title.as_str()
                ]
            );
            assert_eq!(rows[1], ["Points Possible", "", "", "", "", "10"]);
            (&rows[0], &rows[2..], 3, 2)
        } else {
            assert_eq!(
                rows[0],
                ["Full name", "Email address", "ID number", title.as_str()]
            );
            (&rows[0], &rows[1..], 1, 2)
        };
        assert_eq!(body.len(), 15, "{format}: a row per student");
        for (i, row) in body.iter().enumerate() {
            assert_eq!(row.len(), header.len());
            assert_eq!((&row[email_at], &row[id_at]), (&people[i].0, &people[i].1));
            assert_eq!(row.last().unwrap(), expected[i], "{format}: {row:?}");
        }
        assert_eq!(body[1][0], "López, Ben", "the roster's name as written");
        assert_eq!(body[2][0], "Chloé   López");
    }
    // The file is never replaced.
    doormat(
        &dir,
        &[
            "exercise",
            "check",
            "--key",
            &key,
            "--csv",
            "week3.csv",
            "--gradebook",
            "canvas",
            "canvas.csv",
        ],
    )
    .refused(&["canvas.csv"]);

    // Three exercises of the same five students: one gradebook, a column each.
    let small: String = roster
        .lines()
        .take(3 + 5)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.join("small.csv"), &small).unwrap();
    let mut grades = Vec::new();
    for (n, kind) in ["leaked-golden-key", "split-key", "short-key"]
        .iter()
        .enumerate()
    {
        let name = format!("ex{n}");
        doormat(
            &dir,
            &[
                "exercise",
                "new",
                "--kind",
                kind,
                "--roster",
                "small.csv",
                "--out",
                &name,
                "--seed",
                "9",
            ],
        )
        .ok();
        let flags = flags_of(&dir.join(&name));
        // Student k answers the first k exercises right.
        let mut csv = String::from("student,answer\n");
        for (student, flag) in &flags {
            let k: usize = students.iter().position(|s| s == student).unwrap();
            if n < k {
                csv.push_str(&format!("{student},{flag}\n"));
            }
        }
        std::fs::write(dir.join(format!("{name}.csv")), csv).unwrap();
        grades.push(format!("{name}/instructor/grading.json"));
        grades.push(format!("{name}.csv"));
    }
    let mut args = vec![
        "exercise",
        "gradebook",
        "--format",
        "csv",
        "--out",
        "course.csv",
    ];
    for pair in grades.chunks(2) {
        args.extend(["--grades", &pair[0], &pair[1]]);
    }
    doormat(&dir, &args).ok();
    args.push("--json");
    args[5] = "again.csv";
    let json: serde_json::Value = serde_json::from_str(&doormat(&dir, &args).stdout).unwrap();
    crate::json::assert_documented("exercise gradebook", &json);
    // The same class twice is refused, and so is an existing file without --force.
    let once = ["--grades", grades[0].as_str(), grades[1].as_str()];
    let twice = [&args[..4], &["--out", "twice.csv"], &once[..], &once[..]].concat();
    doormat(&dir, &twice).refused(&["again: each class is one column"]);
    args.truncate(args.len() - 1);
    args[5] = "course.csv";
    doormat(&dir, &args).refused(&["course.csv"]);
    let rows = csv_rows(&dir.join("course.csv"));
    assert_eq!(rows.len(), 1 + 5, "{rows:?}");
    assert_eq!(rows[0].len(), 4 + 3, "{:?}", rows[0]);
    for (k, row) in rows[1..].iter().enumerate() {
        assert_eq!(row[3], people[k].1, "matched by student id");
        let right = row[4..].iter().filter(|p| *p == "10").count();
        assert_eq!(right, k.min(3), "{row:?}");
    }
}

/// The lines of the ```sh blocks of a markdown text.
fn sh_lines(markdown: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut inside = false;
    for line in markdown.lines() {
        if line.starts_with("```") {
            inside = !inside && line == "```sh";
        } else if inside {
            lines.push(line.to_owned());
        }
    }
    lines
}

/// What a student reads has no stray runs of spaces mid-sentence, no heading or list
/// label with nothing under it.
fn assert_tidy(what: &str, markdown: &str) {
    let mut fenced = false;
    let lines: Vec<&str> = markdown.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("```") {
            fenced = !fenced;
        }
        if fenced {
            continue;
        }
        let text = line.trim_start();
        assert!(
            !text.trim_end().contains("  "),
            "{what}: a run of spaces on line {}: {line:?}",
            i + 1
        );
        let next = lines[i + 1..].iter().find(|l| !l.trim().is_empty());
        if text.starts_with('#') {
            assert!(
                next.is_some_and(|n| !n.starts_with('#')),
                "{what}: an empty heading on line {}: {line:?}",
                i + 1
            );
        }
        if text.starts_with("- ") && text.ends_with(':') {
            let indent = line.len() - text.len();
            let under = lines.get(i + 1).copied().unwrap_or("");
            assert!(
                under.len() - under.trim_start().len() > indent && !under.trim().is_empty(),
                "{what}: nothing under the list label on line {}: {line:?}",
                i + 1
            );
        }
    }
}

/// Runs `command` in `bundle` as a student's shell would, with the test's Python first
/// on the PATH.
fn student_runs(bundle: &Path, command: &str) -> std::process::Output {
    let python = PathBuf::from(crate::util::python());
    let mut path = std::env::var_os("PATH").unwrap_or_default();
    if let Some(bin) = python.parent().filter(|p| !p.as_os_str().is_empty()) {
        path = std::env::join_paths(
            std::iter::once(bin.to_path_buf()).chain(std::env::split_paths(&path)),
        )
        .unwrap();
    }
    std::process::Command::new("sh")
        .args(["-c", command])
        .current_dir(bundle)
        .env("PATH", path)
        .output()
        .expect("sh runs")
}

/// For every kind, on a fresh bundle: the README and worksheet read cleanly, the bundle
/// carries only the scripts the worksheet uses, the self-check command says right to the
/// student's answer and not right to another, and each sealed hint opens with the code
/// `exercise hint` prints for it and with no other.
#[test]
fn every_bundle_checks_answers_and_opens_hints_as_its_sheets_say() {
    independent_of_rsa_backend!();
    require_python();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tools_named = regex::Regex::new(r"tools/(\w+\.py)").unwrap();
    for kind in ALL_KINDS {
        let dir = scratch("exercise-sheets");
        doormat(
            &dir,
            &[
                "exercise",
                "new",
                "--kind",
                kind,
                "--students",
                "1",
                "--out",
                kind,
                "--seed",
                "8",
            ],
        )
        .ok();
        let out = dir.join(kind);
        let bundle = out.join("student01");
        let readme = std::fs::read_to_string(bundle.join("README.md")).unwrap();
        let sheet =
            std::fs::read_to_string(bundle.join(format!("docs/exercises/{kind}.md"))).unwrap();
        assert_tidy(&format!("{kind}: README.md"), &readme);
        if kind == "dual-ec" {
            // The worksheet reduces modulo n: the bundle gives it (checked against the
            // p256 crate in a unit test).
            assert!(
                readme.contains("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
            );
        }
        assert_tidy(&format!("{kind}: worksheet"), &sheet);
        let full_sheet =
            std::fs::read_to_string(repo.join(format!("docs/exercises/{kind}.md"))).unwrap();
        for entry in std::fs::read_dir(bundle.join("tools")).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                name == "hint.py" || full_sheet.contains(&format!("tools/{name}")),
                "{kind}: tools/{name} is in the bundle, but the worksheet does not use it"
            );
        }
        for named in tools_named.captures_iter(&full_sheet) {
            assert!(
                bundle.join("tools").join(&named[1]).is_file(),
                "{kind}: the worksheet uses tools/{} and the bundle lacks it",
                &named[1]
            );
        }

        // The self-check, where the answer is one string.
        let answers = std::fs::read_to_string(out.join("instructor/answers.csv")).unwrap();
        let answer = answers
            .lines()
            .nth(1)
            .unwrap()
            .split(',')
            .collect::<Vec<_>>();
        let checks: Vec<String> = sh_lines(&readme)
            .into_iter()
            .filter(|l| l.contains("'YOUR ANSWER'"))
            .collect();
        if matches!(kind, "leaf-forgery" | "evade-list") {
            assert!(checks.is_empty(), "{kind}: {readme}");
        } else {
            assert_eq!(checks.len(), 1, "{kind}: {readme}");
            let right = if kind == "poisoned-list" {
                // answers.csv quotes the set: its commas are inside the quotes.
                answers.lines().nth(1).unwrap()["student01,\"".len()..]
                    .split_once('"')
                    .unwrap()
                    .0
                    .to_owned()
            } else {
                answer[1].to_owned()
            };
            let wrong = if kind == "poisoned-list" {
                if right == "doormat{}" {
                    "doormat{alice}".to_owned()
                } else {
                    "doormat{}".to_owned()
                }
            } else {
                format!("doormat{{{}}}", "0".repeat(20))
            };
            let run = student_runs(&bundle, &checks[0].replace("YOUR ANSWER", &right));
            assert!(run.status.success(), "{kind}: {run:?}");
            assert_eq!(String::from_utf8_lossy(&run.stdout).trim(), "right");
            let run = student_runs(&bundle, &checks[0].replace("YOUR ANSWER", &wrong));
            assert_eq!(run.status.code(), Some(1), "{kind}: {run:?}");
            assert_eq!(String::from_utf8_lossy(&run.stdout).trim(), "not right");
            assert!(
                !readme.contains(&right),
                "{kind}: the README gives the answer away"
            );
        }

        // The hints: as many as the repository's worksheet has, each opened by its code.
        let hints: Vec<String> = full_sheet
            .split_once("\n## Hints")
            .unwrap()
            .1
            .lines()
            .filter(|l| {
                l.split_once(". ")
                    .is_some_and(|(n, _)| n.parse::<u32>().is_ok())
            })
            .map(|l| l.split_once(". ").unwrap().1.to_owned())
            .collect();
        assert!(!hints.is_empty(), "{kind}");
        let open = sh_lines(&sheet);
        assert_eq!(open, ["python3 tools/hint.py N CODE"], "{kind}");
        let grading = out.join("instructor/grading.json");
        let code_of = |level: usize| -> String {
            let run = doormat(
                &dir,
                &[
                    "exercise",
                    "hint",
                    "--key",
                    s(&grading),
                    "--level",
                    &level.to_string(),
                    "--json",
                ],
            );
            let said: serde_json::Value = serde_json::from_str(&run.ok().stdout).unwrap();
            said["code"].as_str().unwrap().to_owned()
        };
        for (i, hint) in hints.iter().enumerate() {
            let level = i + 1;
            let code = code_of(level);
            let command = open[0]
                .replace('N', &level.to_string())
                .replace("CODE", &code);
            let run = student_runs(&bundle, &command);
            assert!(run.status.success(), "{kind} hint {level}: {run:?}");
            let said = String::from_utf8_lossy(&run.stdout)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let first_words: String = hint
                .split_whitespace()
                .take(4)
                .collect::<Vec<_>>()
                .join(" ");
            assert!(said.contains(&first_words), "{kind} hint {level}: {said}");
            let other = code_of(if level == 1 { 2 } else { 1 });
            let run = student_runs(
                &bundle,
                &open[0]
                    .replace('N', &level.to_string())
                    .replace("CODE", &other),
            );
            assert_eq!(
                run.status.code(),
                Some(1),
                "{kind} hint {level} with another code"
            );
            assert!(
                !sealed_text(&bundle).contains(&words(hint)),
                "{kind}: hint {level} in clear"
            );
        }
        doormat(
            &dir,
            &[
                "exercise",
                "hint",
                "--key",
                s(&grading),
                "--level",
                &(hints.len() + 1).to_string(),
            ],
        )
        .refused(&["--level", &format!("hints 1 to {}", hints.len())]);
    }
}

/// Every text file of a bundle, its words one space apart: where a hint must not be in
/// clear.
fn sealed_text(bundle: &Path) -> String {
    walk(bundle)
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|text| words(&text))
        .collect::<Vec<_>>()
        .join(" ")
}

fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
