//! The org's data: users, groups, memberships and the user schema, with the indexes that keep
//! listing O(page): users sit in a `BTreeMap` keyed by id (ids grow with creation time, so the
//! order is creation order), `after` is a range seek, and `status` / selected profile
//! attributes have equality indexes for the `filter=`/`search=` calls a sync engine makes.

use std::borrow::Cow;
use std::cell::Cell;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Map, Value, json};
use unicode_normalization::UnicodeNormalization as _;
use unicode_normalization::char::is_combining_mark;

use super::error::ApiError;
use super::query::{self, Attr, Expr, Literal, Op, QueryError};

/// `YYYY-MM-DDTHH:mm:ss.SSSZ`.
pub(crate) fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The base profile properties of the default user type, with their titles.
pub(crate) const BASE_PROPERTIES: &[(&str, &str)] = &[
    ("login", "Username"),
    ("firstName", "First name"),
    ("lastName", "Last name"),
    ("middleName", "Middle name"),
    ("honorificPrefix", "Honorific prefix"),
    ("honorificSuffix", "Honorific suffix"),
    ("email", "Primary email"),
    ("title", "Title"),
    ("displayName", "Display name"),
    ("nickName", "Nickname"),
    ("profileUrl", "Profile Url"),
    ("secondEmail", "Secondary email"),
    ("mobilePhone", "Mobile phone"),
    ("primaryPhone", "Primary phone"),
    ("streetAddress", "Street address"),
    ("city", "City"),
    ("state", "State"),
    ("zipCode", "Zip code"),
    ("countryCode", "Country code"),
    ("postalAddress", "Postal Address"),
    ("preferredLanguage", "Preferred language"),
    ("locale", "Locale"),
    ("timezone", "Time zone"),
    ("userType", "User type"),
    ("employeeNumber", "Employee number"),
    ("costCenter", "Cost center"),
    ("organization", "Organization"),
    ("division", "Division"),
    ("department", "Department"),
    ("managerId", "ManagerId"),
    ("manager", "Manager"),
];

const REQUIRED: &[&str] = &["login", "email", "firstName", "lastName"];

/// Length limits of base properties, in characters (the legacy doc's "Default Profile
/// properties" table, `shared/research/okta.md` §1.3).
const LENGTHS: &[(&str, usize, usize)] = &[
    ("login", 5, 100),
    ("email", 5, 100),
    ("firstName", 1, 50),
    ("lastName", 1, 50),
];

/// The most `groupIds` a `POST /api/v1/users` may carry (SPEC `CreateUserRequest`).
const MAX_GROUP_IDS: usize = 20;

/// The key of the login index: lower case, NFKD with the combining marks dropped, so that
/// uniqueness is case- and diacritic-insensitive like Okta's (`Zoë@x.com` ≡ `zoe@x.com`).
pub(crate) fn login_key(login: &str) -> String {
    login
        .to_lowercase()
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .collect()
}

/// Whether a profile value holds a character that takes 4 bytes in UTF-8 (emoji and the
/// other supplementary planes), which Okta rejects.
fn has_four_byte_char(value: &Value) -> bool {
    match value {
        Value::String(s) => s.chars().any(|c| c.len_utf8() == 4),
        Value::Array(items) => items.iter().any(has_four_byte_char),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| k.chars().any(|c| c.len_utf8() == 4) || has_four_byte_char(v)),
        _ => false,
    }
}

/// The `errorCauses` entry for a profile property holding a 4-byte character (wording
/// inferred; Okta documents the rule, not the message).
fn four_byte_cause(name: &str) -> String {
    format!("{name}: The field contains 4-byte UTF-8 characters, which are not supported")
}

fn is_base(name: &str) -> bool {
    BASE_PROPERTIES.iter().any(|(n, _)| *n == name)
}

/// A user's status (SPEC `UserStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Status {
    Staged,
    Provisioned,
    Active,
    Recovery,
    LockedOut,
    PasswordExpired,
    Suspended,
    Deprovisioned,
}

impl Status {
    pub(crate) const ALL: [Self; 8] = [
        Self::Staged,
        Self::Provisioned,
        Self::Active,
        Self::Recovery,
        Self::LockedOut,
        Self::PasswordExpired,
        Self::Suspended,
        Self::Deprovisioned,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Staged => "STAGED",
            Self::Provisioned => "PROVISIONED",
            Self::Active => "ACTIVE",
            Self::Recovery => "RECOVERY",
            Self::LockedOut => "LOCKED_OUT",
            Self::PasswordExpired => "PASSWORD_EXPIRED",
            Self::Suspended => "SUSPENDED",
            Self::Deprovisioned => "DEPROVISIONED",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text))
    }
}

/// A lifecycle operation (`POST /api/v1/users/{id}/lifecycle/{op}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lifecycle {
    Activate,
    Reactivate,
    Deactivate,
    Suspend,
    Unsuspend,
    Unlock,
}

impl Lifecycle {
    pub(crate) fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "activate" => Self::Activate,
            "reactivate" => Self::Reactivate,
            "deactivate" => Self::Deactivate,
            "suspend" => Self::Suspend,
            "unsuspend" => Self::Unsuspend,
            "unlock" => Self::Unlock,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) status: Status,
    created: DateTime<Utc>,
    activated: Option<DateTime<Utc>>,
    status_changed: Option<DateTime<Utc>>,
    last_updated: DateTime<Utc>,
    password_changed: Option<DateTime<Utc>>,
    pub(crate) profile: Map<String, Value>,
    provider_type: String,
    provider_name: String,
    has_password: bool,
    pub(crate) groups: BTreeSet<String>,
    version: u64,
}

