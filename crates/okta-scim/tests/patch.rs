#![allow(clippy::unwrap_used, clippy::expect_used)]
//! PATCH: the RFC 7644 §3.5.2 examples, the shapes Okta and Microsoft Entra send (quirks
//! Q-O3..Q-O5, Q-E1..Q-E5 of the research notes), atomicity, mutability, errors, and a
//! property test over arbitrary request bodies.

use okta_scim::canonical::canonicalize;
use okta_scim::schema::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, ResourceSchema, USER_SCHEMA};
use okta_scim::{Group, PatchOpKind, PatchOperation, PatchRequest, ScimError, ScimType, User};
use proptest::prelude::*;
use serde_json::{Value, json};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ENT: &str = ENTERPRISE_USER_SCHEMA;
const GID: &str = "abf4dd94-a4c0-4f67-89c9-76b03340cb9b";
const UID: &str = "2819c223-7f76-453a-919d-413861904646";

// ---------------------------------------------------------------- fixtures and helpers

fn user() -> Value {
    json!({
        "schemas": [USER_SCHEMA, ENT],
        "id": UID,
        "externalId": "00ujl29u0le5T6Aj10h7",
        "userName": "ann.devries@example.com",
        "name": {"givenName": "Anna", "familyName": "de Vries"},
        "displayName": "Anna de Vries",
        "active": true,
        "emails": [{"value": "ann.devries@example.com", "type": "work", "primary": true}],
        "phoneNumbers": [{"value": "+31 20 123 4567", "type": "work"}],
        "groups": [{"value": GID, "display": "Finance"}],
        ENT: {"employeeNumber": "1042", "department": "Finance",
              "manager": {"value": "m-1", "displayName": "Bob Jansen"}},
        "meta": {"resourceType": "User", "created": "2026-01-05T09:00:00.000Z",
                 "lastModified": "2026-01-05T09:00:00.000Z", "version": "W/\"1\""}
    })
}

fn group() -> Value {
    json!({
        "schemas": [GROUP_SCHEMA],
        "id": GID,
        "displayName": "Finance",
        "members": [
            {"value": "u1", "display": "ann@example.com"},
            {"value": "u2", "display": "bob@example.com"}
        ],
        "meta": {"resourceType": "Group", "version": "W/\"4\""}
    })
}

fn users() -> ResourceSchema {
    ResourceSchema::user()
}

fn groups() -> ResourceSchema {
    ResourceSchema::group()
}

fn req(ops: Value) -> PatchRequest {
    PatchRequest::from_json(&json!({"schemas": [PATCH_OP], "Operations": ops}))
        .unwrap_or_else(|e| panic!("{ops} should parse: {e}"))
}

fn patched(mut resource: Value, schema: &ResourceSchema, ops: Value) -> Value {
    req(ops.clone())
        .apply_to(&mut resource, schema)
        .unwrap_or_else(|e| panic!("{ops} should apply: {e}"));
    resource
}

/// Applies and expects an error; checks the resource is unchanged.
fn refused(resource: Value, schema: &ResourceSchema, ops: Value) -> ScimError {
    let before = serde_json::to_string(&resource).unwrap();
    let mut r = resource;
    let e = req(ops.clone())
        .apply_to(&mut r, schema)
        .expect_err(&format!("{ops} should be refused"));
    assert_eq!(serde_json::to_string(&r).unwrap(), before, "not atomic");
    e
}

fn parse_err(body: Value) -> ScimError {
    PatchRequest::from_json(&body).expect_err(&format!("{body} should not parse"))
}

fn member_ids(g: &Value) -> Vec<&str> {
    g["members"]
        .as_array()
        .map(|a| a.iter().map(|m| m["value"].as_str().unwrap()).collect())
        .unwrap_or_default()
}

// ---------------------------------------------------------------- RFC 7644 §3.5.2

#[test]
fn rfc_add_member() {
    let g = patched(
        group(),
        &groups(),
        json!([{"op": "add", "path": "members", "value": [{
            "display": "Babs Jensen",
            "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
            "value": "2819c223-7f76-453a-919d-413861904646"}]}]),
    );
    assert_eq!(member_ids(&g), ["u1", "u2", UID]);
    assert_eq!(g["members"][2]["display"], "Babs Jensen");
    assert_eq!(g["schemas"], json!([GROUP_SCHEMA]));
}

#[test]
fn rfc_add_emails_appends() {
    let u = patched(
        user(),
        &users(),
        json!([{"op": "add", "path": "emails",
                "value": [{"value": "babs@jensen.org", "type": "home"}]}]),
    );
    assert_eq!(u["emails"].as_array().unwrap().len(), 2);
    assert_eq!(
        u["emails"][1],
        json!({"value": "babs@jensen.org", "type": "home"})
    );
    assert_eq!(u["emails"][0]["primary"], true);
}

#[test]
fn rfc_add_without_path_sets_and_appends() {
    let u = patched(
        user(),
        &users(),
        json!([{"op": "add", "value": {
            "emails": [{"value": "babs@jensen.org", "type": "home"}],
            "nickname": "Babs"}}]),
    );
    assert_eq!(u["nickName"], "Babs");
    assert_eq!(u["emails"].as_array().unwrap().len(), 2);
}

#[test]
fn rfc_remove_member_by_filter() {
    let g = patched(
        group(),
        &groups(),
        json!([{"op": "remove", "path": "members[value eq \"u1\"]"}]),
    );
    assert_eq!(member_ids(&g), ["u2"]);
}

#[test]
fn rfc_remove_all_members() {
    let g = patched(
        group(),
        &groups(),
        json!([{"op": "remove", "path": "members"}]),
    );
    assert!(g.get("members").is_none());
    assert_eq!(Group::from_json(g).unwrap().members.len(), 0);
}

