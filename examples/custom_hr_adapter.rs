//! A new HR system plugged into the engine: "Staffbook", a made-up HR SaaS whose employee
//! directory is a JSON document, read by `StaffbookSource` (this package's
//! `src/staffbook.rs`, which implements `hr_core::HrSource`), mapped with a mapping that
//! also sends one of Staffbook's custom fields to Okta, and planned and applied against
//! the in-memory target (`hr_sync::InMemoryTarget`, Okta's lifecycle rules in memory).
//!
//! ```text
//! cargo run -p hrsync-examples --example custom_hr_adapter                        # the built-in document
//! cargo run -p hrsync-examples --example custom_hr_adapter -- --file staffbook.json
//! cargo test -p hrsync-examples --test staffbook_conformance                       # the conformance suite
//! ```
//!
//! What it shows, in order: the people as the adapter reads them, with the lifecycle
//! state each should have; the plan for an empty Okta (creates, staged hires, group
//! memberships) with its reasons; the run's summary; then an HR change (one person
//! leaves, so their account is suspended after the grace period) and the second plan.
//!
//! To make your own HR system work the same way, follow `docs/writing-an-adapter.md`:
//! implement `HrSource` as `src/staffbook.rs` does and run `hr_source_conformance_tests!`
//! against it as `tests/staffbook_conformance.rs` does. To write to a real Okta instead
//! of the in-memory target, put the source into `full_sync`'s engine (an
//! `OktaTarget` over `OktaClient::from_env()`).

use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use hr_core::{HrSourceExt, LifecyclePolicy};
use hr_sync::journal::Journal;
use hr_sync::{
    ApplyOptions, Engine, GroupRule, GroupSource, IdentityTarget, InMemoryTarget, SyncPolicy,
    TargetStatus,
};
use hrsync_examples::staffbook::StaffbookSource;

/// A Staffbook directory: two companies, three departments, five people. Note what the
/// adapter must cope with: `""` for unset values, a partner name with a naming format,
/// an external manager, a future hire, a leaver, a custom field, an unknown field.
const DIRECTORY: &str = r#"{
  "companies": [
    {"id": "1", "name": "Northwind B.V."},
    {"id": "2", "name": "Northwind GmbH"}
  ],
  "departments": [
    {"id": "eng", "name": "Engineering"},
    {"id": "ops", "name": "Operations"},
    {"id": "fin", "name": "Finance"}
  ],
  "employees": [
    {"id": "sb-100", "employeeNumber": "100", "companyId": "1",
     "preferredName": "Anouk", "lastNamePrefix": "de", "lastName": "Vries",
     "partnerLastName": "Bakker", "nameFormat": "partner-own",
     "workEmail": "anouk.devries@northwind.example", "homeEmail": "",
     "departmentId": "eng", "jobTitle": "Engineering manager",
     "timeZone": "Europe/Amsterdam",
     "contracts": [{"start": "2019-04-01", "end": null}],
     "customFields": {"badge": "NW-0100"}, "lastModified": "2026-05-30T10:00:00Z"},
    {"id": "sb-101", "employeeNumber": "101", "companyId": "1",
     "preferredName": "Jan", "lastName": "Smit",
     "workEmail": "jan.smit@northwind.example",
     "departmentId": "eng", "jobTitle": "Developer",
     "manager": {"employeeId": "sb-100"},
     "contracts": [{"start": "2024-02-01"}],
     "customFields": {"badge": "NW-0101"}},
    {"id": "sb-102", "employeeNumber": "102", "companyId": "2",
     "preferredName": "Jürgen", "lastName": "Strauß",
     "workEmail": "juergen.strauss@northwind.example",
     "departmentId": "ops", "jobTitle": "Operations lead",
     "manager": {"name": "K. Visser", "email": "k.visser@interim.example"},
     "timeZone": "Europe/Berlin",
     "contracts": [{"start": "2021-09-01", "end": "2026-10-31"}],
     "customFields": {"badge": ""}},
    {"id": "sb-103", "employeeNumber": "103", "companyId": "2",
     "preferredName": "Hiro", "lastName": "Tanaka",
     "workEmail": "hiro.tanaka@northwind.example",
     "departmentId": "ops", "timeZone": "Asia/Tokyo",
     "contracts": [{"start": "2026-11-02"}]},
    {"id": "sb-104", "employeeNumber": "104", "companyId": "1",
     "preferredName": "Fleur", "lastName": "Dekker",
     "workEmail": "fleur.dekker@northwind.example",
     "departmentId": "fin", "jobTitle": "Controller",
     "contracts": [{"start": "2020-01-06"}],
     "customFields": {"badge": "NW-0104"}}
  ]
}"#;

/// The mapping: Okta's four required attributes, the HR key, the department and title,
/// and Staffbook's custom field `badge` into a custom Okta attribute `badgeNumber`
/// (the engine adds custom attributes to Okta's user schema before it writes them).
/// The `scim` names serve pull mode; a mapping must give the SCIM attributes Okta's
/// import needs, so a mapping works for both push and pull.
const MAPPING: &str = r#"
[[rules]]
okta = "login"
scim = "userName"
from = "contact.work_email | contact.private_email"
transforms = ["trim", "lower"]
flow = "create_only"

[[rules]]
okta = "email"
scim = "emails.work"
from = "contact.work_email | contact.private_email"
transforms = ["trim", "lower"]

[[rules]]
okta = "firstName"
scim = "name.givenName"
from = "name.given"

