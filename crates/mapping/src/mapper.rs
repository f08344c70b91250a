//! [`Mapper`]: a configuration compiled once, applied to each person.

use std::fmt;
use std::sync::Arc;

use hr_core::{Employee, EmployeeId, LifecycleDecision, LifecycleState};

use crate::config::{Flow, MappingConfig, OnNull, RuleConfig};
use crate::expr::{self, Expr};
use crate::field::Input;
use crate::output::{MappedUser, Outcome, RuleValue};
use crate::target::{self, Check, OKTA_REQUIRED, ScimTarget};
use crate::transform::{Transform, TransformError};

/// A configuration problem, found when the mapping is compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
#[non_exhaustive]
pub struct ConfigError {
    /// The rule's number (1-based), when the problem is in a rule.
    pub rule: Option<usize>,
    /// The rule's setting: `from`, `okta`, `scim`, `transforms[2]`, …
    pub setting: Option<String>,
    /// The byte offset in that setting's text, when known.
    pub position: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl ConfigError {
    fn describe(&self) -> String {
        let mut out = String::new();
        if let Some(rule) = self.rule {
            out.push_str(&format!("rule {rule}"));
        }
        if let Some(setting) = &self.setting {
            out.push_str(&format!(
                "{}{setting}",
                if out.is_empty() { "" } else { ", " }
            ));
        }
        if let Some(at) = self.position {
            out.push_str(&format!(" at {at}"));
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&self.message);
        out
    }

    fn at(
        rule: usize,
        setting: impl Into<String>,
        position: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            rule: Some(rule),
            setting: Some(setting.into()),
            position,
            message: message.into(),
        }
    }
}

/// Every problem of a configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the mapping has {} problem(s): {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct ConfigErrors(pub Vec<ConfigError>);

/// What is wrong with one value for one person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MappingErrorKind {
    /// A required attribute has no value.
    #[error("no value (required)")]
    Missing,
    /// Too short for the target.
    #[error("{len} characters, at least {min} needed")]
    TooShort {
        /// The minimum.
        min: usize,
        /// The value's length in characters.
        len: usize,
    },
    /// Too long for the target.
    #[error("{len} characters, at most {max} allowed")]
    TooLong {
        /// The maximum.
        max: usize,
        /// The value's length in characters.
        len: usize,
    },
    /// Not shaped like an e-mail address.
    #[error("{value:?} is not an e-mail address")]
    NotAnEmail {
        /// The value.
        value: String,
    },
    /// Not an ISO 3166 alpha-2 code.
    #[error("{value:?} is not an ISO 3166 alpha-2 country code")]
    NotACountryCode {
        /// The value.
        value: String,
    },
    /// A character outside the Basic Multilingual Plane, which Okta rejects.
    #[error("contains {character:?}, a 4-byte UTF-8 character Okta does not store")]
    FourByteCharacter {
        /// The character.
        character: char,
    },
    /// A transform failed.
    #[error("{0}")]
    Transform(TransformError),
}

/// One value of one person that cannot be delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("employee {employee}, {target}: {kind}")]
#[non_exhaustive]
pub struct MappingError {
    /// The person.
    pub employee: EmployeeId,
    /// The target: `okta:login`, `scim:emails`, …
    pub target: String,
    /// What is wrong.
    pub kind: MappingErrorKind,
}

/// Every problem of one person: the person is not delivered, nothing is dropped silently.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct MappingErrors(pub Vec<MappingError>);

/// A compiled rule.
#[derive(Debug)]
pub(crate) struct Rule {
    pub(crate) number: usize,
    pub(crate) from: String,
    pub(crate) expr: Expr,
    pub(crate) transforms: Vec<Transform>,
    on_null: OnNull,
    default: Option<String>,
    pub(crate) flow: Flow,
    pub(crate) okta: Option<String>,
    pub(crate) scim: Option<ScimTarget>,
    checks: &'static [Check],
}

impl Rule {
    /// `okta:firstName`, `scim:name.givenName` or both, for messages.
    pub(crate) fn targets(&self) -> Vec<String> {
        let mut out = Vec::with_capacity(2);
        if let Some(o) = &self.okta {
            out.push(format!("okta:{o}"));
        }
        if let Some(s) = &self.scim {
            out.push(format!("scim:{s}"));
        }
        out
    }

