//! Exact wire behaviour, pinned with wiremock: envelopes, SOAPActions, retries, limits
//! and secrecy. The golden envelopes are `../shared/nmbrs/samples/requests/` (see
//! `tests/samples.rs` for how to point at them from outside this repository).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nmbrs_client::{CompanyId, Credentials, DebtorId, EmployeeId, ErrorKind, NmbrsClient, Period};
use quick_xml::Reader;
use quick_xml::events::Event;
use wiremock::matchers::{header, method, path};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

const USER: &str = "api.user@example.com";
const TOKEN: &str = "0123456789abcdef0123456789abcdef";
const NS: &str = "https://api.nmbrs.nl/soap/v3/";

fn sample(rel: &str) -> String {
    std::fs::read_to_string(common::samples().join(rel)).expect("sample file")
}

/// The XML as a list of events without comments, declaration and whitespace between tags;
/// `<a/>` and `<a></a>` are the same.
fn canonical(xml: &[u8]) -> Vec<String> {
    let mut reader = Reader::from_reader(xml);
    let mut out = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if false => drop(e),
            Ok(Event::Start(e)) => out.push(start(&e)),
            Ok(Event::Empty(e)) => {
                out.push(start(&e));
                out.push(format!("</{}>", String::from_utf8_lossy(e.name().as_ref())));
            }
            Ok(Event::End(e)) => {
                out.push(format!("</{}>", String::from_utf8_lossy(e.name().as_ref())))
            }
            Ok(Event::Text(t)) => {
                let text = String::from_utf8_lossy(&t).trim().to_owned();
                if !text.is_empty() {
                    out.push(text);
                }
            }
            Ok(Event::GeneralRef(r)) => out.push(format!("&{};", String::from_utf8_lossy(&r))),
            Ok(Event::Eof) => return out,
            Ok(_) => {}
            Err(e) => {
                out.push(format!("ERROR {e}"));
                return out;
            }
        }
    }
}

fn start(e: &quick_xml::events::BytesStart<'_>) -> String {
    let mut attrs: Vec<String> = e
        .attributes()
        .flatten()
        .map(|a| {
            format!(
                "{}={}",
                String::from_utf8_lossy(a.key.as_ref()),
                String::from_utf8_lossy(&a.value)
            )
        })
        .collect();
    attrs.sort();
    format!(
        "<{} {}>",
        String::from_utf8_lossy(e.name().as_ref()),
        attrs.join(" ")
    )
}

/// Matches a request whose body is this envelope, modulo whitespace and comments.
struct BodyIs(Vec<String>);

impl Match for BodyIs {
    fn matches(&self, request: &Request) -> bool {
        let got = canonical(&request.body);
        if got != self.0 {
            eprintln!("body differs:\n got  {got:?}\n want {:?}", self.0);
        }
        got == self.0
    }
}

/// The envelope of the help pages, written here independently of the client.
fn envelope(service: &str, op: &str, params: &[(&str, &str)]) -> String {
    let inner: String = params
        .iter()
        .map(|(k, v)| format!("<{k}>{v}</{k}>"))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <soap:Header>
    <AuthHeaderWithDomain xmlns="{NS}{service}">
      <Username>{USER}</Username>
      <Token>{TOKEN}</Token>
      <Domain>acme</Domain>
    </AuthHeaderWithDomain>
  </soap:Header>
  <soap:Body>
    <{op} xmlns="{NS}{service}">{inner}</{op}>
  </soap:Body>
</soap:Envelope>"#
    )
}

fn empty_answer(service: &str, op: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><{op}Response xmlns="{NS}{service}"><{op}Result /></{op}Response></soap:Body></soap:Envelope>"#
    )
}

fn fault(code: u32, text: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>Server was unable to process request. ---&gt; {code}: {text}</faultstring><detail /></soap:Fault></soap:Body></soap:Envelope>"#
    )
}

fn xml(status: u16, body: impl Into<String>) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.into(), "text/xml; charset=utf-8")
}

fn client(server: &MockServer) -> NmbrsClient {
    builder(server).build().expect("client")
}

fn builder(server: &MockServer) -> nmbrs_client::NmbrsClientBuilder {
    NmbrsClient::builder()
        .base_url(&format!("{}/soap/v3/", server.uri()))
        .expect("url")
        .credentials(Credentials::new(USER, TOKEN.into(), Some("acme".into())))
        .rate_limit(150)
        .backoff(Duration::from_millis(1), Duration::from_millis(5))
}

