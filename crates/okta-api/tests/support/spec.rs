//! Checks HTTP requests against Okta's Management API OpenAPI document, so
//! that the client's wire tests cannot invent an endpoint, parameter or field.
//!
//! For every request, [`Spec::check`] verifies:
//! * the path matches a path template (segments are percent-decoded; literal
//!   segments win over `{param}` segments, and a less specific template is
//!   used only when the more specific one does not declare the method);
//! * the method is declared on that path;
//! * every query parameter is declared (path-level and operation-level
//!   parameters, `$ref`s resolved), required ones are present, and values
//!   fit `enum`, `boolean`, `integer` and `number` schemas (array parameters
//!   check their items, comma-separated when `explode: false`);
//! * the body: none may be sent when the operation has no `requestBody`, one
//!   must be sent when it is `required`, its `Content-Type` must be declared,
//!   and a JSON body must match the schema's *shape*.
//!
//! Shape means: `type` (with `nullable`), `enum`, `required`, `readOnly`
//! (must not be sent), `properties`, `items`, `additionalProperties`, `$ref`
//! (sibling keywords are merged), `allOf` (merged, so properties declared in
//! any member are known), `oneOf`/`anyOf` (some branch must match), and
//! `discriminator` (selects the branch or subtype by its mapping or schema
//! name). An object property not listed in `properties` is a violation unless
//! `additionalProperties` is `true` or a schema, or the schema carries Okta's
//! `x-okta-extensible: true`; a bare `type: object` without `properties` is a
//! free-form map. `x-okta-allow-null-property-value-for-updates: true` counts
//! as `nullable` (Okta deletes a custom schema attribute sent as `null`).
//!
//! Deliberately not checked: string formats, patterns, length and numeric
//! bounds, `writeOnly`, `not`, header and cookie parameters, non-JSON body
//! contents, and `deepObject` query parameters.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde_json::{Map, Value};
use wiremock::{MockServer, Request};

/// Environment variable that overrides the location of the spec file.
pub const SPEC_ENV: &str = "OKTA_OPENAPI_SPEC";

const DEFAULT_SPEC_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/okta/openapi/management-minimal.yaml"
);

const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Bounds `$ref`/`allOf` chains, which do not consume any of the instance.
const MAX_SCHEMA_NESTING: usize = 64;

/// The Okta Management API spec, loaded and indexed on first use.
///
/// # Panics
///
/// If the spec file is missing or is not an OpenAPI document with paths.
pub fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = std::env::var(SPEC_ENV).unwrap_or_else(|_| DEFAULT_SPEC_PATH.to_owned());
        let text = std::fs::read_to_string(&path).unwrap_or_else(|err| {
            panic!(
                "cannot read the Okta OpenAPI spec at {path}: {err}\n\
                 Get `dist/current/management-minimal.yaml` from \
                 https://github.com/okta/okta-management-openapi-spec at commit \
                 fdda229e82940cf5af4611ad673ca6a27974e31b and point {SPEC_ENV} at it."
            )
        });
        let document = serde_yaml::from_str(&text)
            .unwrap_or_else(|err| panic!("{path} is not valid YAML: {err}"));
        let spec = Spec::new(document);
        assert!(!spec.paths.is_empty(), "{path} declares no paths");
        spec
    })
}

/// Checks every request `server` received, panicking with all violations.
///
/// Returns the number of requests checked, so a test can assert it is not 0.
pub async fn assert_conforms(server: &MockServer) -> usize {
    let Some(requests) = server.received_requests().await else {
        panic!("assert_conforms needs a MockServer that records requests");
    };
    match check_requests(&requests) {
        Ok(checked) => checked,
        Err(report) => panic!("{report}"),
    }
}

