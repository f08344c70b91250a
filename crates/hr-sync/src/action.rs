//! The unit of change a target applies.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::SyncError;
use crate::target::{Applied, TargetGroupId, TargetUserId};

/// A user an action refers to: one that exists, or one a [`CreateUser`](Action::CreateUser)
/// earlier in the same plan creates (named by the person's HR key).
///
/// Targets only apply actions whose references exist; the executor swaps planned
/// references for the ids the creates returned with [`PlannedIds`].
///
/// ```
/// use hr_sync::{TargetUserId, UserRef};
/// let r = UserRef::Planned("E-1".into());
/// assert_eq!(serde_json::to_value(&r)?, serde_json::json!({"planned": "E-1"}));
/// assert!(UserRef::from(TargetUserId::new("00u1")).existing().is_some());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum UserRef {
    /// A user in the target.
    Existing(TargetUserId),
    /// The user the plan creates for this HR key.
    Planned(String),
}

impl UserRef {
    /// The id, when the user exists.
    #[must_use]
    pub fn existing(&self) -> Option<&TargetUserId> {
        match self {
            Self::Existing(id) => Some(id),
            Self::Planned(_) => None,
        }
    }

    pub(crate) fn require(&self, action: &str) -> Result<&TargetUserId, SyncError> {
        match self {
            Self::Existing(id) => Ok(id),
            Self::Planned(key) => Err(unresolved(action, &format!("user planned for {key}"))),
        }
    }
}

impl From<TargetUserId> for UserRef {
    fn from(id: TargetUserId) -> Self {
        Self::Existing(id)
    }
}

/// A group an action refers to: one that exists, or one a
/// [`CreateGroup`](Action::CreateGroup) earlier in the same plan creates (by name).
///
/// ```
/// use hr_sync::{GroupRef, TargetGroupId};
/// assert!(GroupRef::Planned("Dept - Sales".into()).existing().is_none());
/// assert!(GroupRef::from(TargetGroupId::new("00g1")).existing().is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GroupRef {
    /// A group in the target.
    Existing(TargetGroupId),
    /// The group the plan creates with this name.
    Planned(String),
}

impl GroupRef {
    /// The id, when the group exists.
    #[must_use]
    pub fn existing(&self) -> Option<&TargetGroupId> {
        match self {
            Self::Existing(id) => Some(id),
            Self::Planned(_) => None,
        }
    }

    pub(crate) fn require(&self, action: &str) -> Result<&TargetGroupId, SyncError> {
        match self {
            Self::Existing(id) => Ok(id),
            Self::Planned(name) => Err(unresolved(action, &format!("group planned as {name}"))),
        }
    }
}

impl From<TargetGroupId> for GroupRef {
    fn from(id: TargetGroupId) -> Self {
        Self::Existing(id)
    }
}

fn unresolved(action: &str, what: &str) -> SyncError {
    SyncError::Invalid {
        action: action.to_owned(),
        reason: format!("{what} is not resolved to a target id (resolve with PlannedIds)"),
    }
}

/// The ids that the creates of a plan returned, to resolve the planned references of
/// the actions after them: record every applied create, resolve each later action.
///
/// ```
/// use hr_sync::{Action, Applied, GroupRef, PlannedIds, UserRef};
/// let mut ids = PlannedIds::default();
/// let create = Action::CreateGroup { name: "Sales".into() };
/// ids.record(&create, &Applied::new(Some("00g9".into()), None));
/// let add = Action::AddMember {
///     hr_key: "E-1".into(),
///     group: GroupRef::Planned("sales".into()),
///     user: UserRef::Planned("E-1".into()),
/// };
/// assert!(ids.resolve(&add).is_err()); // E-1 was not created yet
/// ids.record(&Action::create_user("E-1", "a@x.example", Default::default(), false),
///     &Applied::new(Some("00u9".into()), None));
/// let Action::AddMember { group, user, .. } = ids.resolve(&add)? else { unreachable!() };
/// assert_eq!((group.existing().map(|g| g.as_str()), user.existing().map(|u| u.as_str())),
///     (Some("00g9"), Some("00u9")));
/// # Ok::<(), hr_sync::SyncError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct PlannedIds {
    users: HashMap<String, TargetUserId>,
    groups: HashMap<String, TargetGroupId>,
}

