//! A complete target in memory, with Okta's lifecycle rules, for tests.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use serde_json::{Map, Value};

use crate::action::{Action, AttributeChange, created_by, manager_change};
use crate::error::SyncError;
use crate::target::{
    Applied, IdentityTarget, Lifecycle, TargetCapabilities, TargetGroup, TargetGroupId,
    TargetState, TargetStatus, TargetUser, TargetUserId,
};

/// Okta's base user attributes: never added to the schema.
const BASE_ATTRIBUTES: &[&str] = &[
    "login",
    "email",
    "secondEmail",
    "firstName",
    "lastName",
    "middleName",
    "honorificPrefix",
    "honorificSuffix",
    "title",
    "displayName",
    "nickName",
    "profileUrl",
    "primaryPhone",
    "mobilePhone",
    "streetAddress",
    "city",
    "state",
    "zipCode",
    "countryCode",
    "postalAddress",
    "preferredLanguage",
    "locale",
    "timezone",
    "userType",
    "employeeNumber",
    "costCenter",
    "organization",
    "division",
    "department",
    "managerId",
    "manager",
];

#[derive(Debug, Default)]
struct Inner {
    users: Vec<TargetUser>,
    user_index: HashMap<TargetUserId, usize>,
    logins: HashMap<String, TargetUserId>,
    groups: Vec<TargetGroup>,
    group_names: HashMap<String, TargetGroupId>,
    members: HashMap<TargetGroupId, HashSet<TargetUserId>>,
    custom_attributes: HashSet<String>,
    next_id: u64,
    writes: Vec<Action>,
}

/// An [`IdentityTarget`] in memory: Okta's lifecycle rules, case-insensitive login
/// uniqueness, and a log of the writes it applied for assertions.
///
/// Activation gives `PROVISIONED`, as Okta does for a user without a password (this
/// engine never sets one); use [`set_status`](Self::set_status) to play the person
/// finishing the welcome flow.
///
/// ```
/// use hr_sync::{Action, IdentityTarget, InMemoryTarget, TargetStatus};
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let target = InMemoryTarget::new();
/// let user = target.seed_user("ada@acme.example", TargetStatus::Staged, serde_json::Map::new());
/// target.apply(&Action::Suspend { hr_key: "E-1".into(), user: user.clone() }).await.unwrap_err();
/// target.apply(&Action::Activate { hr_key: "E-1".into(), user }).await?;
/// assert_eq!(target.writes().len(), 1);
/// # Ok::<(), hr_sync::SyncError>(()) })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct InMemoryTarget {
    inner: Mutex<Inner>,
    capabilities: TargetCapabilities,
}

impl Default for InMemoryTarget {
    fn default() -> Self {
        Self::new()
    }
}

impl InMemoryTarget {
    /// An empty target supporting everything.
    #[must_use]
    pub fn new() -> Self {
        Self::with_capabilities(TargetCapabilities::all())
    }

    /// An empty target supporting only `capabilities`.
    ///
    /// ```
    /// use hr_sync::{IdentityTarget, InMemoryTarget, TargetCapabilities};
    /// let mut caps = TargetCapabilities::all();
    /// caps.groups = false;
    /// assert!(!InMemoryTarget::with_capabilities(caps).capabilities().groups);
    /// ```
    #[must_use]
    pub fn with_capabilities(capabilities: TargetCapabilities) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            capabilities,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves consistent data: every write
        // below checks before it changes anything.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a user directly (not logged as a write), e.g. one created by hand in Okta.
    /// A login already taken is replaced in the login index.
    ///
    /// ```
    /// use hr_sync::{InMemoryTarget, TargetStatus};
    /// let t = InMemoryTarget::new();
    /// let id = t.seed_user("bob@acme.example", TargetStatus::Active, serde_json::Map::new());
    /// assert_eq!(t.user(&id).map(|u| u.status), Some(TargetStatus::Active));
    /// ```
    pub fn seed_user(
        &self,
        login: &str,
        status: TargetStatus,
        mut profile: Map<String, Value>,
    ) -> TargetUserId {
        let mut inner = self.lock();
        profile.insert("login".into(), Value::String(login.to_owned()));
        inner.insert_user(status, profile)
    }

    /// Adds a managed group directly (not logged as a write).
    ///
    /// ```
    /// let t = hr_sync::InMemoryTarget::new();
    /// let g = t.seed_group("Sales");
    /// assert!(g.as_str().starts_with("00g"));
    /// ```
    pub fn seed_group(&self, name: &str) -> TargetGroupId {
        self.lock().insert_group(name)
    }