impl User {
    pub(crate) fn login(&self) -> &str {
        self.profile
            .get("login")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The `ETag` of `GET /api/v1/users/{id}`.
    pub(crate) fn etag(&self) -> String {
        format!(
            "W/\"{}-{}\"",
            self.last_updated.timestamp_millis(),
            self.version
        )
    }

    fn federated(&self) -> bool {
        self.provider_type != "OKTA"
    }

    fn attr(&self, path: &str) -> Attr<'_> {
        match path {
            "id" => Attr::Text(Cow::Borrowed(&self.id)),
            "status" => Attr::Text(Cow::Borrowed(self.status.as_str())),
            "created" => Attr::Time(self.created),
            "lastUpdated" => Attr::Time(self.last_updated),
            "activated" => self.activated.map_or(Attr::Missing, Attr::Time),
            "statusChanged" => self.status_changed.map_or(Attr::Missing, Attr::Time),
            "passwordChanged" => self.password_changed.map_or(Attr::Missing, Attr::Time),
            _ => match path.strip_prefix("profile.") {
                Some(name) => self.profile.get(name).map_or(Attr::Missing, Attr::Json),
                None => Attr::Missing,
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GroupType {
    Okta,
    BuiltIn,
}

impl GroupType {
    fn as_str(self) -> &'static str {
        match self {
            Self::Okta => "OKTA_GROUP",
            Self::BuiltIn => "BUILT_IN",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub(crate) id: String,
    kind: GroupType,
    created: DateTime<Utc>,
    last_updated: DateTime<Utc>,
    last_membership_updated: DateTime<Utc>,
    profile: Map<String, Value>,
    members: BTreeSet<String>,
}

impl Group {
    pub(crate) fn name(&self) -> &str {
        self.profile
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    fn attr(&self, path: &str) -> Attr<'_> {
        match path {
            "id" => Attr::Text(Cow::Borrowed(&self.id)),
            "type" => Attr::Text(Cow::Borrowed(self.kind.as_str())),
            "created" => Attr::Time(self.created),
            "lastUpdated" => Attr::Time(self.last_updated),
            "lastMembershipUpdated" => Attr::Time(self.last_membership_updated),
            _ => match path.strip_prefix("profile.") {
                Some(name) => self.profile.get(name).map_or(Attr::Missing, Attr::Json),
                None => Attr::Missing,
            },
        }
    }
}

/// Which list: `q=` (prefix match, no paging), `filter=` (exact) or `search=`.
#[derive(Debug, Clone, Default)]
pub(crate) struct ListQuery {
    pub(crate) q: Option<String>,
    pub(crate) filter: Option<String>,
    pub(crate) search: Option<String>,
    pub(crate) after: Option<String>,
    pub(crate) limit: Option<String>,
    pub(crate) sort_by: Option<String>,
    pub(crate) sort_order: Option<String>,
}

/// One page of ids, and the `after` cursor of the next page when there is one.
#[derive(Debug, Clone, Default)]
pub(crate) struct Listing {
    pub(crate) ids: Vec<String>,
    pub(crate) next_after: Option<String>,
    /// The `q=` branch answered: it cannot be paged, so no `Link` headers.
    pub(crate) unpaged: bool,
}

/// Limits of a list endpoint: default and maximum `limit`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) default: usize,
    pub(crate) max: usize,
}

impl Limits {
    fn resolve(self, raw: Option<&str>) -> usize {
        match raw.and_then(|r| r.trim().parse::<i64>().ok()) {
            Some(n) if n > 0 => usize::try_from(n).unwrap_or(usize::MAX).min(self.max),
            _ => self.default,
        }
    }
}

/// Response of the activation calls.
#[derive(Debug, Clone)]
pub(crate) enum LifecycleReply {
    Empty,
    Json(Value),
}

/// Options of `POST /api/v1/users`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CreateOptions<'a> {
    pub(crate) activate: bool,
    pub(crate) provider: bool,
    pub(crate) next_login: Option<&'a str>,
}

#[derive(Debug)]
pub(crate) struct Store {
    pub(crate) users: BTreeMap<String, User>,
    logins: HashMap<String, String>,
    by_status: HashMap<Status, BTreeSet<String>>,
    indexed: Vec<String>,
    by_value: HashMap<String, HashMap<String, BTreeSet<String>>>,
    pub(crate) groups: BTreeMap<String, Group>,
    group_names: HashMap<String, String>,
    pub(crate) everyone: String,
    custom: BTreeMap<String, Value>,
    schema_created: DateTime<Utc>,
    schema_updated: DateTime<Utc>,
    pub(crate) user_type_id: String,
    counter: u64,
    /// How many users list calls have tested against a query or `q=` (see
    /// `OktaSimulator::scanned_users`): it shows whether an index answered.
    scanned: Cell<u64>,
}

fn lower_key(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.to_lowercase()],
        Value::Number(n) => vec![n.to_string()],
        Value::Array(items) => items.iter().flat_map(lower_key).collect(),
        _ => Vec::new(),
    }
}

fn blank(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(_) => false,
    }
}

impl Store {
    pub(crate) fn new(indexed: Vec<String>, now: DateTime<Utc>) -> Self {
        let mut store = Self {
            users: BTreeMap::new(),
            logins: HashMap::new(),
            by_status: HashMap::new(),
            by_value: indexed
                .iter()
                .map(|a| (a.clone(), HashMap::new()))
                .collect(),
            indexed,
            groups: BTreeMap::new(),
            group_names: HashMap::new(),
            everyone: String::new(),
            custom: BTreeMap::new(),
            schema_created: now,
            schema_updated: now,
            user_type_id: String::new(),
            counter: 0,
            scanned: Cell::new(0),
        };
        store.user_type_id = store.new_id("oty");
        let everyone = store.new_id("00g");
        let mut profile = Map::new();
        profile.insert("name".into(), "Everyone".into());
        profile.insert(
            "description".into(),
            "All users in your organization".into(),
        );
        store
            .group_names
            .insert("everyone".into(), everyone.clone());
        store.groups.insert(
            everyone.clone(),
            Group {
                id: everyone.clone(),
                kind: GroupType::BuiltIn,
                created: now,
                last_updated: now,
                last_membership_updated: now,
                profile,
                members: BTreeSet::new(),
            },
        );
        store.everyone = everyone;
        store
    }

    /// `prefix` + 17 characters: 8 of a base-62 counter (ASCII order = creation order), 9 random.
    pub(crate) fn new_id(&mut self, prefix: &str) -> String {
        self.counter += 1;
        let mut id = String::with_capacity(20);
        id.push_str(prefix);
        let mut digits = [b'0'; 8];
        let mut n = self.counter;
        for slot in digits.iter_mut().rev() {
            let digit = usize::try_from(n % 62).unwrap_or(0);
            *slot = BASE62.get(digit).copied().unwrap_or(b'0');
            n /= 62;
        }
        id.extend(digits.iter().map(|&b| char::from(b)));
        for _ in 0..9 {
            id.push(fastrand::alphanumeric());
        }
        id
    }

    // ---- users -------------------------------------------------------------------------

    /// A user the way `/api/v1/users/{id}` resolves `{id}`: by id, or by login
    /// (case-insensitively), except that a key holding `/` is only ever an id (Okta finds
    /// such logins by id only).
    pub(crate) fn find_user(&self, key: &str) -> Option<&User> {
        if key.contains('/') {
            return self.users.get(key);
        }
        self.find_user_any(key)
    }

    /// A user by id or login (case-insensitively), whatever characters the login holds.
    /// The index is diacritic-insensitive too; the lookup is not (**[inferred]**: Okta
    /// documents the uniqueness rule, not the lookup).
    pub(crate) fn find_user_any(&self, key: &str) -> Option<&User> {
        self.users.get(key).or_else(|| {
            let user = self
                .logins
                .get(&login_key(key))
                .and_then(|id| self.users.get(id))?;
            (user.login().to_lowercase() == key.to_lowercase()).then_some(user)
        })
    }

    /// Users tested against a list query so far.
    pub(crate) fn scanned(&self) -> u64 {
        self.scanned.get()
    }

    fn count_scan(&self) {
        self.scanned.set(self.scanned.get().saturating_add(1));
    }

