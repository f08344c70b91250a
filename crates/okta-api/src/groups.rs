//! Groups: create, read, list, replace the profile, delete, and memberships.

use chrono::{DateTime, Utc};
use futures_util::Stream;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::client::OktaClient;
use crate::error::Error;
use crate::id::{GroupId, UserId, segment};
use crate::page::{self, Page};
use crate::users::{User, decode_users};

/// A group's type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GroupType {
    /// `OKTA_GROUP`: managed in Okta; the only type this API can change.
    OktaGroup,
    /// `APP_GROUP`: imported from an app, read-only in Okta.
    AppGroup,
    /// `BUILT_IN`, e.g. Everyone.
    BuiltIn,
    /// Another type, as Okta sent it.
    Other(String),
}

impl GroupType {
    fn from_okta(s: &str) -> Self {
        match s {
            "OKTA_GROUP" => Self::OktaGroup,
            "APP_GROUP" => Self::AppGroup,
            "BUILT_IN" => Self::BuiltIn,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// A group's profile: name, description and any custom attributes.
///
/// ```
/// use okta_api::GroupProfile;
/// let p = GroupProfile::new("Engineering").description("Everyone in R&D");
/// assert_eq!(p.name, "Engineering");
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct GroupProfile {
    /// `name`, unique in the org.
    pub name: String,
    /// `description`.
    pub description: Option<String>,
    /// Custom attributes of the group schema.
    pub custom: Map<String, Value>,
}

impl GroupProfile {
    /// A profile with a name.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    fn to_json(&self) -> Value {
        let mut out = self.custom.clone();
        out.insert("name".into(), Value::String(self.name.clone()));
        if let Some(d) = &self.description {
            out.insert("description".into(), Value::String(d.clone()));
        }
        serde_json::json!({ "profile": out })
    }
}

/// An Okta group.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Group {
    /// The id (`00g…`).
    pub id: GroupId,
    /// The type.
    pub group_type: GroupType,
    /// The profile.
    pub profile: GroupProfile,
    /// When the group was created.
    pub created: Option<DateTime<Utc>>,
    /// Last change of the profile.
    pub last_updated: Option<DateTime<Utc>>,
    /// Last change of the members.
    pub last_membership_updated: Option<DateTime<Utc>>,
}

impl Group {
    /// Reads one group as Okta writes it.
    ///
    /// ```
    /// let g = okta_api::Group::from_json(br#"{"id":"00g1","type":"OKTA_GROUP","profile":{"name":"Eng"}}"#)?;
    /// assert_eq!(g.profile.name, "Eng");
    /// # Ok::<(), okta_api::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Decode`].
    pub fn from_json(body: &[u8]) -> Result<Self, Error> {
        decode_group("groups", body)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireGroup {
    id: Option<String>,
    #[serde(rename = "type")]
    group_type: Option<String>,
    created: Option<DateTime<Utc>>,
    last_updated: Option<DateTime<Utc>>,
    last_membership_updated: Option<DateTime<Utc>>,
    #[serde(default)]
    profile: Map<String, Value>,
}

impl TryFrom<WireGroup> for Group {
    type Error = Error;

    fn try_from(w: WireGroup) -> Result<Self, Error> {
        let id =
            w.id.filter(|id| !id.is_empty())
                .ok_or_else(|| Error::decode("groups", "a group without an id"))?;
        let mut custom = w.profile;
        let text = |v: Option<Value>, field: &str| match v {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Error::decode(
                "groups",
                format!("group {id}: profile.{field}: expected a string"),
            )),
        };
        let name = text(custom.remove("name"), "name")?.unwrap_or_default();
        let description = text(custom.remove("description"), "description")?;
        Ok(Self {
            group_type: GroupType::from_okta(w.group_type.as_deref().unwrap_or_default()),
            profile: GroupProfile {
                name,
                description,
                custom,
            },
            created: w.created,
            last_updated: w.last_updated,
            last_membership_updated: w.last_membership_updated,
            id: GroupId::new(id),
        })
    }
}

fn decode_group(operation: &'static str, body: &[u8]) -> Result<Group, Error> {
    let w: WireGroup =
        serde_json::from_slice(body).map_err(|e| Error::decode(operation, e.to_string()))?;
    Group::try_from(w).map_err(|e| e.in_operation(operation))
}

pub(crate) fn decode_groups(operation: &'static str, body: &[u8]) -> Result<Vec<Group>, Error> {
    let w: Vec<WireGroup> =
        serde_json::from_slice(body).map_err(|e| Error::decode(operation, e.to_string()))?;
    w.into_iter()
        .map(|g| Group::try_from(g).map_err(|e| e.in_operation(operation)))
        .collect()
}

/// The groups of an org: `client.groups()`.
#[derive(Debug, Clone, Copy)]
pub struct Groups<'c> {
    client: &'c OktaClient,
}

impl OktaClient {
    /// Groups and memberships.
    #[must_use]
    pub fn groups(&self) -> Groups<'_> {
        Groups { client: self }
    }
}

