//! The journal: one JSON line per action applied, failed or skipped, between a `start`
//! and a `finish` line per run. It is the record of what was done; a run's
//! [`Summary`] is counted from it.
//!
//! Each line is written with one `write` call as soon as its outcome is known, so a
//! crash loses at most the actions still in flight; a run without its `finish` line
//! was interrupted. [`Journal::read`] takes a torn last line for what it is.
//!
//! ```
//! use hr_sync::journal::{Journal, JournalRecord};
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("journal.jsonl");
//! let mut journal = Journal::open(&path)?;
//! journal.start("run-1", "abc", 0)?;
//! journal.finish("run-1")?;
//! let read = Journal::read(&path)?;
//! assert_eq!(read.records.len(), 2);
//! assert!(matches!(read.records[1], JournalRecord::Finish { .. }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::action::Action;

/// How one action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// The target accepted it (or was already in the wanted state).
    Applied,
    /// The target refused it, or it kept failing.
    Failed,
    /// Not attempted: what it depends on failed.
    Skipped,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Applied => "applied",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        })
    }
}

/// One action's line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ActionRecord {
    /// When the outcome was known.
    pub time: DateTime<Utc>,
    /// The run.
    pub run: String,
    /// The action's position in the plan (0-based).
    pub seq: usize,
    /// The person's HR key (none for group creates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    /// The action as sent, planned references resolved: its kind and attributes.
    pub action: Action,
    /// How it ended.
    pub outcome: Outcome,
    /// The id of the user or group created or changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
    /// The target's request id (Okta's `X-Okta-Request-Id`) of the write, or of the
    /// error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Why it failed or was skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How many times it was sent (0 when skipped).
    pub attempts: u32,
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum JournalRecord {
    /// A run began applying a plan.
    Start {
        /// When.
        time: DateTime<Utc>,
        /// The run's id.
        run: String,
        /// The plan's content hash.
        plan: String,
        /// The number of actions in the plan.
        actions: usize,
    },
    /// One action's outcome.
    Action(Box<ActionRecord>),
    /// The run ended (a run without this line was interrupted).
    Finish {
        /// When.
        time: DateTime<Utc>,
        /// The run's id.
        run: String,
        /// The run's counts, from its action lines.
        summary: Summary,
    },
}

impl JournalRecord {
    /// The run the line belongs to.
    #[must_use]
    pub fn run(&self) -> &str {
        match self {
            Self::Start { run, .. } | Self::Finish { run, .. } => run,
            Self::Action(a) => &a.run,
        }
    }
}

/// Applied, failed and skipped counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Counts {
    /// Applied.
    pub applied: usize,
    /// Failed.
    pub failed: usize,
    /// Skipped.
    pub skipped: usize,
}

impl Counts {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Applied => self.applied += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Skipped => self.skipped += 1,
        }
    }

    /// All actions counted.
    #[must_use]
    pub fn total(&self) -> usize {
        self.applied + self.failed + self.skipped
    }
}

/// A run's counts, in total and per action kind, counted from its journal lines.
///
/// ```
/// use hr_sync::journal::{Journal, Summary};
/// let mut journal = Journal::in_memory();
/// journal.start("r", "hash", 0)?;
/// let summary = Summary::of_run(journal.records(), "r");
/// assert_eq!(summary.total.total(), 0);
/// # Ok::<(), hr_sync::journal::JournalError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Summary {
    /// Every action.
    pub total: Counts,
    /// Per action kind (`create_user`, `suspend`, …).
    pub by_kind: BTreeMap<String, Counts>,
}

impl Summary {
    fn add(&mut self, record: &ActionRecord) {
        self.total.add(record.outcome);
        self.by_kind
            .entry(record.action.kind().to_owned())
            .or_default()
            .add(record.outcome);
    }

    /// Counts the action lines of `run` among `records`.
    #[must_use]
    pub fn of_run<'a>(records: impl IntoIterator<Item = &'a JournalRecord>, run: &str) -> Self {
        let mut summary = Self::default();
        for record in records {
            if let JournalRecord::Action(a) = record
                && a.run == run
            {
                summary.add(a);
            }
        }
        summary
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} applied, {} failed, {} skipped",
            self.total.applied, self.total.failed, self.total.skipped
        )?;
        for (kind, c) in &self.by_kind {
            write!(
                f,
                "\n  {kind}: {} applied, {} failed, {} skipped",
                c.applied, c.failed, c.skipped
            )?;
        }
        Ok(())
    }
}

/// Writing or reading the journal failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// The file could not be opened, written or read.
    #[error("journal {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A line is not a journal record.
    #[error("journal {} line {line}: {source}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The line number (1-based).
        line: usize,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
}

/// A journal read back.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct JournalFile {
    /// The records, in order.
    pub records: Vec<JournalRecord>,
    /// The last line was cut short (a crash while writing it) and left out.
    pub torn_tail: bool,
}

impl JournalFile {
    /// The runs, in order, with whether each has its `finish` line.
    #[must_use]
    pub fn runs(&self) -> Vec<(String, bool)> {
        let mut runs: Vec<(String, bool)> = Vec::new();
        for record in &self.records {
            match record {
                JournalRecord::Start { run, .. } => runs.push((run.clone(), false)),
                JournalRecord::Finish { run, .. } => {
                    if let Some(r) = runs.iter_mut().rev().find(|(r, _)| r == run) {
                        r.1 = true;
                    }
                }
                JournalRecord::Action(_) => {}
            }
        }
        runs
    }
}

