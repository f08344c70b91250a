//! The operations the simulator answers and how their responses are written.

use std::fmt::Write as _;

use chrono::{Datelike, Days, NaiveDate};
use hr_core::PostalAddress;

use super::data::{Company, Data, Person};
use super::xml::{Block, Writer, begin_response, empty_response, end_response};

/// The namespace and SOAPAction prefix of every v3 service.
pub(crate) const NS_PREFIX: &str = "https://api.nmbrs.nl/soap/v3/";

/// The ASMX services the simulator answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    Company,
    Debtor,
    Employee,
}

impl Service {
    /// All services.
    pub(crate) const ALL: [Self; 3] = [Self::Company, Self::Debtor, Self::Employee];

    /// The service name as in the path and namespace ("EmployeeService").
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Company => "CompanyService",
            Self::Debtor => "DebtorService",
            Self::Employee => "EmployeeService",
        }
    }

    /// The service's XML namespace.
    pub(crate) fn namespace(self) -> &'static str {
        match self {
            Self::Company => "https://api.nmbrs.nl/soap/v3/CompanyService",
            Self::Debtor => "https://api.nmbrs.nl/soap/v3/DebtorService",
            Self::Employee => "https://api.nmbrs.nl/soap/v3/EmployeeService",
        }
    }

    /// The service of a path segment such as `EmployeeService.asmx` (case-insensitive,
    /// as IIS treats paths).
    pub(crate) fn from_file(file: &str) -> Option<Self> {
        let stem = file.strip_suffix(".asmx").or_else(|| {
            let (stem, ext) = file.rsplit_once('.')?;
            ext.eq_ignore_ascii_case("asmx").then_some(stem)
        })?;
        Self::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(stem))
    }

    /// The operations of this service.
    pub(crate) fn operations(self) -> impl Iterator<Item = Op> {
        Op::ALL.into_iter().filter(move |op| op.service() == self)
    }
}

/// An operation the simulator answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)] // named as Nmbrs names them
pub(crate) enum Op {
    CompanyList_GetAll,
    List_GetByDebtor,
    Company_GetCurrentPeriod,
    CostCenter_GetList,
    DebtorList_GetAll,
    Environment_Get,
    Department_GetList,
    Function_GetList,
    Manager_GetList,
    EmployeeType_GetList,
    List_GetByCompany,
    PersonalInfoWithoutBSN_Get_GetAllEmployeesByCompany,
    PersonalInfo_GetAll_AllEmployeesByCompany,
    Employment_GetAll_AllEmployeesByCompany,
    Contract_GetAll_AllEmployeesByCompany,
    Department_GetAll_AllEmployeesByCompany,
    Function_GetAll_AllEmployeesByCompany_V2,
    Address_GetAll_AllEmployeesByCompany,
    CostCenter_GetAllEmployeesByCompany,
    Manager_GetCurrent,
}

impl Op {
    const ALL: [Self; 20] = [
        Self::CompanyList_GetAll,
        Self::List_GetByDebtor,
        Self::Company_GetCurrentPeriod,
        Self::CostCenter_GetList,
        Self::DebtorList_GetAll,
        Self::Environment_Get,
        Self::Department_GetList,
        Self::Function_GetList,
        Self::Manager_GetList,
        Self::EmployeeType_GetList,
        Self::List_GetByCompany,
        Self::PersonalInfoWithoutBSN_Get_GetAllEmployeesByCompany,
        Self::PersonalInfo_GetAll_AllEmployeesByCompany,
        Self::Employment_GetAll_AllEmployeesByCompany,
        Self::Contract_GetAll_AllEmployeesByCompany,
        Self::Department_GetAll_AllEmployeesByCompany,
        Self::Function_GetAll_AllEmployeesByCompany_V2,
        Self::Address_GetAll_AllEmployeesByCompany,
        Self::CostCenter_GetAllEmployeesByCompany,
        Self::Manager_GetCurrent,
    ];

    /// The operation named `name` in `service` (case-sensitive, as ASMX is).
    pub(crate) fn lookup(service: Service, name: &str) -> Option<Self> {
        service.operations().find(|op| op.name() == name)
    }

