//! The default user schema: read it, and add the custom attribute a sync engine needs
//! (for example the one holding the HR key).

use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::client::OktaClient;
use crate::error::Error;

/// One attribute of the user schema.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SchemaAttribute {
    /// The attribute name, e.g. `employeeNumber` or `hrEmployeeId`.
    pub name: String,
    /// The display title.
    pub title: Option<String>,
    /// `string`, `boolean`, `integer`, `number` or `array`.
    pub attribute_type: Option<String>,
    /// Whether a value is required.
    pub required: bool,
    /// Whether values must be unique in the org (`unique: true`, or Okta's older
    /// `"UNIQUE_VALIDATED"`).
    pub unique: bool,
    /// Whether this is one of Okta's base attributes (not custom).
    pub base: bool,
}

/// The default user schema (`GET /api/v1/meta/schemas/user/default`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UserSchema {
    /// Base attributes first, then custom ones, each in Okta's order.
    pub attributes: Vec<SchemaAttribute>,
    /// The schema document as Okta sent it.
    pub raw: Value,
}

impl UserSchema {
    /// The attribute called `name`, base or custom.
    #[must_use]
    pub fn attribute(&self, name: &str) -> Option<&SchemaAttribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The custom attributes.
    pub fn custom(&self) -> impl Iterator<Item = &SchemaAttribute> {
        self.attributes.iter().filter(|a| !a.base)
    }

    fn from_json(raw: Value) -> Result<Self, Error> {
        let mut attributes = Vec::new();
        for (section, base) in [("base", true), ("custom", false)] {
            let props = match raw.pointer(&format!("/definitions/{section}/properties")) {
                None | Some(Value::Null) => continue,
                Some(Value::Object(p)) => p,
                Some(_) => {
                    return Err(Error::decode(
                        "schemas.user",
                        format!("definitions.{section}.properties is not an object"),
                    ));
                }
            };
            let required: Vec<&str> = raw
                .pointer(&format!("/definitions/{section}/required"))
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for (name, def) in props {
                attributes.push(SchemaAttribute {
                    name: name.clone(),
                    title: def.get("title").and_then(Value::as_str).map(str::to_owned),
                    attribute_type: def.get("type").and_then(Value::as_str).map(str::to_owned),
                    required: def
                        .get("required")
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
                        || required.contains(&name.as_str()),
                    unique: match def.get("unique") {
                        Some(Value::Bool(b)) => *b,
                        Some(Value::String(s)) => s == "UNIQUE_VALIDATED",
                        _ => false,
                    },
                    base,
                });
            }
        }
        Ok(Self { attributes, raw })
    }
}

/// A custom attribute to add to the default user schema.
///
/// ```
/// use okta_api::CustomAttribute;
/// let hr_key = CustomAttribute::string("hrEmployeeId", "HR employee key")
///     .description("Key of the person in the HR system; written by hrsync")
///     .unique(true)
///     .max_length(64);
/// assert_eq!(hr_key.name(), "hrEmployeeId");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CustomAttribute {
    name: String,
    definition: Map<String, Value>,
}

impl CustomAttribute {
    /// A string attribute.
    #[must_use]
    pub fn string(name: impl Into<String>, title: impl Into<String>) -> Self {
        Self::typed(name, title, "string")
    }

    /// A boolean attribute.
    #[must_use]
    pub fn boolean(name: impl Into<String>, title: impl Into<String>) -> Self {
        Self::typed(name, title, "boolean")
    }

    /// An integer attribute.
    #[must_use]
    pub fn integer(name: impl Into<String>, title: impl Into<String>) -> Self {
        Self::typed(name, title, "integer")
    }

    fn typed(name: impl Into<String>, title: impl Into<String>, ty: &str) -> Self {
        let mut definition = Map::new();
        definition.insert("title".into(), Value::String(title.into()));
        definition.insert("type".into(), Value::String(ty.into()));
        // Users can read but not change what the HR system masters.
        definition.insert(
            "permissions".into(),
            json!([{ "principal": "SELF", "action": "READ_ONLY" }]),
        );
        Self {
            name: name.into(),
            definition,
        }
    }

