//! `hrsync serve`: [`HrScimProvider`] behind `okta-scim`'s server, with TLS, `/healthz`,
//! `/metrics`, a refresh loop and a clean stop (see [`crate::ServeArgs`]).

use std::collections::BTreeMap;
use std::fmt::{Debug, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::Listener;
use chrono::{DateTime, Utc};
use hr_sync::{HrScimProvider, KeptReason, PullError, RefreshOutcome, RunState, SnapshotInfo};
use okta_scim::server::{Access, Credential, ScimServer};
use secrecy::SecretString;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::Exit;
use crate::ServeArgs;
use crate::config::{Config, TargetConfig, parse_duration};
use crate::run::{CmdResult, Failure, build_source, mapper_and_state_dir, out, overrides};
use crate::tls::{TlsListener, server_config};

/// The Bearer token Okta sends (`Authorization: Bearer …`).
pub(crate) const TOKEN_VAR: &str = "HRSYNC_SCIM_TOKEN";
/// The Basic user name.
pub(crate) const USER_VAR: &str = "HRSYNC_SCIM_USER";
/// The Basic password.
pub(crate) const PASSWORD_VAR: &str = "HRSYNC_SCIM_PASSWORD";

/// How long requests in flight may take to finish after Ctrl-C.
const GRACE: Duration = Duration::from_secs(10);

/// A token shorter than this is accepted with a warning.
const SHORT_TOKEN: usize = 24;

/// The file (in the state directory) of the last good snapshot's safeguard state.
const PULL_STATE: &str = "pull-state.json";

pub(crate) async fn serve(config: Config, args: ServeArgs) -> CmdResult {
    if config.target != TargetConfig::ScimGateway {
        return Err(Failure::new(
            Exit::Config,
            "`hrsync serve` needs [target] kind = \"scim-gateway\": the configured target \
             pushes into Okta, and an Okta that both imports from the gateway and is pushed \
             into would have two masters for the same users",
        ));
    }
    let credentials = credentials(&|name| std::env::var(name))?;
    let every = match &args.every {
        Some(every) => {
            parse_duration(every).map_err(|e| Failure::new(Exit::Config, format!("--every {e}")))?
        }
        None => config.serve.refresh_interval(),
    };
    let tls = match (
        &args.tls_cert,
        &args.tls_key,
        &config.serve.tls_cert,
        &config.serve.tls_key,
    ) {
        (Some(cert), Some(key), _, _) => Some(
            server_config(cert, key)
                .map_err(|e| Failure::new(Exit::Config, format!("--tls-cert/--tls-key: {e}")))?,
        ),
        (None, None, Some(cert), Some(key)) => Some(
            server_config(&config.resolve(cert), &config.resolve(key)).map_err(|e| {
                Failure::new(Exit::Config, format!("serve.tls_cert/serve.tls_key: {e}"))
            })?,
        ),
        _ => None,
    };
    let first_override = overrides(&args.overrides, args.reason.as_deref())?;
    let bind = args.bind.unwrap_or_else(|| config.serve.bind_addr());
    let bind_key = if args.bind.is_some() {
        "--bind"
    } else {
        "serve.bind"
    };
    let tcp = TcpListener::bind(bind).await.map_err(|e| {
        Failure::new(
            Exit::Config,
            format!("{bind_key}: cannot listen on {bind}: {e}"),
        )
    })?;

    let (source, _simulator) = build_source(&config).await?;
    let (mapper, dir) = mapper_and_state_dir(&config)?;
    let state_file = dir.join(PULL_STATE);
    let mut builder = HrScimProvider::builder(source, mapper)
        .policy(config.sync.clone())
        .safeguards(config.safeguards.clone())
        .retention_days(config.serve.retention())
        .refresh_interval(every);
    if let Some(state) =
        RunState::load(&state_file).map_err(|e| Failure::new(Exit::Config, e.to_string()))?
    {
        builder = builder.last_good(state);
    }
    if let Some(token) = first_override {
        tracing::warn!(%token, "the first read may pass these safeguards");
        builder = builder.first_load_override(token);
    }
    let started = Instant::now();
    let provider = builder.start().await.map_err(|e| match e {
        PullError::FirstRead { .. } => Failure::new(Exit::Unreachable, e.to_string()),
        PullError::FirstTripped { .. } => Failure::new(
            Exit::Safeguard,
            format!("{e}; nothing is served (let it through with --override RULE --reason TEXT)"),
        ),
        PullError::InvalidConfig { .. } => Failure::new(Exit::Config, e.to_string()),
        other => Failure::new(Exit::Internal, other.to_string()),
    })?;
    save_state(&state_file, &provider.info());

    let base_path = config.serve.base_path().to_owned();
    let mut scim = ScimServer::builder(Arc::new(provider.clone())).base_path(base_path.as_str());
    for c in credentials {
        scim = scim.credential(c);
    }
    if let Some(url) = &config.serve.public_url {
        scim = scim.public_url(url.as_str());
    }
    let scim = scim
        .build()
        .map_err(|e| Failure::new(Exit::Config, format!("serve: {e}")))?;

    let status = Arc::new(Status::new(provider.clone(), every, started.elapsed()));
    let app = router(&scim, &status);

    let local = tcp
        .local_addr()
        .map_err(|e| Failure::new(Exit::Internal, format!("the listening socket: {e}")))?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    out(format!("listening on {scheme}://{local}{base_path}"));
    out(format!(
        "health {scheme}://{local}/healthz, metrics {scheme}://{local}/metrics; {} people listed, refreshed every {}",
        provider.info().listed,
        human(every)
    ));
    if tls.is_none() && !local.ip().is_loopback() {
        tracing::warn!(
            address = %local,
            "serving plain HTTP on a non-loopback address: credentials and personal data \
             cross the network unencrypted; configure --tls-cert/--tls-key or put a TLS proxy in front"
        );
    }

    let (stop_tx, stop) = watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        eprintln!("hrsync: stopping: finishing the requests in flight (Ctrl-C again to abort)");
        let _ = stop_tx.send(true);
        if tokio::signal::ctrl_c().await.is_ok() {
            std::process::exit(130);
        }
    });
    let refresher = tokio::spawn(refresh_loop(
        Arc::clone(&status),
        state_file,
        every,
        stop.clone(),
    ));

    let served = match tls {
        Some(config) => {
            let listener = TlsListener::new(tcp, config)
                .map_err(|e| Failure::new(Exit::Internal, format!("the listening socket: {e}")))?;
            run_server(listener, app, stop).await
        }
        None => run_server(tcp, app, stop).await,
    };
    refresher.abort();
    served.map_err(|e| Failure::new(Exit::Internal, format!("serving: {e}")))?;
    eprintln!("hrsync: stopped");
    Ok(Exit::Ok)
}

