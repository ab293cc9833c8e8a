//! Amounts and dates as people in each partner country type and read them.
//!
//! Values are stored one way (amounts in euro cents, dates as ISO `YYYY[-MM[-DD]]`, see
//! [`crate::schema`]); this module reads what a person types and shows stored values in the
//! conventions of a [`NumberStyle`]. It knows nothing of languages: the node maps its language
//! to one of the styles below, so this crate stays free of translation machinery.
//!
//! # Reading an amount
//!
//! Around the number: spaces, `€` or `EUR` (any case) before or after, and one leading minus
//! (`-` or `−`). Inside it: digits, `.`, `,`, and spaces (ASCII, no-break U+00A0, narrow
//! no-break U+202F, thin U+2009) as group separators. Which of `.` and `,` is the decimal
//! separator:
//!
//! 1. both appear: the last one is decimal, and it may appear only once (`2.600,50`,
//!    `2,600.50`);
//! 2. one of them appears more than once: it groups (`1.234.567`);
//! 3. it appears once followed by one or two digits: it is decimal (`2600,5`, `2600.50`);
//! 4. it appears once followed by **exactly three digits** (`2.600`, `2,600`): the style
//!    decides. The style's decimal separator stays decimal (so, as money has at most two
//!    decimals, `2,600` is refused in German and `2.600` in English rather than guessed), and
//!    the other one groups (`2.600` is 2600 in German, `2,600` is 2600 in English).
//!
//! Groups after the first have exactly three digits; at most two decimals for money. Anything
//! else is an error that quotes the input: a value is never half-read.
//!
//! # Reading a date
//!
//! ISO (`2027-04-30`, `2027-04`, `2027`) or day first, as all five partner languages write it,
//! with `/`, `.` or `-` used consistently: `30/04/2027`, `30.04.2027`, `30-04-2027`,
//! `1/4/2027`, and month and year alone: `04/2027`. The result is ISO.
//!
//! # Showing
//!
//! Amounts as CLDR (and so a browser's `Intl.NumberFormat`) shows euros for `en-GB`, `fr-FR`,
//! `de-DE`, `ro-RO` and `it-IT`: `€2,600.50`, `2 600,50 €` (U+202F groups, U+00A0 before
//! `€`), `2.600,50 €`, `2.600,50 EUR`, `2600,50 €` (Italian groups only from five digits).
//! Dates as `30/04/2027` or `30.04.2027`.

use std::fmt::Write as _;

/// How numbers, euro amounts and dates are written in one locale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberStyle {
    /// Decimal separator.
    pub decimal: char,
    /// Group (thousands) separator when showing.
    pub group: char,
    /// Group only numbers with at least this many digits before the decimal separator
    /// (CLDR's minimum grouping digits: 5 in Italian, else 4).
    pub group_from: usize,
    /// The currency as shown: `€` or `EUR`.
    pub currency: &'static str,
    /// Currency before the number (`€2.50`) or after it with a no-break space (`2,50 €`).
    pub currency_first: bool,
    /// Separator between day, month and year when showing a date.
    pub date_sep: char,
}

const NBSP: char = '\u{a0}';
const NNBSP: char = '\u{202f}';

impl NumberStyle {
    /// en-GB: `€2,600.50`, `30/04/2027`.
    pub const EN_GB: Self =
        Self {
            decimal: '.', group: ',', group_from: 4, currency: "€", currency_first: true, date_sep: '/'
        };
    /// fr-FR: `2 600,50 €`, `30/04/2027`.
    pub const FR_FR: Self = Self {
        decimal: ',',
        group: NNBSP,
        group_from: 4,
        currency: "€",
        currency_first: false,
        date_sep: '/',
    };
    /// de-DE: `2.600,50 €`, `30.04.2027`.
    pub const DE_DE: Self =
        Self {
            decimal: ',', group: '.', group_from: 4, currency: "€", currency_first: false, date_sep: '.'
        };
    /// ro-RO: `2.600,50 EUR`, `30.04.2027`.
    pub const RO_RO: Self = Self {
        decimal: ',',
        group: '.',
        group_from: 4,
        currency: "EUR",
        currency_first: false,
        date_sep: '.',
    };
    /// it-IT: `2600,50 €`, `12.600,50 €`, `30/04/2027`.
    pub const IT_IT: Self =
        Self {
            decimal: ',', group: '.', group_from: 5, currency: "€", currency_first: false, date_sep: '/'
        };
    /// Every style, for tests.
    pub const ALL: [Self; 5] = [Self::EN_GB, Self::FR_FR, Self::DE_DE, Self::RO_RO, Self::IT_IT];
}

impl Default for NumberStyle {
    fn default() -> Self {
        Self::EN_GB
    }
}

