//! Applying a PATCH request to the canonical JSON of a resource, atomically.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::{MAX_OPERATIONS, PatchOpKind, PatchOperation, PatchRequest};
use crate::canonical::{
    Coerce, Loc, check_one_primary, check_required, is_empty_value, is_urn, schemas_of,
};
use crate::error::{Result, ScimError};
use crate::filter::{AttrPath, CompValue, CompareOp, Filter, PatchPath};
use crate::schema::{Attribute, AttributeType, Mutability, ResourceSchema, Schema};

/// How deep [`prune`] descends into nested values.
const MAX_PRUNE_DEPTH: usize = 8;

/// Applies `request` to `resource`, the canonical JSON of a resource (as
/// [`User::to_json`](crate::User::to_json) / [`Group::to_json`](crate::Group::to_json) or
/// [`canonicalize`](crate::canonical::canonicalize) produce it), all operations or none.
///
/// See [`PatchRequest::apply_to`] for the semantics.
///
/// # Errors
/// As [`PatchRequest::apply_to`]; on error `resource` is unchanged.
pub fn apply(resource: &mut Value, request: &PatchRequest, schema: &ResourceSchema) -> Result<()> {
    let Value::Object(current) = &*resource else {
        return Err(ScimError::internal(
            "the resource to patch is not a JSON object",
        ));
    };
    if request.operations.len() > MAX_OPERATIONS {
        return Err(ScimError::invalid_syntax(format!(
            "{} operations; at most {MAX_OPERATIONS} are accepted",
            request.operations.len()
        )));
    }
    let mut work = current.clone();
    normalize_keys(&mut work, schema);
    let mut applier = Applier {
        schema,
        res: &mut work,
        writes: 0,
    };
    for (i, op) in request.operations.iter().enumerate() {
        applier.operation(op).map_err(|e| {
            ScimError::new(
                e.status(),
                e.scim_type(),
                format!("Operations[{i}]: {}", e.detail()),
            )
        })?;
    }
    finish(&mut work, schema)?;
    *resource = Value::Object(work);
    Ok(())
}

impl PatchRequest {
    /// Applies the request to `resource`, the canonical JSON of a resource (as
    /// [`User::to_json`](crate::User::to_json) / [`Group::to_json`](crate::Group::to_json) or
    /// [`canonicalize`](crate::canonical::canonicalize) produce it). **Atomic**: the
    /// operations run on a copy that replaces `resource` only when all succeed.
    ///
    /// Semantics (RFC 7644 §3.5.2, and what Okta and Microsoft Entra send):
    ///
    /// - **add** sets a single-valued attribute, merges the sub-attributes of a complex
    ///   one, and appends to a multi-valued one, skipping values already there (`members`,
    ///   and any attribute whose `value` is immutable or read-only, compare by `value`;
    ///   others by the whole value). Adding an existing member succeeds without change.
    /// - **replace** sets an attribute (a multi-valued one gets the new list, de-duplicated
    ///   as for add); for a complex single-valued attribute the given sub-attributes
    ///   replace theirs and the others stay (RFC 7644 §3.5.2.3), and a sub-attribute
    ///   given as `null` is removed (`{"middleName": null}`). Replacing a missing
    ///   attribute adds it. `null` or `[]` as value removes the attribute.
    /// - **remove** deletes the attribute, the elements matching a value filter
    ///   (`members[value eq "…"]`), or the sub-attribute of the matching elements
    ///   (`emails[type eq "work"].value`). A `remove` of a multi-valued attribute **with a
    ///   value list** (Entra: `{"op":"Remove","path":"members","value":[{"value":"id"}]}`)
    ///   removes only the listed elements, matched by `value`. A filter matching nothing
    ///   is a successful no-op, so that removing a non-member is idempotent.
    /// - Without `path`, each key of the object value is applied as if it were a path:
    ///   `{"active": false}`, dotted and URN-qualified keys (`"name.givenName"`,
    ///   `"urn:…:enterprise:2.0:User:employeeNumber"`), and extension URNs with an object
    ///   value (merged into the extension).
    /// - add/replace on a value filter that matches nothing creates the element when the
    ///   filter is one `eq` or an `and` of `eq`s: `emails[type eq "work"].value` creates
    ///   `{"type": "work", "value": …}`, and later writes to
    ///   `addresses[type eq "work"].locality` land in that same element. Other filters
    ///   matching nothing are `400 noTarget`.
    /// - Sub-attribute paths without filter on a multi-valued attribute
    ///   (`emails.type`) apply to every element.
    /// - Every value is checked and canonicalized as in
    ///   [`canonicalize`](crate::canonical::canonicalize) (`"False"` becomes `false`).
    /// - Read-only attributes (`id`, `meta`, `groups`, `manager.displayName`) given in a
    ///   value are ignored when equal to the current value (Okta's group rename carries
    ///   the group `id`), else `400 mutability`; immutable ones (a member's `value`) may
    ///   be set when absent, never changed; whole members may be added and removed.
    ///   Writes to `schemas` are ignored: it is recomputed.
    /// - Attributes under an extension URN the resource type does not declare are stored
    ///   in that extension's object as sent. A path that is such a URN itself addresses
    ///   the whole object when the resource holds it or when its last segment is the
    ///   resource type (`urn:example:hr:1.0:User`).
    /// - Afterwards `schemas` lists the core URN and every extension present; setting
    ///   `primary: true` on one value sets it to `false` on the others; `null`, `[]` and
    ///   `{}` values are removed; required attributes must remain.
    ///
    /// # Errors
    /// The detail names the operation (`Operations[1]: …`) and the attribute.
    /// - `400 invalidPath`: an unknown attribute or sub-attribute, a value filter on an
    ///   attribute that is not multi-valued and complex, or naming unknown sub-attributes;
    /// - `400 noTarget`: add/replace through a value filter that matches nothing and
    ///   cannot create the element;
    /// - `400 invalidValue`: a value of the wrong type, a required attribute removed or
    ///   emptied, more than one `primary`;
    /// - `400 mutability`: changing a read-only or immutable attribute;
    /// - `400 invalidSyntax`: more than [`MAX_OPERATIONS`] operations, or more than
    ///   [`MAX_OPERATIONS`] attribute writes in all (an operation with a path is one; each
    ///   attribute of a path-less value or of an extension object is one).
    ///
    /// ```
    /// use okta_scim::{Group, PatchRequest, Reference};
    /// use okta_scim::schema::ResourceSchema;
    /// use serde_json::json;
    ///
    /// let mut group = Group::new("Finance").with_member(Reference::to("89bb", None)).to_json();
    /// group["id"] = json!("abf4");
    /// let req = PatchRequest::from_json(&json!({
    ///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    ///     "Operations": [
    ///         {"op": "replace", "value": {"id": "abf4", "displayName": "Finance NL"}},
    ///         {"op": "remove", "path": "members[value eq \"89bb\"]"},
    ///         {"op": "add", "path": "members", "value": [{"value": "23a3", "display": "ann"}]},
    ///     ],
    /// })).unwrap();
    /// req.apply_to(&mut group, &ResourceSchema::group()).unwrap();
    /// assert_eq!(group["displayName"], "Finance NL");
    /// assert_eq!(group["members"], json!([{"value": "23a3", "display": "ann"}]));
    ///
    /// // atomic: the second operation fails, nothing changes
    /// let before = group.clone();
    /// let bad = PatchRequest::from_json(&json!({
    ///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    ///     "Operations": [
    ///         {"op": "replace", "path": "displayName", "value": "Renamed"},
    ///         {"op": "replace", "path": "id", "value": "other"},
    ///     ],
    /// })).unwrap();
    /// let err = bad.apply_to(&mut group, &ResourceSchema::group()).unwrap_err();
    /// assert_eq!(err.scim_type(), Some(okta_scim::ScimType::Mutability));
    /// assert_eq!(group, before);
    /// ```
    pub fn apply_to(&self, resource: &mut Value, schema: &ResourceSchema) -> Result<()> {
        apply(resource, self, schema)
    }
}

