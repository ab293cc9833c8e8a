//! Unit and property tests of the schema: paths, typed values and their ranges, money, stored
//! values, templates.

use super::*;

fn p(s: &str) -> Path {
    s.parse().expect("path parses")
}

#[test]
fn paths_resolve_to_typed_fields() {
    let r = resolve(DocKind::Plan, &p("budget/lines/0/amount")).expect("resolves");
    assert_eq!(r.ty, FieldType::CorrectableMoney);
    assert_eq!(resolve(DocKind::Plan, &p("title")).expect("title").ty, FieldType::Text);
    assert_eq!(
        resolve(DocKind::Plan, &p("events/1/participants/2/youth")).expect("nested").ty,
        FieldType::Int
    );
    assert_eq!(resolve(DocKind::Minutes, &p("action_items/0/due")).expect("due").ty, FieldType::Date);
}

#[test]
fn unknown_and_misshapen_paths_name_the_problem() {
    let err = resolve(DocKind::Plan, &p("budget/lines/0/amout")).expect_err("typo");
    let msg = err.to_string();
    assert!(msg.contains("budget/lines/0/amout") && msg.contains("amount"), "{msg}");
    let err = resolve(DocKind::Plan, &p("budget/lines/amount")).expect_err("missing index");
    assert!(err.to_string().contains("item number"), "{err}");
    let err = resolve(DocKind::Plan, &p("title/0")).expect_err("below text");
    assert!(err.to_string().contains("'title'"), "{err}");
    assert!(matches!(resolve(DocKind::Plan, &p("kind")), Ok(Resolved { ty: FieldType::ReadOnly, .. })));
    assert_eq!(
        resolve(DocKind::Plan, &p("budget/lines/0/id")),
        Err(SchemaError::ReadOnly("budget/lines/0/id".into()))
    );
    assert!("a//b".parse::<Path>().is_err());
    assert!("".parse::<Path>().is_err());
}

#[test]
fn values_are_typed() {
    let amount = p("budget/lines/0/amount");
    assert_eq!(
        parse_value(DocKind::Plan, &amount, "2600").expect("int euros"),
        TypedValue::Scalar(Scalar::Money(260_000))
    );
    assert_eq!(
        parse_value(DocKind::Plan, &amount, "2600.5").expect("decimal"),
        TypedValue::Scalar(Scalar::Money(260_050))
    );
    let err = parse_value(DocKind::Plan, &amount, "lots").expect_err("not money");
    let msg = err.to_string();
    assert!(msg.contains("budget/lines/0/amount") && msg.contains("EUR"), "{msg}");
    assert!(parse_value(DocKind::Plan, &amount, "1.234").is_err());
    // English reads a lone comma before three digits as grouping; German as a decimal comma,
    // and three decimals are not money.
    assert_eq!(parse_value(DocKind::Plan, &amount, "1,000"), Ok(TypedValue::Scalar(Scalar::Money(100_000))));
    let de = crate::locale::NumberStyle::DE_DE;
    assert!(parse_value_in(&de, DocKind::Plan, &amount, "1,000").is_err());
    assert_eq!(
        parse_value_in(&de, DocKind::Plan, &amount, "2.600,50 €"),
        Ok(TypedValue::Scalar(Scalar::Money(260_050)))
    );
    assert_eq!(
        parse_value_in(&de, DocKind::Plan, &p("start"), "30.04.2027"),
        Ok(TypedValue::Scalar(Scalar::Str("2027-04-30".into())))
    );
    assert_eq!(parse_value(DocKind::Plan, &amount, "null").expect("clear"), TypedValue::Scalar(Scalar::Null));
    assert!(parse_value(DocKind::Plan, &p("start"), "2026-02-30").is_err());
    assert!(parse_value(DocKind::Plan, &p("start"), "2028-02-29").is_ok());
    assert!(parse_value(DocKind::Charter, &p("since"), "1986").is_ok());
    assert!(parse_value(DocKind::Plan, &p("status"), "awarded").is_ok());
    let err = parse_value(DocKind::Plan, &p("status"), "won").expect_err("enum");
    assert!(err.to_string().contains("awarded"), "{err}");
    assert!(parse_value(DocKind::Plan, &p("events/0/main_event"), "maybe").is_err());
    assert!(parse_value(DocKind::Plan, &p("indicators/0/target"), "NaN").is_err());
    assert!(parse_value(DocKind::Plan, &p("budget"), "1").is_err());
    assert_eq!(parse_value(DocKind::Plan, &p("kind"), "minutes"), Err(SchemaError::ReadOnly("kind".into())));
}

