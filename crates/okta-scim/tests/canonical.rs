#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Reading request bodies ([`canonicalize`]) and writing responses ([`project`]): name
//! case, type checks with the attribute path in the error, read-only attributes Okta
//! echoes, the write-only password, required attributes, extensions, and
//! `attributes`/`excludedAttributes`.

use okta_scim::canonical::{canonicalize, project};
use okta_scim::schema::{
    Attribute, AttributeType, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, ResourceSchema, Schema,
    USER_SCHEMA,
};
use okta_scim::{AttrPath, Group, ScimError, ScimType, User};
use proptest::prelude::*;
use serde_json::{Value, json};

const HR: &str = "urn:example:params:scim:schemas:extension:hr:2.0:User";

fn users() -> ResourceSchema {
    ResourceSchema::user()
}

fn err(body: Value, schema: &ResourceSchema) -> ScimError {
    canonicalize(body.clone(), schema).expect_err(&format!("{body} should be refused"))
}

fn ok(body: Value) -> Value {
    canonicalize(body.clone(), &users()).unwrap_or_else(|e| panic!("{body}: {e}"))
}

fn paths(list: &[&str]) -> Vec<AttrPath> {
    list.iter().map(|p| AttrPath::parse(p).unwrap()).collect()
}

/// Okta's `POST /Users` body (okta.md §3.3).
fn okta_post() -> Value {
    json!({
        "schemas": [USER_SCHEMA],
        "userName": "test.user@okta.local",
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
        "displayName": "Test User", "locale": "en-US", "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [], "password": "1mz050nq", "active": true
    })
}

fn stored_user() -> Value {
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "userName": "ann.devries@example.com",
        "name": {"givenName": "Anna", "familyName": "de Vries", "middleName": "M"},
        "displayName": "Anna de Vries",
        "active": true,
        "password": "secret",
        "emails": [
            {"value": "ann.devries@example.com", "type": "work", "primary": true},
            {"value": "ann@home.example", "type": "home"}
        ],
        ENTERPRISE_USER_SCHEMA: {"employeeNumber": "1042", "department": "Finance",
            "manager": {"value": "m-1", "displayName": "Bob"}},
        "meta": {"resourceType": "User", "version": "W/\"3\""}
    })
}

// ---------------------------------------------------------------- canonicalize

#[test]
fn okta_post_body_reads_into_a_user() {
    let c = ok(okta_post());
    assert_eq!(c["userName"], "test.user@okta.local");
    assert!(
        c.get("groups").is_none(),
        "groups:[] is read-only and empty"
    );
    assert_eq!(c["schemas"], json!([USER_SCHEMA]));
    let user = User::from_json(c).unwrap();
    assert_eq!(user.user_name, "test.user@okta.local");
    assert_eq!(user.active, Some(true));
    assert_eq!(user.primary_email(), Some("test.user@okta.local"));
}

#[test]
fn attribute_names_match_case_insensitively_and_take_the_schema_case() {
    let c = ok(json!({
        "USERNAME": "ann@example.com",
        "Name": {"GIVENNAME": "Ann", "familyname": "de Vries"},
        "EMAILS": [{"VALUE": "ann@example.com", "Type": "work", "PRIMARY": true}],
        "externalID": "00u1",
        "Schemas": ["urn:whatever"]
    }));
    assert_eq!(
        c,
        json!({
            "schemas": [USER_SCHEMA],
            "userName": "ann@example.com",
            "name": {"givenName": "Ann", "familyName": "de Vries"},
            "emails": [{"value": "ann@example.com", "type": "work", "primary": true}],
            "externalId": "00u1"
        })
    );
}

#[test]
fn q_e2_string_booleans() {
    let c = ok(json!({
        "userName": "ann", "active": "False",
        "emails": [{"value": "a@x", "primary": "TRUE"}, {"value": "b@x", "primary": "false"}]
    }));
    assert_eq!(c["active"], false);
    assert_eq!(c["emails"][0]["primary"], true);
    assert_eq!(c["emails"][1]["primary"], false);
    let e = err(json!({"userName": "ann", "active": "no"}), &users());
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
    assert_eq!(
        e.detail(),
        r#"attribute "active": expected a boolean, got "no""#
    );
}

