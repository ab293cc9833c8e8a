//! HTTP edit bodies: a JSON request body as the API reads it (`http::parse_json`), and, when it
//! is a document edit or splice, applied to a real plan through the API's own dispatch (paths,
//! values and item ids are resolved there), on a node store in a temporary directory.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use twinmesh_node::{
    DataDir, Engine,
    api::{self, Envelope, Request},
    http::parse_json,
};
use twinmesh_protocol::{ids::DocId, schema::DocKind};

struct Fixture {
    _dir: tempfile::TempDir,
    engine: Engine,
    doc: DocId,
}

fn fixture() -> &'static Mutex<Fixture> {
    static F: OnceLock<Mutex<Fixture>> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = DataDir::new(dir.path());
        let mut engine = Engine::init(&data, "Saint-Pol-sur-Ternoise", "FR", false).expect("init");
        let space = engine.create_space("St-Pol – Warstein").expect("space").id;
        let doc = engine.create_doc(&space, DocKind::Plan, "CIRCLE60", None).expect("doc").id;
        Mutex::new(Fixture { _dir: dir, engine, doc })
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(env) = parse_json::<Envelope>(data) else { return };
    let mut f = fixture().lock().unwrap_or_else(|e| e.into_inner());
    let doc = f.doc;
    let request = match env.request {
        Request::DocEdit { edits, message, lang, .. } => Request::DocEdit { doc, edits, message, lang },
        Request::DocSplice { path, splices, message, .. } => Request::DocSplice { doc, path, splices, message },
        _ => return,
    };
    let _ = api::handle(&mut f.engine, Envelope { officer: env.officer, request });
});
