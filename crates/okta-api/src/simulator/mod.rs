//! A stateful in-process Okta org speaking the Management API (feature `simulator`).
//!
//! [`OktaSimulator`] answers the calls a provisioning engine makes, the way Okta does (see
//! `shared/research/okta.md` §1): users with their lifecycle (`STAGED` → `PROVISIONED`/`ACTIVE`
//! → `SUSPENDED` → `DEPROVISIONED`, two-step delete), `filter=`/`search=`/`q=` listing with
//! `Link` paging (an opaque `(sort key, id)` cursor for sorted searches), groups and
//! memberships (with the built-in `Everyone`), the default user schema with custom
//! properties and Okta's input limits (login uniqueness ignoring case and diacritics, lengths,
//! no 4-byte UTF-8, at most 20 `groupIds`), SSWS tokens (`SSWS <token>`, with or without the
//! space, full access), OAuth 2.0 `client_credentials` with `private_key_jwt` (Bearer tokens
//! limited to their scopes: `okta.users.read`/`manage`, `okta.groups.*`, `okta.schemas.*`),
//! per-bucket rate limits with the `X-Rate-Limit-*` headers, the concurrency limit, the 411
//! for a body-less `POST`/`PUT` without `Content-Length: 0`, E0000019 for a body that is not
//! `application/json`, and Okta's error bodies (`errorCode`, `errorSummary`, …).
//! Faults ([`Fault`]) and latency can be injected, and every request is recorded
//! ([`RecordedRequest`]) for assertions.
//!
//! It shares no code with the client in this crate: it has its own wire structs.
//!
//! ```no_run
//! use okta_api::simulator::{Fault, OktaSimulator};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let okta = OktaSimulator::builder()
//!     .api_token("test-token")
//!     .generated_users(1_000)
//!     .start()
//!     .await?;
//! println!("Okta at {} (SSWS {})", okta.url(), okta.token());
//! okta.inject(Fault::server_error(503, 1).path_prefix("/api/v1/users"));
//! // … run the code under test against okta.url() …
//! assert!(okta.requests().iter().all(|r| r.status != 401));
//! okta.shutdown().await;
//! # Ok(()) }
//! ```

mod error;
mod oauth;
mod query;
mod server;
mod store;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::ops::Deref;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use url::Url;

use oauth::PublicKey;
use store::{Limits, Status, Store};

/// The largest request body accepted; larger ones get a 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How much of each request body the request log keeps ([`RecordedRequest::body`]), so a
/// full log (10 000 entries by default) stays within about 160 MiB.
pub const MAX_LOGGED_BODY_BYTES: usize = 16 * 1024;

/// Why a simulator could not be built or started, or an inspection call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimulatorError {
    /// Binding the listener failed.
    #[error("cannot listen: {0}")]
    Bind(#[from] std::io::Error),
    /// A seeded user or group was refused (the same validation as the API).
    #[error("seed {kind} #{index}: {message}")]
    Seed {
        /// `user` or `group`.
        kind: &'static str,
        /// Its position in the seed list.
        index: usize,
        /// Okta's error summary and causes.
        message: String,
    },
    /// The public key of an OAuth client is not a usable PEM.
    #[error("OAuth client {client_id}: {message}")]
    OAuthKey {
        /// The client id.
        client_id: String,
        /// What is wrong with the key.
        message: String,
    },
    /// No user has this id or login.
    #[error("no user {0}")]
    UnknownUser(String),
    /// Not one of Okta's user statuses (`STAGED`, `ACTIVE`, …).
    #[error("unknown user status {0}")]
    UnknownStatus(String),
}

/// What a [`Fault`] does to a matching request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultEffect {
    /// Answer with this 5xx status and an Okta error body (E0000009 `Internal Server Error`).
    ServerError {
        /// The status; anything outside 500..=599 becomes 500.
        status: u16,
    },
    /// Answer 429 E0000047 *without* `X-Rate-Limit-Reset` and `Date` (when served by
    /// [`OktaSimulator::start`]), to exercise a client's fallback back-off.
    RateLimited,
    /// Wait this long, then answer normally (to trigger client timeouts). A client that
    /// gives up first closes the connection and the request is never processed: a request
    /// lost on the way.
    Delay(Duration),
    /// Process the request, then wait this long before answering: a client that gives up
    /// first never learns that its request took effect (an answer lost on the way, the
    /// case that makes a repeated create find its own user). The request log has it as
    /// processed.
    DelayAnswer(Duration),
}

