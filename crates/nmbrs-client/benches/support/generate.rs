//! Company-wide answers of any size, shaped like Nmbrs's (shared by the benches and the
//! heap test; written here, not by the simulator, so the parser is measured alone).
//! Unindented, as ASP.NET writes them: the least markup per record, so the hardest case
//! for the heap goal.

use std::fmt::Write as _;

const HEAD: &str = r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>"#;
const TAIL: &str = "</soap:Body></soap:Envelope>";

fn wrap(op: &str, items: &str) -> String {
    format!(
        "{HEAD}<{op}Response xmlns=\"https://api.nmbrs.nl/soap/v3/EmployeeService\"><{op}Result>{items}</{op}Result></{op}Response>{TAIL}"
    )
}

/// `PersonalInfoWithoutBSN_Get_GetAllEmployeesByCompany` for `people` people, two
/// history records each.
pub(crate) fn personal_info(people: usize) -> String {
    let mut items = String::with_capacity(people * 2_400);
    for i in 0..people {
        let id = 600_000 + i;
        let _ = write!(
            items,
            "<PersonalInfoItem><EmployeeId>{id}</EmployeeId><EmployeePersonalInfos>"
        );
        for (year, mail) in [(2021, "old."), (2024, "")] {
            let _ = write!(
                items,
                r#"<PersonalInfo_V2><Id>{rec}</Id><DisplayName>Vries-Bakker, A. (Anouk {i})</DisplayName><EmployeeNumber>{num}</EmployeeNumber><Title /><FirstName>Anouk Maria</FirstName><Initials>A.M.</Initials><Prefix>de</Prefix><LastName>Vries</LastName><Nickname>Anouk</Nickname><Gender>female</Gender><NationalityCode>1</NationalityCode><PlaceOfBirth>Zwolle</PlaceOfBirth><CountryOfBirthISOCode>NL</CountryOfBirthISOCode><IdentificationType>0</IdentificationType><PartnerPrefix /><PartnerLastName>Bakker &amp; Zn</PartnerLastName><TelephoneWork>020-1234567</TelephoneWork><TelephoneMobileWork>06-12345678</TelephoneMobileWork><EmailPrivate>anouk{i}@example.org</EmailPrivate><EmailWork>{mail}anouk.devries{i}@example.com</EmailWork><BurgerlijkeStaat>1</BurgerlijkeStaat><Naamstelling>4</Naamstelling><Birthday xsi:nil="true" /><CreationDate>{year}-01-04T08:00:00.473</CreationDate><StartPeriod>1</StartPeriod><StartYear>{year}</StartYear></PersonalInfo_V2>"#,
                rec = id * 2 + usize::from(mail.is_empty()),
                num = i % 5_000 + 1,
            );
        }
        items.push_str("</EmployeePersonalInfos></PersonalInfoItem>");
    }
    wrap(
        "PersonalInfoWithoutBSN_Get_GetAllEmployeesByCompany",
        &items,
    )
}

/// `Employment_GetAll_AllEmployeesByCompany`: one or two employments each.
pub(crate) fn employments(people: usize) -> String {
    let mut items = String::with_capacity(people * 700);
    for i in 0..people {
        let _ = write!(
            items,
            "<EmployeeEmploymentItem><EmployeeId>{}</EmployeeId><EmployeeEmployments>",
            600_000 + i
        );
        if i % 4 == 0 {
            let _ = write!(
                items,
                "<Employment><EmploymentId>{}</EmploymentId><CreationDate>2019-12-02T09:15:27.473</CreationDate><StartDate>2020-01-01T00:00:00</StartDate><EndDate>2022-06-30T00:00:00</EndDate><InitialStartDate>2020-01-01T00:00:00</InitialStartDate></Employment>",
                i * 2
            );
        }
        let _ = write!(
            items,
            "<Employment><EmploymentId>{}</EmploymentId><CreationDate>2023-02-20T10:11:12</CreationDate><StartDate>2023-03-01T00:00:00</StartDate><EndDate xsi:nil=\"true\" /><InitialStartDate xsi:nil=\"true\" /></Employment></EmployeeEmployments></EmployeeEmploymentItem>",
            i * 2 + 1
        );
    }
    wrap("Employment_GetAll_AllEmployeesByCompany", &items)
}

/// `Function_GetAll_AllEmployeesByCompany_V2`: two function records each.
pub(crate) fn functions(people: usize) -> String {
    let mut items = String::with_capacity(people * 900);
    for i in 0..people {
        let _ = write!(
            items,
            "<EmployeeFunctionItem_V2><EmployeeId>{}</EmployeeId><EmployeeFunctions>",
            600_000 + i
        );
        for (year, title) in [(2020, "Junior controller"), (2023, "Controller")] {
            let _ = write!(
                items,
                "<EmployeeFunction><RecordId>{}</RecordId><Function><Id>{}</Id><Code>{}</Code><Description>{title}</Description></Function><CreationDate>{year}-12-02T09:15:27.473</CreationDate><StartPeriod>1</StartPeriod><StartYear>{year}</StartYear></EmployeeFunction>",
                i * 2 + usize::from(year == 2023),
                40 + i % 30,
                i % 30
            );
        }
        items.push_str("</EmployeeFunctions></EmployeeFunctionItem_V2>");
    }
    wrap("Function_GetAll_AllEmployeesByCompany_V2", &items)
}
