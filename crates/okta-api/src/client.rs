//! [`OktaClient`] and its builder.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use url::Url;

use crate::auth::{Credentials, PrivateKeyJwt, TokenCache};
use crate::error::Error;
use crate::transport::{Auth, Call, RateLimitStatus, Reply, Transport};

/// A client of one Okta org's Management API.
///
/// Cheap to clone; clones share the connection pool, the OAuth token, the
/// rate-limit figures and the concurrency cap.
///
/// ```no_run
/// use okta_api::OktaClient;
/// use secrecy::SecretString;
///
/// # async fn run() -> Result<(), okta_api::Error> {
/// let client = OktaClient::builder()
///     .org_url("https://acme.okta.com")
///     .api_token(SecretString::from(std::env::var("OKTA_API_TOKEN").unwrap_or_default()))
///     .build()?;
/// if let Some(user) = client.users().find_by_login("ada@acme.example").await? {
///     println!("{} is {}", user.profile.login, user.status);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct OktaClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) org: Url,
    pub(crate) transport: Transport,
}

impl fmt::Debug for OktaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OktaClient")
            .field("org", &self.inner.org.as_str())
            .field(
                "auth",
                &match self.inner.transport.auth {
                    Auth::ApiToken(_) => "SSWS <redacted>",
                    Auth::OAuth(_) => "OAuth private_key_jwt",
                },
            )
            .field("max_concurrency", &self.inner.transport.max_concurrency)
            .finish_non_exhaustive()
    }
}

impl OktaClient {
    /// Starts a builder.
    #[must_use]
    pub fn builder() -> OktaClientBuilder {
        OktaClientBuilder::default()
    }

    /// A client configured from the environment: `OKTA_ORG_URL`, and either
    /// `OKTA_API_TOKEN`, or `OKTA_CLIENT_ID` with `OKTA_PRIVATE_KEY` (the PEM text) or
    /// `OKTA_PRIVATE_KEY_FILE`, plus optional `OKTA_SCOPES` (space- or comma-separated)
    /// and `OKTA_KEY_ID`.
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable that is missing or unusable.
    pub fn from_env() -> Result<Self, Error> {
        Self::builder()
            .from_env_with(|k| std::env::var(k).ok())?
            .build()
    }

    /// The org URL, e.g. `https://acme.okta.com/`.
    #[must_use]
    pub fn org_url(&self) -> &Url {
        &self.inner.org
    }

    /// The latest rate-limit figures Okta sent for `method` on `path_template`
    /// (e.g. `"GET"`, `"/api/v1/users"`), if any answer carried them.
    #[must_use]
    pub fn rate_limit(&self, method: &str, path_template: &str) -> Option<RateLimitStatus> {
        self.inner.transport.rate_limit(method, path_template)
    }