    /// An attribute of a user for `search=`/`filter=`/`sortBy`, `type.id` included.
    fn user_attr<'a>(&'a self, user: &'a User, path: &str) -> Attr<'a> {
        match path {
            "type.id" => Attr::Text(Cow::Borrowed(&self.user_type_id)),
            _ => user.attr(path),
        }
    }

    fn user_id(&self, key: &str) -> Result<String, ApiError> {
        self.find_user(key)
            .map(|u| u.id.clone())
            .ok_or_else(|| ApiError::not_found(key, "User"))
    }

    fn validate_profile(
        &self,
        profile: &Map<String, Value>,
        complete: bool,
        user_id: Option<&str>,
    ) -> Result<(), ApiError> {
        let mut first: Option<String> = None;
        let mut causes = Vec::new();
        let mut fail = |field: &str, cause: String| {
            first.get_or_insert_with(|| field.to_owned());
            causes.push(cause);
        };
        for (name, value) in profile {
            if !is_base(name) && !self.custom.contains_key(name) {
                fail(
                    name,
                    format!("Property name '{name}' is not defined in profile"),
                );
            }
            if has_four_byte_char(value) {
                fail(name, four_byte_cause(name));
            }
        }
        for &name in REQUIRED {
            if (complete || profile.contains_key(name)) && blank(profile.get(name)) {
                fail(name, format!("{name}: The field cannot be left blank"));
            }
        }
        // Wording inferred: Okta documents the limits, not the message.
        for &(name, min, max) in LENGTHS {
            let Some(text) = profile.get(name).and_then(Value::as_str) else {
                continue;
            };
            let length = text.chars().count();
            if !text.trim().is_empty() && !(min..=max).contains(&length) {
                fail(
                    name,
                    format!("{name}: The field must be between {min} and {max} characters long"),
                );
            }
        }
        if let Some(login) = profile.get("login").and_then(Value::as_str) {
            let login = login.trim();
            if !login.is_empty() {
                let (local, domain) = login.split_once('@').unwrap_or(("", ""));
                if local.is_empty() || domain.is_empty() {
                    fail(
                        "login",
                        "login: Username must be in the form of an email address".into(),
                    );
                } else if let Some(owner) = self.logins.get(&login_key(login))
                    && Some(owner.as_str()) != user_id
                {
                    fail(
                        "login",
                        "login: An object with this field already exists in the current organization"
                            .into(),
                    );
                }
            }
        }
        match first {
            Some(field) => Err(ApiError::validation(&field, causes)),
            None => Ok(()),
        }
    }

    fn index_user(&mut self, user: &User, add: bool) {
        let id = &user.id;
        let login = login_key(user.login());
        let by_status = self.by_status.entry(user.status).or_default();
        if add {
            self.logins.insert(login, id.clone());
            by_status.insert(id.clone());
        } else {
            if self.logins.get(&login) == Some(id) {
                self.logins.remove(&login);
            }
            by_status.remove(id);
        }
        for attr in &self.indexed {
            let Some(value) = user.profile.get(attr) else {
                continue;
            };
            let Some(index) = self.by_value.get_mut(attr) else {
                continue;
            };
            for key in lower_key(value) {
                if add {
                    index.entry(key).or_default().insert(id.clone());
                } else if let Some(ids) = index.get_mut(&key) {
                    ids.remove(id);
                    if ids.is_empty() {
                        index.remove(&key);
                    }
                }
            }
        }
    }

    /// Applies `change` to a user, keeping the indexes right.
    fn modify_user(&mut self, id: &str, now: DateTime<Utc>, change: impl FnOnce(&mut User)) {
        let Some(mut user) = self.users.remove(id) else {
            return;
        };
        self.index_user(&user, false);
        change(&mut user);
        user.last_updated = now;
        user.version += 1;
        self.index_user(&user, true);
        self.users.insert(user.id.clone(), user);
    }

    pub(crate) fn create_user(
        &mut self,
        body: &Value,
        options: CreateOptions<'_>,
        now: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        let empty = Map::new();
        let body = body.as_object().ok_or_else(ApiError::malformed_body)?;
        let profile = match body.get("profile") {
            Some(Value::Object(p)) => p,
            None | Some(Value::Null) => &empty,
            Some(_) => return Err(ApiError::malformed_body()),
        };
        let profile = clean_profile(profile);
        self.validate_profile(&profile, true, None)?;
        if let Some(type_id) = body
            .get("type")
            .and_then(|t| t.get("id"))
            .and_then(Value::as_str)
            && type_id != self.user_type_id
        {
            return Err(ApiError::validation(
                "type",
                vec![format!("type: Invalid user type id {type_id}")],
            ));
        }
        let credentials = body.get("credentials");
        let password = credentials
            .and_then(|c| c.get("password"))
            .and_then(|p| p.get("value").or_else(|| p.get("hash")))
            .is_some();
        let provider = credentials.and_then(|c| c.get("provider"));
        let (provider_type, provider_name) = match provider {
            Some(p) if options.provider || p.get("type").is_some() => (
                p.get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("FEDERATION")
                    .to_owned(),
                p.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("FEDERATION")
                    .to_owned(),
            ),
            _ if options.provider => ("FEDERATION".to_owned(), "FEDERATION".to_owned()),
            _ => ("OKTA".to_owned(), "OKTA".to_owned()),
        };
        let federated = provider_type != "OKTA";
        if options.next_login == Some("changePassword") {
            if !options.activate {
                return Err(ApiError::expire_needs_activation());
            }
            if !password {
                return Err(ApiError::expire_needs_password());
            }
        }
        let group_ids: Vec<String> = match body.get("groupIds") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(ids)) => ids
                .iter()
                .map(|g| {
                    g.as_str()
                        .map(str::to_owned)
                        .ok_or_else(ApiError::malformed_body)
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(ApiError::malformed_body()),
        };
        if group_ids.len() > MAX_GROUP_IDS {
            // Wording inferred.
            return Err(ApiError::validation(
                "groupIds",
                vec![format!(
                    "groupIds: A user can be assigned to at most {MAX_GROUP_IDS} groups when created"
                )],
            ));
        }
        for gid in &group_ids {
            match self.groups.get(gid) {
                None => return Err(ApiError::not_found(gid, "UserGroup")),
                Some(g) if g.kind != GroupType::Okta && *gid != self.everyone => {
                    return Err(ApiError::forbidden());
                }
                Some(_) => {}
            }
        }
        let status = match (options.activate, options.next_login) {
            (false, _) => Status::Staged,
            (true, Some("changePassword")) => Status::PasswordExpired,
            (true, _) if password || federated => Status::Active,
            (true, _) => Status::Provisioned,
        };
        let id = self.new_id("00u");
        let user = User {
            id: id.clone(),
            status,
            created: now,
            activated: (status != Status::Staged).then_some(now),
            status_changed: (status != Status::Staged).then_some(now),
            last_updated: now,
            password_changed: password.then_some(now),
            profile,
            provider_type,
            provider_name,
            has_password: password,
            groups: BTreeSet::new(),
            version: 0,
        };
        self.index_user(&user, true);
        self.users.insert(id.clone(), user);
        for gid in group_ids {
            if gid != self.everyone {
                self.add_member(&gid, &id, now)?;
            }
        }
        Ok(id)
    }

