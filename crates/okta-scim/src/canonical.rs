//! Reading request bodies and writing responses.
//!
//! [`canonicalize`] turns a `POST`/`PUT` body into the canonical JSON form of a resource:
//! attribute names in the schema's case (RFC 7643 §2.1 makes them case-insensitive),
//! values type-checked, `"True"`/`"False"` accepted as booleans (Microsoft Entra), single
//! values of multi-valued attributes wrapped in an array, read-only attributes that Okta
//! echoes on `PUT` (`id`, `meta`, `groups`) dropped, and `schemas` recomputed. Anything
//! the schema does not define is an error naming the attribute, never silently dropped.
//! [`User::from_json`](crate::User::from_json) and
//! [`Group::from_json`](crate::Group::from_json) read the result.
//!
//! [`project`] applies `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9) and
//! the `returned` characteristic of each attribute to a resource before it is sent.
//!
//! The PATCH applier runs every value it writes through the same checks.

use std::collections::HashSet;
use std::fmt;

use serde_json::{Map, Value};

use crate::error::{Result, ScimError, ScimType};
use crate::filter::AttrPath;
use crate::schema::{Attribute, AttributeType, Mutability, ResourceSchema, Returned};

/// Longest excerpt of an offending string value quoted in an error detail.
const MAX_QUOTED_CHARS: usize = 48;

/// Reads a `POST`/`PUT` body into the canonical JSON form of a resource.
///
/// - The body must be a JSON object (`400 invalidSyntax`).
/// - Attribute and sub-attribute names are matched case-insensitively and rewritten in
///   the schema's case; two keys naming the same attribute are `400 invalidSyntax`.
/// - Top-level keys starting with `urn:` are extension objects: a declared extension is
///   canonicalized with its schema under its declared URN; an undeclared one must be an
///   object and is kept as sent.
/// - An attribute the schema does not define is `400 invalidSyntax` naming it; only
///   `schemas` is accepted and dropped (the output lists the core URN and every extension
///   present).
/// - Values are checked against the attribute type (`400 invalidValue` naming the path,
///   such as `emails[1].primary`): strings, references and binaries are JSON strings,
///   `dateTime` is RFC 3339, booleans are JSON booleans or the strings `"true"`/`"false"`
///   in any case, integers are JSON integers, decimals are numbers, complex values are
///   objects. A single value of a multi-valued attribute is wrapped in an array. `null`,
///   `[]` and `{}` mean absent.
/// - Read-only attributes and sub-attributes (`id`, `meta`, `groups`,
///   `manager.displayName`) are dropped; the write-only `password` is kept (it is never
///   serialized back out).
/// - Required attributes (`userName`, group `displayName`) must be present and not blank,
///   and at most one value of a multi-valued attribute may be `primary` (`400
///   invalidValue`).
///
/// # Errors
/// `400 invalidSyntax` or `400 invalidValue` as listed above; the detail names the
/// attribute.
///
/// ```
/// use okta_scim::canonical::canonicalize;
/// use okta_scim::schema::ResourceSchema;
/// use serde_json::json;
///
/// let body = json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "id": "ignored", "USERNAME": "ann@example.com", "active": "False",
///     "emails": {"value": "ann@example.com", "Primary": "True"},
///     "groups": [], "password": "1mz050nq",
/// });
/// let user = canonicalize(body, &ResourceSchema::user()).unwrap();
/// assert_eq!(user["userName"], "ann@example.com");
/// assert_eq!(user["active"], false);
/// assert_eq!(user["emails"][0]["primary"], true);
/// assert!(user.get("id").is_none() && user.get("groups").is_none());
/// assert_eq!(user["schemas"], json!(["urn:ietf:params:scim:schemas:core:2.0:User"]));
///
/// let err = canonicalize(json!({"userName": "x", "emails": [{"primary": "yes"}]}),
///     &ResourceSchema::user()).unwrap_err();
/// assert_eq!(err.detail(), r#"attribute "emails[0].primary": expected a boolean, got "yes""#);
/// ```
pub fn canonicalize(body: Value, schema: &ResourceSchema) -> Result<Value> {
    let Value::Object(map) = body else {
        return Err(ScimError::invalid_syntax(format!(
            "the request body must be a JSON object, got {}",
            describe_kind(&body)
        )));
    };
    let coerce = Coerce::BODY;
    let mut out = Map::new();
    let mut seen: HashSet<String> = HashSet::new();
    for (key, value) in map {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if is_urn(&key) {
            let (name, canonical) = if let Some(ext) = schema.extension(&key) {
                let id = ext.schema.id();
                let canonical = match value {
                    Value::Null => None,
                    Value::Object(m) => coerce.object(
                        ext.schema.attributes(),
                        m,
                        &Loc::Root {
                            prefix: Some(id),
                            name: "",
                        },
                    )?,
                    other => return Err(not_an_extension_object(id, &other)),
                };
                (id.to_owned(), canonical)
            } else if schema.is_core_urn(&key) {
                return Err(ScimError::invalid_syntax(format!(
                    "attribute \"{key}\": the core schema URN is not an extension"
                )));
            } else {
                let canonical = match value {
                    Value::Null => None,
                    Value::Object(m) if m.is_empty() => None,
                    Value::Object(m) => Some(Value::Object(m)),
                    other => return Err(not_an_extension_object(&key, &other)),
                };
                (key, canonical)
            };
            mark_seen(&mut seen, &name)?;
            if let Some(v) = canonical {
                out.insert(name, v);
            }
            continue;
        }
        let Some(attr) = schema.attribute(None, &key) else {
            return Err(ScimError::invalid_syntax(format!(
                "unknown attribute \"{key}\": not defined for {}",
                schema.kind().as_str()
            )));
        };
        mark_seen(&mut seen, attr.name())?;
        if attr.mutability() == Mutability::ReadOnly {
            continue;
        }
        let loc = Loc::Root {
            prefix: None,
            name: attr.name(),
        };
        if let Some(v) = coerce.attribute(attr, value, &loc)? {
            out.insert(attr.name().to_owned(), v);
        }
    }
    check_required(&out, schema)?;
    let schemas = schemas_of(&out, schema);
    out.insert("schemas".to_owned(), schemas);
    Ok(Value::Object(out))
}