#[test]
fn rfc_remove_then_add_replaces_members() {
    let g = patched(
        group(),
        &groups(),
        json!([
            {"op": "remove", "path": "members"},
            {"op": "add", "path": "members", "value": [{"value": "u9", "display": "new"}]}
        ]),
    );
    assert_eq!(member_ids(&g), ["u9"]);
}

#[test]
fn rfc_replace_members() {
    let g = patched(
        group(),
        &groups(),
        json!([{"op": "replace", "path": "members",
                "value": [{"value": "u3"}, {"value": "u1", "display": "Ann"}]}]),
    );
    assert_eq!(member_ids(&g), ["u3", "u1"]);
    assert_eq!(g["members"][1]["display"], "Ann");
}

#[test]
fn rfc_replace_work_email_element() {
    let u = patched(
        user(),
        &users(),
        json!([{"op": "replace", "path": "emails[type eq \"work\"]",
                "value": {"type": "work", "value": "bjensen@example.com"}}]),
    );
    assert_eq!(
        u["emails"],
        json!([{"type": "work", "value": "bjensen@example.com"}])
    );
}

#[test]
fn rfc_replace_work_email_value() {
    let u = patched(
        user(),
        &users(),
        json!([{"op": "replace", "path": "emails[type eq \"work\"].value",
                "value": "bjensen@example.com"}]),
    );
    assert_eq!(
        u["emails"],
        json!([{"type": "work", "value": "bjensen@example.com", "primary": true}])
    );
}

#[test]
fn rfc_remove_sub_attributes() {
    let u = patched(
        user(),
        &users(),
        json!([
            {"op": "remove", "path": "name.familyName"},
            {"op": "remove", "path": "phoneNumbers[type eq \"work\"].type"},
            {"op": "remove", "path": format!("{ENT}:manager")}
        ]),
    );
    assert_eq!(u["name"], json!({"givenName": "Anna"}));
    assert_eq!(u["phoneNumbers"], json!([{"value": "+31 20 123 4567"}]));
    assert!(u[ENT].get("manager").is_none());
    assert_eq!(u[ENT]["employeeNumber"], "1042");
}

#[test]
fn rfc_remove_sub_attribute_leaving_an_empty_element_removes_it() {
    let u = patched(
        user(),
        &users(),
        json!([
            {"op": "remove", "path": "phoneNumbers[type eq \"work\"].type"},
            {"op": "remove", "path": "phoneNumbers.value"}
        ]),
    );
    assert!(u.get("phoneNumbers").is_none());
}

#[test]
fn rfc_replace_on_a_missing_attribute_adds_it() {
    let u = patched(
        user(),
        &users(),
        json!([{"op": "replace", "path": "title", "value": "Controller"},
               {"op": "replace", "path": "addresses", "value": [{"locality": "Utrecht"}]}]),
    );
    assert_eq!(u["title"], "Controller");
    assert_eq!(u["addresses"], json!([{"locality": "Utrecht"}]));
}

#[test]
fn rfc_complex_add_and_replace_merge_sub_attributes() {
    let u = patched(
        user(),
        &users(),
        json!([{"op": "add", "path": "name", "value": {"middleName": "M"}},
               {"op": "replace", "path": "name", "value": {"givenName": "Ann"}}]),
    );
    assert_eq!(
        u["name"],
        json!({"givenName": "Ann", "familyName": "de Vries", "middleName": "M"})
    );
}

#[test]
fn sub_attribute_path_on_a_missing_complex_attribute_creates_it() {
    let mut start = user();
    start.as_object_mut().unwrap().remove("name");
    let u = patched(
        start,
        &users(),
        json!([{"op": "add", "path": "name.familyName", "value": "Jensen"}]),
    );
    assert_eq!(u["name"], json!({"familyName": "Jensen"}));
}

#[test]
fn sub_attribute_without_filter_applies_to_every_element() {
    let mut start = user();
    start["emails"] = json!([{"value": "a@x", "type": "home"}, {"value": "b@x", "type": "home"}]);
    let u = patched(
        start,
        &users(),
        json!([{"op": "replace", "path": "emails.type", "value": "other"}]),
    );
    assert_eq!(u["emails"][0]["type"], "other");
    assert_eq!(u["emails"][1]["type"], "other");
}

// ---------------------------------------------------------------- Okta

#[test]
fn q_o3_pathless_replace_deactivates() {
    let u = patched(
        user(),
        &users(),
        json!([{"op": "replace", "value": {"active": false}}]),
    );
    assert_eq!(u["active"], false);
    let u = patched(
        u,
        &users(),
        json!([{"op": "replace", "value": {"active": true}}]),
    );
    assert_eq!(u["active"], true);
    let back = User::from_json(u).unwrap();
    assert_eq!(back.active, Some(true));
}

#[test]
fn q_o3_password_sync_sets_the_write_only_password() {
    let u = patched(
        user(),
        &users(),
        json!([{"op": "replace", "value": {"password": "n3w-Secret"}}]),
    );
    let back = User::from_json(u).unwrap();
    assert!(back.password.is_some());
    assert!(back.to_json().get("password").is_none());
}

#[test]
fn q_o4_group_rename_carrying_id() {
    let g = patched(
        group(),
        &groups(),
        json!([{"op": "replace", "value": {"id": GID, "displayName": "Test SCIMv2"}}]),
    );
    assert_eq!(g["displayName"], "Test SCIMv2");
    assert_eq!(g["id"], GID);
    assert_eq!(member_ids(&g), ["u1", "u2"]);
}

#[test]
fn q_o4_group_rename_with_another_id_is_mutability() {
    let e = refused(
        group(),
        &groups(),
        json!([{"op": "replace", "value": {"id": "other", "displayName": "Test SCIMv2"}}]),
    );
    assert_eq!(e.status(), 400);
    assert_eq!(e.scim_type(), Some(ScimType::Mutability));
    assert!(e.detail().contains("\"id\""), "{}", e.detail());
}