/// Where a path lands.
#[derive(Debug)]
enum Slot<'s> {
    /// A defined attribute; `ext` is the declared extension URN holding it.
    Known {
        ext: Option<&'s str>,
        attr: &'s Attribute,
    },
    /// An attribute of an undeclared extension.
    Undeclared { ext: String, name: String },
    /// A whole extension object.
    Extension(Ext<'s>),
    /// `schemas`: recomputed, writes ignored.
    Schemas,
}

/// An extension object addressed as a whole.
#[derive(Debug)]
enum Ext<'s> {
    Declared(&'s Schema),
    Undeclared(String),
}

/// A sub-attribute target: its name (canonical when defined) and definition.
#[derive(Debug, Clone, Copy)]
struct Sub<'a> {
    name: &'a str,
    def: Option<&'a Attribute>,
}

#[derive(Debug)]
struct Applier<'s, 'r> {
    schema: &'s ResourceSchema,
    res: &'r mut Map<String, Value>,
    /// Attribute writes so far: one per operation with a path, one per attribute of a
    /// path-less value or of an extension object.
    writes: usize,
}

impl<'s> Applier<'s, '_> {
    /// Counts one attribute write against [`MAX_OPERATIONS`]. Each write may look keys up
    /// case-insensitively among all keys of an object, so an unbounded number of them (a
    /// path-less value with tens of thousands of keys) would take quadratic time.
    fn count_write(&mut self) -> Result<()> {
        self.writes += 1;
        if self.writes > MAX_OPERATIONS {
            return Err(ScimError::invalid_syntax(format!(
                "the operations write more than {MAX_OPERATIONS} attributes (each attribute \
                 of a path-less value or extension object counts as one)"
            )));
        }
        Ok(())
    }

    fn operation(&mut self, op: &PatchOperation) -> Result<()> {
        match (&op.path, op.op) {
            (Some(path), kind) => {
                self.count_write()?;
                self.path_op(kind, path, op.value.as_ref())
            }
            (None, PatchOpKind::Remove) => Err(ScimError::no_target("remove needs a path")),
            (None, kind) => match &op.value {
                Some(Value::Object(m)) => self.pathless(kind, m, false),
                _ => Err(ScimError::invalid_value(format!(
                    "{} without a path needs an object value",
                    kind.as_str()
                ))),
            },
        }
    }

    /// A path-less add/replace: each key of the value applied as a path.
    fn pathless(&mut self, kind: PatchOpKind, m: &Map<String, Value>, in_core: bool) -> Result<()> {
        for (k, v) in m {
            if k.eq_ignore_ascii_case("schemas") {
                continue;
            }
            self.count_write()?;
            if is_urn(k) {
                if let Some(ext) = self.schema.extension(k) {
                    self.extension_op(kind, &Ext::Declared(&ext.schema), Some(v))?;
                    continue;
                }
                if self.schema.is_core_urn(k) {
                    match v {
                        Value::Object(inner) if !in_core => self.pathless(kind, inner, true)?,
                        _ => {
                            return Err(ScimError::invalid_value(format!(
                                "attribute \"{k}\": the core schema URN needs an object of attributes"
                            )));
                        }
                    }
                    continue;
                }
                if v.is_object() && !self.qualifies_known(k) {
                    self.extension_op(kind, &Ext::Undeclared(k.clone()), Some(v))?;
                    continue;
                }
            }
            let path = PatchPath::parse(k).map_err(|e| {
                ScimError::invalid_path(format!("attribute \"{k}\" in the value: {}", e.detail()))
            })?;
            self.path_op(kind, &path, Some(v))?;
        }
        Ok(())
    }

    /// Whether `key` is an attribute qualified by the core or a declared extension URN.
    fn qualifies_known(&self, key: &str) -> bool {
        self.schema
            .schema_urns()
            .any(|u| strip_prefix_ci(key, u).is_some_and(|rest| rest.starts_with(':')))
    }

    fn path_op(
        &mut self,
        kind: PatchOpKind,
        path: &PatchPath,
        value: Option<&Value>,
    ) -> Result<()> {
        let (filter, sub) = match &path.value_filter {
            None => (None, path.attr.sub_attr.as_deref()),
            Some(f) => {
                if path.attr.sub_attr.is_some() {
                    return Err(ScimError::invalid_path(format!(
                        "path \"{path}\": a value filter cannot follow a sub-attribute"
                    )));
                }
                (Some(f), path.sub_attr.as_deref())
            }
        };
        match self.resolve(&path.attr)? {
            Slot::Schemas => Ok(()),
            Slot::Extension(ext) => {
                if filter.is_some() || sub.is_some() {
                    return Err(ScimError::invalid_path(format!(
                        "path \"{path}\": an extension URN has no sub-attributes or filter"
                    )));
                }
                self.extension_op(kind, &ext, value)
            }
            Slot::Known { ext, attr } => self.known(kind, ext, attr, filter, sub, value),
            Slot::Undeclared { ext, name } => {
                let loc = Loc::Root {
                    prefix: Some(&ext),
                    name: &name,
                };
                let Some(c) = container(self.res, &ext, kind != PatchOpKind::Remove, false) else {
                    return Ok(());
                };
                let sub = sub.map(|name| Sub { name, def: None });
                match filter {
                    Some(f) => filtered(c, kind, None, &name, f, sub, &loc, value),
                    None => match sub {
                        Some(s) => sub_all(c, kind, None, &name, s, &loc, value),
                        None => undeclared_whole(c, kind, &name, &loc, value),
                    },
                }
            }
        }
    }

    fn resolve(&self, p: &AttrPath) -> Result<Slot<'s>> {
        let schema = self.schema;
        let core = |name: &str| {
            if name.eq_ignore_ascii_case("schemas") {
                return Ok(Slot::Schemas);
            }
            schema
                .attribute(None, name)
                .map(|attr| Slot::Known { ext: None, attr })
                .ok_or_else(|| ScimError::invalid_path(format!("unknown attribute \"{name}\"")))
        };
        let Some(u) = p.urn.as_deref() else {
            return core(&p.name);
        };
        let full = format!("{u}:{}", p.name);
        if let Some(ext) = schema.extension(&full) {
            return Ok(Slot::Extension(Ext::Declared(&ext.schema)));
        }
        if schema.is_core_urn(&full) {
            return Err(ScimError::invalid_path(format!(
                "\"{full}\": the core schema URN is not an attribute"
            )));
        }
        if schema.is_core_urn(u) {
            return core(&p.name);
        }
        if let Some(ext) = schema.extension(u) {
            let id = ext.schema.id();
            return ext
                .schema
                .attribute(&p.name)
                .map(|attr| Slot::Known {
                    ext: Some(id),
                    attr,
                })
                .ok_or_else(|| {
                    ScimError::invalid_path(format!("unknown attribute \"{id}:{}\"", p.name))
                });
        }
        if !is_urn(u) {
            return Err(ScimError::invalid_path(format!(
                "unknown attribute \"{full}\": \"{u}\" is not a schema URN"
            )));
        }
        // `urn:…:1.0:User` is the whole extension when present, or when its last segment
        // is the resource type (as extension URNs end); else an attribute of `urn:…:1.0`.
        if find_key_ci(self.res, &full).is_some()
            || p.name.eq_ignore_ascii_case(schema.kind().as_str())
        {
            return Ok(Slot::Extension(Ext::Undeclared(full)));
        }
        Ok(Slot::Undeclared {
            ext: u.to_owned(),
            name: p.name.clone(),
        })
    }

    fn extension_op(
        &mut self,
        kind: PatchOpKind,
        ext: &Ext<'s>,
        value: Option<&Value>,
    ) -> Result<()> {
        let key = match ext {
            Ext::Declared(s) => s.id(),
            Ext::Undeclared(k) => k.as_str(),
        };
        if kind == PatchOpKind::Remove {
            if let Some(found) = find_key_ci(self.res, key) {
                self.res.remove(&found);
            }
            return Ok(());
        }
        let v = need_value(kind, value)?;
        let m = match v {
            Value::Null => {
                if kind == PatchOpKind::Replace
                    && let Some(found) = find_key_ci(self.res, key)
                {
                    self.res.remove(&found);
                }
                return Ok(());
            }
            Value::Object(m) => m,
            _ => {
                return Err(ScimError::invalid_value(format!(
                    "attribute \"{key}\": an extension must be an object"
                )));
            }
        };
        for (k, v) in m {
            // Some clients (scim2-tester among them) send the extension object with its
            // own `schemas` member; it is recomputed, so it is ignored like at the top.
            if k.eq_ignore_ascii_case("schemas") {
                continue;
            }
            self.count_write()?;
            match ext {
                Ext::Declared(s) => {
                    let attr = s.attribute(k).ok_or_else(|| {
                        ScimError::invalid_path(format!("unknown attribute \"{}:{k}\"", s.id()))
                    })?;
                    self.known(kind, Some(s.id()), attr, None, None, Some(v))?;
                }
                Ext::Undeclared(e) => {
                    let loc = Loc::Root {
                        prefix: Some(e),
                        name: k,
                    };
                    if let Some(c) = container(self.res, e, true, false) {
                        undeclared_whole(c, kind, k, &loc, Some(v))?;
                    }
                }
            }
        }
        Ok(())
    }

    fn known(
        &mut self,
        kind: PatchOpKind,
        ext: Option<&'s str>,
        attr: &'s Attribute,
        filter: Option<&Filter>,
        sub: Option<&str>,
        value: Option<&Value>,
    ) -> Result<()> {
        let loc = Loc::Root {
            prefix: ext,
            name: attr.name(),
        };
        let sub = match sub {
            None => None,
            Some(s) => {
                let def = (attr.ty() == AttributeType::Complex)
                    .then(|| attr.sub_attribute(s))
                    .flatten()
                    .ok_or_else(|| {
                        ScimError::invalid_path(format!(
                            "unknown attribute \"{}\"",
                            Loc::Sub(&loc, s)
                        ))
                    })?;
                Some(Sub {
                    name: def.name(),
                    def: Some(def),
                })
            }
        };
        if let Some(f) = filter {
            if !attr.is_multi_valued() || attr.ty() != AttributeType::Complex {
                return Err(ScimError::invalid_path(format!(
                    "attribute \"{loc}\": a value filter needs a multi-valued complex attribute"
                )));
            }
            self.validate_element_filter(f, ext, attr, &loc)?;
        }
        let create = kind != PatchOpKind::Remove;
        let c = match ext {
            None => &mut *self.res,
            Some(e) => match container(self.res, e, create, true) {
                Some(c) => c,
                None => return Ok(()),
            },
        };
        match (filter, sub) {
            (Some(f), sub) => filtered(c, kind, Some(attr), attr.name(), f, sub, &loc, value),
            (None, Some(s)) => sub_all(c, kind, Some(attr), attr.name(), s, &loc, value),
            (None, None) => known_whole(c, kind, attr, &loc, value),
        }
    }

    /// The paths of a value filter must be sub-attributes of `attr`, and the comparisons
    /// must fit their types.
    fn validate_element_filter(
        &self,
        f: &Filter,
        ext: Option<&str>,
        attr: &Attribute,
        loc: &Loc<'_>,
    ) -> Result<()> {
        fn names<'f>(f: &'f Filter, out: &mut Vec<&'f AttrPath>) -> bool {
            match f {
                Filter::Present(p) | Filter::Compare { path: p, .. } => {
                    out.push(p);
                    true
                }
                Filter::Not(x) => names(x, out),
                Filter::And(a, b) | Filter::Or(a, b) => names(a, out) && names(b, out),
                Filter::ValuePath { .. } => false,
            }
        }
        let mut paths = Vec::new();
        if !names(f, &mut paths) {
            return Err(ScimError::invalid_path(format!(
                "attribute \"{loc}\": value filters cannot nest"
            )));
        }
        for p in paths {
            if p.urn.is_some() || p.sub_attr.is_some() || attr.sub_attribute(&p.name).is_none() {
                return Err(ScimError::invalid_path(format!(
                    "attribute \"{loc}\": the filter names \"{p}\", which is not one of its sub-attributes"
                )));
            }
        }
        let whole = Filter::ValuePath {
            attr: AttrPath {
                urn: ext.map(str::to_owned),
                name: attr.name().to_owned(),
                sub_attr: None,
            },
            filter: Box::new(f.clone()),
        };
        whole
            .validate(self.schema)
            .map_err(|e| ScimError::invalid_path(e.detail().to_owned()))
    }
}

