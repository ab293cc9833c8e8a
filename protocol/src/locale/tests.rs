use proptest::prelude::*;

use super::*;

const ALL: [NumberStyle; 5] = NumberStyle::ALL;
const EN: NumberStyle = NumberStyle::EN_GB;
const FR: NumberStyle = NumberStyle::FR_FR;
const DE: NumberStyle = NumberStyle::DE_DE;
const RO: NumberStyle = NumberStyle::RO_RO;
const IT: NumberStyle = NumberStyle::IT_IT;

#[test]
fn amounts_show_as_cldr_does() {
    // The exact strings Chromium's Intl.NumberFormat(locale, {style: "currency", currency: "EUR"})
    // printed for 2600.5, -2600.5, 1000 and 1234567.89.
    let cases = [
        (EN, ["€2,600.50", "-€2,600.50", "€1,000.00", "€1,234,567.89"]),
        (
            FR,
            [
                "2\u{202f}600,50\u{a0}€",
                "-2\u{202f}600,50\u{a0}€",
                "1\u{202f}000,00\u{a0}€",
                "1\u{202f}234\u{202f}567,89\u{a0}€",
            ],
        ),
        (DE, ["2.600,50\u{a0}€", "-2.600,50\u{a0}€", "1.000,00\u{a0}€", "1.234.567,89\u{a0}€"]),
        (RO, ["2.600,50\u{a0}EUR", "-2.600,50\u{a0}EUR", "1.000,00\u{a0}EUR", "1.234.567,89\u{a0}EUR"]),
        (IT, ["2600,50\u{a0}€", "-2600,50\u{a0}€", "1000,00\u{a0}€", "1.234.567,89\u{a0}€"]),
    ];
    for (style, want) in cases {
        let got = [260_050i64, -260_050, 100_000, 123_456_789].map(|c| format_amount(&style, c));
        assert_eq!(got, want);
    }
    assert_eq!(format_amount(&EN, 5), "€0.05");
}

#[test]
fn amounts_read_as_people_type_them() {
    for style in ALL {
        for typed in [
            "2.600,50",
            "2 600,50",
            "2\u{a0}600,50",
            "2\u{202f}600,50",
            "2600.50",
            "2,600.50",
            "2600,50",
            "2600,5",
            "€2,600.50",
            "2.600,50 €",
            "2 600,50 EUR",
            "EUR 2600.50",
            "eur2600.50",
        ] {
            assert_eq!(read_amount(&style, typed), Ok(260_050), "{style:?}: {typed}");
        }
        assert_eq!(read_amount(&style, "-10"), Ok(-1000));
        assert_eq!(read_amount(&style, "-€10"), Ok(-1000));
        assert_eq!(read_amount(&style, "€-10"), Ok(-1000));
        assert_eq!(read_amount(&style, "1.234.567"), Ok(123_456_700));
        assert_eq!(read_amount(&style, "1,234,567"), Ok(123_456_700));
    }
    // A lone separator before exactly three digits: the style's decimal separator is decimal
    // (and three decimals are not money), the other one groups.
    assert_eq!(read_amount(&DE, "2.600"), Ok(260_000));
    assert_eq!(read_amount(&EN, "2,600"), Ok(260_000));
    assert!(read_amount(&DE, "2,600").is_err());
    assert!(read_amount(&EN, "2.600").is_err());
    assert_eq!(read_decimal(&EN, "2.600").map(|d| d.plain()), Ok("2.600".into()));
    assert_eq!(read_decimal(&DE, "2,600").map(|d| d.plain()), Ok("2.600".into()));
}

