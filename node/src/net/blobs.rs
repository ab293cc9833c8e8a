//! Attachments over the network: `/twinmesh/blob/1`, a request-response protocol (a file's
//! hash and a chunk index, or its chunk list, answered with the bytes), and the fetcher that
//! brings the files this node wants from the partners that hold them.
//!
//! Every step that touches the disk or the documents is an engine job (`Engine::blob_plan`,
//! `blob_serve`, `blob_put`); the loop only moves messages. Every [`BLOB_TICK`] the loop asks
//! the engine for its plan (which files to fetch, who may have them), then keeps at most
//! [`MAX_IN_FLIGHT`] requests out, spread over the partners that are members of the
//! document's space. A chunk is verified by the engine before it is kept; a wrong one counts
//! against the partner that sent it (as a refused frame) and is asked again, of another
//! partner if there is one. A transfer cut off resumes from the chunks held, since they are on
//! disk.

use super::answers::BlobStatus;
use super::work::Work;
use std::{
    collections::{BTreeSet, HashMap, HashSet},
    io,
    time::{Duration, Instant},
};

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::{
    PeerId, StreamProtocol,
    request_response::{self, OutboundRequestId, ResponseChannel},
};

use super::task::NetTask;
use crate::{
    engine::{BlobPart, BlobRequest, BlobResponse, Stored, Want},
    error::NodeError,
    event::NodeEvent,
    identity::key_of_peer,
    store::blobs::{Hash, MAX_CHUNK_SIZE, hex},
};

/// How often the loop asks the engine which files to fetch.
pub const BLOB_TICK: Duration = Duration::from_millis(500);
/// Most attachment requests this node has out at once.
pub const MAX_IN_FLIGHT: usize = 8;
/// How long a partner that did not have a part (or sent a wrong one) is not asked for that
/// file again, when another partner can be.
pub const AVOID_TIME: Duration = Duration::from_secs(2);
/// How long an attachment request may take.
pub const BLOB_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest request frame.
const MAX_REQUEST_BYTES: usize = 256;
/// Largest response frame: a chunk and its framing.
const MAX_RESPONSE_BYTES: usize = MAX_CHUNK_SIZE as usize + 1024;

/// The codec of `/twinmesh/blob/1`: one postcard frame each way, after a 4-byte big-endian
/// length, with hard size limits.
#[derive(Debug, Clone, Default)]
pub struct BlobCodec;

async fn read_frame<T: AsyncRead + Unpin + Send>(io: &mut T, max: usize) -> io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    io.read_exact(&mut len).await?;
    let len = u32::from_be_bytes(len) as usize;
    if len > max {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("attachment frame of {len} bytes")));
    }
    let mut buf = vec![0u8; len];
    io.read_exact(&mut buf).await?;
    Ok(buf)
}

async fn write_frame<T: AsyncWrite + Unpin + Send>(io: &mut T, bytes: &[u8]) -> io::Result<()> {
    io.write_all(&(bytes.len() as u32).to_be_bytes()).await?;
    io.write_all(bytes).await?;
    io.close().await
}

fn decode<T: for<'de> serde::Deserialize<'de>>(bytes: &[u8]) -> io::Result<T> {
    postcard::from_bytes(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))
}

fn encode<T: serde::Serialize>(v: &T) -> io::Result<Vec<u8>> {
    postcard::to_stdvec(v).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))
}

impl request_response::Codec for BlobCodec {
    type Protocol = StreamProtocol;
    type Request = BlobRequest;
    type Response = BlobResponse;

    async fn read_request<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<BlobRequest> {
        decode(&read_frame(io, MAX_REQUEST_BYTES).await?)
    }

    async fn read_response<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<BlobResponse> {
        decode(&read_frame(io, MAX_RESPONSE_BYTES).await?)
    }

    async fn write_request<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        req: BlobRequest,
    ) -> io::Result<()> {
        write_frame(io, &encode(&req)?).await
    }

    async fn write_response<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        res: BlobResponse,
    ) -> io::Result<()> {
        write_frame(io, &encode(&res)?).await
    }
}

/// A finished attachment job.
pub(super) enum BlobDone {
    /// The engine's plan.
    Plan(Result<Vec<Want>, NodeError>),
    /// The answer to a partner's request.
    Served { channel: ResponseChannel<BlobResponse>, response: Result<BlobResponse, NodeError> },
    /// A part that arrived from `peer`, stored or refused.
    Stored { peer: PeerId, req: BlobRequest, stored: Result<Stored, NodeError> },
}

/// One file being fetched.
#[derive(Debug)]
struct Fetch {
    want: Want,
    /// Parts not held and not asked for right now.
    todo: BTreeSet<BlobPart>,
    /// Parts asked for (or being stored).
    busy: HashSet<BlobPart>,
    /// Partners not to ask for this file until then.
    avoid: HashMap<PeerId, Instant>,
    next_peer: usize,
    /// The last whole percentage reported.
    reported: u64,
}