impl PlannedIds {
    /// Remembers the id a [`CreateUser`](Action::CreateUser) or
    /// [`CreateGroup`](Action::CreateGroup) returned; other actions are ignored.
    pub fn record(&mut self, action: &Action, applied: &Applied) {
        let Some(id) = &applied.target_id else { return };
        match action {
            Action::CreateUser { hr_key, .. } => {
                self.users.insert(hr_key.clone(), TargetUserId::new(id));
            }
            Action::CreateGroup { name } => {
                self.groups
                    .insert(name.to_lowercase(), TargetGroupId::new(id));
            }
            _ => {}
        }
    }

    fn user(&self, r: &UserRef, action: &str) -> Result<UserRef, SyncError> {
        match r {
            UserRef::Existing(_) => Ok(r.clone()),
            UserRef::Planned(key) => self
                .users
                .get(key)
                .map(|id| UserRef::Existing(id.clone()))
                .ok_or_else(|| unresolved(action, &format!("user planned for {key}"))),
        }
    }

    fn group(&self, r: &GroupRef, action: &str) -> Result<GroupRef, SyncError> {
        match r {
            GroupRef::Existing(_) => Ok(r.clone()),
            GroupRef::Planned(name) => self
                .groups
                .get(&name.to_lowercase())
                .map(|id| GroupRef::Existing(id.clone()))
                .ok_or_else(|| unresolved(action, &format!("group planned as {name}"))),
        }
    }

    /// The action with every planned reference replaced by the recorded id.
    ///
    /// # Errors
    /// [`SyncError::Invalid`] when a reference names a create that was not recorded
    /// (it failed or has not run yet).
    pub fn resolve(&self, action: &Action) -> Result<Action, SyncError> {
        let kind = action.kind();
        Ok(match action {
            Action::AddMember {
                hr_key,
                group,
                user,
            } => Action::AddMember {
                hr_key: hr_key.clone(),
                group: self.group(group, kind)?,
                user: self.user(user, kind)?,
            },
            Action::SetManager {
                hr_key,
                user,
                manager,
            } => Action::SetManager {
                hr_key: hr_key.clone(),
                user: self.user(user, kind)?,
                manager: manager.as_ref().map(|m| self.user(m, kind)).transpose()?,
            },
            other => other.clone(),
        })
    }
}

/// A [`SetManager`](Action::SetManager) as the profile change it is: the user and its
/// `managerId` set to the manager's id (cleared without a manager). Both references must
/// be resolved.
pub(crate) fn manager_change<'a>(
    user: &'a UserRef,
    manager: Option<&UserRef>,
) -> Result<(&'a TargetUserId, AttributeChange), SyncError> {
    let user = user.require("set_manager")?;
    let manager = manager.map(|m| m.require("set_manager")).transpose()?;
    let change = AttributeChange::new(
        crate::plan::MANAGER_ATTRIBUTE,
        None,
        manager.map(|m| Value::String(m.to_string())),
    );
    Ok((user, change))
}

/// Whether `holder` (a user's profile) is the user a create for `hr_key` with
/// `profile` made: some attribute holds the HR key in both (the link attribute, whatever
/// its name). A create repeated after an ambiguous failure finds its own user this way.
pub(crate) fn created_by(
    holder: &Map<String, Value>,
    hr_key: &str,
    profile: &Map<String, Value>,
) -> bool {
    profile.iter().any(|(name, value)| {
        value.as_str() == Some(hr_key) && holder.get(name).and_then(Value::as_str) == Some(hr_key)
    })
}

/// One profile attribute's value before and after (`None`: absent or cleared).
///
/// ```
/// use hr_sync::AttributeChange;
/// use serde_json::json;
/// let c = AttributeChange::new("department", Some(json!("Sales")), Some(json!("Finance")));
/// assert_eq!(c.name, "department");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AttributeChange {
    /// The profile attribute.
    pub name: String,
    /// Its value in the target now.
    pub before: Option<Value>,
    /// Its value after the change; `None` clears it.
    pub after: Option<Value>,
}

impl AttributeChange {
    /// A change.
    pub fn new(name: impl Into<String>, before: Option<Value>, after: Option<Value>) -> Self {
        Self {
            name: name.into(),
            before,
            after,
        }
    }
}

