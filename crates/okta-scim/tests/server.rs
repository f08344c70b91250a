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

#[tokio::test]
async fn head_requests_answer_like_get_without_a_body() {
    let (scim, provider) = support::start().await;
    let id = support::seed(&provider).await.id.unwrap();
    let get = scim.get(&format!("/Users/{id}")).await;
    let head = scim.send("HEAD", &format!("/Users/{id}"), None).await;
    assert_eq!(head.status, 200);
    assert_eq!(head.body, serde_json::Value::Null);
    assert_eq!(head.header("etag"), get.header("etag"));
    assert_eq!(head.header("content-type"), Some("application/scim+json"));
    assert_eq!(scim.send("HEAD", "/Users", None).await.status, 200);
    assert_eq!(scim.send("HEAD", "/Users/nobody", None).await.status, 404);
}

#[tokio::test]
async fn method_not_allowed_names_the_allowed_methods() {
    let (scim, _) = support::start().await;
    let r = scim
        .send("PUT", "/ServiceProviderConfig", Some(json!({})))
        .await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, HEAD"));
    let r = scim.send("DELETE", "/Users", None).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, HEAD, POST"));
    let r = scim.get("/Users/.search").await;
    assert_eq!((r.status, r.header("allow")), (405, Some("POST")));
}

