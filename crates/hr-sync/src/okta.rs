//! The Okta target, over `okta-api`.

use std::collections::{HashMap, HashSet};
use std::pin::pin;

use async_trait::async_trait;
use futures_util::{StreamExt, TryStreamExt, stream};
use okta_api::{
    CustomAttribute, ErrorCode, GroupId, GroupProfile, GroupType, OktaClient, User, UserId,
    UserProfile, quote,
};
use serde_json::{Map, Value};

use crate::action::{Action, AttributeChange, created_by, manager_change};
use crate::error::SyncError;
use crate::target::{
    Applied, IdentityTarget, Lifecycle, TargetCapabilities, TargetGroup, TargetGroupId,
    TargetState, TargetUser, TargetUserId,
};

/// The groups whose members the API can change.
const MANAGED_GROUPS: &str = r#"type eq "OKTA_GROUP""#;
/// Okta's largest page.
const PAGE: u32 = 200;
/// Group member lists read at once.
const MEMBER_READS: usize = 4;

/// An [`IdentityTarget`] over an [`OktaClient`]: Okta's Management API, with its rate
/// limits and retries.
///
/// Lifecycle actions read the user first and call Okta only when the status is not
/// the wanted one yet (Okta's lifecycle calls are not idempotent, and the client does
/// not repeat them after a timeout); a create looks the login up first.
///
/// ```no_run
/// use hr_sync::{IdentityTarget, OktaTarget};
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let target = OktaTarget::new(okta_api::OktaClient::from_env()?);
/// target.ensure_link_attribute("hrEmployeeId").await?;
/// let state = target.read_state("hrEmployeeId").await?;
/// println!("{} users", state.users().len());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct OktaTarget {
    client: OktaClient,
}

impl OktaTarget {
    /// A target over this client.
    #[must_use]
    pub fn new(client: OktaClient) -> Self {
        Self { client }
    }

    /// The client.
    #[must_use]
    pub fn client(&self) -> &OktaClient {
        &self.client
    }

    async fn read_users(&self, link_attribute: &str) -> Result<Vec<TargetUser>, SyncError> {
        let stream = self
            .client
            .users()
            .list()
            .search(okta_api::users::EVERY_STATUS)
            .limit(PAGE)
            .stream();
        let mut stream = pin!(stream);
        let mut users = Vec::new();
        while let Some(user) = stream.try_next().await.map_err(okta("read users"))? {
            users.push(target_user(user, link_attribute));
        }
        Ok(users)
    }

    async fn read_groups(
        &self,
    ) -> Result<
        (
            Vec<TargetGroup>,
            HashMap<TargetGroupId, HashSet<TargetUserId>>,
        ),
        SyncError,
    > {
        let stream = self
            .client
            .groups()
            .list()
            .search(MANAGED_GROUPS)
            .limit(PAGE)
            .stream();
        let mut stream = pin!(stream);
        let mut found = Vec::new();
        while let Some(group) = stream.try_next().await.map_err(okta("read groups"))? {
            if group.group_type == GroupType::OktaGroup {
                found.push(group);
            }
        }
        // One members stream per group, a few at once (the client caps what is in flight).
        let member_sets: Vec<HashSet<TargetUserId>> =
            stream::iter(found.iter().map(|g| g.id.clone()).collect::<Vec<_>>())
                .map(|id| async move { self.read_members(&id).await })
                .buffered(MEMBER_READS)
                .try_collect()
                .await?;
        let mut members = HashMap::with_capacity(found.len());
        let mut groups = Vec::with_capacity(found.len());
        for (group, ids) in found.into_iter().zip(member_sets) {
            let id = TargetGroupId::new(group.id.as_str());
            members.insert(id.clone(), ids);
            groups.push(TargetGroup::new(id, group.profile.name, true));
        }
        Ok((groups, members))
    }

    async fn read_members(&self, group: &GroupId) -> Result<HashSet<TargetUserId>, SyncError> {
        let stream = self.client.groups().members(group).limit(PAGE).stream();
        let mut stream = pin!(stream);
        let mut ids = HashSet::new();
        while let Some(user) = stream.try_next().await.map_err(okta("read members"))? {
            ids.insert(TargetUserId::new(user.id.as_str()));
        }
        Ok(ids)
    }

