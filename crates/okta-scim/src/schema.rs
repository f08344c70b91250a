//! Attribute definitions (RFC 7643 §2, §7) for the core User, Enterprise User and Group
//! schemas, plus any extension schema a service adds.
//!
//! The filter evaluator reads `type` and `caseExact` from here, the PATCH applier and the
//! request reader read `mutability` and `multiValued`, the response writer reads
//! `returned`, and `/Schemas` serves them. Attribute names are matched case-insensitively
//! (RFC 7643 §2.1) and written back in the case defined here.

use std::sync::{Arc, LazyLock};

use serde::Serialize;
use serde_json::{Value, json};

/// Schema URN of the core User resource.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Schema URN of the Enterprise User extension.
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// Schema URN of the core Group resource.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Schema URN of a `ListResponse`.
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// Schema URN of a PATCH request.
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Schema URN of the `ServiceProviderConfig` resource.
pub const SERVICE_PROVIDER_CONFIG_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
/// Schema URN of a `Schema` resource.
pub const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
/// Schema URN of a `ResourceType` resource.
pub const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

/// The data type of an attribute (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum AttributeType {
    /// A Unicode string.
    String,
    /// `true` or `false`.
    Boolean,
    /// A real number.
    Decimal,
    /// A whole number.
    Integer,
    /// An `xsd:dateTime`, compared chronologically.
    DateTime,
    /// Base64-encoded bytes; compared case-exactly, never ordered.
    Binary,
    /// A URI.
    Reference,
    /// An object of sub-attributes.
    Complex,
}

/// Whether and how a client may change an attribute (RFC 7643 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Mutability {
    /// Set by the service provider only.
    ReadOnly,
    /// May be set and changed.
    ReadWrite,
    /// May be set once (on create, or when still empty) and never changed.
    Immutable,
    /// May be set but is never returned.
    WriteOnly,
}

/// When an attribute appears in a response (RFC 7643 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Returned {
    /// In every response, even when `excludedAttributes` names it.
    Always,
    /// Never.
    Never,
    /// Unless excluded, or unless `attributes` lists others only.
    Default,
    /// Only when `attributes` names it.
    Request,
}

/// How unique an attribute's value is (RFC 7643 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Uniqueness {
    /// No constraint.
    None,
    /// Unique within this service provider (compared as the attribute's `caseExact` says).
    Server,
    /// Globally unique.
    Global,
}

/// One attribute definition.
///
/// ```
/// use okta_scim::schema::{Attribute, AttributeType, Mutability};
///
/// let a = Attribute::new("badgeNumber", AttributeType::String).case_exact(true);
/// assert_eq!(a.name(), "badgeNumber");
/// assert!(a.is_case_exact());
/// assert_eq!(a.mutability(), Mutability::ReadWrite);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attribute {
    name: String,
    #[serde(rename = "type")]
    ty: AttributeType,
    multi_valued: bool,
    description: String,
    required: bool,
    case_exact: bool,
    mutability: Mutability,
    returned: Returned,
    uniqueness: Uniqueness,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    canonical_values: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    reference_types: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sub_attributes: Vec<Attribute>,
}

impl Attribute {
    /// A single-valued, optional, read-write, case-insensitive attribute returned by default.
    pub fn new(name: impl Into<String>, ty: AttributeType) -> Self {
        Self {
            name: name.into(),
            ty,
            multi_valued: false,
            description: String::new(),
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            canonical_values: Vec::new(),
            reference_types: Vec::new(),
            sub_attributes: Vec::new(),
        }
    }

    /// A complex attribute with these sub-attributes.
    pub fn complex(name: impl Into<String>, sub_attributes: Vec<Attribute>) -> Self {
        Self {
            sub_attributes,
            ..Self::new(name, AttributeType::Complex)
        }
    }

    /// Makes the attribute multi-valued.
    #[must_use]
    pub fn multi_valued(mut self) -> Self {
        self.multi_valued = true;
        self
    }

    /// Makes the attribute required.
    #[must_use]
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Sets whether string comparison is case-sensitive.
    #[must_use]
    pub fn case_exact(mut self, yes: bool) -> Self {
        self.case_exact = yes;
        self
    }

    /// Sets the mutability.
    #[must_use]
    pub fn with_mutability(mut self, m: Mutability) -> Self {
        self.mutability = m;
        self
    }

    /// Sets when the attribute is returned.
    #[must_use]
    pub fn with_returned(mut self, r: Returned) -> Self {
        self.returned = r;
        self
    }

