//! [`NmbrsSource`]: Nmbrs as an [`hr_core::HrSource`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use async_trait::async_trait;
use chrono::{NaiveDate, TimeDelta, Utc};
use hr_core::{
    Capabilities, Coded, CompanyRef, Contact, CountryCode, Employee, Employment, HrSnapshot,
    HrSource, ManagerRef, NamingConvention, OrgData, OrgUnit, OrgUnitId, OrgUnitKind, OrgUnitRef,
    PersonName, PostalAddress, SnapshotOptions,
};
use tokio::task::JoinSet;

use crate::client::NmbrsClient;
use crate::error::{Error, ErrorKind};
use crate::history::{address_holds, current, current_or_next};
use crate::model::{
    AddressRecord, Company, CompanyId, CostCenterShare, DepartmentRecord, EmployeeId,
    EmployeeRecords, EmployeeSummary, EmployeeType, EmploymentRecord, FunctionRecord, Manager,
    Period, PersonalInfo,
};

/// Whose manager the source asks for. SOAP has no bulk manager call, so each person costs
/// one `Manager_GetCurrent`; the window keeps that to the people whose accounts matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ManagerScope {
    /// Nobody: no manager calls, `manager` is always `None`.
    None,
    /// Everyone, leavers of long ago included.
    All,
    /// People with an employment that overlaps today minus `days_after_end` ..
    /// today plus `days_before_start` (Dutch calendar). Make it cover your lifecycle
    /// policy's provisioning lead and grace period.
    Window {
        /// How far ahead a future hire's manager is fetched.
        days_before_start: u32,
        /// How long after an employment ends the manager is still fetched.
        days_after_end: u32,
    },
}

impl Default for ManagerScope {
    /// A window of 30 days on both sides.
    fn default() -> Self {
        Self::Window {
            days_before_start: 30,
            days_after_end: 30,
        }
    }
}

impl ManagerScope {
    fn includes(self, employments: &[Employment], today: NaiveDate) -> bool {
        match self {
            Self::None => false,
            Self::All => true,
            Self::Window {
                days_before_start,
                days_after_end,
            } => {
                let from = today - TimeDelta::days(i64::from(days_after_end));
                let to = today + TimeDelta::days(i64::from(days_before_start));
                employments
                    .iter()
                    .any(|e| e.start() <= to && e.end().is_none_or(|end| end >= from))
            }
        }
    }
}

/// Nmbrs as an HR source: every person of every visible company (or of the configured
/// ones), with a fixed number of bulk calls per company and one manager call per person
/// inside the [`ManagerScope`].
///
/// The field mapping is in `docs/nmbrs.md` of the repository. Citizen service numbers
/// and salaries are never fetched.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use hr_core::HrSourceExt;
/// use nmbrs_client::{ManagerScope, NmbrsClientBuilder, NmbrsSource};
///
/// let client = NmbrsClientBuilder::from_env()?.build()?;
/// let source = NmbrsSource::new(client).with_managers(ManagerScope::Window {
///     days_before_start: 14,
///     days_after_end: 30,
/// });
/// let snapshot = source.snapshot().await?;
/// println!("{} people", snapshot.len());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct NmbrsSource {
    client: NmbrsClient,
    name: String,
    companies: Option<BTreeSet<CompanyId>>,
    managers: ManagerScope,
    addresses: bool,
    private_contact: bool,
    cost_centers: bool,
}

impl NmbrsSource {
    /// A source named `nmbrs` reading every company the API user may see.
    pub fn new(client: NmbrsClient) -> Self {
        Self {
            client,
            name: "nmbrs".to_owned(),
            companies: None,
            managers: ManagerScope::default(),
            addresses: true,
            private_contact: true,
            cost_centers: true,
        }
    }

    /// Another name for logs and snapshots.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Reads only these companies.
    pub fn with_companies(mut self, companies: impl IntoIterator<Item = CompanyId>) -> Self {
        self.companies = Some(companies.into_iter().collect());
        self
    }

    /// Whose manager to fetch (default: [`ManagerScope::default`]).
    pub fn with_managers(mut self, scope: ManagerScope) -> Self {
        self.managers = scope;
        self
    }

    /// Whether to read home addresses (default: yes; one bulk call per company).
    pub fn with_addresses(mut self, on: bool) -> Self {
        self.addresses = on;
        self
    }

