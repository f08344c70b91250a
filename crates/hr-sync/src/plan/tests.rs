#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::field_reassign_with_default
)]

use chrono::{Duration, NaiveDate, TimeZone};
use hr_core::{
    CompanyId, CompanyRef, Contact, Employment, OrgData, OrgUnitId, OrgUnitRef, PersonName,
};
use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::action::PlannedIds;
use crate::memory::InMemoryTarget;
use crate::target::IdentityTarget;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap()
}

fn day(offset: i64) -> NaiveDate {
    now().date_naive() + Duration::days(offset)
}

fn mapper() -> Mapper {
    Mapper::preset("okta-default").unwrap()
}

/// A person employed from `start` (days from now) to `end`, in department `dept`.
fn person(id: &str, start: i64, end: Option<i64>, dept: &str) -> Employee {
    let mut org = OrgData::default();
    org.department = Some(OrgUnitRef::new(
        OrgUnitId::new(format!("d-{dept}")).unwrap(),
        dept,
    ));
    org.company = Some(CompanyRef::new(CompanyId::new("1").unwrap(), "Acme"));
    Employee::new(
        EmployeeId::new(id).unwrap(),
        PersonName::new(format!("Given{id}"), format!("Family{id}")),
    )
    .with_contact(Contact::default().with_work_email(format!("p{id}@acme.example")))
    .with_org(org)
    .with_employment(Employment::new(day(start), end.map(day)).unwrap())
}

fn snapshot(people: Vec<Employee>) -> HrSnapshot {
    HrSnapshot::new("test", now(), people, Vec::new()).unwrap()
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

/// Applies a plan in order, resolving planned references as an executor does.
fn apply(target: &InMemoryTarget, plan: &SyncPlan) {
    block_on(async {
        let mut ids = PlannedIds::default();
        for item in &plan.items {
            let action = ids.resolve(&item.action).unwrap();
            let applied = target
                .apply(&action)
                .await
                .unwrap_or_else(|e| panic!("{action:?}: {e}"));
            ids.record(&action, &applied);
        }
    });
}

fn state(target: &InMemoryTarget, policy: &SyncPolicy) -> TargetState {
    block_on(target.read_state(&policy.link_attribute)).unwrap()
}

fn plan_for(
    target: &InMemoryTarget,
    people: Vec<Employee>,
    policy: &SyncPolicy,
    at: DateTime<Utc>,
) -> SyncPlan {
    plan(
        &snapshot(people),
        &state(target, policy),
        &mapper(),
        policy,
        at,
    )
    .unwrap()
}

/// Plans and applies, returning the plan.
fn sync(
    target: &InMemoryTarget,
    people: Vec<Employee>,
    policy: &SyncPolicy,
    at: DateTime<Utc>,
) -> SyncPlan {
    let p = plan_for(target, people, policy, at);
    apply(target, &p);
    p
}

fn kinds(plan: &SyncPlan) -> Vec<&'static str> {
    plan.items.iter().map(|i| i.action.kind()).collect()
}

fn user_of<'s>(state: &'s TargetState, key: &str) -> &'s TargetUser {
    state.by_hr_key(key).next().unwrap()
}

