//! The other commands' pages: recover, compare, bench, a verdict and a class's grades.

use super::*;
use crate::bench::GpuSection;

impl HtmlReport for RecoverReport {
    fn html_title(&self) -> String {
        format!("doormat recover: {}", self.world.to_string_lossy())
    }

    fn write_body(&self, page: &mut Page) {
        page.element(
            "p",
            "lede",
            &format!("A {} world, opened with what a thief holds.", self.scheme),
        );
        let keys: Vec<Vec<String>> = self
            .keys
            .iter()
            .map(|k| {
                vec![
                    k.party.clone(),
                    format!("{:?}", k.role).to_lowercase(),
                    k.fingerprint.clone(),
                ]
            })
            .collect();
        page.table(
            "Keys held",
            &[
                Column::words("party"),
                Column::words("role"),
                Column::words("fingerprint"),
            ],
            &keys,
        );
        if !self.findings.is_empty() {
            page.element("h2", "", "How the keys were reached");
            page.raw("<ul>\n");
            for finding in &self.findings {
                page.element("li", "", &crate::report::words::finding(finding));
            }
            page.raw("</ul>\n");
        }
        page.element("h2", "", "What they open");
        radius(page, "these keys", &self.radius, true);
        exposure_strips(
            page,
            "Which messages these keys open, over time",
            &[("these keys".to_owned(), &self.radius)],
        );
    }
}

impl HtmlReport for Comparison {
    fn html_title(&self) -> String {
        "doormat compare: the same traffic under every design".to_owned()
    }

    fn write_body(&self, page: &mut Page) {
        page.element(
            "p",
            "lede",
            &format!(
                "{} messages among {}, sealed under each design; each row is one compromise.{}",
                self.messages,
                self.users.join(", "),
                self.seed.map_or(String::new(), |s| format!(" Seed {s}."))
            ),
        );
        radius_bars(
            page,
            "Blast radius of one compromise, by design",
            &self.rows,
        );
    }
}

impl HtmlReport for BenchReport {
    fn html_title(&self) -> String {
        "doormat bench: what escrow costs".to_owned()
    }

