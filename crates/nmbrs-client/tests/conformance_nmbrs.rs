//! The `hr-core` conformance suite for `NmbrsSource`, reading `Fixture::standard()` from
//! the simulator over loopback HTTP.
#![cfg(feature = "simulator")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hr_core::HrSnapshot;
use hr_core::conformance::Fixture;
use nmbrs_client::ManagerScope;
use nmbrs_client::simulator::{SimulatedNmbrs, Simulator};

/// Managers of everyone: the fixture's people are dated around its reference time, not
/// around today, so the default window would skip some of them (`tests/source.rs` covers
/// the window).
async fn serve(fixture: Fixture) -> SimulatedNmbrs {
    let data = HrSnapshot::new(
        "fixture",
        fixture.reference_time,
        fixture.employees,
        fixture.org_units,
    )
    .expect("fixture");
    let simulator = Simulator::new(&data).expect("simulator");
    SimulatedNmbrs::start(simulator, |s| s.with_managers(ManagerScope::All))
        .await
        .expect("start")
}

hr_core::hr_source_conformance_tests!(serve);
