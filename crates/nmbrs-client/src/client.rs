//! [`NmbrsClient`]: transport, authentication, limits, retries and the typed operations.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use url::Url;

use crate::envelope::{self, AuthHeader, AuthValues, Body};
use crate::error::{Error, ErrorKind, Result};
use crate::model::{
    AddressRecord, CodeItem, Company, CompanyId, ContractRecord, CostCenterShare, Debtor, DebtorId,
    DepartmentRecord, EmployeeId, EmployeeRecords, EmployeeSummary, EmployeeType, EmploymentRecord,
    EnvironmentInfo, FunctionRecord, Manager, Period, PersonalInfo, PersonalInfoWithBsn,
};
use crate::operation::{CONTENT_TYPE, Operation, company_param, ops};
use crate::parse;

/// The most calls per second the client will make: Nmbrs's fair-use ceiling (research §4).
pub const MAX_RATE_LIMIT: u32 = 150;
/// Calls per second by default: well below the fair-use ceiling, shared with other users.
pub const DEFAULT_RATE_LIMIT: u32 = 20;

/// Which Nmbrs installation to call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Host {
    /// `https://api.nmbrs.nl/soap/v3/`.
    Production,
    /// `https://api-sandbox.nmbrs.nl/soap/v3/`.
    Sandbox,
    /// `https://api.nmbrs.se/soap/v3/` (Swedish environments; path inferred, research §1).
    Sweden,
    /// Any base URL ending in the folder that holds `{Service}.asmx`: a proxy, a test
    /// server, the simulator.
    Custom(Url),
}

impl Host {
    /// The base URL the service paths are joined to.
    ///
    /// ```
    /// use nmbrs_client::Host;
    /// assert_eq!(Host::Sandbox.base_url().as_str(), "https://api-sandbox.nmbrs.nl/soap/v3/");
    /// ```
    pub fn base_url(&self) -> Url {
        let text = match self {
            Self::Production => "https://api.nmbrs.nl/soap/v3/",
            Self::Sandbox => "https://api-sandbox.nmbrs.nl/soap/v3/",
            Self::Sweden => "https://api.nmbrs.se/soap/v3/",
            Self::Custom(url) => return url.clone(),
        };
        // Constant, valid URLs.
        Url::parse(text).unwrap_or_else(|_| unreachable!("constant URL {text} parses"))
    }
}

/// The API user's credentials. The token never appears in `Debug` output.
#[derive(Clone)]
pub struct Credentials {
    username: String,
    token: SecretString,
    domain: Option<String>,
}

impl Credentials {
    /// The API user's e-mail, API token, and the environment's sub-domain (`acme` for
    /// `acme.nmbrs.nl`; `None` to leave it out, or to discover it with
    /// [`NmbrsClient::discover_domain`]).
    ///
    /// ```
    /// let c = nmbrs_client::Credentials::new("api@example.com", "s3cret-token".into(), Some("acme".into()));
    /// assert!(!format!("{c:?}").contains("s3cret-token"));
    /// ```
    pub fn new(username: impl Into<String>, token: SecretString, domain: Option<String>) -> Self {
        Self {
            username: username.into(),
            token,
            domain: domain.filter(|d| !d.trim().is_empty()),
        }
    }

    /// The user name.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The sub-domain, when set.
    pub fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("token", &"<redacted>")
            .field("domain", &self.domain)
            .finish()
    }
}

/// Builds an [`NmbrsClient`].
///
/// ```
/// use std::time::Duration;
/// use nmbrs_client::{Credentials, Host, NmbrsClient};
///
/// let client = NmbrsClient::builder()
///     .host(Host::Sandbox)
///     .credentials(Credentials::new("api@example.com", "token".into(), Some("acme".into())))
///     .rate_limit(10)
///     .max_concurrency(2)
///     .bulk_timeout(Duration::from_secs(600))
///     .build()?;
/// assert_eq!(client.base_url().host_str(), Some("api-sandbox.nmbrs.nl"));
/// # Ok::<(), nmbrs_client::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct NmbrsClientBuilder {
    host: Host,
    credentials: Option<Credentials>,
    rate_limit: u32,
    max_concurrency: usize,
    max_retries: u32,
    backoff_base: Duration,
    backoff_max: Duration,
    timeout: Duration,
    bulk_timeout: Duration,
    connect_timeout: Duration,
    allow_bsn: bool,
    max_response_bytes: usize,
}