/// Applies `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9) and the
/// `returned` characteristic of each attribute to a resource before it is sent.
///
/// - `returned: always` attributes (`id`) and `schemas` are always kept;
///   `returned: never` ones (`password`) are always removed.
/// - With `attributes` non-empty only the named attributes (and the `always` ones) are
///   returned; a sub-attribute path (`name.givenName`) keeps the parent with only that
///   sub-attribute; a URN-qualified path addresses an extension attribute, and a bare
///   extension URN selects the whole extension object.
/// - Otherwise every `default` attribute is returned (including `meta`), minus those in
///   `excluded` (which never removes an `always` attribute).
/// - `returned: request` attributes appear only when `attributes` names them.
///
/// Names match case-insensitively. Objects and arrays left empty are removed.
///
/// ```
/// use okta_scim::canonical::project;
/// use okta_scim::filter::AttrPath;
/// use okta_scim::schema::ResourceSchema;
/// use serde_json::json;
///
/// let user = json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "id": "2819c223", "userName": "ann@example.com", "password": "secret",
///     "name": {"givenName": "Ann", "familyName": "de Vries"},
/// });
/// let given = AttrPath { urn: None, name: "NAME".into(), sub_attr: Some("givenname".into()) };
/// let out = project(&user, &ResourceSchema::user(), &[given], &[]);
/// assert_eq!(out, json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "id": "2819c223", "name": {"givenName": "Ann"},
/// }));
/// let all = project(&user, &ResourceSchema::user(), &[], &[]);
/// assert!(all.get("password").is_none());
/// ```
pub fn project(
    resource: &Value,
    schema: &ResourceSchema,
    attributes: &[AttrPath],
    excluded: &[AttrPath],
) -> Value {
    let Value::Object(map) = resource else {
        return resource.clone();
    };
    let attrs_given = !attributes.is_empty();
    let mut out = Map::new();
    for (key, value) in map {
        if key.eq_ignore_ascii_case("schemas") {
            out.insert(key.clone(), value.clone());
            continue;
        }
        if is_urn(key) {
            if let Some(v) = project_extension(key, value, schema, attributes, excluded) {
                out.insert(key.clone(), v);
            }
            continue;
        }
        let def = schema.attribute(None, key);
        let named = Named::of(attributes, schema, None, key);
        let excl = Named::of(excluded, schema, None, key);
        if let Some(v) = project_attribute(def, value, &named, &excl, attrs_given) {
            out.insert(key.clone(), v);
        }
    }
    Value::Object(out)
}

