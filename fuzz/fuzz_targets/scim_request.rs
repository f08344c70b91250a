//! SCIM request bodies (`POST`/`PUT` resources and PATCH requests): any bytes either read
//! or fail with a SCIM error. A body that canonicalizes reads as a `User` / `Group` and
//! canonicalizes to itself again; a PATCH that applies leaves a resource that is still
//! canonical and typed, and one that fails leaves the resource unchanged.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use okta_scim::canonical::canonicalize;
use okta_scim::schema::ResourceSchema;
use okta_scim::{Group, PatchRequest, User};
use serde_json::{Value, json};

static USERS: LazyLock<ResourceSchema> = LazyLock::new(ResourceSchema::user);
static GROUPS: LazyLock<ResourceSchema> = LazyLock::new(ResourceSchema::group);

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

static USER: LazyLock<Value> = LazyLock::new(|| {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "userName": "ann.devries@example.com",
        "name": {"givenName": "Anna", "familyName": "de Vries"},
        "displayName": "Anna de Vries",
        "active": true,
        "emails": [{"value": "ann.devries@example.com", "type": "work", "primary": true}],
        "phoneNumbers": [{"value": "+31 20 123 4567", "type": "work"}],
        "groups": [{"value": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b", "display": "Finance"}],
        ENT: {"employeeNumber": "1042", "manager": {"value": "m-1", "displayName": "Bob"}},
        "urn:example:hr:1.0:User": {"badge": "B-7"},
        "meta": {"resourceType": "User", "created": "2026-01-05T09:00:00.000Z",
                 "lastModified": "2026-01-05T09:00:00.000Z", "version": "W/\"1\""}
    })
});

static GROUP: LazyLock<Value> = LazyLock::new(|| {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b",
        "displayName": "Finance",
        "members": [{"value": "u1", "display": "ann"}, {"value": "u2", "display": "bob"}],
        "meta": {"resourceType": "Group", "version": "W/\"4\""}
    })
});

fn read_back(canonical: Value, schema: &ResourceSchema, is_user: bool) {
    let again = canonicalize(canonical.clone(), schema)
        .unwrap_or_else(|e| panic!("canonical form refused: {e}\n{canonical}"));
    assert_eq!(again, canonical, "canonicalize is not idempotent");
    if is_user {
        let user = User::from_json(canonical.clone())
            .unwrap_or_else(|e| panic!("canonical user does not read: {e}\n{canonical}"));
        let out = user.to_json();
        assert!(out.get("password").is_none());
        canonicalize(out, schema).unwrap_or_else(|e| panic!("User::to_json refused: {e}"));
    } else {
        let group = Group::from_json(canonical.clone())
            .unwrap_or_else(|e| panic!("canonical group does not read: {e}\n{canonical}"));
        canonicalize(group.to_json(), schema).unwrap_or_else(|e| panic!("Group::to_json refused: {e}"));
    }
}

fn patch(request: &PatchRequest, resource: &Value, schema: &ResourceSchema, is_user: bool) {
    let mut r = resource.clone();
    match request.apply_to(&mut r, schema) {
        Ok(()) => {
            let canonical = canonicalize(r.clone(), schema)
                .unwrap_or_else(|e| panic!("patched resource not canonical: {e}\n{r}"));
            if is_user {
                User::from_json(r.clone()).unwrap_or_else(|e| panic!("{e}\n{r}"));
            } else {
                Group::from_json(r.clone()).unwrap_or_else(|e| panic!("{e}\n{r}"));
            }
            read_back(canonical, schema, is_user);
        }
        Err(e) => {
            assert_eq!(e.status(), 400, "{e}");
            assert_eq!(&r, resource, "changed on error");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(body) = serde_json::from_slice::<Value>(data) {
        match canonicalize(body.clone(), &USERS) {
            Ok(c) => read_back(c, &USERS, true),
            Err(e) => assert_eq!(e.status(), 400, "{e}"),
        }
        match canonicalize(body, &GROUPS) {
            Ok(c) => read_back(c, &GROUPS, false),
            Err(e) => assert_eq!(e.status(), 400, "{e}"),
        }
    }
    if let Ok(request) = PatchRequest::from_slice(data) {
        patch(&request, &USER, &USERS, true);
        patch(&request, &GROUP, &GROUPS, false);
    }
});
