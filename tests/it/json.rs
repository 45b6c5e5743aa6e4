//! Every command's `--json` against its schema in docs/json.md: each field printed is
//! listed there with its type, and each field listed without "optional" is printed.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::util::*;

/// One documented field: its types ("integer", "radius", ...) and whether it may be absent.
#[derive(Debug)]
struct Field {
    types: Vec<String>,
    optional: bool,
}

type Table = BTreeMap<String, Field>;

/// The tables of docs/json.md, by command ("simulate", "exercise check --csv") or shared
/// shape ("radius").
fn schema() -> BTreeMap<String, Table> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/json.md")).unwrap();
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let mut current = String::new();
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("## `doormat ") {
            current = heading.split(" --json").next().unwrap().to_owned();
        } else if let Some(shape) = line.strip_prefix("### `") {
            current = shape.trim_end_matches('`').to_owned();
        } else if line.starts_with("With `--csv") {
            current.push_str(" --csv");
        } else if let Some(row) = line.strip_prefix("| `") {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            let path = cells[0].trim_end_matches('`').to_owned();
            let mut ty = cells[1];
            let optional = ty.starts_with("optional ");
            if optional {
                ty = &ty["optional ".len()..];
            }
            let types = ty.split(" or ").map(str::to_owned).collect();
            let previous = tables
                .entry(current.clone())
                .or_default()
                .insert(path.clone(), Field { types, optional });
            assert!(
                previous.is_none(),
                "docs/json.md lists {current}: {path} twice"
            );
        }
    }
    tables
}

/// What is wrong with `value` as the output of `table` (empty: nothing).
fn problems(table: &str, value: &Value) -> Vec<String> {
    let schema = schema();
    let mut found = Vec::new();
    let fields = schema
        .get(table)
        .unwrap_or_else(|| panic!("docs/json.md has no table for {table}"));
    walk(&schema, table, fields, "", value, &mut found);
    found
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn walk(
    schema: &BTreeMap<String, Table>,
    name: &str,
    table: &Table,
    path: &str,
    value: &Value,
    found: &mut Vec<String>,
) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let child_path = join(path, key);
                match table.get(&child_path) {
                    Some(field) => check(schema, name, table, &child_path, field, child, found),
                    None => found.push(format!("{name}: `{child_path}` is not documented")),
                }
            }
            for (documented, field) in table {
                let parent = documented.rsplit_once('.').map_or("", |(parent, _)| parent);
                let key = documented.rsplit('.').next().unwrap();
                if parent == path
                    && !key.ends_with("[]")
                    && !field.optional
                    && !map.contains_key(key)
                {
                    found.push(format!("{name}: `{documented}` is missing"));
                }
            }
        }
        Value::Array(items) => {
            let child_path = format!("{path}[]");
            for item in items {
                match table.get(&child_path) {
                    Some(field) => check(schema, name, table, &child_path, field, item, found),
                    None => found.push(format!("{name}: `{child_path}` is not documented")),
                }
            }
        }
        _ => {}
    }
}

fn check(
    schema: &BTreeMap<String, Table>,
    name: &str,
    table: &Table,
    path: &str,
    field: &Field,
    value: &Value,
    found: &mut Vec<String>,
) {
    let fits = |ty: &str| match (ty, value) {
        ("null", Value::Null) | ("boolean", Value::Bool(_)) | ("string", Value::String(_)) => true,
        ("integer", Value::Number(n)) => n.is_u64() || n.is_i64(),
        ("number", Value::Number(_)) => true,
        ("object", Value::Object(_)) | ("array", Value::Array(_)) => true,
        (shape, Value::Object(_)) => schema.contains_key(shape),
        _ => false,
    };
    let Some(ty) = field.types.iter().find(|ty| fits(ty)) else {
        found.push(format!(
            "{name}: `{path}` is {value}, not {}",
            field.types.join(" or ")
        ));
        return;
    };
    match schema.get(ty.as_str()) {
        // A shared shape: its fields are relative to this value.
        Some(shape) => walk(schema, ty, shape, "", value, found),
        None => walk(schema, name, table, path, value, found),
    }
}

