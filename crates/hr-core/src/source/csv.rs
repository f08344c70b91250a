//! People from a CSV file: [`CsvSource`] reads it, [`write_csv`] writes it.
//!
//! # Format
//!
//! UTF-8, with or without a byte-order mark; comma-separated by default
//! ([`CsvSource::with_delimiter`] for the semicolons of Dutch spreadsheet exports); one
//! row per person; a header row naming the columns, in any order. Values are trimmed;
//! an empty cell means "not recorded". Only `employee_id` and `family_name` are required.
//! A column the table does not list is an error (a typo must not silently drop data),
//! except `custom.<key>`, which becomes the custom field `<key>`.
//!
//! | column | meaning |
//! |---|---|
//! | `employee_id` | the stable HR key (required, unique in the file) |
//! | `employee_number` | number shown to people; may repeat across companies |
//! | `given_name`, `first_names`, `initials` | name the person goes by; official first names; initials |
//! | `family_name_prefix`, `family_name` | "de", "Vries" (`family_name` required) |
//! | `partner_family_name_prefix`, `partner_family_name` | the partner's name |
//! | `naming_convention` | `own`, `partner`, `partner_own`, `own_partner`, or Nmbrs code 1–4 (empty = own) |
//! | `work_email`, `private_email`, `work_mobile`, `private_mobile`, `work_phone` | contact |
//! | `street`, `house_number`, `house_number_addition`, `postal_code`, `city`, `state`, `country` | address; `country` is ISO 3166-1 alpha-2 |
//! | `company_id`, `company_name` | employing company (either may stand for the other) |
//! | `department_id`, `department_name` | department (either may stand for the other) |
//! | `job_title` | job title |
//! | `cost_center_code`, `cost_center_name` | cost centre |
//! | `employee_type_code`, `employee_type_name` | employee type |
//! | `manager_employee_id` | the manager's `employee_id`, when the manager is an employee |
//! | `manager_name`, `manager_email` | a manager who is not an employee (ignored when `manager_employee_id` is set) |
//! | `time_zone` | IANA zone, e.g. `America/New_York` (empty = the policy's default zone) |
//! | `start_date`, `end_date` | one employment, `YYYY-MM-DD`, end inclusive and optional |
//! | `employments` | several employments instead: `2019-03-01..2022-08-31;2025-02-01..` |
//! | `custom.<key>` | custom field `<key>` |
//!
//! Org units are derived from the rows: one [`OrgUnitKind::Company`] unit per company and
//! one [`OrgUnitKind::Department`] unit per department.
//!
//! Every problem is an [`Error::InvalidData`] naming the line and the column, e.g.
//! `invalid data in line 7, field start_date (column 36): "2026-13-01" is not a date as YYYY-MM-DD`.

use std::collections::{BTreeSet, HashMap};
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::source::memory::filter_snapshot;
use crate::source::{Capabilities, HrSource, SnapshotOptions};
use crate::{
    Coded, CompanyId, CompanyRef, Contact, CountryCode, Employee, EmployeeId, Employment, Error,
    HrSnapshot, ManagerRef, NamingConvention, OrgData, OrgUnit, OrgUnitId, OrgUnitKind, OrgUnitRef,
    PersonName, PostalAddress, Result,
};

/// The columns [`CsvSource`] understands, in the order [`write_csv`] writes them.
pub const COLUMNS: &[&str] = &[
    "employee_id",
    "employee_number",
    "given_name",
    "first_names",
    "initials",
    "family_name_prefix",
    "family_name",
    "partner_family_name_prefix",
    "partner_family_name",
    "naming_convention",
    "work_email",
    "private_email",
    "work_mobile",
    "private_mobile",
    "work_phone",
    "street",
    "house_number",
    "house_number_addition",
    "postal_code",
    "city",
    "state",
    "country",
    "company_id",
    "company_name",
    "department_id",
    "department_name",
    "job_title",
    "cost_center_code",
    "cost_center_name",
    "employee_type_code",
    "employee_type_name",
    "manager_employee_id",
    "manager_name",
    "manager_email",
    "time_zone",
    "start_date",
    "end_date",
    "employments",
];

/// The columns a file must have.
pub const REQUIRED_COLUMNS: &[&str] = &["employee_id", "family_name"];

