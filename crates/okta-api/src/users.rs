//! Users: the model, create / read / update / replace / delete, the lifecycle calls,
//! and list, search and filter with paging.
//!
//! # Calls that are not retried blindly, and how to make them safe
//!
//! A create, a lifecycle call or a delete that timed out or got a 5xx may or may not
//! have happened. The client does not repeat it on its own (a second create could fail
//! with "login already exists", a second activate with E0000016, a second DELETE
//! removes a user the first one only deactivated). Make them safe by reading first:
//!
//! - **create**: look the login up with [`Users::find_by_login`]; create only if it is
//!   absent, and treat [`OktaApiError::is_login_conflict`](crate::OktaApiError::is_login_conflict)
//!   as "it already exists".
//! - **lifecycle**: [`Users::get`] the user and call only if [`User::status`] is not the
//!   target yet (and [`User::transitioning_to_status`] is not it either).
//! - **delete**: get the user; call delete once if it is `DEPROVISIONED` (it is then
//!   deleted), twice only when you mean to deactivate *and* delete.

use std::fmt;

use chrono::{DateTime, Utc};
use futures_util::Stream;
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::client::OktaClient;
use crate::error::Error;
use crate::groups::{Group, decode_groups};
use crate::id::{UserId, segment};
use crate::page::{self, Page};

/// A user's status.
///
/// ```
/// use okta_api::UserStatus;
/// assert_eq!(UserStatus::from_okta("LOCKED_OUT"), UserStatus::LockedOut);
/// assert_eq!(UserStatus::Deprovisioned.as_str(), "DEPROVISIONED");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UserStatus {
    /// Created without activation.
    Staged,
    /// Activated, waiting for the user to finish the welcome flow.
    Provisioned,
    /// Active.
    Active,
    /// Password reset in progress.
    Recovery,
    /// Locked out by failed sign-ins.
    LockedOut,
    /// Password expired.
    PasswordExpired,
    /// Suspended: can't sign in, keeps group and app assignments.
    Suspended,
    /// Deactivated: deprovisioned from all apps.
    Deprovisioned,
    /// A status this crate does not know yet, as Okta sent it.
    Other(String),
}

impl UserStatus {
    /// The status for Okta's string.
    #[must_use]
    pub fn from_okta(s: &str) -> Self {
        match s {
            "STAGED" => Self::Staged,
            "PROVISIONED" => Self::Provisioned,
            "ACTIVE" => Self::Active,
            "RECOVERY" => Self::Recovery,
            "LOCKED_OUT" => Self::LockedOut,
            "PASSWORD_EXPIRED" => Self::PasswordExpired,
            "SUSPENDED" => Self::Suspended,
            "DEPROVISIONED" => Self::Deprovisioned,
            other => Self::Other(other.to_owned()),
        }
    }

    /// Okta's string for the status.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Staged => "STAGED",
            Self::Provisioned => "PROVISIONED",
            Self::Active => "ACTIVE",
            Self::Recovery => "RECOVERY",
            Self::LockedOut => "LOCKED_OUT",
            Self::PasswordExpired => "PASSWORD_EXPIRED",
            Self::Suspended => "SUSPENDED",
            Self::Deprovisioned => "DEPROVISIONED",
            Self::Other(s) => s,
        }
    }
}

/// As Okta's string (`"ACTIVE"`), so a status reads and writes like Okta's JSON.
impl serde::Serialize for UserStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for UserStatus {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Ok(Self::from_okta(&s))
    }
}

/// A `search` expression every user matches, whatever the status. A list without
/// `search` leaves `DEPROVISIONED` users out and `q` excludes them too; `search` includes
/// them but has no `ne` and no `pr`, so the expression covers every status by ordering
/// around one of them.
///
/// ```
/// # async fn f(client: okta_api::OktaClient) {
/// let everyone = client.users().list().search(okta_api::users::EVERY_STATUS).stream();
/// # }
/// ```
pub const EVERY_STATUS: &str = r#"status lt "STAGED" or status eq "STAGED" or status gt "STAGED""#;