#[test]
fn creates_people_in_the_window_staged_or_active_and_nobody_else() {
    let target = InMemoryTarget::new();
    let policy = SyncPolicy::default();
    let people = vec![
        person("1", -100, None, "Sales"),       // active
        person("2", 3, None, "Sales"),          // pending: inside the 7-day window
        person("3", 30, None, "Sales"),         // not yet provisioned
        person("4", -400, Some(-200), "Sales"), // long gone
    ];
    let p = sync(&target, people.clone(), &policy, now());
    let creates: Vec<(&str, bool)> = p
        .items
        .iter()
        .filter_map(|i| match &i.action {
            Action::CreateUser {
                hr_key, activate, ..
            } => Some((hr_key.as_str(), *activate)),
            _ => None,
        })
        .collect();
    assert_eq!(creates, [("1", true), ("2", false)]);
    let create = &p.items[0];
    let Action::CreateUser { profile, login, .. } = &create.action else {
        panic!()
    };
    assert_eq!(login, "p1@acme.example");
    assert_eq!(profile["hrEmployeeId"], "1");
    assert!(!profile.contains_key(MANAGER_ATTRIBUTE));
    assert!(profile.values().all(|v| !v.is_null()));
    assert!(create.reason.lifecycle.contains("employed since"));
    assert!(
        create
            .reason
            .attributes
            .iter()
            .any(|a| a.name == "lastName" && a.rule.contains("name.family_display"))
    );
    let s = state(&target, &policy);
    assert_eq!(user_of(&s, "1").status, TargetStatus::Provisioned);
    assert_eq!(user_of(&s, "2").status, TargetStatus::Staged);
    // Stable: nothing more to do.
    assert!(plan_for(&target, people, &policy, now()).is_empty());
}

#[test]
fn activate_at_start_then_suspend_deactivate_and_reactivate_on_rehire() {
    let target = InMemoryTarget::new();
    let policy = SyncPolicy::default();
    let ada = person("1", 3, Some(40), "Sales");
    sync(&target, vec![ada.clone()], &policy, now());
    let p = sync(
        &target,
        vec![ada.clone()],
        &policy,
        now() + Duration::days(4),
    );
    assert_eq!(kinds(&p), ["activate"]);
    assert!(
        p.items[0]
            .reason
            .note
            .as_deref()
            .unwrap()
            .contains("STAGED")
    );

    // Still PROVISIONED (the welcome flow not done) when the contract ends: Okta can't
    // suspend it, so it is deactivated and its activation link stops working.
    let ended = now() + Duration::days(42);
    let p = plan_for(&target, vec![ada.clone()], &policy, ended);
    assert_eq!(kinds(&p), ["deactivate"]);
    let note = p.items[0].reason.note.as_deref().unwrap();
    assert!(
        note.contains("PROVISIONED") && note.contains("never activated"),
        "{note}"
    );
    // A user LOCKED_OUT at the end can't be suspended either: noted, left alone.
    let s = state(&target, &policy);
    target.set_status(&user_of(&s, "1").id, TargetStatus::LockedOut);
    let p = plan_for(&target, vec![ada.clone()], &policy, ended);
    assert!(p.is_empty());
    assert!(p.report.notes[0].note.contains("only suspends ACTIVE"));

    target.set_status(&user_of(&s, "1").id, TargetStatus::Active);
    let p = sync(&target, vec![ada.clone()], &policy, ended);
    assert_eq!(kinds(&p), ["suspend"]);
    let p = sync(
        &target,
        vec![ada.clone()],
        &policy,
        ended + Duration::days(31),
    );
    assert_eq!(kinds(&p), ["deactivate"]);
    // A deactivated user is left alone, even when HR data changes.
    let mut moved = ada.clone();
    moved.org.department = Some(OrgUnitRef::new(OrgUnitId::new("d-F").unwrap(), "Finance"));
    assert!(
        plan_for(
            &target,
            vec![moved.clone()],
            &policy,
            ended + Duration::days(32)
        )
        .is_empty()
    );
    // A rehire: a new contract with the same key; reactivated before it is changed.
    let rehired = moved.with_employment(Employment::open(day(80)));
    let p = sync(&target, vec![rehired], &policy, now() + Duration::days(81));
    assert_eq!(kinds(&p), ["reactivate", "update_profile"]);
    assert!(p.items[0].reason.lifecycle.starts_with("rehire"));
}

#[test]
fn unsuspends_a_suspended_active_person() {
    let target = InMemoryTarget::new();
    let policy = SyncPolicy::default();
    let ada = person("1", -10, None, "Sales");
    sync(&target, vec![ada.clone()], &policy, now());
    let s = state(&target, &policy);
    target.set_status(&user_of(&s, "1").id, TargetStatus::Suspended);
    let p = plan_for(&target, vec![ada], &policy, now());
    assert_eq!(kinds(&p), ["unsuspend"]);
}