fn project_extension(
    key: &str,
    value: &Value,
    schema: &ResourceSchema,
    attributes: &[AttrPath],
    excluded: &[AttrPath],
) -> Option<Value> {
    let Value::Object(m) = value else {
        return Some(value.clone());
    };
    let ext_schema = schema.extension(key).map(|e| &*e.schema);
    let whole_named = attributes.iter().any(|p| names_container(p, key));
    let whole_excluded = excluded.iter().any(|p| names_container(p, key));
    let mut out = Map::new();
    for (k, v) in m {
        let def = ext_schema.and_then(|s| s.attribute(k));
        let mut named = Named::of(attributes, schema, Some(key), k);
        named.whole |= whole_named;
        let mut excl = Named::of(excluded, schema, Some(key), k);
        excl.whole |= whole_excluded;
        if let Some(pv) = project_attribute(def, v, &named, &excl, !attributes.is_empty()) {
            out.insert(k.clone(), pv);
        }
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

/// What a list of paths says about one attribute: the whole of it, or some sub-attributes.
#[derive(Debug, Default)]
struct Named<'p> {
    whole: bool,
    subs: Vec<&'p str>,
}

impl<'p> Named<'p> {
    /// The paths naming attribute `name` in `container` (`None`: core, else the extension
    /// key as it appears in the resource).
    fn of(
        paths: &'p [AttrPath],
        schema: &ResourceSchema,
        container: Option<&str>,
        name: &str,
    ) -> Self {
        let mut named = Self::default();
        for p in paths {
            let same_container = match (p.urn.as_deref(), container) {
                (None, None) => true,
                (Some(u), None) => schema.is_core_urn(u),
                (Some(u), Some(c)) => u.eq_ignore_ascii_case(c),
                (None, Some(_)) => false,
            };
            if !same_container || !p.name.eq_ignore_ascii_case(name) {
                continue;
            }
            match &p.sub_attr {
                None => named.whole = true,
                Some(s) => named.subs.push(s),
            }
        }
        named
    }
}

/// Whether `path` (with no sub-attribute) is the extension URN `key` itself.
fn names_container(path: &AttrPath, key: &str) -> bool {
    if path.sub_attr.is_some() {
        return false;
    }
    match path.urn.as_deref() {
        None => path.name.eq_ignore_ascii_case(key),
        Some(u) if path.name.is_empty() => u.eq_ignore_ascii_case(key),
        Some(u) => {
            key.len() == u.len() + 1 + path.name.len()
                && key
                    .get(..u.len())
                    .is_some_and(|k| k.eq_ignore_ascii_case(u))
                && key.get(u.len()..=u.len()) == Some(":")
                && key
                    .get(u.len() + 1..)
                    .is_some_and(|k| k.eq_ignore_ascii_case(&path.name))
        }
    }
}

fn project_attribute(
    def: Option<&Attribute>,
    value: &Value,
    named: &Named<'_>,
    excl: &Named<'_>,
    attrs_given: bool,
) -> Option<Value> {
    let returned = def.map_or(Returned::Default, Attribute::returned);
    let projected = match returned {
        Returned::Never => return None,
        Returned::Always => filter_subs(def, value, true, &[], &[]),
        Returned::Default | Returned::Request => {
            let base = if attrs_given || returned == Returned::Request {
                if named.whole || !named.subs.is_empty() {
                    filter_subs(def, value, named.whole, &named.subs, &[])
                } else {
                    return None;
                }
            } else {
                filter_subs(def, value, true, &[], &[])
            };
            if excl.whole {
                return None;
            }
            if excl.subs.is_empty() {
                base
            } else {
                filter_subs(def, &base, true, &[], &excl.subs)
            }
        }
    };
    non_empty(projected)
}

/// Keeps the sub-attributes of a complex value (or of each element) that are returned:
/// never `never`; always `always`; `default` ones when `whole` or named; `request` ones
/// when named; minus `excluded`.
fn filter_subs(
    def: Option<&Attribute>,
    value: &Value,
    whole: bool,
    subs: &[&str],
    excluded: &[&str],
) -> Value {
    let Some(def) = def.filter(|d| d.ty() == AttributeType::Complex) else {
        return value.clone();
    };
    let keep_object = |m: &Map<String, Value>| -> Value {
        let mut out = Map::new();
        for (k, v) in m {
            let returned = def
                .sub_attribute(k)
                .map_or(Returned::Default, Attribute::returned);
            let named = subs.iter().any(|s| s.eq_ignore_ascii_case(k));
            let dropped = excluded.iter().any(|s| s.eq_ignore_ascii_case(k));
            let keep = match returned {
                Returned::Never => false,
                Returned::Always => true,
                Returned::Request => named && !dropped,
                Returned::Default => (whole || named) && !dropped,
            };
            if keep {
                out.insert(k.clone(), v.clone());
            }
        }
        Value::Object(out)
    };
    match value {
        Value::Object(m) => keep_object(m),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| match item {
                    Value::Object(m) => keep_object(m),
                    other => other.clone(),
                })
                .filter(|v| !is_empty_value(v))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn non_empty(v: Value) -> Option<Value> {
    (!is_empty_value(&v)).then_some(v)
}

/// `null`, `[]` and `{}`: what SCIM treats as an absent value.
pub(crate) fn is_empty_value(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

/// Whether a key is an extension URN (`urn:` in any case).
pub(crate) fn is_urn(key: &str) -> bool {
    key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
}

/// Records `name` (case-insensitively) among the keys seen; a repeat is an error. A hash
/// set keeps a body with many extension keys linear.
fn mark_seen(seen: &mut HashSet<String>, name: &str) -> Result<()> {
    if !seen.insert(name.to_ascii_lowercase()) {
        return Err(ScimError::invalid_syntax(format!(
            "attribute \"{name}\" is given more than once"
        )));
    }
    Ok(())
}

fn not_an_extension_object(urn: &str, v: &Value) -> ScimError {
    ScimError::invalid_value(format!(
        "attribute \"{urn}\": an extension must be an object, got {}",
        describe_kind(v)
    ))
}

/// The `schemas` of a canonical resource object: the core URN, then each declared
/// extension present, then each undeclared extension object present.
pub(crate) fn schemas_of(obj: &Map<String, Value>, schema: &ResourceSchema) -> Value {
    let mut urns = vec![Value::from(schema.core().id())];
    for ext in schema.extensions() {
        if obj.get(ext.schema.id()).is_some_and(Value::is_object) {
            urns.push(Value::from(ext.schema.id()));
        }
    }
    for (k, v) in obj {
        if is_urn(k) && v.is_object() && schema.extension(k).is_none() && !schema.is_core_urn(k) {
            urns.push(Value::from(k.as_str()));
        }
    }
    Value::Array(urns)
}

/// Checks that every required attribute (core, and of each declared extension present) is
/// present and not blank, and that required extensions are present.
pub(crate) fn check_required(obj: &Map<String, Value>, schema: &ResourceSchema) -> Result<()> {
    let missing = |m: &Map<String, Value>, attrs: &[Attribute], prefix: Option<&str>| {
        for a in attrs.iter().filter(|a| a.is_required()) {
            if !m.get(a.name()).is_some_and(has_content) {
                let loc = Loc::Root {
                    prefix,
                    name: a.name(),
                };
                return Err(ScimError::invalid_value(format!(
                    "attribute \"{loc}\" is required"
                )));
            }
        }
        Ok(())
    };
    missing(obj, schema.core().attributes(), None)?;
    for ext in schema.extensions() {
        let id = ext.schema.id();
        match obj.get(id) {
            Some(Value::Object(m)) => missing(m, ext.schema.attributes(), Some(id))?,
            _ if ext.required => {
                return Err(ScimError::invalid_value(format!(
                    "extension \"{id}\" is required"
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

fn has_content(v: &Value) -> bool {
    match v {
        Value::String(s) => !s.trim().is_empty(),
        other => !is_empty_value(other),
    }
}

/// Where a value sits in the resource, printed as `emails[1].primary` or
/// `urn:…:enterprise:2.0:User:manager.value`; formatted only when an error needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Loc<'a> {
    /// A top-level attribute (`name` may be empty for an extension object itself).
    Root {
        /// The extension URN holding it, if any.
        prefix: Option<&'a str>,
        /// The attribute name.
        name: &'a str,
    },
    /// An element of a multi-valued attribute.
    Index(&'a Loc<'a>, usize),
    /// A sub-attribute.
    Sub(&'a Loc<'a>, &'a str),
}

impl fmt::Display for Loc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Root {
                prefix: Some(p),
                name,
            } if !name.is_empty() => write!(f, "{p}:{name}"),
            Self::Root {
                prefix: Some(p), ..
            } => f.write_str(p),
            Self::Root { prefix: None, name } => f.write_str(name),
            Self::Index(parent, i) => write!(f, "{parent}[{i}]"),
            Self::Sub(parent, name) => match parent {
                Self::Root {
                    prefix: Some(_),
                    name: "",
                } => write!(f, "{parent}:{name}"),
                _ => write!(f, "{parent}.{name}"),
            },
        }
    }
}

/// How read-only attributes found in a value are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadOnly {
    /// Dropped (request bodies: Okta echoes `id`, `meta`, `groups` on `PUT`).
    Drop,
    /// Kept, so that PATCH can compare them with the current value.
    Keep,
}

/// The value checks shared by request bodies and PATCH.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Coerce {
    /// What happens to read-only sub-attributes.
    pub(crate) read_only: ReadOnly,
    /// The `scimType` of an unknown sub-attribute.
    pub(crate) unknown: ScimType,
}

impl Coerce {
    /// For `POST`/`PUT` bodies.
    pub(crate) const BODY: Self = Self {
        read_only: ReadOnly::Drop,
        unknown: ScimType::InvalidSyntax,
    };
    /// For PATCH values.
    pub(crate) const PATCH: Self = Self {
        read_only: ReadOnly::Keep,
        unknown: ScimType::InvalidPath,
    };

    /// The canonical form of a whole attribute value (an array when multi-valued); `None`
    /// when the value is absent (`null`, `[]`, `{}`).
    pub(crate) fn attribute(
        self,
        attr: &Attribute,
        value: Value,
        loc: &Loc<'_>,
    ) -> Result<Option<Value>> {
        if !attr.is_multi_valued() {
            return self.single(attr, value, loc);
        }
        let items = match value {
            Value::Null => return Ok(None),
            Value::Array(a) => a,
            other => vec![other],
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            if let Some(v) = self.single(attr, item, &Loc::Index(loc, i))? {
                out.push(v);
            }
        }
        if out.is_empty() {
            return Ok(None);
        }
        check_one_primary(&out, loc)?;
        Ok(Some(Value::Array(out)))
    }

    /// The canonical form of one value of `attr` (one element when multi-valued).
    pub(crate) fn single(
        self,
        attr: &Attribute,
        value: Value,
        loc: &Loc<'_>,
    ) -> Result<Option<Value>> {
        if value.is_null() {
            return Ok(None);
        }
        let ok = match attr.ty() {
            AttributeType::String | AttributeType::Reference | AttributeType::Binary => {
                value.is_string()
            }
            AttributeType::DateTime => value
                .as_str()
                .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok()),
            AttributeType::Boolean => match &value {
                Value::Bool(_) => true,
                Value::String(s) if s.eq_ignore_ascii_case("true") => {
                    return Ok(Some(Value::Bool(true)));
                }
                Value::String(s) if s.eq_ignore_ascii_case("false") => {
                    return Ok(Some(Value::Bool(false)));
                }
                _ => false,
            },
            AttributeType::Integer => value.is_i64() || value.is_u64(),
            AttributeType::Decimal => value.is_number(),
            AttributeType::Complex => match value {
                Value::Object(m) => return self.object(attr.sub_attributes(), m, loc),
                _ => false,
            },
        };
        if ok {
            Ok(Some(value))
        } else {
            Err(type_error(attr, &value, loc))
        }
    }

    /// The canonical form of an object of (sub-)attributes defined by `attrs`.
    pub(crate) fn object(
        self,
        attrs: &[Attribute],
        map: Map<String, Value>,
        loc: &Loc<'_>,
    ) -> Result<Option<Value>> {
        let mut out = Map::new();
        let mut seen: Vec<&str> = Vec::new();
        for (k, v) in map {
            let Some(sub) = attrs.iter().find(|a| a.name().eq_ignore_ascii_case(&k)) else {
                return Err(ScimError::bad_request(
                    self.unknown,
                    format!("unknown attribute \"{}\"", Loc::Sub(loc, &k)),
                ));
            };
            let name = sub.name();
            if seen.contains(&name) {
                return Err(ScimError::invalid_syntax(format!(
                    "attribute \"{}\" is given more than once",
                    Loc::Sub(loc, name)
                )));
            }
            seen.push(name);
            if sub.mutability() == Mutability::ReadOnly && self.read_only == ReadOnly::Drop {
                continue;
            }
            if let Some(c) = self.attribute(sub, v, &Loc::Sub(loc, name))? {
                out.insert(name.to_owned(), c);
            }
        }
        Ok((!out.is_empty()).then_some(Value::Object(out)))
    }
}

/// At most one element of a multi-valued attribute may have `primary: true`.
pub(crate) fn check_one_primary(items: &[Value], loc: &Loc<'_>) -> Result<()> {
    let primaries = items
        .iter()
        .filter(|v| v.get("primary") == Some(&Value::Bool(true)))
        .count();
    if primaries > 1 {
        return Err(ScimError::invalid_value(format!(
            "attribute \"{loc}\": {primaries} values are primary, at most one may be"
        )));
    }
    Ok(())
}

fn type_error(attr: &Attribute, value: &Value, loc: &Loc<'_>) -> ScimError {
    let expected = match attr.ty() {
        AttributeType::String => "a string",
        AttributeType::Reference => "a reference (string)",
        AttributeType::Binary => "a base64 string",
        AttributeType::DateTime => "an RFC 3339 date-time string",
        AttributeType::Boolean => "a boolean",
        AttributeType::Integer => "an integer",
        AttributeType::Decimal => "a number",
        AttributeType::Complex => "an object",
    };
    let secret = attr.mutability() == Mutability::WriteOnly || attr.returned() == Returned::Never;
    let got = if secret {
        describe_kind(value).to_owned()
    } else {
        describe(value)
    };
    ScimError::invalid_value(format!(
        "attribute \"{loc}\": expected {expected}, got {got}"
    ))
}

/// A value quoted for an error detail (long strings cut).
fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => {
            let cut: String = s.chars().take(MAX_QUOTED_CHARS).collect();
            let quoted = Value::String(cut).to_string();
            if s.chars().count() > MAX_QUOTED_CHARS {
                format!("{quoted}…")
            } else {
                quoted
            }
        }
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => describe_kind(other).to_owned(),
    }
}

fn describe_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_print_like_attribute_paths() {
        let root = Loc::Root {
            prefix: None,
            name: "emails",
        };
        let idx = Loc::Index(&root, 1);
        assert_eq!(Loc::Sub(&idx, "primary").to_string(), "emails[1].primary");
        let ext = Loc::Root {
            prefix: Some("urn:x:User"),
            name: "",
        };
        let m = Loc::Sub(&ext, "manager");
        assert_eq!(
            Loc::Sub(&m, "value").to_string(),
            "urn:x:User:manager.value"
        );
    }

    #[test]
    fn container_paths_match_however_the_urn_is_split() {
        let key = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let split = AttrPath {
            urn: Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0".into()),
            name: "USER".into(),
            sub_attr: None,
        };
        let whole = AttrPath {
            urn: None,
            name: key.to_uppercase(),
            sub_attr: None,
        };
        assert!(names_container(&split, key));
        assert!(names_container(&whole, key));
    }
}
