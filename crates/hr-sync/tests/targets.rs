//! One behavioural suite, run against every target: the in-memory one and Okta's
//! (against the okta-api simulator).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hr_sync::{
    Action, AttributeChange, IdentityTarget, InMemoryTarget, OktaTarget, SyncError, TargetGroupId,
    TargetStatus, TargetUserId, UserRef,
};
use okta_api::OktaClient;
use okta_api::simulator::{OktaSimulator, RunningSimulator};
use secrecy::SecretString;
use serde_json::{Map, Value, json};

const LINK: &str = "hrEmployeeId";

fn profile(key: &str, first: &str) -> Map<String, Value> {
    json!({
        "firstName": first,
        "lastName": "Tester",
        "email": format!("{}@acme.example", first.to_lowercase()),
        LINK: key,
    })
    .as_object()
    .cloned()
    .unwrap()
}

/// The Okta simulator and an `OktaTarget` connected to it.
async fn okta_org() -> (RunningSimulator, OktaTarget) {
    let sim = OktaSimulator::builder()
        .api_token("t")
        .start()
        .await
        .unwrap();
    let client = OktaClient::builder()
        .org_url(sim.url())
        .api_token(SecretString::from("t"))
        .build()
        .unwrap();
    (sim, OktaTarget::new(client))
}

fn user_of(applied: &hr_sync::Applied) -> TargetUserId {
    TargetUserId::new(applied.target_id.clone().unwrap())
}

async fn status(target: &dyn IdentityTarget, user: &TargetUserId) -> TargetStatus {
    let state = target.read_state(LINK).await.unwrap();
    state.user(user).unwrap().status.clone()
}

