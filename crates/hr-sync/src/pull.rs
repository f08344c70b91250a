//! Pull mode: [`HrScimProvider`], a read-only [`okta_scim::ScimProvider`] over the mapped
//! HR snapshot, which Okta's "Import Users", "Import Groups" and profile sourcing read
//! through `okta-scim`'s server (`okta.md` §3.5).
//!
//! # What Okta sees
//!
//! - **Users**, one per person the lifecycle lists, sorted by `id`:
//!   - `id`: an opaque, deterministic UUID (version 8, from SHA-256 of the HR key), the
//!     same across refreshes and restarts; `externalId`: the HR key; every other
//!     attribute from the mapping ([`mapping::MappedUser::scim_user`]).
//!   - `active: true` for people whose lifecycle is active, and for people inside the
//!     provisioning window before their start ([`LifecycleState::Pending`]): Okta's import
//!     only creates users listed active ("Okta doesn't pull in a user whose status is set
//!     to active=false", `okta.md` §3.5), and leaves imported users *staged* unless the
//!     app auto-activates them (`hr-provisioning.md` §1.1), which is what the push mode
//!     does for pending people. [`HrScimProviderBuilder::list_pending`] turns this off.
//!   - `active: false` for suspended people (always listed) and deactivated people until
//!     the retention window, counted from the day they became inactive, is over
//!     ([`DEFAULT_RETENTION_DAYS`]); profile sourcing then suspends or deactivates their
//!     Okta user at the next import (`okta.md` §3.5).
//!   - Not listed: future hires before the provisioning window (listing them inactive
//!     would do nothing, Okta skips inactive users on import), people with no employment,
//!     deactivated people past retention, people whose mapping fails, and people whose
//!     `userName` another listed person holds (all but the snapshot's notes are counted
//!     in [`SnapshotInfo`]).
//! - **Groups** from the [`SyncPolicy`]'s [`GroupRule`](crate::GroupRule)s, named exactly
//!   as the push mode names them: one per rendered value of a listed person, and for
//!   department and company rules one per org unit of that kind in the snapshot (so a
//!   department that empties for a while keeps its group). Members: listed people who
//!   are active, pending or suspended (the push mode's rule: deactivated people leave the
//!   rules' groups, suspended ones keep them).
//!
//! # Refreshing
//!
//! The snapshot is read, evaluated at the [`Clock`]'s instant and indexed into an
//! immutable index that is swapped in whole. [`HrScimProvider::refresh`] does it on
//! demand, [`HrScimProvider::spawn_refresher`] every [`HrScimProviderBuilder::refresh_interval`].
//! A refresh keeps serving the last good index ([`RefreshOutcome::KeptLastGood`]) when
//! the source fails, or when the source-side safeguards trip (`hr-provisioning.md` §5.1,
//! see [`crate::safeguard`]):
//!
//! - [`Rule::EmptySource`](crate::safeguard::Rule::EmptySource): nobody in the snapshot;
//! - [`Rule::PopulationDrop`](crate::safeguard::Rule::PopulationDrop) and
//!   [`Rule::FieldEmptied`](crate::safeguard::Rule::FieldEmptied): against the last good
//!   snapshot's [`RunState`] (given to the builder after a restart, see
//!   [`HrScimProviderBuilder::last_good`]);
//! - [`Rule::TooManyDestructive`](crate::safeguard::Rule::TooManyDestructive): people
//!   listed `active: true` in the last good index whom the new one lists inactive or no
//!   longer lists — exactly the users the next Okta import would suspend, deactivate or
//!   unassign — against max(5, 10 %) of the people listed active. The first load has
//!   no previous listing, so this rule passes it with a count of 0.
//!
//! An operator lets a legitimate large change through with [`HrScimProvider::refresh_with`]
//! and an [`Override`] naming the rules.
//!
//! # Paging
//!
//! Okta imports with `GET /Users?startIndex=1&count=100`, then 101, … (`okta.md` §3.5):
//! a page is a slice of the sorted index (linear over a whole import), and `userName`,
//! `externalId` and `id` equality filters are answered from hash indexes. Other filters
//! scan the index with `okta-scim`'s evaluator. So that a refresh in the middle of an
//! import can neither skip nor repeat anyone (a skipped person would look deleted to
//! Okta), an unfiltered request at `startIndex=1` pins the index it was served from,
//! and unfiltered requests further on are served from the pinned index while they come
//! less than [`SCAN_IDLE`] apart; the next request at `startIndex=1` pins the index
//! current then. Users and groups are pinned separately (Okta imports them one after
//! the other). Filters and reads by id always see the current index.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Days, NaiveDate, Utc};
use hr_core::{
    Employee, HrSnapshot, HrSource, LifecycleDecision, LifecycleReason, LifecycleState,
    OrgUnitKind, SnapshotOptions,
};
use mapping::Mapper;
use okta_scim::schema::{GROUP_SCHEMA, ResourceSchema, USER_SCHEMA};
use okta_scim::{
    Capabilities, Filter, Group, ListPage, ListQuery, Reference, ResourceId, ScimError,
    ScimProvider, User,
};
use serde_json::Value;
use tokio::time::Instant;

use crate::clock::{Clock, SystemClock};
use crate::plan::{GroupSource, PlanNote, SyncPolicy};
use crate::safeguard::{self, Destructive, Override, RunState, SafeguardPolicy, SafeguardReport};

/// How long deactivated people stay listed with `active: false`, counted from the day
/// they became inactive (the suspension): 90 days.
///
/// Why 90: the lifecycle's default suspends at the end and deactivates 30 days later,
/// and the deactivation must still be visible for a while after that. Okta imports at
/// most hourly and often daily or weekly, starts each run one interval after the last
/// one *finished* (`hr-provisioning.md` §1.1, §2.4), and a tripped import safeguard
/// pauses every import of the org until an admin resumes them (§1.4). 60 days after the
/// default deactivation covers several missed weekly imports. A person who disappears
/// from the listing while their Okta user is still active would be unassigned at the
/// next import; one who stayed listed inactive long enough was already handled.
///
/// ```
/// assert_eq!(hr_sync::pull::DEFAULT_RETENTION_DAYS, 90);
/// ```
pub const DEFAULT_RETENTION_DAYS: u32 = 90;

/// The default refresh interval: 15 minutes, four reads per hour, so a change in HR (or
/// a lifecycle transition at local midnight) is listed well before Okta's next hourly
/// import at the latest.
///
/// ```
/// assert_eq!(hr_sync::pull::DEFAULT_REFRESH_INTERVAL.as_secs(), 900);
/// ```
pub const DEFAULT_REFRESH_INTERVAL: Duration = Duration::from_secs(15 * 60);

/// How long a paged scan may pause between pages and still be served from the index it
/// started on: 10 minutes.
///
/// ```
/// assert_eq!(hr_sync::pull::SCAN_IDLE.as_secs(), 600);
/// ```
pub const SCAN_IDLE: Duration = Duration::from_secs(10 * 60);