/// Checks `requests`; returns how many were checked, or a report listing
/// every non-conforming request with its violations.
pub fn check_requests(requests: &[Request]) -> Result<usize, String> {
    let mut report = Vec::new();
    for (index, request) in requests.iter().enumerate() {
        let query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        let content_type = request
            .headers
            .get("content-type")
            .and_then(|value| value.to_str().ok());
        let url_path = request.url.path();
        let verdict = spec().check(
            request.method.as_str(),
            url_path,
            &query,
            content_type,
            &request.body,
        );
        if let Err(violations) = verdict {
            let target = match request.url.query() {
                Some(query) => format!("{url_path}?{query}"),
                None => url_path.to_owned(),
            };
            report.push(format!("request #{index}: {} {target}", request.method));
            report.extend(violations.iter().map(|v| format!("  - {}", v.reason)));
        }
    }
    if report.is_empty() {
        Ok(requests.len())
    } else {
        Err(format!(
            "requests do not conform to the Okta OpenAPI spec:\n{}",
            report.join("\n")
        ))
    }
}

/// One way in which a request departs from the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Upper-case HTTP method of the request.
    pub method: String,
    /// URL path of the request, as sent.
    pub path: String,
    /// What is wrong, e.g. `body /profile/foo: property not declared in X`.
    pub reason: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.method, self.path, self.reason)
    }
}

/// An operation of the spec, as matched by [`Spec::check`].
#[derive(Debug)]
pub struct Operation {
    /// `operationId`, e.g. `createUser`.
    pub operation_id: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template, e.g. `/api/v1/users/{id}`.
    pub path: String,
    query: Vec<QueryParam>,
    body: Option<RequestBody>,
}

#[derive(Debug)]
struct QueryParam {
    name: String,
    required: bool,
    comma_separated: bool,
    schema: Value,
}

#[derive(Debug)]
struct RequestBody {
    required: bool,
    /// Media type → schema.
    content: BTreeMap<String, Option<Value>>,
}

#[derive(Debug)]
struct PathItem {
    template: String,
    /// `None` stands for a `{param}` segment.
    segments: Vec<Option<String>>,
    operations: Vec<Operation>,
}

impl PathItem {
    fn matches(&self, segments: &[String]) -> bool {
        self.segments.len() == segments.len()
            && self.segments.iter().zip(segments).all(|(t, s)| match t {
                Some(literal) => literal == s,
                None => !s.is_empty(),
            })
    }
}

/// An indexed OpenAPI 3.0 document.
#[derive(Debug)]
pub struct Spec {
    document: Value,
    paths: Vec<PathItem>,
}

impl Spec {
    fn new(document: Value) -> Self {
        let mut paths = Vec::new();
        let path_items = document.get("paths").and_then(Value::as_object);
        for (template, item) in path_items.into_iter().flatten() {
            let shared_params = item.get("parameters");
            let operations: Vec<Operation> = HTTP_METHODS
                .iter()
                .filter_map(|&method| {
                    let op = item.get(method)?;
                    Some(Operation {
                        operation_id: op["operationId"].as_str().unwrap_or("?").to_owned(),
                        method: method.to_ascii_uppercase(),
                        path: template.clone(),
                        query: query_params(&document, shared_params, op.get("parameters")),
                        body: op
                            .get("requestBody")
                            .map(|body| request_body(resolve(&document, body))),
                    })
                })
                .collect();
            if !operations.is_empty() {
                let segments = template
                    .split('/')
                    .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                    .collect();
                paths.push(PathItem {
                    template: template.clone(),
                    segments,
                    operations,
                });
            }
        }
        Self { document, paths }
    }

