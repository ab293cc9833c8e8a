//! `twin`: run a municipal Twinmesh node and edit the partnership's shared documents.

#[macro_use]
mod output;
mod client;
mod cmd;
mod progress;

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use twinmesh_node::t;

/// Twinmesh: peer-to-peer planning for twinned towns.
///
/// Each municipality runs its own node. Shared documents (charters, joint project plans,
/// minutes, contacts) are signed by the municipality that changed them and verified by every
/// partner.
#[derive(Debug, Parser)]
#[command(name = "twin", version, propagate_version = true)]
struct Cli {
    /// The node's data directory. Default: the platform data dir (on Linux
    /// ~/.local/share/twinmesh).
    #[arg(long, global = true, env = "TWIN_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,

    /// The officer making changes, recorded in each change's history entry.
    #[arg(long, global = true, env = "TWIN_OFFICER", value_name = "NAME")]
    officer: Option<String>,

    /// Language of messages, of amounts and dates typed and shown, and of the template of a new
    /// document (`doc new`): en, fr, de, ro, it. Default: TWIN_LANG, else the locale (LC_ALL, LC_MESSAGES, LANG), else en. `--help`
    /// stays in English.
    #[arg(long, global = true, value_name = "LANG")]
    lang: Option<twinmesh_node::i18n::Lang>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create this municipality's identity and store.
    Init(cmd::init::InitArgs),
    /// Show this municipality's id (PeerId), name, country and public key.
    Id,
    /// Run the node in the foreground until Ctrl-C.
    Start(cmd::start::StartArgs),
    /// Partnership spaces.
    #[command(subcommand)]
    Space(cmd::space::SpaceCmd),
    /// Shared documents.
    #[command(subcommand)]
    Doc(cmd::doc::DocCmd),
    /// Sync by file: bundles of signed changes carried by e-mail or USB stick.
    #[command(subcommand)]
    Bundle(cmd::bundle::BundleCmd),
    /// Connect the running node to a partner's node; the address is remembered.
    Dial {
        /// The partner's address, e.g. /ip4/192.0.2.10/tcp/4001/p2p/12D3KooW..., or just its
        /// id (12D3KooW...) to find its address through connected partners.
        multiaddr: String,
    },
    /// The running node's addresses, reachability (AutoNAT) and relay reservations.
    Status,
    /// Connected and known partners: names, last seen, sync activity, shared spaces.
    Peers,
    /// Sync now with connected partners and report what moved; `twin sync status` shows,
    /// per partner town, whether it is online, when it last synced, and the changes waiting
    /// to go out to it and received from it.
    #[command(args_conflicts_with_subcommands = true)]
    Sync {
        #[command(subcommand)]
        what: Option<cmd::net::SyncCmd>,
        /// Only this document.
        doc: Option<twinmesh_protocol::ids::DocId>,
    },
}

/// What every command gets.
pub(crate) struct Ctx {
    pub(crate) data_dir: twinmesh_node::DataDir,
    pub(crate) json: bool,
    pub(crate) officer: Option<String>,
    /// The user's language.
    pub(crate) lang: twinmesh_node::i18n::Lang,
}

fn default_data_dir() -> anyhow::Result<PathBuf> {
    directories::ProjectDirs::from("eu", "Twinmesh", "twinmesh")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or_else(|| anyhow::anyhow!(t!(twinmesh_node::i18n::Lang::from_env(), "cli-no-home")))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let data_dir = match cli.data_dir {
        Some(d) => d,
        None => default_data_dir()?,
    };
    let ctx = Ctx {
        data_dir: twinmesh_node::DataDir::new(data_dir),
        json: cli.json,
        officer: cli.officer,
        lang: cli.lang.unwrap_or_else(twinmesh_node::i18n::Lang::from_env),
    };
    match cli.command {
        Command::Init(a) => cmd::init::run(&ctx, a),
        Command::Id => cmd::init::id(&ctx),
        Command::Start(a) => cmd::start::run(&ctx, a),
        Command::Space(c) => cmd::space::run(&ctx, c),
        Command::Doc(c) => cmd::doc::run(&ctx, c),
        Command::Bundle(c) => cmd::bundle::run(&ctx, c),
        Command::Dial { multiaddr } => cmd::net::dial(&ctx, multiaddr),
        Command::Peers => cmd::net::peers(&ctx),
        Command::Status => cmd::net::status(&ctx),
        Command::Sync { what: Some(cmd::net::SyncCmd::Status), .. } => cmd::net::sync_status(&ctx),
        Command::Sync { what: None, doc } => cmd::net::sync(&ctx, doc),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A running node logs what it does; one-shot commands print only their result or a
    // one-line error, so libraries stay quiet unless TWIN_LOG asks otherwise.
    let default_filter = if matches!(cli.command, Command::Start(_)) {
        // Kademlia warns at every start of a node that knows no partner yet ("Failed to trigger
        // bootstrap: No known peers"): normal for a new town, alarming to its IT staff.
        "warn,libp2p_kad=error,twinmesh_node=info,twinmesh_cli=info"
    } else {
        "off,twinmesh_node=warn"
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TWIN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter)),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let json = cli.json;
    let lang = cli.lang.unwrap_or_else(twinmesh_node::i18n::Lang::from_env);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Error types that embed their cause in their own message would otherwise print it
            // twice: skip causes already said.
            let mut msg = String::new();
            for cause in e.chain().map(|c| c.to_string()) {
                if !msg.contains(&cause) {
                    if !msg.is_empty() {
                        msg.push_str(": ");
                    }
                    msg.push_str(&cause);
                }
            }
            if json {
                out!("{}", serde_json::json!({ "error": msg }));
            }
            eprintln!("{}", t!(lang, "cli-error", message = msg));
            ExitCode::FAILURE
        }
    }
}
