//! [`Error`]: what went wrong talking to Nmbrs, with the operation, fault code and meaning.

use std::fmt;
use std::time::Duration;

use crate::operation::Operation;

/// A boxed underlying error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of failure an [`Error`] is: the meaning callers act on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Bad user name, token or domain (faults 1000, 1001).
    Unauthenticated,
    /// Valid credentials without the right to the method or data (1002, 1003, 1004, 2003,
    /// 2004, 2009).
    PermissionDenied,
    /// The record does not exist (2046), or a company id the user cannot see.
    NotFound,
    /// Nmbrs rejected the request itself (2006 invalid period, `soap:Client` faults).
    InvalidRequest,
    /// A failure that may pass: faults 1006 and 9999, HTTP 5xx without a SOAP fault,
    /// connection errors.
    Transient,
    /// The server asked to slow down (HTTP 429).
    RateLimited {
        /// The server's `Retry-After`, when given.
        retry_after: Option<Duration>,
    },
    /// The call did not finish within its timeout.
    Timeout,
    /// Any other SOAP fault.
    Fault,
    /// The answer is not a SOAP envelope: not XML, an HTML error page, an unexpected status.
    Protocol,
    /// The answer ended before the envelope did (a cut connection).
    Truncated,
    /// A record holds a value of the wrong shape.
    InvalidData {
        /// Which record: `EmployeeService.Employment_GetAll_AllEmployeesByCompany item 3 (employee 603463)`.
        record: String,
        /// Which element: `Employment/StartDate`.
        field: String,
    },
    /// The client's configuration is wrong, or the call needs an opt-in (BSN) not given.
    Configuration {
        /// The setting, e.g. `NMBRS_TOKEN` or `rate_limit`.
        key: String,
    },
}

/// An error of the Nmbrs client: its [`ErrorKind`], the operation, and Nmbrs's fault code
/// and message when there was a fault.
///
/// The message never contains the token: the client does not put request data in errors.
///
/// ```
/// use nmbrs_client::{Error, ErrorKind};
///
/// let e = Error::from_fault(
///     Some(nmbrs_client::ops::EMPLOYMENTS),
///     "soap:Server",
///     "Server was unable to process request. ---> 1001: Invalid Authentication",
/// );
/// assert_eq!(e.kind(), &ErrorKind::Unauthenticated);
/// assert_eq!(e.code(), Some(1001));
/// assert!(!e.is_retryable());
/// let core: hr_core::Error = e.into();
/// assert!(matches!(core, hr_core::Error::Unauthenticated { .. }));
/// ```
#[derive(Debug)]
pub struct Error {
    repr: Box<Repr>,
}