impl fmt::Display for UserStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! profile {
    ($($(#[$doc:meta])* $field:ident = $json:literal,)*) => {
        /// A user's profile: Okta's default attributes as fields, custom attributes in
        /// [`custom`](Self::custom).
        ///
        /// On a read every attribute Okta sent is here; on a create or update only the
        /// attributes that are set are sent.
        ///
        /// ```
        /// use okta_api::UserProfile;
        /// use serde_json::json;
        ///
        /// let mut p = UserProfile::new("ada@acme.example", "ada@acme.example", "Ada", "Lovelace");
        /// p.department = Some("Engineering".into());
        /// p.custom.insert("hrEmployeeId".into(), json!("E-1001"));
        /// let doc = p.to_json();
        /// assert_eq!(doc["department"], "Engineering");
        /// assert_eq!(doc["hrEmployeeId"], "E-1001");
        /// assert_eq!(UserProfile::from_json(doc).unwrap(), p);
        /// ```
        #[derive(Debug, Clone, Default, PartialEq)]
        #[non_exhaustive]
        pub struct UserProfile {
            /// `login`: unique, 5–100 characters, an e-mail address by default.
            pub login: String,
            $($(#[$doc])* pub $field: Option<String>,)*
            /// Custom attributes (added to the schema first), by name.
            pub custom: Map<String, Value>,
        }

        impl UserProfile {
            /// The attributes as Okta's JSON profile object (unset attributes left out).
            #[must_use]
            pub fn to_json(&self) -> Map<String, Value> {
                let mut out = Map::with_capacity(self.custom.len() + 8);
                if !self.login.is_empty() {
                    out.insert("login".into(), Value::String(self.login.clone()));
                }
                $(if let Some(v) = &self.$field {
                    out.insert($json.into(), Value::String(v.clone()));
                })*
                for (k, v) in &self.custom {
                    out.insert(k.clone(), v.clone());
                }
                out
            }

            /// Reads Okta's JSON profile object. A default attribute that is not a
            /// string (or null) is an error naming the attribute.
            ///
            /// # Errors
            /// [`Error::Decode`] naming the attribute.
            pub fn from_json(mut doc: Map<String, Value>) -> Result<Self, Error> {
                let mut take = |name: &'static str| -> Result<Option<String>, Error> {
                    match doc.remove(name) {
                        None | Some(Value::Null) => Ok(None),
                        Some(Value::String(s)) => Ok(Some(s)),
                        Some(other) => Err(Error::decode(
                            "users",
                            format!("profile.{name}: expected a string, got {}", kind(&other)),
                        )),
                    }
                };
                let login = take("login")?.unwrap_or_default();
                $(let $field = take($json)?;)*
                Ok(Self { login, $($field,)* custom: doc })
            }
        }
    };
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

profile! {
    /// `email` (required by default, 5–100).
    email = "email",
    /// `secondEmail`.
    second_email = "secondEmail",
    /// `firstName` (required by default, 1–50).
    first_name = "firstName",
    /// `lastName` (required by default, 1–50).
    last_name = "lastName",
    /// `middleName`.
    middle_name = "middleName",
    /// `honorificPrefix`.
    honorific_prefix = "honorificPrefix",
    /// `honorificSuffix`.
    honorific_suffix = "honorificSuffix",
    /// `nickName`.
    nick_name = "nickName",
    /// `displayName`.
    display_name = "displayName",
    /// `title`.
    title = "title",
    /// `profileUrl`.
    profile_url = "profileUrl",
    /// `primaryPhone` (≤ 100).
    primary_phone = "primaryPhone",
    /// `mobilePhone` (≤ 100).
    mobile_phone = "mobilePhone",
    /// `streetAddress` (≤ 1024).
    street_address = "streetAddress",
    /// `city` (≤ 128).
    city = "city",
    /// `state` (≤ 128).
    state = "state",
    /// `zipCode` (≤ 50).
    zip_code = "zipCode",
    /// `countryCode` (ISO 3166-1 alpha-2).
    country_code = "countryCode",
    /// `postalAddress` (≤ 4096).
    postal_address = "postalAddress",
    /// `preferredLanguage`.
    preferred_language = "preferredLanguage",
    /// `locale` (`en_US` form).
    locale = "locale",
    /// `timezone`.
    timezone = "timezone",
    /// `userType`.
    user_type = "userType",
    /// `employeeNumber`.
    employee_number = "employeeNumber",
    /// `costCenter`.
    cost_center = "costCenter",
    /// `organization`.
    organization = "organization",
    /// `division`.
    division = "division",
    /// `department`.
    department = "department",
    /// `managerId`: the manager's id.
    manager_id = "managerId",
    /// `manager`: the manager's display name.
    manager = "manager",
}

impl UserProfile {
    /// A profile with the four attributes Okta requires by default.
    #[must_use]
    pub fn new(
        login: impl Into<String>,
        email: impl Into<String>,
        first_name: impl Into<String>,
        last_name: impl Into<String>,
    ) -> Self {
        Self {
            login: login.into(),
            email: Some(email.into()),
            first_name: Some(first_name.into()),
            last_name: Some(last_name.into()),
            ..Self::default()
        }
    }
}

/// An Okta user.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct User {
    /// The id (`00u…`).
    pub id: UserId,
    /// The status.
    pub status: UserStatus,
    /// The status an asynchronous transition is heading to, while it runs.
    pub transitioning_to_status: Option<UserStatus>,
    /// When the user was created.
    pub created: Option<DateTime<Utc>>,
    /// When the user was last activated.
    pub activated: Option<DateTime<Utc>>,
    /// When the status last changed.
    pub status_changed: Option<DateTime<Utc>>,
    /// Last sign-in.
    pub last_login: Option<DateTime<Utc>>,
    /// Last change of the user.
    pub last_updated: Option<DateTime<Utc>>,
    /// Last password change.
    pub password_changed: Option<DateTime<Utc>>,
    /// The user type id (`type.id`).
    pub type_id: Option<String>,
    /// The credential provider (`credentials.provider`: type and name), e.g. `OKTA`/`OKTA`.
    pub credentials_provider: Option<(String, String)>,
    /// The profile.
    pub profile: UserProfile,
    /// The `ETag` of a single-user read, for [`UpdateUser::if_match`].
    pub etag: Option<String>,
}

impl User {
    /// Reads one user as Okta writes it (a Management API answer, an event hook
    /// payload's user). Unknown fields are ignored; a missing id or a default profile
    /// attribute that is not a string is an error naming it.
    ///
    /// ```
    /// let u = okta_api::User::from_json(br#"{"id":"00u1","status":"ACTIVE","profile":{"login":"a@b.example"}}"#)?;
    /// assert_eq!(u.profile.login, "a@b.example");
    /// # Ok::<(), okta_api::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Decode`].
    pub fn from_json(body: &[u8]) -> Result<Self, Error> {
        decode_user("users", body)
    }

    /// Reads a JSON array of users (a list answer).
    ///
    /// # Errors
    /// [`Error::Decode`] naming the user and attribute.
    pub fn list_from_json(body: &[u8]) -> Result<Vec<Self>, Error> {
        decode_users("users", body)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireUser {
    id: Option<String>,
    status: Option<String>,
    transitioning_to_status: Option<String>,
    created: Option<DateTime<Utc>>,
    activated: Option<DateTime<Utc>>,
    status_changed: Option<DateTime<Utc>>,
    last_login: Option<DateTime<Utc>>,
    last_updated: Option<DateTime<Utc>>,
    password_changed: Option<DateTime<Utc>>,
    #[serde(rename = "type")]
    user_type: Option<WireTypeRef>,
    credentials: Option<WireCredentials>,
    #[serde(default)]
    profile: Map<String, Value>,
}

#[derive(Deserialize)]
struct WireTypeRef {
    id: Option<String>,
}

#[derive(Deserialize)]
struct WireCredentials {
    provider: Option<WireProvider>,
}

#[derive(Deserialize)]
struct WireProvider {
    #[serde(rename = "type")]
    kind: Option<String>,
    name: Option<String>,
}

impl TryFrom<WireUser> for User {
    type Error = Error;

    fn try_from(w: WireUser) -> Result<Self, Error> {
        let id =
            w.id.filter(|id| !id.is_empty())
                .ok_or_else(|| Error::decode("users", "a user without an id"))?;
        let profile = UserProfile::from_json(w.profile).map_err(|e| match e {
            Error::Decode { operation, reason } => Error::Decode {
                operation,
                reason: format!("user {id}: {reason}"),
            },
            other => other,
        })?;
        Ok(Self {
            status: UserStatus::from_okta(w.status.as_deref().unwrap_or_default()),
            transitioning_to_status: w
                .transitioning_to_status
                .as_deref()
                .map(UserStatus::from_okta),
            created: w.created,
            activated: w.activated,
            status_changed: w.status_changed,
            last_login: w.last_login,
            last_updated: w.last_updated,
            password_changed: w.password_changed,
            type_id: w.user_type.and_then(|t| t.id),
            credentials_provider: w
                .credentials
                .and_then(|c| c.provider)
                .map(|p| (p.kind.unwrap_or_default(), p.name.unwrap_or_default())),
            profile,
            etag: None,
            id: UserId::new(id),
        })
    }
}

fn decode_user(operation: &'static str, body: &[u8]) -> Result<User, Error> {
    let wire: WireUser =
        serde_json::from_slice(body).map_err(|e| Error::decode(operation, e.to_string()))?;
    User::try_from(wire).map_err(|e| e.in_operation(operation))
}

pub(crate) fn decode_users(operation: &'static str, body: &[u8]) -> Result<Vec<User>, Error> {
    let wire: Vec<WireUser> =
        serde_json::from_slice(body).map_err(|e| Error::decode(operation, e.to_string()))?;
    wire.into_iter()
        .map(|w| User::try_from(w).map_err(|e| e.in_operation(operation)))
        .collect()
}

/// The users of an org: `client.users()`.
#[derive(Debug, Clone, Copy)]
pub struct Users<'c> {
    client: &'c OktaClient,
}

impl OktaClient {
    /// Users: create, read, update, lifecycle, list.
    #[must_use]
    pub fn users(&self) -> Users<'_> {
        Users { client: self }
    }
}

const USERS: &str = "/api/v1/users";
const USER: &str = "/api/v1/users/{id}";

impl<'c> Users<'c> {
    /// Creates a user (`POST /api/v1/users`). Okta answers with the user: `STAGED`
    /// with `activate(false)`, otherwise `PROVISIONED` (no password) or `ACTIVE`.
    ///
    /// ```no_run
    /// # async fn run(client: okta_api::OktaClient) -> Result<(), okta_api::Error> {
    /// use okta_api::{GroupId, UserProfile, UserStatus};
    ///
    /// let profile = UserProfile::new("ada@acme.example", "ada@acme.example", "Ada", "Lovelace");
    /// let user = client.users().create(profile).activate(false).group_ids([GroupId::new("00g1")]).send().await?;
    /// assert_eq!(user.status, UserStatus::Staged);
    /// # Ok(()) }
    /// ```
    pub fn create(&self, profile: UserProfile) -> CreateUser<'c> {
        CreateUser {
            client: self.client,
            profile,
            activate: None,
            provider: None,
            change_password: false,
            password: None,
            federated: false,
            group_ids: Vec::new(),
            type_id: None,
        }
    }

    /// Reads a user by id (`GET /api/v1/users/{id}`), with its `ETag`.
    ///
    /// # Errors
    /// 404 E0000007 for an unknown id ([`Error::is_not_found`]).
    pub async fn get(&self, id: &UserId) -> Result<User, Error> {
        self.get_raw("users.get", id.as_str()).await
    }

    /// Looks a user up by login; `None` when there is none.
    ///
    /// Uses `GET /api/v1/users/{login}` (consistent, unlike search). Logins with a `/`
    /// can't be read that way, so those go through `filter=profile.login eq "…"`.
    ///
    /// ```no_run
    /// # async fn run(client: okta_api::OktaClient) -> Result<(), okta_api::Error> {
    /// if client.users().find_by_login("ada@acme.example").await?.is_none() {
    ///     // safe to create
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// Any error but 404.
    pub async fn find_by_login(&self, login: &str) -> Result<Option<User>, Error> {
        if login.trim().is_empty() {
            return Err(Error::InvalidArgument {
                argument: "login",
                reason: "empty".into(),
            });
        }
        if login.contains('/') {
            let expr = format!("profile.login eq {}", quote(login));
            let page = self.list().filter(expr).limit(2).send().await?;
            return Ok(page
                .into_items()
                .into_iter()
                .find(|u| u.profile.login.eq_ignore_ascii_case(login)));
        }
        match self.get_raw("users.find_by_login", login).await {
            // The path also matches an id or a login short name: only the login itself counts.
            Ok(u) if u.profile.login.to_lowercase() == login.to_lowercase() => Ok(Some(u)),
            Ok(_) => Ok(None),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn get_raw(&self, operation: &'static str, id_or_login: &str) -> Result<User, Error> {
        let url = self
            .client
            .url(&format!("{USERS}/{}", segment(id_or_login)?), &[]);
        let reply = self
            .client
            .send(
                self.client
                    .call(operation, Method::GET, USER, url, None, true),
            )
            .await?;
        let mut user = decode_user(operation, &reply.body)?;
        user.etag = reply
            .headers
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(user)
    }

    /// Changes only the attributes given (`POST /api/v1/users/{id}`).
    ///
    /// ```no_run
    /// # async fn run(client: okta_api::OktaClient, id: okta_api::UserId) -> Result<(), okta_api::Error> {
    /// use serde_json::json;
    /// client.users().update(&id).set("department", json!("Finance")).clear("mobilePhone").send().await?;
    /// # Ok(()) }
    /// ```
    pub fn update(&self, id: &UserId) -> UpdateUser<'c> {
        UpdateUser {
            client: self.client,
            id: id.clone(),
            profile: Map::new(),
            strict: None,
            if_match: None,
        }
    }

    /// Replaces the whole profile (`PUT /api/v1/users/{id}`): attributes not given are
    /// deleted.
    ///
    /// # Errors
    /// As Okta answers (E0000001 for an invalid profile).
    pub async fn replace(&self, id: &UserId, profile: &UserProfile) -> Result<User, Error> {
        let url = self
            .client
            .url(&format!("{USERS}/{}", segment(id.as_str())?), &[]);
        let body = serde_json::json!({ "profile": profile.to_json() });
        let call = self.client.call(
            "users.replace",
            Method::PUT,
            USER,
            url,
            Some(body.to_string().into_bytes()),
            true,
        );
        let reply = self.client.send(call).await?;
        decode_user("users.replace", &reply.body)
    }

    /// Activates a `STAGED` or `DEPROVISIONED` user (`…/lifecycle/activate`, `sendEmail`
    /// default true here as in Okta).
    pub fn activate(&self, id: &UserId) -> Lifecycle<'c> {
        Lifecycle::new(self.client, id, LifecycleOp::Activate)
    }

    /// Restarts activation of a `PROVISIONED` or `RECOVERY` user (`sendEmail` default false).
    pub fn reactivate(&self, id: &UserId) -> Lifecycle<'c> {
        Lifecycle::new(self.client, id, LifecycleOp::Reactivate)
    }

    /// Deactivates a user (→ `DEPROVISIONED`, removed from all apps; `sendEmail` default false).
    pub fn deactivate(&self, id: &UserId) -> Lifecycle<'c> {
        Lifecycle::new(self.client, id, LifecycleOp::Deactivate)
    }

