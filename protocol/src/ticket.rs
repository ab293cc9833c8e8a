//! The signed invitation ticket: what an admin hands a town it invites, by e-mail, link or QR
//! code.
//!
//! A ticket is `twinmesh:` + base32 (no padding, any case) of the postcard encoding of the
//! [`Ticket`] and the inviter's signature over `"twinmesh/ticket/v1" ‖ postcard(ticket)`, so any
//! alteration is caught before the joiner dials anyone. The one-time secret it carries is what
//! the inviter checks; the signature protects the addresses and the space named.

use serde::{Deserialize, Serialize};

use crate::{
    ids::SpaceId,
    keys::{PublicKey, SecretKey, Signature},
    membership::Role,
    time::Timestamp,
    wire,
};

/// What an invitation ticket carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// The space.
    pub space: SpaceId,
    /// Its name, for the joiner's confirmation.
    pub space_name: String,
    /// The inviting node.
    pub inviter: PublicKey,
    /// Where to reach it.
    pub addrs: Vec<String>,
    /// One-time secret.
    pub secret: [u8; 16],
    /// The role offered.
    pub role: Role,
    /// Expiry.
    pub expires: Timestamp,
}

#[derive(Serialize, Deserialize)]
struct SignedTicket {
    ticket: Ticket,
    signature: Signature,
}

/// How every ticket's text begins (any case is read).
pub const TICKET_PREFIX: &str = "twinmesh:";
/// The domain separation of a ticket's signature.
pub const TICKET_DOMAIN: &[u8] = b"twinmesh/ticket/v1";

/// Why a ticket was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TicketError {
    /// The text does not begin with [`TICKET_PREFIX`].
    #[error("it does not start with 'twinmesh:'")]
    NoPrefix,
    /// Not base32.
    #[error("it is damaged (not base32)")]
    NotBase32,
    /// Base32, but not a signed ticket (truncated, or another encoding).
    #[error("it is damaged or truncated")]
    Damaged,
    /// The inviter's signature does not hold: it was changed after signing.
    #[error("it was altered")]
    Altered,
    /// Past its expiry (milliseconds since the epoch, shown as RFC 3339).
    #[error("it expired at {}", .0.to_rfc3339())]
    Expired(Timestamp),
}

fn payload(ticket: &Ticket) -> Vec<u8> {
    let mut payload = TICKET_DOMAIN.to_vec();
    payload.extend(wire::encode(ticket));
    payload
}

impl Ticket {
    /// Encodes and signs a ticket with the inviter's key.
    pub fn encode(&self, key: &SecretKey) -> String {
        let signed = SignedTicket { ticket: self.clone(), signature: key.sign(&payload(self)) };
        format!(
            "{TICKET_PREFIX}{}",
            data_encoding::BASE32_NOPAD.encode(&wire::encode(&signed)).to_ascii_lowercase()
        )
    }

    /// Decodes a ticket and checks the inviter's signature and the expiry against `now`. The
    /// text may be the ticket as an e-mail client left it (see [`unwrap_ticket`]) or a join
    /// link (`http://…/#join=twinmesh:…`).
    ///
    /// # Errors
    /// A [`TicketError`] saying what is wrong.
    pub fn decode(text: &str, now: Timestamp) -> Result<Self, TicketError> {
        let text = unwrap_ticket(text);
        // Any case: a QR code carries the ticket in capitals.
        let body = match text.get(..TICKET_PREFIX.len()) {
            Some(p) if p.eq_ignore_ascii_case(TICKET_PREFIX) => &text[TICKET_PREFIX.len()..],
            _ => return Err(TicketError::NoPrefix),
        };
        let bytes = data_encoding::BASE32_NOPAD
            .decode(body.to_ascii_uppercase().as_bytes())
            .map_err(|_| TicketError::NotBase32)?;
        let signed: SignedTicket = wire::decode(&bytes).map_err(|_| TicketError::Damaged)?;
        signed
            .ticket
            .inviter
            .verify(&payload(&signed.ticket), &signed.signature)
            .map_err(|_| TicketError::Altered)?;
        if signed.ticket.expires < now {
            return Err(TicketError::Expired(signed.ticket.expires));
        }
        Ok(signed.ticket)
    }
}

/// A ticket as it arrives after a trip through e-mail: wrapped across lines, indented, quoted
/// with `> ` markers on each line (a reply quotes them, several times), or inside a join link
/// (`…/#join=twinmesh:…`). Returns the ticket's own characters only: every line loses its
/// leading quote markers, all whitespace goes, and a link keeps only what follows `#join=`.
/// Base32 and the `twinmesh:` prefix hold no `>` or whitespace, so nothing of the ticket is lost.
pub fn unwrap_ticket(text: &str) -> String {
    let joined: String = text
        .lines()
        .map(|line| line.trim_start_matches(|c: char| c == '>' || c.is_whitespace()))
        .flat_map(|line| line.chars().filter(|c| !c.is_whitespace()))
        .collect();
    match joined.find("#join=") {
        // A link may carry the prefix's colon percent-encoded.
        Some(at) => joined[at + "#join=".len()..].replacen("%3A", ":", 1).replacen("%3a", ":", 1),
        None => joined,
    }
}
