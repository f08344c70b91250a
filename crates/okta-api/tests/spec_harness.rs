//! The OpenAPI conformance harness (`support::spec`) accepts requests the
//! spec declares and rejects invented paths, methods, parameters and fields.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};
use support::spec::{assert_conforms, check_requests, spec};
use wiremock::MockServer;

/// Checks `method target` (path plus optional query) with an optional JSON body.
fn check(method: &str, target: &str, body: Option<Value>) -> Result<&'static str, Vec<String>> {
    let url = url::Url::parse(&format!("https://example.okta.com{target}")).unwrap();
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let body = body
        .map(|b| serde_json::to_vec(&b).unwrap())
        .unwrap_or_default();
    let content_type = (!body.is_empty()).then_some("application/json; charset=utf-8");
    spec()
        .check(method, url.path(), &query, content_type, &body)
        .map(|op| op.operation_id.as_str())
        .map_err(|violations| violations.into_iter().map(|v| v.to_string()).collect())
}

#[track_caller]
fn assert_passes(method: &str, target: &str, body: Option<Value>, operation_id: &str) {
    match check(method, target, body) {
        Ok(matched) => assert_eq!(matched, operation_id, "{method} {target}"),
        Err(violations) => panic!("{method} {target} rejected:\n{}", violations.join("\n")),
    }
}

#[track_caller]
fn assert_fails(method: &str, target: &str, body: Option<Value>, expected: &str) {
    match check(method, target, body) {
        Ok(operation_id) => panic!("{method} {target} accepted as {operation_id}"),
        Err(violations) => assert!(
            violations.iter().any(|v| v.contains(expected)),
            "{method} {target}: expected a violation containing {expected:?}, got:\n{}",
            violations.join("\n")
        ),
    }
}

fn new_user() -> Value {
    json!({
        "profile": {
            "login": "ada@example.com",
            "email": "ada@example.com",
            "firstName": "Ada",
            "lastName": "Lovelace",
            "employeeNumber": "E-1",
            "costCenter": null,
            "nmbrsEmployeeId": "12345"
        },
        "groupIds": ["00g1emaKYZTWRYYRRTSK"]
    })
}

fn custom_attribute_body() -> Value {
    json!({
        "definitions": {
            "custom": {
                "properties": {
                    "nmbrsEmployeeId": {
                        "title": "Nmbrs employee ID",
                        "description": "Employee ID in Nmbrs",
                        "type": "string",
                        "required": false,
                        "minLength": 1,
                        "maxLength": 20,
                        "permissions": [{ "principal": "SELF", "action": "READ_ONLY" }]
                    }
                }
            }
        }
    })
}

#[test]
fn user_requests_from_the_spec_pass() {
    assert_passes(
        "POST",
        "/api/v1/users?activate=false",
        Some(new_user()),
        "createUser",
    );
    assert_passes(
        "POST",
        "/api/v1/users?activate=true&nextLogin=changePassword",
        Some(json!({
            "profile": { "login": "b@example.com" },
            "credentials": { "password": { "value": "correct horse" } }
        })),
        "createUser",
    );
    assert_passes(
        "POST",
        "/api/v1/users/00u1ero7vZFVEIYLWPBN",
        Some(json!({ "profile": { "title": "Engineer", "nmbrsDepartment": "R&D" } })),
        "updateUser",
    );
    assert_passes(
        "PUT",
        "/api/v1/users/00u1ero7vZFVEIYLWPBN?strict=true",
        Some(json!({ "profile": { "login": "ada@example.com", "mobilePhone": null } })),
        "replaceUser",
    );
    assert_passes(
        "GET",
        "/api/v1/users?search=profile.employeeNumber%20eq%20%22E-1%22&limit=200&after=00u1",
        None,
        "listUsers",
    );
    assert_passes("GET", "/api/v1/users/00u1ero7vZFVEIYLWPBN", None, "getUser");
    assert_passes(
        "DELETE",
        "/api/v1/users/00u1?sendEmail=false",
        None,
        "deleteUser",
    );
}

#[test]
fn lifecycle_posts_without_body_pass() {
    for (action, operation_id) in [
        ("activate?sendEmail=false", "activateUser"),
        ("deactivate", "deactivateUser"),
        ("reactivate?sendEmail=false", "reactivateUser"),
        ("suspend", "suspendUser"),
        ("unsuspend", "unsuspendUser"),
        ("unlock", "unlockUser"),
    ] {
        let target = format!("/api/v1/users/00u1/lifecycle/{action}");
        assert_passes("POST", &target, None, operation_id);
    }
}

