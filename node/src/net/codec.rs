//! Length-prefixed postcard frames for the sync protocol, with a hard size limit.

use std::{
    io,
    sync::atomic::{AtomicU64, Ordering},
};

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::StreamProtocol;
use twinmesh_protocol::wire::{self, MAX_MESSAGE_BYTES, Request, Response};

static FRAMES: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);
static SYNC_BYTES: AtomicU64 = AtomicU64::new(0);
static LAST_WRITE_NS: AtomicU64 = AtomicU64::new(0);

/// Frames of the sync protocol (versions 1 and 2) written by every node in this process since it started, for
/// benchmarks and diagnostics. Counts the 4-byte length prefix; not the Noise/Yamux framing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WireStats {
    /// Frames written (requests and responses).
    pub frames: u64,
    /// Bytes of all frames.
    pub bytes: u64,
    /// Bytes of frames carrying document data (`Sync`, `Fetch`, `Snapshot`, `Installed`).
    pub sync_bytes: u64,
    /// When the last frame was written, in nanoseconds since the Unix epoch.
    pub last_write_ns: u64,
}

/// The counters so far.
pub fn wire_stats() -> WireStats {
    WireStats {
        frames: FRAMES.load(Ordering::Relaxed),
        bytes: BYTES.load(Ordering::Relaxed),
        sync_bytes: SYNC_BYTES.load(Ordering::Relaxed),
        last_write_ns: LAST_WRITE_NS.load(Ordering::Relaxed),
    }
}

fn count(len: usize, is_sync: bool) {
    let len = len as u64 + 4;
    FRAMES.fetch_add(1, Ordering::Relaxed);
    BYTES.fetch_add(len, Ordering::Relaxed);
    if is_sync {
        SYNC_BYTES.fetch_add(len, Ordering::Relaxed);
    }
    let ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    LAST_WRITE_NS.fetch_max(ns, Ordering::Relaxed);
}

/// The request-response codec of `/twinmesh/sync/2` and `/twinmesh/sync/1`.
#[derive(Debug, Clone, Default)]
pub struct SyncCodec;

async fn read_frame<T: AsyncRead + Unpin + Send>(io: &mut T) -> io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    io.read_exact(&mut len).await?;
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_MESSAGE_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame of {len} bytes is over the {MAX_MESSAGE_BYTES}-byte limit"),
        ));
    }
    let mut buf = vec![0u8; len];
    io.read_exact(&mut buf).await?;
    Ok(buf)
}

async fn write_frame<T: AsyncWrite + Unpin + Send>(
    io: &mut T,
    body: Vec<u8>,
    is_sync: bool,
) -> io::Result<()> {
    if body.len() > MAX_MESSAGE_BYTES {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "message over the size limit"));
    }
    io.write_all(&(body.len() as u32).to_be_bytes()).await?;
    io.write_all(&body).await?;
    count(body.len(), is_sync);
    io.close().await
}

fn invalid(e: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

fn is_v1(protocol: &StreamProtocol) -> bool {
    protocol.as_ref() == wire::SYNC_PROTOCOL_V1
}

/// A message that `/twinmesh/sync/1` does not have. Writing it on a stream negotiated as version
/// 1 fails before anything is sent: the sender sees an outbound failure and falls back to a
/// version 1 sync session. Reading it on such a stream is a protocol error.
fn not_in_v1() -> io::Error {
    io::Error::new(io::ErrorKind::Unsupported, format!("message not part of {}", wire::SYNC_PROTOCOL_V1))
}

impl libp2p::request_response::Codec for SyncCodec {
    type Protocol = StreamProtocol;
    type Request = Request;
    type Response = Response;

    async fn read_request<T: AsyncRead + Unpin + Send>(
        &mut self,
        protocol: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<Request> {
        let req: Request = wire::decode(&read_frame(io).await?).map_err(invalid)?;
        if is_v1(protocol) && !wire::is_v1_request(&req) {
            return Err(not_in_v1());
        }
        Ok(req)
    }

    async fn read_response<T: AsyncRead + Unpin + Send>(
        &mut self,
        protocol: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<Response> {
        let res: Response = wire::decode(&read_frame(io).await?).map_err(invalid)?;
        if is_v1(protocol) && !wire::is_v1_response(&res) {
            return Err(not_in_v1());
        }
        Ok(res)
    }

    async fn write_request<T: AsyncWrite + Unpin + Send>(
        &mut self,
        protocol: &StreamProtocol,
        io: &mut T,
        req: Request,
    ) -> io::Result<()> {
        if is_v1(protocol) && !wire::is_v1_request(&req) {
            return Err(not_in_v1());
        }
        let is_sync = matches!(req, Request::Sync(_) | Request::Fetch { .. } | Request::Snapshot(_));
        write_frame(io, wire::encode(&req), is_sync).await
    }

    async fn write_response<T: AsyncWrite + Unpin + Send>(
        &mut self,
        protocol: &StreamProtocol,
        io: &mut T,
        res: Response,
    ) -> io::Result<()> {
        // A version 1 peer cannot have asked for a version 2 answer; refuse rather than send
        // something it cannot decode.
        if is_v1(protocol) && !wire::is_v1_response(&res) {
            return Err(not_in_v1());
        }
        let is_sync = matches!(res, Response::Sync(_) | Response::Snapshot(_) | Response::Installed { .. });
        write_frame(io, wire::encode(&res), is_sync).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn oversized_frames_are_refused_before_reading() {
        let mut bytes = ((MAX_MESSAGE_BYTES + 1) as u32).to_be_bytes().to_vec();
        bytes.extend([0u8; 16]);
        let mut io = futures::io::Cursor::new(bytes);
        let err = read_frame(&mut io).await.expect_err("too large");
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    #[tokio::test]
    async fn version_2_messages_never_cross_a_version_1_stream() {
        use libp2p::request_response::Codec;
        let v1 = StreamProtocol::new(wire::SYNC_PROTOCOL_V1);
        let v2 = StreamProtocol::new(wire::SYNC_PROTOCOL);
        let fetch = Request::Fetch {
            space: twinmesh_protocol::ids::SpaceId::from_bytes([1; 32]),
            doc: twinmesh_protocol::ids::DocId::from_bytes([2; 16]),
        };
        let mut out = futures::io::Cursor::new(Vec::new());
        let err = SyncCodec.write_request(&v1, &mut out, fetch.clone()).await.expect_err("v1");
        assert_eq!(err.kind(), io::ErrorKind::Unsupported);
        assert!(out.get_ref().is_empty(), "nothing written");
        SyncCodec.write_request(&v2, &mut out, fetch).await.expect("v2 write");
        let bytes = out.into_inner();
        let mut input = futures::io::Cursor::new(bytes.clone());
        assert!(matches!(SyncCodec.read_request(&v2, &mut input).await, Ok(Request::Fetch { .. })));
        let mut input = futures::io::Cursor::new(bytes);
        assert!(SyncCodec.read_request(&v1, &mut input).await.is_err());
    }

    #[tokio::test]
    async fn truncated_frames_fail() {
        let mut io = futures::io::Cursor::new(vec![0, 0, 0, 10, 1, 2]);
        assert!(read_frame(&mut io).await.is_err());
    }
}
