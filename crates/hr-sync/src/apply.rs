//! The executor: applies a [`SyncPlan`] to an [`IdentityTarget`], phase by phase,
//! with bounded concurrency, journaling every outcome.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::Utc;
use futures_util::{StreamExt, stream};
use ring::rand::SecureRandom;

use crate::action::{Action, PlannedIds};
use crate::error::SyncError;
use crate::journal::{ActionRecord, Journal, JournalError, JournalRecord, Outcome, Summary};
use crate::plan::{SyncPlan, phase};
use crate::target::{Applied, IdentityTarget};

/// Where a run is, after each action's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// The run.
    pub run: String,
    /// Actions with an outcome so far.
    pub done: usize,
    /// Actions in the plan.
    pub total: usize,
    /// Applied so far.
    pub applied: usize,
    /// Failed so far.
    pub failed: usize,
    /// Skipped so far.
    pub skipped: usize,
    /// The kind of the action that just ended (`create_user`, …).
    pub kind: &'static str,
    /// Its person, if any.
    pub person: Option<String>,
}

/// A progress callback.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// How to apply a plan.
///
/// ```
/// use std::time::Duration;
/// use hr_sync::ApplyOptions;
/// let options = ApplyOptions::default()
///     .concurrency(4)
///     .retries(3, Duration::from_millis(200))
///     .on_progress(|p| eprintln!("{}/{}", p.done, p.total));
/// assert_eq!(options.max_concurrency(), 4);
/// ```
#[derive(Clone)]
pub struct ApplyOptions {
    concurrency: usize,
    retries: u32,
    retry_delay: Duration,
    progress: Option<ProgressFn>,
    stop: Option<Arc<AtomicBool>>,
}

impl fmt::Debug for ApplyOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApplyOptions")
            .field("concurrency", &self.concurrency)
            .field("retries", &self.retries)
            .field("retry_delay", &self.retry_delay)
            .field("progress", &self.progress.is_some())
            .field("stop", &self.stop.is_some())
            .finish()
    }
}

impl Default for ApplyOptions {
    /// Eight actions at a time (okta-api's own limit and rate limiting still apply);
    /// a transiently failing action is sent again twice, 500 ms and 1 s later.
    fn default() -> Self {
        Self {
            concurrency: 8,
            retries: 2,
            retry_delay: Duration::from_millis(500),
            progress: None,
            stop: None,
        }
    }
}

impl ApplyOptions {
    /// At most `n` actions in flight (at least 1).
    #[must_use]
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// The concurrency set.
    #[must_use]
    pub fn max_concurrency(&self) -> usize {
        self.concurrency
    }

    /// Sends an action that failed transiently (rate limit, 5xx, timeout, after
    /// okta-api's own retries) up to `times` more times, waiting `delay` × the attempt
    /// number before each. Every action is safe to repeat (see
    /// [`IdentityTarget`](crate::IdentityTarget)'s contract).
    #[must_use]
    pub fn retries(mut self, times: u32, delay: Duration) -> Self {
        self.retries = times;
        self.retry_delay = delay;
        self
    }

    /// Stops cleanly when `flag` turns true (Ctrl-C): actions in flight finish, the
    /// rest are journaled as skipped ("stopped") and the run finishes normally; a re-run
    /// picks them up.
    #[must_use]
    pub fn stop_on(mut self, flag: Arc<AtomicBool>) -> Self {
        self.stop = Some(flag);
        self
    }

    fn stopped(&self) -> bool {
        self.stop.as_ref().is_some_and(|f| f.load(Ordering::SeqCst))
    }

    /// Calls `f` after each action's outcome.
    #[must_use]
    pub fn on_progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }
}

/// What a run did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApplyReport {
    /// The run's id, as in the journal.
    pub run: String,
    /// The plan's hash.
    pub plan: String,
    /// The counts, from the journal.
    pub summary: Summary,
    /// The failed and skipped actions' lines.
    pub problems: Vec<ActionRecord>,
}

impl ApplyReport {
    /// Whether every action was applied.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for ApplyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "run {} (plan {}): {}", self.run, self.plan, self.summary)?;
        for p in &self.problems {
            writeln!(
                f,
                "  {} {} {}: {}",
                p.outcome,
                p.action.kind(),
                p.person.as_deref().unwrap_or("-"),
                p.error.as_deref().unwrap_or("")
            )?;
        }
        Ok(())
    }
}