/// The largest page served unless the builder says otherwise (Okta asks for 100).
///
/// ```
/// assert_eq!(hr_sync::pull::DEFAULT_MAX_PAGE_SIZE, 1000);
/// ```
pub const DEFAULT_MAX_PAGE_SIZE: u64 = 1000;

/// Why pull mode could not start, or a setting it refuses.
///
/// ```
/// use hr_sync::PullError;
/// let e = PullError::InvalidConfig { reason: "the refresh interval is zero".into() };
/// assert_eq!(e.to_string(), "pull mode: invalid configuration: the refresh interval is zero");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PullError {
    /// A setting can't be used.
    #[error("pull mode: invalid configuration: {reason}")]
    InvalidConfig {
        /// Why.
        reason: String,
    },
    /// The first read of the source failed: there is nothing good to serve yet.
    #[error("pull mode: the first read of the HR source failed: {source}")]
    FirstRead {
        /// The source's error.
        #[source]
        source: hr_core::Error,
    },
    /// The first snapshot tripped the safeguards: there is nothing good to serve yet.
    #[error("pull mode: the first snapshot tripped the safeguards: {report}")]
    FirstTripped {
        /// The safeguards' report.
        report: SafeguardReport,
    },
    /// Building the index failed unexpectedly.
    #[error("pull mode: {reason}")]
    Internal {
        /// What happened.
        reason: String,
    },
    /// [`HrScimProvider::spawn_refresher`] was called outside a Tokio runtime.
    #[error("pull mode: the refresher needs a Tokio runtime")]
    NoRuntime,
}

/// Why a refresh kept serving the last good snapshot.
///
/// ```
/// use hr_sync::KeptReason;
/// let why = KeptReason::Source(std::sync::Arc::new(hr_core::Error::unavailable("nmbrs", "HTTP 503")));
/// assert_eq!(why.to_string(), "the HR source failed: nmbrs: unavailable: HTTP 503");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum KeptReason {
    /// Reading the source failed.
    Source(Arc<hr_core::Error>),
    /// The new snapshot tripped the safeguards.
    Safeguards(SafeguardReport),
    /// Building the index failed unexpectedly.
    Internal(String),
}

impl fmt::Display for KeptReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Source(e) => write!(f, "the HR source failed: {e}"),
            Self::Safeguards(report) => write!(f, "{report}"),
            Self::Internal(why) => write!(f, "building the index failed: {why}"),
        }
    }
}

/// What the provider serves (or served): when it was read and evaluated, and how many
/// people and groups it lists. No personal data besides the HR keys in `notes`.
///
/// ```
/// let info = hr_sync::SnapshotInfo::default();
/// assert_eq!((info.generation, info.listed), (0, 0));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SnapshotInfo {
    /// Counts good snapshots: 1 for the first load, then one more per swap.
    pub generation: u64,
    /// The source's name.
    pub source: String,
    /// When the source was read.
    pub read_at: DateTime<Utc>,
    /// The instant the lifecycle was evaluated at (the clock's, at the refresh).
    pub evaluated_at: DateTime<Utc>,
    /// People in the snapshot.
    pub people: usize,
    /// Users listed.
    pub listed: usize,
    /// Users listed with `active: true`.
    pub listed_active: usize,
    /// Future hires (and people without employment) not listed yet.
    pub not_yet_listed: usize,
    /// Deactivated people past the retention window, no longer listed.
    pub retention_over: usize,
    /// People left out because their mapping failed or their `userName` is taken
    /// (each has a note).
    pub left_out: usize,
    /// Groups listed.
    pub groups: usize,
    /// Why people were left out, by HR key.
    pub notes: Vec<PlanNote>,
    /// The safeguards' report on this snapshot.
    pub safeguards: SafeguardReport,
    /// What the safeguards remember of this snapshot: save it (see
    /// [`RunState::save`]) and give it to [`HrScimProviderBuilder::last_good`] after a
    /// restart.
    pub state: Option<RunState>,
}

/// What [`HrScimProvider::refresh`] did.
///
/// ```
/// use hr_sync::{KeptReason, RefreshOutcome, SnapshotInfo};
/// let kept = RefreshOutcome::KeptLastGood {
///     reason: KeptReason::Internal("example".into()),
///     serving: SnapshotInfo::default(),
/// };
/// assert!(!kept.is_refreshed());
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum RefreshOutcome {
    /// The new snapshot is served from now on.
    Refreshed(SnapshotInfo),
    /// The last good snapshot is still served.
    KeptLastGood {
        /// Why the new one was not taken.
        reason: KeptReason,
        /// What is still served.
        serving: SnapshotInfo,
    },
}

impl RefreshOutcome {
    /// Whether the new snapshot was taken.
    ///
    /// ```
    /// let done = hr_sync::RefreshOutcome::Refreshed(hr_sync::SnapshotInfo::default());
    /// assert!(done.is_refreshed());
    /// ```
    #[must_use]
    pub fn is_refreshed(&self) -> bool {
        matches!(self, Self::Refreshed(_))
    }

    /// What is served after the refresh.
    ///
    /// ```
    /// use hr_sync::{KeptReason, RefreshOutcome, SnapshotInfo};
    /// let mut serving = SnapshotInfo::default();
    /// serving.generation = 3;
    /// let kept = RefreshOutcome::KeptLastGood { reason: KeptReason::Internal("x".into()), serving };
    /// assert_eq!(kept.serving().generation, 3);
    /// ```
    #[must_use]
    pub fn serving(&self) -> &SnapshotInfo {
        match self {
            Self::Refreshed(info) | Self::KeptLastGood { serving: info, .. } => info,
        }
    }
}

/// Builds an [`HrScimProvider`]; [`start`](Self::start) makes the first load.
///
/// | setting | default |
/// |---|---|
/// | [`policy`](Self::policy) | [`SyncPolicy::default`] (its lifecycle and group rules are used) |
/// | [`safeguards`](Self::safeguards) | [`SafeguardPolicy::default`] |
/// | [`retention_days`](Self::retention_days) | [`DEFAULT_RETENTION_DAYS`] |
/// | [`refresh_interval`](Self::refresh_interval) | [`DEFAULT_REFRESH_INTERVAL`] |
/// | [`clock`](Self::clock) | [`SystemClock`] |
/// | [`list_pending`](Self::list_pending) | `true` |
/// | [`max_page_size`](Self::max_page_size) | [`DEFAULT_MAX_PAGE_SIZE`] |
/// | [`snapshot_options`](Self::snapshot_options) | everyone |
///
/// ```
/// use std::sync::Arc;
/// use hr_core::conformance::Fixture;
/// use hr_sync::{HrScimProvider, ManualClock};
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let fixture = Fixture::standard();
/// let provider = HrScimProvider::builder(
///     Arc::new(fixture.in_memory_source()),
///     mapping::Mapper::preset("okta-default")?,
/// )
/// .clock(Arc::new(ManualClock::new(fixture.reference_time)))
/// .start()
/// .await?;
/// assert!(provider.info().listed > 0);
/// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[must_use]
pub struct HrScimProviderBuilder {
    config: Config,
    last_good: Option<RunState>,
    first_override: Option<Override>,
}