#[test]
fn group_requests_from_the_spec_pass() {
    let group = json!({ "profile": { "name": "Engineering", "description": "All engineers" } });
    assert_passes(
        "GET",
        "/api/v1/groups?search=type%20eq%20%22OKTA_GROUP%22&limit=200",
        None,
        "listGroups",
    );
    assert_passes("POST", "/api/v1/groups", Some(group.clone()), "addGroup");
    assert_passes("GET", "/api/v1/groups/00g1", None, "getGroup");
    assert_passes("PUT", "/api/v1/groups/00g1", Some(group), "replaceGroup");
    assert_passes("DELETE", "/api/v1/groups/00g1", None, "deleteGroup");
    assert_passes(
        "PUT",
        "/api/v1/groups/00g1/users/00u1",
        None,
        "assignUserToGroup",
    );
    assert_passes(
        "DELETE",
        "/api/v1/groups/00g1/users/00u1",
        None,
        "unassignUserFromGroup",
    );
    assert_passes(
        "GET",
        "/api/v1/groups/00g1/users?limit=200",
        None,
        "listGroupUsers",
    );
}

#[test]
fn schema_requests_from_the_spec_pass() {
    assert_passes(
        "GET",
        "/api/v1/meta/schemas/user/default",
        None,
        "getUserSchema",
    );
    assert_passes(
        "POST",
        "/api/v1/meta/schemas/user/default",
        Some(custom_attribute_body()),
        "updateUserProfile",
    );
    let removal =
        json!({ "definitions": { "custom": { "properties": { "nmbrsEmployeeId": null } } } });
    assert_passes(
        "POST",
        "/api/v1/meta/schemas/user/default",
        Some(removal),
        "updateUserProfile",
    );
}

#[test]
fn literal_segments_win_and_segments_are_percent_decoded() {
    assert_passes("GET", "/api/v1/groups/rules", None, "listGroupRules");
    assert_passes("GET", "/api/v1/users/me", None, "getUser");
    assert_passes("GET", "/api/v1/users/ada%40example.com", None, "getUser");
    assert_passes(
        "GET",
        "/api/v1/meta/schemas/user/linkedObjects",
        None,
        "listLinkedObjectDefinitions",
    );
}

#[test]
fn invented_paths_methods_and_query_parameters_fail() {
    assert_fails(
        "GET",
        "/api/v1/people",
        None,
        "no path template in the spec matches",
    );
    assert_fails("GET", "/api/v1/users/", None, "no path template");
    assert_fails(
        "PATCH",
        "/api/v1/users/00u1",
        None,
        "method not declared on /api/v1/users/{id}",
    );
    assert_fails(
        "GET",
        "/api/v1/users?pageSize=10",
        None,
        "query parameter `pageSize` not declared by listUsers",
    );
    assert_fails(
        "GET",
        "/api/v1/users?limit=lots",
        None,
        "`limit=lots`: not a valid integer",
    );
    assert_fails(
        "DELETE",
        "/api/v1/users/00u1?sendEmail=yes",
        None,
        "`sendEmail=yes`: not a valid boolean",
    );
    assert_fails(
        "POST",
        "/api/v1/users?nextLogin=later",
        Some(new_user()),
        r#"`nextLogin=later`: not one of ["changePassword"]"#,
    );
}

#[test]
fn missing_and_unexpected_bodies_fail() {
    assert_fails("POST", "/api/v1/users", None, "createUser requires a body");
    assert_fails(
        "POST",
        "/api/v1/users/00u1/lifecycle/activate",
        Some(json!({})),
        "activateUser declares no requestBody",
    );
    assert_fails(
        "PUT",
        "/api/v1/groups/00g1/users/00u1",
        Some(json!({ "userId": "00u1" })),
        "declares no requestBody",
    );
    let violations = spec()
        .check(
            "POST",
            "/api/v1/groups",
            &[],
            Some("text/plain"),
            b"Engineering",
        )
        .unwrap_err();
    assert!(
        violations[0]
            .reason
            .contains("Content-Type text/plain not declared")
    );
}

#[test]
fn invented_or_mistyped_body_fields_fail() {
    let users = "/api/v1/users";
    assert_fails(
        "POST",
        users,
        Some(json!({ "profile": {}, "foo": 1 })),
        "POST /api/v1/users: body /foo: property not declared in CreateUserRequest",
    );
    // `CreateUserRequest` does not declare the server-assigned `id`/`status` at all.
    assert_fails(
        "POST",
        users,
        Some(json!({ "profile": {}, "status": "ACTIVE" })),
        "body /status: property not declared",
    );
    assert_fails(
        "POST",
        users,
        Some(json!({ "profile": {}, "groupIds": "x" })),
        "body /groupIds: expected array, found string",
    );
    assert_fails(
        "POST",
        users,
        Some(json!({ "profile": {}, "groupIds": [7] })),
        "body /groupIds/0: expected string, found integer",
    );
    assert_fails(
        "POST",
        users,
        Some(json!({ "profile": { "login": 5 } })),
        "body /profile/login: expected string",
    );
    assert_fails(
        "POST",
        users,
        Some(json!({ "profile": { "email": null } })),
        "body /profile/email: null not allowed",
    );
    assert_fails(
        "POST",
        users,
        Some(json!({ "groupIds": [] })),
        "body /profile: required property missing",
    );
    assert_fails(
        "POST",
        users,
        Some(json!([new_user()])),
        "body: expected object, found array",
    );
    assert_fails(
        "POST",
        "/api/v1/groups",
        Some(json!({ "profile": { "name": "Eng" }, "type": "OKTA_GROUP" })),
        "body /type: property not declared in the inline schema",
    );
}

