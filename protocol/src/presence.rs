//! Presence: which officers of a partner town have a document open right now.
//!
//! Presence is ephemeral and never part of a document: a node tells the members of a
//! document's space, over its own request-response protocol [`PRESENCE_PROTOCOL`], which of
//! its officers have the document open, every [`PRESENCE_HEARTBEAT`] while they do, and once
//! with no officers when the last one closes it. A receiver forgets what it heard after
//! [`PRESENCE_TTL`] without a new message, and at once when the partner disconnects. The
//! sender's town is the connection's authenticated key (Noise), never a name in the message,
//! so nobody can claim to be another town. A node that does not know this protocol never
//! negotiates it, so older nodes are unaffected (see docs/protocol.md, *Presence*).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ids::DocId;

/// The protocol name presence messages travel on.
pub const PRESENCE_PROTOCOL: &str = "/twinmesh/presence/1";

/// Largest encoded presence message; a larger one is refused before it is decoded.
pub const MAX_PRESENCE_BYTES: usize = 1024;

/// Most officers one message lists (a town rarely has more than two or three people in one
/// document at once).
pub const MAX_PRESENCE_OFFICERS: usize = 8;

/// Longest officer name in a presence message, in characters.
pub const MAX_PRESENCE_NAME_CHARS: usize = 80;

/// How often a node repeats its presence while an officer has a document open (and how often
/// an editor tells its node it still has the document open).
pub const PRESENCE_HEARTBEAT: Duration = Duration::from_secs(10);

/// How long presence heard counts without a new message.
pub const PRESENCE_TTL: Duration = Duration::from_secs(30);

/// One presence message: the officers of the sending town who have `doc` open now; none means
/// nobody there has it open any more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presence {
    /// The document.
    pub doc: DocId,
    /// The officers who have it open (names as they signed in).
    pub officers: Vec<String>,
}

/// Why a presence message is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PresenceError {
    /// More than [`MAX_PRESENCE_BYTES`] bytes.
    #[error("presence message of {0} bytes (at most {max})", max = MAX_PRESENCE_BYTES)]
    TooLarge(usize),
    /// Not a presence message.
    #[error("presence message undecodable: {0}")]
    Undecodable(String),
    /// More than [`MAX_PRESENCE_OFFICERS`] officers.
    #[error("presence lists {0} officers (at most {max})", max = MAX_PRESENCE_OFFICERS)]
    TooManyOfficers(usize),
    /// An empty, over-long or control-character officer name.
    #[error(
        "presence names an officer that is empty, longer than {max} characters or has control characters",
        max = MAX_PRESENCE_NAME_CHARS
    )]
    BadName,
}

impl Presence {
    /// Checks the limits of a message (also those [`Presence::decode`] checks).
    ///
    /// # Errors
    /// The first limit the message breaks.
    pub fn check(&self) -> Result<(), PresenceError> {
        if self.officers.len() > MAX_PRESENCE_OFFICERS {
            return Err(PresenceError::TooManyOfficers(self.officers.len()));
        }
        let bad = |o: &String| {
            o.trim().is_empty()
                || o.chars().count() > MAX_PRESENCE_NAME_CHARS
                || o.chars().any(char::is_control)
        };
        if self.officers.iter().any(bad) {
            return Err(PresenceError::BadName);
        }
        Ok(())
    }

    /// Encodes the message (postcard, as every wire message).
    pub fn encode(&self) -> Vec<u8> {
        crate::wire::encode(self)
    }

    /// Decodes and checks a message from a peer.
    ///
    /// # Errors
    /// Too large, undecodable (trailing bytes included), or over a limit.
    pub fn decode(bytes: &[u8]) -> Result<Self, PresenceError> {
        if bytes.len() > MAX_PRESENCE_BYTES {
            return Err(PresenceError::TooLarge(bytes.len()));
        }
        let p: Self = crate::wire::decode(bytes).map_err(PresenceError::Undecodable)?;
        p.check()?;
        Ok(p)
    }

    /// An officer name as a presence message carries it: trimmed, control characters
    /// dropped, cut at [`MAX_PRESENCE_NAME_CHARS`]; `None` if nothing is left.
    pub fn officer_name(raw: &str) -> Option<String> {
        let name: String = raw
            .chars()
            .filter(|c| !c.is_control())
            .collect::<String>()
            .trim()
            .chars()
            .take(MAX_PRESENCE_NAME_CHARS)
            .collect();
        let name = name.trim().to_string();
        (!name.is_empty()).then_some(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> DocId {
        DocId::from_bytes([3; 16])
    }

    #[test]
    fn round_trip_and_limits() {
        let p = Presence { doc: doc(), officers: vec!["Marie Dupont".into()] };
        assert_eq!(Presence::decode(&p.encode()), Ok(p));
        let none = Presence { doc: doc(), officers: vec![] };
        assert_eq!(Presence::decode(&none.encode()), Ok(none));

        let many = Presence { doc: doc(), officers: vec!["A".into(); MAX_PRESENCE_OFFICERS + 1] };
        assert_eq!(Presence::decode(&many.encode()), Err(PresenceError::TooManyOfficers(9)));
        let long = Presence { doc: doc(), officers: vec!["x".repeat(MAX_PRESENCE_NAME_CHARS + 1)] };
        assert_eq!(Presence::decode(&long.encode()), Err(PresenceError::BadName));
        let blank = Presence { doc: doc(), officers: vec!["  ".into()] };
        assert_eq!(Presence::decode(&blank.encode()), Err(PresenceError::BadName));
        let control = Presence { doc: doc(), officers: vec!["a\u{7}b".into()] };
        assert_eq!(Presence::decode(&control.encode()), Err(PresenceError::BadName));
    }

    #[test]
    fn refuses_oversized_and_garbage() {
        assert_eq!(
            Presence::decode(&vec![0u8; MAX_PRESENCE_BYTES + 1]),
            Err(PresenceError::TooLarge(MAX_PRESENCE_BYTES + 1))
        );
        assert!(matches!(Presence::decode(&[0xff; 3]), Err(PresenceError::Undecodable(_))));
        let mut trailing = Presence { doc: doc(), officers: vec![] }.encode();
        trailing.push(0);
        assert!(matches!(Presence::decode(&trailing), Err(PresenceError::Undecodable(_))));
    }

    #[test]
    fn officer_names_are_cleaned() {
        assert_eq!(Presence::officer_name("  Marie Dupont \n"), Some("Marie Dupont".into()));
        assert_eq!(Presence::officer_name(" \t "), None);
        assert_eq!(Presence::officer_name(&"é".repeat(200)).map(|n| n.chars().count()), Some(80));
    }
}
