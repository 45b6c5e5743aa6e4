//! A demo as slides for a projector (`doormat demo --slides FILE`): one act a screen,
//! made from the same run's values as the page, the text and `--json`.
//!
//! What the slides promise, beyond a page's promises (self-contained, every value
//! escaped):
//! - **One act, one screen, nothing cut.** Each slide is exactly the window, at any
//!   16:9 size. The act's title and narration are on the left, its one picture on the
//!   right: the matrix where the act changed it, else its timeline, its comparison, or
//!   its facts. A script run at load and on every resize moves the narration's last
//!   paragraphs, or the facts' last lines, into the speaker notes until what is left
//!   fits; the slide says so. Everything else the act shows is in the `--html` page.
//! - **Projector type.** Dark theme; the root size is 2.6% of the window's height, so
//!   body text is 28 px at 1080 lines and scales with the screen.
//! - **Keys.** → ↓ space PageDown next; ← ↑ PageUp Backspace back; Home and End; N the
//!   speaker notes (the teaching guide's plan for that act, then everything moved off
//!   the slide). The slide number is kept in the address, so a reload stays put.
//! - **Offline.** One file: the script is inline and allowed by its hash alone in the
//!   Content Security Policy; the page can make no request.

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::*;
use crate::report::ShownMatrices;

/// The teaching guide, whose per-demo lesson plans are the speaker notes.
const GUIDE: &str = include_str!("../../../docs/teaching-guide.md");

/// The whole slide deck for `run`.
pub fn slides(run: &DemoRun) -> String {
    let notes = guide_notes(&run.demo);
    let mut page = Page::default();
    let total = run.acts.len() + 2;
    page.raw("<section class=\"slide title-slide\">\n<div class=\"words\">\n");
    page.element("h1", "", &format!("doormat demo: {}", run.demo));
    page.element("p", "lede", &run.summary);
    if let Some(seed) = run.seed {
        page.element(
            "p",
            "seed",
            &format!("seed {seed}: a rerun gives the same figures"),
        );
    }
    page.element("p", "keys", "→ or space: next · ←: back · N: speaker notes");
    page.raw("</div>\n");
    notes_aside(
        &mut page,
        notes.get(&0).map(Vec::as_slice).unwrap_or(&[]),
        &[],
        &[],
    );
    slide_number(&mut page, 1, total);
    page.raw("</section>\n");

    let mut shown = ShownMatrices::default();
    for (i, act) in run.acts.iter().enumerate() {
        page.raw("<section class=\"slide\">\n<div class=\"words\">\n");
        page.element("h2", "", &format!("{}. {}", act.number, act.title));
        for paragraph in &act.narration {
            page.element("p", "say", paragraph);
        }
        if !act.cite.is_empty() {
            let cited: Vec<String> = act.cite.iter().map(|n| format!("[{n}]")).collect();
            page.element("p", "cite", &format!("Sources: {}", cited.join(" ")));
        }
        page.raw("<p class=\"moved\" hidden>more in the notes (N)</p>\n</div>\n");
        page.raw("<div class=\"picture\">\n");
        picture(&mut page, act, &shown);
        page.raw("</div>\n");
        let guide = notes.get(&act.number).map(Vec::as_slice).unwrap_or(&[]);
        notes_aside(&mut page, guide, &act.narration, &act_facts(act));
        slide_number(&mut page, i + 2, total);
        page.raw("</section>\n");
        shown.record(act.number, &act.blocks);
    }

    page.raw("<section class=\"slide\">\n<div class=\"words\">\n");
    page.element("h2", "", "Sources");
    page.raw("<ol class=\"sources\">\n");
    for source in run
        .acts
        .iter()
        .flat_map(|act| &act.blocks)
        .filter_map(|b| match b {
            Block::Sources { sources } => Some(sources),
            _ => None,
        })
    {
        for source in source {
            page.element("li", "", source);
        }
    }
    page.raw("</ol>\n<p class=\"moved\" hidden>more in the notes (N)</p>\n</div>\n");
    notes_aside(&mut page, &[], &[], &[]);
    slide_number(&mut page, total, total);
    page.raw("</section>\n");

    let title = escape(&format!("doormat demo: {}", run.demo));
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT));
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{hash}'; img-src data:\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"doormat {version}\">\n\
         <title>{title}</title>\n<style>{SLIDE_STYLE}</style>\n</head>\n<body>\n\
         {body}<script>{SCRIPT}</script>\n</body>\n</html>\n",
        version = env!("CARGO_PKG_VERSION"),
        body = page.out,
    )
}

