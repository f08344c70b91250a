//! Checks a parsed filter against a resource type's schema.

use super::eval::{Lookup, bool_str, implicit_value, lookup, parse_datetime};
use super::{AttrPath, CompValue, CompareOp, Filter};
use crate::error::ScimError;
use crate::schema::{Attribute, AttributeType, Mutability, ResourceSchema, Returned};

/// Where the paths being checked start.
#[derive(Debug, Clone, Copy)]
enum Ctx<'s> {
    /// The resource: paths are top-level.
    Top(&'s ResourceSchema),
    /// Inside `attr[...]`: paths are sub-attributes of `parent` (`None`: undeclared
    /// extension, anything goes); `attr` is the value-path attribute, for messages.
    Inner {
        parent: Option<&'s Attribute>,
        attr: &'s AttrPath,
    },
}

pub(super) fn validate(f: &Filter, schema: &ResourceSchema) -> Result<(), ScimError> {
    walk(f, Ctx::Top(schema))
}

fn err(msg: String) -> ScimError {
    ScimError::invalid_filter(msg)
}

fn unknown(path: &dyn std::fmt::Display) -> ScimError {
    err(format!("the filter names the unknown attribute '{path}'"))
}

/// Whether filtering on `attr` is refused: a `returned: never` or write-only attribute
/// (`password`) would turn the filter into an oracle for its value (RFC 7643 §4.1.1).
fn never_returned(attr: &Attribute) -> bool {
    attr.returned() == Returned::Never || attr.mutability() == Mutability::WriteOnly
}

fn hidden(path: &dyn std::fmt::Display) -> ScimError {
    err(format!(
        "'{path}' is never returned, so it cannot be filtered on"
    ))
}

fn type_name(ty: AttributeType) -> &'static str {
    match ty {
        AttributeType::String => "string",
        AttributeType::Boolean => "boolean",
        AttributeType::Decimal => "decimal",
        AttributeType::Integer => "integer",
        AttributeType::DateTime => "dateTime",
        AttributeType::Binary => "binary",
        AttributeType::Reference => "reference",
        AttributeType::Complex => "complex",
    }
}

fn walk(f: &Filter, ctx: Ctx<'_>) -> Result<(), ScimError> {
    match f {
        Filter::And(a, b) | Filter::Or(a, b) => {
            walk(a, ctx)?;
            walk(b, ctx)
        }
        Filter::Not(a) => walk(a, ctx),
        Filter::Present(path) => term(path, None, ctx),
        Filter::Compare { path, op, value } => term(path, Some((*op, value)), ctx),
        Filter::ValuePath { attr, filter } => match ctx {
            Ctx::Inner { .. } => Err(err(format!(
                "value filters cannot be nested ('{attr}[...]')"
            ))),
            Ctx::Top(schema) => {
                if attr.sub_attr.is_some() {
                    return Err(err(format!(
                        "'{attr}[...]': a value filter follows an attribute without sub-attribute"
                    )));
                }
                let parent = match lookup(schema, attr).ok_or_else(|| unknown(attr))? {
                    Lookup::Undeclared => None,
                    Lookup::Known { top, .. } if never_returned(top) => return Err(hidden(attr)),
                    Lookup::Known { top, .. } if top.ty() == AttributeType::Complex => Some(top),
                    Lookup::Schemas | Lookup::Known { .. } => {
                        return Err(err(format!(
                            "'{attr}' is not a complex attribute: '{attr}[...]' needs one"
                        )));
                    }
                };
                walk(filter, Ctx::Inner { parent, attr })
            }
        },
    }
}