#[test]
fn q_o5_member_removal_by_filter_and_union_add() {
    // Okta's membership delta, with the rename it sends alongside
    let g = patched(
        group(),
        &groups(),
        json!([
            {"op": "replace", "value": {"id": GID, "displayName": "Finance"}},
            {"op": "remove", "path": "members[value eq \"u1\"]"},
            {"op": "add", "path": "members", "value": [
                {"value": "u3", "display": "test.user@okta.local"},
                {"value": "u2", "display": "bob@example.com"}]}
        ]),
    );
    assert_eq!(member_ids(&g), ["u2", "u3"]);
}

#[test]
fn q_o5_adding_an_existing_member_is_a_no_op() {
    let g = patched(
        group(),
        &groups(),
        json!([{"op": "add", "path": "members", "value": [{"value": "u1", "display": "other"},
                                                          {"value": "u1"}]}]),
    );
    assert_eq!(g, group());
}

#[test]
fn q_o5_removing_a_non_member_is_a_no_op() {
    let g = patched(
        group(),
        &groups(),
        json!([{"op": "remove", "path": "members[value eq \"nobody\"]"}]),
    );
    assert_eq!(g, group());
}

#[test]
fn q_o5_member_filter_is_case_exact() {
    let g = patched(
        group(),
        &groups(),
        json!([{"op": "remove", "path": "members[value eq \"U1\"]"}]),
    );
    assert_eq!(member_ids(&g), ["u1", "u2"]);
}

#[test]
fn okta_replace_members_with_the_full_list() {
    let g = patched(
        group(),
        &groups(),
        json!([{"op": "replace", "path": "members", "value": [
            {"value": "u2", "display": "bob"}, {"value": "u4", "display": "dan"},
            {"value": "u4", "display": "dan again"}]}]),
    );
    assert_eq!(member_ids(&g), ["u2", "u4"]);
    let g = patched(
        g,
        &groups(),
        json!([{"op": "replace", "path": "members", "value": []}]),
    );
    assert!(g.get("members").is_none());
}

// ---------------------------------------------------------------- Entra

#[test]
fn q_e1_capitalised_ops() {
    let r = PatchRequest::from_json(&json!({
        "schemas": [PATCH_OP.to_uppercase()],
        "operations": [
            {"op": "Add", "path": "title", "value": "CFO"},
            {"OP": "Replace", "Path": "displayName", "Value": "Ann"},
            {"op": "REMOVE", "path": "nickName"}
        ]
    }))
    .unwrap();
    let kinds: Vec<_> = r.operations.iter().map(|o| o.op).collect();
    assert_eq!(
        kinds,
        [PatchOpKind::Add, PatchOpKind::Replace, PatchOpKind::Remove]
    );
    let mut u = user();
    r.apply_to(&mut u, &users()).unwrap();
    assert_eq!(u["title"], "CFO");
    assert_eq!(u["displayName"], "Ann");
}

#[test]
fn q_e2_string_booleans() {
    let u = patched(
        user(),
        &users(),
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
    );
    assert_eq!(u["active"], false);
    let u = patched(
        u,
        &users(),
        json!([{"op": "Replace", "value": {"active": "True"}}]),
    );
    assert_eq!(u["active"], true);
    let e = refused(
        user(),
        &users(),
        json!([{"op": "Replace", "path": "active", "value": "Nope"}]),
    );
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
    assert_eq!(
        e.detail(),
        r#"Operations[0]: attribute "active": expected a boolean, got "Nope""#
    );
}

#[test]
fn q_e3_remove_with_value_list_removes_only_listed() {
    let mut start = group();
    start["members"]
        .as_array_mut()
        .unwrap()
        .push(json!({"value": "u3"}));
    let g = patched(
        start,
        &groups(),
        json!([{"op": "Remove", "path": "members",
                "value": [{"value": "u1"}, {"value": "u3"}, {"value": "not-a-member"}]}]),
    );
    assert_eq!(member_ids(&g), ["u2"]);
    // an empty list removes nothing (never the whole list)
    let g = patched(
        g,
        &groups(),
        json!([{"op": "Remove", "path": "members", "value": []}]),
    );
    assert_eq!(member_ids(&g), ["u2"]);
}

#[test]
fn q_e4_dotted_and_urn_keys() {
    let u = patched(
        user(),
        &users(),
        json!([{"op": "Replace", "value": {
            "name.givenName": "Barbara",
            "NAME.familyName": "Jensen",
            format!("{ENT}:employeeNumber"): "2001",
            format!("{ENT}:manager.value"): "m-2",
            "urn:ietf:params:scim:schemas:core:2.0:User:title": "CFO",
            "emails[type eq \"work\"].value": "barbara@example.com"
        }}]),
    );
    assert_eq!(
        u["name"],
        json!({"givenName": "Barbara", "familyName": "Jensen"})
    );
    assert_eq!(u[ENT]["employeeNumber"], "2001");
    assert_eq!(u[ENT]["manager"]["value"], "m-2");
    assert_eq!(u["title"], "CFO");
    assert_eq!(u["emails"][0]["value"], "barbara@example.com");
}

#[test]
fn q_e4_extension_object_in_a_pathless_value_is_merged() {
    let u = patched(
        user(),
        &users(),
        json!([{"op": "Add", "value": {ENT: {"costCenter": "CC-7"}}}]),
    );
    assert_eq!(u[ENT]["costCenter"], "CC-7");
    assert_eq!(u[ENT]["employeeNumber"], "1042");
}

