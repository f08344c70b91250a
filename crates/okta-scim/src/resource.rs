//! Typed SCIM resources: [`User`] (core and Enterprise extension, other extensions kept
//! as JSON), [`Group`], [`Meta`] and the [`ListResponse`] envelope.
//!
//! These are the shapes a [`ScimProvider`](crate::ScimProvider) stores and returns. The
//! server reads request bodies through [`crate::canonical`], which fixes attribute-name
//! case, accepts `"True"`/`"False"` booleans and rejects wrong types with a SCIM error
//! naming the attribute, and only then deserializes into these types.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use crate::canonical::is_urn;
use crate::error::ScimError;
use crate::schema::{
    ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, LIST_RESPONSE_SCHEMA, ResourceKind, USER_SCHEMA,
};

/// The server-assigned, case-sensitive, stable `id` of a resource.
///
/// ```
/// use okta_scim::ResourceId;
/// let id = ResourceId::new("2819c223-7f76-453a-919d-413861904646");
/// assert_eq!(id.as_str(), "2819c223-7f76-453a-919d-413861904646");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ResourceId(String);

impl ResourceId {
    /// Wraps an id.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// A fresh random id in the UUID v4 text form.
    pub fn random() -> Self {
        let hi = fastrand::u64(..);
        let lo = fastrand::u64(..);
        let b =
            ((u128::from(hi) << 64) | u128::from(lo)) & !(0xF000u128 << 64) & !(0xC000u128 << 48);
        let b = b | (0x4000u128 << 64) | (0x8000u128 << 48);
        let h = format!("{b:032x}");
        Self(format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        ))
    }

    /// The id text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ResourceId {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl From<String> for ResourceId {
    fn from(s: String) -> Self {
        Self(s)
    }
}

fn ser_time<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true))
}

fn ser_opt_time<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => ser_time(t, s),
        None => s.serialize_none(),
    }
}

/// Resource metadata (RFC 7643 §3.1). Set by the provider; clients cannot change it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Meta {
    /// `"User"` or `"Group"`.
    pub resource_type: String,
    /// When the resource was created.
    #[serde(
        serialize_with = "ser_opt_time",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub created: Option<DateTime<Utc>>,
    /// When it last changed.
    #[serde(
        serialize_with = "ser_opt_time",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub last_modified: Option<DateTime<Utc>>,
    /// Its URI; the server fills it in from the request's base URL.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub location: Option<String>,
    /// Its weak entity tag, such as `W/"3"`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub version: Option<String>,
}

impl Meta {
    /// Metadata for a resource created at `at`, version `W/"1"`.
    ///
    /// ```
    /// use okta_scim::{Meta, schema::ResourceKind};
    /// let m = Meta::created(ResourceKind::User, chrono::Utc::now());
    /// assert_eq!(m.version.as_deref(), Some("W/\"1\""));
    /// ```
    pub fn created(kind: ResourceKind, at: DateTime<Utc>) -> Self {
        Self {
            resource_type: kind.as_str().to_owned(),
            created: Some(at),
            last_modified: Some(at),
            location: None,
            version: Some(version_tag(1)),
        }
    }
}

/// The weak entity tag for a revision number: `W/"n"`.
pub fn version_tag(revision: u64) -> String {
    format!("W/\"{revision}\"")
}

/// The components of a user's name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Name {
    /// The full name, formatted for display.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub formatted: Option<String>,
    /// Family name (Okta `lastName`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub family_name: Option<String>,
    /// Given name (Okta `firstName`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub given_name: Option<String>,
    /// Middle name(s).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub middle_name: Option<String>,
    /// Honorific prefix, such as `Dr.`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub honorific_prefix: Option<String>,
    /// Honorific suffix, such as `Jr.`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub honorific_suffix: Option<String>,
}

impl Name {
    /// A name with given and family name.
    ///
    /// ```
    /// let n = okta_scim::Name::new("Anna", "de Vries");
    /// assert_eq!(n.family_name.as_deref(), Some("de Vries"));
    /// ```
    pub fn new(given: impl Into<String>, family: impl Into<String>) -> Self {
        Self {
            given_name: Some(given.into()),
            family_name: Some(family.into()),
            ..Self::default()
        }
    }
}

/// One value of a multi-valued attribute such as `emails` or `phoneNumbers`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MultiValue {
    /// The value.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub value: Option<String>,
    /// A human-readable label.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub display: Option<String>,
    /// The kind, such as `work` or `mobile`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none", default)]
    pub kind: Option<String>,
    /// Whether this is the preferred value; at most one per attribute.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub primary: Option<bool>,
}

