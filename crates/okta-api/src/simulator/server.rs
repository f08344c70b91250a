//! The HTTP side: routing, the 411/413 checks, authentication and OAuth scopes, rate and
//! concurrency limits, faults, Okta's headers and error bodies, `Link` paging, the request log.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use axum::routing::any;
use chrono::{DateTime, Utc};
use futures_util::StreamExt as _;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use super::error::ApiError;
use super::oauth::{self, JWT_BEARER};
use super::store::{CreateOptions, Lifecycle, LifecycleReply, ListQuery, Listing, Store};
use super::{
    FaultEffect, MAX_BODY_BYTES, MAX_LOGGED_BODY_BYTES, RecordedRequest, Shared, lock,
    random_string,
};

const JSON: &str = "application/json";
/// The rate-limit bucket of requests for unknown paths or methods: one for all of them, so
/// invented methods and paths cannot create buckets without bound.
const UNROUTED_BUCKET: &str = "* /*";
const RECORDED_HEADERS: &[&str] = &[
    "authorization",
    "x-okta-retry-for",
    "x-okta-retry-count",
    "content-length",
    "transfer-encoding",
    "content-type",
    "accept",
    "user-agent",
    "if-match",
    "prefer",
];

/// The router; `fallback` answers unknown paths too (when serving alone).
pub(super) fn app(shared: Arc<Shared>, fallback: bool) -> Router {
    let router = Router::new()
        .route("/api/v1/{*rest}", any(handle))
        .route("/oauth2/v1/token", any(handle));
    let router = if fallback {
        router.fallback(handle)
    } else {
        router
    };
    router.with_state(shared)
}

/// Accepts HTTP/1.1 connections until `stop` fires. Hyper's automatic `Date` header is off:
/// every response gets one from [`finish`], except the injected 429 that must lack it.
pub(super) async fn serve(listener: TcpListener, app: Router, mut stop: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let service = TowerToHyperService::new(app.clone());
                connections.spawn(async move {
                    let mut builder = hyper::server::conn::http1::Builder::new();
                    builder.auto_date_header(false);
                    let _ = builder.serve_connection(TokioIo::new(stream), service).await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.abort_all();
}

/// The routes Okta has and the simulator answers.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    Users,
    User(String),
    UserGroups(String),
    Lifecycle(String, Lifecycle),
    Groups,
    Group(String),
    GroupUsers(String),
    GroupMember(String, String),
    Schema(String),
    Token,
}

impl Route {
    /// The route and its rate-limit bucket (path template, like Okta's buckets).
    fn parse(path: &str) -> Option<(Self, &'static str)> {
        let segments: Vec<String> = path
            .trim_end_matches('/')
            .split('/')
            .skip(1)
            .map(percent_decode)
            .collect();
        let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
        let own = |s: &&str| (*s).to_owned();
        Some(match parts.as_slice() {
            ["api", "v1", "users"] => (Self::Users, "/api/v1/users"),
            ["api", "v1", "users", id] => (Self::User(own(id)), "/api/v1/users/{id}"),
            ["api", "v1", "users", id, "groups"] => {
                (Self::UserGroups(own(id)), "/api/v1/users/{id}/groups")
            }
            ["api", "v1", "users", id, "lifecycle", op] => (
                Self::Lifecycle(own(id), Lifecycle::parse(op)?),
                "/api/v1/users/{id}/lifecycle/{op}",
            ),
            ["api", "v1", "groups"] => (Self::Groups, "/api/v1/groups"),
            ["api", "v1", "groups", id] => (Self::Group(own(id)), "/api/v1/groups/{id}"),
            ["api", "v1", "groups", id, "users"] => {
                (Self::GroupUsers(own(id)), "/api/v1/groups/{id}/users")
            }
            ["api", "v1", "groups", gid, "users", uid] => (
                Self::GroupMember(own(gid), own(uid)),
                "/api/v1/groups/{id}/users/{userId}",
            ),
            ["api", "v1", "meta", "schemas", "user", id] => (
                Self::Schema(own(id)),
                "/api/v1/meta/schemas/user/{schemaId}",
            ),
            ["oauth2", "v1", "token"] => (Self::Token, "/oauth2/v1/token"),
            _ => return None,
        })
    }

    fn allows(&self, method: &Method) -> bool {
        let allowed: &[Method] = match self {
            Self::Users | Self::Groups | Self::Schema(_) => &[Method::GET, Method::POST],
            Self::User(_) => &[Method::GET, Method::POST, Method::PUT, Method::DELETE],
            Self::UserGroups(_) | Self::GroupUsers(_) => &[Method::GET],
            Self::Lifecycle(..) | Self::Token => &[Method::POST],
            Self::Group(_) => &[Method::GET, Method::PUT, Method::DELETE],
            Self::GroupMember(..) => &[Method::PUT, Method::DELETE],
        };
        allowed.contains(method)
    }

    /// The OAuth scope a Bearer token needs for `method` on this route (SPEC security
    /// blocks, `shared/research/okta.md` §1.1); `None` for the token endpoint.
    fn scope(&self, method: &Method) -> Option<&'static str> {
        let read = method == Method::GET;
        Some(match self {
            Self::Users | Self::User(_) | Self::UserGroups(_) if read => "okta.users.read",
            Self::Users | Self::User(_) | Self::UserGroups(_) | Self::Lifecycle(..) => {
                "okta.users.manage"
            }
            Self::Groups | Self::Group(_) | Self::GroupUsers(_) if read => "okta.groups.read",
            Self::Groups | Self::Group(_) | Self::GroupUsers(_) | Self::GroupMember(..) => {
                "okta.groups.manage"
            }
            Self::Schema(_) if read => "okta.schemas.read",
            Self::Schema(_) => "okta.schemas.manage",
            Self::Token => return None,
        })
    }
}

