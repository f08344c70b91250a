//! The sync engine end to end, through real components over loopback HTTP: the Nmbrs
//! simulator → `NmbrsSource` → hr-sync's `Engine` → `OktaTarget` → the Okta simulator.
//!
//! The HR data is dated relative to today (the Nmbrs simulator and source pick current
//! records by the real date); the engine's clock is moved with the `now` argument. The
//! Nmbrs client keeps to Nmbrs's fair-use ceiling of 150 calls/s, so each HR read (some
//! 40 SOAP calls, most of them one manager per person) takes about a quarter second.
//!
//! - the first sync creates everyone inside the lifecycle window, with department groups
//!   and managers, and a second run plans nothing;
//! - one HR change at a time (name, department, leaver, the clock past the deactivation
//!   delay, rehire, a future hire reaching the start) gives exactly the expected actions
//!   and Okta state;
//! - with one Okta request in five failing (a 503, a 429, a request or an answer lost to
//!   a timeout) the sync converges in a few runs, without duplicates, to the fault-free
//!   state, with a complete journal, with and without the engine's own retries;
//! - an empty HR snapshot after a good run trips the safeguard and writes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use hr_core::{
    CompanyId, CompanyRef, Contact, Employee, EmployeeId, Employment, HrSnapshot, ManagerRef,
    OrgUnit, OrgUnitId, OrgUnitKind, OrgUnitRef, PersonName,
};
use hr_sync::journal::{Journal, JournalRecord, Outcome, Summary};
use hr_sync::safeguard::Rule;
use hr_sync::{
    Action, ApplyOptions, ApplyReport, AttributeChange, Engine, EngineError, GroupRule,
    GroupSource, OktaTarget, Prepared, SyncPolicy,
};
use nmbrs_client::simulator::{SimulatedNmbrs, Simulator};
use okta_api::simulator::{Fault, OktaSimulator, RunningSimulator};
use okta_api::{OktaClient, RetryPolicy};
use secrecy::SecretString;
use serde_json::{Value, json};

const ZONE: chrono_tz::Tz = chrono_tz::Europe::Amsterdam;
const COMPANY: &str = "2001";
const DEPARTMENTS: [(&str, u32); 4] = [
    ("Engineering", 10),
    ("Sales", 11),
    ("Finance", 12),
    ("Legal", 13),
];
const GIVEN: [&str; 32] = [
    "Anouk", "Bram", "Carla", "Daan", "Eva", "Floor", "Gijs", "Hanna", "Ivo", "Julia", "Koen",
    "Lotte", "Mees", "Noor", "Olaf", "Pien", "Quinten", "Roos", "Sem", "Tess", "Uma", "Vince",
    "Wout", "Xander", "Yara", "Amber", "Bas", "Cees", "Dirk", "Elin", "Fenna", "Guus",
];
const FAMILY: [&str; 32] = [
    "Jansen",
    "Visser",
    "Smit",
    "Meijer",
    "Mulder",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "Dekker",
    "Brouwer",
    "Wouters",
    "Kok",
    "Willems",
    "Bakker",
    "Janssen",
    "Maas",
    "Verbeek",
    "Kuipers",
    "Schouten",
    "Postma",
    "Vermeulen",
    "Dijkstra",
    "Hoekstra",
    "Koster",
    "Prins",
    "Huisman",
    "Vink",
    "Post",
    "Timmermans",
    "Groen",
    "Leeuwen",
];

/// The regulars: people 1..=20, employed for a while; 1, 2 and 3 head Engineering, Sales
/// and Finance, everyone else reports to their department's head.
const REGULARS: u32 = 20;
/// Starts in 5 days: inside the 7-day provisioning lead, created `STAGED`.
const SOON: u32 = 21;
/// Starts in 60 days: outside the window, not created.
const LATER: u32 = 22;
/// Left more than a year ago: not created.
const GONE: u32 = 23;
/// Left 3 days ago and never had an account: not created.
const RECENT_LEAVER: u32 = 24;
/// People 25..=32: more regulars, without a manager (more users for the fault test).
const LAST: u32 = 32;

/// The people the HR changes are about: a name change, a department move, a leaver
/// (later rehired).
const RENAMED: u32 = 4;
const MOVED: u32 = 5;
const LEAVER: u32 = 7;

/// The department group template.
const GROUP: &str = "Dept - {name}";

fn key(n: u32) -> String {
    (100_000 + n).to_string()
}

fn login(n: u32) -> String {
    let i = usize::try_from(n - 1).unwrap();
    format!(
        "{}.{}@acme.example",
        GIVEN[i].to_lowercase(),
        FAMILY[i].to_lowercase()
    )
}

fn group(dept: &str) -> String {
    GROUP.replace("{name}", dept)
}

