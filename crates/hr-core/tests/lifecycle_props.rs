//! Property tests of the lifecycle engine over arbitrary dates, every IANA zone (DST gaps
//! and overlaps included) and arbitrary policies: it never panics, its announced next
//! transition is exactly when the state changes, and every transition falls on the
//! policy's local time of day.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should stop the test

use chrono::Datelike;
use chrono::{DateTime, LocalResult, NaiveDate, NaiveTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::{TZ_VARIANTS, Tz};
use hr_core::{Employment, Error, LifecyclePolicy, LifecycleReason, LifecycleState};
use proptest::prelude::*;

fn realistic_date() -> impl Strategy<Value = NaiveDate> {
    (1990i32..2045, 1u32..=12, 1u32..=31).prop_map(|(y, m, d)| {
        NaiveDate::from_ymd_opt(y, m, d)
            .or_else(|| NaiveDate::from_ymd_opt(y, m, 28))
            .unwrap_or_default()
    })
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![
        4 => realistic_date(),
        1 => any::<i32>().prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).unwrap_or(NaiveDate::MAX)),
        1 => Just(NaiveDate::MIN),
        1 => Just(NaiveDate::MAX),
    ]
}

fn zone() -> impl Strategy<Value = Tz> {
    (0..TZ_VARIANTS.len()).prop_map(|i| TZ_VARIANTS[i])
}

fn realistic_instant() -> impl Strategy<Value = DateTime<Utc>> {
    (631_152_000i64..2_366_841_600).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap_or_default())
}

fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
    prop_oneof![
        4 => realistic_instant(),
        1 => any::<i64>().prop_map(|s| DateTime::from_timestamp(s / 1000, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)),
        1 => Just(DateTime::<Utc>::MIN_UTC),
        1 => Just(DateTime::<Utc>::MAX_UTC),
    ]
}

fn employment(date: impl Strategy<Value = NaiveDate>) -> impl Strategy<Value = Employment> {
    (date, prop::option::of(0u64..4000)).prop_map(|(start, len)| {
        let end = len.and_then(|l| start.checked_add_days(chrono::Days::new(l)));
        Employment::new(start, end).unwrap_or_else(|_| Employment::open(start))
    })
}

/// Policies with small realistic numbers and every time of day, DST-gap times included.
fn policy() -> impl Strategy<Value = LifecyclePolicy> {
    (
        0u32..40,
        0u32..40,
        0u32..40,
        0u32..60,
        0u32..24,
        prop::sample::select(vec![0u32, 15, 30, 45]),
        zone(),
    )
        .prop_map(|(provision, activate, grace, deactivate, h, m, zone)| {
            LifecyclePolicy::builder()
                .provision_days_before_start(provision.max(activate))
                .activate_days_before_start(activate.min(provision))
                .grace_days_after_end(grace)
                .deactivate_days_after_suspend(deactivate)
                .transition_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default())
                .default_time_zone(zone)
                .build()
                .unwrap_or_default()
        })
}

/// The days of `year` on which `zone` changes its UTC offset.
fn offset_change_days(zone: Tz, year: i32) -> Vec<NaiveDate> {
    let mut days = Vec::new();
    let mut day = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let offset_at_noon = |d: NaiveDate| {
        zone.offset_from_utc_datetime(&d.and_hms_opt(12, 0, 0).unwrap_or_default())
            .fix()
    };
    let mut previous = offset_at_noon(day);
    while day.year() == year {
        let Some(next) = day.succ_opt() else { break };
        let offset = offset_at_noon(next);
        if offset != previous {
            days.push(next);
            previous = offset;
        }
        day = next;
    }
    days
}

/// An employment from one offset change to the day before the next one, in a zone that
/// has them, and a quarter-hour between 00:00 and 04:45 (where DST gaps and overlaps lie).
fn dst_case() -> impl Strategy<Value = (Tz, Employment, NaiveTime)> {
    (zone(), 1996i32..2040, 0usize..4, 0u32..20).prop_filter_map(
        "zone without offset changes",
        |(zone, year, pick, slot)| {
            let days = offset_change_days(zone, year);
            let start = *days.get(pick % days.len().max(1))?;
            let end = days.iter().find(|d| **d > start).and_then(|d| d.pred_opt());
            let job = Employment::new(start, end).ok()?;
            let time = NaiveTime::from_hms_opt(slot / 4, (slot % 4) * 15, 0)?;
            Some((zone, job, time))
        },
    )
}

fn reason_fits_state(state: LifecycleState, reason: &LifecycleReason) -> bool {
    use LifecycleReason as R;
    use LifecycleState as S;
    matches!(
        (state, reason),
        (
            S::NotYetProvisioned,
            R::NoEmployment | R::StartsLater { .. }
        ) | (S::Pending, R::StartsSoon { .. })
            | (S::Active, R::Employed { .. } | R::InGrace { .. })
            | (S::Suspended, R::Ended { .. })
            | (S::Deactivated, R::Gone { .. })
    )
}

