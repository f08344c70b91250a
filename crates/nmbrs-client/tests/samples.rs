//! Every sample under `../shared/nmbrs/samples/` parses, and every fault maps to its kind.
//!
//! The samples live outside this repository's crates, in the project's shared research
//! folder (`../shared` next to the repository). A user outside this repository points
//! `NMBRS_SAMPLES` at a copy of that folder, or skips these tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::NaiveDate;
use nmbrs_client::{ErrorKind, Period, history, parse};
use rust_decimal::Decimal;

fn read(rel: &str) -> Vec<u8> {
    let path = common::samples().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

#[test]
fn every_sample_file_is_read() {
    let mut seen = 0;
    for dir in ["synthetic", "from-sources", "requests"] {
        let entries = std::fs::read_dir(common::samples().join(dir)).expect("samples folder");
        for entry in entries {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            let body = std::fs::read(&path).expect("sample");
            let outcome = if name.starts_with("fault_") {
                parse::check(&body)
                    .err()
                    .map(|e| e.kind().clone())
                    .ok_or("a fault parsed as success")
            } else {
                parse::check(&body)
                    .map(|()| ErrorKind::Fault)
                    .map_err(|_| "did not parse")
            };
            assert!(outcome.is_ok(), "{dir}/{name}: {outcome:?}");
            seen += 1;
        }
    }
    assert!(seen >= 27, "only {seen} samples found");
}

#[test]
fn faults_map_to_their_meaning() {
    for (file, kind, code) in [
        (
            "fault_soap11_1001_invalid_authentication.xml",
            ErrorKind::Unauthenticated,
            Some(1001),
        ),
        (
            "fault_soap12_1001_invalid_authentication.xml",
            ErrorKind::Unauthenticated,
            Some(1001),
        ),
        (
            "fault_soap11_1002_unauthorized.xml",
            ErrorKind::PermissionDenied,
            Some(1002),
        ),
        (
            "fault_soap11_2004_unauthorized_company.xml",
            ErrorKind::PermissionDenied,
            Some(2004),
        ),
        (
            "fault_soap11_missing_soapaction.xml",
            ErrorKind::InvalidRequest,
            None,
        ),
    ] {
        let body = read(&format!("synthetic/{file}"));
        // Any typed parser sees the fault first.
        for e in [
            parse::employee_types(&body).err(),
            parse::personal_info(&body).err(),
            parse::current_manager(&body).err(),
        ] {
            let e = e.unwrap_or_else(|| panic!("{file} parsed"));
            assert_eq!((e.kind(), e.code()), (&kind, code), "{file}");
            assert!(!e.is_retryable(), "{file}");
        }
    }
    let missing = parse::check(&read("synthetic/fault_soap11_missing_soapaction.xml")).err();
    assert!(missing.is_some_and(|e| e.message().contains("valid soap action")));
}

#[test]
fn companies_read_id_in_capitals() {
    let companies = parse::companies(&read(
        "from-sources/CompanyService_List_GetAll.response.xml",
    ))
    .expect("parse");
    assert_eq!(companies.len(), 2);
    assert_eq!(companies[0].id, Some(nmbrs_client::CompanyId(123)));
    assert_eq!(companies[0].name.as_deref(), Some("Test 1"));
    assert_eq!(companies[1].loonaangifte_tijdvak.as_deref(), Some("Year"));
    assert_eq!(companies[1].kvk_nr.as_deref(), Some("20153354"));
}

#[test]
fn debtor_lists_and_environment() {
    let debtors =
        parse::debtors(&read("synthetic/DebtorService_List_GetAll.response.xml")).expect("debtors");
    assert_eq!(debtors[0].id, Some(nmbrs_client::DebtorId(4242)));
    let env = parse::environment(&read(
        "synthetic/DebtorService_Environment_Get.response.xml",
    ))
    .expect("env");
    assert_eq!(env.sub_domain.as_deref(), Some("apitesting"));
    let departments = parse::code_items(&read(
        "synthetic/DebtorService_Department_GetList.response.xml",
    ))
    .expect("departments");
    assert_eq!(departments.len(), 2);
    assert_eq!(departments[1].description.as_deref(), Some("Operations"));
    assert_eq!(departments[1].code.as_deref(), Some("20"));
}

#[test]
fn personal_info_history_with_nil_empty_and_omitted_values() {
    let people = parse::personal_info(&read(
        "synthetic/EmployeeService_PersonalInfo_GetAll_AllEmployeesByCompany.response.xml",
    ))
    .expect("parse");
    assert_eq!(people.len(), 2);
    let jan = &people[0];
    assert_eq!(jan.employee_id, nmbrs_client::EmployeeId(603463));
    assert_eq!(jan.records.len(), 2);
    assert_eq!(jan.records[0].title, None, "<Title /> is no value");
    assert_eq!(jan.records[0].birthday, date(1985, 3, 14));
    let period: Period = "2026-11-M".parse().expect("period");
    let now = history::current(&jan.records, &period).expect("current record");
    assert_eq!(now.email_work.as_deref(), Some("j.jansen@example.com"));
    assert_eq!(now.email_private, None, "omitted in the newer record");
    let early: Period = "2023-5-M".parse().expect("period");
    let then = history::current(&jan.records, &early).expect("record of May 2023");
    assert_eq!(then.email_work.as_deref(), Some("jan.jansen@example.com"));

    let anouk = &people[1].records[0];
    assert_eq!(anouk.nickname, None);
    assert_eq!(anouk.birthday, None, "xsi:nil");
    assert_eq!(anouk.partner_last_name.as_deref(), Some("Bakker"));
    assert_eq!(anouk.partner_prefix, None);
    assert_eq!(anouk.naamstelling, Some(4));
}

#[test]
fn employments_contracts_and_history_lists() {
    let employments = parse::employments(&read(
        "synthetic/EmployeeService_Employment_GetAll_AllEmployeesByCompany.response.xml",
    ))
    .expect("employments");
    assert_eq!(employments[0].records[0].end_date, None);
    assert_eq!(employments[0].records[0].start_date, date(2020, 1, 1));
    assert_eq!(employments[1].records.len(), 2);
    assert_eq!(employments[1].records[0].end_date, date(2022, 6, 30));
    assert_eq!(employments[1].records[1].initial_start_date, None);

    let contracts = parse::contracts(&read(
        "synthetic/EmployeeService_Contract_GetAll_AllEmployeesByCompany.response.xml",
    ))
    .expect("contracts");
    let c = &contracts[0].records;
    assert_eq!(c.len(), 3, "duplicate ContractID rows are kept");
    assert_eq!(c[1].contract_id, c[2].contract_id);
    assert_eq!(c[0].employment_type, Some(1), "EmployementType (sic)");
    assert_eq!(c[1].hours_per_week, Some(Decimal::new(325, 1)));
    assert_eq!(c[0].indefinite, Some(false));

    let departments = parse::departments(&read(
        "synthetic/EmployeeService_Department_GetAll_AllEmployeesByCompany.response.xml",
    ))
    .expect("departments");
    let period: Period = "2026-11-M".parse().expect("period");
    let now = history::current(&departments[0].records, &period).expect("department");
    assert_eq!(now.department.description.as_deref(), Some("Operations"));

    let functions = parse::functions(&read(
        "synthetic/EmployeeService_Function_GetAll_AllEmployeesByCompany_V2.response.xml",
    ))
    .expect("functions");
    assert_eq!(
        functions[0].records[0].function.description.as_deref(),
        Some("Controller")
    );
    assert_eq!(functions[0].records[0].function.id, Some(41));

    let addresses = parse::addresses(&read(
        "synthetic/EmployeeService_Address_GetAll_AllEmployeesByCompany.response.xml",
    ))
    .expect("addresses");
    let a = &addresses[0].records[0];
    assert_eq!(
        (a.ends, a.house_number_addition.as_deref()),
        (None, Some("A"))
    );
    assert_eq!(a.country_iso_code.as_deref(), Some("NL"));

    let cost = parse::cost_centers(&read(
        "synthetic/EmployeeService_CostCenter_GetAllEmployeesByCompany.response.xml",
    ))
    .expect("cost centres");
    let share = &cost[0].records[0];
    assert_eq!(share.cost_center.code.as_deref(), Some("100"));
    assert_eq!(
        (share.percentage, share.default),
        (Some(Decimal::from(100)), Some(true))
    );
    assert_eq!(
        share.kostensoort.description.as_deref(),
        Some("Personeelskosten")
    );
}

#[test]
fn lists_types_and_managers() {
    let types = parse::employee_types(&read(
        "synthetic/EmployeeService_EmployeeType_GetList.response.xml",
    ))
    .expect("types");
    assert_eq!(types.len(), 3);
    assert_eq!(types[2].description.as_deref(), Some("Former payroll"));
    let list = parse::employee_list(&read(
        "synthetic/EmployeeService_List_GetByCompany.response.xml",
    ))
    .expect("list");
    assert_eq!(list[1].id, Some(nmbrs_client::EmployeeId(603464)));
    assert_eq!(list[1].number.as_deref(), Some("2"));
    let manager = parse::current_manager(&read(
        "synthetic/EmployeeService_Manager_GetCurrent.response.xml",
    ))
    .expect("manager")
    .expect("a manager");
    assert_eq!(manager.full_name().as_deref(), Some("Petra Smit"));
    assert_eq!(manager.email.as_deref(), Some("petra.smit@example.com"));
    assert_eq!(manager.fax, None);
}