    /// Whether to keep private e-mail and mobile (default: yes).
    pub fn with_private_contact(mut self, on: bool) -> Self {
        self.private_contact = on;
        self
    }

    /// Whether to read cost centres (default: yes; one bulk call per company).
    pub fn with_cost_centers(mut self, on: bool) -> Self {
        self.cost_centers = on;
        self
    }

    /// The client, e.g. for its [`crate::CallStats`].
    pub fn client(&self) -> &NmbrsClient {
        &self.client
    }

    /// The companies to read: the configured ones and the options' ones, each of which
    /// must be visible to the API user.
    fn scope(
        &self,
        visible: &BTreeMap<CompanyId, Company>,
        options: &SnapshotOptions,
    ) -> Result<Vec<CompanyId>, hr_core::Error> {
        let known = |id: &CompanyId| visible.contains_key(id);
        if let Some(configured) = &self.companies
            && let Some(missing) = configured.iter().find(|c| !known(c))
        {
            return Err(hr_core::Error::not_found(format!(
                "company {missing} in source {} (not visible to the API user)",
                self.name
            )));
        }
        let mut scope: Vec<CompanyId> = match &self.companies {
            Some(configured) => configured.iter().copied().collect(),
            None => visible.keys().copied().collect(),
        };
        if let Some(wanted) = &options.companies {
            let mut narrowed = Vec::new();
            for id in wanted {
                match id.as_str().parse::<CompanyId>() {
                    Ok(c) if scope.contains(&c) => narrowed.push(c),
                    _ => {
                        return Err(hr_core::Error::not_found(format!(
                            "company {id} in source {}",
                            self.name
                        )));
                    }
                }
            }
            scope = narrowed;
        }
        Ok(scope)
    }
}

/// What one company's bulk calls returned.
struct CompanyData {
    company: CompanyRef,
    period: Period,
    lists: Vec<(EmployeeType, Vec<EmployeeSummary>)>,
    personal: Vec<EmployeeRecords<PersonalInfo>>,
    employments: Vec<EmployeeRecords<EmploymentRecord>>,
    departments: Vec<EmployeeRecords<DepartmentRecord>>,
    functions: Vec<EmployeeRecords<FunctionRecord>>,
    addresses: Vec<EmployeeRecords<AddressRecord>>,
    cost_centers: Vec<EmployeeRecords<CostCenterShare>>,
}

#[async_trait]
impl HrSource for NmbrsSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::default()
            .with_org_units(true)
            .with_managers(self.managers != ManagerScope::None)
            .with_addresses(self.addresses)
            .with_private_contact(self.private_contact)
    }

    async fn snapshot_opts(&self, options: &SnapshotOptions) -> hr_core::Result<HrSnapshot> {
        let read_at = Utc::now();
        let today = read_at
            .with_timezone(&chrono_tz::Europe::Amsterdam)
            .date_naive();
        let client = &self.client;
        let visible: BTreeMap<CompanyId, Company> = client
            .companies()
            .await?
            .into_iter()
            .filter_map(|c| c.id.map(|id| (id, c)))
            .collect();
        let scope = self.scope(&visible, options)?;
        let types = if scope.is_empty() {
            Vec::new()
        } else {
            client.employee_types().await?
        };
        let mut employees = Vec::new();
        let mut units = Units::default();
        for id in scope {
            let company = visible.get(&id).map_or_else(
                || CompanyRef::new(core_company(id), id.to_string()),
                |c| company_ref(id, c),
            );
            let data = self.read_company(id, company, &types).await?;
            units.company(&data.company);
            employees.extend(assemble(data, self.private_contact, &mut units)?);
        }
        self.resolve_managers(&mut employees, today).await?;
        tracing::info!(
            source = %self.name,
            people = employees.len(),
            calls = client.stats().calls,
            "nmbrs snapshot read"
        );
        HrSnapshot::new(self.name.clone(), read_at, employees, units.into_vec())
    }
}

