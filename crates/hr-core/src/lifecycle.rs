//! The lifecycle engine: from employments to an account state, a reason, and the instant
//! of the next transition.
//!
//! Every transition happens at the policy's local time of day in the person's own time
//! zone. For each continuous employment period (see [`merge_employments`]) the ladder is:
//!
//! | from (local, at `transition_time`)                  | state |
//! |---|---|
//! | before `start − provision_days_before_start`         | [`LifecycleState::NotYetProvisioned`] |
//! | `start − provision_days_before_start`                | [`LifecycleState::Pending`] (account exists, not active) |
//! | `start − activate_days_before_start`                 | [`LifecycleState::Active`] |
//! | `end + 1 + grace_days_after_end`                     | [`LifecycleState::Suspended`] |
//! | that day `+ deactivate_days_after_suspend`           | [`LifecycleState::Deactivated`] (never deleted) |
//!
//! With several periods (a leaver who is rehired), the most present claim wins:
//! active over pending over suspended over deactivated over not yet provisioned.
//!
//! Local times that do not exist (the spring-forward gap) move forward by the length
//! of the gap, as `java.time` does; local times that occur twice (the autumn overlap)
//! take the earlier instant.

use std::fmt;

use chrono::{
    DateTime, Datelike, Days, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime,
    Offset, TimeDelta, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::{Employee, Employment, Error, Result, merge_employments};

/// The largest number of days any policy setting accepts (ten years).
pub const MAX_POLICY_DAYS: u32 = 3650;

/// The account state a person should have at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LifecycleState {
    /// Too early: no account should exist yet (or the person has no employment at all).
    NotYetProvisioned,
    /// The account should exist but not be active yet (Okta: staged).
    Pending,
    /// The account should be active.
    Active,
    /// Employment has ended and the grace period is over: the account is suspended.
    Suspended,
    /// Long gone: the account is deactivated. Never deleted.
    Deactivated,
}

impl LifecycleState {
    /// The snake-case name used in JSON and CSV output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotYetProvisioned => "not_yet_provisioned",
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Deactivated => "deactivated",
        }
    }

    /// Which claim wins when several employment periods disagree.
    fn precedence(self) -> u8 {
        match self {
            Self::NotYetProvisioned => 0,
            Self::Deactivated => 1,
            Self::Suspended => 2,
            Self::Pending => 3,
            Self::Active => 4,
        }
    }
}

impl fmt::Display for LifecycleState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// When a person's state changes next, and to what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Transition {
    /// The instant, with the person's local UTC offset at that instant.
    pub at: DateTime<FixedOffset>,
    /// The state from that instant on.
    pub to: LifecycleState,
}

/// Why a person is in their state. `Display` renders the sentence an admin reads, e.g.
/// `contract ended 2026-08-31 (Europe/Amsterdam); 7 days grace; suspend due 2026-09-08T00:00+02:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum LifecycleReason {
    /// The person has no employment on record.
    NoEmployment,
    /// The next employment starts later than the provisioning window.
    StartsLater {
        /// First day of the employment.
        start: NaiveDate,
        /// The zone the dates are read in.
        zone: Tz,
        /// The policy's provisioning lead.
        provision_days_before_start: u32,
        /// When the account is to be created.
        provision_at: DateTime<FixedOffset>,
    },
    /// Inside the provisioning window, before activation.
    StartsSoon {
        /// First day of the employment.
        start: NaiveDate,
        /// The zone the dates are read in.
        zone: Tz,
        /// When the account is to be activated.
        activate_at: DateTime<FixedOffset>,
    },
    /// Employed (or inside the activation lead before the first day).
    Employed {
        /// First day of the employment period.
        start: NaiveDate,
        /// Last day, when the employment ends.
        end: Option<NaiveDate>,
        /// The zone the dates are read in.
        zone: Tz,
        /// The policy's grace after the end.
        grace_days_after_end: u32,
        /// When the account is to be suspended, for an employment that ends.
        suspend_at: Option<DateTime<FixedOffset>>,
    },
    /// The employment has ended; the account stays active for the grace period.
    InGrace {
        /// Last day of the employment.
        end: NaiveDate,
        /// The zone the dates are read in.
        zone: Tz,
        /// The policy's grace after the end.
        grace_days_after_end: u32,
        /// When the account is to be suspended.
        suspend_at: DateTime<FixedOffset>,
    },
    /// The employment has ended and the grace period is over.
    Ended {
        /// Last day of the employment.
        end: NaiveDate,
        /// The zone the dates are read in.
        zone: Tz,
        /// The policy's grace after the end.
        grace_days_after_end: u32,
        /// When the account is to be deactivated.
        deactivate_at: Option<DateTime<FixedOffset>>,
    },
    /// Long gone: deactivated.
    Gone {
        /// Last day of the employment.
        end: NaiveDate,
        /// The zone the dates are read in.
        zone: Tz,
        /// When the account was deactivated.
        deactivated_at: DateTime<FixedOffset>,
    },
}

