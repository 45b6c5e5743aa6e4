//! Text of `doormat bench` and `doormat scale`.

use super::table::{fixed, Align::Left, Align::Right};
use super::*;
use crate::bench::GpuSection;
use crate::report::doc::{Doc, Run};

/// `doormat bench`: every table of the benchmark.
pub fn bench_report(out: &mut impl Write, style: &Style, r: &BenchReport) -> io::Result<()> {
    let m = &r.machine;
    writeln!(
        out,
        "{} {}, {} cores, {} {} (doormat {})",
        style.bold("doormat bench:"),
        m.cpu,
        m.cores,
        m.os,
        m.arch,
        m.doormat
    )?;
    for line in wrap(&format!("method: {}", r.method), width() - 2) {
        writeln!(out, "{INDENT}{}", style.dim(&line))?;
    }
    for backend in &r.backends {
        let rows: Vec<_> = r.schemes.iter().filter(|s| s.backend == *backend).collect();
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            style.bold(&format!(
                "per message (200 B, one recipient, RSA-2048), backend {}",
                backend.name()
            ))
        )?;
        let mut table = Table::new(
            INDENT,
            fixed(&[
                (Left, 15),
                (Right, 9),
                (Right, 7),
                (Right, 9),
                (Right, 10),
                (Right, 8),
                (Right, 7),
            ]),
        );
        table.header(&[
            "design",
            "send µs",
            "×none",
            "read µs",
            "escrow µs",
            "bytes",
            "×none",
        ]);
        for row in rows {
            let escrow = row
                .escrow_read_us
                .map_or_else(|| "-".to_owned(), |us| format!("{us:.0}"));
            table.row(vec![
                row.scheme.as_str().into(),
                format!("{:.0}", row.send_us).into(),
                format!("{:.2}", row.send_ratio).into(),
                format!("{:.0}", row.read_us).into(),
                escrow.into(),
                row.bytes.to_string().into(),
                format!("{:.2}", row.bytes_ratio).into(),
            ]);
        }
        table.write(out, style)?;
    }
    writeln!(out)?;
    writeln!(out, "{}", style.bold("primitives, one thread"))?;
    let mut operations: Vec<&str> = Vec::new();
    for p in &r.primitives {
        if !operations.contains(&p.operation.as_str()) {
            operations.push(&p.operation);
        }
    }
    let layout: Vec<_> = std::iter::once((Left, 36))
        .chain(r.backends.iter().map(|_| (Right, 12)))
        .collect();
    let mut table = Table::new(INDENT, fixed(&layout));
    let titles: Vec<&str> = std::iter::once("operation")
        .chain(r.backends.iter().map(|b| b.name()))
        .collect();
    table.header(&titles);
    for operation in operations {
        let mut cells = vec![Cell::plain(operation)];
        for b in &r.backends {
            let rate = r
                .primitives
                .iter()
                .find(|p| p.backend == *b && p.operation == operation)
                .map_or_else(
                    || "-".to_owned(),
                    |p| group_digits(p.per_second.round() as u64),
                );
            cells.push(rate.into());
        }
        table.row_with(cells, " /s", 0);
    }
    table.write(out, style)?;
    for backend in &r.backends {
        dim_line(
            out,
            style,
            &format!("{}: {}", backend.name(), backend.description()),
        )?;
    }
    let mut table = Table::new(INDENT, fixed(&[(Left, 36), (Right, 12), (Right, 12)]));
    table.header(&["AES-256-GCM (aes-gcm 0.10)", "seal", "open"]);
    for a in &r.aead {
        table.row_with(
            vec![
                format!("{} B messages", a.message_bytes).into(),
                group_digits(a.seal_mb_per_second.round() as u64).into(),
                group_digits(a.open_mb_per_second.round() as u64).into(),
            ],
            " MB/s",
            0,
        );
    }
    table.write(out, style)?;
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        style.bold(&format!("golden-key against none, {}", r.preferred.name()))
    )?;
    let mut table = Table::new(
        INDENT,
        fixed(&[
            (Left, 26),
            (Right, 9),
            (Right, 11),
            (Right, 7),
            (Right, 8),
            (Right, 9),
            (Right, 7),
        ]),
    );
    table.header(&["", "none µs", "golden µs", "×", "none B", "golden B", "×"]);
    for s in &r.sizes {
        table.row(vec![
            format!("message of {} B", s.message_bytes).into(),
            format!("{:.0}", s.none_send_us).into(),
            format!("{:.0}", s.golden_send_us).into(),
            format!("{:.2}", s.send_ratio).into(),
            s.none_bytes.to_string().into(),
            s.golden_bytes.to_string().into(),
            format!("{:.2}", s.bytes_ratio).into(),
        ]);
    }
    for k in &r.keying {
        table.row(vec![
            format!("keying {}", k.keying).into(),
            format!("{:.1}", k.none_send_us).into(),
            format!("{:.1}", k.golden_send_us).into(),
            format!("{:.2}", k.send_ratio).into(),
            format!("{:.0}", k.none_bytes).into(),
            format!("{:.0}", k.golden_bytes).into(),
            format!("{:.2}", k.bytes_ratio).into(),
        ]);
    }
    table.write(out, style)?;
    writeln!(out)?;
    writeln!(out, "{}", style.bold("mass recovery with the escrow key"))?;
    let mut table = Table::new(
        INDENT,
        fixed(&[
            (Left, 12),
            (Left, 22),
            (Right, 8),
            (Right, 11),
            (Right, 14),
            (Right, 9),
        ]),
    );
    table.header(&[
        "backend",
        "keying",
        "threads",
        "envelopes",
        "messages/s",
        "of bound",
    ]);
    for row in &r.recovery {
        table.row(vec![
            row.backend.name().into(),
            row.keying.as_str().into(),
            row.threads.to_string().into(),
            row.envelopes.to_string().into(),
            group_digits(row.messages_per_second.round() as u64).into(),
            share(row.share_of_bound, row.bound_set_by_search).into(),
        ]);
    }
    table.write(out, style)?;
    dim_line(
        out,
        style,
        "bound: an RSA-OAEP unwrap per content key and an AES-GCM open per message,",
    )?;
    dim_line(
        out,
        style,
        "on the same threads, nothing else; the faster of two runs each (--quick: one)",
    )?;
    writeln!(out)?;
    let b = &r.brute_force;
    writeln!(
        out,
        "{}",
        style.bold("brute force of a short key, against its bound")
    )?;
    writeln!(out, "{INDENT}{}", style.dim(&b.method_description))?;
    if b.kernel_bounds.len() > 1 {
        // Which kernel is fastest is measured, not assumed: the bound is the best.
        let mut table = Table::new(INDENT, fixed(&[(Left, 28), (Right, 18)]));
        table.header(&["kernel", "bound, 1 thread"]);
        for kernel in &b.kernel_bounds {
            table.row(vec![
                kernel.method.name().into(),
                group_digits(kernel.keys_per_second.round() as u64).into(),
            ]);
        }
        table.write(out, style)?;
    }
    let mut table = search_table("threads");
    for row in &b.rows {
        table.row(vec![
            row.threads.to_string().into(),
            group_digits(row.bound_keys_per_second.round() as u64).into(),
            group_digits(row.search_keys_per_second.round() as u64).into(),
            share(row.share_of_bound, row.bound_set_by_search).into(),
        ]);
    }
    table.write(out, style)?;
    let mut table = labelled();
    table.row(vec![
        "scaling to every core".into(),
        format!("{:.2}x one thread", b.scaling).into(),
    ]);
    table.row(vec![
        "a 32-bit key (TEA1)".into(),
        format!(
            "{} on average",
            crate::demo::duration(b.average_seconds_32_bits)
        )
        .into(),
    ]);
    table.row(vec![
        "without the filter".into(),
        format!(
            "{} keys/s (a full AES-GCM open per key)",
            group_digits(b.full_open_keys_per_second.round() as u64)
        )
        .into(),
    ]);
    table.write(out, style)?;
    writeln!(out)?;
    gpu(out, style, &r.gpu)?;
    let d = &r.dual_ec;
    writeln!(
        out,
        "{}",
        style.bold("Dual_EC state recovery with d, against its bound")
    )?;
    dim_line(
        out,
        style,
        "bound: a decompression per candidate, two P-256 multiplications per point",
    )?;
    dim_line(
        out,
        style,
        "on the curve, nothing else; its fastest rates in this run",
    )?;
    let mut table = labelled();
    table.row(vec![
        "decompressions".into(),
        format!(
            "{} a second on {} threads",
            group_digits(d.decompressions_per_second.round() as u64),
            d.threads
        )
        .into(),
    ]);
    table.row(vec![
        "scalar multiplications".into(),
        format!(
            "{} a second on {} threads",
            group_digits(d.scalar_mults_per_second.round() as u64),
            d.threads
        )
        .into(),
    ]);
    table.row(vec![
        "x-coordinates".into(),
        format!(
            "{} tried, {} on the curve, {} states",
            group_digits(d.candidates_tried),
            group_digits(d.points_on_curve),
            d.states
        )
        .into(),
    ]);
    table.row(vec![
        "searches took".into(),
        format!(
            "{:.2} s, bound {:.2} s: {} of the bound",
            d.seconds,
            d.bound_seconds,
            share(d.share_of_bound, d.bound_set_by_search).trim_end()
        )
        .into(),
    ]);
    table.row(vec![
        "one device's future".into(),
        format!("{:.2} s per state", d.seconds_per_state).into(),
    ]);
    table.write(out, style)?;
    let set_by_search = r.brute_force.rows.iter().any(|row| row.bound_set_by_search)
        || r.recovery.iter().any(|row| row.bound_set_by_search)
        || r.dual_ec.bound_set_by_search
        || matches!(&r.gpu, GpuSection::Measured(g) if g.bound_set_by_search);
    if set_by_search {
        writeln!(out)?;
        dim_line(out, style, SET_BY_SEARCH)?;
    }
    writeln!(out)?;
    load(out, style, r)?;
    dim_line(out, style, &format!("took {:.1} s", r.seconds))
}

