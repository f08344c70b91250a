//! The client against the Okta simulator: a whole provisioning life, the codes Okta gives
//! for wrong states, paging, schema, rate limits, faults and OAuth, end to end over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use futures_util::TryStreamExt as _;
use okta_api::simulator::{Fault, OktaSimulator, RunningSimulator};
use okta_api::{
    CustomAttribute, ErrorCode, GroupProfile, OktaClient, PrivateKeyJwt, RetryPolicy, UserProfile,
    UserStatus, quote,
};
use secrecy::SecretString;

async fn org(builder: okta_api::simulator::SimulatorBuilder) -> (RunningSimulator, OktaClient) {
    let sim = builder.api_token("sim-token").start().await.unwrap();
    let client = OktaClient::builder()
        .org_url(sim.url())
        .api_token(SecretString::from("sim-token"))
        .retry_policy(
            RetryPolicy::default()
                .base_delay(Duration::from_millis(10))
                .max_jitter(Duration::from_millis(50)),
        )
        .build()
        .unwrap();
    (sim, client)
}

/// Checks every request the client sent to the simulator (token requests aside)
/// against Okta's OpenAPI file; returns how many were checked.
fn assert_conforms(sim: &OktaSimulator) -> usize {
    let spec = support::spec::spec();
    let mut problems = Vec::new();
    let mut checked = 0;
    for r in sim.requests() {
        if r.path.starts_with("/oauth2/") {
            continue;
        }
        let query: Vec<(String, String)> =
            form_urlencoded::parse(r.query.as_deref().unwrap_or_default().as_bytes())
                .into_owned()
                .collect();
        checked += 1;
        if let Err(violations) = spec.check(
            &r.method,
            &r.path,
            &query,
            r.header("content-type"),
            &r.body,
        ) {
            problems.extend(violations.into_iter().map(|v| v.to_string()));
        }
    }
    assert!(
        problems.is_empty(),
        "requests outside Okta's OpenAPI file:\n{}",
        problems.join("\n")
    );
    assert!(checked > 0);
    checked
}

fn person(n: u32) -> UserProfile {
    let login = format!("person{n}@acme.example");
    let mut p = UserProfile::new(&login, &login, format!("First{n}"), format!("Last{n}"));
    p.employee_number = Some(format!("E{n:04}"));
    p
}

#[tokio::test]
async fn hire_leave_return_terminate_rehire_purge() {
    let (sim, c) = org(OktaSimulator::builder()).await;
    let users = c.users();

    // Hire: created staged, then activated on the start date.
    assert!(
        users
            .find_by_login("person1@acme.example")
            .await
            .unwrap()
            .is_none()
    );
    let u = users
        .create(person(1))
        .activate(false)
        .send()
        .await
        .unwrap();
    assert_eq!(u.status, UserStatus::Staged);
    let found = users
        .find_by_login("PERSON1@acme.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, u.id, "logins are case-insensitive");
    let activation = users
        .activate(&u.id)
        .send_email(false)
        .send()
        .await
        .unwrap();
    assert!(
        activation.token.is_some(),
        "sendEmail=false returns the token"
    );
    let after = users.get(&u.id).await.unwrap();
    assert!(
        matches!(after.status, UserStatus::Active | UserStatus::Provisioned),
        "{:?}",
        after.status
    );
    if after.status == UserStatus::Provisioned {
        // Without a password the user waits in PROVISIONED; the simulator lets tests finish it.
        sim.set_user_status(u.id.as_str(), "ACTIVE").unwrap();
    }

    // A second create of the same login is Okta's duplicate-login answer.
    let dup = users.create(person(1)).send().await.unwrap_err();
    assert!(dup.api().unwrap().is_login_conflict(), "{dup}");

    // Leave, return, termination.
    users.suspend(&u.id).await.unwrap();
    assert_eq!(
        users.get(&u.id).await.unwrap().status,
        UserStatus::Suspended
    );
    let twice = users.suspend(&u.id).await.unwrap_err();
    assert_eq!(
        twice.api().unwrap().error_code,
        ErrorCode::ApiValidationFailed
    );
    users.unsuspend(&u.id).await.unwrap();
    users.deactivate(&u.id).send().await.unwrap();
    assert_eq!(
        users.get(&u.id).await.unwrap().status,
        UserStatus::Deprovisioned
    );

    // Rehire: activate works from DEPROVISIONED.
    users
        .activate(&u.id)
        .send_email(false)
        .send()
        .await
        .unwrap();
    sim.set_user_status(u.id.as_str(), "ACTIVE").unwrap();
    let again = users.activate(&u.id).send().await.unwrap_err();
    assert_eq!(again.api().unwrap().error_code, ErrorCode::AlreadyActive);

    // Profile changes: partial update keeps the rest, replace drops what is not sent.
    let updated = users
        .update(&u.id)
        .set("department", serde_json::json!("Finance"))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.profile.department.as_deref(), Some("Finance"));
    assert_eq!(updated.profile.employee_number.as_deref(), Some("E0001"));
    let replaced = users.replace(&u.id, &person(1)).await.unwrap();
    assert_eq!(replaced.profile.department, None);

    // Purge: the first delete deactivates, the second deletes.
    users.delete(&u.id).send().await.unwrap();
    assert_eq!(
        users.get(&u.id).await.unwrap().status,
        UserStatus::Deprovisioned
    );
    users.delete(&u.id).send().await.unwrap();
    let gone = users.get(&u.id).await.unwrap_err();
    assert!(gone.is_not_found(), "{gone}");
    assert_conforms(&sim);
}

