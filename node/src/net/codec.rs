//! Length-prefixed postcard frames for the sync protocol, with a hard size limit.
//!
//! The codec knows the negotiated protocol, so this is where a message takes the form of its
//! version: [`Request::to_wire`] / [`Request::from_wire`] put a round's signatures in the
//! version's form (pairs with change hashes up to version 3, signatures alone on version 4), and
//! version 3 and later frames are tagged and may be compressed.

use std::{
    io,
    sync::atomic::{AtomicU64, Ordering},
};

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::StreamProtocol;
use twinmesh_protocol::wire::{self, MAX_MESSAGE_BYTES, Request, Response, Version};

static FRAMES: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);
static SYNC_BYTES: AtomicU64 = AtomicU64::new(0);
static LAST_WRITE_NS: AtomicU64 = AtomicU64::new(0);

/// Frames of the sync protocol (all versions; compressed sizes on versions 3 and 4) written by every node in this process since it started, for
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

/// The request-response codec of `/twinmesh/sync/4`, `/3`, `/2` and `/1`.
#[derive(Debug, Clone, Default)]
pub struct SyncCodec;

/// What the codec reads from a request stream: a request, or why its frame was refused.
///
/// A refused frame (oversized, truncated, a deflate bomb, an unknown encoding, undecodable)
/// reaches the network task as an inbound message, with the peer that sent it, so the peer is
/// logged and counted towards a ban: libp2p reports a failed inbound read to nobody.
#[derive(Debug, Clone)]
#[allow(
    clippy::large_enum_variant,
    reason = "a request is read and moved on as it is, boxing would only add an allocation"
)]
pub enum Inbound {
    /// A request that decoded.
    Request(Request),
    /// A frame this node refused, and why. Never sent (writing it fails).
    Refused(String),
}

impl From<Request> for Inbound {
    fn from(r: Request) -> Self {
        Inbound::Request(r)
    }
}

/// Whether `e`, from reading a frame, means the peer sent a frame this node refuses (oversized,
/// truncated, a deflate bomb, an unknown encoding, undecodable): every such error is
/// `InvalidData`. A stream that ends before its first byte is not one (`UnexpectedEof`): an
/// honest node whose write failed before sending anything closes the stream that way.
pub(crate) fn is_refused_frame(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::InvalidData
}

/// Reads into `buf` until it is full or the stream ends; returns the bytes read.
async fn read_up_to<T: AsyncRead + Unpin + Send>(io: &mut T, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match io.read(&mut buf[filled..]).await {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

async fn read_frame<T: AsyncRead + Unpin + Send>(io: &mut T) -> io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    match read_up_to(io, &mut len).await? {
        0 => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "stream closed before a frame")),
        4 => {}
        n => return Err(invalid(format!("truncated frame: {n} of the 4 length bytes"))),
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_MESSAGE_BYTES {
        return Err(invalid(format!("frame of {len} bytes is over the {MAX_MESSAGE_BYTES}-byte limit")));
    }
    let mut buf = vec![0u8; len];
    let got = read_up_to(io, &mut buf).await?;
    if got < len {
        return Err(invalid(format!("truncated frame: {got} of {len} bytes")));
    }
    Ok(buf)
}

/// Version 3 and 4 bodies at least this long are compressed (when that makes them smaller).
const COMPRESS_FROM: usize = 512;

/// The body of a version 3 or 4 frame for `encoded`: tagged, and compressed when that pays.
fn v3_body(encoded: Vec<u8>) -> Vec<u8> {
    if encoded.len() >= COMPRESS_FROM {
        let mut z =
            flate2::write::DeflateEncoder::new(vec![wire::FRAME_DEFLATE], flate2::Compression::default());
        if std::io::Write::write_all(&mut z, &encoded).is_ok()
            && let Ok(packed) = z.finish()
            && packed.len() < encoded.len()
        {
            return packed;
        }
    }
    let mut body = Vec::with_capacity(encoded.len() + 1);
    body.push(wire::FRAME_PLAIN);
    body.extend_from_slice(&encoded);
    body
}

/// How much larger than its compressed form a frame may inflate, beyond [`INFLATE_ALLOWANCE`].
/// Sync data deflates by 2-3x (change chunks) or not at all (saved documents are compressed
/// already); a frame of zeros deflates by about 1,000x.
const MAX_INFLATE_RATIO: usize = 32;

/// What any compressed frame may inflate to regardless of its size.
const INFLATE_ALLOWANCE: usize = 1 << 20;

