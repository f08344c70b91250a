//! Okta's official "SCIM 2.0 SPEC Test" (`Okta-SCIM-20-SPEC-Test.json`, a Runscope export)
//! run as written against our server: every request step of the file is sent and every
//! assertion in the file is checked (the runner is `support/runscope.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/runscope.rs"]
mod runscope;
mod support;

use std::sync::Arc;

use async_trait::async_trait;
use okta_scim::{Capabilities, Group, ListPage, ListQuery, ResourceId, ScimProvider, User};

async fn run_suite(scim: &support::Scim, auth: &str) -> runscope::Outcome {
    runscope::run_suite(&scim.base, &scim.http, auth).await
}

#[tokio::test]
async fn okta_spec_suite_passes_with_bearer_auth() {
    let (scim, provider) = support::start().await;
    support::seed(&provider).await;
    let out = run_suite(&scim, &format!("Bearer {}", support::TOKEN)).await;
    assert_eq!(out.requests, 12, "the suite has 12 requests");
    let in_file: usize = runscope::suite()["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["assertions"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(in_file, 52, "the 2024-05 export has 52 assertions");
    assert_eq!(
        out.assertions,
        in_file + 1,
        "every assertion of the file, plus the Groups script rule"
    );
    assert!(out.failures.is_empty(), "{:#?}", out.failures);
}

#[tokio::test]
async fn okta_spec_suite_passes_with_basic_auth() {
    let (scim, provider) = support::start().await;
    support::seed(&provider).await;
    let out = run_suite(&scim, &support::basic_header()).await;
    assert!(out.failures.is_empty(), "{:#?}", out.failures);
}

#[tokio::test]
async fn okta_spec_suite_needs_a_seed_user_as_okta_documents() {
    let (scim, _provider) = support::start().await;
    let out = run_suite(&scim, &format!("Bearer {}", support::TOKEN)).await;
    // Steps 1 and 2 read an existing user; everything else still passes.
    assert!(
        out.failures
            .iter()
            .all(|f| f.contains("Users") || f.contains("user")),
        "{:#?}",
        out.failures
    );
    assert!(!out.failures.is_empty());
}

/// A provider with the bug PostHog shipped (Q-O1): it lower-cases userName.
#[derive(Debug)]
struct LowercasingProvider(okta_scim::InMemoryProvider);

#[async_trait]
impl ScimProvider for LowercasingProvider {
    fn capabilities(&self) -> Capabilities {
        self.0.capabilities()
    }
    async fn list_users(&self, q: &ListQuery) -> okta_scim::Result<ListPage<User>> {
        self.0.list_users(q).await
    }
    async fn get_user(&self, id: &ResourceId) -> okta_scim::Result<User> {
        self.0.get_user(id).await
    }
    async fn create_user(&self, mut user: User) -> okta_scim::Result<User> {
        user.user_name = user.user_name.to_lowercase();
        self.0.create_user(user).await
    }
    async fn list_groups(&self, q: &ListQuery) -> okta_scim::Result<ListPage<Group>> {
        self.0.list_groups(q).await
    }
}

#[tokio::test]
async fn okta_spec_suite_catches_a_server_that_lowercases_user_names() {
    let provider = Arc::new(LowercasingProvider(okta_scim::InMemoryProvider::new()));
    support::seed(&provider.0).await;
    let scim = support::serve(support::builder(provider).build().unwrap()).await;
    let out = run_suite(&scim, &format!("Bearer {}", support::TOKEN)).await;
    assert!(
        out.failures.iter().any(|f| f.contains("userName")),
        "the suite should fail on a lower-cased userName: {:#?}",
        out.failures
    );
}