    async fn create_user(
        &self,
        hr_key: &str,
        login: &str,
        profile: &Map<String, Value>,
        activate: bool,
    ) -> Result<Applied, SyncError> {
        let mut doc = profile.clone();
        doc.insert("login".into(), Value::String(login.to_owned()));
        let okta_profile = UserProfile::from_json(doc).map_err(|e| SyncError::Invalid {
            action: "create_user".into(),
            reason: e.to_string(),
        })?;
        // Write first, one request per create: the plan was made from a fresh read. A
        // login conflict is then looked at: a create that timed out (or was retried by
        // okta-api) may have made this very user, which carries the HR key.
        match self
            .client
            .users()
            .create(okta_profile)
            .activate(activate)
            .send()
            .await
        {
            Ok(user) => Ok(Applied::new(Some(user.id.as_str().to_owned()), None)),
            Err(e)
                if e.api()
                    .is_some_and(okta_api::OktaApiError::is_login_conflict) =>
            {
                let found = self
                    .client
                    .users()
                    .find_by_login(login)
                    .await
                    .map_err(okta("create_user"))?;
                match found {
                    Some(user) if created_by(&user.profile.to_json(), hr_key, profile) => {
                        Ok(Applied::new(Some(user.id.as_str().to_owned()), None))
                    }
                    other => Err(SyncError::LoginConflict {
                        login: login.to_owned(),
                        existing: other.map(|u| TargetUserId::new(u.id.as_str())),
                    }),
                }
            }
            Err(e) => Err(SyncError::okta("create_user", e)),
        }
    }

    async fn update_profile(
        &self,
        action: &str,
        user: &TargetUserId,
        changes: &[AttributeChange],
    ) -> Result<Applied, SyncError> {
        let mut update = self.client.users().update(&UserId::new(user.as_str()));
        for change in changes {
            update = match &change.after {
                Some(value) => update.set(change.name.clone(), value.clone()),
                None => update.clear(change.name.clone()),
            };
        }
        match update.send().await {
            Ok(_) => Ok(Applied::new(Some(user.to_string()), None)),
            Err(e)
                if e.api()
                    .is_some_and(okta_api::OktaApiError::is_login_conflict) =>
            {
                let login = changes
                    .iter()
                    .find(|c| c.name == "login")
                    .and_then(|c| c.after.as_ref())
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                Err(SyncError::LoginConflict {
                    login: login.to_owned(),
                    existing: None,
                })
            }
            Err(e) => Err(not_found_user(action, user, e)),
        }
    }

    async fn lifecycle(&self, op: Lifecycle, user: &TargetUserId) -> Result<Applied, SyncError> {
        let id = UserId::new(user.as_str());
        let users = self.client.users();
        let current = users
            .get(&id)
            .await
            .map_err(|e| not_found_user(op.name(), user, e))?;
        // A transition still in progress counts as done: repeating it fails in Okta.
        let status = current
            .transitioning_to_status
            .as_ref()
            .unwrap_or(&current.status)
            .clone();
        match op.needed(&status) {
            Ok(false) => return Ok(Applied::new(Some(user.to_string()), None)),
            Ok(true) => {}
            Err(()) => {
                return Err(SyncError::IllegalTransition {
                    action: op.name().into(),
                    user: user.clone(),
                    status,
                });
            }
        }
        let done = match op {
            // A rehire is Okta's activate from DEPROVISIONED; Okta's own `reactivate`
            // only restarts a pending activation. No e-mail: the engine decides when
            // people hear about their account.
            Lifecycle::Activate | Lifecycle::Reactivate => users
                .activate(&id)
                .send_email(false)
                .send()
                .await
                .map(|_| ()),
            Lifecycle::Deactivate => users
                .deactivate(&id)
                .send_email(false)
                .send()
                .await
                .map(|_| ()),
            Lifecycle::Suspend => users.suspend(&id).await,
            Lifecycle::Unsuspend => users.unsuspend(&id).await,
        };
        done.map_err(|e| not_found_user(op.name(), user, e))?;
        Ok(Applied::new(Some(user.to_string()), None))
    }

    async fn create_group(&self, name: &str) -> Result<Applied, SyncError> {
        let groups = self.client.groups();
        let expr = format!("{MANAGED_GROUPS} and profile.name eq {}", quote(name));
        let found = groups
            .list()
            .search(expr)
            .limit(2)
            .send()
            .await
            .map_err(okta("create_group"))?;
        // The plan creates a group only when none of that name existed: one of exactly
        // that name now is the one an earlier attempt made (its answer lost), or one
        // made meanwhile under the rule's name; either way it is the group to use.
        if let Some(g) = found.items().iter().find(|g| g.profile.name == name) {
            return Ok(Applied::new(Some(g.id.as_str().to_owned()), None));
        }
        if found
            .items()
            .iter()
            .any(|g| g.profile.name.eq_ignore_ascii_case(name))
        {
            return Err(SyncError::GroupConflict {
                name: name.to_owned(),
            });
        }
        match groups.create(&GroupProfile::new(name)).await {
            Ok(group) => Ok(Applied::new(Some(group.id.as_str().to_owned()), None)),
            Err(e) if is_name_conflict(&e) => Err(SyncError::GroupConflict {
                name: name.to_owned(),
            }),
            Err(e) => Err(SyncError::okta("create_group", e)),
        }
    }

