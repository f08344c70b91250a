//! A small pull cursor over quick-xml's streaming reader, and the SOAP envelope walk.
//!
//! Elements are matched by local name only (any prefix, any namespace); nothing but the
//! current element's start tag is held, so no DOM of the response is ever built.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::error::{Error, ErrorKind};

/// An element whose start tag has just been read.
pub(crate) struct Elem<'a> {
    start: BytesStart<'a>,
    /// `<X/>`: nothing inside, no end tag to read.
    empty: bool,
    /// `xsi:nil="true"`.
    nil: bool,
}

impl Elem<'_> {
    pub(crate) fn local(&self) -> &[u8] {
        self.start.local_name().into_inner()
    }

    pub(crate) fn is_nil(&self) -> bool {
        self.nil
    }

    pub(crate) fn local_str(&self) -> String {
        String::from_utf8_lossy(self.local()).into_owned()
    }
}

/// The cursor. Every method keeps the reader positioned on an element boundary.
pub(crate) struct Cursor<'a> {
    reader: Reader<&'a [u8]>,
    len: usize,
    /// Whether `open_envelope` already read the end of `Body` (an empty body).
    pub(crate) body_closed: bool,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(body: &'a [u8]) -> Self {
        let mut reader = Reader::from_reader(body);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.trim_text(false);
        Self {
            reader,
            len: body.len(),
            body_closed: false,
        }
    }

    fn offset(&self) -> u64 {
        self.reader.buffer_position()
    }

    fn malformed(&self, e: &quick_xml::Error) -> Error {
        // quick-xml reports an answer that stops early as a syntax error or as a missing
        // end tag, depending on where it stops; at the end of the input both are a cut.
        if usize::try_from(self.offset()).unwrap_or(usize::MAX) >= self.len {
            return Error::new(
                ErrorKind::Truncated,
                format!(
                    "the answer ends in the middle of the XML (byte {}): {e}",
                    self.offset()
                ),
            );
        }
        Error::protocol(format!("malformed XML at byte {}: {e}", self.offset()))
    }

    fn truncated(&self) -> Error {
        Error::new(
            ErrorKind::Truncated,
            format!(
                "the answer ends before the envelope is closed (byte {})",
                self.offset()
            ),
        )
    }

    /// The next child element of the element being read, or `None` at its end tag.
    ///
    /// Text between children (whitespace, or mixed content) is skipped.
    pub(crate) fn next_child(&mut self) -> Result<Option<Elem<'a>>, Error> {
        loop {
            match self.reader.read_event() {
                Ok(Event::Start(start)) => return Ok(Some(elem(start, false))),
                Ok(Event::Empty(start)) => return Ok(Some(elem(start, true))),
                Ok(Event::End(_)) => return Ok(None),
                Ok(Event::Eof) => return Err(self.truncated()),
                Ok(_) => {}
                Err(e) => return Err(self.malformed(&e)),
            }
        }
    }

    /// The first element of the document (after the declaration and comments).
    fn root(&mut self) -> Result<Elem<'a>, Error> {
        loop {
            match self.reader.read_event() {
                Ok(Event::Start(start)) => return Ok(elem(start, false)),
                Ok(Event::Empty(start)) => return Ok(elem(start, true)),
                Ok(Event::Eof) => return Err(Error::protocol("the answer is empty")),
                Ok(Event::Text(t)) if t.iter().all(u8::is_ascii_whitespace) => {}
                Ok(Event::Text(_) | Event::CData(_) | Event::GeneralRef(_)) => {
                    return Err(Error::protocol("the answer is not XML"));
                }
                Ok(Event::DocType(d)) if d.to_ascii_lowercase().starts_with(b"html") => {
                    return Err(Error::protocol("the answer is an HTML page, not SOAP"));
                }
                Ok(_) => {}
                Err(e) => return Err(Error::protocol(format!("the answer is not XML: {e}"))),
            }
        }
    }

    /// The text of `e`, consuming it: `None` for `xsi:nil`, an empty or blank element.
    /// Leading and trailing whitespace is removed; child elements are skipped.
    pub(crate) fn text(&mut self, e: &Elem<'a>) -> Result<Option<Cow<'a, str>>, Error> {
        if e.empty {
            return Ok(None);
        }
        let mut out: Option<Cow<'a, str>> = None;
        loop {
            let piece: Cow<'a, str> = match self.reader.read_event() {
                Ok(Event::Text(t)) => t.decode().map_err(|err| self.encoding(&err))?,
                Ok(Event::CData(t)) => t.decode().map_err(|err| self.encoding(&err))?,
                Ok(Event::GeneralRef(r)) => Cow::Owned(self.reference(&r)?),
                Ok(Event::Start(start)) => {
                    let child = elem(start, false);
                    self.skip(&child)?;
                    continue;
                }
                Ok(Event::End(_)) => break,
                Ok(Event::Eof) => return Err(self.truncated()),
                Ok(_) => continue,
                Err(err) => return Err(self.malformed(&err)),
            };
            out = Some(match out {
                None => piece,
                Some(prev) => Cow::Owned(prev.into_owned() + &piece),
            });
        }
        if e.nil {
            return Ok(None);
        }
        Ok(out.and_then(|t| trim_cow(t)))
    }

    fn encoding(&self, e: &quick_xml::encoding::EncodingError) -> Error {
        Error::protocol(format!("invalid text at byte {}: {e}", self.offset()))
    }

    fn reference(&self, r: &quick_xml::events::BytesRef<'_>) -> Result<String, Error> {
        if let Ok(Some(c)) = r.resolve_char_ref() {
            return Ok(c.to_string());
        }
        let name = r.decode().map_err(|e| self.encoding(&e))?;
        match quick_xml::escape::resolve_predefined_entity(&name) {
            Some(s) => Ok(s.to_owned()),
            None => Err(Error::protocol(format!(
                "unknown entity &{name}; at byte {}",
                self.offset()
            ))),
        }
    }

    /// Skips `e` and everything inside it.
    pub(crate) fn skip(&mut self, e: &Elem<'a>) -> Result<(), Error> {
        if e.empty {
            return Ok(());
        }
        match self.reader.read_to_end(e.start.name()) {
            Ok(_) => Ok(()),
            Err(err) => Err(self.malformed(&err)),
        }
    }

    /// Calls `f` with each child element of `e`; `f` must consume the child (read its text,
    /// walk or skip it). An empty or nil `e` has no children.
    pub(crate) fn each_child(
        &mut self,
        e: &Elem<'a>,
        mut f: impl FnMut(&mut Self, Elem<'a>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if e.empty {
            return Ok(());
        }
        while let Some(child) = self.next_child()? {
            f(self, child)?;
        }
        Ok(())
    }
}

