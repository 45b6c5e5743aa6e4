//! Text of `doormat bench` and `doormat scale`.

use super::*;
use crate::bench::GpuSection;

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
        dim_line(
            out,
            style,
            &format!(
                "{:<15}{:>9}{:>7}{:>9}{:>10}{:>8}{:>7}",
                "design", "send µs", "×none", "read µs", "escrow µs", "bytes", "×none"
            ),
        )?;
        for row in rows {
            let escrow = row
                .escrow_read_us
                .map_or_else(|| "-".to_owned(), |us| format!("{us:.0}"));
            writeln!(
                out,
                "{INDENT}{:<15}{:>9.0}{:>7.2}{:>9.0}{:>10}{:>8}{:>7.2}",
                row.scheme.as_str(),
                row.send_us,
                row.send_ratio,
                row.read_us,
                escrow,
                row.bytes,
                row.bytes_ratio
            )?;
        }
    }
    writeln!(out)?;
    writeln!(out, "{}", style.bold("primitives, one thread"))?;
    let mut operations: Vec<&str> = Vec::new();
    for p in &r.primitives {
        if !operations.contains(&p.operation.as_str()) {
            operations.push(&p.operation);
        }
    }
    let header: String = r
        .backends
        .iter()
        .map(|b| format!("{:>12}", b.name()))
        .collect();
    dim_line(out, style, &format!("{:<36}{header}", "operation"))?;
    for operation in operations {
        let cells: String = r
            .backends
            .iter()
            .map(|b| {
                r.primitives
                    .iter()
                    .find(|p| p.backend == *b && p.operation == operation)
                    .map_or_else(
                        || format!("{:>12}", "-"),
                        |p| format!("{:>12}", group_digits(p.per_second.round() as u64)),
                    )
            })
            .collect();
        writeln!(out, "{INDENT}{:<36}{cells} /s", operation)?;
    }
    for backend in &r.backends {
        dim_line(
            out,
            style,
            &format!("{}: {}", backend.name(), backend.description()),
        )?;
    }
    dim_line(
        out,
        style,
        &format!(
            "{:<36}{:>12}{:>12}",
            "AES-256-GCM (aes-gcm 0.10)", "seal", "open"
        ),
    )?;
    for a in &r.aead {
        writeln!(
            out,
            "{INDENT}{:<36}{:>12}{:>12} MB/s",
            format!("{} B messages", a.message_bytes),
            group_digits(a.seal_mb_per_second.round() as u64),
            group_digits(a.open_mb_per_second.round() as u64)
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        style.bold(&format!("golden-key against none, {}", r.preferred.name()))
    )?;
    dim_line(
        out,
        style,
        &format!(
            "{:<26}{:>9}{:>11}{:>7}{:>8}{:>9}{:>7}",
            "", "none µs", "golden µs", "×", "none B", "golden B", "×"
        ),
    )?;
    for s in &r.sizes {
        writeln!(
            out,
            "{INDENT}{:<26}{:>9.0}{:>11.0}{:>7.2}{:>8}{:>9}{:>7.2}",
            format!("message of {} B", s.message_bytes),
            s.none_send_us,
            s.golden_send_us,
            s.send_ratio,
            s.none_bytes,
            s.golden_bytes,
            s.bytes_ratio
        )?;
    }
    for k in &r.keying {
        writeln!(
            out,
            "{INDENT}{:<26}{:>9.1}{:>11.1}{:>7.2}{:>8.0}{:>9.0}{:>7.2}",
            format!("keying {}", k.keying),
            k.none_send_us,
            k.golden_send_us,
            k.send_ratio,
            k.none_bytes,
            k.golden_bytes,
            k.bytes_ratio
        )?;
    }
    writeln!(out)?;
    writeln!(out, "{}", style.bold("mass recovery with the escrow key"))?;
    dim_line(
        out,
        style,
        &format!(
            "{:<12}{:<22}{:>8}{:>11}{:>14}{:>9}",
            "backend", "keying", "threads", "envelopes", "messages/s", "of bound"
        ),
    )?;
    for row in &r.recovery {
        writeln!(
            out,
            "{INDENT}{:<12}{:<22}{:>8}{:>11}{:>14}{:>9}",
            row.backend.name(),
            row.keying,
            row.threads,
            row.envelopes,
            group_digits(row.messages_per_second.round() as u64),
            share(row.share_of_bound, row.bound_set_by_search)
        )?;
    }
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
        dim_line(
            out,
            style,
            &format!("{:<28}{:>18}", "kernel", "bound, 1 thread"),
        )?;
        for kernel in &b.kernel_bounds {
            writeln!(
                out,
                "{INDENT}{:<28}{:>18}",
                kernel.method.name(),
                group_digits(kernel.keys_per_second.round() as u64)
            )?;
        }
    }
    search_header(out, style, "threads")?;
    for row in &b.rows {
        writeln!(
            out,
            "{INDENT}{:<10}{:>18}{:>18}{:>10}",
            row.threads,
            group_digits(row.bound_keys_per_second.round() as u64),
            group_digits(row.search_keys_per_second.round() as u64),
            share(row.share_of_bound, row.bound_set_by_search)
        )?;
    }
    writeln!(
        out,
        "{INDENT}{:<28}{:.2}x one thread",
        "scaling to every core", b.scaling
    )?;
    writeln!(
        out,
        "{INDENT}{:<28}{} on average",
        "a 32-bit key (TEA1)",
        crate::demo::duration(b.average_seconds_32_bits)
    )?;
    writeln!(
        out,
        "{INDENT}{:<28}{} keys/s (a full AES-GCM open per key)",
        "without the filter",
        group_digits(b.full_open_keys_per_second.round() as u64)
    )?;
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
    writeln!(
        out,
        "{INDENT}{:<28}{} a second on {} threads",
        "decompressions",
        group_digits(d.decompressions_per_second.round() as u64),
        d.threads
    )?;
    writeln!(
        out,
        "{INDENT}{:<28}{} a second on {} threads",
        "scalar multiplications",
        group_digits(d.scalar_mults_per_second.round() as u64),
        d.threads
    )?;
    writeln!(
        out,
        "{INDENT}{:<28}{} tried, {} on the curve, {} states",
        "x-coordinates",
        group_digits(d.candidates_tried),
        group_digits(d.points_on_curve),
        d.states
    )?;
    writeln!(
        out,
        "{INDENT}{:<28}{:.2} s, bound {:.2} s: {} of the bound",
        "searches took",
        d.seconds,
        d.bound_seconds,
        share(d.share_of_bound, d.bound_set_by_search).trim_end()
    )?;
    writeln!(
        out,
        "{INDENT}{:<28}{:.2} s per state",
        "one device's future", d.seconds_per_state
    )?;
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

