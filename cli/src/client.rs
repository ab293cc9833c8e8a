//! How a command reaches the node: directly on the store when no node runs, or over the local
//! HTTP API of the running `twin start` (which holds the store's lock).

use std::time::Duration;

use anyhow::Context as _;
use serde::de::DeserializeOwned;
use serde_json::Value;
use twinmesh_node::{
    Engine, NodeError,
    api::{self, Envelope, Request},
    http::{ApiInfo, info_path, token_path},
    store::StoreError,
};

use crate::Ctx;
use twinmesh_node::t;

/// Largest API response read (a base64 export of a large document).
const MAX_RESPONSE_BYTES: u64 = 128 * 1024 * 1024;

pub(crate) enum Client {
    Local(Box<Engine>),
    Remote { url: String, token: String, agent: ureq::Agent },
}

impl Client {
    /// Opens the store, or finds the running node that holds it.
    pub(crate) fn connect(ctx: &Ctx) -> anyhow::Result<Self> {
        match Engine::open(&ctx.data_dir) {
            Ok(e) => Ok(Self::Local(Box::new(e))),
            Err(NodeError::Store(StoreError::Locked(path))) => {
                let info: ApiInfo = std::fs::read(info_path(&ctx.data_dir))
                    .ok()
                    .and_then(|b| serde_json::from_slice(&b).ok())
                    .ok_or(NodeError::Store(StoreError::Locked(path)))?;
                let token = std::fs::read_to_string(token_path(&ctx.data_dir))
                    .context(t!(ctx.lang, "cli-token-unreadable"))?
                    .trim()
                    .to_string();
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(60)))
                    .build()
                    .into();
                Ok(Self::Remote { url: info.url, token, agent })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Sends a request and returns the JSON result.
    pub(crate) fn call(&mut self, ctx: &Ctx, request: Request) -> anyhow::Result<Value> {
        let env = Envelope { officer: ctx.officer.clone(), request };
        match self {
            // The node's own message, in the user's language: the same words as through a
            // running node (whose HTTP API answers in the Accept-Language sent below).
            // The typed answer becomes JSON here, at the CLI's edge, as the HTTP API's does.
            Self::Local(engine) => {
                let answer = api::handle(engine, env).map_err(|e| anyhow::anyhow!(e.message(ctx.lang)))?;
                serde_json::to_value(answer).context(t!(ctx.lang, "cli-bad-answer"))
            }
            Self::Remote { url, token, agent } => {
                let mut resp = agent
                    .post(format!("{url}/api/v1/rpc"))
                    .header("Authorization", format!("Bearer {token}"))
                    .header("Accept-Language", ctx.lang.code())
                    .send_json(&env)
                    .with_context(|| t!(ctx.lang, "cli-node-unreachable", url = url.as_str()))?;
                let status = resp.status();
                let body: Value = resp
                    .body_mut()
                    .with_config()
                    .limit(MAX_RESPONSE_BYTES)
                    .read_json()
                    .context(t!(ctx.lang, "cli-bad-answer"))?;
                if status.is_success() {
                    Ok(body)
                } else {
                    match body.get("error").and_then(Value::as_str) {
                        Some(msg) => anyhow::bail!("{msg}"),
                        None => anyhow::bail!(t!(ctx.lang, "cli-request-failed", status = status.as_u16())),
                    }
                }
            }
        }
    }

    /// Sends a request and decodes the result.
    pub(crate) fn call_as<T: DeserializeOwned>(&mut self, ctx: &Ctx, request: Request) -> anyhow::Result<T> {
        let v = self.call(ctx, request)?;
        serde_json::from_value(v).context(t!(ctx.lang, "cli-bad-answer"))
    }
}
