//! The file format of an exported document.
//!
//! ```text
//! "TWINDOC" 0x01        8 bytes of magic, the last one the format version
//! postcard(DocExport)  the rest of the file: doc id, signed space record, saved document,
//!                      a signature per change, the space's membership log
//! ```
//! A plain Automerge file carries no signatures, so it is refused with a message that says so.

use serde::{Deserialize, Serialize};

use crate::{ids::DocId, keys::Signature, space::SignedSpace};

/// Magic bytes at the start of an export file; the last byte is the format version.
pub const EXPORT_MAGIC: &[u8; 8] = b"TWINDOC\x01";

/// Largest export file we read: large enough for years of a busy plan (the whole
/// automerge-paper trace saves to well under 1 MiB), small enough to never exhaust memory.
pub const MAX_EXPORT_BYTES: usize = 256 * 1024 * 1024;

/// Magic bytes of a saved Automerge document.
const AUTOMERGE_MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// An exported document: its saved Automerge bytes and a signature for every change.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocExport {
    /// The document's id (signatures are bound to it).
    pub doc_id: DocId,
    /// The space the document belongs to, with its founder's signature.
    pub space: SignedSpace,
    /// The saved Automerge document.
    pub saved: Vec<u8>,
    /// `(change hash, signature)` for every change in `saved`.
    pub signatures: Vec<([u8; 32], Signature)>,
    /// The space's membership log, so the importer can check that every author may write.
    pub log: Vec<crate::membership::SignedOp>,
}

/// Why an export file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The file is a plain Automerge document, which carries no signatures.
    #[error(
        "this is a plain Automerge file without signatures; bring its content in as a new document with `twin doc import --plain --space SPACE`"
    )]
    PlainAutomerge,
    /// The file does not start with the export magic.
    #[error("not a Twinmesh document export (unknown file format)")]
    NotAnExport,
    /// The file does not start with the bundle magic.
    #[error("not a Twinmesh bundle (unknown file format)")]
    NotABundle,
    /// The format version is newer than this program knows.
    #[error("export format version {0} is not supported by this version of twin; upgrade twin")]
    UnsupportedVersion(u8),
    /// The file is larger than [`MAX_EXPORT_BYTES`].
    #[error("export file is {0} bytes, larger than the limit of {MAX_EXPORT_BYTES}")]
    TooLarge(usize),
    /// The content is truncated or corrupt.
    #[error("export file is truncated or corrupt: {0}")]
    Corrupt(String),
}

impl DocExport {
    /// Encodes the export file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = EXPORT_MAGIC.to_vec();
        out.extend(postcard::to_stdvec(self).unwrap_or_default());
        out
    }

    /// Decodes an export file. Decoding checks the structure only; signatures and the
    /// document itself are checked by the importer before anything is stored.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ExportError> {
        if bytes.len() > MAX_EXPORT_BYTES {
            return Err(ExportError::TooLarge(bytes.len()));
        }
        if bytes.starts_with(&AUTOMERGE_MAGIC) {
            return Err(ExportError::PlainAutomerge);
        }
        if bytes.len() < EXPORT_MAGIC.len() || bytes[..7] != EXPORT_MAGIC[..7] {
            return Err(ExportError::NotAnExport);
        }
        if bytes[7] != EXPORT_MAGIC[7] {
            return Err(ExportError::UnsupportedVersion(bytes[7]));
        }
        let (export, rest) = postcard::take_from_bytes::<Self>(&bytes[8..])
            .map_err(|e| ExportError::Corrupt(e.to_string()))?;
        if !rest.is_empty() {
            return Err(ExportError::Corrupt(format!("{} unexpected trailing bytes", rest.len())));
        }
        Ok(export)
    }
}

/// Magic bytes of a bundle file; the last byte is the format version.
pub const BUNDLE_MAGIC: &[u8; 8] = b"TWINBDL\x01";

/// Magic bytes of a bundle that also carries the bytes of attachments (format version 2: a
/// version 1 bundle's body followed by the files). A bundle without attachments is written as
/// version 1, which every node reads.
pub const BUNDLE_MAGIC_V2: &[u8; 8] = b"TWINBDL\x02";

/// The bytes of one attachment in a bundle; the importer checks them against `hash` and keeps
/// them only for an attachment its documents record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BundleFile {
    /// SHA-256 of `bytes`.
    pub hash: [u8; 32],
    /// The file.
    pub bytes: Vec<u8>,
}