    /// The service the operation belongs to.
    pub(crate) fn service(self) -> Service {
        match self {
            Self::CompanyList_GetAll
            | Self::List_GetByDebtor
            | Self::Company_GetCurrentPeriod
            | Self::CostCenter_GetList => Service::Company,
            Self::DebtorList_GetAll
            | Self::Environment_Get
            | Self::Department_GetList
            | Self::Function_GetList
            | Self::Manager_GetList => Service::Debtor,
            _ => Service::Employee,
        }
    }

    /// The operation's name as in the SOAPAction and body element.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::CompanyList_GetAll | Self::DebtorList_GetAll => "List_GetAll",
            Self::List_GetByDebtor => "List_GetByDebtor",
            Self::Company_GetCurrentPeriod => "Company_GetCurrentPeriod",
            Self::CostCenter_GetList => "CostCenter_GetList",
            Self::Environment_Get => "Environment_Get",
            Self::Department_GetList => "Department_GetList",
            Self::Function_GetList => "Function_GetList",
            Self::Manager_GetList => "Manager_GetList",
            Self::EmployeeType_GetList => "EmployeeType_GetList",
            Self::List_GetByCompany => "List_GetByCompany",
            Self::PersonalInfoWithoutBSN_Get_GetAllEmployeesByCompany => {
                "PersonalInfoWithoutBSN_Get_GetAllEmployeesByCompany"
            }
            Self::PersonalInfo_GetAll_AllEmployeesByCompany => {
                "PersonalInfo_GetAll_AllEmployeesByCompany"
            }
            Self::Employment_GetAll_AllEmployeesByCompany => {
                "Employment_GetAll_AllEmployeesByCompany"
            }
            Self::Contract_GetAll_AllEmployeesByCompany => "Contract_GetAll_AllEmployeesByCompany",
            Self::Department_GetAll_AllEmployeesByCompany => {
                "Department_GetAll_AllEmployeesByCompany"
            }
            Self::Function_GetAll_AllEmployeesByCompany_V2 => {
                "Function_GetAll_AllEmployeesByCompany_V2"
            }
            Self::Address_GetAll_AllEmployeesByCompany => "Address_GetAll_AllEmployeesByCompany",
            Self::CostCenter_GetAllEmployeesByCompany => "CostCenter_GetAllEmployeesByCompany",
            Self::Manager_GetCurrent => "Manager_GetCurrent",
        }
    }

    /// `Service/Operation`, the key of the call counters.
    pub(crate) fn key(self) -> String {
        format!("{}/{}", self.service().name(), self.name())
    }

    /// Whether the operation takes the plain `AuthHeader` (it also accepts
    /// `AuthHeaderWithDomain`).
    pub(crate) fn plain_auth_header(self) -> bool {
        self == Self::Environment_Get
    }
}

/// An Nmbrs application error: `---> {code}: {message}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NmbrsFault {
    pub(crate) code: u32,
    pub(crate) message: &'static str,
}

const UNKNOWN_COMPANY: NmbrsFault = NmbrsFault {
    code: 2004,
    message: "Unauthorized access",
};
const UNKNOWN_EMPLOYEE: NmbrsFault = NmbrsFault {
    code: 2003,
    message: "Unauthorized access",
};
const UNKNOWN_DEBTOR: NmbrsFault = NmbrsFault {
    code: 2009,
    message: "Unauthorized access",
};
const INVALID_PERIOD: NmbrsFault = NmbrsFault {
    code: 2006,
    message: "Invalid period",
};

/// The single debtor's id.
pub(crate) const DEBTOR_ID: i32 = 1;

/// What a response depends on besides the data.
#[derive(Debug, Clone)]
pub(crate) struct Context<'a> {
    pub(crate) year: i32,
    pub(crate) period: u32,
    pub(crate) domain: &'a str,
    pub(crate) debtor_name: &'a str,
}

/// An `xs:int` parameter of the operation element; missing or unparsable is 0.
fn int_param(body: &Block, ns: &str, name: &str) -> i32 {
    body.child(ns, name)
        .and_then(|t| t.trim().parse::<i32>().ok())
        .unwrap_or(0)
}

