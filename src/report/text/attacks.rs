//! Text of the attacks on one design: brute force, LEAF forgery and metadata, Dual_EC.

use super::*;
use crate::report::doc::{Doc, Run};

/// `doormat attack brute-force`: the search and its extrapolation.
pub(crate) fn brute_force(_: &Style, r: &BruteForceReport) -> Doc {
    let mut doc = Doc::default();
    doc.heading(vec![
        Run::bold("brute force: message"),
        format!(" {}, {} secret bits", r.id, r.bits).into(),
    ]);
    const W: usize = 15;
    if let Some(escrowed) = r.escrowed_bits {
        doc.fact(
            "escrowed",
            W,
            format!("{escrowed} more bits, read from the workfactor reduction field"),
        );
    }
    doc.fact(
        "key space",
        W,
        format!("{} keys", group_digits(1u64 << r.bits)),
    )
    .fact("tried", W, format!("{} keys", group_digits(r.keys_tried)));
    let found = match &r.text {
        Some(text) => vec![mark(true), format!("  \"{text}\"").into()],
        None if !r.complete => vec![
            mark(false),
            "  not among the keys of this timed sample".into(),
        ],
        None => vec![
            mark(false),
            "  no key opens it (tampered, or not text?)".into(),
        ],
    };
    doc.fact_runs("found", W, found);
    let on = match &r.adapter {
        Some(adapter) => format!("on {}", adapter.name),
        None => format!("{} threads", r.threads),
    };
    doc.fact(
        "took",
        W,
        format!(
            "{:.2} s ({} keys/s, {on})",
            r.seconds,
            group_digits(r.keys_per_second as u64)
        ),
    )
    .fact("method", W, r.method.describe());
    if r.method != SearchMethod::FullOpen {
        doc.fact(
            "full opens",
            W,
            format!(
                "{} keys passed the one-block filter",
                group_digits(r.filter_passed)
            ),
        );
    }
    doc.note("at this rate, one message takes on average:");
    let mut table = Table::new(
        &format!("{INDENT}  "),
        vec![
            Column::right().width(3),
            Column::left().gap(1),
            Column::left().gap(5),
        ],
    );
    for e in &r.extrapolation {
        table.row(vec![
            e.bits.to_string().into(),
            "bits".into(),
            duration(e.average_seconds).into(),
        ]);
    }
    doc.table(table);
    // Side by side, at the same rate: what Notes' real key left the agency and everyone.
    if let Some(escrowed) = r.escrowed_bits {
        let at = |bits: u32| {
            r.extrapolation
                .iter()
                .find(|e| e.bits == bits)
                .map_or_else(|| "-".to_owned(), |e| duration(e.average_seconds))
        };
        let (notes, agency) = (64, 64 - escrowed);
        doc.note(format!(
            "Lotus Notes ({notes}-bit keys, {escrowed} bits escrowed), at this rate:"
        ))
        .fact_in(
            4,
            "the agency",
            W,
            vec![format!("{agency} bits, {}", at(agency)).into()],
        )
        .fact_in(
            4,
            "everyone else",
            W,
            vec![format!("{notes} bits, {}", at(notes)).into()],
        );
    }
    doc
}

/// "✓ OPEN" or "✗ sealed" from the attacker's point of view: what it could read.
fn mark(open: bool) -> Run {
    if open {
        Run::open("✓ OPEN")
    } else {
        Run::sealed("✗ sealed")
    }
}

/// `doormat attack leaf-forgery`: Blaze's attack, measured.
pub(crate) fn leaf_forgery(_: &Style, r: &ForgeryReport) -> Doc {
    let mut doc = Doc::default();
    doc.title(format!("LEAF forgery (Blaze, 1994): {} trials", r.trials))
        .line("random LEAFs tried until the receiver's 16-bit check passed:")
        .runs(
            4,
            vec![format!(
                "mean {} (expected {}, standard error {}), min {}, max {}",
                group_digits(r.mean_tries.round() as u64),
                group_digits(r.expected_tries),
                group_digits(r.standard_error.round() as u64),
                group_digits(r.min_tries),
                group_digits(r.max_tries)
            )
            .into()],
        );
    let recovered = if r.escrow_recovered > 0 {
        mark(true)
    } else {
        Run::sealed("✗ garbage")
    };
    const W: usize = 36;
    doc.fact_runs(
        "escrow agents recovered the key",
        W,
        vec![
            format!("{} of {}  ", r.escrow_recovered, r.trials).into(),
            recovered,
        ],
    )
    .fact(
        "rogue pair's messages still opened",
        W,
        format!("{} of {}", r.conversation_worked, r.trials),
    )
    .fact_runs(
        "honest device's LEAF, same key",
        W,
        vec![
            format!(
                "{} of {} opened by the agents  ",
                r.honest_recovered, r.trials
            )
            .into(),
            mark(r.honest_recovered > 0),
        ],
    )
    .line(format!("took {:.2} s", r.seconds));
    doc
}

/// `doormat attack leaf-metadata`: what the family key alone reveals.
pub(crate) fn leaf_metadata(_: &Style, r: &MetadataReport) -> Doc {
    let mut doc = Doc::default();
    doc.title(format!(
        "family key alone: {} of {} LEAFs read, {} devices identified",
        r.leafs_read,
        r.messages_total,
        r.devices.len()
    ));
    let mut table = Table::new(
        INDENT,
        vec![
            Column::left().width(8),
            Column::right().width(10),
            Column::left(),
        ],
    );
    table.header(&["unit id", "messages", "sent as"]);
    for d in &r.devices {
        table.row(vec![
            format!("{:08x}", d.unit_id).into(),
            d.messages.to_string().into(),
            d.senders.join(", ").into(),
        ]);
    }
    doc.table(table).note("who talks to whom (by device):");
    let mut contacts = Table::new(
        INDENT,
        vec![Column::left(), Column::left().gap(1), Column::left()],
    );
    for c in &r.contacts {
        contacts.row(vec![
            format!("{:08x} ↔", c.units[0]).into(),
            format!("{:08x}", c.units[1]).into(),
            format!("{} messages", c.messages).into(),
        ]);
    }
    doc.table(contacts);
    doc
}

/// `doormat attack dual-ec`: what the backdoor predicted.
pub(crate) fn dual_ec(_: &Style, r: &DualEcReport) -> Doc {
    let mut doc = Doc::default();
    doc.title(format!(
        "{}'s d: {} of {} messages opened ({:.0}%)",
        r.holder,
        r.messages_opened,
        r.messages_total,
        r.radius.percent_opened()
    ));
    if !r.fits {
        doc.line("d·Q ≠ P for the Q in these devices: this backdoor predicts nothing here");
        let why = match &r.q_replaced_by {
            Some(by) => {
                format!("({by} replaced Q in this world, as at Juniper; only {by}'s d fits now)")
            }
            None => {
                "(this backdoor was made for another world: its Q is not this world's)".to_owned()
            }
        };
        doc.note(why);
    } else {
        const W: usize = 28;
        doc.fact(
            "generator states recovered",
            W,
            format!("{} (one per sender)", r.states_recovered),
        )
        .fact(
            "x-coordinates tried",
            W,
            format!(
                "{} (of 65,536 per search)",
                group_digits(r.candidates_tried)
            ),
        )
        .fact(
            "false states",
            W,
            format!(
                "{} (passed the 16-bit check, failed the full one)",
                r.false_states
            ),
        );
    }
    doc.line(format!("took {:.2} s", r.seconds));
    doc
}
