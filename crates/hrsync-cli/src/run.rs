//! The commands.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::StreamExt;
use hr_core::{CsvSource, HrSource, HrSourceExt};
use hr_sync::journal::{Journal, JournalRecord, Outcome};
use hr_sync::safeguard::{Override, Rule};
use hr_sync::{
    ApplyOptions, ApplyReport, Engine, EngineError, IdentityTarget, OktaTarget, Prepared, SyncPlan,
};
use nmbrs_client::simulator::{SimulatedNmbrs, Simulator, generated_snapshot};
use nmbrs_client::{NmbrsClientBuilder, NmbrsSource};
use okta_api::OktaClient;
use okta_api::simulator::{OktaSimulator, RunningSimulator};
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::config::{Config, SourceConfig, TargetConfig, parse_duration};
use crate::{Cli, Command, Exit, Format, LogFormat, OktaCommand};

/// The scopes asked for with an OAuth service app when `OKTA_SCOPES` is not set.
const DEFAULT_OKTA_SCOPES: &str = "okta.users.manage okta.groups.manage okta.schemas.manage";

/// Why a command stopped, with the exit code to end on.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) exit: Exit,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
        }
    }
}

pub(crate) type CmdResult = Result<Exit, Failure>;

/// Runs a parsed command line; prints results on stdout and problems on stderr.
///
/// ```no_run
/// use clap::Parser;
/// let cli = hrsync_cli::Cli::parse_from(["hrsync", "demo", "--people", "20"]);
/// let exit = tokio::runtime::Runtime::new()?.block_on(hrsync_cli::run(cli));
/// assert_eq!(exit, hrsync_cli::Exit::Ok);
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn run(cli: Cli) -> Exit {
    init_logging(&cli);
    let result = match cli.command {
        Command::Demo { people } => demo(people).await,
        command => match Config::load(&cli.config) {
            Ok(config) => dispatch(config, command).await,
            Err(e) => Err(Failure::new(Exit::Config, e.to_string())),
        },
    };
    match result {
        Ok(exit) => exit,
        Err(failure) => {
            eprintln!("hrsync: {}", failure.message);
            failure.exit
        }
    }
}

fn init_logging(cli: &Cli) {
    use tracing::level_filters::LevelFilter;
    let level = if cli.quiet {
        LevelFilter::ERROR
    } else {
        match cli.verbose {
            0 => LevelFilter::WARN,
            1 => LevelFilter::INFO,
            2 => LevelFilter::DEBUG,
            _ => LevelFilter::TRACE,
        }
    };
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr);
    // A second initialisation (tests running several commands) keeps the first.
    let _ = match cli.log_format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// The two sides, wired: the engine, and what keeps simulators running.
struct World {
    config: Config,
    source: Arc<dyn HrSource>,
    okta: Option<OktaClient>,
    engine: Engine,
    /// The in-process Nmbrs simulator, when the source is one (the demo changes its data).
    nmbrs: Option<Simulator>,
    _okta_simulator: Option<RunningSimulator>,
}

