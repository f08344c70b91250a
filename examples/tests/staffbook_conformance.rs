//! `hr-core`'s conformance suite against `StaffbookSource`, the adapter of the
//! `custom_hr_adapter` example: one test per check, each serving `Fixture::standard()`
//! written as a Staffbook document.
//!
//! The document is written here with `serde_json::json!`, independently of the adapter's
//! own wire structs, the way a simulator renders data for a real adapter: if the reader
//! and this writer disagree on a field, a check fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hr_core::conformance::Fixture;
use hr_core::{Employee, ManagerRef, OrgUnitKind};
use hrsync_examples::staffbook::StaffbookSource;
use serde_json::{Value, json};

/// Staffbook writes `""` for a value it does not hold.
fn text(v: Option<&str>) -> Value {
    json!(v.unwrap_or(""))
}

fn person(e: &Employee) -> Value {
    let n = &e.name;
    let manager = match &e.manager {
        None => Value::Null,
        Some(ManagerRef::Employee { id }) => json!({"employeeId": id.as_str()}),
        Some(ManagerRef::External { name, email }) => {
            json!({"name": text(name.as_deref()), "email": text(email.as_deref())})
        }
        Some(other) => panic!("a manager reference Staffbook can't hold: {other:?}"),
    };
    let code = |c: Option<&hr_core::Coded>| match c {
        None => Value::Null,
        Some(c) => json!({"code": c.code, "name": text(c.label.as_deref())}),
    };
    json!({
        "id": e.id.as_str(),
        "employeeNumber": text(e.employee_number.as_deref()),
        "companyId": e.company_id().map(|c| c.as_str()),
        "preferredName": text(n.given_name.as_deref()),
        "firstNames": text(n.first_names.as_deref()),
        "initials": text(n.initials.as_deref()),
        "lastNamePrefix": text(n.family_name_prefix.as_deref()),
        "lastName": n.family_name,
        "partnerLastNamePrefix": text(n.partner_family_name_prefix.as_deref()),
        "partnerLastName": text(n.partner_family_name.as_deref()),
        "nameFormat": n.convention.as_str().replace('_', "-"),
        "workEmail": text(e.contact.work_email.as_deref()),
        "homeEmail": text(e.contact.private_email.as_deref()),
        "workMobile": text(e.contact.work_mobile.as_deref()),
        "homeMobile": text(e.contact.private_mobile.as_deref()),
        "workPhone": text(e.contact.work_phone.as_deref()),
        "departmentId": e.org.department.as_ref().map(|d| d.id.as_str()),
        "jobTitle": text(e.org.job_title.as_deref()),
        "costCenter": code(e.org.cost_center.as_ref()),
        "employmentType": code(e.org.employee_type.as_ref()),
        "manager": manager,
        "timeZone": e.time_zone.map(|z| z.name().to_owned()),
        "contracts": e.employments.iter().map(|j| json!({
            "start": j.start().to_string(),
            "end": j.end().map(|d| d.to_string()),
        })).collect::<Vec<_>>(),
        "customFields": e.custom,
        // A field the adapter does not know: APIs add fields, adapters ignore them.
        "lastModified": "2026-06-01T08:00:00Z",
    })
}

fn document(fixture: &Fixture) -> Value {
    let units = |kind: OrgUnitKind| {
        fixture
            .org_units
            .iter()
            .filter(|u| u.kind == kind)
            .map(|u| json!({"id": u.id.as_str(), "name": u.name}))
            .collect::<Vec<_>>()
    };
    json!({
        "companies": units(OrgUnitKind::Company),
        "departments": units(OrgUnitKind::Department),
        "employees": fixture.employees.iter().map(person).collect::<Vec<_>>(),
    })
}

async fn serve(fixture: Fixture) -> StaffbookSource {
    StaffbookSource::from_json(serde_json::to_vec(&document(&fixture)).unwrap())
}

hr_core::hr_source_conformance_tests!(serve);

/// The same document read from a file passes the whole suite too.
#[tokio::test]
async fn the_whole_suite_passes_from_a_file() {
    let fixture = Fixture::standard();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("staffbook.json");
    std::fs::write(
        &path,
        serde_json::to_vec_pretty(&document(&fixture)).unwrap(),
    )
    .unwrap();
    let source = StaffbookSource::from_path(&path);
    if let Err(report) = hr_core::conformance::run_all(&source, &fixture).await {
        panic!("{report}");
    }
}
