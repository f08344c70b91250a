//! The planner: a pure function of (snapshot, target state, mapping, policy, now) that
//! gives the [`SyncPlan`] — every action with its reason, in dependency order, with a
//! content hash so a saved plan is only applied while a fresh diff still matches it.

use std::collections::{BTreeMap, HashSet as StdHashSet};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::fmt;

use chrono::{DateTime, Utc};
use hr_core::{
    Employee, EmployeeId, HrSnapshot, LifecycleDecision, LifecyclePolicy, LifecycleState,
    ManagerRef,
};
use mapping::{MappedUser, Mapper, Provenance};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::action::{Action, AttributeChange, GroupRef, UserRef};
use crate::link::{Candidate, LinkConflict, LinkPolicy, link};
use crate::target::{TargetState, TargetStatus, TargetUser, TargetUserId};

/// The profile attribute [`Action::SetManager`] writes (Okta's `managerId`).
pub const MANAGER_ATTRIBUTE: &str = "managerId";

/// The HR field a group rule reads.
///
/// ```
/// use hr_sync::GroupSource;
/// assert_eq!(serde_json::to_value(GroupSource::CostCenter)?, "cost_center");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GroupSource {
    /// The department's name.
    Department,
    /// The company's name.
    Company,
    /// The cost centre's label, else its code.
    CostCenter,
    /// The employee type's label, else its code.
    EmployeeType,
}

impl GroupSource {
    pub(crate) fn value(self, e: &Employee) -> Option<&str> {
        let v = match self {
            Self::Department => e.org.department.as_ref().map(|d| d.name.as_str()),
            Self::Company => e.org.company.as_ref().map(|c| c.name.as_str()),
            Self::CostCenter => e
                .org
                .cost_center
                .as_ref()
                .map(|c| c.label.as_deref().unwrap_or(c.code.as_str())),
            Self::EmployeeType => e
                .org
                .employee_type
                .as_ref()
                .map(|c| c.label.as_deref().unwrap_or(c.code.as_str())),
        };
        v.map(str::trim).filter(|s| !s.is_empty())
    }
}

/// One group rule: everyone with a value in `from` belongs to the group named by the
/// template `name`, where `{name}` stands for the value; the template needs some fixed
/// text besides `{name}`.
///
/// Groups whose name fits a rule's template (its text before and after `{name}`) are the
/// engine's: it removes people from them when the rule no longer puts them there. Other
/// groups are never changed.
///
/// ```
/// use hr_sync::{GroupRule, GroupSource};
/// let rule = GroupRule::new(GroupSource::Department, "Dept - {name}");
/// assert_eq!(rule.render("Sales"), "Dept - Sales");
/// assert!(rule.owns("dept - finance") && !rule.owns("VPN users"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupRule {
    /// The field.
    pub from: GroupSource,
    /// The group name template, with `{name}` once.
    pub name: String,
}

impl GroupRule {
    /// A rule.
    pub fn new(from: GroupSource, name: impl Into<String>) -> Self {
        Self {
            from,
            name: name.into(),
        }
    }

    /// The group name for a value.
    #[must_use]
    pub fn render(&self, value: &str) -> String {
        self.name.replacen("{name}", value, 1)
    }

    fn affixes(&self) -> (&str, &str) {
        self.name.split_once("{name}").unwrap_or((&self.name, ""))
    }

    /// Whether a group of this name is one this rule makes (compared case-insensitively).
    #[must_use]
    pub fn owns(&self, group: &str) -> bool {
        let (prefix, suffix) = self.affixes();
        let (g, p, s) = (
            group.to_lowercase(),
            prefix.to_lowercase(),
            suffix.to_lowercase(),
        );
        g.len() > p.len() + s.len() && g.starts_with(&p) && g.ends_with(&s)
    }
}

/// How the planner syncs. Defaults per `hr-provisioning.md` §5.1:
///
/// | setting | default |
/// |---|---|
/// | `link_attribute` | `hrEmployeeId` |
/// | `link` | adopt nobody (matches are reported as candidates) |
/// | `lifecycle` | hr-core's [`LifecyclePolicy::default`] (create 7 days before the start, suspend at the end, deactivate 30 days later) |
/// | `activate_on_create` | `false`: people created before their start are `STAGED` and activated at the start; people already active are created activated |
/// | `groups` | none |
/// | `create_missing_groups` | `true` |
/// | `manage_managers` | `true`: `managerId` holds the manager's target user id, set by [`Action::SetManager`] (a mapping rule for `managerId` is then ignored) |
///
/// ```
/// use hr_sync::SyncPolicy;
/// let policy: SyncPolicy = serde_json::from_str(r#"{"groups": [{"from": "department", "name": "Dept - {name}"}]}"#)?;
/// assert_eq!(policy.link_attribute, "hrEmployeeId");
/// assert_eq!(policy.groups.len(), 1);
/// assert!(!policy.activate_on_create && policy.manage_managers);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct SyncPolicy {
    /// The profile attribute holding the HR key.
    pub link_attribute: String,
    /// Which unlinked users may be adopted.
    pub link: LinkPolicy,
    /// When accounts are created, activated, suspended and deactivated.
    pub lifecycle: LifecyclePolicy,
    /// Activate every create at once, even before the start.
    pub activate_on_create: bool,
    /// Group rules.
    pub groups: Vec<GroupRule>,
    /// Create a rule's group when the target has none of that name.
    pub create_missing_groups: bool,
    /// Set `managerId` to the manager's target user id.
    pub manage_managers: bool,
}