#[derive(Debug)]
struct Repr {
    kind: ErrorKind,
    operation: Option<Operation>,
    code: Option<u32>,
    status: Option<u16>,
    message: String,
    source: Option<BoxError>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("nmbrs")?;
        if let Some(op) = &self.repr.operation {
            write!(f, " {op}")?;
        }
        f.write_str(": ")?;
        match &self.repr.kind {
            ErrorKind::InvalidData { record, field } => {
                write!(f, "invalid data in {record}, field {field}: ")?;
            }
            ErrorKind::Configuration { key } => write!(f, "configuration error in {key}: ")?,
            _ => {}
        }
        if let Some(code) = self.repr.code {
            write!(f, "fault {code}: ")?;
        }
        if let Some(status) = self.repr.status {
            write!(f, "HTTP {status}: ")?;
        }
        f.write_str(&self.repr.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.repr
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Maps an Nmbrs fault code (`---> NNNN:`) and the SOAP fault code onto a meaning.
///
/// This is the single place where codes get their meaning (research §4); the code table
/// comes from Nmbrs's error-code article as quoted by public clients, so it is easy to
/// correct here if Nmbrs says otherwise.
pub fn kind_for_fault(code: Option<u32>, fault_code: &str) -> ErrorKind {
    match code {
        Some(1000 | 1001) => ErrorKind::Unauthenticated,
        Some(1002 | 1003 | 1004 | 2003 | 2004 | 2009) => ErrorKind::PermissionDenied,
        Some(2046) => ErrorKind::NotFound,
        Some(1006 | 9999) => ErrorKind::Transient,
        Some(2006) => ErrorKind::InvalidRequest,
        Some(2042 | 2043) => ErrorKind::Configuration {
            key: "NMBRS_DOMAIN".to_owned(),
        },
        Some(_) => ErrorKind::Fault,
        None if local(fault_code).eq_ignore_ascii_case("Client")
            || local(fault_code).eq_ignore_ascii_case("Sender") =>
        {
            ErrorKind::InvalidRequest
        }
        None => ErrorKind::Fault,
    }
}

fn local(qname: &str) -> &str {
    qname.rsplit(':').next().unwrap_or(qname).trim()
}

/// Splits Nmbrs's `... ---> NNNN: Message` fault text into the code and the message.
///
/// ```
/// assert_eq!(
///     nmbrs_client::error::split_fault_text("Server was unable to process request. ---> 2004: Unauthorized access"),
///     (Some(2004), "Unauthorized access")
/// );
/// assert_eq!(nmbrs_client::error::split_fault_text("Boom"), (None, "Boom"));
/// ```
pub fn split_fault_text(text: &str) -> (Option<u32>, &str) {
    let text = text.trim();
    // ASMX nests inner exceptions with `--->` too; the Nmbrs code follows one of them.
    for (at, _) in text.match_indices("--->") {
        let rest = text[at + 4..].trim_start();
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 6 {
            continue;
        }
        let Some(message) = rest[digits..].strip_prefix(':') else {
            continue;
        };
        if let Ok(code) = rest[..digits].parse() {
            return (Some(code), message.trim());
        }
    }
    (None, text)
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            repr: Box::new(Repr {
                kind,
                operation: None,
                code: None,
                status: None,
                message: message.into(),
                source: None,
            }),
        }
    }

    /// An error from a SOAP fault's code and text, e.g. `soap:Server` and
    /// `Server was unable to process request. ---> 1001: Invalid Authentication`.
    pub fn from_fault(operation: Option<Operation>, fault_code: &str, fault_text: &str) -> Self {
        let (code, message) = split_fault_text(fault_text);
        let message = if message.is_empty() {
            fault_code.trim()
        } else {
            message
        };
        Self {
            repr: Box::new(Repr {
                kind: kind_for_fault(code, fault_code),
                operation,
                code,
                status: None,
                message: message.to_owned(),
                source: None,
            }),
        }
    }

    pub(crate) fn configuration(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Configuration { key: key.into() }, message)
    }

    pub(crate) fn protocol(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Protocol, message)
    }

    pub(crate) fn invalid_data(
        record: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::new(
            ErrorKind::InvalidData {
                record: record.into(),
                field: field.into(),
            },
            message,
        )
    }

    pub(crate) fn with_operation(mut self, op: &Operation) -> Self {
        if self.repr.operation.is_none() {
            self.repr.operation = Some(op.clone());
        }
        self
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.repr.status = Some(status);
        self
    }

    pub(crate) fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.repr.source = Some(source.into());
        self
    }

    /// The meaning.
    pub fn kind(&self) -> &ErrorKind {
        &self.repr.kind
    }

    /// The operation that failed, when the error came from a call.
    pub fn operation(&self) -> Option<&Operation> {
        self.repr.operation.as_ref()
    }

    /// Nmbrs's fault code (`1001`, `2004`, …), when the fault carried one.
    pub fn code(&self) -> Option<u32> {
        self.repr.code
    }

    /// The HTTP status, when the error came from one.
    pub fn status(&self) -> Option<u16> {
        self.repr.status
    }

    /// Nmbrs's message, or a description of the failure.
    pub fn message(&self) -> &str {
        &self.repr.message
    }

    /// Whether trying again may succeed: faults 1006 and 9999, 5xx without a fault,
    /// connection failures, timeouts, throttling and cut-off answers. Never for
    /// authentication or permission faults.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.repr.kind,
            ErrorKind::Transient
                | ErrorKind::Timeout
                | ErrorKind::RateLimited { .. }
                | ErrorKind::Truncated
        )
    }
}

