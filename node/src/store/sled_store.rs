//! The sled backend.

use std::path::{Path, PathBuf};

use super::{Batch, Storage, StoreError, Table, Write, trees};

/// sled 0.34 behind [`Storage`].
pub struct SledStore {
    path: PathBuf,
    db: sled::Db,
    tree: sled::Tree,
    /// Our own exclusive lock on `DIR.lock`, held for the store's lifetime (see [`SledStore::open`]).
    _lock: std::fs::File,
    /// Batches committed since opening ([`Storage::commits`]).
    commits: std::sync::atomic::AtomicU64,
    /// Reads recorded while [`Storage::read_log`] records.
    reads: std::sync::Mutex<Option<super::ReadLog>>,
}

impl std::fmt::Debug for SledStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledStore").field("path", &self.path).finish()
    }
}

fn full_key(table: Table, key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(key.len() + 1);
    k.push(table as u8);
    k.extend_from_slice(key);
    k
}

impl SledStore {
    /// Opens (creating if needed) the store in `dir`, and checks its layout version.
    ///
    /// sled 0.34 writes a snapshot on every open as `snap.<lsn>.generating` and renames it when
    /// done. A process killed between the two leaves a partial file that sorts last, and every
    /// later open fails with "Read corrupted data" (upstream issue #1527; we reproduced it with
    /// SIGKILL, even on read-only commands). Such a file is never needed: the previous snapshot
    /// and the log are intact. So we take our own exclusive lock first (so no other process is
    /// mid-open), remove stale `*.generating` files, then open sled.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let path = dir.to_path_buf();
        let io_err =
            |e: std::io::Error| StoreError::Backend { path: dir.to_path_buf(), message: e.to_string() };
        // The store is owner-only whatever the umask or the mode of an existing directory:
        // the directory is 0700 before sled creates anything in it (so files sled creates
        // later are out of other users' reach too), and what is there is made 0600 (an older
        // store, or one copied in). sled's own files are made 0600 once it opened, below.
        crate::identity::create_private_dir(dir).map_err(io_err)?;
        crate::identity::make_private(dir).map_err(io_err)?;
        let lock_path = dir.join("twinmesh.lock");
        let mut lock_opts = std::fs::OpenOptions::new();
        lock_opts.create(true).truncate(false).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            lock_opts.mode(0o600);
        }
        let lock = lock_opts.open(&lock_path).map_err(io_err)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(StoreError::Locked(path)),
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(StoreError::Backend { path, message: format!("cannot lock the store: {e}") });
            }
        }
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let name = e.file_name();
                let name = name.to_string_lossy();
                if name.starts_with("snap.") && name.ends_with(".generating") {
                    tracing::info!(file = %name, "removing a snapshot file left by an interrupted run");
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        // We hold our own lock, so a sled lock failure can only come from this process: sled's
        // threads of a store dropped a moment ago may still hold its file lock (released when
        // the last of them lets go, which took over 3 s on a loaded 2-core CI machine while
        // tests ran in parallel). Retry for a while: no other process can be in the way.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        let db = loop {
            let opened = sled::Config::new()
                .path(dir)
                // Our own flush after each batch is the durability point, but sled's
                // background thread is also the only place that reclaims log segments
                // (`attempt_gc`): without it the file grows with every write, whatever is
                // live (12.6 MB for 0.44 MB of live data after the trace, docs/benchmarks.md).
                .flush_every_ms(Some(GC_EVERY_MS))
                .open()
                .map_err(|e| map_err(&path, e));
            match opened {
                Err(StoreError::Locked(_)) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                other => break other?,
            }
        };
        let tree = db.open_tree(trees::TREE_NAME).map_err(|e| map_err(&path, e))?;
        crate::identity::make_private(dir).map_err(io_err)?;
        let store =
            Self { path, db, tree, _lock: lock, commits: Default::default(), reads: Default::default() };
        match store.get(Table::Meta, trees::meta::STORE_VERSION.as_bytes())? {
            None => {
                let mut b = Batch::default();
                b.put(Table::Meta, trees::meta::STORE_VERSION, trees::STORE_VERSION.to_be_bytes().to_vec());
                store.commit(b)?;
            }
            Some(v) => {
                let found = <[u8; 4]>::try_from(v.as_slice()).map(u32::from_be_bytes).unwrap_or(u32::MAX);
                if found > trees::STORE_VERSION {
                    return Err(StoreError::TooNew {
                        path: store.path.clone(),
                        found,
                        supported: trees::STORE_VERSION,
                    });
                }
                if found < trees::STORE_VERSION {
                    // Every older layout is readable as it is (see `trees`); what this build
                    // writes from now on is not readable by older builds.
                    tracing::info!(
                        from = found,
                        to = trees::STORE_VERSION,
                        "upgrading the store's layout version"
                    );
                    let mut b = Batch::default();
                    b.put(
                        Table::Meta,
                        trees::meta::STORE_VERSION,
                        trees::STORE_VERSION.to_be_bytes().to_vec(),
                    );
                    store.commit(b)?;
                }
            }
        }
        Ok(store)
    }
}

