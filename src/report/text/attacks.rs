//! Text of the attacks on one design: brute force, LEAF forgery and metadata, Dual_EC.

use super::*;

/// `doormat attack brute-force`: the search and its extrapolation.
pub fn brute_force(out: &mut impl Write, style: &Style, r: &BruteForceReport) -> io::Result<()> {
    writeln!(
        out,
        "{} {}, {} secret bits",
        style.bold("brute force: message"),
        r.id,
        r.bits
    )?;
    if let Some(escrowed) = r.escrowed_bits {
        writeln!(
            out,
            "{INDENT}escrowed       {escrowed} more bits, read from the workfactor reduction field"
        )?;
    }
    writeln!(
        out,
        "{INDENT}key space      {} keys",
        group_digits(1u64 << r.bits)
    )?;
    writeln!(
        out,
        "{INDENT}tried          {} keys",
        group_digits(r.keys_tried)
    )?;
    match &r.text {
        Some(text) => writeln!(
            out,
            "{INDENT}found          {}  \"{text}\"",
            style.mark(true)
        )?,
        None if !r.complete => writeln!(
            out,
            "{INDENT}found          {}  not among the keys of this timed sample",
            style.mark(false)
        )?,
        None => writeln!(
            out,
            "{INDENT}found          {}  no key opens it (tampered, or not text?)",
            style.mark(false)
        )?,
    }
    let on = match &r.adapter {
        Some(adapter) => format!("on {}", adapter.name),
        None => format!("{} threads", r.threads),
    };
    writeln!(
        out,
        "{INDENT}took           {:.2} s ({} keys/s, {on})",
        r.seconds,
        group_digits(r.keys_per_second as u64),
    )?;
    writeln!(out, "{INDENT}method         {}", r.method.describe())?;
    if r.method != SearchMethod::FullOpen {
        writeln!(
            out,
            "{INDENT}full opens     {} keys passed the one-block filter",
            group_digits(r.filter_passed)
        )?;
    }
    writeln!(
        out,
        "{INDENT}{}",
        style.dim("at this rate, one message takes on average:")
    )?;
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
    table.write(out, style)?;
    // Side by side, at the same rate: what Notes' real key left the agency and everyone.
    if let Some(escrowed) = r.escrowed_bits {
        let at = |bits: u32| {
            r.extrapolation
                .iter()
                .find(|e| e.bits == bits)
                .map_or_else(|| "-".to_owned(), |e| duration(e.average_seconds))
        };
        let (notes, agency) = (64, 64 - escrowed);
        writeln!(
            out,
            "{INDENT}{}",
            style.dim(&format!(
                "Lotus Notes ({notes}-bit keys, {escrowed} bits escrowed), at this rate:"
            ))
        )?;
        writeln!(
            out,
            "{INDENT}  the agency     {agency} bits, {}",
            at(agency)
        )?;
        writeln!(out, "{INDENT}  everyone else  {notes} bits, {}", at(notes))?;
    }
    Ok(())
}

/// `doormat attack leaf-forgery`: Blaze's attack, measured.
pub fn leaf_forgery(out: &mut impl Write, style: &Style, r: &ForgeryReport) -> io::Result<()> {
    writeln!(
        out,
        "{}",
        style.bold(&format!("LEAF forgery (Blaze, 1994): {} trials", r.trials))
    )?;
    writeln!(
        out,
        "{INDENT}random LEAFs tried until the receiver's 16-bit check passed:"
    )?;
    writeln!(
        out,
        "{INDENT}  mean {} (expected {}, standard error {}), min {}, max {}",
        group_digits(r.mean_tries.round() as u64),
        group_digits(r.expected_tries),
        group_digits(r.standard_error.round() as u64),
        group_digits(r.min_tries),
        group_digits(r.max_tries)
    )?;
    let recovered = if r.escrow_recovered > 0 {
        style.mark(true)
    } else {
        style.sealed("✗ garbage")
    };
    writeln!(
        out,
        "{INDENT}escrow agents recovered the key     {} of {}  {recovered}",
        r.escrow_recovered, r.trials
    )?;
    writeln!(
        out,
        "{INDENT}rogue pair's messages still opened  {} of {}",
        r.conversation_worked, r.trials
    )?;
    writeln!(
        out,
        "{INDENT}honest device's LEAF, same key      {} of {} opened by the agents  {}",
        r.honest_recovered,
        r.trials,
        style.mark(r.honest_recovered > 0)
    )?;
    writeln!(out, "{INDENT}took {:.2} s", r.seconds)
}

/// `doormat attack leaf-metadata`: what the family key alone reveals.
pub fn leaf_metadata(out: &mut impl Write, style: &Style, r: &MetadataReport) -> io::Result<()> {
    writeln!(
        out,
        "{}",
        style.bold(&format!(
            "family key alone: {} of {} LEAFs read, {} devices identified",
            r.leafs_read,
            r.messages_total,
            r.devices.len()
        ))
    )?;
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
    table.write(out, style)?;
    writeln!(
        out,
        "{INDENT}{}",
        style.dim("who talks to whom (by device):")
    )?;
    for c in &r.contacts {
        writeln!(
            out,
            "{INDENT}{:08x} ↔ {:08x}  {} messages",
            c.units[0], c.units[1], c.messages
        )?;
    }
    Ok(())
}

/// `doormat attack dual-ec`: what the backdoor predicted.
pub fn dual_ec(out: &mut impl Write, style: &Style, r: &DualEcReport) -> io::Result<()> {
    writeln!(
        out,
        "{}",
        style.bold(&format!(
            "{}'s d: {} of {} messages opened ({:.0}%)",
            r.holder,
            r.messages_opened,
            r.messages_total,
            r.radius.percent_opened()
        ))
    )?;
    if !r.fits {
        writeln!(
            out,
            "{INDENT}d·Q ≠ P for the Q in these devices: this backdoor predicts nothing here"
        )?;
        let why = match &r.q_replaced_by {
            Some(by) => {
                format!("({by} replaced Q in this world, as at Juniper; only {by}'s d fits now)")
            }
            None => {
                "(this backdoor was made for another world: its Q is not this world's)".to_owned()
            }
        };
        writeln!(out, "{INDENT}{}", style.dim(&why))?;
    } else {
        writeln!(
            out,
            "{INDENT}generator states recovered  {} (one per sender)",
            r.states_recovered
        )?;
        writeln!(
            out,
            "{INDENT}x-coordinates tried         {} (of 65,536 per search)",
            group_digits(r.candidates_tried)
        )?;
        writeln!(
            out,
            "{INDENT}false states                {} (passed the 16-bit check, failed the full one)",
            r.false_states
        )?;
    }
    writeln!(out, "{INDENT}took {:.2} s", r.seconds)
}
