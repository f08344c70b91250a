//! A single-pass recursive-descent parser over the bytes of a filter or path.
//!
//! Every syntax token is ASCII; only the contents of JSON strings may be other UTF-8, and
//! they are copied as whole runs between ASCII delimiters, so every position the parser
//! stops at is a character boundary. Recursion happens once per nesting level (parentheses,
//! `not`, value filters) and is bounded by [`FilterLimits::max_depth`]; `and`/`or` chains
//! are built iteratively.

use std::borrow::Cow;

use serde_json::Number;

use super::{AttrPath, CompValue, CompareOp, Filter, FilterLimits, PatchPath};
use crate::error::ScimError;

/// The hard ceiling on nesting, whatever the limits say (stack safety).
const DEPTH_CEILING: usize = 256;

/// Which grammar is being parsed; decides the error kind and wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Filter,
    Path,
}

/// A syntax error at a byte position.
#[derive(Debug)]
struct Fail {
    pos: usize,
    msg: Cow<'static, str>,
}

type PResult<T> = Result<T, Fail>;

fn fail<T>(pos: usize, msg: impl Into<Cow<'static, str>>) -> PResult<T> {
    Err(Fail {
        pos,
        msg: msg.into(),
    })
}

#[derive(Debug)]
struct Parser<'a> {
    input: &'a str,
    bytes: &'a [u8],
    pos: usize,
    mode: Mode,
    limits: FilterLimits,
    depth: usize,
    terms: usize,
}

/// `ALPHA / DIGIT / "-" / "_"`.
fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Characters an attribute path token may contain: names, `.`, `$` (`$ref`), and the
/// characters of a schema URN before the last `:` (RFC 8141 pchar without parentheses).
fn is_path_char(b: u8) -> bool {
    is_name_char(b)
        || matches!(
            b,
            b'.' | b':'
                | b'$'
                | b'%'
                | b'+'
                | b'='
                | b'@'
                | b'!'
                | b'~'
                | b';'
                | b'&'
                | b'\''
                | b'*'
                | b','
                | b'/'
        )
}

fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Checks one attribute name (`ALPHA *nameChar` or `$ref`); `pos` is its byte offset.
fn check_name(name: &str, pos: usize) -> PResult<()> {
    if name.is_empty() {
        return fail(pos, "expected an attribute name");
    }
    if name.eq_ignore_ascii_case("$ref") {
        return Ok(());
    }
    for (i, c) in name.char_indices() {
        let ok = if i == 0 {
            c.is_ascii_alphabetic()
        } else {
            c.is_ascii() && is_name_char(c as u8)
        };
        if !ok {
            let what = if i == 0 {
                "an attribute name must start with a letter"
            } else {
                "an attribute name holds only letters, digits, '-' and '_'"
            };
            return fail(pos + i, format!("unexpected {c:?}: {what}"));
        }
    }
    Ok(())
}

/// Splits an attribute path token (`[URN ":"] name ["." sub]`) found at byte `base`.
fn split_path(tok: &str, base: usize) -> PResult<AttrPath> {
    let (urn, rest, rest_off) = match tok.rfind(':') {
        Some(i) => (
            Some(tok.get(..i).unwrap_or_default()),
            tok.get(i + 1..).unwrap_or_default(),
            i + 1,
        ),
        None => (None, tok, 0),
    };
    if let Some(u) = urn
        && (u.is_empty() || u.starts_with(':') || u.ends_with(':'))
    {
        return fail(base, "invalid schema URN before the attribute name");
    }
    let (name, sub) = match rest.find('.') {
        Some(j) => (
            rest.get(..j).unwrap_or_default(),
            Some((rest.get(j + 1..).unwrap_or_default(), j + 1)),
        ),
        None => (rest, None),
    };
    check_name(name, base + rest_off)?;
    let sub_attr = match sub {
        None => None,
        Some((s, off)) => {
            if let Some(k) = s.find('.') {
                return fail(
                    base + rest_off + off + k,
                    "expected at most one sub-attribute",
                );
            }
            check_name(s, base + rest_off + off)?;
            Some(s.to_owned())
        }
    };
    Ok(AttrPath {
        urn: urn.map(str::to_owned),
        name: name.to_owned(),
        sub_attr,
    })
}

