//! The `hrsync` binary end to end: a CSV export as the HR source and the Okta simulator
//! (started here, reached over HTTP through `OKTA_ORG_URL` and `OKTA_API_TOKEN`) as the
//! target, one subcommand per test, exit codes and messages as a user sees them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use chrono::{Duration, Utc};
use hr_core::{
    Contact, Employee, EmployeeId, Employment, OrgData, OrgUnitId, OrgUnitRef, PersonName,
};
use okta_api::simulator::{OktaSimulator, RunningSimulator};
use serde_json::Value;

const TOKEN: &str = "cli-test-token";

fn person(id: &str, given: &str, dept: &str) -> Employee {
    let mut org = OrgData::default();
    org.department = Some(OrgUnitRef::new(
        OrgUnitId::new(format!("d-{dept}")).unwrap(),
        dept,
    ));
    Employee::new(
        EmployeeId::new(id).unwrap(),
        PersonName::new(given, "Tester"),
    )
    .with_contact(
        Contact::default().with_work_email(format!("{}@acme.example", given.to_lowercase())),
    )
    .with_org(org)
    .with_employment(Employment::open(
        Utc::now().date_naive() - Duration::days(100),
    ))
}

fn people() -> Vec<Employee> {
    ["Ada", "Grace", "Linus", "Barbara", "Ken", "Margaret"]
        .iter()
        .enumerate()
        .map(|(i, n)| {
            person(
                &format!("E{i}"),
                n,
                if i % 2 == 0 { "Sales" } else { "Finance" },
            )
        })
        .collect()
}

fn write_people(path: &Path, people: &[Employee]) {
    let file = std::fs::File::create(path).unwrap();
    hr_core::source::csv::write_csv(file, people).unwrap();
}

struct Setup {
    dir: tempfile::TempDir,
    okta: RunningSimulator,
}

impl Setup {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        write_people(&dir.path().join("people.csv"), &people());
        std::fs::write(
            dir.path().join("hrsync.toml"),
            r#"
[source]
kind = "csv"
path = "people.csv"

[target]
kind = "okta"

[mapping]
preset = "okta-default"

[[sync.groups]]
from = "department"
name = "Dept - {name}"
"#,
        )
        .unwrap();
        let okta = OktaSimulator::builder()
            .api_token(TOKEN)
            .start()
            .await
            .unwrap();
        Self { dir, okta }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("hrsync.toml")
    }

    async fn hrsync(&self, args: &[&str]) -> Output {
        self.hrsync_with(args, TOKEN).await
    }

    async fn hrsync_with(&self, args: &[&str], token: &str) -> Output {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hrsync"));
        cmd.arg("--config")
            .arg(self.config())
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("OKTA_ORG_URL", self.okta.url())
            .env("OKTA_API_TOKEN", token);
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap()
    }

    fn writes(&self) -> usize {
        self.okta
            .simulator()
            .requests()
            .iter()
            .filter(|r| r.method != "GET")
            .count()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test]
async fn check_reports_both_sides_and_wrong_credentials() {
    let s = Setup::new().await;
    let o = s.hrsync(&["check"]).await;
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("HR source csv: OK, 6 people"), "{text}");
    assert!(
        text.contains("link attribute hrEmployeeId missing"),
        "{text}"
    );

    let o = s.hrsync_with(&["check"], "wrong-token").await;
    assert_eq!(o.status.code(), Some(5), "{}", stdout(&o));
    assert!(stdout(&o).contains("FAILED"), "{}", stdout(&o));
    assert!(
        stdout(&o).to_lowercase().contains("token"),
        "{}",
        stdout(&o)
    );
    assert_eq!(s.writes(), 0);
}

#[tokio::test]
async fn a_bad_configuration_names_the_key() {
    let s = Setup::new().await;
    for (text, key) in [
        (
            "[source]\nkind = \"csv\"\npath = \"p.csv\"\n[target]\nkind = \"okta\"\n[mapping]\npreset = \"nope\"\n",
            "mapping.preset",
        ),
        (
            "[source]\nkind = \"csv\"\npath = \"p.csv\"\ncolour = 1\n[target]\nkind = \"okta\"\n",
            "colour",
        ),
        (
            "[source]\nkind = \"ldap\"\n[target]\nkind = \"okta\"\n",
            "ldap",
        ),
        (
            "[source]\nkind = \"csv\"\npath = \"p.csv\"\n[target]\nkind = \"okta\"\n[schedule]\nevery = \"soon\"\n",
            "schedule.every",
        ),
    ] {
        std::fs::write(s.config(), text).unwrap();
        let o = s.hrsync(&["plan"]).await;
        assert_eq!(o.status.code(), Some(2), "{text}: {}", stderr(&o));
        assert!(stderr(&o).contains(key), "{key} not named: {}", stderr(&o));
    }
    // Missing environment: named too.
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hrsync"));
    std::fs::write(
        s.config(),
        "[source]\nkind = \"csv\"\npath = \"people.csv\"\n[target]\nkind = \"okta\"\n",
    )
    .unwrap();
    let o = cmd
        .arg("--config")
        .arg(s.config())
        .arg("plan")
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("OKTA_ORG_URL"), "{}", stderr(&o));
}