/// The object under `key` (matched case-insensitively), created when `create`. A declared
/// extension (`rename`) is moved to its canonical key.
fn container<'m>(
    res: &'m mut Map<String, Value>,
    key: &str,
    create: bool,
    rename: bool,
) -> Option<&'m mut Map<String, Value>> {
    let mut found = find_key_ci(res, key);
    if rename
        && let Some(f) = found.as_deref()
        && f != key
    {
        let v = res.remove(f).unwrap_or(Value::Null);
        res.insert(key.to_owned(), v);
        found = Some(key.to_owned());
    }
    let key = match found {
        Some(k) => k,
        None if create => {
            res.insert(key.to_owned(), Value::Object(Map::new()));
            key.to_owned()
        }
        None => return None,
    };
    let slot = res.get_mut(&key)?;
    if !slot.is_object() {
        if !create {
            return None;
        }
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
}

fn find_key_ci(m: &Map<String, Value>, key: &str) -> Option<String> {
    if m.contains_key(key) {
        return Some(key.to_owned());
    }
    m.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned()
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

fn need_value(kind: PatchOpKind, value: Option<&Value>) -> Result<&Value> {
    value.ok_or_else(|| ScimError::invalid_value(format!("{} needs a value", kind.as_str())))
}

/// The mutability that applies to a sub-attribute: read-only under a read-only parent.
fn effective(def: Option<&Attribute>, parent: Option<&Attribute>) -> Mutability {
    if parent.is_some_and(|p| p.mutability() == Mutability::ReadOnly) {
        return Mutability::ReadOnly;
    }
    def.map_or(Mutability::ReadWrite, Attribute::mutability)
}

/// Whether a write of `new` over `current` goes ahead (`Ok(true)`), is ignored because a
/// read-only or immutable value is unchanged (`Ok(false)`), or is refused.
fn may_write(m: Mutability, current: Option<&Value>, new: &Value, loc: &Loc<'_>) -> Result<bool> {
    let current = current.filter(|v| !is_empty_value(v));
    let same = current == Some(new);
    match m {
        Mutability::ReadOnly if same => Ok(false),
        Mutability::ReadOnly => Err(ScimError::mutability(format!(
            "attribute \"{loc}\" is read-only"
        ))),
        Mutability::Immutable if same => Ok(false),
        Mutability::Immutable if current.is_some() => Err(ScimError::mutability(format!(
            "attribute \"{loc}\" is immutable"
        ))),
        _ => Ok(true),
    }
}

/// Whether a present `current` value may be removed.
fn may_remove(m: Mutability, current: Option<&Value>, loc: &Loc<'_>) -> Result<()> {
    if current.is_none_or(is_empty_value) {
        return Ok(());
    }
    match m {
        Mutability::ReadOnly => Err(ScimError::mutability(format!(
            "attribute \"{loc}\" is read-only"
        ))),
        Mutability::Immutable => Err(ScimError::mutability(format!(
            "attribute \"{loc}\" is immutable and cannot be removed"
        ))),
        _ => Ok(()),
    }
}

/// Canonical form of a value for `def` (raw, minus empties, when undefined).
fn coerce(def: Option<&Attribute>, v: &Value, loc: &Loc<'_>) -> Result<Option<Value>> {
    match def {
        Some(d) => Coerce::PATCH.attribute(d, v.clone(), loc),
        None => Ok((!is_empty_value(v)).then(|| v.clone())),
    }
}

/// A declared attribute, no filter, no sub-attribute.
fn known_whole(
    c: &mut Map<String, Value>,
    kind: PatchOpKind,
    attr: &Attribute,
    loc: &Loc<'_>,
    value: Option<&Value>,
) -> Result<()> {
    let name = attr.name();
    if kind == PatchOpKind::Remove {
        if attr.is_multi_valued()
            && let Some(list) = value.filter(|v| !v.is_null())
        {
            return remove_listed(c, Some(attr), name, loc, list);
        }
        return remove_attr(c, attr, loc);
    }
    let v = need_value(kind, value)?;
    let new = match lenient_reference(attr, v) {
        Some(wrapped) => Coerce::PATCH.attribute(attr, wrapped, loc)?,
        None => Coerce::PATCH.attribute(attr, v.clone(), loc)?,
    };
    if kind == PatchOpKind::Replace
        && attr.ty() == AttributeType::Complex
        && !attr.is_multi_valued()
        && let Value::Object(given) = v
        && !given.is_empty()
    {
        // RFC 7643 §2.5: a sub-attribute given as null (or empty) is unassigned. The
        // coerced value has dropped it, so clear it here; sub-attributes not given stay
        // (RFC 7644 §3.5.2.3), even when every given one is null.
        if let Some(Value::Object(t)) = c.get_mut(name) {
            for (k, _) in given.iter().filter(|(_, x)| is_empty_value(x)) {
                if let Some(def) = attr.sub_attribute(k) {
                    let sub = Sub {
                        name: def.name(),
                        def: Some(def),
                    };
                    let m = effective(Some(def), Some(attr));
                    remove_sub(t, sub, m, &Loc::Sub(loc, def.name()))?;
                }
            }
        }
        if new.is_none() {
            return Ok(());
        }
    }
    let Some(new) = new else {
        return match kind {
            PatchOpKind::Replace => remove_attr(c, attr, loc),
            _ => Ok(()),
        };
    };
    if attr.is_multi_valued() {
        let Value::Array(items) = new else {
            return Ok(());
        };
        if attr.mutability() == Mutability::ReadOnly {
            let current = c.get(name).and_then(Value::as_array);
            let unchanged = match kind {
                PatchOpKind::Add => {
                    let have: HashSet<String> = current
                        .into_iter()
                        .flatten()
                        .map(|e| identity(Some(attr), e))
                        .collect();
                    items
                        .iter()
                        .all(|e| have.contains(&identity(Some(attr), e)))
                }
                _ => current.is_some_and(|cur| cur == &items),
            };
            return if unchanged {
                Ok(())
            } else {
                Err(ScimError::mutability(format!(
                    "attribute \"{loc}\" is read-only"
                )))
            };
        }
        let slot = c
            .entry(name.to_owned())
            .or_insert_with(|| Value::Array(Vec::new()));
        if kind == PatchOpKind::Replace || !slot.is_array() {
            *slot = Value::Array(Vec::new());
        }
        if let Value::Array(cur) = slot {
            union_add(cur, Some(attr), items);
        }
        return Ok(());
    }
    if attr.ty() == AttributeType::Complex {
        let Value::Object(new) = new else {
            return Ok(());
        };
        let slot = c
            .entry(name.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        if let Value::Object(t) = slot {
            merge_into(t, attr, loc, new)?;
        }
        return Ok(());
    }
    if may_write(attr.mutability(), c.get(name), &new, loc)? {
        c.insert(name.to_owned(), new);
    }
    Ok(())
}

/// Microsoft Entra sends a manager as its id (`"value": "<id>"` on the path
/// `…:enterprise:2.0:User:manager`): a string given for a single-valued complex attribute
/// with a `value` sub-attribute means that sub-attribute.
fn lenient_reference(attr: &Attribute, v: &Value) -> Option<Value> {
    let is_ref = attr.ty() == AttributeType::Complex
        && !attr.is_multi_valued()
        && attr.sub_attribute("value").is_some();
    match v {
        Value::String(s) if is_ref => {
            let mut m = Map::new();
            m.insert("value".to_owned(), Value::String(s.clone()));
            Some(Value::Object(m))
        }
        _ => None,
    }
}

fn remove_attr(c: &mut Map<String, Value>, attr: &Attribute, loc: &Loc<'_>) -> Result<()> {
    let name = attr.name();
    let current = c.get(name);
    if current.is_none_or(is_empty_value) {
        c.remove(name);
        return Ok(());
    }
    may_remove(attr.mutability(), current, loc)?;
    if attr.is_required() {
        return Err(ScimError::invalid_value(format!(
            "attribute \"{loc}\" is required and cannot be removed"
        )));
    }
    c.remove(name);
    Ok(())
}

/// Sets the sub-attributes of `new` in `t`, honouring their mutability.
fn merge_into(
    t: &mut Map<String, Value>,
    parent: &Attribute,
    loc: &Loc<'_>,
    new: Map<String, Value>,
) -> Result<()> {
    for (k, v) in new {
        let def = parent.sub_attribute(&k);
        let m = effective(def, Some(parent));
        if may_write(m, t.get(&k), &v, &Loc::Sub(loc, &k))? {
            t.insert(k, v);
        }
    }
    Ok(())
}

/// Replaces element `t` by `new`; read-only and immutable sub-attributes cannot change
/// (absent from `new`, they are kept).
fn replace_element(
    t: &mut Map<String, Value>,
    parent: &Attribute,
    loc: &Loc<'_>,
    mut new: Map<String, Value>,
) -> Result<()> {
    for def in parent.sub_attributes() {
        let m = effective(Some(def), Some(parent));
        if !matches!(m, Mutability::ReadOnly | Mutability::Immutable) {
            continue;
        }
        let name = def.name();
        let sloc = Loc::Sub(loc, name);
        match (t.get(name).filter(|v| !is_empty_value(v)), new.get(name)) {
            (Some(cur), Some(n)) if cur != n => {
                return Err(ScimError::mutability(format!(
                    "attribute \"{sloc}\" is {}",
                    if m == Mutability::ReadOnly {
                        "read-only"
                    } else {
                        "immutable"
                    }
                )));
            }
            (Some(cur), None) => {
                new.insert(name.to_owned(), cur.clone());
            }
            (None, Some(_)) if m == Mutability::ReadOnly => {
                return Err(ScimError::mutability(format!(
                    "attribute \"{sloc}\" is read-only"
                )));
            }
            _ => {}
        }
    }
    *t = new;
    Ok(())
}

/// The identity of an element for de-duplication: its `value` when that is immutable or
/// read-only (`members`, `groups`), else the whole element.
fn identity(attr: Option<&Attribute>, el: &Value) -> String {
    if by_value(attr)
        && let Some(v) = el.get("value")
    {
        let mut key = String::from("v");
        write_canon(v, &mut key);
        return key;
    }
    let mut key = String::from("e");
    write_canon(el, &mut key);
    key
}

/// JSON text with object keys sorted, so equal values give equal text.
fn write_canon(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<_> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::from(k.as_str()).to_string());
                out.push(':');
                write_canon(v, out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, v) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canon(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// A set of strings for one scan over many elements: a short list compares directly,
/// cheaper than hashing every element for the usual one or two values.
#[derive(Debug, Default)]
enum StrSet<'a> {
    #[default]
    Empty,
    Few(Vec<&'a str>),
    Many(HashSet<&'a str>),
}

impl<'a> StrSet<'a> {
    const FEW: usize = 8;

    fn insert(&mut self, s: &'a str) {
        match self {
            Self::Empty => *self = Self::Few(vec![s]),
            Self::Few(v) if v.len() < Self::FEW => v.push(s),
            Self::Few(v) => {
                let mut set: HashSet<&str> = v.drain(..).collect();
                set.insert(s);
                *self = Self::Many(set);
            }
            Self::Many(set) => {
                set.insert(s);
            }
        }
    }

    fn contains(&self, s: &str) -> bool {
        match self {
            Self::Empty => false,
            Self::Few(v) => v.contains(&s),
            Self::Many(set) => set.contains(s),
        }
    }
}

impl<'a> FromIterator<&'a str> for StrSet<'a> {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Self {
        let mut set = Self::default();
        for s in iter {
            set.insert(s);
        }
        set
    }
}

/// Whether elements of `attr` are identified by their `value` (immutable or read-only:
/// `members`, `groups`).
fn by_value(attr: Option<&Attribute>) -> bool {
    attr.and_then(|a| a.sub_attribute("value"))
        .is_some_and(|s| matches!(s.mutability(), Mutability::Immutable | Mutability::ReadOnly))
}

/// Appends the elements of `items` not already in `cur`; a new primary demotes the others.
///
/// One pass over `cur` that allocates nothing for elements identified by a string
/// `value` (members of a large group), so many small adds stay cheap.
fn union_add(cur: &mut Vec<Value>, attr: Option<&Attribute>, items: Vec<Value>) {
    let mut keys: HashSet<String> = HashSet::new();
    let mut fresh: Vec<(String, Value)> = Vec::new();
    for item in items {
        let k = identity(attr, &item);
        if keys.insert(k.clone()) {
            fresh.push((k, item));
        }
    }
    if fresh.is_empty() {
        return;
    }
    let present: HashSet<String> = {
        let by_value = by_value(attr);
        let values: StrSet<'_> = if by_value {
            fresh
                .iter()
                .filter_map(|(_, e)| e.get("value")?.as_str())
                .collect()
        } else {
            StrSet::default()
        };
        cur.iter()
            .filter_map(|e| {
                if by_value
                    && let Some(s) = e.get("value").and_then(Value::as_str)
                    && !values.contains(s)
                {
                    return None;
                }
                let k = identity(attr, e);
                keys.contains(&k).then_some(k)
            })
            .collect()
    };
    let mut new_primary = None;
    for (k, item) in fresh {
        if !present.contains(&k) {
            if is_primary(&item) {
                new_primary = Some(cur.len());
            }
            cur.push(item);
        }
    }
    if let Some(p) = new_primary {
        demote_others(cur, |i| i == p);
    }
}

fn is_primary(v: &Value) -> bool {
    v.get("primary") == Some(&Value::Bool(true))
}

/// Sets `primary` to `false` on every element not kept that has it `true`.
fn demote_others(items: &mut [Value], keep: impl Fn(usize) -> bool) {
    for (i, el) in items.iter_mut().enumerate() {
        if !keep(i)
            && is_primary(el)
            && let Value::Object(m) = el
        {
            m.insert("primary".to_owned(), Value::Bool(false));
        }
    }
}

/// The key by which a listed value matches an element's `value`.
fn value_key(v: &Value, case_exact: bool) -> String {
    match v {
        Value::String(s) if case_exact => format!("s{s}"),
        Value::String(s) => format!("s{}", s.to_lowercase()),
        other => {
            let mut k = String::from("j");
            write_canon(other, &mut k);
            k
        }
    }
}

/// Entra's `remove` with a value list: removes only the listed elements, matched by their
/// `value` (or, for listed objects without `value`, by every sub-attribute they give).
fn remove_listed<'l>(
    c: &mut Map<String, Value>,
    attr: Option<&Attribute>,
    name: &str,
    loc: &Loc<'_>,
    list: &'l Value,
) -> Result<()> {
    let case_exact = attr
        .and_then(|a| a.sub_attribute("value").or(Some(a)))
        .is_some_and(Attribute::is_case_exact);
    let items: Vec<&Value> = match list {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    let mut by_value: HashSet<String> = HashSet::new();
    // case-exact string values, looked up without building a key per element
    let mut exact = StrSet::default();
    let mut by_fields: Vec<&Map<String, Value>> = Vec::new();
    let mut add_value = |v: &'l Value| match v {
        Value::String(s) if case_exact => exact.insert(s.as_str()),
        v => {
            by_value.insert(value_key(v, case_exact));
        }
    };
    for it in items {
        match it {
            Value::Object(m) => match m.iter().find(|(k, _)| k.eq_ignore_ascii_case("value")) {
                Some((_, v)) => add_value(v),
                None if !m.is_empty() => by_fields.push(m),
                None => {}
            },
            Value::Null => {}
            other => add_value(other),
        }
    }
    let Some(Value::Array(cur)) = c.get_mut(name) else {
        return Ok(());
    };
    let listed = |el: &Value| -> bool {
        let v = match el {
            Value::Object(m) => m.get("value"),
            other => Some(other),
        };
        let hit = v.is_some_and(|v| match v {
            Value::String(s) if case_exact => exact.contains(s.as_str()),
            v => !by_value.is_empty() && by_value.contains(&value_key(v, case_exact)),
        });
        if hit {
            return true;
        }
        by_fields.iter().any(|fields| {
            fields.iter().all(|(k, want)| {
                el.as_object()
                    .and_then(|m| m.iter().find(|(ek, _)| ek.eq_ignore_ascii_case(k)))
                    .is_some_and(|(_, have)| loose_eq(have, want))
            })
        })
    };
    if attr.is_some_and(|a| a.mutability() == Mutability::ReadOnly) && cur.iter().any(listed) {
        return Err(ScimError::mutability(format!(
            "attribute \"{loc}\" is read-only"
        )));
    }
    cur.retain(|el| !listed(el));
    Ok(())
}