    /// The org URL with `path` (already percent-encoded) and `query`.
    pub(crate) fn url(&self, path: &str, query: &[(&str, &str)]) -> Url {
        let mut url = self.inner.org.clone();
        url.set_path(path);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    pub(crate) async fn send(&self, call: Call) -> Result<Reply, Error> {
        self.inner.transport.execute(call).await
    }

    pub(crate) async fn send_json<T: DeserializeOwned>(
        &self,
        call: Call,
    ) -> Result<(T, Reply), Error> {
        let operation = call.operation;
        let reply = self.send(call).await?;
        let value = serde_json::from_slice(&reply.body)
            .map_err(|e| Error::decode(operation, e.to_string()))?;
        Ok((value, reply))
    }

    pub(crate) fn call(
        &self,
        operation: &'static str,
        method: Method,
        bucket: &'static str,
        url: Url,
        body: Option<Vec<u8>>,
        idempotent: bool,
    ) -> Call {
        Call {
            operation,
            method,
            bucket,
            url,
            body: body.map(bytes::Bytes::from),
            idempotent,
            if_match: None,
        }
    }

    /// Checks that a `Link` URL Okta sent stays on the org, so the token never
    /// goes anywhere else.
    pub(crate) fn same_origin(&self, operation: &'static str, url: &Url) -> Result<(), Error> {
        if url.origin() == self.inner.org.origin() {
            Ok(())
        } else {
            Err(Error::decode(
                operation,
                format!(
                    "Link rel=\"next\" points outside the org: {}",
                    url.origin().ascii_serialization()
                ),
            ))
        }
    }
}

/// When and how often to retry.
///
/// - **429** (Okta did not process the request): every call is retried, after the
///   bucket's reset measured against the answer's `Date` plus jitter, or with
///   exponential backoff when either header is missing.
/// - **5xx and timeouts**: only calls with the same effect when repeated (reads, PUTs,
///   partial profile updates, membership changes). Creates, lifecycle calls and user
///   deletes are never retried blindly: see the crate docs for making them safe.
/// - **Connection failures** before anything was sent: every call.
///
/// ```
/// use okta_api::RetryPolicy;
/// use std::time::Duration;
///
/// let policy = RetryPolicy::default().max_retries(2).throttle_below(0.2);
/// assert_eq!(policy.get_max_retries(), 2);
/// # let _ = Duration::ZERO;
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RetryPolicy {
    pub(crate) max_retries: u32,
    pub(crate) base_delay: Duration,
    pub(crate) max_delay: Duration,
    pub(crate) max_rate_limit_wait: Duration,
    pub(crate) max_jitter: Duration,
    pub(crate) throttle_below: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_rate_limit_wait: Duration::from_secs(120),
            max_jitter: Duration::from_millis(1000),
            throttle_below: 0.1,
        }
    }
}

impl RetryPolicy {
    /// Retries after the first attempt (default 4; 0 disables retries).
    #[must_use]
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// The configured number of retries.
    #[must_use]
    pub fn get_max_retries(&self) -> u32 {
        self.max_retries
    }

    /// First backoff delay for 5xx, timeouts and 429s without reset headers (default
    /// 500 ms, doubled per retry up to [`max_delay`](Self::max_delay)).
    #[must_use]
    pub fn base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d;
        self
    }

    /// Longest backoff delay (default 30 s).
    #[must_use]
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// Longest wait for a rate-limit reset (default 120 s; Okta's windows are ~60 s).
    #[must_use]
    pub fn max_rate_limit_wait(mut self, d: Duration) -> Self {
        self.max_rate_limit_wait = d;
        self
    }

    /// Upper bound of the random delay added after a reset (default 1 s), so that
    /// workers don't all resume at the same instant.
    #[must_use]
    pub fn max_jitter(mut self, d: Duration) -> Self {
        self.max_jitter = d;
        self
    }

    /// Share of a bucket's limit below which calls are spread over the rest of the
    /// window ahead of time (default 0.1). With 0, calls only wait when the bucket is
    /// spent (`Remaining: 0`) until its reset.
    #[must_use]
    pub fn throttle_below(mut self, share: f64) -> Self {
        self.throttle_below = share.clamp(0.0, 1.0);
        self
    }

    /// Exponential backoff with full jitter for retry `attempt` (1-based).
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
            .min(self.max_delay);
        // Between half and all of the exponential delay.
        let half = exp / 2;
        half + Duration::from_nanos(fastrand::u64(
            0..=half.as_nanos().min(u128::from(u64::MAX)) as u64,
        ))
    }

    pub(crate) fn jitter(&self) -> Duration {
        let max = self.max_jitter.as_millis().min(u128::from(u64::MAX)) as u64;
        Duration::from_millis(fastrand::u64(0..=max))
    }
}

