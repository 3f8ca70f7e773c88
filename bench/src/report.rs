//! Printing results: aligned tables, and the words and number formats every section uses.

/// A table printed with aligned columns: the first left-aligned, the others right-aligned.
pub struct Table {
    title: String,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(title: &str, headers: &[&str]) -> Self {
        Self {
            title: title.into(),
            headers: headers.iter().map(|header| header.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells print empty.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn print(&self) {
        let widths = self.column_widths();
        println!("\n{}", self.title);
        println!("{}", aligned(&self.headers, &widths));
        println!("{}", widths.iter().map(|width| "-".repeat(*width)).collect::<Vec<_>>().join("-+-"));
        for row in &self.rows {
            println!("{}", aligned(row, &widths));
        }
    }

    fn column_widths(&self) -> Vec<usize> {
        let mut widths: Vec<usize> = self.headers.iter().map(|header| header.chars().count()).collect();
        for row in &self.rows {
            for (column, cell) in row.iter().enumerate() {
                if column < widths.len() {
                    widths[column] = widths[column].max(cell.chars().count());
                }
            }
        }
        widths
    }
}

/// One line of cells padded to `widths`.
fn aligned(cells: &[String], widths: &[usize]) -> String {
    widths
        .iter()
        .enumerate()
        .map(|(column, width)| {
            let cell = cells.get(column).map(String::as_str).unwrap_or("");
            if column == 0 {
                format!("{cell:<width$}")
            } else {
                format!("{cell:>width$}")
            }
        })
        .collect::<Vec<_>>()
        .join(" | ")
        .trim_end()
        .to_string()
}

/// "met" or "missed".
pub fn verdict(met: bool) -> String {
    if met { "met" } else { "missed" }.into()
}

/// A byte count with thousands separators: `12,345`.
pub fn bytes(count: usize) -> String {
    let digits: Vec<char> = count.to_string().chars().collect();
    let groups: Vec<String> = digits.rchunks(3).rev().map(|group| group.iter().collect()).collect();
    groups.join(",")
}

/// Milliseconds with three significant figures or so: `0.0412`, `1.23`, `45.6`, `1234`.
pub fn ms(value: f64) -> String {
    match value.abs() {
        v if v < 0.1 => format!("{value:.4}"),
        v if v < 10.0 => format!("{value:.3}"),
        v if v < 100.0 => format!("{value:.1}"),
        _ => format!("{value:.0}"),
    }
}

/// A ratio: `0.123` below 1, `12.3×`-style above.
pub fn ratio(value: f64) -> String {
    if value < 1.0 {
        format!("{value:.3}")
    } else {
        format!("{value:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_are_grouped_by_thousands() {
        assert_eq!(bytes(7), "7");
        assert_eq!(bytes(1_234), "1,234");
        assert_eq!(bytes(3_553_617), "3,553,617");
    }
}
