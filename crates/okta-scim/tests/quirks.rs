//! One named test per client quirk of `shared/research/scim.md` §5 (Okta Q-O1…Q-O10,
//! Microsoft Entra Q-E1…Q-E6), each over HTTP against the real server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

async fn create_user(scim: &support::Scim, user_name: &str) -> String {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": "Given", "familyName": "Family"},
        "emails": [{"value": user_name, "type": "work", "primary": true}],
        "active": true
    });
    let r = scim.send("POST", "/Users", Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn create_group(scim: &support::Scim, name: &str, members: &[&str]) -> String {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    let r = scim
        .send(
            "POST",
            "/Groups",
            Some(json!({"displayName": name, "members": members})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

fn patch(ops: Value) -> Option<Value> {
    Some(json!({"schemas": [PATCH_OP], "Operations": ops}))
}

fn member_ids(group: &Value) -> Vec<&str> {
    let mut v: Vec<&str> = group["members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["value"].as_str())
        .collect();
    v.sort_unstable();
    v
}

#[tokio::test]
async fn q_o1_user_name_filter_is_case_insensitive_and_returns_the_stored_spelling() {
    let (scim, _) = support::start().await;
    create_user(&scim, "Ann.DeVries@Example.com").await;
    let r = scim
        .get("/Users?filter=userName%20eq%20%22ann.devries%40example.COM%22")
        .await;
    assert_eq!(r.body["totalResults"], 1);
    assert_eq!(
        r.body["Resources"][0]["userName"],
        "Ann.DeVries@Example.com"
    );
    let dup = scim
        .send(
            "POST",
            "/Users",
            Some(json!({"userName": "ANN.DEVRIES@EXAMPLE.COM"})),
        )
        .await;
    assert_eq!(
        (dup.status, dup.body["scimType"].clone()),
        (409, json!("uniqueness"))
    );
}

#[tokio::test]
async fn q_o2_items_per_page_counts_returned_items_and_past_the_end_is_empty() {
    let (scim, _) = support::start().await;
    for i in 0..5 {
        create_user(&scim, &format!("u{i}@example.com")).await;
    }
    let r = scim.get("/Users?startIndex=4&count=100").await;
    assert_eq!(r.body["itemsPerPage"], 2);
    assert_eq!(r.body["totalResults"], 5);
    assert_eq!(r.body["startIndex"], 4);
    assert_eq!(r.body["Resources"].as_array().unwrap().len(), 2);
    let past = scim.get("/Users?startIndex=101&count=100").await;
    assert_eq!(past.body["itemsPerPage"], 0);
    assert_eq!(past.body["totalResults"], 5);
    assert_eq!(past.body["Resources"], json!([]));
    assert!(
        past.body["totalResults"].is_u64() && past.body["startIndex"].is_u64(),
        "integers, not strings"
    );
}

#[tokio::test]
async fn q_o3_pathless_replace_with_object_deactivates() {
    let (scim, _) = support::start().await;
    let id = create_user(&scim, "leaver@example.com").await;
    let r = scim
        .send(
            "PATCH",
            &format!("/Users/{id}"),
            patch(json!([{"op": "replace", "value": {"active": false}}])),
        )
        .await;
    assert_eq!((r.status, r.body["active"].clone()), (200, json!(false)));
    assert_eq!(
        scim.get(&format!("/Users/{id}")).await.body["active"],
        false
    );
}

#[tokio::test]
async fn q_o4_group_rename_carrying_its_own_id_is_accepted_and_another_id_is_refused() {
    let (scim, _) = support::start().await;
    let gid = create_group(&scim, "Sales", &[]).await;
    let ok = scim
        .send(
            "PATCH",
            &format!("/Groups/{gid}"),
            patch(json!([{"op": "replace", "value": {"id": gid, "displayName": "Sales NL"}}])),
        )
        .await;
    assert_eq!(
        (ok.status, ok.body["displayName"].clone()),
        (200, json!("Sales NL"))
    );
    let bad = scim
        .send(
            "PATCH",
            &format!("/Groups/{gid}"),
            patch(json!([{"op": "replace", "value": {"id": "other", "displayName": "X"}}])),
        )
        .await;
    assert_eq!(
        (bad.status, bad.body["scimType"].clone()),
        (400, json!("mutability"))
    );
    assert_eq!(
        scim.get(&format!("/Groups/{gid}")).await.body["displayName"],
        "Sales NL",
        "nothing half-applied"
    );
}

#[tokio::test]
async fn q_o5_member_removal_by_filter_removes_only_that_member_and_add_is_a_union() {
    let (scim, _) = support::start().await;
    let a = create_user(&scim, "a@example.com").await;
    let b = create_user(&scim, "b@example.com").await;
    let c = create_user(&scim, "c@example.com").await;
    let gid = create_group(&scim, "Team", &[&a, &b]).await;
    let r = scim
        .send(
            "PATCH",
            &format!("/Groups/{gid}"),
            patch(json!([
                {"op": "remove", "path": format!("members[value eq \"{a}\"]")},
                {"op": "add", "path": "members", "value": [{"value": b}, {"value": c, "display": "c"}]}
            ])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut want = vec![b.as_str(), c.as_str()];
    want.sort_unstable();
    assert_eq!(
        member_ids(&r.body),
        want,
        "a removed, b not duplicated, c added"
    );
    // Removing a member who is not in the group is an idempotent success.
    let again = scim
        .send(
            "PATCH",
            &format!("/Groups/{gid}"),
            patch(json!([{"op": "remove", "path": format!("members[value eq \"{a}\"]")}])),
        )
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(member_ids(&again.body), want);
}

#[tokio::test]
async fn q_o6_password_and_groups_placeholders_are_ignored_and_never_echoed() {
    let (scim, provider) = support::start().await;
    let body =
        json!({"userName": "p@example.com", "password": "1mz050nq", "groups": [], "active": true});
    let r = scim.send("POST", "/Users", Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.body.get("password").is_none());
    let id = r.body["id"].as_str().unwrap();
    let stored =
        okta_scim::ScimProvider::get_user(provider.as_ref(), &okta_scim::ResourceId::new(id))
            .await
            .unwrap();
    assert!(
        stored.password.is_none(),
        "the in-memory provider never stores passwords"
    );
    let listed = scim.get("/Users?attributes=password,userName").await;
    assert!(
        listed.body["Resources"][0].get("password").is_none(),
        "returned: never wins over attributes="
    );
}

#[tokio::test]
async fn q_o7_both_json_media_types_are_accepted_and_scim_json_is_answered() {
    let (scim, _) = support::start().await;
    for (i, ct) in [
        "application/json",
        "application/scim+json",
        "application/scim+json; charset=utf-8",
        "application/json;charset=UTF-8",
    ]
    .iter()
    .enumerate()
    {
        let r = scim
            .send_with(
                "POST",
                "/Users",
                Some(json!({"userName": format!("m{i}@example.com")})),
                &[("Content-Type", ct)],
            )
            .await;
        assert_eq!(r.status, 201, "{ct}: {}", r.body);
        assert_eq!(r.header("content-type"), Some("application/scim+json"));
    }
    let r = scim
        .send_with(
            "POST",
            "/Users",
            Some(json!({"userName": "x@example.com"})),
            &[("Content-Type", "text/plain")],
        )
        .await;
    assert_eq!(r.status, 415);
}

#[tokio::test]
async fn q_o8_errors_are_scim_json_with_string_status_and_detail() {
    let (scim, _) = support::start().await;
    let unauth = scim
        .send_with("GET", "/Users", None, &[("Authorization", "non-token")])
        .await;
    assert_eq!(unauth.status, 401);
    assert_eq!(unauth.body["status"], "401");
    assert!(
        unauth.body["detail"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    assert_eq!(
        unauth.body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    let missing = scim.get("/Users/00919288221112222").await;
    assert_eq!(
        (missing.status, missing.body["status"].clone()),
        (404, json!("404"))
    );
    assert!(
        missing.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("00919288221112222"))
    );
}

#[tokio::test]
async fn q_o9_group_pages_carry_members_for_import() {
    let (scim, _) = support::start().await;
    let a = create_user(&scim, "a@example.com").await;
    create_group(&scim, "Finance", &[&a]).await;
    let r = scim.get("/Groups?startIndex=1&count=100").await;
    assert_eq!(r.body["Resources"][0]["members"][0]["value"], a.as_str());
    assert_eq!(r.body["Resources"][0]["members"][0]["type"], "User");
}

#[tokio::test]
async fn q_o10_put_replaces_but_keeps_active_when_absent_and_ignores_read_only_echoes() {
    let (scim, _) = support::start().await;
    let id = create_user(&scim, "put@example.com").await;
    let mut full = scim.get(&format!("/Users/{id}")).await.body;
    full.as_object_mut().unwrap().remove("active");
    full["title"] = json!("Engineer");
    full["meta"]["created"] = json!("1999-01-01T00:00:00Z");
    full["groups"] = json!([{"value": "bogus"}]);
    let r = scim.send("PUT", &format!("/Users/{id}"), Some(full)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["active"], true,
        "a PUT without active never suspends"
    );
    assert_eq!(r.body["title"], "Engineer");
    assert_ne!(r.body["meta"]["created"], "1999-01-01T00:00:00Z");
    assert!(r.body.get("groups").is_none());
    // Full replace: attributes left out are cleared.
    let mut less = r.body.clone();
    less.as_object_mut().unwrap().remove("title");
    let r = scim.send("PUT", &format!("/Users/{id}"), Some(less)).await;
    assert!(r.body.get("title").is_none());
}

#[tokio::test]
async fn q_e1_capitalised_ops_are_accepted() {
    let (scim, _) = support::start().await;
    let id = create_user(&scim, "e1@example.com").await;
    let r = scim
        .send(
            "PATCH",
            &format!("/Users/{id}"),
            patch(json!([{"op": "Replace", "path": "title", "value": "Lead"}, {"op": "Add", "path": "nickName", "value": "E"}])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.body["title"].clone(), r.body["nickName"].clone()),
        (json!("Lead"), json!("E"))
    );
}

#[tokio::test]
async fn q_e2_string_booleans_become_booleans() {
    let (scim, _) = support::start().await;
    let id = create_user(&scim, "e2@example.com").await;
    let r = scim
        .send(
            "PATCH",
            &format!("/Users/{id}"),
            patch(json!([{"op": "Replace", "path": "active", "value": "False"}])),
        )
        .await;
    assert_eq!(
        (r.status, r.body["active"].clone()),
        (200, json!(false)),
        "{}",
        r.body
    );
    let created = scim
        .send(
            "POST",
            "/Users",
            Some(json!({"userName": "e2b@example.com", "active": "True"})),
        )
        .await;
    assert_eq!(created.body["active"], true);
}

#[tokio::test]
async fn q_e3_remove_with_value_list_removes_only_the_listed_members() {
    let (scim, _) = support::start().await;
    let a = create_user(&scim, "a@example.com").await;
    let b = create_user(&scim, "b@example.com").await;
    let gid = create_group(&scim, "Entra", &[&a, &b]).await;
    let r = scim
        .send(
            "PATCH",
            &format!("/Groups/{gid}"),
            patch(json!([{"op": "Remove", "path": "members", "value": [{"value": a}]}])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(member_ids(&r.body), vec![b.as_str()]);
}

#[tokio::test]
async fn q_e4_pathless_replace_with_dotted_and_urn_keys() {
    let (scim, _) = support::start().await;
    let id = create_user(&scim, "e4@example.com").await;
    let r = scim
        .send(
            "PATCH",
            &format!("/Users/{id}"),
            patch(json!([{"op": "Replace", "value": {
                "name.givenName": "Anna",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "1042"
            }}])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["name"]["givenName"], "Anna");
    assert_eq!(r.body["name"]["familyName"], "Family");
    assert_eq!(
        r.body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["employeeNumber"],
        "1042"
    );
    assert!(r.body["schemas"].as_array().unwrap().contains(&json!(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    )));
}

#[tokio::test]
async fn q_e5_add_on_a_missing_work_email_creates_it() {
    let (scim, _) = support::start().await;
    let r = scim
        .send(
            "POST",
            "/Users",
            Some(json!({"userName": "e5@example.com"})),
        )
        .await;
    let id = r.body["id"].as_str().unwrap();
    let r = scim
        .send(
            "PATCH",
            &format!("/Users/{id}"),
            patch(json!([
                {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "e5@example.com"},
                {"op": "Add", "path": "addresses[type eq \"work\"].locality", "value": "Utrecht"},
                {"op": "Add", "path": "addresses[type eq \"work\"].postalCode", "value": "3511 AB"}
            ])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["emails"],
        json!([{"type": "work", "value": "e5@example.com"}])
    );
    let addresses = r.body["addresses"].as_array().unwrap();
    assert_eq!(
        addresses.len(),
        1,
        "adds to the same filtered element merge: {addresses:?}"
    );
    assert_eq!(addresses[0]["locality"], "Utrecht");
    assert_eq!(addresses[0]["postalCode"], "3511 AB");
}

#[tokio::test]
async fn q_e6_unsupported_filters_are_400_never_an_unfiltered_page() {
    let (scim, _) = support::start().await;
    create_user(&scim, "a@example.com").await;
    for bad in [
        "userName%20eq",
        "nosuch%20eq%20%22x%22",
        "active%20gt%20true",
        "userName%20eq%20True",
        "userName%20xx%20%22a%22",
    ] {
        let r = scim.get(&format!("/Users?filter={bad}")).await;
        assert_eq!(
            (r.status, r.body["scimType"].clone()),
            (400, json!("invalidFilter")),
            "{bad}: {}",
            r.body
        );
    }
    // What Entra does send works: externalId, and the emails value-path form.
    let body = json!({"userName": "ext@example.com", "externalId": "6f9b8d1c-58c4-4c5e-a7a6-1d5f0c0f7e11",
        "emails": [{"type": "work", "value": "ext@example.com"}]});
    scim.send("POST", "/Users", Some(body)).await;
    let r = scim
        .get("/Users?filter=externalId%20eq%20%226f9b8d1c-58c4-4c5e-a7a6-1d5f0c0f7e11%22")
        .await;
    assert_eq!(r.body["totalResults"], 1);
    let r = scim
        .get(
            "/Users?filter=emails%5Btype%20eq%20%22work%22%5D.value%20eq%20%22ext%40example.com%22",
        )
        .await;
    assert_eq!(r.body["totalResults"], 1, "{}", r.body);
}

#[tokio::test]
async fn q_o8_only_an_explicit_remove_unsets_active_and_put_without_it_keeps_it() {
    // Okta never removes `active`; it reads it on every user. A PUT that leaves it out
    // keeps the current value (Q-O10); an explicit PATCH `remove` unsets it (RFC 7644
    // §3.5.2.2, and scim2-tester checks exactly that).
    let (scim, _) = support::start().await;
    let id = create_user(&scim, "keep.active@example.com").await;
    let deactivate = patch(json!([{"op": "replace", "value": {"active": false}}]));
    assert_eq!(
        scim.send("PATCH", &format!("/Users/{id}"), deactivate)
            .await
            .status,
        200
    );
    let mut full = scim.get(&format!("/Users/{id}")).await.body;
    full.as_object_mut().unwrap().remove("active");
    let put = scim.send("PUT", &format!("/Users/{id}"), Some(full)).await;
    assert_eq!(
        (put.status, put.body["active"].clone()),
        (200, json!(false)),
        "{}",
        put.body
    );
    let r = scim
        .send(
            "PATCH",
            &format!("/Users/{id}"),
            patch(json!([{"op": "remove", "path": "active"}])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.get("active").is_none(), "{}", r.body);
    assert!(
        scim.get(&format!("/Users/{id}"))
            .await
            .body
            .get("active")
            .is_none()
    );
}
