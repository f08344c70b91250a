//! Linking HR people to target users: on the HR key first, then, where the policy
//! allows, adopting unlinked users whose login or e-mail matches.

use std::collections::HashMap;

use rustc_hash::{FxHashMap, FxHashSet};

use hr_core::EmployeeId;
use serde::{Deserialize, Serialize};

use crate::target::{TargetState, TargetUser, TargetUserId};

/// Which unlinked users may be adopted. Both off by default: a match is only reported.
///
/// ```
/// use hr_sync::LinkPolicy;
/// let policy = LinkPolicy::default().adopt_matching_login(true);
/// assert!(policy.adopt_matching_login && !policy.adopt_matching_email);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LinkPolicy {
    /// Adopt an unlinked user whose login matches the person's (case-insensitively).
    pub adopt_matching_login: bool,
    /// Adopt an unlinked user whose e-mail matches the person's (case-insensitively).
    pub adopt_matching_email: bool,
}

impl LinkPolicy {
    /// With `adopt_matching_login` set to `yes`.
    #[must_use]
    pub fn adopt_matching_login(mut self, yes: bool) -> Self {
        self.adopt_matching_login = yes;
        self
    }

    /// With `adopt_matching_email` set to `yes`.
    #[must_use]
    pub fn adopt_matching_email(mut self, yes: bool) -> Self {
        self.adopt_matching_email = yes;
        self
    }
}

/// What an unlinked user matched a person on.
///
/// ```
/// use hr_sync::MatchedOn;
/// assert_ne!(MatchedOn::Login, MatchedOn::Email);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MatchedOn {
    /// The login.
    Login,
    /// The e-mail address.
    Email,
}

/// An unlinked target user that matches a person.
///
/// ```
/// use hr_sync::{Candidate, MatchedOn, TargetUserId};
/// let c = Candidate::new("E-1".parse()?, TargetUserId::new("00u1"), MatchedOn::Login, false);
/// assert!(!c.adopted);
/// # Ok::<(), hr_core::IdError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Candidate {
    /// The person.
    pub employee: EmployeeId,
    /// The user.
    pub user: TargetUserId,
    /// What matched.
    pub matched_on: MatchedOn,
    /// Whether the policy let it be linked (it is then in [`Links::linked`]).
    pub adopted: bool,
}

impl Candidate {
    /// A candidate.
    #[must_use]
    pub fn new(
        employee: EmployeeId,
        user: TargetUserId,
        matched_on: MatchedOn,
        adopted: bool,
    ) -> Self {
        Self {
            employee,
            user,
            matched_on,
            adopted,
        }
    }
}

/// Something that stopped a link; the people concerned stay unlinked.
///
/// ```
/// use hr_sync::{LinkConflict, TargetUserId};
/// let c = LinkConflict::DuplicateHrKey { employee: "E-1".parse()?, users: vec![TargetUserId::new("00u1"), TargetUserId::new("00u2")] };
/// assert!(matches!(c, LinkConflict::DuplicateHrKey { .. }));
/// # Ok::<(), hr_core::IdError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum LinkConflict {
    /// Several users carry this person's HR key.
    DuplicateHrKey {
        /// The person.
        employee: EmployeeId,
        /// The users carrying the key.
        users: Vec<TargetUserId>,
    },
    /// Several people would adopt the same user.
    SharedMatch {
        /// The user.
        user: TargetUserId,
        /// The people matching it.
        employees: Vec<EmployeeId>,
    },
}

/// The result of [`link`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Links {
    /// Each linked person's user: by HR key, or adopted.
    pub linked: HashMap<EmployeeId, TargetUserId>,
    /// Unlinked users matching an unlinked person on login or e-mail.
    pub candidates: Vec<Candidate>,
    /// Users with no HR key that nobody was linked to: never touched.
    pub unmanaged: Vec<TargetUserId>,
    /// Users whose HR key belongs to nobody in the input (people who left the source).
    pub orphaned: Vec<TargetUserId>,
    /// What kept people from being linked.
    pub conflicts: Vec<LinkConflict>,
}

