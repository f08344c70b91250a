//! The executor and the engine around it: dependency order, per-person failure
//! isolation, retries against the Okta simulator, a crash half-way and the re-run,
//! the journal, the safeguards stopping a run before any write, stale saved plans.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use hr_core::{
    CompanyId, CompanyRef, Contact, Employee, EmployeeId, Employment, InMemorySource, ManagerRef,
    OrgData, OrgUnitId, OrgUnitRef, PersonName,
};
use hr_sync::journal::{Journal, JournalRecord, Outcome, Summary};
use hr_sync::safeguard::Rule;
use hr_sync::{
    Action, Applied, ApplyOptions, Engine, EngineError, GroupRule, GroupSource, IdentityTarget,
    InMemoryTarget, OktaTarget, SyncError, SyncPlan, SyncPolicy, TargetCapabilities, TargetState,
    apply_plan,
};
use okta_api::simulator::{Fault, OktaSimulator};
use okta_api::{OktaClient, RetryPolicy};
use secrecy::SecretString;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap()
}

fn day(offset: i64) -> NaiveDate {
    now().date_naive() + chrono::Duration::days(offset)
}

/// Employed since 100 days, in `dept`, reporting to `manager`.
fn person(id: &str, dept: &str, manager: Option<&str>) -> Employee {
    let mut org = OrgData::default();
    org.department = Some(OrgUnitRef::new(
        OrgUnitId::new(format!("d-{dept}")).unwrap(),
        dept,
    ));
    org.company = Some(CompanyRef::new(CompanyId::new("1").unwrap(), "Acme"));
    let employee = Employee::new(
        EmployeeId::new(id).unwrap(),
        PersonName::new(format!("Given{id}"), format!("Family{id}")),
    )
    .with_contact(Contact::default().with_work_email(format!("p{id}@acme.example")))
    .with_org(org)
    .with_employment(Employment::new(day(-100), None).unwrap());
    match manager {
        Some(m) => employee.with_manager(ManagerRef::employee(EmployeeId::new(m).unwrap())),
        None => employee,
    }
}

fn team(n: usize) -> Vec<Employee> {
    (0..n)
        .map(|i| {
            let manager = (i > 0).then(|| "E0".to_owned());
            person(
                &format!("E{i}"),
                if i % 2 == 0 { "Sales" } else { "Finance" },
                manager.as_deref(),
            )
        })
        .collect()
}

fn policy() -> SyncPolicy {
    let mut p = SyncPolicy::default();
    p.groups = vec![GroupRule::new(GroupSource::Department, "Dept - {name}")];
    p.activate_on_create = true;
    p
}

fn mapper() -> mapping::Mapper {
    mapping::Mapper::preset("okta-default").unwrap()
}

fn engine(people: Vec<Employee>, target: Arc<dyn IdentityTarget>) -> (Engine, Arc<InMemorySource>) {
    let source = Arc::new(InMemorySource::new("hr").with_employees(people).unwrap());
    let engine = Engine::builder(source.clone(), target, mapper())
        .policy(policy())
        .build();
    (engine, source)
}

fn action_lines(records: &[JournalRecord], run: &str) -> Vec<hr_sync::journal::ActionRecord> {
    records
        .iter()
        .filter_map(|r| match r {
            JournalRecord::Action(a) if a.run == run => Some((**a).clone()),
            _ => None,
        })
        .collect()
}

/// Every HR key is held by exactly one user, and every manager points at a user.
fn assert_converged(state: &TargetState, people: usize) {
    assert_eq!(state.users().len(), people);
    for user in state.users() {
        let key = user.hr_key.as_deref().unwrap();
        assert_eq!(state.by_hr_key(key).count(), 1, "{key} twice");
    }
}

