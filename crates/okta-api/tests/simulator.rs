//! End-to-end tests of the Okta simulator over plain HTTP (reqwest), not the client.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use okta_api::simulator::{Fault, OktaSimulator, RunningSimulator, SimulatorBuilder};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOKEN: &str = "test-token-123";

struct Org {
    sim: RunningSimulator,
    http: reqwest::Client,
}

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Value,
    text: String,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["errorCode"].as_str().unwrap_or("")
    }

    fn links(&self) -> Vec<String> {
        self.headers
            .get_all("link")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    fn next(&self) -> Option<String> {
        self.links()
            .iter()
            .find(|l| l.ends_with("rel=\"next\""))
            .map(|l| {
                l.trim_start_matches('<')
                    .split('>')
                    .next()
                    .unwrap()
                    .to_owned()
            })
    }
}

async fn start(builder: SimulatorBuilder) -> Org {
    let sim = builder.api_token(TOKEN).start().await.unwrap();
    Org {
        sim,
        http: reqwest::Client::new(),
    }
}

impl Org {
    async fn raw(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
            text,
        }
    }

    fn request(&self, method: &str, path: &str) -> reqwest::RequestBuilder {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.sim.url())
        };
        self.http
            .request(method.parse().unwrap(), url)
            .header("authorization", format!("SSWS {TOKEN}"))
            .header("accept", "application/json")
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let mut request = self.request(method, path);
        request = match body {
            Some(body) => request
                .header("content-type", "application/json")
                .body(body.to_string()),
            None if method == "POST" || method == "PUT" => {
                request.header("content-length", "0").body("")
            }
            None => request,
        };
        self.raw(request).await
    }

    async fn get(&self, path: &str) -> Answer {
        self.call("GET", path, None).await
    }

    async fn create(&self, login: &str, query: &str, extra: Value) -> Value {
        let mut body = json!({"profile": profile(login)});
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in extra {
                body.insert(k.clone(), v.clone());
            }
        }
        let answer = self
            .call("POST", &format!("/api/v1/users{query}"), Some(body))
            .await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer.body
    }

    async fn lifecycle(&self, id: &str, op: &str) -> Answer {
        self.call("POST", &format!("/api/v1/users/{id}/lifecycle/{op}"), None)
            .await
    }

    async fn status(&self, id: &str) -> String {
        self.get(&format!("/api/v1/users/{id}")).await.body["status"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn logins(&self, path: &str) -> Vec<String> {
        let answer = self.get(path).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.text);
        answer
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["profile"]["login"].as_str().unwrap().to_owned())
            .collect()
    }
}

fn profile(login: &str) -> Value {
    let first = login.split('@').next().unwrap();
    json!({"login": login, "email": login, "firstName": first, "lastName": "Tester"})
}

fn password() -> Value {
    json!({"credentials": {"password": {"value": "Tr0ub4dor&3xyz"}}})
}

#[tokio::test]
async fn authentication_accepts_ssws_with_and_without_space() {
    let org = start(OktaSimulator::builder()).await;
    let url = format!("{}/api/v1/users", org.sim.url());
    for value in [format!("SSWS {TOKEN}"), format!("SSWS{TOKEN}")] {
        let answer = org
            .raw(org.http.get(&url).header("authorization", value))
            .await;
        assert_eq!(answer.status, 200);
    }
    for value in [None, Some("SSWS wrong"), Some("Bearer nope"), Some("SSWS")] {
        let mut request = org.http.get(&url);
        if let Some(value) = value {
            request = request.header("authorization", value);
        }
        let answer = org.raw(request).await;
        assert_eq!(answer.status, 401);
        assert_eq!(answer.code(), "E0000011");
        assert_eq!(answer.body["errorSummary"], "Invalid token provided");
        assert_eq!(answer.body["errorLink"], "E0000011");
        assert!(answer.body["errorId"].as_str().unwrap().len() > 5);
        assert_eq!(answer.body["errorCauses"], json!([]));
        for header in [
            "x-okta-request-id",
            "x-rate-limit-limit",
            "x-rate-limit-remaining",
            "x-rate-limit-reset",
            "date",
        ] {
            assert!(answer.headers.contains_key(header), "{header}");
        }
    }
    // A generated token when none is configured.
    let generated = OktaSimulator::builder().build().unwrap();
    assert!(generated.token().len() >= 40);
}

#[tokio::test]
async fn create_get_and_validation() {
    let org = start(OktaSimulator::builder()).await;
    let user = org
        .create("Ada.Lovelace@example.com", "?activate=false", password())
        .await;
    let id = user["id"].as_str().unwrap();
    assert!(id.starts_with("00u") && id.len() == 20);
    assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(user["status"], "STAGED");
    assert_eq!(user["activated"], Value::Null);
    assert_eq!(user["credentials"]["provider"]["type"], "OKTA");
    assert_eq!(user["credentials"]["password"], json!({}));
    assert!(!user.to_string().contains("Tr0ub4dor"));
    assert!(user["type"]["id"].as_str().unwrap().starts_with("oty"));
    let created = user["created"].as_str().unwrap();
    assert_eq!(created.len(), 24, "{created}");
    assert!(created.ends_with('Z'));
    assert_eq!(
        user["_links"]["self"]["href"],
        format!("{}/api/v1/users/{id}", org.sim.url())
    );

    // By id and by URL-encoded login, case-insensitively, with an ETag.
    for key in [id, "ada.lovelace%40example.com", "ADA.LOVELACE@EXAMPLE.COM"] {
        let answer = org.get(&format!("/api/v1/users/{key}")).await;
        assert_eq!(answer.status, 200, "{key}");
        assert_eq!(answer.body["id"], id);
        assert!(answer.headers.contains_key("etag"));
    }

    // Duplicate login, case-insensitively.
    let answer = org
        .call(
            "POST",
            "/api/v1/users?activate=false",
            Some(json!({"profile": profile("ADA.lovelace@example.com")})),
        )
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.code(), "E0000001");
    assert_eq!(answer.body["errorSummary"], "Api validation failed: login");
    assert_eq!(
        answer.body["errorCauses"],
        json!([{"errorSummary": "login: An object with this field already exists in the current organization"}])
    );

    // Required fields.
    let answer = org
        .call(
            "POST",
            "/api/v1/users",
            Some(json!({"profile": {"login": "x@example.com", "firstName": ""}})),
        )
        .await;
    assert_eq!(answer.code(), "E0000001");
    let causes: Vec<&str> = answer.body["errorCauses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["errorSummary"].as_str().unwrap())
        .collect();
    assert!(causes.contains(&"email: The field cannot be left blank"));
    assert!(causes.contains(&"firstName: The field cannot be left blank"));
    assert!(causes.contains(&"lastName: The field cannot be left blank"));

    // Unknown property.
    let mut body = json!({"profile": profile("z@example.com")});
    body["profile"]["shoeSize"] = json!(44);
    let answer = org.call("POST", "/api/v1/users", Some(body)).await;
    assert_eq!(answer.code(), "E0000001");
    assert_eq!(
        answer.body["errorCauses"][0]["errorSummary"],
        "Property name 'shoeSize' is not defined in profile"
    );

    // Malformed JSON, wrong shapes, unicode.
    let answer = org
        .raw(
            org.request("POST", "/api/v1/users")
                .header("content-type", "application/json")
                .body("{\"profile\":"),
        )
        .await;
    assert_eq!((answer.status, answer.code()), (400, "E0000003"));
    let answer = org.call("POST", "/api/v1/users", Some(json!([1, 2]))).await;
    assert_eq!((answer.status, answer.code()), (400, "E0000003"));
    let user = org.create("zoë.ñandú@exämple.com", "", json!({})).await;
    assert_eq!(user["status"], "PROVISIONED");
    let answer = org
        .get("/api/v1/users/zo%C3%AB.%C3%B1and%C3%BA%40ex%C3%A4mple.com")
        .await;
    assert_eq!(answer.status, 200);
    let answer = org.get("/api/v1/users/00unope").await;
    assert_eq!((answer.status, answer.code()), (404, "E0000007"));
    assert_eq!(
        answer.body["errorSummary"],
        "Not found: Resource not found: 00unope (User)"
    );
}

