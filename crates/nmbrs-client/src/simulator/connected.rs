//! [`SimulatedNmbrs`]: an [`NmbrsSource`] wired to a running [`Simulator`], and
//! [`generated_snapshot`], a deterministic data set of any size.

use async_trait::async_trait;
use chrono::{NaiveDate, TimeDelta, Utc};
use hr_core::{
    Capabilities, Coded, CompanyRef, Contact, Employee, EmployeeId, Employment, HrSnapshot,
    HrSource, ManagerRef, NamingConvention, OrgData, OrgUnit, OrgUnitKind, OrgUnitRef, PersonName,
    SnapshotOptions,
};

use super::{DOMAIN, Simulator, SimulatorHandle, TOKEN, USERNAME};
use crate::{Credentials, NmbrsClient, NmbrsClientBuilder, NmbrsSource};

/// An [`NmbrsSource`] reading from a [`Simulator`] it keeps running: Nmbrs end to end over
/// loopback HTTP, without an account. Dropping it stops the server.
///
/// ```
/// # let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
/// # rt.block_on(async {
/// use hr_core::HrSourceExt;
/// use nmbrs_client::simulator::{SimulatedNmbrs, Simulator, generated_snapshot};
///
/// let data = generated_snapshot(50);
/// let nmbrs = SimulatedNmbrs::start(Simulator::new(&data)?, |source| source).await?;
/// let read = nmbrs.snapshot().await?;
/// assert_eq!(read.len(), 50);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct SimulatedNmbrs {
    source: NmbrsSource,
    simulator: Simulator,
    handle: SimulatorHandle,
}

impl SimulatedNmbrs {
    /// Serves `simulator` and connects a source to it with the simulator's default
    /// credentials and a rate limit of 150 calls/s; `configure` adjusts the source.
    ///
    /// # Errors
    /// When the server cannot bind a port or the client cannot be built.
    pub async fn start(
        simulator: Simulator,
        configure: impl FnOnce(NmbrsSource) -> NmbrsSource,
    ) -> Result<Self, hr_core::Error> {
        Self::start_with(simulator, |client| client, configure).await
    }

    /// As [`start`](Self::start), with `client` adjusting the client builder (rate limit,
    /// retries, timeouts) before it is built.
    ///
    /// # Errors
    /// As [`start`](Self::start).
    pub async fn start_with(
        simulator: Simulator,
        client: impl FnOnce(NmbrsClientBuilder) -> NmbrsClientBuilder,
        configure: impl FnOnce(NmbrsSource) -> NmbrsSource,
    ) -> Result<Self, hr_core::Error> {
        let handle = simulator
            .serve()
            .await
            .map_err(|e| hr_core::Error::other("the Nmbrs simulator cannot listen", e))?;
        let builder = NmbrsClient::builder()
            .base_url(handle.base_url())?
            .credentials(Credentials::new(
                USERNAME,
                TOKEN.into(),
                Some(DOMAIN.to_owned()),
            ))
            .rate_limit(crate::MAX_RATE_LIMIT);
        let client = client(builder).build()?;
        Ok(Self {
            source: configure(NmbrsSource::new(client)),
            simulator,
            handle,
        })
    }

    /// The source.
    pub fn source(&self) -> &NmbrsSource {
        &self.source
    }

    /// The simulator, to count calls or inject faults.
    pub fn simulator(&self) -> &Simulator {
        &self.simulator
    }

    /// The simulator's base URL.
    pub fn base_url(&self) -> &str {
        self.handle.base_url()
    }
}

#[async_trait]
impl HrSource for SimulatedNmbrs {
    fn name(&self) -> &str {
        self.source.name()
    }

    fn capabilities(&self) -> Capabilities {
        self.source.capabilities()
    }

    async fn snapshot_opts(&self, options: &SnapshotOptions) -> hr_core::Result<HrSnapshot> {
        self.source.snapshot_opts(options).await
    }
}

const GIVEN: [&str; 12] = [
    "Anouk", "Daan", "Søren", "Ayşe", "Jürgen", "Renée", "Lotte", "Bram", "Zoë", "Hiro", "Lan",
    "Fleur",
];
const FAMILY: [(&str, &str); 10] = [
    ("de", "Vries"),
    ("", "Jansen"),
    ("van der", "Linden"),
    ("", "Ødegaard"),
    ("van", "Dijk"),
    ("", "Strauß"),
    ("de", "Boer"),
    ("", "Yılmaz"),
    ("", "Nguyễn"),
    ("", "Bakker"),
];
const DEPARTMENTS: [&str; 5] = [
    "Finance",
    "Engineering",
    "Sales",
    "People & Culture",
    "Support",
];

