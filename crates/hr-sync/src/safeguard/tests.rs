#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{NaiveDate, TimeZone};
use hr_core::{
    CompanyId, CompanyRef, Contact, EmployeeId, Employment, ManagerRef, OrgData, OrgUnitId,
    OrgUnitRef, PersonName,
};
use proptest::prelude::*;

use super::*;
use crate::plan::{PlanReport, PlannedAction, Reason};
use crate::target::TargetUserId;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap()
}

/// Person `i` with exactly the `filled` fields.
fn person(i: usize, filled: &[Field]) -> Employee {
    let mut e = Employee::new(
        EmployeeId::new(format!("E{i}")).unwrap(),
        PersonName::new("Given", "Family"),
    );
    let mut org = OrgData::default();
    for f in filled {
        match f {
            Field::WorkEmail => {
                e.contact = Contact::default().with_work_email(format!("p{i}@acme.example"));
            }
            Field::Department => {
                org.department = Some(OrgUnitRef::new(OrgUnitId::new("d1").unwrap(), "Sales"));
            }
            Field::Company => {
                org.company = Some(CompanyRef::new(CompanyId::new("1").unwrap(), "Acme"));
            }
            Field::JobTitle => org.job_title = Some("Clerk".into()),
            Field::Manager => e.manager = ManagerRef::external("Boss", "boss@acme.example"),
            Field::Employment | Field::EndDate => {}
        }
    }
    e.org = org;
    let start = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    if filled.contains(&Field::EndDate) {
        let end = NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
        e.employments = vec![Employment::new(start, Some(end)).unwrap()];
    } else if filled.contains(&Field::Employment) {
        e.employments = vec![Employment::open(start)];
    }
    e
}

/// `n` people with every field but the end date.
fn people(n: usize) -> Vec<Employee> {
    let usual: Vec<Field> = Field::ALL
        .into_iter()
        .filter(|f| *f != Field::EndDate)
        .collect();
    (0..n).map(|i| person(i, &usual)).collect()
}

fn snapshot(people: Vec<Employee>) -> HrSnapshot {
    HrSnapshot::new("nmbrs", now(), people, Vec::new()).unwrap()
}

/// A plan with `deactivations` and `suspensions`, plus a profile update.
fn plan_with(deactivations: usize, suspensions: usize) -> SyncPlan {
    let mut items = Vec::new();
    let item = |action| PlannedAction {
        action,
        reason: Reason::default(),
    };
    for i in 0..deactivations {
        items.push(item(Action::Deactivate {
            hr_key: format!("D{i}"),
            user: TargetUserId::new(format!("u-d{i}")),
        }));
    }
    for i in 0..suspensions {
        items.push(item(Action::Suspend {
            hr_key: format!("S{i}"),
            user: TargetUserId::new(format!("u-s{i}")),
        }));
    }
    items.push(item(Action::UpdateProfile {
        hr_key: "X".into(),
        user: TargetUserId::new("u-x"),
        changes: Vec::new(),
    }));
    SyncPlan::new(now(), items, PlanReport::default())
}

fn run(
    snap: &HrSnapshot,
    plan: &SyncPlan,
    linked: usize,
    state: Option<&RunState>,
) -> SafeguardReport {
    check(snap, plan, linked, state, &SafeguardPolicy::default(), None)
}

fn tripped(report: &SafeguardReport) -> Vec<Rule> {
    report.tripped.iter().map(|t| t.rule).collect()
}

