//! Evaluation of a filter over a JSON resource or over one element of a multi-valued
//! attribute. Nothing here allocates per value except case-insensitive `co`, which
//! case-folds both strings once to search in linear time; wrong JSON shapes simply do
//! not match.

use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use serde_json::{Map, Number, Value};

use super::{AttrPath, CompValue, CompareOp, Filter};
use crate::canonical::is_urn;
use crate::schema::{Attribute, AttributeType, Resolved, ResourceSchema};

/// How a value compares, from its attribute definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// String, reference or binary.
    Str {
        case_exact: bool,
    },
    Bool,
    Num,
    DateTime,
    Complex,
    /// No definition: compare by the JSON type of the comparison value, strings
    /// case-insensitively.
    Untyped,
}

pub(super) fn kind_of(attr: &Attribute) -> Kind {
    match attr.ty() {
        AttributeType::String | AttributeType::Reference => Kind::Str {
            case_exact: attr.is_case_exact(),
        },
        AttributeType::Binary => Kind::Str { case_exact: true },
        AttributeType::Boolean => Kind::Bool,
        AttributeType::Integer | AttributeType::Decimal => Kind::Num,
        AttributeType::DateTime => Kind::DateTime,
        AttributeType::Complex => Kind::Complex,
    }
}

/// What a top-level attribute path refers to.
#[derive(Debug, Clone, Copy)]
pub(super) enum Lookup<'s> {
    /// The special `schemas` attribute: multi-valued, case-insensitive strings.
    Schemas,
    /// A defined attribute.
    Known {
        /// JSON key of the extension object, `None` for the top level.
        container: Option<&'s str>,
        /// The top-level attribute.
        top: &'s Attribute,
        /// The attribute the path ends at (`top`, or its sub-attribute).
        leaf: &'s Attribute,
    },
    /// An attribute inside an undeclared extension.
    Undeclared,
}

fn is_schemas(path: &AttrPath, schema: &ResourceSchema) -> bool {
    path.name.eq_ignore_ascii_case("schemas")
        && path.sub_attr.is_none()
        && path.urn.as_deref().is_none_or(|u| schema.is_core_urn(u))
        && schema.attribute(None, "schemas").is_none()
}

/// Resolves a top-level path; `None` when the schema does not define it.
pub(super) fn lookup<'s>(schema: &'s ResourceSchema, path: &AttrPath) -> Option<Lookup<'s>> {
    if is_schemas(path, schema) {
        return Some(Lookup::Schemas);
    }
    let urn = path.urn.as_deref();
    match schema.resolve(urn, &path.name, path.sub_attr.as_deref())? {
        // `foo:bar` is not an extension attribute: only `urn:` prefixes are schema URNs.
        Resolved::UndeclaredExtension if !urn.is_some_and(is_urn) => None,
        Resolved::UndeclaredExtension => Some(Lookup::Undeclared),
        Resolved::Known {
            container,
            attribute,
        } => Some(Lookup::Known {
            container,
            top: schema.attribute(urn, &path.name)?,
            leaf: attribute,
        }),
    }
}

/// The `value` sub-attribute a multi-valued complex attribute compared without
/// sub-attribute stands for (`emails co "example.com"`).
pub(super) fn implicit_value(attr: &Attribute) -> Option<&Attribute> {
    if attr.ty() == AttributeType::Complex && attr.is_multi_valued() {
        attr.sub_attribute("value")
    } else {
        None
    }
}

/// The member `key` of an object, the exact key first, then case-insensitively.
pub(crate) fn get_ci<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn member<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    v.as_object().and_then(|o| get_ci(o, key))
}

/// Where the evaluated paths start.
#[derive(Debug, Clone, Copy)]
enum Scope<'a> {
    Resource(&'a Value, &'a ResourceSchema),
    Element(&'a Value, Option<&'a Attribute>),
}

pub(super) fn matches(f: &Filter, resource: &Value, schema: &ResourceSchema) -> bool {
    eval(f, Scope::Resource(resource, schema))
}

pub(super) fn matches_element(f: &Filter, element: &Value, parent: Option<&Attribute>) -> bool {
    eval(f, Scope::Element(element, parent))
}

