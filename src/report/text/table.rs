//! The one table builder behind every text table: columns measured in terminal columns
//! (`unicode-width`, so that a class's own names keep their columns), aligned left or
//! right, at least as wide as a layout asks, and the last column wrapped in what is left
//! of the line. Cells carry their paint apart from their text, so that colour never
//! counts as width.

use std::io::{self, Write};

use super::{columns, pad, pad_left, wrap, Style};

/// Which side of its column a cell keeps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    /// Text: padded on the right.
    Left,
    /// Numbers: padded on the left.
    Right,
}

/// How a cell is shown on a terminal; without colour, every paint is plain text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Paint {
    /// As it is.
    Plain,
    /// Quieter: headers, notes, what did not open.
    Dim,
    /// Louder: what opened for someone who should not read it.
    Open,
    /// What stayed sealed.
    Sealed,
}

/// One column of a [`Table`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    align: Align,
    /// Spaces before it; none before the first.
    gap: usize,
    /// At least this wide, so that a fixed layout keeps its widths.
    min: usize,
    /// At most this wide, though a longer cell still shows whole and pushes the rest.
    max: Option<usize>,
}

impl Column {
    /// A column of text.
    pub(crate) fn left() -> Self {
        Column {
            align: Align::Left,
            gap: 2,
            min: 0,
            max: None,
        }
    }
    /// A column of numbers.
    pub(crate) fn right() -> Self {
        Column {
            align: Align::Right,
            ..Column::left()
        }
    }
    /// `n` spaces before it (2 unless told).
    pub(crate) fn gap(mut self, n: usize) -> Self {
        self.gap = n;
        self
    }
    /// At least `n` columns wide.
    pub(crate) fn min(mut self, n: usize) -> Self {
        self.min = n;
        self
    }
    /// Exactly `n` columns wide where its cells fit.
    pub(crate) fn width(self, n: usize) -> Self {
        self.min(n).max(n)
    }
    /// At most `n` columns wide where its cells fit; a longer cell shows whole.
    pub(crate) fn max(mut self, n: usize) -> Self {
        self.max = Some(n);
        self
    }
}

/// Columns of these widths with no space between them: a benchmark's tables, whose
/// widths hold their own spacing. A wider cell still shows whole.
pub(crate) fn fixed(layout: &[(Align, usize)]) -> Vec<Column> {
    layout
        .iter()
        .map(|&(align, width)| {
            Column {
                align,
                gap: 0,
                ..Column::left()
            }
            .width(width)
        })
        .collect()
}

/// One cell: its text and its paint.
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    text: String,
    paint: Paint,
}

impl Cell {
    /// A cell shown as it is.
    pub(crate) fn plain(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            paint: Paint::Plain,
        }
    }
    /// A cell in `paint`.
    pub(crate) fn painted(text: impl Into<String>, paint: Paint) -> Self {
        Cell {
            text: text.into(),
            paint,
        }
    }
}

impl Cell {
    /// What it says.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }
    /// How a terminal paints it.
    pub(crate) fn paint(&self) -> Paint {
        self.paint
    }
}

impl<T: Into<String>> From<T> for Cell {
    fn from(text: T) -> Self {
        Cell::plain(text)
    }
}

/// One line of the table before it is laid out.
#[derive(Debug, Clone)]
struct Row {
    cells: Vec<Cell>,
    /// Text after the last cell, on the row's last line (a ✓/✗ mark).
    trailer: String,
    /// Room kept for the trailer when the last cell wraps.
    reserve: usize,
    /// The whole row dimmed, as a header is.
    dim: bool,
    /// The last cell runs on past the columns and does not size its column (a note
    /// where the numbers would be).
    rest: bool,
}

/// A table: add columns, a header and rows, then [`Table::write`].
#[derive(Debug, Clone)]
pub(crate) struct Table {
    indent: String,
    columns: Vec<Column>,
    rows: Vec<Row>,
    /// The last column wraps within what is left of this many columns.
    wrap_within: Option<usize>,
    /// Room the wrapped column keeps however wide the others are.
    wrap_least: usize,
}

impl Table {
    /// A table of `columns`, each line starting with `indent`.
    pub(crate) fn new(indent: &str, columns: Vec<Column>) -> Self {
        Table {
            indent: indent.to_owned(),
            columns,
            rows: Vec::new(),
            wrap_within: None,
            wrap_least: 0,
        }
    }