fn trim_cow(t: Cow<'_, str>) -> Option<Cow<'_, str>> {
    let trimmed = t.trim();
    if trimmed.is_empty() {
        return None;
    }
    if trimmed.len() == t.len() {
        return Some(t);
    }
    Some(match t {
        Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
        Cow::Owned(o) => Cow::Owned(o.trim().to_owned()),
    })
}

fn elem(start: BytesStart<'_>, empty: bool) -> Elem<'_> {
    // Most elements carry no attributes; only parse them where `nil` can be.
    let maybe_nil = start.attributes_raw().windows(3).any(|w| w == b"nil");
    let nil = maybe_nil
        && start.attributes().flatten().any(|a| {
            a.key.local_name().into_inner() == b"nil" && matches!(&*a.value, b"true" | b"1")
        });
    Elem { start, empty, nil }
}

/// Opens a SOAP answer: walks `Envelope/Body` to its first element. A `Fault` there
/// becomes its [`Error`]; otherwise the cursor and the response element are returned
/// (`None` when the body is empty).
pub(crate) fn open_envelope(body: &[u8]) -> Result<(Cursor<'_>, Option<Elem<'_>>), Error> {
    let mut cur = Cursor::new(body);
    let root = cur.root()?;
    if root.local() != b"Envelope" {
        let what = root.local_str();
        if what.eq_ignore_ascii_case("html") {
            return Err(Error::protocol("the answer is an HTML page, not SOAP"));
        }
        return Err(Error::protocol(format!(
            "the answer is <{what}>, not a SOAP envelope"
        )));
    }
    if root.empty {
        return Err(Error::protocol("the SOAP envelope is empty"));
    }
    while let Some(child) = cur.next_child()? {
        if child.local() != b"Body" {
            cur.skip(&child)?;
            continue;
        }
        if child.empty {
            cur.body_closed = true;
            return Ok((cur, None));
        }
        let Some(first) = cur.next_child()? else {
            cur.body_closed = true;
            return Ok((cur, None));
        };
        if first.local() == b"Fault" {
            return Err(read_fault(&mut cur, &first)?);
        }
        return Ok((cur, Some(first)));
    }
    Err(Error::protocol("the SOAP envelope has no Body"))
}

/// Reads a SOAP 1.1 (`faultcode`, `faultstring`) or 1.2 (`Code/Value`, `Reason/Text`) fault.
fn read_fault<'a>(cur: &mut Cursor<'a>, fault: &Elem<'a>) -> Result<Error, Error> {
    let mut code = String::new();
    let mut text = String::new();
    cur.each_child(fault, |cur, child| {
        match child.local() {
            b"faultcode" => code = cur.text(&child)?.unwrap_or_default().into_owned(),
            b"faultstring" => text = cur.text(&child)?.unwrap_or_default().into_owned(),
            b"Code" => cur.each_child(&child, |cur, c| {
                if c.local() == b"Value" && code.is_empty() {
                    code = cur.text(&c)?.unwrap_or_default().into_owned();
                    Ok(())
                } else {
                    cur.skip(&c)
                }
            })?,
            b"Reason" => cur.each_child(&child, |cur, c| {
                if c.local() == b"Text" && text.is_empty() {
                    text = cur.text(&c)?.unwrap_or_default().into_owned();
                    Ok(())
                } else {
                    cur.skip(&c)
                }
            })?,
            _ => cur.skip(&child)?,
        }
        Ok(())
    })?;
    Ok(Error::from_fault(None, &code, &text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(inner: &str) -> String {
        format!(
            r#"<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><X/></s:Header><s:Body>{inner}</s:Body></s:Envelope>"#
        )
    }

    #[test]
    fn text_handles_entities_nil_empty_and_blank() {
        let xml = body(
            r#"<R xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><A>Dijk &amp; Zn &#233;</A><B xsi:nil="true" /><C /><D>  </D><E><![CDATA[x<y]]></E></R>"#,
        );
        let (mut cur, first) = open_envelope(xml.as_bytes()).unwrap();
        let r = first.unwrap();
        let mut got = Vec::new();
        cur.each_child(&r, |cur, c| {
            got.push((c.local_str(), cur.text(&c)?.map(Cow::into_owned)));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            got,
            vec![
                ("A".to_owned(), Some("Dijk & Zn é".to_owned())),
                ("B".to_owned(), None),
                ("C".to_owned(), None),
                ("D".to_owned(), None),
                ("E".to_owned(), Some("x<y".to_owned())),
            ]
        );
    }

    #[test]
    fn not_soap_is_a_protocol_error() {
        for (input, want) in [
            ("", "empty"),
            ("hello", "not XML"),
            ("<!DOCTYPE html><html><body>502</body></html>", "HTML"),
            ("<html><body>Service Unavailable</body></html>", "HTML"),
            ("<foo/>", "not a SOAP envelope"),
        ] {
            let err = open_envelope(input.as_bytes()).err().unwrap();
            assert_eq!(err.kind(), &ErrorKind::Protocol, "{input}");
            assert!(err.message().contains(want), "{input}: {err}");
        }
    }
}
