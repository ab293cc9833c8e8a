//! Twinmesh protocol: the pure part of a municipal collaboration network.
//!
//! This crate holds everything two Twinmesh nodes must agree on, and nothing that does I/O:
//!
//! - [`ids`]: document and space identifiers.
//! - [`keys`]: a municipality's ed25519 key pair, its public key, signatures.
//! - [`signed`]: signing and verifying Automerge changes with domain separation
//!   (`"twinmesh/change/v1" ‖ doc_id ‖ change_hash`), one by one or in batches.
//! - [`space`]: a partnership space, founded by a signed genesis record whose hash is the space id.
//! - [`schema`]: the document kinds (charter, plan, minutes, contacts), their fields, typed values,
//!   path validation and starting templates.
//! - [`locale`]: amounts and dates as people in each partner country type and read them.
//! - [`presence`]: who has a document open right now (ephemeral, never stored).
//! - [`export`]: the file format of an exported document (saved Automerge bytes plus a signature for
//!   every change), with size limits.
//! - [`validity`]: which changes of a document are valid under the space's membership, whatever
//!   order they arrived in.
//! - [`readiness`]: which received changes can apply now and which wait for their dependencies.
//! - [`round`]: the checks of a received sync round (Bloom filters, signature count) and the
//!   heads digest hellos and announcements carry.
//! - [`ticket`]: the signed invitation ticket.
//! - [`vouch`]: how a town's signature on a change proves its earlier changes (sync version 5).
//! - [`session`]: the sync session driver, sans I/O: every decision about the sessions a node
//!   opens (the gate, the queue, the rounds, the whole-document exchange and its fallback).
//!
//! No clock and no randomness live here: callers pass the time and random bytes in, so every
//! function is deterministic and testable.
//!
//! ```
//! use twinmesh_protocol::{ids::DocId, keys::SecretKey, signed};
//! let key = SecretKey::from_bytes([7u8; 32]);
//! let doc = DocId::from_bytes([1u8; 16]);
//! let hash = automerge::ChangeHash([9u8; 32]);
//! let sig = signed::sign_change(&key, &doc, &hash);
//! assert!(signed::verify_change(&key.public(), &doc, &hash, &sig).is_ok());
//! // The same signature does not hold for another document: no replay across documents.
//! let other = DocId::from_bytes([2u8; 16]);
//! assert!(signed::verify_change(&key.public(), &other, &hash, &sig).is_err());
//! ```
#![deny(missing_docs, rustdoc::broken_intra_doc_links)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod export;
pub mod ids;
pub mod keys;
pub mod locale;
pub mod membership;
pub mod presence;
pub mod readiness;
pub mod round;
pub mod schema;
pub mod session;
pub mod signed;
pub mod space;
pub mod ticket;
pub mod time;
pub mod validity;
pub mod vouch;
pub mod wire;

pub use automerge::{ActorId, ChangeHash};
