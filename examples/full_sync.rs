//! One full sync, the way `hrsync sync` runs it: Nmbrs → `hr_sync::Engine` → Okta.
//! Prepare (read both sides, plan, check the safeguards), print the plan and the
//! safeguards' verdict, apply with a journal, print the summary.
//!
//! ```text
//! cargo run -p hrsync-examples --example full_sync                    # both simulators, 40 people
//! cargo run -p hrsync-examples --example full_sync -- --people 500
//! NMBRS_USERNAME=api@acme.example NMBRS_TOKEN=… NMBRS_DOMAIN=acme NMBRS_ENV=sandbox \
//!   cargo run -p hrsync-examples --example full_sync                  # real Nmbrs, simulated Okta
//! OKTA_ORG_URL=https://acme.okta.com OKTA_API_TOKEN=00… \
//!   cargo run -p hrsync-examples --example full_sync                  # real Okta: a dry run
//! OKTA_ORG_URL=… OKTA_API_TOKEN=… \
//!   cargo run -p hrsync-examples --example full_sync -- --apply       # real Okta: writes
//! ```
//!
//! - **HR side.** With `NMBRS_USERNAME` and `NMBRS_TOKEN` set, the people come from
//!   Nmbrs (`NmbrsSource` over `NmbrsClientBuilder::from_env()`: also `NMBRS_DOMAIN`, and
//!   `NMBRS_ENV` = `production`/`sandbox`/`sweden` or `NMBRS_BASE_URL`; `--company ID`,
//!   repeatable, reads only those companies). Otherwise from the Nmbrs simulator serving
//!   generated people over local SOAP: the same `NmbrsSource` code, no account. See
//!   `docs/nmbrs-setup.md`.
//! - **Okta side.** With `OKTA_ORG_URL` set, a real org (`OktaClient::from_env()`:
//!   `OKTA_API_TOKEN`, or `OKTA_CLIENT_ID` with `OKTA_PRIVATE_KEY`/`OKTA_PRIVATE_KEY_FILE`,
//!   `OKTA_SCOPES`, `OKTA_KEY_ID`). **Against a real org the example is a dry run unless
//!   `--apply` is given**: it reads both sides and prints the plan, and writes nothing.
//!   Otherwise the Okta simulator on a local port, where it always applies, then plans
//!   again to show that a second run has nothing left to do. See `docs/okta-setup.md`.
//! - **Policy.** The `okta-default` mapping preset (`--mapping iamconnector|humaans`
//!   picks another), the default lifecycle (create 7 days before the start, suspend after
//!   the last day, deactivate 30 days later), one group rule (`Dept - {name}` from the
//!   department) and the default safeguards. A tripped safeguard stops the run before any
//!   write and the example exits with 3, as `hrsync` does.
//! - **Files.** The safeguards' `state.json` and the `journal.jsonl` go to a temporary
//!   directory, removed at the end unless `--keep` is given (then its path is printed;
//!   `hrsync journal` reads the same format).

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::Utc;
use hr_core::HrSource;
use hr_sync::journal::Journal;
use hr_sync::{
    ApplyOptions, Engine, GroupRule, GroupSource, IdentityTarget, OktaTarget, Prepared, SyncPolicy,
    TargetStatus,
};
use nmbrs_client::simulator::{SimulatedNmbrs, Simulator, generated_snapshot};
use nmbrs_client::{CompanyId, NmbrsClientBuilder, NmbrsSource};
use okta_api::OktaClient;
use okta_api::simulator::{OktaSimulator, RunningSimulator};
use secrecy::SecretString;

/// How many plan lines to print before "… and N more".
const SHOWN: usize = 30;

struct Args {
    apply: bool,
    keep: bool,
    people: usize,
    mapping: String,
    companies: Vec<i32>,
}

/// An action's reason in one line: the planner's note and the person's lifecycle.
fn reason(item: &hr_sync::PlannedAction) -> String {
    match (item.reason.note.as_deref(), item.reason.lifecycle.as_str()) {
        (Some(note), "") => note.to_owned(),
        (Some(note), lifecycle) => format!("{note}: {lifecycle}"),
        (None, lifecycle) => lifecycle.to_owned(),
    }
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        apply: false,
        keep: false,
        people: 40,
        mapping: "okta-default".into(),
        companies: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--apply" => args.apply = true,
            "--keep" => args.keep = true,
            "--people" => {
                let v = value()?;
                args.people = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=100_000).contains(n))
                    .ok_or_else(|| format!("--people {v}: a number from 1 to 100000"))?;
            }
            "--mapping" => args.mapping = value()?,
            "--company" => {
                let v = value()?;
                args.companies.push(
                    v.parse()
                        .map_err(|_| format!("--company {v}: an Nmbrs company id (digits)"))?,
                );
            }
            other => {
                return Err(format!(
                    "unknown option {other}; use --apply, --keep, --people N, --mapping PRESET or --company ID"
                ));
            }
        }
    }
    Ok(args)
}

fn set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty())
}