#[tokio::test]
async fn groups_memberships_and_search() {
    let (sim, c) = org(OktaSimulator::builder()).await;
    let g = c
        .groups()
        .create(&GroupProfile::new("Engineering").description("R&D"))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(
            c.users()
                .create(person(n))
                .activate(false)
                .send()
                .await
                .unwrap()
                .id,
        );
    }
    for id in &ids {
        c.groups().add_member(&g.id, id).await.unwrap();
    }
    c.groups().add_member(&g.id, &ids[0]).await.unwrap(); // twice is harmless
    let members: Vec<_> = c
        .groups()
        .members(&g.id)
        .limit(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(members.len(), 5);
    c.groups().remove_member(&g.id, &ids[4]).await.unwrap();
    let names: Vec<String> = c
        .users()
        .groups(&ids[0])
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.profile.name)
        .collect();
    assert!(names.contains(&"Engineering".to_owned()), "{names:?}");

    let found = c
        .groups()
        .list()
        .search(format!("profile.name eq {}", quote("Engineering")))
        .send()
        .await
        .unwrap();
    assert_eq!(found.items().len(), 1);
    let by_number = c
        .users()
        .list()
        .search(format!("profile.employeeNumber eq {}", quote("E0003")))
        .send()
        .await
        .unwrap();
    assert_eq!(by_number.items()[0].profile.login, "person3@acme.example");
    let dup = c
        .groups()
        .create(&GroupProfile::new("Engineering"))
        .await
        .unwrap_err();
    assert_eq!(
        dup.api().unwrap().error_code,
        ErrorCode::ApiValidationFailed
    );
    c.groups().delete(&g.id).await.unwrap();
    assert!(c.groups().get(&g.id).await.unwrap_err().is_not_found());
    assert_conforms(&sim);
}

#[tokio::test]
async fn custom_attribute_for_the_hr_key() {
    let (sim, c) = org(OktaSimulator::builder()).await;
    let schema = c.schemas().user().await.unwrap();
    assert!(schema.attribute("login").unwrap().base);
    assert!(schema.attribute("hrKey").is_none());
    let mut p = person(7);
    p.custom
        .insert("hrKey".into(), serde_json::json!("nmbrs:1:7"));
    // Unknown attributes are refused until the schema has them.
    let refused = c
        .users()
        .create(p.clone())
        .activate(false)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refused.api().unwrap().error_code,
        ErrorCode::ApiValidationFailed
    );
    let schema = c
        .schemas()
        .add_custom_attribute(&CustomAttribute::string("hrKey", "HR key").unique(true))
        .await
        .unwrap();
    assert!(!schema.attribute("hrKey").unwrap().base);
    c.users().create(p).activate(false).send().await.unwrap();
    let hit = c
        .users()
        .list()
        .search(r#"profile.hrKey eq "nmbrs:1:7""#)
        .send()
        .await
        .unwrap();
    assert_eq!(hit.items()[0].profile.custom["hrKey"], "nmbrs:1:7");
    assert_conforms(&sim);
}