impl Default for SyncPolicy {
    fn default() -> Self {
        Self {
            link_attribute: "hrEmployeeId".into(),
            link: LinkPolicy::default(),
            lifecycle: LifecyclePolicy::default(),
            activate_on_create: false,
            groups: Vec::new(),
            create_missing_groups: true,
            manage_managers: true,
        }
    }
}

impl SyncPolicy {
    pub(crate) fn check(&self) -> Result<(), PlanError> {
        if self.link_attribute.trim().is_empty() {
            return Err(PlanError::InvalidPolicy {
                reason: "the link attribute is empty".into(),
            });
        }
        for rule in &self.groups {
            if rule.name.matches("{name}").count() != 1 {
                return Err(PlanError::InvalidPolicy {
                    reason: format!("group template {:?} must hold {{name}} once", rule.name),
                });
            }
            // The fixed text is what tells the engine's groups from everyone else's.
            if rule.name.replacen("{name}", "", 1).trim().is_empty() {
                return Err(PlanError::InvalidPolicy {
                    reason: format!(
                        "group template {:?} needs text besides {{name}}, or every group would be the engine's",
                        rule.name
                    ),
                });
            }
        }
        Ok(())
    }
}

/// Why the whole plan could not be made (per-person problems are [`PlanNote`]s).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The policy can't be used.
    #[error("invalid sync policy: {reason}")]
    InvalidPolicy {
        /// Why.
        reason: String,
    },
}

/// The mapping rule behind one attribute of an action.
///
/// ```
/// let r = hr_sync::AttributeReason::new("department", "rule 11: org.department.name");
/// assert_eq!(r.name, "department");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AttributeReason {
    /// The profile attribute.
    pub name: String,
    /// The rule and provenance, as text.
    pub rule: String,
}

impl AttributeReason {
    /// A reason.
    pub fn new(name: impl Into<String>, rule: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            rule: rule.into(),
        }
    }
}

/// Why an action is planned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Reason {
    /// hr-core's explanation of the person's lifecycle state (empty for group creates).
    pub lifecycle: String,
    /// The mapping rule behind each attribute the action sets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<AttributeReason>,
    /// Anything else: the transition, the group rule, the manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One action of a plan, with its reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlannedAction {
    /// The action.
    pub action: Action,
    /// Why.
    pub reason: Reason,
}

/// Something the planner left alone for one person (or group), and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlanNote {
    /// The person, when it concerns one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hr_key: Option<String>,
    /// What and why.
    pub note: String,
}

/// What the plan saw and did not act on: link candidates and conflicts, users it does
/// not manage, people it skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlanReport {
    /// Unlinked users matching a person (adopted ones are linked in this plan).
    pub candidates: Vec<Candidate>,
    /// What kept people from being linked.
    pub conflicts: Vec<LinkConflict>,
    /// Users whose HR key belongs to nobody in the snapshot: left alone.
    pub orphaned: Vec<TargetUserId>,
    /// The number of users with no HR key: never touched.
    pub unmanaged: usize,
    /// People and groups skipped, and why.
    pub notes: Vec<PlanNote>,
}

/// A plan: the actions, in the order to apply them, with counts, a report and a
/// content hash of the actions and reasons (SHA-256 of their canonical JSON: object keys
/// sorted, no spaces), hex.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SyncPlan {
    /// The `now` the plan was made for.
    pub created_at: DateTime<Utc>,
    /// The actions, in dependency order.
    pub items: Vec<PlannedAction>,
    /// The number of actions of each kind.
    pub counts: BTreeMap<String, usize>,
    /// What was seen and not acted on.
    pub report: PlanReport,
    /// SHA-256 of the canonical JSON of `items`, hex.
    pub hash: String,
}

/// A saved plan that no longer matches a fresh one: it must not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the plan {saved} does not match a fresh plan {fresh}: {only_saved} actions only in the saved plan, {only_fresh} only in the fresh one"
)]
#[non_exhaustive]
pub struct PlanMismatch {
    /// The hash of the saved plan's items, recomputed.
    pub saved: String,
    /// The fresh plan's hash.
    pub fresh: String,
    /// Actions of the saved plan not in the fresh one.
    pub only_saved: usize,
    /// Actions of the fresh plan not in the saved one.
    pub only_fresh: usize,
}