    /// Suspends an `ACTIVE` user (can't sign in, keeps assignments). An empty `POST` with `Content-Length: 0`; not retried on a 5xx or
    /// timeout (read the status first).
    ///
    /// # Errors
    /// Okta's answer for the wrong state (see [`Lifecycle::send`]).
    pub async fn suspend(&self, id: &UserId) -> Result<(), Error> {
        Lifecycle::new(self.client, id, LifecycleOp::Suspend)
            .send()
            .await
            .map(|_| ())
    }

    /// Returns a `SUSPENDED` user to `ACTIVE`. An empty `POST` with `Content-Length: 0`; not retried on a 5xx or
    /// timeout (read the status first).
    ///
    /// # Errors
    /// Okta's answer for the wrong state (see [`Lifecycle::send`]).
    pub async fn unsuspend(&self, id: &UserId) -> Result<(), Error> {
        Lifecycle::new(self.client, id, LifecycleOp::Unsuspend)
            .send()
            .await
            .map(|_| ())
    }

    /// Unlocks a `LOCKED_OUT` user. An empty `POST` with `Content-Length: 0`; not retried on a 5xx or
    /// timeout (read the status first).
    ///
    /// # Errors
    /// Okta's answer for the wrong state (see [`Lifecycle::send`]).
    pub async fn unlock(&self, id: &UserId) -> Result<(), Error> {
        Lifecycle::new(self.client, id, LifecycleOp::Unlock)
            .send()
            .await
            .map(|_| ())
    }

