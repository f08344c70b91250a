//! Rule expressions: fallback chains of fields, literals and templates.
//!
//! ```text
//! contact.work_email | contact.private_email        first of the two that has a value
//! 'Acme B.V.'                                        a literal ("…" works too)
//! {name.given}.{name.family}@acme.nl                 a template; a slot may hold a chain
//! contact.work_email | "{name.given}@acme.nl"        a template inside a chain
//! ```
//!
//! A template whose slot has no value has no value itself, so the chain goes on to the
//! next alternative. `{{` and `}}` write literal braces.

use std::borrow::Cow;

use crate::field::{Field, Input};

/// One alternative of a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Term {
    Field(Field),
    Literal(String),
    Template(Vec<Piece>),
}

/// A piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Text(String),
    Slot(Vec<Term>),
}

/// A compiled expression: alternatives tried in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Expr {
    pub(crate) alternatives: Vec<Term>,
}

/// A syntax error at a byte offset of the expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExprError {
    pub(crate) position: usize,
    pub(crate) message: String,
}

fn err(position: usize, message: impl Into<String>) -> ExprError {
    ExprError {
        position,
        message: message.into(),
    }
}

pub(crate) fn parse(src: &str) -> Result<Expr, ExprError> {
    let start = src.len() - src.trim_start().len();
    let end = src.trim_end().len();
    let first = src[start..].chars().next();
    match first {
        None => Err(err(0, "the expression is empty")),
        Some(c) if c.is_ascii_alphabetic() || c == '\'' || c == '"' => {
            let (alternatives, end) = chain(src, start, None)?;
            debug_assert_eq!(end, src.len());
            Ok(Expr { alternatives })
        }
        Some(_) => {
            // A bare template is the whole expression; a `|` outside its slots would be
            // taken as text, so ask for the quoted form instead.
            if let Some(bar) = top_level_bar(&src[start..end]) {
                return Err(err(
                    start + bar,
                    "a bare template cannot be part of a `|` chain; quote it: \"{…}\" | other",
                ));
            }
            Ok(Expr {
                alternatives: vec![Term::Template(template(&src[start..end], start)?)],
            })
        }
    }
}

/// The offset of a `|` outside `{…}` slots, if any.
fn top_level_bar(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            '|' if depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

/// Parses `term ('|' term)*` from `at`, up to `close` (exclusive) or the end.
fn chain(src: &str, mut at: usize, close: Option<char>) -> Result<(Vec<Term>, usize), ExprError> {
    let bytes = src.as_bytes();
    let mut terms = Vec::new();
    loop {
        while at < src.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let Some(c) = src[at..].chars().next() else {
            return Err(err(at, "expected a field, a quoted literal or a template"));
        };
        if c == '\'' || c == '"' {
            let (text, end) = quoted(src, at, c)?;
            if close.is_none() && has_slot(&text) {
                terms.push(Term::Template(template(&text, at + 1)?));
            } else {
                terms.push(Term::Literal(text.replace("{{", "{").replace("}}", "}")));
            }
            at = end;
        } else if c.is_ascii_alphabetic() {
            let end = src[at..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
                .map_or(src.len(), |n| at + n);
            let path = &src[at..end];
            let field = Field::parse(path)
                .ok_or_else(|| err(at, format!("unknown field `{path}`{}", suggestion(path))))?;
            terms.push(Term::Field(field));
            at = end;
        } else {
            return Err(err(
                at,
                format!("unexpected `{c}`: expected a field, a quoted literal or a template"),
            ));
        }
        while at < src.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        match src[at..].chars().next() {
            None if close.is_none() => return Ok((terms, at)),
            Some('|') => at += 1,
            Some(c) if Some(c) == close => return Ok((terms, at)),
            None => return Err(err(at, "the slot is not closed with `}`")),
            Some(c) => {
                return Err(err(
                    at,
                    format!("unexpected `{c}`: expected `|` or the end"),
                ));
            }
        }
    }
}

/// Whether `text` has a `{` that opens a slot (not a `{{` escape).
fn has_slot(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1)) {
            (b'{', Some(b'{')) => i += 2,
            (b'{', _) => return true,
            _ => i += 1,
        }
    }
    false
}

/// A quoted literal starting at `at` (the quote); returns the text and the offset after it.
fn quoted(src: &str, at: usize, quote: char) -> Result<(String, usize), ExprError> {
    let mut out = String::new();
    let mut chars = src[at + 1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, e)) => out.push(e),
                None => return Err(err(at + 1 + i, "a `\\` ends the expression")),
            },
            c if c == quote => return Ok((out, at + 1 + i + c.len_utf8())),
            c => out.push(c),
        }
    }
    Err(err(at, "the quoted literal is not closed"))
}

/// A template; `offset` is where `text` starts in the expression, for error positions.
fn template(text: &str, offset: usize) -> Result<Vec<Piece>, ExprError> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut at = 0;
    let bytes = text.as_bytes();
    while at < text.len() {
        match bytes[at] {
            b'{' if bytes.get(at + 1) == Some(&b'{') => {
                literal.push('{');
                at += 2;
            }
            b'}' if bytes.get(at + 1) == Some(&b'}') => {
                literal.push('}');
                at += 2;
            }
            b'}' => {
                return Err(err(
                    offset + at,
                    "a `}` without `{` (write `}}` for a brace)",
                ));
            }
            b'{' => {
                if !literal.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut literal)));
                }
                let (terms, end) = chain(text, at + 1, Some('}')).map_err(|e| ExprError {
                    position: e.position + offset,
                    message: e.message,
                })?;
                if terms.iter().any(|t| matches!(t, Term::Template(_))) {
                    return Err(err(offset + at, "a template cannot be nested in a slot"));
                }
                pieces.push(Piece::Slot(terms));
                at = end + 1;
            }
            _ => {
                let c = text[at..].chars().next().unwrap_or_default();
                literal.push(c);
                at += c.len_utf8().max(1);
            }
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Text(literal));
    }
    if !pieces.iter().any(|p| matches!(p, Piece::Slot(_))) {
        return Err(err(
            offset,
            "a template needs at least one `{field}` slot (quote a literal instead)",
        ));
    }
    Ok(pieces)
}

