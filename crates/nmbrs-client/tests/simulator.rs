//! The Nmbrs simulator over raw SOAP envelopes: protocol checks, faults, injections,
//! call counting and the rendering of `Fixture::standard()` (feature `simulator`).
#![cfg(feature = "simulator")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should stop the test

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, Utc};
use hr_core::conformance::Fixture;
use hr_core::{
    Coded, CompanyRef, Contact, Employee, EmployeeId, HrSnapshot, OrgData, OrgUnitRef, PersonName,
};
use nmbrs_client::simulator::{
    DOMAIN, Injection, Simulator, SimulatorError, SimulatorHandle, TOKEN, USERNAME,
};
use quick_xml::events::Event;
use reqwest::StatusCode;

const SAMPLE_TOKEN: &str = "0123456789abcdef0123456789abcdef";
const NS: &str = "https://api.nmbrs.nl/soap/v3/";

// ---------------------------------------------------------------------------------------
// A tiny DOM over quick-xml, for assertions only.

#[derive(Debug, Default, Clone)]
struct Node {
    name: String,
    nil: bool,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
    /// Text of a child; omitted, empty and nil are `None`.
    fn get(&self, name: &str) -> Option<&str> {
        self.child(name)
            .filter(|c| !c.nil && !c.text.is_empty())
            .map(|c| c.text.as_str())
    }
    fn int(&self, name: &str) -> i64 {
        self.get(name).and_then(|t| t.parse().ok()).unwrap_or(-1)
    }
    fn path(&self, path: &[&str]) -> &Node {
        path.iter().fold(self, |node, name| {
            node.child(name)
                .unwrap_or_else(|| panic!("no <{name}> in <{}>", node.name))
        })
    }
}

fn parse(xml: &str) -> Node {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack = vec![Node::default()];
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => stack.push(open(&e)),
            Event::Empty(e) => {
                let node = open(&e);
                stack.last_mut().unwrap().children.push(node);
            }
            Event::End(_) => {
                let node = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(node);
            }
            Event::Text(t) => stack
                .last_mut()
                .unwrap()
                .text
                .push_str(&t.decode().unwrap()),
            Event::GeneralRef(r) => {
                let text = match r.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&r.decode().unwrap())
                        .expect("known entity")
                        .to_owned(),
                };
                stack.last_mut().unwrap().text.push_str(&text);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    stack.pop().unwrap()
}

fn open(e: &quick_xml::events::BytesStart<'_>) -> Node {
    let nil = e
        .attributes()
        .flatten()
        .any(|a| a.key.local_name().as_ref() == b"nil" && a.value.as_ref() == b"true");
    Node {
        name: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
        nil,
        ..Node::default()
    }
}

/// `Envelope/Body/{op}Response/{op}Result`.
fn result<'a>(doc: &'a Node, op: &str) -> &'a Node {
    doc.path(&[
        "Envelope",
        "Body",
        &format!("{op}Response"),
        &format!("{op}Result"),
    ])
}

// ---------------------------------------------------------------------------------------
// Requests

fn envelope(service: &str, op: &str, params: &str, auth: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <soap:Header>{auth}</soap:Header>
  <soap:Body><{op} xmlns="{NS}{service}">{params}</{op}></soap:Body>
</soap:Envelope>"#
    )
}

fn auth_header(service: &str, user: &str, token: &str, domain: Option<&str>) -> String {
    let domain = domain.map_or(String::new(), |d| format!("<Domain>{d}</Domain>"));
    format!(
        r#"<AuthHeaderWithDomain xmlns="{NS}{service}"><Username>{user}</Username><Token>{token}</Token>{domain}</AuthHeaderWithDomain>"#
    )
}

#[derive(Debug)]
struct Reply {
    status: StatusCode,
    content_type: String,
    body: String,
}

impl Reply {
    fn doc(&self) -> Node {
        parse(&self.body)
    }
    fn fault(&self) -> (String, String) {
        let doc = self.doc();
        let fault = doc.path(&["Envelope", "Body", "Fault"]);
        (
            fault.get("faultcode").unwrap_or("").to_owned(),
            fault.get("faultstring").unwrap_or("").to_owned(),
        )
    }
}

struct Harness {
    sim: Simulator,
    server: SimulatorHandle,
    http: reqwest::Client,
}

impl Harness {
    async fn new(sim: Simulator) -> Self {
        let server = sim.serve().await.expect("serve");
        Self {
            sim,
            server,
            http: reqwest::Client::new(),
        }
    }

    async fn fixture() -> Self {
        let f = Fixture::standard();
        let snapshot = HrSnapshot::new("fixture", Utc::now(), f.employees, f.org_units).unwrap();
        Self::new(
            Simulator::new(&snapshot)
                .unwrap()
                .with_current_period(2026, 6),
        )
        .await
    }

    /// POSTs `body` to `{service}.asmx` with the given raw SOAPAction header value.
    async fn raw(&self, service: &str, action: Option<&str>, body: String) -> Reply {
        let url = format!("{}{service}.asmx", self.server.base_url());
        let mut req = self
            .http
            .post(url)
            .header("Content-Type", "text/xml; charset=utf-8")
            .body(body);
        if let Some(action) = action {
            req = req.header("SOAPAction", action);
        }
        let resp = req.send().await.expect("HTTP");
        let status = resp.status();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let body = resp.text().await.expect("body");
        Reply {
            status,
            content_type,
            body,
        }
    }

