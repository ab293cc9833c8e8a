//! One outline of a document for the office and print formats (DOCX, ODT, PDF): headings,
//! paragraphs and tables, in the document's language, with amounts and dates written the way
//! that language writes them. Each writer only lays the outline out, so the three files say
//! the same thing in the same order.
//!
//! A plan follows the order of an EU application's Part B: summary, relevance (context,
//! European dimension, partners), objectives, methodology and work packages, events with their
//! participants per town and country (and all events' participants summed per country),
//! milestones, budget, indicators, then sustainability.
//! Other kinds (charter, minutes, contacts) list their schema's sections in schema order.

use twinmesh_protocol::{
    locale::{NumberStyle, format_amount, format_date},
    schema::{DocKind, Field, FieldType, Path, Scalar, Seg},
};

use crate::{
    engine::view::{DocView, ViewValue},
    i18n::Lang,
    labels, locale, t,
};

/// A document laid out as headings, paragraphs and tables.
#[derive(Debug, Clone)]
pub(crate) struct Outline {
    /// The document's title (or "(untitled)" in its language).
    pub(crate) title: String,
    /// Its kind's name: "Gemeinsamer Projektplan".
    pub(crate) kind: String,
    /// The language it is written in.
    #[cfg_attr(not(feature = "office"), allow(dead_code))]
    pub(crate) lang: Lang,
    /// What follows the title, in order.
    pub(crate) blocks: Vec<Block>,
}

/// One block of an [`Outline`].
#[derive(Debug, Clone)]
pub(crate) enum Block {
    /// A heading; level 1 is a section of the document (the title is above level 1).
    Heading { level: u8, text: String },
    /// A paragraph, with a label shown in bold before the text when there is one.
    Paragraph { label: Option<String>, text: String },
    /// A table.
    Table(Table),
}

/// A table: an optional header row, the rows, and a totals row when a column sums.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    /// Column titles; empty for a table of label/value pairs.
    pub(crate) header: Vec<String>,
    /// The rows, each as long as the widest row.
    pub(crate) rows: Vec<Vec<String>>,
    /// The totals row.
    pub(crate) total: Option<Vec<String>>,
    /// Which columns hold numbers (right-aligned).
    pub(crate) numeric: Vec<bool>,
}

impl Table {
    /// How many columns the widest row has.
    pub(crate) fn columns(&self) -> usize {
        self.rows.iter().chain(self.total.iter()).map(Vec::len).fold(self.header.len(), usize::max)
    }
}

/// Fields shown in the title, or that describe the file rather than the content.
fn envelope(f: &Field) -> bool {
    matches!(f.name, "title" | "kind" | "schema" | "space" | "lang")
}