    /// Sets the uniqueness.
    #[must_use]
    pub fn with_uniqueness(mut self, u: Uniqueness) -> Self {
        self.uniqueness = u;
        self
    }

    /// Sets the description shown in `/Schemas`.
    #[must_use]
    pub fn with_description(mut self, d: impl Into<String>) -> Self {
        self.description = d.into();
        self
    }

    /// Sets the canonical values (advisory: other values are accepted, RFC 7643 §2.3.1).
    #[must_use]
    pub fn with_canonical_values(mut self, values: &[&str]) -> Self {
        self.canonical_values = values.iter().map(|v| (*v).to_owned()).collect();
        self
    }

    /// Sets the reference types of a `reference` attribute.
    #[must_use]
    pub fn with_reference_types(mut self, types: &[&str]) -> Self {
        self.reference_types = types.iter().map(|v| (*v).to_owned()).collect();
        self
    }

    /// The attribute name in its canonical case.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The data type.
    pub fn ty(&self) -> AttributeType {
        self.ty
    }

    /// Whether the attribute holds a list.
    pub fn is_multi_valued(&self) -> bool {
        self.multi_valued
    }

    /// Whether the attribute must be present.
    pub fn is_required(&self) -> bool {
        self.required
    }

    /// Whether string values compare case-sensitively.
    pub fn is_case_exact(&self) -> bool {
        self.case_exact
    }

    /// The mutability.
    pub fn mutability(&self) -> Mutability {
        self.mutability
    }

    /// When the attribute is returned.
    pub fn returned(&self) -> Returned {
        self.returned
    }

    /// The uniqueness.
    pub fn uniqueness(&self) -> Uniqueness {
        self.uniqueness
    }

    /// The sub-attributes of a complex attribute.
    pub fn sub_attributes(&self) -> &[Attribute] {
        &self.sub_attributes
    }

    /// The sub-attribute with this name, matched case-insensitively.
    pub fn sub_attribute(&self, name: &str) -> Option<&Attribute> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }
}

/// A schema: a URN and its attributes (RFC 7643 §7).
///
/// ```
/// use okta_scim::schema::{Attribute, AttributeType, Schema};
///
/// let hr = Schema::new("urn:example:params:scim:schemas:extension:hr:2.0:User", "HR")
///     .with_attribute(Attribute::new("costCenterCode", AttributeType::String));
/// assert!(hr.attribute("COSTCENTERCODE").is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    id: String,
    name: String,
    description: String,
    attributes: Vec<Attribute>,
}

impl Schema {
    /// An empty schema with this URN and name.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            description: String::new(),
            attributes: Vec::new(),
        }
    }

    /// Adds an attribute.
    #[must_use]
    pub fn with_attribute(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    /// Sets the description.
    #[must_use]
    pub fn with_description(mut self, d: impl Into<String>) -> Self {
        self.description = d.into();
        self
    }

    /// The schema URN.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The human-readable name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The attributes.
    pub fn attributes(&self) -> &[Attribute] {
        &self.attributes
    }

    /// The attribute with this name, matched case-insensitively.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The schema as a `/Schemas` resource, with `meta.location` under `base_url`.
    pub fn to_resource(&self, base_url: &str) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Some(map) = v.as_object_mut() {
            map.insert("schemas".into(), json!([SCHEMA_SCHEMA]));
            map.insert(
                "meta".into(),
                json!({
                    "resourceType": "Schema",
                    "location": format!("{}/Schemas/{}", base_url.trim_end_matches('/'), self.id),
                }),
            );
        }
        v
    }
}

/// An extension schema attached to a resource type.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaExtension {
    /// The extension schema.
    pub schema: Arc<Schema>,
    /// Whether every resource must carry it.
    pub required: bool,
}

/// The kind of a SCIM resource this crate serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum ResourceKind {
    /// `/Users`.
    User,
    /// `/Groups`.
    Group,
}

impl ResourceKind {
    /// `"User"` or `"Group"` (`meta.resourceType`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "User",
            Self::Group => "Group",
        }
    }

    /// `"/Users"` or `"/Groups"`.
    pub fn endpoint(self) -> &'static str {
        match self {
            Self::User => "/Users",
            Self::Group => "/Groups",
        }
    }
}

/// Where an attribute path resolved.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Resolved<'a> {
    /// A defined attribute; `container` is `None` for the core schema, or the extension URN
    /// (the JSON key of the extension object).
    Known {
        /// The extension URN holding the attribute, `None` for core attributes.
        container: Option<&'a str>,
        /// The definition.
        attribute: &'a Attribute,
    },
    /// An attribute inside an extension URN the resource type does not declare. Such
    /// extensions are kept and echoed as sent; their attributes have no definition, so
    /// they compare like case-insensitive strings, numbers or booleans by JSON type.
    UndeclaredExtension,
}