    /// `POST` (merge, `replace == false`) or `PUT` (`replace == true`) `/api/v1/users/{id}`.
    pub(crate) fn update_user(
        &mut self,
        key: &str,
        body: &Value,
        replace: bool,
        now: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        let id = self.user_id(key)?;
        let body = body.as_object().ok_or_else(ApiError::malformed_body)?;
        let current = self
            .users
            .get(&id)
            .map(|u| u.profile.clone())
            .unwrap_or_default();
        let sent = match body.get("profile") {
            Some(Value::Object(p)) => Some(p),
            None | Some(Value::Null) => None,
            Some(_) => return Err(ApiError::malformed_body()),
        };
        let profile = match (sent, replace) {
            (Some(sent), true) => clean_profile(sent),
            (Some(sent), false) => {
                let mut merged = current;
                for (k, v) in sent {
                    if v.is_null() {
                        merged.remove(k);
                    } else {
                        merged.insert(k.clone(), v.clone());
                    }
                }
                merged
            }
            (None, true) => Map::new(),
            (None, false) => current,
        };
        self.validate_profile(&profile, true, Some(&id))?;
        let password = body
            .get("credentials")
            .and_then(|c| c.get("password"))
            .and_then(|p| p.get("value"))
            .is_some();
        self.modify_user(&id, now, |user| {
            user.profile = profile;
            if password {
                user.has_password = true;
                user.password_changed = Some(now);
            }
        });
        Ok(id)
    }

    /// `DELETE /api/v1/users/{id}`: deactivates, or deletes a DEPROVISIONED user.
    pub(crate) fn delete_user(&mut self, key: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
        let id = self.user_id(key)?;
        let status = self.users.get(&id).map(|u| u.status);
        if status != Some(Status::Deprovisioned) {
            self.set_status(&id, Status::Deprovisioned, now);
            return Ok(());
        }
        if let Some(user) = self.users.remove(&id) {
            self.index_user(&user, false);
            for gid in &user.groups {
                if let Some(group) = self.groups.get_mut(gid) {
                    group.members.remove(&id);
                    group.last_membership_updated = now;
                }
            }
        }
        Ok(())
    }

    pub(crate) fn set_status(&mut self, id: &str, status: Status, now: DateTime<Utc>) {
        self.modify_user(id, now, |user| {
            if user.status != status {
                user.status = status;
                user.status_changed = Some(now);
            }
            match status {
                Status::Active | Status::Provisioned => {
                    user.activated.get_or_insert(now);
                }
                Status::Deprovisioned => {
                    // Deactivation wipes the credentials; a later activation starts over.
                    user.has_password = false;
                    user.activated = None;
                }
                _ => {}
            }
        });
    }

    pub(crate) fn lifecycle(
        &mut self,
        key: &str,
        op: Lifecycle,
        send_email: Option<bool>,
        now: DateTime<Utc>,
        base: &str,
    ) -> Result<LifecycleReply, ApiError> {
        let id = self.user_id(key)?;
        let Some(user) = self.users.get(&id) else {
            return Err(ApiError::not_found(key, "User"));
        };
        let status = user.status;
        let activated_status = if user.has_password || user.federated() {
            Status::Active
        } else {
            Status::Provisioned
        };
        let token_reply = |send_email: bool| {
            if send_email {
                return LifecycleReply::Json(json!({}));
            }
            let token: String = std::iter::repeat_with(fastrand::alphanumeric)
                .take(20)
                .collect();
            LifecycleReply::Json(json!({
                "activationToken": token,
                "activationUrl": format!("{base}/tokens/{token}/verify"),
            }))
        };
        match op {
            Lifecycle::Activate => match status {
                Status::Staged | Status::Deprovisioned => {
                    self.set_status(&id, activated_status, now);
                    Ok(token_reply(send_email.unwrap_or(true)))
                }
                Status::Active => Err(ApiError::already_active()),
                _ => Err(ApiError::wrong_status()),
            },
            Lifecycle::Reactivate => match status {
                Status::Provisioned | Status::Recovery => {
                    self.set_status(&id, Status::Provisioned, now);
                    Ok(token_reply(send_email.unwrap_or(false)))
                }
                _ => Err(ApiError::wrong_status()),
            },
            Lifecycle::Deactivate => match status {
                Status::Deprovisioned => Err(ApiError::wrong_status()),
                _ => {
                    self.set_status(&id, Status::Deprovisioned, now);
                    Ok(LifecycleReply::Empty)
                }
            },
            Lifecycle::Suspend => match status {
                Status::Active => {
                    self.set_status(&id, Status::Suspended, now);
                    Ok(LifecycleReply::Empty)
                }
                _ => Err(ApiError::validation(
                    "Cannot suspend a user that is not active",
                    vec!["Cannot suspend a user that is not active".into()],
                )),
            },
            Lifecycle::Unsuspend => match status {
                Status::Suspended => {
                    self.set_status(&id, Status::Active, now);
                    Ok(LifecycleReply::Empty)
                }
                _ => Err(ApiError::validation(
                    "Cannot unsuspend a user that is not suspended",
                    vec!["Cannot unsuspend a user that is not suspended".into()],
                )),
            },
            Lifecycle::Unlock => match status {
                Status::LockedOut => {
                    self.set_status(&id, Status::Active, now);
                    Ok(LifecycleReply::Empty)
                }
                _ => Err(ApiError::unlock_forbidden()),
            },
        }
    }