/// The configured HR source, and the in-process Nmbrs simulator when the source is one.
pub(crate) async fn build_source(
    config: &Config,
) -> Result<(Arc<dyn HrSource>, Option<Simulator>), Failure> {
    let mut nmbrs = None;
    let source: Arc<dyn HrSource> = match &config.source {
        SourceConfig::Nmbrs { companies } => {
            let client = NmbrsClientBuilder::from_env()
                .and_then(NmbrsClientBuilder::build)
                .map_err(|e| Failure::new(Exit::Config, format!("source (nmbrs): {e}")))?;
            let mut source = NmbrsSource::new(client);
            if !companies.is_empty() {
                let ids = companies
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        c.parse::<i32>().map(nmbrs_client::CompanyId).map_err(|e| {
                            Failure::new(Exit::Config, format!("source.companies[{i}]: {c:?}: {e}"))
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                source = source.with_companies(ids);
            }
            Arc::new(source)
        }
        SourceConfig::Csv { path } => Arc::new(CsvSource::from_path(config.resolve(path))),
        SourceConfig::Simulator { people } => {
            let simulated = simulated_nmbrs(*people).await?;
            nmbrs = Some(simulated.simulator().clone());
            Arc::new(simulated)
        }
    };
    Ok((source, nmbrs))
}

impl World {
    async fn new(config: Config) -> Result<Self, Failure> {
        let (source, nmbrs) = build_source(&config).await?;
        let (okta, simulator) = match &config.target {
            TargetConfig::Okta => {
                // An OAuth service app needs the schema scope too: `check` reads the user
                // schema and a sync adds the attributes it writes.
                let client = OktaClient::builder()
                    .from_env_with(|k| {
                        std::env::var(k).ok().or_else(|| {
                            (k == "OKTA_SCOPES").then(|| DEFAULT_OKTA_SCOPES.to_owned())
                        })
                    })
                    .and_then(okta_api::OktaClientBuilder::build)
                    .map_err(|e| Failure::new(Exit::Config, format!("target (okta): {e}")))?;
                (client, None)
            }
            TargetConfig::Simulator => {
                let (sim, client) = simulated_okta().await?;
                (client, Some(sim))
            }
            TargetConfig::ScimGateway => {
                return Err(Failure::new(
                    Exit::Config,
                    "target.kind = \"scim-gateway\" is pull mode: Okta imports from the gateway; \
                     `hrsync serve` runs it; this command needs a push target (okta or simulator)",
                ));
            }
        };
        let target: Arc<dyn IdentityTarget> = Arc::new(OktaTarget::new(okta.clone()));
        let (mapper, dir) = mapper_and_state_dir(&config)?;
        let engine = Engine::builder(source.clone(), target.clone(), mapper)
            .policy(config.sync.clone())
            .safeguards(config.safeguards.clone())
            .state_file(dir.join("state.json"))
            .build();
        Ok(Self {
            config,
            source,
            okta: Some(okta),
            engine,
            nmbrs,
            _okta_simulator: simulator,
        })
    }

    fn journal_path(&self) -> PathBuf {
        self.config.state_dir().join("journal.jsonl")
    }
}

/// The configured mapper, and the state directory, created if missing.
pub(crate) fn mapper_and_state_dir(config: &Config) -> Result<(mapping::Mapper, PathBuf), Failure> {
    let mapper = config
        .mapper()
        .map_err(|e| Failure::new(Exit::Config, e.to_string()))?;
    let dir = config.state_dir();
    std::fs::create_dir_all(&dir)
        .map_err(|e| Failure::new(Exit::Config, format!("state.dir {}: {e}", dir.display())))?;
    Ok((mapper, dir))
}

async fn simulated_nmbrs(people: usize) -> Result<SimulatedNmbrs, Failure> {
    let simulator = Simulator::new(&generated_snapshot(people))
        .map_err(|e| Failure::new(Exit::Internal, format!("the Nmbrs simulator: {e}")))?;
    SimulatedNmbrs::start(simulator, |s| s)
        .await
        .map_err(|e| Failure::new(Exit::Internal, format!("the Nmbrs simulator: {e}")))
}

async fn simulated_okta() -> Result<(RunningSimulator, OktaClient), Failure> {
    let token = format!("sim-{:016x}", fastrand::u64(..));
    let sim = OktaSimulator::builder()
        .api_token(token.as_str())
        .start()
        .await
        .map_err(|e| Failure::new(Exit::Internal, format!("the Okta simulator: {e}")))?;
    let client = OktaClient::builder()
        .org_url(sim.url())
        .api_token(SecretString::from(token))
        .build()
        .map_err(|e| Failure::new(Exit::Internal, format!("the Okta simulator: {e}")))?;
    Ok((sim, client))
}

async fn dispatch(config: Config, command: Command) -> CmdResult {
    if let Command::Serve(args) = command {
        return crate::serve::serve(config, args).await;
    }
    let world = World::new(config).await?;
    match command {
        Command::Check => check(&world).await,
        Command::Preview { format } => preview(&world, format).await,
        Command::Plan { out, format } => plan(&world, out.as_deref(), format).await,
        Command::Apply {
            plan,
            overrides,
            reason,
        } => apply(&world, &plan, &overrides, reason.as_deref()).await,
        Command::Sync {
            every,
            overrides,
            reason,
        } => {
            let every = every.or_else(|| world.config.schedule.every.clone());
            sync(&world, every.as_deref(), &overrides, reason.as_deref()).await
        }
        Command::Explain { employee, format } => explain(&world, &employee, format).await,
        Command::Journal {
            run,
            person,
            problems,
            format,
        } => journal(&world, run.as_deref(), person.as_deref(), problems, format),
        Command::Okta {
            what: OktaCommand::Users { status, format },
        } => okta_users(&world, &status, format).await,
        Command::Demo { .. } | Command::Serve(_) => Err(Failure::new(
            Exit::Internal,
            "demo and serve run without a world",
        )),
    }
}

pub(crate) fn out(text: impl AsRef<str>) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}", text.as_ref());
}