/// Whether the space-separated `granted` scopes include `required`; `okta.X.manage` covers
/// `okta.X.read`.
fn scope_granted(granted: &str, required: &str) -> bool {
    let manage = required
        .strip_suffix(".read")
        .map(|stem| format!("{stem}.manage"));
    granted
        .split_whitespace()
        .any(|s| s == required || manage.as_deref() == Some(s))
}

/// Who is calling: an API token (the admin's full rights) or a Bearer token with its scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Access {
    Full,
    Scopes(String),
}

/// A request body as read.
#[derive(Debug)]
enum BodyRead {
    Complete(Bytes),
    /// Over [`MAX_BODY_BYTES`], declared or sent.
    TooLarge,
    /// The connection failed mid-body (a broken chunked encoding, a reset).
    Failed,
}

/// Reads the body, stopping at [`MAX_BODY_BYTES`]; a declared `Content-Length` above it is
/// refused without reading.
async fn read_body(body: Body, declared: Option<u64>) -> BodyRead {
    let max = u64::try_from(MAX_BODY_BYTES).unwrap_or(u64::MAX);
    if declared.is_some_and(|n| n > max) {
        return BodyRead::TooLarge;
    }
    let mut stream = body.into_data_stream();
    let mut buffer = Vec::new();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(chunk) if buffer.len().saturating_add(chunk.len()) > MAX_BODY_BYTES => {
                return BodyRead::TooLarge;
            }
            Ok(chunk) => buffer.extend_from_slice(&chunk),
            Err(_) => return BodyRead::Failed,
        }
    }
    BodyRead::Complete(Bytes::from(buffer))
}

/// Whether the request says its body is JSON (`application/json`, parameters allowed).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case(JSON))
}

fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |at: usize| bytes.get(at).and_then(|&c| char::from(c).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `X-Rate-Limit-*` values for a response.
#[derive(Debug, Clone, Copy)]
struct RateInfo {
    limit: u32,
    remaining: u32,
    reset: i64,
}

/// A successful answer before the common headers.
#[derive(Debug)]
struct Reply {
    status: StatusCode,
    body: Option<Vec<u8>>,
    headers: Vec<(&'static str, String)>,
}

impl Reply {
    fn json(body: Vec<u8>) -> Self {
        Self {
            status: StatusCode::OK,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    fn value(value: &Value) -> Self {
        Self::json(serde_json::to_vec(value).unwrap_or_default())
    }

    fn empty(status: StatusCode) -> Self {
        Self {
            status,
            body: None,
            headers: Vec::new(),
        }
    }
}

/// Counts the request as in flight until dropped.
struct InFlight<'a>(&'a Shared);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let received_at = Utc::now();
    let request_id = random_string(24);
    let (parts, body) = request.into_parts();
    let recorded_headers = record_headers(&parts.headers);
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let body = read_body(body, declared).await;
    let logged_body = match &body {
        BodyRead::Complete(bytes) => bytes
            .get(..bytes.len().min(MAX_LOGGED_BODY_BYTES))
            .map(<[u8]>::to_vec)
            .unwrap_or_default(),
        BodyRead::TooLarge | BodyRead::Failed => Vec::new(),
    };
    let response = {
        let in_flight = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        let _guard = InFlight(&shared);
        let settings = shared.settings();
        if in_flight > settings.concurrency {
            let rate = RateInfo {
                limit: 0,
                remaining: 0,
                reset: received_at.timestamp() + 1,
            };
            finish(
                error_response(&ApiError::rate_limited(), &request_id),
                &request_id,
                Some(rate),
                true,
            )
        } else {
            if !settings.latency.is_zero() {
                tokio::time::sleep(settings.latency).await;
            }
            process(&shared, &parts, body, &request_id).await
        }
    };
    shared.record(RecordedRequest {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: recorded_headers,
        body: logged_body,
        status: response.status().as_u16(),
        request_id,
        received_at,
    });
    if let Some(AnswerDelay(delay)) = response.extensions().get::<AnswerDelay>().copied() {
        tokio::time::sleep(delay).await;
    }
    response
}

fn record_headers(headers: &HeaderMap) -> BTreeMap<String, String> {
    RECORDED_HEADERS
        .iter()
        .filter_map(|&name| {
            let value = String::from_utf8_lossy(headers.get(name)?.as_bytes()).into_owned();
            let value = if name == "authorization" {
                redact(&value)
            } else {
                value
            };
            Some((name.to_owned(), value))
        })
        .collect()
}

/// `SSWS abc` → `SSWS [redacted]`, `SSWSabc` → `SSWS[redacted]`: the scheme and the space
/// stay visible for assertions, the secret does not.
fn redact(value: &str) -> String {
    for scheme in ["SSWS", "Bearer", "DPoP", "Basic"] {
        if let Some(rest) = value.strip_prefix(scheme) {
            let space = if rest.starts_with(' ') { " " } else { "" };
            return format!("{scheme}{space}[redacted]");
        }
    }
    "[redacted]".into()
}

async fn process(
    shared: &Shared,
    parts: &axum::http::request::Parts,
    body: BodyRead,
    request_id: &str,
) -> Response {
    let method = &parts.method;
    let path = parts.uri.path();
    let route = Route::parse(path);
    // Charged once the method is known to be valid, so bucket keys stay bounded.
    let bucket = match &route {
        Some((route, template)) if route.allows(method) => format!("{method} {template}"),
        _ => UNROUTED_BUCKET.to_owned(),
    };
    let (allowed, rate) = charge(shared, &bucket);
    let fail = |error: ApiError| {
        finish(
            error_response(&error, request_id),
            request_id,
            Some(rate),
            true,
        )
    };
    if !allowed {
        return fail(ApiError::rate_limited());
    }
    let Some((route, _)) = route else {
        return fail(ApiError::path_not_found());
    };
    if !route.allows(method) {
        return fail(ApiError::method_not_allowed());
    }
    let body = match body {
        BodyRead::Complete(body) => body,
        // [inferred] Okta documents no code for an oversized body: 413 with an E0000001 body.
        BodyRead::TooLarge => {
            return fail(ApiError::validation(
                "request",
                vec![format!(
                    "request: The request body is larger than {MAX_BODY_BYTES} bytes"
                )],
            ))
            .map_status(StatusCode::PAYLOAD_TOO_LARGE);
        }
        BodyRead::Failed => return fail(ApiError::malformed_body()),
    };
    // Okta answers a body-less POST/PUT without `Content-Length: 0` with 411.
    if (method == Method::POST || method == Method::PUT)
        && !parts.headers.contains_key(header::CONTENT_LENGTH)
        && !parts.headers.contains_key(header::TRANSFER_ENCODING)
    {
        let mut response = Response::new(Body::from(
            "<html><body><h1>411 Length Required</h1></body></html>",
        ));
        *response.status_mut() = StatusCode::LENGTH_REQUIRED;
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        return finish(response, request_id, Some(rate), true);
    }
    let base = base_url(shared, &parts.headers);
    if route == Route::Token {
        let reply = token(shared, &body, &base);
        return finish(into_response(reply), request_id, Some(rate), true);
    }
    let access = match authenticate(shared, &parts.headers) {
        Ok(access) => access,
        Err(error) => return fail(error),
    };
    if let (Access::Scopes(granted), Some(required)) = (&access, route.scope(method))
        && !scope_granted(granted, required)
    {
        return fail(ApiError::forbidden());
    }
    if (method == Method::POST || method == Method::PUT)
        && !body.is_empty()
        && !is_json(&parts.headers)
    {
        return fail(ApiError::unsupported_media_type());
    }
    let mut answer_delay = None;
    match shared.take_fault(method.as_str(), path) {
        Some(FaultEffect::ServerError { status }) => {
            let status = if (500..=599).contains(&status) {
                status
            } else {
                500
            };
            return fail(ApiError::internal(status));
        }
        Some(FaultEffect::RateLimited) => {
            let mut response = error_response(&ApiError::rate_limited(), request_id);
            let headers = response.headers_mut();
            headers.insert("x-rate-limit-limit", HeaderValue::from(rate.limit));
            headers.insert("x-rate-limit-remaining", HeaderValue::from(0u32));
            return finish(response, request_id, None, false);
        }
        Some(FaultEffect::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(FaultEffect::DelayAnswer(delay)) => answer_delay = Some(AnswerDelay(delay)),
        None => {}
    }
    let params: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let context = Context {
        shared,
        method,
        path,
        raw_query: parts.uri.query(),
        params: &params,
        body: &body,
        base: &base,
        now: Utc::now(),
    };
    let mut response = match dispatch(&context, route) {
        Ok(reply) => finish(into_response(reply), request_id, Some(rate), true),
        Err(error) => fail(error),
    };
    if let Some(delay) = answer_delay {
        response.extensions_mut().insert(delay);
    }
    response
}

/// How long [`handle`] holds a processed answer back (an injected
/// [`FaultEffect::DelayAnswer`]), after recording it.
#[derive(Debug, Clone, Copy)]
struct AnswerDelay(Duration);

trait MapStatus {
    fn map_status(self, status: StatusCode) -> Self;
}

impl MapStatus for Response {
    fn map_status(mut self, status: StatusCode) -> Self {
        *self.status_mut() = status;
        self
    }
}

fn base_url(shared: &Shared, headers: &HeaderMap) -> String {
    if let Some(url) = lock(&shared.settings).public_url.clone() {
        return url;
    }
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))
        .map_or_else(|| "http://localhost".to_owned(), |h| format!("http://{h}"))
}

/// Counts a request in its bucket's fixed window.
fn charge(shared: &Shared, bucket: &str) -> (bool, RateInfo) {
    let settings = shared.settings();
    let now = Instant::now();
    let now_ms = Utc::now().timestamp_millis();
    let mut buckets = lock(&shared.buckets);
    let entry = buckets.entry(bucket.to_owned()).or_default();
    let expired = entry
        .started
        .is_none_or(|started| now.duration_since(started) >= settings.window);
    if expired {
        entry.started = Some(now);
        entry.started_utc = now_ms;
        entry.used = 0;
    }
    let window_ms = i64::try_from(settings.window.as_millis()).unwrap_or(i64::MAX / 2);
    let reset = (entry.started_utc.saturating_add(window_ms) + 999) / 1000;
    let allowed = entry.used < settings.rate_limit;
    if allowed {
        entry.used += 1;
    }
    let rate = RateInfo {
        limit: settings.rate_limit,
        remaining: settings.rate_limit.saturating_sub(entry.used),
        reset,
    };
    (allowed, rate)
}

/// Checks the `Authorization` header: an API token has full access, a live Bearer token the
/// scopes it was issued with.
fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<Access, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    // Okta accepts `SSWS <token>` and `SSWS<token>`.
    if let Some(token) = value.strip_prefix("SSWS") {
        let token = token.trim();
        if !token.is_empty() && shared.tokens.iter().any(|t| t == token) {
            return Ok(Access::Full);
        }
    } else if let Some(token) = value.strip_prefix("Bearer ") {
        let bearer = lock(&shared.bearer);
        if let Some((_, scope)) = bearer
            .get(token.trim())
            .filter(|(expires, _)| *expires > Instant::now())
        {
            return Ok(Access::Scopes(scope.clone()));
        }
    }
    Err(ApiError::invalid_token())
}