/// A scripted misbehaviour for the next `times` matching requests, or, with
/// [`every`](Fault::every), for one matching request in `n`.
///
/// Faults queue in order; a request uses the first matching one that fires on it (and one
/// of its `times`). A plain fault fires on every matching request; a periodic one
/// ([`every`](Fault::every)) counts the matching requests it sees from when it is queued,
/// whichever fault takes them, and fires on the `first`-th and then every `n`-th after it,
/// so several periodic faults with different [`first`](Fault::first) positions fail
/// disjoint requests. Faults apply after authentication, so a request with a bad token is
/// not counted.
///
/// ```
/// use std::time::Duration;
/// use okta_api::simulator::{Fault, FaultEffect};
///
/// let outage = Fault::server_error(503, 2).method("GET").path_prefix("/api/v1/users");
/// assert_eq!(outage.effect, FaultEffect::ServerError { status: 503 });
/// let slow = Fault::delay(Duration::from_secs(5), 1);
/// assert_eq!(slow.method, None);
/// // 20 % of all requests fail: the 5th, 10th, 15th, … alternate a 503 and a 429.
/// let flaky = [
///     Fault::server_error(503, u32::MAX).every(10).first(5),
///     Fault::rate_limited(u32::MAX).every(10),
/// ];
/// assert_eq!((flaky[0].every, flaky[0].first, flaky[1].first), (10, Some(5), None));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Fault {
    /// The HTTP method it applies to (case-insensitive); `None` for any.
    pub method: Option<String>,
    /// The path prefix it applies to (`/api/v1/users`); `None` for any.
    pub path_prefix: Option<String>,
    /// How many requests it applies to (fires on).
    pub times: u32,
    /// What it does.
    pub effect: FaultEffect,
    /// It fires on one matching request in `every` (1, the default: on each).
    pub every: u32,
    /// The matching request (1-based, counted from when the fault is queued) it first
    /// fires on; `None` for the `every`-th.
    pub first: Option<u32>,
}

impl Fault {
    fn new(effect: FaultEffect, times: u32) -> Self {
        Self {
            method: None,
            path_prefix: None,
            times,
            effect,
            every: 1,
            first: None,
        }
    }

    /// Fires on one matching request in `n` only (at least 1): the `n`-th, `2n`-th, … (or,
    /// with [`first`](Self::first), the `first`-th and every `n`-th after it). The others
    /// go on to the faults queued after it, or are answered normally. `times` then counts
    /// the requests it fires on: `u32::MAX` for a fault that lasts. The ratio holds
    /// whatever order concurrent requests arrive in, so a test of flaky conditions stays
    /// deterministic.
    #[must_use]
    pub fn every(mut self, n: u32) -> Self {
        self.every = n.max(1);
        self
    }

    /// With [`every`](Self::every): the matching request (1-based) it first fires on.
    #[must_use]
    pub fn first(mut self, k: u32) -> Self {
        self.first = Some(k.max(1));
        self
    }

    /// Whether it fires on the `seen`-th matching request (1-based).
    fn fires_on(&self, seen: u64) -> bool {
        let every = u64::from(self.every.max(1));
        let first = self.first.map_or(every, u64::from).max(1);
        seen >= first && (seen - first).is_multiple_of(every)
    }

    /// The next `times` requests answer `status` (a 5xx) with an Okta error body.
    pub fn server_error(status: u16, times: u32) -> Self {
        Self::new(FaultEffect::ServerError { status }, times)
    }

    /// The next `times` requests answer 429 E0000047 without `X-Rate-Limit-Reset`/`Date`.
    pub fn rate_limited(times: u32) -> Self {
        Self::new(FaultEffect::RateLimited, times)
    }

    /// The next `times` requests wait `delay` before being answered normally (see
    /// [`FaultEffect::Delay`]: not processed when the client gives up first).
    pub fn delay(delay: Duration, times: u32) -> Self {
        Self::new(FaultEffect::Delay(delay), times)
    }

    /// The next `times` requests are processed, then answered `delay` later (see
    /// [`FaultEffect::DelayAnswer`]).
    pub fn delay_answer(delay: Duration, times: u32) -> Self {
        Self::new(FaultEffect::DelayAnswer(delay), times)
    }