    /// Sets a user's status directly (not logged as a write); `false` for an unknown user.
    ///
    /// ```
    /// use hr_sync::{InMemoryTarget, TargetStatus};
    /// let t = InMemoryTarget::new();
    /// let id = t.seed_user("bob@acme.example", TargetStatus::Provisioned, serde_json::Map::new());
    /// assert!(t.set_status(&id, TargetStatus::Active));
    /// ```
    pub fn set_status(&self, user: &TargetUserId, status: TargetStatus) -> bool {
        let mut inner = self.lock();
        match inner.user_mut(user) {
            Ok(u) => {
                u.status = status;
                true
            }
            Err(_) => false,
        }
    }

    /// A user as stored (its `hr_key` is only filled in by [`IdentityTarget::read_state`]).
    #[must_use]
    pub fn user(&self, id: &TargetUserId) -> Option<TargetUser> {
        let inner = self.lock();
        inner.user_index.get(id).map(|&i| inner.users[i].clone())
    }

    /// The writes applied so far, in order (repeats that changed nothing are left out).
    #[must_use]
    pub fn writes(&self) -> Vec<Action> {
        self.lock().writes.clone()
    }
}

impl Inner {
    fn new_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}mem{:08}", self.next_id)
    }

    fn insert_user(&mut self, status: TargetStatus, profile: Map<String, Value>) -> TargetUserId {
        let id = TargetUserId::new(self.new_id("00u"));
        // The HR key is read at `read_state`, from whichever link attribute is asked for.
        let user = TargetUser::from_profile(id.clone(), status, profile, "");
        self.logins.insert(user.login.to_lowercase(), id.clone());
        self.user_index.insert(id.clone(), self.users.len());
        self.users.push(user);
        id
    }

    fn insert_group(&mut self, name: &str) -> TargetGroupId {
        let id = TargetGroupId::new(self.new_id("00g"));
        self.group_names.insert(name.to_lowercase(), id.clone());
        self.members.insert(id.clone(), HashSet::new());
        self.groups.push(TargetGroup::new(id.clone(), name, true));
        id
    }

    fn user_mut(&mut self, id: &TargetUserId) -> Result<&mut TargetUser, SyncError> {
        match self.user_index.get(id) {
            Some(&i) => Ok(&mut self.users[i]),
            None => Err(SyncError::UnknownUser { user: id.clone() }),
        }
    }

    /// The user an earlier attempt of this create made, if any.
    fn made_by(
        &self,
        hr_key: &str,
        login: &str,
        profile: &Map<String, Value>,
    ) -> Option<&TargetUserId> {
        let holder = self.login_holder(login)?;
        let user = self.users.get(*self.user_index.get(holder)?)?;
        created_by(&user.profile, hr_key, profile).then_some(holder)
    }

    fn login_holder(&self, login: &str) -> Option<&TargetUserId> {
        self.logins.get(&login.to_lowercase())
    }

    fn create_user(
        &mut self,
        login: &str,
        profile: &Map<String, Value>,
        activate: bool,
    ) -> Result<Applied, SyncError> {
        if login.is_empty() {
            return Err(SyncError::Invalid {
                action: "create_user".into(),
                reason: "the login is empty".into(),
            });
        }
        if let Some(existing) = self.login_holder(login) {
            return Err(SyncError::LoginConflict {
                login: login.to_owned(),
                existing: Some(existing.clone()),
            });
        }
        let mut profile = profile.clone();
        profile.insert("login".into(), Value::String(login.to_owned()));
        let status = if activate {
            TargetStatus::Provisioned
        } else {
            TargetStatus::Staged
        };
        let id = self.insert_user(status, profile);
        Ok(Applied::new(Some(id.to_string()), None))
    }

    fn update_profile(
        &mut self,
        user: &TargetUserId,
        changes: &[AttributeChange],
    ) -> Result<bool, SyncError> {
        let new_login = changes
            .iter()
            .rev()
            .find(|c| c.name == "login")
            .map(|c| match &c.after {
                Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
                _ => Err(SyncError::Invalid {
                    action: "update_profile".into(),
                    reason: "the login can't be cleared".into(),
                }),
            })
            .transpose()?;
        let old_login = self.user_mut(user)?.login.clone();
        if let Some(login) = &new_login
            && let Some(holder) = self.login_holder(login)
            && holder != user
        {
            return Err(SyncError::LoginConflict {
                login: login.clone(),
                existing: Some(holder.clone()),
            });
        }
        let u = self.user_mut(user)?;
        let before = u.profile.clone();
        for change in changes {
            match &change.after {
                Some(v) => u.profile.insert(change.name.clone(), v.clone()),
                None => u.profile.remove(&change.name),
            };
        }
        if before == u.profile {
            return Ok(false);
        }
        let refreshed =
            TargetUser::from_profile(u.id.clone(), u.status.clone(), u.profile.clone(), "");
        *u = refreshed;
        if let Some(login) = new_login {
            self.logins.remove(&old_login.to_lowercase());
            self.logins.insert(login.to_lowercase(), user.clone());
        }
        Ok(true)
    }

    fn lifecycle(&mut self, op: Lifecycle, user: &TargetUserId) -> Result<bool, SyncError> {
        let u = self.user_mut(user)?;
        match op.needed(&u.status) {
            Ok(false) => Ok(false),
            Ok(true) => {
                u.status = match op {
                    Lifecycle::Activate | Lifecycle::Reactivate => TargetStatus::Provisioned,
                    Lifecycle::Suspend => TargetStatus::Suspended,
                    Lifecycle::Unsuspend => TargetStatus::Active,
                    Lifecycle::Deactivate => TargetStatus::Deprovisioned,
                };
                Ok(true)
            }
            Err(()) => Err(SyncError::IllegalTransition {
                action: op.name().into(),
                user: user.clone(),
                status: u.status.clone(),
            }),
        }
    }

    fn membership(
        &mut self,
        group: &TargetGroupId,
        user: &TargetUserId,
        add: bool,
    ) -> Result<bool, SyncError> {
        if !self.user_index.contains_key(user) {
            return Err(SyncError::UnknownUser { user: user.clone() });
        }
        let Some(members) = self.members.get_mut(group) else {
            return Err(SyncError::UnknownGroup {
                group: group.clone(),
            });
        };
        Ok(if add {
            members.insert(user.clone())
        } else {
            members.remove(user)
        })
    }

    /// Applies the action; `Some` when something changed.
    fn apply(&mut self, action: &Action) -> Result<Option<Applied>, SyncError> {
        let changed = |user: &TargetUserId, changed: bool| {
            changed.then(|| Applied::new(Some(user.to_string()), None))
        };
        match action {
            Action::CreateUser {
                login,
                profile,
                activate,
                ..
            } => self.create_user(login, profile, *activate).map(Some),
            Action::UpdateProfile { user, changes, .. } => {
                Ok(changed(user, self.update_profile(user, changes)?))
            }
            Action::SetManager { user, manager, .. } => {
                let (user, change) = manager_change(user, manager.as_ref())?;
                Ok(changed(user, self.update_profile(user, &[change])?))
            }
            Action::Activate { user, .. } => {
                Ok(changed(user, self.lifecycle(Lifecycle::Activate, user)?))
            }
            Action::Reactivate { user, .. } => {
                Ok(changed(user, self.lifecycle(Lifecycle::Reactivate, user)?))
            }
            Action::Suspend { user, .. } => {
                Ok(changed(user, self.lifecycle(Lifecycle::Suspend, user)?))
            }
            Action::Unsuspend { user, .. } => {
                Ok(changed(user, self.lifecycle(Lifecycle::Unsuspend, user)?))
            }
            Action::Deactivate { user, .. } => {
                Ok(changed(user, self.lifecycle(Lifecycle::Deactivate, user)?))
            }
            Action::CreateGroup { name } => {
                if self.group_names.contains_key(&name.to_lowercase()) {
                    return Err(SyncError::GroupConflict { name: name.clone() });
                }
                let id = self.insert_group(name);
                Ok(Some(Applied::new(Some(id.to_string()), None)))
            }
            Action::AddMember { group, user, .. } => {
                let (group, user) = (group.require("add_member")?, user.require("add_member")?);
                Ok(changed(user, self.membership(group, user, true)?))
            }
            Action::RemoveMember { group, user, .. } => {
                Ok(changed(user, self.membership(group, user, false)?))
            }
        }
    }
}

