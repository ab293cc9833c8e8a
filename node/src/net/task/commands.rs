//! Commands from the rest of the node (`NetCmd`): listen addresses, announcements, hellos
//! again, and the API's network requests (dial, peers, sync now, invite, join, sync status,
//! presence). Each is handled without waiting: engine work goes out as a job.

use crate::net::answers::{Connected, NetAnswer};
use crate::net::work::Work;
use std::collections::HashSet;

use libp2p::{Multiaddr, PeerId, swarm::dial_opts::DialOpts};
use twinmesh_protocol::ids::DocId;

use super::{
    super::{NetCmd, NetRequest, peers::with_peer_id, session::SyncWaiter},
    NetTask, Reply,
};
use crate::error::NodeError;

impl NetTask {
    pub(super) fn on_cmd(&mut self, cmd: NetCmd) {
        match cmd {
            NetCmd::ListenAddrs(reply) => {
                let _ = reply.send(self.listen_addrs.clone());
            }
            NetCmd::Announce(doc) => self.announce(doc, true),
            // The hello batch subscribes to new spaces' topics too.
            NetCmd::Rehello => {
                self.refresh_relay_allow();
                self.send_hellos(self.peers.ids(), false, None, None)
            }
            NetCmd::Api(req, reply) => match req {
                NetRequest::Dial { addr } => self.dial(addr, reply),
                NetRequest::Peers => self.peer_list(reply),
                NetRequest::Sync { doc } => {
                    // "Sync now" reaches the partners that are offline too, now rather than at
                    // the next redial; they sync as they connect.
                    if doc.is_none() {
                        self.redial_known();
                    }
                    self.start_sync(doc, reply)
                }
                NetRequest::SpaceInvite { space, role, valid_secs } => {
                    let pid = *self.swarm.local_peer_id();
                    let addrs: Vec<String> =
                        self.listen_addrs.iter().map(|a| with_peer_id(a.clone(), pid).to_string()).collect();
                    let valid_ms =
                        valid_secs.unwrap_or(7 * 24 * 3600).saturating_mul(1000).min(i64::MAX as u64) as i64;
                    self.job(Work::Invite { space, role, valid_ms, addrs, reply });
                }
                NetRequest::SpaceJoin { ticket } => self.join(ticket, reply),
                NetRequest::SyncStatus => self.sync_status(reply),
                NetRequest::Presence { doc, viewer } => self.presence_request(doc, viewer, reply),
            },
        }
    }

    fn dial(&mut self, addr: String, reply: Reply) {
        // A bare PeerId: find its addresses through the partners (Kademlia), then dial.
        if let Ok(peer) = addr.trim().parse::<PeerId>() {
            if self.peers.is_connected(&peer) {
                let _ = reply.send(Ok(NetAnswer::Connected(Connected {
                    id: peer.to_string(),
                    addr: None,
                    connected: true,
                })));
                return;
            }
            let q = self.swarm.behaviour_mut().kad.get_closest_peers(peer);
            self.lookups.insert(q, (peer, reply));
            return;
        }
        let ma: Multiaddr = match addr.trim().parse() {
            Ok(a) => a,
            Err(e) => {
                let _ = reply.send(Err(NodeError::InvalidInput(format!(
                    "'{addr}' is not a multiaddr (e.g. /ip4/192.0.2.10/tcp/4001) or a municipality id: {e}"
                ))));
                return;
            }
        };
        self.dial_for(reply, DialOpts::unknown_peer_id().address(ma.clone()).build(), ma);
    }

    /// Dials for an API caller, who gets the answer when the connection is up or failed.
    pub(super) fn dial_for(&mut self, reply: Reply, opts: DialOpts, shown: Multiaddr) {
        self.dial_attempt(reply, opts, shown, 0);
    }

    /// [`Self::dial_for`], as attempt `retried + 1`.
    pub(in crate::net) fn dial_attempt(
        &mut self,
        reply: Reply,
        opts: DialOpts,
        shown: Multiaddr,
        retried: u8,
    ) {
        let id = opts.connection_id();
        match self.swarm.dial(opts) {
            Ok(()) => {
                self.dials.insert(id, (reply, shown, retried));
            }
            Err(e) => {
                let _ = reply.send(Err(NodeError::Network(format!("cannot dial {shown}: {e}"))));
            }
        }
    }

    fn join(&mut self, ticket: String, reply: Reply) {
        let t = match crate::engine::Ticket::decode(&ticket, crate::engine::now()) {
            Ok(t) => t,
            Err(e) => {
                let _ = reply.send(Err(e.into()));
                return;
            }
        };
        let inviter = crate::identity::peer_id(&t.inviter);
        let addrs: Vec<Multiaddr> = t.addrs.iter().filter_map(|a| a.parse().ok()).collect();
        let (space, secret) = (t.space, t.secret);
        self.job(Work::Join { inviter, addrs, space, secret, reply });
    }

    fn start_sync(&mut self, doc: Option<DocId>, reply: Reply) {
        let peers = self.peers.ids();
        let (start_applied, start_rejected) = self.peers.totals();
        self.next_waiter += 1;
        let id = self.next_waiter;
        self.waiters.push(SyncWaiter {
            id,
            peers: peers.iter().copied().collect(),
            failed: HashSet::new(),
            hellos: HashSet::new(),
            preparing: doc.is_none(),
            start_applied,
            start_rejected,
            reply,
        });
        match doc {
            Some(d) => {
                for p in peers {
                    self.start_session(p, d);
                }
                self.check_waiters();
            }
            None => self.send_hellos(peers, false, Some(id), None),
        }
    }
}
