//! [`MappedUser`]: what Okta receives about one person, with the provenance of each value.

use std::sync::Arc;

use hr_core::{EmployeeId, LifecycleState};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::config::Flow;
use crate::mapper::Compiled;
use crate::target::{SCIM_ENTERPRISE_SCHEMA, SCIM_USER_SCHEMA, ScimTarget};

/// How a rule produced its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// From the expression.
    Value,
    /// The expression had no value; the rule's default was used.
    Default,
    /// The expression had no value; the attribute is cleared.
    Cleared,
    /// The expression had no value; the attribute is left alone.
    Skipped,
}

/// One rule's result for one person: where its value sits in the person's text buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RuleValue {
    pub(crate) span: Option<(u32, u32)>,
    pub(crate) outcome: Outcome,
    pub(crate) alternative: Option<usize>,
    /// The alternatives the template slots of the chosen alternative used.
    pub(crate) choices: crate::expr::SlotChoices,
}

/// Why a value is what it is: the rule, the source fields behind it, the transforms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Provenance {
    /// Where the value goes: `okta:firstName`, `scim:name.givenName`.
    pub targets: Vec<String>,
    /// The rule's number in the configuration (1-based).
    pub rule: usize,
    /// The rule's expression as written.
    pub expression: String,
    /// The source fields of the alternative that gave the value (empty for literals and
    /// defaults).
    pub sources: Vec<String>,
    /// Which alternative of a `|` chain gave the value (0 = the first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alternative: Option<usize>,
    /// The transforms applied, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub transforms: Vec<String>,
    /// How the value came about.
    pub outcome: Outcome,
    /// The value (`None` when skipped or cleared).
    pub value: Option<String>,
    /// When it flows.
    pub flow: Flow,
}

/// One Okta attribute of a mapped person, borrowed (see [`MappedUser::okta_entries`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct OktaEntry<'a> {
    /// The Okta attribute.
    pub name: &'a str,
    /// The value; `None` when the rule clears the attribute.
    pub value: Option<&'a str>,
    /// When it flows (create-only attributes are set on create only).
    pub flow: Flow,
}

/// One person, mapped: the Okta profile, the SCIM User resource, the login, the active
/// flag and the provenance of every value.
#[derive(Debug, Clone)]
pub struct MappedUser {
    employee: EmployeeId,
    state: LifecycleState,
    active: bool,
    compiled: Arc<Compiled>,
    /// Every value of the person, one after the other: one allocation per person.
    text: String,
    values: Vec<RuleValue>,
    login: Option<usize>,
}

impl MappedUser {
    pub(crate) fn new(
        employee: EmployeeId,
        state: LifecycleState,
        active: bool,
        compiled: Arc<Compiled>,
        text: String,
        values: Vec<RuleValue>,
        login: Option<usize>,
    ) -> Self {
        Self {
            employee,
            state,
            active,
            compiled,
            text,
            values,
            login,
        }
    }

    fn value(&self, v: &RuleValue) -> Option<&str> {
        v.span
            .and_then(|(a, b)| self.text.get(a as usize..b as usize))
    }

    /// The person's HR key.
    pub fn employee_id(&self) -> &EmployeeId {
        &self.employee
    }

    /// The lifecycle state the mapping was made for.
    pub fn state(&self) -> LifecycleState {
        self.state
    }

    /// Whether the account should be active (the state is `active`).
    pub fn active(&self) -> bool {
        self.active
    }

    /// The Okta login.
    pub fn login(&self) -> Option<&str> {
        self.login
            .and_then(|i| self.values.get(i))
            .and_then(|v| self.value(v))
    }

    fn okta_values(&self, include_create_only: bool) -> Map<String, Value> {
        let mut out = Map::new();
        for (rule, v) in self.compiled.rules.iter().zip(&self.values) {
            let Some(name) = &rule.okta else { continue };
            if rule.flow == Flow::CreateOnly && !include_create_only {
                continue;
            }
            match (self.value(v), v.outcome) {
                (Some(value), _) => {
                    out.insert(name.clone(), Value::String(value.to_owned()));
                }
                (None, Outcome::Cleared) => {
                    out.insert(name.clone(), Value::Null);
                }
                (None, _) => {}
            }
        }
        out
    }