/// A value that does not read. The message quotes it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// Not a number or amount in any way this module reads.
    #[error("'{0}' is not an amount")]
    NotAnAmount(String),
    /// A well-formed amount too large to hold in cents.
    #[error("'{0}' is too large")]
    TooLarge(String),
    /// Not a date.
    #[error("'{0}' is not a date")]
    NotADate(String),
}

/// A decimal number as read: sign, whole digits and decimal digits, all ASCII.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decimal {
    /// A leading minus was given.
    pub negative: bool,
    /// Digits before the decimal separator (at least one).
    pub whole: String,
    /// Digits after it (may be empty).
    pub frac: String,
}

impl Decimal {
    /// The plain form, `-2600.5`, that Rust's number parsers read.
    pub fn plain(&self) -> String {
        let sign = if self.negative { "-" } else { "" };
        if self.frac.is_empty() {
            format!("{sign}{}", self.whole)
        } else {
            format!("{sign}{}.{}", self.whole, self.frac)
        }
    }
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | NBSP | NNBSP | '\u{2009}')
}

/// Reads a number as typed in `style` (see the module doc), without a currency.
///
/// # Errors
/// [`ReadError::NotAnAmount`] naming the input if it does not read.
pub fn read_decimal(style: &NumberStyle, input: &str) -> Result<Decimal, ReadError> {
    let bad = || ReadError::NotAnAmount(input.trim().to_string());
    let mut t = input.trim_matches(|c: char| c.is_whitespace() || is_space(c));
    let (negative, rest) = match t.strip_prefix(['-', '−']) {
        Some(r) => (true, r.trim_start_matches(is_space)),
        None => (false, t),
    };
    t = rest;
    if t.is_empty() {
        return Err(bad());
    }
    let chars: Vec<char> = t.chars().collect();
    if !chars.iter().all(|c| c.is_ascii_digit() || *c == '.' || *c == ',' || is_space(*c)) {
        return Err(bad());
    }
    let dots = chars.iter().filter(|c| **c == '.').count();
    let commas = chars.iter().filter(|c| **c == ',').count();
    let last_punct = chars.iter().rposition(|c| *c == '.' || *c == ',');
    let decimal_at: Option<usize> = match (dots, commas, last_punct) {
        (0, 0, _) | (_, _, None) => None,
        (d, c, Some(i)) if d > 0 && c > 0 => {
            // Rule 1: the last is decimal, and only once.
            let sep = chars[i];
            if chars.iter().filter(|c| **c == sep).count() != 1 {
                return Err(bad());
            }
            Some(i)
        }
        // Rule 2: repeated, so grouping.
        (d, c, Some(_)) if d + c > 1 => None,
        (_, _, Some(i)) => {
            let after = chars.len() - i - 1;
            match after {
                1 | 2 => Some(i),
                3 if chars[i] == style.decimal => Some(i),
                3 => None,
                _ => Some(i), // 0 or 4+ decimals: read as decimal; refused by the caller or below.
            }
        }
    };
    let (int_part, frac): (&[char], &[char]) = match decimal_at {
        Some(i) => (&chars[..i], &chars[i + 1..]),
        None => (&chars[..], &[]),
    };
    if decimal_at.is_some() && (frac.is_empty() || !frac.iter().all(char::is_ascii_digit)) {
        return Err(bad());
    }
    // The whole part: digit groups split by separators; groups after the first have 3 digits.
    let mut groups: Vec<String> = vec![String::new()];
    for c in int_part {
        if c.is_ascii_digit() {
            if let Some(g) = groups.last_mut() {
                g.push(*c);
            }
        } else {
            groups.push(String::new());
        }
    }
    let first_ok = groups.first().is_some_and(|g| !g.is_empty() && (groups.len() == 1 || g.len() <= 3));
    if !first_ok || groups.iter().skip(1).any(|g| g.len() != 3) {
        return Err(bad());
    }
    Ok(Decimal { negative, whole: groups.concat(), frac: frac.iter().collect() })
}

