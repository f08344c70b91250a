//! XML for the simulator: reading request envelopes with quick-xml and writing responses
//! by hand. Deliberately independent of the client's parser.

use std::fmt::Write as _;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

/// The SOAP 1.1 envelope namespace.
pub(crate) const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// The SOAP 1.2 envelope namespace (accepted on requests, never written).
pub(crate) const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";

/// One element directly below a header block or the body element, with its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Child {
    pub(crate) ns: Option<String>,
    pub(crate) local: String,
    pub(crate) text: String,
}

/// A header block or the body's operation element, with its child elements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Block {
    pub(crate) ns: Option<String>,
    pub(crate) local: String,
    pub(crate) children: Vec<Child>,
}

impl Block {
    /// The text of the first child with this namespace and local name.
    pub(crate) fn child(&self, ns: &str, local: &str) -> Option<&str> {
        self.children
            .iter()
            .find(|c| c.ns.as_deref() == Some(ns) && c.local == local)
            .map(|c| c.text.as_str())
    }
}

/// What the simulator needs from a request envelope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Envelope {
    /// The elements directly inside `Header`.
    pub(crate) headers: Vec<Block>,
    /// The first element inside `Body`.
    pub(crate) body: Option<Block>,
}

/// The request is not a well-formed SOAP envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unreadable;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    None,
    Header,
    Body,
    Other,
}