fn ladder(state: LifecycleState) -> u8 {
    match state {
        LifecycleState::NotYetProvisioned => 0,
        LifecycleState::Pending => 1,
        LifecycleState::Active => 2,
        LifecycleState::Suspended => 3,
        _ => 4,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    /// Any numbers at all: a policy is built or refused with a configuration error.
    #[test]
    fn any_policy_settings_build_or_are_refused(
        p in any::<u32>(), a in any::<u32>(), g in any::<u32>(), d in any::<u32>(),
        h in 0u32..24, m in 0u32..60, s in 0u32..60, zone in zone(),
    ) {
        let built = LifecyclePolicy::builder()
            .provision_days_before_start(p).activate_days_before_start(a)
            .grace_days_after_end(g).deactivate_days_after_suspend(d)
            .transition_time(NaiveTime::from_hms_opt(h, m, s).unwrap_or_default())
            .default_time_zone(zone)
            .build();
        match built {
            Ok(policy) => prop_assert_eq!(policy.grace_days_after_end(), g),
            Err(Error::Configuration { key, .. }) => prop_assert!(key.starts_with("lifecycle.")),
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }

    /// Never panics for any dates, zone, instant or policy; the reason matches the state;
    /// and the announced transition is exactly when the state changes.
    #[test]
    fn the_next_transition_is_when_the_state_changes(
        policy in policy(),
        jobs in prop::collection::vec(employment(any_date()), 0..5),
        zone in zone(),
        at in any_instant(),
        fraction in 0.0f64..1.0,
    ) {
        let decision = policy.evaluate_employments(&jobs, zone, at);
        let _ = decision.to_string();
        prop_assert!(reason_fits_state(decision.state, &decision.reason), "{:?} with {:?}", decision.state, decision.reason);
        if let Some(next) = decision.next_transition {
            let when = next.at.with_timezone(&Utc);
            prop_assert!(when > at);
            prop_assert_ne!(next.to, decision.state);
            prop_assert_eq!(policy.evaluate_employments(&jobs, zone, when).state, next.to);
            // Anywhere strictly between now and then, nothing has changed yet.
            let span = when.signed_duration_since(at);
            let offset = TimeDelta::milliseconds((span.num_milliseconds() as f64 * fraction) as i64);
            if let Some(between) = at.checked_add_signed(offset).filter(|b| *b < when) {
                prop_assert_eq!(policy.evaluate_employments(&jobs, zone, between).state, decision.state);
            }
        }
    }

    /// A single employment only ever moves up the ladder as time passes.
    #[test]
    fn one_employment_only_moves_up_the_ladder(
        policy in policy(), job in employment(any_date()), zone in zone(),
        t1 in any_instant(), t2 in any_instant(),
    ) {
        let (early, late) = if t1 <= t2 { (t1, t2) } else { (t2, t1) };
        let a = policy.evaluate_employments(&[job], zone, early).state;
        let b = policy.evaluate_employments(&[job], zone, late).state;
        prop_assert!(ladder(a) <= ladder(b), "{a:?} at {early} then {b:?} at {late}");
    }

    /// Walking the transitions of one employment visits each at the policy's local time
    /// of day, moved forward only when a DST gap swallows that time, and ends.
    #[test]
    fn transitions_fall_on_the_local_transition_time(
        policy in policy(), job in employment(realistic_date()), zone in zone(),
    ) {
        let mut at = Utc.with_ymd_and_hms(1980, 1, 1, 0, 0, 0).single().unwrap_or_default();
        let time = policy.transition_time();
        let mut steps = 0;
        while let Some(next) = policy.evaluate_employments(&[job], zone, at).next_transition {
            steps += 1;
            prop_assert!(steps <= 4, "a single employment has at most four transitions");
            let local = next.at.with_timezone(&zone);
            let wall = local.time();
            if wall != time {
                let exists = zone.from_local_datetime(&local.date_naive().and_time(time)).earliest().is_some();
                prop_assert!(!exists && wall > time, "{} in {zone}: expected {time}", next.at);
            }
            at = next.at.with_timezone(&Utc);
        }
    }

    /// Order and repetition of employments do not change the decision.
    #[test]
    fn order_and_duplicates_do_not_matter(
        policy in policy(),
        jobs in prop::collection::vec(employment(realistic_date()), 1..5),
        zone in zone(), at in realistic_instant(),
    ) {
        let decision = policy.evaluate_employments(&jobs, zone, at);
        let mut reversed = jobs.clone();
        reversed.reverse();
        reversed.push(jobs[0]);
        prop_assert_eq!(policy.evaluate_employments(&reversed, zone, at), decision);
    }

    /// On the very days clocks change: a wall time the gap swallows moves forward by the
    /// gap's length (it never lands before the wall time), a wall time that happens twice
    /// takes its first occurrence.
    #[test]
    fn dst_change_days_follow_the_gap_and_overlap_rules(
        (zone, job, time) in dst_case(), deactivate in 0u32..3,
    ) {
        let policy = LifecyclePolicy::builder()
            .provision_days_before_start(0)
            .grace_days_after_end(0)
            .deactivate_days_after_suspend(deactivate)
            .transition_time(time)
            .build()
            .unwrap_or_default();
        let mut at = Utc.with_ymd_and_hms(1990, 1, 1, 0, 0, 0).single().unwrap_or_default();
        while let Some(next) = policy.evaluate_employments(&[job], zone, at).next_transition {
            let local = next.at.with_timezone(&zone);
            match zone.from_local_datetime(&local.date_naive().and_time(time)) {
                LocalResult::Single(t) => prop_assert_eq!(t.with_timezone(&Utc), next.at.with_timezone(&Utc)),
                LocalResult::Ambiguous(a, b) => prop_assert_eq!(a.min(b).with_timezone(&Utc), next.at.with_timezone(&Utc)),
                LocalResult::None => {
                    // Read with the offset in force before the jump.
                    let before = zone.offset_from_utc_datetime(&(local.date_naive().and_time(time) - TimeDelta::days(1))).fix();
                    let expected = local.date_naive().and_time(time) - TimeDelta::seconds(i64::from(before.local_minus_utc()));
                    prop_assert_eq!(expected.and_utc(), next.at.with_timezone(&Utc));
                    prop_assert!(local.time() > time, "{} in {zone} lands before {time}", next.at);
                }
            }
            at = next.at.with_timezone(&Utc);
        }
    }
}
