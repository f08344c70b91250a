//! SCIM filters: any text either parses or fails with `invalidFilter`; a parsed filter
//! prints to text that parses back to the same tree, and validating and evaluating it
//! against a user, a group and single elements never panics.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use okta_scim::filter::FilterLimits;
use okta_scim::schema::ResourceSchema;
use okta_scim::{Filter, ScimType};
use serde_json::{Value, json};

struct Fixture {
    users: ResourceSchema,
    groups: ResourceSchema,
    user: Value,
    group: Value,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| Fixture {
        users: ResourceSchema::user(),
        groups: ResourceSchema::group(),
        user: json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                        "urn:example:custom:1.0:User"],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "externalId": "00u1ABC",
            "userName": "bjensen@example.com",
            "name": {"givenName": "Barbara", "familyName": "O'Malley"},
            "displayName": "Babs Jensen",
            "title": "",
            "userType": "Employee",
            "active": true,
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                       {"value": "babs@home.example", "type": "home"}],
            "ims": [{"value": "babs@foo.com", "type": "xmpp"}],
            "phoneNumbers": [],
            "x509Certificates": [{"value": "TUlJ"}],
            "meta": {"resourceType": "User", "created": "2011-05-13T04:42:34Z",
                     "lastModified": "2011-05-13T06:42:34+02:00", "version": "W/\"1\""},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                {"employeeNumber": "701984", "manager": {"value": "26118915"}},
            "urn:example:custom:1.0:User": {"badge": "AbC", "floor": 3, "tags": ["a", null, 1]}
        }),
        group: json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "id": "e9e30dba", "displayName": "Finance",
            "members": [{"value": "2819c223", "display": "Babs"}, {"value": "902c246b"}]
        }),
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let f = match Filter::parse(text) {
        Ok(f) => f,
        Err(e) => {
            assert_eq!(
                e.scim_type(),
                Some(ScimType::InvalidFilter),
                "{}",
                e.detail()
            );
            return;
        }
    };
    // Printing may lengthen numbers (`1E2` → `100.0`), never the nesting or term count.
    let printed = f.to_string();
    let lenient = FilterLimits::default().with_max_len(usize::MAX);
    match Filter::parse_with(&printed, lenient) {
        Ok(again) => assert_eq!(again, f, "{text:?} printed as {printed:?}"),
        Err(e) => panic!(
            "{text:?} printed as {printed:?} does not parse: {}",
            e.detail()
        ),
    }
    let fx = fixture();
    for (schema, resource) in [(&fx.users, &fx.user), (&fx.groups, &fx.group)] {
        let _ = f.validate(schema);
        let _ = f.matches(resource, schema);
    }
    let members = fx.groups.attribute(None, "members");
    if let Some(list) = fx.group["members"].as_array() {
        for m in list {
            let _ = f.matches_element(m, members);
            let _ = f.matches_element(m, None);
        }
    }
    let _ = f.matches_element(&fx.user, None);
    let _ = f.equality();
});
