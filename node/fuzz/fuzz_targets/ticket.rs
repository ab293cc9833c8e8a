//! Invitation tickets (`twin join <ticket>`, `POST /join`), as text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twinmesh_node::engine::Ticket;
use twinmesh_protocol::time::Timestamp;

fuzz_target!(|data: &[u8]| {
    let _ = Ticket::decode(&String::from_utf8_lossy(data), Timestamp(0));
});