#[test]
fn unknown_attributes_are_invalid_syntax_naming_them() {
    let e = err(json!({"userName": "ann", "shoeSize": 44}), &users());
    assert_eq!(e.status(), 400);
    assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));
    assert!(e.detail().contains("\"shoeSize\""), "{}", e.detail());

    let e = err(
        json!({"userName": "ann", "name": {"nickname": "A"}}),
        &users(),
    );
    assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));
    assert!(e.detail().contains("\"name.nickname\""), "{}", e.detail());

    let e = err(
        json!({"userName": "ann", ENTERPRISE_USER_SCHEMA: {"badge": "B"}}),
        &users(),
    );
    assert!(
        e.detail()
            .contains(&format!("\"{ENTERPRISE_USER_SCHEMA}:badge\"")),
        "{}",
        e.detail()
    );
}

#[test]
fn wrong_types_are_invalid_value_naming_the_path() {
    let cases = [
        (
            json!({"userName": "ann", "emails": [{"value": "a@x"}, {"primary": "yes"}]}),
            r#"attribute "emails[1].primary": expected a boolean, got "yes""#,
        ),
        (
            json!({"userName": 42}),
            r#"attribute "userName": expected a string, got 42"#,
        ),
        (
            json!({"userName": "ann", "name": "Ann"}),
            r#"attribute "name": expected an object, got "Ann""#,
        ),
        (
            json!({"userName": "ann", "emails": [["a@x"]]}),
            r#"attribute "emails[0]": expected an object, got an array"#,
        ),
        (
            json!({"userName": "ann", ENTERPRISE_USER_SCHEMA: {"manager": {"value": 7}}}),
            "attribute \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value\": expected a string, got 7",
        ),
    ];
    for (body, detail) in cases {
        let e = err(body, &users());
        assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
        assert_eq!(e.detail(), detail);
    }
}

#[test]
fn password_type_errors_do_not_echo_the_value() {
    let e = err(json!({"userName": "ann", "password": 12345678}), &users());
    assert_eq!(
        e.detail(),
        r#"attribute "password": expected a string, got a number"#
    );
}

#[test]
fn long_values_are_cut_in_error_details() {
    let long = "y".repeat(500);
    let e = err(json!({"userName": "ann", "active": long}), &users());
    assert!(e.detail().len() < 120, "{}", e.detail());
    assert!(e.detail().ends_with('…'));
}

#[test]
fn typed_extension_attributes_are_checked() {
    let schema = users().with_extension(
        Schema::new(HR, "HR")
            .with_attribute(Attribute::new("hireDate", AttributeType::DateTime))
            .with_attribute(Attribute::new("level", AttributeType::Integer))
            .with_attribute(Attribute::new("fte", AttributeType::Decimal))
            .with_attribute(Attribute::new("badge", AttributeType::Binary)),
        false,
    );
    let good = canonicalize(
        json!({"userName": "ann", HR: {"HIREDATE": "2026-01-05T09:00:00+01:00", "level": 3, "fte": 0.8, "badge": "AAEC"}}),
        &schema,
    )
    .unwrap();
    assert_eq!(good[HR]["hireDate"], "2026-01-05T09:00:00+01:00");
    assert_eq!(good["schemas"], json!([USER_SCHEMA, HR]));
    for (v, detail) in [
        (
            json!({"hireDate": "5 Jan 2026"}),
            "hireDate\": expected an RFC 3339 date-time string, got \"5 Jan 2026\"",
        ),
        (
            json!({"level": 2.5}),
            "level\": expected an integer, got 2.5",
        ),
        (
            json!({"level": "3"}),
            "level\": expected an integer, got \"3\"",
        ),
        (
            json!({"fte": "0.8"}),
            "fte\": expected a number, got \"0.8\"",
        ),
    ] {
        let e = err(json!({"userName": "ann", HR: v}), &schema);
        assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
        assert!(e.detail().ends_with(detail), "{}", e.detail());
    }
}

#[test]
fn q_o10_read_only_attributes_echoed_on_put_are_dropped() {
    let mut body = stored_user();
    body["groups"] = json!([{"value": "g1", "display": "Finance"}]);
    let c = ok(body);
    assert!(c.get("id").is_none());
    assert!(c.get("meta").is_none());
    assert!(c.get("groups").is_none());
    assert_eq!(
        c[ENTERPRISE_USER_SCHEMA]["manager"],
        json!({"value": "m-1"}),
        "manager.displayName is read-only"
    );
    assert_eq!(c["active"], true);
}