/// One change to a target. Reasons live in the plan that wraps actions; an action
/// concerning a person carries the person's HR key.
///
/// Serialised with a `kind` tag:
///
/// ```
/// use hr_sync::{Action, TargetUserId};
/// let a = Action::Suspend { hr_key: "E-1".into(), user: TargetUserId::new("00u1") };
/// let json = serde_json::to_value(&a)?;
/// assert_eq!(json["kind"], "suspend");
/// assert_eq!(serde_json::from_value::<Action>(json)?, a);
/// assert!(a.is_destructive());
/// assert_eq!(a.person(), Some("E-1"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// Create a user; `profile` holds Okta's profile attributes, the link attribute
    /// with the HR key included.
    CreateUser {
        /// The person's HR key.
        hr_key: String,
        /// The login.
        login: String,
        /// The profile (the login is set from `login`).
        profile: Map<String, Value>,
        /// Activate at once (otherwise the user is `STAGED`).
        activate: bool,
    },
    /// Change profile attributes.
    UpdateProfile {
        /// The person's HR key.
        hr_key: String,
        /// The user.
        user: TargetUserId,
        /// The attributes changed.
        changes: Vec<AttributeChange>,
    },
    /// Activate a `STAGED` user (at the start date).
    Activate {
        /// The person's HR key.
        hr_key: String,
        /// The user.
        user: TargetUserId,
    },
    /// Suspend an `ACTIVE` user.
    Suspend {
        /// The person's HR key.
        hr_key: String,
        /// The user.
        user: TargetUserId,
    },
    /// Return a `SUSPENDED` user to `ACTIVE`.
    Unsuspend {
        /// The person's HR key.
        hr_key: String,
        /// The user.
        user: TargetUserId,
    },
    /// Deactivate a user (deprovisioned from every app).
    Deactivate {
        /// The person's HR key.
        hr_key: String,
        /// The user.
        user: TargetUserId,
    },
    /// Activate a `DEPROVISIONED` user again (a rehire).
    Reactivate {
        /// The person's HR key.
        hr_key: String,
        /// The user.
        user: TargetUserId,
    },
    /// Create a managed group.
    CreateGroup {
        /// The name.
        name: String,
    },
    /// Add a user to a group; either may be created earlier in the same plan.
    AddMember {
        /// The person's HR key.
        hr_key: String,
        /// The group.
        group: GroupRef,
        /// The user.
        user: UserRef,
    },
    /// Remove a user from a group.
    RemoveMember {
        /// The person's HR key.
        hr_key: String,
        /// The group.
        group: TargetGroupId,
        /// The user.
        user: TargetUserId,
    },
    /// Set (or clear) the user's manager reference (Okta's `managerId`, which gets the
    /// manager's target user id); either user may be created earlier in the same plan.
    SetManager {
        /// The person's HR key.
        hr_key: String,
        /// The user.
        user: UserRef,
        /// The manager's user; `None` clears it.
        manager: Option<UserRef>,
    },
}

impl Action {
    /// A [`CreateUser`](Self::CreateUser).
    ///
    /// ```
    /// use hr_sync::Action;
    /// let a = Action::create_user("E-1", "ada@acme.example", serde_json::Map::new(), true);
    /// assert_eq!(a.kind(), "create_user");
    /// ```
    pub fn create_user(
        hr_key: impl Into<String>,
        login: impl Into<String>,
        profile: Map<String, Value>,
        activate: bool,
    ) -> Self {
        Self::CreateUser {
            hr_key: hr_key.into(),
            login: login.into(),
            profile,
            activate,
        }
    }

    /// The HR key of the person concerned, if the action concerns a person.
    ///
    /// ```
    /// use hr_sync::Action;
    /// assert_eq!(Action::CreateGroup { name: "Sales".into() }.person(), None);
    /// ```
    #[must_use]
    pub fn person(&self) -> Option<&str> {
        match self {
            Self::CreateUser { hr_key, .. }
            | Self::UpdateProfile { hr_key, .. }
            | Self::Activate { hr_key, .. }
            | Self::Suspend { hr_key, .. }
            | Self::Unsuspend { hr_key, .. }
            | Self::Deactivate { hr_key, .. }
            | Self::Reactivate { hr_key, .. }
            | Self::AddMember { hr_key, .. }
            | Self::RemoveMember { hr_key, .. }
            | Self::SetManager { hr_key, .. } => Some(hr_key),
            Self::CreateGroup { .. } => None,
        }
    }

