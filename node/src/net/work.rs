//! What the network task asks of the engine: one [`Work`] variant per operation, with what
//! the loop needs afterwards (the reply channel, the session it belongs to, ...). This file
//! is the list of everything the network does to the engine.
//!
//! [`Work::finish`] runs an operation and turns its result into the [`Done`] the loop acts on
//! (`jobs.rs`). It runs on the engine thread, the building of the `Done` included (for an
//! invitation that is its QR code, a few milliseconds); if the engine has stopped before the work ran,
//! the same arm runs without it and every operation fails with [`NodeError::Shutdown`], so a
//! caller waiting on a reply channel hears why instead of finding the channel dropped.

use libp2p::{Multiaddr, PeerId, request_response::OutboundRequestId, request_response::ResponseChannel};
use tokio::sync::oneshot;
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    keys::PublicKey,
    membership::{Role, SignedOp},
    presence::Presence,
    schema::DocKind,
    space::{Municipality, SignedSpace},
    wire::{DocSnapshot, DocSync, Response as WireResponse, SpaceSummary},
};

use super::{
    answers::{Invitation, NetAnswer, PresenceList},
    blobs::BlobDone,
    jobs::{Answer, Done, HelloBatch},
    presence::{PresenceDone, present_json},
    status::LinkView,
};
use crate::{
    engine::{BlobRequest, BlobResponse, Engine, EngineHandle, handle::run_guarded},
    error::NodeError,
};

/// Where an API caller's answer goes.
type Reply = oneshot::Sender<Result<NetAnswer, NodeError>>;

/// One operation of the network task on the engine.
pub(super) enum Work {
    /// This node's spaces, to subscribe to their topics.
    Subscribe,
    /// The remembered partners, to redial those not connected.
    Redial,
    /// The remembered partners and their shared spaces, for the peer list.
    PeerList { reply: Reply },
    /// Whom this node's relay serves (members of its spaces).
    RelayMembers,
    /// A document's digest and kind, to announce it.
    Announce { doc: DocId },
    /// Hellos for partners (after noting `note`, a partner just connected, at the address
    /// dialed); `waiter` is a `twin sync` that waits for their answers.
    Hellos {
        keyed: Vec<(PeerId, PublicKey)>,
        note: Option<(PublicKey, Vec<String>)>,
        unless_recent: bool,
        waiter: Option<u64>,
    },
    /// A partner connected and gets no hello from this node now: note it, at `seen_at`.
    NotePeer { key: PublicKey, seen_at: Vec<String> },
    /// What a partner's identify told: its addresses, and whether it speaks only an older sync.
    Identified { key: PublicKey, addrs: Vec<String>, older: bool },
    /// A partner's announcement: whether it asks for a session.
    AnnounceHeard {
        peer: PeerId,
        key: PublicKey,
        space: SpaceId,
        doc: DocId,
        kind: DocKind,
        digest: [u8; 32],
    },
    /// A partner's hello: note it and answer with this node's.
    AnswerHello {
        peer: PeerId,
        key: PublicKey,
        channel: ResponseChannel<WireResponse>,
        from: Municipality,
        spaces: Vec<SpaceSummary>,
    },
    /// A partner's answer to this node's hello: which documents differ.
    HelloResponse {
        peer: PeerId,
        key: PublicKey,
        request_id: OutboundRequestId,
        from: Municipality,
        spaces: Vec<SpaceSummary>,
    },
    /// An invitation ticket for an API caller.
    Invite { space: SpaceId, role: Role, valid_ms: i64, addrs: Vec<String>, reply: Reply },
    /// This node's profile, to ask the inviter of a ticket to let it join.
    Join { inviter: PeerId, addrs: Vec<Multiaddr>, space: SpaceId, secret: [u8; 16], reply: Reply },
    /// A town redeems a ticket of this node.
    Redeem {
        peer: PeerId,
        channel: ResponseChannel<WireResponse>,
        space: SpaceId,
        secret: [u8; 16],
        from: Municipality,
    },
    /// The inviter let this node join: store the space and its log.
    AcceptJoin { inviter: PeerId, reply: Reply, space: SignedSpace, log: Vec<SignedOp> },
    /// How session `id` opens (a round, or a document sent or fetched whole).
    OpenSession { peer: PeerId, key: PublicKey, doc: DocId, id: u64, whole: bool },
    /// A sync round from a partner, to take in.
    Receive { peer: PeerId, key: PublicKey, msg: DocSync, to: Answer },
    /// A partner fetches a document whole.
    Serve { peer: PeerId, key: PublicKey, channel: ResponseChannel<WireResponse>, doc: DocId },
    /// A document a partner sent whole, to check and store.
    Install { peer: PeerId, key: PublicKey, snap: DocSnapshot, to: Answer },
    /// The partner installed the document this node sent whole: the heads they share now.
    PartnerInstalled { key: PublicKey, doc: DocId, heads_digest: [u8; 32] },
    /// Who of the partners has `doc` open, for an API caller.
    PresenceList { doc: DocId, present: Vec<(DocId, PublicKey, Vec<String>)>, reply: Reply },
    /// The members to tell this node's presence in `doc` (all connected ones, or `only`).
    PresenceTargets { doc: DocId, only: Option<PeerId> },
    /// A partner's presence message: whether it may tell it.
    PresenceHeard { peer: PeerId, key: PublicKey, msg: Presence },
    /// The attachments to fetch next.
    BlobPlan { eager: bool },
    /// A partner asks for a part of an attachment.
    BlobServe { key: PublicKey, request: BlobRequest, channel: ResponseChannel<BlobResponse> },
    /// A part of an attachment from `peer`, to check and store.
    BlobStore { peer: PeerId, req: BlobRequest, bytes: Vec<u8> },
    /// The sync panel's report, for an API caller.
    SyncPanel {
        links: std::collections::HashMap<[u8; 32], LinkView>,
        present: Vec<(DocId, PublicKey, Vec<String>)>,
        reply: Reply,
    },
}

