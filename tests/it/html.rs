//! `--html FILE`: one self-contained page per report, checked in a real browser against
//! the `--json` of the same run (each command is run once with both flags).

use std::path::Path;

use serde_json::Value;

use crate::browser::{assert_clean_page, assert_loads_clean, load};
use crate::util::{doormat, scratch, shared_world};

/// Loads `page` in Chromium, checks that it loads clean (no console message, no request
/// but itself, tables in the accessibility tree, a screenshot that is not blank), and
/// returns the DOM.
fn check_page(page: &Path, height: u32) -> String {
    let loaded = load(page, height);
    assert_clean_page(page, &loaded);
    loaded.dom
}

/// The flagship demo as a page: every act in order, and every matrix's every cell
/// (the numbers of `--json`) in the DOM. Its screenshot is the one in docs/.
#[test]
fn demo_page_holds_every_act_and_every_matrix_number() {
    independent_of_rsa_backend!();
    let dir = scratch("html-demo");
    let run = doormat(
        &dir,
        &["demo", "--seed", "1", "--json", "--html", "class.html"],
    );
    let doc = run.ok().json();
    let dom = check_page(&dir.join("class.html"), 2400);
    let mut last = 0;
    for act in doc["acts"].as_array().unwrap() {
        let heading = format!(
            "{}. {}",
            act["number"],
            act["title"]
                .as_str()
                .unwrap()
                .replace('&', "&amp;")
                .replace('<', "&lt;")
        );
        let at = dom
            .find(&heading)
            .unwrap_or_else(|| panic!("{heading} missing"));
        assert!(at > last, "acts in order: {heading}");
        last = at;
        for block in act["blocks"].as_array().unwrap() {
            if block["kind"] != "matrix" {
                continue;
            }
            for row in block["matrix"]["rows"].as_array().unwrap() {
                for cell in row["cells"].as_array().unwrap() {
                    let words = format!("{} of {}", cell["readable"], cell["messages"]);
                    assert!(dom.contains(&words), "{words} missing");
                }
            }
        }
    }
    assert!(dom.contains("<svg"), "the matrix is drawn");
    assert!(dom.contains("<caption>"), "and tabled");
    assert!(dom.contains("▲"), "a party that gained access is marked");
}

/// The picture in docs/: two acts, the second a leak, so that one screen holds the
/// matrix before and after with the thief's row marked. Rewritten with
/// DOORMAT_UPDATE_SCREENSHOTS=1; otherwise the test checks that it still loads clean.
#[test]
fn the_example_in_the_docs_is_made_by_this_test() {
    independent_of_rsa_backend!();
    let dir = scratch("html-example");
    std::fs::write(
        dir.join("leak.toml"),
        "name = \"golden-key-leak-short\"\n\
         summary = \"Four people talk under a golden key; the key leaks.\"\n\
         sources = [\"doormat's own run: doormat demo --file leak.toml --seed 1\"]\n\n\
         [world]\nusers = [\"alice\", \"bob\", \"carol\", \"dave\"]\nscheme = \"golden-key\"\n\n\
         [[act]]\ntitle = \"Everyone talks; the tap records\"\n\
         say = \"Each message is wrapped for its readers and for the escrow key.\"\n\
         [[act.event]]\ndo = \"send\"\nmessages = 300\n\n\
         [[act]]\ntitle = \"The golden key leaks\"\n\
         say = \"An insider copies one file, escrow.pem, to an attacker.\"\n\
         [[act.event]]\ndo = \"leak\"\nkey = \"escrow\"\nto = \"attacker\"\n",
    )
    .unwrap();
    doormat(
        &dir,
        &[
            "demo",
            "--file",
            "leak.toml",
            "--seed",
            "1",
            "--html",
            "leak.html",
        ],
    )
    .ok();
    let page = dir.join("leak.html");
    let loaded = load(&page, 2050);
    assert_clean_page(&page, &loaded);
    assert!(
        loaded.dom.contains("▲ attacker"),
        "the attacker gained access"
    );
    if std::env::var_os("DOORMAT_UPDATE_SCREENSHOTS").is_some() {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report-example.png");
        std::fs::write(docs, &loaded.png).unwrap();
    }
}

