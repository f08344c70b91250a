//! Safeguards: the checks that stop a run before any write when the source looks broken
//! or the plan is too destructive (`hr-provisioning.md` §2.1, §5 item 2, §5.1).
//!
//! - [`Rule::EmptySource`]: the source returned nobody.
//! - [`Rule::PopulationDrop`]: fewer people than [`SafeguardPolicy::min_population_share`]
//!   of the last good run (kept in a small [`RunState`] file).
//! - [`Rule::FieldEmptied`]: a [`Field`] that was filled for most people at the last good
//!   run is now empty for more than [`SafeguardPolicy::empty_field_share`] of them.
//! - [`Rule::TooManyDestructive`]: deactivations plus suspensions exceed
//!   max([`max_destructive_absolute`](SafeguardPolicy::max_destructive_absolute),
//!   [`max_destructive_share`](SafeguardPolicy::max_destructive_share) × linked active users).
//!
//! [`check`] gives a [`SafeguardReport`]; apply only when
//! [`SafeguardReport::allows_apply`]. An [`Override`] bypasses the rules it names for one
//! run, and its reason is kept in the report. After a good run, save
//! [`RunState::after_good_run`] for the next one.
//!
//! ```
//! use chrono::Utc;
//! use hr_core::{Employee, EmployeeId, HrSnapshot, PersonName};
//! use hr_sync::safeguard::{check, Rule, SafeguardPolicy};
//! use hr_sync::{plan, SyncPolicy, TargetState};
//!
//! let ada = Employee::new(EmployeeId::new("1")?, PersonName::new("Ada", "Lovelace"));
//! let snapshot = HrSnapshot::new("nmbrs", Utc::now(), vec![ada], vec![])?;
//! let mapper = mapping::Mapper::preset("okta-default")?;
//! let plan = plan(&snapshot, &TargetState::default(), &mapper, &SyncPolicy::default(), Utc::now())?;
//!
//! // First run: no state yet, so the population and field rules are skipped.
//! let report = check(&snapshot, &plan, 0, None, &SafeguardPolicy::default(), None);
//! assert!(report.allows_apply());
//! assert!(report.skipped.iter().any(|s| s.rule == Rule::PopulationDrop));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{DateTime, Utc};
use hr_core::{Employee, HrSnapshot};
use serde::{Deserialize, Deserializer, Serialize};

use crate::action::Action;
use crate::plan::SyncPlan;
use crate::target::{TargetState, TargetStatus};

/// Slack for shares times counts, so that 10 % of 1000 is exactly 100 in `f64`.
const EPSILON: f64 = 1e-9;

/// An HR field whose fill rate the safeguards watch: the ones the mapping and the
/// planner depend on, where a source that suddenly stops sending them would change many
/// accounts at once.
///
/// ```
/// use hr_sync::safeguard::Field;
/// assert_eq!(Field::Department.as_str(), "department");
/// assert_eq!(Field::ALL.len(), 7);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Field {
    /// `contact.work_email` (logins and e-mail addresses).
    WorkEmail,
    /// `org.department.name` (department groups).
    Department,
    /// `org.company.name` (company groups).
    Company,
    /// `org.job_title`.
    JobTitle,
    /// `manager`: an employee or an external manager (Okta's `managerId`).
    Manager,
    /// At least one employment (the lifecycle's start date).
    Employment,
    /// The latest employment has an end date (the lifecycle's end).
    EndDate,
}

impl Field {
    /// Every field watched, in report order.
    pub const ALL: [Field; 7] = [
        Field::WorkEmail,
        Field::Department,
        Field::Company,
        Field::JobTitle,
        Field::Manager,
        Field::Employment,
        Field::EndDate,
    ];

