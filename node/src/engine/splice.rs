//! Raw text splices, committed as one signed change: the path for editors that send
//! keystroke-level operations (and for replaying editing traces in the benchmarks).

use automerge::{
    ObjType, ReadDoc, Value,
    transaction::{CommitOptions, Transactable},
};
use twinmesh_protocol::{
    ids::DocId,
    schema::{self, FieldType, Path},
};

use super::{
    EditOutcome, Engine,
    edit::{am, message, object_at, split_last},
    now,
};
use crate::error::NodeError;

impl Engine {
    /// Applies `ops` — `(position, characters to delete, text to insert)`, positions in Unicode
    /// code points — to the text field `path` of a document in one transaction, and commits,
    /// signs and persists them as one change exactly as [`Engine::edit`] does.
    ///
    /// Nothing is applied if any splice is out of range: the transaction is rolled back.
    pub fn splice_text(
        &mut self,
        id: &DocId,
        path: &Path,
        ops: &[(usize, isize, &str)],
        officer: Option<&str>,
        message_text: Option<&str>,
    ) -> Result<EditOutcome, NodeError> {
        let meta = self.doc_meta(id)?;
        // As for every other edit: a viewer or a town that left may not write. Without this
        // check a viewer's splice applied here and was refused by every partner, and its
        // document stayed apart from theirs for good (the sync simulator found it).
        self.check_can_write(&meta.space)?;
        let kind = meta.kind;
        if schema::resolve(kind, path)?.ty != FieldType::Text {
            return Err(NodeError::InvalidInput(format!("'{path}' is not a text field")));
        }
        let (parent, key) = split_last(path)?;
        let doc = self.load(id)?;
        let mut tx = doc.transaction();
        let result: Result<(), NodeError> = (|| {
            let obj = object_at(&mut tx, kind, parent)?;
            let text = match tx.get(&obj, key).map_err(am)? {
                Some((Value::Object(ObjType::Text), t)) => t,
                _ => tx.put_object(&obj, key, ObjType::Text).map_err(am)?,
            };
            for (pos, del, ins) in ops {
                // Automerge checks the range; asking for the length first would cost a query per splice.
                tx.splice_text(&text, *pos, *del, ins).map_err(|e| {
                    NodeError::InvalidInput(format!("splice at {pos} deleting {del} in '{path}': {e}"))
                })?;
            }
            Ok(())
        })();
        if let Err(e) = result {
            tx.rollback();
            return Err(e);
        }
        let summary = match message_text.map(str::trim).filter(|m| !m.is_empty()) {
            Some(m) => m.to_string(),
            None => format!("edited {path}"),
        };
        let msg = message(&summary, officer);
        let (hash, _) =
            tx.commit_with(CommitOptions::default().with_message(msg).with_time(now().as_millis()));
        self.sign_and_persist(id, meta, hash, summary, None)
    }
}