/// Formats an instant as `2026-09-08T00:00+02:00` (seconds only when not zero).
struct Local(DateTime<FixedOffset>);

impl fmt::Display for Local {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.second() == 0 {
            write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M%:z"))
        } else {
            write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M:%S%:z"))
        }
    }
}

/// Writes "; N days grace" when there is a grace period.
struct Grace(u32);

impl fmt::Display for Grace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => Ok(()),
            1 => f.write_str("; 1 day grace"),
            n => write!(f, "; {n} days grace"),
        }
    }
}

impl fmt::Display for LifecycleReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::NoEmployment => f.write_str("no employment on record"),
            Self::StartsLater {
                start,
                zone,
                provision_days_before_start,
                provision_at,
            } => write!(
                f,
                "contract starts {start} ({zone}); provisioning {provision_days_before_start} days before, due {}",
                Local(provision_at)
            ),
            Self::StartsSoon {
                start,
                zone,
                activate_at,
            } => {
                write!(
                    f,
                    "contract starts {start} ({zone}); activation due {}",
                    Local(activate_at)
                )
            }
            Self::Employed {
                start,
                end: None,
                zone,
                ..
            } => {
                write!(f, "employed since {start} ({zone}), no end date")
            }
            Self::Employed {
                start,
                end: Some(end),
                zone,
                grace_days_after_end,
                suspend_at,
            } => {
                write!(
                    f,
                    "employed since {start}, contract ends {end} ({zone}){}",
                    Grace(grace_days_after_end)
                )?;
                match suspend_at {
                    Some(at) => write!(f, "; suspend due {}", Local(at)),
                    None => Ok(()),
                }
            }
            Self::InGrace {
                end,
                zone,
                grace_days_after_end,
                suspend_at,
            } => write!(
                f,
                "contract ended {end} ({zone}){}; suspend due {}",
                Grace(grace_days_after_end),
                Local(suspend_at)
            ),
            Self::Ended {
                end,
                zone,
                grace_days_after_end,
                deactivate_at,
            } => {
                write!(
                    f,
                    "contract ended {end} ({zone}){}",
                    Grace(grace_days_after_end)
                )?;
                if grace_days_after_end > 0 {
                    f.write_str(" over")?;
                }
                match deactivate_at {
                    Some(at) => write!(f, "; deactivation due {}", Local(at)),
                    None => Ok(()),
                }
            }
            Self::Gone {
                end,
                zone,
                deactivated_at,
            } => {
                write!(
                    f,
                    "contract ended {end} ({zone}); deactivated since {}",
                    Local(deactivated_at)
                )
            }
        }
    }
}

/// The lifecycle engine's answer for one person at one instant.
///
/// `Display` gives the reason as one line, prefixed with the rehire note when the
/// deciding employment follows an earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LifecycleDecision {
    /// The state the account should have.
    pub state: LifecycleState,
    /// Why.
    pub reason: LifecycleReason,
    /// The zone the person's dates were read in.
    pub zone: Tz,
    /// When the deciding employment is a rehire: the last day of the previous one.
    pub rehire_after: Option<NaiveDate>,
    /// The next change of state, if any is scheduled.
    pub next_transition: Option<Transition>,
}

impl fmt::Display for LifecycleDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(previous_end) = self.rehire_after {
            write!(
                f,
                "rehire after a gap (previous employment ended {previous_end}); "
            )?;
        }
        self.reason.fmt(f)
    }
}

/// When accounts are created, activated, suspended and deactivated.
///
/// Build one with [`LifecyclePolicy::builder`] (every setting is checked) or
/// deserialize it from configuration; [`LifecyclePolicy::default`] is:
///
/// | setting | default |
/// |---|---|
/// | `provision_days_before_start` | 7 |
/// | `activate_days_before_start` | 0 (activate on the first day) |
/// | `grace_days_after_end` | 0 (suspend when the last day is over) |
/// | `deactivate_days_after_suspend` | 30 |
/// | `transition_time` | `00:00` local |
/// | `default_time_zone` | `Europe/Amsterdam` |
///
/// ```
/// use chrono::{NaiveDate, TimeZone, Utc};
/// use hr_core::{Employment, LifecyclePolicy, LifecycleState};
///
/// let policy = LifecyclePolicy::builder().grace_days_after_end(7).build()?;
/// let contract = Employment::new(
///     NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
///     Some(NaiveDate::from_ymd_opt(2026, 8, 31).unwrap()),
/// )?;
/// let now = Utc.with_ymd_and_hms(2026, 9, 3, 12, 0, 0).unwrap();
/// let decision = policy.evaluate_employments(&[contract], chrono_tz::Europe::Amsterdam, now);
/// assert_eq!(decision.state, LifecycleState::Active);
/// assert_eq!(
///     decision.to_string(),
///     "contract ended 2026-08-31 (Europe/Amsterdam); 7 days grace; suspend due 2026-09-08T00:00+02:00"
/// );
/// assert_eq!(decision.next_transition.map(|t| t.to), Some(LifecycleState::Suspended));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "PolicyRepr", into = "PolicyRepr")]
pub struct LifecyclePolicy {
    provision_days_before_start: u32,
    activate_days_before_start: u32,
    grace_days_after_end: u32,
    deactivate_days_after_suspend: u32,
    transition_time: NaiveTime,
    default_zone: Tz,
}

