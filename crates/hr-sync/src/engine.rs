//! The engine: one HR source, one target, the mapping and the policies, and the steps
//! of a run: read → plan → safeguards → (review) → apply → remember the good run.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use hr_core::{HrSnapshot, HrSource, HrSourceExt};
use mapping::Mapper;

use crate::action::Action;
use crate::apply::{ApplyError, ApplyOptions, ApplyReport, apply_plan};
use crate::error::SyncError;
use crate::explain::{ExplainError, Explanation, explain};
use crate::journal::Journal;
use crate::plan::{MANAGER_ATTRIBUTE, PlanError, PlanMismatch, SyncPlan, SyncPolicy, plan};
use crate::safeguard::{
    self, Override, RunState, SafeguardPolicy, SafeguardReport, StateError, linked_active,
};
use crate::target::{IdentityTarget, TargetState};

/// Why a run did not happen (per-person failures are not errors: they are in the
/// [`ApplyReport`] and the journal).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The HR source could not be read.
    #[error("reading the HR source: {0}")]
    Source(#[source] hr_core::Error),
    /// The target could not be read or prepared.
    #[error("the target: {0}")]
    Target(#[source] SyncError),
    /// The policy can't be used.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The safeguard state file can't be read or written.
    #[error(transparent)]
    State(#[from] StateError),
    /// A safeguard tripped: nothing was written.
    #[error("stopped by safeguards, nothing written:\n{0}")]
    Stopped(Box<SafeguardReport>),
    /// The saved plan no longer matches a fresh one: nothing was written.
    #[error(transparent)]
    Stale(#[from] PlanMismatch),
    /// The journal failed mid-run.
    #[error(transparent)]
    Apply(#[from] ApplyError),
    /// `explain` could not answer.
    #[error(transparent)]
    Explain(#[from] ExplainError),
}

/// A plan made from fresh reads, with the safeguards' verdict: what `plan` shows and
/// `apply` applies.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Prepared {
    /// The HR snapshot read.
    pub snapshot: HrSnapshot,
    /// The target's state read.
    pub state: TargetState,
    /// The plan.
    pub plan: SyncPlan,
    /// The safeguards' verdict.
    pub safeguards: SafeguardReport,
}

/// Builds an [`Engine`].
#[derive(Debug)]
pub struct EngineBuilder {
    source: Arc<dyn HrSource>,
    target: Arc<dyn IdentityTarget>,
    mapper: Arc<Mapper>,
    policy: SyncPolicy,
    safeguards: SafeguardPolicy,
    state_file: Option<PathBuf>,
}

impl EngineBuilder {
    /// The sync policy (default: [`SyncPolicy::default`]).
    #[must_use]
    pub fn policy(mut self, policy: SyncPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The safeguard policy (default: [`SafeguardPolicy::default`]).
    #[must_use]
    pub fn safeguards(mut self, safeguards: SafeguardPolicy) -> Self {
        self.safeguards = safeguards;
        self
    }

    /// Where the last good run is remembered, for the population and empty-field
    /// safeguards (without one, those rules are skipped, as on a first run).
    #[must_use]
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// The engine.
    #[must_use]
    pub fn build(self) -> Engine {
        Engine {
            source: self.source,
            target: self.target,
            mapper: self.mapper,
            policy: self.policy,
            safeguards: self.safeguards,
            state_file: self.state_file,
        }
    }
}

/// Runs syncs from one HR source to one target.
///
/// ```
/// use std::sync::Arc;
/// use chrono::{NaiveDate, TimeZone, Utc};
/// use hr_core::{Contact, Employee, EmployeeId, Employment, InMemorySource, PersonName};
/// use hr_sync::{ApplyOptions, Engine, IdentityTarget, InMemoryTarget, journal::Journal};
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
/// let ada = Employee::new(EmployeeId::new("E-1")?, PersonName::new("Ada", "Lovelace"))
///     .with_contact(Contact::default().with_work_email("ada@acme.example"))
///     .with_employment(Employment::new(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(), None)?);
/// let source = Arc::new(InMemorySource::new("demo").with_employees(vec![ada])?);
/// let target = Arc::new(InMemoryTarget::new());
/// let mapper = mapping::Mapper::preset("okta-default")?;
/// let engine = Engine::builder(source, target.clone(), mapper).build();
///
/// let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
/// let prepared = engine.prepare(now, None).await?;
/// assert!(prepared.safeguards.allows_apply());
/// let report = engine.apply(&prepared, &mut Journal::in_memory(), &ApplyOptions::default()).await?;
/// assert_eq!(report.summary.by_kind["create_user"].applied, 1);
/// // A second run has nothing to do.
/// assert!(engine.prepare(now, None).await?.plan.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Engine {
    source: Arc<dyn HrSource>,
    target: Arc<dyn IdentityTarget>,
    mapper: Arc<Mapper>,
    policy: SyncPolicy,
    safeguards: SafeguardPolicy,
    state_file: Option<PathBuf>,
}

impl Engine {
    /// An engine with the default policies and no state file.
    #[must_use]
    pub fn builder(
        source: Arc<dyn HrSource>,
        target: Arc<dyn IdentityTarget>,
        mapper: impl Into<Arc<Mapper>>,
    ) -> EngineBuilder {
        EngineBuilder {
            source,
            target,
            mapper: mapper.into(),
            policy: SyncPolicy::default(),
            safeguards: SafeguardPolicy::default(),
            state_file: None,
        }
    }

    /// The sync policy.
    #[must_use]
    pub fn policy(&self) -> &SyncPolicy {
        &self.policy
    }

    /// Reads the HR source and the target, both at once.
    async fn read(&self) -> Result<(HrSnapshot, TargetState), EngineError> {
        futures_util::future::try_join(
            async { self.source.snapshot().await.map_err(EngineError::Source) },
            async {
                self.target
                    .read_state(&self.policy.link_attribute)
                    .await
                    .map_err(EngineError::Target)
            },
        )
        .await
    }

    /// Reads the source, the last good run and the target, plans for `now` and checks
    /// the safeguards (with `overrides`, if any). Reads only.
    ///
    /// # Errors
    /// [`EngineError::Source`], [`EngineError::Target`], [`EngineError::State`] or
    /// [`EngineError::Plan`].
    pub async fn prepare(
        &self,
        now: DateTime<Utc>,
        overrides: Option<&Override>,
    ) -> Result<Prepared, EngineError> {
        let last = match &self.state_file {
            Some(path) => RunState::load(path)?,
            None => None,
        };
        let (snapshot, state) = self.read().await?;
        let plan = plan(&snapshot, &state, &self.mapper, &self.policy, now)?;
        let safeguards = safeguard::check(
            &snapshot,
            &plan,
            linked_active(&state),
            last.as_ref(),
            &self.safeguards,
            overrides,
        );
        Ok(Prepared {
            snapshot,
            state,
            plan,
            safeguards,
        })
    }

    /// Applies a prepared plan, unless a safeguard stopped it. When the plan writes
    /// anything, the link attribute and every other profile attribute the plan writes are
    /// added to the target's schema first where missing (as strings); afterwards the
    /// snapshot is remembered as the last good run in the state file.
    ///
    /// # Errors
    /// [`EngineError::Stopped`] (nothing written), [`EngineError::Target`] when the
    /// link attribute can't be added (nothing else written), [`EngineError::Apply`] when
    /// the journal fails, [`EngineError::State`] when the state file can't be written.
    pub async fn apply(
        &self,
        prepared: &Prepared,
        journal: &mut Journal,
        options: &ApplyOptions,
    ) -> Result<ApplyReport, EngineError> {
        if !prepared.safeguards.allows_apply() {
            return Err(EngineError::Stopped(Box::new(prepared.safeguards.clone())));
        }
        if !prepared.plan.is_empty() {
            // The link attribute first, then every other attribute the plan writes: a
            // mapping to custom attributes (`nmbrsId`, …) works on an Okta org that has
            // never seen them. Attributes already there, Okta's own included, cost a read.
            let mut names: BTreeSet<&str> = BTreeSet::new();
            for item in &prepared.plan.items {
                match &item.action {
                    Action::CreateUser { profile, .. } => {
                        names.extend(profile.keys().map(String::as_str));
                    }
                    Action::UpdateProfile { changes, .. } => {
                        names.extend(changes.iter().map(|c| c.name.as_str()));
                    }
                    Action::SetManager { .. } => {
                        names.insert(MANAGER_ATTRIBUTE);
                    }
                    _ => {}
                }
            }
            names.remove(self.policy.link_attribute.as_str());
            names.remove("login");
            let names: Vec<&str> = std::iter::once(self.policy.link_attribute.as_str())
                .chain(names)
                .collect();
            let added = self
                .target
                .ensure_attributes(&names)
                .await
                .map_err(EngineError::Target)?;
            if !added.is_empty() {
                tracing::info!(?added, "added attributes to the target's user schema");
            }
        }
        let report = apply_plan(self.target.as_ref(), &prepared.plan, journal, options).await?;
        if let Some(path) = &self.state_file {
            RunState::after_good_run(&prepared.snapshot).save(path)?;
        }
        Ok(report)
    }

    /// Prepares and applies in one go.
    ///
    /// # Errors
    /// As [`prepare`](Self::prepare) and [`apply`](Self::apply).
    pub async fn run(
        &self,
        now: DateTime<Utc>,
        overrides: Option<&Override>,
        journal: &mut Journal,
        options: &ApplyOptions,
    ) -> Result<ApplyReport, EngineError> {
        let prepared = self.prepare(now, overrides).await?;
        self.apply(&prepared, journal, options).await
    }

    /// Applies a plan saved for review, after checking that a fresh plan for `now` is
    /// exactly the same (same actions and reasons); otherwise nothing is written.
    ///
    /// # Errors
    /// [`EngineError::Stale`] when the saved plan differs from the fresh one (or was
    /// edited), and as [`run`](Self::run).
    pub async fn apply_saved(
        &self,
        saved: &SyncPlan,
        now: DateTime<Utc>,
        overrides: Option<&Override>,
        journal: &mut Journal,
        options: &ApplyOptions,
    ) -> Result<ApplyReport, EngineError> {
        let prepared = self.prepare(now, overrides).await?;
        saved.verify_against(&prepared.plan)?;
        self.apply(&prepared, journal, options).await
    }

    /// Explains one person at `now` from fresh reads (see [`explain`]).
    ///
    /// # Errors
    /// [`EngineError::Explain`] for an unknown person, and the read errors of
    /// [`prepare`](Self::prepare).
    pub async fn explain(
        &self,
        employee: &str,
        now: DateTime<Utc>,
    ) -> Result<Explanation, EngineError> {
        let (snapshot, state) = self.read().await?;
        Ok(explain(
            &snapshot,
            &state,
            &self.mapper,
            &self.policy,
            employee,
            now,
        )?)
    }
}
