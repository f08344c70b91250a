//! `StaffbookSource`: an [`HrSource`] for "Staffbook", a made-up HR system whose
//! employee directory comes as one JSON document, in the shape many HR SaaS APIs use
//! (camelCase fields, empty strings for unset values, contracts as a list).
//!
//! It is the adapter of the `custom_hr_adapter` example and of
//! `docs/writing-an-adapter.md`: everything a new HR system needs to implement, in one
//! file. `tests/staffbook_conformance.rs` proves it with `hr-core`'s conformance suite.
//!
//! The document:
//!
//! ```json
//! {
//!   "companies":   [{"id": "1001", "name": "Acme Holding B.V."}],
//!   "departments": [{"id": "10", "name": "Finance"}],
//!   "employees": [{
//!     "id": "600001", "employeeNumber": "1", "companyId": "1001",
//!     "preferredName": "Anouk", "firstNames": "", "initials": "A.",
//!     "lastNamePrefix": "de", "lastName": "Vries",
//!     "partnerLastNamePrefix": "", "partnerLastName": "Bakker", "nameFormat": "partner-own",
//!     "workEmail": "anouk.devries@acme.example", "homeEmail": "", "workMobile": "",
//!     "homeMobile": "", "workPhone": "",
//!     "departmentId": "10", "jobTitle": "Financial controller",
//!     "costCenter": {"code": "FIN-01", "name": "Finance NL"},
//!     "employmentType": {"code": "1", "name": "payroll"},
//!     "manager": {"employeeId": "600002"},
//!     "timeZone": "Europe/Amsterdam",
//!     "contracts": [{"start": "2021-01-04", "end": null}],
//!     "customFields": {"badge": "B-1029"}
//!   }]
//! }
//! ```
//!
//! A manager who is not an employee is `{"name": "…", "email": "…"}`. Staffbook keeps no
//! postal addresses, so the source does not declare the `addresses` capability.
//!
//! ```
//! use hr_core::HrSourceExt;
//! use hrsync_examples::staffbook::StaffbookSource;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let source = StaffbookSource::from_json(r#"{"employees": [
//!     {"id": "7", "preferredName": "Ada", "lastName": "Lovelace", "workEmail": "",
//!      "contracts": [{"start": "2026-01-05"}]}
//! ]}"#);
//! let snapshot = source.snapshot().await?;
//! let ada = &snapshot.employees()[0];
//! assert_eq!(ada.name.display_name(), "Ada Lovelace");
//! assert_eq!(ada.contact.work_email, None); // "" is no value
//! # Ok::<(), hr_core::Error>(()) })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;
use hr_core::{
    Capabilities, Coded, CompanyId, CompanyRef, Contact, Employee, EmployeeId, Employment, Error,
    HrSnapshot, HrSource, ManagerRef, NamingConvention, OrgData, OrgUnit, OrgUnitId, OrgUnitKind,
    OrgUnitRef, PersonName, Result, SnapshotOptions,
};
use serde::Deserialize;

/// The source's name, in snapshots, logs and errors.
pub const NAME: &str = "staffbook";

/// Where the document comes from.
#[derive(Debug, Clone)]
enum Feed {
    /// The document itself (an API answer, a test fixture).
    Json(Arc<[u8]>),
    /// A file, read again on every snapshot.
    File(PathBuf),
}

/// Reads people from a Staffbook directory document (see the [module docs](self)).
///
/// Every snapshot reads the whole document: Staffbook has no paging and no "changed
/// since", like most HR exports, and the sync engine works from full snapshots anyway.
#[derive(Debug, Clone)]
pub struct StaffbookSource {
    feed: Feed,
}

impl StaffbookSource {
    /// A source serving this document.
    pub fn from_json(document: impl Into<Vec<u8>>) -> Self {
        Self {
            feed: Feed::Json(document.into().into()),
        }
    }