impl Fetch {
    fn new(want: Want) -> Self {
        let todo = if want.manifest {
            want.missing.iter().map(|&i| BlobPart::Chunk(i)).collect()
        } else {
            BTreeSet::from([BlobPart::Manifest])
        };
        Self { want, todo, busy: HashSet::new(), avoid: HashMap::new(), next_peer: 0, reported: u64::MAX }
    }
}

/// The fetcher's state in the network task.
#[derive(Debug, Default)]
pub(super) struct Fetcher {
    /// Fetch every attachment (else only those asked for).
    eager: bool,
    /// A plan job is in flight.
    planning: bool,
    files: HashMap<Hash, Fetch>,
    pending: HashMap<OutboundRequestId, (PeerId, BlobRequest)>,
    /// Chunks fetched and kept since the node started.
    fetched: u64,
    /// Chunks (or chunk lists) refused since the node started because they did not match.
    refused: u64,
    /// Files completed since the node started.
    completed: u64,
    /// The most bytes a second this node asks for (`twin start --attachment-rate`).
    rate: Option<u64>,
    /// Bytes that may be asked for now under `rate`, and when that was computed.
    budget: Option<(f64, Instant)>,
}

impl Fetcher {
    /// A fetcher that fetches every attachment (`eager`) or only those asked for, at most
    /// `rate` bytes a second.
    pub(super) fn new(eager: bool, rate: Option<u64>) -> Self {
        Self { eager, rate, ..Self::default() }
    }

    /// Takes `bytes` from the rate budget; false (nothing taken) if the budget is short.
    fn take(&mut self, bytes: u64, now: Instant) -> bool {
        let Some(rate) = self.rate else { return true };
        let rate = rate as f64;
        let (left, at) = self.budget.unwrap_or((rate, now));
        let left = (left + now.saturating_duration_since(at).as_secs_f64() * rate)
            .min((rate / 4.0).max(bytes as f64));
        if left < bytes as f64 {
            self.budget = Some((left, now));
            return false;
        }
        self.budget = Some((left - bytes as f64, now));
        true
    }
    /// For the network status.
    pub(super) fn status(&self) -> BlobStatus {
        BlobStatus {
            mode: if self.eager { "eager" } else { "on-demand" },
            fetching: self.files.len(),
            chunks_fetched: self.fetched,
            chunks_refused: self.refused,
            files_completed: self.completed,
            rate: self.rate,
        }
    }
}

impl NetTask {
    /// The timer: asks the engine for its plan, unless one is on its way.
    pub(super) fn blob_tick(&mut self) {
        self.blob_pump();
        if self.blobs.planning {
            return;
        }
        self.blobs.planning = true;
        let eager = self.blobs.eager;
        self.job(Work::BlobPlan { eager });
    }