impl HrScimProviderBuilder {
    /// The lifecycle policy and group rules (only `lifecycle` and `groups` are used).
    /// ```
    /// # let source = std::sync::Arc::new(hr_core::InMemorySource::new("hr"));
    /// # let mapper = mapping::Mapper::preset("okta-default")?;
    /// use hr_sync::{GroupRule, GroupSource, SyncPolicy};
    /// let mut policy = SyncPolicy::default();
    /// policy.groups = vec![GroupRule::new(GroupSource::Department, "Dept - {name}")];
    /// let builder = hr_sync::HrScimProvider::builder(source, mapper).policy(policy);
    /// # let _ = builder;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn policy(mut self, policy: SyncPolicy) -> Self {
        self.config.policy = policy;
        self
    }

    /// The safeguard thresholds applied to every load.
    /// ```
    /// # let source = std::sync::Arc::new(hr_core::InMemorySource::new("hr"));
    /// # let mapper = mapping::Mapper::preset("okta-default")?;
    /// let strict = hr_sync::SafeguardPolicy::default();
    /// let builder = hr_sync::HrScimProvider::builder(source, mapper).safeguards(strict);
    /// # let _ = builder;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn safeguards(mut self, policy: SafeguardPolicy) -> Self {
        self.config.safeguards = policy;
        self
    }

    /// Days deactivated people stay listed inactive after they became inactive; at most
    /// [`hr_core::lifecycle::MAX_POLICY_DAYS`]. Suspended people are listed whatever the
    /// window. A window shorter than the lifecycle's `deactivate_days_after_suspend`
    /// drops people on the day they are deactivated.
    /// ```
    /// # let source = std::sync::Arc::new(hr_core::InMemorySource::new("hr"));
    /// # let mapper = mapping::Mapper::preset("okta-default")?;
    /// let builder = hr_sync::HrScimProvider::builder(source, mapper).retention_days(60);
    /// # let _ = builder;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn retention_days(mut self, days: u32) -> Self {
        self.config.retention_days = days;
        self
    }

    /// How often [`HrScimProvider::spawn_refresher`] refreshes (more than zero).
    /// ```
    /// # let source = std::sync::Arc::new(hr_core::InMemorySource::new("hr"));
    /// # let mapper = mapping::Mapper::preset("okta-default")?;
    /// use std::time::Duration;
    /// let builder = hr_sync::HrScimProvider::builder(source, mapper).refresh_interval(Duration::from_secs(300));
    /// # let _ = builder;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn refresh_interval(mut self, interval: Duration) -> Self {
        self.config.refresh_interval = interval;
        self
    }

    /// The clock the lifecycle is evaluated with.
    /// ```
    /// # let source = std::sync::Arc::new(hr_core::InMemorySource::new("hr"));
    /// # let mapper = mapping::Mapper::preset("okta-default")?;
    /// use chrono::{TimeZone, Utc};
    /// let clock = hr_sync::ManualClock::new(Utc.with_ymd_and_hms(2026, 6, 15, 2, 0, 0).unwrap());
    /// let builder = hr_sync::HrScimProvider::builder(source, mapper).clock(std::sync::Arc::new(clock));
    /// # let _ = builder;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.config.clock = clock;
        self
    }

    /// Whether people inside the provisioning window before their start are listed
    /// (`active: true`, so Okta's import creates them); `false` lists them from their
    /// activation on (a rehire still listed inactive for their last contract stays
    /// listed inactive until then).
    /// ```
    /// # let source = std::sync::Arc::new(hr_core::InMemorySource::new("hr"));
    /// # let mapper = mapping::Mapper::preset("okta-default")?;
    /// // Okta's import auto-activates new users here: list people from their first day.
    /// let builder = hr_sync::HrScimProvider::builder(source, mapper).list_pending(false);
    /// # let _ = builder;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn list_pending(mut self, yes: bool) -> Self {
        self.config.list_pending = yes;
        self
    }

    /// The largest page served (at least 1).
    /// ```
    /// # let source = std::sync::Arc::new(hr_core::InMemorySource::new("hr"));
    /// # let mapper = mapping::Mapper::preset("okta-default")?;
    /// let builder = hr_sync::HrScimProvider::builder(source, mapper).max_page_size(200);
    /// # let _ = builder;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_page_size(mut self, n: u64) -> Self {
        self.config.max_page_size = n.max(1);
        self
    }

    /// What to read from the source (for example one company).
    /// ```
    /// # let source = std::sync::Arc::new(hr_core::InMemorySource::new("hr"));
    /// # let mapper = mapping::Mapper::preset("okta-default")?;
    /// use hr_core::{CompanyId, SnapshotOptions};
    /// let one = SnapshotOptions::default().with_companies([CompanyId::new("1001")?]);
    /// let builder = hr_sync::HrScimProvider::builder(source, mapper).snapshot_options(one);
    /// # let _ = builder;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn snapshot_options(mut self, options: SnapshotOptions) -> Self {
        self.config.options = options;
        self
    }

    /// The last good snapshot's [`RunState`] from before a restart, so that the first
    /// load is checked for a population drop and emptied fields too.
    /// ```
    /// # let source = std::sync::Arc::new(hr_core::InMemorySource::new("hr"));
    /// # let mapper = mapping::Mapper::preset("okta-default")?;
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("pull-state.json");
    /// let mut builder = hr_sync::HrScimProvider::builder(source, mapper);
    /// if let Some(state) = hr_sync::RunState::load(&path)? {
    ///     builder = builder.last_good(state);
    /// }
    /// # let _ = builder;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn last_good(mut self, state: RunState) -> Self {
        self.last_good = Some(state);
        self
    }

    /// An operator's override for the first load only.
    /// ```
    /// # let source = std::sync::Arc::new(hr_core::InMemorySource::new("hr"));
    /// # let mapper = mapping::Mapper::preset("okta-default")?;
    /// use hr_sync::{Override, Rule};
    /// let token = Override::rules([Rule::PopulationDrop], "company B moved to another payroll, HR-9");
    /// let builder = hr_sync::HrScimProvider::builder(source, mapper).first_load_override(token);
    /// # let _ = builder;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn first_load_override(mut self, token: Override) -> Self {
        self.first_override = Some(token);
        self
    }

    fn check(&self) -> Result<(), PullError> {
        let invalid = |reason: String| Err(PullError::InvalidConfig { reason });
        if let Err(e) = self.config.policy.check() {
            return invalid(e.to_string());
        }
        if self.config.retention_days > hr_core::lifecycle::MAX_POLICY_DAYS {
            return invalid(format!(
                "a retention of {} days is more than the {} allowed",
                self.config.retention_days,
                hr_core::lifecycle::MAX_POLICY_DAYS
            ));
        }
        if self.config.refresh_interval.is_zero() {
            return invalid("the refresh interval is zero".into());
        }
        Ok(())
    }

    /// Checks the settings, reads the source and builds the first index.
    ///
    /// # Errors
    /// [`PullError::InvalidConfig`] for a setting that can't be used;
    /// [`PullError::FirstRead`] when the source fails and [`PullError::FirstTripped`]
    /// when the safeguards trip: there is no good snapshot to serve yet.
    pub async fn start(self) -> Result<HrScimProvider, PullError> {
        self.check()?;
        let config = Arc::new(self.config);
        let base = Base {
            index: None,
            state: self.last_good,
        };
        match load(&config, &base, 1, self.first_override.as_ref()).await {
            Ok(index) => Ok(HrScimProvider {
                inner: Arc::new(Inner {
                    config,
                    current: RwLock::new(Arc::new(index)),
                    refreshing: tokio::sync::Mutex::new(()),
                    scans: Mutex::new([None, None]),
                    last_outcome: tokio::sync::watch::Sender::new(None),
                }),
            }),
            Err(KeptReason::Source(e)) => Err(PullError::FirstRead {
                source: Arc::try_unwrap(e).unwrap_or_else(|shared| {
                    hr_core::Error::unavailable(config.source.name(), shared.to_string())
                }),
            }),
            Err(KeptReason::Safeguards(report)) => Err(PullError::FirstTripped { report }),
            Err(KeptReason::Internal(reason)) => Err(PullError::Internal { reason }),
        }
    }
}

