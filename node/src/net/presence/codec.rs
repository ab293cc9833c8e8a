//! The presence protocol's codec: one [`Presence`] message each way and a one-byte
//! acknowledgement.

use std::io;

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::{StreamProtocol, request_response};
use twinmesh_protocol::presence::{MAX_PRESENCE_BYTES, Presence};

/// The byte that acknowledges a presence message (a stream closed without it is a failure).
const ACK: u8 = 1;

/// The presence protocol's codec: one message each way, the request a [`Presence`] of at most
/// [`MAX_PRESENCE_BYTES`] (read no further), the answer one byte, `ACK`.
#[derive(Debug, Clone, Copy, Default)]
pub struct PresenceCodec;

impl request_response::Codec for PresenceCodec {
    type Protocol = StreamProtocol;
    type Request = Presence;
    type Response = ();

    async fn read_request<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<Presence> {
        let mut buf = Vec::new();
        io.take(MAX_PRESENCE_BYTES as u64 + 1).read_to_end(&mut buf).await?;
        Presence::decode(&buf).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    async fn read_response<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<()> {
        let mut buf = Vec::new();
        io.take(16).read_to_end(&mut buf).await?;
        if buf != [ACK] {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "no presence acknowledgement"));
        }
        Ok(())
    }

    async fn write_request<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        req: Presence,
    ) -> io::Result<()> {
        io.write_all(&req.encode()).await?;
        io.close().await
    }

    async fn write_response<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        (): (),
    ) -> io::Result<()> {
        io.write_all(&[ACK]).await?;
        io.close().await
    }
}