impl<'a> Parser<'a> {
    fn new(input: &'a str, mode: Mode, limits: FilterLimits) -> Self {
        Self {
            input,
            bytes: input.as_bytes(),
            pos: 0,
            mode,
            limits,
            depth: 0,
            terms: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn slice(&self, from: usize, to: usize) -> &'a str {
        self.input.get(from..to).unwrap_or_default()
    }

    /// Skips spaces and tabs; returns how many.
    fn skip_ws(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(is_ws) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// Whether the keyword `kw` (lowercase ASCII) starts at `at`, case-insensitively, and
    /// is not the beginning of a longer path token.
    fn keyword_at(&self, at: usize, kw: &str) -> bool {
        let end = at + kw.len();
        self.bytes
            .get(at..end)
            .is_some_and(|w| w.eq_ignore_ascii_case(kw.as_bytes()))
            && !self.bytes.get(end).is_some_and(|b| is_path_char(*b))
    }

    fn error(&self, f: Fail) -> ScimError {
        let col = self
            .input
            .char_indices()
            .take_while(|(i, _)| *i < f.pos)
            .count()
            + 1;
        match self.mode {
            Mode::Filter => {
                ScimError::invalid_filter(format!("invalid filter at column {col}: {}", f.msg))
            }
            Mode::Path => {
                ScimError::invalid_path(format!("invalid path at column {col}: {}", f.msg))
            }
        }
    }

    /// Enters one level of nesting; `open` is the position of its `(` or `[`.
    fn enter(&mut self, open: usize) -> PResult<()> {
        self.depth += 1;
        let max = self.limits.max_depth.min(DEPTH_CEILING);
        if self.depth > max {
            return fail(open, format!("nested deeper than {max} levels"));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// `FILTER := and *(SP "or" SP and)`, left-associative.
    fn parse_or(&mut self, in_vp: bool) -> PResult<Filter> {
        let mut left = self.parse_and(in_vp)?;
        loop {
            let save = self.pos;
            if self.skip_ws() > 0 && self.keyword_at(self.pos, "or") {
                self.pos += 2;
                if self.skip_ws() == 0 {
                    return if self.at_end() {
                        fail(
                            self.pos,
                            "expected an attribute path, '(' or 'not' after 'or'",
                        )
                    } else {
                        fail(self.pos, "expected whitespace after 'or'")
                    };
                }
                let right = self.parse_and(in_vp)?;
                left = Filter::Or(Box::new(left), Box::new(right));
            } else {
                self.pos = save;
                return Ok(left);
            }
        }
    }

    /// `and := unary *(SP "and" SP unary)`, left-associative.
    fn parse_and(&mut self, in_vp: bool) -> PResult<Filter> {
        let mut left = self.parse_unary(in_vp)?;
        loop {
            let save = self.pos;
            if self.skip_ws() > 0 && self.keyword_at(self.pos, "and") {
                self.pos += 3;
                if self.skip_ws() == 0 {
                    return if self.at_end() {
                        fail(
                            self.pos,
                            "expected an attribute path, '(' or 'not' after 'and'",
                        )
                    } else {
                        fail(self.pos, "expected whitespace after 'and'")
                    };
                }
                let right = self.parse_unary(in_vp)?;
                left = Filter::And(Box::new(left), Box::new(right));
            } else {
                self.pos = save;
                return Ok(left);
            }
        }
    }

    /// Parses `FILTER` then optional whitespace and the closing byte `close`.
    /// The opening byte has just been consumed.
    fn parse_group(&mut self, in_vp: bool, close: u8) -> PResult<Filter> {
        self.enter(self.pos.saturating_sub(1))?;
        self.skip_ws();
        let inner = self.parse_or(in_vp)?;
        self.skip_ws();
        if self.peek() != Some(close) {
            let msg = if close == b')' {
                "expected 'and', 'or' or ')'"
            } else {
                "expected 'and', 'or' or ']'"
            };
            return fail(self.pos, msg);
        }
        self.pos += 1;
        self.leave();
        Ok(inner)
    }

    /// `"(" FILTER ")"` / `"not" [WS] "(" FILTER ")"` / `attrExp` / `valuePath`.
    fn parse_unary(&mut self, in_vp: bool) -> PResult<Filter> {
        match self.peek() {
            None => fail(self.pos, "expected an attribute path, '(' or 'not'"),
            Some(b'(') => {
                self.pos += 1;
                self.parse_group(in_vp, b')')
            }
            Some(_) => {
                if self.keyword_at(self.pos, "not") {
                    let save = self.pos;
                    self.pos += 3;
                    self.skip_ws();
                    if self.peek() == Some(b'(') {
                        self.pos += 1;
                        let inner = self.parse_group(in_vp, b')')?;
                        return Ok(Filter::Not(Box::new(inner)));
                    }
                    self.pos = save;
                }
                let start = self.pos;
                let path = self.parse_attr_path()?;
                if self.peek() == Some(b'[') {
                    self.parse_value_path(path, in_vp)
                } else {
                    self.parse_attr_exp(path, start)
                }
            }
        }
    }

    /// `attr "[" valFilter "]"`, plus Entra's `"." subAttr SP op [SP value]` suffix.
    fn parse_value_path(&mut self, attr: AttrPath, in_vp: bool) -> PResult<Filter> {
        let inner = self.parse_brackets(&attr, in_vp)?;
        let filter = if self.mode == Mode::Filter && self.peek() == Some(b'.') {
            self.pos += 1;
            let start = self.pos;
            let name = self.parse_sub_name()?;
            let term = self.parse_attr_exp(AttrPath::new(name), start)?;
            Filter::And(Box::new(inner), Box::new(term))
        } else {
            inner
        };
        Ok(Filter::ValuePath {
            attr,
            filter: Box::new(filter),
        })
    }

    /// `"[" valFilter "]"` after `attr`; the position is at `[`.
    fn parse_brackets(&mut self, attr: &AttrPath, in_vp: bool) -> PResult<Filter> {
        if in_vp {
            return fail(self.pos, "value filters cannot be nested");
        }
        if attr.sub_attr.is_some() {
            return fail(
                self.pos,
                "a value filter '[' must follow an attribute without sub-attribute",
            );
        }
        self.pos += 1;
        self.parse_group(true, b']')
    }

    /// A sub-attribute name after `].`.
    fn parse_sub_name(&mut self) -> PResult<String> {
        let start = self.pos;
        while self.peek().is_some_and(|b| is_name_char(b) || b == b'$') {
            self.pos += 1;
        }
        let name = self.slice(start, self.pos);
        check_name(name, start)?;
        if self.peek().is_some_and(is_path_char) {
            return fail(self.pos, "expected a single sub-attribute name");
        }
        Ok(name.to_owned())
    }

    /// An attribute path token.
    fn parse_attr_path(&mut self) -> PResult<AttrPath> {
        let start = self.pos;
        while self.peek().is_some_and(is_path_char) {
            self.pos += 1;
        }
        if start == self.pos {
            let msg = match self.mode {
                Mode::Filter => "expected an attribute path, '(' or 'not'",
                Mode::Path => "expected an attribute path",
            };
            return fail(start, msg);
        }
        split_path(self.slice(start, self.pos), start)
    }

    /// `attrPath SP "pr"` / `attrPath SP compareOp SP compValue`; the path is parsed.
    fn parse_attr_exp(&mut self, path: AttrPath, start: usize) -> PResult<Filter> {
        self.terms += 1;
        if self.terms > self.limits.max_terms {
            return fail(
                start,
                format!("more than {} comparisons", self.limits.max_terms),
            );
        }
        if self.skip_ws() == 0 {
            return if self.at_end() {
                fail(self.pos, "expected an operator after the attribute path")
            } else {
                fail(self.pos, "expected whitespace after the attribute path")
            };
        }
        let op_start = self.pos;
        while self.peek().is_some_and(is_name_char) {
            self.pos += 1;
        }
        let word = self.slice(op_start, self.pos).as_bytes();
        let op = match word.to_ascii_lowercase().as_slice() {
            b"pr" => return Ok(Filter::Present(path)),
            b"eq" => CompareOp::Eq,
            b"ne" => CompareOp::Ne,
            b"co" => CompareOp::Co,
            b"sw" => CompareOp::Sw,
            b"ew" => CompareOp::Ew,
            b"gt" => CompareOp::Gt,
            b"lt" => CompareOp::Lt,
            b"ge" => CompareOp::Ge,
            b"le" => CompareOp::Le,
            _ => {
                return fail(
                    op_start,
                    "expected an operator (eq, ne, co, sw, ew, gt, lt, ge, le or pr)",
                );
            }
        };
        if self.skip_ws() == 0 {
            return if self.at_end() {
                fail(self.pos, "expected a comparison value")
            } else {
                fail(self.pos, "expected whitespace after the operator")
            };
        }
        let value = self.parse_value()?;
        Ok(Filter::Compare { path, op, value })
    }

    /// A JSON literal.
    fn parse_value(&mut self) -> PResult<CompValue> {
        const EXPECTED: &str =
            "expected a comparison value (a JSON string, number, true, false or null)";
        match self.peek() {
            Some(b'"') => self.parse_string().map(CompValue::Str),
            Some(b'-' | b'0'..=b'9') => self.parse_number().map(CompValue::Number),
            Some(b) if b.is_ascii_alphabetic() => {
                let start = self.pos;
                while self.peek().is_some_and(is_path_char) {
                    self.pos += 1;
                }
                match self.slice(start, self.pos) {
                    "true" => Ok(CompValue::Bool(true)),
                    "false" => Ok(CompValue::Bool(false)),
                    "null" => Ok(CompValue::Null),
                    w if ["true", "false", "null"]
                        .iter()
                        .any(|k| k.eq_ignore_ascii_case(w)) =>
                    {
                        fail(
                            start,
                            "expected a comparison value: true, false and null are lowercase",
                        )
                    }
                    _ => fail(
                        start,
                        "expected a comparison value (a JSON string, number, true, false or null; strings need double quotes)",
                    ),
                }
            }
            _ => fail(self.pos, EXPECTED),
        }
    }

    /// A JSON number; integers become `i64`/`u64` when they fit, everything else `f64`.
    fn parse_number(&mut self) -> PResult<Number> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.skip_digits(),
            _ => return fail(self.pos, "invalid number: expected a digit"),
        }
        let mut float = false;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            float = true;
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                return fail(self.pos, "invalid number: expected a digit after '.'");
            }
            self.skip_digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            float = true;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                return fail(self.pos, "invalid number: expected an exponent");
            }
            self.skip_digits();
        }
        if self.peek().is_some_and(|b| is_path_char(b) || b == b'"') {
            return fail(self.pos, "invalid number");
        }
        let text = self.slice(start, self.pos);
        if !float {
            if negative {
                if let Ok(i) = text.parse::<i64>() {
                    return Ok(Number::from(i));
                }
            } else if let Ok(u) = text.parse::<u64>() {
                return Ok(Number::from(u));
            }
        }
        match text.parse::<f64>().ok().and_then(Number::from_f64) {
            Some(n) => Ok(n),
            None => fail(start, "number out of range"),
        }
    }

    fn skip_digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
    }

    /// A JSON string with its escapes decoded; the position is at the opening quote.
    fn parse_string(&mut self) -> PResult<String> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let run = self.pos;
            while self
                .peek()
                .is_some_and(|b| b != b'"' && b != b'\\' && b >= 0x20)
            {
                self.pos += 1;
            }
            out.push_str(self.slice(run, self.pos));
            match self.peek() {
                None => return fail(open, "unterminated string"),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let esc = self.pos;
                    self.pos += 1;
                    let simple = match self.peek() {
                        Some(b'"') => Some('"'),
                        Some(b'\\') => Some('\\'),
                        Some(b'/') => Some('/'),
                        Some(b'b') => Some('\u{8}'),
                        Some(b'f') => Some('\u{c}'),
                        Some(b'n') => Some('\n'),
                        Some(b'r') => Some('\r'),
                        Some(b't') => Some('\t'),
                        Some(b'u') => None,
                        _ => return fail(esc, "invalid escape in string"),
                    };
                    self.pos += 1;
                    let c = match simple {
                        Some(c) => c,
                        None => self.parse_unicode_escape(esc)?,
                    };
                    out.push(c);
                }
                Some(_) => {
                    return fail(self.pos, "control characters in a string must be escaped");
                }
            }
        }
    }

    /// Four hex digits after `\u` (position after the `u`); a high surrogate must be
    /// followed by `\u` and a low one.
    fn parse_unicode_escape(&mut self, esc: usize) -> PResult<char> {
        let hi = self.hex4(esc)?;
        let code = if (0xD800..0xDC00).contains(&hi) {
            if self.bytes.get(self.pos) != Some(&b'\\')
                || self.bytes.get(self.pos + 1) != Some(&b'u')
            {
                return fail(esc, "unpaired surrogate in \\u escape");
            }
            let low_esc = self.pos;
            self.pos += 2;
            let lo = self.hex4(low_esc)?;
            if !(0xDC00..0xE000).contains(&lo) {
                return fail(low_esc, "unpaired surrogate in \\u escape");
            }
            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
        } else if (0xDC00..0xE000).contains(&hi) {
            return fail(esc, "unpaired surrogate in \\u escape");
        } else {
            hi
        };
        match char::from_u32(code) {
            Some(c) => Ok(c),
            None => fail(esc, "invalid \\u escape"),
        }
    }

    fn hex4(&mut self, esc: usize) -> PResult<u32> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = match self.peek() {
                Some(b) if b.is_ascii_hexdigit() => (b as char).to_digit(16).unwrap_or(0),
                _ => return fail(esc, "invalid \\u escape: expected four hex digits"),
            };
            v = v * 16 + d;
            self.pos += 1;
        }
        Ok(v)
    }
}