    /// A source reading this file on every snapshot.
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        Self {
            feed: Feed::File(path.into()),
        }
    }

    /// The raw document. File errors map by meaning: a missing file is a configuration
    /// error, a refused one [`Error::PermissionDenied`], anything else (a network share
    /// gone away) [`Error::Unavailable`], which the caller may retry.
    async fn fetch(&self) -> Result<Arc<[u8]>> {
        match &self.feed {
            Feed::Json(bytes) => Ok(bytes.clone()),
            Feed::File(path) => {
                let path = path.clone();
                let read = tokio::task::spawn_blocking({
                    let path = path.clone();
                    move || std::fs::read(path)
                })
                .await
                .map_err(|e| Error::other("reading the Staffbook file", e))?;
                read.map(Into::into).map_err(|e| {
                    let message = format!("{}: {e}", path.display());
                    match e.kind() {
                        io::ErrorKind::NotFound => Error::configuration("staffbook.path", message),
                        io::ErrorKind::PermissionDenied => Error::PermissionDenied {
                            source_name: NAME.to_owned(),
                            message,
                        },
                        _ => Error::Unavailable {
                            source_name: NAME.to_owned(),
                            message,
                            source: Some(Box::new(e)),
                        },
                    }
                })
            }
        }
    }
}

// The wire shape: private, lenient (unknown fields are ignored, as an API adds fields
// over time), every field optional. `convert` turns it into the model or says which
// record and field are wrong.

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    #[serde(default)]
    companies: Vec<Unit>,
    #[serde(default)]
    departments: Vec<Unit>,
    #[serde(default)]
    employees: Vec<Person>,
}

#[derive(Deserialize)]
struct Unit {
    id: String,
    name: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Person {
    id: String,
    employee_number: Option<String>,
    company_id: Option<String>,
    preferred_name: Option<String>,
    first_names: Option<String>,
    initials: Option<String>,
    last_name_prefix: Option<String>,
    last_name: String,
    partner_last_name_prefix: Option<String>,
    partner_last_name: Option<String>,
    name_format: Option<String>,
    work_email: Option<String>,
    home_email: Option<String>,
    work_mobile: Option<String>,
    home_mobile: Option<String>,
    work_phone: Option<String>,
    department_id: Option<String>,
    job_title: Option<String>,
    cost_center: Option<Code>,
    employment_type: Option<Code>,
    manager: Option<Manager>,
    time_zone: Option<String>,
    contracts: Vec<Contract>,
    custom_fields: BTreeMap<String, Option<String>>,
}

#[derive(Deserialize)]
struct Code {
    code: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Manager {
    #[serde(default)]
    employee_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

#[derive(Deserialize)]
struct Contract {
    start: String,
    #[serde(default)]
    end: Option<String>,
}

/// Staffbook sends `""` for a value it does not hold; the model wants `None`
/// ("absent is `None`" in the `HrSource` contract).
fn value(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.trim().is_empty())
}

/// Builds one person, naming the record and the field of anything malformed.
struct Convert<'a> {
    record: String,
    companies: &'a BTreeMap<&'a str, &'a str>,
    departments: &'a BTreeMap<&'a str, &'a str>,
}

impl Convert<'_> {
    fn invalid(&self, field: &str, message: impl Into<String>) -> Error {
        Error::invalid_data(self.record.clone(), field, message)
    }

