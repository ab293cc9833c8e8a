//! A plan's budget as an Excel workbook (Office Open XML), written with `rust_xlsxwriter`:
//! the same columns as the CSV, headed in the document's language; amounts as numbers with a
//! euro number format (the spreadsheet shows them in its own locale), and the total as a
//! `SUM` formula over the amount column, with its value cached so a reader that does not
//! recompute still shows it.

use rust_xlsxwriter::{DocProperties, Format, Formula, Workbook, XlsxError};

use super::{BudgetCell, BudgetTable};
use crate::error::NodeError;

/// Excel's euro format: thousands grouped, two decimals, the sign before.
const EUR: &str = "#,##0.00 \"€\";-#,##0.00 \"€\"";

/// The budget as XLSX bytes; `sheet` names the worksheet, `title` the workbook.
pub(crate) fn write(table: &BudgetTable, sheet: &str, title: &str) -> Result<Vec<u8>, NodeError> {
    build(table, sheet, title).map_err(|e| NodeError::Corrupt(format!("writing XLSX: {e}")))
}

fn build(table: &BudgetTable, sheet: &str, title: &str) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    book.set_properties(&DocProperties::new().set_title(title));
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format(EUR);
    let total_money = Format::new().set_num_format(EUR).set_bold();
    let ws = book.add_worksheet();
    ws.set_name(sheet_name(sheet))?;
    for (c, h) in table.header.iter().enumerate() {
        let c = col(c);
        ws.write_string_with_format(0, c, h, &bold)?;
        ws.set_column_width(c, if usize::from(c) == table.amount_column { 14.0 } else { 18.0 })?;
    }
    ws.set_freeze_panes(1, 0)?;
    for (r, row) in table.rows.iter().enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, cell) in row.iter().enumerate() {
            match cell {
                BudgetCell::Text(t) if t.is_empty() => {}
                BudgetCell::Text(t) => {
                    ws.write_string(r, col(c), t)?;
                }
                // Cents to euros: exact for every amount the schema allows (below 2^53 cents).
                BudgetCell::Amount(cents) => {
                    ws.write_number_with_format(r, col(c), *cents as f64 / 100.0, &money)?;
                }
            }
        }
    }
    let last = u32::try_from(table.rows.len() + 1).unwrap_or(u32::MAX);
    let amount = col(table.amount_column);
    if let Some(label_col) = table.amount_column.checked_sub(2) {
        ws.write_string_with_format(last, col(label_col), &table.total_label, &bold)?;
    }
    let letter = column_letter(table.amount_column);
    let formula = if table.rows.is_empty() {
        Formula::new("=0")
    } else {
        Formula::new(format!("=SUM({letter}2:{letter}{last})"))
    };
    ws.write_formula_with_format(last, amount, formula.set_result(plain(table.total)), &total_money)?;
    book.save_to_buffer()
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// A-Z for the few columns of the budget.
fn column_letter(c: usize) -> char {
    char::from(b'A' + u8::try_from(c.min(25)).unwrap_or(25))
}

/// The total as the number Excel caches: `2450.5`.
fn plain(cents: i128) -> String {
    let euros = super::plain_amount(cents);
    euros.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A worksheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    let cleaned: String =
        name.chars().map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c }).take(31).collect();
    let cleaned = cleaned.trim().trim_matches('\'').to_string();
    if cleaned.is_empty() { "Budget".into() } else { cleaned }
}
