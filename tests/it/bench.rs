//! `doormat bench`: the report's shape and the figures that do not depend on timing.
//! (Speed itself is measured, never asserted: see docs/benchmarks.md.)

use serde_json::Value;

use crate::util::*;

#[test]
fn quick_bench_reports_every_design_on_every_backend() {
    // The bench measures both RSA backends in one run whichever is preferred: the second
    // pass would spend a minute to learn nothing new.
    independent_of_rsa_backend!();
    let dir = scratch("bench");
    let doc = doormat(
        &dir,
        &["bench", "--quick", "--json", "--html", "bench.html"],
    )
    .ok()
    .json();
    // The same run as a page: loads clean, draws, and states the same figures.
    let page = dir.join("bench.html");
    let loaded = crate::browser::load(&page, 1400);
    crate::browser::assert_clean_page(&page, &loaded);
    let preferred = &doc["preferred"];
    for row in doc["schemes"].as_array().unwrap() {
        if &row["backend"] != preferred {
            continue;
        }
        let bytes = format!("{} bytes", row["bytes"]);
        assert!(loaded.dom.contains(&bytes), "{bytes}");
    }
    for row in doc["brute_force"]["rows"].as_array().unwrap() {
        let share = format!("{:.3}", row["share_of_bound"].as_f64().unwrap());
        assert!(loaded.dom.contains(&share), "{share}");
    }
    // The GPU search beside its bound, on lavapipe where there is no GPU: the same
    // figures in the page.
    let gpu = &doc["gpu"];
    assert!(gpu.get("unavailable").is_none(), "{gpu}");
    assert!(!gpu["adapter"]["name"].as_str().unwrap().is_empty());
    let share = format!("{:.3}", gpu["share_of_bound"].as_f64().unwrap());
    assert!(loaded.dom.contains(&share), "{share}");
    // Every share of a bound is at most 1 by construction: where the job itself ran
    // faster than every timing of the bound alone, it sets the bound, and says so.
    let mut shares = vec![&doc["dual_ec"], gpu];
    shares.extend(doc["brute_force"]["rows"].as_array().unwrap());
    shares.extend(doc["recovery"].as_array().unwrap());
    for row in shares {
        let share = row["share_of_bound"].as_f64().unwrap();
        assert!(share > 0.0 && share <= 1.0, "{row}");
        assert!(row["bound_set_by_search"].is_boolean(), "{row}");
    }
    // Every figure's spread, in the units it was measured in; the report's figures are
    // the medians.
    let spread = doc["spread"].as_array().unwrap();
    let find = |figure: &str| {
        spread
            .iter()
            .find(|s| s["figure"] == figure)
            .unwrap_or_else(|| panic!("no spread for {figure}"))
    };
    for s in spread {
        let (min, median, max) = (
            s["min"].as_f64().unwrap(),
            s["median"].as_f64().unwrap(),
            s["max"].as_f64().unwrap(),
        );
        assert!(0.0 < min && min <= median && median <= max, "{s}");
        if s["unit"] == "s/op" {
            assert_eq!(s["samples"], 5, "{s}");
        }
    }
    let seal = find("AES-256-GCM seal, 64 B");
    let rate = 64.0 / seal["median"].as_f64().unwrap() / 1e6;
    assert!((doc["aead"][0]["seal_mb_per_second"].as_f64().unwrap() - rate).abs() < 1e-6 * rate);
    let searches = find("brute force, 1 thread: search");
    assert_eq!(
        doc["brute_force"]["rows"][0]["search_keys_per_second"],
        searches["median"]
    );
    let load = &doc["load"];
    let widest = spread
        .iter()
        .map(|s| {
            (s["max"].as_f64().unwrap() - s["min"].as_f64().unwrap())
                / s["median"].as_f64().unwrap()
        })
        .fold(0.0, f64::max);
    assert!(
        (load["widest_spread"].as_f64().unwrap() - widest).abs() < 1e-9,
        "{load}"
    );
    if widest > 0.25 {
        assert_eq!(load["busy"], true, "{load}");
    }
    crate::json::assert_documented("bench", &doc);
    assert!(doc["machine"]["cores"].as_u64().unwrap() >= 1);
    // The saved report gives `scale` its rates: the class sees the rehearsal's sums.
    std::fs::write(dir.join("bench.json"), doc.to_string()).unwrap();
    let scale = doormat(&dir, &["scale", "--rates", "bench.json", "--json"])
        .ok()
        .json();
    let inputs = &scale["inputs"];
    assert_eq!(
        inputs["rsa_decrypts_per_core_second"],
        doc["rates"]["rsa_decrypts"]
    );
    assert_eq!(
        inputs["aes_opens_per_core_second"],
        doc["rates"]["aes_opens"]
    );
    assert_eq!(
        inputs["key_trials_per_core_second"],
        doc["rates"]["key_trials"]
    );
    assert!(
        inputs["rates_from"]
            .as_str()
            .unwrap()
            .contains("bench.json"),
        "{inputs}"
    );
    let backends: Vec<&str> = doc["backends"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap())
        .collect();
    assert!(backends.contains(&"rsa"));
    let rows = doc["schemes"].as_array().unwrap();
    assert_eq!(rows.len(), doormat::DESIGNS.len() * backends.len());
    let row = |backend: &str, scheme: &str| -> &Value {
        rows.iter()
            .find(|r| r["backend"] == backend && r["scheme"] == scheme)
            .unwrap_or_else(|| panic!("{backend}/{scheme}"))
    };
    for backend in &backends {
        let none = row(backend, "none");
        let golden = row(backend, "golden-key");
        assert_eq!(none["send_ratio"], 1.0);
        // One more 256-byte wrap, in base64: the escrow field costs bytes on every message.
        assert!(golden["bytes"].as_u64().unwrap() > none["bytes"].as_u64().unwrap() + 340);
        assert!(golden["escrow_read_us"].as_f64().unwrap() > 0.0);
        assert!(none["escrow_read_us"].is_null());
        assert!(row(backend, "forward-secret")["escrow_read_us"].is_null());
        for r in rows.iter().filter(|r| r["backend"] == *backend) {
            assert!(r["send_us"].as_f64().unwrap() > 0.0, "{r}");
        }
    }
    let recovery = doc["recovery"].as_array().unwrap();
    assert!(recovery
        .iter()
        .all(|r| r["messages_per_second"].as_f64().unwrap() > 0.0));
    let keying = doc["keying"].as_array().unwrap();
    assert_eq!(keying.len(), 2);
    assert!(keying[1]["bytes_ratio"].as_f64() < keying[0]["bytes_ratio"].as_f64());

    // Brute force beside its bound: one thread, then every core, with the share and
    // the scaling computed from the rows (their values are timings, not asserted).
    let brute = &doc["brute_force"];
    let rows = brute["rows"].as_array().unwrap();
    assert_eq!(rows[0]["threads"], 1);
    assert_eq!(rows.last().unwrap()["threads"], doc["machine"]["cores"]);
    for row in rows {
        let bound = row["bound_keys_per_second"].as_f64().unwrap();
        let search = row["search_keys_per_second"].as_f64().unwrap();
        assert!(bound > 0.0 && search > 0.0, "{row}");
        let share = row["share_of_bound"].as_f64().unwrap();
        assert!((share - search / bound).abs() < 1e-9, "{row}");
    }
    let scaling = rows.last().unwrap()["search_keys_per_second"]
        .as_f64()
        .unwrap()
        / rows[0]["search_keys_per_second"].as_f64().unwrap();
    assert!((brute["scaling"].as_f64().unwrap() - scaling).abs() < 1e-9);
    assert!(brute["full_open_keys_per_second"].as_f64().unwrap() > 0.0);
    // The search runs the kernel whose bound is highest, among those this CPU runs.
    let kernels = brute["kernel_bounds"].as_array().unwrap();
    let method = brute["method"].as_str().unwrap();
    match kernels.iter().max_by(|a, b| {
        a["keys_per_second"]
            .as_f64()
            .unwrap()
            .total_cmp(&b["keys_per_second"].as_f64().unwrap())
    }) {
        Some(best) => assert_eq!(best["method"], method),
        None => assert_eq!(method, "portable"),
    }
    for kernel in kernels {
        assert!(["vaes-512", "vaes-256", "aes-ni"].contains(&kernel["method"].as_str().unwrap()));
        assert!(kernel["keys_per_second"].as_f64().unwrap() > 0.0);
    }
}