    /// Deletes a user (`DELETE /api/v1/users/{id}`). Okta's two steps: on a user that is
    /// not `DEPROVISIONED` this call only **deactivates**; called on a `DEPROVISIONED`
    /// user it deletes, irreversibly. Never retried on a 5xx or timeout.
    ///
    /// ```no_run
    /// # async fn run(client: okta_api::OktaClient, id: okta_api::UserId) -> Result<(), okta_api::Error> {
    /// client.users().delete(&id).send_email(false).send().await?; // deactivates
    /// client.users().delete(&id).send().await?;                   // deletes
    /// # Ok(()) }
    /// ```
    pub fn delete(&self, id: &UserId) -> DeleteUser<'c> {
        DeleteUser {
            client: self.client,
            id: id.clone(),
            send_email: None,
        }
    }

    /// Lists users (`GET /api/v1/users`); see [`ListUsers`].
    pub fn list(&self) -> ListUsers<'c> {
        ListUsers {
            client: self.client,
            search: None,
            filter: None,
            q: None,
            limit: None,
            after: None,
            sort_by: None,
            sort_order: None,
        }
    }

    /// The groups a user is in (`GET /api/v1/users/{id}/groups`).
    ///
    /// # Errors
    /// 404 E0000007 for an unknown user.
    pub async fn groups(&self, id: &UserId) -> Result<Vec<Group>, Error> {
        let url = self
            .client
            .url(&format!("{USERS}/{}/groups", segment(id.as_str())?), &[]);
        let call = self.client.call(
            "users.groups",
            Method::GET,
            "/api/v1/users/{id}/groups",
            url,
            None,
            true,
        );
        let reply = self.client.send(call).await?;
        decode_groups("users.groups", &reply.body)
    }
}

