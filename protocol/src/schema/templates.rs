//! What a new document or list item starts with ([`TemplateValue`]): an empty record
//! ([`empty_record`]), and a new document's [`template`], every field present with a useful
//! skeleton for its kind, its texts in the document's language ([`Start`], [`TEMPLATE_KEYS`]).

use super::{
    DocKind, Field, FieldType, SCHEMA_VERSION, Scalar,
    kinds::{fields, list_fields},
};

use TemplateValue as V;

/// A value of a template: what a new document or list item starts with.
#[derive(Debug, Clone, PartialEq)]
pub enum TemplateValue {
    /// A text field with initial content.
    Text(String),
    /// A scalar.
    Scalar(Scalar),
    /// A record: field name and value.
    Map(Vec<(&'static str, TemplateValue)>),
    /// A list of records.
    List(Vec<TemplateValue>),
}

/// An empty record with every field present: texts empty, scalars null, lists empty.
/// List records get the given `id`.
pub fn empty_record(fields: &'static [Field], id: Option<String>) -> TemplateValue {
    let mut entries = Vec::new();
    if let Some(id) = id {
        entries.push(("id", TemplateValue::Scalar(Scalar::Str(id))));
    }
    for f in fields {
        entries.push((f.name, empty_value(&f.ty)));
    }
    TemplateValue::Map(entries)
}

fn empty_value(ty: &FieldType) -> TemplateValue {
    match ty {
        FieldType::Text => TemplateValue::Text(String::new()),
        FieldType::Record(f) => empty_record(f, None),
        FieldType::List(_) => TemplateValue::List(Vec::new()),
        _ => TemplateValue::Scalar(Scalar::Null),
    }
}

/// Builds a list item from the empty record of the list at `path`, with some fields filled.
fn item(kind: DocKind, path: &[&str], id: String, values: Vec<(&'static str, V)>) -> V {
    let V::Map(mut entries) = empty_record(list_fields(kind, path), Some(id)) else {
        return V::Map(values);
    };
    for (name, value) in values {
        if let Some(slot) = entries.iter_mut().find(|(n, _)| *n == name) {
            slot.1 = value;
        }
    }
    V::Map(entries)
}

fn s(v: &str) -> V {
    V::Scalar(Scalar::Str(v.to_string()))
}

fn txt(v: &str) -> V {
    V::Text(v.to_string())
}

fn set(root: &mut V, name: &'static str, value: V) {
    if let V::Map(entries) = root
        && let Some(slot) = entries.iter_mut().find(|(n, _)| *n == name)
    {
        slot.1 = value;
    }
}

/// What a new document starts from: its title, space and language, and the texts of its
/// template in that language.
pub struct Start<'a> {
    /// The document's title.
    pub title: &'a str,
    /// The space id, as text.
    pub space: &'a str,
    /// The ISO 639-1 code of the document's language (`en`, `fr`, …), recorded in `lang`.
    pub lang: &'a str,
    /// The template's text for a key of [`TEMPLATE_KEYS`], in the document's language. Protocol
    /// holds no translations: the node reads them from its translation files.
    pub text: &'a dyn Fn(&str) -> String,
}

/// Charter clauses of the template: (heading key, text key).
const CLAUSES: [(&str, &str); 4] = [
    ("template-charter-clause-1-heading", "template-charter-clause-1-text"),
    ("template-charter-clause-2-heading", "template-charter-clause-2-text"),
    ("template-charter-clause-3-heading", "template-charter-clause-3-text"),
    ("template-charter-clause-4-heading", "template-charter-clause-4-text"),
];

/// The plan's standard work packages: (number, title key).
const WORK_PACKAGES: [(&str, &str); 3] = [
    ("WP1", "template-plan-wp-1-title"),
    ("WP2", "template-plan-wp-2-title"),
    ("WP3", "template-plan-wp-3-title"),
];

/// The plan's standard indicators: (name key, level).
const INDICATORS: [(&str, &str); 3] = [
    ("template-plan-indicator-1-name", "output"),
    ("template-plan-indicator-2-name", "output"),
    ("template-plan-indicator-3-name", "output"),
];

/// The unit of the standard indicators.
const PERSONS: &str = "template-plan-indicator-unit-persons";

/// The minutes' standard agenda: (number, title key).
const AGENDA: [(&str, &str); 3] = [
    ("1", "template-minutes-agenda-1-title"),
    ("2", "template-minutes-agenda-2-title"),
    ("3", "template-minutes-agenda-3-title"),
];

/// Every text key [`template`] asks [`Start::text`] for.
pub const TEMPLATE_KEYS: &[&str] = &[
    "template-charter-preamble",
    CLAUSES[0].0,
    CLAUSES[0].1,
    CLAUSES[1].0,
    CLAUSES[1].1,
    CLAUSES[2].0,
    CLAUSES[2].1,
    CLAUSES[3].0,
    CLAUSES[3].1,
    WORK_PACKAGES[0].1,
    WORK_PACKAGES[1].1,
    WORK_PACKAGES[2].1,
    INDICATORS[0].0,
    INDICATORS[1].0,
    INDICATORS[2].0,
    PERSONS,
    AGENDA[0].1,
    AGENDA[1].1,
    AGENDA[2].1,
];

/// The starting content of a new document: every field present, with a useful skeleton for the
/// kind (a CEMR-style preamble and four clauses for a charter; the three usual work packages and
/// standard indicators of a CERV Town Twinning plan; a standard agenda for minutes), its texts
/// in the document's language as `start.text` gives them.
///
/// `new_id` yields a fresh, unique list-item id each call.
pub fn template(kind: DocKind, start: &Start<'_>, new_id: &mut dyn FnMut() -> String) -> V {
    let text = start.text;
    let mut root = empty_record(fields(kind), None);
    set(&mut root, "kind", s(kind.code()));
    set(&mut root, "schema", V::Scalar(Scalar::Int(SCHEMA_VERSION)));
    set(&mut root, "space", s(start.space));
    set(&mut root, "lang", s(start.lang));
    set(&mut root, "title", txt(start.title));
    match kind {
        DocKind::Charter => {
            set(&mut root, "agreement_type", s("twinning-charter"));
            set(&mut root, "status", s("draft"));
            set(&mut root, "equally_authentic", V::Scalar(Scalar::Bool(true)));
            set(&mut root, "preamble", txt(&text("template-charter-preamble")));
            let items = CLAUSES
                .iter()
                .map(|(h, t)| {
                    item(
                        kind,
                        &["clauses"],
                        new_id(),
                        vec![("heading", s(&text(h))), ("text", txt(&text(t)))],
                    )
                })
                .collect();
            set(&mut root, "clauses", V::List(items));
        }
        DocKind::Plan => {
            set(&mut root, "status", s("drafting"));
            set(&mut root, "funding_profile", s("CERV-2025-CITIZENS-TOWN-TT"));
            set(&mut root, "working_language", s(&start.lang.to_ascii_uppercase()));
            let items = WORK_PACKAGES
                .iter()
                .map(|(n, t)| {
                    item(kind, &["work_packages"], new_id(), vec![("number", s(n)), ("title", s(&text(t)))])
                })
                .collect();
            set(&mut root, "work_packages", V::List(items));
            let persons = text(PERSONS);
            let items = INDICATORS
                .iter()
                .map(|(n, l)| {
                    item(
                        kind,
                        &["indicators"],
                        new_id(),
                        vec![("name", s(&text(n))), ("level", s(l)), ("unit", s(&persons))],
                    )
                })
                .collect();
            set(&mut root, "indicators", V::List(items));
        }
        DocKind::Minutes => {
            set(&mut root, "status", s("draft"));
            let items = AGENDA
                .iter()
                .map(|(n, t)| {
                    item(kind, &["agenda"], new_id(), vec![("number", s(n)), ("title", s(&text(t)))])
                })
                .collect();
            set(&mut root, "agenda", V::List(items));
        }
        DocKind::Contacts => {}
    }
    root
}
