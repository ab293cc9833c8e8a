//! Invitations: one-time tickets an admin issues, their listing and revocation, redeeming one
//! for a joiner, and taking in the answer of a successful join.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use twinmesh_protocol::{
    ids::SpaceId,
    keys::PublicKey,
    membership::{self, Membership, Role, SignedOp},
    space::{Municipality, SignedSpace},
    ticket::Ticket,
    time::Timestamp,
};

use super::{
    super::{Engine, decode, encode, now, random},
    hex,
};
use crate::{
    error::NodeError,
    store::{Batch, Table},
};

/// An invitation this node issued.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Invite {
    /// The space.
    pub space: SpaceId,
    /// The role the joiner gets.
    pub role: Role,
    /// When it stops being valid.
    pub expires: Timestamp,
    /// Set once redeemed.
    pub used_by: Option<PublicKey>,
}

impl Engine {
    /// An admin issues a one-time invitation ticket.
    pub fn invite(
        &mut self,
        space: &SpaceId,
        role: Role,
        valid_for_ms: i64,
        addrs: Vec<String>,
    ) -> Result<String, NodeError> {
        let s = self.space(space)?;
        if !self.membership(space)?.is_admin(&self.key.public()) {
            return Err(NodeError::NotAllowed("only an admin of the space can invite".into()));
        }
        let secret: [u8; 16] = random();
        let expires = Timestamp(now().as_millis().saturating_add(valid_for_ms));
        let invite = Invite { space: *space, role, expires, used_by: None };
        let mut b = Batch::default();
        b.put(Table::Invites, Sha256::digest(secret).to_vec(), encode(&invite));
        self.store.commit(b)?;
        let ticket = Ticket {
            space: *space,
            space_name: s.genesis.name,
            inviter: self.key.public(),
            addrs,
            secret,
            role,
            expires,
        };
        Ok(ticket.encode(&self.key))
    }

    /// The open invitations this node issued for `space` (neither used nor expired), each with
    /// its id: the hex SHA-256 of its secret, under which it is stored. The id names an
    /// invitation; it cannot be redeemed without the secret the ticket carries.
    pub fn invitations(&self, space: &SpaceId) -> Result<Vec<(String, Invite)>, NodeError> {
        self.space(space)?;
        let now = now();
        let mut out = Vec::new();
        for (k, v) in self.store.scan(Table::Invites, &[])? {
            let invite: Invite = decode("invitation", &v)?;
            let Ok(key) = <[u8; 32]>::try_from(k.as_slice()) else { continue };
            if invite.space == *space && invite.used_by.is_none() && invite.expires >= now {
                out.push((hex(&key), invite));
            }
        }
        out.sort_by_key(|(_, i)| i.expires);
        Ok(out)
    }

    /// Revokes an open invitation of `space` (an admin's act): its ticket no longer admits anyone.
    pub fn revoke_invitation(&mut self, space: &SpaceId, id: &str) -> Result<(), NodeError> {
        if !self.membership(space)?.is_admin(&self.key.public()) {
            return Err(NodeError::NotAllowed("only an admin of the space can revoke an invitation".into()));
        }
        let unknown = || NodeError::InvalidInput(format!("no open invitation '{id}' in this space"));
        // 64 ASCII hex digits (checked ASCII first, so slicing by byte cannot split a character).
        let key = (id.len() == 64 && id.is_ascii())
            .then(|| {
                (0..32)
                    .map(|i| u8::from_str_radix(&id[2 * i..2 * i + 2], 16).ok())
                    .collect::<Option<Vec<u8>>>()
            })
            .flatten()
            .ok_or_else(unknown)?;
        let bytes = self.store.get(Table::Invites, &key)?.ok_or_else(unknown)?;
        let invite: Invite = decode("invitation", &bytes)?;
        if invite.space != *space || invite.used_by.is_some() {
            return Err(unknown());
        }
        let mut b = Batch::default();
        b.remove(Table::Invites, key);
        self.store.commit(b)?;
        Ok(())
    }

    /// Redeems an invitation presented by `joiner` over an authenticated connection: checks it,
    /// marks it used, and adds the joiner with the invitation's role.
    pub fn redeem(
        &mut self,
        space: &SpaceId,
        secret: &[u8; 16],
        joiner: Municipality,
    ) -> Result<(SignedSpace, Vec<SignedOp>), NodeError> {
        let key = Sha256::digest(secret).to_vec();
        let refuse = |why: &str| NodeError::NotAllowed(why.to_string());
        let bytes = self
            .store
            .get(Table::Invites, &key)?
            .ok_or_else(|| refuse("unknown invitation (altered ticket?)"))?;
        let mut invite: Invite = decode("invitation", &bytes)?;
        if invite.space != *space {
            return Err(refuse("the invitation is for another space"));
        }
        if let Some(by) = invite.used_by {
            if by != joiner.key {
                return Err(refuse("this invitation was already used"));
            }
        } else {
            if invite.expires < now() {
                return Err(refuse("this invitation has expired"));
            }
            if !self.membership(space)?.can_read(&joiner.key) {
                self.add_member(space, joiner.key, &joiner.name, invite.role)?;
            }
            invite.used_by = Some(joiner.key);
            let mut b = Batch::default();
            b.put(Table::Invites, key, encode(&invite));
            self.store.commit(b)?;
        }
        Ok((self.space(space)?, self.member_ops(space)?))
    }

    /// Takes in the answer of a successful join: the space and its log.
    pub fn accept_join(&mut self, space: SignedSpace, log: Vec<SignedOp>) -> Result<SpaceId, NodeError> {
        let id = space.verify()?;
        if log.len() > membership::MAX_STORED_OPS {
            return Err(NodeError::NotAllowed(format!(
                "the inviter's log has {} operations, more than the limit of {}",
                log.len(),
                membership::MAX_STORED_OPS
            )));
        }
        let m = Membership::compute(&space, &log);
        if !m.can_read(&self.key.public()) {
            return Err(NodeError::NotAllowed("the inviter's log does not include this town".into()));
        }
        if self.store.get(Table::Spaces, id.as_bytes())?.is_none() {
            let mut b = Batch::default();
            b.put(Table::Spaces, id.as_bytes().to_vec(), space.to_bytes());
            self.store.commit(b)?;
        }
        self.merge_ops(&id, log)?;
        Ok(id)
    }
}