impl Default for NmbrsClientBuilder {
    fn default() -> Self {
        Self {
            host: Host::Production,
            credentials: None,
            rate_limit: DEFAULT_RATE_LIMIT,
            max_concurrency: 4,
            max_retries: 3,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            timeout: Duration::from_secs(30),
            bulk_timeout: Duration::from_secs(300),
            connect_timeout: Duration::from_secs(10),
            allow_bsn: false,
            max_response_bytes: 1 << 30,
        }
    }
}

impl NmbrsClientBuilder {
    /// Reads the configuration from the environment: `NMBRS_USERNAME`, `NMBRS_TOKEN`,
    /// optional `NMBRS_DOMAIN`, and either `NMBRS_ENV` (`production`, `sandbox` or
    /// `sweden`; default production) or `NMBRS_BASE_URL`.
    ///
    /// # Errors
    /// [`ErrorKind::Configuration`] naming the variable that is missing or wrong.
    pub fn from_env() -> Result<Self> {
        Self::from_env_with(|key| std::env::var(key).ok())
    }

    /// [`from_env`](Self::from_env) over any lookup, e.g. a map in tests.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// let vars = HashMap::from([
    ///     ("NMBRS_USERNAME", "api@example.com"),
    ///     ("NMBRS_TOKEN", "t0ken"),
    ///     ("NMBRS_ENV", "sandbox"),
    /// ]);
    /// let client = nmbrs_client::NmbrsClientBuilder::from_env_with(|k| vars.get(k).map(|v| v.to_string()))?
    ///     .build()?;
    /// assert_eq!(client.base_url().as_str(), "https://api-sandbox.nmbrs.nl/soap/v3/");
    /// # Ok::<(), nmbrs_client::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_env_with(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let required = |key: &str| {
            get(key)
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| Error::configuration(key, "is not set"))
        };
        let username = required("NMBRS_USERNAME")?;
        let token = SecretString::from(required("NMBRS_TOKEN")?);
        let domain = get("NMBRS_DOMAIN");
        let host = match (get("NMBRS_BASE_URL"), get("NMBRS_ENV")) {
            (Some(url), _) if !url.trim().is_empty() => Host::Custom(
                Url::parse(url.trim())
                    .map_err(|e| Error::configuration("NMBRS_BASE_URL", e.to_string()))?,
            ),
            (_, None) => Host::Production,
            (_, Some(env)) => match env.trim().to_ascii_lowercase().as_str() {
                "" | "production" | "prod" => Host::Production,
                "sandbox" => Host::Sandbox,
                "sweden" | "se" => Host::Sweden,
                other => {
                    return Err(Error::configuration(
                        "NMBRS_ENV",
                        format!("{other:?} is not production, sandbox or sweden"),
                    ));
                }
            },
        };
        Ok(Self::default()
            .host(host)
            .credentials(Credentials::new(username, token, domain)))
    }

    /// Which installation to call (default: production).
    pub fn host(mut self, host: Host) -> Self {
        self.host = host;
        self
    }

    /// A base URL (shorthand for [`Host::Custom`]).
    ///
    /// # Errors
    /// [`ErrorKind::Configuration`] when `url` is not a URL.
    pub fn base_url(self, url: &str) -> Result<Self> {
        let url = Url::parse(url).map_err(|e| Error::configuration("base_url", e.to_string()))?;
        Ok(self.host(Host::Custom(url)))
    }

    /// The API user's credentials (required).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Calls per second, at most [`MAX_RATE_LIMIT`] (default [`DEFAULT_RATE_LIMIT`]).
    pub fn rate_limit(mut self, calls_per_second: u32) -> Self {
        self.rate_limit = calls_per_second;
        self
    }

    /// Calls in flight at once (default 4).
    pub fn max_concurrency(mut self, calls: usize) -> Self {
        self.max_concurrency = calls;
        self
    }

    /// Retries of a retryable failure (default 3; 0 disables retrying).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The first back-off delay and its ceiling (defaults 500 ms and 30 s); each retry
    /// doubles the delay, with jitter.
    pub fn backoff(mut self, base: Duration, max: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_max = max.max(base);
        self
    }

    /// The timeout of ordinary calls (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The timeout of company-wide bulk calls (default 5 minutes).
    pub fn bulk_timeout(mut self, timeout: Duration) -> Self {
        self.bulk_timeout = timeout;
        self
    }

    /// Allows [`NmbrsClient::personal_info_with_bsn`], which fetches citizen service numbers
    /// (default: refused).
    pub fn allow_bsn(mut self, allow: bool) -> Self {
        self.allow_bsn = allow;
        self
    }

    /// The largest answer accepted (default 1 GiB).
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// The client.
    ///
    /// # Errors
    /// [`ErrorKind::Configuration`] when the credentials are missing, the rate limit is 0 or
    /// above [`MAX_RATE_LIMIT`], the concurrency is 0, or the base URL carries a user name
    /// or password, a query, or cannot be a base.
    pub fn build(self) -> Result<NmbrsClient> {
        let credentials = self
            .credentials
            .ok_or_else(|| Error::configuration("credentials", "no API user and token given"))?;
        if credentials.username.trim().is_empty() {
            return Err(Error::configuration("NMBRS_USERNAME", "is empty"));
        }
        if credentials.token.expose_secret().trim().is_empty() {
            return Err(Error::configuration("NMBRS_TOKEN", "is empty"));
        }
        if self.rate_limit == 0 || self.rate_limit > MAX_RATE_LIMIT {
            return Err(Error::configuration(
                "rate_limit",
                format!(
                    "{} calls/s is outside 1..={MAX_RATE_LIMIT} (Nmbrs's fair-use ceiling)",
                    self.rate_limit
                ),
            ));
        }
        if self.max_concurrency == 0 || self.max_concurrency > 1_000 {
            return Err(Error::configuration(
                "max_concurrency",
                format!("{} is outside 1..=1000", self.max_concurrency),
            ));
        }
        let mut base = self.host.base_url();
        if !base.username().is_empty() || base.password().is_some() {
            return Err(Error::configuration(
                "base_url",
                "must not carry a user name or password (credentials go in the SOAP header)",
            ));
        }
        if base.cannot_be_a_base()
            || base.query().is_some()
            || !matches!(base.scheme(), "http" | "https")
        {
            return Err(Error::configuration(
                "base_url",
                "must be an http(s) URL of the folder holding the .asmx services",
            ));
        }
        let loopback = match base.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            None => false,
        };
        if base.scheme() == "http" && !loopback {
            return Err(Error::configuration(
                "base_url",
                "plain http is only allowed to this machine (the token travels in the body); use https",
            ));
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            // A redirect would re-send the body, token included, to another place.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("hrsync-nmbrs-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::configuration("http", e.to_string()).with_source(e))?;
        let domain = RwLock::new(credentials.domain.clone());
        Ok(NmbrsClient {
            inner: Arc::new(Inner {
                http,
                base,
                credentials,
                domain,
                limiter: RateLimiter::new(self.rate_limit),
                permits: Semaphore::new(self.max_concurrency),
                max_retries: self.max_retries,
                backoff_base: self.backoff_base,
                backoff_max: self.backoff_max,
                timeout: self.timeout,
                bulk_timeout: self.bulk_timeout,
                allow_bsn: self.allow_bsn,
                max_response_bytes: self.max_response_bytes,
                calls: AtomicU64::new(0),
                retries: AtomicU64::new(0),
            }),
        })
    }
}

