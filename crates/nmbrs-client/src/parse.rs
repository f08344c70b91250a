//! Response parsers, one per operation, over quick-xml's streaming reader.
//!
//! Each takes a whole SOAP answer and returns typed records or an [`Error`]: a SOAP fault
//! becomes its fault error, anything that is not a well-formed envelope a
//! [`ErrorKind::Protocol`](crate::ErrorKind::Protocol) or
//! [`ErrorKind::Truncated`](crate::ErrorKind::Truncated) error, and a value of the wrong
//! shape an [`ErrorKind::InvalidData`](crate::ErrorKind::InvalidData) error naming the
//! item, the employee and the element. They never panic, whatever the input.
//!
//! What they tolerate (research §5): any envelope prefix and SOAP version; `xsi:nil`,
//! omitted and empty values (all `None`); unknown elements; any name for array items and
//! wrappers; `0001-01-01` as no date; dates with or without fractional seconds or offset
//! (the calendar date is kept); `ID` and `Id`; decimal commas.
//!
//! ```
//! let xml = br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
//!   <EmployeeType_GetListResponse xmlns="https://api.nmbrs.nl/soap/v3/EmployeeService">
//!     <EmployeeType_GetListResult>
//!       <EmployeeType><Id>2</Id><Description>Payroll</Description></EmployeeType>
//!     </EmployeeType_GetListResult>
//!   </EmployeeType_GetListResponse></soap:Body></soap:Envelope>"#;
//! let types = nmbrs_client::parse::employee_types(xml)?;
//! assert_eq!(types[0].description.as_deref(), Some("Payroll"));
//! # Ok::<(), nmbrs_client::Error>(())
//! ```

use std::borrow::Cow;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::model::{
    AddressRecord, Bsn, CodeItem, Company, CompanyId, ContractRecord, CostCenterShare, Debtor,
    DebtorId, DepartmentRecord, Effective, EmployeeId, EmployeeRecords, EmployeeSummary,
    EmployeeType, EmploymentRecord, EnvironmentInfo, FunctionRecord, Manager, Period, PersonalInfo,
    PersonalInfoWithBsn,
};
use crate::xml::{Cursor, Elem, open_envelope};

/// Where a value was read, for error messages.
#[derive(Clone, Copy)]
struct Ctx {
    item: usize,
    employee: Option<i32>,
    kind: &'static str,
}

impl Ctx {
    fn record(&self) -> String {
        match self.employee {
            Some(e) => format!("item {} (employee {e})", self.item + 1),
            None => format!("item {}", self.item + 1),
        }
    }

    fn bad(&self, e: &Elem<'_>, message: String) -> Error {
        Error::invalid_data(
            self.record(),
            format!("{}/{}", self.kind, e.local_str()),
            message,
        )
    }
}

fn string<'a>(cur: &mut Cursor<'a>, e: &Elem<'a>) -> Result<Option<String>> {
    Ok(cur.text(e)?.map(Cow::into_owned))
}

fn int<'a>(cur: &mut Cursor<'a>, e: &Elem<'a>, ctx: Ctx) -> Result<Option<i32>> {
    match cur.text(e)? {
        None => Ok(None),
        Some(t) => t
            .parse()
            .map(Some)
            .map_err(|_| ctx.bad(e, format!("not a 32-bit integer: {t:?}"))),
    }
}

fn boolean<'a>(cur: &mut Cursor<'a>, e: &Elem<'a>, ctx: Ctx) -> Result<Option<bool>> {
    match cur.text(e)?.as_deref() {
        None => Ok(None),
        Some(t) if t.eq_ignore_ascii_case("true") || t == "1" => Ok(Some(true)),
        Some(t) if t.eq_ignore_ascii_case("false") || t == "0" => Ok(Some(false)),
        Some(t) => Err(ctx.bad(e, format!("not a boolean: {t:?}"))),
    }
}

