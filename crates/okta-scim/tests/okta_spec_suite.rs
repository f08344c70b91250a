//! Okta's official "SCIM 2.0 SPEC Test" (`Okta-SCIM-20-SPEC-Test.json`, a Runscope export)
//! run as written: every request step of the file is sent to our server and every
//! assertion in the file is checked. Outside this repository, download the file from
//! <https://developer.okta.com/standards/SCIM/SCIMFiles/Okta-SCIM-20-SPEC-Test.json> and
//! set `OKTA_SCIM_SPEC_TEST` to its path.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use okta_scim::{Capabilities, Group, ListPage, ListQuery, ResourceId, ScimProvider, User};
use serde_json::Value;

fn suite() -> Value {
    let path = std::env::var("OKTA_SCIM_SPEC_TEST").unwrap_or_else(|_| {
        format!(
            "{}/../../../shared/okta/scim-spec-test/Okta-SCIM-20-SPEC-Test.json",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// Runscope property paths: `Resources[0].name.familyName`.
fn property<'a>(json: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = json;
    for part in path.split('.') {
        let (name, index) = match part.split_once('[') {
            Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        if !name.is_empty() {
            cur = cur.get(name)?;
        }
        if let Some(i) = index {
            cur = cur.get(i)?;
        }
    }
    Some(cur)
}

fn interpolate(text: &str, vars: &[(String, String)]) -> String {
    let mut out = text.to_owned();
    for (k, v) in vars {
        out = out.replace(&format!("{{{{{k}}}}}"), v);
    }
    out
}

/// Runscope renders a JSON value as text like this for `equal`.
fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[derive(Debug, Default)]
struct Outcome {
    requests: usize,
    assertions: usize,
    failures: Vec<String>,
}

async fn run_suite(scim: &support::Scim, auth: &str) -> Outcome {
    let suite = suite();
    let n = fastrand::u32(100..1000);
    let family: String = std::iter::once(fastrand::uppercase())
        .chain((0..8).map(|_| fastrand::lowercase()))
        .collect();
    let given = format!("Runscope{n}");
    let family = format!("{family}{:03}", fastrand::u32(0..1000));
    let email = format!("{given}{family}@atko.com");
    let mut vars: Vec<(String, String)> = vec![
        ("SCIMBaseURL".into(), scim.base.clone()),
        ("auth".into(), auth.to_owned()),
        ("randomGivenName".into(), given),
        ("randomFamilyName".into(), family),
        ("randomEmail".into(), email.clone()),
        ("randomUsername".into(), email.clone()),
        ("randomUsernameCaps".into(), email.to_uppercase()),
        ("InvalidUserEmail".into(), "abcdefgh@atko.com".into()),
        (
            "UserIdThatDoesNotExist".into(),
            "010101001010101011001010101011".into(),
        ),
    ];
    let mut out = Outcome::default();
    for step in suite["steps"].as_array().unwrap() {
        if step["step_type"] != "request" {
            continue;
        }
        out.requests += 1;
        let note = step["note"].as_str().unwrap_or("").trim().to_owned();
        let url = interpolate(step["url"].as_str().unwrap(), &vars);
        let method =
            reqwest::Method::from_bytes(step["method"].as_str().unwrap().as_bytes()).unwrap();
        let mut req = scim
            .http
            .request(method, reqwest::Url::parse(&url).unwrap());
        for (name, values) in step["headers"].as_object().unwrap() {
            for v in values.as_array().unwrap() {
                req = req.header(name.as_str(), interpolate(v.as_str().unwrap(), &vars));
            }
        }
        if let Some(body) = step["body"].as_str().filter(|b| !b.is_empty()) {
            req = req.body(interpolate(body, &vars));
        }
        let started = Instant::now();
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.unwrap();
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        for a in step["assertions"].as_array().unwrap() {
            out.assertions += 1;
            let want = a["value"].as_str().map(|v| interpolate(v, &vars));
            let prop = a["property"].as_str().unwrap_or("");
            let got: Option<Value> = match a["source"].as_str().unwrap() {
                "response_status" => Some(Value::from(status)),
                "response_time" => Some(Value::from(elapsed_ms)),
                "response_json" => property(&json, prop).cloned(),
                other => panic!("assertion source {other} is not implemented by this runner"),
            };
            let ok = match a["comparison"].as_str().unwrap() {
                "equal_number" => {
                    got.as_ref().and_then(Value::as_f64)
                        == want.as_deref().and_then(|w| w.parse().ok())
                }
                "equal" => got.as_ref().map(as_text) == want,
                "not_empty" => got.as_ref().is_some_and(|g| {
                    !matches!(g, Value::Null)
                        && g != ""
                        && g != &Value::Array(vec![])
                        && g != &serde_json::json!({})
                }),
                "has_value" | "contains" => match (&got, &want) {
                    (Some(Value::Array(items)), Some(w)) => {
                        items.iter().any(|i| i.as_str() == Some(w.as_str()))
                    }
                    (Some(Value::String(s)), Some(w)) => s.contains(w.as_str()),
                    _ => false,
                },
                "is_a_number" => got.as_ref().is_some_and(Value::is_number),
                "is_less_than" => got
                    .as_ref()
                    .and_then(Value::as_f64)
                    .zip(want.as_deref().and_then(|w| w.parse::<f64>().ok()))
                    .is_some_and(|(g, w)| g < w),
                other => panic!("comparison {other} is not implemented by this runner"),
            };
            if !ok {
                out.failures.push(format!(
                    "{note}: {} {prop} {} {want:?}, got {got:?} (HTTP {status})",
                    a["source"], a["comparison"]
                ));
            }
        }
        // The step's Runscope script (GET /Groups) asserts that Resources is an array when
        // totalResults >= 1; evaluate that rule here rather than run JavaScript.
        if step["scripts"].as_array().is_some_and(|s| {
            s.iter()
                .any(|x| x.as_str().is_some_and(|x| x.contains("Array.isArray(res)")))
        }) {
            out.assertions += 1;
            let total = json["totalResults"].as_u64().unwrap_or(0);
            if total >= 1 && !json["Resources"].is_array() {
                out.failures
                    .push(format!("{note}: Resources is not an array"));
            }
        }
        for var in step["variables"].as_array().into_iter().flatten() {
            if var["source"] == "response_json" {
                let value = property(&json, var["property"].as_str().unwrap())
                    .map(as_text)
                    .unwrap_or_default();
                vars.push((var["name"].as_str().unwrap().to_owned(), value));
            }
        }
    }
    out
}

#[tokio::test]
async fn okta_spec_suite_passes_with_bearer_auth() {
    let (scim, provider) = support::start().await;
    support::seed(&provider).await;
    let out = run_suite(&scim, &format!("Bearer {}", support::TOKEN)).await;
    assert_eq!(out.requests, 12, "the suite has 12 requests");
    let in_file: usize = suite()["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["assertions"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(in_file, 52, "the 2024-05 export has 52 assertions");
    assert_eq!(
        out.assertions,
        in_file + 1,
        "every assertion of the file, plus the Groups script rule"
    );
    assert!(out.failures.is_empty(), "{:#?}", out.failures);
}

#[tokio::test]
async fn okta_spec_suite_passes_with_basic_auth() {
    let (scim, provider) = support::start().await;
    support::seed(&provider).await;
    let out = run_suite(&scim, &support::basic_header()).await;
    assert!(out.failures.is_empty(), "{:#?}", out.failures);
}

#[tokio::test]
async fn okta_spec_suite_needs_a_seed_user_as_okta_documents() {
    let (scim, _provider) = support::start().await;
    let out = run_suite(&scim, &format!("Bearer {}", support::TOKEN)).await;
    // Steps 1 and 2 read an existing user; everything else still passes.
    assert!(
        out.failures
            .iter()
            .all(|f| f.contains("Users") || f.contains("user")),
        "{:#?}",
        out.failures
    );
    assert!(!out.failures.is_empty());
}

/// A provider with the bug PostHog shipped (Q-O1): it lower-cases userName.
#[derive(Debug)]
struct LowercasingProvider(okta_scim::InMemoryProvider);

#[async_trait]
impl ScimProvider for LowercasingProvider {
    fn capabilities(&self) -> Capabilities {
        self.0.capabilities()
    }
    async fn list_users(&self, q: &ListQuery) -> okta_scim::Result<ListPage<User>> {
        self.0.list_users(q).await
    }
    async fn get_user(&self, id: &ResourceId) -> okta_scim::Result<User> {
        self.0.get_user(id).await
    }
    async fn create_user(&self, mut user: User) -> okta_scim::Result<User> {
        user.user_name = user.user_name.to_lowercase();
        self.0.create_user(user).await
    }
    async fn list_groups(&self, q: &ListQuery) -> okta_scim::Result<ListPage<Group>> {
        self.0.list_groups(q).await
    }
}

#[tokio::test]
async fn okta_spec_suite_catches_a_server_that_lowercases_user_names() {
    let provider = Arc::new(LowercasingProvider(okta_scim::InMemoryProvider::new()));
    support::seed(&provider.0).await;
    let scim = support::serve(support::builder(provider).build().unwrap()).await;
    let out = run_suite(&scim, &format!("Bearer {}", support::TOKEN)).await;
    assert!(
        out.failures.iter().any(|f| f.contains("userName")),
        "the suite should fail on a lower-cased userName: {:#?}",
        out.failures
    );
}