impl NmbrsSource {
    /// The fixed set of bulk calls for one company, run concurrently within the client's
    /// limits.
    async fn read_company(
        &self,
        id: CompanyId,
        company: CompanyRef,
        types: &[EmployeeType],
    ) -> Result<CompanyData, Error> {
        let client = &self.client;
        let period = client.current_period(id).await?;
        let lists = async {
            let mut set = JoinSet::new();
            for (index, t) in types.iter().enumerate() {
                let Some(type_id) = t.id else { continue };
                let client = client.clone();
                set.spawn(async move {
                    client
                        .employees_by_company(id, type_id)
                        .await
                        .map(|list| (index, list))
                });
            }
            let mut lists = Vec::new();
            while let Some(joined) = set.join_next().await {
                let (index, list) = joined.map_err(|e| {
                    Error::new(ErrorKind::Transient, "a listing task failed").with_source(e)
                })??;
                lists.push((index, list));
            }
            lists.sort_by_key(|(index, _)| *index);
            Ok::<_, Error>(
                lists
                    .into_iter()
                    .filter_map(|(index, list)| types.get(index).map(|t| (t.clone(), list)))
                    .collect::<Vec<_>>(),
            )
        };
        let addresses = async {
            if self.addresses {
                client.addresses(id).await
            } else {
                Ok(Vec::new())
            }
        };
        let cost_centers = async {
            if self.cost_centers {
                client.cost_centers(id, &period).await
            } else {
                Ok(Vec::new())
            }
        };
        let (lists, personal, employments, departments, functions, addresses, cost_centers) = tokio::try_join!(
            lists,
            client.personal_info(id),
            client.employments(id),
            client.departments(id),
            client.functions(id),
            addresses,
            cost_centers,
        )?;
        Ok(CompanyData {
            company,
            period,
            lists,
            personal,
            employments,
            departments,
            functions,
            addresses,
            cost_centers,
        })
    }

    /// Fetches the managers of the people in scope and links them to people by e-mail.
    async fn resolve_managers(
        &self,
        employees: &mut [Employee],
        today: NaiveDate,
    ) -> Result<(), Error> {
        if self.managers == ManagerScope::None {
            return Ok(());
        }
        let mut set = JoinSet::new();
        for (index, e) in employees.iter().enumerate() {
            if !self.managers.includes(&e.employments, today) {
                continue;
            }
            let Ok(id) = e.id.as_str().parse::<EmployeeId>() else {
                continue;
            };
            let client = self.client.clone();
            set.spawn(async move { client.current_manager(id).await.map(|m| (index, m)) });
        }
        let mut found: Vec<(usize, Manager)> = Vec::new();
        while let Some(joined) = set.join_next().await {
            let (index, manager) = joined.map_err(|e| {
                Error::new(ErrorKind::Transient, "a manager task failed").with_source(e)
            })??;
            if let Some(m) = manager {
                found.push((index, m));
            }
        }
        let mut by_email: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, e) in employees.iter().enumerate() {
            if let Some(mail) = &e.contact.work_email {
                by_email
                    .entry(mail.trim().to_lowercase())
                    .or_default()
                    .push(index);
            }
        }
        for (index, m) in found {
            let matched = m
                .email
                .as_deref()
                .and_then(|mail| by_email.get(&mail.trim().to_lowercase()))
                .and_then(|people| pick_manager(employees, people, index, today));
            let reference = match matched {
                Some(other) => Some(ManagerRef::employee(employees[other].id.clone())),
                None => ManagerRef::external(
                    m.full_name().unwrap_or_default(),
                    m.email.clone().unwrap_or_default(),
                ),
            };
            if let Some(e) = employees.get_mut(index) {
                e.manager = reference;
            }
        }
        Ok(())
    }
}

/// The person a manager's e-mail points to: the only other person with that work e-mail,
/// or, when a transfer or rehire left several records with it, the only one employed
/// today. Anything else is ambiguous and stays an external manager.
fn pick_manager(
    employees: &[Employee],
    candidates: &[usize],
    report: usize,
    today: NaiveDate,
) -> Option<usize> {
    let others: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&c| c != report)
        .collect();
    if let [only] = others.as_slice() {
        return Some(*only);
    }
    let employed: Vec<usize> = others
        .into_iter()
        .filter(|&c| {
            employees
                .get(c)
                .is_some_and(|e| e.employments.iter().any(|j| j.contains(today)))
        })
        .collect();
    match employed.as_slice() {
        [only] => Some(*only),
        _ => None,
    }
}

fn core_company(id: CompanyId) -> hr_core::CompanyId {
    hr_core::CompanyId::new(id.to_string())
        .unwrap_or_else(|_| unreachable!("a decimal integer is a valid id"))
}

fn company_ref(id: CompanyId, c: &Company) -> CompanyRef {
    let name = c
        .name
        .clone()
        .or_else(|| c.number.clone())
        .unwrap_or_else(|| id.to_string());
    CompanyRef::new(core_company(id), name)
}

