//! Configuration errors name the rule, the setting and the position; rules behave as
//! configured (null policies, flows, provenance, target checks).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hr_core::conformance::Fixture;
use hr_core::{Employee, LifecycleDecision};
use mapping::{ConfigError, Mapper, MappingErrorKind, Outcome};

const REQUIRED: &str = r#"
[[rules]]
okta = "login"
scim = "userName"
from = "contact.work_email | contact.private_email"
flow = "create_only"
[[rules]]
okta = "email"
scim = "emails.work"
from = "contact.work_email | contact.private_email"
[[rules]]
okta = "firstName"
scim = "name.givenName"
from = "name.given"
[[rules]]
okta = "lastName"
scim = "name.familyName"
from = "name.family_display"
"#;

fn with(extra: &str) -> Result<Mapper, mapping::ConfigErrors> {
    Mapper::from_toml(&format!("{REQUIRED}{extra}"))
}

fn errors(extra: &str) -> Vec<ConfigError> {
    with(extra).expect_err("the configuration is wrong").0
}

fn person(id: &str) -> (Employee, LifecycleDecision) {
    let f = Fixture::standard();
    let e = f
        .employees
        .iter()
        .find(|e| e.id.as_str() == id)
        .cloned()
        .unwrap();
    let d = f.policy.evaluate(&e, f.reference_time);
    (e, d)
}

#[test]
fn every_preset_compiles() {
    for p in mapping::PRESETS {
        let m = Mapper::preset(p).unwrap_or_else(|e| panic!("{p}: {e}"));
        assert_eq!(m.name(), Some(p));
    }
    let e = Mapper::preset("workday").expect_err("no such preset");
    assert!(e.to_string().contains("okta-default"), "{e}");
}

#[test]
fn expression_errors_name_rule_setting_and_position() {
    let e = errors("[[rules]]\nokta = \"title\"\nfrom = \"org.job_title | org.titel\"\n");
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        (e[0].rule, e[0].setting.as_deref(), e[0].position),
        (Some(5), Some("from"), Some(16))
    );
    assert!(
        e[0].message.contains("unknown field `org.titel`"),
        "{}",
        e[0]
    );
    assert!(
        e[0].to_string().starts_with("rule 5, from at 16: "),
        "{}",
        e[0]
    );
}

#[test]
fn all_problems_are_reported_at_once() {
    let e = errors(
        r#"
[[rules]]
okta = "first name"
from = "name.given"
[[rules]]
scim = "name.nickname"
from = "name.given_name"
transforms = ["lower", "truncate(x)", "map"]
[[rules]]
from = "id"
[[rules]]
okta = "email"
from = "contact.private_email"
"#,
    );
    let described: Vec<String> = e.iter().map(ToString::to_string).collect();
    let has = |needle: &str| described.iter().any(|d| d.contains(needle));
    assert!(
        has("rule 5, okta at 0: `first name` is not an attribute name"),
        "{described:#?}"
    );
    assert!(
        has("rule 6, scim at 0: `name.nickname` is not a SCIM User attribute"),
        "{described:#?}"
    );
    assert!(
        has("rule 6, transforms[2] at 0: `map` needs a `map` table"),
        "{described:#?}"
    );
    assert!(has("rule 7, okta: the rule has neither"), "{described:#?}");
    assert!(
        has("rule 8, okta: `email` is already set by rule 2"),
        "{described:#?}"
    );
}

#[test]
fn toml_and_json_errors_carry_their_location() {
    let e = Mapper::from_toml("[[rules]]\nokta = \"x\"\nfrom = \n")
        .expect_err("bad TOML")
        .0;
    assert!(e[0].message.contains("line 3"), "{}", e[0]);
    let e = Mapper::from_toml("[[rules]]\nokta = \"x\"\nfrom = \"id\"\ncolour = \"red\"\n")
        .expect_err("unknown key")
        .0;
    assert!(e[0].message.contains("colour"), "{}", e[0]);
    let e = Mapper::from_json("{\"rules\": [ }")
        .expect_err("bad JSON")
        .0;
    assert!(e[0].message.contains("line 1"), "{}", e[0]);
}

