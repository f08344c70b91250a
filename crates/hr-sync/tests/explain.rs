//! `explain`: the lifecycle reason, the mapped values with their rules, the link and the
//! planned actions of one person, as text and JSON, agreeing with the plan a run makes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use hr_core::{Contact, Employee, EmployeeId, Employment, InMemorySource, PersonName};
use hr_sync::explain::{ExplainError, LinkStatus};
use hr_sync::journal::Journal;
use hr_sync::{
    ApplyOptions, Engine, EngineError, IdentityTarget, InMemoryTarget, LinkPolicy, SyncPolicy,
    TargetStatus,
};
use serde_json::json;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap()
}

fn person(id: &str, given: &str, email: &str, end: Option<NaiveDate>) -> Employee {
    Employee::new(
        EmployeeId::new(id).unwrap(),
        PersonName::new(given, "Tester"),
    )
    .with_contact(Contact::default().with_work_email(email))
    .with_employment(Employment::new(NaiveDate::from_ymd_opt(2025, 1, 6).unwrap(), end).unwrap())
}

#[tokio::test]
async fn explain_agrees_with_the_plan_and_reads_as_text_and_json() {
    let source = Arc::new(
        InMemorySource::new("hr")
            .with_employees(vec![
                person("E1", "Ada", "ada@acme.example", None),
                person("E2", "Grace", "grace@acme.example", None),
            ])
            .unwrap(),
    );
    let target = Arc::new(InMemoryTarget::new());
    let mut policy = SyncPolicy::default();
    policy.link = LinkPolicy::default().adopt_matching_login(false);
    let engine = Engine::builder(
        source.clone(),
        target.clone(),
        mapping::Mapper::preset("okta-default").unwrap(),
    )
    .policy(policy)
    .build();
    engine
        .run(
            now(),
            None,
            &mut Journal::in_memory(),
            &ApplyOptions::default(),
        )
        .await
        .unwrap();

    // Ada is renamed and leaves; Carl is new and an unlinked user already has his login.
    source
        .update(|people, _| {
            people[0] = person(
                "E1",
                "Augusta",
                "ada@acme.example",
                NaiveDate::from_ymd_opt(2026, 6, 1),
            );
            people.push(person("E3", "Carl", "carl@acme.example", None));
        })
        .unwrap();
    let stray = target.seed_user(
        "carl@acme.example",
        TargetStatus::Active,
        json!({"email": "carl@acme.example"})
            .as_object()
            .cloned()
            .unwrap(),
    );
    let ada = target
        .read_state("hrEmployeeId")
        .await
        .unwrap()
        .by_hr_key("E1")
        .next()
        .unwrap()
        .id
        .clone();
    target.set_status(&ada, TargetStatus::Active);

    let plan = engine.prepare(now(), None).await.unwrap().plan;
    let why = engine.explain("E1", now()).await.unwrap();
    assert_eq!(why.state, hr_core::LifecycleState::Suspended);
    assert!(why.lifecycle.contains("2026-06-01"), "{}", why.lifecycle);
    assert_eq!(
        why.link,
        LinkStatus::Linked {
            user: ada.clone(),
            user_status: TargetStatus::Active
        }
    );
    let kinds: Vec<&str> = why.planned.iter().map(|p| p.action.kind()).collect();
    assert_eq!(kinds, ["update_profile", "suspend"]);
    // Exactly the run's actions for the person.
    let from_plan: Vec<_> = plan
        .items
        .iter()
        .filter(|i| i.action.person() == Some("E1"))
        .cloned()
        .collect();
    assert_eq!(why.planned, from_plan);
    let first = why
        .mapped
        .iter()
        .find(|m| m.targets.iter().any(|t| t == "okta:firstName"))
        .unwrap();
    assert_eq!(first.value.as_deref(), Some("Augusta"));
    assert!(
        first.provenance.starts_with("rule "),
        "{}",
        first.provenance
    );

    let text = why.to_string();
    for part in [
        "E1",
        "suspended",
        "update_profile",
        "suspend",
        "firstName",
        "Augusta",
    ] {
        assert!(
            text.to_lowercase().contains(&part.to_lowercase()),
            "{part} in {text}"
        );
    }
    let doc = serde_json::to_value(&why).unwrap();
    assert_eq!(doc["employee"], "E1");
    assert_eq!(doc["link"]["status"], "linked");
    assert_eq!(doc["planned"][1]["action"]["kind"], "suspend");

    // Carl: a candidate the policy does not adopt, so nothing is planned, and a note says why.
    let carl = engine.explain("E3", now()).await.unwrap();
    match &carl.link {
        LinkStatus::Candidate { user, adopted, .. } => {
            assert_eq!(user, &stray);
            assert!(!adopted);
        }
        other => panic!("{other:?}"),
    }
    assert!(carl.planned.is_empty());
    assert!(
        carl.notes.iter().any(|n| n.contains("not created")),
        "{:?}",
        carl.notes
    );

    // Somebody unknown.
    match engine.explain("E404", now()).await {
        Err(EngineError::Explain(ExplainError::UnknownEmployee(k))) => assert_eq!(k, "E404"),
        other => panic!("{other:?}"),
    }
}
