//! The conformance suite: what every [`HrSource`](crate::HrSource) must do while serving
//! [`Fixture::standard()`].
//!
//! Each check is a plain `pub async fn(&DynHrSource, &Fixture) -> Result<(), ConformanceError>`
//! so adapter authors can call them from their own tests, and
//! [`hr_source_conformance_tests!`](crate::hr_source_conformance_tests) expands them into
//! one named `#[tokio::test]` each. Checks that need a capability the source does not
//! declare are skipped for it. Checks may be added in minor releases.
//!
//! ```
//! use hr_core::conformance::{self, Fixture};
//!
//! # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! # rt.block_on(async {
//! let fixture = Fixture::standard();
//! let source = fixture.in_memory_source();
//! conformance::run_all(&source, &fixture).await?;
//! # Ok::<(), conformance::ConformanceReport>(())
//! # }).unwrap();
//! ```
//!
//! In an adapter's test file (needs `tokio` with the `macros` and `rt-multi-thread`
//! features among the dev-dependencies; `tests/conformance_memory.rs` of this crate is a
//! working example):
//!
//! ```text
//! async fn serve(fixture: hr_core::conformance::Fixture) -> MySource {
//!     MySource::for_tests(simulator_with(&fixture.employees)).await
//! }
//! hr_core::hr_source_conformance_tests!(serve);
//! ```

mod fixture;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::Utc;

pub use fixture::{COMPANIES, Fixture, FixtureCase};

use crate::source::{DynHrSource, SnapshotOptions};
use crate::{CompanyId, Employee, EmployeeId, Error, HrSnapshot};

/// A failed check: its name and every discrepancy it found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConformanceError {
    /// The check's function name.
    pub check: &'static str,
    /// The source's name.
    pub source_name: String,
    /// What differed, one line each.
    pub failures: Vec<String>,
}

impl fmt::Display for ConformanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "conformance check `{}` failed for source `{}`:",
            self.check, self.source_name
        )?;
        for line in self.failures.iter().take(25) {
            writeln!(f, "  - {line}")?;
        }
        if self.failures.len() > 25 {
            writeln!(f, "  … and {} more", self.failures.len() - 25)?;
        }
        Ok(())
    }
}

impl std::error::Error for ConformanceError {}

/// Every failed check of a [`run_all`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConformanceReport(pub Vec<ConformanceError>);

impl fmt::Display for ConformanceReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} conformance check(s) failed", self.0.len())?;
        self.0.iter().try_for_each(|e| e.fmt(f))
    }
}

impl std::error::Error for ConformanceReport {}

/// The result of one check.
pub type CheckResult = Result<(), ConformanceError>;

/// Collects discrepancies for one check.
struct Findings {
    check: &'static str,
    source_name: String,
    failures: Vec<String>,
}

impl Findings {
    fn new(check: &'static str, source: &DynHrSource) -> Self {
        Self {
            check,
            source_name: source.name().to_owned(),
            failures: Vec::new(),
        }
    }

    fn fail(&mut self, message: impl Into<String>) {
        self.failures.push(message.into());
    }

    fn expect_eq<T: PartialEq + fmt::Debug>(
        &mut self,
        what: impl fmt::Display,
        expected: &T,
        actual: &T,
    ) {
        if expected != actual {
            self.fail(format!("{what}: expected {expected:?}, got {actual:?}"));
        }
    }

    fn finish(self) -> CheckResult {
        if self.failures.is_empty() {
            Ok(())
        } else {
            Err(ConformanceError {
                check: self.check,
                source_name: self.source_name,
                failures: self.failures,
            })
        }
    }

    fn error(mut self, message: impl Into<String>) -> ConformanceError {
        self.fail(message);
        ConformanceError {
            check: self.check,
            source_name: self.source_name,
            failures: self.failures,
        }
    }
}

async fn read(
    check: &'static str,
    source: &DynHrSource,
    options: &SnapshotOptions,
) -> Result<HrSnapshot, ConformanceError> {
    source
        .snapshot_opts(options)
        .await
        .map_err(|e| Findings::new(check, source).error(format!("snapshot failed: {e}")))
}

