//! Sync-protocol frames as the codec reads them from a stream, on every protocol version, as
//! requests and as responses, compressed (deflate) or not.
//!
//! Input: one selector byte, then the body. Selector bits 0-1 and 4: the version (1 to 5); bit 2:
//! response instead of request; bit 3: the body is the raw stream (length prefix included)
//! instead of one well-framed body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use libp2p::{StreamProtocol, request_response::Codec};
use twinmesh_node::net::{Inbound, SyncCodec};
use twinmesh_protocol::wire::Version;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else { return };
    let version = Version::ALL[usize::from((sel & 3) | ((sel >> 2) & 4)) % Version::ALL.len()];
    let protocol = StreamProtocol::new(version.protocol());
    let stream = if sel & 8 != 0 {
        body.to_vec()
    } else {
        let mut s = (body.len() as u32).to_be_bytes().to_vec();
        s.extend_from_slice(body);
        s
    };
    let mut io = futures::io::Cursor::new(stream);
    futures::executor::block_on(async {
        if sel & 4 == 0 {
            if let Ok(req @ Inbound::Request(_)) = SyncCodec.read_request(&protocol, &mut io).await {
                // What was read can be written back on the same version.
                let mut out = futures::io::Cursor::new(Vec::new());
                let _ = SyncCodec.write_request(&protocol, &mut out, req).await;
            }
        } else if let Ok(res) = SyncCodec.read_response(&protocol, &mut io).await {
            let mut out = futures::io::Cursor::new(Vec::new());
            let _ = SyncCodec.write_response(&protocol, &mut out, res).await;
        }
    });
});
