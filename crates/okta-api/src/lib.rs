//! Okta Management API client: users, lifecycle, groups, the user schema, cursor
//! paging, typed errors, rate-limit-aware retries, SSWS and OAuth 2.0
//! (`private_key_jwt`) authentication; and, with the `simulator` feature, a stateful
//! in-process Okta org to test against.
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! use okta_api::{OktaClient, UserProfile, UserStatus};
//!
//! # async fn run() -> Result<(), okta_api::Error> {
//! let client = OktaClient::from_env()?; // OKTA_ORG_URL + OKTA_API_TOKEN, or an OAuth app
//!
//! // Create a staged user, unless the login exists already.
//! let login = "ada@acme.example";
//! let user = match client.users().find_by_login(login).await? {
//!     Some(user) => user,
//!     None => {
//!         let profile = UserProfile::new(login, login, "Ada", "Lovelace");
//!         client.users().create(profile).activate(false).send().await?
//!     }
//! };
//! if user.status == UserStatus::Staged {
//!     client.users().activate(&user.id).send_email(false).send().await?;
//! }
//!
//! // Walk every user, 200 per page, one page in memory at a time.
//! let mut users = std::pin::pin!(client.users().list().limit(200).stream());
//! while let Some(user) = users.try_next().await? {
//!     println!("{} {}", user.profile.login, user.status);
//! }
//! # Ok(()) }
//! ```
//!
//! # Retries, rate limits and concurrency
//!
//! Every answer's `X-Rate-Limit-*` headers are recorded per bucket (method and path
//! template). A 429 is retried after the reset, measured against the answer's `Date`,
//! plus jitter, with `X-Okta-Retry-For` and `X-Okta-Retry-Count`; without those headers
//! it backs off exponentially. When a bucket falls below a share of its limit (10 %
//! by default) calls are spread over the rest of the window ahead of time. 5xx answers
//! and timeouts are retried only for calls that are safe to repeat; see [`RetryPolicy`]
//! and the [`users`] module on making creates and lifecycle calls safe. At most
//! [`max_concurrency`](OktaClientBuilder::max_concurrency) requests (10 by default) are
//! in flight at once across all clones of a client.
//!
//! # Secrets
//!
//! API tokens, OAuth access tokens, private keys, passwords and activation tokens are
//! [`secrecy::SecretString`]s: they never appear in `Debug`, logs, errors or URLs.
//! Request and response bodies are never logged.

mod auth;
mod client;
mod error;
mod groups;
mod id;
mod page;
mod request_ids;
mod schema;
mod transport;
pub mod users;

#[cfg(feature = "simulator")]
pub mod simulator;

pub use auth::{Credentials, PrivateKeyJwt};
pub use client::{OktaClient, OktaClientBuilder, RetryPolicy};
pub use error::{Error, ErrorCode, OktaApiError};
pub use groups::{Group, GroupProfile, GroupType, Groups, ListGroups, ListMembers};
pub use id::{GroupId, UserId};
pub use page::{Page, parse_next_link};
pub use request_ids::collect_request_ids;
pub use schema::{CustomAttribute, SchemaAttribute, Schemas, UserSchema};
pub use transport::RateLimitStatus;
pub use users::{
    Activation, CreateUser, DeleteUser, Lifecycle, ListUsers, SortOrder, UpdateUser, User,
    UserProfile, UserStatus, Users, quote,
};