/// Signed changes of one document in a bundle.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BundleDoc {
    /// The document.
    pub doc: DocId,
    /// Its kind.
    pub kind: crate::schema::DocKind,
    /// Raw Automerge change bytes with the author's signature, in causal order.
    pub changes: Vec<(Vec<u8>, Signature)>,
}

/// A sneakernet bundle: signed changes of a space's documents, for `twin bundle import`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bundle {
    /// The space.
    pub space: SignedSpace,
    /// Its membership log.
    pub log: Vec<crate::membership::SignedOp>,
    /// The documents' changes.
    pub docs: Vec<BundleDoc>,
}

impl Bundle {
    /// Encodes the bundle file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = BUNDLE_MAGIC.to_vec();
        out.extend(postcard::to_stdvec(self).unwrap_or_default());
        out
    }

    /// Encodes the bundle file with the bytes of `files` (version 2; version 1 if there are
    /// none).
    pub fn to_bytes_with(&self, files: &[BundleFile]) -> Vec<u8> {
        if files.is_empty() {
            return self.to_bytes();
        }
        let mut out = BUNDLE_MAGIC_V2.to_vec();
        out.extend(postcard::to_stdvec(self).unwrap_or_default());
        out.extend(postcard::to_stdvec(files).unwrap_or_default());
        out
    }

    /// Decodes a bundle file (structure only; the importer verifies every change), without
    /// the attachments a version 2 bundle carries.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ExportError> {
        Self::from_bytes_with_files(bytes).map(|(b, _)| b)
    }

    /// Decodes a bundle file of version 1 or 2, with the attachments it carries (structure
    /// only: the importer checks every change and every file's hash).
    pub fn from_bytes_with_files(bytes: &[u8]) -> Result<(Self, Vec<BundleFile>), ExportError> {
        if bytes.len() > MAX_EXPORT_BYTES {
            return Err(ExportError::TooLarge(bytes.len()));
        }
        if bytes.len() < BUNDLE_MAGIC.len() || bytes[..7] != BUNDLE_MAGIC[..7] {
            return Err(ExportError::NotABundle);
        }
        let with_files = match bytes[7] {
            1 => false,
            2 => true,
            v => return Err(ExportError::UnsupportedVersion(v)),
        };
        let (b, rest) = postcard::take_from_bytes::<Self>(&bytes[8..])
            .map_err(|e| ExportError::Corrupt(e.to_string()))?;
        let (files, rest) = if with_files {
            postcard::take_from_bytes::<Vec<BundleFile>>(rest)
                .map_err(|e| ExportError::Corrupt(e.to_string()))?
        } else {
            (Vec::new(), rest)
        };
        if !rest.is_empty() {
            return Err(ExportError::Corrupt(format!("{} unexpected trailing bytes", rest.len())));
        }
        Ok((b, files))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{keys::SecretKey, space::Municipality, time::Timestamp};

    fn sample() -> DocExport {
        let key = SecretKey::from_bytes([1; 32]);
        let founder = Municipality { key: key.public(), name: "A".into(), country: "FR".into() };
        let space = SignedSpace::create(&key, "S", founder, Timestamp(0), [0; 16]).expect("space");
        DocExport {
            doc_id: DocId::from_bytes([2; 16]),
            space,
            saved: vec![1, 2, 3],
            signatures: vec![([4; 32], key.sign(b"x"))],
            log: vec![],
        }
    }

    #[test]
    fn round_trip_and_every_truncation_is_refused() {
        let bytes = sample().to_bytes();
        let back = DocExport::from_bytes(&bytes).expect("decodes");
        assert_eq!(back.doc_id, sample().doc_id);
        for len in 0..bytes.len() {
            assert!(DocExport::from_bytes(&bytes[..len]).is_err(), "truncated to {len} accepted");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(DocExport::from_bytes(&longer), Err(ExportError::Corrupt(_))));
    }

    #[test]
    fn foreign_formats_are_named() {
        assert_eq!(
            DocExport::from_bytes(&[0x85, 0x6f, 0x4a, 0x83, 0, 0]).err(),
            Some(ExportError::PlainAutomerge)
        );
        assert_eq!(DocExport::from_bytes(b"hello world").err(), Some(ExportError::NotAnExport));
        let mut v2 = sample().to_bytes();
        v2[7] = 2;
        assert_eq!(DocExport::from_bytes(&v2).err(), Some(ExportError::UnsupportedVersion(2)));
    }
}