/// Pairs each fixture person with the same person in the snapshot; a person missing
/// from the snapshot is a finding.
fn pairs<'a>(
    f: &mut Findings,
    fixture: &'a Fixture,
    snap: &'a HrSnapshot,
) -> Vec<(&'a Employee, &'a Employee, &'static str)> {
    let mut out = Vec::new();
    for (expected, case) in fixture.employees.iter().zip(&fixture.cases) {
        match snap.employee(&expected.id) {
            Some(actual) => out.push((expected, actual, case.covers)),
            None => f.fail(format!(
                "employee {} ({}) is missing",
                expected.id, case.covers
            )),
        }
    }
    out
}

/// The snapshot holds exactly the fixture's people: none missing, none extra.
pub async fn lists_every_fixture_employee(source: &DynHrSource, fixture: &Fixture) -> CheckResult {
    let mut f = Findings::new("lists_every_fixture_employee", source);
    let snap = read(f.check, source, &SnapshotOptions::default()).await?;
    let expected: BTreeSet<&EmployeeId> = fixture.employees.iter().map(|e| &e.id).collect();
    let actual: BTreeSet<&EmployeeId> = snap.employees().iter().map(|e| &e.id).collect();
    for missing in expected.difference(&actual) {
        let covers = fixture.case(missing).map_or("", |c| c.covers);
        f.fail(format!("employee {missing} ({covers}) is missing"));
    }
    for extra in actual.difference(&expected) {
        f.fail(format!("employee {extra} is not in the fixture"));
    }
    f.expect_eq("number of people", &fixture.employees.len(), &snap.len());
    f.finish()
}

/// Two reads give the same people with the same ids and the same data.
pub async fn reads_are_stable(source: &DynHrSource, fixture: &Fixture) -> CheckResult {
    let mut f = Findings::new("reads_are_stable", source);
    let first = read(f.check, source, &SnapshotOptions::default()).await?;
    let second = read(f.check, source, &SnapshotOptions::default()).await?;
    let by_id = |s: &HrSnapshot| -> BTreeMap<EmployeeId, Employee> {
        s.employees()
            .iter()
            .map(|e| (e.id.clone(), e.clone()))
            .collect()
    };
    let (a, b) = (by_id(&first), by_id(&second));
    for (id, person) in &a {
        match b.get(id) {
            None => f.fail(format!("employee {id} disappeared on the second read")),
            Some(again) if again != person => {
                f.fail(format!("employee {id} changed between reads"))
            }
            Some(_) => {}
        }
    }
    for id in b.keys().filter(|id| !a.contains_key(*id)) {
        f.fail(format!("employee {id} appeared only on the second read"));
    }
    if first.len() != fixture.employees.len() {
        f.fail(format!(
            "read {} people, the fixture has {}",
            first.len(),
            fixture.employees.len()
        ));
    }
    f.finish()
}

/// The snapshot names its source and the moment it was read.
pub async fn snapshot_names_source_and_time(
    source: &DynHrSource,
    _fixture: &Fixture,
) -> CheckResult {
    let mut f = Findings::new("snapshot_names_source_and_time", source);
    let before = Utc::now() - chrono::TimeDelta::seconds(1);
    let snap = read(f.check, source, &SnapshotOptions::default()).await?;
    let after = Utc::now() + chrono::TimeDelta::seconds(1);
    f.expect_eq("snapshot source", &source.name(), &snap.source());
    if snap.read_at() < before || snap.read_at() > after {
        f.fail(format!(
            "read_at {} is not the time of the read ({before} .. {after})",
            snap.read_at()
        ));
    }
    f.finish()
}

/// Every part of every name arrives intact: prefixes, partner names, naming convention,
/// non-ASCII letters.
pub async fn names_are_complete(source: &DynHrSource, fixture: &Fixture) -> CheckResult {
    let mut f = Findings::new("names_are_complete", source);
    let snap = read(f.check, source, &SnapshotOptions::default()).await?;
    for (expected, actual, covers) in pairs(&mut f, fixture, &snap) {
        f.expect_eq(
            format_args!("employee {} ({covers}) name", expected.id),
            &expected.name,
            &actual.name,
        );
        f.expect_eq(
            format_args!("employee {} ({covers}) display name", expected.id),
            &expected.name.display_name(),
            &actual.name.display_name(),
        );
        f.expect_eq(
            format_args!("employee {} ({covers}) employee number", expected.id),
            &expected.employee_number,
            &actual.employee_number,
        );
    }
    f.finish()
}

