//! One place where requests go out: headers, authentication, the shared concurrency
//! cap, rate-limit accounting and throttling, and the retry rules.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, UNIX_EPOCH};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;
use tracing::Instrument as _;
use url::Url;

use crate::auth::TokenCache;
use crate::client::RetryPolicy;
use crate::error::{Error, OktaApiError};

/// One API call, before it is sent.
pub(crate) struct Call {
    /// Name for logs and errors, e.g. `users.create`.
    pub(crate) operation: &'static str,
    pub(crate) method: Method,
    /// Rate-limit bucket: method plus path template, e.g. `/api/v1/users/{id}`.
    pub(crate) bucket: &'static str,
    pub(crate) url: Url,
    /// JSON body (cheap to clone per attempt). `None` on a POST or PUT sends `Content-Length: 0`.
    pub(crate) body: Option<Bytes>,
    /// Whether a 5xx or a timeout may be retried: the call has the same effect twice.
    pub(crate) idempotent: bool,
    /// `If-Match` precondition.
    pub(crate) if_match: Option<String>,
}

/// A successful (2xx) answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

pub(crate) enum Auth {
    ApiToken(SecretString),
    OAuth(Box<TokenCache>),
}

/// The latest rate-limit figures of one bucket.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    limit: u32,
    remaining: u32,
    /// Local instant of the reset, computed from `X-Rate-Limit-Reset` − `Date`.
    reset_at: Instant,
    /// While throttling: the earliest instant the next caller may send, so that
    /// concurrent callers take successive slots instead of firing together.
    next_slot: Instant,
}

/// Added to every wait for a reset, as Okta's own SDKs do: the reset is given in whole
/// seconds.
const RESET_MARGIN: Duration = Duration::from_secs(1);

/// A reset further away than this is not believed (a broken header).
const MAX_RESET: Duration = Duration::from_secs(3600);

/// Rate-limit figures Okta sent on the latest answer of a bucket.
///
/// ```
/// # async fn f(client: okta_api::OktaClient) {
/// if let Some(rl) = client.rate_limit("GET", "/api/v1/users") {
///     println!("{} of {} left", rl.remaining, rl.limit);
/// }
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimitStatus {
    /// `X-Rate-Limit-Limit`.
    pub limit: u32,
    /// `X-Rate-Limit-Remaining`, less the requests sent since.
    pub remaining: u32,
    /// Time until `X-Rate-Limit-Reset`, measured against the answer's `Date`.
    pub resets_in: Duration,
}

pub(crate) struct Transport {
    pub(crate) http: reqwest::Client,
    pub(crate) auth: Auth,
    pub(crate) permits: Semaphore,
    pub(crate) max_concurrency: usize,
    pub(crate) policy: RetryPolicy,
    pub(crate) timeout: Duration,
    buckets: Mutex<HashMap<String, Bucket>>,
}

pub(crate) fn transport_error(operation: &'static str, e: reqwest::Error) -> Error {
    Error::Transport {
        operation,
        source: Box::new(e.without_url()),
    }
}