/// The SCIM credentials from the environment; `var` reads one variable.
fn credentials(
    var: &dyn Fn(&str) -> Result<String, std::env::VarError>,
) -> Result<Vec<Credential>, Failure> {
    let get = |name: &str| match var(name) {
        Ok(v) if v.is_empty() => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(Failure::new(
            Exit::Config,
            format!("{name} is not valid UTF-8"),
        )),
    };
    let unusable = |v: &str| v.trim() != v || v.chars().any(char::is_control);
    let mut found = Vec::new();
    if let Some(token) = get(TOKEN_VAR)? {
        if unusable(&token) {
            return Err(Failure::new(
                Exit::Config,
                format!(
                    "{TOKEN_VAR} starts or ends with a space or holds a control character: \
                     no request could match it"
                ),
            ));
        }
        let length = token.chars().count();
        if length < SHORT_TOKEN {
            tracing::warn!(
                "{TOKEN_VAR} is only {length} characters long: use at least 32 random ones"
            );
        }
        found.push(Credential::bearer(
            SecretString::from(token),
            Access::ReadOnly,
        ));
    }
    match (get(USER_VAR)?, get(PASSWORD_VAR)?) {
        (Some(user), Some(password)) => {
            if unusable(&user) || user.contains(':') {
                return Err(Failure::new(
                    Exit::Config,
                    format!(
                        "{USER_VAR} must not contain ':', control characters or surrounding spaces"
                    ),
                ));
            }
            found.push(Credential::basic(
                user,
                SecretString::from(password),
                Access::ReadOnly,
            ));
        }
        (Some(_), None) => {
            return Err(Failure::new(
                Exit::Config,
                format!(
                    "{USER_VAR} is set but {PASSWORD_VAR} is not: Basic authentication needs both"
                ),
            ));
        }
        (None, Some(_)) => {
            return Err(Failure::new(
                Exit::Config,
                format!(
                    "{PASSWORD_VAR} is set but {USER_VAR} is not: Basic authentication needs both"
                ),
            ));
        }
        (None, None) => {}
    }
    if found.is_empty() {
        return Err(Failure::new(
            Exit::Config,
            format!(
                "no SCIM credentials: set {TOKEN_VAR} (Bearer) and/or {USER_VAR} and \
                 {PASSWORD_VAR} (Basic) in the environment, as configured in Okta's SCIM app"
            ),
        ));
    }
    Ok(found)
}