/// The settings, shared by the provider and its build tasks.
#[derive(Debug)]
struct Config {
    source: Arc<dyn HrSource>,
    mapper: Mapper,
    policy: SyncPolicy,
    safeguards: SafeguardPolicy,
    retention_days: u32,
    refresh_interval: Duration,
    clock: Arc<dyn Clock>,
    list_pending: bool,
    max_page_size: u64,
    options: SnapshotOptions,
    users_schema: ResourceSchema,
    groups_schema: ResourceSchema,
}

/// What a load is compared with: the index served and the last good run's state.
struct Base {
    index: Option<Arc<Index>>,
    state: Option<RunState>,
}

/// A paged scan in progress and the index it started on.
struct Scan {
    index: Arc<Index>,
    last_page: Instant,
}

struct Inner {
    config: Arc<Config>,
    current: RwLock<Arc<Index>>,
    /// One refresh at a time, so each compares with the index it replaces.
    refreshing: tokio::sync::Mutex<()>,
    /// The scans of users (0) and groups (1).
    scans: Mutex<[Option<Scan>; 2]>,
    /// The last refresh's outcome, for [`HrScimProvider::last_refresh`] and subscribers.
    last_outcome: tokio::sync::watch::Sender<Option<RefreshOutcome>>,
}

/// A read-only SCIM provider over an HR source, for Okta's import (see the
/// [module documentation](crate::pull) for what it lists and why).
///
/// Cloning is cheap and clones serve the same index. Serve it with `okta-scim`'s server:
///
/// ```
/// use std::sync::Arc;
/// use hr_core::conformance::Fixture;
/// use hr_sync::{HrScimProvider, ManualClock};
/// use okta_scim::{ListQuery, ScimProvider};
/// use okta_scim::server::{Access, Credential, ScimServer};
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let fixture = Fixture::standard();
/// let provider = HrScimProvider::builder(
///     Arc::new(fixture.in_memory_source()),
///     mapping::Mapper::preset("okta-default")?,
/// )
/// .clock(Arc::new(ManualClock::new(fixture.reference_time)))
/// .start()
/// .await?;
/// assert!(!provider.capabilities().writable);
///
/// let page = provider.list_users(&ListQuery::new().page(1, 100)).await?;
/// assert_eq!(page.total_results as usize, provider.info().listed);
///
/// let server = ScimServer::builder(Arc::new(provider.clone()))
///     .credential(Credential::bearer("a-long-random-token".to_owned().into(), Access::ReadOnly))
///     .build()?;
/// let _router = server.router(); // axum::serve(listener, router)
/// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct HrScimProvider {
    inner: Arc<Inner>,
}

impl fmt::Debug for HrScimProvider {
    /// Counts and settings only: the people are personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let index = self.inner.current();
        let c = &self.inner.config;
        f.debug_struct("HrScimProvider")
            .field("source", &c.source.name())
            .field("generation", &index.info.generation)
            .field("listed", &index.info.listed)
            .field("groups", &index.info.groups)
            .field("retention_days", &c.retention_days)
            .field("refresh_interval", &c.refresh_interval)
            .finish_non_exhaustive()
    }
}

