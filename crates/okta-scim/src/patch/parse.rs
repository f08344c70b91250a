//! Reading a PATCH request body, and building and writing one.

use serde_json::{Map, Value, json};

use super::{MAX_OPERATIONS, PatchOpKind, PatchOperation, PatchRequest};
use crate::error::{Result, ScimError};
use crate::filter::PatchPath;
use crate::schema::PATCH_OP_SCHEMA;

impl PatchOpKind {
    /// Parses `add`, `replace` or `remove` in any case (Entra sends `Add`, `Replace`,
    /// `Remove`).
    ///
    /// ```
    /// use okta_scim::PatchOpKind;
    /// assert_eq!(PatchOpKind::parse("Replace"), Some(PatchOpKind::Replace));
    /// assert_eq!(PatchOpKind::parse("delete"), None);
    /// ```
    pub fn parse(op: &str) -> Option<Self> {
        [Self::Add, Self::Replace, Self::Remove]
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(op))
    }

    /// The keyword as written on the wire: `add`, `replace` or `remove`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Replace => "replace",
            Self::Remove => "remove",
        }
    }
}

use crate::filter::get_ci;

impl PatchRequest {
    /// A request with these operations.
    ///
    /// ```
    /// use okta_scim::{PatchOperation, PatchRequest};
    /// use serde_json::json;
    ///
    /// let req = PatchRequest::new(vec![
    ///     PatchOperation::remove(r#"members[value eq "89bb"]"#).unwrap(),
    ///     PatchOperation::add("members", json!([{"value": "23a3"}])).unwrap(),
    /// ]);
    /// assert_eq!(req.to_json()["Operations"][0]["op"], "remove");
    /// ```
    pub fn new(operations: Vec<PatchOperation>) -> Self {
        Self { operations }
    }

    /// Reads a PATCH request body (RFC 7644 §3.5.2), leniently where real clients
    /// deviate: member names (`Operations`, `op`, `path`, `value`) and `op` values match
    /// case-insensitively, an empty `path` means no path.
    ///
    /// # Errors
    /// - `400 invalidSyntax`: not an object, `schemas` missing or without the PatchOp
    ///   URN, `Operations` missing, empty, not an array or longer than
    ///   [`MAX_OPERATIONS`], an operation that is not an object or has an unknown `op`
    ///   (the detail names `Operations[i]`);
    /// - `400 invalidPath`: a `path` that does not parse;
    /// - `400 noTarget`: a `remove` without `path`;
    /// - `400 invalidValue`: an `add`/`replace` without `value`, or without `path` and
    ///   with a value that is not an object.
    ///
    /// ```
    /// use okta_scim::{PatchOpKind, PatchRequest};
    /// use serde_json::json;
    ///
    /// let req = PatchRequest::from_json(&json!({
    ///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    ///     "Operations": [{"op": "Replace", "value": {"active": false}}],
    /// })).unwrap();
    /// assert_eq!(req.operations[0].op, PatchOpKind::Replace);
    /// assert!(req.operations[0].path.is_none());
    /// ```
    pub fn from_json(body: &Value) -> Result<Self> {
        let Value::Object(map) = body else {
            return Err(ScimError::invalid_syntax(
                "a PATCH body must be a JSON object",
            ));
        };
        let has_urn = match get_ci(map, "schemas") {
            Some(Value::Array(urns)) => urns.iter().any(|u| {
                u.as_str()
                    .is_some_and(|u| u.eq_ignore_ascii_case(PATCH_OP_SCHEMA))
            }),
            Some(Value::String(u)) => u.eq_ignore_ascii_case(PATCH_OP_SCHEMA),
            _ => false,
        };
        if !has_urn {
            return Err(ScimError::invalid_syntax(format!(
                "a PATCH body must list \"{PATCH_OP_SCHEMA}\" in \"schemas\""
            )));
        }
        let ops = match get_ci(map, "Operations") {
            Some(Value::Array(ops)) if !ops.is_empty() => ops,
            Some(Value::Array(_)) => {
                return Err(ScimError::invalid_syntax("\"Operations\" is empty"));
            }
            Some(_) => {
                return Err(ScimError::invalid_syntax("\"Operations\" must be an array"));
            }
            None => {
                return Err(ScimError::invalid_syntax(
                    "a PATCH body must have \"Operations\"",
                ));
            }
        };
        if ops.len() > MAX_OPERATIONS {
            return Err(ScimError::invalid_syntax(format!(
                "\"Operations\" has {} operations; at most {MAX_OPERATIONS} are accepted",
                ops.len()
            )));
        }
        let operations = ops
            .iter()
            .enumerate()
            .map(|(i, op)| PatchOperation::from_json_at(op, i))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { operations })
    }

    /// Reads a PATCH request body from bytes; see [`PatchRequest::from_json`].
    ///
    /// # Errors
    /// `400 invalidSyntax` when the bytes are not JSON, else as
    /// [`PatchRequest::from_json`].
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        let body: Value = serde_json::from_slice(bytes)
            .map_err(|e| ScimError::invalid_syntax(format!("the body is not valid JSON: {e}")))?;
        Self::from_json(&body)
    }

    /// The request as a PatchOp message.
    pub fn to_json(&self) -> Value {
        json!({
            "schemas": [PATCH_OP_SCHEMA],
            "Operations": self.operations.iter().map(PatchOperation::to_json).collect::<Vec<_>>(),
        })
    }
}