#[async_trait]
impl IdentityTarget for InMemoryTarget {
    fn capabilities(&self) -> TargetCapabilities {
        self.capabilities
    }

    async fn read_state(&self, link_attribute: &str) -> Result<TargetState, SyncError> {
        let inner = self.lock();
        let users = inner
            .users
            .iter()
            .map(|u| {
                TargetUser::from_profile(
                    u.id.clone(),
                    u.status.clone(),
                    u.profile.clone(),
                    link_attribute,
                )
            })
            .collect();
        Ok(TargetState::new(
            users,
            inner.groups.clone(),
            inner.members.clone(),
        ))
    }

    async fn ensure_link_attribute(&self, name: &str) -> Result<bool, SyncError> {
        if BASE_ATTRIBUTES.contains(&name) {
            return Ok(false);
        }
        if !self.capabilities.custom_attributes {
            return Err(SyncError::Unsupported {
                action: format!("add custom attribute {name}"),
            });
        }
        Ok(self.lock().custom_attributes.insert(name.to_owned()))
    }

    async fn apply(&self, action: &Action) -> Result<Applied, SyncError> {
        if !self.capabilities.supports(action) {
            return Err(SyncError::Unsupported {
                action: action.kind().into(),
            });
        }
        let mut inner = self.lock();
        if let Action::CreateUser {
            hr_key,
            login,
            profile,
            ..
        } = action
            && let Some(own) = inner.made_by(hr_key, login, profile)
        {
            // An earlier attempt made it: the same outcome, no write.
            return Ok(Applied::new(Some(own.to_string()), None));
        }
        if let Action::CreateGroup { name } = action
            && let Some(group) = inner.groups.iter().find(|g| g.name == *name)
        {
            // Exactly this name: an earlier attempt made it (see OktaTarget).
            return Ok(Applied::new(Some(group.id.to_string()), None));
        }
        match inner.apply(action)? {
            Some(applied) => {
                inner.writes.push(action.clone());
                Ok(applied)
            }
            None => Ok(Applied::new(action.user().map(ToString::to_string), None)),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn a_login_change_keeps_logins_unique() {
        let t = InMemoryTarget::new();
        let ada = t.seed_user("ada@x.example", TargetStatus::Active, Map::new());
        t.seed_user("bob@x.example", TargetStatus::Active, Map::new());
        let rename = |login: &str| Action::UpdateProfile {
            hr_key: "E-1".into(),
            user: ada.clone(),
            changes: vec![AttributeChange::new("login", None, Some(json!(login)))],
        };
        let taken = block_on(t.apply(&rename("BOB@x.example")));
        assert!(
            matches!(taken, Err(SyncError::LoginConflict { .. })),
            "{taken:?}"
        );
        block_on(t.apply(&rename("ada.l@x.example"))).unwrap();
        let state = block_on(t.read_state("hrEmployeeId")).unwrap();
        assert_eq!(state.by_login("ADA.L@x.example").map(|u| &u.id), Some(&ada));
        assert!(state.by_login("ada@x.example").is_none());
        // The old login is free again.
        let create = Action::create_user("E-2", "ada@x.example", Map::new(), false);
        block_on(t.apply(&create)).unwrap();
    }

    #[test]
    fn actions_outside_the_capabilities_are_refused_without_a_write() {
        let mut caps = TargetCapabilities::all();
        caps.suspend = false;
        caps.custom_attributes = false;
        let t = InMemoryTarget::with_capabilities(caps);
        let ada = t.seed_user("ada@x.example", TargetStatus::Active, Map::new());
        let suspend = Action::Suspend {
            hr_key: "E-1".into(),
            user: ada.clone(),
        };
        assert!(matches!(
            block_on(t.apply(&suspend)),
            Err(SyncError::Unsupported { .. })
        ));
        assert!(matches!(
            block_on(t.ensure_link_attribute("hrEmployeeId")),
            Err(SyncError::Unsupported { .. })
        ));
        assert!(!block_on(t.ensure_link_attribute("employeeNumber")).unwrap());
        assert_eq!(t.user(&ada).unwrap().status, TargetStatus::Active);
        assert!(t.writes().is_empty());
    }

    #[test]
    fn lifecycle_rules_follow_okta() {
        use Lifecycle as L;
        use TargetStatus as S;
        let all = [
            S::Staged,
            S::Provisioned,
            S::Active,
            S::Suspended,
            S::Deprovisioned,
            S::LockedOut,
            S::Recovery,
            S::PasswordExpired,
        ];
        let legal =
            |op: L| -> Vec<&S> { all.iter().filter(|s| op.needed(s) == Ok(true)).collect() };
        assert_eq!(legal(L::Activate), [&S::Staged, &S::Deprovisioned]);
        assert_eq!(legal(L::Reactivate), [&S::Deprovisioned]);
        assert_eq!(legal(L::Suspend), [&S::Active]);
        assert_eq!(legal(L::Unsuspend), [&S::Suspended]);
        assert_eq!(legal(L::Deactivate).len(), all.len() - 1);
        assert_eq!(L::Deactivate.needed(&S::Deprovisioned), Ok(false));
        assert_eq!(L::Suspend.needed(&S::Suspended), Ok(false));
        assert_eq!(L::Suspend.needed(&S::Staged), Err(()));
    }
}