impl HrScimProvider {
    /// Starts a builder over `source`, mapping people with `mapper`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let builder = hr_sync::HrScimProvider::builder(
    ///     Arc::new(hr_core::InMemorySource::new("hr")),
    ///     mapping::Mapper::preset("okta-default")?,
    /// )
    /// .retention_days(60);
    /// # let _ = builder;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder(source: Arc<dyn HrSource>, mapper: Mapper) -> HrScimProviderBuilder {
        HrScimProviderBuilder {
            config: Config {
                source,
                mapper,
                policy: SyncPolicy::default(),
                safeguards: SafeguardPolicy::default(),
                retention_days: DEFAULT_RETENTION_DAYS,
                refresh_interval: DEFAULT_REFRESH_INTERVAL,
                clock: Arc::new(SystemClock),
                list_pending: true,
                max_page_size: DEFAULT_MAX_PAGE_SIZE,
                options: SnapshotOptions::default(),
                users_schema: ResourceSchema::user(),
                groups_schema: ResourceSchema::group(),
            },
            last_good: None,
            first_override: None,
        }
    }

    /// What is served now.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use hr_core::conformance::Fixture;
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// # let fixture = Fixture::standard();
    /// # let provider = hr_sync::HrScimProvider::builder(Arc::new(fixture.in_memory_source()), mapping::Mapper::preset("okta-default")?)
    /// #     .clock(Arc::new(hr_sync::ManualClock::new(fixture.reference_time))).start().await?;
    /// let info = provider.info();
    /// assert_eq!(info.generation, 1);
    /// assert!(info.listed_active <= info.listed);
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn info(&self) -> SnapshotInfo {
        self.inner.current().info.clone()
    }

    /// The outcome of the last refresh after the first load, if any.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use hr_core::conformance::Fixture;
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// # let fixture = Fixture::standard();
    /// # let provider = hr_sync::HrScimProvider::builder(Arc::new(fixture.in_memory_source()), mapping::Mapper::preset("okta-default")?)
    /// #     .clock(Arc::new(hr_sync::ManualClock::new(fixture.reference_time))).start().await?;
    /// assert!(provider.last_refresh().is_none());
    /// provider.refresh().await;
    /// assert!(provider.last_refresh().is_some_and(|o| o.is_refreshed()));
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn last_refresh(&self) -> Option<RefreshOutcome> {
        self.inner.last_outcome.borrow().clone()
    }

    /// A receiver that sees every refresh's outcome as it happens (the first load is
    /// not one): for metrics, alerts on [`RefreshOutcome::KeptLastGood`], or a test
    /// waiting for the background refresher.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use hr_core::conformance::Fixture;
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// # let fixture = Fixture::standard();
    /// # let provider = hr_sync::HrScimProvider::builder(Arc::new(fixture.in_memory_source()), mapping::Mapper::preset("okta-default")?)
    /// #     .clock(Arc::new(hr_sync::ManualClock::new(fixture.reference_time))).start().await?;
    /// let mut refreshes = provider.subscribe();
    /// provider.refresh().await;
    /// assert!(refreshes.has_changed()?);
    /// let outcome = refreshes.borrow_and_update().clone();
    /// assert_eq!(outcome.map(|o| o.serving().generation), Some(2));
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<Option<RefreshOutcome>> {
        self.inner.last_outcome.subscribe()
    }

    /// Reads the source now and serves the result if it is good; otherwise keeps the
    /// last good snapshot. Concurrent calls run one after the other.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use hr_core::conformance::Fixture;
    /// use hr_sync::{HrScimProvider, KeptReason, ManualClock, RefreshOutcome};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let fixture = Fixture::standard();
    /// let source = Arc::new(fixture.in_memory_source());
    /// let provider = HrScimProvider::builder(source.clone(), mapping::Mapper::preset("okta-default")?)
    ///     .clock(Arc::new(ManualClock::new(fixture.reference_time)))
    ///     .start()
    ///     .await?;
    /// source.update(|people, _| people.clear())?; // the source suddenly holds nobody
    /// let outcome = provider.refresh().await;
    /// assert!(matches!(outcome, RefreshOutcome::KeptLastGood { reason: KeptReason::Safeguards(_), .. }));
    /// assert_eq!(provider.info().generation, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn refresh(&self) -> RefreshOutcome {
        self.refresh_with(None).await
    }

    /// [`refresh`](Self::refresh) with an operator's [`Override`] of the rules it names.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use hr_core::conformance::Fixture;
    /// use hr_sync::{HrScimProvider, ManualClock, Override, Rule};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let fixture = Fixture::standard();
    /// let source = Arc::new(fixture.in_memory_source());
    /// let provider = HrScimProvider::builder(source.clone(), mapping::Mapper::preset("okta-default")?)
    ///     .clock(Arc::new(ManualClock::new(fixture.reference_time)))
    ///     .start()
    ///     .await?;
    /// source.update(|people, _| people.truncate(20))?; // a company moved to another payroll
    /// assert!(!provider.refresh().await.is_refreshed());
    /// let token = Override::rules([Rule::PopulationDrop, Rule::TooManyDestructive], "company B left, ticket HR-9");
    /// assert!(provider.refresh_with(Some(&token)).await.is_refreshed());
    /// assert_eq!(provider.info().people, 20);
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn refresh_with(&self, overrides: Option<&Override>) -> RefreshOutcome {
        self.inner.refresh(overrides).await
    }

    /// Refreshes every [`refresh_interval`](HrScimProviderBuilder::refresh_interval) in
    /// a task of the current Tokio runtime (which needs its timer enabled, as
    /// `#[tokio::main]` does), until the returned [`Refresher`] is dropped or stopped.
    /// Outcomes are logged (`tracing`) and kept for [`last_refresh`](Self::last_refresh)
    /// and [`subscribe`](Self::subscribe)rs.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use hr_core::conformance::Fixture;
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
    /// # let fixture = Fixture::standard();
    /// # let provider = hr_sync::HrScimProvider::builder(Arc::new(fixture.in_memory_source()), mapping::Mapper::preset("okta-default")?)
    /// #     .clock(Arc::new(hr_sync::ManualClock::new(fixture.reference_time))).start().await?;
    /// let refresher = provider.spawn_refresher()?;
    /// // … serve …
    /// refresher.stop();
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`PullError::NoRuntime`] outside a Tokio runtime.
    pub fn spawn_refresher(&self) -> Result<Refresher, PullError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| PullError::NoRuntime)?;
        let inner = Arc::clone(&self.inner);
        let interval = inner.config.refresh_interval;
        let task = runtime.spawn(async move {
            loop {
                tokio::time::sleep(interval).await;
                inner.refresh(None).await;
            }
        });
        Ok(Refresher { task })
    }
}

/// The background refresher of an [`HrScimProvider`]; it stops when dropped.
///
/// ```
/// # use std::sync::Arc;
/// # use hr_core::conformance::Fixture;
/// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
/// # let fixture = Fixture::standard();
/// # let provider = hr_sync::HrScimProvider::builder(Arc::new(fixture.in_memory_source()), mapping::Mapper::preset("okta-default")?)
/// #     .clock(Arc::new(hr_sync::ManualClock::new(fixture.reference_time))).start().await?;
/// {
///     let _refresher = provider.spawn_refresher()?;
/// } // stopped here
/// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Refresher {
    task: tokio::task::JoinHandle<()>,
}

impl Refresher {
    /// Stops refreshing (a refresh under way is abandoned; the index is swapped whole,
    /// so what is served stays consistent). Dropping the refresher does the same.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use hr_core::conformance::Fixture;
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
    /// # let fixture = Fixture::standard();
    /// # let provider = hr_sync::HrScimProvider::builder(Arc::new(fixture.in_memory_source()), mapping::Mapper::preset("okta-default")?)
    /// #     .clock(Arc::new(hr_sync::ManualClock::new(fixture.reference_time))).start().await?;
    /// provider.spawn_refresher()?.stop();
    /// assert!(provider.last_refresh().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stop(self) {}
}

impl Drop for Refresher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Inner {
    fn current(&self) -> Arc<Index> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    async fn refresh(&self, overrides: Option<&Override>) -> RefreshOutcome {
        let _one_at_a_time = self.refreshing.lock().await;
        let current = self.current();
        let base = Base {
            state: current.info.state.clone(),
            index: Some(Arc::clone(&current)),
        };
        let outcome = match load(&self.config, &base, current.info.generation + 1, overrides).await
        {
            Ok(index) => {
                let info = index.info.clone();
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(index);
                tracing::info!(
                    source = %info.source,
                    generation = info.generation,
                    people = info.people,
                    listed = info.listed,
                    listed_active = info.listed_active,
                    groups = info.groups,
                    left_out = info.left_out,
                    "pull mode: refreshed"
                );
                RefreshOutcome::Refreshed(info)
            }
            Err(reason) => {
                tracing::warn!(
                    source = %current.info.source,
                    serving = current.info.generation,
                    %reason,
                    "pull mode: kept the last good snapshot"
                );
                RefreshOutcome::KeptLastGood {
                    reason,
                    serving: current.info.clone(),
                }
            }
        };
        self.last_outcome.send_replace(Some(outcome.clone()));
        outcome
    }