fn error_response(error: &ApiError, request_id: &str) -> Response {
    let body = serde_json::to_vec(&error.body(&format!("oae{request_id}"))).unwrap_or_default();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() =
        StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    response
}

fn into_response(reply: Reply) -> Response {
    let has_body = reply.body.is_some();
    let mut response = Response::new(reply.body.map_or_else(Body::empty, Body::from));
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    if has_body {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    }
    for (name, value) in reply.headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.append(name, value);
        }
    }
    response
}

/// Adds Okta's common headers: request id, rate limit, `Date`, no caching.
fn finish(
    mut response: Response,
    request_id: &str,
    rate: Option<RateInfo>,
    date: bool,
) -> Response {
    let headers = response.headers_mut();
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert("x-okta-request-id", id);
    }
    if let Some(rate) = rate {
        headers.insert("x-rate-limit-limit", HeaderValue::from(rate.limit));
        headers.insert("x-rate-limit-remaining", HeaderValue::from(rate.remaining));
        headers.insert("x-rate-limit-reset", HeaderValue::from(rate.reset));
    }
    if date
        && let Ok(value) =
            HeaderValue::from_str(&httpdate::fmt_http_date(std::time::SystemTime::now()))
    {
        headers.insert(header::DATE, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store"),
    );
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// Everything a route handler needs.
struct Context<'a> {
    shared: &'a Shared,
    method: &'a Method,
    path: &'a str,
    raw_query: Option<&'a str>,
    params: &'a [(String, String)],
    body: &'a [u8],
    base: &'a str,
    now: DateTime<Utc>,
}