    /// The value a rule gives its Okta attribute: `Some(Some(text))`, `Some(None)` when
    /// cleared, `None` when skipped or when the rule has no Okta attribute.
    fn okta_entry(&self, i: usize) -> Option<OktaEntry<'_>> {
        let rule = self.compiled.rules.get(i)?;
        let name = rule.okta.as_deref()?;
        let v = self.values.get(i)?;
        let value = match (self.value(v), v.outcome) {
            (Some(value), _) => Some(value),
            (None, Outcome::Cleared) => None,
            (None, _) => return None,
        };
        Some(OktaEntry {
            name,
            value,
            flow: rule.flow,
        })
    }

    /// The Okta attributes, borrowed, in name order, each once (the last rule with a
    /// result wins, as in [`okta_profile`](Self::okta_profile)); skipped attributes are
    /// left out. Nothing is allocated: this is how a diff against a stored profile reads
    /// the values.
    ///
    /// ```
    /// use hr_core::{Contact, Employee, EmployeeId, LifecyclePolicy, PersonName};
    /// let mapper = mapping::Mapper::preset("okta-default")?;
    /// let ada = Employee::new(EmployeeId::new("7")?, PersonName::new("Ada", "Lovelace"))
    ///     .with_contact(Contact::default().with_work_email("ada@acme.example"));
    /// let user = mapper.map(&ada, &LifecyclePolicy::default().evaluate(&ada, chrono::Utc::now()))?;
    /// let first = user.okta_entries().find(|e| e.name == "firstName").unwrap();
    /// assert_eq!(first.value, Some("Ada"));
    /// assert_eq!(user.okta_entries().count(), user.okta_profile().len());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn okta_entries(&self) -> impl Iterator<Item = OktaEntry<'_>> + '_ {
        let order = &self.compiled.okta_order;
        order.iter().enumerate().filter_map(move |(k, &i)| {
            let entry = self.okta_entry(i)?;
            let overridden = order[k + 1..]
                .iter()
                .take_while(|&&j| self.compiled.rules[j].okta.as_deref() == Some(entry.name))
                .any(|&j| self.okta_entry(j).is_some());
            (!overridden).then_some(entry)
        })
    }

    /// The Okta user profile for a create: every value, `null` for cleared attributes.
    pub fn okta_profile(&self) -> Map<String, Value> {
        self.okta_values(true)
    }

    /// The Okta user profile for an update: as [`okta_profile`](Self::okta_profile) without
    /// the create-only attributes.
    pub fn okta_update_profile(&self) -> Map<String, Value> {
        self.okta_values(false)
    }

    /// The SCIM 2.0 User resource (without `id` and `meta`, which the server assigns): core
    /// attributes, the enterprise extension and the custom extension when they have values.
    ///
    /// It always holds the freshly computed values; a server answering Okta keeps the
    /// stored value of the attributes in [`scim_create_only`](Self::scim_create_only)
    /// (`userName` in every preset) once the user exists.
    pub fn scim_user(&self) -> Value {
        let mut user = Map::new();
        let mut name = Map::new();
        let mut emails: Vec<Value> = Vec::new();
        let mut phones: Vec<Value> = Vec::new();
        let mut primary_phone = None;
        let mut addresses: Vec<(&str, Map<String, Value>)> = Vec::new();
        let mut enterprise = Map::new();
        let mut manager = Map::new();
        let mut custom = Map::new();
        for (rule, v) in self.compiled.rules.iter().zip(&self.values) {
            let (Some(target), Some(value)) = (&rule.scim, self.value(v)) else {
                continue;
            };
            let text = Value::String(value.to_owned());
            match target {
                ScimTarget::Core(n) => {
                    user.insert((*n).to_owned(), text);
                }
                ScimTarget::Name(n) => {
                    name.insert((*n).to_owned(), text);
                }
                ScimTarget::Email(kind) => emails.push(json!({"value": value, "type": kind})),
                ScimTarget::Phone(kind) => {
                    // Okta reads `phoneNumbers.^[primary==true]` as primaryPhone.
                    if rule.okta.as_deref() == Some("primaryPhone") {
                        primary_phone = Some(phones.len());
                    }
                    phones.push(json!({"value": value, "type": kind}));
                }
                ScimTarget::Address(kind, field) => {
                    let at = match addresses.iter().position(|(k, _)| k == kind) {
                        Some(at) => at,
                        None => {
                            addresses.push((kind, Map::new()));
                            addresses.len() - 1
                        }
                    };
                    addresses[at].1.insert((*field).to_owned(), text);
                }
                ScimTarget::Enterprise(n) => match n.strip_prefix("manager.") {
                    Some(sub) => {
                        manager.insert(sub.to_owned(), text);
                    }
                    None => {
                        enterprise.insert((*n).to_owned(), text);
                    }
                },
                ScimTarget::Custom(n) => {
                    custom.insert(n.clone(), text);
                }
            }
        }
        // Primary: the work e-mail (else the first); the phone that is Okta's primaryPhone,
        // else the work phone, else the first; the work address, else the first.
        let primary_email = emails.iter().position(|e| e["type"] == "work").unwrap_or(0);
        for (i, e) in emails.iter_mut().enumerate() {
            e["primary"] = Value::Bool(i == primary_email);
        }
        let primary_phone = primary_phone
            .or_else(|| phones.iter().position(|p| p["type"] == "work"))
            .unwrap_or(0);
        for (i, p) in phones.iter_mut().enumerate() {
            p["primary"] = Value::Bool(i == primary_phone);
        }
        let mut schemas = vec![Value::from(SCIM_USER_SCHEMA)];
        if !name.is_empty() {
            user.insert("name".into(), Value::Object(name));
        }
        if !emails.is_empty() {
            user.insert("emails".into(), Value::Array(emails));
        }
        if !phones.is_empty() {
            user.insert("phoneNumbers".into(), Value::Array(phones));
        }
        if !addresses.is_empty() {
            let primary = addresses
                .iter()
                .position(|(k, _)| *k == "work")
                .unwrap_or(0);
            let list = addresses
                .into_iter()
                .enumerate()
                .map(|(i, (kind, mut fields))| {
                    fields.insert("type".into(), Value::from(kind));
                    fields.insert("primary".into(), Value::Bool(i == primary));
                    Value::Object(fields)
                })
                .collect();
            user.insert("addresses".into(), Value::Array(list));
        }
        user.insert("active".into(), Value::Bool(self.active));
        if !manager.is_empty() {
            enterprise.insert("manager".into(), Value::Object(manager));
        }
        if !enterprise.is_empty() {
            schemas.push(Value::from(SCIM_ENTERPRISE_SCHEMA));
            user.insert(SCIM_ENTERPRISE_SCHEMA.into(), Value::Object(enterprise));
        }
        if !custom.is_empty() {
            schemas.push(Value::from(self.compiled.custom_schema.as_str()));
            user.insert(self.compiled.custom_schema.clone(), Value::Object(custom));
        }
        user.insert("schemas".into(), Value::Array(schemas));
        Value::Object(user)
    }

    /// The SCIM attributes whose rules flow on create only (`userName` in every preset).
    pub fn scim_create_only(&self) -> Vec<String> {
        self.compiled
            .rules
            .iter()
            .filter(|r| r.flow == Flow::CreateOnly)
            .filter_map(|r| r.scim.as_ref().map(ToString::to_string))
            .collect()
    }

    /// The Okta profile for a create as a borrowed view that serializes straight to JSON
    /// (`serde_json::to_vec(&user.okta_profile_view(true))`) without building a map;
    /// `create = false` leaves out the create-only attributes.
    pub fn okta_profile_view(&self, create: bool) -> OktaProfileView<'_> {
        OktaProfileView { user: self, create }
    }

    /// The provenance of every rule's result, in rule order.
    pub fn provenance(&self) -> Vec<Provenance> {
        self.compiled
            .rules
            .iter()
            .zip(&self.values)
            .map(|(rule, v)| Provenance {
                targets: rule.targets(),
                rule: rule.number,
                expression: rule.from.clone(),
                sources: match v.outcome {
                    Outcome::Value => rule.sources(v.alternative, v.choices),
                    _ => Vec::new(),
                },
                alternative: v.alternative,
                transforms: rule.transforms.iter().map(ToString::to_string).collect(),
                outcome: v.outcome,
                value: self.value(v).map(str::to_owned),
                flow: rule.flow,
            })
            .collect()
    }

    /// The provenance of the value of one target (`okta:firstName`, `scim:userName`).
    pub fn explain(&self, target: &str) -> Option<Provenance> {
        self.provenance()
            .into_iter()
            .find(|p| p.targets.iter().any(|t| t == target))
    }
}

