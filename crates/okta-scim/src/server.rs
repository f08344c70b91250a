//! The SCIM HTTP server: an axum [`Router`] over a [`ScimProvider`].
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use okta_scim::{InMemoryProvider, server::{Access, Credential, ScimServer}};
//!
//! let token = std::env::var("SCIM_TOKEN")?;
//! let server = ScimServer::builder(Arc::new(InMemoryProvider::new()))
//!     .base_path("/scim/v2")
//!     .credential(Credential::bearer(token.into(), Access::ReadWrite))
//!     .build()?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, server.router()).await?;
//! # Ok(()) }
//! ```
//!
//! Endpoints, relative to the base path: `/Users`, `/Users/{id}`, `/Users/.search`,
//! `/Groups`, `/Groups/{id}`, `/Groups/.search`, `/ServiceProviderConfig`, `/Schemas`,
//! `/Schemas/{urn}`, `/ResourceTypes`, `/ResourceTypes/{name}`. Everything else is a SCIM
//! `404`; a method an endpoint does not support is a SCIM `405`.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use subtle::ConstantTimeEq;
use tracing::Instrument;

use crate::canonical::{canonicalize, project};
use crate::error::{Result, ScimError};
use crate::filter::{AttrPath, Filter};
use crate::patch::PatchRequest;
use crate::provider::{Capabilities, ListQuery, ScimProvider, SortOrder};
use crate::resource::{Group, ListResponse, ResourceId, User};
use crate::schema::{
    Resolved, ResourceKind, ResourceSchema, Returned, SERVICE_PROVIDER_CONFIG_SCHEMA,
};

/// The media type of every response.
pub const SCIM_MEDIA_TYPE: &str = "application/scim+json";

/// What a credential may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Access {
    /// Reads and writes.
    ReadWrite,
    /// Reads only; writes are `403`.
    ReadOnly,
}

#[derive(Clone)]
enum Secret {
    Bearer(SecretString),
    Basic {
        username: String,
        password: SecretString,
    },
}

/// One accepted credential: a bearer token or a Basic user name and password.
///
/// ```
/// use okta_scim::server::{Access, Credential};
/// let c = Credential::basic("okta", "s3cr3t".into(), Access::ReadOnly);
/// assert!(!format!("{c:?}").contains("s3cr3t"));
/// ```
#[derive(Clone)]
pub struct Credential {
    secret: Secret,
    access: Access,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.secret {
            Secret::Bearer(_) => "Bearer [REDACTED]".to_owned(),
            Secret::Basic { username, .. } => format!("Basic {username}:[REDACTED]"),
        };
        f.debug_struct("Credential")
            .field("kind", &kind)
            .field("access", &self.access)
            .finish()
    }
}

impl Credential {
    /// `Authorization: Bearer <token>` (Okta's "HTTP Header" and "OAuth Bearer Token" apps).
    pub fn bearer(token: SecretString, access: Access) -> Self {
        Self {
            secret: Secret::Bearer(token),
            access,
        }
    }

    /// `Authorization: Basic <base64(user:password)>` (Okta's "Basic Auth" app).
    pub fn basic(username: impl Into<String>, password: SecretString, access: Access) -> Self {
        Self {
            secret: Secret::Basic {
                username: username.into(),
                password,
            },
            access,
        }
    }
}

/// A server configuration error, reported by [`ScimServerBuilder::build`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No credential was configured and anonymous access was not allowed explicitly.
    #[error("no credential configured: add one with .credential(...) or call .allow_anonymous()")]
    NoCredentials,
    /// A bearer token, user name or password is empty.
    #[error("credential {0} has an empty secret")]
    EmptySecret(usize),
    /// A bearer token or user name starts or ends with whitespace, or contains a
    /// character an `Authorization` header cannot carry (it could never match).
    #[error("credential {0} has leading/trailing whitespace or a control character")]
    UnusableSecret(usize),
    /// The base path is not of the form `/segment/segment` (Okta also refuses `_` in it).
    #[error(
        "base path {0:?} must start with '/' and must not end with '/' or contain '_', '?' or '#'"
    )]
    BasePath(String),
    /// The public URL is not an absolute http(s) URL.
    #[error("public URL {0:?} must start with http:// or https://")]
    PublicUrl(String),
    /// A limit is zero.
    #[error("{0} must be greater than zero")]
    ZeroLimit(&'static str),
}

/// Builder of a [`ScimServer`].
#[derive(Debug)]
pub struct ScimServerBuilder {
    provider: Arc<dyn ScimProvider>,
    base_path: String,
    credentials: Vec<Credential>,
    anonymous: bool,
    users: ResourceSchema,
    groups: ResourceSchema,
    max_body_bytes: usize,
    request_timeout: Duration,
    public_url: Option<String>,
}

impl ScimServerBuilder {
    /// Serves under this path, such as `/scim/v2` (the default). Use `""` for the root.
    #[must_use]
    pub fn base_path(mut self, path: impl Into<String>) -> Self {
        self.base_path = path.into();
        self
    }

    /// Accepts this credential; call once per credential.
    #[must_use]
    pub fn credential(mut self, credential: Credential) -> Self {
        self.credentials.push(credential);
        self
    }

    /// Serves without authentication (tests only; Okta always sends credentials).
    #[must_use]
    pub fn allow_anonymous(mut self) -> Self {
        self.anonymous = true;
        self
    }

    /// Uses this User resource schema, for example with a custom extension whose
    /// attributes Okta sends under their external namespace.
    #[must_use]
    pub fn user_schema(mut self, schema: ResourceSchema) -> Self {
        self.users = schema;
        self
    }

    /// Uses this Group resource schema, for example with an extension for group
    /// attributes.
    #[must_use]
    pub fn group_schema(mut self, schema: ResourceSchema) -> Self {
        self.groups = schema;
        self
    }

