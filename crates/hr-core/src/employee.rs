//! The person record every HR source produces.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::{CompanyId, EmployeeId, OrgUnitId, PersonName};

fn non_empty(value: impl Into<String>) -> Option<String> {
    let value = value.into();
    if value.trim().is_empty() {
        None
    } else {
        Some(value)
    }
}

/// How to reach a person. Absent values are `None`, never an empty string.
///
/// ```
/// use hr_core::Contact;
///
/// let contact = Contact::default().with_work_email("anouk@acme.example").with_private_email("");
/// assert_eq!(contact.work_email.as_deref(), Some("anouk@acme.example"));
/// assert_eq!(contact.private_email, None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Contact {
    /// Work e-mail address.
    pub work_email: Option<String>,
    /// Private e-mail address.
    pub private_email: Option<String>,
    /// Work mobile number, as recorded.
    pub work_mobile: Option<String>,
    /// Private mobile number, as recorded.
    pub private_mobile: Option<String>,
    /// Work landline, as recorded.
    pub work_phone: Option<String>,
}

impl Contact {
    /// Sets the work e-mail address (empty means none).
    pub fn with_work_email(mut self, value: impl Into<String>) -> Self {
        self.work_email = non_empty(value);
        self
    }
    /// Sets the private e-mail address (empty means none).
    pub fn with_private_email(mut self, value: impl Into<String>) -> Self {
        self.private_email = non_empty(value);
        self
    }
    /// Sets the work mobile number (empty means none).
    pub fn with_work_mobile(mut self, value: impl Into<String>) -> Self {
        self.work_mobile = non_empty(value);
        self
    }
    /// Sets the private mobile number (empty means none).
    pub fn with_private_mobile(mut self, value: impl Into<String>) -> Self {
        self.private_mobile = non_empty(value);
        self
    }
    /// Sets the work landline (empty means none).
    pub fn with_work_phone(mut self, value: impl Into<String>) -> Self {
        self.work_phone = non_empty(value);
        self
    }
}

/// An ISO 3166-1 alpha-2 country code, stored upper-case ("NL").
///
/// ```
/// use hr_core::CountryCode;
///
/// assert_eq!(CountryCode::new("nl")?.as_str(), "NL");
/// assert!(CountryCode::new("NLD").is_err());
/// # Ok::<(), hr_core::employee::InvalidCountryCode>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode([u8; 2]);

/// A text that is not two ASCII letters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an ISO 3166-1 alpha-2 country code (two letters such as NL)")]
pub struct InvalidCountryCode(pub String);