async fn check(world: &World) -> CmdResult {
    let mut ok = true;
    let started = Instant::now();
    match world.source.snapshot().await {
        Ok(s) => out(format!(
            "HR source {}: OK, {} people read in {} ms",
            world.source.name(),
            s.len(),
            started.elapsed().as_millis()
        )),
        Err(e) => {
            ok = false;
            out(format!("HR source {}: FAILED: {e}", world.source.name()));
        }
    }
    if let Some(client) = &world.okta {
        let started = Instant::now();
        let users = client.users().list().limit(1).send().await;
        let schema = client.schemas().user().await;
        match (users, schema) {
            (Ok(_), Ok(schema)) => {
                let link = &world.config.sync.link_attribute;
                let has = schema.attribute(link).is_some();
                out(format!(
                    "Okta {}: OK, users and the user schema readable in {} ms; link attribute {link} {}",
                    client.org_url(),
                    started.elapsed().as_millis(),
                    if has {
                        "present"
                    } else {
                        "missing (added on the first sync)"
                    }
                ));
            }
            (Err(e), _) | (_, Err(e)) => {
                ok = false;
                out(format!("Okta {}: FAILED: {e}", client.org_url()));
            }
        }
    }
    Ok(if ok { Exit::Ok } else { Exit::Unreachable })
}

async fn read_snapshot(world: &World) -> Result<hr_core::HrSnapshot, Failure> {
    world
        .source
        .snapshot()
        .await
        .map_err(|e| Failure::new(Exit::Unreachable, format!("reading the HR source: {e}")))
}

async fn preview(world: &World, format: Format) -> CmdResult {
    let snapshot = read_snapshot(world).await?;
    let mapper = world
        .config
        .mapper()
        .map_err(|e| Failure::new(Exit::Config, e.to_string()))?;
    let now = Utc::now();
    let mut rows = Vec::new();
    let mut attributes: BTreeSet<String> = BTreeSet::new();
    for e in snapshot.employees() {
        let decision = world.config.sync.lifecycle.evaluate(e, now);
        let (okta, errors) = match mapper.map(e, &decision) {
            Ok(m) => (m.okta_profile(), None),
            Err(errors) => (serde_json::Map::new(), Some(errors.to_string())),
        };
        attributes.extend(okta.keys().cloned());
        rows.push(json!({
            "employee": e.id.as_str(),
            "name": e.name.display_name(),
            "state": decision.state.as_str(),
            "reason": decision.to_string(),
            "okta": okta,
            "errors": errors,
        }));
    }
    match format {
        Format::Json => out(serde_json::to_string_pretty(&rows).unwrap_or_default()),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(std::io::stdout());
            let mut header = vec!["employee".to_owned(), "state".to_owned()];
            header.extend(attributes.iter().cloned());
            header.push("errors".into());
            let _ = w.write_record(&header);
            for r in &rows {
                let mut rec = vec![text(&r["employee"]), text(&r["state"])];
                rec.extend(attributes.iter().map(|a| text(&r["okta"][a])));
                rec.push(text(&r["errors"]));
                let _ = w.write_record(&rec);
            }
            let _ = w.flush();
        }
        Format::Table => {
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        text(&r["employee"]),
                        text(&r["state"]),
                        text(&r["okta"]["login"]),
                        text(&r["name"]),
                        text(&r["okta"]["department"]),
                        text(&r["errors"]),
                    ]
                })
                .collect();
            print_table(
                &[
                    "EMPLOYEE",
                    "STATE",
                    "LOGIN",
                    "NAME",
                    "DEPARTMENT",
                    "PROBLEM",
                ],
                &table,
            );
            out(format!("{} people", rows.len()));
        }
    }
    Ok(Exit::Ok)
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count().min(48));
        }
    }
    let line = |cells: Vec<String>| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| {
                let c: String = c.chars().take(48).collect();
                format!("{c:<w$}")
            })
            .collect();
        out(parts.join("  ").trim_end());
    };
    line(header.iter().map(|h| (*h).to_owned()).collect());
    for row in rows {
        line(row.clone());
    }
}

