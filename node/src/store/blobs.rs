//! The bytes of attachments: content-addressed files beside the sled store, never inside it.
//!
//! Layout under `<data dir>/blobs/` (file names are the lower-case hex SHA-256 of the whole
//! file):
//!
//! - `<hash>`: a complete file, verified against its hash before it got this name;
//! - `<hash>.manifest`: its chunk list (the SHA-256 of each chunk, 32 bytes each, in order),
//!   whose own SHA-256 the attachment's record names;
//! - `<hash>.part/<index>`: the chunks of a file being fetched, each verified against the
//!   manifest before it got its name (written to a temporary name and renamed), so a fetch
//!   that was cut off resumes from the chunks held;
//! - `tmp-*`: files being written; left over only by a crash, removed at the next opening.
//!
//! Once the last chunk arrives the chunks are joined into a temporary file, the whole file's
//! hash is checked, and only then is it renamed to `<hash>`.

use std::{
    fs,
    io::{Read, Write},
    path::{Path, PathBuf},
};

use sha2::{Digest, Sha256};

use crate::error::NodeError;

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// The chunk size new attachments are cut into: 256 KiB (a 50 MB file is 200 chunks, so a
/// transfer cut off midway loses at most a few chunks in flight).
pub const DEFAULT_CHUNK_SIZE: u32 = 256 * 1024;
/// The smallest chunk size a record may name.
pub const MIN_CHUNK_SIZE: u32 = 16 * 1024;
/// The largest chunk size a record may name (and so the largest chunk on the wire).
pub const MAX_CHUNK_SIZE: u32 = 1024 * 1024;
/// The largest attachment: 512 MiB.
pub const MAX_FILE_SIZE: u64 = 512 * 1024 * 1024;

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> Hash {
    Sha256::digest(bytes).into()
}

/// Lower-case hex of a hash.
pub fn hex(h: &Hash) -> String {
    data_encoding::HEXLOWER.encode(h)
}

/// A hash from its hex form.
pub fn parse_hash(s: &str) -> Option<Hash> {
    data_encoding::HEXLOWER_PERMISSIVE.decode(s.as_bytes()).ok()?.try_into().ok()
}

/// How a file is cut into chunks, and each chunk's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The file's size in bytes.
    pub size: u64,
    /// The chunk size (the last chunk may be shorter).
    pub chunk_size: u32,
    /// The SHA-256 of each chunk, in order.
    pub chunks: Vec<Hash>,
}

/// How many chunks a file of `size` bytes has (an empty file has none).
pub fn chunk_count(size: u64, chunk_size: u32) -> u64 {
    size.div_ceil(u64::from(chunk_size.max(1)))
}

impl Manifest {
    /// The manifest's bytes: the chunk hashes, concatenated.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.chunks.concat()
    }

    /// Reads a manifest for a file of `size` bytes cut into `chunk_size` chunks.
    pub fn from_bytes(bytes: &[u8], size: u64, chunk_size: u32) -> Option<Self> {
        if bytes.len() as u64 != chunk_count(size, chunk_size) * 32 {
            return None;
        }
        let chunks = bytes.chunks_exact(32).filter_map(|c| c.try_into().ok()).collect();
        Some(Self { size, chunk_size, chunks })
    }

    /// The SHA-256 of [`Manifest::to_bytes`], which the attachment's record names.
    pub fn hash(&self) -> Hash {
        sha256(&self.to_bytes())
    }

    /// The length of chunk `index`.
    pub fn chunk_len(&self, index: u32) -> usize {
        let start = u64::from(index) * u64::from(self.chunk_size);
        self.size.saturating_sub(start).min(u64::from(self.chunk_size)) as usize
    }

    /// True if `bytes` is chunk `index`.
    pub fn chunk_ok(&self, index: u32, bytes: &[u8]) -> bool {
        self.chunks
            .get(index as usize)
            .is_some_and(|h| bytes.len() == self.chunk_len(index) && sha256(bytes) == *h)
    }
}

/// A file imported into the store: its hash and its manifest.
#[derive(Debug, Clone)]
pub struct Imported {
    /// SHA-256 of the whole file.
    pub hash: Hash,
    /// Its chunks.
    pub manifest: Manifest,
}

/// The blob directory.
#[derive(Debug, Clone)]
pub struct Blobs {
    dir: PathBuf,
}

impl Blobs {
    /// The blob directory `dir` (created at the first write).
    pub fn at(dir: &Path) -> Self {
        Self { dir: dir.to_path_buf() }
    }

    /// Opens the blob directory `dir`, creating it, and removes temporary files a crash left
    /// behind (see [`Blobs::clean_temps`]).
    pub fn open(dir: &Path) -> Result<Self, NodeError> {
        fs::create_dir_all(dir).map_err(|e| NodeError::io(dir, e))?;
        let b = Self::at(dir);
        b.clean_temps();
        Ok(b)
    }