/// Reads a euro amount as typed in `style` into cents: `2.600,50`, `2 600,50 €`, `€2,600.50`,
/// `EUR -10`. At most two decimals. The field's range is the caller's to check.
///
/// # Errors
/// [`ReadError::NotAnAmount`] if it does not read, [`ReadError::TooLarge`] if it reads but does
/// not fit `i64` cents; both quote the input.
pub fn read_amount(style: &NumberStyle, input: &str) -> Result<i64, ReadError> {
    let bad = || ReadError::NotAnAmount(input.trim().to_string());
    let mut t = input.trim_matches(|c: char| c.is_whitespace() || is_space(c));
    // The sign may come before the currency (`-€2.50`) or after it (`€-2.50`).
    let mut negative = false;
    if let Some(r) = t.strip_prefix(['-', '−']) {
        negative = true;
        t = r.trim_start_matches(|c: char| c.is_whitespace() || is_space(c));
    }
    let strip_currency = |s: &str| -> String {
        let s = s.trim_matches(|c: char| c.is_whitespace() || is_space(c));
        let upper = s.to_ascii_uppercase();
        let s = if let Some(r) = s.strip_prefix('€') {
            r
        } else if upper.starts_with("EUR") {
            &s[3..]
        } else if let Some(r) = s.strip_suffix('€') {
            r
        } else if upper.ends_with("EUR") {
            &s[..s.len() - 3]
        } else {
            s
        };
        s.to_string()
    };
    let body = strip_currency(t);
    let d = read_decimal(style, &body).map_err(|_| bad())?;
    if negative && d.negative {
        return Err(bad());
    }
    if d.frac.len() > 2 {
        return Err(bad());
    }
    let whole: i64 = d.whole.parse().map_err(|_| ReadError::TooLarge(input.trim().to_string()))?;
    let frac: i64 =
        if d.frac.is_empty() { 0 } else { format!("{:0<2}", d.frac).parse().map_err(|_| bad())? };
    let cents = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(|| ReadError::TooLarge(input.trim().to_string()))?;
    Ok(if negative || d.negative { -cents } else { cents })
}

/// Shows cents as euros in `style`, as `Intl.NumberFormat(locale, {style: "currency",
/// currency: "EUR"})` does. Takes `i128` as well, for totals.
pub fn format_amount(style: &NumberStyle, cents: impl Into<i128>) -> String {
    let cents: i128 = cents.into();
    let abs = cents.unsigned_abs();
    let number =
        format!("{}{}{:02}", group_digits(style, &(abs / 100).to_string()), style.decimal, abs % 100);
    let sign = if cents < 0 { "-" } else { "" };
    if style.currency_first {
        format!("{sign}{}{number}", style.currency)
    } else {
        format!("{sign}{number}{NBSP}{}", style.currency)
    }
}

/// Shows unsigned cents as a number with two decimals in `style`, without a currency:
/// `260050` as `2.600,50` in German.
pub fn format_cents(style: &NumberStyle, cents: u128) -> String {
    format!("{}{}{:02}", group_digits(style, &(cents / 100).to_string()), style.decimal, cents % 100)
}

/// Shows a number (not money) in `style`: `1234.5` as `1.234,5` in German.
pub fn format_number(style: &NumberStyle, n: f64) -> String {
    let plain = format!("{}", n.abs());
    let (whole, frac) = plain.split_once('.').unwrap_or((&plain, ""));
    let mut out = String::new();
    if n.is_sign_negative() && n != 0.0 {
        out.push('-');
    }
    out.push_str(&group_digits(style, whole));
    if !frac.is_empty() {
        out.push(style.decimal);
        out.push_str(frac);
    }
    out
}

fn group_digits(style: &NumberStyle, digits: &str) -> String {
    if digits.len() < style.group_from || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return digits.to_string();
    }
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(style.group);
        }
        out.push(ch);
    }
    out
}

/// Reads a date as typed (see the module doc) into ISO `YYYY[-MM[-DD]]`.
///
/// # Errors
/// [`ReadError::NotADate`] quoting the input if it is not a real date in any accepted form.
pub fn read_date(input: &str) -> Result<String, ReadError> {
    let t = input.trim();
    let bad = || ReadError::NotADate(t.to_string());
    let iso = if t.len() >= 4 && t.as_bytes()[..4].iter().all(u8::is_ascii_digit) {
        t.to_string()
    } else {
        let sep = t.chars().find(|c| matches!(c, '/' | '.' | '-')).ok_or_else(bad)?;
        let parts: Vec<&str> = t.split(sep).collect();
        let two = |s: &str| -> Option<String> {
            (matches!(s.len(), 1 | 2) && s.bytes().all(|b| b.is_ascii_digit())).then(|| format!("{s:0>2}"))
        };
        match parts.as_slice() {
            [d, m, y] => format!("{y}-{}-{}", two(m).ok_or_else(bad)?, two(d).ok_or_else(bad)?),
            [m, y] => format!("{y}-{}", two(m).ok_or_else(bad)?),
            _ => return Err(bad()),
        }
    };
    if crate::schema::valid_date(&iso) { Ok(iso) } else { Err(bad()) }
}

/// Shows a stored ISO date in `style`: `2027-04-30` as `30/04/2027` or `30.04.2027`, `2027-04`
/// as `04/2027`. A stored value that is not an ISO date is returned unchanged (for the caller
/// to mark), never dropped.
pub fn format_date(style: &NumberStyle, iso: &str) -> String {
    if !crate::schema::valid_date(iso) {
        return iso.to_string();
    }
    let mut out = String::new();
    for (i, part) in iso.split('-').rev().enumerate() {
        if i > 0 {
            out.push(style.date_sep);
        }
        let _ = write!(out, "{part}");
    }
    out
}

#[cfg(test)]
mod tests;
