//! The records Nmbrs returns, as typed values.
//!
//! Every field Nmbrs may leave out, send empty or send as `xsi:nil` is an `Option`.
//! Unknown elements are ignored, so new Nmbrs fields never break parsing.

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use secrecy::{ExposeSecret, SecretString};

macro_rules! int_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i32);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim().parse().map(Self)
            }
        }
    };
}

int_id!(
    /// Nmbrs's internal employee id: unique and stable, the key of a person.
    ///
    /// ```
    /// let id: nmbrs_client::EmployeeId = "603463".parse().unwrap();
    /// assert_eq!(id.to_string(), "603463");
    /// ```
    EmployeeId
);
int_id!(
    /// A company id (`Company/ID`).
    ///
    /// ```
    /// assert_eq!(nmbrs_client::CompanyId(65757).to_string(), "65757");
    /// ```
    CompanyId
);
int_id!(
    /// A debtor id (`Debtor/Id`).
    ///
    /// ```
    /// assert_eq!(nmbrs_client::DebtorId(4242).0, 4242);
    /// ```
    DebtorId
);

/// A company (`CompanyService.List_GetAll`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Company {
    /// `ID` (spelled `Id` by some operations; both are read).
    pub id: Option<CompanyId>,
    /// `Number`: the company's number in the environment.
    pub number: Option<String>,
    /// `Name`.
    pub name: Option<String>,
    /// `PhoneNumber`.
    pub phone_number: Option<String>,
    /// `FaxNumber`.
    pub fax_number: Option<String>,
    /// `Email`.
    pub email: Option<String>,
    /// `Website`.
    pub website: Option<String>,
    /// `LoonaangifteTijdvak` (`Month`, `Week4`, …).
    pub loonaangifte_tijdvak: Option<String>,
    /// `KvkNr`: Chamber of Commerce number.
    pub kvk_nr: Option<String>,
}

/// A debtor (`DebtorService.List_GetAll`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Debtor {
    /// `Id`.
    pub id: Option<DebtorId>,
    /// `Number`.
    pub number: Option<String>,
    /// `Name`.
    pub name: Option<String>,
}

/// The environment of the API user (`DebtorService.Environment_Get`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EnvironmentInfo {
    /// `Domain`, e.g. `acme.nmbrs.nl`.
    pub domain: Option<String>,
    /// `SubDomain`, e.g. `acme`: the value for the `Domain` of the auth header.
    pub sub_domain: Option<String>,
}

/// An employee type (`EmployeeService.EmployeeType_GetList`): environment data, never
/// hard-coded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EmployeeType {
    /// `Id`: the value `List_GetByCompany` takes.
    pub id: Option<i32>,
    /// `Description`, e.g. `Payroll`.
    pub description: Option<String>,
}

/// A person in a company listing (`EmployeeService.List_GetByCompany`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EmployeeSummary {
    /// `Id`: the employee id.
    pub id: Option<EmployeeId>,
    /// `Number`: the employee number, unique only within the company.
    pub number: Option<String>,
    /// `DisplayName`.
    pub display_name: Option<String>,
}

/// The records of one employee in a company-wide history call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EmployeeRecords<T> {
    /// `EmployeeId`.
    pub employee_id: EmployeeId,
    /// The records, in the order Nmbrs sent them.
    pub records: Vec<T>,
}

impl<T> EmployeeRecords<T> {
    /// Records of `employee_id`.
    pub fn new(employee_id: EmployeeId, records: Vec<T>) -> Self {
        Self {
            employee_id,
            records,
        }
    }
}

/// When a history record takes effect: a payroll period of a year.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Effective {
    /// `StartYear`.
    pub year: i32,
    /// `StartPeriod`.
    pub period: i32,
}

/// One personal-info record (`PersonalInfo_V2`) of an employee's history.
///
/// The BSN (citizen service number) is never part of it: see
/// [`crate::NmbrsClient::personal_info_with_bsn`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PersonalInfo {
    /// `Id`: the record's id.
    pub id: Option<i32>,
    /// `DisplayName`.
    pub display_name: Option<String>,
    /// `EmployeeNumber`.
    pub employee_number: Option<String>,
    /// `Title`.
    pub title: Option<String>,
    /// `FirstName`.
    pub first_name: Option<String>,
    /// `Initials`.
    pub initials: Option<String>,
    /// `Prefix` (tussenvoegsel).
    pub prefix: Option<String>,
    /// `LastName`.
    pub last_name: Option<String>,
    /// `Nickname` (roepnaam).
    pub nickname: Option<String>,
    /// `Gender` as sent (`male`, `female`, `undefined`, or a number).
    pub gender: Option<String>,
    /// `PartnerPrefix`.
    pub partner_prefix: Option<String>,
    /// `PartnerLastName`.
    pub partner_last_name: Option<String>,
    /// `TelephonePrivate`.
    pub telephone_private: Option<String>,
    /// `TelephoneWork`.
    pub telephone_work: Option<String>,
    /// `TelephoneMobilePrivate`.
    pub telephone_mobile_private: Option<String>,
    /// `TelephoneMobileWork`.
    pub telephone_mobile_work: Option<String>,
    /// `TelephoneOther`.
    pub telephone_other: Option<String>,
    /// `EmailPrivate`.
    pub email_private: Option<String>,
    /// `EmailWork`.
    pub email_work: Option<String>,
    /// `Naamstelling`: naming convention 1..4.
    pub naamstelling: Option<i32>,
    /// `Birthday` (`0001-01-01` and nil are `None`).
    pub birthday: Option<NaiveDate>,
    /// `CreationDate`: when the record was entered.
    pub creation_date: Option<NaiveDateTime>,
    /// `StartYear`/`StartPeriod`: when the record takes effect.
    pub effective: Option<Effective>,
}

