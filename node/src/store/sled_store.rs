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
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Backend { path: path.clone(), message: e.to_string() })?;
        let lock_path = dir.join("twinmesh.lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| StoreError::Backend { path: path.clone(), message: e.to_string() })?;
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
        let store = Self { path, db, tree, _lock: lock };
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

impl Storage for SledStore {
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.tree.get(full_key(table, key)).map_err(|e| map_err(&self.path, e))?.map(|v| v.to_vec()))
    }

    fn scan(&self, table: Table, prefix: &[u8]) -> Result<super::Entries, StoreError> {
        self.tree
            .scan_prefix(full_key(table, prefix))
            .map(|r| r.map(|(k, v)| (k[1..].to_vec(), v.to_vec())).map_err(|e| map_err(&self.path, e)))
            .collect()
    }

    fn commit(&self, batch: Batch) -> Result<(), StoreError> {
        let mut b = sled::Batch::default();
        for w in batch.0 {
            match w {
                Write::Put(t, k, v) => b.insert(full_key(t, &k), v),
                Write::Remove(t, k) => b.remove(full_key(t, &k)),
            }
        }
        self.tree.apply_batch(b).map_err(|e| map_err(&self.path, e))?;
        self.db.flush().map_err(|e| map_err(&self.path, e))?;
        Ok(())
    }

    fn size_on_disk(&self) -> Result<u64, StoreError> {
        self.db.size_on_disk().map_err(|e| map_err(&self.path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_snapshot_file_does_not_brick_the_store() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let s = SledStore::open(dir.path()).expect("open");
            let mut b = Batch::default();
            b.put(Table::Docs, b"k".to_vec(), b"v".to_vec());
            s.commit(b).expect("commit");
        }
        // What a kill between sled's snapshot write and its rename leaves behind.
        std::fs::write(dir.path().join("snap.FFFFFFFFFFFFFFFF.generating"), b"").expect("write");
        let s = SledStore::open(dir.path()).expect("opens despite the stale file");
        assert_eq!(s.get(Table::Docs, b"k").expect("get"), Some(b"v".to_vec()));
    }

    #[test]
    fn batches_are_durable_across_reopen_and_the_lock_is_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let s = SledStore::open(dir.path()).expect("open");
            let mut b = Batch::default();
            b.put(Table::Docs, b"a".to_vec(), b"1".to_vec()).put(Table::Docs, b"b".to_vec(), b"2".to_vec());
            b.put(Table::Sigs, b"a".to_vec(), b"x".to_vec());
            s.commit(b).expect("commit");
            let second = SledStore::open(dir.path());
            assert!(matches!(second, Err(StoreError::Locked(_))), "{second:?}");
        }
        let s = SledStore::open(dir.path()).expect("reopen");
        let docs = s.scan(Table::Docs, b"").expect("scan");
        assert_eq!(docs, vec![(b"a".to_vec(), b"1".to_vec()), (b"b".to_vec(), b"2".to_vec())]);
        assert_eq!(s.get(Table::Sigs, b"a").expect("get"), Some(b"x".to_vec()));
        assert_eq!(s.get(Table::Changes, b"a").expect("get"), None);
    }
}
