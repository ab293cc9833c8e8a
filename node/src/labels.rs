//! Names of document kinds, fields and choices as people read them, in their language: the one
//! place the node names a field for people (printed documents, history, errors).
//!
//! The names live in `node/i18n/<language>/schema.ftl` under keys the web UI relies on too:
//!
//! | key | names | example |
//! |-----|-------|---------|
//! | `kind-<kind>` | a document kind | `kind-plan` = Joint project plan |
//! | `field-<kind>-<name>[-<sub>…]` | a field, list indices dropped | `field-plan-budget-lines-amount` = Amount |
//! | `item-<kind>-<list>` | one item of a list, numbered `{ $n }` | `item-plan-work_packages` = Work package { $n } |
//! | `choice-<kind>-<field>-<value>` | a value of a choice field | `choice-charter-status-in-force` = In force |
//!
//! English names equal protocol's labels (a test keeps them equal); a key missing from the
//! files falls back to protocol's label, so a name is never a bare key.

use twinmesh_protocol::schema::{DocKind, Field, FieldType, Path, Seg};

use crate::i18n::{self, FluentValue, Lang};

/// Between the parts of a field's name: "Work package 3 · Lump sum".
const SEPARATOR: &str = " · ";

/// The key of a kind's name: `kind-plan`.
pub fn kind_key(kind: DocKind) -> String {
    format!("kind-{}", kind.code())
}

/// The key of a field's name: `field-plan-work_packages-title` for `names` = `[work_packages,
/// title]` (the field's path without list indices).
pub fn field_key(kind: DocKind, names: &[&str]) -> String {
    format!("field-{}-{}", kind.code(), names.join("-"))
}

/// The key of a list item's name: `item-plan-work_packages`.
pub fn item_key(kind: DocKind, names: &[&str]) -> String {
    format!("item-{}-{}", kind.code(), names.join("-"))
}

/// The key of a choice's name: `choice-charter-status-in-force`.
pub fn choice_key(kind: DocKind, names: &[&str], value: &str) -> String {
    format!("choice-{}-{}-{value}", kind.code(), names.join("-"))
}

/// `key` in `lang` if the files have it, else `fallback`.
fn tr_or(
    lang: Lang,
    key: &str,
    args: &[(&str, FluentValue<'_>)],
    fallback: impl FnOnce() -> String,
) -> String {
    if i18n::has(key) { i18n::tr(lang, key, args) } else { fallback() }
}

/// A kind's name in `lang`: "Joint project plan", "Plan de projet commun".
pub fn kind_label(lang: Lang, kind: DocKind) -> String {
    tr_or(lang, &kind_key(kind), &[], || kind.label().to_string())
}

/// A schema field's own name in `lang` (no item numbers): `names` as for [`field_key`].
pub fn name_label(lang: Lang, kind: DocKind, names: &[&str], field: &Field) -> String {
    tr_or(lang, &field_key(kind, names), &[], || field.label.to_string())
}

/// One list item's name with its 1-based number: "Work package 3".
fn item_label(lang: Lang, kind: DocKind, names: &[&str], list: &Field, number: usize) -> String {
    let n = FluentValue::from(number);
    tr_or(lang, &item_key(kind, names), &[("n", n)], || format!("{} {number}", list.label))
}

/// How people name the field at `path` in `lang`: each list item as its item name and 1-based
/// number, then the field: `work_packages/2/lump_sum` is "Work package 3 · Lump sum", `status`
/// is "Status", `budget/lines/0/amount` is "Budget line 1 · Amount". A part the schema does not
/// know (a misspelt name) is shown as written.
pub fn field_label(lang: Lang, kind: DocKind, path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    let mut fields: &'static [Field] = kind.fields();
    let mut segs = path.0.iter().peekable();
    while let Some(seg) = segs.next() {
        let found = match seg {
            Seg::Key(k) => fields.iter().find(|f| f.name == k),
            Seg::Index(_) => None,
        };
        let Some(field) = found else {
            // Off the schema: the rest as written.
            let rest: Vec<Seg> = std::iter::once(seg.clone()).chain(segs.cloned()).collect();
            parts.push(Path(rest).to_string());
            break;
        };
        names.push(field.name);
        let last = segs.peek().is_none();
        match field.ty {
            FieldType::List(sub) => {
                fields = sub;
                if let Some(Seg::Index(i)) = segs.peek() {
                    parts.push(item_label(lang, kind, &names, field, i.saturating_add(1)));
                    segs.next();
                } else if last {
                    parts.push(name_label(lang, kind, &names, field));
                }
            }
            FieldType::Record(sub) => {
                fields = sub;
                if last {
                    parts.push(name_label(lang, kind, &names, field));
                }
            }
            _ => {
                fields = &[];
                parts.push(name_label(lang, kind, &names, field));
            }
        }
    }
    parts.join(SEPARATOR)
}

/// A choice's name in `lang`: value `in-force` of the charter's `status` is "In force". `path`
/// may carry list indices (`budget/lines/0/category`); an unknown value is shown as written.
pub fn choice_label(lang: Lang, kind: DocKind, path: &Path, value: &str) -> String {
    let names: Vec<&str> = path
        .0
        .iter()
        .filter_map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        })
        .collect();
    tr_or(lang, &choice_key(kind, &names, value), &[], || value.to_string())
}