#[test]
fn money_is_bounded_and_negative_only_where_a_correction_is_allowed() {
    let line = p("budget/lines/0/amount");
    let lump = p("budget/lump_sum_requested");
    // The value: two of these wrapped to a total of -0.02 EUR.
    let err = parse_value(DocKind::Plan, &line, "92233720368547758.07").expect_err("beyond the bound");
    let msg = err.to_string();
    assert!(matches!(err, SchemaError::OutOfRange { .. }), "{err:?}");
    assert!(msg.contains("budget/lines/0/amount") && msg.contains("100,000,000.00"), "{msg}");
    // Past i64 cents altogether: still "out of range", not "not an amount".
    assert!(matches!(
        parse_value(DocKind::Plan, &line, "999999999999999999999"),
        Err(SchemaError::OutOfRange { .. })
    ));
    assert_eq!(
        parse_value(DocKind::Plan, &line, "100000000"),
        Ok(TypedValue::Scalar(Scalar::Money(MAX_AMOUNT_CENTS)))
    );
    assert!(parse_value(DocKind::Plan, &line, "100000000.01").is_err());
    // A budget line may be a correction; the requested lump sum and a WP share may not.
    assert_eq!(parse_value(DocKind::Plan, &line, "-150"), Ok(TypedValue::Scalar(Scalar::Money(-15_000))));
    assert!(parse_value(DocKind::Plan, &line, "-100000000.01").is_err());
    let err = parse_value(DocKind::Plan, &lump, "-5").expect_err("negative lump sum");
    assert!(err.to_string().contains("from 0 to"), "{err}");
    assert!(parse_value(DocKind::Plan, &p("work_packages/0/lump_sum"), "-1").is_err());
}

#[test]
fn counts_countries_and_emails_are_checked() {
    let youth = p("events/0/participants/0/youth");
    let err = parse_value(DocKind::Plan, &youth, "-3").expect_err("negative head-count");
    assert!(err.to_string().contains("from 0 to 1000000"), "{err}");
    assert!(parse_value(DocKind::Plan, &youth, "1000001").is_err());
    assert!(matches!(
        parse_value(DocKind::Plan, &youth, "99999999999999999999"),
        Err(SchemaError::OutOfRange { .. })
    ));
    assert_eq!(parse_value(DocKind::Plan, &youth, "18"), Ok(TypedValue::Scalar(Scalar::Int(18))));
    for path in ["partners/0/country", "events/0/participants/0/country"] {
        let err = parse_value(DocKind::Plan, &p(path), "ZZZZ").expect_err("not a country");
        assert!(err.to_string().contains("ISO 3166-1"), "{err}");
        assert!(parse_value(DocKind::Plan, &p(path), "ZZ").is_err(), "ZZ is not assigned");
        assert_eq!(
            parse_value(DocKind::Plan, &p(path), " de "),
            Ok(TypedValue::Scalar(Scalar::Str("DE".into())))
        );
    }
    assert!(parse_value(DocKind::Charter, &p("partners/0/country"), "EL").is_ok());
    let email = p("entries/0/email");
    let err = parse_value(DocKind::Contacts, &email, "not-an-email").expect_err("no @");
    assert!(err.to_string().contains("e-mail"), "{err}");
    for bad in ["a@b", "@example.org", "a@@example.org", "a b@example.org", "a@example..org", "a@-x.org"] {
        assert!(parse_value(DocKind::Contacts, &email, bad).is_err(), "{bad}");
    }
    assert!(parse_value(DocKind::Contacts, &email, "c.dufresne@example.invalid").is_ok());
}