    pub(crate) fn sources(
        &self,
        alternative: Option<usize>,
        choices: crate::expr::SlotChoices,
    ) -> Vec<String> {
        self.expr
            .fields(alternative, choices)
            .into_iter()
            .map(|f| f.path().into_owned())
            .collect()
    }
}

/// The shared, immutable part of a mapper.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub(crate) name: Option<String>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) custom_schema: String,
    okta_login: Option<usize>,
    /// The rules with an Okta target, by attribute name: the order of the profile's keys.
    pub(crate) okta_order: Vec<usize>,
}

/// A mapping configuration, compiled once and applied to each person: cheap to clone,
/// `Send + Sync`.
///
/// ```
/// use hr_core::conformance::Fixture;
/// use mapping::Mapper;
///
/// let mapper = Mapper::preset("okta-default")?;
/// let fixture = Fixture::standard();
/// let anouk = &fixture.employees[0];
/// let decision = fixture.policy.evaluate(anouk, fixture.reference_time);
/// let user = mapper.map(anouk, &decision)?;
/// assert_eq!(user.login(), Some("anouk.vries@acme.example"));
/// assert_eq!(user.okta_profile()["lastName"], "Bakker-de Vries");
/// assert!(user.active());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Mapper {
    compiled: Arc<Compiled>,
}

/// The presets: `iamconnector`, `humaans`, `okta-default`.
pub const PRESETS: [&str; 3] = ["iamconnector", "humaans", "okta-default"];

impl Mapper {
    /// A built-in preset (see [`PRESETS`] and the crate documentation).
    ///
    /// # Errors
    /// [`ConfigErrors`] when `name` is not a preset.
    pub fn preset(name: &str) -> Result<Self, ConfigErrors> {
        let text = match name {
            "iamconnector" => include_str!("../presets/iamconnector.toml"),
            "humaans" => include_str!("../presets/humaans.toml"),
            "okta-default" => include_str!("../presets/okta-default.toml"),
            other => {
                return Err(ConfigErrors(vec![ConfigError {
                    rule: None,
                    setting: None,
                    position: None,
                    message: format!(
                        "no preset {other:?}; the presets are {}",
                        PRESETS.join(", ")
                    ),
                }]));
            }
        };
        Self::from_toml(text)
    }

    /// A mapping from TOML.
    ///
    /// # Errors
    /// [`ConfigErrors`]: the TOML error with its line and column, or every rule problem.
    pub fn from_toml(text: &str) -> Result<Self, ConfigErrors> {
        let config: MappingConfig = toml::from_str(text).map_err(|e| {
            ConfigErrors(vec![ConfigError {
                rule: None,
                setting: None,
                position: e.span().map(|s| s.start),
                message: e.to_string().trim().to_owned(),
            }])
        })?;
        Self::compile(&config)
    }

    /// A mapping from JSON.
    ///
    /// # Errors
    /// [`ConfigErrors`]: the JSON error with its line and column, or every rule problem.
    pub fn from_json(text: &str) -> Result<Self, ConfigErrors> {
        let config: MappingConfig = serde_json::from_str(text).map_err(|e| {
            ConfigErrors(vec![ConfigError {
                rule: None,
                setting: None,
                position: None,
                message: format!("line {}, column {}: {e}", e.line(), e.column()),
            }])
        })?;
        Self::compile(&config)
    }

