//! Twinmesh node: one municipality's store and document engine.
//!
//! - [`identity`]: the data dir layout and the node key (also its libp2p identity).
//! - [`store`]: storage behind a small trait (sled backend), atomic durable batches.
//! - [`engine`]: spaces and signed documents: create, edit, view, history, export, import.
//! - [`i18n`]: the translations of every text a person reads.
#![deny(missing_docs, rustdoc::broken_intra_doc_links)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod api;
pub mod engine;
pub mod error;
pub mod event;
pub mod formats;
pub mod handle;
pub mod http;
pub mod i18n;
pub mod identity;
pub mod labels;
pub mod locale;
pub mod net;
pub mod node;
pub mod qr;
pub mod store;

pub use engine::Engine;
pub use error::NodeError;
pub use handle::NodeHandle;
pub use identity::DataDir;
pub use node::{Config, Node};