/// `people` generated people over three companies (ids 2001..=2003), five departments and
/// three employee types, with every naming convention, partner names, private and work
/// contact, managers (one in ten reports to an external interim manager), cost centres, and
/// employments relative to today: most current, some future hires, some recent and some
/// long-gone leavers, some rehires. The same `people` always gives the same data (apart
/// from the dates, which follow today).
///
/// ```
/// let data = nmbrs_client::simulator::generated_snapshot(1_000);
/// assert_eq!(data.len(), 1_000);
/// ```
pub fn generated_snapshot(people: usize) -> HrSnapshot {
    let today = Utc::now().date_naive();
    let companies = [
        ("2001", "Acme Holding B.V."),
        ("2002", "Acme Services B.V."),
        ("2003", "Acme Labs B.V."),
    ];
    let mut employees = Vec::with_capacity(people);
    for i in 0..people {
        let (company_id, company_name) = companies[i % companies.len()];
        let given = GIVEN[i % GIVEN.len()];
        let (prefix, family) = FAMILY[(i / 3) % FAMILY.len()];
        let mut name = PersonName::new(given, family)
            .with_initials(format!("{}.", given.chars().next().unwrap_or('X')))
            .with_convention(match i % 7 {
                0 => NamingConvention::Partner,
                1 => NamingConvention::PartnerOwn,
                2 => NamingConvention::OwnPartner,
                _ => NamingConvention::Own,
            });
        if !prefix.is_empty() {
            name = name.with_family_name_prefix(prefix);
        }
        if i % 7 < 3 {
            name = name.with_partner_name((i % 2 == 0).then_some("van"), "Berg");
        }
        let id = EmployeeId::from(u32::try_from(100_000 + i).unwrap_or(u32::MAX));
        let login = format!("p{}.{}", 100_000 + i, family.to_lowercase());
        let mut contact = Contact::default().with_work_phone(format!("+31 20 {:07}", i));
        if i % 11 != 5 {
            contact = contact.with_work_email(format!("{login}@acme.example"));
        }
        if i % 4 == 0 {
            contact = contact.with_private_email(format!("{login}@home.example"));
        }
        let dept = (i / 3) % DEPARTMENTS.len();
        let mut org = OrgData::default();
        org.company = Some(CompanyRef::new(
            company_id
                .parse()
                .unwrap_or_else(|_| hr_core::CompanyId::from(0u32)),
            company_name,
        ));
        org.department = Some(OrgUnitRef::new(
            hr_core::OrgUnitId::from(u32::try_from(10 + dept).unwrap_or(0)),
            DEPARTMENTS[dept],
        ));
        org.job_title = Some(format!("{} specialist", DEPARTMENTS[dept]));
        org.employee_type = Some(match i % 10 {
            0 => Coded::new("3", "external"),
            1 => Coded::new("2", "former payroll"),
            _ => Coded::new("1", "payroll"),
        });
        if i % 5 == 0 {
            org.cost_center = Some(Coded::new(format!("CC-{:02}", dept), DEPARTMENTS[dept]));
        }
        let days = |d: i64| today + TimeDelta::days(d);
        let span = |start: NaiveDate, end: Option<NaiveDate>| {
            Employment::new(start, end).unwrap_or_else(|_| Employment::open(start))
        };
        let employments = match i % 20 {
            0 => vec![span(days(10 + (i % 50) as i64), None)],
            1 => vec![span(days(-800), Some(days(-5)))],
            2 => vec![span(days(-3000), Some(days(-400)))],
            3 => vec![span(days(-2000), Some(days(-900))), span(days(-100), None)],
            _ => vec![span(days(-30 - (i % 2000) as i64), None)],
        };
        let mut e = Employee::new(id, name).with_contact(contact).with_org(org);
        e.employee_number = Some((i / companies.len() + 1).to_string());
        e.employments = employments;
        if i % 10 == 9 {
            e.manager = ManagerRef::external("K. Visser", "k.visser@interim.example");
        } else if i >= companies.len() * 10 {
            // The manager is a person of the same company met earlier with a work e-mail.
            let mut m = i - companies.len() * (1 + i % 9);
            while m % 11 == 5 {
                m -= companies.len();
            }
            e.manager = Some(ManagerRef::employee(EmployeeId::from(
                u32::try_from(100_000 + m).unwrap_or(u32::MAX),
            )));
        }
        employees.push(e);
    }
    let units = companies
        .iter()
        .map(|(id, name)| {
            OrgUnit::new(
                id.parse()
                    .unwrap_or_else(|_| hr_core::OrgUnitId::from(0u32)),
                *name,
                OrgUnitKind::Company,
            )
        })
        .collect();
    HrSnapshot::new("generated", Utc::now(), employees, units)
        .unwrap_or_else(|e| unreachable!("generated ids are unique: {e}"))
}