    /// The index a list request is served from: an unfiltered scan from `startIndex=1`
    /// pins the current index; its later pages use the pinned one while the scan goes on.
    fn scan_index(&self, kind: usize, query: &ListQuery) -> Arc<Index> {
        let current = self.current();
        if query.filter.is_some() || query.sort_by.is_some() {
            return current;
        }
        let mut scans = self.scans.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(slot) = scans.get_mut(kind) else {
            return current;
        };
        let now = Instant::now();
        if query.start_index <= 1 {
            *slot = Some(Scan {
                index: Arc::clone(&current),
                last_page: now,
            });
            return current;
        }
        match slot {
            Some(scan) if now.duration_since(scan.last_page) <= SCAN_IDLE => {
                scan.last_page = now;
                Arc::clone(&scan.index)
            }
            _ => {
                *slot = None;
                current
            }
        }
    }
}

/// Reads the source and builds an index that passed the safeguards.
async fn load(
    config: &Arc<Config>,
    base: &Base,
    generation: u64,
    overrides: Option<&Override>,
) -> Result<Index, KeptReason> {
    let snapshot = config
        .source
        .snapshot_opts(&config.options)
        .await
        .map_err(|e| KeptReason::Source(Arc::new(e)))?;
    let now = config.clock.now();
    let job = {
        let config = Arc::clone(config);
        let previous = base.index.clone();
        let state = base.state.clone();
        let overrides = overrides.cloned();
        move || {
            build(
                &config,
                &snapshot,
                now,
                generation,
                previous.as_deref(),
                state.as_ref(),
                overrides.as_ref(),
            )
        }
    };
    // Mapping thousands of people is CPU work: keep it off the runtime's workers.
    let index = match tokio::runtime::Handle::try_current() {
        Ok(runtime) => runtime
            .spawn_blocking(job)
            .await
            .map_err(|e| KeptReason::Internal(e.to_string()))?,
        Err(_) => job(),
    };
    if index.info.safeguards.allows_apply() {
        Ok(index)
    } else {
        Err(KeptReason::Safeguards(index.info.safeguards.clone()))
    }
}

/// One listed person.
struct Listed {
    user: User,
    json: Value,
    active: bool,
}

/// An immutable, indexed listing: what one good snapshot serves.
struct Index {
    info: SnapshotInfo,
    /// Sorted by `id`.
    users: Vec<Listed>,
    user_by_id: HashMap<ResourceId, usize>,
    user_by_name: HashMap<String, usize>,
    user_by_external: HashMap<String, usize>,
    /// Sorted by `id`.
    groups: Vec<(Group, Value)>,
    group_by_id: HashMap<ResourceId, usize>,
    group_by_name: HashMap<String, usize>,
}

/// The case-insensitive key of a `userName` or group name: the per-character Unicode
/// lowercase, as `okta-scim`'s filter evaluator compares.
fn fold(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// An opaque, deterministic id: a version 8 UUID (RFC 9562 §5.8) of SHA-256 over the
/// kind and the key.
fn opaque_id(kind: &str, key: &str) -> ResourceId {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for part in ["hrsync:", kind, ":", key] {
        ctx.update(part.as_bytes());
    }
    let digest = ctx.finish();
    let mut b = [0u8; 16];
    for (dst, src) in b.iter_mut().zip(digest.as_ref()) {
        *dst = *src;
    }
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut s = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{byte:02x}"));
    }
    ResourceId::new(s)
}

/// Whether a person is listed, and how.
enum Listing {
    Active,
    Inactive,
    NotYet,
    RetentionOver,
}

fn listing(config: &Config, decision: &LifecycleDecision, now: DateTime<Utc>) -> Listing {
    let retained =
        |end: Option<NaiveDate>| end.is_none_or(|end| within(config, decision, end, now));
    match decision.state {
        LifecycleState::Active => Listing::Active,
        LifecycleState::Pending if config.list_pending => Listing::Active,
        // Not listed before activation, but a rehire listed inactive for their last
        // contract stays so (it would look deleted to Okta otherwise).
        LifecycleState::Pending => match decision.rehire_after {
            Some(end) if within(config, decision, end, now) => Listing::Inactive,
            _ => Listing::NotYet,
        },
        LifecycleState::Suspended => Listing::Inactive,
        LifecycleState::Deactivated if retained(last_day(decision)) => Listing::Inactive,
        LifecycleState::Deactivated => Listing::RetentionOver,
        _ => Listing::NotYet,
    }
}

/// The last day of the employment a suspension or deactivation comes from.
fn last_day(decision: &LifecycleDecision) -> Option<NaiveDate> {
    match decision.reason {
        LifecycleReason::Ended { end, .. } | LifecycleReason::Gone { end, .. } => Some(end),
        _ => None,
    }
}

/// Whether someone whose employment ended on `end` is still inside the retention
/// window: it runs from the suspension (the day after the last day plus the grace) for
/// `retention_days`, to the lifecycle's transition time in the person's zone. An end
/// the decision does not name (`None` above) keeps the person listed.
fn within(
    config: &Config,
    decision: &LifecycleDecision,
    end: NaiveDate,
    now: DateTime<Utc>,
) -> bool {
    let lifecycle = &config.policy.lifecycle;
    let days = 1 + u64::from(lifecycle.grace_days_after_end()) + u64::from(config.retention_days);
    let Some(until) = end.checked_add_days(Days::new(days)) else {
        return true;
    };
    now.with_timezone(&decision.zone).naive_local() < until.and_time(lifecycle.transition_time())
}

/// A person on the way into the index.
struct Candidate<'a> {
    employee: &'a Employee,
    id: ResourceId,
    user: User,
    name_key: String,
    active: bool,
    member: bool,
}