/// Renders the successful response of `op`, or the Nmbrs fault it raises.
pub(crate) fn respond(
    op: Op,
    body: &Block,
    data: &Data,
    cx: &Context<'_>,
) -> Result<String, NmbrsFault> {
    let ns = op.service().namespace();
    let param = |name: &str| int_param(body, ns, name);
    let company = |name: &str| data.company(param(name)).ok_or(UNKNOWN_COMPANY);
    let debtor = || {
        if param("DebtorId") == DEBTOR_ID {
            Ok(())
        } else {
            Err(UNKNOWN_DEBTOR)
        }
    };
    Ok(match op {
        Op::CompanyList_GetAll => companies(op, data),
        Op::List_GetByDebtor => {
            debtor()?;
            companies(op, data)
        }
        Op::Company_GetCurrentPeriod => {
            company("CompanyId")?;
            let mut w = start(op, 256);
            w.num(
                "Company_GetCurrentPeriodResult",
                format_args!("{}-{}-M", cx.year, cx.period),
            );
            finish(w, op)
        }
        Op::CostCenter_GetList => cost_center_list(op, data, company("CompanyId")?),
        Op::DebtorList_GetAll => {
            let mut w = start(op, 512);
            w.open("List_GetAllResult");
            w.open("Debtor");
            w.num("Id", DEBTOR_ID);
            w.num("Number", DEBTOR_ID);
            w.text("Name", cx.debtor_name);
            w.close("Debtor");
            w.close("List_GetAllResult");
            finish(w, op)
        }
        Op::Environment_Get => {
            let mut w = start(op, 512);
            w.open("Environment_GetResult");
            w.text("Domain", &format!("{}.nmbrs.nl", cx.domain));
            w.text("SubDomain", cx.domain);
            w.close("Environment_GetResult");
            finish(w, op)
        }
        Op::Department_GetList => {
            debtor()?;
            let mut w = start(op, 256 + data.departments.len() * 96);
            w.open("Department_GetListResult");
            for d in &data.departments {
                w.open("Department");
                w.num("Id", d.id);
                w.num("Code", d.id);
                w.text("Description", &d.name);
                w.close("Department");
            }
            w.close("Department_GetListResult");
            finish(w, op)
        }
        Op::Function_GetList => {
            debtor()?;
            let mut w = start(op, 256 + data.functions.len() * 96);
            w.open("Function_GetListResult");
            for i in 0..data.functions.len() {
                function(&mut w, data, i);
            }
            w.close("Function_GetListResult");
            finish(w, op)
        }
        Op::Manager_GetList => {
            debtor()?;
            let mut w = start(op, 256 + data.managers.len() * 320);
            w.open("Manager_GetListResult");
            for i in 0..data.managers.len() {
                w.open("Manager");
                manager_fields(&mut w, data, i);
                w.close("Manager");
            }
            w.close("Manager_GetListResult");
            finish(w, op)
        }
        Op::EmployeeType_GetList => {
            let mut w = start(op, 256 + data.employee_types.len() * 96);
            w.open("EmployeeType_GetListResult");
            for (code, label) in &data.employee_types {
                w.open("EmployeeType");
                w.num("Id", code);
                w.opt("Description", label.as_deref());
                w.close("EmployeeType");
            }
            w.close("EmployeeType_GetListResult");
            finish(w, op)
        }
        Op::List_GetByCompany => {
            let c = company("CompanyId")?;
            let wanted = param("EmployeeType");
            let mut w = start(op, 256 + c.people.len() * 128);
            w.open("List_GetByCompanyResult");
            for p in data
                .people_of(c)
                .filter(|p| p.employee_type == Some(wanted))
            {
                w.open("Employee");
                w.num("Id", p.id);
                w.num("Number", p.number.unwrap_or(0));
                w.text("DisplayName", &p.display_name);
                w.close("Employee");
            }
            w.close("List_GetByCompanyResult");
            finish(w, op)
        }
        Op::PersonalInfoWithoutBSN_Get_GetAllEmployeesByCompany => {
            personal_infos(op, data, company("CompanyID")?, cx, false)
        }
        Op::PersonalInfo_GetAll_AllEmployeesByCompany => {
            personal_infos(op, data, company("CompanyID")?, cx, true)
        }
        Op::Employment_GetAll_AllEmployeesByCompany => employments(op, data, company("CompanyID")?),
        Op::Contract_GetAll_AllEmployeesByCompany => contracts(op, data, company("CompanyID")?),
        Op::Department_GetAll_AllEmployeesByCompany => {
            departments(op, data, company("CompanyID")?, cx)
        }
        Op::Function_GetAll_AllEmployeesByCompany_V2 => {
            functions(op, data, company("CompanyID")?, cx)
        }
        Op::Address_GetAll_AllEmployeesByCompany => addresses(op, data, company("CompanyID")?, cx),
        Op::CostCenter_GetAllEmployeesByCompany => {
            let c = company("CompanyId")?;
            let (period, year) = (param("Period"), param("Year"));
            if !(1..=13).contains(&period) || !(1900..=2100).contains(&year) {
                return Err(INVALID_PERIOD);
            }
            cost_centers(op, data, c)
        }
        Op::Manager_GetCurrent => {
            let p = data.person(param("EmployeeId")).ok_or(UNKNOWN_EMPLOYEE)?;
            match p.manager {
                None => empty_response(op.name(), ns),
                Some(m) => {
                    let mut w = start(op, 1024);
                    w.open("Manager_GetCurrentResult");
                    manager_fields(&mut w, data, m);
                    w.close("Manager_GetCurrentResult");
                    finish(w, op)
                }
            }
        }
    })
}