#[tokio::test]
async fn if_match_and_if_none_match_accept_lists_and_compare_weakly() {
    let (scim, _) = support::start().await;
    let r = scim
        .send(
            "POST",
            "/Users",
            Some(json!({"userName": "list@example.com"})),
        )
        .await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    let path = format!("/Users/{id}");
    // If-None-Match uses the weak comparison: "1" matches W/"1".
    for tag in ["\"1\"", "W/\"7\", W/\"1\"", "*"] {
        let r = scim
            .send_with("GET", &path, None, &[("If-None-Match", tag)])
            .await;
        assert_eq!(r.status, 304, "{tag}");
    }
    let put = json!({"userName": "list@example.com", "title": "T"});
    let r = scim
        .send_with(
            "PUT",
            &path,
            Some(put.clone()),
            &[("If-Match", "W/\"9\", W/\"1\"")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "title", "value": "U"}]});
    let r = scim
        .send_with(
            "PATCH",
            &path,
            Some(p.clone()),
            &[("If-Match", "W/\"1\" , W/\"2\"")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = scim
        .send_with("PATCH", &path, Some(p), &[("If-Match", "W/\"1\", W/\"2\"")])
        .await;
    assert_eq!(r.status, 412, "{}", r.body);
    let r = scim
        .send_with("DELETE", &path, None, &[("If-Match", "W/\"8\", W/\"3\"")])
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
}

#[tokio::test]
async fn bad_query_parameters_are_refused_before_any_write() {
    let (scim, _) = support::start().await;
    let r = scim
        .send(
            "POST",
            "/Users?attributes=userName,bad%20path",
            Some(json!({"userName": "early@example.com"})),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(
        scim.get("/Users").await.body["totalResults"],
        0,
        "a refused request must not have created the user"
    );
}

#[tokio::test]
async fn huge_start_index_and_count_saturate_instead_of_failing() {
    let (scim, provider) = support::start().await;
    support::seed(&provider).await;
    let r = scim
        .get("/Users?startIndex=99999999999999999999999&count=5")
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (
            r.body["totalResults"].clone(),
            r.body["itemsPerPage"].clone()
        ),
        (json!(1), json!(0))
    );
    let r = scim
        .get("/Users?startIndex=1&count=99999999999999999999999")
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["itemsPerPage"], 1);
    let r = scim.get("/Users?count=-99999999999999999999999").await;
    assert_eq!((r.status, r.body["itemsPerPage"].clone()), (200, json!(0)));
    let r = scim
        .send(
            "POST",
            "/Users/.search",
            Some(json!({"startIndex": 18446744073709551615u64, "count": 18446744073709551615u64})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["itemsPerPage"], 0);
}

#[tokio::test]
async fn a_user_version_changes_when_its_groups_change() {
    let (scim, provider) = support::start().await;
    let id = support::seed(&provider).await.id.unwrap();
    let path = format!("/Users/{id}");
    let before = scim.get(&path).await;
    let tag = before.header("etag").unwrap().to_owned();
    let g = scim
        .send(
            "POST",
            "/Groups",
            Some(json!({"displayName": "Sales", "members": [{"value": id.as_str()}]})),
        )
        .await;
    assert_eq!(g.status, 201, "{}", g.body);
    let after = scim
        .send_with("GET", &path, None, &[("If-None-Match", &tag)])
        .await;
    assert_eq!(
        after.status, 200,
        "groups changed, so the cached copy is stale"
    );
    assert_eq!(after.body["groups"][0]["display"], "Sales");
    assert_ne!(after.header("etag"), Some(tag.as_str()));
}

#[tokio::test]
async fn request_bodies_without_content_length_are_still_limited() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let provider = Arc::new(InMemoryProvider::new());
    let scim = support::serve(
        support::builder(provider.clone())
            .max_body_bytes(256)
            .build()
            .unwrap(),
    )
    .await;
    let authority = scim
        .base
        .trim_start_matches("http://")
        .trim_end_matches("/scim/v2")
        .to_owned();
    let mut s = tokio::net::TcpStream::connect(&authority).await.unwrap();
    let head = format!(
        "POST /scim/v2/Users HTTP/1.1\r\nHost: {authority}\r\nAuthorization: {}\r\nContent-Type: application/scim+json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        scim.auth
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let body = format!(
        "{{\"userName\": \"chunked@example.com\", \"title\": \"{}\"}}",
        "x".repeat(1000)
    );
    for chunk in body.as_bytes().chunks(100) {
        s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await
            .unwrap();
        s.write_all(chunk).await.unwrap();
        s.write_all(b"\r\n").await.unwrap();
    }
    s.write_all(b"0\r\n\r\n").await.unwrap();
    let mut response = Vec::new();
    let _ = s.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert_eq!(provider.user_count(), 0);
}

#[tokio::test]
async fn authorization_scheme_is_case_insensitive_and_tolerates_extra_spaces() {
    let (scim, _) = support::start().await;
    for auth in [
        format!("bearer {}", support::TOKEN),
        format!("BEARER   {}", support::TOKEN),
        support::basic_header().replace("Basic", "basic"),
    ] {
        let r = scim
            .send_with("GET", "/Users", None, &[("Authorization", &auth)])
            .await;
        assert_eq!(r.status, 200, "{auth:?}");
    }
    for auth in [
        format!("Bearer{}", support::TOKEN),
        format!("Bearer {} extra", support::TOKEN),
        format!("Token {}", support::TOKEN),
    ] {
        let r = scim
            .send_with("GET", "/Users", None, &[("Authorization", &auth)])
            .await;
        assert_eq!(r.status, 401, "{auth:?}");
    }
}

#[tokio::test]
async fn root_search_pages_across_users_then_groups() {
    let (scim, _) = support::start().await;
    for u in ["u1@example.com", "u2@example.com"] {
        assert_eq!(
            scim.send("POST", "/Users", Some(json!({"userName": u})))
                .await
                .status,
            201
        );
    }
    for g in ["G1", "G2"] {
        assert_eq!(
            scim.send("POST", "/Groups", Some(json!({"displayName": g})))
                .await
                .status,
            201
        );
    }
    let page = |start: u64, count: u64| {
        let scim = &scim;
        async move {
            let r = scim
                .send(
                    "POST",
                    "/.search",
                    Some(json!({"startIndex": start, "count": count})),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            let names: Vec<String> = r.body["Resources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| {
                    x.get("userName")
                        .or_else(|| x.get("displayName"))
                        .unwrap()
                        .as_str()
                        .unwrap()
                        .to_owned()
                })
                .collect();
            assert_eq!(r.body["totalResults"], 4);
            assert_eq!(r.body["itemsPerPage"], names.len());
            names
        }
    };
    assert_eq!(page(2, 2).await, vec!["u2@example.com", "G1"]);
    assert_eq!(page(3, 5).await, vec!["G1", "G2"]);
    assert_eq!(page(5, 5).await, Vec::<String>::new());
    assert_eq!(page(1, 0).await, Vec::<String>::new());
}

#[tokio::test]
async fn group_membership_follows_user_deletion_and_group_renames_over_http() {
    let (scim, _) = support::start().await;
    let u = scim
        .send("POST", "/Users", Some(json!({"userName": "m@example.com"})))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let g = scim
        .send(
            "POST",
            "/Groups",
            Some(json!({"displayName": "Old", "members": [{"value": u}]})),
        )
        .await;
    assert_eq!(g.status, 201, "{}", g.body);
    let gid = g.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        g.header("location"),
        g.body["meta"]["location"].as_str(),
        "Location is meta.location"
    );
    assert_eq!(g.header("etag"), g.body["meta"]["version"].as_str());
    let r = scim
        .send(
            "PUT",
            &format!("/Groups/{gid}"),
            Some(json!({"displayName": "New", "members": [{"value": u}]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let user = scim.get(&format!("/Users/{u}")).await;
    assert_eq!(user.body["groups"][0]["display"], "New");
    assert_eq!(
        scim.send("DELETE", &format!("/Users/{u}"), None)
            .await
            .status,
        204
    );
    let g = scim.get(&format!("/Groups/{gid}")).await;
    assert_eq!(g.body["members"], json!([]));
    assert_eq!(g.body["meta"]["version"], "W/\"3\"");
}

#[tokio::test]
async fn ids_in_paths_are_percent_decoded_and_plus_stays_literal() {
    let (scim, provider) = support::start().await;
    let id = support::seed(&provider).await.id.unwrap();
    let encoded: String = id
        .as_str()
        .chars()
        .map(|c| {
            if c == '-' {
                "%2D".to_owned()
            } else {
                c.to_string()
            }
        })
        .collect();
    assert_eq!(scim.get(&format!("/Users/{encoded}")).await.status, 200);
    assert_eq!(scim.get(&format!("/Users/{id}+")).await.status, 404);
    assert_eq!(scim.get("/Users/%FF%FE").await.status, 404);
}

#[tokio::test]
async fn empty_user_names_and_group_names_are_refused() {
    let (scim, _) = support::start().await;
    for body in [
        json!({"userName": ""}),
        json!({"userName": "   "}),
        json!({}),
        json!({"userName": null}),
    ] {
        let r = scim.send("POST", "/Users", Some(body.clone())).await;
        assert_eq!(r.status, 400, "{body} -> {}", r.body);
    }
    for body in [json!({"displayName": ""}), json!({"members": []})] {
        let r = scim.send("POST", "/Groups", Some(body.clone())).await;
        assert_eq!(r.status, 400, "{body} -> {}", r.body);
    }
    assert_eq!(scim.get("/Users").await.body["totalResults"], 0);
}

#[tokio::test]
async fn basic_credentials_without_base64_padding_are_accepted() {
    use base64::Engine;
    let server = ScimServer::builder(Arc::new(InMemoryProvider::new()))
        .credential(Credential::basic(
            "okta",
            "pass1".to_owned().into(),
            Access::ReadWrite,
        ))
        .build()
        .unwrap();
    let scim = support::serve(server).await;
    let padded = base64::engine::general_purpose::STANDARD.encode("okta:pass1");
    assert!(padded.ends_with("=="), "{padded}");
    for form in [padded.clone(), padded.trim_end_matches('=').to_owned()] {
        let auth = format!("Basic {form}");
        assert_eq!(
            scim.send_with("GET", "/Users", None, &[("Authorization", &auth)])
                .await
                .status,
            200,
            "{auth}"
        );
    }
    let wrong = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode("okta:pass2")
    );
    assert_eq!(
        scim.send_with("GET", "/Users", None, &[("Authorization", &wrong)])
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn member_display_follows_a_user_rename_only_when_it_showed_the_old_name() {
    let (scim, _) = support::start().await;
    let a = scim
        .send(
            "POST",
            "/Users",
            Some(json!({"userName": "ann@example.com"})),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = scim
        .send(
            "POST",
            "/Users",
            Some(json!({"userName": "bob@example.com"})),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let g = scim
        .send("POST", "/Groups", Some(json!({"displayName": "G", "members": [
            {"value": a, "display": "ann@example.com"}, {"value": b, "display": "Bob the builder"}]})))
        .await;
    let gid = g.body["id"].as_str().unwrap().to_owned();
    let version = g.body["meta"]["version"].clone();
    for (id, new) in [(&a, "anna@example.com"), (&b, "robert@example.com")] {
        let mut u = scim.get(&format!("/Users/{id}")).await.body;
        u["userName"] = json!(new);
        assert_eq!(
            scim.send("PUT", &format!("/Users/{id}"), Some(u))
                .await
                .status,
            200
        );
    }
    let g = scim.get(&format!("/Groups/{gid}")).await.body;
    let display = |id: &str| {
        g["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["value"] == id)
            .unwrap()["display"]
            .clone()
    };
    assert_eq!(display(&a), json!("anna@example.com"));
    assert_eq!(
        display(&b),
        json!("Bob the builder"),
        "a label the client chose stays"
    );
    assert_ne!(
        g["meta"]["version"], version,
        "the group changed, so its version moved"
    );
}

#[tokio::test]
async fn a_group_extension_schema_is_served_and_filterable() {
    use okta_scim::schema::{Attribute, AttributeType, ResourceSchema, Schema};
    let ext = Schema::new("urn:example:hr:1.0:Group", "HRGroup")
        .with_attribute(Attribute::new("costCenter", AttributeType::String));
    let server = support::builder(Arc::new(InMemoryProvider::new()))
        .group_schema(ResourceSchema::group().with_extension(ext, false))
        .build()
        .unwrap();
    let scim = support::serve(server).await;
    let r = scim.send("POST", "/Groups", Some(json!({"displayName": "Finance", "urn:example:hr:1.0:Group": {"COSTCENTER": "CC-7"}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.body["urn:example:hr:1.0:Group"],
        json!({"costCenter": "CC-7"}),
        "key case fixed by the declared schema"
    );
    assert_eq!(scim.get("/Schemas").await.body["totalResults"], 4);
    assert_eq!(
        scim.get("/ResourceTypes/Group").await.body["schemaExtensions"][0]["schema"],
        "urn:example:hr:1.0:Group"
    );
    let f = scim
        .get("/Groups?filter=urn:example:hr:1.0:Group:costCenter%20eq%20%22cc-7%22")
        .await;
    assert_eq!(f.body["totalResults"], 1, "{}", f.body);
}
