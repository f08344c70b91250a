//! The HTTP side: ASMX protocol checks, authentication, injections, responses.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;

use super::render::{Context, NS_PREFIX, Op, Service, respond};
use super::xml::{Envelope, escape, fault_envelope, parse_envelope};
use super::{Effect, Inner};

const MISSING_ACTION: &str =
    "Unable to handle request without a valid action parameter. Please supply a valid soap action.";
const UNREADABLE: &str = "Server was unable to read request.";
const XML_CONTENT_TYPE: &str = "text/xml; charset=utf-8";
const HTML_CONTENT_TYPE: &str = "text/html; charset=utf-8";

fn response(status: StatusCode, content_type: &'static str, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=0"),
    );
    headers.insert(
        header::SERVER,
        HeaderValue::from_static("Microsoft-IIS/10.0"),
    );
    headers.insert("x-aspnet-version", HeaderValue::from_static("4.0.30319"));
    headers.insert("x-powered-by", HeaderValue::from_static("ASP.NET"));
    response
}

/// A SOAP 1.1 fault with HTTP `status`.
fn soap_fault(status: StatusCode, code: &str, message: &str) -> Response {
    response(status, XML_CONTENT_TYPE, fault_envelope(code, message))
}

/// An Nmbrs application fault: HTTP 500, `soap:Server`, `---> NNNN: Message`.
fn nmbrs_fault(code: u32, message: &str) -> Response {
    soap_fault(
        StatusCode::INTERNAL_SERVER_ERROR,
        "soap:Server",
        &format!("Server was unable to process request. ---> {code}: {message}"),
    )
}

fn html_page(status: StatusCode, title: &str, text: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \
         \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\r\n\
         <html xmlns=\"http://www.w3.org/1999/xhtml\">\r\n<head>\r\n\
         <meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"/>\r\n\
         <title>{title}</title>\r\n</head>\r\n<body>\r\n<div id=\"header\"><h1>Server Error</h1></div>\r\n\
         <div id=\"content\">\r\n <div class=\"content-container\"><fieldset>\r\n  \
         <h2>{title}</h2>\r\n  <h3>{text}</h3>\r\n </fieldset></div>\r\n</div>\r\n</body>\r\n</html>\r\n",
        title = escape(title),
        text = escape(text),
    );
    response(status, HTML_CONTENT_TYPE, body)
}

/// The IIS 404 page.
pub(crate) fn not_found() -> Response {
    html_page(
        StatusCode::NOT_FOUND,
        "404 - File or directory not found.",
        "The resource you are looking for might have been removed, had its name changed, \
         or is temporarily unavailable.",
    )
}

/// Fallback for paths outside `/soap/v3/{file}`.
pub(crate) async fn fallback() -> Response {
    not_found()
}

/// An injected HTTP error: an HTML error page with that status.
fn http_error(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reason = status.canonical_reason().unwrap_or("Error");
    html_page(
        status,
        &format!("{} - {reason}", status.as_u16()),
        "There is a problem with the resource you are looking for, and it cannot be displayed.",
    )
}

/// What ASMX shows for a GET of the service URL: the list of operations.
fn help_page(service: Service) -> Response {
    let mut body = format!(
        "<html><head><title>{0} Web Service</title></head><body><div id=\"content\">\
         <p class=\"heading1\">{0}</p><p>The following operations are supported.</p><ul>",
        service.name()
    );
    for op in service.operations() {
        body.push_str(&format!(
            "<li><a href=\"{0}.asmx?op={1}\">{1}</a></li>",
            service.name(),
            op.name()
        ));
    }
    body.push_str("</ul></div></body></html>");
    response(StatusCode::OK, HTML_CONTENT_TYPE, body)
}

/// The value of the SOAPAction header without surrounding quotes; `None` when absent or
/// empty.
fn soap_action(headers: &HeaderMap) -> Option<String> {
    let raw = headers.get("soapaction")?;
    let text = String::from_utf8_lossy(raw.as_bytes());
    let text = text.trim();
    let unquoted = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text)
        .trim();
    (!unquoted.is_empty()).then(|| unquoted.to_owned())
}

/// The operation a SOAPAction names for the service of the path.
fn operation(service: Service, action: &str) -> Option<Op> {
    let (svc, name) = action.strip_prefix(NS_PREFIX)?.split_once('/')?;
    if svc != service.name() {
        return None;
    }
    Op::lookup(service, name)
}