#[test]
fn q_e5_add_on_missing_work_email_creates_it() {
    let mut start = user();
    start["emails"] = json!([{"value": "ann@home.example", "type": "home"}]);
    let u = patched(
        start,
        &users(),
        json!([{"op": "Add", "path": "emails[type eq \"work\"].value",
                "value": "ann@example.com"}]),
    );
    assert_eq!(
        u["emails"],
        json!([{"value": "ann@home.example", "type": "home"},
               {"type": "work", "value": "ann@example.com"}])
    );
    // replace creates too (Entra wins over the RFC's noTarget)
    let u = patched(
        u,
        &users(),
        json!([{"op": "Replace", "path": "phoneNumbers[type eq \"mobile\"].value",
                "value": "+31 6 1234 5678"}]),
    );
    assert_eq!(
        u["phoneNumbers"][1],
        json!({"type": "mobile", "value": "+31 6 1234 5678"})
    );
}

#[test]
fn q_e5_address_adds_merge_into_one_element() {
    let u = patched(
        user(),
        &users(),
        json!([
            {"op": "Add", "path": "addresses[type eq \"work\"].streetAddress", "value": "Damrak 1"},
            {"op": "Add", "path": "addresses[type eq \"work\"].locality", "value": "Amsterdam"},
            {"op": "Add", "path": "addresses[type eq \"work\"].country", "value": "NL"},
            {"op": "Add", "path": "addresses[type eq \"work\"].primary", "value": "True"}
        ]),
    );
    assert_eq!(
        u["addresses"],
        json!([{"type": "work", "streetAddress": "Damrak 1", "locality": "Amsterdam",
                "country": "NL", "primary": true}])
    );
    assert!(User::from_json(u).is_ok());
}

#[test]
fn entra_manager_by_id_string() {
    let u = patched(
        user(),
        &users(),
        json!([{"op": "Add", "path": format!("{ENT}:manager"), "value": "m-9"}]),
    );
    assert_eq!(
        u[ENT]["manager"],
        json!({"value": "m-9", "displayName": "Bob Jansen"})
    );
}

// ---------------------------------------------------------------- primary, schemas, extensions

#[test]
fn a_new_primary_demotes_the_others() {
    let u = patched(
        user(),
        &users(),
        json!([{"op": "add", "path": "emails",
                "value": [{"value": "ann@home.example", "type": "home", "primary": true}]}]),
    );
    assert_eq!(u["emails"][0]["primary"], false);
    assert_eq!(u["emails"][1]["primary"], true);
    let u = patched(
        u,
        &users(),
        json!([{"op": "replace", "path": "emails[type eq \"work\"].primary", "value": true}]),
    );
    assert_eq!(u["emails"][0]["primary"], true);
    assert_eq!(u["emails"][1]["primary"], false);
}

#[test]
fn two_primaries_in_one_value_are_invalid() {
    let e = refused(
        user(),
        &users(),
        json!([{"op": "replace", "path": "emails", "value": [
            {"value": "a@x", "primary": true}, {"value": "b@x", "primary": true}]}]),
    );
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
}

#[test]
fn schemas_follow_the_extensions_present() {
    let mut start = user();
    start.as_object_mut().unwrap().remove(ENT);
    start["schemas"] = json!([USER_SCHEMA]);
    let u = patched(
        start,
        &users(),
        json!([{"op": "add", "path": format!("{ENT}:department"), "value": "Sales"}]),
    );
    assert_eq!(u["schemas"], json!([USER_SCHEMA, ENT]));
    let u = patched(
        u,
        &users(),
        json!([{"op": "remove", "path": format!("{ENT}:department")}]),
    );
    assert!(u.get(ENT).is_none());
    assert_eq!(u["schemas"], json!([USER_SCHEMA]));
}

#[test]
fn undeclared_extension_attributes_are_stored_in_their_object() {
    let custom = "urn:okta:onprem_app:1.0:user:custom";
    let u = patched(
        user(),
        &users(),
        json!([
            {"op": "add", "path": format!("{custom}:badge"), "value": "B-7"},
            {"op": "add", "value": {format!("{custom}:floor"): 3}},
            {"op": "add", "value": {"urn:example:other:1.0:User": {"x": "y"}}},
            {"op": "add", "path": "urn:example:third:1.0:User", "value": {"z": true}}
        ]),
    );
    assert_eq!(u[custom], json!({"badge": "B-7", "floor": 3}));
    assert_eq!(u["urn:example:other:1.0:User"], json!({"x": "y"}));
    assert_eq!(u["urn:example:third:1.0:User"], json!({"z": true}));
    assert_eq!(
        u["schemas"],
        json!([
            USER_SCHEMA,
            ENT,
            "urn:example:other:1.0:User",
            "urn:example:third:1.0:User",
            custom
        ])
    );
    let u = patched(u, &users(), json!([{"op": "remove", "path": custom}]));
    assert!(u.get(custom).is_none());
    assert!(canonicalize(u, &users()).is_ok());
}

#[test]
fn writes_to_schemas_are_ignored() {
    let u = patched(
        user(),
        &users(),
        json!([{"op": "replace", "path": "schemas", "value": ["urn:bogus"]},
               {"op": "replace", "value": {"schemas": ["urn:bogus"], "title": "x"}}]),
    );
    assert_eq!(u["schemas"], json!([USER_SCHEMA, ENT]));
}