/// The Okta profile of a [`MappedUser`], serialized without an intermediate map.
///
/// ```
/// # use hr_core::conformance::Fixture;
/// let fixture = Fixture::standard();
/// let anouk = &fixture.employees[0];
/// let user = mapping::Mapper::preset("okta-default")?
///     .map(anouk, &fixture.policy.evaluate(anouk, fixture.reference_time))?;
/// let json = serde_json::to_value(user.okta_profile_view(true))?;
/// assert_eq!(json, serde_json::Value::Object(user.okta_profile()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct OktaProfileView<'a> {
    user: &'a MappedUser,
    create: bool,
}

impl Serialize for OktaProfileView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let user = self.user;
        // Keys in name order, as in `okta_profile()`; the order is computed once per mapper.
        let entries = user.compiled.okta_order.iter().filter_map(|&i| {
            let rule = &user.compiled.rules[i];
            let v = user.values.get(i)?;
            if !self.create && rule.flow == Flow::CreateOnly {
                return None;
            }
            let name = rule.okta.as_deref()?;
            match (user.value(v), v.outcome) {
                (Some(value), _) => Some((name, Some(value))),
                (None, Outcome::Cleared) => Some((name, None)),
                (None, _) => None,
            }
        });
        let mut map = serializer.serialize_map(None)?;
        for (name, value) in entries {
            map.serialize_entry(name, &value)?;
        }
        map.end()
    }
}