    /// A well-formed call with the default credentials.
    async fn call(&self, service: &str, op: &str, params: &str) -> Reply {
        let auth = auth_header(service, USERNAME, TOKEN, Some(DOMAIN));
        self.raw(
            service,
            Some(&format!("\"{NS}{service}/{op}\"")),
            envelope(service, op, params, &auth),
        )
        .await
    }

    async fn ok(&self, service: &str, op: &str, params: &str) -> Node {
        let reply = self.call(service, op, params).await;
        assert_eq!(reply.status, StatusCode::OK, "{op}: {}", reply.body);
        assert_eq!(reply.content_type, "text/xml; charset=utf-8");
        assert!(
            reply
                .body
                .contains(&format!("<{op}Response xmlns=\"{NS}{service}\">"))
                || reply
                    .body
                    .contains(&format!("<{op}Response xmlns=\"{NS}{service}\" />")),
            "{}",
            reply.body
        );
        reply.doc()
    }
}

fn nmbrs_code(reply: &Reply) -> String {
    assert_eq!(
        reply.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        reply.body
    );
    let (code, text) = reply.fault();
    assert_eq!(code, "soap:Server");
    assert!(
        reply
            .body
            .contains("Server was unable to process request. ---&gt; "),
        "{}",
        reply.body
    );
    text.split("---> ").nth(1).unwrap_or("").to_owned()
}

// ---------------------------------------------------------------------------------------
// Samples

fn sample_snapshot() -> HrSnapshot {
    let company = CompanyRef::new("65757".parse().unwrap(), "Sample B.V.");
    let person = |id: &str, number: &str, given: &str, family: &str| {
        let mut org = OrgData::default();
        org.company = Some(company.clone());
        org.department = Some(OrgUnitRef::new("301".parse().unwrap(), "Finance"));
        org.employee_type = Some(Coded::new("2", "Payroll"));
        org.cost_center = Some(Coded::new("100", "Head office"));
        Employee::new(id.parse().unwrap(), PersonName::new(given, family))
            .with_employee_number(number)
            .with_contact(Contact::default().with_work_email(format!("{given}@example.com")))
            .with_org(org)
    };
    HrSnapshot::new(
        "samples",
        Utc::now(),
        vec![
            person("603463", "1", "Jan", "Jansen"),
            person("603464", "2", "Anouk", "Vries"),
        ],
        vec![],
    )
    .unwrap()
}

#[tokio::test]
async fn every_sample_request_gets_a_sensible_answer() {
    let sim = Simulator::new(&sample_snapshot())
        .unwrap()
        .with_credentials(USERNAME, SAMPLE_TOKEN, DOMAIN);
    let h = Harness::new(sim).await;
    let mut files: Vec<_> = std::fs::read_dir(common::samples().join("requests"))
        .expect("samples directory")
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".request.xml"))
        .collect();
    files.sort();
    assert!(files.len() >= 6, "{files:?}");
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let stem = name.trim_end_matches(".request.xml");
        let (service, op) = stem.split_once('_').unwrap();
        let body = std::fs::read_to_string(&file).unwrap();
        let reply = h
            .raw(service, Some(&format!("\"{NS}{service}/{op}\"")), body)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{name}: {}", reply.body);
        assert_eq!(reply.content_type, "text/xml; charset=utf-8");
        let doc = reply.doc();
        let result = result(&doc, op);
        match op {
            "List_GetAll" => {
                let company = result.child("Company").unwrap();
                assert_eq!(company.get("ID"), Some("65757"));
                assert_eq!(company.get("Number"), Some("1"));
                assert_eq!(company.get("Name"), Some("Sample B.V."));
            }
            "Environment_Get" => {
                assert_eq!(result.get("Domain"), Some("acme.nmbrs.nl"));
                assert_eq!(result.get("SubDomain"), Some("acme"));
            }
            "EmployeeType_GetList" => {
                let t = result.child("EmployeeType").unwrap();
                assert_eq!(
                    (t.get("Id"), t.get("Description")),
                    (Some("2"), Some("Payroll"))
                );
            }
            "List_GetByCompany" => {
                let ids: Vec<_> = result.all("Employee").map(|e| e.int("Id")).collect();
                assert_eq!(ids, [603_463, 603_464]);
                assert_eq!(result.child("Employee").unwrap().get("Number"), Some("1"));
            }
            "CostCenter_GetAllEmployeesByCompany" => {
                assert_eq!(result.all("EmployeeCostCenters").count(), 2);
                let centres = result
                    .child("EmployeeCostCenters")
                    .unwrap()
                    .path(&["CostCenters"]);
                let default: Vec<_> = centres
                    .all("EmployeeCostCenter")
                    .filter(|c| c.get("Default") == Some("true"))
                    .map(|c| c.path(&["CostCenter"]).get("Code").unwrap().to_owned())
                    .collect();
                assert_eq!(default, ["100"]);
            }
            "PersonalInfo_GetAll_AllEmployeesByCompany" => {
                assert_eq!(result.all("PersonalInfoItem").count(), 2);
                assert!(reply.body.contains("<BSN>"));
            }
            other => panic!("no expectation for {other}"),
        }
    }
    assert_eq!(h.sim.total_calls(), 6);
}

// ---------------------------------------------------------------------------------------
// Protocol

