//! The API's attachment requests (`Request::DocAttach` and its siblings), answered with the
//! engine.

use super::{AttachmentFile, Request, Response, SpaceListed, StorageUse};
use crate::{
    engine::{AttachOptions, Engine, SpaceInfo},
    error::NodeError,
};

/// Answers one attachment request.
pub(super) fn handle(engine: &mut Engine, r: Request, officer: Option<&str>) -> Result<Response, NodeError> {
    Ok(match r {
        Request::DocAttach { doc, path, name, media_type, caption } => {
            let opts = AttachOptions { name, media_type, caption };
            Response::Attachment(engine.attach(
                &doc,
                std::path::Path::new(&path),
                &opts,
                officer,
                &mut |_, _| {},
            )?)
        }
        Request::DocAttachments { doc } => Response::Attachments(engine.attachments(&doc)?),
        Request::DocAttachmentGet { doc, id } => {
            let info = engine.attachment(&doc, &id)?;
            let path = engine.attachment_file(&doc, &id).ok().map(|(_, p)| p.display().to_string());
            Response::AttachmentFile(AttachmentFile { info, path })
        }
        Request::DocAttachmentFetch { doc, id } => Response::Attachment(engine.want_attachment(&doc, &id)?),
        Request::DocAttachmentRemove { doc, id, reason } => {
            Response::Attachment(engine.remove_attachment(&doc, &id, &reason, officer)?)
        }
        Request::SpaceStorage { space, cap } => Response::Storage(match cap {
            Some(0) => engine.set_space_cap(&space, None)?,
            Some(c) => engine.set_space_cap(&space, Some(c))?,
            None => engine.space_usage(&space)?,
        }),
        _ => return Err(NodeError::Internal("not an attachment request".into())),
    })
}

/// Each space of a list with what its attachments take here.
pub(super) fn with_usage(engine: &mut Engine, spaces: Vec<SpaceInfo>) -> Result<Vec<SpaceListed>, NodeError> {
    spaces
        .into_iter()
        .map(|space| {
            let u = engine.space_usage(&space.id)?;
            Ok(SpaceListed { space, attachments: StorageUse { used: u.used, cap: u.cap } })
        })
        .collect()
}