    /// Only requests with this method.
    #[must_use]
    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    /// Only requests whose path starts with `prefix`.
    #[must_use]
    pub fn path_prefix(mut self, prefix: &str) -> Self {
        self.path_prefix = Some(prefix.to_owned());
        self
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m == method)
            && self
                .path_prefix
                .as_deref()
                .is_none_or(|p| path.starts_with(p))
    }
}

/// A request the simulator received, as answered.
///
/// ```
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let okta = okta_api::simulator::OktaSimulator::builder().start().await?;
/// // … requests …
/// for request in okta.requests() {
///     println!("{} {} → {} ({:?})", request.method, request.path, request.status,
///         request.header("authorization"));
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, still percent-encoded (`/api/v1/users/a%40b.c`).
    pub path: String,
    /// The raw query string, without `?`.
    pub query: Option<String>,
    /// Selected headers, lower-case names: `authorization` (token redacted, the scheme and the
    /// space or its absence kept: `SSWS [redacted]`), `x-okta-retry-for`, `x-okta-retry-count`,
    /// `content-length`, `transfer-encoding`, `content-type`, `accept`, `user-agent`,
    /// `if-match`, `prefer`.
    pub headers: BTreeMap<String, String>,
    /// The body as received (empty when none, or when it was over [`MAX_BODY_BYTES`]),
    /// truncated to its first [`MAX_LOGGED_BODY_BYTES`] bytes; [`RecordedRequest::json`] is
    /// `None` for a truncated JSON body.
    pub body: Vec<u8>,
    /// The status answered.
    pub status: u16,
    /// The `X-Okta-Request-Id` answered.
    pub request_id: String,
    /// When the request arrived.
    pub received_at: DateTime<Utc>,
}

impl RecordedRequest {
    /// A recorded header (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// The body as JSON, when it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Per-bucket fixed window counters.
#[derive(Debug, Default)]
struct Bucket {
    started: Option<Instant>,
    started_utc: i64,
    used: u32,
}

/// What may change while serving.
#[derive(Debug, Clone)]
struct Settings {
    latency: Duration,
    rate_limit: u32,
    window: Duration,
    concurrency: usize,
    users: Limits,
    groups: Limits,
    members: Limits,
    public_url: Option<String>,
    log_capacity: usize,
}

/// State behind every clone of an [`OktaSimulator`].
struct Shared {
    store: Mutex<Store>,
    settings: Mutex<Settings>,
    tokens: Vec<String>,
    oauth_clients: HashMap<String, PublicKey>,
    bearer: Mutex<HashMap<String, (Instant, String)>>,
    /// The queued faults, each with the number of matching requests it has seen.
    faults: Mutex<VecDeque<(Fault, u64)>>,
    buckets: Mutex<HashMap<String, Bucket>>,
    log: Mutex<VecDeque<RecordedRequest>>,
    in_flight: AtomicUsize,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn settings(&self) -> Settings {
        lock(&self.settings).clone()
    }

    fn take_fault(&self, method: &str, path: &str) -> Option<FaultEffect> {
        let mut faults = lock(&self.faults);
        // Every matching fault counts the request; the first that fires on it takes it.
        let mut at = None;
        for (i, (fault, seen)) in faults.iter_mut().enumerate() {
            if fault.matches(method, path) {
                *seen += 1;
                if at.is_none() && fault.fires_on(*seen) {
                    at = Some(i);
                }
            }
        }
        let at = at?;
        let (fault, _) = faults.get_mut(at)?;
        fault.times = fault.times.saturating_sub(1);
        let effect = fault.effect.clone();
        if fault.times == 0 {
            faults.remove(at);
        }
        Some(effect)
    }

