//! The node's key file and data-dir layout.
//!
//! ```text
//! DATA_DIR/
//!   identity.key   32 secret bytes of the ed25519 key, mode 0600; also the libp2p identity
//!   api.token      the HTTP API's bearer token, mode 0600
//!   store/         the sled store (see store::trees), mode 0700, every file in it 0600
//! ```
//!
//! Everything Twinmesh writes here is owner-only whatever the umask and whatever the mode of a
//! data dir that existed before `twin init`; `twin init` and `twin start` warn when the data
//! dir itself is open to other users ([`DataDir::open_to_others`]).

use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
};

use libp2p::identity::PeerId;
use twinmesh_protocol::keys::{PublicKey, SecretKey};

use crate::error::NodeError;

/// Paths inside a node's data directory.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// Wraps a data directory path (which may not exist yet).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The secret key file.
    pub fn key_path(&self) -> PathBuf {
        self.root.join("identity.key")
    }

    /// The store directory.
    pub fn store_path(&self) -> PathBuf {
        self.root.join("store")
    }

    /// True if `twin init` has run here.
    pub fn is_initialized(&self) -> bool {
        self.key_path().exists()
    }

    /// The data dir's permission bits if other users may read or enter it (group or other
    /// bits set), for a warning: the files in it are owner-only, but their names and sizes
    /// show. `None` if it is private, missing, or not on Unix.
    pub fn open_to_others(&self) -> Option<u32> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&self.root).ok()?.permissions().mode() & 0o777;
            (mode & 0o077 != 0).then_some(mode)
        }
        #[cfg(not(unix))]
        {
            None
        }
    }
}

/// Creates `path` and its missing parents with mode 0700 (an existing directory keeps its mode).
pub(crate) fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(path)
}

/// Makes `path` owner-only: a directory 0700 with everything under it (files 0600,
/// directories 0700), a file 0600. Does not follow symbolic links.
pub(crate) fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = fs::symlink_metadata(path)?;
        if meta.is_dir() {
            fs::set_permissions(path, fs::Permissions::from_mode(0o700))?;
            for entry in fs::read_dir(path)? {
                make_private(&entry?.path())?;
            }
        } else if meta.is_file() {
            fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Writes `bytes` to a new file at `path` with mode 0600 (whatever the umask), replacing an
/// existing file, and syncs it.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), NodeError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(NodeError::io(path, e)),
        _ => {}
    }
    write_new_private(path, bytes)
}

/// Writes `bytes` to a new file at `path` with mode 0600; fails if the file exists.
fn write_new_private(path: &Path, bytes: &[u8]) -> Result<(), NodeError> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| NodeError::io(path, e))?;
    f.write_all(bytes).map_err(|e| NodeError::io(path, e))?;
    f.sync_all().map_err(|e| NodeError::io(path, e))?;
    Ok(())
}

/// The PeerId of a municipality key: the same key is the node's libp2p identity.
pub fn peer_id(key: &PublicKey) -> PeerId {
    let pk = libp2p::identity::ed25519::PublicKey::try_from_bytes(&key.to_bytes())
        .expect("our PublicKey only holds valid curve points, which libp2p accepts too");
    libp2p::identity::PublicKey::from(pk).to_peer_id()
}

/// The libp2p key pair made of the same secret bytes.
pub fn libp2p_keypair(key: &SecretKey) -> libp2p::identity::Keypair {
    libp2p::identity::Keypair::ed25519_from_bytes(key.to_bytes())
        .expect("any 32 bytes are a valid ed25519 secret key")
}

/// The last six characters of a town's PeerId: how debug logs name the town that wrote them
/// when several run in one process (tests, demos).
pub fn short_id(peer: &PeerId) -> String {
    let s = peer.to_string();
    s[s.len().saturating_sub(6)..].to_string()
}

/// The municipality key inside a PeerId (Twinmesh PeerIds always embed an ed25519 key).
pub fn key_of_peer(peer: &PeerId) -> Option<PublicKey> {
    let bytes = peer.to_bytes();
    // Identity multihash: 0x00, length, then the protobuf-encoded public key.
    if bytes.len() < 2 || bytes[0] != 0 {
        return None;
    }
    let pk = libp2p::identity::PublicKey::try_decode_protobuf(&bytes[2..]).ok()?;
    let ed = pk.try_into_ed25519().ok()?;
    PublicKey::from_bytes(&ed.to_bytes()).ok()
}

/// Parses a PeerId text into the municipality key it carries.
pub fn key_from_peer_id(text: &str) -> Result<PublicKey, NodeError> {
    let bad =
        || NodeError::InvalidInput(format!("'{text}' is not a municipality id (a PeerId like 12D3KooW...)"));
    let peer: PeerId = text.trim().parse().map_err(|_| bad())?;
    key_of_peer(&peer).ok_or_else(bad)
}

/// Writes a new key file with mode 0600. Refuses to overwrite an existing file.
pub(crate) fn write_key(path: &Path, key: &SecretKey) -> Result<(), NodeError> {
    write_new_private(path, &key.to_bytes())
}

/// Reads the key file.
pub(crate) fn read_key(path: &Path) -> Result<SecretKey, NodeError> {
    let bytes = fs::read(path).map_err(|e| NodeError::io(path, e))?;
    let arr: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| NodeError::Corrupt(format!("key file {} must hold exactly 32 bytes", path.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(path = %path.display(), "key file is readable by other users; run chmod 600");
        }
    }
    Ok(SecretKey::from_bytes(arr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_id_round_trips_to_the_key() {
        let key = SecretKey::from_bytes([9; 32]);
        let pid = peer_id(&key.public());
        assert_eq!(key_from_peer_id(&pid.to_string()).expect("parses"), key.public());
        assert_eq!(libp2p_keypair(&key).public().to_peer_id(), pid);
        assert!(key_from_peer_id("not-a-peer").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn key_file_is_private_and_never_overwritten() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("k");
        let key = SecretKey::from_bytes([1; 32]);
        write_key(&path, &key).expect("write");
        let mode = fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(write_key(&path, &SecretKey::from_bytes([2; 32])).is_err());
        assert_eq!(read_key(&path).expect("read").public(), key.public());
    }
}