    /// Removes the temporary files a crash left behind.
    pub fn clean_temps(&self) {
        if let Ok(entries) = fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().starts_with("tmp-") {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
    }

    /// Where a complete file lives.
    pub fn path(&self, hash: &Hash) -> PathBuf {
        self.dir.join(hex(hash))
    }

    fn manifest_path(&self, hash: &Hash) -> PathBuf {
        self.dir.join(format!("{}.manifest", hex(hash)))
    }

    fn part_dir(&self, hash: &Hash) -> PathBuf {
        self.dir.join(format!("{}.part", hex(hash)))
    }

    fn temp(&self) -> Result<PathBuf, NodeError> {
        fs::create_dir_all(&self.dir).map_err(|e| NodeError::io(&self.dir, e))?;
        let r: [u8; 8] = crate::engine::random();
        Ok(self.dir.join(format!("tmp-{}", data_encoding::HEXLOWER.encode(&r))))
    }

    /// True if the complete file is here.
    pub fn has(&self, hash: &Hash) -> bool {
        self.path(hash).is_file()
    }

    /// Copies the file at `src` into the store, cut into `chunk_size` chunks, calling
    /// `progress(done, total)` as it reads. Refuses a file over [`MAX_FILE_SIZE`].
    pub fn import_file(
        &self,
        src: &Path,
        chunk_size: u32,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Imported, NodeError> {
        let mut f = fs::File::open(src).map_err(|e| NodeError::io(src, e))?;
        let total = f.metadata().map_err(|e| NodeError::io(src, e))?.len();
        if total > MAX_FILE_SIZE {
            return Err(NodeError::InvalidInput(format!(
                "{} is {total} bytes; an attachment may be at most {MAX_FILE_SIZE} bytes (512 MiB)",
                src.display()
            )));
        }
        self.import_reader(&mut f, chunk_size, total, progress)
    }

    /// Copies `bytes` into the store (see [`Blobs::import_file`]).
    pub fn import_bytes(&self, bytes: &[u8], chunk_size: u32) -> Result<Imported, NodeError> {
        self.import_reader(&mut &bytes[..], chunk_size, bytes.len() as u64, &mut |_, _| {})
    }

    fn import_reader(
        &self,
        src: &mut dyn Read,
        chunk_size: u32,
        total: u64,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Imported, NodeError> {
        let tmp = self.temp()?;
        let result = (|| {
            let mut out = fs::File::create(&tmp).map_err(|e| NodeError::io(&tmp, e))?;
            let mut whole = Sha256::new();
            let mut chunks = Vec::new();
            let mut buf = vec![0u8; chunk_size as usize];
            let mut size = 0u64;
            loop {
                let n = read_full(src, &mut buf).map_err(|e| NodeError::io(&tmp, e))?;
                if n == 0 {
                    break;
                }
                size += n as u64;
                if size > MAX_FILE_SIZE {
                    return Err(NodeError::InvalidInput(format!(
                        "an attachment may be at most {MAX_FILE_SIZE} bytes (512 MiB)"
                    )));
                }
                whole.update(&buf[..n]);
                chunks.push(sha256(&buf[..n]));
                out.write_all(&buf[..n]).map_err(|e| NodeError::io(&tmp, e))?;
                progress(size, total.max(size));
                if n < buf.len() {
                    break;
                }
            }
            out.sync_all().map_err(|e| NodeError::io(&tmp, e))?;
            let hash: Hash = whole.finalize().into();
            let manifest = Manifest { size, chunk_size, chunks };
            self.write_manifest(&hash, &manifest)?;
            let dest = self.path(&hash);
            fs::rename(&tmp, &dest).map_err(|e| NodeError::io(&dest, e))?;
            let _ = fs::remove_dir_all(self.part_dir(&hash));
            Ok(Imported { hash, manifest })
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    fn write_manifest(&self, hash: &Hash, m: &Manifest) -> Result<(), NodeError> {
        let path = self.manifest_path(hash);
        if path.is_file() {
            return Ok(());
        }
        let tmp = self.temp()?;
        fs::write(&tmp, m.to_bytes()).map_err(|e| NodeError::io(&tmp, e))?;
        fs::rename(&tmp, &path).map_err(|e| NodeError::io(&path, e))
    }

    /// The manifest of `hash` if held and matching `manifest_hash` (a damaged one is removed).
    pub fn manifest(
        &self,
        hash: &Hash,
        manifest_hash: &Hash,
        size: u64,
        chunk_size: u32,
    ) -> Option<Manifest> {
        let bytes = fs::read(self.manifest_path(hash)).ok()?;
        match Manifest::from_bytes(&bytes, size, chunk_size).filter(|m| m.hash() == *manifest_hash) {
            Some(m) => Some(m),
            None => {
                let _ = fs::remove_file(self.manifest_path(hash));
                None
            }
        }
    }

    /// Stores a manifest that came from a partner, if it is the one `manifest_hash` names.
    pub fn put_manifest(
        &self,
        hash: &Hash,
        manifest_hash: &Hash,
        size: u64,
        chunk_size: u32,
        bytes: &[u8],
    ) -> Result<Manifest, NodeError> {
        let m =
            Manifest::from_bytes(bytes, size, chunk_size).filter(|m| m.hash() == *manifest_hash).ok_or_else(
                || NodeError::BadBlob("the chunk list does not match the attachment's record".into()),
            )?;
        self.write_manifest(hash, &m)?;
        Ok(m)
    }

    /// Which chunks of `hash` are held (all of them for a complete file).
    pub fn held(&self, hash: &Hash, m: &Manifest) -> Vec<bool> {
        if self.has(hash) {
            return vec![true; m.chunks.len()];
        }
        let dir = self.part_dir(hash);
        (0..m.chunks.len()).map(|i| dir.join(i.to_string()).is_file()).collect()
    }

    /// Bytes of `hash` held on disk (whole file, or the chunks of a partial one).
    pub fn bytes_held(&self, hash: &Hash) -> u64 {
        if let Ok(md) = fs::metadata(self.path(hash)) {
            return md.len();
        }
        fs::read_dir(self.part_dir(hash))
            .map(|d| d.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum())
            .unwrap_or(0)
    }

    /// Stores chunk `index` of `hash` after checking it against the manifest; joins the file
    /// once every chunk is held. Returns true when the file is complete.
    ///
    /// # Errors
    /// [`NodeError::BadBlob`] if the bytes are not the chunk (nothing is stored).
    pub fn put_chunk(&self, hash: &Hash, m: &Manifest, index: u32, bytes: &[u8]) -> Result<bool, NodeError> {
        if self.has(hash) {
            return Ok(true);
        }
        if !m.chunk_ok(index, bytes) {
            return Err(NodeError::BadBlob(format!(
                "chunk {index} of {} does not match its hash",
                hex(hash)
            )));
        }
        let dir = self.part_dir(hash);
        fs::create_dir_all(&dir).map_err(|e| NodeError::io(&dir, e))?;
        let tmp = self.temp()?;
        fs::write(&tmp, bytes).map_err(|e| NodeError::io(&tmp, e))?;
        let dest = dir.join(index.to_string());
        fs::rename(&tmp, &dest).map_err(|e| NodeError::io(&dest, e))?;
        if self.held(hash, m).iter().all(|h| *h) { self.join(hash, m).map(|()| true) } else { Ok(false) }
    }

    /// Joins the chunks of a partial file, checks the whole hash, and renames it into place.
    /// A file that does not match (a chunk damaged on disk) loses its chunks.
    fn join(&self, hash: &Hash, m: &Manifest) -> Result<(), NodeError> {
        let dir = self.part_dir(hash);
        let tmp = self.temp()?;
        let result = (|| {
            let mut out = fs::File::create(&tmp).map_err(|e| NodeError::io(&tmp, e))?;
            let mut whole = Sha256::new();
            for i in 0..m.chunks.len() {
                let p = dir.join(i.to_string());
                let bytes = fs::read(&p).map_err(|e| NodeError::io(&p, e))?;
                whole.update(&bytes);
                out.write_all(&bytes).map_err(|e| NodeError::io(&tmp, e))?;
            }
            out.sync_all().map_err(|e| NodeError::io(&tmp, e))?;
            if <[u8; 32]>::from(whole.finalize()) != *hash {
                let _ = fs::remove_dir_all(&dir);
                return Err(NodeError::BadBlob(format!(
                    "the joined file {} does not match its hash",
                    hex(hash)
                )));
            }
            let dest = self.path(hash);
            fs::rename(&tmp, &dest).map_err(|e| NodeError::io(&dest, e))?;
            let _ = fs::remove_dir_all(&dir);
            Ok(())
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    /// Chunk `index` of `hash`, from the complete file or a partial one; `None` if not held.
    pub fn read_chunk(&self, hash: &Hash, m: &Manifest, index: u32) -> Option<Vec<u8>> {
        let len = m.chunk_len(index);
        if index as usize >= m.chunks.len() {
            return None;
        }
        if let Ok(mut f) = fs::File::open(self.path(hash)) {
            use std::io::Seek;
            f.seek(std::io::SeekFrom::Start(u64::from(index) * u64::from(m.chunk_size))).ok()?;
            let mut buf = vec![0u8; len];
            f.read_exact(&mut buf).ok()?;
            return Some(buf);
        }
        fs::read(self.part_dir(hash).join(index.to_string())).ok()
    }

    /// Deletes every byte of `hash`: the file, its chunks and its manifest. True if anything
    /// was there.
    pub fn remove(&self, hash: &Hash) -> Result<bool, NodeError> {
        let mut any = false;
        for p in [self.path(hash), self.manifest_path(hash)] {
            match fs::remove_file(&p) {
                Ok(()) => any = true,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(NodeError::io(&p, e)),
            }
        }
        let dir = self.part_dir(hash);
        match fs::remove_dir_all(&dir) {
            Ok(()) => any = true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(NodeError::io(&dir, e)),
        }
        Ok(any)
    }
}

/// Reads until `buf` is full or the input ends.
fn read_full(src: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match src.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 31 % 251) as u8).collect()
    }

    #[test]
    fn manifest_cuts_and_checks_chunks() {
        let bytes = data(40_000);
        let dir = tempfile::tempdir().expect("tempdir");
        let blobs = Blobs::open(dir.path()).expect("open");
        let imp = blobs.import_bytes(&bytes, MIN_CHUNK_SIZE).expect("import");
        assert_eq!(imp.hash, sha256(&bytes));
        let m = &imp.manifest;
        assert_eq!(m.chunks.len(), 3);
        assert_eq!((m.chunk_len(0), m.chunk_len(2)), (16_384, 40_000 - 2 * 16_384));
        assert!(m.chunk_ok(2, &bytes[32_768..]));
        assert!(!m.chunk_ok(1, &bytes[32_768..]), "the wrong chunk for the index");
        let again = Manifest::from_bytes(&m.to_bytes(), 40_000, MIN_CHUNK_SIZE).expect("reads back");
        assert_eq!(again, *m);
        assert!(Manifest::from_bytes(&m.to_bytes()[..64], 40_000, MIN_CHUNK_SIZE).is_none());
        assert_eq!(chunk_count(0, MIN_CHUNK_SIZE), 0);
        assert_eq!(blobs.read_chunk(&imp.hash, m, 1).as_deref(), Some(&bytes[16_384..32_768]));
    }

    #[test]
    fn chunks_are_verified_joined_and_resumed() {
        let bytes = data(50_000);
        let src = tempfile::tempdir().expect("tempdir");
        let imp =
            Blobs::open(src.path()).expect("open").import_bytes(&bytes, MIN_CHUNK_SIZE).expect("import");
        let (h, m) = (imp.hash, imp.manifest);
        let dir = tempfile::tempdir().expect("tempdir");
        let blobs = Blobs::open(dir.path()).expect("open");
        let mh = m.hash();
        assert!(blobs.put_manifest(&h, &sha256(b"other"), m.size, m.chunk_size, &m.to_bytes()).is_err());
        blobs.put_manifest(&h, &mh, m.size, m.chunk_size, &m.to_bytes()).expect("manifest");
        let chunk = |i: usize| &bytes[i * 16_384..((i + 1) * 16_384).min(bytes.len())];
        let mut bad = chunk(1).to_vec();
        bad[7] ^= 1;
        assert!(matches!(blobs.put_chunk(&h, &m, 1, &bad), Err(NodeError::BadBlob(_))));
        assert_eq!(blobs.held(&h, &m), vec![false; 4], "a refused chunk is not kept");
        assert!(!blobs.put_chunk(&h, &m, 1, chunk(1)).expect("chunk 1"));
        assert!(!blobs.put_chunk(&h, &m, 3, chunk(3)).expect("chunk 3"));
        // Reopened (a restart): what was held is still held, and the manifest reads back.
        let blobs = Blobs::open(dir.path()).expect("reopen");
        let m2 = blobs.manifest(&h, &mh, m.size, m.chunk_size).expect("manifest kept");
        assert_eq!(blobs.held(&h, &m2), vec![false, true, false, true]);
        assert_eq!(blobs.bytes_held(&h), 16_384 + (50_000 - 3 * 16_384));
        assert!(!blobs.put_chunk(&h, &m2, 0, chunk(0)).expect("chunk 0"));
        assert!(!blobs.has(&h));
        assert!(blobs.put_chunk(&h, &m2, 2, chunk(2)).expect("last chunk"), "complete");
        assert_eq!(fs::read(blobs.path(&h)).expect("file"), bytes);
        assert!(blobs.remove(&h).expect("remove"));
        assert!(!blobs.has(&h) && blobs.bytes_held(&h) == 0);
        assert!(blobs.manifest(&h, &mh, m.size, m.chunk_size).is_none());
    }
}