    /// Largest request body accepted (default 1 MiB); larger ones get `413`.
    #[must_use]
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }

    /// Time allowed for the provider to answer (default 30 s; Okta gives up at 60 s);
    /// slower requests get `503` with `Retry-After`.
    #[must_use]
    pub fn request_timeout(mut self, t: Duration) -> Self {
        self.request_timeout = t;
        self
    }

    /// The externally visible URL of the base path (`https://hr.example.com/scim/v2`),
    /// used in `Location` and `meta.location`. Without it the server uses
    /// `http://<Host header><base path>`.
    #[must_use]
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// Checks the configuration and builds the server.
    ///
    /// # Errors
    /// [`ConfigError`] naming the setting that is wrong.
    pub fn build(self) -> std::result::Result<ScimServer, ConfigError> {
        let base = self.base_path.trim().to_owned();
        if !base.is_empty()
            && (!base.starts_with('/')
                || base.ends_with('/')
                || base.contains(['_', '?', '#', ' ']))
        {
            return Err(ConfigError::BasePath(base));
        }
        if self.credentials.is_empty() && !self.anonymous {
            return Err(ConfigError::NoCredentials);
        }
        for (i, c) in self.credentials.iter().enumerate() {
            let empty = match &c.secret {
                Secret::Bearer(t) => t.expose_secret().is_empty(),
                Secret::Basic { username, password } => {
                    username.is_empty() || password.expose_secret().is_empty()
                }
            };
            if empty {
                return Err(ConfigError::EmptySecret(i));
            }
            let unusable = |t: &str| t.trim() != t || t.chars().any(char::is_control);
            let bad = match &c.secret {
                Secret::Bearer(t) => unusable(t.expose_secret()),
                Secret::Basic { username, .. } => unusable(username) || username.contains(':'),
            };
            if bad {
                return Err(ConfigError::UnusableSecret(i));
            }
        }
        if let Some(u) = &self.public_url
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            return Err(ConfigError::PublicUrl(u.clone()));
        }
        if self.max_body_bytes == 0 {
            return Err(ConfigError::ZeroLimit("max_body_bytes"));
        }
        if self.request_timeout.is_zero() {
            return Err(ConfigError::ZeroLimit("request_timeout"));
        }
        let caps = self.provider.capabilities();
        let users_need_projection = needs_projection(&self.users);
        let groups_need_projection = needs_projection(&self.groups);
        Ok(ScimServer {
            inner: Arc::new(Inner {
                provider: self.provider,
                base_path: base,
                credentials: self.credentials,
                users: self.users,
                groups: self.groups,
                max_body_bytes: self.max_body_bytes,
                request_timeout: self.request_timeout,
                public_url: self.public_url.map(|u| u.trim_end_matches('/').to_owned()),
                caps,
                users_need_projection,
                groups_need_projection,
            }),
        })
    }
}

#[derive(Debug)]
struct Inner {
    provider: Arc<dyn ScimProvider>,
    base_path: String,
    credentials: Vec<Credential>,
    users: ResourceSchema,
    groups: ResourceSchema,
    max_body_bytes: usize,
    request_timeout: Duration,
    public_url: Option<String>,
    caps: Capabilities,
    users_need_projection: bool,
    groups_need_projection: bool,
}

/// Whether a resource as `to_json` emits it could carry a `returned: never` or `request`
/// attribute: any declared extension attribute so marked, or a core one other than the
/// write-only `password` (which `to_json` never emits).
fn needs_projection(schema: &ResourceSchema) -> bool {
    fn marked(a: &crate::schema::Attribute) -> bool {
        matches!(a.returned(), Returned::Never | Returned::Request)
            || a.sub_attributes().iter().any(marked)
    }
    schema
        .core()
        .attributes()
        .iter()
        .filter(|a| a.name() != "password")
        .any(marked)
        || schema
            .extensions()
            .iter()
            .any(|e| e.schema.attributes().iter().any(marked))
}

/// A configured SCIM server; turn it into an axum [`Router`] with [`ScimServer::router`].
#[derive(Debug, Clone)]
pub struct ScimServer {
    inner: Arc<Inner>,
}

impl ScimServer {
    /// Starts a builder over this provider.
    pub fn builder(provider: Arc<dyn ScimProvider>) -> ScimServerBuilder {
        ScimServerBuilder {
            provider,
            base_path: "/scim/v2".into(),
            credentials: Vec::new(),
            anonymous: false,
            users: ResourceSchema::user(),
            groups: ResourceSchema::group(),
            max_body_bytes: 1 << 20,
            request_timeout: Duration::from_secs(30),
            public_url: None,
        }
    }

    /// The router; mount it at the root of your app (it matches the base path itself).
    pub fn router(&self) -> Router {
        Router::new()
            .fallback(handle)
            .with_state(self.inner.clone())
    }
}

/// What the request asks for, once the path is split.
#[derive(Debug, Clone, PartialEq)]
enum Endpoint {
    Resources(ResourceKind),
    Search(ResourceKind),
    RootSearch,
    Resource(ResourceKind, ResourceId),
    ServiceProviderConfig,
    Schemas,
    Schema(String),
    ResourceTypes,
    ResourceType(String),
    Unsupported(&'static str),
}

fn route(path: &str) -> Option<Endpoint> {
    let rest = path.trim_end_matches('/');
    let mut parts = rest.trim_start_matches('/').splitn(2, '/');
    let first = parts.next().unwrap_or("");
    let second = parts.next();
    let kind = match first {
        "Users" => Some(ResourceKind::User),
        "Groups" => Some(ResourceKind::Group),
        _ => None,
    };
    Some(match (first, kind, second) {
        (_, Some(k), None) => Endpoint::Resources(k),
        (_, Some(k), Some(".search")) => Endpoint::Search(k),
        (_, Some(k), Some(id)) if !id.is_empty() && !id.contains('/') => {
            Endpoint::Resource(k, ResourceId::new(percent_decode(id)))
        }
        ("ServiceProviderConfig", _, None) => Endpoint::ServiceProviderConfig,
        ("Schemas", _, None) => Endpoint::Schemas,
        ("Schemas", _, Some(id)) => Endpoint::Schema(percent_decode(id)),
        ("ResourceTypes", _, None) => Endpoint::ResourceTypes,
        ("ResourceTypes", _, Some(id)) => Endpoint::ResourceType(percent_decode(id)),
        ("Me", _, _) => Endpoint::Unsupported("/Me"),
        ("Bulk", _, None) => Endpoint::Unsupported("/Bulk"),
        (".search", _, None) => Endpoint::RootSearch,
        _ => return None,
    })
}

fn percent_decode(s: &str) -> String {
    form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_owned())
}

/// A response under construction.
#[derive(Debug)]
struct Reply {
    status: StatusCode,
    /// The serialized JSON body.
    body: Option<Vec<u8>>,
    headers: Vec<(HeaderName, String)>,
}

impl Reply {
    fn json(status: StatusCode, body: Value) -> Self {
        Self::serialized(status, &body)
    }

    fn serialized(status: StatusCode, body: &impl serde::Serialize) -> Self {
        Self {
            status,
            body: Some(serde_json::to_vec(body).unwrap_or_default()),
            headers: Vec::new(),
        }
    }

