//! `NmbrsSource` over the simulator: call counts, the manager window, failures mid-read.
#![cfg(feature = "simulator")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use hr_core::{HrSourceExt, ManagerRef};
use nmbrs_client::simulator::{
    DOMAIN, Injection, SimulatedNmbrs, Simulator, USERNAME, generated_snapshot,
};
use nmbrs_client::{Credentials, ManagerScope, NmbrsSource};

const MANAGER_CALL: &str = "EmployeeService/Manager_GetCurrent";

async fn start(
    people: usize,
    configure: impl FnOnce(NmbrsSource) -> NmbrsSource,
) -> SimulatedNmbrs {
    let simulator = Simulator::new(&generated_snapshot(people)).expect("simulator");
    SimulatedNmbrs::start_with(
        simulator,
        |b| {
            b.backoff(Duration::from_millis(1), Duration::from_millis(5))
                .max_retries(2)
        },
        configure,
    )
    .await
    .expect("start")
}

fn calls_without_managers(nmbrs: &SimulatedNmbrs) -> u64 {
    let calls = nmbrs.simulator().calls();
    calls
        .iter()
        .filter(|(op, _)| op.as_str() != MANAGER_CALL)
        .map(|(_, n)| n)
        .sum()
}

#[tokio::test]
async fn bulk_calls_do_not_grow_with_the_number_of_people() {
    // Managers aside (one call per person by design; see the window test).
    let small = start(10, |s| s.with_managers(ManagerScope::None)).await;
    let large = start(1_000, |s| s.with_managers(ManagerScope::None)).await;
    assert_eq!(small.snapshot().await.expect("10 people").len(), 10);
    assert_eq!(large.snapshot().await.expect("1000 people").len(), 1_000);
    let (few, many) = (
        calls_without_managers(&small),
        calls_without_managers(&large),
    );
    assert_eq!(
        few,
        many,
        "calls for 10 people vs 1000: {:?} vs {:?}",
        small.simulator().calls(),
        large.simulator().calls()
    );
    // 2 per snapshot + per company (3): current period, 3 employee-type listings and 6 bulk calls.
    assert_eq!(many, 2 + 3 * (1 + 3 + 6));
}

#[tokio::test]
async fn managers_are_fetched_inside_the_window_only() {
    let data = generated_snapshot(300);
    let nmbrs = start(300, |s| s).await;
    let read = nmbrs.snapshot().await.expect("snapshot");
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .date_naive();
    let (from, to) = (today - TimeDelta::days(30), today + TimeDelta::days(30));
    let in_window = |e: &hr_core::Employee| {
        e.employments
            .iter()
            .any(|j| j.start() <= to && j.end().is_none_or(|end| end >= from))
    };
    let expected_calls = data.employees().iter().filter(|e| in_window(e)).count();
    assert!(
        expected_calls > 0 && expected_calls < 300,
        "the data has people on both sides"
    );
    assert_eq!(
        nmbrs.simulator().calls().get(MANAGER_CALL).copied(),
        Some(expected_calls as u64)
    );
    for e in read.employees() {
        let want = data.employee(&e.id).expect("same people");
        if in_window(want) {
            assert_eq!(e.manager, want.manager, "manager of {}", e.id);
        } else {
            assert_eq!(e.manager, None, "{} is outside the window", e.id);
        }
    }
    assert!(
        read.employees()
            .iter()
            .any(|e| matches!(e.manager, Some(ManagerRef::Employee { .. })))
    );
    assert!(
        read.employees()
            .iter()
            .any(|e| matches!(e.manager, Some(ManagerRef::External { .. })))
    );

    let none = start(300, |s| s.with_managers(ManagerScope::None)).await;
    none.snapshot().await.expect("snapshot");
    assert_eq!(none.simulator().calls().get(MANAGER_CALL), None);
}

#[tokio::test]
async fn retryable_failures_mid_read_are_retried() {
    let nmbrs = start(60, |s| s).await;
    let clean = nmbrs.snapshot().await.expect("clean read");
    let sim = nmbrs.simulator();
    sim.inject(Injection::fault(
        Some("Employment_GetAll_AllEmployeesByCompany"),
        9999,
        "Unknown",
        1,
    ));
    sim.inject(Injection::truncated(
        Some("PersonalInfoWithoutBSN_Get_GetAllEmployeesByCompany"),
        1,
    ));
    sim.inject(Injection::http(Some("Manager_GetCurrent"), 503, 1));
    sim.inject(Injection::fault(
        Some("Manager_GetCurrent"),
        1006,
        "Generic Login Security Failure",
        1,
    ));
    let again = nmbrs
        .snapshot()
        .await
        .expect("read despite transient failures");
    assert_eq!(again.employees(), clean.employees());
    assert!(nmbrs.source().client().stats().retries >= 4);
}

#[tokio::test]
async fn a_failed_read_is_an_error_never_a_short_snapshot() {
    let nmbrs = start(60, |s| s).await;
    nmbrs.simulator().inject(Injection::http(
        Some("Department_GetAll_AllEmployeesByCompany"),
        503,
        100,
    ));
    let err = nmbrs.snapshot().await.expect_err("outage");
    assert!(matches!(err, hr_core::Error::Unavailable { .. }), "{err:?}");
    assert!(err.is_retryable());

    let nmbrs = start(60, |s| s).await;
    nmbrs.simulator().inject(Injection::fault(
        Some("Address_GetAll_AllEmployeesByCompany"),
        2004,
        "Unauthorized access",
        1,
    ));
    let err = nmbrs.snapshot().await.expect_err("no rights");
    assert!(
        matches!(err, hr_core::Error::PermissionDenied { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_wrong_token_is_unauthenticated_and_not_retried() {
    let simulator = Simulator::new(&generated_snapshot(5)).expect("simulator");
    let nmbrs = SimulatedNmbrs::start_with(
        simulator,
        |b| {
            b.credentials(Credentials::new(
                USERNAME,
                "wrong-token".into(),
                Some(DOMAIN.into()),
            ))
        },
        |s| s,
    )
    .await
    .expect("start");
    let err = nmbrs.snapshot().await.expect_err("bad token");
    assert!(
        matches!(err, hr_core::Error::Unauthenticated { .. }),
        "{err:?}"
    );
    assert!(!err.to_string().contains("wrong-token"));
    assert_eq!(
        nmbrs.simulator().total_calls(),
        1,
        "stopped at the first call, no retries"
    );
}

#[tokio::test]
async fn private_contact_can_be_left_out() {
    let nmbrs = start(40, |s| {
        s.with_private_contact(false)
            .with_addresses(false)
            .with_cost_centers(false)
    })
    .await;
    let read = nmbrs.snapshot().await.expect("snapshot");
    assert!(
        read.employees()
            .iter()
            .all(|e| e.contact.private_email.is_none() && e.address.is_none())
    );
    assert!(read.employees().iter().all(|e| e.org.cost_center.is_none()));
    let calls = nmbrs.simulator().calls();
    assert!(!calls.contains_key("EmployeeService/Address_GetAll_AllEmployeesByCompany"));
    assert!(!calls.contains_key("EmployeeService/CostCenter_GetAllEmployeesByCompany"));
    assert!(
        !calls.contains_key("EmployeeService/PersonalInfo_GetAll_AllEmployeesByCompany"),
        "never the BSN call"
    );
}
