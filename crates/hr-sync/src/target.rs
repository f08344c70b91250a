//! What a target holds (users, groups, memberships) and the [`IdentityTarget`] trait.

use std::collections::{HashMap, HashSet};

use rustc_hash::FxHashMap;
use std::fmt;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::action::Action;
use crate::error::SyncError;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $example:literal) => {
        $(#[$doc])*
        ///
        /// ```
        #[doc = concat!("let id = hr_sync::", stringify!($name), "::new(\"", $example, "\");")]
        #[doc = concat!("assert_eq!(id.as_str(), \"", $example, "\");")]
        #[doc = concat!("assert_eq!(id.to_string(), \"", $example, "\");")]
        /// ```
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps the target's id.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id as a string slice.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// A user's id in the target (Okta's `00u…`).
    TargetUserId,
    "00u1abc"
);
id_type!(
    /// A group's id in the target (Okta's `00g…`).
    TargetGroupId,
    "00g1abc"
);

/// A user's status in the target: Okta's statuses (okta-api's type).
///
/// ```
/// use hr_sync::TargetStatus;
/// assert_eq!(TargetStatus::from_okta("LOCKED_OUT"), TargetStatus::LockedOut);
/// assert_eq!(TargetStatus::Suspended.as_str(), "SUSPENDED");
/// assert_eq!(TargetStatus::from_okta("NEW"), TargetStatus::Other("NEW".into()));
/// assert_eq!(serde_json::to_string(&TargetStatus::Active)?, r#""ACTIVE""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub use okta_api::UserStatus as TargetStatus;

/// A lifecycle change, and Okta's rules for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lifecycle {
    Activate,
    Reactivate,
    Suspend,
    Unsuspend,
    Deactivate,
}

impl Lifecycle {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Activate => "activate",
            Self::Reactivate => "reactivate",
            Self::Suspend => "suspend",
            Self::Unsuspend => "unsuspend",
            Self::Deactivate => "deactivate",
        }
    }

    /// `Ok(true)`: the call is needed; `Ok(false)`: the user is there already, so a
    /// repeated action (after a crash or a timeout) changes nothing; `Err`: Okta refuses it.
    ///
    /// Okta's legal states (okta.md §1.3): activate from STAGED or DEPROVISIONED, suspend
    /// only from ACTIVE, unsuspend only from SUSPENDED, deactivate from anything but
    /// DEPROVISIONED. A rehire ("reactivate") is Okta's activate from DEPROVISIONED.
    pub(crate) fn needed(self, status: &TargetStatus) -> Result<bool, ()> {
        use TargetStatus as S;
        match (self, status) {
            (Self::Activate, S::Staged | S::Deprovisioned)
            | (Self::Reactivate, S::Deprovisioned)
            | (Self::Suspend, S::Active)
            | (Self::Unsuspend, S::Suspended) => Ok(true),
            (Self::Deactivate, S::Deprovisioned) => Ok(false),
            (Self::Deactivate, _) => Ok(true),
            (Self::Activate | Self::Reactivate, S::Active | S::Provisioned)
            | (Self::Suspend, S::Suspended)
            | (Self::Unsuspend, S::Active) => Ok(false),
            _ => Err(()),
        }
    }
}

/// A user in the target.
///
/// ```
/// use hr_sync::{TargetStatus, TargetUser, TargetUserId};
/// let user = TargetUser::new(TargetUserId::new("00u1"), "ada@acme.example", TargetStatus::Active)
///     .with_email("ada@acme.example")
///     .with_hr_key("E-1");
/// assert_eq!(user.hr_key.as_deref(), Some("E-1"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TargetUser {
    /// The target's id.
    pub id: TargetUserId,
    /// The status.
    pub status: TargetStatus,
    /// The login.
    pub login: String,
    /// The primary e-mail address.
    pub email: Option<String>,
    /// Every profile attribute, as Okta's profile JSON.
    pub profile: Map<String, Value>,
    /// The value of the link attribute: the HR key of the person this user belongs to.
    pub hr_key: Option<String>,
}

impl TargetUser {
    /// A user with an empty profile, no e-mail and no HR key.
    pub fn new(id: TargetUserId, login: impl Into<String>, status: TargetStatus) -> Self {
        Self {
            id,
            status,
            login: login.into(),
            email: None,
            profile: Map::new(),
            hr_key: None,
        }
    }

    /// With this e-mail address.
    #[must_use]
    pub fn with_email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// With this HR key.
    #[must_use]
    pub fn with_hr_key(mut self, key: impl Into<String>) -> Self {
        self.hr_key = Some(key.into());
        self
    }