const GROUPS: &str = "/api/v1/groups";
const GROUP: &str = "/api/v1/groups/{groupId}";
const MEMBERS: &str = "/api/v1/groups/{groupId}/users";
const MEMBER: &str = "/api/v1/groups/{groupId}/users/{userId}";

impl<'c> Groups<'c> {
    /// Creates an `OKTA_GROUP` (`POST /api/v1/groups`). Not retried on a 5xx or timeout:
    /// on doubt, search `profile.name eq "…"` first.
    ///
    /// ```no_run
    /// # async fn run(client: okta_api::OktaClient) -> Result<(), okta_api::Error> {
    /// use okta_api::GroupProfile;
    /// let g = client.groups().create(&GroupProfile::new("Engineering")).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As Okta answers (E0000001 for a name already taken).
    pub async fn create(&self, profile: &GroupProfile) -> Result<Group, Error> {
        let url = self.client.url(GROUPS, &[]);
        let body = profile.to_json().to_string().into_bytes();
        let call = self.client.call(
            "groups.create",
            Method::POST,
            GROUPS,
            url,
            Some(body),
            false,
        );
        let reply = self.client.send(call).await?;
        decode_group("groups.create", &reply.body)
    }

    /// Reads a group.
    ///
    /// # Errors
    /// 404 E0000007 for an unknown id.
    pub async fn get(&self, id: &GroupId) -> Result<Group, Error> {
        let url = self
            .client
            .url(&format!("{GROUPS}/{}", segment(id.as_str())?), &[]);
        let reply = self
            .client
            .send(
                self.client
                    .call("groups.get", Method::GET, GROUP, url, None, true),
            )
            .await?;
        decode_group("groups.get", &reply.body)
    }

    /// Lists groups; see [`ListGroups`].
    pub fn list(&self) -> ListGroups<'c> {
        ListGroups {
            client: self.client,
            search: None,
            filter: None,
            q: None,
            limit: None,
        }
    }

    /// Replaces the profile of an `OKTA_GROUP` (`PUT /api/v1/groups/{id}`).
    ///
    /// # Errors
    /// As Okta answers.
    pub async fn replace(&self, id: &GroupId, profile: &GroupProfile) -> Result<Group, Error> {
        let url = self
            .client
            .url(&format!("{GROUPS}/{}", segment(id.as_str())?), &[]);
        let body = profile.to_json().to_string().into_bytes();
        let call = self
            .client
            .call("groups.replace", Method::PUT, GROUP, url, Some(body), true);
        let reply = self.client.send(call).await?;
        decode_group("groups.replace", &reply.body)
    }

    /// Deletes a group (204).
    ///
    /// # Errors
    /// As Okta answers.
    pub async fn delete(&self, id: &GroupId) -> Result<(), Error> {
        let url = self
            .client
            .url(&format!("{GROUPS}/{}", segment(id.as_str())?), &[]);
        self.client
            .send(
                self.client
                    .call("groups.delete", Method::DELETE, GROUP, url, None, true),
            )
            .await
            .map(|_| ())
    }

    /// Lists a group's members, paged; see [`ListMembers`].
    pub fn members(&self, id: &GroupId) -> ListMembers<'c> {
        ListMembers {
            client: self.client,
            group: id.clone(),
            limit: None,
        }
    }

    /// Adds a user to an `OKTA_GROUP` (an empty `PUT` with `Content-Length: 0`; 204;
    /// adding a member twice is harmless).
    ///
    /// # Errors
    /// 404 E0000007 for an unknown group or user.
    pub async fn add_member(&self, group: &GroupId, user: &UserId) -> Result<(), Error> {
        let url = self.member_url(group, user)?;
        self.client
            .send(
                self.client
                    .call("groups.add_member", Method::PUT, MEMBER, url, None, true),
            )
            .await
            .map(|_| ())
    }

    /// Removes a user from an `OKTA_GROUP` (204).
    ///
    /// # Errors
    /// 404 E0000007 for an unknown group, user or membership.
    pub async fn remove_member(&self, group: &GroupId, user: &UserId) -> Result<(), Error> {
        let url = self.member_url(group, user)?;
        self.client
            .send(self.client.call(
                "groups.remove_member",
                Method::DELETE,
                MEMBER,
                url,
                None,
                true,
            ))
            .await
            .map(|_| ())
    }

    fn member_url(&self, group: &GroupId, user: &UserId) -> Result<url::Url, Error> {
        Ok(self.client.url(
            &format!(
                "{GROUPS}/{}/users/{}",
                segment(group.as_str())?,
                segment(user.as_str())?
            ),
            &[],
        ))
    }
}