impl Default for LifecyclePolicy {
    fn default() -> Self {
        Self {
            provision_days_before_start: 7,
            activate_days_before_start: 0,
            grace_days_after_end: 0,
            deactivate_days_after_suspend: 30,
            transition_time: NaiveTime::MIN,
            default_zone: chrono_tz::Europe::Amsterdam,
        }
    }
}

/// Builds a checked [`LifecyclePolicy`]; starts from the defaults.
#[derive(Debug, Clone, Copy, Default)]
pub struct LifecyclePolicyBuilder {
    policy: LifecyclePolicy,
}

impl LifecyclePolicyBuilder {
    /// Days before the first day at which the account is created (not yet active).
    pub fn provision_days_before_start(mut self, days: u32) -> Self {
        self.policy.provision_days_before_start = days;
        self
    }
    /// Days before the first day at which the account is activated (0 = on the first day).
    pub fn activate_days_before_start(mut self, days: u32) -> Self {
        self.policy.activate_days_before_start = days;
        self
    }
    /// Days after the last day during which the account stays active.
    pub fn grace_days_after_end(mut self, days: u32) -> Self {
        self.policy.grace_days_after_end = days;
        self
    }
    /// Days between suspension and deactivation (0 = deactivate instead of suspending).
    pub fn deactivate_days_after_suspend(mut self, days: u32) -> Self {
        self.policy.deactivate_days_after_suspend = days;
        self
    }
    /// The local time of day at which every transition happens (whole minutes).
    pub fn transition_time(mut self, time: NaiveTime) -> Self {
        self.policy.transition_time = time;
        self
    }
    /// The zone for people whose record has none.
    pub fn default_time_zone(mut self, zone: Tz) -> Self {
        self.policy.default_zone = zone;
        self
    }

    /// Checks the settings.
    ///
    /// # Errors
    /// [`Error::Configuration`] naming the setting when a number of days exceeds
    /// [`MAX_POLICY_DAYS`], when activation would come before provisioning, or when the
    /// transition time is not a whole minute.
    pub fn build(self) -> Result<LifecyclePolicy> {
        let p = self.policy;
        for (key, days) in [
            ("provision_days_before_start", p.provision_days_before_start),
            ("activate_days_before_start", p.activate_days_before_start),
            ("grace_days_after_end", p.grace_days_after_end),
            (
                "deactivate_days_after_suspend",
                p.deactivate_days_after_suspend,
            ),
        ] {
            if days > MAX_POLICY_DAYS {
                return Err(Error::configuration(
                    format!("lifecycle.{key}"),
                    format!("{days} days is more than the {MAX_POLICY_DAYS} allowed"),
                ));
            }
        }
        if p.activate_days_before_start > p.provision_days_before_start {
            return Err(Error::configuration(
                "lifecycle.activate_days_before_start",
                format!(
                    "activation {} days before start cannot come before provisioning {} days before start",
                    p.activate_days_before_start, p.provision_days_before_start
                ),
            ));
        }
        if p.transition_time.second() != 0 || p.transition_time.nanosecond() != 0 {
            return Err(Error::configuration(
                "lifecycle.transition_time",
                format!("{} is not a whole minute", p.transition_time),
            ));
        }
        Ok(p)
    }
}

/// The serialized form of a policy, as it appears in configuration files.
#[derive(Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct PolicyRepr {
    provision_days_before_start: u32,
    activate_days_before_start: u32,
    grace_days_after_end: u32,
    deactivate_days_after_suspend: u32,
    /// `HH:MM` in the person's zone.
    transition_time: String,
    default_time_zone: Tz,
}

impl Default for PolicyRepr {
    fn default() -> Self {
        LifecyclePolicy::default().into()
    }
}