/// The snapshot's org units: companies and the departments people are in.
#[derive(Default)]
struct Units {
    units: BTreeMap<String, OrgUnit>,
}

impl Units {
    fn company(&mut self, c: &CompanyRef) {
        let id = OrgUnitId::new(c.id.as_str())
            .unwrap_or_else(|_| unreachable!("company ids are valid org unit ids"));
        if let Some(existing) = self.units.get(id.as_str()) {
            if existing.kind != OrgUnitKind::Company {
                tracing::warn!(unit = %id, "a company has the id of a department; the department is listed");
            }
            return;
        }
        self.units.insert(
            id.as_str().to_owned(),
            OrgUnit::new(id, c.name.clone(), OrgUnitKind::Company),
        );
    }

    fn department(&mut self, d: &OrgUnitRef) {
        if let Some(existing) = self.units.get(d.id.as_str())
            && existing.kind == OrgUnitKind::Company
        {
            tracing::warn!(unit = %d.id, "a department has the id of a company; the department is listed");
        }
        self.units.insert(
            d.id.as_str().to_owned(),
            OrgUnit::new(d.id.clone(), d.name.clone(), OrgUnitKind::Department),
        );
    }

    fn into_vec(self) -> Vec<OrgUnit> {
        self.units.into_values().collect()
    }
}

/// One person while their company's answers are put together.
#[derive(Default)]
struct Partial<'d> {
    summary: Option<&'d EmployeeSummary>,
    employee_type: Option<&'d EmployeeType>,
    personal: Option<&'d [PersonalInfo]>,
    employments: Option<&'d [EmploymentRecord]>,
    departments: Option<&'d [DepartmentRecord]>,
    functions: Option<&'d [FunctionRecord]>,
    addresses: Option<&'d [AddressRecord]>,
    cost_centers: Option<&'d [CostCenterShare]>,
}

/// Builds the company's people from its answers, in one pass over each (no per-person
/// search).
fn assemble(data: CompanyData, private: bool, units: &mut Units) -> Result<Vec<Employee>, Error> {
    let mut order: Vec<EmployeeId> = Vec::new();
    let mut people: HashMap<EmployeeId, Partial<'_>> = HashMap::new();
    for (t, list) in &data.lists {
        for s in list {
            let Some(id) = s.id else { continue };
            let p = people.entry(id).or_insert_with(|| {
                order.push(id);
                Partial::default()
            });
            if p.summary.is_none() {
                p.summary = Some(s);
                p.employee_type = Some(t);
            }
        }
    }
    for r in &data.personal {
        let p = people.entry(r.employee_id).or_insert_with(|| {
            order.push(r.employee_id);
            Partial::default()
        });
        p.personal = Some(&r.records);
    }
    macro_rules! attach {
        ($field:ident) => {
            for r in &data.$field {
                match people.get_mut(&r.employee_id) {
                    Some(p) => p.$field = Some(&r.records),
                    None => tracing::debug!(
                        employee = %r.employee_id,
                        what = stringify!($field),
                        "records of a person who is neither listed nor has personal info"
                    ),
                }
            }
        };
    }
    attach!(employments);
    attach!(departments);
    attach!(functions);
    attach!(addresses);
    attach!(cost_centers);

    let mut out = Vec::with_capacity(order.len());
    for id in order {
        let Some(p) = people.remove(&id) else {
            continue;
        };
        out.push(employee(id, &p, &data, private, units)?);
    }
    Ok(out)
}

fn record_of(id: EmployeeId) -> String {
    format!("employee {id}")
}