#[allow(clippy::too_many_arguments)] // the pieces of one load, passed once
fn build(
    config: &Config,
    snapshot: &HrSnapshot,
    now: DateTime<Utc>,
    generation: u64,
    previous: Option<&Index>,
    state: Option<&RunState>,
    overrides: Option<&Override>,
) -> Index {
    let mut info = SnapshotInfo {
        generation,
        source: snapshot.source().to_owned(),
        read_at: snapshot.read_at(),
        evaluated_at: now,
        people: snapshot.len(),
        ..SnapshotInfo::default()
    };
    let note = |info: &mut SnapshotInfo, key: &str, text: String| {
        info.left_out += 1;
        info.notes.push(PlanNote {
            hr_key: Some(key.to_owned()),
            note: text,
        });
    };

    let mut candidates: Vec<Candidate<'_>> = Vec::with_capacity(snapshot.len());
    for employee in snapshot.employees() {
        let key = employee.id.as_str();
        let decision = config.policy.lifecycle.evaluate(employee, now);
        let active = match listing(config, &decision, now) {
            Listing::Active => true,
            Listing::Inactive => false,
            Listing::NotYet => {
                info.not_yet_listed += 1;
                continue;
            }
            Listing::RetentionOver => {
                info.retention_over += 1;
                continue;
            }
        };
        let mapped = match config.mapper.map(employee, &decision) {
            Ok(m) => m,
            Err(errors) => {
                note(&mut info, key, format!("not listed: not mapped: {errors}"));
                continue;
            }
        };
        let id = opaque_id("user", key);
        let mut json = mapped.scim_user();
        if let Some(map) = json.as_object_mut() {
            map.insert("id".into(), Value::from(id.as_str()));
            map.insert("externalId".into(), Value::from(key));
            map.insert("active".into(), Value::Bool(active));
        }
        let user = match User::from_json(json) {
            Ok(u) => u,
            Err(e) => {
                note(
                    &mut info,
                    key,
                    format!("not listed: not a SCIM user: {}", e.detail()),
                );
                continue;
            }
        };
        let member = matches!(
            decision.state,
            LifecycleState::Active | LifecycleState::Pending | LifecycleState::Suspended
        );
        candidates.push(Candidate {
            employee,
            name_key: fold(&user.user_name),
            id,
            user,
            active,
            member,
        });
    }

    let candidates = unique_user_names(candidates, previous, &mut info);
    let (mut candidates, groups) = groups(config, snapshot, candidates);

    candidates.sort_by(|a, b| a.id.cmp(&b.id));
    let mut users = Vec::with_capacity(candidates.len());
    let mut user_by_id = HashMap::with_capacity(candidates.len());
    let mut user_by_name = HashMap::with_capacity(candidates.len());
    let mut user_by_external = HashMap::with_capacity(candidates.len());
    for (i, c) in candidates.into_iter().enumerate() {
        user_by_id.insert(c.id, i);
        user_by_name.insert(c.name_key, i);
        user_by_external.insert(c.employee.id.as_str().to_owned(), i);
        info.listed_active += usize::from(c.active);
        users.push(Listed {
            json: c.user.to_json(),
            user: c.user,
            active: c.active,
        });
    }
    info.listed = users.len();

    let mut group_by_id = HashMap::with_capacity(groups.len());
    let mut group_by_name = HashMap::with_capacity(groups.len());
    for (i, (g, _)) in groups.iter().enumerate() {
        if let Some(id) = &g.id {
            group_by_id.insert(id.clone(), i);
        }
        group_by_name.insert(fold(&g.display_name), i);
    }
    info.groups = groups.len();
    info.notes
        .sort_by(|a, b| (&a.hr_key, &a.note).cmp(&(&b.hr_key, &b.note)));

    let mut index = Index {
        info,
        users,
        user_by_id,
        user_by_name,
        user_by_external,
        groups,
        group_by_id,
        group_by_name,
    };
    let (destructive, listed_active_before) = destructive(previous, &index);
    index.info.safeguards = safeguard::evaluate(
        snapshot,
        destructive,
        listed_active_before,
        state,
        &config.safeguards,
        overrides,
    );
    index.info.state = Some(RunState::after_good_run(snapshot));
    index
}

/// Keeps one person per case-insensitive `userName`: the one listed with it before,
/// else an active one, else the first by HR key; the others get a note.
fn unique_user_names<'a>(
    candidates: Vec<Candidate<'a>>,
    previous: Option<&Index>,
    info: &mut SnapshotInfo,
) -> Vec<Candidate<'a>> {
    let mut by_name: HashMap<String, Vec<Candidate<'a>>> = HashMap::with_capacity(candidates.len());
    for c in candidates {
        by_name.entry(c.name_key.clone()).or_default().push(c);
    }
    let mut kept = Vec::with_capacity(by_name.len());
    for (name_key, mut same) in by_name {
        if same.len() > 1 {
            let holder = previous
                .and_then(|p| p.user_by_name.get(&name_key).and_then(|&i| p.users.get(i)))
                .and_then(|l| l.user.external_id.clone());
            same.sort_by(|a, b| {
                let rank = |c: &Candidate<'_>| {
                    (holder.as_deref() != Some(c.employee.id.as_str()), !c.active)
                };
                rank(a)
                    .cmp(&rank(b))
                    .then_with(|| a.employee.id.cmp(&b.employee.id))
            });
        }
        let mut same = same.into_iter();
        let Some(winner) = same.next() else { continue };
        for loser in same {
            info.left_out += 1;
            info.notes.push(PlanNote {
                hr_key: Some(loser.employee.id.as_str().to_owned()),
                note: format!(
                    "not listed: userName {} is also the mapped userName of {}, who is listed",
                    loser.user.user_name, winner.employee.id
                ),
            });
        }
        kept.push(winner);
    }
    kept
}

/// The rules' groups with their members, sorted by id; each member's `groups` is set.
fn groups<'a>(
    config: &Config,
    snapshot: &HrSnapshot,
    mut candidates: Vec<Candidate<'a>>,
) -> (Vec<Candidate<'a>>, Vec<(Group, Value)>) {
    // Group key (folded name) → display name, member indexes into `candidates`.
    let mut wanted: BTreeMap<String, (String, Vec<usize>)> = BTreeMap::new();
    let mut add = |name: String, member: Option<usize>| {
        let entry = wanted
            .entry(fold(&name))
            .or_insert_with(|| (name.clone(), Vec::new()));
        if name < entry.0 {
            entry.0 = name;
        }
        if let Some(i) = member
            && entry.1.last() != Some(&i)
        {
            entry.1.push(i);
        }
    };
    for rule in &config.policy.groups {
        let kind = match rule.from {
            GroupSource::Department => Some(OrgUnitKind::Department),
            GroupSource::Company => Some(OrgUnitKind::Company),
            _ => None,
        };
        if let Some(kind) = kind {
            for unit in snapshot.org_units().iter().filter(|u| u.kind == kind) {
                let name = unit.name.trim();
                if !name.is_empty() {
                    add(rule.render(name), None);
                }
            }
        }
        for (i, c) in candidates.iter().enumerate() {
            if c.member
                && let Some(value) = rule.from.value(c.employee)
            {
                add(rule.render(value), Some(i));
            }
        }
    }
    let mut groups: Vec<(Group, Vec<usize>)> = wanted
        .into_iter()
        .map(|(key, (name, members))| {
            let mut group = Group::new(name);
            group.id = Some(opaque_id("group", &key));
            (group, members)
        })
        .collect();
    groups.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    let mut out = Vec::with_capacity(groups.len());
    for (mut group, mut members) in groups {
        members.sort_by(|&a, &b| candidates[a].id.cmp(&candidates[b].id));
        members.dedup();
        let gid = group
            .id
            .as_ref()
            .map(ResourceId::as_str)
            .unwrap_or_default();
        for &m in &members {
            let c = &mut candidates[m];
            group
                .members
                .push(Reference::to(c.id.as_str(), Some(&c.user.user_name)));
            let mut r = Reference::to(gid, Some(&group.display_name));
            r.kind = Some("direct".into());
            c.user.groups.push(r);
        }
        let json = group.to_json();
        out.push((group, json));
    }
    (candidates, out)
}