    fn with(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

fn error_reply(e: &ScimError, inner: &Inner) -> Reply {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r = Reply::json(status, e.to_json());
    if status == StatusCode::UNAUTHORIZED {
        let bearer = inner
            .credentials
            .iter()
            .any(|c| matches!(c.secret, Secret::Bearer(_)));
        let basic = inner
            .credentials
            .iter()
            .any(|c| matches!(c.secret, Secret::Basic { .. }));
        if bearer || !basic {
            r = r.with(header::WWW_AUTHENTICATE, "Bearer realm=\"SCIM\"");
        }
        if basic {
            r = r.with(
                header::WWW_AUTHENTICATE,
                "Basic realm=\"SCIM\", charset=\"UTF-8\"",
            );
        }
    }
    if let Some(d) = e.retry_after() {
        let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
        r = r.with(header::RETRY_AFTER, secs.max(1).to_string());
    }
    r
}

fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{:016x}", fastrand::u64(..)))
}

async fn handle(State(inner): State<Arc<Inner>>, request: Request) -> Response {
    let id = request_id(request.headers());
    let method = request.method().clone();
    let head = method == Method::HEAD;
    let path = request.uri().path().to_owned();
    let span = tracing::info_span!("scim", request_id = %id, %method, path = %path);
    let started = Instant::now();
    let reply = async {
        let reply = match dispatch(&inner, request).await {
            Ok(r) => r,
            Err(e) => {
                if e.status() >= 500 {
                    tracing::warn!(status = e.status(), detail = e.detail(), "request failed");
                }
                error_reply(&e, &inner)
            }
        };
        tracing::info!(
            status = reply.status.as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "scim request"
        );
        reply
    }
    .instrument(span)
    .await;
    let mut response = match reply.body {
        Some(bytes) => {
            let mut r = if head {
                reply.status.into_response()
            } else {
                (reply.status, bytes).into_response()
            };
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(SCIM_MEDIA_TYPE),
            );
            r
        }
        None => reply.status.into_response(),
    };
    for (name, value) in reply.headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            response.headers_mut().append(name, v);
        }
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}

/// Compares a configured secret with what the client sent, in time that depends only on
/// the length of what was sent: it neither stops at the first differing byte nor reveals
/// the configured secret's length (`subtle`'s slice comparison returns early on a length
/// mismatch).
fn secret_matches(secret: &[u8], given: &[u8]) -> bool {
    let mut same = (secret.len() as u64).ct_eq(&(given.len() as u64));
    for (i, g) in given.iter().enumerate() {
        let s = match secret.len() {
            0 => 0,
            n => secret[i % n],
        };
        same &= s.ct_eq(g);
    }
    bool::from(same)
}

fn authenticate(inner: &Inner, headers: &HeaderMap) -> Result<Access> {
    if inner.credentials.is_empty() {
        return Ok(Access::ReadWrite);
    }
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Err(ScimError::unauthorized("authentication required"));
    };
    let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value, ""));
    let rest = rest.trim();
    let mut granted: Option<Access> = None;
    if scheme.eq_ignore_ascii_case("bearer") {
        for c in &inner.credentials {
            if let Secret::Bearer(token) = &c.secret {
                // Every credential is compared, in constant time per comparison.
                if secret_matches(token.expose_secret().as_bytes(), rest.as_bytes())
                    && granted.is_none()
                {
                    granted = Some(c.access);
                }
            }
        }
    } else if scheme.eq_ignore_ascii_case("basic") {
        // Padded (RFC 7617) or not: some clients strip the `=`.
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(rest))
            .unwrap_or_default();
        let (user, pass) = match decoded.iter().position(|&b| b == b':') {
            Some(i) => (&decoded[..i], &decoded[i + 1..]),
            None => (&decoded[..], &[][..]),
        };
        for c in &inner.credentials {
            if let Secret::Basic { username, password } = &c.secret {
                let user_ok = secret_matches(username.as_bytes(), user);
                let pass_ok = secret_matches(password.expose_secret().as_bytes(), pass);
                if user_ok & pass_ok && granted.is_none() {
                    granted = Some(c.access);
                }
            }
        }
    }
    granted.ok_or_else(|| ScimError::unauthorized("invalid credentials"))
}

fn base_url(inner: &Inner, request: &Request) -> String {
    if let Some(u) = &inner.public_url {
        return u.clone();
    }
    // HTTP/1.1 sends `Host`; HTTP/2 carries the authority in the request URI instead.
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()))
        .unwrap_or("localhost");
    format!("http://{host}{}", inner.base_path)
}