    pub(crate) fn list_users(
        &self,
        query: &ListQuery,
        limits: Limits,
    ) -> Result<Listing, ApiError> {
        if query.filter.is_some() && query.search.is_some() {
            return Err(ApiError::search_and_filter());
        }
        let limit = limits.resolve(query.limit.as_deref());
        if let Some(q) = query
            .q
            .as_deref()
            .filter(|_| query.filter.is_none() && query.search.is_none())
        {
            // `q` is a startsWith on firstName, lastName or email, excluding DEPROVISIONED,
            // without paging and with a default limit of 10.
            let limit = Limits {
                default: 10,
                max: limits.max,
            }
            .resolve(query.limit.as_deref());
            let q = q.to_lowercase();
            let ids = self
                .users
                .values()
                .filter(|u| u.status != Status::Deprovisioned)
                .filter(|u| {
                    self.count_scan();
                    ["firstName", "lastName", "email"].iter().any(|f| {
                        u.profile
                            .get(*f)
                            .and_then(Value::as_str)
                            .is_some_and(|v| v.to_lowercase().starts_with(&q))
                    })
                })
                .take(limit)
                .map(|u| u.id.clone())
                .collect();
            return Ok(Listing {
                ids,
                next_after: None,
                unpaged: true,
            });
        }
        let (expr, case_insensitive) = match (&query.filter, &query.search) {
            (Some(filter), _) => (Some(self.user_filter(filter)?), false),
            (_, Some(search)) => (Some(self.user_search(search)?), true),
            _ => (None, false),
        };
        let after = query.after.as_deref();
        let Some(expr) = expr else {
            // No parameters: DEPROVISIONED users are left out.
            let ids = range_of(&self.users, after)
                .filter(|(_, u)| u.status != Status::Deprovisioned)
                .map(|(id, _)| id);
            return Ok(page(ids, limit));
        };
        let matches = |u: &User| {
            self.count_scan();
            query::eval(&expr, &|path| self.user_attr(u, path), case_insensitive)
        };
        let candidates = self.candidates(&expr);
        if let Some(sort_by) = query.sort_by.as_deref().filter(|_| query.search.is_some()) {
            let descending = query
                .sort_order
                .as_deref()
                .is_some_and(|o| o.eq_ignore_ascii_case("desc"));
            return self.sorted_page(&candidates, &matches, sort_by, descending, after, limit);
        }
        let ids: Box<dyn Iterator<Item = &String> + '_> = match &candidates {
            Some(set) => Box::new(range_of_set(set, after)),
            None => Box::new(range_of(&self.users, after).map(|(id, _)| id)),
        };
        let ids = ids.filter(|id| self.users.get(*id).is_some_and(&matches));
        Ok(page(ids, limit))
    }

    /// A page of a `search=` with `sortBy`: rows are ordered by (sort key, id), reversed for
    /// `desc`, and the cursor is the (sort key, id) of the last row served, so the next page
    /// starts strictly after it however the rows changed in between (no repeats, no gaps
    /// for rows that did not move across it). The candidates of an index narrow the scan.
    fn sorted_page(
        &self,
        candidates: &Option<Cow<'_, BTreeSet<String>>>,
        matches: &dyn Fn(&User) -> bool,
        sort_by: &str,
        descending: bool,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Listing, ApiError> {
        // [inferred] A cursor that is not one of ours is an invalid search.
        let cursor = after
            .map(|a| decode_sort_cursor(a).ok_or_else(ApiError::invalid_search))
            .transpose()?;
        let pool: Box<dyn Iterator<Item = &User> + '_> = match candidates {
            Some(set) => Box::new(set.iter().filter_map(|id| self.users.get(id))),
            None => Box::new(self.users.values()),
        };
        let key = |u: &User| match self.user_attr(u, sort_by) {
            Attr::Text(t) => t.to_lowercase(),
            Attr::Time(t) => timestamp(t),
            Attr::Json(Value::String(s)) => s.to_lowercase(),
            Attr::Json(v) => v.to_string(),
            Attr::Missing => String::new(),
        };
        let wanted = if descending {
            Ordering::Less
        } else {
            Ordering::Greater
        };
        let mut rows: Vec<(String, &String)> = pool
            .filter(|u| matches(u))
            .map(|u| (key(u), &u.id))
            .filter(|(k, id)| {
                cursor.as_ref().is_none_or(|(ck, cid)| {
                    (k.as_str(), id.as_str()).cmp(&(ck.as_str(), cid.as_str())) == wanted
                })
            })
            .collect();
        // Ids are unique, so (key, id) is a total order.
        rows.sort_unstable();
        if descending {
            rows.reverse();
        }
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_after = rows
            .last()
            .filter(|_| more)
            .map(|(k, id)| encode_sort_cursor(k, id));
        Ok(Listing {
            ids: rows.into_iter().map(|(_, id)| id.clone()).collect(),
            next_after,
            unpaged: false,
        })
    }

    /// A superset of the ids `expr` can match, from an index, when one applies.
    fn candidates(&self, expr: &Expr) -> Option<Cow<'_, BTreeSet<String>>> {
        match expr {
            Expr::Cmp {
                attr,
                op: Op::Eq,
                value: Literal::Str(value),
            } => {
                let empty = || Cow::Owned(BTreeSet::new());
                let single = |id: Option<&String>| {
                    Cow::Owned(
                        id.filter(|id| self.users.contains_key(*id))
                            .cloned()
                            .into_iter()
                            .collect(),
                    )
                };
                match attr.as_str() {
                    "status" => Some(
                        Status::parse(value)
                            .and_then(|s| self.by_status.get(&s))
                            .map_or_else(empty, Cow::Borrowed),
                    ),
                    "id" => Some(single(Some(value))),
                    "profile.login" => Some(single(self.logins.get(&login_key(value)))),
                    _ => {
                        let name = attr.strip_prefix("profile.")?;
                        let index = self.by_value.get(name)?;
                        Some(
                            index
                                .get(&value.to_lowercase())
                                .map_or_else(empty, Cow::Borrowed),
                        )
                    }
                }
            }
            Expr::And(a, b) => match (self.candidates(a), self.candidates(b)) {
                (Some(x), Some(y)) => Some(if x.len() <= y.len() { x } else { y }),
                (x, y) => x.or(y),
            },
            Expr::Or(a, b) => {
                let (x, y) = (self.candidates(a)?, self.candidates(b)?);
                Some(Cow::Owned(x.union(&y).cloned().collect()))
            }
            Expr::Cmp { .. } => None,
        }
    }

    fn known_profile_attr(&self, name: &str) -> bool {
        is_base(name) || self.custom.contains_key(name)
    }

    /// `filter=`: `status`, `lastUpdated`, `id` and four profile properties; `eq` only, and
    /// ordering on `lastUpdated`.
    fn user_filter(&self, text: &str) -> Result<Expr, ApiError> {
        let expr = parse_query(text)?;
        for (attr, op, _) in expr.comparisons() {
            let allowed = match attr {
                "lastUpdated" => op == Op::Eq || op.is_ordering(),
                "status" | "id" | "profile.login" | "profile.email" | "profile.firstName"
                | "profile.lastName" => op == Op::Eq,
                _ => false,
            };
            if !allowed {
                return Err(ApiError::unsupported_filter());
            }
        }
        Ok(expr)
    }

    /// `search=`: any profile property of the schema and the top-level timestamps; `co` on the
    /// four named properties only.
    fn user_search(&self, text: &str) -> Result<Expr, ApiError> {
        let expr = parse_query(text)?;
        for (attr, op, _) in expr.comparisons() {
            let known = match attr.strip_prefix("profile.") {
                Some(name) => self.known_profile_attr(name),
                None => matches!(
                    attr,
                    "id" | "status"
                        | "created"
                        | "activated"
                        | "statusChanged"
                        | "lastUpdated"
                        | "passwordChanged"
                        | "type.id"
                ),
            };
            let co_ok = op != Op::Co
                || matches!(
                    attr,
                    "profile.firstName" | "profile.lastName" | "profile.email" | "profile.login"
                );
            if !known || !co_ok {
                return Err(ApiError::invalid_search());
            }
        }
        Ok(expr)
    }

    pub(crate) fn user_groups(&self, key: &str) -> Result<Vec<&Group>, ApiError> {
        let user = self
            .find_user(key)
            .ok_or_else(|| ApiError::not_found(key, "User"))?;
        let everyone = self.groups.get(&self.everyone);
        Ok(everyone
            .into_iter()
            .chain(user.groups.iter().filter_map(|g| self.groups.get(g)))
            .collect())
    }

    // ---- groups ------------------------------------------------------------------------

    fn group_profile(
        &self,
        body: &Value,
        id: Option<&str>,
    ) -> Result<Map<String, Value>, ApiError> {
        let profile = match body.get("profile") {
            Some(Value::Object(p)) => clean_profile(p),
            None | Some(Value::Null) => Map::new(),
            Some(_) => return Err(ApiError::malformed_body()),
        };
        if let Some((name, _)) = profile.iter().find(|(_, v)| has_four_byte_char(v)) {
            return Err(ApiError::validation(name, vec![four_byte_cause(name)]));
        }
        let name = profile.get("name");
        if blank(name) {
            return Err(ApiError::validation(
                "name",
                vec!["name: The field cannot be left blank".into()],
            ));
        }
        let name = name.and_then(Value::as_str).unwrap_or_default();
        if let Some(owner) = self.group_names.get(&name.to_lowercase())
            && Some(owner.as_str()) != id
        {
            return Err(ApiError::validation(
                "name",
                vec![
                    "name: An object with this field already exists in the current organization"
                        .into(),
                ],
            ));
        }
        Ok(profile)
    }

    pub(crate) fn create_group(
        &mut self,
        body: &Value,
        now: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        let profile = self.group_profile(body, None)?;
        let id = self.new_id("00g");
        let name = profile
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_lowercase();
        self.group_names.insert(name, id.clone());
        self.groups.insert(
            id.clone(),
            Group {
                id: id.clone(),
                kind: GroupType::Okta,
                created: now,
                last_updated: now,
                last_membership_updated: now,
                profile,
                members: BTreeSet::new(),
            },
        );
        Ok(id)
    }

    fn okta_group(&self, gid: &str) -> Result<&Group, ApiError> {
        let group = self
            .groups
            .get(gid)
            .ok_or_else(|| ApiError::not_found(gid, "UserGroup"))?;
        if group.kind != GroupType::Okta {
            return Err(ApiError::forbidden());
        }
        Ok(group)
    }

    pub(crate) fn replace_group(
        &mut self,
        gid: &str,
        body: &Value,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let old_name = self.okta_group(gid)?.name().to_lowercase();
        let profile = self.group_profile(body, Some(gid))?;
        let new_name = profile
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_lowercase();
        self.group_names.remove(&old_name);
        self.group_names.insert(new_name, gid.to_owned());
        if let Some(group) = self.groups.get_mut(gid) {
            group.profile = profile;
            group.last_updated = now;
        }
        Ok(())
    }

    pub(crate) fn delete_group(&mut self, gid: &str) -> Result<(), ApiError> {
        self.okta_group(gid)?;
        if let Some(group) = self.groups.remove(gid) {
            self.group_names.remove(&group.name().to_lowercase());
            for uid in &group.members {
                if let Some(user) = self.users.get_mut(uid) {
                    user.groups.remove(gid);
                }
            }
        }
        Ok(())
    }

    pub(crate) fn add_member(
        &mut self,
        gid: &str,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        self.okta_group(gid)?;
        let uid = self
            .users
            .get(key)
            .map(|u| u.id.clone())
            .ok_or_else(|| ApiError::not_found(key, "User"))?;
        if let Some(group) = self.groups.get_mut(gid)
            && group.members.insert(uid.clone())
        {
            group.last_membership_updated = now;
        }
        if let Some(user) = self.users.get_mut(&uid) {
            user.groups.insert(gid.to_owned());
        }
        Ok(())
    }

    pub(crate) fn remove_member(
        &mut self,
        gid: &str,
        uid: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        self.okta_group(gid)?;
        let removed = self
            .groups
            .get_mut(gid)
            .is_some_and(|g| g.members.remove(uid));
        if !removed {
            return Err(ApiError::not_found(uid, "User"));
        }
        if let Some(group) = self.groups.get_mut(gid) {
            group.last_membership_updated = now;
        }
        if let Some(user) = self.users.get_mut(uid) {
            user.groups.remove(gid);
        }
        Ok(())
    }

    pub(crate) fn group_members(
        &self,
        gid: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Listing, ApiError> {
        let group = self
            .groups
            .get(gid)
            .ok_or_else(|| ApiError::not_found(gid, "UserGroup"))?;
        if group.kind == GroupType::BuiltIn {
            return Ok(page(range_of(&self.users, after).map(|(id, _)| id), limit));
        }
        Ok(page(range_of_set(&group.members, after), limit))
    }

    pub(crate) fn list_groups(
        &self,
        query: &ListQuery,
        limits: Limits,
    ) -> Result<Listing, ApiError> {
        if query.filter.is_some() && query.search.is_some() {
            return Err(ApiError::search_and_filter());
        }
        let limit = limits.resolve(query.limit.as_deref());
        if let Some(q) = query
            .q
            .as_deref()
            .filter(|_| query.filter.is_none() && query.search.is_none())
        {
            let limit = Limits {
                default: 300,
                max: limits.max,
            }
            .resolve(query.limit.as_deref());
            let q = q.to_lowercase();
            let ids = self
                .groups
                .values()
                .filter(|g| g.name().to_lowercase().starts_with(&q))
                .take(limit)
                .map(|g| g.id.clone())
                .collect();
            return Ok(Listing {
                ids,
                next_after: None,
                unpaged: true,
            });
        }
        let (expr, ci) = match (&query.filter, &query.search) {
            (Some(filter), _) => {
                let expr = parse_query(filter)?;
                for (attr, op, _) in expr.comparisons() {
                    let ok = match attr {
                        "id" | "type" => op == Op::Eq,
                        "lastUpdated" | "lastMembershipUpdated" => op == Op::Eq || op.is_ordering(),
                        _ => false,
                    };
                    if !ok {
                        return Err(ApiError::unsupported_filter());
                    }
                }
                (Some(expr), false)
            }
            (_, Some(search)) => {
                let expr = parse_query(search)?;
                for (attr, op, _) in expr.comparisons() {
                    let known = attr.starts_with("profile.")
                        || matches!(
                            attr,
                            "id" | "type"
                                | "created"
                                | "lastUpdated"
                                | "lastMembershipUpdated"
                                | "source.id"
                        );
                    let co_ok =
                        op != Op::Co || matches!(attr, "profile.name" | "profile.description");
                    if !known || !co_ok {
                        return Err(ApiError::invalid_search());
                    }
                }
                (Some(expr), true)
            }
            _ => (None, false),
        };
        let ids = range_of(&self.groups, query.after.as_deref())
            .filter(|(_, g)| {
                expr.as_ref()
                    .is_none_or(|e| query::eval(e, &|p| g.attr(p), ci))
            })
            .map(|(id, _)| id);
        Ok(page(ids, limit))
    }

    // ---- schema ------------------------------------------------------------------------

    pub(crate) fn schema_json(&self, base: &str) -> Value {
        let mut base_props = Map::new();
        for (name, title) in BASE_PROPERTIES {
            let mut prop = json!({
                "title": title,
                "type": "string",
                "mutability": "READ_WRITE",
                "scope": "NONE",
                "permissions": [{"principal": "SELF", "action": "READ_WRITE"}],
                "master": {"type": "PROFILE_MASTER"},
            });
            if let Some(obj) = prop.as_object_mut() {
                match *name {
                    "login" => {
                        obj.insert("required".into(), true.into());
                        obj.insert("unique".into(), "UNIQUE_VALIDATED".into());
                        obj.insert("minLength".into(), 5.into());
                        obj.insert("maxLength".into(), 100.into());
                        obj.insert("pattern".into(), ".+".into());
                    }
                    "firstName" | "lastName" => {
                        obj.insert("required".into(), true.into());
                        obj.insert("minLength".into(), 1.into());
                        obj.insert("maxLength".into(), 50.into());
                    }
                    "email" => {
                        obj.insert("required".into(), true.into());
                        obj.insert("format".into(), "email".into());
                    }
                    "secondEmail" => {
                        obj.insert("format".into(), "email".into());
                    }
                    _ => {}
                }
            }
            base_props.insert((*name).to_owned(), prop);
        }
        let custom: Map<String, Value> = self
            .custom
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let custom_required: Vec<&String> = self
            .custom
            .iter()
            .filter(|(_, v)| v.get("required").and_then(Value::as_bool) == Some(true))
            .map(|(k, _)| k)
            .collect();
        json!({
            "id": format!("{base}/meta/schemas/user/default"),
            "$schema": "http://json-schema.org/draft-04/schema#",
            "name": "user",
            "title": "Default Okta User",
            "description": "Okta user profile template with default permission settings",
            "lastUpdated": timestamp(self.schema_updated),
            "created": timestamp(self.schema_created),
            "definitions": {
                "base": {
                    "id": "#base",
                    "type": "object",
                    "properties": base_props,
                    "required": REQUIRED,
                },
                "custom": {
                    "id": "#custom",
                    "type": "object",
                    "properties": custom,
                    "required": custom_required,
                },
            },
            "type": "object",
            "properties": {
                "profile": {
                    "allOf": [
                        {"$ref": "#/definitions/base"},
                        {"$ref": "#/definitions/custom"},
                    ],
                },
            },
            "_links": {
                "self": {
                    "rel": "self",
                    "href": format!("{base}/api/v1/meta/schemas/user/default"),
                    "method": "GET",
                },
                "type": {
                    "rel": "type",
                    "href": format!("{base}/api/v1/meta/types/user/{}", self.user_type_id),
                    "method": "GET",
                },
            },
        })
    }

    /// `POST /api/v1/meta/schemas/user/default`: adds, updates (merge) or removes (`null`)
    /// custom properties; base properties are left alone.
    pub(crate) fn update_schema(
        &mut self,
        body: &Value,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let body = body.as_object().ok_or_else(ApiError::malformed_body)?;
        let props = body
            .get("definitions")
            .and_then(|d| d.get("custom"))
            .and_then(|c| c.get("properties"));
        let props = match props {
            None | Some(Value::Null) => return Ok(()),
            Some(Value::Object(p)) => p,
            Some(_) => return Err(ApiError::malformed_body()),
        };
        for (name, def) in props {
            let valid_name = !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit());
            if !valid_name || is_base(name) {
                return Err(ApiError::validation(
                    name,
                    vec![format!("{name}: Invalid property name")],
                ));
            }
            match def {
                Value::Null => {}
                Value::Object(def) => {
                    let kind = def.get("type").and_then(Value::as_str).or_else(|| {
                        self.custom
                            .get(name)
                            .and_then(|d| d.get("type"))
                            .and_then(Value::as_str)
                    });
                    if !matches!(
                        kind,
                        Some("string" | "boolean" | "number" | "integer" | "array")
                    ) {
                        return Err(ApiError::validation(
                            name,
                            vec![format!("{name}: Property type is invalid or missing")],
                        ));
                    }
                }
                _ => return Err(ApiError::malformed_body()),
            }
        }
        for (name, def) in props {
            match def {
                Value::Object(def) => {
                    let entry = self
                        .custom
                        .entry(name.clone())
                        .or_insert_with(|| json!({"title": name, "scope": "NONE", "mutability": "READ_WRITE", "permissions": [{"principal": "SELF", "action": "READ_WRITE"}], "master": {"type": "PROFILE_MASTER"}}));
                    if let Some(entry) = entry.as_object_mut() {
                        for (k, v) in def {
                            entry.insert(k.clone(), v.clone());
                        }
                    }
                }
                _ => {
                    self.custom.remove(name);
                    let ids: Vec<String> = self
                        .users
                        .values()
                        .filter(|u| u.profile.contains_key(name))
                        .map(|u| u.id.clone())
                        .collect();
                    for id in ids {
                        self.modify_user(&id, now, |u| {
                            u.profile.remove(name);
                        });
                    }
                }
            }
        }
        self.schema_updated = now;
        Ok(())
    }

    // ---- rendering ---------------------------------------------------------------------

    pub(crate) fn user_json<'a>(&'a self, user: &'a User, base: &str) -> UserJson<'a> {
        UserJson {
            id: &user.id,
            status: user.status.as_str(),
            created: timestamp(user.created),
            activated: user.activated.map(timestamp),
            status_changed: user.status_changed.map(timestamp),
            last_login: None,
            last_updated: timestamp(user.last_updated),
            password_changed: user.password_changed.map(timestamp),
            kind: TypeRef {
                id: &self.user_type_id,
            },
            profile: &user.profile,
            credentials: Credentials {
                password: user.has_password.then(Map::new),
                provider: Provider {
                    kind: &user.provider_type,
                    name: &user.provider_name,
                },
            },
            links: UserLinks {
                self_: Href {
                    href: format!("{base}/api/v1/users/{}", user.id),
                },
            },
        }
    }

    pub(crate) fn group_json(&self, group: &Group, base: &str) -> Value {
        json!({
            "id": group.id,
            "created": timestamp(group.created),
            "lastUpdated": timestamp(group.last_updated),
            "lastMembershipUpdated": timestamp(group.last_membership_updated),
            "objectClass": ["okta:user_group"],
            "type": group.kind.as_str(),
            "profile": group.profile,
            "_links": {
                "logo": [
                    {"name": "medium", "href": format!("{base}/img/logos/groups/okta-medium.png"), "type": "image/png"},
                    {"name": "large", "href": format!("{base}/img/logos/groups/okta-large.png"), "type": "image/png"},
                ],
                "users": {"href": format!("{base}/api/v1/groups/{}/users", group.id)},
                "apps": {"href": format!("{base}/api/v1/groups/{}/apps", group.id)},
            },
        })
    }

    /// Seeds a user directly in `status` (validation as for `POST /api/v1/users`).
    pub(crate) fn seed_user(
        &mut self,
        seed: &Value,
        now: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        let body = match seed.get("profile") {
            Some(_) => seed.clone(),
            None => json!({ "profile": seed }),
        };
        let status = seed
            .get("status")
            .and_then(Value::as_str)
            .map(|s| {
                Status::parse(s).ok_or_else(|| {
                    ApiError::validation("status", vec![format!("status: unknown status {s}")])
                })
            })
            .transpose()?
            .unwrap_or(Status::Active);
        let id = self.create_user(
            &body,
            CreateOptions {
                activate: status != Status::Staged,
                provider: false,
                next_login: None,
            },
            now,
        )?;
        if let Some(user) = self.users.get(&id)
            && user.status != status
        {
            self.set_status(&id, status, now);
        }
        Ok(id)
    }

    /// A synthetic active user `user{n}@example.com` with an `employeeNumber`, built without
    /// the JSON round trip so 100 000 of them seed quickly.
    pub(crate) fn seed_generated(&mut self, n: usize, now: DateTime<Utc>) {
        let login = format!("user{n}@example.com");
        if self.logins.contains_key(&login_key(&login)) {
            return;
        }
        let mut profile = Map::new();
        profile.insert("login".into(), Value::String(login.clone()));
        profile.insert("email".into(), Value::String(login));
        profile.insert("firstName".into(), Value::String(format!("First{n}")));
        profile.insert("lastName".into(), Value::String(format!("Last{n}")));
        profile.insert("employeeNumber".into(), Value::String(format!("E{n:07}")));
        let id = self.new_id("00u");
        let user = User {
            id: id.clone(),
            status: Status::Active,
            created: now,
            activated: Some(now),
            status_changed: Some(now),
            last_updated: now,
            password_changed: Some(now),
            profile,
            provider_type: "OKTA".into(),
            provider_name: "OKTA".into(),
            has_password: true,
            groups: BTreeSet::new(),
            version: 0,
        };
        self.index_user(&user, true);
        self.users.insert(id, user);
    }

    /// Seeds a group; `members` (ids or logins) join it.
    pub(crate) fn seed_group(
        &mut self,
        seed: &Value,
        now: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        let body = match seed.get("profile") {
            Some(_) => seed.clone(),
            None => json!({ "profile": seed }),
        };
        let body = match body {
            Value::Object(mut map) => {
                map.remove("members");
                if let Some(Value::Object(profile)) = map.get_mut("profile") {
                    profile.remove("members");
                }
                Value::Object(map)
            }
            other => other,
        };
        let gid = self.create_group(&body, now)?;
        let members = seed
            .get("members")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for member in members {
            let key = member.as_str().unwrap_or_default();
            let uid = self.user_id(key)?;
            self.add_member(&gid, &uid, now)?;
        }
        Ok(gid)
    }
}