/// A resource type: its core schema and extensions (RFC 7643 §6).
///
/// ```
/// use okta_scim::schema::{ResourceKind, ResourceSchema};
///
/// let users = ResourceSchema::user();
/// assert_eq!(users.kind(), ResourceKind::User);
/// assert!(users.attribute(None, "USERNAME").is_some());
/// assert!(users.attribute(Some(okta_scim::schema::ENTERPRISE_USER_SCHEMA), "employeeNumber").is_some());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceSchema {
    kind: ResourceKind,
    core: Arc<Schema>,
    extensions: Vec<SchemaExtension>,
}

impl ResourceSchema {
    /// Users: core User plus the (optional) Enterprise User extension.
    pub fn user() -> Self {
        Self {
            kind: ResourceKind::User,
            core: USER.clone(),
            extensions: vec![SchemaExtension {
                schema: ENTERPRISE.clone(),
                required: false,
            }],
        }
    }

    /// Groups: the core Group schema.
    pub fn group() -> Self {
        Self {
            kind: ResourceKind::Group,
            core: GROUP.clone(),
            extensions: Vec::new(),
        }
    }

    /// Adds an extension schema (for example the custom namespace Okta sends custom
    /// attributes in).
    #[must_use]
    pub fn with_extension(mut self, schema: Schema, required: bool) -> Self {
        self.extensions
            .retain(|e| !e.schema.id.eq_ignore_ascii_case(&schema.id));
        self.extensions.push(SchemaExtension {
            schema: Arc::new(schema),
            required,
        });
        self
    }

    /// The resource kind.
    pub fn kind(&self) -> ResourceKind {
        self.kind
    }

    /// The core schema.
    pub fn core(&self) -> &Schema {
        &self.core
    }

    /// The declared extensions.
    pub fn extensions(&self) -> &[SchemaExtension] {
        &self.extensions
    }

    /// The declared extension with this URN (case-insensitive).
    pub fn extension(&self, urn: &str) -> Option<&SchemaExtension> {
        self.extensions
            .iter()
            .find(|e| e.schema.id.eq_ignore_ascii_case(urn))
    }

    /// Whether `urn` is the core schema URN (case-insensitive).
    pub fn is_core_urn(&self, urn: &str) -> bool {
        self.core.id.eq_ignore_ascii_case(urn)
    }

    /// The definition of a top-level attribute: in the core schema (or the common
    /// attributes `id`, `externalId`, `meta`) when `urn` is `None` or the core URN, else in
    /// the named extension. `None` when it is not defined.
    pub fn attribute(&self, urn: Option<&str>, name: &str) -> Option<&Attribute> {
        match urn {
            None => self.core_attribute(name),
            Some(u) if self.is_core_urn(u) => self.core_attribute(name),
            Some(u) => self.extension(u).and_then(|e| e.schema.attribute(name)),
        }
    }

    fn core_attribute(&self, name: &str) -> Option<&Attribute> {
        COMMON
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
            .or_else(|| self.core.attribute(name))
    }

    /// Resolves a path (`urn`, attribute, optional sub-attribute) to its definition.
    /// `None` means the attribute is not defined: filters answer `invalidFilter` and
    /// PATCH answers `invalidPath` for it.
    pub fn resolve(
        &self,
        urn: Option<&str>,
        name: &str,
        sub: Option<&str>,
    ) -> Option<Resolved<'_>> {
        if let Some(u) = urn
            && !self.is_core_urn(u)
            && self.extension(u).is_none()
        {
            return Some(Resolved::UndeclaredExtension);
        }
        let top = self.attribute(urn, name)?;
        let attribute = match sub {
            None => top,
            Some(s) => top.sub_attribute(s)?,
        };
        let container = match urn {
            Some(u) if !self.is_core_urn(u) => self.extension(u).map(|e| e.schema.id.as_str()),
            _ => None,
        };
        Some(Resolved::Known {
            container,
            attribute,
        })
    }

    /// Every schema URN a resource of this type may list in `schemas`.
    pub fn schema_urns(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.core.id.as_str())
            .chain(self.extensions.iter().map(|e| e.schema.id.as_str()))
    }

    /// The `/ResourceTypes` entry for this type.
    pub fn to_resource_type(&self, base_url: &str) -> Value {
        let base = base_url.trim_end_matches('/');
        json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": self.kind.as_str(),
            "name": self.kind.as_str(),
            "endpoint": self.kind.endpoint(),
            "description": match self.kind { ResourceKind::User => "User Account", ResourceKind::Group => "Group" },
            "schema": self.core.id,
            "schemaExtensions": self.extensions.iter()
                .map(|e| json!({"schema": e.schema.id, "required": e.required}))
                .collect::<Vec<_>>(),
            "meta": {
                "resourceType": "ResourceType",
                "location": format!("{base}/ResourceTypes/{}", self.kind.as_str()),
            },
        })
    }
}

