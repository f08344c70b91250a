//! Any employee maps or yields `MappingErrors`; nothing panics, and what maps is what Okta
//! accepts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{NaiveDate, TimeZone, Utc};
use hr_core::{
    Coded, Contact, CountryCode, Employee, EmployeeId, Employment, LifecyclePolicy, ManagerRef,
    NamingConvention, PersonName, PostalAddress,
};
use mapping::{Mapper, PRESETS};
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-zA-Z .@-]{0,12}",
        "\\PC{0,20}",
        Just("Ødegaard-Strauß ẞ 😀".to_owned()),
        "[a-z]{1,8}@[a-z]{1,8}\\.(nl|com)",
        "(\\+31|0|0031)[ -]?6[ -]?[0-9]{8}",
    ]
}

prop_compose! {
    fn names()(given in text(), family in text(), prefix in text(), first in text(), partner in text(), convention in 0u8..5)
        -> (String, String, String, String, String, u8) {
        (given, family, prefix, first, partner, convention)
    }
}

prop_compose! {
    fn contact()(work in text(), private in text(), mobile in text(), phone in text()) -> (String, String, String, String) {
        (work, private, mobile, phone)
    }
}

prop_compose! {
    fn place()(street in text(), city in text(), country in "[A-Za-z]{0,3}", number in text(), custom in text(), kind in text())
        -> (String, String, String, String, String, String) {
        (street, city, country, number, custom, kind)
    }
}

prop_compose! {
    fn employee()(
        (given, family, prefix, first, partner, convention) in names(),
        (work, private, mobile, phone) in contact(),
        (street, city, country, number, custom, kind) in place(),
        start in 0i64..20_000, len in proptest::option::of(0i64..5_000), manager in 0u8..3,
    ) -> Employee {
        let mut name = PersonName::new(given, family)
            .with_first_names(first)
            .with_family_name_prefix(prefix)
            .with_partner_name(None, partner);
        name.convention = match convention {
            1 => NamingConvention::Partner,
            2 => NamingConvention::PartnerOwn,
            3 => NamingConvention::OwnPartner,
            _ => NamingConvention::Own,
        };
        let mut e = Employee::new(EmployeeId::from(7u32), name)
            .with_contact(Contact::default().with_work_email(work).with_private_email(private)
                .with_work_mobile(mobile).with_work_phone(phone))
            .with_custom("profile_url", custom);
        e.employee_number = (!number.is_empty()).then_some(number);
        let mut address = PostalAddress::default();
        address.street = Some(street);
        address.city = Some(city);
        address.country = CountryCode::new(&country).ok();
        e.address = Some(address);
        e.org.employee_type = Some(Coded::new(kind.clone(), kind));
        e.manager = match manager {
            0 => None,
            1 => Some(ManagerRef::employee(EmployeeId::from(9u32))),
            _ => ManagerRef::external("K. Visser", "k@interim.example"),
        };
        let day = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + chrono::TimeDelta::days(start);
        e.employments = vec![Employment::new(day, len.map(|l| day + chrono::TimeDelta::days(l))).unwrap()];
        e
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_employee_maps_or_reports(e in employee()) {
        let policy = LifecyclePolicy::default();
        let at = Utc.with_ymd_and_hms(2026, 6, 15, 2, 0, 0).unwrap();
        let decision = policy.evaluate(&e, at);
        for preset in PRESETS {
            let mapper = Mapper::preset(preset).unwrap();
            match mapper.map(&e, &decision) {
                Ok(user) => {
                    let profile = user.okta_profile();
                    for name in mapping::OKTA_REQUIRED {
                        prop_assert!(profile.get(name).is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty())), "{preset}: {name} missing");
                    }
                    for (k, v) in &profile {
                        if let Some(s) = v.as_str() {
                            prop_assert!(s.chars().all(|c| c.len_utf8() < 4), "{preset}: {k} = {s:?}");
                        }
                    }
                    let login = user.login().unwrap();
                    prop_assert!(login.contains('@') && (5..=100).contains(&login.chars().count()));
                    let scim = user.scim_user();
                    prop_assert!(scim["userName"].is_string() && scim["emails"].is_array());
                    for p in user.provenance() {
                        if p.outcome == mapping::Outcome::Value {
                            prop_assert!(p.value.is_some());
                        }
                    }
                    let view = serde_json::to_value(user.okta_profile_view(true)).unwrap();
                    prop_assert_eq!(view, serde_json::Value::Object(profile.clone()));
                }
                Err(errors) => {
                    prop_assert!(!errors.0.is_empty());
                    for error in &errors.0 {
                        prop_assert_eq!(error.employee.as_str(), "7");
                        prop_assert!(error.target.starts_with("okta:") || error.target.starts_with("scim:"), "{}", error.target);
                    }
                }
            }
        }
    }
}

fn expression_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(mapping::Field::PATHS.to_vec()).prop_map(str::to_owned),
        Just(" | ".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("'".to_owned()),
        Just("\"".to_owned()),
        Just("@acme.nl".to_owned()),
        "\\PC{0,3}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Any expression compiles or is refused with a position inside it, on a character
    /// boundary; what compiles maps the fixture without panicking.
    #[test]
    fn any_expression_compiles_or_points_at_its_problem(pieces in prop::collection::vec(expression_piece(), 1..8), spec in "\\PC{0,12}") {
        let from: String = pieces.concat();
        let config = serde_json::json!({"rules": [
            {"okta": "login", "scim": "userName", "from": "contact.work_email"},
            {"okta": "email", "scim": "emails.work", "from": "contact.work_email"},
            {"okta": "firstName", "scim": "name.givenName", "from": "name.given"},
            {"okta": "lastName", "scim": "name.familyName", "from": "name.family"},
            {"okta": "nickName", "from": from, "transforms": [spec]},
        ]});
        match Mapper::from_json(&config.to_string()) {
            Ok(mapper) => {
                let fixture = hr_core::conformance::Fixture::standard();
                for e in &fixture.employees {
                    let _ = mapper.map(e, &fixture.policy.evaluate(e, fixture.reference_time));
                }
            }
            Err(errors) => {
                for e in errors.0 {
                    if let (Some(at), Some("from")) = (e.position, e.setting.as_deref()) {
                        prop_assert!(at <= from.len() && from.is_char_boundary(at), "{} in {:?}", at, from);
                    }
                    prop_assert_eq!(e.rule, Some(5));
                }
            }
        }
    }
}