/// Parses an envelope: any prefix, SOAP 1.1 or 1.2 namespace; keeps two levels below
/// `Header` and `Body`.
pub(crate) fn parse_envelope(input: &[u8]) -> Result<Envelope, Unreadable> {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let mut reader = NsReader::from_reader(input);
    let mut out = Envelope::default();
    let mut depth = 0usize;
    let mut root_seen = false;
    let mut env_ns = String::new();
    let mut section = Section::None;
    let mut block: Option<Block> = None;
    let mut child: Option<Child> = None;
    loop {
        let (resolved, event) = reader.read_resolved_event().map_err(|_| Unreadable)?;
        let ns = match resolved {
            ResolveResult::Bound(ns) => Some(utf8(ns.0)?),
            ResolveResult::Unbound => None,
            ResolveResult::Unknown(_) => return Err(Unreadable),
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let local = utf8(e.local_name().as_ref())?;
                depth += 1;
                match depth {
                    1 => {
                        let ns = ns.unwrap_or_default();
                        if root_seen || local != "Envelope" || (ns != SOAP11_NS && ns != SOAP12_NS)
                        {
                            return Err(Unreadable);
                        }
                        root_seen = true;
                        env_ns = ns;
                    }
                    2 => {
                        section = match (ns.as_deref() == Some(env_ns.as_str()), local.as_str()) {
                            (true, "Header") => Section::Header,
                            (true, "Body") => Section::Body,
                            _ => Section::Other,
                        };
                    }
                    3 => {
                        let wanted = match section {
                            Section::Header => true,
                            Section::Body => out.body.is_none(),
                            Section::None | Section::Other => false,
                        };
                        if wanted {
                            block = Some(Block {
                                ns,
                                local,
                                children: Vec::new(),
                            });
                        }
                    }
                    4 if block.is_some() => {
                        child = Some(Child {
                            ns,
                            local,
                            text: String::new(),
                        });
                    }
                    _ => {}
                }
                if empty {
                    close(depth, section, &mut out, &mut block, &mut child);
                    depth -= 1;
                }
            }
            Event::End(_) => {
                if depth == 0 {
                    return Err(Unreadable);
                }
                close(depth, section, &mut out, &mut block, &mut child);
                if depth == 2 {
                    section = Section::None;
                }
                depth -= 1;
            }
            Event::Text(t) => {
                let text = t.decode().map_err(|_| Unreadable)?;
                if depth == 0 && !text.trim().is_empty() {
                    return Err(Unreadable);
                }
                if depth == 4
                    && let Some(c) = child.as_mut()
                {
                    c.text.push_str(&text);
                }
            }
            Event::CData(t) => {
                if depth == 0 {
                    return Err(Unreadable);
                }
                if depth == 4
                    && let Some(c) = child.as_mut()
                {
                    c.text.push_str(&t.decode().map_err(|_| Unreadable)?);
                }
            }
            Event::GeneralRef(r) => {
                if depth == 0 {
                    return Err(Unreadable);
                }
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .ok()
                        .flatten()
                        .map(String::from)
                        .ok_or(Unreadable)?
                } else {
                    let name = r.decode().map_err(|_| Unreadable)?;
                    resolve_predefined_entity(&name)
                        .ok_or(Unreadable)?
                        .to_owned()
                };
                if depth == 4
                    && let Some(c) = child.as_mut()
                {
                    c.text.push_str(&resolved);
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if depth != 0 || !root_seen {
        return Err(Unreadable);
    }
    Ok(out)
}

fn close(
    depth: usize,
    section: Section,
    out: &mut Envelope,
    block: &mut Option<Block>,
    child: &mut Option<Child>,
) {
    match depth {
        4 => {
            if let (Some(c), Some(b)) = (child.take(), block.as_mut()) {
                b.children.push(c);
            }
        }
        3 => {
            if let Some(b) = block.take() {
                match section {
                    Section::Header => out.headers.push(b),
                    Section::Body => out.body = Some(b),
                    Section::None | Section::Other => {}
                }
            }
        }
        _ => {}
    }
}

fn utf8(bytes: &[u8]) -> Result<String, Unreadable> {
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|_| Unreadable)
}

/// True for the characters XML 1.0 allows in a document.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

/// Appends `text` escaped for element content (`&`, `<`, `>`; `\r` as a character
/// reference so it survives end-of-line normalisation; characters XML cannot carry
/// become U+FFFD).
pub(crate) fn escape_into(out: &mut String, text: &str) {
    if !text
        .chars()
        .any(|c| matches!(c, '&' | '<' | '>' | '\r') || !is_xml_char(c))
    {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c if !is_xml_char(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

/// `text` escaped for element content.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    escape_into(&mut out, text);
    out
}

/// `text` escaped for a double-quoted attribute value.
pub(crate) fn escape_attr(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            c => escape_into(&mut out, c.encode_utf8(&mut [0; 4])),
        }
    }
    out
}

/// Response writer: one `String`, compact like ASMX output.
#[derive(Debug)]
pub(crate) struct Writer {
    pub(crate) out: String,
}

impl Writer {
    /// A writer with room for `capacity` bytes.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            out: String::with_capacity(capacity),
        }
    }

    /// `<tag>`.
    pub(crate) fn open(&mut self, tag: &str) {
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push('>');
    }

    /// `</tag>`, or turns a just-opened `<tag>` into `<tag />` (as ASMX writes empty
    /// elements).
    pub(crate) fn close(&mut self, tag: &str) {
        let open_len = tag.len() + 2;
        let just_opened = self.out.len() >= open_len && {
            let start = self.out.len() - open_len;
            self.out.is_char_boundary(start)
                && self.out[start..].starts_with('<')
                && self.out[start + 1..].strip_suffix('>') == Some(tag)
        };
        if just_opened {
            self.out.truncate(self.out.len() - 1);
            self.out.push_str(" />");
            return;
        }
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
    }

    /// `<tag />`.
    pub(crate) fn empty(&mut self, tag: &str) {
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push_str(" />");
    }

    /// `<tag xsi:nil="true" />`.
    pub(crate) fn nil(&mut self, tag: &str) {
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push_str(" xsi:nil=\"true\" />");
    }

    /// `<tag>text</tag>`, escaped; `<tag />` when empty.
    pub(crate) fn text(&mut self, tag: &str, text: &str) {
        if text.is_empty() {
            self.empty(tag);
            return;
        }
        self.open(tag);
        escape_into(&mut self.out, text);
        self.close(tag);
    }

    /// Like [`Writer::text`], nothing at all for `None`.
    pub(crate) fn opt(&mut self, tag: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.text(tag, text);
        }
    }

    /// `<tag>value</tag>` for a number or other `Display` value needing no escaping.
    pub(crate) fn num(&mut self, tag: &str, value: impl std::fmt::Display) {
        self.open(tag);
        // Writing to a String cannot fail.
        let _ = write!(self.out, "{value}");
        self.close(tag);
    }

    /// `<tag>true</tag>` / `<tag>false</tag>`.
    pub(crate) fn boolean(&mut self, tag: &str, value: bool) {
        self.text(tag, if value { "true" } else { "false" });
    }
}

const ENVELOPE_OPEN: &str = concat!(
    r#"<?xml version="1.0" encoding="utf-8"?>"#,
    r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" "#,
    r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" "#,
    r#"xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>"#
);
const ENVELOPE_CLOSE: &str = "</soap:Body></soap:Envelope>";

/// Writes the envelope start and `<{op}Response xmlns="{ns}">`.
pub(crate) fn begin_response(w: &mut Writer, op: &str, ns: &str) {
    w.out.push_str(ENVELOPE_OPEN);
    w.out.push('<');
    w.out.push_str(op);
    w.out.push_str("Response xmlns=\"");
    w.out.push_str(&escape_attr(ns));
    w.out.push_str("\">");
}

