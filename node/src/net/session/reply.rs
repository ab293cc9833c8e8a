//! The answers to a partner's session requests, from what the engine made of them: one
//! mapping for the network task and the simulator alike.

use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    schema::DocKind,
    wire::{DocSnapshot, DocSync, Refusal, Response as WireResponse},
};

use crate::{
    engine::{Installed, sync::Received},
    error::NodeError,
};

/// The answer to a partner's round about `(space, doc, kind)`: this side's next round (an
/// empty one if it has nothing to say), or the refusal.
pub(in crate::net) fn round_reply(
    (space, doc, kind): (SpaceId, DocId, DocKind),
    received: Result<Received, Refusal>,
) -> WireResponse {
    match received {
        Ok(rec) => WireResponse::Sync(rec.reply.unwrap_or(DocSync {
            space,
            doc,
            kind,
            message: None,
            signatures: Default::default(),
        })),
        Err(refusal) => WireResponse::Refused(refusal),
    }
}

/// The answer to a document a partner pushed whole; `None` while the engine shuts down (no
/// answer: the connection ends with the node).
pub(in crate::net) fn installed_reply(
    doc: DocId,
    installed: Result<Installed, NodeError>,
) -> Option<WireResponse> {
    Some(match installed {
        Ok(inst) => WireResponse::Installed { doc, heads_digest: inst.heads_digest },
        Err(NodeError::NotAllowed(_)) => WireResponse::Refused(Refusal::NotAMember),
        Err(NodeError::Shutdown) => return None,
        Err(NodeError::Rejected { count, first }) => WireResponse::Refused(Refusal::BadMessage(format!(
            "snapshot refused, nothing stored: {count} change(s) failed verification; first: {first}"
        ))),
        Err(e) => WireResponse::Refused(Refusal::BadMessage(e.to_string())),
    })
}

/// The answer to a partner's `Fetch`: the document whole, or why not; `None` while the engine
/// shuts down.
pub(in crate::net) fn served_reply(snapshot: Result<DocSnapshot, NodeError>) -> Option<WireResponse> {
    Some(match snapshot {
        Ok(snap) => WireResponse::Snapshot(snap),
        Err(NodeError::NotAllowed(_)) => WireResponse::Refused(Refusal::NotAMember),
        Err(NodeError::UnknownDoc(_)) => WireResponse::Refused(Refusal::UnknownDoc),
        Err(NodeError::Shutdown) => return None,
        Err(e) => WireResponse::Refused(Refusal::BadMessage(e.to_string())),
    })
}