#[tokio::test]
async fn protocol_errors_look_like_asmx() {
    let h = Harness::fixture().await;
    let auth = auth_header("CompanyService", USERNAME, TOKEN, Some(DOMAIN));
    let body = envelope("CompanyService", "List_GetAll", "", &auth);

    // No SOAPAction: the stock ASMX fault.
    let reply = h.raw("CompanyService", None, body.clone()).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.content_type, "text/xml; charset=utf-8");
    assert_eq!(
        reply.fault(),
        (
            "soap:Client".to_owned(),
            "Unable to handle request without a valid action parameter. Please supply a valid soap action.".to_owned()
        )
    );

    // Unquoted SOAPAction works.
    let reply = h
        .raw(
            "CompanyService",
            Some(&format!("{NS}CompanyService/List_GetAll")),
            body.clone(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);

    // Unknown operation, wrong service, wrong case, sandbox host: not recognised.
    for action in [
        format!("\"{NS}CompanyService/List_GetEverything\""),
        format!("\"{NS}EmployeeService/List_GetAll\""),
        format!("\"{NS}CompanyService/list_getall\""),
        "\"https://api-sandbox.nmbrs.nl/soap/v3/CompanyService/List_GetAll\"".to_owned(),
    ] {
        let reply = h.raw("CompanyService", Some(&action), body.clone()).await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
        let (code, text) = reply.fault();
        assert_eq!(code, "soap:Client");
        assert_eq!(
            text,
            format!(
                "Server did not recognize the value of HTTP Header SOAPAction: {}.",
                action.trim_matches('"')
            )
        );
    }

    // Unknown service: IIS 404 page.
    let reply = h
        .raw(
            "PayrollService",
            Some(&format!("\"{NS}PayrollService/X\"")),
            body.clone(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(
        reply.content_type.starts_with("text/html"),
        "{}",
        reply.content_type
    );
    assert!(reply.body.contains("404"));

    // Not XML: 400 soap:Client.
    let action = format!("\"{NS}CompanyService/List_GetAll\"");
    let reply = h
        .raw(
            "CompanyService",
            Some(&action),
            "{\"not\": \"xml\"}".to_owned(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.fault(),
        (
            "soap:Client".to_owned(),
            "Server was unable to read request.".to_owned()
        )
    );

    // Body element that does not match the action, or is in the wrong namespace.
    let wrong_element = envelope("CompanyService", "Company_GetCurrentPeriod", "", &auth);
    let wrong_ns = body.replace(
        "<List_GetAll xmlns=\"https://api.nmbrs.nl/soap/v3/CompanyService\">",
        "<List_GetAll xmlns=\"https://api.nmbrs.nl/soap/v2.1/CompanyService\">",
    );
    for bad in [wrong_element, wrong_ns] {
        let reply = h.raw("CompanyService", Some(&action), bad).await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(reply.fault().0, "soap:Client", "{}", reply.body);
    }

    // Any envelope prefix is fine.
    let prefixed = body
        .replace("soap:", "s:")
        .replace("xmlns:soap=", "xmlns:s=");
    let reply = h.raw("CompanyService", Some(&action), prefixed).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // Only the requests that named a known operation counted, faulted or not.
    let calls = h.sim.calls();
    assert_eq!(calls.get("CompanyService/List_GetAll"), Some(&5));
    assert_eq!(calls.len(), 1, "{calls:?}");
}

#[tokio::test]
async fn authentication_is_checked() {
    let h = Harness::fixture().await;
    let action = format!("\"{NS}CompanyService/List_GetAll\"");
    let (h, action) = (&h, action.as_str());
    let code = |auth: String| async move {
        let body = envelope("CompanyService", "List_GetAll", "", &auth);
        h.raw("CompanyService", Some(action), body).await
    };

    let ok = code(auth_header("CompanyService", USERNAME, TOKEN, Some(DOMAIN))).await;
    assert_eq!(ok.status, StatusCode::OK);
    let no_domain = code(auth_header("CompanyService", USERNAME, TOKEN, None)).await;
    assert_eq!(no_domain.status, StatusCode::OK, "Domain is optional");

    for bad in [
        auth_header("CompanyService", USERNAME, "wrong-token", Some(DOMAIN)),
        auth_header("CompanyService", "someone@example.com", TOKEN, Some(DOMAIN)),
        auth_header("CompanyService", USERNAME, TOKEN, Some("other")),
        auth_header("EmployeeService", USERNAME, TOKEN, Some(DOMAIN)), // wrong namespace
        String::new(),                                                 // no header
        format!(
            r#"<AuthHeader xmlns="{NS}CompanyService"><Username>{USERNAME}</Username><Token>{TOKEN}</Token></AuthHeader>"#
        ),
    ] {
        let reply = code(bad.clone()).await;
        assert_eq!(nmbrs_code(&reply), "1001: Invalid Authentication", "{bad}");
        assert!(reply.body.contains("---&gt; 1001:"));
    }

    // Environment_Get takes the plain AuthHeader (and the one with domain).
    let plain = format!(
        r#"<AuthHeader xmlns="{NS}DebtorService"><Username>{USERNAME}</Username><Token>{TOKEN}</Token></AuthHeader>"#
    );
    let env_action = format!("\"{NS}DebtorService/Environment_Get\"");
    for auth in [
        plain,
        auth_header("DebtorService", USERNAME, TOKEN, Some(DOMAIN)),
    ] {
        let reply = h
            .raw(
                "DebtorService",
                Some(&env_action),
                envelope("DebtorService", "Environment_Get", "", &auth),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let doc = reply.doc();
        assert_eq!(
            result(&doc, "Environment_Get").get("SubDomain"),
            Some(DOMAIN)
        );
    }
}

#[tokio::test]
async fn parameters_are_case_sensitive_and_validated() {
    let h = Harness::fixture().await;
    let e = "EmployeeService";
    let h = &h;
    let bad = |op: &'static str, params: &'static str| async move {
        let reply = h.call(e, op, params).await;
        nmbrs_code(&reply)
    };
    let unauthorized = "2004: Unauthorized access";
    assert_eq!(
        bad(
            "PersonalInfoWithoutBSN_Get_GetAllEmployeesByCompany",
            "<CompanyId>1001</CompanyId>"
        )
        .await,
        unauthorized
    );
    assert_eq!(
        bad(
            "List_GetByCompany",
            "<CompanyID>1001</CompanyID><EmployeeType>1</EmployeeType>"
        )
        .await,
        unauthorized
    );
    assert_eq!(
        bad(
            "Employment_GetAll_AllEmployeesByCompany",
            "<CompanyID>abc</CompanyID>"
        )
        .await,
        unauthorized
    );
    assert_eq!(
        bad(
            "Department_GetAll_AllEmployeesByCompany",
            "<CompanyID>999</CompanyID>"
        )
        .await,
        unauthorized
    );
    assert_eq!(
        bad("Manager_GetCurrent", "<EmployeeId>1</EmployeeId>").await,
        "2003: Unauthorized access"
    );
    assert_eq!(
        bad(
            "CostCenter_GetAllEmployeesByCompany",
            "<CompanyId>1001</CompanyId><Period>14</Period><Year>2026</Year>"
        )
        .await,
        "2006: Invalid period"
    );
    assert_eq!(
        bad(
            "CostCenter_GetAllEmployeesByCompany",
            "<CompanyId>1001</CompanyId><Period>6</Period><Year>1899</Year>"
        )
        .await,
        "2006: Invalid period"
    );
    let reply = h
        .call(
            "DebtorService",
            "Department_GetList",
            "<DebtorId>2</DebtorId>",
        )
        .await;
    assert_eq!(nmbrs_code(&reply), "2009: Unauthorized access");
    let reply = h
        .call(
            "CompanyService",
            "Company_GetCurrentPeriod",
            "<CompanyID>1001</CompanyID>",
        )
        .await;
    assert_eq!(nmbrs_code(&reply), unauthorized);
    // Right spelling works.
    let doc = h
        .ok(
            "CompanyService",
            "Company_GetCurrentPeriod",
            "<CompanyId>1001</CompanyId>",
        )
        .await;
    let period = doc.path(&[
        "Envelope",
        "Body",
        "Company_GetCurrentPeriodResponse",
        "Company_GetCurrentPeriodResult",
    ]);
    assert_eq!(period.text, "2026-6-M");
}

// ---------------------------------------------------------------------------------------
// Injections and counting

#[tokio::test]
async fn injections_apply_in_order_and_are_counted() {
    let h = Harness::fixture().await;
    let c = "CompanyService";
    h.sim.inject(Injection::fault(
        Some("List_GetAll"),
        1006,
        "Generic Login Security Failure",
        2,
    ));
    h.sim
        .inject(Injection::http(Some("Company_GetCurrentPeriod"), 503, 1));
    h.sim.inject(Injection::truncated(
        Some("EmployeeService/EmployeeType_GetList"),
        1,
    ));
    h.sim
        .inject(Injection::delay(None, Duration::from_millis(150), 1));
    h.sim.inject(Injection::fault(None, 9999, "never", 0)); // times 0: ignored

    for _ in 0..2 {
        let reply = h.call(c, "List_GetAll", "").await;
        assert_eq!(nmbrs_code(&reply), "1006: Generic Login Security Failure");
    }
    // The HTTP injection only matches its operation: List_GetByDebtor is answered after the
    // pending delay (which matches anything) is used up.
    let started = Instant::now();
    h.ok(c, "List_GetByDebtor", "<DebtorId>1</DebtorId>").await;
    assert!(started.elapsed() >= Duration::from_millis(150));

    let reply = h
        .call(c, "Company_GetCurrentPeriod", "<CompanyId>1001</CompanyId>")
        .await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(reply.content_type.starts_with("text/html"));
    assert!(reply.body.contains("503"));

    let whole = {
        let clean = Harness::fixture().await;
        clean
            .call("EmployeeService", "EmployeeType_GetList", "")
            .await
            .body
    };
    let reply = h.call("EmployeeService", "EmployeeType_GetList", "").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body.len(), whole.len() / 2);
    assert!(whole.starts_with(&reply.body));

    // Everything is back to normal now.
    h.ok(c, "List_GetAll", "").await;
    h.ok(c, "Company_GetCurrentPeriod", "<CompanyId>1001</CompanyId>")
        .await;
    h.ok("EmployeeService", "EmployeeType_GetList", "").await;

    let calls = h.sim.calls();
    let expected: BTreeMap<String, u64> = [
        ("CompanyService/Company_GetCurrentPeriod", 2),
        ("CompanyService/List_GetAll", 3),
        ("CompanyService/List_GetByDebtor", 1),
        ("EmployeeService/EmployeeType_GetList", 2),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(calls, expected);
    assert_eq!(h.sim.total_calls(), 8);
    h.sim.reset_calls();
    assert_eq!(h.sim.total_calls(), 0);
    assert!(h.sim.calls().is_empty());
}

#[tokio::test]
async fn latency_applies_to_every_call() {
    let h = Harness::fixture().await;
    h.sim.set_latency(Duration::from_millis(100));
    let started = Instant::now();
    h.ok("CompanyService", "List_GetAll", "").await;
    assert!(started.elapsed() >= Duration::from_millis(100));
    h.sim.set_latency(Duration::ZERO);
}

// ---------------------------------------------------------------------------------------
// The standard fixture

/// The current record by the rules of docs/nmbrs.md: greatest (StartYear, StartPeriod)
/// not after the current period, ties broken by the latest CreationDate.
fn current<'a>(records: impl Iterator<Item = &'a Node>, now: (i64, i64)) -> Option<&'a Node> {
    let created = |n: &Node| {
        NaiveDateTime::parse_from_str(n.get("CreationDate").unwrap(), "%Y-%m-%dT%H:%M:%S%.f")
            .unwrap()
    };
    records
        .filter(|r| (r.int("StartYear"), r.int("StartPeriod")) <= now)
        .max_by_key(|r| (r.int("StartYear"), r.int("StartPeriod"), created(r)))
}

fn by_employee<'a>(result: &'a Node, item: &'a str, list: &'a str) -> BTreeMap<String, &'a Node> {
    result
        .all(item)
        .map(|i| {
            (
                i.get("EmployeeId").unwrap().to_owned(),
                i.child(list).unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_standard_fixture_is_rendered_per_the_contract() {
    let h = Harness::fixture().await;
    let fixture = Fixture::standard();
    let now = (2026, 6);
    let e = "EmployeeService";

    let doc = h.ok("CompanyService", "List_GetAll", "").await;
    let companies: Vec<_> = result(&doc, "List_GetAll")
        .all("Company")
        .map(|c| {
            (
                c.int("ID"),
                c.int("Number"),
                c.get("Name").unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        companies,
        [
            (1001, 1, "Acme Holding B.V.".to_owned()),
            (1002, 2, "Acme Services B.V.".to_owned())
        ]
    );

    let mut items = 0;
    let mut records = 0;
    let mut traps = 0;
    for company in ["1001", "1002"] {
        let param = format!("<CompanyID>{company}</CompanyID>");
        let expected: Vec<&Employee> = fixture
            .employees
            .iter()
            .filter(|p| p.company_id().map(|c| c.as_str()) == Some(company))
            .collect();

        // Personal info, without BSN.
        let reply = h
            .call(
                e,
                "PersonalInfoWithoutBSN_Get_GetAllEmployeesByCompany",
                &param,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(!reply.body.contains("<BSN>"));
        assert!(reply.body.contains("<Birthday xsi:nil=\"true\" />"));
        assert!(reply.body.contains("<Title />"));
        let doc = reply.doc();
        let infos = by_employee(
            result(&doc, "PersonalInfoWithoutBSN_Get_GetAllEmployeesByCompany"),
            "PersonalInfoItem",
            "EmployeePersonalInfos",
        );
        assert_eq!(infos.len(), expected.len(), "company {company}");
        items += infos.len();
        for person in &expected {
            let list = infos[person.id.as_str()];
            records += list.all("PersonalInfo_V2").count();
            let pick = current(list.all("PersonalInfo_V2"), now).unwrap();
            let n = &person.name;
            assert_eq!(
                pick.get("EmailWork"),
                person.contact.work_email.as_deref(),
                "{}",
                person.id
            );
            assert_eq!(
                pick.get("EmailPrivate"),
                person.contact.private_email.as_deref()
            );
            assert_eq!(
                pick.get("TelephoneMobileWork"),
                person.contact.work_mobile.as_deref()
            );
            assert_eq!(
                pick.get("TelephoneWork"),
                person.contact.work_phone.as_deref()
            );
            assert_eq!(pick.get("Nickname"), n.given_name.as_deref());
            assert_eq!(pick.get("FirstName"), n.first_names.as_deref());
            assert_eq!(pick.get("Initials"), n.initials.as_deref());
            assert_eq!(pick.get("Prefix"), n.family_name_prefix.as_deref());
            assert_eq!(pick.get("LastName"), Some(n.family_name.as_str()));
            assert_eq!(
                pick.get("PartnerPrefix"),
                n.partner_family_name_prefix.as_deref()
            );
            assert_eq!(
                pick.get("PartnerLastName"),
                n.partner_family_name.as_deref()
            );
            assert_eq!(
                pick.int("Naamstelling"),
                i64::from(n.convention.nmbrs_code())
            );
            assert_eq!(
                pick.get("EmployeeNumber"),
                person.employee_number.as_deref()
            );
            // A reader that takes the latest CreationDate or the last record gets it wrong
            // for some people.
            let latest = list
                .all("PersonalInfo_V2")
                .max_by_key(|r| r.get("CreationDate").map(str::to_owned))
                .unwrap();
            let last = list.all("PersonalInfo_V2").last().unwrap();
            if latest.get("EmailWork") != pick.get("EmailWork")
                || last.get("EmailWork") != pick.get("EmailWork")
            {
                traps += 1;
            }
        }

        // Departments and functions.
        let doc = h
            .ok(e, "Department_GetAll_AllEmployeesByCompany", &param)
            .await;
        let depts = by_employee(
            result(&doc, "Department_GetAll_AllEmployeesByCompany"),
            "EmployeeDepartmentItem",
            "EmployeeDepartments",
        );
        let doc = h
            .ok(e, "Function_GetAll_AllEmployeesByCompany_V2", &param)
            .await;
        let functions = by_employee(
            result(&doc, "Function_GetAll_AllEmployeesByCompany_V2"),
            "EmployeeFunctionItem_V2",
            "EmployeeFunctions",
        );
        for person in &expected {
            let list = depts[person.id.as_str()];
            assert!(
                list.all("Department_V2").count() >= 2,
                "history for {}",
                person.id
            );
            let pick = current(list.all("Department_V2"), now).unwrap();
            let dept = person.org.department.as_ref().unwrap();
            assert_eq!(pick.get("Id"), Some(dept.id.as_str()));
            assert_eq!(pick.get("Code"), Some(dept.id.as_str()));
            assert_eq!(pick.get("Description"), Some(dept.name.as_str()));
            let title = current(functions[person.id.as_str()].all("EmployeeFunction"), now)
                .map(|f| f.path(&["Function"]).get("Description").unwrap().to_owned());
            assert_eq!(title, person.org.job_title, "{}", person.id);
        }

        // Addresses.
        let doc = h
            .ok(e, "Address_GetAll_AllEmployeesByCompany", &param)
            .await;
        let addresses = by_employee(
            result(&doc, "Address_GetAll_AllEmployeesByCompany"),
            "EmployeeAddressItem",
            "EmployeeAddresses",
        );
        for person in &expected {
            let list = addresses[person.id.as_str()];
            let home = list
                .all("EmployeeAddress_V2")
                .filter(|a| a.get("Type") == Some("HomeAddress"))
                .filter(|a| {
                    a.get("EndYear").is_none() || (a.int("EndYear"), a.int("EndPeriod")) >= now
                });
            let home = current(home, now);
            let want = person.address.as_ref();
            assert_eq!(
                home.and_then(|a| a.get("Street")),
                want.and_then(|a| a.street.as_deref())
            );
            assert_eq!(
                home.and_then(|a| a.get("HouseNumberAddition")),
                want.and_then(|a| a.house_number_addition.as_deref())
            );
            assert_eq!(
                home.and_then(|a| a.get("PostalCode")),
                want.and_then(|a| a.postal_code.as_deref())
            );
            assert_eq!(
                home.and_then(|a| a.get("CountryISOCode")),
                want.and_then(|a| a.country.as_ref().map(|c| c.as_str()))
            );
        }

        // Employments and contracts.
        let doc = h
            .ok(e, "Employment_GetAll_AllEmployeesByCompany", &param)
            .await;
        let jobs = by_employee(
            result(&doc, "Employment_GetAll_AllEmployeesByCompany"),
            "EmployeeEmploymentItem",
            "EmployeeEmployments",
        );
        let doc = h
            .ok(e, "Contract_GetAll_AllEmployeesByCompany", &param)
            .await;
        let contracts = by_employee(
            result(&doc, "Contract_GetAll_AllEmployeesByCompany"),
            "EmployeeContractItemGlobal",
            "EmployeeContracts",
        );
        for person in &expected {
            let got: Vec<(String, Option<String>)> = jobs[person.id.as_str()]
                .all("Employment")
                .map(|j| {
                    let end = j.child("EndDate").unwrap();
                    assert_eq!(end.nil, j.get("EndDate").is_none());
                    (
                        j.get("StartDate").unwrap()[..10].to_owned(),
                        j.get("EndDate").map(|d| d[..10].to_owned()),
                    )
                })
                .collect();
            let want: Vec<(String, Option<String>)> = person
                .employments
                .iter()
                .map(|j| (j.start().to_string(), j.end().map(|d| d.to_string())))
                .collect();
            assert_eq!(got, want, "{}", person.id);
            let contract_list = contracts[person.id.as_str()];
            assert_eq!(contract_list.all("EmployeeContract").count(), want.len());
            for c in contract_list.all("EmployeeContract") {
                assert!(c.get("EmployementType").is_some());
            }
        }
    }
    assert_eq!(items, 30);
    assert!(records > 60, "history: {records} records for 30 people");
    assert!(traps > 0, "no person would trip a naive reader");

    // BSN variant.
    let reply = h
        .call(
            e,
            "PersonalInfo_GetAll_AllEmployeesByCompany",
            "<CompanyID>1001</CompanyID>",
        )
        .await;
    assert!(reply.body.contains("<BSN>999999990</BSN>"));
}

#[tokio::test]
async fn fixture_lists_managers_types_and_cost_centres() {
    let h = Harness::fixture().await;
    let e = "EmployeeService";

    // Employee types and membership.
    let doc = h.ok(e, "EmployeeType_GetList", "").await;
    let types: Vec<_> = result(&doc, "EmployeeType_GetList")
        .all("EmployeeType")
        .map(|t| (t.int("Id"), t.get("Description").unwrap().to_owned()))
        .collect();
    assert_eq!(
        types,
        [
            (0, "applicant".to_owned()),
            (1, "payroll".to_owned()),
            (2, "external".to_owned())
        ]
    );
    let doc = h
        .ok(
            e,
            "List_GetByCompany",
            "<CompanyId>1001</CompanyId><EmployeeType>0</EmployeeType>",
        )
        .await;
    let listed: Vec<_> = result(&doc, "List_GetByCompany")
        .all("Employee")
        .map(|p| (p.int("Id"), p.int("Number")))
        .collect();
    assert_eq!(listed, [(600_025, 14)]);
    let doc = h
        .ok(
            e,
            "List_GetByCompany",
            "<CompanyId>1002</CompanyId><EmployeeType>2</EmployeeType>",
        )
        .await;
    assert_eq!(result(&doc, "List_GetByCompany").all("Employee").count(), 1);
    let reply = h
        .call(
            e,
            "List_GetByCompany",
            "<CompanyId>1002</CompanyId><EmployeeType>99</EmployeeType>",
        )
        .await;
    assert!(
        reply.body.contains("<List_GetByCompanyResult />"),
        "{}",
        reply.body
    );

    // Managers: an employee, an external manager, nobody.
    let doc = h
        .ok(e, "Manager_GetCurrent", "<EmployeeId>600002</EmployeeId>")
        .await;
    let m = result(&doc, "Manager_GetCurrent");
    assert_eq!(m.get("FirstName"), Some("Anouk"));
    assert_eq!(m.get("Name"), Some("Bakker-de Vries"));
    assert_eq!(m.get("Email"), Some("anouk.vries@acme.example"));
    let doc = h
        .ok(e, "Manager_GetCurrent", "<EmployeeId>600020</EmployeeId>")
        .await;
    let m = result(&doc, "Manager_GetCurrent");
    assert_eq!(
        (m.get("FirstName"), m.get("Name")),
        (None, Some("K. Visser"))
    );
    assert_eq!(m.get("Email"), Some("k.visser@interim.example"));
    let reply = h
        .call(e, "Manager_GetCurrent", "<EmployeeId>600001</EmployeeId>")
        .await;
    assert!(
        reply.body.contains(&format!(
            "<Manager_GetCurrentResponse xmlns=\"{NS}EmployeeService\" />"
        )),
        "{}",
        reply.body
    );
    let doc = h
        .ok("DebtorService", "Manager_GetList", "<DebtorId>1</DebtorId>")
        .await;
    assert_eq!(result(&doc, "Manager_GetList").all("Manager").count(), 5);

    // Cost centres: default 60 % next to ZZ-OTHER 40 %.
    let doc = h
        .ok(
            e,
            "CostCenter_GetAllEmployeesByCompany",
            "<CompanyId>1001</CompanyId><Period>6</Period><Year>2026</Year>",
        )
        .await;
    let centres = by_employee(
        result(&doc, "CostCenter_GetAllEmployeesByCompany"),
        "EmployeeCostCenters",
        "CostCenters",
    );
    let ruben: Vec<_> = centres["600029"]
        .all("EmployeeCostCenter")
        .map(|c| {
            let cc = c.path(&["CostCenter"]);
            (
                cc.get("Code").unwrap().to_owned(),
                cc.get("Description").map(str::to_owned),
                c.get("Percentage").unwrap().to_owned(),
                c.get("Default").unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        ruben,
        [
            (
                "ZZ-OTHER".to_owned(),
                Some("Other".to_owned()),
                "40.00".to_owned(),
                "false".to_owned()
            ),
            (
                "FIN-01".to_owned(),
                Some("Finance NL".to_owned()),
                "60.00".to_owned(),
                "true".to_owned()
            ),
        ]
    );
    assert_eq!(centres["600001"].all("EmployeeCostCenter").count(), 0);
    let doc = h
        .ok(
            "CompanyService",
            "CostCenter_GetList",
            "<CompanyId>1001</CompanyId>",
        )
        .await;
    let codes: Vec<_> = result(&doc, "CostCenter_GetList")
        .all("CostCenter")
        .map(|c| c.get("Code").unwrap().to_owned())
        .collect();
    assert_eq!(codes, ["FIN-01", "ZZ-OTHER"]);

    // Debtor lists.
    let doc = h.ok("DebtorService", "List_GetAll", "").await;
    let debtor = result(&doc, "List_GetAll").child("Debtor").unwrap();
    assert_eq!(
        (debtor.get("Id"), debtor.get("Name")),
        (Some("1"), Some("Simulated debtor"))
    );
    let doc = h
        .ok(
            "DebtorService",
            "Department_GetList",
            "<DebtorId>1</DebtorId>",
        )
        .await;
    let depts: Vec<_> = result(&doc, "Department_GetList")
        .all("Department")
        .map(|d| d.get("Description").unwrap().to_owned())
        .collect();
    assert_eq!(
        depts,
        ["Finance", "Engineering", "Sales", "People & Culture"]
    );
    let doc = h
        .ok(
            "DebtorService",
            "Function_GetList",
            "<DebtorId>1</DebtorId>",
        )
        .await;
    assert_eq!(result(&doc, "Function_GetList").all("Function").count(), 6);
    let doc = h
        .ok(
            "CompanyService",
            "List_GetByDebtor",
            "<DebtorId>1</DebtorId>",
        )
        .await;
    assert_eq!(result(&doc, "List_GetByDebtor").all("Company").count(), 2);

    // Addresses: every third person with an address has a post address and an ended one.
    let doc = h
        .ok(
            e,
            "Address_GetAll_AllEmployeesByCompany",
            "<CompanyID>1001</CompanyID>",
        )
        .await;
    let addresses = by_employee(
        result(&doc, "Address_GetAll_AllEmployeesByCompany"),
        "EmployeeAddressItem",
        "EmployeeAddresses",
    );
    let anouk: Vec<_> = addresses["600001"]
        .all("EmployeeAddress_V2")
        .map(|a| {
            (
                a.get("Type").unwrap().to_owned(),
                a.get("EndYear").map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(anouk.len(), 3, "{anouk:?}");
    assert!(anouk.contains(&("PostAddress".to_owned(), None)));
    assert!(anouk.contains(&("HomeAddress".to_owned(), Some("2024".to_owned()))));
    assert_eq!(addresses["600002"].all("EmployeeAddress_V2").count(), 0);
}

// ---------------------------------------------------------------------------------------
// Data handling

fn generated(n: u32) -> HrSnapshot {
    let people = (0..n)
        .map(|i| {
            let company = 2000 + i % 3;
            let mut org = OrgData::default();
            org.company = Some(CompanyRef::new(
                company.into(),
                format!("Company {company} & Co"),
            ));
            org.department = Some(OrgUnitRef::new(
                (10 + i % 12).into(),
                format!("Dept <{}>", i % 12),
            ));
            org.job_title = (i % 4 == 0).then(|| format!("Role {}", i % 9));
            org.employee_type = Some(Coded::new((1 + i % 2).to_string(), "payroll"));
            Employee::new(
                EmployeeId::from(100_000 + i),
                PersonName::new(format!("Given{i}"), format!("Family{i}"))
                    .with_family_name_prefix("van"),
            )
            .with_employee_number((i + 1).to_string())
            .with_contact(Contact::default().with_work_email(format!("person{i}@example.com")))
            .with_org(org)
        })
        .collect();
    HrSnapshot::new("generated", Utc::now(), people, vec![]).unwrap()
}

#[tokio::test]
async fn ten_thousand_people_are_served() {
    let h = Harness::new(Simulator::new(&generated(10_000)).unwrap()).await;
    let reply = h
        .call(
            "EmployeeService",
            "PersonalInfoWithoutBSN_Get_GetAllEmployeesByCompany",
            "<CompanyID>2000</CompanyID>",
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.len() > 1_000_000, "{} bytes", reply.body.len());
    assert_eq!(reply.body.matches("<PersonalInfoItem>").count(), 3_334);
    assert!(reply.body.contains("Dept &lt;") || !reply.body.contains("Dept <"));
}

#[tokio::test]
async fn snapshots_are_validated_and_replaced_live() {
    let person = |id: &str| {
        let mut org = OrgData::default();
        org.company = Some(CompanyRef::new("1".parse().unwrap(), "C"));
        Employee::new(EmployeeId::new(id).unwrap(), PersonName::new("A", "B")).with_org(org)
    };
    let snap = |people| HrSnapshot::new("t", Utc::now(), people, vec![]).unwrap();

    let err = Simulator::new(&snap(vec![person("emp-1")])).unwrap_err();
    match &err {
        SimulatorError::NotAnInteger {
            record,
            field,
            value,
        } => {
            assert_eq!(
                (record.as_str(), *field, value.as_str()),
                ("employee emp-1", "id", "emp-1")
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("emp-1"));
    let too_big = Simulator::new(&snap(vec![person("1").with_employee_number("3000000000")]));
    assert!(matches!(
        too_big,
        Err(SimulatorError::NotAnInteger {
            field: "employee_number",
            ..
        })
    ));
    let mut typed = person("1");
    typed.org.employee_type = Some(Coded::new("payroll", ""));
    assert!(matches!(
        Simulator::new(&snap(vec![typed])),
        Err(SimulatorError::NotAnInteger {
            field: "org.employee_type.code",
            ..
        })
    ));
    let homeless = Employee::new(EmployeeId::new("5").unwrap(), PersonName::new("A", "B"));
    assert!(matches!(
        Simulator::new(&snap(vec![homeless])),
        Err(SimulatorError::MissingCompany { .. })
    ));

    // Live replacement.
    let h = Harness::new(Simulator::new(&snap(vec![person("1")])).unwrap()).await;
    let count = |doc: Node| {
        result(&doc, "PersonalInfoWithoutBSN_Get_GetAllEmployeesByCompany")
            .all("PersonalInfoItem")
            .count()
    };
    let op = "PersonalInfoWithoutBSN_Get_GetAllEmployeesByCompany";
    assert_eq!(
        count(
            h.ok("EmployeeService", op, "<CompanyID>1</CompanyID>")
                .await
        ),
        1
    );
    assert!(h.sim.set_snapshot(&snap(vec![person("x")])).is_err());
    h.sim
        .set_snapshot(&snap(vec![person("1"), person("2"), person("3")]))
        .unwrap();
    assert_eq!(
        count(
            h.ok("EmployeeService", op, "<CompanyID>1</CompanyID>")
                .await
        ),
        3
    );
}

#[tokio::test]
async fn router_embeds_and_handle_shuts_down() {
    let sim = Simulator::new(&sample_snapshot()).unwrap();
    let app = axum::Router::new()
        .route("/health", axum::routing::get(|| async { "ok" }))
        .merge(sim.router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::new();
    let body = envelope(
        "CompanyService",
        "List_GetAll",
        "",
        &auth_header("CompanyService", USERNAME, TOKEN, None),
    );
    let resp = http
        .post(format!("http://{addr}/soap/v3/CompanyService.asmx"))
        .header("SOAPAction", format!("\"{NS}CompanyService/List_GetAll\""))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(sim.total_calls(), 1);
    task.abort();

    let server = sim.serve().await.unwrap();
    assert_eq!(
        server.base_url(),
        format!("http://{}/soap/v3/", server.addr())
    );
    let help = http
        .get(format!("{}CompanyService.asmx", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(help.status(), StatusCode::OK);
    let other = http
        .get(format!("http://{}/elsewhere", server.addr()))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    let url = server.base_url().to_owned();
    server.shutdown();
    let mut refused = false;
    for _ in 0..50 {
        if reqwest::Client::new().get(&url).send().await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "the server still answers after shutdown");
}