/// Everything a target must do; `set_status` plays what people and admins do in Okta
/// (finishing activation), which no action does.
async fn behaves_like_okta(target: &dyn IdentityTarget, set_status: &dyn Fn(&TargetUserId, &str)) {
    assert!(target.ensure_link_attribute(LINK).await.unwrap());
    assert!(!target.ensure_link_attribute(LINK).await.unwrap());
    assert!(
        !target
            .ensure_link_attribute("employeeNumber")
            .await
            .unwrap()
    );

    // Create, and the login stays unique whatever its case.
    let created = target
        .apply(&Action::create_user(
            "E-1",
            "ada@acme.example",
            profile("E-1", "Ada"),
            false,
        ))
        .await
        .unwrap();
    let ada = user_of(&created);
    // The same create again (a retry after a lost answer) finds the user it made.
    let again = Action::create_user("E-1", "ADA@acme.example", profile("E-1", "Ada"), false);
    assert_eq!(user_of(&target.apply(&again).await.unwrap()), ada);
    // Someone else's create for that login is a conflict naming the holder.
    let other = Action::create_user("E-2", "ADA@acme.example", profile("E-2", "Ada"), false);
    match target.apply(&other).await {
        Err(SyncError::LoginConflict { existing, .. }) => assert_eq!(existing, Some(ada.clone())),
        other => panic!("expected a login conflict, got {other:?}"),
    }

    let state = target.read_state(LINK).await.unwrap();
    let read: Vec<_> = state.by_hr_key("E-1").collect();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].id, ada);
    assert_eq!(read[0].status, TargetStatus::Staged);
    assert_eq!(read[0].email.as_deref(), Some("ada@acme.example"));
    assert_eq!(
        state.by_login("Ada@Acme.Example").map(|u| &u.id),
        Some(&ada)
    );

    // Lifecycle: illegal transitions are typed errors, repeats change nothing.
    let suspend = Action::Suspend {
        hr_key: "E-1".into(),
        user: ada.clone(),
    };
    match target.apply(&suspend).await {
        Err(SyncError::IllegalTransition { status, .. }) => {
            assert_eq!(status, TargetStatus::Staged)
        }
        other => panic!("expected an illegal transition, got {other:?}"),
    }
    let activate = Action::Activate {
        hr_key: "E-1".into(),
        user: ada.clone(),
    };
    target.apply(&activate).await.unwrap();
    assert_eq!(status(target, &ada).await, TargetStatus::Provisioned);
    target.apply(&activate).await.unwrap();
    set_status(&ada, "ACTIVE");
    target.apply(&suspend).await.unwrap();
    assert_eq!(status(target, &ada).await, TargetStatus::Suspended);
    target.apply(&suspend).await.unwrap();
    let unsuspend = Action::Unsuspend {
        hr_key: "E-1".into(),
        user: ada.clone(),
    };
    target.apply(&unsuspend).await.unwrap();
    assert_eq!(status(target, &ada).await, TargetStatus::Active);

    // Profile and manager.
    let update = Action::UpdateProfile {
        hr_key: "E-1".into(),
        user: ada.clone(),
        changes: vec![AttributeChange::new(
            "department",
            None,
            Some(json!("Finance")),
        )],
    };
    target.apply(&update).await.unwrap();
    // A reference to a user the plan creates must be resolved first.
    let planned = Action::SetManager {
        hr_key: "E-1".into(),
        user: ada.clone().into(),
        manager: Some(UserRef::Planned("E-9".into())),
    };
    assert!(matches!(
        target.apply(&planned).await,
        Err(SyncError::Invalid { .. })
    ));
    let manager = Action::SetManager {
        hr_key: "E-1".into(),
        user: ada.clone().into(),
        manager: Some(ada.clone().into()),
    };
    target.apply(&manager).await.unwrap();
    let state = target.read_state(LINK).await.unwrap();
    let read = &state.user(&ada).unwrap().profile;
    assert_eq!(read["department"], "Finance");
    assert_eq!(read["managerId"], ada.as_str());

    // Deactivated users are still read; a rehire reactivates them.
    let deactivate = Action::Deactivate {
        hr_key: "E-1".into(),
        user: ada.clone(),
    };
    target.apply(&deactivate).await.unwrap();
    assert_eq!(status(target, &ada).await, TargetStatus::Deprovisioned);
    target.apply(&deactivate).await.unwrap();
    assert!(matches!(
        target.apply(&suspend).await,
        Err(SyncError::IllegalTransition { .. })
    ));
    target
        .apply(&Action::Reactivate {
            hr_key: "E-1".into(),
            user: ada.clone(),
        })
        .await
        .unwrap();
    assert_eq!(status(target, &ada).await, TargetStatus::Provisioned);

    // A create with activation.
    let bob = user_of(
        &target
            .apply(&Action::create_user(
                "E-2",
                "bob@acme.example",
                profile("E-2", "Bob"),
                true,
            ))
            .await
            .unwrap(),
    );
    assert_eq!(status(target, &bob).await, TargetStatus::Provisioned);

    // Groups and members.
    let group = TargetGroupId::new(
        target
            .apply(&Action::CreateGroup {
                name: "Engineering".into(),
            })
            .await
            .unwrap()
            .target_id
            .unwrap(),
    );
    // The same create again (its answer lost) finds the group; another case of the
    // name is someone else's group.
    let again = target
        .apply(&Action::CreateGroup {
            name: "Engineering".into(),
        })
        .await
        .unwrap();
    assert_eq!(again.target_id.as_deref(), Some(group.as_str()));
    assert!(matches!(
        target
            .apply(&Action::CreateGroup {
                name: "engineering".into()
            })
            .await,
        Err(SyncError::GroupConflict { .. })
    ));
    let add = Action::AddMember {
        hr_key: "E-2".into(),
        group: group.clone().into(),
        user: bob.clone().into(),
    };
    target.apply(&add).await.unwrap();
    target.apply(&add).await.unwrap();
    let state = target.read_state(LINK).await.unwrap();
    assert_eq!(
        state.group_by_name("ENGINEERING").map(|g| &g.id),
        Some(&group)
    );
    assert!(state.members(&group).unwrap().contains(&bob));
    target
        .apply(&Action::RemoveMember {
            hr_key: "E-2".into(),
            group: group.clone(),
            user: bob.clone(),
        })
        .await
        .unwrap();
    let state = target.read_state(LINK).await.unwrap();
    assert!(state.members(&group).unwrap().is_empty());
    assert_eq!(state.users().len(), 2);

    // Unknown users.
    let ghost = TargetUserId::new("00unknown1234567890");
    assert!(matches!(
        target
            .apply(&Action::Activate {
                hr_key: "E-3".into(),
                user: ghost
            })
            .await,
        Err(SyncError::UnknownUser { .. })
    ));
}