    /// Checks one request; returns the operation it calls, or every violation.
    pub fn check(
        &self,
        method: &str,
        url_path: &str,
        query: &[(String, String)],
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<&Operation, Vec<Violation>> {
        let method = method.to_ascii_uppercase();
        let violation = |reason| Violation {
            method: method.clone(),
            path: url_path.to_owned(),
            reason,
        };
        let op = self
            .find_operation(&method, url_path)
            .map_err(|reason| vec![violation(reason)])?;
        let mut reasons = Vec::new();
        self.check_query(op, query, &mut reasons);
        self.check_body(op, content_type, body, &mut reasons);
        if reasons.is_empty() {
            Ok(op)
        } else {
            Err(reasons.into_iter().map(violation).collect())
        }
    }

    fn find_operation(&self, method: &str, url_path: &str) -> Result<&Operation, String> {
        let segments: Vec<String> = url_path.split('/').map(percent_decode).collect();
        let mut candidates: Vec<&PathItem> =
            self.paths.iter().filter(|p| p.matches(&segments)).collect();
        // Most specific first: a literal segment beats a `{param}`, left to right.
        candidates.sort_by_cached_key(|p| {
            Reverse(p.segments.iter().map(Option::is_some).collect::<Vec<_>>())
        });
        if let Some(op) = candidates
            .iter()
            .find_map(|p| p.operations.iter().find(|op| op.method == method))
        {
            return Ok(op);
        }
        Err(match candidates.first() {
            None => "no path template in the spec matches this path".to_owned(),
            Some(item) => {
                let declared: Vec<&str> = item
                    .operations
                    .iter()
                    .map(|op| op.method.as_str())
                    .collect();
                format!(
                    "method not declared on {} (declared: {})",
                    item.template,
                    declared.join(", ")
                )
            }
        })
    }

    fn check_query(&self, op: &Operation, query: &[(String, String)], out: &mut Vec<String>) {
        for (name, value) in query {
            match op.query.iter().find(|param| &param.name == name) {
                None => {
                    let declared: Vec<&str> = op.query.iter().map(|p| p.name.as_str()).collect();
                    out.push(format!(
                        "query parameter `{name}` not declared by {} (declared: {})",
                        op.operation_id,
                        declared.join(", ")
                    ));
                }
                Some(param) => {
                    if let Err(reason) = self.check_query_value(param, value) {
                        out.push(format!("query parameter `{name}={value}`: {reason}"));
                    }
                }
            }
        }
        for param in op.query.iter().filter(|param| param.required) {
            if !query.iter().any(|(name, _)| *name == param.name) {
                out.push(format!("required query parameter `{}` missing", param.name));
            }
        }
    }

    fn check_query_value(&self, param: &QueryParam, value: &str) -> Result<(), String> {
        let schema = self.flatten(&param.schema);
        match (schema.ty, schema.items) {
            (Some("array"), Some(items)) => {
                let items = self.flatten(items);
                if param.comma_separated {
                    value.split(',').try_for_each(|v| check_scalar(&items, v))
                } else {
                    check_scalar(&items, value)
                }
            }
            _ => check_scalar(&schema, value),
        }
    }

    fn check_body(
        &self,
        op: &Operation,
        content_type: Option<&str>,
        body: &[u8],
        out: &mut Vec<String>,
    ) {
        let empty = body.iter().all(u8::is_ascii_whitespace);
        let Some(declared) = &op.body else {
            if !empty {
                out.push(format!(
                    "body sent, but {} declares no requestBody",
                    op.operation_id
                ));
            }
            return;
        };
        if empty {
            if declared.required {
                out.push(format!("{} requires a body; none sent", op.operation_id));
            }
            return;
        }
        let Some(content_type) = content_type else {
            out.push("body sent without a Content-Type".to_owned());
            return;
        };
        let media_type = content_type
            .split_once(';')
            .map_or(content_type, |(essence, _)| essence)
            .trim()
            .to_ascii_lowercase();
        let Some(schema) = declared.content.get(&media_type) else {
            let known: Vec<&str> = declared.content.keys().map(String::as_str).collect();
            out.push(format!(
                "Content-Type {media_type} not declared (declared: {})",
                known.join(", ")
            ));
            return;
        };
        if !(media_type == "application/json" || media_type.ends_with("+json")) {
            return;
        }
        match serde_json::from_slice::<Value>(body) {
            Err(err) => out.push(format!("body is not valid JSON: {err}")),
            Ok(value) => {
                if let Some(schema) = schema {
                    self.validate(schema, &value, "", out);
                }
            }
        }
    }

    fn validate(&self, schema: &Value, value: &Value, pointer: &str, out: &mut Vec<String>) {
        let flat = self.flatten(schema);
        self.validate_flat(flat, value, pointer, out);
    }

    fn validate_flat<'a>(
        &'a self,
        mut flat: Flat<'a>,
        value: &Value,
        pointer: &str,
        out: &mut Vec<String>,
    ) {
        let at = if pointer.is_empty() {
            "body".to_owned()
        } else {
            format!("body {pointer}")
        };
        if let Some(reference) = flat.unresolved {
            out.push(format!("{at}: spec error, cannot resolve $ref {reference}"));
            return;
        }
        if flat.read_only && !pointer.is_empty() {
            out.push(format!("{at}: readOnly property must not be sent"));
            return;
        }
        if let Some((name, subtype)) = self.discriminated(&flat, value) {
            // The subtype replaces the oneOf/anyOf branches; its own copy of
            // the base's discriminator must not dispatch again.
            flat.choices.clear();
            self.merge(&mut flat, subtype, 0);
            flat.discriminator = None;
            flat.name = Some(name);
            return self.validate_flat(flat, value, pointer, out);
        }
        if let Some((branches, rest)) = flat.choices.split_first() {
            let mut closest: Option<Vec<String>> = None;
            for branch in *branches {
                let mut candidate = flat.clone();
                candidate.choices = rest.to_vec();
                self.merge(&mut candidate, branch, 0);
                let mut errors = Vec::new();
                self.validate_flat(candidate, value, pointer, &mut errors);
                if errors.is_empty() {
                    return;
                }
                if closest.as_ref().is_none_or(|c| errors.len() < c.len()) {
                    closest = Some(errors);
                }
            }
            out.push(format!(
                "{at}: matches none of the {} oneOf/anyOf branches of {}; closest branch:",
                branches.len(),
                flat.name()
            ));
            out.extend(closest.into_iter().flatten().map(|e| format!("    {e}")));
            return;
        }
        if value.is_null() {
            if !flat.nullable && !flat.is_unconstrained() {
                out.push(format!("{at}: null not allowed (not nullable)"));
            }
            return;
        }
        if let Some(allowed) = flat.enumeration
            && !allowed.contains(value)
        {
            out.push(format!(
                "{at}: {value} is not one of {}",
                Value::from(allowed)
            ));
        }
        let ty = flat
            .ty
            .or_else(|| flat.is_object_shaped().then_some("object"));
        if let Some(ty) = ty
            && !has_type(value, ty)
        {
            out.push(format!("{at}: expected {ty}, found {}", type_name(value)));
            return;
        }
        match value {
            Value::Array(items) => {
                if let Some(schema) = flat.items {
                    for (index, item) in items.iter().enumerate() {
                        self.validate(schema, item, &format!("{pointer}/{index}"), out);
                    }
                }
            }
            Value::Object(object) => self.validate_object(&flat, object, pointer, out),
            _ => {}
        }
    }

