//! The unit of change a target applies.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::target::{TargetGroupId, TargetUserId};

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
    /// Add a user to a group.
    AddMember {
        /// The person's HR key.
        hr_key: String,
        /// The group.
        group: TargetGroupId,
        /// The user.
        user: TargetUserId,
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
    /// Set (or clear) the user's manager reference (Okta's `managerId`).
    SetManager {
        /// The person's HR key.
        hr_key: String,
        /// The user.
        user: TargetUserId,
        /// The manager's id as the target stores it; `None` clears it.
        manager_id: Option<String>,
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

    /// The user acted on, when it exists already.
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
            | Self::AddMember { user, .. }
            | Self::RemoveMember { user, .. }
            | Self::SetManager { user, .. } => Some(user),
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
                group: group.clone(),
                user: user.clone(),
            },
            Action::RemoveMember {
                hr_key: k(),
                group,
                user: user.clone(),
            },
            Action::SetManager {
                hr_key: k(),
                user,
                manager_id: None,
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
