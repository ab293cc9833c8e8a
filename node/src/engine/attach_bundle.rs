//! Attachments in sneakernet bundles: the bytes of small attachments travel with the signed
//! changes (bundle format version 2), checked against their hash when the bundle is read and
//! kept only for attachments the imported documents record.

use twinmesh_protocol::{export::BundleFile, ids::SpaceId};

use super::Engine;
use crate::{
    error::NodeError,
    store::blobs::{self, sha256},
};

/// Largest attachment a bundle carries: 10 MB. Bigger ones travel over the network only.
pub const BUNDLE_FILE_MAX: u64 = 10 * 1024 * 1024;
/// Most attachment bytes one bundle carries: 20 MB (the smallest attachments first).
pub const BUNDLE_FILES_TOTAL: u64 = 20 * 1024 * 1024;

impl Engine {
    /// The live attachments of `space`'s documents held here that a bundle carries, as
    /// `(size, hash)`: each at most [`BUNDLE_FILE_MAX`], smallest first, up to
    /// [`BUNDLE_FILES_TOTAL`] in all. Nothing is read yet.
    pub(crate) fn bundle_file_plan(&mut self, space: &SpaceId) -> Result<Vec<(u64, [u8; 32])>, NodeError> {
        let blobs = self.blobs();
        let mut found = Vec::new();
        for d in self.docs(Some(space))? {
            for e in self.attachment_entries(&d.id)? {
                let h = e.rec.file_hash();
                if e.removed.is_none() && e.rec.size <= BUNDLE_FILE_MAX && blobs.has(&h) {
                    found.push((e.rec.size, h));
                }
            }
        }
        found.sort();
        found.dedup();
        let mut total = 0u64;
        found.retain(|(size, _)| {
            let fits = total + size <= BUNDLE_FILES_TOTAL;
            if fits {
                total += size;
            }
            fits
        });
        Ok(found)
    }

    /// Reads the files of [`Engine::bundle_file_plan`], calling `read(bytes)` after each.
    pub(crate) fn bundle_files(
        &mut self,
        plan: &[(u64, [u8; 32])],
        read: &mut dyn FnMut(u64),
    ) -> Result<Vec<BundleFile>, NodeError> {
        let blobs = self.blobs();
        let mut out = Vec::with_capacity(plan.len());
        for &(_, hash) in plan {
            let path = blobs.path(&hash);
            let bytes = std::fs::read(&path).map_err(|e| NodeError::io(&path, e))?;
            read(bytes.len() as u64);
            out.push(BundleFile { hash, bytes });
        }
        Ok(out)
    }

    /// Checks that every file of a bundle is what its hash says, before anything is imported.
    /// `checked(bytes)` is called after each file.
    pub(crate) fn check_bundle_files(
        files: &[BundleFile],
        checked: &mut dyn FnMut(u64),
    ) -> Result<(), NodeError> {
        for f in files {
            if f.bytes.len() as u64 > BUNDLE_FILE_MAX || sha256(&f.bytes) != f.hash {
                return Err(NodeError::BadBlob(format!(
                    "the bundle's copy of attachment {} does not match its hash; nothing was imported",
                    blobs::hex(&f.hash)
                )));
            }
            checked(f.bytes.len() as u64);
        }
        Ok(())
    }

    /// Keeps the files of a bundle that a live attachment of `space`'s documents records (cut
    /// into the record's chunks, its chunk list checked against the record). Returns how many.
    /// `handled(bytes)` is called after each file, kept or not.
    pub(crate) fn keep_bundle_files(
        &mut self,
        space: &SpaceId,
        files: Vec<BundleFile>,
        handled: &mut dyn FnMut(u64),
    ) -> Result<usize, NodeError> {
        if files.is_empty() {
            return Ok(0);
        }
        let mut records = Vec::new();
        for d in self.docs(Some(space))? {
            records.extend(self.attachment_entries(&d.id)?.into_iter().filter(|e| e.removed.is_none()));
        }
        let blobs = self.blobs();
        let mut kept = 0;
        for f in files {
            let size = f.bytes.len() as u64;
            let wanted = records.iter().find(|e| e.rec.file_hash() == f.hash);
            let Some(e) = wanted.filter(|_| !blobs.has(&f.hash)) else {
                handled(size);
                continue;
            };
            let imported = blobs.import_bytes(&f.bytes, e.rec.chunk_size)?;
            if imported.hash != f.hash || imported.manifest.hash() != e.rec.manifest_hash() {
                blobs.remove(&imported.hash)?;
                return Err(NodeError::BadBlob(format!(
                    "the bundle's copy of attachment '{}' does not match its record",
                    e.rec.name
                )));
            }
            kept += 1;
            handled(size);
        }
        Ok(kept)
    }
}