fn decimal<'a>(cur: &mut Cursor<'a>, e: &Elem<'a>, ctx: Ctx) -> Result<Option<Decimal>> {
    match cur.text(e)? {
        None => Ok(None),
        Some(t) => {
            let normalised = t.replace(',', ".");
            Decimal::from_str(&normalised)
                .or_else(|_| Decimal::from_scientific(&normalised))
                .map(Some)
                .map_err(|_| ctx.bad(e, format!("not a decimal: {t:?}")))
        }
    }
}

/// `n` ASCII digits at `at` as a number.
fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    b.get(at..at + n)?.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// The calendar date of an `xs:dateTime` or `xs:date`; `0001-01-01` is no value.
fn parse_date(t: &str) -> Option<Option<NaiveDate>> {
    let b = t.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    if b.len() > 10 && !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let year = i32::try_from(digits(b, 0, 4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, digits(b, 5, 2)?, digits(b, 8, 2)?)?;
    Some((date != NaiveDate::from_ymd_opt(1, 1, 1)?).then_some(date))
}

fn date<'a>(cur: &mut Cursor<'a>, e: &Elem<'a>, ctx: Ctx) -> Result<Option<NaiveDate>> {
    match cur.text(e)? {
        None => Ok(None),
        Some(t) => parse_date(&t).ok_or_else(|| ctx.bad(e, format!("not a date: {t:?}"))),
    }
}

/// An `xs:dateTime` without offset as a local date and time (fractions kept, any offset
/// suffix ignored: Nmbrs sends Dutch local times).
fn parse_datetime(t: &str) -> Option<Option<NaiveDateTime>> {
    let Some(day) = parse_date(t)? else {
        return Some(None);
    };
    let b = t.as_bytes();
    if b.len() == 10 {
        return Some(day.and_hms_opt(0, 0, 0));
    }
    if b.len() < 19 || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, m, sec) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    let mut nanos = 0u32;
    if b.get(19) == Some(&b'.') {
        let frac = b[20..].iter().take_while(|c| c.is_ascii_digit()).take(9);
        let mut scale = 100_000_000;
        for &c in frac {
            nanos += u32::from(c - b'0') * scale;
            scale /= 10;
        }
    }
    let time = NaiveTime::from_hms_nano_opt(h, m, sec, nanos)?;
    Some(Some(day.and_time(time)))
}

fn datetime<'a>(cur: &mut Cursor<'a>, e: &Elem<'a>, ctx: Ctx) -> Result<Option<NaiveDateTime>> {
    match cur.text(e)? {
        None => Ok(None),
        Some(t) => {
            parse_datetime(&t).ok_or_else(|| ctx.bad(e, format!("not a date and time: {t:?}")))
        }
    }
}

/// Reads `StartYear`/`StartPeriod` (or `EndYear`/`EndPeriod`) into a pair.
#[derive(Default)]
struct PeriodParts {
    year: Option<i32>,
    period: Option<i32>,
}

impl PeriodParts {
    fn finish(self) -> Option<Effective> {
        self.year.map(|year| Effective {
            year,
            period: self.period.unwrap_or(1),
        })
    }
}

/// Walks `Envelope/Body/{Op}Response`, then the first child of the response (the result
/// wrapper, whatever its name), calling `item` for each child of it. Nil items are skipped.
fn list<'a, T>(
    body: &'a [u8],
    mut item: impl FnMut(&mut Cursor<'a>, Elem<'a>, usize) -> Result<T>,
) -> Result<Vec<T>> {
    let (mut cur, response) = open_envelope(body)?;
    let mut out = Vec::new();
    if let Some(response) = response {
        let mut seen_result = false;
        cur.each_child(&response, |cur, result| {
            if seen_result {
                return cur.skip(&result);
            }
            seen_result = true;
            cur.each_child(&result, |cur, it| {
                if it.is_nil() {
                    return cur.skip(&it);
                }
                let index = out.len();
                out.push(item(cur, it, index)?);
                Ok(())
            })
        })?;
    }
    finish(&mut cur)?;
    Ok(out)
}