fn start(op: Op, capacity: usize) -> Writer {
    let mut w = Writer::with_capacity(capacity + 512);
    begin_response(&mut w, op.name(), op.service().namespace());
    w
}

fn finish(mut w: Writer, op: Op) -> String {
    end_response(&mut w, op.name());
    w.out
}

fn result_tag(op: Op) -> String {
    format!("{}Result", op.name())
}

fn companies(op: Op, data: &Data) -> String {
    let tag = result_tag(op);
    let mut w = start(op, 256 + data.companies.len() * 160);
    w.open(&tag);
    for c in &data.companies {
        w.open("Company");
        w.num("ID", c.id);
        w.num("Number", c.number);
        w.text("Name", &c.name);
        w.text("LoonaangifteTijdvak", "Month");
        w.close("Company");
    }
    w.close(&tag);
    finish(w, op)
}

fn cost_center_list(op: Op, data: &Data, company: &Company) -> String {
    // Distinct codes of the company, with the first label the company's people give them.
    let mut seen: Vec<(usize, Option<&str>)> = Vec::new();
    for p in data.people_of(company) {
        if let Some(cc) = &p.cost_center {
            for (idx, label) in [
                (cc.own, cc.label.as_deref()),
                (cc.other, Some(Data::other_label())),
            ] {
                if !seen.iter().any(|(i, _)| *i == idx) {
                    seen.push((idx, label));
                }
            }
        }
    }
    seen.sort_by_key(|(i, _)| *i);
    let mut w = start(op, 256 + seen.len() * 128);
    w.open("CostCenter_GetListResult");
    for (idx, label) in seen {
        if let Some(cc) = data.cost_centers.get(idx) {
            w.open("CostCenter");
            w.text("Code", &cc.code);
            w.opt("Description", label);
            w.num("Id", cc.id);
            w.close("CostCenter");
        }
    }
    w.close("CostCenter_GetListResult");
    finish(w, op)
}

fn function(w: &mut Writer, data: &Data, index: usize) {
    w.open("Function");
    w.num("Id", 100 + index);
    w.num("Code", 1 + index);
    w.opt("Description", data.functions.get(index).map(String::as_str));
    w.close("Function");
}

fn manager_fields(w: &mut Writer, data: &Data, index: usize) {
    let Some(m) = data.managers.get(index) else {
        return;
    };
    w.num("Number", index + 1);
    w.opt("FirstName", m.first_name.as_deref());
    w.opt("Name", m.name.as_deref());
    w.opt("Department", m.department.as_deref());
    w.opt("Function", m.function.as_deref());
    w.opt("PhoneNumber", m.phone.as_deref());
    w.opt("Mobile", m.mobile.as_deref());
    w.opt("Email", m.email.as_deref());
}

// ---------------------------------------------------------------------------------------
// History records

/// Which version of a person's data a history record carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The record the reader must pick.
    Current,
    /// Effective a year before the current period, different data.
    Stale,
    /// Effective in the current period but created before the current record.
    Duplicate,
    /// Effective next year, created last.
    Future,
}

