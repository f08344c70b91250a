//! The one error type every HR source maps its failures into.

use std::time::Duration;

/// A boxed error kept as the source of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, by meaning rather than by protocol.
///
/// Adapters convert their own errors (SOAP faults, HTTP statuses, CSV problems) into
/// these variants, so callers match on meaning and the same arm handles every source:
///
/// ```
/// use hr_core::Error;
///
/// fn describe(e: &Error) -> &'static str {
///     match e {
///         Error::NotFound { .. } => "skip",
///         e if e.is_retryable() => "retry later",
///         _ => "stop and report",
///     }
/// }
/// assert_eq!(describe(&Error::unavailable("nmbrs", "HTTP 503")), "retry later");
/// assert_eq!(describe(&Error::invalid_data("line 4", "start_date", "not a date")), "stop and report");
/// ```
///
/// Messages never contain secrets; adapters must not put tokens or passwords in them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The thing asked for does not exist (an unknown employee or company).
    #[error("not found: {what}")]
    NotFound {
        /// What was looked for, e.g. `company 65757`.
        what: String,
    },
    /// The source rejected the credentials.
    #[error("{source_name}: not authenticated: {message}")]
    Unauthenticated {
        /// The source's name.
        source_name: String,
        /// The source's explanation.
        message: String,
    },
    /// The credentials are valid but lack the right to the data.
    #[error("{source_name}: permission denied: {message}")]
    PermissionDenied {
        /// The source's name.
        source_name: String,
        /// The source's explanation.
        message: String,
    },
    /// The source asked us to slow down.
    #[error("{source_name}: rate limited{}", retry_after.map(|d| format!(", retry after {} ms", d.as_millis())).unwrap_or_default())]
    RateLimited {
        /// The source's name.
        source_name: String,
        /// How long to wait, when the source said.
        retry_after: Option<Duration>,
    },
    /// A record is malformed: the data, not the connection, is wrong.
    #[error("invalid data in {record}, field {field}: {message}")]
    InvalidData {
        /// Which record: `line 12`, `employee 603464`, …
        record: String,
        /// Which field (and column, for files).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The source is down or the call failed in a way that may pass (timeouts, 5xx).
    #[error("{source_name}: unavailable: {message}")]
    Unavailable {
        /// The source's name.
        source_name: String,
        /// What happened.
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<BoxError>,
    },
    /// The configuration is wrong: a missing key, an impossible value.
    #[error("configuration error in {key}: {message}")]
    Configuration {
        /// The configuration key, e.g. `lifecycle.grace_days_after_end`.
        key: String,
        /// What is wrong with it.
        message: String,
    },
    /// Anything else, with its cause.
    #[error("{message}")]
    Other {
        /// What happened.
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<BoxError>,
    },
}

impl Error {
    /// [`Error::NotFound`].
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into() }
    }

    /// [`Error::InvalidData`] naming the record and the field.
    pub fn invalid_data(
        record: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::InvalidData {
            record: record.into(),
            field: field.into(),
            message: message.into(),
        }
    }

    /// [`Error::Unavailable`] without an underlying error.
    pub fn unavailable(source_name: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Unavailable {
            source_name: source_name.into(),
            message: message.into(),
            source: None,
        }
    }

    /// [`Error::Configuration`] naming the key.
    pub fn configuration(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Configuration {
            key: key.into(),
            message: message.into(),
        }
    }

    /// [`Error::Other`] with an underlying error.
    pub fn other(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Other {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// True when trying again later may succeed: rate limits and unavailability.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Unavailable { .. })
    }

    /// How long the source asked us to wait, for [`Error::RateLimited`].
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_means_transient() {
        let limited = Error::RateLimited {
            source_name: "nmbrs".into(),
            retry_after: Some(Duration::from_millis(500)),
        };
        assert!(limited.is_retryable());
        assert_eq!(limited.retry_after(), Some(Duration::from_millis(500)));
        assert_eq!(
            limited.to_string(),
            "nmbrs: rate limited, retry after 500 ms"
        );
        assert!(Error::unavailable("x", "503").is_retryable());
        for permanent in [
            Error::not_found("employee 1"),
            Error::invalid_data("line 2", "start_date (column 5)", "bad"),
            Error::configuration("k", "m"),
            Error::Unauthenticated {
                source_name: "x".into(),
                message: "m".into(),
            },
            Error::PermissionDenied {
                source_name: "x".into(),
                message: "m".into(),
            },
            Error::other("boom", std::io::Error::other("disk")),
        ] {
            assert!(!permanent.is_retryable(), "{permanent}");
            assert_eq!(permanent.retry_after(), None);
        }
    }

    #[test]
    fn source_chain_is_kept() {
        let e = Error::other("reading export", std::io::Error::other("disk on fire"));
        let source = std::error::Error::source(&e).map(|s| s.to_string());
        assert_eq!(source.as_deref(), Some("disk on fire"));
    }
}