/// Equality that ignores the case of strings and accepts `"true"`/`"false"` for booleans.
fn loose_eq(have: &Value, want: &Value) -> bool {
    match (have, want) {
        (Value::String(a), Value::String(b)) => a.to_lowercase() == b.to_lowercase(),
        (Value::Bool(a), Value::String(b)) => {
            b.eq_ignore_ascii_case(if *a { "true" } else { "false" })
        }
        (a, b) => a == b,
    }
}

/// An attribute of an undeclared extension, no filter, no sub-attribute: stored as sent.
fn undeclared_whole(
    c: &mut Map<String, Value>,
    kind: PatchOpKind,
    name: &str,
    loc: &Loc<'_>,
    value: Option<&Value>,
) -> Result<()> {
    let key = find_key_ci(c, name).unwrap_or_else(|| name.to_owned());
    if kind == PatchOpKind::Remove {
        if let Some(list) = value.filter(|v| !v.is_null())
            && c.get(&key).is_some_and(Value::is_array)
        {
            return remove_listed(c, None, &key, loc, list);
        }
        c.remove(&key);
        return Ok(());
    }
    let v = need_value(kind, value)?;
    if is_empty_value(v) {
        if kind == PatchOpKind::Replace {
            c.remove(&key);
        }
        return Ok(());
    }
    match (kind, c.get_mut(&key), v) {
        (PatchOpKind::Add, Some(Value::Array(cur)), Value::Array(new)) => {
            union_add(cur, None, new.clone());
        }
        (PatchOpKind::Add, Some(Value::Object(cur)), Value::Object(new)) => {
            for (k, v) in new {
                cur.insert(k.clone(), v.clone());
            }
        }
        _ => {
            c.insert(key, v.clone());
        }
    }
    Ok(())
}