impl Kind {
    fn ordinal(self) -> i64 {
        match self {
            Self::Current => 0,
            Self::Stale => 1,
            Self::Duplicate => 2,
            Self::Future => 3,
        }
    }
}

/// The records a person's personal info, department and function history consist of,
/// deliberately not in date order.
fn kinds(p: &Person) -> impl Iterator<Item = Kind> {
    let future = p.has_future_record().then_some(Kind::Future);
    let duplicate = p.has_duplicate_record().then_some(Kind::Duplicate);
    let order = if p.index.is_multiple_of(2) {
        [Some(Kind::Current), future, Some(Kind::Stale), duplicate]
    } else {
        [future, duplicate, Some(Kind::Current), Some(Kind::Stale)]
    };
    order.into_iter().flatten()
}

/// Effective period and creation timestamp of a record.
struct Stamp {
    year: i32,
    period: u32,
    created: String,
}

fn first_of(year: i32, period: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, period.clamp(1, 12), 1).unwrap_or(NaiveDate::MIN)
}

fn date_time(date: NaiveDate, time: &str) -> String {
    format!(
        "{:04}-{:02}-{:02}T{time}",
        date.year(),
        date.month(),
        date.day()
    )
}

fn days_before(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_sub_days(Days::new(days)).unwrap_or(date)
}

fn stamp(kind: Kind, p: &Person, cx: &Context<'_>) -> Stamp {
    let (y, per) = (cx.year, cx.period);
    match kind {
        Kind::Current => {
            let period = if p.index.is_multiple_of(2) || p.has_duplicate_record() {
                per
            } else {
                1
            };
            Stamp {
                year: y,
                period,
                created: date_time(days_before(first_of(y, period), 12), "14:02:11.1"),
            }
        }
        Kind::Stale => Stamp {
            year: y - 1,
            period: per,
            created: date_time(days_before(first_of(y - 1, per), 20), "09:15:27.473"),
        },
        Kind::Duplicate => Stamp {
            year: y,
            period: per,
            created: date_time(days_before(first_of(y, per), 40), "08:00:00"),
        },
        Kind::Future => Stamp {
            year: y + 1,
            period: per,
            created: date_time(days_before(first_of(y, per), 5), "10:11:12.25"),
        },
    }
}

fn write_stamp(w: &mut Writer, s: &Stamp) {
    w.text("CreationDate", &s.created);
    w.num("StartPeriod", s.period);
    w.num("StartYear", s.year);
}

/// The work e-mail a record of `kind` carries: the real one only in the current record.
fn work_email(kind: Kind, p: &Person) -> Option<String> {
    let tag = match kind {
        Kind::Current => return p.employee.contact.work_email.clone(),
        Kind::Stale => "old",
        Kind::Duplicate => "draft",
        Kind::Future => "new",
    };
    Some(match &p.employee.contact.work_email {
        Some(email) => format!("{tag}.{email}"),
        None => format!("{tag}.{}@former.example", p.id),
    })
}

/// A fake BSN that passes the eleven test (99999999x range, never issued).
const FAKE_BSN: &str = "999999990";

fn personal_infos(op: Op, data: &Data, company: &Company, cx: &Context<'_>, bsn: bool) -> String {
    let tag = result_tag(op);
    let mut w = start(op, 512 + company.people.len() * 2_400);
    w.open(&tag);
    for p in data.people_of(company) {
        let e = &p.employee;
        let n = &e.name;
        let c = &e.contact;
        w.open("PersonalInfoItem");
        w.num("EmployeeId", p.id);
        w.open("EmployeePersonalInfos");
        for kind in kinds(p) {
            let s = stamp(kind, p, cx);
            w.open("PersonalInfo_V2");
            w.num("Id", p.record_base() + kind.ordinal());
            w.text("DisplayName", &p.display_name);
            if let Some(number) = p.number {
                w.num("EmployeeNumber", number);
            }
            if bsn {
                w.text("BSN", FAKE_BSN);
            }
            w.empty("Title");
            w.opt("FirstName", n.first_names.as_deref());
            w.opt("Initials", n.initials.as_deref());
            w.opt("Prefix", n.family_name_prefix.as_deref());
            w.text("LastName", &n.family_name);
            w.opt("Nickname", n.given_name.as_deref());
            w.text("Gender", "undefined");
            w.num("NationalityCode", 1);
            w.num("IdentificationType", 0);
            w.opt("PartnerPrefix", n.partner_family_name_prefix.as_deref());
            w.opt("PartnerLastName", n.partner_family_name.as_deref());
            w.opt("TelephoneWork", c.work_phone.as_deref());
            w.opt("TelephoneMobilePrivate", c.private_mobile.as_deref());
            w.opt("TelephoneMobileWork", c.work_mobile.as_deref());
            w.opt("EmailPrivate", c.private_email.as_deref());
            w.opt("EmailWork", work_email(kind, p).as_deref());
            w.num("BurgerlijkeStaat", 0);
            w.num("Naamstelling", n.convention.nmbrs_code());
            w.nil("Birthday");
            write_stamp(&mut w, &s);
            w.close("PersonalInfo_V2");
        }
        w.close("EmployeePersonalInfos");
        w.close("PersonalInfoItem");
    }
    w.close(&tag);
    finish(w, op)
}