/// The load average and the widest spread, and a line when they make the run busy.
fn load(out: &mut impl Write, style: &Style, r: &BenchReport) -> io::Result<()> {
    let l = &r.load;
    let average = |a: Option<f64>| a.map_or("unknown".to_owned(), |a| format!("{a:.2}"));
    dim_line(
        out,
        style,
        &format!(
            "load average {} before, {} after, on {} cores",
            average(l.load_average_before),
            average(l.load_average_after),
            r.machine.cores
        ),
    )?;
    if let Some(figure) = &l.widest_figure {
        let widest = format!(
            "widest spread {:.0}% ({figure}); every figure's min, median, max: --json",
            l.widest_spread * 100.0
        );
        for line in wrap(&widest, width() - 2) {
            dim_line(out, style, &line)?;
        }
    }
    if l.busy {
        let busy = format!(
            "busy: the load average passed the core count, or a figure spread more than \
             {:.0}%: run again on a quiet machine before quoting these figures",
            crate::bench::BUSY_SPREAD * 100.0
        );
        for line in wrap(&busy, width() - 2) {
            writeln!(out, "{INDENT}{}", style.bold(&line))?;
        }
    }
    Ok(())
}

/// A search's rows under their header: `first`, then the bound, the search and the
/// share.
fn search_table(first: &str) -> Table {
    let mut table = Table::new(
        INDENT,
        fixed(&[(Left, 10), (Right, 18), (Right, 18), (Right, 10)]),
    );
    table.header(&[first, "bound keys/s", "search keys/s", "share"]);
    table
}