#[tokio::test]
async fn preview_lists_people_with_their_okta_values() {
    let s = Setup::new().await;
    let o = s.hrsync(&["preview", "--format", "json"]).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rows.len(), 6);
    assert_eq!(rows[0]["state"], "active");
    assert_eq!(rows[0]["okta"]["email"], "ada@acme.example");
    let o = s.hrsync(&["preview", "--format", "csv"]).await;
    let text = stdout(&o);
    assert!(text.starts_with("employee,state,"), "{text}");
    assert_eq!(text.lines().count(), 7);
    let o = s.hrsync(&["preview"]).await;
    assert!(stdout(&o).contains("6 people"));
    assert_eq!(s.writes(), 0);
}

#[tokio::test]
async fn plan_apply_sync_journal_explain_and_okta_users() {
    let s = Setup::new().await;
    // A dry run writes nothing and saves the plan.
    let plan = s.dir.path().join("plan.json");
    let o = s.hrsync(&["plan", "--out", plan.to_str().unwrap()]).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("create_user"), "{}", stdout(&o));
    assert_eq!(s.writes(), 0);
    // Applying it creates everyone.
    let o = s.hrsync(&["apply", "--plan", plan.to_str().unwrap()]).await;
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(s.okta.simulator().users().len(), 6);
    // The same plan again is stale: refused, nothing written.
    let writes = s.writes();
    let o = s.hrsync(&["apply", "--plan", plan.to_str().unwrap()]).await;
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    assert_eq!(s.writes(), writes);

    // An HR change, synced.
    let mut changed = people();
    changed[1] = person("E1", "Gracie", "Finance");
    write_people(&s.dir.path().join("people.csv"), &changed);
    let o = s.hrsync(&["sync"]).await;
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("update_profile"), "{}", stdout(&o));

    // The journal shows both runs; filtered by person.
    let o = s
        .hrsync(&["journal", "--person", "E1", "--format", "csv"])
        .await;
    let text = stdout(&o);
    assert!(
        text.contains("create_user") && text.contains("update_profile"),
        "{text}"
    );
    let o = s.hrsync(&["journal", "--problems"]).await;
    assert_eq!(o.status.code(), Some(0));

    // Explain, as JSON.
    let o = s.hrsync(&["explain", "E1", "--format", "json"]).await;
    let why: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(why["link"]["status"], "linked");
    assert!(why["planned"].as_array().unwrap().is_empty());
    let o = s.hrsync(&["explain", "E404"]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("E404"));

    // Okta's inventory by status.
    let o = s
        .hrsync(&[
            "okta",
            "users",
            "--status",
            "PROVISIONED,ACTIVE",
            "--format",
            "json",
        ])
        .await;
    // Created activated, no password yet: PROVISIONED.
    let users: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(users.len(), 6, "{}", stderr(&o));
    let o = s.hrsync(&["okta", "users", "--status", "SUSPENDED"]).await;
    assert!(stdout(&o).contains("0 users"), "{}", stdout(&o));
    assert!(users.iter().all(|u| u["hr_key"].is_string()));
    let o = s.hrsync(&["okta", "users", "--status", "ASLEEP"]).await;
    assert_eq!(o.status.code(), Some(2));
}

#[tokio::test]
async fn a_tripped_safeguard_exits_3_without_writes() {
    let s = Setup::new().await;
    let o = s.hrsync(&["sync"]).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let writes = s.writes();
    // The export comes back empty.
    write_people(&s.dir.path().join("people.csv"), &[]);
    let o = s.hrsync(&["sync"]).await;
    assert_eq!(o.status.code(), Some(3), "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("empty_source"), "{}", stderr(&o));
    assert_eq!(s.writes(), writes, "nothing written");
    // With a named override and a reason it goes through (and suspends nobody: the
    // engine leaves people who left the source alone).
    let o = s
        .hrsync(&[
            "sync",
            "--override",
            "empty_source",
            "--override",
            "population_drop",
        ])
        .await;
    assert_eq!(o.status.code(), Some(2), "an override needs a reason");
}

#[tokio::test]
async fn the_demo_runs_on_the_embedded_simulators() {
    let s = Setup::new().await;
    let o = s.hrsync(&["demo", "--people", "24"]).await;
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let text = stdout(&o);
    for step in [
        "== 1. check",
        "== 3. sync",
        "== 6. sync",
        "update_profile",
        "== 7. sync again",
    ] {
        assert!(text.contains(step), "{step} missing:\n{text}");
    }
}