/// Builds an [`OktaClient`].
///
/// ```
/// use okta_api::{OktaClient, RetryPolicy};
/// use secrecy::SecretString;
/// use std::time::Duration;
///
/// let client = OktaClient::builder()
///     .org_url("https://acme.okta.com")
///     .api_token(SecretString::from("00secret"))
///     .user_agent("acme-hr-sync/1.4")
///     .timeout(Duration::from_secs(20))
///     .max_concurrency(8)
///     .retry_policy(RetryPolicy::default().max_retries(3))
///     .build()?;
/// assert_eq!(client.org_url().as_str(), "https://acme.okta.com/");
/// assert!(!format!("{client:?}").contains("00secret"));
/// # Ok::<(), okta_api::Error>(())
/// ```
pub struct OktaClientBuilder {
    org_url: Option<String>,
    credentials: Option<Credentials>,
    user_agent: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    max_concurrency: usize,
    policy: RetryPolicy,
}

impl fmt::Debug for OktaClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OktaClientBuilder")
            .field("org_url", &self.org_url.as_deref().map(redacted))
            .field("credentials", &self.credentials)
            .field("user_agent", &self.user_agent)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_concurrency", &self.max_concurrency)
            .field("policy", &self.policy)
            .finish()
    }
}

impl Default for OktaClientBuilder {
    fn default() -> Self {
        Self {
            org_url: None,
            credentials: None,
            user_agent: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_concurrency: 10,
            policy: RetryPolicy::default(),
        }
    }
}

impl OktaClientBuilder {
    /// The org URL: `https://<org>.okta.com` (or a custom domain), no path. Plain
    /// `http` is accepted only for loopback hosts (simulators, tests).
    #[must_use]
    pub fn org_url(mut self, url: impl Into<String>) -> Self {
        self.org_url = Some(url.into());
        self
    }

    /// Authenticate with an SSWS API token.
    #[must_use]
    pub fn api_token(mut self, token: SecretString) -> Self {
        self.credentials = Some(Credentials::ApiToken(token));
        self
    }

    /// Authenticate as an OAuth 2.0 service app with `private_key_jwt`.
    #[must_use]
    pub fn private_key_jwt(mut self, app: PrivateKeyJwt) -> Self {
        self.credentials = Some(Credentials::PrivateKeyJwt(app));
        self
    }

