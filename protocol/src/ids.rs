//! Identifiers of documents and spaces.
//!
//! Both print as lowercase base32 without padding, so they survive e-mail, URLs and shells.

use std::{fmt, str::FromStr};

use data_encoding::BASE32_NOPAD;
use serde::{Deserialize, Serialize};

/// Why a text is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdParseError {
    /// The text contains characters outside lowercase base32.
    #[error("'{text}' is not a valid {what} id: it must be base32 (a-z, 2-7)")]
    Encoding {
        /// Which kind of id was expected.
        what: &'static str,
        /// The text given.
        text: String,
    },
    /// The text decodes to the wrong number of bytes.
    #[error("'{text}' is not a valid {what} id: expected {expected} characters")]
    Length {
        /// Which kind of id was expected.
        what: &'static str,
        /// The text given.
        text: String,
        /// How many characters a valid id has.
        expected: usize,
    },
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $len:expr, $what:expr) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name([u8; $len]);

        impl $name {
            /// Length of the id in bytes.
            pub const LEN: usize = $len;

            /// Wraps raw bytes.
            pub const fn from_bytes(bytes: [u8; $len]) -> Self {
                Self(bytes)
            }

            /// The raw bytes.
            pub fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }

            /// Parses raw bytes of the right length.
            pub fn from_slice(bytes: &[u8]) -> Option<Self> {
                <[u8; $len]>::try_from(bytes).ok().map(Self)
            }

            /// The first 8 characters, for logs and tables.
            pub fn fmt_short(&self) -> String {
                let mut s = self.to_string();
                s.truncate(8);
                s
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&BASE32_NOPAD.encode(&self.0).to_ascii_lowercase())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.fmt_short())
            }
        }

        /// Text (base32) in human-readable formats such as JSON; raw bytes otherwise.
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                if s.is_human_readable() {
                    s.collect_str(self)
                } else {
                    self.0.serialize(s)
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                if d.is_human_readable() {
                    let text = String::deserialize(d)?;
                    text.parse().map_err(serde::de::Error::custom)
                } else {
                    <[u8; $len]>::deserialize(d).map(Self)
                }
            }
        }

        impl FromStr for $name {
            type Err = IdParseError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let text = s.trim();
                let expected = BASE32_NOPAD.encode_len($len);
                if text.len() != expected {
                    return Err(IdParseError::Length { what: $what, text: s.to_string(), expected });
                }
                let bytes = BASE32_NOPAD
                    .decode(text.to_ascii_uppercase().as_bytes())
                    .map_err(|_| IdParseError::Encoding { what: $what, text: s.to_string() })?;
                Self::from_slice(&bytes)
                    .ok_or(IdParseError::Length { what: $what, text: s.to_string(), expected })
            }
        }
    };
}

id_type!(
    /// A document id: 16 random bytes chosen by the node that created the document.
    DocId,
    16,
    "document"
);

id_type!(
    /// A space id: the SHA-256 hash of the space's signed genesis record, so that a space id
    /// names its founder and cannot be claimed by anyone else.
    SpaceId,
    32,
    "space"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_is_text_in_json_and_bytes_in_postcard() {
        let id = SpaceId::from_bytes([7; 32]);
        let bytes = postcard::to_stdvec(&id).expect("postcard");
        assert_eq!(bytes.len(), 32);
        assert_eq!(postcard::from_bytes::<SpaceId>(&bytes).expect("back"), id);
    }

    #[test]
    fn round_trips_and_rejects_garbage() {
        let id = DocId::from_bytes([0xab; 16]);
        let text = id.to_string();
        assert_eq!(text.len(), 26);
        assert_eq!(text.parse::<DocId>(), Ok(id));
        assert_eq!(text.to_uppercase().parse::<DocId>(), Ok(id));
        assert!(matches!("abc".parse::<DocId>(), Err(IdParseError::Length { .. })));
        let bad = "1".repeat(26);
        assert!(matches!(bad.parse::<DocId>(), Err(IdParseError::Encoding { .. })));
        // A space id is not a doc id.
        let space = SpaceId::from_bytes([1; 32]).to_string();
        assert!(space.parse::<DocId>().is_err());
        assert!(space.parse::<SpaceId>().is_ok());
    }
}