impl Transport {
    pub(crate) fn new(
        http: reqwest::Client,
        auth: Auth,
        max_concurrency: usize,
        policy: RetryPolicy,
        timeout: Duration,
    ) -> Self {
        Self {
            http,
            auth,
            permits: Semaphore::new(max_concurrency),
            max_concurrency,
            policy,
            timeout,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn rate_limit(&self, method: &str, template: &str) -> Option<RateLimitStatus> {
        let buckets = self.buckets.lock().ok()?;
        let b = buckets.get(&bucket_key(method, template))?;
        Some(RateLimitStatus {
            limit: b.limit,
            remaining: b.remaining,
            resets_in: b.reset_at.saturating_duration_since(Instant::now()),
        })
    }

    /// Sends `call`, retrying as [`RetryPolicy`] allows, and returns the 2xx answer
    /// or the error Okta gave.
    pub(crate) async fn execute(&self, call: Call) -> Result<Reply, Error> {
        let span = tracing::debug_span!(
            "okta",
            operation = call.operation,
            method = %call.method,
            path = call.bucket,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            attempts = tracing::field::Empty,
        );
        self.execute_inner(call).instrument(span).await
    }

    async fn execute_inner(&self, call: Call) -> Result<Reply, Error> {
        let key = bucket_key(call.method.as_str(), call.bucket);
        let mut retry_for: Option<String> = None;
        let mut attempt: u32 = 0;
        let mut reauthenticated = false;
        // Whether an earlier attempt may have been applied (a timeout, a broken answer or
        // a 5xx) as opposed to certainly not (a 429, a connect failure).
        let mut maybe_applied = false;
        loop {
            self.throttle(&key).await;
            let auth = self.authorization().await?;
            let mut req = self
                .http
                .request(call.method.clone(), call.url.clone())
                .timeout(self.timeout)
                .header(reqwest::header::ACCEPT, "application/json")
                .header(reqwest::header::CONTENT_TYPE, "application/json");
            let mut auth_value = HeaderValue::from_str(auth.expose_secret()).map_err(|_| {
                Error::Config("the token contains characters not allowed in a header".into())
            })?;
            auth_value.set_sensitive(true);
            req = req.header(reqwest::header::AUTHORIZATION, auth_value);
            req = match &call.body {
                Some(body) => req.body(body.clone()),
                None if call.method == Method::POST || call.method == Method::PUT => req
                    .header(reqwest::header::CONTENT_LENGTH, "0")
                    .body(Vec::new()),
                None => req,
            };
            if let Some(etag) = &call.if_match {
                req = req.header(reqwest::header::IF_MATCH, etag.as_str());
            }
            if attempt > 0 {
                if let Some(id) = &retry_for {
                    req = req.header("X-Okta-Retry-For", id.as_str());
                }
                req = req.header("X-Okta-Retry-Count", attempt.to_string());
            }

            let started = Instant::now();
            let sent = {
                let _permit =
                    self.permits.acquire().await.map_err(|_| {
                        Error::Config("the client's request limiter was closed".into())
                    })?;
                self.spend(&key);
                match req.send().await {
                    Ok(response) => {
                        let status = response.status();
                        let headers = response.headers().clone();
                        match response.bytes().await {
                            Ok(body) => Ok((status, headers, body)),
                            Err(e) => Err(e),
                        }
                    }
                    Err(e) => Err(e),
                }
            };
            let elapsed_ms = started.elapsed().as_millis() as u64;

            let (status, headers, body) = match sent {
                Ok(ok) => ok,
                Err(e) => {
                    // Not sent at all (connect failure): safe to retry whatever the method.
                    let unsent = e.is_connect();
                    let timed_out = e.is_timeout();
                    let retry = attempt < self.policy.max_retries && (unsent || call.idempotent);
                    let e = e.without_url();
                    tracing::warn!(attempt, elapsed_ms, error = %e, retry, "okta request failed");
                    if retry {
                        attempt += 1;
                        maybe_applied |= !unsent;
                        tokio::time::sleep(self.policy.backoff(attempt)).await;
                        continue;
                    }
                    tracing::Span::current().record("attempts", attempt + 1);
                    return Err(if timed_out {
                        Error::Timeout {
                            operation: call.operation,
                            timeout: self.timeout,
                        }
                    } else {
                        transport_error(call.operation, e)
                    });
                }
            };

            let request_id = header_str(&headers, "x-okta-request-id").map(str::to_owned);
            let rate = RateHeaders::read(&headers);
            self.record(&key, &rate);
            let span = tracing::Span::current();
            span.record("status", status.as_u16());
            span.record("attempts", attempt + 1);
            if let Some(id) = &request_id {
                span.record("request_id", id.as_str());
                crate::request_ids::record(id);
            }
            tracing::debug!(elapsed_ms, "okta answered");

            if status.is_success() {
                return Ok(Reply { headers, body });
            }
            if status == StatusCode::NOT_FOUND && call.method == Method::DELETE && maybe_applied {
                // An earlier attempt of this (idempotent) delete was applied before its
                // answer was lost: what it removed is gone, as asked.
                tracing::debug!("okta delete retry found nothing left to delete");
                return Ok(Reply {
                    headers,
                    body: Bytes::new(),
                });
            }
            if retry_for.is_none() {
                retry_for.clone_from(&request_id);
            }
            let can_retry = attempt < self.policy.max_retries;
            if status == StatusCode::TOO_MANY_REQUESTS && can_retry {
                // Okta did not process the request: retrying is safe for every method.
                let wait = match rate.wait() {
                    Some(until_reset) => {
                        (until_reset + RESET_MARGIN).min(self.policy.max_rate_limit_wait)
                            + self.policy.jitter()
                    }
                    None => self.policy.backoff(attempt + 1),
                };
                tracing::warn!(
                    attempt,
                    wait_ms = wait.as_millis() as u64,
                    request_id = request_id.as_deref(),
                    "okta rate limit (429); waiting"
                );
                attempt += 1;
                tokio::time::sleep(wait).await;
                continue;
            }
            if status == StatusCode::UNAUTHORIZED
                && !reauthenticated
                && let Auth::OAuth(cache) = &self.auth
            {
                // The cached access token was revoked or expired early: fetch a new one once.
                cache.invalidate(&auth).await;
                reauthenticated = true;
                continue;
            }
            if status.is_server_error() && call.idempotent && can_retry {
                attempt += 1;
                maybe_applied = true;
                let wait = self.policy.backoff(attempt);
                tracing::warn!(
                    attempt,
                    status = status.as_u16(),
                    wait_ms = wait.as_millis() as u64,
                    "okta server error; retrying"
                );
                tokio::time::sleep(wait).await;
                continue;
            }
            return Err(Error::Api(Box::new(OktaApiError::from_response(
                call.operation,
                status.as_u16(),
                request_id,
                &body,
            ))));
        }
    }

    async fn authorization(&self) -> Result<SecretString, Error> {
        match &self.auth {
            Auth::ApiToken(token) => Ok(SecretString::from(format!(
                "SSWS {}",
                token.expose_secret()
            ))),
            Auth::OAuth(cache) => cache.authorization(&self.http).await,
        }
    }

    /// Waits when the bucket is nearly spent: with no request left, until the reset;
    /// below the throttle share, long enough to spread what is left over the window.
    async fn throttle(&self, key: &str) {
        let wait = {
            let Ok(mut buckets) = self.buckets.lock() else {
                return;
            };
            let Some(b) = buckets.get_mut(key) else {
                return;
            };
            let now = Instant::now();
            // A spent bucket waits past the reset with the margin; what is left of a
            // bucket is spread up to the reset itself, so a run ending in this window
            // doesn't wait out the margin too.
            let window_end = b.reset_at + RESET_MARGIN;
            if window_end <= now || b.limit == 0 {
                return;
            }
            if b.remaining == 0 {
                window_end - now
            } else if b.reset_at <= now {
                return;
            } else if f64::from(b.remaining) < self.policy.throttle_below * f64::from(b.limit) {
                let interval = (b.reset_at - now) / b.remaining.saturating_add(1);
                let slot = b.next_slot.max(now);
                b.next_slot = slot + interval;
                slot - now
            } else {
                return;
            }
        };
        let wait = wait.min(self.policy.max_rate_limit_wait);
        if wait.is_zero() {
            return;
        }
        tracing::debug!(
            wait_ms = wait.as_millis() as u64,
            bucket = key,
            "throttling ahead of Okta's rate limit"
        );
        tokio::time::sleep(wait).await;
    }

    /// Counts a request against the bucket before Okta's next figures arrive, so
    /// concurrent callers see the budget shrink.
    fn spend(&self, key: &str) {
        if let Ok(mut buckets) = self.buckets.lock()
            && let Some(b) = buckets.get_mut(key)
        {
            b.remaining = b.remaining.saturating_sub(1);
        }
    }

    fn record(&self, key: &str, rate: &RateHeaders) {
        let (Some(limit), Some(remaining), Some(until_reset)) =
            (rate.limit, rate.remaining, rate.wait())
        else {
            return;
        };
        let now = Instant::now();
        if let Ok(mut buckets) = self.buckets.lock() {
            let next_slot = buckets.get(key).map_or(now, |b| b.next_slot);
            buckets.insert(
                key.to_owned(),
                Bucket {
                    limit,
                    remaining,
                    reset_at: now + until_reset.min(MAX_RESET),
                    next_slot,
                },
            );
        }
    }
}

fn bucket_key(method: &str, template: &str) -> String {
    format!("{method} {template}")
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    // Duplicated rate headers are a known Okta bug (OKTA-112507): trust none of them.
    if values.next().is_some() {
        return None;
    }
    first.to_str().ok().map(str::trim)
}

/// The rate-limit headers of one answer.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateHeaders {
    pub(crate) limit: Option<u32>,
    pub(crate) remaining: Option<u32>,
    /// `X-Rate-Limit-Reset`, UTC epoch seconds.
    pub(crate) reset: Option<u64>,
    /// The answer's `Date`, UTC epoch seconds.
    pub(crate) date: Option<u64>,
}

impl RateHeaders {
    pub(crate) fn read(headers: &HeaderMap) -> Self {
        let num = |name| header_str(headers, name).and_then(|v| v.parse().ok());
        Self {
            limit: num("x-rate-limit-limit"),
            remaining: num("x-rate-limit-remaining"),
            reset: header_str(headers, "x-rate-limit-reset").and_then(|v| v.parse().ok()),
            date: header_str(headers, "date")
                .and_then(|d| httpdate::parse_http_date(d).ok())
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map(|d| d.as_secs()),
        }
    }

