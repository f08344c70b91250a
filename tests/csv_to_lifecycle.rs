//! End to end through public APIs only: an HR export on disk → `CsvSource` held as
//! `Arc<dyn HrSource>` → snapshot → lifecycle decisions, as a user's program wires it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should stop the test

use std::sync::Arc;

use hr_core::conformance::Fixture;
use hr_core::{
    CsvSource, DynHrSource, HrSnapshot, HrSource, HrSourceExt, LifecycleState, SnapshotOptions,
};

#[tokio::test]
async fn an_export_on_disk_gives_every_person_the_expected_state() {
    let fixture = Fixture::standard();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("hr-export.csv");
    std::fs::write(&path, fixture.to_csv().expect("csv")).expect("write export");

    let source: Arc<DynHrSource> = Arc::new(CsvSource::from_path(&path).with_name("export"));
    let snapshot = source.snapshot().await.expect("snapshot");
    assert_eq!(snapshot.source(), "export");
    assert_eq!(snapshot.len(), 30);

    for case in &fixture.cases {
        let person = snapshot.employee(&case.id).expect("person in export");
        let decision = fixture.policy.evaluate(person, fixture.reference_time);
        assert_eq!(
            decision.state, case.expected_state,
            "{} ({}): {decision}",
            case.id, case.covers
        );
    }

    // The leaver in New York is judged in New York time, and says so.
    let olivia = snapshot
        .employee(&"600023".parse().expect("id"))
        .expect("olivia");
    let decision = fixture.policy.evaluate(olivia, fixture.reference_time);
    assert_eq!(
        decision.to_string(),
        "contract ended 2026-06-07 (America/New_York); 7 days grace; suspend due 2026-06-15T00:00-04:00"
    );
    assert_eq!(
        decision.next_transition.map(|t| t.to),
        Some(LifecycleState::Suspended)
    );
}

#[tokio::test]
async fn a_snapshot_survives_json_and_a_company_filter_narrows_it() {
    let fixture = Fixture::standard();
    let source = CsvSource::from_bytes(fixture.to_csv().expect("csv"));
    let snapshot = source.snapshot().await.expect("snapshot");
    let json = serde_json::to_string(&snapshot).expect("serialize");
    let back: HrSnapshot = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(back, snapshot);

    let first_company = fixture.company_ids().into_iter().next().expect("a company");
    let only = source
        .snapshot_opts(&SnapshotOptions::default().with_companies([first_company.clone()]))
        .await
        .expect("filtered snapshot");
    assert!(!only.is_empty());
    assert!(
        only.employees()
            .iter()
            .all(|e| e.company_id() == Some(&first_company))
    );
    assert!(only.len() < snapshot.len());
}
