//! The `hrsync` command-line tool: a thin shell over `hr-sync`.
//!
//! `hrsync --config hrsync.toml <command>`: `check`, `preview`, `plan`, `apply --plan
//! FILE`, `sync [--every 1h]`, `explain <employee>`, `journal`, `okta users`, `demo`, and
//! `serve` (pull mode: the SCIM gateway Okta imports from, see [`ServeArgs`]).
//! See [`config`] for the file and [`Exit`] for the exit codes.

pub mod config;
mod run;
mod serve;
mod tls;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

pub use run::run;

/// How `hrsync` ends; the process exit code is the number.
///
/// | code | meaning |
/// |---|---|
/// | 0 | done |
/// | 1 | an unexpected error (a bug, or the system refused something) |
/// | 2 | the configuration (file, keys, environment variables) or the arguments (an unknown employee, an override without a reason) can't be used |
/// | 3 | a safeguard tripped: nothing was written |
/// | 4 | the run finished, but some people failed (see the journal) |
/// | 5 | a credential or connection check failed, or a side could not be read |
/// | 6 | the saved plan no longer matches a fresh one: nothing was written |
///
/// ```
/// assert_eq!(hrsync_cli::Exit::Safeguard.code(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Exit {
    /// Done.
    Ok,
    /// An unexpected error.
    Internal,
    /// The configuration or the arguments can't be used.
    Config,
    /// A safeguard tripped.
    Safeguard,
    /// Some people failed.
    Partial,
    /// A side could not be reached or read.
    Unreachable,
    /// The saved plan is stale.
    StalePlan,
}