    fn record(&self, request: RecordedRequest) {
        let capacity = lock(&self.settings).log_capacity;
        let mut log = lock(&self.log);
        log.push_back(request);
        while log.len() > capacity {
            log.pop_front();
        }
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let store = lock(&self.store);
        f.debug_struct("Shared")
            .field("users", &store.users.len())
            .field("groups", &store.groups.len())
            .field("tokens", &self.tokens.len())
            .field(
                "oauth_clients",
                &self.oauth_clients.keys().collect::<Vec<_>>(),
            )
            .field("faults", &lock(&self.faults).len())
            .finish_non_exhaustive()
    }
}

/// Configures an [`OktaSimulator`]; from [`OktaSimulator::builder`].
///
/// ```
/// use std::time::Duration;
/// use okta_api::simulator::OktaSimulator;
/// use serde_json::json;
///
/// let okta = OktaSimulator::builder()
///     .api_token("00abc")
///     .rate_limit(100, Duration::from_secs(60))
///     .concurrency_limit(10)
///     .seed_users([json!({"login": "ada@example.com", "email": "ada@example.com",
///                         "firstName": "Ada", "lastName": "Lovelace"})])
///     .seed_groups([json!({"name": "Engineering", "members": ["ada@example.com"]})])
///     .build()?;
/// assert_eq!(okta.group_members("Engineering").len(), 1);
/// # Ok::<(), okta_api::simulator::SimulatorError>(())
/// ```
#[derive(Debug, Clone)]
pub struct SimulatorBuilder {
    tokens: Vec<String>,
    oauth_clients: Vec<(String, String)>,
    settings: Settings,
    seed_users: Vec<Value>,
    seed_groups: Vec<Value>,
    generated_users: usize,
    indexed: Vec<String>,
}

impl Default for SimulatorBuilder {
    fn default() -> Self {
        Self {
            tokens: Vec::new(),
            oauth_clients: Vec::new(),
            settings: Settings {
                latency: Duration::ZERO,
                rate_limit: 600,
                window: Duration::from_secs(60),
                concurrency: 75,
                users: Limits {
                    default: 200,
                    max: 200,
                },
                groups: Limits {
                    default: 10_000,
                    max: 10_000,
                },
                members: Limits {
                    default: 1000,
                    max: 10_000,
                },
                public_url: None,
                log_capacity: 10_000,
            },
            seed_users: Vec::new(),
            seed_groups: Vec::new(),
            generated_users: 0,
            indexed: vec!["email".into(), "employeeNumber".into()],
        }
    }
}

impl SimulatorBuilder {
    /// Accepts this API token (`Authorization: SSWS <token>`); call again for more tokens.
    /// Without any, a random token is generated ([`OktaSimulator::token`]).
    #[must_use]
    pub fn api_token(mut self, token: impl Into<String>) -> Self {
        self.tokens.push(token.into());
        self
    }

    /// Registers an OAuth service app: `client_id` and its public key as PEM
    /// `SubjectPublicKeyInfo` (`-----BEGIN PUBLIC KEY-----`, RSA ≥ 2048 bits or EC P-256).
    /// `POST /oauth2/v1/token` then issues Bearer tokens for `private_key_jwt` assertions
    /// signed with the matching private key (RS256 or ES256).
    #[must_use]
    pub fn oauth_client(
        mut self,
        client_id: impl Into<String>,
        public_key_pem: impl Into<String>,
    ) -> Self {
        self.oauth_clients
            .push((client_id.into(), public_key_pem.into()));
        self
    }

    /// Requests allowed per bucket (method + path template, like Okta's) and window;
    /// default 600 per 60 s. Requests for unknown paths or methods share one bucket.
    #[must_use]
    pub fn rate_limit(mut self, limit: u32, window: Duration) -> Self {
        self.settings.rate_limit = limit;
        self.settings.window = window.max(Duration::from_millis(1));
        self
    }

    /// Simultaneous requests allowed (default 75, Okta's); more get a 429 with
    /// `X-Rate-Limit-Limit: 0` and `X-Rate-Limit-Remaining: 0`.
    #[must_use]
    pub fn concurrency_limit(mut self, limit: usize) -> Self {
        self.settings.concurrency = limit.max(1);
        self
    }

    /// Delays every response by `latency`.
    #[must_use]
    pub fn latency(mut self, latency: Duration) -> Self {
        self.settings.latency = latency;
        self
    }

    /// `limit` of `GET /api/v1/users` when absent, and its maximum (default 200 and 200).
    #[must_use]
    pub fn user_page_limits(mut self, default: usize, max: usize) -> Self {
        self.settings.users = limits(default, max);
        self
    }

