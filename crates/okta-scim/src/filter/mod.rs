//! SCIM filters (RFC 7644 §3.4.2.2) and attribute paths (§3.5.2 PATCH paths, `sortBy`,
//! `attributes`): the syntax tree, its parser and printer, validation against a
//! [`ResourceSchema`], and an evaluator over JSON resources.

mod display;
mod eval;
pub(crate) use eval::get_ci;
mod parse;
mod validate;

use std::str::FromStr;

use serde_json::{Number, Value};

use crate::error::ScimError;
use crate::schema::{Attribute, ResourceSchema};

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

/// Resource limits of the filter parser, against hostile input.
///
/// The defaults (8 192 bytes, 32 levels of nesting, 100 comparisons) are far above
/// anything Okta or Microsoft Entra send. The length is checked before anything else, and
/// the parser recurses once per level of nesting (parentheses, `not`, `[...]`), so the
/// depth bound is also its stack bound; depths above 256 are treated as 256.
///
/// The struct is `#[non_exhaustive]`: start from [`FilterLimits::default`] and change
/// the fields or use the `with_*` methods.
///
/// ```
/// use okta_scim::filter::{Filter, FilterLimits};
///
/// let strict = FilterLimits::default().with_max_depth(2);
/// assert!(Filter::parse_with("((title pr))", strict).is_ok());
/// assert!(Filter::parse_with("(((title pr)))", strict).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct FilterLimits {
    /// Maximum length of the filter text in bytes.
    pub max_len: usize,
    /// Maximum nesting of parentheses, `not (...)` and value filters `attr[...]`.
    pub max_depth: usize,
    /// Maximum number of comparison terms (`attr op value` and `attr pr`).
    pub max_terms: usize,
}

impl Default for FilterLimits {
    fn default() -> Self {
        Self {
            max_len: 8192,
            max_depth: 32,
            max_terms: 100,
        }
    }
}

impl FilterLimits {
    /// The default limits: 8 192 bytes, depth 32, 100 comparison terms.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the maximum length in bytes.
    #[must_use]
    pub fn with_max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }

    /// Sets the maximum nesting depth (at most 256 is honoured).
    #[must_use]
    pub fn with_max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// Sets the maximum number of comparison terms.
    #[must_use]
    pub fn with_max_terms(mut self, max_terms: usize) -> Self {
        self.max_terms = max_terms;
        self
    }
}

impl AttrPath {
    /// An attribute path without schema URN or sub-attribute.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            urn: None,
            name: name.into(),
            sub_attr: None,
        }
    }

    /// Parses an attribute path as used by `sortBy`, `attributes` and
    /// `excludedAttributes`: `[URN ":"] name ["." subAttr]`.
    ///
    /// The URN is everything up to the last `:`, so the dot of `2.0` in a schema URN is
    /// not a sub-attribute separator. Names are `ALPHA *("-" / "_" / DIGIT / ALPHA)` or
    /// `$ref`; they keep the case they were written in. Spaces and tabs around the path
    /// are ignored.
    ///
    /// # Errors
    /// `400 invalidPath` naming the column and what was expected.
    ///
    /// ```
    /// use okta_scim::AttrPath;
    ///
    /// let p = AttrPath::parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value")?;
    /// assert_eq!(p.urn.as_deref(), Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));
    /// assert_eq!(p.name, "manager");
    /// assert_eq!(p.sub_attr.as_deref(), Some("value"));
    /// assert_eq!(AttrPath::parse("members.$ref")?.sub_attr.as_deref(), Some("$ref"));
    /// assert!(AttrPath::parse("name.givenName.x").is_err());
    /// # Ok::<(), okta_scim::ScimError>(())
    /// ```
    pub fn parse(input: &str) -> Result<AttrPath, ScimError> {
        parse::attr_path(input)
    }
}

impl FromStr for AttrPath {
    type Err = ScimError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl CompareOp {
    /// The operator as written in canonical filters: `eq`, `ne`, `co`, `sw`, `ew`, `gt`,
    /// `lt`, `ge`, `le`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::Co => "co",
            Self::Sw => "sw",
            Self::Ew => "ew",
            Self::Gt => "gt",
            Self::Lt => "lt",
            Self::Ge => "ge",
            Self::Le => "le",
        }
    }
}