use AttributeType as T;

fn s(name: &str) -> Attribute {
    Attribute::new(name, T::String)
}

fn multi(name: &str, value_ty: AttributeType, types: &[&str]) -> Attribute {
    let mut value = Attribute::new("value", value_ty);
    if value_ty == T::Reference {
        // RFC 7643 §4.1.2: `photos.value` is an external URI.
        value = value.with_reference_types(&["external"]);
    }
    Attribute::complex(
        name,
        vec![
            value,
            s("display"),
            s("type").with_canonical_values(types),
            Attribute::new("primary", T::Boolean),
        ],
    )
    .multi_valued()
}

/// `id`, `externalId` and `meta`, common to every resource (RFC 7643 §3.1). They are not
/// listed in `/Schemas` (the RFC's own schema representations leave them out).
static COMMON: LazyLock<Vec<Attribute>> = LazyLock::new(|| {
    vec![
        s("id")
            .case_exact(true)
            .with_mutability(Mutability::ReadOnly)
            .with_returned(Returned::Always)
            .with_uniqueness(Uniqueness::Server),
        s("externalId").case_exact(true),
        Attribute::complex(
            "meta",
            vec![
                s("resourceType")
                    .case_exact(true)
                    .with_mutability(Mutability::ReadOnly),
                Attribute::new("created", T::DateTime).with_mutability(Mutability::ReadOnly),
                Attribute::new("lastModified", T::DateTime).with_mutability(Mutability::ReadOnly),
                Attribute::new("location", T::Reference)
                    .with_reference_types(&["uri"])
                    .case_exact(true)
                    .with_mutability(Mutability::ReadOnly),
                s("version")
                    .case_exact(true)
                    .with_mutability(Mutability::ReadOnly),
            ],
        )
        .with_mutability(Mutability::ReadOnly),
    ]
});

static USER: LazyLock<Arc<Schema>> = LazyLock::new(|| {
    let name = Attribute::complex(
        "name",
        vec![
            s("formatted"),
            s("familyName"),
            s("givenName"),
            s("middleName"),
            s("honorificPrefix"),
            s("honorificSuffix"),
        ],
    );
    let addresses = Attribute::complex(
        "addresses",
        vec![
            s("formatted"),
            s("streetAddress"),
            s("locality"),
            s("region"),
            s("postalCode"),
            s("country"),
            s("type").with_canonical_values(&["work", "home", "other"]),
            Attribute::new("primary", T::Boolean),
        ],
    )
    .multi_valued();
    let groups = Attribute::complex(
        "groups",
        vec![
            s("value").with_mutability(Mutability::ReadOnly),
            Attribute::new("$ref", T::Reference)
                .with_reference_types(&["User", "Group"])
                .with_mutability(Mutability::ReadOnly),
            s("display").with_mutability(Mutability::ReadOnly),
            s("type")
                .with_canonical_values(&["direct", "indirect"])
                .with_mutability(Mutability::ReadOnly),
        ],
    )
    .multi_valued()
    .with_mutability(Mutability::ReadOnly);
    let schema = Schema::new(USER_SCHEMA, "User")
        .with_description("User Account")
        .with_attribute(s("userName").required().with_uniqueness(Uniqueness::Server))
        .with_attribute(name)
        .with_attribute(s("displayName"))
        .with_attribute(s("nickName"))
        .with_attribute(
            Attribute::new("profileUrl", T::Reference).with_reference_types(&["external"]),
        )
        .with_attribute(s("title"))
        .with_attribute(s("userType"))
        .with_attribute(s("preferredLanguage"))
        .with_attribute(s("locale"))
        .with_attribute(s("timezone"))
        .with_attribute(Attribute::new("active", T::Boolean))
        .with_attribute(
            s("password")
                .with_mutability(Mutability::WriteOnly)
                .with_returned(Returned::Never),
        )
        .with_attribute(multi("emails", T::String, &["work", "home", "other"]))
        .with_attribute(multi(
            "phoneNumbers",
            T::String,
            &["work", "home", "mobile", "fax", "pager", "other"],
        ))
        .with_attribute(multi(
            "ims",
            T::String,
            &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
        ))
        .with_attribute(multi("photos", T::Reference, &["photo", "thumbnail"]))
        .with_attribute(addresses)
        .with_attribute(groups)
        .with_attribute(multi("entitlements", T::String, &[]))
        .with_attribute(multi("roles", T::String, &[]))
        .with_attribute(multi("x509Certificates", T::Binary, &[]));
    Arc::new(schema)
});