/// Runs `f` on the engine, or fails as a stopped engine does. A panic inside `f` (a bug
/// reached by a peer's data, say) fails this operation only, as the engine thread does for
/// any job (`engine::handle::run_guarded`), and the caller hears an internal error: a session
/// waiting for this result ends instead of waiting for good.
fn on<R>(
    e: Option<&mut Engine>,
    f: impl FnOnce(&mut Engine) -> Result<R, NodeError>,
) -> Result<R, NodeError> {
    let Some(e) = e else { return Err(NodeError::Shutdown) };
    run_guarded(e, f).unwrap_or_else(|| {
        Err(NodeError::Internal("the request failed inside the node; see the node's log".into()))
    })
}

/// This node's spaces' ids.
fn space_ids(e: &Engine) -> Result<Vec<SpaceId>, NodeError> {
    Ok(e.spaces()?.into_iter().map(|s| s.id).collect())
}

impl Work {
    /// Runs the operation on `e` (or fails it, when the engine has stopped: `None`) and says
    /// what the loop does next.
    pub(super) fn finish(self, e: Option<&mut Engine>) -> Done {
        match self {
            Work::Subscribe => Done::Spaces(on(e, |e| space_ids(e))),
            Work::Redial => Done::Redial(on(e, |e| e.peers())),
            Work::PeerList { reply } => Done::PeerList { reply, known: on(e, super::peers::known_peers) },
            Work::RelayMembers => Done::RelayMembers(on(e, super::relay::space_members)),
            Work::Announce { doc } => Done::Announce(on(e, |e| {
                let (space, digest) = e.doc_digest(&doc)?;
                Ok((space, doc, digest, e.doc_meta(&doc)?.kind))
            })),
            Work::Hellos { keyed, note, unless_recent, waiter } => {
                let built = on(e, |e| -> Result<HelloBatch, NodeError> {
                    if let Some((key, addr)) = note
                        && let Err(err) = e.note_peer(&key, addr, None)
                    {
                        tracing::warn!(error = %err, "cannot record the partner");
                    }
                    let spaces = space_ids(e)?;
                    let hellos = keyed.into_iter().map(|(p, key)| (p, e.hello_for(&key))).collect();
                    Ok((e.me().clone(), spaces, hellos))
                });
                Done::Hellos { unless_recent, waiter, built }
            }
            Work::NotePeer { key, seen_at } => {
                if let Err(err) = on(e, |e| e.note_peer(&key, seen_at, None)) {
                    tracing::debug!(error = %err, "partner not recorded");
                }
                Done::Nothing
            }
            Work::Identified { key, addrs, older } => {
                let noted = on(e, |e| {
                    e.note_partner_addrs(&key, addrs)?;
                    if older {
                        e.note_older_partner(&key)?;
                    }
                    Ok(())
                });
                if let Err(err) = noted {
                    tracing::debug!(error = %err, "partner's addresses not recorded");
                }
                Done::Nothing
            }
            Work::AnnounceHeard { peer, key, space, doc, kind, digest } => {
                let wanted = on(e, |e| {
                    if !e.is_member(&space, &key)? || !e.is_member(&space, &e.me().key)? {
                        return Ok(false);
                    }
                    e.note_partner_digest(&key, &doc, &digest);
                    if e.differs(&doc, &digest)? {
                        e.expect_doc(space, doc, kind);
                        return Ok(true);
                    }
                    Ok(false)
                });
                Done::AnnounceHeard { peer, doc, wanted }
            }
            Work::AnswerHello { peer, key, channel, from, spaces } => {
                let answer = on(e, |e| {
                    e.note_partner_summaries(&key, &spaces);
                    let changed = e.on_hello_answered(&key, from, spaces)?;
                    let mine = space_ids(e)?;
                    Ok((e.me().clone(), e.hello_for(&key)?, changed, mine))
                });
                Done::HelloAnswered { peer, channel, answer }
            }
            Work::HelloResponse { peer, key, request_id, from, spaces } => {
                let differ = on(e, |e| {
                    e.note_partner_summaries(&key, &spaces);
                    let (docs, log_changed) = e.on_hello(&key, from, spaces)?;
                    Ok((docs, log_changed, space_ids(e)?))
                });
                Done::HelloResponse { peer, request_id, differ }
            }
            Work::Invite { space, role, valid_ms, addrs, reply } => {
                let result = on(e, |e| e.invite(&space, role, valid_ms, addrs)).map(|t| {
                    NetAnswer::Invitation(Invitation {
                        qr_svg: crate::qr::svg(&t),
                        link: crate::qr::join_link(&t),
                        ticket: t,
                        role,
                    })
                });
                Done::Reply { reply, result }
            }
            Work::Join { inviter, addrs, space, secret, reply } => {
                let me = on(e, |e| Ok(e.me().clone()));
                Done::JoinReady { inviter, addrs, space, secret, reply, me }
            }
            Work::Redeem { peer, channel, space, secret, from } => {
                Done::Redeemed { peer, channel, redeemed: on(e, |e| e.redeem(&space, &secret, from)) }
            }
            Work::AcceptJoin { inviter, reply, space, log } => {
                let joined = on(e, |e| Ok((e.accept_join(space, log)?, space_ids(e)?)));
                Done::Joined { inviter, reply, joined }
            }
            Work::OpenSession { peer, key, doc, id, whole } => {
                Done::SessionOpened { peer, doc, id, opening: on(e, |e| e.session_open(&key, &doc, whole)) }
            }
            Work::Receive { peer, key, msg, to } => {
                let round = (msg.space, msg.doc, msg.kind);
                let received = on(e, |e| Ok(e.sync_receive(&key, msg)));
                Done::Received { peer, round, to, received }
            }
            Work::Serve { peer, key, channel, doc } => {
                Done::Served { peer, channel, snapshot: on(e, |e| e.snapshot_for(&key, &doc)) }
            }
            Work::Install { peer, key, snap, to } => {
                let doc = snap.doc;
                Done::Installed { peer, doc, to, installed: on(e, |e| e.install_snapshot(&key, snap)) }
            }
            Work::PartnerInstalled { key, doc, heads_digest } => {
                if let Err(err) = on(e, |e| e.snapshot_installed(&key, &doc, &heads_digest)) {
                    tracing::debug!(error = %err, "shared heads not recorded");
                }
                Done::Nothing
            }
            Work::PresenceList { doc, present, reply } => {
                let result = on(e, |e| {
                    e.doc_meta(&doc)?;
                    present_json(e, &present)
                })
                .map(|present| NetAnswer::Presence(PresenceList { doc, present }));
                Done::Reply { reply, result }
            }
            Work::PresenceTargets { doc, only } => {
                let targets = on(e, |e| e.presence_targets(&doc));
                Done::Presence(PresenceDone::Targets { doc, only, targets })
            }
            Work::PresenceHeard { peer, key, msg } => {
                let allowed = on(e, |e| e.presence_allowed(&key, &msg.doc).map(|s| s.is_some()));
                Done::Presence(PresenceDone::Heard { peer, msg, allowed })
            }
            Work::BlobPlan { eager } => Done::Blob(BlobDone::Plan(on(e, |e| e.blob_plan(eager)))),
            Work::BlobServe { key, request, channel } => {
                Done::Blob(BlobDone::Served { channel, response: on(e, |e| e.blob_serve(&key, &request)) })
            }
            Work::BlobStore { peer, req, bytes } => {
                let stored = on(e, |e| e.blob_put(&req, &bytes));
                Done::Blob(BlobDone::Stored { peer, req, stored })
            }
            Work::SyncPanel { links, present, reply } => {
                let result = on(e, |e| super::status::report(e, links, present)).map(NetAnswer::SyncPanel);
                Done::Reply { reply, result }
            }
        }
    }