    async fn membership(
        &self,
        group: &TargetGroupId,
        user: &TargetUserId,
        add: bool,
    ) -> Result<Applied, SyncError> {
        let (g, u) = (GroupId::new(group.as_str()), UserId::new(user.as_str()));
        let groups = self.client.groups();
        let done = if add {
            groups.add_member(&g, &u).await
        } else {
            groups.remove_member(&g, &u).await
        };
        done.map_err(okta(if add { "add_member" } else { "remove_member" }))?;
        Ok(Applied::new(Some(user.to_string()), None))
    }
}

fn okta(action: &'static str) -> impl Fn(okta_api::Error) -> SyncError {
    move |e| SyncError::okta(action, e)
}

fn not_found_user(action: &str, user: &TargetUserId, e: okta_api::Error) -> SyncError {
    if e.is_not_found() {
        SyncError::UnknownUser { user: user.clone() }
    } else {
        SyncError::okta(action, e)
    }
}

/// Okta's duplicate group name: 400 E0000001 with a cause on `name` (no code of its own).
fn is_name_conflict(e: &okta_api::Error) -> bool {
    e.api().is_some_and(|api| {
        api.error_code == ErrorCode::ApiValidationFailed
            && api.error_causes.iter().any(|c| {
                let c = c.to_ascii_lowercase();
                c.starts_with("name") && c.contains("already exists")
            })
    })
}

fn target_user(user: User, link_attribute: &str) -> TargetUser {
    TargetUser::from_profile(
        TargetUserId::new(user.id.as_str()),
        user.status.clone(),
        user.profile.to_json(),
        link_attribute,
    )
}

#[async_trait]
impl IdentityTarget for OktaTarget {
    fn capabilities(&self) -> TargetCapabilities {
        TargetCapabilities::all()
    }

    async fn read_state(&self, link_attribute: &str) -> Result<TargetState, SyncError> {
        let users = self.read_users(link_attribute).await?;
        let (groups, members) = self.read_groups().await?;
        tracing::debug!(
            users = users.len(),
            groups = groups.len(),
            "read Okta state"
        );
        Ok(TargetState::new(users, groups, members))
    }

    async fn ensure_link_attribute(&self, name: &str) -> Result<bool, SyncError> {
        Ok(!self.ensure_attributes(&[name]).await?.is_empty())
    }

    async fn ensure_attributes(&self, names: &[&str]) -> Result<Vec<String>, SyncError> {
        // One schema read for all of them.
        let schemas = self.client.schemas();
        let schema = schemas.user().await.map_err(okta("read user schema"))?;
        let mut added = Vec::new();
        for &name in names {
            if schema.attribute(name).is_some() || added.iter().any(|a| a == name) {
                continue;
            }
            let attribute = CustomAttribute::string(name, name)
                .description("Set by hr-sync from the HR system");
            schemas
                .add_custom_attribute(&attribute)
                .await
                .map_err(okta("add a custom attribute"))?;
            added.push(name.to_owned());
        }
        Ok(added)
    }

    async fn apply(&self, action: &Action) -> Result<Applied, SyncError> {
        // The last answer's request id is the write's (reads come first).
        let (result, ids) = okta_api::collect_request_ids(self.apply_inner(action)).await;
        result.map(|mut applied| {
            applied.request_id = ids.last().cloned();
            applied
        })
    }
}

impl OktaTarget {
    async fn apply_inner(&self, action: &Action) -> Result<Applied, SyncError> {
        match action {
            Action::CreateUser {
                hr_key,
                login,
                profile,
                activate,
            } => self.create_user(hr_key, login, profile, *activate).await,
            Action::UpdateProfile { user, changes, .. } => {
                self.update_profile("update_profile", user, changes).await
            }
            Action::SetManager { user, manager, .. } => {
                let (user, change) = manager_change(user, manager.as_ref())?;
                self.update_profile("set_manager", user, &[change]).await
            }
            Action::Activate { user, .. } => self.lifecycle(Lifecycle::Activate, user).await,
            Action::Reactivate { user, .. } => self.lifecycle(Lifecycle::Reactivate, user).await,
            Action::Suspend { user, .. } => self.lifecycle(Lifecycle::Suspend, user).await,
            Action::Unsuspend { user, .. } => self.lifecycle(Lifecycle::Unsuspend, user).await,
            Action::Deactivate { user, .. } => self.lifecycle(Lifecycle::Deactivate, user).await,
            Action::CreateGroup { name } => self.create_group(name).await,
            Action::AddMember { group, user, .. } => {
                let (group, user) = (group.require("add_member")?, user.require("add_member")?);
                self.membership(group, user, true).await
            }
            Action::RemoveMember { group, user, .. } => self.membership(group, user, false).await,
        }
    }
}
