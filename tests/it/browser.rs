//! Headless Chromium (Debian's `chromium`, which tests/setup.sh installs), driven from
//! its command line: `--dump-dom` gives the page as the browser built it, and with
//! `--enable-logging=stderr` every console message (a script error, or a request the
//! page's Content Security Policy refused) appears on stderr as `CONSOLE`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The browser, or a failure that says how to get one: the tests never skip.
pub fn chromium() -> &'static Path {
    static FOUND: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    FOUND.get_or_init(|| {
        ["chromium", "chromium-browser", "google-chrome"]
            .iter()
            .find_map(|name| {
                std::env::var_os("PATH").and_then(|paths| {
                    std::env::split_paths(&paths)
                        .map(|dir| dir.join(name))
                        .find(|p| p.is_file())
                })
            })
            .expect(
                "no chromium on PATH: run `bash tests/setup.sh` (it installs Debian's chromium)",
            )
    })
}

/// What the browser made of a page.
pub struct Loaded {
    /// The DOM, serialised after loading.
    pub dom: String,
    /// Console messages: errors, refused requests.
    pub console: Vec<String>,
}

fn run(page: &Path, extra: &[&str]) -> std::process::Output {
    // Each run gets its own profile, so that tests running at once do not share one.
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let output = Command::new("timeout")
        .arg("60")
        .arg(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "chromium failed on {}: {}",
        page.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Loads `page` and returns its DOM and console messages.
pub fn load(page: &Path) -> Loaded {
    let output = run(page, &["--dump-dom"]);
    let console = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| l.contains("CONSOLE"))
        .map(str::to_owned)
        .collect();
    Loaded {
        dom: String::from_utf8_lossy(&output.stdout).into_owned(),
        console,
    }
}

/// A PNG screenshot of `page`, `height` pixels tall at 1280 wide.
pub fn screenshot(page: &Path, png: &Path, height: u32) {
    run(
        page,
        &[
            &format!("--screenshot={}", png.display()),
            &format!("--window-size=1280,{height}"),
        ],
    );
}

/// Asserts that a screenshot shows something: not one flat colour.
pub fn assert_not_blank(png_path: &Path) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_path).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let channels = info.color_type.samples();
    let pixels = &pixels[..info.buffer_size()];
    let first = &pixels[..channels];
    let differing = pixels
        .chunks(channels)
        .filter(|p| p[..3] != first[..3])
        .count();
    let total = pixels.len() / channels;
    assert!(
        differing * 50 > total,
        "{}: only {differing} of {total} pixels differ from the first",
        png_path.display()
    );
}

/// The page loads with no console message (no error, no refused request) and holds
/// no reference to anything outside itself.
pub fn assert_self_contained(page: &Path, loaded: &Loaded) {
    assert!(
        loaded.console.is_empty(),
        "{}: {:#?}",
        page.display(),
        loaded.console
    );
    let source = std::fs::read_to_string(page).unwrap();
    for needle in [" src=", " href=", "@import", "url("] {
        assert!(!source.contains(needle), "{}: {needle}", page.display());
    }
    assert!(source.contains("default-src 'none'"));
}
