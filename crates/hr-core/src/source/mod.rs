//! The `HrSource` contract and the sources that ship with `hr-core`.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use crate::{CompanyId, Employee, HrSnapshot, Result};

#[cfg(feature = "csv")]
pub mod csv;
pub mod memory;

/// What a source can tell beyond the required fields. Callers and the conformance suite
/// branch on these flags instead of on the source's name.
///
/// ```
/// use hr_core::Capabilities;
///
/// let caps = Capabilities::all().with_managers(false);
/// assert!(caps.org_units && !caps.managers);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct Capabilities {
    /// Org units (companies, departments) are listed in the snapshot.
    pub org_units: bool,
    /// People carry their manager.
    pub managers: bool,
    /// People carry a postal address.
    pub addresses: bool,
    /// People carry their own time zone.
    pub time_zones: bool,
    /// Private e-mail and phone numbers are read.
    pub private_contact: bool,
    /// Adapter-specific custom fields are read.
    pub custom_fields: bool,
}

impl Capabilities {
    /// Every capability.
    pub fn all() -> Self {
        Self {
            org_units: true,
            managers: true,
            addresses: true,
            time_zones: true,
            private_contact: true,
            custom_fields: true,
        }
    }
    /// Sets [`Capabilities::org_units`].
    pub fn with_org_units(mut self, on: bool) -> Self {
        self.org_units = on;
        self
    }
    /// Sets [`Capabilities::managers`].
    pub fn with_managers(mut self, on: bool) -> Self {
        self.managers = on;
        self
    }
    /// Sets [`Capabilities::addresses`].
    pub fn with_addresses(mut self, on: bool) -> Self {
        self.addresses = on;
        self
    }
    /// Sets [`Capabilities::time_zones`].
    pub fn with_time_zones(mut self, on: bool) -> Self {
        self.time_zones = on;
        self
    }
    /// Sets [`Capabilities::private_contact`].
    pub fn with_private_contact(mut self, on: bool) -> Self {
        self.private_contact = on;
        self
    }
    /// Sets [`Capabilities::custom_fields`].
    pub fn with_custom_fields(mut self, on: bool) -> Self {
        self.custom_fields = on;
        self
    }
}

/// What to read. The default reads everyone in every company the credentials can see.
///
/// ```
/// use hr_core::{CompanyId, SnapshotOptions};
///
/// let options = SnapshotOptions::default().with_companies([CompanyId::new("65757")?]);
/// assert!(options.includes_company(&CompanyId::new("65757")?));
/// assert!(!options.includes_company(&CompanyId::new("1")?));
/// # Ok::<(), hr_core::IdError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SnapshotOptions {
    /// Only these companies; `None` means all.
    pub companies: Option<BTreeSet<CompanyId>>,
}

impl SnapshotOptions {
    /// Restricts the read to these companies.
    pub fn with_companies(mut self, companies: impl IntoIterator<Item = CompanyId>) -> Self {
        self.companies = Some(companies.into_iter().collect());
        self
    }

    /// True when the options admit people of `company`.
    pub fn includes_company(&self, company: &CompanyId) -> bool {
        self.companies
            .as_ref()
            .is_none_or(|set| set.contains(company))
    }

    /// True when the options admit `employee`. With a company filter, people without a
    /// company are left out.
    pub fn includes(&self, employee: &Employee) -> bool {
        match (&self.companies, employee.company_id()) {
            (None, _) => true,
            (Some(set), Some(company)) => set.contains(company),
            (Some(_), None) => false,
        }
    }
}

