//! The key search on a GPU (`--device gpu`, the `gpu` feature): it finds a planted key
//! and agrees with the CPU search, and refuses what it cannot do with one clear message.
//! On a machine with no GPU, Mesa's lavapipe runs the same shader on the CPU (CI and
//! `tests/setup.sh` install it): no test here is skipped for want of hardware.

use std::process::{Command, Stdio};

use crate::util::*;

/// A 24-bit short-key world whose first message's secret is small (the seed was chosen
/// so): lavapipe tries about a million keys a second on two cores.
fn planted_world(dir: &std::path::Path) -> std::path::PathBuf {
    simulate(dir, "w", "short-key", (2, 2), 28, &["--bits", "24"]).ok();
    dir.join("w")
}

/// `doormat attack brute-force --world w` and `extra`, in `dir`.
fn search(dir: &std::path::Path, extra: &[&str]) -> Run {
    let mut args = vec!["attack", "brute-force", "--world", "w"];
    args.extend_from_slice(extra);
    doormat(dir, &args)
}

#[test]
fn the_gpu_finds_a_planted_24_bit_key_and_agrees_with_the_cpu() {
    // No RSA on either side of the comparison.
    independent_of_rsa_backend!();
    let dir = scratch("gpu-planted");
    let world = planted_world(&dir);
    let gpu = search(&dir, &["--device", "gpu", "--json"]).ok().json();
    // One CPU thread tries the keys in order, as the GPU's batches are read: both count
    // the same keys up to the one that opens.
    let cpu = search(&dir, &["--device", "cpu", "--threads", "1", "--json"])
        .ok()
        .json();
    let truth = read_jsonl(&world.join("truth.jsonl"));
    assert_eq!(gpu["found"], true, "{gpu}");
    assert_eq!(gpu["text"], truth[0]["text"]);
    assert_eq!(gpu["text"], cpu["text"]);
    assert_eq!(gpu["keys_tried"], cpu["keys_tried"]);
    assert_eq!(gpu["method"], "gpu");
    assert!(gpu["filter_passed"].as_u64().unwrap() >= 1);
    let adapter = &gpu["adapter"];
    assert!(!adapter["name"].as_str().unwrap().is_empty(), "{adapter}");
    assert!(cpu.get("adapter").is_none());
    crate::json::assert_documented("attack brute-force", &gpu);
    // The text says where it ran.
    let text = search(&dir, &["--device", "gpu"]);
    text.ok();
    let name = adapter["name"].as_str().unwrap();
    assert!(
        text.stdout.contains(&format!("on {name}")),
        "{}",
        text.stdout
    );
    for line in text.stdout.lines() {
        if line.contains(name) || line.contains("WGSL") {
            assert!(line.chars().count() <= 80, "{line}");
        }
    }
    // Nothing from the Vulkan layers on stderr.
    assert_eq!(text.stderr, "", "{}", text.stderr);
}

#[test]
fn the_gpu_search_honours_a_sample_and_stops_when_told() {
    independent_of_rsa_backend!();
    let dir = scratch("gpu-sample");
    simulate(&dir, "w", "short-key", (2, 1), 5, &["--bits", "40"]).ok();
    let started = std::time::Instant::now();
    let report = search(&dir, &["--device", "gpu", "--sample", "0.5", "--json"])
        .ok()
        .json();
    assert!(started.elapsed().as_secs_f64() < 20.0);
    assert_eq!(report["complete"], false, "{report}");
    assert_eq!(report["found"], false);
    let tried = report["keys_tried"].as_u64().unwrap();
    assert!(tried > 0 && tried < 1 << 40, "{report}");
    assert!(report["keys_per_second"].as_f64().unwrap() > 0.0);
}

#[test]
fn device_flags_are_checked() {
    independent_of_rsa_backend!();
    let dir = scratch("gpu-flags");
    planted_world(&dir);
    let refused = |extra: &[&str], needles: &[&str]| search(&dir, extra).refused(needles);
    refused(
        &["--device", "tpu"],
        &["--device", "not a device", "cpu, gpu or auto"],
    );
    refused(
        &["--device", "gpu", "--method", "portable"],
        &["--device", "runs on the CPU", "give one of the two"],
    );
    refused(
        &["--device", "cpu", "--method", "gpu"],
        &["--device", "runs on the GPU"],
    );
    refused(
        &["--device", "auto", "--method", "portable"],
        &["auto chooses the method"],
    );
    // auto picks a method this machine has: on lavapipe (a renderer on the CPU) the
    // CPU's own AES instructions are faster, so auto stays on the CPU there.
    let auto = search(&dir, &["--device", "auto", "--json"]).ok().json();
    assert_eq!(auto["found"], true);
    let gpu = search(&dir, &["--device", "gpu", "--json"]).ok().json();
    let is_hardware = gpu["adapter"]["kind"].as_str().unwrap().ends_with("GPU");
    assert_eq!(auto["method"] == "gpu", is_hardware, "{auto}");
}

#[test]
fn no_adapter_is_one_clear_refusal() {
    independent_of_rsa_backend!();
    let dir = scratch("gpu-none");
    planted_world(&dir);
    // A Vulkan loader that finds no driver: what a machine without a GPU driver sees.
    let missing = dir.join("no-such-icd.json");
    for args in [&["--device", "gpu"][..], &["--method", "gpu"][..]] {
        let output = Command::new(bin())
            .args(["attack", "brute-force", "--world", "w"])
            .args(args)
            .current_dir(&dir)
            .env("VK_ICD_FILENAMES", &missing)
            .env("VK_DRIVER_FILES", &missing)
            .stdin(Stdio::null())
            .output()
            .expect("doormat runs");
        let run = Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        run.refused(&[
            "no GPU adapter",
            args[0],
            "mesa-vulkan-drivers",
            "--device cpu",
        ]);
        assert_eq!(
            run.stderr
                .lines()
                .filter(|l| l.starts_with("error"))
                .count(),
            1,
            "{}",
            run.stderr
        );
        assert_eq!(run.stdout, "");
    }
}