impl Filter {
    /// Parses a filter (RFC 7644 §3.4.2.2 with its errata) with the default
    /// [`FilterLimits`].
    ///
    /// - Operators and the keywords `and`, `or`, `not` are case-insensitive; `not` needs
    ///   parentheses (`not (x pr)` and `not(x pr)`); precedence is `not` > `and` > `or`,
    ///   and chains associate to the left.
    /// - Attribute names are case-insensitive and kept as written; a name that looks like
    ///   a keyword (`pr`, `not`, `and`) is an attribute where an attribute is expected.
    /// - The comparison value is strict JSON: `true`, `false`, `null` (lowercase), a JSON
    ///   number or a JSON string with JSON escapes.
    /// - The path, the operator and the value must be separated by whitespace (runs of
    ///   spaces and tabs are fine), as must `and`/`or` from their operands.
    /// - Value filters `emails[type eq "work" and value co "@x"]` hold relative paths and
    ///   cannot nest. Microsoft Entra's form `emails[type eq "work"].value eq "x"` is
    ///   accepted and read as `emails[type eq "work" and value eq "x"]`.
    ///
    /// # Errors
    /// `400 invalidFilter` whose detail names the 1-based column and what was expected,
    /// e.g. `invalid filter at column 10: expected a comparison value …`; also when the
    /// filter is empty or exceeds the limits.
    ///
    /// ```
    /// use okta_scim::{CompareOp, CompValue, Filter};
    ///
    /// let f = Filter::parse(r#"userName EQ "bjensen""#)?;
    /// assert!(matches!(&f, Filter::Compare { op: CompareOp::Eq, value: CompValue::Str(s), .. } if s == "bjensen"));
    /// assert_eq!(f.to_string(), r#"userName eq "bjensen""#);
    ///
    /// let e = Filter::parse(r#"userName eq"#).unwrap_err();
    /// assert!(e.detail().contains("column 12"), "{}", e.detail());
    /// # Ok::<(), okta_scim::ScimError>(())
    /// ```
    pub fn parse(input: &str) -> Result<Filter, ScimError> {
        Self::parse_with(input, FilterLimits::default())
    }

    /// Parses a filter with explicit limits; see [`Filter::parse`].
    ///
    /// # Errors
    /// `400 invalidFilter` as for [`Filter::parse`].
    pub fn parse_with(input: &str, limits: FilterLimits) -> Result<Filter, ScimError> {
        parse::filter(input, limits)
    }

    /// Checks the filter against a resource type: every attribute must be defined (those
    /// under an extension URN the resource type does not declare are accepted and
    /// compared by JSON type; a prefix that does not start with `urn:` is not a schema
    /// URN, so `foo:bar` is unknown), and the operator and value must fit the
    /// attribute's type.
    ///
    /// - Attributes that are never returned (`returned: never` or write-only, such as
    ///   `password`) cannot be filtered on: the filter would reveal their value.
    /// - `gt`/`lt`/`ge`/`le` are refused on boolean, binary and complex attributes;
    ///   `co`/`sw`/`ew` on boolean, integer, decimal and dateTime attributes.
    /// - The value must have the attribute's JSON type; a boolean attribute also accepts
    ///   the strings `"true"`/`"false"` in any case (Microsoft Entra). A dateTime value
    ///   must be an RFC 3339 date-time (an `xsd:dateTime` without offset is read as UTC).
    ///   `null` is accepted with `eq` and `ne` only.
    /// - A complex attribute compared without sub-attribute means its `value`
    ///   sub-attribute when it is multi-valued and has one (`emails co "example.com"`);
    ///   otherwise it is refused. `pr` works on any attribute.
    /// - `attr[...]` requires a complex attribute; the paths inside are its
    ///   sub-attributes, without URN.
    /// - `schemas` is a multi-valued, case-insensitive string.
    ///
    /// # Errors
    /// `400 invalidFilter` naming the attribute.
    ///
    /// ```
    /// use okta_scim::Filter;
    /// use okta_scim::schema::ResourceSchema;
    ///
    /// let users = ResourceSchema::user();
    /// assert!(Filter::parse(r#"emails co "example.com""#)?.validate(&users).is_ok());
    /// let e = Filter::parse("active gt true")?.validate(&users).unwrap_err();
    /// assert!(e.detail().contains("active"));
    /// assert!(Filter::parse("nickname pr and shoeSize gt 4")?.validate(&users).is_err());
    /// # Ok::<(), okta_scim::ScimError>(())
    /// ```
    pub fn validate(&self, schema: &ResourceSchema) -> Result<(), ScimError> {
        validate::validate(self, schema)
    }