/// recover, compare and exercise check: the page states the same numbers as --json.
#[test]
fn recover_compare_and_grades_pages_match_their_json() {
    independent_of_rsa_backend!();
    let dir = scratch("html-commands");
    let world = shared_world("golden-key");
    let doc = doormat(
        &dir,
        &[
            "recover",
            "--world",
            world.to_str().unwrap(),
            "--key",
            world.join("keys/escrow.pem").to_str().unwrap(),
            "--json",
            "--html",
            "recover.html",
        ],
    )
    .ok()
    .json();
    let dom = check_page(&dir.join("recover.html"), 1400);
    let total = format!("{} of {}", doc["messages_opened"], doc["messages_total"]);
    assert!(dom.contains(&total), "{total}");
    for user in doc["per_user"].as_array().unwrap() {
        let words = format!("{} of {}", user["opened"], user["messages"]);
        assert!(dom.contains(&words), "{words}");
    }

    // The shared seeded run's page; a copy stays here as the existing page below.
    let compared = crate::util::compare_run();
    let doc = &compared.json;
    let dom = check_page(&compared.page, 1400);
    std::fs::copy(&compared.page, dir.join("compare.html")).unwrap();
    for row in doc["rows"].as_array().unwrap() {
        let Some(radius) = row.get("radius").filter(|r| !r.is_null()) else {
            continue;
        };
        let words = format!(
            "{} of {} (",
            radius["messages_opened"], radius["messages_total"]
        );
        assert!(dom.contains(&words), "{words}");
    }

    doormat(
        &dir,
        &[
            "exercise",
            "new",
            "--kind",
            "leaked-golden-key",
            "--students",
            "3",
            "--out",
            "class",
        ],
    )
    .ok();
    let flag = std::fs::read_to_string(dir.join("class/instructor/answers.csv"))
        .unwrap()
        .lines()
        .find(|l| l.starts_with("student02,"))
        .unwrap()
        .split(',')
        .nth(1)
        .unwrap()
        .to_owned();
    std::fs::write(
        dir.join("answers.csv"),
        format!("student,answer\nstudent01,doormat{{nope}}\nstudent02,{flag}\n"),
    )
    .unwrap();
    let doc = doormat(
        &dir,
        &[
            "exercise",
            "check",
            "--key",
            "class/instructor/grading.json",
            "--csv",
            "answers.csv",
            "--json",
            "--html",
            "grades.html",
        ],
    )
    .ok()
    .json();
    let dom = check_page(&dir.join("grades.html"), 900);
    let students = doc["students"].as_u64().unwrap();
    assert!(dom.contains(&format!("{} of {students}", doc["right"])));
    for row in doc["rows"].as_array().unwrap() {
        assert!(dom.contains(row["student"].as_str().unwrap()));
    }
    // A page to project hides the answers and shows how the points fell; the
    // teacher's copy shows them.
    assert!(
        !dom.contains(&flag) && !dom.contains("nope"),
        "answers on the page"
    );
    assert!(dom.contains("Points: a mean of 3.3 of 10"));
    assert!(dom.contains("10 of 10 points") && dom.contains("0 of 10 points"));
    assert_eq!(doc["points"], serde_json::json!([0.0, 10.0, 0.0]));
    doormat(
        &dir,
        &[
            "exercise",
            "check",
            "--key",
            "class/instructor/grading.json",
            "--csv",
            "answers.csv",
            "--show-answers",
            "--html",
            "grades.html",
            "--force",
        ],
    )
    .ok();
    let dom = check_page(&dir.join("grades.html"), 900);
    assert!(dom.contains(&flag), "the teacher's copy shows the answers");

    // An existing page is not replaced without --force, nor may the page be an input.
    doormat(
        &dir,
        &["compare", "--messages", "10", "--html", "compare.html"],
    )
    .refused(&["compare.html", "already exists"]);
    doormat(
        &dir,
        &[
            "exercise",
            "check",
            "--key",
            "class/instructor/grading.json",
            "--csv",
            "answers.csv",
            "--html",
            "answers.csv",
            "--force",
        ],
    )
    .refused(&["also an input"]);
}

