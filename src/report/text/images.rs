//! Text of the image attacks on client-side scanning: evade, collide, poison.

use super::*;
use crate::report::doc::{Doc, Run};

/// `doormat attack evade` and `collide`: the image made, and the trials.
pub(crate) fn image_attack(_: &Style, r: &ImageAttackReport) -> Doc {
    let mut doc = Doc::default();
    let evading = r.attack == Attack::Evade;
    if let Some(m) = &r.made {
        let from = m.from.display();
        // The headline says what happened: a failed attempt is not an evasion or a
        // collision, and the list still sees (or still does not take) the image.
        let title = match (evading, m.success) {
            (true, true) => format!(
                "PDQ evasion: {} looks like {from}; the list misses it",
                m.out.display()
            ),
            (true, false) => format!(
                "PDQ evasion failed: {} looks like {from}, and the list still matches it",
                m.out.display()
            ),
            (false, success) => {
                let target = m.target.as_deref().unwrap_or(std::path::Path::new("?"));
                if success {
                    format!(
                        "PDQ collision: {} looks like {from}; the list takes it for {}",
                        m.out.display(),
                        target.display()
                    )
                } else {
                    format!(
                        "PDQ collision failed: {} looks like {from}, but its hash is not close enough to {}'s",
                        m.out.display(),
                        target.display()
                    )
                }
            }
        };
        doc.title(title);
        let aim = if evading {
            "its original"
        } else {
            "the target"
        };
        let verdict = match (m.success, evading) {
            (true, true) => Run::open("✓ evaded"),
            (true, false) => Run::open("✓ matches"),
            (false, _) => Run::sealed("✗ failed"),
        };
        doc.fact_runs(
            "distance",
            10,
            vec![
                format!(
                    "{:>3} bits from {aim}'s hash (a match: {} or less)  ",
                    m.distance, r.threshold
                )
                .into(),
                verdict,
            ],
        )
        .fact(
            "PSNR",
            10,
            format!(
                "{} against {from} (30 dB and above: hard to see)",
                decibels(m.psnr_db)
            ),
        )
        .fact("took", 10, format!("{:.2} s", m.seconds));
    }
    if let Some(t) = &r.trials {
        let side = crate::attacks::perceptual::TRIAL_SIDE;
        let what = if evading { "evaded" } else { "matched" };
        doc.title(format!(
            "over {} generated {side}x{side} pictures:",
            t.trials
        ))
        .fact(
            what,
            10,
            format!(
                "{} of {} ({:.1}%); PSNR min {}, mean {}",
                t.successes,
                t.trials,
                100.0 * t.success_rate,
                decibels(t.min_psnr_db),
                decibels(t.mean_psnr_db)
            ),
        )
        .fact(
            "time",
            10,
            format!(
                "mean {:.2} s, max {:.2} s a picture",
                t.mean_seconds, t.max_seconds
            ),
        );
        let literature: &[&str] = if evading {
            &[
                "Jain, Creţu and de Montjoye (USENIX Security 2022): over 99.9% of images",
                "evade perceptual-hash detection, PDQ among the hashes they tested",
            ]
        } else {
            &["NeuralHash: model public by 15 Aug 2021, first forged collision 18 Aug"]
        };
        for line in literature {
            doc.note(*line);
        }
    }
    doc
}

pub(super) fn decibels(db: f64) -> String {
    if db.is_finite() {
        format!("{db:.1} dB")
    } else {
        "identical".to_owned()
    }
}

/// `doormat attack poison`: who the list authority learns about.
pub(crate) fn poison(style: &Style, r: &PoisonReport) -> Doc {
    let mut doc = Doc::default();
    let name = r
        .picture
        .as_deref()
        .map(|p| format!(" ({p})"))
        .unwrap_or_default();
    doc.title(format!(
        "list poisoned with {}{name}: {} reports, {} users exposed",
        r.image.display(),
        r.reports,
        r.reported_users.len()
    ))
    .line(format!(
        "hash {} added; the list now holds {} entries",
        &r.hash.to_hex()[..16],
        r.list_entries
    ))
    .line(format!(
        "{} sent images scanned again, as the phones would after the update",
        r.images_scanned
    ));
    let mut table = Table::new(
        INDENT,
        vec![
            Column::left().width(6),
            Column::left().gap(1).width(8),
            Column::left().gap(1).width(9),
            Column::right().gap(1).min(3),
        ],
    );
    if !r.matches.is_empty() {
        table.header(&["t", "message", "sender", "distance"]);
    }
    for m in &r.matches {
        let mark = if m.true_match {
            style.open("✓ shared it")
        } else {
            style.sealed("✗ false report")
        };
        table.row_with(
            vec![
                m.t.to_string().into(),
                m.id.as_str().into(),
                m.sender.as_str().into(),
                m.distance.to_string().into(),
            ],
            &format!("  {mark}"),
            0,
        );
    }
    let reported = if r.reported_users.is_empty() {
        "no one".to_owned()
    } else {
        r.reported_users.join(", ")
    };
    doc.table(table).fact("reported", 10, reported).fact(
        "false reports",
        15,
        r.false_reports.to_string(),
    );
    if let Some(t) = &r.trials {
        doc.title(format!(
            "over {} generated pictures added one at a time:",
            t.trials
        ))
        .fact(
            "caught and nothing else",
            25,
            format!(
                "{} of {} ({:.1}%); false reports {}",
                t.successes,
                t.trials,
                100.0 * t.success_rate,
                t.false_reports
            ),
        )
        .note("Hooda et al. 2022: poisoning 5% of the list, over 40% physical surveillance");
    }
    doc.line(format!("took {:.2} s", r.seconds));
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attacks::perceptual::MadeImage;

    fn headline(attack: Attack, success: bool) -> String {
        let report = ImageAttackReport {
            attack,
            threshold: 31,
            made: Some(MadeImage {
                from: "cat.png".into(),
                target: (attack == Attack::Collide).then(|| "known-1.png".into()),
                out: "forged.png".into(),
                reference_hash: Default::default(),
                hash: Default::default(),
                distance: if success { 20 } else { 60 },
                psnr_db: 35.0,
                success,
                seconds: 0.1,
            }),
            trials: None,
        };
        let mut out = Vec::new();
        let style = Style { color: false };
        image_attack(&style, &report)
            .write_text(&mut out, &style)
            .unwrap();
        String::from_utf8(out)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_owned()
    }

    /// A headline says what happened: a failed attempt never claims the list takes (or
    /// misses) the image.
    #[test]
    fn a_failed_attack_is_headlined_as_failed() {
        assert!(headline(Attack::Collide, true).contains("the list takes it for known-1.png"));
        let failed = headline(Attack::Collide, false);
        assert!(
            failed.contains("collision failed") && !failed.contains("takes it"),
            "{failed}"
        );
        assert!(headline(Attack::Evade, true).contains("the list misses it"));
        let failed = headline(Attack::Evade, false);
        assert!(
            failed.contains("evasion failed") && !failed.contains("misses it"),
            "{failed}"
        );
    }
}