/// Every employment is returned, unmerged: past, current, future, overlapping and
/// back-to-back.
pub async fn employments_are_all_there(source: &DynHrSource, fixture: &Fixture) -> CheckResult {
    let mut f = Findings::new("employments_are_all_there", source);
    let snap = read(f.check, source, &SnapshotOptions::default()).await?;
    for (expected, actual, covers) in pairs(&mut f, fixture, &snap) {
        let mut want = expected.employments.clone();
        let mut got = actual.employments.clone();
        want.sort_unstable();
        got.sort_unstable();
        f.expect_eq(
            format_args!("employee {} ({covers}) employments", expected.id),
            &want,
            &got,
        );
    }
    f.finish()
}

/// E-mail addresses and phone numbers arrive as recorded; private ones only when the
/// source declares `private_contact`, and never as empty strings.
pub async fn contact_is_preserved(source: &DynHrSource, fixture: &Fixture) -> CheckResult {
    let mut f = Findings::new("contact_is_preserved", source);
    let private = source.capabilities().private_contact;
    let snap = read(f.check, source, &SnapshotOptions::default()).await?;
    for (expected, actual, covers) in pairs(&mut f, fixture, &snap) {
        let mut want = expected.contact.clone();
        if !private {
            want.private_email = None;
            want.private_mobile = None;
        }
        f.expect_eq(
            format_args!("employee {} ({covers}) contact", expected.id),
            &want,
            &actual.contact,
        );
    }
    f.finish()
}

/// No field holds an empty or blank string: absent values are `None`.
pub async fn absent_values_are_none(source: &DynHrSource, _fixture: &Fixture) -> CheckResult {
    let mut f = Findings::new("absent_values_are_none", source);
    let snap = read(f.check, source, &SnapshotOptions::default()).await?;
    for e in snap.employees() {
        for (field, value) in optional_texts(e) {
            if value.is_some_and(|v| v.trim().is_empty()) {
                f.fail(format!(
                    "employee {}: {field} is {value:?} instead of None",
                    e.id
                ));
            }
        }
        if e.name.family_name.trim().is_empty() {
            f.fail(format!("employee {}: family_name is blank", e.id));
        }
    }
    f.finish()
}

fn optional_texts(e: &Employee) -> Vec<(&'static str, Option<&str>)> {
    let a = e.address.as_ref();
    let mut fields = vec![
        ("employee_number", e.employee_number.as_deref()),
        ("name.given_name", e.name.given_name.as_deref()),
        ("name.first_names", e.name.first_names.as_deref()),
        ("name.initials", e.name.initials.as_deref()),
        (
            "name.family_name_prefix",
            e.name.family_name_prefix.as_deref(),
        ),
        (
            "name.partner_family_name_prefix",
            e.name.partner_family_name_prefix.as_deref(),
        ),
        (
            "name.partner_family_name",
            e.name.partner_family_name.as_deref(),
        ),
        ("contact.work_email", e.contact.work_email.as_deref()),
        ("contact.private_email", e.contact.private_email.as_deref()),
        ("contact.work_mobile", e.contact.work_mobile.as_deref()),
        (
            "contact.private_mobile",
            e.contact.private_mobile.as_deref(),
        ),
        ("contact.work_phone", e.contact.work_phone.as_deref()),
        ("address.street", a.and_then(|a| a.street.as_deref())),
        (
            "address.house_number",
            a.and_then(|a| a.house_number.as_deref()),
        ),
        (
            "address.house_number_addition",
            a.and_then(|a| a.house_number_addition.as_deref()),
        ),
        (
            "address.postal_code",
            a.and_then(|a| a.postal_code.as_deref()),
        ),
        ("address.city", a.and_then(|a| a.city.as_deref())),
        ("address.state", a.and_then(|a| a.state.as_deref())),
        ("org.job_title", e.org.job_title.as_deref()),
        (
            "org.cost_center.label",
            e.org.cost_center.as_ref().and_then(|c| c.label.as_deref()),
        ),
        (
            "org.employee_type.label",
            e.org
                .employee_type
                .as_ref()
                .and_then(|c| c.label.as_deref()),
        ),
    ];
    if let Some(crate::ManagerRef::External { name, email }) = &e.manager {
        fields.push(("manager.name", name.as_deref()));
        fields.push(("manager.email", email.as_deref()));
    }
    fields.extend(e.custom.values().map(|v| ("custom", Some(v.as_str()))));
    fields
}