fn eval(f: &Filter, scope: Scope<'_>) -> bool {
    match f {
        Filter::And(a, b) => eval(a, scope) && eval(b, scope),
        Filter::Or(a, b) => eval(a, scope) || eval(b, scope),
        Filter::Not(a) => !eval(a, scope),
        Filter::Present(path) => locate(scope, path, false).is_some_and(|l| l.check(None)),
        Filter::Compare { path, op, value } => {
            locate(scope, path, true).is_some_and(|l| l.check(Some((*op, value))))
        }
        Filter::ValuePath { attr, filter } => value_path(scope, attr, filter),
    }
}

/// The values a path selects: `top` (an array is several values), or the member `sub`
/// of `top` / of each element of `top`.
#[derive(Debug, Clone, Copy)]
struct Located<'a> {
    top: Option<&'a Value>,
    sub: Option<&'a str>,
    kind: Kind,
}

fn locate<'a>(scope: Scope<'a>, path: &'a AttrPath, compare: bool) -> Option<Located<'a>> {
    match scope {
        Scope::Resource(root, schema) => match lookup(schema, path)? {
            Lookup::Schemas => Some(Located {
                top: member(root, "schemas"),
                sub: None,
                kind: Kind::Str { case_exact: false },
            }),
            Lookup::Undeclared => {
                let container = path.urn.as_deref().and_then(|u| member(root, u));
                Some(Located {
                    top: container.and_then(|c| member(c, &path.name)),
                    sub: path.sub_attr.as_deref(),
                    kind: Kind::Untyped,
                })
            }
            Lookup::Known {
                container,
                top,
                leaf,
            } => {
                let value = match container {
                    Some(c) => member(root, c),
                    None => Some(root),
                }
                .and_then(|obj| member(obj, top.name()));
                Some(sub_located(
                    value,
                    top,
                    path.sub_attr.is_some().then_some(leaf),
                    compare,
                ))
            }
        },
        Scope::Element(elem, parent) => {
            let def = parent.and_then(|p| p.sub_attribute(&path.name));
            let key = def.map_or(path.name.as_str(), Attribute::name);
            let value = match elem {
                Value::Object(o) => get_ci(o, key),
                Value::Null => None,
                scalar => (path.name.eq_ignore_ascii_case("value") && path.sub_attr.is_none())
                    .then_some(scalar),
            };
            match def {
                Some(def) => {
                    let leaf = match &path.sub_attr {
                        Some(s) => Some(def.sub_attribute(s)?),
                        None => None,
                    };
                    Some(sub_located(value, def, leaf, compare))
                }
                None => Some(Located {
                    top: value,
                    sub: path.sub_attr.as_deref(),
                    kind: Kind::Untyped,
                }),
            }
        }
    }
}

/// Located values of attribute `top` (its JSON value `value`), narrowed to the
/// sub-attribute `leaf` if any, or to the implicit `value` of a multi-valued complex
/// attribute in a comparison.
fn sub_located<'a>(
    value: Option<&'a Value>,
    top: &'a Attribute,
    leaf: Option<&'a Attribute>,
    compare: bool,
) -> Located<'a> {
    let leaf = match leaf {
        Some(l) => Some(l),
        None if compare => implicit_value(top),
        None => None,
    };
    match leaf {
        Some(l) => Located {
            top: value,
            sub: Some(l.name()),
            kind: kind_of(l),
        },
        None => Located {
            top: value,
            sub: None,
            kind: kind_of(top),
        },
    }
}

/// `pr` on one value: not null, not `""`, not an empty array or object; an array or
/// object is present when one of its members is (one level deep).
fn present(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.iter().any(present_shallow),
        Value::Object(o) => o.values().any(present_shallow),
        v => present_shallow(v),
    }
}