impl MultiValue {
    /// A typed value, optionally primary.
    ///
    /// ```
    /// let e = okta_scim::MultiValue::new("ann@example.com", "work", true);
    /// assert_eq!(e.primary, Some(true));
    /// ```
    pub fn new(value: impl Into<String>, kind: impl Into<String>, primary: bool) -> Self {
        Self {
            value: Some(value.into()),
            display: None,
            kind: Some(kind.into()),
            primary: primary.then_some(true),
        }
    }
}

/// A postal address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Address {
    /// The full address, formatted for display.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub formatted: Option<String>,
    /// Street and house number.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub street_address: Option<String>,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub locality: Option<String>,
    /// State or province.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub region: Option<String>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub postal_code: Option<String>,
    /// Country, ISO 3166-1 alpha-2.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub country: Option<String>,
    /// The kind: `work`, `home`, `other`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none", default)]
    pub kind: Option<String>,
    /// Whether this is the preferred address.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub primary: Option<bool>,
}

/// A reference to a resource: a group of a user, or a member of a group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Reference {
    /// The `id` of the referenced resource.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub value: Option<String>,
    /// Its URI.
    #[serde(rename = "$ref", skip_serializing_if = "Option::is_none", default)]
    pub reference: Option<String>,
    /// A human-readable name.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub display: Option<String>,
    /// `User` or `Group` for members; `direct` or `indirect` for a user's groups.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none", default)]
    pub kind: Option<String>,
}

impl Reference {
    /// A reference to `id` with a display name.
    ///
    /// ```
    /// let m = okta_scim::Reference::to("2819c223", Some("ann@example.com"));
    /// assert_eq!(m.value.as_deref(), Some("2819c223"));
    /// ```
    pub fn to(id: impl Into<String>, display: Option<&str>) -> Self {
        Self {
            value: Some(id.into()),
            reference: None,
            display: display.map(str::to_owned),
            kind: None,
        }
    }
}

/// A user's manager in the Enterprise extension.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Manager {
    /// The manager's `id`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub value: Option<String>,
    /// The manager's URI.
    #[serde(rename = "$ref", skip_serializing_if = "Option::is_none", default)]
    pub reference: Option<String>,
    /// The manager's display name (read-only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub display_name: Option<String>,
}

/// The Enterprise User extension (RFC 7643 §4.3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EnterpriseUser {
    /// Employee number (the HR key).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub employee_number: Option<String>,
    /// Cost center.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cost_center: Option<String>,
    /// Organization (company).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub organization: Option<String>,
    /// Division.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub division: Option<String>,
    /// Department.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub department: Option<String>,
    /// Manager.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub manager: Option<Manager>,
}

