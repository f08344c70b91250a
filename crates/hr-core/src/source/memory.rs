//! An `HrSource` over data held in memory: the reference adapter, and the source tests
//! and demos change at will.

use std::collections::BTreeSet;
use std::sync::{PoisonError, RwLock};

use async_trait::async_trait;
use chrono::Utc;

use crate::source::{Capabilities, HrSource, SnapshotOptions};
use crate::{CompanyId, Employee, Error, HrSnapshot, OrgUnit, OrgUnitKind, Result};

#[derive(Debug, Default)]
struct Data {
    employees: Vec<Employee>,
    org_units: Vec<OrgUnit>,
}

/// An [`HrSource`] that serves the people and org units it was given.
///
/// The data can be replaced or edited between reads, which is how tests script an HR
/// change ("Anouk moves to Sales", "Jan leaves"). Ids are checked on every write, so a
/// read can never fail on duplicates.
///
/// ```
/// use hr_core::{Employee, EmployeeId, HrSourceExt, InMemorySource, PersonName};
///
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let source = InMemorySource::new("hr")
///     .with_employees(vec![Employee::new(EmployeeId::new("1")?, PersonName::new("Jan", "Smit"))])?;
/// assert_eq!(source.snapshot().await?.len(), 1);
///
/// source.update(|people, _units| people.clear())?;
/// assert!(source.snapshot().await?.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct InMemorySource {
    name: String,
    capabilities: Capabilities,
    data: RwLock<Data>,
}

impl InMemorySource {
    /// An empty source with every capability.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            capabilities: Capabilities::all(),
            data: RwLock::default(),
        }
    }

    /// Declares other capabilities (to test how callers cope with a poorer source).
    pub fn with_capabilities(mut self, capabilities: Capabilities) -> Self {
        self.capabilities = capabilities;
        self
    }

    /// Sets the people.
    ///
    /// # Errors
    /// [`Error::InvalidData`] when an employee id occurs twice.
    pub fn with_employees(self, employees: Vec<Employee>) -> Result<Self> {
        self.update(|people, _| *people = employees)?;
        Ok(self)
    }

    /// Sets the org units.
    ///
    /// # Errors
    /// [`Error::InvalidData`] when an org unit id occurs twice.
    pub fn with_org_units(self, org_units: Vec<OrgUnit>) -> Result<Self> {
        self.update(|_, units| *units = org_units)?;
        Ok(self)
    }

    /// Edits the data in place. The edit is applied only when the result is valid.
    ///
    /// # Errors
    /// [`Error::InvalidData`] when the edit leaves an id twice; the data is then unchanged.
    pub fn update(&self, edit: impl FnOnce(&mut Vec<Employee>, &mut Vec<OrgUnit>)) -> Result<()> {
        let mut data = self.data.write().unwrap_or_else(PoisonError::into_inner);
        let mut employees = data.employees.clone();
        let mut org_units = data.org_units.clone();
        edit(&mut employees, &mut org_units);
        // Validate with the same rules a snapshot applies.
        let checked = HrSnapshot::new(self.name.clone(), Utc::now(), employees, org_units)?;
        data.org_units = checked.org_units().to_vec();
        data.employees = checked.into_employees();
        Ok(())
    }

    fn known_companies(data: &Data) -> BTreeSet<CompanyId> {
        let from_people = data
            .employees
            .iter()
            .filter_map(|e| e.company_id().cloned());
        let from_units = data
            .org_units
            .iter()
            .filter(|u| u.kind == OrgUnitKind::Company)
            .filter_map(|u| CompanyId::new(u.id.as_str()).ok());
        from_people.chain(from_units).collect()
    }
}