/// Calls `visit` for every field of `kind`, nested ones included, with its names (its path
/// without list indices).
pub fn walk(kind: DocKind, visit: &mut dyn FnMut(&[&'static str], &'static Field)) {
    fn go(
        fields: &'static [Field],
        names: &mut Vec<&'static str>,
        visit: &mut dyn FnMut(&[&'static str], &'static Field),
    ) {
        for f in fields {
            names.push(f.name);
            visit(names, f);
            if let FieldType::List(sub) | FieldType::Record(sub) = f.ty {
                go(sub, names, visit);
            }
            names.pop();
        }
    }
    go(kind.fields(), &mut Vec::new(), visit);
}

#[cfg(test)]
mod tests {

    use std::collections::BTreeSet;

    use super::*;

    /// Every key of the names scheme, with the English text protocol gives it (`None` for item
    /// names, which protocol does not have).
    fn scheme() -> Vec<(String, Option<String>)> {
        let mut out = Vec::new();
        for kind in DocKind::ALL {
            out.push((kind_key(kind), Some(kind.label().to_string())));
            walk(kind, &mut |names, f| {
                out.push((field_key(kind, names), Some(f.label.to_string())));
                match f.ty {
                    FieldType::List(_) => out.push((item_key(kind, names), None)),
                    FieldType::Enum(values) => {
                        for v in values {
                            out.push((choice_key(kind, names, v), None));
                        }
                    }
                    _ => {}
                }
            });
        }
        out
    }

    /// Every kind, field (list item fields included), list item and choice has a name in English
    /// (and so, by `i18n`'s test that every language has every English message, in every
    /// language), and the English name of each kind and field is protocol's label, so the two
    /// cannot drift apart.
    #[test]
    fn every_field_and_choice_of_every_kind_has_a_name_in_every_language() {
        let keys = scheme();
        assert!(keys.len() > 200, "the walk found only {} keys", keys.len());
        let mut missing = BTreeSet::new();
        for (key, english) in &keys {
            if !i18n::has(key) {
                missing.insert(key.clone());
                continue;
            }
            for lang in Lang::ALL {
                let text = i18n::tr(lang, key, &[("n", FluentValue::from(1))]);
                assert!(!text.trim().is_empty() && text != *key, "{lang}: {key} = {text:?}");
            }
            if let Some(english) = english {
                assert_eq!(
                    &i18n::tr(Lang::En, key, &[]),
                    english,
                    "en/schema.ftl: {key} differs from protocol"
                );
            }
        }
        assert!(missing.is_empty(), "en/schema.ftl lacks {missing:?}");
    }

    #[test]
    fn a_field_is_named_by_its_item_number_and_label() {
        let p = |s: &str| s.parse::<Path>().expect("path");
        let plan = DocKind::Plan;
        assert_eq!(
            field_label(Lang::En, plan, &p("work_packages/2/lump_sum")),
            "Work package 3 · Lump-sum share"
        );
        assert_eq!(
            field_label(Lang::De, plan, &p("work_packages/2/lump_sum")),
            "Arbeitspaket 3 · Anteil am Pauschalbetrag"
        );
        assert_eq!(field_label(Lang::Fr, plan, &p("budget/lines/0/amount")), "Ligne budgétaire 1 · Montant");
        assert_eq!(
            field_label(Lang::En, plan, &p("events/0/participants/1/youth")),
            "Event 1 · Participant group 2 · Youth"
        );
        assert_eq!(field_label(Lang::En, plan, &p("status")), "Status");
        assert_eq!(field_label(Lang::En, plan, &p("work_packages")), "Work packages");
        assert_eq!(field_label(Lang::En, plan, &p("budget")), "Budget (EUR)");
        assert_eq!(field_label(Lang::En, plan, &p("work_packages/0/bogus")), "Work package 1 · bogus");
        assert_eq!(kind_label(Lang::It, DocKind::Minutes), "Verbale della riunione");
        assert_eq!(choice_label(Lang::Fr, DocKind::Charter, &p("status"), "in-force"), "En vigueur");
        assert_eq!(choice_label(Lang::De, plan, &p("budget/lines/3/category"), "travel"), "Reisekosten");
        assert_eq!(choice_label(Lang::De, plan, &p("status"), "no-such-value"), "no-such-value");
    }
}