impl EnterpriseUser {
    fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

fn ser_enterprise<S: Serializer>(e: &Option<EnterpriseUser>, s: S) -> Result<S::Ok, S::Error> {
    match e {
        Some(e) => e.serialize(s),
        None => s.serialize_none(),
    }
}

fn skip_enterprise(e: &Option<EnterpriseUser>) -> bool {
    e.as_ref().is_none_or(EnterpriseUser::is_empty)
}

/// A SCIM User (RFC 7643 §4.1).
///
/// Extensions other than the Enterprise one stay in [`User::extensions`] as JSON objects
/// keyed by URN and are echoed as received. `password` is write-only: it is never
/// serialized, and the built-in provider does not store it (Okta sends a random
/// placeholder on every create).
///
/// ```
/// use okta_scim::{MultiValue, Name, User};
///
/// let user = User::new("ann.devries@example.com")
///     .with_name(Name::new("Anna", "de Vries"))
///     .with_email(MultiValue::new("ann.devries@example.com", "work", true));
/// let json = user.to_json();
/// assert_eq!(json["name"]["givenName"], "Anna");
/// assert_eq!(json["schemas"][0], okta_scim::schema::USER_SCHEMA);
/// ```
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct User {
    /// The schema URNs this resource uses; filled in on output.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
    /// Server-assigned id.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub id: Option<ResourceId>,
    /// The client's identifier for the user (Okta sends its own user id here).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub external_id: Option<String>,
    /// Unique login; compared case-insensitively, stored and returned as sent.
    pub user_name: String,
    /// Name components.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<Name>,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub display_name: Option<String>,
    /// Casual name.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub nick_name: Option<String>,
    /// Profile page URI.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub profile_url: Option<String>,
    /// Job title.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub title: Option<String>,
    /// Relationship to the organization, such as `Employee` or `Contractor`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user_type: Option<String>,
    /// Preferred language (`nl-NL`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub preferred_language: Option<String>,
    /// Locale (`nl-NL`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub locale: Option<String>,
    /// IANA time zone (`Europe/Amsterdam`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub timezone: Option<String>,
    /// Whether the account is active. Okta needs it on every user it reads: providers
    /// should always set it ([`InMemoryProvider`](crate::InMemoryProvider) sets `true` on
    /// create when absent; a PUT without it keeps the current value).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub active: Option<bool>,
    /// Write-only password, never serialized.
    #[serde(skip_serializing, default)]
    pub password: Option<SecretString>,
    /// E-mail addresses.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub emails: Vec<MultiValue>,
    /// Phone numbers.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub phone_numbers: Vec<MultiValue>,
    /// Instant-messaging addresses.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub ims: Vec<MultiValue>,
    /// Photo URIs.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub photos: Vec<MultiValue>,
    /// Postal addresses.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub addresses: Vec<Address>,
    /// Groups the user belongs to (read-only; derived from group membership).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub groups: Vec<Reference>,
    /// Entitlements.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub entitlements: Vec<MultiValue>,
    /// Roles.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub roles: Vec<MultiValue>,
    /// Certificates (base64 DER).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub x509_certificates: Vec<MultiValue>,
    /// The Enterprise User extension.
    #[serde(
        rename = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        serialize_with = "ser_enterprise",
        skip_serializing_if = "skip_enterprise",
        default
    )]
    pub enterprise: Option<EnterpriseUser>,
    /// Other extensions, keyed by schema URN, kept and echoed as received.
    #[serde(flatten)]
    pub extensions: BTreeMap<String, Value>,
    /// Metadata, set by the provider.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub meta: Option<Meta>,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("external_id", &self.external_id)
            .field("user_name", &self.user_name)
            .field("active", &self.active)
            .field("password", &self.password.as_ref().map(|_| "[REDACTED]"))
            .field("extensions", &self.extensions.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl PartialEq for User {
    /// Compares every attribute except the write-only `password`.
    fn eq(&self, other: &Self) -> bool {
        serde_json::to_value(self).ok() == serde_json::to_value(other).ok()
    }
}

impl User {
    /// A user with this `userName`, active.
    pub fn new(user_name: impl Into<String>) -> Self {
        Self {
            user_name: user_name.into(),
            active: Some(true),
            ..Self::default()
        }
    }

    /// Sets the name.
    #[must_use]
    pub fn with_name(mut self, name: Name) -> Self {
        self.name = Some(name);
        self
    }

    /// Adds an e-mail address.
    #[must_use]
    pub fn with_email(mut self, email: MultiValue) -> Self {
        self.emails.push(email);
        self
    }

    /// Sets `externalId`.
    #[must_use]
    pub fn with_external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into());
        self
    }

    /// Sets `active`.
    #[must_use]
    pub fn with_active(mut self, active: bool) -> Self {
        self.active = Some(active);
        self
    }

    /// Sets the Enterprise extension.
    #[must_use]
    pub fn with_enterprise(mut self, enterprise: EnterpriseUser) -> Self {
        self.enterprise = Some(enterprise);
        self
    }

    /// Sets an extension object under its URN.
    #[must_use]
    pub fn with_extension(mut self, urn: impl Into<String>, value: Value) -> Self {
        self.extensions.insert(urn.into(), value);
        self
    }

    /// The user as a JSON resource with `schemas` listing the core URN and every extension
    /// present.
    pub fn to_json(&self) -> Value {
        let enterprise = (!skip_enterprise(&self.enterprise)).then_some(ENTERPRISE_USER_SCHEMA);
        with_schemas(self, USER_SCHEMA, enterprise, &self.extensions)
    }

    /// Reads a user from a canonical JSON resource (see [`crate::canonical`]).
    ///
    /// # Errors
    /// `400 invalidValue` naming the problem when the JSON does not fit the User schema.
    pub fn from_json(value: Value) -> Result<Self, ScimError> {
        let mut user: Self = read(value, "User")?;
        user.extensions.retain(|k, _| is_urn(k));
        Ok(user)
    }

    /// The primary e-mail, else the first.
    pub fn primary_email(&self) -> Option<&str> {
        self.emails
            .iter()
            .find(|e| e.primary == Some(true))
            .or_else(|| self.emails.first())
            .and_then(|e| e.value.as_deref())
    }
}

/// A SCIM Group (RFC 7643 §4.2).
///
/// ```
/// use okta_scim::{Group, Reference};
/// let g = Group::new("Finance").with_member(Reference::to("2819c223", Some("Ann")));
/// assert_eq!(g.to_json()["members"][0]["value"], "2819c223");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Group {
    /// The schema URNs; filled in on output.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
    /// Server-assigned id.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub id: Option<ResourceId>,
    /// The client's identifier for the group.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub external_id: Option<String>,
    /// The group name; unique in this service provider.
    pub display_name: String,
    /// Members, each a user (or group) id.
    #[serde(default)]
    pub members: Vec<Reference>,
    /// Extensions, keyed by schema URN.
    #[serde(flatten)]
    pub extensions: BTreeMap<String, Value>,
    /// Metadata, set by the provider.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub meta: Option<Meta>,
}