/// Applies a company filter to a full read: unknown companies are [`Error::NotFound`];
/// company units outside the filter, and units only they parent, are left out.
pub(crate) fn filter_snapshot(
    source: &str,
    employees: &[Employee],
    org_units: &[OrgUnit],
    known_companies: &BTreeSet<CompanyId>,
    options: &SnapshotOptions,
) -> Result<HrSnapshot> {
    if let Some(wanted) = &options.companies
        && let Some(unknown) = wanted.iter().find(|c| !known_companies.contains(c))
    {
        return Err(Error::not_found(format!(
            "company {unknown} in source {source}"
        )));
    }
    let people: Vec<Employee> = employees
        .iter()
        .filter(|e| options.includes(e))
        .cloned()
        .collect();
    let excluded_company = |u: &OrgUnit| {
        u.kind == OrgUnitKind::Company
            && CompanyId::new(u.id.as_str()).is_ok_and(|c| !options.includes_company(&c))
    };
    let excluded: BTreeSet<&crate::OrgUnitId> = org_units
        .iter()
        .filter(|u| excluded_company(u))
        .map(|u| &u.id)
        .collect();
    let units: Vec<OrgUnit> = org_units
        .iter()
        .filter(|u| {
            !excluded.contains(&u.id) && !u.parent.as_ref().is_some_and(|p| excluded.contains(p))
        })
        .cloned()
        .collect();
    HrSnapshot::new(source, Utc::now(), people, units)
}

#[async_trait]
impl HrSource for InMemorySource {
    fn name(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities
    }

    async fn snapshot_opts(&self, options: &SnapshotOptions) -> Result<HrSnapshot> {
        let data = self.data.read().unwrap_or_else(PoisonError::into_inner);
        let known = Self::known_companies(&data);
        filter_snapshot(
            &self.name,
            &data.employees,
            &data.org_units,
            &known,
            options,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CompanyRef, EmployeeId, HrSourceExt, OrgData, OrgUnitId, PersonName};

    fn person(id: &str, company: &str) -> Employee {
        let org = OrgData {
            company: Some(CompanyRef::new(CompanyId::new(company).unwrap(), "C")),
            ..OrgData::default()
        };
        Employee::new(EmployeeId::new(id).unwrap(), PersonName::new("A", "B")).with_org(org)
    }

    #[tokio::test]
    async fn a_failed_update_changes_nothing() {
        let source = InMemorySource::new("m")
            .with_employees(vec![person("1", "a")])
            .unwrap();
        let err = source.update(|people, _| {
            people.push(person("2", "a"));
            people.push(person("1", "b"));
        });
        assert!(matches!(err, Err(Error::InvalidData { .. })));
        assert_eq!(source.snapshot().await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn company_filter_keeps_its_people_and_units() {
        let units = vec![
            OrgUnit::new(OrgUnitId::new("a").unwrap(), "A", OrgUnitKind::Company),
            OrgUnit::new(OrgUnitId::new("b").unwrap(), "B", OrgUnitKind::Company),
            OrgUnit::new(
                OrgUnitId::new("b-sales").unwrap(),
                "Sales",
                OrgUnitKind::Department,
            )
            .with_parent(OrgUnitId::new("b").unwrap()),
            OrgUnit::new(
                OrgUnitId::new("shared").unwrap(),
                "Shared",
                OrgUnitKind::Department,
            ),
        ];
        let source = InMemorySource::new("m")
            .with_employees(vec![person("1", "a"), person("2", "b"), person("3", "a")])
            .unwrap()
            .with_org_units(units)
            .unwrap();
        let only_a = SnapshotOptions::default().with_companies([CompanyId::new("a").unwrap()]);
        let snap = source.snapshot_opts(&only_a).await.unwrap();
        let ids: Vec<&str> = snap.employees().iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["1", "3"]);
        let units: Vec<&str> = snap.org_units().iter().map(|u| u.id.as_str()).collect();
        assert_eq!(units, ["a", "shared"]);
        let unknown = SnapshotOptions::default().with_companies([CompanyId::new("zz").unwrap()]);
        let err = source.snapshot_opts(&unknown).await.err();
        assert!(
            matches!(err, Some(Error::NotFound { ref what }) if what == "company zz in source m")
        );
    }
}