    /// The field's name, as in JSON and in [`Rule`]'s text.
    ///
    /// ```
    /// assert_eq!(hr_sync::safeguard::Field::EndDate.as_str(), "end_date");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WorkEmail => "work_email",
            Self::Department => "department",
            Self::Company => "company",
            Self::JobTitle => "job_title",
            Self::Manager => "manager",
            Self::Employment => "employment",
            Self::EndDate => "end_date",
        }
    }

    /// Whether `employee` has a value for this field (blank text counts as empty, as in
    /// the mapping).
    ///
    /// ```
    /// use hr_core::{Contact, Employee, EmployeeId, PersonName};
    /// use hr_sync::safeguard::Field;
    /// let e = Employee::new(EmployeeId::new("1")?, PersonName::new("A", "B"))
    ///     .with_contact(Contact::default().with_work_email(" "));
    /// assert!(!Field::WorkEmail.is_filled(&e));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn is_filled(self, employee: &Employee) -> bool {
        let text = |s: Option<&str>| s.is_some_and(|s| !s.trim().is_empty());
        match self {
            Self::WorkEmail => text(employee.contact.work_email.as_deref()),
            Self::Department => text(employee.org.department.as_ref().map(|d| d.name.as_str())),
            Self::Company => text(employee.org.company.as_ref().map(|c| c.name.as_str())),
            Self::JobTitle => text(employee.org.job_title.as_deref()),
            Self::Manager => employee.manager.is_some(),
            Self::Employment => !employee.employments.is_empty(),
            Self::EndDate => employee
                .employments
                .iter()
                .max_by_key(|j| j.start())
                .is_some_and(|j| j.end().is_some()),
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A safeguard rule. Written as text: `empty_source`, `population_drop`,
/// `field_emptied:<field>` and `too_many_destructive`, in JSON too.
///
/// ```
/// use hr_sync::safeguard::{Field, Rule};
/// let rule: Rule = "field_emptied:department".parse()?;
/// assert_eq!(rule, Rule::FieldEmptied { field: Field::Department });
/// assert_eq!(serde_json::to_value(Rule::TooManyDestructive)?, "too_many_destructive");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
#[non_exhaustive]
pub enum Rule {
    /// The source returned nobody.
    EmptySource,
    /// The source holds fewer people than the policy's share of the last good run.
    PopulationDrop,
    /// A field filled for most people at the last good run is now empty for too many.
    FieldEmptied {
        /// The field.
        field: Field,
    },
    /// Too many deactivations and suspensions for the number of linked active users.
    TooManyDestructive,
}

impl Rule {
    /// Every rule [`check`] evaluates, in report order.
    ///
    /// ```
    /// assert_eq!(hr_sync::safeguard::Rule::all().count(), 10);
    /// ```
    pub fn all() -> impl Iterator<Item = Rule> {
        [Rule::EmptySource, Rule::PopulationDrop]
            .into_iter()
            .chain(Field::ALL.map(|field| Rule::FieldEmptied { field }))
            .chain([Rule::TooManyDestructive])
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptySource => f.write_str("empty_source"),
            Self::PopulationDrop => f.write_str("population_drop"),
            Self::FieldEmptied { field } => write!(f, "field_emptied:{field}"),
            Self::TooManyDestructive => f.write_str("too_many_destructive"),
        }
    }
}

/// Text that names no [`Rule`].
///
/// ```
/// let e = "everything".parse::<hr_sync::safeguard::Rule>().unwrap_err();
/// assert!(e.to_string().contains("everything"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown safeguard rule {0:?} (expected empty_source, population_drop, field_emptied:<field> or too_many_destructive)"
)]
pub struct ParseRuleError(pub String);

impl FromStr for Rule {
    type Err = ParseRuleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "empty_source" => Ok(Self::EmptySource),
            "population_drop" => Ok(Self::PopulationDrop),
            "too_many_destructive" => Ok(Self::TooManyDestructive),
            other => other
                .strip_prefix("field_emptied:")
                .and_then(Field::parse)
                .map(|field| Self::FieldEmptied { field })
                .ok_or_else(|| ParseRuleError(s.to_owned())),
        }
    }
}

impl From<Rule> for String {
    fn from(r: Rule) -> Self {
        r.to_string()
    }
}