impl SyncPlan {
    pub(crate) fn new(
        created_at: DateTime<Utc>,
        mut items: Vec<PlannedAction>,
        report: PlanReport,
    ) -> Self {
        items.sort_by_cached_key(|item| order_key(&item.action));
        let mut counts = BTreeMap::new();
        for item in &items {
            *counts.entry(item.action.kind().to_owned()).or_insert(0) += 1;
        }
        let hash = items_hash(&items);
        Self {
            created_at,
            items,
            counts,
            report,
            hash,
        }
    }

    /// A plan of hand-picked actions (no reasons, an empty report), put in dependency
    /// order and hashed like any plan: for tests and one-off repairs.
    ///
    /// ```
    /// use hr_sync::{Action, SyncPlan};
    /// let plan = SyncPlan::from_actions(vec![Action::CreateGroup { name: "Dept - Sales".into() }]);
    /// assert_eq!(plan.counts["create_group"], 1);
    /// assert_eq!(plan.hash, plan.content_hash());
    /// ```
    #[must_use]
    pub fn from_actions(actions: Vec<Action>) -> Self {
        let items = actions
            .into_iter()
            .map(|action| PlannedAction {
                action,
                reason: Reason::default(),
            })
            .collect();
        Self::new(Utc::now(), items, PlanReport::default())
    }

    /// Whether there is nothing to do.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The hash of the items as they are now (a plan edited after saving no longer
    /// matches its `hash`).
    #[must_use]
    pub fn content_hash(&self) -> String {
        items_hash(&self.items)
    }

    /// `Ok` when this (saved) plan's items are exactly those of `fresh`, made from a new
    /// read just before applying; the hash is recomputed, so an edited plan is refused.
    ///
    /// # Errors
    /// [`PlanMismatch`] with the number of actions on each side only.
    pub fn verify_against(&self, fresh: &SyncPlan) -> Result<(), PlanMismatch> {
        let saved = self.content_hash();
        if saved == fresh.hash && fresh.content_hash() == fresh.hash {
            return Ok(());
        }
        let canon = |p: &PlannedAction| canonical(&serde_json::to_value(p).unwrap_or(Value::Null));
        let mine: HashSet<String> = self.items.iter().map(canon).collect();
        let theirs: HashSet<String> = fresh.items.iter().map(canon).collect();
        Err(PlanMismatch {
            saved,
            fresh: fresh.hash.clone(),
            only_saved: mine.difference(&theirs).count(),
            only_fresh: theirs.difference(&mine).count(),
        })
    }
}

/// The apply phase of an action: group creates, user creates, rehires, profile
/// updates, group removals, other lifecycle changes, group additions, managers. Actions
/// of one phase are independent of each other; each phase needs the ones before.
pub(crate) fn phase(a: &Action) -> u8 {
    match a {
        Action::CreateGroup { .. } => 0,
        Action::CreateUser { .. } => 1,
        Action::Reactivate { .. } => 2,
        Action::UpdateProfile { .. } => 3,
        Action::RemoveMember { .. } => 4,
        Action::Activate { .. }
        | Action::Unsuspend { .. }
        | Action::Suspend { .. }
        | Action::Deactivate { .. } => 5,
        Action::AddMember { .. } => 6,
        Action::SetManager { .. } => 7,
    }
}

/// Apply order: group creates, user creates, rehires (a deactivated user is reactivated
/// before it is changed), profile updates, group removals (before a deactivation),
/// other lifecycle changes, group additions, managers; then by person (or group name),
/// kind and the rest.
fn order_key(a: &Action) -> (u8, String, &'static str, String) {
    let phase = phase(a);
    let primary = match a {
        Action::CreateGroup { name } => name.clone(),
        other => other.person().unwrap_or_default().to_owned(),
    };
    let rest = match a {
        Action::AddMember { group, .. } => format!("{group:?}"),
        Action::RemoveMember { group, .. } => group.to_string(),
        _ => String::new(),
    };
    (phase, primary, a.kind(), rest)
}

fn items_hash(items: &[PlannedAction]) -> String {
    // The canonical JSON of the array, fed to the digest one item at a time.
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buf = Vec::with_capacity(1024);
    ctx.update(b"[");
    for (i, item) in items.iter().enumerate() {
        buf.clear();
        if i > 0 {
            buf.push(b',');
        }
        write_canonical(&serde_json::to_value(item).unwrap_or(Value::Null), &mut buf);
        ctx.update(&buf);
    }
    ctx.update(b"]");
    let mut hex = String::with_capacity(64);
    for b in ctx.finish().as_ref() {
        hex.push(char::from(HEX[usize::from(b >> 4)]));
        hex.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    hex
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// JSON with object keys sorted and no spaces.
fn canonical(v: &Value) -> String {
    let mut out = Vec::new();
    write_canonical(v, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn write_canonical(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                // Writing JSON into a Vec can't fail.
                let _ = serde_json::to_writer(&mut *out, k);
                out.push(b':');
                write_canonical(v, out);
            }
            out.push(b'}');
        }
        Value::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(x, out);
            }
            out.push(b']');
        }
        scalar => {
            let _ = serde_json::to_writer(&mut *out, scalar);
        }
    }
}

/// A value as compared: `null` is absent; numbers and booleans compare as their text.
fn present(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !v.is_null())
}