impl From<LifecyclePolicy> for PolicyRepr {
    fn from(p: LifecyclePolicy) -> Self {
        Self {
            provision_days_before_start: p.provision_days_before_start,
            activate_days_before_start: p.activate_days_before_start,
            grace_days_after_end: p.grace_days_after_end,
            deactivate_days_after_suspend: p.deactivate_days_after_suspend,
            transition_time: p.transition_time.format("%H:%M").to_string(),
            default_time_zone: p.default_zone,
        }
    }
}

impl TryFrom<PolicyRepr> for LifecyclePolicy {
    type Error = Error;
    fn try_from(r: PolicyRepr) -> Result<Self> {
        let time = NaiveTime::parse_from_str(&r.transition_time, "%H:%M").map_err(|_| {
            Error::configuration(
                "lifecycle.transition_time",
                format!("{:?} is not a time of day as HH:MM", r.transition_time),
            )
        })?;
        LifecyclePolicy::builder()
            .provision_days_before_start(r.provision_days_before_start)
            .activate_days_before_start(r.activate_days_before_start)
            .grace_days_after_end(r.grace_days_after_end)
            .deactivate_days_after_suspend(r.deactivate_days_after_suspend)
            .transition_time(time)
            .default_time_zone(r.default_time_zone)
            .build()
    }
}

/// The instants at which one employment period moves up the ladder. Instants that fall
/// outside what can be represented saturate to `DateTime::<Utc>::MIN_UTC`/`MAX_UTC`.
#[derive(Debug, Clone, Copy)]
struct Window {
    period: Employment,
    provision: DateTime<Utc>,
    activate: DateTime<Utc>,
    suspend: DateTime<Utc>,
    deactivate: DateTime<Utc>,
}

impl Window {
    fn state_at(&self, at: DateTime<Utc>) -> LifecycleState {
        // A boundary saturated to the last instant means "never": it stays ahead of
        // every instant, the last one included.
        let before =
            |boundary: DateTime<Utc>| boundary == DateTime::<Utc>::MAX_UTC || at < boundary;
        if before(self.provision) {
            LifecycleState::NotYetProvisioned
        } else if before(self.activate) {
            LifecycleState::Pending
        } else if before(self.suspend) {
            LifecycleState::Active
        } else if before(self.deactivate) {
            LifecycleState::Suspended
        } else {
            LifecycleState::Deactivated
        }
    }

    fn boundaries(&self) -> [DateTime<Utc>; 4] {
        [self.provision, self.activate, self.suspend, self.deactivate]
    }
}

/// The instant at which the local wall clock in `zone` shows `date` `time`.
///
/// Civil dates outside the years 1..=9999 saturate to the first or last representable
/// instant: no time zone database says anything sensible about them, and it keeps every
/// conversion below free of overflow.
fn local_instant(zone: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    if date.year() < 1 {
        return DateTime::<Utc>::MIN_UTC;
    }
    if date.year() > 9999 {
        return DateTime::<Utc>::MAX_UTC;
    }
    let local = date.and_time(time);
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        LocalResult::None => after_gap(zone, local),
    }
}

/// A wall-clock time skipped by a forward jump: read it with the offset in force before
/// the jump, which lands as far after the jump as the time was after its start.
fn after_gap(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let probe = local
        .checked_sub_signed(TimeDelta::days(1))
        .unwrap_or(local);
    let before = zone.offset_from_utc_datetime(&probe).fix();
    local
        .checked_sub_signed(TimeDelta::seconds(i64::from(before.local_minus_utc())))
        .map_or(DateTime::<Utc>::MAX_UTC, |utc| utc.and_utc())
}

fn shift(date: NaiveDate, days: i64) -> Option<NaiveDate> {
    let step = Days::new(days.unsigned_abs());
    if days >= 0 {
        date.checked_add_days(step)
    } else {
        date.checked_sub_days(step)
    }
}

impl LifecyclePolicy {
    /// A builder starting from the defaults.
    pub fn builder() -> LifecyclePolicyBuilder {
        LifecyclePolicyBuilder::default()
    }

    /// Days before start at which the account is created.
    pub fn provision_days_before_start(&self) -> u32 {
        self.provision_days_before_start
    }
    /// Days before start at which the account is activated.
    pub fn activate_days_before_start(&self) -> u32 {
        self.activate_days_before_start
    }
    /// Days after the last day during which the account stays active.
    pub fn grace_days_after_end(&self) -> u32 {
        self.grace_days_after_end
    }
    /// Days between suspension and deactivation.
    pub fn deactivate_days_after_suspend(&self) -> u32 {
        self.deactivate_days_after_suspend
    }
    /// Local time of day of every transition.
    pub fn transition_time(&self) -> NaiveTime {
        self.transition_time
    }
    /// The zone used for people whose record has none.
    pub fn default_time_zone(&self) -> Tz {
        self.default_zone
    }

