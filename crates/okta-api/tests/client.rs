//! Wire behaviour of every endpoint the client calls, pinned with wiremock, and every
//! request checked against Okta's OpenAPI file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use futures_util::TryStreamExt as _;
use okta_api::{
    CustomAttribute, Error, ErrorCode, GroupId, GroupProfile, GroupType, OktaClient, RetryPolicy,
    SortOrder, UserId, UserProfile, UserStatus,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use wiremock::matchers::{
    body_json, header, header_exists, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "00TESTtoken-do-not-leak-7f3a";

fn client(server: &MockServer) -> OktaClient {
    client_with(
        server,
        RetryPolicy::default()
            .base_delay(Duration::from_millis(10))
            .max_jitter(Duration::ZERO),
    )
}

fn client_with(server: &MockServer, policy: RetryPolicy) -> OktaClient {
    OktaClient::builder()
        .org_url(server.uri())
        .api_token(SecretString::from(TOKEN))
        .retry_policy(policy)
        .build()
        .unwrap()
}

fn user_json(id: &str, login: &str, status: &str) -> Value {
    json!({
        "id": id, "status": status, "created": "2026-01-05T09:00:00.000Z",
        "activated": null, "statusChanged": null, "lastLogin": null,
        "lastUpdated": "2026-01-05T09:00:00.000Z", "passwordChanged": null,
        "type": {"id": "oty1"},
        "profile": {"login": login, "email": login, "firstName": "Ada", "lastName": "Lovelace"},
        "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
        "_links": {"self": {"href": format!("https://acme.okta.com/api/v1/users/{id}")}}
    })
}

fn group_json(id: &str, name: &str) -> Value {
    json!({
        "id": id, "type": "OKTA_GROUP", "created": "2026-01-05T09:00:00.000Z",
        "lastUpdated": "2026-01-05T09:00:00.000Z", "lastMembershipUpdated": "2026-01-05T09:00:00.000Z",
        "objectClass": ["okta:user_group"], "profile": {"name": name, "description": null}
    })
}

fn okta_error(status: u16, code: &str, summary: &str, causes: Value) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("x-okta-request-id", "req-err-1")
        .set_body_json(json!({
            "errorCode": code, "errorSummary": summary, "errorLink": code,
            "errorId": "oae123", "errorCauses": causes
        }))
}

/// The headers every request carries.
fn standard() -> wiremock::MockBuilder {
    Mock::given(header("authorization", format!("SSWS {TOKEN}").as_str()))
        .and(header("accept", "application/json"))
        .and(header("content-type", "application/json"))
}

#[tokio::test]
async fn create_user_sends_query_and_body_exactly() {
    let server = MockServer::start().await;
    standard()
        .and(method("POST"))
        .and(path("/api/v1/users"))
        .and(query_param("activate", "false"))
        .and(query_param_is_missing("provider"))
        .and(body_json(json!({
            "profile": {"login": "ada@acme.example", "email": "ada@acme.example", "firstName": "Ada",
                        "lastName": "Lovelace", "employeeNumber": "E-1", "hrKey": "nmbrs:1:42"},
            "groupIds": ["00g1", "00g2"]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json("00u1", "ada@acme.example", "STAGED")))
        .expect(1)
        .mount(&server)
        .await;
    let mut profile = UserProfile::new("ada@acme.example", "ada@acme.example", "Ada", "Lovelace");
    profile.employee_number = Some("E-1".into());
    profile.custom.insert("hrKey".into(), json!("nmbrs:1:42"));
    let user = client(&server)
        .users()
        .create(profile)
        .activate(false)
        .group_ids([GroupId::new("00g1"), GroupId::new("00g2")])
        .send()
        .await
        .unwrap();
    assert_eq!(user.id, UserId::new("00u1"));
    assert_eq!(user.status, UserStatus::Staged);
    assert!(support::spec::assert_conforms(&server).await > 0);
}

#[tokio::test]
async fn create_with_password_and_next_login_and_federated() {
    let server = MockServer::start().await;
    standard()
        .and(method("POST"))
        .and(path("/api/v1/users"))
        .and(query_param("activate", "true"))
        .and(query_param("nextLogin", "changePassword"))
        .and(body_json(json!({
            "profile": {"login": "a@b.example", "email": "a@b.example", "firstName": "A", "lastName": "B"},
            "credentials": {"password": {"value": "Tr0ub4dor&3"}}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json("00u2", "a@b.example", "ACTIVE")))
        .expect(1)
        .mount(&server)
        .await;
    standard()
        .and(method("POST"))
        .and(path("/api/v1/users"))
        .and(query_param("provider", "true"))
        .and(body_json(json!({
            "profile": {"login": "f@b.example", "email": "f@b.example", "firstName": "F", "lastName": "B"},
            "credentials": {"provider": {"type": "FEDERATION", "name": "FEDERATION"}}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json("00u3", "f@b.example", "ACTIVE")))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let u = c
        .users()
        .create(UserProfile::new("a@b.example", "a@b.example", "A", "B"))
        .activate(true)
        .password(SecretString::from("Tr0ub4dor&3"))
        .change_password_at_next_login()
        .send()
        .await
        .unwrap();
    assert_eq!(u.status, UserStatus::Active);
    c.users()
        .create(UserProfile::new("f@b.example", "f@b.example", "F", "B"))
        .federated()
        .send()
        .await
        .unwrap();
    // Refused before anything is sent.
    let too_many = c
        .users()
        .create(UserProfile::new("x@b.example", "x@b.example", "X", "B"))
        .group_ids((0..21).map(|i| GroupId::new(format!("00g{i}"))))
        .send()
        .await;
    assert!(matches!(
        too_many,
        Err(Error::InvalidArgument {
            argument: "group_ids",
            ..
        })
    ));
    assert_eq!(support::spec::assert_conforms(&server).await, 2);
}

#[tokio::test]
async fn duplicate_login_is_recognised_and_create_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users"))
        .respond_with(okta_error(
            400,
            "E0000001",
            "Api validation failed: login",
            json!([{"errorSummary": "login: An object with this field already exists in the current organization"}]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .users()
        .create(UserProfile::new("a@b.example", "a@b.example", "A", "B"))
        .send()
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    assert!(api.is_login_conflict());
    assert_eq!(api.error_code, ErrorCode::ApiValidationFailed);
    assert_eq!(api.request_id.as_deref(), Some("req-err-1"));
    assert_eq!(api.error_id.as_deref(), Some("oae123"));
    assert_eq!(api.operation, "users.create");

    // A 5xx on a create is not repeated: it may have been applied.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users"))
        .respond_with(okta_error(
            500,
            "E0000009",
            "Internal Server Error",
            json!([]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .users()
        .create(UserProfile::new("a@b.example", "a@b.example", "A", "B"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.api().unwrap().status, 500);
    assert!(err.is_transient());
    support::spec::assert_conforms(&server).await;
}

#[tokio::test]
async fn get_by_id_and_by_login() {
    let server = MockServer::start().await;
    standard()
        .and(method("GET"))
        .and(path("/api/v1/users/00u1"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", "W/\"1234\"")
                .set_body_json(user_json("00u1", "ada+hr@acme.example", "ACTIVE")),
        )
        .mount(&server)
        .await;
    // The login goes in the path, percent-encoded.
    Mock::given(method("GET"))
        .and(path("/api/v1/users/ada%2Bhr%40acme.example"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json(
            "00u1",
            "ada+hr@acme.example",
            "ACTIVE",
        )))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/nobody@acme.example"))
        .respond_with(okta_error(
            404,
            "E0000007",
            "Not found: Resource not found: nobody@acme.example (User)",
            json!([]),
        ))
        .mount(&server)
        .await;
    let c = client(&server);
    let u = c.users().get(&UserId::new("00u1")).await.unwrap();
    assert_eq!(u.etag.as_deref(), Some("W/\"1234\""));
    assert_eq!(u.profile.first_name.as_deref(), Some("Ada"));
    let found = c
        .users()
        .find_by_login("ada+hr@acme.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id.as_str(), "00u1");
    assert!(
        c.users()
            .find_by_login("nobody@acme.example")
            .await
            .unwrap()
            .is_none()
    );
    let raw: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert!(
        raw.contains(&"/api/v1/users/ada%2Bhr%40acme.example".to_owned()),
        "{raw:?}"
    );
    support::spec::assert_conforms(&server).await;
}

#[tokio::test]
async fn login_with_a_slash_is_looked_up_by_filter() {
    let server = MockServer::start().await;
    standard()
        .and(method("GET"))
        .and(path("/api/v1/users"))
        .and(query_param(
            "filter",
            r#"profile.login eq "dept/ada@acme.example""#,
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([user_json(
            "00u7",
            "dept/ada@acme.example",
            "ACTIVE"
        )])))
        .expect(1)
        .mount(&server)
        .await;
    let u = client(&server)
        .users()
        .find_by_login("dept/ada@acme.example")
        .await
        .unwrap();
    assert_eq!(u.unwrap().id.as_str(), "00u7");
    support::spec::assert_conforms(&server).await;
}

#[tokio::test]
async fn partial_update_and_full_replace() {
    let server = MockServer::start().await;
    standard()
        .and(method("POST"))
        .and(path("/api/v1/users/00u1"))
        .and(header("if-match", "W/\"1234\""))
        .and(body_json(
            json!({"profile": {"department": "Finance", "mobilePhone": null}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json(
            "00u1",
            "a@b.example",
            "ACTIVE",
        )))
        .expect(1)
        .mount(&server)
        .await;
    standard()
        .and(method("PUT"))
        .and(path("/api/v1/users/00u1"))
        .and(body_json(json!({"profile": {"login": "a@b.example", "email": "a@b.example", "firstName": "A", "lastName": "B"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json("00u1", "a@b.example", "ACTIVE")))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let id = UserId::new("00u1");
    c.users()
        .update(&id)
        .set("department", json!("Finance"))
        .clear("mobilePhone")
        .if_match("W/\"1234\"")
        .send()
        .await
        .unwrap();
    c.users()
        .replace(
            &id,
            &UserProfile::new("a@b.example", "a@b.example", "A", "B"),
        )
        .await
        .unwrap();
    assert_eq!(support::spec::assert_conforms(&server).await, 2);
}

#[tokio::test]
async fn lifecycle_calls_are_empty_posts_with_content_length_zero() {
    let server = MockServer::start().await;
    for (action, email) in [
        ("activate", Some("false")),
        ("reactivate", Some("false")),
        ("deactivate", Some("true")),
        ("suspend", None),
        ("unsuspend", None),
        ("unlock", None),
    ] {
        let mut m = standard()
            .and(method("POST"))
            .and(path(format!("/api/v1/users/00u1/lifecycle/{action}")))
            .and(header("content-length", "0"));
        m = match email {
            Some(e) => m.and(query_param("sendEmail", e)),
            None => m.and(query_param_is_missing("sendEmail")),
        };
        let body = if action.ends_with("activate") && action != "deactivate" {
            json!({"activationToken": "XE6wE17zmphl3KqAPFxO", "activationUrl": "https://acme.okta.com/welcome/XE6wE17zmphl3KqAPFxO"})
        } else {
            json!({})
        };
        m.respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
    }
    let c = client(&server);
    let id = UserId::new("00u1");
    let a = c
        .users()
        .activate(&id)
        .send_email(false)
        .send()
        .await
        .unwrap();
    assert_eq!(a.token.unwrap().expose_secret(), "XE6wE17zmphl3KqAPFxO");
    assert!(!format!("{:?}", a.url).contains("XE6w"));
    c.users()
        .reactivate(&id)
        .send_email(false)
        .send()
        .await
        .unwrap();
    c.users()
        .deactivate(&id)
        .send_email(true)
        .send()
        .await
        .unwrap();
    // suspend, unsuspend and unlock take no sendEmail.
    c.users().suspend(&id).await.unwrap();
    c.users().unsuspend(&id).await.unwrap();
    c.users().unlock(&id).await.unwrap();
    assert_eq!(support::spec::assert_conforms(&server).await, 6);
}

#[tokio::test]
async fn wrong_state_answers_keep_their_codes_and_are_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users/00u1/lifecycle/suspend"))
        .respond_with(okta_error(
            400,
            "E0000001",
            "Api validation failed: Cannot suspend a user that is not active",
            json!([]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users/00u1/lifecycle/activate"))
        .respond_with(okta_error(
            403,
            "E0000016",
            "Activation failed because the user is already active",
            json!([]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users/00u1/lifecycle/deactivate"))
        .respond_with(okta_error(
            503,
            "E0000010",
            "Service is in read only mode",
            json!([]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let id = UserId::new("00u1");
    let e = c.users().suspend(&id).await.unwrap_err();
    assert_eq!(e.api().unwrap().error_code, ErrorCode::ApiValidationFailed);
    let e = c.users().activate(&id).send().await.unwrap_err();
    assert_eq!(e.api().unwrap().error_code, ErrorCode::AlreadyActive);
    let e = c.users().deactivate(&id).send().await.unwrap_err();
    assert_eq!(e.api().unwrap().error_code, ErrorCode::ReadOnly);
    support::spec::assert_conforms(&server).await;
}

#[tokio::test]
async fn delete_is_a_plain_delete_and_never_retried() {
    let server = MockServer::start().await;
    standard()
        .and(method("DELETE"))
        .and(path("/api/v1/users/00u1"))
        .and(query_param("sendEmail", "false"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/users/00u2"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    c.users()
        .delete(&UserId::new("00u1"))
        .send_email(false)
        .send()
        .await
        .unwrap();
    assert!(c.users().delete(&UserId::new("00u2")).send().await.is_err());
    support::spec::assert_conforms(&server).await;
}

/// Three pages; `Link` headers either one per link (Okta's form) or comma-joined.
async fn three_pages(server: &MockServer, joined: bool) {
    let base = server.uri();
    for (i, (after, next)) in [
        (None, Some("c1")),
        (Some("c1"), Some("c2")),
        (Some("c2"), None),
    ]
    .into_iter()
    .enumerate()
    {
        let users: Vec<Value> = (0..2)
            .map(|k| {
                user_json(
                    &format!("00u{i}{k}"),
                    &format!("u{i}{k}@x.example"),
                    "ACTIVE",
                )
            })
            .collect();
        let self_link = format!(
            "<{base}/api/v1/users?limit=2{}>; rel=\"self\"",
            after.map(|a| format!("&after={a}")).unwrap_or_default()
        );
        let mut resp = ResponseTemplate::new(200).set_body_json(users);
        match (next, joined) {
            (Some(n), true) => {
                resp = resp.insert_header(
                    "link",
                    format!("{self_link}, <{base}/api/v1/users?after={n}&limit=2>; rel=\"next\"")
                        .as_str(),
                );
            }
            (Some(n), false) => {
                resp = resp
                    .append_header("link", self_link.as_str())
                    .append_header(
                        "link",
                        format!("<{base}/api/v1/users?after={n}&limit=2>; rel=\"next\"").as_str(),
                    );
            }
            (None, _) => resp = resp.insert_header("link", self_link.as_str()),
        }
        let mut m = standard()
            .and(method("GET"))
            .and(path("/api/v1/users"))
            .and(query_param("limit", "2"));
        m = match after {
            Some(a) => m.and(query_param("after", a)),
            None => m.and(query_param_is_missing("after")),
        };
        m.respond_with(resp).expect(1).mount(server).await;
    }
}

#[tokio::test]
async fn paging_follows_separate_link_headers() {
    let server = MockServer::start().await;
    three_pages(&server, false).await;
    let c = client(&server);
    let mut page = c.users().list().limit(2).send().await.unwrap();
    let mut logins = Vec::new();
    loop {
        logins.extend(page.items().iter().map(|u| u.profile.login.clone()));
        match page.next_page().await.unwrap() {
            Some(next) => page = next,
            None => break,
        }
    }
    assert_eq!(
        logins,
        [
            "u00@x.example",
            "u01@x.example",
            "u10@x.example",
            "u11@x.example",
            "u20@x.example",
            "u21@x.example"
        ]
    );
    assert_eq!(support::spec::assert_conforms(&server).await, 3);
}

#[tokio::test]
async fn streaming_follows_comma_joined_link_headers() {
    let server = MockServer::start().await;
    three_pages(&server, true).await;
    let users: Vec<_> = client(&server)
        .users()
        .list()
        .limit(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 6);
    assert_eq!(users[5].id.as_str(), "00u21");
    assert_eq!(support::spec::assert_conforms(&server).await, 3);
}

#[tokio::test]
async fn a_next_link_to_another_host_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .insert_header(
                    "link",
                    "<https://evil.example/api/v1/users?after=x>; rel=\"next\"",
                ),
        )
        .mount(&server)
        .await;
    let err = client(&server).users().list().send().await.unwrap_err();
    assert!(err.to_string().contains("outside the org"), "{err}");
    support::spec::assert_conforms(&server).await;
}

#[tokio::test]
async fn search_filter_q_and_sort_are_sent_as_okta_names_them() {
    let server = MockServer::start().await;
    standard()
        .and(method("GET"))
        .and(path("/api/v1/users"))
        .and(query_param(
            "search",
            r#"profile.department eq "R&D" and status eq "ACTIVE""#,
        ))
        .and(query_param("sortBy", "profile.lastName"))
        .and(query_param("sortOrder", "desc"))
        .and(query_param("limit", "200"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    standard()
        .and(method("GET"))
        .and(path("/api/v1/users"))
        .and(query_param("q", "ada"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let expr = format!(
        "profile.department eq {} and status eq \"ACTIVE\"",
        okta_api::quote("R&D")
    );
    let page = c
        .users()
        .list()
        .search(expr)
        .sort_by("profile.lastName", SortOrder::Descending)
        .limit(5000)
        .send()
        .await
        .unwrap();
    assert!(page.items().is_empty() && !page.has_next());
    c.users().list().query("ada").send().await.unwrap();
    assert_eq!(support::spec::assert_conforms(&server).await, 2);
}

#[tokio::test]
async fn groups_endpoints() {
    let server = MockServer::start().await;
    standard()
        .and(method("POST"))
        .and(path("/api/v1/groups"))
        .and(body_json(
            json!({"profile": {"name": "Engineering", "description": "R&D"}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(group_json("00g1", "Engineering")))
        .expect(1)
        .mount(&server)
        .await;
    standard()
        .and(method("GET"))
        .and(path("/api/v1/groups/00g1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(group_json("00g1", "Engineering")))
        .expect(1)
        .mount(&server)
        .await;
    standard()
        .and(method("GET"))
        .and(path("/api/v1/groups"))
        .and(query_param("search", r#"type eq "OKTA_GROUP""#))
        .and(query_param("limit", "200"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([group_json("00g1", "Engineering")])),
        )
        .expect(1)
        .mount(&server)
        .await;
    standard()
        .and(method("PUT"))
        .and(path("/api/v1/groups/00g1"))
        .and(body_json(json!({"profile": {"name": "Eng"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(group_json("00g1", "Eng")))
        .expect(1)
        .mount(&server)
        .await;
    standard()
        .and(method("PUT"))
        .and(path("/api/v1/groups/00g1/users/00u1"))
        .and(header("content-length", "0"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    standard()
        .and(method("GET"))
        .and(path("/api/v1/groups/00g1/users"))
        .and(query_param("limit", "200"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([user_json(
            "00u1",
            "a@b.example",
            "ACTIVE"
        )])))
        .expect(1)
        .mount(&server)
        .await;
    standard()
        .and(method("DELETE"))
        .and(path("/api/v1/groups/00g1/users/00u1"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    standard()
        .and(method("GET"))
        .and(path("/api/v1/users/00u1/groups"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([group_json("00g1", "Eng")])))
        .expect(1)
        .mount(&server)
        .await;
    standard()
        .and(method("DELETE"))
        .and(path("/api/v1/groups/00g1"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    let c = client(&server);
    let g = c
        .groups()
        .create(&GroupProfile::new("Engineering").description("R&D"))
        .await
        .unwrap();
    assert_eq!(g.group_type, GroupType::OktaGroup);
    assert_eq!(
        c.groups().get(&g.id).await.unwrap().profile.name,
        "Engineering"
    );
    let listed = c
        .groups()
        .list()
        .search(r#"type eq "OKTA_GROUP""#)
        .limit(200)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.items().len(), 1);
    assert_eq!(
        c.groups()
            .replace(&g.id, &GroupProfile::new("Eng"))
            .await
            .unwrap()
            .profile
            .name,
        "Eng"
    );
    let uid = UserId::new("00u1");
    c.groups().add_member(&g.id, &uid).await.unwrap();
    let members: Vec<_> = c
        .groups()
        .members(&g.id)
        .limit(200)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(members[0].id, uid);
    c.groups().remove_member(&g.id, &uid).await.unwrap();
    assert_eq!(c.users().groups(&uid).await.unwrap()[0].id, g.id);
    c.groups().delete(&g.id).await.unwrap();
    assert_eq!(support::spec::assert_conforms(&server).await, 9);
}

#[tokio::test]
async fn user_schema_read_and_custom_attribute() {
    let server = MockServer::start().await;
    let schema = json!({
        "id": "https://acme.okta.com/meta/schemas/user/default", "name": "user",
        "definitions": {
            "base": {"id": "#base", "type": "object", "properties": {
                "login": {"title": "Username", "type": "string", "required": true, "unique": true}}, "required": ["login"]},
            "custom": {"id": "#custom", "type": "object", "properties": {
                "hrEmployeeId": {"title": "HR employee key", "type": "string", "unique": true}}, "required": []}
        }
    });
    standard()
        .and(method("GET"))
        .and(path("/api/v1/meta/schemas/user/default"))
        .respond_with(ResponseTemplate::new(200).set_body_json(schema.clone()))
        .expect(1)
        .mount(&server)
        .await;
    standard()
        .and(method("POST"))
        .and(path("/api/v1/meta/schemas/user/default"))
        .and(body_json(json!({"definitions": {"custom": {
            "properties": {"hrEmployeeId": {"title": "HR employee key", "type": "string", "unique": true,
                "description": "HR key", "maxLength": 64,
                "permissions": [{"principal": "SELF", "action": "READ_ONLY"}]}}}}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(schema))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let s = c.schemas().user().await.unwrap();
    assert!(s.attribute("login").unwrap().base);
    let attr = CustomAttribute::string("hrEmployeeId", "HR employee key")
        .description("HR key")
        .unique(true)
        .max_length(64);
    let s = c.schemas().add_custom_attribute(&attr).await.unwrap();
    assert!(s.attribute("hrEmployeeId").unwrap().unique);
    let bad = c
        .schemas()
        .add_custom_attribute(&CustomAttribute::string("hr key", "x"))
        .await;
    assert!(matches!(bad, Err(Error::InvalidArgument { .. })));
    assert_eq!(support::spec::assert_conforms(&server).await, 2);
}

#[tokio::test]
async fn rate_limit_429_waits_for_the_reset_and_marks_the_retry() {
    let server = MockServer::start().await;
    let now = std::time::SystemTime::now();
    let date = httpdate::fmt_http_date(now);
    let reset = now.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 1;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/00u1"))
        .and(wiremock::matchers::header_exists("x-okta-retry-count"))
        .and(header("x-okta-retry-for", "req-429"))
        .and(header("x-okta-retry-count", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json(
            "00u1",
            "a@b.example",
            "ACTIVE",
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/00u1"))
        .respond_with(
            okta_error(
                429,
                "E0000047",
                "API call exceeded rate limit due to too many requests.",
                json!([]),
            )
            .insert_header("x-okta-request-id", "req-429")
            .insert_header("date", date.as_str())
            .insert_header("x-rate-limit-limit", "600")
            .insert_header("x-rate-limit-remaining", "0")
            .insert_header("x-rate-limit-reset", reset.to_string().as_str()),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let started = std::time::Instant::now();
    c.users().get(&UserId::new("00u1")).await.unwrap();
    let waited = started.elapsed();
    // Reset one second after the Date header; nothing may be sent before it.
    assert!(
        waited >= Duration::from_millis(900),
        "retried after {waited:?}"
    );
    support::spec::assert_conforms(&server).await;
}

#[tokio::test]
async fn a_429_without_reset_headers_backs_off_and_gives_up_with_the_code() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users"))
        .respond_with(okta_error(
            429,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
            json!([]),
        ))
        .expect(3)
        .mount(&server)
        .await;
    let c = client_with(
        &server,
        RetryPolicy::default()
            .max_retries(2)
            .base_delay(Duration::from_millis(5))
            .max_jitter(Duration::ZERO),
    );
    // Even a create is retried on 429: Okta did not process it.
    let err = c
        .users()
        .create(UserProfile::new("a@b.example", "a@b.example", "A", "B"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.api().unwrap().error_code, ErrorCode::RateLimited);
    let counts: Vec<Option<String>> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            r.headers
                .get("x-okta-retry-count")
                .map(|v| v.to_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(counts, [None, Some("1".into()), Some("2".into())]);
    support::spec::assert_conforms(&server).await;
}

#[tokio::test]
async fn server_errors_and_timeouts_are_retried_for_reads_only() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/groups/00g1"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/groups/00g1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(group_json("00g1", "Eng")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/groups/00gslow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let c = OktaClient::builder()
        .org_url(server.uri())
        .api_token(SecretString::from(TOKEN))
        .timeout(Duration::from_millis(200))
        .retry_policy(
            RetryPolicy::default()
                .max_retries(2)
                .base_delay(Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    assert_eq!(
        c.groups()
            .get(&GroupId::new("00g1"))
            .await
            .unwrap()
            .profile
            .name,
        "Eng"
    );
    let err = c.groups().get(&GroupId::new("00gslow")).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: "groups.get",
                ..
            }
        ),
        "{err}"
    );
    let slow_attempts = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().ends_with("00gslow"))
        .count();
    assert_eq!(slow_attempts, 3);
    // A create that times out may have been applied: one attempt only.
    Mock::given(method("POST"))
        .and(path("/api/v1/users"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let err = c
        .users()
        .create(UserProfile::new("a@b.example", "a@b.example", "A", "B"))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: "users.create",
                ..
            }
        ),
        "{err}"
    );
    let creates = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert_eq!(creates, 1);
    support::spec::assert_conforms(&server).await;
}

#[tokio::test]
async fn throttles_ahead_of_the_limit() {
    let server = MockServer::start().await;
    let now = std::time::SystemTime::now();
    let reset = now.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 2;
    Mock::given(method("GET"))
        .and(path("/api/v1/groups/00g1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(group_json("00g1", "Eng"))
                .insert_header("date", httpdate::fmt_http_date(now).as_str())
                .insert_header("x-rate-limit-limit", "100")
                .insert_header("x-rate-limit-remaining", "0")
                .insert_header("x-rate-limit-reset", reset.to_string().as_str()),
        )
        .mount(&server)
        .await;
    let c = client(&server);
    c.groups().get(&GroupId::new("00g1")).await.unwrap();
    let rl = c.rate_limit("GET", "/api/v1/groups/{groupId}").unwrap();
    assert_eq!((rl.limit, rl.remaining), (100, 0));
    assert!(rl.resets_in > Duration::from_millis(1000));
    // No request left: the next call waits for the reset instead of earning a 429.
    let started = std::time::Instant::now();
    c.groups().get(&GroupId::new("00g1")).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "{:?}",
        started.elapsed()
    );
    support::spec::assert_conforms(&server).await;
}

#[tokio::test]
async fn errors_and_logs_never_show_the_token() {
    support::logs::install();

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(okta_error(
            401,
            "E0000011",
            "Invalid token provided",
            json!([]),
        ))
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c.users().get(&UserId::new("00u1")).await.unwrap_err();
    assert_eq!(err.api().unwrap().error_code, ErrorCode::InvalidToken);
    let shown = format!("{err} {err:?} {c:?}");
    let logs = support::logs::captured();
    assert!(logs.contains("users.get"), "the call was logged: {logs}");
    for text in [&shown, &logs] {
        assert!(!text.contains(TOKEN), "token leaked: {text}");
    }
    let req = &server.received_requests().await.unwrap()[0];
    assert!(!req.url.as_str().contains(TOKEN));
    support::spec::assert_conforms(&server).await;
}

#[tokio::test]
async fn bodies_that_are_not_okta_json_are_typed_errors() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/00u1"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>proxy login</html>"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"not": "a list"})))
        .mount(&server)
        .await;
    let c = client(&server);
    assert!(matches!(
        c.users().get(&UserId::new("00u1")).await,
        Err(Error::Decode {
            operation: "users.get",
            ..
        })
    ));
    assert!(matches!(
        c.users().list().send().await,
        Err(Error::Decode {
            operation: "users.list",
            ..
        })
    ));
    support::spec::assert_conforms(&server).await;
}

#[tokio::test]
async fn concurrency_is_capped_across_clones() {
    let (addr, peak) = counting_server(Duration::from_millis(40)).await;
    let c = OktaClient::builder()
        .org_url(format!("http://{addr}"))
        .api_token(SecretString::from(TOKEN))
        .max_concurrency(3)
        .build()
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..12 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            c.groups().get(&GroupId::new(format!("00g{i}"))).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let peak = peak.load(std::sync::atomic::Ordering::SeqCst);
    assert!((2..=3).contains(&peak), "peak concurrency {peak}");
}

#[tokio::test]
async fn header_exists_sanity() {
    // The User-Agent names the crate unless the builder sets one.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header_exists("user-agent"))
        .and(|r: &Request| {
            r.headers
                .get("user-agent")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("okta-api-rust/")
        })
        .respond_with(ResponseTemplate::new(200).set_body_json(group_json("00g1", "Eng")))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .groups()
        .get(&GroupId::new("00g1"))
        .await
        .unwrap();
    support::spec::assert_conforms(&server).await;
}

/// A bare HTTP/1.1 server that answers every request with a group after `delay` and
/// records the highest number of requests it held at once.
async fn counting_server(
    delay: Duration,
) -> (
    std::net::SocketAddr,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let peak = Arc::new(AtomicUsize::new(0));
    let current = Arc::new(AtomicUsize::new(0));
    let peak_out = peak.clone();
    tokio::spawn(async move {
        loop {
            let (mut sock, _) = listener.accept().await.unwrap();
            let (peak, current) = (peak.clone(), current.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                loop {
                    // One request per read loop; keep-alive connections send several.
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                    buf.drain(..end);
                    let now = current.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(delay).await;
                    current.fetch_sub(1, Ordering::SeqCst);
                    let body = r#"{"id":"00g1","type":"OKTA_GROUP","profile":{"name":"Eng"}}"#;
                    let resp = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if sock.write_all(resp.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (addr, peak_out)
}

#[tokio::test]
async fn a_retried_delete_that_finds_nothing_succeeded_but_only_after_a_possible_apply() {
    let server = MockServer::start().await;
    // 503 (maybe applied), then 404: the membership is gone as asked.
    Mock::given(method("DELETE"))
        .and(path("/api/v1/groups/00g1/users/00u1"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/groups/00g1/users/00u1"))
        .respond_with(okta_error(
            404,
            "E0000007",
            "Not found: Resource not found: 00u1 (GroupMembership)",
            json!([]),
        ))
        .mount(&server)
        .await;
    // 429 (certainly not applied), then 404: the group never existed.
    Mock::given(method("DELETE"))
        .and(path("/api/v1/groups/00gX"))
        .respond_with(okta_error(
            429,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
            json!([]),
        ))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/groups/00gX"))
        .respond_with(okta_error(
            404,
            "E0000007",
            "Not found: Resource not found: 00gX (UserGroup)",
            json!([]),
        ))
        .mount(&server)
        .await;
    let c = client(&server);
    c.groups()
        .remove_member(&GroupId::new("00g1"), &UserId::new("00u1"))
        .await
        .unwrap();
    let err = c.groups().delete(&GroupId::new("00gX")).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    support::spec::assert_conforms(&server).await;
}