#[tokio::test]
async fn a_plan_is_applied_in_dependency_order_and_journaled() {
    let target = Arc::new(InMemoryTarget::new());
    let (engine, _) = engine(team(12), target.clone());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let mut journal = Journal::open(&path).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let progress = seen.clone();
    let options = ApplyOptions::default()
        .concurrency(4)
        .on_progress(move |p| progress.lock().unwrap().push((p.done, p.total)));

    let prepared = engine.prepare(now(), None).await.unwrap();
    let total = prepared.plan.items.len();
    // 2 groups, 12 creates, 12 memberships, 11 managers.
    assert_eq!(total, 2 + 12 + 12 + 11);
    let report = engine
        .apply(&prepared, &mut journal, &options)
        .await
        .unwrap();
    assert!(report.is_complete(), "{report}");
    assert_eq!(report.summary.total.applied, total);

    // The target saw the phases in order: groups, users, members, managers.
    let kinds: Vec<&str> = target.writes().iter().map(Action::kind).collect();
    let first = |k: &str| kinds.iter().position(|x| *x == k).unwrap();
    let last = |k: &str| kinds.iter().rposition(|x| *x == k).unwrap();
    assert!(last("create_group") < first("create_user"));
    assert!(last("create_user") < first("add_member"));
    assert!(last("add_member") < first("set_manager"));
    let state = target.read_state("hrEmployeeId").await.unwrap();
    assert_converged(&state, 12);
    let boss = state.by_hr_key("E0").next().unwrap().id.to_string();
    let e5 = state.by_hr_key("E5").next().unwrap();
    assert_eq!(e5.profile["managerId"], boss.as_str());

    // The journal: a start line, one line per action with its target id, a finish line
    // whose counts are those of the action lines and of the report.
    let file = Journal::read(&path).unwrap();
    assert!(!file.torn_tail);
    assert_eq!(file.runs(), [(report.run.clone(), true)]);
    let lines = action_lines(&file.records, &report.run);
    assert_eq!(lines.len(), total);
    let mut seqs: Vec<usize> = lines.iter().map(|l| l.seq).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (0..total).collect::<Vec<_>>());
    assert!(
        lines
            .iter()
            .all(|l| l.outcome == Outcome::Applied && l.attempts == 1 && l.target_id.is_some())
    );
    assert_eq!(Summary::of_run(&file.records, &report.run), report.summary);
    match file.records.last().unwrap() {
        JournalRecord::Finish { summary, .. } => assert_eq!(summary, &report.summary),
        other => panic!("{other:?}"),
    }
    // Progress: once per action, counting up to the total.
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), total);
    assert!(
        seen.iter()
            .enumerate()
            .all(|(i, (done, t))| *done == i + 1 && *t == total)
    );

    // Nothing left to do.
    assert!(engine.prepare(now(), None).await.unwrap().plan.is_empty());
}

/// The in-memory target, refusing every write for some people, and answering after a
/// yield as a remote target would.
#[derive(Debug)]
struct Refusing {
    inner: InMemoryTarget,
    people: Vec<&'static str>,
}

#[async_trait]
impl IdentityTarget for Refusing {
    fn capabilities(&self) -> TargetCapabilities {
        self.inner.capabilities()
    }
    async fn read_state(&self, link_attribute: &str) -> Result<TargetState, SyncError> {
        self.inner.read_state(link_attribute).await
    }
    async fn ensure_link_attribute(&self, name: &str) -> Result<bool, SyncError> {
        self.inner.ensure_link_attribute(name).await
    }
    async fn apply(&self, action: &Action) -> Result<Applied, SyncError> {
        tokio::task::yield_now().await;
        if action.person().is_some_and(|p| self.people.contains(&p)) {
            return Err(SyncError::Invalid {
                action: action.kind().into(),
                reason: "refused by the test".into(),
            });
        }
        self.inner.apply(action).await
    }
}

#[tokio::test]
async fn one_failed_person_does_not_stop_the_rest() {
    // E0 manages everyone: their create fails, so their membership and the managers
    // pointing at them are skipped; everyone else is done.
    let target = Arc::new(Refusing {
        inner: InMemoryTarget::new(),
        people: vec!["E0", "E3"],
    });
    let (engine, _) = engine(team(8), target.clone());
    let mut journal = Journal::in_memory();
    let report = engine
        .run(now(), None, &mut journal, &ApplyOptions::default())
        .await
        .unwrap();
    let s = &report.summary;
    assert_eq!(s.by_kind["create_user"].applied, 6);
    assert_eq!(s.by_kind["create_user"].failed, 2);
    assert_eq!(s.by_kind["add_member"].applied, 6);
    assert_eq!(s.by_kind["add_member"].skipped, 2);
    // Seven people report to E0: E3 is skipped for its own failure, six for the manager.
    assert_eq!(s.by_kind["set_manager"].skipped, 7);
    assert_eq!(s.total.failed, 2);
    assert_eq!(report.problems.len(), 2 + 2 + 7);
    let skipped_e3 = report
        .problems
        .iter()
        .find(|p| p.person.as_deref() == Some("E3") && p.outcome == Outcome::Skipped)
        .unwrap();
    assert!(
        skipped_e3
            .error
            .as_deref()
            .unwrap()
            .contains("earlier action for E3")
    );
    assert_eq!(skipped_e3.attempts, 0);
    let state = target.read_state("hrEmployeeId").await.unwrap();
    assert_eq!(state.users().len(), 6);
    assert_eq!(
        Summary::of_run(journal.records(), &report.run),
        report.summary
    );
}