impl TryFrom<String> for Rule {
    type Error = ParseRuleError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// The safeguard thresholds. Defaults per `hr-provisioning.md` §5.1:
///
/// | setting | default | trips when |
/// |---|---|---|
/// | `min_population_share` | 0.9 | people < ⌈0.9 × last good population⌉ |
/// | `empty_field_share` | 0.5 | a field empty for ≤ ⌊0.5 × people⌋ at the last good run is now empty for more than ⌊0.5 × people⌋ |
/// | `max_destructive_absolute` | 5 | deactivations + suspensions > max(5, ⌊0.10 × linked active users⌋) |
/// | `max_destructive_share` | 0.10 | (see above) |
/// | `disabled` | none | a listed rule is never checked (reported as skipped) |
///
/// Shares are between 0 and 1; deserialising refuses others. A share set out of range
/// in code is clamped into it, and `NaN` counts as the strictest value.
///
/// ```
/// use hr_sync::safeguard::{Rule, SafeguardPolicy};
/// let policy: SafeguardPolicy =
///     serde_json::from_str(r#"{"max_destructive_absolute": 20, "disabled": ["field_emptied:end_date"]}"#)?;
/// assert_eq!(policy.min_population_share, 0.9);
/// assert_eq!(policy.destructive_cap(100), 20);
/// assert_eq!(policy.destructive_cap(1000), 100);
/// assert!(!policy.is_enabled(&"field_emptied:end_date".parse::<Rule>()?));
/// assert!(serde_json::from_str::<SafeguardPolicy>(r#"{"max_destructive_share": 1.5}"#).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct SafeguardPolicy {
    /// The share of the last good population the source must still hold.
    #[serde(deserialize_with = "share")]
    pub min_population_share: f64,
    /// The share of people a watched field may be empty for, when it was not at the last
    /// good run.
    #[serde(deserialize_with = "share")]
    pub empty_field_share: f64,
    /// Deactivations plus suspensions always allowed.
    pub max_destructive_absolute: usize,
    /// Deactivations plus suspensions allowed as a share of linked active users, when
    /// that is more than the absolute number.
    #[serde(deserialize_with = "share")]
    pub max_destructive_share: f64,
    /// Rules never checked. `field_emptied:<field>` turns off one field.
    pub disabled: Vec<Rule>,
}

impl Default for SafeguardPolicy {
    fn default() -> Self {
        Self {
            min_population_share: 0.9,
            empty_field_share: 0.5,
            max_destructive_absolute: 5,
            max_destructive_share: 0.10,
            disabled: Vec::new(),
        }
    }
}

fn share<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(serde::de::Error::custom(format!(
            "a share must be between 0 and 1, got {v}"
        )))
    }
}

/// `s` in [0, 1]; `NaN` becomes `strict`.
fn clamp_share(s: f64, strict: f64) -> f64 {
    if s.is_nan() {
        strict
    } else {
        s.clamp(0.0, 1.0)
    }
}

/// ⌊share × n⌋, exact for shares written in decimal.
fn floor_of(share: f64, n: usize) -> usize {
    (share * n as f64 + EPSILON).floor() as usize
}

/// ⌈share × n⌉, exact for shares written in decimal.
fn ceil_of(share: f64, n: usize) -> usize {
    (share * n as f64 - EPSILON).ceil().max(0.0) as usize
}

impl SafeguardPolicy {
    /// With `rule` disabled.
    ///
    /// ```
    /// use hr_sync::safeguard::{Rule, SafeguardPolicy};
    /// let policy = SafeguardPolicy::default().disable(Rule::PopulationDrop);
    /// assert!(!policy.is_enabled(&Rule::PopulationDrop));
    /// ```
    #[must_use]
    pub fn disable(mut self, rule: Rule) -> Self {
        if !self.disabled.contains(&rule) {
            self.disabled.push(rule);
        }
        self
    }

    /// Whether [`check`] evaluates `rule`.
    ///
    /// ```
    /// use hr_sync::safeguard::{Rule, SafeguardPolicy};
    /// assert!(SafeguardPolicy::default().is_enabled(&Rule::EmptySource));
    /// ```
    #[must_use]
    pub fn is_enabled(&self, rule: &Rule) -> bool {
        !self.disabled.contains(rule)
    }

    /// The fewest people allowed after a last good run of `last`: ⌈share × last⌉.
    ///
    /// ```
    /// use hr_sync::safeguard::SafeguardPolicy;
    /// assert_eq!(SafeguardPolicy::default().min_population(100), 90);
    /// ```
    #[must_use]
    pub fn min_population(&self, last: usize) -> usize {
        ceil_of(clamp_share(self.min_population_share, 1.0), last)
    }

    /// The most people of `people` a watched field may be empty for: ⌊share × people⌋.
    ///
    /// ```
    /// use hr_sync::safeguard::SafeguardPolicy;
    /// assert_eq!(SafeguardPolicy::default().max_empty(100), 50);
    /// ```
    #[must_use]
    pub fn max_empty(&self, people: usize) -> usize {
        floor_of(clamp_share(self.empty_field_share, 0.0), people)
    }

    /// The most deactivations plus suspensions allowed with `linked_active` linked active
    /// users: max(absolute, ⌊share × linked_active⌋).
    ///
    /// ```
    /// use hr_sync::safeguard::SafeguardPolicy;
    /// assert_eq!(SafeguardPolicy::default().destructive_cap(20), 5);
    /// assert_eq!(SafeguardPolicy::default().destructive_cap(1000), 100);
    /// ```
    #[must_use]
    pub fn destructive_cap(&self, linked_active: usize) -> usize {
        let share = floor_of(clamp_share(self.max_destructive_share, 0.0), linked_active);
        self.max_destructive_absolute.max(share)
    }
}

