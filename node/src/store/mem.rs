//! A store in memory, for the simulator and tests that run thousands of nodes: the same
//! tables and batches as sled, nothing on disk.

use std::{cell::RefCell, collections::BTreeMap};

use super::{Batch, Entries, ReadLog, Storage, StoreError, Table, Write};

/// Rows of every table, keyed by (table, key).
type Rows = BTreeMap<(u8, Vec<u8>), Vec<u8>>;

/// Every table in one ordered map.
#[derive(Debug, Default)]
pub(crate) struct MemStore {
    rows: RefCell<Rows>,
    commits: RefCell<u64>,
}

impl Storage for MemStore {
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.rows.borrow().get(&(table as u8, key.to_vec())).cloned())
    }

    fn scan(&self, table: Table, prefix: &[u8]) -> Result<Entries, StoreError> {
        let rows = self.rows.borrow();
        Ok(rows
            .range((table as u8, prefix.to_vec())..)
            .take_while(|((t, k), _)| *t == table as u8 && k.starts_with(prefix))
            .map(|((_, k), v)| (k.clone(), v.clone()))
            .collect())
    }

    fn commit(&self, batch: Batch) -> Result<(), StoreError> {
        let mut rows = self.rows.borrow_mut();
        for w in batch.0 {
            match w {
                Write::Put(t, k, v) => {
                    rows.insert((t as u8, k), v);
                }
                Write::Remove(t, k) => {
                    rows.remove(&(t as u8, k));
                }
            }
        }
        *self.commits.borrow_mut() += 1;
        Ok(())
    }

    fn size_on_disk(&self) -> Result<u64, StoreError> {
        Ok(0)
    }

    fn commits(&self) -> u64 {
        *self.commits.borrow()
    }

    fn read_log(&self, _record: bool) -> ReadLog {
        Vec::new()
    }
}