    fn date(&self, field: &str, text: &str) -> Result<NaiveDate> {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|e| self.invalid(field, format!("{text:?} is not a date as YYYY-MM-DD: {e}")))
    }

    fn person(&self, p: Person) -> Result<Employee> {
        let id = EmployeeId::new(p.id.trim()).map_err(|e| self.invalid("id", e.to_string()))?;
        let family =
            value(Some(p.last_name)).ok_or_else(|| self.invalid("lastName", "is empty"))?;
        let mut name = PersonName::new(p.preferred_name.unwrap_or_default(), family)
            .with_first_names(p.first_names.unwrap_or_default())
            .with_initials(p.initials.unwrap_or_default())
            .with_family_name_prefix(p.last_name_prefix.unwrap_or_default())
            .with_partner_name(
                p.partner_last_name_prefix.as_deref(),
                p.partner_last_name.unwrap_or_default(),
            );
        if let Some(format) = value(p.name_format) {
            name = name.with_convention(
                format
                    .parse::<NamingConvention>()
                    .map_err(|e| self.invalid("nameFormat", e.to_string()))?,
            );
        }

        let mut employee = Employee::new(id, name);
        employee.employee_number = value(p.employee_number);

        let mut contact = Contact::default();
        contact.work_email = value(p.work_email);
        contact.private_email = value(p.home_email);
        contact.work_mobile = value(p.work_mobile);
        contact.private_mobile = value(p.home_mobile);
        contact.work_phone = value(p.work_phone);
        employee.contact = contact;

        let mut org = OrgData::default();
        if let Some(company) = value(p.company_id) {
            let name = self.companies.get(company.as_str()).ok_or_else(|| {
                self.invalid(
                    "companyId",
                    format!("{company:?} is not among the companies"),
                )
            })?;
            let id = CompanyId::new(company.as_str())
                .map_err(|e| self.invalid("companyId", e.to_string()))?;
            org.company = Some(CompanyRef::new(id, *name));
        }
        if let Some(department) = value(p.department_id) {
            let name = self.departments.get(department.as_str()).ok_or_else(|| {
                self.invalid(
                    "departmentId",
                    format!("{department:?} is not among the departments"),
                )
            })?;
            let id = OrgUnitId::new(department.as_str())
                .map_err(|e| self.invalid("departmentId", e.to_string()))?;
            org.department = Some(OrgUnitRef::new(id, *name));
        }
        org.job_title = value(p.job_title);
        org.cost_center = p
            .cost_center
            .filter(|c| !c.code.trim().is_empty())
            .map(|c| Coded::new(c.code, c.name.unwrap_or_default()));
        org.employee_type = p
            .employment_type
            .filter(|c| !c.code.trim().is_empty())
            .map(|c| Coded::new(c.code, c.name.unwrap_or_default()));
        employee.org = org;

        employee.manager = match p.manager {
            None => None,
            Some(m) => match value(m.employee_id) {
                Some(manager) => Some(ManagerRef::employee(
                    EmployeeId::new(manager.trim())
                        .map_err(|e| self.invalid("manager.employeeId", e.to_string()))?,
                )),
                // `external` is `None` when both are empty: no manager.
                None => {
                    ManagerRef::external(m.name.unwrap_or_default(), m.email.unwrap_or_default())
                }
            },
        };

        employee.time_zone = value(p.time_zone)
            .map(|zone| {
                zone.trim().parse::<Tz>().map_err(|_| {
                    self.invalid("timeZone", format!("{zone:?} is not an IANA time zone"))
                })
            })
            .transpose()?;

        // Every contract, as recorded: the lifecycle policy merges and decides.
        for (i, c) in p.contracts.into_iter().enumerate() {
            let start = self.date(&format!("contracts[{i}].start"), &c.start)?;
            let end = value(c.end)
                .map(|end| self.date(&format!("contracts[{i}].end"), &end))
                .transpose()?;
            let employment = Employment::new(start, end)
                .map_err(|e| self.invalid(&format!("contracts[{i}]"), e.to_string()))?;
            employee.employments.push(employment);
        }

        employee.custom = p
            .custom_fields
            .into_iter()
            .filter_map(|(k, v)| Some((k, value(v)?)))
            .collect();
        Ok(employee)
    }
}