impl CountryCode {
    /// Checks and upper-cases a two-letter code.
    ///
    /// # Errors
    /// [`InvalidCountryCode`] unless the text is exactly two ASCII letters.
    pub fn new(code: &str) -> Result<Self, InvalidCountryCode> {
        match code.as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Ok(Self([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => Err(InvalidCountryCode(code.to_owned())),
        }
    }

    /// The code as a string slice.
    pub fn as_str(&self) -> &str {
        // Both bytes are ASCII letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountryCode({})", self.as_str())
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl TryFrom<String> for CountryCode {
    type Error = InvalidCountryCode;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(&s)
    }
}

impl From<CountryCode> for String {
    fn from(c: CountryCode) -> String {
        c.as_str().to_owned()
    }
}

/// A postal address, Dutch style: house number and addition kept apart.
///
/// ```
/// use hr_core::{CountryCode, PostalAddress};
///
/// let mut address = PostalAddress::default();
/// address.street = Some("Keizersgracht".into());
/// address.house_number = Some("123".into());
/// address.house_number_addition = Some("B".into());
/// address.country = Some(CountryCode::new("NL")?);
/// assert_eq!(address.street_line().as_deref(), Some("Keizersgracht 123 B"));
/// # Ok::<(), hr_core::employee::InvalidCountryCode>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PostalAddress {
    /// Street name.
    pub street: Option<String>,
    /// House number.
    pub house_number: Option<String>,
    /// House number addition ("A", "bis", "3-hoog").
    pub house_number_addition: Option<String>,
    /// Postal code as recorded ("1015 CJ").
    pub postal_code: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State or province.
    pub state: Option<String>,
    /// Country.
    pub country: Option<CountryCode>,
}

impl PostalAddress {
    /// Street, number and addition on one line, or `None` when no street is recorded.
    pub fn street_line(&self) -> Option<String> {
        let street = self.street.as_deref().filter(|s| !s.trim().is_empty())?;
        let parts = [
            Some(street),
            self.house_number.as_deref(),
            self.house_number_addition.as_deref(),
        ];
        let words: Vec<&str> = parts
            .into_iter()
            .flatten()
            .flat_map(str::split_whitespace)
            .collect();
        Some(words.join(" "))
    }

    /// True when no field is recorded.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// The company (legal entity) a person is employed by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CompanyRef {
    /// The company's key.
    pub id: CompanyId,
    /// The company's name.
    pub name: String,
}

impl CompanyRef {
    /// A company reference.
    pub fn new(id: CompanyId, name: impl Into<String>) -> Self {
        Self {
            id,
            name: name.into(),
        }
    }
}

/// A reference to an org unit (a department, for instance) from a person's record.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrgUnitRef {
    /// The unit's key; the snapshot's [`OrgUnit`] list has the unit itself.
    pub id: OrgUnitId,
    /// The unit's name as shown to people ("Finance").
    pub name: String,
}

impl OrgUnitRef {
    /// An org unit reference.
    pub fn new(id: OrgUnitId, name: impl Into<String>) -> Self {
        Self {
            id,
            name: name.into(),
        }
    }
}

/// A value from an HR code list: a code with an optional human label, such as a cost
/// centre ("FIN-01", "Finance") or an employee type ("2", "external").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Coded {
    /// The code as the HR system stores it.
    pub code: String,
    /// The human label, when the HR system has one.
    pub label: Option<String>,
}

impl Coded {
    /// A code with an optional label (an empty label is `None`).
    pub fn new(code: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            label: non_empty(label),
        }
    }
}

/// Where a person sits in the organisation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrgData {
    /// The employing company.
    pub company: Option<CompanyRef>,
    /// The current department.
    pub department: Option<OrgUnitRef>,
    /// The current job title (Nmbrs *function*).
    pub job_title: Option<String>,
    /// The current (default) cost centre.
    pub cost_center: Option<Coded>,
    /// The employee type (payroll, external, …) as the HR system codes it.
    pub employee_type: Option<Coded>,
}

/// Who a person reports to.
///
/// Managers are not always employees: Nmbrs keeps a separate manager list that only
/// carries names and e-mail addresses, so an adapter resolves a manager to an
/// [`EmployeeId`] when it can and otherwise keeps what it knows.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ManagerRef {
    /// The manager is a person in the same HR source.
    Employee {
        /// The manager's key.
        id: EmployeeId,
    },
    /// The manager is not (known to be) an employee.
    External {
        /// The manager's name, as recorded.
        name: Option<String>,
        /// The manager's e-mail address, as recorded.
        email: Option<String>,
    },
}

impl ManagerRef {
    /// A manager who is an employee.
    pub fn employee(id: EmployeeId) -> Self {
        Self::Employee { id }
    }

    /// A manager known only by name and/or e-mail; `None` when both are empty.
    pub fn external(name: impl Into<String>, email: impl Into<String>) -> Option<Self> {
        let (name, email) = (non_empty(name), non_empty(email));
        if name.is_none() && email.is_none() {
            return None;
        }
        Some(Self::External { name, email })
    }

    /// The manager's key when the manager is an employee.
    pub fn employee_id(&self) -> Option<&EmployeeId> {
        match self {
            Self::Employee { id } => Some(id),
            Self::External { .. } => None,
        }
    }
}