impl Context<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn flag(&self, name: &str) -> Option<bool> {
        match self.param(name)?.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    fn json_body(&self) -> Result<Value, ApiError> {
        serde_json::from_slice(self.body).map_err(|_| ApiError::malformed_body())
    }

    fn list_query(&self) -> ListQuery {
        let get = |name: &str| self.param(name).map(str::to_owned);
        ListQuery {
            q: get("q"),
            filter: get("filter"),
            search: get("search"),
            after: get("after"),
            limit: get("limit"),
            sort_by: get("sortBy"),
            sort_order: get("sortOrder"),
        }
    }

    /// `link: <…>; rel="self"` and, when more follow, `link: <…&after=…>; rel="next"`, as
    /// separate headers, like Okta.
    fn links(&self, listing: &Listing) -> Vec<(&'static str, String)> {
        let url = format!("{}{}", self.base, self.path);
        let self_url = match self.raw_query {
            Some(q) if !q.is_empty() => format!("{url}?{q}"),
            _ => url.clone(),
        };
        let mut links = vec![("link", format!("<{self_url}>; rel=\"self\""))];
        if let Some(after) = &listing.next_after {
            let mut query = form_urlencoded::Serializer::new(String::new());
            for (k, v) in self.params.iter().filter(|(k, _)| k != "after") {
                query.append_pair(k, v);
            }
            query.append_pair("after", after);
            links.push(("link", format!("<{url}?{}>; rel=\"next\"", query.finish())));
        }
        links
    }
}