/// Whether a stored attribute holds the mapped value (`None`: cleared); `null` and
/// absent are the same, and numbers and booleans compare by their text.
fn same_text(have: Option<&Value>, want: Option<&str>) -> bool {
    match (present(have), want) {
        (None, None) => true,
        (Some(Value::String(s)), Some(w)) => s == w,
        (Some(Value::Number(n)), Some(w)) => n.to_string() == w,
        (Some(Value::Bool(b)), Some(w)) => b.to_string() == w,
        _ => false,
    }
}

fn describe(p: &Provenance) -> String {
    let mut s = format!("rule {}: {}", p.rule, p.expression);
    if !p.sources.is_empty() {
        s.push_str(&format!(" from {}", p.sources.join(", ")));
    }
    if !p.transforms.is_empty() {
        s.push_str(&format!(" | {}", p.transforms.join(" | ")));
    }
    let outcome = serde_json::to_value(p.outcome)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    if outcome != "value" {
        s.push_str(&format!(" ({outcome})"));
    }
    if p.flow == mapping::Flow::CreateOnly {
        s.push_str(" [create only]");
    }
    s
}

/// One mapped person.
struct Person<'a> {
    employee: &'a Employee,
    decision: LifecycleDecision,
    mapped: MappedUser,
}

impl Person<'_> {
    fn key(&self) -> &str {
        self.employee.id.as_str()
    }

    fn reason(&self, attributes: Vec<AttributeReason>, note: Option<String>) -> Reason {
        Reason {
            lifecycle: self.decision.to_string(),
            attributes,
            note,
        }
    }

    /// The reasons of these attributes from the mapping's provenance.
    fn attribute_reasons<'n>(
        &self,
        names: impl IntoIterator<Item = &'n str>,
        link_attribute: &str,
    ) -> Vec<AttributeReason> {
        let provenance = self.mapped.provenance();
        let by_target: HashMap<&str, &Provenance> = provenance
            .iter()
            .flat_map(|p| {
                p.targets
                    .iter()
                    .filter_map(|t| t.strip_prefix("okta:"))
                    .map(move |t| (t, p))
            })
            .collect();
        names
            .into_iter()
            .map(|name| {
                let rule = match by_target.get(name) {
                    Some(p) => describe(p),
                    None if name == link_attribute => "link attribute: the HR key".to_owned(),
                    None => "set by the engine".to_owned(),
                };
                AttributeReason::new(name, rule)
            })
            .collect()
    }
}