/// Many groups: each keeps its own members (the Okta target reads them concurrently).
async fn memberships_stay_with_their_groups(target: &dyn IdentityTarget) {
    target.ensure_link_attribute(LINK).await.unwrap();
    let create = Action::create_user("E-7", "cy@acme.example", profile("E-7", "Cy"), false);
    let cy = user_of(&target.apply(&create).await.unwrap());
    let mut groups = Vec::new();
    for i in 0..9 {
        let made = target
            .apply(&Action::CreateGroup {
                name: format!("Team {i}"),
            })
            .await
            .unwrap();
        let group = TargetGroupId::new(made.target_id.unwrap());
        if i % 3 == 0 {
            let add = Action::AddMember {
                hr_key: "E-7".into(),
                group: group.clone().into(),
                user: cy.clone().into(),
            };
            target.apply(&add).await.unwrap();
        }
        groups.push(group);
    }
    let state = target.read_state(LINK).await.unwrap();
    for (i, group) in groups.iter().enumerate() {
        assert_eq!(
            state.members(group).unwrap().contains(&cy),
            i % 3 == 0,
            "Team {i}"
        );
        assert_eq!(
            state.group_by_name(&format!("team {i}")).map(|g| &g.id),
            Some(group)
        );
    }
}

#[tokio::test]
async fn memberships_in_memory_and_in_okta() {
    memberships_stay_with_their_groups(&InMemoryTarget::new()).await;
    let (_sim, target) = okta_org().await;
    memberships_stay_with_their_groups(&target).await;
}

#[tokio::test]
async fn in_memory_target() {
    let target = InMemoryTarget::new();
    behaves_like_okta(&target, &|user, status| {
        assert!(target.set_status(user, TargetStatus::from_okta(status)));
    })
    .await;
    // Writes are logged once, repeats are not.
    let kinds: Vec<_> = target.writes().iter().map(Action::kind).collect();
    assert_eq!(
        kinds,
        [
            "create_user",
            "activate",
            "suspend",
            "unsuspend",
            "update_profile",
            "set_manager",
            "deactivate",
            "reactivate",
            "create_user",
            "create_group",
            "add_member",
            "remove_member",
        ]
    );
}

#[tokio::test]
async fn okta_target_against_the_simulator() {
    let (sim, target) = okta_org().await;
    behaves_like_okta(&target, &|user, status| {
        sim.simulator()
            .set_user_status(user.as_str(), status)
            .unwrap();
    })
    .await;

    // Each write carries the request id Okta answered it with, for the journal.
    let applied = target
        .apply(&Action::create_user(
            "E-9",
            "grace@acme.example",
            profile("E-9", "Grace"),
            false,
        ))
        .await
        .unwrap();
    let last = sim.requests().last().cloned().unwrap();
    assert_eq!((last.method.as_str(), last.status), ("POST", 200));
    assert_eq!(
        applied.request_id.as_deref(),
        Some(last.request_id.as_str())
    );
}

#[tokio::test]
async fn okta_target_skips_groups_it_cannot_manage() {
    let (_sim, target) = okta_org().await;
    let state = target.read_state(LINK).await.unwrap();
    // The simulator's built-in Everyone group is not an OKTA_GROUP.
    assert!(
        state
            .groups()
            .iter()
            .all(|g| g.managed && g.name != "Everyone")
    );
}
