//! A language's conventions for values and field names: how amounts and dates are read and
//! shown ([`style`]), what a field is called ([`field_label`]) and what a field type accepts
//! ([`type_name`]). The formats themselves live in [`twinmesh_protocol::locale`].

use twinmesh_protocol::{
    locale::{NumberStyle, format_cents},
    schema::{DocKind, FieldType, MAX_AMOUNT_CENTS, MAX_COUNT, Path},
};

use crate::{i18n::Lang, t};

/// How `lang` writes amounts, numbers and dates (its locale: en-GB, fr-FR, de-DE, ro-RO, it-IT).
pub fn style(lang: Lang) -> NumberStyle {
    match lang {
        Lang::En => NumberStyle::EN_GB,
        Lang::Fr => NumberStyle::FR_FR,
        Lang::De => NumberStyle::DE_DE,
        Lang::Ro => NumberStyle::RO_RO,
        Lang::It => NumberStyle::IT_IT,
    }
}

/// A field as a person sees it, for messages: `Work package 3 · Lump-sum share` for
/// `work_packages/2/lump_sum` of a plan (item numbers count from 1), named by
/// [`crate::labels::field_label`]. `None` if `path` does not name a field of `kind`, so the
/// caller can show the path as typed.
pub fn field_label(lang: Lang, kind: DocKind, path: &str) -> Option<String> {
    let path: Path = path.parse().ok()?;
    twinmesh_protocol::schema::resolve(kind, &path).ok()?;
    Some(crate::labels::field_label(lang, kind, &path))
}

/// What a field of type `ty` accepts, in `lang` (English: the same words as
/// [`FieldType::name`]).
pub fn type_name(lang: Lang, ty: &FieldType) -> String {
    let st = style(lang);
    let max = format_cents(&st, u128::from(MAX_AMOUNT_CENTS.unsigned_abs()));
    match ty {
        FieldType::Text => t!(lang, "type-text"),
        FieldType::Str => t!(lang, "type-string"),
        FieldType::Enum(opts) => t!(lang, "type-enum", options = opts.join(", ")),
        FieldType::Date => t!(lang, "type-date"),
        FieldType::Int => t!(lang, "type-int", max = MAX_COUNT.to_string()),
        FieldType::Number => t!(lang, "type-number"),
        FieldType::Money => t!(lang, "type-money", max = max),
        FieldType::CorrectableMoney => t!(lang, "type-correctable-money", max = max),
        FieldType::Country => t!(lang, "type-country"),
        FieldType::Email => t!(lang, "type-email"),
        FieldType::Bool => t!(lang, "type-bool"),
        FieldType::Record(_) => t!(lang, "type-record"),
        FieldType::List(_) => t!(lang, "type-list"),
        FieldType::ReadOnly => t!(lang, "type-read-only"),
    }
}

/// A size in bytes as a person reads it in `lang`: `52.4 MB`, `52,4 Mo` (decimal units, one
/// decimal from 1 kB on; the unit words from `messages.ftl`).
pub fn bytes(lang: Lang, n: u64) -> String {
    let st = style(lang);
    let one = |v: f64| format!("{v:.1}").replace('.', &st.decimal.to_string());
    match n {
        0..1_000 => t!(lang, "size-bytes", n = n.to_string()),
        1_000..1_000_000 => t!(lang, "size-kb", n = one(n as f64 / 1e3)),
        1_000_000..1_000_000_000 => t!(lang, "size-mb", n = one(n as f64 / 1e6)),
        _ => t!(lang, "size-gb", n = one(n as f64 / 1e9)),
    }
}

#[cfg(test)]
mod tests {
    use twinmesh_protocol::schema::resolve;

    use super::*;

    #[test]
    fn fields_are_named_by_label_and_item_number() {
        assert_eq!(
            field_label(Lang::En, DocKind::Plan, "work_packages/2/lump_sum").as_deref(),
            Some("Work package 3 · Lump-sum share")
        );
        assert_eq!(field_label(Lang::En, DocKind::Plan, "work_packages").as_deref(), Some("Work packages"));
        assert_eq!(field_label(Lang::En, DocKind::Plan, "no_such_field"), None);
        let de = field_label(Lang::De, DocKind::Plan, "work_packages/0/lump_sum").unwrap_or_default();
        assert!(de.starts_with("Arbeitspaket 1 · "), "{de}");
    }

    #[test]
    fn english_type_names_are_the_schemas_own() {
        for kind in [DocKind::Charter, DocKind::Plan, DocKind::Minutes, DocKind::Contacts] {
            for f in kind.fields() {
                let path: Path = f.name.parse().unwrap_or_default();
                let ty = resolve(kind, &path).map(|r| r.ty).unwrap_or(f.ty);
                assert_eq!(type_name(Lang::En, &ty), ty.name());
            }
        }
        assert_eq!(type_name(Lang::En, &FieldType::CorrectableMoney), FieldType::CorrectableMoney.name());
        assert!(type_name(Lang::De, &FieldType::Money).contains("100.000.000,00"));
    }
}
