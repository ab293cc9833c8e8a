//! Reading a field's value from what a person typed (in their locale), and the checks on
//! values: amounts in cents, dates, countries, e-mail addresses, and stored values that are
//! out of range.

use crate::locale::{NumberStyle, ReadError, read_amount, read_date, read_decimal};

use super::{
    DocKind, FieldType, MAX_EMAIL_LEN, MAX_SCALAR_LEN, MAX_TEXT_LEN, Path, Scalar, SchemaError, TypedValue,
    resolve,
};

/// Parses user input for a field, amounts and dates written in English (`2,600.50`,
/// `30/04/2027` or ISO). `null` clears any scalar.
pub fn parse_value(kind: DocKind, path: &Path, input: &str) -> Result<TypedValue, SchemaError> {
    parse_value_in(&NumberStyle::EN_GB, kind, path, input)
}

/// [`parse_value`] with amounts, numbers and dates read as typed in `style`
/// (see [`crate::locale`]).
pub fn parse_value_in(
    style: &NumberStyle,
    kind: DocKind,
    path: &Path,
    input: &str,
) -> Result<TypedValue, SchemaError> {
    let r = resolve(kind, path)?;
    parse_for_type_in(style, &r.ty, &path.to_string(), input)
}

/// Parses user input for a field type in English conventions (`path` is used in error
/// messages only).
pub fn parse_for_type(ty: &FieldType, path: &str, input: &str) -> Result<TypedValue, SchemaError> {
    parse_for_type_in(&NumberStyle::EN_GB, ty, path, input)
}

/// [`parse_for_type`] with amounts, numbers and dates read as typed in `style`.
pub fn parse_for_type_in(
    style: &NumberStyle,
    ty: &FieldType,
    path: &str,
    input: &str,
) -> Result<TypedValue, SchemaError> {
    let wrong =
        || SchemaError::WrongType { path: path.to_string(), expected: ty.name(), value: input.to_string() };
    let out_of_range = || SchemaError::OutOfRange {
        path: path.to_string(),
        expected: ty.name(),
        value: input.trim().to_string(),
    };
    let in_range = |n: i64| match ty.range() {
        Some((lo, hi)) if n < lo || n > hi => Err(out_of_range()),
        _ => Ok(n),
    };
    let t = input.trim();
    if ty.is_scalar() && t == "null" {
        return Ok(TypedValue::Scalar(Scalar::Null));
    }
    let scalar = match ty {
        FieldType::Text => {
            if input.len() > MAX_TEXT_LEN {
                return Err(SchemaError::TooLong { path: path.into(), max: MAX_TEXT_LEN });
            }
            return Ok(TypedValue::Text(input.to_string()));
        }
        FieldType::Str => {
            if input.len() > MAX_SCALAR_LEN {
                return Err(SchemaError::TooLong { path: path.into(), max: MAX_SCALAR_LEN });
            }
            Scalar::Str(input.to_string())
        }
        FieldType::Enum(opts) => {
            let lower = t.to_ascii_lowercase();
            let code = opts.iter().find(|o| **o == lower).ok_or_else(wrong)?;
            Scalar::Str((*code).to_string())
        }
        FieldType::Date => Scalar::Str(read_date(t).map_err(|_| wrong())?),
        FieldType::Int => {
            let n: i64 = t.parse().map_err(|_| {
                // A long run of digits is a number, just too large: say so rather than "wrong type".
                let digits = t.strip_prefix('-').unwrap_or(t);
                if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                    out_of_range()
                } else {
                    wrong()
                }
            })?;
            Scalar::Int(in_range(n)?)
        }
        FieldType::Number => {
            let n: f64 = match t.parse() {
                Ok(n) => n,
                Err(_) => {
                    read_decimal(style, t).map_err(|_| wrong())?.plain().parse().map_err(|_| wrong())?
                }
            };
            if !n.is_finite() {
                return Err(wrong());
            }
            Scalar::Number(n)
        }
        FieldType::Money | FieldType::CorrectableMoney => {
            let cents = match read_amount(style, t) {
                Ok(c) => c,
                // Well-formed but beyond what cents in an i64 hold: out of range, not malformed.
                Err(ReadError::TooLarge(_)) => return Err(out_of_range()),
                Err(_) => return Err(wrong()),
            };
            Scalar::Money(in_range(cents)?)
        }
        FieldType::Country => Scalar::Str(country_code(t).ok_or_else(wrong)?),
        FieldType::Email => {
            if t.len() > MAX_EMAIL_LEN {
                return Err(SchemaError::TooLong { path: path.into(), max: MAX_EMAIL_LEN });
            }
            if !valid_email(t) {
                return Err(wrong());
            }
            Scalar::Str(t.to_string())
        }
        FieldType::Bool => Scalar::Bool(match t.to_ascii_lowercase().as_str() {
            "true" | "yes" => true,
            "false" | "no" => false,
            _ => return Err(wrong()),
        }),
        FieldType::ReadOnly => return Err(SchemaError::ReadOnly(path.to_string())),
        FieldType::Record(_) | FieldType::List(_) => {
            return Err(SchemaError::WrongType {
                path: path.to_string(),
                expected: format!("a path to one of its fields ({} cannot be set directly)", ty.name()),
                value: input.to_string(),
            });
        }
    };
    Ok(TypedValue::Scalar(scalar))
}