const CUSTOM_PREFIX: &str = "custom.";
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

#[derive(Debug, Clone)]
enum Input {
    Path(PathBuf),
    Bytes(Arc<[u8]>),
}

/// An [`HrSource`] over a CSV file in the [format](self) above.
///
/// A file source reads the file again on every snapshot, so an export replaced between
/// runs is picked up. Reading and parsing run on Tokio's blocking pool when a Tokio
/// runtime is present, so a large file does not stall other tasks.
///
/// ```
/// use hr_core::{CsvSource, HrSourceExt};
///
/// let csv = "employee_id;given_name;family_name_prefix;family_name;start_date\n\
///            603464;Anouk;de;Vries;2026-09-01\n";
/// let source = CsvSource::from_bytes(csv).with_delimiter(b';');
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let snapshot = source.snapshot().await?;
/// assert_eq!(snapshot.employees()[0].name.display_name(), "Anouk de Vries");
/// # Ok::<(), hr_core::Error>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct CsvSource {
    name: String,
    input: Input,
    delimiter: u8,
}

impl CsvSource {
    /// A source reading the file at `path` on every snapshot.
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        Self {
            name: "csv".into(),
            input: Input::Path(path.into()),
            delimiter: b',',
        }
    }

    /// A source over CSV content held in memory.
    pub fn from_bytes(content: impl AsRef<[u8]>) -> Self {
        Self {
            name: "csv".into(),
            input: Input::Bytes(content.as_ref().into()),
            delimiter: b',',
        }
    }

    /// Names the source (default `csv`).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets the field delimiter (default `,`).
    pub fn with_delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = delimiter;
        self
    }

    fn read(input: &Input) -> Result<Arc<[u8]>> {
        match input {
            Input::Bytes(bytes) => Ok(Arc::clone(bytes)),
            Input::Path(path) => std::fs::read(path)
                .map(Arc::from)
                .map_err(|e| io_error(path, e)),
        }
    }
}

fn io_error(path: &Path, e: io::Error) -> Error {
    let message = format!("cannot read {}: {e}", path.display());
    match e.kind() {
        io::ErrorKind::NotFound => Error::configuration("csv.path", message),
        io::ErrorKind::PermissionDenied => Error::PermissionDenied {
            source_name: "csv".into(),
            message,
        },
        _ => Error::Unavailable {
            source_name: "csv".into(),
            message,
            source: Some(Box::new(e)),
        },
    }
}

/// Runs `work` on Tokio's blocking pool when inside a Tokio runtime, inline otherwise.
async fn off_the_executor<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => handle
            .spawn_blocking(work)
            .await
            .map_err(|e| Error::other("reading the CSV file was interrupted", e))?,
        Err(_) => work(),
    }
}

#[async_trait]
impl HrSource for CsvSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::all()
    }

    async fn snapshot_opts(&self, options: &SnapshotOptions) -> Result<HrSnapshot> {
        let input = self.input.clone();
        let delimiter = self.delimiter;
        let (employees, org_units) =
            off_the_executor(move || parse(&CsvSource::read(&input)?, delimiter)).await?;
        let known: BTreeSet<CompanyId> = employees
            .iter()
            .filter_map(|e| e.company_id().cloned())
            .collect();
        filter_snapshot(&self.name, &employees, &org_units, &known, options)
    }
}

/// Where a cell sits, for error messages.
struct Cell<'a> {
    line: u64,
    column: &'a str,
    /// `None` for a column the header does not have.
    index: Option<usize>,
}

impl Cell<'_> {
    fn error(&self, message: impl Into<String>) -> Error {
        let field = match self.index {
            Some(i) => format!("{} (column {})", self.column, i + 1),
            None => format!("{} (no such column)", self.column),
        };
        Error::invalid_data(format!("line {}", self.line), field, message)
    }
}

/// One data row with access to its cells by column name.
struct Row<'a> {
    line: u64,
    header: &'a Header,
    record: &'a csv::StringRecord,
}

impl<'a> Row<'a> {
    fn cell(&self, column: &'a str) -> Option<(&'a str, Cell<'a>)> {
        let index = *self.header.index.get(column)?;
        let value = self.record.get(index).filter(|v| !v.is_empty())?;
        Some((
            value,
            Cell {
                line: self.line,
                column,
                index: Some(index),
            },
        ))
    }