#[tokio::test]
async fn paging_through_the_simulator_sees_every_user_once() {
    let (sim, c) = org(OktaSimulator::builder().generated_users(1_050)).await;
    let users: Vec<_> = c
        .users()
        .list()
        .limit(200)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 1_050);
    let mut ids: Vec<_> = users.iter().map(|u| u.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 1_050);
    let first = c.users().list().limit(200).send().await.unwrap();
    assert_eq!(first.items().len(), 200);
    assert!(first.next_url().unwrap().as_str().starts_with(sim.url()));
    assert_conforms(&sim);
}

#[tokio::test]
async fn rate_limits_and_faults_are_absorbed_where_safe() {
    let (sim, c) = org(OktaSimulator::builder().rate_limit(5, Duration::from_secs(1))).await;
    // Twelve reads with five per second: the client throttles and waits for resets
    // instead of failing.
    for _ in 0..12 {
        c.users().list().limit(1).send().await.unwrap();
    }
    let statuses: Vec<u16> = sim.requests().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        12,
        "{statuses:?}"
    );

    // 5xx on a read is retried; on a create it is not.
    sim.inject(
        Fault::server_error(503, 1)
            .method("GET")
            .path_prefix("/api/v1/groups"),
    );
    c.groups().list().send().await.unwrap();
    sim.inject(
        Fault::server_error(500, 1)
            .method("POST")
            .path_prefix("/api/v1/users"),
    );
    let e = c.users().create(person(1)).send().await.unwrap_err();
    assert_eq!(e.api().unwrap().status, 500);

    // A 429 without reset headers backs off and then succeeds, marking the retries.
    sim.clear_requests();
    sim.inject(Fault::rate_limited(2).path_prefix("/api/v1/groups"));
    c.groups().list().send().await.unwrap();
    let retries: Vec<Option<String>> = sim
        .requests()
        .iter()
        .map(|r| r.header("x-okta-retry-count").map(str::to_owned))
        .collect();
    assert_eq!(retries, [None, Some("1".into()), Some("2".into())]);
    assert_conforms(&sim);
}

#[tokio::test]
async fn request_ids_of_a_piece_of_work_are_collected() {
    let (sim, c) = org(OktaSimulator::builder()).await;
    // A retried read and a create: every answer's id, in order, as the simulator sent them.
    sim.inject(
        Fault::server_error(503, 1)
            .method("GET")
            .path_prefix("/api/v1/users"),
    );
    let ((found, created), ids) = okta_api::collect_request_ids(async {
        let found = c.users().find_by_login("ada@acme.example").await.unwrap();
        let created = c.users().create(person(1)).send().await.unwrap();
        (found, created)
    })
    .await;
    assert!(found.is_none());
    assert!(!created.id.as_str().is_empty());
    let sent: Vec<String> = sim
        .requests()
        .iter()
        .map(|r| r.request_id.clone())
        .collect();
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert_eq!(ids, sent);
    // Outside a scope nothing is kept, and a scope starts empty.
    c.users().list().limit(1).send().await.unwrap();
    let ((), ids) = okta_api::collect_request_ids(async {}).await;
    assert!(ids.is_empty());
}

#[tokio::test]
async fn oauth_service_app_end_to_end() {
    let keys = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/keys");
    for (private, public) in [
        ("rsa_pkcs8.pem", "rsa_public.pem"),
        ("ec_sec1.pem", "ec_public.pem"),
    ] {
        let public_pem = std::fs::read_to_string(format!("{keys}/{public}")).unwrap();
        let sim = OktaSimulator::builder()
            .oauth_client("0oa-hrsync", public_pem)
            .start()
            .await
            .unwrap();
        let private_pem =
            SecretString::from(std::fs::read_to_string(format!("{keys}/{private}")).unwrap());
        let app = PrivateKeyJwt::from_pem("0oa-hrsync", &private_pem).unwrap();
        let c = OktaClient::builder()
            .org_url(sim.url())
            .private_key_jwt(app)
            .build()
            .unwrap();
        c.users()
            .create(person(1))
            .activate(false)
            .send()
            .await
            .unwrap();
        assert_eq!(
            c.users().list().send().await.unwrap().items().len(),
            1,
            "{private}"
        );

        // Another app id is refused by the token endpoint.
        let wrong = PrivateKeyJwt::from_pem("0oa-other", &private_pem).unwrap();
        let c = OktaClient::builder()
            .org_url(sim.url())
            .private_key_jwt(wrong)
            .build()
            .unwrap();
        let e = c.users().list().send().await.unwrap_err();
        assert!(matches!(e, okta_api::Error::OAuth { .. }), "{e}");
        assert_conforms(&sim);
    }
}