/// Text from a scenario file is text: a title or a line holding markup shows as that
/// markup, written out, and the browser runs nothing.
#[test]
fn markup_in_a_scenario_comes_out_as_text() {
    independent_of_rsa_backend!();
    let dir = scratch("html-escape");
    std::fs::write(
        dir.join("evil.toml"),
        "name = \"evil\"\nsummary = \"A <script>alert('summary')</script> demo.\"\n\
         sources = [\"<a href='http://example.com'>source</a>\"]\n\n\
         [world]\nusers = [\"alice\", \"bob\"]\nscheme = \"golden-key\"\n\n\
         [[act]]\ntitle = \"<script>alert(1)</script>\"\n\
         say = [\"<img src=x onerror=alert(2)> & more\"]\nshow = [\"parties\"]\n",
    )
    .unwrap();
    let run = doormat(
        &dir,
        &["demo", "--file", "evil.toml", "--html", "evil.html"],
    );
    run.ok();
    let page = dir.join("evil.html");
    let loaded = load(&page, 900);
    assert!(loaded.console.is_empty(), "{:#?}", loaded.console);
    let dom = &loaded.dom;
    assert!(
        dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{dom}"
    );
    assert!(dom.contains("&lt;img src=x onerror=alert(2)&gt; &amp; more"));
    assert!(
        dom.contains("&lt;a href='http://example.com'&gt;") || dom.contains("&lt;a href=&#39;")
    );
    assert!(!dom.contains("<script"), "no script element");
    assert!(!dom.contains("<img"), "no image element");
    let json: Value = doormat(&dir, &["demo", "--file", "evil.toml", "--json"])
        .ok()
        .json();
    assert_eq!(json["acts"][0]["title"], "<script>alert(1)</script>");
}

/// The browser checks can fail: a page that fetches an image and logs an error is
/// caught, and so is one whose Content Security Policy refuses a fetch.
#[test]
fn the_browser_checks_see_requests_and_errors() {
    independent_of_rsa_backend!();
    let dir = scratch("html-checker");
    let page = dir.join("bad.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><img src=\"http://127.0.0.1:9/x.png\">\
         <script>console.error('oops')</script><p>text</p></body></html>",
    )
    .unwrap();
    let loaded = load(&page, 600);
    assert_eq!(loaded.requests.len(), 2, "{:?}", loaded.requests);
    assert!(!loaded.console.is_empty());
    assert!(!loaded.roles.iter().any(|r| r == "table"));
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" \
         content=\"default-src 'none'\"></head><body><img src=\"http://127.0.0.1:9/x.png\">\
         </body></html>",
    )
    .unwrap();
    let loaded = load(&page, 600);
    assert!(
        loaded
            .console
            .iter()
            .any(|m| m.contains("Content Security Policy")),
        "{:#?}",
        loaded.console
    );
}