/// Plans the sync of `snapshot` into `state`: pure (no I/O), linear in people, users and
/// memberships (hash lookups only).
///
/// - **Link** people to users ([`link`]); users with no link are never touched.
/// - **Create** unlinked people whose lifecycle is pending or active (`STAGED` unless
///   they are active already or [`SyncPolicy::activate_on_create`]), unless they match
///   an unlinked user that may not be adopted, or their login is taken: those are noted.
/// - **Update** each linked user's attributes that the mapping owns and that differ
///   (`null` and absent are the same; create-only attributes are left alone), and the
///   link attribute of an adopted user.
/// - **Lifecycle**: active → activate (`STAGED`), unsuspend (`SUSPENDED`) or reactivate
///   (`DEPROVISIONED`, a rehire); suspended → suspend (Okta suspends only `ACTIVE`
///   users: a `STAGED` or `PROVISIONED` user, who never finished activating, is
///   deactivated instead so the activation link stops working; other statuses are
///   noted); deactivated → deactivate; pending and not yet provisioned change no status.
/// - **Groups**: people who are active or pending belong to their rules' groups
///   (created when missing and allowed); deactivated people and people the rules no
///   longer place are removed from the rules' groups; suspended people keep theirs (Okta
///   keeps a suspended user's groups, so an unsuspend restores access as it was).
/// - **Managers** (second pass, once everyone is linked or planned): `managerId` gets
///   the manager's user id, a planned user's by reference; managers who are not
///   employees, not in the snapshot or without an account, and manager cycles are
///   noted and left alone.
///
/// People whose mapping fails are noted and left alone. Deactivated users (unless
/// reactivated now) and people being deactivated get no profile or manager changes;
/// people being deactivated leave the rules' groups before the deactivation.
///
/// # Errors
/// [`PlanError::InvalidPolicy`] for a policy that can't be used.
pub fn plan<'s>(
    snapshot: &'s HrSnapshot,
    state: &TargetState,
    mapper: &Mapper,
    policy: &SyncPolicy,
    now: DateTime<Utc>,
) -> Result<SyncPlan, PlanError> {
    policy.check()?;
    let mut report = PlanReport::default();
    let mut items = Vec::new();
    let note = |report: &mut PlanReport, key: Option<&str>, text: String| {
        report.notes.push(PlanNote {
            hr_key: key.map(str::to_owned),
            note: text,
        });
    };

    // Evaluate and map everyone, on every core for large snapshots (each person alone).
    let evaluate = |employee: &'s Employee| {
        let decision = policy.lifecycle.evaluate(employee, now);
        match mapper.map(employee, &decision) {
            Ok(mapped) => Ok(Person {
                employee,
                decision,
                mapped,
            }),
            Err(errors) => Err((employee, errors.to_string())),
        }
    };
    let employees = snapshot.employees();
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let chunk = employees.len().div_ceil(threads.clamp(1, 8)).max(4096);
    let evaluated: Vec<Result<Person<'s>, (&'s Employee, String)>> = if employees.len() <= chunk {
        employees.iter().map(evaluate).collect()
    } else {
        let evaluate = &evaluate;
        std::thread::scope(|scope| {
            let workers: Vec<_> = employees
                .chunks(chunk)
                .map(|part| scope.spawn(move || part.iter().map(evaluate).collect::<Vec<_>>()))
                .collect();
            workers
                .into_iter()
                .flat_map(|w| {
                    w.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        })
    };
    let mut people: Vec<Person<'_>> = Vec::with_capacity(evaluated.len());
    for result in evaluated {
        match result {
            Ok(person) => {
                people.push(person);
            }
            Err((employee, errors)) => note(
                &mut report,
                Some(employee.id.as_str()),
                format!("not mapped: {errors}"),
            ),
        }
    }

    // Link.
    let links = link(
        people.iter().map(|p| {
            (
                &p.employee.id,
                p.mapped.login(),
                p.mapped
                    .okta_entries()
                    .find(|e| e.name == "email")
                    .and_then(|e| e.value),
            )
        }),
        state,
        policy.link,
    );
    let mut blocked: HashMap<&EmployeeId, String> = HashMap::default();
    for c in links.candidates.iter().filter(|c| !c.adopted) {
        blocked.entry(&c.employee).or_insert_with(|| {
            format!(
                "not created: unlinked user {} matches on {:?} and the policy does not adopt it",
                c.user, c.matched_on
            )
        });
    }
    for c in &links.conflicts {
        match c {
            LinkConflict::DuplicateHrKey { employee, users } => {
                let users: Vec<&str> = users.iter().map(TargetUserId::as_str).collect();
                blocked.insert(
                    employee,
                    format!("several users carry the HR key: {}", users.join(", ")),
                );
            }
            LinkConflict::SharedMatch { user, employees } => {
                for e in employees {
                    blocked.insert(e, format!("user {user} matches several people"));
                }
            }
        }
    }

    // Per person: create, update, lifecycle. `accounts`: each person's user, existing or planned.
    // `None`: created by this plan.
    let mut accounts: HashMap<&str, Option<&TargetUser>> =
        HashMap::with_capacity_and_hasher(people.len(), Default::default());
    let mut planned_logins: HashSet<String> = HashSet::default();
    let mut frozen: HashSet<&str> = HashSet::default();
    for p in &people {
        let key = p.key();
        let linked = links
            .linked
            .get(&p.employee.id)
            .and_then(|id| state.user(id));
        match linked {
            None => {
                if !matches!(
                    p.decision.state,
                    LifecycleState::Pending | LifecycleState::Active
                ) {
                    continue;
                }
                if let Some(why) = blocked.get(&p.employee.id) {
                    note(&mut report, Some(key), why.clone());
                    continue;
                }
                let Some(login) = p.mapped.login() else {
                    note(&mut report, Some(key), "not created: no login".into());
                    continue;
                };
                if !planned_logins.insert(login.to_lowercase()) {
                    note(
                        &mut report,
                        Some(key),
                        format!("not created: another person in this plan has the login {login}"),
                    );
                    continue;
                }
                if let Some(holder) = state.by_login(login) {
                    note(
                        &mut report,
                        Some(key),
                        format!(
                            "not created: login {login} is taken by user {} ({})",
                            holder.id, holder.status
                        ),
                    );
                    continue;
                }
                let mut profile: Map<String, Value> = p
                    .mapped
                    .okta_entries()
                    .filter(|e| !(policy.manage_managers && e.name == MANAGER_ATTRIBUTE))
                    .filter_map(|e| Some((e.name.to_owned(), Value::from(e.value?))))
                    .collect();
                profile.insert(policy.link_attribute.clone(), Value::String(key.to_owned()));
                let activate =
                    p.decision.state == LifecycleState::Active || policy.activate_on_create;
                let names: Vec<&str> = profile.keys().map(String::as_str).collect();
                let attributes = p.attribute_reasons(names, &policy.link_attribute);
                let how = if activate {
                    "activated"
                } else {
                    "staged until the start"
                };
                items.push(PlannedAction {
                    action: Action::create_user(key, login, profile, activate),
                    reason: p.reason(attributes, Some(format!("new account, {how}"))),
                });
                accounts.insert(key, None);
            }
            Some(user) => {
                accounts.insert(key, Some(user));
                let change = lifecycle(p, user);
                let reactivating = matches!(
                    &change,
                    Ok(Some(PlannedAction {
                        action: Action::Reactivate { .. },
                        ..
                    }))
                );
                // Deactivated users (and people being deactivated) are left as they are.
                if p.decision.state == LifecycleState::Deactivated
                    || (user.status == TargetStatus::Deprovisioned && !reactivating)
                {
                    frozen.insert(key);
                } else if let Some(item) = update(p, user, policy) {
                    items.push(item);
                }
                match change {
                    Ok(Some(item)) => items.push(item),
                    Ok(None) => {}
                    Err(why) => note(&mut report, Some(key), why),
                }
            }
        }
    }

    if !policy.groups.is_empty() {
        groups(
            &people,
            &accounts,
            &frozen,
            state,
            policy,
            &mut items,
            &mut report,
        );
    }
    if policy.manage_managers {
        managers(&people, &accounts, &frozen, &mut items, &mut report);
    }

    report.candidates = links.candidates;
    report.conflicts = links.conflicts;
    report.orphaned = links.orphaned;
    report.unmanaged = links.unmanaged.len();
    report
        .notes
        .sort_by(|a, b| (&a.hr_key, &a.note).cmp(&(&b.hr_key, &b.note)));
    Ok(SyncPlan::new(now, items, report))
}

fn update(p: &Person<'_>, user: &TargetUser, policy: &SyncPolicy) -> Option<PlannedAction> {
    let key = p.key();
    let mut changes: Vec<AttributeChange> = p
        .mapped
        .okta_entries()
        .filter(|e| {
            e.flow != mapping::Flow::CreateOnly
                && e.name != policy.link_attribute
                && !(policy.manage_managers && e.name == MANAGER_ATTRIBUTE)
        })
        .filter(|e| !same_text(user.profile.get(e.name), e.value))
        .map(|e| {
            AttributeChange::new(
                e.name,
                present(user.profile.get(e.name)).cloned(),
                e.value.map(Value::from),
            )
        })
        .collect();
    let mut note = None;
    if user.hr_key.as_deref() != Some(key) {
        changes.push(AttributeChange::new(
            policy.link_attribute.clone(),
            present(user.profile.get(&policy.link_attribute)).cloned(),
            Some(Value::String(key.to_owned())),
        ));
        note = Some(format!("adopted user {} ({})", user.id, user.login));
    }
    if changes.is_empty() {
        return None;
    }
    changes.sort_by(|a, b| a.name.cmp(&b.name));
    let attributes = p.attribute_reasons(
        changes.iter().map(|c| c.name.as_str()),
        &policy.link_attribute,
    );
    Some(PlannedAction {
        action: Action::UpdateProfile {
            hr_key: key.to_owned(),
            user: user.id.clone(),
            changes,
        },
        reason: p.reason(attributes, note),
    })
}

/// The status change the lifecycle state asks for; `Err` with a note when Okta allows none.
fn lifecycle(p: &Person<'_>, user: &TargetUser) -> Result<Option<PlannedAction>, String> {
    use LifecycleState as L;
    use TargetStatus as S;
    // Allocates only for an action: most people need none.
    let hr_key = || p.key().to_owned();
    let id = || user.id.clone();
    let action = match (p.decision.state, &user.status) {
        (L::Active, S::Staged) => Action::Activate {
            hr_key: hr_key(),
            user: id(),
        },
        (L::Active, S::Suspended) => Action::Unsuspend {
            hr_key: hr_key(),
            user: id(),
        },
        (L::Active, S::Deprovisioned) => Action::Reactivate {
            hr_key: hr_key(),
            user: id(),
        },
        (L::Suspended, S::Active) => Action::Suspend {
            hr_key: hr_key(),
            user: id(),
        },
        (L::Suspended, S::Suspended | S::Deprovisioned) => return Ok(None),
        // Okta suspends only ACTIVE users. A leaver who never finished activating would
        // keep a working activation link: deactivated instead (a rehire reactivates it).
        (L::Suspended, S::Staged | S::Provisioned) => Action::Deactivate {
            hr_key: hr_key(),
            user: id(),
        },
        (L::Suspended, status) => {
            return Err(format!(
                "should be suspended, but Okta only suspends ACTIVE users and user {} is {status}",
                user.id
            ));
        }
        (L::Deactivated, S::Deprovisioned) => return Ok(None),
        (L::Deactivated, _) => Action::Deactivate {
            hr_key: hr_key(),
            user: id(),
        },
        (L::Active, S::Other(status)) => {
            return Err(format!(
                "user {} has a status the engine does not know: {status}",
                user.id
            ));
        }
        _ => return Ok(None),
    };
    let mut note = format!("{} → {}", user.status, action.kind());
    if p.decision.state == L::Suspended && matches!(action, Action::Deactivate { .. }) {
        note.push_str(" (never activated, and Okta suspends only ACTIVE users)");
    }
    Ok(Some(PlannedAction {
        action,
        reason: p.reason(Vec::new(), Some(note)),
    }))
}

/// A wanted member of a group: the person, their existing user (`None`: created by
/// this plan), the rule.
type Member<'p, 'a> = (&'p Person<'a>, Option<&'p TargetUser>, &'p GroupRule);

/// The reference to a person's user: existing, or the one this plan creates.
fn user_ref(key: &str, user: Option<&TargetUser>) -> UserRef {
    match user {
        Some(u) => UserRef::Existing(u.id.clone()),
        None => UserRef::Planned(key.to_owned()),
    }
}

fn groups(
    people: &[Person<'_>],
    accounts: &HashMap<&str, Option<&TargetUser>>,
    frozen: &HashSet<&str>,
    state: &TargetState,
    policy: &SyncPolicy,
    items: &mut Vec<PlannedAction>,
    report: &mut PlanReport,
) {
    // Desired memberships, one entry per group (lowercase name): display name, members.
    // Each rule renders each distinct value once.
    let mut wanted: Vec<(String, String, Vec<Member<'_, '_>>)> = Vec::new();
    let mut by_lower: HashMap<String, usize> = HashMap::default();
    let mut rendered: HashMap<(usize, &str), usize> = HashMap::default();
    // Each linked user's person and wanted groups (indexes into `wanted`).
    let mut by_user: HashMap<&TargetUserId, (&Person<'_>, Vec<usize>)> =
        HashMap::with_capacity_and_hasher(people.len(), Default::default());
    for p in people {
        let Some(user) = accounts.get(p.key()) else {
            continue;
        };
        // A deactivated user keeps its groups, except that people being deactivated now
        // leave the rules' groups first.
        let leaving = p.decision.state == LifecycleState::Deactivated
            && user.is_some_and(|u| u.status != TargetStatus::Deprovisioned);
        if frozen.contains(p.key()) && !leaving {
            continue;
        }
        let member = matches!(
            p.decision.state,
            LifecycleState::Active | LifecycleState::Pending
        );
        let mut mine = Vec::new();
        if member {
            for (r, rule) in policy.groups.iter().enumerate() {
                let Some(value) = rule.from.value(p.employee) else {
                    continue;
                };
                let gi = match rendered.get(&(r, value)) {
                    Some(&gi) => gi,
                    None => {
                        let name = rule.render(value);
                        let lower = name.to_lowercase();
                        let gi = match by_lower.get(&lower) {
                            Some(&gi) => {
                                if name < wanted[gi].1 {
                                    wanted[gi].1 = name;
                                }
                                gi
                            }
                            None => {
                                by_lower.insert(lower.clone(), wanted.len());
                                wanted.push((lower, name, Vec::new()));
                                wanted.len() - 1
                            }
                        };
                        rendered.insert((r, value), gi);
                        gi
                    }
                };
                if !mine.contains(&gi) {
                    mine.push(gi);
                    wanted[gi].2.push((p, *user, rule));
                }
            }
        }
        if let Some(user) = user {
            by_user.insert(&user.id, (p, mine));
        }
    }
    let mut order: Vec<usize> = (0..wanted.len()).collect();
    order.sort_by(|&a, &b| wanted[a].0.cmp(&wanted[b].0));
    for (_, name, members) in order.iter().map(|&i| &wanted[i]) {
        let group = match state.group_by_name(name) {
            Some(g) if g.managed => GroupRef::Existing(g.id.clone()),
            Some(g) => {
                report.notes.push(PlanNote {
                    hr_key: None,
                    note: format!(
                        "group {} ({}) is not an Okta group: its members are not changed",
                        g.name, g.id
                    ),
                });
                continue;
            }
            None if policy.create_missing_groups => {
                let mut rules: Vec<&str> = members.iter().map(|m| m.2.name.as_str()).collect();
                rules.sort_unstable();
                rules.dedup();
                let note = format!(
                    "missing group for {} people (rule {})",
                    members.len(),
                    rules.join(", ")
                );
                items.push(PlannedAction {
                    action: Action::CreateGroup { name: name.clone() },
                    reason: Reason {
                        note: Some(note),
                        ..Reason::default()
                    },
                });
                GroupRef::Planned(name.clone())
            }
            None => {
                report.notes.push(PlanNote {
                    hr_key: None,
                    note: format!("group {name} is missing and the policy does not create groups"),
                });
                continue;
            }
        };
        let current: Option<&StdHashSet<TargetUserId>> =
            group.existing().and_then(|g| state.members(g));
        for (p, user, rule) in members {
            let has = match (user, current) {
                (Some(u), Some(m)) => m.contains(&u.id),
                _ => false,
            };
            if !has {
                items.push(PlannedAction {
                    action: Action::AddMember {
                        hr_key: p.key().to_owned(),
                        group: group.clone(),
                        user: user_ref(p.key(), *user),
                    },
                    reason: p.reason(
                        Vec::new(),
                        Some(format!("group rule {:?} from {:?}", rule.name, rule.from)),
                    ),
                });
            }
        }
    }
    // Removals from the rules' groups.
    for g in state.groups() {
        if !g.managed || !policy.groups.iter().any(|r| r.owns(&g.name)) {
            continue;
        }
        let Some(members) = state.members(&g.id) else {
            continue;
        };
        let index = by_lower.get(&g.name.to_lowercase());
        for member in members {
            let Some((p, mine)) = by_user.get(member) else {
                continue;
            };
            if p.decision.state == LifecycleState::Suspended
                || index.is_some_and(|i| mine.contains(i))
            {
                continue;
            }
            items.push(PlannedAction {
                action: Action::RemoveMember {
                    hr_key: p.key().to_owned(),
                    group: g.id.clone(),
                    user: (*member).clone(),
                },
                reason: p.reason(
                    Vec::new(),
                    Some(format!(
                        "no group rule puts the person in {} any more",
                        g.name
                    )),
                ),
            });
        }
    }
}

fn managers(
    people: &[Person<'_>],
    accounts: &HashMap<&str, Option<&TargetUser>>,
    frozen: &HashSet<&str>,
    items: &mut Vec<PlannedAction>,
    report: &mut PlanReport,
) {
    let index: HashMap<&EmployeeId, usize> = people
        .iter()
        .enumerate()
        .map(|(i, p)| (&p.employee.id, i))
        .collect();
    let next: Vec<Option<usize>> = people
        .iter()
        .map(|p| match &p.employee.manager {
            Some(ManagerRef::Employee { id }) => index.get(id).copied(),
            _ => None,
        })
        .collect();
    let in_cycle = cycles(&next);
    for (i, p) in people.iter().enumerate() {
        let key = p.key();
        let Some(user) = accounts.get(key) else {
            continue;
        };
        if frozen.contains(key) {
            continue;
        }
        let mut skip = |why: String| {
            report.notes.push(PlanNote {
                hr_key: Some(key.to_owned()),
                note: format!("manager not set: {why}"),
            });
        };
        // The reason is written only for an action: most people need none.
        // The manager: their index and existing user (`None`: created by this plan).
        let (wanted, manager_id): (Option<(usize, Option<&TargetUser>)>, Option<&EmployeeId>) =
            match &p.employee.manager {
                None => (None, None),
                Some(ManagerRef::Employee { id }) if id == &p.employee.id => {
                    skip("the person is their own manager".into());
                    continue;
                }
                Some(ManagerRef::Employee { id }) => {
                    if in_cycle[i] {
                        skip(format!("manager {id} is part of a manager cycle"));
                        continue;
                    }
                    match next[i].and_then(|m| accounts.get(people[m].key())) {
                        Some(m) => (next[i].map(|n| (n, *m)), Some(id)),
                        None if next[i].is_some() => {
                            skip(format!("manager {id} has no account"));
                            continue;
                        }
                        None => {
                            skip(format!("manager {id} is not in the source (or not mapped)"));
                            continue;
                        }
                    }
                }
                Some(ManagerRef::External { name, email }) => {
                    let who = name.as_deref().or(email.as_deref()).unwrap_or("?");
                    skip(format!("manager {who} is not an employee"));
                    continue;
                }
                Some(_) => continue,
            };
        let current = user.and_then(|u| present(u.profile.get(MANAGER_ATTRIBUTE)));
        let needed = match (wanted, current) {
            (None, None) => false,
            (None, Some(_)) => true,
            (Some((_, Some(manager))), cur) => !same_text(cur, Some(manager.id.as_str())),
            (Some((_, None)), _) => true,
        };
        if needed {
            items.push(PlannedAction {
                action: Action::SetManager {
                    hr_key: key.to_owned(),
                    user: user_ref(key, *user),
                    manager: wanted.map(|(m, u)| user_ref(people[m].key(), u)),
                },
                reason: p.reason(
                    Vec::new(),
                    Some(manager_id.map_or_else(
                        || "no manager in the source".to_owned(),
                        |id| format!("manager {id}"),
                    )),
                ),
            });
        }
    }
}

/// Which nodes of a functional graph (each node points to at most one) lie on a cycle;
/// each node is walked once.
fn cycles(next: &[Option<usize>]) -> Vec<bool> {
    const NEW: u8 = 0;
    const WALKING: u8 = 1;
    const DONE: u8 = 2;
    let mut mark = vec![NEW; next.len()];
    let mut on_cycle = vec![false; next.len()];
    let mut path = Vec::new();
    for start in 0..next.len() {
        let mut at = Some(start);
        while let Some(i) = at {
            match mark[i] {
                NEW => {
                    mark[i] = WALKING;
                    path.push(i);
                    at = next[i];
                }
                WALKING => {
                    // The path from `i`'s first visit on is a cycle.
                    if let Some(pos) = path.iter().position(|&n| n == i) {
                        for &n in &path[pos..] {
                            on_cycle[n] = true;
                        }
                    }
                    break;
                }
                _ => break,
            }
        }
        for n in path.drain(..) {
            mark[n] = DONE;
        }
    }
    on_cycle
}

impl fmt::Display for SyncPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let counts: Vec<String> = self
            .counts
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        write!(
            f,
            "plan {} ({} actions",
            self.hash.get(..12).unwrap_or(&self.hash),
            self.items.len()
        )?;
        if !counts.is_empty() {
            write!(f, ": {}", counts.join(", "))?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests;