fn employee(
    id: EmployeeId,
    p: &Partial<'_>,
    data: &CompanyData,
    private: bool,
    units: &mut Units,
) -> Result<Employee, Error> {
    let period = &data.period;
    let personal = p.personal.and_then(|r| current_or_next(r, period));
    let name = person_name(id, personal, p.summary)?;
    let core_id = hr_core::EmployeeId::new(id.to_string())
        .unwrap_or_else(|_| unreachable!("a decimal integer is a valid id"));
    let mut e = Employee::new(core_id, name);
    e.employee_number = personal
        .and_then(|r| r.employee_number.clone())
        .or_else(|| p.summary.and_then(|s| s.number.clone()));
    if let Some(r) = personal {
        let mut contact = Contact::default();
        contact.work_email = r.email_work.clone();
        contact.work_mobile = r.telephone_mobile_work.clone();
        contact.work_phone = r.telephone_work.clone();
        if private {
            contact.private_email = r.email_private.clone();
            contact.private_mobile = r.telephone_mobile_private.clone();
        }
        e.contact = contact;
    }
    for record in p.employments.unwrap_or_default() {
        e.employments.push(employment(id, record)?);
    }
    let mut org = OrgData::default();
    org.company = Some(data.company.clone());
    if let Some(d) = p.departments.and_then(|r| current_or_next(r, period)) {
        let dept = org_unit_ref(id, &d.department)?;
        units.department(&dept);
        org.department = Some(dept);
    }
    org.job_title = p
        .functions
        .and_then(|r| current_or_next(r, period))
        .and_then(|f| f.function.description.clone());
    org.cost_center = p.cost_centers.and_then(main_cost_center);
    org.employee_type = p.employee_type.and_then(|t| {
        let code = t.id?.to_string();
        let mut coded = Coded::new(code, t.description.clone().unwrap_or_default());
        coded.label = t.description.clone().filter(|l| !l.trim().is_empty());
        Some(coded)
    });
    e.org = org;
    e.address = p.addresses.and_then(|r| home_address(id, r, period));
    Ok(e)
}

/// The Nmbrs → [`PersonName`] mapping. `Nickname` is the roepnaam (the name the person
/// goes by), `FirstName` the official first name(s); which of the two Nmbrs users fill
/// is inferred (research §3.2), so it lives here alone.
fn person_name(
    id: EmployeeId,
    personal: Option<&PersonalInfo>,
    summary: Option<&EmployeeSummary>,
) -> Result<PersonName, Error> {
    let family = personal
        .and_then(|r| r.last_name.clone())
        .or_else(|| personal.and_then(|r| r.display_name.clone()))
        .or_else(|| summary.and_then(|s| s.display_name.clone()))
        .ok_or_else(|| {
            Error::invalid_data(
                record_of(id),
                "PersonalInfo/LastName",
                "the person has no family name and no display name",
            )
        })?;
    let mut name = PersonName::new("", family);
    let Some(r) = personal else { return Ok(name) };
    name.given_name = r.nickname.clone();
    name.first_names = r.first_name.clone();
    name.initials = r.initials.clone();
    name.family_name_prefix = r.prefix.clone();
    name.partner_family_name_prefix = r.partner_prefix.clone();
    name.partner_family_name = r.partner_last_name.clone();
    name.convention = r
        .naamstelling
        .and_then(|code| NamingConvention::from_nmbrs_code(i64::from(code)))
        .unwrap_or_default();
    Ok(name)
}

fn employment(id: EmployeeId, r: &EmploymentRecord) -> Result<Employment, Error> {
    let start = r.start_date.ok_or_else(|| {
        Error::invalid_data(
            record_of(id),
            "Employment/StartDate",
            "an employment without a start date",
        )
    })?;
    Employment::new(start, r.end_date)
        .map_err(|e| Error::invalid_data(record_of(id), "Employment/EndDate", e.to_string()))
}

fn org_unit_ref(id: EmployeeId, d: &crate::model::CodeItem) -> Result<OrgUnitRef, Error> {
    let key =
        d.id.map(|i| i.to_string())
            .or_else(|| d.code.clone())
            .ok_or_else(|| {
                Error::invalid_data(record_of(id), "Department/Id", "a department without id")
            })?;
    let unit = OrgUnitId::new(key)
        .map_err(|e| Error::invalid_data(record_of(id), "Department/Id", e.to_string()))?;
    let name = d
        .description
        .clone()
        .or_else(|| d.code.clone())
        .unwrap_or_else(|| unit.to_string());
    Ok(OrgUnitRef::new(unit, name))
}

/// The default cost centre, else the one with the highest percentage (first on ties).
fn main_cost_center(shares: &[CostCenterShare]) -> Option<Coded> {
    let chosen = shares
        .iter()
        .filter(|s| s.cost_center.code.is_some())
        .find(|s| s.default == Some(true))
        .or_else(|| {
            shares
                .iter()
                .filter(|s| s.cost_center.code.is_some())
                .rev()
                .max_by_key(|s| s.percentage.unwrap_or_default())
        })?;
    let code = chosen.cost_center.code.clone()?;
    let mut coded = Coded::new(code, "");
    coded.label = chosen.cost_center.description.clone();
    Some(coded)
}