#[test]
fn read_only_fields_fail() {
    assert_fails(
        "PUT",
        "/api/v1/users/00u1",
        Some(json!({
            "profile": { "login": "ada@example.com" },
            "credentials": { "provider": { "type": "OKTA", "name": "OKTA" } }
        })),
        "body /credentials/provider: readOnly property must not be sent",
    );
    let mut body = custom_attribute_body();
    body["definitions"]["custom"]["id"] = json!("#custom");
    assert_fails(
        "POST",
        "/api/v1/meta/schemas/user/default",
        Some(body),
        "body /definitions/custom/id: readOnly property must not be sent",
    );
}

#[test]
fn discriminator_selects_the_branch() {
    let roles = "/api/v1/groups/00g1/roles";
    assert_passes(
        "POST",
        roles,
        Some(json!({ "type": "USER_ADMIN" })),
        "assignRoleToGroup",
    );
    assert_fails(
        "POST",
        roles,
        Some(json!({ "type": "USER_ADMIN", "role": "cr0" })),
        "body /role: property not declared in StandardRoleAssignmentSchema",
    );
    // Without the discriminator, the closest branch would be the standard
    // role, rejecting `CUSTOM` as a `type`.
    assert_fails(
        "POST",
        roles,
        Some(json!({ "type": "CUSTOM", "role": "cr0" })),
        "body /resource-set: required property missing",
    );
}

#[test]
fn enum_violations_fail() {
    let mut body = custom_attribute_body();
    body["definitions"]["custom"]["properties"]["nmbrsEmployeeId"]["type"] = json!("text");
    assert_fails(
        "POST",
        "/api/v1/meta/schemas/user/default",
        Some(body),
        r#"body /definitions/custom/properties/nmbrsEmployeeId/type: "text" is not one of"#,
    );
}

async fn send(
    client: &reqwest::Client,
    server: &MockServer,
    method: &str,
    target: &str,
    body: Option<Value>,
) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = client.request(method, format!("{}{target}", server.uri()));
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body).unwrap());
    }
    request.send().await.unwrap();
}

#[tokio::test]
async fn assert_conforms_accepts_real_traffic() {
    let server = MockServer::start().await;
    let client = reqwest::Client::new();
    send(
        &client,
        &server,
        "POST",
        "/api/v1/users?activate=false",
        Some(new_user()),
    )
    .await;
    send(
        &client,
        &server,
        "GET",
        "/api/v1/users?search=status%20eq%20%22ACTIVE%22&limit=200",
        None,
    )
    .await;
    send(
        &client,
        &server,
        "PUT",
        "/api/v1/groups/00g1/users/00u1",
        None,
    )
    .await;
    send(
        &client,
        &server,
        "POST",
        "/api/v1/users/00u1/lifecycle/suspend",
        None,
    )
    .await;

    assert_eq!(assert_conforms(&server).await, 4);
}

#[tokio::test]
async fn assert_conforms_lists_every_violation() {
    let server = MockServer::start().await;
    let client = reqwest::Client::new();
    send(&client, &server, "GET", "/api/v1/users/00u1", None).await;
    send(&client, &server, "GET", "/api/v1/users?pageSize=10", None).await;
    send(
        &client,
        &server,
        "POST",
        "/api/v1/users",
        Some(json!({ "profile": {}, "groupIds": "x" })),
    )
    .await;

    let report = check_requests(&server.received_requests().await.unwrap()).unwrap_err();
    assert!(!report.contains("request #0"), "{report}");
    assert!(
        report.contains("request #1: GET /api/v1/users?pageSize=10"),
        "{report}"
    );
    assert!(
        report.contains("query parameter `pageSize` not declared"),
        "{report}"
    );
    assert!(
        report.contains("request #2: POST /api/v1/users\n"),
        "{report}"
    );
    assert!(
        report.contains("body /groupIds: expected array, found string"),
        "{report}"
    );

    let panic = tokio::spawn(async move { assert_conforms(&server).await })
        .await
        .unwrap_err()
        .into_panic();
    let message = panic.downcast::<String>().unwrap();
    assert_eq!(*message, report);
}