pub(crate) fn overrides(
    rules: &[String],
    reason: Option<&str>,
) -> Result<Option<Override>, Failure> {
    if rules.is_empty() {
        return Ok(None);
    }
    let Some(reason) = reason.filter(|r| !r.trim().is_empty()) else {
        return Err(Failure::new(
            Exit::Config,
            "--override needs --reason: say why the safeguard is wrong this time",
        ));
    };
    let parsed = rules
        .iter()
        .map(|r| {
            r.parse::<Rule>()
                .map_err(|e| Failure::new(Exit::Config, format!("--override {r}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(Override::rules(parsed, reason)))
}

fn engine_failure(e: EngineError) -> Failure {
    match e {
        EngineError::Source(e) => {
            Failure::new(Exit::Unreachable, format!("reading the HR source: {e}"))
        }
        EngineError::Target(e) => Failure::new(Exit::Unreachable, format!("the target: {e}")),
        EngineError::Stopped(report) => Failure::new(
            Exit::Safeguard,
            format!("stopped by the safeguards, nothing written:\n{report}"),
        ),
        EngineError::Stale(m) => Failure::new(
            Exit::StalePlan,
            format!("{m}; nothing written: make and review a new plan"),
        ),
        EngineError::Plan(e) => Failure::new(Exit::Config, e.to_string()),
        EngineError::State(e) => Failure::new(Exit::Config, e.to_string()),
        other => Failure::new(Exit::Internal, other.to_string()),
    }
}

fn print_plan(prepared: &Prepared) {
    out(prepared.plan.to_string());
    for item in &prepared.plan.items {
        let who = item.action.person().unwrap_or("-");
        let why = item
            .reason
            .note
            .as_deref()
            .unwrap_or(&item.reason.lifecycle);
        out(format!("  {:<14} {who:<12} {why}", item.action.kind()));
    }
    for note in &prepared.plan.report.notes {
        out(format!(
            "  note {}: {}",
            note.hr_key.as_deref().unwrap_or("-"),
            note.note
        ));
    }
    out(prepared.safeguards.to_string());
}

async fn plan(world: &World, save: Option<&Path>, format: Format) -> CmdResult {
    let prepared = world
        .engine
        .prepare(Utc::now(), None)
        .await
        .map_err(engine_failure)?;
    if let Some(path) = save {
        let text = serde_json::to_string_pretty(&prepared.plan)
            .map_err(|e| Failure::new(Exit::Internal, e.to_string()))?;
        std::fs::write(path, text)
            .map_err(|e| Failure::new(Exit::Config, format!("--out {}: {e}", path.display())))?;
    }
    match format {
        Format::Json | Format::Csv => out(serde_json::to_string_pretty(&json!({
            "plan": prepared.plan,
            "safeguards": prepared.safeguards,
        }))
        .unwrap_or_default()),
        Format::Table => print_plan(&prepared),
    }
    Ok(if prepared.safeguards.allows_apply() {
        Exit::Ok
    } else {
        Exit::Safeguard
    })
}

fn open_journal(world: &World) -> Result<Journal, Failure> {
    Journal::open(world.journal_path()).map_err(|e| Failure::new(Exit::Config, e.to_string()))
}

fn finished(report: &ApplyReport) -> Exit {
    out(report.to_string());
    if report.is_complete() {
        Exit::Ok
    } else {
        Exit::Partial
    }
}

async fn apply(world: &World, path: &Path, rules: &[String], reason: Option<&str>) -> CmdResult {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::new(Exit::Config, format!("--plan {}: {e}", path.display())))?;
    let saved: SyncPlan = serde_json::from_str(&text).map_err(|e| {
        Failure::new(
            Exit::Config,
            format!("--plan {}: not a saved plan: {e}", path.display()),
        )
    })?;
    let token = overrides(rules, reason)?;
    let mut journal = open_journal(world)?;
    let report = world
        .engine
        .apply_saved(
            &saved,
            Utc::now(),
            token.as_ref(),
            &mut journal,
            &ApplyOptions::default(),
        )
        .await
        .map_err(engine_failure)?;
    Ok(finished(&report))
}

async fn sync_once(world: &World, token: Option<&Override>, stop: &Arc<AtomicBool>) -> CmdResult {
    let prepared = world
        .engine
        .prepare(Utc::now(), token)
        .await
        .map_err(engine_failure)?;
    out(prepared.plan.to_string());
    if !prepared.safeguards.allows_apply() {
        return Err(engine_failure(EngineError::Stopped(Box::new(
            prepared.safeguards.clone(),
        ))));
    }
    let bar = indicatif::ProgressBar::new(prepared.plan.items.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let progress = bar.clone();
    let options = ApplyOptions::default()
        .stop_on(stop.clone())
        .on_progress(move |p| {
            progress.set_position(p.done as u64);
            progress.set_message(format!("{} failed, {} skipped", p.failed, p.skipped));
        });
    let mut journal = open_journal(world)?;
    let report = world
        .engine
        .apply(&prepared, &mut journal, &options)
        .await
        .map_err(engine_failure)?;
    bar.finish_and_clear();
    Ok(finished(&report))
}

async fn sync(
    world: &World,
    every: Option<&str>,
    rules: &[String],
    reason: Option<&str>,
) -> CmdResult {
    let token = overrides(rules, reason)?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("hrsync: stopping after the people in flight (Ctrl-C again to abort)");
            flag.store(true, Ordering::SeqCst);
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    let Some(every) = every else {
        return sync_once(world, token.as_ref(), &stop).await;
    };
    let period =
        parse_duration(every).map_err(|e| Failure::new(Exit::Config, format!("--every {e}")))?;
    loop {
        let last = match sync_once(world, token.as_ref(), &stop).await {
            Ok(exit) => exit,
            Err(f) => {
                // A scheduled run reports and waits for the next round.
                eprintln!("hrsync: {}", f.message);
                f.exit
            }
        };
        if stop.load(Ordering::SeqCst) {
            return Ok(last);
        }
        let until = tokio::time::Instant::now() + period;
        while tokio::time::Instant::now() < until {
            if stop.load(Ordering::SeqCst) {
                return Ok(last);
            }
            tokio::time::sleep(Duration::from_millis(200).min(period)).await;
        }
    }
}

async fn explain(world: &World, employee: &str, format: Format) -> CmdResult {
    let why = world
        .engine
        .explain(employee, Utc::now())
        .await
        .map_err(|e| match e {
            EngineError::Explain(e) => Failure::new(Exit::Config, e.to_string()),
            other => engine_failure(other),
        })?;
    match format {
        Format::Json | Format::Csv => out(serde_json::to_string_pretty(&why).unwrap_or_default()),
        Format::Table => out(why.to_string()),
    }
    Ok(Exit::Ok)
}

fn journal(
    world: &World,
    run: Option<&str>,
    person: Option<&str>,
    problems: bool,
    format: Format,
) -> CmdResult {
    let path = world.journal_path();
    if !path.exists() {
        out(format!("no journal yet at {}", path.display()));
        return Ok(Exit::Ok);
    }
    let file = Journal::read(&path).map_err(|e| Failure::new(Exit::Config, e.to_string()))?;
    let lines: Vec<&hr_sync::journal::ActionRecord> = file
        .records
        .iter()
        .filter_map(|r| match r {
            JournalRecord::Action(a) => Some(a.as_ref()),
            _ => None,
        })
        .filter(|a| run.is_none_or(|r| a.run == r))
        .filter(|a| person.is_none_or(|p| a.person.as_deref() == Some(p)))
        .filter(|a| !problems || a.outcome != Outcome::Applied)
        .collect();
    match format {
        Format::Json => {
            for l in &lines {
                out(serde_json::to_string(l).unwrap_or_default());
            }
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(std::io::stdout());
            let _ = w.write_record([
                "time",
                "run",
                "seq",
                "person",
                "action",
                "outcome",
                "target_id",
                "request_id",
                "error",
            ]);
            for l in &lines {
                let _ = w.write_record([
                    l.time.to_rfc3339(),
                    l.run.clone(),
                    l.seq.to_string(),
                    l.person.clone().unwrap_or_default(),
                    l.action.kind().to_owned(),
                    l.outcome.to_string(),
                    l.target_id.clone().unwrap_or_default(),
                    l.request_id.clone().unwrap_or_default(),
                    l.error.clone().unwrap_or_default(),
                ]);
            }
            let _ = w.flush();
        }
        Format::Table => {
            for (r, finished) in file.runs() {
                if run.is_none_or(|x| x == r) {
                    out(format!(
                        "run {r}{}",
                        if finished { "" } else { " (interrupted)" }
                    ));
                }
            }
            let rows: Vec<Vec<String>> = lines
                .iter()
                .map(|l| {
                    vec![
                        l.time.format("%Y-%m-%d %H:%M:%S").to_string(),
                        l.person.clone().unwrap_or_default(),
                        l.action.kind().to_owned(),
                        l.outcome.to_string(),
                        l.error.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            print_table(&["TIME", "PERSON", "ACTION", "OUTCOME", "ERROR"], &rows);
        }
    }
    Ok(Exit::Ok)
}

async fn okta_users(world: &World, statuses: &[String], format: Format) -> CmdResult {
    let Some(client) = &world.okta else {
        return Err(Failure::new(Exit::Config, "no Okta target configured"));
    };
    const KNOWN: [&str; 8] = [
        "STAGED",
        "PROVISIONED",
        "ACTIVE",
        "RECOVERY",
        "PASSWORD_EXPIRED",
        "LOCKED_OUT",
        "SUSPENDED",
        "DEPROVISIONED",
    ];
    let mut wanted = Vec::new();
    for s in statuses {
        let s = s.trim().to_ascii_uppercase();
        if !KNOWN.contains(&s.as_str()) {
            return Err(Failure::new(
                Exit::Config,
                format!("--status {s}: not an Okta status ({})", KNOWN.join(", ")),
            ));
        }
        wanted.push(format!("status eq \"{s}\""));
    }
    let search = if wanted.is_empty() {
        // Every status, DEPROVISIONED included (a plain list leaves those out).
        okta_api::users::EVERY_STATUS.to_owned()
    } else {
        wanted.join(" or ")
    };
    let link = &world.config.sync.link_attribute;
    let mut stream = std::pin::pin!(client.users().list().search(search).limit(200).stream());
    let mut rows = Vec::new();
    while let Some(user) = stream.next().await {
        let user = user.map_err(|e| Failure::new(Exit::Unreachable, e.to_string()))?;
        let profile = user.profile.to_json();
        rows.push(json!({
            "id": user.id.as_str(),
            "status": user.status.to_string(),
            "login": profile.get("login"),
            "email": profile.get("email"),
            "hr_key": profile.get(link),
        }));
    }
    match format {
        Format::Json => out(serde_json::to_string_pretty(&rows).unwrap_or_default()),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(std::io::stdout());
            let _ = w.write_record(["id", "status", "login", "email", "hr_key"]);
            for r in &rows {
                let _ = w.write_record(
                    ["id", "status", "login", "email", "hr_key"].map(|k| text(&r[k])),
                );
            }
            let _ = w.flush();
        }
        Format::Table => {
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    ["id", "status", "login", "hr_key"]
                        .iter()
                        .map(|k| text(&r[*k]))
                        .collect()
                })
                .collect();
            print_table(&["ID", "STATUS", "LOGIN", "HR KEY"], &table);
            out(format!("{} users", rows.len()));
        }
    }
    Ok(Exit::Ok)
}

async fn demo(people: usize) -> CmdResult {
    let dir = std::env::temp_dir().join(format!("hrsync-demo-{}", std::process::id()));
    let config = Config::from_toml(&format!(
        r#"
        [source]
        kind = "simulator"
        people = {people}

        [target]
        kind = "simulator"

        [mapping]
        preset = "iamconnector"

        [sync]
        activate_on_create = false

        [[sync.groups]]
        from = "department"
        name = "Dept - {{name}}"

        [state]
        dir = "{}"
        "#,
        dir.display().to_string().replace('\\', "/")
    ))
    .map_err(|e| Failure::new(Exit::Internal, e.to_string()))?;
    let world = World::new(config).await?;
    let stop = Arc::new(AtomicBool::new(false));

    out("== 1. check: both sides reachable with their credentials");
    check(&world).await?;
    out("\n== 2. preview: the HR list with the values Okta will receive");
    preview(&world, Format::Table).await?;
    out("\n== 3. sync: the first run creates everyone inside the lifecycle window");
    sync_once(&world, None, &stop).await?;
    out("\n== 4. an HR change in Nmbrs: someone is renamed, someone moves to another department");
    let generated = generated_snapshot(people);
    let mut changed = generated.employees().to_vec();
    let (renamed, moved) = (pick(&world, &changed, 0), pick(&world, &changed, 1));
    if let (Some(r), Some(m)) = (renamed, moved) {
        let family = changed[r].name.family_name.clone();
        changed[r].name = hr_core::PersonName::new("Renée-Marie", family);
        let other = changed
            .iter()
            .map(|e| e.org.department.clone())
            .find(|d| d.is_some() && *d != changed[m].org.department)
            .flatten();
        changed[m].org.department = other;
        let snapshot = hr_core::HrSnapshot::new(
            generated.source(),
            generated.read_at(),
            changed.clone(),
            generated.org_units().to_vec(),
        )
        .map_err(|e| Failure::new(Exit::Internal, e.to_string()))?;
        if let Some(nmbrs) = &world.nmbrs {
            nmbrs
                .set_snapshot(&snapshot)
                .map_err(|e| Failure::new(Exit::Internal, e.to_string()))?;
        }
        out(format!(
            "\n== 5. plan and explain {} (renamed)",
            changed[r].id
        ));
        plan(&world, None, Format::Table).await?;
        explain(&world, changed[r].id.as_str(), Format::Table).await?;
        out("\n== 6. sync: exactly those changes");
        sync_once(&world, None, &stop).await?;
    }
    out("\n== 7. sync again: nothing left to do");
    sync_once(&world, None, &stop).await?;
    out(format!("\njournal: {}", world.journal_path().display()));
    Ok(Exit::Ok)
}

/// The `n`-th generated person who is currently employed (so has an account).
fn pick(world: &World, people: &[hr_core::Employee], n: usize) -> Option<usize> {
    let now = Utc::now();
    people
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            world.config.sync.lifecycle.evaluate(e, now).state == hr_core::LifecycleState::Active
                && e.org.department.is_some()
        })
        .map(|(i, _)| i)
        .nth(n)
}