#[test]
fn required_targets_must_have_rules() {
    let e = Mapper::from_toml("[[rules]]\nokta = \"title\"\nfrom = \"org.job_title\"\n")
        .expect_err("incomplete")
        .0;
    let described: Vec<String> = e.iter().map(ToString::to_string).collect();
    for needle in [
        "`login`",
        "`email`",
        "`firstName`",
        "`lastName`",
        "`userName`",
        "`name.givenName`",
        "`name.familyName`",
        "SCIM e-mail",
    ] {
        assert!(
            described.iter().any(|d| d.contains(needle)),
            "{needle}: {described:#?}"
        );
    }
}

#[test]
fn json_and_toml_compile_the_same_mapping() {
    let toml_mapper = with("").unwrap();
    let config: mapping::MappingConfig = toml::from_str(REQUIRED).unwrap();
    let json_mapper = Mapper::from_json(&serde_json::to_string(&config).unwrap()).unwrap();
    let (e, d) = person("600001");
    assert_eq!(
        toml_mapper.map(&e, &d).unwrap().okta_profile(),
        json_mapper.map(&e, &d).unwrap().okta_profile()
    );
}

#[test]
fn null_policies_flows_and_provenance() {
    let m = with(
        r#"
[[rules]]
okta = "secondEmail"
from = "contact.private_email"
on_null = "clear"
[[rules]]
okta = "title"
from = "org.job_title"
[[rules]]
okta = "costCenter"
from = "org.cost_center.code"
default = "none"
[[rules]]
okta = "organization"
from = "'Acme'"
"#,
    )
    .unwrap();
    let (jan, d) = person("600002");
    let user = m.map(&jan, &d).unwrap();
    let profile = user.okta_profile();
    assert_eq!(profile["secondEmail"], serde_json::Value::Null, "cleared");
    assert!(!profile.contains_key("title"), "skipped");
    assert_eq!(profile["costCenter"], "none");
    assert_eq!(profile["organization"], "Acme");
    assert!(
        !user.okta_update_profile().contains_key("login"),
        "create-only"
    );
    assert_eq!(
        user.okta_update_profile()["email"],
        "jan.vries@acme.example"
    );

    let (julia, d) = person("600018");
    let user = m.map(&julia, &d).unwrap();
    let why = user.explain("okta:email").unwrap();
    assert_eq!(
        (why.alternative, why.sources.as_slice(), why.outcome),
        (
            Some(1),
            &["contact.private_email".to_owned()][..],
            Outcome::Value
        )
    );
    assert_eq!(
        user.explain("okta:costCenter").unwrap().outcome,
        Outcome::Default
    );
    assert_eq!(
        user.explain("okta:title").unwrap().outcome,
        Outcome::Skipped
    );
}

#[test]
fn values_okta_rejects_are_errors_naming_person_and_target() {
    let m = with(
        r#"
[[rules]]
okta = "countryCode"
from = "address.country"
transforms = ["lower"]
[[rules]]
okta = "nickName"
from = "'{name.given} 😀'"
"#,
    )
    .unwrap();
    let (anouk, d) = person("600001");
    let e = m.map(&anouk, &d).expect_err("rejected").0;
    assert!(
        e.iter().any(|e| e.target == "okta:countryCode"
            && matches!(e.kind, MappingErrorKind::NotACountryCode { .. })),
        "{e:?}"
    );
    assert!(
        e.iter().any(|e| e.target == "okta:nickName"
            && matches!(
                e.kind,
                MappingErrorKind::FourByteCharacter { character: '😀' }
            )),
        "{e:?}"
    );
    assert!(e.iter().all(|e| e.employee.as_str() == "600001"));

    let (sem, d) = person("600019");
    let e = with("")
        .unwrap()
        .map(&sem, &d)
        .expect_err("no e-mail at all")
        .0;
    let targets: Vec<&str> = e.iter().map(|e| e.target.as_str()).collect();
    assert_eq!(
        targets,
        ["okta:login", "scim:userName", "okta:email", "scim:emails"],
        "{e:?}"
    );
}