/// The axum handler for `/soap/v3/{file}`.
pub(crate) async fn handle(
    State(inner): State<Arc<Inner>>,
    Path(file): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let latency = inner.config().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let Some(service) = Service::from_file(&file) else {
        return not_found();
    };
    if method == Method::GET {
        return help_page(service);
    }
    if method != Method::POST {
        return http_error(405);
    }
    let Some(action) = soap_action(&headers) else {
        return soap_fault(
            StatusCode::INTERNAL_SERVER_ERROR,
            "soap:Client",
            MISSING_ACTION,
        );
    };
    let Some(op) = operation(service, &action) else {
        return soap_fault(
            StatusCode::INTERNAL_SERVER_ERROR,
            "soap:Client",
            &format!("Server did not recognize the value of HTTP Header SOAPAction: {action}."),
        );
    };
    inner.count(op);
    match inner.take_injection(op) {
        Some(Effect::Fault { code, message }) => nmbrs_fault(code, &message),
        Some(Effect::Http { status }) => http_error(status),
        Some(Effect::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            process(&inner, op, &body)
        }
        Some(Effect::Truncated) => {
            let full = process(&inner, op, &body);
            let (parts, body) = full.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let half = bytes.slice(..bytes.len() / 2);
            let mut cut = Response::from_parts(parts, Body::from(half));
            cut.headers_mut().remove(header::CONTENT_LENGTH);
            cut
        }
        None => process(&inner, op, &body),
    }
}

/// Reads the envelope, authenticates and answers `op`.
fn process(inner: &Inner, op: Op, body: &[u8]) -> Response {
    let Ok(envelope) = parse_envelope(body) else {
        return soap_fault(StatusCode::BAD_REQUEST, "soap:Client", UNREADABLE);
    };
    let service = op.service();
    let ns = service.namespace();
    let element = envelope
        .body
        .as_ref()
        .filter(|b| b.ns.as_deref() == Some(ns) && b.local == op.name());
    let Some(element) = element else {
        let found = envelope.body.as_ref().map_or_else(
            || "no body element".to_owned(),
            |b| {
                format!(
                    "<{} xmlns='{}'> was not expected",
                    b.local,
                    b.ns.as_deref().unwrap_or("")
                )
            },
        );
        return soap_fault(
            StatusCode::INTERNAL_SERVER_ERROR,
            "soap:Client",
            &format!(
                "{UNREADABLE} ---> There is an error in XML document. ---> {found}; \
                 expected <{} xmlns='{ns}'>.",
                op.name()
            ),
        );
    };
    let config = inner.config();
    if !authenticated(&envelope, op, &config) {
        return nmbrs_fault(1001, "Invalid Authentication");
    }
    let data = inner.data();
    let cx = Context {
        year: config.year,
        period: config.period,
        domain: &config.domain,
        debtor_name: &config.debtor_name,
    };
    match respond(op, element, &data, &cx) {
        Ok(xml) => response(StatusCode::OK, XML_CONTENT_TYPE, xml),
        Err(fault) => nmbrs_fault(fault.code, fault.message),
    }
}

/// The auth header in the service namespace carries the configured user and token, and
/// the configured domain when it names one.
fn authenticated(envelope: &Envelope, op: Op, config: &super::Config) -> bool {
    let ns = op.service().namespace();
    let Some(header) = envelope.headers.iter().find(|h| {
        h.ns.as_deref() == Some(ns)
            && (h.local == "AuthHeaderWithDomain"
                || (op.plain_auth_header() && h.local == "AuthHeader"))
    }) else {
        return false;
    };
    let domain_ok = header.local != "AuthHeaderWithDomain"
        || header
            .child(ns, "Domain")
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .is_none_or(|d| d == config.domain);
    header.child(ns, "Username") == Some(config.username.as_str())
        && header.child(ns, "Token") == Some(config.token.as_str())
        && domain_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soap_action_is_unquoted_and_matched_to_the_path() {
        let mut headers = HeaderMap::new();
        assert_eq!(soap_action(&headers), None);
        headers.insert("SOAPAction", HeaderValue::from_static("\"\""));
        assert_eq!(soap_action(&headers), None);
        headers.insert(
            "SOAPAction",
            HeaderValue::from_static(
                "\"https://api.nmbrs.nl/soap/v3/EmployeeService/Manager_GetCurrent\"",
            ),
        );
        let action = soap_action(&headers).unwrap_or_default();
        assert_eq!(
            operation(Service::Employee, &action),
            Some(Op::Manager_GetCurrent)
        );
        assert_eq!(operation(Service::Company, &action), None);
        assert_eq!(
            operation(
                Service::Company,
                "https://api.nmbrs.nl/soap/v3/CompanyService/List_GetAll"
            ),
            Some(Op::CompanyList_GetAll)
        );
        assert_eq!(
            operation(
                Service::Company,
                "https://api-sandbox.nmbrs.nl/soap/v3/CompanyService/List_GetAll"
            ),
            None
        );
    }
}