/// Writes `</{op}Response>` and the envelope end.
pub(crate) fn end_response(w: &mut Writer, op: &str) {
    w.out.push_str("</");
    w.out.push_str(op);
    w.out.push_str("Response>");
    w.out.push_str(ENVELOPE_CLOSE);
}

/// A whole response whose `<{op}Response>` element is empty.
pub(crate) fn empty_response(op: &str, ns: &str) -> String {
    let mut w = Writer::with_capacity(ENVELOPE_OPEN.len() + ENVELOPE_CLOSE.len() + 128);
    w.out.push_str(ENVELOPE_OPEN);
    w.out.push('<');
    w.out.push_str(op);
    w.out.push_str("Response xmlns=\"");
    w.out.push_str(&escape_attr(ns));
    w.out.push_str("\" />");
    w.out.push_str(ENVELOPE_CLOSE);
    w.out
}

/// A SOAP 1.1 fault envelope.
pub(crate) fn fault_envelope(code: &str, message: &str) -> String {
    let mut w = Writer::with_capacity(ENVELOPE_OPEN.len() + message.len() + 160);
    w.out.push_str(ENVELOPE_OPEN);
    w.open("soap:Fault");
    w.text("faultcode", code);
    w.text("faultstring", message);
    w.empty("detail");
    w.close("soap:Fault");
    w.out.push_str(ENVELOPE_CLOSE);
    w.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_header_and_body_with_any_prefix() {
        let xml = br#"<?xml version="1.0"?>
<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/">
  <e:Header><a:AuthHeaderWithDomain xmlns:a="urn:x"><a:Username>u&amp;1</a:Username><a:Token><![CDATA[t<]]></a:Token><a:Domain/></a:AuthHeaderWithDomain></e:Header>
  <e:Body><Op xmlns="urn:x"><CompanyID> 12 </CompanyID><Nested><Deep>x</Deep></Nested></Op><Second xmlns="urn:x"/></e:Body>
</e:Envelope>"#;
        let env = parse_envelope(xml).unwrap();
        assert_eq!(env.headers.len(), 1);
        let auth = &env.headers[0];
        assert_eq!(auth.local, "AuthHeaderWithDomain");
        assert_eq!(auth.child("urn:x", "Username"), Some("u&1"));
        assert_eq!(auth.child("urn:x", "Token"), Some("t<"));
        assert_eq!(auth.child("urn:x", "Domain"), Some(""));
        let body = env.body.unwrap();
        assert_eq!(
            (body.ns.as_deref(), body.local.as_str()),
            (Some("urn:x"), "Op")
        );
        assert_eq!(body.child("urn:x", "CompanyID"), Some(" 12 "));
        assert_eq!(body.child("urn:x", "Nested"), Some(""));
        assert_eq!(body.child("", "CompanyID"), None);
    }

    #[test]
    fn rejects_what_is_not_an_envelope() {
        for bad in [
            &b""[..],
            b"not xml",
            b"{\"json\":1}",
            b"<a><b></a>",
            b"<Envelope/>",
            b"<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">",
            b"<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"/><x/>",
            b"<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><p:x/></s:Envelope>",
            b"<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>&bogus;</s:Body></s:Envelope>",
        ] {
            assert_eq!(
                parse_envelope(bad),
                Err(Unreadable),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let bom =
            b"\xEF\xBB\xBF<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"/>";
        assert!(parse_envelope(bom).is_ok());
        let soap12 = b"<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body/></s:Envelope>";
        assert_eq!(parse_envelope(soap12).map(|e| e.body), Ok(None));
    }

    #[test]
    fn escapes_text_and_attributes() {
        assert_eq!(escape("a&b<c>d\"e'"), "a&amp;b&lt;c&gt;d\"e'");
        assert_eq!(escape("x\ry\u{1}z"), "x&#xD;y\u{FFFD}z");
        assert_eq!(escape_attr("a\"b'<"), "a&quot;b&apos;&lt;");
        let mut w = Writer::with_capacity(0);
        w.opt("A", None);
        w.text("B", "");
        w.nil("C");
        w.num("D", -3);
        w.open("E");
        w.close("E");
        w.open("F");
        w.open("G");
        w.close("G");
        w.close("F");
        assert_eq!(
            w.out,
            "<B /><C xsi:nil=\"true\" /><D>-3</D><E /><F><G /></F>"
        );
    }
}