#[tokio::test]
async fn create_statuses_and_updates() {
    let org = start(OktaSimulator::builder()).await;
    let with_password = org
        .create("a@example.com", "?activate=true", password())
        .await;
    assert_eq!(with_password["status"], "ACTIVE");
    let without = org.create("b@example.com", "", json!({})).await;
    assert_eq!(without["status"], "PROVISIONED");
    let federated = org
        .create(
            "c@example.com",
            "?provider=true",
            json!({"credentials": {"provider": {"type": "FEDERATION", "name": "FEDERATION"}}}),
        )
        .await;
    assert_eq!(federated["status"], "ACTIVE");
    assert_eq!(federated["credentials"]["provider"]["type"], "FEDERATION");
    let expired = org
        .call(
            "POST",
            "/api/v1/users?activate=false&nextLogin=changePassword",
            Some(json!({"profile": profile("d@example.com")})),
        )
        .await;
    assert_eq!(expired.code(), "E0000125");
    let expired = org
        .call(
            "POST",
            "/api/v1/users?activate=true&nextLogin=changePassword",
            Some(json!({"profile": profile("d@example.com")})),
        )
        .await;
    assert_eq!(expired.code(), "E0000124");

    // Partial update merges, full replace drops what is not sent.
    let id = with_password["id"].as_str().unwrap();
    let answer = org
        .call(
            "POST",
            &format!("/api/v1/users/{id}"),
            Some(json!({"profile": {"mobilePhone": "555-1234", "firstName": "Alice"}})),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["profile"]["firstName"], "Alice");
    assert_eq!(answer.body["profile"]["lastName"], "Tester");
    assert_eq!(answer.body["profile"]["mobilePhone"], "555-1234");
    let answer = org
        .call(
            "PUT",
            &format!("/api/v1/users/{id}"),
            Some(json!({"profile": profile("a@example.com")})),
        )
        .await;
    assert_eq!(answer.status, 200);
    assert!(answer.body["profile"].get("mobilePhone").is_none());
    assert_eq!(answer.body["profile"]["firstName"], "a");
    // Changing the login to one taken fails; the user's own login is fine.
    let answer = org
        .call(
            "POST",
            &format!("/api/v1/users/{id}"),
            Some(json!({"profile": {"login": "B@example.com"}})),
        )
        .await;
    assert_eq!(answer.code(), "E0000001");
    let answer = org
        .call(
            "PUT",
            &format!("/api/v1/users/{id}"),
            Some(json!({"profile": {"login": "a@example.com"}})),
        )
        .await;
    assert_eq!(answer.code(), "E0000001", "PUT without required fields");
}

#[tokio::test]
async fn lifecycle_transitions_legal_and_illegal() {
    let org = start(OktaSimulator::builder()).await;
    let staged = org
        .create("s@example.com", "?activate=false", json!({}))
        .await;
    let s = staged["id"].as_str().unwrap();
    // From STAGED: suspend/unsuspend are E0000001 (400); reactivate E0000038; unlock E0000032.
    for (op, status, code) in [
        ("suspend", 400, "E0000001"),
        ("unsuspend", 400, "E0000001"),
        ("reactivate", 403, "E0000038"),
        ("unlock", 403, "E0000032"),
    ] {
        let answer = org.lifecycle(s, op).await;
        assert_eq!((answer.status, answer.code()), (status, code), "{op}");
    }
    // STAGED → activate (no password, sendEmail=false) → PROVISIONED with a token.
    let answer = org
        .call(
            "POST",
            &format!("/api/v1/users/{s}/lifecycle/activate?sendEmail=false"),
            None,
        )
        .await;
    assert_eq!(answer.status, 200);
    let token = answer.body["activationToken"].as_str().unwrap();
    assert_eq!(
        answer.body["activationUrl"],
        format!("{}/tokens/{token}/verify", org.sim.url())
    );
    assert_eq!(org.status(s).await, "PROVISIONED");
    let answer = org.lifecycle(s, "activate").await;
    assert_eq!((answer.status, answer.code()), (403, "E0000038"));
    let answer = org.lifecycle(s, "reactivate").await;
    assert_eq!(answer.status, 200);
    assert!(answer.body["activationToken"].is_string());
    assert_eq!(org.status(s).await, "PROVISIONED");

    // ACTIVE (password) → activate again is E0000016 → suspend → unsuspend.
    let active = org.create("p@example.com", "", password()).await;
    let a = active["id"].as_str().unwrap();
    assert_eq!(active["status"], "ACTIVE");
    let answer = org.lifecycle(a, "activate").await;
    assert_eq!((answer.status, answer.code()), (403, "E0000016"));
    assert_eq!(
        answer.body["errorSummary"],
        "Activation failed because the user is already active"
    );
    let answer = org.lifecycle(a, "unsuspend").await;
    assert_eq!((answer.status, answer.code()), (400, "E0000001"));
    let answer = org.lifecycle(a, "suspend").await;
    assert_eq!((answer.status, answer.text.as_str()), (200, ""));
    assert_eq!(org.status(a).await, "SUSPENDED");
    for (op, status, code) in [
        ("suspend", 400, "E0000001"),
        ("activate", 403, "E0000038"),
        ("reactivate", 403, "E0000038"),
    ] {
        let answer = org.lifecycle(a, op).await;
        assert_eq!((answer.status, answer.code()), (status, code), "{op}");
    }
    assert_eq!(org.lifecycle(a, "unsuspend").await.status, 200);
    assert_eq!(org.status(a).await, "ACTIVE");

    // LOCKED_OUT → unlock; RECOVERY → reactivate.
    org.sim.set_user_status(a, "LOCKED_OUT").unwrap();
    assert_eq!(org.lifecycle(a, "unlock").await.status, 200);
    assert_eq!(org.status(a).await, "ACTIVE");
    org.sim.set_user_status(a, "RECOVERY").unwrap();
    assert_eq!(org.lifecycle(a, "reactivate").await.status, 200);
    assert_eq!(org.status(a).await, "PROVISIONED");

    // Deactivate from anything but DEPROVISIONED, then activate again (rehire).
    let answer = org.lifecycle(a, "deactivate").await;
    assert_eq!((answer.status, answer.text.as_str()), (200, ""));
    assert_eq!(org.status(a).await, "DEPROVISIONED");
    for (op, status, code) in [
        ("deactivate", 403, "E0000038"),
        ("suspend", 400, "E0000001"),
        ("unsuspend", 400, "E0000001"),
        ("reactivate", 403, "E0000038"),
        ("unlock", 403, "E0000032"),
    ] {
        let answer = org.lifecycle(a, op).await;
        assert_eq!((answer.status, answer.code()), (status, code), "{op}");
    }
    let answer = org.lifecycle(a, "activate").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, json!({}), "sendEmail defaults to true");
    // Deactivation wiped the password: the user must finish activation again.
    assert_eq!(org.status(a).await, "PROVISIONED");
    let answer = org.lifecycle("00unknown", "activate").await;
    assert_eq!((answer.status, answer.code()), (404, "E0000007"));
    let answer = org.lifecycle(a, "explode").await;
    assert_eq!(answer.status, 404);
}

#[tokio::test]
async fn delete_is_two_steps() {
    let org = start(OktaSimulator::builder()).await;
    let user = org.create("gone@example.com", "", password()).await;
    let id = user["id"].as_str().unwrap();
    let path = format!("/api/v1/users/{id}");
    let answer = org.call("DELETE", &path, None).await;
    assert_eq!(answer.status, 204);
    assert_eq!(org.status(id).await, "DEPROVISIONED");
    let answer = org.call("DELETE", &path, None).await;
    assert_eq!(answer.status, 204);
    let answer = org.get(&path).await;
    assert_eq!((answer.status, answer.code()), (404, "E0000007"));
    assert_eq!(
        answer.body["errorSummary"],
        format!("Not found: Resource not found: {id} (User)")
    );
    assert_eq!(org.call("DELETE", &path, None).await.status, 404);
    // The login is free again.
    org.create("gone@example.com", "", json!({})).await;
}