    fn validate_object(
        &self,
        flat: &Flat<'_>,
        object: &Map<String, Value>,
        pointer: &str,
        out: &mut Vec<String>,
    ) {
        let free_form = flat.properties.is_empty() && matches!(flat.extra, Extra::Unspecified);
        for (key, value) in object {
            let child = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
            match (flat.properties.get(key.as_str()).copied(), flat.extra) {
                (Some(schema), _) | (None, Extra::Schema(schema)) => {
                    self.validate(schema, value, &child, out);
                }
                (None, Extra::Any) => {}
                (None, _) if free_form => {}
                (None, _) => out.push(format!(
                    "body {child}: property not declared in {}",
                    flat.name()
                )),
            }
        }
        for name in &flat.required {
            let read_only = flat
                .properties
                .get(name)
                .is_some_and(|schema| self.flatten(schema).read_only);
            if !object.contains_key(*name) && !read_only {
                out.push(format!("body {pointer}/{name}: required property missing"));
            }
        }
    }

    /// The name and schema of the subtype a `discriminator` selects for
    /// `value`: by its `mapping`, else the schema named like the tag.
    fn discriminated<'a>(&'a self, flat: &Flat<'a>, value: &Value) -> Option<(&'a str, &'a Value)> {
        let discriminator = flat.discriminator?;
        let tag = value
            .get(discriminator.get("propertyName")?.as_str()?)?
            .as_str()?;
        let reference = match discriminator.get("mapping").and_then(|m| m.get(tag)) {
            Some(mapped) => mapped.as_str()?,
            None => {
                let schemas = self.document.pointer("/components/schemas")?;
                let (name, schema) = schemas.as_object()?.get_key_value(tag)?;
                return Some((name, schema));
            }
        };
        let schema = self.document.pointer(reference.strip_prefix('#')?)?;
        Some((reference.rsplit('/').next()?, schema))
    }

    fn flatten<'a>(&'a self, schema: &'a Value) -> Flat<'a> {
        let mut flat = Flat::default();
        self.merge(&mut flat, schema, 0);
        flat
    }

    /// Merges `schema`, its `$ref` target and its `allOf` members into `flat`.
    fn merge<'a>(&'a self, flat: &mut Flat<'a>, schema: &'a Value, depth: usize) {
        if depth > MAX_SCHEMA_NESTING {
            flat.unresolved = Some("(reference cycle)");
            return;
        }
        let Some(schema) = schema.as_object() else {
            return;
        };
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            match reference
                .strip_prefix('#')
                .and_then(|p| self.document.pointer(p))
            {
                Some(target) => {
                    flat.name = flat.name.or(reference.rsplit('/').next());
                    self.merge(flat, target, depth + 1);
                }
                None => flat.unresolved = Some(reference),
            }
        }
        let flag = |key| schema.get(key).and_then(Value::as_bool) == Some(true);
        // Okta marks schemas whose instances may be sent as `null` to delete them.
        flat.nullable |= flag("nullable") || flag("x-okta-allow-null-property-value-for-updates");
        flat.read_only |= flag("readOnly");
        flat.ty = flat
            .ty
            .or_else(|| schema.get("type").and_then(Value::as_str));
        flat.items = flat.items.or_else(|| schema.get("items"));
        flat.discriminator = flat.discriminator.or_else(|| schema.get("discriminator"));
        if flat.enumeration.is_none() {
            flat.enumeration = schema
                .get("enum")
                .and_then(Value::as_array)
                .map(Vec::as_slice);
        }
        for (name, property) in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            flat.properties.entry(name.as_str()).or_insert(property);
        }
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            flat.required.extend(name.as_str());
        }
        let extra = match schema.get("additionalProperties") {
            Some(Value::Bool(true)) => Extra::Any,
            Some(Value::Bool(false)) => Extra::Forbidden,
            Some(additional) => Extra::Schema(additional),
            None if flag("x-okta-extensible") => Extra::Any,
            None => Extra::Unspecified,
        };
        if extra.rank() > flat.extra.rank() {
            flat.extra = extra;
        }
        for member in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.merge(flat, member, depth + 1);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(branches) = schema.get(key).and_then(Value::as_array) {
                flat.choices.push(branches);
            }
        }
    }
}

