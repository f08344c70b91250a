//! Request envelopes: SOAP 1.1, document/literal, auth header in the service's namespace.

use std::fmt::Write as _;

use quick_xml::escape::escape;

use crate::operation::{Operation, SOAP11_ENVELOPE};

/// Which auth header a call carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthHeader {
    /// `AuthHeaderWithDomain {Username, Token, Domain}`: every v3 call.
    WithDomain,
    /// `AuthHeader {Username, Token}`: `DebtorService.Environment_Get` only.
    Plain,
}

/// The values of the auth header, borrowed for the time of rendering.
pub(crate) struct AuthValues<'a> {
    pub(crate) username: &'a str,
    pub(crate) token: &'a str,
    pub(crate) domain: Option<&'a str>,
}

/// Renders the envelope of `op` with `params` (element name, already-escaped-free value)
/// or a raw inner body.
pub(crate) fn render(
    op: &Operation,
    auth: &AuthValues<'_>,
    header: AuthHeader,
    body: &Body<'_>,
) -> String {
    let ns = op.service().namespace();
    let mut out = String::with_capacity(640);
    out.push_str(r#"<?xml version="1.0" encoding="utf-8"?>"#);
    let _ = write!(
        out,
        r#"<soap:Envelope xmlns:soap="{SOAP11_ENVELOPE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Header>"#
    );
    let header_name = match header {
        AuthHeader::WithDomain => "AuthHeaderWithDomain",
        AuthHeader::Plain => "AuthHeader",
    };
    let _ = write!(
        out,
        r#"<{header_name} xmlns="{ns}"><Username>{}</Username><Token>{}</Token>"#,
        escape(auth.username),
        escape(auth.token)
    );
    if let (AuthHeader::WithDomain, Some(domain)) = (header, auth.domain) {
        let _ = write!(out, "<Domain>{}</Domain>", escape(domain));
    }
    let _ = write!(out, "</{header_name}></soap:Header><soap:Body>");
    let name = op.name();
    match body {
        Body::Params([]) => {
            let _ = write!(out, r#"<{name} xmlns="{ns}" />"#);
        }
        Body::Params(params) => {
            let _ = write!(out, r#"<{name} xmlns="{ns}">"#);
            for (element, value) in *params {
                let _ = write!(out, "<{element}>{}</{element}>", escape(value.as_str()));
            }
            let _ = write!(out, "</{name}>");
        }
        Body::Raw(inner) => {
            let _ = write!(out, r#"<{name} xmlns="{ns}">{inner}</{name}>"#);
        }
    }
    out.push_str("</soap:Body></soap:Envelope>");
    out
}

/// The content of the operation element.
pub(crate) enum Body<'a> {
    /// Named parameters, in order.
    Params(&'a [(&'static str, String)]),
    /// XML written by the caller of [`crate::NmbrsClient::call_raw`].
    Raw(&'a str),
}