/// Builder of a group list; see [`Groups::list`].
///
/// ```no_run
/// # async fn run(client: okta_api::OktaClient) -> Result<(), okta_api::Error> {
/// let page = client.groups().list().search(r#"type eq "OKTA_GROUP""#).limit(200).send().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "nothing is sent until .send() or .stream()"]
pub struct ListGroups<'c> {
    client: &'c OktaClient,
    search: Option<String>,
    filter: Option<String>,
    q: Option<String>,
    limit: Option<u32>,
}

impl ListGroups<'_> {
    /// `search=` (profile attributes, `type`, `lastUpdated`, …).
    pub fn search(mut self, expr: impl Into<String>) -> Self {
        self.search = Some(expr.into());
        self
    }

    /// `filter=` (`id`, `type`, `lastUpdated`, `lastMembershipUpdated`).
    pub fn filter(mut self, expr: impl Into<String>) -> Self {
        self.filter = Some(expr.into());
        self
    }

    /// `q=`: name starts with (not paged by Okta).
    pub fn query(mut self, q: impl Into<String>) -> Self {
        self.q = Some(q.into());
        self
    }

    /// Page size, 1–10 000 (200 recommended).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit.clamp(1, 10_000));
        self
    }

    fn first_url(&self) -> url::Url {
        let limit = self.limit.map(|l| l.to_string());
        let query: Vec<(&str, &str)> = [
            ("search", self.search.as_deref()),
            ("filter", self.filter.as_deref()),
            ("q", self.q.as_deref()),
            ("limit", limit.as_deref()),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
        self.client.url(GROUPS, &query)
    }

    /// Fetches the first page.
    ///
    /// # Errors
    /// Any call error.
    pub async fn send(self) -> Result<Page<Group>, Error> {
        let url = self.first_url();
        page::fetch(self.client, "groups.list", GROUPS, url, decode_groups).await
    }

    /// Every matching group, page after page.
    pub fn stream(self) -> impl Stream<Item = Result<Group, Error>> + Send + 'static {
        page::stream_all(
            self.client.clone(),
            "groups.list",
            GROUPS,
            Ok(self.first_url()),
            decode_groups,
        )
    }
}

/// Builder of a member list; see [`Groups::members`].
#[derive(Debug, Clone)]
#[must_use = "nothing is sent until .send() or .stream()"]
pub struct ListMembers<'c> {
    client: &'c OktaClient,
    group: GroupId,
    limit: Option<u32>,
}

impl ListMembers<'_> {
    /// Page size (Okta's default is 1000; 200 is recommended).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit.clamp(1, 1000));
        self
    }

    fn first_url(&self) -> Result<url::Url, Error> {
        let limit = self.limit.map(|l| l.to_string());
        let query: Vec<(&str, &str)> = limit.as_deref().map(|l| ("limit", l)).into_iter().collect();
        Ok(self.client.url(
            &format!("{GROUPS}/{}/users", segment(self.group.as_str())?),
            &query,
        ))
    }

    /// Fetches the first page of members.
    ///
    /// # Errors
    /// 404 E0000007 for an unknown group.
    pub async fn send(self) -> Result<Page<User>, Error> {
        let url = self.first_url()?;
        page::fetch(self.client, "groups.members", MEMBERS, url, decode_users).await
    }

    /// Every member, page after page.
    pub fn stream(self) -> impl Stream<Item = Result<User, Error>> + Send + 'static {
        page::stream_all(
            self.client.clone(),
            "groups.members",
            MEMBERS,
            self.first_url(),
            decode_users,
        )
    }
}