/// A run had to stop: the journal can't be written, so nothing more is done.
#[derive(Debug, thiserror::Error)]
#[error("run {run} stopped after {done} of {total} actions: {source}")]
#[non_exhaustive]
pub struct ApplyError {
    /// The run.
    pub run: String,
    /// Actions with a journaled outcome.
    pub done: usize,
    /// Actions in the plan.
    pub total: usize,
    /// The journal's error.
    #[source]
    pub source: JournalError,
}

/// A new run id: the UTC time and 32 random bits, `20261123T101500Z-1a2b3c4d`.
fn run_id() -> String {
    let mut bytes = [0u8; 4];
    // A failing system RNG leaves zeros: the time still tells runs apart.
    let _ = ring::rand::SystemRandom::new().fill(&mut bytes);
    format!(
        "{}-{:08x}",
        Utc::now().format("%Y%m%dT%H%M%SZ"),
        u32::from_be_bytes(bytes)
    )
}

const STOPPED: &str = "stopped by the operator before it was sent";

struct Done {
    seq: usize,
    action: Action,
    result: Result<Applied, SyncError>,
    attempts: u32,
}

async fn send(
    target: &dyn IdentityTarget,
    options: &ApplyOptions,
    seq: usize,
    action: Action,
) -> Done {
    let mut attempts = 0;
    if options.stopped() {
        return Done {
            seq,
            action,
            result: Err(SyncError::Invalid {
                action: "stop".into(),
                reason: STOPPED.into(),
            }),
            attempts: 0,
        };
    }
    loop {
        attempts += 1;
        let result = target.apply(&action).await;
        match result {
            Err(e) if e.is_transient() && attempts <= options.retries => {
                tracing::debug!(seq, attempts, error = %e, "transient failure, sending again");
                tokio::time::sleep(options.retry_delay * attempts).await;
            }
            result => {
                return Done {
                    seq,
                    action,
                    result,
                    attempts,
                };
            }
        }
    }
}

struct Run<'a> {
    id: String,
    journal: &'a mut Journal,
    options: &'a ApplyOptions,
    total: usize,
    done: usize,
    problems: Vec<ActionRecord>,
}

impl Run<'_> {
    fn record(&mut self, record: ActionRecord) -> Result<(), ApplyError> {
        let kind = record.action.kind();
        let person = record.person.clone();
        if record.outcome != Outcome::Applied {
            self.problems.push(record.clone());
        }
        if let Err(source) = self.journal.append(JournalRecord::Action(Box::new(record))) {
            return Err(ApplyError {
                run: self.id.clone(),
                done: self.done,
                total: self.total,
                source,
            });
        }
        self.done += 1;
        if let Some(progress) = &self.options.progress {
            let s = self.journal.summary(&self.id);
            progress(&Progress {
                run: self.id.clone(),
                done: self.done,
                total: self.total,
                applied: s.total.applied,
                failed: s.total.failed,
                skipped: s.total.skipped,
                kind,
                person,
            });
        }
        Ok(())
    }

    fn line(&self, seq: usize, action: Action, outcome: Outcome) -> ActionRecord {
        ActionRecord {
            time: Utc::now(),
            run: self.id.clone(),
            seq,
            person: action.person().map(str::to_owned),
            action,
            outcome,
            target_id: None,
            request_id: None,
            error: None,
            attempts: 0,
        }
    }
}