/// How often sled's background thread flushes and reclaims log segments that are mostly
/// garbage. Durability does not depend on it (every batch is flushed before it is acknowledged).
const GC_EVERY_MS: u64 = 500;

fn map_err(path: &Path, e: sled::Error) -> StoreError {
    let message = e.to_string();
    if message.contains("could not acquire lock") {
        StoreError::Locked(path.to_path_buf())
    } else {
        StoreError::Backend { path: path.to_path_buf(), message }
    }
}

/// Values longer than this are stored in pieces of this size, under their own keys.
///
/// sled 0.34 writes a leaf page of more than a quarter of a log segment (about 128 KiB) as a
/// separate blob file, rewrites the whole page whenever it consolidates the page's updates, and
/// does not reliably delete the replaced files (upstream issue #786). A page holds up to 16
/// entries of any size, so a few large values next to rows that change on every commit made
/// leaked 340 KB blob files pile up (18 of them after the editing trace, docs/benchmarks.md).
/// With every entry at most 4 KiB, a page stays far below the blob threshold.
pub(crate) const PIECE: usize = 4096;

/// Key prefix of the length record of a value stored in pieces: `LARGE ‖ table ‖ key` →
/// total length (u64 BE). A large value has no entry under its own key.
const LARGE: u8 = 0xF0;
/// Key prefix of a piece: `PIECES ‖ table ‖ key ‖ piece number (u32 BE)`. Pieces are read by
/// exact key, never by prefix: keys of different lengths cannot produce the same piece key,
/// since the piece number has a fixed width.
const PIECES: u8 = 0xF1;

fn large_key(table: Table, key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(key.len() + 2);
    k.push(LARGE);
    k.push(table as u8);
    k.extend_from_slice(key);
    k
}

fn piece_key(table: Table, key: &[u8], n: u32) -> Vec<u8> {
    let mut k = Vec::with_capacity(key.len() + 6);
    k.push(PIECES);
    k.push(table as u8);
    k.extend_from_slice(key);
    k.extend_from_slice(&n.to_be_bytes());
    k
}

fn pieces_of(len: u64) -> u32 {
    u32::try_from(len.div_ceil(PIECE as u64)).unwrap_or(u32::MAX)
}

impl SledStore {
    /// Records a read of `(table, key or prefix)` while [`Storage::read_log`] records.
    fn note_read(&self, table: Table, key: &[u8]) {
        if let Some(log) = self.reads.lock().unwrap_or_else(std::sync::PoisonError::into_inner).as_mut() {
            log.push((table, key.to_vec()));
        }
    }

    fn backend(&self, message: String) -> StoreError {
        StoreError::Backend { path: self.path.clone(), message }
    }

    /// The length of the large value stored under `(table, key)`, if it is stored in pieces.
    fn large_len(&self, table: Table, key: &[u8]) -> Result<Option<u64>, StoreError> {
        match self.tree.get(large_key(table, key)).map_err(|e| map_err(&self.path, e))? {
            None => Ok(None),
            Some(v) => <[u8; 8]>::try_from(v.as_ref())
                .map(|b| Some(u64::from_be_bytes(b)))
                .map_err(|_| self.backend(format!("damaged length record of a value in table {table:?}"))),
        }
    }