/// Mounts a mock that expects exactly one call of `op` with exactly this body.
async fn expect_call(
    server: &MockServer,
    service: &str,
    op: &str,
    body: &str,
    answer: String,
) -> wiremock::MockGuard {
    Mock::given(method("POST"))
        .and(path(format!("/soap/v3/{service}.asmx")))
        .and(header(
            "SOAPAction",
            format!("\"{NS}{service}/{op}\"").as_str(),
        ))
        .and(header("Content-Type", "text/xml; charset=utf-8"))
        .and(BodyIs(canonical(body.as_bytes())))
        .respond_with(xml(200, answer))
        .expect(1)
        .mount_as_scoped(server)
        .await
}

#[tokio::test]
async fn generated_envelopes_equal_the_golden_samples() {
    let server = MockServer::start().await;
    let client = builder(&server).allow_bsn(true).build().expect("client");
    let req = |name: &str| sample(&format!("requests/{name}.request.xml"));
    let res = |name: &str| sample(&format!("synthetic/{name}.response.xml"));

    {
        let _m = expect_call(
            &server,
            "CompanyService",
            "List_GetAll",
            &req("CompanyService_List_GetAll"),
            sample("from-sources/CompanyService_List_GetAll.response.xml"),
        )
        .await;
        assert_eq!(client.companies().await.expect("companies").len(), 2);
    }
    {
        let _m = expect_call(
            &server,
            "EmployeeService",
            "EmployeeType_GetList",
            &req("EmployeeService_EmployeeType_GetList"),
            res("EmployeeService_EmployeeType_GetList"),
        )
        .await;
        assert_eq!(client.employee_types().await.expect("types").len(), 3);
    }
    {
        let _m = expect_call(
            &server,
            "EmployeeService",
            "List_GetByCompany",
            &req("EmployeeService_List_GetByCompany"),
            res("EmployeeService_List_GetByCompany"),
        )
        .await;
        assert_eq!(
            client
                .employees_by_company(CompanyId(65757), 2)
                .await
                .expect("list")
                .len(),
            2
        );
    }
    {
        let _m = expect_call(
            &server,
            "EmployeeService",
            "PersonalInfo_GetAll_AllEmployeesByCompany",
            &req("EmployeeService_PersonalInfo_GetAll_AllEmployeesByCompany"),
            res("EmployeeService_PersonalInfo_GetAll_AllEmployeesByCompany"),
        )
        .await;
        assert_eq!(
            client
                .personal_info_with_bsn(CompanyId(65757))
                .await
                .expect("personal info")
                .len(),
            2
        );
    }
    {
        let _m = expect_call(
            &server,
            "EmployeeService",
            "CostCenter_GetAllEmployeesByCompany",
            &req("EmployeeService_CostCenter_GetAllEmployeesByCompany"),
            res("EmployeeService_CostCenter_GetAllEmployeesByCompany"),
        )
        .await;
        let period: Period = "2024-6-M".parse().expect("period");
        assert_eq!(
            client
                .cost_centers(CompanyId(65757), &period)
                .await
                .expect("cost centres")
                .len(),
            1
        );
    }
    {
        // Environment_Get carries the plain AuthHeader without Domain; its answer's
        // SubDomain becomes the Domain of later calls.
        let plain = NmbrsClient::builder()
            .base_url(&format!("{}/soap/v3/", server.uri()))
            .expect("url")
            .credentials(Credentials::new(USER, TOKEN.into(), None))
            .build()
            .expect("client");
        let _m = expect_call(
            &server,
            "DebtorService",
            "Environment_Get",
            &req("DebtorService_Environment_Get"),
            res("DebtorService_Environment_Get"),
        )
        .await;
        plain.discover_domain().await.expect("environment");
        assert_eq!(plain.domain().as_deref(), Some("apitesting"));
    }
}