    fn text(&self, column: &'a str) -> Option<String> {
        self.cell(column).map(|(v, _)| v.to_owned())
    }

    fn parsed<T>(
        &self,
        column: &'a str,
        parse: impl FnOnce(&str) -> std::result::Result<T, String>,
    ) -> Result<Option<T>> {
        match self.cell(column) {
            None => Ok(None),
            Some((value, cell)) => parse(value).map(Some).map_err(|m| cell.error(m)),
        }
    }

    /// The column's value, or an error naming the column when it is empty.
    fn required(&self, column: &'a str) -> Result<(&'a str, Cell<'a>)> {
        self.cell(column)
            .ok_or_else(|| self.error_at(column, "is required and empty"))
    }

    /// An error about this row's `column`.
    fn error_at(&self, column: &'a str, message: &str) -> Error {
        let index = self.header.index.get(column).copied();
        Cell {
            line: self.line,
            column,
            index,
        }
        .error(message)
    }
}

#[derive(Debug)]
struct Header {
    index: HashMap<&'static str, usize>,
    custom: Vec<(String, usize)>,
}

fn header_error(column: &str, index: usize, message: impl Into<String>) -> Error {
    Error::invalid_data(
        "header (line 1)",
        format!("{column} (column {})", index + 1),
        message,
    )
}

fn read_header(record: &csv::StringRecord) -> Result<Header> {
    let mut index = HashMap::new();
    let mut custom = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, raw) in record.iter().enumerate() {
        if !seen.insert(raw) {
            return Err(header_error(raw, i, "the column appears more than once"));
        }
        if let Some(key) = raw.strip_prefix(CUSTOM_PREFIX) {
            if key.is_empty() {
                return Err(header_error(
                    raw,
                    i,
                    "a custom column needs a key after `custom.`",
                ));
            }
            custom.push((key.to_owned(), i));
        } else if let Some(known) = COLUMNS.iter().find(|c| **c == raw) {
            index.insert(*known, i);
        } else {
            return Err(header_error(
                raw,
                i,
                "unknown column; see the documented columns, or use custom.<key>",
            ));
        }
    }
    if let Some(missing) = REQUIRED_COLUMNS.iter().find(|c| !index.contains_key(**c)) {
        return Err(Error::invalid_data(
            "header (line 1)",
            *missing,
            "required column is missing",
        ));
    }
    Ok(Header { index, custom })
}

fn csv_error(e: &csv::Error, header: Option<&Header>) -> Error {
    let line = e.position().map_or(0, csv::Position::line);
    match e.kind() {
        csv::ErrorKind::Utf8 { err, .. } => {
            let column = header
                .and_then(|h| {
                    h.index
                        .iter()
                        .find(|(_, i)| **i == err.field())
                        .map(|(c, _)| (*c).to_owned())
                })
                .unwrap_or_else(|| "field".to_owned());
            Error::invalid_data(
                format!("line {line}"),
                format!("{column} (column {})", err.field() + 1),
                "is not valid UTF-8",
            )
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => Error::invalid_data(
            format!("line {line}"),
            "row",
            format!("has {len} fields where the header has {expected_len}"),
        ),
        _ => Error::invalid_data(format!("line {line}"), "row", e.to_string()),
    }
}

fn parse_date(value: &str) -> std::result::Result<NaiveDate, String> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| format!("{value:?} is not a date as YYYY-MM-DD"))
}

fn parse_employments(value: &str) -> std::result::Result<Vec<Employment>, String> {
    let mut out = Vec::new();
    for item in value.split(';').map(str::trim).filter(|i| !i.is_empty()) {
        let Some((start, end)) = item.split_once("..") else {
            return Err(format!(
                "{item:?} is not an employment as START..END or START.."
            ));
        };
        let start = parse_date(start.trim())?;
        let end = match end.trim() {
            "" => None,
            end => Some(parse_date(end)?),
        };
        out.push(Employment::new(start, end).map_err(|e| format!("{item:?}: {e}"))?);
    }
    Ok(out)
}

fn id_of<T: FromStr<Err = crate::IdError>>(value: &str) -> std::result::Result<T, String> {
    value.parse().map_err(|e: crate::IdError| e.to_string())
}