#[test]
fn stored_values_out_of_range_are_flagged() {
    let money = FieldType::Money;
    assert!(check_stored(&money, &Scalar::Money(i64::MAX)).is_some());
    assert!(check_stored(&money, &Scalar::Money(-1)).is_some());
    assert_eq!(check_stored(&money, &Scalar::Money(260_000)), None);
    assert_eq!(check_stored(&FieldType::CorrectableMoney, &Scalar::Money(-15_000)), None);
    assert!(check_stored(&FieldType::Int, &Scalar::Int(-3)).is_some());
    assert!(check_stored(&FieldType::Country, &Scalar::Str("ZZZZ".into())).is_some());
    assert!(check_stored(&FieldType::Email, &Scalar::Str("not-an-email".into())).is_some());
    assert_eq!(check_stored(&FieldType::Str, &Scalar::Str("anything".into())), None);
    // The two lines sum exactly, without wrapping.
    let v = i64::MAX;
    assert_eq!(sum_cents([v, v]), 2 * i128::from(i64::MAX));
    assert_eq!(format_eur(sum_cents([v, v])), "184,467,440,737,095,516.14 EUR");
}

#[test]
fn money_formats() {
    assert_eq!(format_eur(260_000), "2,600.00 EUR");
    assert_eq!(format_eur(5), "0.05 EUR");
    assert_eq!(format_eur(-123_456_789), "-1,234,567.89 EUR");
}

#[test]
fn templates_fit_their_schema() {
    fn check(fields: &'static [Field], v: &TemplateValue, in_list: bool) {
        let TemplateValue::Map(entries) = v else { panic!("record expected") };
        for (name, value) in entries {
            if in_list && *name == "id" {
                continue;
            }
            let field =
                fields.iter().find(|f| f.name == *name).unwrap_or_else(|| panic!("extra field {name}"));
            match (&field.ty, value) {
                (FieldType::Record(sub), v) => check(sub, v, false),
                (FieldType::List(sub), TemplateValue::List(items)) => {
                    for it in items {
                        check(sub, it, true)
                    }
                }
                (FieldType::Text, TemplateValue::Text(_)) => {}
                (ty, TemplateValue::Scalar(s)) => {
                    assert!(
                        matches!(s, Scalar::Null) || ty.is_scalar() || *ty == FieldType::ReadOnly,
                        "{name}"
                    )
                }
                (ty, other) => panic!("{name}: {ty:?} vs {other:?}"),
            }
        }
        for f in fields {
            assert!(entries.iter().any(|(n, _)| *n == f.name), "missing field {}", f.name);
        }
    }
    for kind in DocKind::ALL {
        let mut n = 0;
        let text = |k: &str| k.to_string();
        let start = Start { title: "T", space: "space", lang: "de", text: &text };
        let t = template(kind, &start, &mut || {
            n += 1;
            format!("id{n}")
        });
        check(kind.fields(), &t, false);
    }
}

/// The templates take every text from the caller, ask only for keys of `TEMPLATE_KEYS`, ask for
/// each of them, and record the language given.
#[test]
fn templates_take_their_texts_and_language_from_the_caller() {
    let asked = std::cell::RefCell::new(std::collections::BTreeSet::new());
    let text = |k: &str| {
        asked.borrow_mut().insert(k.to_string());
        format!("<{k}>")
    };
    let start = Start { title: "T", space: "s", lang: "fr", text: &text };
    for kind in DocKind::ALL {
        let mut n = 0;
        let t = template(kind, &start, &mut || {
            n += 1;
            format!("id{n}")
        });
        let TemplateValue::Map(entries) = &t else { panic!("root is a record") };
        let lang = entries.iter().find(|(k, _)| *k == "lang").map(|(_, v)| v.clone());
        assert_eq!(lang, Some(TemplateValue::Scalar(Scalar::Str("fr".into()))), "{kind}");
        if kind == DocKind::Plan {
            let Some((_, TemplateValue::List(wps))) = entries.iter().find(|(k, _)| *k == "work_packages")
            else {
                panic!("work packages")
            };
            let TemplateValue::Map(first) = &wps[0] else { panic!("a record") };
            assert!(first.contains(&(
                "title",
                TemplateValue::Scalar(Scalar::Str("<template-plan-wp-1-title>".into()))
            )));
        }
    }
    let expected: std::collections::BTreeSet<String> = TEMPLATE_KEYS.iter().map(|k| k.to_string()).collect();
    assert_eq!(*asked.borrow(), expected);
}