fn too_long(mode: Mode, len: usize, max: usize) -> ScimError {
    match mode {
        Mode::Filter => ScimError::invalid_filter(format!(
            "invalid filter: {len} bytes long, at most {max} allowed"
        )),
        Mode::Path => ScimError::invalid_path(format!(
            "invalid path: {len} bytes long, at most {max} allowed"
        )),
    }
}

/// Parses a whole filter.
pub(super) fn filter(input: &str, limits: FilterLimits) -> Result<Filter, ScimError> {
    if input.len() > limits.max_len {
        return Err(too_long(Mode::Filter, input.len(), limits.max_len));
    }
    let mut p = Parser::new(input, Mode::Filter, limits);
    p.skip_ws();
    if p.at_end() {
        return Err(ScimError::invalid_filter(
            "invalid filter: the filter is empty",
        ));
    }
    let run = |p: &mut Parser<'_>| -> PResult<Filter> {
        let f = p.parse_or(false)?;
        p.skip_ws();
        if !p.at_end() {
            return fail(p.pos, "expected 'and', 'or' or the end of the filter");
        }
        Ok(f)
    };
    run(&mut p).map_err(|f| p.error(f))
}

/// Parses an attribute path alone.
pub(super) fn attr_path(input: &str) -> Result<AttrPath, ScimError> {
    let limits = FilterLimits::default();
    if input.len() > limits.max_len {
        return Err(too_long(Mode::Path, input.len(), limits.max_len));
    }
    let mut p = Parser::new(input, Mode::Path, limits);
    let run = |p: &mut Parser<'_>| -> PResult<AttrPath> {
        p.skip_ws();
        let path = p.parse_attr_path()?;
        p.skip_ws();
        if !p.at_end() {
            return fail(p.pos, "unexpected character after the attribute path");
        }
        Ok(path)
    };
    run(&mut p).map_err(|f| p.error(f))
}

/// Parses a PATCH path.
pub(super) fn patch_path(input: &str) -> Result<PatchPath, ScimError> {
    let limits = FilterLimits::default();
    if input.len() > limits.max_len {
        return Err(too_long(Mode::Path, input.len(), limits.max_len));
    }
    let mut p = Parser::new(input, Mode::Path, limits);
    let run = |p: &mut Parser<'_>| -> PResult<PatchPath> {
        p.skip_ws();
        let attr = p.parse_attr_path()?;
        let mut value_filter = None;
        let mut sub_attr = None;
        if p.peek() == Some(b'[') {
            value_filter = Some(p.parse_brackets(&attr, false)?);
            if p.peek() == Some(b'.') {
                p.pos += 1;
                sub_attr = Some(p.parse_sub_name()?);
            }
        }
        p.skip_ws();
        if !p.at_end() {
            let msg = if value_filter.is_some() {
                "expected '.' and a sub-attribute, or the end of the path"
            } else {
                "expected '[' or the end of the path"
            };
            return fail(p.pos, msg);
        }
        Ok(PatchPath {
            attr,
            value_filter,
            sub_attr,
        })
    };
    run(&mut p).map_err(|f| p.error(f))
}
