//! The vocabulary of HR → identity provisioning: who a person is, when they work, and
//! what account state that means at any instant.
//!
//! - **Model**: [`Employee`] with [`PersonName`] (Dutch prefixes, partner names and the
//!   naming convention), [`Contact`], [`PostalAddress`], [`OrgData`], [`ManagerRef`],
//!   a time zone, [`Employment`] intervals and custom fields; [`OrgUnit`]s; and the
//!   [`HrSnapshot`] that a source returns.
//! - **Contract**: [`HrSource`], one object-safe trait every HR adapter implements,
//!   with [`Capabilities`] and [`SnapshotOptions`]; [`InMemorySource`] and, with the
//!   `csv` feature, [`CsvSource`].
//! - **Lifecycle**: [`LifecyclePolicy`] turns employments into a [`LifecycleState`] with
//!   a human-readable reason and the instant of the next transition, in the person's
//!   own time zone.
//! - **Errors**: one [`Error`] with meanings (`NotFound`, `Unauthenticated`,
//!   `RateLimited`, `InvalidData`, …) and [`Error::is_retryable`].
//! - **Conformance** (feature `conformance`): `Fixture::standard()` and the checks every
//!   `HrSource` must pass, expanded into tests by `hr_source_conformance_tests!`.
//!
//! ```
//! use chrono::{NaiveDate, TimeZone, Utc};
//! use hr_core::{Employee, EmployeeId, Employment, LifecyclePolicy, LifecycleState, PersonName};
//!
//! let anouk = Employee::new(EmployeeId::new("603464")?, PersonName::new("Anouk", "Vries"))
//!     .with_employment(Employment::open(NaiveDate::from_ymd_opt(2026, 9, 1).unwrap()));
//! let policy = LifecyclePolicy::default(); // provision 7 days before start
//! let decision = policy.evaluate(&anouk, Utc.with_ymd_and_hms(2026, 8, 27, 9, 0, 0).unwrap());
//! assert_eq!(decision.state, LifecycleState::Pending);
//! assert_eq!(decision.to_string(),
//!     "contract starts 2026-09-01 (Europe/Amsterdam); activation due 2026-09-01T00:00+02:00");
//! # Ok::<(), hr_core::IdError>(())
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod employee;
pub mod error;
pub mod id;
pub mod lifecycle;
pub mod name;
pub mod snapshot;
pub mod source;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use employee::{
    Coded, CompanyRef, Contact, CountryCode, Employee, Employment, ManagerRef, OrgData, OrgUnit,
    OrgUnitKind, OrgUnitRef, PostalAddress, merge_employments,
};
pub use error::{BoxError, Error, Result};
pub use id::{CompanyId, EmployeeId, IdError, OrgUnitId};
pub use lifecycle::{
    LifecycleDecision, LifecyclePolicy, LifecyclePolicyBuilder, LifecycleReason, LifecycleState,
    Transition,
};
pub use name::{NamingConvention, PersonName};
pub use snapshot::HrSnapshot;
#[cfg(feature = "csv")]
pub use source::csv::CsvSource;
pub use source::memory::InMemorySource;
pub use source::{Capabilities, DynHrSource, HrSource, HrSourceExt, SnapshotOptions};
