//! The sync engine: plan → review → apply with safeguards, journal and `explain`,
//! Okta push and the SCIM gateway for Okta import.
//!
//! - [`Engine`] runs it all: it reads the HR source and the target, [`plan`]s, checks
//!   the [`safeguard`]s ([`Engine::prepare`], reads only), and applies a plan that
//!   passed ([`Engine::apply`], or [`Engine::apply_saved`] for a reviewed plan).
//! - The target model: the [`IdentityTarget`] trait with [`OktaTarget`] and
//!   [`InMemoryTarget`]; the [`Action`]s a plan is made of; [`link`]ing people to users
//!   by an HR-key attribute.
//! - The pure planner: [`plan`] turns a snapshot, the target's state, the mapping and a
//!   [`SyncPolicy`] into a [`SyncPlan`] with a reason per action and a content hash.
//! - The executor [`apply_plan`]: dependency order, bounded concurrency, retries, every
//!   outcome in the [`journal`].
//! - [`explain`](mod@explain): why a person is in their state and what the next run does.
//! - Pull mode: the [`HrScimProvider`] that serves the mapped snapshot read-only to
//!   Okta's SCIM import through `okta-scim`'s server (see [`pull`]).
//!
//! ```
//! use hr_sync::{Action, IdentityTarget, InMemoryTarget};
//!
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let target = InMemoryTarget::new();
//! target.ensure_link_attribute("hrEmployeeId").await?;
//! let profile = serde_json::json!({"email": "ada@acme.example", "hrEmployeeId": "E-1"});
//! let create = Action::create_user("E-1", "ada@acme.example", profile.as_object().cloned().unwrap_or_default(), false);
//! target.apply(&create).await?;
//! let state = target.read_state("hrEmployeeId").await?;
//! assert_eq!(state.by_hr_key("E-1").count(), 1);
//! # Ok::<(), hr_sync::SyncError>(()) })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod action;
mod apply;
mod clock;
mod engine;
mod error;
pub mod explain;
pub mod journal;
mod link;
mod memory;
mod okta;
mod plan;
pub mod pull;
pub mod safeguard;
mod target;

pub use link::{Candidate, LinkConflict, LinkPolicy, Links, MatchedOn, link};

pub use action::{Action, AttributeChange, GroupRef, PlannedIds, UserRef};
pub use apply::{ApplyError, ApplyOptions, ApplyReport, Progress, ProgressFn, apply_plan};
pub use clock::{Clock, ManualClock, SystemClock};
pub use engine::{Engine, EngineBuilder, EngineError, Prepared};
pub use error::SyncError;

pub use memory::InMemoryTarget;
pub use okta::OktaTarget;
pub use plan::{
    AttributeReason, GroupRule, GroupSource, MANAGER_ATTRIBUTE, PlanError, PlanMismatch, PlanNote,
    PlanReport, PlannedAction, Reason, SyncPlan, SyncPolicy, plan,
};

pub use pull::{
    HrScimProvider, HrScimProviderBuilder, KeptReason, PullError, RefreshOutcome, Refresher,
    SnapshotInfo,
};

pub use safeguard::{Override, Rule, RunState, SafeguardPolicy, SafeguardReport, StateError};

pub use target::{
    Applied, IdentityTarget, TargetCapabilities, TargetGroup, TargetGroupId, TargetState,
    TargetStatus, TargetUser, TargetUserId,
};