async fn dispatch(inner: &Arc<Inner>, request: Request) -> Result<Reply> {
    let path = request.uri().path().to_owned();
    let path = path.as_str();
    let Some(rest) = path
        .strip_prefix(inner.base_path.as_str())
        .filter(|r| r.is_empty() || r.starts_with('/'))
    else {
        return Err(ScimError::not_found(format!("no SCIM endpoint at {path}")));
    };
    let endpoint =
        route(rest).ok_or_else(|| ScimError::not_found(format!("no SCIM endpoint at {path}")))?;
    let access = authenticate(inner, request.headers())?;
    // HEAD is answered as GET; `handle` drops the body (RFC 9110 §9.3.2).
    let method = match request.method() {
        &Method::HEAD => Method::GET,
        m => m.clone(),
    };
    let writes =
        method != Method::GET && !matches!(endpoint, Endpoint::Search(_) | Endpoint::RootSearch);
    let discovery = matches!(
        endpoint,
        Endpoint::ServiceProviderConfig
            | Endpoint::Schemas
            | Endpoint::Schema(_)
            | Endpoint::ResourceTypes
            | Endpoint::ResourceType(_)
    );
    if writes && !discovery && access == Access::ReadOnly {
        return Err(ScimError::forbidden("these credentials are read-only"));
    }
    let ctx = Ctx {
        base: base_url(inner, &request),
        query: request.uri().query().map(str::to_owned),
        if_match: request
            .headers()
            .get(header::IF_MATCH)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        if_none_match: request
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    if matches!(endpoint, Endpoint::Resources(_) | Endpoint::Resource(..)) {
        // Refuse bad `attributes`, `count`… before a write happens, not after it.
        ListParams::from_query(ctx.query.as_deref())?;
    }
    let not_allowed = || {
        Ok(error_reply(
            &ScimError::method_not_allowed(format!("{method} is not allowed on {path}")),
            inner,
        )
        .with(header::ALLOW, allowed_methods(&endpoint)))
    };
    let work = async {
        match (&endpoint, &method) {
            (Endpoint::Unsupported(what), _) => Err(ScimError::not_implemented(format!(
                "{what} is not supported"
            ))),
            (Endpoint::ServiceProviderConfig, &Method::GET) => Ok(Reply::json(
                StatusCode::OK,
                inner.service_provider_config(&ctx.base),
            )),
            (Endpoint::Schemas, &Method::GET) => Ok(inner.schemas(&ctx)),
            (Endpoint::Schema(id), &Method::GET) => inner.schema(id, &ctx.base),
            (Endpoint::ResourceTypes, &Method::GET) => Ok(inner.resource_types(&ctx)),
            (Endpoint::ResourceType(id), &Method::GET) => inner.resource_type(id, &ctx.base),
            (_, _) if discovery => not_allowed(),
            (Endpoint::Resources(kind), &Method::GET) => {
                let params = ListParams::from_query(ctx.query.as_deref())?;
                inner.list(*kind, params, &ctx).await
            }
            (Endpoint::Search(kind), &Method::POST) => {
                let body = read_json(inner, request).await?;
                let params = ListParams::from_search(&body)?;
                inner.list(*kind, params, &ctx).await
            }
            (Endpoint::RootSearch, &Method::POST) => {
                let body = read_json(inner, request).await?;
                let params = ListParams::from_search(&body)?;
                inner.search_all(params, &ctx).await
            }
            (Endpoint::Resources(kind), &Method::POST) => {
                let body = read_json(inner, request).await?;
                inner.create(*kind, body, &ctx).await
            }
            (Endpoint::Resource(kind, id), &Method::GET) => inner.get(*kind, id, &ctx).await,
            (Endpoint::Resource(kind, id), &Method::PUT) => {
                let body = read_json(inner, request).await?;
                inner.replace(*kind, id, body, &ctx).await
            }
            (Endpoint::Resource(kind, id), &Method::PATCH) => {
                let body = read_json(inner, request).await?;
                inner.patch(*kind, id, &body, &ctx).await
            }
            (Endpoint::Resource(kind, id), &Method::DELETE) => inner.delete(*kind, id, &ctx).await,
            _ => not_allowed(),
        }
    };
    match tokio::time::timeout(inner.request_timeout, work).await {
        Ok(r) => r,
        Err(_) => Err(ScimError::unavailable(
            Some(Duration::from_secs(5)),
            format!(
                "the request took longer than {} s",
                inner.request_timeout.as_secs_f32()
            ),
        )),
    }
}

async fn read_json(inner: &Inner, request: Request) -> Result<Value> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !content_type.is_empty()
        && !essence.eq_ignore_ascii_case(SCIM_MEDIA_TYPE)
        && !essence.eq_ignore_ascii_case("application/json")
    {
        return Err(ScimError::new(
            415,
            None,
            format!(
                "Content-Type {essence:?} is not supported; send application/scim+json or application/json"
            ),
        ));
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let limit = inner.max_body_bytes;
    if declared.is_some_and(|n| n > limit) {
        return Err(ScimError::payload_too_large(format!(
            "the request body exceeds {limit} bytes"
        )));
    }
    let bytes = to_bytes(request.into_body(), limit).await.map_err(|_| {
        ScimError::payload_too_large(format!("the request body exceeds {limit} bytes"))
    })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ScimError::invalid_syntax(format!("the body is not valid JSON: {e}")))
}

/// Per-request values the handlers need.
#[derive(Debug)]
struct Ctx {
    base: String,
    query: Option<String>,
    if_match: Option<String>,
    if_none_match: Option<String>,
}

/// Parsed list parameters.
#[derive(Debug, Default)]
struct ListParams {
    filter: Option<String>,
    start_index: Option<i64>,
    count: Option<i64>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    attributes: Vec<AttrPath>,
    excluded: Vec<AttrPath>,
}

/// An integer query parameter; digits beyond the `i64` range saturate (a `startIndex`
/// past any total is an empty page, a huge `count` is the maximum page), anything that
/// is not an integer is `400 invalidValue`.
fn parse_int(name: &str, v: &str) -> Result<i64> {
    let t = v.trim();
    t.parse::<i64>().or_else(|_| {
        let (negative, digits) = match t.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(if negative { i64::MIN } else { i64::MAX })
        } else {
            Err(ScimError::invalid_value(format!(
                "{name} must be an integer, got {v:?}"
            )))
        }
    })
}

/// An integer member of a search request, saturating like [`parse_int`]: JSON numbers
/// past `i64` arrive as `u64` or as integral floats.
fn json_int(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| {
        v.as_f64()
            .filter(|f| f.is_finite() && f.fract() == 0.0)
            // `as` saturates at the i64 bounds.
            .map(|f| f as i64)
    })
}

fn parse_paths(name: &str, v: &str) -> Result<Vec<AttrPath>> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            AttrPath::parse(s)
                .map_err(|e| ScimError::invalid_value(format!("{name}: {}", e.detail())))
        })
        .collect()
}

