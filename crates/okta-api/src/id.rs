//! Newtype identifiers, so a group id can't be passed where a user id belongs.

use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $example:literal) => {
        $(#[$doc])*
        ///
        /// ```
        #[doc = concat!("use okta_api::", stringify!($name), ";")]
        #[doc = concat!("let id = ", stringify!($name), "::new(\"", $example, "\");")]
        #[doc = concat!("assert_eq!(id.as_str(), \"", $example, "\");")]
        #[doc = concat!("assert_eq!(id.to_string(), \"", $example, "\");")]
        /// ```
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id Okta gave.
            #[must_use]
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id as Okta writes it.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }
    };
}

id_type!(
    /// An Okta user id (`00u…`).
    UserId,
    "00u1ab2cd3EF4gh5i0h8"
);
id_type!(
    /// An Okta group id (`00g…`).
    GroupId,
    "00g1emaKYZTWRYYRRTSK"
);

/// Percent-encodes one path segment (a login may hold `@`, `+`, spaces, …). An empty
/// segment would reach another endpoint (`/users/` is the list), and `.` or `..` would be
/// folded away by URL normalisation, so those are refused.
pub(crate) fn segment(raw: &str) -> Result<String, crate::Error> {
    if raw.is_empty() || raw == "." || raw == ".." {
        return Err(crate::Error::InvalidArgument {
            argument: "id",
            reason: format!("`{raw}` can't name a user or group"),
        });
    }
    const KEEP: &[u8] = b"-._~";
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || KEEP.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn segments_are_encoded() {
        assert_eq!(super::segment("ada+x@ex.com").unwrap(), "ada%2Bx%40ex.com");
        assert_eq!(super::segment("a/b ü").unwrap(), "a%2Fb%20%C3%BC");
        assert_eq!(super::segment("00u1").unwrap(), "00u1");
        assert_eq!(super::segment("...").unwrap(), "...");
        for bad in ["", ".", ".."] {
            assert!(super::segment(bad).is_err(), "{bad:?}");
        }
    }
}