/// A sub-attribute path without filter: on a single-valued complex attribute, that
/// sub-attribute; on a multi-valued one, that sub-attribute of every element (an add or
/// replace on an empty list creates one element).
fn sub_all(
    c: &mut Map<String, Value>,
    kind: PatchOpKind,
    attr: Option<&Attribute>,
    name: &str,
    sub: Sub<'_>,
    loc: &Loc<'_>,
    value: Option<&Value>,
) -> Result<()> {
    let key = find_key_ci(c, name).unwrap_or_else(|| name.to_owned());
    let sloc = Loc::Sub(loc, sub.name);
    let m = effective(sub.def, attr);
    let multi = match (attr, c.get(&key)) {
        (Some(a), _) => a.is_multi_valued(),
        (None, Some(v)) => v.is_array(),
        (None, None) => false,
    };
    let new = match kind {
        PatchOpKind::Remove => None,
        _ => coerce(sub.def, need_value(kind, value)?, &sloc)?,
    };
    let remove = kind == PatchOpKind::Remove || (kind == PatchOpKind::Replace && new.is_none());
    if remove {
        match c.get_mut(&key) {
            Some(Value::Object(t)) => remove_sub(t, sub, m, &sloc)?,
            Some(Value::Array(items)) => {
                for el in items.iter_mut() {
                    if let Value::Object(t) = el {
                        remove_sub(t, sub, m, &sloc)?;
                    }
                }
            }
            _ => {}
        }
        return Ok(());
    }
    let Some(new) = new else {
        return Ok(());
    };
    let slot = c.entry(key).or_insert_with(|| {
        if multi {
            Value::Array(Vec::new())
        } else {
            Value::Object(Map::new())
        }
    });
    match slot {
        Value::Object(t) => write_sub(t, sub, m, &sloc, new),
        Value::Array(items) => {
            if items.is_empty() {
                items.push(Value::Object(Map::new()));
            }
            for el in items.iter_mut() {
                if let Value::Object(t) = el {
                    write_sub(t, sub, m, &sloc, new.clone())?;
                }
            }
            Ok(())
        }
        _ if attr.is_none() => Err(ScimError::invalid_path(format!(
            "attribute \"{loc}\" has no sub-attributes"
        ))),
        other => {
            let mut t = Map::new();
            write_sub(&mut t, sub, m, &sloc, new)?;
            *other = Value::Object(t);
            Ok(())
        }
    }
}