/// A schema with its `$ref` and `allOf` members merged.
#[derive(Debug, Clone, Default)]
struct Flat<'a> {
    name: Option<&'a str>,
    ty: Option<&'a str>,
    nullable: bool,
    read_only: bool,
    enumeration: Option<&'a [Value]>,
    properties: BTreeMap<&'a str, &'a Value>,
    required: Vec<&'a str>,
    extra: Extra<'a>,
    items: Option<&'a Value>,
    /// `oneOf`/`anyOf` lists; a value must match a branch of each.
    choices: Vec<&'a [Value]>,
    discriminator: Option<&'a Value>,
    unresolved: Option<&'a str>,
}

impl Flat<'_> {
    fn name(&self) -> &str {
        self.name.unwrap_or("the inline schema")
    }

    fn is_object_shaped(&self) -> bool {
        !self.properties.is_empty() || !matches!(self.extra, Extra::Unspecified)
    }

    fn is_unconstrained(&self) -> bool {
        self.ty.is_none()
            && self.enumeration.is_none()
            && self.items.is_none()
            && !self.is_object_shaped()
    }
}

/// What an object schema says about properties it does not list.
#[derive(Debug, Clone, Copy, Default)]
enum Extra<'a> {
    #[default]
    Unspecified,
    Forbidden,
    Schema(&'a Value),
    Any,
}