/// How many people listed active before the new index lists inactive or not at all,
/// and how many were listed active before.
fn destructive(previous: Option<&Index>, new: &Index) -> (Destructive, usize) {
    let (mut now_inactive, mut no_longer_listed, mut before) = (0, 0, 0);
    for old in previous
        .iter()
        .flat_map(|p| p.users.iter())
        .filter(|l| l.active)
    {
        before += 1;
        let now = old
            .user
            .external_id
            .as_ref()
            .and_then(|k| new.user_by_external.get(k))
            .and_then(|&i| new.users.get(i));
        match now {
            None => no_longer_listed += 1,
            Some(l) if !l.active => now_inactive += 1,
            Some(_) => {}
        }
    }
    (
        Destructive::Listing {
            now_inactive,
            no_longer_listed,
        },
        before,
    )
}

/// The entry an equality filter on an indexed attribute selects: `Some(None)` for no
/// match, `None` when the filter is not such an equality.
fn indexed(
    filter: &Filter,
    core_urn: &str,
    by: &dyn Fn(&str, &str) -> Option<Option<usize>>,
) -> Option<Option<usize>> {
    let (path, value) = filter.equality()?;
    if path
        .urn
        .as_deref()
        .is_some_and(|u| !u.eq_ignore_ascii_case(core_urn))
    {
        return None;
    }
    by(&path.name.to_ascii_lowercase(), value)
}

impl HrScimProvider {
    /// The total and the page of `items` the query asks for: the indexed entry when an
    /// equality filter named one (`hit`), a slice of the sorted items without filter
    /// (`O(page)`), else `okta-scim`'s evaluator over every item's JSON.
    fn select<'a, T>(
        &self,
        query: &ListQuery,
        items: &'a [T],
        json: impl Fn(&T) -> &Value,
        hit: Option<Option<usize>>,
        schema: &ResourceSchema,
    ) -> (u64, Vec<&'a T>) {
        let max = self.inner.config.max_page_size;
        let slice = match (hit, &query.filter, &query.sort_by) {
            (Some(hit), _, _) => hit.and_then(|i| items.get(i..=i)).unwrap_or_default(),
            (None, None, None) => items,
            _ => {
                let page = okta_scim::query::evaluate(
                    items.iter().map(|item| (json(item), item)),
                    query,
                    schema,
                    max,
                );
                return (page.total_results, page.resources);
            }
        };
        let total = slice.len() as u64;
        let (offset, len) = query.window(total, max);
        (total, slice.iter().skip(offset).take(len).collect())
    }
}

impl Index {
    fn user_lookup(&self, attr: &str, value: &str) -> Option<Option<usize>> {
        match attr {
            "username" => Some(self.user_by_name.get(&fold(value)).copied()),
            "externalid" => Some(self.user_by_external.get(value).copied()),
            "id" => Some(self.user_by_id.get(&ResourceId::new(value)).copied()),
            _ => None,
        }
    }

    fn group_lookup(&self, attr: &str, value: &str) -> Option<Option<usize>> {
        match attr {
            "displayname" => Some(self.group_by_name.get(&fold(value)).copied()),
            "id" => Some(self.group_by_id.get(&ResourceId::new(value)).copied()),
            // Groups carry no externalId.
            "externalid" => Some(None),
            _ => None,
        }
    }
}

const USERS: usize = 0;
const GROUPS: usize = 1;

#[async_trait]
impl ScimProvider for HrScimProvider {
    fn capabilities(&self) -> Capabilities {
        // Sorting would cost O(n log n) per page; Okta never sorts.
        Capabilities::read_only()
            .with_sort(false)
            .with_etag(false)
            .with_max_page_size(self.inner.config.max_page_size)
    }

    async fn list_users(&self, query: &ListQuery) -> okta_scim::Result<ListPage<User>> {
        let index = self.inner.scan_index(USERS, query);
        let hit = query.filter.as_ref().and_then(|f| {
            indexed(f, USER_SCHEMA, &|attr, value| {
                index.user_lookup(attr, value)
            })
        });
        let schema = &self.inner.config.users_schema;
        let (total, page) = self.select(query, &index.users, |l| &l.json, hit, schema);
        let resources = page.into_iter().map(|l| l.user.clone()).collect();
        Ok(ListPage::new(total, resources))
    }

    async fn get_user(&self, id: &ResourceId) -> okta_scim::Result<User> {
        let index = self.inner.current();
        index
            .user_by_id
            .get(id)
            .and_then(|&i| index.users.get(i))
            .map(|l| l.user.clone())
            .ok_or_else(|| ScimError::not_found(format!("User {id} not found")))
    }

    async fn list_groups(&self, query: &ListQuery) -> okta_scim::Result<ListPage<Group>> {
        let index = self.inner.scan_index(GROUPS, query);
        let hit = query.filter.as_ref().and_then(|f| {
            indexed(f, GROUP_SCHEMA, &|attr, value| {
                index.group_lookup(attr, value)
            })
        });
        let schema = &self.inner.config.groups_schema;
        let (total, page) = self.select(query, &index.groups, |g| &g.1, hit, schema);
        let resources = page.into_iter().map(|g| g.0.clone()).collect();
        Ok(ListPage::new(total, resources))
    }

    async fn get_group(&self, id: &ResourceId) -> okta_scim::Result<Group> {
        let index = self.inner.current();
        index
            .group_by_id
            .get(id)
            .and_then(|&i| index.groups.get(i))
            .map(|g| g.0.clone())
            .ok_or_else(|| ScimError::not_found(format!("Group {id} not found")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_version_8_uuids_that_depend_on_kind_and_key() {
        let a = opaque_id("user", "600001");
        assert_eq!(a, opaque_id("user", "600001"));
        assert_ne!(a, opaque_id("user", "600002"));
        assert_ne!(a, opaque_id("group", "600001"));
        let s = a.as_str();
        assert_eq!(s.len(), 36);
        assert_eq!(s.as_bytes()[14], b'8', "{s}");
        assert!(matches!(s.as_bytes()[19], b'8' | b'9' | b'a' | b'b'), "{s}");
        assert_eq!(s.matches('-').count(), 4);
    }

    #[test]
    fn folding_matches_the_filter_evaluator_on_final_sigma() {
        assert_eq!(fold("ΟΔΟΣ@X"), "οδοσ@x");
    }
}