#[test]
fn kinds_parse() {
    for k in DocKind::ALL {
        assert_eq!(k.code().parse::<DocKind>(), Ok(k));
    }
    assert!("memo".parse::<DocKind>().is_err());
}

mod props {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn money_round_trips(cents in -10_000_000_000i64..10_000_000_000) {
            let text = format!("{}{}.{:02}", if cents < 0 { "-" } else { "" }, cents.unsigned_abs() / 100, cents.unsigned_abs() % 100);
            prop_assert_eq!(parse_cents(&text), Some(cents));
        }

        #[test]
        fn path_parser_never_panics(s in ".{0,64}") {
            let _ = s.parse::<Path>();
            if let Ok(path) = s.parse::<Path>() {
                let _ = resolve(DocKind::Plan, &path);
            }
        }

        #[test]
        fn money_is_accepted_exactly_within_its_range(cents in any::<i64>()) {
            let text = format!("{}{}.{:02}", if cents < 0 { "-" } else { "" }, cents.unsigned_abs() / 100, cents.unsigned_abs() % 100);
            for (kind, path) in [(DocKind::Plan, "budget/lines/0/amount"), (DocKind::Plan, "budget/lump_sum_requested")] {
                let ty = resolve(kind, &p(path)).expect("resolves").ty;
                let (lo, hi) = ty.range().expect("money has a range");
                match parse_value(kind, &p(path), &text) {
                    Ok(TypedValue::Scalar(Scalar::Money(c))) => {
                        prop_assert_eq!(c, cents);
                        prop_assert!((lo..=hi).contains(&c));
                    }
                    Ok(other) => prop_assert!(false, "{:?}", other),
                    Err(e) => {
                        prop_assert!(!(lo..=hi).contains(&cents), "{} refused: {}", text, e);
                        let refused_as_range = matches!(e, SchemaError::OutOfRange { .. });
                        prop_assert!(refused_as_range);
                    }
                }
            }
        }

        #[test]
        fn whatever_a_field_accepts_it_also_accepts_when_stored(input in ".{0,24}|-?[0-9]{1,22}(\\.[0-9]{1,2})?|[a-zA-Z]{2}|[a-z.]{1,8}@[a-z.]{1,8}") {
            for (kind, path) in [
                (DocKind::Plan, "budget/lines/0/amount"),
                (DocKind::Plan, "work_packages/0/lump_sum"),
                (DocKind::Plan, "events/0/participants/0/youth"),
                (DocKind::Plan, "partners/0/country"),
                (DocKind::Contacts, "entries/0/email"),
            ] {
                let ty = resolve(kind, &p(path)).expect("resolves").ty;
                if let Ok(TypedValue::Scalar(s)) = parse_value(kind, &p(path), &input) {
                    prop_assert_eq!(check_stored(&ty, &s), None, "{} = {:?}", path, input);
                }
            }
        }

        #[test]
        fn totals_never_overflow(values in proptest::collection::vec(any::<i64>(), 0..64)) {
            let exact = values.iter().fold(0i128, |a, v| a + i128::from(*v));
            prop_assert_eq!(sum_cents(values.iter().copied()), exact);
        }

        #[test]
        fn date_validator_never_panics(s in "[0-9-]{0,12}") {
            let _ = valid_date(&s);
        }
    }
}