/// A boolean query parameter as Okta writes it.
fn flag(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

/// Quotes a value for Okta's `search`/`filter` expressions.
///
/// ```
/// assert_eq!(okta_api::quote(r#"a "b" \ c"#), r#""a \"b\" \\ c""#);
/// ```
#[must_use]
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Builder of a user create; see [`Users::create`].
#[derive(Debug)]
#[must_use = "nothing is sent until .send()"]
pub struct CreateUser<'c> {
    client: &'c OktaClient,
    profile: UserProfile,
    activate: Option<bool>,
    provider: Option<bool>,
    change_password: bool,
    password: Option<SecretString>,
    federated: bool,
    group_ids: Vec<crate::GroupId>,
    type_id: Option<String>,
}

impl CreateUser<'_> {
    /// `activate` (Okta's default is true; false creates a `STAGED` user).
    pub fn activate(mut self, activate: bool) -> Self {
        self.activate = Some(activate);
        self
    }

    /// `provider=true`: the user authenticates with a federated provider.
    pub fn provider(mut self, provider: bool) -> Self {
        self.provider = Some(provider);
        self
    }

    /// `nextLogin=changePassword` (needs a password and `activate(true)`).
    pub fn change_password_at_next_login(mut self) -> Self {
        self.change_password = true;
        self
    }

    /// An initial password. Never logged; Okta never returns it.
    pub fn password(mut self, password: SecretString) -> Self {
        self.password = Some(password);
        self
    }

    /// `credentials.provider = FEDERATION` (no password), with `provider(true)`.
    pub fn federated(mut self) -> Self {
        self.federated = true;
        self.provider = Some(true);
        self
    }

    /// Groups to add the user to (`groupIds`, at most 20).
    pub fn group_ids(mut self, ids: impl IntoIterator<Item = crate::GroupId>) -> Self {
        self.group_ids.extend(ids);
        self
    }

    /// A user type other than the default (`type.id`).
    pub fn type_id(mut self, id: impl Into<String>) -> Self {
        self.type_id = Some(id.into());
        self
    }

    /// Sends the create. Not retried on a 5xx or timeout (see the module docs).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] before sending for more than 20 groups or a password
    /// with `federated()`; Okta's answer otherwise (E0000001 with
    /// [`is_login_conflict`](crate::OktaApiError::is_login_conflict) for a taken login).
    pub async fn send(self) -> Result<User, Error> {
        if self.group_ids.len() > 20 {
            return Err(Error::InvalidArgument {
                argument: "group_ids",
                reason: format!(
                    "{} groups; Okta takes at most 20 on create",
                    self.group_ids.len()
                ),
            });
        }
        if self.federated && self.password.is_some() {
            return Err(Error::InvalidArgument {
                argument: "password",
                reason: "a federated user can't have a password".into(),
            });
        }
        let mut query: Vec<(&str, &str)> = Vec::new();
        if let Some(a) = self.activate {
            query.push(("activate", flag(a)));
        }
        if let Some(p) = self.provider {
            query.push(("provider", flag(p)));
        }
        if self.change_password {
            query.push(("nextLogin", "changePassword"));
        }
        let url = self.client.url(USERS, &query);
        let mut body = Map::new();
        body.insert("profile".into(), Value::Object(self.profile.to_json()));
        if let Some(pw) = &self.password {
            body.insert(
                "credentials".into(),
                serde_json::json!({ "password": { "value": pw.expose_secret() } }),
            );
        } else if self.federated {
            body.insert(
                "credentials".into(),
                serde_json::json!({ "provider": { "type": "FEDERATION", "name": "FEDERATION" } }),
            );
        }
        if !self.group_ids.is_empty() {
            body.insert("groupIds".into(), serde_json::json!(self.group_ids));
        }
        if let Some(t) = &self.type_id {
            body.insert("type".into(), serde_json::json!({ "id": t }));
        }
        let bytes =
            serde_json::to_vec(&body).map_err(|e| Error::decode("users.create", e.to_string()))?;
        let call = self
            .client
            .call("users.create", Method::POST, USERS, url, Some(bytes), false);
        let reply = self.client.send(call).await?;
        decode_user("users.create", &reply.body)
    }
}

