//! The snapshot, validated and indexed once, in the shape the responses need.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use hr_core::{Employee, HrSnapshot, ManagerRef, OrgUnitKind};

use super::SimulatorError;

/// The second cost centre every person with a cost centre gets (40 %, not default).
pub(crate) const OTHER_COST_CENTER: &str = "ZZ-OTHER";
const OTHER_COST_CENTER_ALT: &str = "ZZ-OTHER-2";
const OTHER_COST_CENTER_LABEL: &str = "Other";

/// A company of `CompanyService.List_GetAll`.
#[derive(Debug, Clone)]
pub(crate) struct Company {
    pub(crate) id: i32,
    /// 1-based position in id order.
    pub(crate) number: usize,
    pub(crate) name: String,
    /// Indices into [`Data::people`], in snapshot order.
    pub(crate) people: Vec<usize>,
}

/// A department of the debtor's list.
#[derive(Debug, Clone)]
pub(crate) struct Department {
    pub(crate) id: i32,
    pub(crate) name: String,
}

/// A cost centre: code and id; labels are per person.
#[derive(Debug, Clone)]
pub(crate) struct CostCenter {
    pub(crate) id: i32,
    pub(crate) code: String,
}

/// A manager of the debtor's manager list.
#[derive(Debug, Clone, Default)]
pub(crate) struct Manager {
    pub(crate) first_name: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) department: Option<String>,
    pub(crate) function: Option<String>,
    pub(crate) phone: Option<String>,
    pub(crate) mobile: Option<String>,
    pub(crate) email: Option<String>,
}

/// A person's cost centres: the own one (default) and the other one.
#[derive(Debug, Clone)]
pub(crate) struct PersonCostCenter {
    /// Index into [`Data::cost_centers`].
    pub(crate) own: usize,
    pub(crate) label: Option<String>,
    /// Index into [`Data::cost_centers`].
    pub(crate) other: usize,
}

/// A person, with everything the responses need precomputed.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    /// Position in the snapshot (drives the history variations).
    pub(crate) index: usize,
    pub(crate) id: i32,
    pub(crate) number: Option<i32>,
    pub(crate) employee: Employee,
    pub(crate) display_name: String,
    /// Current department id and the name the person's record gives it.
    pub(crate) department: Option<(i32, String)>,
    /// Index into [`Data::departments`] of the department of stale and future records.
    pub(crate) other_department: usize,
    /// Indices into [`Data::functions`]: current, stale, future.
    pub(crate) functions: Option<[usize; 3]>,
    pub(crate) cost_center: Option<PersonCostCenter>,
    pub(crate) employee_type: Option<i32>,
    /// Index into [`Data::managers`].
    pub(crate) manager: Option<usize>,
    /// Whether the person's addresses include a post address and an ended home address.
    pub(crate) extra_addresses: bool,
    /// Id of the first employment; the others follow.
    pub(crate) first_employment_id: i64,
}

impl Person {
    /// Every fifth person has a record effective next year.
    pub(crate) fn has_future_record(&self) -> bool {
        self.index.is_multiple_of(5)
    }

    /// Every seventh person has two records in the current period.
    pub(crate) fn has_duplicate_record(&self) -> bool {
        self.index % 7 == 3
    }

    /// Base for this person's record ids (personal info, functions, addresses, …).
    pub(crate) fn record_base(&self) -> i64 {
        10_000 + i64::try_from(self.index).unwrap_or(i64::MAX / 32) * 16
    }
}

/// Everything the simulator serves.
#[derive(Debug, Clone, Default)]
pub(crate) struct Data {
    pub(crate) companies: Vec<Company>,
    company_index: HashMap<i32, usize>,
    pub(crate) people: Vec<Person>,
    person_index: HashMap<i32, usize>,
    /// Distinct employee types, by code.
    pub(crate) employee_types: Vec<(i32, Option<String>)>,
    /// Departments by id (including a synthetic one when there is only one).
    pub(crate) departments: Vec<Department>,
    /// Job titles, sorted; the function id is `100 + index`, the code `1 + index`.
    pub(crate) functions: Vec<String>,
    pub(crate) cost_centers: Vec<CostCenter>,
    pub(crate) managers: Vec<Manager>,
}

fn parse_int(record: &str, field: &'static str, value: &str) -> Result<i32, SimulatorError> {
    value
        .parse::<i32>()
        .map_err(|_| SimulatorError::NotAnInteger {
            record: record.to_owned(),
            field,
            value: value.to_owned(),
        })
}

fn non_blank(value: Option<&str>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty()).map(str::to_owned)
}

/// Nmbrs-style display name: "Bakker-de Vries, A. (Anouk)".
fn display_name(e: &Employee) -> String {
    let mut out = e.name.display_family_name();
    if let Some(initials) = non_blank(e.name.initials.as_deref()) {
        out.push_str(", ");
        out.push_str(&initials);
    }
    if let Some(given) = non_blank(e.name.given_name.as_deref()) {
        out.push_str(" (");
        out.push_str(&given);
        out.push(')');
    }
    out
}

