//! The API's attachment requests (`api::Request::DocAttach` and its siblings), answered with
//! the engine.

use serde_json::{Value, json};
use twinmesh_protocol::ids::SpaceId;

use crate::{
    api::{Request, to_json},
    engine::{AttachOptions, Engine},
    error::NodeError,
};

/// Answers one attachment request.
pub(crate) fn handle(engine: &mut Engine, r: Request, officer: Option<&str>) -> Result<Value, NodeError> {
    match r {
        Request::DocAttach { doc, path, name, media_type, caption } => {
            let opts = AttachOptions { name, media_type, caption };
            to_json(&engine.attach(&doc, std::path::Path::new(&path), &opts, officer, &mut |_, _| {})?)
        }
        Request::DocAttachments { doc } => to_json(&engine.attachments(&doc)?),
        Request::DocAttachmentGet { doc, id } => {
            let info = engine.attachment(&doc, &id)?;
            let mut v = to_json(&info)?;
            if let Ok((_, path)) = engine.attachment_file(&doc, &id) {
                v["path"] = json!(path.display().to_string());
            }
            Ok(v)
        }
        Request::DocAttachmentFetch { doc, id } => to_json(&engine.want_attachment(&doc, &id)?),
        Request::DocAttachmentRemove { doc, id, reason } => {
            to_json(&engine.remove_attachment(&doc, &id, &reason, officer)?)
        }
        Request::SpaceStorage { space, cap } => match cap {
            Some(0) => to_json(&engine.set_space_cap(&space, None)?),
            Some(c) => to_json(&engine.set_space_cap(&space, Some(c))?),
            None => to_json(&engine.space_usage(&space)?),
        },
        _ => Err(NodeError::Internal("not an attachment request".into())),
    }
}

/// Adds to each space of a space list (`[{id, ...}]`) what its attachments take here.
pub(crate) fn add_usage(engine: &mut Engine, list: &mut Value) -> Result<(), NodeError> {
    let Some(items) = list.as_array_mut() else { return Ok(()) };
    for item in items {
        let Some(id) = item["id"].as_str().and_then(|s| s.parse::<SpaceId>().ok()) else { continue };
        let u = engine.space_usage(&id)?;
        item["attachments"] = json!({"used": u.used, "cap": u.cap});
    }
    Ok(())
}
