//! The `filter=` / `search=` expression language of the Okta list endpoints: a small
//! SCIM-like grammar (`attr op "value"`, `and`, `or`, parentheses) and its evaluator.

use std::borrow::Cow;
use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde_json::Value;

/// The deepest nesting of parentheses accepted, so a hostile query cannot overflow the stack.
const MAX_DEPTH: usize = 32;
/// The most comparisons in one expression.
const MAX_TERMS: usize = 100;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Sw,
    Co,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Op {
    fn parse(word: &str) -> Option<Self> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => Self::Eq,
            "sw" => Self::Sw,
            "co" => Self::Co,
            "gt" => Self::Gt,
            "ge" => Self::Ge,
            "lt" => Self::Lt,
            "le" => Self::Le,
            _ => return None,
        })
    }

    pub(crate) fn is_ordering(self) -> bool {
        matches!(self, Self::Gt | Self::Ge | Self::Lt | Self::Le)
    }
}

/// A literal on the right of an operator.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Cmp {
        attr: String,
        op: Op,
        value: Literal,
    },
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

impl Expr {
    /// Every comparison, depth first.
    pub(crate) fn comparisons(&self) -> Vec<(&str, Op, &Literal)> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<(&'a str, Op, &'a Literal)>) {
        match self {
            Self::Cmp { attr, op, value } => out.push((attr, *op, value)),
            Self::And(a, b) | Self::Or(a, b) => {
                a.collect(out);
                b.collect(out);
            }
        }
    }
}

/// Why an expression was refused: a syntax error, or a valid expression the endpoint does
/// not support.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QueryError {
    Invalid,
    Unsupported,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Open,
    Close,
}

fn tokenize(input: &str) -> Result<Vec<Token>, QueryError> {
    let mut tokens = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            '"' => {
                chars.next();
                let mut text = String::new();
                let mut closed = false;
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => text.push(chars.next().ok_or(QueryError::Invalid)?),
                        '"' => {
                            closed = true;
                            break;
                        }
                        c => text.push(c),
                    }
                }
                if !closed {
                    return Err(QueryError::Invalid);
                }
                tokens.push(Token::Str(text));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || c == '(' || c == ')' || c == '"' {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    terms: usize,
}

impl Parser {
    fn peek_word(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.at), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn or(&mut self, depth: usize) -> Result<Expr, QueryError> {
        let mut left = self.and(depth)?;
        while self.peek_word("or") {
            self.at += 1;
            let right = self.and(depth)?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self, depth: usize) -> Result<Expr, QueryError> {
        let mut left = self.primary(depth)?;
        while self.peek_word("and") {
            self.at += 1;
            let right = self.primary(depth)?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, QueryError> {
        if depth > MAX_DEPTH {
            return Err(QueryError::Invalid);
        }
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or(depth + 1)?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err(QueryError::Invalid),
                }
            }
            Some(Token::Word(attr)) => {
                if !valid_attr(&attr) {
                    return Err(QueryError::Invalid);
                }
                let op = match self.next() {
                    Some(Token::Word(op)) => match Op::parse(&op) {
                        Some(op) => op,
                        // `ne`, `pr`, `not`, `ew`: real SCIM words Okta does not take here.
                        None if is_known_unsupported(&op) => return Err(QueryError::Unsupported),
                        None => return Err(QueryError::Invalid),
                    },
                    _ => return Err(QueryError::Invalid),
                };
                let value = match self.next() {
                    Some(Token::Str(s)) => Literal::Str(s),
                    Some(Token::Word(w)) => literal_word(&w)?,
                    _ => return Err(QueryError::Invalid),
                };
                self.terms += 1;
                if self.terms > MAX_TERMS {
                    return Err(QueryError::Invalid);
                }
                Ok(Expr::Cmp { attr, op, value })
            }
            _ => Err(QueryError::Invalid),
        }
    }
}

fn is_known_unsupported(word: &str) -> bool {
    ["ne", "pr", "ew", "not"]
        .iter()
        .any(|w| w.eq_ignore_ascii_case(word))
}

fn valid_attr(attr: &str) -> bool {
    !attr.is_empty()
        && attr
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '$' | '-'))
        && !attr.starts_with('.')
        && !attr.ends_with('.')
}

fn literal_word(word: &str) -> Result<Literal, QueryError> {
    match word.to_ascii_lowercase().as_str() {
        "true" => Ok(Literal::Bool(true)),
        "false" => Ok(Literal::Bool(false)),
        "null" => Ok(Literal::Null),
        _ => word
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Literal::Num)
            .ok_or(QueryError::Invalid),
    }
}

/// Parses a `filter=` or `search=` expression.
pub(crate) fn parse(input: &str) -> Result<Expr, QueryError> {
    let tokens = tokenize(input)?;
    let mut parser = Parser {
        tokens,
        at: 0,
        terms: 0,
    };
    let expr = parser.or(0)?;
    if parser.at != parser.tokens.len() {
        return Err(QueryError::Invalid);
    }
    Ok(expr)
}

