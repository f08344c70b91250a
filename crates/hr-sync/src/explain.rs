//! `explain`: why a person is in their state and what the next run will do to them.

use std::fmt;

use chrono::{DateTime, Utc};
use hr_core::{EmployeeId, HrSnapshot, LifecycleState};
use mapping::{Mapper, Provenance};
use serde::{Deserialize, Serialize};

use crate::link::{LinkConflict, MatchedOn};
use crate::plan::{PlanError, PlannedAction, SyncPolicy, plan};
use crate::target::{TargetState, TargetStatus, TargetUserId};

/// How a person is linked to a target user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum LinkStatus {
    /// A user carries the person's HR key.
    Linked {
        /// The user.
        user: TargetUserId,
        /// Its status.
        user_status: TargetStatus,
    },
    /// An unlinked user matches the person; `adopted` when the policy links it now.
    Candidate {
        /// The user.
        user: TargetUserId,
        /// What matched.
        matched_on: MatchedOn,
        /// Whether this run links it.
        adopted: bool,
    },
    /// The person can't be linked (see the conflict).
    Conflict {
        /// What is in the way.
        conflict: LinkConflict,
    },
    /// No user yet.
    NotLinked,
}

/// One mapped attribute and where its value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MappedValue {
    /// Where it goes: `okta:department`, `scim:name.givenName`.
    pub targets: Vec<String>,
    /// The value (`None` when skipped or cleared).
    pub value: Option<String>,
    /// The rule and how it gave the value: `rule 11 department.name → default`.
    pub provenance: String,
}

/// Everything about one person: their lifecycle, their mapped values, their link and
/// the actions the next run plans for them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Explanation {
    /// The person.
    pub employee: EmployeeId,
    /// The moment explained.
    pub at: DateTime<Utc>,
    /// The account state the person should have.
    pub state: LifecycleState,
    /// Why (hr-core's lifecycle reason).
    pub lifecycle: String,
    /// The next scheduled change of state, as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_transition: Option<String>,
    /// The mapped values with their provenance (empty when mapping failed, see `notes`).
    pub mapped: Vec<MappedValue>,
    /// The link.
    pub link: LinkStatus,
    /// The actions planned for the person, with their reasons, in apply order.
    pub planned: Vec<PlannedAction>,
    /// What the planner noted about the person (not mapped, left alone, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// `explain` could not be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExplainError {
    /// Nobody in the snapshot has this HR key.
    #[error("no employee {0} in the HR snapshot")]
    UnknownEmployee(String),
    /// The policy can't be used.
    #[error(transparent)]
    Plan(#[from] PlanError),
}

fn provenance_text(p: &Provenance) -> String {
    let mut text = format!("rule {}: {}", p.rule, p.expression);
    if !p.sources.is_empty() {
        text.push_str(&format!(" (from {})", p.sources.join(", ")));
    }
    if let Some(alt) = p.alternative.filter(|a| *a > 0) {
        text.push_str(&format!(", alternative {}", alt + 1));
    }
    if !p.transforms.is_empty() {
        text.push_str(&format!(", then {}", p.transforms.join(" | ")));
    }
    text.push_str(&format!(", {:?}, {:?}", p.outcome, p.flow).to_lowercase());
    text
}