    /// Compiles a configuration, reporting every problem at once.
    ///
    /// # Errors
    /// [`ConfigErrors`] listing each rule problem with its rule, setting and position, and
    /// each required target that no rule sets.
    pub fn compile(config: &MappingConfig) -> Result<Self, ConfigErrors> {
        let mut errors = Vec::new();
        let mut rules = Vec::new();
        for (i, rc) in config.rules.iter().enumerate() {
            match compile_rule(i + 1, rc) {
                Ok(rule) => rules.push(rule),
                Err(mut e) => errors.append(&mut e),
            }
        }
        for r in &rules {
            check_static_values(r, &mut errors);
        }
        let mut seen_okta = std::collections::BTreeMap::new();
        let mut seen_scim = std::collections::BTreeMap::new();
        for r in &rules {
            if let Some(o) = &r.okta
                && let Some(first) = seen_okta.insert(o.clone(), r.number)
            {
                errors.push(ConfigError::at(
                    r.number,
                    "okta",
                    None,
                    format!("`{o}` is already set by rule {first}"),
                ));
            }
            if let Some(s) = &r.scim
                && let Some(first) = seen_scim.insert(s.clone(), r.number)
            {
                errors.push(ConfigError::at(
                    r.number,
                    "scim",
                    None,
                    format!("`{s}` is already set by rule {first}"),
                ));
            }
        }
        if errors.is_empty() {
            let missing_okta = OKTA_REQUIRED
                .iter()
                .filter(|n| !seen_okta.contains_key(**n));
            let missing_scim = ["userName", "name.givenName", "name.familyName"]
                .into_iter()
                .filter(|p| ScimTarget::parse(p).is_some_and(|t| !seen_scim.contains_key(&t)));
            for name in missing_okta {
                errors.push(ConfigError {
                    rule: None,
                    setting: Some("okta".into()),
                    position: None,
                    message: format!("no rule sets the required Okta attribute `{name}`"),
                });
            }
            for name in missing_scim {
                errors.push(ConfigError {
                    rule: None,
                    setting: Some("scim".into()),
                    position: None,
                    message: format!("no rule sets the required SCIM attribute `{name}`"),
                });
            }
            if !seen_scim.keys().any(|t| matches!(t, ScimTarget::Email(_))) {
                errors.push(ConfigError {
                    rule: None,
                    setting: Some("scim".into()),
                    position: None,
                    message:
                        "no rule sets a SCIM e-mail (`emails.work`, …); Okta's import needs one"
                            .into(),
                });
            }
        }
        let custom_schema = config
            .scim
            .custom_schema
            .clone()
            .unwrap_or_else(|| target::DEFAULT_CUSTOM_SCHEMA.to_owned());
        if !custom_schema.starts_with("urn:") {
            errors.push(ConfigError {
                rule: None,
                setting: Some("scim.custom_schema".into()),
                position: None,
                message: format!("{custom_schema:?} is not a URN"),
            });
        }
        if !errors.is_empty() {
            return Err(ConfigErrors(errors));
        }
        let okta_login = rules
            .iter()
            .position(|r| r.okta.as_deref() == Some("login"));
        let mut okta_order: Vec<usize> = (0..rules.len())
            .filter(|&i| rules[i].okta.is_some())
            .collect();
        okta_order.sort_by(|&a, &b| rules[a].okta.cmp(&rules[b].okta));
        Ok(Self {
            compiled: Arc::new(Compiled {
                name: config.name.clone(),
                rules,
                custom_schema,
                okta_login,
                okta_order,
            }),
        })
    }

    /// The configuration's name, if it has one.
    pub fn name(&self) -> Option<&str> {
        self.compiled.name.as_deref()
    }

    /// Maps one person, with their lifecycle decision.
    ///
    /// # Errors
    /// [`MappingErrors`] with every value that cannot be delivered: a required attribute
    /// without a value, a value the target rejects, a failed transform. Never panics.
    pub fn map(
        &self,
        employee: &Employee,
        decision: &LifecycleDecision,
    ) -> Result<MappedUser, MappingErrors> {
        let input = Input { employee, decision };
        let c = &*self.compiled;
        let mut values = Vec::with_capacity(c.rules.len());
        let mut text = String::with_capacity(c.rules.len() * 24);
        let mut errors = Vec::new();
        for rule in &c.rules {
            let start = text.len();
            let mut choices = crate::expr::NO_CHOICES;
            let (outcome, alternative) = match evaluate(rule, input, &mut text) {
                Ok(Some((alternative, slots))) => {
                    choices = slots;
                    (Outcome::Value, Some(alternative))
                }
                Ok(None) => match (&rule.default, rule.on_null) {
                    (Some(default), _) => {
                        text.push_str(default);
                        (Outcome::Default, None)
                    }
                    (None, OnNull::Clear) => (Outcome::Cleared, None),
                    (None, _) => (Outcome::Skipped, None),
                },
                Err(e) => {
                    push_all(&mut errors, employee, rule, MappingErrorKind::Transform(e));
                    (Outcome::Skipped, None)
                }
            };
            let span = (text.len() > start).then(|| {
                check(&text[start..], rule, employee, &mut errors);
                (
                    u32::try_from(start).unwrap_or(u32::MAX),
                    u32::try_from(text.len()).unwrap_or(u32::MAX),
                )
            });
            values.push(RuleValue {
                span,
                outcome,
                alternative,
                choices,
            });
        }
        required(c, &values, employee, &mut errors);
        if !errors.is_empty() {
            return Err(MappingErrors(errors));
        }
        Ok(MappedUser::new(
            employee.id.clone(),
            decision.state,
            decision.state == LifecycleState::Active,
            Arc::clone(&self.compiled),
            text,
            values,
            c.okta_login,
        ))
    }
}