#[test]
fn amounts_that_do_not_read_are_errors_naming_them() {
    for typed in [
        "",
        "lots",
        "2.600.50,5,1",
        "2,60,0",
        "1.2345",
        "12 34",
        "2600.",
        ".50",
        "2.600,50.1",
        "--5",
        "-€-5",
        "2,600.505",
        "€",
        "1e5",
        "0x10",
        "2.600,50 $",
        "€2€",
    ] {
        for style in ALL {
            match read_amount(&style, typed) {
                Err(ReadError::NotAnAmount(v)) => assert_eq!(v, typed.trim()),
                other => panic!("{style:?} read {typed:?} as {other:?}"),
            }
        }
    }
    assert_eq!(
        read_amount(&DE, "999999999999999999999").map_err(|e| e.to_string()),
        Err("'999999999999999999999' is too large".into())
    );
}

#[test]
fn dates_read_day_first_or_iso_and_show_per_style() {
    for typed in ["30/04/2027", "30.04.2027", "30-04-2027", "2027-04-30", " 30/4/2027 "] {
        assert_eq!(read_date(typed), Ok("2027-04-30".to_string()), "{typed}");
    }
    assert_eq!(read_date("04/2027"), Ok("2027-04".into()));
    assert_eq!(read_date("4.2027"), Ok("2027-04".into()));
    assert_eq!(read_date("2027"), Ok("2027".into()));
    for bad in
        ["31/04/2027", "30/13/2027", "30/04-2027", "2027/04/30", "tomorrow", "", "29.02.2027", "1/2/3/4"]
    {
        assert_eq!(read_date(bad), Err(ReadError::NotADate(bad.trim().into())), "{bad}");
    }
    assert_eq!(format_date(&EN, "2027-04-30"), "30/04/2027");
    assert_eq!(format_date(&FR, "2027-04-30"), "30/04/2027");
    assert_eq!(format_date(&IT, "2027-04"), "04/2027");
    assert_eq!(format_date(&DE, "2027-04-30"), "30.04.2027");
    assert_eq!(format_date(&RO, "2027"), "2027");
    // A stored value that is not a date is kept as it is, for the caller to mark.
    assert_eq!(format_date(&DE, "soon"), "soon");
}

fn style() -> impl Strategy<Value = NumberStyle> {
    prop::sample::select(ALL.to_vec())
}

proptest! {
    #[test]
    fn shown_amounts_read_back(style in style(), cents in -crate::schema::MAX_AMOUNT_CENTS * 100..crate::schema::MAX_AMOUNT_CENTS * 100) {
        let shown = format_amount(&style, cents);
        prop_assert_eq!(read_amount(&style, &shown), Ok(cents), "{}", shown);
        // Without the currency, and with the number as shown.
        let bare = shown.replace(style.currency, "");
        prop_assert_eq!(read_amount(&style, &bare), Ok(cents), "{}", bare);
    }

    #[test]
    fn shown_numbers_read_back(style in style(), n in -1.0e12f64..1.0e12) {
        let shown = format_number(&style, n);
        let read: f64 = read_decimal(&style, &shown).map_err(|e| TestCaseError::fail(e.to_string()))?.plain().parse().map_err(|_| TestCaseError::fail(shown.clone()))?;
        prop_assert_eq!(read, n, "{}", shown);
    }

    #[test]
    fn shown_dates_read_back(style in style(), y in 1000u32..9999, m in 1u32..=12, d in 1u32..=28, len in 1usize..=3) {
        let iso = [format!("{y}"), format!("{y}-{m:02}"), format!("{y}-{m:02}-{d:02}")][len - 1].clone();
        let shown = format_date(&style, &iso);
        prop_assert_eq!(read_date(&shown), Ok(iso));
    }

    #[test]
    fn readers_never_panic_and_name_what_they_refuse(style in style(), s in "[-0-9.,€EUR \u{a0}\u{202f}/a]{0,16}") {
        if let Err(e) = read_amount(&style, &s) {
            prop_assert!(e.to_string().contains(s.trim()), "{}", e);
        }
        if let Err(e) = read_date(&s) {
            prop_assert!(e.to_string().contains(s.trim()), "{}", e);
        }
    }
}