    /// `limit` of `GET /api/v1/groups` when absent, and its maximum (default 10 000 and 10 000).
    #[must_use]
    pub fn group_page_limits(mut self, default: usize, max: usize) -> Self {
        self.settings.groups = limits(default, max);
        self
    }

    /// `limit` of `GET /api/v1/groups/{id}/users` when absent, and its maximum (default 1000
    /// and 10 000).
    #[must_use]
    pub fn member_page_limits(mut self, default: usize, max: usize) -> Self {
        self.settings.members = limits(default, max);
        self
    }

    /// The URL clients reach the simulator at (behind a proxy), used in `Link` headers and
    /// `_links`; default: the bound address.
    #[must_use]
    pub fn public_url(mut self, url: Url) -> Self {
        self.settings.public_url = Some(url.as_str().trim_end_matches('/').to_owned());
        self
    }

    /// Users to create at start: each like a `POST /api/v1/users` body (`{"profile": {…},
    /// "credentials": …, "groupIds": …}`) or just a profile object, plus an optional
    /// `"status"` (default `ACTIVE`).
    #[must_use]
    pub fn seed_users(mut self, users: impl IntoIterator<Item = Value>) -> Self {
        self.seed_users.extend(users);
        self
    }

    /// Groups to create at start (after the users): `{"profile": {"name": …}}` or a profile
    /// object, plus an optional `"members"` array of user ids or logins.
    #[must_use]
    pub fn seed_groups(mut self, groups: impl IntoIterator<Item = Value>) -> Self {
        self.seed_groups.extend(groups);
        self
    }

    /// Creates `count` synthetic ACTIVE users `user{n}@example.com` (first name `First{n}`,
    /// last name `Last{n}`, employee number `E{n:07}`), fast enough for 100 000.
    #[must_use]
    pub fn generated_users(mut self, count: usize) -> Self {
        self.generated_users = count;
        self
    }

    /// Keeps an equality index on this profile property, so `search=profile.<name> eq "…"`
    /// (and `filter=`) is answered without a scan. `email` and `employeeNumber` are indexed
    /// by default; `login`, `id` and `status` always are.
    #[must_use]
    pub fn index_profile_attribute(mut self, name: impl Into<String>) -> Self {
        let name = name.into();
        if !self.indexed.contains(&name) {
            self.indexed.push(name);
        }
        self
    }

    /// How many requests [`OktaSimulator::requests`] keeps (the oldest go first); default
    /// 10 000.
    #[must_use]
    pub fn request_log_capacity(mut self, capacity: usize) -> Self {
        self.settings.log_capacity = capacity;
        self
    }

    /// Builds the org without serving it (see [`OktaSimulator::router`] and
    /// [`OktaSimulator::start`]).
    ///
    /// # Errors
    /// [`SimulatorError::Seed`] when a seeded user or group fails Okta's validation,
    /// [`SimulatorError::OAuthKey`] when a client's public key is unusable.
    pub fn build(self) -> Result<OktaSimulator, SimulatorError> {
        let now = Utc::now();
        let mut store = Store::new(self.indexed, now);
        for n in 1..=self.generated_users {
            store.seed_generated(n, now);
        }
        let seed_error = |kind, index, e: error::ApiError| SimulatorError::Seed {
            kind,
            index,
            message: std::iter::once(e.summary)
                .chain(e.causes)
                .collect::<Vec<_>>()
                .join("; "),
        };
        for (index, user) in self.seed_users.iter().enumerate() {
            store
                .seed_user(user, now)
                .map_err(|e| seed_error("user", index, e))?;
        }
        for (index, group) in self.seed_groups.iter().enumerate() {
            store
                .seed_group(group, now)
                .map_err(|e| seed_error("group", index, e))?;
        }
        let mut oauth_clients = HashMap::new();
        for (client_id, pem) in self.oauth_clients {
            let key =
                oauth::parse_public_key_pem(&pem).map_err(|message| SimulatorError::OAuthKey {
                    client_id: client_id.clone(),
                    message,
                })?;
            oauth_clients.insert(client_id, key);
        }
        let mut tokens = self.tokens;
        if tokens.is_empty() {
            tokens.push(format!("00{}", random_string(40)));
        }
        Ok(OktaSimulator {
            shared: Arc::new(Shared {
                store: Mutex::new(store),
                settings: Mutex::new(self.settings),
                tokens,
                oauth_clients,
                bearer: Mutex::new(HashMap::new()),
                faults: Mutex::new(VecDeque::new()),
                buckets: Mutex::new(HashMap::new()),
                log: Mutex::new(VecDeque::new()),
                in_flight: AtomicUsize::new(0),
            }),
        })
    }

