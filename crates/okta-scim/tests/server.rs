//! Server behaviour over HTTP: authentication, discovery, limits, paging, sorting,
//! projections, versions, and providers that refuse or fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use okta_scim::server::{Access, Credential, ScimServer};
use okta_scim::{
    Capabilities, InMemoryProvider, ListPage, ListQuery, ResourceId, ScimError, ScimProvider, User,
};
use serde_json::json;

#[tokio::test]
async fn basic_and_several_bearer_credentials_are_accepted_and_read_only_cannot_write() {
    let (scim, _) = support::start().await;
    let basic = support::basic_header();
    assert_eq!(
        scim.send_with("GET", "/Users", None, &[("Authorization", &basic)])
            .await
            .status,
        200
    );
    let ro = format!("Bearer {}", support::READ_ONLY_TOKEN);
    assert_eq!(
        scim.send_with("GET", "/Users", None, &[("Authorization", &ro)])
            .await
            .status,
        200
    );
    let w = scim
        .send_with(
            "POST",
            "/Users",
            Some(json!({"userName": "x@example.com"})),
            &[("Authorization", &ro)],
        )
        .await;
    assert_eq!((w.status, w.body["status"].clone()), (403, json!("403")));
    assert_eq!(
        scim.get("/Users").await.body["totalResults"],
        0,
        "nothing written"
    );
}

#[tokio::test]
async fn wrong_or_missing_credentials_get_401_with_both_challenges() {
    let (scim, _) = support::start().await;
    for auth in [
        "",
        "Bearer wrong",
        &format!("Bearer {}x", support::TOKEN),
        "Basic b2t0YTp3cm9uZw==",
        "Basic !!!",
        support::TOKEN,
    ] {
        let headers: Vec<(&str, &str)> = if auth.is_empty() {
            vec![("Authorization", " ")]
        } else {
            vec![("Authorization", auth)]
        };
        let r = scim.send_with("GET", "/Users", None, &headers).await;
        assert_eq!(r.status, 401, "{auth:?}");
        let challenges: Vec<&str> = r
            .headers
            .get_all("www-authenticate")
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert!(
            challenges.iter().any(|c| c.starts_with("Bearer realm=")),
            "{challenges:?}"
        );
        assert!(
            challenges.iter().any(|c| c.starts_with("Basic realm=")),
            "{challenges:?}"
        );
    }
}

#[tokio::test]
async fn credentials_never_show_in_debug_output() {
    let c = Credential::bearer("super-secret-token".to_owned().into(), Access::ReadWrite);
    let server = ScimServer::builder(Arc::new(InMemoryProvider::new()))
        .credential(c)
        .build()
        .unwrap();
    let text = format!("{server:?}");
    assert!(!text.contains("super-secret-token"), "{text}");
}