/// The current home address (else the current address of any type).
fn home_address(
    id: EmployeeId,
    records: &[AddressRecord],
    period: &Period,
) -> Option<PostalAddress> {
    let holding = || records.iter().filter(|a| address_holds(a, period));
    let homes = holding().filter(|a| a.address_type.as_deref() == Some("HomeAddress"));
    let chosen = current(homes, period).or_else(|| current(holding(), period))?;
    let mut address = PostalAddress::default();
    address.street = chosen.street.clone();
    address.house_number = chosen.house_number.clone();
    address.house_number_addition = chosen.house_number_addition.clone();
    address.postal_code = chosen.postal_code.clone();
    address.city = chosen.city.clone();
    address.state = chosen.state_province.clone();
    address.country = chosen.country_iso_code.as_deref().and_then(|code| {
        CountryCode::new(code)
            .inspect_err(|_| {
                tracing::warn!(employee = %id, field = "Address/CountryISOCode", "not an ISO 3166 alpha-2 code; country left empty");
            })
            .ok()
    });
    (!address.is_empty()).then_some(address)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn share(code: &str, percentage: i64, default: Option<bool>) -> CostCenterShare {
        let mut s = CostCenterShare::default();
        s.cost_center.code = Some(code.into());
        s.cost_center.description = Some(format!("{code} label"));
        s.percentage = Some(Decimal::from(percentage));
        s.default = default;
        s
    }

    #[test]
    fn the_default_cost_centre_wins_else_the_largest_share() {
        let with_default = [share("A", 60, Some(false)), share("B", 40, Some(true))];
        assert_eq!(
            main_cost_center(&with_default).map(|c| c.code),
            Some("B".into())
        );
        let without = [
            share("A", 30, None),
            share("B", 70, Some(false)),
            share("C", 70, None),
        ];
        assert_eq!(main_cost_center(&without).map(|c| c.code), Some("B".into()));
        assert_eq!(main_cost_center(&[]), None);
    }

    #[test]
    fn a_shared_manager_e_mail_resolves_to_the_one_employed_today() {
        let today = NaiveDate::from_ymd_opt(2026, 6, 15).unwrap_or_default();
        let person = |id: &str, employments: Vec<Employment>| {
            let mut e = Employee::new(
                hr_core::EmployeeId::new(id).unwrap_or_else(|_| unreachable!()),
                PersonName::new("Petra", "Smit"),
            );
            e.employments = employments;
            e
        };
        let d = |y, m| NaiveDate::from_ymd_opt(y, m, 1).unwrap_or_default();
        let old = Employment::new(d(2015, 1), Some(d(2020, 1)))
            .unwrap_or_else(|_| Employment::open(d(2015, 1)));
        let people = vec![
            person("1", vec![old]),
            person("2", vec![Employment::open(d(2020, 2))]),
            person("3", vec![Employment::open(d(2021, 1))]),
        ];
        assert_eq!(
            pick_manager(&people, &[0, 1], 2, today),
            Some(1),
            "the rehired record"
        );
        assert_eq!(
            pick_manager(&people, &[0], 2, today),
            Some(0),
            "a single match"
        );
        assert_eq!(
            pick_manager(&people, &[2], 2, today),
            None,
            "not their own manager"
        );
        assert_eq!(
            pick_manager(&people, &[1, 2], 0, today),
            None,
            "two employed: ambiguous"
        );
    }

    #[test]
    fn the_manager_window_covers_hires_and_recent_leavers() {
        let today = NaiveDate::from_ymd_opt(2026, 6, 15).unwrap_or_default();
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        let w = ManagerScope::default();
        let open = |start| vec![Employment::open(start)];
        let ended = |start, end| {
            Employment::new(start, Some(end))
                .map(|e| vec![e])
                .unwrap_or_default()
        };
        assert!(w.includes(&open(d(2020, 1, 1)), today));
        assert!(w.includes(&open(d(2026, 7, 15)), today));
        assert!(!w.includes(&open(d(2026, 7, 16)), today));
        assert!(w.includes(&ended(d(2020, 1, 1), d(2026, 5, 16)), today));
        assert!(!w.includes(&ended(d(2020, 1, 1), d(2026, 5, 15)), today));
        assert!(!w.includes(&[], today));
        assert!(ManagerScope::All.includes(&[], today));
        assert!(!ManagerScope::None.includes(&open(d(2020, 1, 1)), today));
    }
}