    /// The state `employee` should have at `at`, in their own zone (or the default zone).
    ///
    /// Never fails and never panics: any dates, zone and instant give a decision.
    pub fn evaluate(&self, employee: &Employee, at: DateTime<Utc>) -> LifecycleDecision {
        let zone = employee.time_zone.unwrap_or(self.default_zone);
        self.evaluate_employments(&employee.employments, zone, at)
    }

    /// The state for a set of employments read in `zone`, at `at`.
    pub fn evaluate_employments(
        &self,
        employments: &[Employment],
        zone: Tz,
        at: DateTime<Utc>,
    ) -> LifecycleDecision {
        match employments {
            [] => LifecycleDecision {
                state: LifecycleState::NotYetProvisioned,
                reason: LifecycleReason::NoEmployment,
                zone,
                rehire_after: None,
                next_transition: None,
            },
            [one] => self.decide(&[self.window(*one, zone)], zone, at),
            many => {
                let windows: Vec<Window> = merge_employments(many)
                    .into_iter()
                    .map(|p| self.window(p, zone))
                    .collect();
                self.decide(&windows, zone, at)
            }
        }
    }

    /// The transition instant on `date`; `None` (past the last representable day) never comes.
    fn at_transition(&self, zone: Tz, date: Option<NaiveDate>) -> DateTime<Utc> {
        date.map_or(DateTime::<Utc>::MAX_UTC, |d| {
            local_instant(zone, d, self.transition_time)
        })
    }

    fn window(&self, period: Employment, zone: Tz) -> Window {
        // Stepping back past the first representable day means "always already there".
        let before_start = |days: u32| {
            shift(period.start(), -i64::from(days)).map_or(DateTime::<Utc>::MIN_UTC, |d| {
                local_instant(zone, d, self.transition_time)
            })
        };
        let provision = before_start(self.provision_days_before_start);
        let activate = before_start(self.activate_days_before_start).max(provision);
        let suspend_day = period
            .end()
            .and_then(|end| shift(end, 1 + i64::from(self.grace_days_after_end)));
        let suspend = self.at_transition(zone, suspend_day).max(activate);
        let deactivate_day =
            suspend_day.and_then(|d| shift(d, i64::from(self.deactivate_days_after_suspend)));
        let deactivate = self.at_transition(zone, deactivate_day).max(suspend);
        Window {
            period,
            provision,
            activate,
            suspend,
            deactivate,
        }
    }

    /// The combined state at `at`, and the index of the period that decides it.
    fn combined(windows: &[Window], at: DateTime<Utc>) -> (LifecycleState, usize) {
        let mut best: Option<(LifecycleState, usize)> = None;
        for (i, w) in windows.iter().enumerate() {
            let state = w.state_at(at);
            best = match best {
                None => Some((state, i)),
                Some((b, j)) => {
                    let wins = state.precedence() > b.precedence()
                        // Same claim: the latest period explains it, except for periods
                        // not yet begun, where the next one to begin does.
                        || (state.precedence() == b.precedence()
                            && state != LifecycleState::NotYetProvisioned);
                    if wins { Some((state, i)) } else { Some((b, j)) }
                }
            };
        }
        best.unwrap_or((LifecycleState::NotYetProvisioned, 0))
    }

    fn decide(&self, windows: &[Window], zone: Tz, at: DateTime<Utc>) -> LifecycleDecision {
        let (state, index) = Self::combined(windows, at);
        let next_transition = Self::next_transition(windows, state, at, zone);
        let Some(window) = windows.get(index) else {
            return LifecycleDecision {
                state,
                reason: LifecycleReason::NoEmployment,
                zone,
                rehire_after: None,
                next_transition,
            };
        };
        let rehire_after = index
            .checked_sub(1)
            .and_then(|i| windows.get(i))
            .and_then(|previous| previous.period.end());
        LifecycleDecision {
            state,
            reason: self.reason(window, state, zone, at),
            zone,
            rehire_after,
            next_transition,
        }
    }

    fn next_transition(
        windows: &[Window],
        state: LifecycleState,
        at: DateTime<Utc>,
        zone: Tz,
    ) -> Option<Transition> {
        let mut candidates: Vec<DateTime<Utc>> = windows
            .iter()
            .flat_map(Window::boundaries)
            .filter(|b| *b > at && *b < DateTime::<Utc>::MAX_UTC)
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        candidates.into_iter().find_map(|candidate| {
            let (to, _) = Self::combined(windows, candidate);
            (to != state).then(|| Transition {
                at: local(zone, candidate),
                to,
            })
        })
    }