enum Sink {
    File { file: File, path: PathBuf },
    Memory(Vec<JournalRecord>),
}

/// Where a run's records go: a JSON-lines file (appended to), or memory.
pub struct Journal {
    sink: Sink,
    line: Vec<u8>,
    summaries: BTreeMap<String, Summary>,
}

impl fmt::Debug for Journal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Journal");
        match &self.sink {
            Sink::File { path, .. } => d.field("path", path),
            Sink::Memory(r) => d.field("records", &r.len()),
        };
        d.finish_non_exhaustive()
    }
}

impl Journal {
    /// Opens (or creates) `path` for appending.
    ///
    /// # Errors
    /// [`JournalError::Io`] naming the file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        let path = path.as_ref().to_path_buf();
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|source| JournalError::Io {
                path: path.clone(),
                source,
            })?;
        Ok(Self {
            sink: Sink::File { file, path },
            line: Vec::with_capacity(1024),
            summaries: BTreeMap::new(),
        })
    }

    /// A journal kept in memory (see [`records`](Self::records)).
    #[must_use]
    pub fn in_memory() -> Self {
        Self {
            sink: Sink::Memory(Vec::new()),
            line: Vec::new(),
            summaries: BTreeMap::new(),
        }
    }

    /// The records of an in-memory journal (empty for a file journal: use
    /// [`Journal::read`]).
    #[must_use]
    pub fn records(&self) -> &[JournalRecord] {
        match &self.sink {
            Sink::Memory(r) => r,
            Sink::File { .. } => &[],
        }
    }

    /// Appends one record.
    ///
    /// # Errors
    /// [`JournalError::Io`] when the line could not be written.
    pub fn append(&mut self, record: JournalRecord) -> Result<(), JournalError> {
        if let JournalRecord::Action(a) = &record {
            self.summaries.entry(a.run.clone()).or_default().add(a);
        }
        match &mut self.sink {
            Sink::Memory(records) => records.push(record),
            Sink::File { file, path } => {
                self.line.clear();
                serde_json::to_writer(&mut self.line, &record).map_err(|e| JournalError::Io {
                    path: path.clone(),
                    source: io::Error::other(e),
                })?;
                self.line.push(b'\n');
                file.write_all(&self.line)
                    .map_err(|source| JournalError::Io {
                        path: path.clone(),
                        source,
                    })?;
            }
        }
        Ok(())
    }

    /// Appends a run's `start` line.
    ///
    /// # Errors
    /// [`JournalError::Io`] when the line could not be written.
    pub fn start(&mut self, run: &str, plan: &str, actions: usize) -> Result<(), JournalError> {
        self.summaries.insert(run.to_owned(), Summary::default());
        self.append(JournalRecord::Start {
            time: Utc::now(),
            run: run.to_owned(),
            plan: plan.to_owned(),
            actions,
        })
    }

    /// The counts of `run`'s action lines written through this journal.
    #[must_use]
    pub fn summary(&self, run: &str) -> Summary {
        self.summaries.get(run).cloned().unwrap_or_default()
    }

    /// Appends a run's `finish` line with its counts, syncs a file to disk, and returns
    /// the counts.
    ///
    /// # Errors
    /// [`JournalError::Io`] when the line could not be written or synced.
    pub fn finish(&mut self, run: &str) -> Result<Summary, JournalError> {
        let summary = self.summary(run);
        self.append(JournalRecord::Finish {
            time: Utc::now(),
            run: run.to_owned(),
            summary: summary.clone(),
        })?;
        if let Sink::File { file, path } = &self.sink {
            file.sync_data().map_err(|source| JournalError::Io {
                path: path.clone(),
                source,
            })?;
        }
        Ok(summary)
    }

    /// Reads a journal file. A last line without its newline that does not parse was
    /// torn by a crash: it is left out and [`JournalFile::torn_tail`] says so; any other
    /// bad line is an error naming it.
    ///
    /// # Errors
    /// [`JournalError::Io`] or [`JournalError::Corrupt`] naming the file and line.
    pub fn read(path: impl AsRef<Path>) -> Result<JournalFile, JournalError> {
        let path = path.as_ref();
        let text = std::fs::read(path).map_err(|source| JournalError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let ends_cleanly = text.last().is_none_or(|b| *b == b'\n');
        let lines: Vec<(usize, &[u8])> = text
            .split(|b| *b == b'\n')
            .enumerate()
            .filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace))
            .collect();
        let mut out = JournalFile::default();
        for (k, (i, line)) in lines.iter().enumerate() {
            match serde_json::from_slice::<JournalRecord>(line) {
                Ok(r) => out.records.push(r),
                Err(_) if k + 1 == lines.len() && !ends_cleanly => out.torn_tail = true,
                Err(source) => {
                    return Err(JournalError::Corrupt {
                        path: path.to_path_buf(),
                        line: i + 1,
                        source,
                    });
                }
            }
        }
        Ok(out)
    }
}