/// Collects org units in order of first appearance, refusing one id with two names.
#[derive(Default)]
struct Units {
    list: Vec<OrgUnit>,
    by_id: HashMap<OrgUnitId, usize>,
}

impl Units {
    fn add(
        &mut self,
        id: OrgUnitId,
        name: &str,
        kind: OrgUnitKind,
        row: &Row<'_>,
        name_column: &'static str,
    ) -> Result<()> {
        match self.by_id.get(&id).and_then(|&i| self.list.get(i)) {
            Some(existing) if existing.name != name || existing.kind != kind => Err(row.error_at(
                name_column,
                &format!(
                    "{id} is named {name:?} here but {:?} on an earlier line",
                    existing.name
                ),
            )),
            Some(_) => Ok(()),
            None => {
                self.by_id.insert(id.clone(), self.list.len());
                self.list.push(OrgUnit::new(id, name, kind));
                Ok(())
            }
        }
    }
}

/// An id and a name where either may stand for the other.
fn id_and_name(
    row: &Row<'_>,
    id_column: &'static str,
    name_column: &'static str,
) -> Result<Option<(String, String)>> {
    match (row.text(id_column), row.text(name_column)) {
        (None, None) => Ok(None),
        (Some(id), None) => Ok(Some((id.clone(), id))),
        (None, Some(name)) => Ok(Some((name.clone(), name))),
        (Some(id), Some(name)) => Ok(Some((id, name))),
    }
}

fn parse_org(row: &Row<'_>, units: &mut Units) -> Result<OrgData> {
    let mut org = OrgData::default();
    if let Some((id, name)) = id_and_name(row, "company_id", "company_name")? {
        let company: CompanyId = id_of(&id).map_err(|m| row.error_at("company_id", &m))?;
        let unit: OrgUnitId = id_of(&id).map_err(|m| row.error_at("company_id", &m))?;
        units.add(unit, &name, OrgUnitKind::Company, row, "company_name")?;
        org.company = Some(CompanyRef::new(company, name));
    }
    if let Some((id, name)) = id_and_name(row, "department_id", "department_name")? {
        let unit: OrgUnitId = id_of(&id).map_err(|m| row.error_at("department_id", &m))?;
        units.add(
            unit.clone(),
            &name,
            OrgUnitKind::Department,
            row,
            "department_name",
        )?;
        org.department = Some(OrgUnitRef::new(unit, name));
    }
    org.job_title = row.text("job_title");
    org.cost_center = coded(row, "cost_center_code", "cost_center_name")?;
    org.employee_type = coded(row, "employee_type_code", "employee_type_name")?;
    Ok(org)
}

fn coded(
    row: &Row<'_>,
    code_column: &'static str,
    label_column: &'static str,
) -> Result<Option<Coded>> {
    match (row.text(code_column), row.text(label_column)) {
        (None, None) => Ok(None),
        (Some(code), label) => Ok(Some(Coded::new(code, label.unwrap_or_default()))),
        (None, Some(_)) => Err(row.error_at(
            code_column,
            &format!("is required when {label_column} is given"),
        )),
    }
}

fn parse_name(row: &Row<'_>) -> Result<PersonName> {
    let (family, _) = row.required("family_name")?;
    let convention = row
        .parsed("naming_convention", |v| {
            v.parse::<NamingConvention>().map_err(|e| e.to_string())
        })?
        .unwrap_or_default();
    let mut name = PersonName::new(row.text("given_name").unwrap_or_default(), family)
        .with_first_names(row.text("first_names").unwrap_or_default())
        .with_initials(row.text("initials").unwrap_or_default())
        .with_family_name_prefix(row.text("family_name_prefix").unwrap_or_default())
        .with_convention(convention);
    name = name.with_partner_name(
        row.text("partner_family_name_prefix").as_deref(),
        row.text("partner_family_name").unwrap_or_default(),
    );
    Ok(name)
}

fn parse_address(row: &Row<'_>) -> Result<PostalAddress> {
    Ok(PostalAddress {
        street: row.text("street"),
        house_number: row.text("house_number"),
        house_number_addition: row.text("house_number_addition"),
        postal_code: row.text("postal_code"),
        city: row.text("city"),
        state: row.text("state"),
        country: row.parsed("country", |v| {
            CountryCode::new(v).map_err(|e| e.to_string())
        })?,
    })
}