impl Group {
    /// A group with this display name and no members.
    pub fn new(display_name: impl Into<String>) -> Self {
        Self {
            display_name: display_name.into(),
            ..Self::default()
        }
    }

    /// Adds a member.
    #[must_use]
    pub fn with_member(mut self, member: Reference) -> Self {
        self.members.push(member);
        self
    }

    /// The group as a JSON resource with `schemas` set.
    pub fn to_json(&self) -> Value {
        with_schemas(self, GROUP_SCHEMA, None, &self.extensions)
    }

    /// Reads a group from a canonical JSON resource (see [`crate::canonical`]).
    ///
    /// # Errors
    /// `400 invalidValue` naming the problem when the JSON does not fit the Group schema.
    pub fn from_json(value: Value) -> Result<Self, ScimError> {
        let mut group: Self = read(value, "Group")?;
        group.extensions.retain(|k, _| is_urn(k));
        Ok(group)
    }
}

/// A resource serialized with `schemas` set: the core URN, the Enterprise URN when that
/// extension is present, then every other extension key.
fn with_schemas<T: Serialize>(
    resource: &T,
    core: &str,
    enterprise: Option<&str>,
    extensions: &BTreeMap<String, Value>,
) -> Value {
    let mut v = serde_json::to_value(resource).unwrap_or(Value::Null);
    if let Some(map) = v.as_object_mut() {
        let schemas = std::iter::once(core)
            .chain(enterprise)
            .chain(extensions.keys().map(String::as_str))
            .map(Value::from)
            .collect();
        map.insert("schemas".into(), Value::Array(schemas));
    }
    v
}

/// Deserializes a canonical resource; `kind` names it in the `400 invalidValue`.
fn read<T: serde::de::DeserializeOwned>(value: Value, kind: &str) -> Result<T, ScimError> {
    serde_json::from_value(value)
        .map_err(|e| ScimError::invalid_value(format!("not a valid {kind}: {e}")))
}

/// A page of results (RFC 7644 §3.4.2).
///
/// `itemsPerPage` is always the number of `Resources` in this page, and the numbers are
/// JSON integers (Okta rejects strings and echoed `count`s).
///
/// ```
/// use okta_scim::ListResponse;
/// let page = ListResponse::new(250, 201, vec![serde_json::json!({"id": "a"})]);
/// let j = serde_json::to_value(&page).unwrap();
/// assert_eq!(j["itemsPerPage"], 1);
/// assert_eq!(j["totalResults"], 250);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ListResponse {
    schemas: [&'static str; 1],
    /// Every match, across all pages.
    pub total_results: u64,
    /// 1-based index of the first resource in this page.
    pub start_index: u64,
    /// Number of resources in this page.
    pub items_per_page: u64,
    /// The resources.
    #[serde(rename = "Resources")]
    pub resources: Vec<Value>,
}

impl ListResponse {
    /// A page; `itemsPerPage` is taken from `resources`.
    pub fn new(total_results: u64, start_index: u64, resources: Vec<Value>) -> Self {
        Self {
            schemas: [LIST_RESPONSE_SCHEMA],
            total_results,
            start_index,
            items_per_page: resources.len() as u64,
            resources,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_uuid_v4_shaped_and_distinct() {
        let a = ResourceId::random();
        let b = ResourceId::random();
        assert_ne!(a, b);
        let s = a.as_str();
        assert_eq!(s.len(), 36);
        assert_eq!(&s[14..15], "4");
        assert!(matches!(&s[19..20], "8" | "9" | "a" | "b"), "{s}");
    }

    #[test]
    fn user_round_trips_with_extensions_and_hides_password() {
        let body = serde_json::json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, "urn:example:hr:1.0:User"],
            "userName": "ann@example.com",
            "password": "1mz050nq",
            "active": false,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "42"},
            "urn:example:hr:1.0:User": {"badge": "B-7"},
        });
        let u = User::from_json(body).unwrap();
        assert!(u.password.is_some());
        assert!(!format!("{u:?}").contains("1mz050nq"));
        let out = u.to_json();
        assert!(out.get("password").is_none());
        assert_eq!(out["urn:example:hr:1.0:User"]["badge"], "B-7");
        assert_eq!(out[ENTERPRISE_USER_SCHEMA]["employeeNumber"], "42");
        assert_eq!(out["schemas"].as_array().unwrap().len(), 3);
        assert_eq!(out["active"], false);
    }

    #[test]
    fn meta_times_are_rfc3339_utc() {
        let at = DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let j = serde_json::to_value(Meta::created(ResourceKind::Group, at)).unwrap();
        assert_eq!(j["created"], "2026-11-23T10:00:00.000Z");
        assert_eq!(j["resourceType"], "Group");
    }
}
