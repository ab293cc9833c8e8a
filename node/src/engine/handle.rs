//! The engine on its own thread: [`EngineHandle`] sends it closures on bounded queues and
//! awaits their results. The network task and the HTTP API both hold a handle.
//!
//! Three queues, served in turn when more than one has work: writes (the API's edits and the
//! node's own upkeep), reads (views, lists, history, exports), and the network task's jobs
//! (partners' rounds, hellos, announcements). A town officer's edit therefore waits behind at
//! most one network job and one read, however busy the partners are: with one shared queue,
//! the network task (which keeps up to 256 jobs in flight) filled it, and in the `converge`
//! benchmark each edit waited behind dozens of sync jobs (1,000 edits took 2.5 s instead of
//! 0.4 s).

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

/// The network task's jobs waiting for the engine thread, in a queue of their own (see the
/// module docs). Bounded like the others: past it the network task waits, and its own limit
/// (`net::jobs::MAX_ENGINE_JOBS`) holds partners' requests back in libp2p.
const NETWORK_QUEUE: usize = 64;

type Job = Box<dyn FnOnce(&mut Engine) + Send>;

/// A cloneable handle to the engine thread.
#[derive(Clone, Debug)]
pub struct EngineHandle {
    tx: mpsc::Sender<Job>,
    reads: mpsc::Sender<Job>,
    network: mpsc::Sender<Job>,
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

    /// Runs a job of the network task on the engine thread, through the network queue, which
    /// the engine serves in turn with the other two: the network's work never makes an
    /// officer's edit or read wait behind more than one of its jobs.
    pub async fn call_network<R, F>(&self, f: F) -> Result<R, NodeError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Engine) -> R + Send + 'static,
    {
        Self::run_on(&self.network, f).await
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

/// The engine thread's queues (writes, reads, network), served in turn.
struct Queues {
    rx: [mpsc::Receiver<Job>; 3],
    /// The queue to look at first.
    turn: usize,
}

impl Queues {
    /// The next job: from the first queue with work, starting at the one whose turn it is (the
    /// one after the queue last served); blocks while all are empty. `None` when all are closed
    /// and empty.
    fn next(&mut self) -> Option<Job> {
        for k in 0..self.rx.len() {
            let i = (self.turn + k) % self.rx.len();
            if let Ok(job) = self.rx[i].try_recv() {
                self.turn = (i + 1) % self.rx.len();
                return Some(job);
            }
        }
        let [writes, reads, network] = &mut self.rx;
        let (job, i) = futures::executor::block_on(async {
            tokio::select! {
                Some(j) = writes.recv() => Some((j, 0)),
                Some(j) = reads.recv() => Some((j, 1)),
                Some(j) = network.recv() => Some((j, 2)),
                else => None,
            }
        })?;
        self.turn = (i + 1) % self.rx.len();
        Some(job)
    }
}

/// Runs `f` on the engine; `None` if it panicked. A bug reached by one request (a panic, e.g.
/// inside a dependency on data from a peer) must not stop the node: the request fails, the
/// in-memory caches are dropped (the store holds everything acknowledged), and the next job
/// runs. Every job on the engine thread runs through this, and so does each network operation
/// (`net::work`), so that its caller hears of the failure.
pub(crate) fn run_guarded<R>(engine: &mut Engine, f: impl FnOnce(&mut Engine) -> R) -> Option<R> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut *engine))) {
        Ok(r) => Some(r),
        Err(_) => {
            tracing::error!("a request failed with an internal error; reloading documents from the store");
            engine.drop_caches();
            None
        }
    }
}

pub(crate) fn spawn(engine: Engine) -> Result<(EngineHandle, JoinHandle<()>), NodeError> {
    let (tx, rx) = mpsc::channel::<Job>(ENGINE_QUEUE);
    let (reads, reads_rx) = mpsc::channel::<Job>(READ_QUEUE);
    let (network, network_rx) = mpsc::channel::<Job>(NETWORK_QUEUE);
    let mut queues = Queues { rx: [rx, reads_rx, network_rx], turn: 0 };
    let thread = std::thread::Builder::new()
        .name("twinmesh-engine".into())
        .spawn(move || {
            let mut engine = engine;
            let span = tracing::debug_span!("town", me = %crate::identity::short_id(&crate::identity::peer_id(&engine.me().key)));
            let _in_town = span.enter();
            // The queues take turns when more than one waits, so none starves the others.
            while let Some(job) = queues.next() {
                run_guarded(&mut engine, job);
            }
            // Every acknowledged write was flushed; closing saves loaded documents whole (so
            // the next start loads them fast) and closes the store.
            engine.close();
        })
        .map_err(|e| NodeError::Network(format!("cannot start the engine thread: {e}")))?;
    Ok((EngineHandle { tx, reads, network }, thread))
}
