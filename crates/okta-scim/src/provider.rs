//! The storage seam: [`ScimProvider`] is what the server calls; [`ListQuery`] is a parsed
//! list request; [`Capabilities`] tell the server which operations to route.

use std::fmt::Debug;

use async_trait::async_trait;

use crate::error::{Result, ScimError};
use crate::filter::{AttrPath, Filter};
use crate::resource::{Group, ResourceId, User};

/// Sort direction (RFC 7644 §3.4.2.3); ascending unless asked otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SortOrder {
    /// A to Z, oldest first.
    #[default]
    Ascending,
    /// Z to A, newest first.
    Descending,
}

/// A parsed list request: filter, sort and page.
///
/// `start_index` is 1-based and at least 1; `count` is already capped at the provider's
/// [`Capabilities::max_page_size`]. The filter has been validated against the resource
/// schema, so providers can evaluate it without error handling.
///
/// ```
/// use okta_scim::ListQuery;
/// let q = ListQuery::new().page(101, 100);
/// assert_eq!((q.start_index, q.count), (101, Some(100)));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ListQuery {
    /// The filter, if any.
    pub filter: Option<Filter>,
    /// 1-based index of the first result to return.
    pub start_index: u64,
    /// Maximum results to return; `None` means the provider's maximum page size.
    pub count: Option<u64>,
    /// Attribute to sort by; `None` keeps the provider's stable default order.
    pub sort_by: Option<AttrPath>,
    /// Sort direction.
    pub sort_order: SortOrder,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self::new()
    }
}

impl ListQuery {
    /// Everything, from the first result.
    pub fn new() -> Self {
        Self {
            filter: None,
            start_index: 1,
            count: None,
            sort_by: None,
            sort_order: SortOrder::Ascending,
        }
    }

    /// Sets the filter.
    #[must_use]
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// Sets the page: 1-based start index (values below 1 become 1) and count.
    #[must_use]
    pub fn page(mut self, start_index: u64, count: u64) -> Self {
        self.start_index = start_index.max(1);
        self.count = Some(count);
        self
    }

    /// Sets the sort attribute and order.
    #[must_use]
    pub fn sort(mut self, by: AttrPath, order: SortOrder) -> Self {
        self.sort_by = Some(by);
        self.sort_order = order;
        self
    }

    /// The 0-based offset and the length of the page within `total` results, given a
    /// maximum page size.
    pub fn window(&self, total: u64, max_page_size: u64) -> (usize, usize) {
        let offset = self.start_index.saturating_sub(1).min(total);
        let count = self.count.unwrap_or(max_page_size).min(max_page_size);
        let len = count.min(total - offset);
        (
            usize::try_from(offset).unwrap_or(usize::MAX),
            usize::try_from(len).unwrap_or(usize::MAX),
        )
    }
}

/// One page of a list: the resources of the requested window and the total number of
/// matches across all pages.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ListPage<T> {
    /// Every match, across all pages.
    pub total_results: u64,
    /// The resources of this page, in a stable order.
    pub resources: Vec<T>,
}

impl<T> ListPage<T> {
    /// A page.
    pub fn new(total_results: u64, resources: Vec<T>) -> Self {
        Self {
            total_results,
            resources,
        }
    }

    /// An empty result.
    pub fn empty() -> Self {
        Self {
            total_results: 0,
            resources: Vec::new(),
        }
    }
}

/// What a provider supports; the server answers unsupported requests with a SCIM error
/// without calling the provider, and `/ServiceProviderConfig` advertises the same.
///
/// ```
/// use okta_scim::Capabilities;
/// let c = Capabilities::read_only().with_max_page_size(500);
/// assert!(!c.writable);
/// assert_eq!(c.max_page_size, 500);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// Create, replace, patch and delete are supported.
    pub writable: bool,
    /// `/Groups` is served (when false, `/Groups` lists are empty and reads are 404).
    pub groups: bool,
    /// `sortBy` is honoured.
    pub sort: bool,
    /// Resources carry `meta.version` and `If-Match` is honoured.
    pub etag: bool,
    /// The largest page returned; larger `count`s are capped.
    pub max_page_size: u64,
}

impl Capabilities {
    /// Everything supported, pages of up to 1 000.
    pub const fn read_write() -> Self {
        Self {
            writable: true,
            groups: true,
            sort: true,
            etag: true,
            max_page_size: 1000,
        }
    }