/// Today in Amsterdam (the lifecycle's zone, and the Nmbrs source's calendar), taken
/// once so that every date of a test agrees.
fn today() -> NaiveDate {
    static TODAY: OnceLock<NaiveDate> = OnceLock::new();
    *TODAY.get_or_init(|| Utc::now().with_timezone(&ZONE).date_naive())
}

/// Noon in Amsterdam `days` from today: the engine's clock.
fn at(days: i64) -> DateTime<Utc> {
    let date = today() + TimeDelta::days(days);
    ZONE.from_local_datetime(&date.and_hms_opt(12, 0, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn day(days: i64) -> NaiveDate {
    today() + TimeDelta::days(days)
}

/// The department of person `n` at the start.
fn dept_of(n: u32) -> &'static str {
    DEPARTMENTS[usize::try_from((n - 1) % 3).unwrap()].0
}

fn head_of(n: u32) -> Option<u32> {
    match n {
        1..=3 | 25.. => None,
        _ => Some((n - 1) % 3 + 1),
    }
}

/// Person `n` as HR has them at the start.
fn person(n: u32) -> Employee {
    let i = usize::try_from(n - 1).unwrap();
    let employment = match n {
        SOON => Employment::open(day(5)),
        LATER => Employment::open(day(60)),
        GONE => Employment::new(day(-3000), Some(day(-400))).unwrap(),
        RECENT_LEAVER => Employment::new(day(-800), Some(day(-3))).unwrap(),
        _ => Employment::open(day(-200 - 37 * i64::from(n))),
    };
    let mut e = Employee::new(
        EmployeeId::from(100_000 + n),
        PersonName::new(GIVEN[i], FAMILY[i]),
    )
    .with_employee_number(n.to_string())
    .with_contact(Contact::default().with_work_email(login(n)))
    .with_employment(employment);
    set_department(&mut e, dept_of(n));
    e.org.company = Some(CompanyRef::new(
        CompanyId::new(COMPANY).unwrap(),
        "Acme B.V.",
    ));
    e.org.job_title = Some(format!("{} specialist", dept_of(n)));
    if let Some(head) = head_of(n) {
        e.manager = Some(ManagerRef::employee(EmployeeId::from(100_000 + head)));
    }
    e
}

fn set_department(e: &mut Employee, dept: &str) {
    let id = DEPARTMENTS.iter().find(|(d, _)| *d == dept).unwrap().1;
    e.org.department = Some(OrgUnitRef::new(OrgUnitId::from(id), dept));
}

fn people() -> Vec<Employee> {
    (1..=LAST).map(person).collect()
}

fn snapshot(people: Vec<Employee>) -> HrSnapshot {
    let company = OrgUnit::new(
        OrgUnitId::new(COMPANY).unwrap(),
        "Acme B.V.",
        OrgUnitKind::Company,
    );
    HrSnapshot::new("nmbrs", Utc::now(), people, vec![company]).unwrap()
}

/// A user as two orgs must agree on: its status and whole profile, the manager named by
/// login instead of Okta's id.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Account {
    status: String,
    profile: serde_json::Map<String, Value>,
}

impl Account {
    /// A profile attribute's text (empty when absent).
    fn get(&self, name: &str) -> &str {
        self.profile
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The login of the user's manager.
    fn manager(&self) -> Option<&str> {
        self.profile.get("managerId").and_then(Value::as_str)
    }
}

/// Who exists where, independent of Okta's ids.
#[derive(Debug, Clone, PartialEq, Eq)]
struct View {
    /// By login.
    users: BTreeMap<String, Account>,
    /// Group name → member logins (the built-in `Everyone` left out).
    groups: BTreeMap<String, BTreeSet<String>>,
}

impl View {
    fn user(&self, n: u32) -> &Account {
        self.users
            .get(&login(n))
            .unwrap_or_else(|| panic!("no user {}", login(n)))
    }

    fn status(&self, n: u32) -> &str {
        &self.user(n).status
    }

    fn members(&self, dept: &str) -> BTreeSet<String> {
        self.groups.get(&group(dept)).cloned().unwrap_or_default()
    }
}

fn text(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn view(okta: &OktaSimulator) -> View {
    let users = okta.users();
    let login_of: BTreeMap<String, String> = users
        .iter()
        .map(|u| (text(u, "/id"), text(u, "/profile/login")))
        .collect();
    let users = users
        .iter()
        .map(|u| {
            let mut profile = u["profile"].as_object().cloned().unwrap_or_default();
            if let Some(Value::String(id)) = profile.get_mut("managerId")
                && let Some(manager) = login_of.get(id.as_str())
            {
                *id = manager.clone();
            }
            let account = Account {
                status: text(u, "/status"),
                profile,
            };
            (text(u, "/profile/login"), account)
        })
        .collect();
    let groups = okta
        .groups()
        .iter()
        .filter(|g| text(g, "/type") == "OKTA_GROUP")
        .map(|g| {
            let name = text(g, "/profile/name");
            let members = okta
                .group_members(&text(g, "/id"))
                .iter()
                .map(|u| text(u, "/profile/login"))
                .collect();
            (name, members)
        })
        .collect();
    View { users, groups }
}

/// The Nmbrs simulator, the Okta simulator, and an engine between them.
struct World {
    nmbrs: Simulator,
    okta: RunningSimulator,
    engine: Engine,
    journal: PathBuf,
    options: ApplyOptions,
    _dir: tempfile::TempDir,
}

impl World {
    async fn start(hr: &HrSnapshot) -> Self {
        let nmbrs = SimulatedNmbrs::start_with(
            Simulator::new(hr).unwrap(),
            |b| {
                b.backoff(Duration::from_millis(1), Duration::from_millis(5))
                    .max_retries(2)
            },
            |s| s,
        )
        .await
        .unwrap();
        let simulator = nmbrs.simulator().clone();
        let okta = OktaSimulator::builder()
            .api_token("e2e-token")
            .start()
            .await
            .unwrap();
        // Short timeouts and back-offs: the fault test times requests out on purpose.
        let client = OktaClient::builder()
            .org_url(okta.url())
            .api_token(SecretString::from(okta.token().to_owned()))
            .timeout(Duration::from_millis(300))
            .retry_policy(
                RetryPolicy::default()
                    .base_delay(Duration::from_millis(10))
                    .max_delay(Duration::from_millis(80))
                    .max_jitter(Duration::from_millis(10)),
            )
            .build()
            .unwrap();
        let mut policy = SyncPolicy::default();
        policy.groups = vec![GroupRule::new(GroupSource::Department, GROUP)];
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::builder(
            Arc::new(nmbrs),
            Arc::new(OktaTarget::new(client)),
            mapping::Mapper::preset("okta-default").unwrap(),
        )
        .policy(policy)
        .state_file(dir.path().join("state.json"))
        .build();
        Self {
            nmbrs: simulator,
            okta,
            engine,
            journal: dir.path().join("journal.jsonl"),
            options: ApplyOptions::default().retries(3, Duration::from_millis(20)),
            _dir: dir,
        }
    }

    fn set_hr(&self, people: Vec<Employee>) {
        self.nmbrs.set_snapshot(&snapshot(people)).unwrap();
    }

    async fn prepare(&self, now: DateTime<Utc>) -> Prepared {
        let prepared = self.engine.prepare(now, None).await.unwrap();
        assert!(
            prepared.safeguards.allows_apply(),
            "{:?}",
            prepared.safeguards
        );
        prepared
    }

    async fn apply(&self, prepared: &Prepared) -> ApplyReport {
        let mut journal = Journal::open(&self.journal).unwrap();
        self.engine
            .apply(prepared, &mut journal, &self.options)
            .await
            .unwrap()
    }

    /// Prepares and applies at `now`; every action must succeed.
    async fn sync(&self, now: DateTime<Utc>) -> Prepared {
        let prepared = self.prepare(now).await;
        let report = self.apply(&prepared).await;
        assert!(report.is_complete(), "{report}");
        assert_eq!(report.summary.total.applied, prepared.plan.items.len());
        prepared
    }

    /// A run at `now` has nothing to do.
    async fn assert_settled(&self, now: DateTime<Utc>) {
        let plan = self.prepare(now).await.plan;
        assert!(
            plan.is_empty(),
            "a repeated run plans {plan}: {:#?}",
            plan.items
        );
    }

    fn set_status(&self, n: u32, status: &str) {
        self.okta.set_user_status(&login(n), status).unwrap();
    }
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect()
}

/// The changes of the plan's only `update_profile`, for person `n`.
fn profile_changes(prepared: &Prepared, n: u32) -> Vec<AttributeChange> {
    let updates: Vec<&Action> = prepared
        .plan
        .items
        .iter()
        .map(|i| &i.action)
        .filter(|a| a.kind() == "update_profile")
        .collect();
    assert_eq!(updates.len(), 1, "{updates:?}");
    match updates[0] {
        Action::UpdateProfile {
            hr_key, changes, ..
        } => {
            assert_eq!(hr_key, &key(n));
            changes.clone()
        }
        other => unreachable!("{other:?}"),
    }
}

fn change(name: &str, before: &str, after: &str) -> AttributeChange {
    AttributeChange::new(name, Some(json!(before)), Some(json!(after)))
}

/// Every action of the plan is about person `n` (or creates a group).
fn only_about(prepared: &Prepared, n: u32) {
    for item in &prepared.plan.items {
        if let Some(p) = item.action.person() {
            assert_eq!(p, key(n), "{:?}", item.action);
        }
    }
}

/// The people employed today.
fn employed() -> impl Iterator<Item = u32> {
    (1..=REGULARS).chain(25..=LAST)
}

/// The people with an account after the first sync.
fn accounts() -> impl Iterator<Item = u32> {
    employed().chain([SOON])
}

/// The logins in a department's group after the first sync.
fn initial_members(dept: &str) -> BTreeSet<String> {
    accounts()
        .filter(|n| dept_of(*n) == dept)
        .map(login)
        .collect()
}

/// The first sync, then everyone employed today finishes their activation in Okta (sets a
/// password), as people do: Okta only suspends `ACTIVE` users.
async fn first_sync(world: &World) -> Prepared {
    let first = world.sync(at(0)).await;
    for n in employed() {
        world.set_status(n, "ACTIVE");
    }
    first
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_sync_creates_everyone_inside_the_window_and_a_second_run_nothing() {
    let started = Instant::now();
    let world = World::start(&snapshot(people())).await;
    let first = world.sync(at(0)).await;

    // 28 regulars created activated, the hire of next week staged; three department
    // groups; everyone with a manager in the snapshot gets it.
    let managed = (1..=REGULARS).filter(|n| head_of(*n).is_some()).count() + 1;
    assert_eq!(
        first.plan.counts,
        counts(&[
            ("create_group", 3),
            ("create_user", 29),
            ("add_member", 29),
            ("set_manager", managed),
        ])
    );
    let created: BTreeSet<String> = first
        .plan
        .items
        .iter()
        .filter_map(|i| match &i.action {
            Action::CreateUser {
                hr_key, activate, ..
            } => Some(format!("{hr_key}:{activate}")),
            _ => None,
        })
        .collect();
    let expected: BTreeSet<String> = employed()
        .map(|n| format!("{}:true", key(n)))
        .chain([format!("{}:false", key(SOON))])
        .collect();
    assert_eq!(created, expected);

    let okta = view(&world.okta);
    let logins: BTreeSet<&String> = okta.users.keys().collect();
    let wanted: BTreeSet<String> = accounts().map(login).collect();
    assert_eq!(logins, wanted.iter().collect());
    for n in employed() {
        let user = okta.user(n);
        let i = usize::try_from(n - 1).unwrap();
        assert_eq!(user.status, "PROVISIONED", "{}", login(n));
        assert_eq!(user.get("hrEmployeeId"), key(n));
        assert_eq!(user.get("email"), login(n));
        assert_eq!(user.get("firstName"), GIVEN[i]);
        assert_eq!(user.get("lastName"), FAMILY[i]);
        assert_eq!(
            user.get("displayName"),
            format!("{} {}", GIVEN[i], FAMILY[i])
        );
        assert_eq!(user.get("employeeNumber"), n.to_string());
        assert_eq!(user.get("organization"), "Acme B.V.");
        assert_eq!(user.get("department"), dept_of(n));
        assert_eq!(user.get("title"), format!("{} specialist", dept_of(n)));
        assert_eq!(user.manager(), head_of(n).map(login).as_deref());
    }
    assert_eq!(okta.status(SOON), "STAGED");
    assert_eq!(
        okta.user(SOON).manager(),
        head_of(SOON).map(login).as_deref()
    );
    for (n, why) in [
        (LATER, "starts in 60 days"),
        (GONE, "left long ago"),
        (RECENT_LEAVER, "left 3 days ago"),
    ] {
        assert!(!okta.users.contains_key(&login(n)), "{} {why}", key(n));
    }
    let groups: BTreeMap<String, BTreeSet<String>> = ["Engineering", "Sales", "Finance"]
        .into_iter()
        .map(|dept| (group(dept), initial_members(dept)))
        .collect();
    assert_eq!(okta.groups, groups);

    // The journal holds the run, every action applied.
    let read = Journal::read(&world.journal).unwrap();
    assert_eq!(read.runs().len(), 1);
    assert!(read.runs()[0].1, "the run has its finish line");

    // Nothing left to do, now or once the users have activated their accounts.
    world.assert_settled(at(0)).await;
    for n in employed() {
        world.set_status(n, "ACTIVE");
    }
    world.assert_settled(at(0)).await;
    eprintln!("first sync test: {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_hr_change_gives_exactly_the_expected_actions() {
    let started = Instant::now();
    let mut hr = people();
    let world = World::start(&snapshot(hr.clone())).await;
    first_sync(&world).await;
    world.assert_settled(at(0)).await;
    let idx = |n: u32| usize::try_from(n - 1).unwrap();

    // A name change (a marriage): the last and display names, nothing else; the login
    // and e-mail stay.
    hr[idx(RENAMED)].name = PersonName::new("Daan", "Kramer");
    world.set_hr(hr.clone());
    let step = world.sync(at(0)).await;
    assert_eq!(step.plan.counts, counts(&[("update_profile", 1)]));
    assert_eq!(
        profile_changes(&step, RENAMED),
        [
            change("displayName", "Daan Meijer", "Daan Kramer"),
            change("lastName", "Meijer", "Kramer"),
        ]
    );
    let okta = view(&world.okta);
    assert_eq!(okta.user(RENAMED).get("lastName"), "Kramer");
    assert_eq!(
        world.okta.user(&login(RENAMED)).unwrap()["profile"]["email"],
        login(RENAMED)
    );
    world.assert_settled(at(0)).await;

    // A department move to a department without a group yet.
    set_department(&mut hr[idx(MOVED)], "Legal");
    world.set_hr(hr.clone());
    let step = world.sync(at(0)).await;
    assert_eq!(
        step.plan.counts,
        counts(&[
            ("update_profile", 1),
            ("create_group", 1),
            ("remove_member", 1),
            ("add_member", 1),
        ])
    );
    only_about(&step, MOVED);
    assert_eq!(
        profile_changes(&step, MOVED),
        [change("department", "Sales", "Legal")]
    );
    assert!(
        step.plan
            .items
            .iter()
            .any(|i| matches!(&i.action, Action::CreateGroup { name } if *name == group("Legal")))
    );
    let okta = view(&world.okta);
    assert_eq!(okta.user(MOVED).get("department"), "Legal");
    assert_eq!(okta.members("Legal"), BTreeSet::from([login(MOVED)]));
    assert!(!okta.members("Sales").contains(&login(MOVED)));
    let mut sales = initial_members("Sales");
    sales.remove(&login(MOVED));
    assert_eq!(okta.members("Sales"), sales);
    world.assert_settled(at(0)).await;

    // A leaver whose last day was yesterday: suspended, groups kept.
    hr[idx(LEAVER)].employments = vec![Employment::new(day(-459), Some(day(-1))).unwrap()];
    world.set_hr(hr.clone());
    let step = world.sync(at(0)).await;
    assert_eq!(step.plan.counts, counts(&[("suspend", 1)]));
    only_about(&step, LEAVER);
    let okta = view(&world.okta);
    assert_eq!(okta.status(LEAVER), "SUSPENDED");
    assert!(okta.members("Engineering").contains(&login(LEAVER)));
    world.assert_settled(at(0)).await;

    // Five days on, the hire of next week starts: activated (no other change is due).
    let step = world.sync(at(5)).await;
    assert_eq!(step.plan.counts, counts(&[("activate", 1)]));
    only_about(&step, SOON);
    let okta = view(&world.okta);
    assert_eq!(okta.status(SOON), "PROVISIONED");
    assert!(okta.members(dept_of(SOON)).contains(&login(SOON)));
    world.assert_settled(at(5)).await;

    // 31 days on, the leaver's 30 days of suspension are over: out of the department
    // group, then deactivated.
    let step = world.sync(at(31)).await;
    assert_eq!(
        step.plan.counts,
        counts(&[("remove_member", 1), ("deactivate", 1)])
    );
    only_about(&step, LEAVER);
    let kinds: Vec<&str> = step.plan.items.iter().map(|i| i.action.kind()).collect();
    assert_eq!(kinds, ["remove_member", "deactivate"]);
    let okta = view(&world.okta);
    assert_eq!(okta.status(LEAVER), "DEPROVISIONED");
    assert!(!okta.members("Engineering").contains(&login(LEAVER)));
    world.assert_settled(at(31)).await;

    // The leaver is rehired that day, into Finance under its head: the same account is
    // reactivated, its department and manager follow, and it joins the Finance group.
    let leaver = &mut hr[idx(LEAVER)];
    leaver.employments.push(Employment::open(day(31)));
    set_department(leaver, "Finance");
    leaver.manager = Some(ManagerRef::employee(EmployeeId::from(100_003_u32)));
    world.set_hr(hr.clone());
    let step = world.sync(at(31)).await;
    only_about(&step, LEAVER);
    assert_eq!(
        step.plan.counts,
        counts(&[
            ("reactivate", 1),
            ("update_profile", 1),
            ("add_member", 1),
            ("set_manager", 1),
        ])
    );
    // The manager is `managerId`, set by `set_manager` to the Finance head's user.
    assert_eq!(
        profile_changes(&step, LEAVER),
        [change("department", "Engineering", "Finance")]
    );
    let okta = view(&world.okta);
    assert_eq!(okta.status(LEAVER), "PROVISIONED");
    assert_eq!(
        okta.user(LEAVER).get("hrEmployeeId"),
        key(LEAVER),
        "the same account"
    );
    assert_eq!(okta.user(LEAVER).get("department"), "Finance");
    assert_eq!(okta.user(LEAVER).manager(), Some(login(3).as_str()));
    assert!(okta.members("Finance").contains(&login(LEAVER)));
    assert_eq!(
        okta.users.len(),
        usize::try_from(REGULARS + 1 + (LAST - 24)).unwrap(),
        "no user was added"
    );
    world.assert_settled(at(31)).await;
    eprintln!("HR change steps test: {:?}", started.elapsed());
}

/// One run that got to apply: its plan and report.
type Run = (Prepared, ApplyReport);

/// Runs the sync at `now` until a run plans nothing, at most `max` attempts (a run that
/// can't read the target or add the link attribute counts as one): the runs that
/// applied, and the errors of those that did not start.
async fn converge(world: &World, now: DateTime<Utc>, max: usize) -> (Vec<Run>, Vec<String>) {
    let mut runs = Vec::new();
    let mut not_started = Vec::new();
    for _ in 0..max {
        let prepared = match world.engine.prepare(now, None).await {
            Ok(p) => p,
            Err(e) => {
                not_started.push(e.to_string());
                continue;
            }
        };
        assert!(
            prepared.safeguards.allows_apply(),
            "{:?}",
            prepared.safeguards
        );
        if prepared.plan.is_empty() {
            return (runs, not_started);
        }
        let mut journal = Journal::open(&world.journal).unwrap();
        match world
            .engine
            .apply(&prepared, &mut journal, &world.options)
            .await
        {
            Ok(report) => runs.push((prepared, report)),
            Err(EngineError::Target(e)) => not_started.push(e.to_string()),
            Err(e) => panic!("run stopped: {e}"),
        }
    }
    panic!(
        "no convergence in {max} attempts: {} runs applied ({}), {} did not start ({not_started:?})",
        runs.len(),
        runs.iter()
            .map(|(_, r)| r.summary.to_string().replace('\n', ";"))
            .collect::<Vec<_>>()
            .join(" / "),
        not_started.len()
    );
}

/// Every run has its start and finish lines, and one action line per planned action,
/// matching the plan; the counts add up and agree with the report.
fn assert_journal_complete(path: &Path, runs: &[Run]) {
    let read = Journal::read(path).unwrap();
    assert!(!read.torn_tail);
    let ids: Vec<(String, bool)> = runs.iter().map(|(_, r)| (r.run.clone(), true)).collect();
    assert_eq!(read.runs(), ids, "every run, in order, finished");
    for (prepared, report) in runs {
        let items = &prepared.plan.items;
        let mine: Vec<&JournalRecord> = read
            .records
            .iter()
            .filter(|r| r.run() == report.run)
            .collect();
        match mine.first() {
            Some(JournalRecord::Start { plan, actions, .. }) => {
                assert_eq!(plan, &prepared.plan.hash);
                assert_eq!(*actions, items.len());
            }
            other => panic!("run {} starts with {other:?}", report.run),
        }
        match mine.last() {
            Some(JournalRecord::Finish { summary, .. }) => assert_eq!(summary, &report.summary),
            other => panic!("run {} ends with {other:?}", report.run),
        }
        let mut seqs = Vec::new();
        for record in &mine[1..mine.len() - 1] {
            let JournalRecord::Action(a) = record else {
                panic!(
                    "run {}: a second start or finish line: {record:?}",
                    report.run
                );
            };
            let planned = &items[a.seq].action;
            assert_eq!(a.action.kind(), planned.kind(), "seq {}", a.seq);
            assert_eq!(a.person.as_deref(), planned.person(), "seq {}", a.seq);
            match a.outcome {
                Outcome::Applied => assert!(a.attempts >= 1 && a.error.is_none()),
                Outcome::Failed => assert!(a.attempts >= 1 && a.error.is_some()),
                Outcome::Skipped => assert!(a.attempts == 0 && a.error.is_some()),
                _ => unreachable!(),
            }
            seqs.push(a.seq);
        }
        seqs.sort_unstable();
        assert_eq!(
            seqs,
            (0..items.len()).collect::<Vec<_>>(),
            "one line per action"
        );
        let summary = Summary::of_run(&read.records, &report.run);
        assert_eq!(summary, report.summary);
        assert_eq!(summary.total.total(), items.len());
        let by_kind: BTreeMap<String, usize> = summary
            .by_kind
            .iter()
            .map(|(k, c)| (k.clone(), c.total()))
            .collect();
        assert_eq!(by_kind, prepared.plan.counts);
    }
}

/// One user per HR key, logins unique whatever their case, group names unique.
fn assert_no_duplicates(okta: &OktaSimulator) {
    let users = okta.users();
    let keys: BTreeSet<String> = users
        .iter()
        .map(|u| text(u, "/profile/hrEmployeeId"))
        .collect();
    let logins: BTreeSet<String> = users
        .iter()
        .map(|u| text(u, "/profile/login").to_lowercase())
        .collect();
    assert_eq!(keys.len(), users.len(), "one user per HR key");
    assert_eq!(logins.len(), users.len(), "logins unique");
    let groups: Vec<String> = okta
        .groups()
        .iter()
        .map(|g| text(g, "/profile/name").to_lowercase())
        .collect();
    let unique: BTreeSet<&String> = groups.iter().collect();
    assert_eq!(unique.len(), groups.len(), "group names unique: {groups:?}");
}

/// The HR changes of the fault test, all at once: a name change, a department move to
/// a new department, a leaver.
fn changed_people() -> Vec<Employee> {
    let mut hr = people();
    let idx = |n: u32| usize::try_from(n - 1).unwrap();
    hr[idx(RENAMED)].name = PersonName::new("Daan", "Kramer");
    set_department(&mut hr[idx(MOVED)], "Legal");
    hr[idx(LEAVER)].employments = vec![Employment::new(day(-459), Some(day(-1))).unwrap()];
    hr
}

/// What a run under faults came to.
struct Converged {
    /// Runs needed for the first sync and for the changes (including those that did
    /// not start).
    attempts: (usize, usize),
    runs: Vec<Run>,
    not_started: Vec<String>,
}

/// The first sync, then the HR changes, each run until it converges, with one Okta
/// request in five failing: a 503, a 429, a request lost on the way (the client times
/// out first) and an answer lost on the way (processed, then the client times out), in
/// turn; reads, writes and schema calls alike. Checks the outcome against the same
/// syncs without faults.
async fn sync_under_faults(options: ApplyOptions, max_runs: usize) -> Converged {
    let started = Instant::now();
    let reference = World::start(&snapshot(people())).await;
    reference.sync(at(0)).await;
    for n in employed() {
        reference.set_status(n, "ACTIVE");
    }
    let expected_first = view(&reference.okta);
    reference.set_hr(changed_people());
    reference.sync(at(0)).await;
    let expected_changed = view(&reference.okta);

    let mut world = World::start(&snapshot(people())).await;
    world.options = options;
    let late = Duration::from_millis(700);
    for fault in [
        Fault::server_error(503, u32::MAX).first(5),
        Fault::rate_limited(u32::MAX).first(10),
        Fault::delay(late, u32::MAX).first(15),
        Fault::delay_answer(late, u32::MAX).first(20),
    ] {
        world.okta.inject(fault.every(20));
    }

    let (mut runs, mut not_started) = converge(&world, at(0), max_runs).await;
    let first = runs.len() + not_started.len() + 1;
    for n in employed() {
        world.set_status(n, "ACTIVE");
    }
    assert_no_duplicates(&world.okta);
    assert_eq!(view(&world.okta), expected_first);

    world.set_hr(changed_people());
    let (more, failed_starts) = converge(&world, at(0), max_runs).await;
    let second = more.len() + failed_starts.len() + 1;
    runs.extend(more);
    not_started.extend(failed_starts);

    // The faults happened: the simulator answered 503s and 429s, and the engine had to
    // send actions again or fail them. (A 400 to a user create is a create repeated after
    // its answer was lost, finding the user it made.)
    let requests = world.okta.requests();
    let answered = |s: u16| requests.iter().filter(|r| r.status == s).count();
    assert!(answered(503) > 0 && answered(429) > 0);
    let lines = Journal::read(&world.journal).unwrap().records;
    let resent = lines
        .iter()
        .filter(|r| matches!(r, JournalRecord::Action(a) if a.attempts > 1))
        .count();
    let failed: usize = runs.iter().map(|(_, r)| r.summary.total.failed).sum();
    let skipped: usize = runs.iter().map(|(_, r)| r.summary.total.skipped).sum();
    assert!(resent + failed > 0, "the faults never reached the engine");
    // A create sent again after its answer was lost finds the user it made: no action
    // fails on a login its own earlier attempt took.
    let conflicts: Vec<&String> = runs
        .iter()
        .flat_map(|(_, r)| &r.problems)
        .filter_map(|p| p.error.as_ref())
        .filter(|e| e.contains("is taken"))
        .collect();
    assert!(conflicts.is_empty(), "{conflicts:?}");

    // Converged: nothing left to do (the faults still on), the state of the runs
    // without faults, no duplicates, and the journal accounts for every action.
    world.assert_settled(at(0)).await;
    assert_no_duplicates(&world.okta);
    assert_eq!(view(&world.okta), expected_changed);
    assert_journal_complete(&world.journal, &runs);
    eprintln!(
        "under faults ({:?}): the first sync converged in {first} runs, the changes in \
         {second} (the last of each planning nothing; {} did not start: {not_started:?}); \
         {} actions journaled, {resent} sent more than once, {failed} failed, {skipped} \
         skipped; Okta answered {} requests, {} of them 503, {} 429, and {} creates repeated \
         after a lost answer; {:?}",
        world.options,
        not_started.len(),
        lines
            .iter()
            .filter(|r| matches!(r, JournalRecord::Action(_)))
            .count(),
        requests.len(),
        answered(503),
        answered(429),
        requests
            .iter()
            .filter(|r| r.method == "POST" && r.path == "/api/v1/users" && r.status == 400)
            .count(),
        started.elapsed()
    );
    Converged {
        attempts: (first, second),
        runs,
        not_started,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_one_okta_request_in_five_failing_the_sync_converges_without_duplicates() {
    // The engine sends a transiently failing action twice more, as by default.
    let done = sync_under_faults(
        ApplyOptions::default().retries(2, Duration::from_millis(20)),
        5,
    )
    .await;
    assert!(done.attempts.0 <= 5 && done.attempts.1 <= 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_engine_retries_the_next_runs_pick_up_what_failed() {
    // Every failure the client does not absorb fails its action (and skips what depends
    // on it): the next runs, planned from fresh reads, do the rest.
    let done = sync_under_faults(ApplyOptions::default().retries(0, Duration::ZERO), 6).await;
    let failed: usize = done.runs.iter().map(|(_, r)| r.summary.total.failed).sum();
    assert!(failed > 0, "some actions failed");
    assert!(
        done.runs.len() + done.not_started.len() > 2,
        "more than one run per sync"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_hr_snapshot_trips_the_safeguard_and_nothing_is_written() {
    let world = World::start(&snapshot(people())).await;
    first_sync(&world).await;
    let before = view(&world.okta);
    let journal_before = std::fs::read(&world.journal).unwrap();

    // Nmbrs answers, with nobody in the company.
    world.set_hr(Vec::new());
    world.okta.clear_requests();
    let prepared = world.engine.prepare(at(0), None).await.unwrap();
    assert_eq!(prepared.snapshot.len(), 0);
    assert!(!prepared.safeguards.allows_apply());
    let tripped: Vec<Rule> = prepared.safeguards.tripped.iter().map(|t| t.rule).collect();
    assert!(tripped.contains(&Rule::EmptySource), "{tripped:?}");
    assert!(tripped.contains(&Rule::PopulationDrop), "{tripped:?}");
    let mut journal = Journal::open(&world.journal).unwrap();
    match world
        .engine
        .apply(&prepared, &mut journal, &world.options)
        .await
    {
        Err(EngineError::Stopped(report)) => {
            assert!(report.tripped.iter().any(|t| t.rule == Rule::EmptySource));
        }
        other => panic!("expected the safeguards to stop the run, got {other:?}"),
    }
    assert!(matches!(
        world
            .engine
            .run(at(0), None, &mut journal, &world.options)
            .await,
        Err(EngineError::Stopped(_))
    ));

    // And a snapshot where everyone left yesterday: a plan of mass suspensions, stopped.
    let mut gone = people();
    for e in &mut gone {
        let start = e.employments[0].start();
        if start < day(-1) {
            e.employments = vec![Employment::new(start, Some(day(-1))).unwrap()];
        }
    }
    world.set_hr(gone);
    let prepared = world.engine.prepare(at(0), None).await.unwrap();
    assert_eq!(
        prepared.plan.counts.get("suspend"),
        Some(&usize::try_from(REGULARS + (LAST - 24)).unwrap())
    );
    assert!(
        prepared
            .safeguards
            .tripped
            .iter()
            .any(|t| t.rule == Rule::TooManyDestructive)
    );
    assert!(matches!(
        world
            .engine
            .apply(&prepared, &mut journal, &world.options)
            .await,
        Err(EngineError::Stopped(_))
    ));

    // Okta was read, never written.
    let requests = world.okta.requests();
    assert!(requests.iter().any(|r| r.method == "GET"));
    let writes: Vec<String> = requests
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(writes.is_empty(), "writes: {writes:?}");
    assert_eq!(view(&world.okta), before);
    assert_eq!(std::fs::read(&world.journal).unwrap(), journal_before);
}