/// The single value of a response (`{Op}Result`), or `None` when the result is nil,
/// empty or absent.
fn single<'a, T>(
    body: &'a [u8],
    value: impl FnOnce(&mut Cursor<'a>, Elem<'a>) -> Result<Option<T>>,
) -> Result<Option<T>> {
    let (mut cur, response) = open_envelope(body)?;
    let mut out = None;
    let mut value = Some(value);
    if let Some(response) = response {
        cur.each_child(&response, |cur, result| match value.take() {
            Some(f) if !result.is_nil() => {
                out = f(cur, result)?;
                Ok(())
            }
            _ => cur.skip(&result),
        })?;
    }
    finish(&mut cur)?;
    Ok(out)
}

/// Reads past the end of `Body` and `Envelope`, so a cut answer is noticed.
fn finish(cur: &mut Cursor<'_>) -> Result<()> {
    let open = if cur.body_closed { 1 } else { 2 };
    for _ in 0..open {
        while let Some(extra) = cur.next_child()? {
            cur.skip(&extra)?;
        }
    }
    Ok(())
}

/// Items grouped per employee: `{EmployeeId, <wrapper>{record*}}`.
fn grouped<'a, T>(
    body: &'a [u8],
    kind: &'static str,
    mut record: impl FnMut(&mut Cursor<'a>, Elem<'a>, Ctx) -> Result<T>,
) -> Result<Vec<EmployeeRecords<T>>> {
    // Records are gathered in one scratch vector and moved out at their exact count, so
    // no person's list carries the spare capacity of a growing vector.
    let mut records: Vec<T> = Vec::new();
    list(body, |cur, item, index| {
        let mut ctx = Ctx {
            item: index,
            employee: None,
            kind,
        };
        records.clear();
        cur.each_child(&item, |cur, child| {
            if is_employee_id(&child) {
                let id_ctx = Ctx {
                    kind: "item",
                    ..ctx
                };
                ctx.employee = int(cur, &child, id_ctx)?;
                return Ok(());
            }
            // The first other child that holds records is their wrapper, whatever its
            // name; a scalar element Nmbrs may add holds none, and any element after the
            // wrapper is skipped, so an unknown structure never becomes a record.
            if !records.is_empty() {
                return cur.skip(&child);
            }
            cur.each_child(&child, |cur, r| {
                if r.is_nil() {
                    return cur.skip(&r);
                }
                records.push(record(cur, r, ctx)?);
                Ok(())
            })
        })?;
        let employee_id = ctx.employee.ok_or_else(|| {
            Error::invalid_data(
                ctx.record(),
                "item/EmployeeId",
                "the item has no EmployeeId",
            )
        })?;
        let mut exact = Vec::with_capacity(records.len());
        exact.append(&mut records);
        Ok(EmployeeRecords::new(EmployeeId(employee_id), exact))
    })
}

fn is_employee_id(e: &Elem<'_>) -> bool {
    matches!(e.local(), b"EmployeeId" | b"EmployeeID")
}

/// Fields of one flat record: calls `field` for each child with its local name.
fn fields<'a>(
    cur: &mut Cursor<'a>,
    e: &Elem<'a>,
    mut field: impl FnMut(&mut Cursor<'a>, &Elem<'a>) -> Result<bool>,
) -> Result<()> {
    cur.each_child(e, |cur, child| {
        if !field(cur, &child)? {
            cur.skip(&child)?;
        }
        Ok(())
    })
}