    /// Time until the reset, measured against the server's own `Date` so a skewed
    /// local clock does not matter. `None` without both headers.
    pub(crate) fn wait(&self) -> Option<Duration> {
        let (reset, date) = (self.reset?, self.date?);
        Some(Duration::from_secs(reset.saturating_sub(date)).min(MAX_RESET))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn reset_is_measured_against_the_date_header() {
        let h = headers(&[
            ("x-rate-limit-limit", "600"),
            ("x-rate-limit-remaining", "0"),
            ("x-rate-limit-reset", "1764000042"),
            // 1764000000 = Mon, 24 Nov 2025 16:00:00 GMT
            ("date", "Mon, 24 Nov 2025 16:00:00 GMT"),
        ]);
        let r = RateHeaders::read(&h);
        assert_eq!((r.limit, r.remaining), (Some(600), Some(0)));
        assert_eq!(r.wait(), Some(Duration::from_secs(42)));
    }

    #[test]
    fn missing_or_duplicated_headers_give_no_wait() {
        assert_eq!(
            RateHeaders::read(&headers(&[("x-rate-limit-reset", "1764000042")])).wait(),
            None
        );
        let dup = headers(&[
            ("x-rate-limit-reset", "1764000042"),
            ("x-rate-limit-reset", "1764000050"),
            ("date", "Mon, 24 Nov 2025 16:00:00 GMT"),
        ]);
        assert_eq!(RateHeaders::read(&dup).wait(), None);
        let garbage = headers(&[("x-rate-limit-reset", "soon"), ("date", "yesterday")]);
        assert_eq!(RateHeaders::read(&garbage), RateHeaders::default());
        // A reset already past (clock skew on Okta's side) waits zero, not forever.
        let past = headers(&[
            ("x-rate-limit-reset", "1763999990"),
            ("date", "Mon, 24 Nov 2025 16:00:00 GMT"),
        ]);
        assert_eq!(RateHeaders::read(&past).wait(), Some(Duration::ZERO));
        // An absurd reset is capped, not added to an Instant (which would panic).
        let far = headers(&[
            ("x-rate-limit-reset", "18446744073709551615"),
            ("date", "Mon, 24 Nov 2025 16:00:00 GMT"),
        ]);
        assert_eq!(RateHeaders::read(&far).wait(), Some(MAX_RESET));
    }
}