/// A citizen service number. It never shows in `Debug` output.
#[derive(Clone)]
pub struct Bsn(SecretString);

impl Bsn {
    pub(crate) fn new(value: String) -> Self {
        Self(SecretString::from(value))
    }

    /// The number itself. Handle with care: it is personal data.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Bsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bsn(<redacted>)")
    }
}

/// A personal-info record with the BSN, from the opt-in BSN call.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PersonalInfoWithBsn {
    /// The record.
    pub info: PersonalInfo,
    /// `BSN`.
    pub bsn: Option<Bsn>,
}

/// One employment (`Employment`): the hire and termination dates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EmploymentRecord {
    /// `EmploymentId`.
    pub employment_id: Option<i32>,
    /// `CreationDate`.
    pub creation_date: Option<NaiveDateTime>,
    /// `StartDate`.
    pub start_date: Option<NaiveDate>,
    /// `EndDate`: `None` while the employment is open.
    pub end_date: Option<NaiveDate>,
    /// `InitialStartDate`.
    pub initial_start_date: Option<NaiveDate>,
}

/// One contract (`EmployeeContract`). The same `ContractID` may occur more than once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ContractRecord {
    /// `ContractID`.
    pub contract_id: Option<i32>,
    /// `CreationDate`.
    pub creation_date: Option<NaiveDateTime>,
    /// `StartDate`.
    pub start_date: Option<NaiveDate>,
    /// `TrialPeriod`: end of the trial period.
    pub trial_period: Option<NaiveDate>,
    /// `EndDate`.
    pub end_date: Option<NaiveDate>,
    /// `EmployementType` (sic).
    pub employment_type: Option<i32>,
    /// `EmploymentSequenceTaxId`.
    pub employment_sequence_tax_id: Option<i32>,
    /// `Indefinite`.
    pub indefinite: Option<bool>,
    /// `PhaseClassification`.
    pub phase_classification: Option<i32>,
    /// `WrittenContract`.
    pub written_contract: Option<bool>,
    /// `HoursPerWeek`.
    pub hours_per_week: Option<Decimal>,
}

/// A department, function or cost centre as `Id`, `Code` and `Description`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CodeItem {
    /// `Id`.
    pub id: Option<i32>,
    /// `Code` (an integer for departments and functions, any text for cost centres).
    pub code: Option<String>,
    /// `Description`.
    pub description: Option<String>,
}

/// One department assignment (`Department_V2`) of an employee's history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DepartmentRecord {
    /// The department: `Id`, `Code`, `Description`.
    pub department: CodeItem,
    /// `CreationDate`.
    pub creation_date: Option<NaiveDateTime>,
    /// `StartYear`/`StartPeriod`.
    pub effective: Option<Effective>,
}

/// One function (job title) assignment (`EmployeeFunction`) of an employee's history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FunctionRecord {
    /// `RecordId`.
    pub record_id: Option<i32>,
    /// `Function`: `Id`, `Code`, `Description`.
    pub function: CodeItem,
    /// `CreationDate`.
    pub creation_date: Option<NaiveDateTime>,
    /// `StartYear`/`StartPeriod`.
    pub effective: Option<Effective>,
}

/// One address (`EmployeeAddress_V2`) of an employee's history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AddressRecord {
    /// `Id`.
    pub id: Option<i32>,
    /// `StartYear`/`StartPeriod`.
    pub effective: Option<Effective>,
    /// `EndYear`/`EndPeriod`: the last period the address holds, `None` while current.
    pub ends: Option<Effective>,
    /// `Street`.
    pub street: Option<String>,
    /// `HouseNumber`.
    pub house_number: Option<String>,
    /// `HouseNumberAddition`.
    pub house_number_addition: Option<String>,
    /// `PostalCode`.
    pub postal_code: Option<String>,
    /// `City`.
    pub city: Option<String>,
    /// `StateProvince`.
    pub state_province: Option<String>,
    /// `CreationDate`.
    pub creation_date: Option<NaiveDateTime>,
    /// `CountryISOCode`.
    pub country_iso_code: Option<String>,
    /// `Type`: `HomeAddress`, `PostAddress`, `AbsenceAddress`, …
    pub address_type: Option<String>,
}