impl Exit {
    /// The process exit code.
    #[must_use]
    pub fn code(self) -> u8 {
        match self {
            Self::Ok => 0,
            Self::Internal => 1,
            Self::Config => 2,
            Self::Safeguard => 3,
            Self::Partial => 4,
            Self::Unreachable => 5,
            Self::StalePlan => 6,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e.code())
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[non_exhaustive]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// JSON.
    Json,
    /// CSV with a header row.
    Csv,
}

/// Log formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[non_exhaustive]
pub enum LogFormat {
    /// For people.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// `hrsync`: provisions people from HR into Okta.
#[derive(Debug, Parser)]
#[command(name = "hrsync", version, about)]
#[non_exhaustive]
pub struct Cli {
    /// The configuration file.
    #[arg(short, long, default_value = "hrsync.toml", global = true)]
    pub config: PathBuf,
    /// More log output (-v info, -vv debug, -vvv trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Errors only.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Log format (on stderr).
    #[arg(long, value_enum, default_value = "pretty", global = true)]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
#[non_exhaustive]
pub enum Command {
    /// Tests both sides: reads the HR source and Okta with the configured credentials.
    Check,
    /// The HR list: everyone with their state and the values Okta will receive.
    Preview {
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// A dry run: what a sync would do, with reasons and the safeguards' verdict.
    Plan {
        /// Also save the plan (JSON) here, for `apply --plan`.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Output format (table or json).
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Applies a saved plan if a fresh plan is exactly the same.
    Apply {
        /// The plan saved by `plan --out`.
        #[arg(long)]
        plan: PathBuf,
        /// Let these safeguard rules through for this run (with --reason).
        #[arg(long = "override", value_name = "RULE")]
        overrides: Vec<String>,
        /// Why the override is right (kept in the report).
        #[arg(long)]
        reason: Option<String>,
    },
    /// Plans, checks the safeguards and applies, with progress and a summary.
    Sync {
        /// Repeat this often (`30m`, `1h`); Ctrl-C stops after the current people.
        #[arg(long)]
        every: Option<String>,
        /// Let these safeguard rules through for this run (with --reason).
        #[arg(long = "override", value_name = "RULE")]
        overrides: Vec<String>,
        /// Why the override is right (kept in the report).
        #[arg(long)]
        reason: Option<String>,
    },
    /// Why one person is in their state and what the next sync does to them.
    Explain {
        /// The HR key.
        employee: String,
        /// Output format (table for text, or json).
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Shows the journal: runs and their actions, filtered.
    Journal {
        /// Only this run (default: every run).
        #[arg(long)]
        run: Option<String>,
        /// Only this person.
        #[arg(long)]
        person: Option<String>,
        /// Only failed and skipped actions.
        #[arg(long)]
        problems: bool,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Reads Okta directly.
    Okta {
        /// What to read.
        #[command(subcommand)]
        what: OktaCommand,
    },
    /// Serves the SCIM gateway Okta imports from (pull mode, `[target] kind =
    /// "scim-gateway"`): the mapped people and groups, read-only, re-read every `--every`,
    /// with `/healthz` and `/metrics`. Credentials from `HRSYNC_SCIM_TOKEN` (Bearer) and/or
    /// `HRSYNC_SCIM_USER` + `HRSYNC_SCIM_PASSWORD` (Basic). Ctrl-C stops cleanly.
    Serve(ServeArgs),
    /// Starts the Nmbrs and Okta simulators in-process and runs check → preview → sync
    /// → an HR change → sync, printing each step. Needs no configuration file.
    Demo {
        /// How many generated people.
        #[arg(long, default_value_t = 40)]
        people: usize,
    },
}

/// `hrsync serve`: the SCIM gateway Okta's "Import Users" and profile sourcing read from.
///
/// - Needs `[target] kind = "scim-gateway"` in the configuration (the other kinds push
///   into Okta; pushing and being imported from at once would have two masters for the
///   same users) and at least one credential from the environment: `HRSYNC_SCIM_TOKEN`
///   (`Authorization: Bearer …`, Okta's "HTTP Header" authentication) and/or
///   `HRSYNC_SCIM_USER` with `HRSYNC_SCIM_PASSWORD` (Basic). Without any it exits with 2.
///   The credentials may only read.
/// - Reads the HR source once before it listens: if that fails it exits (5 when the
///   source can't be read, 3 when the safeguards trip), so a gateway that listens always
///   has a good snapshot; later failed reads keep serving the last good one. The first
///   line on stdout is `listening on http(s)://ADDR/BASE_PATH`.
/// - `GET /healthz` (JSON: the snapshot generation, counts and the last refresh's
///   outcome) and `GET /metrics` (Prometheus text format) need no credentials; expose
///   only the base path to the internet if those should stay inside.
/// - TLS with `--tls-cert` and `--tls-key` (or `[serve] tls_cert`/`tls_key`): PEM files,
///   served with rustls, HTTP/1.1. Without TLS it serves plain HTTP and warns unless it
///   listens on loopback only (Okta only calls `https://` URLs: put a TLS proxy in front).
/// - Ctrl-C or SIGTERM: stops accepting, lets requests in flight finish (10 s at most)
///   and exits with 0.
#[derive(Debug, Clone, Default, clap::Args)]
#[non_exhaustive]
pub struct ServeArgs {
    /// Listen here, like 0.0.0.0:8443 (port 0 picks a free one); default `[serve] bind`
    /// or 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<SocketAddr>,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Re-read the HR source this often (`5m`, `1h`); default `[serve] refresh` or 15m.
    #[arg(long, value_name = "DURATION")]
    pub every: Option<String>,
    /// Let these safeguard rules through for the first read only (with --reason).
    #[arg(long = "override", value_name = "RULE")]
    pub overrides: Vec<String>,
    /// Why the override is right (logged).
    #[arg(long)]
    pub reason: Option<String>,
}

/// `hrsync okta …`
#[derive(Debug, Subcommand)]
#[non_exhaustive]
pub enum OktaCommand {
    /// Users by status, as inventory tools read them.
    Users {
        /// Only these statuses (comma-separated: ACTIVE,SUSPENDED,…).
        #[arg(long, value_delimiter = ',')]
        status: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}