    /// The last column's cells wrap so that lines stay within `width` columns, keeping
    /// at least `least` for it.
    pub(crate) fn wrap_last(mut self, width: usize, least: usize) -> Self {
        self.wrap_within = Some(width);
        self.wrap_least = least;
        self
    }

    /// A header line, dimmed; its titles count towards the widths.
    pub(crate) fn header(&mut self, titles: &[&str]) -> &mut Self {
        self.rows.push(Row {
            cells: titles.iter().map(|t| Cell::plain(*t)).collect(),
            trailer: String::new(),
            reserve: 0,
            dim: true,
            rest: false,
        });
        self
    }

    /// A row of cells.
    pub(crate) fn row(&mut self, cells: Vec<Cell>) -> &mut Self {
        self.row_with(cells, "", 0)
    }

    /// A row, then `trailer` after its last cell, which keeps `reserve` columns for it
    /// when it wraps.
    pub(crate) fn row_with(
        &mut self,
        cells: Vec<Cell>,
        trailer: &str,
        reserve: usize,
    ) -> &mut Self {
        self.rows.push(Row {
            cells,
            trailer: trailer.to_owned(),
            reserve,
            dim: false,
            rest: false,
        });
        self
    }

    /// A row whose last cell runs on past the columns without sizing its column.
    pub(crate) fn row_then(&mut self, cells: Vec<Cell>) -> &mut Self {
        self.rows.push(Row {
            cells,
            trailer: String::new(),
            reserve: 0,
            dim: false,
            rest: true,
        });
        self
    }

    /// Each column's width: its widest cell, within its bounds.
    fn widths(&self) -> Vec<usize> {
        self.columns
            .iter()
            .enumerate()
            .map(|(i, column)| {
                let widest = self
                    .rows
                    .iter()
                    .filter(|row| !(row.rest && i + 1 == row.cells.len()))
                    .filter_map(|row| row.cells.get(i))
                    .map(|cell| columns(&cell.text))
                    .max()
                    .unwrap_or(0)
                    .max(column.min);
                column
                    .max
                    .map_or(widest, |max| widest.min(max).max(column.min))
            })
            .collect()
    }

    /// The lines, each without its newline; painted for `style`.
    pub(crate) fn lines(&self, style: &Style) -> Vec<String> {
        let widths = self.widths();
        let last = self.columns.len().saturating_sub(1);
        // The room the last column wraps in, once the others have theirs.
        let before: usize = (0..last)
            .map(|i| self.columns[i].gap * usize::from(i > 0) + widths[i])
            .sum::<usize>()
            + if last > 0 { self.columns[last].gap } else { 0 };
        let mut lines = Vec::new();
        for row in &self.rows {
            let room = self.wrap_within.map(|within| {
                within
                    .saturating_sub(columns(&self.indent) + before + row.reserve)
                    .max(self.wrap_least)
            });
            // The last cell's lines: wrapped where the table wraps, else one.
            let final_cell = row.cells.len().saturating_sub(1);
            let wrapped = match (room, row.cells.last()) {
                (Some(room), Some(cell)) if final_cell == last && !row.dim => {
                    wrap(&cell.text, room)
                }
                (_, Some(cell)) => vec![cell.text.clone()],
                (_, None) => vec![String::new()],
            };
            for (n, part) in wrapped.iter().enumerate() {
                let mut line = String::new();
                for (i, cell) in row.cells.iter().enumerate() {
                    let column = &self.columns[i.min(last)];
                    if i > 0 {
                        line.push_str(&" ".repeat(column.gap));
                    }
                    let text = match (i == final_cell, n) {
                        (true, _) => part.as_str(),
                        (false, 0) => cell.text.as_str(),
                        (false, _) => "",
                    };
                    let laid = match column.align {
                        // The line's last text needs no spaces after it.
                        Align::Left if i == final_cell => text.to_owned(),
                        Align::Left => pad(text, widths[i]),
                        Align::Right if row.rest && i == final_cell => text.to_owned(),
                        Align::Right => pad_left(text, widths[i]),
                    };
                    line.push_str(&match (row.dim, cell.paint) {
                        (true, _) => laid,
                        (false, Paint::Plain) => laid,
                        (false, Paint::Dim) => style.dim(&laid),
                        (false, Paint::Open) => style.open(&laid),
                        (false, Paint::Sealed) => style.sealed(&laid),
                    });
                }
                if n + 1 == wrapped.len() {
                    line.push_str(&row.trailer);
                }
                let line = if row.dim { style.dim(&line) } else { line };
                lines.push(format!("{}{line}", self.indent));
            }
        }
        lines
    }