#[test]
fn replace_of_a_complex_attribute_clears_sub_attributes_given_as_null() {
    // RFC 7643 §2.5: null is unassigned. `replace name {"middleName": null}` used to
    // leave middleName as it was, while the same null in an extension object cleared it.
    let mut u = user();
    u["name"]["middleName"] = json!("M");
    let out = patched(
        u.clone(),
        &users(),
        json!([{"op": "replace", "path": "name",
                "value": {"givenName": "Anne", "middleName": null}}]),
    );
    assert_eq!(
        out["name"],
        json!({"givenName": "Anne", "familyName": "de Vries"})
    );
    // path-less, and in any case
    let out = patched(
        u.clone(),
        &users(),
        json!([{"op": "replace", "value": {"NAME": {"MiddleName": null, "familyName": null}}}]),
    );
    assert_eq!(out["name"], json!({"givenName": "Anna"}));
    // the sub-attributes not given stay, even when every given one is null
    let out = patched(
        u.clone(),
        &users(),
        json!([{"op": "replace", "path": "name", "value": {"givenName": null}}]),
    );
    assert_eq!(
        out["name"],
        json!({"familyName": "de Vries", "middleName": "M"})
    );
    // every sub-attribute null: the attribute goes
    let out = patched(
        u.clone(),
        &users(),
        json!([{"op": "replace", "path": "name",
                "value": {"givenName": null, "familyName": null, "middleName": null}}]),
    );
    assert!(out.get("name").is_none(), "{out}");
    // add keeps add semantics: null adds nothing
    let out = patched(
        u.clone(),
        &users(),
        json!([{"op": "add", "path": "name", "value": {"middleName": null}}]),
    );
    assert_eq!(out["name"]["middleName"], "M");
    // a read-only sub-attribute cannot be cleared
    let e = refused(
        user(),
        &users(),
        json!([{"op": "replace", "path": format!("{ENT}:manager"),
                "value": {"value": "m-2", "displayName": null}}]),
    );
    assert_eq!(e.scim_type(), Some(ScimType::Mutability));
    assert!(e.detail().contains("manager.displayName"), "{}", e.detail());
}

// ---------------------------------------------------------------- atomicity and mutability

#[test]
fn atomic_when_a_later_operation_fails() {
    let e = refused(
        user(),
        &users(),
        json!([
            {"op": "replace", "path": "displayName", "value": "Changed"},
            {"op": "add", "path": "emails", "value": [{"value": "x@y"}]},
            {"op": "replace", "path": "shoeSize", "value": 44}
        ]),
    );
    assert_eq!(e.scim_type(), Some(ScimType::InvalidPath));
    assert!(e.detail().starts_with("Operations[2]: "), "{}", e.detail());
    assert!(e.detail().contains("shoeSize"));
}

#[test]
fn read_only_attributes_equal_are_ignored_different_are_mutability() {
    let meta = user()["meta"].clone();
    let u = patched(
        user(),
        &users(),
        json!([{"op": "replace", "value": {"id": UID, "meta": meta, "groups": user()["groups"],
                                          "displayName": "Ann"}}]),
    );
    assert_eq!(u["displayName"], "Ann");
    for ops in [
        json!([{"op": "replace", "path": "id", "value": "x"}]),
        json!([{"op": "remove", "path": "id"}]),
        json!([{"op": "replace", "path": "meta.version", "value": "W/\"9\""}]),
        json!([{"op": "remove", "path": "meta"}]),
        json!([{"op": "add", "path": "groups", "value": [{"value": "g2"}]}]),
        json!([{"op": "remove", "path": "groups[value eq \"abf4dd94-a4c0-4f67-89c9-76b03340cb9b\"]"}]),
        json!([{"op": "replace", "path": format!("{ENT}:manager.displayName"), "value": "Eve"}]),
        json!([{"op": "add", "path": format!("{ENT}:manager"), "value": {"value": "m-1", "displayName": "Eve"}}]),
    ] {
        let e = refused(user(), &users(), ops.clone());
        assert_eq!(e.scim_type(), Some(ScimType::Mutability), "{ops}: {e}");
    }
    // equal manager.displayName is ignored
    let u = patched(
        user(),
        &users(),
        json!([{"op": "add", "path": format!("{ENT}:manager"),
                "value": {"value": "m-2", "displayName": "Bob Jansen"}}]),
    );
    assert_eq!(u[ENT]["manager"]["value"], "m-2");
}

#[test]
fn member_value_is_immutable_but_members_come_and_go() {
    let e = refused(
        group(),
        &groups(),
        json!([{"op": "replace", "path": "members[value eq \"u1\"].value", "value": "u9"}]),
    );
    assert_eq!(e.scim_type(), Some(ScimType::Mutability));
    assert!(e.detail().contains("members.value"), "{}", e.detail());
    let e = refused(
        group(),
        &groups(),
        json!([{"op": "replace", "path": "members[value eq \"u1\"]", "value": {"value": "u9"}}]),
    );
    assert_eq!(e.scim_type(), Some(ScimType::Mutability));
    let e = refused(
        group(),
        &groups(),
        json!([{"op": "remove", "path": "members[value eq \"u1\"].value"}]),
    );
    assert_eq!(e.scim_type(), Some(ScimType::Mutability));
    // the display name of a member may change; the value stays
    let g = patched(
        group(),
        &groups(),
        json!([{"op": "replace", "path": "members[value eq \"u1\"]", "value": {"display": "Ann"}},
               {"op": "replace", "path": "members[value eq \"u2\"].display", "value": "Bob"}]),
    );
    assert_eq!(
        g["members"],
        json!([{"value": "u1", "display": "Ann"}, {"value": "u2", "display": "Bob"}])
    );
    // an immutable value may be set while absent
    let mut start = group();
    start["members"] = json!([{"display": "pending"}]);
    let g = patched(
        start,
        &groups(),
        json!([{"op": "add", "path": "members[display eq \"pending\"].value", "value": "u7"}]),
    );
    assert_eq!(g["members"], json!([{"display": "pending", "value": "u7"}]));
}

#[test]
fn required_attributes_cannot_be_removed_or_emptied() {
    for ops in [
        json!([{"op": "remove", "path": "userName"}]),
        json!([{"op": "replace", "path": "userName", "value": ""}]),
        json!([{"op": "replace", "path": "userName", "value": null}]),
        json!([{"op": "replace", "value": {"userName": "  "}}]),
    ] {
        let e = refused(user(), &users(), ops.clone());
        assert_eq!(e.scim_type(), Some(ScimType::InvalidValue), "{ops}");
        assert!(e.detail().contains("userName"), "{}", e.detail());
    }
    let e = refused(
        group(),
        &groups(),
        json!([{"op": "remove", "path": "displayName"}]),
    );
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
}

