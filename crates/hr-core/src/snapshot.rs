//! A complete read of an HR source at one moment.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Employee, EmployeeId, Error, OrgUnit, OrgUnitId, Result};

/// Everyone an HR source holds in scope, its org units, and when and from where it was read.
///
/// Employee ids are unique within a snapshot ([`HrSnapshot::new`] refuses duplicates),
/// and lookups by id take constant time.
///
/// ```
/// use chrono::Utc;
/// use hr_core::{Employee, EmployeeId, HrSnapshot, PersonName};
///
/// let anouk = Employee::new(EmployeeId::new("1")?, PersonName::new("Anouk", "Vries"));
/// let snapshot = HrSnapshot::new("example", Utc::now(), vec![anouk], vec![])?;
/// assert_eq!(snapshot.employee(&EmployeeId::new("1")?).map(|e| e.name.display_name()),
///            Some("Anouk Vries".to_owned()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "SnapshotRepr")]
pub struct HrSnapshot {
    source: String,
    read_at: DateTime<Utc>,
    employees: Vec<Employee>,
    org_units: Vec<OrgUnit>,
    #[serde(skip)]
    employee_index: HashMap<EmployeeId, usize>,
    #[serde(skip)]
    org_unit_index: HashMap<OrgUnitId, usize>,
}

#[derive(Deserialize)]
struct SnapshotRepr {
    source: String,
    read_at: DateTime<Utc>,
    employees: Vec<Employee>,
    #[serde(default)]
    org_units: Vec<OrgUnit>,
}

impl TryFrom<SnapshotRepr> for HrSnapshot {
    type Error = Error;
    fn try_from(r: SnapshotRepr) -> Result<Self> {
        Self::new(r.source, r.read_at, r.employees, r.org_units)
    }
}

impl PartialEq for HrSnapshot {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
            && self.read_at == other.read_at
            && self.employees == other.employees
            && self.org_units == other.org_units
    }
}

impl HrSnapshot {
    /// A snapshot of `employees` and `org_units`, read from `source` at `read_at`.
    ///
    /// # Errors
    /// [`Error::InvalidData`] naming the id when an employee id or org unit id occurs twice.
    pub fn new(
        source: impl Into<String>,
        read_at: DateTime<Utc>,
        employees: Vec<Employee>,
        org_units: Vec<OrgUnit>,
    ) -> Result<Self> {
        let mut employee_index = HashMap::with_capacity(employees.len());
        for (i, e) in employees.iter().enumerate() {
            if employee_index.insert(e.id.clone(), i).is_some() {
                return Err(Error::invalid_data(
                    format!("employee {}", e.id),
                    "id",
                    "the same employee id occurs more than once",
                ));
            }
        }
        let mut org_unit_index = HashMap::with_capacity(org_units.len());
        for (i, u) in org_units.iter().enumerate() {
            if org_unit_index.insert(u.id.clone(), i).is_some() {
                return Err(Error::invalid_data(
                    format!("org unit {}", u.id),
                    "id",
                    "the same org unit id occurs more than once",
                ));
            }
        }
        Ok(Self {
            source: source.into(),
            read_at,
            employees,
            org_units,
            employee_index,
            org_unit_index,
        })
    }

    /// The name of the source this was read from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// When the read happened.
    pub fn read_at(&self) -> DateTime<Utc> {
        self.read_at
    }

    /// Everyone, in the source's order.
    pub fn employees(&self) -> &[Employee] {
        &self.employees
    }

    /// The person with this key.
    pub fn employee(&self, id: &EmployeeId) -> Option<&Employee> {
        self.employee_index
            .get(id)
            .and_then(|&i| self.employees.get(i))
    }

    /// Every org unit, in the source's order.
    pub fn org_units(&self) -> &[OrgUnit] {
        &self.org_units
    }

    /// The org unit with this key.
    pub fn org_unit(&self, id: &OrgUnitId) -> Option<&OrgUnit> {
        self.org_unit_index
            .get(id)
            .and_then(|&i| self.org_units.get(i))
    }

    /// The number of people.
    pub fn len(&self) -> usize {
        self.employees.len()
    }

    /// True when the snapshot holds nobody.
    pub fn is_empty(&self) -> bool {
        self.employees.is_empty()
    }

    /// Takes the people out of the snapshot.
    pub fn into_employees(self) -> Vec<Employee> {
        self.employees
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{OrgUnitKind, PersonName};

    fn person(id: &str) -> Employee {
        Employee::new(EmployeeId::new(id).unwrap(), PersonName::new("A", "B"))
    }

    #[test]
    fn duplicate_ids_are_refused_with_the_id_named() {
        let err = HrSnapshot::new(
            "t",
            Utc::now(),
            vec![person("7"), person("8"), person("7")],
            vec![],
        )
        .err()
        .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "invalid data in employee 7, field id: the same employee id occurs more than once"
            )
        );
        let unit = OrgUnit::new(OrgUnitId::new("u").unwrap(), "U", OrgUnitKind::Team);
        assert!(HrSnapshot::new("t", Utc::now(), vec![], vec![unit.clone(), unit]).is_err());
    }

    #[test]
    fn lookups_and_json_round_trip() {
        let unit = OrgUnit::new(
            OrgUnitId::new("10").unwrap(),
            "Finance",
            OrgUnitKind::Department,
        );
        let snap =
            HrSnapshot::new("t", Utc::now(), vec![person("1"), person("2")], vec![unit]).unwrap();
        assert_eq!(
            snap.employee(&EmployeeId::new("2").unwrap())
                .map(|e| e.id.as_str()),
            Some("2")
        );
        assert!(snap.employee(&EmployeeId::new("3").unwrap()).is_none());
        assert_eq!(
            snap.org_unit(&OrgUnitId::new("10").unwrap())
                .map(|u| u.name.as_str()),
            Some("Finance")
        );
        let json = serde_json::to_string(&snap).unwrap();
        let back: HrSnapshot = serde_json::from_str(&json).unwrap();
        assert_eq!(back, snap);
        assert!(
            back.employee(&EmployeeId::new("1").unwrap()).is_some(),
            "index rebuilt"
        );
        let dup = json.replace("\"id\":\"2\"", "\"id\":\"1\"");
        assert!(serde_json::from_str::<HrSnapshot>(&dup).is_err());
    }
}
