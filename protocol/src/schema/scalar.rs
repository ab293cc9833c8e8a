//! Typed values ([`TypedValue`], [`Scalar`]) and how a scalar is stored in Automerge and shown.

use automerge::ScalarValue;

use super::{FieldType, format_eur};

/// A value that fits a field.
#[derive(Debug, Clone, PartialEq)]
pub enum TypedValue {
    /// New content of a text field.
    Text(String),
    /// A scalar.
    Scalar(Scalar),
}

/// A typed scalar, before it is written to Automerge.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// No value.
    Null,
    /// A string, date or enum code.
    Str(String),
    /// A whole number.
    Int(i64),
    /// A decimal number.
    Number(f64),
    /// Euro cents.
    Money(i64),
    /// Yes or no.
    Bool(bool),
}

impl Scalar {
    /// The Automerge value this scalar is stored as.
    pub fn to_automerge(&self) -> ScalarValue {
        match self {
            Self::Null => ScalarValue::Null,
            Self::Str(s) => ScalarValue::Str(s.as_str().into()),
            Self::Int(i) | Self::Money(i) => ScalarValue::Int(*i),
            Self::Number(n) => ScalarValue::F64(*n),
            Self::Bool(b) => ScalarValue::Boolean(*b),
        }
    }

    /// Reads an Automerge value as the given field type. Values of an unexpected type (from a
    /// newer schema, or a misbehaving peer) come back as `None` and are shown raw.
    pub fn from_automerge(ty: &FieldType, v: &ScalarValue) -> Option<Self> {
        Some(match (ty, v) {
            (_, ScalarValue::Null) => Self::Null,
            (
                FieldType::Str
                | FieldType::Enum(_)
                | FieldType::Date
                | FieldType::Country
                | FieldType::Email
                | FieldType::ReadOnly,
                ScalarValue::Str(s),
            ) => Self::Str(s.to_string()),
            (FieldType::Int, ScalarValue::Int(i)) => Self::Int(*i),
            (FieldType::Int, ScalarValue::Uint(u)) => Self::Int(i64::try_from(*u).ok()?),
            (FieldType::Money | FieldType::CorrectableMoney, ScalarValue::Int(i)) => Self::Money(*i),
            (FieldType::Number, ScalarValue::F64(n)) => Self::Number(*n),
            (FieldType::Number, ScalarValue::Int(i)) => Self::Number(*i as f64),
            (FieldType::Bool, ScalarValue::Boolean(b)) => Self::Bool(*b),
            (FieldType::ReadOnly, ScalarValue::Int(i)) => Self::Int(*i),
            _ => return None,
        })
    }

    /// Human display: money as `2,600.00 EUR`, null as an empty string.
    pub fn display(&self) -> String {
        match self {
            Self::Null => String::new(),
            Self::Str(s) => s.clone(),
            Self::Int(i) => i.to_string(),
            Self::Number(n) => format!("{n}"),
            Self::Money(c) => format_eur(*c),
            Self::Bool(b) => if *b { "yes" } else { "no" }.into(),
        }
    }

    /// JSON-friendly value: money as a number of euros.
    pub fn to_json_number(&self) -> Option<f64> {
        match self {
            Self::Int(i) => Some(*i as f64),
            Self::Number(n) => Some(*n),
            Self::Money(c) => Some(*c as f64 / 100.0),
            _ => None,
        }
    }
}
