//! Storage behind a small trait, so the backend can be swapped (see `docs/architecture.md`).
//!
//! The node keeps a handful of logical tables. Every write goes through [`Storage::commit`]
//! with a [`Batch`], which is applied atomically and is durable (flushed to disk) when `commit`
//! returns: an edit is acknowledged only after that. A crash can therefore lose only an edit
//! that was never acknowledged.

pub mod blobs;
#[cfg(test)]
pub(crate) mod mem;
mod sled_store;
pub mod trees;

use std::path::{Path, PathBuf};

pub use sled_store::SledStore;
pub use trees::Table;

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another process holds the store (a running `twin start`, or another command).
    #[error("the store at {0} is in use by another twin process (is `twin start` running?)")]
    Locked(PathBuf),
    /// The store was written by a newer version of Twinmesh.
    #[error(
        "the store at {path} has format version {found}; this twin understands version {supported}: upgrade twin"
    )]
    TooNew {
        /// Where the store is.
        path: PathBuf,
        /// Version found on disk.
        found: u32,
        /// Version this build writes.
        supported: u32,
    },
    /// The backend failed (disk full, I/O error, corruption).
    #[error("storage error at {path}: {message}")]
    Backend {
        /// Where the store is.
        path: PathBuf,
        /// The backend's message.
        message: String,
    },
}

/// Key-value pairs read by a scan, in key order.
pub type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// One write of a batch.
#[derive(Debug, Clone)]
pub enum Write {
    /// Insert or replace a value.
    Put(Table, Vec<u8>, Vec<u8>),
    /// Remove a value, if present.
    Remove(Table, Vec<u8>),
}

/// Writes applied together, atomically.
#[derive(Debug, Default, Clone)]
pub struct Batch(pub Vec<Write>);

impl Batch {
    /// Adds a put.
    pub fn put(&mut self, table: Table, key: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) -> &mut Self {
        self.0.push(Write::Put(table, key.into(), value.into()));
        self
    }

    /// Adds a remove.
    pub fn remove(&mut self, table: Table, key: impl Into<Vec<u8>>) -> &mut Self {
        self.0.push(Write::Remove(table, key.into()));
        self
    }

    /// True if the batch writes nothing.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Reads as [`Storage::read_log`] records them: (table, key or scanned prefix), in order.
pub type ReadLog = Vec<(Table, Vec<u8>)>;

/// A key-value store with a few logical tables and atomic, durable batches.
///
/// Implementations are blocking; the node calls them only from its engine thread.
pub trait Storage: Send {
    /// Reads one value.
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    /// Reads every entry of `table` whose key starts with `prefix`, in key order.
    fn scan(&self, table: Table, prefix: &[u8]) -> Result<Entries, StoreError>;
    /// Applies `batch` atomically and flushes it to disk before returning.
    fn commit(&self, batch: Batch) -> Result<(), StoreError>;
    /// Bytes the store occupies on disk.
    fn size_on_disk(&self) -> Result<u64, StoreError>;
    /// How many batches were committed (each one flushed) since the store was opened: what the
    /// tests and twinbench count to keep the sync path at one flush per received round.
    fn commits(&self) -> u64;
    /// Starts (`true`) or stops (`false`) recording each `get` (its table and key) and `scan`
    /// (its table and prefix), and returns what was recorded since recording last started:
    /// what the tests read to hold a received round to one read per row.
    fn read_log(&self, record: bool) -> ReadLog;
}

/// Opens the default backend (sled) in `dir`.
pub fn open(dir: &Path) -> Result<Box<dyn Storage>, StoreError> {
    Ok(Box::new(SledStore::open(dir)?))
}
