//! An in-process Nmbrs SOAP API v3 simulator (feature `simulator`).
//!
//! [`Simulator`] serves an [`HrSnapshot`] the way Nmbrs's ASP.NET ASMX services would:
//! `POST /soap/v3/{Service}.asmx` with a SOAP 1.1 envelope, the SOAPAction header, the
//! `AuthHeaderWithDomain` header and case-sensitive parameters, answering with
//! `<{Op}Response xmlns="https://api.nmbrs.nl/soap/v3/{Service}">` documents or SOAP
//! faults (`Server was unable to process request. ---> NNNN: Message`). The rendering
//! follows `docs/nmbrs.md` ("Simulator rendering rules"): history with stale, duplicate and
//! future-dated records, omitted and `xsi:nil` values, several addresses and cost centres,
//! and managers by e-mail. Tests, examples and demos use it in place of the real Nmbrs.
//!
//! Operations answered — CompanyService: `List_GetAll`, `List_GetByDebtor`,
//! `Company_GetCurrentPeriod`, `CostCenter_GetList`; DebtorService: `List_GetAll`,
//! `Environment_Get`, `Department_GetList`, `Function_GetList`, `Manager_GetList`;
//! EmployeeService: `EmployeeType_GetList`, `List_GetByCompany`,
//! `PersonalInfoWithoutBSN_Get_GetAllEmployeesByCompany`,
//! `PersonalInfo_GetAll_AllEmployeesByCompany`, `Employment_GetAll_AllEmployeesByCompany`,
//! `Contract_GetAll_AllEmployeesByCompany`, `Department_GetAll_AllEmployeesByCompany`,
//! `Function_GetAll_AllEmployeesByCompany_V2`, `Address_GetAll_AllEmployeesByCompany`,
//! `CostCenter_GetAllEmployeesByCompany`, `Manager_GetCurrent`.
//!
//! ```no_run
//! use nmbrs_client::simulator::{Injection, Simulator};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let snapshot = hr_core::HrSnapshot::new("example", chrono::Utc::now(), vec![], vec![])?;
//! let simulator = Simulator::new(&snapshot)?.with_current_period(2026, 6);
//! let server = simulator.serve().await?;
//! println!("Nmbrs at {}", server.base_url()); // http://127.0.0.1:PORT/soap/v3/
//! simulator.inject(Injection::fault(Some("Manager_GetCurrent"), 1006, "Generic Login Security Failure", 1));
//! # Ok(()) }
//! ```

mod connected;
mod data;
mod render;
mod server;
mod xml;

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use axum::Router;
use axum::routing::any;
use chrono::Datelike;
use hr_core::HrSnapshot;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use data::Data;
use render::Op;

pub use connected::{SimulatedNmbrs, generated_snapshot};

/// The API user (e-mail) the simulator accepts unless configured otherwise.
pub const USERNAME: &str = "api.user@example.com";
/// The API token the simulator accepts unless configured otherwise.
pub const TOKEN: &str = "simulator-token-0123456789abcdef";
/// The environment sub-domain (`acme` for `acme.nmbrs.nl`) unless configured otherwise.
pub const DOMAIN: &str = "acme";

const DEFAULT_DEBTOR_NAME: &str = "Simulated debtor";

/// Why a snapshot cannot be served.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimulatorError {
    /// An id, employee number or employee-type code is not a decimal `xs:int` (`i32`).
    #[error("{record}: {field} {value:?} is not a decimal integer that fits Nmbrs's 32-bit ids")]
    NotAnInteger {
        /// The record: `employee 600001` or `org unit 10`.
        record: String,
        /// The field: `id`, `employee_number`, `org.company.id`, `org.department.id` or
        /// `org.employee_type.code`.
        field: &'static str,
        /// The rejected value.
        value: String,
    },
    /// A person without a company: Nmbrs lists people per company only.
    #[error("{record} has no company; Nmbrs holds people per company only")]
    MissingCompany {
        /// The record: `employee 600001`.
        record: String,
    },
}

/// What an [`Injection`] does to a call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Effect {
    /// Answer with an Nmbrs SOAP fault (HTTP 500, `soap:Server`,
    /// `Server was unable to process request. ---> {code}: {message}`).
    Fault {
        /// The Nmbrs error code, such as 1006 or 9999.
        code: u32,
        /// The message after the code, such as `Generic Login Security Failure`.
        message: String,
    },
    /// Answer with this HTTP status and an HTML error page (`text/html`).
    Http {
        /// The status code; an invalid one becomes 500.
        status: u16,
    },
    /// Answer with the first half of the normal response body.
    Truncated,
    /// Wait this long, then answer normally.
    Delay(Duration),
}

