//! Nmbrs (Visma Nmbrs) SOAP API v3 client and the [`NmbrsSource`] adapter for `hr-core`.
//!
//! - [`NmbrsClient`]: SOAP 1.1 transport with `AuthHeaderWithDomain`, typed company-wide
//!   bulk operations, a raw escape hatch ([`NmbrsClient::call_raw`]), a client-side rate
//!   limiter (20 calls/s by default, never above Nmbrs's fair-use 150/s), bounded
//!   concurrency, per-call timeouts and retries with back-off for retryable failures only.
//! - [`parse`]: streaming quick-xml parsers for every operation, tolerant of what Nmbrs
//!   sends (nil, omitted and empty values, unknown elements, renamed array items) and
//!   strict about what it must not (malformed, truncated or non-SOAP answers are typed
//!   errors, never panics).
//! - [`Error`]: SOAP 1.1/1.2 faults with Nmbrs's `---> NNNN:` code mapped to a meaning,
//!   convertible into [`hr_core::Error`].
//! - [`NmbrsSource`]: an [`hr_core::HrSource`] reading every person with a fixed number of
//!   bulk calls per company, whatever its size.
//! - `simulator` (feature `simulator`): an axum server answering these operations over an
//!   [`hr_core::HrSnapshot`], for tests and demos without an Nmbrs account.
//!
//! The field mapping between Nmbrs and [`hr_core::Employee`] is documented in
//! `docs/nmbrs.md` of the repository.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use hr_core::HrSourceExt;
//! use nmbrs_client::{NmbrsClientBuilder, NmbrsSource};
//!
//! // NMBRS_USERNAME, NMBRS_TOKEN, NMBRS_DOMAIN and NMBRS_ENV=sandbox in the environment.
//! let client = NmbrsClientBuilder::from_env()?.build()?;
//! let snapshot = NmbrsSource::new(client).snapshot().await?;
//! for person in snapshot.employees() {
//!     println!("{} {}", person.id, person.name.display_name());
//! }
//! # Ok(()) }
//! ```

mod client;
mod envelope;
pub mod error;
pub mod history;
mod model;
mod operation;
pub mod parse;
mod source;
mod xml;

#[cfg(feature = "simulator")]
pub mod simulator;

pub use client::{
    CallStats, Credentials, DEFAULT_RATE_LIMIT, Host, MAX_RATE_LIMIT, NmbrsClient,
    NmbrsClientBuilder,
};
pub use error::{Error, ErrorKind, Result};
pub use model::{
    AddressRecord, Bsn, CodeItem, Company, CompanyId, ContractRecord, CostCenterShare, Debtor,
    DebtorId, DepartmentRecord, Effective, EmployeeId, EmployeeRecords, EmployeeSummary,
    EmployeeType, EmploymentRecord, EnvironmentInfo, FunctionRecord, InvalidPeriod, Manager,
    Period, PeriodKind, PersonalInfo, PersonalInfoWithBsn,
};
pub use operation::{CONTENT_TYPE, NAMESPACE_BASE, Operation, SOAP11_ENVELOPE, Service, ops};
pub use source::{ManagerScope, NmbrsSource};