#[test]
fn scale_shows_its_arithmetic_from_given_rates() {
    let dir = scratch("scale");
    let args = [
        "scale",
        "--rsa-per-second",
        "1000",
        "--aes-per-second",
        "1000000",
        "--trials-per-second",
        "1000000",
        "--usd-per-core-hour",
        "0.05",
        "--bits",
        "24",
    ];
    let text = doormat(&dir, &args).ok().stdout.clone();
    assert!(text.contains("100,000,000,000 messages a day"), "{text}");
    assert!(
        text.contains("1.00e11 unwraps / 1000 per s + 1.00e11 opens / 1.00e6 per s = 1.00e8"),
        "{text}"
    );
    assert!(text.contains("given as flags"));
    // The brute-force table prices one key too: 2^23 trials at 10^6 a second is 8.4
    // core-seconds, at $0.05 a core-hour.
    let key_row = text
        .lines()
        .find(|l| l.trim_start().starts_with("24 "))
        .unwrap_or_else(|| panic!("no 24-bit row: {text}"));
    let usd = 8_388_608.0 / 1e6 / 3600.0 * 0.05;
    assert!(key_row.ends_with(&format!("{usd:.2e}")), "{key_row}");
    assert!(text.contains("one key, $"), "{text}");
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let doc = doormat(&dir, &json_args).ok().json();
    let per_message = &doc["escrow"][0];
    assert_eq!(per_message["core_seconds"], 100_100_000.0);
    let per_session = &doc["escrow"][1];
    assert_eq!(per_session["unwraps"], 1e9);
    assert_eq!(doc["brute_force"][0]["average_trials"], 8_388_608.0);
}