/// Ctrl-C, or SIGTERM (as a service manager or a container runtime stops a process).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Serves until `stop` turns true, then lets the requests in flight finish for at most
/// [`GRACE`].
async fn run_server<L>(listener: L, app: Router, stop: watch::Receiver<bool>) -> std::io::Result<()>
where
    L: Listener,
    L::Addr: Debug,
{
    let mut graceful = stop.clone();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        let _ = graceful.wait_for(|stopped| *stopped).await;
    });
    let mut late = stop;
    tokio::select! {
        served = server => served,
        () = async move {
            if late.wait_for(|stopped| *stopped).await.is_err() {
                std::future::pending::<()>().await;
            }
            tokio::time::sleep(GRACE).await;
        } => {
            tracing::warn!("requests still in flight after {} s: stopping anyway", GRACE.as_secs());
            Ok(())
        }
    }
}

/// Re-reads the source every `every` until `stop`; each outcome is counted and a good
/// snapshot's state is saved.
async fn refresh_loop(
    status: Arc<Status>,
    state_file: PathBuf,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
        let started = Instant::now();
        let outcome = status.provider.refresh().await;
        if let RefreshOutcome::Refreshed(info) = &outcome {
            save_state(&state_file, info);
        }
        status.record(&outcome, started.elapsed());
    }
}

fn save_state(path: &Path, info: &SnapshotInfo) {
    if let Some(state) = &info.state
        && let Err(e) = state.save(path)
    {
        tracing::warn!(error = %e, "could not save the gateway's state");
    }
}

/// `90s`, `15m`, `1h`.
fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// The last refresh, for `/healthz` and `/metrics`.
#[derive(Debug, Clone)]
struct LastRefresh {
    at: DateTime<Utc>,
    /// `first_load`, `refreshed` or `kept_last_good`.
    outcome: &'static str,
    /// Why the last good snapshot was kept: `source`, `safeguards` or `internal`.
    reason: Option<&'static str>,
    took: Duration,
}

/// What `/healthz` and `/metrics` report.
struct Status {
    provider: HrScimProvider,
    every: Duration,
    refreshed: AtomicU64,
    kept: AtomicU64,
    last: Mutex<LastRefresh>,
    /// SCIM responses by status code.
    requests: Mutex<BTreeMap<u16, u64>>,
}

impl Status {
    fn new(provider: HrScimProvider, every: Duration, first_load: Duration) -> Self {
        Self {
            provider,
            every,
            refreshed: AtomicU64::new(0),
            kept: AtomicU64::new(0),
            last: Mutex::new(LastRefresh {
                at: Utc::now(),
                outcome: "first_load",
                reason: None,
                took: first_load,
            }),
            requests: Mutex::new(BTreeMap::new()),
        }
    }

