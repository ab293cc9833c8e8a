//! A language's conventions for values and field names: how amounts and dates are read and
//! shown ([`style`]), what a field is called ([`field_label`]) and what a field type accepts
//! ([`type_name`]). The formats themselves live in [`twinmesh_protocol::locale`].

use twinmesh_protocol::{
    locale::{NumberStyle, format_cents},
    schema::{DocKind, FieldType, MAX_AMOUNT_CENTS, MAX_COUNT, Path, Seg},
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

/// A field as a person sees it: `Work packages, item 3 · Lump-sum share` for
/// `work_packages/2/lump_sum` of a plan (item numbers count from 1). `None` if `path` does not
/// name a field of `kind`.
///
/// Each name is the translation `field-<kind>-<name>[-<sub>…]` in `schema.ftl` when there is
/// one, else the schema's English label; this is the one place that chooses.
pub fn field_label(lang: Lang, kind: DocKind, path: &str) -> Option<String> {
    let path: Path = path.parse().ok()?;
    let mut fields = kind.fields();
    let mut names: Vec<&str> = Vec::new();
    let mut parts: Vec<String> = Vec::new();
    let mut list_label: Option<String> = None;
    for seg in &path.0 {
        match seg {
            Seg::Key(k) => {
                let f = fields.iter().find(|f| f.name == k)?;
                names.push(f.name);
                let key = format!("field-{}-{}", kind.code(), names.join("-"));
                let label = if crate::i18n::has(&key) {
                    crate::i18n::tr(lang, &key, &[])
                } else {
                    f.label.to_string()
                };
                match f.ty {
                    FieldType::List(item) => {
                        fields = item;
                        list_label = Some(label);
                    }
                    FieldType::Record(sub) => {
                        fields = sub;
                        parts.push(label);
                    }
                    _ => {
                        fields = &[];
                        parts.push(label);
                    }
                }
            }
            Seg::Index(i) => {
                let list = list_label.take()?;
                parts.push(t!(lang, "field-item", list = list, n = (i + 1).to_string()));
            }
        }
    }
    parts.extend(list_label);
    (!parts.is_empty()).then(|| parts.join(" · "))
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

#[cfg(test)]
mod tests {
    use twinmesh_protocol::schema::resolve;

    use super::*;

    #[test]
    fn fields_are_named_by_label_and_item_number() {
        assert_eq!(
            field_label(Lang::En, DocKind::Plan, "work_packages/2/lump_sum").as_deref(),
            Some("Work packages, item 3 · Lump-sum share")
        );
        assert_eq!(field_label(Lang::En, DocKind::Plan, "work_packages").as_deref(), Some("Work packages"));
        assert_eq!(field_label(Lang::En, DocKind::Plan, "no_such_field"), None);
        let de = field_label(Lang::De, DocKind::Plan, "work_packages/0/lump_sum").unwrap_or_default();
        assert!(de.contains("Eintrag 1"), "{de}");
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
