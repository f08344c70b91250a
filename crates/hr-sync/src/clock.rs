//! What time it is: [`SystemClock`] in production, [`ManualClock`] where a test moves
//! time by hand (a leaver's retention running out, a start date arriving).

use std::fmt::Debug;
use std::sync::{Arc, PoisonError, RwLock};

use chrono::{DateTime, TimeDelta, Utc};

/// A source of the current instant. The lifecycle is evaluated at [`Clock::now`].
///
/// ```
/// use hr_sync::{Clock, SystemClock};
/// let before = chrono::Utc::now();
/// assert!(SystemClock.now() >= before);
/// ```
pub trait Clock: Debug + Send + Sync + 'static {
    /// The current instant.
    ///
    /// ```
    /// use hr_sync::{Clock, ManualClock};
    /// let t = chrono::DateTime::UNIX_EPOCH;
    /// assert_eq!(ManualClock::new(t).now(), t);
    /// ```
    fn now(&self) -> DateTime<Utc>;
}

/// The system's wall clock.
///
/// ```
/// use hr_sync::{Clock, SystemClock};
/// let clock: std::sync::Arc<dyn Clock> = std::sync::Arc::new(SystemClock);
/// assert!(clock.now().timestamp() > 0);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until told otherwise; clones share the same time.
///
/// ```
/// use chrono::{TimeDelta, TimeZone, Utc};
/// use hr_sync::{Clock, ManualClock};
///
/// let start = Utc.with_ymd_and_hms(2026, 6, 15, 2, 0, 0).unwrap();
/// let clock = ManualClock::new(start);
/// let shared = clock.clone();
/// clock.advance(TimeDelta::days(31));
/// assert_eq!(shared.now(), start + TimeDelta::days(31));
/// clock.set(start);
/// assert_eq!(shared.now(), start);
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<RwLock<DateTime<Utc>>>,
}

impl ManualClock {
    /// A clock showing `now`.
    ///
    /// ```
    /// use hr_sync::{Clock, ManualClock};
    /// let t = chrono::DateTime::UNIX_EPOCH;
    /// assert_eq!(ManualClock::new(t).now(), t);
    /// ```
    #[must_use]
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            now: Arc::new(RwLock::new(now)),
        }
    }

    /// Shows `now` from here on.
    ///
    /// ```
    /// use hr_sync::{Clock, ManualClock};
    /// let clock = ManualClock::new(chrono::DateTime::UNIX_EPOCH);
    /// let later = chrono::DateTime::UNIX_EPOCH + chrono::TimeDelta::hours(5);
    /// clock.set(later);
    /// assert_eq!(clock.now(), later);
    /// ```
    pub fn set(&self, now: DateTime<Utc>) {
        *self.now.write().unwrap_or_else(PoisonError::into_inner) = now;
    }

    /// Moves the clock by `by` (backwards when negative); saturates at the ends of time.
    ///
    /// ```
    /// use chrono::{DateTime, TimeDelta, Utc};
    /// use hr_sync::{Clock, ManualClock};
    /// let clock = ManualClock::new(DateTime::<Utc>::MAX_UTC - TimeDelta::days(1));
    /// clock.advance(TimeDelta::days(2));
    /// assert_eq!(clock.now(), DateTime::<Utc>::MAX_UTC);
    /// ```
    pub fn advance(&self, by: TimeDelta) {
        let mut now = self.now.write().unwrap_or_else(PoisonError::into_inner);
        *now = now
            .checked_add_signed(by)
            .unwrap_or(if by < TimeDelta::zero() {
                DateTime::<Utc>::MIN_UTC
            } else {
                DateTime::<Utc>::MAX_UTC
            });
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.read().unwrap_or_else(PoisonError::into_inner)
    }
}
