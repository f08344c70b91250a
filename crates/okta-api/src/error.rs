//! The crate's one error type, and Okta's error body with its codes.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

/// Everything an [`OktaClient`](crate::OktaClient) call can fail with.
///
/// Okta's own answers are [`Error::Api`]; the other variants are about the
/// configuration, the transport and the shape of what came back. No variant
/// carries a token, a password or a request body.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Okta answered with an error status (4xx/5xx) and, usually, its error body.
    #[error(transparent)]
    Api(#[from] Box<OktaApiError>),
    /// The client configuration is unusable (org URL, key, missing setting).
    #[error("invalid Okta client configuration: {0}")]
    Config(String),
    /// An argument can't be sent as given (for example a login Okta can't look up).
    #[error("invalid argument `{argument}`: {reason}")]
    InvalidArgument {
        /// The argument's name.
        argument: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// The request did not complete within the configured timeout.
    #[error("{operation}: no answer from Okta within {timeout:?}")]
    Timeout {
        /// The operation, e.g. `users.list`.
        operation: &'static str,
        /// The timeout that expired.
        timeout: Duration,
    },
    /// The connection failed or broke (DNS, TCP, TLS, reset).
    #[error("{operation}: could not reach Okta: {source}")]
    Transport {
        /// The operation, e.g. `users.list`.
        operation: &'static str,
        /// The underlying HTTP client error (without the URL).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Okta answered 2xx but the body is not what the API documents.
    #[error("{operation}: unexpected response from Okta: {reason}")]
    Decode {
        /// The operation, e.g. `users.get`.
        operation: &'static str,
        /// What was wrong, naming the field where known.
        reason: String,
    },
    /// The OAuth 2.0 token endpoint refused to issue an access token.
    #[error("OAuth token request refused ({status}): {error}{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    OAuth {
        /// HTTP status of the token endpoint's answer.
        status: u16,
        /// The OAuth `error` code, e.g. `invalid_client`.
        error: String,
        /// The OAuth `error_description`, when given.
        description: Option<String>,
    },
}

impl Error {
    /// Okta's error body, when this error is an answer from Okta.
    ///
    /// ```
    /// # use okta_api::{Error, ErrorCode};
    /// fn is_missing(e: &Error) -> bool {
    ///     e.api().is_some_and(|api| api.error_code == ErrorCode::NotFound)
    /// }
    /// ```
    #[must_use]
    pub fn api(&self) -> Option<&OktaApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Whether Okta answered 404 E0000007 (unknown user, group or membership).
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        self.api()
            .is_some_and(|e| e.status == 404 || e.error_code == ErrorCode::NotFound)
    }

    /// Whether the failure is transient: a rate limit, a user still activating, a 5xx,
    /// a timeout or a broken connection, so the same call may succeed later.
    ///
    /// It does not say the call is safe to repeat: a create or a lifecycle call that
    /// timed out or got a 5xx may have been applied. The client already retried what is
    /// safe; read the state before repeating the rest (see [`crate::users`]).
    #[must_use]
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Api(e) => {
                e.status == 429
                    || e.status >= 500
                    || matches!(
                        e.error_code,
                        ErrorCode::RateLimited | ErrorCode::UserStillActivating
                    )
            }
            Self::Timeout { .. } | Self::Transport { .. } => true,
            _ => false,
        }
    }

    /// The same decode error, attributed to `operation`.
    pub(crate) fn in_operation(self, operation: &'static str) -> Self {
        match self {
            Self::Decode { reason, .. } => Self::Decode { operation, reason },
            other => other,
        }
    }

    pub(crate) fn decode(operation: &'static str, reason: impl Into<String>) -> Self {
        Self::Decode {
            operation,
            reason: reason.into(),
        }
    }
}

/// Okta's error answer: the status, the body (`errorCode`, `errorSummary`,
/// `errorCauses`, `errorId`) and the `X-Okta-Request-Id` to quote to Okta support.
///
/// Okta says only `errorCode` is meant for flow control; `errorSummary` texts may change.
/// [`is_login_conflict`](Self::is_login_conflict) is the one place this crate reads a text,
/// because Okta gives the duplicate-login case no code of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OktaApiError {
    /// HTTP status.
    pub status: u16,
    /// The `errorCode`, e.g. [`ErrorCode::ApiValidationFailed`] for `E0000001`.
    pub error_code: ErrorCode,
    /// The `errorSummary`.
    pub error_summary: String,
    /// The `errorSummary` of each entry of `errorCauses` (an array, or one object).
    pub error_causes: Vec<String>,
    /// The `errorId`.
    pub error_id: Option<String>,
    /// The `X-Okta-Request-Id` response header.
    pub request_id: Option<String>,
    /// The operation that failed, e.g. `users.create`.
    pub operation: &'static str,
}

