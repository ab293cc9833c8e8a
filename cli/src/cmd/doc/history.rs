//! `twin doc history`: a document's history as people read it, by sitting or by change.

use twinmesh_node::{
    api::Request,
    engine::{HistoryEntry, HistoryPage, SignatureStatus},
    i18n::Lang,
    t,
};

use twinmesh_protocol::ids::DocId;

use crate::{Ctx, client::Client, output};

/// `twin doc history`'s arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct HistoryArgs {
    /// The document.
    pub(crate) doc: DocId,
    /// How many changes to read (1 to 1000).
    #[arg(long, default_value_t = twinmesh_node::engine::HISTORY_PAGE_DEFAULT)]
    pub(crate) limit: usize,
    /// Only changes before this one (a hash or unique prefix): the next older page.
    #[arg(long, value_name = "CHANGE")]
    pub(crate) before: Option<String>,
    /// One line per change instead of sittings.
    #[arg(long)]
    pub(crate) changes: bool,
    /// Only changes by this town: its name, PeerId or key.
    #[arg(long, value_name = "TOWN")]
    pub(crate) town: Option<String>,
    /// Only changes by this officer (any case; part of the name is enough).
    #[arg(long, value_name = "NAME")]
    pub(crate) by_officer: Option<String>,
    /// Only changes to this field or anything under it: `budget/lines`, `summary`.
    #[arg(long, value_name = "PATH")]
    pub(crate) field: Option<String>,
    /// Only changes on or after this day: 2027-04-30, or as you write dates (30.04.2027).
    #[arg(long, value_name = "DATE")]
    pub(crate) since: Option<String>,
    /// Only changes on or before this day.
    #[arg(long, value_name = "DATE")]
    pub(crate) until: Option<String>,
}

/// `twin doc history`: sittings or changes, in the user's language.
pub(crate) fn run(ctx: &Ctx, client: &mut Client, a: HistoryArgs) -> anyhow::Result<()> {
    let HistoryArgs { doc, limit, before, changes, town, by_officer, field, since, until } = a;
    let filtered = [&town, &by_officer, &field, &since, &until].iter().any(|f| f.is_some());
    let request = Request::DocSittings {
        doc,
        limit: Some(limit),
        before,
        town,
        by_officer,
        field,
        since,
        until,
        lang: Some(ctx.lang),
    };
    let page: HistoryPage = client.call_as(ctx, request)?;
    if ctx.json {
        return output::json(&page);
    }
    if changes {
        for e in &page.entries {
            out!("{}", printable(&history_line(ctx.lang, e)));
        }
    } else {
        for s in page.sittings.iter().flatten() {
            out!("{}", printable(&s.text));
            for item in &s.items {
                out!("  {}", printable(&item.text));
            }
        }
        let refused = page.entries.iter().filter(|e| !e.accepted).count();
        if refused > 0 {
            let count = twinmesh_node::i18n::FluentValue::from(refused);
            let d = twinmesh_node::i18n::FluentValue::from(doc.to_string());
            out!(
                "{}",
                twinmesh_node::i18n::tr(ctx.lang, "history-refused-count", &[("count", count), ("doc", d)])
            );
        }
    }
    match &page.older {
        Some(older) if filtered => eprintln!(
            "{}",
            t!(ctx.lang, "cli-history-more-filtered", doc = doc.to_string(), before = short_hash(older))
        ),
        Some(older) => eprintln!(
            "{}",
            t!(
                ctx.lang,
                "cli-history-older",
                older = page.total.saturating_sub(page.entries.len()),
                total = page.total,
                doc = doc.to_string(),
                before = short_hash(older)
            )
        ),
        None => {}
    }
    Ok(())
}

/// One line of `doc history`: hash, time, who, message, and the signature check, or first of
/// all that the change was refused (it is signed, yet not part of the document).
fn history_line(lang: Lang, e: &HistoryEntry) -> String {
    let short = |k: &Option<String>| {
        k.as_deref()
            .map(|k| k[..10.min(k.len())].to_string())
            .unwrap_or_else(|| t!(lang, "cli-unknown-author"))
    };
    let who = match (&e.author, &e.officer) {
        (Some(a), Some(o)) => format!("{a} ({o})"),
        (Some(a), None) => a.clone(),
        (None, Some(o)) => format!("{} ({o})", short(&e.author_key)),
        (None, None) => short(&e.author_key),
    };
    let sig = match (e.signature, &e.verified_through) {
        (SignatureStatus::Verified, Some(w)) => {
            t!(lang, "cli-signature-through", change = w[..10.min(w.len())].to_string())
        }
        (SignatureStatus::Verified, None) => t!(lang, "cli-signature-ok"),
        (SignatureStatus::Missing, _) => t!(lang, "cli-signature-missing"),
        (SignatureStatus::Invalid, _) => t!(lang, "cli-signature-bad"),
    };
    let status = match (e.accepted, &e.refused_because) {
        (true, _) => format!("[{sig}]"),
        (false, why) => {
            let why = why.clone().unwrap_or_else(|| t!(lang, "cli-refused-not-part"));
            format!("[{}; {sig}]", t!(lang, "cli-refused", why = why))
        }
    };
    format!(
        "{}  {}  {who}: {}  {status}",
        short_hash(&e.hash),
        e.time_utc,
        e.message.lines().next().unwrap_or("")
    )
}

/// `text` safe to print on a terminal: what a partner wrote (values, officer names, messages)
/// cannot move the cursor, clear the screen or start a new line that looks like another
/// entry; each control character shows as U+FFFD.
fn printable(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { '\u{FFFD}' } else { c }).collect()
}

/// A change hash as people see it: 12 hex digits, which `--at` and `--before` accept (any unique
/// prefix of at least 8 does).
pub(crate) fn short_hash(h: &str) -> &str {
    &h[..12.min(h.len())]
}

#[cfg(test)]
mod tests {
    use twinmesh_protocol::time::Timestamp;

    use super::*;

    fn entry(accepted: bool) -> HistoryEntry {
        HistoryEntry {
            hash: "505231a9344d".repeat(5) + "abcd",
            author_key: None,
            author_id: None,
            author: Some("Warstein".into()),
            officer: Some("J. Becker".into()),
            time: Timestamp(0),
            time_utc: "2026-01-01T00:00:00Z".into(),
            message: "budget/lines/0/amount: '1.00 EUR' -> '2.00 EUR'".into(),
            seq: 2,
            signature: SignatureStatus::Verified,
            verified_through: None,
            accepted,
            refused_because: (!accepted).then(|| "the author may not write to this space".into()),
            items: Vec::new(),
        }
    }

    #[test]
    fn what_a_partner_wrote_cannot_steer_the_terminal() {
        assert_eq!(printable("Budget \u{1b}[2J · A\nB\r"), "Budget \u{FFFD}[2J · A\u{FFFD}B\u{FFFD}");
        assert_eq!(
            printable("Budgetposten 1 · Betrag: 4.200,00\u{a0}€"),
            "Budgetposten 1 · Betrag: 4.200,00\u{a0}€"
        );
    }

    #[test]
    fn a_refused_change_is_marked_refused_not_just_signature_ok() {
        let line = history_line(Lang::En, &entry(false));
        assert!(line.contains("[REFUSED: the author may not write to this space; signature ok]"), "{line}");
        let line = history_line(Lang::En, &entry(true));
        assert!(line.ends_with("[signature ok]") && line.starts_with("505231a9344d  "), "{line}");
    }
}