fn parse_employment_columns(row: &Row<'_>) -> Result<Vec<Employment>> {
    let start = row.parsed("start_date", parse_date)?;
    let end = row.parsed("end_date", parse_date)?;
    let many = row.parsed("employments", parse_employments)?;
    match (start, end, many) {
        (Some(_), _, Some(_)) | (None, Some(_), Some(_)) => Err(row.error_at(
            "employments",
            "give start_date/end_date or employments, not both",
        )),
        (None, None, many) => Ok(many.unwrap_or_default()),
        (None, Some(_), None) => {
            Err(row.error_at("start_date", "is required when end_date is given"))
        }
        (Some(start), end, None) => Employment::new(start, end)
            .map(|e| vec![e])
            .map_err(|e| row.error_at("end_date", &e.to_string())),
    }
}

fn parse_row(row: &Row<'_>, units: &mut Units) -> Result<Employee> {
    let (id, cell) = row.required("employee_id")?;
    let id: EmployeeId = id_of(id).map_err(|m| cell.error(m))?;
    let contact = Contact {
        work_email: row.text("work_email"),
        private_email: row.text("private_email"),
        work_mobile: row.text("work_mobile"),
        private_mobile: row.text("private_mobile"),
        work_phone: row.text("work_phone"),
    };
    let mut employee = Employee::new(id, parse_name(row)?)
        .with_employee_number(row.text("employee_number").unwrap_or_default())
        .with_contact(contact)
        .with_address(parse_address(row)?)
        .with_org(parse_org(row, units)?);
    employee.manager = match row.parsed("manager_employee_id", id_of::<EmployeeId>)? {
        Some(manager) => Some(ManagerRef::employee(manager)),
        None => ManagerRef::external(
            row.text("manager_name").unwrap_or_default(),
            row.text("manager_email").unwrap_or_default(),
        ),
    };
    employee.time_zone = row.parsed("time_zone", |v| {
        v.parse::<Tz>()
            .map_err(|_| format!("{v:?} is not an IANA time zone such as Europe/Amsterdam"))
    })?;
    employee.employments = parse_employment_columns(row)?;
    for (key, index) in &row.header.custom {
        if let Some(value) = row.record.get(*index).filter(|v| !v.is_empty()) {
            employee.custom.insert(key.clone(), value.to_owned());
        }
    }
    Ok(employee)
}

/// Parses CSV content into people and the org units their rows name.
fn parse(content: &[u8], delimiter: u8) -> Result<(Vec<Employee>, Vec<OrgUnit>)> {
    let content = content.strip_prefix(UTF8_BOM).unwrap_or(content);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_reader(content);
    let header = read_header(reader.headers().map_err(|e| csv_error(&e, None))?)?;
    let mut employees = Vec::new();
    let mut units = Units::default();
    let mut first_line: HashMap<EmployeeId, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(&e, Some(&header))),
        }
        let line = record.position().map_or(0, csv::Position::line);
        let row = Row {
            line,
            header: &header,
            record: &record,
        };
        let employee = parse_row(&row, &mut units)?;
        if let Some(earlier) = first_line.insert(employee.id.clone(), line) {
            return Err(row.error_at(
                "employee_id",
                &format!(
                    "employee id {} already appears on line {earlier}",
                    employee.id
                ),
            ));
        }
        employees.push(employee);
    }
    Ok((employees, units.list))
}