/// Links people (HR key, login, e-mail) to the users of `state`, in one pass over each
/// with the state's indexes.
///
/// A user whose HR key is set is only ever linked to that person; an unlinked user that
/// matches on login or e-mail is a [`Candidate`], adopted when `policy` allows it and no
/// other person matches it too. No user is linked to two people.
///
/// ```
/// use hr_sync::{LinkPolicy, TargetState, TargetStatus, TargetUser, TargetUserId, link};
/// let users = vec![
///     TargetUser::new(TargetUserId::new("00u1"), "ada@acme.example", TargetStatus::Active).with_hr_key("E-1"),
///     TargetUser::new(TargetUserId::new("00u2"), "bob@acme.example", TargetStatus::Active),
///     TargetUser::new(TargetUserId::new("00u3"), "admin@acme.example", TargetStatus::Active),
/// ];
/// let state = TargetState::new(users, Vec::new(), Default::default());
/// let (ada, bob) = ("E-1".parse()?, "E-2".parse()?);
/// let people = [(&ada, Some("ada@acme.example"), None), (&bob, Some("Bob@acme.example"), None)];
///
/// let links = link(people, &state, LinkPolicy::default());
/// assert_eq!(links.linked.len(), 1);
/// assert_eq!(links.candidates.len(), 1);
///
/// let links = link(people, &state, LinkPolicy::default().adopt_matching_login(true));
/// assert_eq!(links.linked[&bob].as_str(), "00u2");
/// assert_eq!(links.unmanaged, [TargetUserId::new("00u3")]);
/// # Ok::<(), hr_core::IdError>(())
/// ```
pub fn link<'a>(
    people: impl IntoIterator<Item = (&'a EmployeeId, Option<&'a str>, Option<&'a str>)>,
    state: &TargetState,
    policy: LinkPolicy,
) -> Links {
    let people = people.into_iter();
    let mut links = Links::default();
    links.linked.reserve(people.size_hint().0);
    let mut keys: FxHashSet<&str> =
        FxHashSet::with_capacity_and_hasher(people.size_hint().0, Default::default());
    let mut unlinked = Vec::new();
    for (employee, login, email) in people {
        if !keys.insert(employee.as_str()) {
            continue;
        }
        let mut holders = state.by_hr_key(employee.as_str());
        match (holders.next(), holders.next()) {
            (Some(user), None) => {
                links.linked.insert(employee.clone(), user.id.clone());
            }
            (Some(first), Some(second)) => {
                let mut users = vec![first.id.clone(), second.id.clone()];
                users.extend(holders.map(|u| u.id.clone()));
                links.conflicts.push(LinkConflict::DuplicateHrKey {
                    employee: employee.clone(),
                    users,
                });
            }
            (None, _) => unlinked.push((employee, login, email)),
        }
    }
    adopt(&unlinked, state, policy, &mut links);
    let linked: FxHashSet<&TargetUserId> = links.linked.values().collect();
    let (mut unmanaged, mut orphaned) = (Vec::new(), Vec::new());
    for user in state.users() {
        match &user.hr_key {
            _ if linked.contains(&user.id) => {}
            None => unmanaged.push(user.id.clone()),
            Some(key) if !keys.contains(key.as_str()) => orphaned.push(user.id.clone()),
            // A duplicate-key user: reported as a conflict.
            Some(_) => {}
        }
    }
    links.unmanaged = unmanaged;
    links.orphaned = orphaned;
    links
}

/// The unkeyed users matching `login` or `email`, login first, each once.
fn matches<'s>(
    state: &'s TargetState,
    login: Option<&str>,
    email: Option<&str>,
) -> Vec<(&'s TargetUser, MatchedOn)> {
    let mut found: Vec<(&TargetUser, MatchedOn)> = Vec::new();
    let by_login = login
        .and_then(|l| state.by_login(l))
        .map(|u| (u, MatchedOn::Login));
    let by_email = email
        .into_iter()
        .flat_map(|e| state.by_email(e))
        .map(|u| (u, MatchedOn::Email));
    for (user, on) in by_login.into_iter().chain(by_email) {
        // A user keyed to anyone (even someone not in this run) is never adopted.
        if user.hr_key.is_none() && !found.iter().any(|(u, _)| u.id == user.id) {
            found.push((user, on));
        }
    }
    found
}