    /// Authenticate with the given credentials.
    #[must_use]
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// `User-Agent` sent with each request (default `okta-api-rust/<version>`).
    #[must_use]
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = Some(ua.into());
        self
    }

    /// Timeout of one attempt, connection to last byte (default 30 s).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Timeout for establishing a connection (default 10 s).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Requests in flight at once, shared by all clones (default 10, well under
    /// Okta's org-wide limits of 75, or 35 on Integrator Free orgs). At least 1.
    #[must_use]
    pub fn max_concurrency(mut self, n: usize) -> Self {
        self.max_concurrency = n.max(1);
        self
    }

    /// Retry and throttling rules.
    #[must_use]
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Fills the builder from variables read by `get` (see [`OktaClient::from_env`]).
    /// Settings already made on the builder are kept unless a variable overrides them.
    ///
    /// ```
    /// use okta_api::OktaClient;
    ///
    /// let vars = |k: &str| match k {
    ///     "OKTA_ORG_URL" => Some("https://acme.okta.com".to_owned()),
    ///     "OKTA_API_TOKEN" => Some("00secret".to_owned()),
    ///     _ => None,
    /// };
    /// let client = OktaClient::builder().from_env_with(vars)?.build()?;
    /// assert_eq!(client.org_url().host_str(), Some("acme.okta.com"));
    /// # Ok::<(), okta_api::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] naming the missing or unusable variable.
    pub fn from_env_with(mut self, get: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let org =
            get("OKTA_ORG_URL").ok_or_else(|| Error::Config("OKTA_ORG_URL is not set".into()))?;
        self.org_url = Some(org);
        if let Some(token) = get("OKTA_API_TOKEN") {
            self.credentials = Some(Credentials::ApiToken(SecretString::from(token)));
            return Ok(self);
        }
        let Some(client_id) = get("OKTA_CLIENT_ID") else {
            return Err(Error::Config(
                "set OKTA_API_TOKEN, or OKTA_CLIENT_ID with OKTA_PRIVATE_KEY or OKTA_PRIVATE_KEY_FILE".into(),
            ));
        };
        let pem = match (get("OKTA_PRIVATE_KEY"), get("OKTA_PRIVATE_KEY_FILE")) {
            (Some(pem), _) => SecretString::from(pem),
            (None, Some(path)) => SecretString::from(
                std::fs::read_to_string(&path)
                    .map_err(|e| Error::Config(format!("OKTA_PRIVATE_KEY_FILE {path}: {e}")))?,
            ),
            (None, None) => {
                return Err(Error::Config(
                    "OKTA_CLIENT_ID is set but neither OKTA_PRIVATE_KEY nor OKTA_PRIVATE_KEY_FILE"
                        .into(),
                ));
            }
        };
        let mut app = PrivateKeyJwt::from_pem(client_id, &pem)?;
        if let Some(scopes) = get("OKTA_SCOPES") {
            app = app.scopes(scopes.split([' ', ',']).filter(|s| !s.is_empty()));
        }
        if let Some(kid) = get("OKTA_KEY_ID") {
            app = app.key_id(kid);
        }
        self.credentials = Some(Credentials::PrivateKeyJwt(app));
        Ok(self)
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] when the org URL is missing, not `https` (outside loopback),
    /// has a path, query or credentials, or no credentials were given.
    pub fn build(self) -> Result<OktaClient, Error> {
        let raw = self
            .org_url
            .ok_or_else(|| Error::Config("no org URL".into()))?;
        let org = parse_org_url(&raw)?;
        let credentials = self.credentials.ok_or_else(|| {
            Error::Config("no credentials: give an API token or an OAuth service app".into())
        })?;
        let http =
            reqwest::Client::builder()
                .user_agent(self.user_agent.unwrap_or_else(|| {
                    concat!("okta-api-rust/", env!("CARGO_PKG_VERSION")).to_owned()
                }))
                .connect_timeout(self.connect_timeout)
                .pool_max_idle_per_host(self.max_concurrency)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        let auth = match credentials {
            Credentials::ApiToken(token) => Auth::ApiToken(token),
            Credentials::PrivateKeyJwt(app) => {
                Auth::OAuth(Box::new(TokenCache::new(app, &org, self.timeout)?))
            }
        };
        Ok(OktaClient {
            inner: Arc::new(Inner {
                org,
                transport: Transport::new(
                    http,
                    auth,
                    self.max_concurrency,
                    self.policy,
                    self.timeout,
                ),
            }),
        })
    }
}

/// The org URL as given, with any `user:password@` part hidden, for messages.
fn redacted(raw: &str) -> String {
    match (raw.find("://"), raw.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}<redacted>@{}", &raw[..scheme + 3], &raw[at + 1..])
        }
        (None, Some(at)) => format!("<redacted>@{}", &raw[at + 1..]),
        _ => raw.to_owned(),
    }
}