/// One cost-centre share (`EmployeeCostCenter`) of an employee.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CostCenterShare {
    /// `Id`.
    pub id: Option<i32>,
    /// `CostCenter`: `Id`, `Code` (text), `Description`.
    pub cost_center: CodeItem,
    /// `Kostensoort`: the cost type, `Code` and `Description`.
    pub kostensoort: CodeItem,
    /// `Percentage`.
    pub percentage: Option<Decimal>,
    /// `Default`.
    pub default: Option<bool>,
}

/// A manager (`Manager_GetCurrent`, `Manager_GetList`): a debtor-level entity, not an
/// employee reference.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Manager {
    /// `Number`.
    pub number: Option<String>,
    /// `FirstName`.
    pub first_name: Option<String>,
    /// `Name`: the family name.
    pub name: Option<String>,
    /// `Department`.
    pub department: Option<String>,
    /// `Function`.
    pub function: Option<String>,
    /// `PhoneNumber`.
    pub phone_number: Option<String>,
    /// `Mobile`.
    pub mobile: Option<String>,
    /// `Fax`.
    pub fax: Option<String>,
    /// `Email`.
    pub email: Option<String>,
}

impl Manager {
    /// `FirstName Name`, or whichever is present.
    ///
    /// ```
    /// let mut m = nmbrs_client::Manager::default();
    /// m.first_name = Some("Petra".into());
    /// m.name = Some("Smit".into());
    /// assert_eq!(m.full_name().as_deref(), Some("Petra Smit"));
    /// ```
    pub fn full_name(&self) -> Option<String> {
        let parts: Vec<&str> = [self.first_name.as_deref(), self.name.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// The kind of payroll period of a company.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PeriodKind {
    /// `M`: months, 12 per year.
    Month,
    /// `4W` / `W4`: four weeks, 13 per year.
    FourWeeks,
    /// `W` / `W1` / `1W`: weeks.
    Week,
    /// Anything else, as sent.
    Other(String),
}

/// A company's current payroll period (`Company_GetCurrentPeriod`: `yyyy-p-type`).
///
/// ```
/// use nmbrs_client::{Period, PeriodKind};
/// let p: Period = "2010-4-4W".parse().unwrap();
/// assert_eq!((p.year, p.period, p.kind), (2010, 4, PeriodKind::FourWeeks));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Period {
    /// The year.
    pub year: i32,
    /// The period number within the year.
    pub period: i32,
    /// The kind of period.
    pub kind: PeriodKind,
}

impl Period {
    /// A period from its parts.
    pub fn new(year: i32, period: i32, kind: PeriodKind) -> Self {
        Self { year, period, kind }
    }

    /// The period as an [`Effective`] point, to compare with history records.
    pub fn as_effective(&self) -> Effective {
        Effective {
            year: self.year,
            period: self.period,
        }
    }
}

/// A `Company_GetCurrentPeriod` value that is not `yyyy-p-type`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a period (yyyy-p-type): {0:?}")]
pub struct InvalidPeriod(pub String);

impl FromStr for Period {
    type Err = InvalidPeriod;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || InvalidPeriod(s.to_owned());
        let mut parts = s.trim().splitn(3, '-');
        let year = parts
            .next()
            .and_then(|y| y.trim().parse().ok())
            .ok_or_else(bad)?;
        let period: i32 = parts
            .next()
            .and_then(|p| p.trim().parse().ok())
            .ok_or_else(bad)?;
        if !(1..=53).contains(&period) {
            return Err(bad());
        }
        let kind = match parts
            .next()
            .map(|k| k.trim().to_ascii_uppercase())
            .as_deref()
        {
            None | Some("M" | "1M") => PeriodKind::Month,
            Some("4W" | "W4") => PeriodKind::FourWeeks,
            Some("W" | "W1" | "1W") => PeriodKind::Week,
            Some(other) => PeriodKind::Other(other.to_owned()),
        };
        Ok(Self { year, period, kind })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.kind {
            PeriodKind::Month => "M",
            PeriodKind::FourWeeks => "4W",
            PeriodKind::Week => "W",
            PeriodKind::Other(k) => k,
        };
        write!(f, "{}-{}-{kind}", self.year, self.period)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_leniently() {
        for (text, kind) in [
            ("2010-5-M", PeriodKind::Month),
            ("2010-4-4W", PeriodKind::FourWeeks),
            ("2010-4-W4", PeriodKind::FourWeeks),
            ("2024-33-W1", PeriodKind::Week),
            ("2024-3", PeriodKind::Month),
            ("2024-3-Q", PeriodKind::Other("Q".into())),
        ] {
            assert_eq!(text.parse::<Period>().map(|p| p.kind), Ok(kind), "{text}");
        }
        for bad in ["", "2024", "x-1-M", "2024-0-M", "2024-54-W"] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
    }

    #[test]
    fn bsn_never_shows_in_debug() {
        let rec = PersonalInfoWithBsn {
            info: PersonalInfo::default(),
            bsn: Some(Bsn::new("123456782".into())),
        };
        let shown = format!("{rec:?}");
        assert!(!shown.contains("123456782"), "{shown}");
        assert_eq!(rec.bsn.as_ref().map(Bsn::expose), Some("123456782"));
    }
}