#[tokio::test]
async fn paging_follows_separate_link_headers() {
    let public = url::Url::parse("https://acme.okta.example/").unwrap();
    let org = start(
        OktaSimulator::builder()
            .generated_users(25)
            .public_url(public),
    )
    .await;
    let mut url = format!("{}/api/v1/users?limit=10", org.sim.url());
    let mut pages = Vec::new();
    loop {
        let answer = org.get(&url).await;
        assert_eq!(answer.status, 200);
        let links = answer.links();
        assert!(links.len() == 1 || links.len() == 2, "{links:?}");
        assert!(links[0].starts_with("<https://acme.okta.example/api/v1/users?"));
        assert!(links[0].ends_with("; rel=\"self\""));
        pages.push(answer.body.as_array().unwrap().len());
        match answer.next() {
            // Behind the proxy: swap the public origin for the bound one.
            Some(next) => {
                assert!(next.contains("after=00u") && next.contains("limit=10"));
                url = next.replace("https://acme.okta.example", org.sim.url());
            }
            None => break,
        }
    }
    assert_eq!(pages, vec![10, 10, 5]);
    // Default limit and cap.
    let answer = org.get("/api/v1/users?limit=100000").await;
    assert_eq!(answer.body.as_array().unwrap().len(), 25);
    assert_eq!(answer.links().len(), 1);
    let answer = org.get("/api/v1/users?limit=abc").await;
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn user_page_limits_cap_at_200() {
    let org = start(OktaSimulator::builder().generated_users(450)).await;
    let answer = org.get("/api/v1/users").await;
    assert_eq!(answer.body.as_array().unwrap().len(), 200);
    let answer = org.get("/api/v1/users?limit=1000").await;
    assert_eq!(answer.body.as_array().unwrap().len(), 200);
    let mut seen = 0;
    let mut next = Some(format!("{}/api/v1/users", org.sim.url()));
    while let Some(url) = next {
        let answer = org.get(&url).await;
        seen += answer.body.as_array().unwrap().len();
        next = answer.next();
    }
    assert_eq!(seen, 450);
}

#[tokio::test]
async fn filter_search_and_q() {
    let org = start(OktaSimulator::builder()).await;
    let ada = org.create("ada@example.com", "", password()).await;
    let bob = org
        .create("bob@example.com", "?activate=false", json!({}))
        .await;
    let cy = org.create("cy@example.com", "", password()).await;
    org.lifecycle(cy["id"].as_str().unwrap(), "deactivate")
        .await;

    // No parameters: DEPROVISIONED omitted.
    assert_eq!(
        org.logins("/api/v1/users").await,
        ["ada@example.com", "bob@example.com"]
    );
    // filter: exact values, DEPROVISIONED included.
    assert_eq!(
        org.logins("/api/v1/users?filter=status+eq+%22DEPROVISIONED%22")
            .await,
        ["cy@example.com"]
    );
    assert!(
        org.logins("/api/v1/users?filter=status%20eq%20%22active%22")
            .await
            .is_empty(),
        "filter values are case-sensitive"
    );
    let f = format!(
        "/api/v1/users?filter=id+eq+%22{}%22+or+profile.login+eq+%22bob@example.com%22",
        ada["id"].as_str().unwrap()
    );
    assert_eq!(org.logins(&f).await, ["ada@example.com", "bob@example.com"]);
    assert_eq!(
        org.logins("/api/v1/users?filter=lastUpdated+gt+%222000-01-01T00:00:00.000Z%22")
            .await
            .len(),
        3
    );
    let answer = org
        .get("/api/v1/users?filter=profile.city+eq+%22x%22")
        .await;
    assert_eq!((answer.status, answer.code()), (400, "E0000094"));
    let answer = org.get("/api/v1/users?filter=status+co+%22A%22").await;
    assert_eq!(answer.code(), "E0000094");
    // search: case-insensitive values, DEPROVISIONED included, sw/co, parentheses.
    assert_eq!(
        org.logins("/api/v1/users?search=status+eq+%22active%22")
            .await,
        ["ada@example.com"]
    );
    assert_eq!(
        org.logins("/api/v1/users?search=profile.login+sw+%22C%22")
            .await,
        ["cy@example.com"]
    );
    assert_eq!(
        org.logins("/api/v1/users?search=(status+lt+%22STAGED%22+or+status+gt+%22STAGED%22)+and+profile.email+co+%22example%22")
            .await,
        ["ada@example.com", "cy@example.com"]
    );
    assert_eq!(
        org.logins("/api/v1/users?search=profile.lastName+eq+%22tester%22&sortBy=profile.login&sortOrder=desc")
            .await,
        ["cy@example.com", "bob@example.com", "ada@example.com"]
    );
    for bad in [
        "status+eq",
        "status+eq+%22A%22+and",
        "profile.city+co+%22x%22",
        "profile.nope+eq+%22x%22",
        "(status+eq+%22A%22",
    ] {
        let answer = org.get(&format!("/api/v1/users?search={bad}")).await;
        assert_eq!((answer.status, answer.code()), (400, "E0000031"), "{bad}");
    }
    let answer = org
        .get("/api/v1/users?search=status+eq+%22A%22&filter=status+eq+%22A%22")
        .await;
    assert_eq!(answer.code(), "E0000033");
    // q: startsWith on names and email, DEPROVISIONED excluded, no paging.
    assert_eq!(org.logins("/api/v1/users?q=b").await, ["bob@example.com"]);
    assert!(org.logins("/api/v1/users?q=cy").await.is_empty());
    // `q=t` matches ada and bob (last name Tester): `limit=1` cuts it to one, and there are
    // no links at all, as `q` cannot be paged.
    assert_eq!(org.logins("/api/v1/users?q=t").await.len(), 2);
    let answer = org.get("/api/v1/users?q=t&limit=1").await;
    assert_eq!(answer.body.as_array().unwrap().len(), 1);
    assert!(answer.next().is_none());
    assert!(answer.links().is_empty());
    // Next to `search=`, `q=` is ignored and the search pages.
    let answer = org
        .get("/api/v1/users?search=profile.lastName+eq+%22Tester%22&q=zzz&limit=1")
        .await;
    assert_eq!(answer.body.as_array().unwrap().len(), 1);
    assert!(answer.next().is_some(), "{:?}", answer.links());
    let _ = bob;
}

#[tokio::test]
async fn indexed_search_on_a_large_org() {
    let started = Instant::now();
    let sim = OktaSimulator::builder()
        .generated_users(100_000)
        .build()
        .unwrap();
    assert_eq!(sim.user_count(), 100_000);
    // Debug builds are slower; the release benchmark checks the real budget.
    assert!(started.elapsed() < Duration::from_secs(30));
    let sim = sim.start().await.unwrap();
    let org = Org {
        sim,
        http: reqwest::Client::new(),
    };
    let answer = org
        .raw(
            org.http
                .get(format!(
                    "{}/api/v1/users?search=profile.employeeNumber+eq+%22E0099999%22",
                    org.sim.url()
                ))
                .header("authorization", format!("SSWS {}", org.sim.token())),
        )
        .await;
    assert_eq!(answer.body.as_array().unwrap().len(), 1);
    assert_eq!(answer.body[0]["profile"]["login"], "user99999@example.com");
    // The index answered: only its one hit was tested. A search on a property without an
    // index tests every user, which shows the counter counts.
    let scanned = org.sim.scanned_users();
    assert_eq!(scanned, 1, "the employeeNumber index was not used");
    let answer = org
        .raw(
            org.http
                .get(format!(
                    "{}/api/v1/users?search=profile.firstName+eq+%22First99999%22",
                    org.sim.url()
                ))
                .header("authorization", format!("SSWS {}", org.sim.token())),
        )
        .await;
    assert_eq!(answer.body.as_array().unwrap().len(), 1);
    assert_eq!(org.sim.scanned_users() - scanned, 100_000);
    let answer = org
        .raw(
            org.http
                .get(format!(
                    "{}/api/v1/users/user77777@example.com",
                    org.sim.url()
                ))
                .header("authorization", format!("SSWS {}", org.sim.token())),
        )
        .await;
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn groups_and_membership() {
    let org = start(OktaSimulator::builder()).await;
    let user = org.create("m@example.com", "", password()).await;
    let uid = user["id"].as_str().unwrap();
    let answer = org
        .call(
            "POST",
            "/api/v1/groups",
            Some(json!({"profile": {"name": "Engineering", "description": "Builders"}})),
        )
        .await;
    assert_eq!(answer.status, 200);
    let group = answer.body;
    let gid = group["id"].as_str().unwrap();
    assert!(gid.starts_with("00g") && gid.len() == 20);
    assert_eq!(group["type"], "OKTA_GROUP");
    assert_eq!(group["objectClass"], json!(["okta:user_group"]));
    let answer = org
        .call(
            "POST",
            "/api/v1/groups",
            Some(json!({"profile": {"name": "engineering"}})),
        )
        .await;
    assert_eq!(answer.code(), "E0000001");
    assert_eq!(
        answer.body["errorCauses"][0]["errorSummary"],
        "name: An object with this field already exists in the current organization"
    );

    // Membership: PUT needs no body (Content-Length: 0), is idempotent.
    let member = format!("/api/v1/groups/{gid}/users/{uid}");
    assert_eq!(org.call("PUT", &member, None).await.status, 204);
    assert_eq!(org.call("PUT", &member, None).await.status, 204);
    let members = org.get(&format!("/api/v1/groups/{gid}/users")).await;
    assert_eq!(members.body.as_array().unwrap().len(), 1);
    assert_eq!(members.body[0]["id"], uid);
    let groups = org.get(&format!("/api/v1/users/{uid}/groups")).await;
    let names: Vec<&str> = groups
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["profile"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Everyone", "Engineering"]);
    assert_eq!(org.sim.group_members("engineering").len(), 1);

    // Everyone is BUILT_IN, holds everybody, and cannot be changed.
    let all = org.get("/api/v1/groups?q=Every").await;
    let everyone = &all.body[0];
    assert_eq!(everyone["type"], "BUILT_IN");
    let eid = everyone["id"].as_str().unwrap();
    let members = org.get(&format!("/api/v1/groups/{eid}/users")).await;
    assert_eq!(members.body.as_array().unwrap().len(), 1);
    let answer = org
        .call(
            "PUT",
            &format!("/api/v1/groups/{eid}"),
            Some(json!({"profile": {"name": "All"}})),
        )
        .await;
    assert_eq!((answer.status, answer.code()), (403, "E0000006"));

    // Replace, list, search, filter.
    let answer = org
        .call(
            "PUT",
            &format!("/api/v1/groups/{gid}"),
            Some(json!({"profile": {"name": "Eng"}})),
        )
        .await;
    assert_eq!(answer.body["profile"], json!({"name": "Eng"}));
    let answer = org
        .get("/api/v1/groups?search=type+eq+%22OKTA_GROUP%22")
        .await;
    assert_eq!(answer.body.as_array().unwrap().len(), 1);
    let answer = org
        .get("/api/v1/groups?filter=type+eq+%22BUILT_IN%22")
        .await;
    assert_eq!(answer.body[0]["profile"]["name"], "Everyone");
    let answer = org
        .get("/api/v1/groups?search=profile.name+co+%22ng%22")
        .await;
    assert_eq!(answer.body.as_array().unwrap().len(), 1);
    let answer = org.get("/api/v1/groups?limit=1").await;
    assert!(answer.next().is_some());

    // Remove: 204, then 404 for a non-member.
    assert_eq!(org.call("DELETE", &member, None).await.status, 204);
    let answer = org.call("DELETE", &member, None).await;
    assert_eq!((answer.status, answer.code()), (404, "E0000007"));
    let answer = org
        .call(
            "PUT",
            &format!("/api/v1/groups/{gid}/users/00unknown"),
            None,
        )
        .await;
    assert_eq!(answer.status, 404);
    // Create with groupIds.
    let user = org
        .create("n@example.com", "", json!({"groupIds": [gid]}))
        .await;
    assert_eq!(org.sim.group_members(gid)[0]["id"], user["id"]);
    assert_eq!(
        org.call("DELETE", &format!("/api/v1/groups/{gid}"), None)
            .await
            .status,
        204
    );
    let answer = org.get(&format!("/api/v1/groups/{gid}")).await;
    assert_eq!(answer.code(), "E0000007");
}

#[tokio::test]
async fn group_member_paging() {
    let users: Vec<Value> = (0..7)
        .map(|i| profile(&format!("u{i}@example.com")))
        .collect();
    let logins: Vec<Value> = (0..7).map(|i| json!(format!("u{i}@example.com"))).collect();
    let org = start(
        OktaSimulator::builder()
            .seed_users(users)
            .seed_groups([json!({"name": "Seven", "members": logins})]),
    )
    .await;
    let gid = org.get("/api/v1/groups?q=Seven").await.body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut next = Some(format!(
        "{}/api/v1/groups/{gid}/users?limit=3",
        org.sim.url()
    ));
    let mut sizes = Vec::new();
    while let Some(url) = next {
        let answer = org.get(&url).await;
        sizes.push(answer.body.as_array().unwrap().len());
        next = answer.next();
    }
    assert_eq!(sizes, [3, 3, 1]);
}

#[tokio::test]
async fn length_required_without_content_length() {
    let org = start(OktaSimulator::builder()).await;
    let user = org
        .create("l@example.com", "?activate=false", json!({}))
        .await;
    let id = user["id"].as_str().unwrap();
    let mut stream = tokio::net::TcpStream::connect(org.sim.addr())
        .await
        .unwrap();
    let request = format!(
        "POST /api/v1/users/{id}/lifecycle/activate HTTP/1.1\r\nHost: x\r\nAuthorization: SSWS {TOKEN}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 411"), "{response}");
    assert_eq!(org.status(id).await, "STAGED");
    // With Content-Length: 0 it works.
    assert_eq!(org.lifecycle(id, "activate").await.status, 200);
}

#[tokio::test]
async fn rate_limit_then_recovery() {
    let org = start(OktaSimulator::builder().rate_limit(3, Duration::from_millis(1500))).await;
    for remaining in [2, 1, 0] {
        let answer = org.get("/api/v1/users").await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.headers["x-rate-limit-limit"], "3");
        assert_eq!(
            answer.headers["x-rate-limit-remaining"],
            remaining.to_string().as_str()
        );
    }
    let answer = org.get("/api/v1/users").await;
    assert_eq!((answer.status, answer.code()), (429, "E0000047"));
    assert_eq!(
        answer.body["errorSummary"],
        "API call exceeded rate limit due to too many requests."
    );
    assert_eq!(answer.headers["x-rate-limit-remaining"], "0");
    let reset: i64 = answer.headers["x-rate-limit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = chrono::Utc::now().timestamp();
    assert!(reset >= now && reset <= now + 3, "{reset} vs {now}");
    assert!(answer.headers.contains_key("date"));
    // Another bucket is unaffected.
    assert_eq!(org.get("/api/v1/groups").await.status, 200);
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let answer = org.get("/api/v1/users").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.headers["x-rate-limit-remaining"], "2");
}

#[tokio::test]
async fn concurrency_limit_answers_429_with_zero_headers() {
    let org = start(
        OktaSimulator::builder()
            .concurrency_limit(2)
            .latency(Duration::from_millis(300)),
    )
    .await;
    let path = "/api/v1/users";
    let (a, b, c, d, e, f) = tokio::join!(
        org.get(path),
        org.get(path),
        org.get(path),
        org.get(path),
        org.get(path),
        org.get(path)
    );
    let answers = [a, b, c, d, e, f];
    let limited: Vec<&Answer> = answers.iter().filter(|a| a.status == 429).collect();
    assert!(!limited.is_empty());
    assert!(answers.iter().any(|a| a.status == 200));
    for answer in limited {
        assert_eq!(answer.headers["x-rate-limit-limit"], "0");
        assert_eq!(answer.headers["x-rate-limit-remaining"], "0");
        assert_eq!(answer.code(), "E0000047");
    }
}

#[tokio::test]
async fn injected_faults() {
    let org = start(OktaSimulator::builder()).await;
    org.sim.inject(
        Fault::server_error(503, 2)
            .method("GET")
            .path_prefix("/api/v1/users"),
    );
    assert_eq!(org.get("/api/v1/groups").await.status, 200);
    for _ in 0..2 {
        let answer = org.get("/api/v1/users").await;
        assert_eq!((answer.status, answer.code()), (503, "E0000009"));
        assert_eq!(answer.body["errorSummary"], "Internal Server Error");
    }
    assert_eq!(org.get("/api/v1/users").await.status, 200);

    org.sim.inject(Fault::rate_limited(1));
    let answer = org.get("/api/v1/users").await;
    assert_eq!((answer.status, answer.code()), (429, "E0000047"));
    assert!(!answer.headers.contains_key("x-rate-limit-reset"));
    assert!(!answer.headers.contains_key("date"));
    assert!(answer.headers.contains_key("x-okta-request-id"));

    org.sim.inject(Fault::delay(Duration::from_secs(3), 1));
    let answer = org
        .request("GET", "/api/v1/users")
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(answer.unwrap_err().is_timeout());
    org.sim.inject(Fault::server_error(500, 5));
    org.sim.clear_faults();
    assert_eq!(org.get("/api/v1/users").await.status, 200);
    org.sim.set_latency(Duration::from_millis(50));
    let started = Instant::now();
    assert_eq!(org.get("/api/v1/users").await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(50));
}

#[tokio::test]
async fn periodic_faults_fire_on_one_matching_request_in_n() {
    let org = start(OktaSimulator::builder()).await;
    // One users request in five fails, alternating a 503 (the 3rd, 13th, …) and a 429
    // (the 8th, 18th, …); other paths are not counted; `times` counts the firings.
    org.sim.inject(
        Fault::server_error(503, 2)
            .every(10)
            .first(3)
            .path_prefix("/api/v1/users"),
    );
    org.sim.inject(
        Fault::rate_limited(u32::MAX)
            .every(10)
            .first(8)
            .path_prefix("/api/v1/users"),
    );
    let mut statuses = Vec::new();
    for n in 1..=30 {
        if n % 4 == 0 {
            assert_eq!(org.get("/api/v1/groups").await.status, 200);
        }
        statuses.push(org.get("/api/v1/users").await.status);
    }
    let failed: Vec<(usize, u16)> = statuses
        .iter()
        .enumerate()
        .filter(|(_, s)| **s != 200)
        .map(|(i, s)| (i + 1, *s))
        .collect();
    // The 503 fault is used up after two firings; the 429 one goes on.
    assert_eq!(
        failed,
        [(3, 503), (8, 429), (13, 503), (18, 429), (28, 429)]
    );

    // `every(1)` is a plain fault, and a plain fault queued first takes the request
    // while the periodic one behind it still counts it.
    org.sim.clear_faults();
    org.sim.inject(Fault::server_error(500, 1).every(1));
    org.sim.inject(Fault::server_error(502, u32::MAX).every(2));
    let statuses = [
        org.get("/api/v1/users").await.status,
        org.get("/api/v1/users").await.status,
        org.get("/api/v1/users").await.status,
        org.get("/api/v1/users").await.status,
    ];
    assert_eq!(statuses, [500, 502, 200, 502]);
    org.sim.clear_faults();
    assert_eq!(org.get("/api/v1/users").await.status, 200);
}

#[tokio::test]
async fn a_delayed_request_is_lost_with_its_client_a_delayed_answer_is_not() {
    let org = start(OktaSimulator::builder()).await;
    let create = |login: &str| {
        org.request("POST", "/api/v1/users?activate=false")
            .header("content-type", "application/json")
            .body(json!({"profile": profile(login)}).to_string())
            .timeout(Duration::from_millis(200))
            .send()
    };
    // The client gives up before the simulator looks at the request: nothing happens.
    org.sim
        .inject(Fault::delay(Duration::from_millis(600), 1).method("POST"));
    assert!(create("lost@example.com").await.unwrap_err().is_timeout());
    // The simulator makes the user, then holds the answer back past the client's timeout.
    org.sim
        .inject(Fault::delay_answer(Duration::from_millis(600), 1).method("POST"));
    assert!(create("made@example.com").await.unwrap_err().is_timeout());
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(org.sim.user("lost@example.com").is_none());
    assert!(org.sim.user("made@example.com").is_some());
    let logged: Vec<(String, u16)> = org
        .sim
        .requests()
        .iter()
        .map(|r| (r.method.clone(), r.status))
        .collect();
    assert_eq!(logged, [("POST".to_owned(), 200)], "only the processed one");
    // Answered in full when the client waits.
    org.sim
        .inject(Fault::delay_answer(Duration::from_millis(100), 1).method("GET"));
    let started = Instant::now();
    assert_eq!(org.get("/api/v1/users").await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(100));
}

#[tokio::test]
async fn request_log_redacts_and_keeps_retry_headers() {
    let org = start(OktaSimulator::builder()).await;
    org.raw(
        org.http
            .get(format!("{}/api/v1/users?limit=5", org.sim.url()))
            .header("authorization", format!("SSWS{TOKEN}"))
            .header("x-okta-retry-for", "abc")
            .header("x-okta-retry-count", "1")
            .header("user-agent", "okta-sdk-test/1.0"),
    )
    .await;
    org.create("log@example.com", "?activate=false", json!({}))
        .await;
    let requests = org.sim.requests();
    assert_eq!(requests.len(), 2);
    let first = &requests[0];
    assert_eq!(first.method, "GET");
    assert_eq!(first.path, "/api/v1/users");
    assert_eq!(first.query.as_deref(), Some("limit=5"));
    assert_eq!(first.header("Authorization"), Some("SSWS[redacted]"));
    assert_eq!(first.header("x-okta-retry-for"), Some("abc"));
    assert_eq!(first.header("x-okta-retry-count"), Some("1"));
    assert_eq!(first.header("user-agent"), Some("okta-sdk-test/1.0"));
    assert_eq!(first.status, 200);
    assert!(!first.request_id.is_empty());
    let second = &requests[1];
    assert_eq!(second.header("authorization"), Some("SSWS [redacted]"));
    assert_eq!(
        second.json().unwrap()["profile"]["login"],
        "log@example.com"
    );
    assert_eq!(second.header("content-type"), Some("application/json"));
    assert!(second.received_at >= first.received_at);
    assert!(!format!("{requests:?}").contains(TOKEN));
    org.sim.clear_requests();
    assert!(org.sim.requests().is_empty());
    assert_eq!(org.sim.user("LOG@example.com").unwrap()["status"], "STAGED");
    assert_eq!(org.sim.users().len(), 1);
    assert_eq!(org.sim.groups().len(), 1);
}

#[tokio::test]
async fn schema_custom_attribute_then_search() {
    let org = start(OktaSimulator::builder().index_profile_attribute("hrId")).await;
    let schema = org.get("/api/v1/meta/schemas/user/default").await;
    assert_eq!(schema.status, 200);
    assert_eq!(
        schema.body["definitions"]["base"]["properties"]["login"]["title"],
        "Username"
    );
    assert_eq!(
        schema.body["definitions"]["custom"]["properties"],
        json!({})
    );
    assert!(schema.body["_links"]["self"]["href"].is_string());

    let mut body = json!({"profile": profile("h@example.com")});
    body["profile"]["hrId"] = json!("HR-1");
    let answer = org.call("POST", "/api/v1/users", Some(body.clone())).await;
    assert_eq!(answer.code(), "E0000001");
    let answer = org
        .get("/api/v1/users?search=profile.hrId+eq+%22HR-1%22")
        .await;
    assert_eq!(answer.code(), "E0000031");

    let answer = org
        .call(
            "POST",
            "/api/v1/meta/schemas/user/default",
            Some(
                json!({"definitions": {"custom": {"id": "#custom", "type": "object",
                "properties": {"hrId": {"title": "HR id", "type": "string", "maxLength": 20}}}}}),
            ),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(
        answer.body["definitions"]["custom"]["properties"]["hrId"]["title"],
        "HR id"
    );
    assert_eq!(
        org.call("POST", "/api/v1/users", Some(body)).await.status,
        200
    );
    assert_eq!(
        org.logins("/api/v1/users?search=profile.hrId+eq+%22hr-1%22")
            .await,
        ["h@example.com"]
    );
    assert!(
        org.logins("/api/v1/users?search=profile.hrId+eq+%22HR-2%22")
            .await
            .is_empty()
    );
    let answer = org
        .call(
            "POST",
            "/api/v1/meta/schemas/user/default",
            Some(json!({"definitions": {"custom": {"properties": {"login": {"type": "string"}}}}})),
        )
        .await;
    assert_eq!(answer.code(), "E0000001");
    let answer = org
        .call(
            "POST",
            "/api/v1/meta/schemas/user/default",
            Some(json!({"definitions": {"custom": {"properties": {"hrId": null}}}})),
        )
        .await;
    assert_eq!(
        answer.body["definitions"]["custom"]["properties"],
        json!({})
    );
    assert!(
        org.sim.user("h@example.com").unwrap()["profile"]
            .get("hrId")
            .is_none()
    );
    let answer = org.get("/api/v1/meta/schemas/user/oscNope").await;
    assert_eq!(answer.status, 404);
}

#[tokio::test]
async fn unknown_paths_methods_and_oversized_bodies() {
    let org = start(OktaSimulator::builder()).await;
    let answer = org.get("/api/v1/nothing").await;
    assert_eq!((answer.status, answer.code()), (404, "E0000008"));
    let answer = org.get("/somewhere").await;
    assert_eq!(answer.status, 404);
    let answer = org.call("PATCH", "/api/v1/users", Some(json!({}))).await;
    assert_eq!((answer.status, answer.code()), (405, "E0000022"));
    let answer = org.call("DELETE", "/api/v1/users", None).await;
    assert_eq!(answer.status, 405);
    let huge = "x".repeat(2 * 1024 * 1024);
    let answer = org
        .raw(
            org.request("POST", "/api/v1/users")
                .header("content-type", "application/json")
                .body(huge),
        )
        .await;
    assert_eq!((answer.status, answer.code()), (413, "E0000001"));
    let answer = org
        .get("/api/v1/users?search=%28%28%28%28%28%28%28%28%28%28%28%28%28%28%28%28%28%28%28%28%28%28%28%28%28%28%28%28%28%28%28%28%28%28%28%28")
        .await;
    assert_eq!((answer.status, answer.code()), (400, "E0000031"));
}

fn es256_key() -> (ring::signature::EcdsaKeyPair, String) {
    use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let mut der = vec![
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
        0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ];
    der.extend_from_slice(pair.public_key().as_ref());
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        STANDARD.encode(der)
    );
    (pair, pem)
}

fn es256_jwt(pair: &ring::signature::EcdsaKeyPair, claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": "ES256", "typ": "JWT"}).to_string());
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signed = format!("{header}.{payload}");
    let rng = ring::rand::SystemRandom::new();
    let sig = pair.sign(&rng, signed.as_bytes()).unwrap();
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
}

#[tokio::test]
async fn oauth_client_credentials_with_private_key_jwt() {
    let (pair, pem) = es256_key();
    let org = start(OktaSimulator::builder().oauth_client("0oaclient", pem)).await;
    let token_url = format!("{}/oauth2/v1/token", org.sim.url());
    let now = chrono::Utc::now().timestamp();
    let form = |assertion: &str| {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("scope", "okta.users.read okta.users.manage")
            .append_pair(
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            )
            .append_pair("client_assertion", assertion)
            .finish()
    };
    let post = |body: String| {
        org.http
            .post(&token_url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body)
    };
    let good = json!({"iss": "0oaclient", "sub": "0oaclient", "aud": token_url, "exp": now + 300, "jti": "1"});
    let answer = org.raw(post(form(&es256_jwt(&pair, &good)))).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["token_type"], "Bearer");
    assert_eq!(answer.body["expires_in"], 3600);
    assert_eq!(answer.body["scope"], "okta.users.read okta.users.manage");
    let access = answer.body["access_token"].as_str().unwrap().to_owned();
    let answer = org
        .raw(
            org.http
                .get(format!("{}/api/v1/users", org.sim.url()))
                .header("authorization", format!("Bearer {access}")),
        )
        .await;
    assert_eq!(answer.status, 200);

    let mut cases = Vec::new();
    let mut bad_aud = good.clone();
    bad_aud["aud"] = json!("https://elsewhere/oauth2/v1/token");
    cases.push(es256_jwt(&pair, &bad_aud));
    let mut expired = good.clone();
    expired["exp"] = json!(now - 10);
    cases.push(es256_jwt(&pair, &expired));
    let mut far = good.clone();
    far["exp"] = json!(now + 7200);
    cases.push(es256_jwt(&pair, &far));
    let mut other_sub = good.clone();
    other_sub["sub"] = json!("someone");
    cases.push(es256_jwt(&pair, &other_sub));
    let mut unknown = good.clone();
    unknown["iss"] = json!("0oaother");
    unknown["sub"] = json!("0oaother");
    cases.push(es256_jwt(&pair, &unknown));
    let (stranger, _) = es256_key();
    cases.push(es256_jwt(&stranger, &good));
    cases.push("not.a.jwt".to_owned());
    for assertion in cases {
        let answer = org.raw(post(form(&assertion))).await;
        assert_eq!(answer.status, 401, "{}", answer.text);
        assert_eq!(answer.body["error"], "invalid_client");
        assert!(answer.body["error_description"].is_string());
    }
    let answer = org
        .raw(post("grant_type=password&username=x".to_owned()))
        .await;
    assert_eq!(answer.body["error"], "unsupported_grant_type");
    let answer = org
        .raw(
            org.http
                .get(format!("{}/api/v1/users", org.sim.url()))
                .header("authorization", "Bearer forged"),
        )
        .await;
    assert_eq!(answer.code(), "E0000011");
    // A bad key is refused at build time.
    let error = OktaSimulator::builder()
        .oauth_client(
            "x",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
        )
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("OAuth client x"));
}