fn sub_key(t: &Map<String, Value>, sub: Sub<'_>) -> String {
    find_key_ci(t, sub.name).unwrap_or_else(|| sub.name.to_owned())
}

fn write_sub(
    t: &mut Map<String, Value>,
    sub: Sub<'_>,
    m: Mutability,
    loc: &Loc<'_>,
    new: Value,
) -> Result<()> {
    let key = sub_key(t, sub);
    if may_write(m, t.get(&key), &new, loc)? {
        t.insert(key, new);
    }
    Ok(())
}

fn remove_sub(
    t: &mut Map<String, Value>,
    sub: Sub<'_>,
    m: Mutability,
    loc: &Loc<'_>,
) -> Result<()> {
    let key = sub_key(t, sub);
    may_remove(m, t.get(&key), loc)?;
    t.remove(&key);
    Ok(())
}

/// `Some((name, value))` for a filter `name eq "value"` on a case-exact string
/// sub-attribute, which is then matched by plain string comparison.
fn fast_equality<'f>(f: &'f Filter, parent: Option<&'f Attribute>) -> Option<(&'f str, &'f str)> {
    let Filter::Compare {
        path,
        op: CompareOp::Eq,
        value: CompValue::Str(s),
    } = f
    else {
        return None;
    };
    if path.urn.is_some() || path.sub_attr.is_some() {
        return None;
    }
    let def = parent?.sub_attribute(&path.name)?;
    (def.is_case_exact() && def.ty() == AttributeType::String && !def.is_multi_valued())
        .then_some((def.name(), s.as_str()))
}