/// A scripted misbehaviour for the next `times` calls of an operation.
///
/// Injections queue up in order; each call applies the first queued injection that
/// matches it (and uses up one of its `times`). Injected calls are counted like others.
///
/// ```
/// use std::time::Duration;
/// use nmbrs_client::simulator::{Effect, Injection};
///
/// let outage = Injection::http(None, 503, 2);
/// assert_eq!(outage.effect, Effect::Http { status: 503 });
/// let slow = Injection::delay(Some("Manager_GetCurrent"), Duration::from_millis(50), 1);
/// assert_eq!(slow.operation.as_deref(), Some("Manager_GetCurrent"));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Injection {
    /// The operation it applies to (`Manager_GetCurrent`, or `EmployeeService/Manager_GetCurrent`
    /// to name the service too); `None` for any operation.
    pub operation: Option<String>,
    /// How many calls it applies to.
    pub times: u32,
    /// What it does.
    pub effect: Effect,
}

impl Injection {
    fn new(operation: Option<&str>, times: u32, effect: Effect) -> Self {
        Self {
            operation: operation.map(str::to_owned),
            times,
            effect,
        }
    }

    /// The next `times` calls answer with Nmbrs fault `code: message` (HTTP 500).
    pub fn fault(operation: Option<&str>, code: u32, message: &str, times: u32) -> Self {
        Self::new(
            operation,
            times,
            Effect::Fault {
                code,
                message: message.to_owned(),
            },
        )
    }

    /// The next `times` calls answer with HTTP `status` and an HTML error page.
    pub fn http(operation: Option<&str>, status: u16, times: u32) -> Self {
        Self::new(operation, times, Effect::Http { status })
    }

    /// The next `times` calls answer with only the first half of the normal body.
    pub fn truncated(operation: Option<&str>, times: u32) -> Self {
        Self::new(operation, times, Effect::Truncated)
    }

    /// The next `times` calls are delayed by `delay`, then answered normally.
    pub fn delay(operation: Option<&str>, delay: Duration, times: u32) -> Self {
        Self::new(operation, times, Effect::Delay(delay))
    }

    fn matches(&self, op: Op) -> bool {
        match self.operation.as_deref() {
            None => true,
            Some(name) => name == op.name() || name == op.key(),
        }
    }
}

/// Credentials, period and latency: what may change while serving.
#[derive(Debug, Clone)]
struct Config {
    username: String,
    token: String,
    domain: String,
    year: i32,
    period: u32,
    debtor_name: String,
    latency: Duration,
}

/// The shared state behind every clone of a [`Simulator`].
struct Inner {
    config: RwLock<Config>,
    data: RwLock<Arc<Data>>,
    calls: Mutex<BTreeMap<String, u64>>,
    injections: Mutex<VecDeque<Injection>>,
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let data = self.data();
        let config = self.config();
        f.debug_struct("Inner")
            .field("username", &config.username)
            .field("domain", &config.domain)
            .field(
                "period",
                &format_args!("{}-{}-M", config.year, config.period),
            )
            .field("latency", &config.latency)
            .field("companies", &data.companies.len())
            .field("people", &data.people.len())
            .field("total_calls", &self.calls().values().sum::<u64>())
            .field("injections", &self.injections().len())
            .finish()
    }
}