/// The act's one picture: the matrix if this act changed it, else its timeline, its
/// comparison, what a compromise opened, or its facts.
fn picture(page: &mut Page, act: &Act, shown: &ShownMatrices) {
    // A picture of the story itself (a forged photo) says more than any chart of it.
    let listed = act_facts(act);
    if listed
        .iter()
        .any(|f| matches!(f.said, Said::Picture { .. }))
    {
        pictures(page, &listed);
        return;
    }
    let matrix = act.blocks.iter().find_map(|b| match b {
        Block::Matrix { matrix } if shown.last(&matrix.design).map(|(_, m)| m) != Some(matrix) => {
            Some(matrix)
        }
        _ => None,
    });
    if let Some(matrix) = matrix {
        let previous = shown.last(&matrix.design).map(|(_, m)| m);
        let gained = gained_rows(previous, matrix);
        heat_map(page, matrix, &gained, &format!("After act {}", act.number));
        return;
    }
    for block in &act.blocks {
        match block {
            Block::Timeline { timeline, .. } => return timeline_strip(page, timeline),
            Block::Comparison { rows } => {
                return radius_bars(page, "The same compromise, design by design", rows)
            }
            Block::Radius { .. } => return radius_block(page, block),
            _ => {}
        }
    }
    let listed = act_facts(act);
    if !listed.is_empty() {
        facts(page, &listed);
        return;
    }
    if act.blocks.iter().any(|b| matches!(b, Block::Matrix { .. })) {
        page.element(
            "p",
            "unchanged",
            "Who can read what: unchanged by this act.",
        );
    }
}