impl ListParams {
    fn from_query(raw: Option<&str>) -> Result<Self> {
        let mut p = Self::default();
        // Okta sends %20 and %22, older captures +; form decoding handles both.
        for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            let v = v.as_ref();
            match k.to_ascii_lowercase().as_str() {
                "filter" => p.filter = Some(v.to_owned()),
                "startindex" => p.start_index = Some(parse_int("startIndex", v)?),
                "count" => p.count = Some(parse_int("count", v)?),
                "sortby" => p.sort_by = Some(v.to_owned()),
                "sortorder" => p.sort_order = Some(v.to_owned()),
                "attributes" => p.attributes.extend(parse_paths("attributes", v)?),
                "excludedattributes" => p.excluded.extend(parse_paths("excludedAttributes", v)?),
                _ => {}
            }
        }
        Ok(p)
    }

    fn from_search(body: &Value) -> Result<Self> {
        let Some(map) = body.as_object() else {
            return Err(ScimError::invalid_syntax(
                "a search request must be a JSON object",
            ));
        };
        let mut p = Self::default();
        for (k, v) in map {
            let text = |name: &str| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| ScimError::invalid_value(format!("{name} must be a string")))
            };
            let int = |name: &str| {
                json_int(v)
                    .ok_or_else(|| ScimError::invalid_value(format!("{name} must be an integer")))
            };
            let paths = |name: &str| -> Result<Vec<AttrPath>> {
                match v {
                    Value::Array(items) => items
                        .iter()
                        .map(|i| {
                            i.as_str().ok_or_else(|| {
                                ScimError::invalid_value(format!("{name} must list strings"))
                            })
                        })
                        .map(|s| s.and_then(|s| parse_paths(name, s)))
                        .collect::<Result<Vec<_>>>()
                        .map(|v| v.into_iter().flatten().collect()),
                    Value::String(s) => parse_paths(name, s),
                    _ => Err(ScimError::invalid_value(format!(
                        "{name} must be an array of strings"
                    ))),
                }
            };
            match k.to_ascii_lowercase().as_str() {
                "filter" => p.filter = Some(text("filter")?),
                "startindex" => p.start_index = Some(int("startIndex")?),
                "count" => p.count = Some(int("count")?),
                "sortby" => p.sort_by = Some(text("sortBy")?),
                "sortorder" => p.sort_order = Some(text("sortOrder")?),
                "attributes" => p.attributes = paths("attributes")?,
                "excludedattributes" => p.excluded = paths("excludedAttributes")?,
                _ => {}
            }
        }
        Ok(p)
    }

    fn to_query(&self, schema: &ResourceSchema) -> Result<ListQuery> {
        let mut q = ListQuery::new();
        if let Some(f) = self.filter.as_deref() {
            let filter = Filter::parse(f)?;
            filter.validate(schema)?;
            q.filter = Some(filter);
        }
        // RFC 7644 §3.4.2.4: startIndex below 1 is 1; a negative count is 0.
        q.start_index = u64::try_from(self.start_index.unwrap_or(1).max(1)).unwrap_or(1);
        q.count = self.count.map(|c| u64::try_from(c.max(0)).unwrap_or(0));
        if let Some(s) = self.sort_by.as_deref() {
            let path = AttrPath::parse(s)
                .map_err(|e| ScimError::invalid_value(format!("sortBy: {}", e.detail())))?;
            match schema.resolve(path.urn.as_deref(), &path.name, path.sub_attr.as_deref()) {
                Some(Resolved::Known { attribute, .. })
                    if !matches!(attribute.returned(), Returned::Never)
                        && attribute.mutability() != crate::schema::Mutability::WriteOnly => {}
                Some(Resolved::UndeclaredExtension)
                    if path.urn.as_deref().is_some_and(crate::canonical::is_urn) => {}
                Some(Resolved::Known { .. }) => {
                    return Err(ScimError::invalid_value(format!(
                        "sortBy: {s:?} is never returned, so it cannot be sorted on"
                    )));
                }
                _ => {
                    return Err(ScimError::invalid_value(format!(
                        "sortBy: unknown attribute {s:?}"
                    )));
                }
            }
            q.sort_by = Some(path);
        }
        q.sort_order = match self
            .sort_order
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("ascending") => SortOrder::Ascending,
            Some("descending") => SortOrder::Descending,
            Some(other) => {
                return Err(ScimError::invalid_value(format!(
                    "sortOrder must be \"ascending\" or \"descending\", got {other:?}"
                )));
            }
        };
        Ok(q)
    }
}

