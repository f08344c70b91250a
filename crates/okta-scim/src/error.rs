//! The SCIM error: an HTTP status, an optional `scimType` and a human-readable detail
//! (RFC 7644 §3.12), rendered as `urn:ietf:params:scim:api:messages:2.0:Error` with the
//! status as a JSON **string** (which Okta's SPEC test compares with `"401"`/`"404"`).

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Schema URN of the SCIM error message.
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// The `scimType` keyword of a 400/409/413 error (RFC 7644 §3.12, Table 9).
///
/// ```
/// use okta_scim::ScimType;
/// assert_eq!(ScimType::InvalidFilter.as_str(), "invalidFilter");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ScimType {
    /// The filter syntax is invalid or names an unsupported attribute or operator.
    InvalidFilter,
    /// The filter yields more results than the server will return.
    TooMany,
    /// A unique attribute value (`userName`, `externalId`, group `displayName`) is taken.
    Uniqueness,
    /// The request tries to change a read-only or immutable attribute.
    Mutability,
    /// The request body is not a valid SCIM message.
    InvalidSyntax,
    /// A PATCH path is malformed or names an unknown attribute.
    InvalidPath,
    /// A PATCH path matched nothing, or a `remove` has no path.
    NoTarget,
    /// A value has the wrong type or is missing where required.
    InvalidValue,
    /// The SCIM protocol version is not supported.
    InvalidVers,
    /// The request carried sensitive data in the URL.
    Sensitive,
}

impl ScimType {
    /// The keyword as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidFilter => "invalidFilter",
            Self::TooMany => "tooMany",
            Self::Uniqueness => "uniqueness",
            Self::Mutability => "mutability",
            Self::InvalidSyntax => "invalidSyntax",
            Self::InvalidPath => "invalidPath",
            Self::NoTarget => "noTarget",
            Self::InvalidValue => "invalidValue",
            Self::InvalidVers => "invalidVers",
            Self::Sensitive => "sensitive",
        }
    }
}

impl fmt::Display for ScimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A SCIM protocol error, as a provider returns it and as the server answers it.
///
/// Build one with the named constructors; each sets the status and `scimType` the RFC
/// prescribes for the case.
///
/// ```
/// use okta_scim::{ScimError, ScimType};
///
/// let e = ScimError::uniqueness("userName \"ann@example.com\" is already taken");
/// assert_eq!(e.status(), 409);
/// assert_eq!(e.scim_type(), Some(ScimType::Uniqueness));
/// let body = e.to_json();
/// assert_eq!(body["status"], "409");
/// assert_eq!(body["scimType"], "uniqueness");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SCIM {status}{}: {detail}", scim_type.map(|t| format!(" {t}")).unwrap_or_default())]
pub struct ScimError {
    status: u16,
    scim_type: Option<ScimType>,
    detail: String,
    retry_after: Option<Duration>,
}

impl ScimError {
    /// An error with any status, `scimType` and detail.
    pub fn new(status: u16, scim_type: Option<ScimType>, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type,
            detail: detail.into(),
            retry_after: None,
        }
    }

    /// `400` with the given `scimType`.
    pub fn bad_request(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self::new(400, Some(scim_type), detail)
    }

    /// `400 invalidFilter`.
    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidFilter, detail)
    }

    /// `400 invalidSyntax`.
    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidSyntax, detail)
    }

    /// `400 invalidValue`.
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidValue, detail)
    }

    /// `400 invalidPath`.
    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidPath, detail)
    }

    /// `400 noTarget`.
    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::NoTarget, detail)
    }

    /// `400 mutability`.
    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::Mutability, detail)
    }

    /// `409 uniqueness`.
    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::new(409, Some(ScimType::Uniqueness), detail)
    }

    /// `404` for a resource or endpoint that does not exist.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(404, None, detail)
    }

    /// `401`: missing or wrong credentials.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(401, None, detail)
    }

    /// `403`: the credentials may not do this (for example a read-only token writing).
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(403, None, detail)
    }

    /// `405`: the endpoint does not support the method.
    pub fn method_not_allowed(detail: impl Into<String>) -> Self {
        Self::new(405, None, detail)
    }

    /// `412`: the `If-Match` version is not the current one.
    pub fn precondition_failed(detail: impl Into<String>) -> Self {
        Self::new(412, None, detail)
    }

    /// `413`: the request body is larger than the server accepts.
    pub fn payload_too_large(detail: impl Into<String>) -> Self {
        Self::new(413, None, detail)
    }

    /// `429`: the provider is overloaded; the server sends `Retry-After` in whole seconds.
    pub fn too_many_requests(retry_after: Duration, detail: impl Into<String>) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(429, None, detail)
        }
    }

    /// `501`: the provider does not implement this operation.
    pub fn not_implemented(detail: impl Into<String>) -> Self {
        Self::new(501, None, detail)
    }

    /// `500`: an internal failure; the detail must not leak internals to the client.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(500, None, detail)
    }

    /// `503` with a retry hint: the backing store is unavailable for now.
    pub fn unavailable(retry_after: Option<Duration>, detail: impl Into<String>) -> Self {
        Self {
            retry_after,
            ..Self::new(503, None, detail)
        }
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The `scimType`, if any.
    pub fn scim_type(&self) -> Option<ScimType> {
        self.scim_type
    }

    /// The human-readable detail.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// How long the client should wait before retrying (429, 503).
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The error as the SCIM JSON message (`status` as a string).
    pub fn to_json(&self) -> serde_json::Value {
        let mut body = serde_json::json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.to_string(),
            "detail": self.detail,
        });
        if let (Some(t), Some(map)) = (self.scim_type, body.as_object_mut()) {
            map.insert("scimType".into(), t.as_str().into());
        }
        body
    }
}

/// Result alias of this crate.
pub type Result<T, E = ScimError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_has_string_status_and_no_scim_type_when_absent() {
        let e = ScimError::not_found("User 42 not found");
        let j = e.to_json();
        assert_eq!(j["status"], "404");
        assert_eq!(j["schemas"][0], ERROR_SCHEMA);
        assert!(j.get("scimType").is_none());
        assert_eq!(e.to_string(), "SCIM 404: User 42 not found");
        assert_eq!(
            ScimError::invalid_filter("x").to_string(),
            "SCIM 400 invalidFilter: x"
        );
    }
}