/// The postcard encoding inside a version 3 or 4 frame's `body`. A compressed body is inflated at
/// most to [`MAX_MESSAGE_BYTES`], and to [`MAX_INFLATE_RATIO`] times its own size (plus
/// [`INFLATE_ALLOWANCE`]): a peer cannot make this node allocate more than an uncompressed frame
/// could, nor much more than the bytes it actually sent.
fn v3_open(body: &[u8]) -> io::Result<Vec<u8>> {
    match body.split_first() {
        Some((&wire::FRAME_PLAIN, rest)) => Ok(rest.to_vec()),
        Some((&wire::FRAME_DEFLATE, rest)) => {
            let limit =
                MAX_MESSAGE_BYTES.min(rest.len().saturating_mul(MAX_INFLATE_RATIO) + INFLATE_ALLOWANCE);
            let mut out = Vec::new();
            std::io::Read::read_to_end(
                &mut std::io::Read::take(flate2::read::DeflateDecoder::new(rest), limit as u64 + 1),
                &mut out,
            )
            .map_err(|e| invalid(format!("compressed frame does not inflate: {e}")))?;
            if out.len() > limit {
                return Err(invalid(format!(
                    "compressed frame of {} bytes inflates beyond {limit} bytes",
                    rest.len()
                )));
            }
            Ok(out)
        }
        Some((tag, _)) => Err(invalid(format!("unknown frame encoding {tag}"))),
        None => Err(invalid("empty frame".into())),
    }
}

/// Reads one frame of `version` and returns the postcard encoding it carries.
async fn read_message<T: AsyncRead + Unpin + Send>(version: Version, io: &mut T) -> io::Result<Vec<u8>> {
    let frame = read_frame(io).await?;
    if version.tagged_frames() { v3_open(&frame) } else { Ok(frame) }
}

