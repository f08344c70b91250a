//! The one error type of the targets.

use crate::target::{TargetGroupId, TargetStatus, TargetUserId};

/// Why reading or changing a target failed.
///
/// Callers match on meaning; each target converts its own failures into these.
///
/// ```
/// use hr_sync::{SyncError, TargetStatus, TargetUserId};
/// let e = SyncError::IllegalTransition {
///     action: "suspend".into(),
///     user: TargetUserId::new("00u1"),
///     status: TargetStatus::Staged,
/// };
/// assert!(!e.is_transient());
/// assert!(e.to_string().contains("STAGED"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The Okta API call failed.
    #[error("{action}: {source}")]
    Target {
        /// The action or read that failed, e.g. `suspend`.
        action: String,
        /// Okta's error.
        #[source]
        source: okta_api::Error,
    },
    /// The user's status does not allow this lifecycle change (Okta's legal transitions).
    #[error("{action}: user {user} is {status}")]
    IllegalTransition {
        /// The lifecycle action, e.g. `suspend`.
        action: String,
        /// The user.
        user: TargetUserId,
        /// The user's status when the action was refused.
        status: TargetStatus,
    },
    /// No user has this id.
    #[error("no user {user}")]
    UnknownUser {
        /// The id asked for.
        user: TargetUserId,
    },
    /// No group has this id.
    #[error("no group {group}")]
    UnknownGroup {
        /// The id asked for.
        group: TargetGroupId,
    },
    /// Another user has this login already (compared case-insensitively).
    #[error("login {login} is taken{}", existing.as_ref().map(|u| format!(" by user {u}")).unwrap_or_default())]
    LoginConflict {
        /// The login asked for.
        login: String,
        /// The user holding it, when known.
        existing: Option<TargetUserId>,
    },
    /// Another group has this name already (compared case-insensitively).
    #[error("group name {name} is taken")]
    GroupConflict {
        /// The name asked for.
        name: String,
    },
    /// The target can't do this (see [`TargetCapabilities`](crate::TargetCapabilities)).
    #[error("{action}: not supported by this target")]
    Unsupported {
        /// The action refused.
        action: String,
    },
    /// The action is malformed (for example a profile Okta can't accept).
    #[error("{action}: {reason}")]
    Invalid {
        /// The action refused.
        action: String,
        /// Why.
        reason: String,
    },
}

impl SyncError {
    /// Whether the same call may succeed later (rate limit, 5xx, timeout).
    ///
    /// ```
    /// use hr_sync::{SyncError, TargetUserId};
    /// assert!(!SyncError::UnknownUser { user: TargetUserId::new("00u1") }.is_transient());
    /// ```
    #[must_use]
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Target { source, .. } => source.is_transient(),
            _ => false,
        }
    }

    pub(crate) fn okta(action: &str, source: okta_api::Error) -> Self {
        Self::Target {
            action: action.to_owned(),
            source,
        }
    }
}