impl OktaApiError {
    /// Whether this is Okta's "login already exists" answer to a create or update
    /// (400 E0000001 with a cause `login: An object with this field already exists …`).
    ///
    /// ```
    /// # use okta_api::{Error, OktaApiError};
    /// fn already_there(e: &Error) -> bool {
    ///     e.api().is_some_and(OktaApiError::is_login_conflict)
    /// }
    /// ```
    #[must_use]
    pub fn is_login_conflict(&self) -> bool {
        self.error_code == ErrorCode::ApiValidationFailed
            && self.error_causes.iter().any(|c| {
                let c = c.to_ascii_lowercase();
                c.starts_with("login") && c.contains("already exists")
            })
    }

    /// Builds the error from an answer's status, `X-Okta-Request-Id` and body. A body
    /// that is not Okta's error JSON still gives an error with the status and an
    /// [`ErrorCode::Other`] code.
    ///
    /// ```
    /// use okta_api::{ErrorCode, OktaApiError};
    /// let e = OktaApiError::from_response("users.get", 404, None, br#"{"errorCode":"E0000007","errorSummary":"Not found"}"#);
    /// assert_eq!(e.error_code, ErrorCode::NotFound);
    /// ```
    #[must_use]
    pub fn from_response(
        operation: &'static str,
        status: u16,
        request_id: Option<String>,
        body: &[u8],
    ) -> Self {
        let wire: WireError = serde_json::from_slice(body).unwrap_or_default();
        let error_causes = match wire.error_causes {
            Some(WireCauses::Many(list)) => {
                list.into_iter().filter_map(|c| c.error_summary).collect()
            }
            Some(WireCauses::One(c)) => c.error_summary.into_iter().collect(),
            Some(WireCauses::Other(_)) | None => Vec::new(),
        };
        let error_summary = wire.error_summary.unwrap_or_else(|| {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            if text.is_empty() || text.len() > 200 {
                format!("HTTP {status}")
            } else {
                text.to_owned()
            }
        });
        Self {
            status,
            error_code: wire
                .error_code
                .map_or(ErrorCode::Other(String::new()), |c| {
                    ErrorCode::from_code(&c)
                }),
            error_summary,
            error_causes,
            error_id: wire.error_id,
            request_id,
            operation,
        }
    }
}

impl fmt::Display for OktaApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: HTTP {}", self.operation, self.status)?;
        if !self.error_code.as_str().is_empty() {
            write!(f, ", Okta {}", self.error_code.as_str())?;
        }
        write!(f, " ({}", self.error_summary)?;
        for cause in &self.error_causes {
            write!(f, " - {cause}")?;
        }
        f.write_str(")")?;
        if let Some(id) = &self.request_id {
            write!(f, " [request {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for OktaApiError {}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct WireError {
    error_code: Option<String>,
    error_summary: Option<String>,
    error_id: Option<String>,
    error_causes: Option<WireCauses>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum WireCauses {
    Many(Vec<WireCause>),
    One(WireCause),
    Other(#[allow(dead_code)] serde_json::Value),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireCause {
    error_summary: Option<String>,
}

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal,)*) => {
        /// The Okta error codes a provisioning client acts on, and a catch-all.
        ///
        /// The full list is Okta's error-code reference
        /// (<https://developer.okta.com/docs/reference/error-codes/>).
        ///
        /// ```
        /// # use okta_api::ErrorCode;
        /// assert_eq!(ErrorCode::from_code("E0000047"), ErrorCode::RateLimited);
        /// assert_eq!(ErrorCode::RateLimited.as_str(), "E0000047");
        /// assert_eq!(ErrorCode::from_code("E0000999").as_str(), "E0000999");
        /// ```
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
            /// Any other code, as Okta sent it (empty when the body had none).
            Other(String),
        }

        impl ErrorCode {
            /// The code for Okta's `errorCode` string.
            #[must_use]
            pub fn from_code(code: &str) -> Self {
                match code {
                    $($code => Self::$variant,)*
                    other => Self::Other(other.to_owned()),
                }
            }

            /// Okta's `errorCode` string, e.g. `E0000001`.
            #[must_use]
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $code,)*
                    Self::Other(code) => code,
                }
            }
        }
    };
}