/// The people and org units of a document, in document order.
fn convert(bytes: &[u8]) -> Result<(Vec<Employee>, Vec<OrgUnit>)> {
    let doc: Document = serde_json::from_slice(bytes).map_err(|e| {
        Error::invalid_data(
            "the Staffbook document",
            format!("line {}, column {}", e.line(), e.column()),
            e.to_string(),
        )
    })?;
    let companies: BTreeMap<&str, &str> = doc
        .companies
        .iter()
        .map(|u| (u.id.as_str(), u.name.as_str()))
        .collect();
    let departments: BTreeMap<&str, &str> = doc
        .departments
        .iter()
        .map(|u| (u.id.as_str(), u.name.as_str()))
        .collect();

    let mut units = Vec::with_capacity(doc.companies.len() + doc.departments.len());
    for (list, kind, what) in [
        (&doc.companies, OrgUnitKind::Company, "company"),
        (&doc.departments, OrgUnitKind::Department, "department"),
    ] {
        for (i, u) in list.iter().enumerate() {
            let id = OrgUnitId::new(u.id.as_str())
                .map_err(|e| Error::invalid_data(format!("{what} #{i}"), "id", e.to_string()))?;
            units.push(OrgUnit::new(id, u.name.as_str(), kind.clone()));
        }
    }

    let mut people = Vec::with_capacity(doc.employees.len());
    for (i, p) in doc.employees.into_iter().enumerate() {
        let record = if p.id.trim().is_empty() {
            format!("employee #{i}")
        } else {
            format!("employee {}", p.id.trim())
        };
        let convert = Convert {
            record,
            companies: &companies,
            departments: &departments,
        };
        people.push(convert.person(p)?);
    }
    Ok((people, units))
}

#[async_trait]
impl HrSource for StaffbookSource {
    fn name(&self) -> &str {
        NAME
    }

    fn capabilities(&self) -> Capabilities {
        // Everything the document carries; Staffbook keeps no postal addresses.
        Capabilities::all().with_addresses(false)
    }

    async fn snapshot_opts(&self, options: &SnapshotOptions) -> Result<HrSnapshot> {
        let bytes = self.fetch().await?;
        let (people, units) = convert(&bytes)?;

        // Staffbook's API has no company filter: apply it after reading. A company the
        // source does not know is `NotFound`, never an empty snapshot (which the engine
        // would read as "everyone left").
        if let Some(wanted) = &options.companies {
            let known: BTreeSet<&str> = units
                .iter()
                .filter(|u| u.kind == OrgUnitKind::Company)
                .map(|u| u.id.as_str())
                .collect();
            if let Some(unknown) = wanted.iter().find(|c| !known.contains(c.as_str())) {
                return Err(Error::not_found(format!("company {unknown} in {NAME}")));
            }
        }
        let people: Vec<Employee> = people.into_iter().filter(|e| options.includes(e)).collect();
        let units: Vec<OrgUnit> = units
            .into_iter()
            .filter(|u| {
                u.kind != OrgUnitKind::Company
                    || CompanyId::new(u.id.as_str()).is_ok_and(|c| options.includes_company(&c))
            })
            .collect();
        // `HrSnapshot::new` refuses an id that occurs twice, naming it.
        HrSnapshot::new(NAME, Utc::now(), people, units)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use hr_core::HrSourceExt;

    use super::*;

    #[tokio::test]
    async fn malformed_records_name_the_record_and_the_field() {
        for (doc, record, field) in [
            (
                r#"{"employees": [{"id": "9", "lastName": "X", "contracts": [{"start": "5 May"}]}]}"#,
                "employee 9",
                "contracts[0].start",
            ),
            (
                r#"{"employees": [{"id": "9", "lastName": "X", "timeZone": "Mars/Olympus"}]}"#,
                "employee 9",
                "timeZone",
            ),
            (
                r#"{"employees": [{"id": "9", "lastName": "X", "departmentId": "77"}]}"#,
                "employee 9",
                "departmentId",
            ),
            (
                r#"{"employees": [{"id": "", "lastName": "X"}]}"#,
                "employee #0",
                "id",
            ),
            (
                r#"{"employees": [{"id": "9""#,
                "the Staffbook document",
                "line 1",
            ),
        ] {
            let err = StaffbookSource::from_json(doc)
                .snapshot()
                .await
                .unwrap_err();
            match err {
                Error::InvalidData {
                    record: r,
                    field: f,
                    ..
                } => {
                    assert_eq!(r, record, "{doc}");
                    assert!(f.starts_with(field), "{f} for {doc}");
                }
                other => panic!("{doc}: {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn a_missing_file_is_a_configuration_error() {
        let err = StaffbookSource::from_path("/nonexistent/staffbook.json")
            .snapshot()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Configuration { .. }), "{err:?}");
    }
}