/// Drops `null` values, as Okta does not store them.
fn clean_profile(profile: &Map<String, Value>) -> Map<String, Value> {
    profile
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn parse_query(text: &str) -> Result<Expr, ApiError> {
    query::parse(text).map_err(|e| match e {
        QueryError::Invalid => ApiError::invalid_search(),
        QueryError::Unsupported => ApiError::unsupported_filter(),
    })
}

fn range_of<'a, V>(
    map: &'a BTreeMap<String, V>,
    after: Option<&str>,
) -> std::collections::btree_map::Range<'a, String, V> {
    match after {
        Some(after) => map.range::<str, _>((Bound::Excluded(after), Bound::Unbounded)),
        None => map.range::<str, _>((Bound::Unbounded, Bound::Unbounded)),
    }
}

fn range_of_set<'a>(
    set: &'a BTreeSet<String>,
    after: Option<&str>,
) -> std::collections::btree_set::Range<'a, String> {
    match after {
        Some(after) => set.range::<str, _>((Bound::Excluded(after), Bound::Unbounded)),
        None => set.range::<str, _>((Bound::Unbounded, Bound::Unbounded)),
    }
}

/// The first `limit` ids, and a cursor when more follow.
fn page<'a>(ids: impl Iterator<Item = &'a String>, limit: usize) -> Listing {
    let mut ids: Vec<String> = ids.take(limit.saturating_add(1)).cloned().collect();
    let more = ids.len() > limit;
    ids.truncate(limit);
    let next_after = if more { ids.last().cloned() } else { None };
    Listing {
        ids,
        next_after,
        unpaged: false,
    }
}