/// Spaces calls evenly: at most `rate` starts per second, no bursts.
#[derive(Debug)]
struct RateLimiter {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    fn new(rate: u32) -> Self {
        Self {
            interval: Duration::from_secs(1) / rate.max(1),
            next: Mutex::new(None),
        }
    }

    async fn acquire(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// Counters of a client's traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CallStats {
    /// HTTP requests sent, retries included.
    pub calls: u64,
    /// Of those, retries.
    pub retries: u64,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base: Url,
    credentials: Credentials,
    domain: RwLock<Option<String>>,
    limiter: RateLimiter,
    permits: Semaphore,
    max_retries: u32,
    backoff_base: Duration,
    backoff_max: Duration,
    timeout: Duration,
    bulk_timeout: Duration,
    allow_bsn: bool,
    max_response_bytes: usize,
    calls: AtomicU64,
    retries: AtomicU64,
}

/// A client of the Nmbrs SOAP API v3. Cheap to clone; clones share limits and counters.
///
/// Every method makes one SOAP call (plus retries of retryable failures), spaced by the
/// rate limiter and bounded by the concurrency limit. Bodies and tokens are never logged:
/// `tracing` events at `debug` name the operation, status, size and time only.
///
/// ```no_run
/// # async fn demo() -> Result<(), nmbrs_client::Error> {
/// let client = nmbrs_client::NmbrsClientBuilder::from_env()?.build()?;
/// for company in client.companies().await? {
///     println!("{:?} {:?}", company.id, company.name);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct NmbrsClient {
    inner: Arc<Inner>,
}

impl NmbrsClient {
    /// A builder with the defaults.
    pub fn builder() -> NmbrsClientBuilder {
        NmbrsClientBuilder::default()
    }