/// Parses `2600`, `2600.5`, `2600.50`, `-10` into cents. At most two decimals; no separators.
/// `None` if malformed or beyond `i64` cents; the range of a field is checked by the caller.
pub fn parse_cents(t: &str) -> Option<i64> {
    let (neg, whole, frac) = split_money(t)?;
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().ok()? };
    let cents = whole.checked_mul(100)?.checked_add(frac)?;
    Some(if neg { -cents } else { cents })
}

/// The sign, whole euros and cents digits of a well-formed amount, however large.
fn split_money(t: &str) -> Option<(bool, &str, &str)> {
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (whole, frac) = match body.split_once('.') {
        Some((w, f)) => (w, f),
        None => (body, ""),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) || (body.contains('.') && frac.is_empty())
    {
        return None;
    }
    Some((neg, whole, frac))
}

/// Sums amounts in cents (or counts) without overflow: `i128` holds the sum of 2^64 `i64`s.
pub fn sum_cents(values: impl IntoIterator<Item = i64>) -> i128 {
    values.into_iter().map(i128::from).sum()
}

/// Why a stored value does not fit its field, or `None` if it does. Edits are checked as they
/// are made; this catches values written by older nodes or other implementations, so that a
/// view can show them marked and totals can leave them out.
pub fn check_stored(ty: &FieldType, value: &Scalar) -> Option<String> {
    match (ty, value) {
        (
            FieldType::Int | FieldType::Money | FieldType::CorrectableMoney,
            Scalar::Int(n) | Scalar::Money(n),
        ) => {
            let (lo, hi) = ty.range()?;
            (*n < lo || *n > hi).then(|| format!("out of range: this field accepts {}", ty.name()))
        }
        (FieldType::Country, Scalar::Str(s)) => {
            (country_code(s).as_deref() != Some(s.as_str())).then(|| format!("not a {}", ty.name()))
        }
        (FieldType::Email, Scalar::Str(s)) => (!valid_email(s)).then(|| format!("not an {}", ty.name())),
        (FieldType::Date, Scalar::Str(s)) => (!valid_date(s)).then(|| format!("not a {}", ty.name())),
        (FieldType::Enum(codes), Scalar::Str(s)) => {
            (!codes.contains(&s.as_str())).then(|| format!("not one of: {}", codes.join(", ")))
        }
        _ => None,
    }
}

/// Formats euro cents as `2,600.00 EUR`. Takes `i128` as well, for totals.
pub fn format_eur(cents: impl Into<i128>) -> String {
    let cents: i128 = cents.into();
    format!("{}{} EUR", if cents < 0 { "-" } else { "" }, eur_plain(cents.unsigned_abs()))
}

/// `260000` cents as `2,600.00`: no sign, no currency.
pub(super) fn eur_plain(cents: impl Into<u128>) -> String {
    let abs: u128 = cents.into();
    let euros = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in euros.chars().enumerate() {
        if i > 0 && (euros.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{grouped}.{:02}", abs % 100)
}

/// Assigned ISO 3166-1 alpha-2 codes, plus `EL` (Greece) and `XK` (Kosovo) as EU forms use them.
const COUNTRY_CODES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ \
BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH EL ER ES \
ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ \
IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM \
MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW \
PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO \
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW";

/// Every country code a `Country` field takes, in alphabetical order (the web UI offers them
/// by name).
pub fn country_codes() -> impl Iterator<Item = &'static str> {
    COUNTRY_CODES.split_ascii_whitespace()
}

/// The upper-case country code for `input` (any case, surrounding spaces ignored), if it is an
/// assigned ISO 3166-1 alpha-2 code (or `EL`/`XK`).
pub fn country_code(input: &str) -> Option<String> {
    let c = input.trim().to_ascii_uppercase();
    (c.len() == 2 && country_codes().any(|k| k == c)).then_some(c)
}

/// A plain check of `local@domain.tld`: one `@`, no spaces or control characters, a dot inside
/// the domain, no empty labels. Deliverability is not something a schema can know.
pub fn valid_email(t: &str) -> bool {
    let Some((local, domain)) = t.split_once('@') else { return false };
    let plain =
        |s: &str| !s.is_empty() && s.chars().all(|c| !c.is_whitespace() && !c.is_control() && c != '@');
    t.len() <= MAX_EMAIL_LEN
        && plain(local)
        && plain(domain)
        && domain.contains('.')
        && domain.split('.').all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'))
        && !domain.contains(['(', ')', '<', '>', ',', ';', ':', '[', ']', '"', '\\'])
}

/// Accepts `YYYY`, `YYYY-MM` and `YYYY-MM-DD` with a real month and day.
pub fn valid_date(t: &str) -> bool {
    let parts: Vec<&str> = t.split('-').collect();
    let num = |s: &str, len: usize| -> Option<u32> {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
    };
    let Some(year) = parts.first().and_then(|y| num(y, 4)) else {
        return false;
    };
    if parts.len() == 1 {
        return true;
    }
    let Some(month) = num(parts[1], 2).filter(|m| (1..=12).contains(m)) else {
        return false;
    };
    if parts.len() == 2 {
        return true;
    }
    if parts.len() != 3 {
        return false;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    num(parts[2], 2).is_some_and(|d| (1..=days).contains(&d))
}