#[test]
fn wrong_value_types_name_the_path() {
    let e = refused(
        user(),
        &users(),
        json!([{"op": "add", "path": "emails", "value": [{"value": "a@x", "primary": "yes"}]}]),
    );
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
    assert_eq!(
        e.detail(),
        r#"Operations[0]: attribute "emails[0].primary": expected a boolean, got "yes""#
    );
    let e = refused(
        user(),
        &users(),
        json!([{"op": "replace", "value": {"name": {"givenName": 7}}}]),
    );
    assert!(e.detail().contains("name.givenName"), "{}", e.detail());
}

// ---------------------------------------------------------------- invalidPath, noTarget

#[test]
fn unknown_paths_are_invalid_path() {
    for (ops, needle) in [
        (
            json!([{"op": "add", "path": "shoeSize", "value": 44}]),
            "shoeSize",
        ),
        (
            json!([{"op": "add", "path": "name.nickname", "value": "x"}]),
            "name.nickname",
        ),
        (
            json!([{"op": "remove", "path": "emails[foo eq \"x\"]"}]),
            "foo",
        ),
        (
            json!([{"op": "add", "path": "name[givenName eq \"x\"].familyName", "value": "y"}]),
            "name",
        ),
        (
            json!([{"op": "replace", "value": {"shoeSize": 44}}]),
            "shoeSize",
        ),
        (
            json!([{"op": "add", "path": format!("{ENT}:badge"), "value": "x"}]),
            "badge",
        ),
        (
            json!([{"op": "add", "path": "emails[value co 7]", "value": {"value": "x"}}]),
            "value",
        ),
        (
            json!([{"op": "add", "value": {"name": {"nickname": "x"}}}]),
            "name.nickname",
        ),
    ] {
        let e = refused(user(), &users(), ops.clone());
        assert_eq!(e.scim_type(), Some(ScimType::InvalidPath), "{ops}: {e}");
        assert!(e.detail().contains(needle), "{ops}: {}", e.detail());
    }
}

#[test]
fn replace_through_a_filter_that_cannot_create_is_no_target() {
    let e = refused(
        user(),
        &users(),
        json!([{"op": "replace", "path": "emails[type co \"hom\"].value", "value": "a@x"}]),
    );
    assert_eq!(e.scim_type(), Some(ScimType::NoTarget));
    let e = refused(
        group(),
        &groups(),
        json!([{"op": "replace", "path": "members[value eq \"u8\" or value eq \"u9\"].display",
                "value": "x"}]),
    );
    assert_eq!(e.scim_type(), Some(ScimType::NoTarget));
    // only a filter that matches nothing is noTarget
    let g = patched(
        group(),
        &groups(),
        json!([{"op": "replace", "path": "members[value eq \"u1\" or value eq \"u9\"].display",
                "value": "x"}]),
    );
    assert_eq!(g["members"][0]["display"], "x");
}

#[test]
fn remove_through_a_filter_matching_nothing_succeeds() {
    let u = patched(
        user(),
        &users(),
        json!([{"op": "remove", "path": "emails[type eq \"home\"]"},
               {"op": "remove", "path": "addresses[type eq \"work\"].locality"}]),
    );
    assert_eq!(u["emails"], user()["emails"]);
}

// ---------------------------------------------------------------- parsing

#[test]
fn parse_errors() {
    let e = parse_err(json!({"Operations": [{"op": "add", "path": "title", "value": "x"}]}));
    assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));
    let e = parse_err(json!({"schemas": [USER_SCHEMA], "Operations": []}));
    assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));
    let e = parse_err(json!({"schemas": [PATCH_OP], "Operations": []}));
    assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));
    let e = parse_err(json!({"schemas": [PATCH_OP], "Operations": {"op": "add"}}));
    assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));
    let e = parse_err(json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "add", "path": "title", "value": "x"}, {"op": "delete", "path": "title"}]}));
    assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));
    assert!(e.detail().starts_with("Operations[1]: "), "{}", e.detail());
    assert!(e.detail().contains("delete"));
    let e = parse_err(json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "remove", "path": "members[value eq"}]}));
    assert_eq!(e.scim_type(), Some(ScimType::InvalidPath));
    assert_eq!(
        e.detail(),
        "Operations[0]: invalid path at column 17: expected a comparison value"
    );
    let e = parse_err(json!({"schemas": [PATCH_OP], "Operations": [{"op": "remove"}]}));
    assert_eq!(e.scim_type(), Some(ScimType::NoTarget));
    let e = parse_err(json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "value": false}]}));
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
    let e = parse_err(json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "add", "path": "title"}]}));
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
    let e = parse_err(json!([1]));
    assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));
    let e = PatchRequest::from_slice(b"{not json").unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));
}

#[test]
fn operations_are_capped() {
    let op = json!({"op": "replace", "path": "title", "value": "x"});
    let ok = vec![op.clone(); okta_scim::patch::MAX_OPERATIONS];
    assert!(PatchRequest::from_json(&json!({"schemas": [PATCH_OP], "Operations": ok})).is_ok());
    let too_many = vec![op; okta_scim::patch::MAX_OPERATIONS + 1];
    let e = parse_err(json!({"schemas": [PATCH_OP], "Operations": too_many}));
    assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));
    assert!(e.detail().contains("1000"));
}

#[test]
fn empty_path_means_no_path() {
    let r = req(json!([{"op": "replace", "path": "", "value": {"active": false}}]));
    assert!(r.operations[0].path.is_none());
}