    /// Each column's alignment, for a page that lays the table out itself.
    pub(crate) fn aligns(&self) -> Vec<Align> {
        self.columns.iter().map(|c| c.align).collect()
    }

    /// The rows as a page reads them: whether the row is the header, its cells, and
    /// the text after its last cell.
    pub(crate) fn page_rows(&self) -> impl Iterator<Item = (bool, &[Cell], &str)> {
        self.rows
            .iter()
            .map(|row| (row.dim, row.cells.as_slice(), row.trailer.as_str()))
    }

    /// Writes the lines to `out`.
    pub(crate) fn write(&self, out: &mut (impl Write + ?Sized), style: &Style) -> io::Result<()> {
        for line in self.lines(style) {
            writeln!(out, "{line}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain() -> Style {
        Style { color: false }
    }

    /// Widths are terminal columns: a name in Japanese takes two a character, and the
    /// columns after it still line up.
    #[test]
    fn columns_line_up_by_what_the_terminal_shows() {
        let mut table = Table::new("  ", vec![Column::left(), Column::right()]);
        table.header(&["name", "n"]);
        table.row(vec!["さくら".into(), "7".into()]);
        table.row(vec!["bob".into(), "12".into()]);
        let lines = table.lines(&plain());
        assert_eq!(lines, ["  name     n", "  さくら   7", "  bob     12"]);
        let widths: Vec<usize> = lines.iter().map(|l| columns(l)).collect();
        assert!(widths.iter().all(|&w| w == widths[0]), "{lines:?}");
    }

    /// A fixed layout keeps its widths; a longer cell shows whole and pushes only its
    /// own line.
    #[test]
    fn fixed_widths_hold_and_a_long_cell_pushes_only_its_line() {
        let mut table = Table::new("", fixed(&[(Align::Left, 4), (Align::Right, 5)]));
        table.row(vec!["ab".into(), "1".into()]);
        table.row(vec!["abcdef".into(), "2".into()]);
        assert_eq!(table.lines(&plain()), ["ab      1", "abcdef    2"]);
    }

    /// The last column wraps in what is left of the line, the other cells blank on its
    /// later lines, and the trailer on the last line within the room kept for it; no
    /// line ends in spaces.
    #[test]
    fn the_last_column_wraps_and_keeps_room_for_its_trailer() {
        let mut table = Table::new("  ", vec![Column::left(), Column::left()]).wrap_last(30, 5);
        let long = "one two three four five six seven eight nine ten";
        table.row_with(vec!["label".into(), long.into()], "  ✓", 3);
        table.row(vec!["x".into(), "short".into()]);
        let lines = table.lines(&plain());
        assert!(lines.len() > 3, "{lines:?}");
        assert!(lines.iter().all(|l| columns(l) <= 30), "{lines:?}");
        assert!(lines[0].starts_with("  label  one"), "{lines:?}");
        assert!(lines[1].starts_with("         "), "{lines:?}");
        let last_of_row = lines.iter().position(|l| l.ends_with("  ✓")).unwrap();
        assert!(lines[last_of_row].contains("ten"), "{lines:?}");
        assert_eq!(lines.last().unwrap(), "  x      short");
        assert!(lines.iter().all(|l| !l.ends_with(' ')), "{lines:?}");
    }

    /// A note where the numbers would be does not widen their column; paint never
    /// counts as width.
    #[test]
    fn a_running_note_and_paint_take_no_room() {
        let mut table = Table::new("", vec![Column::left(), Column::right().gap(1).width(4)]);
        table.row(vec!["a".into(), Cell::painted("12", Paint::Open)]);
        table.row_then(vec![
            "b".into(),
            Cell::painted("nothing here at all", Paint::Dim),
        ]);
        assert_eq!(table.lines(&plain()), ["a   12", "b nothing here at all"]);
        let coloured = table.lines(&Style { color: true });
        assert!(coloured[0].contains('\u{1b}'), "{coloured:?}");
        assert_eq!(
            coloured.iter().map(|l| strip(l)).collect::<Vec<_>>(),
            ["a   12", "b nothing here at all"]
        );
    }

    /// The text of a line without its colour codes.
    fn strip(line: &str) -> String {
        let mut out = String::new();
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }
}