fn etag_of(resource: &Value) -> Option<String> {
    resource
        .get("meta")
        .and_then(|m| m.get("version"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Whether an `If-Match`/`If-None-Match` value (`*` or a comma-separated list of entity
/// tags) matches `current`, by the weak comparison (RFC 7232 §2.3.2): `W/"3"` and `"3"`
/// are the same version. SCIM versions are weak tags, so a strong comparison would never
/// match.
fn tag_matches(header: &str, current: &str) -> bool {
    fn opaque(tag: &str) -> &str {
        let tag = tag.trim();
        tag.strip_prefix("W/").unwrap_or(tag)
    }
    header
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .any(|t| t == "*" || opaque(t) == opaque(current))
}

/// The methods an endpoint answers, for the `Allow` header of a `405`.
fn allowed_methods(endpoint: &Endpoint) -> &'static str {
    match endpoint {
        Endpoint::Resources(_) => "GET, HEAD, POST",
        Endpoint::Search(_) | Endpoint::RootSearch => "POST",
        Endpoint::Resource(..) => "GET, HEAD, PUT, PATCH, DELETE",
        Endpoint::ServiceProviderConfig
        | Endpoint::Schemas
        | Endpoint::Schema(_)
        | Endpoint::ResourceTypes
        | Endpoint::ResourceType(_)
        | Endpoint::Unsupported(_) => "GET, HEAD",
    }
}

impl Inner {
    fn schema_for(&self, kind: ResourceKind) -> &ResourceSchema {
        match kind {
            ResourceKind::User => &self.users,
            ResourceKind::Group => &self.groups,
        }
    }

    fn require_groups(&self, kind: ResourceKind) -> Result<()> {
        if kind == ResourceKind::Group && !self.caps.groups {
            return Err(ScimError::not_implemented(
                "this service provider does not serve groups",
            ));
        }
        Ok(())
    }

    fn require_writes(&self) -> Result<()> {
        if self.caps.writable {
            Ok(())
        } else {
            Err(ScimError::not_implemented(
                "this SCIM service provider is read-only",
            ))
        }
    }

    /// Resource JSON with `meta.location` filled in.
    fn output(&self, kind: ResourceKind, mut json: Value, base: &str) -> Value {
        let id = json.get("id").and_then(Value::as_str).map(str::to_owned);
        if let (Some(id), Some(map)) = (id, json.as_object_mut()) {
            let meta = map
                .entry("meta")
                .or_insert_with(|| json!({"resourceType": kind.as_str()}));
            if let Some(meta) = meta.as_object_mut() {
                meta.insert(
                    "location".into(),
                    format!("{base}{}/{id}", kind.endpoint()).into(),
                );
            }
        }
        json
    }

    async fn fetch(&self, kind: ResourceKind, id: &ResourceId) -> Result<Value> {
        Ok(match kind {
            ResourceKind::User => self.provider.get_user(id).await?.to_json(),
            ResourceKind::Group => self.provider.get_group(id).await?.to_json(),
        })
    }

    fn single(
        &self,
        kind: ResourceKind,
        status: StatusCode,
        json: Value,
        ctx: &Ctx,
    ) -> Result<Reply> {
        let params = ListParams::from_query(ctx.query.as_deref())?;
        let etag = if self.caps.etag { etag_of(&json) } else { None };
        let json = self.output(kind, json, &ctx.base);
        let location = json
            .get("meta")
            .and_then(|m| m.get("location"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let body = self.shape(kind, json, &params.attributes, &params.excluded);
        let mut reply = Reply::json(status, body);
        if let Some(tag) = etag {
            reply = reply.with(header::ETAG, tag);
        }
        if status == StatusCode::CREATED
            && let Some(l) = location
        {
            reply = reply.with(header::LOCATION, l);
        }
        Ok(reply)
    }

    /// One provider list call: the total and the page as JSON.
    async fn list_kind(&self, kind: ResourceKind, query: &ListQuery) -> Result<(u64, Vec<Value>)> {
        Ok(match kind {
            ResourceKind::User => {
                let page = self.provider.list_users(query).await?;
                (
                    page.total_results,
                    page.resources.iter().map(User::to_json).collect(),
                )
            }
            ResourceKind::Group if !self.caps.groups => (0, Vec::new()),
            ResourceKind::Group => {
                let page = self.provider.list_groups(query).await?;
                (
                    page.total_results,
                    page.resources.iter().map(Group::to_json).collect(),
                )
            }
        })
    }

    fn capped(&self, mut query: ListQuery) -> ListQuery {
        let max = self.caps.max_page_size;
        query.count = Some(query.count.unwrap_or(max).min(max));
        if !self.caps.sort {
            query.sort_by = None;
        }
        query
    }

    fn page_reply(&self, total: u64, start_index: u64, resources: Vec<Value>) -> Reply {
        Reply::serialized(
            StatusCode::OK,
            &ListResponse::new(total, start_index, resources),
        )
    }

    /// Applies `attributes`/`excludedAttributes` and the schema's `returned` rules. With
    /// neither parameter and no `never`/`request` attribute that `to_json` could emit, the
    /// resource goes out as it is (the common case, and the import hot path).
    fn shape(
        &self,
        kind: ResourceKind,
        json: Value,
        attributes: &[AttrPath],
        excluded: &[AttrPath],
    ) -> Value {
        let needs = match kind {
            ResourceKind::User => self.users_need_projection,
            ResourceKind::Group => self.groups_need_projection,
        };
        if attributes.is_empty() && excluded.is_empty() && !needs {
            json
        } else {
            project(&json, self.schema_for(kind), attributes, excluded)
        }
    }

    async fn list(&self, kind: ResourceKind, params: ListParams, ctx: &Ctx) -> Result<Reply> {
        let schema = self.schema_for(kind);
        let query = self.capped(params.to_query(schema)?);
        let (total, resources) = self.list_kind(kind, &query).await?;
        let count = usize::try_from(query.count.unwrap_or(0)).unwrap_or(usize::MAX);
        let resources: Vec<Value> = resources
            .into_iter()
            .take(count)
            .map(|r| {
                self.shape(
                    kind,
                    self.output(kind, r, &ctx.base),
                    &params.attributes,
                    &params.excluded,
                )
            })
            .collect();
        Ok(self.page_reply(total, query.start_index, resources))
    }

    /// `POST /.search` at the root (RFC 7644 §3.4.3): Users, then Groups, as one list.
    /// A filter naming an attribute one resource type lacks matches nothing of that type;
    /// a filter valid for no type is `400 invalidFilter`.
    async fn search_all(&self, params: ListParams, ctx: &Ctx) -> Result<Reply> {
        let mut kinds = vec![ResourceKind::User];
        if self.caps.groups {
            kinds.push(ResourceKind::Group);
        }
        let mut queries = Vec::new();
        let mut first_error = None;
        for kind in kinds {
            match params.to_query(self.schema_for(kind)) {
                Ok(q) => queries.push((kind, self.capped(q))),
                Err(e) => first_error = first_error.or(Some(e)),
            }
        }
        if queries.is_empty() {
            return Err(first_error
                .unwrap_or_else(|| ScimError::invalid_filter("no resource type matches")));
        }
        let start_index = queries.first().map_or(1, |(_, q)| q.start_index);
        let mut skip = start_index - 1;
        let mut room = queries.first().and_then(|(_, q)| q.count).unwrap_or(0);
        let mut total = 0;
        let mut out = Vec::new();
        for (kind, mut query) in queries {
            // Window of this type within the concatenation.
            query.start_index = skip + 1;
            query.count = Some(room);
            let (n, resources) = self.list_kind(kind, &query).await?;
            total += n;
            skip = skip.saturating_sub(n);
            for r in resources
                .into_iter()
                .take(usize::try_from(room).unwrap_or(usize::MAX))
            {
                out.push(self.shape(
                    kind,
                    self.output(kind, r, &ctx.base),
                    &params.attributes,
                    &params.excluded,
                ));
                room -= 1;
            }
        }
        Ok(self.page_reply(total, start_index, out))
    }

    /// The version a conditional write must still find: `None` without `If-Match` (or
    /// without ETag support); else the current version when the header (`*` or a list of
    /// tags) matches it, and `412` when it does not. The provider then checks that
    /// version atomically with the write.
    async fn expected_version(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        ctx: &Ctx,
    ) -> Result<Option<String>> {
        let Some(want) = ctx.if_match.as_deref().filter(|_| self.caps.etag) else {
            return Ok(None);
        };
        let current = etag_of(&self.fetch(kind, id).await?);
        match current {
            Some(have) if tag_matches(want, &have) => Ok(Some(have)),
            Some(have) => Err(ScimError::precondition_failed(format!(
                "resource changed: version is {have}, request expected {want}"
            ))),
            // A resource without a version cannot be compared; only `*` matches it.
            None if want.split(',').any(|t| t.trim() == "*") => Ok(None),
            None => Err(ScimError::precondition_failed(
                "the resource has no version to compare with If-Match",
            )),
        }
    }

    async fn get(&self, kind: ResourceKind, id: &ResourceId, ctx: &Ctx) -> Result<Reply> {
        self.require_groups(kind)?;
        let json = self.fetch(kind, id).await?;
        if self.caps.etag
            && let (Some(tag), Some(want)) = (etag_of(&json), ctx.if_none_match.as_deref())
            && tag_matches(want, &tag)
        {
            return Ok(Reply {
                status: StatusCode::NOT_MODIFIED,
                body: None,
                headers: vec![(header::ETAG, tag)],
            });
        }
        self.single(kind, StatusCode::OK, json, ctx)
    }

    async fn create(&self, kind: ResourceKind, body: Value, ctx: &Ctx) -> Result<Reply> {
        self.require_groups(kind)?;
        self.require_writes()?;
        let body = canonicalize(body, self.schema_for(kind))?;
        let json = match kind {
            ResourceKind::User => self
                .provider
                .create_user(User::from_json(body)?)
                .await?
                .to_json(),
            ResourceKind::Group => self
                .provider
                .create_group(Group::from_json(body)?)
                .await?
                .to_json(),
        };
        self.single(kind, StatusCode::CREATED, json, ctx)
    }

    async fn replace(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        body: Value,
        ctx: &Ctx,
    ) -> Result<Reply> {
        self.require_groups(kind)?;
        self.require_writes()?;
        let body = canonicalize(body, self.schema_for(kind))?;
        let expected = self.expected_version(kind, id, ctx).await?;
        let expected = expected.as_deref();
        let json = match kind {
            ResourceKind::User => {
                let mut user = User::from_json(body)?;
                if user.active.is_none() {
                    // Q-O10: a PUT without `active` keeps the current state, never suspends.
                    user.active = self.provider.get_user(id).await?.active;
                }
                self.provider
                    .replace_user(id, user, expected)
                    .await?
                    .to_json()
            }
            ResourceKind::Group => self
                .provider
                .replace_group(id, Group::from_json(body)?, expected)
                .await?
                .to_json(),
        };
        self.single(kind, StatusCode::OK, json, ctx)
    }

    async fn patch(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        body: &Value,
        ctx: &Ctx,
    ) -> Result<Reply> {
        self.require_groups(kind)?;
        self.require_writes()?;
        let request = PatchRequest::from_json(body)?;
        let schema = self.schema_for(kind);
        let client_version = ctx.if_match.as_deref().filter(|_| self.caps.etag);
        // Read, apply to a copy, write back with the version read; a concurrent change
        // makes the write fail with 412 and the whole PATCH is applied again.
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut json = self.fetch(kind, id).await?;
            let read_version = etag_of(&json);
            if let (Some(want), Some(have)) = (client_version, read_version.as_deref())
                && !tag_matches(want, have)
            {
                return Err(ScimError::precondition_failed(format!(
                    "resource changed: version is {have}, request expected {want}"
                )));
            }
            request.apply_to(&mut json, schema)?;
            let expected = if self.caps.etag {
                read_version.as_deref()
            } else {
                None
            };
            let result = match kind {
                ResourceKind::User => {
                    let user = User::from_json(json)?;
                    self.provider
                        .replace_user(id, user, expected)
                        .await
                        .map(|u| u.to_json())
                }
                ResourceKind::Group => {
                    let group = Group::from_json(json)?;
                    self.provider
                        .replace_group(id, group, expected)
                        .await
                        .map(|g| g.to_json())
                }
            };
            match result {
                Ok(json) => return self.single(kind, StatusCode::OK, json, ctx),
                Err(e) if e.status() == 412 && client_version.is_none() && attempt < 5 => continue,
                Err(e) => return Err(e),
            }
        }
    }

    async fn delete(&self, kind: ResourceKind, id: &ResourceId, ctx: &Ctx) -> Result<Reply> {
        self.require_groups(kind)?;
        self.require_writes()?;
        let expected = self.expected_version(kind, id, ctx).await?;
        let expected = expected.as_deref();
        match kind {
            ResourceKind::User => self.provider.delete_user(id, expected).await?,
            ResourceKind::Group => self.provider.delete_group(id, expected).await?,
        }
        Ok(Reply {
            status: StatusCode::NO_CONTENT,
            body: None,
            headers: Vec::new(),
        })
    }

    fn service_provider_config(&self, base: &str) -> Value {
        let mut schemes = Vec::new();
        if self
            .credentials
            .iter()
            .any(|c| matches!(c.secret, Secret::Bearer(_)))
        {
            schemes.push(json!({
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "Authorization: Bearer <token>",
                "specUri": "https://www.rfc-editor.org/rfc/rfc6750",
            }));
        }
        if self
            .credentials
            .iter()
            .any(|c| matches!(c.secret, Secret::Basic { .. }))
        {
            schemes.push(json!({
                "type": "httpbasic",
                "name": "HTTP Basic",
                "description": "Authorization: Basic <base64(user:password)>",
                "specUri": "https://www.rfc-editor.org/rfc/rfc7617",
            }));
        }
        json!({
            "schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA],
            "documentationUri": "https://github.com/hrsync/hrsync/tree/main/crates/okta-scim",
            "patch": {"supported": self.caps.writable},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": self.caps.max_page_size},
            "changePassword": {"supported": false},
            "sort": {"supported": self.caps.sort},
            "etag": {"supported": self.caps.etag},
            "authenticationSchemes": schemes,
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": format!("{base}/ServiceProviderConfig"),
            },
        })
    }

    fn all_schemas(&self) -> Vec<&crate::schema::Schema> {
        let mut out: Vec<&crate::schema::Schema> = vec![self.users.core()];
        out.extend(self.users.extensions().iter().map(|e| e.schema.as_ref()));
        if self.caps.groups {
            out.push(self.groups.core());
            out.extend(self.groups.extensions().iter().map(|e| e.schema.as_ref()));
        }
        out
    }

    fn schemas(&self, ctx: &Ctx) -> Reply {
        let all: Vec<Value> = self
            .all_schemas()
            .into_iter()
            .map(|s| s.to_resource(&ctx.base))
            .collect();
        let page = ListResponse::new(all.len() as u64, 1, all);
        Reply::json(
            StatusCode::OK,
            serde_json::to_value(&page).unwrap_or(Value::Null),
        )
    }

    fn schema(&self, id: &str, base: &str) -> Result<Reply> {
        self.all_schemas()
            .into_iter()
            .find(|s| s.id().eq_ignore_ascii_case(id))
            .map(|s| Reply::json(StatusCode::OK, s.to_resource(base)))
            .ok_or_else(|| ScimError::not_found(format!("schema {id} not found")))
    }

    fn resource_type_list(&self) -> Vec<&ResourceSchema> {
        let mut v = vec![&self.users];
        if self.caps.groups {
            v.push(&self.groups);
        }
        v
    }

    fn resource_types(&self, ctx: &Ctx) -> Reply {
        let all: Vec<Value> = self
            .resource_type_list()
            .into_iter()
            .map(|r| r.to_resource_type(&ctx.base))
            .collect();
        let page = ListResponse::new(all.len() as u64, 1, all);
        Reply::json(
            StatusCode::OK,
            serde_json::to_value(&page).unwrap_or(Value::Null),
        )
    }

    fn resource_type(&self, id: &str, base: &str) -> Result<Reply> {
        self.resource_type_list()
            .into_iter()
            .find(|r| r.kind().as_str().eq_ignore_ascii_case(id))
            .map(|r| Reply::json(StatusCode::OK, r.to_resource_type(base)))
            .ok_or_else(|| ScimError::not_found(format!("resource type {id} not found")))
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut r = (
            status,
            serde_json::to_vec(&self.to_json()).unwrap_or_default(),
        )
            .into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(SCIM_MEDIA_TYPE),
        );
        r
    }
}

/// Keeps [`Body`] in the public dependency graph documented: the router accepts any
/// axum body.
#[doc(hidden)]
pub type RouterBody = Body;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_endpoints_and_rejects_unknown_paths() {
        assert_eq!(
            route("/Users"),
            Some(Endpoint::Resources(ResourceKind::User))
        );
        assert_eq!(
            route("/Users/"),
            Some(Endpoint::Resources(ResourceKind::User))
        );
        assert_eq!(
            route("/Groups/.search"),
            Some(Endpoint::Search(ResourceKind::Group))
        );
        assert_eq!(
            route("/Users/a%20b"),
            Some(Endpoint::Resource(
                ResourceKind::User,
                ResourceId::new("a b")
            ))
        );
        assert_eq!(route("/Users/a/b"), None);
        assert_eq!(route("/Nope"), None);
        assert_eq!(route(""), None);
        assert!(matches!(
            route("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"),
            Some(Endpoint::Schema(_))
        ));
    }

    #[test]
    fn builder_refuses_unsafe_configurations() {
        let p: Arc<dyn ScimProvider> = Arc::new(crate::InMemoryProvider::new());
        assert_eq!(
            ScimServer::builder(p.clone()).build().err(),
            Some(ConfigError::NoCredentials)
        );
        assert!(matches!(
            ScimServer::builder(p.clone())
                .allow_anonymous()
                .base_path("/scim_v2")
                .build(),
            Err(ConfigError::BasePath(_))
        ));
        assert_eq!(
            ScimServer::builder(p.clone())
                .credential(Credential::bearer("".into(), Access::ReadWrite))
                .build()
                .err(),
            Some(ConfigError::EmptySecret(0))
        );
        assert_eq!(
            ScimServer::builder(p.clone())
                .credential(Credential::bearer(" tok ".into(), Access::ReadWrite))
                .build()
                .err(),
            Some(ConfigError::UnusableSecret(0))
        );
        assert_eq!(
            ScimServer::builder(p.clone())
                .credential(Credential::basic("a:b", "pw".into(), Access::ReadWrite))
                .build()
                .err(),
            Some(ConfigError::UnusableSecret(0))
        );
        assert!(
            ScimServer::builder(p)
                .allow_anonymous()
                .base_path("")
                .build()
                .is_ok()
        );
    }

    #[test]
    fn default_schemas_skip_projection_but_hidden_extension_attributes_force_it() {
        use crate::schema::{Attribute, AttributeType, Schema};
        assert!(!needs_projection(&ResourceSchema::user()));
        assert!(!needs_projection(&ResourceSchema::group()));
        let ext = Schema::new("urn:example:hr:1.0:User", "HR").with_attribute(
            Attribute::new("pin", AttributeType::String).with_returned(Returned::Never),
        );
        assert!(needs_projection(
            &ResourceSchema::user().with_extension(ext, false)
        ));
    }

    #[test]
    fn base_url_uses_the_uri_authority_when_http2_sends_no_host_header() {
        let p: Arc<dyn ScimProvider> = Arc::new(crate::InMemoryProvider::new());
        let server = ScimServer::builder(p).allow_anonymous().build().unwrap();
        let h2 = Request::builder()
            .uri("https://hr.example.com/scim/v2/Users")
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            base_url(&server.inner, &h2),
            "http://hr.example.com/scim/v2"
        );
        let h1 = Request::builder()
            .uri("/scim/v2/Users")
            .header(header::HOST, "okta.test:8080")
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            base_url(&server.inner, &h1),
            "http://okta.test:8080/scim/v2"
        );
    }

    #[test]
    fn entity_tags_compare_weakly_in_lists() {
        assert!(tag_matches("W/\"3\"", "W/\"3\""));
        assert!(tag_matches("\"3\"", "W/\"3\""));
        assert!(tag_matches(" W/\"1\" ,W/\"3\" ", "W/\"3\""));
        assert!(tag_matches("*", "W/\"3\""));
        assert!(!tag_matches("W/\"1\", W/\"2\"", "W/\"3\""));
        assert!(!tag_matches("", "W/\"3\""));
        assert!(!tag_matches("W/\"33\"", "W/\"3\""));
    }

    #[test]
    fn secrets_compare_equal_only_when_identical() {
        assert!(secret_matches(b"s3cr3t", b"s3cr3t"));
        assert!(!secret_matches(b"s3cr3t", b"s3cr3"));
        assert!(!secret_matches(b"s3cr3t", b"s3cr3t3"));
        assert!(!secret_matches(b"s3cr3t", b"s3cr3T"));
        // A prefix repeated to the secret's length is not the secret.
        assert!(!secret_matches(b"abab", b"ab"));
        assert!(!secret_matches(b"", b"x"));
    }

    #[test]
    fn list_params_follow_rfc_paging_rules() {
        let p = ListParams::from_query(Some("startIndex=-4&count=-1&filter=userName+eq+%22a%22"))
            .unwrap();
        assert_eq!(p.filter.as_deref(), Some("userName eq \"a\""));
        let q = ListParams { filter: None, ..p }
            .to_query(&ResourceSchema::user())
            .unwrap();
        assert_eq!((q.start_index, q.count), (1, Some(0)));
        assert_eq!(
            ListParams::from_query(Some("count=ten"))
                .unwrap_err()
                .status(),
            400
        );
        assert_eq!(
            ListParams::from_query(Some("sortOrder=sideways"))
                .unwrap()
                .to_query(&ResourceSchema::user())
                .unwrap_err()
                .status(),
            400
        );
    }

    #[test]
    fn sort_by_refuses_hidden_and_non_urn_attributes_and_accepts_extensions() {
        let sort = |by: &str| {
            ListParams::from_query(Some(&format!("sortBy={by}")))
                .unwrap()
                .to_query(&ResourceSchema::user())
        };
        for bad in ["password", "foo:bar", "nosuch", "name.nosuch"] {
            let e = sort(bad).unwrap_err();
            assert_eq!(e.scim_type(), Some(crate::ScimType::InvalidValue), "{bad}");
            assert!(e.detail().contains(bad), "{bad}: {}", e.detail());
        }
        for good in [
            "userName",
            "name.familyName",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            "urn:example:custom:1.0:User:badge",
        ] {
            assert!(sort(good).is_ok(), "{good}");
        }
    }
}