/// Writes people as CSV in the [format](self) [`CsvSource`] reads, with a
/// `custom.<key>` column for every custom key in use. Reading the output back gives the
/// same people.
///
/// # Errors
/// [`Error::Other`] when the writer fails.
///
/// ```
/// use hr_core::{Employee, EmployeeId, PersonName, source::csv::write_csv};
///
/// let mut out = Vec::new();
/// write_csv(&mut out, &[Employee::new(EmployeeId::new("1")?, PersonName::new("Jan", "Smit"))])?;
/// let text = String::from_utf8(out)?;
/// assert!(text.starts_with("employee_id,employee_number,given_name"));
/// assert!(text.lines().nth(1).is_some_and(|row| row.starts_with("1,,Jan,")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_csv<W: io::Write>(writer: W, employees: &[Employee]) -> Result<()> {
    let custom_keys: BTreeSet<&str> = employees
        .iter()
        .flat_map(|e| e.custom.keys().map(String::as_str))
        .collect();
    let mut out = csv::Writer::from_writer(writer);
    let fail = |e: csv::Error| Error::other("writing CSV failed", e);
    let header = COLUMNS
        .iter()
        .map(|c| (*c).to_owned())
        .chain(custom_keys.iter().map(|k| format!("{CUSTOM_PREFIX}{k}")));
    out.write_record(header).map_err(fail)?;
    for e in employees {
        let mut row = employee_cells(e);
        row.extend(
            custom_keys
                .iter()
                .map(|k| e.custom.get(*k).cloned().unwrap_or_default()),
        );
        out.write_record(&row).map_err(fail)?;
    }
    out.flush()
        .map_err(|e| Error::other("writing CSV failed", e))
}

fn employee_cells(e: &Employee) -> Vec<String> {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let n = &e.name;
    let address = e.address.clone().unwrap_or_default();
    let org = &e.org;
    let (manager_id, manager_name, manager_email) = match &e.manager {
        Some(ManagerRef::Employee { id }) => (id.to_string(), String::new(), String::new()),
        Some(ManagerRef::External { name, email }) => (String::new(), s(name), s(email)),
        None => Default::default(),
    };
    let (start, end, many) = match e.employments.as_slice() {
        [one] => (
            one.start().to_string(),
            one.end().map(|d| d.to_string()).unwrap_or_default(),
            String::new(),
        ),
        all => {
            let joined: Vec<String> = all.iter().map(ToString::to_string).collect();
            (String::new(), String::new(), joined.join(";"))
        }
    };
    vec![
        e.id.to_string(),
        s(&e.employee_number),
        s(&n.given_name),
        s(&n.first_names),
        s(&n.initials),
        s(&n.family_name_prefix),
        n.family_name.clone(),
        s(&n.partner_family_name_prefix),
        s(&n.partner_family_name),
        n.convention.as_str().to_owned(),
        s(&e.contact.work_email),
        s(&e.contact.private_email),
        s(&e.contact.work_mobile),
        s(&e.contact.private_mobile),
        s(&e.contact.work_phone),
        s(&address.street),
        s(&address.house_number),
        s(&address.house_number_addition),
        s(&address.postal_code),
        s(&address.city),
        s(&address.state),
        address.country.map(|c| c.to_string()).unwrap_or_default(),
        org.company
            .as_ref()
            .map(|c| c.id.to_string())
            .unwrap_or_default(),
        org.company
            .as_ref()
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        org.department
            .as_ref()
            .map(|d| d.id.to_string())
            .unwrap_or_default(),
        org.department
            .as_ref()
            .map(|d| d.name.clone())
            .unwrap_or_default(),
        s(&org.job_title),
        org.cost_center
            .as_ref()
            .map(|c| c.code.clone())
            .unwrap_or_default(),
        org.cost_center
            .as_ref()
            .and_then(|c| c.label.clone())
            .unwrap_or_default(),
        org.employee_type
            .as_ref()
            .map(|c| c.code.clone())
            .unwrap_or_default(),
        org.employee_type
            .as_ref()
            .and_then(|c| c.label.clone())
            .unwrap_or_default(),
        manager_id,
        manager_name,
        manager_email,
        e.time_zone.map(|z| z.name().to_owned()).unwrap_or_default(),
        start,
        end,
        many,
    ]
}

/// Parses CSV content without a source around it, for validating a file before use.
///
/// # Errors
/// [`Error::InvalidData`] naming the line and column of the first problem.
///
/// ```
/// use hr_core::{Error, source::csv::parse_csv};
///
/// let err = parse_csv(b"employee_id,family_name,start_date\n1,Smit,2026-02-30\n", b',').unwrap_err();
/// assert!(matches!(err, Error::InvalidData { ref record, ref field, .. }
///     if record == "line 2" && field == "start_date (column 3)"));
/// ```
pub fn parse_csv(content: &[u8], delimiter: u8) -> Result<(Vec<Employee>, Vec<OrgUnit>)> {
    parse(content, delimiter)
}