/// One employment (contract) interval, in civil dates of the person's time zone.
///
/// Both ends are inclusive: `end` is the last working day. `end = None` means open-ended.
/// The end is never before the start; [`Employment::new`] enforces it.
///
/// ```
/// use chrono::NaiveDate;
/// use hr_core::Employment;
///
/// let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
/// let contract = Employment::new(d(2024, 1, 1), Some(d(2024, 12, 31)))?;
/// assert!(contract.contains(d(2024, 12, 31)));
/// assert!(!contract.contains(d(2025, 1, 1)));
/// assert!(Employment::new(d(2024, 2, 1), Some(d(2024, 1, 31))).is_err());
/// # Ok::<(), hr_core::employee::InvalidEmployment>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "EmploymentRepr")]
pub struct Employment {
    start: NaiveDate,
    end: Option<NaiveDate>,
}

/// An employment whose end date lies before its start date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("end date {end} is before start date {start}")]
pub struct InvalidEmployment {
    /// The start date given.
    pub start: NaiveDate,
    /// The end date given.
    pub end: NaiveDate,
}

#[derive(Deserialize)]
struct EmploymentRepr {
    start: NaiveDate,
    end: Option<NaiveDate>,
}

impl TryFrom<EmploymentRepr> for Employment {
    type Error = InvalidEmployment;
    fn try_from(r: EmploymentRepr) -> Result<Self, Self::Error> {
        Self::new(r.start, r.end)
    }
}

impl Employment {
    /// An employment from `start` to `end` (inclusive; `None` = open-ended).
    ///
    /// # Errors
    /// [`InvalidEmployment`] when `end` is before `start`.
    pub fn new(start: NaiveDate, end: Option<NaiveDate>) -> Result<Self, InvalidEmployment> {
        match end {
            Some(end) if end < start => Err(InvalidEmployment { start, end }),
            _ => Ok(Self { start, end }),
        }
    }

    /// An open-ended employment from `start`.
    pub fn open(start: NaiveDate) -> Self {
        Self { start, end: None }
    }

    /// The first day.
    pub fn start(&self) -> NaiveDate {
        self.start
    }

    /// The last day, if the employment ends.
    pub fn end(&self) -> Option<NaiveDate> {
        self.end
    }

    /// True when `date` falls within the employment.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && self.end.is_none_or(|end| date <= end)
    }
}

impl fmt::Display for Employment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.end {
            Some(end) => write!(f, "{}..{}", self.start, end),
            None => write!(f, "{}..", self.start),
        }
    }
}

/// Merges employments into the periods a person was continuously employed.
///
/// Overlapping or back-to-back employments (one ends the day before the next starts)
/// become one period; a gap of at least one day separates a leave from a rehire. The
/// result is sorted by start date.
///
/// ```
/// use chrono::NaiveDate;
/// use hr_core::{Employment, merge_employments};
///
/// let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
/// let periods = merge_employments(&[
///     Employment::new(d(2023, 1, 1), Some(d(2023, 12, 31)))?,
///     Employment::new(d(2024, 1, 1), Some(d(2024, 6, 30)))?, // renewal: no gap
///     Employment::open(d(2025, 3, 1)),                        // rehire after a gap
/// ]);
/// assert_eq!(periods, vec![
///     Employment::new(d(2023, 1, 1), Some(d(2024, 6, 30)))?,
///     Employment::open(d(2025, 3, 1)),
/// ]);
/// # Ok::<(), hr_core::employee::InvalidEmployment>(())
/// ```
pub fn merge_employments(employments: &[Employment]) -> Vec<Employment> {
    let mut sorted = employments.to_vec();
    sorted.sort_unstable();
    let mut merged: Vec<Employment> = Vec::with_capacity(sorted.len());
    for next in sorted {
        match merged.last_mut() {
            Some(current) if continues(current, &next) => {
                current.end = match (current.end, next.end) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
            }
            _ => merged.push(next),
        }
    }
    merged
}

/// True when `next` (starting no earlier than `current`) overlaps or directly follows it.
fn continues(current: &Employment, next: &Employment) -> bool {
    match current.end {
        None => true,
        Some(end) => end
            .succ_opt()
            .is_none_or(|day_after| next.start <= day_after),
    }
}