fn dispatch(cx: &Context<'_>, route: Route) -> Result<Reply, ApiError> {
    let mut store = lock(&cx.shared.store);
    let settings = cx.shared.settings();
    let method = cx.method.clone();
    match (route, method) {
        (Route::Users, Method::GET) => {
            let listing = store.list_users(&cx.list_query(), settings.users)?;
            Ok(users_page(cx, &store, &listing))
        }
        (Route::Users, _) => {
            let body = cx.json_body()?;
            let options = CreateOptions {
                activate: cx.flag("activate").unwrap_or(true),
                provider: cx.flag("provider").unwrap_or(false),
                next_login: cx.param("nextLogin"),
            };
            let id = store.create_user(&body, options, cx.now)?;
            user_reply(cx, &store, &id)
        }
        (Route::User(key), Method::GET) => user_reply(cx, &store, &key),
        (Route::User(key), Method::DELETE) => {
            store.delete_user(&key, cx.now)?;
            Ok(Reply::empty(StatusCode::NO_CONTENT))
        }
        (Route::User(key), method) => {
            let body = cx.json_body()?;
            let id = store.update_user(&key, &body, method == Method::PUT, cx.now)?;
            user_reply(cx, &store, &id)
        }
        (Route::UserGroups(key), _) => {
            let groups: Vec<Value> = store
                .user_groups(&key)?
                .into_iter()
                .map(|g| store.group_json(g, cx.base))
                .collect();
            Ok(Reply::value(&Value::Array(groups)))
        }
        (Route::Lifecycle(key, op), _) => {
            match store.lifecycle(&key, op, cx.flag("sendEmail"), cx.now, cx.base)? {
                LifecycleReply::Empty => Ok(Reply::empty(StatusCode::OK)),
                LifecycleReply::Json(value) => Ok(Reply::value(&value)),
            }
        }
        (Route::Groups, Method::GET) => {
            let listing = store.list_groups(&cx.list_query(), settings.groups)?;
            let groups: Vec<Value> = listing
                .ids
                .iter()
                .filter_map(|id| store.groups.get(id))
                .map(|g| store.group_json(g, cx.base))
                .collect();
            let mut reply = Reply::value(&Value::Array(groups));
            if !listing.unpaged {
                reply.headers = cx.links(&listing);
            }
            Ok(reply)
        }
        (Route::Groups, _) => {
            let body = cx.json_body()?;
            let id = store.create_group(&body, cx.now)?;
            group_reply(cx, &store, &id)
        }
        (Route::Group(gid), Method::GET) => group_reply(cx, &store, &gid),
        (Route::Group(gid), Method::PUT) => {
            let body = cx.json_body()?;
            store.replace_group(&gid, &body, cx.now)?;
            group_reply(cx, &store, &gid)
        }
        (Route::Group(gid), _) => {
            store.delete_group(&gid)?;
            Ok(Reply::empty(StatusCode::NO_CONTENT))
        }
        (Route::GroupUsers(gid), _) => {
            let limit = settings.members;
            let limit = match cx.param("limit").and_then(|l| l.trim().parse::<i64>().ok()) {
                Some(n) if n > 0 => usize::try_from(n).unwrap_or(usize::MAX).min(limit.max),
                _ => limit.default,
            };
            let listing = store.group_members(&gid, cx.param("after"), limit)?;
            Ok(users_page(cx, &store, &listing))
        }
        (Route::GroupMember(gid, uid), Method::PUT) => {
            store.add_member(&gid, &uid, cx.now)?;
            Ok(Reply::empty(StatusCode::NO_CONTENT))
        }
        (Route::GroupMember(gid, uid), _) => {
            store.remove_member(&gid, &uid, cx.now)?;
            Ok(Reply::empty(StatusCode::NO_CONTENT))
        }
        (Route::Schema(id), method) => {
            if id != "default" {
                return Err(ApiError::not_found(&id, "UserSchema"));
            }
            if method == Method::POST {
                let body = cx.json_body()?;
                store.update_schema(&body, cx.now)?;
            }
            Ok(Reply::value(&store.schema_json(cx.base)))
        }
        (Route::Token, _) => Err(ApiError::path_not_found()),
    }
}