/// Applies `plan` to `target`, appending every outcome to `journal`.
///
/// - Phases run in the plan's dependency order (group creates, user creates,
///   reactivations, profile updates, group removals, lifecycle changes, group additions,
///   managers); within a phase up to [`ApplyOptions::concurrency`] actions are in flight.
/// - References to users and groups the plan creates are resolved from the creates'
///   results; an action whose reference can't be resolved (its create failed) is
///   skipped, and so is every later action of a person one of whose actions failed.
/// - A failure is journaled and the run goes on with everyone else.
/// - Re-running after a crash converges: the next plan, made from a fresh read, holds
///   only what is still to do, and a create repeated after a lost answer finds its user.
///
/// Safeguards are not checked here: [`Engine`](crate::Engine) does that before calling
/// this.
///
/// ```
/// use hr_sync::{Action, ApplyOptions, InMemoryTarget, apply_plan, journal::Journal};
/// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
/// let target = InMemoryTarget::new();
/// let plan = hr_sync::SyncPlan::from_actions(vec![
///     Action::create_user("E-1", "ada@acme.example", Default::default(), true),
/// ]);
/// let mut journal = Journal::in_memory();
/// let report = apply_plan(&target, &plan, &mut journal, &ApplyOptions::default()).await?;
/// assert_eq!(report.summary.total.applied, 1);
/// assert_eq!(journal.records().len(), 3); // start, the create, finish
/// # Ok::<(), hr_sync::ApplyError>(()) })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`ApplyError`] when the journal can't be written: the run stops, since what it does
/// could no longer be accounted for (actions in flight are dropped; a re-run picks them
/// up).
pub async fn apply_plan(
    target: &dyn IdentityTarget,
    plan: &SyncPlan,
    journal: &mut Journal,
    options: &ApplyOptions,
) -> Result<ApplyReport, ApplyError> {
    let id = run_id();
    let total = plan.items.len();
    let stop = |id: &str, done, source| ApplyError {
        run: id.to_owned(),
        done,
        total,
        source,
    };
    journal
        .start(&id, &plan.hash, total)
        .map_err(|e| stop(&id, 0, e))?;
    let mut run = Run {
        id,
        journal,
        options,
        total,
        done: 0,
        problems: Vec::new(),
    };
    let mut ids = PlannedIds::default();
    let mut failed_people: HashSet<String> = HashSet::new();

    let mut start = 0;
    while start < total {
        let current = phase(&plan.items[start].action);
        let end = plan.items[start..]
            .iter()
            .position(|item| phase(&item.action) != current)
            .map_or(total, |n| start + n);

        let mut ready = Vec::with_capacity(end - start);
        for (seq, item) in plan.items.iter().enumerate().take(end).skip(start) {
            if options.stopped() {
                let mut line = run.line(seq, item.action.clone(), Outcome::Skipped);
                line.error = Some(STOPPED.into());
                run.record(line)?;
                continue;
            }
            let person = item.action.person();
            if let Some(p) = person.filter(|p| failed_people.contains(*p)) {
                let mut line = run.line(seq, item.action.clone(), Outcome::Skipped);
                line.error = Some(format!("an earlier action for {p} failed"));
                run.record(line)?;
                continue;
            }
            match ids.resolve(&item.action) {
                Ok(action) => ready.push((seq, action)),
                Err(e) => {
                    let mut line = run.line(seq, item.action.clone(), Outcome::Skipped);
                    line.error = Some(format!("{e} (its create failed)"));
                    run.record(line)?;
                }
            }
        }

        let mut in_flight = stream::iter(ready)
            .map(|(seq, action)| send(target, options, seq, action))
            .buffer_unordered(options.concurrency);
        while let Some(done) = in_flight.next().await {
            let mut line = run.line(done.seq, done.action, Outcome::Applied);
            line.attempts = done.attempts;
            if done.attempts == 0 {
                line.outcome = Outcome::Skipped;
                line.error = Some(STOPPED.into());
                run.record(line)?;
                continue;
            }
            match done.result {
                Ok(applied) => {
                    ids.record(&line.action, &applied);
                    line.target_id = applied
                        .target_id
                        .or_else(|| line.action.user().map(ToString::to_string));
                    line.request_id = applied.request_id;
                }
                Err(e) => {
                    line.outcome = Outcome::Failed;
                    if let SyncError::Target { source, .. } = &e {
                        line.request_id = source.api().and_then(|a| a.request_id.clone());
                    }
                    line.error = Some(e.to_string());
                    if let Some(p) = &line.person {
                        failed_people.insert(p.clone());
                    }
                    tracing::warn!(
                        run = %run.id,
                        seq = done.seq,
                        kind = line.action.kind(),
                        error = %e,
                        "action failed"
                    );
                }
            }
            run.record(line)?;
        }
        start = end;
    }

    let summary = run
        .journal
        .finish(&run.id)
        .map_err(|e| stop(&run.id, run.done, e))?;
    Ok(ApplyReport {
        run: run.id,
        plan: plan.hash.clone(),
        summary,
        problems: run.problems,
    })
}