/// Explains `employee` at `now`: the same plan a run would make (so the planned actions
/// are exactly the run's), narrowed to the person.
///
/// ```
/// use chrono::{NaiveDate, TimeZone, Utc};
/// use hr_core::{Contact, Employee, EmployeeId, Employment, HrSnapshot, PersonName};
/// use hr_sync::{SyncPolicy, TargetState, explain::{LinkStatus, explain}};
///
/// let ada = Employee::new(EmployeeId::new("E-1")?, PersonName::new("Ada", "Lovelace"))
///     .with_contact(Contact::default().with_work_email("ada@acme.example"))
///     .with_employment(Employment::new(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(), None)?);
/// let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
/// let snapshot = HrSnapshot::new("demo", now, vec![ada], vec![])?;
/// let mapper = mapping::Mapper::preset("okta-default")?;
/// let why = explain(&snapshot, &TargetState::default(), &mapper, &SyncPolicy::default(), "E-1", now)?;
/// assert_eq!(why.link, LinkStatus::NotLinked);
/// assert_eq!(why.planned[0].action.kind(), "create_user");
/// assert!(why.to_string().contains("create_user"));
/// assert!(serde_json::to_value(&why)?["mapped"].is_array());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`ExplainError::UnknownEmployee`] when the key is not in the snapshot;
/// [`ExplainError::Plan`] for a policy that can't be used.
pub fn explain(
    snapshot: &HrSnapshot,
    state: &TargetState,
    mapper: &Mapper,
    policy: &SyncPolicy,
    employee: &str,
    now: DateTime<Utc>,
) -> Result<Explanation, ExplainError> {
    let person = snapshot
        .employees()
        .iter()
        .find(|e| e.id.as_str() == employee)
        .ok_or_else(|| ExplainError::UnknownEmployee(employee.to_owned()))?;
    let decision = policy.lifecycle.evaluate(person, now);
    let mapped = match mapper.map(person, &decision) {
        Ok(m) => m
            .provenance()
            .iter()
            .map(|p| MappedValue {
                targets: p.targets.clone(),
                value: p.value.clone(),
                provenance: provenance_text(p),
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    let full = plan(snapshot, state, mapper, policy, now)?;
    let planned: Vec<PlannedAction> = full
        .items
        .into_iter()
        .filter(|item| item.action.person() == Some(employee))
        .collect();
    let notes = full
        .report
        .notes
        .iter()
        .filter(|n| n.hr_key.as_deref() == Some(employee))
        .map(|n| n.note.clone())
        .collect();

    let key = &person.id;
    let link = if let Some(conflict) = full.report.conflicts.iter().find(|c| match c {
        LinkConflict::DuplicateHrKey { employee, .. } => employee == key,
        LinkConflict::SharedMatch { employees, .. } => employees.contains(key),
    }) {
        LinkStatus::Conflict {
            conflict: conflict.clone(),
        }
    } else if let Some(user) = state.by_hr_key(employee).next() {
        LinkStatus::Linked {
            user: user.id.clone(),
            user_status: user.status.clone(),
        }
    } else if let Some(c) = full.report.candidates.iter().find(|c| &c.employee == key) {
        LinkStatus::Candidate {
            user: c.user.clone(),
            matched_on: c.matched_on,
            adopted: c.adopted,
        }
    } else {
        LinkStatus::NotLinked
    };

    Ok(Explanation {
        employee: key.clone(),
        at: now,
        state: decision.state,
        lifecycle: decision.to_string(),
        next_transition: decision
            .next_transition
            .map(|t| format!("{:?} from {}", t.to, t.at.to_rfc3339())),
        mapped,
        link,
        planned,
        notes,
    })
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} at {}", self.employee, self.at.to_rfc3339())?;
        writeln!(f, "  state: {:?} — {}", self.state, self.lifecycle)?;
        if let Some(next) = &self.next_transition {
            writeln!(f, "  next: {next}")?;
        }
        match &self.link {
            LinkStatus::Linked { user, user_status } => {
                writeln!(f, "  link: user {user} ({user_status})")?;
            }
            LinkStatus::Candidate {
                user,
                matched_on,
                adopted,
            } => writeln!(
                f,
                "  link: candidate user {user} (matched on {matched_on:?}){}",
                if *adopted {
                    ", adopted by this run"
                } else {
                    ", not adopted (policy)"
                }
            )?,
            LinkStatus::Conflict { conflict } => writeln!(f, "  link: conflict {conflict:?}")?,
            LinkStatus::NotLinked => writeln!(f, "  link: none")?,
        }
        writeln!(f, "  mapped:")?;
        for m in &self.mapped {
            writeln!(
                f,
                "    {} = {} ← {}",
                m.targets.join(", "),
                m.value
                    .as_deref()
                    .map_or("(none)".into(), |v| format!("{v:?}")),
                m.provenance
            )?;
        }
        if self.planned.is_empty() {
            writeln!(f, "  planned: nothing")?;
        } else {
            writeln!(f, "  planned:")?;
            for p in &self.planned {
                write!(f, "    {}", p.action.kind())?;
                if let Some(note) = &p.reason.note {
                    write!(f, " — {note}")?;
                }
                writeln!(f)?;
                for a in &p.reason.attributes {
                    writeln!(f, "      {} ← {}", a.name, a.rule)?;
                }
            }
        }
        for n in &self.notes {
            writeln!(f, "  note: {n}")?;
        }
        Ok(())
    }
}