fn users_page(cx: &Context<'_>, store: &Store, listing: &Listing) -> Reply {
    let users: Vec<_> = listing
        .ids
        .iter()
        .filter_map(|id| store.users.get(id))
        .map(|u| store.user_json(u, cx.base))
        .collect();
    let mut reply = Reply::json(serde_json::to_vec(&users).unwrap_or_default());
    // `q=` cannot be paged (and is ignored next to `search=`/`filter=`).
    if !listing.unpaged {
        reply.headers = cx.links(listing);
    }
    reply
}

fn user_reply(cx: &Context<'_>, store: &Store, key: &str) -> Result<Reply, ApiError> {
    let user = store
        .find_user(key)
        .ok_or_else(|| ApiError::not_found(key, "User"))?;
    let body = serde_json::to_vec(&store.user_json(user, cx.base)).unwrap_or_default();
    let mut reply = Reply::json(body);
    reply.headers.push(("etag", user.etag()));
    Ok(reply)
}

fn group_reply(cx: &Context<'_>, store: &Store, gid: &str) -> Result<Reply, ApiError> {
    let group = store
        .groups
        .get(gid)
        .ok_or_else(|| ApiError::not_found(gid, "UserGroup"))?;
    Ok(Reply::value(&store.group_json(group, cx.base)))
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Reply {
    let mut reply = Reply::value(&json!({"error": error, "error_description": description}));
    reply.status = status;
    reply
}

/// `POST /oauth2/v1/token` with `client_credentials` and a `private_key_jwt` assertion.
fn token(shared: &Shared, body: &[u8], base: &str) -> Reply {
    let form: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let get = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let invalid_client =
        |description: &str| oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", description);
    if get("grant_type") != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server. Configured grant types: [client_credentials].",
        );
    }
    if get("client_assertion_type") != Some(JWT_BEARER) {
        return invalid_client(
            "The client_assertion_type is missing or not supported. Use urn:ietf:params:oauth:client-assertion-type:jwt-bearer.",
        );
    }
    let Some(assertion) = get("client_assertion") else {
        return invalid_client("The client_assertion is missing.");
    };
    let (header, claims) = match oauth::read_claims(assertion) {
        Ok(read) => read,
        Err(description) => return invalid_client(&description),
    };
    let Some(key) = shared.oauth_clients.get(&claims.iss) else {
        return invalid_client("Invalid value for 'client_id' parameter.");
    };
    if claims.sub != claims.iss || get("client_id").is_some_and(|c| c != claims.iss) {
        return invalid_client(
            "The 'iss' and 'sub' claims of the client_assertion must both be the client_id.",
        );
    }
    let token_url = format!("{base}/oauth2/v1/token");
    if !claims.aud.contains(&token_url) {
        return invalid_client(
            "The audience claim for client_assertion must be the endpoint invoked for the request.",
        );
    }
    let now = Utc::now().timestamp();
    if claims.exp <= now {
        return invalid_client("The client_assertion token is expired.");
    }
    if claims.exp > now + 3600 {
        return invalid_client(
            "The client_assertion token has an expiration too far into the future.",
        );
    }
    if let Err(description) = oauth::verify(assertion, &header, key) {
        return invalid_client(&description);
    }
    let scope = get("scope").unwrap_or_default().trim();
    if scope.is_empty() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "The authorization server resource does not have any configured default scopes, 'scope' must be provided.",
        );
    }
    if scope.split_whitespace().any(|s| !s.starts_with("okta.")) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "One or more scopes are not configured for the authorization server resource.",
        );
    }
    let access_token = format!("sim.{}", random_string(48));
    let now = Instant::now();
    let mut bearer = lock(&shared.bearer);
    bearer.retain(|_, (expires, _)| *expires > now);
    bearer.insert(
        access_token.clone(),
        (now + Duration::from_secs(3600), scope.to_owned()),
    );
    drop(bearer);
    let mut reply = Reply::value(&json!({
        "token_type": "Bearer",
        "expires_in": 3600,
        "access_token": access_token,
        "scope": scope,
    }));
    reply.headers.push(("cache-control", "no-store".into()));
    reply
}