fn suggestion(path: &str) -> String {
    let close = Field::PATHS
        .iter()
        .filter(|p| {
            p.rsplit('.').next() == path.rsplit('.').next()
                || p.starts_with(path)
                || path.starts_with(*p)
        })
        .take(3)
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>();
    if close.is_empty() {
        " (the crate documentation of `Field` lists every path)".to_owned()
    } else {
        format!(" (did you mean {}?)", close.join(" or "))
    }
}

/// Which alternative each template slot used: four bits per slot for the first eight
/// slots (15 = not recorded), so provenance names only the fields behind a value.
pub(crate) type SlotChoices = u32;

/// Nothing recorded.
pub(crate) const NO_CHOICES: SlotChoices = u32::MAX;

impl Term {
    fn eval<'a>(&'a self, input: Input<'a>, choices: &mut SlotChoices) -> Option<Cow<'a, str>> {
        match self {
            Self::Field(f) => f.get(input),
            Self::Literal(text) => Some(Cow::Borrowed(text.as_str())),
            Self::Template(pieces) => {
                let mut out = String::with_capacity(32);
                let mut slot = 0u32;
                for piece in pieces {
                    match piece {
                        Piece::Text(t) => out.push_str(t),
                        Piece::Slot(terms) => {
                            let mut ignored = NO_CHOICES;
                            let (j, value) = terms
                                .iter()
                                .enumerate()
                                .find_map(|(j, t)| t.eval(input, &mut ignored).map(|v| (j, v)))?;
                            if slot < 8 {
                                let j = u32::try_from(j).unwrap_or(15).min(14);
                                *choices &= !(0xF << (4 * slot));
                                *choices |= j << (4 * slot);
                            }
                            slot += 1;
                            out.push_str(&value);
                        }
                    }
                }
                Some(Cow::Owned(out))
            }
        }
    }

    fn collect_fields<'a>(&'a self, choices: SlotChoices, out: &mut Vec<&'a Field>) {
        match self {
            Self::Field(f) => out.push(f),
            Self::Literal(_) => {}
            Self::Template(pieces) => {
                let slots = pieces.iter().filter_map(|p| match p {
                    Piece::Slot(terms) => Some(terms),
                    Piece::Text(_) => None,
                });
                for (k, terms) in slots.enumerate() {
                    let chosen = (k < 8)
                        .then(|| (choices >> (4 * k)) & 0xF)
                        .filter(|&j| j != 15)
                        .and_then(|j| terms.get(j as usize));
                    match chosen {
                        Some(t) => t.collect_fields(NO_CHOICES, out),
                        None => terms.iter().for_each(|t| t.collect_fields(NO_CHOICES, out)),
                    }
                }
            }
        }
    }
}

impl Expr {
    /// The first alternative with a value, its index, and the choices of its template
    /// slots.
    pub(crate) fn eval<'a>(
        &'a self,
        input: Input<'a>,
    ) -> Option<(Cow<'a, str>, usize, SlotChoices)> {
        self.alternatives.iter().enumerate().find_map(|(i, t)| {
            let mut choices = NO_CHOICES;
            t.eval(input, &mut choices).map(|v| (v, i, choices))
        })
    }

    /// The fields alternative `index` read (all alternatives for `None`), following the
    /// recorded slot choices.
    pub(crate) fn fields(&self, index: Option<usize>, choices: SlotChoices) -> Vec<&Field> {
        let mut out = Vec::new();
        for (i, t) in self.alternatives.iter().enumerate() {
            if index.is_none_or(|n| n == i) {
                t.collect_fields(choices, &mut out);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_literals_and_templates_parse() {
        let e = parse("contact.work_email | contact.private_email").unwrap();
        assert_eq!(
            e.alternatives,
            vec![
                Term::Field(Field::WorkEmail),
                Term::Field(Field::PrivateEmail)
            ]
        );
        let e = parse("{name.given}.{name.family | name.family_name}@acme.nl").unwrap();
        assert!(matches!(&e.alternatives[0], Term::Template(p) if p.len() == 4));
        let e = parse("contact.work_email | '{{literal}}' | \"{name.given}@x.nl\"").unwrap();
        assert_eq!(e.alternatives.len(), 3);
        assert!(matches!(&e.alternatives[2], Term::Template(_)));
    }

    #[test]
    fn errors_point_at_the_problem() {
        for (src, at, needle) in [
            ("", 0, "empty"),
            ("name.givn", 0, "unknown field `name.givn`"),
            ("contact.work_email |", 20, "expected a field"),
            (
                "contact.work_email contact.private_email",
                19,
                "expected `|`",
            ),
            ("'open", 0, "not closed"),
            ("{name.given", 11, "not closed with `}`"),
            ("x}", 0, "unknown field"),
            ("{name.given}}x}", 12, "without `{`"),
            ("{name.given | 'a' | nope.x}", 20, "unknown field"),
            ("{}", 1, "expected a field"),
            ("@acme.nl", 0, "at least one"),
            ("{name.given}@acme.nl | contact.work_email", 21, "quote it"),
        ] {
            let e = parse(src).expect_err(src);
            assert_eq!(e.position, at, "{src}: {}", e.message);
            assert!(e.message.contains(needle), "{src}: {}", e.message);
        }
    }
}