/// Appends the rule's value after its transforms to `out` and returns the alternative it
/// came from; `None` (and nothing appended) when no alternative has a value or the
/// transforms leave nothing.
fn evaluate(
    rule: &Rule,
    input: Input<'_>,
    out: &mut String,
) -> Result<Option<(usize, crate::expr::SlotChoices)>, TransformError> {
    let Some((mut value, alternative, choices)) = rule.expr.eval(input) else {
        return Ok(None);
    };
    for t in &rule.transforms {
        value = t.apply(value)?;
    }
    if value.trim().is_empty() {
        return Ok(None);
    }
    out.push_str(&value);
    Ok(Some((alternative, choices)))
}

fn push_all(
    errors: &mut Vec<MappingError>,
    employee: &Employee,
    rule: &Rule,
    kind: MappingErrorKind,
) {
    for target in rule.targets() {
        errors.push(MappingError {
            employee: employee.id.clone(),
            target,
            kind: kind.clone(),
        });
    }
}

/// Target rules for a value: no 4-byte characters for Okta, and the attribute's own checks.
fn check(value: &str, rule: &Rule, employee: &Employee, errors: &mut Vec<MappingError>) {
    let Some(okta) = &rule.okta else { return };
    for kind in violations(value, rule.checks) {
        errors.push(MappingError {
            employee: employee.id.clone(),
            target: format!("okta:{okta}"),
            kind,
        });
    }
}

/// What an Okta attribute with `checks` finds wrong with `value` (no allocation when
/// nothing is).
fn violations(value: &str, checks: &[Check]) -> Vec<MappingErrorKind> {
    let mut out = Vec::new();
    let ascii = value.is_ascii();
    if !ascii && let Some(character) = value.chars().find(|c| c.len_utf8() == 4) {
        out.push(MappingErrorKind::FourByteCharacter { character });
    }
    for c in checks {
        let broken = match c {
            Check::Length(min, max) => {
                let len = if ascii {
                    value.len()
                } else {
                    value.chars().count()
                };
                if len < *min {
                    Some(MappingErrorKind::TooShort { min: *min, len })
                } else if len > *max {
                    Some(MappingErrorKind::TooLong { max: *max, len })
                } else {
                    None
                }
            }
            Check::Email => (!target::is_email(value)).then(|| MappingErrorKind::NotAnEmail {
                value: value.to_owned(),
            }),
            Check::CountryCode => {
                (!target::is_country_code(value)).then(|| MappingErrorKind::NotACountryCode {
                    value: value.to_owned(),
                })
            }
        };
        out.extend(broken);
    }
    out
}

/// Values known when the mapping is compiled (a default, a `from` that is one literal)
/// must already suit their Okta attribute: such a mistake is a configuration error, not
/// one error per person.
fn check_static_values(rule: &Rule, errors: &mut Vec<ConfigError>) {
    if rule.okta.is_none() {
        return;
    }
    if let Some(default) = &rule.default {
        for kind in violations(default, rule.checks) {
            errors.push(ConfigError::at(
                rule.number,
                "default",
                None,
                format!("the default {default:?}: {kind}"),
            ));
        }
    }
    if let [crate::expr::Term::Literal(text)] = rule.expr.alternatives.as_slice() {
        let mut value = std::borrow::Cow::Borrowed(text.as_str());
        for t in &rule.transforms {
            match t.apply(value) {
                Ok(v) => value = v,
                Err(e) => {
                    errors.push(ConfigError::at(
                        rule.number,
                        "from",
                        Some(0),
                        format!("the literal {text:?}: {e}"),
                    ));
                    return;
                }
            }
        }
        for kind in violations(&value, rule.checks) {
            errors.push(ConfigError::at(
                rule.number,
                "from",
                Some(0),
                format!("the literal {text:?}: {kind}"),
            ));
        }
    }
}