#[test]
fn defaults_follow_the_research_note() {
    let p = SafeguardPolicy::default();
    assert_eq!(p.min_population_share, 0.9);
    assert_eq!(p.empty_field_share, 0.5);
    assert_eq!(p.max_destructive_absolute, 5);
    assert_eq!(p.max_destructive_share, 0.10);
    assert!(p.disabled.is_empty());
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(serde_json::from_value::<SafeguardPolicy>(json).unwrap(), p);
    assert_eq!(
        serde_json::from_str::<SafeguardPolicy>("{}").unwrap(),
        SafeguardPolicy::default()
    );
    for bad in [
        r#"{"min_population_share": -0.1}"#,
        r#"{"empty_field_share": 2}"#,
        r#"{"unknown": 1}"#,
        r#"{"disabled": ["everything"]}"#,
    ] {
        assert!(
            serde_json::from_str::<SafeguardPolicy>(bad).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn destructive_cap_is_the_larger_of_absolute_and_share() {
    let snap = snapshot(people(20));
    // 20 linked active: cap max(5, 2) = 5.
    let ok = run(&snap, &plan_with(5, 0), 20, None);
    assert!(ok.allows_apply(), "{ok}");
    assert!(ok.passed.contains(&Rule::TooManyDestructive));
    let bad = run(&snap, &plan_with(6, 0), 20, None);
    assert_eq!(tripped(&bad), [Rule::TooManyDestructive]);
    assert!(!bad.allows_apply());
    let t = &bad.tripped[0];
    assert_eq!(
        (t.observed, t.limit, t.base, t.overridden),
        (6, 5, 20, false)
    );
    // Suspensions count as well.
    assert!(!run(&snap, &plan_with(3, 3), 20, None).allows_apply());
    assert!(run(&snap, &plan_with(3, 2), 20, None).allows_apply());

    // 1000 linked active: 10 % is 100.
    let snap = snapshot(people(1000));
    assert!(run(&snap, &plan_with(60, 40), 1000, None).allows_apply());
    let bad = run(&snap, &plan_with(61, 40), 1000, None);
    assert_eq!(tripped(&bad), [Rule::TooManyDestructive]);
    let text = bad.to_string();
    for needle in [
        "too_many_destructive",
        "deactivates 61",
        "suspends 40",
        "101",
        "more than 100",
        "max(5, 10 % of 1000 linked active users)",
    ] {
        assert!(text.contains(needle), "{needle:?} in {text}");
    }
}

#[test]
fn empty_source_trips() {
    let empty = snapshot(Vec::new());
    let report = run(&empty, &plan_with(0, 0), 0, None);
    assert_eq!(tripped(&report), [Rule::EmptySource]);
    assert!(!report.allows_apply());
    assert!(report.to_string().contains("returned no people"));
    // With a last good run, the population rule trips too; field rules have nobody to look at.
    let last = RunState::after_good_run(&snapshot(people(10)));
    let report = run(&empty, &plan_with(0, 0), 0, Some(&last));
    assert_eq!(tripped(&report), [Rule::EmptySource, Rule::PopulationDrop]);
    assert!(
        report
            .skipped
            .iter()
            .all(|s| matches!(s.rule, Rule::FieldEmptied { .. }))
    );
    // One person is not empty.
    assert!(run(&snapshot(people(1)), &plan_with(0, 0), 0, None).allows_apply());
}

#[test]
fn population_below_ninety_percent_trips() {
    let last = RunState::after_good_run(&snapshot(people(100)));
    let ok = run(&snapshot(people(90)), &plan_with(0, 0), 90, Some(&last));
    assert!(ok.allows_apply(), "{ok}");
    assert!(ok.passed.contains(&Rule::PopulationDrop));
    let bad = run(&snapshot(people(89)), &plan_with(0, 0), 89, Some(&last));
    assert_eq!(tripped(&bad), [Rule::PopulationDrop]);
    let t = &bad.tripped[0];
    assert_eq!((t.observed, t.limit, t.base), (89, 90, 100));
    let text = bad.to_string();
    assert!(
        text.contains("89 people, fewer than 90 (90 % of the 100"),
        "{text}"
    );

    // First run: skipped, and said so.
    let first = run(&snapshot(people(1)), &plan_with(0, 0), 0, None);
    assert!(first.allows_apply());
    let why = first
        .skipped
        .iter()
        .find(|s| s.rule == Rule::PopulationDrop)
        .unwrap();
    assert!(why.why.contains("first run"));
    assert!(
        first
            .to_string()
            .contains("skipped population_drop: first run")
    );
}

#[test]
fn a_field_emptied_for_more_than_half_trips() {
    let last = RunState::after_good_run(&snapshot(people(100)));
    let with_departments = |n_without: usize| {
        let mut ps = people(100);
        for p in ps.iter_mut().take(n_without) {
            p.org.department = None;
        }
        snapshot(ps)
    };
    let ok = run(&with_departments(50), &plan_with(0, 0), 100, Some(&last));
    assert!(ok.allows_apply(), "{ok}");
    let bad = run(&with_departments(51), &plan_with(0, 0), 100, Some(&last));
    let rule = Rule::FieldEmptied {
        field: Field::Department,
    };
    assert_eq!(tripped(&bad), [rule]);
    let t = &bad.tripped[0];
    assert_eq!((t.observed, t.limit, t.base), (51, 50, 100));
    assert!(
        bad.to_string()
            .contains("department is empty for 51 of 100 people, more than 50 (50 %)")
    );

    // A field that was mostly empty at the last good run (the end date) never trips.
    assert_eq!(last.filled[&Field::EndDate], 0);
    assert!(
        run(&snapshot(people(100)), &plan_with(0, 0), 100, Some(&last))
            .passed
            .contains(&Rule::FieldEmptied {
                field: Field::EndDate
            })
    );
    // …but one that most people had does.
    let ended: Vec<Employee> = (0..10).map(|i| person(i, &Field::ALL)).collect();
    let last = RunState::after_good_run(&snapshot(ended));
    let report = run(&snapshot(people(10)), &plan_with(0, 0), 10, Some(&last));
    assert_eq!(
        tripped(&report),
        [Rule::FieldEmptied {
            field: Field::EndDate
        }]
    );
}

#[test]
fn disabled_rules_are_skipped() {
    let policy = SafeguardPolicy::default()
        .disable(Rule::EmptySource)
        .disable(Rule::TooManyDestructive);
    let report = check(
        &snapshot(Vec::new()),
        &plan_with(50, 0),
        10,
        None,
        &policy,
        None,
    );
    assert!(report.allows_apply(), "{report}");
    let skipped: Vec<Rule> = report.skipped.iter().map(|s| s.rule).collect();
    assert!(skipped.contains(&Rule::EmptySource) && skipped.contains(&Rule::TooManyDestructive));
    assert!(report.to_string().contains("disabled by the policy"));
}

#[test]
fn an_override_bypasses_exactly_the_named_rule_and_is_recorded() {
    let last = RunState::after_good_run(&snapshot(people(100)));
    let snap = snapshot(people(80));
    let plan = plan_with(20, 0);
    let policy = SafeguardPolicy::default();
    let both = check(&snap, &plan, 100, Some(&last), &policy, None);
    assert_eq!(
        tripped(&both),
        [Rule::PopulationDrop, Rule::TooManyDestructive]
    );

    let token = Override::rules([Rule::TooManyDestructive], "year-end leavers, HR-812");
    let one = check(&snap, &plan, 100, Some(&last), &policy, Some(&token));
    assert!(!one.allows_apply());
    let blocking: Vec<Rule> = one.blocking().map(|t| t.rule).collect();
    assert_eq!(blocking, [Rule::PopulationDrop]);
    assert!(one.tripped[1].overridden && !one.tripped[0].overridden);
    assert_eq!(one.overrides.as_ref(), Some(&token));
    let text = one.to_string();
    assert!(text.contains("overridden: too_many_destructive"), "{text}");
    assert!(text.contains("year-end leavers, HR-812"), "{text}");

    let token = Override::rules(
        [Rule::TooManyDestructive, Rule::PopulationDrop],
        "approved by CISO",
    );
    let all = check(&snap, &plan, 100, Some(&last), &policy, Some(&token));
    assert!(all.allows_apply());
    assert_eq!(all.tripped.len(), 2);
    assert!(all.to_string().starts_with("safeguards passed"));
    let json = serde_json::to_value(&all).unwrap();
    assert_eq!(json["overrides"]["reason"], "approved by CISO");
    assert_eq!(
        serde_json::from_value::<SafeguardReport>(json).unwrap(),
        all
    );

    // A field override names one field only.
    let mut ps = people(100);
    for p in &mut ps {
        p.org.department = None;
        p.org.job_title = None;
    }
    let snap = snapshot(ps);
    let token = Override::rules(
        [Rule::FieldEmptied {
            field: Field::Department,
        }],
        "departments moved to cost centres",
    );
    let report = check(
        &snap,
        &plan_with(0, 0),
        100,
        Some(&last),
        &policy,
        Some(&token),
    );
    let blocking: Vec<Rule> = report.blocking().map(|t| t.rule).collect();
    assert_eq!(
        blocking,
        [Rule::FieldEmptied {
            field: Field::JobTitle
        }]
    );
}

#[test]
fn rules_round_trip_as_text() {
    for rule in Rule::all() {
        assert_eq!(rule.to_string().parse::<Rule>().unwrap(), rule);
        let json = serde_json::to_value(rule).unwrap();
        assert_eq!(serde_json::from_value::<Rule>(json).unwrap(), rule);
    }
    assert!("field_emptied:shoe_size".parse::<Rule>().is_err());
}

#[test]
fn state_round_trips_and_is_written_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    assert_eq!(RunState::load(&path).unwrap(), None);

    let big = RunState::after_good_run(&snapshot(people(1000)));
    big.save(&path).unwrap();
    assert_eq!(RunState::load(&path).unwrap().as_ref(), Some(&big));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["population"], 1000);
    assert_eq!(json["filled"]["work_email"], 1000);

    // Overwriting replaces the whole file and leaves no temporary file behind.
    let small = RunState::after_good_run(&snapshot(Vec::new()));
    small.save(&path).unwrap();
    assert_eq!(RunState::load(&path).unwrap(), Some(small.clone()));
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, [std::ffi::OsString::from("state.json")]);

    // A failed write names the file, keeps nothing half-written and no temporary file.
    let blocked = dir.path().join("a-directory");
    std::fs::create_dir(&blocked).unwrap();
    std::fs::write(blocked.join("keep"), "x").unwrap();
    let err = small.save(&blocked).unwrap_err();
    assert!(matches!(err, StateError::Write { .. }), "{err:?}");
    assert_eq!(err.path(), blocked);
    assert!(err.to_string().contains("a-directory"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    let missing_dir = dir.path().join("nope").join("state.json");
    assert!(matches!(
        small.save(&missing_dir),
        Err(StateError::Write { .. })
    ));
    assert_eq!(RunState::load(&path).unwrap(), Some(small));
}

#[test]
fn corrupt_or_foreign_state_files_are_typed_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    for text in [
        "{ not json",
        "",
        r#"{"version": 1}"#,
        r#"{"version": 1, "source": "x", "read_at": "2026-01-01T00:00:00Z", "population": 3, "filled": {"shoe_size": 1}}"#,
    ] {
        std::fs::write(&path, text).unwrap();
        let err = RunState::load(&path).unwrap_err();
        assert!(matches!(err, StateError::Corrupt { .. }), "{text}: {err:?}");
        assert_eq!(err.path(), path);
        assert!(err.to_string().contains(&path.display().to_string()));
    }
    std::fs::write(&path, r#"{"version": 2, "whatever": true}"#).unwrap();
    let err = RunState::load(&path).unwrap_err();
    assert!(
        matches!(err, StateError::Version { found: 2, .. }),
        "{err:?}"
    );
    // A directory where the file should be can't be read.
    let err = RunState::load(dir.path()).unwrap_err();
    assert!(matches!(err, StateError::Read { .. }), "{err:?}");
    assert_eq!(err.path(), dir.path());
}

#[test]
fn linked_active_counts_linked_users_who_can_sign_in() {
    use crate::target::TargetUser;
    let user = |id: &str, status: TargetStatus, key: Option<&str>| {
        let u = TargetUser::new(TargetUserId::new(id), format!("{id}@x.example"), status);
        match key {
            Some(k) => u.with_hr_key(k),
            None => u,
        }
    };
    let state = TargetState::new(
        vec![
            user("1", TargetStatus::Active, Some("E1")),
            user("2", TargetStatus::Provisioned, Some("E2")),
            user("3", TargetStatus::LockedOut, Some("E3")),
            user("4", TargetStatus::Staged, Some("E4")),
            user("5", TargetStatus::Suspended, Some("E5")),
            user("6", TargetStatus::Deprovisioned, Some("E6")),
            user("7", TargetStatus::Active, None),
        ],
        Vec::new(),
        Default::default(),
    );
    assert_eq!(linked_active(&state), 3);
}

/// Which of [`Field::ALL`] a person has.
fn arb_person() -> impl Strategy<Value = Vec<bool>> {
    proptest::collection::vec(any::<bool>(), Field::ALL.len())
}

fn arb_rule() -> impl Strategy<Value = Rule> {
    let rules: Vec<Rule> = Rule::all().collect();
    proptest::sample::select(rules)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn reports_are_deterministic_and_block_on_any_unbypassed_trip(
        people in proptest::collection::vec(arb_person(), 0..30),
        last_people in proptest::collection::vec(arb_person(), 0..30),
        has_state in any::<bool>(),
        deactivations in 0usize..15,
        suspensions in 0usize..15,
        linked in 0usize..200,
        min_population_share in 0.0f64..=1.0,
        empty_field_share in 0.0f64..=1.0,
        max_destructive_absolute in 0usize..10,
        max_destructive_share in 0.0f64..=1.0,
        disabled in proptest::collection::vec(arb_rule(), 0..3),
        bypass in proptest::option::of(proptest::collection::vec(arb_rule(), 0..4)),
    ) {
        let build = |ps: &[Vec<bool>]| {
            snapshot(ps.iter().enumerate().map(|(i, flags)| {
                let filled: Vec<Field> = Field::ALL.into_iter().zip(flags).filter(|(_, f)| **f).map(|(f, _)| f).collect();
                person(i, &filled)
            }).collect())
        };
        let snap = build(people.as_slice());
        let state = has_state.then(|| RunState::after_good_run(&build(last_people.as_slice())));
        let plan = plan_with(deactivations, suspensions);
        let mut policy = SafeguardPolicy {
            min_population_share,
            empty_field_share,
            max_destructive_absolute,
            max_destructive_share,
            ..SafeguardPolicy::default()
        };
        for r in disabled {
            policy = policy.disable(r);
        }
        let token = bypass.map(|rules| Override::rules(rules, "test"));

        let a = check(&snap, &plan, linked, state.as_ref(), &policy, token.as_ref());
        let b = check(&snap, &plan, linked, state.as_ref(), &policy, token.as_ref());
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(a.to_string(), b.to_string());
        prop_assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());

        // Every rule exactly once, in order.
        let mut seen: Vec<Rule> = a.tripped.iter().map(|t| t.rule)
            .chain(a.passed.iter().copied())
            .chain(a.skipped.iter().map(|s| s.rule))
            .collect();
        seen.sort_unstable();
        let mut all: Vec<Rule> = Rule::all().collect();
        all.sort_unstable();
        prop_assert_eq!(seen, all);

        // Overridden exactly when named; any other trip blocks.
        for t in &a.tripped {
            prop_assert_eq!(t.overridden, token.as_ref().is_some_and(|o| o.covers(&t.rule)));
            prop_assert!(policy.is_enabled(&t.rule));
        }
        let unbypassed = a.tripped.iter().any(|t| !token.as_ref().is_some_and(|o| o.covers(&t.rule)));
        prop_assert_eq!(a.allows_apply(), !unbypassed);
        if !a.allows_apply() {
            prop_assert!(a.to_string().starts_with("safeguards tripped"));
        }

        // The destructive rule agrees with a direct computation.
        if policy.is_enabled(&Rule::TooManyDestructive) {
            let cap = max_destructive_absolute.max((max_destructive_share * linked as f64 + 1e-9).floor() as usize);
            let trips = a.tripped.iter().any(|t| t.rule == Rule::TooManyDestructive);
            prop_assert_eq!(trips, deactivations + suspensions > cap);
        }
        // An empty source always trips when the rule is on.
        if snap.is_empty() && policy.is_enabled(&Rule::EmptySource) {
            prop_assert!(a.tripped.iter().any(|t| t.rule == Rule::EmptySource));
        }
    }
}

#[test]
fn counts_come_from_a_real_plan() {
    use crate::plan::{SyncPolicy, plan};
    use crate::target::TargetUser;
    // 20 linked active users; 6 of the people left long ago, so the planner deactivates them.
    let mut ps = people(20);
    for p in ps.iter_mut().take(6) {
        let start = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        let end = NaiveDate::from_ymd_opt(2025, 1, 31).unwrap();
        p.employments = vec![Employment::new(start, Some(end)).unwrap()];
    }
    let users = (0..20)
        .map(|i| {
            TargetUser::new(
                TargetUserId::new(format!("u{i}")),
                format!("p{i}@acme.example"),
                TargetStatus::Active,
            )
            .with_hr_key(format!("E{i}"))
        })
        .collect();
    let state = TargetState::new(users, Vec::new(), Default::default());
    let mapper = mapping::Mapper::preset("okta-default").unwrap();
    let snap = snapshot(ps);
    let plan = plan(&snap, &state, &mapper, &SyncPolicy::default(), now()).unwrap();
    assert_eq!(plan.counts.get("deactivate"), Some(&6), "{plan}");
    let report = run(&snap, &plan, linked_active(&state), None);
    assert_eq!(tripped(&report), [Rule::TooManyDestructive]);
    assert_eq!(report.tripped[0].observed, 6);
    assert_eq!(report.tripped[0].base, 20);
}
