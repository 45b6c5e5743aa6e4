//! dual-ec: the backdoor in the randomness, and the Juniper re-keying.

use serde_json::Value;

use crate::util::{doormat, read_jsonl, s, scratch, simulate};

fn attack(dir: &std::path::Path, world: &std::path::Path, backdoor: &str) -> Value {
    doormat(
        dir,
        &[
            "attack",
            "dual-ec",
            "--world",
            s(world),
            "--backdoor",
            backdoor,
            "--json",
        ],
    )
    .ok()
    .json()
}

fn senders(world: &std::path::Path) -> u64 {
    let mut names: Vec<String> = read_jsonl(&world.join("truth.jsonl"))
        .iter()
        .map(|m| m["from"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names.dedup();
    names.len() as u64
}

/// The designer's d opens every message, one state search per sender; another world's
/// d opens none. In the re-keyed world the designer's d opens none and the intruder's
/// every one.
#[test]
fn the_designers_d_opens_everything_until_someone_rekeys_the_backdoor() {
    independent_of_rsa_backend!();
    let dir = scratch("dual-ec");
    simulate(&dir, "w", "dual-ec", (3, 40), 5, &[]).ok();
    simulate(
        &dir,
        "juniper",
        "dual-ec",
        (3, 40),
        5,
        &["--rekeyed-by", "intruder"],
    )
    .ok();
    simulate(&dir, "other", "dual-ec", (3, 5), 6, &[]).ok();
    let (w, juniper) = (dir.join("w"), dir.join("juniper"));
    // The same seed: the same users, traffic and devices; only Q differs.
    assert_eq!(
        read_jsonl(&w.join("truth.jsonl")),
        read_jsonl(&juniper.join("truth.jsonl"))
    );
    let w_world: Value =
        serde_json::from_str(&std::fs::read_to_string(w.join("world.json")).unwrap()).unwrap();
    let j_world: Value =
        serde_json::from_str(&std::fs::read_to_string(juniper.join("world.json")).unwrap())
            .unwrap();
    assert_ne!(
        w_world["parameters"]["dual_ec_q"],
        j_world["parameters"]["dual_ec_q"]
    );
    assert_eq!(j_world["parameters"]["rekeyed_by"], "intruder");

    let opened = attack(&dir, &w, "w/keys/designer.key");
    assert_eq!(opened["fits"], true);
    assert_eq!(opened["messages_total"], 40);
    assert_eq!(opened["messages_opened"], 40);
    assert_eq!(opened["states_recovered"].as_u64(), Some(senders(&w)));
    let tried = opened["candidates_tried"].as_u64().unwrap();
    assert!(tried > 0 && tried <= senders(&w) * 65_536, "{tried}");
    assert!(opened["false_states"].as_u64().is_some());

    let wrong = attack(&dir, &w, "other/keys/designer.key");
    assert_eq!(wrong["fits"], false);
    assert_eq!(wrong["messages_opened"], 0);

    let designer = attack(&dir, &juniper, "juniper/keys/designer.key");
    assert_eq!(designer["fits"], false);
    assert_eq!(designer["messages_opened"], 0);
    let intruder = attack(&dir, &juniper, "juniper/keys/intruder.key");
    assert_eq!(intruder["holder"], "intruder");
    assert_eq!(intruder["messages_opened"], 40);

    // In text: the count, and why the designer's d fails.
    let text = doormat(
        &dir,
        &[
            "attack",
            "dual-ec",
            "--world",
            "juniper",
            "--backdoor",
            "juniper/keys/designer.key",
        ],
    );
    assert!(
        text.ok().stdout.contains("0 of 40 messages opened"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("d·Q ≠ P"), "{}", text.stdout);
    assert!(text.stdout.lines().all(|l| l.chars().count() <= 80));
}

#[test]
fn backdoor_files_and_dual_ec_flags_are_checked() {
    independent_of_rsa_backend!();
    let dir = scratch("dual-ec-refusals");
    simulate(&dir, "w", "dual-ec", (2, 3), 1, &[]).ok();
    simulate(&dir, "g", "golden-key", (2, 3), 1, &[]).ok();
    let backdoor = std::fs::read_to_string(dir.join("w/keys/designer.key")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("w/keys/designer.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let run = |world: &str, file: &str| {
        doormat(
            &dir,
            &["attack", "dual-ec", "--world", world, "--backdoor", file],
        )
    };
    run("g", "w/keys/designer.key").refused(&["golden-key world", "--scheme dual-ec"]);
    run("w", "w/keys/alice.pem").refused(&["alice.pem", "not a Dual_EC backdoor file"]);
    // One digit of d changed: d·q is no longer P.
    let d_at = backdoor.find("\"d\": \"").unwrap() + 6;
    let mut damaged = backdoor.clone();
    let digit = if &backdoor[d_at..d_at + 1] == "1" {
        "2"
    } else {
        "1"
    };
    damaged.replace_range(d_at..d_at + 1, digit);
    std::fs::write(dir.join("damaged.key"), damaged).unwrap();
    run("w", "damaged.key").refused(&["damaged.key", "d", "not P"]);
    // world.json without its Q.
    let world_json = std::fs::read_to_string(dir.join("w/world.json")).unwrap();
    let mut value: Value = serde_json::from_str(&world_json).unwrap();
    value["parameters"]
        .as_object_mut()
        .unwrap()
        .remove("dual_ec_q");
    std::fs::write(dir.join("w/world.json"), value.to_string()).unwrap();
    run("w", "w/keys/designer.key").refused(&["world.json", "parameters.dual_ec_q", "missing"]);

    simulate(&dir, "x", "dual-ec", (3, 3), 1, &["--rekeyed-by", "alice"])
        .refused(&["--rekeyed-by", "alice is already a party"]);
    simulate(&dir, "x", "golden-key", (3, 3), 1, &["--rekeyed-by", "eve"])
        .refused(&["--rekeyed-by", "dual-ec"]);
    simulate(&dir, "x", "dual-ec", (3, 3), 1, &["--session-size", "4"])
        .refused(&["--session-size"]);
    assert!(!dir.join("x").exists());
}

/// The demo: the designer reads before the re-keying and nothing new after it; the
/// intruder reads after it; each search it ran live is reported.
#[test]
fn the_demo_shows_nobody_but_us_failing() {
    independent_of_rsa_backend!();
    let dir = scratch("dual-ec-demo");
    let run = doormat(&dir, &["demo", "dual-ec", "--seed", "42", "--json"])
        .ok()
        .json();
    let matrix_row = |act: usize, name: &str| -> Vec<u64> {
        let blocks = run["acts"][act]["blocks"].as_array().unwrap();
        let matrix = blocks
            .iter()
            .rev()
            .find(|b| b["kind"] == "matrix")
            .expect("a matrix")["matrix"]
            .clone();
        let row = matrix["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .cloned();
        row.map(|r| {
            r["cells"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["readable"].as_u64().unwrap())
                .collect()
        })
        .unwrap_or_default()
    };
    let before = matrix_row(0, "designer");
    assert!(before.iter().sum::<u64>() > 0, "{before:?}");
    assert!(matrix_row(0, "intruder").is_empty());
    assert_eq!(
        matrix_row(2, "designer"),
        before,
        "nothing new after the re-keying"
    );
    assert!(matrix_row(2, "intruder").iter().sum::<u64>() > 0);
    let text = run.to_string();
    assert!(text.contains("designer's search"), "{text}");
    assert!(text.contains("intruder's search"), "{text}");
}