    fn reason(
        &self,
        w: &Window,
        state: LifecycleState,
        zone: Tz,
        at: DateTime<Utc>,
    ) -> LifecycleReason {
        let start = w.period.start();
        let grace = self.grace_days_after_end;
        let finite = |t: DateTime<Utc>| (t < DateTime::<Utc>::MAX_UTC).then(|| local(zone, t));
        let employed = LifecycleReason::Employed {
            start,
            end: w.period.end(),
            zone,
            grace_days_after_end: grace,
            suspend_at: finite(w.suspend),
        };
        match (state, w.period.end()) {
            (LifecycleState::NotYetProvisioned, _) => LifecycleReason::StartsLater {
                start,
                zone,
                provision_days_before_start: self.provision_days_before_start,
                provision_at: local(zone, w.provision),
            },
            (LifecycleState::Pending, _) => LifecycleReason::StartsSoon {
                start,
                zone,
                activate_at: local(zone, w.activate),
            },
            (LifecycleState::Active, Some(end)) if grace > 0 => {
                if at >= self.at_transition(zone, shift(end, 1)) {
                    LifecycleReason::InGrace {
                        end,
                        zone,
                        grace_days_after_end: grace,
                        suspend_at: local(zone, w.suspend),
                    }
                } else {
                    employed
                }
            }
            (LifecycleState::Suspended, Some(end)) => LifecycleReason::Ended {
                end,
                zone,
                grace_days_after_end: grace,
                deactivate_at: finite(w.deactivate),
            },
            (LifecycleState::Deactivated, Some(end)) => LifecycleReason::Gone {
                end,
                zone,
                deactivated_at: local(zone, w.deactivate),
            },
            _ => employed,
        }
    }
}