/// Every command whose report is a page beyond the demo, recover, compare, bench and
/// grades (above) takes `--html` too: each page loads clean in Chromium, names what it
/// reports in its headings, and states the figures of the `--json` printed by the same
/// run (whole numbers as the text groups them, names as they are).
#[test]
fn every_other_report_is_a_page_with_its_json_figures() {
    let dir = scratch("html-every-report");
    let commands: &[(&str, &[&str], &[&str])] = &[
        ("list", &["demo", "--list"], &[]),
        (
            "simulate",
            &[
                "simulate",
                "--scheme",
                "short-key",
                "--bits",
                "16",
                "--messages",
                "4",
                "--seed",
                "5",
                "--out",
                "sk",
            ],
            &["/messages", "/scheme"],
        ),
        (
            "brute-force",
            &["attack", "brute-force", "--world", "sk", "--threads", "1"],
            &["/bits", "/keys_tried", "/text"],
        ),
        (
            "scan-world",
            &[
                "simulate",
                "--scheme",
                "client-scan",
                "--messages",
                "12",
                "--seed",
                "5",
                "--out",
                "cs",
            ],
            &["/messages", "/scheme"],
        ),
        (
            "poison",
            &[
                "attack",
                "poison",
                "--world",
                "cs",
                "--image",
                "cs/gallery/known-1.png",
            ],
            &["/list_entries", "/images_scanned", "/reports", "/picture"],
        ),
        (
            "evade",
            &[
                "attack",
                "evade",
                "--image",
                "cs/gallery/known-1.png",
                "--out",
                "edited.png",
            ],
            &["/distance", "/threshold", "/out"],
        ),
        (
            "leaf-forgery",
            &["attack", "leaf-forgery", "--trials", "3", "--seed", "1"],
            &[
                "/trials",
                "/escrow_recovered",
                "/honest_recovered",
                "/min_tries",
            ],
        ),
        (
            "scale",
            &[
                "scale",
                "--rsa-per-second",
                "1000",
                "--aes-per-second",
                "1000000",
                "--trials-per-second",
                "50000000",
            ],
            &["/brute_force/0/bits", "/brute_force/3/bits"],
        ),
        (
            "exercise-new",
            &[
                "exercise",
                "new",
                "--kind",
                "short-key",
                "--students",
                "2",
                "--seed",
                "1",
                "--out",
                "class",
            ],
            &["/class_id", "/grading", "/seed"],
        ),
        (
            "hint",
            &[
                "exercise",
                "hint",
                "--key",
                "class/instructor/grading.json",
                "--level",
                "1",
            ],
            &["/code", "/level", "/hints"],
        ),
    ];
    for (name, args, pointers) in commands {
        let page = format!("{name}.html");
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--json", "--html", &page]);
        let json = doormat(&dir, &all).ok().json();
        let loaded = load(&dir.join(&page), 400);
        assert_loads_clean(&dir.join(&page), &loaded);
        let dom = loaded.dom;
        let text = dom
            .replace("&amp;", "&")
            .replace("&#39;", "'")
            .replace("&quot;", "\"");
        assert!(text.contains("<h1>"), "{name}: a title");
        let mut shown: Vec<String> = pointers
            .iter()
            .map(|p| match &json.pointer(p) {
                // As the page groups them, by the library's own function.
                Some(Value::Number(n)) => doormat::report::text::group_digits(n.as_u64().unwrap()),
                Some(Value::String(s)) => s.clone(),
                other => panic!("{name}: {p} is {other:?}"),
            })
            .collect();
        if *name == "list" {
            let demos = json["demos"].as_array().unwrap();
            shown.extend(demos.iter().map(|d| d["name"].as_str().unwrap().to_owned()));
        }
        for figure in shown {
            assert!(text.contains(&figure), "{name}: {figure} not on the page");
        }
    }
    // A world's folder holds only what doormat writes there: no page inside it.
    doormat(
        &dir,
        &[
            "simulate",
            "--scheme",
            "short-key",
            "--out",
            "sk",
            "--force",
            "--html",
            "sk/page.html",
        ],
    )
    .refused(&["sk/page.html", "--html", "inside the world's folder"]);
    // A page is refused where it would replace a file, as every other output is.
    doormat(
        &dir,
        &[
            "attack",
            "leaf-forgery",
            "--trials",
            "3",
            "--html",
            "hint.html",
        ],
    )
    .refused(&["hint.html", "already exists", "--force"]);
}

/// What is wrong with the slide on screen: elements outside the window, a pane whose
/// content is cut, a window that scrolls.
const SLIDE_PROBLEMS: &str = "(() => {
  const slide = document.querySelector('section.slide.current');
  const [w, h] = [innerWidth, innerHeight];
  const out = [...slide.querySelectorAll('*')].filter((e) => {
    const r = e.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return false;
    if (getComputedStyle(e).display === 'none' || e.closest('aside.notes, .spilled')) return false;
    return r.left < -1 || r.top < -1 || r.right > w + 1 || r.bottom > h + 1;
  }).map((e) => 'outside: ' + e.tagName + ' ' + (e.textContent || '').slice(0, 40));
  const cut = [...slide.querySelectorAll('.words, .picture')]
    .filter((b) => b.scrollHeight > b.clientHeight + 1 || b.scrollWidth > b.clientWidth + 1)
    .map((b) => 'cut: ' + b.className);
  const scrolls = document.documentElement.scrollHeight > h + 1 || document.documentElement.scrollWidth > w + 1;
  return out.concat(cut, scrolls ? ['the window scrolls'] : []);
})()";