/// Builder of a partial update; see [`Users::update`].
#[derive(Debug)]
#[must_use = "nothing is sent until .send()"]
pub struct UpdateUser<'c> {
    client: &'c OktaClient,
    id: UserId,
    profile: Map<String, Value>,
    strict: Option<bool>,
    if_match: Option<String>,
}

impl UpdateUser<'_> {
    /// Sends every attribute set on `profile` (the login included).
    pub fn profile(mut self, profile: &UserProfile) -> Self {
        self.profile.extend(profile.to_json());
        self
    }

    /// Sets one attribute (default or custom) to `value`.
    pub fn set(mut self, attribute: impl Into<String>, value: Value) -> Self {
        self.profile.insert(attribute.into(), value);
        self
    }

    /// Clears one attribute (sends `null`).
    pub fn clear(mut self, attribute: impl Into<String>) -> Self {
        self.profile.insert(attribute.into(), Value::Null);
        self
    }

    /// `strict=true`: validate the password against the policy.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = Some(strict);
        self
    }

    /// `If-Match`: apply only if the user still has this `ETag` (from [`Users::get`]).
    pub fn if_match(mut self, etag: impl Into<String>) -> Self {
        self.if_match = Some(etag.into());
        self
    }

    /// Sends the update. Retried on a 5xx or timeout: the same partial update twice
    /// has the effect of one.
    ///
    /// # Errors
    /// As Okta answers (412 when `If-Match` no longer matches).
    pub async fn send(self) -> Result<User, Error> {
        let strict = self.strict.map(flag);
        let query: Vec<(&str, &str)> = strict.map(|s| ("strict", s)).into_iter().collect();
        let url = self
            .client
            .url(&format!("{USERS}/{}", segment(self.id.as_str())?), &query);
        let body = serde_json::json!({ "profile": self.profile });
        let mut call = self.client.call(
            "users.update",
            Method::POST,
            USER,
            url,
            Some(body.to_string().into_bytes()),
            true,
        );
        call.if_match = self.if_match;
        let reply = self.client.send(call).await?;
        decode_user("users.update", &reply.body)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LifecycleOp {
    Activate,
    Reactivate,
    Deactivate,
    Suspend,
    Unsuspend,
    Unlock,
}

impl LifecycleOp {
    fn path(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::Activate => (
                "activate",
                "users.activate",
                "/api/v1/users/{id}/lifecycle/activate",
            ),
            Self::Reactivate => (
                "reactivate",
                "users.reactivate",
                "/api/v1/users/{id}/lifecycle/reactivate",
            ),
            Self::Deactivate => (
                "deactivate",
                "users.deactivate",
                "/api/v1/users/{id}/lifecycle/deactivate",
            ),
            Self::Suspend => (
                "suspend",
                "users.suspend",
                "/api/v1/users/{id}/lifecycle/suspend",
            ),
            Self::Unsuspend => (
                "unsuspend",
                "users.unsuspend",
                "/api/v1/users/{id}/lifecycle/unsuspend",
            ),
            Self::Unlock => (
                "unlock",
                "users.unlock",
                "/api/v1/users/{id}/lifecycle/unlock",
            ),
        }
    }

    fn takes_send_email(self) -> bool {
        matches!(self, Self::Activate | Self::Reactivate | Self::Deactivate)
    }
}

