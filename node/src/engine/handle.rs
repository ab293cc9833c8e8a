//! The engine on its own thread: [`EngineHandle`] sends it closures on bounded queues and
//! awaits their results. The network task and the HTTP API both hold a handle.

use std::thread::JoinHandle;

use tokio::sync::{mpsc, oneshot};

use super::Engine;
use crate::error::NodeError;

/// Jobs waiting for the engine thread. Each is a short operation; 64 lets API calls and sync
/// rounds queue up without a peer being able to make the queue grow without bound.
const ENGINE_QUEUE: usize = 64;

/// Reads waiting for the engine thread (views, lists, history, exports), in a queue of their
/// own that the engine serves in turn with [`ENGINE_QUEUE`], so a read waits behind at most
/// one write however many writers there are. Bounded like the write queue.
const READ_QUEUE: usize = 64;

type Job = Box<dyn FnOnce(&mut Engine) + Send>;

/// A cloneable handle to the engine thread.
#[derive(Clone, Debug)]
pub struct EngineHandle {
    tx: mpsc::Sender<Job>,
    reads: mpsc::Sender<Job>,
}

impl EngineHandle {
    /// Runs `f` on the engine thread and returns its result. `f` may change the store; calls
    /// run in the order they were made.
    pub async fn call<R, F>(&self, f: F) -> Result<R, NodeError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Engine) -> R + Send + 'static,
    {
        Self::run_on(&self.tx, f).await
    }

    /// Runs a read (`f` changes nothing a caller sees) on the engine thread through the read
    /// queue, which the engine serves in turn with the write queue: a read waits behind at
    /// most one write, not behind every queued one.
    pub async fn call_read<R, F>(&self, f: F) -> Result<R, NodeError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Engine) -> R + Send + 'static,
    {
        Self::run_on(&self.reads, f).await
    }

    /// Jobs waiting for the engine thread: (reads, writes). The job running now is not counted.
    pub fn queued(&self) -> (usize, usize) {
        let waiting = |q: &mpsc::Sender<Job>| q.max_capacity() - q.capacity();
        (waiting(&self.reads), waiting(&self.tx))
    }

    async fn run_on<R, F>(queue: &mpsc::Sender<Job>, f: F) -> Result<R, NodeError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Engine) -> R + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        queue
            .send(Box::new(move |e: &mut Engine| {
                let _ = tx.send(f(e));
            }))
            .await
            .map_err(|_| NodeError::Shutdown)?;
        rx.await.map_err(|_| {
            if queue.is_closed() {
                NodeError::Shutdown
            } else {
                NodeError::Internal("the request failed inside the node; see the node's log".into())
            }
        })
    }
}

/// The engine thread's next job: from the queue whose turn it is if it has one, else from the
/// other; blocks while both are empty. `None` when both are closed.
fn next_job(
    reads: &mut mpsc::Receiver<Job>,
    writes: &mut mpsc::Receiver<Job>,
    read_turn: bool,
) -> Option<(Job, bool)> {
    futures::executor::block_on(async {
        if read_turn {
            tokio::select! {
                biased;
                Some(j) = reads.recv() => Some((j, true)),
                Some(j) = writes.recv() => Some((j, false)),
                else => None,
            }
        } else {
            tokio::select! {
                biased;
                Some(j) = writes.recv() => Some((j, false)),
                Some(j) = reads.recv() => Some((j, true)),
                else => None,
            }
        }
    })
}

pub(crate) fn spawn(engine: Engine) -> Result<(EngineHandle, JoinHandle<()>), NodeError> {
    let (tx, mut rx) = mpsc::channel::<Job>(ENGINE_QUEUE);
    let (reads, mut reads_rx) = mpsc::channel::<Job>(READ_QUEUE);
    let thread = std::thread::Builder::new()
        .name("twinmesh-engine".into())
        .spawn(move || {
            let mut engine = engine;
            let span = tracing::debug_span!("town", me = %crate::identity::short_id(&crate::identity::peer_id(&engine.me().key)));
            let _in_town = span.enter();
            // Reads and writes take turns when both wait, so neither starves the other.
            let mut read_turn = true;
            while let Some((job, was_read)) = next_job(&mut reads_rx, &mut rx, read_turn) {
                read_turn = !was_read;
                // A bug reached by one request (a panic, e.g. inside a dependency on data from
                // a peer) must not stop the node: the request fails, in-memory caches are
                // dropped (the store holds everything acknowledged), and the next job runs.
                if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut engine))).is_err() {
                    tracing::error!(
                        "a request failed with an internal error; reloading documents from the store"
                    );
                    engine.drop_caches();
                }
            }
            // Every acknowledged write was flushed; closing saves loaded documents whole (so
            // the next start loads them fast) and closes the store.
            engine.close();
        })
        .map_err(|e| NodeError::Network(format!("cannot start the engine thread: {e}")))?;
    Ok((EngineHandle { tx, reads }, thread))
}