    fn write_body(&self, page: &mut Page) {
        page.element(
            "p",
            "lede",
            &format!(
                "{}, {} cores; RSA on {}. {}",
                self.machine.cpu,
                self.machine.cores,
                self.preferred.name(),
                self.method
            ),
        );
        page.element("h2", "", "Sending one message, design by design");
        let preferred: Vec<_> = self
            .schemes
            .iter()
            .filter(|r| r.backend == self.preferred)
            .collect();
        grouped_ratio_bars(
            page,
            "What each design costs over none: time to send, and bytes on the wire",
            &preferred
                .iter()
                .map(|r| {
                    (
                        r.scheme.to_string(),
                        [
                            (
                                r.send_ratio,
                                format!("×{:.2} ({:.1} µs)", r.send_ratio, r.send_us),
                            ),
                            (
                                r.bytes_ratio,
                                format!("×{:.2} ({} bytes)", r.bytes_ratio, r.bytes),
                            ),
                        ],
                    )
                })
                .collect::<Vec<_>>(),
        );
        let rows: Vec<Vec<String>> = self
            .schemes
            .iter()
            .map(|r| {
                vec![
                    r.scheme.to_string(),
                    r.backend.name().to_owned(),
                    format!("{:.1}", r.send_us),
                    format!("{:.2}", r.send_ratio),
                    format!("{:.1}", r.read_us),
                    r.escrow_read_us
                        .map_or("–".to_owned(), |us| format!("{us:.1}")),
                    r.bytes.to_string(),
                    format!("{:.2}", r.bytes_ratio),
                ]
            })
            .collect();
        page.table(
            "Each design, as numbers",
            &[
                Column::words("design"),
                Column::words("backend"),
                Column::figures("send µs"),
                Column::figures("× none"),
                Column::figures("read µs"),
                Column::figures("escrow read µs"),
                Column::figures("bytes"),
                Column::figures("× none"),
            ],
            &rows,
        );
        page.element("h2", "", "The brute-force search against its bound");
        let mut bars = Vec::new();
        for row in &self.brute_force.rows {
            let threads = match row.threads {
                1 => "1 thread".to_owned(),
                n => format!("{n} threads"),
            };
            bars.push(Bar {
                label: format!("{threads}: bound"),
                value: row.bound_keys_per_second,
                of: row.bound_keys_per_second,
                words: format!("{:.3e} keys/s", row.bound_keys_per_second),
            });
            bars.push(Bar {
                label: format!("{threads}: search"),
                value: row.search_keys_per_second,
                of: row.search_keys_per_second,
                words: format!(
                    "{:.3e} keys/s ({:.0}% of bound)",
                    row.search_keys_per_second,
                    row.share_of_bound * 100.0
                ),
            });
        }
        bar_chart(page, "Keys tried per second", "keys per second", &bars);
        let rows: Vec<Vec<String>> = self
            .brute_force
            .rows
            .iter()
            .map(|r| {
                vec![
                    r.threads.to_string(),
                    format!("{:.0}", r.bound_keys_per_second),
                    format!("{:.0}", r.search_keys_per_second),
                    format!("{:.3}", r.share_of_bound),
                ]
            })
            .collect();
        page.table(
            "The search against its bound, as numbers",
            &[
                Column::words("threads"),
                Column::figures("bound keys/s"),
                Column::figures("search keys/s"),
                Column::figures("share of bound"),
            ],
            &rows,
        );
        let kernels: Vec<Vec<String>> = self
            .brute_force
            .kernel_bounds
            .iter()
            .map(|k| {
                vec![
                    k.method.name().to_owned(),
                    format!("{:.0}", k.keys_per_second),
                ]
            })
            .collect();
        page.table(
            "Each kernel's bound on one thread: the search runs the fastest",
            &[
                Column::words("kernel"),
                Column::figures("bound keys/s, 1 thread"),
            ],
            &kernels,
        );
        page.element("h2", "", "The search on a GPU against its bound");
        match &self.gpu {
            GpuSection::Unavailable { unavailable } => page.element("p", "", unavailable),
            GpuSection::Measured(g) => {
                page.element(
                    "p",
                    "",
                    &format!(
                        "{} ({}; {})",
                        g.adapter.name, g.adapter.kind, g.adapter.backend
                    ),
                );
                page.table(
                    "The GPU search against its bound, as numbers",
                    &[
                        Column::figures("bound keys/s"),
                        Column::figures("search keys/s"),
                        Column::figures("share of bound"),
                        Column::figures("32-bit key, s"),
                        Column::figures("40-bit key, s"),
                    ],
                    &[vec![
                        format!("{:.0}", g.bound_keys_per_second),
                        format!("{:.0}", g.search_keys_per_second),
                        format!("{:.3}", g.share_of_bound),
                        format!("{:.1}", g.average_seconds_32_bits),
                        format!("{:.1}", g.average_seconds_40_bits),
                    ]],
                );
            }
        }
        page.element("h2", "", "How sure the figures are");
        let load = &self.load;
        let average = |a: Option<f64>| a.map_or("unknown".to_owned(), |a| format!("{a:.2}"));
        page.element(
            "p",
            "",
            &format!(
                "Load average {} before, {} after, on {} cores; the widest spread {:.0}%.{}",
                average(load.load_average_before),
                average(load.load_average_after),
                self.machine.cores,
                load.widest_spread * 100.0,
                if load.busy {
                    " The machine was busy: run again on a quiet machine before quoting these figures."
                } else {
                    ""
                }
            ),
        );
        let spreads: Vec<Vec<String>> = self
            .spread
            .iter()
            .map(|s| {
                vec![
                    s.figure.clone(),
                    s.unit.to_owned(),
                    s.samples.to_string(),
                    format!("{:.4e}", s.min),
                    format!("{:.4e}", s.median),
                    format!("{:.4e}", s.max),
                    format!("{:.1}%", s.relative() * 100.0),
                ]
            })
            .collect();
        page.table(
            "Every figure's spread over its batches or runs",
            &[
                Column::words("figure"),
                Column::words("unit"),
                Column::figures("samples"),
                Column::figures("min"),
                Column::figures("median"),
                Column::figures("max"),
                Column::figures("spread"),
            ],
            &spreads,
        );
    }
}