/// The opaque `after` of a sorted search: base64url (no padding) of the JSON array
/// `[sortKey, id]` of the last row served.
fn encode_sort_cursor(key: &str, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&(key, id)).unwrap_or_default())
}

/// The `(sortKey, id)` of a sorted-search cursor, or `None` when it is not one.
fn decode_sort_cursor(cursor: &str) -> Option<(String, String)> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.as_bytes()).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[derive(Serialize)]
pub(crate) struct TypeRef<'a> {
    id: &'a str,
}

#[derive(Serialize)]
pub(crate) struct Provider<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
pub(crate) struct Credentials<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<Map<String, Value>>,
    provider: Provider<'a>,
}

#[derive(Serialize)]
pub(crate) struct Href {
    href: String,
}

#[derive(Serialize)]
pub(crate) struct UserLinks {
    #[serde(rename = "self")]
    self_: Href,
}

/// The wire form of a user, serialized straight from the store.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserJson<'a> {
    id: &'a str,
    status: &'static str,
    created: String,
    activated: Option<String>,
    status_changed: Option<String>,
    last_login: Option<String>,
    last_updated: String,
    password_changed: Option<String>,
    #[serde(rename = "type")]
    kind: TypeRef<'a>,
    profile: &'a Map<String, Value>,
    credentials: Credentials<'a>,
    #[serde(rename = "_links")]
    links: UserLinks,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_keys_fold_case_and_diacritics() {
        assert_eq!(login_key("Zoë@X.com"), "zoe@x.com");
        assert_eq!(login_key("ÑANDÚ@x.com"), login_key("nandu@x.com"));
        assert_eq!(login_key("ﬁ@x.com"), "fi@x.com");
        assert_ne!(login_key("zoe@x.com"), login_key("zoey@x.com"));
    }

    #[test]
    fn sort_cursors_round_trip_and_refuse_garbage() {
        let cursor = encode_sort_cursor("ann", "00u1");
        assert_eq!(
            decode_sort_cursor(&cursor),
            Some(("ann".to_owned(), "00u1".to_owned()))
        );
        assert!(
            cursor
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_eq!(decode_sort_cursor("00u1"), None);
        assert_eq!(decode_sort_cursor("!!"), None);
    }
}