/// Asserts that `value` is what docs/json.md says `table` prints.
pub fn assert_documented(table: &str, value: &Value) {
    let found = problems(table, value);
    assert!(
        found.is_empty(),
        "docs/json.md and the output disagree:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_checker_sees_an_undocumented_a_missing_and_a_mistyped_field() {
    let mut value: Value = serde_json::json!({
        "out": "w", "scheme": "none", "users": 2, "messages": 1, "parties": ["alice"],
        "capture_bytes": 10, "seconds": 0.5, "seed": null,
    });
    assert!(problems("simulate", &value).is_empty());
    value["extra"] = 1.into();
    value["users"] = "two".into();
    value.as_object_mut().unwrap().remove("seconds");
    let found = problems("simulate", &value).join("\n");
    assert!(found.contains("`extra` is not documented"), "{found}");
    assert!(found.contains("`users` is \"two\", not integer"), "{found}");
    assert!(found.contains("`seconds` is missing"), "{found}");
}

#[test]
fn world_commands_print_what_docs_json_md_says() {
    independent_of_rsa_backend!();
    let dir = scratch("json-world");
    let run = |args: &[&str]| doormat(&dir, args).ok().json();
    let world = |out, scheme, messages, extra: &[&str]| {
        let mut extra = extra.to_vec();
        extra.push("--json");
        simulate(&dir, out, scheme, (3, messages), 1, &extra)
            .ok()
            .json()
    };
    assert_documented("simulate", &world("w", "golden-key", 40, &[]));
    assert_documented(
        "recover",
        &run(&[
            "recover",
            "--world",
            "w",
            "--key",
            "w/keys/escrow.pem",
            "--out",
            "p.jsonl",
            "--json",
        ]),
    );
    world("f", "forward-secret", 40, &["--snapshot", "alice@20"]);
    assert_documented(
        "recover",
        &run(&[
            "recover",
            "--world",
            "f",
            "--state",
            "f/snapshots/alice@20.json",
            "--json",
        ]),
    );
    world("s", "short-key", 3, &["--bits", "16"]);
    assert_documented(
        "attack brute-force",
        &run(&["attack", "brute-force", "--world", "s", "--json"]),
    );
    world("wf", "workfactor", 2, &[]);
    assert_documented(
        "attack brute-force",
        &run(&[
            "attack",
            "brute-force",
            "--world",
            "wf",
            "--key",
            "wf/keys/agency.pem",
            "--json",
        ]),
    );
    world("d", "dual-ec", 4, &[]);
    assert_documented(
        "attack dual-ec",
        &run(&[
            "attack",
            "dual-ec",
            "--world",
            "d",
            "--backdoor",
            "d/keys/designer.key",
            "--json",
        ]),
    );
    world("c", "clipper", 20, &[]);
    assert_documented(
        "attack leaf-metadata",
        &run(&[
            "attack",
            "leaf-metadata",
            "--world",
            "c",
            "--family-key",
            "c/keys/family.key",
            "--json",
        ]),
    );
    assert_documented(
        "attack leaf-forgery",
        &run(&[
            "attack",
            "leaf-forgery",
            "--trials",
            "2",
            "--seed",
            "1",
            "--json",
        ]),
    );
    world("p", "client-scan", 200, &[]);
    let poster = "p/gallery/poster.png";
    let poisoned = run(&[
        "attack", "poison", "--world", "p", "--image", poster, "--trials", "3", "--json",
    ]);
    assert_documented("attack poison", &poisoned);
    for attack in ["evade", "collide"] {
        let out = format!("{attack}.png");
        let mut args = vec!["attack", attack, "--out", &out, "--trials", "2", "--json"];
        if attack == "evade" {
            args.extend(["--image", poster]);
        } else {
            args.extend(["--from", poster, "--target", "p/gallery/known-1.png"]);
        }
        let name = format!("attack {attack}");
        assert_documented(&name, &run(&args));
        assert_documented(
            &name,
            &run(&[&["attack", attack, "--trials", "1", "--json"][..]].concat()),
        );
    }
}

#[test]
fn classroom_commands_print_what_docs_json_md_says() {
    independent_of_rsa_backend!();
    let dir = scratch("json-class");
    let run = |args: &[&str]| doormat(&dir, args).ok().json();
    assert_documented("compare", &compare_run().json);
    assert_documented(
        "scale",
        &run(&[
            "scale",
            "--rsa-per-second",
            "1000",
            "--aes-per-second",
            "1000000",
            "--trials-per-second",
            "30000000",
            "--usd-per-core-hour",
            "0.05",
            "--json",
        ]),
    );
    assert_documented("demo --list", &run(&["demo", "--list", "--json"]));
    for demo in [
        "golden-key-leak",
        "forward-secrecy",
        "insider-abuse",
        "tea1-short-key",
        "clear-unlock",
    ] {
        assert_documented("demo", &run(&["demo", demo, "--seed", "1", "--json"]));
    }
    let new = run(&[
        "exercise",
        "new",
        "--kind",
        "leaked-golden-key",
        "--students",
        "2",
        "--out",
        "ex",
        "--seed",
        "1",
        "--json",
    ]);
    assert_documented("exercise new", &new);
    let grading = "ex/instructor/grading.json";
    let single = doormat(
        &dir,
        &[
            "exercise",
            "check",
            "--key",
            grading,
            "--student",
            "student01",
            "--answer",
            "doormat{00000000000000000000}",
            "--json",
        ],
    )
    .json();
    assert_documented("exercise check", &single);
    std::fs::write(
        dir.join("s.csv"),
        "student,answer\nstudent01,x\nstudent02,\n",
    )
    .unwrap();
    let csv = run(&[
        "exercise", "check", "--key", grading, "--csv", "s.csv", "--json",
    ]);
    assert_documented("exercise check --csv", &csv);
    let hint = run(&[
        "exercise", "hint", "--key", grading, "--level", "1", "--json",
    ]);
    assert_documented("exercise hint", &hint);
}
