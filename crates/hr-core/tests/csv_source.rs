//! `CsvSource` on bad input: every problem is a typed error naming line and column,
//! and no input makes it panic.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should stop the test

use hr_core::source::csv::parse_csv;
use hr_core::{CsvSource, Error, HrSourceExt, ManagerRef};
use proptest::prelude::*;

fn invalid(content: &str) -> (String, String, String) {
    match parse_csv(content.as_bytes(), b',') {
        Err(Error::InvalidData {
            record,
            field,
            message,
        }) => (record, field, message),
        other => panic!("expected InvalidData, got {other:?}"),
    }
}

const HEADER: &str = "employee_id,given_name,family_name,start_date,end_date";

#[test]
fn missing_required_column_is_named() {
    let (record, field, message) = invalid("employee_id,given_name\n1,Jan\n");
    assert_eq!(
        (record.as_str(), field.as_str()),
        ("header (line 1)", "family_name")
    );
    assert_eq!(message, "required column is missing");
}

#[test]
fn unknown_and_duplicate_columns_are_refused() {
    let (_, field, message) = invalid("employee_id,family_name,work_emial\n1,Smit,a@b\n");
    assert_eq!(field, "work_emial (column 3)");
    assert!(message.starts_with("unknown column"));
    let (_, field, _) = invalid("employee_id,family_name,family_name\n1,Smit,Smit\n");
    assert_eq!(field, "family_name (column 3)");
    let (_, field, _) = invalid("employee_id,family_name,custom.\n1,Smit,x\n");
    assert_eq!(field, "custom. (column 3)");
}

#[test]
fn bad_dates_name_line_and_column() {
    let (record, field, message) = invalid(&format!(
        "{HEADER}\n1,Jan,Smit,2026-01-01,\n2,Eva,Bos,2026-13-01,\n"
    ));
    assert_eq!(
        (record.as_str(), field.as_str()),
        ("line 3", "start_date (column 4)")
    );
    assert_eq!(message, "\"2026-13-01\" is not a date as YYYY-MM-DD");
    let (_, field, _) = invalid(&format!("{HEADER}\n1,Jan,Smit,01-02-2026,\n"));
    assert_eq!(field, "start_date (column 4)");
}

#[test]
fn end_before_start_is_refused() {
    let (record, field, message) =
        invalid(&format!("{HEADER}\n1,Jan,Smit,2026-02-01,2026-01-31\n"));
    assert_eq!(
        (record.as_str(), field.as_str()),
        ("line 2", "end_date (column 5)")
    );
    assert_eq!(
        message,
        "end date 2026-01-31 is before start date 2026-02-01"
    );
    let (_, field, message) = invalid(
        "employee_id,family_name,employments\n1,Smit,2020-01-01..2021-01-01;2022-05-01..2022-04-01\n",
    );
    assert_eq!(field, "employments (column 3)");
    assert!(
        message.contains("end date 2022-04-01 is before start date 2022-05-01"),
        "{message}"
    );
    let (_, field, _) = invalid(&format!("{HEADER}\n1,Jan,Smit,,2026-01-31\n"));
    assert_eq!(field, "start_date (column 4)");
}

#[test]
fn duplicate_ids_name_both_lines() {
    let (record, field, message) = invalid(&format!(
        "{HEADER}\n1,Jan,Smit,2026-01-01,\n2,Eva,Bos,,\n1,Jan,Smit,2026-01-01,\n"
    ));
    assert_eq!(
        (record.as_str(), field.as_str()),
        ("line 4", "employee_id (column 1)")
    );
    assert_eq!(message, "employee id 1 already appears on line 2");
}

#[test]
fn empty_required_values_and_bad_ids_are_refused() {
    let (_, field, message) = invalid(&format!("{HEADER}\n,Jan,Smit,,\n"));
    assert_eq!(
        (field.as_str(), message.as_str()),
        ("employee_id (column 1)", "is required and empty")
    );
    let (_, field, _) = invalid(&format!("{HEADER}\n1,Jan,,,\n"));
    assert_eq!(field, "family_name (column 3)");
}

#[test]
fn other_field_formats_are_checked() {
    let (_, field, message) =
        invalid("employee_id,family_name,time_zone\n1,Smit,Europe/Amsterdamm\n");
    assert_eq!(field, "time_zone (column 3)");
    assert!(message.contains("not an IANA time zone"));
    let (_, field, _) = invalid("employee_id,family_name,country\n1,Smit,NLD\n");
    assert_eq!(field, "country (column 3)");
    let (_, field, _) = invalid("employee_id,family_name,naming_convention\n1,Smit,birth\n");
    assert_eq!(field, "naming_convention (column 3)");
    let (_, field, message) = invalid("employee_id,family_name,cost_center_name\n1,Smit,Finance\n");
    assert_eq!(field, "cost_center_code (no such column)");
    assert_eq!(message, "is required when cost_center_name is given");
}

