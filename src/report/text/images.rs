//! Text of the image attacks on client-side scanning: evade, collide, poison.

use super::*;

/// `doormat attack evade` and `collide`: the image made, and the trials.
pub fn image_attack(out: &mut impl Write, style: &Style, r: &ImageAttackReport) -> io::Result<()> {
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
        writeln!(out, "{}", style.bold(&title))?;
        let aim = if evading {
            "its original"
        } else {
            "the target"
        };
        let verdict = match (m.success, evading) {
            (true, true) => style.open("✓ evaded"),
            (true, false) => style.open("✓ matches"),
            (false, _) => style.sealed("✗ failed"),
        };
        writeln!(
            out,
            "{INDENT}distance  {:>3} bits from {aim}'s hash (a match: {} or less)  {verdict}",
            m.distance, r.threshold
        )?;
        writeln!(
            out,
            "{INDENT}PSNR      {} against {from} (30 dB and above: hard to see)",
            decibels(m.psnr_db)
        )?;
        writeln!(out, "{INDENT}took      {:.2} s", m.seconds)?;
    }
    if let Some(t) = &r.trials {
        let side = crate::attacks::perceptual::TRIAL_SIDE;
        let what = if evading { "evaded" } else { "matched" };
        writeln!(
            out,
            "{}",
            style.bold(&format!(
                "over {} generated {side}x{side} pictures:",
                t.trials
            ))
        )?;
        writeln!(
            out,
            "{INDENT}{what:<9} {} of {} ({:.1}%); PSNR min {}, mean {}",
            t.successes,
            t.trials,
            100.0 * t.success_rate,
            decibels(t.min_psnr_db),
            decibels(t.mean_psnr_db)
        )?;
        writeln!(
            out,
            "{INDENT}time      mean {:.2} s, max {:.2} s a picture",
            t.mean_seconds, t.max_seconds
        )?;
        let literature: &[&str] = if evading {
            &[
                "Jain, Creţu and de Montjoye (USENIX Security 2022): over 99.9% of images",
                "evade perceptual-hash detection, PDQ among the hashes they tested",
            ]
        } else {
            &["NeuralHash: model public by 15 Aug 2021, first forged collision 18 Aug"]
        };
        for line in literature {
            writeln!(out, "{INDENT}{}", style.dim(line))?;
        }
    }
    Ok(())
}

pub(super) fn decibels(db: f64) -> String {
    if db.is_finite() {
        format!("{db:.1} dB")
    } else {
        "identical".to_owned()
    }
}

/// `doormat attack poison`: who the list authority learns about.
pub fn poison(out: &mut impl Write, style: &Style, r: &PoisonReport) -> io::Result<()> {
    let name = r
        .picture
        .as_deref()
        .map(|p| format!(" ({p})"))
        .unwrap_or_default();
    writeln!(
        out,
        "{}",
        style.bold(&format!(
            "list poisoned with {}{name}: {} reports, {} users exposed",
            r.image.display(),
            r.reports,
            r.reported_users.len()
        ))
    )?;
    writeln!(
        out,
        "{INDENT}hash {} added; the list now holds {} entries",
        &r.hash.to_hex()[..16],
        r.list_entries
    )?;
    writeln!(
        out,
        "{INDENT}{} sent images scanned again, as the phones would after the update",
        r.images_scanned
    )?;
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
    table.write(out, style)?;
    writeln!(
        out,
        "{INDENT}reported  {}",
        if r.reported_users.is_empty() {
            "no one".to_owned()
        } else {
            r.reported_users.join(", ")
        }
    )?;
    writeln!(out, "{INDENT}false reports  {}", r.false_reports)?;
    if let Some(t) = &r.trials {
        writeln!(
            out,
            "{}",
            style.bold(&format!(
                "over {} generated pictures added one at a time:",
                t.trials
            ))
        )?;
        writeln!(
            out,
            "{INDENT}caught and nothing else  {} of {} ({:.1}%); false reports {}",
            t.successes,
            t.trials,
            100.0 * t.success_rate,
            t.false_reports
        )?;
        writeln!(
            out,
            "{INDENT}{}",
            style
                .dim("Hooda et al. 2022: poisoning 5% of the list, over 40% physical surveillance")
        )?;
    }
    writeln!(out, "{INDENT}took {:.2} s", r.seconds)
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
        image_attack(&mut out, &Style { color: false }, &report).unwrap();
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
