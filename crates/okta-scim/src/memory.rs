//! [`InMemoryProvider`]: a complete read/write [`ScimProvider`] in memory, indexed on
//! `id`, lower-cased `userName`, `externalId` and lower-cased group `displayName`.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use async_trait::async_trait;
use chrono::Utc;
use serde_json::Value;

use crate::error::{Result, ScimError};
use crate::filter::AttrPath;
use crate::provider::{Capabilities, ListPage, ListQuery, ScimProvider};
use crate::resource::{Group, Meta, Reference, ResourceId, User, version_tag};
use crate::schema::{GROUP_SCHEMA, ResourceKind, ResourceSchema, USER_SCHEMA};

#[derive(Debug)]
struct Entry<T> {
    resource: T,
    json: Value,
    revision: u64,
}

/// The unique keys of one resource type: the case-folded name (`userName` or group
/// `displayName`) and the `externalId`, each mapped to the resource holding it.
#[derive(Debug, Default)]
struct UniqueIndex {
    by_name: HashMap<String, ResourceId>,
    by_external: HashMap<String, ResourceId>,
}

impl UniqueIndex {
    /// `409 uniqueness` when another resource than `except` holds the name or externalId;
    /// `name_attr` names the attribute in the error.
    fn check(
        &self,
        name_attr: &str,
        name: &str,
        external: Option<&str>,
        except: Option<&ResourceId>,
    ) -> Result<()> {
        if let Some(other) = self.by_name.get(&lower(name))
            && Some(other) != except
        {
            return Err(ScimError::uniqueness(format!(
                "{name_attr} \"{name}\" is already taken"
            )));
        }
        if let Some(ext) = external
            && let Some(other) = self.by_external.get(ext)
            && Some(other) != except
        {
            return Err(ScimError::uniqueness(format!(
                "externalId \"{ext}\" is already taken"
            )));
        }
        Ok(())
    }

    fn insert(&mut self, name: &str, external: Option<&str>, id: &ResourceId) {
        self.by_name.insert(lower(name), id.clone());
        if let Some(ext) = external {
            self.by_external.insert(ext.to_owned(), id.clone());
        }
    }

    fn remove(&mut self, name: &str, external: Option<&str>) {
        self.by_name.remove(&lower(name));
        if let Some(ext) = external {
            self.by_external.remove(ext);
        }
    }
}

#[derive(Debug, Default)]
struct State {
    users: HashMap<ResourceId, Arc<Entry<User>>>,
    user_order: Vec<ResourceId>,
    user_index: UniqueIndex,
    groups: HashMap<ResourceId, Arc<Entry<Group>>>,
    group_order: Vec<ResourceId>,
    group_index: UniqueIndex,
    /// user id → the groups listing it as a member.
    memberships: HashMap<ResourceId, BTreeSet<ResourceId>>,
}

/// A read/write SCIM provider in memory — the shape of a service Okta provisions into,
/// and a test double with real semantics.
///
/// - `userName` is unique case-insensitively and stored as sent; `externalId` and group
///   `displayName` (case-insensitive) are unique too: a clash is `409 uniqueness`.
/// - Lists keep creation order; `userName`/`id`/`externalId`/`displayName` equality
///   filters are answered from indexes, anything else by a scan with the filter
///   evaluator.
/// - Every change bumps `meta.version`; `expected_version` mismatches are `412`.
/// - Group members must be existing users or groups (`400 invalidValue` otherwise); a
///   user's read-only `groups` attribute is derived from memberships, and deleting a user
///   removes it from every group.
/// - `active` is set to `true` on create when absent; a replace stores what it is given
///   (the server keeps the current value on a PUT that leaves it out, Q-O10, while a
///   PATCH `remove` of `active` unsets it as RFC 7644 says).
/// - Passwords are never stored.
/// - Cost: reads, creates, replaces and index-answered filters are `O(1)` (plus the
///   group members involved); a page without filter or sort is `O(page)`; other filters
///   and sorts scan every resource; deletes are `O(n)` (they keep the creation order).
///
/// ```
/// # tokio_test_block_on(async {
/// use okta_scim::{InMemoryProvider, ScimProvider, User};
///
/// let p = InMemoryProvider::new();
/// let ann = p.create_user(User::new("Ann@Example.com")).await.unwrap();
/// let again = p.create_user(User::new("ann@example.com")).await.unwrap_err();
/// assert_eq!(again.status(), 409);
/// assert_eq!(p.get_user(ann.id.as_ref().unwrap()).await.unwrap().user_name, "Ann@Example.com");
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Debug)]
pub struct InMemoryProvider {
    state: RwLock<State>,
    users: ResourceSchema,
    groups: ResourceSchema,
    capabilities: Capabilities,
}

