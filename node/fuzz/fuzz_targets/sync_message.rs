//! An Automerge sync message as a peer's round carries it: decoded, its Bloom filter and
//! signature count checked (`engine::sync::open_round`), then received into a document and
//! answered, as the engine does (the answer is where a bad Bloom filter would bite). The changes
//! are dropped first, as the engine drops every change it has not verified.
#![no_main]

use automerge::{
    Automerge,
    sync::{ChunkList, State, SyncDoc},
};
use libfuzzer_sys::fuzz_target;
use twinmesh_node::engine::sync::open_round;
use twinmesh_protocol::{ids::DocId, wire::ChunkSignatures};

fuzz_target!(|data: &[u8]| {
    let doc = DocId::from_bytes([1; 16]);
    for sigs in [ChunkSignatures::Hashed(vec![]), ChunkSignatures::InOrder(vec![]), ChunkSignatures::Indexed(vec![])] {
        if let Ok(Some(mut m)) = open_round(&doc, Some(data), &sigs) {
            m.changes = ChunkList::from(Vec::<Vec<u8>>::new());
            let mut am = Automerge::new();
            let mut state = State::new();
            if am.receive_sync_message(&mut state, m).is_ok() {
                let _ = am.generate_sync_message(&mut state);
            }
        }
    }
});