    /// Whether a JSON resource (as `User::to_json` / `Group::to_json` produce it: core
    /// attributes at the top level, extension attributes in an object keyed by the
    /// extension URN) matches this filter. Meant for a filter that passed
    /// [`Filter::validate`] against `schema`; attributes the schema does not know never
    /// match, and values of the wrong JSON type never match. Never panics.
    ///
    /// Semantics:
    /// - JSON keys and URNs are matched case-insensitively (the exact key first).
    /// - A multi-valued attribute matches when **any** of its values does, and
    ///   `emails.type eq "work" and emails.value co "@x"` may use different elements,
    ///   whereas `emails[type eq "work" and value co "@x"]` needs one element satisfying
    ///   the whole inner filter.
    /// - Strings compare as the attribute's `caseExact` says. Case-insensitive comparison
    ///   compares the Unicode lowercase of both sides, character by character
    ///   (`char::to_lowercase`, no locale, no final-sigma rule); ordering (`gt`…) of
    ///   case-insensitive strings is by those lowercase characters.
    /// - dateTime values compare chronologically, offsets applied
    ///   (`2011-05-13T06:42:34+02:00` equals `2011-05-13T04:42:34Z`); integers and
    ///   decimals numerically; booleans by equality only.
    /// - `pr`: present and not `null`, `""`, `[]` or `{}` (an array or object is present
    ///   when one of its members is).
    /// - `eq null` matches exactly when `pr` does not (absent, null or empty); `ne null`
    ///   is `pr`.
    /// - `ne` is the negation of `eq`: it matches when no value equals, including when
    ///   the attribute is absent.
    /// - Attributes of undeclared extensions compare by the JSON type of the comparison
    ///   value, strings case-insensitively.
    ///
    /// ```
    /// use okta_scim::{Filter, User};
    /// use okta_scim::schema::ResourceSchema;
    /// use serde_json::json;
    ///
    /// let users = ResourceSchema::user();
    /// let ann = json!({"userName": "Ann@Example.com", "emails": [
    ///     {"type": "home", "value": "ann@home.example"},
    ///     {"type": "work", "value": "ann@example.com"}]});
    /// let f = Filter::parse(r#"USERNAME eq "ann@example.COM""#)?;
    /// assert!(f.matches(&ann, &users));
    /// let same_element = Filter::parse(r#"emails[type eq "home" and value ew "example.com"]"#)?;
    /// assert!(!same_element.matches(&ann, &users));
    /// let any_element = Filter::parse(r#"emails.type eq "home" and emails.value ew "example.com""#)?;
    /// assert!(any_element.matches(&ann, &users));
    /// # Ok::<(), okta_scim::ScimError>(())
    /// ```
    pub fn matches(&self, resource: &Value, schema: &ResourceSchema) -> bool {
        eval::matches(self, resource, schema)
    }

    /// Evaluates a filter whose attribute paths are relative to one element of a
    /// multi-valued complex attribute, such as the inner filter of
    /// `members[value eq "2819c223"]` against one member object. `parent` is the
    /// definition of the multi-valued attribute (`None` for attributes of undeclared
    /// extensions: values then compare by JSON type, strings case-insensitively); it gives
    /// the sub-attributes' types and `caseExact`. Semantics as for [`Filter::matches`].
    /// An element that is not an object (a simple multi-valued attribute) is the value of
    /// the path `value`.
    ///
    /// ```
    /// use okta_scim::Filter;
    /// use okta_scim::schema::ResourceSchema;
    /// use serde_json::json;
    ///
    /// let groups = ResourceSchema::group();
    /// let members = groups.attribute(None, "members");
    /// let f = Filter::parse(r#"value eq "2819c223""#)?;
    /// assert!(f.matches_element(&json!({"value": "2819c223", "display": "Ann"}), members));
    /// // members.value is caseExact
    /// assert!(!f.matches_element(&json!({"value": "2819C223"}), members));
    /// # Ok::<(), okta_scim::ScimError>(())
    /// ```
    pub fn matches_element(&self, element: &Value, parent: Option<&Attribute>) -> bool {
        eval::matches_element(self, element, parent)
    }

    /// `Some((path, value))` when the whole filter is one `attr eq "string"` comparison
    /// on an attribute without sub-attribute (the URN, if any, is the caller's to check);
    /// for index fast paths such as Okta's `userName eq "…"`.
    ///
    /// ```
    /// use okta_scim::Filter;
    ///
    /// let f = Filter::parse(r#"userName eq "ann""#)?;
    /// let (path, value) = f.equality().unwrap();
    /// assert_eq!((path.name.as_str(), value), ("userName", "ann"));
    /// assert!(Filter::parse(r#"userName eq "ann" or title pr"#)?.equality().is_none());
    /// # Ok::<(), okta_scim::ScimError>(())
    /// ```
    pub fn equality(&self) -> Option<(&AttrPath, &str)> {
        match self {
            Filter::Compare {
                path,
                op: CompareOp::Eq,
                value: CompValue::Str(s),
            } if path.sub_attr.is_none() => Some((path, s.as_str())),
            _ => None,
        }
    }
}

impl FromStr for Filter {
    type Err = ScimError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl PatchPath {
    /// Parses a PATCH path (RFC 7644 §3.5.2): `attrPath`, or `valuePath` optionally
    /// followed by `.subAttr` — `members`, `name.givenName`,
    /// `members[value eq "2819c223"]`, `emails[type eq "work"].value`,
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
    /// The value filter follows the filter grammar of [`Filter::parse`] with relative
    /// paths; nested brackets are refused.
    ///
    /// # Errors
    /// `400 invalidPath` naming the column and what was expected.
    ///
    /// ```
    /// use okta_scim::PatchPath;
    ///
    /// let p = PatchPath::parse(r#"emails[type eq "work"].value"#)?;
    /// assert_eq!(p.attr.name, "emails");
    /// assert!(p.value_filter.is_some());
    /// assert_eq!(p.sub_attr.as_deref(), Some("value"));
    /// assert_eq!(p.to_string(), r#"emails[type eq "work"].value"#);
    /// assert!(PatchPath::parse(r#"a[b[c pr]]"#).is_err());
    /// # Ok::<(), okta_scim::ScimError>(())
    /// ```
    pub fn parse(input: &str) -> Result<PatchPath, ScimError> {
        parse::patch_path(input)
    }
}

impl FromStr for PatchPath {
    type Err = ScimError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}
