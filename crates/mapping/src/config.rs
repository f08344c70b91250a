//! The configuration a [`crate::Mapper`] is compiled from (TOML or JSON).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A whole mapping: SCIM settings and the rules.
///
/// ```toml
/// name = "acme"
/// [scim]
/// custom_schema = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"
///
/// [[rules]]
/// okta = "login"
/// scim = "userName"
/// from = "contact.work_email | '{name.given}.{name.family}@acme.nl'"
/// transforms = ["ascii", "remove_spaces", "lower"]
/// flow = "create_only"
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct MappingConfig {
    /// A name for messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the mapping is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// SCIM settings.
    #[serde(default)]
    pub scim: ScimConfig,
    /// The rules, applied in order.
    #[serde(default)]
    pub rules: Vec<RuleConfig>,
}

/// SCIM settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ScimConfig {
    /// The URN of the custom extension that `custom.<name>` targets go to (default
    /// [`crate::DEFAULT_CUSTOM_SCHEMA`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_schema: Option<String>,
}

/// One rule: a value computed from the person, sent to an Okta attribute, a SCIM
/// attribute, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RuleConfig {
    /// The Okta profile attribute (`firstName`, `login`, a custom attribute name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub okta: Option<String>,
    /// The SCIM attribute ([`crate::ScimTarget`] paths: `name.givenName`, `emails.work`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scim: Option<String>,
    /// The expression: fields, fallbacks with `|`, quoted literals, `{…}` templates.
    pub from: String,
    /// Transforms applied in order (`lower`, `ascii`, `truncate(50)`, `e164`, `map`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transforms: Vec<String>,
    /// The table of the `map` transform (appended last when `transforms` does not name it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map: Option<BTreeMap<String, String>>,
    /// What `map` gives a value missing from the table (without it, that is an error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_default: Option<String>,
    /// What happens when the expression has no value (default: skip).
    #[serde(default, skip_serializing_if = "is_default")]
    pub on_null: OnNull,
    /// The value to use when the expression has none (implies `on_null = "default"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// When the value flows (default: always).
    #[serde(default, skip_serializing_if = "is_default")]
    pub flow: Flow,
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// What a rule does when its expression has no value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OnNull {
    /// Leave the attribute out: Okta keeps whatever it has.
    #[default]
    Skip,
    /// Clear the attribute (`null` in the Okta profile).
    Clear,
    /// Use the rule's `default`.
    Default,
}

/// When a rule's value is sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Flow {
    /// On create and on every update.
    #[default]
    Always,
    /// On create only (logins usually are: renaming a login breaks sign-in).
    CreateOnly,
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Always => "always",
            Self::CreateOnly => "create_only",
        })
    }
}