/// An instant shown with the zone's offset at that instant.
fn local(zone: Tz, t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&zone).fixed_offset()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America, Europe, Pacific};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn utc(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, day, h, min, 0).unwrap()
    }
    fn job(start: NaiveDate, end: Option<NaiveDate>) -> Employment {
        Employment::new(start, end).unwrap()
    }
    fn policy() -> LifecyclePolicy {
        LifecyclePolicy::builder()
            .grace_days_after_end(7)
            .build()
            .unwrap()
    }

    #[test]
    fn the_ladder_in_order_with_reasons_and_next_transitions() {
        let p = policy();
        let e = [job(d(2026, 3, 2), Some(d(2026, 8, 31)))];
        let ams = Europe::Amsterdam;
        let at = |t| p.evaluate_employments(&e, ams, t);

        let before = at(utc(2026, 2, 1, 12, 0));
        assert_eq!(before.state, LifecycleState::NotYetProvisioned);
        assert_eq!(
            before.to_string(),
            "contract starts 2026-03-02 (Europe/Amsterdam); provisioning 7 days before, due 2026-02-23T00:00+01:00"
        );
        assert_eq!(
            before.next_transition.map(|t| (t.at.to_rfc3339(), t.to)),
            Some(("2026-02-23T00:00:00+01:00".into(), LifecycleState::Pending))
        );

        let pending = at(utc(2026, 2, 25, 12, 0));
        assert_eq!(pending.state, LifecycleState::Pending);
        assert_eq!(
            pending.to_string(),
            "contract starts 2026-03-02 (Europe/Amsterdam); activation due 2026-03-02T00:00+01:00"
        );

        let active = at(utc(2026, 5, 1, 12, 0));
        assert_eq!(active.state, LifecycleState::Active);
        assert_eq!(
            active.to_string(),
            "employed since 2026-03-02, contract ends 2026-08-31 (Europe/Amsterdam); 7 days grace; suspend due 2026-09-08T00:00+02:00"
        );

        let grace = at(utc(2026, 9, 7, 21, 59));
        assert_eq!(grace.state, LifecycleState::Active);
        assert_eq!(
            grace.to_string(),
            "contract ended 2026-08-31 (Europe/Amsterdam); 7 days grace; suspend due 2026-09-08T00:00+02:00"
        );

        // 2026-09-08T00:00+02:00 is 2026-09-07T22:00Z: suspended from that instant on.
        let suspended = at(utc(2026, 9, 7, 22, 0));
        assert_eq!(suspended.state, LifecycleState::Suspended);
        assert_eq!(
            suspended.to_string(),
            "contract ended 2026-08-31 (Europe/Amsterdam); 7 days grace over; deactivation due 2026-10-08T00:00+02:00"
        );

        let gone = at(utc(2027, 1, 1, 0, 0));
        assert_eq!(gone.state, LifecycleState::Deactivated);
        assert_eq!(gone.next_transition, None);
        assert_eq!(
            gone.to_string(),
            "contract ended 2026-08-31 (Europe/Amsterdam); deactivated since 2026-10-08T00:00+02:00"
        );
    }

    #[test]
    fn the_persons_zone_decides_the_instant() {
        let p = LifecyclePolicy::default();
        let e = [job(d(2026, 6, 1), Some(d(2026, 6, 14)))];
        // 2026-06-15 00:00 in New York is 04:00Z; in Amsterdam 2026-06-14 22:00Z.
        let t = utc(2026, 6, 15, 2, 0);
        assert_eq!(
            p.evaluate_employments(&e, Europe::Amsterdam, t).state,
            LifecycleState::Suspended
        );
        let ny = p.evaluate_employments(&e, America::New_York, t);
        assert_eq!(ny.state, LifecycleState::Active);
        assert_eq!(
            ny.next_transition.map(|n| n.at.with_timezone(&Utc)),
            Some(utc(2026, 6, 15, 4, 0))
        );
    }

    #[test]
    fn employee_without_zone_uses_the_default_zone() {
        let p = LifecyclePolicy::builder()
            .default_time_zone(Pacific::Auckland)
            .build()
            .unwrap();
        let person = Employee::new("1".parse().unwrap(), crate::PersonName::new("A", "B"))
            .with_employment(Employment::open(d(2026, 6, 16)));
        let decision = p.evaluate(&person, utc(2026, 6, 15, 13, 0));
        assert_eq!(decision.zone, Pacific::Auckland);
        assert_eq!(
            decision.state,
            LifecycleState::Active,
            "00:00 NZST on the 16th is 12:00Z on the 15th"
        );
    }

    #[test]
    fn transitions_in_a_dst_gap_move_forward_and_in_an_overlap_take_the_first() {
        let p = LifecyclePolicy::builder()
            .transition_time(NaiveTime::from_hms_opt(2, 30, 0).unwrap())
            .provision_days_before_start(0)
            .build()
            .unwrap();
        // Europe/Amsterdam skips 02:00-03:00 on 2026-03-29: 02:30 becomes 03:30 CEST = 01:30Z.
        let spring = p.evaluate_employments(
            &[Employment::open(d(2026, 3, 29))],
            Europe::Amsterdam,
            utc(2026, 3, 1, 0, 0),
        );
        let at = spring.next_transition.map(|t| t.at);
        assert_eq!(
            at.map(|t| t.with_timezone(&Utc)),
            Some(utc(2026, 3, 29, 1, 30))
        );
        assert_eq!(
            at.map(|t| t.to_rfc3339()),
            Some("2026-03-29T03:30:00+02:00".into())
        );
        // 2026-10-25 02:30 happens twice; the first is 00:30Z (CEST).
        let autumn = p.evaluate_employments(
            &[Employment::open(d(2026, 10, 25))],
            Europe::Amsterdam,
            utc(2026, 10, 1, 0, 0),
        );
        assert_eq!(
            autumn.next_transition.map(|t| t.at.with_timezone(&Utc)),
            Some(utc(2026, 10, 25, 0, 30))
        );
    }

    #[test]
    fn rehire_after_a_gap_is_named_and_overlaps_are_one_period() {
        let p = policy();
        let rehire = [
            job(d(2019, 3, 1), Some(d(2022, 8, 31))),
            Employment::open(d(2025, 2, 1)),
        ];
        let now = utc(2026, 6, 15, 2, 0);
        let decision = p.evaluate_employments(&rehire, Europe::Amsterdam, now);
        assert_eq!(decision.state, LifecycleState::Active);
        assert_eq!(decision.rehire_after, Some(d(2022, 8, 31)));
        assert!(decision.to_string().starts_with(
            "rehire after a gap (previous employment ended 2022-08-31); employed since 2025-02-01"
        ));

        // Rehired for a future date: deactivated now, pending later.
        let back_later = [
            job(d(2018, 1, 1), Some(d(2023, 12, 31))),
            Employment::open(d(2026, 7, 1)),
        ];
        let decision = p.evaluate_employments(&back_later, Europe::Amsterdam, now);
        assert_eq!(decision.state, LifecycleState::Deactivated);
        assert_eq!(decision.rehire_after, None);
        assert_eq!(
            decision.next_transition.map(|t| t.to),
            Some(LifecycleState::Pending)
        );

        let overlap = [
            job(d(2022, 1, 1), Some(d(2024, 6, 30))),
            Employment::open(d(2024, 1, 1)),
        ];
        let decision = p.evaluate_employments(&overlap, Europe::Amsterdam, now);
        assert_eq!(
            (decision.state, decision.rehire_after),
            (LifecycleState::Active, None)
        );
        assert_eq!(decision.next_transition, None);
    }

    #[test]
    fn a_rehire_inside_the_grace_period_never_drops_out() {
        let p = policy();
        let e = [
            job(d(2026, 1, 1), Some(d(2026, 5, 31))),
            Employment::open(d(2026, 6, 5)),
        ];
        for day in 25..=30 {
            let state = p
                .evaluate_employments(&e, Europe::Amsterdam, utc(2026, 5, day, 12, 0))
                .state;
            assert_eq!(state, LifecycleState::Active);
        }
        for day in 1..=20 {
            let state = p
                .evaluate_employments(&e, Europe::Amsterdam, utc(2026, 6, day, 12, 0))
                .state;
            assert_eq!(state, LifecycleState::Active, "June {day}");
        }
    }

    #[test]
    fn zero_days_skip_states_instead_of_inventing_them() {
        let p = LifecyclePolicy::builder()
            .provision_days_before_start(0)
            .deactivate_days_after_suspend(0)
            .build()
            .unwrap();
        let e = [job(d(2026, 1, 1), Some(d(2026, 1, 31)))];
        let before = p.evaluate_employments(&e, Europe::Amsterdam, utc(2025, 12, 1, 0, 0));
        assert_eq!(
            before.next_transition.map(|t| t.to),
            Some(LifecycleState::Active)
        );
        let during = p.evaluate_employments(&e, Europe::Amsterdam, utc(2026, 1, 15, 0, 0));
        assert_eq!(
            during.next_transition.map(|t| t.to),
            Some(LifecycleState::Deactivated)
        );
    }

    #[test]
    fn states_display_with_padding() {
        assert_eq!(format!("[{:<8}]", LifecycleState::Active), "[active  ]");
    }

    #[test]
    fn no_employment_is_not_provisioned_with_a_reason() {
        let decision =
            LifecyclePolicy::default().evaluate_employments(&[], Europe::Amsterdam, Utc::now());
        assert_eq!(decision.state, LifecycleState::NotYetProvisioned);
        assert_eq!(decision.to_string(), "no employment on record");
        assert_eq!(decision.next_transition, None);
    }

    #[test]
    fn extreme_dates_saturate_instead_of_overflowing() {
        let p = policy();
        let e = [job(NaiveDate::MIN, Some(NaiveDate::MAX))];
        let decision = p.evaluate_employments(&e, Pacific::Kiritimati, utc(2026, 1, 1, 0, 0));
        assert_eq!(decision.state, LifecycleState::Active);
        assert_eq!(decision.next_transition, None);
        let far = [Employment::open(NaiveDate::MAX)];
        let decision = p.evaluate_employments(&far, Europe::Amsterdam, DateTime::<Utc>::MAX_UTC);
        assert_eq!(decision.state, LifecycleState::NotYetProvisioned);
    }

    #[test]
    fn builder_names_the_bad_setting() {
        let err = LifecyclePolicy::builder()
            .grace_days_after_end(MAX_POLICY_DAYS + 1)
            .build();
        assert!(
            matches!(err, Err(Error::Configuration { ref key, .. }) if key == "lifecycle.grace_days_after_end")
        );
        let err = LifecyclePolicy::builder()
            .provision_days_before_start(1)
            .activate_days_before_start(2)
            .build();
        assert!(
            matches!(err, Err(Error::Configuration { ref key, .. }) if key == "lifecycle.activate_days_before_start")
        );
        let err = LifecyclePolicy::builder()
            .transition_time(NaiveTime::from_hms_opt(6, 0, 1).unwrap())
            .build();
        assert!(
            matches!(err, Err(Error::Configuration { ref key, .. }) if key == "lifecycle.transition_time")
        );
    }

    #[test]
    fn policy_reads_from_configuration_and_rejects_unknown_keys() {
        let p: LifecyclePolicy = serde_json::from_str(
            r#"{"grace_days_after_end": 7, "transition_time": "06:00", "default_time_zone": "America/New_York"}"#,
        )
        .unwrap();
        assert_eq!(p.grace_days_after_end(), 7);
        assert_eq!(
            p.provision_days_before_start(),
            7,
            "unset keys keep their defaults"
        );
        assert_eq!(
            p.transition_time(),
            NaiveTime::from_hms_opt(6, 0, 0).unwrap()
        );
        assert_eq!(p.default_time_zone(), America::New_York);
        let back: LifecyclePolicy =
            serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
        let typo = serde_json::from_str::<LifecyclePolicy>(r#"{"grace_days": 7}"#)
            .err()
            .map(|e| e.to_string());
        assert!(typo.is_some_and(|m| m.contains("unknown field `grace_days`")));
        let bad_time = serde_json::from_str::<LifecyclePolicy>(r#"{"transition_time": "25:00"}"#)
            .err()
            .map(|e| e.to_string());
        assert!(bad_time.is_some_and(|m| m.contains("lifecycle.transition_time")));
    }
}