/// An operator's explicit, per-run bypass of the rules it names, with the reason, which
/// the report keeps. There is no way to bypass every rule at once: each is named.
///
/// ```
/// use hr_sync::safeguard::{Override, Rule};
/// let token = Override::rules([Rule::TooManyDestructive], "year-end leavers, ticket HR-812");
/// assert!(token.covers(&Rule::TooManyDestructive));
/// assert!(!token.covers(&Rule::EmptySource));
/// assert_eq!(token.reason(), "year-end leavers, ticket HR-812");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    rules: Vec<Rule>,
    reason: String,
}

impl Override {
    /// A bypass of exactly `rules` (a [`Rule::FieldEmptied`] names one field), for `reason`.
    pub fn rules(rules: impl IntoIterator<Item = Rule>, reason: impl Into<String>) -> Self {
        let mut rules: Vec<Rule> = rules.into_iter().collect();
        rules.sort_unstable();
        rules.dedup();
        Self {
            rules,
            reason: reason.into(),
        }
    }

    /// Whether this bypasses `rule`.
    ///
    /// ```
    /// use hr_sync::safeguard::{Field, Override, Rule};
    /// let token = Override::rules([Rule::FieldEmptied { field: Field::Manager }], "manager import redone");
    /// assert!(!token.covers(&Rule::FieldEmptied { field: Field::Department }));
    /// ```
    #[must_use]
    pub fn covers(&self, rule: &Rule) -> bool {
        self.rules.contains(rule)
    }

    /// The rules named, sorted.
    ///
    /// ```
    /// use hr_sync::safeguard::{Override, Rule};
    /// assert_eq!(Override::rules([Rule::PopulationDrop], "x").named(), &[Rule::PopulationDrop]);
    /// ```
    #[must_use]
    pub fn named(&self) -> &[Rule] {
        &self.rules
    }

    /// The reason given.
    ///
    /// ```
    /// assert_eq!(hr_sync::safeguard::Override::rules([], "why").reason(), "why");
    /// ```
    #[must_use]
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rules: Vec<String> = self.rules.iter().map(Rule::to_string).collect();
        write!(f, "override of {}", rules.join(", "))?;
        if self.reason.trim().is_empty() {
            f.write_str(" (no reason given)")
        } else {
            write!(f, " ({:?})", self.reason)
        }
    }
}

/// A rule that tripped, with its counts.
///
/// | rule | `observed` | `limit` | `base` |
/// |---|---|---|---|
/// | `empty_source` | 0 people | 1 (the fewest allowed) | 0 |
/// | `population_drop` | people now | the fewest allowed | last good population |
/// | `field_emptied` | people without the field | the most allowed | people now |
/// | `too_many_destructive` | deactivations + suspensions | the most allowed | linked active users |
///
/// ```
/// use hr_sync::safeguard::{Rule, Tripped};
/// let t: Tripped = serde_json::from_value(serde_json::json!({
///     "rule": "too_many_destructive", "detail": "6 > 5", "observed": 6, "limit": 5, "base": 20,
///     "overridden": false}))?;
/// assert_eq!(t.rule, Rule::TooManyDestructive);
/// assert_eq!(t.to_string(), "too_many_destructive: 6 > 5");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Tripped {
    /// The rule.
    pub rule: Rule,
    /// What was seen, in words, with the counts.
    pub detail: String,
    /// The count that crossed the limit.
    pub observed: usize,
    /// The limit it crossed (a minimum or a maximum, per rule).
    pub limit: usize,
    /// What the limit was derived from.
    pub base: usize,
    /// Bypassed by the run's [`Override`]: it does not stop the apply.
    pub overridden: bool,
}

impl fmt::Display for Tripped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.rule, self.detail)
    }
}

/// A rule that was not evaluated, and why (disabled, first run, nothing to compare).
///
/// ```
/// use hr_sync::safeguard::{Rule, Skipped};
/// let s: Skipped = serde_json::from_str(r#"{"rule": "population_drop", "why": "first run"}"#)?;
/// assert_eq!(s.rule, Rule::PopulationDrop);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Skipped {
    /// The rule.
    pub rule: Rule,
    /// Why it was not evaluated.
    pub why: String,
}