#[test]
fn updates_only_changed_owned_attributes_and_never_create_only_ones() {
    let target = InMemoryTarget::new();
    let policy = SyncPolicy::default();
    let ada = person("1", -10, None, "Sales");
    sync(&target, vec![ada.clone()], &policy, now());
    // An attribute the mapping does not own stays.
    let s = state(&target, &policy);
    let id = user_of(&s, "1").id.clone();
    block_on(target.apply(&Action::UpdateProfile {
        hr_key: "1".into(),
        user: id.clone(),
        changes: vec![AttributeChange::new(
            "favouriteColour",
            None,
            Some(json!("blue")),
        )],
    }))
    .unwrap();

    let mut moved = ada.clone();
    moved.org.department = Some(OrgUnitRef::new(OrgUnitId::new("d-F").unwrap(), "Finance"));
    moved.contact.work_email = Some("ada.new@acme.example".into());
    let p = plan_for(&target, vec![moved], &policy, now());
    assert_eq!(kinds(&p), ["update_profile"]);
    let Action::UpdateProfile { changes, user, .. } = &p.items[0].action else {
        panic!()
    };
    assert_eq!(user, &id);
    let names: Vec<&str> = changes.iter().map(|c| c.name.as_str()).collect();
    // `login` is create-only; `email` follows.
    assert_eq!(names, ["department", "email"]);
    assert_eq!(changes[0].before, Some(json!("Sales")));
    assert_eq!(changes[0].after, Some(json!("Finance")));
    assert!(
        p.items[0].reason.attributes[0]
            .rule
            .contains("org.department.name")
    );
}

#[test]
fn unmanaged_users_are_never_touched_and_candidates_are_not_duplicated() {
    let target = InMemoryTarget::new();
    let admin = target.seed_user("admin@acme.example", TargetStatus::Active, Map::new());
    // Someone created by hand with the person's login.
    let hand = target.seed_user("p1@acme.example", TargetStatus::Active, Map::new());
    let policy = SyncPolicy::default();
    let people = vec![person("1", -10, None, "Sales")];
    let p = plan_for(&target, people.clone(), &policy, now());
    assert!(p.is_empty(), "{:?}", kinds(&p));
    assert_eq!(p.report.candidates.len(), 1);
    assert_eq!(p.report.unmanaged, 2);
    assert!(p.report.notes[0].note.contains("does not adopt"));

    // Adopted when the policy allows: only the link attribute and the profile are written.
    let mut adopt = policy.clone();
    adopt.link = LinkPolicy::default().adopt_matching_login(true);
    let p = sync(&target, people, &adopt, now());
    assert_eq!(kinds(&p), ["update_profile"]);
    assert_eq!(p.items[0].action.user(), Some(&hand));
    assert!(
        p.items[0]
            .reason
            .note
            .as_deref()
            .unwrap()
            .contains("adopted")
    );
    assert!(p.items.iter().all(|i| i.action.user() != Some(&admin)));
}