/// Company, department, job title, cost centre and employee type arrive intact, and
/// with `org_units` every referenced unit is listed with the fixture's name and kind.
pub async fn org_data_is_preserved(source: &DynHrSource, fixture: &Fixture) -> CheckResult {
    let mut f = Findings::new("org_data_is_preserved", source);
    let snap = read(f.check, source, &SnapshotOptions::default()).await?;
    for (expected, actual, covers) in pairs(&mut f, fixture, &snap) {
        f.expect_eq(
            format_args!("employee {} ({covers}) org", expected.id),
            &expected.org,
            &actual.org,
        );
    }
    if source.capabilities().org_units {
        for unit in &fixture.org_units {
            match snap.org_unit(&unit.id) {
                None => f.fail(format!("org unit {} ({}) is missing", unit.id, unit.name)),
                Some(got) => {
                    f.expect_eq(
                        format_args!("org unit {} name", unit.id),
                        &unit.name,
                        &got.name,
                    );
                    f.expect_eq(
                        format_args!("org unit {} kind", unit.id),
                        &unit.kind,
                        &got.kind,
                    );
                }
            }
        }
        for e in snap.employees() {
            if let Some(dept) = &e.org.department
                && snap.org_unit(&dept.id).is_none()
            {
                f.fail(format!(
                    "employee {}: department {} is not among the org units",
                    e.id, dept.id
                ));
            }
        }
    }
    f.finish()
}

/// Managers arrive as the fixture has them: an employee reference that resolves within
/// the snapshot, or name and e-mail of a manager who is not an employee.
pub async fn managers_resolve(source: &DynHrSource, fixture: &Fixture) -> CheckResult {
    let mut f = Findings::new("managers_resolve", source);
    if !source.capabilities().managers {
        return f.finish();
    }
    let snap = read(f.check, source, &SnapshotOptions::default()).await?;
    for (expected, actual, covers) in pairs(&mut f, fixture, &snap) {
        f.expect_eq(
            format_args!("employee {} ({covers}) manager", expected.id),
            &expected.manager,
            &actual.manager,
        );
        if let Some(manager) = actual.manager.as_ref().and_then(|m| m.employee_id())
            && snap.employee(manager).is_none()
        {
            f.fail(format!(
                "employee {}: manager {manager} is not in the snapshot",
                actual.id
            ));
        }
    }
    f.finish()
}

/// People with the same employee number in different companies stay two people.
pub async fn duplicate_employee_numbers_stay_apart(
    source: &DynHrSource,
    fixture: &Fixture,
) -> CheckResult {
    let mut f = Findings::new("duplicate_employee_numbers_stay_apart", source);
    let snap = read(f.check, source, &SnapshotOptions::default()).await?;
    let mut by_number: BTreeMap<&str, Vec<&Employee>> = BTreeMap::new();
    for e in &fixture.employees {
        if let Some(n) = e.employee_number.as_deref() {
            by_number.entry(n).or_default().push(e);
        }
    }
    for (number, people) in by_number.iter().filter(|(_, p)| p.len() > 1) {
        for expected in people {
            match snap.employee(&expected.id) {
                None => f.fail(format!(
                    "employee {} with number {number} is missing",
                    expected.id
                )),
                Some(actual) => f.expect_eq(
                    format_args!("employee {} (number {number}) company", expected.id),
                    &expected.company_id(),
                    &actual.company_id(),
                ),
            }
        }
    }
    f.finish()
}

/// With `time_zones`, each person's own zone arrives.
pub async fn time_zones_are_kept(source: &DynHrSource, fixture: &Fixture) -> CheckResult {
    let mut f = Findings::new("time_zones_are_kept", source);
    if !source.capabilities().time_zones {
        return f.finish();
    }
    let snap = read(f.check, source, &SnapshotOptions::default()).await?;
    for (expected, actual, covers) in pairs(&mut f, fixture, &snap) {
        f.expect_eq(
            format_args!("employee {} ({covers}) time zone", expected.id),
            &expected.time_zone,
            &actual.time_zone,
        );
    }
    f.finish()
}

/// With `addresses`, postal addresses arrive intact.
pub async fn addresses_are_kept(source: &DynHrSource, fixture: &Fixture) -> CheckResult {
    let mut f = Findings::new("addresses_are_kept", source);
    if !source.capabilities().addresses {
        return f.finish();
    }
    let snap = read(f.check, source, &SnapshotOptions::default()).await?;
    for (expected, actual, covers) in pairs(&mut f, fixture, &snap) {
        f.expect_eq(
            format_args!("employee {} ({covers}) address", expected.id),
            &expected.address,
            &actual.address,
        );
    }
    f.finish()
}

