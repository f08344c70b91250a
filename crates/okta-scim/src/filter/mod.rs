//! SCIM filters (RFC 7644 §3.4.2.2) and attribute paths (§3.5.2 PATCH paths, `sortBy`,
//! `attributes`): the syntax tree, its parser and printer, validation against a
//! [`ResourceSchema`](crate::schema::ResourceSchema), and an evaluator over JSON resources.

use serde_json::Number;

/// An attribute path: an optional schema URN, an attribute name and an optional
/// sub-attribute (`name.givenName`, `urn:…:enterprise:2.0:User:manager.value`).
///
/// Names keep the case they were written in; every comparison with the schema is
/// case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    /// The schema URN prefix, without the trailing `:`.
    pub urn: Option<String>,
    /// The attribute name.
    pub name: String,
    /// The sub-attribute name.
    pub sub_attr: Option<String>,
}

/// A comparison operator (RFC 7644 §3.4.2.2, Table 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `co`: contains.
    Co,
    /// `sw`: starts with.
    Sw,
    /// `ew`: ends with.
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `lt`: less than.
    Lt,
    /// `ge`: greater than or equal.
    Ge,
    /// `le`: less than or equal.
    Le,
}

/// A comparison value: a JSON literal.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CompValue {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A JSON number.
    Number(Number),
    /// A JSON string (escapes decoded).
    Str(String),
}

/// A filter expression.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Filter {
    /// `attr pr`: the attribute has a non-null, non-empty value.
    Present(AttrPath),
    /// `attr op value`.
    Compare {
        /// The attribute compared.
        path: AttrPath,
        /// The operator.
        op: CompareOp,
        /// The literal compared with.
        value: CompValue,
    },
    /// `attr[filter]`: some element of a multi-valued complex attribute matches `filter`,
    /// whose paths are relative to the element (`emails[type eq "work"]`).
    ValuePath {
        /// The multi-valued attribute (no sub-attribute).
        attr: AttrPath,
        /// The filter applied to each element.
        filter: Box<Filter>,
    },
    /// `not (filter)`.
    Not(Box<Filter>),
    /// `a and b`.
    And(Box<Filter>, Box<Filter>),
    /// `a or b`.
    Or(Box<Filter>, Box<Filter>),
}

/// A PATCH path (RFC 7644 §3.5.2): `attrPath`, or `valuePath` optionally followed by
/// `.subAttr` (`members[value eq "2819c223"]`, `emails[type eq "work"].value`).
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    /// The attribute (with its sub-attribute when the path has no value filter).
    pub attr: AttrPath,
    /// The value filter selecting elements of a multi-valued attribute.
    pub value_filter: Option<Filter>,
    /// The sub-attribute after a value filter (`.value` in `emails[type eq "work"].value`).
    pub sub_attr: Option<String>,
}