#[test]
fn q_o6_password_is_kept_for_the_provider_but_never_output() {
    let c = ok(okta_post());
    assert_eq!(c["password"], "1mz050nq");
    let user = User::from_json(c).unwrap();
    assert!(user.password.is_some());
    let out = user.to_json();
    assert!(out.get("password").is_none());
    assert!(!out.to_string().contains("1mz050nq"));
}

#[test]
fn required_attributes_must_be_present_and_not_blank() {
    for body in [
        json!({"name": {"givenName": "Ann"}}),
        json!({"userName": ""}),
        json!({"userName": "   "}),
        json!({"userName": null}),
    ] {
        let e = err(body, &users());
        assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
        assert_eq!(e.detail(), r#"attribute "userName" is required"#);
    }
    let e = err(json!({"members": []}), &ResourceSchema::group());
    assert_eq!(e.detail(), r#"attribute "displayName" is required"#);
}

#[test]
fn a_single_value_of_a_multi_valued_attribute_is_wrapped() {
    let c = ok(json!({"userName": "ann", "emails": {"value": "a@x", "type": "work"}}));
    assert_eq!(c["emails"], json!([{"value": "a@x", "type": "work"}]));
}

#[test]
fn null_and_empty_values_mean_absent() {
    let c = ok(json!({
        "userName": "ann", "displayName": null, "emails": [], "name": {},
        "phoneNumbers": [null], "addresses": [{"locality": null}],
        ENTERPRISE_USER_SCHEMA: {"manager": {"displayName": "Bob"}}
    }));
    assert_eq!(c, json!({"schemas": [USER_SCHEMA], "userName": "ann"}));
}

#[test]
fn at_most_one_primary_value() {
    let e = err(
        json!({"userName": "ann", "emails": [
            {"value": "a@x", "primary": true}, {"value": "b@x", "primary": "True"}]}),
        &users(),
    );
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
    assert!(
        e.detail().starts_with("attribute \"emails\""),
        "{}",
        e.detail()
    );
}

#[test]
fn undeclared_extensions_are_kept_as_sent() {
    let custom = "urn:okta:onprem_app:1.0:user:custom";
    let c = ok(json!({
        "userName": "ann",
        custom: {"Badge": "B-7", "Nested": {"x": [1, 2]}, "flag": "True"}
    }));
    assert_eq!(
        c[custom],
        json!({"Badge": "B-7", "Nested": {"x": [1, 2]}, "flag": "True"})
    );
    assert_eq!(c["schemas"], json!([USER_SCHEMA, custom]));
    let user = User::from_json(c).unwrap();
    assert_eq!(user.to_json()[custom]["Badge"], "B-7");

    let e = err(json!({"userName": "ann", custom: "B-7"}), &users());
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
    assert!(e.detail().contains(custom));
}

#[test]
fn declared_extension_key_and_attribute_case_are_fixed() {
    let c = ok(json!({
        "userName": "ann",
        ENTERPRISE_USER_SCHEMA.to_uppercase(): {"EMPLOYEENUMBER": "42", "Manager": {"VALUE": "m-1"}}
    }));
    assert_eq!(
        c[ENTERPRISE_USER_SCHEMA],
        json!({"employeeNumber": "42", "manager": {"value": "m-1"}})
    );
    assert_eq!(c["schemas"], json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]));
    assert_eq!(
        User::from_json(c)
            .unwrap()
            .enterprise
            .unwrap()
            .employee_number
            .as_deref(),
        Some("42")
    );
}

#[test]
fn the_same_attribute_twice_in_different_case_is_refused() {
    let e = err(json!({"userName": "a", "USERNAME": "b"}), &users());
    assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));
    let e = err(
        json!({"userName": "a", "emails": [{"value": "a", "Value": "b"}]}),
        &users(),
    );
    assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));
}

#[test]
fn the_body_must_be_an_object() {
    for body in [json!([]), json!("ann"), json!(null)] {
        let e = err(body, &users());
        assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));
    }
}