#[test]
fn values_known_at_compile_time_are_checked_then() {
    let e = errors(
        r#"
[[rules]]
okta = "countryCode"
from = "'UK'"
[[rules]]
okta = "secondEmail"
from = "contact.private_email"
default = "none"
[[rules]]
okta = "nickName"
from = "name.given_name"
default = "🙂"
"#,
    );
    let described: Vec<String> = e.iter().map(ToString::to_string).collect();
    assert!(
        described
            .iter()
            .any(|d| d.starts_with("rule 5, from at 0: the literal \"UK\"")),
        "{described:#?}"
    );
    assert!(
        described
            .iter()
            .any(|d| d.starts_with("rule 6, default: the default \"none\"")),
        "{described:#?}"
    );
    assert!(
        described
            .iter()
            .any(|d| d.starts_with("rule 7, default") && d.contains("4-byte")),
        "{described:#?}"
    );
}

#[test]
fn a_bare_template_in_a_chain_must_be_quoted() {
    let e = errors(
        "[[rules]]\nokta = \"nickName\"\nfrom = \"{name.given}@acme.nl | contact.work_email\"\n",
    );
    assert_eq!((e[0].rule, e[0].position), (Some(5), Some(21)), "{e:?}");
    let m =
        with("[[rules]]\nokta = \"nickName\"\nfrom = \"'{name.partner_family}!' | '{{none}}'\"\n")
            .unwrap();
    let (jan, d) = person("600002");
    assert_eq!(
        m.map(&jan, &d).unwrap().okta_profile()["nickName"],
        "{none}",
        "no partner: the literal, braces unescaped"
    );
    let (anouk, d) = person("600001");
    assert_eq!(
        m.map(&anouk, &d).unwrap().okta_profile()["nickName"],
        "Bakker!"
    );
}

#[test]
fn value_maps_translate_codes_with_a_default() {
    let m = with(
        r#"
[[rules]]
okta = "userType"
from = "org.employee_type.code"
transforms = ["trim", "map", "upper"]
map = { "1" = "Employee", "2" = "Contractor" }
map_default = "Other"
[[rules]]
okta = "startDate"
from = "employment.start"
transforms = ["date('%d-%m-%Y')"]
"#,
    )
    .unwrap();
    let (ruben, d) = person("600029");
    let user = m.map(&ruben, &d).unwrap();
    assert_eq!(user.okta_profile()["userType"], "EMPLOYEE");
    assert_eq!(user.okta_profile()["startDate"], "08-01-2024");
    let why = user.explain("okta:userType").unwrap();
    assert_eq!(why.transforms.len(), 3);
    let (finn, d) = person("600025");
    let user = m.map(&finn, &d).unwrap();
    assert_eq!(
        user.okta_profile()["userType"],
        "OTHER",
        "code 0 is not in the table"
    );

    let strict = with("[[rules]]\nokta = \"userType\"\nfrom = \"org.employee_type.code\"\nmap = { \"1\" = \"Employee\" }\n").unwrap();
    let e = strict.map(&finn, &d).expect_err("unmapped code").0;
    assert!(
        matches!(e[0].kind, MappingErrorKind::Transform(_)) && e[0].target == "okta:userType",
        "{e:?}"
    );
}

#[test]
fn provenance_names_only_the_slot_fields_that_were_used() {
    let m = with("[[rules]]\nokta = \"nickName\"\nfrom = \"'{name.partner_family | name.family}/{name.given}'\"\n").unwrap();
    let (jan, d) = person("600002");
    let user = m.map(&jan, &d).unwrap();
    assert_eq!(user.okta_profile()["nickName"], "de Vries/Jan");
    assert_eq!(
        user.explain("okta:nickName").unwrap().sources,
        ["name.family", "name.given"]
    );
    let (anouk, d) = person("600001");
    let user = m.map(&anouk, &d).unwrap();
    assert_eq!(
        user.explain("okta:nickName").unwrap().sources,
        ["name.partner_family", "name.given"]
    );
}