    /// Builds the org and serves it on `127.0.0.1` at a free port.
    ///
    /// # Errors
    /// As [`SimulatorBuilder::build`], and [`SimulatorError::Bind`].
    pub async fn start(self) -> Result<RunningSimulator, SimulatorError> {
        self.build()?.start().await
    }

    /// Builds the org and serves it on `addr`.
    ///
    /// # Errors
    /// As [`SimulatorBuilder::start`].
    pub async fn start_on(self, addr: SocketAddr) -> Result<RunningSimulator, SimulatorError> {
        self.build()?.start_on(addr).await
    }
}

fn limits(default: usize, max: usize) -> Limits {
    let max = max.max(1);
    Limits {
        default: default.clamp(1, max),
        max,
    }
}

pub(crate) fn random_string(len: usize) -> String {
    std::iter::repeat_with(fastrand::alphanumeric)
        .take(len)
        .collect()
}

/// A simulated Okta org; clones share state (cheap).
///
/// ```
/// use okta_api::simulator::OktaSimulator;
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let okta = OktaSimulator::builder().api_token("t0k3n").build()?;
/// // Embed it in an existing axum app…
/// let app = axum::Router::new().merge(okta.router());
/// # drop(app);
/// // …or serve it on its own.
/// let running = okta.start().await?;
/// assert!(running.url().starts_with("http://127.0.0.1:"));
/// running.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct OktaSimulator {
    shared: Arc<Shared>,
}

impl OktaSimulator {
    /// A builder with Okta's defaults.
    pub fn builder() -> SimulatorBuilder {
        SimulatorBuilder::default()
    }

    /// An axum router answering `/api/v1/*` and `/oauth2/v1/token` (a JSON 404/405 for
    /// unknown paths and methods under them), to embed in another server. Without [`SimulatorBuilder::public_url`], links are built
    /// from the `Host` header. The host server adds its own `Date` header.
    pub fn router(&self) -> Router {
        server::app(Arc::clone(&self.shared), false)
    }

    /// Serves on `127.0.0.1` at a free port, in a spawned task.
    ///
    /// # Errors
    /// [`SimulatorError::Bind`] when binding fails.
    pub async fn start(&self) -> Result<RunningSimulator, SimulatorError> {
        self.start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
    }