/// With `custom_fields`, custom fields arrive intact.
pub async fn custom_fields_are_kept(source: &DynHrSource, fixture: &Fixture) -> CheckResult {
    let mut f = Findings::new("custom_fields_are_kept", source);
    if !source.capabilities().custom_fields {
        return f.finish();
    }
    let snap = read(f.check, source, &SnapshotOptions::default()).await?;
    for (expected, actual, covers) in pairs(&mut f, fixture, &snap) {
        f.expect_eq(
            format_args!("employee {} ({covers}) custom fields", expected.id),
            &expected.custom,
            &actual.custom,
        );
    }
    f.finish()
}

/// A company filter returns exactly that company's people; an unknown company is
/// [`Error::NotFound`], not an empty snapshot.
pub async fn company_filter_is_honoured(source: &DynHrSource, fixture: &Fixture) -> CheckResult {
    let mut f = Findings::new("company_filter_is_honoured", source);
    for company in fixture.company_ids() {
        let options = SnapshotOptions::default().with_companies([company.clone()]);
        let snap = read(f.check, source, &options).await?;
        let expected: BTreeSet<&EmployeeId> = fixture
            .employees
            .iter()
            .filter(|e| e.company_id() == Some(&company))
            .map(|e| &e.id)
            .collect();
        let actual: BTreeSet<&EmployeeId> = snap.employees().iter().map(|e| &e.id).collect();
        f.expect_eq(
            format_args!("people of company {company}"),
            &expected,
            &actual,
        );
    }
    let unknown = SnapshotOptions::default().with_companies([CompanyId::from(999_999_999u32)]);
    match source.snapshot_opts(&unknown).await {
        Err(Error::NotFound { .. }) => {}
        Err(e) => f.fail(format!("an unknown company gave {e:?} instead of NotFound")),
        Ok(snap) => f.fail(format!(
            "an unknown company gave a snapshot of {} people instead of NotFound",
            snap.len()
        )),
    }
    f.finish()
}

/// What the source returns gives every fixture person the fixture's lifecycle state at
/// the reference time: the adapter loses nothing the lifecycle depends on.
pub async fn lifecycle_matches_fixture(source: &DynHrSource, fixture: &Fixture) -> CheckResult {
    let mut f = Findings::new("lifecycle_matches_fixture", source);
    let snap = read(f.check, source, &SnapshotOptions::default()).await?;
    let with_zones = source.capabilities().time_zones;
    for (expected, actual, covers) in pairs(&mut f, fixture, &snap) {
        if !with_zones && expected.time_zone.is_some() {
            continue;
        }
        let decision = fixture.policy.evaluate(actual, fixture.reference_time);
        let want = fixture.case(&expected.id).map(|c| c.expected_state);
        if want != Some(decision.state) {
            f.fail(format!(
                "employee {} ({covers}): expected {want:?}, got {} because {decision}",
                expected.id, decision.state
            ));
        }
    }
    f.finish()
}

/// Runs every check and reports all failures together.
///
/// # Errors
/// A [`ConformanceReport`] listing every failed check.
pub async fn run_all(source: &DynHrSource, fixture: &Fixture) -> Result<(), ConformanceReport> {
    let results = [
        lists_every_fixture_employee(source, fixture).await,
        reads_are_stable(source, fixture).await,
        snapshot_names_source_and_time(source, fixture).await,
        names_are_complete(source, fixture).await,
        employments_are_all_there(source, fixture).await,
        contact_is_preserved(source, fixture).await,
        absent_values_are_none(source, fixture).await,
        org_data_is_preserved(source, fixture).await,
        managers_resolve(source, fixture).await,
        duplicate_employee_numbers_stay_apart(source, fixture).await,
        time_zones_are_kept(source, fixture).await,
        addresses_are_kept(source, fixture).await,
        custom_fields_are_kept(source, fixture).await,
        company_filter_is_honoured(source, fixture).await,
        lifecycle_matches_fixture(source, fixture).await,
    ];
    let failures: Vec<ConformanceError> = results.into_iter().filter_map(Result::err).collect();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(ConformanceReport(failures))
    }
}