#[tokio::test]
async fn every_typed_operation_sends_its_action_and_parameters() {
    let server = MockServer::start().await;
    let client = client(&server);
    let c = CompanyId(65757);
    let d = DebtorId(4242);
    macro_rules! check {
        ($service:literal, $op:literal, [$(($k:literal, $v:literal)),*], $call:expr) => {{
            let body = envelope($service, $op, &[$(($k, $v)),*]);
            let _m = expect_call(&server, $service, $op, &body, empty_answer($service, $op)).await;
            let result = $call.await;
            assert!(result.is_ok(), "{}: {:?}", $op, result.err());
        }};
    }
    check!(
        "CompanyService",
        "List_GetByDebtor",
        [("DebtorId", "4242")],
        client.companies_by_debtor(d)
    );
    check!(
        "CompanyService",
        "CostCenter_GetList",
        [("CompanyId", "65757")],
        client.cost_center_list(c)
    );
    check!("DebtorService", "List_GetAll", [], client.debtors());
    check!(
        "DebtorService",
        "Department_GetList",
        [("DebtorId", "4242")],
        client.debtor_departments(d)
    );
    check!(
        "DebtorService",
        "Function_GetList",
        [("DebtorId", "4242")],
        client.debtor_functions(d)
    );
    check!(
        "DebtorService",
        "Manager_GetList",
        [("DebtorId", "4242")],
        client.debtor_managers(d)
    );
    check!(
        "EmployeeService",
        "PersonalInfoWithoutBSN_Get_GetAllEmployeesByCompany",
        [("CompanyID", "65757")],
        client.personal_info(c)
    );
    check!(
        "EmployeeService",
        "Employment_GetAll_AllEmployeesByCompany",
        [("CompanyID", "65757")],
        client.employments(c)
    );
    check!(
        "EmployeeService",
        "Contract_GetAll_AllEmployeesByCompany",
        [("CompanyID", "65757")],
        client.contracts(c)
    );
    check!(
        "EmployeeService",
        "Department_GetAll_AllEmployeesByCompany",
        [("CompanyID", "65757")],
        client.departments(c)
    );
    check!(
        "EmployeeService",
        "Function_GetAll_AllEmployeesByCompany_V2",
        [("CompanyID", "65757")],
        client.functions(c)
    );
    check!(
        "EmployeeService",
        "Address_GetAll_AllEmployeesByCompany",
        [("CompanyID", "65757")],
        client.addresses(c)
    );
    check!(
        "EmployeeService",
        "Manager_GetCurrent",
        [("EmployeeId", "603463")],
        client.current_manager(EmployeeId(603463))
    );
    check!(
        "EmployeeService",
        "Schedule_Get",
        [("EmployeeId", "603463")],
        client.call_raw(
            &nmbrs_client::Operation::new(nmbrs_client::Service::Employee, "Schedule_Get"),
            "<EmployeeId>603463</EmployeeId>"
        )
    );
    {
        let body = envelope(
            "CompanyService",
            "Company_GetCurrentPeriod",
            &[("CompanyId", "65757")],
        );
        let answer = format!(
            r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><Company_GetCurrentPeriodResponse xmlns="{NS}CompanyService"><Company_GetCurrentPeriodResult>2026-11-M</Company_GetCurrentPeriodResult></Company_GetCurrentPeriodResponse></soap:Body></soap:Envelope>"#
        );
        let _m = expect_call(
            &server,
            "CompanyService",
            "Company_GetCurrentPeriod",
            &body,
            answer,
        )
        .await;
        let period = client.current_period(c).await.expect("period");
        assert_eq!((period.year, period.period), (2026, 11));
    }
}

#[tokio::test]
async fn bsn_needs_an_explicit_opt_in() {
    let server = MockServer::start().await;
    let raw = client(&server)
        .call_raw(
            &nmbrs_client::ops::PERSONAL_INFO_WITH_BSN,
            "<CompanyID>1</CompanyID>",
        )
        .await
        .expect_err("the raw escape hatch is no way around the opt-in");
    assert!(matches!(raw.kind(), ErrorKind::Configuration { key } if key == "allow_bsn"));
    let err = client(&server)
        .personal_info_with_bsn(CompanyId(1))
        .await
        .expect_err("refused");
    assert!(matches!(err.kind(), ErrorKind::Configuration { key } if key == "allow_bsn"));
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty(),
        "nothing was sent"
    );
}

