//! The protocol engines without HTTP, at the sizes that once made them quadratic:
//! PATCH on a 20 000-member group, a request body with 40 000 extension objects, a
//! case-insensitive `co` over a 40 000-character non-ASCII value, and filter parsing.
//!
//! `cargo bench -p okta-scim --bench engine`; figures in docs/benchmarks.md.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use okta_scim::canonical::canonicalize;
use okta_scim::schema::{GROUP_SCHEMA, ResourceSchema};
use okta_scim::{Filter, PatchRequest};
use serde_json::{Value, json};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn group_20k() -> Value {
    let members: Vec<Value> = (0..20_000)
        .map(|i| json!({"value": format!("u{i}"), "display": format!("user {i}")}))
        .collect();
    json!({"schemas": [GROUP_SCHEMA], "id": "g1", "displayName": "All", "members": members})
}

fn engines(c: &mut Criterion) {
    let groups = ResourceSchema::group();
    let users = ResourceSchema::user();

    let mut ops: Vec<Value> = (0..200)
        .map(|i| json!({"op": "remove", "path": format!("members[value eq \"u{}\"]", i * 7)}))
        .collect();
    ops.push(json!({"op": "add", "path": "members", "value": (0..5_000).map(|i| json!({"value": format!("u{}", i * 5)})).collect::<Vec<_>>()}));
    let bulk = PatchRequest::from_json(&json!({"schemas": [PATCH_OP], "Operations": ops})).unwrap();
    c.bench_function(
        "patch/group_20k_members_200_filtered_removes_5k_adds",
        |b| {
            b.iter_batched(
                group_20k,
                |mut g| bulk.apply_to(&mut g, &groups).unwrap(),
                BatchSize::LargeInput,
            )
        },
    );

    let mut small: Vec<Value> = (0..300)
        .map(|i| json!({"op": "add", "path": "members", "value": [{"value": format!("n{i}")}]}))
        .collect();
    small.extend((0..300).map(
        |i| json!({"op": "Remove", "path": "members", "value": [{"value": format!("u{}", i * 3)}]}),
    ));
    let small =
        PatchRequest::from_json(&json!({"schemas": [PATCH_OP], "Operations": small})).unwrap();
    c.bench_function("patch/group_20k_members_600_single_member_ops", |b| {
        b.iter_batched(
            group_20k,
            |mut g| small.apply_to(&mut g, &groups).unwrap(),
            BatchSize::LargeInput,
        )
    });

    let mut body = serde_json::Map::new();
    body.insert("userName".into(), json!("ann@example.com"));
    for i in 0..40_000 {
        body.insert(format!("urn:example:x{i}:1.0:User"), json!({"a": 1}));
    }
    let body = Value::Object(body);
    c.bench_function("canonicalize/body_with_40k_extension_objects", |b| {
        b.iter_batched(
            || body.clone(),
            |v| canonicalize(v, &users).unwrap(),
            BatchSize::LargeInput,
        )
    });

    let okta = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "test.user@okta.local",
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
        "displayName": "Test User", "locale": "en-US", "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [], "password": "1mz050nq", "active": true});
    c.bench_function("canonicalize/okta_create_body", |b| {
        b.iter_batched(
            || okta.clone(),
            |v| canonicalize(v, &users).unwrap(),
            BatchSize::SmallInput,
        )
    });

    let user = json!({"userName": format!("{}Öb", "ä".repeat(40_000))});
    let filter = Filter::parse(&format!("userName co \"{}öB\"", "Ä".repeat(3_000))).unwrap();
    c.bench_function("filter/co_3k_needle_in_40k_non_ascii_value", |b| {
        b.iter(|| assert!(filter.matches(&user, &users)))
    });

    let text = r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"] or not (title pr)"#;
    c.bench_function("filter/parse_and_validate_rfc_example", |b| {
        b.iter(|| Filter::parse(text).unwrap().validate(&users).unwrap())
    });
}

criterion_group!(group, engines);
criterion_main!(group);