/// A person as the HR system knows them.
///
/// Build one with [`Employee::new`] and the `with_*` methods; read and change fields
/// directly. Absent values are `None`, never empty strings.
///
/// ```
/// use chrono::NaiveDate;
/// use hr_core::{Contact, Employee, EmployeeId, Employment, PersonName};
///
/// let start = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
/// let employee = Employee::new(EmployeeId::new("603464")?, PersonName::new("Anouk", "Vries"))
///     .with_employee_number("2")
///     .with_contact(Contact::default().with_work_email("anouk@acme.example"))
///     .with_time_zone(chrono_tz::Europe::Amsterdam)
///     .with_employment(Employment::open(start));
/// assert_eq!(employee.employments.len(), 1);
/// # Ok::<(), hr_core::IdError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Employee {
    /// The stable HR key.
    pub id: EmployeeId,
    /// The employee number shown to people; not unique across companies, never a key.
    pub employee_number: Option<String>,
    /// The person's name.
    pub name: PersonName,
    /// E-mail addresses and phone numbers.
    #[serde(default)]
    pub contact: Contact,
    /// Home or postal address.
    pub address: Option<PostalAddress>,
    /// Company, department, job title, cost centre, employee type.
    #[serde(default)]
    pub org: OrgData,
    /// Who the person reports to.
    pub manager: Option<ManagerRef>,
    /// The person's IANA time zone; `None` means the lifecycle policy's default zone.
    pub time_zone: Option<Tz>,
    /// Every employment on record, in any order, possibly overlapping or with gaps.
    #[serde(default)]
    pub employments: Vec<Employment>,
    /// Adapter-specific fields, by key.
    #[serde(default)]
    pub custom: BTreeMap<String, String>,
}

impl Employee {
    /// A person with a key and a name; everything else empty.
    pub fn new(id: EmployeeId, name: PersonName) -> Self {
        Self {
            id,
            employee_number: None,
            name,
            contact: Contact::default(),
            address: None,
            org: OrgData::default(),
            manager: None,
            time_zone: None,
            employments: Vec::new(),
            custom: BTreeMap::new(),
        }
    }

    /// Sets the employee number (empty means none).
    pub fn with_employee_number(mut self, number: impl Into<String>) -> Self {
        self.employee_number = non_empty(number);
        self
    }
    /// Sets the contact details.
    pub fn with_contact(mut self, contact: Contact) -> Self {
        self.contact = contact;
        self
    }
    /// Sets the address; an address with no field set is stored as `None`.
    pub fn with_address(mut self, address: PostalAddress) -> Self {
        self.address = (!address.is_empty()).then_some(address);
        self
    }
    /// Sets the org data.
    pub fn with_org(mut self, org: OrgData) -> Self {
        self.org = org;
        self
    }
    /// Sets the manager.
    pub fn with_manager(mut self, manager: ManagerRef) -> Self {
        self.manager = Some(manager);
        self
    }
    /// Sets the time zone.
    pub fn with_time_zone(mut self, zone: Tz) -> Self {
        self.time_zone = Some(zone);
        self
    }
    /// Adds an employment.
    pub fn with_employment(mut self, employment: Employment) -> Self {
        self.employments.push(employment);
        self
    }
    /// Sets a custom field (an empty value removes it).
    pub fn with_custom(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let key = key.into();
        match non_empty(value) {
            Some(value) => self.custom.insert(key, value),
            None => self.custom.remove(&key),
        };
        self
    }

    /// The company key, if the person has a company.
    pub fn company_id(&self) -> Option<&CompanyId> {
        self.org.company.as_ref().map(|c| &c.id)
    }
}

/// What kind of unit an [`OrgUnit`] is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OrgUnitKind {
    /// A legal entity; its [`OrgUnitId`] equals its [`CompanyId`].
    Company,
    /// A department.
    Department,
    /// A team.
    Team,
    /// A cost centre.
    CostCenter,
    /// A location or site.
    Location,
    /// Anything else, named by the adapter.
    Other(String),
}