fn departments(op: Op, data: &Data, company: &Company, cx: &Context<'_>) -> String {
    let tag = result_tag(op);
    let mut w = start(op, 512 + company.people.len() * 900);
    w.open(&tag);
    for p in data.people_of(company) {
        w.open("EmployeeDepartmentItem");
        w.num("EmployeeId", p.id);
        match &p.department {
            None => w.empty("EmployeeDepartments"),
            Some((id, name)) => {
                w.open("EmployeeDepartments");
                for kind in kinds(p) {
                    let (id, name) = match (kind, data.departments.get(p.other_department)) {
                        (Kind::Current, _) | (_, None) => (*id, name.as_str()),
                        (_, Some(other)) => (other.id, other.name.as_str()),
                    };
                    w.open("Department_V2");
                    w.num("Id", id);
                    w.num("Code", id);
                    w.text("Description", name);
                    write_stamp(&mut w, &stamp(kind, p, cx));
                    w.close("Department_V2");
                }
                w.close("EmployeeDepartments");
            }
        }
        w.close("EmployeeDepartmentItem");
    }
    w.close(&tag);
    finish(w, op)
}

fn functions(op: Op, data: &Data, company: &Company, cx: &Context<'_>) -> String {
    let tag = result_tag(op);
    let mut w = start(op, 512 + company.people.len() * 1_000);
    w.open(&tag);
    for p in data.people_of(company) {
        w.open("EmployeeFunctionItem_V2");
        w.num("EmployeeId", p.id);
        match p.functions {
            None => w.empty("EmployeeFunctions"),
            Some([current, stale, future]) => {
                w.open("EmployeeFunctions");
                for kind in kinds(p) {
                    let index = match kind {
                        Kind::Current => current,
                        Kind::Stale | Kind::Duplicate => stale,
                        Kind::Future => future,
                    };
                    w.open("EmployeeFunction");
                    w.num("RecordId", p.record_base() + 4 + kind.ordinal());
                    function(&mut w, data, index);
                    write_stamp(&mut w, &stamp(kind, p, cx));
                    w.close("EmployeeFunction");
                }
                w.close("EmployeeFunctions");
            }
        }
        w.close("EmployeeFunctionItem_V2");
    }
    w.close(&tag);
    finish(w, op)
}

struct AddressRecord<'a> {
    id: i64,
    start: (i32, u32),
    end: Option<(i32, u32)>,
    address: &'a PostalAddress,
    created: String,
    kind: &'static str,
}

fn write_address(w: &mut Writer, r: &AddressRecord<'_>) {
    let a = r.address;
    w.open("EmployeeAddress_V2");
    w.num("Id", r.id);
    w.num("StartPeriod", r.start.1);
    w.num("StartYear", r.start.0);
    match r.end {
        Some((year, period)) => {
            w.num("EndPeriod", period);
            w.num("EndYear", year);
        }
        None => {
            w.nil("EndPeriod");
            w.nil("EndYear");
        }
    }
    w.opt("Street", a.street.as_deref());
    w.opt("HouseNumber", a.house_number.as_deref());
    w.opt("HouseNumberAddition", a.house_number_addition.as_deref());
    w.opt("PostalCode", a.postal_code.as_deref());
    w.opt("City", a.city.as_deref());
    w.opt("StateProvince", a.state.as_deref());
    w.text("CreationDate", &r.created);
    w.opt("CountryISOCode", a.country.as_ref().map(|c| c.as_str()));
    w.text("Type", r.kind);
    w.close("EmployeeAddress_V2");
}