#[test]
fn groups_are_created_joined_and_left() {
    let target = InMemoryTarget::new();
    target.seed_group("VPN users");
    let mut policy = SyncPolicy::default();
    policy.groups = vec![
        GroupRule::new(GroupSource::Department, "Dept - {name}"),
        GroupRule::new(GroupSource::Company, "Company {name}"),
    ];
    let people = vec![
        person("1", -10, None, "Sales"),
        person("2", -10, None, "Sales"),
        person("3", 3, None, "Finance"),
    ];
    let p = sync(&target, people.clone(), &policy, now());
    assert_eq!(p.counts["create_group"], 3);
    assert_eq!(p.counts["add_member"], 6);
    // Group creates come first, then user creates, then memberships by reference.
    assert_eq!(p.items[0].action.kind(), "create_group");
    assert!(matches!(
        &p.items.last().unwrap().action,
        Action::AddMember {
            group: GroupRef::Planned(_),
            user: UserRef::Planned(_),
            ..
        }
    ));
    assert!(plan_for(&target, people.clone(), &policy, now()).is_empty());

    // A move, and a leaver who is suspended later (keeps groups), and one deactivated.
    let s = state(&target, &policy);
    let vpn = s.group_by_name("VPN users").unwrap().id.clone();
    let one = user_of(&s, "1").id.clone();
    block_on(target.apply(&Action::AddMember {
        hr_key: "1".into(),
        group: vpn.clone().into(),
        user: one.clone().into(),
    }))
    .unwrap();
    let mut moved = people[0].clone();
    moved.org.department = Some(OrgUnitRef::new(OrgUnitId::new("d-F").unwrap(), "Finance"));
    let p = plan_for(
        &target,
        vec![moved, people[1].clone(), people[2].clone()],
        &policy,
        now(),
    );
    let groups: Vec<(&str, String)> = p
        .items
        .iter()
        .filter_map(|i| match &i.action {
            Action::AddMember { group, .. } => Some(("add", format!("{group:?}"))),
            Action::RemoveMember { group, .. } => Some(("remove", group.to_string())),
            _ => None,
        })
        .collect();
    assert_eq!(groups.len(), 2, "{groups:?}");
    assert!(p.items.iter().all(|i| match &i.action {
        Action::RemoveMember { group, .. } => group != &vpn,
        _ => true,
    }));

    let gone = person("2", -400, Some(-100), "Sales");
    let p = plan_for(
        &target,
        vec![people[0].clone(), gone, people[2].clone()],
        &policy,
        now(),
    );
    assert_eq!(p.counts["remove_member"], 2);
    assert_eq!(p.counts["deactivate"], 1);
    let suspended = person("2", -400, Some(-3), "Sales");
    let p = plan_for(
        &target,
        vec![people[0].clone(), suspended, people[2].clone()],
        &policy,
        now(),
    );
    assert!(!p.counts.contains_key("remove_member"), "{:?}", p.counts);
}

#[test]
fn managers_are_set_in_a_second_pass_with_cycles_and_outsiders_noted() {
    let target = InMemoryTarget::new();
    let policy = SyncPolicy::default();
    let boss = person("1", -10, None, "Sales");
    let ada = person("2", -10, None, "Sales").with_manager(ManagerRef::employee(boss.id.clone()));
    let p = sync(&target, vec![boss.clone(), ada.clone()], &policy, now());
    let last = &p.items.last().unwrap().action;
    assert_eq!(
        last,
        &Action::SetManager {
            hr_key: "2".into(),
            user: UserRef::Planned("2".into()),
            manager: Some(UserRef::Planned("1".into())),
        }
    );
    let s = state(&target, &policy);
    assert_eq!(
        user_of(&s, "2").profile[MANAGER_ATTRIBUTE],
        user_of(&s, "1").id.as_str()
    );
    assert!(plan_for(&target, vec![boss.clone(), ada.clone()], &policy, now()).is_empty());

    // A cycle: both left alone, with notes; an outside manager: noted.
    let boss2 = boss
        .clone()
        .with_manager(ManagerRef::employee(ada.id.clone()));
    let cy = person("3", -10, None, "Sales")
        .with_manager(ManagerRef::external("Olga Outside", "olga@else.example").unwrap());
    let p = plan_for(&target, vec![boss2, ada.clone(), cy], &policy, now());
    assert_eq!(kinds(&p), ["create_user"]);
    let notes: Vec<&str> = p.report.notes.iter().map(|n| n.note.as_str()).collect();
    assert_eq!(notes.iter().filter(|n| n.contains("cycle")).count(), 2);
    assert!(notes.iter().any(|n| n.contains("not an employee")));

    // The manager leaves the source: the report keeps its value, noted.
    let p = plan_for(&target, vec![ada], &policy, now());
    assert!(p.is_empty());
    assert!(p.report.notes[0].note.contains("not in the source"));
}