    fn record(&self, outcome: &RefreshOutcome, took: Duration) {
        let (name, reason) = match outcome {
            RefreshOutcome::Refreshed(_) => {
                self.refreshed.fetch_add(1, Ordering::Relaxed);
                ("refreshed", None)
            }
            RefreshOutcome::KeptLastGood { reason, .. } => {
                self.kept.fetch_add(1, Ordering::Relaxed);
                let why = match reason {
                    KeptReason::Source(_) => "source",
                    KeptReason::Safeguards(_) => "safeguards",
                    _ => "internal",
                };
                ("kept_last_good", Some(why))
            }
            _ => ("other", None),
        };
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = LastRefresh {
            at: Utc::now(),
            outcome: name,
            reason,
            took,
        };
    }

    fn last(&self) -> LastRefresh {
        self.last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn count(&self, status: StatusCode) {
        *self
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(status.as_u16())
            .or_insert(0) += 1;
    }
}

/// `/healthz` and `/metrics` without credentials; everything else is the SCIM server's
/// (which answers its own `404` outside the base path), its responses counted by status.
fn router(scim: &ScimServer, status: &Arc<Status>) -> Router {
    let scim = scim.router().layer(axum::middleware::from_fn_with_state(
        Arc::clone(status),
        count_status,
    ));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(Arc::clone(status))
        .merge(scim)
}

async fn count_status(State(status): State<Arc<Status>>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    status.count(response.status());
    response
}

fn seconds(at: DateTime<Utc>) -> f64 {
    at.timestamp_millis() as f64 / 1000.0
}

/// `200` with what is served; a gateway that listens always has a good snapshot (the
/// first read happens before it listens), so there is no `503`.
async fn healthz(State(status): State<Arc<Status>>) -> Response {
    let info = status.provider.info();
    let last = status.last();
    let age = (Utc::now() - info.read_at).num_seconds().max(0);
    let body = json!({
        "status": "ok",
        "generation": info.generation,
        "source": info.source,
        "read_at": info.read_at.to_rfc3339(),
        "snapshot_age_seconds": age,
        "listed": info.listed,
        "listed_active": info.listed_active,
        "groups": info.groups,
        "refresh_interval_seconds": status.every.as_secs(),
        "last_refresh": {
            "at": last.at.to_rfc3339(),
            "outcome": last.outcome,
            "reason": last.reason,
            "duration_seconds": last.took.as_secs_f64(),
        },
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// The Prometheus text exposition format, version 0.0.4.
async fn metrics(State(status): State<Arc<Status>>) -> Response {
    let info = status.provider.info();
    let last = status.last();
    let mut m = String::with_capacity(2048);
    let mut gauge = |name: &str, help: &str, value: String| {
        let _ = writeln!(
            m,
            "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
        );
    };
    gauge(
        "hrsync_snapshot_generation",
        "Good snapshots loaded since the start (1 is the first read).",
        info.generation.to_string(),
    );
    gauge(
        "hrsync_snapshot_read_timestamp_seconds",
        "When the served snapshot was read from the HR source.",
        seconds(info.read_at).to_string(),
    );
    gauge(
        "hrsync_people_in_source",
        "People in the served snapshot.",
        info.people.to_string(),
    );
    gauge(
        "hrsync_people_listed",
        "Users the gateway lists (active and inactive).",
        info.listed.to_string(),
    );
    gauge(
        "hrsync_people_listed_active",
        "Users listed with active: true.",
        info.listed_active.to_string(),
    );
    gauge(
        "hrsync_people_not_yet_listed",
        "Future hires before the provisioning window, and people without employment.",
        info.not_yet_listed.to_string(),
    );
    gauge(
        "hrsync_people_retention_over",
        "Deactivated people past the retention window, no longer listed.",
        info.retention_over.to_string(),
    );
    gauge(
        "hrsync_people_left_out",
        "People left out because their mapping failed or their userName is taken.",
        info.left_out.to_string(),
    );
    gauge(
        "hrsync_groups_listed",
        "Groups the gateway lists.",
        info.groups.to_string(),
    );
    gauge(
        "hrsync_last_refresh_timestamp_seconds",
        "When the last refresh (or the first read) finished, whatever its outcome.",
        seconds(last.at).to_string(),
    );
    gauge(
        "hrsync_last_refresh_duration_seconds",
        "How long the last refresh (or the first read) took.",
        last.took.as_secs_f64().to_string(),
    );
    gauge(
        "hrsync_last_refresh_kept_last_good",
        "1 when the last refresh kept serving the last good snapshot, else 0.",
        u8::from(last.outcome == "kept_last_good").to_string(),
    );
    gauge(
        "hrsync_refresh_interval_seconds",
        "How often the HR source is read again.",
        status.every.as_secs().to_string(),
    );
    let _ = writeln!(
        m,
        "# HELP hrsync_refresh_total Refreshes after the first read, by outcome.\n\
         # TYPE hrsync_refresh_total counter\n\
         hrsync_refresh_total{{outcome=\"refreshed\"}} {}\n\
         hrsync_refresh_total{{outcome=\"kept_last_good\"}} {}",
        status.refreshed.load(Ordering::Relaxed),
        status.kept.load(Ordering::Relaxed)
    );
    let _ = writeln!(
        m,
        "# HELP hrsync_scim_requests_total SCIM responses by HTTP status.\n\
         # TYPE hrsync_scim_requests_total counter"
    );
    for (code, n) in status
        .requests
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
    {
        let _ = writeln!(m, "hrsync_scim_requests_total{{status=\"{code}\"}} {n}");
    }
    let _ = writeln!(
        m,
        "# HELP hrsync_build_info The running hrsync.\n\
         # TYPE hrsync_build_info gauge\n\
         hrsync_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        m,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Result<String, std::env::VarError> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .ok_or(std::env::VarError::NotPresent)
        }
    }

    fn message(pairs: &[(&str, &str)]) -> String {
        match credentials(&env(pairs)) {
            Ok(found) => format!("ok {}", found.len()),
            Err(f) => {
                assert_eq!(f.exit, Exit::Config);
                f.message
            }
        }
    }

    #[test]
    fn credentials_come_from_the_environment() {
        assert!(message(&[]).contains(TOKEN_VAR));
        assert!(message(&[(TOKEN_VAR, "")]).contains(USER_VAR));
        assert_eq!(
            message(&[(TOKEN_VAR, "a-long-random-token-0123456789")]),
            "ok 1"
        );
        assert_eq!(message(&[(USER_VAR, "okta"), (PASSWORD_VAR, "pw")]), "ok 1");
        assert_eq!(
            message(&[
                (TOKEN_VAR, "a-long-random-token-0123456789"),
                (USER_VAR, "okta"),
                (PASSWORD_VAR, "pw")
            ]),
            "ok 2"
        );
        assert!(
            message(&[(USER_VAR, "okta")])
                .starts_with(&format!("{USER_VAR} is set but {PASSWORD_VAR}"))
        );
        assert!(message(&[(PASSWORD_VAR, "pw")]).starts_with(&format!("{PASSWORD_VAR} is set")));
        assert!(message(&[(USER_VAR, "a:b"), (PASSWORD_VAR, "pw")]).starts_with(USER_VAR));
        let spaced = message(&[(TOKEN_VAR, " token ")]);
        assert!(
            spaced.starts_with(TOKEN_VAR) && !spaced.contains("token "),
            "{spaced}"
        );
    }

    #[test]
    fn intervals_read_like_the_flags() {
        assert_eq!(human(Duration::from_secs(900)), "15m");
        assert_eq!(human(Duration::from_secs(3600)), "1h");
        assert_eq!(human(Duration::from_secs(90)), "90s");
    }
}