impl Default for InMemoryProvider {
    fn default() -> Self {
        Self::new()
    }
}

/// The case-insensitive key of a `userName` or group `displayName`: the per-character
/// Unicode lowercase, exactly as the filter evaluator compares (`str::to_lowercase` would
/// fold a final `Σ` to `ς` and disagree with `userName eq "…σ"`).
fn lower(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

impl InMemoryProvider {
    /// An empty provider with the standard User and Group schemas.
    pub fn new() -> Self {
        Self {
            state: RwLock::new(State::default()),
            users: ResourceSchema::user(),
            groups: ResourceSchema::group(),
            capabilities: Capabilities::read_write(),
        }
    }

    /// Uses this User resource schema (for extension attributes in filters and sorts).
    #[must_use]
    pub fn with_user_schema(mut self, schema: ResourceSchema) -> Self {
        self.users = schema;
        self
    }

    /// Uses this Group resource schema (for extension attributes in filters and sorts).
    #[must_use]
    pub fn with_group_schema(mut self, schema: ResourceSchema) -> Self {
        self.groups = schema;
        self
    }

    /// Sets the maximum page size (default 1 000).
    #[must_use]
    pub fn with_max_page_size(mut self, n: u64) -> Self {
        self.capabilities = self.capabilities.with_max_page_size(n);
        self
    }

    /// Number of users stored.
    pub fn user_count(&self) -> usize {
        self.read().users.len()
    }

    /// Number of groups stored.
    pub fn group_count(&self) -> usize {
        self.read().groups.len()
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn check_version(current: u64, expected: Option<&str>) -> Result<()> {
    fn bare(v: &str) -> &str {
        v.trim().trim_start_matches("W/")
    }
    match expected {
        Some(v) if bare(v) != "*" && bare(v) != bare(&version_tag(current)) => {
            Err(ScimError::precondition_failed(format!(
                "resource changed: version is {}, request expected {v}",
                version_tag(current)
            )))
        }
        _ => Ok(()),
    }
}

/// Bumps a stored resource's version and `lastModified`.
fn touch(meta: &mut Option<Meta>, kind: ResourceKind, revision: u64) {
    let meta = meta.get_or_insert_with(|| Meta::created(kind, Utc::now()));
    meta.last_modified = Some(Utc::now());
    meta.version = Some(version_tag(revision));
}

fn indexed_lookup(
    path: &AttrPath,
    value: &str,
    kind: ResourceKind,
    st: &State,
) -> Option<Option<ResourceId>> {
    let core = match kind {
        ResourceKind::User => USER_SCHEMA,
        ResourceKind::Group => GROUP_SCHEMA,
    };
    if path.sub_attr.is_some()
        || path
            .urn
            .as_deref()
            .is_some_and(|u| !u.eq_ignore_ascii_case(core))
    {
        return None;
    }
    let n = path.name.as_str();
    fn hit<T>(m: &HashMap<ResourceId, T>, value: &str) -> Option<ResourceId> {
        let id = ResourceId::new(value);
        m.contains_key(&id).then_some(id)
    }
    match kind {
        ResourceKind::User if n.eq_ignore_ascii_case("userName") => {
            Some(st.user_index.by_name.get(&lower(value)).cloned())
        }
        ResourceKind::User if n.eq_ignore_ascii_case("externalId") => {
            Some(st.user_index.by_external.get(value).cloned())
        }
        ResourceKind::User if n.eq_ignore_ascii_case("id") => Some(hit(&st.users, value)),
        ResourceKind::Group if n.eq_ignore_ascii_case("displayName") => {
            Some(st.group_index.by_name.get(&lower(value)).cloned())
        }
        ResourceKind::Group if n.eq_ignore_ascii_case("externalId") => {
            Some(st.group_index.by_external.get(value).cloned())
        }
        ResourceKind::Group if n.eq_ignore_ascii_case("id") => Some(hit(&st.groups, value)),
        _ => None,
    }
}

fn page_of<T: Clone>(
    query: &ListQuery,
    schema: &ResourceSchema,
    max: u64,
    order: &[ResourceId],
    entries: &HashMap<ResourceId, Arc<Entry<T>>>,
    indexed: Option<Option<ResourceId>>,
) -> ListPage<T> {
    if let Some(hit) = indexed {
        let entry = hit.and_then(|id| entries.get(&id));
        let matched: Vec<&Arc<Entry<T>>> = entry.into_iter().collect();
        let total = matched.len() as u64;
        let (offset, len) = query.window(total, max);
        return ListPage::new(
            total,
            matched
                .into_iter()
                .skip(offset)
                .take(len)
                .map(|e| e.resource.clone())
                .collect(),
        );
    }
    if query.filter.is_none() && query.sort_by.is_none() {
        // Plain paging: slice the creation order directly.
        let total = order.len() as u64;
        let (offset, len) = query.window(total, max);
        let resources = order
            .iter()
            .skip(offset)
            .take(len)
            .filter_map(|id| entries.get(id).map(|e| e.resource.clone()))
            .collect();
        return ListPage::new(total, resources);
    }
    let items = order
        .iter()
        .filter_map(|id| entries.get(id))
        .map(|e| (&e.json, e));
    let page = crate::query::evaluate(items, query, schema, max);
    ListPage::new(
        page.total_results,
        page.resources
            .into_iter()
            .map(|e| e.resource.clone())
            .collect(),
    )
}

impl State {
    fn user_groups(&self, id: &ResourceId) -> Vec<Reference> {
        self.memberships
            .get(id)
            .into_iter()
            .flatten()
            .filter_map(|gid| self.groups.get(gid))
            .map(|g| Reference {
                value: g.resource.id.as_ref().map(|i| i.as_str().to_owned()),
                reference: None,
                display: Some(g.resource.display_name.clone()),
                kind: Some("direct".into()),
            })
            .collect()
    }

    fn store_user(&mut self, mut user: User, revision: u64) {
        let Some(id) = user.id.clone() else { return };
        user.groups = self.user_groups(&id);
        user.password = None;
        let json = user.to_json();
        self.users.insert(
            id,
            Arc::new(Entry {
                resource: user,
                json,
                revision,
            }),
        );
    }

    /// Re-derives `groups` on these users after a membership change. A user whose
    /// `groups` changed gets a new version, so cached copies (`If-None-Match`) go stale.
    fn refresh_users(&mut self, ids: impl IntoIterator<Item = ResourceId>) {
        for id in ids {
            if let Some(entry) = self.users.get(&id) {
                let groups = self.user_groups(&id);
                if groups == entry.resource.groups {
                    continue;
                }
                let mut user = entry.resource.clone();
                let revision = entry.revision + 1;
                user.groups = groups;
                touch(&mut user.meta, ResourceKind::User, revision);
                let json = user.to_json();
                self.users.insert(
                    id,
                    Arc::new(Entry {
                        resource: user,
                        json,
                        revision,
                    }),
                );
            }
        }
    }

    /// Validates members, fills `type`, drops duplicates (by value); returns member ids.
    fn normalize_members(
        &self,
        group: &mut Group,
        own_id: &ResourceId,
    ) -> Result<BTreeSet<ResourceId>> {
        let mut seen = BTreeSet::new();
        let mut members = Vec::with_capacity(group.members.len());
        for mut m in std::mem::take(&mut group.members) {
            let Some(value) = m.value.clone() else {
                return Err(ScimError::invalid_value(
                    "attribute \"members\": every member needs a value",
                ));
            };
            let id = ResourceId::new(value.as_str());
            let kind = if self.users.contains_key(&id) {
                "User"
            } else if self.groups.contains_key(&id) && &id != own_id {
                "Group"
            } else {
                return Err(ScimError::invalid_value(format!(
                    "attribute \"members\": \"{value}\" is not a user or group of this service provider"
                )));
            };
            if !seen.insert(id) {
                continue;
            }
            if m.kind.is_none() {
                m.kind = Some(kind.to_owned());
            }
            members.push(m);
        }
        group.members = members;
        Ok(seen
            .into_iter()
            .filter(|id| self.users.contains_key(id))
            .collect())
    }

    fn set_memberships(
        &mut self,
        gid: &ResourceId,
        before: &BTreeSet<ResourceId>,
        after: &BTreeSet<ResourceId>,
    ) {
        for uid in before.difference(after) {
            if let Some(set) = self.memberships.get_mut(uid) {
                set.remove(gid);
            }
        }
        for uid in after.difference(before) {
            self.memberships
                .entry(uid.clone())
                .or_default()
                .insert(gid.clone());
        }
        let changed: Vec<ResourceId> = before.symmetric_difference(after).cloned().collect();
        self.refresh_users(changed);
    }
}

fn member_users(group: &Group, st: &State) -> BTreeSet<ResourceId> {
    group
        .members
        .iter()
        .filter_map(|m| m.value.as_deref())
        .map(ResourceId::new)
        .filter(|id| st.users.contains_key(id))
        .collect()
}

#[async_trait]
impl ScimProvider for InMemoryProvider {
    fn capabilities(&self) -> Capabilities {
        self.capabilities
    }

    async fn list_users(&self, query: &ListQuery) -> Result<ListPage<User>> {
        let st = self.read();
        let indexed = query
            .filter
            .as_ref()
            .and_then(|f| f.equality())
            .and_then(|(p, v)| indexed_lookup(p, v, ResourceKind::User, &st));
        Ok(page_of(
            query,
            &self.users,
            self.capabilities.max_page_size,
            &st.user_order,
            &st.users,
            indexed,
        ))
    }

    async fn get_user(&self, id: &ResourceId) -> Result<User> {
        self.read()
            .users
            .get(id)
            .map(|e| e.resource.clone())
            .ok_or_else(|| ScimError::not_found(format!("User {id} not found")))
    }

    async fn create_user(&self, mut user: User) -> Result<User> {
        let mut st = self.write();
        st.user_index.check(
            "userName",
            &user.user_name,
            user.external_id.as_deref(),
            None,
        )?;
        let id = ResourceId::random();
        user.id = Some(id.clone());
        user.active.get_or_insert(true);
        user.meta = Some(Meta::created(ResourceKind::User, Utc::now()));
        st.user_index
            .insert(&user.user_name, user.external_id.as_deref(), &id);
        st.user_order.push(id.clone());
        st.store_user(user, 1);
        st.users
            .get(&id)
            .map(|e| e.resource.clone())
            .ok_or_else(|| ScimError::internal("user vanished"))
    }

    async fn replace_user(
        &self,
        id: &ResourceId,
        mut user: User,
        expected_version: Option<&str>,
    ) -> Result<User> {
        let mut st = self.write();
        let current = st
            .users
            .get(id)
            .cloned()
            .ok_or_else(|| ScimError::not_found(format!("User {id} not found")))?;
        check_version(current.revision, expected_version)?;
        st.user_index.check(
            "userName",
            &user.user_name,
            user.external_id.as_deref(),
            Some(id),
        )?;
        let revision = current.revision + 1;
        let old = &current.resource;
        user.id = Some(id.clone());
        user.meta = old.meta.clone();
        touch(&mut user.meta, ResourceKind::User, revision);
        st.user_index
            .remove(&old.user_name, old.external_id.as_deref());
        st.user_index
            .insert(&user.user_name, user.external_id.as_deref(), id);
        let (old_name, old_display) = (old.user_name.clone(), old.display_name.clone());
        let (new_name, new_display) = (user.user_name.clone(), user.display_name.clone());
        st.store_user(user, revision);
        // A member `display` that showed the old userName or displayName follows the
        // rename; a label the client chose otherwise is left alone.
        if old_name != new_name || old_display != new_display {
            let gids: Vec<ResourceId> = st
                .memberships
                .get(id)
                .into_iter()
                .flatten()
                .cloned()
                .collect();
            for gid in gids {
                let Some(entry) = st.groups.get(&gid).cloned() else {
                    continue;
                };
                let mut group = entry.resource.clone();
                let mut changed = false;
                for m in group
                    .members
                    .iter_mut()
                    .filter(|m| m.value.as_deref() == Some(id.as_str()))
                {
                    let follow = match m.display.as_deref() {
                        Some(d) if d == old_name => Some(new_name.clone()),
                        Some(d) if Some(d) == old_display.as_deref() => new_display.clone(),
                        _ => None,
                    };
                    if let Some(d) = follow
                        && m.display.as_deref() != Some(d.as_str())
                    {
                        m.display = Some(d);
                        changed = true;
                    }
                }
                if changed {
                    touch(&mut group.meta, ResourceKind::Group, entry.revision + 1);
                    let json = group.to_json();
                    st.groups.insert(
                        gid,
                        Arc::new(Entry {
                            resource: group,
                            json,
                            revision: entry.revision + 1,
                        }),
                    );
                }
            }
        }
        st.users
            .get(id)
            .map(|e| e.resource.clone())
            .ok_or_else(|| ScimError::internal("user vanished"))
    }

    async fn delete_user(&self, id: &ResourceId, expected_version: Option<&str>) -> Result<()> {
        let mut st = self.write();
        let current = st
            .users
            .get(id)
            .cloned()
            .ok_or_else(|| ScimError::not_found(format!("User {id} not found")))?;
        check_version(current.revision, expected_version)?;
        st.users.remove(id);
        st.user_order.retain(|x| x != id);
        st.user_index.remove(
            &current.resource.user_name,
            current.resource.external_id.as_deref(),
        );
        for gid in st.memberships.remove(id).unwrap_or_default() {
            if let Some(entry) = st.groups.get(&gid).cloned() {
                let mut group = entry.resource.clone();
                group
                    .members
                    .retain(|m| m.value.as_deref() != Some(id.as_str()));
                touch(&mut group.meta, ResourceKind::Group, entry.revision + 1);
                let json = group.to_json();
                st.groups.insert(
                    gid,
                    Arc::new(Entry {
                        resource: group,
                        json,
                        revision: entry.revision + 1,
                    }),
                );
            }
        }
        Ok(())
    }

    async fn list_groups(&self, query: &ListQuery) -> Result<ListPage<Group>> {
        let st = self.read();
        let indexed = query
            .filter
            .as_ref()
            .and_then(|f| f.equality())
            .and_then(|(p, v)| indexed_lookup(p, v, ResourceKind::Group, &st));
        Ok(page_of(
            query,
            &self.groups,
            self.capabilities.max_page_size,
            &st.group_order,
            &st.groups,
            indexed,
        ))
    }

    async fn get_group(&self, id: &ResourceId) -> Result<Group> {
        self.read()
            .groups
            .get(id)
            .map(|e| e.resource.clone())
            .ok_or_else(|| ScimError::not_found(format!("Group {id} not found")))
    }

    async fn create_group(&self, mut group: Group) -> Result<Group> {
        let mut st = self.write();
        st.group_index.check(
            "displayName",
            &group.display_name,
            group.external_id.as_deref(),
            None,
        )?;
        let id = ResourceId::random();
        let after = st.normalize_members(&mut group, &id)?;
        group.id = Some(id.clone());
        group.meta = Some(Meta::created(ResourceKind::Group, Utc::now()));
        st.group_index
            .insert(&group.display_name, group.external_id.as_deref(), &id);
        st.group_order.push(id.clone());
        let json = group.to_json();
        st.groups.insert(
            id.clone(),
            Arc::new(Entry {
                resource: group.clone(),
                json,
                revision: 1,
            }),
        );
        st.set_memberships(&id, &BTreeSet::new(), &after);
        Ok(group)
    }

    async fn replace_group(
        &self,
        id: &ResourceId,
        mut group: Group,
        expected_version: Option<&str>,
    ) -> Result<Group> {
        let mut st = self.write();
        let current = st
            .groups
            .get(id)
            .cloned()
            .ok_or_else(|| ScimError::not_found(format!("Group {id} not found")))?;
        check_version(current.revision, expected_version)?;
        st.group_index.check(
            "displayName",
            &group.display_name,
            group.external_id.as_deref(),
            Some(id),
        )?;
        let after = st.normalize_members(&mut group, id)?;
        let before = member_users(&current.resource, &st);
        let revision = current.revision + 1;
        let old = &current.resource;
        group.id = Some(id.clone());
        group.meta = old.meta.clone();
        touch(&mut group.meta, ResourceKind::Group, revision);
        st.group_index
            .remove(&old.display_name, old.external_id.as_deref());
        st.group_index
            .insert(&group.display_name, group.external_id.as_deref(), id);
        let json = group.to_json();
        st.groups.insert(
            id.clone(),
            Arc::new(Entry {
                resource: group.clone(),
                json,
                revision,
            }),
        );
        // A rename changes the `display` of this group in every member's `groups`.
        let renamed = old.display_name != group.display_name;
        st.set_memberships(id, &before, &after);
        if renamed {
            let all: Vec<ResourceId> = after.iter().cloned().collect();
            st.refresh_users(all);
        }
        Ok(group)
    }

    async fn delete_group(&self, id: &ResourceId, expected_version: Option<&str>) -> Result<()> {
        let mut st = self.write();
        let current = st
            .groups
            .get(id)
            .cloned()
            .ok_or_else(|| ScimError::not_found(format!("Group {id} not found")))?;
        check_version(current.revision, expected_version)?;
        let before = member_users(&current.resource, &st);
        st.groups.remove(id);
        st.group_order.retain(|x| x != id);
        st.group_index.remove(
            &current.resource.display_name,
            current.resource.external_id.as_deref(),
        );
        for uid in &before {
            if let Some(set) = st.memberships.get_mut(uid) {
                set.remove(id);
            }
        }
        st.refresh_users(before);
        // Nested memberships of this group in other groups are dropped as well.
        let parents: Vec<(ResourceId, Arc<Entry<Group>>)> = st
            .groups
            .iter()
            .filter(|(_, g)| {
                g.resource
                    .members
                    .iter()
                    .any(|m| m.value.as_deref() == Some(id.as_str()))
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (gid, entry) in parents {
            let mut group = entry.resource.clone();
            group
                .members
                .retain(|m| m.value.as_deref() != Some(id.as_str()));
            touch(&mut group.meta, ResourceKind::Group, entry.revision + 1);
            let json = group.to_json();
            st.groups.insert(
                gid,
                Arc::new(Entry {
                    resource: group,
                    json,
                    revision: entry.revision + 1,
                }),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::filter::Filter;
    use proptest::prelude::*;

    /// Letters whose case folding differs between `str::to_lowercase` (final sigma) and a
    /// per-character fold, plus the Kelvin sign.
    const LETTERS: &[&str] = &["a", "A", "Σ", "σ", "ς", "K", "k", "\u{212A}"];

    #[derive(Debug, Clone)]
    enum Op {
        CreateUser(String, Option<u8>),
        ReplaceUser(usize, String, Option<u8>),
        DeleteUser(usize),
        CreateGroup(String, Vec<usize>, Option<usize>),
        ReplaceGroup(usize, String, Vec<usize>),
        DeleteGroup(usize),
    }

    fn name() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(LETTERS), 1..4).prop_map(|v| v.concat())
    }

    fn op() -> impl Strategy<Value = Op> {
        let ext = prop::option::of(0u8..3);
        prop_oneof![
            3 => (name(), ext.clone()).prop_map(|(n, e)| Op::CreateUser(n, e)),
            2 => (any::<usize>(), name(), ext).prop_map(|(i, n, e)| Op::ReplaceUser(i, n, e)),
            1 => any::<usize>().prop_map(Op::DeleteUser),
            2 => (name(), prop::collection::vec(any::<usize>(), 0..4), prop::option::of(any::<usize>()))
                .prop_map(|(n, m, g)| Op::CreateGroup(n, m, g)),
            2 => (any::<usize>(), name(), prop::collection::vec(any::<usize>(), 0..4))
                .prop_map(|(i, n, m)| Op::ReplaceGroup(i, n, m)),
            1 => any::<usize>().prop_map(Op::DeleteGroup),
        ]
    }

    fn pick<T: Clone>(v: &[T], i: usize) -> Option<T> {
        (!v.is_empty()).then(|| v[i % v.len()].clone())
    }

    fn user(n: &str, ext: Option<u8>) -> User {
        let mut u = User::new(n);
        u.external_id = ext.map(|e| format!("ext-{e}"));
        u
    }

    async fn run(ops: Vec<Op>) {
        let p = InMemoryProvider::new();
        for op in ops {
            let users = p.read().user_order.clone();
            let groups = p.read().group_order.clone();
            let refs = |ix: &[usize]| -> Vec<Reference> {
                ix.iter()
                    .filter_map(|i| pick(&users, *i))
                    .map(|id| Reference::to(id.as_str(), None))
                    .collect()
            };
            // Errors (409, 404) are expected; the invariants must hold either way.
            let _ = match op {
                Op::CreateUser(n, e) => p.create_user(user(&n, e)).await.map(drop),
                Op::ReplaceUser(i, n, e) => match pick(&users, i) {
                    Some(id) => p.replace_user(&id, user(&n, e), None).await.map(drop),
                    None => Ok(()),
                },
                Op::DeleteUser(i) => match pick(&users, i) {
                    Some(id) => p.delete_user(&id, None).await,
                    None => Ok(()),
                },
                Op::CreateGroup(n, m, nested) => {
                    let mut g = Group::new(n);
                    g.members = refs(&m);
                    if let Some(gid) = nested.and_then(|i| pick(&groups, i)) {
                        g.members.push(Reference::to(gid.as_str(), None));
                    }
                    p.create_group(g).await.map(drop)
                }
                Op::ReplaceGroup(i, n, m) => match pick(&groups, i) {
                    Some(id) => {
                        let mut g = Group::new(n);
                        g.members = refs(&m);
                        p.replace_group(&id, g, None).await.map(drop)
                    }
                    None => Ok(()),
                },
                Op::DeleteGroup(i) => match pick(&groups, i) {
                    Some(id) => p.delete_group(&id, None).await,
                    None => Ok(()),
                },
            };
            check(&p).await;
        }
    }

    async fn check(p: &InMemoryProvider) {
        let st = p.read();
        assert_eq!(st.users.len(), st.user_order.len());
        assert_eq!(st.users.len(), st.user_index.by_name.len());
        assert_eq!(st.groups.len(), st.group_order.len());
        assert_eq!(st.groups.len(), st.group_index.by_name.len());
        let ext_users = st
            .users
            .values()
            .filter(|e| e.resource.external_id.is_some())
            .count();
        assert_eq!(ext_users, st.user_index.by_external.len());
        // Cached JSON is the resource's JSON.
        for e in st.users.values() {
            assert_eq!(e.json, e.resource.to_json());
        }
        for e in st.groups.values() {
            assert_eq!(e.json, e.resource.to_json());
            for m in &e.resource.members {
                let id = ResourceId::new(m.value.clone().unwrap());
                assert!(
                    st.users.contains_key(&id) || st.groups.contains_key(&id),
                    "dangling member {id}"
                );
            }
        }
        // user.groups <-> group.members.
        for (uid, e) in &st.users {
            let mut derived: Vec<&str> = e
                .resource
                .groups
                .iter()
                .filter_map(|g| g.value.as_deref())
                .collect();
            derived.sort_unstable();
            let mut scanned: Vec<&str> = st
                .groups
                .iter()
                .filter(|(_, g)| {
                    g.resource
                        .members
                        .iter()
                        .any(|m| m.value.as_deref() == Some(uid.as_str()))
                })
                .map(|(gid, _)| gid.as_str())
                .collect();
            scanned.sort_unstable();
            assert_eq!(derived, scanned, "groups of {uid}");
            for g in &e.resource.groups {
                let gid = ResourceId::new(g.value.clone().unwrap());
                assert_eq!(
                    g.display.as_deref(),
                    Some(st.groups[&gid].resource.display_name.as_str())
                );
            }
        }
        drop(st);
        // Index answers equal scan answers for every probe.
        let probes: Vec<String> = LETTERS
            .iter()
            .flat_map(|a| LETTERS.iter().map(move |b| format!("{a}{b}")))
            .chain(LETTERS.iter().map(|s| (*s).to_owned()))
            .collect();
        let st = p.read();
        for probe in &probes {
            for (attr, kind) in [
                ("userName", ResourceKind::User),
                ("displayName", ResourceKind::Group),
            ] {
                let f = Filter::parse(&format!("{attr} eq {}", serde_json::json!(probe))).unwrap();
                let q = ListQuery::new().filter(f);
                let (indexed, scanned): (Vec<ResourceId>, Vec<ResourceId>) = match kind {
                    ResourceKind::User => {
                        let hit = q
                            .filter
                            .as_ref()
                            .and_then(|f| f.equality())
                            .and_then(|(path, v)| indexed_lookup(path, v, kind, &st));
                        assert!(hit.is_some(), "userName eq must use the index");
                        let a = page_of(&q, &p.users, 1000, &st.user_order, &st.users, hit)
                            .resources
                            .into_iter()
                            .filter_map(|u| u.id)
                            .collect();
                        let b = page_of(&q, &p.users, 1000, &st.user_order, &st.users, None)
                            .resources
                            .into_iter()
                            .filter_map(|u| u.id)
                            .collect();
                        (a, b)
                    }
                    _ => {
                        let hit = q
                            .filter
                            .as_ref()
                            .and_then(|f| f.equality())
                            .and_then(|(path, v)| indexed_lookup(path, v, kind, &st));
                        assert!(hit.is_some(), "displayName eq must use the index");
                        let a = page_of(&q, &p.groups, 1000, &st.group_order, &st.groups, hit)
                            .resources
                            .into_iter()
                            .filter_map(|g| g.id)
                            .collect();
                        let b = page_of(&q, &p.groups, 1000, &st.group_order, &st.groups, None)
                            .resources
                            .into_iter()
                            .filter_map(|g| g.id)
                            .collect();
                        (a, b)
                    }
                };
                assert_eq!(indexed, scanned, "{attr} eq {probe:?}");
            }
        }
        for e in 0..3 {
            let v = format!("ext-{e}");
            let f = Filter::parse(&format!("externalId eq \"{v}\"")).unwrap();
            let q = ListQuery::new().filter(f);
            let hit = indexed_lookup(
                &AttrPath::parse("externalId").unwrap(),
                &v,
                ResourceKind::User,
                &st,
            );
            let a: Vec<_> = page_of(&q, &p.users, 1000, &st.user_order, &st.users, hit)
                .resources
                .into_iter()
                .map(|u| u.id)
                .collect();
            let b: Vec<_> = page_of(&q, &p.users, 1000, &st.user_order, &st.users, None)
                .resources
                .into_iter()
                .map(|u| u.id)
                .collect();
            assert_eq!(a, b, "externalId eq {v}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]
        #[test]
        fn indexes_stay_consistent_with_a_scan(ops in prop::collection::vec(op(), 1..40)) {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap()
                .block_on(run(ops));
        }
    }

    #[tokio::test]
    async fn user_names_differing_only_in_final_sigma_are_the_same_login() {
        let p = InMemoryProvider::new();
        p.create_user(User::new("ΟΔΟΣ")).await.unwrap();
        // The filter evaluator folds per character (`σ`), so the index must as well.
        let e = p.create_user(User::new("οδοσ")).await.unwrap_err();
        assert_eq!(e.status(), 409);
        let q = ListQuery::new().filter(Filter::parse("userName eq \"οδοσ\"").unwrap());
        assert_eq!(p.list_users(&q).await.unwrap().total_results, 1);
    }
}