impl From<Error> for hr_core::Error {
    fn from(e: Error) -> Self {
        const SOURCE: &str = "nmbrs";
        let text = e.to_string();
        match e.repr.kind.clone() {
            ErrorKind::Unauthenticated => hr_core::Error::Unauthenticated {
                source_name: SOURCE.to_owned(),
                message: text,
            },
            ErrorKind::PermissionDenied => hr_core::Error::PermissionDenied {
                source_name: SOURCE.to_owned(),
                message: text,
            },
            ErrorKind::NotFound => hr_core::Error::not_found(text),
            ErrorKind::RateLimited { retry_after } => hr_core::Error::RateLimited {
                source_name: SOURCE.to_owned(),
                retry_after,
            },
            ErrorKind::Transient | ErrorKind::Timeout | ErrorKind::Truncated => {
                hr_core::Error::Unavailable {
                    source_name: SOURCE.to_owned(),
                    message: text,
                    source: Some(Box::new(e)),
                }
            }
            ErrorKind::InvalidData { record, field } => {
                hr_core::Error::invalid_data(record, field, e.repr.message.clone())
            }
            ErrorKind::Configuration { key } => hr_core::Error::configuration(key, text),
            ErrorKind::InvalidRequest | ErrorKind::Fault | ErrorKind::Protocol => {
                hr_core::Error::other(text, e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_codes_map_to_meanings() {
        let kind = |code| kind_for_fault(Some(code), "soap:Server");
        assert_eq!(kind(1000), ErrorKind::Unauthenticated);
        assert_eq!(kind(1001), ErrorKind::Unauthenticated);
        for code in [1002, 1003, 1004, 2003, 2004, 2009] {
            assert_eq!(kind(code), ErrorKind::PermissionDenied, "{code}");
        }
        assert_eq!(kind(2046), ErrorKind::NotFound);
        assert_eq!(kind(1006), ErrorKind::Transient);
        assert_eq!(kind(9999), ErrorKind::Transient);
        assert_eq!(kind(2006), ErrorKind::InvalidRequest);
        assert_eq!(kind(4242), ErrorKind::Fault);
        assert_eq!(
            kind_for_fault(None, "soap:Client"),
            ErrorKind::InvalidRequest
        );
        assert_eq!(kind_for_fault(None, "soap:Server"), ErrorKind::Fault);
    }

    #[test]
    fn fault_text_splits_with_and_without_space() {
        assert_eq!(
            split_fault_text("x --->1001: Invalid"),
            (Some(1001), "Invalid")
        );
        assert_eq!(
            split_fault_text("---> 1002: Unauthorized access"),
            (Some(1002), "Unauthorized access")
        );
        assert_eq!(split_fault_text("x ---> abc: y"), (None, "x ---> abc: y"));
        assert_eq!(split_fault_text("x ---> 12"), (None, "x ---> 12"));
        assert_eq!(split_fault_text("---> 99999999999: y").0, None);
        assert_eq!(
            split_fault_text(
                "Server was unable to process request. ---> System.Exception: X ---> 1001: Invalid Authentication"
            ),
            (Some(1001), "Invalid Authentication")
        );
    }

    #[test]
    fn display_names_operation_code_and_record() {
        let e = Error::invalid_data(
            "item 3 (employee 7)",
            "Employment/StartDate",
            "not a date: \"x\"",
        )
        .with_operation(&crate::ops::EMPLOYMENTS);
        assert_eq!(
            e.to_string(),
            "nmbrs EmployeeService.Employment_GetAll_AllEmployeesByCompany: invalid data in item 3 (employee 7), field Employment/StartDate: not a date: \"x\""
        );
        let core: hr_core::Error = e.into();
        assert!(
            matches!(core, hr_core::Error::InvalidData { ref field, .. } if field == "Employment/StartDate")
        );
    }
}
