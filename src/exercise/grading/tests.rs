use super::*;

fn grading() -> Grading {
    let secret = InstructorSecret::from_bytes([7; 32]);
    let file = GradingFile::new(
        ExerciseKind::SplitKey,
        &secret,
        &["ana".to_owned(), "ben".to_owned(), "cy".to_owned()],
    );
    GradingFile::parse(&file.to_json()).unwrap()
}

#[test]
fn single_answers() {
    let g = grading();
    let ana = g.secret.flag(g.exercise, "ana");
    let ben = g.secret.flag(g.exercise, "ben");
    assert_eq!(check(&g, "ana", &ana).unwrap().0, Verdict::Right);
    assert_eq!(
        check(&g, "ana", &ben).unwrap().0,
        Verdict::AnotherStudentsFlag("ben".into())
    );
    assert_eq!(
        check(&g, "ana", "doormat{00000000000000000000}").unwrap().0,
        Verdict::Wrong
    );
    assert_eq!(
        check(&g, "ana", "flag").unwrap_err().field.as_deref(),
        Some("--answer")
    );
    assert_eq!(
        check(&g, "zed", &ana).unwrap_err().field.as_deref(),
        Some("--student")
    );
}

/// What a student gets wrong most often gets its own verdict: the decoy planted in
/// their traffic, a typo, an answer of another exercise; and slips in how a right
/// answer was written (capitals, spaces, no braces) are forgiven and named.
#[test]
fn decoys_typos_other_exercises_and_slips_each_have_their_own_verdict() {
    let g = grading();
    let ana = g.secret.flag(g.exercise, "ana");
    let decoy = g.secret.decoy(g.exercise, "ana", 1);
    assert_eq!(check(&g, "ana", &decoy).unwrap().0, Verdict::Decoy);
    let mut typo = ana.clone().into_bytes();
    typo[10] = if typo[10] == b'0' { b'1' } else { b'0' };
    let typo = String::from_utf8(typo).unwrap();
    assert_eq!(check(&g, "ana", &typo).unwrap().0, Verdict::NearMiss);
    let leaf = format!("doormat{{{}}}", "ab".repeat(LeafCheck::ANSWER_DIGITS / 2));
    assert_eq!(
        check(&g, "ana", &leaf).unwrap().0,
        Verdict::ShapedLike("leaf-forgery".into())
    );
    assert_eq!(
        check(&g, "ana", "doormat{bob,dave}").unwrap().0,
        Verdict::ShapedLike("poisoned-list".into())
    );
    let hex = &ana["doormat{".len()..ana.len() - 1];
    for (written, slips) in [
        (ana.to_uppercase(), vec![Slip::Capitals]),
        (
            format!("doormat{{ {} {} }}", &hex[..10], &hex[10..]),
            vec![Slip::Spaces],
        ),
        (hex.to_owned(), vec![Slip::NoBraces]),
        (
            format!("DOORMAT {}", hex.to_uppercase()),
            vec![Slip::Spaces, Slip::Capitals, Slip::NoBraces],
        ),
    ] {
        assert_eq!(
            check(&g, "ana", &written).unwrap(),
            (Verdict::Right, slips),
            "{written}"
        );
    }
    // A slip on a wrong answer is still wrong; a shape no tidying mends is an error.
    assert_eq!(
        check(&g, "ana", &decoy.to_uppercase()).unwrap().0,
        Verdict::Decoy
    );
    assert!(check(&g, "ana", "doormat{0xyz}").is_err());
    // The batch grades the same way.
    let csv = format!(
        "student,answer\nana,{}\nben,{decoy}\ncy,{leaf}\n",
        ana.to_uppercase()
    );
    let batch = check_batch(&g, &csv).unwrap();
    let verdicts: Vec<&Verdict> = batch.rows.iter().map(|r| &r.verdict).collect();
    assert_eq!(verdicts[0], &Verdict::Right);
    assert_eq!(batch.rows[0].slips, [Slip::Capitals]);
    // ana's decoy is not ben's: for ben it is just wrong.
    assert_eq!(verdicts[1], &Verdict::Wrong);
    assert_eq!(verdicts[2], &Verdict::ShapedLike("leaf-forgery".into()));
}

/// A set earns a share: each user rightly named counts, each wrongly named takes one
/// back, never below zero; a flag is all or nothing.
#[test]
fn points_are_whole_for_a_flag_and_a_share_for_a_set() {
    let secret = InstructorSecret::from_bytes([9; 32]);
    let mut file = GradingFile::new(ExerciseKind::PoisonedList, &secret, &["ana".to_owned()]);
    file.share_checks = vec![ShareCheck {
        student: "ana".into(),
        senders: vec!["bob".into(), "carol".into(), "dave".into()],
    }];
    let g = GradingFile::parse(&file.to_json()).unwrap();
    let points = |answer: &str| {
        let batch = check_batch(&g, &format!("student,answer\nana,\"{answer}\"\n")).unwrap();
        g.points(&batch.rows[0], 10.0)
    };
    assert_eq!(points("doormat{bob,carol,dave}"), 10.0);
    assert_eq!(points("doormat{bob,carol}"), 6.67);
    assert_eq!(points("doormat{bob,carol,erin}"), 3.33);
    assert_eq!(points("doormat{erin,frank}"), 0.0);
    assert_eq!(points("doormat{}"), 0.0);
    let g = grading();
    let batch = check_batch(&g, "student,answer\nana,doormat{00000000000000000000}\n").unwrap();
    assert_eq!(g.points(&batch.rows[0], 10.0), 0.0);
    assert_eq!(g.points(&batch.rows[1], 10.0), 0.0, "no answer");
}

