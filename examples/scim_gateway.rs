//! The SCIM gateway Okta imports from (pull mode), in one file: `hr_sync::HrScimProvider`
//! over Nmbrs, served read-only by `okta_scim`'s server behind a Bearer token.
//!
//! ```text
//! cargo run -p hrsync-examples --example scim_gateway                   # Nmbrs simulator, 127.0.0.1:8080
//! cargo run -p hrsync-examples --example scim_gateway -- --port 0 --once # one self-check import, then exit
//! NMBRS_USERNAME=… NMBRS_TOKEN=… cargo run -p hrsync-examples --example scim_gateway  # a real Nmbrs
//! ```
//!
//! - **Source**: the Nmbrs simulator with generated people (`--people N`, default 40; no
//!   account needed), or a real Nmbrs when `NMBRS_USERNAME` and `NMBRS_TOKEN` are set
//!   (with `NMBRS_DOMAIN`, and `NMBRS_ENV` or `NMBRS_BASE_URL`, as `hrsync` reads them).
//!   People are mapped with the `okta-default` preset; one group per department.
//! - **Token**: `HRSYNC_SCIM_TOKEN`, or a random one that is printed. The first line on
//!   stdout is `listening on http://127.0.0.1:PORT/scim/v2`.
//! - **`--once`** (or `SCIM_GATEWAY_ONCE=1`): imports every user page by page as Okta does
//!   (`GET /Users?startIndex=1&count=100`, then 101, …), reads the groups, checks that a
//!   request without the token gets `401`, prints the counts and exits (non-zero on a
//!   mismatch). CI runs it this way.
//!
//! # Pointing Okta at it
//!
//! Okta only calls `https://` URLs it can reach, so for a real org run `hrsync serve` with
//! `--tls-cert`/`--tls-key` (or this example behind a TLS-terminating proxy) on a host Okta
//! reaches. Then, in the Okta Admin Console, on an app integration with SCIM provisioning:
//!
//! 1. *Provisioning → Integration*: SCIM connector base URL `https://HOST/scim/v2`, unique
//!    identifier field for users `userName`, supported actions *Import New Users and
//!    Profile Updates* and *Import Groups*, authentication mode *HTTP Header* with the
//!    token. *Test Connector Configuration* reads `/ServiceProviderConfig` and `/Users`.
//! 2. *Provisioning → To Okta*: an import schedule, and the match rule (by `userName` or
//!    email) for people who already have an Okta account.
//! 3. *Import → Import Now*, then confirm the assignments. With the app as profile source,
//!    people listed `active: false` (leavers) are suspended or deactivated at the next import.
//!
//! The gateway never writes to Okta: Okta pulls, and writes from Okta (`POST`, `PUT`,
//! `PATCH`, `DELETE`) are refused.

use std::process::ExitCode;
use std::sync::Arc;

use hr_core::HrSource;
use hr_sync::{GroupRule, GroupSource, HrScimProvider, SyncPolicy};
use nmbrs_client::simulator::{SimulatedNmbrs, Simulator, generated_snapshot};
use nmbrs_client::{NmbrsClientBuilder, NmbrsSource};
use okta_scim::server::{Access, Credential, ScimServer};
use serde_json::Value;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("scim_gateway: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<ExitCode, Error> {
    let mut port: u16 = 8080;
    let mut people: usize = 40;
    let mut once = std::env::var("SCIM_GATEWAY_ONCE").is_ok_and(|v| v == "1");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => port = args.next().ok_or("--port needs a number")?.parse()?,
            "--people" => people = args.next().ok_or("--people needs a number")?.parse()?,
            "--once" => once = true,
            other => return Err(format!("unknown argument {other:?}; see the file header").into()),
        }
    }

    let real =
        std::env::var_os("NMBRS_USERNAME").is_some() && std::env::var_os("NMBRS_TOKEN").is_some();
    let source: Arc<dyn HrSource> = if real {
        Arc::new(NmbrsSource::new(NmbrsClientBuilder::from_env()?.build()?))
    } else {
        let simulator = Simulator::new(&generated_snapshot(people))?;
        Arc::new(SimulatedNmbrs::start(simulator, |s| s).await?)
    };
    let mut policy = SyncPolicy::default();
    policy.groups = vec![GroupRule::new(GroupSource::Department, "Dept - {name}")];
    // The first read happens here: without a good snapshot there is nothing to serve.
    let provider = HrScimProvider::builder(source, mapping::Mapper::preset("okta-default")?)
        .policy(policy)
        .start()
        .await?;
    let _refresher = provider.spawn_refresher()?; // every 15 minutes

    let token = match std::env::var("HRSYNC_SCIM_TOKEN") {
        Ok(t) if !t.is_empty() => t,
        _ => format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..)),
    };
    let server = ScimServer::builder(Arc::new(provider.clone()))
        .credential(Credential::bearer(token.clone().into(), Access::ReadOnly))
        .build()?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let base = format!("http://{}/scim/v2", listener.local_addr()?);
    println!("listening on {base}");
    if std::env::var_os("HRSYNC_SCIM_TOKEN").is_some() {
        println!("bearer token: the value of HRSYNC_SCIM_TOKEN");
    } else {
        println!("bearer token: {token}");
    }
    let info = provider.info();
    println!(
        "{} people from {} ({}), {} users listed ({} active), {} groups",
        info.people,
        info.source,
        if real { "Nmbrs" } else { "the Nmbrs simulator" },
        info.listed,
        info.listed_active,
        info.groups
    );
    let serving = tokio::spawn(async move {
        axum::serve(listener, server.router())
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    });
    if !once {
        serving.await??;
        return Ok(ExitCode::SUCCESS);
    }
    let ok = self_check(&base, &token, info.listed).await?;
    serving.abort();
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Imports as Okta does and compares with what the provider says it lists.
async fn self_check(base: &str, token: &str, listed: usize) -> Result<bool, Error> {
    let client = reqwest::Client::new();
    let get = |url: String| client.get(url).bearer_auth(token).send();
    let (mut users, mut pages, mut start) = (0, 0, 1);
    loop {
        let page: Value = serde_json::from_str(
            &get(format!("{base}/Users?startIndex={start}&count=100"))
                .await?
                .error_for_status()?
                .text()
                .await?,
        )?;
        let n = page["Resources"].as_array().map_or(0, Vec::len);
        let total = page["totalResults"].as_u64().unwrap_or(0) as usize;
        (users, pages, start) = (users + n, pages + 1, start + n);
        if n == 0 || users >= total {
            break;
        }
    }
    let groups: Value = serde_json::from_str(
        &get(format!("{base}/Groups?startIndex=1&count=100"))
            .await?
            .error_for_status()?
            .text()
            .await?,
    )?;
    let anonymous = client.get(format!("{base}/Users")).send().await?.status();
    println!(
        "self-check: {users} users in {pages} pages (listed: {listed}), {} groups, a request without the token got {anonymous}",
        groups["totalResults"]
    );
    Ok(users == listed && anonymous == reqwest::StatusCode::UNAUTHORIZED)
}
