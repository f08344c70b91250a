//! `Fixture::standard()`: the people every `HrSource` must be able to serve.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use crate::{
    Coded, CompanyId, CompanyRef, Contact, CountryCode, Employee, EmployeeId, Employment,
    InMemorySource, LifecyclePolicy, LifecycleState, ManagerRef, NamingConvention, OrgData,
    OrgUnit, OrgUnitId, OrgUnitKind, OrgUnitRef, PersonName, PostalAddress,
};

/// One person of the fixture: what they are there to cover and the state the fixture
/// policy gives them at the fixture's reference time.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FixtureCase {
    /// The person's key.
    pub id: EmployeeId,
    /// What the person is in the fixture for ("leaver in grace", "partner-own naming", …).
    pub covers: &'static str,
    /// The state at [`Fixture::reference_time`] under [`Fixture::policy`].
    pub expected_state: LifecycleState,
}

/// A canonical HR data set: ~30 people over two companies covering the cases that break
/// HR integrations, with the lifecycle state each must have at a fixed instant.
///
/// Adapters serve it (an in-memory source directly, a CSV source from [`Fixture::to_csv`],
/// a remote adapter through its simulator) and run the conformance checks against it.
///
/// ```
/// use hr_core::conformance::Fixture;
///
/// let fixture = Fixture::standard();
/// assert_eq!(fixture.employees.len(), 30);
/// assert!(fixture.cases.iter().any(|c| c.covers == "leaver in grace"));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Fixture {
    /// The people.
    pub employees: Vec<Employee>,
    /// Companies and departments.
    pub org_units: Vec<OrgUnit>,
    /// One case per person, in the order of `employees`.
    pub cases: Vec<FixtureCase>,
    /// The instant the expected states hold at: 2026-06-15T02:00:00Z (04:00 in Amsterdam,
    /// still 2026-06-14 in New York).
    pub reference_time: DateTime<Utc>,
    /// The policy the expected states assume: provision 7 days before start, activate on
    /// the first day, 7 days grace, deactivate 30 days after suspension, transitions at
    /// 00:00 local, default zone Europe/Amsterdam.
    pub policy: LifecyclePolicy,
}

/// The two companies of the fixture.
pub const COMPANIES: [(&str, &str); 2] = [
    ("1001", "Acme Holding B.V."),
    ("1002", "Acme Services B.V."),
];

const DEPARTMENTS: [(&str, &str); 4] = [
    ("10", "Finance"),
    ("20", "Engineering"),
    ("30", "Sales"),
    ("40", "People & Culture"),
];

fn date(s: &str) -> NaiveDate {
    // The fixture's own literals; a typo here is a bug in this file, caught by its tests.
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
}

fn id<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    match s.parse() {
        Ok(v) => v,
        Err(e) => panic!("fixture id {s:?} is invalid: {e:?}"),
    }
}

fn employed(spans: &[(&str, Option<&str>)]) -> Vec<Employment> {
    spans
        .iter()
        .map(|(start, end)| {
            Employment::new(date(start), end.map(date))
                .unwrap_or_else(|e| panic!("fixture employment is invalid: {e}"))
        })
        .collect()
}

/// Builds one fixture person with the fields most people have.
struct P {
    id: &'static str,
    number: &'static str,
    company: usize,
    department: usize,
    given: &'static str,
    family: &'static str,
    spans: &'static [(&'static str, Option<&'static str>)],
}

impl P {
    fn build(self) -> Employee {
        let (company_id, company_name) = COMPANIES[self.company];
        let (dept_id, dept_name) = DEPARTMENTS[self.department];
        let org = OrgData {
            company: Some(CompanyRef::new(id(company_id), company_name)),
            department: Some(OrgUnitRef::new(id(dept_id), dept_name)),
            ..OrgData::default()
        };
        let login = format!("{}.{}", self.given, self.family)
            .to_lowercase()
            .replace(' ', "");
        let mut e = Employee::new(id(self.id), PersonName::new(self.given, self.family))
            .with_employee_number(self.number)
            .with_contact(Contact::default().with_work_email(format!("{login}@acme.example")))
            .with_org(org);
        e.employments = employed(self.spans);
        e
    }
}

fn manager(id_: &str) -> ManagerRef {
    ManagerRef::employee(id(id_))
}