/// Expands into one `#[tokio::test]` per conformance check, each serving a fresh
/// [`Fixture::standard()`] through `$serve`, an `async fn(Fixture) -> impl HrSource`.
///
/// The calling crate needs `tokio` (features `macros`, `rt-multi-thread`) as a
/// dev-dependency and `hr-core` with the `conformance` feature.
///
/// ```text
/// async fn serve(fixture: hr_core::conformance::Fixture) -> hr_core::InMemorySource {
///     fixture.in_memory_source()
/// }
/// hr_core::hr_source_conformance_tests!(serve);
/// ```
#[macro_export]
macro_rules! hr_source_conformance_tests {
    ($serve:path) => {
        $crate::hr_source_conformance_tests!(@each $serve;
            lists_every_fixture_employee,
            reads_are_stable,
            snapshot_names_source_and_time,
            names_are_complete,
            employments_are_all_there,
            contact_is_preserved,
            absent_values_are_none,
            org_data_is_preserved,
            managers_resolve,
            duplicate_employee_numbers_stay_apart,
            time_zones_are_kept,
            addresses_are_kept,
            custom_fields_are_kept,
            company_filter_is_honoured,
            lifecycle_matches_fixture
        );
    };
    (@each $serve:path; $($check:ident),+ $(,)?) => {
        $(
            #[::tokio::test]
            async fn $check() {
                let fixture = $crate::conformance::Fixture::standard();
                let source = $serve(fixture.clone()).await;
                if let Err(e) = $crate::conformance::$check(&source, &fixture).await {
                    panic!("{e}");
                }
            }
        )+
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Capabilities, HrSource, InMemorySource, PersonName};

    /// The suite must catch a source that loses data; a suite that passes everything is
    /// worthless.
    #[tokio::test]
    async fn the_suite_catches_a_lossy_source() {
        let fixture = Fixture::standard();
        let lossy = fixture.in_memory_source();
        let damaged = lossy.update(|people, _| {
            people.retain(|e| e.id.as_str() != "600013");
            for e in people.iter_mut() {
                if e.id.as_str() == "600001" {
                    e.name = PersonName::new("Anouk", "Vries"); // prefix and partner lost
                }
                if e.id.as_str() == "600014" {
                    e.employments.truncate(1); // rehire lost
                }
                if e.id.as_str() == "600019" {
                    e.contact.work_email = Some(String::new());
                }
                if e.id.as_str() == "600023" {
                    e.time_zone = None;
                }
            }
        });
        assert!(damaged.is_ok());
        let report = run_all(&lossy, &fixture)
            .await
            .err()
            .map(|r| r.0)
            .unwrap_or_default();
        let failed: BTreeSet<&str> = report.iter().map(|e| e.check).collect();
        for check in [
            "lists_every_fixture_employee",
            "names_are_complete",
            "employments_are_all_there",
            "contact_is_preserved",
            "absent_values_are_none",
            "time_zones_are_kept",
            "lifecycle_matches_fixture",
        ] {
            assert!(failed.contains(check), "{check} did not fail: {failed:?}");
        }
        let text = report.iter().map(ToString::to_string).collect::<String>();
        assert!(
            text.contains("employee 600013 (long-gone leaver) is missing"),
            "{text}"
        );
        assert!(
            text.contains("contact.work_email is Some(\"\") instead of None"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn capability_gated_checks_skip_for_poorer_sources() {
        let fixture = Fixture::standard();
        let source = fixture
            .in_memory_source()
            .with_capabilities(Capabilities::default());
        // Data is all there, so the gated checks have nothing to complain about either way,
        // but private contact must then be absent: the in-memory source still returns it.
        assert!(managers_resolve(&source, &fixture).await.is_ok());
        assert!(contact_is_preserved(&source, &fixture).await.is_err());
    }

    #[tokio::test]
    async fn a_source_answering_empty_for_an_unknown_company_fails() {
        #[derive(Debug)]
        struct EmptyForUnknown(InMemorySource);
        #[async_trait::async_trait]
        impl HrSource for EmptyForUnknown {
            fn name(&self) -> &str {
                "lenient"
            }
            fn capabilities(&self) -> crate::Capabilities {
                self.0.capabilities()
            }
            async fn snapshot_opts(&self, options: &SnapshotOptions) -> crate::Result<HrSnapshot> {
                match self.0.snapshot_opts(options).await {
                    Err(Error::NotFound { .. }) => {
                        HrSnapshot::new("lenient", Utc::now(), vec![], vec![])
                    }
                    other => other,
                }
            }
        }
        let fixture = Fixture::standard();
        let source = EmptyForUnknown(fixture.in_memory_source());
        let err = company_filter_is_honoured(&source, &fixture)
            .await
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("instead of NotFound"), "{err}");
    }
}