#[tokio::test]
async fn discovery_endpoints_describe_the_server_and_refuse_writes() {
    let (scim, _) = support::start().await;
    let spc = scim.get("/ServiceProviderConfig").await;
    assert_eq!(spc.status, 200);
    assert_eq!(spc.body["patch"]["supported"], true);
    assert_eq!(spc.body["filter"]["maxResults"], 1000);
    let types: Vec<&str> = spc.body["authenticationSchemes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, vec!["oauthbearertoken", "httpbasic"]);
    let schemas = scim.get("/Schemas").await;
    assert_eq!(schemas.body["totalResults"], 3);
    let user = scim
        .get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User")
        .await;
    assert_eq!(user.body["attributes"][0]["name"], "userName");
    let rts = scim.get("/ResourceTypes").await;
    assert_eq!(
        rts.body["Resources"][0]["schemaExtensions"][0]["schema"],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    );
    assert_eq!(
        scim.get("/ResourceTypes/Group").await.body["endpoint"],
        "/Groups"
    );
    assert_eq!(scim.get("/Schemas/urn:nope").await.status, 404);
    for method in ["POST", "PUT", "PATCH", "DELETE"] {
        assert_eq!(
            scim.send(method, "/ServiceProviderConfig", Some(json!({})))
                .await
                .status,
            405,
            "{method}"
        );
    }
    let random = scim.get("/NoSuchThing").await;
    assert_eq!(
        (random.status, random.body["status"].clone()),
        (404, json!("404"))
    );
    assert_eq!(scim.get("/Me").await.status, 501);
}

#[tokio::test]
async fn oversized_bodies_get_413_and_bad_json_gets_invalid_syntax() {
    let provider = Arc::new(InMemoryProvider::new());
    let scim = support::serve(
        support::builder(provider)
            .max_body_bytes(256)
            .build()
            .unwrap(),
    )
    .await;
    let big = json!({"userName": "a@example.com", "title": "x".repeat(400)});
    let r = scim.send("POST", "/Users", Some(big)).await;
    assert_eq!((r.status, r.body["status"].clone()), (413, json!("413")));
    let resp = scim
        .http
        .post(format!("{}/Users", scim.base))
        .header("Authorization", &scim.auth)
        .header("Content-Type", "application/scim+json")
        .body("{\"userName\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["scimType"], "invalidSyntax");
}

/// A provider that is slow or overloaded on demand.
#[derive(Debug)]
struct Flaky {
    inner: InMemoryProvider,
    delay: Duration,
    overloaded: bool,
}

#[async_trait]
impl ScimProvider for Flaky {
    fn capabilities(&self) -> Capabilities {
        Capabilities::read_only()
    }
    async fn list_users(&self, q: &ListQuery) -> okta_scim::Result<ListPage<User>> {
        if self.overloaded {
            return Err(ScimError::too_many_requests(
                Duration::from_millis(2500),
                "HR source is refreshing",
            ));
        }
        tokio::time::sleep(self.delay).await;
        self.inner.list_users(q).await
    }
    async fn get_user(&self, id: &ResourceId) -> okta_scim::Result<User> {
        self.inner.get_user(id).await
    }
}

#[tokio::test]
async fn slow_providers_time_out_with_503_and_overload_is_429_with_retry_after() {
    let slow = Arc::new(Flaky {
        inner: InMemoryProvider::new(),
        delay: Duration::from_secs(5),
        overloaded: false,
    });
    let scim = support::serve(
        support::builder(slow)
            .request_timeout(Duration::from_millis(100))
            .build()
            .unwrap(),
    )
    .await;
    let r = scim.get("/Users").await;
    assert_eq!(r.status, 503);
    assert!(r.header("retry-after").is_some());

    let busy = Arc::new(Flaky {
        inner: InMemoryProvider::new(),
        delay: Duration::ZERO,
        overloaded: true,
    });
    let scim = support::serve(support::builder(busy).build().unwrap()).await;
    let r = scim.get("/Users").await;
    assert_eq!(r.status, 429);
    assert_eq!(
        r.header("retry-after"),
        Some("3"),
        "whole seconds, rounded up"
    );
}

#[tokio::test]
async fn read_only_providers_answer_writes_with_501_and_groups_stay_listable() {
    let p = Arc::new(Flaky {
        inner: InMemoryProvider::new(),
        delay: Duration::ZERO,
        overloaded: false,
    });
    let scim = support::serve(support::builder(p).build().unwrap()).await;
    let r = scim
        .send("POST", "/Users", Some(json!({"userName": "a@example.com"})))
        .await;
    assert_eq!(
        (r.status, r.body["schemas"][0].clone()),
        (501, json!("urn:ietf:params:scim:api:messages:2.0:Error"))
    );
    assert_eq!(scim.get("/Groups").await.body["totalResults"], 0);
    let spc = scim.get("/ServiceProviderConfig").await;
    assert_eq!(spc.body["patch"]["supported"], false);
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let (scim, _) = support::start().await;
    let r = scim
        .send_with("GET", "/Users", None, &[("X-Request-Id", "okta-req-42")])
        .await;
    assert_eq!(r.header("x-request-id"), Some("okta-req-42"));
    let r = scim.get("/Users").await;
    assert_eq!(r.header("x-request-id").map(str::len), Some(16));
}

async fn seed_people(scim: &support::Scim) {
    for (user, family, created_title) in [
        ("carol@example.com", "Zwart", "B"),
        ("Alice@example.com", "Bakker", "C"),
        ("bob@example.com", "de Jong", "A"),
    ] {
        let r = scim
            .send("POST", "/Users", Some(json!({"userName": user, "name": {"familyName": family, "givenName": "X"}, "title": created_title,
                "emails": [{"value": user, "type": "work", "primary": true}],
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"}})))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
}

#[tokio::test]
async fn lists_sort_page_and_project_as_asked() {
    let (scim, _) = support::start().await;
    seed_people(&scim).await;
    let names = |b: &serde_json::Value| -> Vec<String> {
        b["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["userName"].as_str().unwrap().to_owned())
            .collect()
    };
    let r = scim.get("/Users?sortBy=userName").await;
    assert_eq!(
        names(&r.body),
        vec!["Alice@example.com", "bob@example.com", "carol@example.com"]
    );
    let r = scim
        .get("/Users?sortBy=name.familyName&sortOrder=descending&startIndex=2&count=1")
        .await;
    assert_eq!(names(&r.body), vec!["bob@example.com"]);
    assert_eq!(
        (
            r.body["itemsPerPage"].clone(),
            r.body["totalResults"].clone()
        ),
        (json!(1), json!(3))
    );
    let r = scim.get("/Users?count=0").await;
    assert_eq!(
        (r.body["totalResults"].clone(), r.body["Resources"].clone()),
        (json!(3), json!([]))
    );

    let r = scim
        .get("/Users?attributes=userName,name.givenName&count=1")
        .await;
    let u = r.body["Resources"][0].as_object().unwrap();
    let mut keys: Vec<&str> = u.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, vec!["id", "name", "schemas", "userName"]);
    assert_eq!(u["name"], json!({"givenName": "X"}));
    let r = scim
        .get("/Users?excludedAttributes=emails,meta&count=1")
        .await;
    assert!(r.body["Resources"][0].get("emails").is_none());
    assert!(r.body["Resources"][0].get("meta").is_none());
    assert!(r.body["Resources"][0].get("title").is_some());

    let r = scim
        .send("POST", "/Users/.search", Some(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq \"sales\" and title lt \"C\"",
            "sortBy": "title", "attributes": ["userName"], "startIndex": 1, "count": 10})))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(names(&r.body), vec!["bob@example.com", "carol@example.com"]);
}

#[tokio::test]
async fn versions_guard_writes_and_conditional_reads() {
    let (scim, _) = support::start().await;
    let r = scim
        .send("POST", "/Users", Some(json!({"userName": "v@example.com"})))
        .await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    let v1 = r.header("etag").unwrap().to_owned();
    assert_eq!(v1, "W/\"1\"");
    let not_modified = scim
        .send_with(
            "GET",
            &format!("/Users/{id}"),
            None,
            &[("If-None-Match", &v1)],
        )
        .await;
    assert_eq!(not_modified.status, 304);
    let p = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "title", "value": "T"}]});
    let ok = scim
        .send_with(
            "PATCH",
            &format!("/Users/{id}"),
            Some(p.clone()),
            &[("If-Match", &v1)],
        )
        .await;
    assert_eq!((ok.status, ok.header("etag")), (200, Some("W/\"2\"")));
    let stale = scim
        .send_with(
            "PATCH",
            &format!("/Users/{id}"),
            Some(p),
            &[("If-Match", &v1)],
        )
        .await;
    assert_eq!(stale.status, 412);
    let stale_delete = scim
        .send_with(
            "DELETE",
            &format!("/Users/{id}"),
            None,
            &[("If-Match", &v1)],
        )
        .await;
    assert_eq!(stale_delete.status, 412);
    assert_eq!(
        scim.send("DELETE", &format!("/Users/{id}"), None)
            .await
            .status,
        204
    );
    assert_eq!(scim.get(&format!("/Users/{id}")).await.status, 404);
}

#[tokio::test]
async fn groups_refuse_unknown_members_and_duplicate_names() {
    let (scim, _) = support::start().await;
    let r = scim
        .send(
            "POST",
            "/Groups",
            Some(json!({"displayName": "G", "members": [{"value": "nobody"}]})),
        )
        .await;
    assert_eq!(
        (r.status, r.body["scimType"].clone()),
        (400, json!("invalidValue"))
    );
    assert!(r.body["detail"].as_str().unwrap().contains("nobody"));
    assert_eq!(
        scim.send("POST", "/Groups", Some(json!({"displayName": "G"})))
            .await
            .status,
        201
    );
    let dup = scim
        .send("POST", "/Groups", Some(json!({"displayName": "g"})))
        .await;
    assert_eq!(
        (dup.status, dup.body["scimType"].clone()),
        (409, json!("uniqueness"))
    );
}

#[tokio::test]
async fn a_custom_base_path_and_public_url_shape_locations() {
    let provider = Arc::new(InMemoryProvider::new());
    let server = support::builder(provider)
        .base_path("/tenants/acme/scim")
        .public_url("https://hr.example.com/tenants/acme/scim")
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, server.router()).await.unwrap() });
    let client = reqwest::Client::new();
    let r = client
        .post(format!("http://{addr}/tenants/acme/scim/Users"))
        .header("Authorization", format!("Bearer {}", support::TOKEN))
        .header("Content-Type", "application/scim+json")
        .body(r#"{"userName":"loc@example.com"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let loc = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        loc.starts_with("https://hr.example.com/tenants/acme/scim/Users/"),
        "{loc}"
    );
    let other = client
        .get(format!("http://{addr}/scim/v2/Users"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
}

#[tokio::test]
async fn extension_attributes_marked_never_are_not_returned_without_asking() {
    use okta_scim::schema::{Attribute, AttributeType, ResourceSchema, Returned, Schema};
    let ext = Schema::new("urn:example:hr:1.0:User", "HR")
        .with_attribute(Attribute::new("badge", AttributeType::String))
        .with_attribute(
            Attribute::new("pin", AttributeType::String).with_returned(Returned::Never),
        );
    let schema = ResourceSchema::user().with_extension(ext, false);
    let provider = Arc::new(InMemoryProvider::new().with_user_schema(schema.clone()));
    let scim = support::serve(
        support::builder(provider)
            .user_schema(schema)
            .build()
            .unwrap(),
    )
    .await;
    let r = scim
        .send("POST", "/Users", Some(json!({"userName": "h@example.com", "urn:example:hr:1.0:User": {"badge": "B7", "pin": "1234"}})))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["urn:example:hr:1.0:User"], json!({"badge": "B7"}));
    let listed = scim.get("/Users").await;
    assert_eq!(
        listed.body["Resources"][0]["urn:example:hr:1.0:User"],
        json!({"badge": "B7"})
    );
    let f = scim
        .get("/Users?filter=urn:example:hr:1.0:User:badge%20eq%20%22b7%22")
        .await;
    assert_eq!(f.body["totalResults"], 1, "{}", f.body);
}