    /// With this profile; `login`, `email` and the HR key are read from it, the HR key
    /// from `link_attribute` (a string, or a number written as one).
    ///
    /// ```
    /// use hr_sync::{TargetStatus, TargetUser, TargetUserId};
    /// let profile = serde_json::json!({"login": "a@x.example", "email": "a@x.example", "employeeNumber": 42});
    /// let user = TargetUser::from_profile(TargetUserId::new("00u1"), TargetStatus::Staged,
    ///     profile.as_object().cloned().unwrap_or_default(), "employeeNumber");
    /// assert_eq!(user.hr_key.as_deref(), Some("42"));
    /// assert_eq!(user.login, "a@x.example");
    /// ```
    #[must_use]
    pub fn from_profile(
        id: TargetUserId,
        status: TargetStatus,
        profile: Map<String, Value>,
        link_attribute: &str,
    ) -> Self {
        let text = |name: &str| match profile.get(name) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        Self {
            id,
            status,
            login: text("login").unwrap_or_default(),
            email: text("email"),
            hr_key: text(link_attribute),
            profile,
        }
    }
}

/// A group in the target.
///
/// ```
/// use hr_sync::{TargetGroup, TargetGroupId};
/// let group = TargetGroup::new(TargetGroupId::new("00g1"), "Engineering", true);
/// assert!(group.managed);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TargetGroup {
    /// The target's id.
    pub id: TargetGroupId,
    /// The name.
    pub name: String,
    /// Whether the group's members can be changed through the API (Okta's `OKTA_GROUP`).
    pub managed: bool,
}

impl TargetGroup {
    /// A group.
    pub fn new(id: TargetGroupId, name: impl Into<String>, managed: bool) -> Self {
        Self {
            id,
            name: name.into(),
            managed,
        }
    }
}

/// Everything in scope in a target: users, groups and memberships, with lookups by
/// HR key, login and e-mail built once (logins and e-mails compared case-insensitively).
///
/// ```
/// use hr_sync::{TargetState, TargetStatus, TargetUser, TargetUserId};
/// let ada = TargetUser::new(TargetUserId::new("00u1"), "Ada@Acme.example", TargetStatus::Active)
///     .with_email("ada@acme.example").with_hr_key("E-1");
/// let state = TargetState::new(vec![ada], Vec::new(), Default::default());
/// assert_eq!(state.by_login("ada@acme.EXAMPLE").map(|u| u.id.as_str()), Some("00u1"));
/// assert_eq!(state.by_email("ADA@acme.example").count(), 1);
/// assert_eq!(state.by_hr_key("E-1").count(), 1);
/// ```
#[derive(Debug, Clone, Default)]
pub struct TargetState {
    users: Vec<TargetUser>,
    groups: Vec<TargetGroup>,
    memberships: HashMap<TargetGroupId, HashSet<TargetUserId>>,
    // Private indexes: FxHash (the keys are ids, logins and names from HR and Okta).
    user_index: FxHashMap<TargetUserId, usize>,
    hr_keys: FxHashMap<String, Vec<usize>>,
    logins: FxHashMap<String, usize>,
    emails: FxHashMap<String, Vec<usize>>,
    group_names: FxHashMap<String, usize>,
}

impl TargetState {
    /// A state from its parts, indexed once.
    #[must_use]
    pub fn new(
        users: Vec<TargetUser>,
        groups: Vec<TargetGroup>,
        memberships: HashMap<TargetGroupId, HashSet<TargetUserId>>,
    ) -> Self {
        let mut state = Self {
            users,
            groups,
            memberships,
            ..Self::default()
        };
        for (i, user) in state.users.iter().enumerate() {
            state.user_index.insert(user.id.clone(), i);
            if let Some(key) = &user.hr_key {
                state.hr_keys.entry(key.clone()).or_default().push(i);
            }
            state.logins.entry(user.login.to_lowercase()).or_insert(i);
            if let Some(email) = &user.email {
                state
                    .emails
                    .entry(email.to_lowercase())
                    .or_default()
                    .push(i);
            }
        }
        for (i, group) in state.groups.iter().enumerate() {
            state
                .group_names
                .entry(group.name.to_lowercase())
                .or_insert(i);
        }
        state
    }

    /// Every user, in the order read.
    #[must_use]
    pub fn users(&self) -> &[TargetUser] {
        &self.users
    }

    /// Every group, in the order read.
    #[must_use]
    pub fn groups(&self) -> &[TargetGroup] {
        &self.groups
    }

    /// The user with this id.
    #[must_use]
    pub fn user(&self, id: &TargetUserId) -> Option<&TargetUser> {
        self.user_index.get(id).map(|&i| &self.users[i])
    }

    /// The users whose link attribute holds `key` (normally one; more is a conflict).
    pub fn by_hr_key(&self, key: &str) -> impl Iterator<Item = &TargetUser> {
        self.hr_keys
            .get(key)
            .into_iter()
            .flatten()
            .map(|&i| &self.users[i])
    }

    /// The user with this login, compared case-insensitively.
    #[must_use]
    pub fn by_login(&self, login: &str) -> Option<&TargetUser> {
        self.logins
            .get(&login.to_lowercase())
            .map(|&i| &self.users[i])
    }

    /// The users with this e-mail address, compared case-insensitively.
    pub fn by_email(&self, email: &str) -> impl Iterator<Item = &TargetUser> {
        self.emails
            .get(&email.to_lowercase())
            .into_iter()
            .flatten()
            .map(|&i| &self.users[i])
    }