/// The HR source: real Nmbrs when its credentials are in the environment.
async fn hr_source(args: &Args) -> Result<Arc<dyn HrSource>, Box<dyn std::error::Error>> {
    if set("NMBRS_USERNAME") && set("NMBRS_TOKEN") {
        let client = NmbrsClientBuilder::from_env()?.build()?;
        println!(
            "HR source: Nmbrs at {} (from the environment)",
            client.base_url()
        );
        let mut source = NmbrsSource::new(client);
        if !args.companies.is_empty() {
            source = source.with_companies(args.companies.iter().map(|c| CompanyId(*c)));
        }
        return Ok(Arc::new(source));
    }
    let simulator = Simulator::new(&generated_snapshot(args.people))?;
    let nmbrs = SimulatedNmbrs::start(simulator, |s| s).await?;
    println!(
        "HR source: the Nmbrs simulator at {} with {} generated people (set NMBRS_USERNAME and NMBRS_TOKEN for a real Nmbrs)",
        nmbrs.base_url(),
        args.people
    );
    Ok(Arc::new(nmbrs))
}

/// The Okta side: a real org when `OKTA_ORG_URL` is set, else the simulator.
async fn okta() -> Result<(OktaClient, Option<RunningSimulator>), Box<dyn std::error::Error>> {
    if set("OKTA_ORG_URL") {
        let client = OktaClient::from_env()?;
        println!("Okta: {} (from the environment)", client.org_url());
        return Ok((client, None));
    }
    let token = format!("example-{:016x}", fastrand::u64(..));
    let sim = OktaSimulator::builder()
        .api_token(token.as_str())
        .start()
        .await?;
    let client = OktaClient::builder()
        .org_url(sim.url())
        .api_token(SecretString::from(token))
        .build()?;
    println!(
        "Okta: the simulator at {} (set OKTA_ORG_URL for a real org)",
        sim.url()
    );
    Ok((client, Some(sim)))
}

fn print_plan(prepared: &Prepared) {
    println!("\n{}", prepared.plan);
    for item in prepared.plan.items.iter().take(SHOWN) {
        let why = reason(item);
        println!(
            "  {:<14} {:<10} {why}",
            item.action.kind(),
            item.action.person().unwrap_or("-")
        );
    }
    if prepared.plan.items.len() > SHOWN {
        println!("  … and {} more actions", prepared.plan.items.len() - SHOWN);
    }
    let report = &prepared.plan.report;
    for note in &report.notes {
        println!(
            "  note {}: {}",
            note.hr_key.as_deref().unwrap_or("-"),
            note.note
        );
    }
    if !report.candidates.is_empty() || report.unmanaged > 0 || !report.orphaned.is_empty() {
        println!(
            "  {} unlinked users match a person (adopted only when [sync.link] allows it), {} users without an HR key left alone, {} users whose HR key left the source left alone",
            report.candidates.len(),
            report.unmanaged,
            report.orphaned.len()
        );
    }
    println!("{}", prepared.safeguards);
}

fn journal_lines(path: &Path) -> usize {
    Journal::read(path).map_or(0, |f| f.records.len())
}

async fn run(args: Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let source = hr_source(&args).await?;
    let (client, simulator) = okta().await?;
    let real_okta = simulator.is_none();

    let mapper = mapping::Mapper::preset(&args.mapping)?;
    let mut policy = SyncPolicy::default();
    policy
        .groups
        .push(GroupRule::new(GroupSource::Department, "Dept - {name}"));
    let dir = tempfile::Builder::new()
        .prefix("hrsync-full-sync-")
        .tempdir()?;
    let journal_path = dir.path().join("journal.jsonl");
    let target: Arc<dyn IdentityTarget> = Arc::new(OktaTarget::new(client.clone()));
    let engine = Engine::builder(source, target.clone(), mapper)
        .policy(policy)
        .state_file(dir.path().join("state.json"))
        .build();

    // Reads only: the HR snapshot, Okta's users and groups, the last good run.
    let prepared = engine.prepare(Utc::now(), None).await?;
    println!(
        "\nread {} people from {} and {} users from Okta",
        prepared.snapshot.len(),
        prepared.snapshot.source(),
        prepared.state.users().len()
    );
    print_plan(&prepared);

    if real_okta && !args.apply {
        println!(
            "\ndry run: nothing was written to {}. Review the plan above; run again with --apply to apply it.",
            client.org_url()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if !prepared.safeguards.allows_apply() {
        eprintln!("stopped by the safeguards, nothing written");
        return Ok(ExitCode::from(3));
    }

    let mut journal = Journal::open(&journal_path)?;
    let report = engine
        .apply(&prepared, &mut journal, &ApplyOptions::default())
        .await?;
    print!("\n{report}");
    let after = target.read_state("hrEmployeeId").await?;
    let count = |s: TargetStatus| after.users().iter().filter(|u| u.status == s).count();
    println!(
        "Okta now: {} users ({} STAGED, {} PROVISIONED, {} ACTIVE, {} SUSPENDED, {} DEPROVISIONED), {} groups",
        after.users().len(),
        count(TargetStatus::Staged),
        count(TargetStatus::Provisioned),
        count(TargetStatus::Active),
        count(TargetStatus::Suspended),
        count(TargetStatus::Deprovisioned),
        after.groups().len()
    );

    if !real_okta {
        let again = engine.prepare(Utc::now(), None).await?;
        println!(
            "\na second run right after: {}{}",
            again.plan,
            if again.plan.is_empty() {
                ", nothing left to do"
            } else {
                ""
            }
        );
    }
    println!(
        "\njournal: {} lines in {}",
        journal_lines(&journal_path),
        journal_path.display()
    );
    if args.keep {
        let kept = dir.keep();
        println!("kept {}", kept.display());
    }
    Ok(if report.is_complete() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(4)
    })
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
