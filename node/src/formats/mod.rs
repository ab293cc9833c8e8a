//! Documents leaving Twinmesh in everyday formats, in the document's language:
//!
//! - a plan's events and milestones as an iCalendar file (RFC 5545, written with the
//!   `icalendar` crate): one all-day event each, with a UID built from the item's id, so a
//!   calendar that imports the file again updates the entries instead of doubling them;
//! - a plan's budget lines as CSV (RFC 4180, written with the `csv` crate): one row per line,
//!   amounts as plain numbers with a full stop (`2600.50`), and a total row;
//! - the same budget as an Excel workbook ([`budget_xlsx`]): amounts as numbers, the total a
//!   formula;
//! - any document as Markdown ([`markdown()`]), and as DOCX ([`docx()`]), ODT ([`odt()`]) and PDF ([`pdf()`]), all three laid out
//!   from one outline (the Markdown too): headings, paragraphs and tables, a plan in the order of an EU Part B.
//!
//! docs/formats.md says which crate writes which format, and why.
//!
//! Nothing is dropped silently: a value that cannot go into the format (a date with only a
//! month, a conflict, a value the schema refuses) is listed in [`Exported::left_out`] with its
//! path and the reason; in the CSV an unreadable amount is kept in its cell as stored and left
//! out of the total.

#[cfg(feature = "office")]
mod docx;
mod markdown;
#[cfg(feature = "office")]
mod odt;
#[cfg(not(feature = "office"))]
mod office_off;
mod outline;
#[cfg(feature = "office")]
mod pdf;
#[cfg(feature = "office")]
mod xlsx;
#[cfg(not(feature = "office"))]
use office_off::{docx, odt, pdf, xlsx};

pub use markdown::markdown;

use chrono::{DateTime, Days, NaiveDate, Utc};
use icalendar::{Calendar, Component, Event, EventLike};
use twinmesh_protocol::{
    ids::DocId,
    schema::{DocKind, Field, Path, Scalar},
    time::Timestamp,
};

use crate::{
    engine::{
        LeftOut,
        view::{DocView, ViewValue},
    },
    error::NodeError,
    labels, t,
};

/// A document in another format.
#[derive(Debug, Clone)]
pub struct Exported {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Its media type (`text/calendar`, `text/csv`, `application/pdf`, …).
    pub media_type: &'static str,
    /// The usual file name extension, without the dot.
    pub extension: &'static str,
    /// What could not go into the file, and why.
    pub left_out: Vec<LeftOut>,
}

/// Reads values out of a view, noting every value it has to leave out.
struct Reader {
    left_out: Vec<LeftOut>,
}