error_codes! {
    /// E0000001 (400): API validation failed: a duplicate login, a bad attribute, or
    /// suspend/unsuspend in the wrong state. See [`OktaApiError::is_login_conflict`].
    ApiValidationFailed = "E0000001",
    /// E0000003 (400): the body is not well-formed JSON.
    MalformedRequest = "E0000003",
    /// E0000004 (401): authentication failed.
    AuthenticationFailed = "E0000004",
    /// E0000005 (403): invalid session.
    InvalidSession = "E0000005",
    /// E0000006 (403): access denied (missing admin role or scope).
    AccessDenied = "E0000006",
    /// E0000007 (404): not found (unknown user, group or membership).
    NotFound = "E0000007",
    /// E0000009 (500): internal server error.
    InternalServerError = "E0000009",
    /// E0000010 (503): the org is in read-only mode.
    ReadOnly = "E0000010",
    /// E0000011 (401): invalid token (bad or expired SSWS or Bearer token).
    InvalidToken = "E0000011",
    /// E0000015 (401): the feature is not enabled for the org.
    FeatureNotEnabled = "E0000015",
    /// E0000016 (403): activation failed because the user is already active.
    AlreadyActive = "E0000016",
    /// E0000018 (400): the request is missing or has a wrong `Accept`.
    BadRequestBinding = "E0000018",
    /// E0000019 (400): media type not acceptable.
    MediaTypeNotAcceptable = "E0000019",
    /// E0000022 (405): the HTTP method is not supported on this resource.
    MethodNotSupported = "E0000022",
    /// E0000023 (403): the profile is mastered by another system.
    ProfileMastered = "E0000023",
    /// E0000028 (400): a required parameter is missing.
    MissingParameter = "E0000028",
    /// E0000031 (400): invalid search criteria.
    InvalidSearchCriteria = "E0000031",
    /// E0000038 (403): not allowed in the user's current status.
    NotAllowedInStatus = "E0000038",
    /// E0000047 (429): rate limit exceeded.
    RateLimited = "E0000047",
    /// E0000075 (403): the attribute has a field mapping with profile push enabled.
    ProfilePushConstraint = "E0000075",
    /// E0000076 (405): the app user is mastered by an external app.
    ProfileMasteringConstraint = "E0000076",
    /// E0000094 (400): the filter is too complex or not supported.
    UnsupportedFilter = "E0000094",
    /// E0000112 (409): the user is still being activated; try again in a few minutes.
    UserStillActivating = "E0000112",
    /// E0000124 (400): `nextLogin=changePassword` needs a password.
    ExpireOnCreateRequiresPassword = "E0000124",
    /// E0000125 (400): `nextLogin=changePassword` needs `activate=true`.
    ExpireOnCreateRequiresActivation = "E0000125",
    /// E0000145 (409): the search hit users whose schema changed; retry later.
    StaleSchema = "E0000145",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_duplicate_login_answer() {
        let body = br#"{"errorCode":"E0000001","errorSummary":"Api validation failed: login","errorLink":"E0000001",
            "errorId":"oaeHfmOAx1iRLa0H10DeMz5fQ",
            "errorCauses":[{"errorSummary":"login: An object with this field already exists in the current organization"}]}"#;
        let e = OktaApiError::from_response("users.create", 400, Some("req-1".into()), body);
        assert_eq!(e.error_code, ErrorCode::ApiValidationFailed);
        assert!(e.is_login_conflict());
        assert_eq!(e.error_id.as_deref(), Some("oaeHfmOAx1iRLa0H10DeMz5fQ"));
        assert_eq!(
            e.to_string(),
            "users.create: HTTP 400, Okta E0000001 (Api validation failed: login - login: An object with \
             this field already exists in the current organization) [request req-1]"
        );
    }

    #[test]
    fn causes_may_be_one_object_and_bodies_may_be_anything() {
        let one = br#"{"errorCode":"E0000041","errorSummary":"x","errorCauses":{"errorSummary":"only one"}}"#;
        let e = OktaApiError::from_response("op", 400, None, one);
        assert_eq!(e.error_causes, vec!["only one".to_owned()]);
        assert_eq!(e.error_code, ErrorCode::Other("E0000041".into()));
        assert!(!e.is_login_conflict());

        let html = OktaApiError::from_response("op", 502, None, b"<html>Bad gateway</html>");
        assert_eq!(html.error_summary, "<html>Bad gateway</html>");
        assert_eq!(html.error_code.as_str(), "");
        let odd = OktaApiError::from_response("op", 400, None, br#"{"errorCauses":42}"#);
        assert!(odd.error_causes.is_empty());
        assert_eq!(odd.error_summary, r#"{"errorCauses":42}"#);
    }

    #[test]
    fn retryable_errors() {
        let rate = OktaApiError::from_response("op", 429, None, br#"{"errorCode":"E0000047"}"#);
        assert!(Error::from(Box::new(rate)).is_transient());
        let dup = OktaApiError::from_response("op", 400, None, br#"{"errorCode":"E0000001"}"#);
        assert!(!Error::from(Box::new(dup)).is_transient());
    }
}
