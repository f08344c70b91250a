//! A runner for Okta's official "SCIM 2.0 SPEC Test" (`Okta-SCIM-20-SPEC-Test.json`, a
//! Runscope export): every request step of the file is sent to a SCIM server and every
//! assertion in the file is checked. Outside this repository, download the file from
//! <https://developer.okta.com/standards/SCIM/SCIMFiles/Okta-SCIM-20-SPEC-Test.json> and
//! set `OKTA_SCIM_SPEC_TEST` to its path.
//!
//! Shared by `okta-scim`'s tests and by `hr-sync`'s pull-mode tests (included there with
//! `#[path]`), so both run the same file the same way.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use serde_json::Value;

/// The SPEC test file, parsed.
pub fn suite() -> Value {
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

/// What a run found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Request steps sent.
    pub requests: usize,
    /// Assertions checked.
    pub assertions: usize,
    /// Assertions that failed, with the step's note.
    pub failures: Vec<String>,
    /// The notes of the steps the caller replaced, in file order.
    pub replaced: Vec<String>,
}

/// Runs the file as written against `base` (the SCIM base URL) with `auth` as the
/// `Authorization` value.
pub async fn run_suite(base: &str, http: &reqwest::Client, auth: &str) -> Outcome {
    run_suite_with(base, http, auth, &|_| None).await
}

/// Runs the file with some steps replaced: `replace` sees each request step and may
/// return another step in the same Runscope format (its URL, method, headers, body,
/// assertions and variables are used instead); the notes of replaced steps are kept in
/// [`Outcome::replaced`].
pub async fn run_suite_with(
    base: &str,
    http: &reqwest::Client,
    auth: &str,
    replace: &dyn Fn(&Value) -> Option<Value>,
) -> Outcome {
    let suite = suite();
    let n = fastrand::u32(100..1000);
    let family: String = std::iter::once(fastrand::uppercase())
        .chain((0..8).map(|_| fastrand::lowercase()))
        .collect();
    let given = format!("Runscope{n}");
    let family = format!("{family}{:03}", fastrand::u32(0..1000));
    let email = format!("{given}{family}@atko.com");
    let mut vars: Vec<(String, String)> = vec![
        ("SCIMBaseURL".into(), base.to_owned()),
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
        let original = step;
        let replacement = replace(original);
        let step = replacement.as_ref().unwrap_or(original);
        if replacement.is_some() {
            out.replaced
                .push(original["note"].as_str().unwrap_or("").trim().to_owned());
        }
        out.requests += 1;
        let note = step["note"].as_str().unwrap_or("").trim().to_owned();
        let url = interpolate(step["url"].as_str().unwrap(), &vars);
        let method =
            reqwest::Method::from_bytes(step["method"].as_str().unwrap().as_bytes()).unwrap();
        let mut req = http.request(method, reqwest::Url::parse(&url).unwrap());
        for (name, values) in step["headers"].as_object().into_iter().flatten() {
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
        for a in step["assertions"].as_array().into_iter().flatten() {
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