#[test]
fn scale_refuses_nonsense_rates() {
    let dir = scratch("scale-bad");
    // A saved report that is not one, or whose rates are not rates, is refused with
    // the file and the field, and nothing is measured in its place.
    std::fs::write(dir.join("notes.json"), "{\"machine\": {}}").unwrap();
    doormat(&dir, &["scale", "--rates", "notes.json"]).refused(&[
        "notes.json",
        "rates",
        "doormat bench --json",
    ]);
    std::fs::write(
        dir.join("bad.json"),
        r#"{"rates": {"rsa_decrypts": 1000, "aes_opens": "fast", "key_trials": 1e6}}"#,
    )
    .unwrap();
    doormat(&dir, &["scale", "--rates", "bad.json"]).refused(&["bad.json", "rates.aes_opens"]);
    std::fs::write(dir.join("broken.json"), "{\"rates\": ").unwrap();
    doormat(&dir, &["scale", "--rates", "broken.json"]).refused(&["broken.json", "not JSON"]);
    doormat(
        &dir,
        &[
            "scale",
            "--rsa-per-second",
            "0",
            "--aes-per-second",
            "1",
            "--trials-per-second",
            "1",
        ],
    )
    .refused(&["--rsa-per-second", "not a positive number"]);
    doormat(
        &dir,
        &[
            "scale",
            "--rsa-per-second",
            "1",
            "--aes-per-second",
            "1",
            "--trials-per-second",
            "1",
            "--bits",
            "300",
        ],
    )
    .refused(&["--bits"]);
    doormat(
        &dir,
        &[
            "scale",
            "--session-size",
            "0",
            "--rsa-per-second",
            "1",
            "--aes-per-second",
            "1",
            "--trials-per-second",
            "1",
        ],
    )
    .refused(&["--session-size"]);
}
