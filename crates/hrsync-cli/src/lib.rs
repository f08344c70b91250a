//! The `hrsync` command-line tool: a thin shell over `hr-sync`.
//!
//! `hrsync --config hrsync.toml <command>`: `check`, `preview`, `plan`, `apply --plan
//! FILE`, `sync [--every 1h]`, `explain <employee>`, `journal`, `okta users`, `demo`.
//! See [`config`] for the file and [`Exit`] for the exit codes.

pub mod config;
mod run;

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
/// | 2 | the configuration (file, keys, environment variables) can't be used |
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
    /// The configuration can't be used.
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
    /// Starts the Nmbrs and Okta simulators in-process and runs check → preview → sync
    /// → an HR change → sync, printing each step. Needs no configuration file.
    Demo {
        /// How many generated people.
        #[arg(long, default_value_t = 40)]
        people: usize,
    },
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