/// What [`check`] found: every rule is in exactly one of `tripped`, `passed` and
/// `skipped`, in [`Rule::all`]'s order.
///
/// ```
/// use hr_sync::safeguard::{SafeguardReport, Rule};
/// let report = SafeguardReport::default();
/// assert!(report.allows_apply());
/// assert_eq!(report.blocking().count(), 0);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SafeguardReport {
    /// Rules that tripped (overridden ones included, marked).
    pub tripped: Vec<Tripped>,
    /// Rules that held.
    pub passed: Vec<Rule>,
    /// Rules not evaluated, and why.
    pub skipped: Vec<Skipped>,
    /// The run's override, as given, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overrides: Option<Override>,
}

impl SafeguardReport {
    /// Whether the plan may be applied: no rule tripped that the override does not name.
    ///
    /// ```
    /// assert!(hr_sync::safeguard::SafeguardReport::default().allows_apply());
    /// ```
    #[must_use]
    pub fn allows_apply(&self) -> bool {
        self.blocking().next().is_none()
    }

    /// The tripped rules that stop the apply.
    ///
    /// ```
    /// assert_eq!(hr_sync::safeguard::SafeguardReport::default().blocking().count(), 0);
    /// ```
    pub fn blocking(&self) -> impl Iterator<Item = &Tripped> {
        self.tripped.iter().filter(|t| !t.overridden)
    }
}

impl fmt::Display for SafeguardReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let blocking: Vec<&Tripped> = self.blocking().collect();
        if blocking.is_empty() {
            write!(f, "safeguards passed ({} rules held)", self.passed.len())?;
        } else {
            write!(
                f,
                "safeguards tripped: nothing may be applied ({} rule{})",
                blocking.len(),
                if blocking.len() == 1 { "" } else { "s" }
            )?;
            for t in &blocking {
                write!(f, "\n  - {t}")?;
            }
        }
        for t in self.tripped.iter().filter(|t| t.overridden) {
            write!(f, "\n  - overridden: {t}")?;
        }
        if let Some(o) = &self.overrides {
            write!(f, "\n  {o}")?;
        }
        for s in &self.skipped {
            write!(f, "\n  - skipped {}: {}", s.rule, s.why)?;
        }
        Ok(())
    }
}

/// The number of linked users (with an HR key) who can sign in: `ACTIVE`, `PROVISIONED`,
/// `LOCKED_OUT`, `RECOVERY` or `PASSWORD_EXPIRED`; the base of
/// [`Rule::TooManyDestructive`].
///
/// ```
/// use hr_sync::{TargetState, TargetStatus, TargetUser, TargetUserId};
/// let users = vec![
///     TargetUser::new(TargetUserId::new("1"), "a@x.example", TargetStatus::Active).with_hr_key("E1"),
///     TargetUser::new(TargetUserId::new("2"), "b@x.example", TargetStatus::Suspended).with_hr_key("E2"),
///     TargetUser::new(TargetUserId::new("3"), "c@x.example", TargetStatus::Active),
/// ];
/// let state = TargetState::new(users, vec![], Default::default());
/// assert_eq!(hr_sync::safeguard::linked_active(&state), 1);
/// ```
#[must_use]
pub fn linked_active(state: &TargetState) -> usize {
    state
        .users()
        .iter()
        .filter(|u| u.hr_key.is_some())
        .filter(|u| {
            matches!(
                u.status,
                TargetStatus::Active
                    | TargetStatus::Provisioned
                    | TargetStatus::LockedOut
                    | TargetStatus::Recovery
                    | TargetStatus::PasswordExpired
            )
        })
        .count()
}

fn fill_counts(snapshot: &HrSnapshot) -> BTreeMap<Field, usize> {
    let mut counts = [0usize; Field::ALL.len()];
    for e in snapshot.employees() {
        for (n, field) in counts.iter_mut().zip(Field::ALL) {
            *n += usize::from(field.is_filled(e));
        }
    }
    Field::ALL.into_iter().zip(counts).collect()
}