    /// Queues the work on the engine's network queue and waits for it: the [`Done`] of its
    /// run, or of its failure if the engine stopped first.
    pub(super) async fn run(self, engine: EngineHandle) -> Done {
        let (tx, rx) = oneshot::channel();
        let queued = Queued(Some((self, tx)));
        // Whatever becomes of the queued work, it answers on `tx` (see `Queued`).
        let _ = engine.call_network(move |e| queued.run(e)).await;
        rx.await.unwrap_or(Done::Nothing)
    }
}

/// Work on its way to the engine. Run, it answers with its [`Done`] (a panic inside the
/// engine's part fails the operation, see [`on`]); dropped unrun (the engine stopped, its queue
/// closed), it answers with its failure, so no reply channel it holds is dropped without a
/// word.
struct Queued(Option<(Work, oneshot::Sender<Done>)>);

impl Queued {
    fn run(mut self, e: &mut Engine) {
        if let Some((work, tx)) = self.0.take() {
            let _ = tx.send(work.finish(Some(e)));
        }
    }
}

impl Drop for Queued {
    fn drop(&mut self) {
        if let Some((work, tx)) = self.0.take() {
            let _ = tx.send(work.finish(None));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_dropped_before_the_engine_ran_it_answers_its_caller_with_shutdown() {
        let (reply, answer) = oneshot::channel();
        let (tx, mut done) = oneshot::channel();
        drop(Queued(Some((Work::PeerList { reply }, tx))));
        let Ok(Done::PeerList { reply, known }) = done.try_recv() else { panic!("no PeerList done") };
        assert!(matches!(known, Err(NodeError::Shutdown)), "{:?}", known.err());
        // The loop passes the failure on to the caller.
        let _ = reply.send(known.map(|_| NetAnswer::Peers(Vec::new())));
        let mut answer = answer;
        assert!(matches!(answer.try_recv(), Ok(Err(NodeError::Shutdown))));
    }

    #[test]
    fn a_panic_inside_an_operation_fails_it_and_the_engine_goes_on() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = twinmesh_protocol::keys::SecretKey::from_bytes([7; 32]);
        let mut engine = Engine::in_memory(&crate::identity::DataDir::new(dir.path()), "Ivrea", key, [1; 16])
            .expect("engine");
        let failed: Result<(), NodeError> = on(Some(&mut engine), |_| panic!("a bug"));
        assert!(matches!(failed, Err(NodeError::Internal(_))), "{failed:?}");
        // The engine goes on.
        assert!(on(Some(&mut engine), |e| e.spaces()).is_ok());
    }

    #[test]
    fn work_run_by_the_engine_answers_with_its_result() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = twinmesh_protocol::keys::SecretKey::from_bytes([7; 32]);
        let mut engine =
            Engine::in_memory(&crate::identity::DataDir::new(dir.path()), "Cluj-Napoca", key, [1; 16])
                .expect("engine");
        let space = engine.create_space("Cluj - Nantes").expect("space").id;
        let (tx, mut done) = oneshot::channel();
        Queued(Some((Work::Subscribe, tx))).run(&mut engine);
        let Ok(Done::Spaces(Ok(spaces))) = done.try_recv() else { panic!("no Spaces done") };
        assert_eq!(spaces, vec![space]);
    }
}