impl Reader {
    /// The value of `name` in `fields` (at `path`) as text; `None` if empty or unreadable.
    fn get(&mut self, fields: &[(&'static Field, ViewValue)], path: &str, name: &str) -> Option<String> {
        let here = format!("{path}/{name}");
        let (_, v) = fields.iter().find(|(f, _)| f.name == name)?;
        match v {
            ViewValue::Scalar(Scalar::Null) => None,
            ViewValue::Scalar(s) => Some(s.display()).filter(|s| !s.is_empty()),
            ViewValue::Text(t) => Some(t.clone()).filter(|t| !t.trim().is_empty()),
            ViewValue::Conflict(values) => {
                let kept = values.first().map(|c| c.value.display());
                let others: Vec<String> = values.iter().skip(1).map(|c| c.value.display()).collect();
                self.note(
                    &here,
                    &others.join(", "),
                    "a concurrent value: the first was used; settle the conflict",
                );
                kept
            }
            ViewValue::Invalid { value, reason } => {
                self.note(&here, &value.display(), reason);
                None
            }
            ViewValue::Raw(raw) => {
                self.note(&here, raw, "not a value of this field's type");
                None
            }
            ViewValue::Record(_) | ViewValue::List(_) => None,
        }
    }

    /// A full date (`YYYY-MM-DD`) at `name`; a partial one is noted and gives `None`.
    fn date(&mut self, fields: &[(&'static Field, ViewValue)], path: &str, name: &str) -> Option<NaiveDate> {
        let text = self.get(fields, path, name)?;
        match NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.note(&format!("{path}/{name}"), &text, "a calendar needs a full date (YYYY-MM-DD)");
                None
            }
        }
    }

    fn note(&mut self, path: &str, value: &str, reason: &str) {
        let path = path.trim_start_matches('/').to_string();
        self.left_out.push(LeftOut { path, value: value.to_string(), reason: reason.to_string() });
    }
}

/// The records of the list at `name` of the root, with their item ids.
fn list<'a>(root: &'a ViewValue, name: &str) -> Vec<(&'a str, &'a [(&'static Field, ViewValue)])> {
    let ViewValue::Record(fields) = root else { return Vec::new() };
    let Some((_, ViewValue::List(items))) = fields.iter().find(|(f, _)| f.name == name) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|(id, v)| match v {
            ViewValue::Record(f) => Some((id.as_str(), f.as_slice())),
            _ => None,
        })
        .collect()
}

/// The name people give the item at `path` (`events/1`): "Event 2", in the document's language.
fn item_name(view: &DocView, path: &str) -> String {
    match path.parse::<Path>() {
        Ok(p) => labels::field_label(view.lang, view.kind, &p),
        Err(_) => path.to_string(),
    }
}

fn plan_only(view: &DocView, what: &str) -> Result<(), NodeError> {
    if view.kind == DocKind::Plan {
        return Ok(());
    }
    Err(NodeError::InvalidInput(format!(
        "{what} is made from a joint project plan; this document is a {}",
        view.kind.label()
    )))
}

/// A plan's events and milestones as an iCalendar file. `updated` stamps every entry, so the
/// same document gives the same file.
pub fn calendar(view: &DocView, doc: &DocId, title: &str, updated: Timestamp) -> Result<Exported, NodeError> {
    plan_only(view, "a calendar")?;
    let mut r = Reader { left_out: Vec::new() };
    let stamp = DateTime::<Utc>::from_timestamp_millis(updated.as_millis()).unwrap_or_default();
    let mut cal = Calendar::new();
    cal.name(title);
    for (i, (id, f)) in list(&view.root, "events").into_iter().enumerate() {
        let path = format!("events/{i}");
        let name = r
            .get(f, &path, "title")
            .or_else(|| r.get(f, &path, "code"))
            .unwrap_or_else(|| item_name(view, &path));
        let Some(start) = r.date(f, &path, "start") else {
            if !r.left_out.iter().any(|l| l.path == format!("{path}/start")) {
                r.note(
                    &format!("{path}/start"),
                    "",
                    "an event without a start date has no place in a calendar",
                );
            }
            continue;
        };
        let end = match r.date(f, &path, "end") {
            Some(end) if end >= start => end,
            Some(end) => {
                r.note(
                    &format!("{path}/end"),
                    &end.to_string(),
                    "ends before it starts: the start day was used",
                );
                start
            }
            None => start,
        };
        let mut event = Event::new();
        event
            .uid(&format!("{id}@{doc}.twinmesh"))
            .timestamp(stamp)
            .summary(&name)
            .starts(start)
            // DTEND of an all-day event is the day after the last one (RFC 5545 3.6.1).
            .ends(end.checked_add_days(Days::new(1)).unwrap_or(end));
        let place: Vec<String> = ["venue", "host"].iter().filter_map(|n| r.get(f, &path, n)).collect();
        if !place.is_empty() {
            event.location(&place.join(", "));
        }
        if let Some(text) = r.get(f, &path, "description") {
            event.description(&text);
        }
        cal.push(event.done());
    }
    for (i, (id, f)) in list(&view.root, "milestones").into_iter().enumerate() {
        let path = format!("milestones/{i}");
        let label = item_name(view, &path);
        let name = match (r.get(f, &path, "number"), r.get(f, &path, "title")) {
            (Some(n), Some(t)) => format!("{n} {t}"),
            (None, Some(t)) => format!("{label}: {t}"),
            (Some(n), None) => format!("{label} {n}"),
            (None, None) => label,
        };
        let Some(due) = r.date(f, &path, "due") else {
            if !r.left_out.iter().any(|l| l.path == format!("{path}/due")) {
                r.note(
                    &format!("{path}/due"),
                    "",
                    "a milestone without a due date has no place in a calendar",
                );
            }
            continue;
        };
        let mut event = Event::new();
        event
            .uid(&format!("{id}@{doc}.twinmesh"))
            .timestamp(stamp)
            .summary(&name)
            .starts(due)
            .ends(due.checked_add_days(Days::new(1)).unwrap_or(due));
        if let Some(text) = r.get(f, &path, "verification") {
            event.description(&text);
        }
        cal.push(event.done());
    }
    Ok(Exported {
        bytes: cal.done().to_string().into_bytes(),
        media_type: "text/calendar; charset=utf-8",
        extension: "ics",
        left_out: r.left_out,
    })
}

/// The columns of the budget table (CSV and XLSX), in order: field names of a budget line.
const BUDGET_COLUMNS: [&str; 6] = ["wp", "partner", "category", "description", "funding_source", "amount"];

/// A cell of the budget table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum BudgetCell {
    /// Text, a choice by its name in the document's language, or a value kept as stored.
    Text(String),
    /// An amount in cents, counted in the total.
    Amount(i64),
}

/// A plan's budget lines as a table: what the CSV and the XLSX both write.
#[derive(Debug, Clone)]
pub(crate) struct BudgetTable {
    /// The columns' names in the document's language.
    pub(crate) header: Vec<String>,
    /// One row per budget line.
    pub(crate) rows: Vec<Vec<BudgetCell>>,
    /// Which column holds the amounts.
    #[cfg_attr(not(feature = "office"), allow(dead_code))]
    pub(crate) amount_column: usize,
    /// The sum of the amounts, in cents.
    pub(crate) total: i128,
    /// "Total", in the document's language.
    pub(crate) total_label: String,
}

/// The budget table of a plan: an amount that cannot be counted (invalid, or in conflict) is
/// kept in its cell as text, left out of the total and noted in `r`.
fn budget_table(view: &DocView, r: &mut Reader) -> BudgetTable {
    let lines_path: Path = "budget/lines".parse().unwrap_or_default();
    let mut header: Vec<String> = Vec::new();
    for c in BUDGET_COLUMNS {
        let p: Path = format!("budget/lines/0/{c}").parse().unwrap_or_default();
        // "Budget line 1 · Amount": keep the part after the item's name.
        let label = labels::field_label(view.lang, view.kind, &p);
        header.push(label.rsplit(" · ").next().unwrap_or(c).to_string());
    }
    let budget = match &view.root {
        ViewValue::Record(fields) => fields.iter().find(|(f, _)| f.name == "budget").map(|(_, v)| v),
        _ => None,
    };
    let mut total: i128 = 0;
    let mut rows = Vec::new();
    let lines = budget.map(|b| list(b, "lines")).unwrap_or_default();
    for (i, (_, f)) in lines.into_iter().enumerate() {
        let path = format!("budget/lines/{i}");
        let mut row = Vec::with_capacity(BUDGET_COLUMNS.len());
        for c in BUDGET_COLUMNS {
            let cell = match (c, f.iter().find(|(field, _)| field.name == c).map(|(_, v)| v)) {
                ("amount", Some(ViewValue::Scalar(Scalar::Money(cents)))) => {
                    total += i128::from(*cents);
                    BudgetCell::Amount(*cents)
                }
                ("amount", Some(ViewValue::Invalid { value, reason })) => {
                    // Kept in its cell as stored, out of the total.
                    r.note(&format!("{path}/amount"), &value.display(), reason);
                    BudgetCell::Text(value.display())
                }
                ("category" | "funding_source", Some(ViewValue::Scalar(Scalar::Str(code)))) => {
                    let p: Path = format!("{path}/{c}").parse().unwrap_or_else(|_| lines_path.clone());
                    BudgetCell::Text(labels::choice_label(view.lang, view.kind, &p, code))
                }
                _ => BudgetCell::Text(r.get(f, &path, c).unwrap_or_default()),
            };
            row.push(cell);
        }
        rows.push(row);
    }
    BudgetTable { header, rows, amount_column: 5, total, total_label: t!(view.lang, "print-total") }
}

/// A plan's budget lines as CSV, headed by the fields' names in the document's language, with
/// a total row. Amounts are plain numbers (`2600.50`, `-150.00`) so a spreadsheet reads them
/// in any locale's import dialog.
pub fn budget_csv(view: &DocView) -> Result<Exported, NodeError> {
    plan_only(view, "a budget table")?;
    let mut r = Reader { left_out: Vec::new() };
    let table = budget_table(view, &mut r);
    let mut out = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| NodeError::Corrupt(format!("writing CSV: {e}"));
    out.write_record(&table.header).map_err(csv_err)?;
    for row in &table.rows {
        let cells = row.iter().map(|c| match c {
            BudgetCell::Text(t) => t.clone(),
            BudgetCell::Amount(cents) => plain_amount(i128::from(*cents)),
        });
        out.write_record(cells).map_err(csv_err)?;
    }
    let mut last = vec![String::new(); BUDGET_COLUMNS.len()];
    last[3] = table.total_label.clone();
    last[5] = plain_amount(table.total);
    out.write_record(&last).map_err(csv_err)?;
    let bytes = out.into_inner().map_err(|e| NodeError::Corrupt(format!("writing CSV: {e}")))?;
    Ok(Exported { bytes, media_type: "text/csv; charset=utf-8", extension: "csv", left_out: r.left_out })
}

/// A plan's budget lines as an Excel workbook: amounts as numbers in a euro format, the total
/// as a `SUM` formula.
pub fn budget_xlsx(view: &DocView, title: &str) -> Result<Exported, NodeError> {
    plan_only(view, "a budget table")?;
    let mut r = Reader { left_out: Vec::new() };
    let table = budget_table(view, &mut r);
    let budget: Path = "budget".parse().unwrap_or_default();
    let sheet = labels::field_label(view.lang, view.kind, &budget);
    Ok(Exported {
        bytes: xlsx::write(&table, &sheet, title)?,
        media_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        extension: "xlsx",
        left_out: r.left_out,
    })
}

/// A document as a Word file, laid out from its outline.
pub fn docx(view: &DocView) -> Result<Exported, NodeError> {
    Ok(Exported {
        bytes: docx::write(&outline::outline(view))?,
        media_type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        extension: "docx",
        left_out: Vec::new(),
    })
}

/// A document as an OpenDocument text, laid out from its outline.
pub fn odt(view: &DocView) -> Result<Exported, NodeError> {
    Ok(Exported {
        bytes: odt::write(&outline::outline(view))?,
        media_type: "application/vnd.oasis.opendocument.text",
        extension: "odt",
        left_out: Vec::new(),
    })
}

/// A document as a PDF laid out by the node, from its outline.
pub fn pdf(view: &DocView) -> Result<Exported, NodeError> {
    Ok(Exported {
        bytes: pdf::write(&outline::outline(view))?,
        media_type: "application/pdf",
        extension: "pdf",
        left_out: Vec::new(),
    })
}

/// Cents as a plain decimal number: `260050` is `2600.50`, `-15000` is `-150.00`.
fn plain_amount(cents: i128) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

#[cfg(test)]
mod tests {
    use super::plain_amount;

    #[test]
    fn amounts_are_plain_numbers() {
        assert_eq!(plain_amount(260_050), "2600.50");
        assert_eq!(plain_amount(-15_000), "-150.00");
        assert_eq!(plain_amount(7), "0.07");
        assert_eq!(plain_amount(0), "0.00");
    }
}