    /// An event of the attachment protocol.
    pub(super) fn on_blob_event(&mut self, ev: request_response::Event<BlobRequest, BlobResponse>) {
        match ev {
            request_response::Event::Message { peer, message, .. } => match message {
                request_response::Message::Request { request, channel, .. } => {
                    let Some(key) = key_of_peer(&peer) else {
                        let _ =
                            self.swarm.behaviour_mut().blobs.send_response(channel, BlobResponse::Refused);
                        return;
                    };
                    self.job(Work::BlobServe { key, request, channel });
                }
                request_response::Message::Response { request_id, response } => {
                    let Some((peer, req)) = self.blobs.pending.remove(&request_id) else { return };
                    match response {
                        BlobResponse::Manifest(bytes) | BlobResponse::Chunk(bytes) => {
                            self.job(Work::BlobStore { peer, req, bytes });
                        }
                        BlobResponse::Missing | BlobResponse::Refused => {
                            self.blob_again(peer, &req);
                            self.blob_pump();
                        }
                    }
                }
            },
            request_response::Event::OutboundFailure { peer, request_id, error, .. } => {
                tracing::debug!(%peer, %error, "attachment request failed");
                if let Some((peer, req)) = self.blobs.pending.remove(&request_id) {
                    self.blob_again(peer, &req);
                }
                self.blob_pump();
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                tracing::debug!(%peer, %error, "attachment request from a partner failed");
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }

    /// `req` is to be asked again, and not of `peer` for a while.
    fn blob_again(&mut self, peer: PeerId, req: &BlobRequest) {
        if let Some(f) = self.blobs.files.get_mut(&req.file) {
            f.busy.remove(&req.part);
            f.todo.insert(req.part);
            f.avoid.insert(peer, Instant::now() + AVOID_TIME);
        }
    }

    /// A finished attachment job.
    pub(super) fn on_blob_done(&mut self, done: BlobDone) {
        match done {
            BlobDone::Plan(Ok(wants)) => {
                self.blobs.planning = false;
                let wanted: HashSet<Hash> = wants.iter().map(|w| w.file).collect();
                self.blobs.files.retain(|h, _| wanted.contains(h));
                for w in wants {
                    match self.blobs.files.get_mut(&w.file) {
                        Some(f) => f.want.peers = w.peers,
                        None => {
                            self.blobs.files.insert(w.file, Fetch::new(w));
                        }
                    }
                }
            }
            BlobDone::Plan(Err(e)) => {
                self.blobs.planning = false;
                tracing::debug!(error = %e, "no attachment plan");
            }
            BlobDone::Served { channel, response } => {
                let response = response.unwrap_or_else(|e| {
                    tracing::debug!(error = %e, "could not serve an attachment part");
                    BlobResponse::Missing
                });
                let _ = self.swarm.behaviour_mut().blobs.send_response(channel, response);
            }
            BlobDone::Stored { peer, req, stored } => self.blob_stored(peer, req, stored),
        }
        self.blob_pump();
    }

    fn blob_stored(&mut self, peer: PeerId, req: BlobRequest, stored: Result<Stored, NodeError>) {
        match stored {
            Ok(s) => {
                if matches!(req.part, BlobPart::Chunk(_)) {
                    self.blobs.fetched += 1;
                }
                let Some(f) = self.blobs.files.get_mut(&req.file) else { return };
                f.busy.remove(&req.part);
                if let Some(missing) = s.missing {
                    f.todo = missing.into_iter().map(BlobPart::Chunk).collect();
                    f.want.manifest = true;
                }
                f.want.held = s.held;
                let pct = s.held.saturating_mul(100).checked_div(f.want.size).unwrap_or(100);
                let (doc, file, total) = (req.doc, hex(&req.file), f.want.size);
                let report = s.complete || pct != f.reported;
                f.reported = pct;
                if s.complete {
                    self.blobs.files.remove(&req.file);
                    self.blobs.completed += 1;
                    tracing::info!(%file, bytes = total, "attachment fetched and verified");
                }
                if report {
                    let _ = self.events.send(NodeEvent::Transfer {
                        doc,
                        file,
                        done: if s.complete { total } else { s.held },
                        total,
                    });
                }
            }
            Err(NodeError::BadBlob(why)) => {
                self.blobs.refused += 1;
                tracing::warn!(%peer, %why, "a partner sent attachment bytes that do not match their hash; refused");
                self.blob_again(peer, &req);
                let ban = self.peers.refused_frame(peer, &format!("sent a wrong attachment part: {why}"));
                self.cut_off_if(ban, peer);
            }
            Err(e) => {
                tracing::debug!(error = %e, "attachment part not stored");
                self.blob_again(peer, &req);
            }
        }
    }

    /// Sends requests until [`MAX_IN_FLIGHT`] are out or nothing more can be asked.
    pub(super) fn blob_pump(&mut self) {
        let now = Instant::now();
        let connected: HashSet<PeerId> = self.peers.ids().into_iter().collect();
        let mut out = self.blobs.files.values().map(|f| f.busy.len()).sum::<usize>();
        let files: Vec<Hash> = self.blobs.files.keys().copied().collect();
        let mut progress = true;
        while out < MAX_IN_FLIGHT && progress {
            progress = false;
            for h in &files {
                if out >= MAX_IN_FLIGHT {
                    break;
                }
                let Some(f) = self.blobs.files.get_mut(h) else { continue };
                let Some(part) = f.todo.first().copied() else { continue };
                let usable: Vec<PeerId> =
                    f.want.peers.iter().filter(|p| connected.contains(p)).copied().collect();
                if usable.is_empty() {
                    continue;
                }
                // A partner not avoided for this file, in turn (the timer pumps again once
                // an avoidance is over).
                let fresh: Vec<PeerId> =
                    usable.iter().filter(|p| f.avoid.get(p).is_none_or(|t| *t <= now)).copied().collect();
                if fresh.is_empty() {
                    continue;
                }
                f.next_peer = f.next_peer.wrapping_add(1);
                let peer = fresh[f.next_peer % fresh.len()];
                let cost = match part {
                    BlobPart::Manifest => 0,
                    BlobPart::Chunk(_) => f.want.size.div_ceil(u64::from(f.want.chunks.max(1))),
                };
                if !self.blobs.take(cost, now) {
                    return;
                }
                let Some(f) = self.blobs.files.get_mut(h) else { continue };
                f.todo.remove(&part);
                f.busy.insert(part);
                let req = BlobRequest { doc: f.want.doc, file: *h, part };
                let id = self.swarm.behaviour_mut().blobs.send_request(&peer, req.clone());
                self.blobs.pending.insert(id, (peer, req));
                out += 1;
                progress = true;
            }
        }
    }
}