/// Labelled lines: a 28-column label, then its value.
fn labelled() -> Table {
    Table::new(INDENT, fixed(&[(Left, 28), (Left, 0)]))
}

/// The footnote to a share marked `*`.
const SET_BY_SEARCH: &str =
    "* the job ran faster than every timing of its bound alone: its rate is the bound";

/// A share of a bound, marked where the job itself set the bound.
fn share(share: f64, set_by_search: bool) -> String {
    format!(
        "{:.0}%{}",
        share * 100.0,
        if set_by_search { "*" } else { " " }
    )
}

/// The GPU search against its bound, or why there was none to measure.
fn gpu(out: &mut impl Write, style: &Style, section: &GpuSection) -> io::Result<()> {
    writeln!(
        out,
        "{}",
        style.bold("brute force on a GPU, against its bound")
    )?;
    let g = match section {
        GpuSection::Measured(g) => g,
        GpuSection::Unavailable { unavailable } => {
            dim_line(out, style, unavailable)?;
            return writeln!(out);
        }
    };
    for line in wrap(
        &format!(
            "{} ({}; {})",
            g.adapter.name, g.adapter.kind, g.adapter.backend
        ),
        width() - 2,
    ) {
        writeln!(out, "{INDENT}{}", style.dim(&line))?;
    }
    dim_line(
        out,
        style,
        "bound: the same shader with no filter and nothing kept",
    )?;
    let mut table = search_table("");
    table.row(vec![
        "GPU".into(),
        group_digits(g.bound_keys_per_second.round() as u64).into(),
        group_digits(g.search_keys_per_second.round() as u64).into(),
        share(g.share_of_bound, g.bound_set_by_search).into(),
    ]);
    table.write(out, style)?;
    let mut table = labelled();
    for (what, seconds) in [
        ("a 32-bit key (TEA1)", g.average_seconds_32_bits),
        ("a 40-bit key (export)", g.average_seconds_40_bits),
    ] {
        table.row(vec![
            what.into(),
            format!("{} on average", crate::demo::duration(seconds)).into(),
        ]);
    }
    table.write(out, style)?;
    writeln!(out)
}