#[test]
fn builders_and_to_json_round_trip() {
    let r = PatchRequest::new(vec![
        PatchOperation::remove("members[value eq \"u1\"]").unwrap(),
        PatchOperation::add("members", json!([{"value": "u3"}])).unwrap(),
        PatchOperation::replace("displayName", json!("Sales")).unwrap(),
        PatchOperation::replace_attributes(json!({"id": GID})),
    ]);
    let body = r.to_json();
    assert_eq!(body["schemas"], json!([PATCH_OP]));
    assert_eq!(
        body["Operations"][0],
        json!({"op": "remove", "path": "members[value eq \"u1\"]"})
    );
    assert_eq!(PatchRequest::from_json(&body).unwrap(), r);
    let bytes = serde_json::to_vec(&body).unwrap();
    assert_eq!(PatchRequest::from_slice(&bytes).unwrap(), r);
    let mut g = group();
    r.apply_to(&mut g, &groups()).unwrap();
    assert_eq!(member_ids(&g), ["u2", "u3"]);
    assert_eq!(g["displayName"], "Sales");
    assert!(PatchOperation::add("members[", json!(1)).is_err());
}

// ---------------------------------------------------------------- scale

#[test]
fn a_20k_member_group_takes_removes_and_a_5k_add_in_one_patch() {
    let members: Vec<Value> = (0..20_000)
        .map(|i| json!({"value": format!("u{i}"), "display": format!("user {i}")}))
        .collect();
    let mut g =
        json!({"schemas": [GROUP_SCHEMA], "id": GID, "displayName": "All", "members": members});
    let mut ops: Vec<Value> = (0..200)
        .map(|i| json!({"op": "remove", "path": format!("members[value eq \"u{}\"]", i * 7)}))
        .collect();
    let adds: Vec<Value> = (0..5_000)
        .map(|i| json!({"value": format!("u{}", i * 5)}))
        .collect();
    ops.push(json!({"op": "add", "path": "members", "value": adds}));
    req(Value::Array(ops)).apply_to(&mut g, &groups()).unwrap();
    let n = g["members"].as_array().unwrap().len();
    // removed 200 (u0, u7, …); the adds re-add the removed multiples of 35 (40 of them)
    // and bring 1 000 new ones (u20000 … u24995)
    assert_eq!(n, 20_000 - 200 + 40 + 1_000);
}

#[test]
fn many_small_member_operations_on_a_large_group() {
    // Each add rebuilt a set of the identities of all members (one string per member)
    // and each Entra-style remove built one key string per member: 200 one-member
    // operations on a 20 000-member group took seconds (timed in benches/engine.rs).
    let members: Vec<Value> = (0..20_000)
        .map(|i| json!({"value": format!("u{i}"), "display": format!("user {i}")}))
        .collect();
    let mut g =
        json!({"schemas": [GROUP_SCHEMA], "id": GID, "displayName": "All", "members": members});
    let mut ops: Vec<Value> = (0..300)
        .map(|i| json!({"op": "add", "path": "members", "value": [{"value": format!("n{i}")}]}))
        .collect();
    ops.extend((0..300).map(
        |i| json!({"op": "Remove", "path": "members", "value": [{"value": format!("u{}", i * 3)}]}),
    ));
    // re-adding an existing member (different display) is still a no-op
    ops.push(json!({"op": "add", "path": "members", "value": [{"value": "u1", "display": "X"}]}));
    // case-exact: U2 is not u2
    ops.push(json!({"op": "Remove", "path": "members", "value": [{"value": "U2"}]}));
    req(Value::Array(ops)).apply_to(&mut g, &groups()).unwrap();
    let ids = member_ids(&g);
    assert_eq!(ids.len(), 20_000 + 300 - 300);
    assert!(ids.contains(&"n299") && ids.contains(&"u2") && !ids.contains(&"u3"));
    let u1 = g["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["value"] == "u1");
    assert_eq!(u1, Some(&json!({"value": "u1", "display": "user 1"})));
}

#[test]
fn pathless_values_naming_too_many_attributes_are_refused() {
    // Every new key was looked up case-insensitively among all keys of the resource:
    // one path-less add of 20 000 `urn:…:attr` keys took seconds. The attributes of
    // path-less values and extension objects now count against MAX_OPERATIONS.
    let mut value = serde_json::Map::new();
    for i in 0..20_000 {
        value.insert(format!("urn:example:x{i}:1.0:User:a"), json!(1));
    }
    let e = refused(
        user(),
        &users(),
        json!([{"op": "add", "value": Value::Object(value)}]),
    );
    assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));
    assert!(e.detail().contains("1000"), "{}", e.detail());
    let mut ext = serde_json::Map::new();
    for i in 0..1_001 {
        ext.insert(format!("a{i}"), json!(i));
    }
    let e = refused(
        user(),
        &users(),
        json!([{"op": "add", "path": "urn:example:hr:1.0:User", "value": Value::Object(ext)}]),
    );
    assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));
    // 1 000 in all is fine
    let mut value = serde_json::Map::new();
    for i in 0..999 {
        value.insert(format!("urn:example:hr:1.0:User:a{i}"), json!(i));
    }
    let out = patched(
        user(),
        &users(),
        json!([{"op": "replace", "path": "title", "value": "x"},
               {"op": "add", "value": Value::Object(value)}]),
    );
    assert_eq!(out["urn:example:hr:1.0:User"]["a998"], 998);
}

// ---------------------------------------------------------------- property test