/// Checks `snapshot` and `plan` against `policy` before anything is applied; pure.
///
/// - `linked_active`: the target's linked active users (see [`linked_active`]).
/// - `state`: the last good run, `None` on the first run (the population and field rules
///   are then skipped, and reported as such).
/// - `overrides`: this run's [`Override`]; a tripped rule it names is marked overridden
///   and does not stop the apply.
///
/// Deactivations and suspensions are counted from the plan's items, not its `counts`.
///
/// ```
/// use chrono::Utc;
/// use hr_core::{Employee, EmployeeId, HrSnapshot, PersonName};
/// use hr_sync::safeguard::{check, Override, Rule, RunState, SafeguardPolicy};
/// use hr_sync::{plan, SyncPolicy, TargetState};
///
/// let mut people = Vec::new();
/// for i in 0..10 {
///     people.push(Employee::new(EmployeeId::new(i.to_string())?, PersonName::new("A", "B")));
/// }
/// let last = RunState::after_good_run(&HrSnapshot::new("nmbrs", Utc::now(), people.clone(), vec![])?);
/// // Today the source returns 8 of the 10.
/// let today = HrSnapshot::new("nmbrs", Utc::now(), people[..8].to_vec(), vec![])?;
/// let mapper = mapping::Mapper::preset("okta-default")?;
/// let plan = plan(&today, &TargetState::default(), &mapper, &SyncPolicy::default(), Utc::now())?;
///
/// let policy = SafeguardPolicy::default();
/// let report = check(&today, &plan, 0, Some(&last), &policy, None);
/// assert!(!report.allows_apply());
/// assert_eq!(report.tripped[0].rule, Rule::PopulationDrop);
/// assert!(report.to_string().contains("8 people"));
///
/// let token = Override::rules([Rule::PopulationDrop], "two contractors moved to another payroll");
/// let report = check(&today, &plan, 0, Some(&last), &policy, Some(&token));
/// assert!(report.allows_apply() && report.tripped[0].overridden);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn check(
    snapshot: &HrSnapshot,
    plan: &SyncPlan,
    linked_active: usize,
    state: Option<&RunState>,
    policy: &SafeguardPolicy,
    overrides: Option<&Override>,
) -> SafeguardReport {
    let (deactivations, suspensions) =
        plan.items
            .iter()
            .fold((0usize, 0usize), |(d, s), item| match item.action {
                Action::Deactivate { .. } => (d + 1, s),
                Action::Suspend { .. } => (d, s + 1),
                _ => (d, s),
            });
    let destructive = Destructive::Plan {
        deactivations,
        suspensions,
    };
    evaluate(
        snapshot,
        destructive,
        linked_active,
        state,
        policy,
        overrides,
    )
}

/// What [`Rule::TooManyDestructive`] counts, and how its message words it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Destructive {
    /// A push plan's deactivations and suspensions.
    Plan {
        deactivations: usize,
        suspensions: usize,
    },
    /// Pull mode: people listed active at the last good refresh that the next Okta
    /// import would see inactive, or not at all.
    Listing {
        now_inactive: usize,
        no_longer_listed: usize,
    },
}

impl Destructive {
    fn total(self) -> usize {
        match self {
            Self::Plan {
                deactivations,
                suspensions,
            } => deactivations + suspensions,
            Self::Listing {
                now_inactive,
                no_longer_listed,
            } => now_inactive + no_longer_listed,
        }
    }

    fn describe(self, cap: usize, base: usize, policy: &SafeguardPolicy) -> String {
        let limit = format!(
            "more than {cap} = max({}, {} % of {base}",
            policy.max_destructive_absolute,
            percent(policy.max_destructive_share),
        );
        let total = self.total();
        match self {
            Self::Plan {
                deactivations,
                suspensions,
            } => format!(
                "the plan deactivates {deactivations} and suspends {suspensions} users ({total} in all), {limit} linked active users)"
            ),
            Self::Listing {
                now_inactive,
                no_longer_listed,
            } => format!(
                "the refresh takes {total} people out of the active listing ({now_inactive} now listed inactive, {no_longer_listed} no longer listed), {limit} people listed active at the last good refresh)"
            ),
        }
    }
}

