//! Invitation tickets as QR codes, so a partner town's officer can scan the ticket from a
//! screen or a printed letter instead of copying 450 characters, and as a join link.
//!
//! The code holds the ticket in capitals (`TWINMESH:…`): base32 and the prefix then fit QR's
//! alphanumeric mode, which packs 5.5 bits per character instead of 8, so a ticket needs a
//! smaller, easier to scan code. Ticket decoding ignores case.

use qrcode::{EcLevel, QrCode, render::svg, render::unicode};

/// A link that opens the join page of the web UI at the default address with `ticket` filled
/// in: sent to a partner, it opens the partner's own node, where Twinmesh runs with its
/// defaults. The ticket is in the fragment, which browsers never send to a server.
pub fn join_link(ticket: &str) -> String {
    format!("http://{}/#join={}", crate::http::DEFAULT_API_ADDR, ticket.trim())
}

/// The ticket as the QR code carries it.
fn code(ticket: &str) -> Option<QrCode> {
    QrCode::with_error_correction_level(ticket.trim().to_ascii_uppercase(), EcLevel::L).ok()
}

/// An SVG image of the ticket's QR code, for the web UI; `None` if the text is too long for
/// any QR code (tickets are far shorter).
pub fn svg(ticket: &str) -> Option<String> {
    Some(code(ticket)?.render::<svg::Color<'_>>().min_dimensions(240, 240).quiet_zone(true).build())
}

/// The ticket's QR code drawn with Unicode half blocks, for a terminal (light on dark, as
/// scanners expect the code dark on light once the terminal's colours are inverted).
pub fn terminal(ticket: &str) -> Option<String> {
    Some(
        code(ticket)?
            .render::<unicode::Dense1x2>()
            .dark_color(unicode::Dense1x2::Light)
            .light_color(unicode::Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_sized_text_makes_a_code_in_alphanumeric_mode() {
        let ticket = format!("twinmesh:{}", "abcdefghijklmnopqrstuvwxyz234567".repeat(15));
        let c = code(&ticket).expect("a code");
        // 489 characters at level L: version 12 (65 modules) in alphanumeric mode; as bytes
        // (lower case) they need version 15 (77 modules).
        let as_bytes = QrCode::with_error_correction_level(&ticket, EcLevel::L).expect("a code");
        assert_eq!((c.width(), as_bytes.width()), (65, 77));
        assert!(svg(&ticket).is_some_and(|s| s.starts_with("<?xml") && s.contains("<svg")));
        assert!(terminal(&ticket).is_some_and(|t| t.lines().count() > 20));
        assert!(svg(&"x".repeat(10_000)).is_none(), "too long for any QR code");
    }
}
