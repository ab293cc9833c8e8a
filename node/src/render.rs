//! Markdown rendering of a document view: headings for sections, tables for lists of records
//! (budget lines, participants, work packages), totals where they make sense, and a visible
//! mark on every conflicting value.

use std::fmt::Write as _;

use twinmesh_protocol::schema::{Field, FieldType, Scalar, format_eur};

use crate::engine::view::{DocView, ViewValue};

/// Renders a view as Markdown.
pub fn markdown(view: &DocView) -> String {
    let mut out = String::new();
    let ViewValue::Record(fields) = &view.root else {
        return out;
    };
    let title = fields.iter().find(|(f, _)| f.name == "title").map(|(_, v)| inline(v)).unwrap_or_default();
    let _ = writeln!(out, "# {}\n", if title.is_empty() { "(untitled)" } else { &title });
    let _ = writeln!(out, "*{}*\n", view.kind.label());
    record_body(&mut out, fields, 2);
    out
}

fn skip(f: &Field) -> bool {
    matches!(f.name, "title" | "kind" | "schema" | "space")
}

fn record_body(out: &mut String, fields: &[(&'static Field, ViewValue)], level: usize) {
    // Scalars first, as a two-column table.
    let scalars: Vec<_> = fields.iter().filter(|(f, _)| !skip(f) && is_inline(f)).collect();
    if !scalars.is_empty() {
        let _ = writeln!(out, "| | |\n|---|---|");
        for (f, v) in &scalars {
            let _ = writeln!(out, "| **{}** | {} |", f.label, cell(&inline(v)));
        }
        out.push('\n');
    }
    for (f, v) in fields.iter().filter(|(f, _)| !skip(f) && !is_inline(f)) {
        let h = "#".repeat(level.min(6));
        match v {
            ViewValue::Text(t) => {
                if !t.trim().is_empty() {
                    let _ = writeln!(out, "{h} {}\n\n{}\n", f.label, t.trim_end());
                }
            }
            ViewValue::Record(sub) => {
                let _ = writeln!(out, "{h} {}\n", f.label);
                record_body(out, sub, level + 1);
            }
            ViewValue::List(items) => {
                let _ = writeln!(out, "{h} {}\n", f.label);
                list(out, f, items, level + 1);
            }
            other => {
                let _ = writeln!(out, "{h} {}\n\n{}\n", f.label, inline(other));
            }
        }
    }
}

fn is_inline(f: &Field) -> bool {
    f.ty.is_scalar()
}

fn sums(list: &Field, col: &Field) -> bool {
    col.ty == FieldType::Money || (list.name == "participants" && col.ty == FieldType::Int)
}

fn list(out: &mut String, list_field: &Field, items: &[(String, ViewValue)], level: usize) {
    let FieldType::List(cols) = list_field.ty else { return };
    if items.is_empty() {
        out.push_str("*(none yet)*\n\n");
        return;
    }
    let table_cols: Vec<&Field> = cols.iter().filter(|c| is_inline(c)).collect();
    let _ = writeln!(out, "| # | {} |", table_cols.iter().map(|c| c.label).collect::<Vec<_>>().join(" | "));
    let _ = writeln!(out, "|---|{}|", table_cols.iter().map(|_| "---").collect::<Vec<_>>().join("|"));
    let mut totals: Vec<Option<i64>> = table_cols.iter().map(|c| sums(list_field, c).then_some(0)).collect();
    for (i, (_, rec)) in items.iter().enumerate() {
        let ViewValue::Record(fields) = rec else { continue };
        let mut cells = Vec::new();
        for (ci, c) in table_cols.iter().enumerate() {
            let v = fields.iter().find(|(f, _)| f.name == c.name).map(|(_, v)| v);
            if let (Some(total), Some(ViewValue::Scalar(Scalar::Money(n) | Scalar::Int(n)))) =
                (&mut totals[ci], v)
            {
                *total += n;
            }
            cells.push(cell(&v.map(inline).unwrap_or_default()));
        }
        let _ = writeln!(out, "| {} | {} |", i + 1, cells.join(" | "));
    }
    if totals.iter().any(Option::is_some) {
        let cells: Vec<String> = table_cols
            .iter()
            .zip(&totals)
            .map(|(c, t)| match t {
                Some(n) if c.ty == FieldType::Money => format!("**{}**", format_eur(*n)),
                Some(n) => format!("**{n}**"),
                None => String::new(),
            })
            .collect();
        let _ = writeln!(out, "| **Total** | {} |", cells.join(" | "));
    }
    out.push('\n');
    // Prose and nested lists of each record, below the table.
    let h = "#".repeat(level.min(6));
    for (i, (_, rec)) in items.iter().enumerate() {
        let ViewValue::Record(fields) = rec else { continue };
        let has_more = fields.iter().any(|(f, v)| match v {
            ViewValue::Text(t) => !is_inline(f) && !t.trim().is_empty(),
            ViewValue::List(items) => !items.is_empty(),
            _ => false,
        });
        if !has_more {
            continue;
        }
        let name = fields
            .iter()
            .find(|(f, _)| matches!(f.name, "title" | "heading" | "name" | "number" | "code"))
            .map(|(_, v)| inline(v))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("{} {}", list_field.label, i + 1));
        let _ = writeln!(out, "{h} {name}\n");
        for (f, v) in fields.iter().filter(|(f, _)| !is_inline(f)) {
            match v {
                ViewValue::Text(t) if !t.trim().is_empty() => {
                    let _ = writeln!(out, "**{}:** {}\n", f.label, t.trim_end());
                }
                ViewValue::List(sub) if !sub.is_empty() => {
                    let _ = writeln!(out, "**{}**\n", f.label);
                    list(out, f, sub, level + 1);
                }
                _ => {}
            }
        }
    }
}

fn inline(v: &ViewValue) -> String {
    match v {
        ViewValue::Text(t) => t.clone(),
        ViewValue::Scalar(s) => s.display(),
        ViewValue::Raw(r) => r.clone(),
        ViewValue::Conflict(vals) => format!(
            "⚠ CONFLICT: {}",
            vals.iter()
                .map(|c| format!("{} ({})", c.value.display(), c.author))
                .collect::<Vec<_>>()
                .join(" / ")
        ),
        ViewValue::Record(_) | ViewValue::List(_) => String::new(),
    }
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}