/// A plan's sections in Part B order: a field, or a heading over several fields.
enum Part {
    Field(&'static str),
    Group(&'static str, &'static [&'static str]),
    /// The participants of all events summed per country.
    ByCountry,
}

const PLAN_ORDER: &[Part] = &[
    Part::Field("summary"),
    Part::Group("print-relevance", &["context", "european_dimension", "partners"]),
    Part::Field("objectives"),
    Part::Field("methodology"),
    Part::Field("work_packages"),
    Part::Field("events"),
    Part::ByCountry,
    Part::Field("milestones"),
    Part::Field("budget"),
    Part::Field("indicators"),
    Part::Field("sustainability"),
];

/// What every part of the outline needs.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    kind: DocKind,
    lang: Lang,
    style: &'a NumberStyle,
}

impl Ctx<'_> {
    fn name(self, names: &[&'static str], f: &Field) -> String {
        let mut all = names.to_vec();
        all.push(f.name);
        labels::name_label(self.lang, self.kind, &all, f)
    }

    /// A value as the document's language writes it.
    fn value(self, names: &[&'static str], f: &Field, v: &ViewValue) -> String {
        match v {
            ViewValue::Text(t) => t.trim_end().to_string(),
            ViewValue::Scalar(s) => self.scalar(names, f, s),
            ViewValue::Raw(r) => r.clone(),
            ViewValue::Conflict(values) => {
                let values = values
                    .iter()
                    .map(|c| format!("{} ({})", self.scalar(names, f, &c.value), c.author))
                    .collect::<Vec<_>>()
                    .join(" / ");
                t!(self.lang, "print-conflict-mark", values = values)
            }
            ViewValue::Invalid { value, reason } => {
                t!(
                    self.lang,
                    "print-invalid-mark",
                    value = self.scalar(names, f, value),
                    reason = reason.as_str()
                )
            }
            ViewValue::Record(_) | ViewValue::List(_) => String::new(),
        }
    }

    fn scalar(self, names: &[&'static str], f: &Field, s: &Scalar) -> String {
        match (f.ty, s) {
            (_, Scalar::Null) => String::new(),
            (_, Scalar::Money(cents)) if *cents < 0 && f.ty == FieldType::CorrectableMoney => {
                format!("{} ({})", format_amount(self.style, *cents), t!(self.lang, "print-correction"))
            }
            (_, Scalar::Money(cents)) => format_amount(self.style, *cents),
            (FieldType::Date, Scalar::Str(d)) => format_date(self.style, d),
            (FieldType::Enum(_), Scalar::Str(code)) => {
                let mut all = names.to_vec();
                all.push(f.name);
                let path = Path(all.iter().map(|n| Seg::Key((*n).to_string())).collect());
                labels::choice_label(self.lang, self.kind, &path, code)
            }
            (_, Scalar::Bool(true)) => t!(self.lang, "print-yes"),
            (_, Scalar::Bool(false)) => t!(self.lang, "print-no"),
            (_, other) => other.display(),
        }
    }
}

/// The outline of a document, in its language.
pub(crate) fn outline(view: &DocView) -> Outline {
    let style = locale::style(view.lang);
    let ctx = Ctx { kind: view.kind, lang: view.lang, style: &style };
    let mut blocks = Vec::new();
    let fields: &[(&'static Field, ViewValue)] = match &view.root {
        ViewValue::Record(f) => f,
        _ => &[],
    };
    let title = fields
        .iter()
        .find(|(f, _)| f.name == "title")
        .map(|(f, v)| ctx.value(&[], f, v))
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| t!(view.lang, "print-untitled"));
    facts(&mut blocks, ctx, &[], fields);
    let by_name = |name: &str| fields.iter().find(|(f, _)| f.name == name);
    let mut done: Vec<&str> = Vec::new();
    if view.kind == DocKind::Plan {
        for part in PLAN_ORDER {
            match part {
                Part::Field(name) => {
                    if let Some((f, v)) = by_name(name) {
                        field(&mut blocks, ctx, &[], f, v, 1);
                    }
                    done.push(name);
                }
                Part::ByCountry => by_country(&mut blocks, ctx, fields),
                Part::Group(key, names) => {
                    let mut inner = Vec::new();
                    for name in *names {
                        if let Some((f, v)) = by_name(name) {
                            field(&mut inner, ctx, &[], f, v, 2);
                        }
                        done.push(name);
                    }
                    if !inner.is_empty() {
                        blocks.push(Block::Heading { level: 1, text: crate::i18n::tr(view.lang, key, &[]) });
                        blocks.extend(inner);
                    }
                }
            }
        }
    }
    // Everything else (every section of other kinds), in schema order.
    for (f, v) in fields {
        if !envelope(f) && !f.ty.is_scalar() && !done.contains(&f.name) {
            field(&mut blocks, ctx, &[], f, v, 1);
        }
    }
    let mut outline =
        Outline { title, kind: labels::kind_label(view.lang, view.kind), lang: view.lang, blocks };
    outline.for_each_text(&mut |t| {
        if t.chars().any(forbidden) {
            *t = t.chars().map(|c| if forbidden(c) { char::REPLACEMENT_CHARACTER } else { c }).collect();
        }
    });
    outline
}

/// A character XML 1.0 cannot hold, even escaped (C0 controls but tab and line ends,
/// U+FFFE, U+FFFF): a peer may have typed one into a text, and one such character makes
/// Word and LibreOffice refuse the whole file. Shown as U+FFFD instead.
fn forbidden(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

impl Outline {
    /// Calls `f` on every text of the outline.
    fn for_each_text(&mut self, f: &mut dyn FnMut(&mut String)) {
        f(&mut self.title);
        for b in &mut self.blocks {
            match b {
                Block::Heading { text, .. } => f(text),
                Block::Paragraph { label, text } => {
                    label.iter_mut().for_each(&mut *f);
                    f(text);
                }
                Block::Table(t) => {
                    t.header
                        .iter_mut()
                        .chain(t.rows.iter_mut().flatten())
                        .chain(t.total.iter_mut().flatten())
                        .for_each(&mut *f);
                }
            }
        }
    }
}

/// The planned participants of every event summed per country (in the order countries first
/// appear), with the sending towns: what an application's table of participants by country
/// asks for. Only settled counts are summed; nothing is shown if no event has participants.
fn by_country(out: &mut Vec<Block>, ctx: Ctx<'_>, fields: &[(&'static Field, ViewValue)]) {
    const NAMES: [&str; 2] = ["events", "participants"];
    const COUNTS: [&str; 2] = ["youth", "adults"];
    let Some((_, ViewValue::List(events))) = fields.iter().find(|(f, _)| f.name == "events") else { return };
    // (country, towns, youth, adults)
    let mut rows: Vec<(String, Vec<String>, i128, i128)> = Vec::new();
    let mut columns: Vec<&'static Field> = Vec::new();
    for (_, event) in events {
        let ViewValue::Record(ev) = event else { continue };
        let Some((pf, ViewValue::List(groups))) = ev.iter().find(|(f, _)| f.name == "participants") else {
            continue;
        };
        if let FieldType::List(cols) = pf.ty {
            columns = ["country", "town", COUNTS[0], COUNTS[1]]
                .iter()
                .filter_map(|n| cols.iter().find(|c| c.name == *n))
                .collect();
        }
        for (_, group) in groups {
            let ViewValue::Record(g) = group else { continue };
            let text = |n: &str| match g.iter().find(|(f, _)| f.name == n) {
                Some((f, v)) => ctx.value(&NAMES, f, v),
                None => String::new(),
            };
            let count = |n: &str| match g.iter().find(|(f, _)| f.name == n) {
                Some((_, ViewValue::Scalar(Scalar::Int(c)))) => i128::from(*c),
                _ => 0,
            };
            let (country, town) = (text("country"), text("town"));
            let i = match rows.iter().position(|r| r.0 == country) {
                Some(i) => i,
                None => {
                    rows.push((country, Vec::new(), 0, 0));
                    rows.len() - 1
                }
            };
            let row = &mut rows[i];
            if !town.is_empty() && !row.1.contains(&town) {
                row.1.push(town);
            }
            row.2 += count(COUNTS[0]);
            row.3 += count(COUNTS[1]);
        }
    }
    if rows.is_empty() || columns.len() != 4 {
        return;
    }
    let header = columns.iter().map(|c| ctx.name(&NAMES, c)).collect();
    let (youth, adults) = rows.iter().fold((0, 0), |(y, a), r| (y + r.2, a + r.3));
    let total = Some(vec![t!(ctx.lang, "print-total"), String::new(), youth.to_string(), adults.to_string()]);
    let rows = rows
        .into_iter()
        .map(|(c, towns, y, a)| vec![c, towns.join(", "), y.to_string(), a.to_string()])
        .collect();
    out.push(Block::Heading { level: 2, text: t!(ctx.lang, "print-participants-by-country") });
    out.push(Block::Table(Table { header, rows, total, numeric: vec![false, false, true, true] }));
}

/// The scalars of a record as a two-column table of label and value.
fn facts(out: &mut Vec<Block>, ctx: Ctx<'_>, names: &[&'static str], fields: &[(&'static Field, ViewValue)]) {
    let rows: Vec<Vec<String>> = fields
        .iter()
        .filter(|(f, _)| !envelope(f) && f.ty.is_scalar())
        .map(|(f, v)| vec![ctx.name(names, f), ctx.value(names, f, v)])
        .filter(|row| !row[1].is_empty())
        .collect();
    if !rows.is_empty() {
        out.push(Block::Table(Table { header: Vec::new(), rows, total: None, numeric: vec![false, false] }));
    }
}

/// Splits prose into paragraphs at blank lines.
fn prose(out: &mut Vec<Block>, label: Option<String>, text: &str) {
    let mut label = label;
    for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        out.push(Block::Paragraph { label: label.take(), text: para.to_string() });
    }
}

/// A non-scalar field (prose, record or list) under a heading of `level`.
fn field(
    out: &mut Vec<Block>,
    ctx: Ctx<'_>,
    names: &[&'static str],
    f: &'static Field,
    v: &ViewValue,
    level: u8,
) {
    let label = ctx.name(names, f);
    let mut sub_names = names.to_vec();
    sub_names.push(f.name);
    match v {
        ViewValue::Text(t) => {
            if !t.trim().is_empty() {
                out.push(Block::Heading { level, text: label });
                prose(out, None, t);
            }
        }
        ViewValue::Record(sub) => {
            out.push(Block::Heading { level, text: label });
            facts(out, ctx, &sub_names, sub);
            for (sf, sv) in sub.iter().filter(|(sf, _)| !sf.ty.is_scalar()) {
                field(out, ctx, &sub_names, sf, sv, level + 1);
            }
        }
        ViewValue::List(items) => {
            out.push(Block::Heading { level, text: label });
            list(out, ctx, &sub_names, f, items, level + 1);
        }
        other => {
            out.push(Block::Heading { level, text: label });
            prose(out, None, &ctx.value(names, f, other));
        }
    }
}

/// Columns that get a total: amounts, and head counts of participants.
fn sums(list: &Field, col: &Field) -> bool {
    col.ty.is_money() || (list.name == "participants" && col.ty == FieldType::Int)
}

/// A column's total: summed in `i128`, so no number of `i64` values can overflow it. Only
/// settled, valid values count; the values left out are named next to the sum, never dropped
/// silently.
#[derive(Default)]
struct Total {
    sum: i128,
    in_conflict: usize,
    invalid: usize,
}

impl Total {
    fn add(&mut self, v: Option<&ViewValue>) {
        match v {
            Some(ViewValue::Scalar(Scalar::Money(n) | Scalar::Int(n))) => self.sum += i128::from(*n),
            Some(ViewValue::Conflict(_)) => self.in_conflict += 1,
            Some(ViewValue::Invalid { .. } | ViewValue::Raw(_)) => self.invalid += 1,
            _ => {}
        }
    }

    fn show(&self, ctx: Ctx<'_>, col: &Field) -> String {
        let mut s = if col.ty.is_money() { format_amount(ctx.style, self.sum) } else { self.sum.to_string() };
        if self.in_conflict > 0 {
            s.push_str(&t!(ctx.lang, "print-total-conflicts", count = self.in_conflict));
        }
        if self.invalid > 0 {
            s.push_str(&t!(ctx.lang, "print-total-invalid", count = self.invalid));
        }
        s
    }
}

/// A list as a numbered table of its scalar columns (with totals), then each item's prose and
/// nested lists under a heading of `level` named after the item.
fn list(
    out: &mut Vec<Block>,
    ctx: Ctx<'_>,
    names: &[&'static str],
    list_field: &Field,
    items: &[(String, ViewValue)],
    level: u8,
) {
    let FieldType::List(cols) = list_field.ty else { return };
    if items.is_empty() {
        out.push(Block::Paragraph { label: None, text: t!(ctx.lang, "print-none-yet") });
        return;
    }
    let table_cols: Vec<&'static Field> = cols.iter().filter(|c| c.ty.is_scalar()).collect();
    let mut header = vec!["#".to_string()];
    header.extend(table_cols.iter().map(|c| ctx.name(names, c)));
    let mut numeric = vec![true];
    numeric.extend(
        table_cols.iter().map(|c| c.ty.is_money() || matches!(c.ty, FieldType::Int | FieldType::Number)),
    );
    let summed: Vec<bool> = table_cols.iter().map(|c| sums(list_field, c)).collect();
    let mut totals: Vec<Total> = table_cols.iter().map(|_| Total::default()).collect();
    let mut rows = Vec::new();
    for (i, (_, rec)) in items.iter().enumerate() {
        let ViewValue::Record(fields) = rec else { continue };
        let mut row = vec![(i + 1).to_string()];
        for (ci, c) in table_cols.iter().enumerate() {
            let v = fields.iter().find(|(f, _)| f.name == c.name).map(|(_, v)| v);
            totals[ci].add(v);
            row.push(v.map(|v| ctx.value(names, c, v)).unwrap_or_default());
        }
        rows.push(row);
    }
    let total = summed.iter().any(|s| *s).then(|| {
        let mut row = vec![t!(ctx.lang, "print-total")];
        for (ci, c) in table_cols.iter().enumerate() {
            row.push(if summed[ci] { totals[ci].show(ctx, c) } else { String::new() });
        }
        row
    });
    out.push(Block::Table(Table { header, rows, total, numeric }));
    for (i, (_, rec)) in items.iter().enumerate() {
        let ViewValue::Record(fields) = rec else { continue };
        let more: Vec<_> = fields
            .iter()
            .filter(|(f, v)| match v {
                ViewValue::Text(t) => !f.ty.is_scalar() && !t.trim().is_empty(),
                ViewValue::List(items) => !items.is_empty(),
                _ => false,
            })
            .collect();
        if more.is_empty() {
            continue;
        }
        out.push(Block::Heading { level, text: item_name(ctx, names, fields, i) });
        for (f, v) in more {
            match v {
                ViewValue::Text(t) => prose(out, Some(ctx.name(names, f)), t),
                ViewValue::List(sub) => {
                    out.push(Block::Heading { level: level + 1, text: ctx.name(names, f) });
                    let mut sub_names = names.to_vec();
                    sub_names.push(f.name);
                    list(out, ctx, &sub_names, f, sub, level + 2);
                }
                _ => {}
            }
        }
    }
}

/// An item's heading: its number and title ("WP2 Jugendbegegnung"), or its name and number.
fn item_name(
    ctx: Ctx<'_>,
    names: &[&'static str],
    fields: &[(&'static Field, ViewValue)],
    i: usize,
) -> String {
    let text = |n: &str| {
        fields
            .iter()
            .find(|(f, _)| f.name == n)
            .map(|(f, v)| ctx.value(names, f, v))
            .filter(|s| !s.trim().is_empty())
    };
    let number = text("number").or_else(|| text("code"));
    let title = text("title").or_else(|| text("heading")).or_else(|| text("name"));
    match (number, title) {
        (Some(n), Some(t)) => format!("{n} {t}"),
        (Some(s), None) | (None, Some(s)) => s,
        (None, None) => {
            let path =
                Path(names.iter().map(|n| Seg::Key((*n).to_string())).chain([Seg::Index(i)]).collect());
            labels::field_label(ctx.lang, ctx.kind, &path)
        }
    }
}
