//! Newtype identifiers: the stable keys of people, companies and org units.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why a string cannot be an identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The identifier is empty.
    #[error("{kind} is empty")]
    Empty {
        /// Which identifier ("employee id", "company id", …).
        kind: &'static str,
    },
    /// The identifier starts or ends with white space, which would make two
    /// spellings of one key look different.
    #[error("{kind} {value:?} has leading or trailing white space")]
    Whitespace {
        /// Which identifier.
        kind: &'static str,
        /// The rejected value.
        value: String,
    },
    /// The identifier contains a control character.
    #[error("{kind} {value:?} contains a control character")]
    Control {
        /// Which identifier.
        kind: &'static str,
        /// The rejected value.
        value: String,
    },
    /// The identifier is longer than [`MAX_ID_LEN`] bytes.
    #[error("{kind} is {len} bytes long, more than the {max} allowed")]
    TooLong {
        /// Which identifier.
        kind: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The limit, [`MAX_ID_LEN`].
        max: usize,
    },
}

/// The longest identifier accepted, in bytes. Okta's `externalId` allows 512; 255 leaves room
/// for a prefix such as `nmbrs:` when a key is written elsewhere.
pub const MAX_ID_LEN: usize = 255;

fn validate(kind: &'static str, value: &str) -> Result<(), IdError> {
    if value.is_empty() {
        return Err(IdError::Empty { kind });
    }
    if value.len() > MAX_ID_LEN {
        return Err(IdError::TooLong {
            kind,
            len: value.len(),
            max: MAX_ID_LEN,
        });
    }
    if value.trim() != value {
        return Err(IdError::Whitespace {
            kind,
            value: value.to_owned(),
        });
    }
    if value.chars().any(char::is_control) {
        return Err(IdError::Control {
            kind,
            value: value.to_owned(),
        });
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $example:literal) => {
        $(#[$doc])*
        ///
        /// The value is an opaque, case-sensitive string: not empty, at most
        /// [`MAX_ID_LEN`] bytes, no control characters, no leading or trailing white space.
        /// Numeric keys (Nmbrs uses `xs:int`) convert with `From<u64>`.
        ///
        /// ```
        #[doc = concat!("use hr_core::", stringify!($name), ";")]
        ///
        #[doc = concat!("let id: ", stringify!($name), " = \"", $example, "\".parse()?;")]
        #[doc = concat!("assert_eq!(id.as_str(), \"", $example, "\");")]
        #[doc = concat!("assert!(", stringify!($name), "::new(\" padded \").is_err());")]
        /// # Ok::<(), hr_core::IdError>(())
        /// ```
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Checks and wraps an identifier.
            ///
            /// # Errors
            /// [`IdError`] when the value is empty, too long, padded with white space or
            /// contains a control character.
            pub fn new(value: impl Into<String>) -> Result<Self, IdError> {
                let value = value.into();
                validate($kind, &value)?;
                Ok(Self(value))
            }

            /// The identifier as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::new(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = IdError;
            fn try_from(s: &str) -> Result<Self, IdError> {
                Self::new(s)
            }
        }

        impl From<u64> for $name {
            fn from(n: u64) -> Self {
                Self(n.to_string())
            }
        }

        impl From<u32> for $name {
            fn from(n: u32) -> Self {
                Self(n.to_string())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// The stable key of a person in the HR system.
    ///
    /// For Nmbrs this is the `EmployeeId`. An employee *number* is not unique across
    /// companies and is never used as a key.
    EmployeeId,
    "employee id",
    "603464"
);

id_type!(
    /// The key of a company (legal entity, Nmbrs `CompanyId`).
    CompanyId,
    "company id",
    "65757"
);

id_type!(
    /// The key of an org unit: a company, department, team or location.
    OrgUnitId,
    "org unit id",
    "dept-10"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_would_make_two_keys_look_alike() {
        assert_eq!(
            EmployeeId::new(""),
            Err(IdError::Empty {
                kind: "employee id"
            })
        );
        assert!(matches!(
            EmployeeId::new(" 42"),
            Err(IdError::Whitespace { .. })
        ));
        assert!(matches!(
            EmployeeId::new("42\n"),
            Err(IdError::Whitespace { .. })
        ));
        assert!(matches!(
            EmployeeId::new("4\u{7}2"),
            Err(IdError::Control { .. })
        ));
        assert!(matches!(
            CompanyId::new("x".repeat(256)),
            Err(IdError::TooLong { len: 256, .. })
        ));
        assert!(EmployeeId::new("x".repeat(255)).is_ok());
        assert_eq!(EmployeeId::from(42u32).as_str(), "42");
    }

    #[test]
    fn ids_are_case_sensitive_and_display_verbatim() {
        let a = OrgUnitId::new("Dept-A").unwrap_or_else(|e| panic!("{e}"));
        let b = OrgUnitId::new("dept-a").unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(a, b);
        assert_eq!(a.to_string(), "Dept-A");
        assert_eq!(format!("{a:?}"), "OrgUnitId(\"Dept-A\")");
        assert_eq!(format!("[{a:<8}]"), "[Dept-A  ]", "tables can align ids");
    }

    #[test]
    fn serde_validates_on_the_way_in() {
        let id: EmployeeId = serde_json::from_str("\"17\"").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(serde_json::to_string(&id).unwrap_or_default(), "\"17\"");
        let err = serde_json::from_str::<EmployeeId>("\"\"")
            .err()
            .map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some("employee id is empty"));
    }
}
