//! Spaces: founding one, its signed record, listing them, and the municipalities this node
//! can name (founders, partners' profiles, members' names).
//!
//! Membership of a space (its log, invitations, the quarantine) lives in `members.rs`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use twinmesh_protocol::{
    ids::SpaceId,
    keys::PublicKey,
    space::{Municipality, SignedSpace},
    time::Timestamp,
};

use super::{Engine, now, random};
use crate::{
    error::NodeError,
    store::{Batch, Table},
};

/// A space as listed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpaceInfo {
    /// Its id.
    pub id: SpaceId,
    /// Its name.
    pub name: String,
    /// The founding municipality.
    pub founder: Municipality,
    /// When it was founded.
    pub created: Timestamp,
    /// Number of documents in it on this node.
    pub documents: usize,
}

impl Engine {
    /// Founds a new space with this municipality as founder.
    pub fn create_space(&mut self, name: &str) -> Result<SpaceInfo, NodeError> {
        let space = SignedSpace::create(&self.key, name, self.me.clone(), now(), random())?;
        let id = space.id();
        let mut b = Batch::default();
        b.put(Table::Spaces, id.as_bytes().to_vec(), space.to_bytes());
        self.store.commit(b)?;
        self.space_info(&id)
    }

    /// A space's signed record.
    pub fn space(&self, id: &SpaceId) -> Result<SignedSpace, NodeError> {
        let bytes = self
            .store
            .get(Table::Spaces, id.as_bytes())?
            .ok_or_else(|| NodeError::UnknownSpace(id.to_string()))?;
        Ok(SignedSpace::from_bytes(&bytes)?)
    }

    fn space_info(&self, id: &SpaceId) -> Result<SpaceInfo, NodeError> {
        let s = self.space(id)?;
        let documents = self.docs(Some(id))?.len();
        Ok(SpaceInfo {
            id: *id,
            name: s.genesis.name,
            founder: s.genesis.founder,
            created: s.genesis.created,
            documents,
        })
    }

    /// Every space this node knows.
    pub fn spaces(&self) -> Result<Vec<SpaceInfo>, NodeError> {
        let mut out = Vec::new();
        for (k, _) in self.store.scan(Table::Spaces, &[])? {
            let id = SpaceId::from_slice(&k).ok_or_else(|| NodeError::Corrupt("space key".into()))?;
            out.push(self.space_info(&id)?);
        }
        out.sort_by(|a, b| a.created.cmp(&b.created).then(a.name.cmp(&b.name)));
        Ok(out)
    }

    /// Municipalities this node can name: itself and every space's founder.
    pub fn known_municipalities(&self) -> Result<HashMap<[u8; 32], Municipality>, NodeError> {
        let mut out = HashMap::new();
        for (_, v) in self.store.scan(Table::Spaces, &[])? {
            if let Ok(s) = SignedSpace::from_bytes(&v) {
                out.insert(s.genesis.founder.key.to_bytes(), s.genesis.founder);
            }
        }
        for (key, rec) in self.peers()? {
            if let Some(p) = rec.profile {
                out.insert(key.to_bytes(), p);
            }
        }
        for (key, name) in self.member_names()? {
            out.entry(key).or_insert_with(|| Municipality {
                key: PublicKey::from_bytes(&key).unwrap_or(self.me.key),
                name,
                country: String::new(),
            });
        }
        out.insert(self.me.key.to_bytes(), self.me.clone());
        Ok(out)
    }
}