#[test]
fn okta_group_bodies_read_into_a_group() {
    let schema = ResourceSchema::group();
    let c = canonicalize(
        json!({"schemas": [GROUP_SCHEMA], "displayName": "Test SCIMv2", "members": []}),
        &schema,
    )
    .unwrap();
    assert_eq!(
        c,
        json!({"schemas": [GROUP_SCHEMA], "displayName": "Test SCIMv2"})
    );
    let c = canonicalize(
        json!({"id": "abf4", "displayName": "Finance", "Members": [{"Value": "u1", "display": "Ann"}],
               "meta": {"resourceType": "Group"}}),
        &schema,
    )
    .unwrap();
    let g = Group::from_json(c).unwrap();
    assert_eq!(g.members[0].value.as_deref(), Some("u1"));
    assert_eq!(g.id, None);
}

#[test]
fn canonical_output_reads_back_unchanged() {
    let once = ok(stored_user());
    let twice = ok(once.clone());
    assert_eq!(once, twice);
}

#[test]
fn a_body_with_forty_thousand_extension_objects_is_read_whole() {
    // The duplicate-key check compared every key with every earlier one: a 1 MB body of
    // 40 000 small `urn:` objects took seconds of CPU (timed in benches/engine.rs).
    let mut body = serde_json::Map::new();
    body.insert("userName".into(), json!("ann"));
    for i in 0..40_000 {
        body.insert(format!("urn:example:x{i}:1.0:User"), json!({"a": 1}));
    }
    let c = canonicalize(Value::Object(body), &users()).unwrap();
    assert_eq!(c.as_object().unwrap().len(), 40_002);
    // duplicates in different case are still refused
    let e = err(
        json!({"userName": "ann", "urn:example:x:1.0:User": {"a": 1}, "URN:EXAMPLE:X:1.0:USER": {"a": 2}}),
        &users(),
    );
    assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));
    assert!(e.detail().contains("more than once"), "{}", e.detail());
}

// ---------------------------------------------------------------- project

#[test]
fn attributes_user_name_keeps_id_and_schemas() {
    let out = project(&stored_user(), &users(), &paths(&["USERNAME"]), &[]);
    assert_eq!(
        out,
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "userName": "ann.devries@example.com"
        })
    );
}

#[test]
fn by_default_everything_but_password_is_returned_including_meta() {
    let out = project(&stored_user(), &users(), &[], &[]);
    let mut expected = stored_user();
    expected.as_object_mut().unwrap().remove("password");
    assert_eq!(out, expected);
}

#[test]
fn password_is_never_returned_even_when_asked_for() {
    let out = project(
        &stored_user(),
        &users(),
        &paths(&["password", "userName"]),
        &[],
    );
    assert!(out.get("password").is_none());
    assert_eq!(out["userName"], "ann.devries@example.com");
}

#[test]
fn excluded_attributes_remove_them_but_never_id() {
    let out = project(
        &stored_user(),
        &users(),
        &[],
        &paths(&["emails", "ID", "name.familyName"]),
    );
    assert!(out.get("emails").is_none());
    assert_eq!(out["id"], "2819c223-7f76-453a-919d-413861904646");
    assert_eq!(out["name"], json!({"givenName": "Anna", "middleName": "M"}));
    assert_eq!(out["meta"]["resourceType"], "User");
}

#[test]
fn a_sub_attribute_path_keeps_the_parent_with_only_that_sub_attribute() {
    let out = project(
        &stored_user(),
        &users(),
        &paths(&["name.givenName", "emails.value"]),
        &[],
    );
    assert_eq!(out["name"], json!({"givenName": "Anna"}));
    assert_eq!(
        out["emails"],
        json!([{"value": "ann.devries@example.com"}, {"value": "ann@home.example"}])
    );
    assert!(out.get("meta").is_none());
}