fn present_shallow(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

/// Whether `f` holds for any value of `v` (each element of an array).
fn any_value(v: &Value, f: &impl Fn(&Value) -> bool) -> bool {
    match v {
        Value::Array(a) => a.iter().any(f),
        v => f(v),
    }
}

impl Located<'_> {
    fn any(&self, f: &impl Fn(&Value) -> bool) -> bool {
        let Some(top) = self.top else {
            return false;
        };
        match self.sub {
            None => any_value(top, f),
            Some(s) => any_value(top, &|el: &Value| {
                member(el, s).is_some_and(|x| any_value(x, f))
            }),
        }
    }

    fn check(&self, cmp: Option<(CompareOp, &CompValue)>) -> bool {
        match cmp {
            None => self.any(&present),
            Some((op, CompValue::Null)) => match op {
                CompareOp::Eq => !self.any(&present),
                CompareOp::Ne => self.any(&present),
                _ => false,
            },
            Some((op, value)) => {
                let expected = Expected::new(self.kind, value);
                if op == CompareOp::Ne {
                    !self.any(&|x| compare(self.kind, CompareOp::Eq, x, &expected))
                } else {
                    self.any(&|x| compare(self.kind, op, x, &expected))
                }
            }
        }
    }
}

fn value_path(scope: Scope<'_>, attr: &AttrPath, inner: &Filter) -> bool {
    let (value, parent) = match scope {
        Scope::Resource(root, schema) => match lookup(schema, attr) {
            None => return false,
            Some(Lookup::Schemas) => (member(root, "schemas"), None),
            Some(Lookup::Undeclared) => (
                attr.urn
                    .as_deref()
                    .and_then(|u| member(root, u))
                    .and_then(|c| member(c, &attr.name)),
                None,
            ),
            Some(Lookup::Known { container, top, .. }) => {
                let obj = match container {
                    Some(c) => member(root, c),
                    None => Some(root),
                };
                (obj.and_then(|o| member(o, top.name())), Some(top))
            }
        },
        Scope::Element(elem, parent) => {
            let def = parent.and_then(|p| p.sub_attribute(&attr.name));
            let key = def.map_or(attr.name.as_str(), Attribute::name);
            (member(elem, key), def)
        }
    };
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Array(a)) => a.iter().any(|el| eval(inner, Scope::Element(el, parent))),
        Some(v) => eval(inner, Scope::Element(v, parent)),
    }
}

/// The comparison value, prepared once per comparison for the attribute's kind.
#[derive(Debug)]
enum Expected<'v> {
    Str(&'v str),
    Bool(bool),
    Num(&'v Number),
    Time(DateTime<FixedOffset>),
    /// Cannot match anything (wrong type for the attribute).
    Never,
}

impl<'v> Expected<'v> {
    fn new(kind: Kind, value: &'v CompValue) -> Self {
        match (kind, value) {
            (Kind::Str { .. } | Kind::Untyped, CompValue::Str(s)) => Expected::Str(s),
            (Kind::Bool | Kind::Untyped, CompValue::Bool(b)) => Expected::Bool(*b),
            (Kind::Bool, CompValue::Str(s)) => bool_str(s).map_or(Expected::Never, Expected::Bool),
            (Kind::Num | Kind::Untyped, CompValue::Number(n)) => Expected::Num(n),
            (Kind::DateTime, CompValue::Str(s)) => {
                parse_datetime(s).map_or(Expected::Never, Expected::Time)
            }
            _ => Expected::Never,
        }
    }
}

/// `"true"`/`"false"` in any case.
pub(super) fn bool_str(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// An RFC 3339 date-time, or an `xsd:dateTime` without offset read as UTC.
pub(super) fn parse_datetime(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s).ok().or_else(|| {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
            .ok()
            .map(|n| n.and_utc().fixed_offset())
    })
}

/// `ord` against an ordering operator (`eq` is equality of the order).
fn ordered(op: CompareOp, ord: Ordering) -> bool {
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        _ => false,
    }
}

/// One actual value against the prepared comparison value (`ne` is handled by the caller).
fn compare(kind: Kind, op: CompareOp, actual: &Value, expected: &Expected<'_>) -> bool {
    match (expected, actual) {
        (Expected::Str(e), Value::String(a)) => {
            let case_exact = matches!(kind, Kind::Str { case_exact: true });
            string_op(op, a, e, case_exact)
        }
        (Expected::Str(e), Value::Bool(a)) if kind == Kind::Untyped => {
            op == CompareOp::Eq && bool_str(e) == Some(*a)
        }
        (Expected::Bool(e), Value::Bool(a)) => op == CompareOp::Eq && a == e,
        (Expected::Bool(e), Value::String(a)) => op == CompareOp::Eq && bool_str(a) == Some(*e),
        (Expected::Num(e), Value::Number(a)) => {
            !matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew)
                && number_cmp(a, e).is_some_and(|ord| ordered(op, ord))
        }
        (Expected::Time(e), Value::String(a)) => {
            parse_datetime(a).is_some_and(|a| ordered(op, a.cmp(e)))
        }
        _ => false,
    }
}