#[test]
fn a_batch_grades_every_student() {
    let g = grading();
    let ana = g.secret.flag(g.exercise, "ana");
    let csv = format!("answer,student,comment\n\"{ana}\",ana,\"found it, finally\"\n{ana},ben,\n");
    let batch = check_batch(&g, &csv).unwrap();
    assert_eq!(batch.rows[0].verdict, Verdict::Right);
    assert_eq!(
        batch.rows[1].verdict,
        Verdict::AnotherStudentsFlag("ana".into())
    );
    assert_eq!(batch.rows[2].verdict, Verdict::Missing);
    assert!(batch.problems.is_empty());
}

/// A name in another case, or as the roster wrote it, is the student: "Ben" is ben.
#[test]
fn names_match_whatever_their_case() {
    let g = grading();
    let ben = g.secret.flag(g.exercise, "ben");
    assert_eq!(check(&g, "Ben", &ben).unwrap().0, Verdict::Right);
    assert_eq!(check(&g, " BEN ", &ben).unwrap().0, Verdict::Right);
    let batch = check_batch(&g, &format!("student,answer\nBen,{ben}\n")).unwrap();
    assert_eq!(batch.rows[1].verdict, Verdict::Right);
    let e = check(&g, "bne", &ben).unwrap_err();
    assert!(e.hint.unwrap().contains("did you mean ben?"));
}

/// One bad row is reported with its line; every other row is graded all the same.
#[test]
fn bad_rows_are_reported_and_the_rest_graded() {
    let g = grading();
    let ana = g.secret.flag(g.exercise, "ana");
    let csv = format!(
        "student,answer,class\nzed,x,{id}\nana,{ana},{id}\nben,y,abc\nana,z,{id}\ncy\ncy,\"q,{id}\ncy\n",
        id = g.class_id
    );
    let batch = check_batch(&g, &csv).unwrap();
    assert_eq!(batch.rows[0].verdict, Verdict::Right, "ana is graded");
    assert_eq!(batch.rows[1].verdict, Verdict::Missing);
    let lines: Vec<u64> = batch.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, vec![2, 4, 5, 6, 7]);
    let problem = |line: u64| {
        &batch
            .problems
            .iter()
            .find(|p| p.line == line)
            .unwrap()
            .problem
    };
    assert!(problem(2).contains("not a student"));
    assert!(problem(4).contains("class \"abc\""));
    assert!(problem(5).contains("ana has two rows"));
    assert!(problem(6).contains("1 fields"));
    // An unclosed quote runs to the end of the file, as in any CSV reader.
    assert!(problem(7).contains("never closed"));
    // Without a usable header nothing can be graded: that is an error.
    assert_eq!(
        check_batch(&g, "name,flag\nana,x\n").unwrap_err().line,
        Some(1)
    );
    assert!(check_batch(&g, "").is_err());
}

/// A quoted field may span lines and hold quotes (RFC 4180), as spreadsheets write
/// a comment column; a byte-order mark is not part of the header.
#[test]
fn quoted_fields_may_span_lines() {
    let g = grading();
    let ana = g.secret.flag(g.exercise, "ana");
    let csv = format!(
        "student,comment,answer\nana,\"first line\nsecond, \"\"quoted\"\"\",{ana}\nben,x,y\n"
    );
    let batch = check_batch(&g, &csv).unwrap();
    assert!(batch.problems.is_empty(), "{:?}", batch.problems);
    assert_eq!(batch.rows[0].verdict, Verdict::Right);
    assert_eq!(batch.rows[1].verdict, Verdict::Wrong);
    let records = csv_records("a,b\n\"x\ny\",z\nq,r\n");
    let lines: Vec<u64> = records.iter().map(|r| r.as_ref().unwrap().0).collect();
    assert_eq!(
        lines,
        vec![1, 2, 4],
        "each record keeps the line it starts on"
    );
    let bom = crate::fsutil::without_bom("\u{feff}student,answer".to_owned());
    assert_eq!(bom, "student,answer");
}

#[test]
fn an_edited_grading_file_is_refused() {
    let secret = InstructorSecret::from_bytes([7; 32]);
    let mut file = GradingFile::new(ExerciseKind::SplitKey, &secret, &["ana".to_owned()]);
    file.secret = b64(&[8; 32]);
    assert_eq!(
        GradingFile::parse(&file.to_json())
            .unwrap_err()
            .field
            .as_deref(),
        Some("class_id")
    );
    assert!(GradingFile::parse("{}").is_err());
    let world = r#"{"v":1,"kind":"doormat-share","exercise":"split-key","class_id":"","secret":"","students":[],"note":""}"#;
    assert_eq!(
        GradingFile::parse(world).unwrap_err().field.as_deref(),
        Some("kind")
    );
}