fn addresses(op: Op, data: &Data, company: &Company, cx: &Context<'_>) -> String {
    let tag = result_tag(op);
    let mut w = start(op, 512 + company.people.len() * 1_200);
    w.open(&tag);
    let y = cx.year;
    for p in data.people_of(company) {
        w.open("EmployeeAddressItem");
        w.num("EmployeeId", p.id);
        match &p.employee.address {
            None => w.empty("EmployeeAddresses"),
            Some(home) => {
                w.open("EmployeeAddresses");
                let base = p.record_base() + 8;
                let current = AddressRecord {
                    id: base,
                    start: (y - 1, 1),
                    end: None,
                    address: home,
                    created: date_time(days_before(first_of(y - 1, 1), 9), "11:20:05.473"),
                    kind: "HomeAddress",
                };
                if p.extra_addresses {
                    let mut post = home.clone();
                    post.street = Some("Postbus".to_owned());
                    post.house_number = Some(format!("{}", 1000 + p.index % 9000));
                    post.house_number_addition = None;
                    post.postal_code = Some("9999 ZZ".to_owned());
                    post.city = Some("Postkantoor".to_owned());
                    let mut old = home.clone();
                    old.street = Some(format!(
                        "Oude {}",
                        home.street.as_deref().unwrap_or("Straat")
                    ));
                    old.house_number = Some("1".to_owned());
                    old.house_number_addition = Some("zw".to_owned());
                    old.postal_code = Some("1000 AA".to_owned());
                    old.city = Some("Oudeplaats".to_owned());
                    write_address(
                        &mut w,
                        &AddressRecord {
                            id: base + 1,
                            start: (y - 1, 1),
                            end: None,
                            address: &post,
                            created: date_time(days_before(first_of(y - 1, 1), 8), "16:45:00"),
                            kind: "PostAddress",
                        },
                    );
                    write_address(
                        &mut w,
                        &AddressRecord {
                            id: base + 2,
                            start: (y - 4, 3),
                            end: Some((y - 2, 12)),
                            address: &old,
                            created: date_time(days_before(first_of(y - 4, 3), 30), "10:00:00.1"),
                            kind: "HomeAddress",
                        },
                    );
                }
                write_address(&mut w, &current);
                w.close("EmployeeAddresses");
            }
        }
        w.close("EmployeeAddressItem");
    }
    w.close(&tag);
    finish(w, op)
}

fn employments(op: Op, data: &Data, company: &Company) -> String {
    let tag = result_tag(op);
    let mut w = start(op, 512 + company.people.len() * 400);
    w.open(&tag);
    for p in data.people_of(company) {
        w.open("EmployeeEmploymentItem");
        w.num("EmployeeId", p.id);
        if p.employee.employments.is_empty() {
            w.empty("EmployeeEmployments");
        } else {
            w.open("EmployeeEmployments");
            for (j, (id, job)) in (p.first_employment_id..)
                .zip(&p.employee.employments)
                .enumerate()
            {
                w.open("Employment");
                w.num("EmploymentId", id);
                let time = if j % 2 == 0 {
                    "09:30:00.473"
                } else {
                    "13:05:41"
                };
                w.text(
                    "CreationDate",
                    &date_time(days_before(job.start(), 14), time),
                );
                date(&mut w, "StartDate", Some(job.start()));
                date(&mut w, "EndDate", job.end());
                date(&mut w, "InitialStartDate", Some(job.start()));
                w.close("Employment");
            }
            w.close("EmployeeEmployments");
        }
        w.close("EmployeeEmploymentItem");
    }
    w.close(&tag);
    finish(w, op)
}