fn number_cmp(a: &Number, b: &Number) -> Option<Ordering> {
    fn int(n: &Number) -> Option<i128> {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    }
    match (int(a), int(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

fn string_op(op: CompareOp, a: &str, e: &str, case_exact: bool) -> bool {
    if case_exact {
        match op {
            CompareOp::Eq => a == e,
            CompareOp::Ne => a != e,
            CompareOp::Co => a.contains(e),
            CompareOp::Sw => a.starts_with(e),
            CompareOp::Ew => a.ends_with(e),
            _ => ordered(op, a.cmp(e)),
        }
    } else {
        match op {
            CompareOp::Eq => eq_ci(a, e),
            CompareOp::Ne => !eq_ci(a, e),
            CompareOp::Co => contains_ci(a, e),
            CompareOp::Sw => starts_with_ci(a, e),
            CompareOp::Ew => ends_with_ci(a, e),
            _ => ordered(op, lower(a).cmp(lower(e))),
        }
    }
}

fn lower(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().flat_map(char::to_lowercase)
}

/// Case-insensitive equality (Unicode lowercase of both, character by character).
pub(super) fn eq_ci(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        lower(a).eq(lower(b))
    }
}

fn starts_with_ci(hay: &str, needle: &str) -> bool {
    if hay.is_ascii() && needle.is_ascii() {
        return hay
            .as_bytes()
            .get(..needle.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(needle.as_bytes()));
    }
    let mut h = lower(hay);
    lower(needle).all(|c| h.next() == Some(c))
}

fn ends_with_ci(hay: &str, needle: &str) -> bool {
    if hay.is_ascii() && needle.is_ascii() {
        return hay
            .len()
            .checked_sub(needle.len())
            .and_then(|start| hay.as_bytes().get(start..))
            .is_some_and(|h| h.eq_ignore_ascii_case(needle.as_bytes()));
    }
    let mut h = hay.chars().rev().flat_map(|c| c.to_lowercase().rev());
    needle
        .chars()
        .rev()
        .flat_map(|c| c.to_lowercase().rev())
        .all(|c| h.next() == Some(c))
}

fn contains_ci(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if hay.len() < needle.len() && hay.is_ascii() {
        return false;
    }
    // Case-fold both once and use the linear-time substring search of `str`; restarting
    // a folded comparison at every position would be O(hay × needle).
    fn fold(s: &str) -> String {
        if s.is_ascii() {
            s.to_ascii_lowercase()
        } else {
            lower(s).collect()
        }
    }
    fold(hay).contains(&fold(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_insensitive_string_helpers() {
        assert!(eq_ci("ÄNN", "änn"));
        assert!(!eq_ci("ann", "anne"));
        assert!(starts_with_ci("Ørsted", "øR"));
        assert!(ends_with_ci("bjØrn", "ØRN"));
        assert!(!ends_with_ci("rn", "ørn"));
        assert!(contains_ci("Mañana", "AÑA"));
        assert!(contains_ci("abc", ""));
        assert!(!contains_ci("ab", "abc"));
        assert!(contains_ci("O'Malley", "o'm"));
        assert!(string_op(CompareOp::Gt, "B", "a", false));
        assert!(!string_op(CompareOp::Gt, "B", "a", true));
    }

    #[test]
    fn numbers_compare_across_representations() {
        let i = Number::from(5);
        let f = Number::from_f64(5.0).unwrap_or_else(|| Number::from(0));
        assert_eq!(number_cmp(&i, &f), Some(Ordering::Equal));
        assert_eq!(
            number_cmp(&Number::from(u64::MAX), &Number::from(-1)),
            Some(Ordering::Greater)
        );
    }
}