#[test]
fn the_hash_is_stable_and_any_change_is_refused() {
    let target = InMemoryTarget::new();
    let mut policy = SyncPolicy::default();
    policy.groups = vec![GroupRule::new(GroupSource::Department, "Dept - {name}")];
    let people: Vec<Employee> = (1..20)
        .map(|i| {
            person(
                &i.to_string(),
                -10 + i,
                None,
                if i % 2 == 0 { "A" } else { "B" },
            )
        })
        .collect();
    let a = plan_for(&target, people.clone(), &policy, now());
    let mut reversed = people.clone();
    reversed.reverse();
    let b = plan_for(&target, reversed, &policy, now() + Duration::seconds(1));
    assert_eq!(a.hash, b.hash);
    assert_eq!(a.hash.len(), 64);
    // The documented hash: SHA-256 of the canonical JSON of the items.
    let doc = canonical(&serde_json::to_value(&a.items).unwrap());
    let digest = ring::digest::digest(&ring::digest::SHA256, doc.as_bytes());
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(a.hash, hex);
    a.verify_against(&b).unwrap();

    // The plan survives JSON.
    let saved: SyncPlan = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
    assert_eq!(saved, a);
    saved.verify_against(&b).unwrap();

    let mut changed = people.clone();
    changed[3].name = PersonName::new("Other", "Name");
    let c = plan_for(&target, changed, &policy, now());
    assert_ne!(a.hash, c.hash);
    let err = a.verify_against(&c).unwrap_err();
    assert_eq!((err.only_saved, err.only_fresh), (1, 1));

    // An edited plan no longer matches its own diff.
    let mut edited = a.clone();
    edited.items.pop();
    assert!(edited.verify_against(&b).is_err());
}

#[test]
fn a_duplicated_hr_key_blocks_the_person_and_orphans_are_left_alone() {
    let target = InMemoryTarget::new();
    let keyed = |k: &str| json!({"hrEmployeeId": k}).as_object().cloned().unwrap();
    target.seed_user("a@x.example", TargetStatus::Active, keyed("1"));
    target.seed_user("b@x.example", TargetStatus::Active, keyed("1"));
    let orphan = target.seed_user("c@x.example", TargetStatus::Active, keyed("99"));
    let policy = SyncPolicy::default();
    let p = plan_for(
        &target,
        vec![person("1", -10, None, "Sales")],
        &policy,
        now(),
    );
    assert!(p.is_empty(), "{:?}", kinds(&p));
    assert!(
        p.report.notes[0]
            .note
            .contains("several users carry the HR key")
    );
    assert_eq!(p.report.orphaned, [orphan]);
    // The report is part of the JSON but not of the hash.
    let doc = serde_json::to_value(&p).unwrap();
    assert_eq!(doc["report"]["orphaned"][0], p.report.orphaned[0].as_str());
    assert_eq!(p.hash, plan_for(&target, Vec::new(), &policy, now()).hash);
}

#[test]
fn two_people_with_one_login_create_one_user() {
    let target = InMemoryTarget::new();
    let policy = SyncPolicy::default();
    let mut twin = person("2", -10, None, "Sales");
    twin.contact.work_email = Some("P1@acme.example".into());
    let p = sync(
        &target,
        vec![person("1", -10, None, "Sales"), twin],
        &policy,
        now(),
    );
    assert_eq!(kinds(&p), ["create_user"]);
    assert!(
        p.report.notes[0]
            .note
            .contains("another person in this plan")
    );
}