pub(super) fn verdict_words(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Right => "right".to_owned(),
        Verdict::Wrong => "wrong".to_owned(),
        Verdict::AnotherStudentsFlag(of) => format!("another student's flag ({of})"),
        Verdict::Decoy => "wrong: a decoy's flag".to_owned(),
        Verdict::NearMiss => "wrong, but a character or two away".to_owned(),
        Verdict::ShapedLike(kind) => format!("wrong: shaped like a {kind} answer"),
        Verdict::Missing => "no answer".to_owned(),
    }
}

impl HtmlReport for Grades {
    fn html_title(&self) -> String {
        format!(
            "doormat grades: {} (class {})",
            self.exercise, self.class_id
        )
    }

    fn write_body(&self, page: &mut Page) {
        let count =
            |pick: fn(&Verdict) -> bool| self.rows.iter().filter(|r| pick(&r.verdict)).count();
        let students = self.students as f64;
        let bars = [
            ("right", count(|v| *v == Verdict::Right)),
            ("wrong", count(|v| *v == Verdict::Wrong)),
            ("a decoy's flag", count(|v| *v == Verdict::Decoy)),
            (
                "a character or two away",
                count(|v| *v == Verdict::NearMiss),
            ),
            (
                "another exercise's answer",
                count(|v| matches!(v, Verdict::ShapedLike(_))),
            ),
            (
                "another student's flag",
                count(|v| matches!(v, Verdict::AnotherStudentsFlag(_))),
            ),
            ("no answer", count(|v| *v == Verdict::Missing)),
        ]
        .map(|(label, n)| Bar {
            label: label.to_owned(),
            value: n as f64,
            of: students,
            words: format!("{n} of {}", self.students),
        });
        bar_chart(
            page,
            "The class's answers",
            "students (grey: the whole class)",
            &bars,
        );
        // The distribution of points, highest first: one bar per score given.
        let mut scores: Vec<f64> = self.points.clone();
        scores.sort_by(|a, b| b.total_cmp(a));
        scores.dedup();
        let bars: Vec<Bar> = scores
            .iter()
            .map(|score| {
                let n = self.points.iter().filter(|p| *p == score).count();
                Bar {
                    label: format!(
                        "{} of {} points",
                        points_text(*score),
                        points_text(self.points_possible)
                    ),
                    value: n as f64,
                    of: students,
                    words: format!("{n} of {}", self.students),
                }
            })
            .collect();
        let mean = self.points.iter().sum::<f64>() / self.points.len().max(1) as f64;
        bar_chart(
            page,
            &format!(
                "Points: a mean of {mean:.1} of {}",
                points_text(self.points_possible)
            ),
            "students (grey: the whole class)",
            &bars,
        );
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .zip(&self.points)
            .map(|(r, points)| {
                let mut row = vec![
                    r.student.clone(),
                    verdict_words(&r.verdict),
                    points_text(*points),
                ];
                if self.show_answers {
                    row.push(r.answer.clone().unwrap_or_default());
                }
                row
            })
            .collect();
        let mut columns = vec![
            Column::words("student"),
            Column::words("verdict"),
            Column::figures("points"),
        ];
        let caption = if self.show_answers {
            columns.push(Column::words("answer"));
            "Each student (with answers: the teacher's copy, not for projecting)"
        } else {
            "Each student (answers hidden; --show-answers shows them)"
        };
        page.table(caption, &columns, &rows);
        if !self.not_graded.is_empty() {
            let rows: Vec<Vec<String>> = self
                .not_graded
                .iter()
                .map(|p| vec![format!("line {}", p.line), p.problem.clone()])
                .collect();
            page.table(
                "Rows that could not be graded",
                &[Column::words("line"), Column::words("why")],
                &rows,
            );
        }
    }
}

impl HtmlReport for StudentVerdict {
    fn html_title(&self) -> String {
        format!("doormat: {}'s answer", self.student)
    }

    fn write_body(&self, page: &mut Page) {
        page.element(
            "p",
            "lede",
            &format!("{}: {}", self.student, verdict_words(&self.verdict)),
        );
    }
}

/// Points as a gradebook shows them: whole numbers bare, others to two decimals.
fn points_text(points: f64) -> String {
    if points.fract() == 0.0 {
        format!("{points:.0}")
    } else {
        format!("{points:.2}")
    }
}