static ENTERPRISE: LazyLock<Arc<Schema>> = LazyLock::new(|| {
    Arc::new(
        Schema::new(ENTERPRISE_USER_SCHEMA, "EnterpriseUser")
            .with_description("Enterprise User")
            .with_attribute(s("employeeNumber"))
            .with_attribute(s("costCenter"))
            .with_attribute(s("organization"))
            .with_attribute(s("division"))
            .with_attribute(s("department"))
            .with_attribute(Attribute::complex(
                "manager",
                vec![
                    s("value"),
                    Attribute::new("$ref", T::Reference).with_reference_types(&["User"]),
                    s("displayName").with_mutability(Mutability::ReadOnly),
                ],
            )),
    )
});

static GROUP: LazyLock<Arc<Schema>> = LazyLock::new(|| {
    Arc::new(
        Schema::new(GROUP_SCHEMA, "Group")
            .with_description("Group")
            .with_attribute(
                s("displayName")
                    .required()
                    .with_uniqueness(Uniqueness::Server),
            )
            .with_attribute(
                Attribute::complex(
                    "members",
                    vec![
                        s("value")
                            .case_exact(true)
                            .with_mutability(Mutability::Immutable),
                        Attribute::new("$ref", T::Reference)
                            .with_reference_types(&["User", "Group"])
                            .with_mutability(Mutability::Immutable),
                        s("display"),
                        s("type")
                            .with_canonical_values(&["User", "Group"])
                            .with_mutability(Mutability::Immutable),
                    ],
                )
                .multi_valued(),
            ),
    )
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_core_common_extension_and_undeclared_paths() {
        let u = ResourceSchema::user();
        assert!(matches!(
            u.resolve(None, "emails", Some("VALUE")),
            Some(Resolved::Known { container: None, attribute }) if attribute.name() == "value"
        ));
        assert!(matches!(
            u.resolve(Some(USER_SCHEMA), "ID", None),
            Some(Resolved::Known { attribute, .. }) if attribute.is_case_exact()
        ));
        assert!(matches!(
            u.resolve(
                Some(&ENTERPRISE_USER_SCHEMA.to_uppercase()),
                "manager",
                Some("value")
            ),
            Some(Resolved::Known {
                container: Some(ENTERPRISE_USER_SCHEMA),
                ..
            })
        ));
        assert_eq!(
            u.resolve(Some("urn:example:custom:1.0:User"), "anything", None),
            Some(Resolved::UndeclaredExtension)
        );
        assert_eq!(u.resolve(None, "nosuch", None), None);
        assert_eq!(u.resolve(None, "name", Some("nosuch")), None);
    }

    #[test]
    fn every_reference_attribute_declares_its_reference_types() {
        // RFC 7643 §7: referenceTypes is required when type is "reference".
        fn check(a: &Attribute, path: &str) {
            let path = format!("{path}.{}", a.name());
            if a.ty() == AttributeType::Reference {
                assert!(!a.reference_types.is_empty(), "{path}");
            }
            for sub in a.sub_attributes() {
                check(sub, &path);
            }
        }
        for rs in [ResourceSchema::user(), ResourceSchema::group()] {
            for a in rs.core().attributes().iter().chain(COMMON.iter()) {
                check(a, rs.core().id());
            }
            for e in rs.extensions() {
                for a in e.schema.attributes() {
                    check(a, e.schema.id());
                }
            }
        }
    }

    #[test]
    fn schema_resource_has_meta_and_attributes() {
        let v = ResourceSchema::group()
            .core()
            .to_resource("http://h/scim/v2/");
        assert_eq!(v["id"], GROUP_SCHEMA);
        assert_eq!(
            v["meta"]["location"],
            format!("http://h/scim/v2/Schemas/{GROUP_SCHEMA}")
        );
        assert_eq!(
            v["attributes"][1]["subAttributes"][0]["mutability"],
            "immutable"
        );
        assert_eq!(v["attributes"][0]["uniqueness"], "server");
    }
}