#[test]
fn bad_policies_are_refused() {
    for template in ["Sales", " {name} ", "{name} {name}"] {
        let mut policy = SyncPolicy::default();
        policy.groups = vec![GroupRule::new(GroupSource::Department, template)];
        let err = plan(
            &snapshot(Vec::new()),
            &TargetState::default(),
            &mapper(),
            &policy,
            now(),
        );
        assert!(
            matches!(err, Err(PlanError::InvalidPolicy { .. })),
            "{template}"
        );
    }
}

#[test]
fn cycles_are_found_in_one_walk() {
    let next = [Some(1), Some(2), Some(0), Some(0), None, Some(5), Some(4)];
    assert_eq!(cycles(&next), [true, true, true, false, false, true, false]);
}

fn arb_people() -> impl Strategy<Value = Vec<Employee>> {
    let depts = ["Sales", "Finance", "IT"];
    prop::collection::vec(
        (
            -500i64..40,
            prop::option::of(-300i64..300),
            0..3usize,
            prop::option::of(0..30usize),
            any::<bool>(),
        ),
        0..30,
    )
    .prop_map(move |rows| {
        rows.into_iter()
            .enumerate()
            .map(|(i, (start, length, dept, manager, external))| {
                let end = length.map(|l| start + l.abs());
                let mut e = person(&format!("E{i}"), start, end, depts[dept]);
                if let Some(m) = manager {
                    e = if external && m % 3 == 0 {
                        e.with_manager(ManagerRef::external("Out", "out@else.example").unwrap())
                    } else {
                        // Managers may be missing from the source (m >= n) or form cycles.
                        e.with_manager(ManagerRef::employee(
                            EmployeeId::new(format!("E{m}")).unwrap(),
                        ))
                    };
                }
                e
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// A stable source against the target it produced gives an empty plan.
    #[test]
    fn a_stable_source_gives_an_empty_plan(people in arb_people(), groups: bool, activate: bool, offset in 0i64..60) {
        let target = InMemoryTarget::new();
        let mut policy = SyncPolicy::default();
        policy.activate_on_create = activate;
        if groups {
            policy.groups = vec![
                GroupRule::new(GroupSource::Department, "Dept - {name}"),
                GroupRule::new(GroupSource::Company, "All {name}"),
            ];
        }
        let at = now() + Duration::days(offset);
        sync(&target, people.clone(), &policy, at);
        let again = plan_for(&target, people.clone(), &policy, at);
        prop_assert!(again.is_empty(), "{:?}", again.items);
        // People finish the welcome flow (PROVISIONED → ACTIVE): still nothing to do.
        for user in state(&target, &policy).users() {
            if user.status == TargetStatus::Provisioned {
                target.set_status(&user.id, TargetStatus::Active);
            }
        }
        let again = plan_for(&target, people.clone(), &policy, at);
        prop_assert!(again.is_empty(), "{:?}", again.items);
        // A moved clock (starts, leavers, suspends, deactivations), then stable again.
        let later = at + Duration::days(offset);
        sync(&target, people.clone(), &policy, later);
        let again = plan_for(&target, people, &policy, later);
        prop_assert!(again.is_empty(), "{:?}", again.items);
    }
}

#[test]
fn the_standard_fixture_converges_in_one_apply() {
    let fixture = hr_core::conformance::Fixture::standard();
    let target = InMemoryTarget::new();
    let mut policy = SyncPolicy::default();
    policy.lifecycle = fixture.policy;
    policy.groups = vec![GroupRule::new(GroupSource::Department, "Dept - {name}")];
    let snap = HrSnapshot::new(
        "fixture",
        fixture.reference_time,
        fixture.employees.clone(),
        fixture.org_units.clone(),
    )
    .unwrap();
    let first = plan(
        &snap,
        &state(&target, &policy),
        &mapper(),
        &policy,
        fixture.reference_time,
    )
    .unwrap();
    assert!(!first.is_empty());
    apply(&target, &first);
    let again = plan(
        &snap,
        &state(&target, &policy),
        &mapper(),
        &policy,
        fixture.reference_time,
    )
    .unwrap();
    assert!(again.is_empty(), "{:?}", again.items);
}
