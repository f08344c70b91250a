//! Prints the lifecycle table of the standard fixture: every person, the account state
//! they should have, why, and when that changes next.
//!
//! ```text
//! cargo run -p hrsync-examples --example lifecycle_table                      # at the fixture's reference time
//! cargo run -p hrsync-examples --example lifecycle_table -- --at 2026-09-01T08:00:00Z
//! cargo run -p hrsync-examples --example lifecycle_table -- --csv export.csv  # your own file
//! cargo run -p hrsync-examples --example lifecycle_table -- --source nmbrs    # via the Nmbrs simulator
//! ```
//!
//! The people are read through the `HrSource` trait, as the sync engine reads them: from
//! an in-memory source serving `Fixture::standard()`, from a CSV file, or from the Nmbrs
//! simulator serving the fixture over local SOAP (`NmbrsSource`, the same code that reads
//! a real Nmbrs). Nmbrs keeps no time zone, so read that way the people in New York and
//! Tokyo fall back to the policy's default zone.

use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Utc};
use hr_core::conformance::Fixture;
use hr_core::{CsvSource, DynHrSource, HrSnapshot, HrSourceExt, LifecycleState};
use nmbrs_client::ManagerScope;
use nmbrs_client::simulator::{SimulatedNmbrs, Simulator};

struct Args {
    at: Option<DateTime<Utc>>,
    csv: Option<String>,
    nmbrs: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        at: None,
        csv: None,
        nmbrs: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--at" => {
                let at = DateTime::parse_from_rfc3339(&value)
                    .map_err(|e| format!("--at {value:?} is not an RFC 3339 instant: {e}"))?;
                args.at = Some(at.with_timezone(&Utc));
            }
            "--csv" => args.csv = Some(value),
            "--source" => match value.as_str() {
                "nmbrs" => args.nmbrs = true,
                "fixture" => args.nmbrs = false,
                other => return Err(format!("--source {other:?}: use fixture or nmbrs")),
            },
            other => {
                return Err(format!(
                    "unknown option {other}; use --at INSTANT, --csv FILE or --source fixture|nmbrs"
                ));
            }
        }
    }
    Ok(args)
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let fixture = Fixture::standard();
    let source: Arc<DynHrSource> = match (&args.csv, args.nmbrs) {
        (Some(path), _) => Arc::new(CsvSource::from_path(path)),
        (None, true) => Arc::new(nmbrs_simulator(&fixture).await?),
        (None, false) => Arc::new(fixture.in_memory_source()),
    };
    let at = args.at.unwrap_or(if args.csv.is_some() {
        Utc::now()
    } else {
        fixture.reference_time
    });
    let snapshot = source.snapshot().await?;
    let policy = fixture.policy;

    println!(
        "Lifecycle of {} people from `{}` at {at}",
        snapshot.len(),
        snapshot.source()
    );
    println!(
        "Policy: provision {} days before start, {} days grace, deactivate {} days after suspension, transitions at {} local, default zone {}\n",
        policy.provision_days_before_start(),
        policy.grace_days_after_end(),
        policy.deactivate_days_after_suspend(),
        policy.transition_time().format("%H:%M"),
        policy.default_time_zone(),
    );
    println!(
        "{:<8} {:<26} {:<20} {:<20} REASON (and when the next transition is due)",
        "ID", "NAME", "STATE", "NEXT STATE"
    );
    let mut counts = std::collections::BTreeMap::<LifecycleState, usize>::new();
    for e in snapshot.employees() {
        let decision = policy.evaluate(e, at);
        *counts.entry(decision.state).or_default() += 1;
        let next = decision
            .next_transition
            .map_or_else(|| "-".to_owned(), |t| t.to.to_string());
        println!(
            "{:<8} {:<26} {:<20} {:<20} {}",
            e.id,
            truncate(&e.name.display_name(), 26),
            decision.state,
            next,
            decision
        );
    }
    let summary: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
    println!("\n{}", summary.join(", "));
    Ok(())
}

/// `NmbrsSource` reading the fixture from a simulator on a local port, whose payroll
/// period is the fixture's month.
async fn nmbrs_simulator(fixture: &Fixture) -> Result<SimulatedNmbrs, Box<dyn std::error::Error>> {
    let data = HrSnapshot::new(
        "fixture",
        fixture.reference_time,
        fixture.employees.clone(),
        fixture.org_units.clone(),
    )?;
    let at = fixture.reference_time;
    let simulator = Simulator::new(&data)?.with_current_period(at.year(), at.month());
    let nmbrs = SimulatedNmbrs::start(simulator, |s| s.with_managers(ManagerScope::None)).await?;
    eprintln!("Nmbrs simulator listening at {}", nmbrs.base_url());
    Ok(nmbrs)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
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
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