/// Every fact the act states, in order.
fn act_facts(act: &Act) -> Vec<Fact> {
    act.blocks
        .iter()
        .filter_map(|b| match b {
            Block::Facts { facts } => Some(facts.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn slide_number(page: &mut Page, n: usize, total: usize) {
    page.element("p", "number", &format!("{n} / {total}"));
}

/// The speaker notes of one slide: the guide's lines for it, then the act's narration
/// and facts (whatever the slide has no room for is among them).
fn notes_aside(page: &mut Page, guide: &[String], narration: &[String], listed: &[Fact]) {
    page.raw("<aside class=\"notes\">\n");
    for line in guide {
        page.element("p", "guide", line);
    }
    for paragraph in narration {
        page.element("p", "", paragraph);
    }
    if !listed.is_empty() {
        fact_list(page, listed);
    }
    page.raw("</aside>\n");
}

/// The items of the guide's 10-minute plan for `demo`, by the act each names ("Act 3",
/// "Acts 4-6"); an item that names no act goes with the title slide (0).
fn guide_notes(demo: &str) -> std::collections::BTreeMap<usize, Vec<String>> {
    let mut notes: std::collections::BTreeMap<usize, Vec<String>> = Default::default();
    let Some(start) = GUIDE.find(&format!("\n## {demo}")) else {
        return notes;
    };
    let section = &GUIDE[start + 1..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let Some(plan) = section.find("**Lesson plan") else {
        return notes;
    };
    let plan = &section[plan..];
    let plan = &plan[..plan.find("\n\n").unwrap_or(plan.len())];
    let mut items: Vec<String> = Vec::new();
    for line in plan.lines().skip(1) {
        let trimmed = line.trim();
        let numbered = trimmed
            .split_once(". ")
            .filter(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        if let Some((_, rest)) = numbered {
            items.push(rest.to_owned());
        } else if let Some(last) = items.last_mut() {
            last.push(' ');
            last.push_str(trimmed);
        }
    }
    for item in items {
        let acts = acts_named(&item);
        if acts.is_empty() {
            notes.entry(0).or_default().push(item);
        } else {
            for act in acts {
                notes.entry(act).or_default().push(item.clone());
            }
        }
    }
    notes
}

/// The acts an item of a lesson plan names first: "Act 3" is [3], "Acts 4-6" [4, 5, 6].
fn acts_named(item: &str) -> Vec<usize> {
    let Some(at) = item.find("Act") else {
        return Vec::new();
    };
    let rest = item[at + 3..].trim_start_matches('s').trim_start();
    let number = |text: &str| -> (Option<usize>, usize) {
        let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
        (digits.parse().ok(), digits.len())
    };
    let (Some(first), len) = number(rest) else {
        return Vec::new();
    };
    let last = rest[len..]
        .strip_prefix('-')
        .and_then(|after| number(after).0)
        .filter(|&last| last >= first && last - first < 20)
        .unwrap_or(first);
    (first..=last).collect()
}

const SLIDE_STYLE: &str = "
:root { --ink: #f2f2f2; --muted: #c8c8c8; --rule: #5a5a5a; --accent: #e69f00; }
html { font-size: 2.6vh; }
body { margin: 0; background: #111418; color: var(--ink); overflow: hidden;
  font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; line-height: 1.35; }
section.slide { position: absolute; inset: 0; display: none; box-sizing: border-box;
  padding: 4vh 4vw 6vh; grid-template-columns: 1fr 1fr; gap: 3vw; }
section.slide.current { display: grid; }
section.title-slide { grid-template-columns: 1fr; align-content: center; }
.words, .picture { min-height: 0; min-width: 0; overflow: hidden; }
.picture { display: flex; flex-direction: column; justify-content: center; }
h1 { font-size: 2.2rem; margin: 0 0 1rem; }
h2 { font-size: 1.6rem; margin: 0 0 0.8rem; color: #ffffff; }
h3 { font-size: 1.1rem; margin: 0 0 0.6rem; }
.picture details { display: none; }
p { font-size: 1rem; margin: 0 0 0.7rem; }
p.lede { font-size: 1.2rem; color: var(--muted); }
p.cite, p.seed, p.keys, p.moved { color: var(--muted); }
p.moved { font-style: italic; }
p.number { position: absolute; right: 4vw; bottom: 1.5vh; margin: 0; color: var(--muted); }
ol.sources li { font-size: 1rem; margin: 0 0 0.4rem; }
figure { margin: 0; display: flex; flex-direction: column; min-height: 0; height: 100%; }
figcaption { font-size: 1rem; font-weight: 600; margin: 0 0 0.4rem; }
svg { flex: 1 1 auto; min-height: 0; width: 100%; height: 100%; background: #ffffff;
  border-radius: 0.3rem; font-family: inherit; }
.picture table { display: none; }
div.images { display: flex; gap: 1.5vw; align-items: flex-start; min-height: 0; }
div.images figure { flex: 1 1 0; height: auto; min-width: 0; }
div.images img { width: 100%; height: auto; max-height: 60vh; object-fit: contain;
  image-rendering: pixelated; border-radius: 0.3rem; }
div.images figcaption { font-weight: 400; font-size: 0.9rem; color: var(--muted); margin: 0.4rem 0 0; }
.picture p.note { font-size: 0.9rem; margin: 0.4rem 0 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.3rem 1rem; margin: 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
.open { color: #8cc4ff; font-weight: 700; }
.sealed { color: var(--muted); }
.note { color: var(--muted); }
p.line { margin: 0.2rem 0; }
p.sub { margin-left: 1.5rem; }
[hidden], .spilled { display: none !important; }
aside.notes { display: none; }
body.notes section.slide.current aside.notes { display: block; position: absolute; inset: 0;
  overflow: auto; background: #000000; padding: 4vh 4vw; box-sizing: border-box; }
body.notes section.slide.current aside.notes p.guide { color: var(--accent); }
";

/// Keys, the slide in the address, and the fitting of each slide to the window.
const SCRIPT: &str = "(() => {
  const slides = [...document.querySelectorAll('section.slide')];
  let current = Math.min(Math.max(parseInt(location.hash.slice(1), 10) || 1, 1), slides.length) - 1;
  // Moves the last shown paragraph, or line of facts, off the slide until the slide
  // fits; the notes hold the narration whole.
  const fit = (slide) => {
    slide.querySelectorAll('.spilled').forEach((e) => e.classList.remove('spilled'));
    const moved = slide.querySelector('p.moved');
    if (moved) moved.hidden = true;
    for (const [pane, selector] of [['.words', 'p.say, li'], ['.picture', 'dl.facts > *, p.line, p.note, figure']]) {
      const box = slide.querySelector(pane);
      if (!box) continue;
      const items = [...box.querySelectorAll(selector)];
      while (box.scrollHeight > box.clientHeight + 1 && items.length > 1) {
        items.pop().classList.add('spilled');
        if (moved && pane === '.words') moved.hidden = false;
      }
    }
  };
  const show = (n) => {
    current = Math.min(Math.max(n, 0), slides.length - 1);
    slides.forEach((s, i) => s.classList.toggle('current', i === current));
    fit(slides[current]);
    try { history.replaceState(null, '', '#' + (current + 1)); } catch (e) { /* a file: address may refuse */ }
  };
  addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const next = ['ArrowRight', 'ArrowDown', ' ', 'PageDown', 'Enter'];
    const back = ['ArrowLeft', 'ArrowUp', 'PageUp', 'Backspace'];
    if (next.includes(e.key)) show(current + 1);
    else if (back.includes(e.key)) show(current - 1);
    else if (e.key === 'Home') show(0);
    else if (e.key === 'End') show(slides.length - 1);
    else if (e.key === 'n' || e.key === 'N') document.body.classList.toggle('notes');
    else return;
    e.preventDefault();
  });
  addEventListener('resize', () => fit(slides[current]));
  show(current);
})();";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_item_goes_to_the_acts_it_names() {
        assert_eq!(acts_named("(2 min) Act 3: the warrant"), vec![3]);
        assert_eq!(acts_named("(2 min) Acts 4-6: the leak."), vec![4, 5, 6]);
        assert_eq!(
            acts_named("(1 min) Read the letter aloud."),
            Vec::<usize>::new()
        );
        let notes = guide_notes("golden-key-leak");
        assert!(notes[&5]
            .iter()
            .any(|n| n.contains("The leak") || n.contains("the leak")));
        assert!(notes[&2][0].contains("the matrix"), "{:?}", notes[&2]);
        assert!(guide_notes("no-such-demo").is_empty());
    }
}