#[cfg(test)]
mod tests {
    use super::super::store::timestamp;
    use super::*;

    #[test]
    fn routes_and_decodes() {
        assert_eq!(
            Route::parse("/api/v1/users/a%40b.com").map(|r| r.0),
            Some(Route::User("a@b.com".into()))
        );
        assert!(Route::parse("/api/v1/users/x/lifecycle/explode").is_none());
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(redact("SSWSabc"), "SSWS[redacted]");
        assert_eq!(redact("Bearer x"), "Bearer [redacted]");
    }

    #[tokio::test]
    async fn body_read_failures_are_not_oversize() {
        let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(Bytes::from_static(b"{\"profile\":")),
            Err(std::io::Error::other("connection reset")),
        ];
        let broken = Body::from_stream(futures_util::stream::iter(chunks));
        assert!(matches!(read_body(broken, None).await, BodyRead::Failed));
        let half = Bytes::from(vec![b'x'; MAX_BODY_BYTES / 2 + 1]);
        let chunks: Vec<Result<Bytes, std::io::Error>> = vec![Ok(half.clone()), Ok(half)];
        let chunked = Body::from_stream(futures_util::stream::iter(chunks));
        assert!(matches!(read_body(chunked, None).await, BodyRead::TooLarge));
        let declared = u64::try_from(MAX_BODY_BYTES + 1).unwrap_or(u64::MAX);
        assert!(matches!(
            read_body(Body::empty(), Some(declared)).await,
            BodyRead::TooLarge
        ));
        assert!(matches!(
            read_body(Body::from("{}"), Some(2)).await,
            BodyRead::Complete(b) if b.as_ref() == b"{}"
        ));
    }

    #[test]
    fn manage_scopes_cover_read() {
        assert!(scope_granted("okta.users.manage", "okta.users.read"));
        assert!(scope_granted("x okta.users.read", "okta.users.read"));
        assert!(!scope_granted("okta.users.read", "okta.users.manage"));
        assert!(!scope_granted("okta.groups.manage", "okta.users.read"));
        assert!(!scope_granted("", "okta.users.read"));
        let user = Route::User("x".into());
        assert_eq!(user.scope(&Method::GET), Some("okta.users.read"));
        assert_eq!(user.scope(&Method::DELETE), Some("okta.users.manage"));
        assert_eq!(Route::Token.scope(&Method::POST), None);
    }

    #[test]
    fn timestamps_have_millis() {
        let at = DateTime::from_timestamp(0, 0).unwrap_or_default();
        assert_eq!(timestamp(at), "1970-01-01T00:00:00.000Z");
    }
}