    /// The base URL calls go to.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// Requests sent so far by this client and its clones.
    pub fn stats(&self) -> CallStats {
        CallStats {
            calls: self.inner.calls.load(Ordering::Relaxed),
            retries: self.inner.retries.load(Ordering::Relaxed),
        }
    }

    /// The sub-domain sent in the auth header, if any.
    pub fn domain(&self) -> Option<String> {
        self.inner
            .domain
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Asks Nmbrs for the user's environment (`DebtorService.Environment_Get`, with the
    /// plain `AuthHeader`) and from then on sends its `SubDomain` as the `Domain` of every
    /// call of this client and its clones.
    ///
    /// # Errors
    /// Any call error; [`ErrorKind::InvalidData`] when the answer has no sub-domain.
    pub async fn discover_domain(&self) -> Result<EnvironmentInfo> {
        let env = self
            .execute(
                &ops::DEBTOR_ENVIRONMENT_GET,
                AuthHeader::Plain,
                &Body::Params(&[]),
                parse::environment,
            )
            .await?;
        let sub = env.sub_domain.clone().ok_or_else(|| {
            Error::invalid_data(
                "result",
                "Environment_GetResult/SubDomain",
                "no sub-domain in the answer",
            )
            .with_operation(&ops::DEBTOR_ENVIRONMENT_GET)
        })?;
        *self
            .inner
            .domain
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(sub);
        Ok(env)
    }

    /// `CompanyService.List_GetAll`: the companies the API user may see.
    ///
    /// # Errors
    /// Any [`Error`] of the call.
    pub async fn companies(&self) -> Result<Vec<Company>> {
        self.call(&ops::COMPANY_LIST_GET_ALL, &[], parse::companies)
            .await
    }

    /// `CompanyService.List_GetByDebtor`.
    ///
    /// # Errors
    /// Any [`Error`] of the call.
    pub async fn companies_by_debtor(&self, debtor: DebtorId) -> Result<Vec<Company>> {
        let params = [("DebtorId", debtor.to_string())];
        self.call(&ops::COMPANY_LIST_GET_BY_DEBTOR, &params, parse::companies)
            .await
    }

    /// `CompanyService.Company_GetCurrentPeriod`.
    ///
    /// # Errors
    /// Any [`Error`] of the call.
    pub async fn current_period(&self, company: CompanyId) -> Result<Period> {
        self.company_call(
            &ops::COMPANY_GET_CURRENT_PERIOD,
            company,
            parse::current_period,
        )
        .await
    }

    /// `CompanyService.CostCenter_GetList`: the company's cost centres.
    ///
    /// # Errors
    /// Any [`Error`] of the call.
    pub async fn cost_center_list(&self, company: CompanyId) -> Result<Vec<CodeItem>> {
        self.company_call(
            &ops::COMPANY_COST_CENTER_GET_LIST,
            company,
            parse::code_items,
        )
        .await
    }

    /// `DebtorService.List_GetAll`.
    ///
    /// # Errors
    /// Any [`Error`] of the call.
    pub async fn debtors(&self) -> Result<Vec<Debtor>> {
        self.call(&ops::DEBTOR_LIST_GET_ALL, &[], parse::debtors)
            .await
    }

    /// `DebtorService.Department_GetList`: the debtor's departments.
    ///
    /// # Errors
    /// Any [`Error`] of the call.
    pub async fn debtor_departments(&self, debtor: DebtorId) -> Result<Vec<CodeItem>> {
        let params = [("DebtorId", debtor.to_string())];
        self.call(&ops::DEBTOR_DEPARTMENT_GET_LIST, &params, parse::code_items)
            .await
    }

    /// `DebtorService.Function_GetList`: the debtor's functions (job titles).
    ///
    /// # Errors
    /// Any [`Error`] of the call.
    pub async fn debtor_functions(&self, debtor: DebtorId) -> Result<Vec<CodeItem>> {
        let params = [("DebtorId", debtor.to_string())];
        self.call(&ops::DEBTOR_FUNCTION_GET_LIST, &params, parse::code_items)
            .await
    }

    /// `DebtorService.Manager_GetList`: the debtor's managers.
    ///
    /// # Errors
    /// Any [`Error`] of the call.
    pub async fn debtor_managers(&self, debtor: DebtorId) -> Result<Vec<Manager>> {
        let params = [("DebtorId", debtor.to_string())];
        self.call(&ops::DEBTOR_MANAGER_GET_LIST, &params, parse::managers)
            .await
    }

    /// `EmployeeService.EmployeeType_GetList`.
    ///
    /// # Errors
    /// Any [`Error`] of the call.
    pub async fn employee_types(&self) -> Result<Vec<EmployeeType>> {
        self.call(&ops::EMPLOYEE_TYPE_GET_LIST, &[], parse::employee_types)
            .await
    }

    /// `EmployeeService.List_GetByCompany`: the company's people of one employee type.
    ///
    /// # Errors
    /// Any [`Error`] of the call.
    pub async fn employees_by_company(
        &self,
        company: CompanyId,
        employee_type: i32,
    ) -> Result<Vec<EmployeeSummary>> {
        let op = &ops::EMPLOYEE_LIST_GET_BY_COMPANY;
        let params = [
            (company_param(op), company.to_string()),
            ("EmployeeType", employee_type.to_string()),
        ];
        self.call(op, &params, parse::employee_list).await
    }

    /// `EmployeeService.PersonalInfoWithoutBSN_Get_GetAllEmployeesByCompany`: everyone's
    /// personal-info history, without citizen service numbers.
    ///
    /// # Errors
    /// Any [`Error`] of the call.
    pub async fn personal_info(
        &self,
        company: CompanyId,
    ) -> Result<Vec<EmployeeRecords<PersonalInfo>>> {
        self.company_call(
            &ops::PERSONAL_INFO_WITHOUT_BSN,
            company,
            parse::personal_info,
        )
        .await
    }

    /// `EmployeeService.PersonalInfo_GetAll_AllEmployeesByCompany`: as
    /// [`personal_info`](Self::personal_info) with the BSN. Refused unless the client was
    /// built with [`NmbrsClientBuilder::allow_bsn`].
    ///
    /// # Errors
    /// [`ErrorKind::Configuration`] without the opt-in; otherwise any [`Error`] of the call.
    pub async fn personal_info_with_bsn(
        &self,
        company: CompanyId,
    ) -> Result<Vec<EmployeeRecords<PersonalInfoWithBsn>>> {
        if !self.inner.allow_bsn {
            return Err(Error::configuration(
                "allow_bsn",
                "fetching citizen service numbers needs NmbrsClientBuilder::allow_bsn(true)",
            )
            .with_operation(&ops::PERSONAL_INFO_WITH_BSN));
        }
        self.company_call(
            &ops::PERSONAL_INFO_WITH_BSN,
            company,
            parse::personal_info_with_bsn,
        )
        .await
    }

    /// `EmployeeService.Employment_GetAll_AllEmployeesByCompany`.
    ///
    /// # Errors
    /// Any [`Error`] of the call.
    pub async fn employments(
        &self,
        company: CompanyId,
    ) -> Result<Vec<EmployeeRecords<EmploymentRecord>>> {
        self.company_call(&ops::EMPLOYMENTS, company, parse::employments)
            .await
    }

    /// `EmployeeService.Contract_GetAll_AllEmployeesByCompany`.
    ///
    /// # Errors
    /// Any [`Error`] of the call.
    pub async fn contracts(
        &self,
        company: CompanyId,
    ) -> Result<Vec<EmployeeRecords<ContractRecord>>> {
        self.company_call(&ops::CONTRACTS, company, parse::contracts)
            .await
    }

    /// `EmployeeService.Department_GetAll_AllEmployeesByCompany`.
    ///
    /// # Errors
    /// Any [`Error`] of the call.
    pub async fn departments(
        &self,
        company: CompanyId,
    ) -> Result<Vec<EmployeeRecords<DepartmentRecord>>> {
        self.company_call(&ops::DEPARTMENTS, company, parse::departments)
            .await
    }

    /// `EmployeeService.Function_GetAll_AllEmployeesByCompany_V2`.
    ///
    /// # Errors
    /// Any [`Error`] of the call.
    pub async fn functions(
        &self,
        company: CompanyId,
    ) -> Result<Vec<EmployeeRecords<FunctionRecord>>> {
        self.company_call(&ops::FUNCTIONS, company, parse::functions)
            .await
    }

    /// `EmployeeService.Address_GetAll_AllEmployeesByCompany`.
    ///
    /// # Errors
    /// Any [`Error`] of the call.
    pub async fn addresses(
        &self,
        company: CompanyId,
    ) -> Result<Vec<EmployeeRecords<AddressRecord>>> {
        self.company_call(&ops::ADDRESSES, company, parse::addresses)
            .await
    }

    /// `EmployeeService.CostCenter_GetAllEmployeesByCompany` for one payroll period.
    ///
    /// # Errors
    /// Any [`Error`] of the call.
    pub async fn cost_centers(
        &self,
        company: CompanyId,
        period: &Period,
    ) -> Result<Vec<EmployeeRecords<CostCenterShare>>> {
        let op = &ops::COST_CENTERS;
        let params = [
            (company_param(op), company.to_string()),
            ("Period", period.period.to_string()),
            ("Year", period.year.to_string()),
        ];
        self.call(op, &params, parse::cost_centers).await
    }

    /// `EmployeeService.Manager_GetCurrent`: the person's manager, `None` when there is none.
    ///
    /// # Errors
    /// Any [`Error`] of the call.
    pub async fn current_manager(&self, employee: EmployeeId) -> Result<Option<Manager>> {
        let params = [("EmployeeId", employee.to_string())];
        self.call(&ops::MANAGER_GET_CURRENT, &params, parse::current_manager)
            .await
    }

    /// Any operation, for what the typed methods do not cover: `inner_xml` is the content
    /// of the operation element (parameter elements; escape your values). Auth, limits,
    /// retries and fault handling are those of the typed calls; the answer is returned
    /// whole once it is known not to be a fault.
    ///
    /// ```no_run
    /// # async fn demo(client: nmbrs_client::NmbrsClient) -> Result<(), nmbrs_client::Error> {
    /// use nmbrs_client::{Operation, Service};
    /// let op = Operation::new(Service::Employee, "Schedule_Get");
    /// let xml = client.call_raw(&op, "<EmployeeId>603463</EmployeeId>").await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// Any [`Error`] of the call.
    pub async fn call_raw(&self, op: &Operation, inner_xml: &str) -> Result<Bytes> {
        if carries_bsn_or_salary(op) && !self.inner.allow_bsn {
            return Err(Error::configuration(
                "allow_bsn",
                "this operation returns citizen service numbers or salaries; it needs NmbrsClientBuilder::allow_bsn(true)",
            )
            .with_operation(op));
        }
        self.execute_raw(
            op,
            AuthHeader::WithDomain,
            &Body::Raw(inner_xml),
            parse::check,
        )
        .await
    }

    async fn company_call<T>(
        &self,
        op: &Operation,
        company: CompanyId,
        parse: fn(&[u8]) -> Result<T>,
    ) -> Result<T> {
        let params = [(company_param(op), company.to_string())];
        self.call(op, &params, parse).await
    }

    async fn call<T>(
        &self,
        op: &Operation,
        params: &[(&'static str, String)],
        parse: fn(&[u8]) -> Result<T>,
    ) -> Result<T> {
        self.execute(op, AuthHeader::WithDomain, &Body::Params(params), parse)
            .await
    }

    async fn execute<T>(
        &self,
        op: &Operation,
        header: AuthHeader,
        body: &Body<'_>,
        parse: fn(&[u8]) -> Result<T>,
    ) -> Result<T> {
        let envelope = self.envelope(op, header, body);
        self.with_retries(op, &envelope, |bytes| parse(&bytes))
            .await
    }

    async fn execute_raw(
        &self,
        op: &Operation,
        header: AuthHeader,
        body: &Body<'_>,
        check: fn(&[u8]) -> Result<()>,
    ) -> Result<Bytes> {
        let envelope = self.envelope(op, header, body);
        self.with_retries(op, &envelope, |bytes| check(&bytes).map(|()| bytes))
            .await
    }

    fn envelope(&self, op: &Operation, header: AuthHeader, body: &Body<'_>) -> String {
        let domain = self.domain();
        let auth = AuthValues {
            username: &self.inner.credentials.username,
            token: self.inner.credentials.token.expose_secret(),
            domain: domain.as_deref(),
        };
        envelope::render(op, &auth, header, body)
    }

    /// Sends, reads and parses, retrying retryable failures (a cut-off answer included)
    /// with exponential back-off and jitter.
    async fn with_retries<T>(
        &self,
        op: &Operation,
        envelope: &str,
        parse: impl Fn(Bytes) -> Result<T>,
    ) -> Result<T> {
        let mut attempt = 0u32;
        loop {
            let outcome = match self.send(op, envelope).await {
                Ok(bytes) => parse(bytes),
                Err(e) => Err(e),
            };
            let error = match outcome {
                Ok(value) => return Ok(value),
                Err(e) => e.with_operation(op),
            };
            if !error.is_retryable() || attempt >= self.inner.max_retries {
                tracing::debug!(operation = %op, attempt, error = %error, "nmbrs call failed");
                return Err(error);
            }
            let delay = self.backoff(attempt, &error);
            tracing::warn!(
                operation = %op,
                attempt,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                error = %error,
                "nmbrs call failed, retrying"
            );
            self.inner.retries.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    fn backoff(&self, attempt: u32, error: &Error) -> Duration {
        if let ErrorKind::RateLimited {
            retry_after: Some(after),
        } = error.kind()
        {
            return (*after).min(self.inner.backoff_max);
        }
        let exp = self
            .inner
            .backoff_base
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.inner.backoff_max);
        // Jitter in [exp/2, exp]: retries of many clients spread out.
        let half = exp / 2;
        half + half.mul_f64(fastrand::f64())
    }

    /// One HTTP exchange: the answer's bytes on success, a typed error otherwise.
    async fn send(&self, op: &Operation, envelope: &str) -> Result<Bytes> {
        let inner = &self.inner;
        let _permit = inner
            .permits
            .acquire()
            .await
            .map_err(|_| Error::new(ErrorKind::Transient, "the client is shutting down"))?;
        inner.limiter.acquire().await;
        inner.calls.fetch_add(1, Ordering::Relaxed);
        let url = inner
            .base
            .join(&op.service().path())
            .map_err(|e| Error::configuration("base_url", e.to_string()))?;
        let timeout = if op.is_bulk() {
            inner.bulk_timeout
        } else {
            inner.timeout
        };
        let started = std::time::Instant::now();
        let exchange = async {
            let response = inner
                .http
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE)
                .header("SOAPAction", op.soap_action())
                .body(envelope.to_owned())
                .send()
                .await
                .map_err(transport_error)?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let bytes = read_body(response, inner.max_response_bytes).await?;
            Ok::<_, Error>((status, retry_after, bytes))
        };
        let (status, retry_after, bytes) =
            tokio::time::timeout(timeout, exchange)
                .await
                .map_err(|_| {
                    Error::new(
                        ErrorKind::Timeout,
                        format!("no complete answer within {} s", timeout.as_secs_f32()),
                    )
                })??;
        tracing::debug!(
            operation = %op,
            status,
            bytes = bytes.len(),
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "nmbrs call"
        );
        classify(status, retry_after, bytes)
    }
}

/// Operations whose answers hold BSNs or salaries (research §3.1): refused without the
/// opt-in, also through [`NmbrsClient::call_raw`].
fn carries_bsn_or_salary(op: &Operation) -> bool {
    let name = op.name();
    name.starts_with("PersonalInfo_")
        || name.starts_with("PersonalInfoContractSalaryAddress")
        || name.starts_with("Salary")
        || name.starts_with("Wage")
}

async fn read_body(mut response: reqwest::Response, max: usize) -> Result<Bytes> {
    let mut body = BytesMut::with_capacity(
        response
            .content_length()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0)
            .min(max)
            .min(64 << 20),
    );
    while let Some(chunk) = response.chunk().await.map_err(|e| {
        Error::new(
            ErrorKind::Truncated,
            "the connection broke while the answer was read",
        )
        .with_source(e)
    })? {
        if body.len() + chunk.len() > max {
            return Err(Error::protocol(format!(
                "the answer is larger than {max} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn transport_error(e: reqwest::Error) -> Error {
    let message = if e.is_timeout() {
        return Error::new(ErrorKind::Timeout, "the request timed out").with_source(e);
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "the request failed"
    };
    Error::new(ErrorKind::Transient, message).with_source(e)
}

/// Turns a status and body into the body or an error: SOAP faults by their code, 429 as
/// throttling, other 5xx as transient, anything else as a protocol error.
fn classify(status: u16, retry_after: Option<Duration>, bytes: Bytes) -> Result<Bytes> {
    if (200..300).contains(&status) {
        return Ok(bytes);
    }
    if let Err(e) = crate::xml::open_envelope(&bytes)
        && !matches!(e.kind(), ErrorKind::Protocol | ErrorKind::Truncated)
    {
        return Err(e.with_status(status));
    }
    let what = if looks_like_html(&bytes) {
        "an HTML error page"
    } else if bytes.is_empty() {
        "an empty answer"
    } else {
        "an answer that is not a SOAP fault"
    };
    let error = match status {
        429 => Error::new(ErrorKind::RateLimited { retry_after }, what),
        500..=599 => Error::new(ErrorKind::Transient, what),
        _ => Error::protocol(what),
    };
    Err(error.with_status(status))
}

fn looks_like_html(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(512)];
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    text.contains("<html") || text.contains("<!doctype html")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_rate_limiter_spaces_calls_evenly() {
        let limiter = RateLimiter::new(20);
        let start = Instant::now();
        let mut starts = Vec::new();
        for _ in 0..21 {
            limiter.acquire().await;
            starts.push(start.elapsed());
        }
        // Virtual time: the 21st call starts one second after the first, none earlier.
        assert_eq!(starts[0], Duration::ZERO);
        assert_eq!(starts[20], Duration::from_secs(1));
        assert!(
            starts
                .windows(2)
                .all(|w| w[1] - w[0] == Duration::from_millis(50))
        );
    }

    #[test]
    fn rate_limits_outside_the_fair_use_range_are_refused() {
        let creds = || Credentials::new("u@example.com", "t".into(), None);
        for bad in [0, 151, 1000] {
            let err = NmbrsClient::builder()
                .credentials(creds())
                .rate_limit(bad)
                .build()
                .err()
                .map(|e| e.kind().clone());
            assert_eq!(
                err,
                Some(ErrorKind::Configuration {
                    key: "rate_limit".into()
                }),
                "{bad}"
            );
        }
        assert!(
            NmbrsClient::builder()
                .credentials(creds())
                .rate_limit(150)
                .build()
                .is_ok()
        );
    }

    #[test]
    fn plain_http_is_for_this_machine_only_and_concurrency_is_bounded() {
        let build = |url: &str| {
            NmbrsClient::builder()
                .credentials(Credentials::new("u", "t".into(), None))
                .base_url(url)
                .and_then(NmbrsClientBuilder::build)
                .map(|_| ())
                .map_err(|e| e.kind().clone())
        };
        assert!(build("http://127.0.0.1:8080/soap/v3/").is_ok());
        assert!(build("http://localhost/soap/v3/").is_ok());
        assert_eq!(
            build("http://proxy.example/soap/v3/"),
            Err(ErrorKind::Configuration {
                key: "base_url".into()
            })
        );
        let too_many = NmbrsClient::builder()
            .credentials(Credentials::new("u", "t".into(), None))
            .max_concurrency(usize::MAX)
            .build()
            .err()
            .map(|e| e.kind().clone());
        assert_eq!(
            too_many,
            Some(ErrorKind::Configuration {
                key: "max_concurrency".into()
            })
        );
    }

    #[test]
    fn base_urls_with_credentials_are_refused() {
        let err = NmbrsClient::builder()
            .credentials(Credentials::new("u", "t".into(), None))
            .base_url("https://user:pw@proxy.example/soap/v3/")
            .and_then(NmbrsClientBuilder::build)
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("base_url") && !e.contains("pw")));
    }

    #[test]
    fn from_env_names_the_missing_variable() {
        let err =
            NmbrsClientBuilder::from_env_with(|k| (k == "NMBRS_USERNAME").then(|| "u".to_owned()))
                .err()
                .map(|e| e.kind().clone());
        assert_eq!(
            err,
            Some(ErrorKind::Configuration {
                key: "NMBRS_TOKEN".into()
            })
        );
        let err = NmbrsClientBuilder::from_env_with(|k| match k {
            "NMBRS_ENV" => Some("staging".into()),
            "NMBRS_BASE_URL" => None,
            _ => Some("x".into()),
        })
        .err()
        .map(|e| e.kind().clone());
        assert_eq!(
            err,
            Some(ErrorKind::Configuration {
                key: "NMBRS_ENV".into()
            })
        );
    }

    #[test]
    fn classify_tells_faults_pages_and_throttling_apart() {
        let fault = Bytes::from_static(
            br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>Server was unable to process request. ---&gt; 9999: Unknown</faultstring></soap:Fault></soap:Body></soap:Envelope>"#,
        );
        let e = classify(500, None, fault).err().unwrap();
        assert_eq!(
            (e.code(), e.is_retryable(), e.status()),
            (Some(9999), true, Some(500))
        );
        let page = Bytes::from_static(b"<!DOCTYPE html><html><body>Bad gateway</body></html>");
        let e = classify(502, None, page.clone()).err().unwrap();
        assert_eq!(e.kind(), &ErrorKind::Transient);
        assert!(e.to_string().contains("HTML"));
        let e = classify(404, None, page).err().unwrap();
        assert_eq!(e.kind(), &ErrorKind::Protocol);
        let e = classify(429, Some(Duration::from_secs(2)), Bytes::new())
            .err()
            .unwrap();
        assert_eq!(
            e.kind(),
            &ErrorKind::RateLimited {
                retry_after: Some(Duration::from_secs(2))
            }
        );
    }
}