/// The stale and future job titles derived from a current one.
pub(crate) fn stale_title(title: &str) -> String {
    format!("Junior {title}")
}

fn future_title(title: &str) -> String {
    format!("Senior {title}")
}

impl Data {
    /// Validates and indexes a snapshot.
    pub(crate) fn build(snapshot: &HrSnapshot) -> Result<Self, SimulatorError> {
        let employees = snapshot.employees();

        // Companies, departments, types, titles, cost-centre codes.
        let mut companies: BTreeMap<i32, String> = BTreeMap::new();
        let mut departments: BTreeMap<i32, String> = BTreeMap::new();
        let mut types: BTreeMap<i32, Option<String>> = BTreeMap::new();
        let mut titles: BTreeSet<String> = BTreeSet::new();
        let mut codes: BTreeSet<String> = BTreeSet::new();
        struct Ids {
            id: i32,
            number: Option<i32>,
            company: i32,
            department: Option<i32>,
            employee_type: Option<i32>,
        }
        let mut ids = Vec::with_capacity(employees.len());
        for e in employees {
            let record = format!("employee {}", e.id);
            let id = parse_int(&record, "id", e.id.as_str())?;
            let number = e
                .employee_number
                .as_deref()
                .map(|n| parse_int(&record, "employee_number", n))
                .transpose()?;
            let company = e
                .org
                .company
                .as_ref()
                .ok_or_else(|| SimulatorError::MissingCompany {
                    record: record.clone(),
                })?;
            let company_id = parse_int(&record, "org.company.id", company.id.as_str())?;
            companies
                .entry(company_id)
                .or_insert_with(|| company.name.clone());
            let department = match &e.org.department {
                Some(d) => {
                    let dept = parse_int(&record, "org.department.id", d.id.as_str())?;
                    departments.entry(dept).or_insert_with(|| d.name.clone());
                    Some(dept)
                }
                None => None,
            };
            let employee_type = match &e.org.employee_type {
                Some(t) => {
                    let code = parse_int(&record, "org.employee_type.code", &t.code)?;
                    types.entry(code).or_insert_with(|| t.label.clone());
                    Some(code)
                }
                None => None,
            };
            if let Some(title) = &e.org.job_title {
                titles.insert(title.clone());
                titles.insert(stale_title(title));
                titles.insert(future_title(title));
            }
            if let Some(cc) = &e.org.cost_center {
                codes.insert(cc.code.clone());
                codes.insert(other_code(&cc.code).to_owned());
            }
            ids.push(Ids {
                id,
                number,
                company: company_id,
                department,
                employee_type,
            });
        }
        for unit in snapshot.org_units() {
            let record = format!("org unit {}", unit.id);
            match unit.kind {
                OrgUnitKind::Company => {
                    let id = parse_int(&record, "id", unit.id.as_str())?;
                    companies.entry(id).or_insert_with(|| unit.name.clone());
                }
                OrgUnitKind::Department => {
                    let id = parse_int(&record, "id", unit.id.as_str())?;
                    departments.entry(id).or_insert_with(|| unit.name.clone());
                }
                _ => {}
            }
        }
        if departments.len() == 1 {
            // Stale records need a department other than the current one.
            let only = departments.keys().next().copied().unwrap_or(0);
            let spare = only.checked_add(1).unwrap_or_else(|| only - 1);
            departments.insert(spare, "Former department".to_owned());
        }

        let company_list: Vec<Company> = companies
            .into_iter()
            .enumerate()
            .map(|(i, (id, name))| Company {
                id,
                number: i + 1,
                name,
                people: Vec::new(),
            })
            .collect();
        let company_index: HashMap<i32, usize> = company_list
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i))
            .collect();
        let departments: Vec<Department> = departments
            .into_iter()
            .map(|(id, name)| Department { id, name })
            .collect();
        let department_index: HashMap<i32, usize> = departments
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id, i))
            .collect();
        let functions: Vec<String> = titles.into_iter().collect();
        let function_index: HashMap<&str, usize> = functions
            .iter()
            .enumerate()
            .map(|(i, t)| (t.as_str(), i))
            .collect();
        let cost_centers: Vec<CostCenter> = codes
            .into_iter()
            .enumerate()
            .map(|(i, code)| CostCenter {
                id: 200 + i32::try_from(i).unwrap_or(i32::MAX - 200),
                code,
            })
            .collect();
        let code_index: HashMap<&str, usize> = cost_centers
            .iter()
            .enumerate()
            .map(|(i, c)| (c.code.as_str(), i))
            .collect();

        // Managers: distinct, in order of first mention.
        let by_employee_id: HashMap<&str, usize> = employees
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.as_str(), i))
            .collect();
        let mut managers: Vec<Manager> = Vec::new();
        let mut manager_keys: HashMap<String, usize> = HashMap::new();
        let mut manager_of: Vec<Option<usize>> = Vec::with_capacity(employees.len());
        for e in employees {
            let key_and_manager = match &e.manager {
                None => None,
                Some(ManagerRef::Employee { id }) => by_employee_id.get(id.as_str()).map(|&m| {
                    let m = &employees[m];
                    let manager = Manager {
                        first_name: non_blank(Some(&m.name.display_given_name())),
                        name: non_blank(Some(&m.name.display_family_name())),
                        department: m.org.department.as_ref().map(|d| d.name.clone()),
                        function: m.org.job_title.clone(),
                        phone: m.contact.work_phone.clone(),
                        mobile: m.contact.work_mobile.clone(),
                        email: m.contact.work_email.clone(),
                    };
                    (format!("e\u{0}{id}"), manager)
                }),
                Some(ManagerRef::External { name, email }) => {
                    let key = format!(
                        "x\u{0}{}\u{0}{}",
                        name.as_deref().unwrap_or(""),
                        email.as_deref().unwrap_or("")
                    );
                    let manager = Manager {
                        name: name.clone(),
                        email: email.clone(),
                        ..Manager::default()
                    };
                    Some((key, manager))
                }
                Some(_) => None,
            };
            manager_of.push(key_and_manager.map(|(key, manager)| {
                *manager_keys.entry(key).or_insert_with(|| {
                    managers.push(manager);
                    managers.len() - 1
                })
            }));
        }

        // People.
        let mut people = Vec::with_capacity(employees.len());
        let mut company_list = company_list;
        let mut with_address = 0usize;
        let mut next_employment_id: i64 = 900_000;
        for (index, ((e, ids), manager)) in employees.iter().zip(ids).zip(manager_of).enumerate() {
            let company = company_index.get(&ids.company).copied().unwrap_or(0);
            if let Some(c) = company_list.get_mut(company) {
                c.people.push(index);
            }
            let department = ids.department.map(|d| {
                (
                    d,
                    e.org
                        .department
                        .as_ref()
                        .map(|r| r.name.clone())
                        .unwrap_or_default(),
                )
            });
            let other_department = match ids.department.and_then(|d| department_index.get(&d)) {
                Some(&i) => (i + 1) % departments.len().max(1),
                None => 0,
            };
            let functions = e.org.job_title.as_deref().map(|t| {
                let at = |s: &str| function_index.get(s).copied().unwrap_or(0);
                [at(t), at(&stale_title(t)), at(&future_title(t))]
            });
            let cost_center = e.org.cost_center.as_ref().map(|cc| PersonCostCenter {
                own: code_index.get(cc.code.as_str()).copied().unwrap_or(0),
                label: cc.label.clone(),
                other: code_index.get(other_code(&cc.code)).copied().unwrap_or(0),
            });
            let extra_addresses = if e.address.is_some() {
                with_address += 1;
                (with_address - 1).is_multiple_of(3)
            } else {
                false
            };
            let first_employment_id = next_employment_id;
            next_employment_id += i64::try_from(e.employments.len()).unwrap_or(0);
            people.push(Person {
                index,
                id: ids.id,
                number: ids.number,
                display_name: display_name(e),
                employee: e.clone(),
                department,
                other_department,
                functions,
                cost_center,
                employee_type: ids.employee_type,
                manager,
                extra_addresses,
                first_employment_id,
            });
        }
        let person_index = people.iter().enumerate().map(|(i, p)| (p.id, i)).collect();

        Ok(Self {
            companies: company_list,
            company_index,
            people,
            person_index,
            employee_types: types.into_iter().collect(),
            departments,
            functions,
            cost_centers,
            managers,
        })
    }

    /// The company with this `ID`.
    pub(crate) fn company(&self, id: i32) -> Option<&Company> {
        self.company_index
            .get(&id)
            .and_then(|&i| self.companies.get(i))
    }

    /// The person with this `EmployeeId`.
    pub(crate) fn person(&self, id: i32) -> Option<&Person> {
        self.person_index.get(&id).and_then(|&i| self.people.get(i))
    }

    /// The people of a company, in snapshot order.
    pub(crate) fn people_of<'a>(
        &'a self,
        company: &'a Company,
    ) -> impl Iterator<Item = &'a Person> {
        company.people.iter().filter_map(|&i| self.people.get(i))
    }

    /// The label of a cost centre code other than a person's own.
    pub(crate) fn other_label() -> &'static str {
        OTHER_COST_CENTER_LABEL
    }
}

/// The code of the non-default cost centre next to `own`.
fn other_code(own: &str) -> &'static str {
    if own == OTHER_COST_CENTER {
        OTHER_COST_CENTER_ALT
    } else {
        OTHER_COST_CENTER
    }
}