#[test]
fn both_employment_forms_at_once_are_refused() {
    let (_, field, message) =
        invalid("employee_id,family_name,start_date,employments\n1,Smit,2020-01-01,2021-01-01..\n");
    assert_eq!(field, "employments (column 4)");
    assert_eq!(message, "give start_date/end_date or employments, not both");
}

#[test]
fn one_department_id_with_two_names_is_refused() {
    let (record, field, message) = invalid(
        "employee_id,family_name,department_id,department_name\n1,Smit,10,Finance\n2,Bos,10,Financien\n",
    );
    assert_eq!(
        (record.as_str(), field.as_str()),
        ("line 3", "department_name (column 4)")
    );
    assert_eq!(
        message,
        "10 is named \"Financien\" here but \"Finance\" on an earlier line"
    );
}

#[test]
fn ragged_rows_and_broken_utf8_are_named() {
    let (record, field, message) = invalid(&format!("{HEADER}\n1,Jan,Smit\n"));
    assert_eq!((record.as_str(), field.as_str()), ("line 2", "row"));
    assert_eq!(message, "has 3 fields where the header has 5");
    let mut bytes = format!("{HEADER}\n1,Jan,").into_bytes();
    bytes.extend_from_slice(b"Sm\xFFit,,\n");
    match parse_csv(&bytes, b',') {
        Err(Error::InvalidData {
            record,
            field,
            message,
        }) => {
            assert_eq!(record, "line 2");
            assert_eq!(field, "family_name (column 3)");
            assert_eq!(message, "is not valid UTF-8");
        }
        other => panic!("expected InvalidData, got {other:?}"),
    }
}

#[test]
fn bom_semicolons_trimming_and_defaults() {
    let content = "\u{feff}employee_id;given_name;family_name;company_name;department_name;manager_name;custom.badge\n \
                   7 ; Jan ; Smit ;Acme;Sales;K. Visser;B-1\n";
    let (people, units) = parse_csv(content.as_bytes(), b';').expect("parses");
    let jan = &people[0];
    assert_eq!(jan.id.as_str(), "7");
    assert_eq!(jan.name.display_name(), "Jan Smit");
    assert_eq!(
        jan.company_id().map(|c| c.as_str()),
        Some("Acme"),
        "the name stands in for a missing id"
    );
    assert_eq!(jan.manager, ManagerRef::external("K. Visser", ""));
    assert_eq!(jan.custom.get("badge").map(String::as_str), Some("B-1"));
    assert!(jan.employments.is_empty());
    let names: Vec<&str> = units.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["Acme", "Sales"]);
}

#[tokio::test]
async fn a_missing_file_is_a_configuration_error_naming_the_path() {
    let source = CsvSource::from_path("/nonexistent/hr-export.csv");
    match source.snapshot().await {
        Err(Error::Configuration { key, message }) => {
            assert_eq!(key, "csv.path");
            assert!(message.contains("/nonexistent/hr-export.csv"), "{message}");
        }
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_replaced_file_is_read_again() {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), "employee_id,family_name\n1,Smit\n").expect("write");
    let source = CsvSource::from_path(file.path());
    assert_eq!(source.snapshot().await.expect("first read").len(), 1);
    std::fs::write(file.path(), "employee_id,family_name\n1,Smit\n2,Bos\n").expect("write");
    assert_eq!(source.snapshot().await.expect("second read").len(), 2);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Arbitrary bytes never panic the parser.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_csv(&bytes, b',');
    }

    /// Arbitrary cells under a full header never panic, and an error always names a line.
    #[test]
    fn arbitrary_cells_fail_cleanly(cells in proptest::collection::vec("[ -~éß;.\n\"]{0,12}", 38)) {
        let header = hr_core::source::csv::COLUMNS.join(",");
        let row: Vec<String> = cells.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect();
        let content = format!("{header}\n{}\n", row.join(","));
        if let Err(e) = parse_csv(content.as_bytes(), b',') {
            match e {
                Error::InvalidData { record, .. } => prop_assert!(record.starts_with("line ")),
                other => prop_assert!(false, "unexpected error kind {other:?}"),
            }
        }
    }
}