#[tokio::test]
async fn seeds_are_validated_and_router_embeds() {
    let error = OktaSimulator::builder()
        .seed_users([json!({"login": "no-at-sign", "email": "x@example.com", "firstName": "X", "lastName": "Y"})])
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("login"), "{error}");
    let sim = OktaSimulator::builder()
        .api_token("embedded")
        .seed_users([json!({"profile": profile("s@example.com"), "status": "SUSPENDED"})])
        .build()
        .unwrap();
    assert_eq!(sim.user("s@example.com").unwrap()["status"], "SUSPENDED");
    let app = axum::Router::new()
        .route("/health", axum::routing::get(|| async { "ok" }))
        .merge(sim.router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::new();
    let answer = http
        .get(format!("http://{addr}/api/v1/users"))
        .header("authorization", "SSWS embedded")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert!(
        answer.headers()["link"]
            .to_str()
            .unwrap()
            .starts_with(&format!("<http://{addr}/api/v1/users>"))
    );
    server.abort();
}

/// A Bearer token for `scope` from the simulator's token endpoint.
async fn bearer_token(org: &Org, pair: &ring::signature::EcdsaKeyPair, scope: &str) -> String {
    let token_url = format!("{}/oauth2/v1/token", org.sim.url());
    let claims = json!({"iss": "0oaclient", "sub": "0oaclient", "aud": token_url,
                        "exp": chrono::Utc::now().timestamp() + 300});
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "client_credentials")
        .append_pair("scope", scope)
        .append_pair(
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        )
        .append_pair("client_assertion", &es256_jwt(pair, &claims))
        .finish();
    let answer = org
        .raw(
            org.http
                .post(&token_url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn oauth_scopes_are_enforced_per_route() {
    let (pair, pem) = es256_key();
    let org = start(OktaSimulator::builder().oauth_client("0oaclient", pem)).await;
    let user = org.create("scoped@example.com", "", password()).await;
    let uid = user["id"].as_str().unwrap().to_owned();
    let group = org
        .call(
            "POST",
            "/api/v1/groups",
            Some(json!({"profile": {"name": "Scoped"}})),
        )
        .await;
    let gid = group.body["id"].as_str().unwrap().to_owned();

    let read_only = bearer_token(&org, &pair, "okta.users.read").await;
    let as_bearer = |token: &str, method: &str, path: &str, body: Option<Value>| {
        let request = org
            .http
            .request(method.parse().unwrap(), format!("{}{path}", org.sim.url()))
            .header("authorization", format!("Bearer {token}"));
        match body {
            Some(body) => request
                .header("content-type", "application/json")
                .body(body.to_string()),
            None if method == "POST" || method == "PUT" => {
                request.header("content-length", "0").body("")
            }
            None => request,
        }
    };
    // Reads of users work with okta.users.read.
    for path in [
        "/api/v1/users".to_owned(),
        format!("/api/v1/users/{uid}"),
        format!("/api/v1/users/{uid}/groups"),
    ] {
        let answer = org.raw(as_bearer(&read_only, "GET", &path, None)).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.text);
    }
    // Everything else needs another scope: 403 E0000006.
    let denied: Vec<(&str, String, Option<Value>)> = vec![
        (
            "POST",
            "/api/v1/users".into(),
            Some(json!({"profile": profile("new@example.com")})),
        ),
        (
            "POST",
            format!("/api/v1/users/{uid}"),
            Some(json!({"profile": {"nickName": "x"}})),
        ),
        (
            "PUT",
            format!("/api/v1/users/{uid}"),
            Some(json!({"profile": profile("scoped@example.com")})),
        ),
        ("DELETE", format!("/api/v1/users/{uid}"), None),
        (
            "POST",
            format!("/api/v1/users/{uid}/lifecycle/suspend"),
            None,
        ),
        ("GET", "/api/v1/groups".into(), None),
        ("GET", format!("/api/v1/groups/{gid}"), None),
        ("GET", format!("/api/v1/groups/{gid}/users"), None),
        ("PUT", format!("/api/v1/groups/{gid}/users/{uid}"), None),
        ("GET", "/api/v1/meta/schemas/user/default".into(), None),
    ];
    for (method, path, body) in denied {
        let answer = org.raw(as_bearer(&read_only, method, &path, body)).await;
        assert_eq!(
            (answer.status, answer.code()),
            (403, "E0000006"),
            "{method} {path}"
        );
        assert_eq!(
            answer.body["errorSummary"],
            "You do not have permission to perform the requested action"
        );
    }
    assert_eq!(org.status(&uid).await, "ACTIVE", "nothing was changed");
    assert_eq!(org.sim.user_count(), 1);

    // A *.manage scope covers *.read; the schema scopes are separate.
    let manager = bearer_token(&org, &pair, "okta.groups.manage okta.schemas.read").await;
    for (method, path, status) in [
        ("GET", format!("/api/v1/groups/{gid}/users"), 200),
        ("PUT", format!("/api/v1/groups/{gid}/users/{uid}"), 204),
        ("GET", "/api/v1/meta/schemas/user/default".into(), 200),
        ("GET", "/api/v1/users".into(), 403),
    ] {
        let answer = org.raw(as_bearer(&manager, method, &path, None)).await;
        assert_eq!(answer.status, status, "{method} {path}: {}", answer.text);
    }
    let answer = org
        .raw(as_bearer(
            &manager,
            "POST",
            "/api/v1/meta/schemas/user/default",
            Some(json!({"definitions": {"custom": {"properties": {"hrId": {"type": "string"}}}}})),
        ))
        .await;
    assert_eq!((answer.status, answer.code()), (403, "E0000006"));
    // An API token keeps full access.
    let answer = org
        .call(
            "POST",
            &format!("/api/v1/users/{uid}/lifecycle/suspend"),
            None,
        )
        .await;
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn login_uniqueness_ignores_case_and_diacritics() {
    let org = start(OktaSimulator::builder()).await;
    let zoe = org.create("zoë@example.com", "", json!({})).await;
    let duplicate_cause = json!([{"errorSummary": "login: An object with this field already exists in the current organization"}]);
    for login in ["zoe@example.com", "ZOE@example.com", "Zoé@Example.com"] {
        let answer = org
            .call(
                "POST",
                "/api/v1/users",
                Some(json!({"profile": profile(login)})),
            )
            .await;
        assert_eq!((answer.status, answer.code()), (400, "E0000001"), "{login}");
        assert_eq!(answer.body["errorSummary"], "Api validation failed: login");
        assert_eq!(answer.body["errorCauses"], duplicate_cause, "{login}");
    }
    // Renaming another user onto it conflicts too; renaming zoë to a variant of her own
    // login does not.
    let other = org.create("other@example.com", "", json!({})).await;
    let answer = org
        .call(
            "POST",
            &format!("/api/v1/users/{}", other["id"].as_str().unwrap()),
            Some(json!({"profile": {"login": "ZOE@EXAMPLE.COM"}})),
        )
        .await;
    assert_eq!((answer.status, answer.code()), (400, "E0000001"));
    assert_eq!(answer.body["errorCauses"], duplicate_cause);
    let zid = zoe["id"].as_str().unwrap();
    let answer = org
        .call(
            "POST",
            &format!("/api/v1/users/{zid}"),
            Some(json!({"profile": {"login": "zoe@example.com"}})),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    // The old spelling is free again only for her: still one user.
    assert_eq!(org.sim.user_count(), 2);
    assert_eq!(
        org.get("/api/v1/users/zoe@example.com").await.body["id"],
        zid
    );
}

#[tokio::test]
async fn profile_input_limits() {
    let org = start(OktaSimulator::builder()).await;
    let causes = |answer: &Answer| -> Vec<String> {
        answer.body["errorCauses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["errorSummary"].as_str().unwrap().to_owned())
            .collect()
    };
    let long = |n: usize| "x".repeat(n);
    let mut cases: Vec<(&str, Value)> = Vec::new();
    let mut emoji = profile("emoji@example.com");
    emoji["nickName"] = json!("rocket 🚀");
    cases.push(("nickName", emoji));
    let mut emoji_name = profile("emoji2@example.com");
    emoji_name["firstName"] = json!("𝔄da");
    cases.push(("firstName", emoji_name));
    cases.push(("login", profile("a@bc")));
    let mut too_long_login = profile(&format!("{}@example.com", long(89)));
    too_long_login["email"] = json!("ok@example.com");
    cases.push(("login", too_long_login));
    let mut first = profile("first@example.com");
    first["firstName"] = json!(long(51));
    cases.push(("firstName", first));
    let mut last = profile("last@example.com");
    last["lastName"] = json!(long(51));
    cases.push(("lastName", last));
    let mut short_email = profile("email1@example.com");
    short_email["email"] = json!("a@bc");
    cases.push(("email", short_email));
    let mut long_email = profile("email2@example.com");
    long_email["email"] = json!(format!("{}@example.com", long(89)));
    cases.push(("email", long_email));
    for (field, body) in cases {
        let answer = org
            .call("POST", "/api/v1/users", Some(json!({"profile": body})))
            .await;
        assert_eq!(
            (answer.status, answer.code()),
            (400, "E0000001"),
            "{field}: {}",
            answer.text
        );
        assert_eq!(
            answer.body["errorSummary"],
            format!("Api validation failed: {field}")
        );
        let causes = causes(&answer);
        assert!(
            causes.iter().any(|c| c.starts_with(&format!("{field}: "))),
            "{field}: {causes:?}"
        );
    }
    // At the limits it works (login and email of exactly 100, names of exactly 50), and
    // 3-byte characters are fine.
    let mut edge = profile(&format!("{}@example.com", long(88)));
    edge["firstName"] = json!(long(50));
    edge["lastName"] = json!("ﬃ€");
    assert_eq!(edge["login"].as_str().unwrap().chars().count(), 100);
    let answer = org
        .call("POST", "/api/v1/users", Some(json!({"profile": edge})))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    // A 4-byte character is refused in updates too.
    let id = answer.body["id"].as_str().unwrap();
    let answer = org
        .call(
            "POST",
            &format!("/api/v1/users/{id}"),
            Some(json!({"profile": {"city": "🏙"}})),
        )
        .await;
    assert_eq!((answer.status, answer.code()), (400, "E0000001"));
    assert_eq!(answer.body["errorSummary"], "Api validation failed: city");

    // More than 20 groupIds on create.
    let mut gids = Vec::new();
    for n in 0..21 {
        let answer = org
            .call(
                "POST",
                "/api/v1/groups",
                Some(json!({"profile": {"name": format!("g{n}")}})),
            )
            .await;
        gids.push(answer.body["id"].clone());
    }
    let answer = org
        .call(
            "POST",
            "/api/v1/users",
            Some(json!({"profile": profile("groups@example.com"), "groupIds": gids})),
        )
        .await;
    assert_eq!((answer.status, answer.code()), (400, "E0000001"));
    assert_eq!(
        answer.body["errorSummary"],
        "Api validation failed: groupIds"
    );
    assert!(causes(&answer)[0].starts_with("groupIds: "));
    gids.pop();
    let user = org
        .create("groups@example.com", "", json!({"groupIds": gids}))
        .await;
    let groups = org
        .get(&format!(
            "/api/v1/users/{}/groups",
            user["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(groups.body.as_array().unwrap().len(), 21, "20 and Everyone");
}

#[tokio::test]
async fn sorted_search_pages_by_key_and_id_across_edits() {
    let org = start(OktaSimulator::builder()).await;
    let mut ids = std::collections::HashMap::new();
    // Created out of order so that creation order is not the sort order.
    for name in ["gus", "cat", "ann", "fay", "bea", "eve", "dan"] {
        let user = org
            .create(&format!("{name}@example.com"), "", json!({}))
            .await;
        ids.insert(name, user["id"].as_str().unwrap().to_owned());
    }
    let names = |answer: &Answer| -> Vec<String> {
        answer
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                let login = u["profile"]["login"].as_str().unwrap();
                login.split('@').next().unwrap().to_owned()
            })
            .collect()
    };
    let first =
        "/api/v1/users?search=profile.lastName+eq+%22Tester%22&sortBy=profile.firstName&limit=2";
    let answer = org.get(first).await;
    assert_eq!(names(&answer), ["ann", "bea"]);
    let next = answer.next().unwrap();
    // The cursor is opaque, not the id of the last user.
    assert!(!next.contains(&ids["bea"]), "{next}");
    // The last user served leaves the result set, and one already served moves: the old
    // "position of the last id" cursor restarted from the top here.
    let (org, ids) = (&org, &ids);
    let edit = |name: &str, profile: Value| {
        let path = format!("/api/v1/users/{}", ids[name]);
        async move {
            let answer = org
                .call("POST", &path, Some(json!({ "profile": profile })))
                .await;
            assert_eq!(answer.status, 200, "{}", answer.text);
        }
    };
    edit("bea", json!({"lastName": "Other"})).await;
    edit("ann", json!({"firstName": "ann2"})).await;
    let answer = org.get(&next).await;
    assert_eq!(names(&answer), ["cat", "dan"]);
    let next = answer.next().unwrap();
    // The cursor's own row moves to the top: the next page still starts after "dan".
    edit("dan", json!({"firstName": "aaa"})).await;
    let answer = org.get(&next).await;
    assert_eq!(names(&answer), ["eve", "fay"]);
    let answer = org.get(&answer.next().unwrap()).await;
    assert_eq!(names(&answer), ["gus"]);
    assert!(answer.next().is_none());

    // Descending, three pages, by first name then id.
    let mut url = Some(format!(
        "{}/api/v1/users?search=profile.lastName+eq+%22Tester%22&sortBy=profile.firstName&sortOrder=desc&limit=2",
        org.sim.url()
    ));
    let mut pages = Vec::new();
    while let Some(next) = url {
        let answer = org.get(&next).await;
        pages.push(names(&answer));
        url = answer.next();
    }
    assert_eq!(
        pages,
        [["gus", "fay"], ["eve", "cat"], ["ann", "dan"]],
        "dan is first-named aaa now"
    );
    // A cursor that is not one is refused (the code is inferred).
    let answer = org.get(&format!("{first}&after=%21%21")).await;
    assert_eq!((answer.status, answer.code()), (400, "E0000031"));
}

#[tokio::test]
async fn filter_and_search_page_through_every_match() {
    let org = start(OktaSimulator::builder().generated_users(25)).await;
    org.sim
        .set_user_status("user3@example.com", "SUSPENDED")
        .unwrap();
    let org = &org;
    let collect = |start: String| async move {
        let mut url = Some(format!("{}{start}", org.sim.url()));
        let mut sizes = Vec::new();
        let mut logins = Vec::new();
        while let Some(next) = url {
            let answer = org.get(&next).await;
            assert_eq!(answer.status, 200, "{next}: {}", answer.text);
            let page = answer.body.as_array().unwrap();
            sizes.push(page.len());
            logins.extend(
                page.iter()
                    .map(|u| u["profile"]["login"].as_str().unwrap().to_owned()),
            );
            url = answer.next();
        }
        (sizes, logins)
    };
    let distinct = |logins: &[String]| {
        logins
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    // filter= on the status index.
    let (sizes, logins) =
        collect("/api/v1/users?filter=status+eq+%22ACTIVE%22&limit=10".into()).await;
    assert_eq!(sizes, [10, 10, 4]);
    assert_eq!(distinct(&logins), 24);
    assert!(!logins.contains(&"user3@example.com".to_owned()));
    // search= without an index (a scan), and `q=` next to it changes nothing.
    for extra in ["", "&q=nobody"] {
        let (sizes, logins) = collect(format!(
            "/api/v1/users?search=profile.lastName+sw+%22last%22&limit=7{extra}"
        ))
        .await;
        assert_eq!(sizes, [7, 7, 7, 4], "{extra}");
        assert_eq!(distinct(&logins), 25);
    }
    // search= with an `or` of two indexed equalities.
    let (sizes, logins) = collect(
        "/api/v1/users?search=status+eq+%22SUSPENDED%22+or+profile.employeeNumber+eq+%22E0000020%22&limit=1".into(),
    )
    .await;
    assert_eq!(sizes, [1, 1]);
    assert_eq!(logins, ["user3@example.com", "user20@example.com"]);
    // type.id is searchable.
    let type_id = org.sim.user("user1@example.com").unwrap()["type"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (sizes, _) = collect(format!(
        "/api/v1/users?search=type.id+eq+%22{type_id}%22&limit=10"
    ))
    .await;
    assert_eq!(sizes, [10, 10, 5]);
    let answer = org
        .get("/api/v1/users?search=type.id+eq+%22oty-other%22")
        .await;
    assert_eq!(answer.body, json!([]));
}

#[tokio::test]
async fn logins_with_a_slash_resolve_by_id_only() {
    let org = start(OktaSimulator::builder()).await;
    let user = org.create("a/b@example.com", "", json!({})).await;
    let id = user["id"].as_str().unwrap();
    let answer = org.get("/api/v1/users/a%2Fb%40example.com").await;
    assert_eq!((answer.status, answer.code()), (404, "E0000007"));
    let answer = org.get(&format!("/api/v1/users/{id}")).await;
    assert_eq!(answer.body["profile"]["login"], "a/b@example.com");
    assert_eq!(org.sim.user("a/b@example.com").unwrap()["id"], id);
}

#[tokio::test]
async fn bodies_must_be_declared_json() {
    let org = start(OktaSimulator::builder()).await;
    let body = json!({"profile": profile("ct@example.com")}).to_string();
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut request = org.request("POST", "/api/v1/users").body(body.clone());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let answer = org.raw(request).await;
        assert_eq!(
            (answer.status, answer.code()),
            (400, "E0000019"),
            "{content_type:?}"
        );
        assert_eq!(
            answer.body["errorSummary"],
            "Bad request.  Accept and/or Content-Type headers likely do not match supported values."
        );
    }
    assert_eq!(org.sim.user_count(), 0);
    let answer = org
        .raw(
            org.request("POST", "/api/v1/users")
                .header("content-type", "Application/JSON; charset=UTF-8")
                .body(body),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    // A body-less POST needs no Content-Type.
    let id = answer.body["id"].as_str().unwrap();
    let answer = org
        .raw(
            org.request("POST", &format!("/api/v1/users/{id}/lifecycle/deactivate"))
                .header("content-length", "0"),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
}

#[tokio::test]
async fn request_log_truncates_bodies() {
    let org = start(OktaSimulator::builder()).await;
    let mut body = json!({"profile": profile("big@example.com")});
    body["profile"]["postalAddress"] = json!("x".repeat(40 * 1024));
    let answer = org.call("POST", "/api/v1/users", Some(body)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let logged = &org.sim.requests()[0];
    assert_eq!(
        logged.body.len(),
        okta_api::simulator::MAX_LOGGED_BODY_BYTES
    );
    assert!(logged.json().is_none());
    assert!(logged.body.starts_with(b"{\"profile\""));
}

#[tokio::test]
async fn unknown_methods_share_one_rate_limit_bucket() {
    let org = start(OktaSimulator::builder().rate_limit(5, Duration::from_secs(60))).await;
    for (n, method) in ["FOO", "BAR", "PATCH", "BAZ"].into_iter().enumerate() {
        let answer = org.call(method, "/api/v1/users", None).await;
        assert_eq!(answer.status, 405, "{method}");
        assert_eq!(
            answer.headers["x-rate-limit-remaining"],
            (4 - n).to_string().as_str(),
            "{method}"
        );
    }
    // The real buckets are untouched.
    let answer = org.get("/api/v1/users").await;
    assert_eq!(answer.headers["x-rate-limit-remaining"], "4");
}

#[tokio::test]
async fn wildcard_binding_links_from_the_host_header() {
    let sim = OktaSimulator::builder()
        .api_token(TOKEN)
        .generated_users(3)
        .build()
        .unwrap();
    let running = sim
        .start_on(std::net::SocketAddr::from((
            std::net::Ipv4Addr::UNSPECIFIED,
            0,
        )))
        .await
        .unwrap();
    let port = running.addr().port();
    assert_eq!(running.url(), format!("http://127.0.0.1:{port}"));
    let org = Org {
        sim: running,
        http: reqwest::Client::new(),
    };
    let answer = org.get("/api/v1/users?limit=1").await;
    assert_eq!(answer.status, 200);
    let next = answer.next().unwrap();
    assert!(
        next.starts_with(&format!("http://127.0.0.1:{port}/api/v1/users?")),
        "{next}"
    );
    assert!(!answer.text.contains("0.0.0.0"));
    // Through another name, the links follow it.
    let answer = org
        .raw(
            org.request("GET", "/api/v1/users?limit=1")
                .header("host", format!("localhost:{port}")),
        )
        .await;
    assert!(
        answer.links()[0].starts_with(&format!("<http://localhost:{port}/api/v1/users")),
        "{:?}",
        answer.links()
    );
    assert!(!format!("{:?}", org.sim.users()).contains("0.0.0.0"));
}