#[test]
fn urn_paths_address_extension_attributes_and_whole_extensions() {
    let out = project(
        &stored_user(),
        &users(),
        &paths(&[&format!("{ENTERPRISE_USER_SCHEMA}:employeeNumber")]),
        &[],
    );
    assert_eq!(
        out[ENTERPRISE_USER_SCHEMA],
        json!({"employeeNumber": "1042"})
    );
    assert!(out.get("userName").is_none());

    let out = project(
        &stored_user(),
        &users(),
        &paths(&[&format!("{ENTERPRISE_USER_SCHEMA}:manager.value")]),
        &[],
    );
    assert_eq!(
        out[ENTERPRISE_USER_SCHEMA],
        json!({"manager": {"value": "m-1"}})
    );

    let whole = paths(&[ENTERPRISE_USER_SCHEMA]);
    let out = project(&stored_user(), &users(), &whole, &[]);
    assert_eq!(
        out[ENTERPRISE_USER_SCHEMA],
        stored_user()[ENTERPRISE_USER_SCHEMA]
    );

    let out = project(&stored_user(), &users(), &[], &whole);
    assert!(out.get(ENTERPRISE_USER_SCHEMA).is_none());
    assert_eq!(out["userName"], "ann.devries@example.com");
}

#[test]
fn q_e7_groups_without_members() {
    let group = json!({"schemas": [GROUP_SCHEMA], "id": "g1", "displayName": "Finance",
        "members": [{"value": "u1"}], "meta": {"resourceType": "Group"}});
    let out = project(&group, &ResourceSchema::group(), &[], &paths(&["members"]));
    assert_eq!(
        out,
        json!({"schemas": [GROUP_SCHEMA], "id": "g1", "displayName": "Finance",
            "meta": {"resourceType": "Group"}})
    );
}

#[test]
fn request_attributes_are_returned_only_when_named() {
    let schema = users().with_extension(
        Schema::new(HR, "HR").with_attribute(
            Attribute::new("salaryBand", AttributeType::String)
                .with_returned(okta_scim::schema::Returned::Request),
        ),
        false,
    );
    let user = json!({"schemas": [USER_SCHEMA, HR], "id": "1", "userName": "ann",
        HR: {"salaryBand": "B"}});
    assert!(project(&user, &schema, &[], &[]).get(HR).is_none());
    let named = paths(&[&format!("{HR}:salaryBand")]);
    assert_eq!(
        project(&user, &schema, &named, &[])[HR],
        json!({"salaryBand": "B"})
    );
}

// ---------------------------------------------------------------- property test

fn body_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i32>().prop_map(Value::from),
        prop::sample::select(vec!["True", "false", "ann@example.com", "", "work", "u1"])
            .prop_map(Value::from),
        "[a-z@. ]{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 20, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "value",
                        "Value",
                        "type",
                        "primary",
                        "display",
                        "givenName",
                        "familyName",
                        "$ref",
                        "manager",
                        "employeeNumber",
                        "displayName",
                        "x",
                    ]),
                    inner
                ),
                0..4
            )
            .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Whatever a body holds, canonicalize answers a 400 or a value that reads as a
    /// User/Group and canonicalizes to itself.
    #[test]
    fn canonical_forms_are_stable_and_typed(
        fields in prop::collection::vec((
            prop::sample::select(vec![
                "userName", "USERNAME", "displayName", "name", "emails", "phoneNumbers",
                "addresses", "active", "password", "groups", "members", "id", "meta",
                "externalId", "schemas", ENTERPRISE_USER_SCHEMA, "urn:example:hr:1.0:User",
                "title", "x509Certificates",
            ]),
            body_value(),
        ), 0..8),
    ) {
        let mut body = serde_json::Map::new();
        body.insert("userName".into(), json!("ann"));
        body.insert("displayName".into(), json!("Finance"));
        for (k, v) in fields {
            body.insert(k.to_owned(), v);
        }
        let body = Value::Object(body);
        for (schema, is_user) in [(users(), true), (ResourceSchema::group(), false)] {
            match canonicalize(body.clone(), &schema) {
                Ok(c) => {
                    prop_assert_eq!(canonicalize(c.clone(), &schema).unwrap(), c.clone());
                    if is_user {
                        let u = User::from_json(c).unwrap();
                        prop_assert!(canonicalize(u.to_json(), &schema).is_ok());
                    } else {
                        let g = Group::from_json(c).unwrap();
                        prop_assert!(canonicalize(g.to_json(), &schema).is_ok());
                    }
                }
                Err(e) => prop_assert_eq!(e.status(), 400),
            }
        }
    }
}