    /// The user acted on, when it exists already (not a planned reference).
    ///
    /// ```
    /// use hr_sync::{Action, TargetUserId};
    /// let a = Action::Activate { hr_key: "E-1".into(), user: TargetUserId::new("00u1") };
    /// assert_eq!(a.user().map(TargetUserId::as_str), Some("00u1"));
    /// ```
    #[must_use]
    pub fn user(&self) -> Option<&TargetUserId> {
        match self {
            Self::UpdateProfile { user, .. }
            | Self::Activate { user, .. }
            | Self::Suspend { user, .. }
            | Self::Unsuspend { user, .. }
            | Self::Deactivate { user, .. }
            | Self::Reactivate { user, .. }
            | Self::RemoveMember { user, .. } => Some(user),
            Self::AddMember { user, .. } | Self::SetManager { user, .. } => user.existing(),
            Self::CreateUser { .. } | Self::CreateGroup { .. } => None,
        }
    }

    /// Whether the action takes access away (suspend, deactivate, remove member): what
    /// the safeguards count.
    ///
    /// ```
    /// use hr_sync::{Action, TargetUserId};
    /// assert!(!Action::Activate { hr_key: "E-1".into(), user: TargetUserId::new("00u1") }.is_destructive());
    /// ```
    #[must_use]
    pub fn is_destructive(&self) -> bool {
        matches!(
            self,
            Self::Suspend { .. } | Self::Deactivate { .. } | Self::RemoveMember { .. }
        )
    }

    /// The `kind` tag, e.g. `suspend`.
    ///
    /// ```
    /// use hr_sync::Action;
    /// assert_eq!(Action::CreateGroup { name: "Sales".into() }.kind(), "create_group");
    /// ```
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::CreateUser { .. } => "create_user",
            Self::UpdateProfile { .. } => "update_profile",
            Self::Activate { .. } => "activate",
            Self::Suspend { .. } => "suspend",
            Self::Unsuspend { .. } => "unsuspend",
            Self::Deactivate { .. } => "deactivate",
            Self::Reactivate { .. } => "reactivate",
            Self::CreateGroup { .. } => "create_group",
            Self::AddMember { .. } => "add_member",
            Self::RemoveMember { .. } => "remove_member",
            Self::SetManager { .. } => "set_manager",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn every_action_round_trips_with_its_kind_tag() {
        let (user, group) = (TargetUserId::new("00u1"), TargetGroupId::new("00g1"));
        let k = || "E-1".to_owned();
        let actions = [
            Action::create_user("E-1", "a@x.example", Map::new(), true),
            Action::UpdateProfile {
                hr_key: k(),
                user: user.clone(),
                changes: vec![AttributeChange::new("title", Some(json!("A")), None)],
            },
            Action::Activate {
                hr_key: k(),
                user: user.clone(),
            },
            Action::Suspend {
                hr_key: k(),
                user: user.clone(),
            },
            Action::Unsuspend {
                hr_key: k(),
                user: user.clone(),
            },
            Action::Deactivate {
                hr_key: k(),
                user: user.clone(),
            },
            Action::Reactivate {
                hr_key: k(),
                user: user.clone(),
            },
            Action::CreateGroup {
                name: "Sales".into(),
            },
            Action::AddMember {
                hr_key: k(),
                group: group.clone().into(),
                user: UserRef::Planned(k()),
            },
            Action::RemoveMember {
                hr_key: k(),
                group,
                user: user.clone(),
            },
            Action::SetManager {
                hr_key: k(),
                user: user.into(),
                manager: None,
            },
        ];
        let destructive: Vec<_> = actions
            .iter()
            .filter(|a| a.is_destructive())
            .map(Action::kind)
            .collect();
        assert_eq!(destructive, ["suspend", "deactivate", "remove_member"]);
        for action in actions {
            let doc = serde_json::to_value(&action).unwrap();
            assert_eq!(doc["kind"], action.kind());
            assert_eq!(serde_json::from_value::<Action>(doc).unwrap(), action);
            assert_eq!(
                action.person().is_some(),
                !matches!(action, Action::CreateGroup { .. })
            );
        }
    }
}