/// `doormat scale`: the projection and its arithmetic.
pub(crate) fn scale_report(_: &Style, r: &ScaleReport) -> Doc {
    let mut doc = Doc::default();
    let i = &r.inputs;
    doc.heading(vec![
        Run::bold("doormat scale:"),
        format!(" {} messages a day", quantity(i.messages_per_day)).into(),
    ])
    .note(format!("rates: {}", i.rates_from));
    let mut rates = Table::new(&format!("{INDENT}  "), fixed(&[(Left, 22), (Right, 14)]));
    for (flag, value) in [
        ("--rsa-per-second", i.rsa_decrypts_per_core_second),
        ("--aes-per-second", i.aes_opens_per_core_second),
        ("--trials-per-second", i.key_trials_per_core_second),
    ] {
        rates.row_with(
            vec![flag.into(), quantity(value).into()],
            " per core-second",
            0,
        );
    }
    doc.table(rates)
        .blank()
        .title("one day of traffic, opened with a leaked escrow key");
    for line in &r.escrow {
        doc.line(line.keying.as_str())
            .wrapped(6, line.arithmetic.as_str());
        let money = line.usd.map_or_else(String::new, |usd| {
            match dollars(usd).strip_prefix("more than ") {
                Some(at_least) => format!(", more than ${at_least}"),
                None => format!(", ${}", dollars(usd)),
            }
        });
        doc.runs(
            6,
            vec![format!(
                "= {} core-hours{money}; {} cores keep up with the traffic",
                quantity(line.core_hours),
                quantity(line.cores_to_keep_up.ceil())
            )
            .into()],
        );
    }
    doc.blank()
        .title("brute-forcing short keys: on average half the key space per key");
    // Each cell is right-aligned in its column with at least two spaces before it,
    // so that even "more than 1.8e308" never runs into its neighbour.
    let priced = i.usd_per_core_hour.is_some();
    let widths: &[usize] = if priced {
        &[18, 19, 19, 15]
    } else {
        &[18, 19, 19]
    };
    let mut table = Table::new(
        INDENT,
        std::iter::once(Column::left().width(5))
            .chain(widths.iter().map(|w| Column::right().width(w - 2)))
            .collect(),
    );
    let titles = [
        "bits",
        "one key",
        "a day's msg keys",
        "a day's sessions",
        "one key, $",
    ];
    table.header(&titles[..=widths.len()]);
    for b in &r.brute_force {
        let usd = b.usd_per_key.map(dollars).unwrap_or_default();
        let cells = [
            b.bits.to_string(),
            duration(b.core_seconds_per_key),
            sci(b.core_hours_per_day_per_message),
            sci(b.core_hours_per_day_per_session),
            usd,
        ];
        table.row(
            cells[..=widths.len()]
                .iter()
                .map(|c| c.as_str().into())
                .collect(),
        );
    }
    doc.table(table)
        .note(format!(
            "per key: 2^(bits-1) trials / {} trials per core-second, on one core;",
            quantity(i.key_trials_per_core_second)
        ))
        .note("a day's keys: core-hours to find every one");
    if i.usd_per_core_hour.is_none() {
        doc.note("add --usd-per-core-hour PRICE to see the cost in dollars");
    }
    doc
}