/// [`check`]'s rules with the destructive count given.
pub(crate) fn evaluate(
    snapshot: &HrSnapshot,
    destructive: Destructive,
    linked_active: usize,
    state: Option<&RunState>,
    policy: &SafeguardPolicy,
    overrides: Option<&Override>,
) -> SafeguardReport {
    let mut report = SafeguardReport {
        overrides: overrides.cloned(),
        ..SafeguardReport::default()
    };
    let people = snapshot.len();
    let filled = fill_counts(snapshot);
    const FIRST_RUN: &str = "first run: there is no state from a last good run";

    for rule in Rule::all() {
        if !policy.is_enabled(&rule) {
            report.skipped.push(Skipped {
                rule,
                why: "disabled by the policy".into(),
            });
            continue;
        }
        // `Err(why)`: skipped; `Ok(None)`: passed; `Ok(Some((observed, limit, base, detail)))`: tripped.
        let outcome: Result<Option<(usize, usize, usize, String)>, String> = match rule {
            Rule::EmptySource => Ok((people == 0).then(|| {
                (
                    0,
                    1,
                    0,
                    format!(
                        "the source {:?} returned no people (a read that succeeds but finds nobody looks like everyone left)",
                        snapshot.source()
                    ),
                )
            })),
            Rule::PopulationDrop => match state {
                None => Err(FIRST_RUN.into()),
                Some(last) => {
                    let min = policy.min_population(last.population);
                    Ok((people < min).then(|| {
                        (
                            people,
                            min,
                            last.population,
                            format!(
                                "the source holds {people} people, fewer than {min} ({} % of the {} at the last good run, {})",
                                percent(policy.min_population_share),
                                last.population,
                                last.read_at.format("%Y-%m-%d %H:%M UTC"),
                            ),
                        )
                    }))
                }
            },
            Rule::FieldEmptied { field } => match state {
                None => Err(FIRST_RUN.into()),
                Some(_) if people == 0 => Err("the source holds nobody".into()),
                Some(last) => match last.filled.get(&field) {
                    None => Err(format!(
                        "the last good run has no count for {field}"
                    )),
                    Some(&last_filled) => {
                        let last_empty = last.population.saturating_sub(last_filled);
                        let now_empty = people - filled.get(&field).copied().unwrap_or(0);
                        let max = policy.max_empty(people);
                        let was_filled = last.population > 0
                            && last_empty <= policy.max_empty(last.population);
                        Ok((was_filled && now_empty > max).then(|| {
                            (
                                now_empty,
                                max,
                                people,
                                format!(
                                    "{field} is empty for {now_empty} of {people} people, more than {max} ({} %); at the last good run it was empty for {last_empty} of {}",
                                    percent(policy.empty_field_share),
                                    last.population,
                                ),
                            )
                        }))
                    }
                },
            },
            Rule::TooManyDestructive => {
                let total = destructive.total();
                let cap = policy.destructive_cap(linked_active);
                Ok((total > cap).then(|| {
                    (
                        total,
                        cap,
                        linked_active,
                        destructive.describe(cap, linked_active, policy),
                    )
                }))
            }
        };
        match outcome {
            Err(why) => report.skipped.push(Skipped { rule, why }),
            Ok(None) => report.passed.push(rule),
            Ok(Some((observed, limit, base, detail))) => report.tripped.push(Tripped {
                rule,
                detail,
                observed,
                limit,
                base,
                overridden: overrides.is_some_and(|o| o.covers(&rule)),
            }),
        }
    }
    report
}

/// A share as a percentage for messages: 0.1 → "10".
fn percent(share: f64) -> String {
    let p = (share * 100.0 * 1000.0).round() / 1000.0;
    format!("{p}")
}

/// The version of the [`RunState`] file format this crate reads and writes.
pub const STATE_VERSION: u32 = 1;

/// What the safeguards remember of the last good run: when, from which source, how many
/// people, and how many had each watched [`Field`]. Kept as a small JSON file.
///
/// ```
/// use chrono::Utc;
/// use hr_core::{Contact, Employee, EmployeeId, HrSnapshot, PersonName};
/// use hr_sync::safeguard::{Field, RunState};
///
/// let ada = Employee::new(EmployeeId::new("1")?, PersonName::new("Ada", "Lovelace"))
///     .with_contact(Contact::default().with_work_email("ada@acme.example"));
/// let state = RunState::after_good_run(&HrSnapshot::new("nmbrs", Utc::now(), vec![ada], vec![])?);
/// assert_eq!(state.population, 1);
/// assert_eq!(state.filled[&Field::WorkEmail], 1);
/// assert_eq!(state.filled[&Field::Department], 0);
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("safeguard-state.json");
/// assert_eq!(RunState::load(&path)?, None); // first run
/// state.save(&path)?;
/// assert_eq!(RunState::load(&path)?, Some(state));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RunState {
    /// The file format's version ([`STATE_VERSION`]).
    pub version: u32,
    /// The source's name.
    pub source: String,
    /// When the snapshot of the good run was read.
    pub read_at: DateTime<Utc>,
    /// The number of people.
    pub population: usize,
    /// The number of people with a value, per watched field.
    pub filled: BTreeMap<Field, usize>,
}