/// A system that knows people: an HR or payroll system, a file, a test fixture.
///
/// Implement it once for a new HR system and every tool of this workspace can read it.
/// It is object safe: hold it as `Arc<dyn HrSource>` to choose the source at run time.
///
/// # Contract
///
/// An implementation guarantees, and the [conformance suite](crate) checks:
///
/// - **Stable, unique ids.** [`Employee::id`] is the HR system's immutable key for the
///   person (never an employee number, which may repeat across companies); the same
///   person has the same id in every snapshot, and no id occurs twice.
/// - **All employments.** Every employment interval the system holds for a person is
///   returned, past and future, unmerged: the lifecycle engine decides, not the adapter.
/// - **Absent is `None`.** A value the system does not hold is `None`, never an empty
///   string or a placeholder (`0001-01-01`, `"-"`).
/// - **Errors by meaning.** Failures map onto [`crate::Error`]: bad credentials are
///   [`crate::Error::Unauthenticated`], missing rights [`crate::Error::PermissionDenied`],
///   throttling [`crate::Error::RateLimited`], outages and timeouts
///   [`crate::Error::Unavailable`], malformed records [`crate::Error::InvalidData`]
///   naming the record and field, and a company in the options that the source does not
///   know [`crate::Error::NotFound`].
/// - **Empty only when empty.** A snapshot with nobody in it means the source truly has
///   nobody in scope. A read that fails half-way, or a page that comes back empty
///   because of an error, is an error — never a short or empty snapshot, since the sync
///   engine would read it as "everyone left".
/// - **Options honoured.** A company filter is applied, by the source's API where it
///   can, otherwise after reading.
/// - **Read-only and privacy-preserving.** Reading changes nothing in the source, and
///   data the model has no field for (national id numbers, salary, bank accounts) is not
///   fetched.
///
/// Checks may be added to the suite in minor releases.
///
/// ```
/// use async_trait::async_trait;
/// use chrono::Utc;
/// use hr_core::{Capabilities, HrSnapshot, HrSource, HrSourceExt, Result, SnapshotOptions};
///
/// #[derive(Debug)]
/// struct Nobody;
///
/// #[async_trait]
/// impl HrSource for Nobody {
///     fn name(&self) -> &str { "nobody" }
///     fn capabilities(&self) -> Capabilities { Capabilities::default() }
///     async fn snapshot_opts(&self, _options: &SnapshotOptions) -> Result<HrSnapshot> {
///         HrSnapshot::new(self.name(), Utc::now(), vec![], vec![])
///     }
/// }
///
/// # tokio_test();
/// # fn tokio_test() {
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let source: std::sync::Arc<dyn HrSource> = std::sync::Arc::new(Nobody);
/// assert!(source.snapshot().await?.is_empty());
/// # Ok::<(), hr_core::Error>(())
/// # }).unwrap();
/// # }
/// ```
#[async_trait]
pub trait HrSource: fmt::Debug + Send + Sync + 'static {
    /// A short name for logs, errors and snapshots ("nmbrs", "csv", …).
    fn name(&self) -> &str;

    /// What the source can tell beyond the required fields.
    fn capabilities(&self) -> Capabilities;

    /// Reads everyone in scope, with their org units.
    ///
    /// # Errors
    /// Any [`crate::Error`], by meaning, as the contract above says.
    async fn snapshot_opts(&self, options: &SnapshotOptions) -> Result<HrSnapshot>;
}

/// A trait object of [`HrSource`].
pub type DynHrSource = dyn HrSource;

/// Conveniences over [`HrSource`]. Implemented for every source; do not implement it.
#[async_trait]
pub trait HrSourceExt: HrSource {
    /// Reads everyone with the default options.
    ///
    /// # Errors
    /// As [`HrSource::snapshot_opts`].
    async fn snapshot(&self) -> Result<HrSnapshot> {
        self.snapshot_opts(&SnapshotOptions::default()).await
    }
}

impl<T: HrSource + ?Sized> HrSourceExt for T {}

macro_rules! forward_impl {
    ($ty:ty) => {
        #[deny(clippy::missing_trait_methods)]
        #[async_trait]
        impl<T: HrSource + ?Sized> HrSource for $ty {
            fn name(&self) -> &str {
                (**self).name()
            }
            fn capabilities(&self) -> Capabilities {
                (**self).capabilities()
            }
            async fn snapshot_opts(&self, options: &SnapshotOptions) -> Result<HrSnapshot> {
                (**self).snapshot_opts(options).await
            }
        }
    };
}

forward_impl!(Arc<T>);
forward_impl!(Box<T>);

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_source<S: HrSource>() {}

    #[test]
    fn smart_pointers_to_dyn_sources_are_sources() {
        assert_source::<Arc<DynHrSource>>();
        assert_source::<Box<DynHrSource>>();
        assert_source::<Arc<memory::InMemorySource>>();
    }
}