/// Every demo, run once with `--html` and `--slides`. The handout: the raw envelope
/// folded away, no chart text running out of its picture, tables at 14 px or more. The
/// slides, at 1920x1080
/// and at 1280x720: every slide reached by the keys, nothing outside the window or cut,
/// the narration at 28 px or more at 1080 lines, the speaker notes on N, and no error
/// (the page's policy refuses any request, and a refusal is one).
#[test]
fn every_demo_has_a_handout_and_slides_that_fit_the_projector() {
    independent_of_rsa_backend!();
    let dir = scratch("html-slides");
    let list = doormat(&dir, &["demo", "--list", "--json"]).ok().json();
    let context = crate::browser::new_context();
    let url = |path: &Path| format!("file://{}", path.canonicalize().unwrap().display());
    for demo in list["demos"].as_array().unwrap() {
        let name = demo["name"].as_str().unwrap();
        let (page, deck) = (format!("{name}.html"), format!("{name}-slides.html"));
        let run = doormat(
            &dir,
            &[
                "demo", name, "--seed", "42", "--json", "--html", &page, "--slides", &deck,
            ],
        );
        let acts = run.ok().json()["acts"].as_array().unwrap().len();

        let tab = crate::browser::Tab::open(&url(&dir.join(&page)), &context, "");
        tab.resize(1600, 900);
        let unfolded = tab.eval(
            "[...document.querySelectorAll('pre')].filter(p => !p.closest('details:not([open])')).length",
        );
        assert_eq!(unfolded, 0, "{name}: an envelope shown unfolded");
        let spilled = tab.eval(
            "[...document.querySelectorAll('svg')].flatMap(svg => {
               const box = svg.viewBox.baseVal;
               return [...svg.querySelectorAll('text')].filter(t => {
                 const b = t.getBBox();
                 return b.x < box.x - 1 || b.x + b.width > box.x + box.width + 1;
               }).map(t => t.textContent);
             })",
        );
        assert_eq!(spilled, serde_json::json!([]), "{name}: chart text cut off");
        let small = tab.eval(
            "[...document.querySelectorAll('td, th, caption')]
               .filter(e => parseFloat(getComputedStyle(e).fontSize) < 14).length",
        );
        assert_eq!(small, 0, "{name}: table text under 14 px");
        assert!(tab.errors().is_empty(), "{name}: {:?}", tab.errors());
        drop(tab);

        let tab = crate::browser::Tab::open(&url(&dir.join(&deck)), &context, "");
        let slides = tab.eval("document.querySelectorAll('section.slide').length");
        assert_eq!(
            slides,
            acts as u64 + 2,
            "{name}: a title, the acts, the sources"
        );
        for (width, height) in [(1920, 1080), (1280, 720)] {
            tab.resize(width, height);
            tab.eval("dispatchEvent(new KeyboardEvent('keydown', { key: 'Home' }))");
            for n in 1..=acts + 2 {
                let number = tab
                    .eval("document.querySelector('section.slide.current p.number').textContent");
                assert_eq!(
                    number,
                    format!("{n} / {}", acts + 2),
                    "{name} at {width}x{height}"
                );
                let problems = tab.eval(SLIDE_PROBLEMS);
                assert_eq!(
                    problems,
                    serde_json::json!([]),
                    "{name}, slide {n}, {width}x{height}"
                );
                if height == 1080 {
                    let smallest = tab.eval(
                        "Math.min(...[...document.querySelectorAll('section.slide.current p.say')]
                           .filter(p => getComputedStyle(p).display !== 'none')
                           .map(p => parseFloat(getComputedStyle(p).fontSize)), 99)",
                    );
                    assert!(
                        smallest.as_f64().unwrap() >= 28.0,
                        "{name}, slide {n}: {smallest} px"
                    );
                }
                tab.eval("dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight' }))");
            }
        }
        tab.eval("dispatchEvent(new KeyboardEvent('keydown', { key: 'Home' }))");
        tab.eval("dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight' }))");
        let notes =
            "getComputedStyle(document.querySelector('section.slide.current aside.notes')).display";
        assert_eq!(tab.eval(notes), "none", "{name}: notes hidden at first");
        tab.eval("dispatchEvent(new KeyboardEvent('keydown', { key: 'n' }))");
        assert_eq!(tab.eval(notes), "block", "{name}: N shows the notes");
        let said =
            tab.eval("document.querySelector('section.slide.current aside.notes').textContent");
        assert!(
            !said.as_str().unwrap().trim().is_empty(),
            "{name}: act 1 has notes"
        );
        assert!(tab.errors().is_empty(), "{name}: {:?}", tab.errors());
    }
}