/// Okta's required attributes and what Okta's SCIM import needs must have values.
fn required(
    c: &Compiled,
    values: &[RuleValue],
    employee: &Employee,
    errors: &mut Vec<MappingError>,
) {
    let has = |r: usize| values.get(r).is_some_and(|v| v.span.is_some());
    let missing = |target: String| MappingError {
        employee: employee.id.clone(),
        target,
        kind: MappingErrorKind::Missing,
    };
    for (i, rule) in c.rules.iter().enumerate() {
        if has(i)
            || (!errors.is_empty() && errors.iter().any(|e| rule.targets().contains(&e.target)))
        {
            continue;
        }
        if let Some(o) = rule.okta.as_deref().filter(|o| OKTA_REQUIRED.contains(o)) {
            errors.push(missing(format!("okta:{o}")));
        }
        if let Some(s) = rule.scim.as_ref().filter(|s| s.is_required()) {
            errors.push(missing(format!("scim:{s}")));
        }
    }
    let any_email = c
        .rules
        .iter()
        .enumerate()
        .any(|(i, r)| matches!(r.scim, Some(ScimTarget::Email(_))) && has(i));
    if !any_email {
        errors.push(missing("scim:emails".to_owned()));
    }
}

fn compile_rule(number: usize, rc: &RuleConfig) -> Result<Rule, Vec<ConfigError>> {
    let mut errors = Vec::new();
    let expr = expr::parse(&rc.from)
        .map_err(|e| errors.push(ConfigError::at(number, "from", Some(e.position), e.message)))
        .ok();
    if rc.okta.is_none() && rc.scim.is_none() {
        errors.push(ConfigError::at(
            number,
            "okta",
            None,
            "the rule has neither an `okta` nor a `scim` target",
        ));
    }
    if let Some(o) = &rc.okta
        && !target::valid_name(o)
    {
        errors.push(ConfigError::at(
            number,
            "okta",
            Some(0),
            format!("`{o}` is not an attribute name (a letter, then letters, digits or `_`)"),
        ));
    }
    let scim = rc.scim.as_deref().and_then(|s| {
        let t = ScimTarget::parse(s);
        if t.is_none() {
            errors.push(ConfigError::at(
                number,
                "scim",
                Some(0),
                format!("`{s}` is not a SCIM User attribute this crate writes (see `ScimTarget`)"),
            ));
        }
        t
    });
    let mut transforms = Vec::new();
    let mut map_used = false;
    for (i, spec) in rc.transforms.iter().enumerate() {
        if spec.trim() == "map" {
            map_used = true;
            match map_transform(rc) {
                Some(t) => transforms.push(t),
                None => errors.push(ConfigError::at(
                    number,
                    format!("transforms[{i}]"),
                    Some(0),
                    "`map` needs a `map` table in the rule",
                )),
            }
            continue;
        }
        match Transform::parse(spec) {
            Ok(t) => transforms.push(t),
            Err(e) => errors.push(ConfigError::at(
                number,
                format!("transforms[{i}]"),
                Some(e.position),
                e.message,
            )),
        }
    }
    if !map_used && let Some(t) = map_transform(rc) {
        transforms.push(t);
    }
    if rc.on_null == OnNull::Default && rc.default.is_none() {
        errors.push(ConfigError::at(
            number,
            "on_null",
            None,
            "`on_null = \"default\"` needs a `default` value",
        ));
    }
    if rc.default.is_some() && rc.on_null == OnNull::Clear {
        errors.push(ConfigError::at(
            number,
            "default",
            None,
            "a rule cannot both clear and default",
        ));
    }
    match (expr, errors.is_empty()) {
        (Some(expr), true) => Ok(Rule {
            number,
            from: rc.from.clone(),
            expr,
            transforms,
            on_null: rc.on_null,
            default: rc.default.clone(),
            flow: rc.flow,
            checks: rc.okta.as_deref().map_or(&[], target::okta_checks),
            okta: rc.okta.clone(),
            scim,
        }),
        _ => Err(errors),
    }
}

fn map_transform(rc: &RuleConfig) -> Option<Transform> {
    rc.map.as_ref().map(|table| Transform::Map {
        table: table.clone(),
        default: rc.map_default.clone(),
    })
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "rule {} ({}) from `{}`",
            self.number,
            self.targets().join(", "),
            self.from
        )
    }
}