    /// Serves on `addr`, in a spawned task.
    ///
    /// Without [`SimulatorBuilder::public_url`], links (`Link` headers, `_links`) use the
    /// bound address, except for a wildcard one (`0.0.0.0`, `::`), which no client can
    /// reach: then they are built from each request's `Host` header, and
    /// [`RunningSimulator::url`] names the loopback address.
    ///
    /// # Errors
    /// [`SimulatorError::Bind`] when binding fails.
    pub async fn start_on(&self, addr: SocketAddr) -> Result<RunningSimulator, SimulatorError> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let url = if addr.ip().is_unspecified() {
            let loopback: IpAddr = if addr.is_ipv4() {
                Ipv4Addr::LOCALHOST.into()
            } else {
                Ipv6Addr::LOCALHOST.into()
            };
            format!("http://{}", SocketAddr::new(loopback, addr.port()))
        } else {
            let url = format!("http://{addr}");
            lock(&self.shared.settings)
                .public_url
                .get_or_insert_with(|| url.clone());
            url
        };
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(server::serve(
            listener,
            server::app(Arc::clone(&self.shared), true),
            stopped,
        ));
        Ok(RunningSimulator {
            simulator: self.clone(),
            url,
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The first API token accepted (the generated one when none was configured).
    pub fn token(&self) -> &str {
        self.shared.tokens.first().map_or("", String::as_str)
    }

    /// Every request received so far (at most the log capacity, oldest first).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.log).iter().cloned().collect()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }

    fn base(&self) -> String {
        lock(&self.shared.settings)
            .public_url
            .clone()
            .unwrap_or_else(|| "http://localhost".into())
    }

    /// Every user (DEPROVISIONED included), as `GET /api/v1/users/{id}` renders them.
    pub fn users(&self) -> Vec<Value> {
        let base = self.base();
        let store = lock(&self.shared.store);
        store
            .users
            .values()
            .filter_map(|u| serde_json::to_value(store.user_json(u, &base)).ok())
            .collect()
    }

    /// The number of users (DEPROVISIONED included).
    pub fn user_count(&self) -> usize {
        lock(&self.shared.store).users.len()
    }

    /// A user by id or login (case-insensitive).
    pub fn user(&self, id_or_login: &str) -> Option<Value> {
        let base = self.base();
        let store = lock(&self.shared.store);
        let user = store.find_user_any(id_or_login)?;
        serde_json::to_value(store.user_json(user, &base)).ok()
    }

    /// Every group, `Everyone` included.
    pub fn groups(&self) -> Vec<Value> {
        let base = self.base();
        let store = lock(&self.shared.store);
        store
            .groups
            .values()
            .map(|g| store.group_json(g, &base))
            .collect()
    }

    /// The members of a group (by id or name, case-insensitive); empty when there is no such
    /// group.
    pub fn group_members(&self, id_or_name: &str) -> Vec<Value> {
        let base = self.base();
        let store = lock(&self.shared.store);
        let gid = store
            .groups
            .values()
            .find(|g| g.id == id_or_name || g.name().eq_ignore_ascii_case(id_or_name))
            .map(|g| g.id.clone());
        let Some(gid) = gid else {
            return Vec::new();
        };
        let Ok(listing) = store.group_members(&gid, None, usize::MAX - 1) else {
            return Vec::new();
        };
        listing
            .ids
            .iter()
            .filter_map(|id| store.users.get(id))
            .filter_map(|u| serde_json::to_value(store.user_json(u, &base)).ok())
            .collect()
    }

    /// Puts a user in `status` (`LOCKED_OUT`, `RECOVERY`, …) directly, as if Okta had done
    /// it (a lockout, a password reset), to test the transitions from there.
    ///
    /// # Errors
    /// [`SimulatorError::UnknownUser`] or [`SimulatorError::UnknownStatus`].
    pub fn set_user_status(&self, id_or_login: &str, status: &str) -> Result<(), SimulatorError> {
        let status = Status::parse(status)
            .ok_or_else(|| SimulatorError::UnknownStatus(status.to_owned()))?;
        let mut store = lock(&self.shared.store);
        let id = store
            .find_user_any(id_or_login)
            .map(|u| u.id.clone())
            .ok_or_else(|| SimulatorError::UnknownUser(id_or_login.to_owned()))?;
        store.set_status(&id, status, Utc::now());
        Ok(())
    }

    /// Queues a fault (one with `times == 0` does nothing).
    pub fn inject(&self, fault: Fault) {
        if fault.times > 0 {
            lock(&self.shared.faults).push_back((fault, 0));
        }
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Delays every response by `latency` from now on (`Duration::ZERO` to stop).
    pub fn set_latency(&self, latency: Duration) {
        lock(&self.shared.settings).latency = latency;
    }

    /// Starts every rate-limit window afresh.
    pub fn reset_rate_limits(&self) {
        lock(&self.shared.buckets).clear();
    }

    /// How many users the list endpoints have tested against a `filter=`, `search=` or `q=`
    /// so far: a test hook showing whether an index answered a query (an indexed equality
    /// tests only its hits, a scan tests every user).
    #[doc(hidden)]
    pub fn scanned_users(&self) -> u64 {
        lock(&self.shared.store).scanned()
    }
}

/// A served [`OktaSimulator`]; it dereferences to it. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningSimulator {
    simulator: OktaSimulator,
    url: String,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningSimulator {
    /// The org URL, `http://127.0.0.1:PORT` (what Okta calls `https://{yourOktaDomain}`);
    /// the loopback address when bound to a wildcard one.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The first API token accepted.
    pub fn token(&self) -> &str {
        self.simulator.token()
    }

    /// The simulator (state, inspection, faults).
    pub fn simulator(&self) -> &OktaSimulator {
        &self.simulator
    }

    /// Stops serving: no new connections; open ones are closed.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Deref for RunningSimulator {
    type Target = OktaSimulator;

    fn deref(&self) -> &OktaSimulator {
        &self.simulator
    }
}

impl Drop for RunningSimulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