fn parse_org_url(raw: &str) -> Result<Url, Error> {
    let shown = redacted(raw);
    let bad = |why: &str| Error::Config(format!("org URL `{shown}`: {why}"));
    let url = Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(bad("no host")),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Err(bad("must be https:// (plain http only for localhost)")),
    }
    if url.path() != "/" && !url.path().is_empty() {
        return Err(bad(
            "must have no path (give https://<org>.okta.com, not an admin or API URL)",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must have no query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not carry credentials"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_urls() {
        assert!(parse_org_url("https://acme.okta.com").is_ok());
        assert!(parse_org_url("https://acme.okta.com/").is_ok());
        assert!(parse_org_url("http://127.0.0.1:8080").is_ok());
        assert!(parse_org_url("http://localhost:1").is_ok());
        for bad in [
            "http://acme.okta.com",
            "https://acme.okta.com/api/v1",
            "https://acme-admin.okta.com/admin/dashboard",
            "https://acme.okta.com?x=1",
            "https://user:pw@acme.okta.com",
            "user:pw@acme.okta.com",
            "acme.okta.com",
            "ftp://acme.okta.com",
        ] {
            assert!(matches!(parse_org_url(bad), Err(Error::Config(_))), "{bad}");
        }
    }

    #[test]
    fn credentials_in_the_url_are_never_echoed() {
        for raw in [
            "https://admin:hunter2@acme.okta.com",
            "admin:hunter2@acme.okta.com/x",
            "http://a:hunter2@x.example",
        ] {
            let err = parse_org_url(raw).unwrap_err().to_string();
            assert!(!err.contains("hunter2"), "{err}");
            let b = OktaClient::builder().org_url(raw);
            assert!(!format!("{b:?}").contains("hunter2"));
        }
    }

    #[test]
    fn backoff_doubles_within_bounds() {
        let p = RetryPolicy::default();
        for attempt in 1..10 {
            let d = p.backoff(attempt);
            let exp =
                (Duration::from_millis(500) * 2u32.pow(attempt - 1)).min(Duration::from_secs(30));
            assert!(d >= exp / 2 && d <= exp, "attempt {attempt}: {d:?}");
        }
        assert!(p.jitter() <= Duration::from_secs(1));
    }

    #[test]
    fn from_env_names_what_is_missing() {
        let none = |_: &str| None;
        let err = OktaClient::builder()
            .from_env_with(none)
            .unwrap_err()
            .to_string();
        assert!(err.contains("OKTA_ORG_URL"), "{err}");
        let only_org = |k: &str| (k == "OKTA_ORG_URL").then(|| "https://a.okta.com".to_owned());
        let err = OktaClient::builder()
            .from_env_with(only_org)
            .unwrap_err()
            .to_string();
        assert!(err.contains("OKTA_API_TOKEN"), "{err}");
        let id_only = |k: &str| match k {
            "OKTA_ORG_URL" => Some("https://a.okta.com".to_owned()),
            "OKTA_CLIENT_ID" => Some("0oa1".to_owned()),
            _ => None,
        };
        let err = OktaClient::builder()
            .from_env_with(id_only)
            .unwrap_err()
            .to_string();
        assert!(err.contains("OKTA_PRIVATE_KEY"), "{err}");
        let missing_file = |k: &str| match k {
            "OKTA_ORG_URL" => Some("https://a.okta.com".to_owned()),
            "OKTA_CLIENT_ID" => Some("0oa1".to_owned()),
            "OKTA_PRIVATE_KEY_FILE" => Some("/nonexistent/key.pem".to_owned()),
            _ => None,
        };
        let err = OktaClient::builder()
            .from_env_with(missing_file)
            .unwrap_err()
            .to_string();
        assert!(err.contains("/nonexistent/key.pem"), "{err}");
    }

    #[test]
    fn from_env_reads_an_oauth_app() {
        let key_file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/keys/ec_sec1.pem");
        let vars = |k: &str| match k {
            "OKTA_ORG_URL" => Some("https://a.okta.com".to_owned()),
            "OKTA_CLIENT_ID" => Some("0oa1".to_owned()),
            "OKTA_PRIVATE_KEY_FILE" => Some(key_file.to_owned()),
            "OKTA_SCOPES" => Some("okta.users.read, okta.groups.read".to_owned()),
            _ => None,
        };
        let b = OktaClient::builder().from_env_with(vars).unwrap();
        let dbg = format!("{b:?}");
        assert!(
            dbg.contains("ES256") && dbg.contains("okta.groups.read"),
            "{dbg}"
        );
        assert!(!dbg.contains("PRIVATE KEY"));
        let client = b.build().unwrap();
        assert!(format!("{client:?}").contains("OAuth"));
    }
}