fn element_matches(
    f: &Filter,
    fast: Option<(&str, &str)>,
    el: &Value,
    parent: Option<&Attribute>,
) -> bool {
    if let (Some((name, want)), Value::Object(m)) = (fast, el)
        && let Some(have) = m.get(name)
    {
        return have.as_str() == Some(want);
    }
    f.matches_element(el, parent)
}

/// The `eq` comparisons of a filter that is one `eq` or an `and` of `eq`s.
fn equalities<'f>(f: &'f Filter, out: &mut Vec<(&'f str, &'f CompValue)>) -> bool {
    match f {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } if path.urn.is_none() && path.sub_attr.is_none() => {
            out.push((&path.name, value));
            true
        }
        Filter::And(a, b) => equalities(a, out) && equalities(b, out),
        _ => false,
    }
}

fn comp_json(v: &CompValue) -> Value {
    match v {
        CompValue::Null => Value::Null,
        CompValue::Bool(b) => Value::Bool(*b),
        CompValue::Number(n) => Value::Number(n.clone()),
        CompValue::Str(s) => Value::String(s.clone()),
    }
}

/// A path with a value filter: `members[value eq "x"]`, `emails[type eq "work"].value`.
#[allow(clippy::too_many_arguments)]
fn filtered(
    c: &mut Map<String, Value>,
    kind: PatchOpKind,
    attr: Option<&Attribute>,
    name: &str,
    f: &Filter,
    sub: Option<Sub<'_>>,
    loc: &Loc<'_>,
    value: Option<&Value>,
) -> Result<()> {
    let key = find_key_ci(c, name).unwrap_or_else(|| name.to_owned());
    let fast = fast_equality(f, attr);
    let matches = |el: &Value| element_matches(f, fast, el, attr);
    let parent_ro = attr.is_some_and(|a| a.mutability() == Mutability::ReadOnly);
    let sub_m = sub.map(|s| effective(s.def, attr));
    let new = match kind {
        PatchOpKind::Remove => None,
        _ => {
            let v = need_value(kind, value)?;
            match (sub, attr) {
                (Some(s), _) => coerce(s.def, v, &Loc::Sub(loc, s.name))?,
                (None, Some(a)) => Coerce::PATCH.single(a, v.clone(), loc)?,
                (None, None) if is_empty_value(v) => None,
                (None, None) if v.is_object() => Some(v.clone()),
                (None, None) => {
                    return Err(ScimError::invalid_value(format!(
                        "attribute \"{loc}\": a filtered value must be an object"
                    )));
                }
            }
        }
    };
    let Some(new) = new else {
        if kind == PatchOpKind::Add {
            return Ok(());
        }
        // remove, or replace with null: drop the matching elements or their sub-attribute
        let Some(Value::Array(items)) = c.get_mut(&key) else {
            return Ok(());
        };
        match (sub, sub_m) {
            (Some(s), Some(m)) => {
                let sloc = Loc::Sub(loc, s.name);
                for el in items.iter_mut() {
                    if matches(el)
                        && let Value::Object(t) = el
                    {
                        remove_sub(t, s, m, &sloc)?;
                    }
                }
            }
            _ => {
                if parent_ro && items.iter().any(matches) {
                    return Err(ScimError::mutability(format!(
                        "attribute \"{loc}\" is read-only"
                    )));
                }
                items.retain(|el| !matches(el));
            }
        }
        return Ok(());
    };
    let slot = c.entry(key).or_insert_with(|| Value::Array(Vec::new()));
    if !slot.is_array() {
        if attr.is_none() && !is_empty_value(slot) {
            return Err(ScimError::invalid_path(format!(
                "attribute \"{loc}\" is not multi-valued"
            )));
        }
        *slot = Value::Array(Vec::new());
    }
    let Value::Array(items) = slot else {
        return Ok(());
    };
    let hits: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, el)| matches(el))
        .map(|(i, _)| i)
        .collect();
    let sets_primary = match sub {
        Some(s) => s.name.eq_ignore_ascii_case("primary") && new == Value::Bool(true),
        None => is_primary(&new),
    };
    if hits.is_empty() {
        let mut eqs = Vec::new();
        if !equalities(f, &mut eqs) {
            return Err(ScimError::no_target(format!(
                "no value of \"{loc}\" matches the filter [{f}]"
            )));
        }
        if parent_ro {
            return Err(ScimError::mutability(format!(
                "attribute \"{loc}\" is read-only"
            )));
        }
        let mut el = Map::new();
        for (n, cv) in eqs {
            let def = attr.and_then(|a| a.sub_attribute(n));
            let name = def.map_or(n, Attribute::name);
            if let Some(v) = coerce(def, &comp_json(cv), &Loc::Sub(loc, name))? {
                el.insert(name.to_owned(), v);
            }
        }
        match (sub, new) {
            (Some(s), new) => {
                el.insert(s.name.to_owned(), new);
            }
            (None, Value::Object(m)) => el.extend(m),
            (None, _) => {}
        }
        let el = Value::Object(el);
        if let Some(a) = attr {
            Coerce::PATCH.single(a, el.clone(), loc)?;
        }
        items.push(el);
        if sets_primary {
            let last = items.len() - 1;
            demote_others(items, |i| i == last);
        }
        return Ok(());
    }
    for &i in &hits {
        let Some(Value::Object(t)) = items.get_mut(i) else {
            continue;
        };
        match (sub, sub_m, attr, &new) {
            (Some(s), Some(m), _, _) => write_sub(t, s, m, &Loc::Sub(loc, s.name), new.clone())?,
            (None, _, Some(a), Value::Object(m)) if kind == PatchOpKind::Add => {
                merge_into(t, a, loc, m.clone())?;
            }
            (None, _, Some(a), Value::Object(m)) => replace_element(t, a, loc, m.clone())?,
            (None, _, None, Value::Object(m)) if kind == PatchOpKind::Add => {
                for (k, v) in m {
                    t.insert(k.clone(), v.clone());
                }
            }
            (None, _, None, Value::Object(m)) => *t = m.clone(),
            _ => {}
        }
    }
    if sets_primary {
        demote_others(items, |i| hits.binary_search(&i).is_ok());
    }
    Ok(())
}

