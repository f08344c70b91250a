//! Okta's error body (`errorCode`, `errorSummary`, `errorLink`, `errorId`, `errorCauses`) with the
//! summaries of `shared/okta/error-codes/error-codes.json`, verbatim.

use serde_json::{Value, json};

/// An Okta API error, before it becomes a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) code: &'static str,
    pub(crate) summary: String,
    pub(crate) causes: Vec<String>,
}

impl ApiError {
    fn new(status: u16, code: &'static str, summary: impl Into<String>) -> Self {
        Self {
            status,
            code,
            summary: summary.into(),
            causes: Vec::new(),
        }
    }

    /// E0000001 `Api validation failed: {field}` with `errorCauses` like
    /// `login: An object with this field already exists in the current organization`.
    pub(crate) fn validation(field: &str, causes: Vec<String>) -> Self {
        Self {
            causes,
            ..Self::new(400, "E0000001", format!("Api validation failed: {field}"))
        }
    }

    pub(crate) fn malformed_body() -> Self {
        Self::new(400, "E0000003", "The request body was not well-formed.")
    }

    pub(crate) fn forbidden() -> Self {
        Self::new(
            403,
            "E0000006",
            "You do not have permission to perform the requested action",
        )
    }

    /// E0000007 `Not found: Resource not found: {id} ({kind})`.
    pub(crate) fn not_found(id: &str, kind: &str) -> Self {
        Self::new(
            404,
            "E0000007",
            format!("Not found: Resource not found: {id} ({kind})"),
        )
    }

    pub(crate) fn path_not_found() -> Self {
        Self::new(404, "E0000008", "The requested path was not found")
    }

    pub(crate) fn internal(status: u16) -> Self {
        Self::new(status, "E0000009", "Internal Server Error")
    }

    pub(crate) fn invalid_token() -> Self {
        Self::new(401, "E0000011", "Invalid token provided")
    }

    pub(crate) fn already_active() -> Self {
        Self::new(
            403,
            "E0000016",
            "Activation failed because the user is already active",
        )
    }

    /// E0000019, the "HTTP media type not acceptable exception": a body that is not
    /// `application/json`.
    pub(crate) fn unsupported_media_type() -> Self {
        Self::new(
            400,
            "E0000019",
            "Bad request.  Accept and/or Content-Type headers likely do not match supported values.",
        )
    }

    pub(crate) fn method_not_allowed() -> Self {
        Self::new(
            405,
            "E0000022",
            "The endpoint does not support the provided HTTP method",
        )
    }

    pub(crate) fn invalid_search() -> Self {
        Self::new(400, "E0000031", "Invalid search criteria.")
    }

    pub(crate) fn unlock_forbidden() -> Self {
        Self::new(403, "E0000032", "Unlock is not allowed for this user.")
    }

    pub(crate) fn search_and_filter() -> Self {
        Self::new(
            400,
            "E0000033",
            "Bad request. Can't specify a search query and filter in the same request.",
        )
    }

    pub(crate) fn wrong_status() -> Self {
        Self::new(
            403,
            "E0000038",
            "This operation is not allowed in the user's current status.",
        )
    }

    pub(crate) fn rate_limited() -> Self {
        Self::new(
            429,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
        )
    }

    pub(crate) fn unsupported_filter() -> Self {
        Self::new(400, "E0000094", "The provided filter is unsupported.")
    }

    pub(crate) fn expire_needs_password() -> Self {
        Self::new(
            400,
            "E0000124",
            "Could not create user. To create a user and expire their password immediately, a password must be specified",
        )
    }

    pub(crate) fn expire_needs_activation() -> Self {
        Self::new(
            400,
            "E0000125",
            "Could not create user. To create a user and expire their password immediately, \"activate\" must be true",
        )
    }

    /// The JSON body; `error_id` is the per-response `errorId`.
    pub(crate) fn body(&self, error_id: &str) -> Value {
        let causes: Vec<Value> = self
            .causes
            .iter()
            .map(|c| json!({ "errorSummary": c }))
            .collect();
        json!({
            "errorCode": self.code,
            "errorSummary": self.summary,
            "errorLink": self.code,
            "errorId": error_id,
            "errorCauses": causes,
        })
    }
}