    /// The group with this name, compared case-insensitively.
    #[must_use]
    pub fn group_by_name(&self, name: &str) -> Option<&TargetGroup> {
        self.group_names
            .get(&name.to_lowercase())
            .map(|&i| &self.groups[i])
    }

    /// The members of a group (`None` for an unknown group).
    #[must_use]
    pub fn members(&self, group: &TargetGroupId) -> Option<&HashSet<TargetUserId>> {
        self.memberships.get(group)
    }
}

/// What a target supports.
///
/// ```
/// use hr_sync::TargetCapabilities;
/// let all = TargetCapabilities::all();
/// assert!(all.suspend && all.groups && all.manager && all.custom_attributes);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TargetCapabilities {
    /// Suspend and unsuspend.
    pub suspend: bool,
    /// Groups and memberships.
    pub groups: bool,
    /// The manager attribute.
    pub manager: bool,
    /// Custom profile attributes (and adding them to the schema).
    pub custom_attributes: bool,
}

impl TargetCapabilities {
    /// Everything supported (Okta).
    #[must_use]
    pub fn all() -> Self {
        Self {
            suspend: true,
            groups: true,
            manager: true,
            custom_attributes: true,
        }
    }

    /// Whether the target supports this action.
    ///
    /// ```
    /// use hr_sync::{Action, TargetCapabilities, TargetUserId};
    /// let mut caps = TargetCapabilities::all();
    /// caps.suspend = false;
    /// assert!(!caps.supports(&Action::Suspend { hr_key: "E-1".into(), user: TargetUserId::new("00u1") }));
    /// ```
    #[must_use]
    pub fn supports(&self, action: &Action) -> bool {
        match action {
            Action::Suspend { .. } | Action::Unsuspend { .. } => self.suspend,
            Action::CreateGroup { .. } | Action::AddMember { .. } | Action::RemoveMember { .. } => {
                self.groups
            }
            Action::SetManager { .. } => self.manager,
            _ => true,
        }
    }
}

/// What applying one action did.
///
/// ```
/// use hr_sync::Applied;
/// let a = Applied::new(Some("00u1".into()), None);
/// assert_eq!(a.target_id.as_deref(), Some("00u1"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Applied {
    /// The id of what was created, or of the object changed.
    pub target_id: Option<String>,
    /// The target's request id, to quote to its support.
    pub request_id: Option<String>,
}

impl Applied {
    /// An outcome.
    #[must_use]
    pub fn new(target_id: Option<String>, request_id: Option<String>) -> Self {
        Self {
            target_id,
            request_id,
        }
    }
}

/// A directory people are provisioned into: Okta, or [`InMemoryTarget`](crate::InMemoryTarget) in tests.
///
/// # Contract
///
/// - [`read_state`](Self::read_state) returns every user (deactivated ones included)
///   with status, profile and the HR key read from the link attribute, and the managed
///   groups with their members.
/// - [`apply`](Self::apply) is safe to repeat: a lifecycle action on a user already in
///   the wanted status succeeds without a write; one the status does not allow fails with
///   [`SyncError::IllegalTransition`]; a create whose login is taken fails with
///   [`SyncError::LoginConflict`] naming the holder when known, unless the holder is the
///   user an earlier attempt of the same create made (it carries the HR key in an
///   attribute the create sets to it): then the create succeeds with that user's id.
///   Likewise a group create finding a group of exactly that name succeeds with its id
///   (the plan creates a group only when no group of that name existed).
/// - Actions the [`capabilities`](Self::capabilities) rule out fail with
///   [`SyncError::Unsupported`].
///
/// ```
/// use std::sync::Arc;
/// use hr_sync::{IdentityTarget, InMemoryTarget};
/// let target: Arc<dyn IdentityTarget> = Arc::new(InMemoryTarget::new());
/// assert!(target.capabilities().suspend);
/// ```
#[async_trait]
pub trait IdentityTarget: fmt::Debug + Send + Sync + 'static {
    /// What this target supports.
    fn capabilities(&self) -> TargetCapabilities;

    /// Every user and managed group, the HR key read from `link_attribute`.
    async fn read_state(&self, link_attribute: &str) -> Result<TargetState, SyncError>;

    /// Adds `name` to the user schema as a string attribute when it is missing;
    /// `true` when it was added.
    async fn ensure_link_attribute(&self, name: &str) -> Result<bool, SyncError>;

    /// Adds every missing attribute of `names` as a string attribute; the names added.
    /// The default calls [`ensure_link_attribute`](Self::ensure_link_attribute) for each.
    async fn ensure_attributes(&self, names: &[&str]) -> Result<Vec<String>, SyncError> {
        let mut added = Vec::new();
        for &name in names {
            if self.ensure_link_attribute(name).await? {
                added.push(name.to_owned());
            }
        }
        Ok(added)
    }

    /// Applies one action.
    async fn apply(&self, action: &Action) -> Result<Applied, SyncError>;
}
