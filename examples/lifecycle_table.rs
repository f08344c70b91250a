//! Prints the lifecycle table of the standard fixture: every person, the account state
//! they should have, why, and when that changes next.
//!
//! ```text
//! cargo run -p hrsync-examples --example lifecycle_table                      # at the fixture's reference time
//! cargo run -p hrsync-examples --example lifecycle_table -- --at 2026-09-01T08:00:00Z
//! cargo run -p hrsync-examples --example lifecycle_table -- --csv export.csv  # your own file
//! ```
//!
//! The people are read through the `HrSource` trait, as the sync engine reads them: from
//! an in-memory source serving `Fixture::standard()`, or from a CSV file.

use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use hr_core::conformance::Fixture;
use hr_core::{CsvSource, DynHrSource, HrSourceExt, LifecycleState};

struct Args {
    at: Option<DateTime<Utc>>,
    csv: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        at: None,
        csv: None,
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
            other => {
                return Err(format!(
                    "unknown option {other}; use --at INSTANT and/or --csv FILE"
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
    let source: Arc<DynHrSource> = match &args.csv {
        Some(path) => Arc::new(CsvSource::from_path(path)),
        None => Arc::new(fixture.in_memory_source()),
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

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().build() {
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