/// Checks one `pr` test (`cmp` is `None`) or comparison in its context.
fn term(
    path: &AttrPath,
    cmp: Option<(CompareOp, &CompValue)>,
    ctx: Ctx<'_>,
) -> Result<(), ScimError> {
    if let Some((op, CompValue::Null)) = cmp
        && !matches!(op, CompareOp::Eq | CompareOp::Ne)
    {
        return Err(err(format!(
            "'{path} {op} null': only eq and ne compare with null"
        )));
    }
    // The definition the comparison applies to; `None` when anything goes.
    let def: Option<(AttributeType, &Attribute)> = match ctx {
        Ctx::Top(schema) => match lookup(schema, path).ok_or_else(|| unknown(path))? {
            Lookup::Undeclared => None,
            Lookup::Schemas => {
                return match cmp {
                    None | Some((_, CompValue::Null | CompValue::Str(_))) => Ok(()),
                    Some((op, _)) => Err(err(format!(
                        "'schemas {op}': schemas holds strings, compare it with a JSON string"
                    ))),
                };
            }
            Lookup::Known { top, leaf, .. } => {
                if never_returned(top) || never_returned(leaf) {
                    return Err(hidden(path));
                }
                Some((leaf.ty(), leaf))
            }
        },
        Ctx::Inner { parent, attr } => {
            if path.urn.is_some() {
                return Err(err(format!(
                    "'{path}' inside '{}[...]': paths in a value filter are relative, without schema URN",
                    attr
                )));
            }
            match parent {
                None => None,
                Some(p) => {
                    let sub = p
                        .sub_attribute(&path.name)
                        .ok_or_else(|| unknown(&format_args!("{attr}.{}", path.name)))?;
                    if never_returned(sub) {
                        return Err(hidden(&format_args!("{attr}.{}", path.name)));
                    }
                    let leaf = match &path.sub_attr {
                        None => sub,
                        Some(s) => sub
                            .sub_attribute(s)
                            .ok_or_else(|| unknown(&format_args!("{attr}.{}.{s}", path.name)))?,
                    };
                    Some((leaf.ty(), leaf))
                }
            }
        }
    };
    let (Some((op, value)), Some((_, attr))) = (cmp, def) else {
        return Ok(());
    };
    let attr = if attr.ty() == AttributeType::Complex {
        implicit_value(attr).ok_or_else(|| {
            err(format!(
                "'{path}' is a complex attribute: compare one of its sub-attributes ('{path}.<name>')"
            ))
        })?
    } else {
        attr
    };
    operand(path, attr.ty(), op, value)
}

/// Whether operator and value fit an attribute of type `ty`.
fn operand(
    path: &AttrPath,
    ty: AttributeType,
    op: CompareOp,
    value: &CompValue,
) -> Result<(), ScimError> {
    use AttributeType as T;
    let name = type_name(ty);
    let refused = match op {
        CompareOp::Gt | CompareOp::Lt | CompareOp::Ge | CompareOp::Le => {
            matches!(ty, T::Boolean | T::Binary | T::Complex)
        }
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => {
            matches!(ty, T::Boolean | T::Integer | T::Decimal | T::DateTime)
        }
        CompareOp::Eq | CompareOp::Ne => false,
    };
    if refused {
        return Err(err(format!(
            "operator '{op}' is not supported on the {name} attribute '{path}'"
        )));
    }
    let fits = match (ty, value) {
        (_, CompValue::Null) => true,
        (T::String | T::Reference | T::Binary, CompValue::Str(_)) => true,
        (T::Boolean, CompValue::Bool(_)) => true,
        (T::Boolean, CompValue::Str(s)) => bool_str(s).is_some(),
        (T::Integer | T::Decimal, CompValue::Number(_)) => true,
        (T::DateTime, CompValue::Str(s)) => {
            if parse_datetime(s).is_none() {
                return Err(err(format!(
                    "'{path}' is a dateTime attribute and {value} is not an RFC 3339 date-time"
                )));
            }
            true
        }
        _ => false,
    };
    if fits {
        Ok(())
    } else {
        let want = match ty {
            T::String | T::Reference | T::Binary => "a JSON string",
            T::Boolean => "true or false",
            T::Integer | T::Decimal => "a JSON number",
            T::DateTime => "an RFC 3339 date-time string",
            T::Complex => "a sub-attribute",
        };
        Err(err(format!(
            "'{path}' is a {name} attribute: compare it with {want}, not {value}"
        )))
    }
}
