use super::*;

fn p(s: &str) -> Path {
    s.parse().expect("path parses")
}

#[test]
fn paths_resolve_to_typed_fields() {
    let r = resolve(DocKind::Plan, &p("budget/lines/0/amount")).expect("resolves");
    assert_eq!(r.ty, FieldType::Money);
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
    assert!(parse_value(DocKind::Plan, &amount, "1,000").is_err());
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
        let t = template(kind, "T", "space", &mut || {
            n += 1;
            format!("id{n}")
        });
        check(kind.fields(), &t, false);
    }
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
        fn date_validator_never_panics(s in "[0-9-]{0,12}") {
            let _ = valid_date(&s);
        }
    }
}