    /// Reads only (an HR gateway that Okta imports from).
    pub const fn read_only() -> Self {
        Self {
            writable: false,
            ..Self::read_write()
        }
    }

    /// Sets the maximum page size (at least 1).
    #[must_use]
    pub const fn with_max_page_size(mut self, n: u64) -> Self {
        self.max_page_size = if n == 0 { 1 } else { n };
        self
    }

    /// Sets whether groups are served.
    #[must_use]
    pub const fn with_groups(mut self, yes: bool) -> Self {
        self.groups = yes;
        self
    }

    /// Sets whether `sortBy` is honoured.
    #[must_use]
    pub const fn with_sort(mut self, yes: bool) -> Self {
        self.sort = yes;
        self
    }

    /// Sets whether versions and `If-Match` are supported.
    #[must_use]
    pub const fn with_etag(mut self, yes: bool) -> Self {
        self.etag = yes;
        self
    }
}

fn read_only_error() -> ScimError {
    ScimError::not_implemented("this SCIM service provider is read-only")
}

/// A SCIM resource store behind the [`server`](crate::server).
///
/// Reads are required; writes default to `501` for read-only providers (set
/// [`Capabilities::writable`] accordingly). PATCH is not a provider method: the server
/// reads the resource, applies the operations atomically to a copy and calls
/// `replace_*` with the version it read, retrying on a concurrent change, so every
/// provider gets correct PATCH semantics from `get` and `replace`.
///
/// Versions: when [`Capabilities::etag`] is set, a `replace_*`/`delete_*` with
/// `Some(expected_version)` must fail with `412` if the stored `meta.version` differs.
///
/// ```
/// use okta_scim::{InMemoryProvider, ScimProvider};
/// let provider: std::sync::Arc<dyn ScimProvider> = std::sync::Arc::new(InMemoryProvider::new());
/// assert!(provider.capabilities().writable);
/// ```
#[async_trait]
pub trait ScimProvider: Debug + Send + Sync + 'static {
    /// What this provider supports.
    fn capabilities(&self) -> Capabilities;

    /// Users matching `query.filter`, in a stable order (or sorted as asked), windowed.
    async fn list_users(&self, query: &ListQuery) -> Result<ListPage<User>>;

    /// One user; `404` when unknown.
    async fn get_user(&self, id: &ResourceId) -> Result<User>;

    /// Stores a new user and returns it with `id` and `meta`; `409 uniqueness` when the
    /// `userName` (case-insensitive) or `externalId` is taken.
    async fn create_user(&self, user: User) -> Result<User> {
        let _ = user;
        Err(read_only_error())
    }

    /// Replaces a user's attributes; `id`, `meta` and `groups` are the provider's.
    async fn replace_user(
        &self,
        id: &ResourceId,
        user: User,
        expected_version: Option<&str>,
    ) -> Result<User> {
        let _ = (id, user, expected_version);
        Err(read_only_error())
    }

    /// Deletes a user (and removes it from every group).
    async fn delete_user(&self, id: &ResourceId, expected_version: Option<&str>) -> Result<()> {
        let _ = (id, expected_version);
        Err(read_only_error())
    }

    /// Groups matching `query.filter`, in a stable order, windowed.
    async fn list_groups(&self, query: &ListQuery) -> Result<ListPage<Group>> {
        let _ = query;
        Ok(ListPage::empty())
    }

    /// One group; `404` when unknown.
    async fn get_group(&self, id: &ResourceId) -> Result<Group> {
        Err(ScimError::not_found(format!("Group {id} not found")))
    }

    /// Stores a new group; `409 uniqueness` when the `displayName` is taken.
    async fn create_group(&self, group: Group) -> Result<Group> {
        let _ = group;
        Err(read_only_error())
    }

    /// Replaces a group's display name and members.
    async fn replace_group(
        &self,
        id: &ResourceId,
        group: Group,
        expected_version: Option<&str>,
    ) -> Result<Group> {
        let _ = (id, group, expected_version);
        Err(read_only_error())
    }

    /// Deletes a group.
    async fn delete_group(&self, id: &ResourceId, expected_version: Option<&str>) -> Result<()> {
        let _ = (id, expected_version);
        Err(read_only_error())
    }
}