fn address(
    street: &str,
    number: &str,
    addition: &str,
    postal: &str,
    city: &str,
    country: &str,
) -> PostalAddress {
    PostalAddress {
        street: Some(street.into()),
        house_number: Some(number.into()),
        house_number_addition: (!addition.is_empty()).then(|| addition.into()),
        postal_code: Some(postal.into()),
        city: Some(city.into()),
        state: None,
        country: CountryCode::new(country).ok(),
    }
}

fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(chrono_tz::UTC)
}

impl Fixture {
    /// The standard fixture.
    #[allow(clippy::too_many_lines)] // a data table reads best in one piece
    pub fn standard() -> Self {
        use LifecycleState::{Active, Deactivated, NotYetProvisioned, Pending, Suspended};
        let mut people: Vec<(Employee, &'static str, LifecycleState)> = Vec::new();
        let mut add = |e: Employee, covers, state| people.push((e, covers, state));

        let mut anouk = P {
            id: "600001",
            number: "1",
            company: 0,
            department: 0,
            given: "Anouk",
            family: "Vries",
            spans: &[("2021-01-04", None)],
        }
        .build();
        anouk.name = anouk
            .name
            .with_family_name_prefix("de")
            .with_partner_name(None, "Bakker")
            .with_convention(NamingConvention::PartnerOwn)
            .with_initials("A.");
        anouk.contact = anouk
            .contact
            .with_private_email("anouk.priv@example.net")
            .with_work_mobile("+31 6 12345678");
        anouk.org.job_title = Some("Financial controller".into());
        anouk = anouk.with_address(address(
            "Keizersgracht",
            "123",
            "B",
            "1015 CJ",
            "Amsterdam",
            "NL",
        ));
        add(anouk, "partner-own naming with tussenvoegsel", Active);

        let mut jan = P {
            id: "600002",
            number: "2",
            company: 0,
            department: 0,
            given: "Jan",
            family: "Vries",
            spans: &[("2022-03-01", None)],
        }
        .build();
        jan.name = jan.name.with_family_name_prefix("de");
        jan.manager = Some(manager("600001"));
        add(
            jan,
            "own naming with tussenvoegsel; manager is an employee",
            Active,
        );

        let soren = P {
            id: "600003",
            number: "3",
            company: 0,
            department: 1,
            given: "Søren",
            family: "Ødegaard",
            spans: &[("2020-09-01", None)],
        }
        .build();
        add(
            soren.with_address(address("Storgata", "1", "", "0155", "Oslo", "NO")),
            "non-ASCII name (ø)",
            Active,
        );

        let ayse = P {
            id: "600004",
            number: "4",
            company: 0,
            department: 1,
            given: "Ayşe",
            family: "Yılmaz",
            spans: &[("2023-05-15", None)],
        }
        .build();
        add(
            ayse.with_manager(manager("600003")),
            "non-ASCII name (ş, ı)",
            Active,
        );

        let jurgen = P {
            id: "600005",
            number: "1",
            company: 1,
            department: 2,
            given: "Jürgen",
            family: "Strauß",
            spans: &[("2019-11-01", None)],
        }
        .build();
        add(
            jurgen.with_address(address("Hauptstraße", "5", "a", "10115", "Berlin", "DE")),
            "non-ASCII name (ü, ß)",
            Active,
        );

        let renee = P {
            id: "600006",
            number: "2",
            company: 1,
            department: 2,
            given: "Renée",
            family: "Lefèvre",
            spans: &[("2024-02-01", None)],
        }
        .build();
        add(
            renee.with_manager(manager("600005")),
            "non-ASCII name (é, è)",
            Active,
        );

        let mut maria = P {
            id: "600007",
            number: "5",
            company: 0,
            department: 3,
            given: "Maria",
            family: "Jansen",
            spans: &[("2018-04-01", None)],
        }
        .build();
        maria.name = maria
            .name
            .with_partner_name(Some("van den"), "Berg")
            .with_convention(NamingConvention::Partner);
        add(maria, "partner naming with partner prefix", Active);

        let mut petra = P {
            id: "600008",
            number: "3",
            company: 1,
            department: 0,
            given: "Petra",
            family: "Dijk",
            spans: &[("2021-06-01", None)],
        }
        .build();
        petra.name = petra
            .name
            .with_family_name_prefix("van")
            .with_partner_name(Some("de"), "Boer")
            .with_convention(NamingConvention::OwnPartner);
        add(petra, "own-partner naming, both with prefixes", Active);

        let noah = P {
            id: "600009",
            number: "6",
            company: 0,
            department: 1,
            given: "Noah",
            family: "Visser",
            spans: &[("2026-09-01", None)],
        }
        .build();
        add(
            noah,
            "future hire outside the provisioning window",
            NotYetProvisioned,
        );

        let emma = P {
            id: "600010",
            number: "4",
            company: 1,
            department: 2,
            given: "Emma",
            family: "Mulder",
            spans: &[("2026-06-18", None)],
        }
        .build();
        add(emma, "hire inside the provisioning window", Pending);

        let daan = P {
            id: "600011",
            number: "7",
            company: 0,
            department: 0,
            given: "Daan",
            family: "Smit",
            spans: &[("2020-01-01", Some("2026-06-10"))],
        }
        .build();
        add(daan, "leaver in grace", Active);

        let lotte = P {
            id: "600012",
            number: "8",
            company: 0,
            department: 2,
            given: "Lotte",
            family: "Bos",
            spans: &[("2022-01-01", Some("2026-05-20"))],
        }
        .build();
        add(lotte, "leaver past grace, suspended", Suspended);

        let bram = P {
            id: "600013",
            number: "5",
            company: 1,
            department: 1,
            given: "Bram",
            family: "Hendriks",
            spans: &[("2015-01-01", Some("2024-12-31"))],
        }
        .build();
        add(bram, "long-gone leaver", Deactivated);

        let mut sanne = P {
            id: "600014",
            number: "9",
            company: 0,
            department: 1,
            given: "Sanne",
            family: "Groot",
            spans: &[("2019-03-01", Some("2022-08-31")), ("2025-02-01", None)],
        }
        .build();
        sanne.name = sanne.name.with_family_name_prefix("de");
        add(sanne, "rehire after a gap", Active);

        let thijs = P {
            id: "600015",
            number: "6",
            company: 1,
            department: 2,
            given: "Thijs",
            family: "Meijer",
            spans: &[("2018-01-01", Some("2023-12-31")), ("2026-07-01", None)],
        }
        .build();
        add(
            thijs,
            "deactivated leaver rehired for a future date",
            Deactivated,
        );

        let fleur = P {
            id: "600016",
            number: "10",
            company: 0,
            department: 0,
            given: "Fleur",
            family: "Dekker",
            spans: &[("2022-01-01", Some("2024-06-30")), ("2024-01-01", None)],
        }
        .build();
        add(fleur, "overlapping contracts", Active);

        let lucas = P {
            id: "600017",
            number: "7",
            company: 1,
            department: 1,
            given: "Lucas",
            family: "Vermeulen",
            spans: &[
                ("2023-01-01", Some("2025-12-31")),
                ("2026-01-01", Some("2026-12-31")),
            ],
        }
        .build();
        add(lucas, "back-to-back contract renewal", Active);

        let mut julia = P {
            id: "600018",
            number: "11",
            company: 0,
            department: 2,
            given: "Julia",
            family: "Koster",
            spans: &[("2023-09-01", None)],
        }
        .build();
        julia.contact = Contact::default()
            .with_private_email("julia.koster@example.net")
            .with_private_mobile("+31 6 87654321");
        add(julia, "no work e-mail, private only", Active);

        let mut sem = P {
            id: "600019",
            number: "8",
            company: 1,
            department: 1,
            given: "Sem",
            family: "Brouwer",
            spans: &[("2024-05-01", None)],
        }
        .build();
        sem.contact = Contact::default().with_work_phone("+31 20 555 0101");
        add(sem, "no e-mail at all", Active);

        let tess = P {
            id: "600020",
            number: "12",
            company: 0,
            department: 3,
            given: "Tess",
            family: "Kok",
            spans: &[("2025-03-01", None)],
        }
        .build();
        let interim = ManagerRef::external("K. Visser", "k.visser@interim.example");
        add(
            Employee {
                manager: interim,
                ..tess
            },
            "manager who is not an employee",
            Active,
        );

        let milan = P {
            id: "600021",
            number: "13",
            company: 0,
            department: 1,
            given: "Milan",
            family: "Peters",
            spans: &[("2024-11-01", None)],
        }
        .build();
        add(milan, "employee number 13 in company 1001", Active);

        let eva = P {
            id: "600022",
            number: "13",
            company: 1,
            department: 2,
            given: "Eva",
            family: "Peeters",
            spans: &[("2025-01-06", None)],
        }
        .build();
        add(eva, "employee number 13 in company 1002", Active);

        let olivia = P {
            id: "600023",
            number: "9",
            company: 1,
            department: 2,
            given: "Olivia",
            family: "Johnson",
            spans: &[("2024-03-01", Some("2026-06-07"))],
        }
        .build();
        add(
            olivia
                .with_time_zone(zone("America/New_York"))
                .with_address(address("Broadway", "1", "", "10004", "New York", "US")),
            "leaver in New York, still in grace there (suspended already if read in Amsterdam)",
            Active,
        );

        let hiro = P {
            id: "600024",
            number: "10",
            company: 1,
            department: 1,
            given: "Hiro",
            family: "Tanaka",
            spans: &[("2025-04-01", None)],
        }
        .build();
        add(
            hiro.with_time_zone(zone("Asia/Tokyo")),
            "person in Asia/Tokyo",
            Active,
        );

        let mut finn = P {
            id: "600025",
            number: "14",
            company: 0,
            department: 3,
            given: "Finn",
            family: "Jacobs",
            spans: &[],
        }
        .build();
        finn.org.employee_type = Some(Coded::new("0", "applicant"));
        add(finn, "no employment on record", NotYetProvisioned);

        let zoe = P {
            id: "600026",
            number: "11",
            company: 1,
            department: 0,
            given: "Zoë",
            family: "Willems",
            spans: &[("2025-09-01", Some("2026-12-31"))],
        }
        .build();
        add(zoe, "fixed-term contract ending later (ë)", Active);

        let mut hans = P {
            id: "600027",
            number: "15",
            company: 0,
            department: 1,
            given: "Hans",
            family: "Linden",
            spans: &[("2017-02-01", None)],
        }
        .build();
        hans.name = hans
            .name
            .with_first_names("Johannes Petrus")
            .with_initials("J.P.")
            .with_family_name_prefix("van der");
        add(
            hans.with_manager(manager("600003")),
            "roepnaam differs from official first names",
            Active,
        );

        let lan = P {
            id: "600028",
            number: "12",
            company: 1,
            department: 2,
            given: "Lan",
            family: "Nguyễn",
            spans: &[("2024-10-01", None)],
        }
        .build();
        add(
            lan.with_time_zone(zone("Asia/Ho_Chi_Minh"))
                .with_manager(manager("600005")),
            "non-ASCII family name (ễ) outside Europe",
            Active,
        );

        let mut ruben = P {
            id: "600029",
            number: "16",
            company: 0,
            department: 0,
            given: "Ruben",
            family: "Maas",
            spans: &[("2024-01-08", None)],
        }
        .build();
        ruben.org.cost_center = Some(Coded::new("FIN-01", "Finance NL"));
        ruben.org.employee_type = Some(Coded::new("1", "payroll"));
        ruben.org.job_title = Some("Payroll specialist".into());
        add(
            ruben
                .with_custom("badge", "B-1029")
                .with_custom("shirt_size", "L"),
            "cost centre, employee type and custom fields",
            Active,
        );

        let mut iris = P {
            id: "600030",
            number: "14",
            company: 1,
            department: 1,
            given: "Iris",
            family: "Vos",
            spans: &[("2026-01-01", Some("2026-06-30"))],
        }
        .build();
        iris.org.employee_type = Some(Coded::new("2", "external"));
        add(
            iris.with_manager(manager("600024")),
            "contractor whose contract ends this month",
            Active,
        );

        let org_units = COMPANIES
            .iter()
            .map(|(i, n)| OrgUnit::new(id::<OrgUnitId>(i), *n, OrgUnitKind::Company))
            .chain(
                DEPARTMENTS
                    .iter()
                    .map(|(i, n)| OrgUnit::new(id::<OrgUnitId>(i), *n, OrgUnitKind::Department)),
            )
            .collect();
        let cases = people
            .iter()
            .map(|(e, covers, state)| FixtureCase {
                id: e.id.clone(),
                covers,
                expected_state: *state,
            })
            .collect();
        let policy = LifecyclePolicy::builder()
            .grace_days_after_end(7)
            .build()
            .unwrap_or_default();
        Self {
            employees: people.into_iter().map(|(e, _, _)| e).collect(),
            org_units,
            cases,
            reference_time: Utc
                .with_ymd_and_hms(2026, 6, 15, 2, 0, 0)
                .single()
                .unwrap_or_default(),
            policy,
        }
    }

    /// The person with this key.
    pub fn employee(&self, id: &EmployeeId) -> Option<&Employee> {
        self.employees.iter().find(|e| &e.id == id)
    }

    /// The case of the person with this key.
    pub fn case(&self, id: &EmployeeId) -> Option<&FixtureCase> {
        self.cases.iter().find(|c| &c.id == id)
    }

    /// The keys of the fixture's companies.
    pub fn company_ids(&self) -> Vec<CompanyId> {
        COMPANIES.iter().map(|(i, _)| id(i)).collect()
    }

    /// An [`InMemorySource`] named `memory` serving the fixture.
    pub fn in_memory_source(&self) -> InMemorySource {
        let source = InMemorySource::new("memory");
        // The fixture's ids are unique (its own tests prove it), so neither call fails.
        let with_people = source.update(|people, units| {
            people.clone_from(&self.employees);
            units.clone_from(&self.org_units);
        });
        debug_assert!(with_people.is_ok(), "fixture ids are unique");
        source
    }

    /// The fixture as CSV in the format `CsvSource` reads.
    ///
    /// # Errors
    /// Only if writing to memory fails, which it does not.
    #[cfg(feature = "csv")]
    pub fn to_csv(&self) -> crate::Result<Vec<u8>> {
        let mut out = Vec::new();
        crate::source::csv::write_csv(&mut out, &self.employees)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn the_fixture_is_what_it_claims() {
        let f = Fixture::standard();
        assert_eq!(f.employees.len(), 30);
        assert_eq!(f.cases.len(), f.employees.len());
        let ids: BTreeSet<_> = f.employees.iter().map(|e| &e.id).collect();
        assert_eq!(ids.len(), 30, "ids are unique");
        assert!(
            f.employees
                .iter()
                .all(|e| e.employments.iter().all(|j| j.start() > NaiveDate::MIN)),
            "dates parse"
        );
        let conventions: BTreeSet<_> = f
            .employees
            .iter()
            .map(|e| e.name.convention.as_str())
            .collect();
        assert_eq!(conventions.len(), 4, "every naming convention");
        let text: String = f.employees.iter().map(|e| e.name.display_name()).collect();
        for c in ['é', 'ø', 'ş', 'ß'] {
            assert!(text.contains(c), "{c}");
        }
        let numbers: Vec<_> = f
            .employees
            .iter()
            .filter(|e| e.employee_number.as_deref() == Some("13"))
            .collect();
        assert_eq!(numbers.len(), 2);
        assert_ne!(numbers[0].company_id(), numbers[1].company_id());
        assert!(
            f.employees
                .iter()
                .any(|e| matches!(e.manager, Some(ManagerRef::External { .. })))
        );
        assert!(
            f.employees
                .iter()
                .any(|e| e.contact == Contact::default().with_work_phone("+31 20 555 0101"))
        );
        assert!(
            f.employees
                .iter()
                .any(|e| e.time_zone.is_some_and(|z| z.name() == "America/New_York"))
        );
        assert_eq!(f.company_ids().len(), 2);
        let managers_exist = f
            .employees
            .iter()
            .filter_map(|e| e.manager.as_ref()?.employee_id())
            .all(|m| ids.contains(m));
        assert!(managers_exist);
    }

    #[test]
    fn the_expected_states_are_what_the_engine_computes() {
        let f = Fixture::standard();
        for (e, case) in f.employees.iter().zip(&f.cases) {
            let decision = f.policy.evaluate(e, f.reference_time);
            assert_eq!(
                decision.state, case.expected_state,
                "{} ({}): {decision}",
                e.id, case.covers
            );
        }
        let states: BTreeSet<_> = f.cases.iter().map(|c| c.expected_state).collect();
        assert_eq!(states.len(), 5, "every state occurs");
    }

    #[test]
    fn the_new_york_leaver_would_be_suspended_if_read_in_amsterdam() {
        let f = Fixture::standard();
        let olivia = f.employee(&id("600023")).cloned().map(|mut e| {
            e.time_zone = None;
            e
        });
        let state = olivia.map(|e| f.policy.evaluate(&e, f.reference_time).state);
        assert_eq!(state, Some(LifecycleState::Suspended));
    }
}