fn adopt(
    unlinked: &[(&EmployeeId, Option<&str>, Option<&str>)],
    state: &TargetState,
    policy: LinkPolicy,
    links: &mut Links,
) {
    let allowed = |on: MatchedOn| match on {
        MatchedOn::Login => policy.adopt_matching_login,
        MatchedOn::Email => policy.adopt_matching_email,
    };
    // Each person's preferred user (their first allowed match), and who prefers each user.
    let mut found = Vec::with_capacity(unlinked.len());
    let mut wanted: FxHashMap<&TargetUserId, Vec<&EmployeeId>> = FxHashMap::default();
    for &(employee, login, email) in unlinked {
        let users = matches(state, login, email);
        let preferred = users
            .iter()
            .find(|(_, on)| allowed(*on))
            .map(|(u, _)| &u.id);
        if let Some(user) = preferred {
            wanted.entry(user).or_default().push(employee);
        }
        found.push((employee, users, preferred));
    }
    for (employee, users, preferred) in found {
        for (user, on) in users {
            let adopted = preferred == Some(&user.id)
                && wanted.get(&user.id).is_some_and(|people| people.len() == 1);
            if adopted {
                links.linked.insert(employee.clone(), user.id.clone());
            }
            links.candidates.push(Candidate::new(
                employee.clone(),
                user.id.clone(),
                on,
                adopted,
            ));
        }
    }
    let mut shared: Vec<_> = wanted
        .into_iter()
        .filter(|(_, people)| people.len() > 1)
        .map(|(user, people)| LinkConflict::SharedMatch {
            user: user.clone(),
            employees: people.into_iter().cloned().collect(),
        })
        .collect();
    shared.sort_by(|a, b| match (a, b) {
        (LinkConflict::SharedMatch { user: x, .. }, LinkConflict::SharedMatch { user: y, .. }) => {
            x.cmp(y)
        }
        _ => std::cmp::Ordering::Equal,
    });
    links.conflicts.extend(shared);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;
    use crate::target::TargetStatus;

    fn user(id: &str, login: &str, email: Option<&str>, key: Option<&str>) -> TargetUser {
        let mut u = TargetUser::new(TargetUserId::new(id), login, TargetStatus::Active);
        u.email = email.map(str::to_owned);
        u.hr_key = key.map(str::to_owned);
        u
    }

    fn emp(s: &str) -> EmployeeId {
        s.parse().unwrap()
    }

    fn state(users: Vec<TargetUser>) -> TargetState {
        TargetState::new(users, Vec::new(), HashMap::new())
    }

    #[test]
    fn hr_key_wins_over_login() {
        let s = state(vec![
            user("u1", "ada@x.example", None, None),
            user("u2", "other@x.example", None, Some("E1")),
        ]);
        let e1 = emp("E1");
        let all = LinkPolicy::default()
            .adopt_matching_login(true)
            .adopt_matching_email(true);
        let links = link([(&e1, Some("ada@x.example"), None)], &s, all);
        assert_eq!(links.linked[&e1].as_str(), "u2");
        assert!(links.candidates.is_empty());
        assert_eq!(links.unmanaged, [TargetUserId::new("u1")]);
    }

    #[test]
    fn a_user_keyed_to_someone_else_is_never_adopted() {
        let s = state(vec![user("u1", "ada@x.example", None, Some("E9"))]);
        let e1 = emp("E1");
        let links = link(
            [(&e1, Some("ada@x.example"), None)],
            &s,
            LinkPolicy::default().adopt_matching_login(true),
        );
        assert!(links.linked.is_empty());
        assert!(links.candidates.is_empty());
        assert_eq!(links.orphaned, [TargetUserId::new("u1")]);
    }

    #[test]
    fn email_candidates_need_their_own_permission() {
        let s = state(vec![user(
            "u1",
            "a1@x.example",
            Some("Ada@X.example"),
            None,
        )]);
        let e1 = emp("E1");
        let people = [(&e1, Some("ada@x.example"), Some("ada@x.example"))];
        let links = link(people, &s, LinkPolicy::default().adopt_matching_login(true));
        assert!(links.linked.is_empty());
        assert_eq!(links.candidates[0].matched_on, MatchedOn::Email);
        assert!(!links.candidates[0].adopted);
        let links = link(people, &s, LinkPolicy::default().adopt_matching_email(true));
        assert_eq!(links.linked[&e1].as_str(), "u1");
        assert!(links.candidates[0].adopted);
        assert!(links.unmanaged.is_empty());
    }

    #[test]
    fn two_people_matching_one_user_adopt_neither() {
        let s = state(vec![user(
            "u1",
            "a@x.example",
            Some("shared@x.example"),
            None,
        )]);
        let (e1, e2) = (emp("E1"), emp("E2"));
        let links = link(
            [
                (&e1, None, Some("shared@x.example")),
                (&e2, None, Some("SHARED@x.example")),
            ],
            &s,
            LinkPolicy::default().adopt_matching_email(true),
        );
        assert!(links.linked.is_empty());
        assert_eq!(links.candidates.len(), 2);
        assert!(
            matches!(&links.conflicts[..], [LinkConflict::SharedMatch { employees, .. }] if employees.len() == 2)
        );
    }

    #[test]
    fn duplicate_hr_keys_are_a_conflict() {
        let s = state(vec![
            user("u1", "a@x.example", None, Some("E1")),
            user("u2", "b@x.example", None, Some("E1")),
        ]);
        let e1 = emp("E1");
        let links = link([(&e1, None, None)], &s, LinkPolicy::default());
        assert!(links.linked.is_empty());
        assert!(
            matches!(&links.conflicts[..], [LinkConflict::DuplicateHrKey { users, .. }] if users.len() == 2)
        );
        assert!(links.unmanaged.is_empty() && links.orphaned.is_empty());
    }

    fn arb_users() -> impl Strategy<Value = Vec<TargetUser>> {
        prop::collection::vec((0..6u8, 0..6u8, prop::option::of(0..6u8)), 0..12).prop_map(|rows| {
            rows.into_iter()
                .enumerate()
                .map(|(i, (login, email, key))| {
                    user(
                        &format!("u{i}"),
                        &format!("L{login}@x.example"),
                        Some(&format!("m{email}@x.example")),
                        key.map(|k| format!("E{k}")).as_deref(),
                    )
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn never_links_a_user_twice_or_to_the_wrong_person(
            users in arb_users(),
            people in prop::collection::vec((0..6u8, 0..6u8, 0..6u8), 0..8),
            by_login: bool,
            by_email: bool,
        ) {
            let s = state(users);
            let people: Vec<(EmployeeId, String, String)> = people
                .into_iter()
                .map(|(k, l, m)| (emp(&format!("E{k}")), format!("l{l}@X.example"), format!("M{m}@x.example")))
                .collect();
            let policy = LinkPolicy::default().adopt_matching_login(by_login).adopt_matching_email(by_email);
            let links = link(
                people.iter().map(|(e, l, m)| (e, Some(l.as_str()), Some(m.as_str()))),
                &s,
                policy,
            );
            let mut seen = HashSet::new();
            for (employee, user) in &links.linked {
                prop_assert!(seen.insert(user.clone()), "{user} linked twice");
                let key = s.user(user).unwrap().hr_key.as_deref();
                prop_assert!(key.is_none() || key == Some(employee.as_str()));
            }
            for id in links.unmanaged.iter().chain(&links.orphaned) {
                prop_assert!(!seen.contains(id));
            }
        }
    }
}
