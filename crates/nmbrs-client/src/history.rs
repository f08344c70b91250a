//! Picking the current record out of Nmbrs's history lists (research §3.4).
//!
//! This is the one place the rule lives: a record takes effect at its
//! (`StartYear`, `StartPeriod`); the current record is the one with the greatest such
//! point not after the company's current period, ties broken by the latest
//! `CreationDate`. A record without a start point counts as effective since ever.
//! Records effective after the current period are future changes and are ignored.

use chrono::NaiveDateTime;

use crate::model::{
    AddressRecord, DepartmentRecord, Effective, FunctionRecord, Period, PersonalInfo,
};

/// A record of a history list.
pub trait HistoryRecord {
    /// When the record takes effect.
    fn effective(&self) -> Option<Effective>;
    /// When it was entered.
    fn created(&self) -> Option<NaiveDateTime>;
}

macro_rules! history_record {
    ($($ty:ty),*) => {$(
        impl HistoryRecord for $ty {
            fn effective(&self) -> Option<Effective> {
                self.effective
            }
            fn created(&self) -> Option<NaiveDateTime> {
                self.creation_date
            }
        }
    )*};
}

history_record!(
    PersonalInfo,
    DepartmentRecord,
    FunctionRecord,
    AddressRecord
);

/// The record in force in `period`, if any.
///
/// ```
/// use nmbrs_client::{history::current, DepartmentRecord, Effective, Period};
///
/// let mut old = DepartmentRecord::default();
/// old.effective = Some(Effective { year: 2020, period: 1 });
/// let mut now = DepartmentRecord::default();
/// now.effective = Some(Effective { year: 2023, period: 6 });
/// let mut planned = DepartmentRecord::default();
/// planned.effective = Some(Effective { year: 2027, period: 1 });
/// let records = [planned, old, now.clone()];
/// let period: Period = "2026-11-M".parse().unwrap();
/// assert_eq!(current(&records, &period), Some(&now));
/// ```
pub fn current<'r, T: HistoryRecord + 'r>(
    records: impl IntoIterator<Item = &'r T>,
    period: &Period,
) -> Option<&'r T> {
    let now = period.as_effective();
    records
        .into_iter()
        .filter(|r| r.effective().is_none_or(|e| e <= now))
        .max_by_key(|r| (r.effective().unwrap_or_default(), r.created()))
}

/// The record in force in `period`, else — for someone whose records all lie ahead, such as
/// a future hire — the first one that will be: the earliest start, the latest entered.
///
/// ```
/// use nmbrs_client::{history::current_or_next, DepartmentRecord, Effective, Period};
///
/// let mut planned = DepartmentRecord::default();
/// planned.effective = Some(Effective { year: 2027, period: 2 });
/// let mut later = DepartmentRecord::default();
/// later.effective = Some(Effective { year: 2027, period: 6 });
/// let records = [later, planned.clone()];
/// let period: Period = "2026-11-M".parse().unwrap();
/// assert_eq!(current_or_next(&records, &period), Some(&planned));
/// ```
pub fn current_or_next<'r, T: HistoryRecord + 'r>(
    records: &'r [T],
    period: &Period,
) -> Option<&'r T> {
    current(records, period).or_else(|| {
        records.iter().min_by_key(|r| {
            (
                r.effective().unwrap_or_default(),
                std::cmp::Reverse(r.created()),
            )
        })
    })
}

/// Whether an address still holds in `period` (its end, if any, is not before it).
pub(crate) fn address_holds(address: &AddressRecord, period: &Period) -> bool {
    address.ends.is_none_or(|end| end >= period.as_effective())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rec(year: i32, period: i32, created_minute: u32) -> DepartmentRecord {
        let mut r = DepartmentRecord {
            effective: Some(Effective { year, period }),
            creation_date: chrono::NaiveDate::from_ymd_opt(2020, 1, 1)
                .and_then(|d| d.and_hms_opt(0, created_minute % 60, 0)),
            ..DepartmentRecord::default()
        };
        r.department.id = Some(year * 100 + period);
        r
    }

    proptest! {
        /// The chosen record is in force, and no other record in force beats it; the
        /// order Nmbrs sends records in does not matter.
        #[test]
        fn current_is_the_latest_in_force(
            raw in prop::collection::vec((2018i32..2030, 1i32..13, 0u32..60), 0..12),
            now_year in 2018i32..2030,
            now_period in 1i32..13,
            rotate in 0usize..12,
        ) {
            let records: Vec<_> = raw.iter().map(|&(y, p, c)| rec(y, p, c)).collect();
            let period = Period::new(now_year, now_period, crate::model::PeriodKind::Month);
            let chosen = current(&records, &period);
            let mut rotated = records.clone();
            if !rotated.is_empty() {
                let k = rotate % rotated.len();
                rotated.rotate_left(k);
            }
            let key = |r: &DepartmentRecord| (r.effective, r.creation_date);
            prop_assert_eq!(chosen.map(key), current(&rotated, &period).map(key));
            let now = period.as_effective();
            match chosen {
                None => prop_assert!(records.iter().all(|r| r.effective.is_some_and(|e| e > now))),
                Some(c) => {
                    prop_assert!(c.effective.is_some_and(|e| e <= now));
                    for r in records.iter().filter(|r| r.effective.is_some_and(|e| e <= now)) {
                        prop_assert!(key(r) <= key(c));
                    }
                }
            }
        }
    }
}