impl Extra<'_> {
    /// Merging keeps the most permissive setting.
    fn rank(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::Forbidden => 1,
            Self::Schema(_) => 2,
            Self::Any => 3,
        }
    }
}

fn resolve<'a>(document: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..MAX_SCHEMA_NESTING {
        let target = node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|pointer| document.pointer(pointer));
        match target {
            Some(target) => node = target,
            None => break,
        }
    }
    node
}

/// The query parameters of an operation; operation-level ones override
/// path-level ones of the same name.
fn query_params(document: &Value, shared: Option<&Value>, own: Option<&Value>) -> Vec<QueryParam> {
    let mut params: BTreeMap<&str, QueryParam> = BTreeMap::new();
    for list in [shared, own].into_iter().flatten() {
        for param in list.as_array().into_iter().flatten() {
            let param = resolve(document, param);
            let (Some("query"), Some(name)) = (
                param.get("in").and_then(Value::as_str),
                param.get("name").and_then(Value::as_str),
            ) else {
                continue;
            };
            let query_param = QueryParam {
                name: name.to_owned(),
                required: param["required"].as_bool() == Some(true),
                comma_separated: param["explode"].as_bool() == Some(false),
                schema: param.get("schema").cloned().unwrap_or(Value::Null),
            };
            params.insert(name, query_param);
        }
    }
    params.into_values().collect()
}

fn request_body(body: &Value) -> RequestBody {
    let content = body.get("content").and_then(Value::as_object);
    RequestBody {
        required: body["required"].as_bool() == Some(true),
        content: content
            .into_iter()
            .flatten()
            .map(|(media_type, media)| {
                (
                    media_type.to_ascii_lowercase(),
                    media.get("schema").cloned(),
                )
            })
            .collect(),
    }
}

fn check_scalar(schema: &Flat<'_>, value: &str) -> Result<(), String> {
    if let Some(allowed) = schema.enumeration {
        // Non-string members (numbers, booleans) are compared as JSON.
        let listed = |v: &Value| match v {
            Value::String(s) => s == value,
            _ => serde_json::from_str::<Value>(value).is_ok_and(|parsed| parsed == *v),
        };
        if !allowed.iter().any(listed) {
            return Err(format!("not one of {}", Value::from(allowed)));
        }
    }
    let parses = match schema.ty {
        Some("boolean") => value == "true" || value == "false",
        Some("integer") => value.parse::<i64>().is_ok(),
        Some("number") => value.parse::<f64>().is_ok(),
        _ => true,
    };
    match (parses, schema.ty) {
        (false, Some(ty)) => Err(format!("not a valid {ty}")),
        _ => Ok(()),
    }
}

fn has_type(value: &Value, ty: &str) -> bool {
    match ty {
        "string" => value.is_string(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|n| n.fract() == 0.0)
        }
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => true,
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn percent_decode(segment: &str) -> String {
    let mut bytes = Vec::with_capacity(segment.len());
    let mut rest = segment.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        let hex = |i: usize| tail.get(i).and_then(|&b| char::from(b).to_digit(16));
        match (byte, hex(0), hex(1)) {
            (b'%', Some(high), Some(low)) => {
                bytes.extend(u8::try_from(high * 16 + low).ok());
                rest = &tail[2..];
            }
            _ => {
                bytes.push(byte);
                rest = tail;
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}