/// Why the safeguard state file could not be read or written; every variant names the
/// file.
///
/// ```
/// use hr_sync::safeguard::RunState;
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("state.json");
/// std::fs::write(&path, "{ not json")?;
/// let err = RunState::load(&path).unwrap_err();
/// assert_eq!(err.path(), path);
/// assert!(err.to_string().contains("state.json"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// The file exists but could not be read.
    #[error("cannot read the safeguard state file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The file is not a state file (not JSON, or missing fields).
    #[error("the safeguard state file {} is corrupt: {source}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// The file was written by a version of the format this crate does not read.
    #[error(
        "the safeguard state file {} has format version {found}; this version reads {STATE_VERSION}",
        path.display()
    )]
    Version {
        /// The file.
        path: PathBuf,
        /// The version in the file.
        found: u32,
    },
    /// The file could not be written (the old file, if any, is unchanged).
    #[error("cannot write the safeguard state file {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
}

impl StateError {
    /// The file concerned.
    ///
    /// ```
    /// use hr_sync::safeguard::StateError;
    /// let e = StateError::Version { path: "s.json".into(), found: 9 };
    /// assert_eq!(e.path(), std::path::Path::new("s.json"));
    /// ```
    #[must_use]
    pub fn path(&self) -> &Path {
        match self {
            Self::Read { path, .. }
            | Self::Corrupt { path, .. }
            | Self::Version { path, .. }
            | Self::Write { path, .. } => path,
        }
    }
}

impl RunState {
    /// The state to keep after a good run over `snapshot`: call it once the run was
    /// applied (or accepted), never for a run the safeguards stopped.
    ///
    /// ```
    /// use chrono::Utc;
    /// use hr_core::HrSnapshot;
    /// let empty = HrSnapshot::new("nmbrs", Utc::now(), vec![], vec![])?;
    /// assert_eq!(hr_sync::safeguard::RunState::after_good_run(&empty).population, 0);
    /// # Ok::<(), hr_core::Error>(())
    /// ```
    #[must_use]
    pub fn after_good_run(snapshot: &HrSnapshot) -> Self {
        Self {
            version: STATE_VERSION,
            source: snapshot.source().to_owned(),
            read_at: snapshot.read_at(),
            population: snapshot.len(),
            filled: fill_counts(snapshot),
        }
    }

    /// Reads the state file; `Ok(None)` when there is none (the first run).
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// assert!(hr_sync::safeguard::RunState::load(dir.path().join("none.json"))?.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`StateError::Read`], [`StateError::Corrupt`] or [`StateError::Version`], naming
    /// the file.
    pub fn load(path: impl AsRef<Path>) -> Result<Option<Self>, StateError> {
        let path = path.as_ref();
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(StateError::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        #[derive(Deserialize)]
        struct Versioned {
            version: u32,
        }
        let corrupt = |source| StateError::Corrupt {
            path: path.to_owned(),
            source,
        };
        let Versioned { version } = serde_json::from_slice(&bytes).map_err(corrupt)?;
        if version != STATE_VERSION {
            return Err(StateError::Version {
                path: path.to_owned(),
                found: version,
            });
        }
        serde_json::from_slice(&bytes).map(Some).map_err(corrupt)
    }

    /// Writes the state file atomically: a temporary file next to it, flushed to disk,
    /// then renamed over it, so a crash leaves the old file or the new one, never half.
    ///
    /// ```
    /// use chrono::Utc;
    /// use hr_core::HrSnapshot;
    /// use hr_sync::safeguard::RunState;
    /// let dir = tempfile::tempdir()?;
    /// let state = RunState::after_good_run(&HrSnapshot::new("nmbrs", Utc::now(), vec![], vec![])?);
    /// state.save(dir.path().join("state.json"))?;
    /// assert_eq!(std::fs::read_dir(dir.path())?.count(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`StateError::Write`] naming the file; the old file is then unchanged.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), StateError> {
        let path = path.as_ref();
        let write_err = |source| StateError::Write {
            path: path.to_owned(),
            source,
        };
        let name = path.file_name().ok_or_else(|| {
            write_err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the path names no file",
            ))
        })?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".tmp-{}", std::process::id()));
        let tmp = dir.join(tmp_name);
        let mut json = serde_json::to_vec_pretty(self)
            .map_err(io::Error::other)
            .map_err(write_err)?;
        json.push(b'\n');
        let written = (|| {
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(&json)?;
            file.sync_all()?;
            drop(file);
            std::fs::rename(&tmp, path)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(write_err(e));
        }
        // Make the rename itself durable (directories can be opened and synced on Unix).
        #[cfg(unix)]
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(write_err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