/// Writes `encoded` as one frame of `version`.
async fn write_message<T: AsyncWrite + Unpin + Send>(
    version: Version,
    io: &mut T,
    encoded: Vec<u8>,
    is_sync: bool,
) -> io::Result<()> {
    let body = if version.tagged_frames() { v3_body(encoded) } else { encoded };
    write_frame(io, body, is_sync).await
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

/// The version of a negotiated stream (only the names the behaviour offers are negotiated).
fn version(protocol: &StreamProtocol) -> io::Result<Version> {
    Version::from_protocol(protocol.as_ref())
        .ok_or_else(|| io::Error::new(io::ErrorKind::Unsupported, format!("unknown protocol {protocol}")))
}

/// A message that cannot be written on the stream's version: it fails before anything is sent.
fn not_sendable(e: wire::NotSendable) -> io::Error {
    io::Error::new(io::ErrorKind::Unsupported, e.to_string())
}

/// A message that `/twinmesh/sync/1` does not have. Writing it on a stream negotiated as version
/// 1 fails before anything is sent: the sender sees an outbound failure and falls back to a
/// version 1 sync session. Reading it on such a stream is a protocol error.
fn not_in_v1() -> io::Error {
    io::Error::new(io::ErrorKind::Unsupported, format!("message not part of {}", wire::SYNC_PROTOCOL_V1))
}

/// Reads one request of the stream's version; a frame this node refuses is an `InvalidData`
/// error ([`is_refused_frame`]).
async fn read_request<T: AsyncRead + Unpin + Send>(
    protocol: &StreamProtocol,
    io: &mut T,
) -> io::Result<Request> {
    let version = version(protocol)?;
    let req = Request::from_wire(&read_message(version, io).await?, version).map_err(invalid)?;
    if version == Version::V1 && !wire::is_v1_request(&req) {
        return Err(invalid(not_in_v1().to_string()));
    }
    Ok(req)
}

impl libp2p::request_response::Codec for SyncCodec {
    type Protocol = StreamProtocol;
    type Request = Inbound;
    type Response = Response;

    async fn read_request<T: AsyncRead + Unpin + Send>(
        &mut self,
        protocol: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<Inbound> {
        match read_request(protocol, io).await {
            Ok(req) => Ok(Inbound::Request(req)),
            Err(e) if is_refused_frame(&e) => Ok(Inbound::Refused(e.to_string())),
            Err(e) => Err(e),
        }
    }

    async fn read_response<T: AsyncRead + Unpin + Send>(
        &mut self,
        protocol: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<Response> {
        let version = version(protocol)?;
        let res = Response::from_wire(&read_message(version, io).await?, version).map_err(invalid)?;
        if version == Version::V1 && !wire::is_v1_response(&res) {
            return Err(invalid(not_in_v1().to_string()));
        }
        Ok(res)
    }

    async fn write_request<T: AsyncWrite + Unpin + Send>(
        &mut self,
        protocol: &StreamProtocol,
        io: &mut T,
        req: Inbound,
    ) -> io::Result<()> {
        let Inbound::Request(req) = req else {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "a refused frame is never sent"));
        };
        let version = version(protocol)?;
        if version == Version::V1 && !wire::is_v1_request(&req) {
            return Err(not_in_v1());
        }
        let is_sync = matches!(req, Request::Sync(_) | Request::Fetch { .. } | Request::Snapshot(_));
        let encoded = req.to_wire(version).map_err(not_sendable)?;
        write_message(version, io, encoded, is_sync).await
    }

    async fn write_response<T: AsyncWrite + Unpin + Send>(
        &mut self,
        protocol: &StreamProtocol,
        io: &mut T,
        res: Response,
    ) -> io::Result<()> {
        // A version 1 peer cannot have asked for a version 2 answer; refuse rather than send
        // something it cannot decode.
        let version = version(protocol)?;
        if version == Version::V1 && !wire::is_v1_response(&res) {
            return Err(not_in_v1());
        }
        let is_sync = matches!(res, Response::Sync(_) | Response::Snapshot(_) | Response::Installed { .. });
        let encoded = res.to_wire(version).map_err(not_sendable)?;
        write_message(version, io, encoded, is_sync).await
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
        let v2 = StreamProtocol::new(wire::SYNC_PROTOCOL_V2);
        let fetch = Request::Fetch {
            space: twinmesh_protocol::ids::SpaceId::from_bytes([1; 32]),
            doc: twinmesh_protocol::ids::DocId::from_bytes([2; 16]),
        };
        let mut out = futures::io::Cursor::new(Vec::new());
        let err = SyncCodec.write_request(&v1, &mut out, fetch.clone().into()).await.expect_err("v1");
        assert_eq!(err.kind(), io::ErrorKind::Unsupported);
        assert!(out.get_ref().is_empty(), "nothing written");
        SyncCodec.write_request(&v2, &mut out, fetch.into()).await.expect("v2 write");
        let bytes = out.into_inner();
        let mut input = futures::io::Cursor::new(bytes.clone());
        assert!(matches!(read_request(&v2, &mut input).await, Ok(Request::Fetch { .. })));
        let mut input = futures::io::Cursor::new(bytes.clone());
        assert!(read_request(&v1, &mut input).await.is_err());
        // Through the codec, the refused frame reaches the network task with its reason.
        let mut input = futures::io::Cursor::new(bytes);
        let read = SyncCodec.read_request(&v1, &mut input).await;
        assert!(matches!(&read, Ok(Inbound::Refused(why)) if why.contains("not part of")), "{read:?}");
    }

    fn sync_request(message_len: usize, signatures: wire::ChunkSignatures) -> Request {
        Request::Sync(sync_round(message_len, signatures))
    }

    fn sync_round(message_len: usize, signatures: wire::ChunkSignatures) -> wire::DocSync {
        wire::DocSync {
            space: twinmesh_protocol::ids::SpaceId::from_bytes([1; 32]),
            doc: twinmesh_protocol::ids::DocId::from_bytes([2; 16]),
            kind: twinmesh_protocol::schema::DocKind::Plan,
            // Change chunks repeat a lot (actor ids, messages, column layouts).
            message: Some(b"edited summary\n\nOfficer: M. Dupont ".repeat(message_len / 36)),
            signatures,
        }
    }

    #[tokio::test]
    async fn versions_3_and_4_compress_large_frames_and_read_them_back() {
        use libp2p::request_response::Codec;
        let v2 = StreamProtocol::new(wire::SYNC_PROTOCOL_V2);
        for (version, name) in [
            (Version::V3, wire::SYNC_PROTOCOL_V3),
            (Version::V4, wire::SYNC_PROTOCOL_V4),
            (Version::V5, wire::SYNC_PROTOCOL),
        ] {
            let tagged = StreamProtocol::new(name);
            for len in [0, 40_000] {
                let req = sync_request(len, wire::ChunkSignatures::default());
                let mut plain = futures::io::Cursor::new(Vec::new());
                SyncCodec.write_request(&v2, &mut plain, req.clone().into()).await.expect("v2 write");
                let mut packed = futures::io::Cursor::new(Vec::new());
                SyncCodec
                    .write_request(&tagged, &mut packed, req.clone().into())
                    .await
                    .expect("tagged write");
                let (plain, packed) = (plain.into_inner(), packed.into_inner());
                if len == 0 {
                    assert_eq!(packed[4], wire::FRAME_PLAIN, "a small frame is sent as it is");
                    assert_eq!(packed.len(), plain.len() + 1);
                } else {
                    assert_eq!(packed[4], wire::FRAME_DEFLATE);
                    assert!(packed.len() * 10 < plain.len(), "{} vs {}", packed.len(), plain.len());
                }
                let back = read_request(&tagged, &mut futures::io::Cursor::new(packed)).await.expect("read");
                assert_eq!(
                    back.to_wire(version).expect("encodes"),
                    req.to_wire(version).expect("encodes"),
                    "{name}"
                );
            }
        }
    }

    #[tokio::test]
    async fn version_4_carries_a_rounds_signatures_without_their_hashes() {
        use libp2p::request_response::Codec;
        let key = twinmesh_protocol::keys::SecretKey::from_bytes([3; 32]);
        let pairs: Vec<_> = (0..3u8).map(|i| ([i; 32], key.sign(&[i]))).collect();
        let sigs: Vec<_> = pairs.iter().map(|(_, s)| *s).collect();
        let req = sync_request(0, wire::ChunkSignatures::Hashed(pairs.clone()));
        let mut sizes = Vec::new();
        for (name, expect) in [
            (wire::SYNC_PROTOCOL_V4, wire::ChunkSignatures::InOrder(sigs.clone())),
            (wire::SYNC_PROTOCOL_V3, wire::ChunkSignatures::Hashed(pairs.clone())),
        ] {
            let p = StreamProtocol::new(name);
            let mut out = futures::io::Cursor::new(Vec::new());
            SyncCodec.write_request(&p, &mut out, req.clone().into()).await.expect("write");
            let bytes = out.into_inner();
            sizes.push(bytes.len());
            let back = read_request(&p, &mut futures::io::Cursor::new(bytes)).await.expect("read");
            match back {
                Request::Sync(d) => assert_eq!(d.signatures, expect, "{name}"),
                other => panic!("{name}: {other:?}"),
            }
        }
        assert_eq!(sizes[0] + 3 * 32, sizes[1], "version 4 saves 32 bytes per change");

        // A round read on version 4 has no hashes: it cannot go out on version 3 (it never does:
        // a node sends rounds it builds itself), and nothing is written.
        let read = Response::Sync(sync_round(0, wire::ChunkSignatures::InOrder(sigs)));
        let mut out = futures::io::Cursor::new(Vec::new());
        let v3 = StreamProtocol::new(wire::SYNC_PROTOCOL_V3);
        let err = SyncCodec.write_response(&v3, &mut out, read).await.expect_err("no hashes");
        assert_eq!(err.kind(), io::ErrorKind::Unsupported);
        assert!(out.get_ref().is_empty(), "nothing written");
    }

    #[tokio::test]
    async fn a_frame_that_inflates_beyond_the_limit_or_has_an_unknown_tag_is_refused() {
        let frame = |body: Vec<u8>| {
            let mut f = (body.len() as u32).to_be_bytes().to_vec();
            f.extend(body);
            futures::io::Cursor::new(f)
        };
        let deflated = |len: usize| {
            let mut z =
                flate2::write::DeflateEncoder::new(vec![wire::FRAME_DEFLATE], flate2::Compression::best());
            std::io::Write::write_all(&mut z, &vec![0u8; len]).expect("deflate");
            z.finish().expect("deflate")
        };
        for name in [wire::SYNC_PROTOCOL_V3, wire::SYNC_PROTOCOL_V4, wire::SYNC_PROTOCOL] {
            let tagged = StreamProtocol::new(name);
            // A few kilobytes that inflate beyond the frame limit, and a few that inflate to
            // 8 MiB: both far beyond what their size allows.
            for len in [MAX_MESSAGE_BYTES + 1000, 8 << 20] {
                let bomb = deflated(len);
                assert!(bomb.len() < 128 * 1024);
                let err = read_request(&tagged, &mut frame(bomb)).await.expect_err("bomb");
                assert_eq!(err.kind(), io::ErrorKind::InvalidData);
                assert!(err.to_string().contains("inflates beyond"), "{name}: {err}");
            }
            for body in [vec![7u8, 1, 2, 3], vec![wire::FRAME_DEFLATE, 0xff, 0xff], vec![]] {
                let err = read_request(&tagged, &mut frame(body)).await.expect_err("refused");
                assert_eq!(err.kind(), io::ErrorKind::InvalidData);
            }
        }
    }

    #[tokio::test]
    async fn truncated_frames_are_refused_and_an_empty_stream_is_not() {
        for bytes in [vec![0, 0, 0, 10, 1, 2], vec![0, 0]] {
            let err = read_frame(&mut futures::io::Cursor::new(bytes)).await.expect_err("truncated");
            assert!(is_refused_frame(&err), "{err}");
            assert!(err.to_string().contains("truncated"), "{err}");
        }
        let err = read_frame(&mut futures::io::Cursor::new(vec![])).await.expect_err("empty");
        assert!(!is_refused_frame(&err), "{err}");
    }
}