#[tokio::test]
async fn transient_failures_are_retried_until_success() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_raw("<html><body>Service Unavailable</body></html>", "text/html"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(xml(500, fault(9999, "Unknown")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(xml(500, fault(1006, "Generic Login Security Failure")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(xml(
            200,
            empty_answer("EmployeeService", "EmployeeType_GetList"),
        ))
        .mount(&server)
        .await;
    let client = client(&server);
    assert_eq!(
        client.employee_types().await.expect("after retries").len(),
        0
    );
    let stats = client.stats();
    assert_eq!((stats.calls, stats.retries), (4, 3));
}

#[tokio::test]
async fn authentication_and_permission_faults_are_not_retried() {
    for (code, kind) in [
        (1001, ErrorKind::Unauthenticated),
        (2004, ErrorKind::PermissionDenied),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(xml(500, fault(code, "Nope")))
            .mount(&server)
            .await;
        let client = client(&server);
        let err = client.personal_info(CompanyId(1)).await.expect_err("fault");
        assert_eq!(
            (err.kind(), err.code(), err.status()),
            (&kind, Some(code), Some(500))
        );
        assert_eq!(
            err.operation().map(|o| o.name().to_owned()).as_deref(),
            Some("PersonalInfoWithoutBSN_Get_GetAllEmployeesByCompany")
        );
        assert_eq!(client.stats().calls, 1, "{code} is not retried");
        let core: hr_core::Error = err.into();
        match (code, core) {
            (1001, hr_core::Error::Unauthenticated { .. })
            | (2004, hr_core::Error::PermissionDenied { .. }) => {}
            (_, other) => panic!("{code} became {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_cut_answer_is_retried_and_then_reported_as_truncated() {
    let server = MockServer::start().await;
    let whole =
        sample("synthetic/EmployeeService_PersonalInfo_GetAll_AllEmployeesByCompany.response.xml");
    Mock::given(method("POST"))
        .respond_with(xml(200, whole[..whole.len() / 2].to_owned()))
        .mount(&server)
        .await;
    let client = builder(&server).max_retries(2).build().expect("client");
    let err = client
        .personal_info(CompanyId(1))
        .await
        .expect_err("truncated");
    assert_eq!(err.kind(), &ErrorKind::Truncated);
    assert_eq!(client.stats().calls, 3);
    assert!(matches!(
        hr_core::Error::from(err),
        hr_core::Error::Unavailable { .. }
    ));
}

#[tokio::test]
async fn html_and_non_xml_answers_are_protocol_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "<!DOCTYPE html><html><body>Log in</body></html>",
            "text/html",
        ))
        .mount(&server)
        .await;
    let err = client(&server).employee_types().await.expect_err("html");
    assert_eq!(err.kind(), &ErrorKind::Protocol);
    assert!(err.to_string().contains("HTML"), "{err}");

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let err = client(&server).employee_types().await.expect_err("404");
    assert_eq!(
        (err.kind(), err.status()),
        (&ErrorKind::Protocol, Some(404))
    );
}

#[tokio::test]
async fn slow_answers_time_out() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            xml(200, empty_answer("EmployeeService", "Manager_GetCurrent"))
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let client = builder(&server)
        .timeout(Duration::from_millis(100))
        .max_retries(0)
        .build()
        .expect("client");
    let err = client
        .current_manager(EmployeeId(1))
        .await
        .expect_err("timeout");
    assert_eq!(err.kind(), &ErrorKind::Timeout);
    assert!(err.is_retryable());
}

#[tokio::test]
async fn throttling_honours_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(xml(
            200,
            empty_answer("EmployeeService", "EmployeeType_GetList"),
        ))
        .mount(&server)
        .await;
    let client = client(&server);
    assert!(client.employee_types().await.is_ok());
    assert_eq!(client.stats().retries, 1);
}

/// A `tracing` writer that keeps everything written to it.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_token_never_appears_in_debug_errors_or_logs() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(xml(500, fault(1001, "Invalid Authentication")))
        .mount(&server)
        .await;
    let client = client(&server);
    let err = client.employments(CompanyId(1)).await.expect_err("fault");
    let core = hr_core::Error::from(nmbrs_client::Error::from_fault(
        None,
        "soap:Server",
        "x ---> 1001: y",
    ));

    let logged =
        String::from_utf8(logs.0.lock().map(|l| l.clone()).unwrap_or_default()).unwrap_or_default();
    assert!(
        logged.contains("nmbrs call"),
        "the calls were logged: {logged}"
    );
    for text in [
        logged,
        format!("{client:?}"),
        format!("{err:?}"),
        err.to_string(),
        format!("{core:?}"),
        format!("{:?}", Credentials::new(USER, TOKEN.into(), None)),
    ] {
        assert!(!text.contains(TOKEN), "token leaked: {text}");
    }
}