fn code_item<'a>(cur: &mut Cursor<'a>, e: &Elem<'a>, ctx: Ctx) -> Result<CodeItem> {
    let mut out = CodeItem::default();
    fields(cur, e, |cur, f| {
        match f.local() {
            b"Id" | b"ID" => out.id = int(cur, f, ctx)?,
            b"Code" => out.code = string(cur, f)?,
            b"Description" => out.description = string(cur, f)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(out)
}

/// Checks that `body` is a complete SOAP envelope that is not a fault, for operations
/// without a typed parser (what [`crate::NmbrsClient::call_raw`] does with an answer).
///
/// # Errors
/// The fault's error, or [`ErrorKind::Protocol`](crate::ErrorKind::Protocol) /
/// [`ErrorKind::Truncated`](crate::ErrorKind::Truncated).
pub fn check(body: &[u8]) -> Result<()> {
    let (mut cur, response) = open_envelope(body)?;
    if let Some(response) = response {
        cur.skip(&response)?;
    }
    finish(&mut cur)
}

/// `CompanyService.List_GetAll` / `List_GetByDebtor`.
///
/// # Errors
/// As the [module](self) says.
pub fn companies(body: &[u8]) -> Result<Vec<Company>> {
    list(body, |cur, item, index| {
        let ctx = Ctx {
            item: index,
            employee: None,
            kind: "Company",
        };
        let mut c = Company::default();
        fields(cur, &item, |cur, f| {
            match f.local() {
                b"ID" | b"Id" => c.id = int(cur, f, ctx)?.map(CompanyId),
                b"Number" => c.number = string(cur, f)?,
                b"Name" => c.name = string(cur, f)?,
                b"PhoneNumber" => c.phone_number = string(cur, f)?,
                b"FaxNumber" => c.fax_number = string(cur, f)?,
                b"Email" => c.email = string(cur, f)?,
                b"Website" => c.website = string(cur, f)?,
                b"LoonaangifteTijdvak" => c.loonaangifte_tijdvak = string(cur, f)?,
                b"KvkNr" => c.kvk_nr = string(cur, f)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(c)
    })
}

/// `DebtorService.List_GetAll`.
///
/// # Errors
/// As the [module](self) says.
pub fn debtors(body: &[u8]) -> Result<Vec<Debtor>> {
    list(body, |cur, item, index| {
        let ctx = Ctx {
            item: index,
            employee: None,
            kind: "Debtor",
        };
        let mut d = Debtor::default();
        fields(cur, &item, |cur, f| {
            match f.local() {
                b"Id" | b"ID" => d.id = int(cur, f, ctx)?.map(DebtorId),
                b"Number" => d.number = string(cur, f)?,
                b"Name" => d.name = string(cur, f)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(d)
    })
}

/// `DebtorService.Environment_Get`.
///
/// # Errors
/// As the [module](self) says.
pub fn environment(body: &[u8]) -> Result<EnvironmentInfo> {
    let env = single(body, |cur, result| {
        let mut env = EnvironmentInfo::default();
        fields(cur, &result, |cur, f| {
            match f.local() {
                b"Domain" => env.domain = string(cur, f)?,
                b"SubDomain" => env.sub_domain = string(cur, f)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(Some(env))
    })?;
    Ok(env.unwrap_or_default())
}

/// Master lists of `Id`/`Code`/`Description` items: `DebtorService.Department_GetList`,
/// `DebtorService.Function_GetList`, `CompanyService.CostCenter_GetList`.
///
/// # Errors
/// As the [module](self) says.
pub fn code_items(body: &[u8]) -> Result<Vec<CodeItem>> {
    list(body, |cur, item, index| {
        let ctx = Ctx {
            item: index,
            employee: None,
            kind: "item",
        };
        code_item(cur, &item, ctx)
    })
}

fn manager_fields<'a>(cur: &mut Cursor<'a>, e: &Elem<'a>) -> Result<Manager> {
    let mut m = Manager::default();
    fields(cur, e, |cur, f| {
        let slot = match f.local() {
            b"Number" => &mut m.number,
            b"FirstName" => &mut m.first_name,
            b"Name" => &mut m.name,
            b"Department" => &mut m.department,
            b"Function" => &mut m.function,
            b"PhoneNumber" => &mut m.phone_number,
            b"Mobile" => &mut m.mobile,
            b"Fax" => &mut m.fax,
            b"Email" => &mut m.email,
            _ => return Ok(false),
        };
        *slot = string(cur, f)?;
        Ok(true)
    })?;
    Ok(m)
}

/// `DebtorService.Manager_GetList`.
///
/// # Errors
/// As the [module](self) says.
pub fn managers(body: &[u8]) -> Result<Vec<Manager>> {
    list(body, |cur, item, _| manager_fields(cur, &item))
}

/// `EmployeeService.Manager_GetCurrent`: `None` when the person has no manager (the result
/// is nil, empty or absent).
///
/// # Errors
/// As the [module](self) says.
pub fn current_manager(body: &[u8]) -> Result<Option<Manager>> {
    single(body, |cur, result| {
        let m = manager_fields(cur, &result)?;
        Ok((m != Manager::default()).then_some(m))
    })
}

/// `EmployeeService.EmployeeType_GetList`.
///
/// # Errors
/// As the [module](self) says.
pub fn employee_types(body: &[u8]) -> Result<Vec<EmployeeType>> {
    list(body, |cur, item, index| {
        let ctx = Ctx {
            item: index,
            employee: None,
            kind: "EmployeeType",
        };
        let mut t = EmployeeType::default();
        fields(cur, &item, |cur, f| {
            match f.local() {
                b"Id" | b"ID" => t.id = int(cur, f, ctx)?,
                b"Description" => t.description = string(cur, f)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(t)
    })
}

/// `EmployeeService.List_GetByCompany`.
///
/// # Errors
/// As the [module](self) says.
pub fn employee_list(body: &[u8]) -> Result<Vec<EmployeeSummary>> {
    list(body, |cur, item, index| {
        let ctx = Ctx {
            item: index,
            employee: None,
            kind: "Employee",
        };
        let mut s = EmployeeSummary::default();
        fields(cur, &item, |cur, f| {
            match f.local() {
                b"Id" | b"ID" | b"EmployeeId" => s.id = int(cur, f, ctx)?.map(EmployeeId),
                b"Number" => s.number = string(cur, f)?,
                b"DisplayName" => s.display_name = string(cur, f)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(s)
    })
}

/// `CompanyService.Company_GetCurrentPeriod`.
///
/// # Errors
/// As the [module](self) says; a missing or malformed period is
/// [`ErrorKind::InvalidData`](crate::ErrorKind::InvalidData).
pub fn current_period(body: &[u8]) -> Result<Period> {
    let text = single(body, |cur, result| string(cur, &result))?;
    let text = text.ok_or_else(|| {
        Error::invalid_data(
            "result",
            "Company_GetCurrentPeriodResult",
            "no period in the answer",
        )
    })?;
    text.parse().map_err(|e: crate::model::InvalidPeriod| {
        Error::invalid_data("result", "Company_GetCurrentPeriodResult", e.to_string())
    })
}

fn personal_info_field<'a>(
    cur: &mut Cursor<'a>,
    f: &Elem<'a>,
    p: &mut PersonalInfo,
    period: &mut PeriodParts,
    ctx: Ctx,
) -> Result<bool> {
    let slot = match f.local() {
        b"Id" | b"ID" => {
            p.id = int(cur, f, ctx)?;
            return Ok(true);
        }
        b"Naamstelling" => {
            p.naamstelling = int(cur, f, ctx)?;
            return Ok(true);
        }
        b"Birthday" => {
            p.birthday = date(cur, f, ctx)?;
            return Ok(true);
        }
        b"CreationDate" => {
            p.creation_date = datetime(cur, f, ctx)?;
            return Ok(true);
        }
        b"StartYear" => {
            period.year = int(cur, f, ctx)?;
            return Ok(true);
        }
        b"StartPeriod" => {
            period.period = int(cur, f, ctx)?;
            return Ok(true);
        }
        b"DisplayName" => &mut p.display_name,
        b"EmployeeNumber" => &mut p.employee_number,
        b"Title" => &mut p.title,
        b"FirstName" => &mut p.first_name,
        b"Initials" => &mut p.initials,
        b"Prefix" => &mut p.prefix,
        b"LastName" => &mut p.last_name,
        b"Nickname" => &mut p.nickname,
        b"Gender" => &mut p.gender,
        b"PartnerPrefix" => &mut p.partner_prefix,
        b"PartnerLastName" => &mut p.partner_last_name,
        b"TelephonePrivate" => &mut p.telephone_private,
        b"TelephoneWork" => &mut p.telephone_work,
        b"TelephoneMobilePrivate" => &mut p.telephone_mobile_private,
        b"TelephoneMobileWork" => &mut p.telephone_mobile_work,
        b"TelephoneOther" => &mut p.telephone_other,
        b"EmailPrivate" => &mut p.email_private,
        b"EmailWork" => &mut p.email_work,
        _ => return Ok(false),
    };
    *slot = string(cur, f)?;
    Ok(true)
}

/// `EmployeeService.PersonalInfoWithoutBSN_Get_GetAllEmployeesByCompany` (and the BSN
/// variant, whose `BSN` element is skipped unread).
///
/// # Errors
/// As the [module](self) says.
pub fn personal_info(body: &[u8]) -> Result<Vec<EmployeeRecords<PersonalInfo>>> {
    grouped(body, "PersonalInfo", |cur, r, ctx| {
        let mut p = PersonalInfo::default();
        let mut period = PeriodParts::default();
        fields(cur, &r, |cur, f| {
            personal_info_field(cur, f, &mut p, &mut period, ctx)
        })?;
        p.effective = period.finish();
        Ok(p)
    })
}

/// `EmployeeService.PersonalInfo_GetAll_AllEmployeesByCompany`, keeping the BSN.
///
/// # Errors
/// As the [module](self) says.
pub fn personal_info_with_bsn(body: &[u8]) -> Result<Vec<EmployeeRecords<PersonalInfoWithBsn>>> {
    grouped(body, "PersonalInfo", |cur, r, ctx| {
        let mut p = PersonalInfo::default();
        let mut period = PeriodParts::default();
        let mut bsn = None;
        fields(cur, &r, |cur, f| {
            if f.local() == b"BSN" {
                bsn = string(cur, f)?.map(Bsn::new);
                return Ok(true);
            }
            personal_info_field(cur, f, &mut p, &mut period, ctx)
        })?;
        p.effective = period.finish();
        Ok(PersonalInfoWithBsn { info: p, bsn })
    })
}

/// `EmployeeService.Employment_GetAll_AllEmployeesByCompany`.
///
/// # Errors
/// As the [module](self) says.
pub fn employments(body: &[u8]) -> Result<Vec<EmployeeRecords<EmploymentRecord>>> {
    grouped(body, "Employment", |cur, r, ctx| {
        let mut e = EmploymentRecord::default();
        fields(cur, &r, |cur, f| {
            match f.local() {
                b"EmploymentId" | b"EmploymentID" => e.employment_id = int(cur, f, ctx)?,
                b"CreationDate" => e.creation_date = datetime(cur, f, ctx)?,
                b"StartDate" => e.start_date = date(cur, f, ctx)?,
                b"EndDate" => e.end_date = date(cur, f, ctx)?,
                b"InitialStartDate" => e.initial_start_date = date(cur, f, ctx)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(e)
    })
}

/// `EmployeeService.Contract_GetAll_AllEmployeesByCompany`.
///
/// # Errors
/// As the [module](self) says.
pub fn contracts(body: &[u8]) -> Result<Vec<EmployeeRecords<ContractRecord>>> {
    grouped(body, "Contract", |cur, r, ctx| {
        let mut c = ContractRecord::default();
        fields(cur, &r, |cur, f| {
            match f.local() {
                b"ContractID" | b"ContractId" => c.contract_id = int(cur, f, ctx)?,
                b"CreationDate" => c.creation_date = datetime(cur, f, ctx)?,
                b"StartDate" => c.start_date = date(cur, f, ctx)?,
                b"TrialPeriod" => c.trial_period = date(cur, f, ctx)?,
                b"EndDate" => c.end_date = date(cur, f, ctx)?,
                b"EmployementType" | b"EmploymentType" => c.employment_type = int(cur, f, ctx)?,
                b"EmploymentSequenceTaxId" => c.employment_sequence_tax_id = int(cur, f, ctx)?,
                b"Indefinite" => c.indefinite = boolean(cur, f, ctx)?,
                b"PhaseClassification" => c.phase_classification = int(cur, f, ctx)?,
                b"WrittenContract" => c.written_contract = boolean(cur, f, ctx)?,
                b"HoursPerWeek" => c.hours_per_week = decimal(cur, f, ctx)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(c)
    })
}

/// `EmployeeService.Department_GetAll_AllEmployeesByCompany`.
///
/// # Errors
/// As the [module](self) says.
pub fn departments(body: &[u8]) -> Result<Vec<EmployeeRecords<DepartmentRecord>>> {
    grouped(body, "Department", |cur, r, ctx| {
        let mut d = DepartmentRecord::default();
        let mut period = PeriodParts::default();
        fields(cur, &r, |cur, f| {
            match f.local() {
                b"Id" | b"ID" => d.department.id = int(cur, f, ctx)?,
                b"Code" => d.department.code = string(cur, f)?,
                b"Description" => d.department.description = string(cur, f)?,
                b"CreationDate" => d.creation_date = datetime(cur, f, ctx)?,
                b"StartYear" => period.year = int(cur, f, ctx)?,
                b"StartPeriod" => period.period = int(cur, f, ctx)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        d.effective = period.finish();
        Ok(d)
    })
}

/// `EmployeeService.Function_GetAll_AllEmployeesByCompany_V2`.
///
/// # Errors
/// As the [module](self) says.
pub fn functions(body: &[u8]) -> Result<Vec<EmployeeRecords<FunctionRecord>>> {
    grouped(body, "EmployeeFunction", |cur, r, ctx| {
        let mut rec = FunctionRecord::default();
        let mut period = PeriodParts::default();
        fields(cur, &r, |cur, f| {
            match f.local() {
                b"RecordId" | b"RecordID" => rec.record_id = int(cur, f, ctx)?,
                b"Function" => rec.function = code_item(cur, f, ctx)?,
                b"CreationDate" => rec.creation_date = datetime(cur, f, ctx)?,
                b"StartYear" => period.year = int(cur, f, ctx)?,
                b"StartPeriod" => period.period = int(cur, f, ctx)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        rec.effective = period.finish();
        Ok(rec)
    })
}

/// `EmployeeService.Address_GetAll_AllEmployeesByCompany`.
///
/// # Errors
/// As the [module](self) says.
pub fn addresses(body: &[u8]) -> Result<Vec<EmployeeRecords<AddressRecord>>> {
    grouped(body, "Address", |cur, r, ctx| {
        let mut a = AddressRecord::default();
        let mut start = PeriodParts::default();
        let mut end = PeriodParts::default();
        fields(cur, &r, |cur, f| {
            let slot = match f.local() {
                b"Id" | b"ID" => {
                    a.id = int(cur, f, ctx)?;
                    return Ok(true);
                }
                b"StartYear" => {
                    start.year = int(cur, f, ctx)?;
                    return Ok(true);
                }
                b"StartPeriod" => {
                    start.period = int(cur, f, ctx)?;
                    return Ok(true);
                }
                b"EndYear" => {
                    end.year = int(cur, f, ctx)?;
                    return Ok(true);
                }
                b"EndPeriod" => {
                    end.period = int(cur, f, ctx)?;
                    return Ok(true);
                }
                b"CreationDate" => {
                    a.creation_date = datetime(cur, f, ctx)?;
                    return Ok(true);
                }
                b"Street" => &mut a.street,
                b"HouseNumber" => &mut a.house_number,
                b"HouseNumberAddition" => &mut a.house_number_addition,
                b"PostalCode" => &mut a.postal_code,
                b"City" => &mut a.city,
                b"StateProvince" => &mut a.state_province,
                b"CountryISOCode" => &mut a.country_iso_code,
                b"Type" => &mut a.address_type,
                _ => return Ok(false),
            };
            *slot = string(cur, f)?;
            Ok(true)
        })?;
        a.effective = start.finish();
        a.ends = end.finish();
        Ok(a)
    })
}

/// `EmployeeService.CostCenter_GetAllEmployeesByCompany`.
///
/// # Errors
/// As the [module](self) says.
pub fn cost_centers(body: &[u8]) -> Result<Vec<EmployeeRecords<CostCenterShare>>> {
    grouped(body, "EmployeeCostCenter", |cur, r, ctx| {
        let mut c = CostCenterShare::default();
        fields(cur, &r, |cur, f| {
            match f.local() {
                b"Id" | b"ID" => c.id = int(cur, f, ctx)?,
                b"CostCenter" => c.cost_center = code_item(cur, f, ctx)?,
                b"Kostensoort" => c.kostensoort = code_item(cur, f, ctx)?,
                b"Percentage" => c.percentage = decimal(cur, f, ctx)?,
                b"Default" => c.default = boolean(cur, f, ctx)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(c)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_record_wrapper_yields_records() {
        let xml = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><R><Result>
            <Item><EmployeeId>7</EmployeeId><Note>x</Note><List><Employment><StartDate>2020-01-01T00:00:00</StartDate></Employment></List><Extra><Foo>1</Foo></Extra></Item>
            </Result></R></s:Body></s:Envelope>"#;
        let got = employments(xml.as_bytes()).unwrap();
        assert_eq!(got[0].records.len(), 1, "{got:?}");
    }

    #[test]
    fn dates_keep_the_calendar_day() {
        let d = |s: &str| parse_date(s);
        assert_eq!(
            d("2017-01-01T00:00:00"),
            Some(NaiveDate::from_ymd_opt(2017, 1, 1))
        );
        assert_eq!(d("2017-01-01"), Some(NaiveDate::from_ymd_opt(2017, 1, 1)));
        assert_eq!(
            d("2017-01-01T23:30:00+01:00"),
            Some(NaiveDate::from_ymd_opt(2017, 1, 1))
        );
        assert_eq!(d("0001-01-01T00:00:00"), Some(None));
        assert_eq!(d("2017-13-01"), None);
        assert_eq!(d("2017-01-01X"), None);
        assert_eq!(d("17-1-1"), None);
        assert_eq!(d("2017-01-0é"), None);
    }

    #[test]
    fn date_times_keep_fractions() {
        use chrono::Timelike as _;
        let t = parse_datetime("2019-12-02T09:15:27.473").flatten();
        assert_eq!(
            t.map(|t| t.to_string()),
            Some("2019-12-02 09:15:27.473".to_owned())
        );
        let t = parse_datetime("2023-05-17T14:02:11.1").flatten();
        assert_eq!(t.map(|t| t.nanosecond()), Some(100_000_000));
        assert_eq!(parse_datetime("2023-05-17T14:02"), None);
        assert_eq!(parse_datetime("0001-01-01T00:00:00"), Some(None));
    }

    #[test]
    fn every_cut_of_an_answer_is_an_error() {
        let xml = r#"<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<EmployeeType_GetListResponse xmlns="https://api.nmbrs.nl/soap/v3/EmployeeService"><EmployeeType_GetListResult>
<EmployeeType><Id>1</Id><Description>Applicant &amp; co</Description></EmployeeType>
<EmployeeType><Id>2</Id><Description>Payroll</Description></EmployeeType>
</EmployeeType_GetListResult></EmployeeType_GetListResponse></soap:Body></soap:Envelope>"#;
        assert_eq!(
            employee_types(xml.as_bytes()).map(|t| t.len()).ok(),
            Some(2)
        );
        for cut in 0..xml.len() {
            let result = employee_types(&xml.as_bytes()[..cut]);
            let kind = result.as_ref().err().map(|e| e.kind().clone());
            assert!(
                matches!(
                    kind,
                    Some(crate::ErrorKind::Truncated | crate::ErrorKind::Protocol)
                ),
                "cut at {cut}: {result:?}"
            );
        }
    }
}