    /// The attribute name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A description.
    #[must_use]
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.definition
            .insert("description".into(), Value::String(text.into()));
        self
    }

    /// Whether values must be unique in the org.
    #[must_use]
    pub fn unique(mut self, unique: bool) -> Self {
        self.definition.insert("unique".into(), Value::Bool(unique));
        self
    }

    /// Whether a value is required.
    #[must_use]
    pub fn required(mut self, required: bool) -> Self {
        self.definition
            .insert("required".into(), Value::Bool(required));
        self
    }

    /// Maximum length of a string.
    #[must_use]
    pub fn max_length(mut self, n: u32) -> Self {
        self.definition.insert("maxLength".into(), Value::from(n));
        self
    }

    /// Lets the user edit the value too (`SELF` `READ_WRITE`; default `READ_ONLY`).
    #[must_use]
    pub fn user_writable(mut self) -> Self {
        self.definition.insert(
            "permissions".into(),
            json!([{ "principal": "SELF", "action": "READ_WRITE" }]),
        );
        self
    }
}

/// Schemas: `client.schemas()`.
#[derive(Debug, Clone, Copy)]
pub struct Schemas<'c> {
    client: &'c OktaClient,
}

impl OktaClient {
    /// The user schema (scope `okta.schemas.read` / `okta.schemas.manage`).
    #[must_use]
    pub fn schemas(&self) -> Schemas<'_> {
        Schemas { client: self }
    }
}

const DEFAULT_SCHEMA: &str = "/api/v1/meta/schemas/user/default";
const SCHEMA_TEMPLATE: &str = "/api/v1/meta/schemas/user/{schemaId}";

impl Schemas<'_> {
    /// Reads the default user schema.
    ///
    /// ```no_run
    /// # async fn run(client: okta_api::OktaClient) -> Result<(), okta_api::Error> {
    /// let schema = client.schemas().user().await?;
    /// let missing = schema.attribute("hrEmployeeId").is_none();
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// E0000006 without the schema scope or role.
    pub async fn user(&self) -> Result<UserSchema, Error> {
        let url = self.client.url(DEFAULT_SCHEMA, &[]);
        let call = self.client.call(
            "schemas.user",
            Method::GET,
            SCHEMA_TEMPLATE,
            url,
            None,
            true,
        );
        let (raw, _) = self.client.send_json::<Value>(call).await?;
        UserSchema::from_json(raw)
    }

    /// Adds (or updates) a custom attribute of the default user schema and returns the
    /// new schema. Repeating it with the same definition changes nothing.
    ///
    /// ```no_run
    /// # async fn run(client: okta_api::OktaClient) -> Result<(), okta_api::Error> {
    /// use okta_api::CustomAttribute;
    /// let schema = client.schemas().add_custom_attribute(
    ///     &CustomAttribute::string("hrEmployeeId", "HR employee key").unique(true),
    /// ).await?;
    /// assert!(schema.attribute("hrEmployeeId").is_some());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// E0000001 for an invalid definition (or a clash with a base attribute).
    pub async fn add_custom_attribute(
        &self,
        attribute: &CustomAttribute,
    ) -> Result<UserSchema, Error> {
        if attribute.name.is_empty()
            || !attribute
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(Error::InvalidArgument {
                argument: "attribute",
                reason: format!(
                    "`{}`: Okta attribute names are letters, digits and _",
                    attribute.name
                ),
            });
        }
        let mut properties = Map::new();
        properties.insert(
            attribute.name.clone(),
            Value::Object(attribute.definition.clone()),
        );
        // The spec marks `id`, `type` and `required` of the custom subschema read-only.
        let body = json!({ "definitions": { "custom": { "properties": properties } } });
        let url = self.client.url(DEFAULT_SCHEMA, &[]);
        let call = self.client.call(
            "schemas.add_attribute",
            Method::POST,
            SCHEMA_TEMPLATE,
            url,
            Some(body.to_string().into_bytes()),
            true,
        );
        let (raw, _) = self.client.send_json::<Value>(call).await?;
        UserSchema::from_json(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_base_and_custom_attributes() {
        let raw = json!({
            "definitions": {
                "base": {"properties": {"login": {"title": "Username", "type": "string", "required": true, "unique": "UNIQUE_VALIDATED"}},
                         "required": ["login"]},
                "custom": {"properties": {"hrKey": {"title": "HR", "type": "string", "unique": true}}, "required": []}
            }
        });
        let s = UserSchema::from_json(raw).unwrap();
        let login = s.attribute("login").unwrap();
        assert!(login.base && login.required && login.unique);
        let custom: Vec<_> = s.custom().map(|a| a.name.as_str()).collect();
        assert_eq!(custom, ["hrKey"]);
        assert!(s.attribute("hrKey").unwrap().unique);
        let bad = UserSchema::from_json(json!({"definitions": {"custom": {"properties": []}}}));
        assert!(
            bad.unwrap_err()
                .to_string()
                .contains("definitions.custom.properties")
        );
    }
}