/// Builder of a lifecycle call that takes `sendEmail`: [`Users::activate`],
/// [`Users::reactivate`] and [`Users::deactivate`].
#[derive(Debug)]
#[must_use = "nothing is sent until .send()"]
pub struct Lifecycle<'c> {
    client: &'c OktaClient,
    id: UserId,
    op: LifecycleOp,
    send_email: Option<bool>,
}

impl<'c> Lifecycle<'c> {
    fn new(client: &'c OktaClient, id: &UserId, op: LifecycleOp) -> Self {
        Self {
            client,
            id: id.clone(),
            op,
            send_email: None,
        }
    }

    /// `sendEmail`.
    pub fn send_email(mut self, send: bool) -> Self {
        self.send_email = Some(send);
        self
    }

    /// Sends the call (an empty POST with `Content-Length: 0`). Not retried on a 5xx
    /// or timeout: read the user's status first (see the module docs).
    ///
    /// Activate and reactivate return the activation token and URL, which Okta fills
    /// only with `send_email(false)`.
    ///
    /// # Errors
    /// A call in the wrong state gets Okta's code: suspend/unsuspend E0000001, activate
    /// of an active user E0000016, others E0000038.
    pub async fn send(self) -> Result<Activation, Error> {
        let (action, operation, bucket) = self.op.path();
        let email = self
            .send_email
            .filter(|_| self.op.takes_send_email())
            .map(flag);
        let query: Vec<(&str, &str)> = email.map(|e| ("sendEmail", e)).into_iter().collect();
        let url = self.client.url(
            &format!("{USERS}/{}/lifecycle/{action}", segment(self.id.as_str())?),
            &query,
        );
        let reply = self
            .client
            .send(
                self.client
                    .call(operation, Method::POST, bucket, url, None, false),
            )
            .await?;
        if matches!(self.op, LifecycleOp::Activate | LifecycleOp::Reactivate)
            && !reply.body.is_empty()
        {
            #[derive(Deserialize)]
            #[serde(rename_all = "camelCase")]
            struct Wire {
                activation_token: Option<SecretString>,
                activation_url: Option<SecretString>,
            }
            let w: Wire = serde_json::from_slice(&reply.body)
                .map_err(|e| Error::decode(operation, e.to_string()))?;
            return Ok(Activation {
                token: w.activation_token,
                url: w.activation_url,
            });
        }
        Ok(Activation::default())
    }
}

/// What activate and reactivate return: the one-time activation token and URL (filled
/// when `sendEmail=false`). Both are secrets: they let anyone finish the activation.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Activation {
    /// `activationToken`.
    pub token: Option<SecretString>,
    /// `activationUrl`.
    pub url: Option<SecretString>,
}

/// Builder of a user delete; see [`Users::delete`].
#[derive(Debug)]
#[must_use = "nothing is sent until .send()"]
pub struct DeleteUser<'c> {
    client: &'c OktaClient,
    id: UserId,
    send_email: Option<bool>,
}

impl DeleteUser<'_> {
    /// `sendEmail` for the deactivation e-mail to admins (Okta's default false).
    pub fn send_email(mut self, send: bool) -> Self {
        self.send_email = Some(send);
        self
    }

    /// Sends the delete (204). Not retried on a 5xx or timeout.
    ///
    /// # Errors
    /// 404 E0000007 for an unknown user.
    pub async fn send(self) -> Result<(), Error> {
        let email = self.send_email.map(flag);
        let query: Vec<(&str, &str)> = email.map(|e| ("sendEmail", e)).into_iter().collect();
        let url = self
            .client
            .url(&format!("{USERS}/{}", segment(self.id.as_str())?), &query);
        self.client
            .send(
                self.client
                    .call("users.delete", Method::DELETE, USER, url, None, false),
            )
            .await
            .map(|_| ())
    }
}

/// Sort direction for [`ListUsers::sort_by`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SortOrder {
    /// `asc`.
    Ascending,
    /// `desc`.
    Descending,
}

/// Builder of a user list; see [`Users::list`].
///
/// - [`search`](Self::search) (recommended): any profile attribute, `status`,
///   `lastUpdated`, …; `eq`, `sw`, `gt`…; includes `DEPROVISIONED` users; eventually
///   consistent.
/// - [`filter`](Self::filter): `status`, `lastUpdated`, `id`, `profile.login|email|firstName|lastName`, `eq` only.
/// - [`query`](Self::query) (`q`): starts-with on names and e-mail; not paged.
/// - none of them: every user except `DEPROVISIONED` ones.
///
/// ```no_run
/// # async fn run(client: okta_api::OktaClient) -> Result<(), okta_api::Error> {
/// use futures_util::TryStreamExt;
/// use okta_api::quote;
///
/// let expr = format!("profile.employeeNumber eq {}", quote("E-1001"));
/// let users: Vec<_> = client.users().list().search(expr).stream().try_collect().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "nothing is sent until .send() or .stream()"]
pub struct ListUsers<'c> {
    client: &'c OktaClient,
    search: Option<String>,
    filter: Option<String>,
    q: Option<String>,
    limit: Option<u32>,
    after: Option<String>,
    sort_by: Option<String>,
    sort_order: Option<SortOrder>,
}