fn client(url: &str) -> OktaClient {
    OktaClient::builder()
        .org_url(url)
        .api_token(SecretString::from("t"))
        .retry_policy(
            RetryPolicy::default()
                .base_delay(Duration::from_millis(5))
                .max_jitter(Duration::from_millis(5)),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn transient_okta_failures_are_sent_again_without_duplicates() {
    let sim = OktaSimulator::builder()
        .api_token("t")
        .start()
        .await
        .unwrap();
    let target = Arc::new(OktaTarget::new(client(sim.url())));
    let (engine, _) = engine(team(6), target.clone());
    // okta-api does not repeat a create after a 5xx (it may have been applied): the
    // executor does, and the repeat finds the user when the first attempt went through.
    sim.inject(
        Fault::server_error(500, 2)
            .method("POST")
            .path_prefix("/api/v1/users"),
    );
    let mut journal = Journal::in_memory();
    let options = ApplyOptions::default().retries(2, Duration::from_millis(5));
    let report = engine
        .run(now(), None, &mut journal, &options)
        .await
        .unwrap();
    assert!(report.is_complete(), "{report}");
    let lines = action_lines(journal.records(), &report.run);
    let retried: Vec<_> = lines.iter().filter(|l| l.attempts > 1).collect();
    assert!(!retried.is_empty());
    // Every write carries Okta's request id.
    assert!(lines.iter().all(|l| l.request_id.is_some()), "{lines:?}");
    let state = target.read_state("hrEmployeeId").await.unwrap();
    assert_converged(&state, 6);
    assert!(engine.prepare(now(), None).await.unwrap().plan.is_empty());
}

#[tokio::test]
async fn a_crash_half_way_then_a_re_run_converges() {
    let target = Arc::new(Refusing {
        inner: InMemoryTarget::new(),
        people: Vec::new(),
    });
    let (engine, _) = engine(team(20), target.clone());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");

    // The process "dies" after 15 outcomes: the apply future is dropped mid-phase.
    let prepared = engine.prepare(now(), None).await.unwrap();
    let total = prepared.plan.items.len();
    let done = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(tokio::sync::Notify::new());
    let (d, s) = (done.clone(), stop.clone());
    let options = ApplyOptions::default()
        .concurrency(2)
        .on_progress(move |p| {
            d.store(p.done, Ordering::SeqCst);
            if p.done == 15 {
                s.notify_one();
            }
        });
    {
        let mut journal = Journal::open(&path).unwrap();
        tokio::select! {
            r = engine.apply(&prepared, &mut journal, &options) => panic!("finished: {r:?}"),
            () = stop.notified() => {}
        }
    }
    assert!(done.load(Ordering::SeqCst) < total);
    // ... and the last line was torn while being written.
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(br#"{"event":"action","run":"#);
    std::fs::write(&path, &bytes).unwrap();
    let file = Journal::read(&path).unwrap();
    assert!(file.torn_tail);
    assert_eq!(file.runs().len(), 1);
    assert!(!file.runs()[0].1, "the crashed run has no finish line");
    // Complete the torn line's file for the next writer.
    bytes.truncate(bytes.len() - br#"{"event":"action","run":"#.len());
    std::fs::write(&path, &bytes).unwrap();

    // The re-run plans only what is left and finishes it: no user twice.
    let again = engine.prepare(now(), None).await.unwrap();
    assert!(!again.plan.is_empty() && again.plan.items.len() < total);
    let mut journal = Journal::open(&path).unwrap();
    let report = engine
        .apply(&again, &mut journal, &ApplyOptions::default())
        .await
        .unwrap();
    assert!(report.is_complete(), "{report}");
    let state = target.read_state("hrEmployeeId").await.unwrap();
    assert_converged(&state, 20);
    assert!(engine.prepare(now(), None).await.unwrap().plan.is_empty());
    let file = Journal::read(&path).unwrap();
    assert_eq!(file.runs().len(), 2);
    assert!(file.runs()[1].1);
}

#[tokio::test]
async fn an_empty_source_is_stopped_before_any_write() {
    let target = Arc::new(InMemoryTarget::new());
    let (engine, source) = engine(team(10), target.clone());
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::builder(source.clone(), target.clone(), mapper())
        .policy(engine.policy().clone())
        .state_file(dir.path().join("state.json"))
        .build();
    let mut journal = Journal::in_memory();
    engine
        .run(now(), None, &mut journal, &ApplyOptions::default())
        .await
        .unwrap();
    let writes = target.writes().len();

    source.update(|people, _| people.clear()).unwrap();
    let prepared = engine.prepare(now(), None).await.unwrap();
    assert!(!prepared.safeguards.allows_apply());
    let rules: Vec<Rule> = prepared.safeguards.blocking().map(|t| t.rule).collect();
    assert!(rules.contains(&Rule::EmptySource), "{rules:?}");
    match engine
        .apply(&prepared, &mut journal, &ApplyOptions::default())
        .await
    {
        Err(EngineError::Stopped(report)) => assert!(report.to_string().contains("empty")),
        other => panic!("{other:?}"),
    }
    assert_eq!(target.writes().len(), writes, "nothing written");
    // The state file still holds the good run: a second try is stopped too.
    assert!(
        !engine
            .prepare(now(), None)
            .await
            .unwrap()
            .safeguards
            .allows_apply()
    );
}

#[tokio::test]
async fn a_saved_plan_is_refused_when_the_source_changed() {
    let target = Arc::new(InMemoryTarget::new());
    let (engine, source) = engine(team(4), target.clone());
    let saved: SyncPlan = {
        let prepared = engine.prepare(now(), None).await.unwrap();
        serde_json::from_str(&serde_json::to_string(&prepared.plan).unwrap()).unwrap()
    };
    source
        .update(|people, _| people.push(person("E9", "Sales", None)))
        .unwrap();
    let mut journal = Journal::in_memory();
    match engine
        .apply_saved(&saved, now(), None, &mut journal, &ApplyOptions::default())
        .await
    {
        // The fresh plan creates E9 and adds them to Sales (the Sales group's create
        // reason counts its people, so it differs too).
        Err(EngineError::Stale(m)) => {
            assert!(m.only_fresh >= 2 && m.only_saved <= 1, "{m}");
            assert_ne!(m.saved, m.fresh);
        }
        other => panic!("{other:?}"),
    }
    assert!(target.writes().is_empty());
    assert!(journal.records().is_empty());

    // Unchanged, it is applied.
    let saved = engine.prepare(now(), None).await.unwrap().plan;
    let report = engine
        .apply_saved(&saved, now(), None, &mut journal, &ApplyOptions::default())
        .await
        .unwrap();
    assert_eq!(report.plan, saved.hash);
    assert!(report.is_complete());
}

#[tokio::test]
async fn a_journal_that_cannot_be_written_stops_the_run() {
    let target = InMemoryTarget::new();
    let plan = SyncPlan::from_actions(
        (0..5)
            .map(|i| {
                Action::create_user(
                    format!("E{i}"),
                    format!("p{i}@acme.example"),
                    Default::default(),
                    true,
                )
            })
            .collect(),
    );
    // /dev/full accepts the open and refuses every write.
    let Ok(mut journal) = Journal::open("/dev/full") else {
        return;
    };
    let e = apply_plan(&target, &plan, &mut journal, &ApplyOptions::default())
        .await
        .unwrap_err();
    assert_eq!((e.done, e.total), (0, 5));
    assert!(e.to_string().contains("/dev/full"), "{e}");
    assert!(
        target.writes().is_empty(),
        "nothing applied without a journal"
    );
}

#[test]
fn a_journal_line_that_is_not_a_record_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    std::fs::write(&path, "{\"event\":\"finish\"}\nnot json\n").unwrap();
    let e = Journal::read(&path).unwrap_err();
    assert!(e.to_string().contains("line 1"), "{e}");
    std::fs::write(
        &path,
        "{\"event\":\"start\",\"time\":\"2026-01-01T00:00:00Z\",\"run\":\"r\",\"plan\":\"h\",\"actions\":0}\n\nnot json\n",
    )
    .unwrap();
    let e = Journal::read(&path).unwrap_err();
    assert!(e.to_string().contains("line 3"), "{e}");
}

#[tokio::test]
async fn a_stop_request_finishes_what_is_in_flight_and_skips_the_rest() {
    let target = Arc::new(Refusing {
        inner: InMemoryTarget::new(),
        people: Vec::new(),
    });
    let (engine, _) = engine(team(20), target.clone());
    let prepared = engine.prepare(now(), None).await.unwrap();
    let total = prepared.plan.items.len();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    let options = ApplyOptions::default()
        .concurrency(2)
        .stop_on(stop.clone())
        .on_progress(move |p| {
            if p.done == 10 {
                flag.store(true, Ordering::SeqCst);
            }
        });
    let mut journal = Journal::in_memory();
    let report = engine
        .apply(&prepared, &mut journal, &options)
        .await
        .unwrap();
    let s = report.summary.total;
    // At most the two in flight finish after the request.
    assert!((10..=12).contains(&s.applied), "{s:?}");
    assert_eq!(s.applied + s.skipped, total);
    assert!(report.problems.iter().all(|p| {
        p.error
            .as_deref()
            .unwrap()
            .contains("stopped by the operator")
    }));
    assert_eq!(
        journal.records().len(),
        total + 2,
        "start, every action, finish"
    );
    // The next run does the rest.
    let report = engine
        .run(now(), None, &mut journal, &ApplyOptions::default())
        .await
        .unwrap();
    assert!(report.is_complete());
    assert_converged(&target.read_state("hrEmployeeId").await.unwrap(), 20);
}
