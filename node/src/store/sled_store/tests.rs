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

#[test]
fn an_older_layout_is_raised_to_this_version_and_a_newer_one_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let version = |s: &SledStore| s.get(Table::Meta, trees::meta::STORE_VERSION.as_bytes()).expect("get");
    let set = |s: &SledStore, v: u32| {
        let mut b = Batch::default();
        b.put(Table::Meta, trees::meta::STORE_VERSION, v.to_be_bytes().to_vec());
        s.commit(b).expect("commit");
    };
    {
        let s = SledStore::open(dir.path()).expect("open");
        set(&s, 1);
    }
    {
        let s = SledStore::open(dir.path()).expect("reopen");
        assert_eq!(version(&s), Some(trees::STORE_VERSION.to_be_bytes().to_vec()));
        set(&s, trees::STORE_VERSION + 1);
    }
    let newer = SledStore::open(dir.path());
    assert!(
        matches!(newer, Err(StoreError::TooNew { found, .. }) if found == trees::STORE_VERSION + 1),
        "{newer:?}"
    );
}

fn raw_keys(s: &SledStore, prefix: u8) -> usize {
    s.tree.scan_prefix([prefix]).count()
}

/// Values over [`PIECE`] bytes are stored in pieces and read back whole, by `get` and by
/// `scan` (in key order with small values); replacing or removing one leaves no piece behind,
/// even when one batch writes the same key twice.
#[test]
fn large_values_are_stored_in_pieces_and_leave_nothing_behind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let big = |n: usize, seed: u8| (0..n).map(|i| (i as u8).wrapping_mul(seed)).collect::<Vec<u8>>();
    let commit = |s: &SledStore, f: &dyn Fn(&mut Batch)| {
        let mut b = Batch::default();
        f(&mut b);
        s.commit(b).expect("commit");
    };
    {
        let s = SledStore::open(dir.path()).expect("open");
        commit(&s, &|b| {
            b.put(Table::Snapshots, b"b".to_vec(), big(3 * PIECE + 7, 3));
            b.put(Table::Snapshots, b"a".to_vec(), b"small".to_vec());
            b.put(Table::Snapshots, b"c".to_vec(), big(PIECE, 5));
        });
        assert_eq!(raw_keys(&s, PIECES), 4, "3 full pieces and a partial one");
    }
    let s = SledStore::open(dir.path()).expect("reopen");
    assert_eq!(s.get(Table::Snapshots, b"b").expect("get"), Some(big(3 * PIECE + 7, 3)));
    let all = s.scan(Table::Snapshots, b"").expect("scan");
    let want = vec![
        (b"a".to_vec(), b"small".to_vec()),
        (b"b".to_vec(), big(3 * PIECE + 7, 3)),
        (b"c".to_vec(), big(PIECE, 5)),
    ];
    assert_eq!(all, want);
    assert_eq!(s.scan(Table::Snapshots, b"b").expect("scan").len(), 1);
    assert!(s.scan(Table::Docs, b"").expect("scan").is_empty(), "other tables see nothing");

    commit(&s, &|b| {
        b.put(Table::Snapshots, b"b".to_vec(), big(PIECE + 1, 7));
    });
    assert_eq!(s.get(Table::Snapshots, b"b").expect("get"), Some(big(PIECE + 1, 7)));
    assert_eq!(raw_keys(&s, PIECES), 2, "the shorter value's pieces only");
    // Large, then small, in one batch: the small one wins and no piece is left.
    commit(&s, &|b| {
        b.put(Table::Snapshots, b"b".to_vec(), big(5 * PIECE, 9));
        b.put(Table::Snapshots, b"b".to_vec(), b"tiny".to_vec());
    });
    assert_eq!(s.get(Table::Snapshots, b"b").expect("get"), Some(b"tiny".to_vec()));
    assert_eq!((raw_keys(&s, PIECES), raw_keys(&s, LARGE)), (0, 0));
    // Small, then large, in one batch; then removed.
    commit(&s, &|b| {
        b.put(Table::Snapshots, b"a".to_vec(), big(2 * PIECE, 11));
    });
    assert_eq!(s.get(Table::Snapshots, b"a").expect("get"), Some(big(2 * PIECE, 11)));
    assert_eq!(s.tree.get(full_key(Table::Snapshots, b"a")).expect("raw"), None);
    commit(&s, &|b| {
        b.remove(Table::Snapshots, b"a".to_vec());
    });
    assert_eq!(s.get(Table::Snapshots, b"a").expect("get"), None);
    assert_eq!((raw_keys(&s, PIECES), raw_keys(&s, LARGE)), (0, 0));
}

/// A store written before values were split keeps large values whole under their key: they
/// read as they are, and the next write of that key splits it.
#[test]
fn a_large_value_written_whole_reads_and_is_split_when_rewritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = SledStore::open(dir.path()).expect("open");
    let whole = vec![42u8; 3 * PIECE];
    s.tree.insert(full_key(Table::Snapshots, b"d"), whole.clone()).expect("raw insert");
    assert_eq!(s.get(Table::Snapshots, b"d").expect("get"), Some(whole.clone()));
    let mut b = Batch::default();
    b.put(Table::Snapshots, b"d".to_vec(), vec![43u8; 3 * PIECE]);
    s.commit(b).expect("commit");
    assert_eq!(s.tree.get(full_key(Table::Snapshots, b"d")).expect("raw"), None);
    assert_eq!(s.scan(Table::Snapshots, b"").expect("scan"), vec![(b"d".to_vec(), vec![43u8; 3 * PIECE])]);
}

/// A missing piece is reported as damage to the store, not returned short.
#[test]
fn a_missing_piece_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = SledStore::open(dir.path()).expect("open");
    let mut b = Batch::default();
    b.put(Table::Snapshots, b"d".to_vec(), vec![1u8; 2 * PIECE]);
    s.commit(b).expect("commit");
    s.tree.remove(piece_key(Table::Snapshots, b"d", 1)).expect("raw remove");
    let err = s.get(Table::Snapshots, b"d").expect_err("damaged");
    assert!(err.to_string().contains("piece 1"), "{err}");
    assert!(s.scan(Table::Snapshots, b"").is_err());
}