/// Rewrites top-level keys (and those of declared extensions) in the schema's case.
fn normalize_keys(work: &mut Map<String, Value>, schema: &ResourceSchema) {
    fn rename(m: &mut Map<String, Value>, canonical: impl Fn(&str) -> Option<String>) {
        let renames: Vec<(String, String)> = m
            .keys()
            .filter_map(|k| canonical(k).filter(|c| c != k).map(|c| (k.clone(), c)))
            .collect();
        for (old, new) in renames {
            if !m.contains_key(&new)
                && let Some(v) = m.remove(&old)
            {
                m.insert(new, v);
            }
        }
    }
    rename(work, |k| {
        if is_urn(k) {
            schema.extension(k).map(|e| e.schema.id().to_owned())
        } else {
            schema.attribute(None, k).map(|a| a.name().to_owned())
        }
    });
    for ext in schema.extensions() {
        if let Some(Value::Object(m)) = work.get_mut(ext.schema.id()) {
            rename(m, |k| ext.schema.attribute(k).map(|a| a.name().to_owned()));
        }
    }
}

/// Removes `null`, `[]` and `{}` values (after pruning inside them).
fn prune(v: &mut Value, depth: usize) {
    if depth > MAX_PRUNE_DEPTH {
        return;
    }
    match v {
        Value::Object(m) => {
            for child in m.values_mut() {
                prune(child, depth + 1);
            }
            m.retain(|_, v| !is_empty_value(v));
        }
        Value::Array(a) => {
            for child in a.iter_mut() {
                prune(child, depth + 1);
            }
            a.retain(|v| !is_empty_value(v));
        }
        _ => {}
    }
}

/// Prunes empties, recomputes `schemas`, and checks `primary` and required attributes.
fn finish(work: &mut Map<String, Value>, schema: &ResourceSchema) -> Result<()> {
    for v in work.values_mut() {
        prune(v, 0);
    }
    work.retain(|_, v| !is_empty_value(v));
    let schemas = schemas_of(work, schema);
    work.insert("schemas".to_owned(), schemas);
    let check = |m: &Map<String, Value>, attrs: &[Attribute], prefix: Option<&str>| {
        for a in attrs.iter().filter(|a| a.is_multi_valued()) {
            if let Some(Value::Array(items)) = m.get(a.name()) {
                check_one_primary(
                    items,
                    &Loc::Root {
                        prefix,
                        name: a.name(),
                    },
                )?;
            }
        }
        Ok::<(), ScimError>(())
    };
    check(work, schema.core().attributes(), None)?;
    for ext in schema.extensions() {
        if let Some(Value::Object(m)) = work.get(ext.schema.id()) {
            check(m, ext.schema.attributes(), Some(ext.schema.id()))?;
        }
    }
    check_required(work, schema)
}