impl Inner {
    fn config(&self) -> Config {
        self.config
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn update_config(&self, change: impl FnOnce(&mut Config)) {
        change(&mut self.config.write().unwrap_or_else(PoisonError::into_inner));
    }

    fn data(&self) -> Arc<Data> {
        Arc::clone(&self.data.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn calls(&self) -> MutexGuard<'_, BTreeMap<String, u64>> {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn injections(&self) -> MutexGuard<'_, VecDeque<Injection>> {
        self.injections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn count(&self, op: Op) {
        *self.calls().entry(op.key()).or_insert(0) += 1;
    }

    fn take_injection(&self, op: Op) -> Option<Effect> {
        let mut queue = self.injections();
        let at = queue.iter().position(|i| i.matches(op))?;
        let injection = queue.get_mut(at)?;
        injection.times = injection.times.saturating_sub(1);
        let effect = injection.effect.clone();
        if injection.times == 0 {
            queue.remove(at);
        }
        Some(effect)
    }
}

/// An Nmbrs SOAP v3 server over an [`HrSnapshot`]; clones share state (cheap).
///
/// Credentials default to [`USERNAME`], [`TOKEN`] and [`DOMAIN`]; the current payroll
/// period defaults to today's year and month (period type `M`). A single debtor (id 1)
/// holds every company.
#[derive(Debug, Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

impl Simulator {
    /// A simulator serving `snapshot`.
    ///
    /// # Errors
    /// [`SimulatorError`] when an employee id, company id, department id, employee number
    /// or employee-type code (or the id of a company or department org unit) is not an
    /// `i32` in decimal, or a person has no company.
    pub fn new(snapshot: &HrSnapshot) -> Result<Self, SimulatorError> {
        let data = Data::build(snapshot)?;
        let today = chrono::Utc::now().date_naive();
        let config = Config {
            username: USERNAME.to_owned(),
            token: TOKEN.to_owned(),
            domain: DOMAIN.to_owned(),
            year: today.year(),
            period: today.month(),
            debtor_name: DEFAULT_DEBTOR_NAME.to_owned(),
            latency: Duration::ZERO,
        };
        Ok(Self {
            inner: Arc::new(Inner {
                config: RwLock::new(config),
                data: RwLock::new(Arc::new(data)),
                calls: Mutex::new(BTreeMap::new()),
                injections: Mutex::new(VecDeque::new()),
            }),
        })
    }

    /// Accepts these credentials instead of the defaults (`domain` is the sub-domain,
    /// `acme` for `acme.nmbrs.nl`).
    #[must_use]
    pub fn with_credentials(self, username: &str, token: &str, domain: &str) -> Self {
        self.inner.update_config(|c| {
            c.username = username.to_owned();
            c.token = token.to_owned();
            c.domain = domain.to_owned();
        });
        self
    }

    /// Sets the companies' current payroll period (`Company_GetCurrentPeriod`); history
    /// records are dated relative to it. Monthly periods: `period` is clamped to 1..=12.
    #[must_use]
    pub fn with_current_period(self, year: i32, period: u32) -> Self {
        self.inner.update_config(|c| {
            c.year = year;
            c.period = period.clamp(1, 12);
        });
        self
    }

    /// Sets the name of the debtor (`DebtorService.List_GetAll`); default
    /// `Simulated debtor`.
    #[must_use]
    pub fn with_debtor_name(self, name: &str) -> Self {
        self.inner
            .update_config(|c| c.debtor_name = name.to_owned());
        self
    }

    /// Replaces the data served, live (requests in flight finish with the old data).
    ///
    /// # Errors
    /// As [`Simulator::new`]; the old data stays in place.
    pub fn set_snapshot(&self, snapshot: &HrSnapshot) -> Result<(), SimulatorError> {
        let data = Arc::new(Data::build(snapshot)?);
        *self
            .inner
            .data
            .write()
            .unwrap_or_else(PoisonError::into_inner) = data;
        Ok(())
    }

    /// An axum router answering `/soap/v3/{Service}.asmx`, to embed in another server.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/soap/v3/{file}", any(server::handle))
            .with_state(Arc::clone(&self.inner))
    }

    /// Serves on `127.0.0.1` at a free port, in a spawned task.
    ///
    /// # Errors
    /// When binding the listener fails.
    pub async fn serve(&self) -> std::io::Result<SimulatorHandle> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let app = self.router().fallback(server::fallback);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            // Errors end the server; the handle's owner sees connection failures.
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await;
        });
        Ok(SimulatorHandle {
            base_url: format!("http://{addr}/soap/v3/"),
            addr,
            stop: Some(stop),
            task,
        })
    }

    /// Calls per operation (`EmployeeService/Manager_GetCurrent` → 3): every request that
    /// named a known operation in its SOAPAction, faulted or not.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.inner.calls().clone()
    }

    /// The number of calls counted by [`Simulator::calls`].
    pub fn total_calls(&self) -> u64 {
        self.inner.calls().values().sum()
    }

    /// Sets every call counter back to zero.
    pub fn reset_calls(&self) {
        self.inner.calls().clear();
    }

    /// Queues an injection (one with `times == 0` does nothing).
    pub fn inject(&self, injection: Injection) {
        if injection.times > 0 {
            self.inner.injections().push_back(injection);
        }
    }

    /// Adds `latency` to every request from now on (`Duration::ZERO` to stop).
    pub fn set_latency(&self, latency: Duration) {
        self.inner.update_config(|c| c.latency = latency);
    }
}

/// A running [`Simulator::serve`]; dropping it stops the server.
#[derive(Debug)]
pub struct SimulatorHandle {
    base_url: String,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl SimulatorHandle {
    /// The base URL of the services: `http://127.0.0.1:PORT/soap/v3/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the server: no new connections, open ones close after their current request.
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for SimulatorHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
    }
}
