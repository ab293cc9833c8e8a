//! `GET /api/v1/events`: server-sent events for live front ends.
//!
//! Events (the SSE `event:` name, with JSON `data:`):
//! - `hello` `{"id": PeerId}`: sent first, once per connection.
//! - `doc` `{"type": "doc", "doc": DocId, "origin": "local"|"remote"}`: re-read that document.
//! - `spaces` `{"type": "spaces"}`: spaces, members or the document list changed.
//! - `peers` `{"type": "peers"}`: a partner connected, disconnected or finished a sync round.
//! - `presence` `{"type": "presence", "doc": DocId}`: partner towns opened or closed that
//!   document; re-read who has it open.
//! - `transfer` `{"type": "transfer", "doc", "file", "done", "total"}`: an attachment being
//!   fetched from partners (bytes), at most once per whole percent.
//! - `progress` `{"type": "progress", "work", "space", "doc", "done", "total"}`: a long export
//!   or import on this node (`work`: `bundle_export`, `bundle_import`, `doc_export`,
//!   `doc_import`), at most once per whole percent.
//! - `resync` `{"missed": n}`: this listener fell behind and missed `n` events; re-read all.
//!
//! A comment line is sent every [`KEEP_ALIVE`] so proxies and browsers keep the stream open.
//! The stream ends when the node shuts down.

use std::{convert::Infallible, time::Duration};

use axum::{
    extract::State,
    response::sse::{Event, KeepAlive, Sse},
};
use futures::Stream;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use super::AppState;
use crate::event::NodeEvent;

/// Interval of keep-alive comments on an idle stream.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

fn event_name(e: &NodeEvent) -> &'static str {
    match e {
        NodeEvent::Doc { .. } => "doc",
        NodeEvent::Spaces => "spaces",
        NodeEvent::Peers => "peers",
        NodeEvent::Presence { .. } => "presence",
        NodeEvent::Transfer { .. } => "transfer",
        NodeEvent::Progress { .. } => "progress",
    }
}

pub(crate) async fn stream(State(st): State<AppState>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = st.handle.subscribe();
    let hello =
        Event::default().event("hello").data(json!({ "id": st.handle.peer_id().to_string() }).to_string());
    let shutdown = st.shutdown.clone();
    let s = futures::stream::unfold(
        (rx, shutdown, Some(hello)),
        |(mut rx, mut shutdown, first)| async move {
            if let Some(ev) = first {
                return Some((Ok(ev), (rx, shutdown, None)));
            }
            if *shutdown.borrow() {
                return None;
            }
            let ev = tokio::select! {
                _ = shutdown.wait_for(|v| *v) => return None,
                r = rx.recv() => match r {
                    Ok(e) => {
                        let data = serde_json::to_string(&e).unwrap_or_else(|_| "{}".into());
                        Event::default().event(event_name(&e)).data(data)
                    }
                    Err(RecvError::Lagged(n)) => Event::default().event("resync").data(json!({ "missed": n }).to_string()),
                    Err(RecvError::Closed) => return None,
                },
            };
            Some((Ok(ev), (rx, shutdown, None)))
        },
    );
    Sse::new(s).keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
}