fn contracts(op: Op, data: &Data, company: &Company) -> String {
    let tag = result_tag(op);
    let mut w = start(op, 512 + company.people.len() * 600);
    w.open(&tag);
    for p in data.people_of(company) {
        w.open("EmployeeContractItemGlobal");
        w.num("EmployeeId", p.id);
        if p.employee.employments.is_empty() {
            w.empty("EmployeeContracts");
        } else {
            w.open("EmployeeContracts");
            for (j, (id, job)) in (p.first_employment_id..)
                .zip(&p.employee.employments)
                .enumerate()
            {
                w.open("EmployeeContract");
                w.num("ContractID", id + 1_000_000);
                w.text(
                    "CreationDate",
                    &date_time(days_before(job.start(), 10), "15:40:00.1"),
                );
                date(&mut w, "StartDate", Some(job.start()));
                let trial = (j % 2 == 0)
                    .then(|| job.start().checked_add_days(Days::new(30)))
                    .flatten();
                date(&mut w, "TrialPeriod", trial);
                date(&mut w, "EndDate", job.end());
                w.num("EmployementType", 1);
                w.num("EmploymentSequenceTaxId", j + 1);
                w.boolean("Indefinite", job.end().is_none());
                w.num("PhaseClassification", 0);
                w.boolean("WrittenContract", true);
                w.text("HoursPerWeek", if j % 2 == 0 { "40.00" } else { "32.5" });
                w.close("EmployeeContract");
            }
            w.close("EmployeeContracts");
        }
        w.close("EmployeeContractItemGlobal");
    }
    w.close(&tag);
    finish(w, op)
}

fn cost_centers(op: Op, data: &Data, company: &Company) -> String {
    let tag = result_tag(op);
    let mut w = start(op, 512 + company.people.len() * 900);
    w.open(&tag);
    for p in data.people_of(company) {
        w.open("EmployeeCostCenters");
        w.num("EmployeeId", p.id);
        match &p.cost_center {
            None => w.empty("CostCenters"),
            Some(cc) => {
                w.open("CostCenters");
                let base = p.record_base() + 11;
                let entries = [
                    (
                        base + 1,
                        cc.other,
                        Some(Data::other_label()),
                        "40.00",
                        false,
                    ),
                    (base, cc.own, cc.label.as_deref(), "60.00", true),
                ];
                for (id, idx, label, percentage, default) in entries {
                    let Some(center) = data.cost_centers.get(idx) else {
                        continue;
                    };
                    w.open("EmployeeCostCenter");
                    w.num("Id", id);
                    w.open("CostCenter");
                    w.text("Code", &center.code);
                    w.opt("Description", label);
                    w.num("Id", center.id);
                    w.close("CostCenter");
                    w.open("Kostensoort");
                    w.text("Code", "4000");
                    w.text("Description", "Personeelskosten");
                    w.close("Kostensoort");
                    w.text("Percentage", percentage);
                    w.boolean("Default", default);
                    w.close("EmployeeCostCenter");
                }
                w.close("CostCenters");
            }
        }
        w.close("EmployeeCostCenters");
    }
    w.close(&tag);
    finish(w, op)
}

/// `<tag>YYYY-MM-DDT00:00:00</tag>`, or `xsi:nil` for `None`.
fn date(w: &mut Writer, tag: &str, value: Option<NaiveDate>) {
    match value {
        None => w.nil(tag),
        Some(d) => {
            w.open(tag);
            let _ = write!(
                w.out,
                "{:04}-{:02}-{:02}T00:00:00",
                d.year(),
                d.month(),
                d.day()
            );
            w.close(tag);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::data::{OTHER_COST_CENTER, stale_title};
    use super::*;

    #[test]
    fn services_and_operations_round_trip() {
        assert_eq!(
            Service::from_file("EmployeeService.asmx"),
            Some(Service::Employee)
        );
        assert_eq!(
            Service::from_file("employeeservice.ASMX"),
            Some(Service::Employee)
        );
        assert_eq!(Service::from_file("EmployeeService"), None);
        assert_eq!(Service::from_file("ReportService.asmx"), None);
        for op in Op::ALL {
            assert_eq!(Op::lookup(op.service(), op.name()), Some(op));
        }
        assert_eq!(
            Op::lookup(Service::Debtor, "List_GetAll"),
            Some(Op::DebtorList_GetAll)
        );
        assert_eq!(Op::lookup(Service::Company, "list_getall"), None);
        assert_eq!(stale_title("X"), "Junior X");
        assert_eq!(OTHER_COST_CENTER, "ZZ-OTHER");
    }
}