[[rules]]
okta = "lastName"
scim = "name.familyName"
from = "name.family_display"

[[rules]]
okta = "hrEmployeeId"
scim = "externalId"
from = "id"

[[rules]]
okta = "department"
scim = "enterprise.department"
from = "org.department.name"
on_null = "clear"

[[rules]]
okta = "title"
from = "org.job_title"
on_null = "clear"

[[rules]]
okta = "badgeNumber"
from = "custom.badge"
on_null = "clear"
"#;

/// An action's reason in one line: the planner's note and the person's lifecycle.
fn reason(item: &hr_sync::PlannedAction) -> String {
    match (item.reason.note.as_deref(), item.reason.lifecycle.as_str()) {
        (Some(note), "") => note.to_owned(),
        (Some(note), lifecycle) => format!("{note}: {lifecycle}"),
        (None, lifecycle) => lifecycle.to_owned(),
    }
}

fn parse_args() -> Result<Option<String>, String> {
    let mut file = None;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--file" => file = Some(it.next().ok_or("--file needs a path")?),
            other => return Err(format!("unknown option {other}; use --file PATH")),
        }
    }
    Ok(file)
}

/// The instant the example plans for: fixed, so its output is the same every day (the
/// built-in document's dates are chosen around it).
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 27, 9, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

async fn run(file: Option<String>) -> Result<(), Box<dyn std::error::Error>> {
    let (source, now) = match &file {
        Some(path) => (StaffbookSource::from_path(path), Utc::now()),
        None => (StaffbookSource::from_json(DIRECTORY), now()),
    };
    let source = Arc::new(source);

    // 1. The adapter: people as the engine sees them.
    let snapshot = source.snapshot().await?;
    let lifecycle = LifecyclePolicy::builder().grace_days_after_end(3).build()?;
    println!(
        "== Staffbook: {} people, {} org units, read at {}",
        snapshot.len(),
        snapshot.org_units().len(),
        snapshot.read_at().format("%Y-%m-%d %H:%M:%S UTC")
    );
    for e in snapshot.employees() {
        let decision = lifecycle.evaluate(e, now);
        println!(
            "  {:<8} {:<28} {:<12} {:<20} {}",
            e.id,
            e.name.display_name(),
            e.org.department.as_ref().map_or("-", |d| d.name.as_str()),
            decision.state,
            decision
        );
    }

    // 2. Mapping and policy: the engine needs nothing Staffbook-specific.
    let mapper = mapping::Mapper::from_toml(MAPPING)?;
    let mut policy = SyncPolicy::default();
    policy.lifecycle = lifecycle;
    policy
        .groups
        .push(GroupRule::new(GroupSource::Department, "Staff - {name}"));
    let target = Arc::new(InMemoryTarget::new());
    let engine = Engine::builder(source.clone(), target.clone(), mapper)
        .policy(policy)
        .build();

    // 3. Plan against an empty directory, review, apply.
    let prepared = engine.prepare(now, None).await?;
    println!("\n== first run at {now}: {}", prepared.plan);
    for item in &prepared.plan.items {
        let why = reason(item);
        println!(
            "  {:<14} {:<8} {why}",
            item.action.kind(),
            item.action.person().unwrap_or("-")
        );
    }
    for note in &prepared.plan.report.notes {
        println!(
            "  note {}: {}",
            note.hr_key.as_deref().unwrap_or("-"),
            note.note
        );
    }
    println!("{}", prepared.safeguards);
    let mut journal = Journal::in_memory();
    let report = engine
        .apply(&prepared, &mut journal, &ApplyOptions::default())
        .await?;
    print!("{report}");
    let state = target.read_state("hrEmployeeId").await?;
    for user in state.users() {
        println!(
            "  {:<34} {:<12} badgeNumber={}",
            user.login,
            user.status.as_str(),
            user.profile
                .get("badgeNumber")
                .and_then(|v| v.as_str())
                .unwrap_or("-")
        );
    }

    // 4. An HR change, one week later: Jan's last day was yesterday.
    if file.is_none() {
        // Meanwhile everyone with an account set a password: Okta shows them ACTIVE (it
        // suspends ACTIVE users only; PROVISIONED ones wait for their activation).
        for user in state.users() {
            if user.status == TargetStatus::Provisioned {
                target.set_status(&user.id, TargetStatus::Active);
            }
        }
        let changed = DIRECTORY.replace(
            r#""contracts": [{"start": "2024-02-01"}]"#,
            r#""contracts": [{"start": "2024-02-01", "end": "2026-10-30"}]"#,
        );
        let later = now + chrono::Duration::days(7);
        let engine = Engine::builder(
            Arc::new(StaffbookSource::from_json(changed)),
            target.clone(),
            mapping::Mapper::from_toml(MAPPING)?,
        )
        .policy(engine.policy().clone())
        .build();
        let prepared = engine.prepare(later, None).await?;
        println!("\n== a week later, after Jan Smit left: {}", prepared.plan);
        for item in &prepared.plan.items {
            println!(
                "  {:<14} {:<8} {}",
                item.action.kind(),
                item.action.person().unwrap_or("-"),
                reason(item)
            );
        }
        let report = engine
            .apply(&prepared, &mut journal, &ApplyOptions::default())
            .await?;
        print!("{report}");
    }
    Ok(())
}

fn main() -> ExitCode {
    let file = match parse_args() {
        Ok(file) => file,
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
    match runtime.block_on(run(file)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