/// The value of an attribute of the record being tested.
#[derive(Debug, Clone)]
pub(crate) enum Attr<'a> {
    Text(Cow<'a, str>),
    Json(&'a Value),
    Time(DateTime<Utc>),
    Missing,
}

/// Whether `expr` holds for the record whose attributes `lookup` gives. `case_insensitive`
/// is `search=` semantics; `filter=` compares exactly.
pub(crate) fn eval<'a>(
    expr: &Expr,
    lookup: &dyn Fn(&str) -> Attr<'a>,
    case_insensitive: bool,
) -> bool {
    match expr {
        Expr::And(a, b) => eval(a, lookup, case_insensitive) && eval(b, lookup, case_insensitive),
        Expr::Or(a, b) => eval(a, lookup, case_insensitive) || eval(b, lookup, case_insensitive),
        Expr::Cmp { attr, op, value } => compare(&lookup(attr), *op, value, case_insensitive),
    }
}

fn compare(attr: &Attr<'_>, op: Op, lit: &Literal, ci: bool) -> bool {
    match attr {
        Attr::Missing => matches!((op, lit), (Op::Eq, Literal::Null)),
        Attr::Text(text) => compare_text(text, op, lit, ci),
        Attr::Time(time) => match lit {
            Literal::Str(s) => match parse_time(s) {
                Some(other) => ordering_holds(op, time.cmp(&other)),
                None => false,
            },
            _ => false,
        },
        Attr::Json(value) => compare_json(value, op, lit, ci),
    }
}

fn compare_json(value: &Value, op: Op, lit: &Literal, ci: bool) -> bool {
    match value {
        Value::Null => matches!((op, lit), (Op::Eq, Literal::Null)),
        Value::String(s) => compare_text(s, op, lit, ci),
        Value::Bool(b) => op == Op::Eq && matches!(lit, Literal::Bool(l) if l == b),
        Value::Number(n) => match (lit, n.as_f64()) {
            (Literal::Num(l), Some(n)) => n
                .partial_cmp(l)
                .is_some_and(|ordering| ordering_holds(op, ordering)),
            (Literal::Str(s), _) => compare_text(&n.to_string(), op, &Literal::Str(s.clone()), ci),
            _ => false,
        },
        // Arrays match the SCIM way: any element.
        Value::Array(items) => items.iter().any(|item| compare_json(item, op, lit, ci)),
        Value::Object(_) => false,
    }
}

fn compare_text(text: &str, op: Op, lit: &Literal, ci: bool) -> bool {
    let Literal::Str(want) = lit else {
        return match lit {
            Literal::Num(n) => text.parse::<f64>().ok().is_some_and(|t| {
                t.partial_cmp(n)
                    .is_some_and(|ordering| ordering_holds(op, ordering))
            }),
            Literal::Bool(b) => op == Op::Eq && text.eq_ignore_ascii_case(&b.to_string()),
            _ => false,
        };
    };
    let (text, want): (Cow<'_, str>, Cow<'_, str>) = if ci {
        (text.to_lowercase().into(), want.to_lowercase().into())
    } else {
        (text.into(), want.as_str().into())
    };
    match op {
        Op::Eq => text == want,
        Op::Sw => text.starts_with(want.as_ref()),
        Op::Co => text.contains(want.as_ref()),
        _ => ordering_holds(op, text.as_ref().cmp(want.as_ref())),
    }
}

fn ordering_holds(op: Op, ordering: Ordering) -> bool {
    match op {
        Op::Eq => ordering == Ordering::Equal,
        Op::Gt => ordering == Ordering::Greater,
        Op::Ge => ordering != Ordering::Less,
        Op::Lt => ordering == Ordering::Less,
        Op::Le => ordering != Ordering::Greater,
        Op::Sw | Op::Co => false,
    }
}

/// An RFC 3339 instant (`2024-01-01T00:00:00.000Z`), or a bare date.
pub(crate) fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_expressions() {
        let expr = parse(r#"(status eq "ACTIVE" or status eq "STAGED") and profile.x sw "a\"b""#);
        assert!(matches!(expr, Ok(Expr::And(_, _))));
        assert_eq!(parse("status eq"), Err(QueryError::Invalid));
        assert_eq!(parse(r#"status ne "ACTIVE""#), Err(QueryError::Unsupported));
        assert_eq!(parse(r#"status eq "ACTIVE" )"#), Err(QueryError::Invalid));
        assert_eq!(parse(&"(".repeat(100)), Err(QueryError::Invalid));
        assert_eq!(parse(r#"a eq "unterminated"#), Err(QueryError::Invalid));
    }

    #[test]
    fn evaluates_case_rules() {
        let Ok(expr) = parse(r#"profile.city eq "AMSTERDAM""#) else {
            panic!("parse");
        };
        let value = Value::String("Amsterdam".into());
        let lookup = |_: &str| Attr::Json(&value);
        assert!(eval(&expr, &lookup, true));
        assert!(!eval(&expr, &lookup, false));
    }
}