const PATHS: &[&str] = &[
    "active",
    "userName",
    "displayName",
    "nickName",
    "title",
    "password",
    "name",
    "name.givenName",
    "name.familyName",
    "emails",
    "emails.type",
    "emails[type eq \"work\"]",
    "emails[type eq \"work\"].value",
    "emails[type eq \"work\"].primary",
    "emails[value co \"example\"]",
    "emails[type eq \"home\" and primary eq true].display",
    "phoneNumbers[type eq \"mobile\"].value",
    "addresses[type eq \"work\"].locality",
    "addresses",
    "members",
    "members[value eq \"u1\"]",
    "members[value eq \"u9\"].display",
    "members.display",
    "id",
    "meta",
    "meta.version",
    "groups",
    "schemas",
    "externalId",
    "x509Certificates",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    "urn:ietf:params:scim:schemas:core:2.0:User:title",
    "urn:example:hr:1.0:User:badge",
    "urn:example:hr:1.0:User",
    "urn:example:hr:1.0:User:tags[value eq \"a\"]",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        prop::sample::select(vec![
            "True",
            "false",
            "work",
            "home",
            "u1",
            "u2",
            "u9",
            "",
            " ",
            "a@x",
            "2026-01-05T09:00:00Z",
        ])
        .prop_map(Value::from),
        "[a-zA-Z0-9 @.]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "value",
                        "type",
                        "primary",
                        "display",
                        "givenName",
                        "active",
                        "id",
                        "displayName",
                        "userName",
                        "emails",
                        "members",
                        "name",
                        "VALUE",
                        "$ref",
                        "foo",
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                        "urn:example:hr:1.0:User",
                        "name.familyName",
                    ]),
                    inner
                ),
                0..4
            )
            .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

fn json_object() -> impl Strategy<Value = Value> {
    json_value().prop_map(|v| match v {
        Value::Object(m) => Value::Object(m),
        other => json!({"active": other.clone(), "displayName": other}),
    })
}

fn operation() -> impl Strategy<Value = Value> {
    let op = prop_oneof![
        6 => prop::sample::select(vec!["add", "Add", "replace", "Replace", "remove", "REMOVE"])
            .prop_map(str::to_owned),
        1 => "[a-z]{0,7}",
    ];
    let with_path = (
        prop_oneof![
            8 => prop::sample::select(PATHS.to_vec()).prop_map(str::to_owned),
            1 => "[a-zA-Z\\[\\]\\. \"=:]{0,16}",
        ],
        prop_oneof![9 => json_value().prop_map(Some), 1 => Just(None)],
    )
        .prop_map(|(p, v)| (Some(p), v));
    let pathless = json_object().prop_map(|v| (None, Some(v)));
    let target = prop_oneof![4 => with_path, 1 => pathless];
    let random = (op, target).prop_map(|(op, (path, value))| {
        let mut m = serde_json::Map::new();
        m.insert("op".into(), op.into());
        if let Some(p) = path {
            m.insert("path".into(), p.into());
        }
        if let Some(v) = value {
            m.insert("value".into(), v);
        }
        Value::Object(m)
    });
    prop_oneof![3 => random, 2 => prop::sample::select(realistic_ops())]
}

/// Operations Okta and Entra send, so that random ones meet realistic states.
fn realistic_ops() -> Vec<Value> {
    vec![
        json!({"op": "replace", "value": {"active": false}}),
        json!({"op": "replace", "value": {"id": GID, "displayName": "Renamed"}}),
        json!({"op": "remove", "path": "members[value eq \"u1\"]"}),
        json!({"op": "add", "path": "members", "value": [{"value": "u3", "display": "c"}]}),
        json!({"op": "Remove", "path": "members", "value": [{"value": "u2"}]}),
        json!({"op": "replace", "path": "members", "value": [{"value": "u1"}, {"value": "u4"}]}),
        json!({"op": "Add", "path": "emails[type eq \"work\"].value", "value": "a@x"}),
        json!({"op": "Add", "path": "addresses[type eq \"work\"].locality", "value": "Utrecht"}),
        json!({"op": "Replace", "path": "emails[type eq \"home\"].primary", "value": "True"}),
        json!({"op": "replace", "path": "emails", "value": [{"value": "b@x", "primary": true}]}),
        json!({"op": "add", "path": "name.givenName", "value": "Babs"}),
        json!({"op": "Replace", "path": format!("{ENT}:manager.value"), "value": "m-3"}),
        json!({"op": "add", "path": "urn:example:hr:1.0:User:badge", "value": "B-7"}),
        json!({"op": "Replace", "value": {"name.familyName": "Jensen", format!("{ENT}:employeeNumber"): "9"}}),
        json!({"op": "remove", "path": format!("{ENT}:manager")}),
        json!({"op": "replace", "value": {"password": "n3w"}}),
    ]
}

fn check(resource: &Value, schema: &ResourceSchema, body: &Value, is_user: bool) {
    let Ok(request) = PatchRequest::from_json(body) else {
        return;
    };
    let mut r = resource.clone();
    match request.apply_to(&mut r, schema) {
        Ok(()) => {
            let canonical = canonicalize(r.clone(), schema)
                .unwrap_or_else(|e| panic!("{body}\n=> {r}\nno longer canonical: {e}"));
            if is_user {
                User::from_json(r.clone()).unwrap_or_else(|e| panic!("{body}\n=> {r}: {e}"));
                User::from_json(canonical).unwrap_or_else(|e| panic!("{body}\n=> {r}: {e}"));
            } else {
                Group::from_json(r.clone()).unwrap_or_else(|e| panic!("{body}\n=> {r}: {e}"));
                Group::from_json(canonical).unwrap_or_else(|e| panic!("{body}\n=> {r}: {e}"));
            }
        }
        Err(_) => assert_eq!(&r, resource, "{body}: changed on error"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn arbitrary_patches_never_panic_and_keep_resources_valid(
        ops in prop::collection::vec(operation(), 1..4),
    ) {
        let body = json!({"schemas": [PATCH_OP], "Operations": ops});
        check(&user(), &users(), &body, true);
        check(&group(), &groups(), &body, false);
    }
}