/// A unit of the organisation: company, department, team…
///
/// ```
/// use hr_core::{OrgUnit, OrgUnitId, OrgUnitKind};
///
/// let finance = OrgUnit::new(OrgUnitId::new("10")?, "Finance", OrgUnitKind::Department)
///     .with_parent(OrgUnitId::new("1001")?);
/// assert_eq!(finance.parent.as_ref().map(|p| p.as_str()), Some("1001"));
/// # Ok::<(), hr_core::IdError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrgUnit {
    /// The unit's key.
    pub id: OrgUnitId,
    /// The unit's name.
    pub name: String,
    /// What kind of unit it is.
    pub kind: OrgUnitKind,
    /// The parent unit; it may lie outside the snapshot (a company filter, for instance).
    pub parent: Option<OrgUnitId>,
}

impl OrgUnit {
    /// A unit without parent.
    pub fn new(id: OrgUnitId, name: impl Into<String>, kind: OrgUnitKind) -> Self {
        Self {
            id,
            name: name.into(),
            kind,
            parent: None,
        }
    }

    /// Sets the parent unit.
    pub fn with_parent(mut self, parent: OrgUnitId) -> Self {
        self.parent = Some(parent);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn merge_joins_overlaps_and_renewals_and_keeps_gaps() {
        let e = |s, t: Option<NaiveDate>| Employment::new(s, t).unwrap();
        let periods = merge_employments(&[
            e(d(2024, 1, 1), None),
            e(d(2019, 3, 1), Some(d(2022, 8, 31))),
            e(d(2022, 1, 1), Some(d(2024, 6, 30))),
            e(d(2018, 1, 1), Some(d(2018, 12, 31))),
        ]);
        assert_eq!(
            periods,
            vec![
                e(d(2018, 1, 1), Some(d(2018, 12, 31))),
                e(d(2019, 3, 1), None)
            ]
        );
        assert!(merge_employments(&[]).is_empty());
        // A one-day gap is a rehire.
        let gap = merge_employments(&[
            e(d(2020, 1, 1), Some(d(2020, 1, 31))),
            e(d(2020, 2, 2), None),
        ]);
        assert_eq!(gap.len(), 2);
        // Contained contract does not shorten the outer one.
        let inner = merge_employments(&[
            e(d(2020, 1, 1), Some(d(2020, 12, 31))),
            e(d(2020, 3, 1), Some(d(2020, 4, 30))),
        ]);
        assert_eq!(inner, vec![e(d(2020, 1, 1), Some(d(2020, 12, 31)))]);
    }

    #[test]
    fn merge_handles_the_last_representable_day() {
        let last = NaiveDate::MAX;
        let periods = merge_employments(&[
            Employment::new(d(2020, 1, 1), Some(last)).unwrap(),
            Employment::open(d(2021, 1, 1)),
        ]);
        assert_eq!(periods, vec![Employment::open(d(2020, 1, 1))]);
    }

    #[test]
    fn employment_serde_rejects_end_before_start() {
        let err =
            serde_json::from_str::<Employment>(r#"{"start":"2024-02-01","end":"2024-01-31"}"#)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
        assert!(
            err.contains("end date 2024-01-31 is before start date 2024-02-01"),
            "{err}"
        );
    }

    #[test]
    fn empty_values_are_none() {
        let e = Employee::new(EmployeeId::new("1").unwrap(), PersonName::new("A", "B"))
            .with_employee_number(" ")
            .with_custom("x", "1")
            .with_custom("x", "")
            .with_address(PostalAddress::default());
        assert_eq!(e.employee_number, None);
        assert!(e.custom.is_empty());
        assert_eq!(e.address, None);
        assert_eq!(ManagerRef::external("", " "), None);
    }

    #[test]
    fn country_codes_are_two_letters() {
        assert_eq!(
            CountryCode::new("de").map(|c| c.to_string()),
            Ok("DE".to_owned())
        );
        for bad in ["", "N", "N1", "NLD", "ñl"] {
            assert!(CountryCode::new(bad).is_err(), "{bad}");
        }
    }
}
