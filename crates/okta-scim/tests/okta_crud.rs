//! The wire sequence Okta's "SCIM 2.0 CRUD Test" drives through a live org, replayed as
//! the SCIM requests Okta sends (okta.md §3.3): test connection, create (existence check,
//! POST with the password and groups placeholders), PUT profile update, deactivate and
//! reactivate by path-less PATCH, then group push: create, rename carried with every
//! membership delta, member removal by filter, full replace, unlink.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn okta_create_body(user_name: &str, given: &str, family: &str, okta_id: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "displayName": format!("{given} {family}"),
        "locale": "en-US",
        "externalId": okta_id,
        "groups": [],
        "password": "1mz050nq",
        "active": true
    })
}

fn member_ids(group: &Value) -> Vec<String> {
    let mut ids: Vec<String> = group["members"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|m| m["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

#[tokio::test]
async fn okta_crud_sequence_over_the_wire() {
    let (scim, _provider) = support::start().await;

    // "Test API Credentials": constant reads that must both be 200 ListResponses.
    let users = scim.get("/Users?startIndex=1&count=2").await;
    assert_eq!(
        (users.status, users.body["totalResults"].clone()),
        (200, json!(0))
    );
    let groups = scim.get("/Groups?startIndex=1&count=100").await;
    assert_eq!(
        (groups.status, groups.body["Resources"].clone()),
        (200, json!([]))
    );

    // Assign: existence check, then create.
    let check = scim
        .get("/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100")
        .await;
    assert_eq!(
        (check.status, check.body["totalResults"].clone()),
        (200, json!(0))
    );
    let created = scim
        .send(
            "POST",
            "/Users",
            Some(okta_create_body(
                "test.user@okta.local",
                "Test",
                "User",
                "00ujl29u0le5T6Aj10h7",
            )),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let uid = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created.header("location").unwrap(),
        format!("{}/Users/{uid}", scim.base)
    );
    assert_eq!(
        created.body["meta"]["location"],
        format!("{}/Users/{uid}", scim.base)
    );
    assert!(
        created.body.get("password").is_none(),
        "password is never returned"
    );
    assert_eq!(created.body["externalId"], "00ujl29u0le5T6Aj10h7");
    let second = scim
        .send(
            "POST",
            "/Users",
            Some(okta_create_body(
                "ann@okta.local",
                "Ann",
                "de Vries",
                "00u2",
            )),
        )
        .await;
    let uid2 = second.body["id"].as_str().unwrap().to_owned();

    // Profile update as an AIW app does it: GET, change, PUT the whole object back.
    let mut full = scim.get(&format!("/Users/{uid}")).await.body;
    full["name"]["givenName"] = json!("Tester");
    full["password"] = json!("placeholder");
    let put = scim.send("PUT", &format!("/Users/{uid}"), Some(full)).await;
    assert_eq!(put.status, 200, "{}", put.body);
    assert_eq!(put.body["name"]["givenName"], "Tester");
    assert_eq!(put.body["id"], uid.as_str());
    assert_eq!(
        scim.get(&format!("/Users/{uid}")).await.body["name"]["givenName"],
        "Tester"
    );

    // Deactivate (unassign) and reactivate: path-less replace with an object value.
    let deactivate = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": false}}]});
    let d = scim
        .send("PATCH", &format!("/Users/{uid}"), Some(deactivate))
        .await;
    assert_eq!(
        (d.status, d.body["active"].clone()),
        (200, json!(false)),
        "{}",
        d.body
    );
    let listed = scim.get("/Users?startIndex=1&count=100").await.body;
    let entry = listed["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == uid.as_str())
        .unwrap();
    assert_eq!(
        entry["active"], false,
        "deactivated users stay listed with active=false"
    );
    let reactivate = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": true}}]});
    let r = scim
        .send("PATCH", &format!("/Users/{uid}"), Some(reactivate))
        .await;
    assert_eq!(r.body["active"], true);

    // Group push: lookup, create, rename + membership deltas, replace, unlink.
    let lookup = scim
        .get("/Groups?filter=displayName%20eq%20%22Test%20SCIMv2%22&startIndex=1&count=100")
        .await;
    assert_eq!(lookup.body["totalResults"], 0);
    let g = scim
        .send(
            "POST",
            "/Groups",
            Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Test SCIMv2", "members": []})),
        )
        .await;
    assert_eq!(g.status, 201, "{}", g.body);
    let gid = g.body["id"].as_str().unwrap().to_owned();
    let rename_and_add = json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "value": {"id": gid, "displayName": "Test SCIMv2 renamed"}},
        {"op": "add", "path": "members", "value": [{"value": uid, "display": "test.user@okta.local"}]}
    ]});
    let p = scim
        .send("PATCH", &format!("/Groups/{gid}"), Some(rename_and_add))
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert_eq!(p.body["displayName"], "Test SCIMv2 renamed");
    assert_eq!(member_ids(&p.body), vec![uid.clone()]);
    let user_groups = scim.get(&format!("/Users/{uid}")).await.body["groups"].clone();
    assert_eq!(user_groups[0]["value"], gid.as_str());
    assert_eq!(user_groups[0]["display"], "Test SCIMv2 renamed");

    let delta = json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "value": {"id": gid, "displayName": "Test SCIMv2 renamed"}},
        {"op": "remove", "path": format!("members[value eq \"{uid}\"]")},
        {"op": "add", "path": "members", "value": [{"value": uid2, "display": "ann@okta.local"}]}
    ]});
    let p = scim
        .send("PATCH", &format!("/Groups/{gid}"), Some(delta))
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert_eq!(member_ids(&p.body), vec![uid2.clone()]);
    assert!(
        scim.get(&format!("/Users/{uid}"))
            .await
            .body
            .get("groups")
            .is_none()
    );

    let replace_all = json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "path": "members", "value": [{"value": uid}, {"value": uid2}]}
    ]});
    let p = scim
        .send("PATCH", &format!("/Groups/{gid}"), Some(replace_all))
        .await;
    let mut both = vec![uid.clone(), uid2.clone()];
    both.sort();
    assert_eq!(member_ids(&p.body), both);
    let imported = scim.get("/Groups?startIndex=1&count=100").await.body;
    assert_eq!(
        member_ids(&imported["Resources"][0]),
        both,
        "group pages carry members for Import Groups"
    );

    let del = scim.send("DELETE", &format!("/Groups/{gid}"), None).await;
    assert_eq!((del.status, del.body.clone()), (204, Value::Null));
    assert_eq!(scim.get(&format!("/Groups/{gid}")).await.status, 404);
    assert!(
        scim.get(&format!("/Users/{uid2}"))
            .await
            .body
            .get("groups")
            .is_none()
    );
}