/// The header of a search's rows: `first`, then the bound, the search and the share.
fn search_header(out: &mut impl Write, style: &Style, first: &str) -> io::Result<()> {
    let header = format!(
        "{first:<10}{:>18}{:>18}{:>10}",
        "bound keys/s", "search keys/s", "share"
    );
    dim_line(out, style, &header)
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
    search_header(out, style, "")?;
    writeln!(
        out,
        "{INDENT}{:<10}{:>18}{:>18}{:>10}",
        "GPU",
        group_digits(g.bound_keys_per_second.round() as u64),
        group_digits(g.search_keys_per_second.round() as u64),
        share(g.share_of_bound, g.bound_set_by_search)
    )?;
    for (what, seconds) in [
        ("a 32-bit key (TEA1)", g.average_seconds_32_bits),
        ("a 40-bit key (export)", g.average_seconds_40_bits),
    ] {
        writeln!(
            out,
            "{INDENT}{what:<28}{} on average",
            crate::demo::duration(seconds)
        )?;
    }
    writeln!(out)
}

/// `doormat scale`: the projection and its arithmetic.
pub fn scale_report(out: &mut impl Write, style: &Style, r: &ScaleReport) -> io::Result<()> {
    let i = &r.inputs;
    writeln!(
        out,
        "{} {} messages a day",
        style.bold("doormat scale:"),
        quantity(i.messages_per_day)
    )?;
    dim_line(out, style, &format!("rates: {}", i.rates_from))?;
    for (flag, value) in [
        ("--rsa-per-second", i.rsa_decrypts_per_core_second),
        ("--aes-per-second", i.aes_opens_per_core_second),
        ("--trials-per-second", i.key_trials_per_core_second),
    ] {
        writeln!(
            out,
            "{INDENT}  {flag:<22}{:>14} per core-second",
            quantity(value)
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        style.bold("one day of traffic, opened with a leaked escrow key")
    )?;
    for line in &r.escrow {
        writeln!(out, "{INDENT}{}", line.keying)?;
        for text in wrap(&line.arithmetic, width() - 6) {
            writeln!(out, "{INDENT}    {text}")?;
        }
        let money = line.usd.map_or_else(String::new, |usd| {
            match dollars(usd).strip_prefix("more than ") {
                Some(at_least) => format!(", more than ${at_least}"),
                None => format!(", ${}", dollars(usd)),
            }
        });
        writeln!(
            out,
            "{INDENT}    = {} core-hours{money}; {} cores keep up with the traffic",
            quantity(line.core_hours),
            quantity(line.cores_to_keep_up.ceil())
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        style.bold("brute-forcing short keys: on average half the key space per key")
    )?;
    // Each cell is right-aligned in its column with at least two spaces before it,
    // so that even "more than 1.8e308" never runs into its neighbour.
    let priced = i.usd_per_core_hour.is_some();
    let row = |cells: [&str; 5]| {
        let mut line = format!("{:<5}", cells[0]);
        for (cell, width) in cells[1..].iter().zip([18, 19, 19, 15]) {
            if width == 15 && !priced {
                break;
            }
            line.push_str(&format!("{:>width$}", format!("  {cell}")));
        }
        line
    };
    dim_line(
        out,
        style,
        &row([
            "bits",
            "one key",
            "a day's msg keys",
            "a day's sessions",
            "one key, $",
        ]),
    )?;
    for b in &r.brute_force {
        let usd = b.usd_per_key.map(dollars).unwrap_or_default();
        writeln!(
            out,
            "{INDENT}{}",
            row([
                &b.bits.to_string(),
                &duration(b.core_seconds_per_key),
                &sci(b.core_hours_per_day_per_message),
                &sci(b.core_hours_per_day_per_session),
                &usd,
            ])
        )?;
    }
    dim_line(
        out,
        style,
        &format!(
            "per key: 2^(bits-1) trials / {} trials per core-second, on one core;",
            quantity(i.key_trials_per_core_second)
        ),
    )?;
    dim_line(out, style, "a day's keys: core-hours to find every one")?;
    if i.usd_per_core_hour.is_none() {
        writeln!(
            out,
            "{INDENT}{}",
            style.dim("add --usd-per-core-hour PRICE to see the cost in dollars")
        )?;
    }
    Ok(())
}