impl ListUsers<'_> {
    /// `search=` expression (quote values with [`quote`]).
    pub fn search(mut self, expr: impl Into<String>) -> Self {
        self.search = Some(expr.into());
        self
    }

    /// `filter=` expression.
    pub fn filter(mut self, expr: impl Into<String>) -> Self {
        self.filter = Some(expr.into());
        self
    }

    /// `q=` starts-with query (not paged by Okta).
    pub fn query(mut self, q: impl Into<String>) -> Self {
        self.q = Some(q.into());
        self
    }

    /// Page size, 1–200 (values outside are clamped; Okta's default is 200).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit.clamp(1, 200));
        self
    }

    /// Start after this cursor (from a previous `Link`; normally left to the paging).
    pub fn after(mut self, cursor: impl Into<String>) -> Self {
        self.after = Some(cursor.into());
        self
    }

    /// `sortBy` (with `search` only).
    pub fn sort_by(mut self, field: impl Into<String>, order: SortOrder) -> Self {
        self.sort_by = Some(field.into());
        self.sort_order = Some(order);
        self
    }

    fn first_url(&self) -> url::Url {
        let limit = self.limit.map(|l| l.to_string());
        let mut query: Vec<(&str, &str)> = Vec::new();
        for (k, v) in [
            ("search", self.search.as_deref()),
            ("filter", self.filter.as_deref()),
            ("q", self.q.as_deref()),
            ("limit", limit.as_deref()),
            ("after", self.after.as_deref()),
            ("sortBy", self.sort_by.as_deref()),
            (
                "sortOrder",
                self.sort_order.map(|o| match o {
                    SortOrder::Ascending => "asc",
                    SortOrder::Descending => "desc",
                }),
            ),
        ] {
            if let Some(v) = v {
                query.push((k, v));
            }
        }
        self.client.url(USERS, &query)
    }

    /// Fetches the first page.
    ///
    /// # Errors
    /// E0000031 for a bad search expression, and any call error.
    pub async fn send(self) -> Result<Page<User>, Error> {
        let url = self.first_url();
        page::fetch(self.client, "users.list", USERS, url, decode_users).await
    }

    /// Every matching user, page after page, holding one page in memory.
    pub fn stream(self) -> impl Stream<Item = Result<User, Error>> + Send + 'static {
        page::stream_all(
            self.client.clone(),
            "users.list",
            USERS,
            Ok(self.first_url()),
            decode_users,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_a_user_leniently() {
        let body = json!({
            "id": "00u1", "status": "ACTIVE", "transitioningToStatus": "DEPROVISIONED",
            "created": "2013-06-24T16:39:18.000Z", "lastLogin": null, "unknownNewField": {"x": 1},
            "type": {"id": "oty1"},
            "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
            "profile": {"login": "a@b.example", "firstName": "A", "mobilePhone": null, "hrKey": 7},
            "_links": {"self": {"href": "https://a.okta.com/api/v1/users/00u1"}}
        });
        let u = decode_user("t", body.to_string().as_bytes()).unwrap();
        assert_eq!(u.status, UserStatus::Active);
        assert_eq!(u.transitioning_to_status, Some(UserStatus::Deprovisioned));
        assert_eq!(u.type_id.as_deref(), Some("oty1"));
        assert_eq!(u.profile.first_name.as_deref(), Some("A"));
        assert_eq!(u.profile.mobile_phone, None);
        assert_eq!(u.profile.custom["hrKey"], json!(7));
        assert_eq!(u.credentials_provider, Some(("OKTA".into(), "OKTA".into())));
        assert!(u.last_login.is_none());
    }

    #[test]
    fn bad_users_name_the_field_and_the_user() {
        let e = decode_user("t", br#"{"id":"00u9","profile":{"city":12}}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t: unexpected response from Okta: user 00u9: profile.city: expected a string, got a number"
        );
        let e = decode_user("t", br#"{"status":"ACTIVE"}"#).unwrap_err();
        assert!(e.to_string().contains("without an id"));
        let e = decode_user("t", br#"{"id":"00u9","created":"yesterday"}"#).unwrap_err();
        assert!(matches!(e, Error::Decode { .. }));
    }

    #[test]
    fn unknown_status_is_kept() {
        assert_eq!(UserStatus::from_okta("NEW_THING").as_str(), "NEW_THING");
        for s in [
            "STAGED",
            "PROVISIONED",
            "ACTIVE",
            "RECOVERY",
            "LOCKED_OUT",
            "PASSWORD_EXPIRED",
            "SUSPENDED",
            "DEPROVISIONED",
        ] {
            assert_eq!(UserStatus::from_okta(s).as_str(), s);
            assert!(!matches!(UserStatus::from_okta(s), UserStatus::Other(_)));
        }
    }
}
