//! The kinds of shared document ([`DocKind`]): their codes, labels and the names they are
//! parsed from.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use super::{Field, SchemaError, kinds};

/// The kinds of shared document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocKind {
    /// Partnership charter / twinning agreement.
    Charter,
    /// Joint project plan for a funding call.
    Plan,
    /// Meeting minutes with decisions and action items.
    Minutes,
    /// Contact directory.
    Contacts,
}

impl DocKind {
    /// All kinds, in display order.
    pub const ALL: [DocKind; 4] = [Self::Charter, Self::Plan, Self::Minutes, Self::Contacts];

    /// The code stored in documents and used on the command line.
    pub fn code(self) -> &'static str {
        match self {
            Self::Charter => "charter",
            Self::Plan => "plan",
            Self::Minutes => "minutes",
            Self::Contacts => "contacts",
        }
    }

    /// A human label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Charter => "Partnership charter",
            Self::Plan => "Joint project plan",
            Self::Minutes => "Meeting minutes",
            Self::Contacts => "Contact directory",
        }
    }

    /// The fields of this kind, envelope included.
    pub fn fields(self) -> &'static [Field] {
        kinds::fields(self)
    }
}

impl fmt::Display for DocKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for DocKind {
    type Err = SchemaError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "charter" | "agreement" => Ok(Self::Charter),
            "plan" | "project" | "project-plan" | "joint-plan" => Ok(Self::Plan),
            "minutes" | "meeting" => Ok(Self::Minutes),
            "contacts" | "contact-directory" | "directory" => Ok(Self::Contacts),
            _ => Err(SchemaError::UnknownKind(s.to_string())),
        }
    }
}