impl PatchOperation {
    /// An operation from its parts. Nothing is checked here; use the named constructors
    /// for checked ones.
    pub fn new(op: PatchOpKind, path: Option<PatchPath>, value: Option<Value>) -> Self {
        Self { op, path, value }
    }

    /// `add` at `path`.
    ///
    /// # Errors
    /// `400 invalidPath` when `path` does not parse.
    pub fn add(path: &str, value: Value) -> Result<Self> {
        Ok(Self::new(
            PatchOpKind::Add,
            Some(PatchPath::parse(path)?),
            Some(value),
        ))
    }

    /// `replace` at `path`.
    ///
    /// # Errors
    /// `400 invalidPath` when `path` does not parse.
    pub fn replace(path: &str, value: Value) -> Result<Self> {
        Ok(Self::new(
            PatchOpKind::Replace,
            Some(PatchPath::parse(path)?),
            Some(value),
        ))
    }

    /// `remove` at `path`.
    ///
    /// # Errors
    /// `400 invalidPath` when `path` does not parse.
    pub fn remove(path: &str) -> Result<Self> {
        Ok(Self::new(
            PatchOpKind::Remove,
            Some(PatchPath::parse(path)?),
            None,
        ))
    }

    /// A path-less `replace` of the attributes in `value` (Okta's
    /// `{"op":"replace","value":{"active":false}}`).
    ///
    /// ```
    /// use okta_scim::PatchOperation;
    /// let op = PatchOperation::replace_attributes(serde_json::json!({"active": false}));
    /// assert_eq!(op.to_json(), serde_json::json!({"op": "replace", "value": {"active": false}}));
    /// ```
    pub fn replace_attributes(value: Value) -> Self {
        Self::new(PatchOpKind::Replace, None, Some(value))
    }

    /// The operation as a PatchOp `Operations` element.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("op".to_owned(), Value::from(self.op.as_str()));
        if let Some(p) = &self.path {
            m.insert("path".to_owned(), Value::from(p.to_string()));
        }
        if let Some(v) = &self.value {
            m.insert("value".to_owned(), v.clone());
        }
        Value::Object(m)
    }

    fn from_json_at(op: &Value, index: usize) -> Result<Self> {
        let at = |msg: String| format!("Operations[{index}]: {msg}");
        let Value::Object(m) = op else {
            return Err(ScimError::invalid_syntax(at(
                "an operation must be an object".to_owned(),
            )));
        };
        let kind = match get_ci(m, "op") {
            Some(Value::String(s)) => PatchOpKind::parse(s).ok_or_else(|| {
                ScimError::invalid_syntax(at(format!(
                    "unknown op {}, expected add, replace or remove",
                    Value::from(s.chars().take(32).collect::<String>())
                )))
            })?,
            Some(_) => {
                return Err(ScimError::invalid_syntax(at(
                    "\"op\" must be a string".into()
                )));
            }
            None => return Err(ScimError::invalid_syntax(at("\"op\" is missing".into()))),
        };
        let path = match get_ci(m, "path") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(
                PatchPath::parse(s.trim())
                    .map_err(|e| ScimError::invalid_path(at(e.detail().to_owned())))?,
            ),
            Some(_) => {
                return Err(ScimError::invalid_path(at(
                    "\"path\" must be a string".into()
                )));
            }
        };
        let value = get_ci(m, "value").cloned();
        match (kind, &path, &value) {
            (PatchOpKind::Remove, None, _) => {
                return Err(ScimError::no_target(at("remove needs a path".into())));
            }
            (PatchOpKind::Add | PatchOpKind::Replace, _, None) => {
                return Err(ScimError::invalid_value(at(format!(
                    "{} needs a value",
                    kind.as_str()
                ))));
            }
            (PatchOpKind::Add | PatchOpKind::Replace, None, Some(v)) if !v.is_object() => {
                return Err(ScimError::invalid_value(at(format!(
                    "{} without a path needs an object value",
                    kind.as_str()
                ))));
            }
            _ => {}
        }
        Ok(Self {
            op: kind,
            path,
            value,
        })
    }
}