    /// Reads a value stored in pieces.
    fn assemble(&self, table: Table, key: &[u8], len: u64) -> Result<Vec<u8>, StoreError> {
        let mut out = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        for n in 0..pieces_of(len) {
            let piece =
                self.tree.get(piece_key(table, key, n)).map_err(|e| map_err(&self.path, e))?.ok_or_else(
                    || self.backend(format!("piece {n} of a value in table {table:?} is missing")),
                )?;
            out.extend_from_slice(&piece);
        }
        if out.len() as u64 != len {
            return Err(self.backend(format!("a value in table {table:?} does not have its recorded length")));
        }
        Ok(out)
    }
}

impl Storage for SledStore {
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.note_read(table, key);
        if let Some(v) = self.tree.get(full_key(table, key)).map_err(|e| map_err(&self.path, e))? {
            return Ok(Some(v.to_vec()));
        }
        match self.large_len(table, key)? {
            Some(len) => self.assemble(table, key, len).map(Some),
            None => Ok(None),
        }
    }

    fn scan(&self, table: Table, prefix: &[u8]) -> Result<super::Entries, StoreError> {
        self.note_read(table, prefix);
        let small: super::Entries = self
            .tree
            .scan_prefix(full_key(table, prefix))
            .map(|r| r.map(|(k, v)| (k[1..].to_vec(), v.to_vec())).map_err(|e| map_err(&self.path, e)))
            .collect::<Result<_, _>>()?;
        let mut large = Vec::new();
        for r in self.tree.scan_prefix(large_key(table, prefix)) {
            let (k, v) = r.map_err(|e| map_err(&self.path, e))?;
            let len = <[u8; 8]>::try_from(v.as_ref())
                .map(u64::from_be_bytes)
                .map_err(|_| self.backend(format!("damaged length record of a value in table {table:?}")))?;
            let key = k[2..].to_vec();
            let value = self.assemble(table, &key, len)?;
            large.push((key, value));
        }
        if large.is_empty() {
            return Ok(small);
        }
        // Both lists are in key order, and a key is in at most one of them: merge them.
        let mut out = Vec::with_capacity(small.len() + large.len());
        let (mut a, mut b) = (small.into_iter().peekable(), large.into_iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x.0 <= y.0 => a.next(),
                (Some(_), Some(_)) | (None, Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, None) => break,
            };
            out.extend(next);
        }
        Ok(out)
    }

    fn commit(&self, batch: Batch) -> Result<(), StoreError> {
        let mut b = sled::Batch::default();
        // The length of each touched key's large value as of the writes so far in this batch
        // (the store's, until the batch writes the key), so that replacing or removing a large
        // value removes each of its pieces.
        let mut large: std::collections::HashMap<(u8, Vec<u8>), Option<u64>> = Default::default();
        for w in batch.0 {
            let (t, k) = match &w {
                Write::Put(t, k, _) | Write::Remove(t, k) => (*t, k.clone()),
            };
            let slot = (t as u8, k.clone());
            let old = match large.get(&slot) {
                Some(l) => *l,
                None => self.large_len(t, &k)?,
            };
            if let Some(len) = old {
                b.remove(large_key(t, &k));
                for n in 0..pieces_of(len) {
                    b.remove(piece_key(t, &k, n));
                }
            }
            let now = match w {
                Write::Put(_, _, v) if v.len() > PIECE => {
                    b.remove(full_key(t, &k));
                    b.insert(large_key(t, &k), (v.len() as u64).to_be_bytes().to_vec());
                    for (n, piece) in v.chunks(PIECE).enumerate() {
                        b.insert(piece_key(t, &k, n as u32), piece);
                    }
                    Some(v.len() as u64)
                }
                Write::Put(_, _, v) => {
                    b.insert(full_key(t, &k), v);
                    None
                }
                Write::Remove(..) => {
                    b.remove(full_key(t, &k));
                    None
                }
            };
            large.insert(slot, now);
        }
        self.tree.apply_batch(b).map_err(|e| map_err(&self.path, e))?;
        self.db.flush().map_err(|e| map_err(&self.path, e))?;
        self.commits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    fn commits(&self) -> u64 {
        self.commits.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn read_log(&self, record: bool) -> super::ReadLog {
        // A poisoned lock only means a test panicked while recording: take the log anyway.
        let mut log = self.reads.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let taken = log.take().unwrap_or_default();
        if record {
            *log = Some(Vec::new());
        }
        taken
    }

    fn size_on_disk(&self) -> Result<u64, StoreError> {
        self.db.size_on_disk().map_err(|e| map_err(&self.path, e))
    }
}

#[cfg(test)]
mod tests;
